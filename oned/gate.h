/*
 * gate.h: the authorization gate.  Every check any handler makes goes
 * through nb_gate_check(), for the dispatcher's check of the target object
 * and for every extra item a method needs (GROUP:USE on a new group, ...);
 * pool listings filter with nb_gate_visible(), the same rules for USE.
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
/* CREATE check for a new object of kind k owned by the caller. */
int nb_gate_check_create(nb_call *c, const nb_kind *k);
/* May the caller see o in a listing (USE, lock-exempt)? No error is set. */
bool nb_gate_visible(const nb_call *c, const nb_object *o);

#endif
