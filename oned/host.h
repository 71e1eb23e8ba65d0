/*
 * host.h: the HOST object (reference §3.6).  Unowned; authorization uses its
 * id and its cluster (`HOST/%cid` rules).  Capacity (HOST_SHARE) and the
 * MONITORING block are filled by the monitoring drivers; until a host has
 * been monitored they are zero and its STATE is INIT.
 */
#ifndef NB_HOST_H
#define NB_HOST_H

#include "oned/object.h"

enum nb_host_state {
    NB_HOST_INIT = 0,
    NB_HOST_MONITORED = 2,
    NB_HOST_ERROR = 3,
    NB_HOST_DISABLED = 4,
    NB_HOST_OFFLINE = 8,
};

/* HOST_SHARE: CPU in percent of one core, memory in KB, disk in MB. */
typedef struct nb_host_share {
    long long mem_usage, cpu_usage;
    long long total_mem, total_cpu;
    long long max_mem, max_cpu;
    int running_vms;
    long long free_disk, max_disk, used_disk;
} nb_host_share;

typedef struct nb_host {
    nb_object o;
    int state;
    int prev_state;
    char *im_mad;
    char *vm_mad;
    int cluster_id;         /* CLUSTER (its name) is resolved when rendering */
    nb_host_share share;
    int *vms;               /* sorted ids of the VMs placed here */
    size_t nvms;
    long long last_monitored;   /* MONITORING/TIMESTAMP, 0 = never */
} nb_host;

extern const nb_kind nb_host_kind;

/* A new host in state INIT. */
nb_object *nb_host_new(int oid, const char *name, const char *im_mad, const char *vm_mad,
                       int cluster_id);

/* The host's MONITORING element (empty before its first sample): in its
 * document, and each sample one.host.monitoring keeps. */
void nb_host_monitoring_to_xml(const nb_host *h, nb_buf *b);

static inline nb_host *nb_host_of(nb_object *o) { return (nb_host *)o; }
static inline const nb_host *nb_host_cof(const nb_object *o) { return (const nb_host *)o; }

#endif
