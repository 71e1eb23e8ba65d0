/*
 * main.c: the multi-call entry point (oneuser, onegroup, onezone, or
 * `one user ...`), the dispatch from argv to an object's command, and the
 * verbs every object shares (list, show, create, delete, update, rename,
 * chmod/chown, two-object calls, name resolution).
 *
 * Exit status: 0 on success, 255 on any error (OpenNebula's Ruby CLI exits -1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libxml/parser.h>
#include "lib/buf.h"
#include "lib/template.h"
#include "lib/util.h"
#include "cli/commands.h"

#define EXIT_FAIL 255

#define CLI_OBJECT_ENTRY(o) &cli_##o##_object,
static const cli_object *const objects[] = { CLI_OBJECTS(CLI_OBJECT_ENTRY) };
#undef CLI_OBJECT_ENTRY

const cli_object cli_vnet_ref = { .name = "vnet", .rpc = "vn", .elem = "VNET" };

const cli_optdef cli_update_opts[] = {
    { "append", 'a', NULL, "Merge into the template instead of replacing it" },
    { NULL, 0, NULL, NULL },
};

/* ---- helpers ------------------------------------------------------------- */

char *cli_method(const cli_object *obj, const char *verb, bool pool)
{
    return nb_asprintf("one.%s%s.%s", obj->rpc, pool ? "pool" : "", verb);
}

/* One call of the pool listing.  VM pools take (filter, start, end, state
 * -1: all but DONE): a page of `page` VMs from offset `start` as OpenNebula's
 * Pool#info_paginated asks it, or, with page 0, the whole pool as `onevm
 * list` asks it unpaged. */
static int pool_info(cli_ctx *ctx, const cli_object *obj, int start, int page, char **xml)
{
    char *method = obj->pool_method ? nb_strdup(obj->pool_method) : cli_method(obj, "info", true);
    int rc;

    if (obj->pool_kind == CLI_POOL_VM && page > 0)
        rc = cli_call_string(ctx->client, xml, method, "iiii", -2, start, -page, -1);
    else if (obj->pool_kind == CLI_POOL_VM)
        rc = cli_call_string(ctx->client, xml, method, "iiiis", -2, -1, -1, -1, "");
    else if (obj->pool_kind == CLI_POOL_FILTERED)
        rc = cli_call_string(ctx->client, xml, method, "iii", -2, -1, -1);
    else
        rc = cli_call_string(ctx->client, xml, method, "");
    free(method);
    return rc;
}

/* One listing call, parsed and checked to be obj's pool. */
static xmlDoc *pool_page(cli_ctx *ctx, const cli_object *obj, int start, int page)
{
    char *xml = NULL;
    xmlDoc *doc;

    if (pool_info(ctx, obj, start, page, &xml) < 0)
        return NULL;
    doc = cli_xml_parse(xml, strlen(xml));
    free(xml);
    if (doc && !cli_xml_is(xmlDocGetRootElement(doc), obj->pool_elem)) {
        cli_error("Unexpected <%s> document listing %s objects, expected <%s>",
                  (const char *)xmlDocGetRootElement(doc)->name, obj->elem, obj->pool_elem);
        xmlFreeDoc(doc);
        doc = NULL;
    }
    return doc;
}

/* The page size of paged pools: $ONE_POOL_PAGE_SIZE when it is a number of
 * at least 2, no paging (0) when it is set to anything else, else 200 --
 * OpenNebula's Ruby OCA rule. */
static int pool_page_size(void)
{
    const char *v = getenv("ONE_POOL_PAGE_SIZE");
    int n;

    if (!v)
        return CLI_POOL_PAGE_SIZE;
    return nb_parse_int(v, &n) == 0 && n >= 2 ? n : 0;
}

/* Move the pool elements of `from` to the end of `into`'s root; returns
 * how many moved. */
