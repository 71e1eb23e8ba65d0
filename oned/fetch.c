/*
 * fetch.c: a local copy or one libcurl easy transfer per fetch, streamed
 * through one sink that writes, hashes, limits and reports.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <curl/curl.h>
#include <openssl/evp.h>

#include "lib/util.h"
#include "oned/fetch.h"

#define CHUNK (64 * 1024)

/* The checksums a request may carry, in nb_fetch_req's order. */
static const struct {
    const char *name;
    const EVP_MD *(*md)(void);
} sums[] = { { "MD5", EVP_md5 }, { "SHA256", EVP_sha256 } };
#define NSUMS NB_ARRAY_SIZE(sums)

/* Where the bytes go, whatever brings them. */
typedef struct sink {
    const nb_fetch_req *req;
    int fd;
    long long done, total;          /* total -1: unknown */
    const char *expected[NSUMS];    /* NULL: not asked for */
    EVP_MD_CTX *md[NSUMS];
    uint64_t last_report_ns;
    char *err;                      /* why the sink stopped the transfer */
} sink;

static bool cancelled(const sink *s)
{
    return s->req->cancel && atomic_load(s->req->cancel);
}

static char *too_large(long long max)
{
    if (max % (1024 * 1024) == 0)
        return nb_asprintf("image larger than the %lld MB limit", max / (1024 * 1024));
    return nb_asprintf("image larger than the limit of %lld bytes", max);
}

static void report(sink *s, bool last)
{
    uint64_t now = nb_mono_ns();

    if (!s->req->progress)
        return;
    if (!last && now - s->last_report_ns < NB_FETCH_PROGRESS_MS * 1000000ULL)
        return;
    s->last_report_ns = now;
    s->req->progress(s->req->progress_arg, s->done, last ? s->done : s->total);
}

/* 0, or -1 with s->err set: the transfer must stop. */
static int sink_write(sink *s, const char *data, size_t n)
{
    long long max = s->req->max_bytes;

    if (cancelled(s)) {
        s->err = nb_strdup("import cancelled");
        return -1;
    }
    if (max > 0 && s->done + (long long)n > max) {
        s->err = too_large(max);
        return -1;
    }
    for (size_t off = 0; off < n;) {
        ssize_t w = write(s->fd, data + off, n - off);

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            s->err = nb_asprintf("cannot write %s: %s", s->req->dest, strerror(errno));
            return -1;
        }
        off += (size_t)w;
    }
    for (size_t i = 0; i < NSUMS; i++)
        if (s->md[i] && EVP_DigestUpdate(s->md[i], data, n) != 1) {
            s->err = nb_asprintf("cannot compute the %s checksum", sums[i].name);
            return -1;
        }
    s->done += (long long)n;
    report(s, false);
    return 0;
}

/* Known size (Content-Length, a file's size) against the limit, up front. */
static int sink_total(sink *s, long long total)
{
    s->total = total;
    if (s->req->max_bytes > 0 && total > s->req->max_bytes) {
        s->err = too_large(s->req->max_bytes);
        return -1;
    }
    return 0;
}

static bool is_hex(const char *s, size_t len)
{
    if (strlen(s) != len)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
            return false;
    return true;
}

static int sums_start(sink *s, char **err)
{
    s->expected[0] = s->req->md5;
    s->expected[1] = s->req->sha256;
    for (size_t i = 0; i < NSUMS; i++) {
        const EVP_MD *md = sums[i].md();

        if (!s->expected[i] || !*s->expected[i])
            continue;
        if (!is_hex(s->expected[i], (size_t)EVP_MD_get_size(md) * 2)) {
            *err = nb_asprintf("bad %s checksum \"%s\": %d hex digits expected", sums[i].name,
                               s->expected[i], EVP_MD_get_size(md) * 2);
            return -1;
        }
        s->md[i] = EVP_MD_CTX_new();
        if (!s->md[i] || EVP_DigestInit_ex(s->md[i], md, NULL) != 1) {
            *err = nb_asprintf("cannot compute the %s checksum", sums[i].name);
            return -1;
        }
    }
    return 0;
}

