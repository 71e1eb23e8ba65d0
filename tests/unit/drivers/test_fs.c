/*
 * test_fs.c: DS_MAD "fs" on temporary directories (imports keep bytes,
 * holes and format; sizes; datablocks; clones; removal confined to
 * BASE_PATH; capacity).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <cmocka.h>

#include "drivers/datastore.h"
#include "drivers/driver.h"
#include "drivers/fs/file.h"
#include "lib/image_format.h"
#include "lib/util.h"

#define MIB (1024 * 1024)

/* --- fixtures ------------------------------------------------------------- */

typedef struct fx {
    const nb_ds_ops *ops;
    void *drv;
    char root[64];              /* a temporary directory for the test */
    char *base;                 /* root/images: BASE_PATH, not there yet */
    nb_drv_ds ds;
    nb_ds_image img;
    char *err;
} fx;

static void fx_driver(fx *f, const char *conf_text)
{
    const nb_driver *d = nb_driver_find(NB_DRIVER_DS, "fs");
    nb_tmpl conf;
    char *err = NULL;

    assert_non_null(d);
    f->ops = d->ops;
    nb_tmpl_init(&conf);
    assert_int_equal(nb_tmpl_parse(&conf, conf_text, strlen(conf_text), &err), 0);
    assert_int_equal(f->ops->init(&conf, &f->drv, &err), 0);
    nb_tmpl_free(&conf);
}

static int setup(void **state)
{
    fx *f = nb_calloc(1, sizeof(*f));
    strcpy(f->root, "/tmp/nbfs-test-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    f->base = nb_asprintf("%s/images", f->root);
    f->ds = (nb_drv_ds){ .id = 100, .name = "files", .base_path = f->base };
    fx_driver(f, "");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    char *cmd = nb_asprintf("rm -rf '%s'", f->root);
    f->ops->fini(f->drv);
    nb_ds_image_free(&f->img);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(f->base);
    free(f->err);
    free(f);
    return 0;
}

/* Files in dir (0 when it does not exist). */
static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!d)
        return 0;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* A file of `size` bytes with data at each offset in `at` (4 KiB of a
 * pattern) and holes elsewhere. */
static char *sparse_file(fx *f, const char *name, off_t size, const off_t *at, size_t n)
{
    char *path = nb_asprintf("%s/%s", f->root, name);
    char block[4096];
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    assert_true(fd >= 0);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < sizeof(block); j++)
            block[j] = (char)(j * 7 + i);
        assert_int_equal(pwrite(fd, block, sizeof(block), at[i]), sizeof(block));
    }
    assert_int_equal(ftruncate(fd, size), 0);
    close(fd);
    return path;
}

static bool same_bytes(const char *a, const char *b)
{
    size_t la, lb;
    char *da = nb_read_file(a, &la), *db = nb_read_file(b, &lb);
    bool same = da && db && la == lb && memcmp(da, db, la) == 0;
    free(da);
    free(db);
    return same;
}

static struct stat stat_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st;
}

/* A qcow2 image of mb MiB made by qemu-img; NULL (test skipped) without it. */
static char *qcow2_file(fx *f, const char *name, int mb, const char *backing)
{
    char *path = nb_asprintf("%s/%s", f->root, name), *size = nb_asprintf("%dM", mb);
    const char *plain[] = { "qemu-img", "create", "-q", "-f", "qcow2", path, size, NULL };
    const char *over[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-b", backing, "-F",
                           "qcow2", path, NULL };
    char *err = NULL;
    if (nb_fs_run(backing ? over : plain, &err) < 0) {
        free(path);
        path = NULL;
    }
    free(size);
    free(err);
    return path;
}

/* --- import ---------------------------------------------------------------- */

static void test_import_raw_keeps_bytes_and_holes(void **state)
{
    fx *f = *state;
    const off_t at[] = { 0, 5 * MIB };
    char *src = sparse_file(f, "disk.raw", 10 * MIB + 1, at, 2);
    char *dirname_prefix = nb_asprintf("%s/7.", f->base);

    assert_int_equal(f->ops->import(f->drv, &f->ds, 7, src, "raw", &f->img, &f->err), 0);
    assert_non_null(f->img.source);
    assert_true(strncmp(f->img.source, dirname_prefix, strlen(dirname_prefix)) == 0);
    assert_string_equal(f->img.format, "raw");
    assert_int_equal(f->img.size_mb, 11);       /* 10 MiB + 1 byte, rounded up */
    assert_true(same_bytes(src, f->img.source));
    /* The holes stayed holes: no more blocks than the two 4 KiB extents
     * need (file systems allocate a little more, never the 10 MiB). */
    assert_true(stat_of(f->img.source).st_blocks * 512 <= stat_of(src).st_blocks * 512 + MIB);
    assert_true(stat_of(f->img.source).st_blocks * 512 < 2 * MIB);
    free(src);
    free(dirname_prefix);
}

