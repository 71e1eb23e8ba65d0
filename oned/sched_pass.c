#define NB_LOG_MODULE "SCH"
#include "oned/sched_pass.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/hash.h"
#include "lib/log.h"
#include "lib/util.h"
#include "acl/view.h"
#include "oned/cluster.h"
#include "oned/datastore.h"
#include "oned/dedicate.h"
#include "oned/dispatch.h"
#include "oned/host.h"
#include "oned/quota.h"
#include "oned/user.h"
#include "oned/vm.h"
#include "scheduler/ds_attrs.h"
#include "scheduler/ds_pick.h"
#include "scheduler/expr.h"
#include "scheduler/host_attrs.h"
#include "scheduler/place.h"

#define NB_SCHED_MESSAGE "SCHED_MESSAGE"
/* Placements carried out per transaction: the writer mutex is let go
 * between batches so that API calls are not held up by a large pass. */
#define NB_SCHED_BATCH 256

void nb_sched_memory_init(nb_sched_memory *mem)
{
    *mem = (nb_sched_memory){ 0 };
    nb_avoid_init(&mem->avoid);
}

void nb_sched_memory_free(nb_sched_memory *mem)
{
    nb_avoid_free(&mem->avoid);
    free(mem->sent);
    *mem = (nb_sched_memory){ 0 };
}

/* ---- the snapshot ------------------------------------------------------- */

/* Reasons a host is not for a VM, in the order the filter checks them. */
enum {
    R_STATE, R_DEDICATED, R_CONFINED, R_RIGHTS, R_DATASTORE, R_FAILED, R_FLAKY,
    R_REQUIREMENTS, R_AUTOMATIC, R_DS_RIGHTS, R_DS_REQUIREMENTS, R_DS_ROOM, R_COUNT
};
static const char *const nb_sched_reasons[R_COUNT] = {
    [R_STATE] = "are not MONITORED",
    [R_DEDICATED] = "are dedicated to another group",
    [R_CONFINED] = "are outside the clusters dedicated to your group",
    [R_RIGHTS] = "are not yours to use (no HOST:MANAGE)",
    [R_DATASTORE] = "have no enabled system datastore",
    [R_FAILED] = "failed to deploy this VM",
    [R_FLAKY] = "are avoided after repeated deploy failures",
    [R_REQUIREMENTS] = "fail SCHED_REQUIREMENTS",
    [R_AUTOMATIC] = "fail AUTOMATIC_REQUIREMENTS",
    [R_DS_RIGHTS] = "have no system datastore you may use",
    [R_DS_REQUIREMENTS] = "have no system datastore that meets SCHED_DS_REQUIREMENTS",
    [R_DS_ROOM] = "have no system datastore with room",
};

/* An enabled system datastore. */
typedef struct sc_ds {
    nb_ds_attrs a;
    nb_tmpl tmpl;
    char *name;
    int *clusters;
    nb_objref ref;              /* for the owner's rights; cids -> clusters */
    long long taken_mb;         /* what this pass put there */
} sc_ds;

typedef struct sc_cluster {
    int id;
    nb_tmpl tmpl;
    int dedicated_gid;          /* -1: shared */
    bool confine;               /* SCHED_CONFINE = YES: its group goes nowhere else */
    size_t *ds, nds;            /* its enabled system datastores, indexes in the pass's */
    int policy;                 /* SCHED_POLICY, else the site's */
    const nb_expr *rank;        /* SCHED_RANK, else the site's RANK */
} sc_cluster;

typedef struct sc_host {
    nb_host_attrs a;
    nb_tmpl tmpl;
    char *name;
    int *vms;
    nb_objref ref;              /* for the owner's rights; cids -> cluster_id */
    const sc_cluster *cluster;  /* NULL: a cluster that vanished */
} sc_host;

typedef struct sc_owner {
    int uid;
    int *groups;
    nb_subject subj;
    nb_acl_view view;           /* hosts the owner may MANAGE */
    nb_acl_view ds_view;        /* datastores the owner may USE */
} sc_owner;

typedef struct sc_vm {
    int id, uid, gid;           /* id first: the record's key */
    bool resched;
    bool live;                  /* a resched of a RUNNING VM with LIVE_RESCHEDS */
    char *req, *autoreq, *rank; /* texts, "" when absent */
    char *ds_req, *ds_rank;
    long long need_mb;          /* on the system datastore */
    int ds;                     /* the datastore the plan chose, -1 before */
    char *msg;                  /* SCHED_MESSAGE now, NULL if none */
    const sc_owner *owner;
    const nb_expr *req_e, *auto_e, *rank_e, *ds_req_e, *ds_rank_e;
    char *error;                /* an expression does not compile: the message */
} sc_vm;

