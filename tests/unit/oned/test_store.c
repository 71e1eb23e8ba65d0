/*
 * test_store.c: the store interface on the SQLite back end, on a temporary
 * database file: migrations, transactions, rows, counters, refusals.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <unistd.h>
#include <sqlite3.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "oned/store.h"

typedef struct fixture {
    char dir[64];
    char *path;
} fixture;

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(p);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    strcpy(f->dir, "/tmp/nb-test-store-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    f->path = nb_asprintf("%s/one.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(f->path);
    free(f);
    return 0;
}

static int last_version(void)
{
    assert_true(nb_migrations_count > 0);
    return nb_migrations[nb_migrations_count - 1].version;
}

static void open_ok(nb_store *s, const char *path)
{
    char *err = NULL;
    if (nb_store_open(s, &nb_store_sqlite_ops, path, &err) != 0)
        fail_msg("nb_store_open(%s): %s", path, err ? err : "(no message)");
    assert_null(err);
}

/* Run a single SQL query through sqlite3 directly, returning an integer. */
static long long sql_int(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    long long v = -12345;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* ---- load collector ------------------------------------------------------ */

typedef struct rows {
    int oids[16];
    char *bodies[16];
    size_t n;
    int fail_at;        /* callback fails on this call number (1-based), 0 never */
    int calls;
} rows;

static int collect(void *ctx, int oid, const char *body, size_t len)
{
    rows *r = ctx;
    r->calls++;
    if (r->fail_at && r->calls == r->fail_at)
        return -1;
    assert_true(r->n < 16);
    assert_int_equal(strlen(body), len);
    r->oids[r->n] = oid;
    r->bodies[r->n] = nb_strndup(body, len);
    r->n++;
    return 0;
}

static void rows_free(rows *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->bodies[i]);
    memset(r, 0, sizeof(*r));
}

static void load_ok(nb_store *s, const char *table, rows *r)
{
    char *err = NULL;
    memset(r, 0, sizeof(*r));
    if (s->ops->load(s, table, collect, r, &err) != 0)
        fail_msg("load %s: %s", table, err);
}

/* ---- transaction bodies ---------------------------------------------------- */

typedef struct put_ctx {
    const char *table;
    int oid;
    const char *name;
    const char *body;
    int result;         /* what the function returns after the put */
} put_ctx;

static int put_fn(nb_store *s, void *ctx, char **err)
{
    put_ctx *p = ctx;
    if (s->ops->put(s, p->table, p->oid, p->name, p->oid, 1, p->body, strlen(p->body), err) < 0)
        return -1;
    if (p->result < 0 && !*err)
        *err = nb_strdup("the function failed on purpose");
    return p->result;
}

static void put_commit(nb_store *s, const char *table, int oid, const char *name, const char *body)
{
    put_ctx p = { table, oid, name, body, 0 };
    char *err = NULL;
    if (nb_store_transact(s, put_fn, &p, &err) != 0)
        fail_msg("put %s/%d: %s", table, oid, err);
}

typedef struct counter_ctx {
    const char *pool;
    int value;
} counter_ctx;

static int counter_fn(nb_store *s, void *ctx, char **err)
{
    counter_ctx *c = ctx;
    return s->ops->counter_set(s, c->pool, c->value, err);
}

/* ---- tests ----------------------------------------------------------------- */

static void test_backend_lookup(void **state)
{
    assert_ptr_equal(nb_store_backend("sqlite"), &nb_store_sqlite_ops);
    assert_ptr_equal(nb_store_backend("SQLite"), &nb_store_sqlite_ops);
    assert_null(nb_store_backend("mysql"));
    assert_null(nb_store_backend(""));
    assert_string_equal(nb_store_sqlite_ops.name, "sqlite");
}

