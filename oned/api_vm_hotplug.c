/*
 * one.vm.attach, detach, attachnic, detachnic, resize and snapshotcreate,
 * snapshotrevert, snapshotdelete (reference §2.10): a change of the VM's
 * TEMPLATE (hotplug.h) together with the lifecycle move that starts the
 * driver step, checked against the quotas in the same transaction; the
 * engine finishes the change with the step's result.
 */
#include <stdlib.h>
#include "lib/util.h"
#include "oned/api_vm.h"
#include "oned/engine.h"
#include "oned/host.h"
#include "oned/hotplug.h"
#include "oned/vm.h"

/* Prepare the change of template t for move mv: the value to reply
 * (>= 0), or -1 with the call failed. */
typedef int (*nb_prepare_fn)(nb_call *c, nb_tmpl *t, const nb_lcm_move *mv);

/* Reply to a template change the pure core refused. */
static int nb_refused(nb_call *c, char *err)
{
    nb_fail(c, NB_E_ACTION, c->obj->oid, "%s", err);
    free(err);
    return -1;
}

static int nb_vm_change(nb_call *c, enum nb_vm_action a, nb_prepare_fn prepare)
{
    const nb_object *o = c->obj;
    nb_vm_phase now = nb_vm_cof(o)->phase;
    nb_tmpl t;
    nb_lcm_move mv;
    nb_vm *vm;
    int reply, ret = -1;

    if (nb_vm_decide(c, a, &mv) < 0)
        return -1;
    nb_tmpl_copy(&t, &o->tmpl);
    if ((reply = prepare(c, &t, &mv)) < 0 ||
        nb_vm_quota_check_change(c, o->uid, o->gid, &o->tmpl, now, &t, mv.to) < 0)
        goto cleanup;
    vm = nb_vm_of(nb_txn_edit(c->txn, o));
    nb_engine_retemplate(c->txn, vm, &t);
    nb_engine_apply(c->txn, vm, &mv, NULL, nb_vm_action_code(a));
    nb_reply_int(c, reply);
    ret = 0;
 cleanup:
    nb_tmpl_free(&t);
    return ret;
}

/* ---- disks and NICs ----------------------------------------------------------- */

static int nb_attach(nb_call *c, nb_tmpl *t, const char *vector)
{
    nb_tmpl req = NB_TMPL_INIT;
    char *err = NULL;
    int ret = -1;

    if (nb_vm_parse_text(c, nb_arg_str(c, 1, ""), &req) < 0)
        goto cleanup;
    if (nb_hotplug_attach(t, c->obj->oid, vector, &req, &err) < 0)
        nb_refused(c, err);
    else
        ret = c->obj->oid;
 cleanup:
    nb_tmpl_free(&req);
    return ret;
}

static int nb_detach(nb_call *c, nb_tmpl *t, const char *vector)
{
    char *err = NULL;

    if (nb_hotplug_detach(t, vector, (int)nb_arg_int(c, 1, -1), &err) < 0)
        return nb_refused(c, err);
    return c->obj->oid;
}

static int nb_prep_attach_disk(nb_call *c, nb_tmpl *t, const nb_lcm_move *mv)
{
    (void)mv;
    return nb_attach(c, t, "DISK");
}

static int nb_prep_detach_disk(nb_call *c, nb_tmpl *t, const nb_lcm_move *mv)
{
    (void)mv;
    return nb_detach(c, t, "DISK");
}

static int nb_prep_attach_nic(nb_call *c, nb_tmpl *t, const nb_lcm_move *mv)
{
    (void)mv;
    return nb_attach(c, t, "NIC");
}

static int nb_prep_detach_nic(nb_call *c, nb_tmpl *t, const nb_lcm_move *mv)
{
    (void)mv;
    return nb_detach(c, t, "NIC");
}

/* attach(id, "DISK = [...]"), detach(id, disk_id), and the NIC twins */
static int nb_vm_attach(nb_call *c) { return nb_vm_change(c, NB_ACT_DISK_ATTACH, nb_prep_attach_disk); }
static int nb_vm_detach(nb_call *c) { return nb_vm_change(c, NB_ACT_DISK_DETACH, nb_prep_detach_disk); }
static int nb_vm_attachnic(nb_call *c) { return nb_vm_change(c, NB_ACT_NIC_ATTACH, nb_prep_attach_nic); }
static int nb_vm_detachnic(nb_call *c) { return nb_vm_change(c, NB_ACT_NIC_DETACH, nb_prep_detach_nic); }

