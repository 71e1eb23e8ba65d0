#define NB_LOG_MODULE "VMM"
#include "oned/engine.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lib/log.h"
#include "lib/util.h"
#include "drivers/datastore.h"
#include "drivers/driver.h"
#include "drivers/vmm.h"
#include "oned/cluster.h"
#include "oned/datastore.h"
#include "oned/host.h"
#include "oned/hotplug.h"
#include "oned/image_disks.h"
#include "oned/monitoring.h"
#include "oned/quota_model.h"
#include "oned/sched.h"
#include "oned/storage.h"
#include "oned/tenancy.h"
#include "oned/worker.h"

/* One initialised driver. */
typedef struct nb_engine_drv {
    const nb_driver *d;
    void *ctx;
} nb_engine_drv;

struct nb_engine {
    nb_model *m;
    nb_workers *w;
    nb_workers *io;             /* storage work: imports, copies, removals */
    nb_engine_drv *drv;
    size_t ndrv;
    /* The monitoring clock: every `interval` seconds each host is queued
     * for a sample. */
    pthread_t clock;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
    bool clock_running;
    int interval;
    /* Hosts whose IM driver already reports VM events (watch()), by id;
     * under `lock`. */
    unsigned char *watched;
    size_t nwatched;
};

/* ---- capacity and history ------------------------------------------------ */

/* Take (sign 1) or give back (-1) the VM's capacity on host hid. */
static void nb_host_charge(nb_txn *t, const nb_vm *vm, int hid, int sign)
{
    const nb_object *o = nb_txn_get(t, &nb_host_kind, hid);
    long long cpu, mem;
    nb_host *h;

    if (!o)
        return;     /* the host was deleted under a VM it had: nothing to free */
    nb_vm_host_demand(&vm->o.tmpl, &cpu, &mem);
    h = nb_host_of(nb_txn_edit(t, o));
    h->share.cpu_usage += sign * cpu;
    h->share.mem_usage += sign * mem;
    h->share.running_vms += sign;
    if (sign > 0)
        nb_ids_add(&h->vms, &h->nvms, vm->o.oid);
    else
        nb_ids_del(&h->vms, &h->nvms, vm->o.oid);
}

void nb_engine_retemplate(nb_txn *t, nb_vm *vm, nb_tmpl *tmpl)
{
    nb_quota_vm_change(t, vm->o.uid, vm->o.gid, &vm->o.tmpl, vm->phase, tmpl, vm->phase, false,
                       NULL);
    /* Open records hold the VM's capacity on their host. */
    for (size_t i = 0; i < vm->nhistory; i++)
        if (!vm->history[i].etime)
            nb_host_charge(t, vm, vm->history[i].hid, -1);
    nb_tmpl_free(&vm->o.tmpl);
    vm->o.tmpl = *tmpl;
    nb_tmpl_init(tmpl);
    for (size_t i = 0; i < vm->nhistory; i++)
        if (!vm->history[i].etime)
            nb_host_charge(t, vm, vm->history[i].hid, 1);
}

/* Disks on their way to the host (PROLOG*) or back (EPILOG*): HISTORY's
 * PSTIME..PETIME and ESTIME..EETIME. */
static bool nb_lcm_is_prolog(nb_vm_phase p)
{
    switch (p.state == NB_VM_ACTIVE ? p.lcm : -1) {
    case NB_LCM_PROLOG: case NB_LCM_PROLOG_MIGRATE: case NB_LCM_PROLOG_RESUME:
    case NB_LCM_PROLOG_UNDEPLOY: case NB_LCM_PROLOG_MIGRATE_POWEROFF:
    case NB_LCM_PROLOG_MIGRATE_SUSPEND: case NB_LCM_PROLOG_MIGRATE_UNKNOWN:
        return true;
    default:
        return false;
    }
}

static bool nb_lcm_is_epilog(nb_vm_phase p)
{
    return p.state == NB_VM_ACTIVE && (p.lcm == NB_LCM_EPILOG || p.lcm == NB_LCM_EPILOG_STOP ||
                                       p.lcm == NB_LCM_EPILOG_UNDEPLOY);
}

static bool nb_phase_keeps_host(nb_vm_phase p)
{
    if (p.state == NB_VM_POWEROFF || p.state == NB_VM_SUSPENDED)
        return true;
    return p.state == NB_VM_ACTIVE && p.lcm != NB_LCM_CLEANUP_RESUBMIT &&
           p.lcm != NB_LCM_CLEANUP_DELETE && p.lcm != NB_LCM_EPILOG &&
           p.lcm != NB_LCM_EPILOG_STOP && p.lcm != NB_LCM_EPILOG_UNDEPLOY;
}

/* Close record h (ETIME, capacity back) unless it is closed already. */
static void nb_history_close(nb_txn *t, nb_vm *vm, nb_vm_history *h, long long now)
{
    if (h->etime)
        return;
    h->etime = now;
    if (h->rstime && !h->retime)
        h->retime = now;
    nb_host_charge(t, vm, h->hid, -1);
}

/* A new HISTORY record on host hid; `charge`: the VM's capacity is taken
 * there (not when an open record hands its capacity over). */
static int nb_placement_open(nb_txn *t, nb_vm *vm, int hid, int ds_id, long long now,
                             bool charge)
{
    const nb_object *ho = nb_txn_get(t, &nb_host_kind, hid);
    const nb_object *ds = ds_id >= 0 ? nb_txn_get(t, &nb_datastore_kind, ds_id) : NULL;
    const nb_host *h;

    if (!ho)
        return -1;
    h = nb_host_cof(ho);
    nb_vm_open_history(vm, hid, h->cluster_id, ds_id, ho->name, h->vm_mad,
                       ds ? nb_datastore_cof(ds)->tm_mad : "", now);
    if (charge)
        nb_host_charge(t, vm, hid, 1);
    return 0;
}

