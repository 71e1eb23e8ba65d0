/*
 * test_lifecycle.c: the VM state machine (reference §7, §2.10), checked
 * against tables written here by hand from the reference and OpenNebula's
 * LifeCycleManager / DispatchManager -- never computed from the code under
 * test.  Every (phase, action), (phase, step, result) and (phase, seen)
 * combination is asserted: a combination missing from a table must be
 * refused (actions, steps) or change nothing (monitoring).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "oned/lifecycle.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define AC(l) { NB_VM_ACTIVE, NB_LCM_##l }
#define ST(s) { NB_VM_##s, NB_LCM_INIT }

/* flags, short */
#define OPEN    NB_MOVE_HISTORY_OPEN
#define CLOSE   NB_MOVE_HISTORY_CLOSE
#define REL     NB_MOVE_HOST_RELEASE
#define LEAVE   (CLOSE | REL)
#define DONE_   NB_MOVE_DONE
#define RS_SET  NB_MOVE_RESCHED_SET
#define RS_CLR  NB_MOVE_RESCHED_CLEAR
#define DDB     NB_MOVE_DELETE_DB
#define RESUB   NB_MOVE_RESUBMIT
#define RB      NB_MOVE_ROLLBACK
#define REV     NB_MOVE_HISTORY_REVERT
#define COPY    NB_MOVE_HISTORY_COPY
#define SETA    NB_MOVE_SET_ACTION

/* An expected outcome: refused, a move, or accepted without any change. */
typedef struct expect {
    int kind;               /* 0 refused, 1 move, 2 same phase / no step / no flag */
    nb_vm_phase to;
    enum nb_vm_step step;
    unsigned flags;
} expect;

#define NO          { 0, { 0, 0 }, NB_STEP_NONE, 0 }
#define R(to, s, f) { 1, to, NB_STEP_##s, (f) }
#define SAME        { 2, { 0, 0 }, NB_STEP_NONE, 0 }

/* Every phase that exists: 10 STATEs with LCM_STATE 0, ACTIVE x 68. */
static const nb_vm_phase PHASES[] = {
    ST(INIT), ST(PENDING), ST(HOLD), ST(STOPPED), ST(SUSPENDED), ST(DONE),
    ST(POWEROFF), ST(UNDEPLOYED), ST(CLONING), ST(CLONING_FAILURE),
    AC(INIT), AC(PROLOG), AC(BOOT), AC(RUNNING), AC(MIGRATE), AC(SAVE_STOP),
    AC(SAVE_SUSPEND), AC(SAVE_MIGRATE), AC(PROLOG_MIGRATE), AC(PROLOG_RESUME),
    AC(EPILOG_STOP), AC(EPILOG), AC(SHUTDOWN), AC(CLEANUP_RESUBMIT), AC(UNKNOWN),
    AC(HOTPLUG), AC(SHUTDOWN_POWEROFF), AC(BOOT_UNKNOWN), AC(BOOT_POWEROFF),
    AC(BOOT_SUSPENDED), AC(BOOT_STOPPED), AC(CLEANUP_DELETE), AC(HOTPLUG_SNAPSHOT),
    AC(HOTPLUG_NIC), AC(HOTPLUG_SAVEAS), AC(HOTPLUG_SAVEAS_POWEROFF),
    AC(HOTPLUG_SAVEAS_SUSPENDED), AC(SHUTDOWN_UNDEPLOY), AC(EPILOG_UNDEPLOY),
    AC(PROLOG_UNDEPLOY), AC(BOOT_UNDEPLOY), AC(HOTPLUG_PROLOG_POWEROFF),
    AC(HOTPLUG_EPILOG_POWEROFF), AC(BOOT_MIGRATE), AC(BOOT_FAILURE),
    AC(BOOT_MIGRATE_FAILURE), AC(PROLOG_MIGRATE_FAILURE), AC(PROLOG_FAILURE),
    AC(EPILOG_FAILURE), AC(EPILOG_STOP_FAILURE), AC(EPILOG_UNDEPLOY_FAILURE),
    AC(PROLOG_MIGRATE_POWEROFF), AC(PROLOG_MIGRATE_POWEROFF_FAILURE),
    AC(PROLOG_MIGRATE_SUSPEND), AC(PROLOG_MIGRATE_SUSPEND_FAILURE),
    AC(BOOT_UNDEPLOY_FAILURE), AC(BOOT_STOPPED_FAILURE), AC(PROLOG_RESUME_FAILURE),
    AC(PROLOG_UNDEPLOY_FAILURE), AC(DISK_SNAPSHOT_POWEROFF),
    AC(DISK_SNAPSHOT_REVERT_POWEROFF), AC(DISK_SNAPSHOT_DELETE_POWEROFF),
    AC(DISK_SNAPSHOT_SUSPENDED), AC(DISK_SNAPSHOT_DELETE_SUSPENDED), AC(DISK_SNAPSHOT),
    AC(DISK_SNAPSHOT_DELETE), AC(PROLOG_MIGRATE_UNKNOWN),
    AC(PROLOG_MIGRATE_UNKNOWN_FAILURE), AC(DISK_RESIZE), AC(DISK_RESIZE_POWEROFF),
    AC(DISK_RESIZE_UNDEPLOYED), AC(HOTPLUG_NIC_POWEROFF), AC(HOTPLUG_RESIZE),
    AC(HOTPLUG_SAVEAS_UNDEPLOYED), AC(HOTPLUG_SAVEAS_STOPPED), AC(BACKUP),
    AC(BACKUP_POWEROFF), AC(RESTORE),
};

static unsigned long cells;     /* asserted (phase, event) combinations */

static bool same_phase(nb_vm_phase a, nb_vm_phase b)
{
    return a.state == b.state && a.lcm == b.lcm;
}

static const char *pname(nb_vm_phase p, char *buf, size_t n)
{
    const char *s = nb_vm_state_name(p.state);
    const char *l = nb_lcm_state_name(p.lcm);
    snprintf(buf, n, "%s/%s", s ? s : "?", p.state == NB_VM_ACTIVE && l ? l : "-");
    return buf;
}

static void check(const char *what, int event, nb_vm_phase from, int rc, const nb_lcm_move *mv,
                  const expect *e)
{
    char b1[64], b2[64];
    bool good;
    nb_vm_phase to = e->kind == 2 ? from : e->to;

    cells++;
    if (e->kind == 0)
        good = rc == -1;
    else
        good = rc == 0 && same_phase(mv->to, to) && mv->step == e->step && mv->flags == e->flags;
    if (!good) {
        if (rc == 0)
            print_error("%s %d from %s: got %s step %d flags %#x\n", what, event,
                        pname(from, b1, sizeof b1), pname(mv->to, b2, sizeof b2), mv->step,
                        mv->flags);
        else
            print_error("%s %d from %s: refused\n", what, event, pname(from, b1, sizeof b1));
        if (e->kind == 0)
            print_error("   want: refused\n");
        else
            print_error("   want: %s step %d flags %#x\n", pname(to, b2, sizeof b2), e->step,
                        e->flags);
        fail();
    }
}

/* ---- actions other than recover ------------------------------------------------ */

typedef struct act_row {
    nb_vm_phase from;
    enum nb_vm_action a;
    expect e;
} act_row;

#define ROW(from, act, e) { from, NB_ACT_##act, e }

