/*
 * host_attrs.h: what a requirement or rank expression (expr.h) sees of a
 * host, in OpenNebula's lookup order (reference §9.4), first hit wins:
 *
 *   the host's TEMPLATE; HOST_SHARE (MAX_CPU, CPU_USAGE, FREE_CPU = MAX_CPU -
 *   CPU_USAGE, TOTAL_CPU, the same for MEM, RUNNING_VMS); NAME, ID,
 *   CLUSTER_ID, STATE; the cluster's TEMPLATE; CURRENT_VMS (every VM id on
 *   the host).
 *
 * A template attribute given several times has several values (for @>); a
 * quoted path "VECTOR/KEY" reads a vector attribute's member.
 * Pure: no I/O.  The host is a snapshot the caller owns.
 */
#ifndef NB_SCHEDULER_HOST_ATTRS_H
#define NB_SCHEDULER_HOST_ATTRS_H

#include <stddef.h>
#include "lib/template.h"

typedef struct nb_host_attrs {
    int id;
    const char *name;
    int state;
    int cluster_id;
    const nb_tmpl *tmpl;            /* TEMPLATE */
    const nb_tmpl *cluster_tmpl;    /* its cluster's TEMPLATE, NULL if none */
    long long max_cpu, cpu_usage, total_cpu;
    long long max_mem, mem_usage, total_mem;
    int running_vms;
    const int *vms;                 /* CURRENT_VMS */
    size_t nvms;
} nb_host_attrs;

/* One evaluation's context: numbers are formatted into it, so the values
 * handed out stay valid until nb_host_lookup_done. */
typedef struct nb_host_lookup {
    const nb_host_attrs *host;
    char **num;                     /* each its own block: growing never moves one */
    size_t nnum, cap;
} nb_host_lookup;

void nb_host_lookup_init(nb_host_lookup *l, const nb_host_attrs *h);
void nb_host_lookup_done(nb_host_lookup *l);
/* A number formatted into the context (datastore lookups keep theirs in one
 * too). */
const char *nb_host_lookup_num(nb_host_lookup *l, long long v);
/* Every value of a template attribute (t may be NULL): single attributes of
 * that name, or the member of "VECTOR/KEY" of each such vector. */
size_t nb_tmpl_values(const nb_tmpl *t, const char *name, const char **vals, size_t max);
/* An nb_expr_lookup over a nb_host_lookup. */
size_t nb_host_lookup_attr(void *ctx, const char *name, const char **vals, size_t max);

#endif
