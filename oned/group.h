/*
 * group.h: the GROUP object (reference §3.2).  Owned by oneadmin, group =
 * itself, perms "um- u-- ---" so that members can see (USE) their groups.
 * USERS is not stored with the group: it is derived from the users' GROUPS
 * (the model's membership index), so joining a group never rewrites it.
 * ADMINS is stored; an admin is always a member.
 */
#ifndef NB_GROUP_H
#define NB_GROUP_H

#include "oned/object.h"
#include "oned/quotas.h"

typedef struct nb_group {
    nb_object o;
    int *admins;
    size_t nadmins;
    nb_quotas quotas;       /* VM_QUOTA, DATASTORE_QUOTA */
} nb_group;

extern const nb_kind nb_group_kind;

/* A new group object with the fixed ownership every group has. */
nb_object *nb_group_new(int oid, const char *name);

static inline nb_group *nb_group_of(nb_object *o) { return (nb_group *)o; }
static inline const nb_group *nb_group_cof(const nb_object *o) { return (const nb_group *)o; }


#endif
