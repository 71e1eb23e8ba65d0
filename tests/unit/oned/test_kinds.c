/*
 * test_kinds.c: the CLUSTER, HOST, DATASTORE, VDC and VMTEMPLATE kinds
 * (reference §3.3, §3.5-§3.7, §3.9): store documents round-trip byte for
 * byte, info documents are exact, the documents bootstrap wrote before these
 * kinds existed load, and damaged documents are refused with a reason.
 *
 * Names (CLUSTER, UNAME, GNAME) come from a bare model holding only a user,
 * a group and cluster pools: no store, no bootstrap.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "lib/util.h"
#include "acl/rule.h"
#include "oned/cluster.h"
#include "oned/datastore.h"
#include "oned/group.h"
#include "oned/host.h"
#include "oned/model.h"
#include "oned/pool.h"
#include "oned/user.h"
#include "oned/vdc.h"
#include "oned/vmtemplate.h"
#include "tests/unit/oned/kind_check.h"

/* ---- helpers ---------------------------------------------------------------- */


/* A model with only what documents resolve names from: user 0 and group 0
 * "oneadmin", clusters 0 "default" and 100 "tenantA". */
typedef struct names {
    nb_model m;
} names;

static int names_setup(void **state)
{
    names *n = calloc(1, sizeof(*n));
    nb_pool_init(&n->m.pools[NB_POOL_USER], &nb_user_kind);
    nb_pool_init(&n->m.pools[NB_POOL_GROUP], &nb_group_kind);
    nb_pool_init(&n->m.pools[NB_POOL_CLUSTER], &nb_cluster_kind);
    nb_pool_put(&n->m.pools[NB_POOL_USER], nb_user_new(0, "oneadmin", 0, "core", "x"));
    nb_pool_put(&n->m.pools[NB_POOL_GROUP], nb_group_new(0, "oneadmin"));
    nb_pool_put(&n->m.pools[NB_POOL_CLUSTER], nb_cluster_new(0, "default"));
    nb_pool_put(&n->m.pools[NB_POOL_CLUSTER], nb_cluster_new(100, "tenantA"));
    *state = n;
    return 0;
}

static int names_teardown(void **state)
{
    names *n = *state;
    nb_pool_free(&n->m.pools[NB_POOL_USER]);
    nb_pool_free(&n->m.pools[NB_POOL_GROUP]);
    nb_pool_free(&n->m.pools[NB_POOL_CLUSTER]);
    free(n);
    return 0;
}

/* ---- the documents nb_bootstrap_infra stored (oned/bootstrap.c) -------------- */

static const char boot_vdc[] =
    "<VDC><ID>0</ID><NAME>default</NAME><GROUPS><ID>1</ID></GROUPS><CLUSTERS>"
    "<CLUSTER><ZONE_ID>0</ZONE_ID><CLUSTER_ID>-10</CLUSTER_ID></CLUSTER></CLUSTERS>"
    "<HOSTS></HOSTS><DATASTORES></DATASTORES><VNETS></VNETS><TEMPLATE><DESCRIPTION>"
    "<![CDATA[Every new group is added to this VDC, with all the resources of "
    "the local zone.]]></DESCRIPTION></TEMPLATE></VDC>";

static const char boot_cluster[] =
    "<CLUSTER><ID>0</ID><NAME>default</NAME><HOSTS></HOSTS><DATASTORES><ID>0</ID>"
    "<ID>1</ID><ID>2</ID></DATASTORES><VNETS></VNETS><TEMPLATE><RESERVED_CPU>"
    "<![CDATA[]]></RESERVED_CPU><RESERVED_MEM><![CDATA[]]></RESERVED_MEM></TEMPLATE>"
    "</CLUSTER>";

/* nb_xml_permissions(0640), var_dir /var/lib/one. */
#define BOOT_DS(id, name, type, type_name)                                                  \
    "<DATASTORE><ID>" #id "</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME>"            \
    "<GNAME>oneadmin</GNAME><NAME>" name "</NAME>"                                          \
    "<PERMISSIONS><OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M><OWNER_A>0</OWNER_A>"             \
    "<GROUP_U>1</GROUP_U><GROUP_M>0</GROUP_M><GROUP_A>0</GROUP_A><OTHER_U>0</OTHER_U>"      \
    "<OTHER_M>0</OTHER_M><OTHER_A>0</OTHER_A></PERMISSIONS>"                                \
    "<DS_MAD><![CDATA[fs]]></DS_MAD><TM_MAD><![CDATA[ssh]]></TM_MAD>"                       \
    "<BASE_PATH><![CDATA[/var/lib/one/datastores/" #id "]]></BASE_PATH>"                    \
    "<TYPE>" #type "</TYPE><DISK_TYPE>0</DISK_TYPE><STATE>0</STATE><CLUSTERS><ID>0"         \
    "</ID></CLUSTERS><TOTAL_MB>0</TOTAL_MB><FREE_MB>0</FREE_MB><USED_MB>0"                  \
    "</USED_MB><IMAGES></IMAGES><TEMPLATE><DS_MAD><![CDATA[fs]]></DS_MAD>"                  \
    "<TM_MAD><![CDATA[ssh]]></TM_MAD><TYPE><![CDATA[" type_name "]]></TYPE></TEMPLATE>"     \
    "</DATASTORE>"

