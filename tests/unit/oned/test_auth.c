/*
 * test_auth.c: session authentication end to end without the network: a
 * bootstrapped model on a temporary SQLite store, then every session form
 * of auth.h (password, cached session, login token, serveradmin delegation),
 * disabled users, password changes and failure throttling.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/log.h"
#include "lib/util.h"
#include "oned/auth.h"
#include "oned/bootstrap.h"
#include "oned/config.h"
#include "oned/layout.h"
#include "oned/model.h"
#include "oned/password.h"
#include "oned/store.h"
#include "oned/txn.h"
#include "oned/user.h"
#include "tests/unit/oned/model_fixture.h"

#define ITER NB_TEST_HASH_ITERATIONS

typedef struct fx {
    nb_test_model m;
    nb_auth *auth;
    char server_pw[128];
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    char *sfile, *text;
    size_t len;

    if (nb_test_model_init(&f->m, "auth") < 0)
        return -1;
    f->auth = nb_auth_new(&f->m.model);

    /* serveradmin's password, as bootstrap wrote it. */
    sfile = nb_asprintf("%s/sunstone_auth", f->m.layout.server_auth_dir);
    text = nb_read_file(sfile, &len);
    free(sfile);
    if (!text || strncmp(text, "serveradmin:", 12) != 0)
        return -1;
    text[strcspn(text, "\r\n")] = '\0';
    snprintf(f->server_pw, sizeof(f->server_pw), "%s", text + 12);
    free(text);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    nb_auth_free(f->auth);
    nb_test_model_fini(&f->m);
    free(f);
    return 0;
}

/* ---- helpers ------------------------------------------------------------- */

static int auth(fx *f, const char *session, nb_auth_result *r)
{
    nb_auth_result tmp;
    if (!r)
        r = &tmp;
    r->uid = r->egid = r->via_uid = -99;
    return nb_auth_session(f->auth, session, strlen(session), r);
}

static void assert_auth_as(fx *f, const char *session, int uid, int egid, int via)
{
    nb_auth_result r;
    if (auth(f, session, &r) != 0)
        fail_msg("session \"%s\" refused", session);
    if (r.uid != uid || r.egid != egid || r.via_uid != via)
        fail_msg("session \"%s\": uid %d egid %d via %d, want %d %d %d", session, r.uid,
                 r.egid, r.via_uid, uid, egid, via);
}

static void assert_refused(fx *f, const char *session)
{
    nb_auth_result r;
    if (auth(f, session, &r) == 0)
        fail_msg("session \"%s\" accepted as uid %d", session, r.uid);
}

typedef void (*edit_fn)(nb_user *u, void *ctx);

/* Change user uid through a committed transaction. */
static void edit_user(fx *f, int uid, edit_fn fn, void *ctx)
{
    nb_txn *t = nb_txn_begin(&f->m.model);
    nb_object *o = nb_txn_get(t, &nb_user_kind, uid);
    char *err = NULL;
    assert_non_null(o);
    fn(nb_user_of(nb_txn_edit(t, o)), ctx);
    if (nb_txn_commit(t, &err) != 0)
        fail_msg("commit: %s", err);
}

static void set_password(nb_user *u, void *ctx)
{
    char *h = nb_password_hash(ctx, ITER);
    assert_non_null(h);
    nb_user_set_password_hash(u, h);
    free(h);
}

static void disable(nb_user *u, void *ctx)
{
    u->enabled = false;
}

static void enable(nb_user *u, void *ctx)
{
    u->enabled = true;
}

typedef struct token_spec {
    const char *token;
    long long expiration;
    int egid;
} token_spec;

static void add_token(nb_user *u, void *ctx)
{
    const token_spec *t = ctx;
    nb_user_add_token(u, t->token, t->expiration, t->egid);
}

static void set_public(nb_user *u, void *ctx)
{
    nb_user_set_driver(u, "public");
}

