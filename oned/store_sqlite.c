/*
 * store_sqlite.c: the embedded SQLite back end.  WAL mode (readers never
 * block the writer), synchronous per DB/SYNC, one connection used only by the
 * single writer and at start-up, prepared statements cached per table; and a
 * second, read-only connection for the monitoring history, which API threads
 * read while the writer works (one at a time: a connection is not shared).
 */
#define NB_LOG_MODULE "DBM"
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/log.h"
#include "lib/util.h"
#include "oned/store.h"

typedef struct nb_sqlite_stmt {
    char *sql;
    sqlite3_stmt *st;
} nb_sqlite_stmt;

typedef struct nb_sqlite {
    sqlite3 *db;
    nb_sqlite_stmt *cache;
    size_t ncache;
    size_t capcache;
    /* The sample reader: its connection, and its statements by
     * [kind][last_only], prepared at first use. */
    pthread_mutex_t rlock;
    sqlite3 *rdb;
    sqlite3_stmt *rd[2][2];
} nb_sqlite;

static char *nb_sqlite_err(nb_sqlite *q, const char *what)
{
    return nb_asprintf("%s: %s", what, sqlite3_errmsg(q->db));
}

/* Prepared statements keyed by their SQL text: a handful per table. */
static sqlite3_stmt *nb_sqlite_prepare(nb_sqlite *q, const char *sql, char **err)
{
    for (size_t i = 0; i < q->ncache; i++)
        if (strcmp(q->cache[i].sql, sql) == 0) {
            sqlite3_reset(q->cache[i].st);
            sqlite3_clear_bindings(q->cache[i].st);
            return q->cache[i].st;
        }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK) {
        *err = nb_sqlite_err(q, "prepare");
        return NULL;
    }
    nb_grow(&q->cache, &q->capcache, q->ncache + 1, sizeof(*q->cache));
    q->cache[q->ncache].sql = nb_strdup(sql);
    q->cache[q->ncache].st = st;
    q->ncache++;
    return st;
}