static const char *const boot_ds[3] = {
    BOOT_DS(0, "system", 1, "SYSTEM_DS"),
    BOOT_DS(1, "default", 0, "IMAGE_DS"),
    BOOT_DS(2, "files", 2, "FILE_DS"),
};

/* ---- objects with every field set ------------------------------------------- */

static nb_object *full_cluster(void)
{
    nb_object *o = nb_cluster_new(100, "tenantA");
    nb_cluster *c = nb_cluster_of(o);
    nb_ids_add(&c->hosts, &c->nhosts, 4);
    nb_ids_add(&c->hosts, &c->nhosts, 3);
    nb_ids_add(&c->datastores, &c->ndatastores, 100);
    nb_ids_add(&c->datastores, &c->ndatastores, 101);
    nb_ids_add(&c->vnets, &c->nvnets, 7);
    nb_tmpl_set(&o->tmpl, "DEDICATED_GROUP", "105");
    nb_tmpl_set(&o->tmpl, "DEDICATED_VDC", "102");
    return o;
}

static nb_object *full_host(void)
{
    static const nb_tpair pci[] = { { "CLASS", "0c03" }, { "VENDOR", "8086" } };
    nb_object *o = nb_host_new(3, "kvm01", "kvm", "kvm", 100);
    nb_host *h = nb_host_of(o);

    h->state = NB_HOST_MONITORED;
    h->prev_state = NB_HOST_MONITORED;
    h->share = (nb_host_share){
        .mem_usage = 2097152, .cpu_usage = 200,
        .total_mem = 65755156, .total_cpu = 1600,
        .max_mem = 65755156, .max_cpu = 1600,
        .running_vms = 2,
        .free_disk = 400000, .max_disk = 470000, .used_disk = 70000,
    };
    nb_ids_add(&h->vms, &h->nvms, 15);
    nb_ids_add(&h->vms, &h->nvms, 12);
    h->last_monitored = 1700000000;
    nb_tmpl_set(&o->tmpl, "HOSTNAME", "kvm01");
    nb_tmpl_set(&o->tmpl, "ARCH", "x86_64");
    nb_tmpl_add_vector(&o->tmpl, "PCI", pci, NB_ARRAY_SIZE(pci));
    return o;
}

static nb_object *full_datastore(void)
{
    nb_object *o = nb_object_new(&nb_datastore_kind);
    nb_datastore *d = nb_datastore_of(o);

    o->oid = 100;
    o->name = nb_strdup("ceph-img");
    o->uid = 5;
    o->gid = 100;
    o->perms = 0751;
    d->ds_mad = nb_strdup("ceph");
    d->tm_mad = nb_strdup("ceph");
    d->base_path = nb_strdup("/var/lib/one/datastores/100 & <more>");
    d->type = NB_DS_IMAGE;
    d->disk_type = 3;
    d->state = 1;
    nb_ids_add(&d->clusters, &d->nclusters, 101);
    nb_ids_add(&d->clusters, &d->nclusters, 100);
    d->total_mb = 1000000;
    d->free_mb = 900000;
    d->used_mb = 100000;
    nb_ids_add(&d->images, &d->nimages, 4);
    nb_tmpl_set(&o->tmpl, "CEPH_HOST", "mon1 mon2");
    nb_tmpl_set(&o->tmpl, "NOTE", "a < b & \"c\"");
    return o;
}

static nb_object *full_vdc(void)
{
    nb_object *o = nb_vdc_new(100, "tenants");
    nb_vdc *v = nb_vdc_of(o);

    nb_ids_add(&v->groups, &v->ngroups, 101);
    nb_ids_add(&v->groups, &v->ngroups, 100);
    nb_vdc_entry_add(v, NB_VDC_CLUSTER, 0, NB_VDC_ALL);
    nb_vdc_entry_add(v, NB_VDC_HOST, 0, 7);
    nb_vdc_entry_add(v, NB_VDC_HOST, 0, 3);
    nb_vdc_entry_add(v, NB_VDC_HOST, 1, 3);
    nb_vdc_entry_add(v, NB_VDC_DATASTORE, 0, 2);
    nb_vdc_entry_add(v, NB_VDC_VNET, 0, 9);
    nb_tmpl_set(&o->tmpl, "DESCRIPTION", "private");
    return o;
}

/* Locked at MANAGE by its owner; perms 0604 (um- --- u--). */
static nb_object *full_vmtemplate(void)
{
    static const nb_tpair disk[] = { { "IMAGE_ID", "4" }, { "SIZE", "1024" } };
    nb_object *o = nb_vmtemplate_new(7, "small web", 5, 100, 0604);

    nb_vmtemplate_of(o)->regtime = 1700000000;
    o->lock = 2;
    o->lock_owner = 5;
    o->lock_time = 1700000001;
    nb_tmpl_set(&o->tmpl, "MEMORY", "2048");
    nb_tmpl_set(&o->tmpl, "CPU", "1");
    nb_tmpl_add_vector(&o->tmpl, "DISK", disk, NB_ARRAY_SIZE(disk));
    nb_tmpl_set(&o->tmpl, "DESCRIPTION", "a < b & \"c\"");
    return o;
}

