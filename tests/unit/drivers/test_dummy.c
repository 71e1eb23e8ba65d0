/*
 * test_dummy.c: the dummy VM_MAD and IM_MAD: what the VMM operations do is
 * what monitor() reports; failure injection at each level; delays; many
 * threads on many hosts at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include "drivers/driver.h"
#include "drivers/dummy/dummy.h"
#include "drivers/vmm.h"
#include "lib/util.h"

typedef int (*vm_op)(void *drv, const nb_drv_host *h, const nb_drv_vm *vm, nb_drv_result *r);

/* --- fixtures ------------------------------------------------------------- */

typedef struct fx {
    const nb_vmm_ops *vmm;
    const nb_im_ops *im;
    void *vdrv, *idrv;
} fx;

typedef struct thost {
    nb_tmpl t;
    nb_drv_host h;
} thost;

typedef struct tvm {
    nb_tmpl t;
    nb_drv_vm vm;
} tvm;

static void parse(nb_tmpl *t, const char *text)
{
    char *err = NULL;
    nb_tmpl_init(t);
    if (nb_tmpl_parse(t, text, strlen(text), &err) != 0)
        fail_msg("bad test template: %s", err);
}

static void host_init(thost *x, int id, const char *text)
{
    parse(&x->t, text);
    x->h = (nb_drv_host){ .id = id, .name = "node", .tmpl = &x->t };
}

static void vm_init(tvm *x, int id, const char *text)
{
    parse(&x->t, text);
    x->vm = (nb_drv_vm){ .id = id, .tmpl = &x->t, .vm_dir = "/var/lib/one/datastores/0/x" };
}

/* An instance of each driver, from oned.conf-like settings. */
static void fx_open(fx *f, const char *vmm_conf, const char *im_conf)
{
    nb_tmpl vc, ic;
    char *err = NULL;
    const nb_driver *vd = nb_driver_find(NB_DRIVER_VMM, "dummy");
    const nb_driver *id = nb_driver_find(NB_DRIVER_IM, "dummy");
    assert_non_null(vd);
    assert_non_null(id);
    f->vmm = vd->ops;
    f->im = id->ops;
    parse(&vc, vmm_conf);
    parse(&ic, im_conf);
    assert_int_equal(f->vmm->init(&vc, &f->vdrv, &err), 0);
    assert_int_equal(f->im->init(&ic, &f->idrv, &err), 0);
    nb_tmpl_free(&vc);
    nb_tmpl_free(&ic);
}

static void fx_close(fx *f)
{
    f->vmm->fini(f->vdrv);
    f->im->fini(f->idrv);
}

static int setup(void **state)
{
    fx *f = nb_calloc(1, sizeof(*f));
    fx_open(f, "", "");
    *state = f;
    return 0;
}

/* Closing the last instances forgets every domain: tests start empty. */
static int teardown(void **state)
{
    fx_close(*state);
    free(*state);
    return 0;
}

/* The message of the last failed call(), "" after a success. */
static char errmsg[256];

static int call(void *drv, vm_op op, const thost *h, const tvm *v)
{
    nb_drv_result r = { NULL, NULL };
    int rc = op(drv, &h->h, &v->vm, &r);
    snprintf(errmsg, sizeof(errmsg), "%s", r.error ? r.error : "");
    assert_true(rc == 0 ? r.error == NULL : r.error != NULL);
    free(r.deploy_id);
    free(r.error);
    return rc;
}

static void monitor_ok(const fx *f, const thost *h, nb_im_report *r)
{
    char *err = NULL;
    nb_im_report_init(r);
    if (f->im->monitor(f->idrv, &h->h, r, &err) != 0)
        fail_msg("monitor failed: %s", err);
}

/* Host h's VM vm_id as the last sample saw it, or NULL. */
static const nb_drv_vm_usage *seen(const nb_im_report *r, int vm_id)
{
    for (size_t i = 0; i < r->nvms; i++)
        if (r->vms[i].id == vm_id)
            return &r->vms[i];
    return NULL;
}

