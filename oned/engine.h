/*
 * engine.h: runs VMs.  It joins the pure lifecycle (lifecycle.h) to the
 * drivers (drivers/vmm.h) through the worker pool (worker.h):
 *
 *   1. an API call (or a driver result) decides a move inside its
 *      transaction: nb_engine_apply() sets the VM's new phase, its history
 *      and its host's capacity, and records the driver step to run;
 *   2. once that transaction has committed, the step is queued on the
 *      workers (keyed by VM id, so one VM's steps never overlap);
 *   3. the worker copies what the driver needs under the read lock, calls
 *      the driver with no lock held, and applies the result as the next
 *      lifecycle event in a transaction of its own — which may start the
 *      next step (PROLOG done -> DEPLOY).
 *
 * Nothing blocks the API: a deploy returns as soon as its first move is
 * durable.  A VM's pending step is stored with it, so a restart finds the
 * steps that were in flight and runs them again.
 */
#ifndef NB_ENGINE_H
#define NB_ENGINE_H

#include <stddef.h>
#include "drivers/driver.h"
#include "oned/lifecycle.h"
#include "oned/txn.h"
#include "oned/vm.h"
#include "oned/worker.h"

typedef struct nb_engine nb_engine;

/* Start the workers and the drivers; requeue the steps that were in flight
 * when oned stopped; sample every host each `interval` seconds (the IM
 * driver of the host: capacity, state, and what its VMs are doing, applied
 * through the lifecycle).  NULL with *err on failure. */
nb_engine *nb_engine_start(nb_model *m, size_t threads, int interval, char **err);
/* Finish the steps in flight, stop the drivers and the workers. */
void nb_engine_stop(nb_engine *e);
/* A sample of host hid once t commits (a new or re-enabled host). */
void nb_engine_monitor_soon(nb_txn *t, int hid);

/* The initialised driver of that class and name: its ops, and its context
 * in *ctx; NULL if oned has none (unknown name, or its init failed). */
const void *nb_engine_driver(nb_engine *e, enum nb_driver_class cls, const char *name,
                             void **ctx);
/* Storage work (imports, copies, removals, datastore samples) runs on
 * workers of its own, so a long download never delays a VM's steps; keys
 * as nb_workers_submit (storage.c keys images and datastores apart). */
void nb_engine_storage_submit(nb_engine *e, int key, nb_job_fn fn, nb_job_fn cancel, void *arg);

/*
 * Apply move mv to vm (a copy being edited in t) at time now: phase, previous
 * phase, history records, host capacity, RESCHED, ETIME.  `hist` fills a
 * record the move opens (host, datastore); `action` is the VMActions code of
 * the request.  The move's step is queued when t commits.
 */
typedef struct nb_placement {
    int hid;
    int ds_id;
} nb_placement;
void nb_engine_apply(nb_txn *t, nb_vm *vm, const nb_lcm_move *mv,
                     const nb_placement *to, int action);

/* Give vm (being edited in t) the template tmpl, whose content moves in
 * (tmpl is left empty): its owner's quotas and the capacity it holds on its
 * host follow the difference (resize, hotplugged disks). */
void nb_engine_retemplate(nb_txn *t, nb_vm *vm, nb_tmpl *tmpl);

#endif
