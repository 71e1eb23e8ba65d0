/*
 * test_fetch.c: nb_fetch (oned/fetch.h) against an HTTP/1.1 server on
 * 127.0.0.1 run by the test on a thread of its own (http_fixture), and on
 * local paths: bodies with a Content-Length and chunked, redirects, HTTP
 * errors, a truncated body, a stalled server, size limits, checksums,
 * cancellation, restricted directories; the PROGRESS text.  Every failure
 * must leave no file behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include <cmocka.h>

#include "lib/util.h"
#include "oned/fetch.h"
#include "tests/unit/oned/http_fixture.h"

#define BODY_LEN 300000                 /* the image the server serves */
#define BIG_LEN (2 * 1024 * 1024)       /* more than the 1 MB limit used below */

static unsigned char *body;             /* BIG_LEN bytes; /file serves the first BODY_LEN */
static char dir[] = "/tmp/nb-test-fetch-XXXXXX";
static char dest[sizeof dir + 16];
static http_fixture server;
static int port;

/* ---- the server ----------------------------------------------------------- */

static void route(int fd, const char *path, void *arg)
{
    (void)arg;
    if (!strcmp(path, "/file"))
        http_send_sized(fd, body, BODY_LEN, BODY_LEN);
    else if (!strcmp(path, "/chunked"))
        http_send_chunked(fd, body, BODY_LEN);
    else if (!strcmp(path, "/big"))
        http_send_sized(fd, body, BIG_LEN, BIG_LEN);
    else if (!strcmp(path, "/bigchunked"))
        http_send_chunked(fd, body, BIG_LEN);
    else if (!strcmp(path, "/truncated"))
        http_send_sized(fd, body, 4 * 1024 * 1024, 1024 * 1024);
    else if (!strcmp(path, "/stall")) {
        http_send_sized(fd, body, BODY_LEN, 10);
        http_wait_hangup(&server, fd);
    } else if (!strcmp(path, "/redirect"))
        http_send_head(fd, "302 Found", "Location: /file\r\nContent-Length: 0\r\n");
    else if (!strcmp(path, "/loop"))
        http_send_head(fd, "302 Found", "Location: /loop\r\nContent-Length: 0\r\n");
    else if (!strcmp(path, "/ftp"))
        http_send_head(fd, "302 Found", "Location: ftp://127.0.0.1/image\r\nContent-Length: 0\r\n");
    else if (!strcmp(path, "/500"))
        http_send_head(fd, "500 Internal Server Error", "Content-Length: 4\r\n\r\noops");
    else
        http_send_head(fd, "404 Not Found", "Content-Length: 9\r\n\r\nnot found");
}

static int setup(void **state)
{
    (void)state;
    body = malloc(BIG_LEN);
    for (size_t i = 0; i < BIG_LEN; i++)
        body[i] = (unsigned char)(i * 7 + i / 251);
    if (!mkdtemp(dir))
        return -1;
    snprintf(dest, sizeof dest, "%s/staged", dir);
    if (http_fixture_start(&server, route, NULL) != 0)
        return -1;
    port = server.port;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    http_fixture_stop(&server);
    unlink(dest);
    rmdir(dir);
    free(body);
    return 0;
}

/* ---- helpers -------------------------------------------------------------- */

static char *url(const char *path)
{
    return nb_asprintf("http://127.0.0.1:%d%s", port, path);
}

static char *digest(const char *name, size_t len)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    char *hex = calloc(1, 2 * EVP_MAX_MD_SIZE + 1);

    EVP_Digest(body, len, d, &n, EVP_get_digestbyname(name), NULL);
    for (unsigned i = 0; i < n; i++)
        sprintf(hex + 2 * i, "%02x", d[i]);
    return hex;
}

static void assert_staged(size_t len)
{
    size_t n = 0;
    char *got = nb_read_file(dest, &n);

    assert_non_null(got);
    assert_int_equal(n, len);
    assert_memory_equal(got, body, len);
    free(got);
    unlink(dest);
}

static void assert_no_file(void)
{
    struct stat st;

    assert_int_equal(stat(dest, &st), -1);
    assert_int_equal(errno, ENOENT);
}

/* Fetch req (its dest set here), expecting failure with a message that
 * contains want, and no staged file. */
static void assert_fails(nb_fetch_req req, const char *want)
{
    long long bytes = -1;
    char *err = NULL;

    req.dest = dest;
    assert_int_equal(nb_fetch(&req, &bytes, &err), -1);
    assert_non_null(err);
    if (!strstr(err, want))
        fail_msg("error \"%s\" does not say \"%s\"", err, want);
    assert_int_equal(bytes, -1);
    free(err);
    assert_no_file();
}

