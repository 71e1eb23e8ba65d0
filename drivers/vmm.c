#include "drivers/vmm.h"

#include <stdlib.h>
#include <string.h>

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