static void test_import_qcow2_keeps_format_and_virtual_size(void **state)
{
    fx *f = *state;
    char *src = qcow2_file(f, "disk.qcow2", 300, NULL);

    if (!src)
        skip();
    assert_int_equal(f->ops->import(f->drv, &f->ds, 8, src, "qcow2", &f->img, &f->err), 0);
    assert_string_equal(f->img.format, "qcow2");
    assert_int_equal(f->img.size_mb, 300);      /* the virtual size, not the file's */
    assert_true(same_bytes(src, f->img.source));
    free(src);
}

static void test_import_twice_never_collides(void **state)
{
    fx *f = *state;
    const off_t at[] = { 0 };
    char *src = sparse_file(f, "a.raw", 4096, at, 1);
    nb_ds_image second = { 0 };

    assert_int_equal(f->ops->import(f->drv, &f->ds, 9, src, "raw", &f->img, &f->err), 0);
    assert_int_equal(f->ops->import(f->drv, &f->ds, 9, src, NULL, &second, &f->err), 0);
    assert_string_not_equal(f->img.source, second.source);
    assert_string_equal(second.format, "raw");
    assert_int_equal(second.size_mb, 1);
    assert_int_equal(count_files(f->base), 2);
    nb_ds_image_free(&second);
    free(src);
}

static void test_import_failures_leave_nothing(void **state)
{
    fx *f = *state;
    const off_t at[] = { 0 };
    char *raw = sparse_file(f, "b.raw", 4096, at, 1), *missing = nb_asprintf("%s/none", f->root);
    char *base = qcow2_file(f, "base.qcow2", 1, NULL);
    char *over = base ? qcow2_file(f, "over.qcow2", 1, base) : NULL;

    assert_int_equal(f->ops->import(f->drv, &f->ds, 1, raw, "vmdk", &f->img, &f->err), -1);
    assert_string_equal(f->err, "fs: unsupported image format \"vmdk\" (raw or qcow2)");
    free(f->err);
    assert_int_equal(f->ops->import(f->drv, &f->ds, 1, raw, "qcow2", &f->img, &f->err), -1);
    assert_non_null(strstr(f->err, "not a qcow2 file"));
    free(f->err);
    assert_int_equal(f->ops->import(f->drv, &f->ds, 1, missing, "raw", &f->img, &f->err), -1);
    assert_non_null(strstr(f->err, "No such file"));
    free(f->err);
    f->err = NULL;
    assert_int_equal(f->ops->import(f->drv, &f->ds, 1, f->root, "raw", &f->img, &f->err), -1);
    assert_non_null(strstr(f->err, "not a regular file"));
    if (over) {
        free(f->err);
        assert_int_equal(f->ops->import(f->drv, &f->ds, 1, over, "qcow2", &f->img, &f->err), -1);
        assert_non_null(strstr(f->err, "backing file"));
    }
    assert_null(f->img.source);
    assert_int_equal(count_files(f->base), 0);
    free(raw);
    free(missing);
    free(base);
    free(over);
}

static void test_no_base_path(void **state)
{
    fx *f = *state;
    nb_ds_capacity cap;

    f->ds.base_path = "";
    assert_int_equal(f->ops->monitor(f->drv, &f->ds, &cap, &f->err), -1);
    assert_string_equal(f->err, "fs: datastore 100 has no BASE_PATH");
}

/* --- mkimage, clone -------------------------------------------------------- */

static void test_mkimage_raw_is_sparse(void **state)
{
    fx *f = *state;

    assert_int_equal(f->ops->mkimage(f->drv, &f->ds, 3, 64, NULL, &f->img, &f->err), 0);
    assert_string_equal(f->img.format, "raw");
    assert_int_equal(f->img.size_mb, 64);
    assert_int_equal(stat_of(f->img.source).st_size, 64 * MIB);
    assert_true(stat_of(f->img.source).st_blocks * 512 < MIB);
}

static void test_mkimage_qcow2(void **state)
{
    fx *f = *state;
    nb_image_fmt q;
    char *why = NULL;

    if (f->ops->mkimage(f->drv, &f->ds, 4, 20, "qcow2", &f->img, &f->err) < 0 &&
        strstr(f->err, "cannot run qemu-img"))
        skip();
    assert_null(f->err);
    assert_string_equal(f->img.format, "qcow2");
    assert_int_equal(f->img.size_mb, 20);
    assert_int_equal(nb_image_format_file(f->img.source, &q, &why), 0);
    assert_string_equal(q.format, "qcow2");
    assert_int_equal(q.virtual_size, 20LL * MIB);
}

static void test_mkimage_failures_leave_nothing(void **state)
{
    fx *f = *state;

    assert_int_equal(f->ops->mkimage(f->drv, &f->ds, 5, 0, NULL, &f->img, &f->err), -1);
    assert_string_equal(f->err, "fs: invalid image size 0 MB");
    free(f->err);
    assert_int_equal(f->ops->mkimage(f->drv, &f->ds, 5, 1, "vdi", &f->img, &f->err), -1);
    assert_string_equal(f->err, "fs: unsupported image format \"vdi\" (raw or qcow2)");
    free(f->err);
    f->err = NULL;
    /* qemu-img failing: its partial file is removed. */
    f->ops->fini(f->drv);
    fx_driver(f, "QEMU_IMG = \"false\"");
    assert_int_equal(f->ops->mkimage(f->drv, &f->ds, 5, 1, "qcow2", &f->img, &f->err), -1);
    assert_non_null(strstr(f->err, "false exited with status 1"));
    assert_int_equal(count_files(f->base), 0);
}

