/* test_quota.c: VM quota arithmetic (reference §10.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libxml/parser.h>

#include "lib/template.h"
#include "oned/quota.h"

static void parse(nb_tmpl *t, const char *text)
{
    char *err = NULL;
    nb_tmpl_init(t);
    if (nb_tmpl_parse(t, text, strlen(text), &err) < 0)
        fail_msg("%s", err);
}

static void set(nb_vm_quota *q, const char *text)
{
    nb_tmpl t;
    char *err = NULL;
    parse(&t, text);
    if (nb_quota_set(q, &t, &err) < 0)
        fail_msg("%s", err);
    nb_tmpl_free(&t);
}

static void test_demand(void **state)
{
    nb_tmpl t;
    double d[NB_VMQ_COUNT];

    parse(&t, "CPU=1.5\nMEMORY=512\nDISK=[TYPE=fs,SIZE=1024]\nDISK=[TYPE=swap,SIZE=256]\n"
              "DISK=[IMAGE_ID=3,SIZE=9999]");
    nb_quota_demand(&t, true, d);
    assert_true(d[NB_VMQ_VMS] == 1 && d[NB_VMQ_CPU] == 1.5 && d[NB_VMQ_MEMORY] == 512);
    assert_true(d[NB_VMQ_SYSTEM_DISK_SIZE] == 1280);     /* image disks are not system ones */
    assert_true(d[NB_VMQ_RUNNING_VMS] == 1 && d[NB_VMQ_RUNNING_CPU] == 1.5 &&
                d[NB_VMQ_RUNNING_MEMORY] == 512);
    nb_quota_demand(&t, false, d);
    assert_true(d[NB_VMQ_RUNNING_VMS] == 0 && d[NB_VMQ_RUNNING_CPU] == 0 && d[NB_VMQ_VMS] == 1);
    nb_tmpl_free(&t);
}

static void test_limits_defaults_unlimited(void **state)
{
    nb_vm_quota q = { 0 }, defaults = { 0 };
    double d[NB_VMQ_COUNT] = { [NB_VMQ_VMS] = 1, [NB_VMQ_CPU] = 1, [NB_VMQ_MEMORY] = 256 };
    enum nb_vmq failed;
    double limit;

    /* Nothing set anywhere: unlimited. */
    assert_int_equal(nb_quota_check(&q, NULL, d, &failed, &limit), 0);
    set(&q, "VM=[VMS=2, CPU=-2]");
    assert_int_equal(nb_quota_check(&q, NULL, d, &failed, &limit), 0);
    nb_quota_charge(&q, d, 1);
    nb_quota_charge(&q, d, 1);
    assert_int_equal(nb_quota_check(&q, NULL, d, &failed, &limit), -1);
    assert_int_equal(failed, NB_VMQ_VMS);
    assert_true(limit == 2);
    /* -1 takes the default; a default of MEMORY 600 stops the third... */
    set(&q, "VM=[VMS=-1]");
    set(&defaults, "VM=[MEMORY=600]");
    assert_int_equal(nb_quota_check(&q, &defaults, d, &failed, &limit), -1);
    assert_int_equal(failed, NB_VMQ_MEMORY);
    /* ...and giving back makes room. */
    nb_quota_charge(&q, d, -1);
    assert_int_equal(nb_quota_check(&q, &defaults, d, &failed, &limit), 0);
    assert_true(q.used[NB_VMQ_VMS] == 1 && q.used[NB_VMQ_MEMORY] == 256);
}

static void test_float_shares_add_up(void **state)
{
    nb_vm_quota q = { 0 };
    double d[NB_VMQ_COUNT] = { [NB_VMQ_CPU] = 0.1 };
    enum nb_vmq failed;
    double limit;

    set(&q, "VM=[CPU=1]");
    for (int i = 0; i < 10; i++) {
        assert_int_equal(nb_quota_check(&q, NULL, d, &failed, &limit), 0);
        nb_quota_charge(&q, d, 1);
    }
    assert_int_equal(nb_quota_check(&q, NULL, d, &failed, &limit), -1);
    for (int i = 0; i < 10; i++)
        nb_quota_charge(&q, d, -1);
    assert_true(q.used[NB_VMQ_CPU] == 0);
}

static void test_bad_values_refused(void **state)
{
    nb_vm_quota q = { 0 };
    nb_tmpl t;
    char *err = NULL;

    parse(&t, "VM=[VMS=-3]");
    assert_int_equal(nb_quota_set(&q, &t, &err), -1);
    assert_non_null(strstr(err, "VMS"));
    free(err);
    nb_tmpl_free(&t);
    parse(&t, "VM=[CPU=lots]");
    assert_int_equal(nb_quota_set(&q, &t, &err), -1);
    free(err);
    nb_tmpl_free(&t);
    parse(&t, "VM=4");
    assert_int_equal(nb_quota_set(&q, &t, &err), -1);
    free(err);
    nb_tmpl_free(&t);
    assert_false(q.set);    /* a refused change leaves nothing behind */
}

static void test_xml_round_trip(void **state)
{
    nb_vm_quota q = { 0 }, back;
    double d[NB_VMQ_COUNT] = { [NB_VMQ_VMS] = 1, [NB_VMQ_CPU] = 1.5, [NB_VMQ_MEMORY] = 512 };
    nb_buf b = NB_BUF_INIT;
    char *err = NULL;
    xmlDoc *doc;

    nb_quota_to_xml(&q, &b);
    assert_string_equal(b.data, "<VM_QUOTA></VM_QUOTA>");
    nb_buf_reset(&b);
    set(&q, "VM=[VMS=4, CPU=2.5]");
    nb_quota_charge(&q, d, 1);
    nb_buf_adds(&b, "<USER>");
    nb_quota_to_xml(&q, &b);
    nb_buf_adds(&b, "</USER>");
    assert_non_null(strstr(b.data, "<VMS><![CDATA[4]]></VMS><VMS_USED><![CDATA[1]]></VMS_USED>"));
    assert_non_null(strstr(b.data, "<CPU><![CDATA[2.5]]></CPU><CPU_USED><![CDATA[1.5]]>"));
    assert_non_null(strstr(b.data, "<MEMORY><![CDATA[-1]]></MEMORY>"));
    doc = xmlReadMemory(b.data, (int)b.len, NULL, NULL, 0);
    assert_int_equal(nb_quota_from_xml(&back, xmlDocGetRootElement(doc), &err), 0);
    assert_memory_equal(&back, &q, sizeof(q));
    xmlFreeDoc(doc);
    nb_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demand),
        cmocka_unit_test(test_limits_defaults_unlimited),
        cmocka_unit_test(test_float_shares_add_up),
        cmocka_unit_test(test_bad_values_refused),
        cmocka_unit_test(test_xml_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
