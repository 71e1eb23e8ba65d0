/*
 * test_tenancy.c: generated ACL rules on a bootstrapped model (reference
 * §5.5-§6.4): the sources that own them, reference counting across VDCs and
 * group admins, the rules removed with a deleted subject (§5.6), the gate's
 * sorted rule array, and that all of it survives a reload from the store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/util.h"
#include "acl/generate.h"
#include "acl/rule_text.h"
#include "oned/acl_pool.h"
#include "oned/group.h"
#include "oned/host.h"
#include "oned/model.h"
#include "oned/password.h"
#include "oned/tenancy.h"
#include "oned/txn.h"
#include "oned/user.h"
#include "oned/vdc.h"
#include "tests/unit/oned/model_fixture.h"

typedef nb_test_model fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    char *err = NULL;
    char *hash = nb_password_hash("pw", 1);
    nb_txn *t;

    if (nb_test_model_init(f, "tenancy") < 0)
        return -1;
    t = nb_txn_begin(&f->model);
    nb_txn_insert(t, nb_group_new(100, "g100"));
    nb_txn_insert(t, nb_group_new(101, "g101"));
    nb_object *u = nb_user_new(2, "alice", 100, "core", hash);
    nb_ids_add(&nb_user_of(u)->groups, &nb_user_of(u)->ngroups, 101);
    nb_txn_insert(t, u);
    nb_txn_insert(t, nb_host_new(0, "h0", "kvm", "kvm", 0));
    nb_txn_insert(t, nb_vdc_new(100, "a"));
    nb_txn_insert(t, nb_vdc_new(101, "b"));
    free(hash);
    if (nb_txn_commit(t, &err) < 0) {
        print_error("fixture: %s\n", err);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    nb_test_model_fini(f);
    free(f);
    return 0;
}

static nb_acl_rule rule(const char *s)
{
    nb_acl_rule r;
    char *err = NULL;
    if (nb_acl_rule_parse(s, 0, &r, &err) < 0)
        fail_msg("%s: %s", s, err);
    return r;
}

/* The published rule with that string, or NULL. */
static const nb_acl_obj *published(fx *f, const char *s)
{
    nb_acl_rule r = rule(s);
    const nb_pool *p = nb_model_cpool(&f->model, &nb_acl_kind);
    for (size_t i = 0; i < p->n; i++) {
        const nb_acl_obj *a = (const nb_acl_obj *)p->objs[i];
        if (a->rule.user == r.user && a->rule.resource == r.resource &&
            a->rule.rights == r.rights && a->rule.zone == r.zone)
            return a;
    }
    return NULL;
}

static void commit(nb_txn *t)
{
    char *err = NULL;
    if (nb_txn_commit(t, &err) < 0)
        fail_msg("commit: %s", err);
}

/* The gate's array holds exactly the pool's rules, in index order. */
static void assert_index(fx *f)
{
    const nb_model *m = &f->model;
    const nb_pool *p = nb_model_cpool(m, &nb_acl_kind);
    assert_int_equal(m->nacl, p->n);
    for (size_t i = 0; i + 1 < m->nacl; i++)
        assert_true(nb_acl_rule_cmp(&m->acl[i], &m->acl[i + 1]) < 0);
    for (size_t i = 0; i < m->nacl; i++)
        assert_non_null(nb_pool_get(p, m->acl[i].id));
}

static const nb_vdc *vdc(fx *f, int id)
{
    return nb_vdc_cof(nb_pool_get(nb_model_cpool(&f->model, &nb_vdc_kind), id));
}

static void test_bootstrap_sources(void **state)
{
    fx *f = *state;
    const nb_acl_obj *a = published(f, "@1 HOST/* MANAGE #0");

    assert_non_null(a);
    assert_int_equal(a->o.oid, 3);
    assert_int_equal(a->nrefs, 1);
    assert_string_equal(a->refs[0], "vdc:0");
    a = published(f, "* ZONE/* USE *");
    assert_int_equal(a->nrefs, 1);
    assert_string_equal(a->refs[0], NB_ACL_SOURCE_STAFF);
    assert_index(f);

    /* Taking group 1 out of VDC 0 drops rules 3-5 and only them. */
    nb_txn *t = nb_txn_begin(&f->model);
    nb_tenancy_vdc_group(t, vdc(f, 0), 1, false);
    commit(t);
    assert_null(published(f, "@1 HOST/* MANAGE #0"));
    assert_null(published(f, "@1 NET/* USE #0"));
    assert_null(published(f, "@1 DATASTORE/* USE #0"));
    assert_non_null(published(f, "* ZONE/* USE *"));
    assert_int_equal(f->model.nacl, 3);
    assert_index(f);
}

