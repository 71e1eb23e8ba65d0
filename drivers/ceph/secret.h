/*
 * secret.h: the libvirt secret through which a host's QEMU authenticates
 * to Ceph (cephx): a DISK's CEPH_SECRET names it by uuid, and libvirt
 * gives QEMU the key it holds.  Made on the host, through the host's
 * shared libvirt connection (drivers/libvirt/conn.h), when missing.
 */
#ifndef NB_DRIVERS_CEPH_SECRET_H
#define NB_DRIVERS_CEPH_SECRET_H

#include "drivers/vmm.h"

/* Make sure host h has secret uuid with a value: kept when it has one,
 * else defined (usage ceph, "client.<user> secret") and given the key of
 * client.<user> from keyring, a keyring file on oned's machine (NULL: none,
 * an error if the secret is missing).  lvconf: the LIBVIRT_URI template
 * for hosts without one (may be NULL). */
int nb_ceph_secret_ensure(const nb_tmpl *lvconf, const nb_drv_host *h, const char *uuid,
                          const char *user, const char *keyring, char **err);

#endif
