/*
 * test_showback.c: showback arithmetic (reference §10.3): month boundaries
 * in UTC, leap years, stays across months and years, partial hours, several
 * stays in a month, open stays counted up to "now", zero costs, and the
 * only-running mode.  Times are written as dates so that a reader can check
 * the hours by hand.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include "oned/showback.h"

#define H 3600LL
#define D (24 * H)

/* Seconds since the epoch of a UTC date, by the libc (timegm) as a check
 * independent of showback.c's own calendar. */
static long long utc(int y, int mo, int d, int h, int mi)
{
    struct tm t = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
                    .tm_min = mi };
    return (long long)timegm(&t);
}

static const double eps = 1e-9;

static void test_month_boundaries(void **state)
{
    (void)state;
    assert_int_equal(nb_sb_month_start(nb_sb_month_index(1970, 1)), 0);
    assert_int_equal(nb_sb_month_start(nb_sb_month_index(2024, 3)), utc(2024, 3, 1, 0, 0));
    assert_int_equal(nb_sb_month_start(nb_sb_month_index(2026, 12)), utc(2026, 12, 1, 0, 0));
    assert_int_equal(nb_sb_month_start(nb_sb_month_index(2026, 12) + 1), utc(2027, 1, 1, 0, 0));
    /* The last second of a month belongs to it, the next to the next. */
    assert_int_equal(nb_sb_month_of(utc(2026, 2, 1, 0, 0) - 1), nb_sb_month_index(2026, 1));
    assert_int_equal(nb_sb_month_of(utc(2026, 2, 1, 0, 0)), nb_sb_month_index(2026, 2));
    assert_int_equal(nb_sb_month_of(utc(2100, 12, 31, 23, 59)), nb_sb_month_index(2100, 12));
    for (int y = 1970; y < 2200; y++)
        for (int m = 1; m <= 12; m++) {
            int i = nb_sb_month_index(y, m), yy, mm;
            nb_sb_month_split(i, &yy, &mm);
            assert_int_equal(yy, y);
            assert_int_equal(mm, m);
            assert_int_equal(nb_sb_month_start(i), utc(y, m, 1, 0, 0));
            assert_int_equal(nb_sb_month_of(nb_sb_month_start(i)), i);
        }
}

static void test_leap_years(void **state)
{
    (void)state;
    int f24 = nb_sb_month_index(2024, 2), f25 = nb_sb_month_index(2025, 2);
    int f00 = nb_sb_month_index(2000, 2), f00b = nb_sb_month_index(2100, 2);

    assert_int_equal(nb_sb_month_start(f24 + 1) - nb_sb_month_start(f24), 29 * D);
    assert_int_equal(nb_sb_month_start(f25 + 1) - nb_sb_month_start(f25), 28 * D);
    assert_int_equal(nb_sb_month_start(f00 + 1) - nb_sb_month_start(f00), 29 * D);  /* /400 */
    assert_int_equal(nb_sb_month_start(f00b + 1) - nb_sb_month_start(f00b), 28 * D); /* /100 */

    /* A whole leap February on a host: 696 hours. */
    nb_sb_span s = { utc(2024, 1, 20, 0, 0), utc(2024, 3, 5, 0, 0), 0, 0 };
    nb_sb_input in = { .cpu = 1, .memory_mb = 0, .cpu_cost = 1, .spans = &s, .nspans = 1 };
    nb_sb_month *r;
    size_t n = nb_showback_compute(&in, f24, f24, 0, &r);
    assert_int_equal(n, 1);
    assert_true(r[0].hours > 696 - eps && r[0].hours < 696 + eps);
    free(r);
}

/* December -> January: one record per month, each with its own hours and
 * the costs of the formula. */
