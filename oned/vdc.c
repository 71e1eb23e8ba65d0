#include "oned/vdc.h"

#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "acl/rule.h"

/* How each resource type is written: <CLUSTERS><CLUSTER><ZONE_ID>z</ZONE_ID>
 * <CLUSTER_ID>i</CLUSTER_ID></CLUSTER>...</CLUSTERS>.  Enum order is
 * document order. */
static const struct nb_vdc_rdesc {
    const char *set;
    const char *elem;
    const char *id;
} nb_vdc_rdescs[NB_VDC_NRTYPES] = {
    [NB_VDC_CLUSTER] = { "CLUSTERS", "CLUSTER", "CLUSTER_ID" },
    [NB_VDC_HOST] = { "HOSTS", "HOST", "HOST_ID" },
    [NB_VDC_DATASTORE] = { "DATASTORES", "DATASTORE", "DATASTORE_ID" },
    [NB_VDC_VNET] = { "VNETS", "VNET", "VNET_ID" },
};

int nb_vdc_find(const nb_vdc *v, enum nb_vdc_rtype t, int zone, int id)
{
    for (size_t i = 0; i < v->nres[t]; i++)
        if (v->res[t][i].zone == zone && v->res[t][i].id == id)
            return (int)i;
    return -1;
}

/* A resource is in a VDC at most once, as in OpenNebula's resource sets. */
void nb_vdc_entry_add(nb_vdc *v, enum nb_vdc_rtype t, int zone, int id)
{
    size_t i = 0;

    if (nb_vdc_find(v, t, zone, id) >= 0)
        return;
    /* Sorted by (zone, id), as OpenNebula's ResourceSet lists them. */
    while (i < v->nres[t] && (v->res[t][i].zone < zone ||
                              (v->res[t][i].zone == zone && v->res[t][i].id < id)))
        i++;
    v->res[t] = nb_realloc(v->res[t], (v->nres[t] + 1) * sizeof(*v->res[t]));
    memmove(v->res[t] + i + 1, v->res[t] + i, (v->nres[t] - i) * sizeof(*v->res[t]));
    v->res[t][i] = (nb_vdc_entry){ zone, id };
    v->nres[t]++;
}

void nb_vdc_entry_del(nb_vdc *v, enum nb_vdc_rtype t, size_t i)
{
    memmove(v->res[t] + i, v->res[t] + i + 1, (v->nres[t] - i - 1) * sizeof(*v->res[t]));
    v->nres[t]--;
}

static void nb_vdc_destroy(nb_object *o)
{
    nb_vdc *v = nb_vdc_of(o);
    free(v->groups);
    for (int t = 0; t < NB_VDC_NRTYPES; t++)
        free(v->res[t]);
}

/* Nothing in a VDC is derived, so every mode writes the same document. */
static void nb_vdc_to_xml(const nb_object *o, nb_buf *b, enum nb_xml_mode mode, const nb_model *m)
{
    const nb_vdc *v = nb_vdc_cof(o);

    nb_buf_adds(b, "<VDC>");
    nb_buf_elem_int(b, "ID", o->oid);
    nb_buf_elem_text(b, "NAME", o->name);
    nb_xml_ids(b, "GROUPS", v->groups, v->ngroups);
    for (int t = 0; t < NB_VDC_NRTYPES; t++) {
        const struct nb_vdc_rdesc *d = &nb_vdc_rdescs[t];
        nb_buf_addf(b, "<%s>", d->set);
        for (size_t i = 0; i < v->nres[t]; i++) {
            nb_buf_addf(b, "<%s>", d->elem);
            nb_buf_elem_int(b, "ZONE_ID", v->res[t][i].zone);
            nb_buf_elem_int(b, d->id, v->res[t][i].id);
            nb_buf_addf(b, "</%s>", d->elem);
        }
        nb_buf_addf(b, "</%s>", d->set);
    }
    nb_tmpl_to_xml(&o->tmpl, b, "TEMPLATE");
    nb_buf_adds(b, "</VDC>");
}

static int nb_vdc_read_entries(nb_vdc *v, enum nb_vdc_rtype t, const xmlNode *root)
{
    const struct nb_vdc_rdesc *d = &nb_vdc_rdescs[t];
    const xmlNode *set = nb_xml_child(root, d->set);

    if (!set)
        return -1;
    for (const xmlNode *c = set->children; c; c = c->next) {
        int zone, id;
        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, d->elem) != 0)
            continue;
        if (nb_xml_child_int(c, "ZONE_ID", &zone) < 0 || nb_xml_child_int(c, d->id, &id) < 0)
            return -1;
        nb_vdc_entry_add(v, t, zone, id);
    }
    return 0;
}

static int nb_vdc_from_xml(nb_object *o, const xmlNode *root, char **err)
{
    nb_vdc *v = nb_vdc_of(o);

    if (nb_xml_read_common(o, root, err) < 0)
        return -1;
    if (nb_xml_read_ids(root, "GROUPS", &v->groups, &v->ngroups) < 0) {
        *err = nb_strdup("VDC document lacks a valid GROUPS");
        return -1;
    }
    for (int t = 0; t < NB_VDC_NRTYPES; t++)
        if (nb_vdc_read_entries(v, t, root) < 0) {
            *err = nb_asprintf("VDC document lacks a valid %s", nb_vdc_rdescs[t].set);
            return -1;
        }
    return 0;
}

const nb_kind nb_vdc_kind = {
    .name = "vdc",
    .what = "VDC",
    .table = "vdc_pool",
    .root = "VDC",
    .pool_root = "VDC_POOL",
    .acl_type = NB_ACL_VDC,
    .unique_names = true,
    .spaced_names = true,
    .size = sizeof(nb_vdc),
    .destroy = nb_vdc_destroy,
    .to_xml = nb_vdc_to_xml,
    .from_xml = nb_vdc_from_xml,
};

nb_object *nb_vdc_new(int oid, const char *name)
{
    nb_object *o = nb_object_new(&nb_vdc_kind);
    o->oid = oid;
    o->name = nb_strdup(name);
    return o;
}
