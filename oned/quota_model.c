#include "oned/quota_model.h"

#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "acl/rule.h"
#include "oned/group.h"
#include "oned/model.h"
#include "oned/user.h"

/* ---- defaults ------------------------------------------------------------- */

static void nb_defaults_to_xml(const nb_object *o, nb_buf *b, enum nb_xml_mode mode,
                               const nb_model *m)
{
    nb_buf_adds(b, "<DEFAULT_QUOTAS>");
    nb_buf_elem_int(b, "ID", o->oid);
    nb_buf_elem_text(b, "NAME", o->name);
    nb_quotas_to_xml(&((const nb_quota_defaults *)o)->q, b);
    nb_buf_adds(b, "</DEFAULT_QUOTAS>");
}

static int nb_defaults_from_xml(nb_object *o, const xmlNode *root, char **err)
{
    if (nb_xml_read_common(o, root, err) < 0)
        return -1;
    return nb_quotas_from_xml(&((nb_quota_defaults *)o)->q, root, err);
}

static void nb_defaults_destroy(nb_object *o)
{
    nb_quotas_free(&((nb_quota_defaults *)o)->q);
}

const nb_kind nb_quota_defaults_kind = {
    .name = "default quotas",
    .what = "default quotas",
    .table = "default_quota_pool",
    .root = "DEFAULT_QUOTAS",
    .pool_root = "DEFAULT_QUOTAS_POOL",
    .acl_type = NB_ACL_USER,
    .unique_names = true,
    .size = sizeof(nb_quota_defaults),
    .destroy = nb_defaults_destroy,
    .to_xml = nb_defaults_to_xml,
    .from_xml = nb_defaults_from_xml,
};

const nb_quotas *nb_quota_defaults_get(const nb_model *m, int which)
{
    const nb_object *o = nb_pool_get(nb_model_cpool(m, &nb_quota_defaults_kind), which);
    return o ? &((const nb_quota_defaults *)o)->q : NULL;
}

/* ---- documents ------------------------------------------------------------ */

void nb_xml_default_quotas(nb_buf *b, const char *name, const nb_quotas *defaults)
{
    nb_buf_addc(b, '<');
    nb_buf_adds(b, name);
    nb_buf_addc(b, '>');
    nb_quotas_to_xml(defaults, b);
    nb_buf_adds(b, "</");
    nb_buf_adds(b, name);
    nb_buf_addc(b, '>');
}

/* ---- charging --------------------------------------------------------------- */

static bool nb_phase_runs(nb_vm_phase p)
{
    if (nb_lcm_is_cold_hotplug(p))
        return false;
    return p.state == NB_VM_PENDING || p.state == NB_VM_HOLD || p.state == NB_VM_ACTIVE ||
           p.state == NB_VM_CLONING;
}

static void nb_phase_demand(const nb_tmpl *t, nb_vm_phase p, double out[NB_VMQ_COUNT])
{
    if (p.state == NB_VM_DONE)
        memset(out, 0, NB_VMQ_COUNT * sizeof(*out));
    else
        nb_quota_demand(t, nb_phase_runs(p), out);
}

/* What one charge takes: the VM entry (ds_id < 0) or datastore ds_id's. */
typedef struct nb_charge {
    int ds_id;
    const double *delta;
} nb_charge;

/* Check (the message in *why) or make charge c on user or group id. */
static int nb_quota_holder(nb_txn *t, const nb_kind *k, int id, const nb_charge *c, bool check,
                           char **why)
{
    bool user = k == &nb_user_kind;
    const nb_object *o = nb_txn_get(t, k, id);
    const nb_quotas *q, *defaults;
    nb_quotas *edit;
    double limit;
    int rc;

    if (!o)
        return 0;
    if (check) {
        q = user ? &nb_user_cof(o)->quotas : &nb_group_cof(o)->quotas;
        defaults = nb_quota_defaults_get(nb_txn_model(t), user ? NB_DEFAULTS_USERS
                                                                 : NB_DEFAULTS_GROUPS);
        if (c->ds_id < 0) {
            enum nb_vmq failed;
            rc = nb_quota_check(&q->vm, defaults ? &defaults->vm : NULL, c->delta, &failed,
                                &limit);
            if (rc < 0)
                *why = nb_asprintf("%s [%d] limit of %g reached for %s quota in VM.",
                                   user ? "user" : "group", id, limit, nb_quota_name(failed));
        } else {
            enum nb_dsq failed;
            rc = nb_ds_quota_check(&q->ds, defaults ? &defaults->ds : NULL, c->ds_id,
                                   c->delta, &failed, &limit);
            if (rc < 0)
                *why = nb_asprintf("%s [%d] limit of %g reached for %s quota in DATASTORE "
                                   "with ID: %d.", user ? "user" : "group", id, limit,
                                   nb_ds_quota_name(failed), c->ds_id);
        }
        return rc;
    }
    edit = user ? &nb_user_of(nb_txn_edit(t, o))->quotas
                : &nb_group_of(nb_txn_edit(t, o))->quotas;
    if (c->ds_id < 0)
        nb_quota_charge(&edit->vm, c->delta, 1);
    else
        nb_ds_quota_charge(&edit->ds, c->ds_id, c->delta, 1);
    return 0;
}

/* Charge c on the user, then on the group; oneadmin's are never counted. */
static int nb_quota_both(nb_txn *t, int uid, int gid, const nb_charge *c, bool check, char **why)
{
    if (uid != 0 && nb_quota_holder(t, &nb_user_kind, uid, c, check, why) < 0)
        return -1;
    if (gid != 0 && nb_quota_holder(t, &nb_group_kind, gid, c, check, why) < 0)
        return -1;
    return 0;
}

int nb_quota_vm_move(nb_txn *t, int uid, int gid, const nb_tmpl *vm_tmpl, nb_vm_phase from,
                     nb_vm_phase to, bool check, char **why)
{
    return nb_quota_vm_change(t, uid, gid, vm_tmpl, from, vm_tmpl, to, check, why);
}

int nb_quota_vm_change(nb_txn *t, int uid, int gid, const nb_tmpl *from_tmpl, nb_vm_phase from,
                       const nb_tmpl *to_tmpl, nb_vm_phase to, bool check, char **why)
{
    double before[NB_VMQ_COUNT], after[NB_VMQ_COUNT], delta[NB_VMQ_COUNT];
    bool any = false;

    nb_phase_demand(from_tmpl, from, before);
    nb_phase_demand(to_tmpl, to, after);
    for (int m = 0; m < NB_VMQ_COUNT; m++) {
        delta[m] = after[m] - before[m];
        any |= delta[m] != 0;
    }
    if (!any)
        return 0;
    return nb_quota_both(t, uid, gid, &(nb_charge){ -1, delta }, check, why);
}

int nb_quota_ds_charge(nb_txn *t, int uid, int gid, int ds_id, double images, double size_mb,
                       bool check, char **why)
{
    double delta[NB_DSQ_COUNT] = { [NB_DSQ_IMAGES] = images, [NB_DSQ_SIZE] = size_mb };

    if (ds_id < 0 || (images == 0 && size_mb == 0))
        return 0;
    return nb_quota_both(t, uid, gid, &(nb_charge){ ds_id, delta }, check, why);
}
