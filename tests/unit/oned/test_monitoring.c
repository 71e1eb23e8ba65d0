/*
 * test_monitoring.c: the pure parts of the monitoring history: a VM sample
 * is OpenNebula's MONITORING document, the `seconds` argument of the
 * *.monitoring methods picks the right window, and retention expires what
 * it should (0 keeps nothing).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <string.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "oned/monitoring.h"

static void test_vm_sample_document(void **state)
{
    nb_drv_vm_usage u = { .id = 12, .cpu = 12.5, .memory_kb = 262144, .netrx = 1200,
                          .nettx = 800, .disk_rd = 4096, .disk_wr = 8192 };
    nb_buf b = NB_BUF_INIT;

    nb_mon_vm_sample(&b, 12, 1700000300, &u);
    assert_string_equal(b.data,
        "<MONITORING><CPU><![CDATA[12.5]]></CPU><DISKRDBYTES><![CDATA[4096]]></DISKRDBYTES>"
        "<DISKWRBYTES><![CDATA[8192]]></DISKWRBYTES><ID><![CDATA[12]]></ID>"
        "<MEMORY><![CDATA[262144]]></MEMORY><NETRX><![CDATA[1200]]></NETRX>"
        "<NETTX><![CDATA[800]]></NETTX><TIMESTAMP><![CDATA[1700000300]]></TIMESTAMP>"
        "</MONITORING>");
    /* CPU as the VM document writes it: a whole number keeps its ".0". */
    nb_buf_reset(&b);
    u.cpu = 100;
    nb_mon_vm_sample(&b, 12, 1, &u);
    assert_non_null(strstr(b.data, "<CPU><![CDATA[100.0]]></CPU>"));
    nb_buf_free(&b);
}

static void test_seconds_window(void **state)
{
    long long since;
    bool last;

    /* 0: the newest sample of each object, however old. */
    nb_mon_window(0, 1000, &since, &last);
    assert_true(last);
    assert_true(since <= 0);
    /* -1 and any negative: everything. */
    nb_mon_window(-1, 1000, &since, &last);
    assert_false(last);
    assert_int_equal(since, LLONG_MIN);
    nb_mon_window(-7, 1000, &since, &last);
    assert_false(last);
    assert_int_equal(since, LLONG_MIN);
    /* N: samples of the last N seconds, the one exactly N ago included. */
    nb_mon_window(60, 1000, &since, &last);
    assert_false(last);
    assert_int_equal(since, 940);
}

static void test_retention_cutoff(void **state)
{
    /* Samples older than the expiration go; one exactly that old stays. */
    assert_int_equal(nb_mon_cutoff(50000, 14400), 35600);
    assert_int_equal(nb_mon_cutoff(50000, 1), 49999);
    /* 0 keeps none: everything taken up to now (and beyond) is expired. */
    assert_int_equal(nb_mon_cutoff(50000, 0), LLONG_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vm_sample_document),
        cmocka_unit_test(test_seconds_window),
        cmocka_unit_test(test_retention_cutoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
