#include "lib/hash.h"

#include <stdlib.h>
#include <string.h>
#include "lib/util.h"

/* Marks a deleted slot so probe chains stay intact. */
static const char nb_hash_tomb_key[1];
#define TOMB (nb_hash_tomb_key)

static uint32_t nb_hash_str(const char *s)
{
    /* FNV-1a: short keys (object names), good spread, no state. */
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

void nb_hash_init(nb_hash *h)
{
    memset(h, 0, sizeof(*h));
}

void nb_hash_free(nb_hash *h)
{
    free(h->slots);
    nb_hash_init(h);
}

static nb_hash_slot *nb_hash_find(const nb_hash *h, const char *key, uint32_t hv)
{
    size_t mask = h->cap - 1;
    for (size_t i = hv & mask; ; i = (i + 1) & mask) {
        nb_hash_slot *s = &h->slots[i];
        if (!s->key)
            return NULL;
        if (s->key != TOMB && s->h == hv && strcmp(s->key, key) == 0)
            return s;
    }
}

void *nb_hash_get(const nb_hash *h, const char *key)
{
    if (!h->used)
        return NULL;
    nb_hash_slot *s = nb_hash_find(h, key, nb_hash_str(key));
    return s ? s->value : NULL;
}

static void nb_hash_rehash(nb_hash *h, size_t cap)
{
    nb_hash_slot *old = h->slots;
    size_t oldcap = h->cap;
    h->slots = nb_calloc(cap, sizeof(*h->slots));
    h->cap = cap;
    h->used = h->filled = 0;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].key && old[i].key != TOMB)
            nb_hash_put(h, old[i].key, old[i].value);
    free(old);
}

void nb_hash_put(nb_hash *h, const char *key, void *value)
{
    uint32_t hv = nb_hash_str(key);
    if ((h->filled + 1) * 4 >= h->cap * 3)
        nb_hash_rehash(h, h->cap ? (h->used * 4 >= h->cap * 2 ? h->cap * 2 : h->cap) : 16);
    nb_hash_slot *s = h->used ? nb_hash_find(h, key, hv) : NULL;
    if (s) {
        s->key = key;
        s->value = value;
        return;
    }
    size_t mask = h->cap - 1;
    for (size_t i = hv & mask; ; i = (i + 1) & mask) {
        s = &h->slots[i];
        if (!s->key || s->key == TOMB) {
            if (!s->key)
                h->filled++;
            s->key = key;
            s->value = value;
            s->h = hv;
            h->used++;
            return;
        }
    }
}

void *nb_hash_del(nb_hash *h, const char *key)
{
    if (!h->used)
        return NULL;
    nb_hash_slot *s = nb_hash_find(h, key, nb_hash_str(key));
    if (!s)
        return NULL;
    void *v = s->value;
    s->key = TOMB;
    s->value = NULL;
    h->used--;
    return v;
}
