/* Where a VM's disk lives on its host, and in which format: the one rule
 * the transfer drivers (which make the disk) and the hypervisor driver
 * (which boots from it) share. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/datastore.h"

static nb_tmpl parse(const char *text)
{
    nb_tmpl t;
    char *err = NULL;

    nb_tmpl_init(&t);
    assert_int_equal(nb_tmpl_parse(&t, text, strlen(text), &err), 0);
    return t;
}

/* The source and format of the first DISK of text, for VM 12 in /sys/0/12. */
static void check(const char *text, const char *source, const char *format)
{
    nb_tmpl t = parse(text);
    nb_drv_vm vm = { .id = 12, .tmpl = &t, .vm_dir = "/sys/0/12" };
    const nb_tattr *d = nb_tmpl_find(&t, "DISK");
    char *got = nb_drv_disk_source(&vm, d, 3);

    if (source)
        assert_string_equal(got, source);
    else
        assert_null(got);
    assert_string_equal(nb_drv_disk_format(d), format);
    free(got);
    nb_tmpl_free(&t);
}

static void test_disks_without_images_are_their_source(void **state)
{
    (void)state;
    check("DISK=[SOURCE=/x/a.img,DRIVER=qcow2]", "/x/a.img", "qcow2");
    check("DISK=[PATH=/x/b.img]", "/x/b.img", "raw");
    check("DISK=[TYPE=fs,SIZE=10]", NULL, "raw");
}

static void test_rbd_clones_are_named_after_vm_and_disk(void **state)
{
    (void)state;
    check("DISK=[IMAGE_ID=4,TYPE=RBD,SOURCE=one/one-4,CLONE=YES,DISK_ID=0,FORMAT=raw]",
          "one/one-4-12-0", "raw");
    /* Without DISK_ID, the position names it. */
    check("DISK=[IMAGE_ID=4,TYPE=RBD,SOURCE=one/one-4,CLONE=YES]", "one/one-4-12-3", "raw");
    check("DISK=[IMAGE_ID=4,TYPE=RBD,SOURCE=one/one-4,CLONE=NO,DISK_ID=1]", "one/one-4", "raw");
}

static void test_file_clones_are_qcow2_overlays_in_the_vm_dir(void **state)
{
    (void)state;
    check("DISK=[IMAGE_ID=4,TYPE=FILE,SOURCE=/ds/1/4.img,CLONE=YES,DISK_ID=2,FORMAT=raw]",
          "/sys/0/12/disk.2", "qcow2");
    /* Persistent: in place where hosts share the datastore, else a copy. */
    check("DISK=[IMAGE_ID=4,SOURCE=/ds/1/4.img,CLONE=NO,DISK_ID=2,FORMAT=qcow2]",
          "/ds/1/4.img", "qcow2");
    check("DISK=[IMAGE_ID=4,SOURCE=/ds/1/4.img,CLONE=NO,SHARED=NO,DISK_ID=2,FORMAT=raw]",
          "/sys/0/12/disk.2", "raw");
    /* An image DISK that never got its SOURCE names nothing. */
    check("DISK=[IMAGE_ID=4,CLONE=YES]", NULL, "qcow2");
}

static void test_shared_comes_from_the_datastore_else_its_tm(void **state)
{
    nb_tmpl plain = parse("TM_MAD=ssh"), yes = parse("SHARED=yes"), no = parse("SHARED=NO");
    nb_tm_ops shared = { .shared = true }, local = { .shared = false };

    (void)state;
    assert_true(nb_drv_ds_shared(&plain, &shared));
    assert_false(nb_drv_ds_shared(&plain, &local));
    assert_true(nb_drv_ds_shared(&plain, NULL));
    assert_true(nb_drv_ds_shared(&yes, &local));
    assert_false(nb_drv_ds_shared(&no, &shared));
    nb_tmpl_free(&plain);
    nb_tmpl_free(&yes);
    nb_tmpl_free(&no);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_disks_without_images_are_their_source),
        cmocka_unit_test(test_rbd_clones_are_named_after_vm_and_disk),
        cmocka_unit_test(test_file_clones_are_qcow2_overlays_in_the_vm_dir),
        cmocka_unit_test(test_shared_comes_from_the_datastore_else_its_tm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