#define PERMS_0604                                                                          \
    "<PERMISSIONS><OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M><OWNER_A>0</OWNER_A>"             \
    "<GROUP_U>0</GROUP_U><GROUP_M>0</GROUP_M><GROUP_A>0</GROUP_A><OTHER_U>1</OTHER_U>"      \
    "<OTHER_M>0</OTHER_M><OTHER_A>0</OTHER_A></PERMISSIONS>"

#define VMTEMPLATE_TAIL                                                                     \
    "<REGTIME>1700000000</REGTIME><TEMPLATE><CPU><![CDATA[1]]></CPU><DESCRIPTION>"          \
    "<![CDATA[a < b & \"c\"]]></DESCRIPTION><DISK><IMAGE_ID><![CDATA[4]]></IMAGE_ID>"       \
    "<SIZE><![CDATA[1024]]></SIZE></DISK><MEMORY><![CDATA[2048]]></MEMORY></TEMPLATE>"      \
    "</VMTEMPLATE>"

#define VMTEMPLATE_LOCK                                                                     \
    "<LOCK><LOCKED>2</LOCKED><OWNER>5</OWNER><TIME>1700000001</TIME><REQ_ID>-1</REQ_ID>"    \
    "</LOCK>"

/* What full_vmtemplate() stores: no UNAME/GNAME. */
static const char vmtemplate_store[] =
    "<VMTEMPLATE><ID>7</ID><UID>5</UID><GID>100</GID><NAME>small web</NAME>"
    VMTEMPLATE_LOCK PERMS_0604 VMTEMPLATE_TAIL;

/* ---- round trips ------------------------------------------------------------ */

static void test_cluster_roundtrip(void **state)
{
    nb_object *o = full_cluster();
    nb_object *back = roundtrip(o);
    const nb_cluster *c = nb_cluster_cof(back);
    char *doc = render(o, NB_XML_STORE, NULL);

    assert_string_equal(doc,
        "<CLUSTER><ID>100</ID><NAME>tenantA</NAME><HOSTS><ID>3</ID><ID>4</ID></HOSTS>"
        "<DATASTORES><ID>100</ID><ID>101</ID></DATASTORES><VNETS><ID>7</ID></VNETS>"
        "<TEMPLATE><DEDICATED_GROUP><![CDATA[105]]></DEDICATED_GROUP><DEDICATED_VDC>"
        "<![CDATA[102]]></DEDICATED_VDC><RESERVED_CPU><![CDATA[]]></RESERVED_CPU>"
        "<RESERVED_MEM><![CDATA[]]></RESERVED_MEM></TEMPLATE></CLUSTER>");
    assert_int_equal(back->oid, 100);
    assert_int_equal(back->uid, -1);
    assert_int_equal(back->gid, -1);
    assert_int_equal(back->perms, 0);
    assert_int_equal(c->nhosts, 2);
    assert_int_equal(c->ndatastores, 2);
    assert_int_equal(c->nvnets, 1);
    assert_int_equal(nb_cluster_dedicated_group(back), 105);
    assert_escapes(back, NB_XML_POOL, NULL);
    free(doc);
    nb_object_free(back);
    nb_object_free(o);
}

static void test_cluster_dedicated_group(void **state)
{
    nb_object *o = nb_cluster_new(101, "c");

    assert_int_equal(nb_cluster_dedicated_group(o), -1);
    nb_tmpl_set(&o->tmpl, "DEDICATED_GROUP", "abc");
    assert_int_equal(nb_cluster_dedicated_group(o), -1);
    nb_tmpl_set(&o->tmpl, "DEDICATED_GROUP", "-3");
    assert_int_equal(nb_cluster_dedicated_group(o), -1);
    nb_tmpl_set(&o->tmpl, "DEDICATED_GROUP", "0");
    assert_int_equal(nb_cluster_dedicated_group(o), 0);
    nb_object_free(o);
}

static void test_host_roundtrip(void **state)
{
    nb_object *o = full_host();
    nb_object *back = roundtrip(o);
    const nb_host *h = nb_host_cof(back);

    assert_int_equal(back->uid, -1);
    assert_int_equal(h->state, NB_HOST_MONITORED);
    assert_int_equal(h->prev_state, NB_HOST_MONITORED);
    assert_string_equal(h->im_mad, "kvm");
    assert_string_equal(h->vm_mad, "kvm");
    assert_int_equal(h->cluster_id, 100);
    assert_int_equal(h->share.mem_usage, 2097152);
    assert_int_equal(h->share.cpu_usage, 200);
    assert_int_equal(h->share.total_mem, 65755156);
    assert_int_equal(h->share.total_cpu, 1600);
    assert_int_equal(h->share.max_mem, 65755156);
    assert_int_equal(h->share.max_cpu, 1600);
    assert_int_equal(h->share.running_vms, 2);
    assert_int_equal(h->share.free_disk, 400000);
    assert_int_equal(h->share.max_disk, 470000);
    assert_int_equal(h->share.used_disk, 70000);
    assert_int_equal(h->nvms, 2);
    assert_int_equal(h->last_monitored, 1700000000);
    assert_string_equal(nb_tmpl_vget(&back->tmpl, "PCI", "VENDOR"), "8086");
    nb_object_free(back);
    nb_object_free(o);

    /* A fresh host: INIT, never monitored. */
    o = nb_host_new(4, "kvm02", "dummy", "dummy", 0);
    back = roundtrip(o);
    h = nb_host_cof(back);
    assert_int_equal(h->state, NB_HOST_INIT);
    assert_int_equal(h->last_monitored, 0);
    assert_int_equal(back->tmpl.n, 0);
    nb_object_free(back);
    nb_object_free(o);
}

