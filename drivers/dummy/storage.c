/*
 * storage.c: DS_MAD "dummy" and TM_MAD "dummy", as OpenNebula's test
 * drivers: every operation succeeds at once and stores nothing, against a
 * simulated datastore that remembers the images it holds and their sizes,
 * so that monitor() reports the capacity the operations used.
 *
 * Settings, from the datastore's template:
 *
 *   DUMMY_TOTAL_MB   the capacity monitor() reports (default 1 TiB)
 *   DUMMY_FAIL       comma list of operations that fail, named as the ops
 *                    slots: "import,clone", "prepare", ...
 *   DUMMY_DELAY_MS   every operation takes this long first
 *
 * SOURCE is "dummy/<datastore id>/<image id>".
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "drivers/datastore.h"
#include "drivers/driver.h"
#include "lib/hash.h"
#include "lib/util.h"

#define DUMMY_TOTAL_MB (1024LL * 1024)
#define MB (1024LL * 1024)

typedef struct dummy_image {
    char *source;               /* its hash key */
    int ds;
    long long size_mb;
} dummy_image;

static struct {
    pthread_mutex_t mu;
    nb_hash images;             /* SOURCE -> dummy_image */
    unsigned users;
} ds_world = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* Whether op is in the comma list DUMMY_FAIL of t; sleeps DUMMY_DELAY_MS
 * first. */
static bool dummy_fails(const nb_tmpl *t, const char *op, char **err)
{
    const char *delay = nb_tmpl_get(t, "DUMMY_DELAY_MS"), *fail = nb_tmpl_get(t, "DUMMY_FAIL");
    long long ms;
    size_t n = strlen(op);

    if (delay && nb_parse_ll(delay, &ms) == 0 && ms > 0) {
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
        nanosleep(&ts, NULL);
    }
    for (const char *p = fail; p && *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] ? 1 : 0))
        if (strncmp(p, op, n) == 0 && (p[n] == ',' || !p[n])) {
            *err = nb_asprintf("dummy: %s fails as DUMMY_FAIL asks", op);
            return true;
        }
    return false;
}

static int dummy_init(const nb_tmpl *conf, void **drv, char **err)
{
    (void)conf;
    (void)err;
    pthread_mutex_lock(&ds_world.mu);
    ds_world.users++;
    pthread_mutex_unlock(&ds_world.mu);
    *drv = NULL;
    return 0;
}

static void dummy_fini(void *drv)
{
    (void)drv;
    pthread_mutex_lock(&ds_world.mu);
    if (--ds_world.users == 0) {
        for (size_t i = 0; i < ds_world.images.cap; i++) {
            dummy_image *img = ds_world.images.slots[i].value;
            if (img && ds_world.images.slots[i].key != NULL) {
                free(img->source);
                free(img);
            }
        }
        nb_hash_free(&ds_world.images);
    }
    pthread_mutex_unlock(&ds_world.mu);
}

/* Remember image id of datastore ds, size_mb, and report it in out. */
static int dummy_store(const nb_drv_ds *ds, int id, long long size_mb, const char *format,
                       nb_ds_image *out)
{
    dummy_image *img = nb_calloc(1, sizeof(*img)), *old;

    img->source = nb_asprintf("dummy/%d/%d", ds->id, id);
    img->ds = ds->id;
    img->size_mb = size_mb;
    out->source = nb_strdup(img->source);
    out->format = nb_strdup(format ? format : "raw");
    out->size_mb = size_mb;
    pthread_mutex_lock(&ds_world.mu);
    if ((old = nb_hash_del(&ds_world.images, img->source))) {
        free(old->source);
        free(old);
    }
    nb_hash_put(&ds_world.images, img->source, img);
    pthread_mutex_unlock(&ds_world.mu);
    return 0;
}

static int dummy_monitor(void *drv, const nb_drv_ds *ds, nb_ds_capacity *out, char **err)
{
    const char *total = nb_tmpl_get(ds->tmpl, "DUMMY_TOTAL_MB");
    long long used = 0, t;

    (void)drv;
    if (dummy_fails(ds->tmpl, "monitor", err))
        return -1;
    pthread_mutex_lock(&ds_world.mu);
    for (size_t i = 0; i < ds_world.images.cap; i++) {
        const dummy_image *img = ds_world.images.slots[i].value;
        if (img && ds_world.images.slots[i].key && img->ds == ds->id)
            used += img->size_mb;
    }
    pthread_mutex_unlock(&ds_world.mu);
    out->total_mb = total && nb_parse_ll(total, &t) == 0 && t > 0 ? t : DUMMY_TOTAL_MB;
    out->used_mb = used < out->total_mb ? used : out->total_mb;
    out->free_mb = out->total_mb - out->used_mb;
    return 0;
}

