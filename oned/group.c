#include "oned/group.h"

#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "acl/rule.h"
#include "oned/model.h"

void nb_xml_empty_quotas(nb_buf *b)
{
    nb_buf_adds(b, "<DATASTORE_QUOTA></DATASTORE_QUOTA><NETWORK_QUOTA></NETWORK_QUOTA>"
                   "<VM_QUOTA></VM_QUOTA><IMAGE_QUOTA></IMAGE_QUOTA>");
}

static void nb_group_destroy(nb_object *o)
{
    nb_group *g = nb_group_of(o);
    free(g->admins);
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
    if (mode == NB_XML_INFO) {
        nb_xml_empty_quotas(b);
        nb_buf_adds(b, "<DEFAULT_GROUP_QUOTAS>");
        nb_xml_empty_quotas(b);
        nb_buf_adds(b, "</DEFAULT_GROUP_QUOTAS>");
    }
    nb_buf_adds(b, "</GROUP>");
}

static int nb_group_from_xml(nb_object *o, const xmlNode *root, char **err)
{
    nb_group *g = nb_group_of(o);
    char *name = nb_xml_child_text(root, "NAME");
    const xmlNode *tmpl = nb_xml_child(root, "TEMPLATE");
    int ret = -1;

    if (nb_xml_child_int(root, "ID", &o->oid) < 0 || !name) {
        *err = nb_strdup("GROUP document lacks ID or NAME");
        goto cleanup;
    }
    nb_xml_read_ids(root, "ADMINS", &g->admins, &g->nadmins);
    o->name = nb_strdup(name);
    o->uid = 0;
    o->gid = o->oid;
    o->perms = 0640;
    if (tmpl && nb_tmpl_from_xml(&o->tmpl, tmpl, err) < 0)
        goto cleanup;
    ret = 0;
 cleanup:
    xmlFree(name);
    return ret;
}

static void nb_group_pool_tail(nb_buf *b, const nb_model *m)
{
    nb_buf_adds(b, "<DEFAULT_GROUP_QUOTAS>");
    nb_xml_empty_quotas(b);
    nb_buf_adds(b, "</DEFAULT_GROUP_QUOTAS>");
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
};
