/*
 * place.c: one placement pass (see place.h).
 *
 * Cost: the filter (and a custom rank) is asked once per (group, host) the
 * first time a VM of the group comes up, giving the group's candidate list
 * (hosts that pass, in id order) and its count of each filter reason; each
 * VM then only walks its group's candidates against the pass's running host
 * state.  A group's lists are freed after its last VM, so one group per VM
 * costs no more memory than a few groups.  Nothing is allocated per VM in
 * the loop except the message of a VM that fits nowhere.
 */
#include "scheduler/place.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

/* The core's own reasons, counted after the caller's. */
enum core_reason {
    CORE_CURRENT,
    CORE_CPU,
    CORE_MEM,
    CORE_MAX_HOST,
    CORE_NREASONS,
};

static const char *const core_reasons[CORE_NREASONS] = {
    [CORE_CURRENT] = "is its current host",
    [CORE_CPU] = "lack CPU",
    [CORE_MEM] = "lack MEMORY",
    [CORE_MAX_HOST] = "got MAX_HOST VMs in this pass",
};

/* A host as the pass sees it: free capacity shrinks as VMs are placed. */
typedef struct host_state {
    long long cpu_free, mem_free;
    int running;                /* RUNNING_VMS plus VMs placed in this pass */
    int got;                    /* VMs placed in this pass */
    const nb_place_host *h;
} host_state;

typedef struct group_state {
    size_t *cand;               /* indexes into the host states, id order */
    double *crank;              /* caller's rank per candidate, or NULL */
    size_t ncand;
    size_t *filtered;           /* hosts per caller's reason */
    size_t left;                /* VMs of the group not planned yet */
    bool built;
} group_state;

typedef struct pass {
    const nb_place_input *in;
    host_state *hosts;          /* in id order */
    int *groups;                /* distinct group numbers, ascending */
    group_state *gs;
    size_t ngroups;
    size_t *scratch;            /* nhosts indexes, reused by group builds */
} pass;

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *) a, y = *(const int *) b;
    return (x > y) - (x < y);
}

static int cmp_host(const void *a, const void *b)
{
    const host_state *x = a, *y = b;
    return (x->h->id > y->h->id) - (x->h->id < y->h->id);
}

