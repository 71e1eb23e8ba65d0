/*
 * nbds: run one operation of a registered storage driver, outside oned,
 * as oned's workers would call it (drivers/datastore.h):
 *
 *   nbds ds DRIVER DS_TEMPLATE_FILE monitor
 *   nbds ds DRIVER DS_TEMPLATE_FILE import ID PATH FORMAT
 *   nbds ds DRIVER DS_TEMPLATE_FILE mkimage ID MB [FORMAT]
 *   nbds ds DRIVER DS_TEMPLATE_FILE clone SOURCE ID
 *   nbds ds DRIVER DS_TEMPLATE_FILE remove SOURCE
 *   nbds tm DRIVER DS_TEMPLATE_FILE prepare|release HOST_TEMPLATE_FILE VMID VMDIR VM_TEMPLATE_FILE
 *   nbds tm-many COUNT DRIVER DS_TEMPLATE_FILE prepare|release HOST_TEMPLATE_FILE
 *        FIRST_VMID VMS_DIR VM_TEMPLATE_FILE
 *   nbds domain VMID VMDIR VM_TEMPLATE_FILE [CONSOLE_LOG]
 *
 * The datastore is its template (ID, NAME, BASE_PATH and the driver's
 * attributes); the host's template gives ID, HOSTNAME and LIBVIRT_URI; the
 * transfer works on the first DISK of the VM's template, which gets
 * SHARED as the core gives it (the datastore's, else the TM driver's)
 * unless it has its own.  `tm-many` runs the transfer for COUNT VMs at once
 * (ids from FIRST_VMID, directories VMS_DIR/<id>), one thread each, as
 * oned's workers may.  $NBDS_CONF names a file with the driver's oned.conf
 * section (DS_MAD_CONF/TM_MAD_CONF).  Results go to stdout as KEY=VALUE
 * lines (SOURCE, FORMAT, SIZE; TOTAL_MB, FREE_MB, USED_MB; DISK_SOURCE,
 * DISK_FORMAT after a prepare, once per VM in id order); a failure prints
 * the driver's message on stderr (tm-many: the lowest failing VM's) and
 * exits 1; bad usage exits 2.  `domain` prints the libvirt domain XML the
 * kvm driver would deploy that VM with (TCG, serial console to
 * CONSOLE_LOG), so that a test can boot a guest from the disks the
 * transfer driver prepared.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/datastore.h"
#include "drivers/libvirt/domain.h"
#include "lib/util.h"
#include "tests/tools/drvload.h"

static int usage(void)
{
    fprintf(stderr,
            "usage: nbds ds DRIVER DS_TEMPLATE_FILE monitor | import ID PATH FORMAT |\n"
            "                 mkimage ID MB [FORMAT] | clone SOURCE ID | remove SOURCE\n"
            "       nbds tm DRIVER DS_TEMPLATE_FILE prepare|release HOST_TEMPLATE_FILE VMID "
            "VMDIR VM_TEMPLATE_FILE\n"
            "       nbds tm-many COUNT DRIVER DS_TEMPLATE_FILE prepare|release "
            "HOST_TEMPLATE_FILE FIRST_VMID VMS_DIR VM_TEMPLATE_FILE\n"
            "       nbds domain VMID VMDIR VM_TEMPLATE_FILE [CONSOLE_LOG]\n");
    return 2;
}

static int id_arg(const char *s, int *out)
{
    if (nb_parse_int(s, out) < 0 || *out < 0) {
        fprintf(stderr, "nbds: \"%s\" is not an id\n", s);
        return -1;
    }
    return 0;
}

static void print_image(const nb_ds_image *img)
{
    printf("SOURCE=%s\nFORMAT=%s\nSIZE=%lld\n", img->source ? img->source : "",
           img->format ? img->format : "", img->size_mb);
}

/* A NULL slot: the driver does not do that. */
static int unsupported(const char *driver, const char *op, char **err)
{
    *err = nb_asprintf("driver %s does not support %s", driver, op);
    return -1;
}

