/*
 * test_place.c: one placement pass (reference §9.3): policies, capacity,
 * limits, order, the per-(group, host) cache and the "No host fits" text.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "scheduler/place.h"

/* A host with room for 4 VMs of cpu 100 / mem 1024. */
static nb_place_host host(int id, enum nb_place_policy policy)
{
    return (nb_place_host) { .id = id, .max_cpu = 400, .max_mem = 4096, .policy = policy };
}

static nb_place_vm vm(int id)
{
    return (nb_place_vm) { .id = id, .cpu = 100, .mem = 1024, .current_host = -1 };
}

/* Test filter: rejects host deny_host (for group deny_group, or -1: all)
 * with reason 0, and counts its calls per (group, host id). */
typedef struct fctx {
    int deny_host, deny_group;          /* -1: none */
    int calls[4][32];
    double rank[32];                    /* by host id */
    int rank_calls;
} fctx;

static int filter(void *ctx, const nb_place_vm *v, const nb_place_host *h)
{
    fctx *f = ctx;
    f->calls[v->group][h->id]++;
    return h->id == f->deny_host && (f->deny_group < 0 || v->group == f->deny_group) ? 0
                                                                                       : NB_PLACE_OK;
}

static double rank(void *ctx, const nb_place_vm *v, const nb_place_host *h)
{
    fctx *f = ctx;
    (void) v;
    f->rank_calls++;
    return f->rank[h->id];
}

static const char *const reasons[] = { "fail SCHED_REQUIREMENTS", "are not in your VDC" };

static nb_place_input input(const nb_place_host *h, size_t nh, const nb_place_vm *v, size_t nv,
                            fctx *f)
{
    return (nb_place_input) { .hosts = h, .nhosts = nh, .vms = v, .nvms = nv, .filter = filter,
                              .rank = rank, .ctx = f, .reasons = reasons, .nreasons = 2 };
}

static fctx fresh(void)
{
    fctx f;
    memset(&f, 0, sizeof f);
    f.deny_host = f.deny_group = -1;
    return f;
}

/* Runs the pass and checks each result's vm and host in plan order. */
static nb_place_result *plan(const nb_place_input *in, const int *want_vm, const int *want_host)
{
    nb_place_result *r = NULL;
    size_t n = 0;
    assert_int_equal(nb_place(in, &r, &n), 0);
    assert_int_equal(n, in->nvms);
    for (size_t i = 0; i < n; i++) {
        if (r[i].vm_id != want_vm[i] || r[i].host_id != want_host[i])
            fail_msg("result %zu: vm %d on %d, want vm %d on %d", i, r[i].vm_id, r[i].host_id,
                     want_vm[i], want_host[i]);
        if (r[i].host_id >= 0)
            assert_null(r[i].message);
    }
    return r;
}

static void plan_ok(const nb_place_input *in, const int *want_vm, const int *want_host)
{
    nb_place_result *r = plan(in, want_vm, want_host);
    nb_place_results_free(r, in->nvms);
}

static void test_packing(void **state)
{
    nb_place_host h[] = { host(0, NB_POLICY_PACKING), host(1, NB_POLICY_PACKING) };
    nb_place_vm v[] = { vm(0), vm(1), vm(2), vm(3), vm(4), vm(5) };
    fctx f = fresh();
    nb_place_input in = input(h, 2, v, 6, &f);
    plan_ok(&in, (int[]) { 0, 1, 2, 3, 4, 5 }, (int[]) { 0, 0, 0, 0, 1, 1 });
    /* A host already running VMs is filled first. */
    h[1].running_vms = 1;
    h[1].cpu_usage = 100;
    h[1].mem_usage = 1024;
    plan_ok(&in, (int[]) { 0, 1, 2, 3, 4, 5 }, (int[]) { 1, 1, 1, 0, 0, 0 });
}

static void test_striping(void **state)
{
    nb_place_host h[] = { host(0, NB_POLICY_STRIPING), host(1, NB_POLICY_STRIPING),
                          host(2, NB_POLICY_STRIPING) };
    nb_place_vm v[] = { vm(0), vm(1), vm(2), vm(3), vm(4) };
    fctx f = fresh();
    nb_place_input in = input(h, 3, v, 5, &f);
    plan_ok(&in, (int[]) { 0, 1, 2, 3, 4 }, (int[]) { 0, 1, 2, 0, 1 });
    h[0].running_vms = 2;
    plan_ok(&in, (int[]) { 0, 1, 2, 3, 4 }, (int[]) { 1, 2, 1, 2, 0 });
}