static int dummy_import(void *drv, const nb_drv_ds *ds, int id, const char *path,
                        const char *format, nb_ds_image *out, char **err)
{
    struct stat st;

    (void)drv;
    if (dummy_fails(ds->tmpl, "import", err))
        return -1;
    if (stat(path, &st) < 0) {
        *err = nb_asprintf("dummy: cannot read %s", path);
        return -1;
    }
    /* SIZE is the virtual size, which the core read from the file. */
    dummy_store(ds, id, (st.st_size + MB - 1) / MB, format, out);
    out->size_mb = 0;
    return 0;
}

static int dummy_mkimage(void *drv, const nb_drv_ds *ds, int id, long long size_mb,
                         const char *format, nb_ds_image *out, char **err)
{
    (void)drv;
    if (dummy_fails(ds->tmpl, "mkimage", err))
        return -1;
    return dummy_store(ds, id, size_mb, format, out);
}

static int dummy_clone(void *drv, const nb_drv_ds *ds, const char *source, int id,
                       nb_ds_image *out, char **err)
{
    const dummy_image *orig;
    long long size = 0;

    (void)drv;
    if (dummy_fails(ds->tmpl, "clone", err))
        return -1;
    pthread_mutex_lock(&ds_world.mu);
    if ((orig = nb_hash_get(&ds_world.images, source)))
        size = orig->size_mb;
    pthread_mutex_unlock(&ds_world.mu);
    if (!orig) {
        *err = nb_asprintf("dummy: no image %s to clone", source);
        return -1;
    }
    return dummy_store(ds, id, size, NULL, out);
}

static int dummy_remove(void *drv, const nb_drv_ds *ds, const char *source, char **err)
{
    dummy_image *img;

    (void)drv;
    if (dummy_fails(ds->tmpl, "remove", err))
        return -1;
    pthread_mutex_lock(&ds_world.mu);
    if ((img = nb_hash_del(&ds_world.images, source))) {
        free(img->source);
        free(img);
    }
    pthread_mutex_unlock(&ds_world.mu);
    return 0;
}

static int dummy_flatten(void *drv, const nb_drv_ds *ds, const char *source, char **err)
{
    (void)drv, (void)source;
    return dummy_fails(ds->tmpl, "flatten", err) ? -1 : 0;
}

static const nb_ds_ops dummy_ds_ops = {
    .init = dummy_init,
    .fini = dummy_fini,
    .monitor = dummy_monitor,
    .import = dummy_import,
    .mkimage = dummy_mkimage,
    .clone = dummy_clone,
    .remove = dummy_remove,
    .flatten = dummy_flatten,
};

static const nb_driver dummy_ds_driver = {
    .cls = NB_DRIVER_DS, .name = "dummy", .abi = NB_DRIVER_ABI, .ops = &dummy_ds_ops,
};
NB_DRIVER_REGISTER(dummy_ds_driver);

static int dummy_prepare(void *drv, const nb_drv_host *h, const nb_drv_vm *vm,
                         const nb_tattr *disk, const nb_drv_ds *ds, char **err)
{
    (void)drv, (void)h, (void)vm, (void)disk;
    return dummy_fails(ds->tmpl, "prepare", err) ? -1 : 0;
}

static int dummy_release(void *drv, const nb_drv_host *h, const nb_drv_vm *vm,
                         const nb_tattr *disk, const nb_drv_ds *ds, char **err)
{
    (void)drv, (void)h, (void)vm, (void)disk;
    return dummy_fails(ds->tmpl, "release", err) ? -1 : 0;
}

static const nb_tm_ops dummy_tm_ops = {
    .prepare = dummy_prepare,
    .release = dummy_release,
    .shared = true,
};

static const nb_driver dummy_tm_driver = {
    .cls = NB_DRIVER_TM, .name = "dummy", .abi = NB_DRIVER_ABI, .ops = &dummy_tm_ops,
};
NB_DRIVER_REGISTER(dummy_tm_driver);