/* ---- steps after commit ------------------------------------------------- */

typedef struct nb_step_job {
    nb_engine *e;
    int vm;
    enum nb_vm_step step;
} nb_step_job;

static void nb_engine_run_step(void *arg);

static void nb_step_queue(void *arg)
{
    nb_step_job *j = arg;
    nb_workers_submit(j->e->w, j->vm, nb_engine_run_step, free, j);
}

void nb_engine_apply(nb_txn *t, nb_vm *vm, const nb_lcm_move *mv, const nb_placement *to,
                     int action)
{
    nb_engine *e = nb_txn_model(t)->engine;
    long long now = nb_now();
    nb_vm_history *last;

    nb_sched_vm_moving(t, vm, mv);
    if (mv->flags & NB_MOVE_HISTORY_REVERT && vm->nhistory >= 2) {
        /* Back to the source: the target's record closes (its capacity
         * freed) and a copy of the source's opens.  A source record still
         * open hands its capacity over; a closed one had freed it. */
        nb_vm_history *src = &vm->history[vm->nhistory - 2];
        int hid = src->hid, ds_id = src->ds_id;
        bool held = !src->etime;

        if (held)
            src->etime = now;
        nb_history_close(t, vm, &vm->history[vm->nhistory - 1], now);
        nb_placement_open(t, vm, hid, ds_id, now, !held);
    }
    if (mv->flags & NB_MOVE_HISTORY_OPEN && to)
        nb_placement_open(t, vm, to->hid, to->ds_id, now, true);
    if (mv->flags & NB_MOVE_HISTORY_COPY && (last = (nb_vm_history *)nb_vm_last_history(vm))) {
        /* The stay that ended goes on record; the copy holds the capacity. */
        int hid = last->hid, ds_id = last->ds_id;

        if (last->rstime && !last->retime)
            last->retime = now;
        last->etime = now;
        nb_placement_open(t, vm, hid, ds_id, now, false);
    }
    if (mv->flags & (NB_MOVE_HISTORY_CLOSE | NB_MOVE_HOST_RELEASE)) {
        /* Staying on a host keeps the newest record open: a migration
         * leaves the source only. */
        size_t keep = nb_phase_keeps_host(mv->to) ? 1 : 0;
        for (size_t i = 0; i + keep < vm->nhistory; i++)
            nb_history_close(t, vm, &vm->history[i], now);
    }
    if ((last = (nb_vm_history *)nb_vm_last_history(vm))) {
        bool was_prolog = nb_lcm_is_prolog(vm->phase), is_prolog = nb_lcm_is_prolog(mv->to);
        bool was_epilog = nb_lcm_is_epilog(vm->phase), is_epilog = nb_lcm_is_epilog(mv->to);

        if (mv->flags & NB_MOVE_SET_ACTION) {
            last->action = action;
            /* A migration also ends the stay on the source, still open. */
            if (mv->flags & NB_MOVE_HISTORY_OPEN && vm->nhistory >= 2 &&
                !vm->history[vm->nhistory - 2].etime)
                vm->history[vm->nhistory - 2].action = action;
        }
        if (mv->to.state == NB_VM_ACTIVE && mv->to.lcm == NB_LCM_RUNNING && !last->rstime)
            last->rstime = now;
        /* Powered off or suspended on the host: no longer running there. */
        if (vm->phase.state == NB_VM_ACTIVE &&
            (mv->to.state == NB_VM_POWEROFF || mv->to.state == NB_VM_SUSPENDED) &&
            last->rstime && !last->retime)
            last->retime = now;
        if (was_prolog && !is_prolog && !last->petime)
            last->petime = now;
        if (!was_epilog && is_epilog)
            last->estime = now;
        if (was_epilog && !is_epilog && !last->eetime)
            last->eetime = now;
    }
    if (mv->flags & NB_MOVE_RESCHED_SET)
        vm->resched = 1;
    if (mv->flags & NB_MOVE_RESCHED_CLEAR)
        vm->resched = 0;
    if (mv->flags & NB_MOVE_RESUBMIT) {
        free(vm->deploy_id);
        vm->deploy_id = nb_strdup("");
    }
    /* A VM done (or erased) gives its images back, once. */
    if (mv->flags & (NB_MOVE_DONE | NB_MOVE_DELETE_DB) && vm->phase.state != NB_VM_DONE)
        nb_image_disks_release(t, &vm->o.tmpl, vm->o.oid);
    if (mv->to.state != vm->phase.state || mv->to.lcm != vm->phase.lcm) {
        /* Usage follows the phase in the same transaction; what the API
         * asks was checked against the limits before (api_vm.c). */
        nb_quota_vm_move(t, vm->o.uid, vm->o.gid, &vm->o.tmpl, vm->phase, mv->to, false, NULL);
        vm->prev = vm->phase;
        vm->phase = mv->to;
    }
    if (mv->flags & NB_MOVE_DONE)
        vm->etime = now;
    if (mv->flags & NB_MOVE_DELETE_DB) {
        nb_tenancy_object_deleted(t, NB_ACL_VM, vm->o.oid);
        nb_txn_delete(t, &vm->o);
        return;
    }
    vm->pending = mv->step;
    if (mv->step != NB_STEP_NONE && e) {
        nb_step_job *j = nb_malloc(sizeof(*j));
        *j = (nb_step_job){ e, vm->o.oid, mv->step };
        nb_txn_on_commit(t, nb_step_queue, free, j);
    }
}

