/* one.acl.addrule/delrule/info (reference §2.6, §3.4). */
#include <stdlib.h>
#include "lib/util.h"
#include "acl/rule_text.h"
#include "oned/acl_pool.h"
#include "oned/api.h"

/*
 * addrule(user, resource, rights[, zone]): hex words, with or without 0x.
 * A missing or empty zone is the local zone (6.10's Ruby CLI omits it, 7.x
 * sends "").
 */
static int nb_acl_addrule(nb_call *c)
{
    const char *zone = nb_arg_str(c, 3, "");
    nb_acl_rule r = { .id = -1 };
    char text[NB_ACL_STRING_MAX];
    char *err = NULL;

    if (nb_gate_check_type(c, &nb_acl_kind, NB_OP_MANAGE) < 0)
        return -1;
    if (nb_acl_hex_parse(nb_arg_str(c, 0, ""), &r.user) < 0 ||
        nb_acl_hex_parse(nb_arg_str(c, 1, ""), &r.resource) < 0 ||
        nb_acl_hex_parse(nb_arg_str(c, 2, ""), &r.rights) < 0 ||
        (*zone && nb_acl_hex_parse(zone, &r.zone) < 0))
        return nb_fail(c, NB_E_INTERNAL, -1, "Error parsing rule: every part must be a "
                       "hexadecimal number.");
    if (!*zone)
        r.zone = NB_ACL_INDIVIDUAL | (uint32_t)c->model->zone_id;
    nb_acl_rule_format(&r, text, sizeof(text));
    if (nb_acl_rule_validate(&r, &err) < 0) {
        nb_fail(c, NB_E_INTERNAL, -1, "Rule %s is malformed: %s", text, err);
        free(err);
        return -1;
    }
    if (nb_acl_find(c->txn, &r))
        return nb_fail(c, NB_E_INTERNAL, -1, "Rule %s already exists", text);
    nb_reply_int(c, nb_acl_insert(c->txn, &r, NULL));
    return 0;
}

static int nb_acl_delrule(nb_call *c)
{
    nb_txn_delete(c->txn, c->obj);
    nb_reply_int(c, c->obj->oid);
    return 0;
}

/* Every rule, by id: the caller may MANAGE ACLs, so nothing is filtered. */
static int nb_acl_info(nb_call *c)
{
    const nb_pool *p = nb_model_cpool(c->model, &nb_acl_kind);
    nb_buf *b;

    if (nb_gate_check_type(c, &nb_acl_kind, NB_OP_MANAGE) < 0)
        return -1;
    b = nb_reply_doc(c);
    nb_buf_adds(b, "<ACL_POOL>");
    for (size_t i = 0; i < p->n; i++)
        nb_acl_kind.to_xml(p->objs[i], b, NB_XML_POOL, c->model);
    nb_buf_adds(b, "</ACL_POOL>");
    return 0;
}

#define W NB_M_WRITE
const nb_method nb_api_acl_methods[] = {
    NB_METHOD("one.acl.addrule", "sss|s", NULL, -1, NB_OP_MANAGE, W, nb_acl_addrule),
    NB_METHOD("one.acl.delrule", "i", &nb_acl_kind, 0, NB_OP_MANAGE, W, nb_acl_delrule),
    NB_METHOD("one.acl.info", "", NULL, -1, NB_OP_MANAGE, 0, nb_acl_info),
    NB_METHOD_END,
};
