#include "acl/view.h"

#include <stdlib.h>

#include "lib/util.h"

/* A growable id set, sorted and deduplicated once complete. */
typedef struct nb_acl_ids {
    int *v;
    size_t n, cap;
} nb_acl_ids;

static void nb_acl_ids_add(nb_acl_ids *s, int id)
{
    nb_grow(&s->v, &s->cap, s->n + 1, sizeof(*s->v));
    s->v[s->n++] = id;
}

static int nb_acl_int_cmp(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void nb_acl_ids_finish(nb_acl_ids *s, int **v, size_t *n)
{
    size_t k = 0;
    if (s->n > 1)
        qsort(s->v, s->n, sizeof(*s->v), nb_acl_int_cmp);
    for (size_t i = 0; i < s->n; i++)
        if (k == 0 || s->v[k - 1] != s->v[i])
            s->v[k++] = s->v[i];
    *v = s->v;
    *n = k;
}

void nb_acl_view_build(nb_acl_view *v, const nb_subject *s, uint64_t type,
                       const nb_acl_rule *rules, size_t nrules, int zone)
{
    nb_acl_view_build_op(v, s, type, NB_OP_USE, rules, nrules, zone);
}

void nb_acl_view_build_op(nb_acl_view *v, const nb_subject *s, uint64_t type, enum nb_op op,
                          const nb_acl_rule *rules, size_t nrules, int zone)
{
    nb_acl_ids oids = { 0 }, gids = { 0 }, cids = { 0 };

    *v = (nb_acl_view){ .subj = s, .op = op, .everything = nb_subject_is_admin(s) };
    for (size_t w = 0; w < 2 + s->ngroups && !v->everything; w++) {
        size_t begin, end;
        nb_acl_subject_run(rules, nrules, s, w, &begin, &end);
        for (size_t i = begin; i < end && !v->everything; i++) {
            const nb_acl_rule *r = &rules[i];
            /* As stored in objects: the id compares as the int it was. */
            int id = (int)(uint32_t)(r->resource & NB_ACL_ID_MASK);
            if (!nb_acl_rule_grants(r, type, op, zone))
                continue;
            switch (r->resource & NB_ACL_SEL_MASK) {
            case NB_ACL_ALL: v->everything = true; break;
            case NB_ACL_INDIVIDUAL: nb_acl_ids_add(&oids, id); break;
            case NB_ACL_GROUP: nb_acl_ids_add(&gids, id); break;
            case NB_ACL_CLUSTER: nb_acl_ids_add(&cids, id); break;
            default: break;     /* malformed: several selectors, never matches */
            }
        }
    }
    if (v->everything) {
        free(oids.v);
        free(gids.v);
        free(cids.v);
        return;
    }
    nb_acl_ids_finish(&oids, &v->oids, &v->noids);
    nb_acl_ids_finish(&gids, &v->gids, &v->ngids);
    nb_acl_ids_finish(&cids, &v->cids, &v->ncids);
}

/* Binary search without data-dependent branches, as in rule.c. */
static bool nb_acl_has(const int *v, size_t n, int id)
{
    size_t lo = 0, len = n;
    while (len > 0) {
        size_t half = len / 2;
        bool before = v[lo + half] < id;
        lo = before ? lo + half + 1 : lo;
        len = before ? len - half - 1 : half;
    }
    return lo < n && v[lo] == id;
}

bool nb_acl_view_allows(const nb_acl_view *v, const nb_objref *o)
{
    if (v->everything || nb_acl_perms_grant(v->subj, o, v->op))
        return true;
    if (o->oid >= 0 && nb_acl_has(v->oids, v->noids, o->oid))
        return true;
    if (o->gid >= 0 && nb_acl_has(v->gids, v->ngids, o->gid))
        return true;
    for (size_t i = 0; i < o->ncids; i++)
        if (nb_acl_has(v->cids, v->ncids, o->cids[i]))
            return true;
    return false;
}

void nb_acl_view_free(nb_acl_view *v)
{
    free(v->oids);
    free(v->gids);
    free(v->cids);
    *v = (nb_acl_view){ 0 };
}
