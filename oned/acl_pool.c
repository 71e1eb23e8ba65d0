#include "oned/acl_pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "acl/rule_text.h"
#include "oned/model.h"

static void nb_acl_destroy(nb_object *o)
{
    nb_acl_obj *a = (nb_acl_obj *)o;
    for (size_t i = 0; i < a->nrefs; i++)
        free(a->refs[i]);
    free(a->refs);
}

static void nb_acl_hex(nb_buf *b, const char *name, uint64_t v)
{
    char hex[20];
    snprintf(hex, sizeof(hex), "%llx", (unsigned long long)v);
    nb_buf_elem_text(b, name, hex);
}

static void nb_acl_to_xml(const nb_object *o, nb_buf *b, enum nb_xml_mode mode, const nb_model *m)
{
    const nb_acl_obj *a = (const nb_acl_obj *)o;
    nb_buf_adds(b, "<ACL>");
    nb_buf_elem_int(b, "ID", o->oid);
    nb_acl_hex(b, "USER", a->rule.user);
    nb_acl_hex(b, "RESOURCE", a->rule.resource);
    nb_acl_hex(b, "RIGHTS", a->rule.rights);
    nb_acl_hex(b, "ZONE", a->rule.zone);
    if (mode == NB_XML_STORE) {
        nb_buf_adds(b, "<REFS>");
        for (size_t i = 0; i < a->nrefs; i++)
            nb_buf_elem_text(b, "REF", a->refs[i]);
        nb_buf_adds(b, "</REFS>");
    } else {
        char s[NB_ACL_STRING_MAX];
        nb_acl_rule_format(&a->rule, s, sizeof(s));
        nb_buf_elem_text(b, "STRING", s);
    }
    nb_buf_adds(b, "</ACL>");
}

static int nb_acl_read_hex(const xmlNode *root, const char *name, uint64_t *out)
{
    char *t = nb_xml_child_text(root, name);
    int ret = t ? nb_acl_hex_parse(t, out) : -1;
    xmlFree(t);
    return ret;
}

static void nb_acl_ref_add(nb_acl_obj *a, const char *source)
{
    size_t i = 0;
    while (i < a->nrefs && strcmp(a->refs[i], source) < 0)
        i++;
    a->refs = nb_realloc(a->refs, (a->nrefs + 1) * sizeof(*a->refs));
    memmove(a->refs + i + 1, a->refs + i, (a->nrefs - i) * sizeof(*a->refs));
    a->refs[i] = nb_strdup(source);
    a->nrefs++;
}

static bool nb_acl_has_ref(const nb_acl_obj *a, const char *source)
{
    for (size_t i = 0; i < a->nrefs; i++)
        if (strcmp(a->refs[i], source) == 0)
            return true;
    return false;
}

static bool nb_acl_ref_del(nb_acl_obj *a, const char *source)
{
    for (size_t i = 0; i < a->nrefs; i++)
        if (strcmp(a->refs[i], source) == 0) {
            free(a->refs[i]);
            memmove(a->refs + i, a->refs + i + 1, (a->nrefs - i - 1) * sizeof(*a->refs));
            a->nrefs--;
            return true;
        }
    return false;
}

static int nb_acl_from_xml(nb_object *o, const xmlNode *root, char **err)
{
    nb_acl_obj *a = (nb_acl_obj *)o;
    const xmlNode *refs;

    if (nb_xml_child_int(root, "ID", &o->oid) < 0 ||
        nb_acl_read_hex(root, "USER", &a->rule.user) < 0 ||
        nb_acl_read_hex(root, "RESOURCE", &a->rule.resource) < 0 ||
        nb_acl_read_hex(root, "RIGHTS", &a->rule.rights) < 0 ||
        nb_acl_read_hex(root, "ZONE", &a->rule.zone) < 0) {
        *err = nb_strdup("ACL document lacks ID, USER, RESOURCE, RIGHTS or ZONE");
        return -1;
    }
    a->rule.id = o->oid;
    o->name = nb_strdup("");
    if ((refs = nb_xml_child(root, "REFS")))
        for (const xmlNode *c = refs->children; c; c = c->next) {
            xmlChar *v;
            if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "REF") != 0)
                continue;
            v = xmlNodeGetContent(c);
            nb_acl_ref_add(a, v ? (const char *)v : "");
            xmlFree(v);
        }
    return 0;
}

/* The gate binary-searches m->acl: keep it in index order.  While the model
 * loads, rules are appended and sorted once at the end. */
