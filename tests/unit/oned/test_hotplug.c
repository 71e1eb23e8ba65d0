/* test_hotplug.c: the TEMPLATE bookkeeping of hotplug operations
 * (oned/hotplug.h): numbering, marks, rollback, resize, snapshots. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "lib/template.h"
#include "oned/hotplug.h"

static void parse(nb_tmpl *t, const char *text)
{
    char *err = NULL;
    nb_tmpl_init(t);
    if (nb_tmpl_parse(t, text, strlen(text), &err) < 0)
        fail_msg("%s", err);
}

/* The template as text, for whole-template comparisons. */
static void assert_tmpl(const nb_tmpl *t, const char *want)
{
    nb_tmpl w;
    nb_buf a = NB_BUF_INIT, b = NB_BUF_INIT;

    parse(&w, want);
    nb_tmpl_to_text(t, &a);
    nb_tmpl_to_text(&w, &b);
    assert_string_equal(a.data ? a.data : "", b.data ? b.data : "");
    nb_buf_free(&a);
    nb_buf_free(&b);
    nb_tmpl_free(&w);
}

/* nb_hotplug_attach of request text; returns its result, err freed. */
static int attach(nb_tmpl *t, const char *vector, const char *req_text, char **why)
{
    nb_tmpl req;
    char *err = NULL;
    int id;

    parse(&req, req_text);
    id = nb_hotplug_attach(t, 7, vector, &req, &err);
    nb_tmpl_free(&req);
    if (why)
        *why = err;
    else
        free(err);
    return id;
}

static void test_number_pins_ids_and_targets(void **state)
{
    nb_tmpl t;

    (void)state;
    parse(&t, "DISK=[SOURCE=/a]\nDISK=[SOURCE=/c,TYPE=CDROM]\nDISK=[SOURCE=/b,DEV_PREFIX=sd]\n"
              "NIC=[BRIDGE=br0]\nNIC=[BRIDGE=br1,NIC_ID=5]");
    nb_hotplug_number(&t);
    /* Targets as the deploy path names disks by position. */
    assert_tmpl(&t, "DISK=[DISK_ID=0,SOURCE=/a,TARGET=vda]\n"
                    "DISK=[DISK_ID=1,SOURCE=/c,TARGET=hdb,TYPE=CDROM]\n"
                    "DISK=[DEV_PREFIX=sd,DISK_ID=2,SOURCE=/b,TARGET=sdc]\n"
                    "NIC=[BRIDGE=br0,NIC_ID=0]\nNIC=[BRIDGE=br1,NIC_ID=5]");
    nb_tmpl_free(&t);
}

static void test_disk_attach_detach_cycle(void **state)
{
    nb_tmpl t;

    (void)state;
    parse(&t, "CPU=1\nDISK=[SOURCE=/a]");
    assert_int_equal(attach(&t, "DISK", "DISK=[TYPE=fs,SIZE=10]", NULL), 1);
    assert_tmpl(&t, "CPU=1\nDISK=[DISK_ID=0,SOURCE=/a,TARGET=vda]\n"
                    "DISK=[ATTACH=YES,DISK_ID=1,SIZE=10,TARGET=vdb,TYPE=fs]");
    assert_string_equal(nb_tattr_get(nb_hotplug_subject(&t, NB_STEP_ATTACH_DISK), "DISK_ID"),
                        "1");
    assert_null(nb_hotplug_subject(&t, NB_STEP_ATTACH_NIC));
    nb_hotplug_finish(&t, NB_STEP_ATTACH_DISK, true);
    assert_null(nb_hotplug_subject(&t, NB_STEP_ATTACH_DISK));

    /* A failed attach takes the disk away again. */
    assert_int_equal(attach(&t, "DISK", "DISK=[SOURCE=/x]", NULL), 2);
    nb_hotplug_finish(&t, NB_STEP_ATTACH_DISK, false);
    assert_tmpl(&t, "CPU=1\nDISK=[DISK_ID=0,SOURCE=/a,TARGET=vda]\n"
                    "DISK=[DISK_ID=1,SIZE=10,TARGET=vdb,TYPE=fs]");

    /* Detach: a failure only clears the mark, success removes the disk;
     * the next disk takes the first free target and the highest id + 1. */
    char *err = NULL;
    assert_int_equal(nb_hotplug_detach(&t, "DISK", 0, &err), 0);
    nb_hotplug_finish(&t, NB_STEP_DETACH_DISK, false);
    assert_tmpl(&t, "CPU=1\nDISK=[DISK_ID=0,SOURCE=/a,TARGET=vda]\n"
                    "DISK=[DISK_ID=1,SIZE=10,TARGET=vdb,TYPE=fs]");
    assert_int_equal(nb_hotplug_detach(&t, "DISK", 0, &err), 0);
    nb_hotplug_finish(&t, NB_STEP_DETACH_DISK, true);
    assert_int_equal(attach(&t, "DISK", "DISK=[SOURCE=/y]", NULL), 2);
    nb_hotplug_finish(&t, NB_STEP_ATTACH_DISK, true);
    assert_tmpl(&t, "CPU=1\nDISK=[DISK_ID=1,SIZE=10,TARGET=vdb,TYPE=fs]\n"
                    "DISK=[DISK_ID=2,SOURCE=/y,TARGET=vda]");
    assert_int_equal(nb_hotplug_detach(&t, "DISK", 0, &err), -1);
    assert_string_equal(err, "VM does not have DISK with DISK_ID 0.");
    free(err);
    nb_tmpl_free(&t);
}

