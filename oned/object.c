#include "oned/object.h"

#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include "lib/util.h"

nb_object *nb_object_new(const nb_kind *k)
{
    nb_object *o = nb_calloc(1, k->size);
    o->kind = k;
    o->oid = o->uid = o->gid = o->lock_owner = -1;
    nb_tmpl_init(&o->tmpl);
    return o;
}

void nb_object_free(nb_object *o)
{
    if (!o)
        return;
    if (o->kind->destroy)
        o->kind->destroy(o);
    free(o->name);
    nb_tmpl_free(&o->tmpl);
    free(o);
}

nb_object *nb_object_load(const nb_kind *k, const char *body, size_t len, char **err)
{
    nb_object *o = NULL;
    xmlDoc *doc = xmlReadMemory(body, (int)len, NULL, "UTF-8",
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlNode *root;

    if (!doc || !(root = xmlDocGetRootElement(doc)) ||
        strcmp((const char *)root->name, k->root) != 0) {
        *err = nb_asprintf("stored %s document is not well-formed", k->name);
        goto cleanup;
    }
    o = nb_object_new(k);
    if (k->from_xml(o, root, err) < 0) {
        nb_object_free(o);
        o = NULL;
    }
 cleanup:
    xmlFreeDoc(doc);
    return o;
}

nb_object *nb_object_clone(const nb_object *o)
{
    nb_buf b = NB_BUF_INIT;
    char *err = NULL;
    nb_object *c;

    o->kind->to_xml(o, &b, NB_XML_STORE, NULL);
    c = nb_object_load(o->kind, b.data, b.len, &err);
    if (!c)
        abort();    /* our own store document must load: a bug, not input */
    nb_buf_free(&b);
    return c;
}

nb_objref nb_object_ref(const nb_object *o)
{
    nb_objref r = {
        .type = o->kind->acl_type,
        .oid = o->oid,
        .uid = o->uid,
        .gid = o->gid,
        .perms = o->perms,
        .cids = NULL,
        .ncids = 0,
        .lock = o->lock,
    };
    if (o->kind->clusters)
        r.cids = o->kind->clusters(o, &r.ncids);
    return r;
}

/* PERMISSIONS members, most significant bit first (0400 is OWNER_U). */
static const char *const nb_perm_names[9] = {
    "OWNER_U", "OWNER_M", "OWNER_A", "GROUP_U", "GROUP_M", "GROUP_A",
    "OTHER_U", "OTHER_M", "OTHER_A",
};

void nb_xml_permissions(nb_buf *b, nb_perms p)
{
    nb_buf_adds(b, "<PERMISSIONS>");
    for (int i = 0; i < 9; i++)
        nb_buf_elem_int(b, nb_perm_names[i], (p >> (8 - i)) & 1);
    nb_buf_adds(b, "</PERMISSIONS>");
}

int nb_xml_read_permissions(const xmlNode *node, nb_perms *out)
{
    const xmlNode *set = nb_xml_child(node, "PERMISSIONS");
    nb_perms p = 0;

    if (!set)
        return -1;
    for (int i = 0; i < 9; i++) {
        int bit;
        if (nb_xml_child_int(set, nb_perm_names[i], &bit) < 0 || (bit != 0 && bit != 1))
            return -1;
        p |= (nb_perms)bit << (8 - i);
    }
    *out = p;
    return 0;
}

void nb_xml_ids(nb_buf *b, const char *name, const int *ids, size_t n)
{
    nb_buf_addc(b, '<');
    nb_buf_adds(b, name);
    nb_buf_addc(b, '>');
    for (size_t i = 0; i < n; i++)
        nb_buf_elem_int(b, "ID", ids[i]);
    nb_buf_adds(b, "</");
    nb_buf_adds(b, name);
    nb_buf_addc(b, '>');
}

/* REQ_ID names the request that took the lock in OpenNebula's audit; there
 * is no such log to point into here. */
void nb_xml_lock(nb_buf *b, const nb_object *o)
{
    if (!o->lock)
        return;
    nb_buf_adds(b, "<LOCK>");
    nb_buf_elem_int(b, "LOCKED", o->lock);
    nb_buf_elem_int(b, "OWNER", o->lock_owner);
    nb_buf_elem_int(b, "TIME", o->lock_time);
    nb_buf_elem_int(b, "REQ_ID", -1);
    nb_buf_adds(b, "</LOCK>");
}

int nb_xml_read_lock(nb_object *o, const xmlNode *node)
{
    const xmlNode *lock = nb_xml_child(node, "LOCK");
    int level, owner;
    long long t;

    if (!lock)
        return 0;
    if (nb_xml_child_int(lock, "LOCKED", &level) < 0 || level < 1 || level > 3 ||
        nb_xml_child_int(lock, "OWNER", &owner) < 0 || nb_xml_child_ll(lock, "TIME", &t) < 0)
        return -1;
    o->lock = level;
    o->lock_owner = owner;
    o->lock_time = t;
    return 0;
}

const xmlNode *nb_xml_child(const xmlNode *node, const char *name)
{
    for (const xmlNode *c = node->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
            return c;
    return NULL;
}

char *nb_xml_child_text(const xmlNode *node, const char *name)
{
    const xmlNode *c = nb_xml_child(node, name);
    return c ? (char *)xmlNodeGetContent(c) : NULL;
}

char *nb_xml_child_strdup(const xmlNode *node, const char *name)
{
    char *t = nb_xml_child_text(node, name);
    char *copy = t ? nb_strdup(t) : NULL;
    xmlFree(t);
    return copy;
}

int nb_xml_child_ll(const xmlNode *node, const char *name, long long *out)
{
    char *t = nb_xml_child_text(node, name);
    int ret = t ? nb_parse_ll(t, out) : -1;
    xmlFree(t);
    return ret;
}

int nb_xml_child_int(const xmlNode *node, const char *name, int *out)
{
    char *t = nb_xml_child_text(node, name);
    int ret = t ? nb_parse_int(t, out) : -1;
    xmlFree(t);
    return ret;
}

int nb_xml_read_common(nb_object *o, const xmlNode *root, char **err)
{
    char *name = nb_xml_child_text(root, "NAME");
    const xmlNode *tmpl = nb_xml_child(root, "TEMPLATE");
    int ret = -1;

    if (nb_xml_child_int(root, "ID", &o->oid) < 0 || !name) {
        *err = nb_asprintf("%s document lacks ID or NAME", o->kind->root);
        goto cleanup;
    }
    o->name = nb_strdup(name);
    if (tmpl && nb_tmpl_from_xml(&o->tmpl, tmpl, err) < 0)
        goto cleanup;
    ret = 0;
 cleanup:
    xmlFree(name);
    return ret;
}

const char *nb_xml_read_owned(nb_object *o, const xmlNode *root)
{
    return nb_xml_child_int(root, "UID", &o->uid) < 0 ? "UID" :
           nb_xml_child_int(root, "GID", &o->gid) < 0 ? "GID" :
           nb_xml_read_permissions(root, &o->perms) < 0 ? "PERMISSIONS" : NULL;
}

int nb_xml_read_ids(const xmlNode *node, const char *name, int **ids, size_t *n)
{
    const xmlNode *set = nb_xml_child(node, name);
    *ids = NULL;
    *n = 0;
    if (!set)
        return -1;
    for (const xmlNode *c = set->children; c; c = c->next) {
        char *t;
        int id;
        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "ID") != 0)
            continue;
        t = (char *)xmlNodeGetContent(c);
        if (nb_parse_int(t, &id) < 0) {
            xmlFree(t);
            return -1;
        }
        xmlFree(t);
        nb_ids_add(ids, n, id);
    }
    return 0;
}

