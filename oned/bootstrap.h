/*
 * bootstrap.h: the objects a fresh OpenNebula has (client-contract §2).  The
 * static ones (groups, zone, VDC, cluster, datastores, ACL rules) come with
 * schema migration 001; the users need their passwords, so they are created
 * here on first start: oneadmin from $ONE_AUTH (generated and written there
 * when absent) and serveradmin with a random password written to
 * var/.one/sunstone_auth.
 */
#ifndef NB_BOOTSTRAP_H
#define NB_BOOTSTRAP_H

#include "oned/layout.h"
#include "oned/model.h"

int nb_bootstrap(nb_model *m, const nb_layout *l, char **err);

#endif
