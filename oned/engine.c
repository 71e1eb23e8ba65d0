#define NB_LOG_MODULE "VMM"
#include "oned/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/log.h"
#include "lib/util.h"
#include "drivers/driver.h"
#include "drivers/vmm.h"
#include "oned/cluster.h"
#include "oned/datastore.h"
#include "oned/host.h"
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
    nb_engine_drv *drv;
    size_t ndrv;
};

/* ---- capacity and history ------------------------------------------------ */

/* What the VM takes from its host: CPU in percent of a core, memory in KB. */
static void nb_vm_demand(const nb_vm *vm, long long *cpu, long long *mem_kb)
{
    const char *c = nb_tmpl_get(&vm->o.tmpl, "CPU");
    const char *m = nb_tmpl_get(&vm->o.tmpl, "MEMORY");
    long long mb = 0;

    *cpu = c ? (long long)(strtod(c, NULL) * 100.0 + 0.5) : 0;
    if (m)
        nb_parse_ll(m, &mb);
    *mem_kb = mb * 1024;
}

/* Take (sign 1) or give back (-1) the VM's capacity on host hid. */
static void nb_host_charge(nb_txn *t, const nb_vm *vm, int hid, int sign)
{
    const nb_object *o = nb_txn_get(t, &nb_host_kind, hid);
    long long cpu, mem;
    nb_host *h;

    if (!o)
        return;     /* the host was deleted under a VM it had: nothing to free */
    nb_vm_demand(vm, &cpu, &mem);
    h = nb_host_of(nb_txn_edit(t, o));
    h->share.cpu_usage += sign * cpu;
    h->share.mem_usage += sign * mem;
    h->share.running_vms += sign;
    if (sign > 0)
        nb_ids_add(&h->vms, &h->nvms, vm->o.oid);
    else
        nb_ids_del(&h->vms, &h->nvms, vm->o.oid);
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

static int nb_placement_open(nb_txn *t, nb_vm *vm, int hid, int ds_id, long long now)
{
    const nb_object *ho = nb_txn_get(t, &nb_host_kind, hid);
    const nb_object *ds = ds_id >= 0 ? nb_txn_get(t, &nb_datastore_kind, ds_id) : NULL;
    const nb_host *h;

    if (!ho)
        return -1;
    h = nb_host_cof(ho);
    nb_vm_open_history(vm, hid, h->cluster_id, ds_id, ho->name, h->vm_mad,
                       ds ? nb_datastore_cof(ds)->tm_mad : "", now);
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

    if (mv->flags & NB_MOVE_HISTORY_REVERT && vm->nhistory >= 2) {
        nb_vm_history *src = &vm->history[vm->nhistory - 2];
        nb_history_close(t, vm, &vm->history[vm->nhistory - 1], now);
        nb_placement_open(t, vm, src->hid, src->ds_id, now);
    }
    if (mv->flags & NB_MOVE_HISTORY_OPEN && to)
        nb_placement_open(t, vm, to->hid, to->ds_id, now);
    if (mv->flags & (NB_MOVE_HISTORY_CLOSE | NB_MOVE_HOST_RELEASE)) {
        /* Staying on a host keeps the newest record open: a migration
         * leaves the source only. */
        size_t keep = nb_phase_keeps_host(mv->to) ? 1 : 0;
        for (size_t i = 0; i + keep < vm->nhistory; i++)
            nb_history_close(t, vm, &vm->history[i], now);
    }
    if ((last = (nb_vm_history *)nb_vm_last_history(vm))) {
        if (mv->flags & NB_MOVE_SET_ACTION)
            last->action = action;
        if (mv->to.state == NB_VM_ACTIVE && mv->to.lcm == NB_LCM_RUNNING && !last->rstime)
            last->rstime = now;
        if (mv->to.lcm == NB_LCM_BOOT && last->pstime && !last->petime)
            last->petime = now;
    }
    if (mv->flags & NB_MOVE_RESCHED_SET)
        vm->resched = 1;
    if (mv->flags & NB_MOVE_RESCHED_CLEAR)
        vm->resched = 0;
    if (mv->flags & NB_MOVE_RESUBMIT) {
        free(vm->deploy_id);
        vm->deploy_id = nb_strdup("");
    }
    if (mv->to.state != vm->phase.state || mv->to.lcm != vm->phase.lcm) {
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
    char *vm_mad;
    int action;                 /* ACTION of the newest record */
    char *deploy_id;
    char *vm_dir;
    nb_tmpl vm_tmpl;
    struct { int id; char *name; nb_tmpl tmpl; } host, from;   /* from: migration source */
} nb_step_input;

static void nb_step_input_free(nb_step_input *in)
{
    free(in->vm_mad);
    free(in->deploy_id);
    free(in->vm_dir);
    nb_tmpl_free(&in->vm_tmpl);
    free(in->host.name);
    nb_tmpl_free(&in->host.tmpl);
    free(in->from.name);
    nb_tmpl_free(&in->from.tmpl);
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
    nb_tmpl_init(&in->host.tmpl);
    nb_tmpl_init(&in->from.tmpl);
    nb_model_rdlock(e->m);
    o = nb_pool_get(nb_model_cpool(e->m, &nb_vm_kind), j->vm);
    if (!o || (vm = nb_vm_cof(o))->pending != j->step || !(h = nb_vm_last_history(vm)))
        goto cleanup;
    in->vm_mad = nb_strdup(h->vm_mad);
    in->action = h->action;
    in->deploy_id = nb_strdup(vm->deploy_id);
    ds = nb_pool_get(nb_model_cpool(e->m, &nb_datastore_kind), h->ds_id);
    in->vm_dir = nb_asprintf("%s/%d", ds ? nb_datastore_cof(ds)->base_path : "", j->vm);
    nb_tmpl_copy(&in->vm_tmpl, &o->tmpl);
    nb_copy_host(e->m, h, &in->host.id, &in->host.name, &in->host.tmpl);
    if (vm->nhistory >= 2)
        nb_copy_host(e->m, &vm->history[vm->nhistory - 2], &in->from.id, &in->from.name,
                     &in->from.tmpl);
    ret = 0;
 cleanup:
    nb_model_unlock(e->m);
    return ret;
}

static const nb_vmm_ops *nb_engine_vmm(nb_engine *e, const char *name, void **ctx)
{
    for (size_t i = 0; i < e->ndrv; i++)
        if (e->drv[i].d->cls == NB_DRIVER_VMM && strcmp(e->drv[i].d->name, name) == 0) {
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

/* Call the driver for the step: 0, or -1 with r->error. */
static int nb_step_call(nb_engine *e, const nb_step_job *j, const nb_step_input *in,
                        nb_drv_result *r)
{
    void *ctx = NULL;
    const nb_vmm_ops *ops = nb_engine_vmm(e, in->vm_mad, &ctx);
    nb_drv_host host = { in->host.id, in->host.name, &in->host.tmpl };
    nb_drv_host from = { in->from.id, in->from.name, &in->from.tmpl };
    nb_drv_vm vm = { j->vm, *in->deploy_id ? in->deploy_id : NULL, &in->vm_tmpl, in->vm_dir };
    nb_vmm_fn fn;

    /* Disks move with the storage drivers (TM_MAD); until a datastore has
     * one, the system datastore is shared with the hosts and there is
     * nothing to transfer. */
    if (nb_step_is_transfer(j->step))
        return 0;
    if (!ops) {
        r->error = nb_asprintf("No virtualization driver \"%s\" in this oned", in->vm_mad);
        return -1;
    }
    if (j->step == NB_STEP_MIGRATE) {
        if (!ops->migrate)
            goto unsupported;
        /* The VM's newest record is the target, the one before the source. */
        return ops->migrate(ctx, &from, &host, &vm, r);
    }
    if (!(fn = nb_step_vmm_fn(ops, j->step)))
        goto unsupported;
    return fn(ctx, &host, &vm, r);
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

/* ---- life of the engine -------------------------------------------------- */

static void nb_engine_add_driver(const nb_driver *d, void *ctx)
{
    nb_engine *e = ctx;
    const nb_vmm_ops *ops = d->ops;
    nb_tmpl conf = NB_TMPL_INIT;
    void *drv = NULL;
    char *err = NULL;

    if (ops->init && ops->init(&conf, &drv, &err) < 0) {
        nb_log_error("VM_MAD %s not available: %s", d->name, err);
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

nb_engine *nb_engine_start(nb_model *m, size_t threads, char **err)
{
    nb_engine *e = nb_calloc(1, sizeof(*e));
    nb_txn *t;

    e->m = m;
    e->w = nb_workers_start(threads);
    nb_driver_foreach(NB_DRIVER_VMM, nb_engine_add_driver, e);
    m->engine = e;
    t = nb_txn_begin(m);
    nb_txn_foreach(t, &nb_vm_kind, nb_engine_requeue, e);
    if (nb_txn_commit(t, err) < 0) {
        nb_engine_stop(e);
        return NULL;
    }
    return e;
}

void nb_engine_drain(nb_engine *e)
{
    nb_workers_drain(e->w);
}

void nb_engine_stop(nb_engine *e)
{
    if (!e)
        return;
    nb_workers_stop(e->w);
    e->m->engine = NULL;
    for (size_t i = 0; i < e->ndrv; i++) {
        const nb_vmm_ops *ops = e->drv[i].d->ops;
        if (ops->fini)
            ops->fini(e->drv[i].ctx);
    }
    free(e->drv);
    free(e);
}
