/*
 * store.h: the durable store behind the in-memory pools.
 *
 * Objects are rows (oid, name, uid, gid, body) in one table per object kind,
 * the body being the object's XML document; pool id counters live in
 * pool_control.  The interface is deliberately narrow (begin/commit around
 * put/del, load a table, counters, migrations, monitoring samples) so that a
 * PostgreSQL back end is one more nb_store_ops table.  Reads of objects never
 * come here after start-up: the pools in memory answer them; only monitoring
 * history, which is not kept in memory, is read from the store.
 *
 * Every write happens inside nb_store_transact(), the only way to open a
 * transaction, which always ends it with a commit or a rollback.
 */
#ifndef NB_STORE_H
#define NB_STORE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct nb_store nb_store;

/* Called for every row of a table at load time; non-zero stops the load. */
typedef int (*nb_store_row_cb)(void *ctx, int oid, const char *body, size_t len);
/* Called for every showback row (VM, year, month 1..12) at load time. */
typedef int (*nb_store_showback_cb)(void *ctx, int vmid, int year, int month,
                                    const char *body, size_t len);

/* Monitoring samples live in tables of their own (one per kind), never in
 * the state tables: rows (id, timestamp, MONITORING document). */
typedef enum nb_sample_kind { NB_SAMPLE_HOST, NB_SAMPLE_VM } nb_sample_kind;
/* Called for every sample read; non-zero stops the read. */
typedef int (*nb_store_sample_cb)(void *ctx, int oid, long long ts, const char *body,
                                  size_t len);

typedef struct nb_store_ops {
    const char *name;                                   /* "sqlite" */
    int (*open)(nb_store *s, const char *conninfo, char **err);
    void (*close)(nb_store *s);
    int (*begin)(nb_store *s, char **err);
    int (*commit)(nb_store *s, char **err);
    void (*rollback)(nb_store *s);
    /* Run one SQL script (migrations); inside the current transaction. */
    int (*exec)(nb_store *s, const char *sql, char **err);
    int (*put)(nb_store *s, const char *table, int oid, const char *name,
               int uid, int gid, const char *body, size_t len, char **err);
    int (*del)(nb_store *s, const char *table, int oid, char **err);
    int (*load)(nb_store *s, const char *table, nb_store_row_cb cb, void *ctx, char **err);
    /* Showback rows (vmid, year, month, body): a recalculation clears the
     * months it covers (year * 12 + month - 1 in [first, last]) and puts
     * the new rows, in one transaction; load reads them all, in (year,
     * month, vmid) order. */
    int (*showback_clear)(nb_store *s, int first, int last, char **err);
    int (*showback_put)(nb_store *s, int vmid, int year, int month, const char *body,
                        size_t len, char **err);
    int (*showback_load)(nb_store *s, nb_store_showback_cb cb, void *ctx, char **err);
    /* Last id handed out by a pool (-1 when none). */
    int (*counter_get)(nb_store *s, const char *pool, int *last, char **err);
    int (*counter_set)(nb_store *s, const char *pool, int last, char **err);
    /* Schema version (0 for an empty database). */
    int (*version_get)(nb_store *s, int *version, char **err);
    int (*version_set)(nb_store *s, int version, const char *comment, char **err);

    /* Samples.  These three write inside the current transaction: add (a
     * second sample of oid at the same ts replaces the first), drop every
     * sample of oid, and expire at most `limit` samples older than `before`
     * (*n: how many went, so that the caller can go on in small batches). */
    int (*sample_add)(nb_store *s, nb_sample_kind k, int oid, long long ts, const char *body,
                      size_t len, char **err);
    int (*sample_drop)(nb_store *s, nb_sample_kind k, int oid, char **err);
    int (*sample_expire)(nb_store *s, nb_sample_kind k, long long before, int limit, int *n,
                         char **err);
    /* The samples of ids[0..nids) taken at `since` or later (each id's only
     * the newest with last_only), id by id in that order, oldest first.  One
     * consistent snapshot, read apart from the writer: any thread may call
     * it at any time, it neither waits for nor holds up a transaction. */
    int (*sample_read)(nb_store *s, nb_sample_kind k, const int *ids, size_t nids,
                       long long since, bool last_only, nb_store_sample_cb cb, void *ctx,
                       char **err);
} nb_store_ops;

struct nb_store {
    const nb_store_ops *ops;
    void *priv;
};

extern const nb_store_ops nb_store_sqlite_ops;

/* Back end by name ("sqlite"), NULL if unknown. */
const nb_store_ops *nb_store_backend(const char *name);

/* Open and bring the schema up to date (running pending migrations, each in
 * its own transaction).  *err is allocated on failure. */
int nb_store_open(nb_store *s, const nb_store_ops *ops, const char *conninfo, char **err);
void nb_store_close(nb_store *s);

/*
 * Run fn inside one transaction: commit if fn returns 0, roll back otherwise
 * (and when the commit itself fails).  Returns fn's result or -1.
 */
typedef int (*nb_store_txn_fn)(nb_store *s, void *ctx, char **err);
int nb_store_transact(nb_store *s, nb_store_txn_fn fn, void *ctx, char **err);

/* Migrations compiled from share/sql/NNN-*.sql (generated oned/schema.c). */
typedef struct nb_migration {
    int version;
    const char *name;
    const char *sql;
} nb_migration;
extern const nb_migration nb_migrations[];
extern const size_t nb_migrations_count;

#endif