typedef struct progress_log {
    int calls;
    long long last_done, last_total, first_total;
    atomic_bool *cancel_after_first;
} progress_log;

static void on_progress(void *arg, long long done, long long total)
{
    progress_log *p = arg;

    if (p->calls++ == 0)
        p->first_total = total;
    assert_true(done >= p->last_done);
    p->last_done = done;
    p->last_total = total;
    if (p->cancel_after_first)
        atomic_store(p->cancel_after_first, true);
}

/* ---- successes ------------------------------------------------------------ */

static void fetch_ok(const char *source, size_t len, long long *first_total)
{
    progress_log log = { 0 };
    nb_fetch_req req = { .source = source, .dest = dest, .progress = on_progress,
                         .progress_arg = &log };
    long long bytes = 0;
    char *err = NULL;

    if (nb_fetch(&req, &bytes, &err) != 0)
        fail_msg("%s: %s", source, err);
    assert_int_equal(bytes, (long long)len);
    /* The last report is the whole, with its size known. */
    assert_true(log.calls >= 1);
    assert_int_equal(log.last_done, (long long)len);
    assert_int_equal(log.last_total, (long long)len);
    *first_total = log.first_total;
    assert_staged(len);
}

static void test_http_sized_chunked_redirect(void **state)
{
    char *u;
    long long first_total;

    (void)state;
    fetch_ok(u = url("/file"), BODY_LEN, &first_total);
    assert_int_equal(first_total, BODY_LEN);       /* from Content-Length */
    free(u);
    fetch_ok(u = url("/chunked"), BODY_LEN, &first_total);
    assert_int_equal(first_total, -1);             /* unknown while chunked */
    free(u);
    fetch_ok(u = url("/redirect"), BODY_LEN, &first_total);
    free(u);
}

static void test_local_copy(void **state)
{
    char *src = nb_asprintf("%s/source", dir);
    FILE *f = fopen(src, "w");
    long long first_total;

    (void)state;
    fwrite(body, 1, BIG_LEN, f);
    fclose(f);
    fetch_ok(src, BIG_LEN, &first_total);
    assert_int_equal(first_total, BIG_LEN);
    /* The source is the caller's: untouched. */
    assert_int_equal(access(src, R_OK), 0);
    unlink(src);
    free(src);
}

static void test_checksums_ok(void **state)
{
    char *u = url("/file"), *md5 = digest("MD5", BODY_LEN), *sha = digest("SHA256", BODY_LEN);
    nb_fetch_req req = { .source = u, .dest = dest, .md5 = md5, .sha256 = sha };
    char *err = NULL;

    (void)state;
    assert_int_equal(nb_fetch(&req, NULL, &err), 0);
    assert_staged(BODY_LEN);
    /* Upper-case hex is the same checksum. */
    for (char *c = sha; *c; c++)
        if (*c >= 'a' && *c <= 'f')
            *c = (char)(*c - 'a' + 'A');
    req.md5 = NULL;
    assert_int_equal(nb_fetch(&req, NULL, &err), 0);
    assert_staged(BODY_LEN);
    free(u);
    free(md5);
    free(sha);
}

/* ---- failures ------------------------------------------------------------- */

static void test_http_errors(void **state)
{
    char *u404 = url("/missing"), *u500 = url("/500"), *want;

    (void)state;
    want = nb_asprintf("HTTP error 404 fetching %s", u404);
    assert_fails((nb_fetch_req){ .source = u404 }, want);
    free(want);
    want = nb_asprintf("HTTP error 500 fetching %s", u500);
    assert_fails((nb_fetch_req){ .source = u500 }, want);
    free(want);
    free(u404);
    free(u500);
}

static void test_truncated(void **state)
{
    char *u = url("/truncated");

    (void)state;
    assert_fails((nb_fetch_req){ .source = u }, "download truncated: got 1048576 of 4194304 bytes");
    free(u);
}

static void test_stalled(void **state)
{
    char *u = url("/stall"), *want = nb_asprintf("no data for 1 s from %s", u);
    uint64_t t0 = nb_mono_ns();

    (void)state;
    assert_fails((nb_fetch_req){ .source = u, .stall_timeout_s = 1 }, want);
    /* Given up after about the stall time, not the 30 s default nor
     * curl's several-second average. */
    assert_true(nb_mono_ns() - t0 < 3ULL * 1000000000ULL);
    free(want);
    free(u);
}

