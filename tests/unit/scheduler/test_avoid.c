/*
 * test_avoid.c: the scheduler's memory of failed deploys: a VM avoids the
 * hosts it failed on, a host that keeps failing is avoided for a while.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "scheduler/avoid.h"

static void test_vm_avoids_its_failed_hosts(void **state)
{
    nb_avoid a;
    (void)state;
    nb_avoid_init(&a);
    assert_false(nb_avoid_vm_has(&a, 1));
    nb_avoid_failed(&a, 1, 10, 1000);
    nb_avoid_failed(&a, 1, 10, 1001);      /* counted once per (VM, host) */
    assert_true(nb_avoid_vm_has(&a, 1));
    assert_true(nb_avoid_vm_host(&a, 1, 10));
    assert_false(nb_avoid_vm_host(&a, 1, 11));
    assert_false(nb_avoid_vm_host(&a, 2, 10));
    /* Two strikes are not enough to avoid the host for everyone. */
    assert_false(nb_avoid_host(&a, 10, 1001));
    nb_avoid_placed(&a, 1, 11);
    assert_false(nb_avoid_vm_has(&a, 1));
    nb_avoid_free(&a);
}

static void test_host_that_keeps_failing(void **state)
{
    nb_avoid a;
    (void)state;
    nb_avoid_init(&a);
    for (int vm = 0; vm < NB_AVOID_STRIKES; vm++)
        nb_avoid_failed(&a, vm, 5, 2000);
    assert_true(nb_avoid_host(&a, 5, 2000));
    assert_true(nb_avoid_host(&a, 5, 2000 + NB_AVOID_SECONDS - 1));
    assert_false(nb_avoid_host(&a, 5, 2000 + NB_AVOID_SECONDS));
    assert_false(nb_avoid_host(&a, 6, 2000));
    /* A VM that runs there clears the host. */
    nb_avoid_failed(&a, 9, 5, 2001);
    nb_avoid_placed(&a, 8, 5);
    assert_false(nb_avoid_host(&a, 5, 2001));
    assert_true(nb_avoid_vm_host(&a, 9, 5));
    nb_avoid_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vm_avoids_its_failed_hosts),
        cmocka_unit_test(test_host_that_keeps_failing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
