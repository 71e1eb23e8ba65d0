/*
 * acct.h: the showback records oned keeps (reference §10.3).
 *
 * one.vmpool.calculateshowback computes them from the VM pool (showback.h
 * does the arithmetic), writes them to the store's showback table (the
 * months it covers replaced, in one store transaction) and publishes them
 * in memory, where one.vmpool.showback reads them under the model's read
 * lock like any listing.  Each record keeps the SHOWBACK document written
 * at calculation time, as OpenNebula's table row does.
 */
#ifndef NB_ACCT_H
#define NB_ACCT_H

#include <stddef.h>
#include "oned/model.h"

typedef struct nb_showback_row {
    int vmid;
    int month;          /* showback.h month index */
    char *body;         /* <SHOWBACK>...</SHOWBACK> */
    size_t len;
} nb_showback_row;

/* Sorted by (month, vmid). */
typedef struct nb_showback_set {
    nb_showback_row *rows;
    size_t n;
} nb_showback_set;

/* Read the showback table into m (start-up); 0, or -1 with *err. */
int nb_acct_load(nb_model *m, char **err);
void nb_acct_free(nb_model *m);

/* The month of the earliest placement of any VM, -1 when none ever ran. */
int nb_acct_first_month(const nb_model *m);

/*
 * Recompute the records of months first..last (indexes) from the VM pool,
 * stays still open counted up to now: store them, replacing those months'
 * rows, then publish them.  The caller is the writer (a write method: the
 * pools are stable and the store is its own).  Returns 0, or -1 with *err
 * and nothing changed.
 */
int nb_acct_calculate(nb_model *m, int first, int last, long long now, char **err);

#endif
