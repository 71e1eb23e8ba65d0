/* one.user.* and one.userpool.info (reference §2.3). */
#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "oned/api.h"
#include "oned/group.h"
#include "oned/password.h"
#include "oned/tenancy.h"
#include "oned/user.h"

#define NB_TOKEN_BYTES 20

static const char *const nb_auth_drivers[] = { "core", "server_cipher", "public" };

static bool nb_driver_known(const char *d)
{
    for (size_t i = 0; i < NB_ARRAY_SIZE(nb_auth_drivers); i++)
        if (strcmp(d, nb_auth_drivers[i]) == 0)
            return true;
    return false;
}

/*
 * A server account (server_cipher) acts as any user it names, oneadmin
 * included: only administrators may make one or set its credentials, or a
 * group admin (USER:ADMIN on its users) would make itself oneadmin.
 */
static int nb_server_driver_check(nb_call *c, const char *driver, int oid)
{
    if (strncmp(driver, "server_", 7) != 0 || nb_subject_is_admin(&c->subj))
        return 0;
    return nb_fail(c, NB_E_AUTHORIZATION, oid, "User [%d] : Only administrators may set up "
                   "server accounts (driver %s).", c->uid, driver);
}

/* Leaving a group also ends being one of its admins, rules included. */
static void nb_member_del(nb_call *c, nb_user *u, int gid)
{
    nb_ids_del(&u->groups, &u->ngroups, gid);
    nb_tenancy_admin_drop(c->txn, u->o.oid, gid);
}

/* The group named by argument i, authorized for op; NULL with the error set. */
static const nb_object *nb_group_arg(nb_call *c, size_t i, enum nb_op op)
{
    int gid = (int)nb_arg_int(c, i, -1);
    const nb_object *g = nb_txn_get(c->txn, &nb_group_kind, gid);
    if (!g) {
        nb_fail_missing(c, &nb_group_kind, gid);
        return NULL;
    }
    return nb_gate_check(c, g, op) < 0 ? NULL : g;
}

/*
 * The prepare step of the methods that set a password (argument `i`): check
 * it and hash it before the transaction, so the slow hash never holds the
 * writer.  An empty password where one is optional (chauth) hashes nothing.
 */
static int nb_prepare_password(nb_call *c, size_t i, bool optional)
{
    const char *pw = nb_arg_str(c, i, "");
    const char *why;
    if (optional && !*pw)
        return 0;
    if ((why = nb_password_invalid(pw)))
        return nb_fail(c, NB_E_ACTION, -1, "%s.", why);
    if (!(c->prepared = nb_password_hash(pw, c->model->cfg->pbkdf2_iterations)))
        return nb_fail(c, NB_E_INTERNAL, -1, "Could not hash the password.");
    return 0;
}

static int nb_prepare_arg1(nb_call *c)
{
    return nb_prepare_password(c, 1, false);
}

static int nb_prepare_arg2_optional(nb_call *c)
{
    return nb_prepare_password(c, 2, true);
}

static int nb_user_allocate(nb_call *c)
{
    const char *name = nb_arg_str(c, 0, "");
    const char *driver = nb_arg_str(c, 2, "");
    const nb_xv *groups = nb_arg(c, 3);
    size_t ngroups = groups ? groups->u.arr.n : 0;
    nb_object *o;
    int gid;

    if (!*driver)
        driver = "core";
    /* As OpenNebula: CREATE for a user of the caller's own (effective)
     * group, then MANAGE on every other listed group.  A group admin thus
     * adds users while acting in its group, and nobody learns which names
     * exist before being authorized. */
    if (nb_gate_check_create(c, &nb_user_kind, c->subj.gid) < 0 ||
        nb_api_check_name(c, &nb_user_kind, name, -1) < 0)
        return -1;
    if (!nb_driver_known(driver))
        return nb_fail(c, NB_E_INTERNAL, -1, "Authentication driver \"%s\" is not enabled "
                       "(enabled: core, server_cipher, public).", driver);
    if (nb_server_driver_check(c, driver, -1) < 0)
        return -1;

    /* First listed group is the primary one; none: "users" for admins,
     * else the caller's own group (how group admins add members). */
    for (size_t i = 0; i < ngroups; i++) {
        const nb_xv *v = &groups->u.arr.items[i];
        const nb_object *g;
        if (v->type != NB_XV_INT)
            return nb_fail(c, NB_E_RPC_API, -1, "Group list must contain integer ids.");
        if (!(g = nb_txn_get(c->txn, &nb_group_kind, (int)v->u.i)))
            return nb_fail_missing(c, &nb_group_kind, (int)v->u.i);
        if (g->oid != c->subj.gid && nb_gate_check(c, g, NB_OP_MANAGE) < 0)
            return -1;
    }
    gid = ngroups ? (int)groups->u.arr.items[0].u.i
                  : nb_subject_in_group(&c->subj, 0) ? 1 : c->subj.gid;
    if (!ngroups && !nb_txn_get(c->txn, &nb_group_kind, gid))
        return nb_fail_missing(c, &nb_group_kind, gid);

    o = nb_user_new(nb_txn_next_oid(c->txn, &nb_user_kind, 2), name, gid, driver, c->prepared);
    for (size_t i = 1; i < ngroups; i++)
        nb_ids_add(&nb_user_of(o)->groups, &nb_user_of(o)->ngroups,
                   (int)groups->u.arr.items[i].u.i);
    nb_txn_insert(c->txn, o);
    nb_reply_int(c, o->oid);
    return 0;
}