/* Add a plain user (core driver) in group gid. */
static void add_user(fx *f, int oid, const char *name, const char *pw, int gid)
{
    nb_txn *t = nb_txn_begin(&f->m.model);
    nb_object *o = nb_object_new(&nb_user_kind);
    nb_user *u = nb_user_of(o);
    char *err = NULL;

    o->oid = o->uid = oid;
    o->gid = gid;
    o->perms = 0600;
    o->name = nb_strdup(name);
    nb_ids_add(&u->groups, &u->ngroups, gid);
    u->password = nb_password_hash(pw, ITER);
    u->auth_driver = nb_strdup("core");
    u->enabled = true;
    nb_txn_insert(t, o);
    if (nb_txn_commit(t, &err) != 0)
        fail_msg("commit: %s", err);
}

static double now_real(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Wait until the wall clock's fraction of a second is in [lo, hi). */
static void align_second(double lo, double hi)
{
    for (;;) {
        double t = now_real();
        double frac = t - (double)(long long)t;
        if (frac >= lo && frac < hi)
            return;
        sleep_s(0.01);
    }
}

/* ---- tests ----------------------------------------------------------------- */

static void test_bootstrap_users(void **state)
{
    fx *f = *state;
    const nb_pool *p = nb_model_cpool(&f->m.model, &nb_user_kind);
    const nb_object *admin = nb_pool_get(p, 0), *server = nb_pool_get(p, 1);

    assert_non_null(admin);
    assert_non_null(server);
    assert_string_equal(admin->name, "oneadmin");
    assert_string_equal(server->name, "serveradmin");
    assert_string_equal(nb_user_cof(server)->auth_driver, "server_cipher");
    /* Stored as a salted hash, never as the password. */
    assert_null(strstr(nb_user_cof(admin)->password, "secret"));
    assert_true(nb_password_verify("secret", nb_user_cof(admin)->password));
    assert_true(strlen(f->server_pw) >= 16);
    assert_null(nb_password_invalid(f->server_pw));
}

static void test_password_session(void **state)
{
    fx *f = *state;
    char *s = nb_asprintf("serveradmin:%s", f->server_pw);

    assert_auth_as(f, "oneadmin:secret", 0, -1, -1);
    /* serveradmin logs in as itself with its own password. */
    assert_auth_as(f, s, 1, -1, -1);
    free(s);
}

static void test_refusals(void **state)
{
    fx *f = *state;
    nb_auth_result r;

    f->m.cfg.auth_max_failures = 1000;    /* not testing throttling here */
    assert_refused(f, "oneadmin:wrong");
    assert_refused(f, "oneadmin:Secret");
    assert_refused(f, "oneadmin:secret ");
    assert_refused(f, "oneadmin:");
    assert_refused(f, "nobody:secret");
    assert_refused(f, "oneadminsecret");
    assert_refused(f, "oneadmin");
    assert_refused(f, "");
    assert_refused(f, ":secret");
    assert_refused(f, ":");
    assert_refused(f, "ONEADMIN:secret");

    /* Embedded NUL: the length says more than the C string holds. */
    static const char nul1[] = "oneadmin:secret\0trailing";
    static const char nul2[] = "oneadmin\0:secret";
    assert_int_equal(nb_auth_session(f->auth, nul1, sizeof(nul1) - 1, &r), -1);
    assert_int_equal(nb_auth_session(f->auth, nul2, sizeof(nul2) - 1, &r), -1);
    assert_int_equal(nb_auth_session(f->auth, "oneadmin:secret", 14, &r), -1);    /* short len */

    /* Still fine with the right one. */
    assert_auth_as(f, "oneadmin:secret", 0, -1, -1);
}

static void test_cache_and_password_change(void **state)
{
    fx *f = *state;

    for (int i = 0; i < 5; i++)
        assert_auth_as(f, "oneadmin:secret", 0, -1, -1);

    edit_user(f, 0, set_password, "newpass");
    /* The cached session was for the old hash: refused at once. */
    assert_refused(f, "oneadmin:secret");
    assert_auth_as(f, "oneadmin:newpass", 0, -1, -1);
    assert_auth_as(f, "oneadmin:newpass", 0, -1, -1);

    /* Setting the old password again with a fresh salt: both directions. */
    edit_user(f, 0, set_password, "secret");
    assert_refused(f, "oneadmin:newpass");
    assert_auth_as(f, "oneadmin:secret", 0, -1, -1);

    /* Flushing the cache changes nothing visible. */
    nb_auth_flush(f->auth);
    assert_auth_as(f, "oneadmin:secret", 0, -1, -1);
}

/* The cache is per user: oneadmin's cached secret does not open another
 * account that happens to be asked with it. */
static void test_cache_is_per_user(void **state)
{
    fx *f = *state;

    add_user(f, 2, "alice", "alicepw", 1);
    assert_auth_as(f, "oneadmin:secret", 0, -1, -1);
    assert_refused(f, "alice:secret");
    assert_auth_as(f, "alice:alicepw", 2, -1, -1);
    assert_refused(f, "oneadmin:alicepw");
}

/* The cache saves the slow hash: with a costly hash, repeated sessions are
 * much faster than the first one. */
static void test_cache_skips_slow_hash(void **state)
{
    fx *f = *state;
    struct timespec t0, t1, t2;

    f->m.cfg.pbkdf2_iterations = 200000;
    edit_user(f, 0, set_password, "slowpw");
    f->m.cfg.pbkdf2_iterations = ITER;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_auth_as(f, "oneadmin:slowpw", 0, -1, -1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    for (int i = 0; i < 10; i++)
        assert_auth_as(f, "oneadmin:slowpw", 0, -1, -1);
    clock_gettime(CLOCK_MONOTONIC, &t2);

    double first = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    double ten = (double)(t2.tv_sec - t1.tv_sec) + (double)(t2.tv_nsec - t1.tv_nsec) / 1e9;
    if (ten > first)
        fail_msg("10 cached sessions took %.3f s, the first (uncached) %.3f s", ten, first);

    /* With the cache disabled every session pays the hash. */
    f->m.cfg.session_expiration = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 3; i++)
        assert_auth_as(f, "oneadmin:slowpw", 0, -1, -1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double three = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (three < ten)
        fail_msg("uncached sessions (%.3f s for 3) not slower than cached (%.3f s for 10)",
                 three, ten);
}

static void test_disabled_user(void **state)
{
    fx *f = *state;

    assert_auth_as(f, "oneadmin:secret", 0, -1, -1);       /* now cached */
    token_spec t = { "0123456789abcdef0123456789abcdef", -1, -1 };
    edit_user(f, 0, add_token, &t);
    assert_auth_as(f, "oneadmin:0123456789abcdef0123456789abcdef", 0, -1, -1);

    edit_user(f, 0, disable, NULL);
    assert_refused(f, "oneadmin:secret");
    assert_refused(f, "oneadmin:0123456789abcdef0123456789abcdef");
    /* Nor can serveradmin act as a disabled user. */
    char *s = nb_asprintf("serveradmin:oneadmin:%s", f->server_pw);
    assert_refused(f, s);

    edit_user(f, 0, enable, NULL);
    assert_auth_as(f, "oneadmin:secret", 0, -1, -1);
    assert_auth_as(f, s, 0, -1, 1);
    free(s);
}

static void test_public_driver_refused(void **state)
{
    fx *f = *state;
    assert_auth_as(f, "oneadmin:secret", 0, -1, -1);
    edit_user(f, 0, set_public, NULL);
    assert_refused(f, "oneadmin:secret");
}

static void test_throttling(void **state)
{
    fx *f = *state;
    char *srv = nb_asprintf("serveradmin:%s", f->server_pw);

    f->m.cfg.auth_max_failures = 3;
    f->m.cfg.auth_throttle = 1;

    /* Fewer failures than the limit do not block; a success resets them. */
    assert_refused(f, "oneadmin:bad1");
    assert_refused(f, "oneadmin:bad2");
    assert_auth_as(f, "oneadmin:secret", 0, -1, -1);
    assert_refused(f, "oneadmin:bad3");
    assert_refused(f, "oneadmin:bad4");
    assert_auth_as(f, "oneadmin:secret", 0, -1, -1);

    /* Early in a second so that the check below is certainly within the
     * back-off, whatever its rounding. */
    align_second(0.05, 0.5);
    assert_refused(f, "oneadmin:bad5");
    assert_refused(f, "oneadmin:bad6");
    assert_refused(f, "oneadmin:bad7");
    double blocked_at = now_real();
    /* A session already proven (cached) keeps working during the back-off,
     * so guesses at a password cannot lock out running clients; but no
     * password is checked: the right one, not cached, is refused. */
    assert_auth_as(f, "oneadmin:secret", 0, -1, -1);
    nb_auth_flush(f->auth);
    assert_refused(f, "oneadmin:secret");
    /* Other users are not affected. */
    assert_auth_as(f, srv, 1, -1, -1);

    /* After the back-off the right password works again. */
    sleep_s(blocked_at + 1.2 - now_real());
    assert_auth_as(f, "oneadmin:secret", 0, -1, -1);
    free(srv);
}

/* AUTH_THROTTLE_TIME is a duration: a user throttled for 1 s must not get
 * in again after a fraction of it (e.g. because the back-off ends at the
 * next whole second of the wall clock). */
static void test_throttle_lasts_its_duration(void **state)
{
    fx *f = *state;

    f->m.cfg.auth_max_failures = 2;
    f->m.cfg.auth_throttle = 1;
    align_second(0.80, 0.90);
    assert_refused(f, "oneadmin:bad1");
    assert_refused(f, "oneadmin:bad2");
    double blocked_at = now_real();
    sleep_s(0.35);
    double elapsed = now_real() - blocked_at;
    nb_auth_result r;
    if (auth(f, "oneadmin:secret", &r) == 0)
        fail_msg("accepted %.2f s into a 1 s back-off", elapsed);
}

static void test_login_tokens(void **state)
{
    fx *f = *state;
    long long now = (long long)time(NULL);
    token_spec full = { "tok-full-0001", now + 3600, -1 };
    token_spec forever = { "tok-forever-02", -1, -1 };
    token_spec scoped = { "tok-scoped-003", now + 3600, 0 };
    token_spec expired = { "tok-expired-04", now - 10, -1 };
    token_spec foreign = { "tok-foreign-05", now + 3600, 100 };

    edit_user(f, 0, add_token, &full);
    edit_user(f, 0, add_token, &forever);
    edit_user(f, 0, add_token, &scoped);
    edit_user(f, 0, add_token, &expired);
    edit_user(f, 0, add_token, &foreign);

    assert_auth_as(f, "oneadmin:tok-full-0001", 0, -1, -1);
    assert_auth_as(f, "oneadmin:tok-forever-02", 0, -1, -1);
    assert_auth_as(f, "oneadmin:tok-scoped-003", 0, 0, -1);    /* acts with group 0 only */
    assert_refused(f, "oneadmin:tok-expired-04");
    assert_refused(f, "oneadmin:tok-foreign-05");               /* not a member of 100 */
    /* Prefixes and other users' names do not match. */
    assert_refused(f, "oneadmin:tok-full-000");
    assert_refused(f, "oneadmin:tok-full-00011");
    assert_refused(f, "serveradmin:tok-full-0001");
    /* The password keeps working next to the tokens. */
    assert_auth_as(f, "oneadmin:secret", 0, -1, -1);
}

static void test_serveradmin_delegation(void **state)
{
    fx *f = *state;
    char *s;

    add_user(f, 2, "alice", "alicepw", 1);
    f->m.cfg.auth_max_failures = 1000;

    s = nb_asprintf("serveradmin:oneadmin:%s", f->server_pw);
    assert_auth_as(f, s, 0, -1, 1);
    assert_auth_as(f, s, 0, -1, 1);                /* cached path too */
    free(s);

    s = nb_asprintf("serveradmin:alice:%s", f->server_pw);
    assert_auth_as(f, s, 2, -1, 1);
    free(s);

    /* Optional EGID: must be one of the target's groups. */
    s = nb_asprintf("serveradmin:oneadmin:0:%s", f->server_pw);
    assert_auth_as(f, s, 0, 0, 1);
    free(s);
    s = nb_asprintf("serveradmin:alice:1:%s", f->server_pw);
    assert_auth_as(f, s, 2, 1, 1);
    free(s);
    s = nb_asprintf("serveradmin:alice:0:%s", f->server_pw);
    assert_refused(f, s);
    free(s);

    /* Wrong serveradmin password, unknown target. */
    assert_refused(f, "serveradmin:oneadmin:wrongpassword");
    assert_refused(f, "serveradmin:oneadmin:secret");
    s = nb_asprintf("serveradmin:nobody:%s", f->server_pw);
    assert_refused(f, s);
    free(s);

    /* Only a server_cipher account delegates: oneadmin cannot act as
     * serveradmin (or anyone) this way. */
    nb_auth_result r;
    int rc = auth(f, "oneadmin:serveradmin:secret", &r);
    if (rc == 0 && r.uid == 1)
        fail_msg("oneadmin delegated to serveradmin");
    assert_int_equal(rc, -1);
    assert_refused(f, "alice:oneadmin:alicepw");
    s = nb_asprintf("oneadmin:alice:%s", "secret");
    assert_refused(f, s);
    free(s);
}

static void make_server(nb_user *u, void *ctx)
{
    nb_user_set_driver(u, "server_cipher");
}

/* A server account outside the oneadmin group (say, one a group admin set
 * up) logs in as itself but speaks for nobody, oneadmin least of all. */
static void test_delegation_needs_oneadmin_group(void **state)
{
    fx *f = *state;

    add_user(f, 2, "relay", "relaypw", 1);
    add_user(f, 3, "alice", "alicepw", 1);
    edit_user(f, 2, make_server, NULL);
    assert_refused(f, "relay:oneadmin:relaypw");
    assert_refused(f, "relay:alice:relaypw");
    assert_refused(f, "relay:alice:1:relaypw");
    assert_auth_as(f, "alice:alicepw", 3, -1, -1);
}

/* auth.h: egid is "-1, or the only group the call acts with".  A malformed
 * or negative EGID field in a delegated session must not produce anything
 * else (refusing the session is fine too). */
static void test_delegation_bad_egid(void **state)
{
    fx *f = *state;
    static const char *const bad[] = { "-5", "-2", "abc", "", "1x", "99999999999" };

    add_user(f, 2, "alice", "alicepw", 1);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *s = nb_asprintf("serveradmin:alice:%s:%s", bad[i], f->server_pw);
        nb_auth_result r;
        int rc = auth(f, s, &r);
        free(s);
        if (rc == 0 && (r.uid != 2 || r.egid != -1))
            fail_msg("EGID field \"%s\": accepted as uid %d with egid %d", bad[i], r.uid, r.egid);
    }
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_bootstrap_users),
        T(test_password_session),
        T(test_refusals),
        T(test_cache_and_password_change),
        T(test_cache_is_per_user),
        T(test_cache_skips_slow_hash),
        T(test_disabled_user),
        T(test_public_driver_refused),
        T(test_throttling),
        T(test_throttle_lasts_its_duration),
        T(test_login_tokens),
        T(test_serveradmin_delegation),
        T(test_delegation_needs_oneadmin_group),
        T(test_delegation_bad_egid),
    };
#undef T

    nb_log_threshold = NB_LOG_ERROR;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