static const act_row ACT_TABLE[] = {
    /* terminate: nothing placed -> DONE at once */
    ROW(ST(INIT), TERMINATE, R(ST(DONE), NONE, DONE_)),
    ROW(ST(PENDING), TERMINATE, R(ST(DONE), NONE, DONE_)),
    ROW(ST(HOLD), TERMINATE, R(ST(DONE), NONE, DONE_)),
    ROW(ST(CLONING), TERMINATE, R(ST(DONE), NONE, DONE_)),
    ROW(ST(CLONING_FAILURE), TERMINATE, R(ST(DONE), NONE, DONE_)),
    ROW(ST(DONE), TERMINATE, SAME),
    /* not running: straight to EPILOG */
    ROW(ST(POWEROFF), TERMINATE, R(AC(EPILOG), EPILOG, SETA | RS_CLR)),
    ROW(ST(SUSPENDED), TERMINATE, R(AC(EPILOG), EPILOG, SETA)),
    ROW(ST(STOPPED), TERMINATE, R(AC(EPILOG), EPILOG, SETA)),
    ROW(ST(UNDEPLOYED), TERMINATE, R(AC(EPILOG), EPILOG, SETA)),
    ROW(AC(RUNNING), TERMINATE, R(AC(SHUTDOWN), SHUTDOWN, SETA | RS_CLR)),
    ROW(AC(UNKNOWN), TERMINATE, R(AC(SHUTDOWN), SHUTDOWN, SETA | RS_CLR)),
    /* failure states: as recover delete */
    ROW(AC(BOOT_FAILURE), TERMINATE, R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),
    ROW(AC(BOOT_MIGRATE_FAILURE), TERMINATE, R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),
    ROW(AC(PROLOG_MIGRATE_FAILURE), TERMINATE, R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),
    ROW(AC(PROLOG_FAILURE), TERMINATE, R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),
    ROW(AC(EPILOG_FAILURE), TERMINATE, R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),
    ROW(AC(EPILOG_STOP_FAILURE), TERMINATE, R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),
    ROW(AC(EPILOG_UNDEPLOY_FAILURE), TERMINATE, R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),
    ROW(AC(PROLOG_MIGRATE_POWEROFF_FAILURE), TERMINATE,
        R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),
    ROW(AC(PROLOG_MIGRATE_SUSPEND_FAILURE), TERMINATE,
        R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),
    ROW(AC(BOOT_UNDEPLOY_FAILURE), TERMINATE, R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),
    ROW(AC(BOOT_STOPPED_FAILURE), TERMINATE, R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),
    ROW(AC(PROLOG_RESUME_FAILURE), TERMINATE, R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),
    ROW(AC(PROLOG_UNDEPLOY_FAILURE), TERMINATE, R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),
    ROW(AC(PROLOG_MIGRATE_UNKNOWN_FAILURE), TERMINATE,
        R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),

    /* terminate-hard: the same, CANCEL, and overriding a hung SHUTDOWN */
    ROW(ST(INIT), TERMINATE_HARD, R(ST(DONE), NONE, DONE_)),
    ROW(ST(PENDING), TERMINATE_HARD, R(ST(DONE), NONE, DONE_)),
    ROW(ST(HOLD), TERMINATE_HARD, R(ST(DONE), NONE, DONE_)),
    ROW(ST(CLONING), TERMINATE_HARD, R(ST(DONE), NONE, DONE_)),
    ROW(ST(CLONING_FAILURE), TERMINATE_HARD, R(ST(DONE), NONE, DONE_)),
    ROW(ST(DONE), TERMINATE_HARD, SAME),
    ROW(ST(POWEROFF), TERMINATE_HARD, R(AC(EPILOG), EPILOG, SETA | RS_CLR)),
    ROW(ST(SUSPENDED), TERMINATE_HARD, R(AC(EPILOG), EPILOG, SETA)),
    ROW(ST(STOPPED), TERMINATE_HARD, R(AC(EPILOG), EPILOG, SETA)),
    ROW(ST(UNDEPLOYED), TERMINATE_HARD, R(AC(EPILOG), EPILOG, SETA)),
    ROW(AC(RUNNING), TERMINATE_HARD, R(AC(SHUTDOWN), CANCEL, SETA | RS_CLR)),
    ROW(AC(UNKNOWN), TERMINATE_HARD, R(AC(SHUTDOWN), CANCEL, SETA | RS_CLR)),
    ROW(AC(SHUTDOWN), TERMINATE_HARD, R(AC(SHUTDOWN), CANCEL, SETA)),
    ROW(AC(BOOT_FAILURE), TERMINATE_HARD, R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),
    ROW(AC(BOOT_MIGRATE_FAILURE), TERMINATE_HARD, R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),
    ROW(AC(PROLOG_MIGRATE_FAILURE), TERMINATE_HARD,
        R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),
    ROW(AC(PROLOG_FAILURE), TERMINATE_HARD, R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),
    ROW(AC(EPILOG_FAILURE), TERMINATE_HARD, R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),
    ROW(AC(EPILOG_STOP_FAILURE), TERMINATE_HARD, R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),
    ROW(AC(EPILOG_UNDEPLOY_FAILURE), TERMINATE_HARD,
        R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),
    ROW(AC(PROLOG_MIGRATE_POWEROFF_FAILURE), TERMINATE_HARD,
        R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),
    ROW(AC(PROLOG_MIGRATE_SUSPEND_FAILURE), TERMINATE_HARD,
        R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),
    ROW(AC(BOOT_UNDEPLOY_FAILURE), TERMINATE_HARD,
        R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),
    ROW(AC(BOOT_STOPPED_FAILURE), TERMINATE_HARD, R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),
    ROW(AC(PROLOG_RESUME_FAILURE), TERMINATE_HARD,
        R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),
    ROW(AC(PROLOG_UNDEPLOY_FAILURE), TERMINATE_HARD,
        R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),
    ROW(AC(PROLOG_MIGRATE_UNKNOWN_FAILURE), TERMINATE_HARD,
        R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)),

    /* undeploy: from POWEROFF without shutting down */
    ROW(AC(RUNNING), UNDEPLOY, R(AC(SHUTDOWN_UNDEPLOY), SHUTDOWN, SETA | RS_CLR)),
    ROW(AC(UNKNOWN), UNDEPLOY, R(AC(SHUTDOWN_UNDEPLOY), SHUTDOWN, SETA | RS_CLR)),
    ROW(ST(POWEROFF), UNDEPLOY, R(AC(EPILOG_UNDEPLOY), EPILOG_UNDEPLOY, SETA | RS_CLR)),
    ROW(AC(RUNNING), UNDEPLOY_HARD, R(AC(SHUTDOWN_UNDEPLOY), CANCEL, SETA | RS_CLR)),
    ROW(AC(UNKNOWN), UNDEPLOY_HARD, R(AC(SHUTDOWN_UNDEPLOY), CANCEL, SETA | RS_CLR)),
    ROW(AC(SHUTDOWN_UNDEPLOY), UNDEPLOY_HARD, R(AC(SHUTDOWN_UNDEPLOY), CANCEL, SETA)),
    ROW(ST(POWEROFF), UNDEPLOY_HARD, R(AC(EPILOG_UNDEPLOY), EPILOG_UNDEPLOY, SETA | RS_CLR)),

    /* poweroff */
    ROW(AC(RUNNING), POWEROFF, R(AC(SHUTDOWN_POWEROFF), SHUTDOWN, SETA | RS_CLR)),
    ROW(AC(UNKNOWN), POWEROFF, R(AC(SHUTDOWN_POWEROFF), SHUTDOWN, SETA | RS_CLR)),
    ROW(AC(RUNNING), POWEROFF_HARD, R(AC(SHUTDOWN_POWEROFF), CANCEL, SETA | RS_CLR)),
    ROW(AC(UNKNOWN), POWEROFF_HARD, R(AC(SHUTDOWN_POWEROFF), CANCEL, SETA | RS_CLR)),
    ROW(AC(SHUTDOWN_POWEROFF), POWEROFF_HARD, R(AC(SHUTDOWN_POWEROFF), CANCEL, SETA)),

    /* reboot: stays RUNNING, cancels a pending resched */
    ROW(AC(RUNNING), REBOOT, R(AC(RUNNING), REBOOT, RS_CLR)),
    ROW(AC(RUNNING), REBOOT_HARD, R(AC(RUNNING), RESET, RS_CLR)),

    ROW(AC(RUNNING), SUSPEND, R(AC(SAVE_SUSPEND), SAVE, SETA | RS_CLR)),

    /* resume */
    ROW(ST(POWEROFF), RESUME, R(AC(BOOT_POWEROFF), DEPLOY, SETA | RS_CLR | COPY)),
    ROW(AC(UNKNOWN), RESUME, R(AC(BOOT_UNKNOWN), DEPLOY, SETA | RS_CLR)),
    ROW(ST(SUSPENDED), RESUME, R(AC(BOOT_SUSPENDED), RESTORE, SETA | COPY)),
    ROW(ST(STOPPED), RESUME, R(ST(PENDING), NONE, 0)),
    ROW(ST(UNDEPLOYED), RESUME, R(ST(PENDING), NONE, 0)),

    /* stop */
    ROW(AC(RUNNING), STOP, R(AC(SAVE_STOP), SAVE, SETA | RS_CLR)),
    ROW(ST(SUSPENDED), STOP, R(AC(EPILOG_STOP), EPILOG_STOP, SETA)),

    ROW(ST(PENDING), HOLD, R(ST(HOLD), NONE, 0)),
    ROW(ST(HOLD), RELEASE, R(ST(PENDING), NONE, 0)),

    ROW(AC(RUNNING), RESCHED, R(AC(RUNNING), NONE, RS_SET)),
    ROW(AC(UNKNOWN), RESCHED, R(AC(UNKNOWN), NONE, RS_SET)),
    ROW(ST(POWEROFF), RESCHED, R(ST(POWEROFF), NONE, RS_SET)),
    ROW(AC(RUNNING), UNRESCHED, R(AC(RUNNING), NONE, RS_CLR)),
    ROW(AC(UNKNOWN), UNRESCHED, R(AC(UNKNOWN), NONE, RS_CLR)),
    ROW(ST(POWEROFF), UNRESCHED, R(ST(POWEROFF), NONE, RS_CLR)),

    /* deploy (§2.10: PENDING, HOLD, STOPPED, UNDEPLOYED) */
    ROW(ST(PENDING), DEPLOY, R(AC(PROLOG), PROLOG, OPEN | SETA)),
    ROW(ST(HOLD), DEPLOY, R(AC(PROLOG), PROLOG, OPEN | SETA)),
    ROW(ST(STOPPED), DEPLOY, R(AC(PROLOG_RESUME), PROLOG_RESUME, OPEN | SETA)),
    ROW(ST(UNDEPLOYED), DEPLOY, R(AC(PROLOG_UNDEPLOY), PROLOG_UNDEPLOY, OPEN | SETA)),

    /* migrate: live from RUNNING only; cold from RUNNING, POWEROFF,
     * SUSPENDED, UNKNOWN (the last three leave the source at once) */
    ROW(AC(RUNNING), MIGRATE_LIVE, R(AC(MIGRATE), MIGRATE, OPEN | SETA | RS_CLR)),
    ROW(AC(RUNNING), MIGRATE, R(AC(SAVE_MIGRATE), SAVE, OPEN | SETA | RS_CLR)),
    ROW(ST(POWEROFF), MIGRATE,
        R(AC(PROLOG_MIGRATE_POWEROFF), PROLOG_MIGRATE, OPEN | LEAVE | SETA | RS_CLR)),
    ROW(ST(SUSPENDED), MIGRATE, R(AC(PROLOG_MIGRATE_SUSPEND), PROLOG_MIGRATE, OPEN | LEAVE | SETA)),
    ROW(AC(UNKNOWN), MIGRATE,
        R(AC(PROLOG_MIGRATE_UNKNOWN), PROLOG_MIGRATE, OPEN | LEAVE | SETA | RS_CLR)),
    ROW(AC(RUNNING), MIGRATE_POWEROFF, R(AC(SAVE_MIGRATE), SHUTDOWN, OPEN | SETA | RS_CLR)),
    ROW(ST(POWEROFF), MIGRATE_POWEROFF,
        R(AC(PROLOG_MIGRATE_POWEROFF), PROLOG_MIGRATE, OPEN | LEAVE | SETA | RS_CLR)),
    ROW(ST(SUSPENDED), MIGRATE_POWEROFF,
        R(AC(PROLOG_MIGRATE_SUSPEND), PROLOG_MIGRATE, OPEN | LEAVE | SETA)),
    ROW(AC(UNKNOWN), MIGRATE_POWEROFF,
        R(AC(PROLOG_MIGRATE_UNKNOWN), PROLOG_MIGRATE, OPEN | LEAVE | SETA | RS_CLR)),
    ROW(AC(RUNNING), MIGRATE_POWEROFF_HARD, R(AC(SAVE_MIGRATE), CANCEL, OPEN | SETA | RS_CLR)),
    ROW(ST(POWEROFF), MIGRATE_POWEROFF_HARD,
        R(AC(PROLOG_MIGRATE_POWEROFF), PROLOG_MIGRATE, OPEN | LEAVE | SETA | RS_CLR)),
    ROW(ST(SUSPENDED), MIGRATE_POWEROFF_HARD,
        R(AC(PROLOG_MIGRATE_SUSPEND), PROLOG_MIGRATE, OPEN | LEAVE | SETA)),
    ROW(AC(UNKNOWN), MIGRATE_POWEROFF_HARD,
        R(AC(PROLOG_MIGRATE_UNKNOWN), PROLOG_MIGRATE, OPEN | LEAVE | SETA | RS_CLR)),

    /* hotplug */
    ROW(AC(RUNNING), DISK_ATTACH, R(AC(HOTPLUG), ATTACH_DISK, RS_CLR)),
    ROW(ST(POWEROFF), DISK_ATTACH, R(AC(HOTPLUG_PROLOG_POWEROFF), ATTACH_DISK, RS_CLR)),
    ROW(AC(RUNNING), DISK_DETACH, R(AC(HOTPLUG), DETACH_DISK, RS_CLR)),
    ROW(ST(POWEROFF), DISK_DETACH, R(AC(HOTPLUG_EPILOG_POWEROFF), DETACH_DISK, RS_CLR)),
    ROW(AC(RUNNING), NIC_ATTACH, R(AC(HOTPLUG_NIC), ATTACH_NIC, RS_CLR)),
    ROW(ST(POWEROFF), NIC_ATTACH, R(AC(HOTPLUG_NIC_POWEROFF), ATTACH_NIC, RS_CLR)),
    ROW(AC(RUNNING), NIC_DETACH, R(AC(HOTPLUG_NIC), DETACH_NIC, RS_CLR)),
    ROW(ST(POWEROFF), NIC_DETACH, R(AC(HOTPLUG_NIC_POWEROFF), DETACH_NIC, RS_CLR)),

    /* resize: hot on RUNNING; cold (phase unchanged, no step) */
    ROW(AC(RUNNING), RESIZE, R(AC(HOTPLUG_RESIZE), RESIZE, RS_CLR)),
    ROW(ST(POWEROFF), RESIZE, SAME),
    ROW(ST(UNDEPLOYED), RESIZE, SAME),
    ROW(ST(INIT), RESIZE, SAME),
    ROW(ST(PENDING), RESIZE, SAME),
    ROW(ST(HOLD), RESIZE, SAME),
    ROW(ST(CLONING), RESIZE, SAME),
    ROW(ST(CLONING_FAILURE), RESIZE, SAME),

    /* VM snapshots */
    ROW(AC(RUNNING), SNAPSHOT_CREATE, R(AC(HOTPLUG_SNAPSHOT), SNAPSHOT_CREATE, RS_CLR)),
    ROW(AC(RUNNING), SNAPSHOT_REVERT, R(AC(HOTPLUG_SNAPSHOT), SNAPSHOT_REVERT, RS_CLR)),
    ROW(AC(RUNNING), SNAPSHOT_DELETE, R(AC(HOTPLUG_SNAPSHOT), SNAPSHOT_DELETE, RS_CLR)),
};

static bool is_recover(enum nb_vm_action a)
{
    return a >= NB_ACT_RECOVER_FAILURE && a <= NB_ACT_RECOVER_DELETE_DB;
}

static void test_action_table(void **state)
{
    (void)state;
    unsigned used = 0;

    for (size_t p = 0; p < N(PHASES); p++) {
        for (int a = 0; a < NB_ACT_COUNT; a++) {
            if (is_recover((enum nb_vm_action)a))
                continue;
            static const expect refused = NO;
            const expect *e = &refused;
            for (size_t r = 0; r < N(ACT_TABLE); r++) {
                if (same_phase(ACT_TABLE[r].from, PHASES[p]) && (int)ACT_TABLE[r].a == a) {
                    e = &ACT_TABLE[r].e;
                    used++;
                }
            }
            nb_lcm_move mv;
            memset(&mv, 0xa5, sizeof mv);
            int rc = nb_lcm_action(PHASES[p], (enum nb_vm_action)a, &mv);
            check("action", a, PHASES[p], rc, &mv, e);
        }
    }
    /* every row names a real phase and is used exactly once */
    assert_int_equal(used, N(ACT_TABLE));
}

/* ---- recover 0..5 ------------------------------------------------------------------- */

typedef struct rec_row {
    nb_vm_phase from;
    expect op[6];       /* failure, success, retry, delete, delete-recreate, delete-db */
} rec_row;

/* disposal columns of an ACTIVE VM (on a host): cleanup then DONE / PENDING */
#define DEL_A   R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA)
#define REC_A   R(AC(CLEANUP_RESUBMIT), CLEANUP, LEAVE | SETA)
#define DDB_A   R(ST(DONE), NONE, DONE_ | DDB | LEAVE)
/* the same from RUNNING / UNKNOWN, which may carry RESCHED */
#define DEL_RS  R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA | RS_CLR)
#define REC_RS  R(AC(CLEANUP_RESUBMIT), CLEANUP, LEAVE | SETA | RS_CLR)
#define DDB_RS  R(ST(DONE), NONE, DONE_ | DDB | LEAVE | RS_CLR)

/* (not through R: the phase braces would split into macro arguments) */
#define BACK(to)     { 1, to, NB_STEP_NONE, 0 }
#define BACK_RB(to)  { 1, to, NB_STEP_NONE, RB }

