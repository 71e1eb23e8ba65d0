/* one.system.*: version and configuration. */
#include "oned/api.h"
#include "oned/config.h"

#define NB_ONE_VERSION "7.0.0"

static int nb_system_version(nb_call *c)
{
    nb_reply_string(c, NB_ONE_VERSION);
    return 0;
}

/* Only callers whose primary group is oneadmin see the DB settings. */
static int nb_system_config(nb_call *c)
{
    nb_config_to_xml(c->model->cfg, nb_reply_doc(c), c->subj.gid == 0);
    return 0;
}

const nb_method nb_api_system_methods[] = {
    NB_METHOD("one.system.version", "", NULL, -1, NB_OP_USE, 0, nb_system_version),
    NB_METHOD("one.system.config", "", NULL, -1, NB_OP_USE, 0, nb_system_config),
    NB_METHOD_END,
};
