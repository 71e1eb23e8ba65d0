/*
 * one.datastore.* and one.datastorepool.info (reference §2.8, §3.7).  A
 * datastore names its drivers (DS_MAD keeps images, TM_MAD gives VMs their
 * disks: drivers/datastore.h), which must be built into this oned.
 */
#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "drivers/driver.h"
#include "oned/api.h"
#include "oned/cluster.h"
#include "oned/datastore.h"
#include "oned/storage.h"
#include "oned/tenancy.h"

#define K (&nb_datastore_kind)

static const char *const nb_ds_types[] = { "IMAGE_DS", "SYSTEM_DS", "FILE_DS" };
/* DISK_TYPE names, OpenNebula's numbers (the ones Nubes' drivers use). */
static const struct { const char *name; int value; } nb_disk_types[] = {
    { "FILE", 0 }, { "BLOCK", 2 }, { "RBD", 3 },
};

/* The driver named by attribute attr of t, which must be of class cls. */
static int nb_ds_driver(nb_call *c, const nb_tmpl *t, const char *attr,
                        enum nb_driver_class cls, char **out)
{
    const char *name = nb_tmpl_get(t, attr);

    if (!name || !*name)
        return nb_fail(c, NB_E_ALLOCATE, -1, "No %s in template.", attr);
    if (!nb_driver_find(cls, name))
        return nb_fail(c, NB_E_ALLOCATE, -1, "%s \"%s\" is not a %s driver of this oned.", attr,
                       name, nb_driver_class_name(cls));
    *out = nb_strdup(name);
    return 0;
}

/* allocate(template, cluster_id): DATASTORE:CREATE, then ADMIN on the
 * cluster (-1: the default one), in oned's order. */
static int nb_datastore_allocate(nb_call *c)
{
    const char *text = nb_arg_str(c, 0, "");
    int cid = (int)nb_arg_int(c, 1, -1);
    nb_tmpl t = NB_TMPL_INIT;
    const nb_object *cl;
    const char *name, *type_s, *disk_s;
    nb_object *o = NULL;
    nb_datastore *d;
    char *err = NULL;
    int type = NB_DS_IMAGE, ret = -1;

    if (nb_gate_check_create(c, K, c->subj.gid) < 0)
        goto cleanup;
    if (nb_tmpl_parse(&t, text, strlen(text), &err) < 0) {
        nb_fail(c, NB_E_INTERNAL, -1, "%s", err);
        free(err);
        goto cleanup;
    }
    if (cid < 0)
        cid = NB_CLUSTER_DEFAULT;
    if (!(cl = nb_txn_get(c->txn, &nb_cluster_kind, cid))) {
        nb_fail(c, NB_E_NO_EXISTS, cid, "Error getting cluster [%d].", cid);
        goto cleanup;
    }
    name = nb_tmpl_get(&t, "NAME");
    if (nb_gate_check(c, cl, NB_OP_ADMIN) < 0 || nb_api_check_name(c, K, name ? name : "", -1) < 0)
        goto cleanup;
    if ((type_s = nb_tmpl_get(&t, "TYPE")) && *type_s) {
        for (type = 0; type < (int)NB_ARRAY_SIZE(nb_ds_types); type++)
            if (nb_strcaseeq(type_s, nb_ds_types[type]))
                break;
        if (type == (int)NB_ARRAY_SIZE(nb_ds_types)) {
            nb_fail(c, NB_E_ALLOCATE, -1, "Unknown datastore TYPE %s: use IMAGE_DS, SYSTEM_DS "
                    "or FILE_DS.", type_s);
            goto cleanup;
        }
    }
    o = nb_object_new(K);
    d = nb_datastore_of(o);
    d->type = type;
    if ((disk_s = nb_tmpl_get(&t, "DISK_TYPE")) && *disk_s) {
        size_t i;
        for (i = 0; i < NB_ARRAY_SIZE(nb_disk_types); i++)
            if (nb_strcaseeq(disk_s, nb_disk_types[i].name))
                break;
        if (i == NB_ARRAY_SIZE(nb_disk_types)) {
            nb_fail(c, NB_E_ALLOCATE, -1, "Unknown DISK_TYPE %s: use FILE, BLOCK or RBD.",
                    disk_s);
            goto cleanup;
        }
        d->disk_type = nb_disk_types[i].value;
    }
    /* A system datastore holds VM directories only: no DS_MAD. */
    if (type == NB_DS_SYSTEM)
        d->ds_mad = nb_strdup("-");
    else if (nb_ds_driver(c, &t, "DS_MAD", NB_DRIVER_DS, &d->ds_mad) < 0)
        goto cleanup;
    if (nb_ds_driver(c, &t, "TM_MAD", NB_DRIVER_TM, &d->tm_mad) < 0)
        goto cleanup;
    o->oid = nb_txn_next_oid(c->txn, K, 100);
    o->name = nb_strdup(name);
    o->uid = c->uid;
    o->gid = c->subj.gid;
    o->perms = nb_api_new_perms(c, o->gid);
    d->base_path = nb_asprintf("%s/datastores/%d", c->model->var_dir ? c->model->var_dir : ".",
                               o->oid);
    nb_tmpl_copy(&o->tmpl, &t);
    nb_tmpl_remove(&o->tmpl, "NAME");
    nb_tmpl_set(&o->tmpl, "TYPE", nb_ds_types[type]);
    nb_txn_insert(c->txn, o);
    nb_cluster_link_datastore(c->txn, cl, o, true);
    nb_storage_monitor_soon(c->txn, o->oid);
    nb_reply_int(c, o->oid);
    o = NULL;
    ret = 0;
 cleanup:
    if (o)
        nb_object_free(o);
    nb_tmpl_free(&t);
    return ret;
}

