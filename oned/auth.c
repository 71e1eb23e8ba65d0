#define NB_LOG_MODULE "AuM"
#include "oned/auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/hash.h"
#include "lib/log.h"
#include "lib/util.h"
#include "oned/object.h"
#include "oned/password.h"
#include "oned/user.h"

/* Beyond this many cached sessions, expired ones are purged; if that is not
 * enough the cache starts over (it is only a cache). */
#define NB_AUTH_CACHE_MAX 65536
/* Longest back-off for a user with repeated failures. */
#define NB_AUTH_MAX_THROTTLE 60

typedef struct nb_session_entry {
    char key[80];           /* "uid:sha256(secret)" */
    char *pwhash;           /* the stored hash the secret was verified against */
    long long expires;
} nb_session_entry;

typedef struct nb_fail_entry {
    char *name;
    int failures;
    uint64_t blocked_until;     /* nb_mono_ns() */
} nb_fail_entry;

struct nb_auth {
    nb_model *m;
    pthread_mutex_t mu;     /* guards both tables */
    nb_hash sessions;
    nb_hash failures;
};

nb_auth *nb_auth_new(nb_model *m)
{
    nb_auth *a = nb_calloc(1, sizeof(*a));
    a->m = m;
    pthread_mutex_init(&a->mu, NULL);
    nb_hash_init(&a->sessions);
    nb_hash_init(&a->failures);
    return a;
}

static void nb_session_free(nb_session_entry *e)
{
    nb_wipe(e->pwhash, strlen(e->pwhash));
    free(e->pwhash);
    free(e);
}

static void nb_auth_flush_locked(nb_auth *a)
{
    for (size_t i = 0; i < a->sessions.cap; i++) {
        nb_hash_slot *s = &a->sessions.slots[i];
        if (s->value)
            nb_session_free(s->value);
    }
    nb_hash_free(&a->sessions);
    nb_hash_init(&a->sessions);
}

void nb_auth_flush(nb_auth *a)
{
    pthread_mutex_lock(&a->mu);
    nb_auth_flush_locked(a);
    pthread_mutex_unlock(&a->mu);
}

