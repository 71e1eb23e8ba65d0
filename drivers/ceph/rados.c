#include "drivers/ceph/rados.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/ceph/cfg.h"
#include "lib/util.h"

typedef struct ceph_handle {
    char *key;                  /* conf \n user \n keyring \n mon hosts */
    rados_t cluster;
    struct ceph_handle *next;
} ceph_handle;

static struct {
    pthread_mutex_t mu;
    unsigned users;
    ceph_handle *handles;
} ceph_world = { .mu = PTHREAD_MUTEX_INITIALIZER };

void nb_ceph_use(void)
{
    pthread_mutex_lock(&ceph_world.mu);
    ceph_world.users++;
    pthread_mutex_unlock(&ceph_world.mu);
}

void nb_ceph_unuse(void)
{
    pthread_mutex_lock(&ceph_world.mu);
    if (--ceph_world.users == 0) {
        for (ceph_handle *h = ceph_world.handles, *next; h; h = next) {
            next = h->next;
            rados_shutdown(h->cluster);
            free(h->key);
            free(h);
        }
        ceph_world.handles = NULL;
    }
    pthread_mutex_unlock(&ceph_world.mu);
}

char *nb_ceph_error(const nb_drv_ds *ds, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *what = nb_vasprintf(fmt, ap);
    va_end(ap);
    char *msg = rc ? nb_asprintf("ceph: datastore %d (%s): %s: %s", ds->id,
                                 ds->name ? ds->name : "", what, strerror(-rc))
                   : nb_asprintf("ceph: datastore %d (%s): %s", ds->id,
                                 ds->name ? ds->name : "", what);
    free(what);
    return msg;
}

static rados_t ceph_find(const char *key)
{
    for (ceph_handle *h = ceph_world.handles; h; h = h->next)
        if (nb_streq(h->key, key))
            return h->cluster;
    return NULL;
}

/* A new connected handle for c, or -1 with *err. */
static int ceph_connect(const nb_drv_ds *ds, const nb_ceph_cfg *c, rados_t *out, char **err)
{
    rados_t cl = NULL;
    char *mons = NULL;
    int rc = rados_create(&cl, c->user);
    const char *where = c->conf ? c->conf : c->hosts;

    if (rc < 0) {
        *err = nb_ceph_error(ds, rc, "cannot create a cluster handle for user %s", c->user);
        goto cleanup;
    }
    if (c->conf && (rc = rados_conf_read_file(cl, c->conf)) < 0) {
        *err = nb_ceph_error(ds, rc, "cannot read CEPH_CONF %s", c->conf);
        goto cleanup;
    }
    /* Without a ceph.conf, the monitors the hosts are told (CEPH_HOST). */
    if (!c->conf && c->hosts) {
        mons = nb_ceph_mon_host(c->hosts);
        rc = rados_conf_set(cl, "mon_host", mons);
    } else if (!c->conf) {
        *err = nb_ceph_error(ds, 0, "neither CEPH_CONF nor CEPH_HOST is set: "
                             "no way to reach the cluster's monitors");
        rc = -1;
        goto cleanup;
    }
    if (rc == 0 && c->key)
        rc = rados_conf_set(cl, "keyring", c->key);
    if (rc == 0)
        rc = rados_conf_set(cl, "client_mount_timeout", NB_CEPH_MOUNT_TIMEOUT);
    if (rc == 0)
        rc = rados_conf_set(cl, "rados_osd_op_timeout", NB_CEPH_OP_TIMEOUT);
    if (rc < 0) {
        *err = nb_ceph_error(ds, rc, "bad setting for the cluster handle (CEPH_HOST %s)",
                             c->hosts ? c->hosts : "");
        goto cleanup;
    }
    if ((rc = rados_connect(cl)) < 0) {
        *err = nb_ceph_error(ds, rc, "cannot connect to the cluster (%s, user client.%s%s%s)",
                             where, c->user, c->key ? ", keyring " : "", c->key ? c->key : "");
        goto cleanup;
    }
    *out = cl;
    cl = NULL;
cleanup:
    if (cl)
        rados_shutdown(cl);
    free(mons);
    return rc < 0 ? -1 : 0;
}

int nb_ceph_cluster(const nb_drv_ds *ds, rados_t *out, char **err)
{
    nb_ceph_cfg c;
    rados_t cl, mine = NULL;
    int rc = 0;

    nb_ceph_cfg_of(ds->tmpl, &c);
    char *key = nb_asprintf("%s\n%s\n%s\n%s", c.conf ? c.conf : "", c.user,
                            c.key ? c.key : "", c.hosts ? c.hosts : "");
    pthread_mutex_lock(&ceph_world.mu);
    cl = ceph_find(key);
    pthread_mutex_unlock(&ceph_world.mu);
    if (cl)
        goto cleanup;
    /* Connect unlocked: a datastore whose monitors do not answer must not
     * hold up the others for client_mount_timeout. */
    if ((rc = ceph_connect(ds, &c, &mine, err)) < 0)
        goto cleanup;
    pthread_mutex_lock(&ceph_world.mu);
    if (!(cl = ceph_find(key))) {
        ceph_handle *h = nb_calloc(1, sizeof(*h));
        h->key = key;
        h->cluster = cl = mine;
        h->next = ceph_world.handles;
        ceph_world.handles = h;
        key = NULL;
        mine = NULL;
    }
    pthread_mutex_unlock(&ceph_world.mu);
cleanup:
    if (mine)           /* another thread connected the same cluster first */
        rados_shutdown(mine);
    free(key);
    if (rc == 0)
        *out = cl;
    return rc;
}

int nb_ceph_ioctx(const nb_drv_ds *ds, const char *pool, rados_ioctx_t *io, char **err)
{
    rados_t cl;
    int rc;

    if (nb_ceph_cluster(ds, &cl, err) < 0)
        return -1;
    if ((rc = rados_ioctx_create(cl, pool, io)) < 0) {
        *err = rc == -ENOENT ? nb_ceph_error(ds, 0, "the cluster has no pool \"%s\" (POOL_NAME)",
                                             pool)
                             : nb_ceph_error(ds, rc, "cannot open pool \"%s\"", pool);
        return -1;
    }
    return 0;
}

int nb_ceph_open_source(const nb_drv_ds *ds, const char *source, rados_ioctx_t *io,
                        char **image, char **err)
{
    char *pool = NULL;
    int rc = -1;

    *image = NULL;
    if (nb_ceph_split(source, &pool, image) < 0) {
        *err = nb_ceph_error(ds, 0, "SOURCE \"%s\" is not an RBD image name (pool/image)",
                             source ? source : "");
        goto cleanup;
    }
    if (nb_ceph_ioctx(ds, pool, io, err) < 0)
        goto cleanup;
    rc = 0;
cleanup:
    if (rc < 0) {
        free(*image);
        *image = NULL;
    }
    free(pool);
    return rc;
}
