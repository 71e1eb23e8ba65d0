/*
 * test_worker.c: the worker pool: order and exclusion per key, parallelism
 * across keys, drain, stop, cancellation of late jobs, and a stress run.
 *
 * Jobs never call cmocka's asserts (they run on worker threads): they
 * count what they saw and the test thread asserts on the counts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <cmocka.h>

#include "lib/util.h"
#include "oned/worker.h"

/* --- synchronisation helpers ------------------------------------------- */

/* A barrier that gives up after 10 s, so that jobs wrongly serialised fail
 * the test instead of hanging it. */
typedef struct rendezvous {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int arrived, parties;
    atomic_int met;             /* parties that saw everyone arrive */
} rendezvous;

static void rendezvous_init(rendezvous *r, int parties)
{
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    r->arrived = 0;
    r->parties = parties;
    atomic_init(&r->met, 0);
}

static void rendezvous_destroy(rendezvous *r)
{
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
}

static void rendezvous_job(void *arg)
{
    rendezvous *r = arg;
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 10;

    pthread_mutex_lock(&r->mu);
    r->arrived++;
    pthread_cond_broadcast(&r->cv);
    int rc = 0;
    while (r->arrived < r->parties && rc == 0)
        rc = pthread_cond_timedwait(&r->cv, &r->mu, &deadline);
    if (r->arrived >= r->parties)
        atomic_fetch_add(&r->met, 1);
    pthread_mutex_unlock(&r->mu);
}

/* A gate a job waits behind until the test opens it; `waiting` tells the
 * test a job has reached it (is running, not merely queued). */
typedef struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool open;
    bool waiting;
} gate;

static gate the_gate = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false };

