/* Retention of the monitoring history: expired samples go in small batches,
 * each its own store transaction, so that neither the API's writes nor the
 * next host report wait long behind a big delete. */
#define NB_LOG_MODULE "MON"
#include <stdlib.h>
#include "lib/log.h"
#include "oned/monitoring.h"
#include "oned/txn.h"

typedef struct nb_expire_batch {
    nb_sample_kind kind;
    long long before;
    int deleted;
} nb_expire_batch;

static int nb_expire_one(nb_store *s, void *ctx, char **err)
{
    nb_expire_batch *b = ctx;
    return s->ops->sample_expire(s, b->kind, b->before, NB_MON_EXPIRE_BATCH, &b->deleted, err);
}

long long nb_mon_expire(nb_model *m, long long now, int max_batches)
{
    const long long keep[] = {
        [NB_SAMPLE_HOST] = m->cfg->host_mon_expiration,
        [NB_SAMPLE_VM] = m->cfg->vm_mon_expiration,
    };
    long long total = 0;
    char *err = NULL;

    for (int k = NB_SAMPLE_HOST; k <= NB_SAMPLE_VM; k++) {
        nb_expire_batch b = { (nb_sample_kind)k, nb_mon_cutoff(now, keep[k]), 0 };
        int left = max_batches;
        do {
            if (nb_txn_store_only(m, nb_expire_one, &b, &err) < 0) {
                nb_log_error("Cannot expire monitoring samples: %s", err);
                free(err);
                return -1;
            }
            total += b.deleted;
        } while (b.deleted == NB_MON_EXPIRE_BATCH && --left > 0);
    }
    return total;
}
