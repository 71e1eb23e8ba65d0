/*
 * test_view.c: list filtering by reverse search (reference §5.4).  A view
 * must answer exactly what nb_acl_authorize(USE, lock-exempt) answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "acl/view.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define ZONE0 (NB_ACL_INDIVIDUAL | 0)
#define ZONE1 (NB_ACL_INDIVIDUAL | 1)

static const int G_100[] = { 100 };
static const int G_1_100[] = { 1, 100 };
static const int G_0[] = { 0 };
/* uid 5, group 100. */
static const nb_subject alice = { 5, 100, G_100, 1 };
/* uid 6, groups 1 and 100. */
static const nb_subject bob = { 6, 1, G_1_100, 2 };
static const nb_subject oneadmin = { 0, 0, G_0, 1 };

static nb_objref obj(uint64_t type, int oid, int uid, int gid, nb_perms perms)
{
    nb_objref r = { type, oid, uid, gid, perms, NULL, 0, 0 };
    return r;
}

static nb_acl_rule rule(uint64_t user, uint64_t resource, uint64_t rights, uint64_t zone)
{
    nb_acl_rule r = { 0, user, resource, rights, zone };
    return r;
}

/* The view and authorize agree on o; returns the answer. */
static bool sees(const nb_acl_view *v, const nb_objref *o, const nb_acl_rule *rules, size_t n,
                 int zone)
{
    bool got = nb_acl_view_allows(v, o);
    bool want = nb_acl_authorize(v->subj, o, v->op, true, rules, n, zone);
    if (got != want)
        fail_msg("view says %d, authorize %d (oid %d uid %d gid %d)", got, want, o->oid, o->uid,
                 o->gid);
    return got;
}

static void test_hand_cases(void **state)
{
    nb_acl_rule rules[] = {
        rule(NB_ACL_GROUP | 100, NB_ACL_VM | NB_ACL_INDIVIDUAL | 7, NB_OP_USE, ZONE0),
        rule(NB_ACL_GROUP | 100, NB_ACL_VM | NB_ACL_INDIVIDUAL | 3, NB_OP_USE | NB_OP_MANAGE, ZONE0),
        rule(NB_ACL_INDIVIDUAL | 5, NB_ACL_VM | NB_ACL_GROUP | 200, NB_OP_USE, NB_ACL_ALL),
        rule(NB_ACL_ALL, NB_ACL_VM | NB_ACL_NET | NB_ACL_CLUSTER | 9, NB_OP_USE, ZONE0),
        /* Not visibility: MANAGE only, CREATE only, other zone, other type,
         * other user. */
        rule(NB_ACL_INDIVIDUAL | 5, NB_ACL_VM | NB_ACL_INDIVIDUAL | 20, NB_OP_MANAGE, ZONE0),
        rule(NB_ACL_INDIVIDUAL | 5, NB_ACL_VM | NB_ACL_ALL, NB_OP_CREATE, ZONE0),
        rule(NB_ACL_INDIVIDUAL | 5, NB_ACL_VM | NB_ACL_INDIVIDUAL | 21, NB_OP_USE, ZONE1),
        rule(NB_ACL_INDIVIDUAL | 5, NB_ACL_IMAGE | NB_ACL_INDIVIDUAL | 22, NB_OP_USE, ZONE0),
        rule(NB_ACL_INDIVIDUAL | 6, NB_ACL_VM | NB_ACL_INDIVIDUAL | 23, NB_OP_USE, ZONE0),
        rule(NB_ACL_GROUP | 1, NB_ACL_VM | NB_ACL_ALL, NB_OP_USE, ZONE0),
    };
    size_t n = N(rules);
    static const int in9[] = { 4, 9 };
    nb_acl_view v;

    nb_acl_sort(rules, n);
    nb_acl_view_build(&v, &alice, NB_ACL_VM, rules, n, 0);
    assert_false(v.everything);
    assert_int_equal(v.noids, 2);
    assert_int_equal(v.oids[0], 3);
    assert_int_equal(v.oids[1], 7);
    assert_int_equal(v.ngids, 1);
    assert_int_equal(v.gids[0], 200);
    assert_int_equal(v.ncids, 1);
    assert_int_equal(v.cids[0], 9);

    nb_objref vm = obj(NB_ACL_VM, 7, 42, 300, 0);
    assert_true(sees(&v, &vm, rules, n, 0));
    vm.oid = 3;
    assert_true(sees(&v, &vm, rules, n, 0));
    for (int oid = 20; oid <= 23; oid++) {
        vm.oid = oid;
        assert_false(sees(&v, &vm, rules, n, 0));
    }
    vm.gid = 200;
    assert_true(sees(&v, &vm, rules, n, 0));
    vm.gid = 300;
    vm.cids = in9;
    vm.ncids = 2;
    assert_true(sees(&v, &vm, rules, n, 0));
    vm.ncids = 1;
    assert_false(sees(&v, &vm, rules, n, 0));
    /* Ownership bits: owner, group, other USE; MANAGE alone is not seeing. */
    nb_objref own = obj(NB_ACL_VM, 50, 5, 300, 0400);
    assert_true(sees(&v, &own, rules, n, 0));
    own.perms = 0200;
    assert_false(sees(&v, &own, rules, n, 0));
    nb_objref grp = obj(NB_ACL_VM, 51, 42, 100, 0040);
    assert_true(sees(&v, &grp, rules, n, 0));
    nb_objref oth = obj(NB_ACL_VM, 52, 42, 300, 0004);
    assert_true(sees(&v, &oth, rules, n, 0));
    /* Locks do not hide objects. */
    oth.lock = 1;
    assert_true(sees(&v, &oth, rules, n, 0));
    nb_acl_view_free(&v);

    /* Bob's group 1 sees every VM in zone 0 only. */
    nb_acl_view_build(&v, &bob, NB_ACL_VM, rules, n, 0);
    assert_true(v.everything);
    assert_true(sees(&v, &vm, rules, n, 0));
    nb_acl_view_free(&v);
    nb_acl_view_build(&v, &bob, NB_ACL_VM, rules, n, 1);
    assert_false(v.everything);
    assert_false(sees(&v, &vm, rules, n, 1));
    nb_acl_view_free(&v);

    /* The NET half of the multi-type cluster rule. */
    nb_acl_view_build(&v, &bob, NB_ACL_NET, rules, n, 0);
    assert_false(v.everything);
    assert_int_equal(v.ncids, 1);
    nb_objref net = obj(NB_ACL_NET, 1, 42, 300, 0);
    net.cids = in9;
    net.ncids = 2;
    assert_true(sees(&v, &net, rules, n, 0));
    nb_acl_view_free(&v);
}

