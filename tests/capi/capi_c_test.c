/* The C API from a program compiled as C99: kompress/kompress.h must stand alone in C, and a
 * compress, retrieve and error round trip must work through it. Runs on the model folder given
 * as argv[1] (the embedded kompress-mini); exits 77 (skipped) when that folder is absent. */
#include <kompress/kompress.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

static const char kText[] =
    "Traceback (most recent call last):\n"
    "  File \"/usr/lib/python3/model.py\", line 12, in forward\n"
    "    raise IndexError(\"index out of range\")\n"
    "IndexError: index out of range\n"
    "the process raised an error and was not able to continue with the rest of the job\n"
    "\tretrying at 0x7fff2038 with --verbose, or not at all\n";

/* Compresses kText into the store and retrieves it by the result's key. */
static void round_trip(kompress_compressor* c) {
  kompress_error* err = NULL;
  kompress_options o;
  kompress_result* r;
  char* original = NULL;
  size_t len = 0;
  kompress_options_init(&o);
  o.ratio = 0.3;
  r = kompress_compress(c, kText, sizeof kText - 1, &o, &err);
  CHECK(r != NULL && err == NULL);
  if (r == NULL) {
    fprintf(stderr, "compress: %s\n", kompress_error_message(err));
    kompress_error_free(err);
    return;
  }
  CHECK(kompress_result_compressed_tokens(r) < kompress_result_original_tokens(r));
  CHECK(strlen(kompress_result_cache_key(r)) == 24);
  CHECK(strstr(kompress_result_text(r, NULL), kompress_result_cache_key(r)) != NULL);
  CHECK(strcmp(kompress_result_model_used(r), "kompress-mini") == 0);
  CHECK(kompress_retrieve(c, kompress_result_cache_key(r), &original, &len, &err) ==
        KOMPRESS_RETRIEVE_OK);
  CHECK(original != NULL && len == sizeof kText - 1 && memcmp(original, kText, len) == 0);
  kompress_string_free(original);
  kompress_result_free(r);
}

/* Invalid UTF-8 and a NULL compressor come back as errors with messages. */
static void errors(kompress_compressor* c) {
  static const char bad[] = "abc \xc3 def";
  kompress_error* err = NULL;
  CHECK(kompress_compress(c, bad, sizeof bad - 1, NULL, &err) == NULL);
  CHECK(kompress_error_code(err) == KOMPRESS_ERROR_FAILED);
  CHECK(strstr(kompress_error_message(err), "byte offset 4") != NULL);
  kompress_error_free(err);
  CHECK(kompress_compress(NULL, bad, sizeof bad - 1, NULL, &err) == NULL);
  CHECK(kompress_error_code(err) == KOMPRESS_ERROR_INVALID_ARGUMENT);
  kompress_error_free(err);
}

/* True when `dir` holds a config.json. */
static int has_model(const char* dir) {
  char path[4096];
  FILE* f;
  if (snprintf(path, sizeof path, "%s/config.json", dir) >= (int)sizeof path) return 0;
  f = fopen(path, "rb");
  if (f != NULL) fclose(f);
  return f != NULL;
}

int main(int argc, char** argv) {
  kompress_error* err = NULL;
  kompress_compressor* c;
  if (argc != 2) return 2;
  if (!has_model(argv[1])) {
    printf("skipped: no model folder %s\n", argv[1]);
    return 77;
  }
  CHECK(strlen(kompress_version()) >= 5);
  c = kompress_compressor_open(argv[1], "memory", &err);
  if (c == NULL) {
    fprintf(stderr, "open: %s\n", kompress_error_message(err));
    kompress_error_free(err);
    return 1;
  }
  round_trip(c);
  errors(c);
  kompress_compressor_free(c);
  return failures == 0 ? 0 : 1;
}
