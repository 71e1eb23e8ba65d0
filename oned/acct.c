#include "oned/acct.h"

#include <stdlib.h>
#include <string.h>
#include "lib/buf.h"
#include "lib/util.h"
#include "oned/showback.h"
#include "oned/vm.h"

static void acct_set_free(nb_showback_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->rows[i].body);
    free(s->rows);
    free(s);
}

static void acct_set_add(nb_showback_set *s, size_t *cap, int vmid, int month, char *body,
                         size_t len)
{
    nb_grow(&s->rows, cap, s->n + 1, sizeof(*s->rows));
    s->rows[s->n++] = (nb_showback_row){ vmid, month, body, len };
}

static int acct_row_cmp(const void *a, const void *b)
{
    const nb_showback_row *x = a, *y = b;
    if (x->month != y->month)
        return x->month < y->month ? -1 : 1;
    return x->vmid < y->vmid ? -1 : x->vmid > y->vmid;
}

/* ---- loading ------------------------------------------------------------- */

typedef struct acct_load_ctx {
    nb_showback_set *set;
    size_t cap;
} acct_load_ctx;

static int acct_load_row(void *ctx, int vmid, int year, int month, const char *body, size_t len)
{
    acct_load_ctx *lc = ctx;

    if (month < 1 || month > 12)
        return -1;
    acct_set_add(lc->set, &lc->cap, vmid, nb_sb_month_index(year, month),
                 nb_strndup(body, len), len);
    return 0;
}

int nb_acct_load(nb_model *m, char **err)
{
    acct_load_ctx lc = { nb_calloc(1, sizeof(*lc.set)), 0 };

    if (m->store->ops->showback_load(m->store, acct_load_row, &lc, err) < 0) {
        acct_set_free(lc.set);
        return -1;
    }
    m->showback = lc.set;
    return 0;
}

void nb_acct_free(nb_model *m)
{
    acct_set_free(m->showback);
    m->showback = NULL;
}

int nb_acct_first_month(const nb_model *m)
{
    const nb_pool *p = nb_model_cpool(m, &nb_vm_kind);
    long long first = 0;

    for (size_t i = 0; i < p->n; i++) {
        const nb_vm *vm = nb_vm_cof(p->objs[i]);
        if (vm->nhistory && vm->history[0].stime > 0 &&
            (first == 0 || vm->history[0].stime < first))
            first = vm->history[0].stime;
    }
    return first ? nb_sb_month_of(first) : -1;
}

/* ---- calculation --------------------------------------------------------- */

static double acct_number(const char *s)
{
    char *end;
    double v = s ? strtod(s, &end) : 0;
    return s && end != s && v > 0 ? v : 0;
}

/* A cost of the VM's TEMPLATE, else the oned.conf default. */
static double acct_cost(const nb_vm *vm, const char *name, double def)
{
    const char *v = nb_tmpl_get(&vm->o.tmpl, name);
    return v ? acct_number(v) : def;
}

/* MB of disk the VM holds on its host: every DISK's SIZE plus its
 * snapshots (DISK_SNAPSHOT_TOTAL_SIZE). */
static double acct_disk_mb(const nb_vm *vm)
{
    const nb_tmpl *t = &vm->o.tmpl;
    double mb = 0;

    for (size_t i = 0; i < t->n; i++) {
        const nb_tattr *a = &t->attrs[i];
        if (a->value || strcmp(a->name, "DISK") != 0)
            continue;
        for (size_t j = 0; j < a->npairs; j++)
            if (strcmp(a->pairs[j].name, "SIZE") == 0 ||
                strcmp(a->pairs[j].name, "DISK_SNAPSHOT_TOTAL_SIZE") == 0)
                mb += acct_number(a->pairs[j].value);
    }
    return mb;
}

static void acct_elem_double(nb_buf *b, const char *name, double v)
{
    nb_buf_addf(b, "<%s>%.10g</%s>", name, v, name);
}