/* ---- running a step ------------------------------------------------------ */

/* What a step needs, copied under the read lock. */
typedef struct nb_step_input {
    nb_vm_phase phase;
    char *vm_mad;
    int action;                 /* ACTION of the newest record */
    char *deploy_id;
    char *vm_dir;
    nb_tmpl vm_tmpl;
    nb_tmpl user_tmpl;
    struct { int id; char *name; nb_tmpl tmpl; } host, from;   /* from: migration source */
    nb_ds_set ds;               /* the datastores of its image disks */
} nb_step_input;

static void nb_step_input_free(nb_step_input *in)
{
    free(in->vm_mad);
    free(in->deploy_id);
    free(in->vm_dir);
    nb_tmpl_free(&in->vm_tmpl);
    nb_tmpl_free(&in->user_tmpl);
    free(in->host.name);
    nb_tmpl_free(&in->host.tmpl);
    free(in->from.name);
    nb_tmpl_free(&in->from.tmpl);
    nb_ds_set_free(&in->ds);
}

static void nb_copy_host(const nb_model *m, const nb_vm_history *h, int *id, char **name,
                         nb_tmpl *tmpl)
{
    const nb_object *o = nb_pool_get(nb_model_cpool(m, &nb_host_kind), h->hid);
    *id = h->hid;
    *name = nb_strdup(h->hostname);
    if (o)
        nb_tmpl_copy(tmpl, &o->tmpl);
}

/* 0 with the input, or -1 if the VM no longer waits for this step. */
static int nb_step_snapshot(nb_engine *e, const nb_step_job *j, nb_step_input *in)
{
    const nb_object *o, *ds;
    const nb_vm *vm;
    const nb_vm_history *h;
    int ret = -1;

    memset(in, 0, sizeof(*in));
    nb_tmpl_init(&in->vm_tmpl);
    nb_tmpl_init(&in->user_tmpl);
    nb_tmpl_init(&in->host.tmpl);
    nb_tmpl_init(&in->from.tmpl);
    nb_model_rdlock(e->m);
    o = nb_pool_get(nb_model_cpool(e->m, &nb_vm_kind), j->vm);
    if (!o || (vm = nb_vm_cof(o))->pending != j->step || !(h = nb_vm_last_history(vm)))
        goto cleanup;
    in->phase = vm->phase;
    in->vm_mad = nb_strdup(h->vm_mad);
    in->action = h->action;
    in->deploy_id = nb_strdup(vm->deploy_id);
    ds = nb_pool_get(nb_model_cpool(e->m, &nb_datastore_kind), h->ds_id);
    in->vm_dir = nb_asprintf("%s/%d", ds ? nb_datastore_cof(ds)->base_path : "", j->vm);
    nb_tmpl_copy(&in->vm_tmpl, &o->tmpl);
    nb_tmpl_copy(&in->user_tmpl, &vm->user_tmpl);
    nb_copy_host(e->m, h, &in->host.id, &in->host.name, &in->host.tmpl);
    if (vm->nhistory >= 2)
        nb_copy_host(e->m, &vm->history[vm->nhistory - 2], &in->from.id, &in->from.name,
                     &in->from.tmpl);
    nb_storage_ds_copy(e->m, &o->tmpl, &in->ds);
    ret = 0;
 cleanup:
    nb_model_unlock(e->m);
    return ret;
}

const void *nb_engine_driver(nb_engine *e, enum nb_driver_class cls, const char *name,
                             void **ctx)
{
    for (size_t i = 0; i < e->ndrv; i++)
        if (e->drv[i].d->cls == cls && strcmp(e->drv[i].d->name, name) == 0) {
            *ctx = e->drv[i].ctx;
            return e->drv[i].d->ops;
        }
    return NULL;
}

typedef int (*nb_vmm_fn)(void *drv, const nb_drv_host *h, const nb_drv_vm *vm, nb_drv_result *r);

/* The hypervisor call of a VMM step, NULL for TM steps. */
static nb_vmm_fn nb_step_vmm_fn(const nb_vmm_ops *ops, enum nb_vm_step step)
{
    switch (step) {
    case NB_STEP_DEPLOY: return ops->deploy;
    case NB_STEP_SHUTDOWN: return ops->shutdown;
    case NB_STEP_CANCEL: return ops->cancel;
    case NB_STEP_SAVE: return ops->save;
    case NB_STEP_RESTORE: return ops->restore;
    case NB_STEP_REBOOT: return ops->reboot;
    case NB_STEP_RESET: return ops->reset;
    case NB_STEP_CLEANUP: return ops->cleanup;
    case NB_STEP_RESIZE: return ops->resize;
    default: return NULL;
    }
}

static bool nb_step_is_transfer(enum nb_vm_step s)
{
    return s == NB_STEP_PROLOG || s == NB_STEP_PROLOG_MIGRATE || s == NB_STEP_PROLOG_RESUME ||
           s == NB_STEP_PROLOG_UNDEPLOY || s == NB_STEP_EPILOG || s == NB_STEP_EPILOG_STOP ||
           s == NB_STEP_EPILOG_UNDEPLOY;
}

/* A disk, NIC or snapshot step: the driver call with the vector the step
 * works on (a snapshot by its HYPERVISOR_ID). */
