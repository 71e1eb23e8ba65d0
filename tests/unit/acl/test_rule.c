/*
 * test_rule.c: the authorization algorithm (reference §4.2, §5.1-5.3, §5.5):
 * ownership bits as implicit rules, stored rules with every selector, zones,
 * non-hierarchical rights, CREATE, admins and locks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "acl/rule.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const int G_100[] = { 100 };
static const int G_1_100[] = { 1, 100 };
static const int G_1[] = { 1 };
static const int G_101[] = { 101 };
static const int G_0[] = { 0 };
static const int G_1_0[] = { 0, 1 };

/* uid 5, primary group 100. */
static const nb_subject alice = { 5, 100, G_100, 1 };
/* uid 6, primary group 1, secondary 100. */
static const nb_subject bob = { 6, 1, G_1_100, 2 };
/* uid 7, only group 1. */
static const nb_subject carol = { 7, 1, G_1, 1 };
/* uid 8, group 101. */
static const nb_subject dave = { 8, 101, G_101, 1 };
static const nb_subject oneadmin = { 0, 0, G_0, 1 };
/* uid 9, secondary member of the oneadmin group. */
static const nb_subject admin9 = { 9, 1, G_1_0, 2 };

static nb_objref obj(uint64_t type, int oid, int uid, int gid, nb_perms perms)
{
    nb_objref r = { type, oid, uid, gid, perms, NULL, 0, 0 };
    return r;
}

/* The object a CREATE check is made on: no id, owned by the caller. */
static nb_objref would_be(uint64_t type, const nb_subject *s)
{
    return obj(type, -1, s->uid, s->gid, 0);
}

static bool can(const nb_subject *s, const nb_objref *o, enum nb_op op)
{
    return nb_acl_authorize(s, o, op, false, NULL, 0, 0);
}

/* Authorize against rules given in any order (authorize wants them sorted). */
static bool can_r(const nb_subject *s, const nb_objref *o, enum nb_op op,
                  const nb_acl_rule *rules, size_t n, int zone)
{
    nb_acl_rule sorted[16];
    assert_true(n <= N(sorted));
    memcpy(sorted, rules, n * sizeof(*rules));
    nb_acl_sort(sorted, n);
    return nb_acl_authorize(s, o, op, false, sorted, n, zone);
}

static nb_acl_rule rule(uint64_t user, uint64_t resource, uint64_t rights, uint64_t zone)
{
    nb_acl_rule r = { 0, user, resource, rights, zone };
    return r;
}

#define ZONE0 (NB_ACL_INDIVIDUAL | 0)
#define ZONE1 (NB_ACL_INDIVIDUAL | 1)

/* ---- ownership bits (§4.2) ----------------------------------------------- */

static void test_owner_bits(void **state)
{
    nb_objref vm = obj(NB_ACL_VM, 10, 5, 200, 0600);    /* um- --- --- */
    assert_true(can(&alice, &vm, NB_OP_USE));
    assert_true(can(&alice, &vm, NB_OP_MANAGE));
    assert_false(can(&alice, &vm, NB_OP_ADMIN));
    assert_false(can(&bob, &vm, NB_OP_USE));             /* not the owner */

    vm.perms = 0100;                                     /* --a --- --- */
    assert_true(can(&alice, &vm, NB_OP_ADMIN));
    /* Not hierarchical: ADMIN alone gives neither MANAGE nor USE. */
    assert_false(can(&alice, &vm, NB_OP_MANAGE));
    assert_false(can(&alice, &vm, NB_OP_USE));

    vm.perms = 0200;                                     /* -m- --- --- */
    assert_true(can(&alice, &vm, NB_OP_MANAGE));
    assert_false(can(&alice, &vm, NB_OP_USE));

    vm.perms = 0;
    assert_false(can(&alice, &vm, NB_OP_USE));
    assert_false(can(&alice, &vm, NB_OP_MANAGE));
    assert_false(can(&alice, &vm, NB_OP_ADMIN));
}

static void test_group_bits(void **state)
{
    nb_objref img = obj(NB_ACL_IMAGE, 3, 42, 100, 0040);     /* --- u-- --- */

    assert_true(can(&alice, &img, NB_OP_USE));       /* 100 is her primary group */
    assert_true(can(&bob, &img, NB_OP_USE));         /* 100 is one of his secondary groups */
    assert_false(can(&carol, &img, NB_OP_USE));
    assert_false(can(&dave, &img, NB_OP_USE));
    assert_false(can(&alice, &img, NB_OP_MANAGE));
    assert_false(can(&alice, &img, NB_OP_ADMIN));

    img.perms = 0010;                                 /* --- --a --- */
    assert_true(can(&bob, &img, NB_OP_ADMIN));
    assert_false(can(&bob, &img, NB_OP_USE));
    assert_false(can(&bob, &img, NB_OP_MANAGE));

    img.perms = 0020;
    assert_true(can(&bob, &img, NB_OP_MANAGE));
    assert_false(can(&carol, &img, NB_OP_MANAGE));

    /* An EGID-scoped session of bob acts with group 1 only. */
    static const nb_subject bob_scoped = { 6, 1, G_1, 1 };
    img.perms = 0040;
    assert_false(can(&bob_scoped, &img, NB_OP_USE));

    /* Group bits of an object without a group apply to nobody. */
    nb_objref nogroup = obj(NB_ACL_IMAGE, 3, 42, -1, 0070);
    static const int G_neg[] = { -1 };
    static const nb_subject weird = { 11, -1, G_neg, 1 };
    assert_false(can(&weird, &nogroup, NB_OP_USE));
}

static void test_other_bits(void **state)
{
    nb_objref t = obj(NB_ACL_TEMPLATE, 4, 42, 200, 0004);    /* --- --- u-- */
    assert_true(can(&alice, &t, NB_OP_USE));
    assert_true(can(&carol, &t, NB_OP_USE));
    assert_false(can(&carol, &t, NB_OP_MANAGE));

    t.perms = 0002;
    assert_true(can(&carol, &t, NB_OP_MANAGE));
    assert_false(can(&carol, &t, NB_OP_USE));
    assert_false(can(&carol, &t, NB_OP_ADMIN));

    t.perms = 0001;
    assert_true(can(&carol, &t, NB_OP_ADMIN));
    assert_false(can(&carol, &t, NB_OP_USE));
    assert_false(can(&carol, &t, NB_OP_MANAGE));

    /* Owner bits do not restrict other bits (they are separate rules). */
    t.perms = 0004;
    t.uid = carol.uid;
    assert_true(can(&carol, &t, NB_OP_USE));
}

