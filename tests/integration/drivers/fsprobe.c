/*
 * fsprobe: run one operation of a registered DS or TM driver from the
 * command line, for the fs drivers' integration tests.  Its ds and tm
 * commands take the arguments of the generic tool tests/tools/nbds (being
 * written on the ceph branch), which is meant to replace it.  What the fs
 * tests add: tm-many, COUNT VMs (ids from FIRST_VMID, directories
 * VMS_DIR/<id>) at once, one thread each, as oned's workers run them; and
 * domxml, to boot a guest from a disk the TM made.
 *
 *   fsprobe ds DRIVER DS_TEMPLATE_FILE monitor | import ID PATH FORMAT |
 *              mkimage ID MB [FORMAT] | clone SOURCE ID | remove SOURCE
 *   fsprobe tm DRIVER DS_TEMPLATE_FILE prepare|release HOST_TEMPLATE_FILE VMID VMDIR
 *              DISK_TEMPLATE_FILE
 *   fsprobe tm-many COUNT DRIVER DS_TEMPLATE_FILE prepare|release HOST_TEMPLATE_FILE
 *              FIRST_VMID VMS_DIR DISK_TEMPLATE_FILE
 *   fsprobe domxml VMID VMDIR VM_TEMPLATE_FILE
 *
 * Template files are in oned's template syntax.  The datastore's gives
 * ID, NAME and BASE_PATH besides its own attributes; the host's ID, NAME
 * and LIBVIRT_URI; the disk file holds one DISK = [ ... ] vector.  Results
 * are printed as KEY=VALUE lines (SOURCE, FORMAT, SIZE; TOTAL_MB, FREE_MB,
 * USED_MB; DISK: where the disk is on the host); errors on stderr, exit 1.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/datastore.h"
#include "drivers/driver.h"
#include "drivers/libvirt/domain.h"
#include "lib/buf.h"
#include "lib/util.h"

static int usage(void)
{
    fprintf(stderr,
            "usage: fsprobe ds DRIVER DS_TEMPLATE_FILE monitor | import ID PATH FORMAT |\n"
            "                  mkimage ID MB [FORMAT] | clone SOURCE ID | remove SOURCE\n"
            "       fsprobe tm DRIVER DS_TEMPLATE_FILE prepare|release HOST_TEMPLATE_FILE "
            "VMID VMDIR DISK_TEMPLATE_FILE\n"
            "       fsprobe tm-many COUNT DRIVER DS_TEMPLATE_FILE prepare|release "
            "HOST_TEMPLATE_FILE FIRST_VMID VMS_DIR DISK_TEMPLATE_FILE\n"
            "       fsprobe domxml VMID VMDIR VM_TEMPLATE_FILE\n");
    return 2;
}

static int load(nb_tmpl *t, const char *path, char **err)
{
    size_t len;
    char *text = nb_read_file(path, &len), *why = NULL;
    int ret;

    nb_tmpl_init(t);
    if (!text) {
        *err = nb_asprintf("cannot read %s", path);
        return -1;
    }
    ret = nb_tmpl_parse(t, text, len, &why);
    if (ret < 0) {
        *err = nb_asprintf("%s: %s", path, why);
        free(why);
    }
    free(text);
    return ret;
}

static int int_arg(const char *s, int *out, char **err)
{
    if (nb_parse_int(s, out) < 0) {
        *err = nb_asprintf("not a number: %s", s);
        return -1;
    }
    return 0;
}

static int ds_cmd(const nb_ds_ops *ops, void *drv, const nb_drv_ds *ds, int argc, char **argv,
                  char **err)
{
    const char *op = argv[0];
    nb_ds_image img = { 0 };
    nb_ds_capacity cap;
    long long mb;
    int id, ret = -1;

    if (nb_streq(op, "monitor") && argc == 1 && ops->monitor) {
        if ((ret = ops->monitor(drv, ds, &cap, err)) == 0)
            printf("TOTAL_MB=%lld\nFREE_MB=%lld\nUSED_MB=%lld\n", cap.total_mb, cap.free_mb,
                   cap.used_mb);
        return ret;
    }
    if (nb_streq(op, "remove") && argc == 2 && ops->remove)
        return ops->remove(drv, ds, argv[1], err);
    if (nb_streq(op, "import") && argc == 4 && ops->import && int_arg(argv[1], &id, err) == 0)
        ret = ops->import(drv, ds, id, argv[2], argv[3], &img, err);
    else if (nb_streq(op, "mkimage") && (argc == 3 || argc == 4) && ops->mkimage &&
             int_arg(argv[1], &id, err) == 0 && nb_parse_ll(argv[2], &mb) == 0)
        ret = ops->mkimage(drv, ds, id, mb, argc == 4 ? argv[3] : NULL, &img, err);
    else if (nb_streq(op, "clone") && argc == 3 && ops->clone && int_arg(argv[2], &id, err) == 0)
        ret = ops->clone(drv, ds, argv[1], id, &img, err);
    else if (!*err)
        *err = nb_asprintf("unknown or unsupported ds operation: %s", op);
    if (ret == 0)
        printf("SOURCE=%s\nFORMAT=%s\nSIZE=%lld\n", img.source, img.format, img.size_mb);
    nb_ds_image_free(&img);
    return ret;
}

/* One VM's operation, run on a thread of its own by tm-many. */
typedef struct tm_job {
    const nb_tm_ops *ops;
    void *drv;
    const nb_drv_host *h;
    const nb_drv_ds *ds;
    const nb_tattr *disk;
    bool prepare, threaded;
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

/* prepare|release HOST_TEMPLATE_FILE VMID VMDIR DISK_TEMPLATE_FILE for one VM
 * (count 0), or for count VMs at once from VMID on, each in VMDIR/<id>. */
static int tm_cmd(const nb_tm_ops *ops, void *drv, const nb_drv_ds *ds, int count, int argc,
                  char **argv, char **err)
{
    nb_tmpl host_t = NB_TMPL_INIT, disk_t = NB_TMPL_INIT;
    const nb_tattr *disk;
    nb_drv_host h;
    tm_job *jobs = NULL;
    pthread_t *threads = NULL;
    const char *hid;
    size_t n = count ? (size_t)count : 1;
    int ret = -1, first;

    if (argc != 5 || (!nb_streq(argv[0], "prepare") && !nb_streq(argv[0], "release"))) {
        *err = nb_strdup("tm: prepare|release HOST_TEMPLATE_FILE VMID VMDIR DISK_TEMPLATE_FILE");
        goto cleanup;
    }
    if (load(&host_t, argv[1], err) < 0 || int_arg(argv[2], &first, err) < 0 ||
        load(&disk_t, argv[4], err) < 0)
        goto cleanup;
    if (!(disk = nb_tmpl_find(&disk_t, "DISK")) || disk->value) {
        *err = nb_asprintf("%s has no DISK vector", argv[4]);
        goto cleanup;
    }
    /* As the core does: SHARED from the datastore, else the driver's. */
    if (!nb_tattr_get(disk, "SHARED")) {
        const char *ds_shared = nb_tmpl_get(ds->tmpl, "SHARED");
        nb_tattr *d = nb_tmpl_find_vector(&disk_t, "DISK", "DISK_ID",
                                          nb_tattr_get(disk, "DISK_ID"));
        if (d)
            nb_tattr_set(d, "SHARED", ds_shared ? ds_shared : ops->shared ? "YES" : "NO");
    }
    hid = nb_tmpl_get(&host_t, "ID");
    h = (nb_drv_host){ .id = hid ? atoi(hid) : 0, .tmpl = &host_t,
                       .name = nb_tmpl_get(&host_t, "NAME") ?: "host" };
    jobs = nb_calloc(n, sizeof(*jobs));
    threads = nb_calloc(n, sizeof(*threads));
    for (size_t i = 0; i < n; i++) {
        jobs[i] = (tm_job){ .ops = ops, .drv = drv, .h = &h, .ds = ds, .disk = disk,
                            .prepare = nb_streq(argv[0], "prepare"),
                            .vm = { .id = first + (int)i, .tmpl = &disk_t } };
        jobs[i].vm.vm_dir = count ? nb_asprintf("%s/%d", argv[3], first + (int)i)
                                  : nb_strdup(argv[3]);
        jobs[i].threaded = pthread_create(&threads[i], NULL, tm_job_run, &jobs[i]) == 0;
        if (!jobs[i].threaded)
            tm_job_run(&jobs[i]);       /* no thread: in line */
    }
    ret = 0;
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].threaded)
            pthread_join(threads[i], NULL);
        if (jobs[i].rc < 0 && ret == 0) {
            *err = jobs[i].err;
            jobs[i].err = NULL;
            ret = -1;
        }
    }
    for (size_t i = 0; i < n && ret == 0; i++) {
        char *where = nb_drv_disk_source(&jobs[i].vm, disk, 0);
        if (where)
            printf("DISK=%s\n", where);
        free(where);
    }
 cleanup:
    for (size_t i = 0; jobs && i < n; i++) {
        free((char *)jobs[i].vm.vm_dir);
        free(jobs[i].err);
    }
    free(jobs);
    free(threads);
    nb_tmpl_free(&host_t);
    nb_tmpl_free(&disk_t);
    return ret;
}