static void test_datastore_roundtrip(void **state)
{
    nb_object *o = full_datastore();
    nb_object *back = roundtrip(o);
    const nb_datastore *d = nb_datastore_cof(back);
    char *doc = render(o, NB_XML_STORE, NULL);

    assert_null(strstr(doc, "UNAME"));
    assert_int_equal(back->uid, 5);
    assert_int_equal(back->gid, 100);
    assert_int_equal(back->perms, 0751);
    assert_string_equal(d->base_path, "/var/lib/one/datastores/100 & <more>");
    assert_int_equal(d->disk_type, 3);
    assert_int_equal(d->state, 1);
    assert_int_equal(d->nclusters, 2);
    assert_int_equal(d->clusters[0], 100);
    assert_int_equal(d->total_mb, 1000000);
    assert_int_equal(d->free_mb, 900000);
    assert_int_equal(d->used_mb, 100000);
    assert_int_equal(d->nimages, 1);
    assert_string_equal(nb_tmpl_get(&back->tmpl, "NOTE"), "a < b & \"c\"");
    free(doc);
    nb_object_free(back);
    nb_object_free(o);
}

static void test_vdc_roundtrip(void **state)
{
    nb_object *o = full_vdc();
    nb_object *back = roundtrip(o);
    const nb_vdc *v = nb_vdc_cof(back);
    char *doc = render(back, NB_XML_INFO, NULL);

    /* Entries sorted by (zone, id); a repeated entry is not added twice. */
    assert_string_equal(doc,
        "<VDC><ID>100</ID><NAME>tenants</NAME><GROUPS><ID>100</ID><ID>101</ID></GROUPS>"
        "<CLUSTERS><CLUSTER><ZONE_ID>0</ZONE_ID><CLUSTER_ID>-10</CLUSTER_ID></CLUSTER></CLUSTERS>"
        "<HOSTS><HOST><ZONE_ID>0</ZONE_ID><HOST_ID>3</HOST_ID></HOST>"
        "<HOST><ZONE_ID>0</ZONE_ID><HOST_ID>7</HOST_ID></HOST>"
        "<HOST><ZONE_ID>1</ZONE_ID><HOST_ID>3</HOST_ID></HOST></HOSTS>"
        "<DATASTORES><DATASTORE><ZONE_ID>0</ZONE_ID><DATASTORE_ID>2</DATASTORE_ID></DATASTORE>"
        "</DATASTORES><VNETS><VNET><ZONE_ID>0</ZONE_ID><VNET_ID>9</VNET_ID></VNET></VNETS>"
        "<TEMPLATE><DESCRIPTION><![CDATA[private]]></DESCRIPTION></TEMPLATE></VDC>");
    assert_escapes(back, NB_XML_INFO, NULL);
    assert_int_equal(back->uid, -1);
    assert_int_equal(v->ngroups, 2);
    assert_int_equal(v->nres[NB_VDC_HOST], 3);
    free(doc);
    nb_object_free(back);
    nb_object_free(o);
}

static void test_vdc_entries(void **state)
{
    nb_object *o = full_vdc();
    nb_vdc *v = nb_vdc_of(o);

    nb_vdc_entry_add(v, NB_VDC_HOST, 0, 7);
    assert_int_equal(v->nres[NB_VDC_HOST], 3);
    assert_int_equal(nb_vdc_find(v, NB_VDC_HOST, 0, 3), 0);
    assert_int_equal(nb_vdc_find(v, NB_VDC_HOST, 1, 3), 2);
    assert_int_equal(nb_vdc_find(v, NB_VDC_HOST, 2, 3), -1);
    assert_int_equal(nb_vdc_find(v, NB_VDC_DATASTORE, 0, 7), -1);
    assert_int_equal(nb_vdc_find(v, NB_VDC_CLUSTER, 0, NB_VDC_ALL), 0);

    nb_vdc_entry_del(v, NB_VDC_HOST, 1);
    assert_int_equal(v->nres[NB_VDC_HOST], 2);
    assert_int_equal(v->res[NB_VDC_HOST][0].id, 3);
    assert_int_equal(v->res[NB_VDC_HOST][1].zone, 1);
    nb_vdc_entry_del(v, NB_VDC_HOST, 1);
    nb_vdc_entry_del(v, NB_VDC_HOST, 0);
    assert_int_equal(v->nres[NB_VDC_HOST], 0);
    nb_vdc_entry_add(v, NB_VDC_HOST, 0, 1);
    assert_int_equal(nb_vdc_find(v, NB_VDC_HOST, 0, 1), 0);
    nb_object_free(o);
}

