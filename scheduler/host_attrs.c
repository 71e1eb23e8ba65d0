#include "scheduler/host_attrs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/util.h"

void nb_host_lookup_init(nb_host_lookup *l, const nb_host_attrs *h)
{
    *l = (nb_host_lookup){ .host = h };
}

void nb_host_lookup_done(nb_host_lookup *l)
{
    for (size_t i = 0; i < l->nnum; i++)
        free(l->num[i]);
    free(l->num);
    *l = (nb_host_lookup){ 0 };
}

const char *nb_host_lookup_num(nb_host_lookup *l, long long v)
{
    nb_grow(&l->num, &l->cap, l->nnum + 1, sizeof(*l->num));
    l->num[l->nnum] = nb_asprintf("%lld", v);
    return l->num[l->nnum++];
}

size_t nb_tmpl_values(const nb_tmpl *t, const char *name, const char **vals, size_t max)
{
    const char *slash = strchr(name, '/');
    size_t len = slash ? (size_t)(slash - name) : strlen(name), n = 0;

    for (size_t i = 0; t && i < t->n && n < max; i++) {
        const nb_tattr *a = &t->attrs[i];
        const char *v;
        if (strlen(a->name) != len || strncasecmp(a->name, name, len) != 0)
            continue;
        v = slash ? (a->value ? NULL : nb_tattr_get(a, slash + 1)) : a->value;
        if (v)
            vals[n++] = v;
    }
    return n;
}

/* HOST_SHARE and the host's own fields. */
static bool nb_host_field(nb_host_lookup *l, const char *name, long long *v)
{
    const nb_host_attrs *h = l->host;
    const struct { const char *name; long long v; } fields[] = {
        { "MAX_CPU", h->max_cpu }, { "CPU_USAGE", h->cpu_usage },
        { "FREE_CPU", h->max_cpu - h->cpu_usage }, { "TOTAL_CPU", h->total_cpu },
        { "MAX_MEM", h->max_mem }, { "MEM_USAGE", h->mem_usage },
        { "FREE_MEM", h->max_mem - h->mem_usage }, { "TOTAL_MEM", h->total_mem },
        { "RUNNING_VMS", h->running_vms }, { "ID", h->id }, { "CLUSTER_ID", h->cluster_id },
        { "STATE", h->state },
    };
    for (size_t i = 0; i < NB_ARRAY_SIZE(fields); i++)
        if (strcasecmp(fields[i].name, name) == 0) {
            *v = fields[i].v;
            return true;
        }
    return false;
}

size_t nb_host_lookup_attr(void *ctx, const char *name, const char **vals, size_t max)
{
    nb_host_lookup *l = ctx;
    const nb_host_attrs *h = l->host;
    long long v;
    size_t n;

    if (max == 0)
        return 0;
    if ((n = nb_tmpl_values(h->tmpl, name, vals, max)) > 0)
        return n;
    if (nb_host_field(l, name, &v)) {
        vals[0] = nb_host_lookup_num(l, v);
        return 1;
    }
    if (strcasecmp(name, "NAME") == 0) {
        vals[0] = h->name;
        return 1;
    }
    if ((n = nb_tmpl_values(h->cluster_tmpl, name, vals, max)) > 0)
        return n;
    if (strcasecmp(name, "CURRENT_VMS") == 0) {
        for (n = 0; n < h->nvms && n < max; n++)
            vals[n] = nb_host_lookup_num(l, h->vms[n]);
        return n;
    }
    return 0;
}
