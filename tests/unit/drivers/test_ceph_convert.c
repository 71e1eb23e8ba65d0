/*
 * test_ceph_convert.c: the rbd: name qemu-img writes an RBD image through
 * (escaping, settings).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/ceph/convert.h"
#include "lib/util.h"

static void test_qemu_target(void **state)
{
    (void)state;
    nb_ceph_cfg c = { .pool = "one", .user = "libvirt", .conf = "/etc/ceph/a:b.conf",
                      .key = "/k\\ring", .hosts = "m1 m2:3300" };
    char *t = nb_ceph_qemu_target(&c, "one/one-7");
    assert_string_equal(t, "rbd:one/one-7:id=libvirt:conf=/etc/ceph/a\\:b.conf"
                           ":keyring=/k\\\\ring:client_mount_timeout=10:rados_osd_op_timeout=30");
    free(t);
    /* no ceph.conf: the monitors from CEPH_HOST; no keyring: librados' default */
    c.conf = NULL;
    c.key = NULL;
    t = nb_ceph_qemu_target(&c, "one/one-7");
    assert_string_equal(t, "rbd:one/one-7:id=libvirt:mon_host=m1,m2\\:3300"
                           ":client_mount_timeout=10:rados_osd_op_timeout=30");
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qemu_target),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
