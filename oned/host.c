#include "oned/host.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include "lib/util.h"
#include "acl/rule.h"
#include "oned/cluster.h"
#include "oned/model.h"

/* The long long members of HOST_SHARE, in document order: one table for
 * writing and reading so the two cannot drift apart. */
typedef struct nb_share_field {
    const char *name;
    size_t off;
} nb_share_field;

static const nb_share_field nb_share_top[] = {
    { "MEM_USAGE", offsetof(nb_host_share, mem_usage) },
    { "CPU_USAGE", offsetof(nb_host_share, cpu_usage) },
    { "TOTAL_MEM", offsetof(nb_host_share, total_mem) },
    { "TOTAL_CPU", offsetof(nb_host_share, total_cpu) },
    { "MAX_MEM", offsetof(nb_host_share, max_mem) },
    { "MAX_CPU", offsetof(nb_host_share, max_cpu) },
};

/* HOST_SHARE/DATASTORES, after DISK_USAGE. */
static const nb_share_field nb_share_disk[] = {
    { "FREE_DISK", offsetof(nb_host_share, free_disk) },
    { "MAX_DISK", offsetof(nb_host_share, max_disk) },
    { "USED_DISK", offsetof(nb_host_share, used_disk) },
};

static long long nb_share_get(const nb_host_share *s, const nb_share_field *f)
{
    return *(const long long *)((const char *)s + f->off);
}

static long long *nb_share_at(nb_host_share *s, const nb_share_field *f)
{
    return (long long *)((char *)s + f->off);
}

/* HOST_SHARE/DATASTORES is a template in OpenNebula: its values are CDATA. */
static void nb_elem_cdata_ll(nb_buf *b, const char *name, long long v)
{
    char num[24];
    snprintf(num, sizeof(num), "%lld", v);
    nb_buf_elem_cdata(b, name, num);
}

static void nb_share_to_xml(const nb_host_share *s, nb_buf *b)
{
    nb_buf_adds(b, "<HOST_SHARE>");
    for (size_t i = 0; i < NB_ARRAY_SIZE(nb_share_top); i++)
        nb_buf_elem_int(b, nb_share_top[i].name, nb_share_get(s, &nb_share_top[i]));
    nb_buf_elem_int(b, "RUNNING_VMS", s->running_vms);
    nb_buf_elem_int(b, "VMS_THREAD", 1);
    nb_buf_adds(b, "<DATASTORES>");
    nb_elem_cdata_ll(b, "DISK_USAGE", 0);
    for (size_t i = 0; i < NB_ARRAY_SIZE(nb_share_disk); i++)
        nb_elem_cdata_ll(b, nb_share_disk[i].name, nb_share_get(s, &nb_share_disk[i]));
    nb_buf_adds(b, "</DATASTORES><PCI_DEVICES></PCI_DEVICES><NUMA_NODES></NUMA_NODES>"
                   "</HOST_SHARE>");
}

/* Name of the first missing or malformed member of HOST_SHARE, or NULL. */
static const char *nb_share_from_xml(nb_host_share *s, const xmlNode *share)
{
    const xmlNode *ds = nb_xml_child(share, "DATASTORES");

    for (size_t i = 0; i < NB_ARRAY_SIZE(nb_share_top); i++)
        if (nb_xml_child_ll(share, nb_share_top[i].name, nb_share_at(s, &nb_share_top[i])) < 0)
            return nb_share_top[i].name;
    if (nb_xml_child_int(share, "RUNNING_VMS", &s->running_vms) < 0)
        return "RUNNING_VMS";
    if (!ds)
        return "DATASTORES";
    for (size_t i = 0; i < NB_ARRAY_SIZE(nb_share_disk); i++)
        if (nb_xml_child_ll(ds, nb_share_disk[i].name, nb_share_at(s, &nb_share_disk[i])) < 0)
            return nb_share_disk[i].name;
    return NULL;
}

/* Written the same in every mode: the store needs only its TIMESTAMP (the
 * rest derives from the share), and one writer keeps both in step. */
void nb_host_monitoring_to_xml(const nb_host *h, nb_buf *b)
{
    const nb_host_share *s = &h->share;

    nb_buf_adds(b, "<MONITORING>");
    if (h->last_monitored) {
        nb_buf_elem_int(b, "TIMESTAMP", h->last_monitored);
        nb_buf_elem_int(b, "ID", h->o.oid);
        nb_buf_adds(b, "<CAPACITY>");
        nb_buf_elem_int(b, "FREE_CPU", s->max_cpu - s->cpu_usage);
        nb_buf_elem_int(b, "FREE_MEMORY", s->max_mem - s->mem_usage);
        nb_buf_elem_int(b, "USED_CPU", s->cpu_usage);
        nb_buf_elem_int(b, "USED_MEMORY", s->mem_usage);
        nb_buf_adds(b, "</CAPACITY>");
    }
    nb_buf_adds(b, "</MONITORING>");
}

