/*
 * lifecycle.c: OpenNebula's VM state machine (reference §7, §2.10) as a pure
 * function of (phase, event) -> move.  No I/O, no state, no allocation.
 *
 * Where the reference is silent the behaviour follows OpenNebula's own
 * DispatchManagerActions.cc, LifeCycleActions.cc and LifeCycleStates.cc
 * (6.x/7.x); the few places that knowingly differ say so.
 *
 * What the move flags ask of the caller (applied in the same transaction as
 * the new phase):
 *
 *   HISTORY_OPEN     the VM is placed on the host/datastore the request names
 *                    (deploy, migrate): open a new HISTORY record there (SEQ
 *                    + 1) and allocate the VM's capacity on that host.
 *   HISTORY_CLOSE    the VM has left a host for good: set ETIME on that host's
 *                    record.  In a migration that is the source (the previous
 *                    record), closed as soon as the VM is off it: save done
 *                    (cold), migration done (live), or at once when the VM was
 *                    not running there (POWEROFF/SUSPENDED/UNKNOWN).  When the
 *                    new phase keeps no host (DONE, STOPPED, UNDEPLOYED,
 *                    CLEANUP_*), every record still open is closed.  Closing
 *                    an already closed record is a no-op (a STOPPED VM that is
 *                    terminated closes nothing new at the end of its EPILOG).
 *   HOST_RELEASE     free the capacity held on the host(s) HISTORY_CLOSE
 *                    names; always comes with it (and is idempotent likewise).
 *                    Never on POWEROFF or SUSPENDED: those keep their host.
 *   HISTORY_REVERT   a migration failed or was recovered as failed: close the
 *                    target's record, free the target's capacity, and go on
 *                    from the source host with a new record copied from the
 *                    previous one (capacity allocated there again if it had
 *                    been freed).
 *   DONE             the VM reached DONE: free quotas, leases, images, ETIME.
 *   RESUBMIT         back to PENDING with the same id (reset DEPLOY_ID).
 *   DELETE_DB        recover delete-db: DONE without any driver call.
 *   ROLLBACK         a hotplug-like operation failed: undo what it prepared
 *                    in the template (attached DISK/NIC, RESIZE, snapshot...).
 *   RESCHED_SET      RESCHED = 1 (resched).
 *   RESCHED_CLEAR    RESCHED = 0: unresched, and every action that starts work
 *                    on (or moves) a VM in a phase where RESCHED may be set
 *                    (RUNNING, UNKNOWN, POWEROFF) -- OpenNebula clears it on
 *                    each of them; recover/retry leave it alone.  Monitoring
 *                    that takes a RUNNING/UNKNOWN VM away from RUNNING also
 *                    clears it.
 *   SET_ACTION       the action ends the VM's current stay or starts a new
 *                    one (terminate, undeploy, poweroff, suspend, resume,
 *                    stop, deploy, migrate, recover delete / delete-recreate)
 *                    and the move starts that work: record its VMActions code
 *                    as ACTION of the newest HISTORY record.  That is what
 *                    hist_action reads back later.  Not set by hold/release,
 *                    resched, resume to PENDING (the record keeps "stop" /
 *                    "undeploy" for the next deploy) or no-op moves.
 *   HISTORY_COPY     a VM powered off or suspended on its host runs there
 *                    again (resume, or monitoring finds it running): close
 *                    the current record and open a copy of it (SEQ + 1, same
 *                    host and datastore), as OpenNebula's cp_history, so that
 *                    each record is one stretch of running and accounting
 *                    does not bill the time in between.  The VM's capacity
 *                    stays taken on the host.
 *
 * Simplification: OpenNebula also closes and copies the current record on
 * each hotplug (close_cp_history) to log the action; here a hotplug leaves
 * the records alone.
 */
#include "oned/lifecycle.h"

#include <stddef.h>
#include <string.h>

#define A(l) ((nb_vm_phase){ NB_VM_ACTIVE, (l) })
#define S(s) ((nb_vm_phase){ (s), NB_LCM_INIT })
#define BIT(step) (1u << (step))

/* ---- names ----------------------------------------------------------------- */

static const struct {
    const char *name;
    const char *shrt;
} state_tab[] = {
    [NB_VM_INIT] = { "INIT", "init" },
    [NB_VM_PENDING] = { "PENDING", "pend" },
    [NB_VM_HOLD] = { "HOLD", "hold" },
    [NB_VM_ACTIVE] = { "ACTIVE", "actv" },
    [NB_VM_STOPPED] = { "STOPPED", "stop" },
    [NB_VM_SUSPENDED] = { "SUSPENDED", "susp" },
    [NB_VM_DONE] = { "DONE", "done" },
    [NB_VM_POWEROFF] = { "POWEROFF", "poff" },
    [NB_VM_UNDEPLOYED] = { "UNDEPLOYED", "unde" },
    [NB_VM_CLONING] = { "CLONING", "clon" },
    [NB_VM_CLONING_FAILURE] = { "CLONING_FAILURE", "fail" },
};

/* Short forms are those of OpenNebula's Ruby OCA (SHORT_LCM_STATES), which
 * `onevm list` prints; note DISK_RESIZE* is "drsz" there. */
