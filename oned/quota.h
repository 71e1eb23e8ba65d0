/*
 * quota.h: quota arithmetic (reference §10.1), pure: limits, usage, checks
 * and the XML of quota entries.  The first half serves every entry kind
 * (VM's, a DATASTORE's: quota_ds.h); the second is the VM_QUOTA block.
 * Callers keep one per user and per group and charge both in the
 * transaction that changes what they count.
 *
 * A limit is -1 (use the default quota), -2 (unlimited) or >= 0.  A default
 * that is itself -1 or -2, or not set, means unlimited.
 */
#ifndef NB_QUOTA_H
#define NB_QUOTA_H

#include <stdbool.h>
#include "lib/buf.h"
#include "lib/template.h"

#define NB_QUOTA_DEFAULT (-1.0)
#define NB_QUOTA_UNLIMITED (-2.0)

struct _xmlNode;

/* ---- any entry: metrics[i] has limit[i] and used[i] ------------------------ */

typedef struct nb_quota_shape {
    const char *const *metrics;     /* "VMS", "CPU", ...: the limits' names */
    int n;
} nb_quota_shape;

/*
 * May an entry with `limit` and `used` (NULL: no entry yet, limits -1 and
 * nothing used) take delta more, with `defaults` (a default entry's limits,
 * NULL for none) where a limit is -1?  Returns 0, or -1 with *failed and
 * *limit set to the first metric exceeded.  Only positive deltas are checked.
 */
int nb_quota_entry_check(const nb_quota_shape *s, const double *limit, const double *used,
                         const double *defaults, const double *delta, int *failed,
                         double *limit_hit);
/* used += sign * delta, never below 0. */
void nb_quota_entry_charge(const nb_quota_shape *s, double *used, const double *delta, int sign);
/* Limits of a fresh entry: all -1, nothing used. */
void nb_quota_entry_init(const nb_quota_shape *s, double *limit, double *used);
/* Set the limits named in vector v (other members are ignored).  Returns -1
 * with *err on a bad value; limit is then partly written, so callers work on
 * a copy. */
int nb_quota_entry_set(const nb_quota_shape *s, double *limit, const nb_tattr *v, char **err);
/* Every limit and its _USED companion, CDATA, in the shape's order. */
void nb_quota_entry_to_xml(const nb_quota_shape *s, const double *limit, const double *used,
                           nb_buf *b);
/* Read them back from an entry element; -1 with *err (naming `block`) when
 * one is missing or not a number. */
int nb_quota_entry_from_xml(const nb_quota_shape *s, const struct _xmlNode *entry,
                            const char *block, double *limit, double *used, char **err);

/* ---- VM_QUOTA ---------------------------------------------------------------- */

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
int nb_quota_from_xml(nb_vm_quota *q, const struct _xmlNode *parent, char **err);

#endif
