/*
 * sched.h: the scheduler inside oned (reference §9.2, docs/scheduler.md).
 *
 * One thread, woken after the commit of any change that may let a VM be
 * placed (a VM becomes PENDING, RESCHED is set, capacity is freed, a host
 * becomes MONITORED), which waits SCHED/WINDOW_MS to batch what follows,
 * then runs a pass (sched_pass.h): a snapshot under the read lock, the pure
 * placement (scheduler/place.h) with no lock, and each placement carried out through
 * one.vm.deploy / one.vm.migrate as oneadmin (dispatch.h), in transactions
 * that check again that the VM and the host are still as planned.  A VM
 * that stays unplaced says why in USER_TEMPLATE/SCHED_MESSAGE; passes
 * repeat every SCHED/RETRY seconds while VMs wait.
 *
 * SCHED = [ ENABLED = NO ] in oned.conf leaves placement to an external
 * scheduler driving one.vm.deploy.
 */
#ifndef NB_SCHED_H
#define NB_SCHED_H

#include "oned/lifecycle.h"
#include "oned/txn.h"
#include "oned/vm.h"

typedef struct nb_sched nb_sched;

/* Start the thread on m (settings from m->cfg), with a first pass for the
 * VMs already waiting.  NULL when SCHED/ENABLED is NO. */
nb_sched *nb_sched_start(nb_model *m);
/* Finish the pass in progress and stop (NULL: nothing to do). */
void nb_sched_stop(nb_sched *s);

/* Placement may have changed: a pass soon after t commits. */
void nb_sched_wake(nb_txn *t);
/* vm (being edited in t, still in its old phase) takes move mv: wakes the
 * scheduler when the move matters to it. */
void nb_sched_vm_moving(nb_txn *t, const nb_vm *vm, const nb_lcm_move *mv);

#endif
