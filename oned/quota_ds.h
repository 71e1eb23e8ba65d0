/*
 * quota_ds.h: datastore quotas (reference §10.1), the arithmetic only, on
 * quota.h's entries.  A holder (user, group, defaults) has one entry per
 * datastore: DATASTORE = [ ID, IMAGES, IMAGES_USED, SIZE, SIZE_USED ],
 * IMAGES counting images and SIZE their MB.  An entry appears when it is
 * first set or charged and goes away, as in OpenNebula, when nothing is
 * used and every limit is back to -1.  A -1 limit takes the default
 * entry with the same ID.
 */
#ifndef NB_QUOTA_DS_H
#define NB_QUOTA_DS_H

#include <stddef.h>
#include "lib/buf.h"
#include "lib/template.h"
#include "oned/quota.h"

enum nb_dsq { NB_DSQ_IMAGES, NB_DSQ_SIZE, NB_DSQ_COUNT };

typedef struct nb_ds_quota_entry {
    int id;                         /* the datastore's */
    double limit[NB_DSQ_COUNT];
    double used[NB_DSQ_COUNT];
} nb_ds_quota_entry;

typedef struct nb_ds_quota {
    nb_ds_quota_entry *e;           /* sorted by id */
    size_t n;
} nb_ds_quota;

void nb_ds_quota_free(nb_ds_quota *q);
/* The entry of datastore ds_id, or NULL. */
const nb_ds_quota_entry *nb_ds_quota_find(const nb_ds_quota *q, int ds_id);

/* May q (with `defaults`, NULL for none) take delta more in datastore ds_id?
 * 0, or -1 with *failed and *limit set to the first limit exceeded. */
int nb_ds_quota_check(const nb_ds_quota *q, const nb_ds_quota *defaults, int ds_id,
                      const double delta[NB_DSQ_COUNT], enum nb_dsq *failed, double *limit);
/* used += sign * delta in datastore ds_id's entry (made on first use). */
void nb_ds_quota_charge(nb_ds_quota *q, int ds_id, const double delta[NB_DSQ_COUNT], int sign);

/* Apply every "DATASTORE = [ ID = 1, IMAGES = 3, SIZE = 1024 ]" of a quota
 * template: named limits change, others stay.  All or nothing: -1 with *err
 * on a bad vector leaves q as it was. */
int nb_ds_quota_set(nb_ds_quota *q, const nb_tmpl *t, char **err);

const char *nb_ds_quota_name(enum nb_dsq m);

/* <DATASTORE_QUOTA> with one DATASTORE per entry (CDATA values, each limit
 * with its _USED), empty when there is none. */
void nb_ds_quota_to_xml(const nb_ds_quota *q, nb_buf *b);
/* Read what nb_ds_quota_to_xml wrote below parent into an empty q.
 * -1 with *err on malformed entries (q then holds what was read). */
struct _xmlNode;
int nb_ds_quota_from_xml(nb_ds_quota *q, const struct _xmlNode *parent, char **err);

#endif