static void test_load_aware(void **state)
{
    nb_place_host h[] = { host(0, NB_POLICY_LOAD_AWARE), host(1, NB_POLICY_LOAD_AWARE),
                          host(2, NB_POLICY_LOAD_AWARE) };
    h[0].free_cpu = 50;
    h[1].free_cpu = 300;
    h[2].free_cpu = 200;
    nb_place_vm v[] = { vm(0), vm(1), vm(2), vm(3), vm(4), vm(5) };
    fctx f = fresh();
    nb_place_input in = input(h, 3, v, 6, &f);
    /* FREE_CPU is monitored, not changed by the pass: host 1 until full. */
    plan_ok(&in, (int[]) { 0, 1, 2, 3, 4, 5 }, (int[]) { 1, 1, 1, 1, 2, 2 });
}

static void test_fixed(void **state)
{
    nb_place_host h[] = { host(0, NB_POLICY_FIXED), host(1, NB_POLICY_FIXED),
                          host(2, NB_POLICY_FIXED) };
    h[0].priority = 1;
    h[1].priority = -5;
    h[2].priority = 7.5;
    h[2].max_mem = 1024;                /* room for one */
    nb_place_vm v[] = { vm(0), vm(1), vm(2) };
    fctx f = fresh();
    nb_place_input in = input(h, 3, v, 3, &f);
    plan_ok(&in, (int[]) { 0, 1, 2 }, (int[]) { 2, 0, 0 });
}

static void test_custom(void **state)
{
    nb_place_host h[] = { host(0, NB_POLICY_CUSTOM), host(1, NB_POLICY_CUSTOM),
                          host(2, NB_POLICY_STRIPING) };
    nb_place_vm v[] = { vm(0), vm(1) };
    fctx f = fresh();
    f.rank[0] = 1;
    f.rank[1] = 3;
    nb_place_input in = input(h, 3, v, 2, &f);
    /* Custom hosts rank by rank(); the striping host by -RUNNING_VMS (0). */
    plan_ok(&in, (int[]) { 0, 1 }, (int[]) { 1, 1 });
    /* A VM with its own SCHED_RANK uses rank() on every host. */
    v[0].custom_rank = v[1].custom_rank = true;
    f.rank[2] = 10;
    plan_ok(&in, (int[]) { 0, 1 }, (int[]) { 2, 2 });
    /* A rank that is not a number goes last, even first in id order. */
    f.rank[0] = NAN;
    f.rank[2] = -1e300;
    plan_ok(&in, (int[]) { 0, 1 }, (int[]) { 1, 1 });
    h[1].max_cpu = 0;
    plan_ok(&in, (int[]) { 0, 1 }, (int[]) { 2, 2 });
}

/* Hosts of clusters with different policies compete in one pass. */
static void test_mixed_policies(void **state)
{
    nb_place_host h[] = { host(3, NB_POLICY_FIXED), host(1, NB_POLICY_PACKING),
                          host(2, NB_POLICY_STRIPING) };
    h[0].priority = 1.5;
    h[1].running_vms = 2;
    h[1].cpu_usage = 200;
    h[1].mem_usage = 2048;
    nb_place_vm v[] = { vm(0), vm(1), vm(2), vm(3), vm(4), vm(5), vm(6) };
    fctx f = fresh();
    nb_place_input in = input(h, 3, v, 7, &f);
    /* Packing host 1 ranks 2, then 3 (above PRIORITY 1.5) until full; then
     * the fixed host 3 (1.5) beats the striping host 2 (0) until full. */
    plan_ok(&in, (int[]) { 0, 1, 2, 3, 4, 5, 6 }, (int[]) { 1, 1, 3, 3, 3, 3, 2 });
}

