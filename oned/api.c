#include "oned/api.h"

#include <errno.h>
#include <stdlib.h>
#include "lib/util.h"
#include "acl/rule.h"
#include "oned/group.h"
#include "oned/user.h"

void nb_api_reply_object(nb_call *c, const nb_object *o)
{
    o->kind->to_xml(o, nb_reply_doc(c), NB_XML_INFO, c->model);
}

int nb_api_update_template(nb_call *c, nb_object *edit, const char *text, int type)
{
    nb_tmpl t = NB_TMPL_INIT;
    char *err = NULL;

    if (type != 0 && type != 1)
        return nb_fail(c, NB_E_RPC_API, edit->oid, "Wrong update type");
    if (nb_tmpl_parse(&t, text, strlen(text), &err) < 0) {
        nb_fail(c, NB_E_INTERNAL, edit->oid, "%s", err);
        free(err);
        return -1;
    }
    nb_tmpl_update(&edit->tmpl, &t, type);
    nb_tmpl_free(&t);
    return 0;
}

int nb_api_info(nb_call *c)
{
    nb_api_reply_object(c, c->obj);
    return 0;
}

int nb_api_update(nb_call *c)
{
    nb_object *o = nb_txn_edit(c->txn, c->obj);
    if (nb_api_update_template(c, o, nb_arg_str(c, 1, ""), (int)nb_arg_int(c, 2, 0)) < 0)
        return -1;
    nb_reply_int(c, o->oid);
    return 0;
}

int nb_api_pool_info(nb_call *c, const nb_kind *k)
{
    nb_list_query q = { .filter = -2, .start = -1, .end = -1 };
    nb_list_render(c, nb_model_cpool(c->model, k), &q);
    return 0;
}

int nb_api_pool_filtered(nb_call *c, const nb_kind *k)
{
    nb_list_query q = {
        .filter = (int)nb_arg_int(c, 0, -2), .start = (int)nb_arg_int(c, 1, -1),
        .end = (int)nb_arg_int(c, 2, -1),
    };
    if (nb_list_check(c, &q) < 0)
        return -1;
    nb_list_render(c, nb_model_cpool(c->model, k), &q);
    return 0;
}

nb_perms nb_api_new_perms(nb_call *c, int gid)
{
    const nb_config *cfg = c->model->cfg;
    const nb_object *u = nb_txn_get(c->txn, &nb_user_kind, c->uid);
    const char *v = u ? nb_tmpl_get(&u->tmpl, "UMASK") : NULL;
    unsigned umask = cfg->default_umask;
    char *end;
    long n;

    if (v && *v) {
        errno = 0;
        n = strtol(v, &end, 8);
        if (!errno && *end == '\0' && n >= 0)
            umask = (unsigned)n & 0777;
    }
    return nb_perms_default(c->uid == 0 || gid == 0, umask, cfg->enable_other_perms);
}

/* The object other than self already called name where k's names are
 * unique: in the whole pool, or among owner uid's objects; NULL if none. */
static const nb_object *nb_api_name_holder(nb_call *c, const nb_kind *k, const char *name,
                                           int uid, int self)
{
    const nb_object *o = k->unique_names ? nb_txn_get_by_name(c->txn, k, name) :
                         k->owner_unique_names ? nb_txn_get_by_owner_name(c->txn, k, uid, name) :
                         NULL;
    return o && o->oid != self ? o : NULL;
}

int nb_api_check_name(nb_call *c, const nb_kind *k, const char *name, int self)
{
    const char *why = nb_name_invalid(name, k->spaced_names);
    const nb_object *me = self >= 0 ? nb_txn_get(c->txn, k, self) : NULL;
    const nb_object *other;

    if (why)
        return nb_fail(c, NB_E_INTERNAL, self, "%s.", why);
    /* OpenNebula names the holder by its ACL type: TEMPLATE, not VMTEMPLATE. */
    if ((other = nb_api_name_holder(c, k, name, me ? me->uid : c->uid, self)))
        return nb_fail(c, NB_E_INTERNAL, self, "NAME is already taken by %s %d.",
                       nb_acl_type_name(k->acl_type), other->oid);
    return 0;
}

int nb_api_rename(nb_call *c)
{
    const char *name = nb_arg_str(c, 1, "");
    nb_object *o;

    if (nb_api_check_name(c, c->obj->kind, name, c->obj->oid) < 0)
        return -1;
    o = nb_txn_edit(c->txn, c->obj);
    free(o->name);
    o->name = nb_strdup(name);
    nb_reply_int(c, o->oid);
    return 0;
}

