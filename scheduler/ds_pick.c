#include "scheduler/ds_pick.h"

#include <math.h>

static double nb_ds_rank(const nb_ds_cand *c, enum nb_ds_policy policy, bool custom_rank)
{
    double free_mb = (double)(c->free_mb - c->taken_mb);

    if (custom_rank || policy == NB_DS_CUSTOM || policy == NB_DS_FIXED)
        return isnan(c->rank) ? -INFINITY : c->rank;
    return policy == NB_DS_PACKING ? -free_mb : free_mb;
}

int nb_ds_pick(const nb_ds_cand *c, size_t n, long long need_mb, enum nb_ds_policy policy,
               bool custom_rank)
{
    int best = NB_DS_NO_MATCH;
    double best_rank = 0;

    for (size_t i = 0; i < n; i++) {
        double r;

        if (!c[i].match)
            continue;
        if (c[i].total_mb > 0 && c[i].free_mb - c[i].taken_mb < need_mb) {
            if (best == NB_DS_NO_MATCH)
                best = NB_DS_NO_ROOM;
            continue;
        }
        r = nb_ds_rank(&c[i], policy, custom_rank);
        if (best < 0 || r > best_rank || (r == best_rank && c[i].id < c[best].id)) {
            best = (int)i;
            best_rank = r;
        }
    }
    return best;
}
