/*
 * datastore.h: the storage driver classes (reference §7.2): datastore
 * drivers (DS_MAD) keep images, transfer drivers (TM_MAD) give VMs their
 * disks on hosts.  A datastore names one of each (DS_MAD = "ceph",
 * TM_MAD = "ceph"; DS_MAD = "fs", TM_MAD = "qcow2").
 *
 * As with vmm.h, operations are synchronous, run on oned's worker threads
 * with no lock held, get copies of what they need and may run concurrently
 * (for different images or disks).  A NULL slot means "not supported": the
 * core fails the request with a clear message instead of calling it.  Every
 * operation returns 0, or -1 with *err (malloc'd, for the image's or VM's
 * ERROR) and leaves nothing half-made behind.
 *
 * Where a VM's disk lives on its host is fixed by nb_drv_disk_source()
 * below, so the transfer driver that makes it and the hypervisor driver
 * that boots from it always agree.
 */
#ifndef NB_DRIVERS_DATASTORE_H
#define NB_DRIVERS_DATASTORE_H

#include <stdbool.h>
#include "drivers/vmm.h"
#include "lib/template.h"

/* A datastore as drivers see it. */
typedef struct nb_drv_ds {
    int id;
    const char *name;
    const char *base_path;      /* BASE_PATH: a directory on oned's machine (fs) */
    const nb_tmpl *tmpl;        /* TEMPLATE: POOL_NAME, CEPH_HOST, CEPH_USER, CEPH_CONF,
                                 * CEPH_KEY, CEPH_SECRET, SHARED, ... */
} nb_drv_ds;

/* Capacity in MB. */
typedef struct nb_ds_capacity {
    long long total_mb, free_mb, used_mb;
} nb_ds_capacity;

/* An image a datastore driver stored; the core frees the strings. */
typedef struct nb_ds_image {
    char *source;               /* SOURCE: where the driver keeps it (a path, "pool/name") */
    char *format;               /* FORMAT: "raw" or "qcow2" */
    long long size_mb;          /* SIZE: virtual size, MB rounded up (import: 0 takes
                                 * the size the core read from the file's header) */
} nb_ds_image;

void nb_ds_image_free(nb_ds_image *img);

typedef struct nb_ds_ops {
    /* Driver-wide set-up from oned.conf's DS_MAD_CONF = [ NAME = ..., ... ]. */
    int (*init)(const nb_tmpl *conf, void **drv, char **err);
    void (*fini)(void *drv);

    int (*monitor)(void *drv, const nb_drv_ds *ds, nb_ds_capacity *out, char **err);
    /* Store the local file `path` (format "raw" or "qcow2", as the core
     * detected it) as image `image_id`.  The file is the core's: a download
     * it staged, or a PATH on oned's machine; the driver reads it and never
     * changes or removes it. */
    int (*import)(void *drv, const nb_drv_ds *ds, int image_id, const char *path,
                  const char *format, nb_ds_image *out, char **err);
    /* A new empty image of size_mb (a DATABLOCK); format NULL: the
     * driver's own. */
    int (*mkimage)(void *drv, const nb_drv_ds *ds, int image_id, long long size_mb,
                   const char *format, nb_ds_image *out, char **err);
    /* A full, independent copy of image `source` as image `image_id`
     * (one.image.clone). */
    int (*clone)(void *drv, const nb_drv_ds *ds, const char *source, int image_id,
                 nb_ds_image *out, char **err);
    /* Remove image `source`; removing one already gone succeeds.  Fails,
     * removing nothing, while copy-on-write children of it exist. */
    int (*remove)(void *drv, const nb_drv_ds *ds, const char *source, char **err);
    /* Make every copy-on-write child of image `source` (the disks of VMs
     * cloned from it) independent of it, so that it can be removed while
     * they live on.  NULL: the driver cannot (one.image.delete with force
     * is then refused while VMs use the image). */
    int (*flatten)(void *drv, const nb_drv_ds *ds, const char *source, char **err);
} nb_ds_ops;

/*
 * Transfer operations work on one DISK of a VM (a vector of the VM's
 * template) that comes from an image: the core copied into it what the
 * image and its datastore say (IMAGE_ID, SOURCE, FORMAT, SIZE, TYPE, CLONE,
 * DATASTORE_ID, TM_MAD, SHARED, POOL_NAME, CEPH_HOST, CEPH_USER,
 * CEPH_SECRET).  `ds` is the image's datastore.
 */
typedef struct nb_tm_ops {
    int (*init)(const nb_tmpl *conf, void **drv, char **err);
    void (*fini)(void *drv);

    /* Make the disk usable on host h at nb_drv_disk_source(): a
     * copy-on-write clone or overlay of the image (CLONE = YES), or the
     * image itself reachable from the host (CLONE = NO).  Idempotent: a disk
     * already there (a re-run after a restart, a resume) is kept as it is. */
    int (*prepare)(void *drv, const nb_drv_host *h, const nb_drv_vm *vm, const nb_tattr *disk,
                   const nb_drv_ds *ds, char **err);
    /* The VM is done with the disk: remove its copy, or for a persistent
     * image used through a copy, save the copy back into the image first.
     * Idempotent: nothing there is success. */
    int (*release)(void *drv, const nb_drv_host *h, const nb_drv_vm *vm, const nb_tattr *disk,
                   const nb_drv_ds *ds, char **err);

    /* Hosts see the datastore's SOURCE paths (a shared mount): persistent
     * file images are used in place.  The core copies it into each DISK as
     * SHARED = YES/NO unless the datastore's template sets SHARED. */
    bool shared;
} nb_tm_ops;

/*
 * Where DISK number idx of vm is on its host, as libvirt is told
 * (malloc'd): a DISK without IMAGE_ID is its own SOURCE (or PATH); an RBD
 * disk is "SOURCE-<vm id>-<DISK_ID>" when CLONE = YES, else SOURCE; a file
 * disk is SOURCE when CLONE = NO and SHARED is not NO (a persistent image
 * the hosts see), else "<vm_dir>/disk.<DISK_ID>".  NULL when the DISK names
 * nothing.
 */
char *nb_drv_disk_source(const nb_drv_vm *vm, const nb_tattr *disk, size_t idx);
/* Whether hosts see datastore ds_tmpl's SOURCE paths (a DISK's SHARED):
 * the datastore's SHARED, else its TM's `shared` (tm NULL: yes). */
bool nb_drv_ds_shared(const nb_tmpl *ds_tmpl, const nb_tm_ops *tm);
/* The format libvirt reads that disk in: a file clone is a qcow2 overlay;
 * anything else is DRIVER, else FORMAT, else raw. */
const char *nb_drv_disk_format(const nb_tattr *disk);

#endif