static int pool_append(xmlDoc *into, xmlDoc *from, const cli_object *obj)
{
    xmlNode *root = xmlDocGetRootElement(into), *next;
    int n = 0;

    for (xmlNode *c = xmlDocGetRootElement(from)->children; c; c = next) {
        next = c->next;
        if (!cli_xml_is(c, obj->elem))
            continue;
        xmlUnlinkNode(c);
        if (!xmlAddChild(root, xmlDocCopyNode(c, into, 1)))
            abort();
        xmlFreeNode(c);
        n++;
    }
    return n;
}

/* A paged pool (VMs): pages until a short one, joined into one document. */
static xmlDoc *pool_paged(cli_ctx *ctx, const cli_object *obj, int page)
{
    xmlDoc *doc = xmlNewDoc(BAD_CAST "1.0");

    xmlDocSetRootElement(doc, xmlNewDocNode(doc, NULL, BAD_CAST obj->pool_elem, NULL));
    for (int start = 0;; start += page) {
        xmlDoc *part = pool_page(ctx, obj, start, page);
        int got;

        if (!part) {
            xmlFreeDoc(doc);
            return NULL;
        }
        got = pool_append(doc, part, obj);
        xmlFreeDoc(part);
        /* A short page is the last; a long one, a server that does not
         * page: it sent everything at once. */
        if (got != page)
            return doc;
    }
}

/* The pool of obj, listed once per command and owned by ctx. */
static xmlDoc *pool_doc(cli_ctx *ctx, const cli_object *obj)
{
    size_t slot = 0;
    int page = obj->pool_kind == CLI_POOL_VM ? pool_page_size() : 0;
    xmlDoc *doc;

    for (; slot < NB_ARRAY_SIZE(ctx->pools) && ctx->pools[slot].obj; slot++)
        if (ctx->pools[slot].obj == obj)
            return ctx->pools[slot].doc;
    if (slot == NB_ARRAY_SIZE(ctx->pools))
        abort();    /* cannot happen: one slot per object type */
    doc = page > 0 ? pool_paged(ctx, obj, page) : pool_page(ctx, obj, -1, 0);
    if (!doc)
        return NULL;
    ctx->pools[slot].obj = obj;
    ctx->pools[slot].doc = doc;
    return doc;
}

int cli_resolve(cli_ctx *ctx, const cli_object *obj, const char *arg, int *id)
{
    xmlDoc *doc;
    size_t matches = 0;

    /* As OpenNebula: anything numeric is an id, never a name. */
    if (nb_parse_int(arg, id) == 0)
        return 0;
    if (!obj->pool_elem) {
        cli_error("%s '%s': give its ID (names are not resolved for %ss)", obj->elem, arg,
                  obj->elem);
        return -1;
    }
    if (!(doc = pool_doc(ctx, obj)))
        return -1;
    for (xmlNode *c = xmlDocGetRootElement(doc)->children; c; c = c->next) {
        const char *name = cli_xml_is(c, obj->elem) ? cli_xml_text(c, "NAME") : NULL;

        if (!name || strcmp(name, arg) != 0)
            continue;
        if (matches++ == 0 && nb_parse_int(cli_xml_str(c, "ID"), id) < 0) {
            cli_error("%s named %s has no valid ID in the pool", obj->elem, arg);
            return -1;
        }
    }
    if (matches == 1)
        return 0;
    if (matches == 0)
        cli_error("%s named %s not found.", obj->elem, arg);
    else
        cli_error("There are multiple %ss with name %s.", obj->elem, arg);
    return -1;
}

int cli_resolve_list(cli_ctx *ctx, const cli_object *obj, const char *arg, int **ids, size_t *n)
{
    char *copy = nb_strdup(arg), *save = NULL;
    size_t cap = 0;
    int ret = -1;

    *ids = NULL;
    *n = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        nb_grow(ids, &cap, *n + 1, sizeof(**ids));
        if (cli_resolve(ctx, obj, tok, &(*ids)[*n]) < 0)
            goto cleanup;
        (*n)++;
    }
    if (*n == 0) {
        cli_error("Empty %s list '%s'", obj->elem, arg);
        goto cleanup;
    }
    ret = 0;
 cleanup:
    if (ret < 0) {
        free(*ids);
        *ids = NULL;
        *n = 0;
    }
    free(copy);
    return ret;
}

