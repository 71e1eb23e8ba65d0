/*
 * test_rule_text.c: the textual forms of ACL rules (reference §5.1-5.2,
 * §5.5): string <-> hex words for every type and selector, the canonical
 * STRING, validation messages, and the hex and rights parsers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "acl/rule_text.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

typedef struct golden {
    const char *str;        /* canonical */
    uint64_t user, resource, rights, zone;
} golden;

/* The reference's own table (§5.2) and bootstrap rules (§5.5). */
static const golden reference_rows[] = {
    { "#5 VM+HOST/@102 MANAGE #0", 0x100000005ULL, 0x3200000066ULL, 0x2, 0x100000000ULL },
    { "@1 VM+IMAGE+TEMPLATE+DOCUMENT+SECGROUP+VMGROUP+BACKUPJOB/* CREATE *",
      0x200000001ULL, 0x121429400000000ULL, 0x8, 0x400000000ULL },
    { "* ZONE/* USE *", 0x400000000ULL, 0x800400000000ULL, 0x1, 0x400000000ULL },
    { "@101 HOST/%100 MANAGE #0", 0x200000065ULL, 0x2800000064ULL, 0x2, 0x100000000ULL },
    { "@101 NET/%100 USE #0", 0x200000065ULL, 0x4800000064ULL, 0x1, 0x100000000ULL },
    { "@101 DATASTORE/%100 USE #0", 0x200000065ULL, 0x100800000064ULL, 0x1, 0x100000000ULL },
    { "* MARKETPLACE+MARKETPLACEAPP/* USE *", 0x400000000ULL, 0x18000400000000ULL, 0x1,
      0x400000000ULL },
    { "@1 HOST/* MANAGE #0", 0x200000001ULL, 0x2400000000ULL, 0x2, 0x100000000ULL },
    { "@1 NET/* USE #0", 0x200000001ULL, 0x4400000000ULL, 0x1, 0x100000000ULL },
    { "@1 DATASTORE/* USE #0", 0x200000001ULL, 0x100400000000ULL, 0x1, 0x100000000ULL },
};

/* Every resource type (in encoding order), every selector of each part and
 * every rights combination shape. */
