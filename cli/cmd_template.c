/*
 * cmd_template.c: onetemplate.
 */
#include <stdio.h>
#include <stdlib.h>
#include "lib/util.h"
#include "cli/commands.h"

/* Lock levels as oned takes them and `show` names them (OpenNebula's
 * level_lock_to_str); 0 is "not locked". */
static const char *const lock_levels[] = { "None", "Use", "Manage", "Admin", "All" };

/* ---- list ---------------------------------------------------------------- */

static char *cell_regtime(const cli_row *r)
{
    return cli_time_str(cli_xml_ll(r->node, "REGTIME"));
}

static const cli_column template_columns[] = {
    { "ID", 4, 0, "ID", NULL },
    { "USER", 15, CLI_COL_LEFT, "UNAME", NULL },
    { "GROUP", 15, CLI_COL_LEFT, "GNAME", NULL },
    { "NAME", 27, CLI_COL_LEFT, "NAME", NULL },
    { "REGTIME", 15, 0, NULL, cell_regtime },
};

/* ---- show ---------------------------------------------------------------- */

static void template_show(const xmlNode *t)
{
    int level = cli_xml_enum(t, "LOCK/LOCKED", NB_ARRAY_SIZE(lock_levels));
    char *regtime = cli_time_str(cli_xml_ll(t, "REGTIME"));

    cli_sheet_title("TEMPLATE %s INFORMATION", cli_xml_str(t, "ID"));
    cli_sheet_field("ID", cli_xml_text(t, "ID"));
    cli_sheet_field("NAME", cli_xml_text(t, "NAME"));
    cli_sheet_field("USER", cli_xml_text(t, "UNAME"));
    cli_sheet_field("GROUP", cli_xml_text(t, "GNAME"));
    cli_sheet_field("LOCK", lock_levels[level < 0 ? 0 : level]);
    cli_sheet_field("REGISTER TIME", regtime);
    free(regtime);
    cli_sheet_permissions(t);
    cli_sheet_template("TEMPLATE CONTENTS", cli_xml_child(t, "TEMPLATE"));
}

/* ---- commands ------------------------------------------------------------ */

/* create FILE: one.template.allocate(text); FILE "-" is stdin. */
static int template_create(cli_ctx *ctx)
{
    char *text = cli_read_input(ctx->args.pos[0]);
    int id, rc;

    if (!text)
        return -1;
    rc = cli_call_int(ctx->client, &id, "one.template.allocate", "s", text);
    if (rc == 0)
        printf("ID: %d\n", id);
    free(text);
    return rc;
}

/* clone ID NAME: one.template.clone(id, name, false), as the Ruby CLI. */
static int template_clone(cli_ctx *ctx)
{
    int id, copy;

    if (cli_resolve(ctx, ctx->obj, ctx->args.pos[0], &id) < 0 ||
        cli_call_int(ctx->client, &copy, "one.template.clone", "isb", id, ctx->args.pos[1],
                     0) < 0)
        return -1;
    printf("ID: %d\n", copy);
    return 0;
}

static const cli_optdef lock_opts[] = {
    { "use", 0, NULL, "Block every operation but info (the default)" },
    { "manage", 0, NULL, "Block MANAGE and ADMIN operations" },
    { "admin", 0, NULL, "Block ADMIN operations" },
    { "all", 0, NULL, "The same as --use" },
    { NULL, 0, NULL, NULL },
};

/* The level the options ask for (lock_opts are in level order, 1 to 4): the
 * most restrictive one given wins; none is USE. */
static int lock_level(const cli_ctx *ctx)
{
    for (int level = 1; level < (int)NB_ARRAY_SIZE(lock_levels); level++)
        if (cli_opt_has(&ctx->args, lock_opts[level - 1].name))
            return level;
    return 1;
}

static int lock_one(cli_ctx *ctx, int id)
{
    return cli_call(ctx->client, NULL, "one.template.lock", "ii", id, lock_level(ctx));
}

static int unlock_one(cli_ctx *ctx, int id)
{
    return cli_call(ctx->client, NULL, "one.template.unlock", "i", id);
}

static int template_lock(cli_ctx *ctx)
{
    return cli_each_id(ctx, 0, lock_one);
}

static int template_unlock(cli_ctx *ctx)
{
    return cli_each_id(ctx, 0, unlock_one);
}

static const cli_command template_commands[] = {
    { .name = "list", .synopsis = "", .help = "List the VM templates",
      .min_args = 0, .max_args = 0, .run = cli_run_list },
    { .name = "show", .synopsis = "ID|NAME", .help = "Show a VM template",
      .min_args = 1, .max_args = 1, .run = cli_run_show },
    { .name = "create", .synopsis = "FILE",
      .help = "Create a VM template from FILE ('-': stdin; NAME required); prints its ID",
      .min_args = 1, .max_args = 1, .run = template_create },
    { .name = "clone", .synopsis = "ID|NAME NAME", .help = "Copy a VM template; prints its ID",
      .min_args = 2, .max_args = 2, .run = template_clone },
    { .name = "delete", .synopsis = "ID|NAME...", .help = "Delete VM templates",
      .min_args = 1, .max_args = -1, .run = cli_run_delete },
    { .name = "update", .synopsis = "ID|NAME FILE",
      .help = "Replace (or --append to) the template contents from FILE ('-': stdin)",
      .min_args = 2, .max_args = 2, .opts = cli_update_opts, .run = cli_run_update },
    { .name = "chmod", .synopsis = "ID|NAME OCTAL",
      .help = "Set permissions, e.g. 640 (digits: USE=4 MANAGE=2 ADMIN=1)",
      .min_args = 2, .max_args = 2, .run = cli_run_chmod },
    { .name = "chown", .synopsis = "ID|NAME USER [GROUP]", .help = "Change the owner (and group)",
      .min_args = 2, .max_args = 3, .run = cli_run_chown },
    { .name = "chgrp", .synopsis = "ID|NAME GROUP", .help = "Change the group",
      .min_args = 2, .max_args = 2, .run = cli_run_chgrp },
    { .name = "rename", .synopsis = "ID|NAME NEWNAME", .help = "Rename a VM template",
      .min_args = 2, .max_args = 2, .run = cli_run_rename },
    { .name = "lock", .synopsis = "ID|NAME...",
      .help = "Lock VM templates against changes (--use, --manage, --admin, --all)",
      .min_args = 1, .max_args = -1, .opts = lock_opts, .run = template_lock },
    { .name = "unlock", .synopsis = "ID|NAME...", .help = "Unlock VM templates",
      .min_args = 1, .max_args = -1, .run = template_unlock },
};

const cli_object cli_template_object = {
    .name = "template",
    .rpc = "template",
    .elem = "VMTEMPLATE",
    .pool_elem = "VMTEMPLATE_POOL",
    .pool_kind = CLI_POOL_FILTERED,
    .columns = template_columns,
    .ncolumns = NB_ARRAY_SIZE(template_columns),
    .show = template_show,
    .commands = template_commands,
    .ncommands = NB_ARRAY_SIZE(template_commands),
};
