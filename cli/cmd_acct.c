/*
 * cmd_acct.c: oneacct and oneshowback (reference §10.2, §10.3), as
 * OpenNebula's Ruby commands:
 *
 *   oneacct [-s TIME] [-e TIME] [-u USER] [-g GROUP] [-H HOST] [-x|-j]
 *       one.vmpool.accounting(USER or -2, start or -1, end or -1); the
 *       group and host filters apply to the records received (VM/GID,
 *       HID).  The table is one section per user ("# User N").
 *   oneshowback list [-s MM/YYYY] [-e MM/YYYY] [-u USER] [-g GROUP] [-x|-j]
 *       one.vmpool.showback(USER or -2, months or -1), one section per
 *       month ("# Showback for M/YYYY").
 *   oneshowback calculate [-s MM/YYYY] [-e MM/YYYY]
 *       one.vmpool.calculateshowback(months or -1).
 *
 * TIME is epoch seconds or a local date: YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS],
 * YYYY/MM/DD or MM/DD/YYYY.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lib/util.h"
#include "cli/commands.h"

/* ---- options ------------------------------------------------------------- */

static const cli_optdef acct_opts[] = {
    { "start", 's', "TIME", "First moment of the records (epoch or YYYY-MM-DD[ HH:MM[:SS]])" },
    { "end", 'e', "TIME", "Last moment of the records" },
    { "userfilter", 'u', "USER", "Only the VMs of this user (name or ID)" },
    { "group", 'g', "GROUP", "Only the VMs of this group (name or ID)" },
    { "host", 'H', "HOST", "Only the records on this host (name or ID)" },
    { NULL, 0, NULL, NULL },
};

static const cli_optdef showback_list_opts[] = {
    { "start", 's', "MM/YYYY", "First month" },
    { "end", 'e', "MM/YYYY", "Last month" },
    { "userfilter", 'u', "USER", "Only the VMs of this user (name or ID)" },
    { "group", 'g', "GROUP", "Only the VMs of this group (name or ID)" },
    { NULL, 0, NULL, NULL },
};

static const cli_optdef showback_calc_opts[] = {
    { "start", 's', "MM/YYYY", "First month (default: the first placement)" },
    { "end", 'e', "MM/YYYY", "Last month (default: this month)" },
    { NULL, 0, NULL, NULL },
};

/* --NAME as epoch seconds, -1 when absent. */
static int opt_time(const cli_ctx *ctx, const char *name, long long *out)
{
    static const char *const formats[] = {
        "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y",
    };
    const char *v = cli_opt_get(&ctx->args, name);

    *out = -1;
    if (!v)
        return 0;
    if (nb_parse_ll(v, out) == 0 && *out >= 0)
        return 0;
    for (size_t i = 0; i < NB_ARRAY_SIZE(formats); i++) {
        struct tm tm = { .tm_isdst = -1 };
        const char *end = strptime(v, formats[i], &tm);
        if (end && !*end) {
            *out = (long long)mktime(&tm);
            return 0;
        }
    }
    cli_error("option --%s expects a time (epoch seconds, YYYY-MM-DD[ HH:MM[:SS]], "
              "YYYY/MM/DD or MM/DD/YYYY), got '%s'", name, v);
    return -1;
}

/* --NAME as (month, year), both -1 when absent. */
static int opt_month(const cli_ctx *ctx, const char *name, int *month, int *year)
{
    const char *v = cli_opt_get(&ctx->args, name);
    char extra;

    *month = *year = -1;
    if (!v)
        return 0;
    if (sscanf(v, "%d/%d%c", month, year, &extra) == 2 && *month >= 1 && *month <= 12 &&
        *year >= 1970 && *year <= 9999)
        return 0;
    cli_error("option --%s expects a month as MM/YYYY, got '%s'", name, v);
    return -1;
}

/* --NAME naming an object of obj's kind: its id, or -1 when absent. */
static int opt_object(cli_ctx *ctx, const char *name, const cli_object *obj, int *id)
{
    const char *v = cli_opt_get(&ctx->args, name);

    *id = -1;
    return v ? cli_resolve(ctx, obj, v, id) : 0;
}

/* Drop the children of root whose integer at path is not want (want -1:
 * keep all). */
static void keep_only(xmlNode *root, const char *path, int want)
{
    xmlNode *c = root->children, *next;

    for (; want >= 0 && c; c = next) {
        next = c->next;
        if (c->type == XML_ELEMENT_NODE && cli_xml_ll(c, path) == want)
            continue;
        xmlUnlinkNode(c);
        xmlFreeNode(c);
    }
}

/* How report sections are told apart: a number per element. */
typedef long long (*section_key)(const xmlNode *n);