/* The SHOWBACK document (reference §10.3), names as they are now. */
static char *acct_body(const nb_model *m, const nb_vm *vm, const nb_sb_month *r, size_t *len)
{
    nb_buf b = NB_BUF_INIT;

    nb_buf_adds(&b, "<SHOWBACK>");
    nb_buf_elem_int(&b, "VMID", vm->o.oid);
    nb_buf_elem_text(&b, "VMNAME", vm->o.name);
    nb_buf_elem_int(&b, "UID", vm->o.uid);
    nb_buf_elem_int(&b, "GID", vm->o.gid);
    nb_buf_elem_text(&b, "UNAME", nb_model_user_name(m, vm->o.uid));
    nb_buf_elem_text(&b, "GNAME", nb_model_group_name(m, vm->o.gid));
    nb_buf_elem_int(&b, "YEAR", r->year);
    nb_buf_elem_int(&b, "MONTH", r->month);
    acct_elem_double(&b, "CPU_COST", r->cpu_cost);
    acct_elem_double(&b, "MEMORY_COST", r->memory_cost);
    acct_elem_double(&b, "DISK_COST", r->disk_cost);
    acct_elem_double(&b, "TOTAL_COST", r->total_cost);
    acct_elem_double(&b, "HOURS", r->hours);
    acct_elem_double(&b, "RHOURS", r->rhours);
    nb_buf_adds(&b, "</SHOWBACK>");
    return nb_buf_steal(&b, len);
}

/* Append the records of one VM for months first..last to s. */
static void acct_vm_rows(const nb_model *m, const nb_vm *vm, int first, int last, long long now,
                         nb_showback_set *s, size_t *cap)
{
    const nb_config *cfg = m->cfg;
    nb_sb_span *spans = vm->nhistory ? nb_calloc(vm->nhistory, sizeof(*spans)) : NULL;
    nb_sb_input in = {
        .cpu = acct_number(nb_tmpl_get(&vm->o.tmpl, "CPU")),
        .memory_mb = acct_number(nb_tmpl_get(&vm->o.tmpl, "MEMORY")),
        .disk_mb = acct_disk_mb(vm),
        .cpu_cost = acct_cost(vm, "CPU_COST", cfg->default_cost.cpu),
        .memory_cost = acct_cost(vm, "MEMORY_COST", cfg->default_cost.memory),
        .disk_cost = acct_cost(vm, "DISK_COST", cfg->default_cost.disk),
        .only_running = cfg->showback_only_running,
        .spans = spans,
        .nspans = vm->nhistory,
    };
    nb_sb_month *recs;
    size_t n;

    for (size_t i = 0; i < vm->nhistory; i++) {
        const nb_vm_history *h = &vm->history[i];
        spans[i] = (nb_sb_span){ h->stime, h->etime, h->rstime, h->retime };
    }
    n = nb_showback_compute(&in, first, last, now, &recs);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        char *body = acct_body(m, vm, &recs[i], &len);
        acct_set_add(s, cap, vm->o.oid, nb_sb_month_index(recs[i].year, recs[i].month), body,
                     len);
    }
    free(recs);
    free(spans);
}

typedef struct acct_write_ctx {
    const nb_showback_set *fresh;
    int first, last;
} acct_write_ctx;

static int acct_write(nb_store *s, void *ctx, char **err)
{
    const acct_write_ctx *w = ctx;

    if (s->ops->showback_clear(s, w->first, w->last, err) < 0)
        return -1;
    for (size_t i = 0; i < w->fresh->n; i++) {
        const nb_showback_row *r = &w->fresh->rows[i];
        int y, mo;
        nb_sb_month_split(r->month, &y, &mo);
        if (s->ops->showback_put(s, r->vmid, y, mo, r->body, r->len, err) < 0)
            return -1;
    }
    return 0;
}

int nb_acct_calculate(nb_model *m, int first, int last, long long now, char **err)
{
    const nb_pool *p = nb_model_cpool(m, &nb_vm_kind);
    nb_showback_set *fresh = nb_calloc(1, sizeof(*fresh));
    nb_showback_set *old = m->showback;
    size_t cap = 0;
    acct_write_ctx w = { fresh, first, last };
    int ret = -1;

    for (size_t i = 0; i < p->n; i++)
        acct_vm_rows(m, nb_vm_cof(p->objs[i]), first, last, now, fresh, &cap);
    if (nb_store_transact(m->store, acct_write, &w, err) < 0)
        goto cleanup;

    /* The months outside the range keep their rows: move them over. */
    for (size_t i = 0; old && i < old->n; i++) {
        nb_showback_row *r = &old->rows[i];
        if (r->month >= first && r->month <= last)
            continue;
        acct_set_add(fresh, &cap, r->vmid, r->month, r->body, r->len);
        r->body = NULL;
    }
    qsort(fresh->rows, fresh->n, sizeof(*fresh->rows), acct_row_cmp);
    pthread_rwlock_wrlock(&m->lock);
    m->showback = fresh;
    pthread_rwlock_unlock(&m->lock);
    fresh = old;
    ret = 0;
 cleanup:
    acct_set_free(fresh);
    return ret;
}
