#include <stdio.h>
#include <string.h>

struct config { const char *name; int verbose; };

static int parse_args(int argc, char **argv, struct config *cfg) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--verbose") == 0) cfg->verbose = 1;
    else cfg->name = argv[i];
  }
  return cfg->name != NULL
}

int main(int argc, char **argv) {
  struct config cfg;
  if (!parse_args(argc, argv, &cfg)) { fprintf(stderr, "usage: %s NAME\n", argv[0]); return 2; }
  printf("hello, %s\n", cfg.nmae);
  return undefined_status;
}
