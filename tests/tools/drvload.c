#include "tests/tools/drvload.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/util.h"

int drv_tmpl_file(const char *path, nb_tmpl *t, char **err)
{
    size_t len = 0;
    char *text = nb_read_file(path, &len), *why = NULL;
    int rc = -1;

    nb_tmpl_init(t);
    if (!text) {
        *err = nb_asprintf("cannot read %s: %s", path, strerror(errno));
        goto cleanup;
    }
    if (nb_tmpl_parse(t, text, len, &why) < 0) {
        *err = nb_asprintf("%s: %s", path, why);
        goto cleanup;
    }
    rc = 0;
cleanup:
    free(text);
    free(why);
    return rc;
}

int drv_start(enum nb_driver_class cls, const char *name, const void **ops, void **drv,
              char **err)
{
    const nb_driver *d = nb_driver_find(cls, name);
    const char *conf_path = getenv("NBDS_CONF");
    nb_tmpl conf;
    char *why = NULL;
    int rc = -1, (*init)(const nb_tmpl *, void **, char **);

    nb_tmpl_init(&conf);
    if (!d) {
        *err = nb_asprintf("no %s driver \"%s\"", nb_driver_class_name(cls), name);
        goto cleanup;
    }
    if (conf_path && *conf_path && drv_tmpl_file(conf_path, &conf, err) < 0)
        goto cleanup;
    init = cls == NB_DRIVER_DS ? ((const nb_ds_ops *)d->ops)->init
                               : ((const nb_tm_ops *)d->ops)->init;
    *drv = NULL;
    if (init && init(&conf, drv, &why) < 0) {
        *err = nb_asprintf("%s driver %s: init: %s", nb_driver_class_name(cls), name, why);
        goto cleanup;
    }
    *ops = d->ops;
    rc = 0;
cleanup:
    nb_tmpl_free(&conf);
    free(why);
    return rc;
}

void drv_ds_of(const nb_tmpl *t, nb_drv_ds *ds)
{
    const char *id = nb_tmpl_get(t, "ID");
    const char *name = nb_tmpl_get(t, "NAME");

    *ds = (nb_drv_ds){ .id = 0, .name = name ? name : "ds",
                       .base_path = nb_tmpl_get(t, "BASE_PATH"), .tmpl = t };
    if (id)
        nb_parse_int(id, &ds->id);
}
