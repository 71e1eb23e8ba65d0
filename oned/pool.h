/*
 * pool.h: the in-memory set of objects of one kind, ordered by id, with a
 * name index for kinds whose names are unique.  Mutated only by a committing
 * transaction under the model's write lock.
 */
#ifndef NB_POOL_H
#define NB_POOL_H

#include <stddef.h>
#include "lib/hash.h"
#include "oned/object.h"

typedef struct nb_pool {
    const nb_kind *kind;
    nb_object **objs;       /* sorted by oid */
    size_t n;
    size_t cap;
    nb_hash by_name;        /* only when kind->unique_names */
    int last_oid;           /* last id handed out (persisted in pool_control) */
} nb_pool;

void nb_pool_init(nb_pool *p, const nb_kind *k);
void nb_pool_free(nb_pool *p);          /* frees the objects too */
nb_object *nb_pool_get(const nb_pool *p, int oid);
nb_object *nb_pool_get_by_name(const nb_pool *p, const char *name);
/* Insert o, replacing (and returning) an object with the same oid. */
nb_object *nb_pool_put(nb_pool *p, nb_object *o);
/* Remove and return the object with that oid, or NULL. */
nb_object *nb_pool_remove(nb_pool *p, int oid);
/* Index of the first object with oid >= oid (for id ranges). */
size_t nb_pool_lower_bound(const nb_pool *p, int oid);

#endif