static int nb_step_hotplug(const nb_vmm_ops *ops, void *ctx, enum nb_vm_step step,
                           const nb_drv_host *h, const nb_drv_vm *vm, nb_drv_result *r)
{
    const nb_tattr *subject = nb_hotplug_subject(vm->tmpl, step);
    int (*dev)(void *, const nb_drv_host *, const nb_drv_vm *, const nb_tattr *,
               nb_drv_result *) = NULL;
    int (*snap)(void *, const nb_drv_host *, const nb_drv_vm *, const char *,
                nb_drv_result *) = NULL;

    switch (step) {
    case NB_STEP_ATTACH_DISK: dev = ops->attach_disk; break;
    case NB_STEP_DETACH_DISK: dev = ops->detach_disk; break;
    case NB_STEP_ATTACH_NIC: dev = ops->attach_nic; break;
    case NB_STEP_DETACH_NIC: dev = ops->detach_nic; break;
    case NB_STEP_SNAPSHOT_CREATE: snap = ops->snapshot_create; break;
    case NB_STEP_SNAPSHOT_REVERT: snap = ops->snapshot_revert; break;
    default: snap = ops->snapshot_delete; break;
    }
    if (!subject) {
        r->error = nb_strdup("The VM template lost the device of this operation");
        return -1;
    }
    if (!dev && !snap) {
        r->error = nb_strdup("The virtualization driver does not support this operation");
        return -1;
    }
    return dev ? dev(ctx, h, vm, subject, r)
               : snap(ctx, h, vm, nb_tattr_get(subject, "HYPERVISOR_ID") ?: "", r);
}

/* The transfer driver's part of a step: disks made ready on the host the
 * VM goes to (before a deploy, a resume elsewhere, a live migration), or
 * removed (terminate, cleanup).  A stopped or undeployed VM keeps its disks
 * where they are (the system datastore is shared with the hosts). */
static int nb_step_transfer(nb_engine *e, const nb_step_job *j, const nb_step_input *in,
                            const nb_drv_host *h, const nb_drv_vm *vm, nb_drv_result *r)
{
    switch (j->step) {
    case NB_STEP_PROLOG: case NB_STEP_PROLOG_MIGRATE: case NB_STEP_PROLOG_RESUME:
    case NB_STEP_PROLOG_UNDEPLOY: case NB_STEP_MIGRATE:
        return nb_storage_transfer(e, &in->ds, h, vm, false, &r->error);
    case NB_STEP_EPILOG: case NB_STEP_CLEANUP:
        return nb_storage_transfer(e, &in->ds, h, vm, true, &r->error);
    default:
        return 0;
    }
}

/* Call the driver for the step: 0, or -1 with r->error. */
static int nb_step_call(nb_engine *e, const nb_step_job *j, const nb_step_input *in,
                        nb_drv_result *r)
{
    void *ctx = NULL;
    const nb_vmm_ops *ops = nb_engine_driver(e, NB_DRIVER_VMM, in->vm_mad, &ctx);
    nb_drv_host host = { in->host.id, in->host.name, &in->host.tmpl };
    nb_drv_host from = { in->from.id, in->from.name, &in->from.tmpl };
    nb_drv_vm vm = { j->vm, *in->deploy_id ? in->deploy_id : NULL, &in->vm_tmpl, in->vm_dir,
                     &in->user_tmpl };
    nb_vmm_fn fn;
    int ret;

    if (nb_step_is_transfer(j->step))
        return nb_step_transfer(e, j, in, &host, &vm, r);
    /* A powered-off VM's domain is re-created from its template at resume:
     * a hotplug there only changes the template. */
    if (nb_lcm_is_cold_hotplug(in->phase))
        return 0;
    if (!ops) {
        r->error = nb_asprintf("No virtualization driver \"%s\" in this oned", in->vm_mad);
        return -1;
    }
    if (j->step == NB_STEP_MIGRATE) {
        if (!ops->migrate)
            goto unsupported;
        /* The VM's newest record is the target, the one before the source:
         * its disks must be reachable there first (Ceph secrets). */
        if (nb_step_transfer(e, j, in, &host, &vm, r) < 0)
            return -1;
        return ops->migrate(ctx, &from, &host, &vm, r);
    }
    if (nb_hotplug_step(j->step) && j->step != NB_STEP_RESIZE)
        return nb_step_hotplug(ops, ctx, j->step, &host, &vm, r);
    if (!(fn = nb_step_vmm_fn(ops, j->step)))
        goto unsupported;
    ret = fn(ctx, &host, &vm, r);
    if (ret == 0 && j->step == NB_STEP_CLEANUP)
        ret = nb_step_transfer(e, j, in, &host, &vm, r);
    return ret;
 unsupported:
    r->error = nb_asprintf("The %s driver does not support this operation", in->vm_mad);
    return -1;
}

