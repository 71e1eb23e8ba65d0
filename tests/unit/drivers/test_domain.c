/*
 * test_domain.c: the libvirt domain XML of a VM template.  Whole documents
 * are compared with golden/<case>.xml (NB_UPDATE_GOLDEN=1 rewrites them
 * after a deliberate change: review the diff); single rules are checked
 * with XPath on the parsed result; every error leaves the output as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <limits.h>
#include <unistd.h>
#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "drivers/libvirt/domain.h"
#include "lib/util.h"

/* --- fixtures ------------------------------------------------------------- */

typedef struct tvm {
    nb_tmpl t;
    nb_drv_vm vm;
} tvm;

static void vm_init(tvm *x, int id, const char *deploy_id, const char *text)
{
    char *err = NULL;

    nb_tmpl_init(&x->t);
    if (nb_tmpl_parse(&x->t, text, strlen(text), &err) != 0)
        fail_msg("bad test template: %s", err);
    x->vm = (nb_drv_vm){ .id = id, .deploy_id = deploy_id, .tmpl = &x->t };
}

/* The document, checked to come out the same twice (caller frees). */
static char *render(const tvm *x, const nb_domain_opts *opts)
{
    nb_buf a = NB_BUF_INIT, b = NB_BUF_INIT;
    char *err = NULL;

    if (nb_domain_xml(&x->vm, opts, &a, &err) != 0)
        fail_msg("nb_domain_xml: %s", err);
    assert_int_equal(nb_domain_xml(&x->vm, opts, &b, &err), 0);
    assert_string_equal(a.data, b.data);
    nb_buf_free(&b);
    return nb_buf_steal(&a, NULL);
}

