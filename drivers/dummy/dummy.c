/*
 * dummy.c: VM_MAD "dummy" and IM_MAD "dummy", as OpenNebula's dummy
 * drivers: every operation succeeds at once, against a simulated
 * hypervisor that only remembers which domains are on which host, so that
 * monitor() reports exactly what the VMM operations did.
 *
 * Settings, the most specific level winning: the VM's template, then the
 * host's, then the driver's section of oned.conf (VM_MAD/IM_MAD = [...]):
 *
 *   DUMMY_DELAY_MS / DELAY_MS   every operation takes this long first
 *   DUMMY_FAIL / FAIL           comma list of operations that fail, named
 *                               as the ops slots: "deploy,shutdown",
 *                               "attach_disk", "monitor", ...
 *
 * and on hosts only: DUMMY_CPU (percent of one core, default 800) and
 * DUMMY_MEMORY_KB (default 16 GiB), the capacity monitor() reports, and
 * DUMMY_FAIL_MONITOR = YES, which makes monitor() fail.
 *
 * watch is NULL: the only changes this hypervisor sees are those oned
 * asked for, whose outcome oned already gets from the operation; echoing
 * them as events would duplicate every result and race with it.  Changes
 * behind oned's back (nb_dummy_set_state) show at the next monitor(), the
 * polling path any driver without events relies on.
 */
#include "drivers/dummy/dummy.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "drivers/driver.h"
#include "lib/hash.h"
#include "lib/util.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "dev"
#endif

#define DUMMY_TOTAL_CPU 800                     /* 8 cores */
#define DUMMY_TOTAL_MEM_KB (16LL * 1024 * 1024) /* 16 GiB */

/* What one init read from oned.conf. */
typedef struct dummy_conf {
    long long delay_ms;
    char *fail;                 /* FAIL, or NULL */
} dummy_conf;

typedef struct dummy_domain {
    int vm_id;
    char *deploy_id;
    enum nb_drv_vm_state state;
    double cpu;                 /* percent of one core: the VM's CPU * 100 */
    long long memory_kb;        /* the VM's MEMORY (MB) * 1024 */
} dummy_domain;

typedef struct dummy_host {
    char key[16];               /* the host id in decimal: its hash key */
    dummy_domain *doms;         /* in the order they arrived */
    size_t n, cap;
} dummy_host;

/*
 * The simulated hypervisor, shared by every instance of both drivers (the
 * VMM changes what the IM reports).  One mutex: a critical section touches
 * the short domain arrays of one or two hosts and never waits (delays
 * happen before it), so thousands of hosts and dozens of workers hardly
 * contend on it.
 */
static struct {
    pthread_mutex_t mu;
    unsigned users;             /* live instances: the last fini forgets the hosts */
    nb_hash hosts;              /* host id -> dummy_host */
} dummy_world = { .mu = PTHREAD_MUTEX_INITIALIZER };

static const char *dummy_get(const nb_tmpl *t, const char *name)
{
    return t ? nb_tmpl_get(t, name) : NULL;
}

/* A setting from the VM's templates (users put DUMMY_* in theirs), else
 * the host's; NULL if none. */
static const char *dummy_override(const nb_drv_host *h, const nb_drv_vm *vm, const char *name)
{
    const char *v = vm ? dummy_get(vm->user_tmpl, name) : NULL;
    if (!v && vm)
        v = dummy_get(vm->tmpl, name);
    return v ? v : dummy_get(h->tmpl, name);
}

/* Store v (when set) in *out if it is a non-negative integer. */
static int dummy_count(const char *v, const char *name, long long *out, char **err)
{
    long long n;
    if (!v)
        return 0;
    if (nb_parse_ll(v, &n) < 0 || n < 0) {
        *err = nb_asprintf("dummy: %s must be a non-negative integer, not \"%s\"", name, v);
        return -1;
    }
    *out = n;
    return 0;
}

/* A positive number from the VM's template, 0 when missing, malformed or
 * absurd (oned validated CPU and MEMORY when the VM was created; the bound
 * keeps the conversions to integers defined). */
static double dummy_vm_number(const nb_drv_vm *vm, const char *name)
{
    const char *s = dummy_get(vm->tmpl, name);
    char *end;
    double v = s ? strtod(s, &end) : 0;
    return s && end != s && *end == '\0' && v > 0 && v < 1e12 ? v : 0;
}