/* How many domains host h has. */
static size_t domains_on(const fx *f, const thost *h)
{
    nb_im_report r;
    monitor_ok(f, h, &r);
    size_t n = r.nvms;
    nb_im_report_free(&r);
    return n;
}

/* --- registration ----------------------------------------------------------- */

static void test_registered_and_complete(void **state)
{
    const nb_vmm_ops *v = nb_driver_find(NB_DRIVER_VMM, "dummy")->ops;
    const nb_im_ops *m = nb_driver_find(NB_DRIVER_IM, "dummy")->ops;
    /* Every VMM slot is filled: the dummy supports everything. */
    assert_true(v->init && v->fini && v->deploy && v->shutdown && v->cancel && v->reboot &&
                v->reset && v->save && v->restore && v->cleanup && v->migrate &&
                v->attach_disk && v->detach_disk && v->attach_nic && v->detach_nic &&
                v->resize && v->snapshot_create && v->snapshot_revert && v->snapshot_delete);
    assert_non_null(m->init);
    assert_non_null(m->monitor);
    assert_null(m->watch);      /* polling: see dummy.c */
}

/* --- what monitor() reports ------------------------------------------------- */

static void test_deploy_then_monitor(void **state)
{
    fx *f = *state;
    thost h;
    tvm v;
    host_init(&h, 0, "");
    vm_init(&v, 5, "CPU = 1.5\nVCPU = 2\nMEMORY = 512");

    nb_drv_result r = { NULL, NULL };
    assert_int_equal(f->vmm->deploy(f->vdrv, &h.h, &v.vm, &r), 0);
    assert_string_equal(r.deploy_id, "one-5");
    assert_null(r.error);
    free(r.deploy_id);

    nb_im_report rep;
    monitor_ok(f, &h, &rep);
    assert_int_equal(rep.nvms, 1);
    const nb_drv_vm_usage *u = seen(&rep, 5);
    assert_non_null(u);
    assert_string_equal(u->deploy_id, "one-5");
    assert_int_equal(u->state, NB_DRV_VM_RUNNING);
    assert_true(u->cpu == 150.0);
    assert_int_equal(u->memory_kb, 512 * 1024);
    assert_int_equal(rep.total_cpu, 800);
    assert_int_equal(rep.total_mem_kb, 16LL * 1024 * 1024);
    assert_int_equal(rep.used_cpu, 150);
    assert_int_equal(rep.used_mem_kb, 512 * 1024);
    assert_string_equal(nb_tmpl_get(&rep.info, "ARCH"), "x86_64");
    assert_string_equal(nb_tmpl_get(&rep.info, "HYPERVISOR"), "dummy");
    assert_non_null(nb_tmpl_get(&rep.info, "MODELNAME"));
    assert_non_null(nb_tmpl_get(&rep.info, "CPUSPEED"));
    assert_non_null(nb_tmpl_get(&rep.info, "VERSION"));
    nb_im_report_free(&rep);

    /* A second VM adds up; deploying is idempotent. */
    tvm w;
    vm_init(&w, 6, "CPU = 2\nMEMORY = 1024");
    assert_int_equal(call(f->vdrv, f->vmm->deploy, &h, &w), 0);
    assert_int_equal(call(f->vdrv, f->vmm->deploy, &h, &w), 0);
    monitor_ok(f, &h, &rep);
    assert_int_equal(rep.nvms, 2);
    assert_int_equal(rep.used_cpu, 350);
    assert_int_equal(rep.used_mem_kb, 1536 * 1024);
    nb_im_report_free(&rep);

    /* Other hosts see none of it. */
    thost other;
    host_init(&other, 1, "");
    assert_int_equal(domains_on(f, &other), 0);

    /* Nonsense sizes count as nothing rather than overflowing. */
    tvm odd;
    vm_init(&odd, 8, "CPU = 1e300\nMEMORY = lots");
    assert_int_equal(call(f->vdrv, f->vmm->deploy, &other, &odd), 0);
    monitor_ok(f, &other, &rep);
    assert_int_equal(rep.nvms, 1);
    assert_int_equal(rep.used_cpu, 0);
    assert_int_equal(rep.used_mem_kb, 0);
    nb_im_report_free(&rep);
    nb_tmpl_free(&odd.t);

    nb_tmpl_free(&h.t);
    nb_tmpl_free(&other.t);
    nb_tmpl_free(&v.t);
    nb_tmpl_free(&w.t);
}