/* An image DISK stays until the VM is done: its image counts the VM. */
static void test_image_disks_are_not_detached(void **state)
{
    nb_tmpl t;
    char *err = NULL;

    (void)state;
    parse(&t, "DISK=[IMAGE_ID=7,SOURCE=/a,TARGET=vda,DISK_ID=0]");
    assert_int_equal(nb_hotplug_detach(&t, "DISK", 0, &err), -1);
    assert_string_equal(err, "DISK 0 comes from image 7, which the VM keeps until it is "
                             "terminated.");
    assert_null(nb_tattr_get(nb_tmpl_find(&t, "DISK"), "ATTACH"));
    free(err);
    nb_tmpl_free(&t);
}

static void test_attach_refusals(void **state)
{
    static const struct { const char *vector, *req, *why; } cases[] = {
        { "DISK", "DISK=[IMAGE_ID=1]", "Image disks are given when the VM is created" },
        { "DISK", "DISK=[CACHE=none]", "A DISK needs SOURCE" },
        { "DISK", "DISK=[IMAGE=ubuntu]", "Image disks are given when the VM is created" },
        { "DISK", "DISK=[TYPE=swap]", "A volatile disk needs SIZE" },
        { "DISK", "DISK=[TYPE=fs,SIZE=1.5]", "A volatile disk needs SIZE" },
        { "DISK", "DISK=[SOURCE=/z,TARGET=vda]", "Target vda is already in use." },
        { "DISK", "CPU=1", "exactly one DISK vector, it has 0" },
        { "NIC", "NIC=[NETWORK_ID=0]", "Virtual networks are not supported yet" },
        { "NIC", "NIC=[MAC=\"02:00:00:00:00:0g\"]", "is not a MAC address" },
        { "NIC", "NIC=[MAC=\"02:00:00:00:00:01\"]", "already in use by this VM" },
        { "NIC", "NIC=[BRIDGE=a]\nNIC=[BRIDGE=b]", "exactly one NIC vector, it has 2" },
    };
    nb_tmpl t, before;

    (void)state;
    parse(&t, "DISK=[SOURCE=/a,TARGET=vda,DISK_ID=0]\nNIC=[MAC=\"02:00:00:00:00:01\",NIC_ID=0]");
    nb_tmpl_copy(&before, &t);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *why = NULL;
        assert_int_equal(attach(&t, cases[i].vector, cases[i].req, &why), -1);
        if (!strstr(why, cases[i].why))
            fail_msg("%s: %s", cases[i].req, why);
        free(why);
    }
    nb_buf a = NB_BUF_INIT, b = NB_BUF_INIT;
    nb_tmpl_to_text(&t, &a);
    nb_tmpl_to_text(&before, &b);
    assert_string_equal(a.data, b.data);
    nb_buf_free(&a);
    nb_buf_free(&b);
    nb_tmpl_free(&before);
    nb_tmpl_free(&t);
}

static void test_nic_gets_a_mac(void **state)
{
    nb_tmpl t;

    (void)state;
    parse(&t, "NIC=[BRIDGE=br0]");
    assert_int_equal(attach(&t, "NIC", "NIC=[BRIDGE=br1,MODEL=e1000]", NULL), 1);
    assert_tmpl(&t, "NIC=[BRIDGE=br0,NIC_ID=0]\n"
                    "NIC=[ATTACH=YES,BRIDGE=br1,MAC=\"02:00:00:00:07:01\",MODEL=e1000,NIC_ID=1]");
    nb_hotplug_finish(&t, NB_STEP_ATTACH_NIC, false);
    assert_tmpl(&t, "NIC=[BRIDGE=br0,NIC_ID=0]");
    nb_tmpl_free(&t);
}

static int resize(nb_tmpl *t, const char *req_text, bool live, char **why)
{
    nb_tmpl req;
    char *err = NULL;
    int rc;

    parse(&req, req_text);
    rc = nb_hotplug_resize(t, &req, live, &err);
    nb_tmpl_free(&req);
    if (why)
        *why = err;
    else
        free(err);
    return rc;
}