static const rec_row REC_TABLE[] = {
    /* STATEs other than ACTIVE */
    { ST(INIT), { NO, NO, NO, R(ST(DONE), NONE, DONE_), SAME, R(ST(DONE), NONE, DONE_ | DDB) } },
    { ST(PENDING),
      { NO, NO, NO, R(ST(DONE), NONE, DONE_), SAME, R(ST(DONE), NONE, DONE_ | DDB) } },
    { ST(HOLD),
      { NO, NO, NO, R(ST(DONE), NONE, DONE_), R(ST(PENDING), NONE, RESUB | SETA),
        R(ST(DONE), NONE, DONE_ | DDB) } },
    { ST(STOPPED),
      { NO, NO, NO, R(AC(CLEANUP_DELETE), CLEANUP, SETA), R(AC(CLEANUP_RESUBMIT), CLEANUP, SETA),
        R(ST(DONE), NONE, DONE_ | DDB) } },
    { ST(SUSPENDED),
      { NO, NO, NO, R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA), NO,
        R(ST(DONE), NONE, DONE_ | DDB | LEAVE) } },
    { ST(DONE), { NO, NO, NO, SAME, NO, SAME } },
    { ST(POWEROFF),
      { NO, NO, NO, R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA | RS_CLR), NO,
        R(ST(DONE), NONE, DONE_ | DDB | LEAVE | RS_CLR) } },
    { ST(UNDEPLOYED),
      { NO, NO, NO, R(AC(CLEANUP_DELETE), CLEANUP, SETA), R(AC(CLEANUP_RESUBMIT), CLEANUP, SETA),
        R(ST(DONE), NONE, DONE_ | DDB) } },
    { ST(CLONING),
      { NO, NO, NO, R(ST(DONE), NONE, DONE_), SAME, R(ST(DONE), NONE, DONE_ | DDB) } },
    { ST(CLONING_FAILURE),
      { SAME, R(ST(PENDING), NONE, 0), NO, R(ST(DONE), NONE, DONE_), SAME,
        R(ST(DONE), NONE, DONE_ | DDB) } },

    /* ACTIVE:            failure, success, retry, delete, delete-recreate, delete-db */
    { AC(INIT), { SAME, SAME, SAME, DEL_A, REC_A, DDB_A } },
    { AC(PROLOG),
      { BACK(AC(PROLOG_FAILURE)), R(AC(BOOT), DEPLOY, 0), R(AC(PROLOG), PROLOG, 0), DEL_A, REC_A,
        DDB_A } },
    { AC(BOOT),
      { BACK(AC(BOOT_FAILURE)), BACK(AC(RUNNING)), R(AC(BOOT), DEPLOY, 0), DEL_A, REC_A, DDB_A } },
    { AC(RUNNING), { SAME, SAME, SAME, DEL_RS, REC_RS, DDB_RS } },
    { AC(MIGRATE),
      { R(AC(RUNNING), NONE, REV), R(AC(RUNNING), NONE, LEAVE), R(AC(MIGRATE), MIGRATE, 0), DEL_A,
        REC_A, DDB_A } },
    { AC(SAVE_STOP),
      { BACK(AC(RUNNING)), R(AC(EPILOG_STOP), EPILOG_STOP, 0), R(AC(SAVE_STOP), SAVE, 0), DEL_A,
        REC_A, DDB_A } },
    { AC(SAVE_SUSPEND),
      { BACK(AC(RUNNING)), BACK(ST(SUSPENDED)), R(AC(SAVE_SUSPEND), SAVE, 0), DEL_A, REC_A,
        DDB_A } },
    { AC(SAVE_MIGRATE),
      { R(AC(RUNNING), NONE, REV), R(AC(PROLOG_MIGRATE), PROLOG_MIGRATE, LEAVE),
        R(AC(SAVE_MIGRATE), SAVE, 0), DEL_A, REC_A, DDB_A } },
    { AC(PROLOG_MIGRATE),
      { BACK(AC(PROLOG_MIGRATE_FAILURE)), R(AC(BOOT_MIGRATE), RESTORE, 0),
        R(AC(PROLOG_MIGRATE), PROLOG_MIGRATE, 0), DEL_A, REC_A, DDB_A } },
    { AC(PROLOG_RESUME),
      { BACK(AC(PROLOG_RESUME_FAILURE)), R(AC(BOOT_STOPPED), RESTORE, 0),
        R(AC(PROLOG_RESUME), PROLOG_RESUME, 0), DEL_A, REC_A, DDB_A } },
    { AC(EPILOG_STOP),
      { BACK(AC(EPILOG_STOP_FAILURE)), R(ST(STOPPED), NONE, LEAVE),
        R(AC(EPILOG_STOP), EPILOG_STOP, 0), DEL_A, REC_A, DDB_A } },
    { AC(EPILOG),
      { BACK(AC(EPILOG_FAILURE)), R(ST(DONE), NONE, LEAVE | DONE_), R(AC(EPILOG), EPILOG, 0),
        DEL_A, REC_A, DDB_A } },
    { AC(SHUTDOWN),
      { BACK(AC(RUNNING)), R(AC(EPILOG), EPILOG, 0), R(AC(SHUTDOWN), SHUTDOWN, 0), DEL_A, REC_A,
        DDB_A } },
    { AC(CLEANUP_RESUBMIT),
      { R(ST(PENDING), NONE, RESUB), R(ST(PENDING), NONE, RESUB), SAME,
        R(AC(CLEANUP_DELETE), NONE, 0), R(ST(PENDING), NONE, RESUB | SETA), DDB_A } },
    { AC(UNKNOWN),
      { BACK(AC(RUNNING)), BACK(AC(RUNNING)), SAME, DEL_RS, REC_RS, DDB_RS } },
    { AC(HOTPLUG), { BACK_RB(AC(RUNNING)), BACK(AC(RUNNING)), SAME, DEL_A, REC_A, DDB_A } },
    { AC(SHUTDOWN_POWEROFF),
      { BACK(AC(RUNNING)), BACK(ST(POWEROFF)), R(AC(SHUTDOWN_POWEROFF), SHUTDOWN, 0), DEL_A,
        REC_A, DDB_A } },
    { AC(BOOT_UNKNOWN),
      { BACK(AC(UNKNOWN)), BACK(AC(RUNNING)), R(AC(BOOT_UNKNOWN), DEPLOY, 0), DEL_A, REC_A,
        DDB_A } },
    { AC(BOOT_POWEROFF),
      { BACK(ST(POWEROFF)), BACK(AC(RUNNING)), R(AC(BOOT_POWEROFF), DEPLOY, 0), DEL_A, REC_A,
        DDB_A } },
    { AC(BOOT_SUSPENDED),
      { BACK(ST(SUSPENDED)), BACK(AC(RUNNING)), R(AC(BOOT_SUSPENDED), RESTORE, 0), DEL_A, REC_A,
        DDB_A } },
    { AC(BOOT_STOPPED),
      { BACK(AC(BOOT_STOPPED_FAILURE)), BACK(AC(RUNNING)), R(AC(BOOT_STOPPED), RESTORE, 0), DEL_A,
        REC_A, DDB_A } },
    { AC(CLEANUP_DELETE),
      { R(ST(DONE), NONE, DONE_), R(ST(DONE), NONE, DONE_), SAME, R(ST(DONE), NONE, DONE_), NO,
        DDB_A } },
    { AC(HOTPLUG_SNAPSHOT),
      { BACK_RB(AC(RUNNING)), BACK(AC(RUNNING)), SAME, DEL_A, REC_A, DDB_A } },
    { AC(HOTPLUG_NIC), { BACK_RB(AC(RUNNING)), BACK(AC(RUNNING)), SAME, DEL_A, REC_A, DDB_A } },
    { AC(HOTPLUG_SAVEAS),
      { BACK_RB(AC(RUNNING)), BACK(AC(RUNNING)), SAME, DEL_A, REC_A, DDB_A } },
    { AC(HOTPLUG_SAVEAS_POWEROFF),
      { BACK_RB(ST(POWEROFF)), BACK(ST(POWEROFF)), SAME, DEL_A, REC_A, DDB_A } },
    { AC(HOTPLUG_SAVEAS_SUSPENDED),
      { BACK_RB(ST(SUSPENDED)), BACK(ST(SUSPENDED)), SAME, DEL_A, REC_A, DDB_A } },
    { AC(SHUTDOWN_UNDEPLOY),
      { BACK(AC(RUNNING)), R(AC(EPILOG_UNDEPLOY), EPILOG_UNDEPLOY, 0),
        R(AC(SHUTDOWN_UNDEPLOY), SHUTDOWN, 0), DEL_A, REC_A, DDB_A } },
    { AC(EPILOG_UNDEPLOY),
      { BACK(AC(EPILOG_UNDEPLOY_FAILURE)), R(ST(UNDEPLOYED), NONE, LEAVE),
        R(AC(EPILOG_UNDEPLOY), EPILOG_UNDEPLOY, 0), DEL_A, REC_A, DDB_A } },
    { AC(PROLOG_UNDEPLOY),
      { BACK(AC(PROLOG_UNDEPLOY_FAILURE)), R(AC(BOOT_UNDEPLOY), DEPLOY, 0),
        R(AC(PROLOG_UNDEPLOY), PROLOG_UNDEPLOY, 0), DEL_A, REC_A, DDB_A } },
    { AC(BOOT_UNDEPLOY),
      { BACK(AC(BOOT_UNDEPLOY_FAILURE)), BACK(AC(RUNNING)), R(AC(BOOT_UNDEPLOY), DEPLOY, 0),
        DEL_A, REC_A, DDB_A } },
    { AC(HOTPLUG_PROLOG_POWEROFF),
      { BACK_RB(ST(POWEROFF)), BACK(ST(POWEROFF)), SAME, DEL_A, REC_A, DDB_A } },
    { AC(HOTPLUG_EPILOG_POWEROFF),
      { BACK_RB(ST(POWEROFF)), BACK(ST(POWEROFF)), SAME, DEL_A, REC_A, DDB_A } },
    { AC(BOOT_MIGRATE),
      { BACK(AC(BOOT_MIGRATE_FAILURE)), BACK(AC(RUNNING)), R(AC(BOOT_MIGRATE), RESTORE, 0), DEL_A,
        REC_A, DDB_A } },
    /* failure states: failure changes nothing (but PROLOG_MIGRATE*: back to the
     * source), success finishes the failed step, retry runs it again */
    { AC(BOOT_FAILURE), { SAME, BACK(AC(RUNNING)), R(AC(BOOT), DEPLOY, 0), DEL_A, REC_A, DDB_A } },
    { AC(BOOT_MIGRATE_FAILURE),
      { SAME, BACK(AC(RUNNING)), R(AC(BOOT_MIGRATE), RESTORE, 0), DEL_A, REC_A, DDB_A } },
    { AC(PROLOG_MIGRATE_FAILURE),
      { R(AC(BOOT_MIGRATE), RESTORE, REV), R(AC(BOOT_MIGRATE), RESTORE, 0),
        R(AC(PROLOG_MIGRATE), PROLOG_MIGRATE, 0), DEL_A, REC_A, DDB_A } },
    { AC(PROLOG_FAILURE),
      { SAME, R(AC(BOOT), DEPLOY, 0), R(AC(PROLOG), PROLOG, 0), DEL_A, REC_A, DDB_A } },
    { AC(EPILOG_FAILURE),
      { SAME, R(ST(DONE), NONE, LEAVE | DONE_), R(AC(EPILOG), EPILOG, 0), DEL_A, REC_A, DDB_A } },
    { AC(EPILOG_STOP_FAILURE),
      { SAME, R(ST(STOPPED), NONE, LEAVE), R(AC(EPILOG_STOP), EPILOG_STOP, 0), DEL_A, REC_A,
        DDB_A } },
    { AC(EPILOG_UNDEPLOY_FAILURE),
      { SAME, R(ST(UNDEPLOYED), NONE, LEAVE), R(AC(EPILOG_UNDEPLOY), EPILOG_UNDEPLOY, 0), DEL_A,
        REC_A, DDB_A } },
    { AC(PROLOG_MIGRATE_POWEROFF),
      { BACK(AC(PROLOG_MIGRATE_POWEROFF_FAILURE)), BACK(ST(POWEROFF)),
        R(AC(PROLOG_MIGRATE_POWEROFF), PROLOG_MIGRATE, 0), DEL_A, REC_A, DDB_A } },
    { AC(PROLOG_MIGRATE_POWEROFF_FAILURE),
      { R(ST(POWEROFF), NONE, REV), BACK(ST(POWEROFF)),
        R(AC(PROLOG_MIGRATE_POWEROFF), PROLOG_MIGRATE, 0), DEL_A, REC_A, DDB_A } },
    { AC(PROLOG_MIGRATE_SUSPEND),
      { BACK(AC(PROLOG_MIGRATE_SUSPEND_FAILURE)), BACK(ST(SUSPENDED)),
        R(AC(PROLOG_MIGRATE_SUSPEND), PROLOG_MIGRATE, 0), DEL_A, REC_A, DDB_A } },
    { AC(PROLOG_MIGRATE_SUSPEND_FAILURE),
      { R(ST(SUSPENDED), NONE, REV), BACK(ST(SUSPENDED)),
        R(AC(PROLOG_MIGRATE_SUSPEND), PROLOG_MIGRATE, 0), DEL_A, REC_A, DDB_A } },
    { AC(BOOT_UNDEPLOY_FAILURE),
      { SAME, BACK(AC(RUNNING)), R(AC(BOOT_UNDEPLOY), DEPLOY, 0), DEL_A, REC_A, DDB_A } },
    { AC(BOOT_STOPPED_FAILURE),
      { SAME, BACK(AC(RUNNING)), R(AC(BOOT_STOPPED), RESTORE, 0), DEL_A, REC_A, DDB_A } },
    { AC(PROLOG_RESUME_FAILURE),
      { SAME, R(AC(BOOT_STOPPED), RESTORE, 0), R(AC(PROLOG_RESUME), PROLOG_RESUME, 0), DEL_A,
        REC_A, DDB_A } },
    { AC(PROLOG_UNDEPLOY_FAILURE),
      { SAME, R(AC(BOOT_UNDEPLOY), DEPLOY, 0), R(AC(PROLOG_UNDEPLOY), PROLOG_UNDEPLOY, 0), DEL_A,
        REC_A, DDB_A } },
    { AC(DISK_SNAPSHOT_POWEROFF),
      { BACK_RB(ST(POWEROFF)), BACK(ST(POWEROFF)), SAME, DEL_A, REC_A, DDB_A } },
    { AC(DISK_SNAPSHOT_REVERT_POWEROFF),
      { BACK_RB(ST(POWEROFF)), BACK(ST(POWEROFF)), SAME, DEL_A, REC_A, DDB_A } },
    { AC(DISK_SNAPSHOT_DELETE_POWEROFF),
      { BACK_RB(ST(POWEROFF)), BACK(ST(POWEROFF)), SAME, DEL_A, REC_A, DDB_A } },
    { AC(DISK_SNAPSHOT_SUSPENDED),
      { BACK_RB(ST(SUSPENDED)), BACK(ST(SUSPENDED)), SAME, DEL_A, REC_A, DDB_A } },
    { AC(DISK_SNAPSHOT_DELETE_SUSPENDED),
      { BACK_RB(ST(SUSPENDED)), BACK(ST(SUSPENDED)), SAME, DEL_A, REC_A, DDB_A } },
    { AC(DISK_SNAPSHOT), { BACK_RB(AC(RUNNING)), BACK(AC(RUNNING)), SAME, DEL_A, REC_A, DDB_A } },
    { AC(DISK_SNAPSHOT_DELETE),
      { BACK_RB(AC(RUNNING)), BACK(AC(RUNNING)), SAME, DEL_A, REC_A, DDB_A } },
    { AC(PROLOG_MIGRATE_UNKNOWN),
      { BACK(AC(PROLOG_MIGRATE_UNKNOWN_FAILURE)), R(AC(BOOT), DEPLOY, 0),
        R(AC(PROLOG_MIGRATE_UNKNOWN), PROLOG_MIGRATE, 0), DEL_A, REC_A, DDB_A } },
    { AC(PROLOG_MIGRATE_UNKNOWN_FAILURE),
      { R(AC(BOOT), DEPLOY, REV), R(AC(BOOT), DEPLOY, 0),
        R(AC(PROLOG_MIGRATE_UNKNOWN), PROLOG_MIGRATE, 0), DEL_A, REC_A, DDB_A } },
    { AC(DISK_RESIZE), { BACK_RB(AC(RUNNING)), BACK(AC(RUNNING)), SAME, DEL_A, REC_A, DDB_A } },
    { AC(DISK_RESIZE_POWEROFF),
      { BACK_RB(ST(POWEROFF)), BACK(ST(POWEROFF)), SAME, DEL_A, REC_A, DDB_A } },
    { AC(DISK_RESIZE_UNDEPLOYED),
      { BACK_RB(ST(UNDEPLOYED)), BACK(ST(UNDEPLOYED)), SAME, DEL_A, REC_A, DDB_A } },
    { AC(HOTPLUG_NIC_POWEROFF),
      { BACK_RB(ST(POWEROFF)), BACK(ST(POWEROFF)), SAME, DEL_A, REC_A, DDB_A } },
    { AC(HOTPLUG_RESIZE),
      { BACK_RB(AC(RUNNING)), BACK(AC(RUNNING)), SAME, DEL_A, REC_A, DDB_A } },
    { AC(HOTPLUG_SAVEAS_UNDEPLOYED),
      { BACK_RB(ST(UNDEPLOYED)), BACK(ST(UNDEPLOYED)), SAME, DEL_A, REC_A, DDB_A } },
    { AC(HOTPLUG_SAVEAS_STOPPED),
      { BACK_RB(ST(STOPPED)), BACK(ST(STOPPED)), SAME, DEL_A, REC_A, DDB_A } },
    { AC(BACKUP), { BACK_RB(AC(RUNNING)), BACK(AC(RUNNING)), SAME, DEL_A, REC_A, DDB_A } },
    { AC(BACKUP_POWEROFF),
      { BACK_RB(ST(POWEROFF)), BACK(ST(POWEROFF)), SAME, DEL_A, REC_A, DDB_A } },
    { AC(RESTORE), { BACK_RB(ST(POWEROFF)), BACK(ST(POWEROFF)), SAME, DEL_A, REC_A, DDB_A } },
};

