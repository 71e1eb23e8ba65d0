/* test_quota_model.c: datastore quotas charged to users and groups in a
 * transaction (nb_quota_ds_charge), with OpenNebula's messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/util.h"
#include "oned/group.h"
#include "oned/password.h"
#include "oned/quota_model.h"
#include "oned/txn.h"
#include "oned/user.h"
#include "tests/unit/oned/model_fixture.h"

#define ALICE 5
#define TEAM 100
#define DS 1

typedef nb_test_model fx;

static void commit(nb_txn *t)
{
    char *err = NULL;
    if (nb_txn_commit(t, &err) < 0)
        fail_msg("commit: %s", err);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    char *hash = nb_password_hash("pw", 1);
    nb_txn *t;

    if (nb_test_model_init(f, "quota_model") < 0)
        return -1;
    t = nb_txn_begin(&f->model);
    nb_txn_insert(t, nb_group_new(TEAM, "team"));
    nb_txn_insert(t, nb_user_new(ALICE, "alice", TEAM, "core", hash));
    commit(t);
    free(hash);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    nb_test_model_fini(f);
    free(f);
    return 0;
}

/* Apply a quota template to user or group id, committed. */
static void set_quota(fx *f, const nb_kind *k, int id, const char *text)
{
    nb_txn *t = nb_txn_begin(&f->model);
    nb_object *o = nb_txn_edit(t, nb_txn_get(t, k, id));
    nb_quotas *q = k == &nb_user_kind ? &nb_user_of(o)->quotas : &nb_group_of(o)->quotas;
    nb_tmpl tmpl = NB_TMPL_INIT;
    char *err = NULL;

    if (nb_tmpl_parse(&tmpl, text, strlen(text), &err) < 0 || nb_quotas_set(q, &tmpl, &err) < 0)
        fail_msg("%s", err);
    nb_tmpl_free(&tmpl);
    commit(t);
}

/* Check, then charge if it fits, as the image code does: 0, or -1 with the
 * message in *why. */
static int charge(fx *f, int uid, int gid, double images, double mb, char **why)
{
    nb_txn *t = nb_txn_begin(&f->model);
    if (nb_quota_ds_charge(t, uid, gid, DS, images, mb, true, why) < 0) {
        nb_txn_abort(t);
        return -1;
    }
    assert_int_equal(nb_quota_ds_charge(t, uid, gid, DS, images, mb, false, NULL), 0);
    commit(t);
    return 0;
}

/* Datastore DS's entry of user or group id as published, or NULL. */
static const nb_ds_quota_entry *entry(fx *f, const nb_kind *k, int id)
{
    const nb_object *o = nb_pool_get(nb_model_cpool(&f->model, k), id);
    const nb_quotas *q = k == &nb_user_kind ? &nb_user_cof(o)->quotas
                                            : &nb_group_cof(o)->quotas;
    return nb_ds_quota_find(&q->ds, DS);
}

static void test_charges_user_and_group(void **state)
{
    fx *f = *state;
    char *why = NULL;

    assert_null(entry(f, &nb_user_kind, ALICE));
    assert_int_equal(charge(f, ALICE, TEAM, 1, 512, &why), 0);
    assert_true(entry(f, &nb_user_kind, ALICE)->used[NB_DSQ_IMAGES] == 1);
    assert_true(entry(f, &nb_user_kind, ALICE)->used[NB_DSQ_SIZE] == 512);
    assert_true(entry(f, &nb_group_kind, TEAM)->used[NB_DSQ_SIZE] == 512);
    /* Released: gone from both, since no limit was set. */
    assert_int_equal(charge(f, ALICE, TEAM, -1, -512, &why), 0);
    assert_null(entry(f, &nb_user_kind, ALICE));
    assert_null(entry(f, &nb_group_kind, TEAM));
}

static void test_refusals_name_the_holder_and_datastore(void **state)
{
    fx *f = *state;
    char *why = NULL;

    set_quota(f, &nb_user_kind, ALICE, "DATASTORE=[ID=1, IMAGES=2]");
    assert_int_equal(charge(f, ALICE, TEAM, 1, 10, &why), 0);
    assert_int_equal(charge(f, ALICE, TEAM, 1, 10, &why), 0);
    assert_int_equal(charge(f, ALICE, TEAM, 1, 10, &why), -1);
    assert_string_equal(why, "user [5] limit of 2 reached for IMAGES quota in DATASTORE "
                             "with ID: 1.");
    free(why);
    /* The group's limit counts too, and a refused charge leaves nothing. */
    set_quota(f, &nb_user_kind, ALICE, "DATASTORE=[ID=1, IMAGES=-2]");
    set_quota(f, &nb_group_kind, TEAM, "DATASTORE=[ID=1, SIZE=25]");
    assert_int_equal(charge(f, ALICE, TEAM, 1, 10, &why), -1);
    assert_string_equal(why, "group [100] limit of 25 reached for SIZE quota in DATASTORE "
                             "with ID: 1.");
    free(why);
    assert_true(entry(f, &nb_user_kind, ALICE)->used[NB_DSQ_IMAGES] == 2);
    assert_true(entry(f, &nb_group_kind, TEAM)->used[NB_DSQ_SIZE] == 20);
}

static void test_defaults_apply(void **state)
{
    fx *f = *state;
    nb_txn *t = nb_txn_begin(&f->model);
    nb_quota_defaults *d = (nb_quota_defaults *)nb_object_new(&nb_quota_defaults_kind);
    nb_tmpl tmpl = NB_TMPL_INIT;
    char *err = NULL, *why = NULL;
    const char *text = "DATASTORE=[ID=1, SIZE=100]";

    d->o.oid = NB_DEFAULTS_USERS;
    d->o.name = nb_strdup("users");
    assert_int_equal(nb_tmpl_parse(&tmpl, text, strlen(text), &err), 0);
    assert_int_equal(nb_quotas_set(&d->q, &tmpl, &err), 0);
    nb_tmpl_free(&tmpl);
    nb_txn_insert(t, &d->o);
    commit(t);
    assert_int_equal(charge(f, ALICE, TEAM, 1, 101, &why), -1);
    assert_string_equal(why, "user [5] limit of 100 reached for SIZE quota in DATASTORE "
                             "with ID: 1.");
    free(why);
    assert_int_equal(charge(f, ALICE, TEAM, 1, 100, &why), 0);
}

static void test_oneadmin_never_counted(void **state)
{
    fx *f = *state;
    char *why = NULL;

    set_quota(f, &nb_group_kind, TEAM, "DATASTORE=[ID=1, IMAGES=0]");
    /* uid 0 in group 0: nothing checked, nothing charged. */
    assert_int_equal(charge(f, 0, 0, 1, 10, &why), 0);
    assert_null(entry(f, &nb_user_kind, 0));
    /* uid 0 in a limited group: the group still counts. */
    assert_int_equal(charge(f, 0, TEAM, 1, 10, &why), -1);
    assert_non_null(strstr(why, "group [100] limit of 0 reached for IMAGES"));
    free(why);
    /* A user charged in group 0: the user counts, the group does not. */
    assert_int_equal(charge(f, ALICE, 0, 1, 10, &why), 0);
    assert_true(entry(f, &nb_user_kind, ALICE)->used[NB_DSQ_IMAGES] == 1);
    assert_null(entry(f, &nb_group_kind, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_charges_user_and_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals_name_the_holder_and_datastore, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_defaults_apply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oneadmin_never_counted, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