static int sums_check(sink *s, char **err)
{
    for (size_t i = 0; i < NSUMS; i++) {
        unsigned char dig[EVP_MAX_MD_SIZE];
        char hex[2 * EVP_MAX_MD_SIZE + 1];
        unsigned len = 0;

        if (!s->md[i])
            continue;
        if (EVP_DigestFinal_ex(s->md[i], dig, &len) != 1) {
            *err = nb_asprintf("cannot compute the %s checksum", sums[i].name);
            return -1;
        }
        for (unsigned j = 0; j < len; j++)
            snprintf(hex + 2 * j, 3, "%02x", dig[j]);
        if (strcasecmp(hex, s->expected[i]) != 0) {
            *err = nb_asprintf("checksum mismatch: %s expected %s got %s", sums[i].name,
                               s->expected[i], hex);
            return -1;
        }
    }
    return 0;
}

/* ---- a path on oned's machine ------------------------------------------- */

bool nb_path_under(const char *path, const char *dirs)
{
    const char *d = dirs ? dirs : "";

    for (;;) {
        size_t len;

        d += strspn(d, " \t");
        if (!*d)
            return false;
        len = strcspn(d, " \t");
        /* "/srv/img/" is "/srv/img"; "/" (all slashes) holds everything. */
        while (len > 0 && d[len - 1] == '/')
            len--;
        if (len == 0 || (strncmp(path, d, len) == 0 && (path[len] == '\0' || path[len] == '/')))
            return true;
        d += strcspn(d, " \t");
    }
}

/* The file to open for source: itself, or when directories are restricted,
 * its resolved path once checked (opened without following a symlink put
 * there since).  NULL with *err. */
static char *allowed_path(const nb_fetch_req *req, char **err)
{
    char *real;

    if (!req->restricted_dirs || !*req->restricted_dirs)
        return nb_strdup(req->source);
    if (!(real = realpath(req->source, NULL))) {
        *err = nb_asprintf("cannot read %s: %s", req->source, strerror(errno));
        return NULL;
    }
    if (nb_path_under(real, req->restricted_dirs) && !nb_path_under(real, req->safe_dirs)) {
        *err = nb_asprintf("cannot import %s: the datastore's RESTRICTED_DIRS (%s) hold it and "
                           "its SAFE_DIRS (%s) do not", req->source, req->restricted_dirs,
                           req->safe_dirs ? req->safe_dirs : "");
        free(real);
        return NULL;
    }
    return real;
}

static int fetch_file(sink *s, char **err)
{
    const char *path = s->req->source;
    char *buf = NULL, *open_path = allowed_path(s->req, err);
    struct stat st;
    int rc = -1;
    bool resolved = s->req->restricted_dirs && *s->req->restricted_dirs;
    int fd = open_path ? open(open_path, O_RDONLY | O_CLOEXEC | (resolved ? O_NOFOLLOW : 0)) : -1;

    if (!open_path)
        goto cleanup;
    if (fd < 0 || fstat(fd, &st) != 0) {
        *err = nb_asprintf("cannot read %s: %s", path, strerror(errno));
        goto cleanup;
    }
    if (!S_ISREG(st.st_mode)) {
        *err = nb_asprintf("cannot read %s: not a regular file", path);
        goto cleanup;
    }
    if (sink_total(s, (long long)st.st_size) != 0)
        goto fail;
    buf = nb_malloc(CHUNK);
    for (;;) {
        ssize_t n = read(fd, buf, CHUNK);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *err = nb_asprintf("cannot read %s: %s", path, strerror(errno));
            goto cleanup;
        }
        if (n == 0)
            break;
        if (sink_write(s, buf, (size_t)n) != 0)
            goto fail;
    }
    rc = 0;
    goto cleanup;
fail:
    *err = s->err;
    s->err = NULL;
cleanup:
    free(buf);
    free(open_path);
    if (fd >= 0)
        close(fd);
    return rc;
}

