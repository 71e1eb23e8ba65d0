#include "oned/listing.h"

#include "acl/view.h"
#include "oned/gate.h"

int nb_list_check(nb_call *c, const nb_list_query *q)
{
    if (q->filter < -4)
        return nb_fail(c, NB_E_RPC_API, -1, "Incorrect filter_flag, must be >= -4.");
    return 0;
}

void nb_list_scope_init(nb_list_scope *s, const nb_call *c, const nb_kind *k, int filter)
{
    s->filter = filter;
    nb_acl_view_build(&s->view, &c->subj, k->acl_type, c->model->acl, c->model->nacl,
                      c->model->zone_id);
}

/* Does o match the filter part for this caller?  Visibility comes from the
 * view: the gate's USE answer with the rules gathered once per listing. */
bool nb_list_scope_match(const nb_list_scope *s, const nb_call *c, const nb_object *o)
{
    const nb_acl_view *v = &s->view;
    nb_objref ref = nb_object_ref(o);

    switch (s->filter) {
    case -4:
        return o->gid == c->subj.gid && nb_acl_view_allows(v, &ref);
    case -3:
        return o->uid == c->uid;
    case -2:
        return nb_acl_view_allows(v, &ref);
    case -1:
        return o->uid == c->uid ||
               (nb_subject_in_group(&c->subj, o->gid) && nb_acl_view_allows(v, &ref));
    default:
        return o->uid == s->filter && (s->filter == c->uid || nb_acl_view_allows(v, &ref));
    }
}

void nb_list_scope_free(nb_list_scope *s)
{
    nb_acl_view_free(&s->view);
}

void nb_list_foreach(nb_call *c, const nb_pool *p, const nb_list_query *q,
                     void (*fn)(nb_call *c, const nb_object *o, void *ctx), void *ctx)
{
    bool desc = c->model->cfg->list_desc;
    bool paged = q->end < -1;
    long long skip = paged && q->start > 0 ? q->start : 0;
    long long left = paged ? -(long long)q->end : -1;
    int lo = !paged && q->start >= 0 ? q->start : -1;
    int hi = !paged && q->end >= 0 ? q->end : -1;
    size_t first = lo >= 0 ? nb_pool_lower_bound(p, lo) : 0;
    nb_list_scope scope;

    nb_list_scope_init(&scope, c, p->kind, q->filter);
    for (size_t n = first; n < p->n && left != 0; n++) {
        /* Walk [first, p->n) forwards or backwards without a second loop. */
        const nb_object *o = p->objs[desc ? p->n - 1 - (n - first) : n];
        if (o->oid < lo || (hi >= 0 && o->oid > hi) || !nb_list_scope_match(&scope, c, o) ||
            (q->keep && !q->keep(o, q->keep_ctx)))
            continue;
        if (skip > 0) {
            skip--;
            continue;
        }
        fn(c, o, ctx);
        if (left > 0)
            left--;
    }
    nb_list_scope_free(&scope);
}

static void nb_list_render_one(nb_call *c, const nb_object *o, void *ctx)
{
    const nb_list_query *q = ctx;
    o->kind->to_xml(o, c->out, q->extended ? NB_XML_INFO : NB_XML_POOL, c->model);
}

void nb_list_render(nb_call *c, const nb_pool *p, const nb_list_query *q)
{
    const nb_kind *k = p->kind;
    nb_buf *b = nb_reply_doc(c);

    nb_buf_addc(b, '<');
    nb_buf_adds(b, k->pool_root);
    nb_buf_addc(b, '>');
    nb_list_foreach(c, p, q, nb_list_render_one, (void *)q);
    if (k->pool_tail)
        k->pool_tail(b, c->model);
    nb_buf_adds(b, "</");
    nb_buf_adds(b, k->pool_root);
    nb_buf_addc(b, '>');
}
