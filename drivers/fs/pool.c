#define _GNU_SOURCE
#include "drivers/fs/pool.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libvirt/virterror.h>
#include "lib/buf.h"
#include "lib/util.h"

#define POOL_PREFIX "nubes-"
#define MARKER ".ok"

struct nb_fs_pool {
    nb_fs_pool *next;
    int host_id;
    char *dir;
    virConnectPtr conn;         /* a reference of the first opener's */
    virStoragePoolPtr pool;
    bool owned;                 /* our transient pool: destroyed by the last close */
    unsigned refs;
    pthread_mutex_t upload_mu;
};

/* The pools in use in this process; the mutex guards the list, refs, and
 * the creation and destruction of pools (short libvirt calls). */
static struct {
    pthread_mutex_t mu;
    nb_fs_pool *open;
} pools = { .mu = PTHREAD_MUTEX_INITIALIZER };

static char *lv_err(const char *what, const char *name)
{
    return nb_asprintf("%s %s: %s", what, name, virGetLastErrorMessage());
}

/* A pool already on dir: ours by name (left by a crash), or anyone's by
 * target path.  NULL when there is none. */
static virStoragePoolPtr pool_find(virConnectPtr conn, const char *name, const char *dir,
                                   bool *owned)
{
    virStoragePoolPtr p = virStoragePoolLookupByName(conn, name);
    *owned = p != NULL;
    return p ? p : virStoragePoolLookupByTargetPath(conn, dir);
}

static virStoragePoolPtr pool_start(virConnectPtr conn, const char *dir, bool *owned,
                                    char **err)
{
    char hash[65], *name;
    virStoragePoolPtr p;
    nb_buf xml = NB_BUF_INIT;

    nb_sha256_hex(dir, strlen(dir), hash);
    name = nb_asprintf(POOL_PREFIX "%.16s", hash);
    if ((p = pool_find(conn, name, dir, owned))) {
        /* Files may have come and gone since it last looked. */
        if ((virStoragePoolIsActive(p) != 1 &&
             virStoragePoolCreate(p, VIR_STORAGE_POOL_CREATE_WITH_BUILD) < 0) ||
            virStoragePoolRefresh(p, 0) < 0) {
            *err = lv_err("cannot start the storage pool on", dir);
            virStoragePoolFree(p);
            p = NULL;
        }
        goto cleanup;
    }
    nb_buf_adds(&xml, "<pool type='dir'>");
    nb_buf_elem_text(&xml, "name", name);
    nb_buf_adds(&xml, "<target>");
    nb_buf_elem_text(&xml, "path", dir);
    nb_buf_adds(&xml, "</target></pool>");
    *owned = true;
    if (!(p = virStoragePoolCreateXML(conn, xml.data, VIR_STORAGE_POOL_CREATE_WITH_BUILD)))
        *err = lv_err("cannot create a storage pool on", dir);
 cleanup:
    nb_buf_free(&xml);
    free(name);
    return p;
}

nb_fs_pool *nb_fs_pool_open(virConnectPtr conn, int host_id, const char *dir, char **err)
{
    nb_fs_pool *p;

    pthread_mutex_lock(&pools.mu);
    for (p = pools.open; p; p = p->next)
        if (p->host_id == host_id && nb_streq(p->dir, dir)) {
            p->refs++;
            goto cleanup;
        }
    p = nb_calloc(1, sizeof(*p));
    if (!(p->pool = pool_start(conn, dir, &p->owned, err))) {
        free(p);
        p = NULL;
        goto cleanup;
    }
    p->host_id = host_id;
    p->dir = nb_strdup(dir);
    p->conn = conn;
    virConnectRef(conn);
    p->refs = 1;
    pthread_mutex_init(&p->upload_mu, NULL);
    p->next = pools.open;
    pools.open = p;
 cleanup:
    pthread_mutex_unlock(&pools.mu);
    return p;
}

