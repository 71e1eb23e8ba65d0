/*
 * one.vm.*, one.template.instantiate and one.vmpool.info/infoextended
 * (reference §2.8, §2.10, §3.10, §7).  Handlers decide a lifecycle move and
 * hand it to the engine inside their transaction; the driver work starts
 * once the change is durable (engine.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "oned/api.h"
#include "oned/api_vm.h"
#include "oned/cluster.h"
#include "oned/datastore.h"
#include "oned/engine.h"
#include "oned/host.h"
#include "oned/hotplug.h"
#include "oned/image_disks.h"
#include "oned/quota_model.h"
#include "oned/sched.h"
#include "oned/tenancy.h"
#include "oned/vm.h"
#include "oned/vmtemplate.h"

#define K (&nb_vm_kind)

/* ---- creating VMs -------------------------------------------------------- */

int nb_vm_quota_check_change(nb_call *c, int uid, int gid, const nb_tmpl *from_t,
                             nb_vm_phase from, const nb_tmpl *to_t, nb_vm_phase to)
{
    char *why = NULL;
    if (nb_quota_vm_change(c->txn, uid, gid, from_t, from, to_t, to, true, &why) == 0)
        return 0;
    nb_fail(c, NB_E_AUTHORIZATION, -1, "User [%d] : %s", c->uid, why);
    free(why);
    return -1;
}

/* Would uid's and gid's VM quotas take the VM (template t) going from
 * `from` to `to`?  0, or -1 with AUTHORIZATION as OpenNebula words it. */
static int nb_vm_quota_check(nb_call *c, int uid, int gid, const nb_tmpl *t, nb_vm_phase from,
                             nb_vm_phase to)
{
    return nb_vm_quota_check_change(c, uid, gid, t, from, t, to);
}

/* MEMORY (MB, integer > 0) and CPU (> 0) are what every VM must say. */
static int nb_vm_check_capacity_attrs(nb_call *c, const nb_tmpl *t)
{
    const char *mem = nb_tmpl_get(t, "MEMORY");
    const char *cpu = nb_tmpl_get(t, "CPU");
    long long mb;
    char *end = NULL;
    double share = cpu ? strtod(cpu, &end) : 0;

    if (!mem || nb_parse_ll(mem, &mb) < 0 || mb <= 0)
        return nb_fail(c, NB_E_ALLOCATE, -1, "VM template: MEMORY attribute must be a positive "
                       "integer value.");
    if (!cpu || end == cpu || *end || !(share > 0))
        return nb_fail(c, NB_E_ALLOCATE, -1, "VM template: CPU attribute must be a positive "
                       "float or integer value.");
    return 0;
}

/*
 * A new VM of the caller from template text t (already merged): PENDING, or
 * HOLD.  name: NULL takes NAME from t, else "one-<id>"; prefix: the
 * instantiated template's name, giving "<prefix>-<id>".  Replies its id.
 */
