#define NB_LOG_MODULE "ONE"
#include "oned/model.h"

#include <stdlib.h>
#include <string.h>
#include "lib/log.h"
#include "lib/util.h"
#include "oned/acct.h"
#include "oned/acl_pool.h"
#include "oned/cluster.h"
#include "oned/datastore.h"
#include "oned/group.h"
#include "oned/host.h"
#include "oned/image.h"
#include "oned/user.h"
#include "oned/vdc.h"
#include "oned/quota_model.h"
#include "oned/vm.h"
#include "oned/vmtemplate.h"
#include "oned/zone.h"

static const nb_kind *const nb_model_kinds[NB_POOL_COUNT] = {
    [NB_POOL_USER] = &nb_user_kind,
    [NB_POOL_GROUP] = &nb_group_kind,
    [NB_POOL_ZONE] = &nb_zone_kind,
    [NB_POOL_CLUSTER] = &nb_cluster_kind,
    [NB_POOL_HOST] = &nb_host_kind,
    [NB_POOL_DATASTORE] = &nb_datastore_kind,
    [NB_POOL_TEMPLATE] = &nb_vmtemplate_kind,
    [NB_POOL_IMAGE] = &nb_image_kind,
    [NB_POOL_VM] = &nb_vm_kind,
    [NB_POOL_QUOTA_DEFAULTS] = &nb_quota_defaults_kind,
    [NB_POOL_VDC] = &nb_vdc_kind,
    [NB_POOL_ACL] = &nb_acl_kind,
};

nb_pool *nb_model_pool(nb_model *m, const nb_kind *k)
{
    for (int i = 0; i < NB_POOL_COUNT; i++)
        if (m->pools[i].kind == k)
            return &m->pools[i];
    abort();    /* every kind a handler names has a pool */
}

const nb_pool *nb_model_cpool(const nb_model *m, const nb_kind *k)
{
    return nb_model_pool((nb_model *)m, k);
}

const char *nb_model_user_name(const nb_model *m, int uid)
{
    const nb_object *o = nb_pool_get(&m->pools[NB_POOL_USER], uid);
    return o ? o->name : "";
}

const char *nb_model_group_name(const nb_model *m, int gid)
{
    const nb_object *o = nb_pool_get(&m->pools[NB_POOL_GROUP], gid);
    return o ? o->name : "";
}

void nb_model_xml_owned(nb_buf *b, const nb_object *o, enum nb_xml_mode mode, const nb_model *m)
{
    nb_buf_elem_int(b, "ID", o->oid);
    nb_buf_elem_int(b, "UID", o->uid);
    nb_buf_elem_int(b, "GID", o->gid);
    if (mode != NB_XML_STORE) {
        nb_buf_elem_text(b, "UNAME", nb_model_user_name(m, o->uid));
        nb_buf_elem_text(b, "GNAME", nb_model_group_name(m, o->gid));
    }
    nb_buf_elem_text(b, "NAME", o->name);
}

void nb_model_forget(nb_model *m)
{
    for (int i = 0; i < NB_POOL_COUNT; i++) {
        nb_pool *p = &m->pools[i];
        for (size_t j = 0; p->kind && p->kind->forget && j < p->n; j++)
            p->kind->forget(p->objs[j]);
    }
}

void nb_model_rdlock(nb_model *m)
{
    pthread_rwlock_rdlock(&m->lock);
}

void nb_model_unlock(nb_model *m)
{
    pthread_rwlock_unlock(&m->lock);
}

struct nb_members {
    int gid;
    int *uids;
    size_t n;
};

