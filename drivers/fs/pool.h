/*
 * pool.h: directories on a host reached only through its libvirtd's
 * storage-pool API, for the fs transfer drivers.
 *
 * A directory is opened as a dir pool: an existing pool with that target
 * (defined by the host's staff, or left by an oned that died) is used as
 * it is; else a transient pool "nubes-<hash of the path>" is created with
 * VIR_STORAGE_POOL_CREATE_WITH_BUILD (making the directory) and destroyed
 * when the last user in this process closes it; the files stay.  libvirt
 * refuses two pools on one directory, so concurrent operations on one
 * host and directory share one pool (reference-counted).
 */
#ifndef NB_DRIVERS_FS_POOL_H
#define NB_DRIVERS_FS_POOL_H

#include <libvirt/libvirt.h>

typedef struct nb_fs_pool nb_fs_pool;

/* The pool on directory dir of host host_id through conn; NULL with *err. */
nb_fs_pool *nb_fs_pool_open(virConnectPtr conn, int host_id, const char *dir, char **err);
void nb_fs_pool_close(nb_fs_pool *p);

/* 1 if volume name exists in the pool, 0 if not, -1 with *err. */
int nb_fs_pool_has(nb_fs_pool *p, const char *name, char **err);
/* The host-side path of volume name (malloc'd), NULL with *err. */
char *nb_fs_pool_path(nb_fs_pool *p, const char *name, char **err);

/* A qcow2 volume name whose backing store is the host's file backing, in
 * format backing_fmt ("raw" or "qcow2"), of the backing file's size.  An
 * existing volume of that name is kept. */
int nb_fs_pool_overlay(nb_fs_pool *p, const char *name, const char *backing,
                       const char *backing_fmt, char **err);

/* Volume name holding the bytes of the local file `local`, uploaded
 * through a sparse libvirt stream (holes travel as their length) unless a
 * complete one is there already.  A
 * complete upload is marked by an empty volume "<name>.ok" made after the
 * stream finished: a volume without it (an upload cut short) is deleted
 * and uploaded again.  Uploads into one pool are serialised, so two users
 * of one name wait for a single upload. */
int nb_fs_pool_upload(nb_fs_pool *p, const char *name, const char *local, char **err);
/* 1 if volume name is a complete upload (its marker exists), 0 if not,
 * -1 with *err. */
int nb_fs_pool_uploaded(nb_fs_pool *p, const char *name, char **err);
/* Save volume name into the local file `local`: downloaded through a
 * sparse libvirt stream into a temporary file beside it, synced, then renamed
 * over it, so `local` is either the old or the whole new content. */
int nb_fs_pool_download(nb_fs_pool *p, const char *name, const char *local, char **err);

/* Delete volume name and its upload marker; none is success. */
int nb_fs_pool_delete(nb_fs_pool *p, const char *name, char **err);

#endif
