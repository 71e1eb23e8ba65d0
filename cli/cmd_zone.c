/*
 * cmd_zone.c: onezone.
 */
#include <string.h>
#include "lib/util.h"
#include "cli/commands.h"

/* ---- list ---------------------------------------------------------------- */

/* "*" marks zone 0, the local (and in practice only) zone. */
static char *cell_current(const cli_row *r)
{
    const char *id = cli_xml_text(r->node, "ID");
    return nb_strdup(id && strcmp(id, "0") == 0 ? "*" : "");
}

static const cli_column zone_columns[] = {
    { "C", 1, CLI_COL_LEFT, NULL, cell_current },
    { "ID", 5, 0, "ID", NULL },
    { "NAME", 25, CLI_COL_LEFT, "NAME", NULL },
    { "ENDPOINT", 50, CLI_COL_LEFT, "TEMPLATE/ENDPOINT", NULL },
};

/* ---- show ---------------------------------------------------------------- */

static const char *zone_state(const char *s)
{
    if (!s)
        return "";
    if (strcmp(s, "0") == 0)
        return "ENABLED";
    if (strcmp(s, "1") == 0)
        return "DISABLED";
    return s;
}

static void zone_show(const xmlNode *z)
{
    static const cli_column server_cols[] = {
        { "ID", 4, 0, "ID", NULL },
        { "NAME", 15, CLI_COL_LEFT, "NAME", NULL },
        { "ENDPOINT", 50, CLI_COL_LEFT, "ENDPOINT", NULL },
    };
    const xmlNode *servers = cli_xml_child(z, "SERVER_POOL");
    cli_table t;

    cli_sheet_title("ZONE %s INFORMATION", cli_xml_str(z, "ID"));
    cli_sheet_field("ID", cli_xml_text(z, "ID"));
    cli_sheet_field("NAME", cli_xml_text(z, "NAME"));
    cli_sheet_field("STATE", zone_state(cli_xml_text(z, "STATE")));

    cli_table_init(&t, server_cols, NB_ARRAY_SIZE(server_cols));
    for (const xmlNode *c = servers ? servers->children : NULL; c; c = c->next) {
        cli_row row = { c, NULL, NULL };
        if (cli_xml_is(c, "SERVER"))
            cli_table_add_row(&t, &row);
    }
    if (t.nrows > 0) {
        cli_sheet_title("ZONE SERVERS");
        cli_table_print(&t);
    }
    cli_table_free(&t);
    cli_sheet_template("ZONE TEMPLATE", cli_xml_child(z, "TEMPLATE"));
}

/* ---- commands ------------------------------------------------------------ */

static const cli_command zone_commands[] = {
    { .name = "list", .synopsis = "", .help = "List the zones",
      .min_args = 0, .max_args = 0, .run = cli_run_list },
    { .name = "show", .synopsis = "ID|NAME", .help = "Show a zone",
      .min_args = 1, .max_args = 1, .run = cli_run_show },
};

const cli_object cli_zone_object = {
    .name = "zone",
    .rpc = "zone",
    .elem = "ZONE",
    .pool_elem = "ZONE_POOL",
    .pool_kind = CLI_POOL_PLAIN,
    .show_self = false,
    .columns = zone_columns,
    .ncolumns = NB_ARRAY_SIZE(zone_columns),
    .show = zone_show,
    .commands = zone_commands,
    .ncommands = NB_ARRAY_SIZE(zone_commands),
};
