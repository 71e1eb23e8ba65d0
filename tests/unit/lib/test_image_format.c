/* test_image_format.c: raw or qcow2 from a file's head (lib/image_format.h):
 * v2/v3 headers and their virtual size, refused headers, short files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/image_format.h"

static void put_be32(unsigned char *p, uint32_t v)
{
    for (int i = 3; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

static void put_be64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

/* A qcow2 header as qemu-img writes it: 64 KB clusters, no backing file. */
static void qcow2_header(unsigned char h[NB_IMAGE_HEAD_LEN], uint32_t version, uint64_t size)
{
    memset(h, 0, NB_IMAGE_HEAD_LEN);
    memcpy(h, "QFI\xfb", 4);
    put_be32(h + 4, version);
    put_be32(h + 20, 16);
    put_be64(h + 24, size);
}

static void test_qcow2_versions(void **state)
{
    unsigned char h[NB_IMAGE_HEAD_LEN];
    nb_image_fmt f;
    char *err = NULL;

    (void)state;
    qcow2_header(h, 3, 10ULL << 30);
    assert_int_equal(nb_image_format(h, sizeof h, 196616, &f, &err), 0);
    assert_string_equal(f.format, "qcow2");
    assert_int_equal(f.qcow2_version, 3);
    assert_int_equal(f.virtual_size, 10LL << 30);
    /* Any byte count, not only whole clusters. */
    qcow2_header(h, 3, (10ULL << 30) + 1);
    assert_int_equal(nb_image_format(h, sizeof h, 196616, &f, &err), 0);
    assert_int_equal(f.virtual_size, (10LL << 30) + 1);

    /* A v2 header is 72 bytes: a file that small is still a whole header. */
    qcow2_header(h, 2, 1048576);
    assert_int_equal(nb_image_format(h, 72, 72, &f, &err), 0);
    assert_string_equal(f.format, "qcow2");
    assert_int_equal(f.qcow2_version, 2);
    assert_int_equal(f.virtual_size, 1048576);

    /* QEMU's cluster sizes: 512 bytes to 2 MB, both ends included. */
    put_be32(h + 20, 9);
    assert_int_equal(nb_image_format(h, 72, 72, &f, &err), 0);
    put_be32(h + 20, 21);
    assert_int_equal(nb_image_format(h, 72, 72, &f, &err), 0);
    assert_string_equal(f.format, "qcow2");
}

static void assert_refused(const unsigned char *h, size_t len, long long size, const char *why)
{
    nb_image_fmt f;
    char *err = NULL;

    assert_int_equal(nb_image_format(h, len, size, &f, &err), -1);
    assert_non_null(err);
    assert_non_null(strstr(err, why));
    free(err);
}

static void test_qcow2_refused(void **state)
{
    unsigned char h[NB_IMAGE_HEAD_LEN];

    (void)state;
    qcow2_header(h, 1, 1 << 20);
    assert_refused(h, sizeof h, 4096, "unsupported qcow2 version 1");
    qcow2_header(h, 4, 1 << 20);
    assert_refused(h, sizeof h, 4096, "unsupported qcow2 version 4");
    /* The magic, then the file ends. */
    qcow2_header(h, 3, 1 << 20);
    assert_refused(h, 6, 6, "truncated qcow2 header");
    assert_refused(h, 80, 80, "truncated qcow2 header");
    assert_refused(h, sizeof h, 90, "truncated qcow2 header");
    /* A backing file could name any file on the host. */
    put_be64(h + 8, 104);
    assert_refused(h, sizeof h, 4096, "backing file");
    qcow2_header(h, 3, 1 << 20);
    put_be32(h + 20, 40);
    assert_refused(h, sizeof h, 4096, "cluster_bits 40");
    put_be32(h + 20, 8);
    assert_refused(h, sizeof h, 4096, "cluster_bits 8");
    put_be32(h + 20, 22);
    assert_refused(h, sizeof h, 4096, "cluster_bits 22");
    qcow2_header(h, 3, UINT64_MAX);
    assert_refused(h, sizeof h, 4096, "virtual size out of range");
}

static void test_raw(void **state)
{
    unsigned char h[NB_IMAGE_HEAD_LEN] = "\x55\xaa not a qcow2 image";
    nb_image_fmt f;
    char *err = NULL;

    (void)state;
    assert_int_equal(nb_image_format(h, sizeof h, 5000000, &f, &err), 0);
    assert_string_equal(f.format, "raw");
    assert_int_equal(f.qcow2_version, 0);
    assert_int_equal(f.virtual_size, 5000000);
    /* A qcow2 header with one byte of the magic wrong is just bytes. */
    qcow2_header(h, 3, 1 << 20);
    h[0] = 'q';
    assert_int_equal(nb_image_format(h, sizeof h, 4096, &f, &err), 0);
    assert_string_equal(f.format, "raw");
    assert_int_equal(f.virtual_size, 4096);
    /* Shorter than the magic, or empty. */
    assert_int_equal(nb_image_format((const unsigned char *)"QF", 2, 2, &f, &err), 0);
    assert_string_equal(f.format, "raw");
    assert_int_equal(f.virtual_size, 2);
    assert_int_equal(nb_image_format(h, 0, 0, &f, &err), 0);
    assert_string_equal(f.format, "raw");
    assert_int_equal(f.virtual_size, 0);
}

static void test_file(void **state)
{
    char path[] = "/tmp/nb-test-fmt-XXXXXX";
    unsigned char h[NB_IMAGE_HEAD_LEN];
    nb_image_fmt f;
    char *err = NULL;
    int fd = mkstemp(path);
    FILE *fp;

    (void)state;
    assert_true(fd >= 0);
    fp = fdopen(fd, "w");
    qcow2_header(h, 3, 2ULL << 30);
    fwrite(h, 1, sizeof h, fp);
    for (int i = 0; i < 1000; i++)
        fputc(0, fp);
    fclose(fp);
    assert_int_equal(nb_image_format_file(path, &f, &err), 0);
    assert_string_equal(f.format, "qcow2");
    assert_int_equal(f.virtual_size, 2LL << 30);

    fp = fopen(path, "w");
    fputs("plain bytes", fp);
    fclose(fp);
    assert_int_equal(nb_image_format_file(path, &f, &err), 0);
    assert_string_equal(f.format, "raw");
    assert_int_equal(f.virtual_size, 11);

    unlink(path);
    assert_int_equal(nb_image_format_file(path, &f, &err), -1);
    assert_non_null(strstr(err, "cannot read /tmp/nb-test-fmt-"));
    assert_non_null(strstr(err, "No such file or directory"));
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qcow2_versions),
        cmocka_unit_test(test_qcow2_refused),
        cmocka_unit_test(test_raw),
        cmocka_unit_test(test_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
