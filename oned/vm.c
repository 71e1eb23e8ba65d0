#include "oned/vm.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "acl/rule.h"
#include "oned/model.h"

/*
 * Documents (reference §3.10):
 *
 *  - NB_XML_INFO: the full VM, every HISTORY record (oldest first).
 *  - NB_XML_POOL: OpenNebula's VirtualMachine::to_xml_short, the body of
 *    one.vmpool.info.  It is the hot path of a listing (every VM of the pool,
 *    rendered straight into the XML-RPC <string> in escape mode), so it is
 *    written with the small writers below: one capacity check per element,
 *    markup copied from literals that exist in both spellings (plain and
 *    escaped), templates read in one merge pass over their sorted
 *    attributes, nothing allocated.  The escaped text is then kept with the
 *    VM (vm_short_cached), so listing VMs that did not change is a copy.
 *  - NB_XML_STORE: the full VM without resolved names, plus what oned needs
 *    back (PENDING_STEP, the monitoring values even before a TIMESTAMP).
 */

/* ---- writers ------------------------------------------------------------- */

#define VM_INLINE static inline __attribute__((always_inline))

/* A piece of markup in its two spellings: as is, and escaped once for an
 * XML-RPC <string> (the buffer's escape mode). */
typedef struct vm_mark {
    const char *plain, *esc;
    size_t plain_len, esc_len;
} vm_mark;

#define VM_MARK(plain, esc) ((vm_mark){ plain, esc, sizeof(plain) - 1, sizeof(esc) - 1 })
#define VM_OPEN(name) VM_MARK("<" name ">", "&lt;" name "&gt;")
#define VM_CLOSE(name) VM_MARK("</" name ">", "&lt;/" name "&gt;")

/* Characters text cannot carry as they are, and their entities once and
 * twice escaped (text inside a document inside an XML-RPC string). */
static const char *const vm_ent1[256] = {
    ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['\r'] = "&#13;",
};
static const char *const vm_ent2[256] = {
    ['&'] = "&amp;amp;", ['<'] = "&amp;lt;", ['>'] = "&amp;gt;", ['\r'] = "&amp;#13;",
};
#define VM_ENT_MAX 9    /* longest entity above */

/* Room for n more bytes; returns where they go. */
VM_INLINE char *vm_room(nb_buf *b, size_t n)
{
    if (b->len + n + 1 > b->cap)
        nb_buf_reserve(b, n);
    return b->data + b->len;
}

VM_INLINE void vm_done(nb_buf *b, char *p)
{
    b->len = (size_t)(p - b->data);
    *p = '\0';
}

VM_INLINE char *vm_put(char *p, bool esc, vm_mark m)
{
    if (esc) {
        memcpy(p, m.esc, m.esc_len);
        return p + m.esc_len;
    }
    memcpy(p, m.plain, m.plain_len);
    return p + m.plain_len;
}

VM_INLINE size_t vm_mark_len(vm_mark m)
{
    return m.esc_len > m.plain_len ? m.esc_len : m.plain_len;
}

VM_INLINE void vm_lit(nb_buf *b, vm_mark m)
{
    char *p = vm_room(b, vm_mark_len(m));
    vm_done(b, vm_put(p, b->escape, m));
}
#define VM_LIT(b, plain, esc) vm_lit((b), VM_MARK(plain, esc))

static const char vm_pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Decimal, two digits a step: documents are full of 10-digit times. */
VM_INLINE char *vm_digits(char *p, long long v)
{
    char tmp[24];
    char *q = tmp + sizeof(tmp);
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;

    while (u >= 100) {
        q -= 2;
        memcpy(q, vm_pairs + 2 * (u % 100), 2);
        u /= 100;
    }
    if (u >= 10) {
        q -= 2;
        memcpy(q, vm_pairs + 2 * u, 2);
    } else {
        *--q = (char)('0' + u);
    }
    if (v < 0)
        *--q = '-';
    memcpy(p, q, (size_t)(tmp + sizeof(tmp) - q));
    return p + (tmp + sizeof(tmp) - q);
}

/* What a character asks of a writer: VM_C_ESC, an entity; VM_C_BRACKET,
 * a look for "]]>" before it goes into CDATA. */
enum { VM_C_ESC = 1, VM_C_BRACKET = 2 };
static const unsigned char vm_class[256] = {
    ['&'] = VM_C_ESC, ['<'] = VM_C_ESC, ['>'] = VM_C_ESC, ['\r'] = VM_C_ESC,
    [']'] = VM_C_BRACKET,
};

/* strlen and the classes of the characters met, in one pass: values are
 * short and mostly plain, so a library call per value would cost more. */
VM_INLINE size_t vm_measure(const char *s, unsigned *cls)
{
    size_t n = 0;
    unsigned c = 0;

    for (; s[n]; n++)
        c |= vm_class[(unsigned char)s[n]];
    *cls = c;
    return n;
}

/* strcmp, inline: names differ early. */
VM_INLINE int vm_cmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

/* Text (room for VM_ENT_MAX * n needed): escaped once in a plain buffer,
 * twice in escape mode. */
static char *vm_text_at(char *p, const char *s, size_t n, bool esc)
{
    const char *const *ent = esc ? vm_ent2 : vm_ent1;
    const char *end = s + n;

    while (s < end) {
        const char *run = s;
        while (s < end && !ent[(unsigned char)*s])
            s++;
        memcpy(p, run, (size_t)(s - run));
        p += s - run;
        if (s < end) {
            const char *e = ent[(unsigned char)*s++];
            size_t el = strlen(e);
            memcpy(p, e, el);
            p += el;
        }
    }
    return p;
}

/* Tag with a name known only at run time (template attributes). */
static char *vm_tag_at(char *p, const char *name, size_t n, bool close, bool esc)
{
    if (esc) {
        memcpy(p, close ? "&lt;/" : "&lt;", close ? 5 : 4);
        p += close ? 5 : 4;
    } else {
        *p++ = '<';
        if (close)
            *p++ = '/';
    }
    memcpy(p, name, n);
    p += n;
    if (esc) {
        memcpy(p, "&gt;", 4);
        return p + 4;
    }
    *p++ = '>';
    return p;
}

VM_INLINE void vm_int(nb_buf *b, vm_mark open, vm_mark close, long long v)
{
    char *p = vm_room(b, vm_mark_len(open) + vm_mark_len(close) + 21);
    bool esc = b->escape;

    p = vm_put(p, esc, open);
    p = vm_digits(p, v);
    vm_done(b, vm_put(p, esc, close));
}
#define VM_INT(b, name, v) vm_int((b), VM_OPEN(name), VM_CLOSE(name), (v))