int cli_opt_int(const cli_ctx *ctx, const char *name, int dflt, int *out)
{
    const char *v = cli_opt_get(&ctx->args, name);

    *out = dflt;
    if (!v)
        return 0;
    if (nb_parse_int(v, out) < 0) {
        cli_error("option --%s expects an integer, got '%s'", name, v);
        return -1;
    }
    return 0;
}

int cli_cluster_opt(cli_ctx *ctx, int *cid)
{
    const char *c = cli_opt_get(&ctx->args, "cluster");

    *cid = -1;
    return c ? cli_resolve(ctx, &cli_cluster_object, c, cid) : 0;
}

int cli_print_doc(const cli_ctx *ctx, const char *xml, void (*sheet)(const xmlNode *root))
{
    xmlDoc *doc = cli_xml_parse(xml, strlen(xml));
    int rc = 0;

    if (!doc)
        return -1;
    switch (ctx->out) {
    case CLI_OUT_XML:
        rc = cli_print_xml(doc);
        break;
    case CLI_OUT_JSON:
        rc = cli_print_json(doc);
        break;
    case CLI_OUT_TABLE:
    default:
        sheet(xmlDocGetRootElement(doc));
        break;
    }
    xmlFreeDoc(doc);
    return rc;
}

/* ---- shared verbs -------------------------------------------------------- */

/* The QUOTAS element a USER_POOL/GROUP_POOL keeps beside obj: normally the
 * next sibling; otherwise searched by ID. */
static const xmlNode *pool_quotas(const xmlNode *root, const xmlNode *obj)
{
    const char *id = cli_xml_text(obj, "ID");
    const xmlNode *next = obj->next;

    while (next && next->type != XML_ELEMENT_NODE)
        next = next->next;
    if (!id)
        return NULL;
    if (cli_xml_is(next, "QUOTAS") && strcmp(cli_xml_str(next, "ID"), id) == 0)
        return next;
    for (const xmlNode *c = root->children; c; c = c->next)
        if (cli_xml_is(c, "QUOTAS") && strcmp(cli_xml_str(c, "ID"), id) == 0)
            return c;
    return NULL;
}

static void print_pool_table(const cli_object *obj, const xmlNode *root)
{
    const xmlNode *defaults = NULL;
    bool has_quotas = false;
    cli_table t;

    for (const xmlNode *c = root->children; c; c = c->next) {
        size_t len = c->type == XML_ELEMENT_NODE ? strlen((const char *)c->name) : 0;
        if (len > 15 && strncmp((const char *)c->name, "DEFAULT_", 8) == 0 &&
            strcmp((const char *)c->name + len - 7, "_QUOTAS") == 0)
            defaults = c;
        has_quotas = has_quotas || cli_xml_is(c, "QUOTAS");
    }
    cli_table_init(&t, obj->columns, obj->ncolumns);
    for (const xmlNode *c = root->children; c; c = c->next) {
        cli_row row = { c, NULL, defaults };
        if (!cli_xml_is(c, obj->elem))
            continue;
        if (has_quotas)
            row.quotas = pool_quotas(root, c);
        cli_table_add_row(&t, &row);
    }
    cli_table_print(&t);
    cli_table_free(&t);
}

int cli_run_list(cli_ctx *ctx)
{
    xmlDoc *doc = pool_doc(ctx, ctx->obj);

    if (!doc)
        return -1;
    if (ctx->out == CLI_OUT_XML)
        return cli_print_xml(doc);
    if (ctx->out == CLI_OUT_JSON)
        return cli_print_json(doc);
    print_pool_table(ctx->obj, xmlDocGetRootElement(doc));
    return 0;
}