static void test_capacity_from_host_template(void **state)
{
    fx *f = *state;
    thost h, bad;
    host_init(&h, 3, "DUMMY_CPU = 1600\nDUMMY_MEMORY_KB = 1048576");
    host_init(&bad, 4, "DUMMY_CPU = lots");

    nb_im_report rep;
    monitor_ok(f, &h, &rep);
    assert_int_equal(rep.total_cpu, 1600);
    assert_int_equal(rep.total_mem_kb, 1048576);
    assert_int_equal(rep.used_cpu, 0);
    assert_int_equal(rep.nvms, 0);
    nb_im_report_free(&rep);

    char *err = NULL;
    nb_im_report_init(&rep);
    assert_int_equal(f->im->monitor(f->idrv, &bad.h, &rep, &err), -1);
    assert_string_equal(err, "dummy: DUMMY_CPU must be a non-negative integer, not \"lots\"");
    free(err);
    nb_im_report_free(&rep);

    nb_tmpl_free(&h.t);
    nb_tmpl_free(&bad.t);
}

/* --- what each operation does to the domain ---------------------------------- */

static void test_operation_effects(void **state)
{
    fx *f = *state;
    const nb_vmm_ops *o = f->vmm;
    thost a, b;
    tvm v1, v2, v3;
    host_init(&a, 10, "");
    host_init(&b, 11, "");
    vm_init(&v1, 1, "CPU = 1\nMEMORY = 128");
    vm_init(&v2, 2, "CPU = 1\nMEMORY = 128");
    vm_init(&v3, 3, "CPU = 1\nMEMORY = 128");
    assert_int_equal(call(f->vdrv, o->deploy, &a, &v1), 0);
    assert_int_equal(call(f->vdrv, o->deploy, &a, &v2), 0);
    assert_int_equal(call(f->vdrv, o->deploy, &a, &v3), 0);
    assert_int_equal(domains_on(f, &a), 3);

    /* Shutdown and cancel: the domain is gone. */
    assert_int_equal(call(f->vdrv, o->shutdown, &a, &v1), 0);
    assert_int_equal(call(f->vdrv, o->cancel, &a, &v2), 0);
    nb_im_report rep;
    monitor_ok(f, &a, &rep);
    assert_int_equal(rep.nvms, 1);
    assert_non_null(seen(&rep, 3));
    nb_im_report_free(&rep);

    /* Reboot, reset, hotplug and snapshots change nothing monitoring sees. */
    nb_drv_result r = { NULL, NULL };
    nb_tattr disk = { .name = "DISK" };
    assert_int_equal(call(f->vdrv, o->reboot, &a, &v3), 0);
    assert_int_equal(call(f->vdrv, o->reset, &a, &v3), 0);
    assert_int_equal(o->attach_disk(f->vdrv, &a.h, &v3.vm, &disk, &r), 0);
    assert_int_equal(o->detach_nic(f->vdrv, &a.h, &v3.vm, &disk, &r), 0);
    assert_int_equal(o->snapshot_create(f->vdrv, &a.h, &v3.vm, "snap", &r), 0);
    assert_null(r.error);
    assert_null(r.deploy_id);
    assert_int_equal(domains_on(f, &a), 1);

    /* Resize: the new CPU and MEMORY of the template. */
    nb_tmpl_set(&v3.t, "CPU", "0.5");
    nb_tmpl_set(&v3.t, "MEMORY", "2048");
    assert_int_equal(call(f->vdrv, o->resize, &a, &v3), 0);
    monitor_ok(f, &a, &rep);
    assert_int_equal(rep.used_cpu, 50);
    assert_int_equal(rep.used_mem_kb, 2048 * 1024);
    nb_im_report_free(&rep);

    /* Save: gone; restore: back, running, under the name it had. */
    v3.vm.deploy_id = "one-3";
    assert_int_equal(call(f->vdrv, o->save, &a, &v3), 0);
    assert_int_equal(domains_on(f, &a), 0);
    assert_int_equal(call(f->vdrv, o->restore, &a, &v3), 0);
    monitor_ok(f, &a, &rep);
    assert_int_equal(rep.nvms, 1);
    assert_string_equal(seen(&rep, 3)->deploy_id, "one-3");
    assert_int_equal(seen(&rep, 3)->state, NB_DRV_VM_RUNNING);
    nb_im_report_free(&rep);

    /* Migrate: from a to b. */
    assert_int_equal(o->migrate(f->vdrv, &a.h, &b.h, &v3.vm, &r), 0);
    assert_int_equal(domains_on(f, &a), 0);
    monitor_ok(f, &b, &rep);
    assert_int_equal(rep.nvms, 1);
    assert_int_equal(seen(&rep, 3)->state, NB_DRV_VM_RUNNING);
    assert_int_equal(rep.used_cpu, 50);
    nb_im_report_free(&rep);

    /* Cleanup: gone, and cleaning an absent domain is fine. */
    assert_int_equal(call(f->vdrv, o->cleanup, &b, &v3), 0);
    assert_int_equal(call(f->vdrv, o->cleanup, &b, &v3), 0);
    assert_int_equal(domains_on(f, &b), 0);

    nb_tmpl_free(&a.t);
    nb_tmpl_free(&b.t);
    nb_tmpl_free(&v1.t);
    nb_tmpl_free(&v2.t);
    nb_tmpl_free(&v3.t);
}

