#include "oned/datastore.h"

#include <stdlib.h>
#include "lib/util.h"
#include "acl/rule.h"
#include "oned/model.h"

static void nb_datastore_destroy(nb_object *o)
{
    nb_datastore *d = nb_datastore_of(o);
    free(d->ds_mad);
    free(d->tm_mad);
    free(d->base_path);
    free(d->clusters);
    free(d->images);
}

static void nb_datastore_to_xml(const nb_object *o, nb_buf *b, enum nb_xml_mode mode,
                                const nb_model *m)
{
    const nb_datastore *d = nb_datastore_cof(o);

    nb_buf_adds(b, "<DATASTORE>");
    nb_model_xml_owned(b, o, mode, m);
    nb_xml_permissions(b, o->perms);
    nb_buf_elem_cdata(b, "DS_MAD", d->ds_mad);
    nb_buf_elem_cdata(b, "TM_MAD", d->tm_mad);
    nb_buf_elem_cdata(b, "BASE_PATH", d->base_path);
    nb_buf_elem_int(b, "TYPE", d->type);
    nb_buf_elem_int(b, "DISK_TYPE", d->disk_type);
    nb_buf_elem_int(b, "STATE", d->state);
    nb_xml_ids(b, "CLUSTERS", d->clusters, d->nclusters);
    nb_buf_elem_int(b, "TOTAL_MB", d->total_mb);
    nb_buf_elem_int(b, "FREE_MB", d->free_mb);
    nb_buf_elem_int(b, "USED_MB", d->used_mb);
    nb_xml_ids(b, "IMAGES", d->images, d->nimages);
    nb_tmpl_to_xml(&o->tmpl, b, "TEMPLATE");
    nb_buf_adds(b, "</DATASTORE>");
}

/* UNAME and GNAME, which documents stored before this kind existed carry,
 * are ignored: the model resolves them. */
static int nb_datastore_from_xml(nb_object *o, const xmlNode *root, char **err)
{
    nb_datastore *d = nb_datastore_of(o);
    const char *bad;

    if (nb_xml_read_common(o, root, err) < 0)
        return -1;
    bad = nb_xml_read_owned(o, root);
    bad = bad ? bad :
          !(d->ds_mad = nb_xml_child_strdup(root, "DS_MAD")) ? "DS_MAD" :
          !(d->tm_mad = nb_xml_child_strdup(root, "TM_MAD")) ? "TM_MAD" :
          !(d->base_path = nb_xml_child_strdup(root, "BASE_PATH")) ? "BASE_PATH" :
          nb_xml_child_int(root, "TYPE", &d->type) < 0 ? "TYPE" :
          nb_xml_child_int(root, "DISK_TYPE", &d->disk_type) < 0 ? "DISK_TYPE" :
          nb_xml_child_int(root, "STATE", &d->state) < 0 ? "STATE" :
          nb_xml_read_ids(root, "CLUSTERS", &d->clusters, &d->nclusters) < 0 ? "CLUSTERS" :
          nb_xml_child_ll(root, "TOTAL_MB", &d->total_mb) < 0 ? "TOTAL_MB" :
          nb_xml_child_ll(root, "FREE_MB", &d->free_mb) < 0 ? "FREE_MB" :
          nb_xml_child_ll(root, "USED_MB", &d->used_mb) < 0 ? "USED_MB" :
          nb_xml_read_ids(root, "IMAGES", &d->images, &d->nimages) < 0 ? "IMAGES" : NULL;
    if (bad) {
        *err = nb_asprintf("DATASTORE document lacks a valid %s", bad);
        return -1;
    }
    return 0;
}

static const int *nb_datastore_clusters(const nb_object *o, size_t *n)
{
    const nb_datastore *d = nb_datastore_cof(o);
    *n = d->nclusters;
    return d->clusters;
}

const nb_kind nb_datastore_kind = {
    .name = "datastore",
    .what = "datastore",
    .table = "datastore_pool",
    .root = "DATASTORE",
    .pool_root = "DATASTORE_POOL",
    .acl_type = NB_ACL_DATASTORE,
    .unique_names = true,
    .size = sizeof(nb_datastore),
    .destroy = nb_datastore_destroy,
    .to_xml = nb_datastore_to_xml,
    .from_xml = nb_datastore_from_xml,
    .clusters = nb_datastore_clusters,
};