int cli_run_show(cli_ctx *ctx)
{
    char *method = cli_method(ctx->obj, "info", false);
    char *xml = NULL;
    int id = -1, ret = -1;

    if (ctx->args.npos > 0 && cli_resolve(ctx, ctx->obj, ctx->args.pos[0], &id) < 0)
        goto cleanup;
    if (cli_call_string(ctx->client, &xml, method, "ib", id, 0) < 0)
        goto cleanup;
    ret = cli_print_doc(ctx, xml, ctx->obj->show);
 cleanup:
    free(xml);
    free(method);
    return ret;
}

/* "a..b" as an inclusive id range; 1 if arg is one, 0 if not, -1 if bad. */
static int parse_range(const char *arg, int *lo, int *hi)
{
    const char *dots = strstr(arg, "..");
    char *first;
    int rc;

    if (!dots)
        return 0;
    first = nb_strndup(arg, (size_t)(dots - arg));
    rc = nb_parse_int(first, lo) == 0 && nb_parse_int(dots + 2, hi) == 0;
    free(first);
    if (!rc)
        return 0;   /* not numeric: maybe a name containing ".." */
    if (*lo > *hi || *hi - *lo >= 100000) {
        cli_error("Invalid id range %s", arg);
        return -1;
    }
    return 1;
}

/*
 * The ids of objects of type obj named by the positional arguments from
 * index `from` to `to` (excluded): ids, names, comma lists and ranges "3..7".
 * A name that does not resolve is reported and sets *failed; the others are
 * kept.
 */
static int *collect_ids(cli_ctx *ctx, const cli_object *obj, size_t from, size_t to, size_t *n,
                        bool *failed)
{
    int *ids = NULL;
    size_t cap = 0;

    *n = 0;
    for (size_t i = from; i < to && i < ctx->args.npos; i++) {
        char *copy = nb_strdup(ctx->args.pos[i]), *save = NULL;

        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            int lo = 0, hi = 0, rc = parse_range(tok, &lo, &hi);

            if (rc == 0) {
                rc = cli_resolve(ctx, obj, tok, &lo);
                hi = lo;
            }
            if (rc < 0) {
                cli_error_report();
                *failed = true;
                continue;
            }
            nb_grow(&ids, &cap, *n + (size_t)(hi - lo) + 1, sizeof(*ids));
            for (long id = lo; id <= hi; id++)
                ids[(*n)++] = (int)id;
        }
        free(copy);
    }
    return ids;
}

static int each_id(cli_ctx *ctx, size_t from, size_t to, int (*fn)(cli_ctx *ctx, int id))
{
    bool failed = false;
    size_t n;
    int *ids = collect_ids(ctx, ctx->obj, from, to, &n, &failed);

    for (size_t i = 0; i < n; i++) {
        if (fn(ctx, ids[i]) < 0) {
            cli_error_report();
            failed = true;
        }
    }
    free(ids);
    return failed ? -1 : 0;
}

int cli_each_id(cli_ctx *ctx, size_t from, int (*fn)(cli_ctx *ctx, int id))
{
    return each_id(ctx, from, ctx->args.npos, fn);
}

int cli_each_id_in(cli_ctx *ctx, size_t index, int (*fn)(cli_ctx *ctx, int id))
{
    return each_id(ctx, index, index + 1, fn);
}

static int delete_one(cli_ctx *ctx, int id)
{
    const char *verb = ctx->cmd->data;
    char *method = cli_method(ctx->obj, verb ? verb : "delete", false);
    int rc = cli_call(ctx->client, NULL, method, "i", id);

    free(method);
    return rc;
}

int cli_run_delete(cli_ctx *ctx)
{
    return cli_each_id(ctx, 0, delete_one);
}

