/*
 * aclbench: cost of one ACL check and of filtering a pool listing with a
 * site-sized rule set (reference §5.3-5.4).  Part of `make bench`.
 *
 * The 10,000 rules look like a real site: the bootstrap rules, VDC rules
 * for 2,500 groups (half in the default VDC, half in per-tenant VDCs on
 * their own cluster), 250 group admins, and per-host rules, many of them
 * for the caller's own group.  The caller belongs to two groups and is an
 * admin of 100 of them, so several of its runs are long.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "acl/generate.h"
#include "lib/util.h"
#include "tests/bench/bench.h"
#include "acl/view.h"

#define NRULES 10000
#define NGROUPS 2500
#define FIRST_GROUP 100
#define NADMINS 250
#define CALLER 5000
#define CALLER_ADMIN_OF 100
#define BATCHES 15
#define CALLS_PER_BATCH 200000
#define NOBJECTS 10000

static nb_acl_rule rules[NRULES];
static size_t nrules;

static void add(nb_acl_rule r)
{
    if (nrules == NRULES) {
        fprintf(stderr, "aclbench: more than %d rules\n", NRULES);
        exit(1);
    }
    r.id = (int)nrules;
    rules[nrules++] = r;
}

static void build_rules(void)
{
    static const nb_vdc_rights rights = {
        .host = NB_OP_MANAGE, .net = NB_OP_USE, .datastore = NB_OP_USE,
        .cluster_host = NB_OP_MANAGE, .cluster_net = NB_OP_USE, .cluster_datastore = NB_OP_USE,
    };
    static const nb_acl_rule bootstrap[] = {
        { 0, NB_ACL_GROUP | 1, NB_ACL_VM | NB_ACL_IMAGE | NB_ACL_TEMPLATE | NB_ACL_DOCUMENT |
          NB_ACL_SECGROUP | NB_ACL_VMGROUP | NB_ACL_BACKUPJOB | NB_ACL_ALL, NB_OP_CREATE, NB_ACL_ALL },
        { 0, NB_ACL_ALL, NB_ACL_ZONE | NB_ACL_ALL, NB_OP_USE, NB_ACL_ALL },
        { 0, NB_ACL_ALL, NB_ACL_MARKETPLACE | NB_ACL_MARKETPLACEAPP | NB_ACL_ALL, NB_OP_USE,
          NB_ACL_ALL },
    };
    nb_acl_rule out[NB_ACL_GROUP_ADMIN_RULES];

    for (size_t i = 0; i < sizeof(bootstrap) / sizeof(bootstrap[0]); i++)
        add(bootstrap[i]);
    /* Every group: the default VDC's cluster-ALL rules, or a tenant VDC
     * on cluster g % 50. */
    for (int g = FIRST_GROUP; g < FIRST_GROUP + NGROUPS; g++) {
        int cluster = g % 2 ? g % 50 : NB_VDC_ALL;
        size_t n = nb_acl_vdc_rules(NB_VDC_CLUSTER, 0, cluster, g, &rights, out);
        for (size_t i = 0; i < n; i++)
            add(out[i]);
    }
    /* Group admins; the caller administers the first 100 groups. */
    for (int a = 0; a < NADMINS; a++) {
        int uid = a < CALLER_ADMIN_OF ? CALLER : 1000 + a;
        nb_acl_group_admin_rules(uid, FIRST_GROUP + a, out);
        for (size_t i = 0; i < NB_ACL_GROUP_ADMIN_RULES; i++)
            add(out[i]);
    }
    /* A few catch-all rules. */
    add((nb_acl_rule){ 0, NB_ACL_ALL, NB_ACL_TEMPLATE | NB_ACL_INDIVIDUAL | 0, NB_OP_USE,
                       NB_ACL_INDIVIDUAL | 0 });
    add((nb_acl_rule){ 0, NB_ACL_ALL, NB_ACL_VNTEMPLATE | NB_ACL_ALL, NB_OP_USE, NB_ACL_ALL });
    /* Per-host rules up to 10,000, the caller's group 100 getting 1,000. */
    for (int i = 0; nrules < NRULES; i++) {
        int g = i < 1000 ? FIRST_GROUP : FIRST_GROUP + 1 + i % (NGROUPS - 1);
        add((nb_acl_rule){ 0, NB_ACL_GROUP | (uint32_t)g, NB_ACL_HOST | NB_ACL_INDIVIDUAL |
                           (uint32_t)(i % 2000), NB_OP_USE, NB_ACL_INDIVIDUAL | 0 });
    }
    nb_acl_sort(rules, nrules);
}

static const int caller_groups[] = { FIRST_GROUP, FIRST_GROUP + 1 };
static const nb_subject caller = { CALLER, FIRST_GROUP, caller_groups, 2 };
static const int cluster_ids[] = { 7 };

typedef struct query {
    nb_objref o;
    enum nb_op op;
    bool want;
} query;

/* Granted by different rules and runs: @100 HOST/#h, @100 HOST/ALL, the
 * caller's group-admin rules, "* ZONE/ALL". */
