/*
 * cmd_image.c: oneimage.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "lib/buf.h"
#include "lib/template.h"
#include "lib/util.h"
#include "cli/commands.h"

/* The datastore images go to without --datastore: bootstrap's "default". */
#define DEFAULT_DATASTORE 1
/* How often `--wait` asks oned how the import goes. */
#define WAIT_POLL_MS 500

/* TYPE and STATE, OpenNebula's numbers: long names for show, short ones for
 * list (OpenNebula's IMAGE_TYPES / SHORT_IMAGE_TYPES, IMAGE_STATES /
 * SHORT_IMAGE_STATES). */
static const struct { const char *name, *brief; } image_types[] = {
    { "OS", "OS" }, { "CDROM", "CD" }, { "DATABLOCK", "DB" }, { "KERNEL", "KL" },
    { "RAMDISK", "RD" }, { "CONTEXT", "CX" }, { "BACKUP", "BK" }, { "FILESYSTEM", "FS" },
};
enum { ST_INIT, ST_READY, ST_USED, ST_DISABLED, ST_LOCKED, ST_ERROR, ST_CLONE, ST_DELETE,
       ST_USED_PERS, ST_LOCKED_USED, ST_LOCKED_USED_PERS };
static const struct { const char *name, *brief; } image_states[] = {
    { "INIT", "init" }, { "READY", "rdy" }, { "USED", "used" }, { "DISABLED", "disa" },
    { "LOCKED", "lock" }, { "ERROR", "err" }, { "CLONE", "clon" }, { "DELETE", "dele" },
    { "USED_PERS", "used" }, { "LOCKED_USED", "lock" }, { "LOCKED_USED_PERS", "lock" },
};

static const char *type_name(const xmlNode *i, bool brief)
{
    int t = cli_xml_enum(i, "TYPE", NB_ARRAY_SIZE(image_types));
    return t < 0 ? cli_xml_str(i, "TYPE") : brief ? image_types[t].brief : image_types[t].name;
}

static const char *state_name(const xmlNode *i, bool brief)
{
    int s = cli_xml_enum(i, "STATE", NB_ARRAY_SIZE(image_states));
    return s < 0 ? cli_xml_str(i, "STATE") : brief ? image_states[s].brief : image_states[s].name;
}

static const char *persistent_str(const xmlNode *i)
{
    return cli_xml_ll(i, "PERSISTENT") ? "Yes" : "No";
}

/* ---- list ---------------------------------------------------------------- */

static char *cell_size(const cli_row *r)
{
    return cli_mb_str(cli_xml_ll(r->node, "SIZE"));
}

static char *cell_type(const cli_row *r)
{
    return nb_strdup(type_name(r->node, true));
}

static char *cell_persistent(const cli_row *r)
{
    return nb_strdup(persistent_str(r->node));
}

static char *cell_stat(const cli_row *r)
{
    return nb_strdup(state_name(r->node, true));
}

static const cli_column image_columns[] = {
    { "ID", 4, 0, "ID", NULL },
    { "USER", 10, CLI_COL_LEFT, "UNAME", NULL },
    { "GROUP", 10, CLI_COL_LEFT, "GNAME", NULL },
    { "NAME", 15, CLI_COL_LEFT, "NAME", NULL },
    { "DATASTORE", 10, CLI_COL_LEFT, "DATASTORE", NULL },
    { "SIZE", 6, 0, NULL, cell_size },
    { "TYPE", 4, CLI_COL_LEFT, NULL, cell_type },
    { "PER", 3, CLI_COL_LEFT, NULL, cell_persistent },
    { "STAT", 4, CLI_COL_LEFT, NULL, cell_stat },
    { "RVMS", 4, 0, "RUNNING_VMS", NULL },
};

/* ---- show ---------------------------------------------------------------- */