static void test_vmtemplate_roundtrip(void **state)
{
    nb_object *o = full_vmtemplate();
    nb_object *back = roundtrip(o);
    char *doc = render(o, NB_XML_STORE, NULL);
    nb_objref r = nb_object_ref(back);

    assert_string_equal(doc, vmtemplate_store);
    assert_string_equal(back->name, "small web");
    assert_int_equal(back->uid, 5);
    assert_int_equal(back->gid, 100);
    assert_int_equal(back->perms, 0604);
    assert_int_equal(back->lock, 2);
    assert_int_equal(back->lock_owner, 5);
    assert_int_equal(back->lock_time, 1700000001);
    assert_int_equal(nb_vmtemplate_cof(back)->regtime, 1700000000);
    assert_string_equal(nb_tmpl_vget(&back->tmpl, "DISK", "SIZE"), "1024");
    assert_null(nb_tmpl_get(&back->tmpl, "NAME"));
    /* The gate sees the lock. */
    assert_int_equal(r.type, NB_ACL_TEMPLATE);
    assert_int_equal(r.lock, 2);
    assert_int_equal(r.ncids, 0);
    free(doc);
    nb_object_free(back);

    /* Unlocked: no LOCK element, and it loads back unlocked. */
    o->lock = 0;
    o->lock_owner = -1;
    o->lock_time = 0;
    back = roundtrip(o);
    doc = render(back, NB_XML_STORE, NULL);
    assert_null(strstr(doc, "<LOCK>"));
    assert_int_equal(back->lock, 0);
    assert_int_equal(back->lock_owner, -1);
    free(doc);
    nb_object_free(back);
    nb_object_free(o);
}

static void test_vmtemplate_new(void **state)
{
    nb_object *o = nb_vmtemplate_new(0, "t", 2, 1, 0600);
    long long regtime = nb_vmtemplate_cof(o)->regtime;

    assert_true(regtime > 1700000000);
    assert_int_equal(o->lock, 0);
    assert_int_equal(o->lock_owner, -1);
    assert_int_equal(o->tmpl.n, 0);
    assert_true(nb_vmtemplate_kind.owner_unique_names);
    assert_false(nb_vmtemplate_kind.unique_names);
    nb_object_free(o);
}

/* ---- info documents --------------------------------------------------------- */

static const char host_info[] =
    "<HOST><ID>3</ID><NAME>kvm01</NAME><STATE>2</STATE><PREV_STATE>2</PREV_STATE>"
    "<IM_MAD><![CDATA[kvm]]></IM_MAD><VM_MAD><![CDATA[kvm]]></VM_MAD>"
    "<CLUSTER_ID>100</CLUSTER_ID><CLUSTER>tenantA</CLUSTER>"
    "<HOST_SHARE><MEM_USAGE>2097152</MEM_USAGE><CPU_USAGE>200</CPU_USAGE>"
    "<TOTAL_MEM>65755156</TOTAL_MEM><TOTAL_CPU>1600</TOTAL_CPU><MAX_MEM>65755156</MAX_MEM>"
    "<MAX_CPU>1600</MAX_CPU><RUNNING_VMS>2</RUNNING_VMS><VMS_THREAD>1</VMS_THREAD>"
    "<DATASTORES><DISK_USAGE><![CDATA[0]]></DISK_USAGE><FREE_DISK><![CDATA[400000]]></FREE_DISK>"
    "<MAX_DISK><![CDATA[470000]]></MAX_DISK><USED_DISK><![CDATA[70000]]></USED_DISK></DATASTORES>"
    "<PCI_DEVICES></PCI_DEVICES><NUMA_NODES></NUMA_NODES></HOST_SHARE>"
    "<VMS><ID>12</ID><ID>15</ID></VMS>"
    "<TEMPLATE><ARCH><![CDATA[x86_64]]></ARCH><HOSTNAME><![CDATA[kvm01]]></HOSTNAME>"
    "<PCI><CLASS><![CDATA[0c03]]></CLASS><VENDOR><![CDATA[8086]]></VENDOR></PCI></TEMPLATE>"
    "<MONITORING><TIMESTAMP>1700000000</TIMESTAMP><ID>3</ID><CAPACITY><FREE_CPU>1400</FREE_CPU>"
    "<FREE_MEMORY>63658004</FREE_MEMORY><USED_CPU>200</USED_CPU><USED_MEMORY>2097152</USED_MEMORY>"
    "</CAPACITY></MONITORING></HOST>";