static int nb_vm_create(nb_call *c, const nb_tmpl *t, const char *name, const char *prefix,
                        int template_id, bool hold)
{
    int gid = c->subj.gid;
    nb_vm_phase done = { NB_VM_DONE, 0 }, start = { hold ? NB_VM_HOLD : NB_VM_PENDING, 0 };
    nb_object *o;
    nb_vm *vm;
    char num[16], *vm_name;
    int oid;

    if (nb_gate_check_create(c, K, gid) < 0 || nb_vm_check_capacity_attrs(c, t) < 0 ||
        nb_vm_quota_check(c, c->uid, gid, t, done, start) < 0)
        return -1;
    nb_quota_vm_move(c->txn, c->uid, gid, t, done, start, false, NULL);
    oid = nb_txn_next_oid(c->txn, K, 0);
    if (!name || !*name)
        name = nb_tmpl_get(t, "NAME");
    /* The name is checked as rename checks it (a failed call drops the
     * transaction, the id included). */
    vm_name = name && *name ? nb_strdup(name)
            : prefix ? nb_asprintf("%s-%d", prefix, oid) : nb_asprintf("one-%d", oid);
    if (nb_api_check_name(c, K, vm_name, -1) < 0) {
        free(vm_name);
        return -1;
    }
    o = nb_object_new(K);
    vm = nb_vm_of(o);
    o->oid = oid;
    o->uid = c->uid;
    o->gid = gid;
    o->perms = nb_api_new_perms(c, gid);
    o->name = vm_name;
    nb_vm_split_template(t, &o->tmpl, &vm->user_tmpl);
    /* Disks and NICs are numbered, disk targets fixed, as OpenNebula does. */
    nb_hotplug_number(&o->tmpl);
    if (nb_image_disks_acquire(c, &o->tmpl, o->oid, c->uid) < 0) {
        nb_object_free(o);
        return -1;
    }
    snprintf(num, sizeof(num), "%d", o->oid);
    nb_tmpl_set(&o->tmpl, "VMID", num);
    if (template_id >= 0) {
        snprintf(num, sizeof(num), "%d", template_id);
        nb_tmpl_set(&o->tmpl, "TEMPLATE_ID", num);
    }
    vm->phase = vm->prev = start;
    vm->stime = nb_now();
    vm->deploy_id = nb_strdup("");
    nb_txn_insert(c->txn, o);
    if (!hold)
        nb_sched_wake(c->txn);
    nb_reply_int(c, o->oid);
    return 0;
}

int nb_vm_parse_text(nb_call *c, const char *text, nb_tmpl *t)
{
    char *err = NULL;
    if (nb_tmpl_parse(t, text, strlen(text), &err) == 0)
        return 0;
    nb_fail(c, NB_E_INTERNAL, -1, "%s", err);
    free(err);
    return -1;
}

/* allocate(template, hold?) */
static int nb_vm_allocate(nb_call *c)
{
    nb_tmpl t = NB_TMPL_INIT;
    int ret = -1;

    if (nb_vm_parse_text(c, nb_arg_str(c, 0, ""), &t) == 0)
        ret = nb_vm_create(c, &t, NULL, NULL, -1, nb_arg_bool(c, 1, false));
    nb_tmpl_free(&t);
    return ret;
}

/* instantiate(id, name, hold?, extra?, persistent?): USE on the template
 * (dispatcher), then a VM from it with `extra` merged over it. */
static int nb_template_instantiate(nb_call *c)
{
    nb_tmpl t = NB_TMPL_INIT, extra = NB_TMPL_INIT;
    int ret = -1;

    if (nb_arg_bool(c, 4, false))
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "Persistent instantiation copies the "
                       "template's images, and this oned has no image support yet.");
    nb_tmpl_copy(&t, &c->obj->tmpl);
    if (nb_vm_parse_text(c, nb_arg_str(c, 3, ""), &extra) < 0)
        goto cleanup;
    nb_tmpl_update(&t, &extra, 1);
    ret = nb_vm_create(c, &t, nb_arg_str(c, 1, ""), c->obj->name, c->obj->oid,
                       nb_arg_bool(c, 2, false) || nb_tmpl_yes(&t, "SUBMIT_ON_HOLD"));
 cleanup:
    nb_tmpl_free(&extra);
    nb_tmpl_free(&t);
    return ret;
}

/* ---- moving VMs ----------------------------------------------------------- */

static const char *nb_phase_name(nb_vm_phase p)
{
    if (p.state == NB_VM_ACTIVE)
        return nb_lcm_state_name(p.lcm);
    return nb_vm_state_name(p.state);
}

int nb_vm_decide(nb_call *c, enum nb_vm_action a, nb_lcm_move *mv)
{
    const nb_vm *cur = nb_vm_cof(c->obj);
    const nb_vm_history *h = nb_vm_last_history(cur);

    if (nb_lcm_action_hist(cur->phase, h ? h->action : 0, a, mv) < 0)
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "%s action is not available for state %s.",
                       nb_vm_action_name(a), nb_phase_name(cur->phase));
    return 0;
}

