#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

static void nb_oom(void)
{
    static const char msg[] = "nubes: out of memory\n";
    ssize_t NB_UNUSED w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
    abort();
}

void *nb_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        nb_oom();
    return p;
}

void *nb_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        nb_oom();
    return p;
}

void *nb_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        nb_oom();
    return q;
}

char *nb_strdup(const char *s)
{
    return nb_strndup(s, strlen(s));
}

char *nb_strndup(const char *s, size_t n)
{
    char *d = nb_malloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *nb_vasprintf(const char *fmt, va_list ap)
{
    va_list cp;
    int n;
    char *s;

    va_copy(cp, ap);
    n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return nb_strdup(fmt);      /* an encoding error: keep the format */
    s = nb_malloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *nb_asprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;
    va_start(ap, fmt);
    s = nb_vasprintf(fmt, ap);
    va_end(ap);
    return s;
}

void nb_grow(void *arr, size_t *cap, size_t need, size_t size)
{
    void **p = arr;
    size_t c = *cap ? *cap : 4;
    if (need <= *cap)
        return;
    while (c < need)
        c *= 2;
    *p = nb_realloc(*p, c * size);
    *cap = c;
}

bool nb_strcaseeq(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

int nb_parse_ll(const char *s, long long *out)
{
    char *end;
    long long v;

    if (!s)
        return -1;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    if (!*s)
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s)
        return -1;
    while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
        end++;
    if (*end)
        return -1;
    *out = v;
    return 0;
}

int nb_parse_int(const char *s, int *out)
{
    long long v;
    if (nb_parse_ll(s, &v) < 0 || v < INT32_MIN || v > INT32_MAX)
        return -1;
    *out = (int)v;
    return 0;
}

bool nb_secure_eq(const void *a, size_t alen, const void *b, size_t blen)
{
    /* Compare over the shorter length but fold the length difference in, so
     * the time depends only on the lengths, never on where bytes differ. */
    size_t n = alen < blen ? alen : blen;
    int diff = CRYPTO_memcmp(a, b, n);
    return diff == 0 && alen == blen;
}

void nb_wipe(void *p, size_t n)
{
    OPENSSL_cleanse(p, n);
}

int64_t nb_now(void)
{
    return (int64_t)time(NULL);
}

uint64_t nb_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int nb_random_bytes(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static void nb_hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0xf];
    }
    out[2 * n] = '\0';
}

char *nb_random_hex(size_t nbytes)
{
    unsigned char *raw = nb_malloc(nbytes);
    char *hex = nb_malloc(2 * nbytes + 1);
    if (nb_random_bytes(raw, nbytes) < 0)
        abort(); /* getrandom(2) only fails before the pool is seeded */
    nb_hex(raw, nbytes, hex);
    nb_wipe(raw, nbytes);
    free(raw);
    return hex;
}

void nb_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(data, len, md);
    nb_hex(md, sizeof(md), out);
}

char *nb_read_file(const char *path, size_t *len)
{
    char *data = NULL;
    size_t n = 0, cap = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    for (;;) {
        ssize_t r;
        nb_grow(&data, &cap, n + 4096, 1);
        r = read(fd, data + n, cap - n - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(data);
            close(fd);
            errno = e;
            return NULL;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    data[n] = '\0';
    if (len)
        *len = n;
    return data;
}

int nb_mkdir_p(const char *path, unsigned mode)
{
    char *p = nb_strdup(path);
    int ret = -1;
    for (char *s = p + 1; ; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, mode) < 0 && errno != EEXIST)
                goto cleanup;
            *s = c;
            if (!c)
                break;
        }
    }
    ret = 0;
 cleanup:
    free(p);
    return ret;
}