static const golden type_rows[] = {
    { "#10 VM/#3 USE #0", 0x10000000aULL, 0x1100000003ULL, 0x1, 0x100000000ULL },
    { "@11 HOST/@4 MANAGE *", 0x20000000bULL, 0x2200000004ULL, 0x2, 0x400000000ULL },
    { "* NET/%5 ADMIN #2", 0x400000000ULL, 0x4800000005ULL, 0x4, 0x100000002ULL },
    { "#10 IMAGE/* CREATE #0", 0x10000000aULL, 0x8400000000ULL, 0x8, 0x100000000ULL },
    { "@11 USER/#3 USE+MANAGE *", 0x20000000bULL, 0x10100000003ULL, 0x3, 0x400000000ULL },
    { "* TEMPLATE/@4 USE+MANAGE+ADMIN+CREATE #2", 0x400000000ULL, 0x20200000004ULL, 0xf,
      0x100000002ULL },
    { "#10 GROUP/%5 MANAGE+CREATE #0", 0x10000000aULL, 0x40800000005ULL, 0xa, 0x100000000ULL },
    { "@11 ACL/* USE *", 0x20000000bULL, 0x80400000000ULL, 0x1, 0x400000000ULL },
    { "* DATASTORE/#3 MANAGE #2", 0x400000000ULL, 0x100100000003ULL, 0x2, 0x100000002ULL },
    { "#10 CLUSTER/@4 ADMIN #0", 0x10000000aULL, 0x200200000004ULL, 0x4, 0x100000000ULL },
    { "@11 DOCUMENT/%5 CREATE *", 0x20000000bULL, 0x400800000005ULL, 0x8, 0x400000000ULL },
    { "* ZONE/* USE+MANAGE #2", 0x400000000ULL, 0x800400000000ULL, 0x3, 0x100000002ULL },
    { "#10 SECGROUP/#3 USE+MANAGE+ADMIN+CREATE #0", 0x10000000aULL, 0x1000100000003ULL, 0xf,
      0x100000000ULL },
    { "@11 VDC/@4 MANAGE+CREATE *", 0x20000000bULL, 0x2000200000004ULL, 0xa, 0x400000000ULL },
    { "* VROUTER/%5 USE #2", 0x400000000ULL, 0x4000800000005ULL, 0x1, 0x100000002ULL },
    { "#10 MARKETPLACE/* MANAGE #0", 0x10000000aULL, 0x8000400000000ULL, 0x2, 0x100000000ULL },
    { "@11 MARKETPLACEAPP/#3 ADMIN *", 0x20000000bULL, 0x10000100000003ULL, 0x4, 0x400000000ULL },
    { "* VMGROUP/@4 CREATE #2", 0x400000000ULL, 0x20000200000004ULL, 0x8, 0x100000002ULL },
    { "#10 VNTEMPLATE/%5 USE+MANAGE #0", 0x10000000aULL, 0x40000800000005ULL, 0x3,
      0x100000000ULL },
    { "@11 HOOK/* USE+MANAGE+ADMIN+CREATE *", 0x20000000bULL, 0x80000400000000ULL, 0xf,
      0x400000000ULL },
    { "* BACKUPJOB/#3 MANAGE+CREATE #2", 0x400000000ULL, 0x100000100000003ULL, 0xa,
      0x100000002ULL },
    /* Largest ids, and every type at once. */
    { "#2147483647 VM/#2147483647 USE #2147483647", 0x17fffffffULL, 0x117fffffffULL, 0x1,
      0x17fffffffULL },
    { "#0 VM+HOST+NET+IMAGE+USER+TEMPLATE+GROUP+ACL+DATASTORE+CLUSTER+DOCUMENT+ZONE+SECGROUP+"
      "VDC+VROUTER+MARKETPLACE+MARKETPLACEAPP+VMGROUP+VNTEMPLATE+HOOK+BACKUPJOB/@0 USE #0",
      0x100000000ULL, 0x1fffff200000000ULL, 0x1, 0x100000000ULL },
};

static void parse_ok(const char *s, int default_zone, nb_acl_rule *r)
{
    char *err = NULL;
    if (nb_acl_rule_parse(s, default_zone, r, &err) != 0)
        fail_msg("'%s' does not parse: %s", s, err);
    assert_null(err);
}

static void assert_golden(const golden *g)
{
    nb_acl_rule r;
    char buf[NB_ACL_STRING_MAX];

    parse_ok(g->str, 0, &r);
    assert_int_equal(r.user, g->user);
    assert_int_equal(r.resource, g->resource);
    assert_int_equal(r.rights, g->rights);
    assert_int_equal(r.zone, g->zone);

    nb_acl_rule w = { 0, g->user, g->resource, g->rights, g->zone };
    size_t n = nb_acl_rule_format(&w, buf, sizeof(buf));
    assert_string_equal(buf, g->str);
    assert_int_equal(n, strlen(g->str));
}

static void test_reference_rows(void **state)
{
    for (size_t i = 0; i < N(reference_rows); i++)
        assert_golden(&reference_rows[i]);
}

static void test_every_type_and_selector(void **state)
{
    for (size_t i = 0; i < N(type_rows); i++)
        assert_golden(&type_rows[i]);
}

/* The reference writes "HOST+VM"; the canonical form orders by type bit. */
static void test_canonical_order(void **state)
{
    static const char *const same[] = {
        "#5 HOST+VM/@102 MANAGE #0", "#5 VM+HOST/@102 MANAGE #0",
        "#5 HOST+VM+HOST/@102 MANAGE #0", "#5 host+Vm/@102 manage #0",
    };
    for (size_t i = 0; i < N(same); i++) {
        nb_acl_rule r;
        char buf[NB_ACL_STRING_MAX];
        parse_ok(same[i], 0, &r);
        nb_acl_rule_format(&r, buf, sizeof(buf));
        assert_string_equal(buf, "#5 VM+HOST/@102 MANAGE #0");
    }
    nb_acl_rule r;
    char buf[NB_ACL_STRING_MAX];
    parse_ok("* VM/* CREATE+ADMIN+USE+MANAGE", 0, &r);
    nb_acl_rule_format(&r, buf, sizeof(buf));
    assert_string_equal(buf, "* VM/* USE+MANAGE+ADMIN+CREATE #0");
}