static void image_show(const xmlNode *i)
{
    char *regtime = cli_time_str(cli_xml_ll(i, "REGTIME"));
    char *size = cli_mb_str(cli_xml_ll(i, "SIZE"));

    cli_sheet_title("IMAGE %s INFORMATION", cli_xml_str(i, "ID"));
    cli_sheet_field("ID", cli_xml_text(i, "ID"));
    cli_sheet_field("NAME", cli_xml_text(i, "NAME"));
    cli_sheet_field("USER", cli_xml_text(i, "UNAME"));
    cli_sheet_field("GROUP", cli_xml_text(i, "GNAME"));
    cli_sheet_field("LOCK", cli_lock_name(i));
    cli_sheet_field("DATASTORE", cli_xml_text(i, "DATASTORE"));
    cli_sheet_field("TYPE", type_name(i, false));
    cli_sheet_field("REGISTER TIME", regtime);
    cli_sheet_field("PERSISTENT", persistent_str(i));
    cli_sheet_field("SOURCE", cli_xml_text(i, "SOURCE"));
    cli_sheet_field("PATH", cli_xml_text(i, "PATH"));
    cli_sheet_field("FORMAT", cli_xml_text(i, "FORMAT"));
    cli_sheet_field("SIZE", size);
    cli_sheet_field("STATE", state_name(i, false));
    cli_sheet_field("RUNNING_VMS", cli_xml_text(i, "RUNNING_VMS"));
    /* How an import goes, or why it failed (also in the template below,
     * but this is what a user looks for). */
    if (cli_xml_text(i, "TEMPLATE/PROGRESS"))
        cli_sheet_field("PROGRESS", cli_xml_text(i, "TEMPLATE/PROGRESS"));
    if (cli_xml_ll(i, "STATE") == ST_ERROR)
        cli_sheet_field("ERROR", cli_xml_text(i, "TEMPLATE/ERROR"));
    free(regtime);
    free(size);

    cli_sheet_permissions(i);
    cli_sheet_template("IMAGE TEMPLATE", cli_xml_child(i, "TEMPLATE"));
    cli_sheet_ids("VIRTUAL MACHINES", cli_xml_child(i, "VMS"));
}

/* ---- --wait ---------------------------------------------------------------- */

/* One look at image id: 1 when it is usable, 0 while it is still being
 * made (a new PROGRESS is printed), -1 with the error recorded. */
static int wait_step(cli_ctx *ctx, int id, char **progress)
{
    char *xml = NULL;
    xmlDoc *doc = NULL;
    const xmlNode *img;
    const char *p;
    int ret = -1;

    if (cli_call_string(ctx->client, &xml, "one.image.info", "ib", id, 0) < 0 ||
        !(doc = cli_xml_parse(xml, strlen(xml))))
        goto cleanup;
    img = xmlDocGetRootElement(doc);
    p = cli_xml_text(img, "TEMPLATE/PROGRESS");
    if (p && *p && (!*progress || strcmp(p, *progress) != 0)) {
        free(*progress);
        *progress = nb_strdup(p);
        printf("PROGRESS: %s\n", p);
        fflush(stdout);
    }
    switch (cli_xml_enum(img, "STATE", NB_ARRAY_SIZE(image_states))) {
    case ST_READY:
    case ST_USED:
    case ST_USED_PERS:
    case ST_DISABLED:
        printf("%s\n", state_name(img, false));
        ret = 1;
        break;
    case ST_ERROR:
        cli_error("IMAGE %d is in ERROR: %s", id, cli_xml_str(img, "TEMPLATE/ERROR"));
        break;
    case ST_DELETE:
        cli_error("IMAGE %d is being deleted", id);
        break;
    default:
        ret = 0;
        break;
    }
 cleanup:
    xmlFreeDoc(doc);
    free(xml);
    return ret;
}

/* Until image id is READY (0) or failed (-1, the error recorded). */
static int wait_ready(cli_ctx *ctx, int id)
{
    struct timespec pause = { WAIT_POLL_MS / 1000, (WAIT_POLL_MS % 1000) * 1000000L };
    char *progress = NULL;
    int rc;

    while ((rc = wait_step(ctx, id, &progress)) == 0)
        nanosleep(&pause, NULL);
    free(progress);
    return rc < 0 ? -1 : 0;
}