static void test_recover_table(void **state)
{
    (void)state;
    assert_int_equal(N(REC_TABLE), N(PHASES));
    for (size_t p = 0; p < N(PHASES); p++) {
        const rec_row *row = NULL;
        for (size_t r = 0; r < N(REC_TABLE); r++)
            if (same_phase(REC_TABLE[r].from, PHASES[p]))
                row = &REC_TABLE[r];
        assert_non_null(row);
        for (int op = 0; op < 6; op++) {
            nb_lcm_move mv;
            memset(&mv, 0xa5, sizeof mv);
            enum nb_vm_action a = (enum nb_vm_action)(NB_ACT_RECOVER_FAILURE + op);
            int rc = nb_lcm_action(PHASES[p], a, &mv);
            check("recover op", op, PHASES[p], rc, &mv, &row->op[op]);
        }
    }
}

/* ---- driver reports ------------------------------------------------------------------- */

typedef struct step_row {
    nb_vm_phase from;
    enum nb_vm_step step;
    expect ok, failed;
} step_row;

#define SROW(from, step, ok, failed) { from, NB_STEP_##step, ok, failed }

static const step_row STEP_TABLE[] = {
    SROW(AC(PROLOG), PROLOG, R(AC(BOOT), DEPLOY, 0), BACK(AC(PROLOG_FAILURE))),
    SROW(AC(PROLOG_RESUME), PROLOG_RESUME, R(AC(BOOT_STOPPED), RESTORE, 0),
         BACK(AC(PROLOG_RESUME_FAILURE))),
    SROW(AC(PROLOG_UNDEPLOY), PROLOG_UNDEPLOY, R(AC(BOOT_UNDEPLOY), DEPLOY, 0),
         BACK(AC(PROLOG_UNDEPLOY_FAILURE))),
    SROW(AC(PROLOG_MIGRATE), PROLOG_MIGRATE, R(AC(BOOT_MIGRATE), RESTORE, 0),
         BACK(AC(PROLOG_MIGRATE_FAILURE))),
    SROW(AC(PROLOG_MIGRATE_POWEROFF), PROLOG_MIGRATE, BACK(ST(POWEROFF)),
         BACK(AC(PROLOG_MIGRATE_POWEROFF_FAILURE))),
    SROW(AC(PROLOG_MIGRATE_SUSPEND), PROLOG_MIGRATE, BACK(ST(SUSPENDED)),
         BACK(AC(PROLOG_MIGRATE_SUSPEND_FAILURE))),
    SROW(AC(PROLOG_MIGRATE_UNKNOWN), PROLOG_MIGRATE, R(AC(BOOT), DEPLOY, 0),
         BACK(AC(PROLOG_MIGRATE_UNKNOWN_FAILURE))),

    SROW(AC(BOOT), DEPLOY, BACK(AC(RUNNING)), BACK(AC(BOOT_FAILURE))),
    SROW(AC(BOOT_POWEROFF), DEPLOY, BACK(AC(RUNNING)), BACK(ST(POWEROFF))),
    SROW(AC(BOOT_UNKNOWN), DEPLOY, BACK(AC(RUNNING)), BACK(AC(UNKNOWN))),
    SROW(AC(BOOT_UNDEPLOY), DEPLOY, BACK(AC(RUNNING)), BACK(AC(BOOT_UNDEPLOY_FAILURE))),
    SROW(AC(BOOT_SUSPENDED), RESTORE, BACK(AC(RUNNING)), BACK(ST(SUSPENDED))),
    SROW(AC(BOOT_STOPPED), RESTORE, BACK(AC(RUNNING)), BACK(AC(BOOT_STOPPED_FAILURE))),
    SROW(AC(BOOT_MIGRATE), RESTORE, BACK(AC(RUNNING)), BACK(AC(BOOT_MIGRATE_FAILURE))),

    SROW(AC(MIGRATE), MIGRATE, R(AC(RUNNING), NONE, LEAVE), R(AC(RUNNING), NONE, REV)),

    SROW(AC(SAVE_STOP), SAVE, R(AC(EPILOG_STOP), EPILOG_STOP, 0), BACK(AC(RUNNING))),
    SROW(AC(SAVE_SUSPEND), SAVE, BACK(ST(SUSPENDED)), BACK(AC(RUNNING))),
    SROW(AC(SAVE_MIGRATE), SAVE, R(AC(PROLOG_MIGRATE), PROLOG_MIGRATE, LEAVE),
         R(AC(RUNNING), NONE, REV)),
    SROW(AC(SAVE_MIGRATE), SHUTDOWN, R(AC(PROLOG_MIGRATE), PROLOG_MIGRATE, LEAVE),
         R(AC(RUNNING), NONE, REV)),
    SROW(AC(SAVE_MIGRATE), CANCEL, R(AC(PROLOG_MIGRATE), PROLOG_MIGRATE, LEAVE),
         R(AC(RUNNING), NONE, REV)),

    SROW(AC(SHUTDOWN), SHUTDOWN, R(AC(EPILOG), EPILOG, 0), BACK(AC(RUNNING))),
    SROW(AC(SHUTDOWN), CANCEL, R(AC(EPILOG), EPILOG, 0), BACK(AC(RUNNING))),
    SROW(AC(SHUTDOWN_POWEROFF), SHUTDOWN, BACK(ST(POWEROFF)), BACK(AC(RUNNING))),
    SROW(AC(SHUTDOWN_POWEROFF), CANCEL, BACK(ST(POWEROFF)), BACK(AC(RUNNING))),
    SROW(AC(SHUTDOWN_UNDEPLOY), SHUTDOWN, R(AC(EPILOG_UNDEPLOY), EPILOG_UNDEPLOY, 0),
         BACK(AC(RUNNING))),
    SROW(AC(SHUTDOWN_UNDEPLOY), CANCEL, R(AC(EPILOG_UNDEPLOY), EPILOG_UNDEPLOY, 0),
         BACK(AC(RUNNING))),

    SROW(AC(EPILOG), EPILOG, R(ST(DONE), NONE, LEAVE | DONE_), BACK(AC(EPILOG_FAILURE))),
    SROW(AC(EPILOG_STOP), EPILOG_STOP, R(ST(STOPPED), NONE, LEAVE), BACK(AC(EPILOG_STOP_FAILURE))),
    SROW(AC(EPILOG_UNDEPLOY), EPILOG_UNDEPLOY, R(ST(UNDEPLOYED), NONE, LEAVE),
         BACK(AC(EPILOG_UNDEPLOY_FAILURE))),

    /* a cleanup ends the same way whatever the driver says */
    SROW(AC(CLEANUP_DELETE), CLEANUP, R(ST(DONE), NONE, DONE_), R(ST(DONE), NONE, DONE_)),
    SROW(AC(CLEANUP_RESUBMIT), CLEANUP, R(ST(PENDING), NONE, RESUB),
         R(ST(PENDING), NONE, RESUB)),

    SROW(AC(HOTPLUG), ATTACH_DISK, BACK(AC(RUNNING)), BACK_RB(AC(RUNNING))),
    SROW(AC(HOTPLUG), DETACH_DISK, BACK(AC(RUNNING)), BACK_RB(AC(RUNNING))),
    SROW(AC(HOTPLUG_PROLOG_POWEROFF), ATTACH_DISK, BACK(ST(POWEROFF)), BACK_RB(ST(POWEROFF))),
    SROW(AC(HOTPLUG_EPILOG_POWEROFF), DETACH_DISK, BACK(ST(POWEROFF)), BACK_RB(ST(POWEROFF))),
    SROW(AC(HOTPLUG_NIC), ATTACH_NIC, BACK(AC(RUNNING)), BACK_RB(AC(RUNNING))),
    SROW(AC(HOTPLUG_NIC), DETACH_NIC, BACK(AC(RUNNING)), BACK_RB(AC(RUNNING))),
    SROW(AC(HOTPLUG_NIC_POWEROFF), ATTACH_NIC, BACK(ST(POWEROFF)), BACK_RB(ST(POWEROFF))),
    SROW(AC(HOTPLUG_NIC_POWEROFF), DETACH_NIC, BACK(ST(POWEROFF)), BACK_RB(ST(POWEROFF))),
    SROW(AC(HOTPLUG_RESIZE), RESIZE, BACK(AC(RUNNING)), BACK_RB(AC(RUNNING))),
    SROW(AC(HOTPLUG_SNAPSHOT), SNAPSHOT_CREATE, BACK(AC(RUNNING)), BACK_RB(AC(RUNNING))),
    SROW(AC(HOTPLUG_SNAPSHOT), SNAPSHOT_REVERT, BACK(AC(RUNNING)), BACK_RB(AC(RUNNING))),
    SROW(AC(HOTPLUG_SNAPSHOT), SNAPSHOT_DELETE, BACK(AC(RUNNING)), BACK_RB(AC(RUNNING))),

    /* reboot / reset: RUNNING either way */
    SROW(AC(RUNNING), REBOOT, SAME, SAME),
    SROW(AC(RUNNING), RESET, SAME, SAME),
};