void nb_auth_free(nb_auth *a)
{
    if (!a)
        return;
    nb_auth_flush_locked(a);
    for (size_t i = 0; i < a->failures.cap; i++) {
        nb_fail_entry *f = a->failures.slots[i].value;
        if (f) {
            free(f->name);
            free(f);
        }
    }
    nb_hash_free(&a->failures);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

static void nb_session_key(char key[80], int uid, const char *secret)
{
    char digest[65];
    nb_sha256_hex(secret, strlen(secret), digest);
    snprintf(key, 80, "%d:%s", uid, digest);
}

static bool nb_auth_cached(nb_auth *a, int uid, const char *secret, const char *pwhash)
{
    char key[80];
    nb_session_entry *e;
    bool ok = false;

    if (a->m->cfg->session_expiration <= 0)
        return false;
    nb_session_key(key, uid, secret);
    pthread_mutex_lock(&a->mu);
    e = nb_hash_get(&a->sessions, key);
    ok = e && e->expires > nb_now() && strcmp(e->pwhash, pwhash) == 0;
    pthread_mutex_unlock(&a->mu);
    return ok;
}

static void nb_auth_remember(nb_auth *a, int uid, const char *secret, const char *pwhash)
{
    nb_session_entry *e, *old;
    long long now = nb_now();

    if (a->m->cfg->session_expiration <= 0)
        return;
    e = nb_calloc(1, sizeof(*e));
    nb_session_key(e->key, uid, secret);
    e->pwhash = nb_strdup(pwhash);
    e->expires = now + a->m->cfg->session_expiration;
    pthread_mutex_lock(&a->mu);
    if (a->sessions.used >= NB_AUTH_CACHE_MAX) {
        for (size_t i = 0; i < a->sessions.cap; i++) {
            nb_session_entry *x = a->sessions.slots[i].value;
            if (x && x->expires <= now)
                nb_session_free(nb_hash_del(&a->sessions, x->key));
        }
        if (a->sessions.used >= NB_AUTH_CACHE_MAX)
            nb_auth_flush_locked(a);
    }
    old = nb_hash_get(&a->sessions, e->key);
    if (old) {
        nb_hash_del(&a->sessions, old->key);
        nb_session_free(old);
    }
    nb_hash_put(&a->sessions, e->key, e);
    pthread_mutex_unlock(&a->mu);
}

/* Is this user in back-off after repeated failures? */
static bool nb_auth_throttled(nb_auth *a, const char *name)
{
    nb_fail_entry *f;
    bool blocked;
    pthread_mutex_lock(&a->mu);
    f = nb_hash_get(&a->failures, name);
    blocked = f && f->blocked_until > nb_mono_ns();
    pthread_mutex_unlock(&a->mu);
    return blocked;
}

static void nb_auth_outcome(nb_auth *a, const char *name, bool ok)
{
    nb_fail_entry *f;
    const nb_config *cfg = a->m->cfg;

    pthread_mutex_lock(&a->mu);
    f = nb_hash_get(&a->failures, name);
    if (ok) {
        if (f) {
            nb_hash_del(&a->failures, f->name);
            free(f->name);
            free(f);
        }
    } else {
        if (!f) {
            f = nb_calloc(1, sizeof(*f));
            f->name = nb_strdup(name);
            nb_hash_put(&a->failures, f->name, f);
        }
        f->failures++;
        if (f->failures >= cfg->auth_max_failures) {
            int over = f->failures - cfg->auth_max_failures;
            long long delay = (long long)cfg->auth_throttle << (over > 5 ? 5 : over);
            if (delay > NB_AUTH_MAX_THROTTLE)
                delay = NB_AUTH_MAX_THROTTLE;
            f->blocked_until = nb_mono_ns() + (uint64_t)delay * 1000000000ull;
            nb_log_warn("User %s: %d failed authentications, next attempt refused for %lld s",
                        name, f->failures, delay);
        }
    }
    pthread_mutex_unlock(&a->mu);
}

/* Check a login token of u (model read lock held).  Sets *egid. */
static bool nb_auth_token(const nb_user *u, const char *secret, int *egid)
{
    long long now = nb_now();
    size_t slen = strlen(secret);
    for (size_t i = 0; i < u->ntokens; i++) {
        const nb_login_token *t = &u->tokens[i];
        if (!nb_secure_eq(t->token, strlen(t->token), secret, slen))
            continue;
        if (t->expiration != -1 && t->expiration <= now)
            return false;
        /* A scoped token dies with the membership it was scoped to. */
        if (t->egid >= 0 && !nb_ids_has(u->groups, u->ngroups, t->egid))
            return false;
        *egid = t->egid;
        return true;
    }
    return false;
}

/*
 * Verify `secret` for the user called name.  Tokens and cached sessions are
 * answered under the read lock; the slow hash runs after it is released.
 * Returns 0 (verified), -1, or 1 when the user is a server account and the
 * secret has the delegation form (with `delegating` false).
 */
static int nb_auth_user(nb_auth *a, const char *name, const char *secret, bool delegating,
                        int *uid, int *egid)
{
    nb_model *m = a->m;
    const nb_object *o;
    const nb_user *u;
    char *pwhash = NULL;
    int ret = -1;
    bool ok;

    nb_model_rdlock(m);
    o = nb_pool_get_by_name(nb_model_cpool(m, &nb_user_kind), name);
    if (!o || !(u = nb_user_cof(o))->enabled || strcmp(u->auth_driver, "public") == 0 ||
        (delegating && strcmp(u->auth_driver, "server_cipher") != 0)) {
        nb_model_unlock(m);
        return -1;
    }
    if (!delegating && strcmp(u->auth_driver, "server_cipher") == 0 && strchr(secret, ':')) {
        nb_model_unlock(m);
        return 1;
    }
    *uid = o->oid;
    *egid = -1;
    if ((!delegating && nb_auth_token(u, secret, egid)) ||
        nb_auth_cached(a, o->oid, secret, u->password)) {
        nb_model_unlock(m);
        return 0;
    }
    /* Only attempts that need the slow hash are throttled: a stranger's
     * wrong guesses must not end sessions and tokens already proven. */
    if (nb_auth_throttled(a, name)) {
        nb_model_unlock(m);
        return -1;
    }
    pwhash = nb_strdup(u->password);
    nb_model_unlock(m);

    ok = nb_password_verify(secret, pwhash);
    nb_auth_outcome(a, name, ok);
    if (ok) {
        nb_auth_remember(a, *uid, secret, pwhash);
        ret = 0;
    } else {
        nb_log_info("Authentication failed for user %s", name);
    }
    nb_wipe(pwhash, strlen(pwhash));
    free(pwhash);
    return ret;
}

/* serveradmin:target[:egid]:secret — the call runs as target; `rest` is
 * "target:" or "target:egid:".  Only server accounts of the oneadmin group
 * may speak for others: one elsewhere (a group admin could set up its own)
 * would otherwise reach every account, oneadmin's included. */
static int nb_auth_delegated(nb_auth *a, int via, const char *rest, nb_auth_result *r)
{
    const char *c1 = strchr(rest, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    char *target = NULL, *eg = NULL;
    const nb_object *o;
    const nb_user *u;
    int egid = -1, ret = -1;

    if (!c1)
        return -1;
    target = nb_strndup(rest, (size_t)(c1 - rest));
    if (c2) {
        eg = nb_strndup(c1 + 1, (size_t)(c2 - c1 - 1));
        if (nb_parse_int(eg, &egid) < 0 || egid < 0)
            goto cleanup;
    }
    nb_model_rdlock(a->m);
    o = nb_pool_get(nb_model_cpool(a->m, &nb_user_kind), via);
    if (!o || !nb_ids_has(nb_user_cof(o)->groups, nb_user_cof(o)->ngroups, 0)) {
        nb_model_unlock(a->m);
        goto cleanup;
    }
    o = nb_pool_get_by_name(nb_model_cpool(a->m, &nb_user_kind), target);
    if (o && (u = nb_user_cof(o))->enabled &&
        (egid < 0 || nb_ids_has(u->groups, u->ngroups, egid))) {
        r->uid = o->oid;
        r->egid = egid;
        r->via_uid = via;
        ret = 0;
    }
    nb_model_unlock(a->m);
 cleanup:
    free(eg);
    free(target);
    return ret;
}

int nb_auth_session(nb_auth *a, const char *session, size_t len, nb_auth_result *r)
{
    const char *colon, *secret, *last;
    char *name = NULL, *rest = NULL;
    int uid, egid, rc, ret = -1;

    if (strlen(session) != len || !(colon = strchr(session, ':')) || colon == session)
        return -1;
    name = nb_strndup(session, (size_t)(colon - session));
    secret = colon + 1;
    r->via_uid = -1;
    rc = nb_auth_user(a, name, secret, false, &uid, &egid);
    if (rc == 0) {
        r->uid = uid;
        r->egid = egid;
        ret = 0;
    } else if (rc == 1) {
        /* A server account proves itself with the last field and acts as
         * the user named before it. */
        last = strrchr(secret, ':');
        if (nb_auth_user(a, name, last + 1, true, &uid, &egid) == 0) {
            rest = nb_strndup(secret, (size_t)(last - secret) + 1);
            ret = nb_auth_delegated(a, uid, rest, r);
        }
    }
    free(rest);
    free(name);
    return ret;
}
