#include "oned/cluster.h"

#include <stdlib.h>
#include "lib/util.h"
#include "acl/rule.h"

static void nb_cluster_destroy(nb_object *o)
{
    nb_cluster *c = nb_cluster_of(o);
    free(c->hosts);
    free(c->datastores);
    free(c->vnets);
}

/* Nothing in a cluster is derived, so every mode writes the same document. */
static void nb_cluster_to_xml(const nb_object *o, nb_buf *b, enum nb_xml_mode mode,
                              const nb_model *m)
{
    const nb_cluster *c = nb_cluster_cof(o);

    nb_buf_adds(b, "<CLUSTER>");
    nb_buf_elem_int(b, "ID", o->oid);
    nb_buf_elem_text(b, "NAME", o->name);
    nb_xml_ids(b, "HOSTS", c->hosts, c->nhosts);
    nb_xml_ids(b, "DATASTORES", c->datastores, c->ndatastores);
    nb_xml_ids(b, "VNETS", c->vnets, c->nvnets);
    nb_tmpl_to_xml(&o->tmpl, b, "TEMPLATE");
    nb_buf_adds(b, "</CLUSTER>");
}

static int nb_cluster_from_xml(nb_object *o, const xmlNode *root, char **err)
{
    nb_cluster *c = nb_cluster_of(o);
    const char *bad;

    if (nb_xml_read_common(o, root, err) < 0)
        return -1;
    bad = nb_xml_read_ids(root, "HOSTS", &c->hosts, &c->nhosts) < 0 ? "HOSTS" :
          nb_xml_read_ids(root, "DATASTORES", &c->datastores, &c->ndatastores) < 0 ? "DATASTORES" :
          nb_xml_read_ids(root, "VNETS", &c->vnets, &c->nvnets) < 0 ? "VNETS" : NULL;
    if (bad) {
        *err = nb_asprintf("CLUSTER document lacks a valid %s", bad);
        return -1;
    }
    return 0;
}

const nb_kind nb_cluster_kind = {
    .name = "cluster",
    .what = "cluster",
    .table = "cluster_pool",
    .root = "CLUSTER",
    .pool_root = "CLUSTER_POOL",
    .acl_type = NB_ACL_CLUSTER_T,
    .unique_names = true,
    .size = sizeof(nb_cluster),
    .destroy = nb_cluster_destroy,
    .to_xml = nb_cluster_to_xml,
    .from_xml = nb_cluster_from_xml,
};

nb_object *nb_cluster_new(int oid, const char *name)
{
    nb_object *o = nb_object_new(&nb_cluster_kind);
    o->oid = oid;
    o->name = nb_strdup(name);
    /* OpenNebula gives every new cluster these, empty: no reservation. */
    nb_tmpl_set(&o->tmpl, "RESERVED_CPU", "");
    nb_tmpl_set(&o->tmpl, "RESERVED_MEM", "");
    return o;
}

int nb_cluster_dedicated_group(const nb_object *o)
{
    int gid;
    if (nb_parse_int(nb_tmpl_get(&o->tmpl, "DEDICATED_GROUP"), &gid) < 0 || gid < 0)
        return -1;
    return gid;
}
