#include "oned/showback.h"

#include <stdlib.h>
#include "lib/util.h"

#define SB_DAY 86400LL

/* Days from 1970-01-01 to (y, m, 1) in the proleptic Gregorian calendar:
 * March-based years put the leap day last, so each month's offset is a
 * fixed formula. */
static long long sb_days(int y, int m)
{
    long long yy = m <= 2 ? (long long)y - 1 : y;
    long long era = (yy >= 0 ? yy : yy - 399) / 400;
    long long yoe = yy - era * 400;                             /* [0, 399] */
    long long mp = (m + 9) % 12;                                /* March = 0 */
    long long doy = (153 * mp + 2) / 5;                         /* day 1 of the month */
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int nb_sb_month_index(int year, int month)
{
    return year * 12 + (month - 1);
}

void nb_sb_month_split(int index, int *year, int *month)
{
    *year = index / 12;
    *month = index % 12 + 1;
}

long long nb_sb_month_start(int index)
{
    int y, m;

    nb_sb_month_split(index, &y, &m);
    return sb_days(y, m) * SB_DAY;
}

int nb_sb_month_of(long long t)
{
    /* Estimate from the mean month, then step: at most one step off. */
    int i = nb_sb_month_index(1970, 1) + (int)(t / (SB_DAY * 146097 / 4800));

    while (nb_sb_month_start(i) > t)
        i--;
    while (nb_sb_month_start(i + 1) <= t)
        i++;
    return i;
}

/* Seconds of [start, end) inside [lo, hi); end 0 means open (up to now),
 * start 0 never began. */
static long long sb_overlap(long long start, long long end, long long lo, long long hi,
                            long long now)
{
    long long a, b;

    if (start <= 0)
        return 0;
    if (end <= 0)
        end = now;
    a = start > lo ? start : lo;
    b = end < hi ? end : hi;
    return b > a ? b - a : 0;
}

size_t nb_showback_compute(const nb_sb_input *in, int first, int last, long long now,
                           nb_sb_month **out)
{
    long long from = 0, to = 0;
    size_t n = 0;

    *out = NULL;
    /* Only the months the stays touch: a wide range costs nothing. */
    for (size_t i = 0; i < in->nspans; i++) {
        const nb_sb_span *s = &in->spans[i];
        long long end = s->etime > 0 ? s->etime : now;
        if (s->stime <= 0)
            continue;
        if (from == 0 || s->stime < from)
            from = s->stime;
        if (end > to)
            to = end;
    }
    if (from == 0)
        return 0;
    if (nb_sb_month_of(from) > first)
        first = nb_sb_month_of(from);
    if (nb_sb_month_of(to) < last)
        last = nb_sb_month_of(to);
    for (int mi = first; mi <= last; mi++) {
        long long lo = nb_sb_month_start(mi), hi = nb_sb_month_start(mi + 1);
        double hours = 0, rhours = 0;

        for (size_t i = 0; i < in->nspans; i++) {
            const nb_sb_span *s = &in->spans[i];
            /* A stay closed while running (host failure) stopped running
             * when it left the host. */
            long long retime = s->retime > 0 ? s->retime : s->etime;
            hours += sb_overlap(s->stime, s->etime, lo, hi, now) / 3600.0;
            rhours += sb_overlap(s->rstime, retime, lo, hi, now) / 3600.0;
        }
        if (hours <= 0 && rhours <= 0)
            continue;

        double charged = in->only_running ? rhours : hours;
        nb_sb_month *r;
        *out = nb_realloc(*out, (n + 1) * sizeof(**out));
        r = &(*out)[n++];
        nb_sb_month_split(mi, &r->year, &r->month);
        r->cpu_cost = in->cpu_cost * in->cpu * charged;
        r->memory_cost = in->memory_cost * in->memory_mb * charged;
        r->disk_cost = in->disk_cost * in->disk_mb * hours;
        r->total_cost = r->cpu_cost + r->memory_cost + r->disk_cost;
        r->hours = hours;
        r->rhours = rhours;
    }
    return n;
}
