#include "oned/gate.h"

#include "acl/rule.h"
#include "oned/dispatch.h"

static bool nb_gate_allows(const nb_call *c, const nb_objref *ref, enum nb_op op, bool lock_exempt)
{
    const nb_model *m = c->model;
    return nb_acl_authorize(&c->subj, ref, op, lock_exempt, m->acl, m->nacl, m->zone_id);
}

int nb_gate_check_ex(nb_call *c, const nb_object *o, enum nb_op op, bool lock_exempt)
{
    nb_objref ref = nb_object_ref(o);
    const char *type = nb_acl_type_name(ref.type);

    if (nb_gate_allows(c, &ref, op, lock_exempt))
        return 0;
    if (!lock_exempt && nb_acl_locked_for(&ref, op))
        return nb_fail(c, NB_E_AUTHORIZATION, o->oid, "User [%d] : %s is locked. [%d].",
                       c->uid, type, o->oid);
    return nb_fail(c, NB_E_AUTHORIZATION, o->oid,
                   "User [%d] : Not authorized to perform %s %s [%d].",
                   c->uid, nb_op_name(op), type, o->oid);
}

int nb_gate_check(nb_call *c, const nb_object *o, enum nb_op op)
{
    return nb_gate_check_ex(c, o, op, false);
}

static int nb_gate_check_new(nb_call *c, const nb_kind *k, enum nb_op op, int uid, int gid)
{
    nb_objref ref = {
        .type = k->acl_type, .oid = -1, .uid = uid, .gid = gid,
        .perms = 0, .cids = NULL, .ncids = 0, .lock = 0,
    };
    if (nb_gate_allows(c, &ref, op, true))
        return 0;
    return nb_fail(c, NB_E_AUTHORIZATION, -1, "User [%d] : Not authorized to perform %s %s.",
                   c->uid, nb_op_name(op), nb_acl_type_name(k->acl_type));
}

int nb_gate_check_create(nb_call *c, const nb_kind *k, int gid)
{
    return nb_gate_check_new(c, k, NB_OP_CREATE, c->uid, gid);
}

int nb_gate_check_type(nb_call *c, const nb_kind *k, enum nb_op op)
{
    return nb_gate_check_new(c, k, op, -1, -1);
}
