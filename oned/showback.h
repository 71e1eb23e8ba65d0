/*
 * showback.h: showback arithmetic (reference §10.3), pure: a VM's capacity,
 * costs and host stays in, its per-month records out.  No model, no I/O,
 * no clock: "now" (the end of stays still open) is the caller's.
 *
 * Months are counted as one integer, year * 12 + (month - 1), and start at
 * 00:00 UTC on their first day.  (OpenNebula cuts months in the server's
 * local time; UTC makes the figures independent of the machine's zone.)
 *
 * For each stay and each month it overlaps, with hours = the overlap:
 *   CPU_COST    += cost per CPU-hour    x CPU       x hours
 *   MEMORY_COST += cost per MB-hour     x MEMORY MB x hours
 *   DISK_COST   += cost per disk-MB-hour x disk MB  x hours
 *   HOURS  += hours on the host (STIME..ETIME)
 *   RHOURS += hours running (RSTIME..RETIME)
 * CPU and memory are charged over the running hours instead of the hours
 * on the host when only_running (SHOWBACK_ONLY_RUNNING); disk always over
 * the hours on the host.  Hours are fractional: partial hours count.
 */
#ifndef NB_SHOWBACK_H
#define NB_SHOWBACK_H

#include <stdbool.h>
#include <stddef.h>

/* One stay on a host: a HISTORY record's times (0 = not yet / still open). */
typedef struct nb_sb_span {
    long long stime, etime;     /* on the host */
    long long rstime, retime;   /* running */
} nb_sb_span;

typedef struct nb_sb_input {
    double cpu, memory_mb, disk_mb;                 /* capacity */
    double cpu_cost, memory_cost, disk_cost;        /* per unit-hour */
    bool only_running;
    const nb_sb_span *spans;
    size_t nspans;
} nb_sb_input;

typedef struct nb_sb_month {
    int year, month;            /* month 1..12 */
    double cpu_cost, memory_cost, disk_cost, total_cost;
    double hours, rhours;
} nb_sb_month;

/* Month index of (year, month 1..12), and back. */
int nb_sb_month_index(int year, int month);
void nb_sb_month_split(int index, int *year, int *month);
/* The month a time falls in; when a month starts. */
int nb_sb_month_of(long long t);
long long nb_sb_month_start(int index);

/*
 * The records of months first..last (indexes, inclusive) in which the VM
 * spent time on a host, oldest first; stays still open count up to now.
 * Returns their number; *out is allocated (NULL when there are none).
 */
size_t nb_showback_compute(const nb_sb_input *in, int first, int last, long long now,
                           nb_sb_month **out);

#endif
