#include "oned/config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "acl/rule_text.h"

enum nb_opt_type { NB_OPT_INT, NB_OPT_LL, NB_OPT_STR, NB_OPT_BOOL, NB_OPT_OCTAL, NB_OPT_RIGHTS,
                   NB_OPT_COST };

/* Every option oned interprets, declared once: the file's name (VECTOR/KEY
 * for members of a vector attribute), its type and field, the embedded
 * default and the accepted range. */
static const struct nb_opt {
    const char *name;
    enum nb_opt_type type;
    size_t offset;
    const char *def;
    long long min;
    long long max;
} nb_opts[] = {
#define F(f) offsetof(nb_config, f)
    { "PORT", NB_OPT_INT, F(port), "2633", 0, 65535 },
    { "LISTEN_ADDRESS", NB_OPT_STR, F(listen_address), "0.0.0.0", 0, 0 },
    { "DB/BACKEND", NB_OPT_STR, F(db_backend), "sqlite", 0, 0 },
    { "DB/SYNC", NB_OPT_STR, F(db_sync), "FULL", 0, 0 },
    { "LOG/SYSTEM", NB_OPT_STR, F(log_system), "file", 0, 0 },
    { "LOG/DEBUG_LEVEL", NB_OPT_INT, F(log_level), "2", 0, 3 },
    { "RPC_THREADS", NB_OPT_INT, F(rpc_threads), "0", 0, 256 },
    { "DRIVER_THREADS", NB_OPT_INT, F(driver_threads), "16", 1, 1024 },
    { "MONITORING_INTERVAL_HOST", NB_OPT_INT, F(monitoring_interval), "30", 1, 86400 },
    { "HOST_MONITORING_EXPIRATION_TIME", NB_OPT_INT, F(host_mon_expiration), "43200", 0,
      2147483647 },
    { "VM_MONITORING_EXPIRATION_TIME", NB_OPT_INT, F(vm_mon_expiration), "14400", 0,
      2147483647 },
    { "MAX_CONN", NB_OPT_INT, F(max_conn), "240", 1, 65535 },
    { "KEEPALIVE_TIMEOUT", NB_OPT_INT, F(keepalive_timeout), "15", 1, 3600 },
    { "MESSAGE_SIZE", NB_OPT_LL, F(message_size), "8388608", 1024, 1073741824 },
    { "XML_MAX_DEPTH", NB_OPT_INT, F(xml_max_depth), "32", 1, 1024 },
    { "SESSION_EXPIRATION_TIME", NB_OPT_INT, F(session_expiration), "900", 0, 86400 },
    { "PASSWORD_HASH_ITERATIONS", NB_OPT_INT, F(pbkdf2_iterations), "100000", 1, 10000000 },
    { "AUTH_MAX_FAILURES", NB_OPT_INT, F(auth_max_failures), "5", 1, 1000 },
    { "AUTH_THROTTLE_TIME", NB_OPT_INT, F(auth_throttle), "2", 0, 3600 },
    { "MAX_TOKEN_TIME", NB_OPT_INT, F(max_token_time), "-1", -1, 2147483647 },
    { "DEFAULT_UMASK", NB_OPT_OCTAL, F(default_umask), "177", 0, 0777 },
    { "ENABLE_OTHER_PERMISSIONS", NB_OPT_BOOL, F(enable_other_perms), "YES", 0, 0 },
    { "API_LIST_ORDER", NB_OPT_STR, F(list_order), "DESC", 0, 0 },
    { "DEFAULT_VDC_HOST_ACL", NB_OPT_RIGHTS, F(vdc_rights.host), "MANAGE", 0, 0 },
    { "DEFAULT_VDC_VNET_ACL", NB_OPT_RIGHTS, F(vdc_rights.net), "USE", 0, 0 },
    { "DEFAULT_VDC_DATASTORE_ACL", NB_OPT_RIGHTS, F(vdc_rights.datastore), "USE", 0, 0 },
    { "DEFAULT_VDC_CLUSTER_HOST_ACL", NB_OPT_RIGHTS, F(vdc_rights.cluster_host), "MANAGE", 0, 0 },
    { "DEFAULT_VDC_CLUSTER_NET_ACL", NB_OPT_RIGHTS, F(vdc_rights.cluster_net), "USE", 0, 0 },
    { "DEFAULT_VDC_CLUSTER_DATASTORE_ACL", NB_OPT_RIGHTS, F(vdc_rights.cluster_datastore), "USE",
      0, 0 },
    { "DEFAULT_COST/CPU_COST", NB_OPT_COST, F(default_cost.cpu), "0", 0, 0 },
    { "DEFAULT_COST/MEMORY_COST", NB_OPT_COST, F(default_cost.memory), "0", 0, 0 },
    { "DEFAULT_COST/DISK_COST", NB_OPT_COST, F(default_cost.disk), "0", 0, 0 },
    { "SHOWBACK_ONLY_RUNNING", NB_OPT_BOOL, F(showback_only_running), "NO", 0, 0 },
    { "DATASTORE_CAPACITY_CHECK", NB_OPT_BOOL, F(ds_capacity_check), "YES", 0, 0 },
    { "IMAGE_IMPORT/MAX_SIZE_MB", NB_OPT_LL, F(image_import.max_size_mb), "0", 0,
      1LL << 40 },
    { "IMAGE_IMPORT/CONNECT_TIMEOUT", NB_OPT_INT, F(image_import.connect_timeout), "30", 1,
      3600 },
    { "IMAGE_IMPORT/STALL_TIMEOUT", NB_OPT_INT, F(image_import.stall_timeout), "30", 1, 3600 },
    { "SCHED/ENABLED", NB_OPT_BOOL, F(sched.enabled), "YES", 0, 0 },
    { "SCHED/WINDOW_MS", NB_OPT_INT, F(sched.window_ms), "50", 0, 100 },
    { "SCHED/RETRY", NB_OPT_INT, F(sched.retry), "15", 1, 86400 },
    { "SCHED/MAX_HOST", NB_OPT_INT, F(sched.max_host), "1", 0, 1000000 },
    { "SCHED/MAX_DISPATCH", NB_OPT_INT, F(sched.max_dispatch), "0", 0, 1000000 },
    { "SCHED/LIVE_RESCHEDS", NB_OPT_BOOL, F(sched.live_rescheds), "NO", 0, 0 },
    { "SCHED/POLICY", NB_OPT_INT, F(sched.policy), "1", 0, 4 },
    { "SCHED/RANK", NB_OPT_STR, F(sched.rank), "", 0, 0 },
    { "SCHED/DS_POLICY", NB_OPT_INT, F(sched.ds_policy), "1", 0, 3 },
    { "SCHED/MEMORY_SYSTEM_DS_SCALE", NB_OPT_INT, F(sched.memory_system_ds_scale), "0", 0, 1000 },
#undef F
};