static void test_capacity(void **state)
{
    nb_place_host h[] = { host(0, NB_POLICY_PACKING), host(1, NB_POLICY_PACKING) };
    h[0].cpu_usage = 250;               /* 150 free: one VM of 100 */
    h[1].mem_usage = 2048;              /* 2048 free: two VMs */
    nb_place_vm v[] = { vm(0), vm(1), vm(2), vm(3) };
    fctx f = fresh();
    nb_place_input in = input(h, 2, v, 4, &f);
    nb_place_result *r = plan(&in, (int[]) { 0, 1, 2, 3 }, (int[]) { 0, 1, 1, -1 });
    assert_string_equal(r[3].message, "No host fits: 1 lack CPU, 1 lack MEMORY");
    nb_place_results_free(r, 4);
    /* Exactly full still fits. */
    v[0].cpu = 150;
    v[0].mem = 4096;
    plan_ok(&in, (int[]) { 0, 1, 2, 3 }, (int[]) { 0, 1, 1, -1 });
}

static void test_max_per_host(void **state)
{
    nb_place_host h[] = { host(0, NB_POLICY_PACKING), host(1, NB_POLICY_PACKING) };
    nb_place_vm v[] = { vm(0), vm(1), vm(2), vm(3), vm(4) };
    fctx f = fresh();
    nb_place_input in = input(h, 2, v, 5, &f);
    in.max_per_host = 2;
    nb_place_result *r = plan(&in, (int[]) { 0, 1, 2, 3, 4 }, (int[]) { 0, 0, 1, 1, -1 });
    assert_string_equal(r[4].message, "No host fits: 2 got MAX_HOST VMs in this pass");
    nb_place_results_free(r, 5);
}

static void test_max_dispatch(void **state)
{
    nb_place_host h[] = { host(0, NB_POLICY_STRIPING), host(1, NB_POLICY_STRIPING) };
    nb_place_vm v[] = { vm(0), vm(1), vm(2), vm(3) };
    v[0].mem = 999999;                  /* fits nowhere: not counted as dispatched */
    fctx f = fresh();
    nb_place_input in = input(h, 2, v, 4, &f);
    in.max_dispatch = 2;
    nb_place_result *r = plan(&in, (int[]) { 0, 1, 2, 3 }, (int[]) { -1, 0, 1, -1 });
    assert_string_equal(r[0].message, "No host fits: 2 lack MEMORY");
    assert_null(r[3].message);          /* held back by the limit, no reason */
    nb_place_results_free(r, 4);
}

static void test_priority_order(void **state)
{
    nb_place_host h[] = { host(0, NB_POLICY_PACKING) };
    h[0].max_cpu = 200;
    nb_place_vm v[] = { vm(5), vm(3), vm(9), vm(1) };
    v[2].priority = 10;
    v[0].priority = 10;
    v[3].priority = -1;
    fctx f = fresh();
    nb_place_input in = input(h, 1, v, 4, &f);
    nb_place_result *r = plan(&in, (int[]) { 5, 9, 3, 1 }, (int[]) { 0, 0, -1, -1 });
    assert_string_equal(r[2].message, "No host fits: 1 lack CPU");
    nb_place_results_free(r, 4);
}

static void test_resched(void **state)
{
    nb_place_host h[] = { host(0, NB_POLICY_FIXED), host(1, NB_POLICY_FIXED) };
    h[0].priority = 9;
    nb_place_vm v[] = { vm(0), vm(1) };
    v[0].current_host = 0;
    v[1].current_host = 0;
    fctx f = fresh();
    nb_place_input in = input(h, 2, v, 2, &f);
    plan_ok(&in, (int[]) { 0, 1 }, (int[]) { 1, 1 });
    /* With nowhere else to go it stays pending and says why. */
    nb_place_result *r = NULL;
    size_t n;
    in.nhosts = 1;
    assert_int_equal(nb_place(&in, &r, &n), 0);
    assert_int_equal(r[0].host_id, -1);
    assert_string_equal(r[0].message, "No host fits: 1 is its current host");
    nb_place_results_free(r, n);
}

static void test_ties_by_host_id(void **state)
{
    /* Given out of id order: equal ranks go to the lower id. */
    nb_place_host h[] = { host(7, NB_POLICY_FIXED), host(2, NB_POLICY_FIXED),
                          host(4, NB_POLICY_FIXED) };
    nb_place_vm v[] = { vm(0) };
    fctx f = fresh();
    nb_place_input in = input(h, 3, v, 1, &f);
    plan_ok(&in, (int[]) { 0 }, (int[]) { 2 });
}

