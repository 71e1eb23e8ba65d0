/* one.cluster.dedicate / one.cluster.undedicate (dedicate.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "acl/rule_text.h"
#include "oned/acl_pool.h"
#include "oned/api.h"
#include "oned/cluster.h"
#include "oned/datastore.h"
#include "oned/dedicate.h"
#include "oned/group.h"
#include "oned/host.h"
#include "oned/tenancy.h"
#include "oned/vdc.h"

/* ---- shared clusters ---------------------------------------------------- */

static bool nb_vdc_shares_all(const nb_object *v)
{
    const char *s = nb_tmpl_get(&v->tmpl, NB_SHARED_CLUSTERS);
    return s && strcmp(s, "ALL") == 0;
}

/* Add (zone, cid) to v with its rules, unless present. */
static void nb_vdc_put_cluster(nb_txn *t, const nb_object *v, int zone, int cid)
{
    nb_vdc *e;
    if (nb_vdc_find(nb_vdc_cof(v), NB_VDC_CLUSTER, zone, cid) >= 0)
        return;
    e = nb_vdc_of(nb_txn_edit(t, v));
    nb_vdc_entry_add(e, NB_VDC_CLUSTER, zone, cid);
    nb_tenancy_vdc_entry(t, e, NB_VDC_CLUSTER, zone, cid, true);
}

/* Remove the entry (type, zone, id) from v with its rules, if present. */
static void nb_vdc_drop(nb_txn *t, const nb_object *v, enum nb_vdc_rtype type, int zone, int id)
{
    int i = nb_vdc_find(nb_vdc_cof(v), type, zone, id);
    nb_vdc *e;
    if (i < 0)
        return;
    e = nb_vdc_of(nb_txn_edit(t, v));
    nb_tenancy_vdc_entry(t, e, type, zone, id, false);
    nb_vdc_entry_del(e, type, (size_t)i);
}

typedef struct nb_share_ctx {
    const nb_object *vdc;
    int zone;
} nb_share_ctx;

static int nb_share_cluster(nb_txn *t, nb_object *cl, void *ctx)
{
    nb_share_ctx *sc = ctx;
    if (nb_cluster_dedicated_group(cl) < 0)
        nb_vdc_put_cluster(t, sc->vdc, sc->zone, cl->oid);
    return 0;
}

/* ALL clusters of the zone become the explicit shared ones. */
static void nb_vdc_expand_all(nb_txn *t, const nb_object *v, int zone)
{
    nb_share_ctx sc = { v, zone };
    if (nb_vdc_find(nb_vdc_cof(v), NB_VDC_CLUSTER, zone, NB_VDC_ALL) < 0)
        return;
    nb_vdc_drop(t, v, NB_VDC_CLUSTER, zone, NB_VDC_ALL);
    nb_tmpl_set(&nb_txn_edit(t, v)->tmpl, NB_SHARED_CLUSTERS, "ALL");
    nb_txn_foreach(t, &nb_cluster_kind, nb_share_cluster, &sc);
}

/* The reverse, once nothing in the zone is dedicated. */
static void nb_vdc_collapse_all(nb_txn *t, const nb_object *v, int zone)
{
    nb_vdc *e = nb_vdc_of(nb_txn_edit(t, v));

    for (size_t k = e->nres[NB_VDC_CLUSTER]; k-- > 0;)
        if (e->res[NB_VDC_CLUSTER][k].zone == zone) {
            nb_tenancy_vdc_entry(t, e, NB_VDC_CLUSTER, zone, e->res[NB_VDC_CLUSTER][k].id, false);
            nb_vdc_entry_del(e, NB_VDC_CLUSTER, k);
        }
    nb_tmpl_remove(&e->o.tmpl, NB_SHARED_CLUSTERS);
    nb_vdc_entry_add(e, NB_VDC_CLUSTER, zone, NB_VDC_ALL);
    nb_tenancy_vdc_entry(t, e, NB_VDC_CLUSTER, zone, NB_VDC_ALL, true);
}

static int nb_share_new_cluster(nb_txn *t, nb_object *v, void *ctx)
{
    const nb_object *cl = ctx;
    if (nb_vdc_shares_all(v))
        nb_vdc_put_cluster(t, v, nb_txn_model(t)->zone_id, cl->oid);
    return 0;
}