/* Decide and apply action a on the call's VM. */
static int nb_vm_move(nb_call *c, enum nb_vm_action a, const nb_placement *to)
{
    const nb_vm *cur = nb_vm_cof(c->obj);
    nb_lcm_move mv;

    if (nb_vm_decide(c, a, &mv) < 0)
        return -1;
    /* Running again (resume, deploy) must fit the RUNNING_* quotas. */
    if (nb_vm_quota_check(c, c->obj->uid, c->obj->gid, &c->obj->tmpl, cur->phase, mv.to) < 0)
        return -1;
    nb_engine_apply(c->txn, nb_vm_of(nb_txn_edit(c->txn, c->obj)), &mv, to, nb_vm_action_code(a));
    nb_reply_int(c, c->obj->oid);
    return 0;
}

int nb_vm_host_room(nb_call *c, const nb_object *ho, const nb_tmpl *from, const nb_tmpl *to)
{
    const nb_host *h = nb_host_cof(ho);
    long long cpu0, mem0, cpu1, mem1, need_cpu, need_mem;

    nb_vm_host_demand(from, &cpu0, &mem0);
    nb_vm_host_demand(to, &cpu1, &mem1);
    need_cpu = cpu1 - cpu0;
    need_mem = mem1 - mem0;
    /* What shrinks always fits, even on an overcommitted host. */
    if ((need_cpu > 0 && h->share.cpu_usage + need_cpu > h->share.max_cpu) ||
        (need_mem > 0 && h->share.mem_usage + need_mem > h->share.max_mem))
        return nb_fail(c, NB_E_ACTION, ho->oid, "Host %d does not have enough capacity: "
                       "CPU %lld/%lld, MEMORY %lld/%lld KB in use, the VM needs %lld and %lld.",
                       ho->oid, h->share.cpu_usage, h->share.max_cpu, h->share.mem_usage,
                       h->share.max_mem, need_cpu, need_mem);
    return 0;
}

static const nb_object *nb_txn_datastore(void *t, int id)
{
    return nb_txn_get(t, &nb_datastore_kind, id);
}

/* The first enabled system datastore of cluster cid, or -1. */
static int nb_cluster_txn_system_ds(nb_txn *t, int cid)
{
    const nb_object *cl = nb_txn_get(t, &nb_cluster_kind, cid);
    return cl ? nb_cluster_system_ds(cl, nb_txn_datastore, t) : -1;
}

/*
 * The placement of deploy and migrate: HOST:MANAGE on the host (argument
 * hi), DATASTORE:USE on the system datastore (argument di, -1: the host's
 * cluster's, or the current one when `keep_ds`), and room on the host when
 * `enforce` asks.
 */
static int nb_vm_placement(nb_call *c, size_t hi, size_t di, size_t ei, bool keep_ds,
                           nb_placement *to)
{
    const nb_object *ho, *ds;
    const nb_host *h;
    const nb_vm_history *last = nb_vm_last_history(nb_vm_cof(c->obj));

    if (nb_api_arg_object(c, hi, &nb_host_kind, NB_OP_MANAGE, false, &ho) < 0 ||
        nb_api_arg_object(c, di, &nb_datastore_kind, NB_OP_USE, true, &ds) < 0)
        return -1;
    h = nb_host_cof(ho);
    if (h->state == NB_HOST_OFFLINE)
        return nb_fail(c, NB_E_ACTION, ho->oid, "Host %d is offline.", ho->oid);
    to->hid = ho->oid;
    to->ds_id = ds ? ds->oid : keep_ds && last ? last->ds_id
                             : nb_cluster_txn_system_ds(c->txn, h->cluster_id);
    if (to->ds_id < 0)
        return nb_fail(c, NB_E_ACTION, ho->oid, "Cluster %d of host %d has no enabled system "
                       "datastore.", h->cluster_id, ho->oid);
    if (ds && nb_datastore_cof(ds)->type != NB_DS_SYSTEM)
        return nb_fail(c, NB_E_ACTION, ds->oid, "Datastore %d is not a system datastore.",
                       ds->oid);
    if (nb_arg_bool(c, ei, false))
        return nb_vm_host_room(c, ho, NULL, &c->obj->tmpl);
    return 0;
}

