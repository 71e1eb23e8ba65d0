/*
 * view.h: list filtering by reverse search (reference §5.4).  For a pool
 * listing, the rules that give the caller USE on the pool's type are
 * gathered once into a view; each object is then tested against it and its
 * own owner/group/other bits without walking the rules again.
 * Pure: no I/O.
 */
#ifndef NB_ACL_VIEW_H
#define NB_ACL_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include "acl/rule.h"

typedef struct nb_acl_view {
    const nb_subject *subj;
    enum nb_op op;          /* the operation the view answers for */
    bool everything;        /* admin, or a rule for op on all (*) of the type */
    int *oids;              /* TYPE/#id rules, sorted */
    size_t noids;
    int *gids;              /* TYPE/@gid rules, sorted */
    size_t ngids;
    int *cids;              /* TYPE/%cid rules, sorted */
    size_t ncids;
} nb_acl_view;

/* Gather what s may USE of `type` in `zone` from sorted rules.  The view
 * keeps the subject pointer: s must outlive it. */
void nb_acl_view_build(nb_acl_view *v, const nb_subject *s, uint64_t type,
                       const nb_acl_rule *rules, size_t nrules, int zone);
/* The same for another operation (the scheduler asks which hosts a VM's
 * owner may MANAGE). */
void nb_acl_view_build_op(nb_acl_view *v, const nb_subject *s, uint64_t type, enum nb_op op,
                          const nb_acl_rule *rules, size_t nrules, int zone);
/* May the view's subject do the view's op on o (locks ignored)?  Exactly
 * what nb_acl_authorize(s, o, op, true, ...) answers. */
bool nb_acl_view_allows(const nb_acl_view *v, const nb_objref *o);
void nb_acl_view_free(nb_acl_view *v);

#endif