/* s NULL (an absent template value) writes an empty element. */
VM_INLINE void vm_text(nb_buf *b, vm_mark open, vm_mark close, const char *s)
{
    unsigned cls;
    size_t n = vm_measure(s ? s : "", &cls);
    char *p = vm_room(b, vm_mark_len(open) + vm_mark_len(close) +
                         (cls & VM_C_ESC ? VM_ENT_MAX * n : n));
    bool esc = b->escape;

    p = vm_put(p, esc, open);
    if (cls & VM_C_ESC) {
        p = vm_text_at(p, s, n, esc);
    } else if (n) {
        memcpy(p, s, n);
        p += n;
    }
    vm_done(b, vm_put(p, esc, close));
}
#define VM_TEXT(b, name, s) vm_text((b), VM_OPEN(name), VM_CLOSE(name), (s))

/* <name><![CDATA[v]]></name> for a name known at run time. */
static void vm_cdata_dyn(nb_buf *b, const char *name, const char *v)
{
    unsigned cls;
    size_t nl = strlen(name), vl = vm_measure(v, &cls);
    bool esc = b->escape;
    char *p;

    if ((cls & VM_C_BRACKET) && strstr(v, "]]>")) {     /* templates refuse it */
        nb_buf_elem_cdata(b, name, v);
        return;
    }
    p = vm_room(b, 2 * nl + 40 + (esc ? VM_ENT_MAX * vl : vl));
    p = vm_tag_at(p, name, nl, false, esc);
    if (esc) {
        memcpy(p, "&lt;![CDATA[", 12);
        if (cls & VM_C_ESC) {
            p = vm_text_at(p + 12, v, vl, false);  /* once: it is CDATA */
        } else {
            memcpy(p + 12, v, vl);
            p += 12 + vl;
        }
        memcpy(p, "]]&gt;", 6);
        p += 6;
    } else {
        memcpy(p, "<![CDATA[", 9);
        memcpy(p + 9, v, vl);
        memcpy(p + 9 + vl, "]]>", 3);
        p += 12 + vl;
    }
    vm_done(b, vm_tag_at(p, name, nl, true, esc));
}

/* A vector attribute as OpenNebula's VectorAttribute::to_xml writes it. */
static void vm_vector(nb_buf *b, const nb_tattr *a)
{
    size_t nl = strlen(a->name);

    vm_done(b, vm_tag_at(vm_room(b, nl + 10), a->name, nl, false, b->escape));
    for (size_t i = 0; i < a->npairs; i++)
        vm_cdata_dyn(b, a->pairs[i].name, a->pairs[i].value);
    vm_done(b, vm_tag_at(vm_room(b, nl + 10), a->name, nl, true, b->escape));
}

/* Shortest decimal that reads back as v: "3.0", "12.5", "0.25", else %.Ng. */
static size_t vm_fmt_double(char out[40], double v)
{
    if (v > -1e13 && v < 1e13) {        /* k stays exact in a double */
        double x = v * 100.0;
        long long k = (long long)(x + (x >= 0 ? 0.5 : -0.5));
        if ((double)k / 100.0 == v) {
            unsigned long long u = k < 0 ? 0ull - (unsigned long long)k : (unsigned long long)k;
            char *p = out;
            if (k < 0)
                *p++ = '-';
            p = vm_digits(p, (long long)(u / 100));
            *p++ = '.';
            *p++ = (char)('0' + u / 10 % 10);
            if (u % 10)
                *p++ = (char)('0' + u % 10);
            *p = '\0';
            return (size_t)(p - out);
        }
    }
    for (int prec = 15; prec <= 17; prec++) {
        int n = snprintf(out, 40, "%.*g", prec, v);
        if (prec == 17 || strtod(out, NULL) == v)
            return (size_t)n;
    }
    return 0;   /* not reached */
}

size_t nb_vm_fmt_double(char out[40], double v)
{
    return vm_fmt_double(out, v);
}

static int vm_parse_double(const char *s, double *out)
{
    char *end;
    double v;

    if (!s || !*s)
        return -1;
    v = strtod(s, &end);
    if (*end)
        return -1;
    *out = v;
    return 0;
}

/* ---- template lookups ---------------------------------------------------- */

/* Where each wanted name sits in a sorted template: first index and count,
 * and the first single value. */
typedef struct vm_slot {
    size_t first, count;
    const char *value;
} vm_slot;

/*
 * Every attribute name and value is an allocation of its own: in a pool of
 * thousands of VMs, the merge passes below would wait on one cache miss per
 * name, one after the other.  Asking for all of them first lets the misses
 * overlap.
 */
static void vm_prefetch_attrs(const nb_tmpl *t)
{
    for (size_t i = 0; i < t->n; i++) {
        __builtin_prefetch(t->attrs[i].name);
        __builtin_prefetch(t->attrs[i].value ? (const void *)t->attrs[i].value
                                             : (const void *)t->attrs[i].pairs);
    }
}

static void vm_prefetch_pairs(const nb_tattr *a)
{
    for (size_t i = 0; i < a->npairs; i++) {
        __builtin_prefetch(a->pairs[i].name);
        __builtin_prefetch(a->pairs[i].value);
    }
}

/*
 * One merge pass of sorted keys over sorted names (the first member of
 * nb_tattr and of nb_tpair alike, `stride` apart): first[k] and count[k] say
 * where key k sits.  Names are mostly told apart by their first character,
 * so that is compared before whole names.
 */
#define VM_MAX_KEYS 16
_Static_assert(offsetof(nb_tattr, name) == 0 && offsetof(nb_tpair, name) == 0,
               "vm_merge reads names at the start of attributes and members");

static void vm_merge(const void *base, size_t stride, size_t n, const char *const *keys,
                     size_t nk, size_t *first, size_t *count)
{
    size_t k = 0;

    memset(count, 0, nk * sizeof(*count));
    for (size_t i = 0; i < n; i++) {
        const char *name = *(const char *const *)((const char *)base + i * stride);
        unsigned char c0 = (unsigned char)name[0];
        int c;

        while ((unsigned char)keys[k][0] < c0)
            if (++k == nk)
                return;
        if ((unsigned char)keys[k][0] > c0)
            continue;
        while ((c = vm_cmp(keys[k], name)) < 0)
            if (++k == nk)
                return;
        if (c == 0 && !count[k]++)
            first[k] = i;
    }
}

/* Where each wanted name sits in a sorted template: first index and count,
 * and the first single value. */
static void vm_scan(const nb_tmpl *t, const char *const *keys, size_t nk, vm_slot *slots)
{
    size_t first[VM_MAX_KEYS], count[VM_MAX_KEYS];

    vm_merge(t->attrs, sizeof(*t->attrs), t->n, keys, nk, first, count);
    for (size_t k = 0; k < nk; k++) {
        slots[k].first = count[k] ? first[k] : 0;
        slots[k].count = count[k];
        slots[k].value = NULL;
        for (size_t i = 0; i < count[k] && !slots[k].value; i++)
            slots[k].value = t->attrs[first[k] + i].value;
    }
}

