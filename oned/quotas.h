/*
 * quotas.h: the quotas one holder carries (a user, a group, the defaults for
 * users or for groups): its VM_QUOTA (quota.h) and DATASTORE_QUOTA
 * (quota_ds.h), set together from one quota template and written as the
 * four blocks of OpenNebula's documents.
 */
#ifndef NB_QUOTAS_H
#define NB_QUOTAS_H

#include "lib/buf.h"
#include "lib/template.h"
#include "oned/quota.h"
#include "oned/quota_ds.h"

typedef struct nb_quotas {
    nb_vm_quota vm;
    nb_ds_quota ds;
} nb_quotas;

void nb_quotas_free(nb_quotas *q);

/* Apply a quota template (VM = [...], DATASTORE = [...] vectors): all or
 * nothing, -1 with *err on the first bad vector. */
int nb_quotas_set(nb_quotas *q, const nb_tmpl *t, char **err);

/* DATASTORE_QUOTA, NETWORK_QUOTA, VM_QUOTA, IMAGE_QUOTA, in that order (NULL:
 * all empty).  Documents and the store write the same. */
void nb_quotas_to_xml(const nb_quotas *q, nb_buf *b);
/* Read them back below parent into a zeroed q; -1 with *err if malformed. */
struct _xmlNode;
int nb_quotas_from_xml(nb_quotas *q, const struct _xmlNode *parent, char **err);

#endif