/* Whether the comma list names op (case and blanks ignored). */
static bool dummy_listed(const char *list, const char *op)
{
    size_t oplen = strlen(op);
    for (const char *p = list; p && *p;) {
        p += strspn(p, " \t,");
        size_t len = strcspn(p, ","), end = len;
        while (end && (p[end - 1] == ' ' || p[end - 1] == '\t'))
            end--;
        if (end == oplen && strncasecmp(p, op, oplen) == 0)
            return true;
        p += len;
    }
    return false;
}

static void dummy_sleep_ms(long long ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    /* An absolute deadline: signals do not shorten or stretch the delay. */
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR)
        ;
}

/* Every operation starts here: take the configured time, then fail if told
 * to.  vm is NULL for monitor. */
static int dummy_begin(const dummy_conf *c, const char *op, const nb_drv_host *h,
                       const nb_drv_vm *vm, char **err)
{
    long long delay = c->delay_ms;
    if (dummy_count(dummy_override(h, vm, "DUMMY_DELAY_MS"), "DUMMY_DELAY_MS", &delay, err) < 0)
        return -1;
    if (delay > 0)
        dummy_sleep_ms(delay);

    const char *fail = dummy_override(h, vm, "DUMMY_FAIL");
    if (dummy_listed(fail ? fail : c->fail, op)) {
        *err = nb_asprintf("dummy: %s failure injected (%s)", op, fail ? "DUMMY_FAIL" : "FAIL");
        return -1;
    }
    return 0;
}

/* --- the domains, under dummy_world.mu ----------------------------------- */

/* The host's record; NULL if it never had a domain and !create. */
static dummy_host *dummy_host_of(int host_id, bool create)
{
    char key[16];
    snprintf(key, sizeof(key), "%d", host_id);
    dummy_host *dh = nb_hash_get(&dummy_world.hosts, key);
    if (!dh && create) {
        dh = nb_calloc(1, sizeof(*dh));
        memcpy(dh->key, key, sizeof(key));
        nb_hash_put(&dummy_world.hosts, dh->key, dh);
    }
    return dh;
}

static dummy_domain *dummy_domain_of(dummy_host *dh, int vm_id)
{
    for (size_t i = 0; dh && i < dh->n; i++)
        if (dh->doms[i].vm_id == vm_id)
            return &dh->doms[i];
    return NULL;
}

static void dummy_domain_usage(dummy_domain *d, const nb_drv_vm *vm)
{
    d->cpu = dummy_vm_number(vm, "CPU") * 100;
    d->memory_kb = (long long)(dummy_vm_number(vm, "MEMORY") * 1024);
}

/* The VM's domain runs on host_id, with the usage its template asks for. */
static void dummy_domain_start(int host_id, const nb_drv_vm *vm, const char *name)
{
    dummy_host *dh = dummy_host_of(host_id, true);
    dummy_domain *d = dummy_domain_of(dh, vm->id);
    if (!d) {
        nb_grow(&dh->doms, &dh->cap, dh->n + 1, sizeof(*dh->doms));
        d = &dh->doms[dh->n++];
        *d = (dummy_domain){ .vm_id = vm->id, .deploy_id = nb_strdup(name) };
    }
    d->state = NB_DRV_VM_RUNNING;
    dummy_domain_usage(d, vm);
}

static void dummy_domain_remove(int host_id, int vm_id)
{
    dummy_host *dh = dummy_host_of(host_id, false);
    dummy_domain *d = dummy_domain_of(dh, vm_id);
    if (!d)
        return;
    free(d->deploy_id);
    size_t i = (size_t)(d - dh->doms);
    memmove(d, d + 1, (dh->n - i - 1) * sizeof(*d));
    dh->n--;
}

int nb_dummy_set_state(int host_id, int vm_id, enum nb_drv_vm_state state)
{
    pthread_mutex_lock(&dummy_world.mu);
    dummy_domain *d = dummy_domain_of(dummy_host_of(host_id, false), vm_id);
    if (d)
        d->state = state;
    pthread_mutex_unlock(&dummy_world.mu);
    return d ? 0 : -1;
}

/* --- driver instances ------------------------------------------------------- */

static int dummy_init(const nb_tmpl *conf, void **drv, char **err)
{
    dummy_conf *c = nb_calloc(1, sizeof(*c));
    if (dummy_count(dummy_get(conf, "DELAY_MS"), "DELAY_MS", &c->delay_ms, err) < 0) {
        free(c);
        return -1;
    }
    const char *fail = dummy_get(conf, "FAIL");
    c->fail = fail ? nb_strdup(fail) : NULL;

    pthread_mutex_lock(&dummy_world.mu);
    dummy_world.users++;
    pthread_mutex_unlock(&dummy_world.mu);
    *drv = c;
    return 0;
}