/* Changes behind oned's back: reported as they are, with what they use. */
static void test_state_changes_on_the_host(void **state)
{
    fx *f = *state;
    thost h;
    tvm v;
    host_init(&h, 20, "");
    vm_init(&v, 7, "CPU = 1\nMEMORY = 256");
    assert_int_equal(call(f->vdrv, f->vmm->deploy, &h, &v), 0);

    nb_im_report rep;
    assert_int_equal(nb_dummy_set_state(20, 7, NB_DRV_VM_SUSPENDED), 0);
    monitor_ok(f, &h, &rep);
    assert_int_equal(seen(&rep, 7)->state, NB_DRV_VM_SUSPENDED);
    assert_int_equal(rep.used_cpu, 0);                  /* paused: no CPU */
    assert_int_equal(rep.used_mem_kb, 256 * 1024);      /* but its memory */
    nb_im_report_free(&rep);

    assert_int_equal(nb_dummy_set_state(20, 7, NB_DRV_VM_POWEROFF), 0);
    monitor_ok(f, &h, &rep);
    assert_int_equal(seen(&rep, 7)->state, NB_DRV_VM_POWEROFF);
    assert_int_equal(rep.used_mem_kb, 0);
    nb_im_report_free(&rep);

    /* Deploying again (resume from poweroff) runs it. */
    assert_int_equal(call(f->vdrv, f->vmm->deploy, &h, &v), 0);
    monitor_ok(f, &h, &rep);
    assert_int_equal(seen(&rep, 7)->state, NB_DRV_VM_RUNNING);
    nb_im_report_free(&rep);

    assert_int_equal(nb_dummy_set_state(20, 8, NB_DRV_VM_FAILURE), -1);
    assert_int_equal(nb_dummy_set_state(21, 7, NB_DRV_VM_FAILURE), -1);
    nb_tmpl_free(&h.t);
    nb_tmpl_free(&v.t);
}

