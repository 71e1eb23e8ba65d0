#include "drivers/datastore.h"

#include <stdlib.h>
#include "lib/util.h"

void nb_ds_image_free(nb_ds_image *img)
{
    free(img->source);
    free(img->format);
    img->source = img->format = NULL;
}

/* Empty members count as absent. */
static const char *member(const nb_tattr *v, const char *name)
{
    const char *s = nb_tattr_get(v, name);
    return s && *s ? s : NULL;
}

static bool is_rbd(const nb_tattr *disk)
{
    const char *type = member(disk, "TYPE");
    return type && (nb_strcaseeq(type, "RBD") || nb_strcaseeq(type, "RBD_CDROM"));
}

static bool is_clone(const nb_tattr *disk)
{
    const char *clone = member(disk, "CLONE");
    return clone && nb_strcaseeq(clone, "YES");
}

char *nb_drv_disk_source(const nb_drv_vm *vm, const nb_tattr *disk, size_t idx)
{
    const char *source = member(disk, "SOURCE");
    const char *shared = member(disk, "SHARED");
    const char *id = member(disk, "DISK_ID");

    if (!member(disk, "IMAGE_ID")) {
        source = source ? source : member(disk, "PATH");
        return source ? nb_strdup(source) : NULL;
    }
    if (!source)
        return NULL;
    if (is_rbd(disk))
        return is_clone(disk) ? id ? nb_asprintf("%s-%d-%s", source, vm->id, id)
                                   : nb_asprintf("%s-%d-%zu", source, vm->id, idx)
                              : nb_strdup(source);
    if (!is_clone(disk) && !(shared && nb_strcaseeq(shared, "NO")))
        return nb_strdup(source);
    return id ? nb_asprintf("%s/disk.%s", vm->vm_dir ? vm->vm_dir : "", id)
              : nb_asprintf("%s/disk.%zu", vm->vm_dir ? vm->vm_dir : "", idx);
}

bool nb_drv_ds_shared(const nb_tmpl *ds_tmpl, const nb_tm_ops *tm)
{
    const char *s = nb_tmpl_get(ds_tmpl, "SHARED");
    return s && *s ? nb_strcaseeq(s, "YES") : !tm || tm->shared;
}

const char *nb_drv_disk_format(const nb_tattr *disk)
{
    const char *f;

    if (member(disk, "IMAGE_ID") && !is_rbd(disk) && is_clone(disk))
        return "qcow2";
    f = member(disk, "DRIVER");
    f = f ? f : member(disk, "FORMAT");
    return f ? f : "raw";
}