typedef struct sc_pass {
    nb_model *m;
    nb_sched_memory *mem;
    const nb_config *cfg;
    long long now;
    sc_cluster *clusters;
    size_t nclusters;
    sc_host *hosts;
    size_t nhosts;
    sc_owner *owners;
    size_t nowners;
    sc_vm *vms;
    size_t nvms, cap_vms;
    sc_ds *dss;
    size_t ndss;
    nb_place_host *phosts;      /* the core's view, index for index */
    nb_place_vm *pvms;
    size_t cap_pvms;
    /* The VMs the scheduler sent that failed to boot: recover them. */
    nb_sched_sent *failed;
    size_t nfailed, cap_failed;
    nb_hash exprs;              /* kind:text -> index + 1 in expr */
    struct sc_expr { char *key; nb_expr *e; char *err; } *expr;
    size_t nexprs, cap_exprs;
    const nb_expr *site_rank;
    int *confined_gids;         /* groups confined to their dedicated clusters */
    size_t nconfined, cap_confined;
} sc_pass;

/* The program of text, compiled once per pass; NULL for an empty text,
 * or with *err (malloc'd) when it does not compile. */
static const nb_expr *nb_sched_expr(sc_pass *p, const char *text, enum nb_expr_kind kind,
                                    char **err)
{
    char *key;
    struct sc_expr *x;
    intptr_t i;

    *err = NULL;
    if (!text || !*text)
        return NULL;
    key = nb_asprintf("%d:%s", (int)kind, text);
    if ((i = (intptr_t)nb_hash_get(&p->exprs, key)) > 0) {
        free(key);
        x = &p->expr[i - 1];
    } else {
        nb_grow(&p->expr, &p->cap_exprs, p->nexprs + 1, sizeof(*p->expr));
        x = &p->expr[p->nexprs++];
        x->key = key;
        x->err = NULL;
        x->e = nb_expr_compile(text, kind, &x->err);
        nb_hash_put(&p->exprs, key, (void *)(intptr_t)p->nexprs);
    }
    if (x->err)
        *err = nb_strdup(x->err);
    return x->e;
}

static const sc_cluster *nb_sched_cluster(const sc_pass *p, int id)
{
    for (size_t i = 0; i < p->nclusters; i++)
        if (p->clusters[i].id == id)
            return &p->clusters[i];
    return NULL;
}

static void nb_sched_take_datastores(sc_pass *p, nb_model *m)
{
    const nb_pool *pool = nb_model_cpool(m, &nb_datastore_kind);

    p->dss = nb_calloc(pool->n + 1, sizeof(*p->dss));
    for (size_t i = 0; i < pool->n; i++) {
        const nb_object *o = pool->objs[i];
        const nb_datastore *d = nb_datastore_cof(o);
        sc_ds *s;

        if (!nb_datastore_system_enabled(d))
            continue;
        s = &p->dss[p->ndss++];
        nb_tmpl_copy(&s->tmpl, &o->tmpl);
        s->name = nb_strdup(o->name);
        s->clusters = nb_calloc(d->nclusters + 1, sizeof(int));
        if (d->nclusters)
            memcpy(s->clusters, d->clusters, d->nclusters * sizeof(int));
        s->ref = nb_object_ref(o);
        s->ref.cids = s->clusters;
        s->a = (nb_ds_attrs){
            .id = o->oid, .name = s->name, .state = d->state, .type = d->type,
            .tmpl = &s->tmpl, .total_mb = d->total_mb, .free_mb = d->free_mb,
            .used_mb = d->used_mb, .clusters = s->clusters, .nclusters = d->nclusters,
        };
    }
}

/* The cluster's enabled system datastores. */
static void nb_sched_cluster_ds(sc_pass *p, sc_cluster *c, const nb_cluster *cc)
{
    c->ds = nb_calloc(cc->ndatastores + 1, sizeof(*c->ds));
    for (size_t i = 0; i < cc->ndatastores; i++)
        for (size_t k = 0; k < p->ndss; k++)
            if (p->dss[k].a.id == cc->datastores[i])
                c->ds[c->nds++] = k;
}