static void test_fresh_database_migrated(void **state)
{
    fixture *f = *state;
    nb_store s;
    int version = -1;
    char *err = NULL;
    rows r;

    open_ok(&s, f->path);
    assert_int_equal(s.ops->version_get(&s, &version, &err), 0);
    assert_int_equal(version, last_version());

    /* The tables of the schema exist: a user row goes in and comes back. */
    put_commit(&s, "user_pool", 7, "alice", "<USER><ID>7</ID></USER>");
    load_ok(&s, "user_pool", &r);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.oids[0], 7);
    assert_string_equal(r.bodies[0], "<USER><ID>7</ID></USER>");
    rows_free(&r);
    load_ok(&s, "group_pool", &r);
    assert_int_equal(r.n, 0);
    rows_free(&r);
    nb_store_close(&s);

    /* One db_versioning row per migration. */
    assert_int_equal(sql_int(f->path, "SELECT COUNT(*) FROM db_versioning"), nb_migrations_count);
    assert_int_equal(sql_int(f->path, "SELECT MAX(version) FROM db_versioning"), last_version());
}

static void test_reopen_does_not_migrate_again(void **state)
{
    fixture *f = *state;
    nb_store s;
    int version = -1, last = -7;
    char *err = NULL;
    rows r;
    counter_ctx c = { "user_pool", 50 };

    open_ok(&s, f->path);
    put_commit(&s, "user_pool", 3, "bob", "<USER><ID>3</ID></USER>");
    assert_int_equal(nb_store_transact(&s, counter_fn, &c, &err), 0);
    nb_store_close(&s);

    open_ok(&s, f->path);
    assert_int_equal(s.ops->version_get(&s, &version, &err), 0);
    assert_int_equal(version, last_version());
    /* Data and counters survive: the initial migration did not run again. */
    load_ok(&s, "user_pool", &r);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.oids[0], 3);
    rows_free(&r);
    assert_int_equal(s.ops->counter_get(&s, "user_pool", &last, &err), 0);
    assert_int_equal(last, 50);
    nb_store_close(&s);
    assert_int_equal(sql_int(f->path, "SELECT COUNT(*) FROM db_versioning"), nb_migrations_count);

    /* And a third time. */
    open_ok(&s, f->path);
    nb_store_close(&s);
    assert_int_equal(sql_int(f->path, "SELECT COUNT(*) FROM db_versioning"), nb_migrations_count);
}

static void test_counters(void **state)
{
    fixture *f = *state;
    nb_store s;
    char *err = NULL;
    int last = 12345;
    counter_ctx c1 = { "test_pool", 41 };
    counter_ctx c2 = { "test_pool", 42 };
    counter_ctx c3 = { "other_pool", -1 };

    open_ok(&s, f->path);
    /* Unknown pool: nothing handed out yet. */
    assert_int_equal(s.ops->counter_get(&s, "test_pool", &last, &err), 0);
    assert_int_equal(last, -1);

    assert_int_equal(nb_store_transact(&s, counter_fn, &c1, &err), 0);
    assert_int_equal(s.ops->counter_get(&s, "test_pool", &last, &err), 0);
    assert_int_equal(last, 41);
    assert_int_equal(nb_store_transact(&s, counter_fn, &c2, &err), 0);     /* overwrite */
    assert_int_equal(nb_store_transact(&s, counter_fn, &c3, &err), 0);
    assert_int_equal(s.ops->counter_get(&s, "test_pool", &last, &err), 0);
    assert_int_equal(last, 42);
    assert_int_equal(s.ops->counter_get(&s, "other_pool", &last, &err), 0);
    assert_int_equal(last, -1);
    nb_store_close(&s);

    open_ok(&s, f->path);
    assert_int_equal(s.ops->counter_get(&s, "test_pool", &last, &err), 0);
    assert_int_equal(last, 42);
    nb_store_close(&s);
    assert_null(err);
}