/* Sorted distinct keys of root's elements. */
static size_t distinct(const xmlNode *root, section_key key, long long **out)
{
    size_t n = 0, cap = 0;

    *out = NULL;
    for (const xmlNode *c = root->children; c; c = c->next) {
        long long v;
        size_t i = 0;
        if (c->type != XML_ELEMENT_NODE)
            continue;
        v = key(c);
        while (i < n && (*out)[i] < v)
            i++;
        if (i < n && (*out)[i] == v)
            continue;
        nb_grow(out, &cap, n + 1, sizeof(**out));
        memmove(*out + i + 1, *out + i, (n - i) * sizeof(**out));
        (*out)[i] = v;
        n++;
    }
    return n;
}

/* The table sections in key order: a header line made by title() from the
 * section's first element, then a table of the section's elements. */
static void print_sections(const xmlNode *root, section_key key, const cli_column *cols,
                           size_t ncols, void (*title)(const xmlNode *first))
{
    long long *keys;
    size_t nkeys = distinct(root, key, &keys);

    for (size_t k = 0; k < nkeys; k++) {
        cli_table t;
        const xmlNode *first = NULL;

        cli_table_init(&t, cols, ncols);
        for (const xmlNode *c = root->children; c; c = c->next) {
            cli_row row = { c, NULL, NULL };
            if (c->type != XML_ELEMENT_NODE || key(c) != keys[k])
                continue;
            first = first ? first : c;
            cli_table_add_row(&t, &row);
        }
        title(first);
        cli_table_print(&t);
        printf("\n");
        cli_table_free(&t);
    }
    free(keys);
}

/* The document in the selected mode; sections() prints the table mode. */
static int print_report(const cli_ctx *ctx, xmlDoc *doc, void (*sections)(const xmlNode *root))
{
    if (ctx->out == CLI_OUT_XML)
        return cli_print_xml(doc);
    if (ctx->out == CLI_OUT_JSON)
        return cli_print_json(doc);
    sections(xmlDocGetRootElement(doc));
    return 0;
}

/* ---- oneacct ------------------------------------------------------------- */

static char *when(const xmlNode *n, const char *path)
{
    long long t = cli_xml_ll(n, path);
    return t ? cli_time_str(t) : nb_strdup("-");
}

static char *acell_action(const cli_row *r)
{
    const char *name = cli_vm_action_name((int)cli_xml_ll(r->node, "ACTION"));
    return nb_strdup(name ? name : cli_xml_str(r->node, "ACTION"));
}

static char *acell_start(const cli_row *r) { return when(r->node, "STIME"); }
static char *acell_end(const cli_row *r) { return when(r->node, "ETIME"); }

static char *acell_memory(const cli_row *r)
{
    return cli_mb_str(cli_xml_ll(r->node, "VM/TEMPLATE/MEMORY"));
}

/* Network counters are bytes; the human form takes kilobytes. */
static char *acell_netrx(const cli_row *r)
{
    return cli_kb_str(cli_xml_ll(r->node, "VM/MONITORING/NETRX") / 1024);
}

static char *acell_nettx(const cli_row *r)
{
    return cli_kb_str(cli_xml_ll(r->node, "VM/MONITORING/NETTX") / 1024);
}

/* Every DISK's SIZE (MB). */
static char *acell_disk(const cli_row *r)
{
    const xmlNode *tmpl = cli_xml_child(r->node, "VM/TEMPLATE");
    long long mb = 0;

    for (const xmlNode *c = tmpl ? tmpl->children : NULL; c; c = c->next)
        if (cli_xml_is(c, "DISK"))
            mb += cli_xml_ll(c, "SIZE");
    return cli_mb_str(mb);
}

static const cli_column acct_columns[] = {
    { "VID", 4, 0, "OID", NULL },
    { "HOSTNAME", 15, CLI_COL_LEFT, "HOSTNAME", NULL },
    { "ACTION", 16, CLI_COL_LEFT, NULL, acell_action },
    { "START_TIME", 14, 0, NULL, acell_start },
    { "END_TIME", 14, 0, NULL, acell_end },
    { "MEMORY", 6, 0, NULL, acell_memory },
    { "CPU", 3, 0, "VM/TEMPLATE/CPU", NULL },
    { "NETRX", 6, 0, NULL, acell_netrx },
    { "NETTX", 6, 0, NULL, acell_nettx },
    { "DISK", 6, 0, NULL, acell_disk },
};

static void acct_user_title(const xmlNode *first)
{
    printf("# User %s\n\n", cli_xml_str(first, "VM/UID"));
}

static long long acct_user(const xmlNode *n)
{
    return cli_xml_ll(n, "VM/UID");
}

static void acct_sections(const xmlNode *root)
{
    print_sections(root, acct_user, acct_columns, NB_ARRAY_SIZE(acct_columns), acct_user_title);
}