static const struct {
    const char *name;
    const char *shrt;
} lcm_tab[NB_LCM_STATE_MAX + 1] = {
    [NB_LCM_INIT] = { "LCM_INIT", "init" },
    [NB_LCM_PROLOG] = { "PROLOG", "prol" },
    [NB_LCM_BOOT] = { "BOOT", "boot" },
    [NB_LCM_RUNNING] = { "RUNNING", "runn" },
    [NB_LCM_MIGRATE] = { "MIGRATE", "migr" },
    [NB_LCM_SAVE_STOP] = { "SAVE_STOP", "save" },
    [NB_LCM_SAVE_SUSPEND] = { "SAVE_SUSPEND", "save" },
    [NB_LCM_SAVE_MIGRATE] = { "SAVE_MIGRATE", "save" },
    [NB_LCM_PROLOG_MIGRATE] = { "PROLOG_MIGRATE", "migr" },
    [NB_LCM_PROLOG_RESUME] = { "PROLOG_RESUME", "prol" },
    [NB_LCM_EPILOG_STOP] = { "EPILOG_STOP", "epil" },
    [NB_LCM_EPILOG] = { "EPILOG", "epil" },
    [NB_LCM_SHUTDOWN] = { "SHUTDOWN", "shut" },
    [NB_LCM_CLEANUP_RESUBMIT] = { "CLEANUP_RESUBMIT", "clea" },
    [NB_LCM_UNKNOWN] = { "UNKNOWN", "unkn" },
    [NB_LCM_HOTPLUG] = { "HOTPLUG", "hotp" },
    [NB_LCM_SHUTDOWN_POWEROFF] = { "SHUTDOWN_POWEROFF", "shut" },
    [NB_LCM_BOOT_UNKNOWN] = { "BOOT_UNKNOWN", "boot" },
    [NB_LCM_BOOT_POWEROFF] = { "BOOT_POWEROFF", "boot" },
    [NB_LCM_BOOT_SUSPENDED] = { "BOOT_SUSPENDED", "boot" },
    [NB_LCM_BOOT_STOPPED] = { "BOOT_STOPPED", "boot" },
    [NB_LCM_CLEANUP_DELETE] = { "CLEANUP_DELETE", "clea" },
    [NB_LCM_HOTPLUG_SNAPSHOT] = { "HOTPLUG_SNAPSHOT", "snap" },
    [NB_LCM_HOTPLUG_NIC] = { "HOTPLUG_NIC", "hotp" },
    [NB_LCM_HOTPLUG_SAVEAS] = { "HOTPLUG_SAVEAS", "hotp" },
    [NB_LCM_HOTPLUG_SAVEAS_POWEROFF] = { "HOTPLUG_SAVEAS_POWEROFF", "hotp" },
    [NB_LCM_HOTPLUG_SAVEAS_SUSPENDED] = { "HOTPLUG_SAVEAS_SUSPENDED", "hotp" },
    [NB_LCM_SHUTDOWN_UNDEPLOY] = { "SHUTDOWN_UNDEPLOY", "shut" },
    [NB_LCM_EPILOG_UNDEPLOY] = { "EPILOG_UNDEPLOY", "epil" },
    [NB_LCM_PROLOG_UNDEPLOY] = { "PROLOG_UNDEPLOY", "prol" },
    [NB_LCM_BOOT_UNDEPLOY] = { "BOOT_UNDEPLOY", "boot" },
    [NB_LCM_HOTPLUG_PROLOG_POWEROFF] = { "HOTPLUG_PROLOG_POWEROFF", "hotp" },
    [NB_LCM_HOTPLUG_EPILOG_POWEROFF] = { "HOTPLUG_EPILOG_POWEROFF", "hotp" },
    [NB_LCM_BOOT_MIGRATE] = { "BOOT_MIGRATE", "boot" },
    [NB_LCM_BOOT_FAILURE] = { "BOOT_FAILURE", "fail" },
    [NB_LCM_BOOT_MIGRATE_FAILURE] = { "BOOT_MIGRATE_FAILURE", "fail" },
    [NB_LCM_PROLOG_MIGRATE_FAILURE] = { "PROLOG_MIGRATE_FAILURE", "fail" },
    [NB_LCM_PROLOG_FAILURE] = { "PROLOG_FAILURE", "fail" },
    [NB_LCM_EPILOG_FAILURE] = { "EPILOG_FAILURE", "fail" },
    [NB_LCM_EPILOG_STOP_FAILURE] = { "EPILOG_STOP_FAILURE", "fail" },
    [NB_LCM_EPILOG_UNDEPLOY_FAILURE] = { "EPILOG_UNDEPLOY_FAILURE", "fail" },
    [NB_LCM_PROLOG_MIGRATE_POWEROFF] = { "PROLOG_MIGRATE_POWEROFF", "migr" },
    [NB_LCM_PROLOG_MIGRATE_POWEROFF_FAILURE] = { "PROLOG_MIGRATE_POWEROFF_FAILURE", "fail" },
    [NB_LCM_PROLOG_MIGRATE_SUSPEND] = { "PROLOG_MIGRATE_SUSPEND", "migr" },
    [NB_LCM_PROLOG_MIGRATE_SUSPEND_FAILURE] = { "PROLOG_MIGRATE_SUSPEND_FAILURE", "fail" },
    [NB_LCM_BOOT_UNDEPLOY_FAILURE] = { "BOOT_UNDEPLOY_FAILURE", "fail" },
    [NB_LCM_BOOT_STOPPED_FAILURE] = { "BOOT_STOPPED_FAILURE", "fail" },
    [NB_LCM_PROLOG_RESUME_FAILURE] = { "PROLOG_RESUME_FAILURE", "fail" },
    [NB_LCM_PROLOG_UNDEPLOY_FAILURE] = { "PROLOG_UNDEPLOY_FAILURE", "fail" },
    [NB_LCM_DISK_SNAPSHOT_POWEROFF] = { "DISK_SNAPSHOT_POWEROFF", "snap" },
    [NB_LCM_DISK_SNAPSHOT_REVERT_POWEROFF] = { "DISK_SNAPSHOT_REVERT_POWEROFF", "snap" },
    [NB_LCM_DISK_SNAPSHOT_DELETE_POWEROFF] = { "DISK_SNAPSHOT_DELETE_POWEROFF", "snap" },
    [NB_LCM_DISK_SNAPSHOT_SUSPENDED] = { "DISK_SNAPSHOT_SUSPENDED", "snap" },
    [NB_LCM_DISK_SNAPSHOT_DELETE_SUSPENDED] = { "DISK_SNAPSHOT_DELETE_SUSPENDED", "snap" },
    [NB_LCM_DISK_SNAPSHOT] = { "DISK_SNAPSHOT", "snap" },
    [NB_LCM_DISK_SNAPSHOT_DELETE] = { "DISK_SNAPSHOT_DELETE", "snap" },
    [NB_LCM_PROLOG_MIGRATE_UNKNOWN] = { "PROLOG_MIGRATE_UNKNOWN", "migr" },
    [NB_LCM_PROLOG_MIGRATE_UNKNOWN_FAILURE] = { "PROLOG_MIGRATE_UNKNOWN_FAILURE", "fail" },
    [NB_LCM_DISK_RESIZE] = { "DISK_RESIZE", "drsz" },
    [NB_LCM_DISK_RESIZE_POWEROFF] = { "DISK_RESIZE_POWEROFF", "drsz" },
    [NB_LCM_DISK_RESIZE_UNDEPLOYED] = { "DISK_RESIZE_UNDEPLOYED", "drsz" },
    [NB_LCM_HOTPLUG_NIC_POWEROFF] = { "HOTPLUG_NIC_POWEROFF", "hotp" },
    [NB_LCM_HOTPLUG_RESIZE] = { "HOTPLUG_RESIZE", "hotp" },
    [NB_LCM_HOTPLUG_SAVEAS_UNDEPLOYED] = { "HOTPLUG_SAVEAS_UNDEPLOYED", "hotp" },
    [NB_LCM_HOTPLUG_SAVEAS_STOPPED] = { "HOTPLUG_SAVEAS_STOPPED", "hotp" },
    [NB_LCM_BACKUP] = { "BACKUP", "back" },
    [NB_LCM_BACKUP_POWEROFF] = { "BACKUP_POWEROFF", "back" },
    [NB_LCM_RESTORE] = { "RESTORE", "rest" },
};

const char *nb_vm_state_name(int state)
{
    if (state < 0 || (size_t)state >= sizeof(state_tab) / sizeof(state_tab[0]))
        return NULL;
    return state_tab[state].name;
}

const char *nb_lcm_state_name(int lcm)
{
    if (lcm < 0 || lcm > NB_LCM_STATE_MAX)
        return NULL;
    return lcm_tab[lcm].name;
}

static bool phase_exists(nb_vm_phase p)
{
    if (p.state == NB_VM_ACTIVE)
        return nb_lcm_state_name(p.lcm) != NULL;
    return p.lcm == NB_LCM_INIT && nb_vm_state_name(p.state) != NULL;
}

bool nb_lcm_is_cold_hotplug(nb_vm_phase p)
{
    return p.state == NB_VM_ACTIVE && (p.lcm == NB_LCM_HOTPLUG_PROLOG_POWEROFF ||
                                       p.lcm == NB_LCM_HOTPLUG_EPILOG_POWEROFF ||
                                       p.lcm == NB_LCM_HOTPLUG_NIC_POWEROFF);
}

const char *nb_vm_phase_short(nb_vm_phase p)
{
    if (!phase_exists(p))
        return NULL;
    return p.state == NB_VM_ACTIVE ? lcm_tab[p.lcm].shrt : state_tab[p.state].shrt;
}

/* ---- actions: strings and VMActions codes ---------------------------------- */