int cli_run_allocate(cli_ctx *ctx)
{
    const char *attr = ctx->cmd->data;
    char *method = cli_method(ctx->obj, "allocate", false);
    nb_tmpl t = NB_TMPL_INIT;
    nb_buf text = NB_BUF_INIT;
    int id, rc;

    /* The template text comes from the template writer so that any quote or
     * backslash in the name survives. */
    if (attr) {
        nb_tmpl_set(&t, attr, ctx->args.pos[0]);
        nb_tmpl_to_text(&t, &text);     /* NAME="..." */
    }
    rc = cli_call_int(ctx->client, &id, method, "s", attr ? text.data : ctx->args.pos[0]);
    if (rc == 0)
        printf("ID: %d\n", id);
    nb_buf_free(&text);
    nb_tmpl_free(&t);
    free(method);
    return rc;
}

int cli_run_rename(cli_ctx *ctx)
{
    char *method = cli_method(ctx->obj, "rename", false);
    int id, rc = -1;

    if (cli_resolve(ctx, ctx->obj, ctx->args.pos[0], &id) == 0)
        rc = cli_call(ctx->client, NULL, method, "is", id, ctx->args.pos[1]);
    free(method);
    return rc;
}

int cli_run_chmod(cli_ctx *ctx)
{
    const char *octal = ctx->args.pos[1];
    char *method;
    int id, bits[9], rc;

    if (strlen(octal) != 3 || strspn(octal, "01234567") != 3) {
        cli_error("Permissions must be three octal digits (owner, group, other), "
                  "e.g. 640, not '%s'", octal);
        return -1;
    }
    for (int i = 0; i < 3; i++) {
        int digit = octal[i] - '0';
        bits[i * 3] = (digit & 4) != 0;         /* USE */
        bits[i * 3 + 1] = (digit & 2) != 0;     /* MANAGE */
        bits[i * 3 + 2] = (digit & 1) != 0;     /* ADMIN */
    }
    if (cli_resolve(ctx, ctx->obj, ctx->args.pos[0], &id) < 0)
        return -1;
    method = cli_method(ctx->obj, "chmod", false);
    rc = cli_call(ctx->client, NULL, method, "iiiiiiiiii", id, bits[0], bits[1], bits[2],
                  bits[3], bits[4], bits[5], bits[6], bits[7], bits[8]);
    free(method);
    return rc;
}

/* one.<rpc>.chown(id, uid, gid) with user/group NULL meaning -1 (keep). */
static int chown_call(cli_ctx *ctx, const char *user, const char *group)
{
    char *method;
    int id, uid = -1, gid = -1, rc;

    if (cli_resolve(ctx, ctx->obj, ctx->args.pos[0], &id) < 0 ||
        (user && cli_resolve(ctx, &cli_user_object, user, &uid) < 0) ||
        (group && cli_resolve(ctx, &cli_group_object, group, &gid) < 0))
        return -1;
    method = cli_method(ctx->obj, "chown", false);
    rc = cli_call(ctx->client, NULL, method, "iii", id, uid, gid);
    free(method);
    return rc;
}

int cli_run_chown(cli_ctx *ctx)
{
    return chown_call(ctx, ctx->args.pos[1], ctx->args.npos > 2 ? ctx->args.pos[2] : NULL);
}

int cli_run_chgrp(cli_ctx *ctx)
{
    return chown_call(ctx, NULL, ctx->args.pos[1]);
}

/* The whole of stdin, for FILE "-". */
static char *read_stdin(size_t *len)
{
    nb_buf b = NB_BUF_INIT;
    char chunk[8192];
    ssize_t n;

    while ((n = read(STDIN_FILENO, chunk, sizeof(chunk))) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            nb_buf_free(&b);
            return NULL;
        }
        nb_buf_add(&b, chunk, (size_t)n);
    }
    nb_buf_addc(&b, '\0');      /* an empty stdin still yields "" */
    return nb_buf_steal(&b, len);
}

