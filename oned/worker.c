/*
 * worker.c: the pool of oned/worker.h.
 *
 * The jobs of one key form a strand.  While a key has a job in the run
 * queue or running, its later jobs wait in the key's strand, and the worker
 * that finishes a job moves the strand's next one to the run queue.  So the
 * run queue never holds two jobs of one key: any idle worker takes its head
 * without scanning, a key's jobs never overlap and keep their order, and a
 * key with many queued jobs takes turns with the others instead of
 * starving them.
 *
 * One mutex guards the queues; it is never held while a job runs.
 */
#include "oned/worker.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/hash.h"
#include "lib/util.h"

#define NB_NO_KEY (-1)

typedef struct nb_job {
    struct nb_job *next;
    int key;
    nb_job_fn fn;
    nb_job_fn cancel;
    void *arg;
} nb_job;

typedef struct nb_jobq {
    nb_job *head, *tail;
} nb_jobq;

/* A key with a job queued or running, and its jobs waiting behind it. */
typedef struct nb_strand {
    char name[16];              /* the key in decimal: its hash key */
    nb_jobq waiting;
} nb_strand;

struct nb_workers {
    pthread_mutex_t mu;
    pthread_cond_t work;        /* run queue not empty, or stopped and nothing left */
    pthread_cond_t idle;        /* outstanding reached 0 */
    nb_jobq runq;               /* jobs that may start now, at most one per key */
    nb_hash strands;            /* key name -> nb_strand */
    size_t outstanding;         /* accepted and not yet finished */
    bool stopping;
    pthread_t *threads;
    size_t nthreads;
};

static void nb_jobq_push(nb_jobq *q, nb_job *j)
{
    j->next = NULL;
    if (q->tail)
        q->tail->next = j;
    else
        q->head = j;
    q->tail = j;
}

static nb_job *nb_jobq_pop(nb_jobq *q)
{
    nb_job *j = q->head;
    if (j) {
        q->head = j->next;
        if (!q->head)
            q->tail = NULL;
    }
    return j;
}

static void nb_key_name(int key, char name[16])
{
    snprintf(name, 16, "%d", key);
}

/* Under w->mu: j may start now, or must wait behind its key's current job. */
static void nb_workers_enqueue(nb_workers *w, nb_job *j)
{
    if (j->key != NB_NO_KEY) {
        char name[16];
        nb_key_name(j->key, name);
        nb_strand *s = nb_hash_get(&w->strands, name);
        if (s) {
            nb_jobq_push(&s->waiting, j);
            return;
        }
        s = nb_calloc(1, sizeof(*s));
        memcpy(s->name, name, sizeof(name));
        nb_hash_put(&w->strands, s->name, s);
    }
    nb_jobq_push(&w->runq, j);
    pthread_cond_signal(&w->work);
}

/* Under w->mu, once a job of `key` finished: start the key's next job, or
 * forget the key. */
static void nb_workers_key_done(nb_workers *w, int key)
{
    char name[16];
    nb_key_name(key, name);
    nb_strand *s = nb_hash_get(&w->strands, name);
    nb_job *next = nb_jobq_pop(&s->waiting);
    if (next) {
        nb_jobq_push(&w->runq, next);
        pthread_cond_signal(&w->work);
        return;
    }
    nb_hash_del(&w->strands, name);
    free(s);
}

static void *nb_worker_main(void *arg)
{
    nb_workers *w = arg;

    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->runq.head && !(w->stopping && w->outstanding == 0))
            pthread_cond_wait(&w->work, &w->mu);
        nb_job *j = nb_jobq_pop(&w->runq);
        if (!j)
            break;      /* stopping, and every accepted job has run */
        pthread_mutex_unlock(&w->mu);
        j->fn(j->arg);
        pthread_mutex_lock(&w->mu);
        if (j->key != NB_NO_KEY)
            nb_workers_key_done(w, j->key);
        free(j);
        if (--w->outstanding == 0) {
            pthread_cond_broadcast(&w->idle);
            if (w->stopping)
                pthread_cond_broadcast(&w->work);
        }
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