static int nb_user_delete(nb_call *c)
{
    if (c->obj->oid == 0)
        return nb_fail(c, NB_E_ACTION, 0, "oneadmin cannot be deleted.");
    nb_tenancy_user_deleted(c->txn, c->obj->oid);
    nb_txn_delete(c->txn, c->obj);
    nb_reply_int(c, c->obj->oid);
    return 0;
}

static int nb_user_passwd(nb_call *c)
{
    nb_user *u;

    if (nb_server_driver_check(c, nb_user_cof(c->obj)->auth_driver, c->obj->oid) < 0)
        return -1;
    u = nb_user_of(nb_txn_edit(c->txn, c->obj));
    nb_user_set_password_hash(u, c->prepared);
    /* New credentials end every login token; cached sessions die with the
     * old hash. */
    nb_user_del_tokens(u, NULL);
    nb_reply_int(c, u->o.oid);
    return 0;
}

static int nb_user_chauth(nb_call *c)
{
    const char *driver = nb_arg_str(c, 1, "");
    nb_user *u;

    if (!nb_driver_known(driver))
        return nb_fail(c, NB_E_INTERNAL, c->obj->oid, "Authentication driver \"%s\" is not "
                       "enabled (enabled: core, server_cipher, public).", driver);
    if (nb_server_driver_check(c, driver, c->obj->oid) < 0 ||
        nb_server_driver_check(c, nb_user_cof(c->obj)->auth_driver, c->obj->oid) < 0)
        return -1;
    u = nb_user_of(nb_txn_edit(c->txn, c->obj));
    nb_user_set_driver(u, driver);
    if (c->prepared)
        nb_user_set_password_hash(u, c->prepared);
    nb_reply_int(c, u->o.oid);
    return 0;
}

static int nb_user_enable(nb_call *c)
{
    bool on = nb_arg_bool(c, 1, true);
    nb_user *u;
    if (c->obj->oid == 0 && !on)
        return nb_fail(c, NB_E_ACTION, 0, "oneadmin cannot be disabled.");
    u = nb_user_of(nb_txn_edit(c->txn, c->obj));
    u->enabled = on;
    nb_reply_int(c, u->o.oid);
    return 0;
}

static int nb_user_chgrp(nb_call *c)
{
    const nb_object *g;
    nb_user *u;
    int old;
    bool was_member;

    if (!(g = nb_group_arg(c, 1, NB_OP_USE)))
        return -1;
    if (c->obj->oid == 0 && g->oid != 0)
        return nb_fail(c, NB_E_ACTION, 0, "oneadmin cannot leave the oneadmin group.");
    u = nb_user_of(nb_txn_edit(c->txn, c->obj));
    old = u->o.gid;
    was_member = nb_ids_has(u->groups, u->ngroups, g->oid);
    if (old != g->oid) {
        /* The old primary group is left, unless the new one was a secondary
         * group already (then the old one stays as a secondary), as oned does. */
        if (!was_member)
            nb_member_del(c, u, old);
        nb_ids_add(&u->groups, &u->ngroups, g->oid);
        u->o.gid = g->oid;
    }
    nb_reply_int(c, u->o.oid);
    return 0;
}

static int nb_user_addgroup(nb_call *c)
{
    const nb_object *g;
    nb_user *u;
    if (!(g = nb_group_arg(c, 1, NB_OP_MANAGE)))
        return -1;
    if (nb_ids_has(nb_user_cof(c->obj)->groups, nb_user_cof(c->obj)->ngroups, g->oid))
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "User [%d] is already in group [%d].",
                       c->obj->oid, g->oid);
    u = nb_user_of(nb_txn_edit(c->txn, c->obj));
    nb_ids_add(&u->groups, &u->ngroups, g->oid);
    nb_reply_int(c, u->o.oid);
    return 0;
}

static int nb_user_delgroup(nb_call *c)
{
    const nb_object *g;
    nb_user *u;
    if (!(g = nb_group_arg(c, 1, NB_OP_MANAGE)))
        return -1;
    if (g->oid == c->obj->gid)
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "Cannot remove user from the primary group.");
    if (!nb_ids_has(nb_user_cof(c->obj)->groups, nb_user_cof(c->obj)->ngroups, g->oid))
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "User [%d] is not in group [%d].",
                       c->obj->oid, g->oid);
    u = nb_user_of(nb_txn_edit(c->txn, c->obj));
    nb_member_del(c, u, g->oid);
    nb_reply_int(c, u->o.oid);
    return 0;
}