/* ---- create -------------------------------------------------------------- */

static const cli_optdef create_opts[] = {
    { "datastore", 'd', "ID|NAME", "Image datastore (default: 1, \"default\")" },
    { "name", 0, "NAME", "Name of the image (needed without a template FILE)" },
    { "path", 0, "FILE|URL", "Import a file on oned's machine or an http(s) URL" },
    { "type", 't', "TYPE", "OS, CDROM, DATABLOCK, KERNEL, RAMDISK, CONTEXT, BACKUP, FILESYSTEM" },
    { "size", 's', "MB", "Size of an empty DATABLOCK, in MB" },
    { "format", 0, "raw|qcow2", "Format of the image (FORMAT)" },
    { "persistent", 0, NULL, "Make the image persistent" },
    { "md5", 0, "HEX", "MD5 checksum the imported bytes must have" },
    { "sha256", 0, "HEX", "SHA256 checksum the imported bytes must have" },
    { "prefix", 0, "PREFIX", "Device prefix of its disks (DEV_PREFIX), e.g. vd" },
    { "wait", 'w', NULL, "Follow the import: print its progress, end with READY or the error" },
    { NULL, 0, NULL, NULL },
};

/* Options copied as they are into template attributes. */
static const struct { const char *opt, *attr; } create_attrs[] = {
    { "name", "NAME" }, { "format", "FORMAT" }, { "md5", "MD5" }, { "sha256", "SHA256" },
    { "prefix", "DEV_PREFIX" },
};

/* --path: a URL as it is, a file made absolute (oned reads it from its own
 * working directory otherwise). */
static char *path_attr(const char *path)
{
    char cwd[4096];

    if (path[0] == '/' || strstr(path, "://") || !getcwd(cwd, sizeof cwd))
        return nb_strdup(path);
    return nb_asprintf("%s/%s", cwd, path);
}

