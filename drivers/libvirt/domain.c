/*
 * domain.c: a VM TEMPLATE as a libvirt <domain> document.
 *
 * The document follows what OpenNebula's KVM driver deploys
 * (src/vmm/LibVirtDriverKVM.cc), trimmed to the attributes Nubes supports,
 * with elements in the order libvirt writes them.
 *
 * Template values are XML text already (nb_tmpl_parse and nb_tmpl_from_xml
 * refuse anything else), as are the deploy id and the host options, so
 * escaping is all they need; the only text copied unescaped is RAW DATA,
 * which must parse as element content first.
 */
#include "drivers/libvirt/domain.h"
#include "drivers/datastore.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <libxml/parser.h>

#include "lib/util.h"

/* Declared on <domain> as OpenNebula does, so RAW DATA may use <qemu:...>. */
#define QEMU_NS "http://libvirt.org/schemas/domain/qemu/1.0"

/* cgroups v1 cpu.shares: the default weight and the kernel's bounds. */
#define SHARES_PER_CPU 1024
#define SHARES_MIN 2
#define SHARES_MAX 262144

#define CEPH_DEFAULT_PORT "6789"

/* ---- the document writer ------------------------------------------------- */

/* One XML attribute; attributes with a NULL value are left out. */
typedef struct xattr {
    const char *name;
    const char *value;
} xattr;

#define ATTRS(...) (const xattr[]){ __VA_ARGS__ }, NB_ARRAY_SIZE(((const xattr[]){ __VA_ARGS__ }))
#define NO_ATTRS NULL, 0

/* A generation in progress: the output and the first error met. */
typedef struct gen {
    nb_buf *b;
    char *err;
} gen;

static void NB_PRINTF(2, 3) fail(gen *g, const char *fmt, ...)
{
    va_list ap;

    if (g->err)
        return;
    va_start(ap, fmt);
    g->err = nb_vasprintf(fmt, ap);
    va_end(ap);
}

/* s[0..n) escaped for text and for attributes quoted with ': whitespace
 * other than a space is written as a reference so that attribute value
 * normalisation keeps it. */
static void esc(nb_buf *b, const char *s, size_t n)
{
    static const char *const ent[256] = {
        ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['\''] = "&apos;", ['"'] = "&quot;",
        ['\t'] = "&#9;", ['\n'] = "&#10;", ['\r'] = "&#13;",
    };
    size_t run = 0;

    for (size_t i = 0; i < n; i++) {
        const char *e = ent[(unsigned char)s[i]];
        if (!e)
            continue;
        nb_buf_add(b, s + run, i - run);
        nb_buf_adds(b, e);
        run = i + 1;
    }
    nb_buf_add(b, s + run, n - run);
}

static void start_tag(nb_buf *b, int depth, const char *name, const xattr *a, size_t n)
{
    nb_buf_addf(b, "%*s<%s", depth * 2, "", name);
    for (size_t i = 0; i < n; i++) {
        if (!a[i].value)
            continue;
        nb_buf_addf(b, " %s='", a[i].name);
        esc(b, a[i].value, strlen(a[i].value));
        nb_buf_addc(b, '\'');
    }
}

/* One line: <name .../>, or <name ...>text</name> when text is given. */
static void el(nb_buf *b, int depth, const char *name, const char *text, const xattr *a, size_t n)
{
    start_tag(b, depth, name, a, n);
    if (!text) {
        nb_buf_adds(b, "/>\n");
        return;
    }
    nb_buf_addc(b, '>');
    esc(b, text, strlen(text));
    nb_buf_addf(b, "</%s>\n", name);
}

/* <name attr='value'/> when there is a value. */
static void el_opt(nb_buf *b, int depth, const char *name, const char *attr, const char *value)
{
    if (value)
        el(b, depth, name, NULL, ATTRS({ attr, value }));
}

static void el_open(nb_buf *b, int depth, const char *name, const xattr *a, size_t n)
{
    start_tag(b, depth, name, a, n);
    nb_buf_adds(b, ">\n");
}