static void nb_sched_take_clusters(sc_pass *p, nb_model *m)
{
    const nb_pool *pool = nb_model_cpool(m, &nb_cluster_kind);
    char *err = NULL;

    p->clusters = nb_calloc(pool->n + 1, sizeof(*p->clusters));
    for (size_t i = 0; i < pool->n; i++) {
        const nb_object *o = pool->objs[i];
        sc_cluster *c = &p->clusters[p->nclusters++];
        const char *policy = nb_tmpl_get(&o->tmpl, "SCHED_POLICY");
        int pol;

        c->id = o->oid;
        nb_tmpl_copy(&c->tmpl, &o->tmpl);
        c->dedicated_gid = nb_cluster_dedicated_group(o);
        c->confine = c->dedicated_gid >= 0 && nb_tmpl_yes(&o->tmpl, "SCHED_CONFINE");
        nb_sched_cluster_ds(p, c, nb_cluster_cof(o));
        c->policy = policy && nb_parse_int(policy, &pol) == 0 && pol >= 0 &&
                    pol <= NB_POLICY_FIXED ? pol : p->cfg->sched.policy;
        c->rank = nb_sched_expr(p, nb_tmpl_get(&o->tmpl, "SCHED_RANK"), NB_EXPR_RANK, &err);
        if (err) {
            nb_log_error("Cluster %d: SCHED_RANK ignored: %s", o->oid, err);
            free(err);
        } else if (c->rank) {
            c->policy = NB_POLICY_CUSTOM;
        }
        if (c->confine) {
            nb_grow(&p->confined_gids, &p->cap_confined, p->nconfined + 1, sizeof(int));
            p->confined_gids[p->nconfined++] = c->dedicated_gid;
        }
        if (c->policy == NB_POLICY_CUSTOM && !c->rank)
            c->rank = p->site_rank;
    }
}

static void nb_sched_take_hosts(sc_pass *p, nb_model *m)
{
    const nb_pool *pool = nb_model_cpool(m, &nb_host_kind);

    p->hosts = nb_calloc(pool->n + 1, sizeof(*p->hosts));
    p->phosts = nb_calloc(pool->n + 1, sizeof(*p->phosts));
    for (size_t i = 0; i < pool->n; i++) {
        const nb_object *o = pool->objs[i];
        const nb_host *h = nb_host_cof(o);
        sc_host *sh = &p->hosts[p->nhosts];
        nb_place_host *ph = &p->phosts[p->nhosts++];
        const char *prio;
        long long free_cpu;

        nb_tmpl_copy(&sh->tmpl, &o->tmpl);
        sh->name = nb_strdup(o->name);
        sh->vms = nb_calloc(h->nvms + 1, sizeof(int));
        if (h->nvms)
            memcpy(sh->vms, h->vms, h->nvms * sizeof(int));
        sh->cluster = nb_sched_cluster(p, h->cluster_id);
        /* The fixed policy's PRIORITY: the host's, else its cluster's. */
        if (!(prio = nb_tmpl_get(&o->tmpl, "PRIORITY")) && sh->cluster)
            prio = nb_tmpl_get(&sh->cluster->tmpl, "PRIORITY");
        sh->a = (nb_host_attrs){
            .id = o->oid, .name = sh->name, .state = h->state, .cluster_id = h->cluster_id,
            .tmpl = &sh->tmpl, .cluster_tmpl = sh->cluster ? &sh->cluster->tmpl : NULL,
            .max_cpu = h->share.max_cpu, .cpu_usage = h->share.cpu_usage,
            .total_cpu = h->share.total_cpu, .max_mem = h->share.max_mem,
            .mem_usage = h->share.mem_usage, .total_mem = h->share.total_mem,
            .running_vms = h->share.running_vms, .vms = sh->vms, .nvms = h->nvms,
        };
        sh->ref = nb_object_ref(o);
        sh->ref.cids = &sh->a.cluster_id;
        sh->ref.ncids = 1;
        /* Load-aware ranks what monitoring saw free, else what is unallocated. */
        if (nb_parse_ll(nb_tmpl_get(&o->tmpl, "FREE_CPU"), &free_cpu) < 0)
            free_cpu = h->share.max_cpu - h->share.cpu_usage;
        *ph = (nb_place_host){
            .id = o->oid, .max_cpu = h->share.max_cpu, .cpu_usage = h->share.cpu_usage,
            .max_mem = h->share.max_mem, .mem_usage = h->share.mem_usage,
            .running_vms = h->share.running_vms, .free_cpu = free_cpu,
            .priority = prio ? strtod(prio, NULL) : 0,
            .policy = sh->cluster ? sh->cluster->policy : p->cfg->sched.policy,
        };
    }
}

