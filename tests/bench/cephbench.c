/*
 * cephbench: VM disks cloned from one Ceph image through TM_MAD "ceph", in
 * process, as oned's workers call it (one after another):
 *
 *   cephbench DS_TEMPLATE_FILE IMAGE_FILE [N]
 *
 * imports IMAGE_FILE (raw) through DS_MAD "ceph" as image 1, prepares N
 * disks of it (VMs 1..N: copy-on-write clones of its snapshot) and
 * releases them, first one after another, then over 4 threads as oned's
 * workers run transfers, removes the image, and prints the time of each
 * phase: total, and the median, fastest and slowest call.  Exits 1 if any
 * call fails.
 * tests/bench/ceph_clones.py runs it against a private cluster.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include "drivers/datastore.h"
#include "lib/util.h"
#include "tests/bench/bench.h"
#include "tests/tools/drvload.h"

#define IMAGE_ID 1

typedef int (*tm_op)(void *drv, const nb_drv_host *h, const nb_drv_vm *vm,
                     const nb_tattr *disk, const nb_drv_ds *ds, char **err);

/* One phase: op on the disk of VMs 1..n, spread over threads that each
 * take the next VM; every call timed. */
typedef struct phase {
    const char *name;
    tm_op op;
    void *drv;
    const nb_drv_host *h;
    const nb_tmpl *vt;
    const nb_drv_ds *ds;
    double *ms;
    size_t n;
    atomic_size_t next;
    pthread_mutex_t mu;
    char *err;                  /* the first failure */
} phase;

static void *phase_worker(void *arg)
{
    phase *p = arg;
    for (size_t i; (i = atomic_fetch_add(&p->next, 1)) < p->n;) {
        nb_drv_vm vm = { .id = (int)i + 1, .tmpl = p->vt, .user_tmpl = p->vt,
                         .vm_dir = "/nonexistent" };
        char *err = NULL;
        uint64_t t0 = nb_mono_ns();
        if (p->op(p->drv, p->h, &vm, &p->vt->attrs[0], p->ds, &err) < 0) {
            pthread_mutex_lock(&p->mu);
            if (!p->err)
                p->err = err, err = NULL;
            pthread_mutex_unlock(&p->mu);
            free(err);
            atomic_store(&p->next, p->n);       /* the others stop too */
            break;
        }
        p->ms[i] = (nb_mono_ns() - t0) / 1e6;
    }
    return NULL;
}

/* Run phase p over nthreads; -1 with *err at a failure. */
static int run_phase(phase *p, size_t nthreads, char **err)
{
    pthread_t tid[16];
    uint64_t start = nb_mono_ns();
    double lo, hi;

    atomic_store(&p->next, 0);
    for (size_t t = 0; t < nthreads; t++)
        pthread_create(&tid[t], NULL, phase_worker, p);
    for (size_t t = 0; t < nthreads; t++)
        pthread_join(tid[t], NULL);
    if (p->err) {
        *err = p->err;
        p->err = NULL;
        return -1;
    }
    lo = hi = p->ms[0];
    for (size_t i = 1; i < p->n; i++) {
        lo = p->ms[i] < lo ? p->ms[i] : lo;
        hi = p->ms[i] > hi ? p->ms[i] : hi;
    }
    printf("   %-8s %3zu in %5.2f s, %zu thread%s: median %5.1f ms each (fastest %.1f, "
           "slowest %.1f)\n", p->name, p->n, (nb_mono_ns() - start) / 1e9, nthreads,
           nthreads == 1 ? " " : "s", bench_median(p->ms, p->n), lo, hi);
    return 0;
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
    phase p = { .h = &h, .ds = &ds, .vt = &vt, .ms = ms, .n = (size_t)n,
                .mu = PTHREAD_MUTEX_INITIALIZER };
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
    p.drv = tmd;
    /* one after another, then as 4 of oned's workers would */
    for (size_t threads = 1; threads <= 4; threads += 3) {
        p.name = "prepare";
        p.op = tmo->prepare;
        if (run_phase(&p, threads, &err) < 0)
            goto cleanup;
        p.name = "release";
        p.op = tmo->release;
        if (run_phase(&p, threads, &err) < 0)
            goto cleanup;
    }
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
