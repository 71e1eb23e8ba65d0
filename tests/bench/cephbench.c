/*
 * cephbench: VM disks cloned from one Ceph image through TM_MAD "ceph", in
 * process, as oned's workers call it (one after another):
 *
 *   cephbench DS_TEMPLATE_FILE IMAGE_FILE [N]
 *
 * imports IMAGE_FILE (raw) through DS_MAD "ceph" as image 1, prepares N
 * disks of it (VMs 1..N: copy-on-write clones of its snapshot), releases
 * them, removes the image, and prints the time of each phase: total, and
 * the median, fastest and slowest call.  Exits 1 if any call fails.
 * tests/bench/ceph_clones.py runs it against a private cluster.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include "drivers/datastore.h"
#include "lib/util.h"
#include "tests/bench/bench.h"
#include "tests/tools/drvload.h"

#define IMAGE_ID 1

typedef struct phase {
    const char *name;
    double *ms;
    size_t n;
    uint64_t t0;
} phase;

static void report(phase *p, uint64_t total_ns)
{
    double lo = p->ms[0], hi = p->ms[0];
    for (size_t i = 1; i < p->n; i++) {
        lo = p->ms[i] < lo ? p->ms[i] : lo;
        hi = p->ms[i] > hi ? p->ms[i] : hi;
    }
    printf("   %-8s %3zu in %6.2f s: median %6.1f ms each (fastest %.1f, slowest %.1f)\n",
           p->name, p->n, total_ns / 1e9, bench_median(p->ms, p->n), lo, hi);
}

/* The VM's template: its one DISK, as the core makes it from the image. */
static void vm_disk(nb_tmpl *t, const char *source)
{
    char id[16];
    snprintf(id, sizeof(id), "%d", IMAGE_ID);
    nb_tpair pairs[] = { { "CLONE", "YES" }, { "DISK_ID", "0" }, { "IMAGE_ID", id },
                         { "SOURCE", (char *)source }, { "TYPE", "RBD" } };
    nb_tmpl_init(t);
    nb_tmpl_add_vector(t, "DISK", pairs, sizeof(pairs) / sizeof(*pairs));
}

/* N transfers of op on VMs 1..N, each timed; -1 at the first failure. */
static int run_phase(phase *p, int (*op)(void *, const nb_drv_host *, const nb_drv_vm *,
                                         const nb_tattr *, const nb_drv_ds *, char **),
                     void *drv, const nb_drv_host *h, const nb_tmpl *vt, const nb_drv_ds *ds,
                     char **err)
{
    uint64_t start = nb_mono_ns();
    for (size_t i = 0; i < p->n; i++) {
        nb_drv_vm vm = { .id = (int)i + 1, .tmpl = vt, .user_tmpl = vt, .vm_dir = "/nonexistent" };
        uint64_t t0 = nb_mono_ns();
        if (op(drv, h, &vm, &vt->attrs[0], ds, err) < 0)
            return -1;
        p->ms[i] = (nb_mono_ns() - t0) / 1e6;
    }
    report(p, nb_mono_ns() - start);
    return 0;
}

int main(int argc, char **argv)
{
    const nb_ds_ops *dso = NULL;
    const nb_tm_ops *tmo = NULL;
    void *dsd = NULL, *tmd = NULL;
    bool ds_up = false, tm_up = false;
    nb_tmpl dst, ht, vt;
    nb_drv_ds ds;
    nb_drv_host h = { .id = 0, .name = "bench", .tmpl = &ht };
    nb_ds_image img = { 0 };
    char *err = NULL;
    long long n = 100;
    int rc = 1;

    if (argc < 3 || argc > 4 || (argc == 4 && (nb_parse_ll(argv[3], &n) < 0 || n < 1))) {
        fprintf(stderr, "usage: cephbench DS_TEMPLATE_FILE IMAGE_FILE [N]\n");
        return 2;
    }
    nb_tmpl_init(&ht);
    nb_tmpl_init(&vt);
    double *ms = nb_calloc((size_t)n, sizeof(*ms));
    phase prep = { "prepare", ms, (size_t)n, 0 }, rel = { "release", ms, (size_t)n, 0 };
    if (drv_tmpl_file(argv[1], &dst, &err) < 0)
        goto cleanup;
    drv_ds_of(&dst, &ds);
    if (!(ds_up = drv_start(NB_DRIVER_DS, "ceph", (const void **)&dso, &dsd, &err) == 0) ||
        !(tm_up = drv_start(NB_DRIVER_TM, "ceph", (const void **)&tmo, &tmd, &err) == 0))
        goto cleanup;
    uint64_t t0 = nb_mono_ns();
    if (dso->import(dsd, &ds, IMAGE_ID, argv[2], "raw", &img, &err) < 0)
        goto cleanup;
    printf("   import   %s (%lld MB, raw) in %.0f ms\n", img.source, img.size_mb,
           (nb_mono_ns() - t0) / 1e6);
    vm_disk(&vt, img.source);
    if (run_phase(&prep, tmo->prepare, tmd, &h, &vt, &ds, &err) < 0 ||
        run_phase(&rel, tmo->release, tmd, &h, &vt, &ds, &err) < 0)
        goto cleanup;
    t0 = nb_mono_ns();
    if (dso->remove(dsd, &ds, img.source, &err) < 0)
        goto cleanup;
    printf("   remove   the image in %.0f ms\n", (nb_mono_ns() - t0) / 1e6);
    rc = 0;
cleanup:
    if (err)
        fprintf(stderr, "cephbench: %s\n", err);
    if (tm_up)
        tmo->fini(tmd);
    if (ds_up)
        dso->fini(dsd);
    nb_ds_image_free(&img);
    nb_tmpl_free(&dst);
    nb_tmpl_free(&ht);
    nb_tmpl_free(&vt);
    free(ms);
    free(err);
    return rc;
}
