/*
 * libvirt.c: VM_MAD "kvm" and IM_MAD "kvm": QEMU/KVM hosts driven through
 * their libvirtd, one connection per host.
 *
 * Where a host's libvirtd is (the first that is set wins):
 *
 *   LIBVIRT_URI in the host's template   any libvirt URI, used as it is
 *                                        (qemu:///system?socket=/x/sock for
 *                                        a private daemon on oned's machine)
 *   LIBVIRT_URI in the driver's section  a template: %h is the host's name
 *   of oned.conf (VM_MAD/IM_MAD = [..])  ("qemu+tls://%h/system")
 *   built-in                             qemu+tcp://%h/system
 *
 * Other settings, host template first, then the driver's section:
 *
 *   KVM_TYPE          <domain type=...>: "qemu" (TCG, the default) or "kvm"
 *   EMULATOR          the QEMU binary, default libvirt's
 *   SHUTDOWN_TIMEOUT  seconds a guest gets to power off (default 120)
 *   MIGRATE_URI       on the target host: where QEMU sends the migration
 *                     stream (tcp://10.0.0.2; tcp://127.0.0.1 on loopback)
 *   MIGRATE_UNSAFE    NO refuses live migration of disks libvirt cannot
 *                     prove shared (default YES: the system datastore is
 *                     shared with the hosts by contract, and libvirt only
 *                     trusts NFS and cluster file systems)
 *
 * Connections are made on first use and kept.  Each host has a mutex for
 * its connect/reconnect logic only: libvirt connections are thread-safe,
 * so operations on one host run concurrently, each holding a reference.
 * A dead connection (keepalive, virConnectIsAlive) is reopened on the next
 * call; failed opens back off exponentially (1 s doubling to 60 s), during
 * which calls fail at once with the last error instead of each waiting for
 * a TCP timeout.  The VMM and IM drivers share the connections: one host
 * has one connection whatever asks.
 *
 * Domains are named "one-<vm id>", so after a crash of oned (or of
 * libvirtd) the monitoring finds the running ones again by name.  They are
 * transient (virDomainCreateXML), as OpenNebula's: a VM that is not running
 * has nothing on its host, whichever way its domain stopped.  A persistent
 * definition would outlive a guest's own poweroff or a destroy behind
 * oned's back, and nothing would ever remove it: oned calls no driver when
 * it terminates, undeploys or moves a VM in POWEROFF.  Operations are
 * idempotent towards the state they aim for, since oned re-runs the steps
 * that were in flight when it stopped: deploy of a running domain succeeds,
 * shutdown/cancel/cleanup of a missing one succeed.
 *
 * Files (console log, checkpoint) are in the VM's directory on the host.
 * oned creates that directory only when the host's URI names this machine
 * (no host, localhost, 127.x, ::1); on remote hosts it is the shared
 * system datastore, mounted there.
 *
 * The driver's section may carry FEATURES = [ ... ], the defaults of VMs
 * that do not set a feature (built in: ACPI = YES).
 *
 * Not supported (NULL slots): disk and NIC hotplug and snapshots (domain.h
 * has no device-level XML to attach, and oned's engine does not dispatch
 * those steps to drivers yet), and resize of a running VM (the domain XML
 * declares no spare vCPUs nor a balloon to grow into).
 */
#define NB_LOG_MODULE "KVM"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include "drivers/driver.h"
#include "drivers/libvirt/conn.h"
#include "drivers/libvirt/domain.h"
#include "drivers/vmm.h"
#include "lib/buf.h"
#include "lib/hash.h"
#include "lib/log.h"
#include "lib/util.h"

#define LV_DEFAULT_URI "qemu+tcp://%h/system"
#define LV_SHUTDOWN_TIMEOUT_S 120
#define LV_POLL_NS (100 * 1000000LL)            /* shutdown: state checked every 100 ms */
#define LV_SHUTDOWN_RESEND_NS (5 * 1000000000LL)
#define LV_DETACH_TIMEOUT_S 20                  /* the guest has this long to let a device go */
#define LV_BACKOFF_MIN_NS 1000000000LL          /* 1 s, doubling ... */
#define LV_BACKOFF_MAX_NS (60 * 1000000000LL)   /* ... up to 60 s */
#define LV_KEEPALIVE_S 5                        /* a dead peer is noticed in 5 * (3 + 1) s */
#define LV_KEEPALIVE_COUNT 3

/* What one init read from oned.conf. */
typedef struct lv_conf {
    nb_tmpl conf;
} lv_conf;

/* The previous cpu.time of a domain, for the percentage of the next sample. */
typedef struct lv_cpu_sample {
    char *name;
    unsigned long long cpu_ns;
    uint64_t at_ns;             /* monotonic */
} lv_cpu_sample;

/* A lifecycle watch on a host (IM watch()). */
typedef struct lv_watch {
    int host_id;
    void (*changed)(void *ctx, int host_id, const char *deploy_id, enum nb_drv_vm_state s);
    void *ctx;
} lv_watch;

typedef struct lv_host {
    char key[16];               /* the host id in decimal: its hash key */
    int id;
    pthread_mutex_t mu;         /* everything below */
    virConnectPtr conn;         /* NULL: not connected */
    char *uri;                  /* what conn is (or was last tried) on */
    int failures;               /* consecutive failed opens of uri */
    uint64_t retry_ns;          /* monotonic: no open before this */
    char *last_error;           /* why the last open failed */
    lv_cpu_sample *samples;     /* the domains of the previous monitor() */
    size_t nsamples;
    lv_watch watch;             /* watch.changed NULL: none */
    int watch_cb;               /* its callback id on conn, -1: none */
} lv_host;

/*
 * The connections, shared by every instance of both drivers.  lv_world.mu
 * guards the table and the event loop; a host's own mutex its connection.
 * The libvirt event loop (needed by keepalive and by lifecycle events)
 * starts with the first connection, so an oned without KVM hosts runs no
 * libvirt code at all, and stops with the last fini.
 */
static struct {
    pthread_mutex_t mu;
    unsigned users;             /* live driver instances */
    nb_hash hosts;              /* host id -> lv_host */
    bool loop_running;
    atomic_bool loop_quit;
    pthread_t loop;
} lv_world = { .mu = PTHREAD_MUTEX_INITIALIZER };

static pthread_once_t lv_once = PTHREAD_ONCE_INIT;
static int lv_once_status;

/* --- settings ---------------------------------------------------------------- */

/* A setting from the host's template, else the driver's section. */
static const char *lv_setting(const lv_conf *c, const nb_drv_host *h, const char *name)
{
    const char *v = h->tmpl ? nb_tmpl_get(h->tmpl, name) : NULL;
    return v && *v ? v : nb_tmpl_get(&c->conf, name);
}

/* The host's libvirt URI (malloc'd): its own LIBVIRT_URI, else the
 * driver's template with %h replaced by the host's name. */
static char *lv_uri_of(const nb_tmpl *conf, const nb_drv_host *h)
{
    const char *own = h->tmpl ? nb_tmpl_get(h->tmpl, "LIBVIRT_URI") : NULL;
    if (own && *own)
        return nb_strdup(own);
    const char *tmpl = conf ? nb_tmpl_get(conf, "LIBVIRT_URI") : NULL;
    if (!tmpl || !*tmpl)
        tmpl = LV_DEFAULT_URI;

    nb_buf b = NB_BUF_INIT;
    for (const char *p = tmpl; *p; p++) {
        if (p[0] == '%' && p[1] == 'h') {
            nb_buf_adds(&b, h->name);
            p++;
        } else {
            nb_buf_addc(&b, *p);
        }
    }
    return nb_buf_steal(&b, NULL);
}