static const struct {
    const char *name;   /* one.vm.action string, or OpenNebula's action_to_str */
    int code;           /* VMActions::Action */
    bool api;           /* accepted by one.vm.action */
    bool records;       /* ends a stay / starts one: NB_MOVE_SET_ACTION */
} act_tab[NB_ACT_COUNT] = {
    [NB_ACT_TERMINATE] = { "terminate", 27, true, true },
    [NB_ACT_TERMINATE_HARD] = { "terminate-hard", 28, true, true },
    [NB_ACT_UNDEPLOY] = { "undeploy", 5, true, true },
    [NB_ACT_UNDEPLOY_HARD] = { "undeploy-hard", 6, true, true },
    [NB_ACT_POWEROFF] = { "poweroff", 19, true, true },
    [NB_ACT_POWEROFF_HARD] = { "poweroff-hard", 20, true, true },
    [NB_ACT_REBOOT] = { "reboot", 15, true, false },
    [NB_ACT_REBOOT_HARD] = { "reboot-hard", 16, true, false },
    [NB_ACT_SUSPEND] = { "suspend", 10, true, true },
    [NB_ACT_RESUME] = { "resume", 11, true, true },
    [NB_ACT_STOP] = { "stop", 9, true, true },
    [NB_ACT_HOLD] = { "hold", 7, true, false },
    [NB_ACT_RELEASE] = { "release", 8, true, false },
    [NB_ACT_RESCHED] = { "resched", 17, true, false },
    [NB_ACT_UNRESCHED] = { "unresched", 18, true, false },
    [NB_ACT_DEPLOY] = { "deploy", 30, false, true },
    [NB_ACT_MIGRATE_LIVE] = { "live-migrate", 2, false, true },
    [NB_ACT_MIGRATE] = { "migrate", 1, false, true },
    [NB_ACT_MIGRATE_POWEROFF] = { "poweroff-migrate", 48, false, true },
    [NB_ACT_MIGRATE_POWEROFF_HARD] = { "poweroff-hard-migrate", 49, false, true },
    [NB_ACT_RECOVER_FAILURE] = { "recover", 42, false, false },
    [NB_ACT_RECOVER_SUCCESS] = { "recover", 42, false, false },
    [NB_ACT_RECOVER_RETRY] = { "retry", 43, false, false },
    [NB_ACT_RECOVER_DELETE] = { "delete", 13, false, true },
    [NB_ACT_RECOVER_DELETE_RECREATE] = { "delete-recreate", 14, false, true },
    [NB_ACT_RECOVER_DELETE_DB] = { "delete", 13, false, false },
    [NB_ACT_DISK_ATTACH] = { "disk-attach", 21, false, false },
    [NB_ACT_DISK_DETACH] = { "disk-detach", 22, false, false },
    [NB_ACT_NIC_ATTACH] = { "nic-attach", 23, false, false },
    [NB_ACT_NIC_DETACH] = { "nic-detach", 24, false, false },
    [NB_ACT_RESIZE] = { "resize", 35, false, false },
    [NB_ACT_SNAPSHOT_CREATE] = { "snapshot-create", 37, false, false },
    [NB_ACT_SNAPSHOT_REVERT] = { "snapshot-revert", 39, false, false },
    [NB_ACT_SNAPSHOT_DELETE] = { "snapshot-delete", 38, false, false },
};

static bool act_valid(enum nb_vm_action a)
{
    return (int)a >= 0 && a < NB_ACT_COUNT;
}

int nb_vm_action_parse(const char *s, enum nb_vm_action *out)
{
    if (s == NULL)
        return -1;
    for (int a = 0; a < NB_ACT_COUNT; a++) {
        if (act_tab[a].api && strcmp(act_tab[a].name, s) == 0) {
            if (out)
                *out = (enum nb_vm_action)a;
            return 0;
        }
    }
    return -1;
}

const char *nb_vm_action_name(enum nb_vm_action a)
{
    return act_valid(a) ? act_tab[a].name : NULL;
}

int nb_vm_action_code(enum nb_vm_action a)
{
    return act_valid(a) ? act_tab[a].code : -1;
}

/* ---- families of LCM states ------------------------------------------------- */

/* The *_FAILURE states, where a VM waits for an operator. */
static bool is_failure(int lcm)
{
    switch (lcm) {
    case NB_LCM_BOOT_FAILURE:
    case NB_LCM_BOOT_MIGRATE_FAILURE:
    case NB_LCM_BOOT_STOPPED_FAILURE:
    case NB_LCM_BOOT_UNDEPLOY_FAILURE:
    case NB_LCM_PROLOG_FAILURE:
    case NB_LCM_PROLOG_RESUME_FAILURE:
    case NB_LCM_PROLOG_UNDEPLOY_FAILURE:
    case NB_LCM_PROLOG_MIGRATE_FAILURE:
    case NB_LCM_PROLOG_MIGRATE_POWEROFF_FAILURE:
    case NB_LCM_PROLOG_MIGRATE_SUSPEND_FAILURE:
    case NB_LCM_PROLOG_MIGRATE_UNKNOWN_FAILURE:
    case NB_LCM_EPILOG_FAILURE:
    case NB_LCM_EPILOG_STOP_FAILURE:
    case NB_LCM_EPILOG_UNDEPLOY_FAILURE:
        return true;
    default:
        return false;
    }
}

/* Where each prolog/boot/epilog step lands when its driver fails; recover
 * success and retry read it backwards (failure state -> step in progress). */
static const struct {
    int lcm;                /* in progress */
    nb_vm_phase failed;     /* after a failure report */
} fail_tab[] = {
    { NB_LCM_PROLOG, { NB_VM_ACTIVE, NB_LCM_PROLOG_FAILURE } },
    { NB_LCM_PROLOG_RESUME, { NB_VM_ACTIVE, NB_LCM_PROLOG_RESUME_FAILURE } },
    { NB_LCM_PROLOG_UNDEPLOY, { NB_VM_ACTIVE, NB_LCM_PROLOG_UNDEPLOY_FAILURE } },
    { NB_LCM_PROLOG_MIGRATE, { NB_VM_ACTIVE, NB_LCM_PROLOG_MIGRATE_FAILURE } },
    { NB_LCM_PROLOG_MIGRATE_POWEROFF, { NB_VM_ACTIVE, NB_LCM_PROLOG_MIGRATE_POWEROFF_FAILURE } },
    { NB_LCM_PROLOG_MIGRATE_SUSPEND, { NB_VM_ACTIVE, NB_LCM_PROLOG_MIGRATE_SUSPEND_FAILURE } },
    { NB_LCM_PROLOG_MIGRATE_UNKNOWN, { NB_VM_ACTIVE, NB_LCM_PROLOG_MIGRATE_UNKNOWN_FAILURE } },
    { NB_LCM_BOOT, { NB_VM_ACTIVE, NB_LCM_BOOT_FAILURE } },
    { NB_LCM_BOOT_MIGRATE, { NB_VM_ACTIVE, NB_LCM_BOOT_MIGRATE_FAILURE } },
    { NB_LCM_BOOT_STOPPED, { NB_VM_ACTIVE, NB_LCM_BOOT_STOPPED_FAILURE } },
    { NB_LCM_BOOT_UNDEPLOY, { NB_VM_ACTIVE, NB_LCM_BOOT_UNDEPLOY_FAILURE } },
    /* resuming a VM that stays on its host falls back to where it was */
    { NB_LCM_BOOT_UNKNOWN, { NB_VM_ACTIVE, NB_LCM_UNKNOWN } },
    { NB_LCM_BOOT_POWEROFF, { NB_VM_POWEROFF, NB_LCM_INIT } },
    { NB_LCM_BOOT_SUSPENDED, { NB_VM_SUSPENDED, NB_LCM_INIT } },
    { NB_LCM_EPILOG, { NB_VM_ACTIVE, NB_LCM_EPILOG_FAILURE } },
    { NB_LCM_EPILOG_STOP, { NB_VM_ACTIVE, NB_LCM_EPILOG_STOP_FAILURE } },
    { NB_LCM_EPILOG_UNDEPLOY, { NB_VM_ACTIVE, NB_LCM_EPILOG_UNDEPLOY_FAILURE } },
};
#define FAIL_TAB_N (sizeof(fail_tab) / sizeof(fail_tab[0]))