static void el_close(nb_buf *b, int depth, const char *name)
{
    nb_buf_addf(b, "%*s</%s>\n", depth * 2, "", name);
}

/* End generation g that started at out[start]: 0, or -1 with *err (err may
 * be NULL) and out as it was, no half document. */
static int gen_finish(gen *g, nb_buf *out, size_t start, char **err)
{
    if (!g->err)
        return 0;
    out->len = start;
    if (out->data)
        out->data[start] = '\0';
    if (err)
        *err = g->err;
    else
        free(g->err);
    return -1;
}

/* ---- template access ------------------------------------------------------ */

/* The vectors called name (upper-case) one after the other: NULL gives the
 * first.  Attributes are sorted by name, so repeats are adjacent. */
static const nb_tattr *next_vec(const nb_tmpl *t, const char *name, const nb_tattr *prev)
{
    const nb_tattr *a = prev ? prev + 1 : nb_tmpl_find(t, name);

    for (; a && a < t->attrs + t->n && nb_streq(a->name, name); a++)
        if (!a->value)
            return a;
    return NULL;
}

/* Member name of vector v (v may be NULL); empty counts as absent, as in
 * OpenNebula's driver. */
static const char *get(const nb_tattr *v, const char *name)
{
    for (size_t i = 0; v && i < v->npairs; i++)
        if (nb_streq(v->pairs[i].name, name))
            return v->pairs[i].value[0] ? v->pairs[i].value : NULL;
    return NULL;
}

static bool yes(const nb_tattr *v, const char *name)
{
    const char *s = get(v, name);
    return s && nb_strcaseeq(s, "YES");
}

/* A positive integer single attribute; def when absent, 0 making it
 * mandatory. */
static long long positive(gen *g, const nb_tmpl *t, const char *name, long long def, long long max)
{
    const char *s = nb_tmpl_get(t, name);
    long long v;

    if (!s || !*s) {
        if (!def)
            fail(g, "%s: missing", name);
        return def;
    }
    if (nb_parse_ll(s, &v) != 0 || v <= 0)
        fail(g, "%s: not a positive integer", name);
    else if (v > max)
        fail(g, "%s: too large", name);
    else
        return v;
    return def;
}

/* CPU (a share of one core) as cpu.shares, ceil(CPU * 1024) clamped to
 * what the kernel accepts, like OpenNebula; 0 when CPU is absent. */
static long long cpu_shares(gen *g, const nb_tmpl *t)
{
    const char *s = nb_tmpl_get(t, "CPU");
    char *end;
    double cpu, shares;
    long long v;

    if (!s || !*s)
        return 0;
    cpu = strtod(s, &end);
    end += strspn(end, " \t");
    if (end == s || *end || !isfinite(cpu) || cpu <= 0) {
        fail(g, "CPU: not a positive number");
        return 0;
    }
    shares = cpu * SHARES_PER_CPU;
    if (shares >= SHARES_MAX)
        return SHARES_MAX;
    v = (long long)shares;
    if (v < shares)
        v++;    /* ceil, without libm */
    return v < SHARES_MIN ? SHARES_MIN : v;
}

/* ---- disks ----------------------------------------------------------------- */

/* DISK/TYPE as oned sets it from the image; anything else (volatile fs and
 * swap disks included) is a file. */
static const struct disk_kind {
    const char *type;
    const char *xml_type;       /* <disk type=...> */
    const char *device;
    const char *source_attr;    /* <source file=...>; NULL: a network source */
} disk_kinds[] = {
    { "FILE", "file", "disk", "file" },
    { "CDROM", "file", "cdrom", "file" },
    { "RBD", "network", "disk", NULL },
    { "RBD_CDROM", "network", "cdrom", NULL },
};

/* Target prefix -> bus, as OpenNebula's get_disk_bus; q35 has no IDE. */
static const struct disk_bus {
    const char *prefix;
    const char *bus;
    const char *q35_bus;
} disk_buses[] = {
    { "vd", "virtio", "virtio" },
    { "sd", "scsi", "scsi" },
    { "hd", "ide", "sata" },
};