static size_t nb_ids_pos(const int *ids, size_t n, int id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool nb_ids_has(const int *ids, size_t n, int id)
{
    size_t i = nb_ids_pos(ids, n, id);
    return i < n && ids[i] == id;
}

void nb_ids_add(int **ids, size_t *n, int id)
{
    size_t i = nb_ids_pos(*ids, *n, id);
    if (i < *n && (*ids)[i] == id)
        return;
    *ids = nb_realloc(*ids, (*n + 1) * sizeof(int));
    memmove(*ids + i + 1, *ids + i, (*n - i) * sizeof(int));
    (*ids)[i] = id;
    (*n)++;
}

bool nb_ids_del(int **ids, size_t *n, int id)
{
    size_t i = nb_ids_pos(*ids, *n, id);
    if (i >= *n || (*ids)[i] != id)
        return false;
    memmove(*ids + i, *ids + i + 1, (*n - i - 1) * sizeof(int));
    (*n)--;
    return true;
}

const char *nb_name_invalid(const char *name, bool allow_spaces)
{
    size_t len = strlen(name);
    if (len == 0)
        return "Invalid NAME, it cannot be empty";
    if (len > 128)
        return "Invalid NAME, max length is 128 chars";
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return "Invalid NAME, it cannot contain control characters";
        if (*p == ' ' && !allow_spaces)
            return "Invalid NAME, it cannot contain spaces";
        if (strchr("&|:\\\";/'#{}$<>", *p))
            return "Invalid NAME, char '&|:\\\";/'#{}$<>' are not allowed";
    }
    return NULL;
}
