#define NB_LOG_MODULE "DBM"
#include "oned/txn.h"

#include <stdlib.h>
#include <string.h>
#include "lib/log.h"
#include "lib/util.h"

typedef struct nb_change {
    const nb_kind *kind;
    int oid;
    nb_object *obj;     /* new version, or NULL: delete */
} nb_change;

typedef struct nb_hook {
    void (*fn)(void *arg);
    void (*drop)(void *arg);
    void *arg;
} nb_hook;

/* A queued sample row (body at `off` in the transaction's sample buffer), or
 * with drop, the removal of every sample of oid. */
typedef struct nb_sample_op {
    nb_sample_kind kind;
    bool drop;
    int oid;
    long long ts;
    size_t off, len;
} nb_sample_op;

struct nb_txn {
    nb_model *m;
    nb_change *ch;
    size_t n;
    size_t cap;
    int last_oid[NB_POOL_COUNT];    /* -2: untouched */
    nb_hook *hooks;
    size_t nhooks;
    size_t hooks_cap;
    nb_sample_op *samples;
    size_t nsamples;
    size_t samples_cap;
    nb_buf sample_bodies;
};

nb_txn *nb_txn_begin(nb_model *m)
{
    nb_txn *t = nb_calloc(1, sizeof(*t));
    t->m = m;
    for (int i = 0; i < NB_POOL_COUNT; i++)
        t->last_oid[i] = -2;
    pthread_mutex_lock(&m->writer);
    return t;
}

nb_model *nb_txn_model(nb_txn *t)
{
    return t->m;
}

static nb_change *nb_txn_find(nb_txn *t, const nb_kind *k, int oid)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->ch[i].kind == k && t->ch[i].oid == oid)
            return &t->ch[i];
    return NULL;
}

nb_object *nb_txn_get(nb_txn *t, const nb_kind *k, int oid)
{
    nb_change *c = nb_txn_find(t, k, oid);
    if (c)
        return c->obj;
    return nb_pool_get(nb_model_pool(t->m, k), oid);
}

nb_object *nb_txn_get_by_name(nb_txn *t, const nb_kind *k, const char *name)
{
    nb_object *o;
    for (size_t i = 0; i < t->n; i++)
        if (t->ch[i].kind == k && t->ch[i].obj && strcmp(t->ch[i].obj->name, name) == 0)
            return t->ch[i].obj;
    o = nb_pool_get_by_name(nb_model_pool(t->m, k), name);
    /* A published object this transaction renamed or deleted no longer
     * answers to its old name. */
    if (o && nb_txn_find(t, k, o->oid))
        return NULL;
    return o;
}

typedef struct nb_owner_name {
    int uid;
    const char *name;
    nb_object *found;
} nb_owner_name;

static int nb_txn_owner_name_match(nb_txn *t, nb_object *o, void *ctx)
{
    nb_owner_name *q = ctx;

    if (o->uid != q->uid || strcmp(o->name, q->name) != 0)
        return 0;
    q->found = o;
    return 1;
}

nb_object *nb_txn_get_by_owner_name(nb_txn *t, const nb_kind *k, int uid, const char *name)
{
    nb_owner_name q = { uid, name, NULL };
    nb_txn_foreach(t, k, nb_txn_owner_name_match, &q);
    return q.found;
}

static void nb_txn_add(nb_txn *t, const nb_kind *k, int oid, nb_object *obj)
{
    nb_grow(&t->ch, &t->cap, t->n + 1, sizeof(*t->ch));
    t->ch[t->n].kind = k;
    t->ch[t->n].oid = oid;
    t->ch[t->n].obj = obj;
    t->n++;
}

nb_object *nb_txn_edit(nb_txn *t, const nb_object *o)
{
    nb_change *c = nb_txn_find(t, o->kind, o->oid);
    nb_object *copy;
    if (c && c->obj)
        return c->obj;
    copy = nb_object_clone(o);
    if (c)
        c->obj = copy;
    else
        nb_txn_add(t, o->kind, o->oid, copy);
    return copy;
}

