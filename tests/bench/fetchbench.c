/*
 * fetchbench: image import throughput of nb_fetch (oned/fetch.h), the
 * bytes of an import before the datastore driver stores them.  Part of
 * `make bench`.
 *
 * A server thread on 127.0.0.1 (tests/unit/oned/http_fixture) sends an
 * image from memory with its Content-Length; it is fetched to a staging
 * file in $TMPDIR plain, with SHA256 and with MD5 verified, and copied
 * from a local file.  Medians of 3 runs.  BENCH_FETCH_MB sets the size
 * (default 512).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "lib/util.h"
#include "oned/fetch.h"
#include "tests/bench/bench.h"
#include "tests/unit/oned/http_fixture.h"

#define RUNS 3

static unsigned char *image;
static size_t image_len;

static void route(int fd, const char *path, void *arg)
{
    (void)path, (void)arg;
    http_send_sized(fd, image, image_len, image_len);
}

static void md5_hex(char out[33])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned n = 0;

    EVP_Digest(image, image_len, d, &n, EVP_md5(), NULL);
    for (unsigned i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* Median MB/s of RUNS fetches of source; -1 if one failed. */
static double rate(const char *source, const char *dest, const char *md5, const char *sha256)
{
    double mbs[RUNS];

    for (int i = 0; i < RUNS; i++) {
        nb_fetch_req req = { .source = source, .dest = dest, .md5 = md5, .sha256 = sha256 };
        uint64_t t0 = nb_mono_ns();
        long long n = 0;
        char *err = NULL;

        if (nb_fetch(&req, &n, &err) != 0 || (size_t)n != image_len) {
            fprintf(stderr, "fetchbench: %s: %s\n", source, err ? err : "short");
            free(err);
            return -1;
        }
        mbs[i] = (double)n / (1024.0 * 1024.0) / ((double)(nb_mono_ns() - t0) / 1e9);
        unlink(dest);
    }
    return bench_median(mbs, RUNS);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    const char *mb_env = getenv("BENCH_FETCH_MB");
    long mb = mb_env ? atol(mb_env) : 512;
    char *dest = nb_asprintf("%s/fetchbench-%d.staged", tmp, (int)getpid());
    char *local = nb_asprintf("%s/fetchbench-%d.src", tmp, (int)getpid());
    char sha[65], md5[33], *url;
    http_fixture server;
    FILE *f;
    int failures = 0;

    if (mb <= 0)
        mb = 512;
    image_len = (size_t)mb * 1024 * 1024;
    image = nb_malloc(image_len);
    for (size_t i = 0; i < image_len; i++)
        image[i] = (unsigned char)(i * 7 + i / 251);
    nb_sha256_hex(image, image_len, sha);
    if (http_fixture_start(&server, route, NULL) != 0) {
        perror("fetchbench: server");
        return 1;
    }
    url = nb_asprintf("http://127.0.0.1:%d/image.raw", server.port);
    f = fopen(local, "w");
    if (!f || fwrite(image, 1, image_len, f) != image_len || fclose(f) != 0) {
        perror(local);
        return 1;
    }
    md5_hex(md5);
    struct { const char *what, *source, *md5, *sha256; } runs[] = {
        { "http, no checksum", url, NULL, NULL },
        { "http, SHA256 verified", url, NULL, sha },
        { "http, MD5 verified", url, md5, NULL },
        { "local file copy", local, NULL, NULL },
    };
    printf("image of %ld MB, staged in %s (medians of %d runs)\n", mb, tmp, RUNS);
    for (size_t i = 0; i < NB_ARRAY_SIZE(runs); i++) {
        double r = rate(runs[i].source, dest, runs[i].md5, runs[i].sha256);

        if (r < 0)
            failures++;
        else
            printf("  %-24s %8.0f MB/s\n", runs[i].what, r);
    }
    http_fixture_stop(&server);
    unlink(local);
    free(url);
    free(local);
    free(dest);
    free(image);
    return failures ? 1 : 0;
}
