/*
 * lifecycle.h: the VM state machine of OpenNebula (reference §7), as a pure
 * function of (current state, event) -> move.  No I/O, no model: the caller
 * applies the move to the VM inside a transaction and starts the driver step
 * it names; the step's result comes back as another event.
 *
 * Three kinds of event drive a VM:
 *   - an action asked through the API (one.vm.action strings, deploy,
 *     migrate, recover, hotplug), nb_lcm_action();
 *   - a driver step finishing, with success or failure, nb_lcm_step_done();
 *   - what monitoring saw on the host, nb_lcm_observed().
 */
#ifndef NB_LIFECYCLE_H
#define NB_LIFECYCLE_H

#include <stdbool.h>

/* STATE, with OpenNebula's numbers. */
enum nb_vm_state {
    NB_VM_INIT = 0,
    NB_VM_PENDING = 1,
    NB_VM_HOLD = 2,
    NB_VM_ACTIVE = 3,
    NB_VM_STOPPED = 4,
    NB_VM_SUSPENDED = 5,
    NB_VM_DONE = 6,
    NB_VM_POWEROFF = 8,
    NB_VM_UNDEPLOYED = 9,
    NB_VM_CLONING = 10,
    NB_VM_CLONING_FAILURE = 11,
};

/* LCM_STATE (meaningful in ACTIVE only, else 0), with OpenNebula's numbers;
 * numbers OpenNebula retired (13, 14, 55, 58) have no name. */
enum nb_lcm_state {
    NB_LCM_INIT = 0, NB_LCM_PROLOG = 1, NB_LCM_BOOT = 2, NB_LCM_RUNNING = 3,
    NB_LCM_MIGRATE = 4, NB_LCM_SAVE_STOP = 5, NB_LCM_SAVE_SUSPEND = 6,
    NB_LCM_SAVE_MIGRATE = 7, NB_LCM_PROLOG_MIGRATE = 8, NB_LCM_PROLOG_RESUME = 9,
    NB_LCM_EPILOG_STOP = 10, NB_LCM_EPILOG = 11, NB_LCM_SHUTDOWN = 12,
    NB_LCM_CLEANUP_RESUBMIT = 15, NB_LCM_UNKNOWN = 16, NB_LCM_HOTPLUG = 17,
    NB_LCM_SHUTDOWN_POWEROFF = 18, NB_LCM_BOOT_UNKNOWN = 19, NB_LCM_BOOT_POWEROFF = 20,
    NB_LCM_BOOT_SUSPENDED = 21, NB_LCM_BOOT_STOPPED = 22, NB_LCM_CLEANUP_DELETE = 23,
    NB_LCM_HOTPLUG_SNAPSHOT = 24, NB_LCM_HOTPLUG_NIC = 25, NB_LCM_HOTPLUG_SAVEAS = 26,
    NB_LCM_HOTPLUG_SAVEAS_POWEROFF = 27, NB_LCM_HOTPLUG_SAVEAS_SUSPENDED = 28,
    NB_LCM_SHUTDOWN_UNDEPLOY = 29, NB_LCM_EPILOG_UNDEPLOY = 30, NB_LCM_PROLOG_UNDEPLOY = 31,
    NB_LCM_BOOT_UNDEPLOY = 32, NB_LCM_HOTPLUG_PROLOG_POWEROFF = 33,
    NB_LCM_HOTPLUG_EPILOG_POWEROFF = 34, NB_LCM_BOOT_MIGRATE = 35, NB_LCM_BOOT_FAILURE = 36,
    NB_LCM_BOOT_MIGRATE_FAILURE = 37, NB_LCM_PROLOG_MIGRATE_FAILURE = 38,
    NB_LCM_PROLOG_FAILURE = 39, NB_LCM_EPILOG_FAILURE = 40, NB_LCM_EPILOG_STOP_FAILURE = 41,
    NB_LCM_EPILOG_UNDEPLOY_FAILURE = 42, NB_LCM_PROLOG_MIGRATE_POWEROFF = 43,
    NB_LCM_PROLOG_MIGRATE_POWEROFF_FAILURE = 44, NB_LCM_PROLOG_MIGRATE_SUSPEND = 45,
    NB_LCM_PROLOG_MIGRATE_SUSPEND_FAILURE = 46, NB_LCM_BOOT_UNDEPLOY_FAILURE = 47,
    NB_LCM_BOOT_STOPPED_FAILURE = 48, NB_LCM_PROLOG_RESUME_FAILURE = 49,
    NB_LCM_PROLOG_UNDEPLOY_FAILURE = 50, NB_LCM_DISK_SNAPSHOT_POWEROFF = 51,
    NB_LCM_DISK_SNAPSHOT_REVERT_POWEROFF = 52, NB_LCM_DISK_SNAPSHOT_DELETE_POWEROFF = 53,
    NB_LCM_DISK_SNAPSHOT_SUSPENDED = 54, NB_LCM_DISK_SNAPSHOT_DELETE_SUSPENDED = 56,
    NB_LCM_DISK_SNAPSHOT = 57, NB_LCM_DISK_SNAPSHOT_DELETE = 59,
    NB_LCM_PROLOG_MIGRATE_UNKNOWN = 60, NB_LCM_PROLOG_MIGRATE_UNKNOWN_FAILURE = 61,
    NB_LCM_DISK_RESIZE = 62, NB_LCM_DISK_RESIZE_POWEROFF = 63,
    NB_LCM_DISK_RESIZE_UNDEPLOYED = 64, NB_LCM_HOTPLUG_NIC_POWEROFF = 65,
    NB_LCM_HOTPLUG_RESIZE = 66, NB_LCM_HOTPLUG_SAVEAS_UNDEPLOYED = 67,
    NB_LCM_HOTPLUG_SAVEAS_STOPPED = 68, NB_LCM_BACKUP = 69, NB_LCM_BACKUP_POWEROFF = 70,
    NB_LCM_RESTORE = 71,
};
#define NB_LCM_STATE_MAX 71