static void test_across_years(void **state)
{
    (void)state;
    nb_sb_span s = { utc(2025, 12, 31, 22, 0), utc(2026, 1, 1, 3, 30),
                     utc(2025, 12, 31, 23, 0), utc(2026, 1, 1, 3, 0) };
    nb_sb_input in = { .cpu = 2, .memory_mb = 1024, .disk_mb = 100, .cpu_cost = 0.5,
                       .memory_cost = 0.001, .disk_cost = 0.01, .spans = &s, .nspans = 1 };
    nb_sb_month *r;
    size_t n = nb_showback_compute(&in, nb_sb_month_index(2025, 1),
                                   nb_sb_month_index(2026, 12), 0, &r);

    assert_int_equal(n, 2);
    assert_int_equal(r[0].year, 2025);
    assert_int_equal(r[0].month, 12);
    assert_int_equal(r[1].year, 2026);
    assert_int_equal(r[1].month, 1);
    assert_true(r[0].hours > 2 - eps && r[0].hours < 2 + eps);
    assert_true(r[0].rhours > 1 - eps && r[0].rhours < 1 + eps);
    assert_true(r[1].hours > 3.5 - eps && r[1].hours < 3.5 + eps);     /* partial hour */
    assert_true(r[1].rhours > 3 - eps && r[1].rhours < 3 + eps);
    assert_true(r[1].cpu_cost > 0.5 * 2 * 3.5 - eps && r[1].cpu_cost < 0.5 * 2 * 3.5 + eps);
    assert_true(r[1].memory_cost > 0.001 * 1024 * 3.5 - eps &&
                r[1].memory_cost < 0.001 * 1024 * 3.5 + eps);
    assert_true(r[1].disk_cost > 0.01 * 100 * 3.5 - eps && r[1].disk_cost < 0.01 * 100 * 3.5 + eps);
    assert_true(r[1].total_cost > r[1].cpu_cost + r[1].memory_cost + r[1].disk_cost - eps &&
                r[1].total_cost < r[1].cpu_cost + r[1].memory_cost + r[1].disk_cost + eps);
    free(r);

    /* Only January asked for. */
    n = nb_showback_compute(&in, nb_sb_month_index(2026, 1), nb_sb_month_index(2026, 1), 0, &r);
    assert_int_equal(n, 1);
    assert_int_equal(r[0].month, 1);
    free(r);
}

/* A migration: two stays in the same month add up; a stay outside the
 * range adds nothing. */
static void test_several_stays(void **state)
{
    (void)state;
    nb_sb_span s[] = {
        { utc(2026, 3, 2, 10, 0), utc(2026, 3, 2, 12, 15), utc(2026, 3, 2, 10, 0),
          utc(2026, 3, 2, 12, 15) },
        { utc(2026, 3, 2, 12, 15), utc(2026, 3, 3, 0, 0), utc(2026, 3, 2, 12, 30),
          utc(2026, 3, 2, 20, 30) },
        { utc(2026, 1, 2, 0, 0), utc(2026, 1, 3, 0, 0), 0, 0 },
    };
    nb_sb_input in = { .cpu = 1, .memory_mb = 512, .cpu_cost = 1, .memory_cost = 0.01,
                       .spans = s, .nspans = 3 };
    nb_sb_month *r;
    size_t n = nb_showback_compute(&in, nb_sb_month_index(2026, 2), nb_sb_month_index(2026, 4),
                                   0, &r);

    assert_int_equal(n, 1);
    assert_int_equal(r[0].month, 3);
    assert_true(r[0].hours > 14 - eps && r[0].hours < 14 + eps);        /* 2.25 + 11.75 */
    assert_true(r[0].rhours > 10.25 - eps && r[0].rhours < 10.25 + eps); /* 2.25 + 8 */
    assert_true(r[0].cpu_cost > 14 - eps && r[0].cpu_cost < 14 + eps);
    assert_true(r[0].memory_cost > 0.01 * 512 * 14 - eps &&
                r[0].memory_cost < 0.01 * 512 * 14 + eps);
    assert_true(r[0].disk_cost == 0);
    free(r);
}