void nb_dedicate_cluster_created(nb_txn *t, const nb_object *cluster)
{
    nb_txn_foreach(t, &nb_vdc_kind, nb_share_new_cluster, (void *)cluster);
}

/* ---- dedicate ----------------------------------------------------------- */

/* "@gid HOST/%cid USE #zone": VDC rules give MANAGE, which lets the tenant
 * place VMs; this lets it see the hosts it pays for, with their capacity. */
static void nb_dedicate_visibility(nb_txn *t, int gid, int cid, bool grant)
{
    int zone = nb_txn_model(t)->zone_id;
    nb_acl_rule r = { -1, NB_ACL_GROUP | (uint32_t)gid,
                      NB_ACL_HOST | NB_ACL_CLUSTER | (uint32_t)cid, NB_OP_USE,
                      NB_ACL_INDIVIDUAL | (uint32_t)zone };
    char source[32];

    snprintf(source, sizeof(source), "dedicated:%d", cid);
    if (grant)
        nb_acl_grant(t, &r, source);
    else
        nb_acl_revoke(t, &r, source);
}

/* Record the dedication in the cluster's template (gid -1: clear it). */
static void nb_dedicate_mark(nb_txn *t, int cid, int gid, int vid)
{
    nb_object *cl = nb_txn_edit(t, nb_txn_get(t, &nb_cluster_kind, cid));
    char num[16];

    nb_tmpl_remove(&cl->tmpl, NB_DEDICATED_GROUP);
    nb_tmpl_remove(&cl->tmpl, NB_DEDICATED_VDC);
    if (gid < 0)
        return;
    snprintf(num, sizeof(num), "%d", gid);
    nb_tmpl_set(&cl->tmpl, NB_DEDICATED_GROUP, num);
    snprintf(num, sizeof(num), "%d", vid);
    nb_tmpl_set(&cl->tmpl, NB_DEDICATED_VDC, num);
}

typedef struct nb_dedication {
    nb_call *c;
    int zone;
    const nb_object *group;
    const nb_object *cluster;   /* the dedicated cluster (published or pending) */
    const nb_object *vdc;       /* the tenant's VDC */
    bool again;                 /* the cluster was the group's already */
} nb_dedication;

/* Every VDC but the tenant's loses the cluster and its hosts; ALL clusters
 * become the shared ones. */
static int nb_dedicate_in_vdc(nb_txn *t, nb_object *v, void *ctx)
{
    nb_dedication *d = ctx;
    const nb_cluster *cl = nb_cluster_cof(nb_txn_get(t, &nb_cluster_kind, d->cluster->oid));

    if (v->oid == d->vdc->oid)
        return 0;
    nb_vdc_expand_all(t, v, d->zone);
    nb_vdc_drop(t, v, NB_VDC_CLUSTER, d->zone, cl->o.oid);
    for (size_t i = 0; i < cl->nhosts; i++)
        nb_vdc_drop(t, v, NB_VDC_HOST, d->zone, cl->hosts[i]);
    return 0;
}

/* Is r a rule that would still give someone other than the tenant (or the
 * oneadmin group, which passes every check anyway) the dedicated hosts? */
static bool nb_rule_leaks_hosts(const nb_acl_rule *r, const nb_dedication *d, const nb_cluster *cl)
{
    uint64_t sel = r->resource & NB_ACL_SEL_MASK;
    int id = (int)(r->resource & NB_ACL_ID_MASK);

    if (!(r->resource & NB_ACL_HOST) || !(r->rights & (NB_OP_USE | NB_OP_MANAGE | NB_OP_ADMIN)))
        return false;
    if (r->user == (NB_ACL_GROUP | (uint32_t)d->group->oid) || r->user == NB_ACL_GROUP)
        return false;
    return sel == NB_ACL_ALL || (sel == NB_ACL_CLUSTER && id == cl->o.oid) ||
           (sel == NB_ACL_INDIVIDUAL && nb_ids_has(cl->hosts, cl->nhosts, id));
}

static int nb_dedicate_check_rule(nb_txn *t, nb_object *o, void *ctx)
{
    nb_dedication *d = ctx;
    const nb_acl_obj *a = (const nb_acl_obj *)o;
    const nb_cluster *cl = nb_cluster_cof(nb_txn_get(t, &nb_cluster_kind, d->cluster->oid));
    char text[NB_ACL_STRING_MAX];

    if (!nb_rule_leaks_hosts(&a->rule, d, cl))
        return 0;
    nb_acl_rule_format(&a->rule, text, sizeof(text));
    nb_fail(d->c, NB_E_ACTION, cl->o.oid, "ACL rule %d (%s) would still let others use the "
            "dedicated hosts; delete it (or the VDC entry that made it) first.", o->oid, text);
    return 1;
}

