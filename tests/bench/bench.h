/*
 * bench.h: what the in-process benchmarks share (time them with
 * nb_mono_ns() from lib/util.h).
 */
#ifndef NB_TESTS_BENCH_H
#define NB_TESTS_BENCH_H

#include <stddef.h>
#include <stdlib.h>

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n) (n > 0); v is sorted in place. */
static inline double bench_median(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), bench_cmp_double);
    return v[n / 2];
}

#endif