char *cli_read_input(const char *file)
{
    bool in = strcmp(file, "-") == 0;
    size_t len;
    char *text = in ? read_stdin(&len) : nb_read_file(file, &len);

    if (!text)
        cli_error("Cannot read %s: %s", in ? "standard input" : file, strerror(errno));
    return text;
}

int cli_run_update(cli_ctx *ctx)
{
    char *method = cli_method(ctx->obj, "update", false);
    char *text = NULL;
    int id, ret = -1;

    if (cli_resolve(ctx, ctx->obj, ctx->args.pos[0], &id) < 0 ||
        !(text = cli_read_input(ctx->args.pos[1])))
        goto cleanup;
    ret = cli_call(ctx->client, NULL, method, "isi", id, text,
                   cli_opt_has(&ctx->args, "append") ? 1 : 0);
 cleanup:
    free(text);
    free(method);
    return ret;
}

int cli_run_quota(cli_ctx *ctx)
{
    char *method = cli_method(ctx->obj, "quota", false);
    char *text = NULL;
    int id, ret = -1;

    if (cli_resolve(ctx, ctx->obj, ctx->args.pos[0], &id) < 0 ||
        !(text = cli_read_input(ctx->args.pos[1])))
        goto cleanup;
    ret = cli_call(ctx->client, NULL, method, "is", id, text);
 cleanup:
    free(text);
    free(method);
    return ret;
}

int cli_run_defaultquota(cli_ctx *ctx)
{
    char *method = nb_asprintf("one.%squota.update", ctx->obj->rpc);
    char *text = cli_read_input(ctx->args.pos[0]);
    int ret = -1;

    if (text)
        ret = cli_call(ctx->client, NULL, method, "s", text);
    free(text);
    free(method);
    return ret;
}

int cli_run_pair(cli_ctx *ctx)
{
    const cli_pair *p = ctx->cmd->data;
    char *method;
    bool failed = false;
    size_t n;
    int a, *ids;

    if (cli_resolve(ctx, ctx->obj, ctx->args.pos[0], &a) < 0)
        return -1;
    ids = collect_ids(ctx, p->second, 1, ctx->args.npos, &n, &failed);
    method = cli_method(ctx->obj, p->method, false);
    for (size_t i = 0; i < n; i++) {
        if (cli_call(ctx->client, NULL, method, "ii", a, ids[i]) < 0) {
            cli_error_report();
            failed = true;
        }
    }
    free(method);
    free(ids);
    return failed ? -1 : 0;
}

static int toggle_one(cli_ctx *ctx, int id)
{
    const cli_toggle *t = ctx->cmd->data;
    char *method = cli_method(ctx->obj, t->verb, false);
    int rc = cli_call(ctx->client, NULL, method, "ib", id, t->on);

    free(method);
    return rc;
}

int cli_run_toggle(cli_ctx *ctx)
{
    return cli_each_id(ctx, 0, toggle_one);
}

/* Lock levels as oned takes them and `show` names them (OpenNebula's
 * level_lock_to_str); 0 is "not locked". */
static const char *const lock_levels[] = { "None", "Use", "Manage", "Admin", "All" };

/* In level order, 1 to 4. */
const cli_optdef cli_lock_opts[] = {
    { "use", 0, NULL, "Block every operation but info (the default)" },
    { "manage", 0, NULL, "Block MANAGE and ADMIN operations" },
    { "admin", 0, NULL, "Block ADMIN operations" },
    { "all", 0, NULL, "The same as --use" },
    { NULL, 0, NULL, NULL },
};

const char *cli_lock_name(const xmlNode *obj)
{
    int level = cli_xml_enum(obj, "LOCK/LOCKED", NB_ARRAY_SIZE(lock_levels));
    return lock_levels[level < 0 ? 0 : level];
}

/* The level the options ask for: the most restrictive one given wins; none
 * is USE. */