static char *lv_uri(const lv_conf *c, const nb_drv_host *h)
{
    return lv_uri_of(&c->conf, h);
}

/* Whether the URI's daemon runs on this machine: no server part, or a
 * loopback name.  Only then may oned create the VM's directory itself. */
static bool lv_uri_is_local(const char *uri)
{
    const char *p = strstr(uri, "://");
    if (!p)
        return true;
    p += 3;
    size_t len = strcspn(p, "/?");
    const char *at = memchr(p, '@', len);
    if (at) {
        len -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    if (len && *p == '[') {             /* [::1]:port */
        const char *end = memchr(p, ']', len);
        p++;
        len = end ? (size_t)(end - p) : len - 1;
    } else {
        const char *colon = memchr(p, ':', len);
        if (colon)
            len = (size_t)(colon - p);
    }
    return len == 0 || (len == 9 && strncasecmp(p, "localhost", 9) == 0) ||
           (len >= 4 && strncmp(p, "127.", 4) == 0) || (len == 3 && strncmp(p, "::1", 3) == 0);
}

/* A positive whole number of seconds from a setting, else dflt. */
static long long lv_seconds(const lv_conf *c, const nb_drv_host *h, const char *name,
                            long long dflt)
{
    const char *v = lv_setting(c, h, name);
    long long n;
    return v && nb_parse_ll(v, &n) == 0 && n > 0 ? n : dflt;
}

/* --- libvirt errors ---------------------------------------------------------------- */

/* "<op> <what>: <libvirt's message>" for r->error or *err. */
static char *lv_error(const char *op, const char *what)
{
    return nb_asprintf("kvm: %s %s: %s", op, what, virGetLastErrorMessage());
}

/* Whether the last libvirt error of this thread is that code. */
static bool lv_last_is(int code)
{
    return virGetLastErrorCode() == code;
}

/* libvirt prints every error on stderr unless told otherwise; oned reports
 * them itself, with the operation that failed. */
static void lv_silent(void *opaque, virErrorPtr e)
{
}

/* --- the event loop ------------------------------------------------------------ */

static void lv_once_init(void)
{
    if (virInitialize() < 0 || virEventRegisterDefaultImpl() < 0)
        lv_once_status = -1;
    virSetErrorFunc(NULL, lv_silent);
}

static void *lv_loop(void *arg)
{
    while (!atomic_load(&lv_world.loop_quit))
        if (virEventRunDefaultImpl() < 0)
            nb_log_error("libvirt event loop: %s", virGetLastErrorMessage());
    return NULL;
}

/* Fired once to make the loop go round and see loop_quit. */
static void lv_wake(int timer, void *opaque)
{
    virEventRemoveTimeout(timer);
}

/* Under lv_world.mu: libvirt initialised and its event loop running. */
static int lv_loop_start(char **err)
{
    pthread_once(&lv_once, lv_once_init);
    if (lv_once_status < 0) {
        *err = nb_asprintf("kvm: cannot initialise libvirt: %s", virGetLastErrorMessage());
        return -1;
    }
    if (lv_world.loop_running)
        return 0;
    atomic_store(&lv_world.loop_quit, false);
    if (pthread_create(&lv_world.loop, NULL, lv_loop, NULL) != 0) {
        *err = nb_strdup("kvm: cannot start the libvirt event loop thread");
        return -1;
    }
    lv_world.loop_running = true;
    return 0;
}

/* --- connections -------------------------------------------------------------- */

static enum nb_drv_vm_state lv_event_state(int event, int detail, bool *report);

static void lv_event(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
    const lv_watch *w = opaque;
    bool report;
    enum nb_drv_vm_state s = lv_event_state(event, detail, &report);
    if (report)
        w->changed(w->ctx, w->host_id, virDomainGetName(dom), s);
}

/* Under the host's mutex: the watch registered on the current connection. */
static void lv_watch_register(lv_host *lh)
{
    if (!lh->conn || !lh->watch.changed || lh->watch_cb >= 0)
        return;
    lv_watch *w = nb_malloc(sizeof(*w));
    *w = lh->watch;
    lh->watch_cb = virConnectDomainEventRegisterAny(
        lh->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_CALLBACK(lv_event), w,
        free);
    if (lh->watch_cb < 0) {
        nb_log_error("Host %d: cannot watch its domains: %s", lh->id, virGetLastErrorMessage());
        free(w);
    }
}

/* Under the host's mutex: forget the connection (other holders keep their
 * reference until they are done). */
static void lv_host_disconnect(lv_host *lh)
{
    if (!lh->conn)
        return;
    if (lh->watch_cb >= 0)
        virConnectDomainEventDeregisterAny(lh->conn, lh->watch_cb);
    lh->watch_cb = -1;
    virConnectClose(lh->conn);
    lh->conn = NULL;
}

static lv_host *lv_host_of(int host_id)
{
    char key[16];
    snprintf(key, sizeof(key), "%d", host_id);
    pthread_mutex_lock(&lv_world.mu);
    lv_host *lh = nb_hash_get(&lv_world.hosts, key);
    if (!lh) {
        lh = nb_calloc(1, sizeof(*lh));
        memcpy(lh->key, key, sizeof(key));
        lh->id = host_id;
        lh->watch_cb = -1;
        pthread_mutex_init(&lh->mu, NULL);
        nb_hash_put(&lv_world.hosts, lh->key, lh);
    }
    pthread_mutex_unlock(&lv_world.mu);
    return lh;
}

/* Under the host's mutex: a live connection to uri, reopened if needed. */
static int lv_host_connect(lv_host *lh, const char *uri, char **err)
{
    /* A new URI (the host's LIBVIRT_URI was updated) starts afresh, without
     * the back-off earned by the old one. */
    if (!lh->uri || strcmp(lh->uri, uri) != 0) {
        lv_host_disconnect(lh);
        lh->failures = 0;
        free(lh->uri);
        lh->uri = nb_strdup(uri);
    } else if (lh->conn && virConnectIsAlive(lh->conn) != 1) {
        nb_log_info("Host %d: connection to %s lost, reconnecting", lh->id, uri);
        lv_host_disconnect(lh);
    }
    if (lh->conn)
        return 0;

    uint64_t now = nb_mono_ns();
    if (lh->failures && now < lh->retry_ns) {
        *err = nb_asprintf("%s (next try in %.0f s)", lh->last_error,
                           (double)(lh->retry_ns - now) / 1e9 + 0.5);
        return -1;
    }
    pthread_mutex_lock(&lv_world.mu);
    int ret = lv_loop_start(err);
    pthread_mutex_unlock(&lv_world.mu);
    if (ret < 0)
        return -1;

    /* No auth callback: oned has no one to ask for a password, so TLS
     * certificates, SSH keys or auth none are the ways in. */
    lh->conn = virConnectOpen(uri);
    if (!lh->conn) {
        uint64_t backoff = LV_BACKOFF_MIN_NS << (lh->failures < 6 ? lh->failures : 6);
        lh->failures++;
        lh->retry_ns = now + (backoff < LV_BACKOFF_MAX_NS ? backoff : LV_BACKOFF_MAX_NS);
        free(lh->last_error);
        lh->last_error = lv_error("cannot connect to", uri);
        *err = nb_strdup(lh->last_error);
        return -1;
    }
    if (lh->failures)
        nb_log_info("Host %d: connected to %s again", lh->id, uri);
    lh->failures = 0;
    /* Keepalive turns a silently dead peer into a closed connection, which
     * virConnectIsAlive sees; a daemon without it (old or local) is fine. */
    if (virConnectSetKeepAlive(lh->conn, LV_KEEPALIVE_S, LV_KEEPALIVE_COUNT) < 0)
        nb_log_debug("Host %d: no keepalive on %s: %s", lh->id, uri, virGetLastErrorMessage());
    lv_watch_register(lh);
    return 0;
}

virConnectPtr nb_lv_connect(const nb_tmpl *conf, const nb_drv_host *h, char **err)
{
    lv_host *lh = lv_host_of(h->id);
    char *uri = lv_uri_of(conf, h);
    virConnectPtr conn = NULL;

    pthread_mutex_lock(&lh->mu);
    if (lv_host_connect(lh, uri, err) == 0) {
        conn = lh->conn;
        virConnectRef(conn);
    }
    pthread_mutex_unlock(&lh->mu);
    free(uri);
    return conn;
}

static virConnectPtr lv_connect(const lv_conf *c, const nb_drv_host *h, char **err)
{
    return nb_lv_connect(&c->conf, h, err);
}

/* --- driver instances ------------------------------------------------------------ */

void nb_lv_use(void)
{
    pthread_mutex_lock(&lv_world.mu);
    lv_world.users++;
    pthread_mutex_unlock(&lv_world.mu);
}

static void lv_host_free(lv_host *lh)
{
    lv_host_disconnect(lh);
    for (size_t i = 0; i < lh->nsamples; i++)
        free(lh->samples[i].name);
    free(lh->samples);
    free(lh->uri);
    free(lh->last_error);
    pthread_mutex_destroy(&lh->mu);
    free(lh);
}

void nb_lv_unuse(void)
{
    pthread_mutex_lock(&lv_world.mu);
    if (--lv_world.users == 0) {
        for (size_t i = 0; i < lv_world.hosts.cap; i++)
            if (lv_world.hosts.slots[i].value)
                lv_host_free(lv_world.hosts.slots[i].value);
        nb_hash_free(&lv_world.hosts);
        if (lv_world.loop_running) {
            /* The loop's next round also frees what the closed
             * connections left registered in it. */
            atomic_store(&lv_world.loop_quit, true);
            virEventAddTimeout(0, lv_wake, NULL, NULL);
            pthread_join(lv_world.loop, NULL);
            lv_world.loop_running = false;
        }
    }
    pthread_mutex_unlock(&lv_world.mu);
}

static int lv_init(const nb_tmpl *conf, void **drv, char **err)
{
    lv_conf *c = nb_calloc(1, sizeof(*c));
    nb_tmpl_init(&c->conf);
    if (conf)
        nb_tmpl_copy(&c->conf, conf);
    nb_lv_use();
    *drv = c;
    return 0;
}

static void lv_fini(void *drv)
{
    lv_conf *c = drv;

    nb_lv_unuse();
    nb_tmpl_free(&c->conf);
    free(c);
}

/* --- VM_MAD ------------------------------------------------------------------------ */

/* What every VMM operation starts from: the connection and the domain's
 * name; dom is NULL when no such domain exists. */
typedef struct lv_op {
    const char *op;
    virConnectPtr conn;
    char *name;
    virDomainPtr dom;
} lv_op;

/* 0 with the connection (and the domain if it exists), or -1 with r->error. */
static int lv_op_begin(lv_op *o, const char *op, const lv_conf *c, const nb_drv_host *h,
                       const nb_drv_vm *vm, nb_drv_result *r)
{
    *o = (lv_op){ .op = op };
    o->name = vm->deploy_id ? nb_strdup(vm->deploy_id) : nb_asprintf("one-%d", vm->id);
    char *err = NULL;
    if (!(o->conn = lv_connect(c, h, &err))) {
        r->error = nb_asprintf("kvm: %s %s on host %s: %s", op, o->name, h->name, err);
        free(err);
        return -1;
    }
    o->dom = virDomainLookupByName(o->conn, o->name);
    if (!o->dom && !lv_last_is(VIR_ERR_NO_DOMAIN)) {
        r->error = lv_error(op, o->name);
        return -1;
    }
    return 0;
}

static void lv_op_end(lv_op *o)
{
    if (o->dom)
        virDomainFree(o->dom);
    if (o->conn)
        virConnectClose(o->conn);
    free(o->name);
}

/* Fail the operation with libvirt's last error. */
static int lv_op_fail(lv_op *o, nb_drv_result *r)
{
    free(r->error);
    r->error = lv_error(o->op, o->name);
    return -1;
}

static bool lv_active(virDomainPtr dom)
{
    return virDomainIsActive(dom) == 1;
}

/* Remove a persistent definition of the name (made by hand, say), which
 * would clash with the transient domain; none at all is fine. */
static int lv_undefine(lv_op *o, nb_drv_result *r)
{
    if (virDomainIsPersistent(o->dom) == 1 &&
        virDomainUndefineFlags(o->dom, VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
                                           VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA) < 0 &&
        !lv_last_is(VIR_ERR_NO_DOMAIN))
        return lv_op_fail(o, r);
    return 0;
}

/* Stop the domain at once; one that is not running is fine. */
static int lv_destroy(lv_op *o, nb_drv_result *r)
{
    if (lv_active(o->dom) && virDomainDestroy(o->dom) < 0 &&
        !lv_last_is(VIR_ERR_NO_DOMAIN) && !lv_last_is(VIR_ERR_OPERATION_INVALID))
        return lv_op_fail(o, r);
    return 0;
}

/* The file of the VM's directory called name (malloc'd). */
static char *lv_vm_file(const nb_drv_vm *vm, const char *name)
{
    return nb_asprintf("%s/%s", vm->vm_dir, name);
}

/* The VM's template with the driver's FEATURES defaults where the VM sets
 * none: the driver section's FEATURES vector, else ACPI = YES, as
 * OpenNebula's vmm_exec_kvm.conf.  Without ACPI the guest never sees the
 * power button, and every shutdown would end in SHUTDOWN_TIMEOUT. */
static void lv_with_defaults(const lv_conf *c, const nb_tmpl *vm_tmpl, nb_tmpl *out)
{
    static const nb_tpair builtin[] = { { "ACPI", "YES" } };
    const nb_tattr *dflt = nb_tmpl_find(&c->conf, "FEATURES");
    const nb_tattr *own = nb_tmpl_find(vm_tmpl, "FEATURES");
    const nb_tpair *dp = dflt && !dflt->value ? dflt->pairs : builtin;
    size_t dn = dflt && !dflt->value ? dflt->npairs : NB_ARRAY_SIZE(builtin);
    size_t on = own && !own->value ? own->npairs : 0, n = 0;
    nb_tpair *pairs = nb_calloc(on + dn + 1, sizeof(*pairs));

    /* The pairs point into vm_tmpl and c, which outlive the copy. */
    for (size_t i = 0; i < on; i++)
        pairs[n++] = own->pairs[i];
    for (size_t i = 0; i < dn; i++) {
        bool set = false;
        for (size_t j = 0; j < on && !set; j++)
            set = nb_strcaseeq(own->pairs[j].name, dp[i].name);
        if (!set)
            pairs[n++] = dp[i];
    }
    nb_tmpl_copy(out, vm_tmpl);
    nb_tmpl_remove(out, "FEATURES");
    nb_tmpl_add_vector(out, "FEATURES", pairs, n);
    free(pairs);
}

/* A volatile DISK (TYPE fs or swap, no SOURCE) is a sparse raw file
 * VM_DIR/disk.<DISK_ID> of SIZE MB, as OpenNebula names them, which disk's
 * SOURCE then names; `make` creates it (one that exists is kept: a
 * redeploy).  Other disks are left alone.  0, or -1 with r->error. */
static int lv_volatile_file(const char *op, const lv_conf *c, const nb_drv_host *h,
                            const nb_drv_vm *vm, nb_tattr *disk, bool make, nb_drv_result *r)
{
    const char *src = nb_tattr_get(disk, "SOURCE"), *path = nb_tattr_get(disk, "PATH");
    const char *type = nb_tattr_get(disk, "TYPE"), *size = nb_tattr_get(disk, "SIZE");
    char *uri = NULL, *file = NULL;
    long long mb = 0;
    int fd = -1, ret = -1;

    if ((src && *src) || (path && *path) || !type ||
        (!nb_strcaseeq(type, "fs") && !nb_strcaseeq(type, "swap"))) {
        ret = 0;
        goto cleanup;
    }
    uri = lv_uri(c, h);
    file = nb_asprintf("%s/disk.%s", vm->vm_dir, nb_tattr_get(disk, "DISK_ID") ?: "0");
    if (!make)
        goto named;
    if (!lv_uri_is_local(uri)) {
        r->error = nb_asprintf("kvm: %s: volatile disks are only made on hosts local to "
                               "oned; give the disk a SOURCE on %s", op, h->name);
        goto cleanup;
    }
    if (!size || nb_parse_ll(size, &mb) < 0 || mb <= 0 || nb_mkdir_p(vm->vm_dir, 0755) < 0 ||
        (fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) < 0 ||
        ftruncate(fd, (off_t)mb * 1024 * 1024) < 0) {
        r->error = nb_asprintf("kvm: %s: cannot make the volatile disk %s: %s", op, file,
                               size ? strerror(errno) : "no SIZE");
        goto cleanup;
    }
 named:
    nb_tattr_set(disk, "SOURCE", file);
    ret = 0;
 cleanup:
    if (fd >= 0)
        close(fd);
    free(file);
    free(uri);
    return ret;
}

static int lv_deploy(void *drv, const nb_drv_host *h, const nb_drv_vm *vm, nb_drv_result *r)
{
    const lv_conf *c = drv;
    nb_buf xml = NB_BUF_INIT;
    char *console = lv_vm_file(vm, "console.log"), *uri = lv_uri(c, h), *err = NULL;
    const char *type = lv_setting(c, h, "KVM_TYPE");
    nb_domain_opts opts = {
        .type = type && *type ? type : "qemu",
        .emulator = lv_setting(c, h, "EMULATOR"),
        .console_log = console,
    };
    nb_tmpl tmpl = NB_TMPL_INIT;
    nb_drv_vm full = *vm;
    uint64_t t0;
    lv_op o;
    int ret = -1;

    if (lv_op_begin(&o, "deploy", c, h, vm, r) < 0)
        goto cleanup;
    if (o.dom && lv_active(o.dom))
        goto done;          /* deployed before oned stopped: re-attached */
    if (o.dom && lv_undefine(&o, r) < 0)
        goto cleanup;
    if (o.dom) {
        virDomainFree(o.dom);
        o.dom = NULL;
    }
    if (lv_uri_is_local(uri) && nb_mkdir_p(vm->vm_dir, 0755) < 0) {
        r->error = nb_asprintf("kvm: deploy %s: cannot create %s: %s", o.name, vm->vm_dir,
                               strerror(errno));
        goto cleanup;
    }
    lv_with_defaults(c, vm->tmpl, &tmpl);
    for (size_t i = 0; i < tmpl.n; i++)
        if (!tmpl.attrs[i].value && nb_streq(tmpl.attrs[i].name, "DISK") &&
            lv_volatile_file("deploy", c, h, vm, &tmpl.attrs[i], true, r) < 0)
            goto cleanup;
    full.tmpl = &tmpl;
    if (nb_domain_xml(&full, &opts, &xml, &err) < 0) {
        r->error = nb_asprintf("kvm: deploy %s: %s", o.name, err);
        goto cleanup;
    }
    t0 = nb_mono_ns();
    if (!(o.dom = virDomainCreateXML(o.conn, xml.data, 0))) {
        lv_op_fail(&o, r);
        goto cleanup;
    }
    /* What libvirt and QEMU take, apart from oned's own share of a deploy. */
    nb_log_debug("kvm: deploy %s on host %s: virDomainCreateXML took %.1f ms", o.name, h->name,
                 (double)(nb_mono_ns() - t0) / 1e6);
 done:
    r->deploy_id = nb_strdup(o.name);
    ret = 0;
 cleanup:
    lv_op_end(&o);
    nb_tmpl_free(&tmpl);
    nb_buf_free(&xml);
    free(console);
    free(uri);
    free(err);
    return ret;
}

static void lv_sleep_ns(long long ns)
{
    struct timespec ts = { ns / 1000000000LL, ns % 1000000000LL };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static int lv_shutdown(void *drv, const nb_drv_host *h, const nb_drv_vm *vm, nb_drv_result *r)
{
    const lv_conf *c = drv;
    long long timeout = lv_seconds(c, h, "SHUTDOWN_TIMEOUT", LV_SHUTDOWN_TIMEOUT_S);
    uint64_t start = nb_mono_ns(), sent = 0;
    lv_op o;
    int ret = -1;

    if (lv_op_begin(&o, "shutdown", c, h, vm, r) < 0)
        goto cleanup;
    if (!o.dom)
        goto done;
    while (lv_active(o.dom)) {
        uint64_t now = nb_mono_ns();
        if (now - start >= (uint64_t)timeout * 1000000000ull) {
            r->error = nb_asprintf("kvm: shutdown %s: the guest did not power off within "
                                   "%lld s", o.name, timeout);
            goto cleanup;
        }
        /* The ACPI button is pressed again now and then: a press that came
         * before the guest's ACPI daemon listened is lost. */
        if (!sent || now - sent >= LV_SHUTDOWN_RESEND_NS) {
            if (virDomainShutdown(o.dom) < 0 && !lv_last_is(VIR_ERR_OPERATION_INVALID) &&
                !lv_last_is(VIR_ERR_NO_DOMAIN)) {
                lv_op_fail(&o, r);
                goto cleanup;
            }
            sent = now;
        }
        lv_sleep_ns(LV_POLL_NS);
    }
 done:
    ret = 0;
 cleanup:
    lv_op_end(&o);
    return ret;
}

/* cancel and cleanup: the domain stopped at once; cleanup also removes a
 * persistent definition, so that nothing at all is left on the host. */
static int lv_remove(const char *op, bool all, void *drv, const nb_drv_host *h,
                     const nb_drv_vm *vm, nb_drv_result *r)
{
    lv_op o;
    int ret = -1;

    if (lv_op_begin(&o, op, drv, h, vm, r) < 0)
        goto cleanup;
    if (o.dom && (lv_destroy(&o, r) < 0 || (all && lv_undefine(&o, r) < 0)))
        goto cleanup;
    ret = 0;
 cleanup:
    lv_op_end(&o);
    return ret;
}

static int lv_cancel(void *drv, const nb_drv_host *h, const nb_drv_vm *vm, nb_drv_result *r)
{
    return lv_remove("cancel", false, drv, h, vm, r);
}

static int lv_cleanup(void *drv, const nb_drv_host *h, const nb_drv_vm *vm, nb_drv_result *r)
{
    return lv_remove("cleanup", true, drv, h, vm, r);
}

/* reboot and reset: the domain must exist. */
static int lv_restart(const char *op, bool hard, void *drv, const nb_drv_host *h,
                      const nb_drv_vm *vm, nb_drv_result *r)
{
    lv_op o;
    int ret = -1;

    if (lv_op_begin(&o, op, drv, h, vm, r) < 0)
        goto cleanup;
    if (!o.dom) {
        r->error = nb_asprintf("kvm: %s %s: no such domain on host %s", op, o.name, h->name);
        goto cleanup;
    }
    if ((hard ? virDomainReset(o.dom, 0) : virDomainReboot(o.dom, 0)) < 0) {
        lv_op_fail(&o, r);
        goto cleanup;
    }
    ret = 0;
 cleanup:
    lv_op_end(&o);
    return ret;
}

static int lv_reboot(void *drv, const nb_drv_host *h, const nb_drv_vm *vm, nb_drv_result *r)
{
    return lv_restart("reboot", false, drv, h, vm, r);
}

static int lv_reset(void *drv, const nb_drv_host *h, const nb_drv_vm *vm, nb_drv_result *r)
{
    return lv_restart("reset", true, drv, h, vm, r);
}

/* The domain's memory to VM_DIR/checkpoint, the domain gone from the host
 * (restore may happen on another one). */
static int lv_save(void *drv, const nb_drv_host *h, const nb_drv_vm *vm, nb_drv_result *r)
{
    const lv_conf *c = drv;
    char *path = lv_vm_file(vm, "checkpoint"), *uri = lv_uri(c, h);
    lv_op o;
    int ret = -1;

    if (lv_op_begin(&o, "save", c, h, vm, r) < 0)
        goto cleanup;
    if (!o.dom || !lv_active(o.dom)) {
        /* Saved before oned stopped?  Its checkpoint tells, where oned can
         * look. */
        if (lv_uri_is_local(uri) && access(path, F_OK) == 0)
            goto done;
        r->error = nb_asprintf("kvm: save %s: not running on host %s", o.name, h->name);
        goto cleanup;
    }
    if (virDomainSave(o.dom, path) < 0) {
        lv_op_fail(&o, r);
        goto cleanup;
    }
 done:
    ret = 0;
 cleanup:
    lv_op_end(&o);
    free(path);
    free(uri);
    return ret;
}

static int lv_restore(void *drv, const nb_drv_host *h, const nb_drv_vm *vm, nb_drv_result *r)
{
    const lv_conf *c = drv;
    char *path = lv_vm_file(vm, "checkpoint"), *uri = lv_uri(c, h);
    lv_op o;
    int ret = -1;

    if (lv_op_begin(&o, "restore", c, h, vm, r) < 0)
        goto cleanup;
    if (o.dom && lv_active(o.dom))
        goto done;          /* restored before oned stopped */
    if (o.dom && lv_undefine(&o, r) < 0)
        goto cleanup;
    if (virDomainRestore(o.conn, path) < 0) {
        lv_op_fail(&o, r);
        goto cleanup;
    }
    /* The checkpoint is as large as the guest's memory. */
    if (lv_uri_is_local(uri))
        unlink(path);
 done:
    ret = 0;
 cleanup:
    lv_op_end(&o);
    free(path);
    free(uri);
    return ret;
}

/* Live migration, peer to peer: the source libvirtd connects to the
 * target's URI itself, so that URI must work from the source host. */
static int lv_migrate(void *drv, const nb_drv_host *h, const nb_drv_host *to,
                      const nb_drv_vm *vm, nb_drv_result *r)
{
    const lv_conf *c = drv;
    char *dest = lv_uri(c, to), *err = NULL;
    const char *mig_uri = to->tmpl ? nb_tmpl_get(to->tmpl, "MIGRATE_URI") : NULL;
    const char *unsafe = lv_setting(c, h, "MIGRATE_UNSAFE");
    unsigned flags = VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER;
    virTypedParameterPtr params = NULL;
    int nparams = 0, maxparams = 0, ret = -1;
    virConnectPtr tconn = NULL;
    virDomainPtr tdom = NULL;
    lv_op o;

    if (!unsafe || !nb_strcaseeq(unsafe, "NO"))
        flags |= VIR_MIGRATE_UNSAFE;
    if (lv_op_begin(&o, "migrate", c, h, vm, r) < 0)
        goto cleanup;
    if (!o.dom || !lv_active(o.dom)) {
        /* Migrated before oned stopped? Then it runs on the target. */
        if (!(tconn = lv_connect(c, to, &err))) {
            r->error = nb_asprintf("kvm: migrate %s to %s: %s", o.name, to->name, err);
            goto cleanup;
        }
        if ((tdom = virDomainLookupByName(tconn, o.name)) && lv_active(tdom))
            goto done;
        r->error = nb_asprintf("kvm: migrate %s: not running on host %s", o.name, h->name);
        goto cleanup;
    }
    if (mig_uri && *mig_uri &&
        virTypedParamsAddString(&params, &nparams, &maxparams, VIR_MIGRATE_PARAM_URI,
                                mig_uri) < 0) {
        lv_op_fail(&o, r);
        goto cleanup;
    }
    if (virDomainMigrateToURI3(o.dom, dest, params, (unsigned)nparams, flags) < 0) {
        r->error = nb_asprintf("kvm: migrate %s to %s: %s", o.name, dest,
                               virGetLastErrorMessage());
        goto cleanup;
    }
 done:
    ret = 0;
 cleanup:
    if (tdom)
        virDomainFree(tdom);
    if (tconn)
        virConnectClose(tconn);
    virTypedParamsFree(params, nparams);
    lv_op_end(&o);
    free(dest);
    free(err);
    return ret;
}

/* --- hotplug ------------------------------------------------------------------------ */

/* The running domain of a hotplug operation: 0, or -1 with r->error. */
static int lv_op_running(lv_op *o, const char *op, void *drv, const nb_drv_host *h,
                         const nb_drv_vm *vm, nb_drv_result *r)
{
    if (lv_op_begin(o, op, drv, h, vm, r) < 0)
        return -1;
    if (!o->dom || !lv_active(o->dom)) {
        r->error = nb_asprintf("kvm: %s %s: the domain is not running on host %s", op, o->name,
                               h->name);
        return -1;
    }
    return 0;
}

/* What tells the device apart in the live domain XML: the disk's target
 * or the interface's MAC, as libvirt writes them. */
static char *lv_device_key(bool disk, const nb_tattr *dev)
{
    if (disk)
        return nb_asprintf("<target dev='%s'", nb_tattr_get(dev, "TARGET") ?: "");
    return nb_asprintf("<mac address='%s'/>", nb_tattr_get(dev, "MAC") ?: "");
}

/* libvirt returns from a detach once the guest was asked; the device is gone
 * when the guest let it go (an ACPI eject for PCI devices).  Poll the live
 * XML until then. */
static int lv_wait_gone(lv_op *o, const lv_conf *c, const nb_drv_host *h, const char *key,
                        nb_drv_result *r)
{
    long long timeout = lv_seconds(c, h, "DETACH_TIMEOUT", LV_DETACH_TIMEOUT_S);
    uint64_t start = nb_mono_ns();

    for (;;) {
        char *xml = virDomainGetXMLDesc(o->dom, 0);
        bool present = !xml || strstr(xml, key);
        free(xml);
        if (!present)
            return 0;
        if (nb_mono_ns() - start >= (uint64_t)timeout * 1000000000ull) {
            r->error = nb_asprintf("kvm: %s %s: the guest did not release the device within "
                                   "%lld s", o->op, o->name, timeout);
            return -1;
        }
        lv_sleep_ns(LV_POLL_NS);
    }
}

/* Attach or detach one DISK or NIC vector, live. */
static int lv_hotplug(const char *op, bool attach, bool disk, void *drv, const nb_drv_host *h,
                      const nb_drv_vm *vm, const nb_tattr *dev, nb_drv_result *r)
{
    const lv_conf *c = drv;
    nb_tmpl one = NB_TMPL_INIT;
    nb_buf xml = NB_BUF_INIT;
    char *err = NULL, *key = lv_device_key(disk, dev);
    lv_op o;
    int ret = -1, rc;

    if (lv_op_running(&o, op, drv, h, vm, r) < 0)
        goto cleanup;
    if (disk) {
        /* A detach names the device as the attach did. */
        nb_tmpl_add_vector(&one, "DISK", dev->pairs, dev->npairs);
        if (lv_volatile_file(op, c, h, vm, &one.attrs[0], attach, r) < 0)
            goto cleanup;
        if (nb_domain_disk_xml(vm, &one.attrs[0], &xml, &err) < 0) {
            r->error = nb_asprintf("kvm: %s %s: %s", op, o.name, err);
            goto cleanup;
        }
    } else {
        nb_domain_nic_xml(vm, dev, &xml);
    }
    rc = attach ? virDomainAttachDeviceFlags(o.dom, xml.data, VIR_DOMAIN_AFFECT_LIVE)
                : virDomainDetachDeviceFlags(o.dom, xml.data, VIR_DOMAIN_AFFECT_LIVE);
    if (rc < 0) {
        lv_op_fail(&o, r);
        goto cleanup;
    }
    if (!attach && lv_wait_gone(&o, c, h, key, r) < 0)
        goto cleanup;
    ret = 0;
 cleanup:
    lv_op_end(&o);
    nb_tmpl_free(&one);
    nb_buf_free(&xml);
    free(key);
    free(err);
    return ret;
}

static int lv_attach_disk(void *drv, const nb_drv_host *h, const nb_drv_vm *vm,
                          const nb_tattr *disk, nb_drv_result *r)
{
    return lv_hotplug("attach_disk", true, true, drv, h, vm, disk, r);
}

static int lv_detach_disk(void *drv, const nb_drv_host *h, const nb_drv_vm *vm,
                          const nb_tattr *disk, nb_drv_result *r)
{
    return lv_hotplug("detach_disk", false, true, drv, h, vm, disk, r);
}

static int lv_attach_nic(void *drv, const nb_drv_host *h, const nb_drv_vm *vm,
                         const nb_tattr *nic, nb_drv_result *r)
{
    return lv_hotplug("attach_nic", true, false, drv, h, vm, nic, r);
}

static int lv_detach_nic(void *drv, const nb_drv_host *h, const nb_drv_vm *vm,
                         const nb_tattr *nic, nb_drv_result *r)
{
    return lv_hotplug("detach_nic", false, false, drv, h, vm, nic, r);
}

/* Live resize: the guest's online vCPUs (up to VCPU_MAX, which the domain
 * was made with).  Memory does not change live: hotplugging it needs NUMA
 * cells and DIMM slots, which oned refuses before asking. */
static int lv_resize(void *drv, const nb_drv_host *h, const nb_drv_vm *vm, nb_drv_result *r)
{
    long long vcpu = 1;
    lv_op o;
    int ret = -1;

    nb_parse_ll(nb_tmpl_get(vm->tmpl, "VCPU") ?: "1", &vcpu);
    if (lv_op_running(&o, "resize", drv, h, vm, r) < 0)
        goto cleanup;
    if (virDomainSetVcpusFlags(o.dom, (unsigned)vcpu, VIR_DOMAIN_AFFECT_LIVE) < 0) {
        lv_op_fail(&o, r);
        goto cleanup;
    }
    ret = 0;
 cleanup:
    lv_op_end(&o);
    return ret;
}

/* System snapshots are libvirt's internal checkpoints (disks and memory in
 * the qcow2 files): every disk must be qcow2, which oned says before libvirt
 * gives a less helpful error. */
static int lv_snapshot_disks(const lv_op *o, const nb_drv_vm *vm, nb_drv_result *r)
{
    const nb_tattr *d = nb_tmpl_find(vm->tmpl, "DISK");

    for (; d && d < vm->tmpl->attrs + vm->tmpl->n && nb_streq(d->name, "DISK"); d++) {
        const char *fmt = nb_tattr_get(d, "DRIVER");
        if (!fmt || !*fmt)
            fmt = nb_tattr_get(d, "FORMAT");
        if (d->value || (fmt && nb_strcaseeq(fmt, "qcow2")))
            continue;
        r->error = nb_asprintf("kvm: snapshot of %s: DISK %s (%s) is %s, and system snapshots "
                               "need every disk in qcow2 (DRIVER = qcow2)", o->name,
                               nb_tattr_get(d, "DISK_ID") ?: "?",
                               nb_tattr_get(d, "TARGET") ?: "?", fmt && *fmt ? fmt : "raw");
        return -1;
    }
    return 0;
}

enum lv_snap_op { LV_SNAP_CREATE, LV_SNAP_REVERT, LV_SNAP_DELETE };

static int lv_snapshot(enum lv_snap_op what, void *drv, const nb_drv_host *h,
                       const nb_drv_vm *vm, const char *name, nb_drv_result *r)
{
    static const char *const ops[] = { "snapshot_create", "snapshot_revert", "snapshot_delete" };
    virDomainSnapshotPtr snap = NULL;
    char *xml = NULL;
    lv_op o;
    int ret = -1, rc;

    if (lv_op_running(&o, ops[what], drv, h, vm, r) < 0)
        goto cleanup;
    if (what == LV_SNAP_CREATE) {
        if (lv_snapshot_disks(&o, vm, r) < 0)
            goto cleanup;
        /* The name is oned's snap-<id>: nothing to escape. */
        xml = nb_asprintf("<domainsnapshot><name>%s</name></domainsnapshot>", name);
        snap = virDomainSnapshotCreateXML(o.dom, xml, 0);
        rc = snap ? 0 : -1;
    } else if (!(snap = virDomainSnapshotLookupByName(o.dom, name, 0))) {
        /* libvirt forgets the snapshots of a transient domain with it (a
         * poweroff, a migration): nothing to revert to; nothing left to
         * delete but the data in the qcow2 files. */
        if (!lv_last_is(VIR_ERR_NO_DOMAIN_SNAPSHOT))
            rc = -1;
        else if (what == LV_SNAP_DELETE)
            rc = 0;
        else {
            r->error = nb_asprintf("kvm: snapshot_revert %s: libvirt no longer knows %s: the "
                                   "domain was created again since the snapshot was taken",
                                   o.name, name);
            goto cleanup;
        }
    } else {
        rc = what == LV_SNAP_REVERT ? virDomainRevertToSnapshot(snap, VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING)
                                    : virDomainSnapshotDelete(snap, 0);
    }
    if (rc < 0) {
        lv_op_fail(&o, r);
        goto cleanup;
    }
    ret = 0;
 cleanup:
    if (snap)
        virDomainSnapshotFree(snap);
    lv_op_end(&o);
    free(xml);
    return ret;
}

static int lv_snapshot_create(void *drv, const nb_drv_host *h, const nb_drv_vm *vm,
                              const char *name, nb_drv_result *r)
{
    return lv_snapshot(LV_SNAP_CREATE, drv, h, vm, name, r);
}

static int lv_snapshot_revert(void *drv, const nb_drv_host *h, const nb_drv_vm *vm,
                              const char *name, nb_drv_result *r)
{
    return lv_snapshot(LV_SNAP_REVERT, drv, h, vm, name, r);
}

static int lv_snapshot_delete(void *drv, const nb_drv_host *h, const nb_drv_vm *vm,
                              const char *name, nb_drv_result *r)
{
    return lv_snapshot(LV_SNAP_DELETE, drv, h, vm, name, r);
}

static const nb_vmm_ops lv_vmm_ops = {
    .init = lv_init,
    .fini = lv_fini,
    .deploy = lv_deploy,
    .shutdown = lv_shutdown,
    .cancel = lv_cancel,
    .reboot = lv_reboot,
    .reset = lv_reset,
    .save = lv_save,
    .restore = lv_restore,
    .cleanup = lv_cleanup,
    .migrate = lv_migrate,
    .attach_disk = lv_attach_disk,
    .detach_disk = lv_detach_disk,
    .attach_nic = lv_attach_nic,
    .detach_nic = lv_detach_nic,
    .resize = lv_resize,
    .snapshot_create = lv_snapshot_create,
    .snapshot_revert = lv_snapshot_revert,
    .snapshot_delete = lv_snapshot_delete,
};

static const nb_driver lv_vmm_driver = {
    .cls = NB_DRIVER_VMM, .name = "kvm", .abi = NB_DRIVER_ABI, .ops = &lv_vmm_ops,
};
NB_DRIVER_REGISTER(lv_vmm_driver);

/* --- IM_MAD ------------------------------------------------------------------------ */

/* The VM id a domain name carries ("one-42" -> 42), -1 for other names. */
static int lv_vm_id(const char *name)
{
    int id;
    if (strncmp(name, "one-", 4) != 0 || name[4] < '0' || name[4] > '9' ||
        nb_parse_int(name + 4, &id) < 0 || id < 0)
        return -1;
    return id;
}

static enum nb_drv_vm_state lv_state(int state, int reason)
{
    switch (state) {
    case VIR_DOMAIN_PAUSED:
        /* Paused by libvirt itself for a while, not by anyone's choice. */
        if (reason == VIR_DOMAIN_PAUSED_MIGRATION || reason == VIR_DOMAIN_PAUSED_STARTING_UP ||
            reason == VIR_DOMAIN_PAUSED_SAVE || reason == VIR_DOMAIN_PAUSED_SNAPSHOT ||
            reason == VIR_DOMAIN_PAUSED_DUMP || reason == VIR_DOMAIN_PAUSED_POSTCOPY)
            return NB_DRV_VM_RUNNING;
        return NB_DRV_VM_SUSPENDED;
    case VIR_DOMAIN_PMSUSPENDED:
        return NB_DRV_VM_SUSPENDED;
    case VIR_DOMAIN_SHUTOFF:
        return NB_DRV_VM_POWEROFF;
    case VIR_DOMAIN_CRASHED:
        return NB_DRV_VM_FAILURE;
    default:            /* running, blocked (idle), shutting down, no state yet */
        return NB_DRV_VM_RUNNING;
    }
}

/* A lifecycle event as a state, or *report false for the events oned causes
 * and learns from the operation's result (migration, save) and the
 * intermediate ones (defined, undefined, shutting down). */
static enum nb_drv_vm_state lv_event_state(int event, int detail, bool *report)
{
    *report = true;
    switch (event) {
    case VIR_DOMAIN_EVENT_STARTED:
        *report = detail != VIR_DOMAIN_EVENT_STARTED_MIGRATED;
        return NB_DRV_VM_RUNNING;
    case VIR_DOMAIN_EVENT_RESUMED:
        *report = detail != VIR_DOMAIN_EVENT_RESUMED_MIGRATED &&
                  detail != VIR_DOMAIN_EVENT_RESUMED_POSTCOPY;
        return NB_DRV_VM_RUNNING;
    case VIR_DOMAIN_EVENT_SUSPENDED:
        *report = detail == VIR_DOMAIN_EVENT_SUSPENDED_PAUSED ||
                  detail == VIR_DOMAIN_EVENT_SUSPENDED_IOERROR ||
                  detail == VIR_DOMAIN_EVENT_SUSPENDED_WATCHDOG ||
                  detail == VIR_DOMAIN_EVENT_SUSPENDED_API_ERROR;
        return NB_DRV_VM_SUSPENDED;
    case VIR_DOMAIN_EVENT_PMSUSPENDED:
        return NB_DRV_VM_SUSPENDED;
    case VIR_DOMAIN_EVENT_STOPPED:
        if (detail == VIR_DOMAIN_EVENT_STOPPED_CRASHED ||
            detail == VIR_DOMAIN_EVENT_STOPPED_FAILED)
            return NB_DRV_VM_FAILURE;
        *report = detail != VIR_DOMAIN_EVENT_STOPPED_MIGRATED &&
                  detail != VIR_DOMAIN_EVENT_STOPPED_SAVED;
        return NB_DRV_VM_POWEROFF;
    case VIR_DOMAIN_EVENT_CRASHED:
        return NB_DRV_VM_FAILURE;
    default:
        *report = false;
        return NB_DRV_VM_RUNNING;
    }
}

static unsigned long long lv_ull(const virDomainStatsRecord *s, const char *name)
{
    unsigned long long v = 0;
    return virTypedParamsGetULLong(s->params, s->nparams, name, &v) == 1 ? v : 0;
}

/* The sum of the per-device counter `field` (net.N.rx.bytes, ...). */
static long long lv_sum(const virDomainStatsRecord *s, const char *count, const char *prefix,
                        const char *field)
{
    unsigned int n = 0;
    long long sum = 0;
    char name[VIR_TYPED_PARAM_FIELD_LENGTH];

    if (virTypedParamsGetUInt(s->params, s->nparams, count, &n) != 1)
        return 0;
    for (unsigned int i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "%s.%u.%s", prefix, i, field);
        sum += (long long)lv_ull(s, name);
    }
    return sum;
}

/* The previous sample of a domain, NULL if the last monitor() did not see it. */
static const lv_cpu_sample *lv_sample_of(const lv_host *lh, const char *name)
{
    for (size_t i = 0; i < lh->nsamples; i++)
        if (strcmp(lh->samples[i].name, name) == 0)
            return &lh->samples[i];
    return NULL;
}

/* Under the host's mutex: every domain of the sample into out->vms, the
 * CPU percentages from the previous sample, which the new one replaces. */
static void lv_domains(lv_host *lh, virDomainStatsRecordPtr *recs, int n, nb_im_report *out)
{
    uint64_t now = nb_mono_ns();
    lv_cpu_sample *samples = nb_calloc((size_t)n + 1, sizeof(*samples));
    double used_cpu = 0;

    out->vms = nb_calloc((size_t)n + 1, sizeof(*out->vms));
    out->nvms = (size_t)n;
    for (int i = 0; i < n; i++) {
        const virDomainStatsRecord *s = recs[i];
        const char *name = virDomainGetName(s->dom);
        int state = VIR_DOMAIN_NOSTATE, reason = 0;
        virTypedParamsGetInt(s->params, s->nparams, "state.state", &state);
        virTypedParamsGetInt(s->params, s->nparams, "state.reason", &reason);
        nb_drv_vm_usage *u = &out->vms[i];
        *u = (nb_drv_vm_usage){
            .id = lv_vm_id(name),
            .deploy_id = nb_strdup(name),
            .state = lv_state(state, reason),
            .netrx = lv_sum(s, "net.count", "net", "rx.bytes"),
            .nettx = lv_sum(s, "net.count", "net", "tx.bytes"),
            .disk_rd = lv_sum(s, "block.count", "block", "rd.bytes"),
            .disk_wr = lv_sum(s, "block.count", "block", "wr.bytes"),
        };
        /* What the guest costs the host: QEMU's resident size when libvirt
         * knows it, else the guest's current memory. */
        unsigned long long rss = lv_ull(s, "balloon.rss");
        u->memory_kb = (long long)(rss ? rss : lv_ull(s, "balloon.current"));

        unsigned long long cpu_ns = lv_ull(s, "cpu.time");
        const lv_cpu_sample *prev = lv_sample_of(lh, name);
        /* A smaller cpu.time is a new QEMU process: no rate until the next
         * sample. */
        if (prev && cpu_ns >= prev->cpu_ns && now > prev->at_ns)
            u->cpu = 100.0 * (double)(cpu_ns - prev->cpu_ns) / (double)(now - prev->at_ns);
        samples[i] = (lv_cpu_sample){ nb_strdup(name), cpu_ns, now };
        used_cpu += u->cpu;
        out->used_mem_kb += u->memory_kb;
    }
    out->used_cpu = (long long)(used_cpu + 0.5);
    for (size_t i = 0; i < lh->nsamples; i++)
        free(lh->samples[i].name);
    free(lh->samples);
    lh->samples = samples;
    lh->nsamples = (size_t)n;
}

/* The text of the first element child called name, or NULL. */
static const xmlNode *lv_xml_child(const xmlNode *n, const char *name)
{
    for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrcmp(c->name, BAD_CAST name) == 0)
            return c;
    return NULL;
}

