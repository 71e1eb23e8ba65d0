#include "scheduler/avoid.h"

#include <stdlib.h>
#include "lib/util.h"

void nb_avoid_init(nb_avoid *a)
{
    *a = (nb_avoid){ 0 };
}

void nb_avoid_free(nb_avoid *a)
{
    free(a->pairs);
    free(a->hosts);
    *a = (nb_avoid){ 0 };
}

static size_t nb_avoid_host_index(const nb_avoid *a, int host)
{
    size_t i = 0;
    while (i < a->nhosts && a->hosts[i].host != host)
        i++;
    return i;
}

void nb_avoid_failed(nb_avoid *a, int vm, int host, long long now)
{
    size_t i = nb_avoid_host_index(a, host);

    if (!nb_avoid_vm_host(a, vm, host)) {
        nb_grow(&a->pairs, &a->cap_pairs, a->npairs + 1, sizeof(*a->pairs));
        a->pairs[a->npairs].vm = vm;
        a->pairs[a->npairs++].host = host;
    }
    if (i == a->nhosts) {
        nb_grow(&a->hosts, &a->cap_hosts, a->nhosts + 1, sizeof(*a->hosts));
        a->hosts[a->nhosts].host = host;
        a->hosts[a->nhosts].strikes = 0;
        a->hosts[a->nhosts++].until = 0;
    }
    if (++a->hosts[i].strikes >= NB_AVOID_STRIKES) {
        a->hosts[i].strikes = 0;
        a->hosts[i].until = now + NB_AVOID_SECONDS;
    }
}

void nb_avoid_placed(nb_avoid *a, int vm, int host)
{
    size_t k = 0, i = nb_avoid_host_index(a, host);

    for (size_t j = 0; j < a->npairs; j++)
        if (a->pairs[j].vm != vm)
            a->pairs[k++] = a->pairs[j];
    a->npairs = k;
    if (i < a->nhosts)
        a->hosts[i] = a->hosts[--a->nhosts];
}

bool nb_avoid_vm_has(const nb_avoid *a, int vm)
{
    for (size_t j = 0; j < a->npairs; j++)
        if (a->pairs[j].vm == vm)
            return true;
    return false;
}

bool nb_avoid_vm_host(const nb_avoid *a, int vm, int host)
{
    for (size_t j = 0; j < a->npairs; j++)
        if (a->pairs[j].vm == vm && a->pairs[j].host == host)
            return true;
    return false;
}

bool nb_avoid_host(const nb_avoid *a, int host, long long now)
{
    size_t i = nb_avoid_host_index(a, host);
    return i < a->nhosts && a->hosts[i].until > now;
}