static xmlDocPtr parse_xml(const char *text)
{
    return xmlReadMemory(text, (int)strlen(text), NULL, "UTF-8",
                         XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

static void assert_well_formed(const char *what, const char *text)
{
    xmlDocPtr doc = parse_xml(text);
    if (!doc)
        fail_msg("%s is not well-formed XML:\n%s", what, text);
    xmlFreeDoc(doc);
}

/* string(expr) on doc (caller frees). */
static char *xp(xmlDocPtr doc, const char *expr)
{
    char *full = nb_asprintf("string(%s)", expr);
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr r = xmlXPathEvalExpression((const xmlChar *)full, ctx);
    char *s;

    assert_non_null(r);
    s = nb_strdup((const char *)r->stringval);
    xmlXPathFreeObject(r);
    xmlXPathFreeContext(ctx);
    free(full);
    return s;
}

static void assert_xp(xmlDocPtr doc, const char *expr, const char *want)
{
    char *got = xp(doc, expr);
    if (!nb_streq(got, want))
        fail_msg("%s: got '%s', want '%s'", expr, got, want);
    free(got);
}

/* The document of a template rendered with opts, parsed. */
static xmlDocPtr doc_of(int id, const char *text, const nb_domain_opts *opts)
{
    tvm x;
    char *xml;
    xmlDocPtr doc;

    vm_init(&x, id, NULL, text);
    xml = render(&x, opts);
    doc = parse_xml(xml);
    if (!doc)
        fail_msg("not well-formed:\n%s", xml);
    free(xml);
    nb_tmpl_free(&x.t);
    return doc;
}

/* --- golden files ----------------------------------------------------------- */

/* golden/ next to this source.  Automake builds out of tree with a relative
 * __FILE__ (../tests/...), relative to the build root: the binary is
 * <root>/tests/unit/drivers/test_domain, so it also works from another cwd. */
static const char *golden_dir(void)
{
    static char *dir;
    const char *slash = strrchr(__FILE__, '/');
    int srclen = slash ? (int)(slash - __FILE__) : 1;
    const char *src = slash ? __FILE__ : ".";
    char exe[PATH_MAX];
    ssize_t n;

    if (dir)
        return dir;
    dir = nb_asprintf("%.*s/golden", srclen, src);
    if (dir[0] == '/' || access(dir, R_OK) == 0)
        return dir;
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    assert_true(n > 0);
    exe[n] = '\0';
    for (int i = 0; i < 4 && strrchr(exe, '/'); i++)
        *strrchr(exe, '/') = '\0';
    free(dir);
    dir = nb_asprintf("%s/%.*s/golden", exe, srclen, src);
    return dir;
}

static void check_golden(const char *file, const char *got)
{
    char *path = nb_asprintf("%s/%s", golden_dir(), file);
    char *want;

    if (getenv("NB_UPDATE_GOLDEN")) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(got, f);
        assert_int_equal(fclose(f), 0);
    }
    want = nb_read_file(path, NULL);
    if (!want)
        fail_msg("cannot read %s", path);
    if (!nb_streq(want, got))
        fail_msg("%s differs; got:\n%s", path, got);
    assert_well_formed(path, want);
    free(want);
    free(path);
}

typedef struct golden_case {
    const char *file;
    int id;
    const char *deploy_id;
    nb_domain_opts opts;
    const char *tmpl;
} golden_case;

static const golden_case golden_cases[] = {
    /* The recipe's TCG guest: direct kernel boot, qcow2 overlay, serial log. */
    { "tiny_tcg.xml", 1, "vm1",
      { .emulator = "/usr/bin/qemu-system-x86_64", .console_log = "/var/lib/one/datastores/0/1/console.log" },
      "MEMORY = 128\n"
      "OS = [ ARCH = \"x86_64\", MACHINE = \"pc\", KERNEL = \"/srv/tiny/vmlinuz\",\n"
      "       INITRD = \"/srv/tiny/initrd.gz\", KERNEL_CMD = \"console=ttyS0 quiet lvmode=root\" ]\n"
      "FEATURES = [ ACPI = \"YES\" ]\n"
      "DISK = [ DISK_ID = 0, SOURCE = \"/var/lib/one/datastores/0/1/disk.0\", FORMAT = \"qcow2\" ]\n" },

    /* KVM: CPU shares, a virtio disk and an IDE CD-ROM booted first, two
     * NICs, VNC, features, a named CPU model, a pty console. */
    { "kvm.xml", 7, NULL, { .type = "kvm", .emulator = "/usr/bin/kvm" },
      "NAME = \"web\"\n"
      "CPU = 0.5\n"
      "VCPU = 2\n"
      "MEMORY = 2048\n"
      "OS = [ ARCH = \"x86_64\", MACHINE = \"pc-i440fx-7.2\", BOOT = \"disk1,disk0,nic0\" ]\n"
      "FEATURES = [ ACPI = \"yes\", APIC = \"YES\", PAE = \"NO\", LOCALTIME = \"YES\", GUEST_AGENT = \"YES\" ]\n"
      "CPU_MODEL = [ MODEL = \"Skylake-Client\" ]\n"
      "DISK = [ DISK_ID = 0, SOURCE = \"/var/lib/one/datastores/0/7/disk.0\", DRIVER = \"qcow2\",\n"
      "         CACHE = \"none\", IO = \"native\", DISCARD = \"unmap\", DEV_PREFIX = \"vd\", IMAGE_ID = 4 ]\n"
      "DISK = [ DISK_ID = 1, TYPE = \"CDROM\", SOURCE = \"/var/lib/one/datastores/0/7/disk.1\",\n"
      "         DRIVER = \"qcow2\", READONLY = \"YES\" ]\n"
      "NIC = [ NIC_ID = 0, BRIDGE = \"br0\", MAC = \"02:00:0a:00:00:07\", MODEL = \"e1000\", NETWORK_ID = 3 ]\n"
      "NIC = [ NIC_ID = 1, BRIDGE = \"br1\", MAC = \"02:00:0a:01:00:07\", TARGET = \"vnet-web-1\" ]\n"
      "GRAPHICS = [ TYPE = \"VNC\", LISTEN = \"0.0.0.0\", PORT = \"5907\", PASSWD = \"s3cret\", KEYMAP = \"en-us\" ]\n"
      "CONTEXT = [ NETWORK = \"YES\" ]\n" },

    /* q35: no IDE (the CD-ROM goes SATA), SCSI disks get virtio-scsi;
     * host-passthrough, SPICE, a NIC without bridge, an empty CD-ROM. */
    { "q35.xml", 8, "one-8", {},
      "CPU = 4\n"
      "MEMORY = 4096\n"
      "OS = [ MACHINE = \"pc-q35-7.2\", BOOT = \"nic0,disk0,disk1,disk2\" ]\n"
      "CPU_MODEL = [ MODEL = \"host-passthrough\" ]\n"
      "DISK = [ SOURCE = \"/d/8/disk.0\", DEV_PREFIX = \"sd\" ]\n"
      "DISK = [ SOURCE = \"/d/8/disk.1\", DEV_PREFIX = \"sd\", READONLY = \"no\" ]\n"
      "DISK = [ TYPE = \"CDROM\" ]\n"
      "NIC = [ MAC = \"02:00:00:00:00:08\" ]\n"
      "GRAPHICS = [ TYPE = \"spice\", LISTEN = \"127.0.0.1\" ]\n" },

    /* Ceph: monitors with and without port, cephx auth; an RBD CD-ROM. */
    { "rbd.xml", 12, NULL, { .emulator = "/usr/bin/qemu-system-x86_64" },
      "CPU = 1\n"
      "MEMORY = 1024\n"
      "DISK = [ TYPE = \"RBD\", SOURCE = \"one/one-4-12-0\", CEPH_HOST = \"mon1 10.0.0.2:3300\",\n"
      "         CEPH_USER = \"libvirt\", CEPH_SECRET = \"5b2f3c1e-9d1a-4c55-8f0e-2a8d1b7c6e90\",\n"
      "         POOL_NAME = \"one\", CACHE = \"writeback\" ]\n"
      "DISK = [ TYPE = \"rbd_cdrom\", SOURCE = \"one/one-9\" ]\n" },

    /* RAW: kvm sections verbatim, in template order; others ignored. */
    { "raw.xml", 3, NULL, {},
      "MEMORY = 256\n"
      "RAW = [ TYPE = \"kvm\", DATA = \"<qemu:commandline><qemu:arg value='-no-hpet'/></qemu:commandline>\" ]\n"
      "RAW = [ TYPE = \"xen\", DATA = \"<not xml\" ]\n"
      "RAW = [ TYPE = \"KVM\", DATA = \"<seclabel type='none'/>\" ]\n"
      "RAW = [ TYPE = \"kvm\" ]\n" },

    /* Room for vCPU hotplug: VCPU_MAX vCPUs, VCPU of them online. */
    { "vcpu_max.xml", 9, NULL, {},
      "CPU = 1\n"
      "VCPU = 2\n"
      "VCPU_MAX = 8\n"
      "MEMORY = 512\n"
      "DISK = [ DISK_ID = 0, SOURCE = \"/d/9/disk.0\", TARGET = \"vda\" ]\n" },

    /* Hostile values everywhere; test_escaping reads them back. */
    { "escaping.xml", 5, "vm'5\"<&>",
      { .type = "qemu", .console_log = "/var/log/a'b&c<d>.log" },
      "MEMORY = 64\n"
      "OS = [ KERNEL = \"/k/vmlinuz&<x>\", KERNEL_CMD = \"a<b && c>d \\\"q\\\" 'x'\", ROOT = \"vda1\" ]\n"
      "DISK = [ SOURCE = \"/img/it's \\\"here\\\" & <there>.qcow2\", TARGET = \"vd'a\" ]\n"
      "NIC = [ BRIDGE = \"br0' onload='x\", MAC = \"<mac>\" ]\n"
      "GRAPHICS = [ TYPE = \"vnc\", PASSWD = \"p'w\\\"d&<>\" ]\n" },
};

static void test_golden(void **state)
{
    const golden_case *c = *state;
    tvm x;
    char *xml;

    vm_init(&x, c->id, c->deploy_id, c->tmpl);
    xml = render(&x, &c->opts);
    check_golden(c->file, xml);
    free(xml);
    nb_tmpl_free(&x.t);
}

/* Every golden document parses, and each belongs to a case. */
static void test_golden_files_well_formed(void **state)
{
    DIR *d = opendir(golden_dir());
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 4 || !nb_streq(e->d_name + len - 4, ".xml"))
            continue;
        char *path = nb_asprintf("%s/%s", golden_dir(), e->d_name);
        char *text = nb_read_file(path, NULL);
        assert_non_null(text);
        assert_well_formed(path, text);
        free(text);
        free(path);
        n++;
    }
    closedir(d);
    assert_int_equal(n, NB_ARRAY_SIZE(golden_cases) + 1 /* hotplug_devices.xml */);
}