/* MODELNAME: the host CPU's vendor and model as libvirt's capabilities name
 * them (the remote /proc/cpuinfo is out of reach). */
static void lv_model_name(virConnectPtr conn, nb_tmpl *info)
{
    char *caps = virConnectGetCapabilities(conn);
    xmlDoc *doc = caps ? xmlReadMemory(caps, (int)strlen(caps), NULL, NULL,
                                       XML_PARSE_NONET | XML_PARSE_NOERROR |
                                       XML_PARSE_NOWARNING) : NULL;
    const xmlNode *cpu = lv_xml_child(lv_xml_child(doc ? xmlDocGetRootElement(doc) : NULL,
                                                   "host"), "cpu");
    xmlChar *vendor = xmlNodeGetContent(lv_xml_child(cpu, "vendor"));
    xmlChar *model = xmlNodeGetContent(lv_xml_child(cpu, "model"));

    if (model) {
        char *v = nb_asprintf("%s%s%s", vendor ? (const char *)vendor : "", vendor ? " " : "",
                              (const char *)model);
        nb_tmpl_set(info, "MODELNAME", v);
        free(v);
    }
    xmlFree(vendor);
    xmlFree(model);
    xmlFreeDoc(doc);
    free(caps);
}

static void lv_set_version(nb_tmpl *info, const char *name, unsigned long v)
{
    char *s = nb_asprintf("%lu.%lu.%lu", v / 1000000, v / 1000 % 1000, v % 1000);
    nb_tmpl_set(info, name, s);
    free(s);
}

