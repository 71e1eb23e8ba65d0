/*
 * cfg.h: what the Ceph drivers read from templates and files, as pure
 * functions (no I/O, unit-tested): a datastore's Ceph settings, RBD
 * "pool/image" names, and the cephx key in a keyring file's text.
 */
#ifndef NB_DRIVERS_CEPH_CFG_H
#define NB_DRIVERS_CEPH_CFG_H

#include <stddef.h>
#include "lib/template.h"

#define NB_CEPH_DEFAULT_POOL "one"
/* The cephx id when CEPH_USER is not set: what the rbd and ceph tools use
 * without --id, so a datastore without CEPH_USER behaves as OpenNebula's
 * does (its scripts then call rbd with no --id). */
#define NB_CEPH_DEFAULT_USER "admin"
/* Every image's protected snapshot, which VM disks are cloned from (the
 * name OpenNebula's Ceph driver gives it too). */
#define NB_CEPH_SNAP "snap"

/* A datastore's (or a DISK's) Ceph settings; pointers into the template,
 * NULL when absent or empty (pool and user then have their defaults). */
typedef struct nb_ceph_cfg {
    const char *pool;       /* POOL_NAME */
    const char *user;       /* CEPH_USER: cephx id without "client." */
    const char *conf;       /* CEPH_CONF: ceph.conf on oned's machine */
    const char *key;        /* CEPH_KEY: keyring file on oned's machine */
    const char *hosts;      /* CEPH_HOST: monitors, blank-separated host[:port] */
    const char *secret;     /* CEPH_SECRET: libvirt secret uuid on the hosts */
} nb_ceph_cfg;

void nb_ceph_cfg_of(const nb_tmpl *t, nb_ceph_cfg *c);

/* CEPH_HOST as librados' mon_host wants it: entries joined by commas
 * (malloc'd). */
char *nb_ceph_mon_host(const char *hosts);

/* Split SOURCE "pool/image" into malloc'd parts; -1 if it is not of that
 * form (no '/', an empty part, or a snapshot "@"). */
int nb_ceph_split(const char *source, char **pool, char **image);

/* The base64 key of entity ("client.admin") in keyring text (the INI
 * format ceph-authtool writes), malloc'd, or NULL. */
char *nb_ceph_keyring_key(const char *text, const char *entity);

/* Decode a base64 cephx key into its raw bytes (what virSecretSetValue
 * takes); *out malloc'd.  -1 if it is not base64. */
int nb_ceph_key_decode(const char *b64, unsigned char **out, size_t *len);

#endif