void nb_fs_pool_close(nb_fs_pool *p)
{
    nb_fs_pool **pp;

    if (!p)
        return;
    pthread_mutex_lock(&pools.mu);
    if (--p->refs == 0) {
        for (pp = &pools.open; *pp != p; pp = &(*pp)->next)
            ;
        *pp = p->next;
        /* A transient pool vanishes when destroyed; a defined one of ours
         * (none is made here) would only stop. */
        if (p->owned)
            virStoragePoolDestroy(p->pool);
        virStoragePoolFree(p->pool);
        virConnectClose(p->conn);
        pthread_mutex_destroy(&p->upload_mu);
        free(p->dir);
        free(p);
    }
    pthread_mutex_unlock(&pools.mu);
}

/* The volume, NULL when there is none (*err NULL) or on an error. */
static virStorageVolPtr vol_get(nb_fs_pool *p, const char *name, char **err)
{
    virStorageVolPtr v = virStorageVolLookupByName(p->pool, name);
    if (!v && virGetLastErrorCode() != VIR_ERR_NO_STORAGE_VOL)
        *err = lv_err("cannot look up volume", name);
    return v;
}

int nb_fs_pool_has(nb_fs_pool *p, const char *name, char **err)
{
    virStorageVolPtr v = vol_get(p, name, err);
    if (v)
        virStorageVolFree(v);
    return v ? 1 : *err ? -1 : 0;
}

char *nb_fs_pool_path(nb_fs_pool *p, const char *name, char **err)
{
    virStorageVolPtr v = vol_get(p, name, err);
    char *path = NULL, *lv;

    if (!v) {
        if (!*err)
            *err = nb_asprintf("no volume %s in %s", name, p->dir);
        return NULL;
    }
    if (!(lv = virStorageVolGetPath(v)))
        *err = lv_err("cannot get the path of volume", name);
    else
        path = nb_strdup(lv);
    free(lv);
    virStorageVolFree(v);
    return path;
}

/* Create a volume from XML whose <name> is name and the rest `body`. */
static virStorageVolPtr vol_create(nb_fs_pool *p, const char *name, const char *body,
                                   char **err)
{
    nb_buf xml = NB_BUF_INIT;
    virStorageVolPtr v;

    nb_buf_adds(&xml, "<volume>");
    nb_buf_elem_text(&xml, "name", name);
    nb_buf_adds(&xml, body);
    nb_buf_adds(&xml, "</volume>");
    if (!(v = virStorageVolCreateXML(p->pool, xml.data, 0)))
        *err = lv_err("cannot create volume", name);
    nb_buf_free(&xml);
    return v;
}

int nb_fs_pool_overlay(nb_fs_pool *p, const char *name, const char *backing,
                       const char *backing_fmt, char **err)
{
    nb_buf body = NB_BUF_INIT;
    virStorageVolPtr v;
    int has = nb_fs_pool_has(p, name, err);

    if (has != 0)
        return has < 0 ? -1 : 0;        /* kept: a re-run */
    /* No capacity: qemu-img gives the overlay the backing file's size. */
    nb_buf_adds(&body, "<target><format type='qcow2'/><compat>1.1</compat></target>"
                       "<backingStore>");
    nb_buf_elem_text(&body, "path", backing);
    nb_buf_addf(&body, "<format type='%s'/></backingStore>", backing_fmt);
    v = vol_create(p, name, body.data, err);
    nb_buf_free(&body);
    if (v)
        virStorageVolFree(v);
    return v ? 0 : -1;
}

int nb_fs_pool_uploaded(nb_fs_pool *p, const char *name, char **err)
{
    char *marker = nb_asprintf("%s" MARKER, name);
    int ret = nb_fs_pool_has(p, marker, err);
    free(marker);
    return ret;
}

/* The local end of a stream: the file, and errno of a failed read/write. */
typedef struct stream_file {
    int fd;
    int error;
} stream_file;

