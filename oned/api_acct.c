/*
 * api_acct.c: one.vmpool.accounting, one.vmpool.showback and
 * one.vmpool.calculateshowback (reference §2.10, §10.2, §10.3).
 *
 * Accounting is the history of the VMs a pool listing with the same filter
 * shows (DONE ones included): every HISTORY record that overlaps the
 * interval.  Showback lists the records acct.h keeps, for the same VMs.
 */
#include <stdlib.h>
#include "lib/util.h"
#include "oned/acct.h"
#include "oned/dispatch.h"
#include "oned/listing.h"
#include "oned/showback.h"
#include "oned/vm.h"

#define K (&nb_vm_kind)

/* [t0, t1] with -1 for an open end; a record with ETIME 0 is still open.
 * As OpenNebula's: ETIME > t0 (or open) and STIME < t1. */
static bool acct_overlaps(const nb_vm_history *h, long long t0, long long t1)
{
    return (t0 < 0 || h->etime == 0 || h->etime > t0) && (t1 < 0 || h->stime < t1);
}

static int nb_vmpool_accounting(nb_call *c)
{
    const nb_pool *p = nb_model_cpool(c->model, K);
    long long t0 = nb_arg_int(c, 1, -1), t1 = nb_arg_int(c, 2, -1);
    bool desc = c->model->cfg->list_desc;
    nb_list_query q = { .filter = (int)nb_arg_int(c, 0, -2), .start = -1, .end = -1 };
    nb_list_scope scope;
    nb_buf *b;

    if (nb_list_check(c, &q) < 0)
        return -1;
    b = nb_reply_doc(c);
    nb_list_scope_init(&scope, c, K, q.filter);
    nb_buf_adds(b, "<HISTORY_RECORDS>");
    for (size_t n = 0; n < p->n; n++) {
        const nb_vm *vm = nb_vm_cof(p->objs[desc ? p->n - 1 - n : n]);
        if (!vm->nhistory || !nb_list_scope_match(&scope, c, &vm->o))
            continue;
        for (size_t i = 0; i < vm->nhistory; i++)
            if (acct_overlaps(&vm->history[i], t0, t1))
                nb_vm_history_acct_to_xml(vm, i, b, c->model);
    }
    nb_buf_adds(b, "</HISTORY_RECORDS>");
    nb_list_scope_free(&scope);
    return 0;
}

/* (month, year) arguments at i, i + 1: a month index, or `open` when
 * either is -1.  Anything else out of range is refused. */
static int acct_month_arg(nb_call *c, size_t i, int open, int *out)
{
    long long mo = nb_arg_int(c, i, -1), y = nb_arg_int(c, i + 1, -1);

    if (mo == -1 || y == -1) {
        *out = open;
        return 0;
    }
    if (mo < 1 || mo > 12 || y < 1970 || y > 9999)
        return nb_fail(c, NB_E_RPC_API, -1, "Incorrect month %lld/%lld: months are 1 to 12, "
                       "years 1970 to 9999.", mo, y);
    *out = nb_sb_month_index((int)y, (int)mo);
    return 0;
}

static int nb_vmpool_showback(nb_call *c)
{
    const nb_pool *p = nb_model_cpool(c->model, K);
    const nb_showback_set *set = c->model->showback;
    nb_list_query q = { .filter = (int)nb_arg_int(c, 0, -2), .start = -1, .end = -1 };
    nb_list_scope scope;
    int first, last;
    nb_buf *b;

    if (nb_list_check(c, &q) < 0 || acct_month_arg(c, 1, 0, &first) < 0 ||
        acct_month_arg(c, 3, nb_sb_month_index(9999, 12), &last) < 0)
        return -1;
    b = nb_reply_doc(c);
    nb_list_scope_init(&scope, c, K, q.filter);
    nb_buf_adds(b, "<SHOWBACK_RECORDS>");
    for (size_t i = 0; set && i < set->n; i++) {
        const nb_showback_row *r = &set->rows[i];
        const nb_object *o;
        if (r->month < first || r->month > last || !(o = nb_pool_get(p, r->vmid)) ||
            !nb_list_scope_match(&scope, c, o))
            continue;
        nb_buf_add(b, r->body, r->len);
    }
    nb_buf_adds(b, "</SHOWBACK_RECORDS>");
    nb_list_scope_free(&scope);
    return 0;
}

/* From the first placement (or the given month) up to the current month
 * (or the given one), as OpenNebula.  Only the oneadmin group. */
static int nb_vmpool_calculateshowback(nb_call *c)
{
    long long now = nb_now();
    int first, last;
    char *err = NULL;

    if (!nb_subject_is_admin(&c->subj))
        return nb_fail(c, NB_E_AUTHORIZATION, -1,
                       "User [%d] : Action reserved for group 0 only.", c->uid);
    if (acct_month_arg(c, 0, nb_acct_first_month(c->model), &first) < 0 ||
        acct_month_arg(c, 2, nb_sb_month_of(now), &last) < 0)
        return -1;
    if (first >= 0 && first > last)
        return nb_fail(c, NB_E_RPC_API, -1, "The start month is after the end month.");
    if (first >= 0 && nb_acct_calculate(c->model, first, last, now, &err) < 0) {
        nb_fail(c, NB_E_INTERNAL, -1, "Error saving showback records: %s", err);
        free(err);
        return -1;
    }
    nb_reply_string(c, "");
    return 0;
}

const nb_method nb_api_acct_methods[] = {
    NB_METHOD("one.vmpool.accounting", "iii", NULL, -1, NB_OP_USE, 0, nb_vmpool_accounting),
    NB_METHOD("one.vmpool.showback", "iiiii", NULL, -1, NB_OP_USE, 0, nb_vmpool_showback),
    NB_METHOD("one.vmpool.calculateshowback", "iiii", NULL, -1, NB_OP_MANAGE, NB_M_WRITE,
              nb_vmpool_calculateshowback),
    NB_METHOD_END,
};
