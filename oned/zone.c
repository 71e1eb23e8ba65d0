#include "oned/zone.h"

#include <stdlib.h>
#include "lib/util.h"
#include "acl/rule.h"

static void nb_zone_to_xml(const nb_object *o, nb_buf *b, enum nb_xml_mode mode, const nb_model *m)
{
    const nb_zone *z = (const nb_zone *)o;
    nb_buf_adds(b, "<ZONE>");
    nb_buf_elem_int(b, "ID", o->oid);
    nb_buf_elem_text(b, "NAME", o->name);
    nb_buf_elem_int(b, "STATE", z->state);
    nb_tmpl_to_xml(&o->tmpl, b, "TEMPLATE");
    nb_buf_adds(b, "<SERVER_POOL></SERVER_POOL></ZONE>");
}

static int nb_zone_from_xml(nb_object *o, const xmlNode *root, char **err)
{
    if (nb_xml_read_common(o, root, err) < 0)
        return -1;
    nb_xml_child_int(root, "STATE", &((nb_zone *)o)->state);
    return 0;
}

const nb_kind nb_zone_kind = {
    .name = "zone",
    .what = "zone",
    .table = "zone_pool",
    .root = "ZONE",
    .pool_root = "ZONE_POOL",
    .acl_type = NB_ACL_ZONE,
    .unique_names = true,
    .size = sizeof(nb_zone),
    .to_xml = nb_zone_to_xml,
    .from_xml = nb_zone_from_xml,
};
