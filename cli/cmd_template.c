/*
 * cmd_template.c: onetemplate.
 */
#include <stdio.h>
#include <stdlib.h>
#include "lib/buf.h"
#include "lib/template.h"
#include "lib/util.h"
#include "cli/commands.h"

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
    char *regtime = cli_time_str(cli_xml_ll(t, "REGTIME"));

    cli_sheet_title("TEMPLATE %s INFORMATION", cli_xml_str(t, "ID"));
    cli_sheet_field("ID", cli_xml_text(t, "ID"));
    cli_sheet_field("NAME", cli_xml_text(t, "NAME"));
    cli_sheet_field("USER", cli_xml_text(t, "UNAME"));
    cli_sheet_field("GROUP", cli_xml_text(t, "GNAME"));
    cli_sheet_field("LOCK", cli_lock_name(t));
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

static const cli_optdef instantiate_opts[] = {
    { "name", 0, "NAME", "Name of the VM (%i: its number with --multiple, from 0)" },
    { "hold", 0, NULL, "Create the VM on HOLD: the scheduler leaves it alone" },
    { "multiple", 'm', "N", "Create N VMs (default 1)" },
    { NULL, 0, NULL, NULL },
};

/* The --name for VM number i: each "%i" replaced by i, as OpenNebula's CLI. */
static char *instance_name(const char *name, int i)
{
    nb_buf b = NB_BUF_INIT;

    for (const char *p = name; *p; p++) {
        if (p[0] == '%' && p[1] == 'i') {
            nb_buf_addf(&b, "%d", i);
            p++;
        } else {
            nb_buf_addc(&b, *p);
        }
    }
    return nb_buf_steal(&b, NULL);
}

/*
 * instantiate ID|NAME [--name N] [--hold] [--multiple K]: for each VM, as
 * OpenNebula's CLI, one.template.info(id, false, false) then
 * one.template.instantiate(id, name or "", hold, extra, false), extra
 * being NAME="name" (or ""); prints "VM ID: n" each.  Stops at the first
 * failure.
 */
static int template_instantiate(cli_ctx *ctx)
{
    const char *name = cli_opt_get(&ctx->args, "name");
    bool hold = cli_opt_has(&ctx->args, "hold");
    int id, count, ret = 0;

    if (cli_opt_int(ctx, "multiple", 1, &count) < 0 ||
        cli_resolve(ctx, ctx->obj, ctx->args.pos[0], &id) < 0)
        return -1;
    if (count < 1) {
        cli_error("option --multiple expects a positive number, got %d", count);
        return -1;
    }
    for (int i = 0; i < count && ret == 0; i++) {
        char *vm_name = name ? instance_name(name, i) : nb_strdup("");
        nb_tmpl extra = NB_TMPL_INIT;
        nb_buf text = NB_BUF_INIT;
        int vm;

        /* The template writer quotes the name whatever it holds. */
        if (*vm_name)
            nb_tmpl_set(&extra, "NAME", vm_name);
        nb_tmpl_to_text(&extra, &text);
        ret = cli_call(ctx->client, NULL, "one.template.info", "ibb", id, 0, 0);
        if (ret == 0)
            ret = cli_call_int(ctx->client, &vm, "one.template.instantiate", "isbsb", id,
                               vm_name, hold, text.data ? text.data : "", 0);
        if (ret == 0)
            printf("VM ID: %d\n", vm);
        nb_buf_free(&text);
        nb_tmpl_free(&extra);
        free(vm_name);
    }
    return ret;
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
    CLI_OWNERSHIP_COMMANDS,
    { .name = "rename", .synopsis = "ID|NAME NEWNAME", .help = "Rename a VM template",
      .min_args = 2, .max_args = 2, .run = cli_run_rename },
    { .name = "lock", .synopsis = "ID|NAME...",
      .help = "Lock VM templates against changes (--use, --manage, --admin, --all)",
      .min_args = 1, .max_args = -1, .opts = cli_lock_opts, .run = cli_run_lock },
    { .name = "unlock", .synopsis = "ID|NAME...", .help = "Unlock VM templates",
      .min_args = 1, .max_args = -1, .run = cli_run_unlock },
    { .name = "instantiate", .synopsis = "ID|NAME",
      .help = "Create VMs from a VM template (--name, --hold, --multiple); prints their IDs",
      .min_args = 1, .max_args = 1, .opts = instantiate_opts, .run = template_instantiate },
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
