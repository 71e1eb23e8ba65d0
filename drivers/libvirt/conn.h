/*
 * conn.h: the libvirt connections to hosts, one per host, shared by every
 * driver that reaches hosts through libvirt: the kvm VMM and IM drivers,
 * and the storage drivers' transfers (qcow2 overlays through the host's
 * storage-pool API, Ceph secrets).  One host has one connection whatever
 * asks; reconnection, keepalive and back-off are as libvirt.c describes.
 */
#ifndef NB_DRIVERS_LIBVIRT_CONN_H
#define NB_DRIVERS_LIBVIRT_CONN_H

#include <libvirt/libvirt.h>
#include "drivers/vmm.h"

/* A driver instance starts using the connections (from its init) / stops
 * (from its fini): the last one out closes them all. */
void nb_lv_use(void);
void nb_lv_unuse(void);

/* A reference to host h's connection (virConnectClose it when done), or
 * NULL with *err.  The URI is the host's LIBVIRT_URI, else conf's
 * LIBVIRT_URI template (%h: the host's name; conf may be NULL), else
 * qemu+tcp://%h/system. */
virConnectPtr nb_lv_connect(const nb_tmpl *conf, const nb_drv_host *h, char **err);

#endif
