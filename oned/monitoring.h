/*
 * monitoring.h: monitoring history (reference §2.7, §2.10).  Every host
 * report leaves one sample per host and one per VM it lists, kept in the
 * store's sample tables (store.h) for HOST_/VM_MONITORING_EXPIRATION_TIME
 * seconds and served by one.{host,hostpool,vm,vmpool}.monitoring as
 * <MONITORING_DATA><MONITORING>...</MONITORING>...</MONITORING_DATA>.
 *
 * The sample documents and the time arithmetic are pure (below); writes go
 * with the report's transaction (engine.c, nb_txn_sample), expiry runs from
 * the monitoring clock (nb_mon_expire), reads are in api_monitoring.c.
 */
#ifndef NB_MONITORING_H
#define NB_MONITORING_H

#include <stdbool.h>
#include "lib/buf.h"
#include "drivers/vmm.h"
#include "oned/model.h"

/* The MONITORING sample of VM vmid taken at ts, as OpenNebula writes it:
 * CPU, DISKRDBYTES, DISKWRBYTES, ID, MEMORY, NETRX, NETTX, TIMESTAMP.  (A
 * host's sample is its MONITORING element, nb_host_monitoring_to_xml.) */
void nb_mon_vm_sample(nb_buf *b, int vmid, long long ts, const nb_drv_vm_usage *u);

/* Which samples a `seconds` argument asks for at time now: 0 the newest of
 * each object (*last_only), N > 0 those of the last N seconds, negative all
 * of them.  *since: the oldest timestamp wanted. */
void nb_mon_window(long long seconds, long long now, long long *since, bool *last_only);

/* Samples taken before the returned time have expired, with `expiration`
 * seconds of retention (0: every sample has). */
long long nb_mon_cutoff(long long now, long long expiration);

/* Rows deleted per expiry transaction: small, so that the writer is never
 * held for long. */
#define NB_MON_EXPIRE_BATCH 1000

/* Delete the expired samples of both kinds at time now, batch after batch,
 * each its own transaction, at most max_batches per kind (the rest goes
 * next time: a stop never waits for a long backlog).  Returns how many
 * went, or -1 (logged). */
long long nb_mon_expire(nb_model *m, long long now, int max_batches);

#endif