static int lock_level(const cli_ctx *ctx)
{
    for (int level = 1; level < (int)NB_ARRAY_SIZE(lock_levels); level++)
        if (cli_opt_has(&ctx->args, cli_lock_opts[level - 1].name))
            return level;
    return 1;
}

static int lock_one(cli_ctx *ctx, int id)
{
    char *method = cli_method(ctx->obj, "lock", false);
    int rc = cli_call(ctx->client, NULL, method, "ii", id, lock_level(ctx));

    free(method);
    return rc;
}

static int unlock_one(cli_ctx *ctx, int id)
{
    char *method = cli_method(ctx->obj, "unlock", false);
    int rc = cli_call(ctx->client, NULL, method, "i", id);

    free(method);
    return rc;
}

int cli_run_lock(cli_ctx *ctx)
{
    return cli_each_id(ctx, 0, lock_one);
}

int cli_run_unlock(cli_ctx *ctx)
{
    return cli_each_id(ctx, 0, unlock_one);
}

/* ---- dispatch ------------------------------------------------------------ */

static void top_usage(FILE *f)
{
    fprintf(f, "Usage: one OBJECT COMMAND [ARGS] [OPTIONS]\n"
               "   or: oneOBJECT COMMAND [ARGS] [OPTIONS]\n\nObjects:");
    for (size_t i = 0; i < NB_ARRAY_SIZE(objects); i++)
        fprintf(f, " %s", objects[i]->name);
    fprintf(f, "\n\nRun 'one OBJECT --help' for its commands.\n");
}

static void object_usage(FILE *f, const char *prog, const cli_object *obj)
{
    fprintf(f, "Usage: %s COMMAND [ARGS] [OPTIONS]\n\nCommands:\n", prog);
    for (size_t i = 0; i < obj->ncommands; i++) {
        const cli_command *c = &obj->commands[i];
        char lhs[96];

        snprintf(lhs, sizeof(lhs), "%s %s", c->name, c->synopsis);
        fprintf(f, "  %-34s %s\n", lhs, c->help);
    }
    fprintf(f, "\nOptions of every command:\n");
    cli_opts_help(f, cli_global_opts);
    fprintf(f, "\nRun '%s COMMAND --help' for a command's own options.\n"
               "Environment: ONE_XMLRPC (endpoint, default %s), ONE_AUTH (file with\n"
               "user:password, default ~/.one/one_auth), ONE_XMLRPC_TIMEOUT (seconds).\n",
            prog, CLI_DEFAULT_ENDPOINT);
}

static void command_line(FILE *f, const char *prog, const cli_command *c)
{
    fprintf(f, "Usage: %s%s%s%s%s [OPTIONS]\n", prog, *c->name ? " " : "", c->name,
            *c->synopsis ? " " : "", c->synopsis);
}

static void command_usage(FILE *f, const char *prog, const cli_command *c)
{
    command_line(f, prog, c);
    fprintf(f, "%s\n", c->help);
    if (c->opts && c->opts->name) {
        fprintf(f, "\nOptions:\n");
        cli_opts_help(f, c->opts);
    }
    fprintf(f, "\nGlobal options:\n");
    cli_opts_help(f, cli_global_opts);
}

static const cli_object *find_object(const char *name)
{
    for (size_t i = 0; i < NB_ARRAY_SIZE(objects); i++)
        if (strcmp(objects[i]->name, name) == 0)
            return objects[i];
    return NULL;
}

static const cli_command *find_command(const cli_object *obj, const char *name)
{
    for (size_t i = 0; i < obj->ncommands; i++)
        if (strcmp(obj->commands[i].name, name) == 0)
            return &obj->commands[i];
    return NULL;
}

