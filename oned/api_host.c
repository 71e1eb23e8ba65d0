/* one.host.* and one.hostpool.info (reference §2.7, §3.6). */
#include <stdlib.h>
#include "lib/util.h"
#include "oned/api.h"
#include "oned/cluster.h"
#include "oned/engine.h"
#include "oned/host.h"
#include "oned/tenancy.h"

/* allocate(hostname, im_mad, vmm_mad, cluster_id): HOST:CREATE +
 * CLUSTER:ADMIN; cluster -1 is the default cluster. */
static int nb_host_allocate(nb_call *c)
{
    const char *name = nb_arg_str(c, 0, "");
    const char *im = nb_arg_str(c, 1, "");
    const char *vmm = nb_arg_str(c, 2, "");
    int cid = (int)nb_arg_int(c, 3, -1);
    const nb_object *cl;
    nb_cluster *ce;
    nb_object *o;

    if (nb_gate_check_create(c, &nb_host_kind, c->subj.gid) < 0)
        return -1;
    if (cid == -1)
        cid = NB_CLUSTER_DEFAULT;
    if (!(cl = nb_txn_get(c->txn, &nb_cluster_kind, cid)))
        return nb_fail_missing(c, &nb_cluster_kind, cid);
    if (nb_gate_check(c, cl, NB_OP_ADMIN) < 0 ||
        nb_api_check_name(c, &nb_host_kind, name, -1) < 0)
        return -1;
    if (!*im || !*vmm)
        return nb_fail(c, NB_E_INTERNAL, -1, "The host needs an information driver (IM_MAD) "
                       "and a virtualization driver (VM_MAD).");
    o = nb_host_new(nb_txn_next_oid(c->txn, &nb_host_kind, 0), name, im, vmm, cid);
    nb_txn_insert(c->txn, o);
    ce = nb_cluster_of(nb_txn_edit(c->txn, cl));
    nb_ids_add(&ce->hosts, &ce->nhosts, o->oid);
    nb_engine_monitor_soon(c->txn, o->oid);
    nb_reply_int(c, o->oid);
    return 0;
}

static int nb_host_delete(nb_call *c)
{
    const nb_host *h = nb_host_cof(c->obj);
    const nb_object *cl;

    if (h->nvms > 0)
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "Cannot delete host %d: it has %zu VMs.",
                       c->obj->oid, h->nvms);
    if ((cl = nb_txn_get(c->txn, &nb_cluster_kind, h->cluster_id))) {
        nb_cluster *e = nb_cluster_of(nb_txn_edit(c->txn, cl));
        nb_ids_del(&e->hosts, &e->nhosts, c->obj->oid);
    }
    nb_tenancy_resource_deleted(c->txn, NB_VDC_HOST, c->obj->oid);
    /* Its history goes with it (a VM's ages out: accounting outlives VMs). */
    nb_txn_sample_drop(c->txn, NB_SAMPLE_HOST, c->obj->oid);
    nb_txn_delete(c->txn, c->obj);
    nb_reply_int(c, c->obj->oid);
    return 0;
}

/* status(id, 0 ENABLED | 1 DISABLED | 2 OFFLINE).  Enabling starts over
 * from INIT: the next monitoring makes the host MONITORED. */
static int nb_host_status(nb_call *c)
{
    static const int states[] = { NB_HOST_INIT, NB_HOST_DISABLED, NB_HOST_OFFLINE };
    int status = (int)nb_arg_int(c, 1, -1);
    nb_host *h;

    if (status < 0 || status >= (int)NB_ARRAY_SIZE(states))
        return nb_fail(c, NB_E_RPC_API, c->obj->oid, "Wrong status code %d: use 0 (enabled), "
                       "1 (disabled) or 2 (offline).", status);
    /* Enabling a host that is not disabled or offline changes nothing. */
    if (status != 0 || (nb_host_cof(c->obj)->state != NB_HOST_INIT &&
                        nb_host_cof(c->obj)->state != NB_HOST_MONITORED)) {
        h = nb_host_of(nb_txn_edit(c->txn, c->obj));
        h->prev_state = h->state;
        h->state = states[status];
        if (status == 0)
            nb_engine_monitor_soon(c->txn, c->obj->oid);
    }
    nb_reply_int(c, c->obj->oid);
    return 0;
}

/* A host in error, or not yet monitored, is tried again as soon as its
 * template changes: that is how staff fix a wrong LIBVIRT_URI, and waiting
 * for the next round would only delay the answer. */
static int nb_host_update(nb_call *c)
{
    enum nb_host_state s = nb_host_cof(c->obj)->state;

    if (nb_api_update(c) < 0)
        return -1;
    if (s == NB_HOST_ERROR || s == NB_HOST_INIT)
        nb_engine_monitor_soon(c->txn, c->obj->oid);
    return 0;
}

static int nb_hostpool_info(nb_call *c)
{
    return nb_api_pool_info(c, &nb_host_kind);
}

#define W NB_M_WRITE
const nb_method nb_api_host_methods[] = {
    NB_METHOD("one.host.allocate", "sssi", NULL, -1, NB_OP_CREATE, W, nb_host_allocate),
    NB_METHOD("one.host.delete", "i", &nb_host_kind, 0, NB_OP_ADMIN, W, nb_host_delete),
    NB_METHOD("one.host.status", "ii", &nb_host_kind, 0, NB_OP_ADMIN, W, nb_host_status),
    NB_METHOD("one.host.update", "is|i", &nb_host_kind, 0, NB_OP_ADMIN, W, nb_host_update),
    NB_METHOD("one.host.rename", "is", &nb_host_kind, 0, NB_OP_ADMIN, W, nb_api_rename),
    NB_METHOD("one.host.info", "i|b", &nb_host_kind, 0, NB_OP_USE, NB_M_LOCK_EXEMPT, nb_api_info),
    NB_METHOD("one.hostpool.info", "", NULL, -1, NB_OP_USE, 0, nb_hostpool_info),
    NB_METHOD_END,
};