static void test_too_large(void **state)
{
    char *big = url("/big"), *chunked = url("/bigchunked"), *src = nb_asprintf("%s/big", dir);
    progress_log log = { 0 };
    FILE *f = fopen(src, "w");

    (void)state;
    fwrite(body, 1, BIG_LEN, f);
    fclose(f);
    /* Refused from Content-Length and from the file's size before a byte
     * is written (no progress at all); while streaming when chunked. */
    assert_fails((nb_fetch_req){ .source = big, .max_bytes = 1024 * 1024, .progress = on_progress,
                                 .progress_arg = &log }, "image larger than the 1 MB limit");
    assert_int_equal(log.calls, 0);
    assert_fails((nb_fetch_req){ .source = src, .max_bytes = 1000000, .progress = on_progress,
                                 .progress_arg = &log }, "image larger than the limit of 1000000 bytes");
    assert_int_equal(log.calls, 0);
    assert_fails((nb_fetch_req){ .source = chunked, .max_bytes = 1024 * 1024, .progress = on_progress,
                                 .progress_arg = &log }, "image larger than the 1 MB limit");
    assert_true(log.calls > 0);
    assert_true(log.last_done <= 1024 * 1024);
    unlink(src);
    free(src);
    free(big);
    free(chunked);
}

static void test_checksum_mismatch(void **state)
{
    char *u = url("/file"), *md5 = digest("MD5", 1000), *sha = digest("SHA256", 1000);
    char *want_md5 = nb_asprintf("checksum mismatch: MD5 expected %s got ", md5);
    char *want_sha = nb_asprintf("checksum mismatch: SHA256 expected %s got ", sha);

    (void)state;
    assert_fails((nb_fetch_req){ .source = u, .md5 = md5 }, want_md5);
    assert_fails((nb_fetch_req){ .source = u, .sha256 = sha }, want_sha);
    /* Not a checksum at all: said before anything is fetched. */
    assert_fails((nb_fetch_req){ .source = u, .md5 = "abc" },
                 "bad MD5 checksum \"abc\": 32 hex digits expected");
    free(u);
    free(md5);
    free(sha);
    free(want_md5);
    free(want_sha);
}

static void test_redirect_limits(void **state)
{
    char *loop = url("/loop"), *ftp = url("/ftp");

    (void)state;
    assert_fails((nb_fetch_req){ .source = loop, .max_redirects = 3 }, "more than 3 redirects");
    assert_fails((nb_fetch_req){ .source = ftp }, "only http and https are supported");
    assert_fails((nb_fetch_req){ .source = "ftp://127.0.0.1/image" },
                 "only http and https URLs are supported");
    free(loop);
    free(ftp);
}

static void test_local_errors(void **state)
{
    char *missing = nb_asprintf("%s/none", dir);
    char *want = nb_asprintf("cannot read %s: No such file or directory", missing);

    (void)state;
    assert_fails((nb_fetch_req){ .source = missing }, want);
    free(want);
    want = nb_asprintf("cannot read %s: not a regular file", dir);
    assert_fails((nb_fetch_req){ .source = dir }, want);
    free(want);
    free(missing);
}

static void test_cannot_connect(void **state)
{
    /* A port nobody listens on: bound, then closed. */
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t alen = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    char *u, *want;

    (void)state;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    getsockname(fd, (struct sockaddr *)&a, &alen);
    close(fd);
    u = nb_asprintf("http://127.0.0.1:%d/file", ntohs(a.sin_port));
    want = nb_asprintf("cannot fetch %s: ", u);
    assert_fails((nb_fetch_req){ .source = u }, want);
    free(want);
    free(u);
}

static void test_cancel(void **state)
{
    char *u = url("/big"), *src = nb_asprintf("%s/big", dir);
    atomic_bool cancel = false;
    progress_log log = { .cancel_after_first = &cancel };
    FILE *f = fopen(src, "w");

    (void)state;
    fwrite(body, 1, BIG_LEN, f);
    fclose(f);
    /* Cancelled at the first progress report, mid-way through. */
    assert_fails((nb_fetch_req){ .source = u, .cancel = &cancel, .progress = on_progress,
                                 .progress_arg = &log }, "import cancelled");
    assert_true(log.last_done < BIG_LEN);
    atomic_store(&cancel, false);
    log = (progress_log){ .cancel_after_first = &cancel };
    assert_fails((nb_fetch_req){ .source = src, .cancel = &cancel, .progress = on_progress,
                                 .progress_arg = &log }, "import cancelled");
    assert_true(log.last_done < BIG_LEN);
    /* Cancelled while the server sends nothing. */
    free(u);
    u = url("/stall");
    assert_fails((nb_fetch_req){ .source = u, .cancel = &cancel }, "import cancelled");
    unlink(src);
    free(src);
    free(u);
}