nb_workers *nb_workers_start(size_t threads)
{
    nb_workers *w = nb_calloc(1, sizeof(*w));
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->work, NULL);
    pthread_cond_init(&w->idle, NULL);
    nb_hash_init(&w->strands);
    w->nthreads = threads ? threads : 1;
    w->threads = nb_calloc(w->nthreads, sizeof(*w->threads));
    for (size_t i = 0; i < w->nthreads; i++) {
        /* Like allocation failure (lib/util.h): oned cannot run without
         * its workers, and no caller could do better than stop. */
        if (pthread_create(&w->threads[i], NULL, nb_worker_main, w) != 0) {
            fputs("nubes: cannot start worker threads\n", stderr);
            abort();
        }
    }
    return w;
}

void nb_workers_submit(nb_workers *w, int key, nb_job_fn fn, nb_job_fn cancel, void *arg)
{
    nb_job *j = nb_malloc(sizeof(*j));
    *j = (nb_job){ .key = key, .fn = fn, .cancel = cancel, .arg = arg };

    pthread_mutex_lock(&w->mu);
    bool refused = w->stopping;
    if (!refused) {
        w->outstanding++;
        nb_workers_enqueue(w, j);
    }
    pthread_mutex_unlock(&w->mu);

    if (refused) {
        free(j);
        if (cancel)
            cancel(arg);
    }
}

void nb_workers_drain(nb_workers *w)
{
    pthread_mutex_lock(&w->mu);
    while (w->outstanding)
        pthread_cond_wait(&w->idle, &w->mu);
    pthread_mutex_unlock(&w->mu);
}

/* Under w->mu, at stop: take every job that has not started out of the
 * queues (into *dropped).  A key whose job was only queued is forgotten; a
 * key whose job runs keeps its strand until that job is done. */
static void nb_jobq_drop(nb_workers *w, nb_jobq *q, nb_jobq *dropped)
{
    nb_job *j;
    while ((j = nb_jobq_pop(q))) {
        nb_jobq_push(dropped, j);
        w->outstanding--;
    }
}

static void nb_workers_drop_queued(nb_workers *w, nb_jobq *dropped)
{
    nb_job *j;

    /* Every strand's waiting jobs first: the run queue's jobs free theirs. */
    for (size_t i = 0; i < w->strands.cap; i++) {
        nb_strand *s = w->strands.slots[i].value;     /* NULL: empty or deleted */
        if (s)
            nb_jobq_drop(w, &s->waiting, dropped);
    }
    while ((j = nb_jobq_pop(&w->runq))) {
        if (j->key != NB_NO_KEY) {
            char name[16];
            nb_key_name(j->key, name);
            free(nb_hash_del(&w->strands, name));
        }
        nb_jobq_push(dropped, j);
        w->outstanding--;
    }
}

void nb_workers_stop(nb_workers *w)
{
    nb_jobq dropped = { NULL, NULL };
    nb_job *j;

    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    nb_workers_drop_queued(w, &dropped);
    if (w->outstanding == 0)
        pthread_cond_broadcast(&w->idle);
    pthread_cond_broadcast(&w->work);
    pthread_mutex_unlock(&w->mu);
    while ((j = nb_jobq_pop(&dropped))) {
        if (j->cancel)
            j->cancel(j->arg);
        free(j);
    }

    for (size_t i = 0; i < w->nthreads; i++)
        pthread_join(w->threads[i], NULL);

    /* Every strand went with its key's last job. */
    nb_hash_free(&w->strands);
    pthread_cond_destroy(&w->idle);
    pthread_cond_destroy(&w->work);
    pthread_mutex_destroy(&w->mu);
    free(w->threads);
    free(w);
}
