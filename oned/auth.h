/*
 * auth.h: authentication of the session string every call carries.
 *
 *   "user:password"                  core driver, checked against the hash
 *   "user:token"                     a login token from one.user.login
 *   "serveradmin:target[:egid]:pw"   delegation: serveradmin's password, the
 *                                    call then runs as target (optionally
 *                                    scoped to group egid)
 *
 * The slow hash runs without any model lock held.  A verified (user,
 * secret) pair is cached for SESSION_EXPIRATION_TIME so per-call cost is a
 * SHA-256 and a table probe.  A cache entry also remembers the password hash
 * it was verified against, so a password change (new salt, new hash) makes
 * it stale at once; disabled users are refused before the cache is asked.
 * Repeated failures for one user are throttled (exponential back-off).
 */
#ifndef NB_AUTH_H
#define NB_AUTH_H

#include <stdbool.h>
#include "oned/model.h"

typedef struct nb_auth nb_auth;

typedef struct nb_auth_result {
    int uid;                /* who the call runs as */
    int egid;               /* -1, or the only group the call acts with */
    int via_uid;            /* serveradmin's uid when delegated, else -1 */
} nb_auth_result;

nb_auth *nb_auth_new(nb_model *m);
void nb_auth_free(nb_auth *a);

/*
 * Authenticate a session string.  Takes the model's read lock briefly; never
 * holds it during the slow hash.  Returns 0 and fills *r, or -1.
 */
int nb_auth_session(nb_auth *a, const char *session, size_t len, nb_auth_result *r);

/* Forget every cached session (tests; `one.user.passwd` needs no call since
 * the hash check above covers it). */
void nb_auth_flush(nb_auth *a);

#endif
