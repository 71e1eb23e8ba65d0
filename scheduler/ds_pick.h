/*
 * ds_pick.h: which system datastore of a host's cluster takes a VM's system
 * disk (reference §9.3).  Pure: the caller evaluates SCHED_DS_REQUIREMENTS
 * and the rank, this keeps the datastores that match and have room and
 * takes the best.
 */
#ifndef NB_SCHEDULER_DS_PICK_H
#define NB_SCHEDULER_DS_PICK_H

#include <stdbool.h>
#include <stddef.h>

/* DEFAULT_DS_SCHED policies, OpenNebula's numbers. */
enum nb_ds_policy {
    NB_DS_PACKING = 0,          /* rank -FREE_MB: fill datastores up */
    NB_DS_STRIPING = 1,         /* rank FREE_MB: spread (the default) */
    NB_DS_CUSTOM = 2,           /* rank = the caller's rank */
    NB_DS_FIXED = 3,            /* rank = the caller's rank (the datastore's PRIORITY) */
};

typedef struct nb_ds_cand {
    int id;
    bool match;                 /* SCHED_DS_REQUIREMENTS hold */
    long long total_mb;         /* <= 0: not monitored, never refused for space */
    long long free_mb;
    long long taken_mb;         /* what this pass already put there */
    double rank;                /* SCHED_DS_RANK, else what the policy asks for */
} nb_ds_cand;

enum {
    NB_DS_NO_MATCH = -1,        /* none meets SCHED_DS_REQUIREMENTS */
    NB_DS_NO_ROOM = -2,         /* some do, none has need_mb free */
};

/* The index of the best of c[0..n-1] for a VM needing need_mb: highest
 * rank (c->rank when custom_rank or the policy is custom/fixed, else by
 * the free space the policy prefers), ties to the lower id; or one of the
 * codes above (NB_DS_NO_MATCH when n is 0). */
int nb_ds_pick(const nb_ds_cand *c, size_t n, long long need_mb, enum nb_ds_policy policy,
               bool custom_rank);

#endif
