#define NB_LOG_MODULE "ONE"
#include "oned/bootstrap.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/log.h"
#include "lib/util.h"
#include "acl/rule.h"
#include "oned/acl_pool.h"
#include "oned/cluster.h"
#include "oned/datastore.h"
#include "oned/group.h"
#include "oned/password.h"
#include "oned/tenancy.h"
#include "oned/txn.h"
#include "oned/user.h"
#include "oned/vdc.h"
#include "oned/zone.h"

/* Write "user:password" to path (0600, parents created) unless it exists. */
static int nb_write_auth_file(const char *path, const char *user, const char *pw, char **err)
{
    char *dir = nb_strdup(path);
    char *line = nb_asprintf("%s:%s\n", user, pw);
    int fd = -1, ret = -1;

    if (nb_mkdir_p(dirname(dir), 0700) < 0 ||
        (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
        write(fd, line, strlen(line)) != (ssize_t)strlen(line) || fsync(fd) < 0) {
        *err = nb_asprintf("cannot write %s: %s", path, strerror(errno));
        goto cleanup;
    }
    ret = 0;
 cleanup:
    if (fd >= 0)
        close(fd);
    nb_wipe(line, strlen(line));
    free(line);
    free(dir);
    return ret;
}

/* oneadmin's name and password from $ONE_AUTH; generated when absent. */
static int nb_bootstrap_credentials(const nb_layout *l, char **name, char **pw, char **err)
{
    size_t len;
    char *text = nb_read_file(l->auth_file, &len);
    char *colon;

    if (!text) {
        if (errno != ENOENT) {
            *err = nb_asprintf("cannot read %s: %s", l->auth_file, strerror(errno));
            return -1;
        }
        *name = nb_strdup("oneadmin");
        *pw = nb_random_hex(16);
        nb_log_info("No %s: generated a password for oneadmin and wrote it there", l->auth_file);
        return nb_write_auth_file(l->auth_file, *name, *pw, err);
    }
    text[strcspn(text, "\r\n")] = '\0';
    colon = strchr(text, ':');
    if (colon)
        *colon = '\0';
    if (!colon || nb_name_invalid(text, false) || nb_password_invalid(colon + 1)) {
        *err = nb_asprintf("%s must hold \"USER:PASSWORD\" (a valid user name, a password "
                           "without spaces)", l->auth_file);
        nb_wipe(text, len);
        free(text);
        return -1;
    }
    *name = nb_strdup(text);
    *pw = nb_strdup(colon + 1);
    nb_wipe(text, len);
    free(text);
    return 0;
}

static nb_object *nb_bootstrap_user(int id, const char *name, const char *driver,
                                    const char *pw, int iterations)
{
    char *hash = nb_password_hash(pw, iterations);
    nb_object *o;

    if (!hash)
        abort();    /* OpenSSL PBKDF2 cannot fail with these arguments */
    o = nb_user_new(id, name, 0, driver, hash);
    nb_wipe(hash, strlen(hash));
    free(hash);
    return o;
}

static void nb_bootstrap_acl(nb_txn *t, uint64_t user, uint64_t resource, uint64_t rights,
                             uint64_t zone, const char *source)
{
    nb_acl_rule r = { -1, user, resource, rights, zone };
    nb_acl_insert(t, &r, source);
}

/* VDC 0 with group 1 and every cluster of the zone, cluster 0, and the
 * system, image and file datastores 0-2 in it, as a fresh OpenNebula has. */
static void nb_bootstrap_infra(nb_txn *t, const nb_layout *l)
{
    static const struct { int id; const char *name, *type_name; int type; } ds[] = {
        { 0, "system", "SYSTEM_DS", NB_DS_SYSTEM }, { 1, "default", "IMAGE_DS", NB_DS_IMAGE },
        { 2, "files", "FILE_DS", NB_DS_FILE },
    };
    nb_object *vdc = nb_vdc_new(NB_VDC_DEFAULT, "default");
    nb_object *cluster = nb_cluster_new(NB_CLUSTER_DEFAULT, "default");

    nb_tmpl_set(&vdc->tmpl, "DESCRIPTION", "Every new group is added to this VDC, with all "
                "the resources of the local zone.");
    nb_ids_add(&nb_vdc_of(vdc)->groups, &nb_vdc_of(vdc)->ngroups, 1);
    nb_vdc_entry_add(nb_vdc_of(vdc), NB_VDC_CLUSTER, 0, NB_VDC_ALL);
    nb_txn_insert(t, vdc);
    for (size_t i = 0; i < NB_ARRAY_SIZE(ds); i++) {
        nb_object *o = nb_object_new(&nb_datastore_kind);
        nb_datastore *d = nb_datastore_of(o);
        o->oid = ds[i].id;
        o->name = nb_strdup(ds[i].name);
        o->uid = o->gid = 0;
        o->perms = 0640;
        d->ds_mad = nb_strdup("fs");
        d->tm_mad = nb_strdup("ssh");
        d->base_path = nb_asprintf("%s/datastores/%d", l->var_dir, ds[i].id);
        d->type = ds[i].type;
        nb_tmpl_set(&o->tmpl, "DS_MAD", "fs");
        nb_tmpl_set(&o->tmpl, "TM_MAD", "ssh");
        nb_tmpl_set(&o->tmpl, "TYPE", ds[i].type_name);
        nb_ids_add(&d->clusters, &d->nclusters, NB_CLUSTER_DEFAULT);
        nb_ids_add(&nb_cluster_of(cluster)->datastores, &nb_cluster_of(cluster)->ndatastores,
                   ds[i].id);
        nb_txn_insert(t, o);
    }
    nb_txn_insert(t, cluster);
}

int nb_bootstrap(nb_model *m, const nb_layout *l, char **err)
{
    const nb_config *cfg = m->cfg;
    char *admin = NULL, *admin_pw = NULL, *server_pw = NULL, *server_file = NULL;
    char *endpoint = NULL;
    nb_object *zone;
    nb_txn *t = NULL;
    int ret = -1;

    /* User 0 is created last: its presence means bootstrap completed. */
    if (nb_pool_get(nb_model_cpool(m, &nb_user_kind), 0))
        return 0;
    nb_log_info("Fresh database: creating the bootstrap objects");
    if (nb_bootstrap_credentials(l, &admin, &admin_pw, err) < 0)
        goto cleanup;
    server_pw = nb_random_hex(16);
    server_file = nb_asprintf("%s/sunstone_auth", l->server_auth_dir);
    if (nb_write_auth_file(server_file, "serveradmin", server_pw, err) < 0)
        goto cleanup;

    t = nb_txn_begin(m);
    nb_txn_insert(t, nb_group_new(0, "oneadmin"));
    nb_txn_insert(t, nb_group_new(1, "users"));

    zone = nb_object_new(&nb_zone_kind);
    zone->oid = 0;
    zone->name = nb_strdup("OpenNebula");
    endpoint = nb_asprintf("http://localhost:%d/RPC2", cfg->port);
    nb_tmpl_set(&zone->tmpl, "ENDPOINT", endpoint);
    nb_txn_insert(t, zone);

    /* The default rules of a fresh OpenNebula (reference §5.5), in its
     * order: the users group may create virtual resources; everyone sees
     * zones and marketplaces; then VDC 0's rules, generated as every VDC's
     * are, so that they belong to it. */
    nb_bootstrap_acl(t, NB_ACL_GROUP | 1, NB_ACL_VM | NB_ACL_IMAGE | NB_ACL_TEMPLATE |
                     NB_ACL_DOCUMENT | NB_ACL_SECGROUP | NB_ACL_VMGROUP | NB_ACL_BACKUPJOB |
                     NB_ACL_ALL, NB_OP_CREATE, NB_ACL_ALL, NULL);
    nb_bootstrap_acl(t, NB_ACL_ALL, NB_ACL_ZONE | NB_ACL_ALL, NB_OP_USE, NB_ACL_ALL, NULL);
    nb_bootstrap_acl(t, NB_ACL_ALL, NB_ACL_MARKETPLACE | NB_ACL_MARKETPLACEAPP | NB_ACL_ALL,
                     NB_OP_USE, NB_ACL_ALL, NULL);
    nb_bootstrap_infra(t, l);
    nb_tenancy_vdc_group(t, nb_vdc_cof(nb_txn_get(t, &nb_vdc_kind, NB_VDC_DEFAULT)), 1, true);

    nb_txn_insert(t, nb_bootstrap_user(1, "serveradmin", "server_cipher", server_pw,
                                       cfg->pbkdf2_iterations));
    nb_txn_insert(t, nb_bootstrap_user(0, admin, "core", admin_pw, cfg->pbkdf2_iterations));
    ret = nb_txn_commit(t, err);
 cleanup:
    if (admin_pw)
        nb_wipe(admin_pw, strlen(admin_pw));
    if (server_pw)
        nb_wipe(server_pw, strlen(server_pw));
    free(admin);
    free(admin_pw);
    free(server_pw);
    free(server_file);
    free(endpoint);
    return ret;
}