static const query allowed[] = {
    { { NB_ACL_HOST, 500, -1, -1, 0, cluster_ids, 1, 0 }, NB_OP_USE, true },
    { { NB_ACL_HOST, 1999, -1, -1, 0, cluster_ids, 1, 0 }, NB_OP_MANAGE, true },
    { { NB_ACL_VM, 12345, 4000, FIRST_GROUP + 50, 0, NULL, 0, 0 }, NB_OP_MANAGE, true },
    { { NB_ACL_NET, 77, 4000, FIRST_GROUP + 99, 0, cluster_ids, 1, 0 }, NB_OP_USE, true },
    { { NB_ACL_ZONE, 0, -1, -1, 0, NULL, 0, 0 }, NB_OP_USE, true },
    { { NB_ACL_USER, 4001, 4001, FIRST_GROUP + 3, 0, NULL, 0, 0 }, NB_OP_ADMIN, true },
};

/* Nothing grants these: every run of the caller is searched to the end. */
static const query denied[] = {
    { { NB_ACL_VM, 12345, 4000, FIRST_GROUP + 2000, 0, NULL, 0, 0 }, NB_OP_USE, false },
    { { NB_ACL_HOST, 500, -1, -1, 0, cluster_ids, 1, 0 }, NB_OP_ADMIN, false },
    { { NB_ACL_IMAGE, 9, 4000, FIRST_GROUP + 1500, 0, NULL, 0, 0 }, NB_OP_MANAGE, false },
    { { NB_ACL_DATASTORE, 100, 0, 0, 0, cluster_ids, 1, 0 }, NB_OP_ADMIN, false },
    { { NB_ACL_GROUP_T, 150, 0, 150, 0, NULL, 0, 0 }, NB_OP_ADMIN, false },
};

static int check_answers(const query *q, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (nb_acl_authorize(&caller, &q[i].o, q[i].op, false, rules, nrules, 0) != q[i].want) {
            fprintf(stderr, "aclbench: query %zu (%s): wrong answer\n", i,
                    nb_acl_type_name(q[i].o.type));
            return -1;
        }
    return 0;
}

/* Median ns per nb_acl_authorize over BATCHES batches of the queries. */
static double time_checks(const query *q, size_t n)
{
    double ns[BATCHES];
    unsigned granted = 0;

    for (int b = 0; b < BATCHES; b++) {
        uint64_t t0 = nb_mono_ns();
        for (size_t i = 0; i < CALLS_PER_BATCH; i++) {
            const query *x = &q[i % n];
            granted += nb_acl_authorize(&caller, &x->o, x->op, false, rules, nrules, 0);
        }
        ns[b] = (double)(nb_mono_ns() - t0) / CALLS_PER_BATCH;
    }
    /* Keeps the calls from being optimised away. */
    if (granted == 1)
        puts("");
    return bench_median(ns, BATCHES);
}

/* Median µs to build a VM view and filter NOBJECTS VMs with it. */
static double time_view(size_t *visible)
{
    static nb_objref vms[NOBJECTS];
    double us[BATCHES];

    for (int i = 0; i < NOBJECTS; i++)
        vms[i] = (nb_objref){ NB_ACL_VM, i, 4000 + i % 500, FIRST_GROUP + i % NGROUPS,
                              i % 3 ? 0600 : 0640, NULL, 0, 0 };
    for (int b = 0; b < BATCHES; b++) {
        uint64_t t0 = nb_mono_ns();
        nb_acl_view v;
        size_t n = 0;
        nb_acl_view_build(&v, &caller, NB_ACL_VM, rules, nrules, 0);
        for (int i = 0; i < NOBJECTS; i++)
            n += nb_acl_view_allows(&v, &vms[i]);
        nb_acl_view_free(&v);
        us[b] = (double)(nb_mono_ns() - t0) / 1000.0;
        *visible = n;
    }
    return bench_median(us, BATCHES);
}

int main(void)
{
    size_t visible = 0;

    build_rules();
    if (check_answers(allowed, sizeof(allowed) / sizeof(allowed[0])) < 0 ||
        check_answers(denied, sizeof(denied) / sizeof(denied[0])) < 0)
        return 1;

    double ok = time_checks(allowed, sizeof(allowed) / sizeof(allowed[0]));
    double no = time_checks(denied, sizeof(denied) / sizeof(denied[0]));
    double view = time_view(&visible);

    printf("acl rules: %zu (VDC rules for %d groups, %d group admins, per-host rules);"
           " caller in 2 groups, admin of %d\n", nrules, NGROUPS, NADMINS, CALLER_ADMIN_OF);
    printf("acl.check  %zu rules: %.0f ns/check allowed (median of %d; target <= 2000 ns)\n",
           nrules, ok, BATCHES);
    printf("acl.check  %zu rules: %.0f ns/check denied  (median of %d; target <= 2000 ns)\n",
           nrules, no, BATCHES);
    printf("acl.view   %zu rules: %.0f us to build a VM view and filter %d VMs, %zu visible"
           " (median of %d)\n", nrules, view, NOBJECTS, visible, BATCHES);
    return 0;
}
