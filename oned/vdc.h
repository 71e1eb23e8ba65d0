/*
 * vdc.h: the VDC object (reference §3.3, §6).  A VDC is a set of groups and
 * of per-zone resource entries; oned keeps no other behaviour attached to
 * it: the ACL rules it generates (acl/generate.h) do the work.  Unowned.
 */
#ifndef NB_VDC_H
#define NB_VDC_H

#include "acl/generate.h"
#include "oned/object.h"

typedef struct nb_vdc_entry {
    int zone;
    int id;                 /* resource id, or NB_VDC_ALL */
} nb_vdc_entry;

typedef struct nb_vdc {
    nb_object o;
    int *groups;            /* sorted */
    size_t ngroups;
    nb_vdc_entry *res[NB_VDC_NRTYPES];  /* sorted by (zone, id), as OpenNebula lists them */
    size_t nres[NB_VDC_NRTYPES];
} nb_vdc;

extern const nb_kind nb_vdc_kind;

#define NB_VDC_DEFAULT 0
#define NB_FIRST_VDC 100

nb_object *nb_vdc_new(int oid, const char *name);

/* Index of entry (zone, id) of type t, or -1. */
int nb_vdc_find(const nb_vdc *v, enum nb_vdc_rtype t, int zone, int id);
void nb_vdc_entry_add(nb_vdc *v, enum nb_vdc_rtype t, int zone, int id);
void nb_vdc_entry_del(nb_vdc *v, enum nb_vdc_rtype t, size_t i);

static inline nb_vdc *nb_vdc_of(nb_object *o) { return (nb_vdc *)o; }
static inline const nb_vdc *nb_vdc_cof(const nb_object *o) { return (const nb_vdc *)o; }

#endif
