#include "oned/hotplug.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/vmm.h"
#include "lib/util.h"

/* What a hotplugged vector is called and numbered by. */
static const char *nb_id_name(const char *vector)
{
    return nb_streq(vector, "DISK") ? "DISK_ID" : nb_streq(vector, "NIC") ? "NIC_ID"
                                                                          : "SNAPSHOT_ID";
}

/* The vectors called name, one after the other (NULL gives the first);
 * repeats are adjacent since attributes are sorted by name. */
static nb_tattr *nb_next(nb_tmpl *t, const char *name, nb_tattr *prev)
{
    nb_tattr *a = prev ? prev + 1 : (nb_tattr *)nb_tmpl_find(t, name);

    for (; a && a < t->attrs + t->n && nb_streq(a->name, name); a++)
        if (!a->value)
            return a;
    return NULL;
}

static bool nb_set(const nb_tattr *v, const char *name)
{
    const char *s = nb_tattr_get(v, name);
    return s && *s;
}

static void nb_set_int(nb_tattr *v, const char *name, long long n)
{
    char num[24];
    snprintf(num, sizeof(num), "%lld", n);
    nb_tattr_set(v, name, num);
}

/* The highest id of the vectors, -1 when none has one. */
static long long nb_max_id(nb_tmpl *t, const char *vector)
{
    long long max = -1, id;

    for (nb_tattr *v = nb_next(t, vector, NULL); v; v = nb_next(t, vector, v))
        if (nb_parse_ll(nb_tattr_get(v, nb_id_name(vector)) ?: "", &id) == 0 && id > max)
            max = id;
    return max;
}

void nb_hotplug_number(nb_tmpl *t)
{
    static const char *const vectors[] = { "DISK", "NIC" };

    for (size_t k = 0; k < NB_ARRAY_SIZE(vectors); k++) {
        size_t idx = 0;
        for (nb_tattr *v = nb_next(t, vectors[k], NULL); v; v = nb_next(t, vectors[k], v), idx++) {
            if (!nb_set(v, nb_id_name(vectors[k])))
                nb_set_int(v, nb_id_name(vectors[k]), (long long)idx);
            if (k == 0 && !nb_set(v, "TARGET")) {
                char *target = nb_drv_disk_target(v, idx);
                nb_tattr_set(v, "TARGET", target);
                free(target);
            }
        }
    }
}

/* ---- attach and detach ----------------------------------------------------- */

/* A positive whole number of MB. */
static bool nb_size_ok(const char *s)
{
    long long mb;
    return s && nb_parse_ll(s, &mb) == 0 && mb > 0;
}

/* xx:xx:xx:xx:xx:xx in hex. */
static bool nb_mac_ok(const char *s)
{
    for (int i = 0; i < 17; i++) {
        bool colon = i % 3 == 2;
        if (colon ? s[i] != ':' : !s[i] || !strchr("0123456789abcdefABCDEF", s[i]))
            return false;
    }
    return s[17] == '\0';
}

static int nb_check_disk(nb_tmpl *t, nb_tattr *d, char **err)
{
    const char *type = nb_tattr_get(d, "TYPE");
    bool is_volatile = type && (nb_strcaseeq(type, "fs") || nb_strcaseeq(type, "swap"));
    const char *target = nb_tattr_get(d, "TARGET");

    if (nb_set(d, "IMAGE_ID") || nb_set(d, "IMAGE")) {
        *err = nb_asprintf("Image disks are given when the VM is created; attach a DISK by "
                           "SOURCE (a file on the host) or as a volatile disk (TYPE = fs, "
                           "SIZE = <MB>).");
        return -1;
    }
    if (is_volatile && !nb_size_ok(nb_tattr_get(d, "SIZE"))) {
        *err = nb_asprintf("A volatile disk needs SIZE, a positive number of MB.");
        return -1;
    }
    if (!is_volatile && !nb_set(d, "SOURCE") && !nb_set(d, "PATH")) {
        *err = nb_asprintf("A DISK needs SOURCE (a file on the host), or TYPE = fs and SIZE "
                           "for a volatile disk.");
        return -1;
    }
    if (target && *target) {
        for (nb_tattr *o = nb_next(t, "DISK", NULL); o; o = nb_next(t, "DISK", o)) {
            const char *used = nb_tattr_get(o, "TARGET");
            if (used && nb_streq(used, target)) {
                *err = nb_asprintf("Target %s is already in use.", target);
                return -1;
            }
        }
    }
    return 0;
}

