/*
 * util.h: allocation, strings and time helpers shared by oned, the CLI and tests.
 *
 * Allocation failure aborts the process (as GLib does for libvirt): a cloud
 * controller that cannot allocate a few bytes cannot make progress safely, and
 * aborting keeps every caller free of untestable OOM branches.
 */
#ifndef NB_UTIL_H
#define NB_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define NB_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NB_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define NB_UNUSED __attribute__((unused))

void *nb_malloc(size_t n);
void *nb_calloc(size_t n, size_t size);
void *nb_realloc(void *p, size_t n);
char *nb_strdup(const char *s);
char *nb_strndup(const char *s, size_t n);
char *nb_asprintf(const char *fmt, ...) NB_PRINTF(1, 2);
char *nb_vasprintf(const char *fmt, va_list ap) NB_PRINTF(1, 0);

/* Grow *arr (of elements of size `size`) so that it holds at least `need`
 * elements; *cap is updated.  Doubles, so appends are amortised O(1). */
void nb_grow(void *arr, size_t *cap, size_t need, size_t size);

static inline bool nb_streq(const char *a, const char *b) { return strcmp(a, b) == 0; }
bool nb_strcaseeq(const char *a, const char *b);

/* Parse a whole decimal integer (optional sign, surrounding blanks allowed).
 * Returns 0 and stores the value, or -1 if s is not exactly an integer in range. */
int nb_parse_ll(const char *s, long long *out);
int nb_parse_int(const char *s, int *out);

/* Constant-time equality of two byte strings of possibly different length. */
bool nb_secure_eq(const void *a, size_t alen, const void *b, size_t blen);
/* Wipe a secret so the compiler cannot elide it. */
void nb_wipe(void *p, size_t n);

/* Seconds since the epoch and a monotonic clock in nanoseconds. */
int64_t nb_now(void);
uint64_t nb_mono_ns(void);

/* Random bytes from the OS CSPRNG, or a lowercase hex string of 2*nbytes chars. */
int nb_random_bytes(void *buf, size_t n);
char *nb_random_hex(size_t nbytes);

/* Lowercase hex of a SHA-256 digest of data (65-byte out incl. NUL). */
void nb_sha256_hex(const void *data, size_t len, char out[65]);

/* Read a whole file (NUL-terminated); NULL and errno set on failure. */
char *nb_read_file(const char *path, size_t *len);
/* Create dir and its parents with mode; 0 or -1 with errno. */
int nb_mkdir_p(const char *path, unsigned mode);

#endif
