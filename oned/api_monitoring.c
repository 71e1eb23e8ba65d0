/*
 * one.host.monitoring, one.hostpool.monitoring, one.vm.monitoring and
 * one.vmpool.monitoring (reference §2.7, §2.10): stored samples as
 * <MONITORING_DATA>.  Who may see which object is decided in memory, as
 * for the *pool.info listings; the samples then come from the store's
 * reader, which never waits for the writer (store.h).
 */
#include <stdlib.h>
#include "lib/util.h"
#include "oned/api.h"
#include "oned/host.h"
#include "oned/listing.h"
#include "oned/monitoring.h"
#include "oned/vm.h"

typedef struct nb_mon_ids {
    int *ids;
    size_t n, cap;
} nb_mon_ids;

static void nb_mon_collect(nb_call *c, const nb_object *o, void *ctx)
{
    nb_mon_ids *l = ctx;
    nb_grow(&l->ids, &l->cap, l->n + 1, sizeof(*l->ids));
    l->ids[l->n++] = o->oid;
}

static int nb_mon_append(void *ctx, int oid, long long ts, const char *body, size_t len)
{
    nb_buf_add(ctx, body, len);
    return 0;
}

/* Reply the samples of kind k of ids (in that order) that `seconds` asks
 * for (nb_mon_window). */
static int nb_mon_reply(nb_call *c, nb_sample_kind k, const int *ids, size_t n,
                        long long seconds)
{
    nb_store *s = c->model->store;
    long long since;
    bool last;
    char *err = NULL;
    nb_buf *b;

    nb_mon_window(seconds, nb_now(), &since, &last);
    b = nb_reply_doc(c);
    nb_buf_adds(b, "<MONITORING_DATA>");
    if (s->ops->sample_read(s, k, ids, n, since, last, nb_mon_append, b, &err) < 0) {
        nb_fail(c, NB_E_INTERNAL, -1, "Error getting the monitoring data: %s", err);
        free(err);
        return -1;
    }
    nb_buf_adds(b, "</MONITORING_DATA>");
    return 0;
}

/* The pool's visible objects under query q, then their samples. */
static int nb_mon_pool(nb_call *c, const nb_kind *kind, nb_sample_kind k,
                       const nb_list_query *q, long long seconds)
{
    nb_mon_ids l = { NULL, 0, 0 };
    int ret;

    nb_list_foreach(c, nb_model_cpool(c->model, kind), q, nb_mon_collect, &l);
    ret = nb_mon_reply(c, k, l.ids, l.n, seconds);
    free(l.ids);
    return ret;
}

/* host.monitoring(id), vm.monitoring(id): every sample kept. */
static int nb_host_monitoring(nb_call *c)
{
    return nb_mon_reply(c, NB_SAMPLE_HOST, &c->obj->oid, 1, -1);
}

static int nb_vm_monitoring(nb_call *c)
{
    return nb_mon_reply(c, NB_SAMPLE_VM, &c->obj->oid, 1, -1);
}

/* hostpool.monitoring(seconds = -1): the hosts hostpool.info lists. */
static int nb_hostpool_monitoring(nb_call *c)
{
    nb_list_query q = { .filter = -2, .start = -1, .end = -1 };
    return nb_mon_pool(c, &nb_host_kind, NB_SAMPLE_HOST, &q, nb_arg_int(c, 0, -1));
}

/* vmpool.monitoring(filter, seconds = -1): the VMs vmpool.info lists with
 * that filter, whatever their state. */
static int nb_vmpool_monitoring(nb_call *c)
{
    nb_list_query q = { .filter = (int)nb_arg_int(c, 0, -2), .start = -1, .end = -1 };

    if (nb_list_check(c, &q) < 0)
        return -1;
    return nb_mon_pool(c, &nb_vm_kind, NB_SAMPLE_VM, &q, nb_arg_int(c, 1, -1));
}

#define X NB_M_LOCK_EXEMPT
const nb_method nb_api_monitoring_methods[] = {
    NB_METHOD("one.host.monitoring", "i", &nb_host_kind, 0, NB_OP_USE, X, nb_host_monitoring),
    NB_METHOD("one.hostpool.monitoring", "|i", NULL, -1, NB_OP_USE, 0, nb_hostpool_monitoring),
    NB_METHOD("one.vm.monitoring", "i", &nb_vm_kind, 0, NB_OP_USE, X, nb_vm_monitoring),
    NB_METHOD("one.vmpool.monitoring", "i|i", NULL, -1, NB_OP_USE, 0, nb_vmpool_monitoring),
    NB_METHOD_END,
};
