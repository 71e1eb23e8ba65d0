/* one.group.* and one.grouppool.info (reference §2.4). */
#include "lib/util.h"
#include "oned/api.h"
#include "oned/dedicate.h"
#include "oned/group.h"
#include "oned/tenancy.h"
#include "oned/user.h"
#include "oned/vdc.h"

/* Groups below this id are the system's own (0 oneadmin, 1 users). */
#define NB_FIRST_GROUP 100

static int nb_group_allocate(nb_call *c)
{
    const char *name = nb_arg_str(c, 0, "");
    const nb_object *vdc0;
    nb_object *o;

    if (nb_gate_check_create(c, &nb_group_kind, c->subj.gid) < 0 ||
        nb_api_check_name(c, &nb_group_kind, name, -1) < 0)
        return -1;
    o = nb_group_new(nb_txn_next_oid(c->txn, &nb_group_kind, NB_FIRST_GROUP), name);
    nb_txn_insert(c->txn, o);
    /* As in OpenNebula, every new group starts in the default VDC. */
    if ((vdc0 = nb_txn_get(c->txn, &nb_vdc_kind, NB_VDC_DEFAULT)))
        nb_tenancy_vdc_add_group(c->txn, vdc0, o->oid);
    nb_reply_int(c, o->oid);
    return 0;
}

static int nb_group_delete(nb_call *c)
{
    size_t members;
    int cid;
    if (c->obj->oid < NB_FIRST_GROUP)
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "System groups cannot be deleted.");
    nb_model_group_members(c->model, c->obj->oid, &members);
    if (members > 0)
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "Group %d is not empty.", c->obj->oid);
    if ((cid = nb_dedicated_cluster(c->txn, NB_DEDICATED_GROUP, c->obj->oid, -1)) >= 0)
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "Group %d has the dedicated cluster %d: "
                       "undedicate it first.", c->obj->oid, cid);
    nb_tenancy_group_deleted(c->txn, c->obj->oid);
    nb_txn_delete(c->txn, c->obj);
    nb_reply_int(c, c->obj->oid);
    return 0;
}

/* The user named by argument 1, a member of the target group, authorized
 * for MANAGE. */
static const nb_object *nb_group_member_arg(nb_call *c)
{
    int uid = (int)nb_arg_int(c, 1, -1);
    const nb_object *u = nb_txn_get(c->txn, &nb_user_kind, uid);
    if (!u) {
        nb_fail_missing(c, &nb_user_kind, uid);
        return NULL;
    }
    if (nb_gate_check(c, u, NB_OP_MANAGE) < 0)
        return NULL;
    if (!nb_ids_has(nb_user_cof(u)->groups, nb_user_cof(u)->ngroups, c->obj->oid)) {
        nb_fail(c, NB_E_ACTION, c->obj->oid, "User [%d] is not a member of group [%d].",
                uid, c->obj->oid);
        return NULL;
    }
    return u;
}

static int nb_group_addadmin(nb_call *c)
{
    const nb_object *u = nb_group_member_arg(c);
    nb_group *g;
    if (!u)
        return -1;
    if (nb_ids_has(nb_group_cof(c->obj)->admins, nb_group_cof(c->obj)->nadmins, u->oid))
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "User [%d] is already an administrator "
                       "of group [%d].", u->oid, c->obj->oid);
    g = nb_group_of(nb_txn_edit(c->txn, c->obj));
    nb_ids_add(&g->admins, &g->nadmins, u->oid);
    nb_tenancy_group_admin(c->txn, c->obj->oid, u->oid, true);
    nb_reply_int(c, c->obj->oid);
    return 0;
}

static int nb_group_deladmin(nb_call *c)
{
    const nb_object *u = nb_group_member_arg(c);
    if (!u)
        return -1;
    if (!nb_ids_has(nb_group_cof(c->obj)->admins, nb_group_cof(c->obj)->nadmins, u->oid))
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "User [%d] is not an administrator of "
                       "group [%d].", u->oid, c->obj->oid);
    nb_tenancy_admin_drop(c->txn, u->oid, c->obj->oid);
    nb_reply_int(c, c->obj->oid);
    return 0;
}

static int nb_grouppool_info(nb_call *c)
{
    return nb_api_pool_info(c, &nb_group_kind);
}

#define W NB_M_WRITE
const nb_method nb_api_group_methods[] = {
    NB_METHOD("one.group.allocate", "s", NULL, -1, NB_OP_CREATE, W, nb_group_allocate),
    NB_METHOD("one.group.delete", "i", &nb_group_kind, 0, NB_OP_ADMIN, W, nb_group_delete),
    NB_METHOD("one.group.info", "i|b", &nb_group_kind, 0, NB_OP_USE, NB_M_SELF | NB_M_LOCK_EXEMPT,
               nb_api_info),
    NB_METHOD("one.group.update", "is|i", &nb_group_kind, 0, NB_OP_MANAGE, W, nb_api_update),
    NB_METHOD("one.group.addadmin", "ii", &nb_group_kind, 0, NB_OP_MANAGE, W, nb_group_addadmin),
    NB_METHOD("one.group.deladmin", "ii", &nb_group_kind, 0, NB_OP_MANAGE, W, nb_group_deladmin),
    NB_METHOD("one.grouppool.info", "", NULL, -1, NB_OP_USE, 0, nb_grouppool_info),
    NB_METHOD_END,
};