static void dummy_fini(void *drv)
{
    dummy_conf *c = drv;

    pthread_mutex_lock(&dummy_world.mu);
    if (--dummy_world.users == 0) {
        for (size_t i = 0; i < dummy_world.hosts.cap; i++) {
            dummy_host *dh = dummy_world.hosts.slots[i].value;
            if (!dh)
                continue;
            for (size_t j = 0; j < dh->n; j++)
                free(dh->doms[j].deploy_id);
            free(dh->doms);
            free(dh);
        }
        nb_hash_free(&dummy_world.hosts);
    }
    pthread_mutex_unlock(&dummy_world.mu);
    free(c->fail);
    free(c);
}

/* --- VM_MAD ------------------------------------------------------------------ */

/* What an operation does to the VM's domain. */
enum dummy_effect {
    DUMMY_KEEP,         /* reboot, reset, hotplug, snapshots: nothing monitor() sees */
    DUMMY_DEPLOY,       /* runs on h, named */
    DUMMY_START,        /* restore: runs on h again */
    DUMMY_REMOVE,       /* shutdown, cancel, save, cleanup: gone from h */
    DUMMY_RESIZE,       /* uses the template's new CPU and MEMORY */
    DUMMY_MOVE,         /* migrate: runs on `to` instead of h */
};

/* Every VMM operation: the delay, the injected failure, then the effect. */
static int dummy_step(void *drv, const char *op, enum dummy_effect effect,
                      const nb_drv_host *h, const nb_drv_host *to, const nb_drv_vm *vm,
                      nb_drv_result *r)
{
    if (dummy_begin(drv, op, h, vm, &r->error) < 0)
        return -1;

    char *name = vm->deploy_id ? nb_strdup(vm->deploy_id) : nb_asprintf("one-%d", vm->id);
    pthread_mutex_lock(&dummy_world.mu);
    switch (effect) {
    case DUMMY_KEEP:
        break;
    case DUMMY_DEPLOY:
    case DUMMY_START:
        dummy_domain_start(h->id, vm, name);
        break;
    case DUMMY_REMOVE:
        dummy_domain_remove(h->id, vm->id);
        break;
    case DUMMY_RESIZE: {
        dummy_domain *d = dummy_domain_of(dummy_host_of(h->id, false), vm->id);
        if (d)
            dummy_domain_usage(d, vm);
        break;
    }
    case DUMMY_MOVE:
        dummy_domain_remove(h->id, vm->id);
        dummy_domain_start(to->id, vm, name);
        break;
    }
    pthread_mutex_unlock(&dummy_world.mu);

    if (effect == DUMMY_DEPLOY) {
        r->deploy_id = name;
        name = NULL;
    }
    free(name);
    return 0;
}

/* The ops slots differ only in their extra argument, which the dummy
 * ignores; the op's name is the slot's, as DUMMY_FAIL lists it. */