static void test_transact_commit(void **state)
{
    fixture *f = *state;
    nb_store s;
    rows r;

    open_ok(&s, f->path);
    put_commit(&s, "group_pool", 100, "g100", "<GROUP>100</GROUP>");
    put_commit(&s, "group_pool", 101, "g101", "<GROUP>101</GROUP>");
    nb_store_close(&s);

    assert_int_equal(sql_int(f->path, "SELECT COUNT(*) FROM group_pool WHERE oid >= 100"), 2);
    open_ok(&s, f->path);
    load_ok(&s, "group_pool", &r);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.oids[0], 100);
    assert_string_equal(r.bodies[1], "<GROUP>101</GROUP>");
    rows_free(&r);
    nb_store_close(&s);
}

static void test_transact_rollback(void **state)
{
    fixture *f = *state;
    nb_store s;
    char *err = NULL;
    put_ctx p = { "user_pool", 9, "ghost", "<USER>9</USER>", -1 };
    rows r;

    open_ok(&s, f->path);
    assert_int_equal(nb_store_transact(&s, put_fn, &p, &err), -1);
    free(err);
    err = NULL;
    /* Not visible in this connection either. */
    load_ok(&s, "user_pool", &r);
    assert_int_equal(r.n, 0);
    rows_free(&r);
    /* The store is usable afterwards (no transaction left open). */
    put_commit(&s, "user_pool", 10, "real", "<USER>10</USER>");
    nb_store_close(&s);

    open_ok(&s, f->path);
    load_ok(&s, "user_pool", &r);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.oids[0], 10);
    rows_free(&r);
    nb_store_close(&s);
    assert_int_equal(sql_int(f->path, "SELECT COUNT(*) FROM user_pool WHERE oid = 9"), 0);
}

/* store.h: "commit if fn returns 0, roll back otherwise ... Returns fn's
 * result or -1": a function reporting a non-zero, non-negative status must
 * not have its writes committed. */
static void test_transact_nonzero_result_rolls_back(void **state)
{
    fixture *f = *state;
    nb_store s;
    char *err = NULL;
    put_ctx p = { "user_pool", 11, "maybe", "<USER>11</USER>", 1 };
    rows r;

    int ret;

    open_ok(&s, f->path);
    ret = nb_store_transact(&s, put_fn, &p, &err);
    free(err);
    load_ok(&s, "user_pool", &r);
    size_t n = r.n;
    rows_free(&r);
    nb_store_close(&s);
    if (n != 0 || ret != 1)
        fail_msg("fn returned 1: nb_store_transact returned %d and %zu row(s) were committed",
                 ret, n);
}

/* Two objects of a kind with unique names cannot share a name (the schema's
 * UNIQUE constraint): putting object 2 under object 1's name must fail, and
 * above all must not make object 1's row disappear. */
static void test_put_duplicate_name_keeps_other_row(void **state)
{
    fixture *f = *state;
    nb_store s;
    char *err = NULL;
    int ret;
    rows r;

    open_ok(&s, f->path);
    put_commit(&s, "user_pool", 1, "taken", "<USER>1</USER>");

    put_ctx p = { "user_pool", 2, "taken", "<USER>2</USER>", 0 };
    ret = nb_store_transact(&s, put_fn, &p, &err);
    free(err);
    err = NULL;
    load_ok(&s, "user_pool", &r);
    bool have1 = false;
    for (size_t i = 0; i < r.n; i++)
        have1 |= r.oids[i] == 1;
    size_t n = r.n;
    int first = r.n ? r.oids[0] : -1;
    rows_free(&r);
    nb_store_close(&s);
    if (!have1)
        fail_msg("putting oid 2 with oid 1's name deleted oid 1's row (put returned %d, "
                 "%zu row(s) left, first oid %d)", ret, n, first);
    assert_int_equal(ret, -1);
}