static void add_entry(nb_txn *t, int vid, enum nb_vdc_rtype type, int id)
{
    nb_vdc *v = nb_vdc_of(nb_txn_edit(t, nb_txn_get(t, &nb_vdc_kind, vid)));
    nb_vdc_entry_add(v, type, 0, id);
    nb_tenancy_vdc_entry(t, v, type, 0, id, true);
}

static void test_refcount_across_vdcs(void **state)
{
    fx *f = *state;
    nb_txn *t = nb_txn_begin(&f->model);

    /* Group 100 in VDCs 100 and 101, both holding cluster 0. */
    assert_true(nb_tenancy_vdc_add_group(t, nb_txn_get(t, &nb_vdc_kind, 100), 100));
    assert_true(nb_tenancy_vdc_add_group(t, nb_txn_get(t, &nb_vdc_kind, 101), 100));
    assert_false(nb_tenancy_vdc_add_group(t, nb_txn_get(t, &nb_vdc_kind, 101), 100));
    add_entry(t, 100, NB_VDC_CLUSTER, 0);
    add_entry(t, 101, NB_VDC_CLUSTER, 0);
    commit(t);
    const nb_acl_obj *a = published(f, "@100 HOST/%0 MANAGE #0");
    assert_non_null(a);
    assert_int_equal(a->nrefs, 2);
    assert_non_null(published(f, "@100 NET/%0 USE #0"));
    assert_non_null(published(f, "@100 DATASTORE/%0 USE #0"));

    /* OpenNebula would drop the shared rule here; it must stay. */
    t = nb_txn_begin(&f->model);
    nb_vdc *v = nb_vdc_of(nb_txn_edit(t, nb_txn_get(t, &nb_vdc_kind, 100)));
    nb_tenancy_vdc_group(t, v, 100, false);
    nb_ids_del(&v->groups, &v->ngroups, 100);
    commit(t);
    a = published(f, "@100 HOST/%0 MANAGE #0");
    assert_non_null(a);
    assert_int_equal(a->nrefs, 1);
    assert_string_equal(a->refs[0], "vdc:101");

    t = nb_txn_begin(&f->model);
    v = nb_vdc_of(nb_txn_edit(t, nb_txn_get(t, &nb_vdc_kind, 101)));
    nb_tenancy_vdc_entry(t, v, NB_VDC_CLUSTER, 0, 0, false);
    nb_vdc_entry_del(v, NB_VDC_CLUSTER, 0);
    commit(t);
    assert_null(published(f, "@100 HOST/%0 MANAGE #0"));
    assert_null(published(f, "@100 NET/%0 USE #0"));
    assert_index(f);
}

static void test_staff_rule_survives_revoke(void **state)
{
    fx *f = *state;
    nb_acl_rule r = rule("@101 HOST/#0 MANAGE #0");
    nb_txn *t = nb_txn_begin(&f->model);

    nb_acl_insert(t, &r, NULL);
    commit(t);
    t = nb_txn_begin(&f->model);
    assert_true(nb_tenancy_vdc_add_group(t, nb_txn_get(t, &nb_vdc_kind, 100), 101));
    add_entry(t, 100, NB_VDC_HOST, 0);
    commit(t);
    assert_int_equal(published(f, "@101 HOST/#0 MANAGE #0")->nrefs, 2);

    t = nb_txn_begin(&f->model);
    nb_tenancy_vdc_entry(t, vdc(f, 100), NB_VDC_HOST, 0, 0, false);
    commit(t);
    const nb_acl_obj *a = published(f, "@101 HOST/#0 MANAGE #0");
    assert_non_null(a);
    assert_int_equal(a->nrefs, 1);
    assert_string_equal(a->refs[0], NB_ACL_SOURCE_STAFF);
}

static void test_group_admin_shared_rule(void **state)
{
    fx *f = *state;
    nb_txn *t = nb_txn_begin(&f->model);

    /* alice (2) administers both of her groups: the VROUTER CREATE rule is
     * the same for both, the others name the group. */
    nb_tenancy_group_admin(t, 100, 2, true);
    nb_tenancy_group_admin(t, 101, 2, true);
    commit(t);
    assert_non_null(published(f, "#2 USER/@100 USE+MANAGE+ADMIN+CREATE *"));
    assert_non_null(published(f, "#2 GROUP/#101 MANAGE *"));
    assert_int_equal(published(f, "#2 VROUTER/* CREATE *")->nrefs, 2);

    t = nb_txn_begin(&f->model);
    nb_tenancy_group_admin(t, 100, 2, false);
    commit(t);
    assert_null(published(f, "#2 USER/@100 USE+MANAGE+ADMIN+CREATE *"));
    assert_null(published(f, "#2 GROUP/#100 MANAGE *"));
    assert_non_null(published(f, "#2 VROUTER/* CREATE *"));
    assert_non_null(published(f, "#2 GROUP/#101 MANAGE *"));
    assert_index(f);
}

