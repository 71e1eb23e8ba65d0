/* one.vdc.* and one.vdcpool.info (reference §2.5, §6). */
#include <stdlib.h>
#include "lib/util.h"
#include "oned/api.h"
#include "oned/cluster.h"
#include "oned/datastore.h"
#include "oned/dedicate.h"
#include "oned/group.h"
#include "oned/host.h"
#include "oned/tenancy.h"
#include "oned/vdc.h"
#include "oned/zone.h"

static int nb_vdc_allocate(nb_call *c)
{
    const char *text = nb_arg_str(c, 0, "");
    nb_tmpl t = NB_TMPL_INIT;
    const char *name;
    char *err = NULL;
    nb_object *o;
    int ret = -1;

    if (nb_gate_check_create(c, &nb_vdc_kind, c->subj.gid) < 0)
        return -1;
    if (nb_tmpl_parse(&t, text, strlen(text), &err) < 0) {
        nb_fail(c, NB_E_INTERNAL, -1, "%s", err);
        free(err);
        goto cleanup;
    }
    if (!(name = nb_tmpl_get(&t, "NAME")) || !*name) {
        nb_fail(c, NB_E_INTERNAL, -1, "No NAME in template for VDC.");
        goto cleanup;
    }
    if (nb_api_check_name(c, &nb_vdc_kind, name, -1) < 0)
        goto cleanup;
    o = nb_vdc_new(nb_txn_next_oid(c->txn, &nb_vdc_kind, NB_FIRST_VDC), name);
    nb_tmpl_remove(&t, "NAME");
    nb_tmpl_update(&o->tmpl, &t, 0);
    nb_txn_insert(c->txn, o);
    nb_reply_int(c, o->oid);
    ret = 0;
 cleanup:
    nb_tmpl_free(&t);
    return ret;
}

static int nb_vdc_delete(nb_call *c)
{
    const nb_vdc *v = nb_vdc_cof(c->obj);
    int cid;

    if (c->obj->oid < NB_FIRST_VDC)
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "System VDCs cannot be deleted.");
    if ((cid = nb_dedicated_cluster(c->txn, NB_DEDICATED_VDC, c->obj->oid, -1)) >= 0)
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "VDC %d holds the dedicated cluster %d: "
                       "undedicate it first.", c->obj->oid, cid);
    for (size_t i = 0; i < v->ngroups; i++)
        nb_tenancy_vdc_group(c->txn, v, v->groups[i], false);
    nb_txn_delete(c->txn, c->obj);
    nb_reply_int(c, c->obj->oid);
    return 0;
}

/* addgroup/delgroup(vdc, gid): VDC:ADMIN (dispatcher) + GROUP:ADMIN. */
static int nb_vdc_group(nb_call *c, bool add)
{
    const nb_object *g;
    const nb_vdc *v = nb_vdc_cof(c->obj);
    nb_vdc *e;

    if (nb_api_arg_object(c, 1, &nb_group_kind, NB_OP_ADMIN, false, &g) < 0)
        return -1;
    if (add) {
        if (!nb_tenancy_vdc_add_group(c->txn, c->obj, g->oid))
            return nb_fail(c, NB_E_INTERNAL, c->obj->oid, "Group %d is already assigned to "
                           "the VDC %d.", g->oid, c->obj->oid);
    } else {
        if (!nb_ids_has(v->groups, v->ngroups, g->oid))
            return nb_fail(c, NB_E_INTERNAL, c->obj->oid, "Group %d is not assigned to the "
                           "VDC %d.", g->oid, c->obj->oid);
        e = nb_vdc_of(nb_txn_edit(c->txn, c->obj));
        nb_tenancy_vdc_group(c->txn, e, g->oid, false);
        nb_ids_del(&e->groups, &e->ngroups, g->oid);
    }
    nb_reply_int(c, c->obj->oid);
    return 0;
}

static int nb_vdc_addgroup(nb_call *c) { return nb_vdc_group(c, true); }
static int nb_vdc_delgroup(nb_call *c) { return nb_vdc_group(c, false); }

/* What each entry type names, for resource checks and messages. */
static const struct {
    const nb_kind *kind;        /* NULL: no such objects in this oned yet */
    const char *what;           /* "Cluster", in "Cluster 3 is already ..." */
} nb_vdc_types[NB_VDC_NRTYPES] = {
    [NB_VDC_CLUSTER] = { &nb_cluster_kind, "Cluster" },
    [NB_VDC_HOST] = { &nb_host_kind, "Host" },
    [NB_VDC_DATASTORE] = { &nb_datastore_kind, "Datastore" },
    [NB_VDC_VNET] = { NULL, "Virtual network" },
};

/*
 * add/del<resource>(vdc, zone, id): VDC:ADMIN (dispatcher) + ZONE:ADMIN +
 * <TYPE>:ADMIN on the resource, which is checked only in the local zone and
 * not for ALL (-10).  Adding ALL replaces the explicit entries of that zone.
 */