static void test_put_replaces_and_del(void **state)
{
    fixture *f = *state;
    nb_store s;
    rows r;

    open_ok(&s, f->path);
    put_commit(&s, "user_pool", 5, "five", "<USER>old</USER>");
    put_commit(&s, "user_pool", 5, "five-renamed", "<USER>new</USER>");
    put_commit(&s, "user_pool", 2, "two", "<USER>2</USER>");
    put_commit(&s, "user_pool", 9, "nine", "<USER>9</USER>");
    load_ok(&s, "user_pool", &r);
    /* One row per oid, in id order. */
    assert_int_equal(r.n, 3);
    assert_int_equal(r.oids[0], 2);
    assert_int_equal(r.oids[1], 5);
    assert_int_equal(r.oids[2], 9);
    assert_string_equal(r.bodies[1], "<USER>new</USER>");
    rows_free(&r);

    char *err = NULL;
    assert_int_equal(s.ops->begin(&s, &err), 0);
    assert_int_equal(s.ops->del(&s, "user_pool", 5, &err), 0);
    assert_int_equal(s.ops->del(&s, "user_pool", 77, &err), 0);   /* absent: no error */
    assert_int_equal(s.ops->commit(&s, &err), 0);
    load_ok(&s, "user_pool", &r);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.oids[0], 2);
    assert_int_equal(r.oids[1], 9);
    rows_free(&r);
    nb_store_close(&s);
}

/* Showback rows: load in (year, month, vmid) order; a clear drops only the
 * months of its range (year * 12 + month - 1), inside a transaction. */
typedef struct sb_rows {
    char got[16][48];
    size_t n;
} sb_rows;

static int sb_collect(void *ctx, int vmid, int year, int month, const char *body, size_t len)
{
    sb_rows *r = ctx;
    assert_true(r->n < 16);
    assert_int_equal(strlen(body), len);
    snprintf(r->got[r->n++], sizeof(r->got[0]), "%d %d/%d %s", vmid, month, year, body);
    return 0;
}

static void sb_put(nb_store *s, int vmid, int year, int month, const char *body)
{
    char *err = NULL;
    if (s->ops->showback_put(s, vmid, year, month, body, strlen(body), &err) != 0)
        fail_msg("showback_put: %s", err);
}

static void test_showback_rows(void **state)
{
    fixture *f = *state;
    nb_store s;
    sb_rows r = { .n = 0 };
    char *err = NULL;

    open_ok(&s, f->path);
    assert_int_equal(s.ops->begin(&s, &err), 0);
    sb_put(&s, 7, 2026, 1, "a");
    sb_put(&s, 3, 2026, 1, "b");
    sb_put(&s, 3, 2025, 12, "c");
    sb_put(&s, 3, 2026, 2, "d");
    sb_put(&s, 3, 2026, 2, "d2");         /* same VM and month: replaced */
    assert_int_equal(s.ops->commit(&s, &err), 0);
    assert_int_equal(s.ops->showback_load(&s, sb_collect, &r, &err), 0);
    assert_int_equal(r.n, 4);
    assert_string_equal(r.got[0], "3 12/2025 c");
    assert_string_equal(r.got[1], "3 1/2026 b");
    assert_string_equal(r.got[2], "7 1/2026 a");
    assert_string_equal(r.got[3], "3 2/2026 d2");

    /* Clear January 2026 only; a rolled back clear changes nothing. */
    assert_int_equal(s.ops->begin(&s, &err), 0);
    assert_int_equal(s.ops->showback_clear(&s, 2026 * 12, 2026 * 12 + 1, &err), 0);
    s.ops->rollback(&s);
    assert_int_equal(sql_int(f->path, "SELECT COUNT(*) FROM vm_showback"), 4);
    assert_int_equal(s.ops->begin(&s, &err), 0);
    assert_int_equal(s.ops->showback_clear(&s, 2026 * 12, 2026 * 12, &err), 0);
    assert_int_equal(s.ops->commit(&s, &err), 0);
    r.n = 0;
    assert_int_equal(s.ops->showback_load(&s, sb_collect, &r, &err), 0);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.got[0], "3 12/2025 c");
    assert_string_equal(r.got[1], "3 2/2026 d2");
    nb_store_close(&s);
}

