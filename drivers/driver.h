/*
 * driver.h: how drivers plug into oned.
 *
 * A driver is an ops table (a struct of function pointers) of one class,
 * registered under the name templates use (VM_MAD = "kvm", DS_MAD = "ceph",
 * VN_MAD = "bridge", ...).  Each class's ops struct lives in that class's
 * header (drivers/vmm.h, drivers/datastore.h, ... as the classes arrive);
 * oned looks drivers up by class and name and treats a NULL slot as
 * "operation not supported", as libvirt does with its driver tables.
 *
 * Registration needs no core file: a driver's source file declares
 *
 *     static const nb_vmm_ops kvm_ops = { .deploy = kvm_deploy, ... };
 *     static const nb_driver kvm_driver = {
 *         .cls = NB_DRIVER_VMM, .name = "kvm", .abi = NB_DRIVER_ABI, .ops = &kvm_ops,
 *     };
 *     NB_DRIVER_REGISTER(kvm_driver);
 *
 * which places a pointer to it in the "nb_drivers" section of the binary;
 * the registry walks that section.  Driver objects are linked into oned
 * directly (not through a static library, whose unreferenced members the
 * linker would drop).
 */
#ifndef NB_DRIVER_H
#define NB_DRIVER_H

#include <stddef.h>

/* Bumped whenever an ops struct changes incompatibly. */
#define NB_DRIVER_ABI 1

enum nb_driver_class {
    NB_DRIVER_VMM,      /* hypervisor: deploy, shutdown, migrate, ... (VM_MAD) */
    NB_DRIVER_IM,       /* host monitoring (IM_MAD) */
    NB_DRIVER_DS,       /* datastore: images (DS_MAD) */
    NB_DRIVER_TM,       /* transfer: VM disks on hosts (TM_MAD) */
    NB_DRIVER_NET,      /* virtual networks and security groups (VN_MAD) */
    NB_DRIVER_CLASSES
};

typedef struct nb_driver {
    enum nb_driver_class cls;
    const char *name;
    unsigned abi;           /* NB_DRIVER_ABI the driver was built against */
    const void *ops;        /* the class's ops struct */
} nb_driver;

#define NB_DRIVER_REGISTER(var) \
    static const nb_driver *const nb_driver_entry_##var \
    __attribute__((used, section("nb_drivers"), aligned(sizeof(void *)))) = &(var)

/* The driver of that class and name, or NULL (unknown name, or built for
 * another ABI). */
const nb_driver *nb_driver_find(enum nb_driver_class cls, const char *name);
/* Visit every registered driver of a class, in link order. */
void nb_driver_foreach(enum nb_driver_class cls, void (*fn)(const nb_driver *d, void *ctx),
                       void *ctx);
const char *nb_driver_class_name(enum nb_driver_class cls);

#endif
