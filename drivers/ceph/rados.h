/*
 * rados.h: oned's connections to Ceph clusters.  One librados handle per
 * (CEPH_CONF, CEPH_USER, CEPH_KEY, CEPH_HOST), made on first use and shared
 * by every datastore, disk and thread that names the same cluster and
 * identity (librados handles are thread-safe); a failed connection is not
 * kept, so the next call tries again.  Every handle has
 * client_mount_timeout and rados_osd_op_timeout set: an unreachable
 * monitor or a stuck placement group fails an operation instead of hanging
 * a worker thread.
 */
#ifndef NB_DRIVERS_CEPH_RADOS_H
#define NB_DRIVERS_CEPH_RADOS_H

#include <rados/librados.h>
#include "drivers/datastore.h"

#define NB_CEPH_MOUNT_TIMEOUT "10"  /* s: connecting, monitors included */
#define NB_CEPH_OP_TIMEOUT "30"     /* s: one OSD operation */

/* A driver instance starts (from init) / stops (from fini) using the
 * handles; the last one out shuts them all down. */
void nb_ceph_use(void);
void nb_ceph_unuse(void);

/* The cluster of datastore ds (not to be shut down by the caller), or -1
 * with *err naming the datastore. */
int nb_ceph_cluster(const nb_drv_ds *ds, rados_t *out, char **err);

/* An I/O context on pool of ds's cluster (rados_ioctx_destroy it), or -1
 * with *err. */
int nb_ceph_ioctx(const nb_drv_ds *ds, const char *pool, rados_ioctx_t *io, char **err);

/* The I/O context of SOURCE "pool/image" and the image's name (malloc'd). */
int nb_ceph_open_source(const nb_drv_ds *ds, const char *source, rados_ioctx_t *io,
                        char **image, char **err);

/* "ceph: datastore ID (NAME): <what>: <strerror(-rc)>" (malloc'd); rc is a
 * negative errno, 0 for none. */
char *nb_ceph_error(const nb_drv_ds *ds, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