/* The failure state of an in-progress step, or NULL. */
static const nb_vm_phase *failed_of(int lcm)
{
    for (size_t i = 0; i < FAIL_TAB_N; i++)
        if (fail_tab[i].lcm == lcm)
            return &fail_tab[i].failed;
    return NULL;
}

/* The step in progress a *_FAILURE state came from. */
static int in_progress_of(int failure_lcm)
{
    for (size_t i = 0; i < FAIL_TAB_N; i++)
        if (fail_tab[i].failed.state == NB_VM_ACTIVE && fail_tab[i].failed.lcm == failure_lcm)
            return fail_tab[i].lcm;
    return -1;
}

/* Side operations on a resting VM (hotplug, snapshots, saveas, disk resize,
 * backup): the phase they return to, success or failure. */
static bool rest_of(int lcm, nb_vm_phase *out)
{
    switch (lcm) {
    case NB_LCM_HOTPLUG:
    case NB_LCM_HOTPLUG_NIC:
    case NB_LCM_HOTPLUG_SNAPSHOT:
    case NB_LCM_HOTPLUG_RESIZE:
    case NB_LCM_HOTPLUG_SAVEAS:
    case NB_LCM_DISK_SNAPSHOT:
    case NB_LCM_DISK_SNAPSHOT_DELETE:
    case NB_LCM_DISK_RESIZE:
    case NB_LCM_BACKUP:
        *out = A(NB_LCM_RUNNING);
        return true;
    case NB_LCM_HOTPLUG_PROLOG_POWEROFF:
    case NB_LCM_HOTPLUG_EPILOG_POWEROFF:
    case NB_LCM_HOTPLUG_NIC_POWEROFF:
    case NB_LCM_HOTPLUG_SAVEAS_POWEROFF:
    case NB_LCM_DISK_SNAPSHOT_POWEROFF:
    case NB_LCM_DISK_SNAPSHOT_REVERT_POWEROFF:
    case NB_LCM_DISK_SNAPSHOT_DELETE_POWEROFF:
    case NB_LCM_DISK_RESIZE_POWEROFF:
    case NB_LCM_BACKUP_POWEROFF:
    case NB_LCM_RESTORE:        /* a backup restore runs on a POWEROFF VM */
        *out = S(NB_VM_POWEROFF);
        return true;
    case NB_LCM_HOTPLUG_SAVEAS_SUSPENDED:
    case NB_LCM_DISK_SNAPSHOT_SUSPENDED:
    case NB_LCM_DISK_SNAPSHOT_DELETE_SUSPENDED:
        *out = S(NB_VM_SUSPENDED);
        return true;
    case NB_LCM_HOTPLUG_SAVEAS_UNDEPLOYED:
    case NB_LCM_DISK_RESIZE_UNDEPLOYED:
        *out = S(NB_VM_UNDEPLOYED);
        return true;
    case NB_LCM_HOTPLUG_SAVEAS_STOPPED:
        *out = S(NB_VM_STOPPED);
        return true;
    default:
        return false;
    }
}

/* The steps a phase waits for: a driver report of any other is stale. */
static unsigned waits_for(int lcm)
{
    switch (lcm) {
    case NB_LCM_PROLOG:
        return BIT(NB_STEP_PROLOG);
    case NB_LCM_PROLOG_RESUME:
        return BIT(NB_STEP_PROLOG_RESUME);
    case NB_LCM_PROLOG_UNDEPLOY:
        return BIT(NB_STEP_PROLOG_UNDEPLOY);
    case NB_LCM_PROLOG_MIGRATE:
    case NB_LCM_PROLOG_MIGRATE_POWEROFF:
    case NB_LCM_PROLOG_MIGRATE_SUSPEND:
    case NB_LCM_PROLOG_MIGRATE_UNKNOWN:
        return BIT(NB_STEP_PROLOG_MIGRATE);
    case NB_LCM_BOOT:
    case NB_LCM_BOOT_POWEROFF:
    case NB_LCM_BOOT_UNKNOWN:
    case NB_LCM_BOOT_UNDEPLOY:
        return BIT(NB_STEP_DEPLOY);
    case NB_LCM_BOOT_SUSPENDED:
    case NB_LCM_BOOT_STOPPED:
    case NB_LCM_BOOT_MIGRATE:
        return BIT(NB_STEP_RESTORE);
    case NB_LCM_MIGRATE:
        return BIT(NB_STEP_MIGRATE);
    case NB_LCM_SAVE_STOP:
    case NB_LCM_SAVE_SUSPEND:
        return BIT(NB_STEP_SAVE);
    case NB_LCM_SAVE_MIGRATE:   /* migrate type 0, 1, 2 */
        return BIT(NB_STEP_SAVE) | BIT(NB_STEP_SHUTDOWN) | BIT(NB_STEP_CANCEL);
    case NB_LCM_SHUTDOWN:
    case NB_LCM_SHUTDOWN_POWEROFF:
    case NB_LCM_SHUTDOWN_UNDEPLOY:
        return BIT(NB_STEP_SHUTDOWN) | BIT(NB_STEP_CANCEL);
    case NB_LCM_EPILOG:
        return BIT(NB_STEP_EPILOG);
    case NB_LCM_EPILOG_STOP:
        return BIT(NB_STEP_EPILOG_STOP);
    case NB_LCM_EPILOG_UNDEPLOY:
        return BIT(NB_STEP_EPILOG_UNDEPLOY);
    case NB_LCM_CLEANUP_DELETE:
    case NB_LCM_CLEANUP_RESUBMIT:
        return BIT(NB_STEP_CLEANUP);
    case NB_LCM_HOTPLUG:
        return BIT(NB_STEP_ATTACH_DISK) | BIT(NB_STEP_DETACH_DISK);
    case NB_LCM_HOTPLUG_PROLOG_POWEROFF:
        return BIT(NB_STEP_ATTACH_DISK);
    case NB_LCM_HOTPLUG_EPILOG_POWEROFF:
        return BIT(NB_STEP_DETACH_DISK);
    case NB_LCM_HOTPLUG_NIC:
    case NB_LCM_HOTPLUG_NIC_POWEROFF:
        return BIT(NB_STEP_ATTACH_NIC) | BIT(NB_STEP_DETACH_NIC);
    case NB_LCM_HOTPLUG_RESIZE:
        return BIT(NB_STEP_RESIZE);
    case NB_LCM_HOTPLUG_SNAPSHOT:
        return BIT(NB_STEP_SNAPSHOT_CREATE) | BIT(NB_STEP_SNAPSHOT_REVERT) |
               BIT(NB_STEP_SNAPSHOT_DELETE);
    case NB_LCM_RUNNING:        /* reboot / reset: the VM stays RUNNING */
        return BIT(NB_STEP_REBOOT) | BIT(NB_STEP_RESET);
    default:
        return 0;
    }
}

/* VMActions codes read back from HISTORY/ACTION. */
static bool hist_is(int hist, enum nb_vm_action a)
{
    return hist == act_tab[a].code;
}

static bool hist_poweroff_migrate(int hist)
{
    return hist_is(hist, NB_ACT_MIGRATE_POWEROFF) || hist_is(hist, NB_ACT_MIGRATE_POWEROFF_HARD);
}

static bool hist_hard(int hist)
{
    return hist_is(hist, NB_ACT_TERMINATE_HARD) || hist_is(hist, NB_ACT_POWEROFF_HARD) ||
           hist_is(hist, NB_ACT_UNDEPLOY_HARD) || hist_is(hist, NB_ACT_MIGRATE_POWEROFF_HARD);
}

/* The step a phase re-runs on retry (the one it waits for, the right kind
 * when several are possible), NB_STEP_NONE when it runs none. */