static void nb_engine_run_step(void *arg)
{
    nb_step_job *j = arg;
    nb_engine *e = j->e;
    nb_step_input in;
    nb_drv_result r = { NULL, NULL };
    nb_lcm_move mv;
    nb_object *o;
    nb_vm *vm;
    nb_txn *t;
    char *err = NULL;
    bool ok;

    if (nb_step_snapshot(e, j, &in) < 0)
        goto cleanup;
    ok = nb_step_call(e, j, &in, &r) == 0;

    t = nb_txn_begin(e->m);
    o = nb_txn_get(t, &nb_vm_kind, j->vm);
    /* The VM may have been deleted (recover delete-db) or moved on while
     * the driver worked: then the result is stale. */
    if (!o || nb_vm_cof(o)->pending != j->step ||
        nb_lcm_step_done_hist(nb_vm_cof(o)->phase, in.action, j->step, ok, &mv) < 0) {
        nb_log_debug("VM %d: stale result of a driver step ignored", j->vm);
        nb_txn_abort(t);
        goto cleanup;
    }
    vm = nb_vm_of(nb_txn_edit(t, o));
    if (nb_hotplug_step(j->step)) {
        nb_tmpl done;
        nb_tmpl_copy(&done, &vm->o.tmpl);
        nb_hotplug_finish(&done, j->step, ok);
        nb_engine_retemplate(t, vm, &done);
    }
    if (ok && r.deploy_id) {
        free(vm->deploy_id);
        vm->deploy_id = nb_strdup(r.deploy_id);
    }
    if (!ok) {
        nb_log_error("VM %d: %s", j->vm, r.error ? r.error : "driver failure");
        nb_tmpl_set(&vm->user_tmpl, "ERROR", r.error ? r.error : "driver failure");
    }
    nb_engine_apply(t, vm, &mv, NULL, in.action);
    if (nb_txn_commit(t, &err) < 0) {
        nb_log_error("VM %d: cannot save the result of a driver step: %s", j->vm, err);
        free(err);
    }
 cleanup:
    nb_step_input_free(&in);
    free(r.deploy_id);
    free(r.error);
    free(j);
}

/* ---- host monitoring ----------------------------------------------------- */

typedef struct nb_monitor_job {
    nb_engine *e;
    int hid;
} nb_monitor_job;

/* Workers key VM steps by VM id (>= 0); host samples use keys below -1, so
 * one host is never sampled twice at once. */
static int nb_host_key(int hid)
{
    return -2 - hid;
}

static enum nb_vm_seen nb_seen_of(enum nb_drv_vm_state s)
{
    switch (s) {
    case NB_DRV_VM_RUNNING: return NB_SEEN_RUNNING;
    case NB_DRV_VM_POWEROFF: return NB_SEEN_POWEROFF;
    case NB_DRV_VM_SUSPENDED: return NB_SEEN_SUSPENDED;
    default: return NB_SEEN_FAILURE;
    }
}

/* What the sample says of VM vm on host hid (HOST_ERROR when the host could
 * not be sampled), applied through the lifecycle.  VMs with a driver step
 * in flight are left to that step's result. */
static void nb_monitor_vm(nb_txn *t, int vmid, const nb_im_report *r, bool failed,
                          long long now, nb_buf *sample)
{
    nb_object *o = nb_txn_get(t, &nb_vm_kind, vmid);
    const nb_drv_vm_usage *u = NULL;
    enum nb_vm_seen seen = NB_SEEN_HOST_ERROR;
    nb_lcm_move mv;
    nb_vm *vm;

    if (!o)
        return;
    for (size_t i = 0; !failed && i < r->nvms && !u; i++)
        if (r->vms[i].id == vmid)
            u = &r->vms[i];
    /* The history records what the host reported, a step in flight or not. */
    if (u && nb_txn_model(t)->cfg->vm_mon_expiration > 0) {
        nb_buf_reset(sample);
        nb_mon_vm_sample(sample, vmid, now, u);
        nb_txn_sample(t, NB_SAMPLE_VM, vmid, now, sample->data, sample->len);
    }
    if (nb_vm_cof(o)->pending != NB_STEP_NONE)
        return;
    if (!failed && !u && !r->full)
        return;     /* the driver cannot tell: the VM keeps its state */
    if (!failed)
        seen = u ? nb_seen_of(u->state) : NB_SEEN_MISSING;
    if (nb_lcm_observed(nb_vm_cof(o)->phase, seen, &mv) < 0)
        return;
    vm = nb_vm_of(nb_txn_edit(t, o));
    if (u) {
        vm->last_poll = now;
        vm->mon_cpu = u->cpu;
        vm->mon_memory_kb = u->memory_kb;
        vm->mon_netrx = u->netrx;
        vm->mon_nettx = u->nettx;
        if (!*vm->deploy_id && u->deploy_id) {
            free(vm->deploy_id);
            vm->deploy_id = nb_strdup(u->deploy_id);
        }
    }
    if (mv.to.state != vm->phase.state || mv.to.lcm != vm->phase.lcm || mv.step)
        nb_engine_apply(t, vm, &mv, NULL, 0);
}

/* RESERVED_CPU/RESERVED_MEM of the host, else of its cluster: a number
 * taken off the total (negative: overcommit), or "N%" of it. */
static long long nb_reserved(const nb_txn *t, const nb_object *host, const char *name,
                             long long total)
{
    const nb_object *cl = nb_txn_get((nb_txn *)t, &nb_cluster_kind,
                                     nb_host_cof(host)->cluster_id);
    const char *v = nb_tmpl_get(&host->tmpl, name);
    long long n;
    char *end;

    if ((!v || !*v) && cl)
        v = nb_tmpl_get(&cl->tmpl, name);
    if (!v || !*v)
        return 0;
    n = strtoll(v, &end, 10);
    if (end == v)
        return 0;
    return *end == '%' ? total * n / 100 : n;
}

