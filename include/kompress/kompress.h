/* kompress/kompress.h: the C API of libkompress, for bindings (Python ctypes/cffi, Go, Rust)
 * and C programs. Pure C99: opaque handles, each with its free function.
 *
 *   kompress_error* err = NULL;
 *   kompress_compressor* c = kompress_compressor_open("models/kompress-mini", "memory", &err);
 *   if (c == NULL) { fprintf(stderr, "%s\n", kompress_error_message(err)); ... }
 *   kompress_options o;
 *   kompress_options_init(&o);
 *   o.ratio = 0.3;                                          // keep ~30% of the words
 *   kompress_result* r = kompress_compress(c, text, strlen(text), &o, &err);
 *   fputs(kompress_result_text(r, NULL), stdout);           // ends with "Retrieve more: hash=K"
 *   char* original = NULL;
 *   kompress_retrieve(c, kompress_result_cache_key(r), &original, NULL, &err);
 *   kompress_string_free(original); kompress_result_free(r); kompress_compressor_free(c);
 *
 * Errors: a function that fails returns NULL (or KOMPRESS_RETRIEVE_ERROR) and, when `err` is not
 * NULL, sets *err to an error to read with kompress_error_message() and free with
 * kompress_error_free(); on success *err is set to NULL. Messages are one line naming the
 * problem: the byte offset of invalid UTF-8, the model file that is missing or malformed, the
 * argument that is NULL. No C++ exception crosses this API and no input aborts the process.
 *
 * Threads: a compressor may be shared by threads; kompress_compress() and kompress_retrieve()
 * may run concurrently on one. Results and errors are immutable; free each object once.
 *
 * ABI: the handles are opaque; kompress_options starts with its own size, so later versions add
 * fields at its end and keep reading options compiled against this header.
 */
#ifndef KOMPRESS_KOMPRESS_H_
#define KOMPRESS_KOMPRESS_H_

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define KOMPRESS_C_API
#else
/* Exported even when the library is built with hidden visibility. */
#define KOMPRESS_C_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version, "MAJOR.MINOR.PATCH". */
KOMPRESS_C_API const char* kompress_version(void);

/* ---- Errors ---------------------------------------------------------------------------- */

typedef struct kompress_error kompress_error;

/* What kompress_error_code() returns. */
enum {
  KOMPRESS_ERROR_INVALID_ARGUMENT = 1, /* a NULL argument, bad options or key */
  KOMPRESS_ERROR_FAILED = 2,           /* bad input, model files or CCR store (kompress::Error) */
  KOMPRESS_ERROR_OUT_OF_MEMORY = 3,
  KOMPRESS_ERROR_INTERNAL = 4 /* anything else: a bug in kompress */
};

/* The message, one line; "" for NULL. Valid until the error is freed. */
KOMPRESS_C_API const char* kompress_error_message(const kompress_error* error);
/* One of KOMPRESS_ERROR_*; 0 for NULL. */
KOMPRESS_C_API int kompress_error_code(const kompress_error* error);
/* Frees `error`; NULL is ignored. */
KOMPRESS_C_API void kompress_error_free(kompress_error* error);

/* ---- Compressor ------------------------------------------------------------------------ */

typedef struct kompress_compressor kompress_compressor;

/* Loads the model folder `model_dir` (config.json, model.safetensors, tokenizer.json; its
 * name is the results' model_used) and opens the CCR store at `ccr_location`: NULL for none
 * (results then never carry a cache key), "memory" for an in-process store, a SQLite path
 * ("sqlite:PATH" too), or "redis://[[USER]:PASSWORD@]HOST[:PORT][/DB][?prefix=NAME]". The
 * compressor keeps an in-process result cache of 64 MiB. Returns NULL with *err naming the
 * folder and the problem (not a folder, a missing or malformed file) or the store's failure. */
KOMPRESS_C_API kompress_compressor* kompress_compressor_open(const char* model_dir,
                                                             const char* ccr_location,
                                                             kompress_error** err);
/* Frees `compressor`; NULL is ignored. No call on it may be running. */
KOMPRESS_C_API void kompress_compressor_free(kompress_compressor* compressor);

/* ---- Options --------------------------------------------------------------------------- */

/* How kept words are put back together. */
enum {
  KOMPRESS_JOIN_LAYOUT = 0, /* keep lines and the indentation of lines whose first word stays */
  KOMPRESS_JOIN_SPACE = 1   /* all kept words joined by single spaces (the reference) */
};