static void test_admin_sees_everything(void **state)
{
    nb_acl_view v;
    nb_acl_view_build(&v, &oneadmin, NB_ACL_HOST, NULL, 0, 0);
    assert_true(v.everything);
    assert_int_equal(v.noids + v.ngids + v.ncids, 0);
    nb_objref host = obj(NB_ACL_HOST, 3, -1, -1, 0);
    host.lock = 1;
    assert_true(sees(&v, &host, NULL, 0, 0));
    nb_acl_view_free(&v);
    assert_null(v.oids);
    assert_false(v.everything);

    /* Without rules a plain user sees only through ownership bits. */
    nb_acl_view_build(&v, &alice, NB_ACL_HOST, NULL, 0, 0);
    assert_false(v.everything);
    assert_false(sees(&v, &host, NULL, 0, 0));
    nb_acl_view_free(&v);
}

/* Duplicated grants collapse; a rule on all (*) images makes the id sets moot. */
static void test_dedup_and_everything(void **state)
{
    nb_acl_rule rules[] = {
        rule(NB_ACL_GROUP | 1, NB_ACL_IMAGE | NB_ACL_INDIVIDUAL | 4, NB_OP_USE, ZONE0),
        rule(NB_ACL_GROUP | 100, NB_ACL_IMAGE | NB_ACL_INDIVIDUAL | 4, NB_OP_USE, ZONE0),
        rule(NB_ACL_INDIVIDUAL | 6, NB_ACL_IMAGE | NB_ACL_INDIVIDUAL | 4, NB_OP_USE, NB_ACL_ALL),
        rule(NB_ACL_INDIVIDUAL | 6, NB_ACL_IMAGE | NB_ACL_INDIVIDUAL | 2, NB_OP_USE, NB_ACL_ALL),
    };
    nb_acl_view v;
    nb_acl_sort(rules, N(rules));
    nb_acl_view_build(&v, &bob, NB_ACL_IMAGE, rules, N(rules), 0);
    assert_int_equal(v.noids, 2);
    assert_int_equal(v.oids[0], 2);
    assert_int_equal(v.oids[1], 4);
    nb_acl_view_free(&v);

    nb_acl_rule more[N(rules) + 1];
    for (size_t i = 0; i < N(rules); i++)
        more[i] = rules[i];
    more[N(rules)] = rule(NB_ACL_ALL, NB_ACL_IMAGE | NB_ACL_ALL, NB_OP_USE, ZONE0);
    nb_acl_sort(more, N(more));
    nb_acl_view_build(&v, &bob, NB_ACL_IMAGE, more, N(more), 0);
    assert_true(v.everything);
    assert_int_equal(v.noids, 0);
    nb_acl_view_free(&v);
}

