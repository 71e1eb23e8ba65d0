/*
 * cmd_user.c: oneuser.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/buf.h"
#include "lib/util.h"
#include "cli/commands.h"

#define DEFAULT_AUTH_DRIVER "core"
#define DEFAULT_TOKEN_TIME 36000

/* ---- list ---------------------------------------------------------------- */

static char *cell_enabled(const cli_row *r)
{
    const char *e = cli_xml_text(r->node, "ENABLED");
    return nb_strdup(e && strcmp(e, "1") == 0 ? "yes" : "no");
}

static const cli_column user_columns[] = {
    { "ID", 4, 0, "ID", NULL },
    { "NAME", 15, CLI_COL_LEFT, "NAME", NULL },
    { "ENAB", 4, CLI_COL_LEFT, NULL, cell_enabled },
    { "GROUP", 8, CLI_COL_LEFT, "GNAME", NULL },
    /* OpenNebula cuts the driver too: "server_cipher" shows as "server_c". */
    { "AUTH", 8, CLI_COL_LEFT | CLI_COL_TRUNC, "AUTH_DRIVER", NULL },
    { "VMS", 10, 0, NULL, cli_cell_vm_quota_vms },
    { "MEMORY", 10, 0, NULL, cli_cell_vm_quota_memory },
    { "CPU", 10, 0, NULL, cli_cell_vm_quota_cpu },
};

/* ---- show ---------------------------------------------------------------- */

static void show_tokens(const xmlNode *u)
{
    static const cli_column cols[] = {
        { "TOKEN", 40, CLI_COL_LEFT, NULL, NULL },
        { "EGID", 4, 0, NULL, NULL },
        { "EXPIRATION", 14, CLI_COL_LEFT, NULL, NULL },
    };
    cli_table t;

    cli_table_init(&t, cols, NB_ARRAY_SIZE(cols));
    for (const xmlNode *c = u->children; c; c = c->next) {
        const char *egid, *exp, *cells[3];
        char *when = NULL;
        long long e;

        if (!cli_xml_is(c, "LOGIN_TOKEN"))
            continue;
        egid = cli_xml_text(c, "EGID");
        exp = cli_xml_text(c, "EXPIRATION_TIME");
        if (exp && nb_parse_ll(exp, &e) == 0)
            when = e == -1 ? nb_strdup("forever") : cli_time_str(e);
        cells[0] = cli_xml_text(c, "TOKEN");
        cells[1] = !egid || strcmp(egid, "-1") == 0 ? "*" : egid;   /* "*": all groups */
        cells[2] = when ? when : exp;
        cli_table_add(&t, cells);
        free(when);
    }
    if (t.nrows > 0) {
        cli_sheet_title("LOGIN TOKENS");
        cli_table_print(&t);
    }
    cli_table_free(&t);
}

static void user_show(const xmlNode *u)
{
    const char *gid = cli_xml_text(u, "GID");
    const char *enabled = cli_xml_text(u, "ENABLED");
    const xmlNode *groups = cli_xml_child(u, "GROUPS");
    nb_buf secondary = NB_BUF_INIT;

    for (const xmlNode *c = groups ? groups->children : NULL; c; c = c->next) {
        const char *id = cli_xml_is(c, "ID") ? cli_xml_text(c, NULL) : NULL;
        if (!id || (gid && strcmp(id, gid) == 0))
            continue;
        if (secondary.len)
            nb_buf_addc(&secondary, ',');
        nb_buf_adds(&secondary, id);
    }

    cli_sheet_title("USER %s INFORMATION", cli_xml_str(u, "ID"));
    cli_sheet_field("ID", cli_xml_text(u, "ID"));
    cli_sheet_field("NAME", cli_xml_text(u, "NAME"));
    cli_sheet_field("GROUP", cli_xml_text(u, "GNAME"));
    if (secondary.len)
        cli_sheet_field("SECONDARY GROUPS", secondary.data);
    cli_sheet_field("PASSWORD", cli_xml_text(u, "PASSWORD"));
    cli_sheet_field("AUTH_DRIVER", cli_xml_text(u, "AUTH_DRIVER"));
    cli_sheet_field("ENABLED", enabled && strcmp(enabled, "1") == 0 ? "Yes" : "No");
    show_tokens(u);
    cli_sheet_template("USER TEMPLATE", cli_xml_child(u, "TEMPLATE"));
    cli_sheet_quotas(u, cli_xml_child(u, "DEFAULT_USER_QUOTAS"));
    nb_buf_free(&secondary);
}