static int nb_sqlite_exec(nb_store *s, const char *sql, char **err)
{
    nb_sqlite *q = s->priv;
    char *msg = NULL;
    if (sqlite3_exec(q->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        *err = nb_strdup(msg ? msg : sqlite3_errmsg(q->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static void nb_sqlite_close(nb_store *s)
{
    nb_sqlite *q = s->priv;
    if (!q)
        return;
    for (size_t i = 0; i < q->ncache; i++) {
        sqlite3_finalize(q->cache[i].st);
        free(q->cache[i].sql);
    }
    free(q->cache);
    for (int k = 0; k < 2; k++)
        for (int l = 0; l < 2; l++)
            sqlite3_finalize(q->rd[k][l]);
    sqlite3_close(q->rdb);
    pthread_mutex_destroy(&q->rlock);
    sqlite3_close(q->db);
    free(q);
    s->priv = NULL;
}

/* conninfo: "path[?sync=OFF|NORMAL|FULL]". */
static int nb_sqlite_open(nb_store *s, const char *conninfo, char **err)
{
    nb_sqlite *q = nb_calloc(1, sizeof(*q));
    const char *qm = strchr(conninfo, '?');
    char *path = qm ? nb_strndup(conninfo, (size_t)(qm - conninfo)) : nb_strdup(conninfo);
    const char *sync = "FULL";
    char *pragmas = NULL;
    int ret = -1;

    s->priv = q;
    pthread_mutex_init(&q->rlock, NULL);
    if (qm && strncmp(qm + 1, "sync=", 5) == 0)
        sync = qm + 6;
    if (!nb_strcaseeq(sync, "OFF") && !nb_strcaseeq(sync, "NORMAL") && !nb_strcaseeq(sync, "FULL")) {
        *err = nb_asprintf("DB/SYNC must be OFF, NORMAL or FULL, not \"%s\"", sync);
        goto cleanup;
    }
    if (sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                        SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        *err = nb_asprintf("cannot open database %s: %s", path,
                           q->db ? sqlite3_errmsg(q->db) : "out of memory");
        goto cleanup;
    }
    sqlite3_busy_timeout(q->db, 5000);
    pragmas = nb_asprintf("PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; "
                          "PRAGMA foreign_keys=ON;", sync);
    if (nb_sqlite_exec(s, pragmas, err) < 0)
        goto cleanup;
    /* After the writer: the file exists and is in WAL mode. */
    if (sqlite3_open_v2(path, &q->rdb, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        *err = nb_asprintf("cannot open database %s for reading: %s", path,
                           q->rdb ? sqlite3_errmsg(q->rdb) : "out of memory");
        goto cleanup;
    }
    sqlite3_busy_timeout(q->rdb, 5000);
    ret = 0;
 cleanup:
    free(pragmas);
    free(path);
    if (ret < 0)
        nb_sqlite_close(s);
    return ret;
}

static int nb_sqlite_begin(nb_store *s, char **err)
{
    /* IMMEDIATE: take the write lock now, not at the first write. */
    return nb_sqlite_exec(s, "BEGIN IMMEDIATE", err);
}

static int nb_sqlite_commit(nb_store *s, char **err)
{
    return nb_sqlite_exec(s, "COMMIT", err);
}

static void nb_sqlite_rollback(nb_store *s)
{
    nb_sqlite *q = s->priv;
    if (!sqlite3_get_autocommit(q->db)) {
        char *err = NULL;
        if (nb_sqlite_exec(s, "ROLLBACK", &err) < 0) {
            nb_log_error("rollback failed: %s", err);
            free(err);
        }
    }
}

/* Table names come from kind descriptors, never from requests; still, only
 * identifiers reach the SQL text. */
static int nb_sqlite_table_ok(const char *table, char **err)
{
    for (const char *p = table; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || *p == '_')) {
            *err = nb_asprintf("invalid table name %s", table);
            return -1;
        }
    return 0;
}

static int nb_sqlite_step_done(nb_sqlite *q, sqlite3_stmt *st, const char *what, char **err)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        *err = nb_sqlite_err(q, what);
        return -1;
    }
    return 0;
}

/* Hand each row of st to row(); st is reset afterwards.  0 when every row
 * went, -1 with *err when row() stopped (it says why) or SQLite failed. */
typedef int (*nb_sqlite_row_fn)(sqlite3_stmt *st, void *ctx, char **err);

static int nb_sqlite_rows(sqlite3_stmt *st, nb_sqlite_row_fn row, void *ctx, char **err)
{
    int rc, ret = -1;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (row(st, ctx, err) != 0)
            goto cleanup;
    if (rc != SQLITE_DONE) {
        *err = nb_asprintf("select: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
        goto cleanup;
    }
    ret = 0;
 cleanup:
    sqlite3_reset(st);
    return ret;
}

/* Column i as text and its length ("" for NULL). */
static const char *nb_sqlite_text(sqlite3_stmt *st, int i, size_t *len)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    *len = t ? (size_t)sqlite3_column_bytes(st, i) : 0;
    return t ? t : "";
}

static int nb_sqlite_put(nb_store *s, const char *table, int oid, const char *name,
                         int uid, int gid, const char *body, size_t len, char **err)
{
    nb_sqlite *q = s->priv;
    char sql[256];
    sqlite3_stmt *st;

    if (nb_sqlite_table_ok(table, err) < 0)
        return -1;
    /* An upsert on oid only: a clash on a unique name must fail, never
     * replace the other object's row as INSERT OR REPLACE would. */
    snprintf(sql, sizeof(sql), "INSERT INTO %s (oid, name, body, uid, gid) VALUES "
             "(?, ?, ?, ?, ?) ON CONFLICT (oid) DO UPDATE SET name = excluded.name, "
             "body = excluded.body, uid = excluded.uid, gid = excluded.gid", table);
    if (!(st = nb_sqlite_prepare(q, sql, err)))
        return -1;
    sqlite3_bind_int(st, 1, oid);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, body, (int)len, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, uid);
    sqlite3_bind_int(st, 5, gid);
    return nb_sqlite_step_done(q, st, "insert", err);
}

static int nb_sqlite_del(nb_store *s, const char *table, int oid, char **err)
{
    nb_sqlite *q = s->priv;
    char sql[96];
    sqlite3_stmt *st;

    if (nb_sqlite_table_ok(table, err) < 0)
        return -1;
    snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE oid = ?", table);
    if (!(st = nb_sqlite_prepare(q, sql, err)))
        return -1;
    sqlite3_bind_int(st, 1, oid);
    return nb_sqlite_step_done(q, st, "delete", err);
}

typedef struct nb_load_ctx {
    const char *table;
    nb_store_row_cb cb;
    void *ctx;
} nb_load_ctx;

static int nb_sqlite_load_row(sqlite3_stmt *st, void *ctx, char **err)
{
    const nb_load_ctx *l = ctx;
    size_t len;
    const char *body = nb_sqlite_text(st, 1, &len);

    if (l->cb(l->ctx, sqlite3_column_int(st, 0), body, len) == 0)
        return 0;
    *err = nb_asprintf("loading %s stopped at oid %d", l->table, sqlite3_column_int(st, 0));
    return -1;
}

static int nb_sqlite_load(nb_store *s, const char *table, nb_store_row_cb cb, void *ctx, char **err)
{
    nb_sqlite *q = s->priv;
    nb_load_ctx l = { table, cb, ctx };
    char sql[96];
    sqlite3_stmt *st;

    if (nb_sqlite_table_ok(table, err) < 0)
        return -1;
    snprintf(sql, sizeof(sql), "SELECT oid, body FROM %s ORDER BY oid", table);
    if (!(st = nb_sqlite_prepare(q, sql, err)))
        return -1;
    return nb_sqlite_rows(st, nb_sqlite_load_row, &l, err);
}

static int nb_sqlite_showback_clear(nb_store *s, int first, int last, char **err)
{
    nb_sqlite *q = s->priv;
    sqlite3_stmt *st = nb_sqlite_prepare(q, "DELETE FROM vm_showback WHERE "
                                         "year * 12 + month - 1 BETWEEN ? AND ?", err);
    if (!st)
        return -1;
    sqlite3_bind_int(st, 1, first);
    sqlite3_bind_int(st, 2, last);
    return nb_sqlite_step_done(q, st, "vm_showback", err);
}

static int nb_sqlite_showback_put(nb_store *s, int vmid, int year, int month, const char *body,
                                  size_t len, char **err)
{
    nb_sqlite *q = s->priv;
    sqlite3_stmt *st = nb_sqlite_prepare(q, "INSERT OR REPLACE INTO vm_showback "
                                         "(vmid, year, month, body) VALUES (?, ?, ?, ?)", err);
    if (!st)
        return -1;
    sqlite3_bind_int(st, 1, vmid);
    sqlite3_bind_int(st, 2, year);
    sqlite3_bind_int(st, 3, month);
    sqlite3_bind_text(st, 4, body, (int)len, SQLITE_STATIC);
    return nb_sqlite_step_done(q, st, "vm_showback", err);
}

typedef struct nb_showback_ctx {
    nb_store_showback_cb cb;
    void *ctx;
} nb_showback_ctx;

static int nb_sqlite_showback_row(sqlite3_stmt *st, void *ctx, char **err)
{
    const nb_showback_ctx *l = ctx;
    size_t len;
    const char *body = nb_sqlite_text(st, 3, &len);

    if (l->cb(l->ctx, sqlite3_column_int(st, 0), sqlite3_column_int(st, 1),
              sqlite3_column_int(st, 2), body, len) == 0)
        return 0;
    *err = nb_asprintf("loading vm_showback stopped at VM %d", sqlite3_column_int(st, 0));
    return -1;
}

static int nb_sqlite_showback_load(nb_store *s, nb_store_showback_cb cb, void *ctx, char **err)
{
    nb_sqlite *q = s->priv;
    nb_showback_ctx l = { cb, ctx };
    sqlite3_stmt *st = nb_sqlite_prepare(q, "SELECT vmid, year, month, body FROM vm_showback "
                                         "ORDER BY year, month, vmid", err);

    return st ? nb_sqlite_rows(st, nb_sqlite_showback_row, &l, err) : -1;
}

static int nb_sqlite_counter_get(nb_store *s, const char *pool, int *last, char **err)
{
    nb_sqlite *q = s->priv;
    sqlite3_stmt *st = nb_sqlite_prepare(q, "SELECT last_oid FROM pool_control WHERE tablename = ?", err);
    int rc;
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, pool, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *last = sqlite3_column_int(st, 0);
    else if (rc == SQLITE_DONE)
        *last = -1;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        *err = nb_sqlite_err(q, "pool_control");
        return -1;
    }
    return 0;
}

static int nb_sqlite_counter_set(nb_store *s, const char *pool, int last, char **err)
{
    nb_sqlite *q = s->priv;
    sqlite3_stmt *st = nb_sqlite_prepare(q, "INSERT OR REPLACE INTO pool_control "
                                         "(tablename, last_oid) VALUES (?, ?)", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, pool, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, last);
    return nb_sqlite_step_done(q, st, "pool_control", err);
}

static int nb_sqlite_version_get(nb_store *s, int *version, char **err)
{
    nb_sqlite *q = s->priv;
    sqlite3_stmt *st;
    int rc;

    if (nb_sqlite_exec(s, "CREATE TABLE IF NOT EXISTS db_versioning (version INTEGER "
                       "PRIMARY KEY, timestamp INTEGER NOT NULL, comment TEXT)", err) < 0)
        return -1;
    if (!(st = nb_sqlite_prepare(q, "SELECT COALESCE(MAX(version), 0) FROM db_versioning", err)))
        return -1;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *version = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW) {
        *err = nb_sqlite_err(q, "db_versioning");
        return -1;
    }
    return 0;
}

