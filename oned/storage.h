/*
 * storage.h: the storage drivers' work (drivers/datastore.h) on behalf of
 * images, datastores and VM disks.
 *
 * An image's pending work is its state: LOCKED (import from PATH, an empty
 * DATABLOCK, or a copy when CLONING_ID is set) or DELETE.  The API changes
 * the state in its transaction and asks for the work once it commits; the
 * work runs on the engine's storage workers (one image at a time per image)
 * and applies its result in a transaction of its own.  A restart finds the
 * images still LOCKED or DELETE and runs their work again: partial data is
 * removed by the drivers and the fetch, so re-running is safe.
 */
#ifndef NB_STORAGE_H
#define NB_STORAGE_H

#include <stdbool.h>
#include "drivers/datastore.h"
#include "oned/txn.h"

typedef struct nb_engine nb_engine;

#define NB_MB (1024LL * 1024)

/* Storage workers: imports are long, so a few run at once. */
#define NB_STORAGE_THREADS 4

/* Image id's pending work, once t commits. */
void nb_storage_image_soon(nb_txn *t, int image_id);
/* Every image's pending work (engine start). */
void nb_storage_requeue(nb_txn *t);
/* A capacity sample of every datastore whose DS_MAD can tell / of one
 * (a new datastore). */
void nb_storage_monitor_all(nb_model *m);
void nb_storage_monitor_soon(nb_txn *t, int ds_id);
/* Free MB of a datastore that bounds what goes in (its capacity known and
 * DATASTORE_CAPACITY_CHECK not NO), else -1. */
long long nb_storage_free_mb(const nb_model *m, const nb_object *ds);
/* Where a local PATH of an image owned by uid:gid may be imported from:
 * the datastore's RESTRICTED_DIRS and SAFE_DIRS (malloc'd), by default
 * everything restricted but /var/tmp, as OpenNebula; NULL (no limit) for
 * the oneadmin group. */
#define NB_RESTRICTED_DIRS "/"
#define NB_SAFE_DIRS "/var/tmp"
void nb_storage_path_dirs(const nb_object *ds, int uid, int gid, char **restricted,
                          char **safe);

/* An image whose data is gone leaves the model (in t): its datastore's
 * IMAGES, its owner's datastore quota, the ACL rules naming it. */
struct nb_image;
void nb_storage_image_gone(nb_txn *t, struct nb_image *img);

/* Copies of the datastores a VM's image disks come from, taken under the
 * model's read lock for a transfer step. */
typedef struct nb_ds_copy {
    int id;
    char *name;
    char *base_path;
    char *tm_mad;
    nb_tmpl tmpl;
} nb_ds_copy;

typedef struct nb_ds_set {
    nb_ds_copy *v;
    size_t n;
} nb_ds_set;

void nb_storage_ds_copy(const nb_model *m, const nb_tmpl *vm_tmpl, nb_ds_set *out);
void nb_ds_set_free(nb_ds_set *s);

/* The transfer driver of every image DISK of vm: prepare it on host h, or
 * release it.  Releasing goes on past a failure (the other disks still
 * go) and reports the first.  0, or -1 with *err. */
int nb_storage_transfer(nb_engine *e, const nb_ds_set *ds, const nb_drv_host *h,
                        const nb_drv_vm *vm, bool release, char **err);

#endif
