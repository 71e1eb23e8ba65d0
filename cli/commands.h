/*
 * commands.h: the command tables of the multi-call CLI.
 *
 * Each OpenNebula object (user, group, zone, ...) is one cli_object, defined
 * in cli/cmd_<name>.c: its XML element names, its list columns, its show
 * sheet and its command table.  The verbs that are the same for every object
 * (list, show, delete, update, "act on two objects", name resolution) are
 * written once in cli/main.c and referenced from the tables.
 *
 * Adding an object: write cli/cmd_<name>.c defining `const cli_object
 * cli_<name>_object` and add X(<name>) to CLI_OBJECTS below.
 */
#ifndef CLI_COMMANDS_H
#define CLI_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <libxml/tree.h>
#include "cli/args.h"
#include "cli/client.h"
#include "cli/output.h"

#define CLI_OBJECTS(X) X(user) X(group) X(zone) X(acl) X(vdc) X(cluster) X(host) X(datastore) \
    X(template) X(vm) X(acct) X(showback) X(image)

#define CLI_COUNT_OBJECT(o) +1
enum { CLI_NOBJECTS = 0 CLI_OBJECTS(CLI_COUNT_OBJECT) };
#undef CLI_COUNT_OBJECT

typedef struct cli_ctx cli_ctx;
typedef struct cli_object cli_object;
typedef struct cli_command cli_command;

struct cli_command {
    const char *name;
    const char *synopsis;       /* positional arguments, e.g. "ID|NAME PASSWORD" */
    const char *help;           /* one line */
    int min_args;
    int max_args;               /* -1: any number */
    const cli_optdef *opts;     /* command options (NULL-terminated), or NULL */
    int (*run)(cli_ctx *ctx);   /* 0, or -1 with the error recorded or reported */
    const void *data;           /* parameters for a shared runner */
};

/* How the pool is listed (`one.<o>pool.info`). */
typedef enum cli_pool_kind {
    CLI_POOL_PLAIN,     /* no parameters: user, group, zone, host, ... */
    CLI_POOL_FILTERED,  /* (filter -2, start -1, end -1): image, template, ... */
    CLI_POOL_VM,        /* (filter -2, offset, -page, state -1), page after page until a
                         * short one, as OpenNebula's Pool#info_paginated; page size
                         * $ONE_POOL_PAGE_SIZE (a number >= 2; anything else: one call
                         * (-2, -1, -1, -1, "")), default CLI_POOL_PAGE_SIZE */
} cli_pool_kind;

#define CLI_POOL_PAGE_SIZE 200

struct cli_object {
    const char *name;           /* "user": `oneuser`, `one user` */
    const char *rpc;            /* method infix: one.<rpc>.info, one.<rpc>pool.info */
    const char *elem;           /* "USER", also the word in "USER named x not found." */
    const char *pool_elem;      /* "USER_POOL"; NULL: no pool to list (see cli_vnet_ref) */
    const char *pool_method;    /* instead of one.<rpc>pool.info (ACL: one.acl.info) */
    cli_pool_kind pool_kind;
    bool show_self;             /* `show` without an argument is info(-1) */
    const cli_column *columns;  /* `list` table */
    size_t ncolumns;
    void (*show)(const xmlNode *obj);   /* `show` sheet */
    const cli_command *commands;
    size_t ncommands;
    bool verbless;              /* no command word: commands[0] takes every argument (oneacct) */
};

struct cli_ctx {
    const cli_object *obj;
    const cli_command *cmd;
    const char *prog;           /* "oneuser" or "one user", for messages */
    cli_args args;
    cli_out_mode out;
    cli_client *client;
    /* Pools already listed (to resolve names, or for `list`): each at most
     * once per command, one slot per object type. */
    struct { const cli_object *obj; xmlDoc *doc; } pools[CLI_NOBJECTS];
};

#define CLI_DECLARE_OBJECT(o) extern const cli_object cli_##o##_object;
CLI_OBJECTS(CLI_DECLARE_OBJECT)
#undef CLI_DECLARE_OBJECT

/* Virtual networks have no CLI object yet, so arguments naming one (onecluster
 * addvnet, onevdc addvnet) take IDs only; point those at cli_vnet_object once
 * onevnet exists. */
extern const cli_object cli_vnet_ref;

/* ---- shared verbs (cli/main.c) ------------------------------------------- */

/* list: the pool as a table, -x XML, -j JSON. */
int cli_run_list(cli_ctx *ctx);
/* show [ID|NAME]: info(id, false) as a sheet, -x, -j. */
int cli_run_show(cli_ctx *ctx);
/* delete ID|NAME...: one.<rpc>.delete(id) for each; comma lists and ranges
 * "3..7" allowed; goes on after a failure and fails at the end.  data: the
 * method verb when it is not "delete" (ACL: "delrule"). */
int cli_run_delete(cli_ctx *ctx);
/* create NAME: one.<rpc>.allocate(name); prints "ID: n".  data: a template
 * attribute ("NAME") when allocate takes a template (VDC) instead. */
int cli_run_allocate(cli_ctx *ctx);
/* rename ID|NAME NEWNAME: one.<rpc>.rename(id, name). */
int cli_run_rename(cli_ctx *ctx);
/* chmod ID|NAME OCTAL: one.<rpc>.chmod(id, 9 bits), each octal digit USE=4
 * MANAGE=2 ADMIN=1 as OpenNebula's CLI converts it. */