/* A running VM: open times count up to now, and not past it. */
static void test_open_stay(void **state)
{
    (void)state;
    long long now = utc(2026, 5, 10, 6, 0);
    nb_sb_span s = { utc(2026, 4, 30, 18, 0), 0, utc(2026, 4, 30, 18, 0), 0 };
    nb_sb_input in = { .cpu = 1, .cpu_cost = 2, .spans = &s, .nspans = 1 };
    nb_sb_month *r;
    size_t n = nb_showback_compute(&in, nb_sb_month_index(2026, 1),
                                   nb_sb_month_index(2026, 12), now, &r);

    assert_int_equal(n, 2);
    assert_true(r[0].hours > 6 - eps && r[0].hours < 6 + eps);
    assert_true(r[1].hours > 9 * 24 + 6 - eps && r[1].hours < 9 * 24 + 6 + eps);
    assert_true(r[1].rhours > r[1].hours - eps && r[1].rhours < r[1].hours + eps);
    assert_true(r[1].cpu_cost > 2 * r[1].hours - eps && r[1].cpu_cost < 2 * r[1].hours + eps);
    free(r);

    /* Left the host while running (host failure): running ends with it. */
    s.etime = utc(2026, 5, 1, 0, 0);
    n = nb_showback_compute(&in, 0, nb_sb_month_index(2026, 12), now, &r);
    assert_int_equal(n, 1);
    assert_true(r[0].rhours > 6 - eps && r[0].rhours < 6 + eps);
    free(r);
}

/* Free VMs still get their hours; never placed ones get nothing. */
static void test_zero_costs_and_no_stays(void **state)
{
    (void)state;
    nb_sb_span s = { utc(2026, 6, 1, 0, 0), utc(2026, 6, 1, 1, 30), 0, 0 };
    nb_sb_input in = { .cpu = 4, .memory_mb = 4096, .disk_mb = 1000, .spans = &s, .nspans = 1 };
    nb_sb_month *r;
    size_t n = nb_showback_compute(&in, 0, nb_sb_month_index(2030, 1), 0, &r);

    assert_int_equal(n, 1);
    assert_true(r[0].hours > 1.5 - eps && r[0].hours < 1.5 + eps);
    assert_true(r[0].rhours == 0);
    assert_true(r[0].total_cost == 0);
    free(r);

    s.stime = 0;
    assert_int_equal(nb_showback_compute(&in, 0, nb_sb_month_index(2030, 1), 0, &r), 0);
    assert_null(r);
    in.nspans = 0;
    assert_int_equal(nb_showback_compute(&in, 0, nb_sb_month_index(2030, 1), 0, &r), 0);
    assert_null(r);
}

/* SHOWBACK_ONLY_RUNNING: CPU and memory over the running hours, disk
 * still over the hours on the host. */
static void test_only_running(void **state)
{
    (void)state;
    nb_sb_span s = { utc(2026, 7, 1, 0, 0), utc(2026, 7, 1, 10, 0), utc(2026, 7, 1, 1, 0),
                     utc(2026, 7, 1, 5, 0) };
    nb_sb_input in = { .cpu = 1, .memory_mb = 100, .disk_mb = 10, .cpu_cost = 1,
                       .memory_cost = 1, .disk_cost = 1, .only_running = true,
                       .spans = &s, .nspans = 1 };
    nb_sb_month *r;
    size_t n = nb_showback_compute(&in, 0, nb_sb_month_index(2030, 1), 0, &r);

    assert_int_equal(n, 1);
    assert_true(r[0].cpu_cost > 4 - eps && r[0].cpu_cost < 4 + eps);
    assert_true(r[0].memory_cost > 400 - eps && r[0].memory_cost < 400 + eps);
    assert_true(r[0].disk_cost > 100 - eps && r[0].disk_cost < 100 + eps);
    assert_true(r[0].hours > 10 - eps && r[0].hours < 10 + eps);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_month_boundaries),
        cmocka_unit_test(test_leap_years),
        cmocka_unit_test(test_across_years),
        cmocka_unit_test(test_several_stays),
        cmocka_unit_test(test_open_stay),
        cmocka_unit_test(test_zero_costs_and_no_stays),
        cmocka_unit_test(test_only_running),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
