#define NB_LOG_MODULE "SCH"
#include "oned/sched.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include "lib/log.h"
#include "lib/util.h"
#include "oned/model.h"
#include "oned/sched_pass.h"

/* One scheduler per process: commit hooks find it here. */
static pthread_mutex_t nb_sched_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t nb_sched_cv = PTHREAD_COND_INITIALIZER;
static struct nb_sched *nb_sched_current;

struct nb_sched {
    nb_model *m;
    pthread_t thread;
    bool stop;                  /* under nb_sched_mu */
    bool woken;                 /* under nb_sched_mu */
    nb_sched_memory mem;        /* the thread's own */
};

/* ---- waking ------------------------------------------------------------- */

static void nb_sched_kick(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&nb_sched_mu);
    if (nb_sched_current) {
        nb_sched_current->woken = true;
        pthread_cond_signal(&nb_sched_cv);
    }
    pthread_mutex_unlock(&nb_sched_mu);
}

static void nb_sched_nothing(void *arg)
{
    (void)arg;
}

void nb_sched_wake(nb_txn *t)
{
    nb_txn_on_commit(t, nb_sched_kick, nb_sched_nothing, NULL);
}

void nb_sched_vm_moving(nb_txn *t, const nb_vm *vm, const nb_lcm_move *mv)
{
    bool pending = mv->to.state == NB_VM_PENDING && vm->phase.state != NB_VM_PENDING;
    bool failed = mv->to.state == NB_VM_ACTIVE && mv->to.lcm == NB_LCM_BOOT_FAILURE;
    /* Capacity freed on a host: a waiting VM may fit now. */
    bool freed = (mv->flags & (NB_MOVE_HOST_RELEASE | NB_MOVE_HISTORY_CLOSE)) != 0;

    if (pending || failed || freed || (mv->flags & NB_MOVE_RESCHED_SET))
        nb_sched_wake(t);
}

/* ---- the thread ---------------------------------------------------------- */

static void *nb_sched_main(void *arg)
{
    nb_sched *s = arg;
    const nb_config *cfg = s->m->cfg;
    bool again = false;

    pthread_mutex_lock(&nb_sched_mu);
    while (!s->stop) {
        struct timespec until;

        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += cfg->sched.retry;
        while (!s->stop && !s->woken &&
               pthread_cond_timedwait(&nb_sched_cv, &nb_sched_mu, &until) != ETIMEDOUT)
            ;
        if (s->stop)
            break;
        if (s->woken && !again && cfg->sched.window_ms > 0) {
            /* What follows a wake-up (the rest of a burst of instantiates)
             * joins this pass; a pass that follows one at once does not
             * wait. */
            struct timespec window = { 0, (long)cfg->sched.window_ms * 1000000L };
            pthread_mutex_unlock(&nb_sched_mu);
            nanosleep(&window, NULL);
            pthread_mutex_lock(&nb_sched_mu);
        }
        s->woken = false;
        pthread_mutex_unlock(&nb_sched_mu);
        again = nb_sched_pass(s->m, &s->mem);
        pthread_mutex_lock(&nb_sched_mu);
        s->woken |= again;
    }
    pthread_mutex_unlock(&nb_sched_mu);
    return NULL;
}

nb_sched *nb_sched_start(nb_model *m)
{
    nb_sched *s;

    if (!m->cfg->sched.enabled) {
        nb_log_info("Scheduler disabled (SCHED/ENABLED = NO): VMs wait for one.vm.deploy");
        return NULL;
    }
    s = nb_calloc(1, sizeof(*s));
    s->m = m;
    s->woken = true;        /* VMs left pending by the last run */
    nb_sched_memory_init(&s->mem);
    pthread_mutex_lock(&nb_sched_mu);
    nb_sched_current = s;
    pthread_mutex_unlock(&nb_sched_mu);
    if (pthread_create(&s->thread, NULL, nb_sched_main, s) != 0) {
        nb_log_error("Cannot start the scheduler thread");
        pthread_mutex_lock(&nb_sched_mu);
        nb_sched_current = NULL;
        pthread_mutex_unlock(&nb_sched_mu);
        nb_sched_memory_free(&s->mem);
        free(s);
        return NULL;
    }
    nb_log_info("Scheduler started (policy %d, window %d ms, retry %d s)", m->cfg->sched.policy,
                m->cfg->sched.window_ms, m->cfg->sched.retry);
    return s;
}

void nb_sched_stop(nb_sched *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&nb_sched_mu);
    s->stop = true;
    nb_sched_current = NULL;
    pthread_cond_signal(&nb_sched_cv);
    pthread_mutex_unlock(&nb_sched_mu);
    pthread_join(s->thread, NULL);
    nb_sched_memory_free(&s->mem);
    free(s);
}