/* The owner uid's rights over hosts, gathered once per pass. */
static const sc_owner *nb_sched_owner(sc_pass *p, nb_model *m, int uid)
{
    const nb_object *u;
    sc_owner *w;

    for (size_t i = 0; i < p->nowners; i++)
        if (p->owners[i].uid == uid)
            return &p->owners[i];
    if (!(u = nb_pool_get(nb_model_cpool(m, &nb_user_kind), uid)))
        return NULL;
    /* Views point at their subject: the array never moves, one slot per
     * VM at most. */
    w = &p->owners[p->nowners++];
    w->uid = uid;
    w->groups = nb_calloc(nb_user_cof(u)->ngroups + 1, sizeof(int));
    if (nb_user_cof(u)->ngroups)
        memcpy(w->groups, nb_user_cof(u)->groups, nb_user_cof(u)->ngroups * sizeof(int));
    w->subj = (nb_subject){ uid, u->gid, w->groups, nb_user_cof(u)->ngroups };
    nb_acl_view_build_op(&w->view, &w->subj, NB_ACL_HOST, NB_OP_MANAGE, m->acl, m->nacl,
                         m->zone_id);
    /* The system disk goes to a datastore the owner may USE (§9.3). */
    nb_acl_view_build_op(&w->ds_view, &w->subj, NB_ACL_DATASTORE, NB_OP_USE, m->acl, m->nacl,
                         m->zone_id);
    return w;
}

/* The expressions of v; a compile error becomes its message. */
static void nb_sched_compile(sc_pass *p, sc_vm *v)
{
    char *err = NULL;
    const char *what = "SCHED_REQUIREMENTS";

    v->req_e = nb_sched_expr(p, v->req, NB_EXPR_REQUIREMENT, &err);
    if (!err) {
        what = "AUTOMATIC_REQUIREMENTS";
        v->auto_e = nb_sched_expr(p, v->autoreq, NB_EXPR_REQUIREMENT, &err);
    }
    if (!err) {
        what = "SCHED_RANK";
        v->rank_e = nb_sched_expr(p, v->rank, NB_EXPR_RANK, &err);
    }
    if (!err) {
        what = "SCHED_DS_REQUIREMENTS";
        v->ds_req_e = nb_sched_expr(p, v->ds_req, NB_EXPR_REQUIREMENT, &err);
    }
    if (!err) {
        what = "SCHED_DS_RANK";
        v->ds_rank_e = nb_sched_expr(p, v->ds_rank, NB_EXPR_RANK, &err);
    }
    if (err)
        v->error = nb_asprintf("Cannot place the VM: %s: %s", what, err);
    free(err);
}

static void nb_sched_take_vm(sc_pass *p, nb_model *m, const nb_object *o)
{
    const nb_vm *vm = nb_vm_cof(o);
    const nb_vm_history *last = nb_vm_last_history(vm);
    nb_vm_phase ph = vm->phase;
    bool pending = ph.state == NB_VM_PENDING;
    bool running = ph.state == NB_VM_ACTIVE && ph.lcm == NB_LCM_RUNNING;
    bool movable = running || ph.state == NB_VM_POWEROFF ||
                   (ph.state == NB_VM_ACTIVE && ph.lcm == NB_LCM_UNKNOWN);
    const char *prio = nb_tmpl_get(&vm->user_tmpl, "USER_PRIORITY");
    const char *msg = nb_tmpl_get(&vm->user_tmpl, NB_SCHED_MESSAGE);
    sc_vm *v;
    nb_place_vm *pv;
    long long cpu, mem;
    double d[NB_VMQ_COUNT], need;

    if (!pending && !(vm->resched && movable && last))
        return;
    nb_grow(&p->vms, &p->cap_vms, p->nvms + 1, sizeof(*p->vms));
    nb_grow(&p->pvms, &p->cap_pvms, p->nvms + 1, sizeof(*p->pvms));
    v = &p->vms[p->nvms];
    pv = &p->pvms[p->nvms++];
    *v = (sc_vm){
        .id = o->oid, .uid = o->uid, .gid = o->gid, .resched = !pending,
        .live = running && p->cfg->sched.live_rescheds,
        .req = nb_strdup(nb_tmpl_get(&vm->user_tmpl, "SCHED_REQUIREMENTS") ?: ""),
        .autoreq = nb_strdup(nb_tmpl_get(&o->tmpl, "AUTOMATIC_REQUIREMENTS") ?: ""),
        .rank = nb_strdup(nb_tmpl_get(&vm->user_tmpl, "SCHED_RANK") ?: ""),
        .ds_req = nb_strdup(nb_tmpl_get(&vm->user_tmpl, "SCHED_DS_REQUIREMENTS") ?: ""),
        .ds_rank = nb_strdup(nb_tmpl_get(&vm->user_tmpl, "SCHED_DS_RANK") ?: ""),
        .ds = -1,
        .msg = msg ? nb_strdup(msg) : NULL,
        .owner = nb_sched_owner(p, m, o->uid),
    };
    nb_vm_host_demand(&o->tmpl, &cpu, &mem);
    /* The system disk: its volatile disks, as the quota counts them, and
     * MEMORY_SYSTEM_DS_SCALE x MEMORY (MB) for what the hypervisor keeps there. */
    nb_quota_demand(&o->tmpl, false, d);
    need = d[NB_VMQ_SYSTEM_DISK_SIZE] + p->cfg->sched.memory_system_ds_scale * d[NB_VMQ_MEMORY];
    v->need_mb = (long long)need + (need > (long long)need);       /* rounded up */
    *pv = (nb_place_vm){
        .id = o->oid, .priority = prio ? atoi(prio) : 0, .cpu = cpu, .mem = mem,
        .current_host = pending ? -1 : last->hid,
    };
}

