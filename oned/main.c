/*
 * oned: the Nubes daemon.  Loads the store into memory, serves the XML-RPC
 * API, and stops gracefully on SIGTERM/SIGINT.
 *
 *   oned [-f]     -f: stay in the foreground (else daemonize and return
 *                 once the API is serving, or fail with the reason)
 */
#define NB_LOG_MODULE "ONE"
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <libxml/parser.h>
#include "lib/log.h"
#include "lib/util.h"
#include "oned/audit.h"
#include "oned/auth.h"
#include "oned/bootstrap.h"
#include "oned/config.h"
#include "oned/layout.h"
#include "oned/model.h"
#include "oned/engine.h"
#include "oned/rpc_server.h"
#include "oned/sched.h"
#include "oned/store.h"

static void nb_usage(FILE *f)
{
    fprintf(f, "Usage: oned [-f] [-h]\n"
               "  -f  run in the foreground\n"
               "  -h  this help\n"
               "Configuration: $ONE_LOCATION/etc/oned.conf (or /etc/one/oned.conf).\n");
}

/*
 * The pid file is also the single-instance lock: held (flock) for the
 * daemon's whole life, released by the kernel however it dies.
 */
static int nb_lock_pidfile(const char *path, char **err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    char buf[32];
    int len;

    if (fd < 0) {
        *err = nb_asprintf("cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        buf[n > 0 ? n : 0] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        *err = nb_asprintf("another oned (pid %s) is already running on this state "
                           "directory (%s)", *buf ? buf : "?", path);
        close(fd);
        return -1;
    }
    len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)len, 0) != len) {
        *err = nb_asprintf("cannot write %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* Fork; the parent waits for the child's verdict on the pipe and exits with
 * it, so "oned && echo ready" means the API answers. */
static int nb_daemonize(void)
{
    int p[2];
    pid_t pid;
    char msg[1024];
    ssize_t n;

    if (pipe(p) < 0)
        return -1;
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid > 0) {
        close(p[1]);
        n = read(p[0], msg, sizeof(msg) - 1);
        if (n <= 0) {
            fprintf(stderr, "oned: the daemon exited during start-up\n");
            _exit(1);
        }
        msg[n] = '\0';
        if (msg[0] == '\0')
            _exit(0);
        fprintf(stderr, "oned: %s\n", msg);
        _exit(1);
    }
    close(p[0]);
    setsid();
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
        dup2(devnull, STDIN_FILENO);
        dup2(devnull, STDOUT_FILENO);
        dup2(devnull, STDERR_FILENO);
        if (devnull > 2)
            close(devnull);
    }
    return p[1];
}

static void nb_report(int fd, const char *err)
{
    if (fd >= 0) {
        ssize_t w = write(fd, err ? err : "", err ? strlen(err) : 1);
        (void)w;
        close(fd);
    } else if (err) {
        fprintf(stderr, "oned: %s\n", err);
    }
}

int main(int argc, char **argv)
{
    bool foreground = false;
    nb_layout layout;
    nb_config cfg;
    nb_store store = { NULL, NULL };
    nb_model model;
    bool model_open = false;
    nb_server_ctx ctx;
    nb_rpc_server *rpc = NULL;
    nb_engine *engine = NULL;
    nb_sched *sched = NULL;
    char *err = NULL, *conninfo = NULL;
    int opt, ready_fd = -1, pid_fd = -1, ret = 1, sig;
    sigset_t sigs;

    while ((opt = getopt(argc, argv, "fh")) != -1) {
        switch (opt) {
        case 'f': foreground = true; break;
        case 'h': nb_usage(stdout); return 0;
        default: nb_usage(stderr); return 2;
        }
    }

    xmlInitParser();
    nb_layout_init(&layout);
    if (nb_config_load(&cfg, layout.conf_file, true, &err) < 0) {
        fprintf(stderr, "oned: %s\n", err);
        free(err);
        nb_layout_free(&layout);
        return 1;
    }
    if (nb_mkdir_p(layout.var_dir, 0750) < 0 || nb_mkdir_p(layout.log_dir, 0750) < 0) {
        fprintf(stderr, "oned: cannot create %s: %s\n", layout.var_dir, strerror(errno));
        goto cleanup;
    }
    if (!foreground && (ready_fd = nb_daemonize()) < 0) {
        fprintf(stderr, "oned: cannot daemonize: %s\n", strerror(errno));
        goto cleanup;
    }
    if ((pid_fd = nb_lock_pidfile(layout.pid_file, &err)) < 0)
        goto fail;

    if (nb_log_open(nb_strcaseeq(cfg.log_system, "std") ? NULL : layout.log_file,
                    cfg.log_level) < 0) {
        err = nb_asprintf("cannot open %s: %s", layout.log_file, strerror(errno));
        goto fail;
    }
    if (nb_audit_open(layout.audit_file) < 0) {
        err = nb_asprintf("cannot open %s: %s", layout.audit_file, strerror(errno));
        goto fail;
    }
    nb_log_info("Starting oned (state in %s)", layout.var_dir);

    /* Signals are taken synchronously by this thread; every thread started
     * from here on inherits the mask. */
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    conninfo = nb_asprintf("%s?sync=%s", layout.db_file, cfg.db_sync);
    if (nb_store_open(&store, nb_store_backend(cfg.db_backend), conninfo, &err) < 0)
        goto fail;
    if (nb_model_open(&model, &store, &cfg, &err) < 0)
        goto fail;
    model_open = true;
    model.var_dir = layout.var_dir;
    if (nb_bootstrap(&model, &layout, &err) < 0)
        goto fail;
    /* Driver work: started before the API, so that steps left in flight by
     * the last run are queued before any new request. */
    if (!(engine = nb_engine_start(&model, (size_t)cfg.driver_threads,
                                  cfg.monitoring_interval, &err)))
        goto fail;
    sched = nb_sched_start(&model);

    ctx.model = &model;
    ctx.auth = nb_auth_new(&model);
    ctx.limits.max_depth = (size_t)cfg.xml_max_depth;
    ctx.limits.max_params = 64;
    if (!(rpc = nb_rpc_start(&cfg, &ctx, &err))) {
        nb_auth_free(ctx.auth);
        goto fail;
    }
    nb_log_info("oned ready: http://%s:%d/RPC2", cfg.listen_address, nb_rpc_port(rpc));
    if (foreground)
        fprintf(stderr, "oned: serving http://%s:%d/RPC2\n", cfg.listen_address, nb_rpc_port(rpc));
    nb_report(ready_fd, NULL);
    ready_fd = -1;

    for (;;) {
        if (sigwait(&sigs, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            nb_log_info("SIGHUP ignored: restart oned to apply oned.conf changes");
            continue;
        }
        nb_log_info("Received %s: stopping", strsignal(sig));
        break;
    }
    nb_rpc_stop(rpc);
    nb_auth_free(ctx.auth);
    ret = 0;
    goto cleanup;

 fail:
    nb_log_error("%s", err);
    nb_report(ready_fd, err);
    ready_fd = -1;
    free(err);
 cleanup:
    /* The pass in progress and the steps in flight finish (and commit)
     * before the model goes. */
    nb_sched_stop(sched);
    nb_engine_stop(engine);
    if (model_open)
        nb_model_close(&model);
    nb_store_close(&store);
    if (ret == 0)
        nb_log_info("oned stopped");
    if (pid_fd >= 0) {
        unlink(layout.pid_file);
        close(pid_fd);
    }
    nb_audit_close();
    nb_log_close();
    free(conninfo);
    nb_config_free(&cfg);
    nb_layout_free(&layout);
    xmlCleanupParser();
    return ret;
}
