#include "oned/group.h"

#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "acl/rule.h"
#include "oned/model.h"
#include "oned/quota_model.h"

static void nb_group_destroy(nb_object *o)
{
    nb_group *g = nb_group_of(o);
    free(g->admins);
    nb_quotas_free(&g->quotas);
}

static void nb_group_to_xml(const nb_object *o, nb_buf *b, enum nb_xml_mode mode, const nb_model *m)
{
    const nb_group *g = nb_group_cof(o);

    nb_buf_adds(b, "<GROUP>");
    nb_buf_elem_int(b, "ID", o->oid);
    nb_buf_elem_text(b, "NAME", o->name);
    nb_tmpl_to_xml(&o->tmpl, b, "TEMPLATE");
    if (mode != NB_XML_STORE) {
        size_t n;
        const int *users = nb_model_group_members(m, o->oid, &n);
        nb_xml_ids(b, "USERS", users, n);
    }
    nb_xml_ids(b, "ADMINS", g->admins, g->nadmins);
    if (mode != NB_XML_POOL)
        nb_quotas_to_xml(&g->quotas, b);
    if (mode == NB_XML_INFO)
        nb_xml_default_quotas(b, "DEFAULT_GROUP_QUOTAS",
                              nb_quota_defaults_get(m, NB_DEFAULTS_GROUPS));
    nb_buf_adds(b, "</GROUP>");
    /* grouppool.info gives each group's quotas in a sibling, as oned does. */
    if (mode == NB_XML_POOL) {
        nb_buf_adds(b, "<QUOTAS>");
        nb_buf_elem_int(b, "ID", o->oid);
        nb_quotas_to_xml(&g->quotas, b);
        nb_buf_adds(b, "</QUOTAS>");
    }
}

static int nb_group_from_xml(nb_object *o, const xmlNode *root, char **err)
{
    nb_group *g = nb_group_of(o);
    if (nb_xml_read_common(o, root, err) < 0)
        return -1;
    nb_xml_read_ids(root, "ADMINS", &g->admins, &g->nadmins);
    if (nb_quotas_from_xml(&g->quotas, root, err) < 0)
        return -1;
    o->uid = 0;
    o->gid = o->oid;
    o->perms = 0640;
    return 0;
}

static void nb_group_pool_tail(nb_buf *b, const nb_model *m)
{
    nb_xml_default_quotas(b, "DEFAULT_GROUP_QUOTAS", nb_quota_defaults_get(m, NB_DEFAULTS_GROUPS));
}

nb_object *nb_group_new(int oid, const char *name)
{
    nb_object *o = nb_object_new(&nb_group_kind);
    o->oid = o->gid = oid;
    o->uid = 0;
    o->perms = 0640;
    o->name = nb_strdup(name);
    return o;
}

const nb_kind nb_group_kind = {
    .name = "group",
    .what = "group",
    .table = "group_pool",
    .root = "GROUP",
    .pool_root = "GROUP_POOL",
    .acl_type = NB_ACL_GROUP_T,
    .unique_names = true,
    .size = sizeof(nb_group),
    .destroy = nb_group_destroy,
    .to_xml = nb_group_to_xml,
    .from_xml = nb_group_from_xml,
    .pool_tail = nb_group_pool_tail,
    .names_shown = true,
};