static void test_group_cache(void **state)
{
    nb_place_host h[] = { host(0, NB_POLICY_CUSTOM), host(1, NB_POLICY_CUSTOM),
                          host(2, NB_POLICY_CUSTOM) };
    nb_place_vm v[] = { vm(0), vm(1), vm(2), vm(3), vm(4), vm(5) };
    v[1].group = v[3].group = v[5].group = 2;
    fctx f = fresh();
    f.deny_host = 1;
    f.deny_group = 2;
    nb_place_input in = input(h, 3, v, 6, &f);
    plan_ok(&in, (int[]) { 0, 1, 2, 3, 4, 5 }, (int[]) { 0, 0, 0, 0, 1, 2 });
    for (int g = 0; g < 4; g += 2)
        for (int hid = 0; hid < 3; hid++)
            if (f.calls[g][hid] != 1)
                fail_msg("filter asked %d times for group %d host %d", f.calls[g][hid], g, hid);
    /* rank() only for hosts that pass, once per (group, host): 3 + 2. */
    assert_int_equal(f.rank_calls, 5);
}

/* A caller's state that follows the plan: each host takes one VM, as a
 * datastore with room for one would (the filter sees what placed() saw). */
static int placed_on[32];

static int filter_once(void *ctx, const nb_place_vm *v, const nb_place_host *h)
{
    (void)ctx;
    (void)v;
    return placed_on[h->id] ? 0 : NB_PLACE_OK;
}

static void placed(void *ctx, const nb_place_vm *v, const nb_place_host *h)
{
    int *order = ctx;
    order[v->id] = placed_on[h->id] = h->id + 1;
}

static void test_placed_callback(void **state)
{
    nb_place_host h[] = { host(0, NB_POLICY_PACKING), host(1, NB_POLICY_PACKING) };
    nb_place_vm v[] = { vm(0), vm(1), vm(2) };
    int told[3] = { 0 };
    (void)state;
    memset(placed_on, 0, sizeof(placed_on));
    v[1].group = 1;             /* each its own group: asked after the others */
    v[2].group = 2;
    nb_place_input in = { .hosts = h, .nhosts = 2, .vms = v, .nvms = 3, .filter = filter_once,
                          .placed = placed, .ctx = told, .reasons = reasons, .nreasons = 2 };
    nb_place_result *r = plan(&in, (int[]) { 0, 1, 2 }, (int[]) { 0, 1, -1 });
    assert_string_equal(r[2].message, "No host fits: 2 fail SCHED_REQUIREMENTS");
    nb_place_results_free(r, 3);
    /* told of the two placements, host by host, and not of the third VM */
    assert_int_equal(told[0], 1);
    assert_int_equal(told[1], 2);
    assert_int_equal(told[2], 0);
}

static void test_message_order(void **state)
{
    nb_place_host h[8];
    for (int i = 0; i < 8; i++)
        h[i] = host(i, NB_POLICY_STRIPING);
    h[0].max_mem = h[1].max_mem = h[2].max_mem = 10;   /* lack MEMORY */
    h[3].max_cpu = 10;                                  /* lack CPU */
    nb_place_vm v[] = { vm(0) };
    fctx f = fresh();
    f.deny_host = 4;                                    /* fail SCHED_REQUIREMENTS */
    h[5].max_cpu = h[6].max_cpu = h[7].max_cpu = 0;     /* lack CPU */
    h[5].max_mem = 0;                                   /* CPU is tested first */
    nb_place_input in = input(h, 8, v, 1, &f);
    nb_place_result *r = plan(&in, (int[]) { 0 }, (int[]) { -1 });
    assert_string_equal(r[0].message,
                        "No host fits: 4 lack CPU, 3 lack MEMORY, 1 fail SCHED_REQUIREMENTS");
    nb_place_results_free(r, 1);
    /* Ties keep reason order: the caller's before the core's. */
    in.nhosts = 5;
    h[0].max_mem = h[1].max_mem = 4096;
    h[2].max_mem = 10;
    h[0].max_cpu = h[1].max_cpu = 0;
    r = plan(&in, (int[]) { 0 }, (int[]) { -1 });
    assert_string_equal(r[0].message,
                        "No host fits: 3 lack CPU, 1 fail SCHED_REQUIREMENTS, 1 lack MEMORY");
    nb_place_results_free(r, 1);
}

static void test_no_hosts(void **state)
{
    nb_place_vm v[] = { vm(0), vm(1) };
    fctx f = fresh();
    nb_place_input in = input(NULL, 0, v, 2, &f);
    nb_place_result *r = plan(&in, (int[]) { 0, 1 }, (int[]) { -1, -1 });
    assert_string_equal(r[0].message, "No host to place it on");
    assert_string_equal(r[1].message, "No host to place it on");
    nb_place_results_free(r, 2);
}