/*
 * one.user.login(name, token, valid, egid): create (token "" = generate),
 * extend (an existing token) or revoke (valid 0) login tokens.
 */
static int nb_user_login(nb_call *c)
{
    const char *name = nb_arg_str(c, 0, "");
    const char *token = nb_arg_str(c, 1, "");
    long long valid = nb_arg_int(c, 2, 0);
    int egid = (int)nb_arg_int(c, 3, -1);
    int max = c->model->cfg->max_token_time;
    const nb_object *o = nb_txn_get_by_name(c->txn, &nb_user_kind, name);
    long long now = nb_now();
    nb_user *u;
    char *fresh = NULL;

    if (!o)
        return nb_fail(c, NB_E_NO_EXISTS, -1, "Error getting user [%s].", name);
    if (nb_gate_check(c, o, NB_OP_MANAGE) < 0)
        return -1;
    if (max == 0)
        return nb_fail(c, NB_E_ACTION, o->oid, "Login tokens are disabled (MAX_TOKEN_TIME = 0).");
    if (valid < -1)
        return nb_fail(c, NB_E_RPC_API, o->oid, "Token validity must be -1, 0 or a number "
                       "of seconds.");
    u = nb_user_of(nb_txn_edit(c->txn, o));
    nb_user_purge_tokens(u, now);
    if (valid == 0) {
        nb_user_del_tokens(u, *token ? token : NULL);
        nb_reply_string(c, token);
        return 0;
    }
    if (egid >= 0 && !nb_ids_has(u->groups, u->ngroups, egid))
        return nb_fail(c, NB_E_ACTION, o->oid, "EGID is not in user group list.");
    if (egid < 0 && c->uid == o->oid && c->subj.groups == &c->egid)
        return nb_fail(c, NB_E_ACTION, o->oid, "A group-scoped session cannot create a "
                       "token for every group.");
    if (max > 0 && (valid == -1 || valid > max))
        valid = max;
    if (*token)
        nb_user_del_tokens(u, token);
    else
        token = fresh = nb_random_hex(NB_TOKEN_BYTES);
    if (u->ntokens >= NB_MAX_LOGIN_TOKENS) {
        free(fresh);
        return nb_fail(c, NB_E_ACTION, o->oid, "Max number of tokens limit reached (%d).",
                       NB_MAX_LOGIN_TOKENS);
    }
    nb_user_add_token(u, token, valid == -1 ? -1 : now + valid, egid);
    nb_reply_string(c, token);
    c->resp_id = o->oid;
    free(fresh);
    return 0;
}

static int nb_userpool_info(nb_call *c)
{
    return nb_api_pool_info(c, &nb_user_kind);
}

#define W NB_M_WRITE
const nb_method nb_api_user_methods[] = {
    NB_METHOD_PREP("one.user.allocate", "ss|sa", NULL, -1, NB_OP_CREATE, W, nb_user_allocate,
               nb_prepare_arg1),
    NB_METHOD("one.user.delete", "i", &nb_user_kind, 0, NB_OP_ADMIN, W, nb_user_delete),
    NB_METHOD_PREP("one.user.passwd", "is", &nb_user_kind, 0, NB_OP_MANAGE, W, nb_user_passwd,
               nb_prepare_arg1),
    NB_METHOD("one.user.login", "ssi|i", NULL, -1, NB_OP_MANAGE, W, nb_user_login),
    NB_METHOD("one.user.update", "is|i", &nb_user_kind, 0, NB_OP_MANAGE, W, nb_api_update),
    NB_METHOD_PREP("one.user.chauth", "is|s", &nb_user_kind, 0, NB_OP_ADMIN, W, nb_user_chauth,
               nb_prepare_arg2_optional),
    NB_METHOD("one.user.enable", "ib", &nb_user_kind, 0, NB_OP_ADMIN, W, nb_user_enable),
    NB_METHOD("one.user.chgrp", "ii", &nb_user_kind, 0, NB_OP_MANAGE, W, nb_user_chgrp),
    NB_METHOD("one.user.addgroup", "ii", &nb_user_kind, 0, NB_OP_MANAGE, W, nb_user_addgroup),
    NB_METHOD("one.user.delgroup", "ii", &nb_user_kind, 0, NB_OP_MANAGE, W, nb_user_delgroup),
    NB_METHOD("one.user.info", "i|b", &nb_user_kind, 0, NB_OP_USE, NB_M_SELF | NB_M_LOCK_EXEMPT,
               nb_api_info),
    NB_METHOD("one.userpool.info", "", NULL, -1, NB_OP_USE, 0, nb_userpool_info),
    NB_METHOD_END,
};
