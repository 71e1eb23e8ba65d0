/*
 * watch_check.c: drives IM_MAD "kvm" as oned would, for test_libvirt.py,
 * because oned's engine does not call watch() yet.
 *
 *   watch_check URI
 *
 * Arms watch() on host 7 at URI, then samples the host with monitor()
 * every 200 ms (which is also what reconnects a lost connection, and with
 * it the watch).  Prints one line per fact, flushed:
 *
 *   READY
 *   EVENT <host id> <domain> RUNNING|POWEROFF|SUSPENDED|FAILURE
 *   MONITOR OK <domains> | MONITOR FAIL <why>      (only when it changes)
 *
 * and exits 0 when its standard input closes, after the driver's fini.
 * Built by the test from the sources (see test_libvirt.py).
 */
#include <poll.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "drivers/driver.h"
#include "drivers/vmm.h"
#include "lib/template.h"

static const char *const names[] = { "RUNNING", "POWEROFF", "SUSPENDED", "FAILURE" };

static void changed(void *ctx, int host_id, const char *deploy_id, enum nb_drv_vm_state s)
{
    printf("EVENT %d %s %s\n", host_id, deploy_id, names[s]);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    const nb_driver *d = nb_driver_find(NB_DRIVER_IM, "kvm");
    const nb_im_ops *im = d ? d->ops : NULL;
    nb_tmpl conf = NB_TMPL_INIT, ht = NB_TMPL_INIT;
    char *err = NULL, last[512] = "";
    void *drv = NULL;

    if (argc != 2 || !im || im->init(&conf, &drv, &err) < 0) {
        fprintf(stderr, "usage: watch_check URI (%s)\n", err ? err : "no kvm driver");
        return 2;
    }
    nb_tmpl_set(&ht, "LIBVIRT_URI", argv[1]);
    nb_drv_host h = { 7, "watched", &ht };
    if (im->watch(drv, &h, changed, NULL, &err) < 0) {
        fprintf(stderr, "watch: %s\n", err);
        return 1;
    }
    puts("READY");
    fflush(stdout);

    for (;;) {
        struct pollfd in = { .fd = 0, .events = POLLIN };
        char line[512], buf[64];
        nb_im_report r;

        nb_im_report_init(&r);
        if (im->monitor(drv, &h, &r, &err) == 0) {
            snprintf(line, sizeof(line), "MONITOR OK %zu", r.nvms);
        } else {
            snprintf(line, sizeof(line), "MONITOR FAIL %s", err);
            free(err);
            err = NULL;
        }
        nb_im_report_free(&r);
        if (strcmp(line, last) != 0) {
            puts(line);
            fflush(stdout);
            snprintf(last, sizeof(last), "%s", line);
        }
        if (poll(&in, 1, 200) > 0 && read(0, buf, sizeof(buf)) <= 0)
            break;
    }
    im->fini(drv);
    nb_tmpl_free(&conf);
    nb_tmpl_free(&ht);
    return 0;
}
