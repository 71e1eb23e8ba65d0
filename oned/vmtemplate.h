/*
 * vmtemplate.h: the VMTEMPLATE object (reference §3.9).  Owned and
 * lockable; names are unique per owner.  The TEMPLATE is stored as given
 * (no VM validation until instantiation exists), without NAME, which is the
 * object's name.
 */
#ifndef NB_VMTEMPLATE_H
#define NB_VMTEMPLATE_H

#include "oned/object.h"

typedef struct nb_vmtemplate {
    nb_object o;
    long long regtime;      /* epoch seconds */
} nb_vmtemplate;

extern const nb_kind nb_vmtemplate_kind;

/* A new template registered now, with an empty TEMPLATE. */
nb_object *nb_vmtemplate_new(int oid, const char *name, int uid, int gid, nb_perms perms);

static inline nb_vmtemplate *nb_vmtemplate_of(nb_object *o) { return (nb_vmtemplate *)o; }
static inline const nb_vmtemplate *nb_vmtemplate_cof(const nb_object *o)
{
    return (const nb_vmtemplate *)o;
}

#endif