static void nb_monitor_apply(nb_engine *e, int hid, const nb_im_report *r, bool failed,
                             const char *why)
{
    long long now = nb_now();
    nb_txn *t = nb_txn_begin(e->m);
    const nb_object *o = nb_txn_get(t, &nb_host_kind, hid);
    nb_host *h;
    int *vms = NULL;
    size_t nvms;
    nb_buf sample = NB_BUF_INIT;
    char *err = NULL;

    if (!o || nb_host_cof(o)->state == NB_HOST_OFFLINE) {
        nb_txn_abort(t);
        return;
    }
    h = nb_host_of(nb_txn_edit(t, o));
    if (failed) {
        if (h->state != NB_HOST_ERROR) {
            nb_log_error("Host %s (%d) could not be monitored: %s", o->name, hid, why);
            h->prev_state = h->state;
            h->state = NB_HOST_ERROR;
        }
        nb_tmpl_set(&h->o.tmpl, "ERROR", why);
    } else {
        if (h->state == NB_HOST_INIT || h->state == NB_HOST_ERROR) {
            h->prev_state = h->state;
            h->state = NB_HOST_MONITORED;
            nb_sched_wake(t);   /* a host to place VMs on */
        }
        nb_tmpl_remove(&h->o.tmpl, "ERROR");
        for (size_t i = 0; i < r->info.n; i++)
            if (r->info.attrs[i].value)
                nb_tmpl_set(&h->o.tmpl, r->info.attrs[i].name, r->info.attrs[i].value);
        h->share.total_cpu = r->total_cpu;
        h->share.total_mem = r->total_mem_kb;
        h->share.max_cpu = r->total_cpu - nb_reserved(t, o, "RESERVED_CPU", r->total_cpu);
        h->share.max_mem = r->total_mem_kb - nb_reserved(t, o, "RESERVED_MEM", r->total_mem_kb);
        h->last_monitored = now;
        /* The sample is the host's MONITORING as of this report. */
        if (e->m->cfg->host_mon_expiration > 0) {
            nb_host_monitoring_to_xml(h, &sample);
            nb_txn_sample(t, NB_SAMPLE_HOST, hid, now, sample.data, sample.len);
        }
    }
    /* The VM list changes as VMs are applied: walk a copy. */
    nvms = h->nvms;
    vms = nb_calloc(nvms + 1, sizeof(*vms));
    if (nvms)
        memcpy(vms, h->vms, nvms * sizeof(*vms));
    for (size_t i = 0; i < nvms; i++)
        nb_monitor_vm(t, vms[i], r, failed, now, &sample);
    free(vms);
    nb_buf_free(&sample);
    if (nb_txn_commit(t, &err) < 0) {
        nb_log_error("Host %d: cannot save its monitoring: %s", hid, err);
        free(err);
    }
}

/* ---- VM events ------------------------------------------------------------ */

/* A change a driver saw on a host as it happened (watch()). */
typedef struct nb_event_job {
    nb_engine *e;
    int hid;
    enum nb_drv_vm_state state;
    char deploy_id[];
} nb_event_job;

/* Applied like a monitoring sample of that one VM, ordered with the host's
 * samples.  A VM with a step in flight is left to the step's result (its
 * events are the step's own doing), and so is a VM that has left the host
 * since (a migration's source reports the domain stopping). */
static void nb_engine_event(void *arg)
{
    nb_event_job *j = arg;
    nb_txn *t = nb_txn_begin(j->e->m);
    const nb_object *h = nb_txn_get(t, &nb_host_kind, j->hid);
    nb_object *o = NULL;
    const nb_vm_history *last;
    nb_lcm_move mv;
    char *err = NULL;

    for (size_t i = 0; h && i < nb_host_cof(h)->nvms && !o; i++) {
        o = nb_txn_get(t, &nb_vm_kind, nb_host_cof(h)->vms[i]);
        if (o && strcmp(nb_vm_cof(o)->deploy_id, j->deploy_id) != 0)
            o = NULL;
    }
    if (!o || nb_vm_cof(o)->pending != NB_STEP_NONE ||
        !(last = nb_vm_last_history(nb_vm_cof(o))) || last->hid != j->hid ||
        nb_lcm_observed(nb_vm_cof(o)->phase, nb_seen_of(j->state), &mv) < 0 ||
        (mv.to.state == nb_vm_cof(o)->phase.state && mv.to.lcm == nb_vm_cof(o)->phase.lcm &&
         !mv.step)) {
        nb_txn_abort(t);
        goto cleanup;
    }
    nb_log_info("VM %d: now %s, as host %d reported", o->oid, nb_vm_phase_short(mv.to), j->hid);
    nb_engine_apply(t, nb_vm_of(nb_txn_edit(t, o)), &mv, NULL, 0);
    if (nb_txn_commit(t, &err) < 0) {
        nb_log_error("VM %d: cannot save what its host reported: %s", o->oid, err);
        free(err);
    }
 cleanup:
    free(j);
}

/* Called on the driver's event thread: never block it, queue the change. */
static void nb_engine_changed(void *ctx, int hid, const char *deploy_id,
                              enum nb_drv_vm_state state)
{
    nb_engine *e = ctx;
    size_t len = strlen(deploy_id) + 1;
    nb_event_job *j = nb_malloc(sizeof(*j) + len);

    *j = (nb_event_job){ e, hid, state };
    memcpy(j->deploy_id, deploy_id, len);
    pthread_mutex_lock(&e->lock);
    if (e->stopping)
        free(j);
    else
        nb_workers_submit(e->w, nb_host_key(hid), nb_engine_event, free, j);
    pthread_mutex_unlock(&e->lock);
}

/* Ask the host's IM driver for events, once per host: the driver keeps the
 * watch across its reconnections. */