/* --- failure injection ---------------------------------------------------------- */

static void test_fail_from_driver_conf(void **state)
{
    fx f;
    fx_open(&f, "FAIL = \"deploy, Migrate\"", "");
    thost a, b;
    tvm v;
    host_init(&a, 30, "");
    host_init(&b, 31, "");
    vm_init(&v, 9, "CPU = 1\nMEMORY = 64");

    nb_drv_result r = { NULL, NULL };
    assert_int_equal(f.vmm->deploy(f.vdrv, &a.h, &v.vm, &r), -1);
    assert_string_equal(r.error, "dummy: deploy failure injected (FAIL)");
    assert_null(r.deploy_id);
    free(r.error);
    assert_int_equal(domains_on(&f, &a), 0);

    /* The domain is there by other means (restore); migrating fails and
     * leaves it where it was. */
    assert_int_equal(call(f.vdrv, f.vmm->restore, &a, &v), 0);
    r.error = NULL;
    assert_int_equal(f.vmm->migrate(f.vdrv, &a.h, &b.h, &v.vm, &r), -1);
    assert_string_equal(r.error, "dummy: migrate failure injected (FAIL)");
    free(r.error);
    assert_int_equal(domains_on(&f, &a), 1);
    assert_int_equal(domains_on(&f, &b), 0);

    /* Other operations are unaffected, and a VM's own list overrides. */
    assert_int_equal(call(f.vdrv, f.vmm->shutdown, &a, &v), 0);
    nb_tmpl_set(&v.t, "DUMMY_FAIL", "cancel");
    assert_int_equal(call(f.vdrv, f.vmm->deploy, &a, &v), 0);
    assert_int_equal(call(f.vdrv, f.vmm->cancel, &a, &v), -1);
    assert_string_equal(errmsg, "dummy: cancel failure injected (DUMMY_FAIL)");

    fx_close(&f);
    nb_tmpl_free(&a.t);
    nb_tmpl_free(&b.t);
    nb_tmpl_free(&v.t);
}

static void test_fail_from_host_and_vm(void **state)
{
    fx *f = *state;
    thost bad, good;
    tvm v, immune, fragile;
    host_init(&bad, 40, "DUMMY_FAIL = \"deploy,shutdown\"");
    host_init(&good, 41, "");
    vm_init(&v, 1, "CPU = 1\nMEMORY = 64");
    vm_init(&immune, 2, "CPU = 1\nMEMORY = 64\nDUMMY_FAIL = \"\"");
    vm_init(&fragile, 3, "CPU = 1\nMEMORY = 64\nDUMMY_FAIL = \"save,resize\"");

    /* The host's list. */
    assert_int_equal(call(f->vdrv, f->vmm->deploy, &bad, &v), -1);
    assert_string_equal(errmsg, "dummy: deploy failure injected (DUMMY_FAIL)");
    assert_int_equal(call(f->vdrv, f->vmm->deploy, &good, &v), 0);

    /* The VM's list overrides the host's, even when empty. */
    assert_int_equal(call(f->vdrv, f->vmm->deploy, &bad, &immune), 0);
    assert_int_equal(call(f->vdrv, f->vmm->shutdown, &bad, &immune), 0);

    /* The VM's own failures: the domain stays as it was. */
    assert_int_equal(call(f->vdrv, f->vmm->deploy, &good, &fragile), 0);
    assert_int_equal(call(f->vdrv, f->vmm->save, &good, &fragile), -1);
    assert_string_equal(errmsg, "dummy: save failure injected (DUMMY_FAIL)");
    assert_int_equal(call(f->vdrv, f->vmm->resize, &good, &fragile), -1);
    nb_im_report rep;
    monitor_ok(f, &good, &rep);
    assert_int_equal(rep.nvms, 2);
    assert_int_equal(seen(&rep, 3)->state, NB_DRV_VM_RUNNING);
    nb_im_report_free(&rep);

    nb_tmpl_free(&bad.t);
    nb_tmpl_free(&good.t);
    nb_tmpl_free(&v.t);
    nb_tmpl_free(&immune.t);
    nb_tmpl_free(&fragile.t);
}