static int nb_sqlite_version_set(nb_store *s, int version, const char *comment, char **err)
{
    nb_sqlite *q = s->priv;
    sqlite3_stmt *st = nb_sqlite_prepare(q, "INSERT INTO db_versioning (version, timestamp, "
                                         "comment) VALUES (?, strftime('%s','now'), ?)", err);
    if (!st)
        return -1;
    sqlite3_bind_int(st, 1, version);
    sqlite3_bind_text(st, 2, comment, -1, SQLITE_STATIC);
    return nb_sqlite_step_done(q, st, "db_versioning", err);
}

/* ---- monitoring samples -------------------------------------------------- */

/* Table and columns of each sample kind (OpenNebula's names). */
static const struct nb_sample_table {
    const char *table, *id, *ts;
} nb_sample_tables[] = {
    [NB_SAMPLE_HOST] = { "host_monitoring", "hid", "last_mon_time" },
    [NB_SAMPLE_VM] = { "vm_monitoring", "vmid", "last_poll" },
};

static int nb_sqlite_sample_add(nb_store *s, nb_sample_kind k, int oid, long long ts,
                                const char *body, size_t len, char **err)
{
    const struct nb_sample_table *t = &nb_sample_tables[k];
    nb_sqlite *q = s->priv;
    char sql[128];
    sqlite3_stmt *st;

    snprintf(sql, sizeof(sql), "INSERT OR REPLACE INTO %s (%s, %s, body) VALUES (?, ?, ?)",
             t->table, t->id, t->ts);
    if (!(st = nb_sqlite_prepare(q, sql, err)))
        return -1;
    sqlite3_bind_int(st, 1, oid);
    sqlite3_bind_int64(st, 2, ts);
    sqlite3_bind_text(st, 3, body, (int)len, SQLITE_STATIC);
    return nb_sqlite_step_done(q, st, "sample insert", err);
}