/* Look an option up in the template: "NAME" or "VECTOR/KEY". */
static const char *nb_config_lookup(const nb_tmpl *t, const char *name)
{
    const char *slash = strchr(name, '/');
    char vec[64];
    if (!slash)
        return nb_tmpl_get(t, name);
    snprintf(vec, sizeof(vec), "%.*s", (int)(slash - name), name);
    return nb_tmpl_vget(t, vec, slash + 1);
}

static int nb_config_set(nb_config *c, const struct nb_opt *o, const char *v, char **err)
{
    void *field = (char *)c + o->offset;
    long long n;
    char *end;

    switch (o->type) {
    case NB_OPT_INT:
    case NB_OPT_LL:
        if (nb_parse_ll(v, &n) < 0 || n < o->min || n > o->max)
            goto bad;
        if (o->type == NB_OPT_INT)
            *(int *)field = (int)n;
        else
            *(long long *)field = n;
        return 0;
    case NB_OPT_OCTAL:
        errno = 0;
        n = strtoll(v, &end, 8);
        if (errno || end == v || *end || n < o->min || n > o->max)
            goto bad;
        *(unsigned *)field = (unsigned)n;
        return 0;
    case NB_OPT_BOOL:
        if (nb_strcaseeq(v, "YES") || nb_strcaseeq(v, "TRUE"))
            *(bool *)field = true;
        else if (nb_strcaseeq(v, "NO") || nb_strcaseeq(v, "FALSE"))
            *(bool *)field = false;
        else
            goto bad;
        return 0;
    case NB_OPT_RIGHTS:
        if (nb_acl_rights_parse(v, (uint64_t *)field) < 0)
            goto bad;
        return 0;
    case NB_OPT_COST: {
        double d;
        errno = 0;
        d = strtod(v, &end);
        if (errno || end == v || *end || !(d >= 0) || d > 1e12)
            goto bad;
        *(double *)field = d;
        return 0;
    }
    case NB_OPT_STR:
        free(*(char **)field);
        *(char **)field = nb_strdup(v);
        return 0;
    }
 bad:
    if (o->type == NB_OPT_BOOL)
        *err = nb_asprintf("%s must be YES or NO, not \"%s\"", o->name, v);
    else if (o->type == NB_OPT_RIGHTS)
        *err = nb_asprintf("%s must be rights joined by '+' (USE, MANAGE, ADMIN), or \"\", "
                           "not \"%s\"", o->name, v);
    else if (o->type == NB_OPT_COST)
        *err = nb_asprintf("%s must be a number >= 0, not \"%s\"", o->name, v);
    else if (o->type == NB_OPT_OCTAL)
        *err = nb_asprintf("%s must be an octal mask up to 777, not \"%s\"", o->name, v);
    else
        *err = nb_asprintf("%s must be an integer in [%lld, %lld], not \"%s\"",
                           o->name, o->min, o->max, v);
    return -1;
}