static void test_step_table(void **state)
{
    (void)state;
    unsigned used = 0;

    for (size_t p = 0; p < N(PHASES); p++) {
        for (int s = 0; s < NB_STEP_COUNT; s++) {
            static const expect refused = NO;
            const expect *eok = &refused, *efail = &refused;
            for (size_t r = 0; r < N(STEP_TABLE); r++) {
                if (same_phase(STEP_TABLE[r].from, PHASES[p]) && (int)STEP_TABLE[r].step == s) {
                    eok = &STEP_TABLE[r].ok;
                    efail = &STEP_TABLE[r].failed;
                    used++;
                }
            }
            nb_lcm_move mv;
            memset(&mv, 0xa5, sizeof mv);
            int rc = nb_lcm_step_done(PHASES[p], (enum nb_vm_step)s, true, &mv);
            check("step ok", s, PHASES[p], rc, &mv, eok);
            memset(&mv, 0xa5, sizeof mv);
            rc = nb_lcm_step_done(PHASES[p], (enum nb_vm_step)s, false, &mv);
            check("step failed", s, PHASES[p], rc, &mv, efail);
        }
    }
    assert_int_equal(used, N(STEP_TABLE));
}

/* ---- monitoring ------------------------------------------------------------------------ */

typedef struct seen_row {
    nb_vm_phase from;
    enum nb_vm_seen seen;
    expect e;
} seen_row;

#define OROW(from, seen, e) { from, NB_SEEN_##seen, e }

static const seen_row SEEN_TABLE[] = {
    /* found running again / running at last */
    OROW(AC(UNKNOWN), RUNNING, BACK(AC(RUNNING))),
    OROW(ST(POWEROFF), RUNNING, R(AC(RUNNING), NONE, COPY)),
    OROW(ST(SUSPENDED), RUNNING, R(AC(RUNNING), NONE, COPY)),
    OROW(AC(BOOT), RUNNING, BACK(AC(RUNNING))),
    OROW(AC(BOOT_POWEROFF), RUNNING, BACK(AC(RUNNING))),
    OROW(AC(BOOT_UNKNOWN), RUNNING, BACK(AC(RUNNING))),
    OROW(AC(BOOT_SUSPENDED), RUNNING, BACK(AC(RUNNING))),
    OROW(AC(BOOT_STOPPED), RUNNING, BACK(AC(RUNNING))),
    OROW(AC(BOOT_UNDEPLOY), RUNNING, BACK(AC(RUNNING))),
    OROW(AC(BOOT_MIGRATE), RUNNING, BACK(AC(RUNNING))),
    OROW(AC(BOOT_FAILURE), RUNNING, BACK(AC(RUNNING))),
    OROW(AC(BOOT_MIGRATE_FAILURE), RUNNING, BACK(AC(RUNNING))),
    OROW(AC(BOOT_STOPPED_FAILURE), RUNNING, BACK(AC(RUNNING))),
    OROW(AC(BOOT_UNDEPLOY_FAILURE), RUNNING, BACK(AC(RUNNING))),

    /* shut off (host capacity kept), or the shutdown we waited for */
    OROW(AC(RUNNING), POWEROFF, R(ST(POWEROFF), NONE, RS_CLR)),
    OROW(AC(UNKNOWN), POWEROFF, R(ST(POWEROFF), NONE, RS_CLR)),
    OROW(AC(SHUTDOWN), POWEROFF, R(AC(EPILOG), EPILOG, 0)),
    OROW(AC(SHUTDOWN_POWEROFF), POWEROFF, BACK(ST(POWEROFF))),
    OROW(AC(SHUTDOWN_UNDEPLOY), POWEROFF, R(AC(EPILOG_UNDEPLOY), EPILOG_UNDEPLOY, 0)),
    /* missing from a full report: MISSING_STATE = POWEROFF */
    OROW(AC(RUNNING), MISSING, R(ST(POWEROFF), NONE, RS_CLR)),
    OROW(AC(UNKNOWN), MISSING, R(ST(POWEROFF), NONE, RS_CLR)),
    OROW(AC(SHUTDOWN), MISSING, R(AC(EPILOG), EPILOG, 0)),
    OROW(AC(SHUTDOWN_POWEROFF), MISSING, BACK(ST(POWEROFF))),
    OROW(AC(SHUTDOWN_UNDEPLOY), MISSING, R(AC(EPILOG_UNDEPLOY), EPILOG_UNDEPLOY, 0)),

    OROW(AC(RUNNING), SUSPENDED, R(ST(SUSPENDED), NONE, RS_CLR)),
    OROW(AC(UNKNOWN), SUSPENDED, R(ST(SUSPENDED), NONE, RS_CLR)),

    OROW(AC(RUNNING), FAILURE, R(AC(UNKNOWN), NONE, RS_CLR)),
    OROW(AC(RUNNING), HOST_ERROR, R(AC(UNKNOWN), NONE, RS_CLR)),
};

static void test_observed_table(void **state)
{
    (void)state;
    unsigned used = 0;

    for (size_t p = 0; p < N(PHASES); p++) {
        for (int s = NB_SEEN_RUNNING; s <= NB_SEEN_HOST_ERROR; s++) {
            static const expect nothing = SAME;
            const expect *e = &nothing;
            for (size_t r = 0; r < N(SEEN_TABLE); r++) {
                if (same_phase(SEEN_TABLE[r].from, PHASES[p]) && (int)SEEN_TABLE[r].seen == s) {
                    e = &SEEN_TABLE[r].e;
                    used++;
                }
            }
            nb_lcm_move mv;
            memset(&mv, 0xa5, sizeof mv);
            int rc = nb_lcm_observed(PHASES[p], (enum nb_vm_seen)s, &mv);
            check("seen", s, PHASES[p], rc, &mv, e);
        }
    }
    assert_int_equal(used, N(SEEN_TABLE));
}

/* ---- what HISTORY/ACTION changes ----------------------------------------------------------- */

typedef struct hist_row {
    nb_vm_phase from;
    int hist;               /* VMActions code in the newest HISTORY record */
    int event;              /* action, or step + 100 (+ 200 for a failed step) */
    expect e;
} hist_row;

#define HA(from, hist, act, e) { from, hist, NB_ACT_##act, e }
#define HS(from, hist, step, e) { from, hist, 100 + NB_STEP_##step, e }
#define HF(from, hist, step, e) { from, hist, 200 + NB_STEP_##step, e }

static const hist_row HIST_TABLE[] = {
    /* a resumed STOPPED / UNDEPLOYED VM gets its own files back */
    HA(ST(PENDING), 9, DEPLOY, R(AC(PROLOG_RESUME), PROLOG_RESUME, OPEN | SETA)),
    HA(ST(HOLD), 9, DEPLOY, R(AC(PROLOG_RESUME), PROLOG_RESUME, OPEN | SETA)),
    HA(ST(PENDING), 5, DEPLOY, R(AC(PROLOG_UNDEPLOY), PROLOG_UNDEPLOY, OPEN | SETA)),
    HA(ST(PENDING), 6, DEPLOY, R(AC(PROLOG_UNDEPLOY), PROLOG_UNDEPLOY, OPEN | SETA)),
    HA(ST(HOLD), 6, DEPLOY, R(AC(PROLOG_UNDEPLOY), PROLOG_UNDEPLOY, OPEN | SETA)),
    /* anything else (deleted-recreated, never placed): from the images */
    HA(ST(PENDING), 14, DEPLOY, R(AC(PROLOG), PROLOG, OPEN | SETA)),
    HA(ST(PENDING), 27, DEPLOY, R(AC(PROLOG), PROLOG, OPEN | SETA)),
    HA(ST(HOLD), 0, DEPLOY, R(AC(PROLOG), PROLOG, OPEN | SETA)),
    /* the phase says it already */
    HA(ST(STOPPED), 0, DEPLOY, R(AC(PROLOG_RESUME), PROLOG_RESUME, OPEN | SETA)),
    HA(ST(STOPPED), 5, DEPLOY, R(AC(PROLOG_RESUME), PROLOG_RESUME, OPEN | SETA)),
    HA(ST(UNDEPLOYED), 9, DEPLOY, R(AC(PROLOG_UNDEPLOY), PROLOG_UNDEPLOY, OPEN | SETA)),

    /* a poweroff migration boots afresh on the target */
    HS(AC(PROLOG_MIGRATE), 48, PROLOG_MIGRATE, R(AC(BOOT), DEPLOY, 0)),
    HS(AC(PROLOG_MIGRATE), 49, PROLOG_MIGRATE, R(AC(BOOT), DEPLOY, 0)),
    HS(AC(PROLOG_MIGRATE), 1, PROLOG_MIGRATE, R(AC(BOOT_MIGRATE), RESTORE, 0)),
    HF(AC(PROLOG_MIGRATE), 48, PROLOG_MIGRATE, BACK(AC(PROLOG_MIGRATE_FAILURE))),
    HA(AC(PROLOG_MIGRATE), 48, RECOVER_SUCCESS, R(AC(BOOT), DEPLOY, 0)),
    HA(AC(PROLOG_MIGRATE_FAILURE), 48, RECOVER_SUCCESS, R(AC(BOOT), DEPLOY, 0)),
    HA(AC(PROLOG_MIGRATE_FAILURE), 49, RECOVER_FAILURE, R(AC(BOOT), DEPLOY, REV)),
    HA(AC(PROLOG_MIGRATE_FAILURE), 1, RECOVER_FAILURE, R(AC(BOOT_MIGRATE), RESTORE, REV)),
    /* the poweroff-migrated VM outside PROLOG_MIGRATE: no difference */
    HS(AC(PROLOG_MIGRATE_UNKNOWN), 48, PROLOG_MIGRATE, R(AC(BOOT), DEPLOY, 0)),
    HS(AC(PROLOG_MIGRATE_POWEROFF), 49, PROLOG_MIGRATE, BACK(ST(POWEROFF))),

    /* retry re-runs the same kind of shutdown */
    HA(AC(SHUTDOWN), 27, RECOVER_RETRY, R(AC(SHUTDOWN), SHUTDOWN, 0)),
    HA(AC(SHUTDOWN), 28, RECOVER_RETRY, R(AC(SHUTDOWN), CANCEL, 0)),
    HA(AC(SHUTDOWN_POWEROFF), 19, RECOVER_RETRY, R(AC(SHUTDOWN_POWEROFF), SHUTDOWN, 0)),
    HA(AC(SHUTDOWN_POWEROFF), 20, RECOVER_RETRY, R(AC(SHUTDOWN_POWEROFF), CANCEL, 0)),
    HA(AC(SHUTDOWN_UNDEPLOY), 5, RECOVER_RETRY, R(AC(SHUTDOWN_UNDEPLOY), SHUTDOWN, 0)),
    HA(AC(SHUTDOWN_UNDEPLOY), 6, RECOVER_RETRY, R(AC(SHUTDOWN_UNDEPLOY), CANCEL, 0)),
    HA(AC(SAVE_MIGRATE), 1, RECOVER_RETRY, R(AC(SAVE_MIGRATE), SAVE, 0)),
    HA(AC(SAVE_MIGRATE), 48, RECOVER_RETRY, R(AC(SAVE_MIGRATE), SHUTDOWN, 0)),
    HA(AC(SAVE_MIGRATE), 49, RECOVER_RETRY, R(AC(SAVE_MIGRATE), CANCEL, 0)),
    /* the rest ignores it */
    HA(ST(POWEROFF), 9, RESUME, R(AC(BOOT_POWEROFF), DEPLOY, SETA | RS_CLR | COPY)),
    HA(AC(SAVE_STOP), 49, RECOVER_RETRY, R(AC(SAVE_STOP), SAVE, 0)),
    HS(AC(BOOT), 48, DEPLOY, BACK(AC(RUNNING))),
    HS(AC(SHUTDOWN), 28, CANCEL, R(AC(EPILOG), EPILOG, 0)),
};

static void test_history_action(void **state)
{
    (void)state;
    for (size_t r = 0; r < N(HIST_TABLE); r++) {
        const hist_row *h = &HIST_TABLE[r];
        nb_lcm_move mv;
        int rc;

        memset(&mv, 0xa5, sizeof mv);
        if (h->event >= 200)
            rc = nb_lcm_step_done_hist(h->from, h->hist, (enum nb_vm_step)(h->event - 200), false,
                                       &mv);
        else if (h->event >= 100)
            rc = nb_lcm_step_done_hist(h->from, h->hist, (enum nb_vm_step)(h->event - 100), true,
                                       &mv);
        else
            rc = nb_lcm_action_hist(h->from, h->hist, (enum nb_vm_action)h->event, &mv);
        check("hist row", (int)r, h->from, rc, &mv, &h->e);
    }
}

/* ---- scenario walks ------------------------------------------------------------------------ */

/* A VM as the caller keeps it: the phase and the newest record's ACTION. */
typedef struct vm {
    nb_vm_phase p;
    int hist;
    enum nb_vm_step running;    /* step started, NB_STEP_NONE when idle */
} vm;

static vm vm_at(nb_vm_phase p)
{
    vm v = { p, 0, NB_STEP_NONE };
    return v;
}

static void apply(vm *v, const nb_lcm_move *mv, int code)
{
    /* a move that changes nothing leaves the running step running */
    if (mv->step != NB_STEP_NONE || !same_phase(mv->to, v->p))
        v->running = mv->step;
    v->p = mv->to;
    if (mv->flags & NB_MOVE_SET_ACTION)
        v->hist = code;
}

