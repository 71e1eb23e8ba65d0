/*
 * convert.h: qcow2 images become raw before they go into RBD (QEMU reads
 * RBD disks as raw), through `qemu-img convert` into a sparse temporary
 * file that the raw import then streams like any other.
 */
#ifndef NB_DRIVERS_CEPH_CONVERT_H
#define NB_DRIVERS_CEPH_CONVERT_H

/* Convert qcow2 file path into a new raw file in $TMPDIR (else /var/tmp),
 * whose path is returned in *raw (malloc'd; the caller unlinks it).  -1
 * with *err (qemu-img's own message) and nothing left behind. */
int nb_ceph_qcow2_to_raw(const char *path, char **raw, char **err);

#endif