/* Record a defaulted option in the template (a vector member is added to
 * its vector, which is rebuilt to keep members sorted). */
static void nb_config_show_default(nb_tmpl *t, const char *name, const char *v)
{
    const char *slash = strchr(name, '/');
    const nb_tattr *a;
    nb_tpair *pairs;
    size_t n = 0;
    char vec[64];

    if (!slash) {
        nb_tmpl_set(t, name, v);
        return;
    }
    snprintf(vec, sizeof(vec), "%.*s", (int)(slash - name), name);
    a = nb_tmpl_find(t, vec);
    if (a && a->value)
        return;     /* a single attribute where a vector belongs: leave it */
    pairs = nb_calloc((a ? a->npairs : 0) + 1, sizeof(*pairs));
    for (; a && n < a->npairs; n++) {
        pairs[n].name = nb_strdup(a->pairs[n].name);
        pairs[n].value = nb_strdup(a->pairs[n].value);
    }
    pairs[n].name = nb_strdup(slash + 1);
    pairs[n].value = nb_strdup(v);
    nb_tmpl_remove(t, vec);
    nb_tmpl_add_vector(t, vec, pairs, n + 1);
    for (size_t i = 0; i <= n; i++) {
        free(pairs[i].name);
        free(pairs[i].value);
    }
    free(pairs);
}

/* Apply the table: file values over defaults; the effective value of every
 * option is also put in the template so one.system.config shows it. */
static int nb_config_apply(nb_config *c, char **err)
{
    for (size_t i = 0; i < NB_ARRAY_SIZE(nb_opts); i++) {
        const struct nb_opt *o = &nb_opts[i];
        const char *v = nb_config_lookup(&c->tmpl, o->name);
        if (!v) {
            v = o->def;
            nb_config_show_default(&c->tmpl, o->name, v);
        }
        if (nb_config_set(c, o, v, err) < 0)
            return -1;
    }
    if (!nb_strcaseeq(c->db_backend, "sqlite")) {
        *err = nb_asprintf("DB/BACKEND \"%s\" is not supported (supported: sqlite)", c->db_backend);
        return -1;
    }
    if (!nb_strcaseeq(c->list_order, "DESC") && !nb_strcaseeq(c->list_order, "ASC")) {
        *err = nb_asprintf("API_LIST_ORDER must be ASC or DESC, not \"%s\"", c->list_order);
        return -1;
    }
    c->list_desc = nb_strcaseeq(c->list_order, "DESC");
    return 0;
}

void nb_config_defaults(nb_config *c)
{
    char *err = NULL;
    memset(c, 0, sizeof(*c));
    nb_tmpl_init(&c->tmpl);
    if (nb_config_apply(c, &err) < 0)
        abort();    /* the embedded defaults are valid by construction */
}

int nb_config_load(nb_config *c, const char *path, bool missing_ok, char **err)
{
    size_t len;
    char *text = nb_read_file(path, &len);
    char *perr = NULL;

    memset(c, 0, sizeof(*c));
    nb_tmpl_init(&c->tmpl);
    if (!text) {
        if (errno == ENOENT && missing_ok)
            return nb_config_apply(c, err);
        *err = nb_asprintf("cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    if (nb_tmpl_parse(&c->tmpl, text, len, &perr) < 0) {
        *err = nb_asprintf("%s: %s", path, perr);
        free(perr);
        free(text);
        return -1;
    }
    free(text);
    if (nb_config_apply(c, &perr) < 0) {
        *err = nb_asprintf("%s: %s", path, perr);
        free(perr);
        return -1;
    }
    return 0;
}

void nb_config_free(nb_config *c)
{
    for (size_t i = 0; i < NB_ARRAY_SIZE(nb_opts); i++)
        if (nb_opts[i].type == NB_OPT_STR) {
            char **f = (char **)((char *)c + nb_opts[i].offset);
            free(*f);
            *f = NULL;
        }
    nb_tmpl_free(&c->tmpl);
}

void nb_config_to_xml(const nb_config *c, nb_buf *b, bool full)
{
    static const char *const secret[] = { "BACKEND", "SERVER", "PORT", "USER", "PASSWD", "DB_NAME" };
    nb_tmpl shown = NB_TMPL_INIT;

    nb_tmpl_copy(&shown, &c->tmpl);
    if (!full) {
        for (size_t i = 0; i < shown.n; i++) {
            nb_tattr *a = &shown.attrs[i];
            if (a->value || strcmp(a->name, "DB") != 0)
                continue;
            for (size_t j = 0; j < a->npairs; j++)
                for (size_t k = 0; k < NB_ARRAY_SIZE(secret); k++)
                    if (strcmp(a->pairs[j].name, secret[k]) == 0) {
                        free(a->pairs[j].value);
                        a->pairs[j].value = nb_strdup("***");
                    }
        }
    }
    nb_tmpl_to_xml(&shown, b, "OPENNEBULA_CONFIGURATION");
    nb_tmpl_free(&shown);
}