typedef struct nb_vm_phase {
    int state;      /* enum nb_vm_state */
    int lcm;        /* enum nb_lcm_state, 0 unless ACTIVE */
} nb_vm_phase;

/* What the API asks.  The first group are one.vm.action's strings. */
enum nb_vm_action {
    NB_ACT_TERMINATE, NB_ACT_TERMINATE_HARD, NB_ACT_UNDEPLOY, NB_ACT_UNDEPLOY_HARD,
    NB_ACT_POWEROFF, NB_ACT_POWEROFF_HARD, NB_ACT_REBOOT, NB_ACT_REBOOT_HARD,
    NB_ACT_SUSPEND, NB_ACT_RESUME, NB_ACT_STOP, NB_ACT_HOLD, NB_ACT_RELEASE,
    NB_ACT_RESCHED, NB_ACT_UNRESCHED,
    /* one.vm.deploy; one.vm.migrate live, cold (type 0 save, 1 poweroff,
     * 2 poweroff-hard) */
    NB_ACT_DEPLOY, NB_ACT_MIGRATE_LIVE, NB_ACT_MIGRATE, NB_ACT_MIGRATE_POWEROFF,
    NB_ACT_MIGRATE_POWEROFF_HARD,
    /* one.vm.recover ops 0..5 */
    NB_ACT_RECOVER_FAILURE, NB_ACT_RECOVER_SUCCESS, NB_ACT_RECOVER_RETRY,
    NB_ACT_RECOVER_DELETE, NB_ACT_RECOVER_DELETE_RECREATE, NB_ACT_RECOVER_DELETE_DB,
    /* hotplug and snapshots */
    NB_ACT_DISK_ATTACH, NB_ACT_DISK_DETACH, NB_ACT_NIC_ATTACH, NB_ACT_NIC_DETACH,
    NB_ACT_RESIZE, NB_ACT_SNAPSHOT_CREATE, NB_ACT_SNAPSHOT_REVERT, NB_ACT_SNAPSHOT_DELETE,
    NB_ACT_COUNT
};

/* Driver work a move starts.  TM steps move disks, VMM steps drive the
 * hypervisor (reference §7.2). */
enum nb_vm_step {
    NB_STEP_NONE,
    NB_STEP_PROLOG,             /* TM: disks to the host (new placement) */
    NB_STEP_PROLOG_MIGRATE,     /* TM: disks from the old host to the new one */
    NB_STEP_PROLOG_RESUME,      /* TM: VM dir back to the host (STOPPED) */
    NB_STEP_PROLOG_UNDEPLOY,    /* TM: VM dir back to the host (UNDEPLOYED) */
    NB_STEP_EPILOG,             /* TM: delete / save back the disks (terminate) */
    NB_STEP_EPILOG_STOP,        /* TM: VM dir to the system datastore (stop) */
    NB_STEP_EPILOG_UNDEPLOY,    /* TM: VM dir to the system datastore (undeploy) */
    NB_STEP_DEPLOY,             /* VMM: define and start */
    NB_STEP_SHUTDOWN,           /* VMM: ACPI shutdown, wait until gone */
    NB_STEP_CANCEL,             /* VMM: destroy */
    NB_STEP_SAVE,               /* VMM: save to a checkpoint */
    NB_STEP_RESTORE,            /* VMM: restore from the checkpoint */
    NB_STEP_MIGRATE,            /* VMM: live migration to the new host */
    NB_STEP_REBOOT,
    NB_STEP_RESET,
    NB_STEP_CLEANUP,            /* VMM + TM: remove whatever is left on the host */
    NB_STEP_ATTACH_DISK, NB_STEP_DETACH_DISK, NB_STEP_ATTACH_NIC, NB_STEP_DETACH_NIC,
    NB_STEP_RESIZE,
    NB_STEP_SNAPSHOT_CREATE, NB_STEP_SNAPSHOT_REVERT, NB_STEP_SNAPSHOT_DELETE,
    NB_STEP_COUNT
};

