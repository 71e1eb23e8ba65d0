/*
 * avoid.h: the scheduler's memory of failed deploys.  A VM whose deploy
 * failed on a host is not sent there again (until it is placed somewhere);
 * a host on which NB_AVOID_STRIKES deploys failed in a row is avoided by
 * every VM for NB_AVOID_SECONDS, then tried again.  A successful deploy
 * clears the host's strikes.
 * Pure: no I/O; the caller passes the time.  Lost at restart, as
 * OpenNebula's own scheduler forgets its blacklist.
 */
#ifndef NB_SCHEDULER_AVOID_H
#define NB_SCHEDULER_AVOID_H

#include <stdbool.h>
#include <stddef.h>

#define NB_AVOID_STRIKES 3
#define NB_AVOID_SECONDS 300

typedef struct nb_avoid {
    struct { int vm, host; } *pairs;    /* failed (VM, host) */
    size_t npairs, cap_pairs;
    struct { int host, strikes; long long until; } *hosts;
    size_t nhosts, cap_hosts;
} nb_avoid;

void nb_avoid_init(nb_avoid *a);
void nb_avoid_free(nb_avoid *a);
/* The deploy of vm on host failed at time now. */
void nb_avoid_failed(nb_avoid *a, int vm, int host, long long now);
/* vm runs on host: forget vm's failures and host's strikes. */
void nb_avoid_placed(nb_avoid *a, int vm, int host);
/* Does vm have failures to avoid (its own group for the placement)? */
bool nb_avoid_vm_has(const nb_avoid *a, int vm);
bool nb_avoid_vm_host(const nb_avoid *a, int vm, int host);
/* Is host avoided by every VM at time now? */
bool nb_avoid_host(const nb_avoid *a, int host, long long now);

#endif