static int nb_vdc_resource(nb_call *c, enum nb_vdc_rtype type, bool add)
{
    int zone = (int)nb_arg_int(c, 1, -1);
    int id = (int)nb_arg_int(c, 2, -1);
    const char *what = nb_vdc_types[type].what;
    const nb_object *z, *res;
    nb_vdc *v;
    int i;

    if (nb_api_arg_object(c, 1, &nb_zone_kind, NB_OP_ADMIN, false, &z) < 0)
        return -1;
    if (id != NB_VDC_ALL && zone == c->model->zone_id) {
        if (!nb_vdc_types[type].kind)
            return nb_fail(c, NB_E_NO_EXISTS, id, "Error getting %s [%d].", "virtual network",
                           id);
        if (nb_api_arg_object(c, 2, nb_vdc_types[type].kind, NB_OP_ADMIN, false, &res) < 0)
            return -1;
    } else if (id < 0 && id != NB_VDC_ALL) {
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "%s ID %d is not valid.", what, id);
    }
    i = nb_vdc_find(nb_vdc_cof(c->obj), type, zone, id);
    if (add && i >= 0)
        return nb_fail(c, NB_E_INTERNAL, c->obj->oid, "%s %d in zone %d is already assigned to "
                       "the VDC %d.", what, id, zone, c->obj->oid);
    if (!add && i < 0)
        return nb_fail(c, NB_E_INTERNAL, c->obj->oid, "%s %d in zone %d is not assigned to the "
                       "VDC %d.", what, id, zone, c->obj->oid);

    v = nb_vdc_of(nb_txn_edit(c->txn, c->obj));
    if (!add) {
        nb_tenancy_vdc_entry(c->txn, v, type, zone, id, false);
        nb_vdc_entry_del(v, type, (size_t)i);
    } else {
        if (id == NB_VDC_ALL)
            for (size_t k = v->nres[type]; k-- > 0;)
                if (v->res[type][k].zone == zone) {
                    nb_tenancy_vdc_entry(c->txn, v, type, zone, v->res[type][k].id, false);
                    nb_vdc_entry_del(v, type, k);
                }
        nb_vdc_entry_add(v, type, zone, id);
        nb_tenancy_vdc_entry(c->txn, v, type, zone, id, true);
    }
    nb_reply_int(c, c->obj->oid);
    return 0;
}

static int nb_vdc_addcluster(nb_call *c) { return nb_vdc_resource(c, NB_VDC_CLUSTER, true); }
static int nb_vdc_delcluster(nb_call *c) { return nb_vdc_resource(c, NB_VDC_CLUSTER, false); }
static int nb_vdc_addhost(nb_call *c) { return nb_vdc_resource(c, NB_VDC_HOST, true); }
static int nb_vdc_delhost(nb_call *c) { return nb_vdc_resource(c, NB_VDC_HOST, false); }
static int nb_vdc_adddatastore(nb_call *c) { return nb_vdc_resource(c, NB_VDC_DATASTORE, true); }
static int nb_vdc_deldatastore(nb_call *c) { return nb_vdc_resource(c, NB_VDC_DATASTORE, false); }
static int nb_vdc_addvnet(nb_call *c) { return nb_vdc_resource(c, NB_VDC_VNET, true); }
static int nb_vdc_delvnet(nb_call *c) { return nb_vdc_resource(c, NB_VDC_VNET, false); }

static int nb_vdcpool_info(nb_call *c)
{
    return nb_api_pool_info(c, &nb_vdc_kind);
}

#define W NB_M_WRITE
#define VDC_RES(verb, h) NB_METHOD("one.vdc." verb, "iii", &nb_vdc_kind, 0, NB_OP_ADMIN, W, h)
const nb_method nb_api_vdc_methods[] = {
    NB_METHOD("one.vdc.allocate", "s", NULL, -1, NB_OP_CREATE, W, nb_vdc_allocate),
    NB_METHOD("one.vdc.delete", "i", &nb_vdc_kind, 0, NB_OP_ADMIN, W, nb_vdc_delete),
    NB_METHOD("one.vdc.info", "i|b", &nb_vdc_kind, 0, NB_OP_USE, NB_M_LOCK_EXEMPT, nb_api_info),
    NB_METHOD("one.vdc.update", "is|i", &nb_vdc_kind, 0, NB_OP_MANAGE, W, nb_api_update),
    NB_METHOD("one.vdc.rename", "is", &nb_vdc_kind, 0, NB_OP_MANAGE, W, nb_api_rename),
    NB_METHOD("one.vdc.addgroup", "ii", &nb_vdc_kind, 0, NB_OP_ADMIN, W, nb_vdc_addgroup),
    NB_METHOD("one.vdc.delgroup", "ii", &nb_vdc_kind, 0, NB_OP_ADMIN, W, nb_vdc_delgroup),
    VDC_RES("addcluster", nb_vdc_addcluster),
    VDC_RES("delcluster", nb_vdc_delcluster),
    VDC_RES("addhost", nb_vdc_addhost),
    VDC_RES("delhost", nb_vdc_delhost),
    VDC_RES("adddatastore", nb_vdc_adddatastore),
    VDC_RES("deldatastore", nb_vdc_deldatastore),
    VDC_RES("addvnet", nb_vdc_addvnet),
    VDC_RES("delvnet", nb_vdc_delvnet),
    NB_METHOD("one.vdcpool.info", "", NULL, -1, NB_OP_USE, 0, nb_vdcpool_info),
    NB_METHOD_END,
};
