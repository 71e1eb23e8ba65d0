#include "oned/api.h"

#include <stdlib.h>
#include "lib/util.h"
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
    nb_list_query q = { -2, -1, -1 };
    nb_list_render(c, nb_model_cpool(c->model, k), &q);
    return 0;
}

int nb_api_check_name(nb_call *c, const nb_kind *k, const char *name, bool allow_spaces, int self)
{
    const char *why = nb_name_invalid(name, allow_spaces);
    const nb_object *other;
    if (why)
        return nb_fail(c, NB_E_INTERNAL, self, "%s.", why);
    other = nb_txn_get_by_name(c->txn, k, name);
    if (other && other->oid != self)
        return nb_fail(c, NB_E_INTERNAL, self, "NAME is already taken by %s %d.",
                       k->root, other->oid);
    return 0;
}

int nb_api_rename(nb_call *c)
{
    const char *name = nb_arg_str(c, 1, "");
    nb_object *o;

    if (nb_api_check_name(c, c->obj->kind, name, false, c->obj->oid) < 0)
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
 * owner, USE on a new group; -1 keeps either. */
int nb_api_chown(nb_call *c)
{
    const nb_object *u, *g;
    nb_object *o;

    if (nb_api_arg_object(c, 1, &nb_user_kind, NB_OP_MANAGE, true, &u) < 0 ||
        nb_api_arg_object(c, 2, &nb_group_kind, NB_OP_USE, true, &g) < 0)
        return -1;
    o = nb_txn_edit(c->txn, c->obj);
    if (u)
        o->uid = u->oid;
    if (g)
        o->gid = g->oid;
    nb_reply_int(c, o->oid);
    return 0;
}
