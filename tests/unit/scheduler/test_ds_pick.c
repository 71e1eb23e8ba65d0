/*
 * test_ds_pick.c: the choice of a VM's system datastore (reference §9.3):
 * requirements, room (unmonitored datastores are never refused), the DS
 * policies' ranks, SCHED_DS_RANK, ties.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <cmocka.h>

#include "scheduler/ds_pick.h"

/* Two monitored datastores: 0 has 100 MB free, 1 has 500; 2 unmonitored. */
static nb_ds_cand cands[3];

static int setup(void **state)
{
    (void)state;
    cands[0] = (nb_ds_cand){ .id = 0, .match = true, .total_mb = 1000, .free_mb = 100 };
    cands[1] = (nb_ds_cand){ .id = 100, .match = true, .total_mb = 1000, .free_mb = 500 };
    cands[2] = (nb_ds_cand){ .id = 101, .match = true };
    return 0;
}

static void test_striping_takes_most_free(void **state)
{
    (void)state;
    assert_int_equal(nb_ds_pick(cands, 2, 10, NB_DS_STRIPING, false), 1);
}

static void test_packing_takes_least_free(void **state)
{
    (void)state;
    assert_int_equal(nb_ds_pick(cands, 2, 10, NB_DS_PACKING, false), 0);
}

static void test_room_counts_what_the_pass_took(void **state)
{
    (void)state;
    /* 0 lacks room for 200 MB: packing falls back to 1 */
    assert_int_equal(nb_ds_pick(cands, 2, 200, NB_DS_PACKING, false), 1);
    cands[1].taken_mb = 350;
    assert_int_equal(nb_ds_pick(cands, 2, 200, NB_DS_PACKING, false), NB_DS_NO_ROOM);
    /* what was taken counts against its free space when ranking: 150 > 100, then 50 < 100 */
    assert_int_equal(nb_ds_pick(cands, 2, 10, NB_DS_STRIPING, false), 1);
    cands[1].taken_mb = 450;
    assert_int_equal(nb_ds_pick(cands, 2, 10, NB_DS_STRIPING, false), 0);
}

static void test_unmonitored_is_never_refused_for_space(void **state)
{
    (void)state;
    assert_int_equal(nb_ds_pick(cands, 3, 1000000, NB_DS_STRIPING, false), 2);
}

static void test_requirements(void **state)
{
    (void)state;
    cands[1].match = false;
    assert_int_equal(nb_ds_pick(cands, 2, 10, NB_DS_STRIPING, false), 0);
    cands[0].match = false;
    assert_int_equal(nb_ds_pick(cands, 2, 10, NB_DS_STRIPING, false), NB_DS_NO_MATCH);
    assert_int_equal(nb_ds_pick(cands, 0, 10, NB_DS_STRIPING, false), NB_DS_NO_MATCH);
    /* one matches but is full: the reason is room, not requirements */
    cands[0].match = true;
    assert_int_equal(nb_ds_pick(cands, 2, 200, NB_DS_STRIPING, false), NB_DS_NO_ROOM);
}

static void test_custom_rank_overrides_policy(void **state)
{
    (void)state;
    cands[0].rank = 5;
    cands[1].rank = 1;
    assert_int_equal(nb_ds_pick(cands, 2, 10, NB_DS_STRIPING, true), 0);
    assert_int_equal(nb_ds_pick(cands, 2, 10, NB_DS_FIXED, false), 0);
    cands[1].rank = 9;
    assert_int_equal(nb_ds_pick(cands, 2, 10, NB_DS_CUSTOM, false), 1);
    /* NaN ranks last */
    cands[1].rank = NAN;
    assert_int_equal(nb_ds_pick(cands, 2, 10, NB_DS_STRIPING, true), 0);
}

static void test_ties_go_to_lower_id(void **state)
{
    (void)state;
    cands[0] = (nb_ds_cand){ .id = 7, .match = true };
    cands[1] = (nb_ds_cand){ .id = 3, .match = true };
    assert_int_equal(nb_ds_pick(cands, 2, 10, NB_DS_STRIPING, false), 1);
    assert_int_equal(nb_ds_pick(cands, 2, 10, NB_DS_PACKING, false), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_striping_takes_most_free, setup),
        cmocka_unit_test_setup(test_packing_takes_least_free, setup),
        cmocka_unit_test_setup(test_room_counts_what_the_pass_took, setup),
        cmocka_unit_test_setup(test_unmonitored_is_never_refused_for_space, setup),
        cmocka_unit_test_setup(test_requirements, setup),
        cmocka_unit_test_setup(test_custom_rank_overrides_policy, setup),
        cmocka_unit_test_setup(test_ties_go_to_lower_id, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
