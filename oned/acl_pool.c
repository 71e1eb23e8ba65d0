#include "oned/acl_pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "oned/model.h"

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
    nb_buf_adds(b, "</ACL>");
}

static int nb_acl_read_hex(const xmlNode *root, const char *name, uint64_t *out)
{
    char *t = nb_xml_child_text(root, name);
    char *end;
    int ret = -1;
    if (t && *t) {
        *out = strtoull(t, &end, 16);
        ret = *end ? -1 : 0;
    }
    xmlFree(t);
    return ret;
}

static int nb_acl_from_xml(nb_object *o, const xmlNode *root, char **err)
{
    nb_acl_obj *a = (nb_acl_obj *)o;
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
    return 0;
}

/* The gate walks a contiguous array of the rules, kept in id order. */
static void nb_acl_replaced(nb_model *m, const nb_object *old, const nb_object *new)
{
    int id = old ? old->oid : new->oid;
    size_t i = 0;
    while (i < m->nacl && m->acl[i].id < id)
        i++;
    if (old && i < m->nacl && m->acl[i].id == id) {
        memmove(m->acl + i, m->acl + i + 1, (m->nacl - i - 1) * sizeof(*m->acl));
        m->nacl--;
    }
    if (new) {
        m->acl = nb_realloc(m->acl, (m->nacl + 1) * sizeof(*m->acl));
        memmove(m->acl + i + 1, m->acl + i, (m->nacl - i) * sizeof(*m->acl));
        m->acl[i] = ((const nb_acl_obj *)new)->rule;
        m->nacl++;
    }
}

const nb_kind nb_acl_kind = {
    .name = "acl",
    .what = "ACL",
    .table = "acl_pool",
    .root = "ACL",
    .pool_root = "ACL_POOL",
    .acl_type = NB_ACL_ACL,
    .size = sizeof(nb_acl_obj),
    .to_xml = nb_acl_to_xml,
    .from_xml = nb_acl_from_xml,
    .replaced = nb_acl_replaced,
};