static void test_resize(void **state)
{
    nb_tmpl t;
    char *why = NULL;

    (void)state;
    parse(&t, "CPU=0.5\nMEMORY=64");
    /* Cold: 0 and absent leave values alone. */
    assert_int_equal(resize(&t, "CPU=1.5\nVCPU=0\nMEMORY=1048576", false, NULL), 0);
    assert_tmpl(&t, "CPU=1.5\nMEMORY=1048576");
    assert_int_equal(resize(&t, "MEMORY=1.5", false, &why), -1);
    assert_string_equal(why, "MEMORY must be a positive integer, not \"1.5\".");
    free(why);
    /* Live needs VCPU_MAX, up to it, and no memory change. */
    assert_int_equal(resize(&t, "VCPU=2", true, &why), -1);
    assert_non_null(strstr(why, "VCPU_MAX"));
    free(why);
    nb_tmpl_set(&t, "VCPU_MAX", "4");
    assert_int_equal(resize(&t, "VCPU=5", true, &why), -1);
    assert_string_equal(why, "VCPU 5 is more than VCPU_MAX 4.");
    free(why);
    assert_int_equal(resize(&t, "MEMORY=128", true, &why), -1);
    assert_non_null(strstr(why, "MEMORY cannot change while the VM runs"));
    free(why);
    assert_int_equal(resize(&t, "VCPU=3\nCPU=2\nMEMORY=1048576", true, NULL), 0);
    assert_tmpl(&t, "CPU=2\nMEMORY=1048576\nRESIZE=[CPU=1.5,MEMORY=1048576,VCPU=\"\"]\n"
                    "VCPU=3\nVCPU_MAX=4");
    /* A failed live resize puts the old values back. */
    nb_hotplug_finish(&t, NB_STEP_RESIZE, false);
    assert_tmpl(&t, "CPU=1.5\nMEMORY=1048576\nVCPU_MAX=4");
    assert_int_equal(resize(&t, "VCPU=2", true, NULL), 0);
    nb_hotplug_finish(&t, NB_STEP_RESIZE, true);
    assert_tmpl(&t, "CPU=1.5\nMEMORY=1048576\nVCPU=2\nVCPU_MAX=4");
    nb_tmpl_free(&t);
}

static void test_snapshots(void **state)
{
    nb_tmpl t;
    char *err = NULL;

    (void)state;
    nb_tmpl_init(&t);
    assert_int_equal(nb_hotplug_snapshot_create(&t, "first", 1700000000), 0);
    assert_tmpl(&t, "SNAPSHOT=[ACTIVE=YES,HYPERVISOR_ID=snap-0,NAME=first,SNAPSHOT_ID=0,"
                    "TIME=1700000000]");
    assert_string_equal(nb_tattr_get(nb_hotplug_subject(&t, NB_STEP_SNAPSHOT_CREATE),
                                     "HYPERVISOR_ID"), "snap-0");
    nb_hotplug_finish(&t, NB_STEP_SNAPSHOT_CREATE, true);
    assert_int_equal(nb_hotplug_snapshot_create(&t, "", 1700000001), 1);
    nb_hotplug_finish(&t, NB_STEP_SNAPSHOT_CREATE, false);
    assert_tmpl(&t, "SNAPSHOT=[HYPERVISOR_ID=snap-0,NAME=first,SNAPSHOT_ID=0,TIME=1700000000]");
    assert_int_equal(nb_hotplug_snapshot_create(&t, NULL, 5), 1);
    nb_hotplug_finish(&t, NB_STEP_SNAPSHOT_CREATE, true);
    assert_string_equal(nb_tmpl_find_vector(&t, "SNAPSHOT", "SNAPSHOT_ID", "1")->pairs[1].value,
                        "snapshot-1");
    /* Revert keeps the snapshot either way; delete drops it on success. */
    assert_int_equal(nb_hotplug_snapshot_mark(&t, 0, &err), 0);
    nb_hotplug_finish(&t, NB_STEP_SNAPSHOT_REVERT, false);
    assert_null(nb_hotplug_subject(&t, NB_STEP_SNAPSHOT_REVERT));
    assert_int_equal(nb_hotplug_snapshot_mark(&t, 0, &err), 0);
    nb_hotplug_finish(&t, NB_STEP_SNAPSHOT_DELETE, false);
    assert_non_null(nb_tmpl_find_vector(&t, "SNAPSHOT", "SNAPSHOT_ID", "0"));
    assert_int_equal(nb_hotplug_snapshot_mark(&t, 0, &err), 0);
    nb_hotplug_finish(&t, NB_STEP_SNAPSHOT_DELETE, true);
    assert_null(nb_tmpl_find_vector(&t, "SNAPSHOT", "SNAPSHOT_ID", "0"));
    assert_int_equal(nb_hotplug_snapshot_mark(&t, 0, &err), -1);
    assert_string_equal(err, "Could not find snapshot with ID 0.");
    free(err);
    nb_tmpl_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_number_pins_ids_and_targets),
        cmocka_unit_test(test_disk_attach_detach_cycle),
        cmocka_unit_test(test_image_disks_are_not_detached),
        cmocka_unit_test(test_attach_refusals),
        cmocka_unit_test(test_nic_gets_a_mac),
        cmocka_unit_test(test_resize),
        cmocka_unit_test(test_snapshots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
