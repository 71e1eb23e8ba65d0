/*
 * placebench: one placement pass (scheduler/place.h) at site scale: 10,000
 * pending VMs on 2,500 hosts, target <= 1 s.  Part of `make bench`.
 *
 * The mix looks like a busy site: hosts of 16-64 cores, partly used, in 25
 * clusters of 100 whose policies cycle through all five; VMs of 40 owner
 * groups (five with their own SCHED_RANK), some too big for any host; a
 * filter that, like an expression plus a VDC check, rejects a tenth of the
 * hosts by requirement and a group's hosts outside its VDC.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "scheduler/place.h"
#include "lib/util.h"
#include "tests/bench/bench.h"

#define NHOSTS 2500
#define NVMS 10000
#define NGROUPS 40
#define RUNS 7

static nb_place_host hosts[NHOSTS];
static nb_place_vm vms[NVMS];
static unsigned long filter_calls;

static uint32_t rnd(void)
{
    static uint64_t s = 88172645463325252ull;
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return (uint32_t) (s >> 32);
}

static void build(void)
{
    for (int i = 0; i < NHOSTS; i++) {
        nb_place_host *h = &hosts[i];
        long long cores = 16 << (rnd() % 3);
        h->id = i;
        h->max_cpu = cores * 100;
        h->cpu_usage = h->max_cpu * (rnd() % 70) / 100;
        h->max_mem = cores * 4 * 1024 * 1024;
        h->mem_usage = h->max_mem * (rnd() % 70) / 100;
        h->running_vms = (int) (rnd() % 30);
        h->free_cpu = h->max_cpu - h->cpu_usage;
        h->priority = rnd() % 10;
        h->policy = (enum nb_place_policy) ((i / 100) % 5);
    }
    for (int i = 0; i < NVMS; i++) {
        nb_place_vm *v = &vms[i];
        v->id = i;
        v->priority = (int) (rnd() % 3);
        v->cpu = 50 + 50 * (rnd() % 8);
        v->mem = (512 << (rnd() % 6)) * 1024LL;
        if (rnd() % 200 == 0)
            v->mem = 1LL << 40;         /* fits nowhere: a message */
        v->group = (int) (rnd() % NGROUPS);
        v->custom_rank = v->group % 8 == 0;
        v->current_host = rnd() % 20 == 0 ? (int) (rnd() % NHOSTS) : -1;
    }
}

static int filter(void *ctx, const nb_place_vm *vm, const nb_place_host *h)
{
    (void) ctx;
    filter_calls++;
    if ((unsigned) (h->id * 2654435761u + (unsigned) vm->group * 40503u) % 10 == 0)
        return 0;
    if (vm->group % 4 == 1 && h->id / 100 % 5 != vm->group % 5)
        return 1;
    return NB_PLACE_OK;
}

static double rank(void *ctx, const nb_place_vm *vm, const nb_place_host *h)
{
    (void) ctx;
    return (double) (h->max_mem - h->mem_usage) / 1024 + vm->group % 3 * h->free_cpu;
}

static const char *const reasons[] = { "fail SCHED_REQUIREMENTS", "are not in your VDC" };

/* Median ms of RUNS passes; *placed and *messages from the last. */
static int bench(int max_per_host, double *ms, size_t *placed, size_t *messages)
{
    nb_place_input in = { .hosts = hosts, .nhosts = NHOSTS, .vms = vms, .nvms = NVMS,
                          .filter = filter, .rank = rank, .reasons = reasons, .nreasons = 2,
                          .max_per_host = max_per_host };
    double t[RUNS];

    for (int k = 0; k < RUNS; k++) {
        nb_place_result *r;
        size_t n;
        filter_calls = 0;
        uint64_t t0 = nb_mono_ns();
        if (nb_place(&in, &r, &n) < 0) {
            fprintf(stderr, "placebench: nb_place failed\n");
            return -1;
        }
        t[k] = (double)(nb_mono_ns() - t0) / 1e6;
        if (filter_calls != (unsigned long) NGROUPS * NHOSTS) {
            fprintf(stderr, "placebench: %lu filter calls, want one per (group, host)\n",
                    filter_calls);
            return -1;
        }
        *placed = *messages = 0;
        for (size_t i = 0; i < n; i++) {
            *placed += r[i].host_id >= 0;
            *messages += r[i].message != NULL;
        }
        nb_place_results_free(r, n);
    }
    *ms = bench_median(t, RUNS);
    return 0;
}

int main(void)
{
    double ms, ms1;
    size_t placed, msgs, placed1, msgs1;

    build();
    if (bench(0, &ms, &placed, &msgs) < 0 || bench(1, &ms1, &placed1, &msgs1) < 0)
        return 1;
    printf("place %d VMs x %d hosts, %d groups: %.1f ms/pass, %zu placed, %zu messages"
           " (median of %d; target <= 1000 ms)\n", NVMS, NHOSTS, NGROUPS, ms, placed, msgs, RUNS);
    printf("place %d VMs x %d hosts, MAX_HOST 1: %.1f ms/pass, %zu placed, %zu messages"
           " (median of %d; target <= 1000 ms)\n", NVMS, NHOSTS, ms1, placed1, msgs1, RUNS);
    return 0;
}