/* Hotplugged devices come out exactly as in the full domain: a pinned
 * target, a volatile file, an SD disk on a q35 VM, CD-ROMs and NICs with
 * and without bridge; all of them in one golden file. */
static void test_hotplug_devices(void **state)
{
    tvm x;
    nb_buf out = NB_BUF_INIT;
    char *err = NULL, *full;
    const nb_tattr *d;

    (void)state;
    vm_init(&x, 4, "one-4",
            "MEMORY = 64\n"
            "OS = [ MACHINE = \"pc-q35-7.2\" ]\n"
            "DISK = [ DISK_ID = 0, SOURCE = \"/d/4/disk.0\", TARGET = \"vda\" ]\n"
            "DISK = [ DISK_ID = 1, SOURCE = \"/d/4/disk.1\", TARGET = \"vdc\", ATTACH = \"YES\" ]\n"
            "DISK = [ DISK_ID = 2, SOURCE = \"/d/4/disk.2\", DEV_PREFIX = \"sd\", FORMAT = \"qcow2\" ]\n"
            "DISK = [ DISK_ID = 3, TYPE = \"CDROM\", SOURCE = \"/d/4/ctx.iso\" ]\n"
            "NIC = [ NIC_ID = 0, BRIDGE = \"br0\", MAC = \"02:00:00:00:04:00\" ]\n"
            "NIC = [ NIC_ID = 3, MAC = \"02:00:00:00:04:03\", MODEL = \"e1000\" ]\n");
    nb_buf_adds(&out, "<devices>\n");
    for (d = nb_tmpl_find(&x.t, "DISK"); d && nb_streq(d->name, "DISK"); d++)
        if (nb_domain_disk_xml(&x.vm, d, &out, &err) < 0)
            fail_msg("%s", err);
    for (d = nb_tmpl_find(&x.t, "NIC"); d && d < x.t.attrs + x.t.n && nb_streq(d->name, "NIC"); d++)
        nb_domain_nic_xml(&x.vm, d, &out);
    nb_buf_adds(&out, "</devices>\n");
    check_golden("hotplug_devices.xml", out.data);

    /* Each device is the same text as in the whole domain (at depth 2). */
    full = render(&x, NULL);
    for (d = nb_tmpl_find(&x.t, "DISK"); d && nb_streq(d->name, "DISK"); d++) {
        nb_buf one = NB_BUF_INIT;
        assert_int_equal(nb_domain_disk_xml(&x.vm, d, &one, NULL), 0);
        if (!strstr(full, one.data))
            fail_msg("not in the domain:\n%s", one.data);
        nb_buf_free(&one);
    }
    free(full);

    /* A disk without SOURCE fails as deploy does, leaving out untouched. */
    nb_tmpl_free(&x.t);
    vm_init(&x, 4, NULL, "MEMORY = 64\nDISK = [ TYPE = \"fs\", SIZE = 10 ]\n");
    size_t len = out.len;
    assert_int_equal(nb_domain_disk_xml(&x.vm, nb_tmpl_find(&x.t, "DISK"), &out, &err), -1);
    assert_string_equal(err, "DISK/SOURCE: missing in DISK 0");
    assert_int_equal(out.len, len);
    free(err);
    nb_buf_free(&out);
    nb_tmpl_free(&x.t);
}

