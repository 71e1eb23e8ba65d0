/*
 * test_generate.c: the rules oned writes itself (reference §5.5, §6.2,
 * §6.4) and the ones that go with a deleted subject (§5.6), checked against
 * their canonical strings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "acl/generate.h"
#include "acl/rule_text.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* oned.conf defaults (§6.1). */
static const nb_vdc_rights defaults = {
    .host = NB_OP_MANAGE, .net = NB_OP_USE, .datastore = NB_OP_USE,
    .cluster_host = NB_OP_MANAGE, .cluster_net = NB_OP_USE, .cluster_datastore = NB_OP_USE,
};

/* The rules generated for one entry are exactly `want`, in that order. */
static void assert_rules(enum nb_vdc_rtype t, int zone, int id, int gid, const nb_vdc_rights *rights,
                         const char *const *want, size_t nwant)
{
    nb_acl_rule out[3];
    size_t n = nb_acl_vdc_rules(t, zone, id, gid, rights, out);
    assert_int_equal(n, nwant);
    for (size_t i = 0; i < n; i++) {
        char buf[NB_ACL_STRING_MAX], *err = NULL;
        nb_acl_rule_format(&out[i], buf, sizeof(buf));
        assert_string_equal(buf, want[i]);
        if (nb_acl_rule_validate(&out[i], &err) != 0)
            fail_msg("%s: %s", buf, err);
        assert_int_equal(out[i].id, -1);
    }
}

/* VDC 0's "all clusters of zone 0" for group 1 are bootstrap rules 3-5, to
 * the word. */
static void test_default_vdc_is_bootstrap(void **state)
{
    static const nb_acl_rule bootstrap[] = {
        { 3, 0x200000001ULL, 0x2400000000ULL, 0x2, 0x100000000ULL },
        { 4, 0x200000001ULL, 0x4400000000ULL, 0x1, 0x100000000ULL },
        { 5, 0x200000001ULL, 0x100400000000ULL, 0x1, 0x100000000ULL },
    };
    static const char *const want[] = {
        "@1 HOST/* MANAGE #0", "@1 NET/* USE #0", "@1 DATASTORE/* USE #0",
    };
    nb_acl_rule out[3];
    assert_int_equal(nb_acl_vdc_rules(NB_VDC_CLUSTER, 0, NB_VDC_ALL, 1, &defaults, out), 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(out[i].user, bootstrap[i].user);
        assert_int_equal(out[i].resource, bootstrap[i].resource);
        assert_int_equal(out[i].rights, bootstrap[i].rights);
        assert_int_equal(out[i].zone, bootstrap[i].zone);
    }
    assert_rules(NB_VDC_CLUSTER, 0, NB_VDC_ALL, 1, &defaults, want, N(want));
}

static void test_addcluster(void **state)
{
    static const char *const c100[] = {
        "@101 HOST/%100 MANAGE #0", "@101 NET/%100 USE #0", "@101 DATASTORE/%100 USE #0",
    };
    assert_rules(NB_VDC_CLUSTER, 0, 100, 101, &defaults, c100, N(c100));

    /* The reference's hex words for the same rules (§5.2). */
    nb_acl_rule out[3];
    nb_acl_vdc_rules(NB_VDC_CLUSTER, 0, 100, 101, &defaults, out);
    assert_int_equal(out[0].user, 0x200000065ULL);
    assert_int_equal(out[0].resource, 0x2800000064ULL);
    assert_int_equal(out[1].resource, 0x4800000064ULL);
    assert_int_equal(out[2].resource, 0x100800000064ULL);
    assert_int_equal(out[2].zone, 0x100000000ULL);

    static const char *const other_zone[] = {
        "@7 HOST/%0 MANAGE #3", "@7 NET/%0 USE #3", "@7 DATASTORE/%0 USE #3",
    };
    assert_rules(NB_VDC_CLUSTER, 3, 0, 7, &defaults, other_zone, N(other_zone));
    static const char *const all_zone2[] = {
        "@7 HOST/* MANAGE #2", "@7 NET/* USE #2", "@7 DATASTORE/* USE #2",
    };
    assert_rules(NB_VDC_CLUSTER, 2, NB_VDC_ALL, 7, &defaults, all_zone2, N(all_zone2));
}

static void test_addhost_datastore_vnet(void **state)
{
    static const char *const host[] = { "@101 HOST/#5 MANAGE #0" };
    static const char *const host_all[] = { "@101 HOST/* MANAGE #0" };
    static const char *const ds[] = { "@101 DATASTORE/#2 USE #1" };
    static const char *const ds_all[] = { "@101 DATASTORE/* USE #1" };
    static const char *const net[] = { "@101 NET/#0 USE #0" };
    static const char *const net_all[] = { "@101 NET/* USE #0" };

    assert_rules(NB_VDC_HOST, 0, 5, 101, &defaults, host, 1);
    assert_rules(NB_VDC_HOST, 0, NB_VDC_ALL, 101, &defaults, host_all, 1);
    assert_rules(NB_VDC_DATASTORE, 1, 2, 101, &defaults, ds, 1);
    assert_rules(NB_VDC_DATASTORE, 1, NB_VDC_ALL, 101, &defaults, ds_all, 1);
    assert_rules(NB_VDC_VNET, 0, 0, 101, &defaults, net, 1);
    assert_rules(NB_VDC_VNET, 0, NB_VDC_ALL, 101, &defaults, net_all, 1);
}