static void test_combined_rights_need_every_bit(void **state)
{
    enum nb_op use_manage = (enum nb_op)(NB_OP_USE | NB_OP_MANAGE);
    nb_objref vm = obj(NB_ACL_VM, 10, 5, 100, 0600);
    assert_true(can(&alice, &vm, use_manage));
    vm.perms = 0400;
    assert_false(can(&alice, &vm, use_manage));
    /* USE from the owner bits and MANAGE from the group bits are separate
     * rules: neither grants both. */
    vm.perms = 0420;
    assert_false(can(&alice, &vm, use_manage));

    nb_acl_rule r = rule(NB_ACL_INDIVIDUAL | 7, NB_ACL_VM | NB_ACL_ALL, NB_OP_USE, ZONE0);
    nb_objref other = obj(NB_ACL_VM, 11, 42, 200, 0);
    assert_true(can_r(&carol, &other, NB_OP_USE, &r, 1, 0));
    assert_false(can_r(&carol, &other, use_manage, &r, 1, 0));
    r.rights = NB_OP_USE | NB_OP_MANAGE;
    assert_true(can_r(&carol, &other, use_manage, &r, 1, 0));
    assert_false(can_r(&carol, &other, NB_OP_ADMIN, &r, 1, 0));
}

/* ---- CREATE ---------------------------------------------------------------- */

static void test_create_never_from_bits(void **state)
{
    nb_objref vm = obj(NB_ACL_VM, 10, 5, 100, 0777);
    assert_false(can(&alice, &vm, NB_OP_CREATE));
    nb_objref nw = would_be(NB_ACL_VM, &alice);
    nw.perms = 0777;
    assert_false(can(&alice, &nw, NB_OP_CREATE));
    /* A rule with every right but CREATE does not grant it either. */
    nb_acl_rule r = rule(NB_ACL_ALL, NB_ACL_VM | NB_ACL_ALL, 0x7, NB_ACL_ALL);
    assert_false(can_r(&alice, &nw, NB_OP_CREATE, &r, 1, 0));
}

static void test_create_from_rules(void **state)
{
    nb_acl_rule rules[] = {
        // @100 VM/* CREATE #0
        rule(NB_ACL_GROUP | 100, NB_ACL_VM | NB_ACL_ALL, NB_OP_CREATE, ZONE0),
        /* #8 IMAGE/@101 CREATE #0 */
        rule(NB_ACL_INDIVIDUAL | 8, NB_ACL_IMAGE | NB_ACL_GROUP | 101, NB_OP_CREATE, ZONE0),
        /* * TEMPLATE/#0 CREATE *: an individual resource never matches a
         * would-be object (no id yet) */
        rule(NB_ACL_ALL, NB_ACL_TEMPLATE | NB_ACL_INDIVIDUAL | 0, NB_OP_CREATE, NB_ACL_ALL),
    };
    nb_objref vm_a = would_be(NB_ACL_VM, &alice);
    nb_objref vm_b = would_be(NB_ACL_VM, &bob);
    nb_objref vm_c = would_be(NB_ACL_VM, &carol);
    nb_objref img_a = would_be(NB_ACL_IMAGE, &alice);
    nb_objref img_d = would_be(NB_ACL_IMAGE, &dave);
    nb_objref tmpl = would_be(NB_ACL_TEMPLATE, &carol);

    assert_true(can_r(&alice, &vm_a, NB_OP_CREATE, rules, N(rules), 0));
    assert_true(can_r(&bob, &vm_b, NB_OP_CREATE, rules, N(rules), 0));     /* secondary 100 */
    assert_false(can_r(&carol, &vm_c, NB_OP_CREATE, rules, N(rules), 0));
    assert_false(can_r(&alice, &img_a, NB_OP_CREATE, rules, N(rules), 0));
    assert_true(can_r(&dave, &img_d, NB_OP_CREATE, rules, N(rules), 0));   /* into his group 101 */
    img_d.gid = 200;                                                       /* into another group */
    assert_false(can_r(&dave, &img_d, NB_OP_CREATE, rules, N(rules), 0));
    assert_false(can_r(&carol, &tmpl, NB_OP_CREATE, rules, N(rules), 0));
    /* CREATE rules give no other right. */
    nb_objref vm = obj(NB_ACL_VM, 3, 42, 100, 0);
    assert_false(can_r(&alice, &vm, NB_OP_USE, rules, N(rules), 0));
    /* Wrong zone. */
    assert_false(can_r(&alice, &vm_a, NB_OP_CREATE, rules, N(rules), 1));
}

/* ---- stored rules: selectors -------------------------------------------- */

static void test_user_selectors(void **state)
{
    nb_objref host = obj(NB_ACL_HOST, 3, -1, -1, 0);
    nb_acl_rule by_uid = rule(NB_ACL_INDIVIDUAL | 5, NB_ACL_HOST | NB_ACL_ALL, NB_OP_MANAGE, ZONE0);
    nb_acl_rule by_gid = rule(NB_ACL_GROUP | 100, NB_ACL_HOST | NB_ACL_ALL, NB_OP_MANAGE, ZONE0);
    nb_acl_rule all = rule(NB_ACL_ALL, NB_ACL_HOST | NB_ACL_ALL, NB_OP_MANAGE, ZONE0);

    assert_true(can_r(&alice, &host, NB_OP_MANAGE, &by_uid, 1, 0));
    assert_false(can_r(&bob, &host, NB_OP_MANAGE, &by_uid, 1, 0));
    assert_false(can_r(&carol, &host, NB_OP_MANAGE, &by_uid, 1, 0));

    assert_true(can_r(&alice, &host, NB_OP_MANAGE, &by_gid, 1, 0));
    assert_true(can_r(&bob, &host, NB_OP_MANAGE, &by_gid, 1, 0));     /* secondary group */
    assert_false(can_r(&carol, &host, NB_OP_MANAGE, &by_gid, 1, 0));
    assert_false(can_r(&dave, &host, NB_OP_MANAGE, &by_gid, 1, 0));

    assert_true(can_r(&alice, &host, NB_OP_MANAGE, &all, 1, 0));
    assert_true(can_r(&carol, &host, NB_OP_MANAGE, &all, 1, 0));
    assert_true(can_r(&dave, &host, NB_OP_MANAGE, &all, 1, 0));

    /* The uid of #uid is not a gid and vice versa. */
    nb_acl_rule uid100 = rule(NB_ACL_INDIVIDUAL | 100, NB_ACL_HOST | NB_ACL_ALL, NB_OP_MANAGE, ZONE0);
    nb_acl_rule gid5 = rule(NB_ACL_GROUP | 5, NB_ACL_HOST | NB_ACL_ALL, NB_OP_MANAGE, ZONE0);
    assert_false(can_r(&alice, &host, NB_OP_MANAGE, &uid100, 1, 0));
    assert_false(can_r(&alice, &host, NB_OP_MANAGE, &gid5, 1, 0));
    /* Without rules nobody (but admins) manages a host. */
    assert_false(can(&alice, &host, NB_OP_MANAGE));
}

