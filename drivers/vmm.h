/*
 * vmm.h: the hypervisor (VM_MAD) and host monitoring (IM_MAD) driver
 * classes.
 *
 * Operations are synchronous and run on oned's worker threads, never on a
 * thread that holds the model: they get copies of what they need (host and
 * VM templates) and report a result the core turns into a lifecycle event.
 * Several calls of one driver may run at once, for different VMs or hosts;
 * a driver serialises what its hypervisor connection needs itself.
 *
 * A NULL slot means "not supported by this driver": the core fails the
 * step with a clear message instead of calling it.
 */
#ifndef NB_DRIVERS_VMM_H
#define NB_DRIVERS_VMM_H

#include <stdbool.h>
#include "lib/template.h"

/* A host as drivers see it. */
typedef struct nb_drv_host {
    int id;
    const char *name;           /* HOSTNAME, also %h in URI templates */
    const nb_tmpl *tmpl;        /* host TEMPLATE: LIBVIRT_URI, ... */
} nb_drv_host;

/* A VM as drivers see it. */
typedef struct nb_drv_vm {
    int id;
    const char *deploy_id;      /* domain name once deployed ("one-<id>"), else NULL */
    const nb_tmpl *tmpl;        /* the VM's TEMPLATE (CPU, MEMORY, DISK, NIC, OS, ...) */
    const char *vm_dir;         /* its directory on the host (disks, checkpoint) */
    const nb_tmpl *user_tmpl;   /* its USER_TEMPLATE: driver-specific settings users give */
} nb_drv_vm;

/* What an operation reports; the core frees both strings. */
typedef struct nb_drv_result {
    char *deploy_id;            /* deploy: the name the hypervisor knows the VM by */
    char *error;                /* failure: why, for the VM's USER_TEMPLATE/ERROR */
} nb_drv_result;

/*
 * Hypervisor operations: 0 on success, -1 with r->error set.  `drv` is what
 * init returned.  Hotplug operations get the vector being added or removed
 * (DISK, NIC) or the new CPU/VCPU/MEMORY in the VM template.
 */
typedef struct nb_vmm_ops {
    /* Driver-wide set-up from oned.conf's VM_MAD = [ NAME = ..., ... ]. */
    int (*init)(const nb_tmpl *conf, void **drv, char **err);
    void (*fini)(void *drv);

    int (*deploy)(void *drv, const nb_drv_host *h, const nb_drv_vm *vm, nb_drv_result *r);
    int (*shutdown)(void *drv, const nb_drv_host *h, const nb_drv_vm *vm, nb_drv_result *r);
    int (*cancel)(void *drv, const nb_drv_host *h, const nb_drv_vm *vm, nb_drv_result *r);
    int (*reboot)(void *drv, const nb_drv_host *h, const nb_drv_vm *vm, nb_drv_result *r);
    int (*reset)(void *drv, const nb_drv_host *h, const nb_drv_vm *vm, nb_drv_result *r);
    int (*save)(void *drv, const nb_drv_host *h, const nb_drv_vm *vm, nb_drv_result *r);
    int (*restore)(void *drv, const nb_drv_host *h, const nb_drv_vm *vm, nb_drv_result *r);
    int (*cleanup)(void *drv, const nb_drv_host *h, const nb_drv_vm *vm, nb_drv_result *r);
    /* Live migration from h to `to`. */
    int (*migrate)(void *drv, const nb_drv_host *h, const nb_drv_host *to, const nb_drv_vm *vm,
                   nb_drv_result *r);
    int (*attach_disk)(void *drv, const nb_drv_host *h, const nb_drv_vm *vm,
                       const nb_tattr *disk, nb_drv_result *r);
    int (*detach_disk)(void *drv, const nb_drv_host *h, const nb_drv_vm *vm,
                       const nb_tattr *disk, nb_drv_result *r);
    int (*attach_nic)(void *drv, const nb_drv_host *h, const nb_drv_vm *vm,
                      const nb_tattr *nic, nb_drv_result *r);
    int (*detach_nic)(void *drv, const nb_drv_host *h, const nb_drv_vm *vm,
                      const nb_tattr *nic, nb_drv_result *r);
    int (*resize)(void *drv, const nb_drv_host *h, const nb_drv_vm *vm, nb_drv_result *r);
    int (*snapshot_create)(void *drv, const nb_drv_host *h, const nb_drv_vm *vm,
                           const char *name, nb_drv_result *r);
    int (*snapshot_revert)(void *drv, const nb_drv_host *h, const nb_drv_vm *vm,
                           const char *name, nb_drv_result *r);
    int (*snapshot_delete)(void *drv, const nb_drv_host *h, const nb_drv_vm *vm,
                           const char *name, nb_drv_result *r);
} nb_vmm_ops;

/*
 * Disk device names, shared by oned (which pins them in the template when
 * disks are hotplugged) and the drivers (which name disks that have none):
 * DEV_PREFIX, else "hd" for CD-ROMs (never virtio) and "vd" otherwise,
 * then the letters of a position as libvirt counts them (a..z, aa, ab...).
 */
const char *nb_drv_disk_prefix(const nb_tattr *disk);
char *nb_drv_disk_name(const char *prefix, size_t idx);
/* TARGET of the DISK at position idx: its own, else the default name. */
char *nb_drv_disk_target(const nb_tattr *disk, size_t idx);

/* What a VM looks like on its host. */
enum nb_drv_vm_state {
    NB_DRV_VM_RUNNING,
    NB_DRV_VM_POWEROFF,
    NB_DRV_VM_SUSPENDED,
    NB_DRV_VM_FAILURE,
};

typedef struct nb_drv_vm_usage {
    int id;                     /* the VM id its name carries, -1 for foreign domains */
    char *deploy_id;
    enum nb_drv_vm_state state;
    double cpu;                 /* percent of one core */
    long long memory_kb;
    long long netrx, nettx;     /* bytes */
    long long disk_rd, disk_wr; /* bytes */
} nb_drv_vm_usage;

/* One monitoring sample of a host. */
typedef struct nb_im_report {
    long long total_cpu;        /* percent of one core times cores (4 cores = 400) */
    long long used_cpu;
    long long total_mem_kb;
    long long used_mem_kb;
    nb_tmpl info;               /* ARCH, MODELNAME, CPUSPEED, HYPERVISOR, VERSION, ... */
    nb_drv_vm_usage *vms;       /* domains on the host */
    size_t nvms;
    /* vms lists every domain on the host, so a VM it leaves out is gone.  A
     * driver that cannot know (the dummy after a restart) leaves it false,
     * and VMs it does not list keep their state. */
    bool full;
} nb_im_report;

/* The caller inits the report before monitor() and frees it afterwards,
 * whether monitor() succeeded or not. */
void nb_im_report_init(nb_im_report *r);
void nb_im_report_free(nb_im_report *r);

/* Host monitoring; `watch`, when present, reports VM state changes as they
 * happen (libvirt lifecycle events), polling being the fallback. */
typedef struct nb_im_ops {
    int (*init)(const nb_tmpl *conf, void **drv, char **err);
    void (*fini)(void *drv);
    int (*monitor)(void *drv, const nb_drv_host *h, nb_im_report *out, char **err);
    int (*watch)(void *drv, const nb_drv_host *h,
                 void (*changed)(void *ctx, int host_id, const char *deploy_id,
                                 enum nb_drv_vm_state state),
                 void *ctx, char **err);
} nb_im_ops;

#endif