static const struct disk_kind *disk_kind_of(const nb_tattr *d)
{
    const char *type = get(d, "TYPE");

    for (size_t i = 0; type && i < NB_ARRAY_SIZE(disk_kinds); i++)
        if (nb_strcaseeq(type, disk_kinds[i].type))
            return &disk_kinds[i];
    return &disk_kinds[0];
}

static bool is_cdrom(const struct disk_kind *k)
{
    return nb_streq(k->device, "cdrom");
}

/* DISK_ID as oned numbers disks, else the DISK's position. */
static long long disk_id(const nb_tattr *d, size_t idx)
{
    const char *s = get(d, "DISK_ID");
    long long id;

    return s && nb_parse_ll(s, &id) == 0 ? id : (long long)idx;
}

static const char *disk_bus_of(const char *target, bool q35)
{
    for (size_t i = 0; i < NB_ARRAY_SIZE(disk_buses); i++) {
        const struct disk_bus *r = &disk_buses[i];
        if (strncmp(target, r->prefix, strlen(r->prefix)) == 0)
            return q35 ? r->q35_bus : r->bus;
    }
    return NULL;
}

/* <source protocol='rbd'> with a <host> per CEPH_HOST entry ("mon[:port]",
 * blank-separated), then cephx <auth> when the DISK names user and secret. */
static void write_rbd_source(nb_buf *b, const nb_tattr *d, const char *name)
{
    const char *hosts = get(d, "CEPH_HOST");
    const char *user = get(d, "CEPH_USER");
    const char *secret = get(d, "CEPH_SECRET");

    if (!hosts) {
        el(b, 3, "source", NULL, ATTRS({ "protocol", "rbd" }, { "name", name }));
    } else {
        char *list = nb_strdup(hosts), *save = NULL;

        el_open(b, 3, "source", ATTRS({ "protocol", "rbd" }, { "name", name }));
        for (char *h = strtok_r(list, " \t\n", &save); h; h = strtok_r(NULL, " \t\n", &save)) {
            char *port = strchr(h, ':');
            if (port)
                *port++ = '\0';
            el(b, 4, "host", NULL, ATTRS({ "name", h }, { "port", port ? port : CEPH_DEFAULT_PORT }));
        }
        el_close(b, 3, "source");
        free(list);
    }
    if (user && secret) {
        el_open(b, 3, "auth", ATTRS({ "username", user }));
        el(b, 4, "secret", NULL, ATTRS({ "type", "ceph" }, { "uuid", secret }));
        el_close(b, 3, "auth");
    }
}

/* DISK number idx; returns its bus (NULL: libvirt's choice).  Where the
 * disk is and its format follow the storage drivers' layout (datastore.h). */
static const char *write_disk(gen *g, const nb_drv_vm *vm, const nb_tattr *d, size_t idx,
                              bool q35)
{
    const struct disk_kind *k = disk_kind_of(d);
    char *src = nb_drv_disk_source(vm, d, idx);
    const char *format = nb_drv_disk_format(d);
    const char *bus;
    char *target;

    /* A file CD-ROM drive may be empty (no media); anything else needs
     * its image. */
    if (!src && (!k->source_attr || !is_cdrom(k))) {
        fail(g, "DISK/SOURCE: missing in DISK %zu", idx);
        free(src);
        return NULL;
    }
    /* CD-ROM images are raw whatever the datastore's DRIVER says
     * (OpenNebula forces raw too). */
    if (is_cdrom(k))
        format = "raw";
    target = nb_drv_disk_target(d, idx);
    bus = disk_bus_of(target, q35);

    el_open(g->b, 2, "disk", ATTRS({ "type", k->xml_type }, { "device", k->device }));
    el(g->b, 3, "driver", NULL,
       ATTRS({ "name", "qemu" }, { "type", format }, { "cache", get(d, "CACHE") },
             { "io", get(d, "IO") }, { "discard", get(d, "DISCARD") }));
    if (!k->source_attr)
        write_rbd_source(g->b, d, src);
    else
        el_opt(g->b, 3, "source", k->source_attr, src);
    el(g->b, 3, "target", NULL, ATTRS({ "dev", target }, { "bus", bus }));
    if (yes(d, "READONLY"))
        el(g->b, 3, "readonly", NULL, NO_ATTRS);
    el_close(g->b, 2, "disk");
    free(target);
    free(src);
    return bus;
}