/* VMs the scheduler sent: running ones clear their host's strikes, failed
 * ones are recovered (below), the others are no longer its business. */
static void nb_sched_take_sent(sc_pass *p, nb_model *m)
{
    nb_sched_memory *s = p->mem;
    const nb_pool *pool = nb_model_cpool(m, &nb_vm_kind);
    size_t k = 0;

    for (size_t i = 0; i < s->nsent; i++) {
        const nb_object *o = nb_pool_get(pool, s->sent[i].vm);
        nb_vm_phase ph = o ? nb_vm_cof(o)->phase : (nb_vm_phase){ NB_VM_DONE, 0 };

        if (ph.state == NB_VM_ACTIVE && ph.lcm == NB_LCM_BOOT_FAILURE) {
            nb_grow(&p->failed, &p->cap_failed, p->nfailed + 1, sizeof(*p->failed));
            p->failed[p->nfailed++] = s->sent[i];
        } else if (ph.state == NB_VM_ACTIVE && ph.lcm == NB_LCM_RUNNING) {
            nb_avoid_placed(&s->avoid, s->sent[i].vm, s->sent[i].host);
        } else if (ph.state == NB_VM_ACTIVE) {
            s->sent[k++] = s->sent[i];      /* still on its way */
        }
    }
    s->nsent = k;
}

static void nb_sched_snapshot(sc_pass *p)
{
    nb_model *m = p->m;
    const nb_pool *vms;
    char *err = NULL;

    nb_model_rdlock(m);
    nb_sched_take_datastores(p, m);
    p->site_rank = nb_sched_expr(p, p->cfg->sched.rank, NB_EXPR_RANK, &err);
    if (err) {
        nb_log_error("SCHED/RANK ignored: %s", err);
        free(err);
    }
    nb_sched_take_clusters(p, m);
    nb_sched_take_hosts(p, m);
    nb_sched_take_sent(p, m);
    vms = nb_model_cpool(m, &nb_vm_kind);
    p->owners = nb_calloc(vms->n + 1, sizeof(*p->owners));
    for (size_t i = 0; i < vms->n; i++)
        nb_sched_take_vm(p, m, vms->objs[i]);
    nb_model_unlock(m);
}

/* ---- the placement's questions ------------------------------------------ */

static bool nb_sched_confined(const sc_pass *p, int gid)
{
    for (size_t i = 0; i < p->nconfined; i++)
        if (p->confined_gids[i] == gid)
            return true;
    return false;
}

/* The index in c->ds of the system datastore for v, or NB_DS_NO_MATCH /
 * NB_DS_NO_ROOM, or -3 when the owner may use none of them. */
#define NB_DS_NO_RIGHTS (-3)
static int nb_sched_pick_ds(sc_pass *p, const sc_vm *v, const sc_cluster *c)
{
    nb_ds_cand *cand = nb_calloc(c->nds + 1, sizeof(*cand));
    size_t *idx = nb_calloc(c->nds + 1, sizeof(*idx));
    int policy = p->cfg->sched.ds_policy, k;
    size_t n = 0;

    for (size_t i = 0; i < c->nds; i++) {
        const sc_ds *d = &p->dss[c->ds[i]];
        const char *prio = nb_tmpl_get(&d->tmpl, "PRIORITY");
        nb_ds_lookup l;

        if (!v->owner || !nb_acl_view_allows(&v->owner->ds_view, &d->ref))
            continue;

        nb_ds_lookup_init(&l, &d->a);
        idx[n] = i;
        cand[n++] = (nb_ds_cand){
            .id = d->a.id, .total_mb = d->a.total_mb, .free_mb = d->a.free_mb,
            .taken_mb = d->taken_mb,
            .match = !v->ds_req_e || nb_expr_match(v->ds_req_e, nb_ds_lookup_attr, &l),
            .rank = v->ds_rank_e ? nb_expr_rank(v->ds_rank_e, nb_ds_lookup_attr, &l)
                    : policy == NB_DS_FIXED && prio ? strtod(prio, NULL) : 0,
        };
        nb_ds_lookup_done(&l);
    }
    k = n ? nb_ds_pick(cand, n, v->need_mb, policy, v->ds_rank_e != NULL) : NB_DS_NO_RIGHTS;
    if (k >= 0)
        k = (int)idx[k];
    free(cand);
    free(idx);
    return k;
}

