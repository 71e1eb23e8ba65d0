/*
 * cmd_host.c: onehost, plus Nubes' `dedicate` (hosts reserved for one tenant
 * group through the cluster that holds them).
 */
#include <stdio.h>
#include <stdlib.h>
#include "lib/buf.h"
#include "lib/util.h"
#include "cli/commands.h"

#define DEFAULT_MAD "kvm"

/* one.host.status values. */
static const int status_enable = 0, status_disable = 1, status_offline = 2;

/* STATE: long names for show, short ones for list (OpenNebula's
 * HOST_STATES / SHORT_HOST_STATES; 1, 5, 6, 7 are obsolete but still named). */
static const struct { const char *name, *brief; } host_states[] = {
    { "INIT", "init" }, { "MONITORING_MONITORED", "update" }, { "MONITORED", "on" },
    { "ERROR", "err" }, { "DISABLED", "dsbl" }, { "MONITORING_ERROR", "retry" },
    { "MONITORING_INIT", "init" }, { "MONITORING_DISABLED", "dsbl" }, { "OFFLINE", "off" },
};

static int state_index(const xmlNode *h)
{
    return cli_xml_enum(h, "STATE", NB_ARRAY_SIZE(host_states));
}

/* ---- list ---------------------------------------------------------------- */

/* "used / max (pct%)" as OpenNebula's ALLOCATED_* columns; "-" while the host
 * reports no capacity (never monitored). */
static char *allocated(const xmlNode *h, const char *used_path, const char *max_path,
                       char *(*fmt)(long long))
{
    long long used = cli_xml_ll(h, used_path), max = cli_xml_ll(h, max_path);
    char *u, *m, *cell;

    if (max == 0)
        return nb_strdup("-");
    u = fmt(used);
    m = fmt(max);
    cell = nb_asprintf("%s / %s (%lld%%)", u, m, used * 100 / max);
    free(u);
    free(m);
    return cell;
}

static char *count_str(long long n)
{
    return nb_asprintf("%lld", n);
}

static char *cell_cpu(const cli_row *r)
{
    return allocated(r->node, "HOST_SHARE/CPU_USAGE", "HOST_SHARE/MAX_CPU", count_str);
}

static char *cell_mem(const cli_row *r)
{
    return allocated(r->node, "HOST_SHARE/MEM_USAGE", "HOST_SHARE/MAX_MEM", cli_kb_str);
}

static char *cell_stat(const cli_row *r)
{
    int s = state_index(r->node);
    return nb_strdup(s < 0 ? cli_xml_str(r->node, "STATE") : host_states[s].brief);
}

static const cli_column host_columns[] = {
    { "ID", 4, 0, "ID", NULL },
    { "NAME", 15, CLI_COL_LEFT, "NAME", NULL },
    { "CLUSTER", 9, CLI_COL_LEFT, "CLUSTER", NULL },
    { "TVM", 3, 0, "HOST_SHARE/RUNNING_VMS", NULL },
    { "ALLOCATED_CPU", 19, 0, NULL, cell_cpu },
    { "ALLOCATED_MEM", 18, 0, NULL, cell_mem },
    { "STAT", 4, CLI_COL_LEFT, NULL, cell_stat },
};

/* ---- show ---------------------------------------------------------------- */

/* key : the number at path through fmt; "-" when absent (MONITORING
 * before the host's first monitoring). */
static void number_field(const xmlNode *h, const char *key, const char *path,
                         char *(*fmt)(long long))
{
    long long n;
    char *v;

    if (nb_parse_ll(cli_xml_str(h, path), &n) < 0) {
        cli_sheet_field(key, "-");
        return;
    }
    v = fmt(n);
    cli_sheet_field(key, v);
    free(v);
}

static void host_show(const xmlNode *h)
{
    int s = state_index(h);
    long long when;

    cli_sheet_title("HOST %s INFORMATION", cli_xml_str(h, "ID"));
    cli_sheet_field("ID", cli_xml_text(h, "ID"));
    cli_sheet_field("NAME", cli_xml_text(h, "NAME"));
    cli_sheet_field("CLUSTER", cli_xml_text(h, "CLUSTER"));
    cli_sheet_field("STATE", s < 0 ? cli_xml_text(h, "STATE") : host_states[s].name);
    cli_sheet_field("IM_MAD", cli_xml_text(h, "IM_MAD"));
    cli_sheet_field("VM_MAD", cli_xml_text(h, "VM_MAD"));
    if (nb_parse_ll(cli_xml_str(h, "MONITORING/TIMESTAMP"), &when) == 0 && when > 0) {
        char *t = cli_time_str(when);
        cli_sheet_field("LAST MONITORING", t);
        free(t);
    }

    /* MAX is TOTAL minus the reserved part; ALLOCATED is what VMs asked for. */
    cli_sheet_title("HOST SHARES");
    number_field(h, "RUNNING VMS", "HOST_SHARE/RUNNING_VMS", count_str);
    number_field(h, "MEMORY TOTAL", "HOST_SHARE/TOTAL_MEM", cli_kb_str);
    number_field(h, "MEMORY MAX", "HOST_SHARE/MAX_MEM", cli_kb_str);
    number_field(h, "MEMORY USED", "MONITORING/CAPACITY/USED_MEMORY", cli_kb_str);
    number_field(h, "MEMORY ALLOCATED", "HOST_SHARE/MEM_USAGE", cli_kb_str);
    number_field(h, "CPU TOTAL", "HOST_SHARE/TOTAL_CPU", count_str);
    number_field(h, "CPU MAX", "HOST_SHARE/MAX_CPU", count_str);
    number_field(h, "CPU USED", "MONITORING/CAPACITY/USED_CPU", count_str);
    number_field(h, "CPU ALLOCATED", "HOST_SHARE/CPU_USAGE", count_str);

    cli_sheet_template("HOST TEMPLATE", cli_xml_child(h, "TEMPLATE"));
    cli_sheet_ids("VIRTUAL MACHINES", cli_xml_child(h, "VMS"));
}

