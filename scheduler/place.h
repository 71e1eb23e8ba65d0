/*
 * place.h: one placement pass (reference §9.3): which pending VMs go to
 * which hosts, and why the others cannot go anywhere.  Pure: the caller
 * takes a snapshot of hosts and VMs, asks for a plan, and carries the plan
 * out through the same path as one.vm.deploy.
 *
 * The core knows capacity, dispatch limits and the policies; everything
 * else that keeps a VM off a host (host state, the owner's rights, VDCs and
 * dedicated hosts, SCHED_REQUIREMENTS, a system datastore) is the caller's
 * `filter`, which answers with a reason the core counts for the message.
 * VMs of one `group` (same owner group, same requirements and rank) get the
 * same filter and rank answers, so the core asks once per (group, host).
 *
 * The plan is deterministic: VMs in USER_PRIORITY order (higher first),
 * then by id; for each, the host of highest rank that still fits, ties to
 * the lower host id.
 */
#ifndef NB_SCHEDULER_PLACE_H
#define NB_SCHEDULER_PLACE_H

#include <stdbool.h>
#include <stddef.h>

/* Built-in host policies (OpenNebula's DEFAULT_SCHED numbers). */
enum nb_place_policy {
    NB_POLICY_PACKING = 0,      /* rank RUNNING_VMS: fill hosts up */
    NB_POLICY_STRIPING = 1,     /* rank -RUNNING_VMS: spread (the default) */
    NB_POLICY_LOAD_AWARE = 2,   /* rank FREE_CPU (monitored) */
    NB_POLICY_CUSTOM = 3,       /* rank = the caller's rank() */
    NB_POLICY_FIXED = 4,        /* rank = the host's PRIORITY */
};

typedef struct nb_place_host {
    int id;
    long long max_cpu, cpu_usage;       /* percent of a core (MAX_CPU, CPU_USAGE) */
    long long max_mem, mem_usage;       /* KB (MAX_MEM, MEM_USAGE) */
    int running_vms;
    long long free_cpu;                 /* monitored, for load-aware */
    double priority;                    /* PRIORITY, for fixed */
    enum nb_place_policy policy;        /* its cluster's, else the site's */
} nb_place_host;

typedef struct nb_place_vm {
    int id;
    int priority;                       /* USER_PRIORITY */
    long long cpu, mem;                 /* what it takes: CPU x 100, MEMORY in KB */
    int group;                          /* see above; >= 0 */
    bool custom_rank;                   /* SCHED_RANK given: rank() instead of the policy */
    int current_host;                   /* a resched: never back to this host id (-1: none) */
} nb_place_vm;

/* Why a host is not for a VM: the caller's reasons are 0..nreasons-1, the
 * core's own follow. */
enum {
    NB_PLACE_OK = -1,
};

typedef struct nb_place_input {
    const nb_place_host *hosts;
    size_t nhosts;
    const nb_place_vm *vms;
    size_t nvms;
    /* NB_PLACE_OK, or the index of the caller's reason (NULL: every host
     * passes).  Asked with the group's first VM in plan order. */
    int (*filter)(void *ctx, const nb_place_vm *vm, const nb_place_host *host);
    /* Custom rank of host for vm (higher first); only for custom_rank VMs
     * and NB_POLICY_CUSTOM hosts, so NULL is fine without them.  NaN ranks
     * last. */
    double (*rank)(void *ctx, const nb_place_vm *vm, const nb_place_host *host);
    /* Told of each placement as the plan makes it, before the next VM is
     * filtered (NULL: not told): state the filter keeps can follow. */
    void (*placed)(void *ctx, const nb_place_vm *vm, const nb_place_host *host);
    void *ctx;
    /* The caller's reasons, as the message counts them: "fail
     * SCHED_REQUIREMENTS", "are not in your VDC", ... (a host count goes
     * before each). */
    const char *const *reasons;
    size_t nreasons;
    int max_per_host;                   /* VMs one host gets in this pass (0: no limit) */
    int max_dispatch;                   /* VMs placed in this pass (0: no limit) */
} nb_place_input;

typedef struct nb_place_result {
    int vm_id;
    int host_id;                        /* -1: not placed */
    /* Not placed: why, e.g. "No host fits: 12 lack MEMORY, 3 fail
     * SCHED_REQUIREMENTS, 40 are not in your VDC" (malloc'd); NULL when
     * placed, or when only the dispatch limit held it back. */
    char *message;
} nb_place_result;

/* One result per input VM, in plan order (placed and not); *out is
 * malloc'd, free it with nb_place_results_free.  0, or -1 on bad input
 * (also: a host id twice, a group or cpu/mem < 0, an unknown policy, rank
 * NULL but needed, a filter answer that names no reason). */
int nb_place(const nb_place_input *in, nb_place_result **out, size_t *nout);
void nb_place_results_free(nb_place_result *r, size_t n);

#endif