/* First value of each wanted member of a vector (NULL when absent); keys
 * sorted by strcmp, as the members are. */
static void vm_pick(const nb_tattr *a, const char *const *keys, size_t nk, const char **vals)
{
    size_t first[VM_MAX_KEYS], count[VM_MAX_KEYS];

    vm_merge(a->pairs, sizeof(*a->pairs), a->npairs, keys, nk, first, count);
    for (size_t k = 0; k < nk; k++)
        vals[k] = count[k] ? a->pairs[first[k]].value : NULL;
}

/* ---- the short document (one.vmpool.info) -------------------------------- */

/* TEMPLATE members the short form reads, sorted. */
enum { T_CPU, T_DISK, T_GRAPHICS, T_MEMORY, T_NIC, T_NIC_ALIAS, T_PCI, T_VCPU, T_COUNT };
static const char *const vm_short_tmpl[T_COUNT] = {
    "CPU", "DISK", "GRAPHICS", "MEMORY", "NIC", "NIC_ALIAS", "PCI", "VCPU",
};

/* VirtualMachineDisk::to_xml_short: every member written, "" when absent. */
enum {
    D_CLONE, D_CLONE_TARGET, D_DATASTORE, D_DATASTORE_ID, D_DISK_ID,
    D_DISK_SNAPSHOT_TOTAL_SIZE, D_IMAGE, D_IMAGE_ID, D_LN_TARGET, D_SIZE, D_TYPE, D_COUNT
};
static const char *const vm_disk_keys[D_COUNT] = {
    "CLONE", "CLONE_TARGET", "DATASTORE", "DATASTORE_ID", "DISK_ID",
    "DISK_SNAPSHOT_TOTAL_SIZE", "IMAGE", "IMAGE_ID", "LN_TARGET", "SIZE", "TYPE",
};

/* VirtualMachineNic::to_xml_short: addresses, mode and scheduling only when
 * set, then MAC, NETWORK, NETWORK_ID, NIC_ID, SECURITY_GROUPS always. */
enum {
    N_EXTERNAL_IP, N_IP, N_IP6, N_IP6_GLOBAL, N_IP6_LINK, N_IP6_ULA, N_MAC, N_NETWORK,
    N_NETWORK_ID, N_NETWORK_MODE, N_NIC_ID, N_SCHED_RANK, N_SCHED_REQUIREMENTS,
    N_SECURITY_GROUPS, N_COUNT
};
static const char *const vm_nic_keys[N_COUNT] = {
    "EXTERNAL_IP", "IP", "IP6", "IP6_GLOBAL", "IP6_LINK", "IP6_ULA", "MAC", "NETWORK",
    "NETWORK_ID", "NETWORK_MODE", "NIC_ID", "SCHED_RANK", "SCHED_REQUIREMENTS",
    "SECURITY_GROUPS",
};

/* VirtualMachineTemplate::to_xml_short (USER_TEMPLATE), sorted. */
enum {
    U_ERROR, U_LABELS, U_PUBLIC_CLOUD, U_SCHED_ACTION, U_SCHED_DS_RANK,
    U_SCHED_DS_REQUIREMENTS, U_SCHED_MESSAGE, U_SCHED_RANK, U_SCHED_REQUIREMENTS,
    U_USER_PRIORITY, U_COUNT
};
static const char *const vm_short_user[U_COUNT] = {
    "ERROR", "LABELS", "PUBLIC_CLOUD", "SCHED_ACTION", "SCHED_DS_RANK",
    "SCHED_DS_REQUIREMENTS", "SCHED_MESSAGE", "SCHED_RANK", "SCHED_REQUIREMENTS",
    "USER_PRIORITY",
};

_Static_assert(T_COUNT <= VM_MAX_KEYS && D_COUNT <= VM_MAX_KEYS && N_COUNT <= VM_MAX_KEYS &&
               U_COUNT <= VM_MAX_KEYS, "key sets fit vm_merge's arrays");

static void vm_short_disk(nb_buf *b, const nb_tattr *a)
{
    const char *v[D_COUNT];

    vm_pick(a, vm_disk_keys, D_COUNT, v);
    VM_LIT(b, "<DISK>", "&lt;DISK&gt;");
    VM_TEXT(b, "DISK_ID", v[D_DISK_ID]);
    VM_TEXT(b, "DATASTORE", v[D_DATASTORE]);
    VM_TEXT(b, "DATASTORE_ID", v[D_DATASTORE_ID]);
    VM_TEXT(b, "IMAGE", v[D_IMAGE]);
    VM_TEXT(b, "IMAGE_ID", v[D_IMAGE_ID]);
    VM_TEXT(b, "SIZE", v[D_SIZE]);
    VM_TEXT(b, "TYPE", v[D_TYPE]);
    VM_TEXT(b, "CLONE", v[D_CLONE]);
    VM_TEXT(b, "CLONE_TARGET", v[D_CLONE_TARGET]);
    VM_TEXT(b, "LN_TARGET", v[D_LN_TARGET]);
    VM_TEXT(b, "DISK_SNAPSHOT_TOTAL_SIZE", v[D_DISK_SNAPSHOT_TOTAL_SIZE]);
    VM_LIT(b, "</DISK>", "&lt;/DISK&gt;");
}

#define VM_TEXT_IF(b, name, s) do { if ((s) && *(s)) VM_TEXT(b, name, s); } while (0)

static void vm_short_nic(nb_buf *b, const char *const *v)
{
    VM_LIT(b, "<NIC>", "&lt;NIC&gt;");
    VM_TEXT_IF(b, "IP", v[N_IP]);
    VM_TEXT_IF(b, "EXTERNAL_IP", v[N_EXTERNAL_IP]);
    VM_TEXT_IF(b, "IP6", v[N_IP6]);
    VM_TEXT_IF(b, "IP6_ULA", v[N_IP6_ULA]);
    VM_TEXT_IF(b, "IP6_LINK", v[N_IP6_LINK]);
    VM_TEXT_IF(b, "IP6_GLOBAL", v[N_IP6_GLOBAL]);
    VM_TEXT_IF(b, "NETWORK_MODE", v[N_NETWORK_MODE]);
    VM_TEXT_IF(b, "SCHED_REQUIREMENTS", v[N_SCHED_REQUIREMENTS]);
    VM_TEXT_IF(b, "SCHED_RANK", v[N_SCHED_RANK]);
    VM_TEXT(b, "MAC", v[N_MAC]);
    VM_TEXT(b, "NETWORK", v[N_NETWORK]);
    VM_TEXT(b, "NETWORK_ID", v[N_NETWORK_ID]);
    VM_TEXT(b, "NIC_ID", v[N_NIC_ID]);
    VM_TEXT(b, "SECURITY_GROUPS", v[N_SECURITY_GROUPS]);
    VM_LIT(b, "</NIC>", "&lt;/NIC&gt;");
}

