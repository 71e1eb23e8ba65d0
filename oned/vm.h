/*
 * vm.h: the VM object (reference §3.10).  Owned; its phase (STATE,
 * LCM_STATE) only changes through lifecycle.h moves.  Each stay on a host
 * is a HISTORY record; the last one says where the VM is.
 *
 * TEMPLATE holds what oned interprets (CPU, MEMORY, DISK, NIC, OS, ...),
 * USER_TEMPLATE the rest (SCHED_*, labels, ERROR, SCHED_MESSAGE): the split
 * is made once, at allocation.
 */
#ifndef NB_VM_H
#define NB_VM_H

#include "oned/lifecycle.h"
#include "oned/object.h"

typedef struct nb_vm_history {
    int seq;
    int hid;                    /* host */
    int cid;                    /* its cluster */
    int ds_id;                  /* system datastore */
    char *hostname;
    char *vm_mad;
    char *tm_mad;
    long long stime, etime;     /* on the host */
    long long pstime, petime;   /* prolog */
    long long rstime, retime;   /* running */
    long long estime, eetime;   /* epilog */
    int action;                 /* VMActions code that closed it (nb_vm_action_code) */
    int uid, gid, req_id;       /* who asked */
} nb_vm_history;

typedef struct nb_vm {
    nb_object o;
    nb_vm_phase phase;
    nb_vm_phase prev;
    int resched;
    long long stime, etime;
    long long last_poll;
    char *deploy_id;            /* "" until deployed */
    enum nb_vm_step pending;    /* driver step in flight, NB_STEP_NONE if none */
    nb_tmpl user_tmpl;          /* USER_TEMPLATE (o.tmpl is TEMPLATE) */
    nb_vm_history *history;     /* oldest first */
    size_t nhistory;
    /* Last monitoring sample (MONITORING). */
    double mon_cpu;
    long long mon_memory_kb, mon_netrx, mon_nettx;
    /* The short document as one.vmpool.info sends it, rendered at the first
     * listing (vm.c); never stored, never copied with the object. */
    struct vm_short_doc *short_doc;
} nb_vm;

extern const nb_kind nb_vm_kind;

static inline nb_vm *nb_vm_of(nb_object *o) { return (nb_vm *)o; }
static inline const nb_vm *nb_vm_cof(const nb_object *o) { return (const nb_vm *)o; }

/* The current placement, or NULL when the VM never ran. */
const nb_vm_history *nb_vm_last_history(const nb_vm *vm);
/* Append a record: SEQ = previous + 1 (0 first), STIME = PSTIME = now, the
 * other times 0, ACTION 0, UID/GID/REQUEST_ID -1.  Returns the new record;
 * pointers to earlier records are invalidated (the array may move). */
nb_vm_history *nb_vm_open_history(nb_vm *vm, int hid, int cid, int ds_id, const char *hostname,
                                  const char *vm_mad, const char *tm_mad, long long now);

/* HISTORY record i as one.vmpool.accounting returns it (reference §10.2):
 * its members, then the VM's full document without HISTORY_RECORDS, as
 * OpenNebula keeps the VM in each row of its history table.  (OpenNebula's
 * copy is the VM as it was when the record was last written; this one is
 * the VM as it is now.) */
void nb_vm_history_acct_to_xml(const nb_vm *vm, size_t i, nb_buf *b, const nb_model *m);
/* What a VM of template t takes from its host: CPU in percent of a core,
 * memory in KB (both 0 for NULL). */
void nb_vm_host_demand(const nb_tmpl *t, long long *cpu, long long *mem_kb);

/* Split an allocation template into TEMPLATE (attributes oned interprets)
 * and USER_TEMPLATE (everything else), as OpenNebula does.  Attributes are
 * appended to what tmpl and user hold.  NAME and TEMPLATE_NAME go to
 * neither: they name the VM (the caller reads them from `in`). */
/* A number (CPU) as the VM document writes it: the shortest decimal that
 * reads back as v, "3.0", "12.5", "0.25".  Returns its length. */
size_t nb_vm_fmt_double(char out[40], double v);

void nb_vm_split_template(const nb_tmpl *in, nb_tmpl *tmpl, nb_tmpl *user);

#endif
