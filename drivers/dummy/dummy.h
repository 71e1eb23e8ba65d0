/*
 * dummy.h: the dummy drivers' simulated hypervisor, beyond the ops tables.
 *
 * VM_MAD "dummy" and IM_MAD "dummy" (drivers/dummy/dummy.c) share one
 * in-memory record of the domains on each host, alive while an instance of
 * either driver is (from the first init to the last fini).  Tests use this
 * to change a domain the way a guest or an administrator would, without
 * oned asking, and then see what the next monitor() reports.
 */
#ifndef NB_DRIVERS_DUMMY_H
#define NB_DRIVERS_DUMMY_H

#include "drivers/vmm.h"

/* Set the state of VM vm_id's domain on host host_id (the guest powered
 * itself off, someone paused it, it crashed).  0, or -1 if there is no such
 * domain. */
int nb_dummy_set_state(int host_id, int vm_id, enum nb_drv_vm_state state);

#endif
