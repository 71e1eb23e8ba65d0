#include "oned/api.h"

#include <stdlib.h>

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