static void test_host_info(void **state)
{
    names *n = *state;
    nb_object *o = full_host();
    nb_object *fresh = nb_host_new(4, "kvm02", "dummy", "dummy", 7);
    char *info = render(o, NB_XML_INFO, &n->m);
    char *pool = render(o, NB_XML_POOL, &n->m);
    char *store = render(o, NB_XML_STORE, NULL);
    char *fresh_info = render(fresh, NB_XML_INFO, &n->m);

    assert_string_equal(info, host_info);
    assert_string_equal(pool, host_info);
    /* The store keeps the cluster's id only. */
    assert_null(strstr(store, "<CLUSTER>"));
    assert_escapes(o, NB_XML_INFO, &n->m);
    /* Unknown cluster: empty name; never monitored: empty MONITORING. */
    assert_non_null(strstr(fresh_info, "<CLUSTER_ID>7</CLUSTER_ID><CLUSTER></CLUSTER><HOST_SHARE>"));
    assert_non_null(strstr(fresh_info, "<TEMPLATE></TEMPLATE><MONITORING></MONITORING></HOST>"));
    free(info);
    free(pool);
    free(store);
    free(fresh_info);
    nb_object_free(fresh);
    nb_object_free(o);
}

static void test_datastore_info(void **state)
{
    names *n = *state;
    nb_object *o = full_datastore();
    char *info;

    o->uid = o->gid = 0;
    info = render(o, NB_XML_INFO, &n->m);
    assert_non_null(strstr(info, "<ID>100</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME>"
                                 "<GNAME>oneadmin</GNAME><NAME>ceph-img</NAME><PERMISSIONS>"));
    assert_non_null(strstr(info, "<BASE_PATH><![CDATA[/var/lib/one/datastores/100 & <more>]]>"));
    assert_escapes(o, NB_XML_POOL, &n->m);
    free(info);
    nb_object_free(o);
}

/* §3.9: ID, UID, GID, UNAME, GNAME, NAME, [LOCK], PERMISSIONS, REGTIME,
 * TEMPLATE; the pool element is the same document. */
static void test_vmtemplate_info(void **state)
{
    names *n = *state;
    nb_object *o = full_vmtemplate();
    char *info, *pool;

    o->uid = o->gid = 0;
    info = render(o, NB_XML_INFO, &n->m);
    pool = render(o, NB_XML_POOL, &n->m);
    assert_string_equal(info,
        "<VMTEMPLATE><ID>7</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME>"
        "<GNAME>oneadmin</GNAME><NAME>small web</NAME>"
        "<LOCK><LOCKED>2</LOCKED><OWNER>5</OWNER><TIME>1700000001</TIME><REQ_ID>-1</REQ_ID>"
        "</LOCK>" PERMS_0604 VMTEMPLATE_TAIL);
    assert_string_equal(pool, info);
    assert_escapes(o, NB_XML_INFO, &n->m);
    free(info);
    free(pool);
    nb_object_free(o);
}

static void test_clusters_hook(void **state)
{
    nb_object *h = full_host(), *d = full_datastore(), *c = full_cluster(), *v = full_vdc();
    nb_objref r;

    r = nb_object_ref(h);
    assert_int_equal(r.type, NB_ACL_HOST);
    assert_int_equal(r.ncids, 1);
    assert_int_equal(r.cids[0], 100);
    r = nb_object_ref(d);
    assert_int_equal(r.type, NB_ACL_DATASTORE);
    assert_int_equal(r.uid, 5);
    assert_int_equal(r.perms, 0751);
    assert_int_equal(r.ncids, 2);
    assert_int_equal(r.cids[0], 100);
    assert_int_equal(r.cids[1], 101);
    r = nb_object_ref(c);
    assert_int_equal(r.type, NB_ACL_CLUSTER_T);
    assert_int_equal(r.ncids, 0);
    r = nb_object_ref(v);
    assert_int_equal(r.type, NB_ACL_VDC);
    assert_int_equal(r.ncids, 0);
    nb_object_free(h);
    nb_object_free(d);
    nb_object_free(c);
    nb_object_free(v);
}

/* ---- documents existing databases hold -------------------------------------- */

static void test_bootstrap_documents(void **state)
{
    names *n = *state;
    static const int ds_types[3] = { NB_DS_SYSTEM, NB_DS_IMAGE, NB_DS_FILE };
    nb_object *o;
    char *doc;

    /* Each loads and renders back as the very document OpenNebula shows. */
    o = load(&nb_vdc_kind, boot_vdc);
    assert_int_equal(o->oid, 0);
    assert_string_equal(o->name, "default");
    assert_int_equal(nb_vdc_cof(o)->ngroups, 1);
    assert_int_equal(nb_vdc_cof(o)->groups[0], 1);
    assert_int_equal(nb_vdc_find(nb_vdc_cof(o), NB_VDC_CLUSTER, 0, NB_VDC_ALL), 0);
    for (int t = NB_VDC_HOST; t < NB_VDC_NRTYPES; t++)
        assert_int_equal(nb_vdc_cof(o)->nres[t], 0);
    doc = render(o, NB_XML_INFO, &n->m);
    assert_string_equal(doc, boot_vdc);
    free(doc);
    nb_object_free(o);

    o = load(&nb_cluster_kind, boot_cluster);
    assert_int_equal(o->oid, 0);
    assert_string_equal(o->name, "default");
    assert_int_equal(nb_cluster_cof(o)->ndatastores, 3);
    assert_int_equal(nb_cluster_cof(o)->nhosts, 0);
    assert_string_equal(nb_tmpl_get(&o->tmpl, "RESERVED_CPU"), "");
    assert_int_equal(nb_cluster_dedicated_group(o), -1);
    doc = render(o, NB_XML_INFO, &n->m);
    assert_string_equal(doc, boot_cluster);
    free(doc);
    nb_object_free(o);

    for (int i = 0; i < 3; i++) {
        const nb_datastore *d;
        char path[64];

        o = load(&nb_datastore_kind, boot_ds[i]);
        d = nb_datastore_cof(o);
        snprintf(path, sizeof(path), "/var/lib/one/datastores/%d", i);
        assert_int_equal(o->oid, i);
        assert_int_equal(o->uid, 0);
        assert_int_equal(o->gid, 0);
        assert_int_equal(o->perms, 0640);
        assert_string_equal(d->ds_mad, "fs");
        assert_string_equal(d->tm_mad, "ssh");
        assert_string_equal(d->base_path, path);
        assert_int_equal(d->type, ds_types[i]);
        assert_int_equal(d->nclusters, 1);
        assert_int_equal(d->clusters[0], 0);
        assert_int_equal(d->nimages, 0);
        doc = render(o, NB_XML_INFO, &n->m);
        assert_string_equal(doc, boot_ds[i]);
        free(doc);
        nb_object_free(o);
    }
}

