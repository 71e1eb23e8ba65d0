/*
 * user.h: the USER object (reference §3.1).  A user owns itself: uid = oid,
 * gid = its primary group, perms "um- --- ---".
 */
#ifndef NB_USER_H
#define NB_USER_H

#include "oned/object.h"
#include "oned/quotas.h"

#define NB_MAX_LOGIN_TOKENS 10

typedef struct nb_login_token {
    char *token;
    long long expiration;   /* epoch seconds, -1 = never */
    int egid;               /* -1 = the user's full group set */
} nb_login_token;

typedef struct nb_user {
    nb_object o;
    int *groups;            /* sorted; includes the primary group o.gid */
    size_t ngroups;
    char *password;         /* password hash (password.h format) */
    char *auth_driver;      /* "core", "server_cipher", "public" */
    bool enabled;
    nb_login_token *tokens;
    size_t ntokens;
    nb_quotas quotas;       /* VM_QUOTA, DATASTORE_QUOTA */
} nb_user;

extern const nb_kind nb_user_kind;

/* A new, enabled user owning itself, member of its primary group gid, with
 * a password hash and a fresh TOKEN_PASSWORD (as oned gives every user). */
nb_object *nb_user_new(int oid, const char *name, int gid, const char *driver,
                       const char *pwhash);

static inline nb_user *nb_user_of(nb_object *o) { return (nb_user *)o; }
static inline const nb_user *nb_user_cof(const nb_object *o) { return (const nb_user *)o; }

void nb_user_set_password_hash(nb_user *u, const char *hash);
void nb_user_set_driver(nb_user *u, const char *driver);
/* Drop expired tokens (now in epoch seconds). */
void nb_user_purge_tokens(nb_user *u, long long now);
void nb_user_add_token(nb_user *u, const char *token, long long expiration, int egid);
/* Remove one token (token != NULL) or all; returns how many were removed. */
size_t nb_user_del_tokens(nb_user *u, const char *token);

#endif
