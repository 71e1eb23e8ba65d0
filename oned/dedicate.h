/*
 * dedicate.h: private VDCs, dedicated hosts for one tenant group
 * (reference §6.5, docs/private-vdc.md).
 *
 * one.cluster.dedicate(cluster, group, hosts) gives a cluster, and the hosts
 * moved into it, to one group in a single transaction, as plain OpenNebula
 * state: the cluster's TEMPLATE records DEDICATED_GROUP and DEDICATED_VDC
 * (what the scheduler enforces), the group's VDC lists the cluster, the
 * group leaves the default VDC, and every other VDC loses the cluster and
 * its hosts.  A VDC that had ALL clusters gets the explicit list of shared
 * clusters instead and is marked SHARED_CLUSTERS="ALL", so it keeps getting
 * every shared cluster (new ones, undedicated ones) and returns to ALL when
 * nothing is dedicated any more.  one.cluster.undedicate undoes it all.
 */
#ifndef NB_DEDICATE_H
#define NB_DEDICATE_H

#include "oned/txn.h"

/* Template attributes (cluster, VDC). */
#define NB_DEDICATED_GROUP "DEDICATED_GROUP"
#define NB_DEDICATED_VDC "DEDICATED_VDC"
#define NB_SHARED_CLUSTERS "SHARED_CLUSTERS"

/* A new cluster is shared: VDCs marked SHARED_CLUSTERS="ALL" get it. */
void nb_dedicate_cluster_created(nb_txn *t, const nb_object *cluster);
/* A host moved into cluster: if the cluster is dedicated, other VDCs lose
 * their entries for the host. */
void nb_dedicate_host_added(nb_txn *t, const nb_object *cluster, int host);
/* A dedicated cluster other than `except` whose attr (NB_DEDICATED_GROUP or
 * NB_DEDICATED_VDC) is id (-1: any dedicated cluster), or -1. */
int nb_dedicated_cluster(nb_txn *t, const char *attr, int id, int except);

#endif
