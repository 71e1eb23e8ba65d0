/*
 * acl_pool.h: ACL rules as pool objects, so rule changes go through the same
 * transactions, store and commit as every other object.  After a commit the
 * model's contiguous rule array (model->acl) is rebuilt for the gate.
 */
#ifndef NB_ACL_POOL_H
#define NB_ACL_POOL_H

#include "acl/rule.h"
#include "oned/object.h"

typedef struct nb_acl_obj {
    nb_object o;
    nb_acl_rule rule;   /* rule.id == o.oid */
} nb_acl_obj;

extern const nb_kind nb_acl_kind;

#endif
