/*
 * test_ds_attrs.c: what SCHED_DS_REQUIREMENTS and SCHED_DS_RANK see of a
 * system datastore (reference §9.4: /DATASTORE/TEMPLATE/, then
 * /DATASTORE/), through the real expression compiler.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "scheduler/ds_attrs.h"
#include "scheduler/expr.h"

static nb_tmpl ds_tmpl;
static const int clusters[] = { 0, 100 };
static nb_ds_attrs ds;

static int setup(void **state)
{
    char *err = NULL;
    const char *text = "TM_MAD=ssh\nTIER=fast\nTIER=local\nID=\"tmpl-id\"\n";

    (void)state;
    nb_tmpl_init(&ds_tmpl);
    if (nb_tmpl_parse(&ds_tmpl, text, strlen(text), &err) < 0)
        fail_msg("%s", err);
    ds = (nb_ds_attrs){
        .id = 101, .name = "ssd_system", .state = 0, .type = 1, .tmpl = &ds_tmpl,
        .total_mb = 2000, .free_mb = 1500, .used_mb = 500, .clusters = clusters,
        .nclusters = 2,
    };
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    nb_tmpl_free(&ds_tmpl);
    return 0;
}

static double eval(const char *text, enum nb_expr_kind kind)
{
    char *err = NULL;
    nb_expr *e = nb_expr_compile(text, kind, &err);
    nb_ds_lookup l;
    double r;

    if (!e)
        fail_msg("%s: %s", text, err);
    nb_ds_lookup_init(&l, &ds);
    r = kind == NB_EXPR_RANK ? nb_expr_rank(e, nb_ds_lookup_attr, &l)
                             : nb_expr_match(e, nb_ds_lookup_attr, &l);
    nb_ds_lookup_done(&l);
    nb_expr_free(e);
    return r;
}

static bool req(const char *text)
{
    return eval(text, NB_EXPR_REQUIREMENT) != 0;
}

static void test_fields(void **state)
{
    (void)state;
    assert_true(req("TOTAL_MB = 2000 & FREE_MB = 1500 & USED_MB = 500"));
    assert_true(req("STATE = 0 & TYPE = 1 & NAME = \"ssd_*\""));
    assert_true(eval("FREE_MB / 10", NB_EXPR_RANK) == 150.0);
    assert_true(eval("-FREE_MB", NB_EXPR_RANK) == -1500.0);
}

static void test_template_first(void **state)
{
    (void)state;
    /* the TEMPLATE's ID hides the datastore's own */
    assert_true(req("ID = \"tmpl-id\""));
    assert_false(req("ID = 101"));
    assert_true(req("TM_MAD = ssh"));
    assert_true(req("TIER @> local"));
    assert_false(req("TIER @> slow"));
    assert_false(req("NOSUCH = 1"));
}

static void test_clusters(void **state)
{
    (void)state;
    assert_true(req("\"CLUSTERS/ID\" @> 100"));
    assert_true(req("\"CLUSTERS/ID\" @> 0"));
    assert_false(req("\"CLUSTERS/ID\" @> 101"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_template_first),
        cmocka_unit_test(test_clusters),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
