/*
 * listing.h: the pool listing every *pool.info shares: filter flag, id range
 * or page (reference §2.1), visibility through the gate, rendered straight
 * into the response in the configured order.
 */
#ifndef NB_LISTING_H
#define NB_LISTING_H

#include <stdbool.h>
#include "acl/view.h"
#include "oned/dispatch.h"

typedef struct nb_list_query {
    int filter;         /* -4 group, -3 mine, -2 all, -1 mine+group, >=0 uid */
    int start;          /* -1 or first id / page offset */
    int end;            /* -1, last id, or < -1: page size -end */
    bool extended;      /* full documents (vmpool.infoextended), not pool ones */
    /* Optional further condition (vmpool.info's state). */
    bool (*keep)(const nb_object *o, const void *ctx);
    const void *keep_ctx;
} nb_list_query;

/* Validate the query; on error sets "Incorrect filter_flag" and returns -1. */
int nb_list_check(nb_call *c, const nb_list_query *q);
/* Which objects of a kind a filter flag selects for the caller, visibility
 * included: what a listing keeps, for documents made of records about the
 * objects rather than of the objects (accounting, showback). */
typedef struct nb_list_scope {
    int filter;
    nb_acl_view view;
} nb_list_scope;

void nb_list_scope_init(nb_list_scope *s, const nb_call *c, const nb_kind *k, int filter);
bool nb_list_scope_match(const nb_list_scope *s, const nb_call *c, const nb_object *o);
void nb_list_scope_free(nb_list_scope *s);

/* Call fn on every visible matching object, in the listing's order (page
 * and id range applied). */
void nb_list_foreach(nb_call *c, const nb_pool *p, const nb_list_query *q,
                     void (*fn)(nb_call *c, const nb_object *o, void *ctx), void *ctx);
/* Render <POOL_ROOT> with every visible matching object. */
void nb_list_render(nb_call *c, const nb_pool *p, const nb_list_query *q);

#endif