static size_t nb_members_pos(const nb_model *m, int gid)
{
    size_t lo = 0, hi = m->nmembers;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->members[mid].gid < gid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const int *nb_model_group_members(const nb_model *m, int gid, size_t *n)
{
    size_t i = nb_members_pos(m, gid);
    if (i < m->nmembers && m->members[i].gid == gid) {
        *n = m->members[i].n;
        return m->members[i].uids;
    }
    *n = 0;
    return NULL;
}

void nb_model_member_add(nb_model *m, int gid, int uid)
{
    size_t i = nb_members_pos(m, gid);
    if (i == m->nmembers || m->members[i].gid != gid) {
        m->members = nb_realloc(m->members, (m->nmembers + 1) * sizeof(*m->members));
        memmove(m->members + i + 1, m->members + i, (m->nmembers - i) * sizeof(*m->members));
        m->members[i] = (struct nb_members){ gid, NULL, 0 };
        m->nmembers++;
    }
    nb_ids_add(&m->members[i].uids, &m->members[i].n, uid);
}

void nb_model_member_del(nb_model *m, int gid, int uid)
{
    size_t i = nb_members_pos(m, gid);
    if (i < m->nmembers && m->members[i].gid == gid)
        nb_ids_del(&m->members[i].uids, &m->members[i].n, uid);
}

typedef struct nb_load_ctx {
    nb_model *m;
    nb_pool *pool;
    char *err;
} nb_load_ctx;

static int nb_model_load_row(void *ctx, int oid, const char *body, size_t len)
{
    nb_load_ctx *lc = ctx;
    nb_object *o = nb_object_load(lc->pool->kind, body, len, &lc->err);
    if (!o)
        return -1;
    if (o->oid != oid) {
        lc->err = nb_asprintf("%s row %d holds a document for id %d",
                              lc->pool->kind->table, oid, o->oid);
        nb_object_free(o);
        return -1;
    }
    nb_pool_put(lc->pool, o);
    if (o->kind->replaced)
        o->kind->replaced(lc->m, NULL, o);
    return 0;
}

int nb_model_open(nb_model *m, nb_store *s, const nb_config *cfg, char **err)
{
    pthread_rwlockattr_t attr;

    memset(m, 0, sizeof(*m));
    m->store = s;
    m->cfg = cfg;
    m->zone_id = 0;
    /* Writer preference: a commit's short swap must not wait behind a
     * continuous stream of readers. */
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&m->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    pthread_mutex_init(&m->writer, NULL);

    for (int i = 0; i < NB_POOL_COUNT; i++)
        nb_pool_init(&m->pools[i], nb_model_kinds[i]);

    m->loading = true;
    for (int i = 0; i < NB_POOL_COUNT; i++) {
        nb_pool *p = &m->pools[i];
        nb_load_ctx lc = { m, p, NULL };
        int last;
        uint64_t t0 = nb_mono_ns();

        if (s->ops->load(s, p->kind->table, nb_model_load_row, &lc, err) < 0) {
            if (lc.err) {
                free(*err);
                *err = lc.err;
            }
            goto error;
        }
        if (s->ops->counter_get(s, p->kind->table, &last, err) < 0)
            goto error;
        if (last > p->last_oid)
            p->last_oid = last;
        nb_log_info("Loaded %zu %s objects in %.1f ms", p->n, p->kind->name,
                    (double)(nb_mono_ns() - t0) / 1e6);
    }
    /* The ACL hook appended rules while loading: sort them once. */
    nb_acl_sort(m->acl, m->nacl);
    if (nb_acct_load(m, err) < 0)
        goto error;
    m->loading = false;
    return 0;
 error:
    nb_model_close(m);
    return -1;
}

void nb_model_close(nb_model *m)
{
    for (int i = 0; i < NB_POOL_COUNT; i++)
        if (m->pools[i].kind)
            nb_pool_free(&m->pools[i]);
    nb_acct_free(m);
    free(m->acl);
    m->acl = NULL;
    m->nacl = 0;
    for (size_t i = 0; i < m->nmembers; i++)
        free(m->members[i].uids);
    free(m->members);
    m->members = NULL;
    m->nmembers = 0;
    pthread_rwlock_destroy(&m->lock);
    pthread_mutex_destroy(&m->writer);
}
