/*
 * perm.h: OpenNebula ownership permissions (reference §4) and the subject /
 * object descriptions the authorization gate works on.  Pure: no I/O.
 */
#ifndef NB_ACL_PERM_H
#define NB_ACL_PERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Operations, with the bit values ACL rules use for rights. */
enum nb_op {
    NB_OP_USE = 0x1,
    NB_OP_MANAGE = 0x2,
    NB_OP_ADMIN = 0x4,
    NB_OP_CREATE = 0x8,
};
const char *nb_op_name(enum nb_op op);      /* "USE", "MANAGE", ... */

/*
 * Nine permission bits laid out like a Unix mode in octal: one digit each for
 * owner, group, other; within a digit USE = 4, MANAGE = 2, ADMIN = 1.
 * So 0640 is "um- u-- ---", exactly the CLI's octal chmod form.
 */
typedef unsigned nb_perms;
#define NB_PERMS_OWNER_SHIFT 6
#define NB_PERMS_GROUP_SHIFT 3
#define NB_PERMS_OTHER_SHIFT 0

/* The 3 bits (USE/MANAGE/ADMIN as enum nb_op values) of one class. */
unsigned nb_perms_class_ops(nb_perms p, int shift);

/* Permissions of a new object: base 0777 for the oneadmin user/group, 0666
 * (0660 without other permissions) for everyone else, masked by umask. */
nb_perms nb_perms_default(bool creator_is_admin, unsigned umask, bool enable_other);

/*
 * Apply a `chmod` request: bits[9] in API order (uu, um, ua, gu, gm, ga, ou,
 * om, oa), each -1 (keep), 0 or 1.  Returns -1 if a value is out of range.
 * On success *out holds the new permissions and *need the operation the
 * caller must hold: NB_OP_ADMIN if any ADMIN bit changes, else NB_OP_MANAGE.
 */
int nb_perms_chmod(nb_perms cur, const int bits[9], nb_perms *out, enum nb_op *need);

/* The acting identity of a request. */
typedef struct nb_subject {
    int uid;
    int gid;                /* effective primary group */
    const int *groups;      /* every group the request acts with (gid included) */
    size_t ngroups;
} nb_subject;

/* oneadmin (uid 0) or any member of the oneadmin group (gid 0). */
bool nb_subject_is_admin(const nb_subject *s);
bool nb_subject_in_group(const nb_subject *s, int gid);

/* What authorization needs to know about an object (or a would-be object,
 * oid -1, for CREATE). */
typedef struct nb_objref {
    uint64_t type;          /* ACL resource type bit (NB_ACL_USER, ...) */
    int oid;                /* -1 when not applicable */
    int uid;                /* owner, -1 for unowned kinds */
    int gid;                /* group, -1 for unowned kinds */
    nb_perms perms;
    const int *cids;        /* clusters the object is in */
    size_t ncids;
    int lock;               /* 0 unlocked, 1 USE, 2 MANAGE, 3 ADMIN */
} nb_objref;

#endif
