#include "oned/vmtemplate.h"

#include "lib/util.h"
#include "acl/rule.h"
#include "oned/model.h"

static void nb_vmtemplate_to_xml(const nb_object *o, nb_buf *b, enum nb_xml_mode mode,
                                 const nb_model *m)
{
    nb_buf_adds(b, "<VMTEMPLATE>");
    nb_model_xml_owned(b, o, mode, m);
    nb_xml_lock(b, o);
    nb_xml_permissions(b, o->perms);
    nb_buf_elem_int(b, "REGTIME", nb_vmtemplate_cof(o)->regtime);
    nb_tmpl_to_xml(&o->tmpl, b, "TEMPLATE");
    nb_buf_adds(b, "</VMTEMPLATE>");
}

static int nb_vmtemplate_from_xml(nb_object *o, const xmlNode *root, char **err)
{
    const char *bad;

    if (nb_xml_read_common(o, root, err) < 0)
        return -1;
    bad = nb_xml_read_owned(o, root);
    bad = bad ? bad :
          nb_xml_read_lock(o, root) < 0 ? "LOCK" :
          nb_xml_child_ll(root, "REGTIME", &nb_vmtemplate_of(o)->regtime) < 0 ? "REGTIME" :
          NULL;
    if (bad) {
        *err = nb_asprintf("VMTEMPLATE document lacks a valid %s", bad);
        return -1;
    }
    return 0;
}

nb_object *nb_vmtemplate_new(int oid, const char *name, int uid, int gid, nb_perms perms)
{
    nb_object *o = nb_object_new(&nb_vmtemplate_kind);

    o->oid = oid;
    o->name = nb_strdup(name);
    o->uid = uid;
    o->gid = gid;
    o->perms = perms;
    nb_vmtemplate_of(o)->regtime = nb_now();
    return o;
}

const nb_kind nb_vmtemplate_kind = {
    .name = "template",
    .what = "virtual machine template",
    .table = "template_pool",
    .root = "VMTEMPLATE",
    .pool_root = "VMTEMPLATE_POOL",
    .acl_type = NB_ACL_TEMPLATE,
    .owner_unique_names = true,
    .spaced_names = true,
    .size = sizeof(nb_vmtemplate),
    .to_xml = nb_vmtemplate_to_xml,
    .from_xml = nb_vmtemplate_from_xml,
};