static void test_case_and_blanks(void **state)
{
    static const char *const spellings[] = {
        "@1 vm+image+template+document+secgroup+vmgroup+backupjob/* create *",
        "@1 Vm+ImAgE+TEMPLATE+document+SecGroup+VMGroup+BackupJob/* Create *",
        "  @1   VM+IMAGE+TEMPLATE+DOCUMENT+SECGROUP+VMGROUP+BACKUPJOB/*\tCREATE *  ",
        "@1 VM+IMAGE+TEMPLATE+DOCUMENT+SECGROUP+VMGROUP+BACKUPJOB/* CREATE *\n",
    };
    for (size_t i = 0; i < N(spellings); i++) {
        nb_acl_rule r;
        parse_ok(spellings[i], 0, &r);
        assert_int_equal(r.user, 0x200000001ULL);
        assert_int_equal(r.resource, 0x121429400000000ULL);
        assert_int_equal(r.rights, 0x8);
        assert_int_equal(r.zone, 0x400000000ULL);
    }
}

static void test_default_zone_and_ids(void **state)
{
    nb_acl_rule r;
    parse_ok("#5 VM/* USE", 0, &r);
    assert_int_equal(r.zone, 0x100000000ULL);
    parse_ok("#5 VM/* USE", 3, &r);
    assert_int_equal(r.zone, 0x100000003ULL);
    parse_ok("#5 VM/* USE *", 3, &r);
    assert_int_equal(r.zone, 0x400000000ULL);
    /* Leading zeros are just digits. */
    parse_ok("#007 VM/#0010 USE #00", 3, &r);
    assert_int_equal(r.user, 0x100000007ULL);
    assert_int_equal(r.resource, 0x110000000aULL);
    assert_int_equal(r.zone, 0x100000000ULL);
    parse_ok("#00000000000000000000000000000001 VM/* USE", 0, &r);
    assert_int_equal(r.user, 0x100000001ULL);
}

static void assert_parse_error(const char *s, const char *msg)
{
    nb_acl_rule r = { 0 };
    char *err = NULL;
    if (nb_acl_rule_parse(s, 0, &r, &err) == 0)
        fail_msg("'%s' parses", s);
    assert_non_null(err);
    assert_string_equal(err, msg);
    free(err);
}