static const char *vm_member(const nb_tattr *a, const char *name)
{
    for (size_t i = 0; i < a->npairs; i++)
        if (strcmp(a->pairs[i].name, name) == 0)
            return a->pairs[i].value;
    return NULL;
}

/* One source of interfaces for the short form: a run of NIC, NIC_ALIAS or
 * PCI vectors, and the next interface in it. */
typedef struct vm_nic_run {
    const nb_tattr *attrs;
    size_t n, at;
    bool pci;                   /* only TYPE = NIC devices count */
    const char *v[N_COUNT];     /* members of attrs[at], when at < n */
    long long id;               /* its NIC_ID; without one it goes last */
} vm_nic_run;

/* Move to the first interface at or after run->at; false when none is left. */
static bool vm_nic_run_next(vm_nic_run *r)
{
    for (; r->at < r->n; r->at++) {
        const nb_tattr *a = &r->attrs[r->at];
        const char *type;
        if (a->value || (r->pci && (!(type = vm_member(a, "TYPE")) || strcmp(type, "NIC") != 0)))
            continue;
        vm_pick(a, vm_nic_keys, N_COUNT, r->v);
        if (!r->v[N_NIC_ID] || nb_parse_ll(r->v[N_NIC_ID], &r->id) < 0)
            r->id = LLONG_MAX;
        return true;
    }
    return false;
}

/* The interfaces OpenNebula lists as NIC in the short form: NIC, NIC_ALIAS
 * and PCI devices of TYPE NIC, by NIC_ID.  Each source is already in NIC_ID
 * order (ids are handed out in template order), so the three are merged. */
static void vm_short_nics(nb_buf *b, const nb_tmpl *t, const vm_slot *s)
{
    static const int sources[3] = { T_NIC, T_NIC_ALIAS, T_PCI };
    vm_nic_run runs[3];
    bool live[3];

    for (int g = 0; g < 3; g++) {
        runs[g] = (vm_nic_run){
            .attrs = s[sources[g]].count ? t->attrs + s[sources[g]].first : NULL,
            .n = s[sources[g]].count,
            .pci = sources[g] == T_PCI,
        };
        live[g] = vm_nic_run_next(&runs[g]);
    }
    for (;;) {
        int best = -1;
        for (int g = 0; g < 3; g++)
            if (live[g] && (best < 0 || runs[g].id < runs[best].id))
                best = g;
        if (best < 0)
            return;
        vm_short_nic(b, runs[best].v);
        runs[best].at++;
        live[best] = vm_nic_run_next(&runs[best]);
    }
}

static void vm_short_monitoring(nb_buf *b, const nb_vm *vm)
{
    char num[40];

    if (vm->last_poll <= 0) {
        VM_LIT(b, "<MONITORING></MONITORING>", "&lt;MONITORING&gt;&lt;/MONITORING&gt;");
        return;
    }
    VM_LIT(b, "<MONITORING>", "&lt;MONITORING&gt;");
    vm_fmt_double(num, vm->mon_cpu);
    VM_TEXT(b, "CPU", num);
    VM_INT(b, "MEMORY", vm->mon_memory_kb);
    VM_LIT(b, "</MONITORING>", "&lt;/MONITORING&gt;");
}

static void vm_short_user_template(nb_buf *b, const nb_tmpl *t)
{
    vm_slot s[U_COUNT];

    vm_scan(t, vm_short_user, U_COUNT, s);
    VM_LIT(b, "<USER_TEMPLATE>", "&lt;USER_TEMPLATE&gt;");
    /* Sunstone's: only when non-empty. */
    VM_TEXT_IF(b, "LABELS", s[U_LABELS].value);
    VM_TEXT_IF(b, "ERROR", s[U_ERROR].value);
    VM_TEXT_IF(b, "SCHED_MESSAGE", s[U_SCHED_MESSAGE].value);
    /* The scheduler's: whenever present. */
    if (s[U_SCHED_RANK].value)
        VM_TEXT(b, "SCHED_RANK", s[U_SCHED_RANK].value);
    if (s[U_SCHED_DS_RANK].value)
        VM_TEXT(b, "SCHED_DS_RANK", s[U_SCHED_DS_RANK].value);
    if (s[U_SCHED_REQUIREMENTS].value)
        VM_TEXT(b, "SCHED_REQUIREMENTS", s[U_SCHED_REQUIREMENTS].value);
    if (s[U_SCHED_DS_REQUIREMENTS].value)
        VM_TEXT(b, "SCHED_DS_REQUIREMENTS", s[U_SCHED_DS_REQUIREMENTS].value);
    if (s[U_USER_PRIORITY].value)
        VM_TEXT(b, "USER_PRIORITY", s[U_USER_PRIORITY].value);
    for (int k = U_PUBLIC_CLOUD; k <= U_SCHED_ACTION; k++)
        for (size_t i = 0; i < s[k].count; i++)
            if (!t->attrs[s[k].first + i].value)
                vm_vector(b, &t->attrs[s[k].first + i]);
    VM_LIT(b, "</USER_TEMPLATE>", "&lt;/USER_TEMPLATE&gt;");
}

static void vm_short_history(nb_buf *b, const nb_vm *vm)
{
    const nb_vm_history *h = nb_vm_last_history(vm);

    if (!h) {
        VM_LIT(b, "<HISTORY_RECORDS></HISTORY_RECORDS>",
               "&lt;HISTORY_RECORDS&gt;&lt;/HISTORY_RECORDS&gt;");
        return;
    }
    VM_LIT(b, "<HISTORY_RECORDS><HISTORY>", "&lt;HISTORY_RECORDS&gt;&lt;HISTORY&gt;");
    VM_INT(b, "OID", vm->o.oid);
    VM_INT(b, "SEQ", h->seq);
    VM_TEXT(b, "HOSTNAME", h->hostname);
    VM_INT(b, "HID", h->hid);
    VM_INT(b, "CID", h->cid);
    VM_INT(b, "DS_ID", h->ds_id);
    VM_TEXT(b, "VM_MAD", h->vm_mad);
    VM_TEXT(b, "TM_MAD", h->tm_mad);
    VM_INT(b, "ACTION", h->action);
    VM_LIT(b, "</HISTORY></HISTORY_RECORDS>", "&lt;/HISTORY&gt;&lt;/HISTORY_RECORDS&gt;");
}