static void test_resource_selectors(void **state)
{
    nb_acl_rule by_oid = rule(NB_ACL_ALL, NB_ACL_NET | NB_ACL_INDIVIDUAL | 7, NB_OP_USE, ZONE0);
    nb_acl_rule by_gid = rule(NB_ACL_ALL, NB_ACL_NET | NB_ACL_GROUP | 100, NB_OP_USE, ZONE0);
    nb_acl_rule by_cid = rule(NB_ACL_ALL, NB_ACL_NET | NB_ACL_CLUSTER | 50, NB_OP_USE, ZONE0);
    nb_acl_rule all = rule(NB_ACL_ALL, NB_ACL_NET | NB_ACL_ALL, NB_OP_USE, ZONE0);
    static const int cids_50[] = { 0, 50 };
    static const int cids_51[] = { 51 };

    nb_objref n7 = obj(NB_ACL_NET, 7, 42, 200, 0);
    nb_objref n8 = obj(NB_ACL_NET, 8, 42, 100, 0);
    nb_objref n9 = obj(NB_ACL_NET, 9, 42, 200, 0);
    n9.cids = cids_50;
    n9.ncids = N(cids_50);
    nb_objref n10 = obj(NB_ACL_NET, 10, 42, 200, 0);
    n10.cids = cids_51;
    n10.ncids = N(cids_51);

    assert_true(can_r(&carol, &n7, NB_OP_USE, &by_oid, 1, 0));
    assert_false(can_r(&carol, &n8, NB_OP_USE, &by_oid, 1, 0));

    assert_true(can_r(&carol, &n8, NB_OP_USE, &by_gid, 1, 0));   /* object's group, not caller's */
    assert_false(can_r(&carol, &n7, NB_OP_USE, &by_gid, 1, 0));

    assert_true(can_r(&carol, &n9, NB_OP_USE, &by_cid, 1, 0));
    assert_false(can_r(&carol, &n10, NB_OP_USE, &by_cid, 1, 0));
    assert_false(can_r(&carol, &n7, NB_OP_USE, &by_cid, 1, 0));  /* in no cluster */

    assert_true(can_r(&carol, &n7, NB_OP_USE, &all, 1, 0));
    assert_true(can_r(&carol, &n10, NB_OP_USE, &all, 1, 0));

    /* Another type with the same ids is not covered. */
    nb_objref img7 = obj(NB_ACL_IMAGE, 7, 42, 100, 0);
    img7.cids = cids_50;
    img7.ncids = N(cids_50);
    assert_false(can_r(&carol, &img7, NB_OP_USE, &by_oid, 1, 0));
    assert_false(can_r(&carol, &img7, NB_OP_USE, &by_gid, 1, 0));
    assert_false(can_r(&carol, &img7, NB_OP_USE, &by_cid, 1, 0));
    assert_false(can_r(&carol, &img7, NB_OP_USE, &all, 1, 0));
}

static void test_multi_type_resource(void **state)
{
    /* #5 HOST+VM/@102 MANAGE #0, the reference's hex words (§5.2). */
    nb_acl_rule r = rule(0x100000005ULL, 0x3200000066ULL, 0x2, 0x100000000ULL);
    assert_int_equal(r.resource, NB_ACL_HOST | NB_ACL_VM | NB_ACL_GROUP | 102);

    nb_objref vm = obj(NB_ACL_VM, 1, 42, 102, 0);
    nb_objref host = obj(NB_ACL_HOST, 2, -1, 102, 0);
    nb_objref img = obj(NB_ACL_IMAGE, 3, 42, 102, 0);
    nb_objref vm_other = obj(NB_ACL_VM, 4, 42, 103, 0);

    assert_true(can_r(&alice, &vm, NB_OP_MANAGE, &r, 1, 0));
    assert_true(can_r(&alice, &host, NB_OP_MANAGE, &r, 1, 0));
    assert_false(can_r(&alice, &img, NB_OP_MANAGE, &r, 1, 0));
    assert_false(can_r(&alice, &vm_other, NB_OP_MANAGE, &r, 1, 0));
    assert_false(can_r(&alice, &vm, NB_OP_USE, &r, 1, 0));       /* MANAGE does not imply USE */
    assert_false(can_r(&alice, &vm, NB_OP_ADMIN, &r, 1, 0));
    assert_false(can_r(&bob, &vm, NB_OP_MANAGE, &r, 1, 0));
    assert_false(can_r(&alice, &vm, NB_OP_MANAGE, &r, 1, 1));    /* zone #0 only */
}

static void test_zones(void **state)
{
    nb_objref vm = obj(NB_ACL_VM, 1, 42, 200, 0);
    nb_acl_rule z0 = rule(NB_ACL_ALL, NB_ACL_VM | NB_ACL_ALL, NB_OP_USE, ZONE0);
    nb_acl_rule z1 = rule(NB_ACL_ALL, NB_ACL_VM | NB_ACL_ALL, NB_OP_USE, ZONE1);
    nb_acl_rule zall = rule(NB_ACL_ALL, NB_ACL_VM | NB_ACL_ALL, NB_OP_USE, NB_ACL_ALL);

    assert_true(can_r(&carol, &vm, NB_OP_USE, &z0, 1, 0));
    assert_false(can_r(&carol, &vm, NB_OP_USE, &z0, 1, 1));
    assert_false(can_r(&carol, &vm, NB_OP_USE, &z1, 1, 0));     /* another zone's rule */
    assert_true(can_r(&carol, &vm, NB_OP_USE, &z1, 1, 1));
    assert_true(can_r(&carol, &vm, NB_OP_USE, &zall, 1, 0));
    assert_true(can_r(&carol, &vm, NB_OP_USE, &zall, 1, 1));
    assert_true(can_r(&carol, &vm, NB_OP_USE, &zall, 1, 100));
}

static void test_rules_only_grant(void **state)
{
    /* Several rules: the first matching one grants; non-matching ones are
     * not denials. */
    nb_acl_rule rules[] = {
        rule(NB_ACL_INDIVIDUAL | 5, NB_ACL_VM | NB_ACL_ALL, NB_OP_USE, ZONE1),
        rule(NB_ACL_GROUP | 1, NB_ACL_VM | NB_ACL_ALL, NB_OP_USE, ZONE0),
        rule(NB_ACL_ALL, NB_ACL_IMAGE | NB_ACL_ALL, NB_OP_MANAGE, NB_ACL_ALL),
    };
    nb_objref vm = obj(NB_ACL_VM, 1, 42, 200, 0);
    nb_objref img = obj(NB_ACL_IMAGE, 2, 42, 200, 0);

    assert_false(can_r(&alice, &vm, NB_OP_USE, rules, N(rules), 0));
    assert_true(can_r(&bob, &vm, NB_OP_USE, rules, N(rules), 0));
    assert_true(can_r(&carol, &vm, NB_OP_USE, rules, N(rules), 0));
    assert_true(can_r(&alice, &img, NB_OP_MANAGE, rules, N(rules), 0));
    assert_false(can_r(&alice, &img, NB_OP_USE, rules, N(rules), 0));
}

