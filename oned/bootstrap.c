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
#include "oned/group.h"
#include "oned/password.h"
#include "oned/txn.h"
#include "oned/user.h"
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
                             uint64_t zone)
{
    nb_object *o = nb_object_new(&nb_acl_kind);
    nb_acl_obj *a = (nb_acl_obj *)o;
    o->oid = nb_txn_next_oid(t, &nb_acl_kind, 0);
    o->name = nb_strdup("");
    a->rule = (nb_acl_rule){ o->oid, user, resource, rights, zone };
    nb_txn_insert(t, o);
}

/* VDC 0, cluster 0 and datastores 0-2 have no pool in oned yet: their
 * documents are stored as OpenNebula writes them, for the issues that bring
 * their APIs.  INSERT OR REPLACE makes this safe to repeat. */
static int nb_bootstrap_infra(nb_store *s, void *ctx, char **err)
{
    const nb_layout *l = ctx;
    static const struct { int id; const char *name, *type_name; int type; } ds[] = {
        { 0, "system", "SYSTEM_DS", 1 }, { 1, "default", "IMAGE_DS", 0 }, { 2, "files", "FILE_DS", 2 },
    };
    nb_buf b = NB_BUF_INIT;

    nb_buf_adds(&b, "<VDC><ID>0</ID><NAME>default</NAME><GROUPS><ID>1</ID></GROUPS><CLUSTERS>"
                "<CLUSTER><ZONE_ID>0</ZONE_ID><CLUSTER_ID>-10</CLUSTER_ID></CLUSTER></CLUSTERS>"
                "<HOSTS></HOSTS><DATASTORES></DATASTORES><VNETS></VNETS><TEMPLATE><DESCRIPTION>"
                "<![CDATA[Every new group is added to this VDC, with all the resources of "
                "the local zone.]]></DESCRIPTION></TEMPLATE></VDC>");
    if (s->ops->put(s, "vdc_pool", 0, "default", -1, -1, b.data, b.len, err) < 0)
        goto error;
    nb_buf_reset(&b);
    nb_buf_adds(&b, "<CLUSTER><ID>0</ID><NAME>default</NAME><HOSTS></HOSTS><DATASTORES><ID>0</ID>"
                "<ID>1</ID><ID>2</ID></DATASTORES><VNETS></VNETS><TEMPLATE><RESERVED_CPU>"
                "<![CDATA[]]></RESERVED_CPU><RESERVED_MEM><![CDATA[]]></RESERVED_MEM></TEMPLATE>"
                "</CLUSTER>");
    if (s->ops->put(s, "cluster_pool", 0, "default", -1, -1, b.data, b.len, err) < 0)
        goto error;
    for (size_t i = 0; i < NB_ARRAY_SIZE(ds); i++) {
        char *path = nb_asprintf("%s/datastores/%d", l->var_dir, ds[i].id);
        nb_buf_reset(&b);
        nb_buf_addf(&b, "<DATASTORE><ID>%d</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME>"
                    "<GNAME>oneadmin</GNAME><NAME>%s</NAME>", ds[i].id, ds[i].name);
        nb_xml_permissions(&b, 0640);
        nb_buf_adds(&b, "<DS_MAD><![CDATA[fs]]></DS_MAD><TM_MAD><![CDATA[ssh]]></TM_MAD>");
        nb_buf_elem_cdata(&b, "BASE_PATH", path);
        nb_buf_addf(&b, "<TYPE>%d</TYPE><DISK_TYPE>0</DISK_TYPE><STATE>0</STATE><CLUSTERS><ID>0"
                    "</ID></CLUSTERS><TOTAL_MB>0</TOTAL_MB><FREE_MB>0</FREE_MB><USED_MB>0"
                    "</USED_MB><IMAGES></IMAGES><TEMPLATE><DS_MAD><![CDATA[fs]]></DS_MAD>"
                    "<TM_MAD><![CDATA[ssh]]></TM_MAD><TYPE><![CDATA[%s]]></TYPE></TEMPLATE>"
                    "</DATASTORE>", ds[i].type, ds[i].type_name);
        free(path);
        if (s->ops->put(s, "datastore_pool", ds[i].id, ds[i].name, 0, 0, b.data, b.len, err) < 0)
            goto error;
    }
    nb_buf_free(&b);
    return 0;
 error:
    nb_buf_free(&b);
    return -1;
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
    if (nb_store_transact(m->store, nb_bootstrap_infra, (void *)l, err) < 0 ||
        nb_bootstrap_credentials(l, &admin, &admin_pw, err) < 0)
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

    /* The default rules of a fresh OpenNebula (reference §5.5): the users
     * group may create virtual resources; everyone sees zones and
     * marketplaces; VDC 0 gives group 1 the local zone's infrastructure. */
    nb_bootstrap_acl(t, NB_ACL_GROUP | 1, NB_ACL_VM | NB_ACL_IMAGE | NB_ACL_TEMPLATE |
                     NB_ACL_DOCUMENT | NB_ACL_SECGROUP | NB_ACL_VMGROUP | NB_ACL_BACKUPJOB |
                     NB_ACL_ALL, NB_OP_CREATE, NB_ACL_ALL);
    nb_bootstrap_acl(t, NB_ACL_ALL, NB_ACL_ZONE | NB_ACL_ALL, NB_OP_USE, NB_ACL_ALL);
    nb_bootstrap_acl(t, NB_ACL_ALL, NB_ACL_MARKETPLACE | NB_ACL_MARKETPLACEAPP | NB_ACL_ALL,
                     NB_OP_USE, NB_ACL_ALL);
    nb_bootstrap_acl(t, NB_ACL_GROUP | 1, NB_ACL_HOST | NB_ACL_ALL, NB_OP_MANAGE,
                     NB_ACL_INDIVIDUAL | 0);
    nb_bootstrap_acl(t, NB_ACL_GROUP | 1, NB_ACL_NET | NB_ACL_ALL, NB_OP_USE, NB_ACL_INDIVIDUAL | 0);
    nb_bootstrap_acl(t, NB_ACL_GROUP | 1, NB_ACL_DATASTORE | NB_ACL_ALL, NB_OP_USE,
                     NB_ACL_INDIVIDUAL | 0);

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
