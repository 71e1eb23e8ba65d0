/* one.zone.*: the single local zone (federation is out of scope). */
#include "oned/api.h"
#include "oned/zone.h"

static int nb_zonepool_info(nb_call *c)
{
    return nb_api_pool_info(c, &nb_zone_kind);
}

const nb_method nb_api_zone_methods[] = {
    NB_METHOD("one.zone.info", "i|b", &nb_zone_kind, 0, NB_OP_USE, NB_M_LOCK_EXEMPT, nb_api_info),
    NB_METHOD("one.zonepool.info", "", NULL, -1, NB_OP_USE, 0, nb_zonepool_info),
    NB_METHOD_END,
};