/* ---- resize ------------------------------------------------------------------------ */

/* resize(id, "CPU = .. VCPU = .. MEMORY = ..", enforce = true): live when
 * the move runs the RESIZE step, else only the template changes.  A VM on
 * a host must fit there unless an administrator says not to check (7.x:
 * only the oneadmin group may pass enforce = false). */
static int nb_prep_resize(nb_call *c, nb_tmpl *t, const nb_lcm_move *mv)
{
    const nb_vm_history *h = nb_vm_last_history(nb_vm_cof(c->obj));
    bool enforce = nb_arg_bool(c, 2, true) || !nb_subject_is_admin(&c->subj);
    const nb_object *ho;
    nb_tmpl req = NB_TMPL_INIT;
    char *err = NULL;
    int ret = -1;

    if (nb_vm_parse_text(c, nb_arg_str(c, 1, ""), &req) < 0)
        goto cleanup;
    if (nb_hotplug_resize(t, &req, mv->step == NB_STEP_RESIZE, &err) < 0) {
        nb_refused(c, err);
        goto cleanup;
    }
    if (enforce && h && !h->etime && (ho = nb_txn_get(c->txn, &nb_host_kind, h->hid)) &&
        nb_vm_host_room(c, ho, &c->obj->tmpl, t) < 0)
        goto cleanup;
    ret = c->obj->oid;
 cleanup:
    nb_tmpl_free(&req);
    return ret;
}

static int nb_vm_resize(nb_call *c) { return nb_vm_change(c, NB_ACT_RESIZE, nb_prep_resize); }

/* ---- system snapshots --------------------------------------------------------- */

/* snapshotcreate(id, name): replies the new snapshot's id. */
static int nb_prep_snapshot_create(nb_call *c, nb_tmpl *t, const nb_lcm_move *mv)
{
    const char *name = nb_arg_str(c, 1, "");
    const char *why = *name ? nb_name_invalid(name, true) : NULL;

    (void)mv;
    if (why)
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "Snapshot name: %s.", why);
    return nb_hotplug_snapshot_create(t, name, nb_now());
}

static int nb_prep_snapshot_mark(nb_call *c, nb_tmpl *t, const nb_lcm_move *mv)
{
    char *err = NULL;

    (void)mv;
    if (nb_hotplug_snapshot_mark(t, (int)nb_arg_int(c, 1, -1), &err) < 0)
        return nb_refused(c, err);
    return c->obj->oid;
}

static int nb_vm_snapshotcreate(nb_call *c)
{
    return nb_vm_change(c, NB_ACT_SNAPSHOT_CREATE, nb_prep_snapshot_create);
}

static int nb_vm_snapshotrevert(nb_call *c)
{
    return nb_vm_change(c, NB_ACT_SNAPSHOT_REVERT, nb_prep_snapshot_mark);
}

static int nb_vm_snapshotdelete(nb_call *c)
{
    return nb_vm_change(c, NB_ACT_SNAPSHOT_DELETE, nb_prep_snapshot_mark);
}

#define K (&nb_vm_kind)
#define W NB_M_WRITE
const nb_method nb_api_vm_hotplug_methods[] = {
    NB_METHOD("one.vm.attach", "is", K, 0, NB_OP_MANAGE, W, nb_vm_attach),
    NB_METHOD("one.vm.detach", "ii", K, 0, NB_OP_MANAGE, W, nb_vm_detach),
    NB_METHOD("one.vm.attachnic", "is", K, 0, NB_OP_MANAGE, W, nb_vm_attachnic),
    NB_METHOD("one.vm.detachnic", "ii", K, 0, NB_OP_MANAGE, W, nb_vm_detachnic),
    NB_METHOD("one.vm.resize", "is|b", K, 0, NB_OP_MANAGE, W, nb_vm_resize),
    NB_METHOD("one.vm.snapshotcreate", "is", K, 0, NB_OP_MANAGE, W, nb_vm_snapshotcreate),
    NB_METHOD("one.vm.snapshotrevert", "ii", K, 0, NB_OP_MANAGE, W, nb_vm_snapshotrevert),
    NB_METHOD("one.vm.snapshotdelete", "ii", K, 0, NB_OP_MANAGE, W, nb_vm_snapshotdelete),
    NB_METHOD_END,
};
