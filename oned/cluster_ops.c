/* Cluster membership, both sides at once (cluster.h). */
#include "oned/cluster.h"

#include "oned/datastore.h"
#include "oned/host.h"
#include "oned/txn.h"

void nb_cluster_move_host(nb_txn *t, const nb_object *c, const nb_object *h)
{
    int from = nb_host_cof(h)->cluster_id;
    const nb_object *old;
    nb_cluster *e;

    if (from == c->oid)
        return;
    if ((old = nb_txn_get(t, &nb_cluster_kind, from))) {
        e = nb_cluster_of(nb_txn_edit(t, old));
        nb_ids_del(&e->hosts, &e->nhosts, h->oid);
    }
    e = nb_cluster_of(nb_txn_edit(t, c));
    nb_ids_add(&e->hosts, &e->nhosts, h->oid);
    nb_host_of(nb_txn_edit(t, h))->cluster_id = c->oid;
}

bool nb_cluster_link_datastore(nb_txn *t, const nb_object *c, const nb_object *ds, bool add)
{
    const nb_cluster *cc = nb_cluster_cof(c);
    nb_cluster *ce;
    nb_datastore *de;

    if (nb_ids_has(cc->datastores, cc->ndatastores, ds->oid) == add)
        return false;
    ce = nb_cluster_of(nb_txn_edit(t, c));
    de = nb_datastore_of(nb_txn_edit(t, ds));
    if (add) {
        nb_ids_add(&ce->datastores, &ce->ndatastores, ds->oid);
        nb_ids_add(&de->clusters, &de->nclusters, c->oid);
    } else {
        nb_ids_del(&ce->datastores, &ce->ndatastores, ds->oid);
        nb_ids_del(&de->clusters, &de->nclusters, c->oid);
    }
    return true;
}

int nb_cluster_system_ds(const nb_object *cl, const nb_object *(*get)(void *ctx, int id),
                         void *ctx)
{
    const nb_cluster *cc = nb_cluster_cof(cl);

    for (size_t i = 0; i < cc->ndatastores; i++) {
        const nb_object *ds = get(ctx, cc->datastores[i]);
        if (ds && nb_datastore_system_enabled(nb_datastore_cof(ds)))
            return ds->oid;
    }
    return -1;
}