/* Parse the command's arguments and run it; returns the exit status. */
static int run_command(cli_ctx *ctx, int argc, char **argv, int word)
{
    const cli_command *cmd = ctx->cmd;
    char **rest = nb_calloc((size_t)argc + 1, sizeof(*rest));
    int nrest = 0, status = EXIT_FAIL;
    bool xml, json;

    /* Everything but the command word itself. */
    for (int i = 0; i < argc; i++)
        if (i != word)
            rest[nrest++] = argv[i];
    if (cli_args_parse(&ctx->args, nrest, rest, cmd->opts) < 0) {
        cli_error_report();
        command_usage(stderr, ctx->prog, cmd);
        goto cleanup;
    }
    if (cli_opt_has(&ctx->args, "help")) {
        command_usage(stdout, ctx->prog, cmd);
        status = 0;
        goto cleanup;
    }
    if ((int)ctx->args.npos < cmd->min_args ||
        (cmd->max_args >= 0 && (int)ctx->args.npos > cmd->max_args)) {
        fprintf(stderr, "%s %s: wrong number of arguments\n", ctx->prog, cmd->name);
        command_line(stderr, ctx->prog, cmd);
        goto cleanup;
    }
    xml = cli_opt_has(&ctx->args, "xml");
    json = cli_opt_has(&ctx->args, "json");
    if (xml && json) {
        fprintf(stderr, "%s: --xml and --json are mutually exclusive\n", ctx->prog);
        goto cleanup;
    }
    ctx->out = xml ? CLI_OUT_XML : json ? CLI_OUT_JSON : CLI_OUT_TABLE;

    if (cli_client_open(&ctx->client, cli_opt_get(&ctx->args, "endpoint"),
                        cli_opt_get(&ctx->args, "user"),
                        cli_opt_get(&ctx->args, "password")) < 0 ||
        cmd->run(ctx) < 0) {
        cli_error_report();
        goto cleanup;
    }
    status = 0;
 cleanup:
    fflush(stdout);
    free(rest);
    return status;
}

int main(int argc, char **argv)
{
    const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    cli_ctx ctx;
    char prog[64];
    int first = 1, word, status = EXIT_FAIL;

    memset(&ctx, 0, sizeof(ctx));
    LIBXML_TEST_VERSION

    /* "oneuser ..." or "one user ..." */
    if (strncmp(base, "one", 3) == 0 && base[3] != '\0') {
        ctx.obj = find_object(base + 3);
        snprintf(prog, sizeof(prog), "%s", base);
    } else if (argc > 1 && argv[1][0] != '-') {
        ctx.obj = find_object(argv[1]);
        snprintf(prog, sizeof(prog), "one %s", argv[1]);
        first = 2;
    } else {
        bool help = argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0);
        top_usage(help ? stdout : stderr);
        return help ? 0 : EXIT_FAIL;
    }
    if (!ctx.obj) {
        fprintf(stderr, "%s: unknown object\n", prog);
        top_usage(stderr);
        return EXIT_FAIL;
    }
    ctx.prog = prog;
    argc -= first;
    argv += first;

    word = ctx.obj->verbless ? -1 : cli_args_first_word(argc, argv);
    if (ctx.obj->verbless) {
        ctx.cmd = &ctx.obj->commands[0];
    } else if (word < 0) {
        bool help = false;
        for (int i = 0; i < argc; i++)
            help = help || strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0;
        object_usage(help ? stdout : stderr, prog, ctx.obj);
        return help ? 0 : EXIT_FAIL;
    } else if (!(ctx.cmd = find_command(ctx.obj, argv[word]))) {
        fprintf(stderr, "%s: unknown command '%s'\n\n", prog, argv[word]);
        object_usage(stderr, prog, ctx.obj);
        return EXIT_FAIL;
    }

    status = run_command(&ctx, argc, argv, word);

    for (size_t i = 0; i < NB_ARRAY_SIZE(ctx.pools); i++)
        xmlFreeDoc(ctx.pools[i].doc);
    cli_client_free(ctx.client);
    cli_args_free(&ctx.args);
    xmlCleanupParser();
    return status;
}