/* deploy(id, host, enforce?, ds?, nic_tmpl?) */
static int nb_vm_deploy(nb_call *c)
{
    nb_placement to;
    if (nb_vm_placement(c, 1, 3, 2, false, &to) < 0)
        return -1;
    return nb_vm_move(c, NB_ACT_DEPLOY, &to);
}

/* migrate(id, host, live, enforce?, ds?, type?) */
static int nb_vm_migrate(nb_call *c)
{
    static const enum nb_vm_action cold[] = {
        NB_ACT_MIGRATE, NB_ACT_MIGRATE_POWEROFF, NB_ACT_MIGRATE_POWEROFF_HARD,
    };
    const nb_vm_history *last = nb_vm_last_history(nb_vm_cof(c->obj));
    int type = (int)nb_arg_int(c, 5, 0);
    nb_placement to;

    if (type < 0 || type > 2)
        return nb_fail(c, NB_E_RPC_API, c->obj->oid, "Wrong migration type %d: use 0 (save), "
                       "1 (poweroff) or 2 (poweroff-hard).", type);
    if (nb_vm_placement(c, 1, 4, 3, true, &to) < 0)
        return -1;
    if (last && last->hid == to.hid && last->ds_id == to.ds_id)
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "VM is already running on host %d and "
                       "datastore %d.", to.hid, to.ds_id);
    return nb_vm_move(c, nb_arg_bool(c, 2, false) ? NB_ACT_MIGRATE_LIVE : cold[type], &to);
}

/* action(name, id): MANAGE (dispatcher) or ADMIN for the admin actions. */
static int nb_vm_action(nb_call *c)
{
    const char *name = nb_arg_str(c, 0, "");
    enum nb_vm_action a;

    if (nb_vm_action_parse(name, &a) < 0 || a > NB_ACT_UNRESCHED)
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "Action \"%s\" is not supported.", name);
    if ((a == NB_ACT_RESCHED || a == NB_ACT_UNRESCHED) &&
        nb_gate_check(c, c->obj, NB_OP_ADMIN) < 0)
        return -1;
    return nb_vm_move(c, a, NULL);
}

/* recover(id, op): 0 failure, 1 success, 2 retry, 3 delete, 4 delete-recreate,
 * 5 delete-db. */
static int nb_vm_recover(nb_call *c)
{
    int op = (int)nb_arg_int(c, 1, -1);
    if (op < 0 || op > 5)
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "Wrong recover operation %d.", op);
    return nb_vm_move(c, (enum nb_vm_action)(NB_ACT_RECOVER_FAILURE + op), NULL);
}

/* update(id, template, type?) edits USER_TEMPLATE only. */
static int nb_vm_update(nb_call *c)
{
    nb_vm *vm = nb_vm_of(nb_txn_edit(c->txn, c->obj));
    nb_tmpl t = NB_TMPL_INIT;
    int type = (int)nb_arg_int(c, 2, 0);
    int ret = -1;

    if (type != 0 && type != 1)
        return nb_fail(c, NB_E_RPC_API, c->obj->oid, "Wrong update type");
    if (nb_vm_parse_text(c, nb_arg_str(c, 1, ""), &t) < 0)
        goto cleanup;
    nb_tmpl_update(&vm->user_tmpl, &t, type);
    nb_reply_int(c, c->obj->oid);
    ret = 0;
 cleanup:
    nb_tmpl_free(&t);
    return ret;
}

/* chown(id, uid, gid): the VM's quota usage moves with it, off the old
 * owner and group and onto the new ones, within their limits.  (A refusal
 * after the generic chown replaced its reply: the dispatcher answers the
 * error and the transaction is dropped.) */
static int nb_vm_chown(nb_call *c)
{
    const nb_object *o = c->obj;
    const nb_object *now_o;
    nb_vm_phase done = { NB_VM_DONE, 0 }, now = nb_vm_cof(o)->phase;

    if (nb_api_chown(c) < 0)
        return -1;
    now_o = nb_txn_get(c->txn, K, o->oid);
    if (now_o->uid == o->uid && now_o->gid == o->gid)
        return 0;
    nb_quota_vm_move(c->txn, o->uid, o->gid, &o->tmpl, now, done, false, NULL);
    if (nb_vm_quota_check(c, now_o->uid, now_o->gid, &o->tmpl, done, now) < 0)
        return -1;
    nb_quota_vm_move(c->txn, now_o->uid, now_o->gid, &o->tmpl, done, now, false, NULL);
    return 0;
}

