#include "oned/quota.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/tree.h>
#include "lib/util.h"
#include "oned/object.h"

/* ---- any entry -------------------------------------------------------------- */

int nb_quota_entry_check(const nb_quota_shape *s, const double *limit, const double *used,
                         const double *defaults, const double *delta, int *failed,
                         double *limit_hit)
{
    for (int m = 0; m < s->n; m++) {
        double l = limit ? limit[m] : NB_QUOTA_DEFAULT;
        double u = used ? used[m] : 0;
        if (l == NB_QUOTA_DEFAULT)
            l = defaults ? defaults[m] : NB_QUOTA_UNLIMITED;
        /* A small tolerance: CPU shares add up in binary fractions. */
        if (l >= 0 && delta[m] > 0 && u + delta[m] > l + 1e-9) {
            *failed = m;
            *limit_hit = l;
            return -1;
        }
    }
    return 0;
}

void nb_quota_entry_charge(const nb_quota_shape *s, double *used, const double *delta, int sign)
{
    for (int m = 0; m < s->n; m++) {
        used[m] += sign * delta[m];
        if (used[m] < 1e-9)
            used[m] = 0;        /* no -0.000001 left by float arithmetic */
    }
}

void nb_quota_entry_init(const nb_quota_shape *s, double *limit, double *used)
{
    for (int m = 0; m < s->n; m++)
        limit[m] = NB_QUOTA_DEFAULT, used[m] = 0;
}

int nb_quota_entry_set(const nb_quota_shape *s, double *limit, const nb_tattr *v, char **err)
{
    for (size_t k = 0; k < v->npairs; k++) {
        const char *name = v->pairs[k].name, *val = v->pairs[k].value;
        char *end;
        double d;
        int m;

        for (m = 0; m < s->n && strcmp(name, s->metrics[m]) != 0; m++)
            ;
        if (m == s->n)
            continue;   /* ID, _USED counters and unknown keys are not limits */
        d = strtod(val, &end);
        if (end == val || *end || !isfinite(d) || (d < 0 && d != NB_QUOTA_DEFAULT &&
                                                   d != NB_QUOTA_UNLIMITED)) {
            *err = nb_asprintf("Invalid %s quota \"%s\": use a number >= 0, -1 (default) or "
                               "-2 (unlimited).", name, val);
            return -1;
        }
        limit[m] = d;
    }
    return 0;
}

static void nb_quota_value(nb_buf *b, const char *name, const char *suffix, double v)
{
    char elem[40], num[40];
    snprintf(elem, sizeof(elem), "%s%s", name, suffix);
    /* Integers print as integers ("4"), shares as OpenNebula does ("1.5"). */
    if (v == floor(v) && fabs(v) < 1e15)
        snprintf(num, sizeof(num), "%.0f", v);
    else
        snprintf(num, sizeof(num), "%.6g", v);
    nb_buf_elem_cdata(b, elem, num);
}

void nb_quota_entry_to_xml(const nb_quota_shape *s, const double *limit, const double *used,
                           nb_buf *b)
{
    for (int m = 0; m < s->n; m++) {
        nb_quota_value(b, s->metrics[m], "", limit[m]);
        nb_quota_value(b, s->metrics[m], "_USED", used[m]);
    }
}

int nb_quota_entry_from_xml(const nb_quota_shape *s, const xmlNode *entry, const char *block,
                            double *limit, double *used, char **err)
{
    for (int m = 0; m < s->n; m++) {
        const char *suffix[2] = { "", "_USED" };
        double *dst[2] = { &limit[m], &used[m] };
        for (int k = 0; k < 2; k++) {
            char name[40], *text, *end;
            snprintf(name, sizeof(name), "%s%s", s->metrics[m], suffix[k]);
            text = nb_xml_child_text(entry, name);
            *dst[k] = text ? strtod(text, &end) : 0;
            if (!text || end == text || *end) {
                *err = nb_asprintf("%s lacks a valid %s", block, name);
                xmlFree(text);
                return -1;
            }
            xmlFree(text);
        }
    }
    return 0;
}

/* ---- VM_QUOTA ---------------------------------------------------------------- */

static const char *const nb_vmq_names[NB_VMQ_COUNT] = {
    [NB_VMQ_VMS] = "VMS",
    [NB_VMQ_CPU] = "CPU",
    [NB_VMQ_MEMORY] = "MEMORY",
    [NB_VMQ_SYSTEM_DISK_SIZE] = "SYSTEM_DISK_SIZE",
    [NB_VMQ_RUNNING_VMS] = "RUNNING_VMS",
    [NB_VMQ_RUNNING_CPU] = "RUNNING_CPU",
    [NB_VMQ_RUNNING_MEMORY] = "RUNNING_MEMORY",
};