static void test_clone_is_a_full_copy(void **state)
{
    fx *f = *state;
    const off_t at[] = { 0, MIB };
    char *src = sparse_file(f, "c.raw", 2 * MIB, at, 2);
    char *q = qcow2_file(f, "c.qcow2", 2, NULL);
    nb_ds_image copy = { 0 }, qcopy = { 0 };
    int fd;

    assert_int_equal(f->ops->import(f->drv, &f->ds, 10, src, "raw", &f->img, &f->err), 0);
    assert_int_equal(f->ops->clone(f->drv, &f->ds, f->img.source, 11, &copy, &f->err), 0);
    assert_string_not_equal(copy.source, f->img.source);
    assert_true(same_bytes(copy.source, f->img.source));
    assert_string_equal(copy.format, "raw");
    assert_int_equal(copy.size_mb, 2);
    /* Independent: writing the clone leaves the original as it was. */
    assert_true((fd = open(copy.source, O_WRONLY)) >= 0);
    assert_int_equal(pwrite(fd, "X", 1, 0), 1);
    close(fd);
    assert_true(same_bytes(src, f->img.source));
    assert_false(same_bytes(copy.source, f->img.source));
    if (q) {
        assert_int_equal(f->ops->clone(f->drv, &f->ds, q, 12, &qcopy, &f->err), 0);
        assert_string_equal(qcopy.format, "qcow2");
        assert_int_equal(qcopy.size_mb, 2);
    }
    nb_ds_image_free(&copy);
    nb_ds_image_free(&qcopy);
    free(src);
    free(q);
}

/* --- remove ------------------------------------------------------------------ */

static void test_remove_is_idempotent(void **state)
{
    fx *f = *state;

    assert_int_equal(f->ops->mkimage(f->drv, &f->ds, 6, 1, NULL, &f->img, &f->err), 0);
    assert_int_equal(f->ops->remove(f->drv, &f->ds, f->img.source, &f->err), 0);
    assert_int_equal(access(f->img.source, F_OK), -1);
    assert_int_equal(f->ops->remove(f->drv, &f->ds, f->img.source, &f->err), 0);
    assert_null(f->err);
}

static void test_remove_stays_in_base_path(void **state)
{
    fx *f = *state;
    const off_t at[] = { 0 };
    char *outside = sparse_file(f, "precious", 4096, at, 1);
    char *dotdot = nb_asprintf("%s/../precious", f->base);
    char *link = nb_asprintf("%s/link", f->base), *via_link = nb_asprintf("%s/precious", link);
    const char *tries[] = { outside, dotdot, via_link, f->base, "/etc/passwd" };

    assert_int_equal(mkdir(f->base, 0755), 0);
    assert_int_equal(symlink(f->root, link), 0);
    for (size_t i = 0; i < NB_ARRAY_SIZE(tries); i++) {
        assert_int_equal(f->ops->remove(f->drv, &f->ds, tries[i], &f->err), -1);
        assert_non_null(strstr(f->err, "refusing to remove"));
        free(f->err);
        f->err = NULL;
    }
    assert_int_equal(access(outside, F_OK), 0);
    assert_int_equal(access(f->base, F_OK), 0);
    free(outside);
    free(dotdot);
    free(link);
    free(via_link);
}

/* --- monitor ------------------------------------------------------------------ */

static void test_monitor_reports_the_file_system(void **state)
{
    fx *f = *state;
    nb_ds_capacity cap;
    struct statvfs sv;

    assert_int_equal(f->ops->monitor(f->drv, &f->ds, &cap, &f->err), 0);
    assert_int_equal(access(f->base, F_OK), 0);         /* created */
    assert_int_equal(statvfs(f->base, &sv), 0);
    assert_true(cap.total_mb == (long long)(sv.f_blocks * sv.f_frsize / MIB));
    assert_true(cap.total_mb > 0);
    assert_true(cap.free_mb <= cap.total_mb && cap.used_mb <= cap.total_mb);
    /* Free space moves while other tests write: within 64 MB of now. */
    assert_true(llabs(cap.free_mb - (long long)(sv.f_bavail * sv.f_frsize / MIB)) < 64);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_import_raw_keeps_bytes_and_holes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_qcow2_keeps_format_and_virtual_size, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_import_twice_never_collides, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_failures_leave_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_base_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mkimage_raw_is_sparse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mkimage_qcow2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mkimage_failures_leave_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clone_is_a_full_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_is_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_stays_in_base_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_monitor_reports_the_file_system, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
