/*
 * cmd_datastore.c: onedatastore.
 */
#include <stdio.h>
#include <stdlib.h>
#include "lib/buf.h"
#include "lib/util.h"
#include "cli/commands.h"

/* TYPE and STATE: long names for show, short ones for list (OpenNebula's
 * DATASTORE_TYPES / SHORT_DATASTORE_TYPES, DATASTORE_STATES / SHORT_...). */
static const struct { const char *name, *brief; } ds_types[] = {
    { "IMAGE", "img" }, { "SYSTEM", "sys" }, { "FILE", "fil" }, { "BACKUP", "bck" },
};
static const struct { const char *name, *brief; } ds_states[] = {
    { "READY", "on" }, { "DISABLED", "off" },
};
static const char *const disk_types[] = {
    "FILE", "CD_ROM", "BLOCK", "RBD", "RBD_CDROM", "GLUSTER", "GLUSTER_CDROM", "SHEEPDOG",
    "SHEEPDOG_CDROM", "ISCSI", "FILE_SYSTEM",
};

/* ---- list ---------------------------------------------------------------- */

/* As OpenNebula: "-" for a datastore that is not shared (sizes differ per host). */
static char *cell_size(const cli_row *r)
{
    const char *shared = cli_xml_text(r->node, "TEMPLATE/SHARED");

    if (shared && nb_strcaseeq(shared, "NO"))
        return nb_strdup("-");
    return cli_mb_str(cli_xml_ll(r->node, "TOTAL_MB"));
}

static char *cell_available(const cli_row *r)
{
    long long total = cli_xml_ll(r->node, "TOTAL_MB"), free_mb = cli_xml_ll(r->node, "FREE_MB");

    if (total == 0)
        return nb_strdup("-");
    return nb_asprintf("%lld%%", (free_mb * 100 + total / 2) / total);
}

static char *cell_clusters(const cli_row *r)
{
    const xmlNode *clusters = cli_xml_child(r->node, "CLUSTERS");
    nb_buf b = NB_BUF_INIT;

    for (const xmlNode *c = clusters ? clusters->children : NULL; c; c = c->next) {
        if (!cli_xml_is(c, "ID"))
            continue;
        if (b.len)
            nb_buf_addc(&b, ',');
        nb_buf_adds(&b, cli_xml_str(c, NULL));
    }
    if (!b.len)
        nb_buf_addc(&b, '-');
    return nb_buf_steal(&b, NULL);
}

static char *cell_type(const cli_row *r)
{
    int t = cli_xml_enum(r->node, "TYPE", NB_ARRAY_SIZE(ds_types));
    return nb_strdup(t < 0 ? cli_xml_str(r->node, "TYPE") : ds_types[t].brief);
}

static char *cell_stat(const cli_row *r)
{
    int s = cli_xml_enum(r->node, "STATE", NB_ARRAY_SIZE(ds_states));
    return nb_strdup(s < 0 ? cli_xml_str(r->node, "STATE") : ds_states[s].brief);
}

static const cli_column datastore_columns[] = {
    { "ID", 4, 0, "ID", NULL },
    { "USER", 10, CLI_COL_LEFT, "UNAME", NULL },
    { "GROUP", 10, CLI_COL_LEFT, "GNAME", NULL },
    { "NAME", 15, CLI_COL_LEFT, "NAME", NULL },
    { "SIZE", 10, 0, NULL, cell_size },
    { "AVA", 5, CLI_COL_LEFT, NULL, cell_available },
    { "CLUSTERS", 12, CLI_COL_LEFT, NULL, cell_clusters },
    { "IMAGES", 6, CLI_COL_COUNT, "IMAGES", NULL },
    { "TYPE", 4, CLI_COL_LEFT, NULL, cell_type },
    { "DS", 7, CLI_COL_LEFT, "DS_MAD", NULL },
    { "TM", 7, CLI_COL_LEFT, "TM_MAD", NULL },
    { "STAT", 4, CLI_COL_LEFT, NULL, cell_stat },
};

/* ---- show ---------------------------------------------------------------- */

static void mb_field(const xmlNode *d, const char *key, const char *path)
{
    char *v = cli_mb_str(cli_xml_ll(d, path));

    cli_sheet_field(key, v);
    free(v);
}