typedef struct nb_find_vdc {
    int gid;
    const nb_object *found;
} nb_find_vdc;

static int nb_find_tenant_vdc(nb_txn *t, nb_object *v, void *ctx)
{
    nb_find_vdc *f = ctx;
    (void)t;
    if (v->oid < NB_FIRST_VDC || !nb_ids_has(nb_vdc_cof(v)->groups, nb_vdc_cof(v)->ngroups, f->gid))
        return 0;
    f->found = v;
    return 1;
}

/* The tenant's VDC: the first one (not the default) holding the group, else
 * a new one named after the group. */
static int nb_dedicate_vdc(nb_dedication *d)
{
    nb_call *c = d->c;
    nb_find_vdc f = { d->group->oid, NULL };
    nb_object *v;

    nb_txn_foreach(c->txn, &nb_vdc_kind, nb_find_tenant_vdc, &f);
    if (f.found) {
        d->vdc = f.found;
        return nb_gate_check(c, f.found, NB_OP_ADMIN);
    }
    if (nb_gate_check_create(c, &nb_vdc_kind, c->subj.gid) < 0 ||
        nb_api_check_name(c, &nb_vdc_kind, d->group->name, -1) < 0)
        return -1;
    v = nb_vdc_new(nb_txn_next_oid(c->txn, &nb_vdc_kind, NB_FIRST_VDC), d->group->name);
    nb_txn_insert(c->txn, v);
    nb_tenancy_vdc_add_group(c->txn, v, d->group->oid);
    d->vdc = v;
    return 0;
}

/* The hosts argument: "" or comma-separated ids, each authorized ADMIN. */
static int nb_dedicate_hosts(nb_call *c, const char *list, const nb_object ***hosts, size_t *n)
{
    const char *p = list;

    *hosts = NULL;
    *n = 0;
    while (*p) {
        char *end;
        long id = strtol(p, &end, 10);
        const nb_object *h;
        if (end == p || id < 0 || id > INT32_MAX || (*end && *end != ','))
            return nb_fail(c, NB_E_RPC_API, -1, "Hosts must be a comma-separated list of host "
                           "ids, not \"%s\".", list);
        if (!(h = nb_txn_get(c->txn, &nb_host_kind, (int)id)))
            return nb_fail_missing(c, &nb_host_kind, (int)id);
        if (nb_gate_check(c, h, NB_OP_ADMIN) < 0)
            return -1;
        *hosts = nb_realloc(*hosts, (*n + 1) * sizeof(**hosts));
        (*hosts)[(*n)++] = h;
        p = *end ? end + 1 : end;
    }
    return 0;
}

/* The cluster argument: an existing cluster, or -1 for a new one named
 * "<group>-dedicated" holding the datastores the hosts used. */
static int nb_dedicate_cluster(nb_dedication *d, int cid, const nb_object **hosts, size_t n)
{
    nb_call *c = d->c;
    int owner;
    char *name;
    nb_object *cl;
    int ret = -1;

    if (cid != -1) {
        if (nb_api_arg_object(c, 0, &nb_cluster_kind, NB_OP_ADMIN, false, &d->cluster) < 0)
            return -1;
        if (cid == NB_CLUSTER_DEFAULT)
            return nb_fail(c, NB_E_ACTION, cid, "The default cluster cannot be dedicated; give "
                           "-1 to make a cluster for the tenant.");
        owner = nb_cluster_dedicated_group(d->cluster);
        if (owner >= 0 && owner != d->group->oid)
            return nb_fail(c, NB_E_ACTION, cid, "Cluster %d is dedicated to group %d.", cid,
                           owner);
        d->again = owner >= 0;
        return 0;
    }
    name = nb_asprintf("%s-dedicated", d->group->name);
    if (nb_gate_check_create(c, &nb_cluster_kind, c->subj.gid) < 0 ||
        nb_api_check_name(c, &nb_cluster_kind, name, -1) < 0)
        goto cleanup;
    cl = nb_cluster_new(nb_txn_next_oid(c->txn, &nb_cluster_kind, NB_FIRST_CLUSTER), name);
    nb_txn_insert(c->txn, cl);
    d->cluster = cl;
    for (size_t i = 0; i < n; i++) {
        const nb_cluster *from = nb_cluster_cof(nb_txn_get(c->txn, &nb_cluster_kind,
                                                           nb_host_cof(hosts[i])->cluster_id));
        for (size_t k = 0; from && k < from->ndatastores; k++)
            nb_cluster_link_datastore(c->txn, cl,
                                      nb_txn_get(c->txn, &nb_datastore_kind, from->datastores[k]),
                                      true);
    }
    ret = 0;
 cleanup:
    free(name);
    return ret;
}