static const char *vm_uname(const nb_model *m, int uid)
{
    return m ? nb_model_user_name(m, uid) : "";
}

static const char *vm_gname(const nb_model *m, int gid)
{
    return m ? nb_model_group_name(m, gid) : "";
}

static void vm_to_xml_short(const nb_vm *vm, nb_buf *b, const nb_model *m)
{
    const nb_object *o = &vm->o;
    const nb_vm_history *h = nb_vm_last_history(vm);
    vm_slot s[T_COUNT];

    /* Fetch first, write after: the template is located before the head
     * is written, so that its vectors arrive while the head goes out. */
    vm_prefetch_attrs(&o->tmpl);
    vm_prefetch_attrs(&vm->user_tmpl);
    __builtin_prefetch(o->name);
    __builtin_prefetch(vm->deploy_id);
    if (h) {
        __builtin_prefetch(h->hostname);
        __builtin_prefetch(h->vm_mad);
        __builtin_prefetch(h->tm_mad);
    }
    vm_scan(&o->tmpl, vm_short_tmpl, T_COUNT, s);
    for (int k = T_DISK; k <= T_PCI; k++)
        if (k != T_MEMORY)
            for (size_t i = 0; i < s[k].count; i++)
                vm_prefetch_pairs(&o->tmpl.attrs[s[k].first + i]);

    VM_LIT(b, "<VM>", "&lt;VM&gt;");
    VM_INT(b, "ID", o->oid);
    VM_INT(b, "UID", o->uid);
    VM_INT(b, "GID", o->gid);
    VM_TEXT(b, "UNAME", vm_uname(m, o->uid));
    VM_TEXT(b, "GNAME", vm_gname(m, o->gid));
    VM_TEXT(b, "NAME", o->name);
    VM_INT(b, "LAST_POLL", vm->last_poll);
    VM_INT(b, "STATE", vm->phase.state);
    VM_INT(b, "LCM_STATE", vm->phase.lcm);
    VM_INT(b, "RESCHED", vm->resched);
    VM_INT(b, "STIME", vm->stime);
    VM_INT(b, "ETIME", vm->etime);
    VM_TEXT(b, "DEPLOY_ID", vm->deploy_id);
    if (o->lock) {      /* the short form has the level only */
        VM_LIT(b, "<LOCK>", "&lt;LOCK&gt;");
        VM_INT(b, "LOCKED", o->lock);
        VM_LIT(b, "</LOCK>", "&lt;/LOCK&gt;");
    }

    VM_LIT(b, "<TEMPLATE>", "&lt;TEMPLATE&gt;");
    VM_TEXT(b, "CPU", s[T_CPU].value);
    VM_TEXT(b, "MEMORY", s[T_MEMORY].value);
    VM_TEXT(b, "VCPU", s[T_VCPU].value);
    for (size_t i = 0; i < s[T_DISK].count; i++)
        if (!o->tmpl.attrs[s[T_DISK].first + i].value)
            vm_short_disk(b, &o->tmpl.attrs[s[T_DISK].first + i]);
    vm_short_nics(b, &o->tmpl, s);
    for (size_t i = 0; i < s[T_GRAPHICS].count; i++)
        if (!o->tmpl.attrs[s[T_GRAPHICS].first + i].value) {     /* the first vector */
            vm_vector(b, &o->tmpl.attrs[s[T_GRAPHICS].first + i]);
            break;
        }
    VM_LIT(b, "</TEMPLATE>", "&lt;/TEMPLATE&gt;");

    vm_short_monitoring(b, vm);
    vm_short_user_template(b, &vm->user_tmpl);
    vm_short_history(b, vm);
    VM_LIT(b, "</VM>", "&lt;/VM&gt;");
}

/* ---- HISTORY records (full) ---------------------------------------------- */

enum vm_hkind {
    VH_OID,     /* the VM's id: written, checked to be a number on load */
    VH_INT,
    VH_LL,
    VH_TEXT,
    VH_CDATA,
    VH_UNSET,   /* 7.x member Nubes has no use for: written -1, ignored on load */
};

typedef struct vm_hfield {
    const char *name;
    enum vm_hkind kind;
    size_t off;
} vm_hfield;

#define VH(name, kind, member) { name, kind, offsetof(nb_vm_history, member) }

/* Document order (reference §3.10, §7.3); one table to write and read. */
static const vm_hfield vm_hfields[] = {
    { "OID", VH_OID, 0 },
    VH("SEQ", VH_INT, seq),
    VH("HOSTNAME", VH_TEXT, hostname),
    VH("HID", VH_INT, hid),
    VH("CID", VH_INT, cid),
    VH("STIME", VH_LL, stime),
    VH("ETIME", VH_LL, etime),
    VH("VM_MAD", VH_CDATA, vm_mad),
    VH("TM_MAD", VH_CDATA, tm_mad),
    VH("DS_ID", VH_INT, ds_id),
    { "PLAN_ID", VH_UNSET, 0 },
    { "ACTION_ID", VH_UNSET, 0 },
    VH("PSTIME", VH_LL, pstime),
    VH("PETIME", VH_LL, petime),
    VH("RSTIME", VH_LL, rstime),
    VH("RETIME", VH_LL, retime),
    VH("ESTIME", VH_LL, estime),
    VH("EETIME", VH_LL, eetime),
    VH("ACTION", VH_INT, action),
    VH("UID", VH_INT, uid),
    VH("GID", VH_INT, gid),
    VH("REQUEST_ID", VH_INT, req_id),
};

/* A record's members, without the enclosing HISTORY element. */
static void vm_history_fields(const nb_vm_history *h, int oid, nb_buf *b)
{
    const char *base = (const char *)h;

    for (size_t i = 0; i < NB_ARRAY_SIZE(vm_hfields); i++) {
        const vm_hfield *f = &vm_hfields[i];
        switch (f->kind) {
        case VH_OID:
            nb_buf_elem_int(b, f->name, oid);
            break;
        case VH_INT:
            nb_buf_elem_int(b, f->name, *(const int *)(base + f->off));
            break;
        case VH_LL:
            nb_buf_elem_int(b, f->name, *(const long long *)(base + f->off));
            break;
        case VH_TEXT:
            nb_buf_elem_text(b, f->name, *(char *const *)(base + f->off));
            break;
        case VH_CDATA:
            nb_buf_elem_cdata(b, f->name, *(char *const *)(base + f->off));
            break;
        case VH_UNSET:
            nb_buf_elem_int(b, f->name, -1);
            break;
        }
    }
}