/* ---- damaged documents ------------------------------------------------------ */

static const char host_store[] =
    "<HOST><ID>4</ID><NAME>kvm02</NAME><STATE>0</STATE><PREV_STATE>0</PREV_STATE>"
    "<IM_MAD><![CDATA[kvm]]></IM_MAD><VM_MAD><![CDATA[kvm]]></VM_MAD><CLUSTER_ID>0</CLUSTER_ID>"
    "<HOST_SHARE><MEM_USAGE>0</MEM_USAGE><CPU_USAGE>0</CPU_USAGE><TOTAL_MEM>0</TOTAL_MEM>"
    "<TOTAL_CPU>0</TOTAL_CPU><MAX_MEM>0</MAX_MEM><MAX_CPU>0</MAX_CPU><RUNNING_VMS>0</RUNNING_VMS>"
    "<VMS_THREAD>1</VMS_THREAD><DATASTORES><DISK_USAGE><![CDATA[0]]></DISK_USAGE>"
    "<FREE_DISK><![CDATA[0]]></FREE_DISK><MAX_DISK><![CDATA[0]]></MAX_DISK>"
    "<USED_DISK><![CDATA[0]]></USED_DISK></DATASTORES><PCI_DEVICES></PCI_DEVICES>"
    "<NUMA_NODES></NUMA_NODES></HOST_SHARE><VMS></VMS><TEMPLATE></TEMPLATE>"
    "<MONITORING><TIMESTAMP>1</TIMESTAMP></MONITORING></HOST>";

typedef struct damage {
    const nb_kind *kind;
    const char *doc;
    const char *from;       /* first occurrence replaced by `to` */
    const char *to;
    const char *reason;     /* expected in the error */
} damage;