/* ---- admins and locks ---------------------------------------------------- */

static void test_admins_pass(void **state)
{
    nb_objref host = obj(NB_ACL_HOST, 3, -1, -1, 0);
    nb_objref vm = obj(NB_ACL_VM, 10, 42, 200, 0);
    static const enum nb_op ops[] = { NB_OP_USE, NB_OP_MANAGE, NB_OP_ADMIN, NB_OP_CREATE };
    for (size_t i = 0; i < N(ops); i++) {
        nb_objref nu = would_be(NB_ACL_USER, &oneadmin);
        assert_true(can(&oneadmin, &host, ops[i]));
        assert_true(can(&oneadmin, &vm, ops[i]));
        assert_true(can(&oneadmin, &nu, ops[i]));
        assert_true(can(&admin9, &host, ops[i]));
        assert_true(can(&admin9, &vm, ops[i]));
    }
    /* uid 0 is an admin even when acting with another group. */
    static const nb_subject uid0_g1 = { 0, 1, G_1, 1 };
    assert_true(can(&uid0_g1, &host, NB_OP_ADMIN));
}

static void test_locks(void **state)
{
    nb_objref vm = obj(NB_ACL_VM, 10, 5, 100, 0777);

    /* Level 1 (USE) blocks USE and everything stronger. */
    vm.lock = 1;
    assert_false(can(&alice, &vm, NB_OP_USE));
    assert_false(can(&alice, &vm, NB_OP_MANAGE));
    assert_false(can(&alice, &vm, NB_OP_ADMIN));
    assert_true(nb_acl_locked_for(&vm, NB_OP_USE));
    /* Level 2 (MANAGE). */
    vm.lock = 2;
    assert_true(can(&alice, &vm, NB_OP_USE));
    assert_false(can(&alice, &vm, NB_OP_MANAGE));
    assert_false(can(&alice, &vm, NB_OP_ADMIN));
    assert_false(nb_acl_locked_for(&vm, NB_OP_USE));
    assert_true(nb_acl_locked_for(&vm, NB_OP_MANAGE));
    /* Level 3 (ADMIN). */
    vm.lock = 3;
    assert_true(can(&alice, &vm, NB_OP_USE));
    assert_true(can(&alice, &vm, NB_OP_MANAGE));
    assert_false(can(&alice, &vm, NB_OP_ADMIN));
    assert_false(nb_acl_locked_for(&vm, NB_OP_MANAGE));
    assert_true(nb_acl_locked_for(&vm, NB_OP_ADMIN));
    /* Unlocked. */
    vm.lock = 0;
    assert_true(can(&alice, &vm, NB_OP_ADMIN));
    assert_false(nb_acl_locked_for(&vm, NB_OP_ADMIN));
    assert_false(nb_acl_locked_for(&vm, NB_OP_USE));

    /* lock_exempt ignores the lock (info, lock/unlock). */
    vm.perms = 0700;
    for (int level = 1; level <= 3; level++) {
        vm.lock = level;
        assert_true(nb_acl_authorize(&alice, &vm, NB_OP_USE, true, NULL, 0, 0));
        assert_true(nb_acl_authorize(&alice, &vm, NB_OP_MANAGE, true, NULL, 0, 0));
        assert_true(nb_acl_authorize(&alice, &vm, NB_OP_ADMIN, true, NULL, 0, 0));
        /* ...but does not grant anything by itself. */
        assert_false(nb_acl_authorize(&carol, &vm, NB_OP_ADMIN, true, NULL, 0, 0));
    }
}

static void test_locks_apply_to_admins_and_rules(void **state)
{
    nb_objref vm = obj(NB_ACL_VM, 10, 42, 200, 0);
    nb_acl_rule r = rule(NB_ACL_ALL, NB_ACL_VM | NB_ACL_ALL, 0x7, NB_ACL_ALL);

    vm.lock = 2;
    assert_true(can(&oneadmin, &vm, NB_OP_USE));
    assert_false(can(&oneadmin, &vm, NB_OP_MANAGE));
    assert_false(can(&admin9, &vm, NB_OP_ADMIN));
    assert_true(nb_acl_authorize(&oneadmin, &vm, NB_OP_MANAGE, true, NULL, 0, 0));
    assert_true(nb_acl_authorize(&admin9, &vm, NB_OP_ADMIN, true, NULL, 0, 0));

    /* A rule granting everything does not beat the lock either. */
    assert_true(can_r(&carol, &vm, NB_OP_USE, &r, 1, 0));
    assert_false(can_r(&carol, &vm, NB_OP_MANAGE, &r, 1, 0));
    assert_true(nb_acl_authorize(&carol, &vm, NB_OP_MANAGE, true, &r, 1, 0));

    vm.lock = 1;
    assert_false(can(&oneadmin, &vm, NB_OP_USE));
    vm.lock = 3;
    assert_true(can(&oneadmin, &vm, NB_OP_MANAGE));
    assert_false(can(&oneadmin, &vm, NB_OP_ADMIN));
}

/* ---- the bootstrap rules (§5.5), as stored hex words -------------------- */

static const nb_acl_rule bootstrap[] = {
    // 0: @1 VM+IMAGE+TEMPLATE+DOCUMENT+SECGROUP+VMGROUP+BACKUPJOB/* CREATE *
    { 0, 0x200000001ULL, 0x121429400000000ULL, 0x8, 0x400000000ULL },
    // 1: * ZONE/* USE *
    { 1, 0x400000000ULL, 0x800400000000ULL, 0x1, 0x400000000ULL },
    // 2: * MARKETPLACE+MARKETPLACEAPP/* USE *
    { 2, 0x400000000ULL, 0x18000400000000ULL, 0x1, 0x400000000ULL },
    // 3: @1 HOST/* MANAGE #0
    { 3, 0x200000001ULL, 0x2400000000ULL, 0x2, 0x100000000ULL },
    // 4: @1 NET/* USE #0
    { 4, 0x200000001ULL, 0x4400000000ULL, 0x1, 0x100000000ULL },
    // 5: @1 DATASTORE/* USE #0
    { 5, 0x200000001ULL, 0x100400000000ULL, 0x1, 0x100000000ULL },
};