static void write_disks(gen *g, const nb_drv_vm *vm, bool q35)
{
    const nb_tmpl *t = vm->tmpl;
    bool scsi = false;
    size_t idx = 0;

    for (const nb_tattr *d = next_vec(t, "DISK", NULL); d; d = next_vec(t, "DISK", d)) {
        const char *bus = write_disk(g, vm, d, idx++, q35);
        scsi = scsi || (bus && nb_streq(bus, "scsi"));
    }
    /* libvirt would pick the emulated LSI controller. */
    if (scsi)
        el(g->b, 2, "controller", NULL,
           ATTRS({ "type", "scsi" }, { "index", "0" }, { "model", "virtio-scsi" }));
}

/* ---- OS and boot ----------------------------------------------------------- */

/* libvirt's boot devices; OS/BOOT may name them directly. */
enum { BOOT_HD, BOOT_CDROM, BOOT_NETWORK, BOOT_FD };
static const char *const boot_devs[] = { "hd", "cdrom", "network", "fd" };

/* Whether s is prefix followed by a decimal id. */
static bool dev_ref(const char *s, const char *prefix, long long *id)
{
    size_t n = strlen(prefix);
    return strncmp(s, prefix, n) == 0 && s[n] >= '0' && s[n] <= '9' && nb_parse_ll(s + n, id) == 0;
}

/* The boot device of an OS/BOOT item, -1 if unknown: "disk<DISK_ID>" is
 * the cdrom or the hard disks, "nic<NIC_ID>" the network. */
static int boot_dev(const nb_tmpl *t, const char *item)
{
    long long id;

    if (dev_ref(item, "nic", &id))
        return BOOT_NETWORK;
    if (dev_ref(item, "disk", &id)) {
        size_t idx = 0;
        for (const nb_tattr *d = next_vec(t, "DISK", NULL); d; d = next_vec(t, "DISK", d), idx++)
            if (disk_id(d, idx) == id)
                return is_cdrom(disk_kind_of(d)) ? BOOT_CDROM : BOOT_HD;
        return BOOT_HD;
    }
    for (size_t i = 0; i < NB_ARRAY_SIZE(boot_devs); i++)
        if (nb_streq(item, boot_devs[i]))
            return (int)i;
    return -1;
}

/* OS/BOOT ("disk1,disk0,nic0") as <boot dev> elements, each device once
 * since libvirt orders device classes, not devices. */
static void write_boot(gen *g, const nb_tmpl *t, const char *boot)
{
    char *list = nb_strdup(boot), *save = NULL;
    unsigned seen = 0;

    for (char *item = strtok_r(list, ", ", &save); item; item = strtok_r(NULL, ", ", &save)) {
        int dev = boot_dev(t, item);
        if (dev < 0) {
            fail(g, "OS/BOOT: unknown boot device %s", item);
            break;
        }
        if (!(seen & 1u << dev))
            el(g->b, 2, "boot", NULL, ATTRS({ "dev", boot_devs[dev] }));
        seen |= 1u << dev;
    }
    free(list);
}

/* root=ROOT KERNEL_CMD; a bare device name gets /dev/ as in OpenNebula,
 * paths and tags (UUID=..., LABEL=...) are kept. */
static char *kernel_cmdline(const char *root, const char *cmd)
{
    if (!root)
        return cmd ? nb_strdup(cmd) : NULL;
    return nb_asprintf("root=%s%s%s%s", root[0] == '/' || strchr(root, '=') ? "" : "/dev/", root,
                       cmd ? " " : "", cmd ? cmd : "");
}