typedef struct kompress_options {
  size_t size; /* sizeof(kompress_options) as the caller compiled it; set by _init */
  /* < 0: the threshold path (default -1); 0 to 1: keep the top max(1, floor(n * ratio)) words
   * of each chunk by score. */
  double ratio;
  float threshold;     /* threshold path: keep a word when a token scores above it (0.5) */
  int must_keep;       /* keep numbers, identifiers, paths, flags, negations... (1) */
  int join;            /* KOMPRESS_JOIN_* (KOMPRESS_JOIN_LAYOUT) */
  int ccr;             /* store the original when under 80% is kept, needs a store (1) */
  int64_t deadline_ms; /* chunks not scored in time are kept verbatim; <= 0: none (20000) */
  int lossy;           /* replace invalid UTF-8 with U+FFFD instead of failing (0) */
  size_t chunk_words;  /* words per model chunk (350) */
} kompress_options;

/* Fills `options` with the defaults above and its size. NULL is ignored. */
KOMPRESS_C_API void kompress_options_init(kompress_options* options);

/* ---- Compression ----------------------------------------------------------------------- */

typedef struct kompress_result kompress_result;

/* Compresses the `len` bytes at `text` (UTF-8; NULL only with len 0) with `options` (NULL: the
 * defaults). Returns NULL with *err for invalid UTF-8 (naming its byte offset) unless
 * options->lossy, invalid options, or a model failure. A failing CCR store does not fail the
 * call: the result has no cache key and kompress_result_ccr_error() says why. */
KOMPRESS_C_API kompress_result* kompress_compress(kompress_compressor* compressor, const char* text,
                                                  size_t len, const kompress_options* options,
                                                  kompress_error** err);

/* The compressed text, NUL-terminated; *len (when `len` is not NULL) is its length in bytes,
 * which counts embedded NULs. Valid until the result is freed. Accessors return "", 0 or 0.0
 * for a NULL result. */
KOMPRESS_C_API const char* kompress_result_text(const kompress_result* result, size_t* len);
/* Words (scoring units) of the original and words kept. */
KOMPRESS_C_API int64_t kompress_result_original_tokens(const kompress_result* result);
KOMPRESS_C_API int64_t kompress_result_compressed_tokens(const kompress_result* result);
/* compressed_tokens / original_tokens. */
KOMPRESS_C_API double kompress_result_ratio(const kompress_result* result);
/* The CCR key (24 hex digits) when the original was stored, else "". */
KOMPRESS_C_API const char* kompress_result_cache_key(const kompress_result* result);
/* The model folder's name. */
KOMPRESS_C_API const char* kompress_result_model_used(const kompress_result* result);
/* 1 when the text passed through unchanged. */
KOMPRESS_C_API int kompress_result_passthrough(const kompress_result* result);
/* 1 when some chunks were kept verbatim because the deadline passed. */
KOMPRESS_C_API int kompress_result_deadline_hit(const kompress_result* result);
/* Why the original was not stored although it qualified (the store failed), else "". */
KOMPRESS_C_API const char* kompress_result_ccr_error(const kompress_result* result);
/* Frees `result`; NULL is ignored. */
KOMPRESS_C_API void kompress_result_free(kompress_result* result);

/* ---- Retrieval ------------------------------------------------------------------------- */

/* What kompress_retrieve() returns. */
enum {
  KOMPRESS_RETRIEVE_ERROR = -1,
  KOMPRESS_RETRIEVE_OK = 0,
  KOMPRESS_RETRIEVE_MISSING = 1, /* unknown key, or evicted */
  KOMPRESS_RETRIEVE_EXPIRED = 2  /* past the store's TTL */
};

/* Looks up the original behind `key` (the hash= of a retrieval marker, 24 hex digits) in the
 * compressor's store, counting one retrieval. On KOMPRESS_RETRIEVE_OK, *original is a
 * NUL-terminated copy to free with kompress_string_free() and *len (when `len` is not NULL) its
 * length; otherwise *original is NULL. KOMPRESS_RETRIEVE_ERROR with *err for a NULL argument,
 * a malformed key, a compressor opened without a store, or a store failure. */
KOMPRESS_C_API int kompress_retrieve(kompress_compressor* compressor, const char* key,
                                     char** original, size_t* len, kompress_error** err);

/* Frees a string the library returned; NULL is ignored. */
KOMPRESS_C_API void kompress_string_free(char* s);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* KOMPRESS_KOMPRESS_H_ */