/* --type as OpenNebula's name (upper case), checked. */
static int type_attr(const char *type, char **out)
{
    char *up = nb_strdup(type);

    for (char *c = up; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    for (size_t i = 0; i < NB_ARRAY_SIZE(image_types); i++)
        if (strcmp(up, image_types[i].name) == 0) {
            *out = up;
            return 0;
        }
    free(up);
    cli_error("Unknown image type '%s' (OS, CDROM, DATABLOCK, KERNEL, RAMDISK, CONTEXT, "
              "BACKUP or FILESYSTEM)", type);
    return -1;
}

/* The image template: FILE's text (if given), then the options over it. */
static int create_template(cli_ctx *ctx, nb_tmpl *t)
{
    const char *file = ctx->args.npos > 0 ? ctx->args.pos[0] : NULL;
    const char *v;
    char *text = NULL, *perr = NULL, *attr = NULL;
    long long size;
    int ret = -1;

    if (cli_opt_has(&ctx->args, "md5") && cli_opt_has(&ctx->args, "sha256")) {
        cli_error("--md5 and --sha256 are mutually exclusive: give one checksum");
        goto cleanup;
    }
    if ((v = cli_opt_get(&ctx->args, "format")) && strcmp(v, "raw") != 0 && strcmp(v, "qcow2") != 0) {
        cli_error("option --format expects raw or qcow2, got '%s'", v);
        goto cleanup;
    }
    if (file) {
        if (!(text = cli_read_input(file)))
            goto cleanup;
        if (nb_tmpl_parse(t, text, strlen(text), &perr) < 0) {
            cli_error("%s: %s", file, perr);
            goto cleanup;
        }
    } else if (!cli_opt_has(&ctx->args, "name")) {
        cli_error("Give a template FILE, or --name with --path FILE|URL or --size MB");
        goto cleanup;
    } else if (!cli_opt_has(&ctx->args, "path") && !cli_opt_has(&ctx->args, "size")) {
        cli_error("Give --path FILE|URL to import, or --size MB for an empty DATABLOCK");
        goto cleanup;
    }
    for (size_t i = 0; i < NB_ARRAY_SIZE(create_attrs); i++)
        if ((v = cli_opt_get(&ctx->args, create_attrs[i].opt)))
            nb_tmpl_set(t, create_attrs[i].attr, v);
    if ((v = cli_opt_get(&ctx->args, "path"))) {
        attr = path_attr(v);
        nb_tmpl_set(t, "PATH", attr);
        free(attr);
        attr = NULL;
    }
    if ((v = cli_opt_get(&ctx->args, "type"))) {
        if (type_attr(v, &attr) < 0)
            goto cleanup;
        nb_tmpl_set(t, "TYPE", attr);
    } else if (!file && !cli_opt_has(&ctx->args, "path")) {
        nb_tmpl_set(t, "TYPE", "DATABLOCK");    /* --size alone: an empty disk */
    }
    if ((v = cli_opt_get(&ctx->args, "size"))) {
        if (nb_parse_ll(v, &size) < 0 || size <= 0) {
            cli_error("option --size expects a size in MB, got '%s'", v);
            goto cleanup;
        }
        nb_tmpl_set(t, "SIZE", v);
    }
    if (cli_opt_has(&ctx->args, "persistent"))
        nb_tmpl_set(t, "PERSISTENT", "YES");
    ret = 0;
 cleanup:
    free(attr);
    free(perr);
    free(text);
    return ret;
}

/* The --datastore option as an id; DEFAULT_DATASTORE when absent, or
 * dflt (-1: the source's) for clone. */
static int datastore_opt(cli_ctx *ctx, int dflt, int *ds)
{
    const char *d = cli_opt_get(&ctx->args, "datastore");

    *ds = dflt;
    return d ? cli_resolve(ctx, &cli_datastore_object, d, ds) : 0;
}

/* create [FILE] [options]: one.image.allocate(text, ds, false); prints
 * "ID: n", then with --wait follows the import. */
static int image_create(cli_ctx *ctx)
{
    nb_tmpl t = NB_TMPL_INIT;
    nb_buf text = NB_BUF_INIT;
    int ds, id, ret = -1;

    if (create_template(ctx, &t) < 0 || datastore_opt(ctx, DEFAULT_DATASTORE, &ds) < 0)
        goto cleanup;
    nb_tmpl_to_text(&t, &text);
    if (cli_call_int(ctx->client, &id, "one.image.allocate", "sib", text.data ? text.data : "",
                     ds, 0) < 0)
        goto cleanup;
    printf("ID: %d\n", id);
    fflush(stdout);
    ret = cli_opt_has(&ctx->args, "wait") ? wait_ready(ctx, id) : 0;
 cleanup:
    nb_buf_free(&text);
    nb_tmpl_free(&t);
    return ret;
}

/* ---- other commands ------------------------------------------------------ */

static const cli_optdef clone_opts[] = {
    { "datastore", 'd', "ID|NAME", "Datastore of the copy (default: the image's)" },
    { "wait", 'w', NULL, "Wait until the copy is READY (or failed)" },
    { NULL, 0, NULL, NULL },
};

/* clone ID|NAME NAME [--datastore DS]: one.image.clone(id, name, ds or -1). */
static int image_clone(cli_ctx *ctx)
{
    int id, ds, copy;

    if (cli_resolve(ctx, ctx->obj, ctx->args.pos[0], &id) < 0 || datastore_opt(ctx, -1, &ds) < 0 ||
        cli_call_int(ctx->client, &copy, "one.image.clone", "isi", id, ctx->args.pos[1], ds) < 0)
        return -1;
    printf("ID: %d\n", copy);
    fflush(stdout);
    return cli_opt_has(&ctx->args, "wait") ? wait_ready(ctx, copy) : 0;
}

static const cli_optdef delete_opts[] = {
    { "force", 0, NULL, "Also while VMs use the image: their disks are flattened first (Ceph)" },
    { NULL, 0, NULL, NULL },
};

static int delete_one(cli_ctx *ctx, int id)
{
    return cli_call(ctx->client, NULL, "one.image.delete", "ib", id,
                    cli_opt_has(&ctx->args, "force"));
}

/* delete ID|NAME... [--force]: one.image.delete(id, force) for each. */
static int image_delete(cli_ctx *ctx)
{
    return cli_each_id(ctx, 0, delete_one);
}

/* chtype ID|NAME TYPE: one.image.chtype(id, TYPE). */
static int image_chtype(cli_ctx *ctx)
{
    char *type = NULL;
    int id, rc = -1;

    if (cli_resolve(ctx, ctx->obj, ctx->args.pos[0], &id) == 0 &&
        type_attr(ctx->args.pos[1], &type) == 0)
        rc = cli_call(ctx->client, NULL, "one.image.chtype", "is", id, type);
    free(type);
    return rc;
}

static const cli_toggle enable = { "enable", true }, disable = { "enable", false };
static const cli_toggle persistent = { "persistent", true }, nonpersistent = { "persistent", false };

static const cli_command image_commands[] = {
    { .name = "list", .synopsis = "", .help = "List the images",
      .min_args = 0, .max_args = 0, .run = cli_run_list },
    { .name = "show", .synopsis = "ID|NAME", .help = "Show an image",
      .min_args = 1, .max_args = 1, .run = cli_run_show },
    { .name = "create", .synopsis = "[FILE]",
      .help = "Create an image from FILE ('-': stdin) or the options; prints its ID",
      .min_args = 0, .max_args = 1, .opts = create_opts, .run = image_create },
    { .name = "clone", .synopsis = "ID|NAME NAME", .help = "Copy an image; prints its ID",
      .min_args = 2, .max_args = 2, .opts = clone_opts, .run = image_clone },
    { .name = "delete", .synopsis = "ID|NAME...", .help = "Delete images",
      .min_args = 1, .max_args = -1, .opts = delete_opts, .run = image_delete },
    { .name = "enable", .synopsis = "ID|NAME...", .help = "Enable images",
      .min_args = 1, .max_args = -1, .run = cli_run_toggle, .data = &enable },
    { .name = "disable", .synopsis = "ID|NAME...", .help = "Disable images (no new VMs use them)",
      .min_args = 1, .max_args = -1, .run = cli_run_toggle, .data = &disable },
    { .name = "persistent", .synopsis = "ID|NAME...",
      .help = "Make images persistent (VMs write to the image itself)",
      .min_args = 1, .max_args = -1, .run = cli_run_toggle, .data = &persistent },
    { .name = "nonpersistent", .synopsis = "ID|NAME...",
      .help = "Make images non-persistent (each VM gets its own copy)",
      .min_args = 1, .max_args = -1, .run = cli_run_toggle, .data = &nonpersistent },
    { .name = "chtype", .synopsis = "ID|NAME TYPE", .help = "Change the type of an image",
      .min_args = 2, .max_args = 2, .run = image_chtype },
    { .name = "rename", .synopsis = "ID|NAME NEWNAME", .help = "Rename an image",
      .min_args = 2, .max_args = 2, .run = cli_run_rename },
    { .name = "update", .synopsis = "ID|NAME FILE",
      .help = "Replace (or --append to) the image template from FILE ('-': stdin)",
      .min_args = 2, .max_args = 2, .opts = cli_update_opts, .run = cli_run_update },
    CLI_OWNERSHIP_COMMANDS,
    { .name = "lock", .synopsis = "ID|NAME...",
      .help = "Lock images against changes (--use, --manage, --admin, --all)",
      .min_args = 1, .max_args = -1, .opts = cli_lock_opts, .run = cli_run_lock },
    { .name = "unlock", .synopsis = "ID|NAME...", .help = "Unlock images",
      .min_args = 1, .max_args = -1, .run = cli_run_unlock },
};

const cli_object cli_image_object = {
    .name = "image",
    .rpc = "image",
    .elem = "IMAGE",
    .pool_elem = "IMAGE_POOL",
    .pool_kind = CLI_POOL_FILTERED,
    .columns = image_columns,
    .ncolumns = NB_ARRAY_SIZE(image_columns),
    .show = image_show,
    .commands = image_commands,
    .ncommands = NB_ARRAY_SIZE(image_commands),
};
