#include "oned/layout.h"

#include <stdlib.h>
#include <string.h>
#include "lib/util.h"

void nb_layout_init(nb_layout *l)
{
    const char *loc = getenv("ONE_LOCATION");
    const char *auth = getenv("ONE_AUTH");
    const char *home = getenv("HOME");

    memset(l, 0, sizeof(*l));
    if (loc && *loc) {
        l->location = nb_strdup(loc);
        l->etc_dir = nb_asprintf("%s/etc", loc);
        l->var_dir = nb_asprintf("%s/var", loc);
        l->log_dir = nb_strdup(l->var_dir);
    } else {
        l->etc_dir = nb_strdup("/etc/one");
        l->var_dir = nb_strdup("/var/lib/one");
        l->log_dir = nb_strdup("/var/log/one");
    }
    l->conf_file = nb_asprintf("%s/oned.conf", l->etc_dir);
    l->log_file = nb_asprintf("%s/oned.log", l->log_dir);
    l->pid_file = nb_asprintf("%s/oned.pid", l->var_dir);
    l->db_file = nb_asprintf("%s/one.db", l->var_dir);
    l->audit_file = nb_asprintf("%s/audit.log", l->log_dir);
    l->server_auth_dir = nb_asprintf("%s/.one", l->var_dir);
    if (auth && *auth)
        l->auth_file = nb_strdup(auth);
    else
        l->auth_file = nb_asprintf("%s/.one/one_auth", home && *home ? home : "/root");
}

void nb_layout_free(nb_layout *l)
{
    free(l->location);
    free(l->etc_dir);
    free(l->var_dir);
    free(l->log_dir);
    free(l->conf_file);
    free(l->log_file);
    free(l->pid_file);
    free(l->db_file);
    free(l->audit_file);
    free(l->auth_file);
    free(l->server_auth_dir);
    memset(l, 0, sizeof(*l));
}