static int nb_cluster_dedicate(nb_call *c)
{
    nb_dedication d = { .c = c, .zone = c->model->zone_id };
    int cid = (int)nb_arg_int(c, 0, -1);
    const nb_object **hosts = NULL;
    const nb_object *vdc0;
    size_t n = 0;
    int ret = -1;

    if (nb_api_arg_object(c, 1, &nb_group_kind, NB_OP_ADMIN, false, &d.group) < 0 ||
        nb_dedicate_hosts(c, nb_arg_str(c, 2, ""), &hosts, &n) < 0)
        goto cleanup;
    if (d.group->oid == 0) {
        nb_fail(c, NB_E_ACTION, cid, "The oneadmin group uses every host; dedicate hosts to a "
                "tenant group.");
        goto cleanup;
    }
    if (nb_dedicate_cluster(&d, cid, hosts, n) < 0)
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        const nb_object *from = nb_txn_get(c->txn, &nb_cluster_kind,
                                           nb_host_cof(hosts[i])->cluster_id);
        int owner = from ? nb_cluster_dedicated_group(from) : -1;
        if (owner >= 0 && owner != d.group->oid) {
            nb_fail(c, NB_E_ACTION, cid, "Host %d is dedicated to group %d (cluster %d).",
                    hosts[i]->oid, owner, from->oid);
            goto cleanup;
        }
        /* The host may have been edited: move the current version. */
        nb_cluster_move_host(c->txn, nb_txn_get(c->txn, &nb_cluster_kind, d.cluster->oid),
                             nb_txn_get(c->txn, &nb_host_kind, hosts[i]->oid));
    }
    if (nb_dedicate_vdc(&d) < 0)
        goto cleanup;
    nb_tenancy_vdc_add_group(c->txn, d.vdc, d.group->oid);
    nb_vdc_put_cluster(c->txn, nb_txn_get(c->txn, &nb_vdc_kind, d.vdc->oid), d.zone,
                       d.cluster->oid);
    nb_dedicate_mark(c->txn, d.cluster->oid, d.group->oid, d.vdc->oid);
    if (!d.again)
        nb_dedicate_visibility(c->txn, d.group->oid, d.cluster->oid, true);

    nb_txn_foreach(c->txn, &nb_vdc_kind, nb_dedicate_in_vdc, &d);
    if ((vdc0 = nb_txn_get(c->txn, &nb_vdc_kind, NB_VDC_DEFAULT)) &&
        nb_ids_has(nb_vdc_cof(vdc0)->groups, nb_vdc_cof(vdc0)->ngroups, d.group->oid)) {
        nb_vdc *e = nb_vdc_of(nb_txn_edit(c->txn, vdc0));
        nb_tenancy_vdc_group(c->txn, e, d.group->oid, false);
        nb_ids_del(&e->groups, &e->ngroups, d.group->oid);
    }
    if (nb_txn_foreach(c->txn, &nb_acl_kind, nb_dedicate_check_rule, &d) != 0)
        goto cleanup;
    nb_reply_int(c, d.cluster->oid);
    ret = 0;
 cleanup:
    free(hosts);
    return ret;
}

/* ---- undedicate --------------------------------------------------------- */

typedef struct nb_owned_ctx {
    const char *attr;           /* NB_DEDICATED_GROUP or NB_DEDICATED_VDC */
    int id;                     /* -1: any */
    int except;                 /* cluster not to count */
    int found;
} nb_owned_ctx;

static int nb_find_dedicated(nb_txn *t, nb_object *cl, void *ctx)
{
    nb_owned_ctx *oc = ctx;
    const char *v = nb_tmpl_get(&cl->tmpl, oc->attr);
    long long id;
    (void)t;
    if (cl->oid == oc->except || nb_cluster_dedicated_group(cl) < 0 || !v ||
        nb_parse_ll(v, &id) < 0 || (oc->id >= 0 && id != oc->id))
        return 0;
    oc->found = cl->oid;
    return 1;
}

