#include "drivers/vmm.h"

#include <stdlib.h>
#include <string.h>
#include "lib/util.h"

void nb_im_report_init(nb_im_report *r)
{
    memset(r, 0, sizeof(*r));
    nb_tmpl_init(&r->info);
}

void nb_im_report_free(nb_im_report *r)
{
    for (size_t i = 0; i < r->nvms; i++)
        free(r->vms[i].deploy_id);
    free(r->vms);
    nb_tmpl_free(&r->info);
    nb_im_report_init(r);
}

/* Empty members count as absent, as in OpenNebula's driver. */
static const char *nb_drv_member(const nb_tattr *v, const char *name)
{
    const char *s = nb_tattr_get(v, name);
    return s && *s ? s : NULL;
}

const char *nb_drv_disk_prefix(const nb_tattr *disk)
{
    const char *prefix = nb_drv_member(disk, "DEV_PREFIX");
    const char *type = nb_drv_member(disk, "TYPE");

    if (prefix)
        return prefix;
    return type && (nb_strcaseeq(type, "CDROM") || nb_strcaseeq(type, "RBD_CDROM")) ? "hd"
                                                                                    : "vd";
}

char *nb_drv_disk_name(const char *prefix, size_t idx)
{
    char letters[16];
    size_t n = sizeof(letters) - 1;

    letters[n] = '\0';
    for (;;) {
        letters[--n] = (char)('a' + idx % 26);
        if (idx < 26)
            break;
        idx = idx / 26 - 1;
    }
    return nb_asprintf("%s%s", prefix, letters + n);
}

char *nb_drv_disk_target(const nb_tattr *disk, size_t idx)
{
    const char *target = nb_drv_member(disk, "TARGET");
    return target ? nb_strdup(target) : nb_drv_disk_name(nb_drv_disk_prefix(disk), idx);
}