static int nb_sqlite_sample_drop(nb_store *s, nb_sample_kind k, int oid, char **err)
{
    const struct nb_sample_table *t = &nb_sample_tables[k];
    nb_sqlite *q = s->priv;
    char sql[96];
    sqlite3_stmt *st;

    snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE %s = ?", t->table, t->id);
    if (!(st = nb_sqlite_prepare(q, sql, err)))
        return -1;
    sqlite3_bind_int(st, 1, oid);
    return nb_sqlite_step_done(q, st, "sample delete", err);
}

static int nb_sqlite_sample_expire(nb_store *s, nb_sample_kind k, long long before, int limit,
                                   int *n, char **err)
{
    const struct nb_sample_table *t = &nb_sample_tables[k];
    nb_sqlite *q = s->priv;
    char sql[192];
    sqlite3_stmt *st;

    /* The oldest first, through the time index. */
    snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE rowid IN (SELECT rowid FROM %s "
             "WHERE %s < ? ORDER BY %s LIMIT ?)", t->table, t->table, t->ts, t->ts);
    if (!(st = nb_sqlite_prepare(q, sql, err)))
        return -1;
    sqlite3_bind_int64(st, 1, before);
    sqlite3_bind_int(st, 2, limit);
    if (nb_sqlite_step_done(q, st, "sample expiry", err) < 0)
        return -1;
    *n = sqlite3_changes(q->db);
    return 0;
}