static void vm_history_to_xml(const nb_vm_history *h, int oid, nb_buf *b)
{
    VM_LIT(b, "<HISTORY>", "&lt;HISTORY&gt;");
    vm_history_fields(h, oid, b);
    VM_LIT(b, "</HISTORY>", "&lt;/HISTORY&gt;");
}

/* Name of the first missing or malformed member, or NULL. */
static const char *vm_history_from_xml(nb_vm_history *h, const xmlNode *node)
{
    char *base = (char *)h;

    for (size_t i = 0; i < NB_ARRAY_SIZE(vm_hfields); i++) {
        const vm_hfield *f = &vm_hfields[i];
        int oid;
        switch (f->kind) {
        case VH_OID:
            if (nb_xml_child_int(node, f->name, &oid) < 0)
                return f->name;
            break;
        case VH_INT:
            if (nb_xml_child_int(node, f->name, (int *)(base + f->off)) < 0)
                return f->name;
            break;
        case VH_LL:
            if (nb_xml_child_ll(node, f->name, (long long *)(base + f->off)) < 0)
                return f->name;
            break;
        case VH_TEXT:
        case VH_CDATA:
            if (!(*(char **)(base + f->off) = nb_xml_child_strdup(node, f->name)))
                return f->name;
            break;
        case VH_UNSET:
            break;
        }
    }
    return NULL;
}

static void vm_history_free(nb_vm_history *h)
{
    free(h->hostname);
    free(h->vm_mad);
    free(h->tm_mad);
}

/* ---- the full and stored documents --------------------------------------- */

static void vm_monitoring_to_xml(const nb_vm *vm, nb_buf *b, enum nb_xml_mode mode)
{
    char num[40];

    /* INFO shows a sample only once there is one; the store keeps the
     * values whatever they are. */
    if (vm->last_poll <= 0 && mode != NB_XML_STORE) {
        VM_LIT(b, "<MONITORING></MONITORING>", "&lt;MONITORING&gt;&lt;/MONITORING&gt;");
        return;
    }
    VM_LIT(b, "<MONITORING>", "&lt;MONITORING&gt;");
    vm_fmt_double(num, vm->mon_cpu);
    vm_cdata_dyn(b, "CPU", num);
    snprintf(num, sizeof(num), "%lld", vm->mon_memory_kb);
    vm_cdata_dyn(b, "MEMORY", num);
    snprintf(num, sizeof(num), "%lld", vm->mon_netrx);
    vm_cdata_dyn(b, "NETRX", num);
    snprintf(num, sizeof(num), "%lld", vm->mon_nettx);
    vm_cdata_dyn(b, "NETTX", num);
    if (vm->last_poll > 0) {
        snprintf(num, sizeof(num), "%lld", vm->last_poll);
        vm_cdata_dyn(b, "TIMESTAMP", num);
    }
    VM_LIT(b, "</MONITORING>", "&lt;/MONITORING&gt;");
}

/* The full document; without its HISTORY_RECORDS when it is the VM a
 * HISTORY record carries (accounting). */
static void vm_to_xml_full(const nb_vm *vm, nb_buf *b, enum nb_xml_mode mode, const nb_model *m,
                           bool history)
{
    const nb_object *o = &vm->o;
    bool store = mode == NB_XML_STORE;

    VM_LIT(b, "<VM>", "&lt;VM&gt;");
    VM_INT(b, "ID", o->oid);
    VM_INT(b, "UID", o->uid);
    VM_INT(b, "GID", o->gid);
    /* Names follow renames of the owner: resolved, never stored. */
    if (!store) {
        VM_TEXT(b, "UNAME", vm_uname(m, o->uid));
        VM_TEXT(b, "GNAME", vm_gname(m, o->gid));
    }
    VM_TEXT(b, "NAME", o->name);
    nb_xml_permissions(b, o->perms);
    VM_INT(b, "LAST_POLL", vm->last_poll);
    VM_INT(b, "STATE", vm->phase.state);
    VM_INT(b, "LCM_STATE", vm->phase.lcm);
    VM_INT(b, "PREV_STATE", vm->prev.state);
    VM_INT(b, "PREV_LCM_STATE", vm->prev.lcm);
    VM_INT(b, "RESCHED", vm->resched);
    VM_INT(b, "STIME", vm->stime);
    VM_INT(b, "ETIME", vm->etime);
    VM_TEXT(b, "DEPLOY_ID", vm->deploy_id);
    if (store)
        VM_INT(b, "PENDING_STEP", vm->pending);
    nb_xml_lock(b, o);
    vm_monitoring_to_xml(vm, b, mode);
    if (!store)
        VM_LIT(b, "<SCHED_ACTIONS></SCHED_ACTIONS>", "&lt;SCHED_ACTIONS&gt;&lt;/SCHED_ACTIONS&gt;");
    nb_tmpl_to_xml(&o->tmpl, b, "TEMPLATE");
    nb_tmpl_to_xml(&vm->user_tmpl, b, "USER_TEMPLATE");
    VM_LIT(b, "<HISTORY_RECORDS>", "&lt;HISTORY_RECORDS&gt;");
    for (size_t i = 0; history && i < vm->nhistory; i++)
        vm_history_to_xml(&vm->history[i], o->oid, b);
    VM_LIT(b, "</HISTORY_RECORDS>", "&lt;/HISTORY_RECORDS&gt;");
    if (!store)
        VM_LIT(b, "<BACKUPS><BACKUP_CONFIG></BACKUP_CONFIG><BACKUP_IDS></BACKUP_IDS></BACKUPS>",
               "&lt;BACKUPS&gt;&lt;BACKUP_CONFIG&gt;&lt;/BACKUP_CONFIG&gt;"
               "&lt;BACKUP_IDS&gt;&lt;/BACKUP_IDS&gt;&lt;/BACKUPS&gt;");
    VM_LIT(b, "</VM>", "&lt;/VM&gt;");
}

/*
 * A published VM never changes (a transaction edits a copy, which starts
 * without this), so its short document stays right until a user or group it
 * names is renamed or deleted: then the commit drops it (nb_vm_forget,
 * under the write lock).  Listings run concurrently under the read lock, so
 * the first to render installs it with a compare-and-swap.
 */
struct vm_short_doc {
    size_t len;
    char text[];
};

