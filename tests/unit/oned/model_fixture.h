/*
 * model_fixture.h: a bootstrapped model on a temporary SQLite store, for unit
 * tests of the daemon's modules.  oneadmin's password is "secret"; password
 * hashing is cheap (1000 rounds) so tests stay fast.
 */
#ifndef NB_TEST_MODEL_FIXTURE_H
#define NB_TEST_MODEL_FIXTURE_H

#include "oned/config.h"
#include "oned/layout.h"
#include "oned/model.h"
#include "oned/store.h"

#define NB_TEST_HASH_ITERATIONS 1000

typedef struct nb_test_model {
    char dir[64];
    nb_layout layout;
    nb_config cfg;
    nb_store store;
    nb_model model;
} nb_test_model;

/* 0, or -1 with the reason printed.  tag names the temporary directory. */
int nb_test_model_init(nb_test_model *t, const char *tag);
/* Close everything and remove the directory. */
void nb_test_model_fini(nb_test_model *t);

#endif
