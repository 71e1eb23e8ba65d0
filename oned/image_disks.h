/*
 * image_disks.h: VM disks that come from images.  A DISK names its image
 * (IMAGE_ID, or IMAGE with IMAGE_UNAME/IMAGE_UID, by default the VM
 * owner's); taking it checks IMAGE:USE and the image's state, copies into
 * the DISK what the storage drivers need (drivers/datastore.h), and counts
 * the VM in the image (RUNNING_VMS, VMS; state USED or USED_PERS).  The
 * VM gives its images back when it is done (DONE, or deleted) or when the
 * disk is detached.
 */
#ifndef NB_IMAGE_DISKS_H
#define NB_IMAGE_DISKS_H

#include "oned/dispatch.h"
#include "oned/txn.h"

/* Every image DISK of vm_tmpl, for VM vmid owned by uid (in c's
 * transaction).  Also adds the image datastores' clusters to
 * AUTOMATIC_REQUIREMENTS.  0, or -1 with the call's error set. */
int nb_image_disks_acquire(nb_call *c, nb_tmpl *vm_tmpl, int vmid, int uid);
/* The same for one DISK (hotplug); vm_tmpl holds it already. */
int nb_image_disk_acquire(nb_call *c, nb_tmpl *vm_tmpl, nb_tattr *disk, int vmid, int uid);

/* VM vmid no longer uses the images of vm_tmpl's DISKs. */
void nb_image_disks_release(nb_txn *t, const nb_tmpl *vm_tmpl, int vmid);
/* ... or that of one DISK (detached; vm_tmpl without it). */
void nb_image_disk_release(nb_txn *t, const nb_tmpl *vm_tmpl, const nb_tattr *disk, int vmid);

#endif