/* The reader's statement for kind k (rlock held). */
static sqlite3_stmt *nb_sqlite_reader(nb_sqlite *q, nb_sample_kind k, bool last, char **err)
{
    const struct nb_sample_table *t = &nb_sample_tables[k];
    char sql[192];

    if (q->rd[k][last])
        return q->rd[k][last];
    snprintf(sql, sizeof(sql), "SELECT %s, body FROM %s WHERE %s = ? AND %s >= ? ORDER BY %s%s",
             t->ts, t->table, t->id, t->ts, t->ts, last ? " DESC LIMIT 1" : "");
    if (sqlite3_prepare_v2(q->rdb, sql, -1, &q->rd[k][last], NULL) != SQLITE_OK) {
        *err = nb_asprintf("prepare: %s", sqlite3_errmsg(q->rdb));
        return NULL;
    }
    return q->rd[k][last];
}

typedef struct nb_sample_ctx {
    int oid;
    nb_store_sample_cb cb;
    void *ctx;
} nb_sample_ctx;

static int nb_sqlite_sample_row(sqlite3_stmt *st, void *ctx, char **err)
{
    const nb_sample_ctx *l = ctx;
    size_t len;
    const char *body = nb_sqlite_text(st, 1, &len);

    if (l->cb(l->ctx, l->oid, sqlite3_column_int64(st, 0), body, len) == 0)
        return 0;
    *err = nb_strdup("reading samples stopped");
    return -1;
}

static int nb_sqlite_sample_read(nb_store *s, nb_sample_kind k, const int *ids, size_t nids,
                                 long long since, bool last_only, nb_store_sample_cb cb,
                                 void *ctx, char **err)
{
    nb_sqlite *q = s->priv;
    nb_sample_ctx l = { -1, cb, ctx };
    sqlite3_stmt *st;
    int ret = -1;

    pthread_mutex_lock(&q->rlock);
    if (!(st = nb_sqlite_reader(q, k, last_only, err)))
        goto unlock;
    /* One read transaction: every id seen at the same commit. */
    if (sqlite3_exec(q->rdb, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        *err = nb_asprintf("begin: %s", sqlite3_errmsg(q->rdb));
        goto unlock;
    }
    ret = 0;
    for (size_t i = 0; i < nids && ret == 0; i++) {
        l.oid = ids[i];
        sqlite3_bind_int(st, 1, ids[i]);
        sqlite3_bind_int64(st, 2, since);
        ret = nb_sqlite_rows(st, nb_sqlite_sample_row, &l, err);
    }
    sqlite3_exec(q->rdb, "COMMIT", NULL, NULL, NULL);
 unlock:
    pthread_mutex_unlock(&q->rlock);
    return ret;
}

const nb_store_ops nb_store_sqlite_ops = {
    .name = "sqlite",
    .open = nb_sqlite_open,
    .close = nb_sqlite_close,
    .begin = nb_sqlite_begin,
    .commit = nb_sqlite_commit,
    .rollback = nb_sqlite_rollback,
    .exec = nb_sqlite_exec,
    .put = nb_sqlite_put,
    .del = nb_sqlite_del,
    .load = nb_sqlite_load,
    .showback_clear = nb_sqlite_showback_clear,
    .showback_put = nb_sqlite_showback_put,
    .showback_load = nb_sqlite_showback_load,
    .counter_get = nb_sqlite_counter_get,
    .counter_set = nb_sqlite_counter_set,
    .version_get = nb_sqlite_version_get,
    .version_set = nb_sqlite_version_set,
    .sample_add = nb_sqlite_sample_add,
    .sample_drop = nb_sqlite_sample_drop,
    .sample_expire = nb_sqlite_sample_expire,
    .sample_read = nb_sqlite_sample_read,
};
