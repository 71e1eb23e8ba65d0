/*
 * cmd_acl.c: oneacl.
 *
 * oned never parses rule strings: like OpenNebula's Ruby CLI (Acl.parse_rule)
 * the CLI turns "USER RESOURCES RIGHTS [ZONE]" into the four hex words of
 * one.acl.addrule, and oned validates them and renders the canonical STRING.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include "acl/rule_text.h"
#include "lib/buf.h"
#include "lib/util.h"
#include "cli/commands.h"

/* Zone of a rule given without one: Nubes runs a single zone, 0. */
#define LOCAL_ZONE 0

/* ---- list ---------------------------------------------------------------- */

/* One hex word of the row; 0 if absent or malformed (prints as "?"). */
static uint64_t row_word(const cli_row *r, const char *name)
{
    const char *s = cli_xml_text(r->node, name);
    uint64_t w = 0;

    return s && nb_acl_hex_parse(s, &w) == 0 ? w : 0;
}

/* "#5", "@1", "%100" or "*" as OpenNebula prints a user, resource id or zone. */
static char *selector_str(uint64_t w)
{
    unsigned id = (unsigned)(w & NB_ACL_ID_MASK);

    switch (w & NB_ACL_SEL_MASK) {
    case NB_ACL_INDIVIDUAL:
        return nb_asprintf("#%u", id);
    case NB_ACL_GROUP:
        return nb_asprintf("@%u", id);
    case NB_ACL_CLUSTER:
        return nb_asprintf("%%%u", id);
    case NB_ACL_ALL:
        return nb_strdup("*");
    default:
        return nb_strdup("?");
    }
}

static char *cell_user(const cli_row *r)
{
    return selector_str(row_word(r, "USER"));
}

static char *cell_rid(const cli_row *r)
{
    return selector_str(row_word(r, "RESOURCE"));
}

static char *cell_zone(const cli_row *r)
{
    return selector_str(row_word(r, "ZONE"));
}

/* One letter per resource type, in the order of the column title; the ACL
 * type has no letter, as in OpenNebula. */
static const struct { uint64_t type; char letter; } type_letters[] = {
    { NB_ACL_VM, 'V' }, { NB_ACL_HOST, 'H' }, { NB_ACL_NET, 'N' }, { NB_ACL_IMAGE, 'I' },
    { NB_ACL_USER, 'U' }, { NB_ACL_TEMPLATE, 'T' }, { NB_ACL_GROUP_T, 'G' },
    { NB_ACL_DATASTORE, 'D' }, { NB_ACL_CLUSTER_T, 'C' }, { NB_ACL_DOCUMENT, 'O' },
    { NB_ACL_ZONE, 'Z' }, { NB_ACL_SECGROUP, 'S' }, { NB_ACL_VDC, 'v' },
    { NB_ACL_VROUTER, 'R' }, { NB_ACL_MARKETPLACE, 'M' }, { NB_ACL_MARKETPLACEAPP, 'A' },
    { NB_ACL_VMGROUP, 'P' }, { NB_ACL_VNTEMPLATE, 't' }, { NB_ACL_BACKUPJOB, 'B' },
};

static char *cell_types(const cli_row *r)
{
    uint64_t res = row_word(r, "RESOURCE");
    char *mask = nb_malloc(NB_ARRAY_SIZE(type_letters) + 1);

    for (size_t i = 0; i < NB_ARRAY_SIZE(type_letters); i++)
        mask[i] = res & type_letters[i].type ? type_letters[i].letter : '-';
    mask[NB_ARRAY_SIZE(type_letters)] = '\0';
    return mask;
}

static char *cell_rights(const cli_row *r)
{
    uint64_t rights = row_word(r, "RIGHTS");
    char mask[] = "----";

    if (rights & NB_OP_USE)
        mask[0] = 'u';
    if (rights & NB_OP_MANAGE)
        mask[1] = 'm';
    if (rights & NB_OP_ADMIN)
        mask[2] = 'a';
    if (rights & NB_OP_CREATE)
        mask[3] = 'c';
    return nb_strdup(mask);
}

/* OpenNebula's columns, then the rule as oned renders it (Nubes addition:
 * the form `oneacl create` takes). */
static const cli_column acl_columns[] = {
    { "ID", 4, 0, "ID", NULL },
    { "USER", 8, 0, NULL, cell_user },
    { "RES_VHNIUTGDCOZSvRMAPtB", 23, 0, NULL, cell_types },
    { "RID", 5, 0, NULL, cell_rid },
    { "OPE_UMAC", 8, 0, NULL, cell_rights },
    { "ZONE", 5, 0, NULL, cell_zone },
    { "STRING", 0, CLI_COL_LEFT, "STRING", NULL },
};

/* ---- commands ------------------------------------------------------------ */

int cli_acl_addrule(cli_ctx *ctx, const nb_acl_rule *r, int *id)
{
    char w[4][17];
    int ignored;

    snprintf(w[0], sizeof(w[0]), "%" PRIx64, r->user);
    snprintf(w[1], sizeof(w[1]), "%" PRIx64, r->resource);
    snprintf(w[2], sizeof(w[2]), "%" PRIx64, r->rights);
    snprintf(w[3], sizeof(w[3]), "%" PRIx64, r->zone);
    return cli_call_int(ctx->client, id ? id : &ignored, "one.acl.addrule", "ssss",
                        w[0], w[1], w[2], w[3]);
}

/* create "RULE" or create USER RESOURCE RIGHTS [ZONE]: the words are joined
 * back into one rule string, as Ruby's oneacl does. */
static int acl_create(cli_ctx *ctx)
{
    nb_buf text = NB_BUF_INIT;
    nb_acl_rule rule;
    char *err = NULL;
    int id, ret = -1;

    if (ctx->args.npos == 2) {
        cli_error("Give the rule as one string or as USER RESOURCE RIGHTS [ZONE]");
        return -1;
    }
    for (size_t i = 0; i < ctx->args.npos; i++) {
        if (i)
            nb_buf_addc(&text, ' ');
        nb_buf_adds(&text, ctx->args.pos[i]);
    }
    if (nb_acl_rule_parse(text.data, LOCAL_ZONE, &rule, &err) < 0) {
        cli_error("Invalid ACL rule '%s': %s", text.data, err);
        goto cleanup;
    }
    if (cli_acl_addrule(ctx, &rule, &id) < 0)
        goto cleanup;
    printf("ID: %d\n", id);
    ret = 0;
 cleanup:
    free(err);
    nb_buf_free(&text);
    return ret;
}

static const cli_command acl_commands[] = {
    { .name = "list", .synopsis = "", .help = "List the ACL rules",
      .min_args = 0, .max_args = 0, .run = cli_run_list },
    { .name = "create", .synopsis = "RULE",
      .help = "Add a rule (\"@100 VM+IMAGE/* USE #0\", or its 3-4 words); prints its ID",
      .min_args = 1, .max_args = 4, .run = acl_create },
    { .name = "delete", .synopsis = "ID...", .help = "Delete rules",
      .min_args = 1, .max_args = -1, .run = cli_run_delete, .data = "delrule" },
};

const cli_object cli_acl_object = {
    .name = "acl",
    .rpc = "acl",
    .elem = "ACL",
    .pool_elem = "ACL_POOL",
    .pool_method = "one.acl.info",
    .pool_kind = CLI_POOL_PLAIN,
    .columns = acl_columns,
    .ncolumns = NB_ARRAY_SIZE(acl_columns),
    .commands = acl_commands,
    .ncommands = NB_ARRAY_SIZE(acl_commands),
};
