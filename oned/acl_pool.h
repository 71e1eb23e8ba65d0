/*
 * acl_pool.h: ACL rules as pool objects, so rule changes go through the same
 * transactions, store and commit as every other object.  After a commit the
 * model's sorted rule array (model->acl) is updated for the gate.
 *
 * Rules oned generates (VDCs, group admins, dedications) are reference-
 * counted: each records the sources that need it ("vdc:100",
 * "admin:101:5", ...), one entry per need, and goes away with its last one.
 * So removing a group from one VDC never drops a rule another VDC still
 * needs.  Rules staff add (one.acl.addrule) and the bootstrap rules record
 * "acl", and rules stored without sources count as staff rules: neither is
 * ever removed by a revoke.  Sources are kept in the stored document only;
 * clients see the rule exactly as OpenNebula renders it.
 */
#ifndef NB_ACL_POOL_H
#define NB_ACL_POOL_H

#include "acl/rule.h"
#include "oned/object.h"
#include "oned/txn.h"

typedef struct nb_acl_obj {
    nb_object o;
    nb_acl_rule rule;   /* rule.id == o.oid */
    char **refs;        /* sorted sources, repeated once per need */
    size_t nrefs;
} nb_acl_obj;

extern const nb_kind nb_acl_kind;

#define NB_ACL_SOURCE_STAFF "acl"

/* The rule with the same four words in this transaction's view, or NULL. */
nb_object *nb_acl_find(nb_txn *t, const nb_acl_rule *r);

/* A new rule with the given sources (NULL: a staff rule); r must be valid
 * and not present.  Returns its id. */
int nb_acl_insert(nb_txn *t, const nb_acl_rule *r, const char *source);

/* Generated rules: take or drop one reference of `source` on rule r,
 * creating or deleting the rule as needed. */
void nb_acl_grant(nb_txn *t, const nb_acl_rule *r, const char *source);
void nb_acl_revoke(nb_txn *t, const nb_acl_rule *r, const char *source);

/* Delete every rule pred(rule, ctx) accepts, whatever its sources (§5.6:
 * the user, group, cluster or object it names is gone). */
void nb_acl_purge(nb_txn *t, bool (*pred)(const nb_acl_rule *r, const void *ctx),
                  const void *ctx);

#endif
