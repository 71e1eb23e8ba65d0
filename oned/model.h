/*
 * model.h: everything oned knows, in memory: one pool per object kind plus
 * the ACL rule set, and the two locks that order access to it.
 *
 *  - `lock` (rwlock, writer-preferring): readers hold it for reading while
 *    they look at objects; a committing transaction holds it for writing
 *    only while it swaps objects in, after the store has committed.
 *  - `writer` (mutex): at most one transaction at a time (see txn.h).  The
 *    writer reads pools without `lock`: nobody else can change them.
 */
#ifndef NB_MODEL_H
#define NB_MODEL_H

#include <pthread.h>
#include <stdbool.h>
#include "acl/rule.h"
#include "oned/config.h"
#include "oned/pool.h"
#include "oned/store.h"

/* The kinds oned keeps pools for, in load order. */
enum nb_pool_id {
    NB_POOL_USER,
    NB_POOL_GROUP,
    NB_POOL_ZONE,
    NB_POOL_CLUSTER,
    NB_POOL_HOST,
    NB_POOL_DATASTORE,
    NB_POOL_TEMPLATE,
    NB_POOL_IMAGE,
    NB_POOL_VM,
    NB_POOL_QUOTA_DEFAULTS,
    NB_POOL_VDC,
    NB_POOL_ACL,
    NB_POOL_COUNT
};

struct nb_model {
    pthread_rwlock_t lock;
    pthread_mutex_t writer;
    nb_store *store;
    const nb_config *cfg;
    const char *var_dir;        /* oned's state directory: new datastores, import staging */
    nb_pool pools[NB_POOL_COUNT];
    /* Contiguous copy of the ACL pool in index order (nb_acl_sort) for the
     * gate; kept in step by the ACL kind's `replaced` hook. */
    nb_acl_rule *acl;
    size_t nacl;
    bool loading;           /* nb_model_open: hooks may defer index upkeep */
    /* Group membership, derived from the users' GROUPS: sorted by gid. */
    struct nb_members *members;
    size_t nmembers;
    int zone_id;            /* this zone (0) */
    struct nb_engine *engine;   /* runs driver steps; NULL when none (unit tests) */
    struct nb_showback_set *showback;   /* showback records (acct.h) */
};

/* Load every pool from the store. */
int nb_model_open(nb_model *m, nb_store *s, const nb_config *cfg, char **err);
void nb_model_close(nb_model *m);

nb_pool *nb_model_pool(nb_model *m, const nb_kind *k);
/* A user or group was renamed or deleted: every object drops what it keeps
 * rendered (nb_kind.forget).  Under the write lock. */
void nb_model_forget(nb_model *m);
const nb_pool *nb_model_cpool(const nb_model *m, const nb_kind *k);

/* Names for documents (UNAME/GNAME); "" when unknown. */
const char *nb_model_user_name(const nb_model *m, int uid);
const char *nb_model_group_name(const nb_model *m, int gid);

/* ID, UID, GID, UNAME, GNAME, NAME: how every owned object's document
 * starts.  The names are resolved, never stored (they follow renames of the
 * owner), so NB_XML_STORE leaves them out and m may be NULL there. */
void nb_model_xml_owned(nb_buf *b, const nb_object *o, enum nb_xml_mode mode, const nb_model *m);

/* Users in group gid (sorted ids); NULL with *n = 0 when none. */
const int *nb_model_group_members(const nb_model *m, int gid, size_t *n);
/* Index maintenance, for the user kind's `replaced` hook. */
void nb_model_member_add(nb_model *m, int gid, int uid);
void nb_model_member_del(nb_model *m, int gid, int uid);

void nb_model_rdlock(nb_model *m);
void nb_model_unlock(nb_model *m);

#endif