/* --- single rules ------------------------------------------------------------ */

/* The hostile values of escaping.xml come back unchanged from a parser. */
static void test_escaping(void **state)
{
    const golden_case *c = &golden_cases[NB_ARRAY_SIZE(golden_cases) - 1];
    tvm x;
    char *xml;
    xmlDocPtr doc;
    const nb_tpair tabs[] = { { "TYPE", "vnc" }, { "PASSWD", "tab\there\nnew line\r'\"" } };

    assert_string_equal(c->file, "escaping.xml");
    vm_init(&x, c->id, c->deploy_id, c->tmpl);
    /* Whitespace that attribute normalisation would turn into spaces. */
    nb_tmpl_remove(&x.t, "GRAPHICS");
    nb_tmpl_add_vector(&x.t, "GRAPHICS", tabs, NB_ARRAY_SIZE(tabs));
    xml = render(&x, &c->opts);
    doc = parse_xml(xml);
    assert_non_null(doc);
    assert_xp(doc, "/domain/name", "vm'5\"<&>");
    assert_xp(doc, "/domain/os/kernel", "/k/vmlinuz&<x>");
    assert_xp(doc, "/domain/os/cmdline", "root=/dev/vda1 a<b && c>d \"q\" 'x'");
    assert_xp(doc, "//disk/source/@file", "/img/it's \"here\" & <there>.qcow2");
    assert_xp(doc, "//disk/target/@dev", "vd'a");
    assert_xp(doc, "//interface/source/@bridge", "br0' onload='x");
    assert_xp(doc, "//interface/mac/@address", "<mac>");
    assert_xp(doc, "//serial/source/@path", "/var/log/a'b&c<d>.log");
    assert_xp(doc, "//graphics/@passwd", "tab\there\nnew line\r'\"");
    assert_xp(doc, "count(//interface/@onload)", "0");
    xmlFreeDoc(doc);
    free(xml);
    nb_tmpl_free(&x.t);
}