static void vm_short_cached(const nb_vm *vm, nb_buf *b, const nb_model *m)
{
    struct vm_short_doc **slot = (struct vm_short_doc **)&vm->short_doc;
    struct vm_short_doc *d = __atomic_load_n(slot, __ATOMIC_ACQUIRE), *none = NULL;
    size_t at = b->len;

    if (!b->escape || !m) {     /* only what one.vmpool.info sends is kept */
        vm_to_xml_short(vm, b, m);
        return;
    }
    if (d) {
        nb_buf_add_raw(b, d->text, d->len);
        return;
    }
    vm_to_xml_short(vm, b, m);
    d = nb_malloc(sizeof(*d) + b->len - at);
    d->len = b->len - at;
    memcpy(d->text, b->data + at, d->len);
    if (!__atomic_compare_exchange_n(slot, &none, d, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
        free(d);    /* another listing was first: the same text */
}

static void nb_vm_forget(nb_object *o)
{
    nb_vm *vm = nb_vm_of(o);

    free(vm->short_doc);
    vm->short_doc = NULL;
}

static void nb_vm_to_xml(const nb_object *o, nb_buf *b, enum nb_xml_mode mode, const nb_model *m)
{
    if (mode == NB_XML_POOL)
        vm_short_cached(nb_vm_cof(o), b, m);
    else
        vm_to_xml_full(nb_vm_cof(o), b, mode, m, true);
}

void nb_vm_history_acct_to_xml(const nb_vm *vm, size_t i, nb_buf *b, const nb_model *m)
{
    VM_LIT(b, "<HISTORY>", "&lt;HISTORY&gt;");
    vm_history_fields(&vm->history[i], vm->o.oid, b);
    vm_to_xml_full(vm, b, NB_XML_INFO, m, false);
    VM_LIT(b, "</HISTORY>", "&lt;/HISTORY&gt;");
}

/* ---- loading ------------------------------------------------------------- */

static bool vm_state_valid(int s)
{
    return s >= NB_VM_INIT && s <= NB_VM_CLONING_FAILURE && s != 7;
}

static bool vm_lcm_valid(int s)
{
    return s >= 0 && s <= NB_LCM_STATE_MAX;
}

static const char *vm_read_int(const xmlNode *root, const char *name, int *out,
                               bool (*valid)(int))
{
    return nb_xml_child_int(root, name, out) < 0 || (valid && !valid(*out)) ? name : NULL;
}

static bool vm_bool_valid(int v) { return v == 0 || v == 1; }
static bool vm_step_valid(int v) { return v >= NB_STEP_NONE && v < NB_STEP_COUNT; }

static const char *vm_monitoring_from_xml(nb_vm *vm, const xmlNode *mon)
{
    char *t;
    int rc;

    if (!mon)
        return "MONITORING";
    t = nb_xml_child_text(mon, "CPU");
    rc = vm_parse_double(t, &vm->mon_cpu);
    xmlFree(t);
    return rc < 0 ? "MONITORING/CPU" :
           nb_xml_child_ll(mon, "MEMORY", &vm->mon_memory_kb) < 0 ? "MONITORING/MEMORY" :
           nb_xml_child_ll(mon, "NETRX", &vm->mon_netrx) < 0 ? "MONITORING/NETRX" :
           nb_xml_child_ll(mon, "NETTX", &vm->mon_nettx) < 0 ? "MONITORING/NETTX" : NULL;
}

static int vm_histories_from_xml(nb_vm *vm, const xmlNode *set, char **err)
{
    size_t n = 0;

    for (const xmlNode *c = set->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, "HISTORY") == 0)
            n++;
    vm->history = n ? nb_calloc(n, sizeof(*vm->history)) : NULL;
    for (const xmlNode *c = set->children; c; c = c->next) {
        nb_vm_history *h;
        const char *bad;
        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "HISTORY") != 0)
            continue;
        h = &vm->history[vm->nhistory++];   /* counted: destroy frees what was read */
        if ((bad = vm_history_from_xml(h, c))) {
            *err = nb_asprintf("VM document lacks a valid HISTORY_RECORDS/HISTORY[%zu]/%s",
                               vm->nhistory - 1, bad);
            return -1;
        }
        if (h->seq != (int)vm->nhistory - 1) {
            *err = nb_asprintf("VM document has HISTORY record %zu with SEQ %d",
                               vm->nhistory - 1, h->seq);
            return -1;
        }
    }
    return 0;
}

static int nb_vm_from_xml(nb_object *o, const xmlNode *root, char **err)
{
    nb_vm *vm = nb_vm_of(o);
    const xmlNode *tmpl = nb_xml_child(root, "TEMPLATE");
    const xmlNode *user = nb_xml_child(root, "USER_TEMPLATE");
    const xmlNode *hist = nb_xml_child(root, "HISTORY_RECORDS");
    int pending = 0;
    const char *bad;

    if (nb_xml_read_common(o, root, err) < 0)
        return -1;
    bad = nb_xml_read_owned(o, root);
    if (!bad && nb_xml_child_ll(root, "LAST_POLL", &vm->last_poll) < 0)
        bad = "LAST_POLL";
    if (!bad)
        bad = vm_read_int(root, "STATE", &vm->phase.state, vm_state_valid);
    if (!bad)
        bad = vm_read_int(root, "LCM_STATE", &vm->phase.lcm, vm_lcm_valid);
    if (!bad)
        bad = vm_read_int(root, "PREV_STATE", &vm->prev.state, vm_state_valid);
    if (!bad)
        bad = vm_read_int(root, "PREV_LCM_STATE", &vm->prev.lcm, vm_lcm_valid);
    if (!bad)
        bad = vm_read_int(root, "RESCHED", &vm->resched, vm_bool_valid);
    if (!bad)
        bad = nb_xml_child_ll(root, "STIME", &vm->stime) < 0 ? "STIME" :
              nb_xml_child_ll(root, "ETIME", &vm->etime) < 0 ? "ETIME" :
              !(vm->deploy_id = nb_xml_child_strdup(root, "DEPLOY_ID")) ? "DEPLOY_ID" : NULL;
    if (!bad)
        bad = vm_read_int(root, "PENDING_STEP", &pending, vm_step_valid);
    if (!bad && nb_xml_read_lock(o, root) < 0)
        bad = "LOCK";
    if (!bad)
        bad = vm_monitoring_from_xml(vm, nb_xml_child(root, "MONITORING"));
    if (!bad)
        bad = !tmpl ? "TEMPLATE" : !user ? "USER_TEMPLATE" : !hist ? "HISTORY_RECORDS" : NULL;
    if (bad) {
        *err = nb_asprintf("VM document lacks a valid %s", bad);
        return -1;
    }
    vm->pending = (enum nb_vm_step)pending;
    if (nb_tmpl_from_xml(&vm->user_tmpl, user, err) < 0)
        return -1;
    return vm_histories_from_xml(vm, hist, err);
}

/* ---- the kind ------------------------------------------------------------ */

static void nb_vm_destroy(nb_object *o)
{
    nb_vm *vm = nb_vm_of(o);

    free(vm->deploy_id);
    free(vm->short_doc);
    nb_tmpl_free(&vm->user_tmpl);
    for (size_t i = 0; i < vm->nhistory; i++)
        vm_history_free(&vm->history[i]);
    free(vm->history);
}