static void write_os(gen *g, const nb_tmpl *t, const nb_tattr *os)
{
    const char *kernel = get(os, "KERNEL");

    el_open(g->b, 1, "os", NO_ATTRS);
    el(g->b, 2, "type", "hvm", ATTRS({ "arch", get(os, "ARCH") }, { "machine", get(os, "MACHINE") }));
    if (kernel) {
        char *cmdline = kernel_cmdline(get(os, "ROOT"), get(os, "KERNEL_CMD"));
        const char *initrd = get(os, "INITRD");

        el(g->b, 2, "kernel", kernel, NO_ATTRS);
        if (initrd)
            el(g->b, 2, "initrd", initrd, NO_ATTRS);
        if (cmdline)
            el(g->b, 2, "cmdline", cmdline, NO_ATTRS);
        free(cmdline);
    } else if (get(os, "BOOT")) {
        write_boot(g, t, get(os, "BOOT"));
    }
    el_close(g->b, 1, "os");
}

/* ---- CPU, features --------------------------------------------------------- */

/* FEATURES members that are elements of <features>, in libvirt's order. */
static const struct feature {
    const char *name;
    const char *elem;
} features[] = {
    { "ACPI", "acpi" },
    { "APIC", "apic" },
    { "PAE", "pae" },
};

static void write_features(nb_buf *b, const nb_tattr *f)
{
    bool any = false;

    for (size_t i = 0; i < NB_ARRAY_SIZE(features); i++) {
        if (!yes(f, features[i].name))
            continue;
        if (!any)
            el_open(b, 1, "features", NO_ATTRS);
        any = true;
        el(b, 2, features[i].elem, NULL, NO_ATTRS);
    }
    if (any)
        el_close(b, 1, "features");
}

/* CPU_MODEL/MODEL: a libvirt mode, or a named model that must exist on the
 * host (fallback='forbid', as OpenNebula). */
static void write_cpu(nb_buf *b, const char *model)
{
    static const char *const modes[] = { "host-passthrough", "host-model" };

    if (!model)
        return;
    for (size_t i = 0; i < NB_ARRAY_SIZE(modes); i++) {
        if (nb_streq(model, modes[i])) {
            el(b, 1, "cpu", NULL, ATTRS({ "mode", modes[i] }));
            return;
        }
    }
    el_open(b, 1, "cpu", ATTRS({ "mode", "custom" }));
    el(b, 2, "model", model, ATTRS({ "fallback", "forbid" }));
    el_close(b, 1, "cpu");
}

/* ---- other devices --------------------------------------------------------- */

/* NIC number idx: a tap on BRIDGE, or an unmanaged tap without one. */
static void write_nic(nb_buf *b, const nb_drv_vm *vm, const nb_tattr *n, size_t idx)
{
    const char *bridge = get(n, "BRIDGE");
    const char *target = get(n, "TARGET");
    const char *model = get(n, "MODEL");
    const char *nic_id = get(n, "NIC_ID");
    char *made = NULL;

    /* oned names taps one-<vmid>-<nicid> so hosts can tell them apart. */
    if (!target)
        target = made = nic_id ? nb_asprintf("one-%d-%s", vm->id, nic_id)
                               : nb_asprintf("one-%d-%zu", vm->id, idx);
    el_open(b, 2, "interface", ATTRS({ "type", bridge ? "bridge" : "ethernet" }));
    el_opt(b, 3, "mac", "address", get(n, "MAC"));
    el_opt(b, 3, "source", "bridge", bridge);
    el_opt(b, 3, "target", "dev", target);
    el_opt(b, 3, "model", "type", model ? model : "virtio");
    el_close(b, 2, "interface");
    free(made);
}

/* The serial port, to console_log or a pty, and the console showing it.
 * The log is appended to: a VM that is powered off and resumed, or
 * migrated back, keeps what its earlier boots printed. */
static void write_console(nb_buf *b, const char *log)
{
    static const struct {
        const char *elem;
        const char *target_type;
    } ends[] = { { "serial", NULL }, { "console", "serial" } };
    const char *type = log ? "file" : "pty";

    for (size_t i = 0; i < NB_ARRAY_SIZE(ends); i++) {
        el_open(b, 2, ends[i].elem, ATTRS({ "type", type }));
        if (log)
            el(b, 3, "source", NULL, ATTRS({ "path", log }, { "append", "on" }));
        el(b, 3, "target", NULL, ATTRS({ "type", ends[i].target_type }, { "port", "0" }));
        el_close(b, 2, ends[i].elem);
    }
}