/* ---- listing -------------------------------------------------------------- */

/* state -2: all, -1: all but DONE, >= 0: that STATE. */
static bool nb_vm_state_keep(const nb_object *o, const void *ctx)
{
    int want = *(const int *)ctx;
    int state = nb_vm_cof(o)->phase.state;
    return want == -2 || (want == -1 ? state != NB_VM_DONE : state == want);
}

static int nb_vmpool_list(nb_call *c, bool extended)
{
    int state = (int)nb_arg_int(c, 3, -1);
    nb_list_query q = {
        .filter = (int)nb_arg_int(c, 0, -2), .start = (int)nb_arg_int(c, 1, -1),
        .end = (int)nb_arg_int(c, 2, -1), .extended = extended, .keep = nb_vm_state_keep,
        .keep_ctx = &state,
    };

    if (nb_list_check(c, &q) < 0)
        return -1;
    if (state < -2 || state > NB_VM_CLONING_FAILURE)
        return nb_fail(c, NB_E_RPC_API, -1, "Incorrect filter_flag for state.");
    if (*nb_arg_str(c, 4, ""))
        return nb_fail(c, NB_E_INTERNAL, -1, "Query filters need the MySQL backend.");
    nb_list_render(c, nb_model_cpool(c->model, K), &q);
    return 0;
}

static int nb_vmpool_info(nb_call *c) { return nb_vmpool_list(c, false); }
static int nb_vmpool_infoextended(nb_call *c) { return nb_vmpool_list(c, true); }

#define W NB_M_WRITE
#define X NB_M_LOCK_EXEMPT
const nb_method nb_api_vm_methods[] = {
    NB_METHOD("one.vm.allocate", "s|b", NULL, -1, NB_OP_CREATE, W, nb_vm_allocate),
    NB_METHOD("one.template.instantiate", "is|bsb", &nb_vmtemplate_kind, 0, NB_OP_USE, W,
              nb_template_instantiate),
    NB_METHOD("one.vm.deploy", "ii|bis", K, 0, NB_OP_ADMIN, W, nb_vm_deploy),
    NB_METHOD("one.vm.action", "si", K, 1, NB_OP_MANAGE, W, nb_vm_action),
    NB_METHOD("one.vm.migrate", "iib|bii", K, 0, NB_OP_ADMIN, W, nb_vm_migrate),
    NB_METHOD("one.vm.recover", "ii", K, 0, NB_OP_ADMIN, W, nb_vm_recover),
    NB_METHOD("one.vm.info", "i|b", K, 0, NB_OP_USE, X, nb_api_info),
    NB_METHOD("one.vm.update", "is|i", K, 0, NB_OP_MANAGE, W, nb_vm_update),
    NB_METHOD("one.vm.rename", "is", K, 0, NB_OP_MANAGE, W, nb_api_rename),
    NB_METHOD("one.vm.chmod", "iiiiiiiiii", K, 0, NB_OP_MANAGE, W, nb_api_chmod),
    NB_METHOD("one.vm.chown", "iii", K, 0, NB_OP_MANAGE, W, nb_vm_chown),
    NB_METHOD("one.vm.lock", "ii|b", K, 0, NB_OP_MANAGE, W | X, nb_api_lock),
    NB_METHOD("one.vm.unlock", "i", K, 0, NB_OP_MANAGE, W | X, nb_api_unlock),
    NB_METHOD("one.vmpool.info", "iiii|s", NULL, -1, NB_OP_USE, 0, nb_vmpool_info),
    NB_METHOD("one.vmpool.infoextended", "iiii|s", NULL, -1, NB_OP_USE, 0,
              nb_vmpool_infoextended),
    NB_METHOD_END,
};
