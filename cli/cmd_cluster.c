/*
 * cmd_cluster.c: onecluster, plus Nubes' dedicate/undedicate (a cluster
 * reserved for one tenant group; oned records it as DEDICATED_GROUP in the
 * cluster template).
 */
#include "lib/util.h"
#include "cli/commands.h"

/* ---- list ---------------------------------------------------------------- */

static const cli_column cluster_columns[] = {
    { "ID", 5, 0, "ID", NULL },
    { "NAME", 25, CLI_COL_LEFT, "NAME", NULL },
    { "HOSTS", 5, CLI_COL_COUNT, "HOSTS", NULL },
    { "VNETS", 5, CLI_COL_COUNT, "VNETS", NULL },
    { "DATASTORES", 10, CLI_COL_COUNT, "DATASTORES", NULL },
};

/* ---- show ---------------------------------------------------------------- */

static void cluster_show(const xmlNode *c)
{
    cli_sheet_title("CLUSTER %s INFORMATION", cli_xml_str(c, "ID"));
    cli_sheet_field("ID", cli_xml_text(c, "ID"));
    cli_sheet_field("NAME", cli_xml_text(c, "NAME"));
    cli_sheet_template("CLUSTER TEMPLATE", cli_xml_child(c, "TEMPLATE"));
    cli_sheet_ids("HOSTS", cli_xml_child(c, "HOSTS"));
    cli_sheet_ids("VNETS", cli_xml_child(c, "VNETS"));
    cli_sheet_ids("DATASTORES", cli_xml_child(c, "DATASTORES"));
}

/* ---- commands ------------------------------------------------------------ */

/* one.cluster.dedicate(cid, gid, ""): no hosts to move in, the cluster as it is. */
static int cluster_dedicate(cli_ctx *ctx)
{
    int cid, gid;

    if (cli_resolve(ctx, ctx->obj, ctx->args.pos[0], &cid) < 0 ||
        cli_resolve(ctx, &cli_group_object, ctx->args.pos[1], &gid) < 0)
        return -1;
    return cli_call(ctx->client, NULL, "one.cluster.dedicate", "iis", cid, gid, "");
}

static int undedicate_one(cli_ctx *ctx, int id)
{
    return cli_call(ctx->client, NULL, "one.cluster.undedicate", "i", id);
}

static int cluster_undedicate(cli_ctx *ctx)
{
    return cli_each_id(ctx, 0, undedicate_one);
}

static const cli_pair pair_addhost = { "addhost", &cli_host_object };
static const cli_pair pair_delhost = { "delhost", &cli_host_object };
static const cli_pair pair_adddatastore = { "adddatastore", &cli_datastore_object };
static const cli_pair pair_deldatastore = { "deldatastore", &cli_datastore_object };
static const cli_pair pair_addvnet = { "addvnet", &cli_vnet_ref };
static const cli_pair pair_delvnet = { "delvnet", &cli_vnet_ref };

static const cli_command cluster_commands[] = {
    { .name = "list", .synopsis = "", .help = "List the clusters",
      .min_args = 0, .max_args = 0, .run = cli_run_list },
    { .name = "show", .synopsis = "ID|NAME", .help = "Show a cluster",
      .min_args = 1, .max_args = 1, .run = cli_run_show },
    { .name = "create", .synopsis = "NAME", .help = "Create a cluster; prints its ID",
      .min_args = 1, .max_args = 1, .run = cli_run_allocate },
    { .name = "delete", .synopsis = "ID|NAME...", .help = "Delete (empty) clusters",
      .min_args = 1, .max_args = -1, .run = cli_run_delete },
    { .name = "rename", .synopsis = "ID|NAME NEWNAME", .help = "Rename a cluster",
      .min_args = 2, .max_args = 2, .run = cli_run_rename },
    { .name = "update", .synopsis = "ID|NAME FILE",
      .help = "Replace (or --append to) the cluster template from FILE ('-': stdin)",
      .min_args = 2, .max_args = 2, .opts = cli_update_opts, .run = cli_run_update },
    { .name = "addhost", .synopsis = "CLUSTER HOST...",
      .help = "Move hosts into the cluster",
      .min_args = 2, .max_args = -1, .run = cli_run_pair, .data = &pair_addhost },
    { .name = "delhost", .synopsis = "CLUSTER HOST...",
      .help = "Move hosts back to the default cluster",
      .min_args = 2, .max_args = -1, .run = cli_run_pair, .data = &pair_delhost },
    { .name = "adddatastore", .synopsis = "CLUSTER DATASTORE...",
      .help = "Add datastores to the cluster",
      .min_args = 2, .max_args = -1, .run = cli_run_pair, .data = &pair_adddatastore },
    { .name = "deldatastore", .synopsis = "CLUSTER DATASTORE...",
      .help = "Remove datastores from the cluster",
      .min_args = 2, .max_args = -1, .run = cli_run_pair, .data = &pair_deldatastore },
    { .name = "addvnet", .synopsis = "CLUSTER VNET_ID...",
      .help = "Add networks (by ID) to the cluster",
      .min_args = 2, .max_args = -1, .run = cli_run_pair, .data = &pair_addvnet },
    { .name = "delvnet", .synopsis = "CLUSTER VNET_ID...",
      .help = "Remove networks (by ID) from the cluster",
      .min_args = 2, .max_args = -1, .run = cli_run_pair, .data = &pair_delvnet },
    { .name = "dedicate", .synopsis = "CLUSTER GROUP",
      .help = "Reserve the cluster's hosts for one group (private VDC)",
      .min_args = 2, .max_args = 2, .run = cluster_dedicate },
    { .name = "undedicate", .synopsis = "CLUSTER...",
      .help = "Share dedicated clusters again",
      .min_args = 1, .max_args = -1, .run = cluster_undedicate },
};

const cli_object cli_cluster_object = {
    .name = "cluster",
    .rpc = "cluster",
    .elem = "CLUSTER",
    .pool_elem = "CLUSTER_POOL",
    .pool_kind = CLI_POOL_PLAIN,
    .columns = cluster_columns,
    .ncolumns = NB_ARRAY_SIZE(cluster_columns),
    .show = cluster_show,
    .commands = cluster_commands,
    .ncommands = NB_ARRAY_SIZE(cluster_commands),
};
