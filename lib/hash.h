/*
 * hash.h: string-keyed hash table (open addressing, linear probing) mapping to
 * pointers.  Keys are not copied: the caller keeps each key alive while it is
 * in the table (pools key objects by their own name field).
 */
#ifndef NB_HASH_H
#define NB_HASH_H

#include <stddef.h>
#include <stdint.h>

typedef struct nb_hash_slot {
    const char *key;    /* NULL: empty; NB_HASH_TOMB: deleted */
    void *value;
    uint32_t h;
} nb_hash_slot;

typedef struct nb_hash {
    nb_hash_slot *slots;
    size_t cap;         /* power of two */
    size_t used;        /* live entries */
    size_t filled;      /* live + tombstones */
} nb_hash;

void nb_hash_init(nb_hash *h);
void nb_hash_free(nb_hash *h);
void *nb_hash_get(const nb_hash *h, const char *key);
/* Insert or replace. */
void nb_hash_put(nb_hash *h, const char *key, void *value);
/* Remove; returns the old value or NULL. */
void *nb_hash_del(nb_hash *h, const char *key);

#endif