/* ---- http(s) -------------------------------------------------------------- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

typedef struct transfer {
    sink *s;
    CURL *curl;
    bool sized;                     /* Content-Length looked at */
    bool connected;                 /* before, the connect timeout rules */
    uint64_t stall_ns;              /* no data for this long fails */
    uint64_t last_data_ns;
} transfer;

static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
{
    transfer *t = arg;
    curl_off_t len = -1;

    t->last_data_ns = nb_mono_ns();
    if (!t->sized) {
        t->sized = true;
        if (curl_easy_getinfo(t->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len) == CURLE_OK
            && len >= 0 && sink_total(t->s, (long long)len) != 0)
            return 0;
    }
    return sink_write(t->s, data, size * nmemb) == 0 ? size * nmemb : 0;
}

/* Called by curl at least once a second, data or not: the cancel flag is
 * honoured even while a server stalls, and a stall is seen to the second
 * (curl's low-speed check averages over several seconds). */
static int on_tick(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                   curl_off_t ulnow)
{
    transfer *t = arg;
    curl_off_t connect_time = 0;

    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    if (cancelled(t->s)) {
        if (!t->s->err)
            t->s->err = nb_strdup("import cancelled");
        return 1;
    }
    if (!t->connected) {
        if (curl_easy_getinfo(t->curl, CURLINFO_CONNECT_TIME_T, &connect_time) == CURLE_OK
            && connect_time > 0) {
            t->connected = true;
            t->last_data_ns = nb_mono_ns();
        }
        return 0;
    }
    if (nb_mono_ns() - t->last_data_ns >= t->stall_ns) {
        t->s->err = nb_asprintf("no data for %llu s from %s",
                                (unsigned long long)(t->stall_ns / 1000000000ULL), t->s->req->source);
        return 1;
    }
    return 0;
}

