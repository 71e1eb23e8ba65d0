/*
 * image.h: the IMAGE object (reference §3.8).  Owned and lockable; names
 * unique per owner.  An image lives in one image datastore, whose DS_MAD
 * stores it (drivers/datastore.h); VMs use it through their DISKs, and the
 * image counts them (RUNNING_VMS, VMS).
 */
#ifndef NB_IMAGE_H
#define NB_IMAGE_H

#include "oned/object.h"

/* TYPE, OpenNebula's numbers. */
enum nb_image_type {
    NB_IMG_OS, NB_IMG_CDROM, NB_IMG_DATABLOCK, NB_IMG_KERNEL, NB_IMG_RAMDISK,
    NB_IMG_CONTEXT, NB_IMG_BACKUP, NB_IMG_FILESYSTEM, NB_IMG_TYPES
};

/* STATE, OpenNebula's numbers. */
enum nb_image_state {
    NB_IMG_INIT, NB_IMG_READY, NB_IMG_USED, NB_IMG_DISABLED, NB_IMG_LOCKED, NB_IMG_ERROR,
    NB_IMG_CLONE, NB_IMG_DELETE, NB_IMG_USED_PERS, NB_IMG_LOCKED_USED,
    NB_IMG_LOCKED_USED_PERS, NB_IMG_STATES
};

typedef struct nb_image {
    nb_object o;
    int type;               /* enum nb_image_type */
    int disk_type;          /* the datastore's DISK_TYPE (0 FILE, 3 RBD, ...) */
    int persistent;         /* 0 / 1 */
    long long regtime;
    char *source;           /* SOURCE: where the datastore driver keeps it, "" until stored */
    char *path;             /* PATH: where it was imported from (a file, a URL), or "" */
    char *format;           /* FORMAT: raw, qcow2 */
    char *fs;               /* FS of a formatted datablock, or "" */
    long long size_mb;      /* SIZE */
    int state;              /* enum nb_image_state */
    int prev_state;
    int running_vms;        /* VMs using it now (DISKs of VMs not DONE) */
    int cloning_ops;        /* one.image.clone copies of it in flight */
    int cloning_id;         /* the image this one is being cloned from, or -1 */
    int ds_id;
    char *ds_name;
    int *vms;               /* sorted ids of those VMs */
    size_t nvms;
    int *clones;            /* sorted ids of images being cloned from it */
    size_t nclones;
} nb_image;

extern const nb_kind nb_image_kind;

static inline nb_image *nb_image_of(nb_object *o) { return (nb_image *)o; }
static inline const nb_image *nb_image_cof(const nb_object *o) { return (const nb_image *)o; }

/* "OS", "CDROM", ... for TYPE n; NULL outside the range. */
const char *nb_image_type_name(int type);
/* TYPE from its name (case-insensitive) or number; -1 if neither. */
int nb_image_type_parse(const char *s);
const char *nb_image_state_name(int state);

#endif
