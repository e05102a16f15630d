/* A C program outside the project that uses the installed C API: compresses with the installed
 * model folder argv[1], retrieves the original, and reads an error. */
#include <kompress/kompress.h>

#include <stdio.h>
#include <string.h>

static const char kText[] =
    "the process raised an error and was not able to continue with the rest of the job\n"
    "IndexError: index out of range in /usr/lib/python3/model.py line 12\n";

int main(int argc, char** argv) {
  kompress_error* err = NULL;
  kompress_compressor* c;
  kompress_options o;
  kompress_result* r;
  char* original = NULL;
  if (argc != 2) return 2;
  printf("version: %s\n", kompress_version());
  c = kompress_compressor_open(argv[1], "memory", &err);
  if (c == NULL) {
    printf("open failed: %s\n", kompress_error_message(err));
    kompress_error_free(err);
    return 1;
  }
  kompress_options_init(&o);
  o.ratio = 0.3;
  r = kompress_compress(c, kText, strlen(kText), &o, &err);
  if (r == NULL) {
    printf("compress failed: %s\n", kompress_error_message(err));
    kompress_error_free(err);
    kompress_compressor_free(c);
    return 1;
  }
  printf("kept %lld of %lld words\n", (long long)kompress_result_compressed_tokens(r),
         (long long)kompress_result_original_tokens(r));
  printf("retrieved original: %s\n", kompress_retrieve(c, kompress_result_cache_key(r), &original,
                                                       NULL, &err) == KOMPRESS_RETRIEVE_OK &&
                                             strcmp(original, kText) == 0
                                         ? "yes"
                                         : "no");
  kompress_string_free(original);
  kompress_result_free(r);
  kompress_compressor_free(c);
  /* errors cross the library boundary as messages */
  printf("bad folder named: %s\n",
         kompress_compressor_open("/no/such/model", NULL, &err) == NULL &&
                 strstr(kompress_error_message(err), "/no/such/model") != NULL
             ? "yes"
             : "no");
  kompress_error_free(err);
  return 0;
}
