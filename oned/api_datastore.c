/*
 * one.datastore.* and one.datastorepool.info (reference §2.8, §3.7): the
 * methods of the generic families.  Creating and deleting datastores needs
 * their drivers and belongs to the storage work.
 */
#include "oned/api.h"
#include "oned/datastore.h"

static int nb_datastorepool_info(nb_call *c)
{
    return nb_api_pool_info(c, &nb_datastore_kind);
}

#define W NB_M_WRITE
#define K (&nb_datastore_kind)
const nb_method nb_api_datastore_methods[] = {
    NB_METHOD("one.datastore.info", "i|b", K, 0, NB_OP_USE, NB_M_LOCK_EXEMPT, nb_api_info),
    NB_METHOD("one.datastore.update", "is|i", K, 0, NB_OP_MANAGE, W, nb_api_update),
    NB_METHOD("one.datastore.rename", "is", K, 0, NB_OP_MANAGE, W, nb_api_rename),
    NB_METHOD("one.datastore.chmod", "iiiiiiiiii", K, 0, NB_OP_MANAGE, W, nb_api_chmod),
    NB_METHOD("one.datastore.chown", "iii", K, 0, NB_OP_MANAGE, W, nb_api_chown),
    NB_METHOD("one.datastorepool.info", "", NULL, -1, NB_OP_USE, 0, nb_datastorepool_info),
    NB_METHOD_END,
};