/* total_mem_kb from the node's memory statistics: /proc/meminfo on the
 * host.  virNodeGetInfo's figure comes from the NUMA nodes, which some
 * virtual machines under-report (8 of 24 GiB measured). */
static int lv_node_memory(virConnectPtr conn, unsigned long long *total_kb)
{
    virNodeMemoryStatsPtr st = NULL;
    int n = 0, ret = -1;

    if (virNodeGetMemoryStats(conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, NULL, &n, 0) < 0 || n <= 0)
        return -1;
    st = nb_calloc((size_t)n, sizeof(*st));
    if (virNodeGetMemoryStats(conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, st, &n, 0) < 0)
        goto cleanup;
    for (int i = 0; i < n; i++)
        if (strcmp(st[i].field, VIR_NODE_MEMORY_STATS_TOTAL) == 0) {
            *total_kb = st[i].value;
            ret = 0;
        }
 cleanup:
    free(st);
    return ret;
}

static int lv_monitor(void *drv, const nb_drv_host *h, nb_im_report *out, char **err)
{
    const lv_conf *c = drv;
    virConnectPtr conn = lv_connect(c, h, err);
    virDomainStatsRecordPtr *recs = NULL;
    lv_host *lh = lv_host_of(h->id);
    virNodeInfo ni;
    unsigned long lib = 0, hv = 0;
    unsigned long long mem_kb = 0;
    char *hostname = NULL, *mhz = NULL;
    const char *why = NULL;
    int n, ret = -1;

    if (!conn)
        return -1;
    if (virNodeGetInfo(conn, &ni) < 0) {
        why = "node information";
        goto cleanup;
    }
    if (lv_node_memory(conn, &mem_kb) < 0)
        mem_kb = ni.memory;
    /* NOWAIT: a domain busy in a job (migrating, saving) reports what is at
     * hand instead of stalling the whole sample. */
    n = virConnectGetAllDomainStats(conn,
                                    VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_CPU_TOTAL |
                                        VIR_DOMAIN_STATS_BALLOON | VIR_DOMAIN_STATS_INTERFACE |
                                        VIR_DOMAIN_STATS_BLOCK,
                                    &recs, VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT);
    if (n < 0) {
        why = "domain statistics";
        goto cleanup;
    }

    pthread_mutex_lock(&lh->mu);
    lv_domains(lh, recs, n, out);
    pthread_mutex_unlock(&lh->mu);

    out->full = true;       /* every domain, running or not: a VM left out is gone */
    out->total_cpu = (long long)ni.cpus * 100;
    out->total_mem_kb = (long long)mem_kb;
    nb_tmpl_set(&out->info, "HYPERVISOR", "kvm");
    nb_tmpl_set(&out->info, "ARCH", ni.model);
    mhz = nb_asprintf("%u", ni.mhz);
    nb_tmpl_set(&out->info, "CPUSPEED", mhz);
    lv_model_name(conn, &out->info);
    if (virConnectGetLibVersion(conn, &lib) == 0)
        lv_set_version(&out->info, "VERSION", lib);
    if (virConnectGetVersion(conn, &hv) == 0)
        lv_set_version(&out->info, "HV_VERSION", hv);
    if ((hostname = virConnectGetHostname(conn)))
        nb_tmpl_set(&out->info, "HOSTNAME", hostname);
    ret = 0;
 cleanup:
    if (why)
        *err = nb_asprintf("kvm: monitor host %s: %s: %s", h->name, why,
                           virGetLastErrorMessage());
    if (recs)
        virDomainStatsRecordListFree(recs);
    free(hostname);
    free(mhz);
    virConnectClose(conn);
    return ret;
}