/* Defaults: qemu, one-<id>, 1 vCPU, no cputune, pty console, no emulator. */
static void test_defaults(void **state)
{
    xmlDocPtr doc = doc_of(42, "MEMORY = 32\nDISK = [ PATH = \"/i.img\", DEV_PREFIX = \"\" ]\n", NULL);

    assert_xp(doc, "/domain/@type", "qemu");
    assert_xp(doc, "/domain/name", "one-42");
    assert_xp(doc, "/domain/memory", "32768");
    assert_xp(doc, "/domain/memory/@unit", "KiB");
    assert_xp(doc, "/domain/vcpu", "1");
    assert_xp(doc, "count(/domain/cputune|/domain/features|/domain/cpu|/domain/clock)", "0");
    assert_xp(doc, "count(/domain/os/boot|//emulator|//graphics|//channel)", "0");
    assert_xp(doc, "//disk/source/@file", "/i.img");
    assert_xp(doc, "//disk/driver/@type", "raw");
    assert_xp(doc, "//disk/target/@dev", "vda");
    assert_xp(doc, "//disk/target/@bus", "virtio");
    assert_xp(doc, "//serial/@type", "pty");
    assert_xp(doc, "count(//serial/source)", "0");
    assert_xp(doc, "//console/target/@type", "serial");
    assert_xp(doc, "/domain/on_reboot", "restart");
    assert_xp(doc, "//memballoon/@model", "none");
    xmlFreeDoc(doc);
}

/* Targets: the disk's position in libvirt letters, bus from the prefix. */
static void test_disk_targets(void **state)
{
    nb_buf t = NB_BUF_INIT;
    xmlDocPtr doc;

    nb_buf_adds(&t, "MEMORY = 64\n");
    for (int i = 0; i < 28; i++)
        nb_buf_addf(&t, "DISK = [ SOURCE = \"/d%d\" ]\n", i);
    nb_buf_adds(&t, "DISK = [ SOURCE = \"/x\", TARGET = \"sdc\" ]\n"
                    "DISK = [ SOURCE = \"/y\", TARGET = \"xvda\" ]\n"
                    "DISK = [ SOURCE = \"/z\", DEV_PREFIX = \"hd\" ]\n");
    doc = doc_of(1, t.data, NULL);
    assert_xp(doc, "//disk[1]/target/@dev", "vda");
    assert_xp(doc, "//disk[26]/target/@dev", "vdz");
    assert_xp(doc, "//disk[27]/target/@dev", "vdaa");
    assert_xp(doc, "//disk[28]/target/@dev", "vdab");
    assert_xp(doc, "//disk[29]/target/@bus", "scsi");
    assert_xp(doc, "//disk[30]/target/@dev", "xvda");
    assert_xp(doc, "count(//disk[30]/target/@bus)", "0");
    assert_xp(doc, "//disk[31]/target/@dev", "hdae");
    assert_xp(doc, "//disk[31]/target/@bus", "ide");
    assert_xp(doc, "//controller[@type='scsi']/@model", "virtio-scsi");
    xmlFreeDoc(doc);
    nb_buf_free(&t);
}

/* OS/BOOT: each device class once, in first-mention order; DISK_ID picks the
 * disk; no <boot> next to a kernel. */
static void test_boot_order(void **state)
{
    xmlDocPtr doc = doc_of(1, "MEMORY = 64\n"
                              "OS = [ BOOT = \"nic1, disk3,disk0,nic0,hd,fd\" ]\n"
                              "DISK = [ DISK_ID = 0, SOURCE = \"/a\" ]\n"
                              "DISK = [ DISK_ID = 3, SOURCE = \"/b\", TYPE = \"CDROM\" ]\n", NULL);

    assert_xp(doc, "count(/domain/os/boot)", "4");
    assert_xp(doc, "/domain/os/boot[1]/@dev", "network");
    assert_xp(doc, "/domain/os/boot[2]/@dev", "cdrom");
    assert_xp(doc, "/domain/os/boot[3]/@dev", "hd");
    assert_xp(doc, "/domain/os/boot[4]/@dev", "fd");
    xmlFreeDoc(doc);

    doc = doc_of(1, "MEMORY = 64\nOS = [ KERNEL = \"/k\", BOOT = \"nic0\" ]\n", NULL);
    assert_xp(doc, "count(/domain/os/boot|/domain/os/cmdline|/domain/os/initrd)", "0");
    xmlFreeDoc(doc);
}

