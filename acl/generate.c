#include "acl/generate.h"

/* Generated rules are not stored yet: the caller assigns the id. */
#define NB_ACL_UNSTORED (-1)

static nb_acl_rule nb_acl_make(uint64_t user, uint64_t resource, uint64_t rights, uint64_t zone)
{
    nb_acl_rule r = { NB_ACL_UNSTORED, user, resource, rights, zone };
    return r;
}

/* Writes @gid RESOURCE RIGHTS #zone to *out unless rights is 0; returns
 * how many rules it wrote. */
static size_t nb_acl_vdc_rule(nb_acl_rule *out, int gid, int zone, uint64_t resource,
                              uint64_t rights)
{
    if (!rights)
        return 0;
    *out = nb_acl_make(NB_ACL_GROUP | (uint32_t)gid, resource, rights,
                       NB_ACL_INDIVIDUAL | (uint32_t)zone);
    return 1;
}

size_t nb_acl_vdc_rules(enum nb_vdc_rtype t, int zone, int id, int gid,
                        const nb_vdc_rights *rights, nb_acl_rule out[3])
{
    uint64_t sel = t == NB_VDC_CLUSTER ? NB_ACL_CLUSTER : NB_ACL_INDIVIDUAL;
    uint64_t res = id == NB_VDC_ALL ? NB_ACL_ALL : sel | (uint32_t)id;
    size_t n = 0;

    switch (t) {
    case NB_VDC_CLUSTER:
        /* A cluster entry covers its hosts, vnets and datastores. */
        n += nb_acl_vdc_rule(&out[n], gid, zone, NB_ACL_HOST | res, rights->cluster_host);
        n += nb_acl_vdc_rule(&out[n], gid, zone, NB_ACL_NET | res, rights->cluster_net);
        n += nb_acl_vdc_rule(&out[n], gid, zone, NB_ACL_DATASTORE | res, rights->cluster_datastore);
        break;
    case NB_VDC_HOST:
        n += nb_acl_vdc_rule(&out[n], gid, zone, NB_ACL_HOST | res, rights->host);
        break;
    case NB_VDC_DATASTORE:
        n += nb_acl_vdc_rule(&out[n], gid, zone, NB_ACL_DATASTORE | res, rights->datastore);
        break;
    case NB_VDC_VNET:
        n += nb_acl_vdc_rule(&out[n], gid, zone, NB_ACL_NET | res, rights->net);
        break;
    case NB_VDC_NRTYPES:
        break;
    }
    return n;
}

void nb_acl_group_admin_rules(int uid, int gid, nb_acl_rule out[NB_ACL_GROUP_ADMIN_RULES])
{
    const uint64_t user = NB_ACL_INDIVIDUAL | (uint32_t)uid;
    const uint64_t group = NB_ACL_GROUP | (uint32_t)gid;
    const uint64_t all_rights = NB_OP_USE | NB_OP_MANAGE | NB_OP_ADMIN | NB_OP_CREATE;

    out[0] = nb_acl_make(user, NB_ACL_USER | group, all_rights, NB_ACL_ALL);
    out[1] = nb_acl_make(user,
                         NB_ACL_VM | NB_ACL_NET | NB_ACL_IMAGE | NB_ACL_TEMPLATE |
                         NB_ACL_DOCUMENT | NB_ACL_SECGROUP | NB_ACL_VROUTER |
                         NB_ACL_VMGROUP | NB_ACL_BACKUPJOB | group,
                         NB_OP_USE | NB_OP_MANAGE, NB_ACL_ALL);
    out[2] = nb_acl_make(user, NB_ACL_VROUTER | NB_ACL_ALL, NB_OP_CREATE, NB_ACL_ALL);
    out[3] = nb_acl_make(user, NB_ACL_GROUP_T | NB_ACL_INDIVIDUAL | (uint32_t)gid,
                         NB_OP_MANAGE, NB_ACL_ALL);
}

/* Selector-and-id part of a word. */
static uint64_t nb_acl_selid(uint64_t w)
{
    return w & (NB_ACL_SEL_MASK | NB_ACL_ID_MASK);
}

bool nb_acl_rule_names_user(const nb_acl_rule *r, int uid)
{
    return nb_acl_selid(r->user) == (NB_ACL_INDIVIDUAL | (uint32_t)uid);
}

bool nb_acl_rule_names_group(const nb_acl_rule *r, int gid)
{
    uint64_t w = NB_ACL_GROUP | (uint32_t)gid;
    return nb_acl_selid(r->user) == w || nb_acl_selid(r->resource) == w;
}

bool nb_acl_rule_names_cluster(const nb_acl_rule *r, int cid)
{
    return nb_acl_selid(r->resource) == (NB_ACL_CLUSTER | (uint32_t)cid);
}

bool nb_acl_rule_names_zone(const nb_acl_rule *r, int zid)
{
    return nb_acl_selid(r->zone) == (NB_ACL_INDIVIDUAL | (uint32_t)zid);
}

bool nb_acl_rule_names_object(const nb_acl_rule *r, uint64_t type, int oid)
{
    return r->resource == (type | NB_ACL_INDIVIDUAL | (uint32_t)oid);
}