int nb_dedicated_cluster(nb_txn *t, const char *attr, int id, int except)
{
    nb_owned_ctx oc = { attr, id, except, -1 };
    nb_txn_foreach(t, &nb_cluster_kind, nb_find_dedicated, &oc);
    return oc.found;
}

typedef struct nb_host_ctx {
    int keep_vdc;
    int host;
} nb_host_ctx;

static int nb_drop_host_elsewhere(nb_txn *t, nb_object *v, void *ctx)
{
    nb_host_ctx *hc = ctx;
    if (v->oid != hc->keep_vdc)
        nb_vdc_drop(t, v, NB_VDC_HOST, nb_txn_model(t)->zone_id, hc->host);
    return 0;
}

void nb_dedicate_host_added(nb_txn *t, const nb_object *cluster, int host)
{
    const char *vid = nb_tmpl_get(&cluster->tmpl, NB_DEDICATED_VDC);
    long long v;
    nb_host_ctx hc = { -1, host };

    if (nb_cluster_dedicated_group(cluster) < 0)
        return;
    if (vid && nb_parse_ll(vid, &v) == 0)
        hc.keep_vdc = (int)v;
    nb_txn_foreach(t, &nb_vdc_kind, nb_drop_host_elsewhere, &hc);
}

typedef struct nb_reshare_ctx {
    int cid;
    int zone;
    bool collapse;              /* nothing stays dedicated: back to ALL */
} nb_reshare_ctx;

static int nb_reshare_in_vdc(nb_txn *t, nb_object *v, void *ctx)
{
    nb_reshare_ctx *rc = ctx;
    if (!nb_vdc_shares_all(v))
        return 0;
    if (rc->collapse)
        nb_vdc_collapse_all(t, v, rc->zone);
    else
        nb_vdc_put_cluster(t, v, rc->zone, rc->cid);
    return 0;
}

static int nb_cluster_undedicate(nb_call *c)
{
    int cid = c->obj->oid;
    int gid = nb_cluster_dedicated_group(c->obj);
    const char *vid_s = nb_tmpl_get(&c->obj->tmpl, NB_DEDICATED_VDC);
    int zone = c->model->zone_id;
    const nb_object *vdc, *vdc0, *g;
    nb_reshare_ctx rc = { cid, zone, false };
    long long vid;

    if (gid < 0)
        return nb_fail(c, NB_E_ACTION, cid, "Cluster %d is not dedicated.", cid);
    nb_dedicate_visibility(c->txn, gid, cid, false);
    if (vid_s && nb_parse_ll(vid_s, &vid) == 0 &&
        (vdc = nb_txn_get(c->txn, &nb_vdc_kind, (int)vid)))
        nb_vdc_drop(c->txn, vdc, NB_VDC_CLUSTER, zone, cid);

    nb_dedicate_mark(c->txn, cid, -1, -1);

    rc.collapse = nb_dedicated_cluster(c->txn, NB_DEDICATED_GROUP, -1, cid) < 0;
    nb_txn_foreach(c->txn, &nb_vdc_kind, nb_reshare_in_vdc, &rc);
    /* A tenant with nothing dedicated left is an ordinary group again. */
    if ((g = nb_txn_get(c->txn, &nb_group_kind, gid)) &&
        nb_dedicated_cluster(c->txn, NB_DEDICATED_GROUP, gid, cid) < 0 &&
        (vdc0 = nb_txn_get(c->txn, &nb_vdc_kind, NB_VDC_DEFAULT)))
        nb_tenancy_vdc_add_group(c->txn, vdc0, g->oid);
    nb_reply_int(c, cid);
    return 0;
}

#define W NB_M_WRITE
const nb_method nb_api_dedicate_methods[] = {
    /* dedicate(cluster or -1, group, "host,host"): the group's VDC, the
     * cluster and the hosts, authorized item by item in the handler. */
    NB_METHOD("one.cluster.dedicate", "iis", NULL, -1, NB_OP_ADMIN, W, nb_cluster_dedicate),
    NB_METHOD("one.cluster.undedicate", "i", &nb_cluster_kind, 0, NB_OP_ADMIN, W,
              nb_cluster_undedicate),
    NB_METHOD_END,
};
