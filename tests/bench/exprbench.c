/*
 * exprbench: cost of evaluating one requirement and one rank against a
 * host (reference §9.4), the scheduler's inner loop.  Part of `make bench`.
 *
 * The host is 40 attributes looked up by name in a flat table, the way a
 * host's template and monitoring values are kept, with the ones the
 * expressions read near the end so the lookup is not flattered.  It is
 * timed again with the names resolved once (nb_expr_names), which leaves
 * the evaluator's own cost.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/expr.h"
#include "lib/util.h"
#include "tests/bench/bench.h"

#define BATCHES 15
#define EVALS_PER_BATCH 200000
#define NATTRS 40

static const char *const requirement = "HYPERVISOR = kvm & FREE_CPU > 200 & NAME = \"node*\"";
static const char *const rank = "FREE_CPU * 2 - RUNNING_VMS";

struct attr {
    char name[24];
    char value[24];
};

static struct attr host[NATTRS];

static void build_host(void)
{
    static const struct attr tail[] = {
        { "NAME", "node042" }, { "HYPERVISOR", "kvm" }, { "RUNNING_VMS", "12" }, { "FREE_CPU", "1650" },
    };
    size_t filler = NATTRS - sizeof(tail) / sizeof(tail[0]);
    for (size_t i = 0; i < filler; i++) {
        snprintf(host[i].name, sizeof(host[i].name), "ATTRIBUTE_%zu", i);
        snprintf(host[i].value, sizeof(host[i].value), "%zu", i * 100);
    }
    memcpy(&host[filler], tail, sizeof(tail));
}

static size_t lookup(void *ctx, const char *name, const char **vals, size_t max)
{
    const struct attr *h = ctx;
    for (size_t i = 0; i < NATTRS; i++)
        if (strcmp(h[i].name, name) == 0) {
            if (max > 0)
                vals[0] = h[i].value;
            return 1;
        }
    return 0;
}

/* The program's names resolved to values once: the lookup compares the
 * name pointers nb_expr_names gave. */
struct resolved {
    const char *const *names;
    const char *values[4];
    size_t n;
};

static size_t lookup_resolved(void *ctx, const char *name, const char **vals, size_t max)
{
    const struct resolved *r = ctx;
    for (size_t i = 0; i < r->n; i++)
        if (r->names[i] == name) {
            if (max > 0)
                vals[0] = r->values[i];
            return 1;
        }
    return 0;
}

static void resolve(const nb_expr *e, struct resolved *r)
{
    r->n = nb_expr_names(e, &r->names);
    if (r->n > 4)
        r->n = 4;
    for (size_t i = 0; i < r->n; i++) {
        const char *v = NULL;
        lookup(host, r->names[i], &v, 1);
        r->values[i] = v;
    }
}

/* Median ns per evaluation over BATCHES batches. */
static double time_eval(const nb_expr *e, enum nb_expr_kind kind, nb_expr_lookup fn, void *ctx)
{
    double ns[BATCHES];
    double sink = 0;

    for (int b = 0; b < BATCHES; b++) {
        uint64_t t0 = nb_mono_ns();
        for (int i = 0; i < EVALS_PER_BATCH; i++)
            sink += kind == NB_EXPR_RANK ? nb_expr_rank(e, fn, ctx) : nb_expr_match(e, fn, ctx);
        ns[b] = (double)(nb_mono_ns() - t0) / EVALS_PER_BATCH;
    }
    /* Keeps the calls from being optimised away. */
    if (sink == 1)
        puts("");
    return bench_median(ns, BATCHES);
}

static nb_expr *compile(const char *text, enum nb_expr_kind kind)
{
    char *err = NULL;
    nb_expr *e = nb_expr_compile(text, kind, &err);
    if (!e) {
        fprintf(stderr, "exprbench: %s: %s\n", text, err);
        free(err);
    }
    return e;
}

int main(void)
{
    int rc = 1;
    nb_expr *req = compile(requirement, NB_EXPR_REQUIREMENT);
    nb_expr *rnk = compile(rank, NB_EXPR_RANK);

    build_host();
    if (!req || !rnk)
        goto cleanup;
    /* The figures mean nothing if the answers are wrong. */
    if (!nb_expr_match(req, lookup, host) || nb_expr_rank(rnk, lookup, host) != 3288) {
        fprintf(stderr, "exprbench: wrong answer\n");
        goto cleanup;
    }
    struct resolved rq, rr;
    resolve(req, &rq);
    resolve(rnk, &rr);
    printf("   requirement %s: %.0f ns per host, %.0f ns with the names resolved (medians of %d)\n",
           requirement, time_eval(req, NB_EXPR_REQUIREMENT, lookup, host),
           time_eval(req, NB_EXPR_REQUIREMENT, lookup_resolved, &rq), BATCHES);
    printf("   rank %s: %.0f ns per host, %.0f ns with the names resolved (medians of %d)\n", rank,
           time_eval(rnk, NB_EXPR_RANK, lookup, host), time_eval(rnk, NB_EXPR_RANK, lookup_resolved, &rr),
           BATCHES);
    rc = 0;

cleanup:
    nb_expr_free(req);
    nb_expr_free(rnk);
    return rc;
}
