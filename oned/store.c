#define NB_LOG_MODULE "DBM"
#include "oned/store.h"

#include <stdlib.h>
#include <string.h>
#include "lib/log.h"
#include "lib/util.h"

const nb_store_ops *nb_store_backend(const char *name)
{
    if (nb_strcaseeq(name, "sqlite"))
        return &nb_store_sqlite_ops;
    return NULL;
}

int nb_store_transact(nb_store *s, nb_store_txn_fn fn, void *ctx, char **err)
{
    int r;
    if (s->ops->begin(s, err) < 0)
        return -1;
    if ((r = fn(s, ctx, err)) != 0) {
        s->ops->rollback(s);
        return r;
    }
    if (s->ops->commit(s, err) < 0) {
        s->ops->rollback(s);
        return -1;
    }
    return 0;
}

static int nb_store_migrate_one(nb_store *s, void *ctx, char **err)
{
    const nb_migration *mg = ctx;
    if (s->ops->exec(s, mg->sql, err) < 0)
        return -1;
    return s->ops->version_set(s, mg->version, mg->name, err);
}

int nb_store_open(nb_store *s, const nb_store_ops *ops, const char *conninfo, char **err)
{
    int version;

    s->ops = ops;
    s->priv = NULL;
    if (ops->open(s, conninfo, err) < 0)
        return -1;
    if (ops->version_get(s, &version, err) < 0)
        goto error;
    if (nb_migrations_count && version > nb_migrations[nb_migrations_count - 1].version) {
        *err = nb_asprintf("database schema version %d is newer than this oned "
                           "understands (%d): refusing to touch it", version,
                           nb_migrations[nb_migrations_count - 1].version);
        goto error;
    }
    /* Each migration in its own transaction: a crash between two leaves a
     * consistent database at the earlier version. */
    for (size_t i = 0; i < nb_migrations_count; i++) {
        const nb_migration *mg = &nb_migrations[i];
        char *merr = NULL;
        if (mg->version <= version)
            continue;
        nb_log_info("Migrating database schema to version %d (%s)", mg->version, mg->name);
        if (nb_store_transact(s, nb_store_migrate_one, (void *)mg, &merr) < 0) {
            *err = nb_asprintf("schema migration %d (%s) failed: %s", mg->version,
                               mg->name, merr ? merr : "unknown error");
            free(merr);
            goto error;
        }
    }
    return 0;
 error:
    ops->close(s);
    return -1;
}

void nb_store_close(nb_store *s)
{
    if (s->ops)
        s->ops->close(s);
    s->ops = NULL;
}
