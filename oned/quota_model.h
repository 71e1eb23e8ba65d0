/*
 * quota_model.h: the quotas held by users and groups (quotas.h), their
 * defaults, and the charges that VMs and images make.  Every charge happens
 * in the transaction of the change itself, so usage can never drift from
 * what it counts (OpenNebula's one#5867, one#6355).
 */
#ifndef NB_QUOTA_MODEL_H
#define NB_QUOTA_MODEL_H

#include <stdbool.h>
#include "oned/lifecycle.h"
#include "oned/quotas.h"
#include "oned/txn.h"

/* Default quotas: one object for users (oid 0), one for groups (oid 1). */
typedef struct nb_quota_defaults {
    nb_object o;
    nb_quotas q;
} nb_quota_defaults;

extern const nb_kind nb_quota_defaults_kind;

#define NB_DEFAULTS_USERS 0
#define NB_DEFAULTS_GROUPS 1

/* The defaults for users or groups, NULL when none were ever set. */
const nb_quotas *nb_quota_defaults_get(const nb_model *m, int which);

/* <name> (DEFAULT_USER_QUOTAS, ...) holding the defaults' blocks. */
void nb_xml_default_quotas(nb_buf *b, const char *name, const nb_quotas *defaults);

/*
 * The charge of a VM going from phase `from` to `to` (a new VM comes from
 * DONE): RUNNING_* while PENDING, HOLD, ACTIVE or CLONING, the rest until
 * DONE.  With `check`, nothing is charged: the charge is tried against the
 * owner's and the group's limits and -1 returned with *why (the
 * AUTHORIZATION message OpenNebula gives) if it does not fit.  Quotas of
 * uid 0 and gid 0 are never charged or checked.
 */
int nb_quota_vm_move(nb_txn *t, int uid, int gid, const nb_tmpl *vm_tmpl, nb_vm_phase from,
                     nb_vm_phase to, bool check, char **why);
/* The same when the template changes too (resize, hotplugged disks): the
 * VM's charge as from_tmpl in `from` becomes its charge as to_tmpl in `to`. */
int nb_quota_vm_change(nb_txn *t, int uid, int gid, const nb_tmpl *from_tmpl, nb_vm_phase from,
                       const nb_tmpl *to_tmpl, nb_vm_phase to, bool check, char **why);

/*
 * DATASTORE_QUOTA: `images` images of `size_mb` MB in all, in datastore
 * ds_id, charged to user uid and group gid (negative amounts release them:
 * an image deleted, a failed import given back).  The image code calls it in
 * the transaction that creates or deletes the image, first with `check`
 * (nothing is charged; -1 with *why, e.g. "user [5] limit of 2 reached for
 * IMAGES quota in DATASTORE with ID: 1.", when the user's or the group's
 * limit, or their default for ds_id, is exceeded), then without to charge
 * both.  Releases always fit.  Quotas of uid 0 and gid 0 are never charged
 * or checked.  Returns 0 or -1.
 */
int nb_quota_ds_charge(nb_txn *t, int uid, int gid, int ds_id, double images, double size_mb,
                       bool check, char **why);

#endif