/* ROOT gets /dev/ when it is a bare device name, as in OpenNebula. */
static void test_kernel_cmdline(void **state)
{
    static const struct {
        const char *os, *cmdline;
    } cases[] = {
        { "ROOT = \"vda1\"", "root=/dev/vda1" },
        { "ROOT = \"/dev/sda2\", KERNEL_CMD = \"ro\"", "root=/dev/sda2 ro" },
        { "ROOT = \"UUID=1234\", KERNEL_CMD = \"quiet\"", "root=UUID=1234 quiet" },
        { "KERNEL_CMD = \"console=ttyS0\"", "console=ttyS0" },
    };

    for (size_t i = 0; i < NB_ARRAY_SIZE(cases); i++) {
        char *text = nb_asprintf("MEMORY = 64\nOS = [ KERNEL = \"/k\", %s ]\n", cases[i].os);
        xmlDocPtr doc = doc_of(1, text, NULL);
        assert_xp(doc, "/domain/os/cmdline", cases[i].cmdline);
        xmlFreeDoc(doc);
        free(text);
    }
}

/* cpu.shares = ceil(CPU * 1024) within the kernel's [2, 262144]. */
static void test_cpu_shares(void **state)
{
    static const struct {
        const char *cpu, *shares;
    } cases[] = {
        { "0.5", "512" }, { "0.3", "308" }, { "1", "1024" }, { " 2 ", "2048" },
        { "0.0001", "2" }, { "1e-300", "2" }, { "300", "262144" }, { "1e308", "262144" },
    };

    for (size_t i = 0; i < NB_ARRAY_SIZE(cases); i++) {
        char *text = nb_asprintf("MEMORY = 64\nCPU = \"%s\"\n", cases[i].cpu);
        xmlDocPtr doc = doc_of(1, text, NULL);
        assert_xp(doc, "/domain/cputune/shares", cases[i].shares);
        xmlFreeDoc(doc);
        free(text);
    }
}

/* NIC targets default to one-<vmid>-<NIC_ID or position>; GRAPHICS other
 * than VNC and SPICE is left out. */
static void test_nic_and_graphics(void **state)
{
    xmlDocPtr doc = doc_of(9, "MEMORY = 64\n"
                              "NIC = [ BRIDGE = \"br0\" ]\n"
                              "NIC = [ BRIDGE = \"br0\", NIC_ID = 5, MODEL = \"rtl8139\" ]\n"
                              "GRAPHICS = [ TYPE = \"SDL\" ]\n", NULL);

    assert_xp(doc, "//interface[1]/target/@dev", "one-9-0");
    assert_xp(doc, "//interface[1]/model/@type", "virtio");
    assert_xp(doc, "count(//interface[1]/mac)", "0");
    assert_xp(doc, "//interface[2]/target/@dev", "one-9-5");
    assert_xp(doc, "//interface[2]/model/@type", "rtl8139");
    assert_xp(doc, "count(//graphics)", "0");
    xmlFreeDoc(doc);
}

/* Output is appended to what the buffer holds. */
static void test_appends(void **state)
{
    tvm x;
    nb_buf b = NB_BUF_INIT;
    char *err = NULL;

    vm_init(&x, 1, NULL, "MEMORY = 64\n");
    nb_buf_adds(&b, "<!-- head -->\n");
    assert_int_equal(nb_domain_xml(&x.vm, NULL, &b, &err), 0);
    const char *head = "<!-- head -->\n<domain type='qemu'";
    assert_int_equal(strncmp(b.data, head, strlen(head)), 0);
    assert_string_equal(b.data + b.len - 10, "</domain>\n");
    nb_buf_free(&b);
    nb_tmpl_free(&x.t);
}

/* --- errors ------------------------------------------------------------------ */