static void test_parse_errors(void **state)
{
    static const struct { const char *in, *msg; } cases[] = {
        { "", "a rule needs at least 3 components: USER RESOURCES RIGHTS [ZONE]" },
        { "   ", "a rule needs at least 3 components: USER RESOURCES RIGHTS [ZONE]" },
        { "#1 VM/*", "a rule needs at least 3 components: USER RESOURCES RIGHTS [ZONE]" },
        { "#1 VM/* USE #0 x", "a rule has at most 4 components: USER RESOURCES RIGHTS [ZONE]" },
        { "#x VM/* USE", "[user] '#x' is not #<id>, @<id> or *" },
        { "# VM/* USE", "[user] '#' is not #<id>, @<id> or *" },
        { "#-1 VM/* USE", "[user] '#-1' is not #<id>, @<id> or *" },
        { "#+1 VM/* USE", "[user] '#+1' is not #<id>, @<id> or *" },
        { "%1 VM/* USE", "[user] '%1' is not #<id>, @<id> or *" },
        { "** VM/* USE", "[user] '**' is not #<id>, @<id> or *" },
        { "5 VM/* USE", "[user] '5' is not #<id>, @<id> or *" },
        { "#2147483648 VM/* USE", "[user] ID in '#2147483648' is larger than 2147483647" },
        { "#99999999999999999999999999 VM/* USE",
          "[user] ID in '#99999999999999999999999999' is larger than 2147483647" },
        { "#1 VM USE", "[resource] 'VM' is not TYPE[+TYPE...]/ID" },
        { "#1 VM+FOO/* USE", "[resource] unknown type 'FOO'" },
        { "#1 VMS/* USE", "[resource] unknown type 'VMS'" },
        { "#1 V/* USE", "[resource] unknown type 'V'" },
        { "#1 /* USE", "[resource] unknown type ''" },
        { "#1 VM+/* USE", "[resource] unknown type ''" },
        { "#1 VM/ USE", "[resource] '' is not #<id>, @<id>, %<id> or *" },
        { "#1 VM/*1 USE", "[resource] '*1' is not #<id>, @<id>, %<id> or *" },
        { "#1 VM/#1/2 USE", "[resource] '#1/2' is not #<id>, @<id>, %<id> or *" },
        { "#1 VM/%4294967296 USE", "[resource] ID in '%4294967296' is larger than 2147483647" },
        { "#1 VM/* USE+FLY", "[rights] unknown right 'FLY'" },
        { "#1 VM/* USE+", "[rights] unknown right ''" },
        { "#1 VM/* -", "[rights] no right given" },
        { "#1 VM/* USE @0", "[zone] '@0' is not #<id> or *" },
        { "#1 VM/* USE %0", "[zone] '%0' is not #<id> or *" },
        { "#1 VM/* USE #", "[zone] '#' is not #<id> or *" },
    };
    for (size_t i = 0; i < N(cases); i++)
        assert_parse_error(cases[i].in, cases[i].msg);

    /* Long garbage is quoted back cut to 64 characters. */
    char big[200], line[256], msg[256];
    memset(big, '7', sizeof(big) - 1);
    big[0] = '#';
    big[1] = 'x';
    big[sizeof(big) - 1] = '\0';
    snprintf(line, sizeof(line), "%s VM/* USE", big);
    snprintf(msg, sizeof(msg), "[user] '%.64s' is not #<id>, @<id> or *", big);
    assert_int_equal(strlen(msg), strlen("[user] '' is not #<id>, @<id> or *") + 64);
    assert_parse_error(line, msg);
}