static int nb_sched_filter(void *ctx, const nb_place_vm *pv, const nb_place_host *ph)
{
    sc_pass *p = ctx;
    const sc_vm *v = &p->vms[pv - p->pvms];
    const sc_host *h = &p->hosts[ph - p->phosts];
    const sc_cluster *c = h->cluster;
    nb_host_lookup l;
    int ret = NB_PLACE_OK;

    if (v->error)
        return R_REQUIREMENTS;  /* its own message replaces the core's */
    if (h->a.state != NB_HOST_MONITORED)
        return R_STATE;
    if (c && c->dedicated_gid >= 0 && c->dedicated_gid != v->gid)
        return R_DEDICATED;
    if ((!c || c->dedicated_gid != v->gid) && nb_sched_confined(p, v->gid))
        return R_CONFINED;
    if (!v->owner || !nb_acl_view_allows(&v->owner->view, &h->ref))
        return R_RIGHTS;
    if (!c || c->nds == 0)
        return R_DATASTORE;
    if (nb_avoid_vm_host(&p->mem->avoid, v->id, h->a.id))
        return R_FAILED;
    if (nb_avoid_host(&p->mem->avoid, h->a.id, p->now))
        return R_FLAKY;
    nb_host_lookup_init(&l, &h->a);
    if (v->req_e && !nb_expr_match(v->req_e, nb_host_lookup_attr, &l))
        ret = R_REQUIREMENTS;
    else if (v->auto_e && !nb_expr_match(v->auto_e, nb_host_lookup_attr, &l))
        ret = R_AUTOMATIC;
    nb_host_lookup_done(&l);
    if (ret == NB_PLACE_OK && !v->resched) {
        int k = nb_sched_pick_ds(p, v, c);
        ret = k == NB_DS_NO_RIGHTS ? R_DS_RIGHTS : k == NB_DS_NO_MATCH ? R_DS_REQUIREMENTS
              : k == NB_DS_NO_ROOM ? R_DS_ROOM : ret;
    }
    return ret;
}

/* The plan put pv on ph: its system disk goes to the datastore chosen
 * there, whose room the next VMs see less of. */
static void nb_sched_placed(void *ctx, const nb_place_vm *pv, const nb_place_host *ph)
{
    sc_pass *p = ctx;
    sc_vm *v = &p->vms[pv - p->pvms];
    const sc_cluster *c = p->hosts[ph - p->phosts].cluster;
    int k;

    if (v->resched || !c || (k = nb_sched_pick_ds(p, v, c)) < 0)
        return;         /* a migration keeps its datastore */
    v->ds = p->dss[c->ds[k]].a.id;
    p->dss[c->ds[k]].taken_mb += v->need_mb;
}

static double nb_sched_rank(void *ctx, const nb_place_vm *pv, const nb_place_host *ph)
{
    sc_pass *p = ctx;
    const sc_vm *v = &p->vms[pv - p->pvms];
    const sc_host *h = &p->hosts[ph - p->phosts];
    const nb_expr *e = v->rank_e ? v->rank_e : h->cluster ? h->cluster->rank : p->site_rank;
    nb_host_lookup l;
    double r;

    if (!e)
        return 0;
    nb_host_lookup_init(&l, &h->a);
    r = nb_expr_rank(e, nb_host_lookup_attr, &l);
    nb_host_lookup_done(&l);
    return r;
}

/* VMs answer alike when they share owner, group and expressions; a VM with
 * failures of its own is alone. */
static void nb_sched_group(sc_pass *p)
{
    nb_hash groups;
    char **keys = nb_calloc(p->nvms + 1, sizeof(*keys));
    int next = 0;

    nb_hash_init(&groups);
    for (size_t i = 0; i < p->nvms; i++) {
        sc_vm *v = &p->vms[i];
        void *g;

        nb_sched_compile(p, v);
        p->pvms[i].custom_rank = v->rank_e != NULL;
        /* A VM that takes datastore space sees what the ones before took. */
        if (v->error || v->need_mb > 0 || nb_avoid_vm_has(&p->mem->avoid, v->id)) {
            p->pvms[i].group = next++;
            continue;
        }
        keys[i] = nb_asprintf("%d\x1f%d\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s", v->uid, v->gid, v->req,
                              v->autoreq, v->rank, v->ds_req, v->ds_rank);
        if ((g = nb_hash_get(&groups, keys[i]))) {
            p->pvms[i].group = (int)(intptr_t)g - 1;
        } else {
            p->pvms[i].group = next++;
            nb_hash_put(&groups, keys[i], (void *)(intptr_t)(next));
        }
    }
    nb_hash_free(&groups);
    for (size_t i = 0; i < p->nvms; i++)
        free(keys[i]);
    free(keys);
}

/* ---- carrying the plan out ----------------------------------------------- */