static int stream_source(virStreamPtr st, char *data, size_t n, void *opaque)
{
    stream_file *f = opaque;
    ssize_t got;
    while ((got = read(f->fd, data, n)) < 0 && errno == EINTR)
        ;
    if (got < 0)
        f->error = errno;
    return (int)got;
}

static int stream_sink(virStreamPtr st, const char *data, size_t n, void *opaque)
{
    stream_file *f = opaque;
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(f->fd, data + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            f->error = errno;
            return -1;
        }
        done += (size_t)w;
    }
    return (int)n;
}

/* Sparse streams: holes travel as their length, not as zeros.  Where the
 * local file is at (*in_data) data or a hole, and for how long; the file
 * offset is left where it was. */
static int stream_in_data(virStreamPtr st, int *in_data, long long *length, void *opaque)
{
    stream_file *f = opaque;
    off_t cur = lseek(f->fd, 0, SEEK_CUR), end = lseek(f->fd, 0, SEEK_END), next;

    if (cur < 0 || end < 0)
        goto fail;
    next = lseek(f->fd, cur, SEEK_DATA);
    if (next < 0 && errno == ENXIO) {           /* a hole up to the end */
        *in_data = 0;
        *length = end - cur;
    } else if (next < 0 && errno == EINVAL) {   /* no SEEK_DATA here: all data */
        *in_data = 1;
        *length = end - cur;
    } else if (next < 0) {
        goto fail;
    } else if (next > cur) {
        *in_data = 0;
        *length = next - cur;
    } else if ((next = lseek(f->fd, cur, SEEK_HOLE)) < 0) {
        goto fail;
    } else {
        *in_data = 1;
        *length = next - cur;
    }
    if (lseek(f->fd, cur, SEEK_SET) < 0)
        goto fail;
    return 0;
 fail:
    f->error = errno;
    return -1;
}

/* Skip a hole: when sending, past it in the source; when receiving, in the
 * destination, which the final ftruncate then sizes. */
static int stream_skip(virStreamPtr st, long long length, void *opaque)
{
    stream_file *f = opaque;
    if (lseek(f->fd, (off_t)length, SEEK_CUR) < 0) {
        f->error = errno;
        return -1;
    }
    return 0;
}

/* Stream the local fd into volume v (upload) or v into the fd. */
static int stream_run(nb_fs_pool *p, virStorageVolPtr v, const char *name, int fd, bool up,
                      unsigned long long len, char **err)
{
    virStreamPtr st = virStreamNew(p->conn, 0);
    stream_file f = { .fd = fd };
    const char *what = up ? "upload to" : "download of";
    off_t end;
    int ret = -1;

    if (!st || (up ? virStorageVolUpload(v, st, 0, len, VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM)
                   : virStorageVolDownload(v, st, 0, 0,
                                           VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM)) < 0) {
        *err = lv_err(up ? "cannot upload to volume" : "cannot download volume", name);
        goto cleanup;
    }
    if ((up ? virStreamSparseSendAll(st, stream_source, stream_in_data, stream_skip, &f)
            : virStreamSparseRecvAll(st, stream_sink, stream_skip, &f)) < 0) {
        *err = f.error ? nb_asprintf("%s %s: %s", what, name, strerror(f.error))
                       : lv_err(what, name);
        virStreamAbort(st);
        goto cleanup;
    }
    if (virStreamFinish(st) < 0) {
        *err = lv_err(what, name);
        goto cleanup;
    }
    /* A trailing hole received is only an offset so far. */
    if (!up && ((end = lseek(fd, 0, SEEK_CUR)) < 0 || ftruncate(fd, end) < 0)) {
        *err = nb_asprintf("%s %s: %s", what, name, strerror(errno));
        goto cleanup;
    }
    ret = 0;
 cleanup:
    if (st)
        virStreamFree(st);
    return ret;
}

