/*
 * one.host.monitoring, one.hostpool.monitoring, one.vm.monitoring and
 * one.vmpool.monitoring (reference §2.7, §2.10): stored samples as
 * <MONITORING_DATA>.  Who may see which object is decided in memory under
 * the model's read lock, as for the *pool.info listings; the samples are
 * read after it is released (the dispatcher's `after` step) from the
 * store's reader, which never waits for the writer (store.h): a long read
 * holds up neither the API nor the monitoring commits.
 */
#include <stdlib.h>
#include "lib/util.h"
#include "oned/api.h"
#include "oned/host.h"
#include "oned/listing.h"
#include "oned/monitoring.h"
#include "oned/vm.h"

/* What to read once the model's lock is released: the samples of `kind`
 * of the objects ids (in that order) that `seconds` asks for
 * (nb_mon_window). */
typedef struct nb_mon_query {
    nb_sample_kind kind;
    long long seconds;
    int *ids;
    size_t n, cap;
} nb_mon_query;

static int nb_mon_append(void *ctx, int oid, long long ts, const char *body, size_t len)
{
    nb_buf_add(ctx, body, len);
    return 0;
}

static int nb_mon_read(nb_call *c)
{
    nb_mon_query *q = c->after_ctx;
    nb_store *s = c->model->store;
    long long since;
    bool last;
    char *err = NULL;
    int ret = 0;

    nb_mon_window(q->seconds, nb_now(), &since, &last);
    if (s->ops->sample_read(s, q->kind, q->ids, q->n, since, last, nb_mon_append, c->out,
                            &err) < 0) {
        ret = nb_fail(c, NB_E_INTERNAL, -1, "Error getting the monitoring data: %s", err);
        free(err);
    } else {
        nb_buf_adds(c->out, "</MONITORING_DATA>");
    }
    free(q->ids);
    free(q);
    return ret;
}

/* Start the reply; the samples are read after the lock (nb_mon_read). */
static nb_mon_query *nb_mon_start(nb_call *c, nb_sample_kind k, long long seconds)
{
    nb_mon_query *q = nb_calloc(1, sizeof(*q));

    q->kind = k;
    q->seconds = seconds;
    nb_buf_adds(nb_reply_doc(c), "<MONITORING_DATA>");
    c->after = nb_mon_read;
    c->after_ctx = q;
    return q;
}

static void nb_mon_add(nb_mon_query *q, int oid)
{
    nb_grow(&q->ids, &q->cap, q->n + 1, sizeof(*q->ids));
    q->ids[q->n++] = oid;
}

static void nb_mon_collect(nb_call *c, const nb_object *o, void *ctx)
{
    nb_mon_add(ctx, o->oid);
}

/* The pool's objects listed under query lq. */
static int nb_mon_pool(nb_call *c, const nb_kind *kind, nb_sample_kind k,
                       const nb_list_query *lq, long long seconds)
{
    nb_list_foreach(c, nb_model_cpool(c->model, kind), lq, nb_mon_collect,
                    nb_mon_start(c, k, seconds));
    return 0;
}

/* host.monitoring(id), vm.monitoring(id): every sample kept. */
static int nb_host_monitoring(nb_call *c)
{
    nb_mon_add(nb_mon_start(c, NB_SAMPLE_HOST, -1), c->obj->oid);
    return 0;
}

static int nb_vm_monitoring(nb_call *c)
{
    nb_mon_add(nb_mon_start(c, NB_SAMPLE_VM, -1), c->obj->oid);
    return 0;
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
