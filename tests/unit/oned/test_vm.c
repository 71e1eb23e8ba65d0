/*
 * test_vm.c: the VM kind (reference §3.10, §7.3): the stored document
 * round-trips byte for byte with every field set, one.vm.info and
 * one.vmpool.info documents are exact, the allocation template splits into
 * TEMPLATE and USER_TEMPLATE as OpenNebula splits it, damaged stored
 * documents are refused with a reason, and the clusters hook follows the
 * last placement.
 *
 * UNAME and GNAME come from a bare model holding only a user and a group:
 * no store, no bootstrap.
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
#include <libxml/parser.h>

#include "lib/buf.h"
#include "lib/util.h"
#include "acl/rule.h"
#include "oned/group.h"
#include "oned/model.h"
#include "oned/pool.h"
#include "oned/user.h"
#include "oned/vm.h"
#include "tests/unit/oned/kind_check.h"

/* ---- helpers ---------------------------------------------------------------- */


static void assert_well_formed(const char *doc)
{
    xmlDoc *d = xmlReadMemory(doc, (int)strlen(doc), NULL, "UTF-8",
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    assert_non_null(d);
    xmlFreeDoc(d);
}

static void parse_into(nb_tmpl *t, const char *text)
{
    char *err = NULL;
    if (nb_tmpl_parse(t, text, strlen(text), &err) < 0)
        fail_msg("template: %s", err);
}

static size_t count(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

/* A model with only what documents resolve names from: user 5 "alice" in
 * group 100 "dev". */
typedef struct names {
    nb_model m;
} names;

static int names_setup(void **state)
{
    names *n = calloc(1, sizeof(*n));
    nb_pool_init(&n->m.pools[NB_POOL_USER], &nb_user_kind);
    nb_pool_init(&n->m.pools[NB_POOL_GROUP], &nb_group_kind);
    nb_pool_put(&n->m.pools[NB_POOL_USER], nb_user_new(5, "alice", 100, "core", "x"));
    nb_pool_put(&n->m.pools[NB_POOL_GROUP], nb_group_new(100, "dev"));
    *state = n;
    return 0;
}

static int names_teardown(void **state)
{
    names *n = *state;
    nb_pool_free(&n->m.pools[NB_POOL_USER]);
    nb_pool_free(&n->m.pools[NB_POOL_GROUP]);
    free(n);
    return 0;
}

/* ---- the running VM of reference §3.10 ---------------------------------------- */

/* Its TEMPLATE, as oned writes it (and as it is parsed back in here). */
#define RUNNING_TEMPLATE \
    "<TEMPLATE>" \
    "<AUTOMATIC_DS_REQUIREMENTS><![CDATA[(\"CLUSTERS/ID\" @> 100)]]></AUTOMATIC_DS_REQUIREMENTS>" \
    "<AUTOMATIC_NIC_REQUIREMENTS><![CDATA[(\"CLUSTERS/ID\" @> 100)]]></AUTOMATIC_NIC_REQUIREMENTS>" \
    "<AUTOMATIC_REQUIREMENTS><![CDATA[(CLUSTER_ID = 100) & !(PUBLIC_CLOUD = YES) & " \
    "!(PIN_POLICY = PINNED)]]></AUTOMATIC_REQUIREMENTS>" \
    "<CONTEXT><DISK_ID><![CDATA[1]]></DISK_ID><ETH0_IP><![CDATA[10.0.0.5]]></ETH0_IP>" \
    "<ETH0_MAC><![CDATA[02:00:0a:00:00:05]]></ETH0_MAC><NETWORK><![CDATA[YES]]></NETWORK>" \
    "<TARGET><![CDATA[hda]]></TARGET></CONTEXT>" \
    "<CPU><![CDATA[1]]></CPU>" \
    "<DISK><ALLOW_ORPHANS><![CDATA[mixed]]></ALLOW_ORPHANS><CLONE><![CDATA[YES]]></CLONE>" \
    "<CLONE_TARGET><![CDATA[SELF]]></CLONE_TARGET><CLUSTER_ID><![CDATA[100]]></CLUSTER_ID>" \
    "<DATASTORE><![CDATA[ceph-img]]></DATASTORE><DATASTORE_ID><![CDATA[100]]></DATASTORE_ID>" \
    "<DEV_PREFIX><![CDATA[vd]]></DEV_PREFIX><DISK_ID><![CDATA[0]]></DISK_ID>" \
    "<DISK_TYPE><![CDATA[RBD]]></DISK_TYPE><DRIVER><![CDATA[raw]]></DRIVER>" \
    "<IMAGE><![CDATA[ubuntu-24.04]]></IMAGE><IMAGE_ID><![CDATA[4]]></IMAGE_ID>" \
    "<IMAGE_STATE><![CDATA[2]]></IMAGE_STATE><IMAGE_UNAME><![CDATA[alice]]></IMAGE_UNAME>" \
    "<LN_TARGET><![CDATA[NONE]]></LN_TARGET><ORIGINAL_SIZE><![CDATA[10240]]></ORIGINAL_SIZE>" \
    "<POOL_NAME><![CDATA[one]]></POOL_NAME><READONLY><![CDATA[NO]]></READONLY>" \
    "<SAVE><![CDATA[NO]]></SAVE><SIZE><![CDATA[10240]]></SIZE>" \
    "<SOURCE><![CDATA[one/one-4]]></SOURCE><TARGET><![CDATA[vda]]></TARGET>" \
    "<TM_MAD><![CDATA[ceph]]></TM_MAD><TYPE><![CDATA[RBD]]></TYPE></DISK>" \
    "<GRAPHICS><LISTEN><![CDATA[0.0.0.0]]></LISTEN><PORT><![CDATA[5912]]></PORT>" \
    "<TYPE><![CDATA[VNC]]></TYPE></GRAPHICS>" \
    "<MEMORY><![CDATA[2048]]></MEMORY>" \
    "<NIC><AR_ID><![CDATA[0]]></AR_ID><BRIDGE><![CDATA[br0]]></BRIDGE>" \
    "<BRIDGE_TYPE><![CDATA[linux]]></BRIDGE_TYPE><CLUSTER_ID><![CDATA[100]]></CLUSTER_ID>" \
    "<IP><![CDATA[10.0.0.5]]></IP><MAC><![CDATA[02:00:0a:00:00:05]]></MAC>" \
    "<MODEL><![CDATA[virtio]]></MODEL><NAME><![CDATA[NIC0]]></NAME>" \
    "<NETWORK><![CDATA[tenantA-net]]></NETWORK><NETWORK_ID><![CDATA[7]]></NETWORK_ID>" \
    "<NETWORK_UNAME><![CDATA[oneadmin]]></NETWORK_UNAME><NIC_ID><![CDATA[0]]></NIC_ID>" \
    "<SECURITY_GROUPS><![CDATA[0]]></SECURITY_GROUPS><TARGET><![CDATA[one-12-0]]></TARGET>" \
    "<VN_MAD><![CDATA[bridge]]></VN_MAD></NIC>" \
    "<OS><ARCH><![CDATA[x86_64]]></ARCH></OS>" \
    "<TEMPLATE_ID><![CDATA[7]]></TEMPLATE_ID><TM_MAD_SYSTEM><![CDATA[ceph]]></TM_MAD_SYSTEM>" \
    "<VCPU><![CDATA[2]]></VCPU><VMID><![CDATA[12]]></VMID>" \
    "</TEMPLATE>"

#define RUNNING_USER_TEMPLATE \
    "<USER_TEMPLATE><LABELS><![CDATA[prod]]></LABELS>" \
    "<LOGO><![CDATA[images/logos/ubuntu.png]]></LOGO><SCHED_MESSAGE><![CDATA[]]></SCHED_MESSAGE>" \
    "<SCHED_REQUIREMENTS><![CDATA[HYPERVISOR = kvm & FREE_CPU > 50]]></SCHED_REQUIREMENTS>" \
    "</USER_TEMPLATE>"

#define PERMS_UM \
    "<PERMISSIONS><OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M><OWNER_A>0</OWNER_A>" \
    "<GROUP_U>0</GROUP_U><GROUP_M>0</GROUP_M><GROUP_A>0</GROUP_A>" \
    "<OTHER_U>0</OTHER_U><OTHER_M>0</OTHER_M><OTHER_A>0</OTHER_A></PERMISSIONS>"

static nb_object *running_vm(void)
{
    nb_object *o = nb_object_new(&nb_vm_kind);
    nb_vm *vm = nb_vm_of(o);
    nb_vm_history *h;

    o->oid = 12;
    o->uid = 5;
    o->gid = 100;
    o->name = nb_strdup("small-12");
    o->perms = 0600;
    parse_into(&o->tmpl, RUNNING_TEMPLATE);
    parse_into(&vm->user_tmpl, RUNNING_USER_TEMPLATE);
    vm->phase = vm->prev = (nb_vm_phase){ NB_VM_ACTIVE, NB_LCM_RUNNING };
    vm->stime = 1700000000;
    vm->last_poll = 1700000300;
    vm->deploy_id = nb_strdup("one-12");
    vm->pending = NB_STEP_NONE;
    vm->mon_cpu = 3.0;
    vm->mon_memory_kb = 1048576;
    vm->mon_netrx = 1200;
    vm->mon_nettx = 800;
    h = nb_vm_open_history(vm, 3, 100, 101, "kvm01", "kvm", "ceph", 1700000010);
    h->petime = h->rstime = 1700000020;
    return o;
}

static const char running_info[] =
    "<VM><ID>12</ID><UID>5</UID><GID>100</GID><UNAME>alice</UNAME><GNAME>dev</GNAME>"
    "<NAME>small-12</NAME>" PERMS_UM
    "<LAST_POLL>1700000300</LAST_POLL><STATE>3</STATE><LCM_STATE>3</LCM_STATE>"
    "<PREV_STATE>3</PREV_STATE><PREV_LCM_STATE>3</PREV_LCM_STATE>"
    "<RESCHED>0</RESCHED><STIME>1700000000</STIME><ETIME>0</ETIME><DEPLOY_ID>one-12</DEPLOY_ID>"
    "<MONITORING><CPU><![CDATA[3.0]]></CPU><MEMORY><![CDATA[1048576]]></MEMORY>"
    "<NETRX><![CDATA[1200]]></NETRX><NETTX><![CDATA[800]]></NETTX>"
    "<TIMESTAMP><![CDATA[1700000300]]></TIMESTAMP></MONITORING>"
    "<SCHED_ACTIONS></SCHED_ACTIONS>"
    RUNNING_TEMPLATE
    RUNNING_USER_TEMPLATE
    "<HISTORY_RECORDS><HISTORY><OID>12</OID><SEQ>0</SEQ><HOSTNAME>kvm01</HOSTNAME><HID>3</HID>"
    "<CID>100</CID><STIME>1700000010</STIME><ETIME>0</ETIME>"
    "<VM_MAD><![CDATA[kvm]]></VM_MAD><TM_MAD><![CDATA[ceph]]></TM_MAD><DS_ID>101</DS_ID>"
    "<PLAN_ID>-1</PLAN_ID><ACTION_ID>-1</ACTION_ID>"
    "<PSTIME>1700000010</PSTIME><PETIME>1700000020</PETIME><RSTIME>1700000020</RSTIME>"
    "<RETIME>0</RETIME><ESTIME>0</ESTIME><EETIME>0</EETIME>"
    "<ACTION>0</ACTION><UID>-1</UID><GID>-1</GID><REQUEST_ID>-1</REQUEST_ID></HISTORY>"
    "</HISTORY_RECORDS>"
    "<BACKUPS><BACKUP_CONFIG></BACKUP_CONFIG><BACKUP_IDS></BACKUP_IDS></BACKUPS></VM>";

/* VirtualMachine::to_xml_short: no PERMISSIONS or PREV_*, CPU/MEMORY/VCPU,
 * short DISK and NIC, the first GRAPHICS; monitoring CPU and MEMORY; the
 * scheduler's and Sunstone's USER_TEMPLATE members (LOGO and the empty
 * SCHED_MESSAGE left out); the last HISTORY's placement. */
static const char running_short[] =
    "<VM><ID>12</ID><UID>5</UID><GID>100</GID><UNAME>alice</UNAME><GNAME>dev</GNAME>"
    "<NAME>small-12</NAME><LAST_POLL>1700000300</LAST_POLL><STATE>3</STATE>"
    "<LCM_STATE>3</LCM_STATE><RESCHED>0</RESCHED><STIME>1700000000</STIME><ETIME>0</ETIME>"
    "<DEPLOY_ID>one-12</DEPLOY_ID>"
    "<TEMPLATE><CPU>1</CPU><MEMORY>2048</MEMORY><VCPU>2</VCPU>"
    "<DISK><DISK_ID>0</DISK_ID><DATASTORE>ceph-img</DATASTORE><DATASTORE_ID>100</DATASTORE_ID>"
    "<IMAGE>ubuntu-24.04</IMAGE><IMAGE_ID>4</IMAGE_ID><SIZE>10240</SIZE><TYPE>RBD</TYPE>"
    "<CLONE>YES</CLONE><CLONE_TARGET>SELF</CLONE_TARGET><LN_TARGET>NONE</LN_TARGET>"
    "<DISK_SNAPSHOT_TOTAL_SIZE></DISK_SNAPSHOT_TOTAL_SIZE></DISK>"
    "<NIC><IP>10.0.0.5</IP><MAC>02:00:0a:00:00:05</MAC><NETWORK>tenantA-net</NETWORK>"
    "<NETWORK_ID>7</NETWORK_ID><NIC_ID>0</NIC_ID><SECURITY_GROUPS>0</SECURITY_GROUPS></NIC>"
    "<GRAPHICS><LISTEN><![CDATA[0.0.0.0]]></LISTEN><PORT><![CDATA[5912]]></PORT>"
    "<TYPE><![CDATA[VNC]]></TYPE></GRAPHICS></TEMPLATE>"
    "<MONITORING><CPU>3.0</CPU><MEMORY>1048576</MEMORY></MONITORING>"
    "<USER_TEMPLATE><LABELS>prod</LABELS>"
    "<SCHED_REQUIREMENTS>HYPERVISOR = kvm &amp; FREE_CPU &gt; 50</SCHED_REQUIREMENTS>"
    "</USER_TEMPLATE>"
    "<HISTORY_RECORDS><HISTORY><OID>12</OID><SEQ>0</SEQ><HOSTNAME>kvm01</HOSTNAME><HID>3</HID>"
    "<CID>100</CID><DS_ID>101</DS_ID><VM_MAD>kvm</VM_MAD><TM_MAD>ceph</TM_MAD>"
    "<ACTION>0</ACTION></HISTORY></HISTORY_RECORDS></VM>";

/* ---- a VM with every stored field set -------------------------------------------- */

static nb_object *full_vm(void)
{
    nb_object *o = nb_object_new(&nb_vm_kind);
    nb_vm *vm = nb_vm_of(o);
    nb_vm_history *h;

    o->oid = 42;
    o->uid = 5;
    o->gid = 100;
    o->name = nb_strdup("web 42");
    o->perms = 0640;
    o->lock = 2;
    o->lock_owner = 5;
    o->lock_time = 1700000500;
    parse_into(&o->tmpl, "CPU = 0.5\nMEMORY = 512\nDISK = [ IMAGE_ID = 4, SIZE = 1024 ]\n"
                         "NIC = [ NETWORK_ID = 7, IP = 10.0.0.9 ]\n");
    parse_into(&vm->user_tmpl, "NOTE = \"a < b & c\"\nSCHED_MESSAGE = \"Cannot dispatch VM\"\n"
                               "PUBLIC_CLOUD = [ TYPE = ec2 ]\n");
    vm->phase = (nb_vm_phase){ NB_VM_ACTIVE, NB_LCM_BOOT_MIGRATE };
    vm->prev = (nb_vm_phase){ NB_VM_ACTIVE, NB_LCM_SAVE_MIGRATE };
    vm->resched = 1;
    vm->stime = 1700000000;
    vm->etime = 1700009999;
    vm->last_poll = 1700000400;
    vm->deploy_id = nb_strdup("kvm01:web:dummy");
    vm->pending = NB_STEP_DEPLOY;
    vm->mon_cpu = 0.1 + 0.2;            /* 0.30000000000000004: needs 17 digits */
    vm->mon_memory_kb = 524288;
    vm->mon_netrx = 123456789012LL;
    vm->mon_nettx = 42;

    h = nb_vm_open_history(vm, 3, 100, 101, "kvm01", "kvm", "ceph", 1700000010);
    h->etime = h->eetime = 1700000300;
    h->petime = h->rstime = 1700000020;
    h->retime = h->estime = 1700000200;
    h->action = 1;
    h->uid = 5;
    h->gid = 100;
    h->req_id = 77;
    h = nb_vm_open_history(vm, 4, 0, 0, "kvm02 <&>", "kvm", "ssh", 1700000300);
    return o;
}

/* ---- tests ------------------------------------------------------------------ */

static void test_store_roundtrip(void **state)
{
    nb_object *o = full_vm();
    nb_object *back = roundtrip(o);
    const nb_vm *vm = nb_vm_cof(back);
    char *doc = render(o, NB_XML_STORE, NULL);

    /* Stored: no resolved names, the driver step in flight, the lock. */
    assert_null(strstr(doc, "<UNAME>"));
    assert_null(strstr(doc, "<SCHED_ACTIONS>"));
    assert_non_null(strstr(doc, "<DEPLOY_ID>kvm01:web:dummy</DEPLOY_ID><PENDING_STEP>"));
    assert_non_null(strstr(doc, "<LOCK><LOCKED>2</LOCKED><OWNER>5</OWNER><TIME>1700000500</TIME>"));
    assert_non_null(strstr(doc, "<HOSTNAME>kvm02 &lt;&amp;&gt;</HOSTNAME>"));
    assert_well_formed(doc);

    assert_int_equal(back->oid, 42);
    assert_string_equal(back->name, "web 42");
    assert_int_equal(back->uid, 5);
    assert_int_equal(back->gid, 100);
    assert_int_equal(back->perms, 0640);
    assert_int_equal(back->lock, 2);
    assert_int_equal(back->lock_owner, 5);
    assert_int_equal(back->lock_time, 1700000500);
    assert_int_equal(vm->phase.state, NB_VM_ACTIVE);
    assert_int_equal(vm->phase.lcm, NB_LCM_BOOT_MIGRATE);
    assert_int_equal(vm->prev.lcm, NB_LCM_SAVE_MIGRATE);
    assert_int_equal(vm->resched, 1);
    assert_int_equal(vm->stime, 1700000000);
    assert_int_equal(vm->etime, 1700009999);
    assert_int_equal(vm->last_poll, 1700000400);
    assert_string_equal(vm->deploy_id, "kvm01:web:dummy");
    assert_int_equal(vm->pending, NB_STEP_DEPLOY);
    assert_true(vm->mon_cpu == 0.1 + 0.2);
    assert_int_equal(vm->mon_memory_kb, 524288);
    assert_int_equal(vm->mon_netrx, 123456789012LL);
    assert_int_equal(vm->mon_nettx, 42);
    assert_string_equal(nb_tmpl_vget(&back->tmpl, "DISK", "SIZE"), "1024");
    assert_string_equal(nb_tmpl_get(&vm->user_tmpl, "NOTE"), "a < b & c");
    assert_string_equal(nb_tmpl_vget(&vm->user_tmpl, "PUBLIC_CLOUD", "TYPE"), "ec2");

    assert_int_equal(vm->nhistory, 2);
    assert_int_equal(vm->history[0].seq, 0);
    assert_int_equal(vm->history[0].hid, 3);
    assert_int_equal(vm->history[0].cid, 100);
    assert_int_equal(vm->history[0].ds_id, 101);
    assert_string_equal(vm->history[0].vm_mad, "kvm");
    assert_string_equal(vm->history[0].tm_mad, "ceph");
    assert_int_equal(vm->history[0].etime, 1700000300);
    assert_int_equal(vm->history[0].pstime, 1700000010);
    assert_int_equal(vm->history[0].petime, 1700000020);
    assert_int_equal(vm->history[0].rstime, 1700000020);
    assert_int_equal(vm->history[0].retime, 1700000200);
    assert_int_equal(vm->history[0].estime, 1700000200);
    assert_int_equal(vm->history[0].eetime, 1700000300);
    assert_int_equal(vm->history[0].action, 1);
    assert_int_equal(vm->history[0].uid, 5);
    assert_int_equal(vm->history[0].gid, 100);
    assert_int_equal(vm->history[0].req_id, 77);
    assert_int_equal(vm->history[1].seq, 1);
    assert_string_equal(vm->history[1].hostname, "kvm02 <&>");
    assert_string_equal(vm->history[1].tm_mad, "ssh");
    assert_int_equal(vm->history[1].stime, 1700000300);
    free(doc);
    nb_object_free(back);

    /* Unlocked, never placed, never polled, monitoring values kept anyway. */
    nb_vm *v = nb_vm_of(o);
    for (size_t i = 0; i < v->nhistory; i++) {
        free(v->history[i].hostname);
        free(v->history[i].vm_mad);
        free(v->history[i].tm_mad);
    }
    free(v->history);
    v->history = NULL;
    v->nhistory = 0;
    v->last_poll = 0;
    o->lock = 0;
    back = roundtrip(o);
    doc = render(o, NB_XML_STORE, NULL);
    assert_null(strstr(doc, "<LOCK>"));
    assert_null(strstr(doc, "<TIMESTAMP>"));
    assert_non_null(strstr(doc, "<HISTORY_RECORDS></HISTORY_RECORDS>"));
    assert_int_equal(back->lock, 0);
    assert_int_equal(nb_vm_cof(back)->nhistory, 0);
    assert_null(nb_vm_last_history(nb_vm_cof(back)));
    assert_int_equal(nb_vm_cof(back)->mon_nettx, 42);
    free(doc);
    nb_object_free(back);
    nb_object_free(o);
}

static void test_info(void **state)
{
    names *n = *state;
    nb_object *o = running_vm();
    char *doc = render(o, NB_XML_INFO, &n->m);

    assert_string_equal(doc, running_info);
    assert_escapes(o, NB_XML_INFO, &n->m);
    free(doc);

    /* Never polled: empty MONITORING; locked: the full LOCK. */
    nb_vm_of(o)->last_poll = 0;
    o->lock = 1;
    o->lock_owner = 5;
    o->lock_time = 1700000001;
    doc = render(o, NB_XML_INFO, &n->m);
    assert_non_null(strstr(doc, "<LAST_POLL>0</LAST_POLL>"));
    assert_non_null(strstr(doc, "<DEPLOY_ID>one-12</DEPLOY_ID><LOCK><LOCKED>1</LOCKED>"
                                "<OWNER>5</OWNER><TIME>1700000001</TIME><REQ_ID>-1</REQ_ID>"
                                "</LOCK><MONITORING></MONITORING><SCHED_ACTIONS>"));
    assert_escapes(o, NB_XML_INFO, &n->m);
    free(doc);
    nb_object_free(o);
}

static void test_info_all_history(void **state)
{
    names *n = *state;
    nb_object *o = full_vm();
    char *doc = render(o, NB_XML_INFO, &n->m);

    assert_int_equal(count(doc, "<HISTORY>"), 2);
    assert_non_null(strstr(doc, "<UNAME>alice</UNAME><GNAME>dev</GNAME><NAME>web 42</NAME>"));
    assert_null(strstr(doc, "PENDING_STEP"));
    assert_non_null(strstr(doc, "<CPU><![CDATA[0.30000000000000004]]></CPU>"));
    assert_well_formed(doc);
    assert_escapes(o, NB_XML_INFO, &n->m);
    free(doc);
    nb_object_free(o);
}

/* one.vmpool.accounting's HISTORY: the record's members, then the full VM
 * with an empty HISTORY_RECORDS; escaped once more in escape mode. */
static void test_accounting_record(void **state)
{
    names *n = *state;
    nb_object *o = running_vm();
    const char *rec_at = strstr(running_info, "<HISTORY>");
    const char *rec_end = strstr(running_info, "</HISTORY>");
    nb_buf want = NB_BUF_INIT, got = NB_BUF_INIT, esc = NB_BUF_INIT;

    /* <HISTORY>members + <VM>... with <HISTORY_RECORDS></HISTORY_RECORDS> + </HISTORY> */
    nb_buf_add(&want, rec_at, (size_t)(rec_end - rec_at));
    nb_buf_add(&want, running_info, (size_t)(rec_at - running_info));
    nb_buf_adds(&want, rec_end + strlen("</HISTORY>"));
    nb_buf_adds(&want, "</HISTORY>");
    nb_vm_history_acct_to_xml(nb_vm_of(o), 0, &got, &n->m);
    assert_string_equal(got.data, want.data);
    assert_non_null(strstr(got.data, "<HISTORY_RECORDS></HISTORY_RECORDS><BACKUPS>"));
    assert_well_formed(got.data);

    nb_buf_reset(&want);
    nb_buf_add_xml_text(&want, got.data, got.len);
    esc.escape = true;
    nb_vm_history_acct_to_xml(nb_vm_of(o), 0, &esc, &n->m);
    assert_string_equal(esc.data, want.data);
    nb_buf_free(&want);
    nb_buf_free(&got);
    nb_buf_free(&esc);
    nb_object_free(o);
}

static void test_short(void **state)
{
    names *n = *state;
    nb_object *o = running_vm();
    char *doc = render(o, NB_XML_POOL, &n->m);

    assert_string_equal(doc, running_short);
    assert_escapes(o, NB_XML_POOL, &n->m);
    free(doc);
    nb_object_free(o);
}

/* Locked, placed twice (only the last HISTORY shows), never polled, NICs of
 * all three sources listed by NIC_ID, the scheduler's vectors and values. */
static void test_short_variants(void **state)
{
    names *n = *state;
    nb_object *o = full_vm();
    nb_vm *vm = nb_vm_of(o);
    char *doc;

    nb_tmpl_free(&o->tmpl);
    parse_into(&o->tmpl,
               "CPU = 0.5\nMEMORY = 512\n"
               "NIC = [ NIC_ID = 0, NAME = NIC0, MAC = m0, NETWORK_ID = 7 ]\n"
               "NIC = [ NIC_ID = 2, IP6 = \"fd00::2\", NETWORK_MODE = auto, "
               "SCHED_REQUIREMENTS = \"ID > 1\" ]\n"
               "NIC_ALIAS = [ NIC_ID = 3, PARENT = NIC0, IP = 10.0.0.3 ]\n"
               "PCI = [ TYPE = NIC, NIC_ID = 1, MAC = m1 ]\n"
               "PCI = [ TYPE = GPU, VENDOR = 10de ]\n"
               "GRAPHICS = [ TYPE = SPICE ]\nGRAPHICS = [ TYPE = VNC ]\n");
    nb_tmpl_free(&vm->user_tmpl);
    parse_into(&vm->user_tmpl,
               "USER_PRIORITY = \"\"\nSCHED_RANK = FREE_CPU\nERROR = \"boom\"\nLABELS = \"\"\n"
               "SCHED_DS_RANK = FREE_MB\nSCHED_DS_REQUIREMENTS = \"ID = 100\"\n"
               "SCHED_ACTION = [ ACTION = poweroff, TIME = 5 ]\nCUSTOM = x\n"
               "PUBLIC_CLOUD = [ TYPE = ec2 ]\nSCHED_RANK = \"-RUNNING_VMS\"\n");
    vm->last_poll = 0;
    doc = render(o, NB_XML_POOL, &n->m);
    assert_string_equal(doc,
        "<VM><ID>42</ID><UID>5</UID><GID>100</GID><UNAME>alice</UNAME><GNAME>dev</GNAME>"
        "<NAME>web 42</NAME><LAST_POLL>0</LAST_POLL><STATE>3</STATE><LCM_STATE>35</LCM_STATE>"
        "<RESCHED>1</RESCHED><STIME>1700000000</STIME><ETIME>1700009999</ETIME>"
        "<DEPLOY_ID>kvm01:web:dummy</DEPLOY_ID><LOCK><LOCKED>2</LOCKED></LOCK>"
        "<TEMPLATE><CPU>0.5</CPU><MEMORY>512</MEMORY><VCPU></VCPU>"
        "<NIC><MAC>m0</MAC><NETWORK></NETWORK><NETWORK_ID>7</NETWORK_ID><NIC_ID>0</NIC_ID>"
        "<SECURITY_GROUPS></SECURITY_GROUPS></NIC>"
        "<NIC><MAC>m1</MAC><NETWORK></NETWORK><NETWORK_ID></NETWORK_ID><NIC_ID>1</NIC_ID>"
        "<SECURITY_GROUPS></SECURITY_GROUPS></NIC>"
        "<NIC><IP6>fd00::2</IP6><NETWORK_MODE>auto</NETWORK_MODE>"
        "<SCHED_REQUIREMENTS>ID &gt; 1</SCHED_REQUIREMENTS><MAC></MAC><NETWORK></NETWORK>"
        "<NETWORK_ID></NETWORK_ID><NIC_ID>2</NIC_ID><SECURITY_GROUPS></SECURITY_GROUPS></NIC>"
        "<NIC><IP>10.0.0.3</IP><MAC></MAC><NETWORK></NETWORK><NETWORK_ID></NETWORK_ID>"
        "<NIC_ID>3</NIC_ID><SECURITY_GROUPS></SECURITY_GROUPS></NIC>"
        "<GRAPHICS><TYPE><![CDATA[SPICE]]></TYPE></GRAPHICS></TEMPLATE>"
        "<MONITORING></MONITORING>"
        "<USER_TEMPLATE><ERROR>boom</ERROR><SCHED_RANK>FREE_CPU</SCHED_RANK>"
        "<SCHED_DS_RANK>FREE_MB</SCHED_DS_RANK>"
        "<SCHED_DS_REQUIREMENTS>ID = 100</SCHED_DS_REQUIREMENTS><USER_PRIORITY></USER_PRIORITY>"
        "<PUBLIC_CLOUD><TYPE><![CDATA[ec2]]></TYPE></PUBLIC_CLOUD>"
        "<SCHED_ACTION><ACTION><![CDATA[poweroff]]></ACTION><TIME><![CDATA[5]]></TIME>"
        "</SCHED_ACTION></USER_TEMPLATE>"
        "<HISTORY_RECORDS><HISTORY><OID>42</OID><SEQ>1</SEQ><HOSTNAME>kvm02 &lt;&amp;&gt;</HOSTNAME>"
        "<HID>4</HID><CID>0</CID><DS_ID>0</DS_ID><VM_MAD>kvm</VM_MAD><TM_MAD>ssh</TM_MAD>"
        "<ACTION>0</ACTION></HISTORY></HISTORY_RECORDS></VM>");
    assert_escapes(o, NB_XML_POOL, &n->m);
    free(doc);

    /* Empty templates, nothing placed, no model to name the owner. */
    nb_tmpl_free(&o->tmpl);
    nb_tmpl_free(&vm->user_tmpl);
    for (size_t i = 0; i < vm->nhistory; i++) {
        free(vm->history[i].hostname);
        free(vm->history[i].vm_mad);
        free(vm->history[i].tm_mad);
    }
    vm->nhistory = 0;
    o->lock = 0;
    vm->last_poll = 1700000400;
    vm->mon_cpu = 12.25;
    doc = render(o, NB_XML_POOL, NULL);
    assert_non_null(strstr(doc, "<UNAME></UNAME><GNAME></GNAME>"));
    assert_non_null(strstr(doc, "<TEMPLATE><CPU></CPU><MEMORY></MEMORY><VCPU></VCPU></TEMPLATE>"
                                "<MONITORING><CPU>12.25</CPU><MEMORY>524288</MEMORY></MONITORING>"
                                "<USER_TEMPLATE></USER_TEMPLATE>"
                                "<HISTORY_RECORDS></HISTORY_RECORDS></VM>"));
    assert_escapes(o, NB_XML_POOL, NULL);
    free(doc);
    nb_object_free(o);
}

/* Monitoring CPU prints as the shortest decimal that reads back. */
static void test_monitoring_numbers(void **state)
{
    static const struct { double v; const char *text; } cases[] = {
        { 0.0, "0.0" }, { 3.0, "3.0" }, { 12.5, "12.5" }, { 0.25, "0.25" },
        { -1.5, "-1.5" }, { 100.07, "100.07" }, { 1.0 / 3.0, "0.3333333333333333" },
        { 1e20, "1e+20" }, { 123.456, "123.456" },
    };
    nb_object *o = running_vm();

    for (size_t i = 0; i < NB_ARRAY_SIZE(cases); i++) {
        char *doc, *want;
        nb_object *back;

        nb_vm_of(o)->mon_cpu = cases[i].v;
        doc = render(o, NB_XML_INFO, NULL);
        want = nb_asprintf("<MONITORING><CPU><![CDATA[%s]]></CPU>", cases[i].text);
        if (!strstr(doc, want))
            fail_msg("case %zu: %s not in %s", i, want, doc);
        back = roundtrip(o);
        assert_true(nb_vm_cof(back)->mon_cpu == cases[i].v);
        nb_object_free(back);
        free(want);
        free(doc);
    }
    nb_object_free(o);
}

/* Integers print as printf does, in every writer. */
static void test_integers(void **state)
{
    static const long long cases[] = {
        0, 1, 9, 10, 99, 100, 101, 999, 1000, 1700000000, -1, -10, -99, -100,
        INT64_MAX, INT64_MIN,
    };
    nb_object *o = running_vm();
    nb_vm *vm = nb_vm_of(o);

    for (size_t i = 0; i < NB_ARRAY_SIZE(cases); i++) {
        char *want = nb_asprintf("<STIME>%lld</STIME>", cases[i]);
        char *pool, *store;
        nb_object *back;

        vm->stime = cases[i];
        o->oid = (int)(cases[i] % 100000);
        pool = render(o, NB_XML_POOL, NULL);
        store = render(o, NB_XML_STORE, NULL);
        if (!strstr(pool, want) || !strstr(store, want))
            fail_msg("case %zu: %s missing", i, want);
        back = roundtrip(o);
        assert_int_equal(nb_vm_cof(back)->stime, cases[i]);
        assert_int_equal(back->oid, o->oid);
        nb_object_free(back);
        free(pool);
        free(store);
        free(want);
    }
    nb_object_free(o);
}

static void test_split(void **state)
{
    static const char text[] =
        "NAME = \"web server\"\n"
        "TEMPLATE_NAME = web\n"
        "CPU = 0.5\nVCPU = 2\nMEMORY = 1024\nMEMORY_MAX = 2048\nVCPU_MAX = 4\n"
        "CPU_COST = 0.1\nMEMORY_COST = 0.2\nDISK_COST = 0.3\n"
        "DISK = [ IMAGE_ID = 4 ]\nDISK = [ TYPE = swap, SIZE = 512 ]\n"
        "NIC = [ NETWORK_ID = 7 ]\nNIC_ALIAS = [ PARENT = NIC0, NETWORK_ID = 8 ]\n"
        "NIC_DEFAULT = [ MODEL = virtio ]\n"
        "OS = [ ARCH = x86_64, BOOT = disk0 ]\n"
        "CONTEXT = [ NETWORK = YES, SSH_PUBLIC_KEY = \"$USER[SSH_PUBLIC_KEY]\" ]\n"
        "GRAPHICS = [ TYPE = VNC, LISTEN = 0.0.0.0 ]\nVIDEO = [ TYPE = virtio ]\n"
        "INPUT = [ TYPE = tablet, BUS = usb ]\nFEATURES = [ ACPI = yes ]\n"
        "RAW = [ TYPE = kvm, DATA = \"<devices/>\" ]\nPCI = [ TYPE = GPU ]\n"
        "TOPOLOGY = [ SOCKETS = 1 ]\nNUMA_NODE = [ TOTAL_CPUS = 2 ]\nVMGROUP = [ VMGROUP_ID = 1 ]\n"
        "SCHED_ACTION = [ ACTION = poweroff ]\nEMULATOR = /usr/bin/kvm\n"
        "HYPERV_OPTIONS = \"<x/>\"\nSPICE_OPTIONS = \"<y/>\"\nCPU_MODEL = [ MODEL = host ]\n"
        "TPM = [ MODEL = tpm-tis ]\nMEMORY_ENCRYPTION = SEV\nBACKUP_CONFIG = [ MODE = FULL ]\n"
        "AUTOMATIC_REQUIREMENTS = \"CLUSTER_ID = 0\"\nAUTOMATIC_DS_REQUIREMENTS = x\n"
        "TEMPLATE_ID = 7\nVMID = 12\nTM_MAD_SYSTEM = ssh\n"
        "SCHED_REQUIREMENTS = \"HYPERVISOR = kvm\"\nSCHED_RANK = FREE_CPU\n"
        "SCHED_DS_REQUIREMENTS = \"ID = 100\"\nUSER_PRIORITY = 5\n"
        "DESCRIPTION = \"my web\"\nLABELS = \"prod,web\"\nLOGO = images/logos/ubuntu.png\n"
        "HYPERVISOR = kvm\nOWNER_EMAIL = ops@example.com\n"
        "COST = 3\nAUTOMATIC = no\nCPUS = 4\nDISKS = [ X = 1 ]\n";
    static const char *const in_template[] = {
        "AUTOMATIC_DS_REQUIREMENTS", "AUTOMATIC_REQUIREMENTS", "BACKUP_CONFIG", "CONTEXT",
        "CPU", "CPU_COST", "CPU_MODEL", "DISK", "DISK_COST", "EMULATOR", "FEATURES",
        "GRAPHICS", "HYPERV_OPTIONS", "INPUT", "MEMORY", "MEMORY_COST", "MEMORY_ENCRYPTION",
        "MEMORY_MAX", "NIC", "NIC_ALIAS", "NIC_DEFAULT", "NUMA_NODE", "OS", "PCI", "RAW",
        "SCHED_ACTION", "SPICE_OPTIONS", "TEMPLATE_ID", "TM_MAD_SYSTEM", "TOPOLOGY", "TPM",
        "VCPU", "VCPU_MAX", "VIDEO", "VMGROUP", "VMID",
    };
    static const char *const in_user[] = {
        "AUTOMATIC", "COST", "CPUS", "DESCRIPTION", "DISKS", "HYPERVISOR", "LABELS", "LOGO",
        "OWNER_EMAIL", "SCHED_DS_REQUIREMENTS", "SCHED_RANK", "SCHED_REQUIREMENTS",
        "USER_PRIORITY",
    };
    nb_tmpl in = NB_TMPL_INIT, tmpl = NB_TMPL_INIT, user = NB_TMPL_INIT;
    size_t seen = 0;

    parse_into(&in, text);
    nb_vm_split_template(&in, &tmpl, &user);

    /* Every attribute lands in exactly one place, in order; the name is the
     * VM's, not a template attribute. */
    assert_int_equal(tmpl.n + user.n, in.n - 2);
    for (size_t i = 0; i < tmpl.n; i++) {
        if (i && strcmp(tmpl.attrs[i - 1].name, tmpl.attrs[i].name) == 0)
            continue;
        assert_string_equal(tmpl.attrs[i].name, in_template[seen++]);
    }
    assert_int_equal(seen, NB_ARRAY_SIZE(in_template));
    assert_int_equal(user.n, NB_ARRAY_SIZE(in_user));
    for (size_t i = 0; i < user.n; i++)
        assert_string_equal(user.attrs[i].name, in_user[i]);
    assert_null(nb_tmpl_find(&tmpl, "NAME"));
    assert_null(nb_tmpl_find(&user, "NAME"));
    assert_null(nb_tmpl_find(&user, "TEMPLATE_NAME"));

    /* Values and vectors copied whole, repeats kept in order. */
    assert_string_equal(nb_tmpl_get(&tmpl, "CPU"), "0.5");
    assert_int_equal(tmpl.attrs[7].npairs, 1);
    assert_string_equal(nb_tmpl_vget(&tmpl, "DISK", "IMAGE_ID"), "4");
    assert_string_equal(tmpl.attrs[8].name, "DISK");
    assert_string_equal(tmpl.attrs[8].pairs[0].name, "SIZE");
    assert_string_equal(nb_tmpl_vget(&tmpl, "CONTEXT", "SSH_PUBLIC_KEY"), "$USER[SSH_PUBLIC_KEY]");
    assert_string_equal(nb_tmpl_vget(&tmpl, "OS", "BOOT"), "disk0");
    assert_string_equal(nb_tmpl_get(&user, "SCHED_REQUIREMENTS"), "HYPERVISOR = kvm");
    assert_string_equal(nb_tmpl_vget(&user, "DISKS", "X"), "1");

    /* Appends to what the targets already hold. */
    nb_tmpl_free(&user);
    parse_into(&user, "ERROR = old\n");
    nb_tmpl_free(&tmpl);
    nb_vm_split_template(&in, &tmpl, &user);
    assert_int_equal(user.n, NB_ARRAY_SIZE(in_user) + 1);
    assert_string_equal(nb_tmpl_get(&user, "ERROR"), "old");

    nb_tmpl_free(&in);
    nb_tmpl_free(&tmpl);
    nb_tmpl_free(&user);
}

static void test_history(void **state)
{
    nb_object *o = nb_object_new(&nb_vm_kind);
    nb_vm *vm = nb_vm_of(o);
    nb_vm_history *h;

    assert_null(nb_vm_last_history(vm));
    h = nb_vm_open_history(vm, 3, 100, 101, "kvm01", "kvm", "ceph", 1000);
    assert_int_equal(h->seq, 0);
    assert_int_equal(h->hid, 3);
    assert_int_equal(h->cid, 100);
    assert_int_equal(h->ds_id, 101);
    assert_string_equal(h->hostname, "kvm01");
    assert_string_equal(h->vm_mad, "kvm");
    assert_string_equal(h->tm_mad, "ceph");
    assert_int_equal(h->stime, 1000);
    assert_int_equal(h->pstime, 1000);
    assert_int_equal(h->etime, 0);
    assert_int_equal(h->petime, 0);
    assert_int_equal(h->rstime, 0);
    assert_int_equal(h->action, 0);
    assert_int_equal(h->uid, -1);
    assert_int_equal(h->gid, -1);
    assert_int_equal(h->req_id, -1);
    assert_ptr_equal(nb_vm_last_history(vm), h);
    h->etime = 2000;

    h = nb_vm_open_history(vm, 4, 0, 0, "kvm02", "kvm", "ssh", 2000);
    assert_int_equal(h->seq, 1);
    assert_int_equal(vm->nhistory, 2);
    assert_ptr_equal(nb_vm_last_history(vm), h);
    assert_int_equal(vm->history[0].etime, 2000);
    assert_string_equal(vm->history[0].hostname, "kvm01");
    nb_object_free(o);
}

static void test_clusters_hook(void **state)
{
    nb_object *o = nb_object_new(&nb_vm_kind);
    nb_vm *vm = nb_vm_of(o);
    const int *cids;
    size_t n = 7;
    nb_objref r;

    o->oid = 3;
    o->name = nb_strdup("v");
    cids = nb_vm_kind.clusters(o, &n);
    assert_null(cids);
    assert_int_equal(n, 0);
    r = nb_object_ref(o);
    assert_int_equal(r.type, NB_ACL_VM);
    assert_int_equal(r.ncids, 0);

    nb_vm_open_history(vm, 3, 100, 101, "kvm01", "kvm", "ceph", 1);
    cids = nb_vm_kind.clusters(o, &n);
    assert_int_equal(n, 1);
    assert_int_equal(cids[0], 100);

    nb_vm_open_history(vm, 4, 0, 0, "kvm02", "kvm", "ssh", 2);
    r = nb_object_ref(o);
    assert_int_equal(r.ncids, 1);
    assert_int_equal(r.cids[0], 0);

    /* Through a store round trip too. */
    nb_object *back = roundtrip(o);
    cids = nb_vm_kind.clusters(back, &n);
    assert_int_equal(n, 1);
    assert_int_equal(cids[0], 0);
    nb_object_free(back);
    nb_object_free(o);
}

static void test_kind(void **state)
{
    assert_string_equal(nb_vm_kind.table, "vm_pool");
    assert_string_equal(nb_vm_kind.root, "VM");
    assert_string_equal(nb_vm_kind.pool_root, "VM_POOL");
    assert_string_equal(nb_vm_kind.what, "virtual machine");
    assert_int_equal(nb_vm_kind.acl_type, NB_ACL_VM);
    assert_false(nb_vm_kind.unique_names);
    assert_int_equal(nb_vm_kind.size, sizeof(nb_vm));
}

/* ---- damaged stored documents ---------------------------------------------- */

typedef struct damage {
    const char *from;       /* first occurrence replaced by `to` */
    const char *to;
    const char *reason;     /* expected in the error */
} damage;

static char *replace_first(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    if (!at)
        fail_msg("%s not in the base document", from);
    return nb_asprintf("%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
}

static void test_damaged_documents(void **state)
{
    static const damage cases[] = {
        { "<VM>", "<HOST>", "not well-formed" },
        { "</VM>", "", "not well-formed" },
        { "<ID>42</ID>", "", "ID or NAME" },
        { "<UID>5</UID>", "<UID>five</UID>", "lacks a valid UID" },
        { "<GID>100</GID>", "", "lacks a valid GID" },
        { "<OWNER_U>1</OWNER_U>", "<OWNER_U>3</OWNER_U>", "lacks a valid PERMISSIONS" },
        { "<LAST_POLL>1700000400</LAST_POLL>", "", "lacks a valid LAST_POLL" },
        { "<STATE>3</STATE>", "", "lacks a valid STATE" },
        { "<STATE>3</STATE>", "<STATE>7</STATE>", "lacks a valid STATE" },
        { "<LCM_STATE>35</LCM_STATE>", "<LCM_STATE>72</LCM_STATE>", "lacks a valid LCM_STATE" },
        { "<PREV_STATE>3</PREV_STATE>", "<PREV_STATE>-1</PREV_STATE>", "valid PREV_STATE" },
        { "<PREV_LCM_STATE>7</PREV_LCM_STATE>", "", "valid PREV_LCM_STATE" },
        { "<RESCHED>1</RESCHED>", "<RESCHED>2</RESCHED>", "lacks a valid RESCHED" },
        { "<STIME>1700000000</STIME>", "", "lacks a valid STIME" },
        { "<ETIME>1700009999</ETIME>", "<ETIME>later</ETIME>", "lacks a valid ETIME" },
        { "<DEPLOY_ID>kvm01:web:dummy</DEPLOY_ID>", "", "lacks a valid DEPLOY_ID" },
        { "<PENDING_STEP>8</PENDING_STEP>", "", "lacks a valid PENDING_STEP" },
        { "<PENDING_STEP>8</PENDING_STEP>", "<PENDING_STEP>99</PENDING_STEP>", "PENDING_STEP" },
        { "<LOCKED>2</LOCKED>", "<LOCKED>4</LOCKED>", "lacks a valid LOCK" },
        { "<OWNER>5</OWNER>", "", "lacks a valid LOCK" },
        { "<MONITORING>", "<MONITORINGX>", "not well-formed" },
        { "<CPU><![CDATA[0.30000000000000004]]></CPU>", "", "valid MONITORING/CPU" },
        { "<![CDATA[0.30000000000000004]]>", "<![CDATA[fast]]>", "valid MONITORING/CPU" },
        { "<NETTX><![CDATA[42]]></NETTX>", "", "valid MONITORING/NETTX" },
        { "<USER_TEMPLATE>", "<USER_TEMPLATEX>", "not well-formed" },
        { "<HISTORY_RECORDS>", "<HISTORY_RECORDZ>", "not well-formed" },
        { "<SEQ>1</SEQ>", "<SEQ>5</SEQ>", "HISTORY record 1 with SEQ 5" },
        { "<HOSTNAME>kvm01</HOSTNAME>", "", "HISTORY_RECORDS/HISTORY[0]/HOSTNAME" },
        { "<HID>4</HID>", "<HID>x</HID>", "HISTORY_RECORDS/HISTORY[1]/HID" },
        { "<RETIME>1700000200</RETIME>", "", "HISTORY[0]/RETIME" },
        { "<REQUEST_ID>77</REQUEST_ID>", "", "HISTORY[0]/REQUEST_ID" },
        { "<TM_MAD><![CDATA[ssh]]></TM_MAD>", "", "HISTORY[1]/TM_MAD" },
        { "<CPU><![CDATA[0.5]]></CPU>", "<CPU><![CDATA[a]]>]]></CPU>", "not well-formed" },
    };
    nb_object *o = full_vm();
    char *base = render(o, NB_XML_STORE, NULL);

    for (size_t i = 0; i < NB_ARRAY_SIZE(cases); i++) {
        const damage *c = &cases[i];
        char *doc = replace_first(base, c->from, c->to);
        char *err = NULL;
        nb_object *back = nb_object_load(&nb_vm_kind, doc, strlen(doc), &err);

        if (back || !err || !strstr(err, c->reason))
            fail_msg("case %zu (%s): got %s", i, c->from, err ? err : "an object");
        free(err);
        free(doc);
    }

    /* Whole elements gone. */
    static const char *const required[] = {
        "TEMPLATE", "USER_TEMPLATE", "HISTORY_RECORDS", "MONITORING",
    };
    for (size_t i = 0; i < NB_ARRAY_SIZE(required); i++) {
        char *open = nb_asprintf("<%s>", required[i]);
        char *close = nb_asprintf("</%s>", required[i]);
        char *start = strstr(base, open);
        char *end = strstr(base, close);
        char *doc, *err = NULL;
        nb_object *back;

        assert_non_null(start);
        assert_non_null(end);
        doc = nb_asprintf("%.*s%s", (int)(start - base), base, end + strlen(close));
        back = nb_object_load(&nb_vm_kind, doc, strlen(doc), &err);
        if (back || !err || !strstr(err, required[i]))
            fail_msg("without %s: got %s", required[i], err ? err : "an object");
        free(err);
        free(doc);
        free(open);
        free(close);
    }
    free(base);
    nb_object_free(o);
}

/* vmpool.info of 10,000 VMs, rendered as the listing does it: into one
 * buffer in escape mode.  A sanity check only, no timing. */
static void test_many_short(void **state)
{
    names *n = *state;
    enum { NVMS = 10000 };
    nb_object *o = running_vm();
    nb_buf b = NB_BUF_INIT;
    size_t one;

    b.escape = true;
    o->kind->to_xml(o, &b, NB_XML_POOL, &n->m);
    one = b.len;
    for (int i = 1; i < NVMS; i++) {
        o->oid = i;
        o->kind->to_xml(o, &b, NB_XML_POOL, &n->m);
    }
    assert_true(b.len >= one * (NVMS - 1));
    assert_int_equal(count(b.data, "&lt;VM&gt;&lt;ID&gt;"), NVMS);
    assert_int_equal(count(b.data, "&lt;/VM&gt;"), NVMS);
    nb_buf_free(&b);
    nb_object_free(o);
}

int main(void)
{
#define T(fn) cmocka_unit_test(fn)
#define N(fn) cmocka_unit_test_setup_teardown(fn, names_setup, names_teardown)
    const struct CMUnitTest tests[] = {
        T(test_kind),
        T(test_store_roundtrip),
        N(test_info),
        N(test_info_all_history),
        N(test_accounting_record),
        N(test_short),
        N(test_short_variants),
        T(test_monitoring_numbers),
        T(test_integers),
        T(test_split),
        T(test_history),
        T(test_clusters_hook),
        T(test_damaged_documents),
        N(test_many_short),
    };
#undef T
#undef N

    return cmocka_run_group_tests(tests, NULL, NULL);
}
