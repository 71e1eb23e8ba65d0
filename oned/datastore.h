/*
 * datastore.h: the DATASTORE object (reference §3.7).  Owned (uid/gid/perms);
 * in one or more clusters (`DATASTORE/%cid` rules match through them).
 */
#ifndef NB_DATASTORE_H
#define NB_DATASTORE_H

#include "oned/object.h"

enum nb_ds_type { NB_DS_IMAGE = 0, NB_DS_SYSTEM = 1, NB_DS_FILE = 2, NB_DS_BACKUP = 3 };

typedef struct nb_datastore {
    nb_object o;
    char *ds_mad;
    char *tm_mad;
    char *base_path;
    int type;               /* enum nb_ds_type */
    int disk_type;
    int state;              /* 0 READY, 1 DISABLED */
    int *clusters;          /* sorted ids */
    size_t nclusters;
    long long total_mb, free_mb, used_mb;
    int *images;
    size_t nimages;
} nb_datastore;

extern const nb_kind nb_datastore_kind;

static inline nb_datastore *nb_datastore_of(nb_object *o) { return (nb_datastore *)o; }
static inline const nb_datastore *nb_datastore_cof(const nb_object *o)
{
    return (const nb_datastore *)o;
}

/* A system datastore a VM may be deployed on: TYPE system, not DISABLED. */
static inline bool nb_datastore_system_enabled(const nb_datastore *d)
{
    return d->type == NB_DS_SYSTEM && d->state == 0;
}

#endif