static char *curl_failure(const transfer *t, CURLcode rc, const char *errbuf, long stall_s,
                          long connect_s, long redirects)
{
    const char *url = t->s->req->source;
    long status = 0;
    curl_off_t connected = 0;

    switch (rc) {
    case CURLE_HTTP_RETURNED_ERROR:
        curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
        return nb_asprintf("HTTP error %ld fetching %s", status, url);
    case CURLE_PARTIAL_FILE:
        if (t->s->total >= 0)
            return nb_asprintf("download truncated: got %lld of %lld bytes from %s",
                               t->s->done, t->s->total, url);
        return nb_asprintf("download truncated: got %lld bytes from %s", t->s->done, url);
    case CURLE_OPERATION_TIMEDOUT:
        curl_easy_getinfo(t->curl, CURLINFO_CONNECT_TIME_T, &connected);
        if (connected == 0)
            return nb_asprintf("cannot connect to %s within %ld s", url, connect_s);
        return nb_asprintf("no data for %ld s from %s", stall_s, url);
    case CURLE_TOO_MANY_REDIRECTS:
        return nb_asprintf("more than %ld redirects fetching %s", redirects, url);
    case CURLE_UNSUPPORTED_PROTOCOL:
        return nb_asprintf("cannot fetch %s: only http and https are supported (%s)", url,
                           errbuf[0] ? errbuf : curl_easy_strerror(rc));
    default:
        return nb_asprintf("cannot fetch %s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
    }
}

static int fetch_url(sink *s, char **err)
{
    const nb_fetch_req *req = s->req;
    long connect_s = req->connect_timeout_s > 0 ? req->connect_timeout_s : NB_FETCH_CONNECT_TIMEOUT_S;
    long stall_s = req->stall_timeout_s > 0 ? req->stall_timeout_s : NB_FETCH_STALL_TIMEOUT_S;
    long redirects = req->max_redirects > 0 ? req->max_redirects : NB_FETCH_MAX_REDIRECTS;
    char errbuf[CURL_ERROR_SIZE] = "";
    transfer t = { .s = s, .stall_ns = (uint64_t)stall_s * 1000000000ULL };
    long status = 0;
    CURLcode rc;
    int ret = -1;

    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK || !(t.curl = curl_easy_init())) {
        *err = nb_strdup("cannot initialise libcurl");
        goto cleanup;
    }
    curl_easy_setopt(t.curl, CURLOPT_URL, req->source);
    curl_easy_setopt(t.curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(t.curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(t.curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(t.curl, CURLOPT_MAXREDIRS, redirects);
    curl_easy_setopt(t.curl, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(t.curl, CURLOPT_CONNECTTIMEOUT, connect_s);
    /* Less than one byte a second for stall_s seconds: the server stalled. */
    curl_easy_setopt(t.curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(t.curl, CURLOPT_LOW_SPEED_TIME, stall_s);
    curl_easy_setopt(t.curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(t.curl, CURLOPT_USERAGENT, "nubes-oned");
    curl_easy_setopt(t.curl, CURLOPT_ERRORBUFFER, errbuf);
    /* Bigger reads: fewer write(2)s and callbacks per MB. */
    curl_easy_setopt(t.curl, CURLOPT_BUFFERSIZE, (long)CURL_MAX_READ_SIZE);
    curl_easy_setopt(t.curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(t.curl, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(t.curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(t.curl, CURLOPT_XFERINFOFUNCTION, on_tick);
    curl_easy_setopt(t.curl, CURLOPT_XFERINFODATA, &t);

    rc = curl_easy_perform(t.curl);
    if (s->err) {
        *err = s->err;
        s->err = NULL;
        goto cleanup;
    }
    if (rc != CURLE_OK) {
        *err = curl_failure(&t, rc, errbuf, stall_s, connect_s, redirects);
        goto cleanup;
    }
    /* A 3xx that was not followed (no Location) is no image either. */
    curl_easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
        *err = nb_asprintf("HTTP error %ld fetching %s", status, req->source);
        goto cleanup;
    }
    ret = 0;
cleanup:
    if (t.curl)
        curl_easy_cleanup(t.curl);
    return ret;
}

/* ---- the request ---------------------------------------------------------- */

char *nb_fetch_progress_str(long long done, long long total)
{
    if (total < 0)
        return nb_asprintf("%lld MB", done / (1024 * 1024));
    if (total == 0 || done >= total)
        return nb_strdup("100%");
    return nb_asprintf("%lld%%", done * 100 / total);
}

int nb_fetch_is_url(const char *source)
{
    size_t n = strspn(source, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");

    return n > 0 && strncmp(source + n, "://", 3) == 0;
}

static bool is_http(const char *source)
{
    return strncasecmp(source, "http://", 7) == 0 || strncasecmp(source, "https://", 8) == 0;
}

int nb_fetch(const nb_fetch_req *req, long long *bytes, char **err)
{
    sink s = { .req = req, .fd = -1, .total = -1 };
    bool url = nb_fetch_is_url(req->source), created = false;
    int rc = -1;

    if (url && !is_http(req->source)) {
        *err = nb_asprintf("cannot fetch %s: only http and https URLs are supported", req->source);
        return -1;
    }
    if (sums_start(&s, err) != 0)
        goto cleanup;
    s.fd = open(req->dest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (s.fd < 0) {
        *err = nb_asprintf("cannot create %s: %s", req->dest, strerror(errno));
        goto cleanup;
    }
    created = true;
    if ((url ? fetch_url(&s, err) : fetch_file(&s, err)) != 0)
        goto cleanup;
    if (s.total >= 0 && s.done != s.total) {
        *err = nb_asprintf("download truncated: got %lld of %lld bytes from %s", s.done, s.total,
                           req->source);
        goto cleanup;
    }
    if (sums_check(&s, err) != 0)
        goto cleanup;
    if (close(s.fd) != 0) {
        s.fd = -1;
        *err = nb_asprintf("cannot write %s: %s", req->dest, strerror(errno));
        goto cleanup;
    }
    s.fd = -1;
    report(&s, true);
    if (bytes)
        *bytes = s.done;
    rc = 0;
cleanup:
    if (s.fd >= 0)
        close(s.fd);
    if (rc != 0 && created)
        unlink(req->dest);
    for (size_t i = 0; i < NSUMS; i++)
        EVP_MD_CTX_free(s.md[i]);
    free(s.err);
    return rc;
}
