/* one.cluster.* and one.clusterpool.info (reference §2.7, §3.5). */
#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "oned/api.h"
#include "oned/cluster.h"
#include "oned/datastore.h"
#include "oned/dedicate.h"
#include "oned/host.h"
#include "oned/tenancy.h"
#include "oned/vdc.h"

static int nb_cluster_allocate(nb_call *c)
{
    const char *name = nb_arg_str(c, 0, "");
    nb_object *o;

    if (nb_gate_check_create(c, &nb_cluster_kind, c->subj.gid) < 0 ||
        nb_api_check_name(c, &nb_cluster_kind, name, -1) < 0)
        return -1;
    o = nb_cluster_new(nb_txn_next_oid(c->txn, &nb_cluster_kind, NB_FIRST_CLUSTER), name);
    nb_txn_insert(c->txn, o);
    nb_dedicate_cluster_created(c->txn, o);
    nb_reply_int(c, o->oid);
    return 0;
}

static int nb_cluster_delete(nb_call *c)
{
    const nb_cluster *cl = nb_cluster_cof(c->obj);

    if (c->obj->oid < NB_FIRST_CLUSTER)
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "The default cluster cannot be deleted.");
    if (cl->nhosts || cl->ndatastores || cl->nvnets)
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "Cluster %d is not empty, it contains "
                       "%zu hosts, %zu datastores and %zu virtual networks.", c->obj->oid,
                       cl->nhosts, cl->ndatastores, cl->nvnets);
    if (nb_cluster_dedicated_group(c->obj) >= 0)
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "Cluster %d is dedicated to group %d: "
                       "undedicate it first.", c->obj->oid, nb_cluster_dedicated_group(c->obj));
    nb_tenancy_resource_deleted(c->txn, NB_VDC_CLUSTER, c->obj->oid);
    nb_txn_delete(c->txn, c->obj);
    nb_reply_int(c, c->obj->oid);
    return 0;
}

/* The dedication attributes are only changed by dedicate/undedicate: an
 * update keeps them whatever the new text says. */
static int nb_cluster_update(nb_call *c)
{
    static const char *const kept[] = { NB_DEDICATED_GROUP, NB_DEDICATED_VDC };
    char *values[NB_ARRAY_SIZE(kept)];
    nb_object *o = nb_txn_edit(c->txn, c->obj);
    int ret;

    for (size_t i = 0; i < NB_ARRAY_SIZE(kept); i++) {
        const char *v = nb_tmpl_get(&o->tmpl, kept[i]);
        values[i] = v ? nb_strdup(v) : NULL;
    }
    ret = nb_api_update_template(c, o, nb_arg_str(c, 1, ""), (int)nb_arg_int(c, 2, 0));
    for (size_t i = 0; i < NB_ARRAY_SIZE(kept); i++) {
        nb_tmpl_remove(&o->tmpl, kept[i]);
        if (values[i])
            nb_tmpl_set(&o->tmpl, kept[i], values[i]);
        free(values[i]);
    }
    if (ret == 0)
        nb_reply_int(c, o->oid);
    return ret;
}

/* addhost/delhost(cluster, host): CLUSTER:ADMIN + HOST:ADMIN.  delhost puts
 * the host back in the default cluster. */
static int nb_cluster_host(nb_call *c, bool add)
{
    const nb_object *h, *target = c->obj;

    if (nb_api_arg_object(c, 1, &nb_host_kind, NB_OP_ADMIN, false, &h) < 0)
        return -1;
    if (!add) {
        if (nb_host_cof(h)->cluster_id != c->obj->oid)
            return nb_fail(c, NB_E_ACTION, c->obj->oid, "Host %d is not in cluster %d.",
                           h->oid, c->obj->oid);
        if (!(target = nb_txn_get(c->txn, &nb_cluster_kind, NB_CLUSTER_DEFAULT)))
            return nb_fail_missing(c, &nb_cluster_kind, NB_CLUSTER_DEFAULT);
    }
    nb_cluster_move_host(c->txn, target, h);
    nb_dedicate_host_added(c->txn, target, h->oid);
    nb_reply_int(c, c->obj->oid);
    return 0;
}

static int nb_cluster_datastore(nb_call *c, bool add)
{
    const nb_object *ds;

    if (nb_api_arg_object(c, 1, &nb_datastore_kind, NB_OP_ADMIN, false, &ds) < 0)
        return -1;
    if (!nb_cluster_link_datastore(c->txn, c->obj, ds, add))
        return nb_fail(c, NB_E_ACTION, c->obj->oid, add ? "Datastore %d is already in cluster "
                       "%d." : "Datastore %d is not in cluster %d.", ds->oid, c->obj->oid);
    nb_reply_int(c, c->obj->oid);
    return 0;
}

/* Virtual networks arrive with the networking work: none exists yet. */
static int nb_cluster_vnet(nb_call *c)
{
    int id = (int)nb_arg_int(c, 1, -1);
    return nb_fail(c, NB_E_NO_EXISTS, id, "Error getting virtual network [%d].", id);
}

static int nb_cluster_addhost(nb_call *c) { return nb_cluster_host(c, true); }
static int nb_cluster_delhost(nb_call *c) { return nb_cluster_host(c, false); }
static int nb_cluster_adddatastore(nb_call *c) { return nb_cluster_datastore(c, true); }
static int nb_cluster_deldatastore(nb_call *c) { return nb_cluster_datastore(c, false); }

static int nb_clusterpool_info(nb_call *c)
{
    return nb_api_pool_info(c, &nb_cluster_kind);
}

#define W NB_M_WRITE
#define K (&nb_cluster_kind)
const nb_method nb_api_cluster_methods[] = {
    NB_METHOD("one.cluster.allocate", "s", NULL, -1, NB_OP_CREATE, W, nb_cluster_allocate),
    NB_METHOD("one.cluster.delete", "i", K, 0, NB_OP_ADMIN, W, nb_cluster_delete),
    NB_METHOD("one.cluster.info", "i|b", K, 0, NB_OP_USE, NB_M_LOCK_EXEMPT, nb_api_info),
    NB_METHOD("one.cluster.update", "is|i", K, 0, NB_OP_MANAGE, W, nb_cluster_update),
    NB_METHOD("one.cluster.rename", "is", K, 0, NB_OP_MANAGE, W, nb_api_rename),
    NB_METHOD("one.cluster.addhost", "ii", K, 0, NB_OP_ADMIN, W, nb_cluster_addhost),
    NB_METHOD("one.cluster.delhost", "ii", K, 0, NB_OP_ADMIN, W, nb_cluster_delhost),
    NB_METHOD("one.cluster.adddatastore", "ii", K, 0, NB_OP_ADMIN, W, nb_cluster_adddatastore),
    NB_METHOD("one.cluster.deldatastore", "ii", K, 0, NB_OP_ADMIN, W, nb_cluster_deldatastore),
    NB_METHOD("one.cluster.addvnet", "ii", K, 0, NB_OP_ADMIN, W, nb_cluster_vnet),
    NB_METHOD("one.cluster.delvnet", "ii", K, 0, NB_OP_ADMIN, W, nb_cluster_vnet),
    NB_METHOD("one.clusterpool.info", "", NULL, -1, NB_OP_USE, 0, nb_clusterpool_info),
    NB_METHOD_END,
};
