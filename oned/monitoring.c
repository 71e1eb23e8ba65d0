#include "oned/monitoring.h"

#include <limits.h>
#include <stdio.h>
#include "oned/vm.h"

static void nb_mon_cdata_ll(nb_buf *b, const char *name, long long v)
{
    char num[24];
    snprintf(num, sizeof(num), "%lld", v);
    nb_buf_elem_cdata(b, name, num);
}

void nb_mon_vm_sample(nb_buf *b, int vmid, long long ts, const nb_drv_vm_usage *u)
{
    char cpu[40];

    nb_vm_fmt_double(cpu, u->cpu);
    nb_buf_adds(b, "<MONITORING>");
    nb_buf_elem_cdata(b, "CPU", cpu);
    nb_mon_cdata_ll(b, "DISKRDBYTES", u->disk_rd);
    nb_mon_cdata_ll(b, "DISKWRBYTES", u->disk_wr);
    nb_mon_cdata_ll(b, "ID", vmid);
    nb_mon_cdata_ll(b, "MEMORY", u->memory_kb);
    nb_mon_cdata_ll(b, "NETRX", u->netrx);
    nb_mon_cdata_ll(b, "NETTX", u->nettx);
    nb_mon_cdata_ll(b, "TIMESTAMP", ts);
    nb_buf_adds(b, "</MONITORING>");
}

void nb_mon_window(long long seconds, long long now, long long *since, bool *last_only)
{
    *last_only = seconds == 0;
    *since = seconds > 0 ? now - seconds : LLONG_MIN;
}

long long nb_mon_cutoff(long long now, long long expiration)
{
    return expiration > 0 ? now - expiration : LLONG_MAX;
}