static void test_zero_vms(void **state)
{
    nb_place_host h[] = { host(0, NB_POLICY_PACKING) };
    fctx f = fresh();
    nb_place_input in = input(h, 1, NULL, 0, &f);
    nb_place_result *r = (void *) 1;
    size_t n = 99;
    assert_int_equal(nb_place(&in, &r, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(f.calls[0][0], 0);
    nb_place_results_free(r, n);
}

static void bad(const nb_place_input *in)
{
    nb_place_result *r = NULL;
    size_t n = 0;
    assert_int_equal(nb_place(in, &r, &n), -1);
    assert_null(r);
}

static int filter_unknown(void *ctx, const nb_place_vm *v, const nb_place_host *h)
{
    (void) ctx, (void) v, (void) h;
    return 2;                           /* only 0 and 1 are named */
}

static void test_bad_input(void **state)
{
    nb_place_host h[] = { host(0, NB_POLICY_CUSTOM), host(1, NB_POLICY_PACKING) };
    nb_place_vm v[] = { vm(0) };
    fctx f = fresh();
    nb_place_input in = input(h, 2, v, 1, &f);
    nb_place_result *r;
    size_t n;

    assert_int_equal(nb_place(NULL, &r, &n), -1);
    assert_int_equal(nb_place(&in, NULL, &n), -1);
    assert_int_equal(nb_place(&in, &r, NULL), -1);
    in.rank = NULL;                     /* a custom host needs rank() */
    bad(&in);
    in = input(h, 2, v, 1, &f);
    in.hosts = NULL;
    bad(&in);
    in = input(h, 2, v, 1, &f);
    in.max_per_host = -1;
    bad(&in);
    in = input(h, 2, v, 1, &f);
    in.max_dispatch = -1;
    bad(&in);
    in = input(h, 2, v, 1, &f);
    in.filter = filter_unknown;
    bad(&in);
    in = input(h, 2, v, 1, &f);
    v[0].group = -1;
    bad(&in);
    v[0] = vm(0);
    v[0].mem = -1;
    bad(&in);
    v[0] = vm(0);
    h[1].id = 0;                        /* one host twice */
    bad(&in);
    h[1] = host(1, 9);                  /* no such policy */
    bad(&in);
}

static void test_deterministic(void **state)
{
    nb_place_host h[20];
    nb_place_vm v[60];
    for (int i = 0; i < 20; i++) {
        h[i] = host(19 - i, (enum nb_place_policy) (i % 5));
        h[i].free_cpu = (i * 37) % 11;
        h[i].priority = i % 3;
    }
    for (int i = 0; i < 60; i++) {
        v[i] = vm(i);
        v[i].priority = i % 4;
        v[i].group = i % 3;
    }
    fctx f = fresh();
    f.deny_host = 5;
    for (int i = 0; i < 20; i++)
        f.rank[i] = i % 4;
    nb_place_input in = input(h, 20, v, 60, &f);
    nb_place_result *a, *b;
    size_t na, nb;
    assert_int_equal(nb_place(&in, &a, &na), 0);
    assert_int_equal(nb_place(&in, &b, &nb), 0);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_int_equal(a[i].vm_id, b[i].vm_id);
        assert_int_equal(a[i].host_id, b[i].host_id);
    }
    nb_place_results_free(a, na);
    nb_place_results_free(b, nb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_packing),
        cmocka_unit_test(test_striping),
        cmocka_unit_test(test_load_aware),
        cmocka_unit_test(test_fixed),
        cmocka_unit_test(test_custom),
        cmocka_unit_test(test_mixed_policies),
        cmocka_unit_test(test_capacity),
        cmocka_unit_test(test_max_per_host),
        cmocka_unit_test(test_max_dispatch),
        cmocka_unit_test(test_priority_order),
        cmocka_unit_test(test_resched),
        cmocka_unit_test(test_ties_by_host_id),
        cmocka_unit_test(test_group_cache),
        cmocka_unit_test(test_placed_callback),
        cmocka_unit_test(test_message_order),
        cmocka_unit_test(test_no_hosts),
        cmocka_unit_test(test_zero_vms),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