/* Side effects a move asks of the caller, besides the new phase. */
#define NB_MOVE_HISTORY_OPEN    0x001   /* open a HISTORY record on the target host */
#define NB_MOVE_HISTORY_CLOSE   0x002   /* close the current record (ETIME, ACTION) */
#define NB_MOVE_HOST_RELEASE    0x004   /* the VM no longer holds host capacity */
#define NB_MOVE_DONE            0x008   /* the VM reached DONE: free quotas, set ETIME */
#define NB_MOVE_RESCHED_SET     0x010
#define NB_MOVE_RESCHED_CLEAR   0x020
#define NB_MOVE_DELETE_DB       0x040   /* recover delete-db: drop the VM, no driver call */
#define NB_MOVE_RESUBMIT        0x080   /* back to PENDING with the same id */
#define NB_MOVE_ROLLBACK        0x100   /* a hotplug failed: undo the template change */
#define NB_MOVE_HISTORY_REVERT  0x400   /* a migration is abandoned: close the target's record,
                                         * free the target, go on from the source host */
#define NB_MOVE_SET_ACTION      0x800   /* write nb_vm_action_code(a) into the ACTION of the
                                         * VM's newest HISTORY record (after HISTORY_OPEN) */
#define NB_MOVE_HISTORY_COPY    0x1000  /* runs again on the same host: close the current
                                         * record, open a copy (capacity kept) */

typedef struct nb_lcm_move {
    nb_vm_phase to;             /* unchanged phase when nothing happens */
    enum nb_vm_step step;       /* driver work to start now, NB_STEP_NONE if none */
    unsigned flags;             /* NB_MOVE_* */
} nb_lcm_move;

/*
 * An API action on a VM in phase `from`.  Returns 0 with the move, or -1
 * when the action is not available in that phase (the caller answers
 * ACTION "<what> action is not available for state <STATE/LCM name>").
 */
int nb_lcm_action(nb_vm_phase from, enum nb_vm_action a, nb_lcm_move *mv);

/* The driver step the VM in phase `from` was waiting for finished.
 * Returns -1 if `from` does not wait for that step (a late or duplicate
 * report: the caller logs and ignores it). */
int nb_lcm_step_done(nb_vm_phase from, enum nb_vm_step step, bool ok, nb_lcm_move *mv);

/*
 * The same, knowing `hist_action`: the ACTION (VMActions code) of the VM's
 * newest HISTORY record, as NB_MOVE_SET_ACTION left it (0 when none).
 * OpenNebula reads it where the phase alone does not say what comes next:
 * deploying a PENDING/HOLD VM that was stopped (9) or undeployed (5, 6)
 * resumes its files (PROLOG_RESUME / PROLOG_UNDEPLOY), a poweroff migration
 * (48, 49) boots with DEPLOY after PROLOG_MIGRATE, a hard action (28, 20, 6,
 * 49) is retried with CANCEL.  The two functions above pass 0.
 */
int nb_lcm_action_hist(nb_vm_phase from, int hist_action, enum nb_vm_action a,
                       nb_lcm_move *mv);
int nb_lcm_step_done_hist(nb_vm_phase from, int hist_action, enum nb_vm_step step,
                          bool ok, nb_lcm_move *mv);

/* What monitoring (or a hypervisor event) saw of the VM on its host. */
enum nb_vm_seen {
    NB_SEEN_RUNNING,
    NB_SEEN_POWEROFF,           /* domain shut off */
    NB_SEEN_SUSPENDED,          /* paused */
    NB_SEEN_MISSING,            /* absent from a full report of its host */
    NB_SEEN_FAILURE,            /* crashed */
    NB_SEEN_HOST_ERROR,         /* its host could not be monitored */
};
/* Returns 0 with the move (mv->to == from when nothing changes), -1 if
 * `from` is not a phase that exists or `seen` is out of range. */
int nb_lcm_observed(nb_vm_phase from, enum nb_vm_seen seen, nb_lcm_move *mv);

/* A powered-off VM whose disks or NICs change cold (HOTPLUG_*_POWEROFF):
 * only its template changes, and it does not run meanwhile. */
bool nb_lcm_is_cold_hotplug(nb_vm_phase p);

/* Names: "ACTIVE", "RUNNING" (NULL for numbers without one); short forms
 * as `onevm list` prints them ("runn", "poff", ...). */
const char *nb_vm_state_name(int state);
const char *nb_lcm_state_name(int lcm);
const char *nb_vm_phase_short(nb_vm_phase p);

/* one.vm.action strings ("terminate-hard") <-> actions; -1 if unknown. */
int nb_vm_action_parse(const char *s, enum nb_vm_action *out);
const char *nb_vm_action_name(enum nb_vm_action a);
/* The VMActions code OpenNebula records in HISTORY/ACTION (27 terminate,
 * 19 poweroff, 1 migrate, ...). */
int nb_vm_action_code(enum nb_vm_action a);

#endif
