/* zone.h: the ZONE object (reference §3.12).  One zone, 0 "OpenNebula". */
#ifndef NB_ZONE_H
#define NB_ZONE_H

#include "oned/object.h"

typedef struct nb_zone {
    nb_object o;
    int state;          /* 0 ENABLED, 1 DISABLED */
} nb_zone;

extern const nb_kind nb_zone_kind;

#endif