static void test_bootstrap_hex_matches_constants(void **state)
{
    assert_int_equal(bootstrap[0].resource,
                     NB_ACL_VM | NB_ACL_IMAGE | NB_ACL_TEMPLATE | NB_ACL_DOCUMENT |
                     NB_ACL_SECGROUP | NB_ACL_VMGROUP | NB_ACL_BACKUPJOB | NB_ACL_ALL);
    assert_int_equal(bootstrap[1].resource, NB_ACL_ZONE | NB_ACL_ALL);
    assert_int_equal(bootstrap[2].resource, NB_ACL_MARKETPLACE | NB_ACL_MARKETPLACEAPP | NB_ACL_ALL);
    assert_int_equal(bootstrap[3].resource, NB_ACL_HOST | NB_ACL_ALL);
    assert_int_equal(bootstrap[4].resource, NB_ACL_NET | NB_ACL_ALL);
    assert_int_equal(bootstrap[5].resource, NB_ACL_DATASTORE | NB_ACL_ALL);
    assert_int_equal(bootstrap[0].user, NB_ACL_GROUP | 1);
    assert_int_equal(bootstrap[1].zone, NB_ACL_ALL);
    assert_int_equal(bootstrap[3].zone, NB_ACL_INDIVIDUAL | 0);
}

static void test_bootstrap_create(void **state)
{
    static const uint64_t creatable[] = {
        NB_ACL_VM, NB_ACL_IMAGE, NB_ACL_TEMPLATE, NB_ACL_DOCUMENT, NB_ACL_SECGROUP,
        NB_ACL_VMGROUP, NB_ACL_BACKUPJOB,
    };
    static const uint64_t not_creatable[] = {
        NB_ACL_USER, NB_ACL_GROUP_T, NB_ACL_HOST, NB_ACL_NET, NB_ACL_DATASTORE, NB_ACL_CLUSTER_T,
        NB_ACL_ZONE, NB_ACL_VDC, NB_ACL_VROUTER, NB_ACL_MARKETPLACE, NB_ACL_MARKETPLACEAPP,
        NB_ACL_VNTEMPLATE, NB_ACL_ACL, NB_ACL_HOOK,
    };
    for (size_t i = 0; i < N(creatable); i++) {
        nb_objref c = would_be(creatable[i], &carol);
        nb_objref b = would_be(creatable[i], &bob);
        nb_objref a = would_be(creatable[i], &alice);
        if (!can_r(&carol, &c, NB_OP_CREATE, bootstrap, N(bootstrap), 0))
            fail_msg("users-group member cannot create %s", nb_acl_type_name(creatable[i]));
        assert_true(can_r(&bob, &b, NB_OP_CREATE, bootstrap, N(bootstrap), 0));
        assert_true(can_r(&carol, &c, NB_OP_CREATE, bootstrap, N(bootstrap), 1));   /* zone * */
        assert_false(can_r(&alice, &a, NB_OP_CREATE, bootstrap, N(bootstrap), 0));
    }
    for (size_t i = 0; i < N(not_creatable); i++) {
        nb_objref c = would_be(not_creatable[i], &carol);
        if (can_r(&carol, &c, NB_OP_CREATE, bootstrap, N(bootstrap), 0))
            fail_msg("users-group member can create %s", nb_acl_type_name(not_creatable[i]));
    }
}

static void test_bootstrap_visibility(void **state)
{
    nb_objref zone0 = obj(NB_ACL_ZONE, 0, -1, -1, 0);
    nb_objref app = obj(NB_ACL_MARKETPLACEAPP, 4, 42, 200, 0);
    nb_objref host = obj(NB_ACL_HOST, 0, -1, -1, 0);
    nb_objref net = obj(NB_ACL_NET, 0, 42, 200, 0);
    nb_objref ds = obj(NB_ACL_DATASTORE, 1, 0, 0, 0);

    /* Zones and marketplace apps: visible to anyone, in any zone. */
    assert_true(can_r(&alice, &zone0, NB_OP_USE, bootstrap, N(bootstrap), 0));
    assert_true(can_r(&dave, &zone0, NB_OP_USE, bootstrap, N(bootstrap), 1));
    assert_false(can_r(&alice, &zone0, NB_OP_MANAGE, bootstrap, N(bootstrap), 0));
    assert_true(can_r(&alice, &app, NB_OP_USE, bootstrap, N(bootstrap), 0));
    assert_false(can(&alice, &zone0, NB_OP_USE));

    /* Infrastructure for group 1 in zone 0 only. */
    assert_true(can_r(&carol, &host, NB_OP_MANAGE, bootstrap, N(bootstrap), 0));
    assert_false(can_r(&carol, &host, NB_OP_USE, bootstrap, N(bootstrap), 0));
    assert_false(can_r(&carol, &host, NB_OP_MANAGE, bootstrap, N(bootstrap), 1));
    assert_false(can_r(&alice, &host, NB_OP_MANAGE, bootstrap, N(bootstrap), 0));
    assert_true(can_r(&carol, &net, NB_OP_USE, bootstrap, N(bootstrap), 0));
    assert_false(can_r(&carol, &net, NB_OP_MANAGE, bootstrap, N(bootstrap), 0));
    assert_true(can_r(&bob, &ds, NB_OP_USE, bootstrap, N(bootstrap), 0));
    assert_false(can_r(&dave, &ds, NB_OP_USE, bootstrap, N(bootstrap), 0));
}

/* The cluster rows of the reference table (§5.2). */
static void test_reference_cluster_rules(void **state)
{
    static const int G_101_only[] = { 101 };
    static const nb_subject member101 = { 20, 101, G_101_only, 1 };
    nb_acl_rule host_r = { 0, 0x200000065ULL, 0x2800000064ULL, 0x2, 0x100000000ULL };
    nb_acl_rule net_r = { 1, 0x200000065ULL, 0x4800000064ULL, 0x1, 0x100000000ULL };
    nb_acl_rule ds_r = { 2, 0x200000065ULL, 0x100800000064ULL, 0x1, 0x100000000ULL };
    static const int in100[] = { 100 };
    static const int in0_100[] = { 0, 100 };
    static const int in101[] = { 101 };

    assert_int_equal(host_r.resource, NB_ACL_HOST | NB_ACL_CLUSTER | 100);
    nb_objref h = obj(NB_ACL_HOST, 1, -1, -1, 0);
    h.cids = in100;
    h.ncids = 1;
    assert_true(can_r(&member101, &h, NB_OP_MANAGE, &host_r, 1, 0));
    assert_false(can_r(&alice, &h, NB_OP_MANAGE, &host_r, 1, 0));
    h.cids = in101;
    assert_false(can_r(&member101, &h, NB_OP_MANAGE, &host_r, 1, 0));

    nb_objref n = obj(NB_ACL_NET, 2, 42, 200, 0);
    n.cids = in0_100;
    n.ncids = 2;
    assert_true(can_r(&member101, &n, NB_OP_USE, &net_r, 1, 0));
    assert_false(can_r(&member101, &n, NB_OP_USE, &host_r, 1, 0));

    nb_objref d = obj(NB_ACL_DATASTORE, 3, 0, 0, 0);
    d.cids = in0_100;
    d.ncids = 2;
    assert_true(can_r(&member101, &d, NB_OP_USE, &ds_r, 1, 0));
    assert_false(can_r(&member101, &d, NB_OP_USE, &ds_r, 1, 1));
}