static void test_monitor_failure(void **state)
{
    fx *f = *state;
    thost down, up;
    host_init(&down, 50, "DUMMY_FAIL_MONITOR = yes");
    host_init(&up, 51, "");

    nb_im_report rep;
    char *err = NULL;
    nb_im_report_init(&rep);
    assert_int_equal(f->im->monitor(f->idrv, &down.h, &rep, &err), -1);
    assert_string_equal(err, "dummy: monitor failure injected (DUMMY_FAIL_MONITOR)");
    free(err);
    nb_im_report_free(&rep);

    /* "monitor" in the IM_MAD's FAIL list fails every host. */
    fx g;
    fx_open(&g, "", "FAIL = monitor");
    err = NULL;
    nb_im_report_init(&rep);
    assert_int_equal(g.im->monitor(g.idrv, &up.h, &rep, &err), -1);
    assert_string_equal(err, "dummy: monitor failure injected (FAIL)");
    free(err);
    nb_im_report_free(&rep);
    fx_close(&g);

    nb_tmpl_free(&down.t);
    nb_tmpl_free(&up.t);
}

/* --- delays ------------------------------------------------------------------------ */

static uint64_t ms_taken(void *drv, vm_op op, const thost *h, const tvm *v)
{
    uint64_t t0 = nb_mono_ns();
    assert_int_equal(call(drv, op, h, v), 0);
    return (nb_mono_ns() - t0) / 1000000;
}

static void test_delays(void **state)
{
    fx f;
    fx_open(&f, "DELAY_MS = 30", "DELAY_MS = 20");
    thost plain, slow;
    tvm v, slower;
    host_init(&plain, 60, "");
    host_init(&slow, 61, "DUMMY_DELAY_MS = 60");
    vm_init(&v, 1, "CPU = 1\nMEMORY = 64");
    vm_init(&slower, 2, "CPU = 1\nMEMORY = 64\nDUMMY_DELAY_MS = 90");

    assert_true(ms_taken(f.vdrv, f.vmm->deploy, &plain, &v) >= 30);
    assert_true(ms_taken(f.vdrv, f.vmm->deploy, &slow, &v) >= 60);
    assert_true(ms_taken(f.vdrv, f.vmm->deploy, &slow, &slower) >= 90);

    uint64_t t0 = nb_mono_ns();
    nb_im_report rep;
    monitor_ok(&f, &plain, &rep);
    assert_true((nb_mono_ns() - t0) / 1000000 >= 20);
    nb_im_report_free(&rep);

    /* A malformed delay fails the operation and says why. */
    nb_tmpl_set(&slower.t, "DUMMY_DELAY_MS", "soon");
    assert_int_equal(call(f.vdrv, f.vmm->reboot, &plain, &slower), -1);
    assert_string_equal(errmsg,
                        "dummy: DUMMY_DELAY_MS must be a non-negative integer, not \"soon\"");
    fx_close(&f);

    /* ... and in oned.conf, refuses to start the driver. */
    nb_tmpl conf;
    void *drv = NULL;
    char *err = NULL;
    parse(&conf, "DELAY_MS = -5");
    assert_int_equal(f.vmm->init(&conf, &drv, &err), -1);
    assert_string_equal(err, "dummy: DELAY_MS must be a non-negative integer, not \"-5\"");
    assert_null(drv);
    free(err);
    nb_tmpl_free(&conf);

    nb_tmpl_free(&plain.t);
    nb_tmpl_free(&slow.t);
    nb_tmpl_free(&v.t);
    nb_tmpl_free(&slower.t);
}

/* --- many threads, many hosts -------------------------------------------------------- */

enum { THREADS = 8, HOSTS = 1000, VMS_PER_THREAD = 1500 };