static int nb_check_nic(nb_tmpl *t, nb_tattr *n, char **err)
{
    const char *mac = nb_tattr_get(n, "MAC");

    if (nb_set(n, "NETWORK_ID") || nb_set(n, "NETWORK")) {
        *err = nb_asprintf("Virtual networks are not supported yet: give the NIC by BRIDGE "
                           "(and MAC, MODEL).");
        return -1;
    }
    if (mac && *mac) {
        if (!nb_mac_ok(mac)) {
            *err = nb_asprintf("MAC %s is not a MAC address (xx:xx:xx:xx:xx:xx).", mac);
            return -1;
        }
        for (nb_tattr *o = nb_next(t, "NIC", NULL); o; o = nb_next(t, "NIC", o)) {
            const char *used = nb_tattr_get(o, "MAC");
            if (used && nb_strcaseeq(used, mac)) {
                *err = nb_asprintf("MAC %s is already in use by this VM.", mac);
                return -1;
            }
        }
    }
    return 0;
}

/* The first TARGET with prefix that no disk of t uses. */
static char *nb_free_target(nb_tmpl *t, const char *prefix)
{
    for (size_t idx = 0;; idx++) {
        char *name = nb_drv_disk_name(prefix, idx);
        bool used = false;
        for (nb_tattr *o = nb_next(t, "DISK", NULL); o && !used; o = nb_next(t, "DISK", o)) {
            const char *tg = nb_tattr_get(o, "TARGET");
            used = tg && nb_streq(tg, name);
        }
        if (!used)
            return name;
        free(name);
    }
}

int nb_hotplug_attach(nb_tmpl *t, int vmid, const char *vector, const nb_tmpl *req,
                      char **err)
{
    nb_tmpl one = NB_TMPL_INIT;
    nb_tattr *v;
    long long id;
    int count = 0, ret = -1;

    for (size_t i = 0; i < req->n; i++)
        count += nb_streq(req->attrs[i].name, vector) && !req->attrs[i].value;
    if (count != 1) {
        *err = nb_asprintf("The template must hold exactly one %s vector, it has %d.", vector,
                           count);
        return -1;
    }
    nb_hotplug_number(t);
    /* A copy to check and complete, appended once it is whole. */
    for (size_t i = 0; i < req->n; i++)
        if (nb_streq(req->attrs[i].name, vector) && !req->attrs[i].value)
            nb_tmpl_add_vector(&one, vector, req->attrs[i].pairs, req->attrs[i].npairs);
    v = &one.attrs[0];
    if ((nb_streq(vector, "DISK") ? nb_check_disk(t, v, err) : nb_check_nic(t, v, err)) < 0)
        goto cleanup;
    id = nb_max_id(t, vector) + 1;
    nb_set_int(v, nb_id_name(vector), id);
    if (nb_streq(vector, "DISK") && !nb_set(v, "TARGET")) {
        char *target = nb_free_target(t, nb_drv_disk_prefix(v));
        nb_tattr_set(v, "TARGET", target);
        free(target);
    }
    if (nb_streq(vector, "NIC") && !nb_set(v, "MAC")) {
        /* Locally administered (02:00, as OpenNebula's MAC_PREFIX), unique
         * per VM and NIC, so the hypervisor's device can be found again. */
        char mac[24];
        snprintf(mac, sizeof(mac), "02:00:%02x:%02x:%02x:%02x", (unsigned)vmid >> 16 & 0xff,
                 (unsigned)vmid >> 8 & 0xff, (unsigned)vmid & 0xff, (unsigned)id & 0xff);
        nb_tattr_set(v, "MAC", mac);
    }
    nb_tattr_set(v, "ATTACH", "YES");
    nb_tmpl_add_vector(t, vector, v->pairs, v->npairs);
    ret = (int)id;
 cleanup:
    nb_tmpl_free(&one);
    return ret;
}