static void test_newer_schema_refused(void **state)
{
    fixture *f = *state;
    nb_store s;
    char *err = NULL;
    sqlite3 *db;

    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE db_versioning (version INTEGER PRIMARY KEY, "
                                  "timestamp INTEGER NOT NULL, comment TEXT);"
                                  "INSERT INTO db_versioning VALUES (999, 0, 'future');",
                                  NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    assert_int_equal(nb_store_open(&s, &nb_store_sqlite_ops, f->path, &err), -1);
    assert_non_null(err);
    if (!strstr(err, "999") || !strstr(err, "newer"))
        fail_msg("unclear refusal: %s", err);
    free(err);
    /* Nothing was migrated into it. */
    assert_int_equal(sql_int(f->path, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'user_pool'"), 0);
    assert_int_equal(sql_int(f->path, "SELECT COUNT(*) FROM db_versioning"), 1);
}

static void test_invalid_table_refused(void **state)
{
    fixture *f = *state;
    nb_store s;
    char *err = NULL;
    rows r = { 0 };
    static const char *const bad[] = {
        "user_pool; DROP TABLE user_pool", "user_pool--", "User_Pool", "user pool", "\"x\"",
    };

    open_ok(&s, f->path);
    put_commit(&s, "user_pool", 1, "one", "<USER>1</USER>");
    assert_int_equal(s.ops->begin(&s, &err), 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err = NULL;
        assert_int_equal(s.ops->put(&s, bad[i], 1, "x", 0, 0, "<X/>", 4, &err), -1);
        assert_non_null(err);
        if (!strstr(err, "invalid table name"))
            fail_msg("put into \"%s\": %s", bad[i], err);
        free(err);
        err = NULL;
        assert_int_equal(s.ops->del(&s, bad[i], 1, &err), -1);
        assert_non_null(err);
        free(err);
        err = NULL;
        assert_int_equal(s.ops->load(&s, bad[i], collect, &r, &err), -1);
        assert_non_null(err);
        free(err);
        assert_int_equal(r.calls, 0);
    }
    s.ops->rollback(&s);
    /* The real table is intact. */
    load_ok(&s, "user_pool", &r);
    assert_int_equal(r.n, 1);
    rows_free(&r);
    nb_store_close(&s);
}

static void test_load_callback_failure(void **state)
{
    fixture *f = *state;
    nb_store s;
    char *err = NULL;
    rows r;

    open_ok(&s, f->path);
    put_commit(&s, "group_pool", 100, "a", "<G>100</G>");
    put_commit(&s, "group_pool", 101, "b", "<G>101</G>");
    put_commit(&s, "group_pool", 102, "c", "<G>102</G>");

    memset(&r, 0, sizeof(r));
    r.fail_at = 2;
    assert_int_equal(s.ops->load(&s, "group_pool", collect, &r, &err), -1);
    assert_non_null(err);
    assert_non_null(strstr(err, "101"));        /* names where it stopped */
    free(err);
    err = NULL;
    assert_int_equal(r.calls, 2);                /* stopped: the third row was not read */
    assert_int_equal(r.n, 1);
    rows_free(&r);

    /* A later load works and sees everything. */
    load_ok(&s, "group_pool", &r);
    assert_int_equal(r.n, 3);
    rows_free(&r);
    nb_store_close(&s);
}

static void test_open_errors(void **state)
{
    fixture *f = *state;
    nb_store s;
    char *err = NULL;
    char *path;

    path = nb_asprintf("%s/no/such/dir/one.db", f->dir);
    assert_int_equal(nb_store_open(&s, &nb_store_sqlite_ops, path, &err), -1);
    assert_non_null(err);
    free(err);
    free(path);

    err = NULL;
    path = nb_asprintf("%s?sync=SOMETIMES", f->path);
    assert_int_equal(nb_store_open(&s, &nb_store_sqlite_ops, path, &err), -1);
    assert_non_null(err);
    assert_non_null(strstr(err, "SOMETIMES"));
    free(err);
    free(path);

    /* A valid sync option is accepted and names the same file. */
    path = nb_asprintf("%s?sync=NORMAL", f->path);
    open_ok(&s, path);
    put_commit(&s, "user_pool", 4, "four", "<USER>4</USER>");
    nb_store_close(&s);
    free(path);
    assert_int_equal(sql_int(f->path, "SELECT COUNT(*) FROM user_pool"), 1);
}

/* ---- monitoring samples ---------------------------------------------------- */

typedef struct sample_ctx {
    nb_sample_kind kind;
    int oid;
    long long ts;
    const char *body;
} sample_ctx;

static int sample_add_fn(nb_store *s, void *ctx, char **err)
{
    sample_ctx *c = ctx;
    return s->ops->sample_add(s, c->kind, c->oid, c->ts, c->body, strlen(c->body), err);
}

static void sample_add(nb_store *s, nb_sample_kind k, int oid, long long ts, const char *body)
{
    sample_ctx c = { k, oid, ts, body };
    char *err = NULL;
    if (nb_store_transact(s, sample_add_fn, &c, &err) != 0)
        fail_msg("sample_add %d@%lld: %s", oid, ts, err);
}

/* What a read returned: "oid@ts=body;" per sample. */
static int sample_collect(void *ctx, int oid, long long ts, const char *body, size_t len)
{
    nb_buf_addf(ctx, "%d@%lld=%.*s;", oid, ts, (int)len, body);
    return 0;
}

static char *samples_read(nb_store *s, nb_sample_kind k, const int *ids, size_t n,
                          long long since, bool last)
{
    nb_buf b = NB_BUF_INIT;
    char *err = NULL;
    if (s->ops->sample_read(s, k, ids, n, since, last, sample_collect, &b, &err) != 0)
        fail_msg("sample_read: %s", err);
    nb_buf_adds(&b, "");
    return b.data;
}

static void assert_samples(nb_store *s, nb_sample_kind k, const int *ids, size_t n,
                           long long since, bool last, const char *want)
{
    char *got = samples_read(s, k, ids, n, since, last);
    assert_string_equal(got, want);
    free(got);
}

static void test_samples_read_by_id_and_time(void **state)
{
    fixture *f = *state;
    nb_store s;
    const int both[] = { 7, 3 }, none[] = { 9 };

    open_ok(&s, f->path);
    sample_add(&s, NB_SAMPLE_VM, 3, 100, "a");
    sample_add(&s, NB_SAMPLE_VM, 3, 200, "b");
    sample_add(&s, NB_SAMPLE_VM, 7, 150, "c");
    sample_add(&s, NB_SAMPLE_HOST, 3, 100, "host");
    /* The same object and second again: the newer report wins. */
    sample_add(&s, NB_SAMPLE_VM, 7, 150, "c2");

    /* In the order of the ids asked, each oldest first; kinds apart. */
    assert_samples(&s, NB_SAMPLE_VM, both, 2, 0, false, "7@150=c2;3@100=a;3@200=b;");
    assert_samples(&s, NB_SAMPLE_VM, both, 2, 150, false, "7@150=c2;3@200=b;");
    assert_samples(&s, NB_SAMPLE_VM, both, 2, 0, true, "7@150=c2;3@200=b;");
    assert_samples(&s, NB_SAMPLE_HOST, both, 2, 0, false, "3@100=host;");
    assert_samples(&s, NB_SAMPLE_VM, none, 1, 0, false, "");
    nb_store_close(&s);
}

typedef struct expire_ctx {
    nb_sample_kind kind;
    long long before;
    int limit;
    int n;
} expire_ctx;

static int expire_fn(nb_store *s, void *ctx, char **err)
{
    expire_ctx *c = ctx;
    return s->ops->sample_expire(s, c->kind, c->before, c->limit, &c->n, err);
}

static int drop_fn(nb_store *s, void *ctx, char **err)
{
    return s->ops->sample_drop(s, NB_SAMPLE_HOST, *(int *)ctx, err);
}

static void test_samples_expire_in_batches_and_drop(void **state)
{
    fixture *f = *state;
    nb_store s;
    expire_ctx e = { NB_SAMPLE_VM, 104, 3, 0 };
    const int vm[] = { 1 }, hosts[] = { 1, 2 };
    int hid = 1;
    char *err = NULL;

    open_ok(&s, f->path);
    for (int ts = 100; ts < 106; ts++)
        sample_add(&s, NB_SAMPLE_VM, 1, ts, "v");
    sample_add(&s, NB_SAMPLE_HOST, 1, 100, "h1");
    sample_add(&s, NB_SAMPLE_HOST, 2, 100, "h2");

    /* Four samples are older than 104: a batch of three, then the fourth. */
    assert_int_equal(nb_store_transact(&s, expire_fn, &e, &err), 0);
    assert_int_equal(e.n, 3);
    assert_samples(&s, NB_SAMPLE_VM, vm, 1, 0, false, "1@103=v;1@104=v;1@105=v;");
    assert_int_equal(nb_store_transact(&s, expire_fn, &e, &err), 0);
    assert_int_equal(e.n, 1);
    assert_int_equal(nb_store_transact(&s, expire_fn, &e, &err), 0);
    assert_int_equal(e.n, 0);
    assert_samples(&s, NB_SAMPLE_VM, vm, 1, 0, false, "1@104=v;1@105=v;");
    /* Host samples are a kind apart: untouched by VM expiry. */
    assert_samples(&s, NB_SAMPLE_HOST, hosts, 2, 0, false, "1@100=h1;2@100=h2;");

    assert_int_equal(nb_store_transact(&s, drop_fn, &hid, &err), 0);
    assert_samples(&s, NB_SAMPLE_HOST, hosts, 2, 0, false, "2@100=h2;");
    nb_store_close(&s);
}

/* The reader sees what is committed only, and reads while a write
 * transaction is open. */
static int read_inside_fn(nb_store *s, void *ctx, char **err)
{
    const int ids[] = { 5 };
    if (s->ops->sample_add(s, NB_SAMPLE_VM, 5, 300, "new", 3, err) < 0)
        return -1;
    *(char **)ctx = samples_read(s, NB_SAMPLE_VM, ids, 1, 0, false);
    return 0;
}

static void test_samples_reader_apart_from_writer(void **state)
{
    fixture *f = *state;
    nb_store s;
    char *seen = NULL, *err = NULL;
    const int ids[] = { 5 };

    open_ok(&s, f->path);
    sample_add(&s, NB_SAMPLE_VM, 5, 200, "old");
    assert_int_equal(nb_store_transact(&s, read_inside_fn, &seen, &err), 0);
    assert_string_equal(seen, "5@200=old;");
    free(seen);
    assert_samples(&s, NB_SAMPLE_VM, ids, 1, 0, false, "5@200=old;5@300=new;");
    nb_store_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backend_lookup),
        cmocka_unit_test_setup_teardown(test_fresh_database_migrated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_does_not_migrate_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transact_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transact_rollback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transact_nonzero_result_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_duplicate_name_keeps_other_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_replaces_and_del, setup, teardown),
        cmocka_unit_test_setup_teardown(test_showback_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_table_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_callback_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_samples_read_by_id_and_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_samples_expire_in_batches_and_drop, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_samples_reader_apart_from_writer, setup, teardown),
    };

    nb_log_threshold = NB_LOG_ERROR;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
