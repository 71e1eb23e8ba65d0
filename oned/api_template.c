/*
 * one.template.* and one.templatepool.info (reference §2.8, §3.9).
 * one.template.instantiate needs VMs and comes with them.  The image side of
 * the `recursive` flags and of info's `extended` (DISK images) has nothing
 * to act on until images exist: the flags are accepted and ignored.
 */
#include <stdlib.h>
#include "lib/util.h"
#include "oned/api.h"
#include "oned/tenancy.h"
#include "oned/vmtemplate.h"

#define K (&nb_vmtemplate_kind)

/* A template of the caller's, in its group, with the attributes of tmpl
 * but NAME (the object's name); replies with its id.  CREATE is checked
 * before the name, so a denied caller does not learn which names exist. */
static int nb_template_create(nb_call *c, const char *name, const nb_tmpl *tmpl)
{
    int gid = c->subj.gid;
    nb_object *o;

    if (nb_gate_check_create(c, K, gid) < 0 ||
        nb_api_check_name(c, K, name, -1) < 0)
        return -1;
    o = nb_vmtemplate_new(nb_txn_next_oid(c->txn, K, 0), name, c->uid, gid,
                          nb_api_new_perms(c, gid));
    nb_tmpl_copy(&o->tmpl, tmpl);
    nb_tmpl_remove(&o->tmpl, "NAME");
    nb_txn_insert(c->txn, o);
    nb_reply_int(c, o->oid);
    return 0;
}

/* allocate(template): NAME is mandatory (an empty one is an invalid name). */
static int nb_template_allocate(nb_call *c)
{
    const char *text = nb_arg_str(c, 0, "");
    nb_tmpl t = NB_TMPL_INIT;
    const char *name;
    char *err = NULL;
    int ret = -1;

    if (nb_tmpl_parse(&t, text, strlen(text), &err) < 0) {
        nb_fail(c, NB_E_INTERNAL, -1, "%s", err);
        free(err);
        goto cleanup;
    }
    name = nb_tmpl_get(&t, "NAME");
    ret = nb_template_create(c, name ? name : "", &t);
 cleanup:
    nb_tmpl_free(&t);
    return ret;
}

/* clone(id, name, recursive?): USE on the source (dispatcher) and CREATE. */
static int nb_template_clone(nb_call *c)
{
    return nb_template_create(c, nb_arg_str(c, 1, ""), &c->obj->tmpl);
}

/* delete(id, recursive?): rules naming the template go with it (§5.6). */
static int nb_template_delete(nb_call *c)
{
    nb_tenancy_object_deleted(c->txn, K->acl_type, c->obj->oid);
    nb_txn_delete(c->txn, c->obj);
    nb_reply_int(c, c->obj->oid);
    return 0;
}

static int nb_templatepool_info(nb_call *c)
{
    return nb_api_pool_filtered(c, K);
}

#define W NB_M_WRITE
#define X NB_M_LOCK_EXEMPT
const nb_method nb_api_template_methods[] = {
    NB_METHOD("one.template.allocate", "s", NULL, -1, NB_OP_CREATE, W, nb_template_allocate),
    NB_METHOD("one.template.clone", "is|b", K, 0, NB_OP_USE, W, nb_template_clone),
    NB_METHOD("one.template.delete", "i|b", K, 0, NB_OP_MANAGE, W, nb_template_delete),
    NB_METHOD("one.template.info", "i|bb", K, 0, NB_OP_USE, X, nb_api_info),
    NB_METHOD("one.template.update", "is|i", K, 0, NB_OP_MANAGE, W, nb_api_update),
    NB_METHOD("one.template.chmod", "iiiiiiiiii|b", K, 0, NB_OP_MANAGE, W, nb_api_chmod),
    NB_METHOD("one.template.chown", "iii", K, 0, NB_OP_MANAGE, W, nb_api_chown),
    NB_METHOD("one.template.rename", "is", K, 0, NB_OP_MANAGE, W, nb_api_rename),
    NB_METHOD("one.template.lock", "ii|b", K, 0, NB_OP_MANAGE, W | X, nb_api_lock),
    NB_METHOD("one.template.unlock", "i", K, 0, NB_OP_MANAGE, W | X, nb_api_unlock),
    NB_METHOD("one.templatepool.info", "iii", NULL, -1, NB_OP_USE, 0, nb_templatepool_info),
    NB_METHOD_END,
};