static char *replace_first(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    assert_non_null(at);
    return nb_asprintf("%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
}

static void test_damaged_documents(void **state)
{
    const damage cases[] = {
        { &nb_cluster_kind, boot_cluster, "<CLUSTER>", "<HOST>", "not well-formed" },
        { &nb_cluster_kind, boot_cluster, "</CLUSTER>", "", "not well-formed" },
        { &nb_cluster_kind, boot_cluster, "<ID>0</ID><NAME>default</NAME>", "", "ID or NAME" },
        { &nb_cluster_kind, boot_cluster, "<ID>0</ID><NAME>", "<ID>zero</ID><NAME>", "ID or NAME" },
        { &nb_cluster_kind, boot_cluster, "<HOSTS></HOSTS>", "", "lacks a valid HOSTS" },
        { &nb_cluster_kind, boot_cluster, "<ID>1</ID>", "<ID>x</ID>", "lacks a valid DATASTORES" },
        { &nb_cluster_kind, boot_cluster, "<VNETS></VNETS>", "", "lacks a valid VNETS" },
        { &nb_host_kind, host_store, "<STATE>0</STATE>", "", "lacks a valid STATE" },
        { &nb_host_kind, host_store, "<PREV_STATE>0</PREV_STATE>", "", "PREV_STATE" },
        { &nb_host_kind, host_store, "<IM_MAD><![CDATA[kvm]]></IM_MAD>", "", "IM_MAD" },
        { &nb_host_kind, host_store, "<VM_MAD><![CDATA[kvm]]></VM_MAD>", "", "VM_MAD" },
        { &nb_host_kind, host_store, "<CLUSTER_ID>0</CLUSTER_ID>", "", "CLUSTER_ID" },
        { &nb_host_kind, host_store, "<MAX_CPU>0</MAX_CPU>", "<MAX_CPU>-</MAX_CPU>", "MAX_CPU" },
        { &nb_host_kind, host_store, "<RUNNING_VMS>0</RUNNING_VMS>", "", "RUNNING_VMS" },
        { &nb_host_kind, host_store, "<FREE_DISK><![CDATA[0]]></FREE_DISK>", "", "FREE_DISK" },
        { &nb_host_kind, host_store, "<VMS></VMS>", "", "lacks a valid VMS" },
        { &nb_host_kind, host_store, "<TIMESTAMP>1</TIMESTAMP>", "<TIMESTAMP>soon</TIMESTAMP>",
          "MONITORING/TIMESTAMP" },
        { &nb_datastore_kind, boot_ds[0], "<UID>0</UID>", "", "lacks a valid UID" },
        { &nb_datastore_kind, boot_ds[0], "<GID>0</GID>", "<GID></GID>", "lacks a valid GID" },
        { &nb_datastore_kind, boot_ds[0], "<OWNER_U>1</OWNER_U>", "<OWNER_U>2</OWNER_U>",
          "PERMISSIONS" },
        { &nb_datastore_kind, boot_ds[0], "<OTHER_A>0</OTHER_A>", "", "PERMISSIONS" },
        { &nb_datastore_kind, boot_ds[0], "<BASE_PATH><![CDATA[/var/lib/one/datastores/0]]></BASE_PATH>",
          "", "BASE_PATH" },
        { &nb_datastore_kind, boot_ds[0], "<STATE>0</STATE>", "", "lacks a valid STATE" },
        { &nb_datastore_kind, boot_ds[0], "<TOTAL_MB>0</TOTAL_MB>", "<TOTAL_MB>1e3</TOTAL_MB>",
          "TOTAL_MB" },
        { &nb_datastore_kind, boot_ds[0], "<CLUSTERS><ID>0", "<CLUSTERS><ID>none", "CLUSTERS" },
        { &nb_datastore_kind, boot_ds[0], "<IMAGES></IMAGES>", "", "IMAGES" },
        { &nb_vdc_kind, boot_vdc, "<GROUPS><ID>1</ID></GROUPS>", "", "GROUPS" },
        { &nb_vdc_kind, boot_vdc, "<CLUSTER_ID>-10</CLUSTER_ID>", "", "lacks a valid CLUSTERS" },
        { &nb_vdc_kind, boot_vdc, "<ZONE_ID>0</ZONE_ID>", "<ZONE_ID>a</ZONE_ID>", "CLUSTERS" },
        { &nb_vdc_kind, boot_vdc, "<VNETS></VNETS>", "", "lacks a valid VNETS" },
        { &nb_vmtemplate_kind, vmtemplate_store, "<UID>5</UID>", "", "lacks a valid UID" },
        { &nb_vmtemplate_kind, vmtemplate_store, "<LOCKED>2</LOCKED>", "<LOCKED>4</LOCKED>",
          "lacks a valid LOCK" },
        { &nb_vmtemplate_kind, vmtemplate_store, "<OWNER>5</OWNER>", "", "lacks a valid LOCK" },
        { &nb_vmtemplate_kind, vmtemplate_store, "<TIME>1700000001</TIME>", "<TIME>x</TIME>",
          "lacks a valid LOCK" },
        { &nb_vmtemplate_kind, vmtemplate_store, "<OTHER_U>1</OTHER_U>", "", "PERMISSIONS" },
        { &nb_vmtemplate_kind, vmtemplate_store, "<REGTIME>1700000000</REGTIME>", "",
          "lacks a valid REGTIME" },
        { &nb_vmtemplate_kind, vmtemplate_store, "<NAME>small web</NAME>", "", "ID or NAME" },
    };

    for (size_t i = 0; i < NB_ARRAY_SIZE(cases); i++) {
        const damage *c = &cases[i];
        char *doc = replace_first(c->doc, c->from, c->to);
        char *err = NULL;
        nb_object *o = nb_object_load(c->kind, doc, strlen(doc), &err);

        if (o || !err || !strstr(err, c->reason))
            fail_msg("case %zu (%s): got %s", i, c->kind->name, err ? err : "an object");
        free(err);
        free(doc);
    }
}

/* The base documents of the damage cases are themselves fine. */
static void test_damage_bases_load(void **state)
{
    nb_object *o = load(&nb_host_kind, host_store);
    assert_int_equal(nb_host_cof(o)->last_monitored, 1);
    nb_object_free(o);
    o = load(&nb_vmtemplate_kind, vmtemplate_store);
    assert_int_equal(o->lock, 2);
    nb_object_free(o);
}

int main(void)
{
#define T(fn) cmocka_unit_test(fn)
#define N(fn) cmocka_unit_test_setup_teardown(fn, names_setup, names_teardown)
    const struct CMUnitTest tests[] = {
        T(test_cluster_roundtrip),
        T(test_cluster_dedicated_group),
        T(test_host_roundtrip),
        T(test_datastore_roundtrip),
        T(test_vdc_roundtrip),
        T(test_vdc_entries),
        T(test_vmtemplate_roundtrip),
        T(test_vmtemplate_new),
        N(test_host_info),
        N(test_datastore_info),
        N(test_vmtemplate_info),
        T(test_clusters_hook),
        N(test_bootstrap_documents),
        T(test_damage_bases_load),
        T(test_damaged_documents),
    };
#undef T
#undef N

    return cmocka_run_group_tests(tests, NULL, NULL);
}