static void nb_engine_watch(nb_engine *e, const nb_im_ops *ops, void *ctx,
                            const nb_drv_host *h)
{
    char *err = NULL;
    bool first;

    pthread_mutex_lock(&e->lock);
    if ((size_t)h->id >= e->nwatched) {
        size_t n = ((size_t)h->id + 1) * 2;
        e->watched = nb_realloc(e->watched, n);
        memset(e->watched + e->nwatched, 0, n - e->nwatched);
        e->nwatched = n;
    }
    first = !e->watched[h->id];
    e->watched[h->id] = 1;
    pthread_mutex_unlock(&e->lock);
    if (first && ops->watch(ctx, h, nb_engine_changed, e, &err) < 0) {
        nb_log_error("Host %s (%d): no VM events, polling only: %s", h->name, h->id, err);
        free(err);
    }
}

static void nb_engine_monitor(void *arg)
{
    nb_monitor_job *j = arg;
    nb_engine *e = j->e;
    const nb_object *o;
    char *name = NULL, *im = NULL, *err = NULL;
    nb_tmpl tmpl = NB_TMPL_INIT;
    nb_im_report r;
    const nb_im_ops *ops;
    void *ctx = NULL;
    bool failed;

    nb_model_rdlock(e->m);
    o = nb_pool_get(nb_model_cpool(e->m, &nb_host_kind), j->hid);
    if (o && nb_host_cof(o)->state != NB_HOST_OFFLINE) {
        name = nb_strdup(o->name);
        im = nb_strdup(nb_host_cof(o)->im_mad);
        nb_tmpl_copy(&tmpl, &o->tmpl);
    }
    nb_model_unlock(e->m);
    if (!name)
        goto cleanup;

    nb_im_report_init(&r);
    ops = nb_engine_driver(e, NB_DRIVER_IM, im, &ctx);
    if (!ops || !ops->monitor) {
        err = nb_asprintf("No information driver \"%s\" in this oned", im);
        failed = true;
    } else {
        nb_drv_host h = { j->hid, name, &tmpl };
        failed = ops->monitor(ctx, &h, &r, &err) < 0;
        if (!failed && ops->watch)
            nb_engine_watch(e, ops, ctx, &h);
    }
    nb_monitor_apply(e, j->hid, &r, failed, err ? err : "monitoring failed");
    nb_im_report_free(&r);
 cleanup:
    free(name);
    free(im);
    free(err);
    nb_tmpl_free(&tmpl);
    free(j);
}

static void nb_monitor_queue(void *arg)
{
    nb_monitor_job *j = arg;
    nb_workers_submit(j->e->w, nb_host_key(j->hid), nb_engine_monitor, free, j);
}

void nb_engine_monitor_soon(nb_txn *t, int hid)
{
    nb_engine *e = nb_txn_model(t)->engine;
    nb_monitor_job *j;

    if (!e)
        return;
    j = nb_malloc(sizeof(*j));
    *j = (nb_monitor_job){ e, hid };
    nb_txn_on_commit(t, nb_monitor_queue, free, j);
}

/* Queue a sample of every host. */
static void nb_monitor_all(nb_engine *e)
{
    const nb_pool *p;
    int *ids;
    size_t n;

    nb_model_rdlock(e->m);
    p = nb_model_cpool(e->m, &nb_host_kind);
    n = p->n;
    ids = nb_calloc(n + 1, sizeof(*ids));
    for (size_t i = 0; i < n; i++)
        ids[i] = p->objs[i]->oid;
    nb_model_unlock(e->m);
    for (size_t i = 0; i < n; i++) {
        nb_monitor_job *j = nb_malloc(sizeof(*j));
        *j = (nb_monitor_job){ e, ids[i] };
        nb_monitor_queue(j);
    }
    free(ids);
}

/* Expiry batches per sample kind and tick: with 1,000 rows each, enough to
 * keep up with 64,000 objects sampled every tick, and a stop waits for at
 * most that. */
#define NB_MON_EXPIRE_MAX_BATCHES 64

/* Every `interval` seconds, a sample of every host, and the samples that
 * have outlived their retention go. */