static enum nb_vm_step primary_step(int lcm, int hist)
{
    nb_vm_phase rest;

    /* OpenNebula re-runs nothing for side operations or a cleanup */
    if (rest_of(lcm, &rest) || lcm == NB_LCM_CLEANUP_DELETE || lcm == NB_LCM_CLEANUP_RESUBMIT)
        return NB_STEP_NONE;

    switch (lcm) {
    case NB_LCM_SAVE_MIGRATE:
        if (hist_is(hist, NB_ACT_MIGRATE_POWEROFF))
            return NB_STEP_SHUTDOWN;
        return hist_is(hist, NB_ACT_MIGRATE_POWEROFF_HARD) ? NB_STEP_CANCEL : NB_STEP_SAVE;
    case NB_LCM_SHUTDOWN:
    case NB_LCM_SHUTDOWN_POWEROFF:
    case NB_LCM_SHUTDOWN_UNDEPLOY:
        return hist_hard(hist) ? NB_STEP_CANCEL : NB_STEP_SHUTDOWN;
    case NB_LCM_RUNNING:
        return NB_STEP_NONE;
    default:
        break;
    }
    unsigned w = waits_for(lcm);
    for (int s = 0; s < NB_STEP_COUNT; s++)
        if (w == BIT(s))
            return (enum nb_vm_step)s;
    return NB_STEP_NONE;
}

/* ---- finishing the operation a VM is in -------------------------------------- */

static int move(nb_lcm_move *mv, nb_vm_phase to, enum nb_vm_step step, unsigned flags)
{
    mv->to = to;
    mv->step = step;
    mv->flags = flags;
    return 0;
}

static int stay(nb_lcm_move *mv, nb_vm_phase from)
{
    return move(mv, from, NB_STEP_NONE, 0);
}

#define LEAVE (NB_MOVE_HISTORY_CLOSE | NB_MOVE_HOST_RELEASE)

/* The operation of ACTIVE/lcm succeeded: a driver report, recover success,
 * monitoring.  A *_FAILURE state succeeds as the step it failed in. */
static int finish_ok(int lcm, int hist, nb_lcm_move *mv)
{
    nb_vm_phase rest;

    if (is_failure(lcm))
        lcm = in_progress_of(lcm);

    switch (lcm) {
    case NB_LCM_PROLOG:
    case NB_LCM_PROLOG_MIGRATE_UNKNOWN:
        return move(mv, A(NB_LCM_BOOT), NB_STEP_DEPLOY, 0);
    case NB_LCM_PROLOG_RESUME:
        return move(mv, A(NB_LCM_BOOT_STOPPED), NB_STEP_RESTORE, 0);
    case NB_LCM_PROLOG_UNDEPLOY:
        return move(mv, A(NB_LCM_BOOT_UNDEPLOY), NB_STEP_DEPLOY, 0);
    case NB_LCM_PROLOG_MIGRATE:
        /* a poweroff migration left no checkpoint: boot afresh */
        if (hist_poweroff_migrate(hist))
            return move(mv, A(NB_LCM_BOOT), NB_STEP_DEPLOY, 0);
        return move(mv, A(NB_LCM_BOOT_MIGRATE), NB_STEP_RESTORE, 0);
    case NB_LCM_PROLOG_MIGRATE_POWEROFF:
        return move(mv, S(NB_VM_POWEROFF), NB_STEP_NONE, 0);
    case NB_LCM_PROLOG_MIGRATE_SUSPEND:
        return move(mv, S(NB_VM_SUSPENDED), NB_STEP_NONE, 0);

    case NB_LCM_BOOT:
    case NB_LCM_BOOT_POWEROFF:
    case NB_LCM_BOOT_UNKNOWN:
    case NB_LCM_BOOT_SUSPENDED:
    case NB_LCM_BOOT_STOPPED:
    case NB_LCM_BOOT_UNDEPLOY:
    case NB_LCM_BOOT_MIGRATE:
    case NB_LCM_UNKNOWN:        /* recover: it is running after all */
        return move(mv, A(NB_LCM_RUNNING), NB_STEP_NONE, 0);
    case NB_LCM_MIGRATE:        /* live migration done: off the source */
        return move(mv, A(NB_LCM_RUNNING), NB_STEP_NONE, LEAVE);

    case NB_LCM_SAVE_MIGRATE:   /* saved / shut down: off the source */
        return move(mv, A(NB_LCM_PROLOG_MIGRATE), NB_STEP_PROLOG_MIGRATE, LEAVE);
    case NB_LCM_SAVE_SUSPEND:
        return move(mv, S(NB_VM_SUSPENDED), NB_STEP_NONE, 0);
    case NB_LCM_SAVE_STOP:
        return move(mv, A(NB_LCM_EPILOG_STOP), NB_STEP_EPILOG_STOP, 0);

    case NB_LCM_SHUTDOWN:
        return move(mv, A(NB_LCM_EPILOG), NB_STEP_EPILOG, 0);
    case NB_LCM_SHUTDOWN_POWEROFF:
        return move(mv, S(NB_VM_POWEROFF), NB_STEP_NONE, 0);
    case NB_LCM_SHUTDOWN_UNDEPLOY:
        return move(mv, A(NB_LCM_EPILOG_UNDEPLOY), NB_STEP_EPILOG_UNDEPLOY, 0);

    case NB_LCM_EPILOG:
        return move(mv, S(NB_VM_DONE), NB_STEP_NONE, LEAVE | NB_MOVE_DONE);
    case NB_LCM_EPILOG_STOP:
        return move(mv, S(NB_VM_STOPPED), NB_STEP_NONE, LEAVE);
    case NB_LCM_EPILOG_UNDEPLOY:
        return move(mv, S(NB_VM_UNDEPLOYED), NB_STEP_NONE, LEAVE);

    /* the host was left when the cleanup started */
    case NB_LCM_CLEANUP_DELETE:
        return move(mv, S(NB_VM_DONE), NB_STEP_NONE, NB_MOVE_DONE);
    case NB_LCM_CLEANUP_RESUBMIT:
        return move(mv, S(NB_VM_PENDING), NB_STEP_NONE, NB_MOVE_RESUBMIT);

    default:
        if (rest_of(lcm, &rest))
            return move(mv, rest, NB_STEP_NONE, 0);
        /* RUNNING (reboot done), LCM_INIT: nothing to finish */
        return stay(mv, A(lcm));
    }
}

/* The operation of ACTIVE/lcm failed: a driver report, recover failure. */
static int finish_fail(int lcm, int hist, nb_lcm_move *mv)
{
    const nb_vm_phase *failed = failed_of(lcm);
    nb_vm_phase rest;

    if (failed)
        return move(mv, *failed, NB_STEP_NONE, 0);

    switch (lcm) {
    /* A migration that fails before the VM runs on the target stays on the
     * source; one that failed moving the files goes back there when told so. */
    case NB_LCM_MIGRATE:
    case NB_LCM_SAVE_MIGRATE:
        return move(mv, A(NB_LCM_RUNNING), NB_STEP_NONE, NB_MOVE_HISTORY_REVERT);
    case NB_LCM_PROLOG_MIGRATE_FAILURE:
    case NB_LCM_PROLOG_MIGRATE_POWEROFF_FAILURE:
    case NB_LCM_PROLOG_MIGRATE_SUSPEND_FAILURE:
    case NB_LCM_PROLOG_MIGRATE_UNKNOWN_FAILURE:
        finish_ok(lcm, hist, mv);
        mv->flags |= NB_MOVE_HISTORY_REVERT;
        return 0;

    /* the guest did not go down: still running */
    case NB_LCM_SAVE_SUSPEND:
    case NB_LCM_SAVE_STOP:
    case NB_LCM_SHUTDOWN:
    case NB_LCM_SHUTDOWN_POWEROFF:
    case NB_LCM_SHUTDOWN_UNDEPLOY:
    case NB_LCM_UNKNOWN:
        return move(mv, A(NB_LCM_RUNNING), NB_STEP_NONE, 0);

    /* a failed cleanup ends the same way */
    case NB_LCM_CLEANUP_DELETE:
    case NB_LCM_CLEANUP_RESUBMIT:
        return finish_ok(lcm, hist, mv);

    default:
        if (rest_of(lcm, &rest))
            return move(mv, rest, NB_STEP_NONE, NB_MOVE_ROLLBACK);
        /* RUNNING (reboot failed), LCM_INIT, the other *_FAILURE states:
         * nothing changes */
        return stay(mv, A(lcm));
    }
}

