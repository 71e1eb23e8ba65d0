/*
 * test_mon_history.c: the monitoring history against a bootstrapped model
 * on a temporary store: samples queued on a transaction are written by its
 * commit and by nothing else (an abort leaves none), a drop goes with its
 * transaction, and retention deletes exactly the expired samples, in
 * batches, per kind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "oned/monitoring.h"
#include "oned/txn.h"
#include "oned/user.h"
#include "tests/unit/oned/model_fixture.h"

static int setup(void **state)
{
    nb_test_model *t = calloc(1, sizeof(*t));
    if (nb_test_model_init(t, "mon") < 0)
        return -1;
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    nb_test_model_fini(*state);
    free(*state);
    return 0;
}

static int count_cb(void *ctx, int oid, long long ts, const char *body, size_t len)
{
    (*(int *)ctx)++;
    return 0;
}

/* How many samples of kind k the ids in [0, 3000) have, taken at `since` or
 * later. */
static int count(nb_test_model *t, nb_sample_kind k, long long since)
{
    static int ids[3000];
    char *err = NULL;
    int n = 0;

    for (int i = 0; i < 3000; i++)
        ids[i] = i;
    if (t->store.ops->sample_read(&t->store, k, ids, 3000, since, false, count_cb, &n, &err))
        fail_msg("sample_read: %s", err);
    return n;
}

static void test_samples_commit_with_their_transaction(void **state)
{
    nb_test_model *t = *state;
    nb_txn *x;
    char *err = NULL;

    /* Aborted with the change it went with: nothing written. */
    x = nb_txn_begin(&t->model);
    nb_tmpl_set(&nb_txn_edit(x, nb_txn_get(x, &nb_user_kind, 0))->tmpl, "SEEN", "1");
    nb_txn_sample(x, NB_SAMPLE_VM, 7, 100, "<MONITORING/>", 13);
    nb_txn_abort(x);
    assert_int_equal(count(t, NB_SAMPLE_VM, 0), 0);
    assert_null(nb_tmpl_get(&nb_pool_get(nb_model_cpool(&t->model, &nb_user_kind), 0)->tmpl,
                            "SEEN"));

    /* Committed: the change and both samples, each of its kind. */
    x = nb_txn_begin(&t->model);
    nb_tmpl_set(&nb_txn_edit(x, nb_txn_get(x, &nb_user_kind, 0))->tmpl, "SEEN", "1");
    nb_txn_sample(x, NB_SAMPLE_VM, 7, 100, "<MONITORING/>", 13);
    nb_txn_sample(x, NB_SAMPLE_HOST, 7, 100, "<MONITORING/>", 13);
    assert_int_equal(nb_txn_commit(x, &err), 0);
    assert_int_equal(count(t, NB_SAMPLE_VM, 0), 1);
    assert_int_equal(count(t, NB_SAMPLE_HOST, 0), 1);

    /* Samples alone make a transaction worth committing; a drop too. */
    x = nb_txn_begin(&t->model);
    nb_txn_sample(x, NB_SAMPLE_HOST, 7, 130, "<MONITORING/>", 13);
    assert_true(nb_txn_dirty(x));
    assert_int_equal(nb_txn_commit(x, &err), 0);
    assert_int_equal(count(t, NB_SAMPLE_HOST, 0), 2);
    x = nb_txn_begin(&t->model);
    nb_txn_sample_drop(x, NB_SAMPLE_HOST, 7);
    assert_int_equal(nb_txn_commit(x, &err), 0);
    assert_int_equal(count(t, NB_SAMPLE_HOST, 0), 0);
    assert_int_equal(count(t, NB_SAMPLE_VM, 0), 1);
}

static void add_samples(nb_test_model *t, nb_sample_kind k, int n, long long ts)
{
    nb_txn *x = nb_txn_begin(&t->model);
    char *err = NULL;
    for (int i = 0; i < n; i++)
        nb_txn_sample(x, k, i, ts, "<MONITORING/>", 13);
    assert_int_equal(nb_txn_commit(x, &err), 0);
}

static void test_expiry_in_batches_per_kind(void **state)
{
    nb_test_model *t = *state;
    const long long now = 1000000;

    t->cfg.vm_mon_expiration = 3600;
    t->cfg.host_mon_expiration = 7200;
    add_samples(t, NB_SAMPLE_VM, 2500, now - 5000);     /* expired */
    add_samples(t, NB_SAMPLE_VM, 10, now - 3600);       /* exactly as old as kept */
    add_samples(t, NB_SAMPLE_HOST, 20, now - 5000);     /* hosts keep 2 h: kept */

    /* One batch per kind at most: 1,000 go, the rest waits for the next. */
    assert_int_equal(nb_mon_expire(&t->model, now, 1), NB_MON_EXPIRE_BATCH);
    assert_int_equal(count(t, NB_SAMPLE_VM, 0), 2510 - NB_MON_EXPIRE_BATCH);
    assert_int_equal(nb_mon_expire(&t->model, now, 64), 2500 - NB_MON_EXPIRE_BATCH);
    assert_int_equal(count(t, NB_SAMPLE_VM, 0), 10);
    assert_int_equal(count(t, NB_SAMPLE_HOST, 0), 20);
    assert_int_equal(nb_mon_expire(&t->model, now, 64), 0);

    /* Expiration 0 keeps nothing, however new. */
    t->cfg.host_mon_expiration = 0;
    add_samples(t, NB_SAMPLE_HOST, 5, now);
    assert_int_equal(nb_mon_expire(&t->model, now, 64), 25);
    assert_int_equal(count(t, NB_SAMPLE_HOST, 0), 0);
    assert_int_equal(count(t, NB_SAMPLE_VM, 0), 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_samples_commit_with_their_transaction, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_expiry_in_batches_per_kind, setup, teardown),
    };
    nb_log_threshold = NB_LOG_ERROR;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