static void nb_acl_replaced(nb_model *m, const nb_object *old, const nb_object *new)
{
    if (old) {
        const nb_acl_rule *r = &((const nb_acl_obj *)old)->rule;
        size_t i = nb_acl_lower_bound(m->acl, m->nacl, r);
        if (i < m->nacl && m->acl[i].id == r->id) {
            memmove(m->acl + i, m->acl + i + 1, (m->nacl - i - 1) * sizeof(*m->acl));
            m->nacl--;
        }
    }
    if (new) {
        const nb_acl_rule *r = &((const nb_acl_obj *)new)->rule;
        size_t i = m->loading ? m->nacl : nb_acl_lower_bound(m->acl, m->nacl, r);
        m->acl = nb_realloc(m->acl, (m->nacl + 1) * sizeof(*m->acl));
        memmove(m->acl + i + 1, m->acl + i, (m->nacl - i) * sizeof(*m->acl));
        m->acl[i] = *r;
        m->nacl++;
    }
}

static bool nb_acl_same(const nb_acl_rule *a, const nb_acl_rule *b)
{
    return a->user == b->user && a->resource == b->resource && a->rights == b->rights &&
           a->zone == b->zone;
}

typedef struct nb_acl_match {
    const nb_acl_rule *r;
    nb_object *found;
} nb_acl_match;

static int nb_acl_match_pending(nb_txn *t, nb_object *o, void *ctx)
{
    nb_acl_match *mt = ctx;
    if (!nb_acl_same(&((nb_acl_obj *)o)->rule, mt->r))
        return 0;
    mt->found = o;
    return 1;
}

nb_object *nb_acl_find(nb_txn *t, const nb_acl_rule *r)
{
    const nb_model *m = nb_txn_model(t);
    nb_acl_rule key = *r;
    nb_acl_match mt = { r, NULL };

    /* Published rules through the index (ids sort last, so search from the
     * lowest), then what this transaction changed. */
    key.id = -1;
    for (size_t i = nb_acl_lower_bound(m->acl, m->nacl, &key);
         i < m->nacl && nb_acl_same(&m->acl[i], r); i++) {
        nb_object *o = nb_txn_get(t, &nb_acl_kind, m->acl[i].id);
        if (o)
            return o;
    }
    nb_txn_foreach_pending(t, &nb_acl_kind, nb_acl_match_pending, &mt);
    return mt.found;
}

int nb_acl_insert(nb_txn *t, const nb_acl_rule *r, const char *source)
{
    nb_object *o = nb_object_new(&nb_acl_kind);
    nb_acl_obj *a = (nb_acl_obj *)o;

    o->oid = nb_txn_next_oid(t, &nb_acl_kind, 0);
    o->name = nb_strdup("");
    a->rule = *r;
    a->rule.id = o->oid;
    nb_acl_ref_add(a, source ? source : NB_ACL_SOURCE_STAFF);
    nb_txn_insert(t, o);
    return o->oid;
}

void nb_acl_grant(nb_txn *t, const nb_acl_rule *r, const char *source)
{
    nb_object *o = nb_acl_find(t, r);
    nb_acl_obj *a;

    if (!o) {
        nb_acl_insert(t, r, source);
        return;
    }
    a = (nb_acl_obj *)nb_txn_edit(t, o);
    /* A rule stored without sources predates reference counting: it is a
     * staff rule, and must stay one when a VDC starts needing it too. */
    if (a->nrefs == 0)
        nb_acl_ref_add(a, NB_ACL_SOURCE_STAFF);
    nb_acl_ref_add(a, source);
}

void nb_acl_revoke(nb_txn *t, const nb_acl_rule *r, const char *source)
{
    nb_object *o = nb_acl_find(t, r);
    nb_acl_obj *a;

    if (!o || !nb_acl_has_ref((const nb_acl_obj *)o, source))
        return;     /* staff deleted it already, or another source owns it */
    a = (nb_acl_obj *)nb_txn_edit(t, o);
    nb_acl_ref_del(a, source);
    if (a->nrefs == 0)
        nb_txn_delete(t, &a->o);
}

typedef struct nb_acl_purge_ctx {
    bool (*pred)(const nb_acl_rule *r, const void *ctx);
    const void *ctx;
} nb_acl_purge_ctx;

static int nb_acl_purge_one(nb_txn *t, nb_object *o, void *ctx)
{
    nb_acl_purge_ctx *pc = ctx;
    if (pc->pred(&((nb_acl_obj *)o)->rule, pc->ctx))
        nb_txn_delete(t, o);
    return 0;
}

void nb_acl_purge(nb_txn *t, bool (*pred)(const nb_acl_rule *r, const void *ctx),
                  const void *ctx)
{
    nb_acl_purge_ctx pc = { pred, ctx };
    nb_txn_foreach(t, &nb_acl_kind, nb_acl_purge_one, &pc);
}

const nb_kind nb_acl_kind = {
    .name = "acl",
    .what = "ACL",
    .table = "acl_pool",
    .root = "ACL",
    .pool_root = "ACL_POOL",
    .acl_type = NB_ACL_ACL,
    .size = sizeof(nb_acl_obj),
    .destroy = nb_acl_destroy,
    .to_xml = nb_acl_to_xml,
    .from_xml = nb_acl_from_xml,
    .replaced = nb_acl_replaced,
};