int nb_api_chmod(nb_call *c)
{
    int bits[9];
    nb_perms perms;
    enum nb_op need;

    for (size_t i = 0; i < 9; i++)
        bits[i] = (int)nb_arg_int(c, i + 1, -1);
    if (nb_perms_chmod(c->obj->perms, bits, &perms, &need) < 0)
        return nb_fail(c, NB_E_RPC_API, c->obj->oid, "Permission values must be -1, 0 or 1.");
    /* The dispatcher checked MANAGE; changing an ADMIN bit needs ADMIN. */
    if (need == NB_OP_ADMIN && nb_gate_check(c, c->obj, NB_OP_ADMIN) < 0)
        return -1;
    if (!c->model->cfg->enable_other_perms && !nb_subject_is_admin(&c->subj) &&
        nb_perms_class_ops(perms, NB_PERMS_OTHER_SHIFT) !=
        nb_perms_class_ops(c->obj->perms, NB_PERMS_OTHER_SHIFT))
        return nb_fail(c, NB_E_AUTHORIZATION, c->obj->oid, "User [%d] : Only administrators "
                       "may change OTHER permissions (ENABLE_OTHER_PERMISSIONS is NO).", c->uid);
    nb_txn_edit(c->txn, c->obj)->perms = perms;
    nb_reply_int(c, c->obj->oid);
    return 0;
}

int nb_api_arg_object(nb_call *c, size_t i, const nb_kind *k, enum nb_op op, bool optional,
                      const nb_object **out)
{
    int id = (int)nb_arg_int(c, i, -1);

    *out = NULL;
    if (optional && id == -1)
        return 0;
    if (!(*out = nb_txn_get(c->txn, k, id)))
        return nb_fail_missing(c, k, id);
    return nb_gate_check(c, *out, op);
}

/* chown(id, uid, gid): MANAGE on the object (dispatcher), MANAGE on a new
 * owner, USE on a new group; -1 keeps either.  A name unique per owner must
 * be free among the new owner's objects. */
int nb_api_chown(nb_call *c)
{
    const nb_kind *k = c->obj->kind;
    const nb_object *u, *g, *other;
    nb_object *o;

    if (nb_api_arg_object(c, 1, &nb_user_kind, NB_OP_MANAGE, true, &u) < 0 ||
        nb_api_arg_object(c, 2, &nb_group_kind, NB_OP_USE, true, &g) < 0)
        return -1;
    if (u && k->owner_unique_names &&
        (other = nb_api_name_holder(c, k, c->obj->name, u->oid, c->obj->oid)))
        return nb_fail(c, NB_E_INTERNAL, c->obj->oid, "user [%d] already owns %s [%d] with "
                       "NAME %s", u->oid, k->what, other->oid, c->obj->name);
    o = nb_txn_edit(c->txn, c->obj);
    if (u)
        o->uid = u->oid;
    if (g)
        o->gid = g->oid;
    nb_reply_int(c, o->oid);
    return 0;
}

/* lock(id, level, test?): 1 USE, 2 MANAGE, 3 ADMIN, 4 ALL (the same as
 * USE).  Anyone with MANAGE may lock a free object; a locked one only its
 * lock owner or an admin may lock again. */
int nb_api_lock(nb_call *c)
{
    const nb_object *o = c->obj;
    int level = (int)nb_arg_int(c, 1, 0);
    nb_object *e;

    if (level < 1 || level > 4)
        return nb_fail(c, NB_E_ACTION, o->oid, "Wrong lock level specified");
    /* As oned: the message of a failed test is the time of the lock. */
    if (o->lock && nb_arg_bool(c, 2, false))
        return nb_fail(c, NB_E_ACTION, o->oid, "%lld", o->lock_time);
    if (o->lock && o->lock_owner != c->uid && !nb_subject_is_admin(&c->subj))
        return nb_fail(c, NB_E_ACTION, o->oid, "Error trying to lock the resource.");
    e = nb_txn_edit(c->txn, o);
    e->lock = level == 4 ? 1 : level;
    e->lock_owner = c->uid;
    e->lock_time = nb_now();
    nb_reply_int(c, o->oid);
    return 0;
}

/* unlock(id): the lock owner or an admin.  As oned, a free object has no
 * lock owner, so only an admin "unlocks" it. */
int nb_api_unlock(nb_call *c)
{
    const nb_object *o = c->obj;
    nb_object *e;

    if (o->lock_owner != c->uid && !nb_subject_is_admin(&c->subj))
        return nb_fail(c, NB_E_ACTION, o->oid, "Cannot unlock: Lock is owned by another user");
    e = nb_txn_edit(c->txn, o);
    e->lock = 0;
    e->lock_owner = -1;
    e->lock_time = 0;
    nb_reply_int(c, o->oid);
    return 0;
}
