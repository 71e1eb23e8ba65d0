/*
 * cmd_vdc.c: onevdc.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "cli/commands.h"

/* Resource id meaning every resource of the type in the zone (CLI word ALL). */
#define VDC_ALL (-10)
#define VDC_ALL_WORD "ALL"

/* The four resource lists of a VDC: <CLUSTERS><CLUSTER><ZONE_ID/><CLUSTER_ID/>... */
static const struct vdc_list {
    const char *title;      /* "CLUSTERS": the list element and the sheet section */
    const char *entry;      /* "CLUSTER": the entry element and the id column */
    const char *id;         /* "CLUSTER_ID" */
} vdc_lists[] = {
    { "CLUSTERS", "CLUSTER", "CLUSTER_ID" },
    { "HOSTS", "HOST", "HOST_ID" },
    { "DATASTORES", "DATASTORE", "DATASTORE_ID" },
    { "VNETS", "VNET", "VNET_ID" },
};

static bool is_all(const char *id)
{
    int n;
    return nb_parse_int(id, &n) == 0 && n == VDC_ALL;
}

/* ---- list ---------------------------------------------------------------- */

/* How many entries of list l the VDC has, or "ALL" as OpenNebula shows it. */
static char *count_entries(const xmlNode *vdc, const struct vdc_list *l)
{
    const xmlNode *list = cli_xml_child(vdc, l->title);
    size_t n = 0;

    for (const xmlNode *c = list ? list->children : NULL; c; c = c->next) {
        if (!cli_xml_is(c, l->entry))
            continue;
        if (is_all(cli_xml_str(c, l->id)))
            return nb_strdup(VDC_ALL_WORD);
        n++;
    }
    return nb_asprintf("%zu", n);
}

static char *cell_clusters(const cli_row *r) { return count_entries(r->node, &vdc_lists[0]); }
static char *cell_hosts(const cli_row *r) { return count_entries(r->node, &vdc_lists[1]); }
static char *cell_datastores(const cli_row *r) { return count_entries(r->node, &vdc_lists[2]); }
static char *cell_vnets(const cli_row *r) { return count_entries(r->node, &vdc_lists[3]); }

static const cli_column vdc_columns[] = {
    { "ID", 4, 0, "ID", NULL },
    { "NAME", 30, CLI_COL_LEFT, "NAME", NULL },
    { "GROUPS", 6, CLI_COL_COUNT, "GROUPS", NULL },
    { "CLUSTERS", 8, 0, NULL, cell_clusters },
    { "HOSTS", 5, 0, NULL, cell_hosts },
    { "VNETS", 5, 0, NULL, cell_vnets },
    { "DATASTORES", 10, 0, NULL, cell_datastores },
};

/* ---- show ---------------------------------------------------------------- */

/* Section l as a ZONE / <TYPE> table, left out when empty (as OpenNebula). */
static void show_entries(const xmlNode *vdc, const struct vdc_list *l)
{
    const cli_column cols[] = {
        { "ZONE", 7, 0, NULL, NULL },
        { l->entry, 9, 0, NULL, NULL },
    };
    const xmlNode *list = cli_xml_child(vdc, l->title);
    cli_table t;

    cli_table_init(&t, cols, NB_ARRAY_SIZE(cols));
    for (const xmlNode *c = list ? list->children : NULL; c; c = c->next) {
        const char *cells[2];

        if (!cli_xml_is(c, l->entry))
            continue;
        cells[0] = cli_xml_str(c, "ZONE_ID");
        cells[1] = cli_xml_str(c, l->id);
        if (is_all(cells[1]))
            cells[1] = VDC_ALL_WORD;
        cli_table_add(&t, cells);
    }
    if (t.nrows > 0) {
        cli_sheet_title("%s", l->title);
        cli_table_print(&t);
    }
    cli_table_free(&t);
}

static void vdc_show(const xmlNode *v)
{
    cli_sheet_title("VDC %s INFORMATION", cli_xml_str(v, "ID"));
    cli_sheet_field("ID", cli_xml_text(v, "ID"));
    cli_sheet_field("NAME", cli_xml_text(v, "NAME"));
    if (cli_xml_count_ids(v, "GROUPS") > 0)
        cli_sheet_ids("GROUPS", cli_xml_child(v, "GROUPS"));
    for (size_t i = 0; i < NB_ARRAY_SIZE(vdc_lists); i++)
        show_entries(v, &vdc_lists[i]);
    cli_sheet_template("VDC TEMPLATE", cli_xml_child(v, "TEMPLATE"));
}

/* ---- commands ------------------------------------------------------------ */

/* add/del<resource> VDC ZONE ID|NAME|ALL: one.vdc.<method>(vdc, zone, id);
 * data: the method and what the third argument names. */