/* `VM/%cid` rules: the cluster the VM is placed in, none before its first
 * placement. */
static const int *nb_vm_clusters(const nb_object *o, size_t *n)
{
    const nb_vm_history *h = nb_vm_last_history(nb_vm_cof(o));

    *n = h ? 1 : 0;
    return h ? &h->cid : NULL;
}

const nb_kind nb_vm_kind = {
    .name = "vm",
    .what = "virtual machine",
    .table = "vm_pool",
    .root = "VM",
    .pool_root = "VM_POOL",
    .acl_type = NB_ACL_VM,
    .unique_names = false,
    .owner_unique_names = false,
    .spaced_names = true,
    .size = sizeof(nb_vm),
    .destroy = nb_vm_destroy,
    .forget = nb_vm_forget,
    .to_xml = nb_vm_to_xml,
    .from_xml = nb_vm_from_xml,
    .clusters = nb_vm_clusters,
};

/* ---- history ------------------------------------------------------------- */

const nb_vm_history *nb_vm_last_history(const nb_vm *vm)
{
    return vm->nhistory ? &vm->history[vm->nhistory - 1] : NULL;
}

nb_vm_history *nb_vm_open_history(nb_vm *vm, int hid, int cid, int ds_id, const char *hostname,
                                  const char *vm_mad, const char *tm_mad, long long now)
{
    const nb_vm_history *last = nb_vm_last_history(vm);
    int seq = last ? last->seq + 1 : 0;
    nb_vm_history *h;

    vm->history = nb_realloc(vm->history, (vm->nhistory + 1) * sizeof(*vm->history));
    h = &vm->history[vm->nhistory++];
    *h = (nb_vm_history){
        .seq = seq,
        .hid = hid,
        .cid = cid,
        .ds_id = ds_id,
        .hostname = nb_strdup(hostname ? hostname : ""),
        .vm_mad = nb_strdup(vm_mad ? vm_mad : ""),
        .tm_mad = nb_strdup(tm_mad ? tm_mad : ""),
        .stime = now,
        .pstime = now,
        .action = 0,
        .uid = -1,
        .gid = -1,
        .req_id = -1,
    };
    return h;
}

/* ---- TEMPLATE / USER_TEMPLATE split -------------------------------------- */

enum vm_match { VM_EXACT, VM_PREFIX, VM_SUFFIX };

typedef struct vm_split_rule {
    const char *name;
    enum vm_match match;
    bool keep;          /* false: consumed by allocation (the VM's name) */
} vm_split_rule;

/* What oned interprets (reference §3.10); everything else is USER_TEMPLATE. */
static const vm_split_rule vm_split_rules[] = {
    { "CPU", VM_EXACT, true },
    { "VCPU", VM_EXACT, true },
    { "MEMORY", VM_EXACT, true },
    { "_COST", VM_SUFFIX, true },           /* CPU_COST, MEMORY_COST, DISK_COST */
    { "MEMORY_MAX", VM_EXACT, true },
    { "VCPU_MAX", VM_EXACT, true },
    { "DISK", VM_EXACT, true },
    { "NIC", VM_EXACT, true },
    { "NIC_ALIAS", VM_EXACT, true },
    { "NIC_DEFAULT", VM_EXACT, true },
    { "CONTEXT", VM_EXACT, true },
    { "GRAPHICS", VM_EXACT, true },
    { "VIDEO", VM_EXACT, true },
    { "INPUT", VM_EXACT, true },
    { "OS", VM_EXACT, true },
    { "FEATURES", VM_EXACT, true },
    { "RAW", VM_EXACT, true },
    { "PCI", VM_EXACT, true },
    { "TOPOLOGY", VM_EXACT, true },
    { "NUMA_NODE", VM_EXACT, true },
    { "VMGROUP", VM_EXACT, true },
    { "SCHED_ACTION", VM_EXACT, true },
    { "EMULATOR", VM_EXACT, true },
    { "HYPERV_OPTIONS", VM_EXACT, true },
    { "SPICE_OPTIONS", VM_EXACT, true },
    { "CPU_MODEL", VM_EXACT, true },
    { "TPM", VM_EXACT, true },
    { "MEMORY_ENCRYPTION", VM_EXACT, true },
    { "BACKUP_CONFIG", VM_EXACT, true },
    { "AUTOMATIC_", VM_PREFIX, true },      /* AUTOMATIC_[DS_|NIC_]REQUIREMENTS */
    { "TEMPLATE_ID", VM_EXACT, true },
    { "CLONING_TEMPLATE_ID", VM_EXACT, true },
    { "VMID", VM_EXACT, true },
    { "TM_MAD_SYSTEM", VM_EXACT, true },
    { "SECURITY_GROUP_RULE", VM_EXACT, true },
    { "SUBMIT_ON_HOLD", VM_EXACT, true },
    { "NAME", VM_EXACT, false },
    { "TEMPLATE_NAME", VM_EXACT, false },
};

static const vm_split_rule *vm_split_rule_for(const char *name)
{
    size_t nl = strlen(name);

    for (size_t i = 0; i < NB_ARRAY_SIZE(vm_split_rules); i++) {
        const vm_split_rule *r = &vm_split_rules[i];
        size_t rl = strlen(r->name);
        bool hit = r->match == VM_EXACT ? strcmp(name, r->name) == 0 :
                   r->match == VM_PREFIX ? nl > rl && strncmp(name, r->name, rl) == 0 :
                   nl > rl && strcmp(name + nl - rl, r->name) == 0;
        if (hit)
            return r;
    }
    return NULL;
}

void nb_vm_split_template(const nb_tmpl *in, nb_tmpl *tmpl, nb_tmpl *user)
{
    for (size_t i = 0; i < in->n; i++) {
        const nb_tattr *a = &in->attrs[i];
        const vm_split_rule *r = vm_split_rule_for(a->name);
        nb_tmpl *to = r ? (r->keep ? tmpl : NULL) : user;

        if (!to)
            continue;
        if (a->value)
            nb_tmpl_add(to, a->name, a->value);
        else
            nb_tmpl_add_vector(to, a->name, a->pairs, a->npairs);
    }
}

void nb_vm_host_demand(const nb_tmpl *t, long long *cpu, long long *mem_kb)
{
    const char *c = t ? nb_tmpl_get(t, "CPU") : NULL;
    const char *m = t ? nb_tmpl_get(t, "MEMORY") : NULL;
    long long mb = 0;

    *cpu = c ? (long long)(strtod(c, NULL) * 100.0 + 0.5) : 0;
    if (m)
        nb_parse_ll(m, &mb);
    *mem_kb = mb * 1024;
}