/* Configured rights, and "" / "-" (0) meaning no rule at all. */
static void test_rights_from_config(void **state)
{
    static const nb_vdc_rights custom = {
        .host = NB_OP_USE | NB_OP_MANAGE, .net = 0, .datastore = NB_OP_USE | NB_OP_ADMIN,
        .cluster_host = NB_OP_USE | NB_OP_MANAGE, .cluster_net = 0, .cluster_datastore = NB_OP_USE,
    };
    static const char *const cluster[] = {
        "@101 HOST/%100 USE+MANAGE #0", "@101 DATASTORE/%100 USE #0",
    };
    static const char *const host[] = { "@101 HOST/#5 USE+MANAGE #0" };
    static const char *const ds[] = { "@101 DATASTORE/#5 USE+ADMIN #0" };

    assert_rules(NB_VDC_CLUSTER, 0, 100, 101, &custom, cluster, N(cluster));
    assert_rules(NB_VDC_HOST, 0, 5, 101, &custom, host, 1);
    assert_rules(NB_VDC_DATASTORE, 0, 5, 101, &custom, ds, 1);
    assert_rules(NB_VDC_VNET, 0, 5, 101, &custom, NULL, 0);

    static const nb_vdc_rights none = { 0 };
    for (int t = 0; t < NB_VDC_NRTYPES; t++)
        assert_rules((enum nb_vdc_rtype)t, 0, 5, 101, &none, NULL, 0);

    static const nb_vdc_rights only_net = { .cluster_net = NB_OP_USE };
    static const char *const net[] = { "@101 NET/%100 USE #0" };
    assert_rules(NB_VDC_CLUSTER, 0, 100, 101, &only_net, net, 1);
}

static void test_group_admin_rules(void **state)
{
    static const char *const want[] = {
        "#7 USER/@101 USE+MANAGE+ADMIN+CREATE *",
        "#7 VM+NET+IMAGE+TEMPLATE+DOCUMENT+SECGROUP+VROUTER+VMGROUP+BACKUPJOB/@101 USE+MANAGE *",
        "#7 VROUTER/* CREATE *",
        "#7 GROUP/#101 MANAGE *",
    };
    nb_acl_rule out[NB_ACL_GROUP_ADMIN_RULES];
    nb_acl_group_admin_rules(7, 101, out);
    for (size_t i = 0; i < NB_ACL_GROUP_ADMIN_RULES; i++) {
        char buf[NB_ACL_STRING_MAX], *err = NULL;
        nb_acl_rule_format(&out[i], buf, sizeof(buf));
        assert_string_equal(buf, want[i]);
        /* GROUP/#gid in every zone is allowed: groups are federated. */
        if (nb_acl_rule_validate(&out[i], &err) != 0)
            fail_msg("%s: %s", buf, err);
    }
    assert_int_equal(out[0].user, 0x100000007ULL);
    assert_int_equal(out[0].resource, 0x10200000065ULL);
    assert_int_equal(out[0].rights, 0xF);
    assert_int_equal(out[3].resource, 0x40100000065ULL);
    assert_int_equal(out[3].zone, 0x400000000ULL);
}

/* A user of group 101 is visible and manageable to its admin, VMs of the
 * group too, but not VM deploys (ADMIN) or group quotas. */
static void test_group_admin_effect(void **state)
{
    nb_acl_rule rules[NB_ACL_GROUP_ADMIN_RULES];
    nb_acl_group_admin_rules(7, 101, rules);
    nb_acl_sort(rules, N(rules));
    static const int g101[] = { 101 };
    static const nb_subject admin = { 7, 101, g101, 1 };
    nb_objref user = { NB_ACL_USER, 8, 8, 101, 0600, NULL, 0, 0 };
    nb_objref vm = { NB_ACL_VM, 3, 8, 101, 0600, NULL, 0, 0 };
    nb_objref group = { NB_ACL_GROUP_T, 101, 0, 101, 0640, NULL, 0, 0 };
    nb_objref vrouter = { NB_ACL_VROUTER, -1, 7, 101, 0, NULL, 0, 0 };

    assert_true(nb_acl_authorize(&admin, &user, NB_OP_ADMIN, false, rules, N(rules), 4));
    assert_true(nb_acl_authorize(&admin, &vm, NB_OP_MANAGE, false, rules, N(rules), 0));
    assert_false(nb_acl_authorize(&admin, &vm, NB_OP_ADMIN, false, rules, N(rules), 0));
    assert_true(nb_acl_authorize(&admin, &group, NB_OP_MANAGE, false, rules, N(rules), 0));
    assert_false(nb_acl_authorize(&admin, &group, NB_OP_ADMIN, false, rules, N(rules), 0));
    assert_true(nb_acl_authorize(&admin, &vrouter, NB_OP_CREATE, false, rules, N(rules), 0));
    vm.gid = 102;
    assert_false(nb_acl_authorize(&admin, &vm, NB_OP_USE, false, rules, N(rules), 0));
}