int nb_txn_foreach(nb_txn *t, const nb_kind *k,
                   int (*fn)(nb_txn *t, nb_object *o, void *ctx), void *ctx)
{
    const nb_pool *p = nb_model_pool(t->m, k);
    int r;

    /* The published pool does not change before commit, so indexes stay
     * valid while fn adds changes; t->ch may move, so it is re-read. */
    for (size_t i = 0; i < p->n; i++) {
        nb_object *o = p->objs[i];
        nb_change *c = nb_txn_find(t, k, o->oid);
        if (c && !c->obj)
            continue;
        if ((r = fn(t, c ? c->obj : o, ctx)) != 0)
            return r;
    }
    for (size_t i = 0; i < t->n; i++) {
        if (t->ch[i].kind != k || !t->ch[i].obj || nb_pool_get(p, t->ch[i].oid))
            continue;
        if ((r = fn(t, t->ch[i].obj, ctx)) != 0)
            return r;
    }
    return 0;
}

int nb_txn_foreach_pending(nb_txn *t, const nb_kind *k,
                           int (*fn)(nb_txn *t, nb_object *o, void *ctx), void *ctx)
{
    int r;
    for (size_t i = 0; i < t->n; i++)
        if (t->ch[i].kind == k && t->ch[i].obj && (r = fn(t, t->ch[i].obj, ctx)) != 0)
            return r;
    return 0;
}

static int nb_txn_pool_index(nb_txn *t, const nb_kind *k)
{
    return (int)(nb_model_pool(t->m, k) - t->m->pools);
}

int nb_txn_next_oid(nb_txn *t, const nb_kind *k, int floor)
{
    int i = nb_txn_pool_index(t, k);
    int last = t->last_oid[i] == -2 ? t->m->pools[i].last_oid : t->last_oid[i];
    int next = last + 1 > floor ? last + 1 : floor;
    t->last_oid[i] = next;
    return next;
}

void nb_txn_insert(nb_txn *t, nb_object *o)
{
    nb_txn_add(t, o->kind, o->oid, o);
}

void nb_txn_delete(nb_txn *t, const nb_object *o)
{
    const nb_kind *k = o->kind;
    int oid = o->oid;
    nb_change *c = nb_txn_find(t, k, oid);
    if (c) {
        nb_object_free(c->obj);     /* may be o itself: use the saved ids */
        c->obj = NULL;
    } else {
        nb_txn_add(t, k, oid, NULL);
    }
}

static void nb_txn_sample_op(nb_txn *t, nb_sample_op op)
{
    nb_grow(&t->samples, &t->samples_cap, t->nsamples + 1, sizeof(*t->samples));
    t->samples[t->nsamples++] = op;
}

void nb_txn_sample(nb_txn *t, nb_sample_kind k, int oid, long long ts, const char *body,
                   size_t len)
{
    nb_sample_op op = { k, false, oid, ts, t->sample_bodies.len, len };
    nb_buf_add(&t->sample_bodies, body, len);
    nb_txn_sample_op(t, op);
}

void nb_txn_sample_drop(nb_txn *t, nb_sample_kind k, int oid)
{
    nb_txn_sample_op(t, (nb_sample_op){ k, true, oid, 0, 0, 0 });
}

int nb_txn_store_only(nb_model *m, nb_store_txn_fn fn, void *ctx, char **err)
{
    int r;
    pthread_mutex_lock(&m->writer);
    r = nb_store_transact(m->store, fn, ctx, err);
    pthread_mutex_unlock(&m->writer);
    return r;
}

bool nb_txn_dirty(const nb_txn *t)
{
    if (t->n || t->nsamples)
        return true;
    for (int i = 0; i < NB_POOL_COUNT; i++)
        if (t->last_oid[i] != -2)
            return true;
    return false;
}