/* ---- commands ------------------------------------------------------------ */

static const cli_optdef create_opts[] = {
    { "driver", 0, "DRIVER", "Authentication driver (default: " DEFAULT_AUTH_DRIVER ")" },
    { "group", 0, "GROUP[,GROUP...]", "Primary group, then secondary ones (ids or names)" },
    { NULL, 0, NULL, NULL },
};

/* one.user.allocate(name, password, driver, [gids]) */
static int user_create(cli_ctx *ctx)
{
    const char *driver = cli_opt_get(&ctx->args, "driver");
    const char *groups = cli_opt_get(&ctx->args, "group");
    int *gids = NULL;
    size_t ngids = 0;
    int id, ret = -1;

    if (groups && cli_resolve_list(ctx, &cli_group_object, groups, &gids, &ngids) < 0)
        goto cleanup;
    if (cli_call_int(ctx->client, &id, "one.user.allocate", "sssI", ctx->args.pos[0],
                     ctx->args.pos[1], driver ? driver : DEFAULT_AUTH_DRIVER, gids, ngids) < 0)
        goto cleanup;
    printf("ID: %d\n", id);
    ret = 0;
 cleanup:
    free(gids);
    return ret;
}

static int user_passwd(cli_ctx *ctx)
{
    int id;

    if (cli_resolve(ctx, ctx->obj, ctx->args.pos[0], &id) < 0)
        return -1;
    return cli_call(ctx->client, NULL, "one.user.passwd", "is", id, ctx->args.pos[1]);
}

static int user_chauth(cli_ctx *ctx)
{
    const char *password = ctx->args.npos > 2 ? ctx->args.pos[2] : "";   /* "": keep it */
    int id;

    if (cli_resolve(ctx, ctx->obj, ctx->args.pos[0], &id) < 0)
        return -1;
    return cli_call(ctx->client, NULL, "one.user.chauth", "iss", id, ctx->args.pos[1], password);
}

static const cli_optdef login_opts[] = {
    { "time", 0, "SECONDS", "Validity (default 36000; -1: never expires, 0: revoke)" },
    { "group", 0, "GROUP", "Bind the token to this group (id or name)" },
    { "token", 0, "TOKEN", "Renew or, with --time 0, revoke this token" },
    { NULL, 0, NULL, NULL },
};

/* one.user.login(name, token, valid, egid); prints the token. */
static int user_login(cli_ctx *ctx)
{
    const char *group = cli_opt_get(&ctx->args, "group");
    const char *token = cli_opt_get(&ctx->args, "token");
    char *result = NULL;
    int valid, egid = -1;

    if (cli_opt_int(ctx, "time", DEFAULT_TOKEN_TIME, &valid) < 0 ||
        (group && cli_resolve(ctx, &cli_group_object, group, &egid) < 0))
        return -1;
    if (cli_call_string(ctx->client, &result, "one.user.login", "ssii", ctx->args.pos[0],
                        token ? token : "", valid, egid) < 0)
        return -1;
    if (*result)
        printf("%s\n", result);
    nb_wipe(result, strlen(result));
    free(result);
    return 0;
}

static const bool enable_yes = true, enable_no = false;

