/*
 * drvload.h: what the programs that drive storage drivers outside oned
 * share (nbds, the Ceph clone benchmark): templates from files, and a
 * registered DS or TM driver started as oned would start it.
 */
#ifndef NB_TESTS_TOOLS_DRVLOAD_H
#define NB_TESTS_TOOLS_DRVLOAD_H

#include "drivers/datastore.h"
#include "drivers/driver.h"

/* Parse template file path into t (initialised here); -1 with *err. */
int drv_tmpl_file(const char *path, nb_tmpl *t, char **err);

/* The ops of driver name of class cls (NB_DRIVER_DS or NB_DRIVER_TM),
 * initialised with the template in file $NBDS_CONF when set (the driver's
 * section of oned.conf), its instance in *drv.  -1 with *err. */
int drv_start(enum nb_driver_class cls, const char *name, const void **ops, void **drv,
              char **err);

/* A datastore from its template t: ID, NAME and BASE_PATH are read from it
 * (ID 0 and NAME "ds" when absent). */
void drv_ds_of(const nb_tmpl *t, nb_drv_ds *ds);

#endif