/* An API action, checked against what is expected of it. */
static void act(vm *v, enum nb_vm_action a, expect e)
{
    nb_lcm_move mv;
    int rc = nb_lcm_action_hist(v->p, v->hist, a, &mv);
    check("walk action", a, v->p, rc, &mv, &e);
    if (rc == 0)
        apply(v, &mv, nb_vm_action_code(a));
}

/* The driver step the VM runs reports back. */
static void done(vm *v, bool ok, expect e)
{
    nb_lcm_move mv;
    assert_int_not_equal(v->running, NB_STEP_NONE);
    int rc = nb_lcm_step_done_hist(v->p, v->hist, v->running, ok, &mv);
    check("walk step", v->running, v->p, rc, &mv, &e);
    if (rc == 0)
        apply(v, &mv, 0);
}

static void seen(vm *v, enum nb_vm_seen s, expect e)
{
    nb_lcm_move mv;
    int rc = nb_lcm_observed(v->p, s, &mv);
    check("walk seen", s, v->p, rc, &mv, &e);
    if (rc == 0)
        apply(v, &mv, 0);
}

#define OK      true
#define FAILED  false

static void test_walk_main(void **state)
{
    (void)state;
    vm v = vm_at((nb_vm_phase)ST(PENDING));

    act(&v, NB_ACT_HOLD, (expect)R(ST(HOLD), NONE, 0));
    act(&v, NB_ACT_RELEASE, (expect)R(ST(PENDING), NONE, 0));
    act(&v, NB_ACT_DEPLOY, (expect)R(AC(PROLOG), PROLOG, OPEN | SETA));
    assert_int_equal(v.hist, 30);
    done(&v, OK, (expect)R(AC(BOOT), DEPLOY, 0));
    done(&v, OK, (expect)R(AC(RUNNING), NONE, 0));

    act(&v, NB_ACT_POWEROFF, (expect)R(AC(SHUTDOWN_POWEROFF), SHUTDOWN, SETA | RS_CLR));
    done(&v, OK, (expect)R(ST(POWEROFF), NONE, 0));
    act(&v, NB_ACT_RESUME, (expect)R(AC(BOOT_POWEROFF), DEPLOY, SETA | RS_CLR | COPY));
    done(&v, OK, (expect)R(AC(RUNNING), NONE, 0));

    act(&v, NB_ACT_SUSPEND, (expect)R(AC(SAVE_SUSPEND), SAVE, SETA | RS_CLR));
    done(&v, OK, (expect)R(ST(SUSPENDED), NONE, 0));
    act(&v, NB_ACT_RESUME, (expect)R(AC(BOOT_SUSPENDED), RESTORE, SETA | COPY));
    done(&v, OK, (expect)R(AC(RUNNING), NONE, 0));

    act(&v, NB_ACT_STOP, (expect)R(AC(SAVE_STOP), SAVE, SETA | RS_CLR));
    assert_int_equal(v.hist, 9);
    done(&v, OK, (expect)R(AC(EPILOG_STOP), EPILOG_STOP, 0));
    done(&v, OK, (expect)R(ST(STOPPED), NONE, LEAVE));
    act(&v, NB_ACT_DEPLOY, (expect)R(AC(PROLOG_RESUME), PROLOG_RESUME, OPEN | SETA));
    done(&v, OK, (expect)R(AC(BOOT_STOPPED), RESTORE, 0));
    done(&v, OK, (expect)R(AC(RUNNING), NONE, 0));

    act(&v, NB_ACT_UNDEPLOY, (expect)R(AC(SHUTDOWN_UNDEPLOY), SHUTDOWN, SETA | RS_CLR));
    done(&v, OK, (expect)R(AC(EPILOG_UNDEPLOY), EPILOG_UNDEPLOY, 0));
    done(&v, OK, (expect)R(ST(UNDEPLOYED), NONE, LEAVE));
    act(&v, NB_ACT_RESUME, (expect)R(ST(PENDING), NONE, 0));
    assert_int_equal(v.hist, 5);            /* kept for the next deploy */
    act(&v, NB_ACT_DEPLOY, (expect)R(AC(PROLOG_UNDEPLOY), PROLOG_UNDEPLOY, OPEN | SETA));
    done(&v, OK, (expect)R(AC(BOOT_UNDEPLOY), DEPLOY, 0));
    done(&v, OK, (expect)R(AC(RUNNING), NONE, 0));

    act(&v, NB_ACT_REBOOT, (expect)R(AC(RUNNING), REBOOT, RS_CLR));
    done(&v, OK, (expect)R(AC(RUNNING), NONE, 0));
    act(&v, NB_ACT_TERMINATE, (expect)R(AC(SHUTDOWN), SHUTDOWN, SETA | RS_CLR));
    done(&v, OK, (expect)R(AC(EPILOG), EPILOG, 0));
    done(&v, OK, (expect)R(ST(DONE), NONE, LEAVE | DONE_));
    assert_int_equal(v.hist, 27);
    act(&v, NB_ACT_TERMINATE, (expect)SAME);
}

static void test_walk_stop_resume_pending(void **state)
{
    (void)state;
    vm v = vm_at((nb_vm_phase)AC(RUNNING));

    /* stop from SUSPENDED skips the save; resume -> PENDING -> deploy resumes */
    act(&v, NB_ACT_SUSPEND, (expect)R(AC(SAVE_SUSPEND), SAVE, SETA | RS_CLR));
    done(&v, OK, (expect)R(ST(SUSPENDED), NONE, 0));
    act(&v, NB_ACT_STOP, (expect)R(AC(EPILOG_STOP), EPILOG_STOP, SETA));
    done(&v, OK, (expect)R(ST(STOPPED), NONE, LEAVE));
    act(&v, NB_ACT_RESUME, (expect)R(ST(PENDING), NONE, 0));
    act(&v, NB_ACT_HOLD, (expect)R(ST(HOLD), NONE, 0));
    act(&v, NB_ACT_DEPLOY, (expect)R(AC(PROLOG_RESUME), PROLOG_RESUME, OPEN | SETA));
    done(&v, FAILED, (expect)R(AC(PROLOG_RESUME_FAILURE), NONE, 0));
    act(&v, NB_ACT_RECOVER_RETRY, (expect)R(AC(PROLOG_RESUME), PROLOG_RESUME, 0));
    done(&v, OK, (expect)R(AC(BOOT_STOPPED), RESTORE, 0));
    done(&v, FAILED, (expect)R(AC(BOOT_STOPPED_FAILURE), NONE, 0));
    act(&v, NB_ACT_RECOVER_SUCCESS, (expect)R(AC(RUNNING), NONE, 0));

    /* undeploy of a POWEROFF VM skips the shutdown */
    act(&v, NB_ACT_POWEROFF_HARD, (expect)R(AC(SHUTDOWN_POWEROFF), CANCEL, SETA | RS_CLR));
    done(&v, OK, (expect)R(ST(POWEROFF), NONE, 0));
    act(&v, NB_ACT_UNDEPLOY_HARD, (expect)R(AC(EPILOG_UNDEPLOY), EPILOG_UNDEPLOY, SETA | RS_CLR));
    done(&v, FAILED, (expect)R(AC(EPILOG_UNDEPLOY_FAILURE), NONE, 0));
    act(&v, NB_ACT_RECOVER_SUCCESS, (expect)R(ST(UNDEPLOYED), NONE, LEAVE));
    act(&v, NB_ACT_DEPLOY, (expect)R(AC(PROLOG_UNDEPLOY), PROLOG_UNDEPLOY, OPEN | SETA));
    done(&v, OK, (expect)R(AC(BOOT_UNDEPLOY), DEPLOY, 0));
    done(&v, OK, (expect)R(AC(RUNNING), NONE, 0));
}

static void test_walk_live_migrate(void **state)
{
    (void)state;
    vm v = vm_at((nb_vm_phase)AC(RUNNING));

    act(&v, NB_ACT_RESCHED, (expect)R(AC(RUNNING), NONE, RS_SET));
    act(&v, NB_ACT_MIGRATE_LIVE, (expect)R(AC(MIGRATE), MIGRATE, OPEN | SETA | RS_CLR));
    assert_int_equal(v.hist, 2);
    done(&v, OK, (expect)R(AC(RUNNING), NONE, LEAVE));

    /* failure: still on the source */
    act(&v, NB_ACT_MIGRATE_LIVE, (expect)R(AC(MIGRATE), MIGRATE, OPEN | SETA | RS_CLR));
    done(&v, FAILED, (expect)R(AC(RUNNING), NONE, REV));

    /* a stale report of the migration is refused */
    nb_lcm_move mv;
    assert_int_equal(nb_lcm_step_done(v.p, NB_STEP_MIGRATE, true, &mv), -1);

    /* live migration of a VM that is not RUNNING */
    v = vm_at((nb_vm_phase)ST(POWEROFF));
    act(&v, NB_ACT_MIGRATE_LIVE, (expect)NO);
}

static void test_walk_cold_migrate(void **state)
{
    (void)state;
    vm v;

    /* type 0: save, move, restore */
    v = vm_at((nb_vm_phase)AC(RUNNING));
    act(&v, NB_ACT_MIGRATE, (expect)R(AC(SAVE_MIGRATE), SAVE, OPEN | SETA | RS_CLR));
    assert_int_equal(v.hist, 1);
    done(&v, OK, (expect)R(AC(PROLOG_MIGRATE), PROLOG_MIGRATE, LEAVE));
    done(&v, OK, (expect)R(AC(BOOT_MIGRATE), RESTORE, 0));
    done(&v, OK, (expect)R(AC(RUNNING), NONE, 0));

    /* type 1: shut down, move, boot afresh */
    act(&v, NB_ACT_MIGRATE_POWEROFF, (expect)R(AC(SAVE_MIGRATE), SHUTDOWN, OPEN | SETA | RS_CLR));
    assert_int_equal(v.hist, 48);
    done(&v, OK, (expect)R(AC(PROLOG_MIGRATE), PROLOG_MIGRATE, LEAVE));
    done(&v, OK, (expect)R(AC(BOOT), DEPLOY, 0));
    done(&v, OK, (expect)R(AC(RUNNING), NONE, 0));

    /* type 2: destroy, move, boot afresh; the save fails first */
    act(&v, NB_ACT_MIGRATE_POWEROFF_HARD,
        (expect)R(AC(SAVE_MIGRATE), CANCEL, OPEN | SETA | RS_CLR));
    done(&v, FAILED, (expect)R(AC(RUNNING), NONE, REV));
    act(&v, NB_ACT_MIGRATE_POWEROFF_HARD,
        (expect)R(AC(SAVE_MIGRATE), CANCEL, OPEN | SETA | RS_CLR));
    act(&v, NB_ACT_RECOVER_RETRY, (expect)R(AC(SAVE_MIGRATE), CANCEL, 0));
    done(&v, OK, (expect)R(AC(PROLOG_MIGRATE), PROLOG_MIGRATE, LEAVE));
    done(&v, FAILED, (expect)R(AC(PROLOG_MIGRATE_FAILURE), NONE, 0));
    act(&v, NB_ACT_RECOVER_RETRY, (expect)R(AC(PROLOG_MIGRATE), PROLOG_MIGRATE, 0));
    done(&v, OK, (expect)R(AC(BOOT), DEPLOY, 0));
    done(&v, OK, (expect)R(AC(RUNNING), NONE, 0));

    /* from POWEROFF: files only, POWEROFF on the target */
    v = vm_at((nb_vm_phase)ST(POWEROFF));
    act(&v, NB_ACT_MIGRATE,
        (expect)R(AC(PROLOG_MIGRATE_POWEROFF), PROLOG_MIGRATE, OPEN | LEAVE | SETA | RS_CLR));
    done(&v, OK, (expect)R(ST(POWEROFF), NONE, 0));

    /* from SUSPENDED: the checkpoint moves too */
    v = vm_at((nb_vm_phase)ST(SUSPENDED));
    act(&v, NB_ACT_MIGRATE,
        (expect)R(AC(PROLOG_MIGRATE_SUSPEND), PROLOG_MIGRATE, OPEN | LEAVE | SETA));
    done(&v, FAILED, (expect)R(AC(PROLOG_MIGRATE_SUSPEND_FAILURE), NONE, 0));
    act(&v, NB_ACT_RECOVER_FAILURE, (expect)R(ST(SUSPENDED), NONE, REV));
    act(&v, NB_ACT_RESUME, (expect)R(AC(BOOT_SUSPENDED), RESTORE, SETA | COPY));
    done(&v, OK, (expect)R(AC(RUNNING), NONE, 0));

    /* from UNKNOWN: off a dead host, booted on the target */
    v = vm_at((nb_vm_phase)AC(UNKNOWN));
    act(&v, NB_ACT_MIGRATE_POWEROFF,
        (expect)R(AC(PROLOG_MIGRATE_UNKNOWN), PROLOG_MIGRATE, OPEN | LEAVE | SETA | RS_CLR));
    done(&v, OK, (expect)R(AC(BOOT), DEPLOY, 0));
    seen(&v, NB_SEEN_RUNNING, (expect)R(AC(RUNNING), NONE, 0));

    /* §2.10: no cold migration from other phases */
    v = vm_at((nb_vm_phase)ST(STOPPED));
    act(&v, NB_ACT_MIGRATE, (expect)NO);
    v = vm_at((nb_vm_phase)AC(BOOT));
    act(&v, NB_ACT_MIGRATE_POWEROFF, (expect)NO);
}

