/*
 * generate.h: the rules oned writes on its own (reference §5.5-§6.4) and the
 * ones it removes when their subject goes away (§5.6).  Pure: the caller
 * stores, reference-counts and deletes them.  Generated rules carry id -1;
 * the caller numbers them when it stores them.
 */
#ifndef NB_ACL_GENERATE_H
#define NB_ACL_GENERATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "acl/rule.h"

/* Kinds of VDC resource entries. */
enum nb_vdc_rtype {
    NB_VDC_CLUSTER,
    NB_VDC_HOST,
    NB_VDC_DATASTORE,
    NB_VDC_VNET,
    NB_VDC_NRTYPES
};
#define NB_VDC_ALL (-10)    /* resource id meaning "all of that type in the zone" */

/* Rights VDC rules carry (oned.conf DEFAULT_VDC_*_ACL), 0 = no rule. */
typedef struct nb_vdc_rights {
    uint64_t host;              /* DEFAULT_VDC_HOST_ACL, MANAGE */
    uint64_t net;               /* DEFAULT_VDC_VNET_ACL, USE */
    uint64_t datastore;         /* DEFAULT_VDC_DATASTORE_ACL, USE */
    uint64_t cluster_host;      /* DEFAULT_VDC_CLUSTER_HOST_ACL, MANAGE */
    uint64_t cluster_net;       /* DEFAULT_VDC_CLUSTER_NET_ACL, USE */
    uint64_t cluster_datastore; /* DEFAULT_VDC_CLUSTER_DATASTORE_ACL, USE */
} nb_vdc_rights;

/*
 * The rules a VDC entry (type t, zone, resource id or NB_VDC_ALL) gives
 * group gid, in OpenNebula's order (§6.2: HOST, NET, DATASTORE for a
 * cluster).  Returns how many were written to out (at most 3); rights of 0
 * produce no rule.
 */
size_t nb_acl_vdc_rules(enum nb_vdc_rtype t, int zone, int id, int gid,
                        const nb_vdc_rights *rights, nb_acl_rule out[3]);

/* The four rules that make uid an administrator of group gid (§6.4). */
#define NB_ACL_GROUP_ADMIN_RULES 4
void nb_acl_group_admin_rules(int uid, int gid, nb_acl_rule out[NB_ACL_GROUP_ADMIN_RULES]);

/* §5.6: does r have to go when this subject is deleted? */
bool nb_acl_rule_names_user(const nb_acl_rule *r, int uid);     /* user #uid */
bool nb_acl_rule_names_group(const nb_acl_rule *r, int gid);    /* user @gid or resource /@gid */
bool nb_acl_rule_names_cluster(const nb_acl_rule *r, int cid);  /* resource /%cid */
bool nb_acl_rule_names_zone(const nb_acl_rule *r, int zid);     /* zone #zid */
/* Resource exactly TYPE/#oid of that single type. */
bool nb_acl_rule_names_object(const nb_acl_rule *r, uint64_t type, int oid);

#endif