static int finish(int lcm, bool ok, int hist, nb_lcm_move *mv)
{
    return ok ? finish_ok(lcm, hist, mv) : finish_fail(lcm, hist, mv);
}

/* ---- API actions ----------------------------------------------------------- */

static bool is_active(nb_vm_phase p, int lcm)
{
    return p.state == NB_VM_ACTIVE && p.lcm == lcm;
}

static bool running_or_unknown(nb_vm_phase p)
{
    return is_active(p, NB_LCM_RUNNING) || is_active(p, NB_LCM_UNKNOWN);
}

/* Phases whose VM holds capacity (and an open record) on a host. */
static bool on_host(nb_vm_phase p)
{
    return p.state == NB_VM_ACTIVE || p.state == NB_VM_POWEROFF || p.state == NB_VM_SUSPENDED;
}

/* Phases that may carry RESCHED = 1. */
static bool reschedulable(nb_vm_phase p)
{
    return running_or_unknown(p) || p.state == NB_VM_POWEROFF;
}

/* terminate / undeploy / poweroff of a running guest: ACPI shutdown or
 * destroy, into `shut_lcm`.  The hard variant may also override a soft one
 * that hangs (already in `shut_lcm`). */
static int shut_down(nb_vm_phase f, bool hard, int shut_lcm, nb_lcm_move *mv)
{
    if (running_or_unknown(f) || (hard && is_active(f, shut_lcm)))
        return move(mv, A(shut_lcm), hard ? NB_STEP_CANCEL : NB_STEP_SHUTDOWN, 0);
    return -1;
}

static int terminate(nb_vm_phase f, bool hard, nb_lcm_move *mv)
{
    switch (f.state) {
    case NB_VM_INIT:
    case NB_VM_PENDING:
    case NB_VM_HOLD:
    case NB_VM_CLONING:
    case NB_VM_CLONING_FAILURE:
        return move(mv, S(NB_VM_DONE), NB_STEP_NONE, NB_MOVE_DONE);
    case NB_VM_DONE:            /* OpenNebula answers success, does nothing */
        return stay(mv, f);
    /* not running: hard makes no difference.  From STOPPED/UNDEPLOYED the
     * EPILOG works where the files are, the system datastore (OpenNebula's
     * "local" epilog); the caller tells from the phase it left. */
    case NB_VM_POWEROFF:
    case NB_VM_SUSPENDED:
    case NB_VM_STOPPED:
    case NB_VM_UNDEPLOYED:
        return move(mv, A(NB_LCM_EPILOG), NB_STEP_EPILOG, 0);
    case NB_VM_ACTIVE:
        if (is_failure(f.lcm))  /* treated as recover delete */
            return move(mv, A(NB_LCM_CLEANUP_DELETE), NB_STEP_CLEANUP, LEAVE);
        return shut_down(f, hard, NB_LCM_SHUTDOWN, mv);
    default:
        return -1;
    }
}

static int deploy(nb_vm_phase f, int hist, nb_lcm_move *mv)
{
    int lcm;
    enum nb_vm_step step;

    switch (f.state) {
    case NB_VM_PENDING:
    case NB_VM_HOLD:
        /* a resumed STOPPED/UNDEPLOYED VM gets its files back, it is not
         * prologued afresh from its images */
        if (hist_is(hist, NB_ACT_STOP))
            goto resume;
        if (hist_is(hist, NB_ACT_UNDEPLOY) || hist_is(hist, NB_ACT_UNDEPLOY_HARD))
            goto undeploy;
        lcm = NB_LCM_PROLOG;
        step = NB_STEP_PROLOG;
        break;
    case NB_VM_STOPPED:
resume:
        lcm = NB_LCM_PROLOG_RESUME;
        step = NB_STEP_PROLOG_RESUME;
        break;
    case NB_VM_UNDEPLOYED:
undeploy:
        lcm = NB_LCM_PROLOG_UNDEPLOY;
        step = NB_STEP_PROLOG_UNDEPLOY;
        break;
    default:
        return -1;
    }
    return move(mv, A(lcm), step, NB_MOVE_HISTORY_OPEN);
}

/* migrate types 0 (save), 1 (poweroff), 2 (poweroff-hard) */
static int migrate(nb_vm_phase f, enum nb_vm_step save_step, nb_lcm_move *mv)
{
    const unsigned flags = NB_MOVE_HISTORY_OPEN;

    if (is_active(f, NB_LCM_RUNNING))
        return move(mv, A(NB_LCM_SAVE_MIGRATE), save_step, flags);
    /* not running on the source: the files move at once, the VM leaves it */
    if (f.state == NB_VM_POWEROFF)
        return move(mv, A(NB_LCM_PROLOG_MIGRATE_POWEROFF), NB_STEP_PROLOG_MIGRATE, flags | LEAVE);
    if (f.state == NB_VM_SUSPENDED)
        return move(mv, A(NB_LCM_PROLOG_MIGRATE_SUSPEND), NB_STEP_PROLOG_MIGRATE, flags | LEAVE);
    if (is_active(f, NB_LCM_UNKNOWN))
        return move(mv, A(NB_LCM_PROLOG_MIGRATE_UNKNOWN), NB_STEP_PROLOG_MIGRATE, flags | LEAVE);
    return -1;
}

static int resume(nb_vm_phase f, nb_lcm_move *mv)
{
    switch (f.state) {
    case NB_VM_POWEROFF:
        return move(mv, A(NB_LCM_BOOT_POWEROFF), NB_STEP_DEPLOY, NB_MOVE_HISTORY_COPY);
    case NB_VM_SUSPENDED:
        return move(mv, A(NB_LCM_BOOT_SUSPENDED), NB_STEP_RESTORE, NB_MOVE_HISTORY_COPY);
    case NB_VM_STOPPED:         /* rescheduled, maybe to another host */
    case NB_VM_UNDEPLOYED:
        return move(mv, S(NB_VM_PENDING), NB_STEP_NONE, 0);
    case NB_VM_ACTIVE:
        if (f.lcm == NB_LCM_UNKNOWN)
            return move(mv, A(NB_LCM_BOOT_UNKNOWN), NB_STEP_DEPLOY, 0);
        return -1;
    default:
        return -1;
    }
}

/* recover 0 / 1: pretend the pending operation failed / succeeded */
static int recover(nb_vm_phase f, bool ok, int hist, nb_lcm_move *mv)
{
    if (f.state == NB_VM_CLONING_FAILURE)   /* the image copies, once more */
        return ok ? move(mv, S(NB_VM_PENDING), NB_STEP_NONE, 0) : stay(mv, f);
    if (f.state != NB_VM_ACTIVE)
        return -1;
    return finish(f.lcm, ok, hist, mv);
}

/* recover 2: re-run the step that failed, or the one in progress */
static int retry(nb_vm_phase f, int hist, nb_lcm_move *mv)
{
    int lcm;

    if (f.state != NB_VM_ACTIVE)
        return -1;
    lcm = is_failure(f.lcm) ? in_progress_of(f.lcm) : f.lcm;
    /* states with nothing to re-run: OpenNebula answers success */
    return move(mv, A(lcm), primary_step(lcm, hist), 0);
}

