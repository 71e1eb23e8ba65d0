#include "oned/user.h"

#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "acl/rule.h"
#include "oned/group.h"
#include "oned/model.h"
#include "oned/quota_model.h"

static void nb_user_destroy(nb_object *o)
{
    nb_user *u = nb_user_of(o);
    free(u->groups);
    if (u->password)
        nb_wipe(u->password, strlen(u->password));
    free(u->password);
    free(u->auth_driver);
    nb_user_del_tokens(u, NULL);
    free(u->tokens);
    nb_quotas_free(&u->quotas);
}

static void nb_user_to_xml(const nb_object *o, nb_buf *b, enum nb_xml_mode mode, const nb_model *m)
{
    const nb_user *u = nb_user_cof(o);

    nb_buf_adds(b, "<USER>");
    nb_buf_elem_int(b, "ID", o->oid);
    nb_buf_elem_int(b, "GID", o->gid);
    nb_xml_ids(b, "GROUPS", u->groups, u->ngroups);
    nb_buf_elem_text(b, "GNAME", m ? nb_model_group_name(m, o->gid) : "");
    nb_buf_elem_text(b, "NAME", o->name);
    nb_buf_elem_cdata(b, "PASSWORD", u->password);
    nb_buf_elem_cdata(b, "AUTH_DRIVER", u->auth_driver);
    nb_buf_elem_int(b, "ENABLED", u->enabled ? 1 : 0);
    for (size_t i = 0; i < u->ntokens; i++) {
        nb_buf_adds(b, "<LOGIN_TOKEN>");
        nb_buf_elem_text(b, "TOKEN", u->tokens[i].token);
        nb_buf_elem_int(b, "EXPIRATION_TIME", u->tokens[i].expiration);
        nb_buf_elem_int(b, "EGID", u->tokens[i].egid);
        nb_buf_adds(b, "</LOGIN_TOKEN>");
    }
    nb_tmpl_to_xml(&o->tmpl, b, "TEMPLATE");
    if (mode != NB_XML_POOL)
        nb_quotas_to_xml(&u->quotas, b);
    if (mode == NB_XML_INFO)
        nb_xml_default_quotas(b, "DEFAULT_USER_QUOTAS",
                              nb_quota_defaults_get(m, NB_DEFAULTS_USERS));
    nb_buf_adds(b, "</USER>");
    /* userpool.info gives each user's quotas in a sibling, as oned does. */
    if (mode == NB_XML_POOL) {
        nb_buf_adds(b, "<QUOTAS>");
        nb_buf_elem_int(b, "ID", o->oid);
        nb_quotas_to_xml(&u->quotas, b);
        nb_buf_adds(b, "</QUOTAS>");
    }
}

static int nb_user_from_xml(nb_object *o, const xmlNode *root, char **err)
{
    nb_user *u = nb_user_of(o);
    char *pw = nb_xml_child_text(root, "PASSWORD");
    char *drv = nb_xml_child_text(root, "AUTH_DRIVER");
    int enabled = 1;
    int ret = -1;

    if (nb_xml_read_common(o, root, err) < 0)
        goto cleanup;
    if (nb_xml_child_int(root, "GID", &o->gid) < 0 || !pw || !drv ||
        nb_xml_read_ids(root, "GROUPS", &u->groups, &u->ngroups) < 0) {
        *err = nb_strdup("USER document lacks GID, GROUPS, PASSWORD or AUTH_DRIVER");
        goto cleanup;
    }
    if (nb_quotas_from_xml(&u->quotas, root, err) < 0)
        goto cleanup;
    nb_xml_child_int(root, "ENABLED", &enabled);
    o->uid = o->oid;
    o->perms = 0600;
    u->password = nb_strdup(pw);
    u->auth_driver = nb_strdup(drv);
    u->enabled = enabled != 0;
    for (const xmlNode *c = root->children; c; c = c->next) {
        char *tok;
        long long exp = -1;
        int egid = -1;
        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "LOGIN_TOKEN") != 0)
            continue;
        tok = nb_xml_child_text(c, "TOKEN");
        nb_xml_child_ll(c, "EXPIRATION_TIME", &exp);
        nb_xml_child_int(c, "EGID", &egid);
        if (tok)
            nb_user_add_token(u, tok, exp, egid);
        xmlFree(tok);
    }
    ret = 0;
 cleanup:
    if (pw)
        nb_wipe(pw, strlen(pw));
    xmlFree(pw);
    xmlFree(drv);
    return ret;
}

