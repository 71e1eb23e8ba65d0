#include "acl/rule.h"

#include <stddef.h>

static const struct {
    uint64_t bit;
    const char *name;
} nb_acl_types[] = {
    { NB_ACL_VM, "VM" }, { NB_ACL_HOST, "HOST" }, { NB_ACL_NET, "NET" },
    { NB_ACL_IMAGE, "IMAGE" }, { NB_ACL_USER, "USER" }, { NB_ACL_TEMPLATE, "TEMPLATE" },
    { NB_ACL_GROUP_T, "GROUP" }, { NB_ACL_ACL, "ACL" }, { NB_ACL_DATASTORE, "DATASTORE" },
    { NB_ACL_CLUSTER_T, "CLUSTER" }, { NB_ACL_DOCUMENT, "DOCUMENT" }, { NB_ACL_ZONE, "ZONE" },
    { NB_ACL_SECGROUP, "SECGROUP" }, { NB_ACL_VDC, "VDC" }, { NB_ACL_VROUTER, "VROUTER" },
    { NB_ACL_MARKETPLACE, "MARKETPLACE" }, { NB_ACL_MARKETPLACEAPP, "MARKETPLACEAPP" },
    { NB_ACL_VMGROUP, "VMGROUP" }, { NB_ACL_VNTEMPLATE, "VNTEMPLATE" },
    { NB_ACL_HOOK, "HOOK" }, { NB_ACL_BACKUPJOB, "BACKUPJOB" },
};

const char *nb_acl_type_name(uint64_t type)
{
    for (size_t i = 0; i < sizeof(nb_acl_types) / sizeof(nb_acl_types[0]); i++)
        if (nb_acl_types[i].bit == type)
            return nb_acl_types[i].name;
    return NULL;
}

bool nb_acl_locked_for(const nb_objref *o, enum nb_op op)
{
    /* Lock levels 1 USE, 2 MANAGE, 3 ADMIN block that operation and every
     * stronger one; as operation bits USE=1 MANAGE=2 ADMIN=4 CREATE=8. */
    static const unsigned level_bit[] = { 0, NB_OP_USE, NB_OP_MANAGE, NB_OP_ADMIN };
    if (o->lock <= 0 || o->lock > 3)
        return false;
    return level_bit[o->lock] <= (unsigned)op;
}

static bool nb_acl_rule_matches(const nb_acl_rule *r, const nb_objref *o, enum nb_op op, int zone)
{
    uint64_t t = o->type;

    if (r->zone != NB_ACL_ALL && r->zone != (NB_ACL_INDIVIDUAL | (uint32_t)zone))
        return false;
    if ((r->rights & (uint64_t)op) != (uint64_t)op)
        return false;
    if (!(r->resource & t))
        return false;
    uint64_t sel = r->resource & NB_ACL_SEL_MASK;
    uint64_t id = r->resource & NB_ACL_ID_MASK;
    if (sel == NB_ACL_ALL)
        return true;
    if (sel == NB_ACL_INDIVIDUAL)
        return o->oid >= 0 && id == (uint32_t)o->oid;
    if (sel == NB_ACL_GROUP)
        return o->gid >= 0 && id == (uint32_t)o->gid;
    if (sel == NB_ACL_CLUSTER) {
        for (size_t i = 0; i < o->ncids; i++)
            if (id == (uint32_t)o->cids[i])
                return true;
    }
    return false;
}

static bool nb_acl_user_matches(uint64_t user, const nb_subject *s)
{
    uint64_t sel = user & NB_ACL_SEL_MASK;
    uint64_t id = user & NB_ACL_ID_MASK;
    if (sel == NB_ACL_ALL)
        return true;
    if (sel == NB_ACL_INDIVIDUAL)
        return id == (uint32_t)s->uid;
    if (sel == NB_ACL_GROUP)
        return nb_subject_in_group(s, (int)id);
    return false;
}

bool nb_acl_authorize(const nb_subject *s, const nb_objref *o, enum nb_op op,
                      bool lock_exempt, const nb_acl_rule *rules, size_t nrules,
                      int zone)
{
    if (!lock_exempt && nb_acl_locked_for(o, op))
        return false;
    if (nb_subject_is_admin(s))
        return true;

    /* Ownership bits act as rules "#uid T/#oid", "@gid T/#oid", "* T/#oid";
     * they never carry CREATE. */
    if (op != NB_OP_CREATE && o->oid >= 0) {
        if (o->uid >= 0 && o->uid == s->uid &&
            (nb_perms_class_ops(o->perms, NB_PERMS_OWNER_SHIFT) & op) == (unsigned)op)
            return true;
        if (o->gid >= 0 && nb_subject_in_group(s, o->gid) &&
            (nb_perms_class_ops(o->perms, NB_PERMS_GROUP_SHIFT) & op) == (unsigned)op)
            return true;
        if ((nb_perms_class_ops(o->perms, NB_PERMS_OTHER_SHIFT) & op) == (unsigned)op)
            return true;
    }
    for (size_t i = 0; i < nrules; i++)
        if (nb_acl_user_matches(rules[i].user, s) &&
            nb_acl_rule_matches(&rules[i], o, op, zone))
            return true;
    return false;
}