static void *nb_engine_clock(void *arg)
{
    nb_engine *e = arg;

    pthread_mutex_lock(&e->lock);
    while (!e->stopping) {
        struct timespec until;

        pthread_mutex_unlock(&e->lock);
        nb_monitor_all(e);
        nb_storage_monitor_all(e->m);
        nb_mon_expire(e->m, nb_now(), NB_MON_EXPIRE_MAX_BATCHES);
        pthread_mutex_lock(&e->lock);
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += e->interval;
        while (!e->stopping &&
               pthread_cond_timedwait(&e->wake, &e->lock, &until) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&e->lock);
    return NULL;
}

void nb_engine_storage_submit(nb_engine *e, int key, nb_job_fn fn, nb_job_fn cancel, void *arg)
{
    nb_workers_submit(e->io, key, fn, cancel, arg);
}

/* ---- life of the engine -------------------------------------------------- */

/* The init and fini of a driver of any class the engine runs. */
static void nb_driver_life(const nb_driver *d,
                           int (**init)(const nb_tmpl *conf, void **drv, char **err),
                           void (**fini)(void *drv))
{
    switch (d->cls) {
    case NB_DRIVER_VMM:
        *init = ((const nb_vmm_ops *)d->ops)->init;
        *fini = ((const nb_vmm_ops *)d->ops)->fini;
        break;
    case NB_DRIVER_IM:
        *init = ((const nb_im_ops *)d->ops)->init;
        *fini = ((const nb_im_ops *)d->ops)->fini;
        break;
    case NB_DRIVER_DS:
        *init = ((const nb_ds_ops *)d->ops)->init;
        *fini = ((const nb_ds_ops *)d->ops)->fini;
        break;
    case NB_DRIVER_TM:
        *init = ((const nb_tm_ops *)d->ops)->init;
        *fini = ((const nb_tm_ops *)d->ops)->fini;
        break;
    default:
        *init = NULL;
        *fini = NULL;
    }
}

/* The driver's section of oned.conf, VM_MAD = [ NAME = "kvm", ... ] (IM_MAD,
 * DS_MAD_CONF, TM_MAD_CONF for the other classes), as a template of its own
 * for init. */
static void nb_driver_conf(const nb_config *cfg, const nb_driver *d, nb_tmpl *conf)
{
    static const char *const vecs[NB_DRIVER_CLASSES] = {
        [NB_DRIVER_VMM] = "VM_MAD", [NB_DRIVER_IM] = "IM_MAD",
        [NB_DRIVER_DS] = "DS_MAD_CONF", [NB_DRIVER_TM] = "TM_MAD_CONF",
    };
    const char *vec = vecs[d->cls];

    for (size_t i = 0; i < cfg->tmpl.n; i++) {
        const nb_tattr *a = &cfg->tmpl.attrs[i];
        const char *name = NULL;
        if (a->value || strcmp(a->name, vec) != 0)
            continue;
        for (size_t k = 0; k < a->npairs; k++)
            if (strcmp(a->pairs[k].name, "NAME") == 0)
                name = a->pairs[k].value;
        if (!name || strcmp(name, d->name) != 0)
            continue;
        for (size_t k = 0; k < a->npairs; k++)
            nb_tmpl_set(conf, a->pairs[k].name, a->pairs[k].value);
    }
}

static void nb_engine_add_driver(const nb_driver *d, void *ctx)
{
    nb_engine *e = ctx;
    int (*init)(const nb_tmpl *conf, void **drv, char **err);
    void (*fini)(void *drv);
    nb_tmpl conf = NB_TMPL_INIT;
    void *drv = NULL;
    char *err = NULL;
    int rc = 0;

    nb_driver_life(d, &init, &fini);
    nb_driver_conf(e->m->cfg, d, &conf);
    if (init)
        rc = init(&conf, &drv, &err);
    nb_tmpl_free(&conf);
    if (rc < 0) {
        nb_log_error("%s driver %s not available: %s", nb_driver_class_name(d->cls), d->name,
                     err);
        free(err);
        return;
    }
    e->drv = nb_realloc(e->drv, (e->ndrv + 1) * sizeof(*e->drv));
    e->drv[e->ndrv++] = (nb_engine_drv){ d, drv };
}

/* Steps that were in flight when oned stopped run again: driver operations
 * are idempotent towards the state they aim for. */
static int nb_engine_requeue(nb_txn *t, nb_object *o, void *ctx)
{
    nb_engine *e = ctx;
    const nb_vm *vm = nb_vm_cof(o);
    nb_step_job *j;

    if (vm->pending == NB_STEP_NONE)
        return 0;
    j = nb_malloc(sizeof(*j));
    *j = (nb_step_job){ e, o->oid, vm->pending };
    nb_txn_on_commit(t, nb_step_queue, free, j);
    return 0;
}

nb_engine *nb_engine_start(nb_model *m, size_t threads, int interval, char **err)
{
    nb_engine *e = nb_calloc(1, sizeof(*e));
    nb_txn *t;

    e->m = m;
    e->interval = interval;
    pthread_mutex_init(&e->lock, NULL);
    pthread_cond_init(&e->wake, NULL);
    e->w = nb_workers_start(threads);
    e->io = nb_workers_start(NB_STORAGE_THREADS);
    nb_driver_foreach(NB_DRIVER_VMM, nb_engine_add_driver, e);
    nb_driver_foreach(NB_DRIVER_IM, nb_engine_add_driver, e);
    nb_driver_foreach(NB_DRIVER_DS, nb_engine_add_driver, e);
    nb_driver_foreach(NB_DRIVER_TM, nb_engine_add_driver, e);
    m->engine = e;
    t = nb_txn_begin(m);
    nb_txn_foreach(t, &nb_vm_kind, nb_engine_requeue, e);
    nb_storage_requeue(t);
    if (nb_txn_commit(t, err) < 0) {
        nb_engine_stop(e);
        return NULL;
    }
    if (pthread_create(&e->clock, NULL, nb_engine_clock, e) != 0)
        abort();    /* as the worker pool: no thread, no oned */
    e->clock_running = true;
    return e;
}

void nb_engine_stop(nb_engine *e)
{
    if (!e)
        return;
    /* After this, driver events are dropped instead of queued. */
    pthread_mutex_lock(&e->lock);
    e->stopping = true;
    pthread_cond_signal(&e->wake);
    pthread_mutex_unlock(&e->lock);
    if (e->clock_running)
        pthread_join(e->clock, NULL);
    nb_workers_stop(e->io);
    nb_workers_stop(e->w);
    e->m->engine = NULL;
    for (size_t i = 0; i < e->ndrv; i++) {
        int (*init)(const nb_tmpl *conf, void **drv, char **err);
        void (*fini)(void *drv);
        nb_driver_life(e->drv[i].d, &init, &fini);
        if (fini)
            fini(e->drv[i].ctx);
    }
    free(e->drv);
    free(e->watched);
    pthread_cond_destroy(&e->wake);
    pthread_mutex_destroy(&e->lock);
    free(e);
}
