/*
 * ds_attrs.h: what SCHED_DS_REQUIREMENTS and SCHED_DS_RANK (expr.h) see of
 * a system datastore, in OpenNebula's lookup order (reference §9.4), first
 * hit wins: the datastore's TEMPLATE; then its own fields ID, NAME, STATE,
 * TYPE, TOTAL_MB, FREE_MB, USED_MB and "CLUSTERS/ID" (every cluster id, for
 * @>).  Pure: no I/O.  The datastore is a snapshot the caller owns.
 */
#ifndef NB_SCHEDULER_DS_ATTRS_H
#define NB_SCHEDULER_DS_ATTRS_H

#include <stddef.h>
#include "lib/template.h"
#include "scheduler/host_attrs.h"

typedef struct nb_ds_attrs {
    int id;
    const char *name;
    int state, type;
    const nb_tmpl *tmpl;            /* TEMPLATE */
    long long total_mb, free_mb, used_mb;
    const int *clusters;            /* CLUSTERS/ID */
    size_t nclusters;
} nb_ds_attrs;

/* One evaluation's context; its numbers live in `nums` until
 * nb_ds_lookup_done. */
typedef struct nb_ds_lookup {
    const nb_ds_attrs *ds;
    nb_host_lookup nums;
} nb_ds_lookup;

void nb_ds_lookup_init(nb_ds_lookup *l, const nb_ds_attrs *ds);
void nb_ds_lookup_done(nb_ds_lookup *l);
/* An nb_expr_lookup over a nb_ds_lookup. */
size_t nb_ds_lookup_attr(void *ctx, const char *name, const char **vals, size_t max);

#endif
