/*
 * quota.h: VM quotas (reference §10.1), the arithmetic only: limits, usage,
 * checks and the XML of a VM_QUOTA block.  Pure: callers keep one per user
 * and per group and charge both in the transaction that changes the VMs.
 *
 * A limit is -1 (use the default quota), -2 (unlimited) or >= 0.  A default
 * that is itself -1 or -2, or not set, means unlimited.
 */
#ifndef NB_QUOTA_H
#define NB_QUOTA_H

#include <stdbool.h>
#include "lib/buf.h"
#include "lib/template.h"

enum nb_vmq {
    NB_VMQ_VMS,
    NB_VMQ_CPU,
    NB_VMQ_MEMORY,
    NB_VMQ_SYSTEM_DISK_SIZE,
    NB_VMQ_RUNNING_VMS,
    NB_VMQ_RUNNING_CPU,
    NB_VMQ_RUNNING_MEMORY,
    NB_VMQ_COUNT
};

#define NB_QUOTA_DEFAULT (-1.0)
#define NB_QUOTA_UNLIMITED (-2.0)

typedef struct nb_vm_quota {
    bool set;                       /* an entry exists (else VM_QUOTA is empty) */
    double limit[NB_VMQ_COUNT];
    double used[NB_VMQ_COUNT];
} nb_vm_quota;

/* What a VM takes: VMS 1, CPU, MEMORY (MB), SYSTEM_DISK_SIZE (MB of its
 * volatile and system disks); the RUNNING_* twins only when `running`. */
void nb_quota_demand(const nb_tmpl *vm_tmpl, bool running, double out[NB_VMQ_COUNT]);

/*
 * May q (with `defaults` for -1 limits, NULL for none) take delta more?
 * Returns 0, or -1 with *failed and *limit set to the first limit exceeded.
 */
int nb_quota_check(const nb_vm_quota *q, const nb_vm_quota *defaults,
                   const double delta[NB_VMQ_COUNT], enum nb_vmq *failed, double *limit);
/* used += sign * delta (the entry appears on first use, limits -1). */
void nb_quota_charge(nb_vm_quota *q, const double delta[NB_VMQ_COUNT], int sign);

/* Apply "VM = [ VMS = 4, CPU = 2, ... ]" from a quota template (one.user.quota):
 * named limits change, others stay.  Returns -1 with *err on a bad value. */
int nb_quota_set(nb_vm_quota *q, const nb_tmpl *t, char **err);

const char *nb_quota_name(enum nb_vmq m);

/* <VM_QUOTA> with its VM entry (every limit and _USED, CDATA), or empty. */
void nb_quota_to_xml(const nb_vm_quota *q, nb_buf *b);
/* Read what nb_quota_to_xml wrote below node (VM_QUOTA's parent).
 * Returns -1 with *err on malformed values. */
struct _xmlNode;
int nb_quota_from_xml(nb_vm_quota *q, const struct _xmlNode *parent, char **err);

#endif