static void test_walk_recover(void **state)
{
    (void)state;
    vm v = vm_at((nb_vm_phase)ST(PENDING));

    act(&v, NB_ACT_DEPLOY, (expect)R(AC(PROLOG), PROLOG, OPEN | SETA));
    done(&v, FAILED, (expect)R(AC(PROLOG_FAILURE), NONE, 0));
    act(&v, NB_ACT_RECOVER_FAILURE, (expect)SAME);
    act(&v, NB_ACT_RECOVER_RETRY, (expect)R(AC(PROLOG), PROLOG, 0));
    done(&v, OK, (expect)R(AC(BOOT), DEPLOY, 0));
    done(&v, FAILED, (expect)R(AC(BOOT_FAILURE), NONE, 0));
    act(&v, NB_ACT_RECOVER_SUCCESS, (expect)R(AC(RUNNING), NONE, 0));

    /* a shutdown that fails leaves it RUNNING; hard overrides a hung one */
    act(&v, NB_ACT_TERMINATE, (expect)R(AC(SHUTDOWN), SHUTDOWN, SETA | RS_CLR));
    done(&v, FAILED, (expect)R(AC(RUNNING), NONE, 0));
    act(&v, NB_ACT_TERMINATE, (expect)R(AC(SHUTDOWN), SHUTDOWN, SETA | RS_CLR));
    act(&v, NB_ACT_TERMINATE, (expect)NO);
    act(&v, NB_ACT_TERMINATE_HARD, (expect)R(AC(SHUTDOWN), CANCEL, SETA));
    act(&v, NB_ACT_RECOVER_RETRY, (expect)R(AC(SHUTDOWN), CANCEL, 0));
    done(&v, OK, (expect)R(AC(EPILOG), EPILOG, 0));
    done(&v, FAILED, (expect)R(AC(EPILOG_FAILURE), NONE, 0));
    act(&v, NB_ACT_RECOVER_SUCCESS, (expect)R(ST(DONE), NONE, LEAVE | DONE_));

    /* terminate of a failure state is a delete */
    v = vm_at((nb_vm_phase)AC(BOOT_MIGRATE_FAILURE));
    act(&v, NB_ACT_TERMINATE, (expect)R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA));
    done(&v, FAILED, (expect)R(ST(DONE), NONE, DONE_));

    /* delete from RUNNING */
    v = vm_at((nb_vm_phase)AC(RUNNING));
    act(&v, NB_ACT_RECOVER_DELETE, (expect)R(AC(CLEANUP_DELETE), CLEANUP, LEAVE | SETA | RS_CLR));
    assert_int_equal(v.hist, 13);
    done(&v, OK, (expect)R(ST(DONE), NONE, DONE_));

    /* delete-recreate: cleaned, PENDING again, prologued from the images */
    v = vm_at((nb_vm_phase)AC(EPILOG_STOP_FAILURE));
    act(&v, NB_ACT_RECOVER_DELETE_RECREATE,
        (expect)R(AC(CLEANUP_RESUBMIT), CLEANUP, LEAVE | SETA));
    assert_int_equal(v.hist, 14);
    done(&v, FAILED, (expect)R(ST(PENDING), NONE, RESUB));
    act(&v, NB_ACT_DEPLOY, (expect)R(AC(PROLOG), PROLOG, OPEN | SETA));
    act(&v, NB_ACT_RECOVER_DELETE_RECREATE,
        (expect)R(AC(CLEANUP_RESUBMIT), CLEANUP, LEAVE | SETA));
    /* changing one's mind: delete while the recreate cleanup runs */
    act(&v, NB_ACT_RECOVER_DELETE, (expect)R(AC(CLEANUP_DELETE), NONE, 0));
    v.running = NB_STEP_CLEANUP;        /* the cleanup started before */
    done(&v, OK, (expect)R(ST(DONE), NONE, DONE_));

    /* a stopped VM recreated drops its files first */
    v = vm_at((nb_vm_phase)ST(STOPPED));
    act(&v, NB_ACT_RECOVER_DELETE_RECREATE, (expect)R(AC(CLEANUP_RESUBMIT), CLEANUP, SETA));
    done(&v, OK, (expect)R(ST(PENDING), NONE, RESUB));
    act(&v, NB_ACT_DEPLOY, (expect)R(AC(PROLOG), PROLOG, OPEN | SETA));

    /* delete-db: gone without a driver call */
    v = vm_at((nb_vm_phase)AC(MIGRATE));
    act(&v, NB_ACT_RECOVER_DELETE_DB, (expect)R(ST(DONE), NONE, DONE_ | DDB | LEAVE));
    assert_int_equal(v.running, NB_STEP_NONE);

    /* recover of CLONING_FAILURE: the image copies */
    v = vm_at((nb_vm_phase)ST(CLONING_FAILURE));
    act(&v, NB_ACT_RECOVER_FAILURE, (expect)SAME);
    act(&v, NB_ACT_RECOVER_SUCCESS, (expect)R(ST(PENDING), NONE, 0));

    /* live migration recovered either way */
    v = vm_at((nb_vm_phase)AC(MIGRATE));
    act(&v, NB_ACT_RECOVER_SUCCESS, (expect)R(AC(RUNNING), NONE, LEAVE));
    v = vm_at((nb_vm_phase)AC(MIGRATE));
    act(&v, NB_ACT_RECOVER_FAILURE, (expect)R(AC(RUNNING), NONE, REV));
}

static void test_walk_monitoring(void **state)
{
    (void)state;
    vm v = vm_at((nb_vm_phase)AC(RUNNING));

    seen(&v, NB_SEEN_RUNNING, (expect)SAME);
    seen(&v, NB_SEEN_POWEROFF, (expect)R(ST(POWEROFF), NONE, RS_CLR));
    seen(&v, NB_SEEN_POWEROFF, (expect)SAME);
    seen(&v, NB_SEEN_MISSING, (expect)SAME);
    seen(&v, NB_SEEN_RUNNING, (expect)R(AC(RUNNING), NONE, COPY));
    seen(&v, NB_SEEN_HOST_ERROR, (expect)R(AC(UNKNOWN), NONE, RS_CLR));
    seen(&v, NB_SEEN_HOST_ERROR, (expect)SAME);
    seen(&v, NB_SEEN_FAILURE, (expect)SAME);
    seen(&v, NB_SEEN_RUNNING, (expect)R(AC(RUNNING), NONE, 0));
    seen(&v, NB_SEEN_FAILURE, (expect)R(AC(UNKNOWN), NONE, RS_CLR));
    act(&v, NB_ACT_RESUME, (expect)R(AC(BOOT_UNKNOWN), DEPLOY, SETA | RS_CLR));
    seen(&v, NB_SEEN_MISSING, (expect)SAME);
    seen(&v, NB_SEEN_RUNNING, (expect)R(AC(RUNNING), NONE, 0));
    /* the driver's late answer to the deploy is stale now */
    nb_lcm_move mv;
    assert_int_equal(nb_lcm_step_done(v.p, NB_STEP_DEPLOY, true, &mv), -1);

    seen(&v, NB_SEEN_SUSPENDED, (expect)R(ST(SUSPENDED), NONE, RS_CLR));
    seen(&v, NB_SEEN_RUNNING, (expect)R(AC(RUNNING), NONE, COPY));

    act(&v, NB_ACT_POWEROFF, (expect)R(AC(SHUTDOWN_POWEROFF), SHUTDOWN, SETA | RS_CLR));
    seen(&v, NB_SEEN_RUNNING, (expect)SAME);
    seen(&v, NB_SEEN_MISSING, (expect)R(ST(POWEROFF), NONE, 0));

    act(&v, NB_ACT_RESUME, (expect)R(AC(BOOT_POWEROFF), DEPLOY, SETA | RS_CLR | COPY));
    seen(&v, NB_SEEN_RUNNING, (expect)R(AC(RUNNING), NONE, 0));
    act(&v, NB_ACT_TERMINATE_HARD, (expect)R(AC(SHUTDOWN), CANCEL, SETA | RS_CLR));
    seen(&v, NB_SEEN_POWEROFF, (expect)R(AC(EPILOG), EPILOG, 0));
    seen(&v, NB_SEEN_RUNNING, (expect)SAME);
    done(&v, OK, (expect)R(ST(DONE), NONE, LEAVE | DONE_));
    seen(&v, NB_SEEN_RUNNING, (expect)SAME);
}

static void test_walk_hotplug(void **state)
{
    (void)state;
    vm v = vm_at((nb_vm_phase)AC(RUNNING));

    act(&v, NB_ACT_DISK_ATTACH, (expect)R(AC(HOTPLUG), ATTACH_DISK, RS_CLR));
    act(&v, NB_ACT_DISK_ATTACH, (expect)NO);    /* one hotplug at a time */
    done(&v, FAILED, (expect)R(AC(RUNNING), NONE, RB));
    act(&v, NB_ACT_DISK_DETACH, (expect)R(AC(HOTPLUG), DETACH_DISK, RS_CLR));
    done(&v, OK, (expect)R(AC(RUNNING), NONE, 0));
    act(&v, NB_ACT_NIC_ATTACH, (expect)R(AC(HOTPLUG_NIC), ATTACH_NIC, RS_CLR));
    done(&v, OK, (expect)R(AC(RUNNING), NONE, 0));
    act(&v, NB_ACT_RESIZE, (expect)R(AC(HOTPLUG_RESIZE), RESIZE, RS_CLR));
    done(&v, FAILED, (expect)R(AC(RUNNING), NONE, RB));
    act(&v, NB_ACT_SNAPSHOT_CREATE, (expect)R(AC(HOTPLUG_SNAPSHOT), SNAPSHOT_CREATE, RS_CLR));
    done(&v, OK, (expect)R(AC(RUNNING), NONE, 0));
    act(&v, NB_ACT_SNAPSHOT_REVERT, (expect)R(AC(HOTPLUG_SNAPSHOT), SNAPSHOT_REVERT, RS_CLR));
    act(&v, NB_ACT_RECOVER_FAILURE, (expect)R(AC(RUNNING), NONE, RB));

    act(&v, NB_ACT_POWEROFF, (expect)R(AC(SHUTDOWN_POWEROFF), SHUTDOWN, SETA | RS_CLR));
    done(&v, OK, (expect)R(ST(POWEROFF), NONE, 0));
    act(&v, NB_ACT_SNAPSHOT_CREATE, (expect)NO);
    act(&v, NB_ACT_DISK_ATTACH, (expect)R(AC(HOTPLUG_PROLOG_POWEROFF), ATTACH_DISK, RS_CLR));
    done(&v, OK, (expect)R(ST(POWEROFF), NONE, 0));
    act(&v, NB_ACT_DISK_DETACH, (expect)R(AC(HOTPLUG_EPILOG_POWEROFF), DETACH_DISK, RS_CLR));
    done(&v, FAILED, (expect)R(ST(POWEROFF), NONE, RB));
    act(&v, NB_ACT_NIC_DETACH, (expect)R(AC(HOTPLUG_NIC_POWEROFF), DETACH_NIC, RS_CLR));
    done(&v, FAILED, (expect)R(ST(POWEROFF), NONE, RB));
    act(&v, NB_ACT_RESIZE, (expect)SAME);
    act(&v, NB_ACT_UNDEPLOY, (expect)R(AC(EPILOG_UNDEPLOY), EPILOG_UNDEPLOY, SETA | RS_CLR));
    done(&v, OK, (expect)R(ST(UNDEPLOYED), NONE, LEAVE));
    act(&v, NB_ACT_RESIZE, (expect)SAME);
    act(&v, NB_ACT_DISK_ATTACH, (expect)NO);
}

/* ---- names ---------------------------------------------------------------------------------- */

static void test_state_names(void **state)
{
    (void)state;
    static const char *const want[] = {
        "INIT", "PENDING", "HOLD", "ACTIVE", "STOPPED", "SUSPENDED", "DONE", NULL,
        "POWEROFF", "UNDEPLOYED", "CLONING", "CLONING_FAILURE",
    };
    static const char *const want_short[] = {
        "init", "pend", "hold", NULL, "stop", "susp", "done", NULL,
        "poff", "unde", "clon", "fail",
    };
    for (int s = 0; s < (int)N(want); s++) {
        cells++;
        if (want[s] == NULL)
            assert_null(nb_vm_state_name(s));
        else
            assert_string_equal(nb_vm_state_name(s), want[s]);
        if (s == NB_VM_ACTIVE)
            continue;
        nb_vm_phase p = { s, 0 };
        cells++;
        if (want_short[s] == NULL)
            assert_null(nb_vm_phase_short(p));
        else
            assert_string_equal(nb_vm_phase_short(p), want_short[s]);
    }
    assert_null(nb_vm_state_name(-1));
    assert_null(nb_vm_state_name(12));
    assert_null(nb_vm_state_name(1000));
}

