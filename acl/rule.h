/*
 * rule.h: ACL rules in OpenNebula's 64-bit encoding (reference §5.1) and the
 * authorization algorithm (§5.3): ownership bits synthesised as rules, then
 * stored rules.  Pure: no I/O, no locks; callers pass the rule set.
 */
#ifndef NB_ACL_RULE_H
#define NB_ACL_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "acl/perm.h"

/* Selectors (bits 32-35) and the id mask. */
#define NB_ACL_INDIVIDUAL   0x0000000100000000ULL
#define NB_ACL_GROUP        0x0000000200000000ULL
#define NB_ACL_ALL          0x0000000400000000ULL
#define NB_ACL_CLUSTER      0x0000000800000000ULL
#define NB_ACL_ID_MASK      0x00000000FFFFFFFFULL
#define NB_ACL_SEL_MASK     0x0000000F00000000ULL

/* Resource types. */
#define NB_ACL_VM           0x0000001000000000ULL
#define NB_ACL_HOST         0x0000002000000000ULL
#define NB_ACL_NET          0x0000004000000000ULL
#define NB_ACL_IMAGE        0x0000008000000000ULL
#define NB_ACL_USER         0x0000010000000000ULL
#define NB_ACL_TEMPLATE     0x0000020000000000ULL
#define NB_ACL_GROUP_T      0x0000040000000000ULL   /* GROUP resource type */
#define NB_ACL_ACL          0x0000080000000000ULL
#define NB_ACL_DATASTORE    0x0000100000000000ULL
#define NB_ACL_CLUSTER_T    0x0000200000000000ULL   /* CLUSTER resource type */
#define NB_ACL_DOCUMENT     0x0000400000000000ULL
#define NB_ACL_ZONE         0x0000800000000000ULL
#define NB_ACL_SECGROUP     0x0001000000000000ULL
#define NB_ACL_VDC          0x0002000000000000ULL
#define NB_ACL_VROUTER      0x0004000000000000ULL
#define NB_ACL_MARKETPLACE  0x0008000000000000ULL
#define NB_ACL_MARKETPLACEAPP 0x0010000000000000ULL
#define NB_ACL_VMGROUP      0x0020000000000000ULL
#define NB_ACL_VNTEMPLATE   0x0040000000000000ULL
#define NB_ACL_HOOK         0x0080000000000000ULL
#define NB_ACL_BACKUPJOB    0x0100000000000000ULL

typedef struct nb_acl_rule {
    int id;
    uint64_t user;
    uint64_t resource;
    uint64_t rights;
    uint64_t zone;
} nb_acl_rule;

/*
 * Index order of a rule set: by user word, then by the resource's selector
 * and id (the part a request can look up), then by resource, rights, zone
 * and id.  The first two compare as the match reads them (bits it ignores,
 * such as the id under an ALL selector, do not count).  nb_acl_authorize and
 * nb_acl_view_build binary-search rules kept in this order, so a check costs
 * a few lookups per (user word, resource key) pair whatever the number of
 * rules.
 */
int nb_acl_rule_cmp(const nb_acl_rule *a, const nb_acl_rule *b);
void nb_acl_sort(nb_acl_rule *rules, size_t n);
/* Where r goes (or is) in a sorted set. */
size_t nb_acl_lower_bound(const nb_acl_rule *rules, size_t n, const nb_acl_rule *r);

/*
 * The rules of a sorted set that can apply to subject s form 2 + s->ngroups
 * runs, one per user word s holds: *, #uid, then @g for each of s->groups.
 * Stores the bounds [*begin, *end) of run i.
 */
void nb_acl_subject_run(const nb_acl_rule *rules, size_t n, const nb_subject *s,
                        size_t i, size_t *begin, size_t *end);
/* Does r apply in `zone` and carry every right of op on (one of) the type
 * bits of `type`?  Says nothing of r's user or resource selector. */
bool nb_acl_rule_grants(const nb_acl_rule *r, uint64_t type, enum nb_op op, int zone);

/*
 * May subject s perform op on object o in zone `zone`?  `rules` is sorted
 * with nb_acl_sort.
 * Admins (uid 0 or group 0) pass unless the object is locked at or below the
 * operation's level; `lock_exempt` skips the lock check (info, lock/unlock).
 * Otherwise the owner/group/other bits and then the rules are tried.
 */
bool nb_acl_authorize(const nb_subject *s, const nb_objref *o, enum nb_op op,
                      bool lock_exempt, const nb_acl_rule *rules, size_t nrules,
                      int zone);

/* Do o's owner/group/other bits alone give s op (§4.2)?  They never give
 * CREATE, nor anything on an object without an id. */
bool nb_acl_perms_grant(const nb_subject *s, const nb_objref *o, enum nb_op op);

/* True when o is locked against op (what the lock check above refuses). */
bool nb_acl_locked_for(const nb_objref *o, enum nb_op op);

/* Name of a single resource type bit ("VM", "USER", ...), NULL if unknown. */
const char *nb_acl_type_name(uint64_t type);

#endif