/* recover 3: cancel whatever runs, clean the host up, then DONE */
static int recover_delete(nb_vm_phase f, nb_lcm_move *mv)
{
    switch (f.state) {
    case NB_VM_INIT:
    case NB_VM_PENDING:
    case NB_VM_HOLD:
    case NB_VM_CLONING:
    case NB_VM_CLONING_FAILURE:
        return move(mv, S(NB_VM_DONE), NB_STEP_NONE, NB_MOVE_DONE);
    case NB_VM_DONE:
        return stay(mv, f);
    case NB_VM_ACTIVE:
        if (f.lcm == NB_LCM_CLEANUP_DELETE)     /* already cleaning: DONE now */
            return move(mv, S(NB_VM_DONE), NB_STEP_NONE, NB_MOVE_DONE);
        if (f.lcm == NB_LCM_CLEANUP_RESUBMIT)   /* same cleanup, other end */
            return move(mv, A(NB_LCM_CLEANUP_DELETE), NB_STEP_NONE, 0);
        break;
    default:
        break;
    }
    return move(mv, A(NB_LCM_CLEANUP_DELETE), NB_STEP_CLEANUP, on_host(f) ? LEAVE : 0);
}

/* recover 4: the same cleanup, then PENDING again */
static int recover_recreate(nb_vm_phase f, nb_lcm_move *mv)
{
    switch (f.state) {
    case NB_VM_INIT:            /* nothing placed yet: OpenNebula answers success */
    case NB_VM_PENDING:
    case NB_VM_CLONING:
    case NB_VM_CLONING_FAILURE:
        return stay(mv, f);
    case NB_VM_HOLD:
        return move(mv, S(NB_VM_PENDING), NB_STEP_NONE, NB_MOVE_RESUBMIT);
    case NB_VM_POWEROFF:        /* "Resume it first" */
    case NB_VM_SUSPENDED:
    case NB_VM_DONE:
        return -1;
    case NB_VM_ACTIVE:
        if (f.lcm == NB_LCM_CLEANUP_DELETE)
            return -1;
        if (f.lcm == NB_LCM_CLEANUP_RESUBMIT)   /* do not wait for the cleanup */
            return move(mv, S(NB_VM_PENDING), NB_STEP_NONE, NB_MOVE_RESUBMIT);
        break;
    default:
        break;
    }
    return move(mv, A(NB_LCM_CLEANUP_RESUBMIT), NB_STEP_CLEANUP, on_host(f) ? LEAVE : 0);
}

/* recover 5: DONE with no driver call */
static int recover_delete_db(nb_vm_phase f, nb_lcm_move *mv)
{
    if (f.state == NB_VM_DONE)
        return stay(mv, f);
    return move(mv, S(NB_VM_DONE), NB_STEP_NONE,
                NB_MOVE_DONE | NB_MOVE_DELETE_DB | (on_host(f) ? LEAVE : 0));
}

/* disk/NIC hotplug: live on RUNNING; on POWEROFF the same step names the
 * cold path -- TM prolog/epilog of the one disk in HOTPLUG_PROLOG_POWEROFF /
 * HOTPLUG_EPILOG_POWEROFF, the driver's cold NIC change in
 * HOTPLUG_NIC_POWEROFF (OpenNebula skips the step when the driver has none) */
static int hotplug(nb_vm_phase f, int live_lcm, int poff_lcm, enum nb_vm_step step,
                   nb_lcm_move *mv)
{
    if (is_active(f, NB_LCM_RUNNING))
        return move(mv, A(live_lcm), step, 0);
    if (f.state == NB_VM_POWEROFF)
        return move(mv, A(poff_lcm), step, 0);
    return -1;
}

static int resize(nb_vm_phase f, nb_lcm_move *mv)
{
    switch (f.state) {
    case NB_VM_ACTIVE:
        if (f.lcm == NB_LCM_RUNNING)
            return move(mv, A(NB_LCM_HOTPLUG_RESIZE), NB_STEP_RESIZE, 0);
        return -1;
    /* cold: only the template (and the capacity it asks) changes */
    case NB_VM_POWEROFF:
    case NB_VM_UNDEPLOYED:
    case NB_VM_INIT:
    case NB_VM_PENDING:
    case NB_VM_HOLD:
    case NB_VM_CLONING:
    case NB_VM_CLONING_FAILURE:
        return stay(mv, f);
    default:
        return -1;
    }
}

static int dispatch(nb_vm_phase f, int hist, enum nb_vm_action a, nb_lcm_move *mv)
{
    switch (a) {
    case NB_ACT_TERMINATE:
    case NB_ACT_TERMINATE_HARD:
        return terminate(f, a == NB_ACT_TERMINATE_HARD, mv);
    case NB_ACT_UNDEPLOY:
    case NB_ACT_UNDEPLOY_HARD:
        if (f.state == NB_VM_POWEROFF)  /* nothing to shut down */
            return move(mv, A(NB_LCM_EPILOG_UNDEPLOY), NB_STEP_EPILOG_UNDEPLOY, 0);
        return shut_down(f, a == NB_ACT_UNDEPLOY_HARD, NB_LCM_SHUTDOWN_UNDEPLOY, mv);
    case NB_ACT_POWEROFF:
    case NB_ACT_POWEROFF_HARD:
        return shut_down(f, a == NB_ACT_POWEROFF_HARD, NB_LCM_SHUTDOWN_POWEROFF, mv);
    case NB_ACT_REBOOT:
    case NB_ACT_REBOOT_HARD:
        if (!is_active(f, NB_LCM_RUNNING))
            return -1;
        return move(mv, f, a == NB_ACT_REBOOT_HARD ? NB_STEP_RESET : NB_STEP_REBOOT, 0);
    case NB_ACT_SUSPEND:
        if (!is_active(f, NB_LCM_RUNNING))
            return -1;
        return move(mv, A(NB_LCM_SAVE_SUSPEND), NB_STEP_SAVE, 0);
    case NB_ACT_RESUME:
        return resume(f, mv);
    case NB_ACT_STOP:
        if (is_active(f, NB_LCM_RUNNING))
            return move(mv, A(NB_LCM_SAVE_STOP), NB_STEP_SAVE, 0);
        if (f.state == NB_VM_SUSPENDED) /* already saved */
            return move(mv, A(NB_LCM_EPILOG_STOP), NB_STEP_EPILOG_STOP, 0);
        return -1;
    case NB_ACT_HOLD:
        return f.state == NB_VM_PENDING ? move(mv, S(NB_VM_HOLD), NB_STEP_NONE, 0) : -1;
    case NB_ACT_RELEASE:
        return f.state == NB_VM_HOLD ? move(mv, S(NB_VM_PENDING), NB_STEP_NONE, 0) : -1;
    case NB_ACT_RESCHED:
    case NB_ACT_UNRESCHED:
        if (!reschedulable(f))
            return -1;
        return move(mv, f, NB_STEP_NONE,
                    a == NB_ACT_RESCHED ? NB_MOVE_RESCHED_SET : NB_MOVE_RESCHED_CLEAR);
    case NB_ACT_DEPLOY:
        return deploy(f, hist, mv);
    case NB_ACT_MIGRATE_LIVE:
        if (!is_active(f, NB_LCM_RUNNING))
            return -1;
        return move(mv, A(NB_LCM_MIGRATE), NB_STEP_MIGRATE, NB_MOVE_HISTORY_OPEN);
    case NB_ACT_MIGRATE:
        return migrate(f, NB_STEP_SAVE, mv);
    case NB_ACT_MIGRATE_POWEROFF:
        return migrate(f, NB_STEP_SHUTDOWN, mv);
    case NB_ACT_MIGRATE_POWEROFF_HARD:
        return migrate(f, NB_STEP_CANCEL, mv);
    case NB_ACT_RECOVER_FAILURE:
    case NB_ACT_RECOVER_SUCCESS:
        return recover(f, a == NB_ACT_RECOVER_SUCCESS, hist, mv);
    case NB_ACT_RECOVER_RETRY:
        return retry(f, hist, mv);
    case NB_ACT_RECOVER_DELETE:
        return recover_delete(f, mv);
    case NB_ACT_RECOVER_DELETE_RECREATE:
        return recover_recreate(f, mv);
    case NB_ACT_RECOVER_DELETE_DB:
        return recover_delete_db(f, mv);
    case NB_ACT_DISK_ATTACH:
        return hotplug(f, NB_LCM_HOTPLUG, NB_LCM_HOTPLUG_PROLOG_POWEROFF, NB_STEP_ATTACH_DISK, mv);
    case NB_ACT_DISK_DETACH:
        return hotplug(f, NB_LCM_HOTPLUG, NB_LCM_HOTPLUG_EPILOG_POWEROFF, NB_STEP_DETACH_DISK, mv);
    case NB_ACT_NIC_ATTACH:
        return hotplug(f, NB_LCM_HOTPLUG_NIC, NB_LCM_HOTPLUG_NIC_POWEROFF, NB_STEP_ATTACH_NIC, mv);
    case NB_ACT_NIC_DETACH:
        return hotplug(f, NB_LCM_HOTPLUG_NIC, NB_LCM_HOTPLUG_NIC_POWEROFF, NB_STEP_DETACH_NIC, mv);
    case NB_ACT_RESIZE:
        return resize(f, mv);
    case NB_ACT_SNAPSHOT_CREATE:
    case NB_ACT_SNAPSHOT_REVERT:
    case NB_ACT_SNAPSHOT_DELETE:
        if (!is_active(f, NB_LCM_RUNNING))
            return -1;
        return move(mv, A(NB_LCM_HOTPLUG_SNAPSHOT),
                    a == NB_ACT_SNAPSHOT_CREATE   ? NB_STEP_SNAPSHOT_CREATE
                    : a == NB_ACT_SNAPSHOT_REVERT ? NB_STEP_SNAPSHOT_REVERT
                                                  : NB_STEP_SNAPSHOT_DELETE,
                    0);
    default:
        return -1;
    }
}