/* GRAPHICS TYPE=VNC or SPICE; other types (SDL) are ignored, as in OpenNebula. */
static void write_graphics(nb_buf *b, const nb_tattr *gr)
{
    static const char *const types[] = { "vnc", "spice" };
    const char *type = get(gr, "TYPE");

    for (size_t i = 0; type && i < NB_ARRAY_SIZE(types); i++)
        if (nb_strcaseeq(type, types[i]))
            el(b, 2, "graphics", NULL,
               ATTRS({ "type", types[i] }, { "port", get(gr, "PORT") }, { "listen", get(gr, "LISTEN") },
                     { "passwd", get(gr, "PASSWD") }, { "keymap", get(gr, "KEYMAP") }));
}

static void write_devices(gen *g, const nb_drv_vm *vm, const nb_domain_opts *opts, bool q35)
{
    const nb_tmpl *t = vm->tmpl;
    size_t idx = 0;

    el_open(g->b, 1, "devices", NO_ATTRS);
    if (opts->emulator)
        el(g->b, 2, "emulator", opts->emulator, NO_ATTRS);
    write_disks(g, vm, q35);
    for (const nb_tattr *n = next_vec(t, "NIC", NULL); n; n = next_vec(t, "NIC", n))
        write_nic(g->b, vm, n, idx++);
    write_console(g->b, opts->console_log);
    if (yes(next_vec(t, "FEATURES", NULL), "GUEST_AGENT")) {
        el_open(g->b, 2, "channel", ATTRS({ "type", "unix" }));
        el(g->b, 3, "source", NULL, ATTRS({ "mode", "bind" }));
        el(g->b, 3, "target", NULL, ATTRS({ "type", "virtio" }, { "name", "org.qemu.guest_agent.0" }));
        el_close(g->b, 2, "channel");
    }
    write_graphics(g->b, next_vec(t, "GRAPHICS", NULL));
    /* oned sizes memory itself; a balloon would only blur monitoring. */
    el(g->b, 2, "memballoon", NULL, ATTRS({ "model", "none" }));
    el_close(g->b, 1, "devices");
}

/* ---- RAW ------------------------------------------------------------------- */

/* Whether data is well-formed element content, checked in the same
 * context it lands in: inside <domain> with the qemu namespace. */
