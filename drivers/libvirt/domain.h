/*
 * domain.h: the libvirt domain XML of a VM, generated from its TEMPLATE
 * (reference §8.4).  Pure: no libvirt calls, no I/O, so it is unit-tested
 * against golden files and fuzzed.
 */
#ifndef NB_LIBVIRT_DOMAIN_H
#define NB_LIBVIRT_DOMAIN_H

#include "lib/buf.h"
#include "drivers/vmm.h"

/* Host-side settings the template does not carry. */
typedef struct nb_domain_opts {
    const char *type;           /* <domain type=...>: "qemu" (TCG, NULL) or "kvm" */
    const char *emulator;       /* path, NULL: libvirt's default */
    const char *console_log;    /* serial console to this file, NULL: a pty */
} nb_domain_opts;

/*
 * Append the <domain> document of vm (named vm->deploy_id or "one-<id>")
 * to out; opts NULL means all defaults.  From the template: CPU/VCPU/MEMORY,
 * OS (incl. direct kernel boot KERNEL, INITRD, KERNEL_CMD, ROOT), FEATURES,
 * DISK (SOURCE/PATH files, TYPE, DRIVER, TARGET, DEV_PREFIX, CACHE,
 * READONLY), NIC (BRIDGE, MAC, MODEL, TARGET),
 * GRAPHICS (VNC/SPICE: LISTEN, PORT, PASSWD, KEYMAP), the serial console
 * and RAW (TYPE=kvm, DATA appended verbatim inside <domain>).  Every value
 * is XML-escaped.  Returns 0, or -1 with *err (malloc'd; err may be NULL)
 * naming the attribute that cannot be turned into XML (e.g. MEMORY is not a
 * number, RAW DATA is not well-formed), out then left as it was.
 */
int nb_domain_xml(const nb_drv_vm *vm, const nb_domain_opts *opts, nb_buf *out, char **err);

/*
 * One device for hotplug, written exactly as nb_domain_xml writes it in
 * <devices>: the <disk> of DISK vector disk, or the <interface> of NIC
 * vector nic (both pointers into vm->tmpl, whose other vectors give their
 * position).  The disk may fail as nb_domain_xml does (no SOURCE).
 */
int nb_domain_disk_xml(const nb_drv_vm *vm, const nb_tattr *disk, nb_buf *out, char **err);
void nb_domain_nic_xml(const nb_drv_vm *vm, const nb_tattr *nic, nb_buf *out);

#endif
