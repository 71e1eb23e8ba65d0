/*
 * txn.h: the one way to change the model.
 *
 *   txn = nb_txn_begin(m)              takes the writer mutex
 *   u   = nb_txn_edit(txn, obj)        private copy to modify
 *   nb_txn_insert(txn, new_object)     with an id from nb_txn_next_oid()
 *   nb_txn_delete(txn, obj)
 *   nb_txn_commit(txn, &err)           store transaction, then swap into
 *                                      the pools; durable before it returns
 *
 * or nb_txn_abort(txn).  Both end the transaction and release the mutex.
 * Until commit nothing is visible to readers and nothing is in the store; a
 * failed store commit leaves the pools exactly as they were.
 */
#ifndef NB_TXN_H
#define NB_TXN_H

#include "oned/model.h"

typedef struct nb_txn nb_txn;

nb_txn *nb_txn_begin(nb_model *m);
nb_model *nb_txn_model(nb_txn *t);

/* The version of (kind, oid) this transaction sees: its own pending copy,
 * else the published object; NULL if absent or deleted in this txn. */
nb_object *nb_txn_get(nb_txn *t, const nb_kind *k, int oid);
nb_object *nb_txn_get_by_name(nb_txn *t, const nb_kind *k, const char *name);
/* The object of kind k owned by uid and called name, for kinds whose names
 * are unique per owner (a scan of the pool). */
nb_object *nb_txn_get_by_owner_name(nb_txn *t, const nb_kind *k, int uid, const char *name);

/*
 * Call fn on every object of kind k as this transaction sees it: published
 * objects in their pending version (deleted ones skipped), then the ones it
 * inserted.  fn may edit, delete and insert; objects it inserts of kind k may
 * or may not be visited.  Stops at the first non-zero return, which it
 * returns.
 */
int nb_txn_foreach(nb_txn *t, const nb_kind *k,
                   int (*fn)(nb_txn *t, nb_object *o, void *ctx), void *ctx);
/* The same over the objects of kind k this transaction inserted or edited
 * only: lookups use the published indexes, then this. */
int nb_txn_foreach_pending(nb_txn *t, const nb_kind *k,
                           int (*fn)(nb_txn *t, nb_object *o, void *ctx), void *ctx);

/* A modifiable copy of o, registered to replace it at commit.  Editing the
 * same object twice returns the same copy. */
nb_object *nb_txn_edit(nb_txn *t, const nb_object *o);

/* Next id of a pool (never reused; at least `floor`). */
int nb_txn_next_oid(nb_txn *t, const nb_kind *k, int floor);
/* Add a new object (ownership passes to the transaction). */
void nb_txn_insert(nb_txn *t, nb_object *o);
void nb_txn_delete(nb_txn *t, const nb_object *o);

/* Run fn(arg) once the transaction has committed, after every lock is
 * released (start the driver work a change asked for); on abort or a failed
 * commit, drop(arg) instead.  In commit order of registration. */
void nb_txn_on_commit(nb_txn *t, void (*fn)(void *arg), void (*drop)(void *arg), void *arg);

/* Monitoring samples written in the same store transaction as the changes
 * (a host report and what it did to its VMs commit together or not at all;
 * the rows are not objects and never reach the pools).  nb_txn_sample
 * copies body; nb_txn_sample_drop removes every sample of oid. */
void nb_txn_sample(nb_txn *t, nb_sample_kind k, int oid, long long ts, const char *body,
                   size_t len);
void nb_txn_sample_drop(nb_txn *t, nb_sample_kind k, int oid);

/* A store transaction that changes no object (sample expiry): fn runs as
 * nb_store_transact's, under the writer mutex like any transaction. */
int nb_txn_store_only(nb_model *m, nb_store_txn_fn fn, void *ctx, char **err);

/* True when the transaction has changes to commit. */
bool nb_txn_dirty(const nb_txn *t);

int nb_txn_commit(nb_txn *t, char **err);
void nb_txn_abort(nb_txn *t);

#endif