static void test_lcm_names(void **state)
{
    (void)state;
    static const struct {
        const char *name, *shrt;
    } want[NB_LCM_STATE_MAX + 1] = {
        { "LCM_INIT", "init" }, { "PROLOG", "prol" }, { "BOOT", "boot" },
        { "RUNNING", "runn" }, { "MIGRATE", "migr" }, { "SAVE_STOP", "save" },
        { "SAVE_SUSPEND", "save" }, { "SAVE_MIGRATE", "save" }, { "PROLOG_MIGRATE", "migr" },
        { "PROLOG_RESUME", "prol" }, { "EPILOG_STOP", "epil" }, { "EPILOG", "epil" },
        { "SHUTDOWN", "shut" }, { NULL, NULL }, { NULL, NULL },
        { "CLEANUP_RESUBMIT", "clea" }, { "UNKNOWN", "unkn" }, { "HOTPLUG", "hotp" },
        { "SHUTDOWN_POWEROFF", "shut" }, { "BOOT_UNKNOWN", "boot" },
        { "BOOT_POWEROFF", "boot" }, { "BOOT_SUSPENDED", "boot" }, { "BOOT_STOPPED", "boot" },
        { "CLEANUP_DELETE", "clea" }, { "HOTPLUG_SNAPSHOT", "snap" },
        { "HOTPLUG_NIC", "hotp" }, { "HOTPLUG_SAVEAS", "hotp" },
        { "HOTPLUG_SAVEAS_POWEROFF", "hotp" }, { "HOTPLUG_SAVEAS_SUSPENDED", "hotp" },
        { "SHUTDOWN_UNDEPLOY", "shut" }, { "EPILOG_UNDEPLOY", "epil" },
        { "PROLOG_UNDEPLOY", "prol" }, { "BOOT_UNDEPLOY", "boot" },
        { "HOTPLUG_PROLOG_POWEROFF", "hotp" }, { "HOTPLUG_EPILOG_POWEROFF", "hotp" },
        { "BOOT_MIGRATE", "boot" }, { "BOOT_FAILURE", "fail" },
        { "BOOT_MIGRATE_FAILURE", "fail" }, { "PROLOG_MIGRATE_FAILURE", "fail" },
        { "PROLOG_FAILURE", "fail" }, { "EPILOG_FAILURE", "fail" },
        { "EPILOG_STOP_FAILURE", "fail" }, { "EPILOG_UNDEPLOY_FAILURE", "fail" },
        { "PROLOG_MIGRATE_POWEROFF", "migr" }, { "PROLOG_MIGRATE_POWEROFF_FAILURE", "fail" },
        { "PROLOG_MIGRATE_SUSPEND", "migr" }, { "PROLOG_MIGRATE_SUSPEND_FAILURE", "fail" },
        { "BOOT_UNDEPLOY_FAILURE", "fail" }, { "BOOT_STOPPED_FAILURE", "fail" },
        { "PROLOG_RESUME_FAILURE", "fail" }, { "PROLOG_UNDEPLOY_FAILURE", "fail" },
        { "DISK_SNAPSHOT_POWEROFF", "snap" }, { "DISK_SNAPSHOT_REVERT_POWEROFF", "snap" },
        { "DISK_SNAPSHOT_DELETE_POWEROFF", "snap" }, { "DISK_SNAPSHOT_SUSPENDED", "snap" },
        { NULL, NULL }, { "DISK_SNAPSHOT_DELETE_SUSPENDED", "snap" },
        { "DISK_SNAPSHOT", "snap" }, { NULL, NULL }, { "DISK_SNAPSHOT_DELETE", "snap" },
        { "PROLOG_MIGRATE_UNKNOWN", "migr" }, { "PROLOG_MIGRATE_UNKNOWN_FAILURE", "fail" },
        { "DISK_RESIZE", "drsz" }, { "DISK_RESIZE_POWEROFF", "drsz" },
        { "DISK_RESIZE_UNDEPLOYED", "drsz" }, { "HOTPLUG_NIC_POWEROFF", "hotp" },
        { "HOTPLUG_RESIZE", "hotp" }, { "HOTPLUG_SAVEAS_UNDEPLOYED", "hotp" },
        { "HOTPLUG_SAVEAS_STOPPED", "hotp" }, { "BACKUP", "back" },
        { "BACKUP_POWEROFF", "back" }, { "RESTORE", "rest" },
    };
    int named = 0;

    for (int l = 0; l <= NB_LCM_STATE_MAX; l++) {
        nb_vm_phase p = { NB_VM_ACTIVE, l };
        cells += 2;
        if (want[l].name == NULL) {
            assert_null(nb_lcm_state_name(l));
            assert_null(nb_vm_phase_short(p));
            continue;
        }
        named++;
        assert_string_equal(nb_lcm_state_name(l), want[l].name);
        assert_string_equal(nb_vm_phase_short(p), want[l].shrt);
        /* the LCM_STATE only counts in ACTIVE */
        nb_vm_phase off = { NB_VM_POWEROFF, l };
        assert_true(l == 0 ? nb_vm_phase_short(off) != NULL : nb_vm_phase_short(off) == NULL);
    }
    assert_int_equal(named, 68);
    assert_int_equal(named + 10, (int)N(PHASES));
    assert_null(nb_lcm_state_name(-1));
    assert_null(nb_lcm_state_name(72));
    nb_vm_phase bad = { 7, 0 };
    assert_null(nb_vm_phase_short(bad));
}

static void test_action_strings(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        enum nb_vm_action a;
        int code;
    } api[] = {
        { "terminate", NB_ACT_TERMINATE, 27 }, { "terminate-hard", NB_ACT_TERMINATE_HARD, 28 },
        { "undeploy", NB_ACT_UNDEPLOY, 5 }, { "undeploy-hard", NB_ACT_UNDEPLOY_HARD, 6 },
        { "poweroff", NB_ACT_POWEROFF, 19 }, { "poweroff-hard", NB_ACT_POWEROFF_HARD, 20 },
        { "reboot", NB_ACT_REBOOT, 15 }, { "reboot-hard", NB_ACT_REBOOT_HARD, 16 },
        { "suspend", NB_ACT_SUSPEND, 10 }, { "resume", NB_ACT_RESUME, 11 },
        { "stop", NB_ACT_STOP, 9 }, { "hold", NB_ACT_HOLD, 7 }, { "release", NB_ACT_RELEASE, 8 },
        { "resched", NB_ACT_RESCHED, 17 }, { "unresched", NB_ACT_UNRESCHED, 18 },
    };
    for (size_t i = 0; i < N(api); i++) {
        enum nb_vm_action a = NB_ACT_COUNT;
        cells += 3;
        assert_int_equal(nb_vm_action_parse(api[i].s, &a), 0);
        assert_int_equal(a, api[i].a);
        assert_string_equal(nb_vm_action_name(a), api[i].s);
        assert_int_equal(nb_vm_action_code(a), api[i].code);
    }

    /* not one.vm.action strings */
    static const char *const refused[] = {
        "", "Terminate", "terminate ", " terminate", "shutdown", "shutdown-hard", "delete",
        "boot", "deploy", "migrate", "live-migrate", "recover", "retry", "resize",
        "disk-attach", "snapshot-create", "poweroff-migrate", "resume\n", "stop-hard",
    };
    for (size_t i = 0; i < N(refused); i++) {
        enum nb_vm_action a = NB_ACT_DEPLOY;
        cells++;
        assert_int_equal(nb_vm_action_parse(refused[i], &a), -1);
        assert_int_equal(a, NB_ACT_DEPLOY);
    }
    assert_int_equal(nb_vm_action_parse(NULL, NULL), -1);

    /* the other actions: OpenNebula's names (HISTORY_ACTION) and codes */
    static const struct {
        enum nb_vm_action a;
        const char *name;
        int code;
    } other[] = {
        { NB_ACT_DEPLOY, "deploy", 30 },
        { NB_ACT_MIGRATE_LIVE, "live-migrate", 2 },
        { NB_ACT_MIGRATE, "migrate", 1 },
        { NB_ACT_MIGRATE_POWEROFF, "poweroff-migrate", 48 },
        { NB_ACT_MIGRATE_POWEROFF_HARD, "poweroff-hard-migrate", 49 },
        { NB_ACT_RECOVER_FAILURE, "recover", 42 },
        { NB_ACT_RECOVER_SUCCESS, "recover", 42 },
        { NB_ACT_RECOVER_RETRY, "retry", 43 },
        { NB_ACT_RECOVER_DELETE, "delete", 13 },
        { NB_ACT_RECOVER_DELETE_RECREATE, "delete-recreate", 14 },
        { NB_ACT_RECOVER_DELETE_DB, "delete", 13 },
        { NB_ACT_DISK_ATTACH, "disk-attach", 21 },
        { NB_ACT_DISK_DETACH, "disk-detach", 22 },
        { NB_ACT_NIC_ATTACH, "nic-attach", 23 },
        { NB_ACT_NIC_DETACH, "nic-detach", 24 },
        { NB_ACT_RESIZE, "resize", 35 },
        { NB_ACT_SNAPSHOT_CREATE, "snapshot-create", 37 },
        { NB_ACT_SNAPSHOT_REVERT, "snapshot-revert", 39 },
        { NB_ACT_SNAPSHOT_DELETE, "snapshot-delete", 38 },
    };
    assert_int_equal(N(api) + N(other), NB_ACT_COUNT);
    for (size_t i = 0; i < N(other); i++) {
        cells += 2;
        assert_string_equal(nb_vm_action_name(other[i].a), other[i].name);
        assert_int_equal(nb_vm_action_code(other[i].a), other[i].code);
    }
    assert_null(nb_vm_action_name(NB_ACT_COUNT));
    assert_null(nb_vm_action_name((enum nb_vm_action)-1));
    assert_int_equal(nb_vm_action_code(NB_ACT_COUNT), -1);
}

/* ---- what is not a phase, an action, a step ------------------------------------------------- */

static void test_invalid_inputs(void **state)
{
    (void)state;
    static const nb_vm_phase bad[] = {
        { 7, 0 }, { 12, 0 }, { -1, 0 }, { NB_VM_ACTIVE, 13 }, { NB_VM_ACTIVE, 14 },
        { NB_VM_ACTIVE, 55 }, { NB_VM_ACTIVE, 58 }, { NB_VM_ACTIVE, 72 }, { NB_VM_ACTIVE, -1 },
        { NB_VM_POWEROFF, 3 }, { NB_VM_PENDING, 1 }, { NB_VM_DONE, 6 },
    };
    nb_lcm_move mv;

    for (size_t i = 0; i < N(bad); i++) {
        for (int a = 0; a < NB_ACT_COUNT; a++) {
            cells++;
            assert_int_equal(nb_lcm_action(bad[i], (enum nb_vm_action)a, &mv), -1);
        }
        for (int s = 0; s < NB_STEP_COUNT; s++) {
            cells += 2;
            assert_int_equal(nb_lcm_step_done(bad[i], (enum nb_vm_step)s, true, &mv), -1);
            assert_int_equal(nb_lcm_step_done(bad[i], (enum nb_vm_step)s, false, &mv), -1);
        }
        for (int s = NB_SEEN_RUNNING; s <= NB_SEEN_HOST_ERROR; s++) {
            cells++;
            assert_int_equal(nb_lcm_observed(bad[i], (enum nb_vm_seen)s, &mv), -1);
        }
    }

    nb_vm_phase run = AC(RUNNING);
    assert_int_equal(nb_lcm_action(run, NB_ACT_COUNT, &mv), -1);
    assert_int_equal(nb_lcm_action(run, (enum nb_vm_action)-1, &mv), -1);
    assert_int_equal(nb_lcm_action(run, NB_ACT_REBOOT, NULL), -1);
    assert_int_equal(nb_lcm_step_done(run, NB_STEP_COUNT, true, &mv), -1);
    assert_int_equal(nb_lcm_step_done(run, (enum nb_vm_step)-1, true, &mv), -1);
    assert_int_equal(nb_lcm_step_done(run, NB_STEP_REBOOT, true, NULL), -1);
    assert_int_equal(nb_lcm_observed(run, (enum nb_vm_seen)6, &mv), -1);
    assert_int_equal(nb_lcm_observed(run, (enum nb_vm_seen)-1, &mv), -1);
    assert_int_equal(nb_lcm_observed(run, NB_SEEN_RUNNING, NULL), -1);

    /* a refused action leaves the move untouched */
    memset(&mv, 0x5a, sizeof mv);
    nb_lcm_move before = mv;
    assert_int_equal(nb_lcm_action(run, NB_ACT_RELEASE, &mv), -1);
    assert_memory_equal(&mv, &before, sizeof mv);
}

static void test_cell_count(void **state)
{
    (void)state;
    print_message("[ lifecycle ] %lu asserted cells\n", cells);
    assert_true(cells > 8000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_action_table),
        cmocka_unit_test(test_recover_table),
        cmocka_unit_test(test_step_table),
        cmocka_unit_test(test_observed_table),
        cmocka_unit_test(test_history_action),
        cmocka_unit_test(test_walk_main),
        cmocka_unit_test(test_walk_stop_resume_pending),
        cmocka_unit_test(test_walk_live_migrate),
        cmocka_unit_test(test_walk_cold_migrate),
        cmocka_unit_test(test_walk_recover),
        cmocka_unit_test(test_walk_monitoring),
        cmocka_unit_test(test_walk_hotplug),
        cmocka_unit_test(test_state_names),
        cmocka_unit_test(test_lcm_names),
        cmocka_unit_test(test_action_strings),
        cmocka_unit_test(test_invalid_inputs),
        cmocka_unit_test(test_cell_count),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