static void datastore_show(const xmlNode *d)
{
    int type = cli_xml_enum(d, "TYPE", NB_ARRAY_SIZE(ds_types));
    int state = cli_xml_enum(d, "STATE", NB_ARRAY_SIZE(ds_states));
    int disk = cli_xml_enum(d, "DISK_TYPE", NB_ARRAY_SIZE(disk_types));
    cli_row row = { d, NULL, NULL };
    char *clusters = cell_clusters(&row);

    cli_sheet_title("DATASTORE %s INFORMATION", cli_xml_str(d, "ID"));
    cli_sheet_field("ID", cli_xml_text(d, "ID"));
    cli_sheet_field("NAME", cli_xml_text(d, "NAME"));
    cli_sheet_field("USER", cli_xml_text(d, "UNAME"));
    cli_sheet_field("GROUP", cli_xml_text(d, "GNAME"));
    cli_sheet_field("CLUSTERS", clusters);
    cli_sheet_field("TYPE", type < 0 ? cli_xml_text(d, "TYPE") : ds_types[type].name);
    cli_sheet_field("DS_MAD", cli_xml_text(d, "DS_MAD"));
    cli_sheet_field("TM_MAD", cli_xml_text(d, "TM_MAD"));
    cli_sheet_field("BASE PATH", cli_xml_text(d, "BASE_PATH"));
    cli_sheet_field("DISK_TYPE", disk < 0 ? cli_xml_text(d, "DISK_TYPE") : disk_types[disk]);
    cli_sheet_field("STATE", state < 0 ? cli_xml_text(d, "STATE") : ds_states[state].name);
    free(clusters);

    cli_sheet_title("DATASTORE CAPACITY");
    mb_field(d, "TOTAL", "TOTAL_MB");
    mb_field(d, "FREE", "FREE_MB");
    mb_field(d, "USED", "USED_MB");

    cli_sheet_permissions(d);
    cli_sheet_template("DATASTORE TEMPLATE", cli_xml_child(d, "TEMPLATE"));
    cli_sheet_ids("IMAGES", cli_xml_child(d, "IMAGES"));
}

/* ---- commands ------------------------------------------------------------ */

static const cli_optdef create_opts[] = {
    { "cluster", 'c', "CLUSTER", "Cluster (id or name; default: the default cluster)" },
    { NULL, 0, NULL, NULL },
};

/* create FILE [--cluster C]: one.datastore.allocate(text, cid or -1). */
static int datastore_create(cli_ctx *ctx)
{
    char *text = NULL;
    int cid, id, ret = -1;

    if (cli_cluster_opt(ctx, &cid) < 0 || !(text = cli_read_input(ctx->args.pos[0])) ||
        cli_call_int(ctx->client, &id, "one.datastore.allocate", "si", text, cid) < 0)
        goto cleanup;
    printf("ID: %d\n", id);
    ret = 0;
 cleanup:
    free(text);
    return ret;
}

static const cli_toggle enable = { "enable", true }, disable = { "enable", false };

static const cli_command datastore_commands[] = {
    { .name = "list", .synopsis = "", .help = "List the datastores",
      .min_args = 0, .max_args = 0, .run = cli_run_list },
    { .name = "show", .synopsis = "ID|NAME", .help = "Show a datastore",
      .min_args = 1, .max_args = 1, .run = cli_run_show },
    { .name = "create", .synopsis = "FILE",
      .help = "Create a datastore from FILE ('-': stdin; NAME, TYPE, DS_MAD, TM_MAD); prints its ID",
      .min_args = 1, .max_args = 1, .opts = create_opts, .run = datastore_create },
    { .name = "delete", .synopsis = "ID|NAME...", .help = "Delete datastores (they must hold no images)",
      .min_args = 1, .max_args = -1, .run = cli_run_delete },
    { .name = "enable", .synopsis = "ID|NAME...", .help = "Enable datastores",
      .min_args = 1, .max_args = -1, .run = cli_run_toggle, .data = &enable },
    { .name = "disable", .synopsis = "ID|NAME...",
      .help = "Disable datastores (no new images or VM disks go there)",
      .min_args = 1, .max_args = -1, .run = cli_run_toggle, .data = &disable },
    { .name = "rename", .synopsis = "ID|NAME NEWNAME", .help = "Rename a datastore",
      .min_args = 2, .max_args = 2, .run = cli_run_rename },
    { .name = "update", .synopsis = "ID|NAME FILE",
      .help = "Replace (or --append to) the datastore template from FILE ('-': stdin)",
      .min_args = 2, .max_args = 2, .opts = cli_update_opts, .run = cli_run_update },
    CLI_OWNERSHIP_COMMANDS,
};

const cli_object cli_datastore_object = {
    .name = "datastore",
    .rpc = "datastore",
    .elem = "DATASTORE",
    .pool_elem = "DATASTORE_POOL",
    .pool_kind = CLI_POOL_PLAIN,
    .columns = datastore_columns,
    .ncolumns = NB_ARRAY_SIZE(datastore_columns),
    .show = datastore_show,
    .commands = datastore_commands,
    .ncommands = NB_ARRAY_SIZE(datastore_commands),
};