static const struct error_case {
    const char *tmpl;
    const char *err;
} error_cases[] = {
    { "CPU = 1\n", "MEMORY: missing" },
    { "MEMORY = \"\"\n", "MEMORY: missing" },
    { "MEMORY = lots\n", "MEMORY: not a positive integer" },
    { "MEMORY = 0\n", "MEMORY: not a positive integer" },
    { "MEMORY = -128\n", "MEMORY: not a positive integer" },
    { "MEMORY = 1.5\n", "MEMORY: not a positive integer" },
    { "MEMORY = 99999999999999999999\n", "MEMORY: not a positive integer" },
    { "MEMORY = 9007199254740992\n", "MEMORY: too large" },
    { "MEMORY = 64\nVCPU = two\n", "VCPU: not a positive integer" },
    { "MEMORY = 64\nVCPU = 0\n", "VCPU: not a positive integer" },
    { "MEMORY = 64\nVCPU = 4294967296\n", "VCPU: too large" },
    { "MEMORY = 64\nCPU = fast\n", "CPU: not a positive number" },
    { "MEMORY = 64\nCPU = 0\n", "CPU: not a positive number" },
    { "MEMORY = 64\nCPU = -1\n", "CPU: not a positive number" },
    { "MEMORY = 64\nCPU = 1.5x\n", "CPU: not a positive number" },
    { "MEMORY = 64\nCPU = nan\n", "CPU: not a positive number" },
    { "MEMORY = 64\nCPU = inf\n", "CPU: not a positive number" },
    { "MEMORY = 64\nOS = [ BOOT = \"disk0,floppy\" ]\n", "OS/BOOT: unknown boot device floppy" },
    { "MEMORY = 64\nOS = [ BOOT = \"disk-1\" ]\n", "OS/BOOT: unknown boot device disk-1" },
    { "MEMORY = 64\nDISK = [ SOURCE = \"/a\" ]\nDISK = [ TYPE = \"FILE\", TARGET = \"vdb\" ]\n",
      "DISK/SOURCE: missing in DISK 1" },
    { "MEMORY = 64\nDISK = [ TYPE = \"RBD_CDROM\", CEPH_HOST = \"mon\" ]\n", "DISK/SOURCE: missing in DISK 0" },
    { "MEMORY = 64\nRAW = [ TYPE = \"kvm\", DATA = \"<devices>\" ]\n", "RAW/DATA: not well-formed XML" },
    { "MEMORY = 64\nRAW = [ TYPE = \"kvm\", DATA = \"</domain><domain>\" ]\n", "RAW/DATA: not well-formed XML" },
    { "MEMORY = 64\nRAW = [ TYPE = \"kvm\", DATA = \"&undefined;\" ]\n", "RAW/DATA: not well-formed XML" },
};

/* Each error names its attribute and leaves the buffer as it was. */
static void test_errors(void **state)
{
    for (size_t i = 0; i < NB_ARRAY_SIZE(error_cases); i++) {
        tvm x;
        nb_buf b = NB_BUF_INIT;
        char *err = NULL;

        vm_init(&x, 1, NULL, error_cases[i].tmpl);
        nb_buf_adds(&b, "kept");
        if (nb_domain_xml(&x.vm, NULL, &b, &err) != -1)
            fail_msg("case %zu accepted:\n%s", i, b.data);
        assert_non_null(err);
        assert_string_equal(err, error_cases[i].err);
        assert_int_equal(b.len, 4);
        assert_string_equal(b.data, "kept");
        /* err may be NULL: nothing leaks. */
        assert_int_equal(nb_domain_xml(&x.vm, NULL, &b, NULL), -1);
        free(err);
        nb_buf_free(&b);
        nb_tmpl_free(&x.t);
    }
}

int main(void)
{
    struct CMUnitTest tests[NB_ARRAY_SIZE(golden_cases) + 11];
    size_t n = 0;

    for (size_t i = 0; i < NB_ARRAY_SIZE(golden_cases); i++)
        tests[n++] = (struct CMUnitTest){ .name = golden_cases[i].file, .test_func = test_golden,
                                          .initial_state = (void *)&golden_cases[i] };
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_golden_files_well_formed);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_hotplug_devices);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_escaping);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_defaults);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_disk_targets);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_boot_order);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_kernel_cmdline);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_cpu_shares);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_nic_and_graphics);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_appends);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_errors);
    return _cmocka_run_group_tests("test_domain", tests, n, NULL, NULL);
}