static bool raw_ok(const char *data)
{
    nb_buf doc = NB_BUF_INIT;
    xmlDocPtr parsed = NULL;

    nb_buf_addf(&doc, "<domain xmlns:qemu='" QEMU_NS "'>%s</domain>", data);
    if (doc.len <= INT_MAX)
        parsed = xmlReadMemory(doc.data, (int)doc.len, NULL, "UTF-8",
                               XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    nb_buf_free(&doc);
    xmlFreeDoc(parsed);
    return parsed != NULL;
}

/* RAW vectors of TYPE kvm: DATA verbatim, as OpenNebula; others belong to
 * other hypervisors. */
static void write_raw(gen *g, const nb_tmpl *t)
{
    for (const nb_tattr *r = next_vec(t, "RAW", NULL); r; r = next_vec(t, "RAW", r)) {
        const char *type = get(r, "TYPE");
        const char *data = get(r, "DATA");

        if (!type || !nb_strcaseeq(type, "kvm") || !data)
            continue;
        if (!raw_ok(data)) {
            fail(g, "RAW/DATA: not well-formed XML");
            return;
        }
        nb_buf_addf(g->b, "  %s\n", data);
    }
}

/* ---- the domain ------------------------------------------------------------ */

int nb_domain_xml(const nb_drv_vm *vm, const nb_domain_opts *opts, nb_buf *out, char **err)
{
    static const nb_domain_opts defaults = { .type = NULL };
    /* A guest that powers off or crashes is gone and monitoring tells oned;
     * a reboot stays inside the domain, as the VM stays RUNNING. */
    static const char *const lifecycle[][2] = {
        { "on_poweroff", "destroy" }, { "on_reboot", "restart" }, { "on_crash", "destroy" },
    };
    const nb_tmpl *t = vm->tmpl;
    const nb_tattr *os = next_vec(t, "OS", NULL);
    const nb_tattr *feat = next_vec(t, "FEATURES", NULL);
    const char *machine = get(os, "MACHINE");
    gen g = { .b = out, .err = NULL };
    size_t start = out->len;
    long long memory, vcpu, vcpu_max, shares;
    char name[32], num[24], cur[24];

    if (!opts)
        opts = &defaults;
    memory = positive(&g, t, "MEMORY", 0, LLONG_MAX / 1024);
    vcpu = positive(&g, t, "VCPU", 1, INT_MAX);
    vcpu_max = positive(&g, t, "VCPU_MAX", vcpu, INT_MAX);
    if (!g.err && vcpu_max < vcpu)
        fail(&g, "VCPU_MAX: less than VCPU");
    shares = cpu_shares(&g, t);
    if (g.err)
        goto cleanup;

    snprintf(name, sizeof(name), "one-%d", vm->id);
    el_open(out, 0, "domain", ATTRS({ "type", opts->type ? opts->type : "qemu" }, { "xmlns:qemu", QEMU_NS }));
    el(out, 1, "name", vm->deploy_id && *vm->deploy_id ? vm->deploy_id : name, NO_ATTRS);
    snprintf(num, sizeof(num), "%lld", memory * 1024);
    el(out, 1, "memory", num, ATTRS({ "unit", "KiB" }));
    /* VCPU_MAX makes room for vCPU hotplug: that many exist, VCPU online. */
    snprintf(num, sizeof(num), "%lld", vcpu_max);
    snprintf(cur, sizeof(cur), "%lld", vcpu);
    el(out, 1, "vcpu", num, ATTRS({ "current", vcpu_max > vcpu ? cur : NULL }));
    if (shares) {
        snprintf(num, sizeof(num), "%lld", shares);
        el_open(out, 1, "cputune", NO_ATTRS);
        el(out, 2, "shares", num, NO_ATTRS);
        el_close(out, 1, "cputune");
    }
    write_os(&g, t, os);
    write_features(out, feat);
    write_cpu(out, get(next_vec(t, "CPU_MODEL", NULL), "MODEL"));
    if (yes(feat, "LOCALTIME"))
        el(out, 1, "clock", NULL, ATTRS({ "offset", "localtime" }));
    /* Any stop ends the domain: oned decides what happens next. */
    for (size_t i = 0; i < NB_ARRAY_SIZE(lifecycle); i++)
        el(out, 1, lifecycle[i][0], lifecycle[i][1], NO_ATTRS);
    write_devices(&g, vm, opts, machine && strstr(machine, "q35"));
    write_raw(&g, t);
    el_close(out, 0, "domain");
 cleanup:
    return gen_finish(&g, out, start, err);
}

/* ---- single devices, for hotplug ------------------------------------------ */

static bool is_q35(const nb_tmpl *t)
{
    const char *machine = get(next_vec(t, "OS", NULL), "MACHINE");
    return machine && strstr(machine, "q35");
}

int nb_domain_disk_xml(const nb_drv_vm *vm, const nb_tattr *disk, nb_buf *out, char **err)
{
    gen g = { .b = out, .err = NULL };
    size_t start = out->len, idx = 0;

    for (const nb_tattr *d = next_vec(vm->tmpl, "DISK", NULL); d && d != disk;
         d = next_vec(vm->tmpl, "DISK", d))
        idx++;
    write_disk(&g, vm, disk, idx, is_q35(vm->tmpl));
    return gen_finish(&g, out, start, err);
}

void nb_domain_nic_xml(const nb_drv_vm *vm, const nb_tattr *nic, nb_buf *out)
{
    size_t idx = 0;

    for (const nb_tattr *n = next_vec(vm->tmpl, "NIC", NULL); n && n != nic;
         n = next_vec(vm->tmpl, "NIC", n))
        idx++;
    write_nic(out, vm, nic, idx);
}