static void gate_open(gate *g)
{
    pthread_mutex_lock(&g->mu);
    g->open = true;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

static void gate_wait(gate *g)
{
    pthread_mutex_lock(&g->mu);
    g->waiting = true;
    pthread_cond_broadcast(&g->cv);
    while (!g->open)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
}

/* Until a job waits at the gate. */
static void gate_reached(gate *g)
{
    pthread_mutex_lock(&g->mu);
    while (!g->waiting)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
}

static void gate_reset(gate *g)
{
    pthread_mutex_lock(&g->mu);
    g->open = false;
    g->waiting = false;
    pthread_mutex_unlock(&g->mu);
}

static void gate_job(void *arg)
{
    gate_wait(arg);
}

static atomic_int runs, cancels;

static void count_run(void *arg)
{
    atomic_fetch_add(&runs, 1);
}

static void count_cancel(void *arg)
{
    atomic_fetch_add(&cancels, 1);
}

static int reset_counts(void **state)
{
    atomic_store(&runs, 0);
    atomic_store(&cancels, 0);
    gate_reset(&the_gate);
    return 0;
}

/* --- order and exclusion per key ---------------------------------------- */

#define NKEYS 16

/* What the jobs of each key saw: next[] is touched only by that key's jobs,
 * which the pool serialises (TSan checks the hand-over). */
typedef struct keylog {
    atomic_int inside[NKEYS];   /* jobs of the key running now */
    atomic_int overlaps;        /* a job found another of its key running */
    atomic_int misordered;      /* a job ran before an earlier one of its key */
    int next[NKEYS];            /* sequence number expected next */
} keylog;

typedef struct keyed {
    keylog *log;
    int key, seq;
} keyed;

static void keyed_job(void *arg)
{
    keyed *k = arg;
    keylog *l = k->log;
    if (atomic_fetch_add(&l->inside[k->key], 1) != 0)
        atomic_fetch_add(&l->overlaps, 1);
    if (l->next[k->key] != k->seq)
        atomic_fetch_add(&l->misordered, 1);
    l->next[k->key] = k->seq + 1;
    sched_yield();      /* give another worker the chance to break the rule */
    atomic_fetch_sub(&l->inside[k->key], 1);
}

static void test_key_order_and_exclusion(void **state)
{
    enum { KEYS = 3, PER_KEY = 300 };
    static keylog log;
    static keyed jobs[KEYS * PER_KEY];
    nb_workers *w = nb_workers_start(4);

    /* Interleaved: key 0 job 0, key 1 job 0, ..., so idle workers are
     * always tempted by a key's next job. */
    for (int i = 0; i < KEYS * PER_KEY; i++) {
        jobs[i] = (keyed){ .log = &log, .key = i % KEYS, .seq = i / KEYS };
        nb_workers_submit(w, jobs[i].key, keyed_job, NULL, &jobs[i]);
    }
    nb_workers_drain(w);

    assert_int_equal(atomic_load(&log.overlaps), 0);
    assert_int_equal(atomic_load(&log.misordered), 0);
    for (int k = 0; k < KEYS; k++)
        assert_int_equal(log.next[k], PER_KEY);
    nb_workers_stop(w);
}

/* --- parallelism --------------------------------------------------------- */

static void test_keys_run_in_parallel(void **state)
{
    rendezvous keys, unkeyed;
    rendezvous_init(&keys, 2);
    rendezvous_init(&unkeyed, 2);
    nb_workers *w = nb_workers_start(2);

    /* Each job waits for the other: both return having met only if they
     * ran at the same time. */
    nb_workers_submit(w, 1, rendezvous_job, NULL, &keys);
    nb_workers_submit(w, 2, rendezvous_job, NULL, &keys);
    nb_workers_drain(w);
    assert_int_equal(atomic_load(&keys.met), 2);

    /* Jobs without a key are not ordered either. */
    nb_workers_submit(w, -1, rendezvous_job, NULL, &unkeyed);
    nb_workers_submit(w, -1, rendezvous_job, NULL, &unkeyed);
    nb_workers_drain(w);
    assert_int_equal(atomic_load(&unkeyed.met), 2);

    nb_workers_stop(w);
    rendezvous_destroy(&keys);
    rendezvous_destroy(&unkeyed);
}

/* A busy key does not hold up the others: with one key blocked behind a
 * gate, a job of another key still runs. */
static void test_blocked_key_does_not_block_others(void **state)
{
    nb_workers *w = nb_workers_start(2);
    nb_workers_submit(w, 7, gate_job, NULL, &the_gate);
    nb_workers_submit(w, 7, count_run, NULL, NULL);     /* waits behind the gate */

    rendezvous r;
    rendezvous_init(&r, 2);
    nb_workers_submit(w, 8, rendezvous_job, NULL, &r);
    rendezvous_job(&r);                                 /* the test thread meets it */
    assert_int_equal(atomic_load(&runs), 0);

    gate_open(&the_gate);
    nb_workers_drain(w);
    assert_int_equal(atomic_load(&r.met), 2);
    assert_int_equal(atomic_load(&runs), 1);
    nb_workers_stop(w);
    rendezvous_destroy(&r);
}

/* --- drain ------------------------------------------------------------------ */

typedef struct chain {
    nb_workers *w;
    int left;
} chain;

/* A job that queues its successor, as a driver step queues the next one. */
static void chain_job(void *arg)
{
    chain *c = arg;
    atomic_fetch_add(&runs, 1);
    if (--c->left > 0)
        nb_workers_submit(c->w, 3, chain_job, NULL, c);
}

static void test_drain_waits_for_everything(void **state)
{
    nb_workers *w = nb_workers_start(3);
    chain c = { .w = w, .left = 50 };
    nb_workers_submit(w, 3, chain_job, NULL, &c);
    for (int i = 0; i < 100; i++)
        nb_workers_submit(w, i % 5 ? i : -1, count_run, NULL, NULL);
    nb_workers_drain(w);
    assert_int_equal(atomic_load(&runs), 150);
    assert_int_equal(c.left, 0);

    /* Draining an idle pool returns at once. */
    nb_workers_drain(w);
    nb_workers_stop(w);
}

/* --- stop ------------------------------------------------------------------- */

typedef struct stopper {
    pthread_t thread;
    nb_workers *w;
} stopper;

static void *stop_main(void *arg)
{
    nb_workers_stop(((stopper *)arg)->w);
    return NULL;
}

/* Call nb_workers_stop on another thread (it blocks until the gated job
 * returns) and come back once it has begun (something was cancelled): from
 * then on a submitted probe is cancelled.  Returns how many probes were
 * submitted, -1 if the thread could not start. */
static int stop_in_background(stopper *s, nb_workers *w)
{
    s->w = w;
    if (pthread_create(&s->thread, NULL, stop_main, s) != 0)
        return -1;
    int accepted = 0;
    while (atomic_load(&cancels) == 0) {
        nb_workers_submit(w, -1, count_run, count_cancel, NULL);
        accepted++;
        sched_yield();
    }
    return accepted;
}

static void test_stop_cancels_queued_jobs(void **state)
{
    /* One thread stuck behind the gate: everything else stays queued, in
     * the run queue (keys 0, 2, 3, and unkeyed) and behind the running
     * job's key (1).  Stop cancels them all at once and waits for the
     * running job only. */
    nb_workers *w = nb_workers_start(1);
    nb_workers_submit(w, 1, gate_job, NULL, &the_gate);
    for (int i = 0; i < 50; i++)
        nb_workers_submit(w, i % 5 == 4 ? -1 : i % 4, count_run, count_cancel, NULL);
    /* The gated job must be running, or stop would cancel it too, free the
     * pool at once and leave the probes below submitting to freed memory. */
    gate_reached(&the_gate);

    stopper s;
    int probes = stop_in_background(&s, w);     /* may be 0: stop can be that quick */
    assert_true(probes >= 0);
    gate_open(&the_gate);
    pthread_join(s.thread, NULL);
    /* Probes accepted before stop began were queued behind the gate too. */
    assert_int_equal(atomic_load(&runs), 0);
    assert_int_equal(atomic_load(&cancels), 50 + probes);
}

/* Negative keys other than -1 are keys too (oned keys hosts below -1). */
static void test_negative_keys_are_ordered(void **state)
{
    enum { JOBS = 300 };
    static keylog log;
    static keyed jobs[JOBS];
    nb_workers *w = nb_workers_start(4);

    for (int i = 0; i < JOBS; i++) {
        jobs[i] = (keyed){ .log = &log, .key = 0, .seq = i };
        nb_workers_submit(w, -7, keyed_job, NULL, &jobs[i]);
    }
    nb_workers_drain(w);
    assert_int_equal(atomic_load(&log.overlaps), 0);
    assert_int_equal(atomic_load(&log.misordered), 0);
    assert_int_equal(log.next[0], JOBS);
    nb_workers_stop(w);
}

/* What a running job submits once stop began is cancelled, not run, and
 * its argument does not leak (ASan/valgrind check). */
typedef struct late {
    nb_workers *w;
    gate *g;
} late;

static void late_run(void *arg)
{
    atomic_fetch_add(&runs, 1000);
}

static void late_cancel(void *arg)
{
    free(arg);
    atomic_fetch_add(&cancels, 1);
}

static void submit_after_gate(void *arg)
{
    late *l = arg;
    gate_wait(l->g);
    nb_workers_submit(l->w, 5, late_run, late_cancel, nb_malloc(64));
    nb_workers_submit(l->w, -1, late_run, NULL, NULL);  /* no cancel: dropped */
}

static void test_submit_during_stop_cancels(void **state)
{
    nb_workers *w = nb_workers_start(2);
    late l = { .w = w, .g = &the_gate };
    nb_workers_submit(w, 5, submit_after_gate, NULL, &l);
    gate_reached(&the_gate);        /* as above: running, not queued */

    stopper s;
    int probes = stop_in_background(&s, w);
    assert_true(probes >= 1);       /* nothing else can be cancelled: one probe was */
    gate_open(&the_gate);
    pthread_join(s.thread, NULL);

    /* Probes accepted before stop either ran on the idle worker or were
     * cancelled by stop; then the refused probe and the late job. */
    assert_true(atomic_load(&runs) < probes);           /* no late_run */
    assert_int_equal(atomic_load(&runs) + atomic_load(&cancels), probes + 1);
}

static void test_stop_idle_and_null(void **state)
{
    nb_workers_stop(nb_workers_start(0));   /* 0 threads means 1 */
    nb_workers_stop(NULL);
}

/* --- stress ---------------------------------------------------------------- */

enum { SUBMITTERS = 4, PER_SUBMITTER = 5000 };

typedef struct submitter {
    nb_workers *w;
    keylog *log;
    keyed *jobs;
    int index;
} submitter;

/* Submitter t owns keys t, t + SUBMITTERS, ...: the order of each key's
 * jobs is then the order this thread submitted them in. */
static void *submit_main(void *arg)
{
    submitter *s = arg;
    int seq[NKEYS] = { 0 };
    for (int i = 0; i < PER_SUBMITTER; i++) {
        if (i % 10 == 0) {
            nb_workers_submit(s->w, -1, count_run, NULL, NULL);
            continue;
        }
        int key = s->index + SUBMITTERS * (i % (NKEYS / SUBMITTERS));
        s->jobs[i] = (keyed){ .log = s->log, .key = key, .seq = seq[key]++ };
        nb_workers_submit(s->w, key, keyed_job, NULL, &s->jobs[i]);
    }
    return NULL;
}

static void test_stress(void **state)
{
    static keylog log;
    static keyed jobs[SUBMITTERS][PER_SUBMITTER];
    submitter subs[SUBMITTERS];
    pthread_t threads[SUBMITTERS];
    nb_workers *w = nb_workers_start(8);

    for (int t = 0; t < SUBMITTERS; t++) {
        subs[t] = (submitter){ .w = w, .log = &log, .jobs = jobs[t], .index = t };
        assert_int_equal(pthread_create(&threads[t], NULL, submit_main, &subs[t]), 0);
    }
    for (int t = 0; t < SUBMITTERS; t++)
        pthread_join(threads[t], NULL);
    nb_workers_drain(w);

    assert_int_equal(atomic_load(&log.overlaps), 0);
    assert_int_equal(atomic_load(&log.misordered), 0);
    int keyed_total = 0;
    for (int k = 0; k < NKEYS; k++)
        keyed_total += log.next[k];
    assert_int_equal(keyed_total, SUBMITTERS * PER_SUBMITTER * 9 / 10);
    assert_int_equal(atomic_load(&runs), SUBMITTERS * PER_SUBMITTER / 10);
    nb_workers_stop(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_key_order_and_exclusion, reset_counts),
        cmocka_unit_test_setup(test_keys_run_in_parallel, reset_counts),
        cmocka_unit_test_setup(test_blocked_key_does_not_block_others, reset_counts),
        cmocka_unit_test_setup(test_drain_waits_for_everything, reset_counts),
        cmocka_unit_test_setup(test_stop_cancels_queued_jobs, reset_counts),
        cmocka_unit_test_setup(test_negative_keys_are_ordered, reset_counts),
        cmocka_unit_test_setup(test_submit_during_stop_cancels, reset_counts),
        cmocka_unit_test_setup(test_stop_idle_and_null, reset_counts),
        cmocka_unit_test_setup(test_stress, reset_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
