/*
 * fsbench URI WORKDIR N IMAGE...: VM disks of the fs datastore through its
 * transfer drivers, in process, against the libvirtd at URI (the host).
 *
 * Each IMAGE is imported into WORKDIR/images by DS_MAD "fs"; then, per
 * image, N VMs (directories WORKDIR/vms-<tm>/<id>) get a clone of it:
 * TM "qcow2" makes N overlays over the image itself; TM "ssh" uploads the
 * image to the host's cache at the first VM and makes overlays over the
 * cached copy for all N.  Prints the median time per overlay, the first
 * ssh prepare (upload + overlay) and the median release.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/datastore.h"
#include "drivers/driver.h"
#include "lib/util.h"
#include "tests/bench/bench.h"

static double ms_since(uint64_t t0)
{
    return (double)(nb_mono_ns() - t0) / 1e6;
}

/* Prepare (or release) disk 0 of VMs first..first+n-1; the time of each in ms. */
static int run(const nb_tm_ops *tm, void *drv, const nb_drv_host *h, const nb_drv_ds *ds,
               const char *vms, nb_tmpl *disk_t, int first, int n, bool prepare, double *ms)
{
    const nb_tattr *disk = nb_tmpl_find(disk_t, "DISK");
    char *err = NULL;

    for (int i = 0; i < n; i++) {
        char *dir = nb_asprintf("%s/%d", vms, first + i);
        nb_drv_vm vm = { .id = first + i, .vm_dir = dir, .tmpl = disk_t };
        uint64_t t0 = nb_mono_ns();
        int rc = prepare ? tm->prepare(drv, h, &vm, disk, ds, &err)
                         : tm->release(drv, h, &vm, disk, ds, &err);
        ms[i] = ms_since(t0);
        free(dir);
        if (rc < 0) {
            fprintf(stderr, "fsbench: %s\n", err);
            free(err);
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    const nb_driver *dsd = nb_driver_find(NB_DRIVER_DS, "fs");
    const char *tms[] = { "qcow2", "ssh" };
    nb_tmpl host_t = NB_TMPL_INIT;
    nb_drv_host h = { .id = 1, .name = "bench-host", .tmpl = &host_t };
    char *base = NULL, *err = NULL;
    void *dsdrv = NULL;
    int n, ret = 1;

    if (argc < 5 || (n = atoi(argv[3])) < 2) {
        fprintf(stderr, "usage: fsbench URI WORKDIR N(>=2) IMAGE...\n");
        return 2;
    }
    nb_tmpl_set(&host_t, "LIBVIRT_URI", argv[1]);
    base = nb_asprintf("%s/images", argv[2]);
    nb_drv_ds ds = { .id = 100, .name = "bench", .base_path = base };
    const nb_ds_ops *dsops = dsd->ops;
    double *ms = nb_calloc((size_t)n, sizeof(*ms));
    dsops->init(NULL, &dsdrv, &err);

    for (int k = 4; k < argc; k++) {
        nb_ds_image img = { 0 };
        uint64_t t0 = nb_mono_ns();
        if (dsops->import(dsdrv, &ds, k, argv[k], NULL, &img, &err) < 0) {
            fprintf(stderr, "fsbench: %s\n", err);
            goto cleanup;
        }
        printf("image %s: %s, %lld MB virtual; DS import (sparse copy) %.1f ms\n", argv[k],
               img.format, img.size_mb, ms_since(t0));
        char *text = nb_asprintf("DISK = [ IMAGE_ID = %d, SOURCE = \"%s\", FORMAT = %s, "
                                 "CLONE = YES, DISK_ID = 0 ]", k, img.source, img.format);
        nb_tmpl disk_t = NB_TMPL_INIT;
        nb_tmpl_parse(&disk_t, text, strlen(text), &err);
        free(text);
        nb_ds_image_free(&img);
        for (size_t t = 0; t < NB_ARRAY_SIZE(tms); t++) {
            const nb_tm_ops *tm = nb_driver_find(NB_DRIVER_TM, tms[t])->ops;
            char *vms = nb_asprintf("%s/vms-%s", argv[2], tms[t]);
            void *drv = NULL;
            int first = k * 1000, rc;
            double first_ms;
            tm->init(NULL, &drv, &err);
            rc = run(tm, drv, &h, &ds, vms, &disk_t, first, n, true, ms);
            first_ms = ms[0];
            if (rc == 0) {
                printf("  TM %-5s prepare: first VM %.1f ms%s, then median %.2f ms per overlay "
                       "(%d VMs)\n", tms[t], first_ms, tm->shared ? "" : " (upload to the host)",
                       bench_median(ms + 1, (size_t)n - 1), n - 1);
                rc = run(tm, drv, &h, &ds, vms, &disk_t, first, n, false, ms);
            }
            if (rc == 0)
                printf("  TM %-5s release: median %.2f ms per disk\n", tms[t],
                       bench_median(ms, (size_t)n));
            tm->fini(drv);
            free(vms);
            if (rc < 0) {
                nb_tmpl_free(&disk_t);
                goto cleanup;
            }
        }
        nb_tmpl_free(&disk_t);
    }
    ret = 0;
 cleanup:
    dsops->fini(dsdrv);
    nb_tmpl_free(&host_t);
    free(ms);
    free(base);
    free(err);
    return ret;
}
