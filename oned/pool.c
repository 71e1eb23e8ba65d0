#include "oned/pool.h"

#include <stdlib.h>
#include <string.h>
#include "lib/util.h"

void nb_pool_init(nb_pool *p, const nb_kind *k)
{
    memset(p, 0, sizeof(*p));
    p->kind = k;
    p->last_oid = -1;
    nb_hash_init(&p->by_name);
}

void nb_pool_free(nb_pool *p)
{
    for (size_t i = 0; i < p->n; i++)
        nb_object_free(p->objs[i]);
    free(p->objs);
    nb_hash_free(&p->by_name);
    memset(p, 0, sizeof(*p));
}

size_t nb_pool_lower_bound(const nb_pool *p, int oid)
{
    size_t lo = 0, hi = p->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (p->objs[mid]->oid < oid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

nb_object *nb_pool_get(const nb_pool *p, int oid)
{
    size_t i = nb_pool_lower_bound(p, oid);
    return i < p->n && p->objs[i]->oid == oid ? p->objs[i] : NULL;
}

nb_object *nb_pool_get_by_name(const nb_pool *p, const char *name)
{
    if (p->kind->unique_names)
        return nb_hash_get(&p->by_name, name);
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->objs[i]->name, name) == 0)
            return p->objs[i];
    return NULL;
}

/* Drop o's name entry, unless another object of the same commit already
 * took that name over (two objects swapping names). */
static void nb_pool_unindex(nb_pool *p, const nb_object *o)
{
    if (p->kind->unique_names && nb_hash_get(&p->by_name, o->name) == o)
        nb_hash_del(&p->by_name, o->name);
}

nb_object *nb_pool_put(nb_pool *p, nb_object *o)
{
    size_t i = nb_pool_lower_bound(p, o->oid);
    nb_object *old = NULL;

    if (i < p->n && p->objs[i]->oid == o->oid) {
        old = p->objs[i];
        nb_pool_unindex(p, old);
        p->objs[i] = o;
    } else {
        nb_grow(&p->objs, &p->cap, p->n + 1, sizeof(*p->objs));
        memmove(p->objs + i + 1, p->objs + i, (p->n - i) * sizeof(*p->objs));
        p->objs[i] = o;
        p->n++;
    }
    if (p->kind->unique_names)
        nb_hash_put(&p->by_name, o->name, o);
    if (o->oid > p->last_oid)
        p->last_oid = o->oid;
    return old;
}

nb_object *nb_pool_remove(nb_pool *p, int oid)
{
    size_t i = nb_pool_lower_bound(p, oid);
    nb_object *o;
    if (i >= p->n || p->objs[i]->oid != oid)
        return NULL;
    o = p->objs[i];
    memmove(p->objs + i, p->objs + i + 1, (p->n - i - 1) * sizeof(*p->objs));
    p->n--;
    nb_pool_unindex(p, o);
    return o;
}