static int run_ds(const nb_ds_ops *ops, void *drv, const char *driver, const nb_drv_ds *ds,
                  int argc, char **argv, char **err)
{
    const char *op = argv[0];
    nb_ds_image img = { 0 };
    int id, rc = -1;
    long long mb;

    if (nb_streq(op, "monitor") && argc == 1) {
        nb_ds_capacity cap = { 0 };
        if (!ops->monitor)
            return unsupported(driver, op, err);
        if ((rc = ops->monitor(drv, ds, &cap, err)) == 0)
            printf("TOTAL_MB=%lld\nFREE_MB=%lld\nUSED_MB=%lld\n", cap.total_mb, cap.free_mb,
                   cap.used_mb);
        return rc;
    }
    if (nb_streq(op, "import") && argc == 4) {
        if (id_arg(argv[1], &id) < 0)
            return 2;
        if (!ops->import)
            return unsupported(driver, op, err);
        rc = ops->import(drv, ds, id, argv[2], argv[3], &img, err);
    } else if (nb_streq(op, "mkimage") && (argc == 3 || argc == 4)) {
        if (id_arg(argv[1], &id) < 0 || nb_parse_ll(argv[2], &mb) < 0)
            return 2;
        if (!ops->mkimage)
            return unsupported(driver, op, err);
        rc = ops->mkimage(drv, ds, id, mb, argc == 4 ? argv[3] : NULL, &img, err);
    } else if (nb_streq(op, "clone") && argc == 3) {
        if (id_arg(argv[2], &id) < 0)
            return 2;
        if (!ops->clone)
            return unsupported(driver, op, err);
        rc = ops->clone(drv, ds, argv[1], id, &img, err);
    } else if (nb_streq(op, "remove") && argc == 2) {
        if (!ops->remove)
            return unsupported(driver, op, err);
        return ops->remove(drv, ds, argv[1], err);
    } else {
        return usage();
    }
    if (rc == 0)
        print_image(&img);
    nb_ds_image_free(&img);
    return rc;
}

/* One VM's transfer; tm-many runs each on a thread of its own. */
typedef struct tm_job {
    const nb_tm_ops *ops;
    void *drv;
    const nb_drv_host *h;
    const nb_drv_ds *ds;
    const nb_tattr *disk;
    bool prepare, threaded;
    pthread_t thread;
    nb_drv_vm vm;
    int rc;
    char *err;
} tm_job;

static void *tm_job_run(void *arg)
{
    tm_job *j = arg;

    j->rc = j->prepare ? j->ops->prepare(j->drv, j->h, &j->vm, j->disk, j->ds, &j->err)
                       : j->ops->release(j->drv, j->h, &j->vm, j->disk, j->ds, &j->err);
    return NULL;
}

/* The DISK's SHARED as oned fills it in (datastore.h's rule). */
static void default_shared(nb_tattr *disk, const nb_tm_ops *ops, const nb_drv_ds *ds)
{
    if (!nb_tattr_get(disk, "SHARED"))
        nb_tattr_set(disk, "SHARED", nb_drv_ds_shared(ds->tmpl, ops) ? "YES" : "NO");
}

/* prepare|release HOST_TEMPLATE_FILE VMID VMDIR VM_TEMPLATE_FILE for one VM
 * (count 0), or for count VMs at once from VMID on, each in VMDIR/<id>. */
static int run_tm(const nb_tm_ops *ops, void *drv, const char *driver, const nb_drv_ds *ds,
                  int count, int argc, char **argv, char **err)
{
    const char *op = argv[0];
    size_t n = count ? (size_t)count : 1;
    nb_tmpl ht, vt;
    nb_drv_host h;
    nb_tattr *disk;
    tm_job *jobs = NULL;
    const char *hid, *hname;
    int first, rc = -1;

    if (argc != 5 || !(nb_streq(op, "prepare") || nb_streq(op, "release")))
        return usage();
    nb_tmpl_init(&ht);
    nb_tmpl_init(&vt);
    if (id_arg(argv[2], &first) < 0) {
        rc = 2;
        goto cleanup;
    }
    if (!(nb_streq(op, "prepare") ? ops->prepare : ops->release)) {
        rc = unsupported(driver, op, err);
        goto cleanup;
    }
    if (drv_tmpl_file(argv[1], &ht, err) < 0 || drv_tmpl_file(argv[4], &vt, err) < 0)
        goto cleanup;
    hid = nb_tmpl_get(&ht, "ID");
    hname = nb_tmpl_get(&ht, "HOSTNAME");
    h = (nb_drv_host){ .id = 0, .name = hname ? hname : "localhost", .tmpl = &ht };
    if (hid)
        nb_parse_int(hid, &h.id);
    /* vt is ours: its DISK may be completed as the core would. */
    if (!(disk = (nb_tattr *)nb_tmpl_find(&vt, "DISK")) || disk->value) {
        *err = nb_asprintf("%s has no DISK vector", argv[4]);
        goto cleanup;
    }
    default_shared(disk, ops, ds);
    jobs = nb_calloc(n, sizeof(*jobs));
    for (size_t i = 0; i < n; i++) {
        tm_job *j = &jobs[i];
        *j = (tm_job){ .ops = ops, .drv = drv, .h = &h, .ds = ds, .disk = disk,
                       .prepare = nb_streq(op, "prepare"),
                       .vm = { .id = first + (int)i, .tmpl = &vt, .user_tmpl = &vt } };
        j->vm.vm_dir = count ? nb_asprintf("%s/%d", argv[3], j->vm.id) : nb_strdup(argv[3]);
        j->threaded = count && pthread_create(&j->thread, NULL, tm_job_run, j) == 0;
        if (!j->threaded)
            tm_job_run(j);      /* one VM, or no thread to be had: in line */
    }
    rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].threaded)
            pthread_join(jobs[i].thread, NULL);
        if (jobs[i].rc < 0 && rc == 0) {
            *err = jobs[i].err;
            jobs[i].err = NULL;
            rc = -1;
        }
    }
    for (size_t i = 0; i < n && rc == 0 && jobs[0].prepare; i++) {
        char *src = nb_drv_disk_source(&jobs[i].vm, disk, 0);
        printf("DISK_SOURCE=%s\nDISK_FORMAT=%s\n", src ? src : "", nb_drv_disk_format(disk));
        free(src);
    }