static nb_tattr *nb_find_id(nb_tmpl *t, const char *vector, int id)
{
    char num[16];
    snprintf(num, sizeof(num), "%d", id);
    return nb_tmpl_find_vector(t, vector, nb_id_name(vector), num);
}

int nb_hotplug_detach(nb_tmpl *t, const char *vector, int id, char **err)
{
    nb_tattr *v;

    nb_hotplug_number(t);
    if (!(v = nb_find_id(t, vector, id))) {
        *err = nb_asprintf("VM does not have %s with %s %d.", vector, nb_id_name(vector), id);
        return -1;
    }
    if (nb_streq(vector, "DISK") && nb_set(v, "IMAGE_ID")) {
        *err = nb_asprintf("DISK %d comes from image %s, which the VM keeps until it is "
                           "terminated.", id, nb_tattr_get(v, "IMAGE_ID"));
        return -1;
    }
    nb_tattr_set(v, "ATTACH", "YES");
    return 0;
}

/* ---- resize ------------------------------------------------------------------ */

/* Value name of req: absent, empty or 0 is "unchanged" (0 returned), a
 * positive number (1), anything else an error (-1).  integer: whole
 * numbers only. */
static int nb_resize_value(const nb_tmpl *req, const char *name, bool integer, double *out,
                           char **err)
{
    const char *s = nb_tmpl_get(req, name);
    char *end;
    double v;

    if (!s || !*s)
        return 0;
    v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || v < 0 || (integer && v != floor(v))) {
        *err = nb_asprintf("%s must be a positive %s, not \"%s\".", name,
                           integer ? "integer" : "number", s);
        return -1;
    }
    *out = v;
    return v > 0;
}

int nb_hotplug_resize(nb_tmpl *t, const nb_tmpl *req, bool live, char **err)
{
    static const char *const names[] = { "CPU", "VCPU", "MEMORY" };
    double want[3] = { 0, 0, 0 };
    int given[3];
    long long vcpu_max = 0;
    const char *max = nb_tmpl_get(t, "VCPU_MAX");
    nb_tpair old[3];
    size_t nold = 0;

    for (int i = 0; i < 3; i++)
        if ((given[i] = nb_resize_value(req, names[i], i > 0, &want[i], err)) < 0)
            return -1;
    if (live) {
        long long mem = 0;
        nb_parse_ll(nb_tmpl_get(t, "MEMORY") ?: "", &mem);
        if (given[2] && want[2] != (double)mem) {
            *err = nb_asprintf("MEMORY cannot change while the VM runs (memory hotplug is "
                               "not supported): power it off first.");
            return -1;
        }
        if (!max || nb_parse_ll(max, &vcpu_max) < 0 || vcpu_max <= 0) {
            *err = nb_asprintf("A running VM can only be resized if its template sets "
                               "VCPU_MAX: power it off first.");
            return -1;
        }
        if (given[1] && want[1] > (double)vcpu_max) {
            *err = nb_asprintf("VCPU %g is more than VCPU_MAX %lld.", want[1], vcpu_max);
            return -1;
        }
    }
    for (int i = 0; i < 3; i++) {
        const char *cur = nb_tmpl_get(t, names[i]);
        old[nold++] = (nb_tpair){ (char *)names[i], (char *)(cur ? cur : "") };
    }
    if (live)
        nb_tmpl_add_vector(t, "RESIZE", old, nold);
    for (int i = 0; i < 3; i++) {
        char num[32];
        if (!given[i])
            continue;
        snprintf(num, sizeof(num), "%.15g", want[i]);
        nb_tmpl_set(t, names[i], num);
    }
    return 0;
}

/* ---- snapshots ----------------------------------------------------------------- */