static void nb_host_destroy(nb_object *o)
{
    nb_host *h = nb_host_of(o);
    free(h->im_mad);
    free(h->vm_mad);
    free(h->vms);
}

static void nb_host_to_xml(const nb_object *o, nb_buf *b, enum nb_xml_mode mode, const nb_model *m)
{
    const nb_host *h = nb_host_cof(o);

    nb_buf_adds(b, "<HOST>");
    nb_buf_elem_int(b, "ID", o->oid);
    nb_buf_elem_text(b, "NAME", o->name);
    nb_buf_elem_int(b, "STATE", h->state);
    nb_buf_elem_int(b, "PREV_STATE", h->prev_state);
    nb_buf_elem_cdata(b, "IM_MAD", h->im_mad);
    nb_buf_elem_cdata(b, "VM_MAD", h->vm_mad);
    nb_buf_elem_int(b, "CLUSTER_ID", h->cluster_id);
    /* The cluster's name is not stored: a rename would have to rewrite
     * every host in it. */
    if (mode != NB_XML_STORE) {
        const nb_object *c = nb_pool_get(nb_model_cpool(m, &nb_cluster_kind), h->cluster_id);
        nb_buf_elem_text(b, "CLUSTER", c ? c->name : "");
    }
    nb_share_to_xml(&h->share, b);
    nb_xml_ids(b, "VMS", h->vms, h->nvms);
    nb_tmpl_to_xml(&o->tmpl, b, "TEMPLATE");
    nb_host_monitoring_to_xml(h, b);
    nb_buf_adds(b, "</HOST>");
}

static int nb_host_from_xml(nb_object *o, const xmlNode *root, char **err)
{
    nb_host *h = nb_host_of(o);
    const xmlNode *share = nb_xml_child(root, "HOST_SHARE");
    const xmlNode *mon = nb_xml_child(root, "MONITORING");
    const char *bad;

    if (nb_xml_read_common(o, root, err) < 0)
        return -1;
    bad = nb_xml_child_int(root, "STATE", &h->state) < 0 ? "STATE" :
          nb_xml_child_int(root, "PREV_STATE", &h->prev_state) < 0 ? "PREV_STATE" :
          !(h->im_mad = nb_xml_child_strdup(root, "IM_MAD")) ? "IM_MAD" :
          !(h->vm_mad = nb_xml_child_strdup(root, "VM_MAD")) ? "VM_MAD" :
          nb_xml_child_int(root, "CLUSTER_ID", &h->cluster_id) < 0 ? "CLUSTER_ID" :
          !share ? "HOST_SHARE" :
          nb_xml_read_ids(root, "VMS", &h->vms, &h->nvms) < 0 ? "VMS" :
          nb_share_from_xml(&h->share, share);
    if (bad) {
        *err = nb_asprintf("HOST document lacks a valid %s", bad);
        return -1;
    }
    /* Never monitored: no TIMESTAMP, last_monitored stays 0. */
    if (mon && nb_xml_child(mon, "TIMESTAMP") &&
        nb_xml_child_ll(mon, "TIMESTAMP", &h->last_monitored) < 0) {
        *err = nb_strdup("HOST document has a malformed MONITORING/TIMESTAMP");
        return -1;
    }
    return 0;
}

static const int *nb_host_clusters(const nb_object *o, size_t *n)
{
    *n = 1;
    return &nb_host_cof(o)->cluster_id;
}

const nb_kind nb_host_kind = {
    .name = "host",
    .what = "host",
    .table = "host_pool",
    .root = "HOST",
    .pool_root = "HOST_POOL",
    .acl_type = NB_ACL_HOST,
    .unique_names = true,
    .size = sizeof(nb_host),
    .destroy = nb_host_destroy,
    .to_xml = nb_host_to_xml,
    .from_xml = nb_host_from_xml,
    .clusters = nb_host_clusters,
};

/* The template starts empty: OpenNebula fills it from monitoring. */
nb_object *nb_host_new(int oid, const char *name, const char *im_mad, const char *vm_mad,
                       int cluster_id)
{
    nb_object *o = nb_object_new(&nb_host_kind);
    nb_host *h = nb_host_of(o);

    o->oid = oid;
    o->name = nb_strdup(name);
    h->state = h->prev_state = NB_HOST_INIT;
    h->im_mad = nb_strdup(im_mad);
    h->vm_mad = nb_strdup(vm_mad);
    h->cluster_id = cluster_id;
    return o;
}
