/*
 * cmd_group.c: onegroup.
 */
#include <stdio.h>
#include <stdlib.h>
#include "acl/rule.h"
#include "lib/util.h"
#include "cli/commands.h"

/*
 * What OpenNebula's `onegroup create` does after one.group.allocate (client
 * contract §1), in its order: oned grants a new group nothing, so the CLI
 * adds the rule that lets members create their own virtual resources,
 * "@gid VM+IMAGE+TEMPLATE+DOCUMENT+SECGROUP+VROUTER+VMGROUP+BACKUPJOB/<all>
 * CREATE <all zones>", and deletes a group that cannot get it; then it sets
 * the group-admin views of the web UI.
 */
#define GROUP_CREATE_TYPES (NB_ACL_VM | NB_ACL_IMAGE | NB_ACL_TEMPLATE | NB_ACL_DOCUMENT | \
                            NB_ACL_SECGROUP | NB_ACL_VROUTER | NB_ACL_VMGROUP | NB_ACL_BACKUPJOB)
#define GROUP_VIEWS "FIREEDGE=[GROUP_ADMIN_VIEWS=groupadmin,\nGROUP_ADMIN_DEFAULT_VIEW=groupadmin]\n"

/* ---- list ---------------------------------------------------------------- */

static const cli_column group_columns[] = {
    { "ID", 4, 0, "ID", NULL },
    { "NAME", 20, CLI_COL_LEFT, "NAME", NULL },
    { "USERS", 5, CLI_COL_COUNT, "USERS", NULL },
    { "VMS", 5, 0, NULL, cli_cell_vm_quota_vms },
    { "MEMORY", 17, 0, NULL, cli_cell_vm_quota_memory },
    { "CPU", 11, 0, NULL, cli_cell_vm_quota_cpu },
};

/* ---- show ---------------------------------------------------------------- */

static void group_show(const xmlNode *g)
{
    cli_sheet_title("GROUP %s INFORMATION", cli_xml_str(g, "ID"));
    cli_sheet_field("ID", cli_xml_text(g, "ID"));
    cli_sheet_field("NAME", cli_xml_text(g, "NAME"));
    cli_sheet_template("GROUP TEMPLATE", cli_xml_child(g, "TEMPLATE"));
    cli_sheet_ids("USERS", cli_xml_child(g, "USERS"));
    cli_sheet_ids("ADMINS", cli_xml_child(g, "ADMINS"));
    cli_sheet_quotas(g, cli_xml_child(g, "DEFAULT_GROUP_QUOTAS"));
}

/* ---- commands ------------------------------------------------------------ */

static int group_create(cli_ctx *ctx)
{
    nb_acl_rule rule = {
        .resource = GROUP_CREATE_TYPES | NB_ACL_ALL,
        .rights = NB_OP_CREATE,
        .zone = NB_ACL_ALL,
    };
    int gid;

    if (cli_call_int(ctx->client, &gid, "one.group.allocate", "s", ctx->args.pos[0]) < 0)
        return -1;
    rule.user = NB_ACL_GROUP | (uint64_t)gid;
    if (cli_acl_addrule(ctx, &rule, NULL) < 0) {
        cli_error_prefix("Error creating group ACL's: ");
        cli_error_report();
        if (cli_call(ctx->client, NULL, "one.group.delete", "i", gid) < 0)
            cli_error_prefix("Group %d was created and could not be deleted again: ", gid);
        return -1;
    }
    if (cli_call(ctx->client, NULL, "one.group.update", "isi", gid, GROUP_VIEWS, 1) < 0) {
        cli_error_prefix("Warning: group %d created, but its views were not set: ", gid);
        cli_error_report();
    }
    printf("ID: %d\n", gid);
    return 0;
}

static const cli_pair pair_addadmin = { "addadmin", &cli_user_object };
static const cli_pair pair_deladmin = { "deladmin", &cli_user_object };

static const cli_command group_commands[] = {
    { .name = "list", .synopsis = "", .help = "List the groups",
      .min_args = 0, .max_args = 0, .run = cli_run_list },
    { .name = "show", .synopsis = "[ID|NAME]", .help = "Show a group (your group by default)",
      .min_args = 0, .max_args = 1, .run = cli_run_show },
    { .name = "create", .synopsis = "NAME",
      .help = "Create a group; prints its ID",
      .min_args = 1, .max_args = 1, .run = group_create },
    { .name = "delete", .synopsis = "ID|NAME...", .help = "Delete groups",
      .min_args = 1, .max_args = -1, .run = cli_run_delete },
    { .name = "addadmin", .synopsis = "GROUP USER", .help = "Make a member user a group admin",
      .min_args = 2, .max_args = 2, .run = cli_run_pair, .data = &pair_addadmin },
    { .name = "deladmin", .synopsis = "GROUP USER", .help = "Remove a group admin",
      .min_args = 2, .max_args = 2, .run = cli_run_pair, .data = &pair_deladmin },
    { .name = "update", .synopsis = "ID|NAME FILE",
      .help = "Replace (or --append to) the group template from FILE ('-': stdin)",
      .min_args = 2, .max_args = 2, .opts = cli_update_opts, .run = cli_run_update },
    { .name = "quota", .synopsis = "ID|NAME FILE",
      .help = "Set the group's VM quota from FILE, e.g. VM=[VMS=4, CPU=2] ('-': stdin)",
      .min_args = 2, .max_args = 2, .run = cli_run_quota },
    { .name = "defaultquota", .synopsis = "FILE",
      .help = "Set the default VM quota of every group from FILE ('-': stdin)",
      .min_args = 1, .max_args = 1, .run = cli_run_defaultquota },
};

const cli_object cli_group_object = {
    .name = "group",
    .rpc = "group",
    .elem = "GROUP",
    .pool_elem = "GROUP_POOL",
    .pool_kind = CLI_POOL_PLAIN,
    .show_self = true,
    .columns = group_columns,
    .ncolumns = NB_ARRAY_SIZE(group_columns),
    .show = group_show,
    .commands = group_commands,
    .ncommands = NB_ARRAY_SIZE(group_commands),
};