static void test_type_names(void **state)
{
    static const struct { uint64_t bit; const char *name; } names[] = {
        { NB_ACL_VM, "VM" }, { NB_ACL_HOST, "HOST" }, { NB_ACL_NET, "NET" },
        { NB_ACL_IMAGE, "IMAGE" }, { NB_ACL_USER, "USER" }, { NB_ACL_TEMPLATE, "TEMPLATE" },
        { NB_ACL_GROUP_T, "GROUP" }, { NB_ACL_ACL, "ACL" }, { NB_ACL_DATASTORE, "DATASTORE" },
        { NB_ACL_CLUSTER_T, "CLUSTER" }, { NB_ACL_DOCUMENT, "DOCUMENT" }, { NB_ACL_ZONE, "ZONE" },
        { NB_ACL_SECGROUP, "SECGROUP" }, { NB_ACL_VDC, "VDC" }, { NB_ACL_VROUTER, "VROUTER" },
        { NB_ACL_MARKETPLACE, "MARKETPLACE" }, { NB_ACL_MARKETPLACEAPP, "MARKETPLACEAPP" },
        { NB_ACL_VMGROUP, "VMGROUP" }, { NB_ACL_VNTEMPLATE, "VNTEMPLATE" },
        { NB_ACL_HOOK, "HOOK" }, { NB_ACL_BACKUPJOB, "BACKUPJOB" },
    };
    /* Hex values from the reference table (§5.1). */
    assert_int_equal(NB_ACL_VM, 0x1000000000ULL);
    assert_int_equal(NB_ACL_USER, 0x10000000000ULL);
    assert_int_equal(NB_ACL_ZONE, 0x800000000000ULL);
    assert_int_equal(NB_ACL_BACKUPJOB, 0x100000000000000ULL);
    for (size_t i = 0; i < N(names); i++) {
        const char *n = nb_acl_type_name(names[i].bit);
        assert_non_null(n);
        assert_string_equal(n, names[i].name);
    }
    assert_null(nb_acl_type_name(0));
    assert_null(nb_acl_type_name(NB_ACL_VM | NB_ACL_HOST));
    assert_null(nb_acl_type_name(NB_ACL_ALL));
    assert_null(nb_acl_type_name(NB_ACL_GROUP));
    assert_null(nb_acl_type_name(0x0200000000000000ULL));
}

/* ---- the index (§5.3 on sorted rules) against a linear reference ------- */

/* The algorithm as the reference states it: every rule, in any order. */
static bool ref_user_matches(uint64_t user, const nb_subject *s)
{
    uint64_t sel = user & NB_ACL_SEL_MASK;
    uint32_t id = (uint32_t)(user & NB_ACL_ID_MASK);
    if (sel == NB_ACL_ALL)
        return true;
    if (sel == NB_ACL_INDIVIDUAL)
        return id == (uint32_t)s->uid;
    if (sel == NB_ACL_GROUP)
        for (size_t i = 0; i < s->ngroups; i++)
            if ((uint32_t)s->groups[i] == id)
                return true;
    return false;
}

static bool ref_rule_matches(const nb_acl_rule *r, const nb_objref *o, enum nb_op op, int zone)
{
    uint64_t sel = r->resource & NB_ACL_SEL_MASK;
    uint32_t id = (uint32_t)(r->resource & NB_ACL_ID_MASK);

    if (r->zone != NB_ACL_ALL && r->zone != (NB_ACL_INDIVIDUAL | (uint32_t)zone))
        return false;
    if ((r->rights & op) != (uint64_t)op || !(r->resource & o->type))
        return false;
    if (sel == NB_ACL_ALL)
        return true;
    if (sel == NB_ACL_INDIVIDUAL)
        return o->oid >= 0 && id == (uint32_t)o->oid;
    if (sel == NB_ACL_GROUP)
        return o->gid >= 0 && id == (uint32_t)o->gid;
    if (sel == NB_ACL_CLUSTER)
        for (size_t i = 0; i < o->ncids; i++)
            if (id == (uint32_t)o->cids[i])
                return true;
    return false;
}

static bool ref_bits(nb_perms perms, int shift, enum nb_op op)
{
    return (nb_perms_class_ops(perms, shift) & op) == (unsigned)op;
}

static bool ref_authorize(const nb_subject *s, const nb_objref *o, enum nb_op op,
                          bool lock_exempt, const nb_acl_rule *rules, size_t n, int zone)
{
    if (!lock_exempt && nb_acl_locked_for(o, op))
        return false;
    if (nb_subject_is_admin(s))
        return true;
    if (op != NB_OP_CREATE && o->oid >= 0) {
        if (o->uid >= 0 && o->uid == s->uid && ref_bits(o->perms, NB_PERMS_OWNER_SHIFT, op))
            return true;
        if (o->gid >= 0 && nb_subject_in_group(s, o->gid) &&
            ref_bits(o->perms, NB_PERMS_GROUP_SHIFT, op))
            return true;
        if (ref_bits(o->perms, NB_PERMS_OTHER_SHIFT, op))
            return true;
    }
    for (size_t i = 0; i < n; i++)
        if (ref_user_matches(rules[i].user, s) && ref_rule_matches(&rules[i], o, op, zone))
            return true;
    return false;
}

/* splitmix64: a fixed seed makes every failure reproducible. */
static uint64_t rnd_state;

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

/* Small id ranges so that rules and requests meet often; now and then a
 * malformed word (stray selector or high bits, ALL with an id) to show the
 * index finds exactly what the linear walk finds even then. */
static uint64_t rnd_selid(bool resource)
{
    static const uint64_t sels[] = { NB_ACL_ALL, NB_ACL_INDIVIDUAL, NB_ACL_GROUP, NB_ACL_CLUSTER };
    uint64_t sel = sels[rnd_below(resource ? 4 : 3)];
    uint64_t w = sel | (sel == NB_ACL_ALL ? 0 : (uint32_t)(rnd_below(7) - 1));
    switch (rnd_below(40)) {
    case 0: return w | sels[rnd_below(4)];
    case 1: return w | (resource ? 0 : 1ULL << (36 + rnd_below(28)));
    case 2: return w | (uint32_t)rnd_below(3);
    }
    return w;
}

static const uint64_t rnd_types[] = { NB_ACL_VM, NB_ACL_HOST, NB_ACL_NET, NB_ACL_IMAGE };

static nb_acl_rule rnd_rule(int id)
{
    static const uint64_t zones[] = { NB_ACL_ALL, NB_ACL_INDIVIDUAL | 0, NB_ACL_INDIVIDUAL | 1,
                                      NB_ACL_ALL | 1, NB_ACL_GROUP | 0 };
    uint64_t types = 0;
    while (!types || rnd_below(3) == 0)
        types |= rnd_types[rnd_below(N(rnd_types))];
    nb_acl_rule r = {
        id, rnd_selid(false), types | rnd_selid(true), (uint64_t)rnd_below(17),
        zones[rnd_below(N(zones))],
    };
    return r;
}

