#include "scheduler/ds_attrs.h"

#include <string.h>
#include <strings.h>
#include "lib/util.h"

void nb_ds_lookup_init(nb_ds_lookup *l, const nb_ds_attrs *ds)
{
    l->ds = ds;
    nb_host_lookup_init(&l->nums, NULL);
}

void nb_ds_lookup_done(nb_ds_lookup *l)
{
    nb_host_lookup_done(&l->nums);
    l->ds = NULL;
}

size_t nb_ds_lookup_attr(void *ctx, const char *name, const char **vals, size_t max)
{
    nb_ds_lookup *l = ctx;
    const nb_ds_attrs *d = l->ds;
    const struct { const char *name; long long v; } fields[] = {
        { "ID", d->id }, { "STATE", d->state }, { "TYPE", d->type },
        { "TOTAL_MB", d->total_mb }, { "FREE_MB", d->free_mb }, { "USED_MB", d->used_mb },
    };
    size_t n;

    if (max == 0)
        return 0;
    if ((n = nb_tmpl_values(d->tmpl, name, vals, max)) > 0)
        return n;
    for (size_t i = 0; i < NB_ARRAY_SIZE(fields); i++)
        if (strcasecmp(fields[i].name, name) == 0) {
            vals[0] = nb_host_lookup_num(&l->nums, fields[i].v);
            return 1;
        }
    if (strcasecmp(name, "NAME") == 0) {
        vals[0] = d->name;
        return 1;
    }
    if (strcasecmp(name, "CLUSTERS/ID") == 0) {
        for (n = 0; n < d->nclusters && n < max; n++)
            vals[n] = nb_host_lookup_num(&l->nums, d->clusters[n]);
        return n;
    }
    return 0;
}