/* splitmix64, fixed seed. */
static uint64_t rnd_state = 42;
static uint64_t rnd(void)
{
    uint64_t z = (rnd_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Any rule whose words the string form can express comes back unchanged. */
static void test_round_trip(void **state)
{
    static const uint64_t user_sels[] = { NB_ACL_INDIVIDUAL, NB_ACL_GROUP, NB_ACL_ALL };
    static const uint64_t res_sels[] = { NB_ACL_INDIVIDUAL, NB_ACL_GROUP, NB_ACL_ALL, NB_ACL_CLUSTER };
    static const uint64_t zone_sels[] = { NB_ACL_INDIVIDUAL, NB_ACL_ALL };

    for (int i = 0; i < 20000; i++) {
        uint64_t us = user_sels[rnd() % 3], rs = res_sels[rnd() % 4], zs = zone_sels[rnd() % 2];
        uint64_t types = (rnd() & 0x1fffff) << 36;
        if (!types)
            types = NB_ACL_VM;
        nb_acl_rule r = {
            0,
            us | (us == NB_ACL_ALL ? 0 : rnd() % 0x80000000ULL),
            types | rs | (rs == NB_ACL_ALL ? 0 : rnd() % 0x80000000ULL),
            1 + rnd() % 15,
            zs | (zs == NB_ACL_ALL ? 0 : rnd() % 0x80000000ULL),
        };
        char buf[NB_ACL_STRING_MAX], buf2[NB_ACL_STRING_MAX];
        size_t n = nb_acl_rule_format(&r, buf, sizeof(buf));
        assert_true(n < sizeof(buf));
        nb_acl_rule p;
        parse_ok(buf, 7, &p);
        assert_int_equal(p.user, r.user);
        assert_int_equal(p.resource, r.resource);
        assert_int_equal(p.rights, r.rights);
        assert_int_equal(p.zone, r.zone);
        nb_acl_rule_format(&p, buf2, sizeof(buf2));
        assert_string_equal(buf, buf2);
    }
}

static void test_format_snprintf(void **state)
{
    const golden *g = &reference_rows[1];
    nb_acl_rule r = { 0, g->user, g->resource, g->rights, g->zone };
    size_t len = strlen(g->str);
    char buf[NB_ACL_STRING_MAX];

    assert_int_equal(nb_acl_rule_format(&r, NULL, 0), len);
    for (size_t room = 1; room <= len + 1; room++) {
        memset(buf, 'x', sizeof(buf));
        assert_int_equal(nb_acl_rule_format(&r, buf, room), len);
        assert_int_equal(strlen(buf), room - 1);
        assert_memory_equal(buf, g->str, room - 1);
    }

    /* The longest rule fits NB_ACL_STRING_MAX. */
    nb_acl_rule big = { 0, NB_ACL_GROUP | 0x80000000ULL, 0xFFFFFFF000000000ULL | NB_ACL_GROUP |
                        0x80000000ULL, 0xF, NB_ACL_INDIVIDUAL | 0x80000000ULL };
    assert_true(nb_acl_rule_format(&big, NULL, 0) < NB_ACL_STRING_MAX);
}

/* Words the string form cannot express render as oned renders them. */
static void test_format_malformed(void **state)
{
    static const struct { nb_acl_rule r; const char *str; } cases[] = {
        { { 0, 0, NB_ACL_VM, 0, 0 }, "?? VM/??  ??" },
        { { 0, NB_ACL_CLUSTER | 3, NB_ACL_VM | NB_ACL_ALL, 1, NB_ACL_GROUP | 2 }, "?? VM/* USE ??" },
        /* oned's precedence: @ before # before % before * */
        { { 0, NB_ACL_GROUP | NB_ACL_INDIVIDUAL | 3, NB_ACL_VM | NB_ACL_SEL_MASK | 4, 1,
            NB_ACL_INDIVIDUAL | NB_ACL_ALL | 5 }, "@3 VM/@4 USE #5" },
        { { 0, NB_ACL_INDIVIDUAL | NB_ACL_ALL | 3, NB_ACL_VM | NB_ACL_CLUSTER | NB_ACL_ALL | 4, 1,
            NB_ACL_ALL | 5 }, "#3 VM/%4 USE *" },
        /* Ids print as the signed ints oned shows; unknown bits are dropped. */
        { { 0, NB_ACL_INDIVIDUAL | 0xFFFFFFFFULL, 0xF000000000000000ULL | NB_ACL_ALL, 0xF1,
            NB_ACL_ALL }, "#-1 /* USE *" },
    };
    for (size_t i = 0; i < N(cases); i++) {
        char buf[NB_ACL_STRING_MAX];
        nb_acl_rule_format(&cases[i].r, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].str);
    }
}

static void assert_valid(const nb_acl_rule *r)
{
    char *err = NULL;
    if (nb_acl_rule_validate(r, &err) != 0)
        fail_msg("valid rule refused: %s", err);
    assert_null(err);
}

static void assert_invalid(uint64_t user, uint64_t resource, uint64_t rights, uint64_t zone,
                           const char *msg)
{
    nb_acl_rule r = { 0, user, resource, rights, zone };
    char *err = NULL;
    assert_int_equal(nb_acl_rule_validate(&r, &err), -1);
    assert_non_null(err);
    assert_string_equal(err, msg);
    free(err);
}

static void test_validate_accepts(void **state)
{
    /* Every reference row but the first (@ on HOST is malformed, §5.2). */
    for (size_t i = 1; i < N(reference_rows); i++) {
        const golden *g = &reference_rows[i];
        nb_acl_rule r = { 0, g->user, g->resource, g->rights, g->zone };
        assert_valid(&r);
    }
    static const char *const ok[] = {
        "#0 VM/#0 USE #0",
        "#2147483647 VM/#2147483647 USE #2147483647",
        "* USER+GROUP+ZONE+ACL+VDC/#3 ADMIN *",       /* federated types, any zone */
        "@3 HOST+NET+DATASTORE/%1 USE+MANAGE+ADMIN+CREATE #1",
        "@3 VM+NET+IMAGE+USER+TEMPLATE+DATASTORE+DOCUMENT+SECGROUP+VROUTER+MARKETPLACE+"
        "MARKETPLACEAPP+VMGROUP+VNTEMPLATE+BACKUPJOB+ACL/@4 USE #0",
        "#5 VM+HOST+NET+IMAGE+USER+TEMPLATE+GROUP+ACL+DATASTORE+CLUSTER+DOCUMENT+ZONE+SECGROUP+"
        "VDC+VROUTER+MARKETPLACE+MARKETPLACEAPP+VMGROUP+VNTEMPLATE+BACKUPJOB/* CREATE *",
    };
    for (size_t i = 0; i < N(ok); i++) {
        nb_acl_rule r;
        parse_ok(ok[i], 0, &r);
        assert_valid(&r);
    }
}

#define I NB_ACL_INDIVIDUAL
#define G NB_ACL_GROUP
#define A NB_ACL_ALL
#define C NB_ACL_CLUSTER

static void test_validate_user(void **state)
{
    const uint64_t res = NB_ACL_VM | A, z = I | 0;
    assert_invalid(5, res, 1, z,
        "[user] must have exactly one of the INDIVIDUAL (#), GROUP (@) or ALL (*) selectors (it has none)");
    assert_invalid(I | G | 5, res, 1, z,
        "[user] must have exactly one of the INDIVIDUAL (#), GROUP (@) or ALL (*) selectors (it has several)");
    assert_invalid(I | A, res, 1, z,
        "[user] must have exactly one of the INDIVIDUAL (#), GROUP (@) or ALL (*) selectors (it has several)");
    assert_invalid(C | 5, res, 1, z,
        "[user] the CLUSTER (%) selector is not supported; "
        "[user] must have exactly one of the INDIVIDUAL (#), GROUP (@) or ALL (*) selectors (it has none)");
    assert_invalid(I | 0x80000000ULL, res, 1, z, "[user] ID cannot be negative");
    assert_invalid(A | 1, res, 1, z, "[user] when using the ALL (*) selector, the ID must be 0");
    assert_invalid(NB_ACL_VM | I | 5, res, 1, z,
                   "[user] bits 0x1000000000 are neither a selector nor the ID");
}

static void test_validate_resource(void **state)
{
    const uint64_t u = I | 5, z = I | 0;
    assert_invalid(u, NB_ACL_VM | 3, 1, z,
        "[resource] must have exactly one of the INDIVIDUAL (#), GROUP (@), CLUSTER (%) or ALL (*) "
        "selectors (it has none)");
    assert_invalid(u, NB_ACL_NET | I | C | 3, 1, z,
        "[resource] must have exactly one of the INDIVIDUAL (#), GROUP (@), CLUSTER (%) or ALL (*) "
        "selectors (it has several)");
    assert_invalid(u, NB_ACL_VM | I | 0xFFFFFFFFULL, 1, z, "[resource] ID cannot be negative");
    assert_invalid(u, NB_ACL_VM | A | 7, 1, z,
                   "[resource] when using the ALL (*) selector, the ID must be 0");
    assert_invalid(u, A, 1, z, "[resource] type is missing");
    assert_invalid(u, NB_ACL_HOOK | A, 1, z,
                   "wrong [resource] type: unsupported type bits 0x80000000000000");
    assert_invalid(u, NB_ACL_VM | 0x8000000000000000ULL | 0x0200000000000000ULL | A, 1, z,
                   "wrong [resource] type: unsupported type bits 0x8200000000000000");

    /* % only on HOST, NET, DATASTORE. */
    static const uint64_t not_cluster[] = {
        NB_ACL_VM, NB_ACL_IMAGE, NB_ACL_USER, NB_ACL_TEMPLATE, NB_ACL_GROUP_T, NB_ACL_ACL,
        NB_ACL_CLUSTER_T, NB_ACL_DOCUMENT, NB_ACL_ZONE, NB_ACL_SECGROUP, NB_ACL_VDC,
        NB_ACL_VROUTER, NB_ACL_MARKETPLACE, NB_ACL_MARKETPLACEAPP, NB_ACL_VMGROUP,
        NB_ACL_VNTEMPLATE, NB_ACL_BACKUPJOB,
    };
    for (size_t i = 0; i < N(not_cluster); i++)
        assert_invalid(u, NB_ACL_HOST | not_cluster[i] | C | 1, 1, z,
            "[resource] the CLUSTER (%) selector applies only to HOST, NET and DATASTORE types");

    /* @ not on HOST, GROUP, CLUSTER, ZONE, VDC. */
    static const uint64_t not_group[] = {
        NB_ACL_HOST, NB_ACL_GROUP_T, NB_ACL_CLUSTER_T, NB_ACL_ZONE, NB_ACL_VDC,
    };
    for (size_t i = 0; i < N(not_group); i++)
        assert_invalid(u, NB_ACL_VM | not_group[i] | G | 1, 1, z,
            "[resource] the GROUP (@) selector cannot be applied to HOST, GROUP, CLUSTER, ZONE or VDC types");
}

static void test_validate_rights(void **state)
{
    const uint64_t u = I | 5, res = NB_ACL_VM | A, z = I | 0;
    assert_invalid(u, res, 0, z, "wrong [rights], it cannot be 0");
    assert_invalid(u, res, 0x10, z, "wrong [rights], it cannot be bigger than 0xF");
    assert_invalid(u, res, 0x1F, z, "wrong [rights], it cannot be bigger than 0xF");
    for (uint64_t r = 1; r <= 0xF; r++) {
        nb_acl_rule ok = { 0, u, res, r, z };
        assert_valid(&ok);
    }
}

static void test_validate_zone(void **state)
{
    const uint64_t u = I | 5, res = NB_ACL_VM | A;
    assert_invalid(u, res, 1, G | 0,
        "[zone] the GROUP (@) selector is not supported; "
        "[zone] must have exactly one of the INDIVIDUAL (#) or ALL (*) selectors (it has none)");
    assert_invalid(u, res, 1, C | I | 0, "[zone] the CLUSTER (%) selector is not supported");
    assert_invalid(u, res, 1, I | A,
        "[zone] must have exactly one of the INDIVIDUAL (#) or ALL (*) selectors (it has several)");
    assert_invalid(u, res, 1, 0,
        "[zone] must have exactly one of the INDIVIDUAL (#) or ALL (*) selectors (it has none)");
    assert_invalid(u, res, 1, I | 0x80000000ULL, "[zone] ID cannot be negative");
    assert_invalid(u, res, 1, A | 2, "[zone] when using the ALL (*) selector, the ID must be 0");
    assert_invalid(u, res, 1, NB_ACL_VM | I,
                   "[zone] bits 0x1000000000 are neither a selector nor the ID");

    /* A #id resource in every zone: federated types only. */
    static const uint64_t federated[] = {
        NB_ACL_USER, NB_ACL_GROUP_T, NB_ACL_ZONE, NB_ACL_ACL, NB_ACL_VDC,
    };
    for (size_t i = 0; i < N(federated); i++) {
        nb_acl_rule ok = { 0, u, federated[i] | I | 3, 1, A };
        assert_valid(&ok);
    }
    static const uint64_t local[] = {
        NB_ACL_VM, NB_ACL_HOST, NB_ACL_NET, NB_ACL_IMAGE, NB_ACL_TEMPLATE, NB_ACL_DATASTORE,
        NB_ACL_CLUSTER_T, NB_ACL_DOCUMENT, NB_ACL_SECGROUP, NB_ACL_VROUTER, NB_ACL_MARKETPLACE,
        NB_ACL_MARKETPLACEAPP, NB_ACL_VMGROUP, NB_ACL_VNTEMPLATE, NB_ACL_BACKUPJOB,
    };
    for (size_t i = 0; i < N(local); i++)
        assert_invalid(u, NB_ACL_USER | local[i] | I | 3, 1, A,
            "[resource] the INDIVIDUAL (#) selector cannot be used with ALL (*) zones, "
            "except for USER, GROUP, ZONE, ACL and VDC types");
    /* ...but other selectors are fine in every zone. */
    nb_acl_rule ok = { 0, u, NB_ACL_VM | G | 3, 1, A };
    assert_valid(&ok);
}

/* Everything wrong at once: every problem, in order, joined by "; ". */
static void test_validate_all_problems(void **state)
{
    assert_invalid(A | 1, NB_ACL_HOOK | NB_ACL_HOST | G | C | 2, 0x20, G | A | 3,
        "[user] when using the ALL (*) selector, the ID must be 0; "
        "[resource] must have exactly one of the INDIVIDUAL (#), GROUP (@), CLUSTER (%) or ALL (*) "
        "selectors (it has several); "
        "wrong [resource] type: unsupported type bits 0x80000000000000; "
        "[resource] the CLUSTER (%) selector applies only to HOST, NET and DATASTORE types; "
        "[resource] the GROUP (@) selector cannot be applied to HOST, GROUP, CLUSTER, ZONE or VDC types; "
        "wrong [rights], it cannot be bigger than 0xF; "
        "[zone] the GROUP (@) selector is not supported; "
        "[zone] when using the ALL (*) selector, the ID must be 0");
}

static void test_hex_parse(void **state)
{
    static const struct { const char *in; uint64_t v; } ok[] = {
        { "0", 0 }, { "1", 1 }, { "0x1", 1 }, { "0X1f", 0x1f }, { "ff", 0xff }, { "FF", 0xff },
        { "200000001", 0x200000001ULL }, { "0x121429400000000", 0x121429400000000ULL },
        { "FFFFFFFFFFFFFFFF", 0xFFFFFFFFFFFFFFFFULL }, { "0xffffffffffffffff", 0xFFFFFFFFFFFFFFFFULL },
        { "0000000000000001", 1 }, { "0x0000000000000000", 0 }, { "00", 0 },
    };
    static const char *const bad[] = {
        "", "0x", "0X", "x1", "0x0x1", " 1", "1 ", "-1", "+1", "g", "1g", "0xg",
        "10000000000000000", "0x10000000000000000", "00000000000000000", "1.0", "0o1", "0x 1", "１",
    };
    for (size_t i = 0; i < N(ok); i++) {
        uint64_t v = 12345;
        if (nb_acl_hex_parse(ok[i].in, &v) != 0)
            fail_msg("'%s' refused", ok[i].in);
        assert_int_equal(v, ok[i].v);
    }
    for (size_t i = 0; i < N(bad); i++) {
        uint64_t v = 12345;
        if (nb_acl_hex_parse(bad[i], &v) == 0)
            fail_msg("'%s' accepted", bad[i]);
        assert_int_equal(v, 12345);
    }
}

static void test_rights_parse(void **state)
{
    static const struct { const char *in; uint64_t v; } ok[] = {
        { "USE", 1 }, { "MANAGE", 2 }, { "ADMIN", 4 }, { "CREATE", 8 }, { "USE+MANAGE", 3 },
        { "use+manage", 3 }, { "Manage+Use", 3 }, { "USE+MANAGE+ADMIN+CREATE", 0xF },
        { "CREATE+USE", 9 }, { "USE+USE", 1 }, { "", 0 }, { "-", 0 },
    };
    static const char *const bad[] = {
        "USE+", "+USE", "USE++MANAGE", "FOO", "USE MANAGE", "USE,MANAGE", "--", "U", "USES",
        " USE", "USE|MANAGE",
    };
    for (size_t i = 0; i < N(ok); i++) {
        uint64_t v = 12345;
        if (nb_acl_rights_parse(ok[i].in, &v) != 0)
            fail_msg("'%s' refused", ok[i].in);
        assert_int_equal(v, ok[i].v);
    }
    for (size_t i = 0; i < N(bad); i++) {
        uint64_t v = 12345;
        if (nb_acl_rights_parse(bad[i], &v) == 0)
            fail_msg("'%s' accepted", bad[i]);
        assert_int_equal(v, 12345);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_rows),
        cmocka_unit_test(test_every_type_and_selector),
        cmocka_unit_test(test_canonical_order),
        cmocka_unit_test(test_case_and_blanks),
        cmocka_unit_test(test_default_zone_and_ids),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_format_snprintf),
        cmocka_unit_test(test_format_malformed),
        cmocka_unit_test(test_validate_accepts),
        cmocka_unit_test(test_validate_user),
        cmocka_unit_test(test_validate_resource),
        cmocka_unit_test(test_validate_rights),
        cmocka_unit_test(test_validate_zone),
        cmocka_unit_test(test_validate_all_problems),
        cmocka_unit_test(test_hex_parse),
        cmocka_unit_test(test_rights_parse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
