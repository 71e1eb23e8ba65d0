/*
 * worker.h: the pool of threads driver operations run on, so that no
 * hypervisor or storage call ever runs on an API thread or under the model's
 * locks.  A job is a function and its argument; it does its slow work
 * (the driver call) first, then applies the result in a transaction of its
 * own, like any other writer.
 *
 * Jobs of one key (a VM id) run one at a time and in submission order, so
 * two operations on the same VM never race; jobs of different keys run in
 * parallel on up to `threads` threads.
 */
#ifndef NB_WORKER_H
#define NB_WORKER_H

#include <stddef.h>

typedef struct nb_workers nb_workers;
typedef void (*nb_job_fn)(void *arg);

/* Start `threads` workers (at least 1). */
nb_workers *nb_workers_start(size_t threads);

/* Queue fn(arg) under key (-1: no ordering with other jobs; any other
 * value, negative ones included, is a key).  Jobs not started when
 * nb_workers_stop begins, or queued after, are not run: `cancel`, when not
 * NULL, is called on their arg instead, so nothing leaks. */
void nb_workers_submit(nb_workers *w, int key, nb_job_fn fn, nb_job_fn cancel, void *arg);

/* Wait until every queued job has run (tests, orderly shutdown). */
void nb_workers_drain(nb_workers *w);

/* Cancel what has not started, let the running jobs finish, then stop the
 * threads and free the pool.  (oned keeps what a job was for with the
 * object it concerns, and queues it again at the next start.) */
void nb_workers_stop(nb_workers *w);

#endif