#define DUMMY_OP(op, effect)                                                              \
    static int dummy_##op(void *drv, const nb_drv_host *h, const nb_drv_vm *vm,           \
                          nb_drv_result *r)                                               \
    {                                                                                     \
        return dummy_step(drv, #op, effect, h, NULL, vm, r);                              \
    }
#define DUMMY_OP_WITH(op, type)                                                           \
    static int dummy_##op(void *drv, const nb_drv_host *h, const nb_drv_vm *vm, type x,   \
                          nb_drv_result *r)                                               \
    {                                                                                     \
        return dummy_step(drv, #op, DUMMY_KEEP, h, NULL, vm, r);                          \
    }

DUMMY_OP(deploy, DUMMY_DEPLOY)
DUMMY_OP(shutdown, DUMMY_REMOVE)
DUMMY_OP(cancel, DUMMY_REMOVE)
DUMMY_OP(reboot, DUMMY_KEEP)
DUMMY_OP(reset, DUMMY_KEEP)
DUMMY_OP(save, DUMMY_REMOVE)
DUMMY_OP(restore, DUMMY_START)
DUMMY_OP(cleanup, DUMMY_REMOVE)
DUMMY_OP(resize, DUMMY_RESIZE)
DUMMY_OP_WITH(attach_disk, const nb_tattr *)
DUMMY_OP_WITH(detach_disk, const nb_tattr *)
DUMMY_OP_WITH(attach_nic, const nb_tattr *)
DUMMY_OP_WITH(detach_nic, const nb_tattr *)
DUMMY_OP_WITH(snapshot_create, const char *)
DUMMY_OP_WITH(snapshot_revert, const char *)
DUMMY_OP_WITH(snapshot_delete, const char *)

static int dummy_migrate(void *drv, const nb_drv_host *h, const nb_drv_host *to,
                         const nb_drv_vm *vm, nb_drv_result *r)
{
    return dummy_step(drv, "migrate", DUMMY_MOVE, h, to, vm, r);
}

static const nb_vmm_ops dummy_vmm_ops = {
    .init = dummy_init,
    .fini = dummy_fini,
    .deploy = dummy_deploy,
    .shutdown = dummy_shutdown,
    .cancel = dummy_cancel,
    .reboot = dummy_reboot,
    .reset = dummy_reset,
    .save = dummy_save,
    .restore = dummy_restore,
    .cleanup = dummy_cleanup,
    .migrate = dummy_migrate,
    .attach_disk = dummy_attach_disk,
    .detach_disk = dummy_detach_disk,
    .attach_nic = dummy_attach_nic,
    .detach_nic = dummy_detach_nic,
    .resize = dummy_resize,
    .snapshot_create = dummy_snapshot_create,
    .snapshot_revert = dummy_snapshot_revert,
    .snapshot_delete = dummy_snapshot_delete,
};

static const nb_driver dummy_vmm_driver = {
    .cls = NB_DRIVER_VMM, .name = "dummy", .abi = NB_DRIVER_ABI, .ops = &dummy_vmm_ops,
};
NB_DRIVER_REGISTER(dummy_vmm_driver);

/* --- IM_MAD ------------------------------------------------------------------ */

/* The caller initialised *out (nb_im_report_init) and frees it either way;
 * on failure it is left as it was. */
static int dummy_monitor(void *drv, const nb_drv_host *h, nb_im_report *out, char **err)
{
    if (dummy_begin(drv, "monitor", h, NULL, err) < 0)
        return -1;
    const char *off = dummy_get(h->tmpl, "DUMMY_FAIL_MONITOR");
    if (off && nb_strcaseeq(off, "YES")) {
        *err = nb_strdup("dummy: monitor failure injected (DUMMY_FAIL_MONITOR)");
        return -1;
    }
    long long total_cpu = DUMMY_TOTAL_CPU, total_mem = DUMMY_TOTAL_MEM_KB;
    if (dummy_count(dummy_get(h->tmpl, "DUMMY_CPU"), "DUMMY_CPU", &total_cpu, err) < 0 ||
        dummy_count(dummy_get(h->tmpl, "DUMMY_MEMORY_KB"), "DUMMY_MEMORY_KB", &total_mem,
                    err) < 0)
        return -1;

    double used_cpu = 0;
    long long used_mem = 0;
    pthread_mutex_lock(&dummy_world.mu);
    dummy_host *dh = dummy_host_of(h->id, false);
    out->nvms = dh ? dh->n : 0;
    out->vms = nb_calloc(out->nvms, sizeof(*out->vms));
    for (size_t i = 0; i < out->nvms; i++) {
        const dummy_domain *d = &dh->doms[i];
        /* A paused domain keeps its memory but burns no CPU; a shut off or
         * crashed one holds neither. */
        bool running = d->state == NB_DRV_VM_RUNNING;
        bool resident = running || d->state == NB_DRV_VM_SUSPENDED;
        out->vms[i] = (nb_drv_vm_usage){
            .id = d->vm_id,
            .deploy_id = nb_strdup(d->deploy_id),
            .state = d->state,
            .cpu = running ? d->cpu : 0,
            .memory_kb = resident ? d->memory_kb : 0,
        };
        used_cpu += out->vms[i].cpu;
        used_mem += out->vms[i].memory_kb;
    }
    pthread_mutex_unlock(&dummy_world.mu);

    out->total_cpu = total_cpu;
    out->used_cpu = (long long)(used_cpu + 0.5);
    out->total_mem_kb = total_mem;
    out->used_mem_kb = used_mem;
    nb_tmpl_set(&out->info, "ARCH", "x86_64");
    nb_tmpl_set(&out->info, "HYPERVISOR", "dummy");
    nb_tmpl_set(&out->info, "MODELNAME", "Dummy CPU");
    nb_tmpl_set(&out->info, "CPUSPEED", "2200");
    nb_tmpl_set(&out->info, "VERSION", PACKAGE_VERSION);
    return 0;
}

static const nb_im_ops dummy_im_ops = {
    .init = dummy_init,
    .fini = dummy_fini,
    .monitor = dummy_monitor,
    .watch = NULL,
};

static const nb_driver dummy_im_driver = {
    .cls = NB_DRIVER_IM, .name = "dummy", .abi = NB_DRIVER_ABI, .ops = &dummy_im_ops,
};
NB_DRIVER_REGISTER(dummy_im_driver);