int nb_fs_pool_upload(nb_fs_pool *p, const char *name, const char *local, char **err)
{
    char *marker = nb_asprintf("%s" MARKER, name), *body = NULL;
    virStorageVolPtr v = NULL, m = NULL;
    struct stat st;
    int fd = -1, ret = -1, done;

    pthread_mutex_lock(&p->upload_mu);
    if ((done = nb_fs_pool_uploaded(p, name, err)) != 0) {
        ret = done < 0 ? -1 : 0;
        goto cleanup;
    }
    /* A volume without its marker is an upload cut short. */
    if (nb_fs_pool_delete(p, name, err) < 0)
        goto cleanup;
    if ((fd = open(local, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
        *err = nb_asprintf("cannot read %s: %s", local, strerror(errno));
        goto cleanup;
    }
    /* allocation 0: libvirt would otherwise write the whole capacity first. */
    body = nb_asprintf("<capacity unit='bytes'>%lld</capacity><allocation>0</allocation>"
                       "<target><format type='raw'/></target>", (long long)st.st_size);
    if (!(v = vol_create(p, name, body, err)) ||
        stream_run(p, v, name, fd, true, (unsigned long long)st.st_size, err) < 0 ||
        !(m = vol_create(p, marker, "<capacity>0</capacity><allocation>0</allocation>"
                                    "<target><format type='raw'/></target>", err)))
        goto cleanup;
    ret = 0;
 cleanup:
    if (ret < 0 && v)
        virStorageVolDelete(v, 0);
    if (v)
        virStorageVolFree(v);
    if (m)
        virStorageVolFree(m);
    if (fd >= 0)
        close(fd);
    pthread_mutex_unlock(&p->upload_mu);
    free(marker);
    free(body);
    return ret;
}

int nb_fs_pool_download(nb_fs_pool *p, const char *name, const char *local, char **err)
{
    char *dir_copy = nb_strdup(local), *base_copy = nb_strdup(local);
    char *tmp = nb_asprintf("%s/.%s.save-XXXXXX", dirname(dir_copy), basename(base_copy));
    virStorageVolPtr v = NULL;
    int fd = -1, ret = -1;

    if (!(v = vol_get(p, name, err))) {
        if (!*err)
            *err = nb_asprintf("no volume %s in %s", name, p->dir);
        goto cleanup;
    }
    if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
        *err = nb_asprintf("cannot create %s: %s", tmp, strerror(errno));
        goto cleanup;
    }
    if (stream_run(p, v, name, fd, false, 0, err) < 0)
        goto cleanup;
    if (fchmod(fd, 0644) < 0 || fsync(fd) < 0 || rename(tmp, local) < 0) {
        *err = nb_asprintf("cannot save %s: %s", local, strerror(errno));
        goto cleanup;
    }
    ret = 0;
 cleanup:
    if (fd >= 0)
        close(fd);
    if (ret < 0 && fd >= 0)
        unlink(tmp);
    if (v)
        virStorageVolFree(v);
    free(tmp);
    free(dir_copy);
    free(base_copy);
    return ret;
}

/* Delete one volume; none is success. */
static int vol_delete(nb_fs_pool *p, const char *name, char **err)
{
    virStorageVolPtr v = vol_get(p, name, err);
    int ret = *err ? -1 : 0;

    if (v && virStorageVolDelete(v, 0) < 0 && virGetLastErrorCode() != VIR_ERR_NO_STORAGE_VOL) {
        *err = lv_err("cannot delete volume", name);
        ret = -1;
    }
    if (v)
        virStorageVolFree(v);
    return ret;
}

int nb_fs_pool_delete(nb_fs_pool *p, const char *name, char **err)
{
    char *marker = nb_asprintf("%s" MARKER, name);
    /* The marker first: a crash in between leaves an incomplete volume,
     * which the next upload redoes. */
    int ret = vol_delete(p, marker, err) < 0 || vol_delete(p, name, err) < 0 ? -1 : 0;
    free(marker);
    return ret;
}