/* "2026-11-22 10:00:00 +0000", or "-" for an open end. */
static void print_moment(long long t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char buf[64];

    if (t < 0 || !localtime_r(&tt, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %z", &tm))
        printf("-");
    else
        printf("%s", buf);
}

static int acct_run(cli_ctx *ctx)
{
    long long start, end;
    int uid, gid, hid, ret = -1;
    char *text = NULL;
    xmlDoc *doc = NULL;

    if (opt_time(ctx, "start", &start) < 0 || opt_time(ctx, "end", &end) < 0 ||
        opt_object(ctx, "userfilter", &cli_user_object, &uid) < 0 ||
        opt_object(ctx, "group", &cli_group_object, &gid) < 0 ||
        opt_object(ctx, "host", &cli_host_object, &hid) < 0)
        return -1;
    if (cli_call_string(ctx->client, &text, "one.vmpool.accounting", "iii",
                        uid >= 0 ? uid : -2, (int)start, (int)end) < 0 ||
        !(doc = cli_xml_parse(text, strlen(text))))
        goto cleanup;
    keep_only(xmlDocGetRootElement(doc), "VM/GID", gid);
    keep_only(xmlDocGetRootElement(doc), "HID", hid);
    if (ctx->out == CLI_OUT_TABLE) {
        printf("Showing active history records from ");
        print_moment(start);
        printf(" to ");
        print_moment(end);
        printf("\n\n");
    }
    ret = print_report(ctx, doc, acct_sections);
 cleanup:
    xmlFreeDoc(doc);
    free(text);
    return ret;
}

static const cli_command acct_commands[] = {
    { .name = "", .synopsis = "",
      .help = "Show the VMs' stays on hosts (HISTORY records) in a time range, per user",
      .min_args = 0, .max_args = 0, .opts = acct_opts, .run = acct_run },
};

const cli_object cli_acct_object = {
    .name = "acct",
    .rpc = "vm",
    .elem = "HISTORY",
    .verbless = true,
    .commands = acct_commands,
    .ncommands = NB_ARRAY_SIZE(acct_commands),
};

/* ---- oneshowback --------------------------------------------------------- */

static const cli_column showback_columns[] = {
    { "USER_NAME", 12, CLI_COL_LEFT, "UNAME", NULL },
    { "GROUP_NAME", 12, CLI_COL_LEFT, "GNAME", NULL },
    { "VM_ID", 6, 0, "VMID", NULL },
    { "VM_NAME", 12, CLI_COL_LEFT, "VMNAME", NULL },
    { "MONTH", 5, 0, "MONTH", NULL },
    { "YEAR", 5, 0, "YEAR", NULL },
    { "HOURS", 6, 0, "HOURS", NULL },
    { "RUNNING_HOURS", 7, 0, "RHOURS", NULL },
    { "COST", 15, 0, "TOTAL_COST", NULL },
};

static void showback_month_title(const xmlNode *first)
{
    printf("# Showback for %s/%s\n\n", cli_xml_str(first, "MONTH"), cli_xml_str(first, "YEAR"));
}

static long long showback_month(const xmlNode *n)
{
    return cli_xml_ll(n, "YEAR") * 12 + cli_xml_ll(n, "MONTH") - 1;
}

static void showback_sections(const xmlNode *root)
{
    print_sections(root, showback_month, showback_columns, NB_ARRAY_SIZE(showback_columns),
                   showback_month_title);
}

static int showback_list(cli_ctx *ctx)
{
    int m0, y0, m1, y1, uid, gid, ret = -1;
    char *text = NULL;
    xmlDoc *doc = NULL;

    if (opt_month(ctx, "start", &m0, &y0) < 0 || opt_month(ctx, "end", &m1, &y1) < 0 ||
        opt_object(ctx, "userfilter", &cli_user_object, &uid) < 0 ||
        opt_object(ctx, "group", &cli_group_object, &gid) < 0)
        return -1;
    if (cli_call_string(ctx->client, &text, "one.vmpool.showback", "iiiii",
                        uid >= 0 ? uid : -2, m0, y0, m1, y1) < 0 ||
        !(doc = cli_xml_parse(text, strlen(text))))
        goto cleanup;
    keep_only(xmlDocGetRootElement(doc), "GID", gid);
    ret = print_report(ctx, doc, showback_sections);
 cleanup:
    xmlFreeDoc(doc);
    free(text);
    return ret;
}

static int showback_calculate(cli_ctx *ctx)
{
    int m0, y0, m1, y1;

    if (opt_month(ctx, "start", &m0, &y0) < 0 || opt_month(ctx, "end", &m1, &y1) < 0)
        return -1;
    return cli_call(ctx->client, NULL, "one.vmpool.calculateshowback", "iiii", m0, y0, m1, y1);
}

static const cli_command showback_commands[] = {
    { .name = "list", .synopsis = "", .help = "Show the VMs' costs per month",
      .min_args = 0, .max_args = 0, .opts = showback_list_opts, .run = showback_list },
    { .name = "calculate", .synopsis = "",
      .help = "Compute the costs of the months given (oneadmin group)",
      .min_args = 0, .max_args = 0, .opts = showback_calc_opts, .run = showback_calculate },
};

const cli_object cli_showback_object = {
    .name = "showback",
    .rpc = "vm",
    .elem = "SHOWBACK",
    .commands = showback_commands,
    .ncommands = NB_ARRAY_SIZE(showback_commands),
};