static int domxml_cmd(int argc, char **argv, char **err)
{
    nb_tmpl t;
    nb_buf xml = NB_BUF_INIT;
    nb_drv_vm vm = { .vm_dir = argc == 4 ? argv[2] : NULL };
    char *console = NULL;
    int ret = -1;

    nb_tmpl_init(&t);
    if (argc != 4 || int_arg(argv[1], &vm.id, err) < 0 || load(&t, argv[3], err) < 0)
        goto cleanup;
    console = nb_asprintf("%s/console.log", vm.vm_dir);
    vm.tmpl = &t;
    nb_domain_opts opts = { .type = "qemu", .console_log = console };
    if ((ret = nb_domain_xml(&vm, &opts, &xml, err)) == 0)
        fputs(xml.data, stdout);
 cleanup:
    nb_tmpl_free(&t);
    nb_buf_free(&xml);
    free(console);
    return ret;
}

int main(int argc, char **argv)
{
    const nb_driver *d = NULL;
    nb_tmpl ds_t;
    nb_drv_ds ds;
    void *drv = NULL;
    char *err = NULL;
    const char *id;
    int ret = 1, tm, count = 0;

    nb_tmpl_init(&ds_t);
    if (argc >= 2 && nb_streq(argv[1], "domxml")) {
        ret = domxml_cmd(argc - 1, argv + 1, &err) == 0 ? 0 : 1;
        goto cleanup;
    }
    /* tm-many COUNT ...: shift COUNT out, then as tm. */
    if (argc >= 3 && nb_streq(argv[1], "tm-many")) {
        if (nb_parse_int(argv[2], &count) < 0 || count < 1)
            return usage();
        argv[2] = argv[1];
        argv++;
        argc--;
    }
    if (argc < 5 || (!nb_streq(argv[1], "ds") && !nb_streq(argv[1], "tm") && !count))
        return usage();
    tm = !nb_streq(argv[1], "ds");
    if (!(d = nb_driver_find(tm ? NB_DRIVER_TM : NB_DRIVER_DS, argv[2]))) {
        err = nb_asprintf("no %s driver \"%s\"", argv[1], argv[2]);
        goto cleanup;
    }
    if (load(&ds_t, argv[3], &err) < 0)
        goto cleanup;
    id = nb_tmpl_get(&ds_t, "ID");
    ds = (nb_drv_ds){ .id = id ? atoi(id) : 0, .name = nb_tmpl_get(&ds_t, "NAME"),
                      .base_path = nb_tmpl_get(&ds_t, "BASE_PATH"), .tmpl = &ds_t };
    if (tm) {
        const nb_tm_ops *ops = d->ops;
        if (ops->init(NULL, &drv, &err) == 0) {
            ret = tm_cmd(ops, drv, &ds, count, argc - 4, argv + 4, &err) == 0 ? 0 : 1;
            ops->fini(drv);
        }
    } else {
        const nb_ds_ops *ops = d->ops;
        if (ops->init(NULL, &drv, &err) == 0) {
            ret = ds_cmd(ops, drv, &ds, argc - 4, argv + 4, &err) == 0 ? 0 : 1;
            ops->fini(drv);
        }
    }
 cleanup:
    if (ret)
        fprintf(stderr, "fsprobe: %s\n", err ? err : "failed");
    free(err);
    nb_tmpl_free(&ds_t);
    return ret;
}
