#include "oned/quota_ds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/tree.h>
#include "lib/util.h"
#include "oned/object.h"

static const char *const nb_dsq_names[NB_DSQ_COUNT] = {
    [NB_DSQ_IMAGES] = "IMAGES",
    [NB_DSQ_SIZE] = "SIZE",
};

static const nb_quota_shape nb_ds_shape = { nb_dsq_names, NB_DSQ_COUNT };

const char *nb_ds_quota_name(enum nb_dsq m)
{
    return nb_dsq_names[m];
}

void nb_ds_quota_free(nb_ds_quota *q)
{
    free(q->e);
    q->e = NULL;
    q->n = 0;
}

/* Index of ds_id's entry, or where it would go (*found false). */
static size_t nb_ds_slot(const nb_ds_quota *q, int ds_id, bool *found)
{
    size_t lo = 0, hi = q->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (q->e[mid].id < ds_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < q->n && q->e[lo].id == ds_id;
    return lo;
}

const nb_ds_quota_entry *nb_ds_quota_find(const nb_ds_quota *q, int ds_id)
{
    bool found;
    size_t i = q ? nb_ds_slot(q, ds_id, &found) : 0;
    return q && found ? &q->e[i] : NULL;
}

/* ds_id's entry, made (limits -1, nothing used) if it is not there. */
static nb_ds_quota_entry *nb_ds_entry(nb_ds_quota *q, int ds_id)
{
    bool found;
    size_t i = nb_ds_slot(q, ds_id, &found);

    if (!found) {
        q->e = nb_realloc(q->e, (q->n + 1) * sizeof(*q->e));
        memmove(&q->e[i + 1], &q->e[i], (q->n - i) * sizeof(*q->e));
        q->n++;
        q->e[i].id = ds_id;
        nb_quota_entry_init(&nb_ds_shape, q->e[i].limit, q->e[i].used);
    }
    return &q->e[i];
}

/* Drop the entries that say nothing: every limit -1 and nothing used. */
static void nb_ds_cleanup(nb_ds_quota *q)
{
    size_t kept = 0;
    for (size_t i = 0; i < q->n; i++) {
        bool empty = true;
        for (int m = 0; m < NB_DSQ_COUNT; m++)
            empty &= q->e[i].limit[m] == NB_QUOTA_DEFAULT && q->e[i].used[m] == 0;
        if (!empty)
            q->e[kept++] = q->e[i];
    }
    q->n = kept;
}

int nb_ds_quota_check(const nb_ds_quota *q, const nb_ds_quota *defaults, int ds_id,
                      const double delta[NB_DSQ_COUNT], enum nb_dsq *failed, double *limit)
{
    const nb_ds_quota_entry *e = nb_ds_quota_find(q, ds_id);
    const nb_ds_quota_entry *d = nb_ds_quota_find(defaults, ds_id);
    int m;

    if (nb_quota_entry_check(&nb_ds_shape, e ? e->limit : NULL, e ? e->used : NULL,
                             d ? d->limit : NULL, delta, &m, limit) == 0)
        return 0;
    *failed = (enum nb_dsq)m;
    return -1;
}

void nb_ds_quota_charge(nb_ds_quota *q, int ds_id, const double delta[NB_DSQ_COUNT], int sign)
{
    nb_quota_entry_charge(&nb_ds_shape, nb_ds_entry(q, ds_id)->used, delta, sign);
    nb_ds_cleanup(q);
}

#define NB_DSQ_FORM "DATASTORE = [ ID = 1, IMAGES = 3, SIZE = 1024 ]"

/* Apply one DATASTORE vector to q. */
static int nb_ds_set_one(nb_ds_quota *q, const nb_tattr *v, char **err)
{
    const char *id_text;
    int id;

    if (v->value) {
        *err = nb_strdup("DATASTORE quota must be a vector: " NB_DSQ_FORM);
        return -1;
    }
    id_text = nb_tattr_get(v, "ID");
    if (!id_text) {
        *err = nb_strdup("DATASTORE quota lacks the datastore's ID: " NB_DSQ_FORM);
        return -1;
    }
    if (nb_parse_int(id_text, &id) < 0 || id < 0) {
        *err = nb_asprintf("Invalid datastore ID \"%s\" in DATASTORE quota: use the ID of a "
                           "datastore (a number >= 0).", id_text);
        return -1;
    }
    return nb_quota_entry_set(&nb_ds_shape, nb_ds_entry(q, id)->limit, v, err);
}

int nb_ds_quota_set(nb_ds_quota *q, const nb_tmpl *t, char **err)
{
    nb_ds_quota next = { NULL, q->n };
    int ret = -1;

    /* Work on a copy so that a bad vector changes nothing. */
    if (q->n) {
        next.e = nb_malloc(q->n * sizeof(*q->e));
        memcpy(next.e, q->e, q->n * sizeof(*q->e));
    }
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->attrs[i].name, "DATASTORE") == 0 &&
            nb_ds_set_one(&next, &t->attrs[i], err) < 0)
            goto cleanup;
    nb_ds_cleanup(&next);
    nb_ds_quota_free(q);
    *q = next;
    next.e = NULL;
    ret = 0;
 cleanup:
    free(next.e);
    return ret;
}

void nb_ds_quota_to_xml(const nb_ds_quota *q, nb_buf *b)
{
    nb_buf_adds(b, "<DATASTORE_QUOTA>");
    for (size_t i = 0; i < q->n; i++) {
        char id[16];
        snprintf(id, sizeof(id), "%d", q->e[i].id);
        /* Members in OpenNebula's (alphabetical) order: ID first. */
        nb_buf_adds(b, "<DATASTORE>");
        nb_buf_elem_cdata(b, "ID", id);
        nb_quota_entry_to_xml(&nb_ds_shape, q->e[i].limit, q->e[i].used, b);
        nb_buf_adds(b, "</DATASTORE>");
    }
    nb_buf_adds(b, "</DATASTORE_QUOTA>");
}

int nb_ds_quota_from_xml(nb_ds_quota *q, const xmlNode *parent, char **err)
{
    const xmlNode *block = nb_xml_child(parent, "DATASTORE_QUOTA");

    for (const xmlNode *c = block ? block->children : NULL; c; c = c->next) {
        nb_ds_quota_entry *e;
        int id;

        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "DATASTORE") != 0)
            continue;
        if (nb_xml_child_int(c, "ID", &id) < 0 || id < 0) {
            *err = nb_strdup("DATASTORE_QUOTA lacks a valid ID");
            return -1;
        }
        e = nb_ds_entry(q, id);
        if (nb_quota_entry_from_xml(&nb_ds_shape, c, "DATASTORE_QUOTA", e->limit, e->used,
                                    err) < 0)
            return -1;
    }
    return 0;
}