static nb_acl_rule parsed(const char *s)
{
    nb_acl_rule r;
    char *err = NULL;
    if (nb_acl_rule_parse(s, 0, &r, &err) != 0)
        fail_msg("%s: %s", s, err);
    return r;
}

static void test_names_user(void **state)
{
    nb_acl_rule r = parsed("#5 VM/* USE");
    assert_true(nb_acl_rule_names_user(&r, 5));
    assert_false(nb_acl_rule_names_user(&r, 6));
    r = parsed("@5 VM/* USE");
    assert_false(nb_acl_rule_names_user(&r, 5));
    r = parsed("* VM/* USE");
    assert_false(nb_acl_rule_names_user(&r, 0));
    r = parsed("#6 USER/#5 USE");           /* only the user word counts */
    assert_false(nb_acl_rule_names_user(&r, 5));
}

static void test_names_group(void **state)
{
    nb_acl_rule r = parsed("@101 VM/* USE");
    assert_true(nb_acl_rule_names_group(&r, 101));
    assert_false(nb_acl_rule_names_group(&r, 100));
    r = parsed("#7 VM+IMAGE/@101 USE *");
    assert_true(nb_acl_rule_names_group(&r, 101));
    r = parsed("#101 VM/#101 USE");
    assert_false(nb_acl_rule_names_group(&r, 101));
    r = parsed("#7 GROUP/#101 MANAGE *");   /* a group-admin rule: by object, not group */
    assert_false(nb_acl_rule_names_group(&r, 101));
    r = parsed("@1 NET/%101 USE");
    assert_false(nb_acl_rule_names_group(&r, 101));
    r = parsed("* VM/* USE");
    assert_false(nb_acl_rule_names_group(&r, 0));
}

static void test_names_cluster(void **state)
{
    nb_acl_rule r = parsed("@101 HOST/%100 MANAGE");
    assert_true(nb_acl_rule_names_cluster(&r, 100));
    assert_false(nb_acl_rule_names_cluster(&r, 101));
    r = parsed("@100 HOST/#100 MANAGE");
    assert_false(nb_acl_rule_names_cluster(&r, 100));
    r = parsed("@1 CLUSTER/#100 ADMIN");    /* the cluster object itself: see names_object */
    assert_false(nb_acl_rule_names_cluster(&r, 100));
}

static void test_names_zone(void **state)
{
    nb_acl_rule r = parsed("@1 HOST/* MANAGE #3");
    assert_true(nb_acl_rule_names_zone(&r, 3));
    assert_false(nb_acl_rule_names_zone(&r, 0));
    r = parsed("* ZONE/* USE *");
    assert_false(nb_acl_rule_names_zone(&r, 0));
    r = parsed("* ZONE/#3 USE *");
    assert_false(nb_acl_rule_names_zone(&r, 3));
}

static void test_names_object(void **state)
{
    nb_acl_rule r = parsed("@101 HOST/#5 MANAGE");
    assert_true(nb_acl_rule_names_object(&r, NB_ACL_HOST, 5));
    assert_false(nb_acl_rule_names_object(&r, NB_ACL_HOST, 6));
    assert_false(nb_acl_rule_names_object(&r, NB_ACL_NET, 5));
    r = parsed("@101 HOST+NET/#5 MANAGE");  /* not of that single type */
    assert_false(nb_acl_rule_names_object(&r, NB_ACL_HOST, 5));
    r = parsed("@101 HOST/%5 MANAGE");
    assert_false(nb_acl_rule_names_object(&r, NB_ACL_HOST, 5));
    r = parsed("@101 HOST/* MANAGE");
    assert_false(nb_acl_rule_names_object(&r, NB_ACL_HOST, 0));
    r = parsed("#7 GROUP/#101 MANAGE *");
    assert_true(nb_acl_rule_names_object(&r, NB_ACL_GROUP_T, 101));
    r = parsed("@1 CLUSTER/#100 ADMIN");
    assert_true(nb_acl_rule_names_object(&r, NB_ACL_CLUSTER_T, 100));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_vdc_is_bootstrap),
        cmocka_unit_test(test_addcluster),
        cmocka_unit_test(test_addhost_datastore_vnet),
        cmocka_unit_test(test_rights_from_config),
        cmocka_unit_test(test_group_admin_rules),
        cmocka_unit_test(test_group_admin_effect),
        cmocka_unit_test(test_names_user),
        cmocka_unit_test(test_names_group),
        cmocka_unit_test(test_names_cluster),
        cmocka_unit_test(test_names_zone),
        cmocka_unit_test(test_names_object),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