static const nb_quota_shape nb_vm_shape = { nb_vmq_names, NB_VMQ_COUNT };

const char *nb_quota_name(enum nb_vmq m)
{
    return nb_vmq_names[m];
}

static double nb_number(const char *s)
{
    char *end;
    double v = s ? strtod(s, &end) : 0;
    return s && end != s && isfinite(v) && v > 0 ? v : 0;
}

void nb_quota_demand(const nb_tmpl *t, bool running, double out[NB_VMQ_COUNT])
{
    double disk = 0;

    /* Volatile disks live in the system datastore; image disks are the
     * storage work's (DATASTORE_QUOTA). */
    for (size_t i = 0; i < t->n; i++) {
        const nb_tattr *a = &t->attrs[i];
        const char *type = NULL, *size = NULL;
        if (a->value || strcmp(a->name, "DISK") != 0)
            continue;
        for (size_t k = 0; k < a->npairs; k++) {
            if (strcmp(a->pairs[k].name, "TYPE") == 0)
                type = a->pairs[k].value;
            else if (strcmp(a->pairs[k].name, "SIZE") == 0)
                size = a->pairs[k].value;
        }
        if (type && (nb_strcaseeq(type, "fs") || nb_strcaseeq(type, "swap")))
            disk += nb_number(size);
    }
    memset(out, 0, NB_VMQ_COUNT * sizeof(*out));
    out[NB_VMQ_VMS] = 1;
    out[NB_VMQ_CPU] = nb_number(nb_tmpl_get(t, "CPU"));
    out[NB_VMQ_MEMORY] = nb_number(nb_tmpl_get(t, "MEMORY"));
    out[NB_VMQ_SYSTEM_DISK_SIZE] = disk;
    if (running) {
        out[NB_VMQ_RUNNING_VMS] = 1;
        out[NB_VMQ_RUNNING_CPU] = out[NB_VMQ_CPU];
        out[NB_VMQ_RUNNING_MEMORY] = out[NB_VMQ_MEMORY];
    }
}

int nb_quota_check(const nb_vm_quota *q, const nb_vm_quota *defaults,
                   const double delta[NB_VMQ_COUNT], enum nb_vmq *failed, double *limit)
{
    bool has = q && q->set;
    int m;

    if (nb_quota_entry_check(&nb_vm_shape, has ? q->limit : NULL, has ? q->used : NULL,
                             defaults && defaults->set ? defaults->limit : NULL, delta, &m,
                             limit) == 0)
        return 0;
    *failed = (enum nb_vmq)m;
    return -1;
}

void nb_quota_charge(nb_vm_quota *q, const double delta[NB_VMQ_COUNT], int sign)
{
    if (!q->set) {
        q->set = true;
        nb_quota_entry_init(&nb_vm_shape, q->limit, q->used);
    }
    nb_quota_entry_charge(&nb_vm_shape, q->used, delta, sign);
}

int nb_quota_set(nb_vm_quota *q, const nb_tmpl *t, char **err)
{
    const nb_tattr *vm = nb_tmpl_find(t, "VM");
    nb_vm_quota next = *q;

    if (!vm)
        return 0;
    if (vm->value) {
        *err = nb_strdup("VM quota must be a vector: VM = [ VMS = ..., CPU = ... ]");
        return -1;
    }
    if (!next.set) {
        next.set = true;
        nb_quota_entry_init(&nb_vm_shape, next.limit, next.used);
    }
    if (nb_quota_entry_set(&nb_vm_shape, next.limit, vm, err) < 0)
        return -1;
    *q = next;
    return 0;
}

void nb_quota_to_xml(const nb_vm_quota *q, nb_buf *b)
{
    nb_buf_adds(b, "<VM_QUOTA>");
    if (q->set) {
        nb_buf_adds(b, "<VM>");
        nb_quota_entry_to_xml(&nb_vm_shape, q->limit, q->used, b);
        nb_buf_adds(b, "</VM>");
    }
    nb_buf_adds(b, "</VM_QUOTA>");
}

int nb_quota_from_xml(nb_vm_quota *q, const xmlNode *parent, char **err)
{
    const xmlNode *block = nb_xml_child(parent, "VM_QUOTA");
    const xmlNode *vm = block ? nb_xml_child(block, "VM") : NULL;

    memset(q, 0, sizeof(*q));
    if (!vm)
        return 0;
    q->set = true;
    return nb_quota_entry_from_xml(&nb_vm_shape, vm, "VM_QUOTA", q->limit, q->used, err);
}