/* Plan order: USER_PRIORITY desc, then id. */
static int cmp_vm(const void *a, const void *b)
{
    const nb_place_vm *x = *(const nb_place_vm *const *) a;
    const nb_place_vm *y = *(const nb_place_vm *const *) b;
    if (x->priority != y->priority)
        return x->priority > y->priority ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static bool input_ok(const nb_place_input *in)
{
    if ((in->nhosts && !in->hosts) || (in->nvms && !in->vms) || (in->nreasons && !in->reasons)
        || in->max_per_host < 0 || in->max_dispatch < 0)
        return false;
    for (size_t i = 0; i < in->nreasons; i++)
        if (!in->reasons[i])
            return false;
    bool custom = false;
    for (size_t i = 0; i < in->nhosts; i++) {
        if ((unsigned) in->hosts[i].policy > NB_POLICY_FIXED)
            return false;
        custom |= in->hosts[i].policy == NB_POLICY_CUSTOM;
    }
    for (size_t i = 0; i < in->nvms; i++) {
        const nb_place_vm *v = &in->vms[i];
        if (v->group < 0 || v->cpu < 0 || v->mem < 0)
            return false;
        custom |= v->custom_rank;
    }
    return in->rank || !custom;
}

/* Ask the filter (and the rank, where one is needed) about every host for
 * the group of vm. */
static int group_build(pass *p, group_state *g, const nb_place_vm *vm)
{
    const nb_place_input *in = p->in;
    int rc = -1;

    g->filtered = calloc(in->nreasons ? in->nreasons : 1, sizeof *g->filtered);
    if (!g->filtered)
        goto cleanup;
    g->ncand = 0;
    for (size_t i = 0; i < in->nhosts; i++) {
        int r = in->filter ? in->filter(in->ctx, vm, p->hosts[i].h) : NB_PLACE_OK;
        if (r == NB_PLACE_OK)
            p->scratch[g->ncand++] = i;
        else if (r >= 0 && (size_t) r < in->nreasons)
            g->filtered[r]++;
        else
            goto cleanup;       /* a reason the caller did not name */
    }
    g->cand = malloc((g->ncand ? g->ncand : 1) * sizeof *g->cand);
    if (!g->cand)
        goto cleanup;
    memcpy(g->cand, p->scratch, g->ncand * sizeof *g->cand);
    bool any_custom = vm->custom_rank;
    for (size_t c = 0; c < g->ncand && !any_custom; c++)
        any_custom = p->hosts[g->cand[c]].h->policy == NB_POLICY_CUSTOM;
    if (any_custom) {
        g->crank = malloc(g->ncand * sizeof *g->crank);
        if (!g->crank)
            goto cleanup;
        for (size_t c = 0; c < g->ncand; c++) {
            const nb_place_host *h = p->hosts[g->cand[c]].h;
            double r = vm->custom_rank || h->policy == NB_POLICY_CUSTOM
                           ? in->rank(in->ctx, vm, h) : 0;
            /* NaN compares false both ways: rank it last, not by position. */
            g->crank[c] = isnan(r) ? -HUGE_VAL : r;
        }
    }
    g->built = true;
    rc = 0;
cleanup:
    return rc;
}

static void group_release(group_state *g)
{
    free(g->cand);
    free(g->crank);
    free(g->filtered);
    g->cand = NULL;
    g->crank = NULL;
    g->filtered = NULL;
}

static double host_rank(const host_state *s, const group_state *g, size_t c, bool custom_rank)
{
    if (custom_rank)
        return g->crank[c];
    switch (s->h->policy) {
    case NB_POLICY_PACKING:
        return s->running;
    case NB_POLICY_STRIPING:
        return -s->running;
    case NB_POLICY_LOAD_AWARE:
        return (double) s->h->free_cpu;
    case NB_POLICY_CUSTOM:
        return g->crank[c];
    case NB_POLICY_FIXED:
        return s->h->priority;
    }
    return 0;
}

/* The first reason the core has to keep vm off a candidate, or -1. */
static int core_reason(const pass *p, const host_state *s, const nb_place_vm *vm)
{
    if (s->h->id == vm->current_host)
        return CORE_CURRENT;
    if (s->cpu_free < vm->cpu)
        return CORE_CPU;
    if (s->mem_free < vm->mem)
        return CORE_MEM;
    if (p->in->max_per_host && s->got >= p->in->max_per_host)
        return CORE_MAX_HOST;
    return -1;
}

/* "No host fits: 12 lack MEMORY, 3 fail SCHED_REQUIREMENTS": each host
 * counted once under the first reason that excluded it. */
static char *no_host_message(const pass *p, const group_state *g, const nb_place_vm *vm)
{
    const nb_place_input *in = p->in;
    size_t n = in->nreasons + CORE_NREASONS;
    size_t *count = calloc(n, sizeof *count);
    nb_buf b;

    if (!count)
        return NULL;
    nb_buf_init(&b);
    if (!in->nhosts) {
        nb_buf_adds(&b, "No host to place it on");
        goto cleanup;
    }
    memcpy(count, g->filtered, in->nreasons * sizeof *count);
    for (size_t c = 0; c < g->ncand; c++) {
        int r = core_reason(p, &p->hosts[g->cand[c]], vm);
        if (r >= 0)
            count[in->nreasons + (size_t) r]++;
    }
    nb_buf_adds(&b, "No host fits");
    /* Largest count first, ties in reason order: n is a handful. */
    for (const char *sep = ": ";; sep = ", ") {
        size_t best = n;
        for (size_t r = 0; r < n; r++)
            if (count[r] && (best == n || count[r] > count[best]))
                best = r;
        if (best == n)
            break;
        const char *text = best < in->nreasons ? in->reasons[best]
                                               : core_reasons[best - in->nreasons];
        nb_buf_addf(&b, "%s%zu %s", sep, count[best], text);
        count[best] = 0;
    }
cleanup:
    free(count);
    return nb_buf_steal(&b, NULL);
}

/* The best candidate for vm (highest rank, the lower id on a tie), or NULL. */
static host_state *best_host(pass *p, const group_state *g, const nb_place_vm *vm)
{
    host_state *best = NULL;
    double best_rank = 0;

    for (size_t c = 0; c < g->ncand; c++) {
        host_state *s = &p->hosts[g->cand[c]];
        if (core_reason(p, s, vm) >= 0)
            continue;
        double r = host_rank(s, g, c, vm->custom_rank);
        if (!best || r > best_rank) {
            best = s;
            best_rank = r;
        }
    }
    return best;
}

static int pass_init(pass *p, const nb_place_input *in)
{
    int rc = -1;

    memset(p, 0, sizeof *p);
    p->in = in;
    p->hosts = calloc(in->nhosts ? in->nhosts : 1, sizeof *p->hosts);
    p->scratch = calloc(in->nhosts ? in->nhosts : 1, sizeof *p->scratch);
    p->groups = calloc(in->nvms ? in->nvms : 1, sizeof *p->groups);
    if (!p->hosts || !p->scratch || !p->groups)
        goto cleanup;
    for (size_t i = 0; i < in->nhosts; i++) {
        const nb_place_host *h = &in->hosts[i];
        p->hosts[i] = (host_state) { .cpu_free = h->max_cpu - h->cpu_usage,
                                     .mem_free = h->max_mem - h->mem_usage,
                                     .running = h->running_vms, .h = h };
    }
    qsort(p->hosts, in->nhosts, sizeof *p->hosts, cmp_host);
    for (size_t i = 1; i < in->nhosts; i++)
        if (p->hosts[i].h->id == p->hosts[i - 1].h->id)
            goto cleanup;       /* one host twice */

    for (size_t i = 0; i < in->nvms; i++)
        p->groups[i] = in->vms[i].group;
    qsort(p->groups, in->nvms, sizeof *p->groups, cmp_int);
    for (size_t i = 0; i < in->nvms; i++)
        if (!p->ngroups || p->groups[p->ngroups - 1] != p->groups[i])
            p->groups[p->ngroups++] = p->groups[i];
    p->gs = calloc(p->ngroups ? p->ngroups : 1, sizeof *p->gs);
    if (!p->gs)
        goto cleanup;
    rc = 0;
cleanup:
    return rc;
}

static void pass_free(pass *p)
{
    for (size_t i = 0; p->gs && i < p->ngroups; i++)
        group_release(&p->gs[i]);
    free(p->gs);
    free(p->groups);
    free(p->scratch);
    free(p->hosts);
}

static group_state *group_of(pass *p, const nb_place_vm *vm)
{
    const int *g = bsearch(&vm->group, p->groups, p->ngroups, sizeof *p->groups, cmp_int);
    return &p->gs[g - p->groups];
}

int nb_place(const nb_place_input *in, nb_place_result **out, size_t *nout)
{
    pass p = { 0 };
    const nb_place_vm **order = NULL;
    nb_place_result *res = NULL;
    size_t placed = 0, done = 0;
    int rc = -1;

    if (!in || !out || !nout || !input_ok(in))
        return -1;
    if (pass_init(&p, in) < 0)
        goto cleanup;
    order = malloc((in->nvms ? in->nvms : 1) * sizeof *order);
    res = calloc(in->nvms ? in->nvms : 1, sizeof *res);
    if (!order || !res)
        goto cleanup;
    for (size_t i = 0; i < in->nvms; i++) {
        order[i] = &in->vms[i];
        group_of(&p, order[i])->left++;
    }
    qsort(order, in->nvms, sizeof *order, cmp_vm);

    for (; done < in->nvms; done++) {
        const nb_place_vm *vm = order[done];
        nb_place_result *r = &res[done];

        r->vm_id = vm->id;
        r->host_id = -1;
        if (in->max_dispatch && placed >= (size_t) in->max_dispatch)
            continue;
        group_state *g = group_of(&p, vm);
        if (!g->built && group_build(&p, g, vm) < 0)
            goto cleanup;
        host_state *s = best_host(&p, g, vm);
        if (s) {
            s->cpu_free -= vm->cpu;
            s->mem_free -= vm->mem;
            s->running++;
            s->got++;
            r->host_id = s->h->id;
            placed++;
            if (in->placed)
                in->placed(in->ctx, vm, s->h);
        } else if (!(r->message = no_host_message(&p, g, vm))) {
            goto cleanup;
        }
        if (!--g->left)
            group_release(g);
    }
    *out = res;
    *nout = in->nvms;
    res = NULL;
    rc = 0;
cleanup:
    if (res)
        nb_place_results_free(res, in->nvms);
    free(order);
    pass_free(&p);
    return rc;
}

void nb_place_results_free(nb_place_result *r, size_t n)
{
    for (size_t i = 0; r && i < n; i++)
        free(r[i].message);
    free(r);
}
