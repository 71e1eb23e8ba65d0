/*
 * hotplug.h: what hotplug operations do to a VM's TEMPLATE, as OpenNebula
 * keeps it (reference §3.10).  Pure: the API prepares a change inside its
 * transaction, the engine finishes it with the driver step's result.
 *
 *   attach    the new DISK/NIC gets the next DISK_ID/NIC_ID (highest + 1),
 *             a disk its TARGET, and ATTACH = YES while the step runs;
 *   detach    the DISK/NIC carries ATTACH = YES while the step runs;
 *   resize    RESIZE = [ CPU, VCPU, MEMORY ] keeps the old values while a
 *             live resize runs;
 *   snapshot  SNAPSHOT = [ SNAPSHOT_ID, NAME, TIME, HYPERVISOR_ID ], with
 *             ACTIVE = YES while it is being created, reverted or deleted.
 *
 * Success clears the mark (attach, snapshot create and revert) or removes
 * the vector (detach, snapshot delete) and RESIZE; failure undoes what was
 * prepared.
 */
#ifndef NB_HOTPLUG_H
#define NB_HOTPLUG_H

#include <stdbool.h>
#include "lib/template.h"
#include "oned/lifecycle.h"

/* Give every DISK without DISK_ID its position, and pin its TARGET (the
 * name the deploy path gives it), and every NIC without NIC_ID its
 * position: ids and device names then survive devices coming and going. */
void nb_hotplug_number(nb_tmpl *t);

/*
 * Attach the one DISK (or NIC: vector) of request req to t.  Disks are
 * files (SOURCE/PATH) or volatile (TYPE fs/swap with SIZE in MB); NICs are
 * given by BRIDGE/MAC/MODEL, a MAC being made from the VM and NIC ids when
 * none is given.  Images and virtual networks are refused.  Returns the
 * new id, or -1 with *err (malloc'd, for the API reply).
 */
int nb_hotplug_attach(nb_tmpl *t, int vmid, const char *vector, const nb_tmpl *req,
                      char **err);
/* Mark DISK/NIC id for detaching: 0, or -1 with *err if there is none. */
int nb_hotplug_detach(nb_tmpl *t, const char *vector, int id, char **err);

/*
 * Resize t to what req asks (CPU, VCPU, MEMORY; absent or 0: unchanged).
 * live: the VM is running, so only VCPU may change and up to VCPU_MAX (CPU
 * follows as a share), MEMORY cannot change; the old values are kept in
 * RESIZE for a rollback.  Returns 0, or -1 with *err.
 */
int nb_hotplug_resize(nb_tmpl *t, const nb_tmpl *req, bool live, char **err);

/* A new SNAPSHOT (id highest + 1, NAME name or "snapshot-<id>", TIME now,
 * HYPERVISOR_ID "snap-<id>", ACTIVE): returns its id. */
int nb_hotplug_snapshot_create(nb_tmpl *t, const char *name, long long now);
/* Mark SNAPSHOT snap_id ACTIVE for a revert or delete: 0, or -1 with *err. */
int nb_hotplug_snapshot_mark(nb_tmpl *t, int snap_id, char **err);

/* The vector a hotplug step works on (the DISK or NIC with ATTACH, the
 * ACTIVE SNAPSHOT), NULL if none or for other steps. */
const nb_tattr *nb_hotplug_subject(const nb_tmpl *t, enum nb_vm_step step);
/* Whether step is one of the hotplug steps above or RESIZE. */
bool nb_hotplug_step(enum nb_vm_step step);
/* Finish step with its result (see the top of this file). */
void nb_hotplug_finish(nb_tmpl *t, enum nb_vm_step step, bool ok);

#endif