static void test_restricted_dirs(void **state)
{
    char *safe = nb_asprintf("%s/safe", dir), *inside = nb_asprintf("%s/safe/img", dir);
    char *outside = nb_asprintf("%s/secret", dir), *link = nb_asprintf("%s/safe/link", dir);
    char *dotdot = nb_asprintf("%s/safe/../secret", dir);
    char *want = nb_asprintf("the datastore's RESTRICTED_DIRS (/) hold it and its SAFE_DIRS (%s) "
                             "do not", safe);
    nb_fetch_req req = { .dest = dest, .restricted_dirs = "/", .safe_dirs = safe };
    FILE *f;
    char *err = NULL;

    (void)state;
    assert_int_equal(mkdir(safe, 0700), 0);
    f = fopen(inside, "w");
    fwrite(body, 1, 1000, f);
    fclose(f);
    f = fopen(outside, "w");
    fputs("not for users", f);
    fclose(f);
    assert_int_equal(symlink(outside, link), 0);

    req.source = inside;
    assert_int_equal(nb_fetch(&req, NULL, &err), 0);
    assert_staged(1000);
    /* Neither a path outside, nor a way out through ".." or a symlink. */
    req.source = outside;
    assert_fails(req, want);
    req.source = dotdot;
    assert_fails(req, want);
    req.source = link;
    assert_fails(req, want);
    /* Nothing restricted: symlinks are followed. */
    req.restricted_dirs = NULL;
    assert_int_equal(nb_fetch(&req, NULL, &err), 0);
    assert_int_equal(unlink(dest), 0);

    unlink(link);
    unlink(inside);
    unlink(outside);
    rmdir(safe);
    free(safe);
    free(inside);
    free(outside);
    free(link);
    free(dotdot);
    free(want);
}

static void test_path_under(void **state)
{
    (void)state;
    assert_true(nb_path_under("/etc/passwd", "/etc"));
    assert_true(nb_path_under("/etc", "/etc/"));
    assert_true(nb_path_under("/var/tmp/a", "/srv  /var/tmp"));
    assert_true(nb_path_under("/anything", "/"));
    assert_false(nb_path_under("/etcetera", "/etc"));
    assert_false(nb_path_under("/srv/a", "/etc /var"));
    assert_false(nb_path_under("/srv/a", ""));
    assert_false(nb_path_under("/srv/a", NULL));
}

static void test_progress_str(void **state)
{
    char *s;

    (void)state;
    assert_string_equal(s = nb_fetch_progress_str(0, 1000), "0%");
    free(s);
    assert_string_equal(s = nb_fetch_progress_str(999, 1000), "99%");
    free(s);
    assert_string_equal(s = nb_fetch_progress_str(1000, 1000), "100%");
    free(s);
    assert_string_equal(s = nb_fetch_progress_str(0, 0), "100%");
    free(s);
    assert_string_equal(s = nb_fetch_progress_str(5LL << 20, -1), "5 MB");
    free(s);
    assert_string_equal(s = nb_fetch_progress_str(1000, -1), "0 MB");
    free(s);
}

static void test_is_url(void **state)
{
    (void)state;
    assert_true(nb_fetch_is_url("http://x/y"));
    assert_true(nb_fetch_is_url("HTTPS://x"));
    assert_true(nb_fetch_is_url("s3+x://b"));
    assert_false(nb_fetch_is_url("/var/tmp/a.qcow2"));
    assert_false(nb_fetch_is_url("rel/a://b"));
    assert_false(nb_fetch_is_url("://x"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_sized_chunked_redirect),
        cmocka_unit_test(test_local_copy),
        cmocka_unit_test(test_checksums_ok),
        cmocka_unit_test(test_http_errors),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_stalled),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_checksum_mismatch),
        cmocka_unit_test(test_redirect_limits),
        cmocka_unit_test(test_local_errors),
        cmocka_unit_test(test_cannot_connect),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_restricted_dirs),
        cmocka_unit_test(test_path_under),
        cmocka_unit_test(test_progress_str),
        cmocka_unit_test(test_is_url),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