/* The message of v, written only when it changed. */
static void nb_sched_set_message(nb_txn *t, const sc_vm *v, const char *msg)
{
    const nb_object *o;
    nb_vm *vm;

    if (msg ? v->msg && strcmp(v->msg, msg) == 0 : !v->msg)
        return;
    if (!(o = nb_txn_get(t, &nb_vm_kind, v->id)))
        return;
    vm = nb_vm_of(nb_txn_edit(t, o));
    if (msg)
        nb_tmpl_set(&vm->user_tmpl, NB_SCHED_MESSAGE, msg);
    else
        nb_tmpl_remove(&vm->user_tmpl, NB_SCHED_MESSAGE);
}

/* Is the VM still what the plan saw, and the host still usable? */
static bool nb_sched_still(nb_txn *t, const sc_vm *v, int hid)
{
    const nb_object *o = nb_txn_get(t, &nb_vm_kind, v->id);
    const nb_object *h = nb_txn_get(t, &nb_host_kind, hid);
    const nb_vm *vm = o ? nb_vm_cof(o) : NULL;

    if (!vm || !h || nb_host_cof(h)->state != NB_HOST_MONITORED)
        return false;
    return v->resched ? vm->resched == 1 : vm->phase.state == NB_VM_PENDING;
}

static int nb_sched_id_cmp(const void *key, const void *elem)
{
    int a = *(const int *)key, b = *(const int *)elem;
    return (a > b) - (a < b);
}

/* VMs are taken in id order, as the pool keeps them, and the record
 * starts with its id. */
static const sc_vm *nb_sched_vm(const sc_pass *p, int id)
{
    return bsearch(&id, p->vms, p->nvms, sizeof(*p->vms), nb_sched_id_cmp);
}

/* Deploy (or migrate) v to hid as one.vm.deploy would for oneadmin,
 * capacity enforced.  The handlers change nothing until their last check
 * passed, so a refusal leaves the batch's other changes alone.  NULL, or
 * why not (malloc'd). */
static char *nb_sched_send(nb_txn *t, const sc_pass *p, const sc_vm *v, int hid)
{
    char *err = NULL;

    if (v->resched) {
        nb_xv args[] = {
            { .type = NB_XV_INT, .u.i = v->id }, { .type = NB_XV_INT, .u.i = hid },
            { .type = NB_XV_BOOL, .u.b = v->live }, { .type = NB_XV_BOOL, .u.b = true },
        };
        nb_dispatch_as_oneadmin(t, "one.vm.migrate", args, NB_ARRAY_SIZE(args), &err);
    } else {
        nb_xv args[] = {
            { .type = NB_XV_INT, .u.i = v->id }, { .type = NB_XV_INT, .u.i = hid },
            { .type = NB_XV_BOOL, .u.b = true },
            { .type = NB_XV_INT, .u.i = v->ds },
        };
        nb_dispatch_as_oneadmin(t, "one.vm.deploy", args, NB_ARRAY_SIZE(args), &err);
    }
    return err;
}

static void nb_sched_sent_add(nb_sched_memory *s, int vm, int host)
{
    nb_grow(&s->sent, &s->cap_sent, s->nsent + 1, sizeof(*s->sent));
    s->sent[s->nsent].vm = vm;
    s->sent[s->nsent++].host = host;
}

static void nb_sched_commit(nb_txn *t)
{
    char *err = NULL;
    if (nb_txn_commit(t, &err) < 0) {
        nb_log_error("Cannot save the placements: %s", err);
        free(err);
    }
}

/* Returns how many were placed.  The core's messages are written when
 * `explain` (they are final, not a pass's MAX_HOST). */
