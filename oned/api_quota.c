/*
 * one.user.quota, one.group.quota and the default quotas
 * (one.userquota.info/update, one.groupquota.info/update), reference §10.1.
 * VM and datastore quotas are enforced; the network and image blocks come
 * with those resources.
 */
#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "oned/api.h"
#include "oned/group.h"
#include "oned/quota_model.h"
#include "oned/user.h"

/* Apply quota text to q; 0, or -1 with the call's error. */
static int nb_quota_apply(nb_call *c, nb_quotas *q, const char *text, int id)
{
    nb_tmpl t = NB_TMPL_INIT;
    char *err = NULL;
    int ret = -1;

    if (nb_tmpl_parse(&t, text, strlen(text), &err) < 0 || nb_quotas_set(q, &t, &err) < 0) {
        nb_fail(c, NB_E_ACTION, id, "%s", err);
        free(err);
        goto cleanup;
    }
    ret = 0;
 cleanup:
    nb_tmpl_free(&t);
    return ret;
}

/* quota(id, template): USER:ADMIN or GROUP:ADMIN (dispatcher).  The quotas
 * of oneadmin (user 0, group 0) are never enforced. */
static int nb_holder_quota(nb_call *c)
{
    nb_object *o;
    nb_quotas *q;

    if (c->obj->oid == 0)
        return nb_fail(c, NB_E_ACTION, 0, "Cannot set quotas for oneadmin %s.",
                       c->obj->kind == &nb_user_kind ? "user" : "group");
    o = nb_txn_edit(c->txn, c->obj);
    q = o->kind == &nb_user_kind ? &nb_user_of(o)->quotas : &nb_group_of(o)->quotas;
    if (nb_quota_apply(c, q, nb_arg_str(c, 1, ""), o->oid) < 0)
        return -1;
    nb_reply_int(c, o->oid);
    return 0;
}

static const char *const nb_defaults_root[] = {
    [NB_DEFAULTS_USERS] = "DEFAULT_USER_QUOTAS",
    [NB_DEFAULTS_GROUPS] = "DEFAULT_GROUP_QUOTAS",
};

static int nb_defaults_reply(nb_call *c, int which, const nb_quotas *q)
{
    nb_xml_default_quotas(nb_reply_doc(c), nb_defaults_root[which], q);
    return 0;
}

static int nb_defaults_info(nb_call *c, int which)
{
    return nb_defaults_reply(c, which, nb_quota_defaults_get(c->model, which));
}

/* Only the oneadmin group sets defaults, as in OpenNebula. */
static int nb_defaults_update(nb_call *c, int which)
{
    nb_object *o = nb_txn_get(c->txn, &nb_quota_defaults_kind, which);
    nb_quota_defaults *d;

    if (!nb_subject_is_admin(&c->subj))
        return nb_fail(c, NB_E_AUTHORIZATION, -1, "User [%d] : Only the oneadmin group may "
                       "set default quotas.", c->uid);
    if (o) {
        d = (nb_quota_defaults *)nb_txn_edit(c->txn, o);
    } else {
        o = nb_object_new(&nb_quota_defaults_kind);
        o->oid = which;
        o->name = nb_strdup(which == NB_DEFAULTS_USERS ? "users" : "groups");
        nb_txn_insert(c->txn, o);
        d = (nb_quota_defaults *)o;
    }
    if (nb_quota_apply(c, &d->q, nb_arg_str(c, 0, ""), -1) < 0)
        return -1;
    return nb_defaults_reply(c, which, &d->q);
}

static int nb_userquota_info(nb_call *c) { return nb_defaults_info(c, NB_DEFAULTS_USERS); }
static int nb_groupquota_info(nb_call *c) { return nb_defaults_info(c, NB_DEFAULTS_GROUPS); }
static int nb_userquota_update(nb_call *c) { return nb_defaults_update(c, NB_DEFAULTS_USERS); }
static int nb_groupquota_update(nb_call *c) { return nb_defaults_update(c, NB_DEFAULTS_GROUPS); }

#define W NB_M_WRITE
const nb_method nb_api_quota_methods[] = {
    NB_METHOD("one.user.quota", "is", &nb_user_kind, 0, NB_OP_ADMIN, W, nb_holder_quota),
    NB_METHOD("one.group.quota", "is", &nb_group_kind, 0, NB_OP_ADMIN, W, nb_holder_quota),
    NB_METHOD("one.userquota.info", "", NULL, -1, NB_OP_USE, 0, nb_userquota_info),
    NB_METHOD("one.groupquota.info", "", NULL, -1, NB_OP_USE, 0, nb_groupquota_info),
    NB_METHOD("one.userquota.update", "s", NULL, -1, NB_OP_ADMIN, W, nb_userquota_update),
    NB_METHOD("one.groupquota.update", "s", NULL, -1, NB_OP_ADMIN, W, nb_groupquota_update),
    NB_METHOD_END,
};