static bool is_recover_op(enum nb_vm_action a)
{
    return a == NB_ACT_RECOVER_FAILURE || a == NB_ACT_RECOVER_SUCCESS ||
           a == NB_ACT_RECOVER_RETRY;
}

int nb_lcm_action_hist(nb_vm_phase from, int hist_action, enum nb_vm_action a,
                       nb_lcm_move *mv)
{
    nb_lcm_move m;
    bool changes;

    if (mv == NULL || !act_valid(a) || !phase_exists(from))
        return -1;
    if (dispatch(from, hist_action, a, &m) < 0)
        return -1;

    changes = m.step != NB_STEP_NONE || m.to.state != from.state || m.to.lcm != from.lcm;

    /* Flags every action family shares, see the top of the file. */
    if (act_tab[a].records &&
        (m.step != NB_STEP_NONE || (m.flags & (NB_MOVE_HISTORY_OPEN | NB_MOVE_RESUBMIT))))
        m.flags |= NB_MOVE_SET_ACTION;
    if (reschedulable(from) && changes && !is_recover_op(a))
        m.flags |= NB_MOVE_RESCHED_CLEAR;

    *mv = m;
    return 0;
}

int nb_lcm_action(nb_vm_phase from, enum nb_vm_action a, nb_lcm_move *mv)
{
    return nb_lcm_action_hist(from, 0, a, mv);
}

/* ---- driver reports -------------------------------------------------------- */

int nb_lcm_step_done_hist(nb_vm_phase from, int hist_action, enum nb_vm_step step,
                          bool ok, nb_lcm_move *mv)
{
    if (mv == NULL || !phase_exists(from) || from.state != NB_VM_ACTIVE)
        return -1;
    if ((int)step <= NB_STEP_NONE || step >= NB_STEP_COUNT || !(waits_for(from.lcm) & BIT(step)))
        return -1;
    return finish(from.lcm, ok, hist_action, mv);
}

int nb_lcm_step_done(nb_vm_phase from, enum nb_vm_step step, bool ok, nb_lcm_move *mv)
{
    return nb_lcm_step_done_hist(from, 0, step, ok, mv);
}

/* ---- monitoring ------------------------------------------------------------ */

static bool is_boot(int lcm)
{
    switch (lcm) {
    case NB_LCM_BOOT:
    case NB_LCM_BOOT_POWEROFF:
    case NB_LCM_BOOT_UNKNOWN:
    case NB_LCM_BOOT_SUSPENDED:
    case NB_LCM_BOOT_STOPPED:
    case NB_LCM_BOOT_UNDEPLOY:
    case NB_LCM_BOOT_MIGRATE:
    case NB_LCM_BOOT_FAILURE:
    case NB_LCM_BOOT_MIGRATE_FAILURE:
    case NB_LCM_BOOT_STOPPED_FAILURE:
    case NB_LCM_BOOT_UNDEPLOY_FAILURE:
        return true;
    default:
        return false;
    }
}

static bool is_shutdown(int lcm)
{
    return lcm == NB_LCM_SHUTDOWN || lcm == NB_LCM_SHUTDOWN_POWEROFF ||
           lcm == NB_LCM_SHUTDOWN_UNDEPLOY;
}

/*
 * Only what OpenNebula's monitor_* handlers act on; any other combination
 * (a transient state, a VM already where monitoring says) changes nothing.
 * The caller applies OpenNebula's guard against racing the driver (a report
 * within 30 s of the VM's last state change is ignored).
 */
int nb_lcm_observed(nb_vm_phase from, enum nb_vm_seen seen, nb_lcm_move *mv)
{
    bool act = from.state == NB_VM_ACTIVE;

    if (mv == NULL || !phase_exists(from))
        return -1;

    switch (seen) {
    case NB_SEEN_RUNNING:
        if (is_active(from, NB_LCM_UNKNOWN))
            return move(mv, A(NB_LCM_RUNNING), NB_STEP_NONE, 0);
        if (from.state == NB_VM_POWEROFF || from.state == NB_VM_SUSPENDED)
            return move(mv, A(NB_LCM_RUNNING), NB_STEP_NONE, NB_MOVE_HISTORY_COPY);
        if (act && is_boot(from.lcm))   /* as the deploy success */
            return finish_ok(from.lcm, 0, mv);
        break;
    case NB_SEEN_POWEROFF:
    case NB_SEEN_MISSING:       /* MISSING_STATE = POWEROFF, the default */
        if (running_or_unknown(from))   /* host capacity kept */
            return move(mv, S(NB_VM_POWEROFF), NB_STEP_NONE, NB_MOVE_RESCHED_CLEAR);
        if (act && is_shutdown(from.lcm))   /* as the shutdown success */
            return finish_ok(from.lcm, 0, mv);
        break;
    case NB_SEEN_SUSPENDED:
        if (running_or_unknown(from))
            return move(mv, S(NB_VM_SUSPENDED), NB_STEP_NONE, NB_MOVE_RESCHED_CLEAR);
        break;
    case NB_SEEN_FAILURE:
    case NB_SEEN_HOST_ERROR:
        if (is_active(from, NB_LCM_RUNNING))
            return move(mv, A(NB_LCM_UNKNOWN), NB_STEP_NONE, NB_MOVE_RESCHED_CLEAR);
        break;
    default:
        return -1;
    }
    return stay(mv, from);
}