typedef struct racer {
    const fx *f;
    int index;
    thost *hosts;
} racer;

/* VM t * VMS_PER_THREAD + i goes to host vm % HOSTS; the odd ones are shut
 * down again, the ones divisible by 10 migrate to the next host.  Every
 * thread also monitors hosts while the others write. */
static int vm_id(int t, int i)
{
    return t * VMS_PER_THREAD + i;
}

static void *race_main(void *arg)
{
    racer *rc = arg;
    const fx *f = rc->f;
    tvm v;
    vm_init(&v, 0, "CPU = 0.25\nMEMORY = 32");
    for (int i = 0; i < VMS_PER_THREAD; i++) {
        v.vm.id = vm_id(rc->index, i);
        const thost *h = &rc->hosts[v.vm.id % HOSTS];
        nb_drv_result r = { NULL, NULL };
        f->vmm->deploy(f->vdrv, &h->h, &v.vm, &r);
        free(r.deploy_id);
        if (v.vm.id % 2)
            f->vmm->shutdown(f->vdrv, &h->h, &v.vm, &r);
        else if (v.vm.id % 10 == 0)
            f->vmm->migrate(f->vdrv, &h->h, &rc->hosts[(v.vm.id + 1) % HOSTS].h, &v.vm, &r);

        nb_im_report rep;
        char *err = NULL;
        nb_im_report_init(&rep);
        f->im->monitor(f->idrv, &rc->hosts[(i * 7 + rc->index) % HOSTS].h, &rep, &err);
        nb_im_report_free(&rep);
    }
    nb_tmpl_free(&v.t);
    return NULL;
}

static void test_concurrent_hosts(void **state)
{
    fx *f = *state;
    thost *hosts = nb_calloc(HOSTS, sizeof(*hosts));
    for (int i = 0; i < HOSTS; i++)
        host_init(&hosts[i], 1000 + i, "");

    pthread_t threads[THREADS];
    racer racers[THREADS];
    for (int t = 0; t < THREADS; t++) {
        racers[t] = (racer){ .f = f, .index = t, .hosts = hosts };
        assert_int_equal(pthread_create(&threads[t], NULL, race_main, &racers[t]), 0);
    }
    for (int t = 0; t < THREADS; t++)
        pthread_join(threads[t], NULL);

    /* Each host holds exactly the even VMs placed or migrated there. */
    size_t *expect = nb_calloc(HOSTS, sizeof(*expect));
    for (int t = 0; t < THREADS; t++)
        for (int i = 0; i < VMS_PER_THREAD; i++) {
            int id = vm_id(t, i);
            if (id % 2 == 0)
                expect[(id + (id % 10 == 0)) % HOSTS]++;
        }
    size_t total = 0;
    for (int i = 0; i < HOSTS; i++) {
        nb_im_report rep;
        monitor_ok(f, &hosts[i], &rep);
        assert_int_equal(rep.nvms, expect[i]);
        for (size_t j = 0; j < rep.nvms; j++) {
            int id = rep.vms[j].id;
            assert_int_equal(id % 2, 0);
            assert_int_equal((id + (id % 10 == 0)) % HOSTS, i);
        }
        assert_int_equal(rep.used_cpu, 25 * (long long)rep.nvms);
        assert_int_equal(rep.used_mem_kb, 32 * 1024 * (long long)rep.nvms);
        total += rep.nvms;
        nb_im_report_free(&rep);
        nb_tmpl_free(&hosts[i].t);
    }
    assert_int_equal(total, THREADS * VMS_PER_THREAD / 2);
    free(expect);
    free(hosts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registered_and_complete),
        cmocka_unit_test_setup_teardown(test_deploy_then_monitor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_capacity_from_host_template, setup, teardown),
        cmocka_unit_test_setup_teardown(test_operation_effects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_changes_on_the_host, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fail_from_driver_conf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fail_from_host_and_vm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_monitor_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delays, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_hosts, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