static nb_subject rnd_subject(int *groups)
{
    nb_subject s = { rnd_below(7) - 1, 0, groups, 1 + (size_t)rnd_below(3) };
    for (size_t i = 0; i < s.ngroups; i++)
        groups[i] = rnd_below(8) - 1;   /* -1 .. 6: group 0 makes an admin */
    s.gid = groups[0];
    return s;
}

static nb_objref rnd_object(int *cids)
{
    nb_objref o = obj(rnd_types[rnd_below(N(rnd_types))], rnd_below(7) - 1, rnd_below(7) - 1,
                      rnd_below(7) - 1, (nb_perms)rnd_below(01000));
    /* Ownership bits would hide most rule decisions: usually none. */
    if (rnd_below(4))
        o.perms = 0;
    o.ncids = (size_t)rnd_below(3);
    for (size_t i = 0; i < o.ncids; i++)
        cids[i] = rnd_below(7) - 1;
    o.cids = cids;
    o.lock = rnd_below(6) > 3 ? rnd_below(4) : 0;
    return o;
}

static void test_index_matches_linear(void **state)
{
    static const enum nb_op ops[] = {
        NB_OP_USE, NB_OP_MANAGE, NB_OP_ADMIN, NB_OP_CREATE, NB_OP_USE | NB_OP_MANAGE,
    };
    nb_acl_rule rules[80], sorted[80];
    unsigned granted = 0, total = 0;

    rnd_state = 20240601;
    for (int set = 0; set < 2000; set++) {
        size_t n = (size_t)rnd_below((int)N(rules) + 1);
        for (size_t i = 0; i < n; i++)
            rules[i] = rnd_rule((int)i);
        memcpy(sorted, rules, n * sizeof(*rules));
        nb_acl_sort(sorted, n);
        for (int q = 0; q < 50; q++) {
            int groups[3], cids[2];
            nb_subject s = rnd_subject(groups);
            nb_objref o = rnd_object(cids);
            enum nb_op op = ops[rnd_below(N(ops))];
            bool exempt = rnd_below(2);
            int zone = rnd_below(2);
            if (o.oid < 0 && rnd_below(2))
                op = NB_OP_CREATE;
            bool want = ref_authorize(&s, &o, op, exempt, rules, n, zone);
            bool got = nb_acl_authorize(&s, &o, op, exempt, sorted, n, zone);
            if (want != got)
                fail_msg("set %d query %d: indexed %d, linear %d (uid %d op %d type %llx oid %d)",
                         set, q, got, want, s.uid, op, (unsigned long long)o.type, o.oid);
            granted += want;
            total++;
        }
    }
    /* The property is only worth something if both answers occur often. */
    assert_true(granted > total / 10);
    assert_true(granted < total * 9 / 10);
}

static void test_sort_and_lower_bound(void **state)
{
    nb_acl_rule rules[300];

    rnd_state = 7;
    for (size_t i = 0; i < N(rules); i++)
        rules[i] = rnd_rule((int)i);
    rules[1] = rules[0];            /* equal words, different ids */
    rules[1].id = 1;
    nb_acl_sort(rules, N(rules));
    for (size_t i = 1; i < N(rules); i++) {
        assert_true(nb_acl_rule_cmp(&rules[i - 1], &rules[i]) < 0);
        assert_true(nb_acl_rule_cmp(&rules[i], &rules[i - 1]) > 0);
    }
    for (size_t i = 0; i < N(rules); i++) {
        assert_int_equal(nb_acl_rule_cmp(&rules[i], &rules[i]), 0);
        assert_int_equal(nb_acl_lower_bound(rules, N(rules), &rules[i]), i);
        /* A rule not in the set goes where it keeps the order. */
        nb_acl_rule probe = rules[i];
        probe.id = -5;
        size_t at = nb_acl_lower_bound(rules, N(rules), &probe);
        assert_true(at <= i);
        if (at > 0)
            assert_true(nb_acl_rule_cmp(&rules[at - 1], &probe) < 0);
        assert_true(nb_acl_rule_cmp(&probe, &rules[at]) < 0);
    }
    assert_int_equal(nb_acl_lower_bound(rules, 0, &rules[0]), 0);

    /* Valid rules sort by user word, then resource selector and id, then
     * the rest of the resource (types). */
    nb_acl_rule a = rule(NB_ACL_ALL, NB_ACL_VM | NB_ACL_HOST | NB_ACL_ALL, 1, NB_ACL_ALL);
    nb_acl_rule b = rule(NB_ACL_INDIVIDUAL | 0, NB_ACL_VM | NB_ACL_INDIVIDUAL | 5, 1, NB_ACL_ALL);
    nb_acl_rule c = rule(NB_ACL_INDIVIDUAL | 0, NB_ACL_HOST | NB_ACL_INDIVIDUAL | 5, 1, NB_ACL_ALL);
    nb_acl_rule d = rule(NB_ACL_INDIVIDUAL | 0, NB_ACL_VM | NB_ACL_GROUP | 1, 1, NB_ACL_ALL);
    assert_true(nb_acl_rule_cmp(&b, &a) < 0);    /* INDIVIDUAL < ALL */
    assert_true(nb_acl_rule_cmp(&b, &c) < 0);    /* same key: VM < HOST */
    assert_true(nb_acl_rule_cmp(&c, &d) < 0);    /* #5 < @1 */
}