static int nb_txn_write(nb_store *s, void *ctx, char **err)
{
    nb_txn *t = ctx;
    nb_buf body = NB_BUF_INIT;
    int ret = -1;

    for (size_t i = 0; i < t->n; i++) {
        nb_change *c = &t->ch[i];
        if (!c->obj) {
            if (s->ops->del(s, c->kind->table, c->oid, err) < 0)
                goto cleanup;
            continue;
        }
        nb_buf_reset(&body);
        c->kind->to_xml(c->obj, &body, NB_XML_STORE, t->m);
        if (s->ops->put(s, c->kind->table, c->oid, c->obj->name ? c->obj->name : "",
                        c->obj->uid, c->obj->gid, body.data, body.len, err) < 0)
            goto cleanup;
    }
    for (int i = 0; i < NB_POOL_COUNT; i++)
        if (t->last_oid[i] != -2 &&
            s->ops->counter_set(s, t->m->pools[i].kind->table, t->last_oid[i], err) < 0)
            goto cleanup;
    for (size_t i = 0; i < t->nsamples; i++) {
        const nb_sample_op *op = &t->samples[i];
        if (op->drop ? s->ops->sample_drop(s, op->kind, op->oid, err) < 0
                     : s->ops->sample_add(s, op->kind, op->oid, op->ts,
                                          t->sample_bodies.data + op->off, op->len, err) < 0)
            goto cleanup;
    }
    ret = 0;
 cleanup:
    nb_buf_free(&body);
    return ret;
}

void nb_txn_on_commit(nb_txn *t, void (*fn)(void *arg), void (*drop)(void *arg), void *arg)
{
    nb_grow(&t->hooks, &t->hooks_cap, t->nhooks + 1, sizeof(*t->hooks));
    t->hooks[t->nhooks++] = (nb_hook){ fn, drop, arg };
}

/* Release the writer, then run (committed) or drop the hooks: a hook may
 * start a transaction of its own. */
static void nb_txn_end(nb_txn *t, bool committed)
{
    pthread_mutex_unlock(&t->m->writer);
    for (size_t i = 0; i < t->nhooks; i++) {
        if (committed)
            t->hooks[i].fn(t->hooks[i].arg);
        else if (t->hooks[i].drop)
            t->hooks[i].drop(t->hooks[i].arg);
    }
    free(t->hooks);
    free(t->ch);
    free(t->samples);
    nb_buf_free(&t->sample_bodies);
    free(t);
}

int nb_txn_commit(nb_txn *t, char **err)
{
    nb_model *m = t->m;
    nb_object **old;
    bool renamed = false;

    if (!nb_txn_dirty(t)) {
        nb_txn_end(t, true);
        return 0;
    }
    if (nb_store_transact(m->store, nb_txn_write, t, err) < 0) {
        nb_log_error("store commit failed: %s", *err);
        nb_txn_abort(t);
        return -1;
    }

    /* Durable: now publish.  Readers are out only for these pointer swaps. */
    old = nb_calloc(t->n + 1, sizeof(*old));
    pthread_rwlock_wrlock(&m->lock);
    for (size_t i = 0; i < t->n; i++) {
        nb_change *c = &t->ch[i];
        nb_pool *p = nb_model_pool(m, c->kind);
        old[i] = c->obj ? nb_pool_put(p, c->obj) : nb_pool_remove(p, c->oid);
        if (c->kind->replaced && (old[i] || c->obj))
            c->kind->replaced(m, old[i], c->obj);
        if (c->kind->names_shown && old[i] &&
            (!c->obj || strcmp(old[i]->name, c->obj->name) != 0))
            renamed = true;
    }
    if (renamed)
        nb_model_forget(m);
    for (int i = 0; i < NB_POOL_COUNT; i++)
        if (t->last_oid[i] > m->pools[i].last_oid)
            m->pools[i].last_oid = t->last_oid[i];
    pthread_rwlock_unlock(&m->lock);

    for (size_t i = 0; i < t->n; i++)
        nb_object_free(old[i]);
    free(old);
    nb_txn_end(t, true);
    return 0;
}

void nb_txn_abort(nb_txn *t)
{
    for (size_t i = 0; i < t->n; i++)
        nb_object_free(t->ch[i].obj);
    nb_txn_end(t, false);
}