/* Lifecycle events of the host's domains to `changed`, from the event loop
 * thread, for as long as the drivers live: the watch is registered again on
 * every new connection.  A host that cannot be reached now is watched from
 * its next connection on (monitor() reports why it cannot be reached). */
static int lv_watch_host(void *drv, const nb_drv_host *h,
                         void (*changed)(void *ctx, int host_id, const char *deploy_id,
                                         enum nb_drv_vm_state state),
                         void *ctx, char **err)
{
    const lv_conf *c = drv;
    lv_host *lh = lv_host_of(h->id);
    char *uri = lv_uri(c, h), *why = NULL;

    pthread_mutex_lock(&lh->mu);
    if (lh->conn && lh->watch_cb >= 0) {
        virConnectDomainEventDeregisterAny(lh->conn, lh->watch_cb);
        lh->watch_cb = -1;
    }
    lh->watch = (lv_watch){ h->id, changed, ctx };
    if (lv_host_connect(lh, uri, &why) == 0)
        lv_watch_register(lh);
    else
        nb_log_info("Host %s (%d) is watched from its next connection: %s", h->name, h->id,
                    why);
    pthread_mutex_unlock(&lh->mu);
    free(uri);
    free(why);
    return 0;
}

static const nb_im_ops lv_im_ops = {
    .init = lv_init,
    .fini = lv_fini,
    .monitor = lv_monitor,
    .watch = lv_watch_host,
};

static const nb_driver lv_im_driver = {
    .cls = NB_DRIVER_IM, .name = "kvm", .abi = NB_DRIVER_ABI, .ops = &lv_im_ops,
};
NB_DRIVER_REGISTER(lv_im_driver);
