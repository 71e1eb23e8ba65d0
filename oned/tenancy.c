#include "oned/tenancy.h"

#include <stdio.h>
#include "lib/util.h"
#include "acl/generate.h"
#include "oned/acl_pool.h"
#include "oned/group.h"
#include "oned/model.h"
#include "oned/user.h"

static void nb_tenancy_apply(nb_txn *t, const nb_acl_rule *rules, size_t n, const char *source,
                             bool grant)
{
    for (size_t i = 0; i < n; i++) {
        if (grant)
            nb_acl_grant(t, &rules[i], source);
        else
            nb_acl_revoke(t, &rules[i], source);
    }
}

static void nb_tenancy_entry_group(nb_txn *t, const nb_vdc *v, enum nb_vdc_rtype type, int zone,
                                   int id, int gid, bool grant)
{
    const nb_config *cfg = nb_txn_model(t)->cfg;
    nb_acl_rule rules[3];
    char source[32];
    size_t n = nb_acl_vdc_rules(type, zone, id, gid, &cfg->vdc_rights, rules);

    snprintf(source, sizeof(source), "vdc:%d", v->o.oid);
    nb_tenancy_apply(t, rules, n, source, grant);
}

void nb_tenancy_vdc_entry(nb_txn *t, const nb_vdc *v, enum nb_vdc_rtype type,
                          int zone, int id, bool grant)
{
    for (size_t i = 0; i < v->ngroups; i++)
        nb_tenancy_entry_group(t, v, type, zone, id, v->groups[i], grant);
}

void nb_tenancy_vdc_group(nb_txn *t, const nb_vdc *v, int gid, bool grant)
{
    for (int type = 0; type < NB_VDC_NRTYPES; type++)
        for (size_t i = 0; i < v->nres[type]; i++)
            nb_tenancy_entry_group(t, v, (enum nb_vdc_rtype)type, v->res[type][i].zone,
                                   v->res[type][i].id, gid, grant);
}

bool nb_tenancy_vdc_add_group(nb_txn *t, const nb_object *vdc, int gid)
{
    nb_vdc *v;
    if (nb_ids_has(nb_vdc_cof(vdc)->groups, nb_vdc_cof(vdc)->ngroups, gid))
        return false;
    v = nb_vdc_of(nb_txn_edit(t, vdc));
    nb_ids_add(&v->groups, &v->ngroups, gid);
    nb_tenancy_vdc_group(t, v, gid, true);
    return true;
}

void nb_tenancy_group_admin(nb_txn *t, int gid, int uid, bool grant)
{
    nb_acl_rule rules[NB_ACL_GROUP_ADMIN_RULES];
    char source[40];

    nb_acl_group_admin_rules(uid, gid, rules);
    snprintf(source, sizeof(source), "admin:%d:%d", gid, uid);
    nb_tenancy_apply(t, rules, NB_ACL_GROUP_ADMIN_RULES, source, grant);
}

void nb_tenancy_admin_drop(nb_txn *t, int uid, int gid)
{
    const nb_object *o = nb_txn_get(t, &nb_group_kind, gid);
    nb_group *g;

    if (!o || !nb_ids_has(nb_group_cof(o)->admins, nb_group_cof(o)->nadmins, uid))
        return;
    g = nb_group_of(nb_txn_edit(t, o));
    nb_ids_del(&g->admins, &g->nadmins, uid);
    nb_tenancy_group_admin(t, gid, uid, false);
}

/* §5.6 predicates in the shape nb_acl_purge takes. */
static bool nb_names_user(const nb_acl_rule *r, const void *uid)
{
    return nb_acl_rule_names_user(r, *(const int *)uid);
}

static bool nb_names_group(const nb_acl_rule *r, const void *gid)
{
    return nb_acl_rule_names_group(r, *(const int *)gid);
}

static bool nb_names_cluster(const nb_acl_rule *r, const void *cid)
{
    return nb_acl_rule_names_cluster(r, *(const int *)cid);
}

typedef struct nb_drop_entry {
    enum nb_vdc_rtype type;
    int oid;
} nb_drop_entry;

typedef struct nb_named_object {
    uint64_t type;
    int oid;
} nb_named_object;

static bool nb_names_object(const nb_acl_rule *r, const void *ctx)
{
    const nb_named_object *n = ctx;
    return nb_acl_rule_names_object(r, n->type, n->oid);
}

void nb_tenancy_user_deleted(nb_txn *t, int uid)
{
    const nb_object *u = nb_txn_get(t, &nb_user_kind, uid);
    if (u)
        for (size_t i = 0; i < nb_user_cof(u)->ngroups; i++)
            nb_tenancy_admin_drop(t, uid, nb_user_cof(u)->groups[i]);
    nb_acl_purge(t, nb_names_user, &uid);
}

static int nb_tenancy_vdc_drop_group(nb_txn *t, nb_object *o, void *ctx)
{
    int gid = *(int *)ctx;
    nb_vdc *v;
    if (!nb_ids_has(nb_vdc_cof(o)->groups, nb_vdc_cof(o)->ngroups, gid))
        return 0;
    v = nb_vdc_of(nb_txn_edit(t, o));
    nb_ids_del(&v->groups, &v->ngroups, gid);
    return 0;
}

void nb_tenancy_group_deleted(nb_txn *t, int gid)
{
    /* The purge removes every rule naming the group, generated or not. */
    nb_txn_foreach(t, &nb_vdc_kind, nb_tenancy_vdc_drop_group, &gid);
    nb_acl_purge(t, nb_names_group, &gid);
}

static int nb_tenancy_vdc_drop_entry(nb_txn *t, nb_object *o, void *ctx)
{
    const nb_drop_entry *d = ctx;
    int zone = nb_txn_model(t)->zone_id;
    int i = nb_vdc_find(nb_vdc_cof(o), d->type, zone, d->oid);
    nb_vdc *v;

    if (i < 0)
        return 0;
    v = nb_vdc_of(nb_txn_edit(t, o));
    nb_tenancy_vdc_entry(t, v, d->type, zone, d->oid, false);
    nb_vdc_entry_del(v, d->type, (size_t)i);
    return 0;
}

uint64_t nb_tenancy_acl_type(enum nb_vdc_rtype type)
{
    static const uint64_t types[NB_VDC_NRTYPES] = {
        [NB_VDC_CLUSTER] = NB_ACL_CLUSTER_T, [NB_VDC_HOST] = NB_ACL_HOST,
        [NB_VDC_DATASTORE] = NB_ACL_DATASTORE, [NB_VDC_VNET] = NB_ACL_NET,
    };
    return types[type];
}

void nb_tenancy_resource_deleted(nb_txn *t, enum nb_vdc_rtype type, int oid)
{
    nb_drop_entry d = { type, oid };

    nb_txn_foreach(t, &nb_vdc_kind, nb_tenancy_vdc_drop_entry, &d);
    if (type == NB_VDC_CLUSTER)
        nb_acl_purge(t, nb_names_cluster, &oid);
    nb_tenancy_object_deleted(t, nb_tenancy_acl_type(type), oid);
}

void nb_tenancy_object_deleted(nb_txn *t, uint64_t acl_type, int oid)
{
    nb_named_object n = { acl_type, oid };
    nb_acl_purge(t, nb_names_object, &n);
}