static int enable_one(cli_ctx *ctx, int id)
{
    const bool *on = ctx->cmd->data;
    return cli_call(ctx->client, NULL, "one.user.enable", "ib", id, *on);
}

static int user_enable(cli_ctx *ctx)
{
    return cli_each_id(ctx, 0, enable_one);
}

static const cli_pair pair_chgrp = { "chgrp", &cli_group_object };
static const cli_pair pair_addgroup = { "addgroup", &cli_group_object };
static const cli_pair pair_delgroup = { "delgroup", &cli_group_object };

static const cli_command user_commands[] = {
    { .name = "list", .synopsis = "", .help = "List the users",
      .min_args = 0, .max_args = 0, .run = cli_run_list },
    { .name = "show", .synopsis = "[ID|NAME]", .help = "Show a user (yourself by default)",
      .min_args = 0, .max_args = 1, .run = cli_run_show },
    { .name = "create", .synopsis = "NAME PASSWORD", .help = "Create a user; prints its ID",
      .min_args = 2, .max_args = 2, .opts = create_opts, .run = user_create },
    { .name = "delete", .synopsis = "ID|NAME...", .help = "Delete users",
      .min_args = 1, .max_args = -1, .run = cli_run_delete },
    { .name = "passwd", .synopsis = "ID|NAME PASSWORD", .help = "Change a user's password",
      .min_args = 2, .max_args = 2, .run = user_passwd },
    { .name = "chgrp", .synopsis = "ID|NAME GROUP", .help = "Change a user's primary group",
      .min_args = 2, .max_args = 2, .run = cli_run_pair, .data = &pair_chgrp },
    { .name = "addgroup", .synopsis = "ID|NAME GROUP", .help = "Add a secondary group",
      .min_args = 2, .max_args = 2, .run = cli_run_pair, .data = &pair_addgroup },
    { .name = "delgroup", .synopsis = "ID|NAME GROUP", .help = "Remove a secondary group",
      .min_args = 2, .max_args = 2, .run = cli_run_pair, .data = &pair_delgroup },
    { .name = "login", .synopsis = "NAME", .help = "Create a login token; prints it",
      .min_args = 1, .max_args = 1, .opts = login_opts, .run = user_login },
    { .name = "enable", .synopsis = "ID|NAME...", .help = "Enable users",
      .min_args = 1, .max_args = -1, .run = user_enable, .data = &enable_yes },
    { .name = "disable", .synopsis = "ID|NAME...", .help = "Disable users",
      .min_args = 1, .max_args = -1, .run = user_enable, .data = &enable_no },
    { .name = "chauth", .synopsis = "ID|NAME DRIVER [PASSWORD]",
      .help = "Change a user's auth driver (and password)",
      .min_args = 2, .max_args = 3, .run = user_chauth },
    { .name = "update", .synopsis = "ID|NAME FILE",
      .help = "Replace (or --append to) the user template from FILE ('-': stdin)",
      .min_args = 2, .max_args = 2, .opts = cli_update_opts, .run = cli_run_update },
    { .name = "quota", .synopsis = "ID|NAME FILE",
      .help = "Set the user's VM quota from FILE, e.g. VM=[VMS=4, CPU=2] ('-': stdin)",
      .min_args = 2, .max_args = 2, .run = cli_run_quota },
    { .name = "defaultquota", .synopsis = "FILE",
      .help = "Set the default VM quota of every user from FILE ('-': stdin)",
      .min_args = 1, .max_args = 1, .run = cli_run_defaultquota },
};

const cli_object cli_user_object = {
    .name = "user",
    .rpc = "user",
    .elem = "USER",
    .pool_elem = "USER_POOL",
    .pool_kind = CLI_POOL_PLAIN,
    .show_self = true,
    .columns = user_columns,
    .ncolumns = NB_ARRAY_SIZE(user_columns),
    .show = user_show,
    .commands = user_commands,
    .ncommands = NB_ARRAY_SIZE(user_commands),
};
