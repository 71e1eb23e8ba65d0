/*
 * cluster.h: the CLUSTER object (reference §3.5).  Unowned.  A host is in
 * exactly one cluster (the host records it, the cluster lists it);
 * datastores and networks may be in several.
 *
 * A cluster dedicated to a tenant (docs/private-vdc.md) carries
 * DEDICATED_GROUP and DEDICATED_VDC in its TEMPLATE: plain attributes any
 * OpenNebula client reads, and the record the scheduler enforces.  Only
 * one.cluster.dedicate/undedicate change them.
 */
#ifndef NB_CLUSTER_H
#define NB_CLUSTER_H

#include "oned/object.h"

typedef struct nb_cluster {
    nb_object o;
    int *hosts;             /* sorted ids */
    size_t nhosts;
    int *datastores;
    size_t ndatastores;
    int *vnets;
    size_t nvnets;
} nb_cluster;

extern const nb_kind nb_cluster_kind;

#define NB_CLUSTER_DEFAULT 0
#define NB_FIRST_CLUSTER 100    /* ids below are the system's own */

/* A new empty cluster (TEMPLATE RESERVED_CPU/RESERVED_MEM empty). */
nb_object *nb_cluster_new(int oid, const char *name);

/* DEDICATED_GROUP of the cluster, -1 when shared. */
int nb_cluster_dedicated_group(const nb_object *o);

/*
 * Membership changes, inside a transaction; both sides (the cluster's lists
 * and the host's CLUSTER_ID or the datastore's CLUSTERS) change together.
 * Implemented in cluster_ops.c.
 */
/* The first enabled system datastore of cluster cl, or -1; `get` finds a
 * datastore by id in the caller's view (a transaction, the published
 * pool). */
int nb_cluster_system_ds(const nb_object *cl, const nb_object *(*get)(void *ctx, int id),
                         void *ctx);

struct nb_txn;
/* Move host h into cluster c (out of its current one). */
void nb_cluster_move_host(struct nb_txn *t, const nb_object *c, const nb_object *h);
/* Add or remove datastore ds in cluster c; false if nothing changed. */
bool nb_cluster_link_datastore(struct nb_txn *t, const nb_object *c, const nb_object *ds, bool add);

static inline nb_cluster *nb_cluster_of(nb_object *o) { return (nb_cluster *)o; }
static inline const nb_cluster *nb_cluster_cof(const nb_object *o) { return (const nb_cluster *)o; }

#endif
