/*
 * tenancy.h: keeps the generated ACL rules in step with the objects that
 * generate them (VDC entries, group admins) and removes what names a deleted
 * subject (reference §5.6).  Every function works inside the caller's
 * transaction, so a change and its rules commit together.
 */
#ifndef NB_TENANCY_H
#define NB_TENANCY_H

#include <stdbool.h>
#include "oned/txn.h"
#include "oned/vdc.h"

/* Grant (or revoke) the rules VDC v's entry gives each of its groups. */
void nb_tenancy_vdc_entry(nb_txn *t, const nb_vdc *v, enum nb_vdc_rtype type,
                          int zone, int id, bool grant);
/* Grant (or revoke) the rules every entry of v gives group gid. */
void nb_tenancy_vdc_group(nb_txn *t, const nb_vdc *v, int gid, bool grant);
/* Put group gid in VDC vid (and its rules); false if it already is. */
bool nb_tenancy_vdc_add_group(nb_txn *t, const nb_object *vdc, int gid);

/* The four rules of uid as admin of gid (§6.4). */
void nb_tenancy_group_admin(nb_txn *t, int gid, int uid, bool grant);
/* uid stops being an admin of gid, if it was (deladmin, or leaving gid). */
void nb_tenancy_admin_drop(nb_txn *t, int uid, int gid);

/* A subject is deleted: drop its rules and every reference to it. */
void nb_tenancy_user_deleted(nb_txn *t, int uid);
void nb_tenancy_group_deleted(nb_txn *t, int gid);
/* A host, datastore, network or cluster is deleted. */
void nb_tenancy_resource_deleted(nb_txn *t, enum nb_vdc_rtype type, int oid);
/* Any other object is deleted: drop the rules naming it (TYPE/#oid). */
void nb_tenancy_object_deleted(nb_txn *t, uint64_t acl_type, int oid);

/* The ACL resource type of a VDC entry type (NB_ACL_HOST, ...). */
uint64_t nb_tenancy_acl_type(enum nb_vdc_rtype type);

#endif