static int vdc_resource(cli_ctx *ctx)
{
    const cli_pair *p = ctx->cmd->data;
    const char *res = ctx->args.pos[2];
    char *method;
    int vdc, zone, id = VDC_ALL, rc;

    if (cli_resolve(ctx, ctx->obj, ctx->args.pos[0], &vdc) < 0 ||
        cli_resolve(ctx, &cli_zone_object, ctx->args.pos[1], &zone) < 0 ||
        (strcmp(res, VDC_ALL_WORD) != 0 && cli_resolve(ctx, p->second, res, &id) < 0))
        return -1;
    method = cli_method(ctx->obj, p->method, false);
    rc = cli_call(ctx->client, NULL, method, "iii", vdc, zone, id);
    free(method);
    return rc;
}

static const cli_pair pair_addgroup = { "addgroup", &cli_group_object };
static const cli_pair pair_delgroup = { "delgroup", &cli_group_object };
static const cli_pair res_addcluster = { "addcluster", &cli_cluster_object };
static const cli_pair res_delcluster = { "delcluster", &cli_cluster_object };
static const cli_pair res_addhost = { "addhost", &cli_host_object };
static const cli_pair res_delhost = { "delhost", &cli_host_object };
static const cli_pair res_adddatastore = { "adddatastore", &cli_datastore_object };
static const cli_pair res_deldatastore = { "deldatastore", &cli_datastore_object };
static const cli_pair res_addvnet = { "addvnet", &cli_vnet_ref };
static const cli_pair res_delvnet = { "delvnet", &cli_vnet_ref };

#define VDC_RESOURCE_CMD(verb, what, word, pair)                                   \
    { .name = verb, .synopsis = "VDC ZONE " word "|" VDC_ALL_WORD,                \
      .help = what, .min_args = 3, .max_args = 3, .run = vdc_resource, .data = &pair }

static const cli_command vdc_commands[] = {
    { .name = "list", .synopsis = "", .help = "List the VDCs",
      .min_args = 0, .max_args = 0, .run = cli_run_list },
    { .name = "show", .synopsis = "ID|NAME", .help = "Show a VDC",
      .min_args = 1, .max_args = 1, .run = cli_run_show },
    { .name = "create", .synopsis = "NAME", .help = "Create a VDC; prints its ID",
      .min_args = 1, .max_args = 1, .run = cli_run_allocate, .data = "NAME" },
    { .name = "delete", .synopsis = "ID|NAME...", .help = "Delete VDCs",
      .min_args = 1, .max_args = -1, .run = cli_run_delete },
    { .name = "rename", .synopsis = "ID|NAME NEWNAME", .help = "Rename a VDC",
      .min_args = 2, .max_args = 2, .run = cli_run_rename },
    { .name = "update", .synopsis = "ID|NAME FILE",
      .help = "Replace (or --append to) the VDC template from FILE ('-': stdin)",
      .min_args = 2, .max_args = 2, .opts = cli_update_opts, .run = cli_run_update },
    { .name = "addgroup", .synopsis = "VDC GROUP...", .help = "Add groups to a VDC",
      .min_args = 2, .max_args = -1, .run = cli_run_pair, .data = &pair_addgroup },
    { .name = "delgroup", .synopsis = "VDC GROUP...", .help = "Remove groups from a VDC",
      .min_args = 2, .max_args = -1, .run = cli_run_pair, .data = &pair_delgroup },
    VDC_RESOURCE_CMD("addcluster", "Add a cluster of a zone (or all of them)", "CLUSTER",
                     res_addcluster),
    VDC_RESOURCE_CMD("delcluster", "Remove a cluster (or ALL) from a VDC", "CLUSTER",
                     res_delcluster),
    VDC_RESOURCE_CMD("addhost", "Add a host of a zone (or all of them)", "HOST", res_addhost),
    VDC_RESOURCE_CMD("delhost", "Remove a host (or ALL) from a VDC", "HOST", res_delhost),
    VDC_RESOURCE_CMD("adddatastore", "Add a datastore of a zone (or all of them)", "DATASTORE",
                     res_adddatastore),
    VDC_RESOURCE_CMD("deldatastore", "Remove a datastore (or ALL) from a VDC", "DATASTORE",
                     res_deldatastore),
    VDC_RESOURCE_CMD("addvnet", "Add a network (by ID) of a zone (or all of them)", "VNET",
                     res_addvnet),
    VDC_RESOURCE_CMD("delvnet", "Remove a network (or ALL) from a VDC", "VNET", res_delvnet),
};

const cli_object cli_vdc_object = {
    .name = "vdc",
    .rpc = "vdc",
    .elem = "VDC",
    .pool_elem = "VDC_POOL",
    .pool_kind = CLI_POOL_PLAIN,
    .columns = vdc_columns,
    .ncolumns = NB_ARRAY_SIZE(vdc_columns),
    .show = vdc_show,
    .commands = vdc_commands,
    .ncommands = NB_ARRAY_SIZE(vdc_commands),
};
