/*
 * sched_pass.h: one pass of the scheduler (sched.h runs them): a snapshot
 * of hosts, clusters and candidate VMs under the read lock; the placement
 * (scheduler/place.h) with no lock, hosts filtered by state, dedication
 * and confinement, the owner's HOST:MANAGE, a system datastore, failures
 * and the requirements; then each placement carried out as one.vm.deploy
 * or one.vm.migrate by oneadmin, and SCHED_MESSAGE for the VMs left.
 */
#ifndef NB_SCHED_PASS_H
#define NB_SCHED_PASS_H

#include <stdbool.h>
#include <stddef.h>
#include "oned/model.h"
#include "scheduler/avoid.h"

/* A VM the scheduler deployed, until it is seen running or failed. */
typedef struct nb_sched_sent {
    int vm, host;
} nb_sched_sent;

/* What passes remember: failed deploys, and the deploys not yet settled
 * (a deploy that fails on its host is recreated and placed elsewhere). */
typedef struct nb_sched_memory {
    nb_avoid avoid;
    nb_sched_sent *sent;
    size_t nsent, cap_sent;
} nb_sched_memory;

void nb_sched_memory_init(nb_sched_memory *mem);
void nb_sched_memory_free(nb_sched_memory *mem);

/* One pass over m.  True when another should follow at once: it placed VMs
 * and left others (MAX_HOST = 1 places one VM per host per pass, as
 * OpenNebula; passes in quick succession make up for it). */
bool nb_sched_pass(nb_model *m, nb_sched_memory *mem);

#endif