/* ---- commands ------------------------------------------------------------ */

static const cli_optdef create_opts[] = {
    { "im", 'i', "MAD", "Information driver (default: " DEFAULT_MAD ")" },
    { "vm", 'v', "MAD", "Virtualization driver (default: " DEFAULT_MAD ")" },
    { "cluster", 'c', "CLUSTER", "Cluster (id or name; default: the default cluster)" },
    { NULL, 0, NULL, NULL },
};

/* one.host.allocate(name, im, vm, cluster) */
static int host_create(cli_ctx *ctx)
{
    const char *im = cli_opt_get(&ctx->args, "im");
    const char *vm = cli_opt_get(&ctx->args, "vm");
    int cid, id;

    if (cli_cluster_opt(ctx, &cid) < 0 ||
        cli_call_int(ctx->client, &id, "one.host.allocate", "sssi", ctx->args.pos[0],
                     im ? im : DEFAULT_MAD, vm ? vm : DEFAULT_MAD, cid) < 0)
        return -1;
    printf("ID: %d\n", id);
    return 0;
}

static int status_one(cli_ctx *ctx, int id)
{
    const int *status = ctx->cmd->data;
    return cli_call(ctx->client, NULL, "one.host.status", "ii", id, *status);
}

static int host_status(cli_ctx *ctx)
{
    return cli_each_id(ctx, 0, status_one);
}

static const cli_optdef dedicate_opts[] = {
    { "cluster", 'c', "CLUSTER", "Cluster to move the hosts into (default: a new one)" },
    { NULL, 0, NULL, NULL },
};

/* one.cluster.dedicate(cid or -1, gid, "3,4"): oned moves the hosts into the
 * cluster (a new one for -1) and reserves it for the group. */
static int host_dedicate(cli_ctx *ctx)
{
    nb_buf list = NB_BUF_INIT;
    int *hosts = NULL;
    size_t n = 0;
    int cid, gid, ret = -1;

    if (cli_resolve_list(ctx, ctx->obj, ctx->args.pos[0], &hosts, &n) < 0 ||
        cli_resolve(ctx, &cli_group_object, ctx->args.pos[1], &gid) < 0 ||
        cli_cluster_opt(ctx, &cid) < 0)
        goto cleanup;
    for (size_t i = 0; i < n; i++)
        nb_buf_addf(&list, "%s%d", i ? "," : "", hosts[i]);
    if (cli_call_int(ctx->client, &cid, "one.cluster.dedicate", "iis", cid, gid, list.data) < 0)
        goto cleanup;
    printf("CLUSTER: %d\n", cid);
    ret = 0;
 cleanup:
    nb_buf_free(&list);
    free(hosts);
    return ret;
}

static const cli_command host_commands[] = {
    { .name = "list", .synopsis = "", .help = "List the hosts",
      .min_args = 0, .max_args = 0, .run = cli_run_list },
    { .name = "show", .synopsis = "ID|NAME", .help = "Show a host",
      .min_args = 1, .max_args = 1, .run = cli_run_show },
    { .name = "create", .synopsis = "NAME", .help = "Add a host; prints its ID",
      .min_args = 1, .max_args = 1, .opts = create_opts, .run = host_create },
    { .name = "delete", .synopsis = "ID|NAME...", .help = "Delete hosts",
      .min_args = 1, .max_args = -1, .run = cli_run_delete },
    { .name = "enable", .synopsis = "ID|NAME...", .help = "Enable hosts",
      .min_args = 1, .max_args = -1, .run = host_status, .data = &status_enable },
    { .name = "disable", .synopsis = "ID|NAME...",
      .help = "Disable hosts (no new VMs; still monitored)",
      .min_args = 1, .max_args = -1, .run = host_status, .data = &status_disable },
    { .name = "offline", .synopsis = "ID|NAME...",
      .help = "Take hosts offline (no new VMs; not monitored)",
      .min_args = 1, .max_args = -1, .run = host_status, .data = &status_offline },
    { .name = "rename", .synopsis = "ID|NAME NEWNAME", .help = "Rename a host",
      .min_args = 2, .max_args = 2, .run = cli_run_rename },
    { .name = "update", .synopsis = "ID|NAME FILE",
      .help = "Replace (or --append to) the host template from FILE ('-': stdin)",
      .min_args = 2, .max_args = 2, .opts = cli_update_opts, .run = cli_run_update },
    { .name = "monitoring", .synopsis = "ID|NAME [ATTR]",
      .help = "The host's samples: ATTR (e.g. CAPACITY/USED_CPU) over time, or all with -x/-j",
      .min_args = 1, .max_args = 2, .run = cli_run_monitoring, .data = "CAPACITY/USED_CPU" },
    { .name = "dedicate", .synopsis = "HOST[,HOST...] GROUP",
      .help = "Reserve hosts for one group (private VDC); prints the cluster",
      .min_args = 2, .max_args = 2, .opts = dedicate_opts, .run = host_dedicate },
};

const cli_object cli_host_object = {
    .name = "host",
    .rpc = "host",
    .elem = "HOST",
    .pool_elem = "HOST_POOL",
    .pool_kind = CLI_POOL_PLAIN,
    .columns = host_columns,
    .ncolumns = NB_ARRAY_SIZE(host_columns),
    .show = host_show,
    .commands = host_commands,
    .ncommands = NB_ARRAY_SIZE(host_commands),
};