static size_t nb_sched_carry_out(sc_pass *p, const nb_place_result *r, size_t n, bool explain)
{
    nb_sched_memory *s = p->mem;
    nb_txn *t = NULL;
    size_t placed = 0, in_batch = 0;

    for (size_t i = 0; i < n; i++) {
        const sc_vm *v = nb_sched_vm(p, r[i].vm_id);
        char *why = NULL;

        if (!v)
            continue;
        if (!t)
            t = nb_txn_begin(p->m);
        if (r[i].host_id >= 0) {
            if (!nb_sched_still(t, v, r[i].host_id))
                continue;       /* changed since the snapshot: the next pass sees it */
            if (!(why = nb_sched_send(t, p, v, r[i].host_id))) {
                nb_sched_set_message(t, v, NULL);
                nb_sched_sent_add(s, v->id, r[i].host_id);
                placed++;
            } else {
                nb_log_info("VM %d not placed on host %d: %s", v->id, r[i].host_id, why);
            }
        }
        if (why || v->error || (explain && r[i].message))
            nb_sched_set_message(t, v, why ? why : v->error ? v->error : r[i].message);
        free(why);
        if (++in_batch == NB_SCHED_BATCH) {
            nb_sched_commit(t);
            t = NULL;
            in_batch = 0;
        }
    }
    /* Deploys that failed on their host: back to PENDING, placed elsewhere. */
    for (size_t i = 0; i < p->nfailed; i++) {
        nb_xv args[] = {
            { .type = NB_XV_INT, .u.i = p->failed[i].vm },
            { .type = NB_XV_INT, .u.i = NB_ACT_RECOVER_DELETE_RECREATE - NB_ACT_RECOVER_FAILURE },
        };
        char *err = NULL;

        if (!t)
            t = nb_txn_begin(p->m);
        nb_avoid_failed(&s->avoid, p->failed[i].vm, p->failed[i].host, p->now);
        if (nb_dispatch_as_oneadmin(t, "one.vm.recover", args, NB_ARRAY_SIZE(args), &err) == 0)
            nb_log_info("VM %d failed to boot on host %d: placing it elsewhere",
                        p->failed[i].vm, p->failed[i].host);
        else
            nb_log_error("VM %d failed to boot on host %d and cannot be recreated: %s",
                         p->failed[i].vm, p->failed[i].host, err);
        free(err);
    }
    if (t)
        nb_sched_commit(t);
    return placed;
}

static void nb_sched_pass_free(sc_pass *p)
{
    for (size_t i = 0; i < p->nclusters; i++) {
        nb_tmpl_free(&p->clusters[i].tmpl);
        free(p->clusters[i].ds);
    }
    for (size_t i = 0; i < p->ndss; i++) {
        nb_tmpl_free(&p->dss[i].tmpl);
        free(p->dss[i].name);
        free(p->dss[i].clusters);
    }
    free(p->dss);
    for (size_t i = 0; i < p->nhosts; i++) {
        nb_tmpl_free(&p->hosts[i].tmpl);
        free(p->hosts[i].name);
        free(p->hosts[i].vms);
    }
    for (size_t i = 0; i < p->nowners; i++) {
        nb_acl_view_free(&p->owners[i].view);
        nb_acl_view_free(&p->owners[i].ds_view);
        free(p->owners[i].groups);
    }
    for (size_t i = 0; i < p->nvms; i++) {
        free(p->vms[i].req);
        free(p->vms[i].autoreq);
        free(p->vms[i].rank);
        free(p->vms[i].ds_req);
        free(p->vms[i].ds_rank);
        free(p->vms[i].msg);
        free(p->vms[i].error);
    }
    for (size_t i = 0; i < p->nexprs; i++) {
        nb_expr_free(p->expr[i].e);
        free(p->expr[i].key);
        free(p->expr[i].err);
    }
    nb_hash_free(&p->exprs);
    free(p->expr);
    free(p->clusters);
    free(p->hosts);
    free(p->phosts);
    free(p->owners);
    free(p->vms);
    free(p->pvms);
    free(p->failed);
    free(p->confined_gids);
}

bool nb_sched_pass(nb_model *m, nb_sched_memory *mem)
{
    sc_pass p = { .m = m, .mem = mem, .cfg = m->cfg, .now = nb_now() };
    nb_place_result *r = NULL;
    size_t nr = 0, planned = 0, placed = 0, left = 0;
    bool again = false;

    nb_hash_init(&p.exprs);
    nb_sched_snapshot(&p);
    if (p.nvms || p.nfailed) {
        nb_sched_group(&p);
        nb_place_input in = {
            .hosts = p.phosts, .nhosts = p.nhosts, .vms = p.pvms, .nvms = p.nvms,
            .filter = nb_sched_filter, .rank = nb_sched_rank, .placed = nb_sched_placed,
            .ctx = &p,
            .reasons = nb_sched_reasons, .nreasons = R_COUNT,
            .max_per_host = p.cfg->sched.max_host, .max_dispatch = p.cfg->sched.max_dispatch,
        };
        if (nb_place(&in, &r, &nr) < 0) {
            nb_log_error("The placement pass refused its input");
        } else {
            for (size_t i = 0; i < nr; i++)
                planned += r[i].host_id >= 0;
            /* With MAX_HOST, a plan that places VMs may hold others back
             * that the next pass places: their counts are not final. */
            placed = nb_sched_carry_out(&p, r, nr, p.cfg->sched.max_host == 0 || planned == 0);
            left = nr - placed;
            again = placed > 0 && left > 0;
            nb_log_debug("Pass: %zu VMs, %zu hosts, %zu placed, %zu left", p.nvms, p.nhosts,
                         placed, left);
        }
        nb_place_results_free(r, nr);
    }
    nb_sched_pass_free(&p);
    return again;
}