int cli_run_chmod(cli_ctx *ctx);
/* chown ID|NAME USER [GROUP] / chgrp ID|NAME GROUP: one.<rpc>.chown(id, uid, gid),
 * -1 keeping the part not given. */
int cli_run_chown(cli_ctx *ctx);
int cli_run_chgrp(cli_ctx *ctx);
/* update ID|NAME FILE [--append]: one.<rpc>.update(id, text, 0|1); FILE "-" is stdin. */
int cli_run_update(cli_ctx *ctx);
/* chmod, chown and chgrp: the same three rows for every owned object
 * (datastores, templates, VMs, ...), run by the generic handlers. */
#define CLI_OWNERSHIP_COMMANDS \
    { .name = "chmod", .synopsis = "ID|NAME OCTAL", \
      .help = "Set permissions, e.g. 640 (digits: USE=4 MANAGE=2 ADMIN=1)", \
      .min_args = 2, .max_args = 2, .run = cli_run_chmod }, \
    { .name = "chown", .synopsis = "ID|NAME USER [GROUP]", \
      .help = "Change the owner (and group)", \
      .min_args = 2, .max_args = 3, .run = cli_run_chown }, \
    { .name = "chgrp", .synopsis = "ID|NAME GROUP", .help = "Change the group", \
      .min_args = 2, .max_args = 2, .run = cli_run_chgrp }

extern const cli_optdef cli_update_opts[];

/* lock ID|NAME... [--use|--manage|--admin|--all]: one.<rpc>.lock(id, 1..4),
 * no option is --use; unlock ID|NAME...: one.<rpc>.unlock(id). */
int cli_run_lock(cli_ctx *ctx);
int cli_run_unlock(cli_ctx *ctx);
extern const cli_optdef cli_lock_opts[];
/* LOCK/LOCKED of a document as `show` prints it: None, Use, Manage, Admin, All. */
const char *cli_lock_name(const xmlNode *obj);

/* monitoring ID|NAME [ATTR]: one.<rpc>.monitoring(id), ATTR over time as a
 * table (TIME and its value per sample), or every sample with -x / -j.
 * data: an attribute to suggest when ATTR is missing ("CPU"). */
int cli_run_monitoring(cli_ctx *ctx);

/* quota ID|NAME FILE: one.<rpc>.quota(id, text) ("-": stdin). */
int cli_run_quota(cli_ctx *ctx);
/* defaultquota FILE: one.<rpc>quota.update(text), the defaults. */
int cli_run_defaultquota(cli_ctx *ctx);

/* A call on two objects, one.<rpc>.<method>(id1, id2), e.g. user chgrp.
 * The arguments after the first may name several objects as cli_each_id
 * does: one call each, going on after a failure (onevdc addgroup V G1,G2 G3). */
typedef struct cli_pair {
    const char *method;         /* "chgrp" */
    const cli_object *second;   /* what the second argument names */
} cli_pair;
int cli_run_pair(cli_ctx *ctx);   /* data: const cli_pair * */

/* A switch on each object named, one.<rpc>.<verb>(id, on): image enable
 * and persistent, datastore enable. */
typedef struct cli_toggle {
    const char *verb;           /* "enable" */
    bool on;
} cli_toggle;
int cli_run_toggle(cli_ctx *ctx);   /* data: const cli_toggle * */

/* ---- helpers for object-specific commands ---------------------------------- */

/* "one.<rpc>.<verb>" or, with pool, "one.<rpc>pool.<verb>" (allocated). */
char *cli_method(const cli_object *obj, const char *verb, bool pool);
/* An argument naming an object of type obj: a number is the id, anything
 * else is looked up by NAME in the pool.  0, or -1 with the error recorded. */
int cli_resolve(cli_ctx *ctx, const cli_object *obj, const char *arg, int *id);
/*
 * Call fn(ctx, id) for every object named by the positional arguments from
 * index `from` on: ids, names, comma lists and ranges "3..7".  Reports each
 * failure as it happens and goes on; returns -1 if any failed.
 */
int cli_each_id(cli_ctx *ctx, size_t from, int (*fn)(cli_ctx *ctx, int id));
/* The same for the objects named by the one positional argument `index`
 * (onevm deploy 3,4 HOST). */
int cli_each_id_in(cli_ctx *ctx, size_t index, int (*fn)(cli_ctx *ctx, int id));
/* A comma-separated list of ids or names (GROUP lists); *ids is allocated. */
int cli_resolve_list(cli_ctx *ctx, const cli_object *obj, const char *arg, int **ids, size_t *n);
/* The text of FILE, or of stdin for "-" (allocated); NULL with the error
 * recorded. */
char *cli_read_input(const char *file);
/* The --cluster option as an id; -1 (oned's default cluster) when absent. */
int cli_cluster_opt(cli_ctx *ctx, int *cid);
/* Parse an integer option value ("--time"), recording an error if invalid. */
int cli_opt_int(const cli_ctx *ctx, const char *name, int dflt, int *out);
/* one.acl.addrule with r's four words as hex strings (lowercase, no 0x, as
 * OpenNebula's Ruby CLI sends them); *id (may be NULL) gets the rule id. */
struct nb_acl_rule;
int cli_acl_addrule(cli_ctx *ctx, const struct nb_acl_rule *r, int *id);
/* HISTORY/ACTION as OpenNebula's CLI names it ("none" for 0), NULL if unknown. */
const char *cli_vm_action_name(int code);
/* Print the document xml in the selected mode; sheet renders the table mode. */
int cli_print_doc(const cli_ctx *ctx, const char *xml, void (*sheet)(const xmlNode *root));

#endif