/* splitmix64 with a fixed seed: failures are reproducible. */
static uint64_t rnd_state = 99;
static uint64_t rnd(void)
{
    uint64_t z = (rnd_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static int rnd_below(int n)
{
    return (int)(rnd() % (uint64_t)n);
}

/* -1 .. 6: small ranges so that rules meet objects often. */
static int rnd_id(void)
{
    return rnd_below(8) - 1;
}

static const uint64_t types[] = { NB_ACL_VM, NB_ACL_HOST, NB_ACL_NET, NB_ACL_IMAGE };

static nb_acl_rule rnd_rule(void)
{
    static const uint64_t user_sels[] = { NB_ACL_ALL, NB_ACL_INDIVIDUAL, NB_ACL_GROUP };
    static const uint64_t res_sels[] = { NB_ACL_ALL, NB_ACL_INDIVIDUAL, NB_ACL_GROUP, NB_ACL_CLUSTER,
                                         NB_ACL_INDIVIDUAL | NB_ACL_GROUP };
    static const uint64_t zones[] = { NB_ACL_ALL, ZONE0, ZONE1 };
    uint64_t us = user_sels[rnd_below(N(user_sels))], rs = res_sels[rnd_below(N(res_sels))];
    uint64_t t = types[rnd_below(N(types))] | (rnd_below(3) ? 0 : types[rnd_below(N(types))]);
    return rule(us | (us == NB_ACL_ALL ? 0 : (uint32_t)rnd_id()),
                t | rs | (rs == NB_ACL_ALL ? 0 : (uint32_t)rnd_id()),
                (uint64_t)rnd_below(16), zones[rnd_below(N(zones))]);
}

static void test_view_matches_authorize(void **state)
{
    nb_acl_rule rules[60];
    unsigned seen = 0, total = 0, everything = 0;

    for (int set = 0; set < 3000; set++) {
        size_t n = (size_t)rnd_below((int)N(rules) + 1);
        for (size_t i = 0; i < n; i++) {
            rules[i] = rnd_rule();
            rules[i].id = (int)i;
        }
        nb_acl_sort(rules, n);

        int groups[3];
        nb_subject s = { rnd_id(), 0, groups, 1 + (size_t)rnd_below(3) };
        for (size_t i = 0; i < s.ngroups; i++)
            groups[i] = rnd_below(20) ? 1 + rnd_below(6) : rnd_id();   /* rarely an admin */
        s.gid = groups[0];
        uint64_t type = types[rnd_below(N(types))];
        int zone = rnd_below(2);

        /* USE as listings ask, MANAGE as the scheduler asks of hosts. */
        static const enum nb_op ops[] = { NB_OP_USE, NB_OP_MANAGE, NB_OP_ADMIN };
        nb_acl_view v;
        nb_acl_view_build_op(&v, &s, type, ops[rnd_below(N(ops))], rules, n, zone);
        everything += v.everything;
        for (int q = 0; q < 40; q++) {
            int cids[3];
            nb_objref o = obj(type, rnd_id(), rnd_id(), rnd_id(),
                              rnd_below(4) ? 0 : (nb_perms)rnd_below(01000));
            o.ncids = (size_t)rnd_below(4);
            for (size_t i = 0; i < o.ncids; i++)
                cids[i] = rnd_id();
            o.cids = cids;
            o.lock = rnd_below(4);
            seen += sees(&v, &o, rules, n, zone);
            total++;
        }
        nb_acl_view_free(&v);
    }
    /* Both answers, and both kinds of view, must be common for the
     * comparison to mean anything. */
    assert_true(seen > total / 10 && seen < total * 9 / 10);
    assert_true(everything > 100 && everything < 2900);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_cases),
        cmocka_unit_test(test_admin_sees_everything),
        cmocka_unit_test(test_dedup_and_everything),
        cmocka_unit_test(test_view_matches_authorize),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
