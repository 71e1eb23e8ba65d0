/*
 * gate.h: the authorization gate.  Every check any handler makes goes
 * through nb_gate_check(), for the dispatcher's check of the target object
 * and for every extra item a method needs (GROUP:USE on a new group, ...);
 * pool listings filter with the same rules for USE through acl/view.h.
 */
#ifndef NB_GATE_H
#define NB_GATE_H

#include <stdbool.h>
#include "acl/perm.h"
#include "oned/object.h"

typedef struct nb_call nb_call;

/* Check op on o for the caller; on denial sets the call's AUTHORIZATION
 * error ("User [5] : Not authorized to perform MANAGE USER [3].") and returns
 * -1. */
int nb_gate_check(nb_call *c, const nb_object *o, enum nb_op op);
/* The same, optionally ignoring locks (info, lock and unlock themselves). */
int nb_gate_check_ex(nb_call *c, const nb_object *o, enum nb_op op, bool lock_exempt);
/* CREATE check for a new object of kind k owned by the caller in group gid
 * (usually the caller's effective group). */
int nb_gate_check_create(nb_call *c, const nb_kind *k, int gid);
/* op on a kind as a whole (ACL:MANAGE for the ACL methods). */
int nb_gate_check_type(nb_call *c, const nb_kind *k, enum nb_op op);
#endif