/* delete(id): ADMIN (dispatcher); only an empty datastore. */
static int nb_datastore_delete(nb_call *c)
{
    const nb_datastore *d = nb_datastore_cof(c->obj);

    if (d->nimages)
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "Datastore %d is not empty: it holds %zu "
                       "image%s.", c->obj->oid, d->nimages, d->nimages == 1 ? "" : "s");
    for (size_t i = 0; i < d->nclusters; i++) {
        const nb_object *cl = nb_txn_get(c->txn, &nb_cluster_kind, d->clusters[i]);
        if (cl)
            nb_cluster_link_datastore(c->txn, cl, c->obj, false);
    }
    nb_tenancy_object_deleted(c->txn, K->acl_type, c->obj->oid);
    nb_txn_delete(c->txn, c->obj);
    nb_reply_int(c, c->obj->oid);
    return 0;
}

/* enable(id, bool): only system datastores are disabled (no new VMs). */
static int nb_datastore_enable(nb_call *c)
{
    bool on = nb_arg_bool(c, 1, true);

    if (nb_datastore_cof(c->obj)->type != NB_DS_SYSTEM)
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "Only system datastores can be enabled or "
                       "disabled.");
    nb_datastore_of(nb_txn_edit(c->txn, c->obj))->state = on ? 0 : 1;
    nb_reply_int(c, c->obj->oid);
    return 0;
}

static int nb_datastorepool_info(nb_call *c)
{
    return nb_api_pool_info(c, K);
}

#define W NB_M_WRITE
const nb_method nb_api_datastore_methods[] = {
    NB_METHOD("one.datastore.allocate", "s|i", NULL, -1, NB_OP_CREATE, W, nb_datastore_allocate),
    NB_METHOD("one.datastore.delete", "i", K, 0, NB_OP_ADMIN, W, nb_datastore_delete),
    NB_METHOD("one.datastore.enable", "ib", K, 0, NB_OP_MANAGE, W, nb_datastore_enable),
    NB_METHOD("one.datastore.info", "i|b", K, 0, NB_OP_USE, NB_M_LOCK_EXEMPT, nb_api_info),
    NB_METHOD("one.datastore.update", "is|i", K, 0, NB_OP_MANAGE, W, nb_api_update),
    NB_METHOD("one.datastore.rename", "is", K, 0, NB_OP_MANAGE, W, nb_api_rename),
    NB_METHOD("one.datastore.chmod", "iiiiiiiiii", K, 0, NB_OP_MANAGE, W, nb_api_chmod),
    NB_METHOD("one.datastore.chown", "iii", K, 0, NB_OP_MANAGE, W, nb_api_chown),
    NB_METHOD("one.datastorepool.info", "", NULL, -1, NB_OP_USE, 0, nb_datastorepool_info),
    NB_METHOD_END,
};
