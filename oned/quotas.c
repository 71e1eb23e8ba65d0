#include "oned/quotas.h"

#include <libxml/tree.h>

void nb_quotas_free(nb_quotas *q)
{
    nb_ds_quota_free(&q->ds);
}

int nb_quotas_set(nb_quotas *q, const nb_tmpl *t, char **err)
{
    nb_vm_quota vm = q->vm;

    /* VM first on a copy: the datastore set is the one that commits. */
    if (nb_quota_set(&vm, t, err) < 0 || nb_ds_quota_set(&q->ds, t, err) < 0)
        return -1;
    q->vm = vm;
    return 0;
}

void nb_quotas_to_xml(const nb_quotas *q, nb_buf *b)
{
    static const nb_quotas none;

    if (!q)
        q = &none;
    nb_ds_quota_to_xml(&q->ds, b);
    nb_buf_adds(b, "<NETWORK_QUOTA></NETWORK_QUOTA>");
    nb_quota_to_xml(&q->vm, b);
    nb_buf_adds(b, "<IMAGE_QUOTA></IMAGE_QUOTA>");
}

int nb_quotas_from_xml(nb_quotas *q, const xmlNode *parent, char **err)
{
    if (nb_quota_from_xml(&q->vm, parent, err) < 0)
        return -1;
    return nb_ds_quota_from_xml(&q->ds, parent, err);
}