/* One check touches a handful of runs whatever the size of the set. */
static void test_index_large_set(void **state)
{
    enum { NGROUPS = 2000 };
    static nb_acl_rule rules[3 * NGROUPS + 2];
    size_t n = 0;
    for (int g = 100; g < 100 + NGROUPS; g++) {
        rules[n++] = rule(NB_ACL_GROUP | (uint32_t)g, NB_ACL_HOST | NB_ACL_ALL, NB_OP_MANAGE, ZONE0);
        rules[n++] = rule(NB_ACL_GROUP | (uint32_t)g, NB_ACL_HOST | NB_ACL_INDIVIDUAL | (uint32_t)g,
                          NB_OP_USE, ZONE0);
        rules[n++] = rule(NB_ACL_INDIVIDUAL | (uint32_t)g, NB_ACL_VM | NB_ACL_GROUP | (uint32_t)g,
                          NB_OP_USE | NB_OP_MANAGE, NB_ACL_ALL);
    }
    rules[n++] = rule(NB_ACL_ALL, NB_ACL_ZONE | NB_ACL_ALL, NB_OP_USE, NB_ACL_ALL);
    rules[n++] = rule(NB_ACL_INDIVIDUAL | 150, NB_ACL_NET | NB_ACL_CLUSTER | 3, NB_OP_USE, ZONE0);
    nb_acl_sort(rules, n);

    static const int g150[] = { 150, 1700 };
    static const nb_subject u150 = { 150, 150, g150, 2 };
    static const int in3[] = { 2, 3 };
    nb_objref host = obj(NB_ACL_HOST, 150, -1, -1, 0);
    nb_objref host2 = obj(NB_ACL_HOST, 151, -1, -1, 0);
    nb_objref vm = obj(NB_ACL_VM, 9, 42, 1700, 0);
    nb_objref vm2 = obj(NB_ACL_VM, 9, 42, 1701, 0);
    nb_objref net = obj(NB_ACL_NET, 4, 42, 5, 0);
    net.cids = in3;
    net.ncids = 2;
    nb_objref zone = obj(NB_ACL_ZONE, 0, -1, -1, 0);

    assert_true(nb_acl_authorize(&u150, &host, NB_OP_USE, false, rules, n, 0));
    assert_false(nb_acl_authorize(&u150, &host2, NB_OP_USE, false, rules, n, 0));
    assert_true(nb_acl_authorize(&u150, &host2, NB_OP_MANAGE, false, rules, n, 0));
    assert_false(nb_acl_authorize(&u150, &host2, NB_OP_MANAGE, false, rules, n, 1));
    /* #150 VM/@150 does not cover group 1700's VMs ... */
    assert_false(nb_acl_authorize(&u150, &vm, NB_OP_MANAGE, false, rules, n, 0));
    vm.gid = 150;
    assert_true(nb_acl_authorize(&u150, &vm, NB_OP_MANAGE, false, rules, n, 3));
    assert_false(nb_acl_authorize(&u150, &vm2, NB_OP_USE, false, rules, n, 0));
    assert_true(nb_acl_authorize(&u150, &net, NB_OP_USE, false, rules, n, 0));
    assert_true(nb_acl_authorize(&u150, &zone, NB_OP_USE, false, rules, n, 7));
    assert_false(nb_acl_authorize(&u150, &zone, NB_OP_MANAGE, false, rules, n, 7));
}

/* The runs a subject's rules form in a sorted set. */
static void test_subject_runs(void **state)
{
    nb_acl_rule rules[] = {
        rule(NB_ACL_GROUP | 100, NB_ACL_VM | NB_ACL_ALL, NB_OP_USE, ZONE0),
        rule(NB_ACL_ALL, NB_ACL_ZONE | NB_ACL_ALL, NB_OP_USE, NB_ACL_ALL),
        rule(NB_ACL_INDIVIDUAL | 5, NB_ACL_VM | NB_ACL_ALL, NB_OP_USE, ZONE0),
        rule(NB_ACL_GROUP | 100, NB_ACL_NET | NB_ACL_ALL, NB_OP_USE, ZONE0),
        rule(NB_ACL_GROUP | 101, NB_ACL_NET | NB_ACL_ALL, NB_OP_USE, ZONE0),
        rule(NB_ACL_INDIVIDUAL | 6, NB_ACL_NET | NB_ACL_ALL, NB_OP_USE, ZONE0),
    };
    static const size_t want[] = { 1, 1, 2 };   /* *, #5, @100 for alice */
    nb_acl_sort(rules, N(rules));
    for (size_t w = 0; w < N(want); w++) {
        size_t b, e;
        nb_acl_subject_run(rules, N(rules), &alice, w, &b, &e);
        assert_int_equal(e - b, want[w]);
    }
    size_t b, e;
    nb_acl_subject_run(rules, N(rules), &carol, 2, &b, &e);     /* @1: none */
    assert_int_equal(e, b);
    nb_acl_subject_run(NULL, 0, &carol, 0, &b, &e);
    assert_int_equal(b, 0);
    assert_int_equal(e, 0);

    nb_acl_rule r = rule(NB_ACL_ALL, NB_ACL_VM | NB_ACL_NET | NB_ACL_ALL, NB_OP_USE | NB_OP_MANAGE,
                         ZONE1);
    assert_true(nb_acl_rule_grants(&r, NB_ACL_NET, NB_OP_MANAGE, 1));
    assert_false(nb_acl_rule_grants(&r, NB_ACL_NET, NB_OP_MANAGE, 0));
    assert_false(nb_acl_rule_grants(&r, NB_ACL_HOST, NB_OP_USE, 1));
    assert_false(nb_acl_rule_grants(&r, NB_ACL_VM, NB_OP_ADMIN, 1));
}

/* The ownership bits alone, as the view uses them. */
static void test_perms_grant(void **state)
{
    nb_objref vm = obj(NB_ACL_VM, 10, 5, 100, 0640);
    assert_true(nb_acl_perms_grant(&alice, &vm, NB_OP_MANAGE));     /* owner */
    assert_true(nb_acl_perms_grant(&bob, &vm, NB_OP_USE));          /* group */
    assert_false(nb_acl_perms_grant(&bob, &vm, NB_OP_MANAGE));
    assert_false(nb_acl_perms_grant(&carol, &vm, NB_OP_USE));
    vm.perms = 0777;
    assert_false(nb_acl_perms_grant(&alice, &vm, NB_OP_CREATE));
    assert_true(nb_acl_perms_grant(&carol, &vm, NB_OP_ADMIN));      /* other */
    vm.oid = -1;
    assert_false(nb_acl_perms_grant(&alice, &vm, NB_OP_USE));
    /* Neither admins nor locks are its business. */
    nb_objref host = obj(NB_ACL_HOST, 1, -1, -1, 0);
    assert_false(nb_acl_perms_grant(&oneadmin, &host, NB_OP_USE));
    vm.oid = 10;
    vm.lock = 1;
    assert_true(nb_acl_perms_grant(&alice, &vm, NB_OP_USE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_owner_bits),
        cmocka_unit_test(test_group_bits),
        cmocka_unit_test(test_other_bits),
        cmocka_unit_test(test_combined_rights_need_every_bit),
        cmocka_unit_test(test_create_never_from_bits),
        cmocka_unit_test(test_create_from_rules),
        cmocka_unit_test(test_user_selectors),
        cmocka_unit_test(test_resource_selectors),
        cmocka_unit_test(test_multi_type_resource),
        cmocka_unit_test(test_zones),
        cmocka_unit_test(test_rules_only_grant),
        cmocka_unit_test(test_admins_pass),
        cmocka_unit_test(test_locks),
        cmocka_unit_test(test_locks_apply_to_admins_and_rules),
        cmocka_unit_test(test_bootstrap_hex_matches_constants),
        cmocka_unit_test(test_bootstrap_create),
        cmocka_unit_test(test_bootstrap_visibility),
        cmocka_unit_test(test_reference_cluster_rules),
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_index_matches_linear),
        cmocka_unit_test(test_sort_and_lower_bound),
        cmocka_unit_test(test_index_large_set),
        cmocka_unit_test(test_subject_runs),
        cmocka_unit_test(test_perms_grant),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