cleanup:
    for (size_t i = 0; jobs && i < n; i++) {
        free((char *)jobs[i].vm.vm_dir);
        free(jobs[i].err);
    }
    free(jobs);
    nb_tmpl_free(&ht);
    nb_tmpl_free(&vt);
    return rc;
}

static int run_domain(int argc, char **argv)
{
    nb_tmpl vt;
    nb_drv_vm vm = { 0 };
    nb_domain_opts opts = { .console_log = argc == 6 ? argv[5] : NULL };
    nb_buf out;
    char *err = NULL;
    int rc = 1;

    if (argc != 5 && argc != 6)
        return usage();
    nb_tmpl_init(&vt);
    nb_buf_init(&out);
    if (id_arg(argv[2], &vm.id) < 0) {
        rc = 2;
        goto cleanup;
    }
    vm.vm_dir = argv[3];
    vm.tmpl = vm.user_tmpl = &vt;
    if (drv_tmpl_file(argv[4], &vt, &err) < 0 || nb_domain_xml(&vm, &opts, &out, &err) < 0) {
        fprintf(stderr, "nbds: %s\n", err);
        goto cleanup;
    }
    fwrite(out.data, 1, out.len, stdout);
    rc = 0;
cleanup:
    nb_buf_free(&out);
    nb_tmpl_free(&vt);
    free(err);
    return rc;
}

int main(int argc, char **argv)
{
    enum nb_driver_class cls;
    const void *ops = NULL;
    void *drv = NULL;
    nb_tmpl dst;
    nb_drv_ds ds;
    char *err = NULL, **a = argv + 1;
    int rc = 1, count = 0;

    if (argc > 1 && nb_streq(argv[1], "domain"))
        return run_domain(argc, argv);
    /* tm-many COUNT: then as tm, with COUNT shifted out. */
    if (argc > 2 && nb_streq(argv[1], "tm-many")) {
        if (nb_parse_int(argv[2], &count) < 0 || count < 1) {
            fprintf(stderr, "nbds: \"%s\" is not a count of VMs\n", argv[2]);
            return 2;
        }
        a++;
        argc--;
    }
    if (argc < 5)
        return usage();
    if (count || nb_streq(a[0], "tm"))
        cls = NB_DRIVER_TM;
    else if (nb_streq(a[0], "ds"))
        cls = NB_DRIVER_DS;
    else
        return usage();
    nb_tmpl_init(&dst);
    if (drv_tmpl_file(a[2], &dst, &err) < 0)
        goto cleanup;
    drv_ds_of(&dst, &ds);
    if (drv_start(cls, a[1], &ops, &drv, &err) < 0)
        goto cleanup;
    rc = cls == NB_DRIVER_DS ? run_ds(ops, drv, a[1], &ds, argc - 4, a + 3, &err)
                             : run_tm(ops, drv, a[1], &ds, count, argc - 4, a + 3, &err);
    if (cls == NB_DRIVER_DS && ((const nb_ds_ops *)ops)->fini)
        ((const nb_ds_ops *)ops)->fini(drv);
    else if (cls == NB_DRIVER_TM && ((const nb_tm_ops *)ops)->fini)
        ((const nb_tm_ops *)ops)->fini(drv);
cleanup:
    if (rc < 0)
        rc = 1;
    if (rc == 1)
        fprintf(stderr, "nbds: %s\n", err ? err : "failed");
    free(err);
    nb_tmpl_free(&dst);
    return rc;
}
