#define _GNU_SOURCE
#include "tests/unit/oned/model_fixture.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "oned/bootstrap.h"

static int nb_rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(p);
}

int nb_test_model_init(nb_test_model *t, const char *tag)
{
    char *auth_file, *err = NULL;
    FILE *fp;

    memset(t, 0, sizeof(*t));
    snprintf(t->dir, sizeof(t->dir), "/tmp/nb-test-%s-XXXXXX", tag);
    if (!mkdtemp(t->dir))
        return -1;
    auth_file = nb_asprintf("%s/one_auth", t->dir);
    if (!(fp = fopen(auth_file, "w")))
        return -1;
    fputs("oneadmin:secret\n", fp);
    fclose(fp);
    setenv("ONE_LOCATION", t->dir, 1);
    setenv("ONE_AUTH", auth_file, 1);
    free(auth_file);
    nb_layout_init(&t->layout);
    if (nb_mkdir_p(t->layout.var_dir, 0700) < 0)
        return -1;
    nb_config_defaults(&t->cfg);
    t->cfg.pbkdf2_iterations = NB_TEST_HASH_ITERATIONS;
    if (nb_store_open(&t->store, &nb_store_sqlite_ops, t->layout.db_file, &err) < 0 ||
        nb_model_open(&t->model, &t->store, &t->cfg, &err) < 0 ||
        nb_bootstrap(&t->model, &t->layout, &err) < 0) {
        fprintf(stderr, "model fixture: %s\n", err ? err : "?");
        free(err);
        return -1;
    }
    return 0;
}

void nb_test_model_fini(nb_test_model *t)
{
    nb_model_close(&t->model);
    nb_store_close(&t->store);
    nb_config_free(&t->cfg);
    nftw(t->dir, nb_rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    nb_layout_free(&t->layout);
}
