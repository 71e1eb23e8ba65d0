/*
 * test_host_attrs.c: what requirements and ranks see of a host (reference
 * §9.4 lookup order), through the real expression compiler.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "scheduler/expr.h"
#include "scheduler/host_attrs.h"

static nb_tmpl host_tmpl, cluster_tmpl;
static const int vms[] = { 3, 17 };
static nb_host_attrs host;

static void parse(nb_tmpl *t, const char *text)
{
    char *err = NULL;
    nb_tmpl_init(t);
    if (nb_tmpl_parse(t, text, strlen(text), &err) < 0)
        fail_msg("%s", err);
}

static int setup(void **state)
{
    (void)state;
    parse(&host_tmpl, "HYPERVISOR=kvm\nPCI=[CLASS=\"0300\"]\nPCI=[CLASS=\"0c03\"]\n"
          "LABEL=a\nLABEL=b\nNAME=\"tmpl-name\"\n");
    parse(&cluster_tmpl, "ZONE_LABEL=west\nHYPERVISOR=xen\n");
    host = (nb_host_attrs){
        .id = 7, .name = "node07", .state = 2, .cluster_id = 100, .tmpl = &host_tmpl,
        .cluster_tmpl = &cluster_tmpl, .max_cpu = 800, .cpu_usage = 250, .total_cpu = 800,
        .max_mem = 1000, .mem_usage = 400, .total_mem = 1200, .running_vms = 2,
        .vms = vms, .nvms = 2,
    };
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    nb_tmpl_free(&host_tmpl);
    nb_tmpl_free(&cluster_tmpl);
    return 0;
}

static bool req(const char *text)
{
    char *err = NULL;
    nb_expr *e = nb_expr_compile(text, NB_EXPR_REQUIREMENT, &err);
    nb_host_lookup l;
    bool r;

    if (!e)
        fail_msg("%s: %s", text, err);
    nb_host_lookup_init(&l, &host);
    r = nb_expr_match(e, nb_host_lookup_attr, &l);
    nb_host_lookup_done(&l);
    nb_expr_free(e);
    return r;
}

static double rank(const char *text)
{
    char *err = NULL;
    nb_expr *e = nb_expr_compile(text, NB_EXPR_RANK, &err);
    nb_host_lookup l;
    double r;

    if (!e)
        fail_msg("%s: %s", text, err);
    nb_host_lookup_init(&l, &host);
    r = nb_expr_rank(e, nb_host_lookup_attr, &l);
    nb_host_lookup_done(&l);
    nb_expr_free(e);
    return r;
}

static void test_share_and_fields(void **state)
{
    (void)state;
    assert_true(req("FREE_CPU = 550 & FREE_MEM = 600 & MAX_CPU = 800 & TOTAL_MEM = 1200"));
    assert_true(req("CPU_USAGE = 250 & MEM_USAGE = 400 & RUNNING_VMS = 2 & TOTAL_CPU = 800"));
    assert_true(req("ID = 7 & CLUSTER_ID = 100 & STATE = 2 & MAX_MEM = 1000"));
    assert_true(rank("FREE_CPU - RUNNING_VMS * 100") == 350.0);
}

static void test_lookup_order(void **state)
{
    (void)state;
    /* The host's TEMPLATE before its own fields and before the cluster's. */
    assert_true(req("NAME = \"tmpl-name\""));
    assert_true(req("HYPERVISOR = kvm"));
    assert_true(req("ZONE_LABEL = west"));
    assert_false(req("NOSUCH = 1"));
    assert_false(req("NOSUCH != 1"));
}

static void test_multi_values(void **state)
{
    (void)state;
    assert_true(req("LABEL @> b"));
    assert_false(req("LABEL @> c"));
    assert_true(req("\"PCI/CLASS\" @> \"0c03\""));
    assert_true(req("CURRENT_VMS @> 17"));
    assert_false(req("CURRENT_VMS @> 4"));
}

static void test_name_when_template_has_none(void **state)
{
    nb_tmpl empty;
    const nb_tmpl *saved = host.tmpl;
    (void)state;
    nb_tmpl_init(&empty);
    host.tmpl = &empty;
    assert_true(req("NAME = \"node0*\""));
    host.tmpl = saved;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_share_and_fields),
        cmocka_unit_test(test_lookup_order),
        cmocka_unit_test(test_multi_values),
        cmocka_unit_test(test_name_when_template_has_none),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