int nb_hotplug_snapshot_create(nb_tmpl *t, const char *name, long long now)
{
    long long id = nb_max_id(t, "SNAPSHOT") + 1;
    char num[24], time[24], *made = NULL, *hv = nb_asprintf("snap-%lld", id);

    snprintf(num, sizeof(num), "%lld", id);
    snprintf(time, sizeof(time), "%lld", now);
    if (!name || !*name)
        name = made = nb_asprintf("snapshot-%lld", id);
    nb_tmpl_add_vector(t, "SNAPSHOT", (const nb_tpair[]){
        { "ACTIVE", "YES" }, { "HYPERVISOR_ID", hv }, { "NAME", (char *)name },
        { "SNAPSHOT_ID", num }, { "TIME", time } }, 5);
    free(made);
    free(hv);
    return (int)id;
}

int nb_hotplug_snapshot_mark(nb_tmpl *t, int snap_id, char **err)
{
    nb_tattr *v = nb_find_id(t, "SNAPSHOT", snap_id);

    if (!v) {
        *err = nb_asprintf("Could not find snapshot with ID %d.", snap_id);
        return -1;
    }
    nb_tattr_set(v, "ACTIVE", "YES");
    return 0;
}

/* ---- finishing a step ---------------------------------------------------------- */

/* The vector a step marks: its name and the member marking it. */
static bool nb_step_mark(enum nb_vm_step step, const char **vector, const char **mark)
{
    switch (step) {
    case NB_STEP_ATTACH_DISK: case NB_STEP_DETACH_DISK:
        *vector = "DISK", *mark = "ATTACH";
        return true;
    case NB_STEP_ATTACH_NIC: case NB_STEP_DETACH_NIC:
        *vector = "NIC", *mark = "ATTACH";
        return true;
    case NB_STEP_SNAPSHOT_CREATE: case NB_STEP_SNAPSHOT_REVERT: case NB_STEP_SNAPSHOT_DELETE:
        *vector = "SNAPSHOT", *mark = "ACTIVE";
        return true;
    default:
        return false;
    }
}

bool nb_hotplug_step(enum nb_vm_step step)
{
    const char *vector, *mark;
    return step == NB_STEP_RESIZE || nb_step_mark(step, &vector, &mark);
}

const nb_tattr *nb_hotplug_subject(const nb_tmpl *t, enum nb_vm_step step)
{
    const char *vector, *mark;

    if (!nb_step_mark(step, &vector, &mark))
        return NULL;
    return nb_tmpl_find_vector((nb_tmpl *)t, vector, mark, "YES");
}

void nb_hotplug_finish(nb_tmpl *t, enum nb_vm_step step, bool ok)
{
    const char *vector, *mark;
    nb_tattr *v;
    /* The vector goes when an attach or create fails, or a detach or
     * delete succeeds; otherwise only the mark does. */
    bool drop = ok ? step == NB_STEP_DETACH_DISK || step == NB_STEP_DETACH_NIC ||
                     step == NB_STEP_SNAPSHOT_DELETE
                   : step == NB_STEP_ATTACH_DISK || step == NB_STEP_ATTACH_NIC ||
                     step == NB_STEP_SNAPSHOT_CREATE;

    if (step == NB_STEP_RESIZE) {
        const nb_tattr *old = nb_tmpl_find(t, "RESIZE");
        for (size_t i = 0; !ok && old && !old->value && i < old->npairs; i++) {
            if (*old->pairs[i].value)
                nb_tmpl_set(t, old->pairs[i].name, old->pairs[i].value);
            else
                nb_tmpl_remove(t, old->pairs[i].name);
            old = nb_tmpl_find(t, "RESIZE");    /* the set may move it */
        }
        nb_tmpl_remove(t, "RESIZE");
        return;
    }
    if (!nb_step_mark(step, &vector, &mark) ||
        !(v = nb_tmpl_find_vector(t, vector, mark, "YES")))
        return;
    if (drop)
        nb_tmpl_remove_attr(t, v);
    else
        nb_tattr_unset(v, mark);
}
