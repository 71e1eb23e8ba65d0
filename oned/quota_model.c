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
    nb_quota_to_xml(&((const nb_quota_defaults *)o)->vmq, b);
    nb_buf_adds(b, "</DEFAULT_QUOTAS>");
}

static int nb_defaults_from_xml(nb_object *o, const xmlNode *root, char **err)
{
    if (nb_xml_read_common(o, root, err) < 0)
        return -1;
    return nb_quota_from_xml(&((nb_quota_defaults *)o)->vmq, root, err);
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
    .to_xml = nb_defaults_to_xml,
    .from_xml = nb_defaults_from_xml,
};

const nb_vm_quota *nb_quota_defaults_get(const nb_model *m, int which)
{
    const nb_object *o = nb_pool_get(nb_model_cpool(m, &nb_quota_defaults_kind), which);
    return o ? &((const nb_quota_defaults *)o)->vmq : NULL;
}

/* ---- documents ------------------------------------------------------------ */

void nb_xml_quotas(nb_buf *b, const nb_vm_quota *vmq)
{
    static const nb_vm_quota none = { .set = false };
    nb_buf_adds(b, "<DATASTORE_QUOTA></DATASTORE_QUOTA><NETWORK_QUOTA></NETWORK_QUOTA>");
    nb_quota_to_xml(vmq ? vmq : &none, b);
    nb_buf_adds(b, "<IMAGE_QUOTA></IMAGE_QUOTA>");
}

void nb_xml_default_quotas(nb_buf *b, const char *name, const nb_vm_quota *defaults)
{
    nb_buf_addc(b, '<');
    nb_buf_adds(b, name);
    nb_buf_addc(b, '>');
    nb_xml_quotas(b, defaults);
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

/* The quota of user uid or group gid as this transaction sees it. */
static const nb_vm_quota *nb_holder_quota(nb_txn *t, const nb_kind *k, int id,
                                          const nb_object **o)
{
    *o = nb_txn_get(t, k, id);
    if (!*o)
        return NULL;
    return k == &nb_user_kind ? &nb_user_cof(*o)->vmq : &nb_group_cof(*o)->vmq;
}

static int nb_quota_holder(nb_txn *t, const nb_kind *k, int id, const double delta[],
                           bool check, char **why)
{
    const nb_model *m = nb_txn_model(t);
    bool user = k == &nb_user_kind;
    const nb_object *o;
    const nb_vm_quota *q = nb_holder_quota(t, k, id, &o);
    enum nb_vmq failed;
    double limit;

    if (!o)
        return 0;
    if (check) {
        if (nb_quota_check(q, nb_quota_defaults_get(m, user ? NB_DEFAULTS_USERS
                                                               : NB_DEFAULTS_GROUPS),
                           delta, &failed, &limit) == 0)
            return 0;
        *why = nb_asprintf("%s [%d] limit of %g reached for %s quota in VM.",
                           user ? "user" : "group", id, limit, nb_quota_name(failed));
        return -1;
    }
    nb_quota_charge(user ? &nb_user_of(nb_txn_edit(t, o))->vmq
                         : &nb_group_of(nb_txn_edit(t, o))->vmq, delta, 1);
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
    if (uid != 0 && nb_quota_holder(t, &nb_user_kind, uid, delta, check, why) < 0)
        return -1;
    if (gid != 0 && nb_quota_holder(t, &nb_group_kind, gid, delta, check, why) < 0)
        return -1;
    return 0;
}