static void test_user_deleted(void **state)
{
    fx *f = *state;
    nb_acl_rule staff = rule("#2 HOST/* USE #0");
    nb_txn *t = nb_txn_begin(&f->model);
    nb_group *g = nb_group_of(nb_txn_edit(t, nb_txn_get(t, &nb_group_kind, 101)));

    nb_ids_add(&g->admins, &g->nadmins, 2);
    nb_tenancy_group_admin(t, 101, 2, true);
    nb_acl_insert(t, &staff, NULL);
    commit(t);

    t = nb_txn_begin(&f->model);
    nb_tenancy_user_deleted(t, 2);
    nb_txn_delete(t, nb_txn_get(t, &nb_user_kind, 2));
    commit(t);
    assert_null(published(f, "#2 HOST/* USE #0"));
    assert_null(published(f, "#2 VROUTER/* CREATE *"));
    assert_null(published(f, "#2 GROUP/#101 MANAGE *"));
    const nb_group *pg = nb_group_cof(nb_pool_get(nb_model_cpool(&f->model, &nb_group_kind), 101));
    assert_int_equal(pg->nadmins, 0);
    assert_index(f);
}

static void test_group_deleted(void **state)
{
    fx *f = *state;
    nb_acl_rule own = rule("#2 VM/@101 USE #0");
    nb_txn *t = nb_txn_begin(&f->model);

    assert_true(nb_tenancy_vdc_add_group(t, nb_txn_get(t, &nb_vdc_kind, 0), 101));
    nb_acl_insert(t, &own, NULL);
    commit(t);
    assert_non_null(published(f, "@101 HOST/* MANAGE #0"));

    t = nb_txn_begin(&f->model);
    nb_tenancy_group_deleted(t, 101);
    commit(t);
    assert_null(published(f, "@101 HOST/* MANAGE #0"));
    assert_null(published(f, "#2 VM/@101 USE #0"));
    assert_false(nb_ids_has(vdc(f, 0)->groups, vdc(f, 0)->ngroups, 101));
    assert_non_null(published(f, "@1 HOST/* MANAGE #0"));
    assert_index(f);
}

static void test_resource_deleted(void **state)
{
    fx *f = *state;
    nb_acl_rule cl = rule("@100 HOST/%7 USE #0");
    nb_txn *t = nb_txn_begin(&f->model);

    assert_true(nb_tenancy_vdc_add_group(t, nb_txn_get(t, &nb_vdc_kind, 100), 100));
    add_entry(t, 100, NB_VDC_HOST, 0);
    add_entry(t, 100, NB_VDC_CLUSTER, 7);
    nb_acl_insert(t, &cl, NULL);
    commit(t);
    assert_non_null(published(f, "@100 HOST/#0 MANAGE #0"));

    t = nb_txn_begin(&f->model);
    nb_tenancy_resource_deleted(t, NB_VDC_HOST, 0);
    nb_tenancy_resource_deleted(t, NB_VDC_CLUSTER, 7);
    commit(t);
    assert_null(published(f, "@100 HOST/#0 MANAGE #0"));
    assert_null(published(f, "@100 HOST/%7 MANAGE #0"));
    assert_null(published(f, "@100 HOST/%7 USE #0"));
    assert_int_equal(nb_vdc_find(vdc(f, 100), NB_VDC_HOST, 0, 0), -1);
    assert_int_equal(nb_vdc_find(vdc(f, 100), NB_VDC_CLUSTER, 0, 7), -1);
    assert_index(f);
}

/* Sources are stored: after a restart a revoke still finds its reference. */
static void test_sources_survive_reload(void **state)
{
    fx *f = *state;
    char *err = NULL;
    nb_txn *t = nb_txn_begin(&f->model);

    assert_true(nb_tenancy_vdc_add_group(t, nb_txn_get(t, &nb_vdc_kind, 100), 100));
    add_entry(t, 100, NB_VDC_DATASTORE, 1);
    commit(t);
    nb_model_close(&f->model);
    if (nb_model_open(&f->model, &f->store, &f->cfg, &err) < 0)
        fail_msg("reopen: %s", err);
    const nb_acl_obj *a = published(f, "@100 DATASTORE/#1 USE #0");
    assert_non_null(a);
    assert_int_equal(a->nrefs, 1);
    assert_string_equal(a->refs[0], "vdc:100");
    assert_index(f);

    t = nb_txn_begin(&f->model);
    nb_tenancy_vdc_entry(t, vdc(f, 100), NB_VDC_DATASTORE, 0, 1, false);
    commit(t);
    assert_null(published(f, "@100 DATASTORE/#1 USE #0"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bootstrap_sources, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refcount_across_vdcs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_staff_rule_survives_revoke, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_admin_shared_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_deleted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_deleted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resource_deleted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sources_survive_reload, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