/* Group membership is derived from the users' GROUPS (model index). */
static void nb_user_replaced(nb_model *m, const nb_object *old, const nb_object *new)
{
    const nb_user *o = old ? nb_user_cof(old) : NULL;
    const nb_user *n = new ? nb_user_cof(new) : NULL;
    for (size_t i = 0; o && i < o->ngroups; i++)
        if (!n || !nb_ids_has(n->groups, n->ngroups, o->groups[i]))
            nb_model_member_del(m, o->groups[i], o->o.oid);
    for (size_t i = 0; n && i < n->ngroups; i++)
        nb_model_member_add(m, n->groups[i], n->o.oid);
}

static void nb_user_pool_tail(nb_buf *b, const nb_model *m)
{
    nb_xml_default_quotas(b, "DEFAULT_USER_QUOTAS", nb_quota_defaults_get(m, NB_DEFAULTS_USERS));
}

const nb_kind nb_user_kind = {
    .name = "user",
    .what = "user",
    .table = "user_pool",
    .root = "USER",
    .pool_root = "USER_POOL",
    .acl_type = NB_ACL_USER,
    .unique_names = true,
    .size = sizeof(nb_user),
    .destroy = nb_user_destroy,
    .to_xml = nb_user_to_xml,
    .from_xml = nb_user_from_xml,
    .pool_tail = nb_user_pool_tail,
    .replaced = nb_user_replaced,
    .names_shown = true,
};

nb_object *nb_user_new(int oid, const char *name, int gid, const char *driver,
                       const char *pwhash)
{
    nb_object *o = nb_object_new(&nb_user_kind);
    nb_user *u = nb_user_of(o);
    char *token_pw = nb_random_hex(20);

    o->oid = o->uid = oid;
    o->gid = gid;
    o->perms = 0600;
    o->name = nb_strdup(name);
    nb_ids_add(&u->groups, &u->ngroups, gid);
    u->password = nb_strdup(pwhash);
    u->auth_driver = nb_strdup(driver);
    u->enabled = true;
    nb_tmpl_set(&o->tmpl, "TOKEN_PASSWORD", token_pw);
    free(token_pw);
    return o;
}

void nb_user_set_password_hash(nb_user *u, const char *hash)
{
    if (u->password)
        nb_wipe(u->password, strlen(u->password));
    free(u->password);
    u->password = nb_strdup(hash);
}

void nb_user_set_driver(nb_user *u, const char *driver)
{
    free(u->auth_driver);
    u->auth_driver = nb_strdup(driver);
}

void nb_user_add_token(nb_user *u, const char *token, long long expiration, int egid)
{
    u->tokens = nb_realloc(u->tokens, (u->ntokens + 1) * sizeof(*u->tokens));
    u->tokens[u->ntokens].token = nb_strdup(token);
    u->tokens[u->ntokens].expiration = expiration;
    u->tokens[u->ntokens].egid = egid;
    u->ntokens++;
}

static void nb_user_drop_token(nb_user *u, size_t i)
{
    nb_wipe(u->tokens[i].token, strlen(u->tokens[i].token));
    free(u->tokens[i].token);
    memmove(u->tokens + i, u->tokens + i + 1, (u->ntokens - i - 1) * sizeof(*u->tokens));
    u->ntokens--;
}

void nb_user_purge_tokens(nb_user *u, long long now)
{
    for (size_t i = u->ntokens; i-- > 0;)
        if (u->tokens[i].expiration != -1 && u->tokens[i].expiration <= now)
            nb_user_drop_token(u, i);
}

size_t nb_user_del_tokens(nb_user *u, const char *token)
{
    size_t removed = 0;
    for (size_t i = u->ntokens; i-- > 0;)
        if (!token || strcmp(u->tokens[i].token, token) == 0) {
            nb_user_drop_token(u, i);
            removed++;
        }
    return removed;
}
