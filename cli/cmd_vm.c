/*
 * cmd_vm.c: onevm.
 *
 * The STAT column and the state names come from oned/lifecycle.c, linked
 * into the CLI (it is pure), so `onevm list` and oned cannot disagree on
 * the short names.  The one.vm.action verbs share one runner, told apart by
 * their command's data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lib/util.h"
#include "oned/lifecycle.h"
#include "cli/commands.h"

/* ---- reading the VM document ---------------------------------------------- */

static nb_vm_phase phase_of(const xmlNode *vm)
{
    return (nb_vm_phase){ (int)cli_xml_ll(vm, "STATE"), (int)cli_xml_ll(vm, "LCM_STATE") };
}

/* The newest HISTORY record (the short form has only that one), or NULL. */
static const xmlNode *last_history(const xmlNode *vm)
{
    const xmlNode *records = cli_xml_child(vm, "HISTORY_RECORDS"), *last = NULL;

    for (const xmlNode *c = records ? records->children : NULL; c; c = c->next)
        if (cli_xml_is(c, "HISTORY"))
            last = c;
    return last;
}

/* The host the VM is on, as OpenNebula's CLI shows it: only while it holds
 * one (ACTIVE, SUSPENDED, POWEROFF); NULL otherwise. */
static const char *current_host(const xmlNode *vm)
{
    int state = phase_of(vm).state;
    const xmlNode *h = last_history(vm);

    if (!h || (state != NB_VM_ACTIVE && state != NB_VM_SUSPENDED && state != NB_VM_POWEROFF))
        return NULL;
    return cli_xml_str(h, "HOSTNAME");
}

/* A duration as OpenNebula's period_to_str without seconds: "0d 01h05m". */
static char *period_str(long long secs)
{
    if (secs < 0)
        secs = 0;
    return nb_asprintf("%lldd %02lldh%02lldm", secs / 86400, secs / 3600 % 24, secs / 60 % 60);
}

/* A short duration (prolog): "0h00m05s". */
static char *short_period_str(long long secs)
{
    if (secs < 0)
        secs = 0;
    return nb_asprintf("%lldh%02lldm%02llds", secs / 3600, secs / 60 % 60, secs % 60);
}

/* From the start time at `from` to the end time at `to`, or now while 0. */
static long long elapsed(const xmlNode *n, const char *from, const char *to)
{
    long long end = cli_xml_ll(n, to);
    return (end ? end : (long long)time(NULL)) - cli_xml_ll(n, from);
}

/* Epoch seconds as "%m/%d %H:%M:%S", "-" for 0 (never). */
static char *when_str(long long t)
{
    return t ? cli_time_str(t) : nb_strdup("-");
}

/* ---- list ---------------------------------------------------------------- */

static char *cell_stat(const cli_row *r)
{
    nb_vm_phase p = phase_of(r->node);
    const char *s = nb_vm_phase_short(p);

    return s ? nb_strdup(s) : nb_asprintf("%d/%d", p.state, p.lcm);
}

static char *cell_ucpu(const cli_row *r)
{
    const char *cpu = cli_xml_text(r->node, "MONITORING/CPU");
    return nb_strdup(cpu && *cpu ? cpu : "0");
}

static char *cell_umem(const cli_row *r)
{
    return cli_kb_str(cli_xml_ll(r->node, "MONITORING/MEMORY"));
}

static char *cell_host(const cli_row *r)
{
    const char *host = current_host(r->node);
    return nb_strdup(host ? host : "");
}

static char *cell_time(const cli_row *r)
{
    return period_str(elapsed(r->node, "STIME", "ETIME"));
}

static const cli_column vm_columns[] = {
    { "ID", 6, 0, "ID", NULL },
    { "USER", 8, CLI_COL_LEFT, "UNAME", NULL },
    { "GROUP", 8, CLI_COL_LEFT, "GNAME", NULL },
    { "NAME", 15, CLI_COL_LEFT, "NAME", NULL },
    { "STAT", 4, 0, NULL, cell_stat },
    { "UCPU", 4, 0, NULL, cell_ucpu },
    { "UMEM", 7, 0, NULL, cell_umem },
    { "HOST", 10, CLI_COL_LEFT, NULL, cell_host },
    { "TIME", 11, 0, NULL, cell_time },
};

/* ---- show ---------------------------------------------------------------- */

const char *cli_vm_action_name(int code)
{
    if (code == 0)
        return "none";
    for (int a = 0; a < NB_ACT_COUNT; a++)
        if (nb_vm_action_code((enum nb_vm_action)a) == code)
            return nb_vm_action_name((enum nb_vm_action)a);
    return NULL;
}

/* "-" for the -1 OpenNebula writes when nobody is recorded. */
static char *id_or_dash(const xmlNode *h, const char *path)
{
    const char *v = cli_xml_str(h, path);
    return nb_strdup(strcmp(v, "-1") == 0 || !*v ? "-" : v);
}

static char *hcell_uid(const cli_row *r) { return id_or_dash(r->node, "UID"); }
static char *hcell_req(const cli_row *r) { return id_or_dash(r->node, "REQUEST_ID"); }

static char *hcell_action(const cli_row *r)
{
    const char *name = cli_vm_action_name((int)cli_xml_ll(r->node, "ACTION"));
    return name ? nb_strdup(name) : nb_strdup(cli_xml_str(r->node, "ACTION"));
}

static char *hcell_start(const cli_row *r)
{
    return when_str(cli_xml_ll(r->node, "STIME"));
}

static char *hcell_time(const cli_row *r)
{
    return period_str(elapsed(r->node, "STIME", "ETIME"));
}

static char *hcell_prolog(const cli_row *r)
{
    return short_period_str(cli_xml_ll(r->node, "PSTIME") ? elapsed(r->node, "PSTIME", "PETIME")
                                                          : 0);
}

static const cli_column history_columns[] = {
    { "SEQ", 3, 0, "SEQ", NULL },
    { "UID", 4, CLI_COL_LEFT, NULL, hcell_uid },
    { "REQ", 5, CLI_COL_LEFT, NULL, hcell_req },
    { "HOST", 12, CLI_COL_LEFT, "HOSTNAME", NULL },
    { "ACTION", 10, CLI_COL_LEFT, NULL, hcell_action },
    { "DS", 4, 0, "DS_ID", NULL },
    { "START", 15, 0, NULL, hcell_start },
    { "TIME", 11, 0, NULL, hcell_time },
    { "PROLOG", 10, 0, NULL, hcell_prolog },
};

static void history_table(const xmlNode *vm)
{
    const xmlNode *records = cli_xml_child(vm, "HISTORY_RECORDS");
    cli_table t;

    if (!last_history(vm))
        return;
    cli_sheet_title("VIRTUAL MACHINE HISTORY");
    cli_table_init(&t, history_columns, NB_ARRAY_SIZE(history_columns));
    for (const xmlNode *c = records->children; c; c = c->next) {
        cli_row row = { c, NULL, NULL };
        if (cli_xml_is(c, "HISTORY"))
            cli_table_add_row(&t, &row);
    }
    cli_table_print(&t);
    cli_table_free(&t);
}

/* ---- disks, NICs and snapshots, as OpenNebula's `onevm show` lists them ---- */

/* text, or "-" when empty or absent */
static char *or_dash(const xmlNode *n, const char *path)
{
    const char *v = cli_xml_str(n, path);
    return nb_strdup(*v ? v : "-");
}

static char *dcell_image(const cli_row *r)
{
    const char *image = cli_xml_str(r->node, "IMAGE");
    return or_dash(r->node, *image ? "IMAGE" : "SOURCE");
}

static char *dcell_size(const cli_row *r)
{
    const char *size = cli_xml_str(r->node, "SIZE");
    return *size ? nb_asprintf("%sM", size) : nb_strdup("-");
}

static char *dcell_type(const cli_row *r)
{
    const char *type = cli_xml_str(r->node, "TYPE");
    return nb_strdup(*type ? type : "file");
}

static char *ncell_network(const cli_row *r) { return or_dash(r->node, "NETWORK"); }
static char *ncell_bridge(const cli_row *r) { return or_dash(r->node, "BRIDGE"); }
static char *ncell_mac(const cli_row *r) { return or_dash(r->node, "MAC"); }
static char *scell_time(const cli_row *r) { return when_str(cli_xml_ll(r->node, "TIME")); }

static const cli_column disk_columns[] = {
    { "ID", 3, 0, "DISK_ID", NULL },
    { "TARGET", 6, CLI_COL_LEFT, "TARGET", NULL },
    { "IMAGE", 20, CLI_COL_LEFT, NULL, dcell_image },
    { "SIZE", 6, 0, NULL, dcell_size },
    { "TYPE", 5, CLI_COL_LEFT, NULL, dcell_type },
};

static const cli_column nic_columns[] = {
    { "ID", 3, 0, "NIC_ID", NULL },
    { "NETWORK", 15, CLI_COL_LEFT, NULL, ncell_network },
    { "BRIDGE", 12, CLI_COL_LEFT, NULL, ncell_bridge },
    { "MAC", 17, CLI_COL_LEFT, NULL, ncell_mac },
};

static const cli_column snapshot_columns[] = {
    { "ID", 3, 0, "SNAPSHOT_ID", NULL },
    { "TIME", 15, 0, NULL, scell_time },
    { "NAME", 20, CLI_COL_LEFT, "NAME", NULL },
    { "HYPERVISOR_ID", 13, CLI_COL_LEFT, "HYPERVISOR_ID", NULL },
};

/* A table of the TEMPLATE vectors called vector, when there is one. */
static void vector_table(const xmlNode *vm, const char *vector, const char *title,
                         const cli_column *cols, size_t ncols)
{
    const xmlNode *tmpl = cli_xml_child(vm, "TEMPLATE");
    cli_table t;

    if (!tmpl || !cli_xml_child(tmpl, vector))
        return;
    cli_sheet_title("%s", title);
    cli_table_init(&t, cols, ncols);
    for (const xmlNode *c = tmpl->children; c; c = c->next) {
        cli_row row = { c, NULL, NULL };
        if (cli_xml_is(c, vector))
            cli_table_add_row(&t, &row);
    }
    cli_table_print(&t);
    cli_table_free(&t);
}

/* MONITORING, once the VM has been sampled: sizes in OpenNebula's units. */
static void monitoring_section(const xmlNode *vm)
{
    const xmlNode *mon = cli_xml_child(vm, "MONITORING");
    bool started = false;

    for (const xmlNode *c = mon ? mon->children : NULL; c; c = c->next) {
        const char *name = (const char *)c->name;
        const char *v;
        char *shown;

        if (c->type != XML_ELEMENT_NODE || !(v = cli_xml_text(c, NULL)) || !*v)
            continue;
        if (!started)
            cli_sheet_title("VIRTUAL MACHINE MONITORING");
        started = true;
        if (strcmp(name, "MEMORY") == 0)
            shown = cli_kb_str(cli_xml_ll(c, NULL));
        else if (strcmp(name, "NETRX") == 0 || strcmp(name, "NETTX") == 0)
            shown = cli_kb_str(cli_xml_ll(c, NULL) / 1024);
        else if (strcmp(name, "TIMESTAMP") == 0)
            shown = when_str(cli_xml_ll(c, NULL));
        else
            shown = nb_strdup(v);
        cli_sheet_field(name, shown);
        free(shown);
    }
}

static void vm_show(const xmlNode *vm)
{
    nb_vm_phase p = phase_of(vm);
    const char *state = nb_vm_state_name(p.state);
    const char *lcm = nb_lcm_state_name(p.lcm);
    const char *host = current_host(vm);
    const xmlNode *h = last_history(vm);
    const char *deploy_id = cli_xml_str(vm, "DEPLOY_ID");
    char *start = when_str(cli_xml_ll(vm, "STIME")), *end = when_str(cli_xml_ll(vm, "ETIME"));

    cli_sheet_title("VIRTUAL MACHINE %s INFORMATION", cli_xml_str(vm, "ID"));
    cli_sheet_field("ID", cli_xml_text(vm, "ID"));
    cli_sheet_field("NAME", cli_xml_text(vm, "NAME"));
    cli_sheet_field("USER", cli_xml_text(vm, "UNAME"));
    cli_sheet_field("GROUP", cli_xml_text(vm, "GNAME"));
    cli_sheet_field("STATE", state ? state : cli_xml_text(vm, "STATE"));
    cli_sheet_field("LCM_STATE", lcm ? lcm : cli_xml_text(vm, "LCM_STATE"));
    cli_sheet_field("LOCK", cli_lock_name(vm));
    cli_sheet_field("RESCHED", cli_xml_ll(vm, "RESCHED") ? "Yes" : "No");
    if (host)
        cli_sheet_field("HOST", host);
    if (h)
        cli_sheet_field("CLUSTER ID", cli_xml_text(h, "CID"));
    cli_sheet_field("START TIME", start);
    cli_sheet_field("END TIME", end);
    cli_sheet_field("DEPLOY ID", *deploy_id ? deploy_id : "-");
    free(start);
    free(end);

    monitoring_section(vm);
    cli_sheet_permissions(vm);
    vector_table(vm, "DISK", "VM DISKS", disk_columns, NB_ARRAY_SIZE(disk_columns));
    vector_table(vm, "NIC", "VM NICS", nic_columns, NB_ARRAY_SIZE(nic_columns));
    vector_table(vm, "SNAPSHOT", "SNAPSHOTS", snapshot_columns,
                 NB_ARRAY_SIZE(snapshot_columns));
    history_table(vm);
    cli_sheet_template("USER TEMPLATE", cli_xml_child(vm, "USER_TEMPLATE"));
    cli_sheet_template("VIRTUAL MACHINE TEMPLATE", cli_xml_child(vm, "TEMPLATE"));
}

/* ---- create ----------------------------------------------------------------- */

static const cli_optdef create_opts[] = {
    { "hold", 0, NULL, "Create the VM on HOLD: the scheduler leaves it alone" },
    { NULL, 0, NULL, NULL },
};

/* create FILE: one.vm.allocate(text, hold); FILE "-" is stdin. */
static int vm_create(cli_ctx *ctx)
{
    char *text = cli_read_input(ctx->args.pos[0]);
    int id, rc;

    if (!text)
        return -1;
    rc = cli_call_int(ctx->client, &id, "one.vm.allocate", "sb", text,
                      cli_opt_has(&ctx->args, "hold"));
    if (rc == 0)
        printf("ID: %d\n", id);
    free(text);
    return rc;
}

/* ---- one.vm.action ---------------------------------------------------------- */

/* The action a command sends: `hard` with --hard (when it has the option). */
typedef struct vm_action {
    const char *name;
    const char *hard;
} vm_action;

static const vm_action act_terminate = { "terminate", "terminate-hard" };
static const vm_action act_undeploy = { "undeploy", "undeploy-hard" };
static const vm_action act_poweroff = { "poweroff", "poweroff-hard" };
static const vm_action act_reboot = { "reboot", "reboot-hard" };
static const vm_action act_suspend = { "suspend", NULL };
static const vm_action act_resume = { "resume", NULL };
static const vm_action act_stop = { "stop", NULL };
static const vm_action act_hold = { "hold", NULL };
static const vm_action act_release = { "release", NULL };
static const vm_action act_resched = { "resched", NULL };
static const vm_action act_unresched = { "unresched", NULL };

static const cli_optdef hard_opts[] = {
    { "hard", 0, NULL, "Do not wait for the guest: destroy or reset it" },
    { NULL, 0, NULL, NULL },
};

static int action_one(cli_ctx *ctx, int id)
{
    const vm_action *a = ctx->cmd->data;
    const char *name = a->hard && cli_opt_has(&ctx->args, "hard") ? a->hard : a->name;

    return cli_call(ctx->client, NULL, "one.vm.action", "si", name, id);
}

/* Every one.vm.action verb: the action on each VM named. */
static int vm_action_run(cli_ctx *ctx)
{
    return cli_each_id(ctx, 0, action_one);
}

/* ---- placement: deploy and migrate ------------------------------------------ */

/* Where deploy/migrate send the VMs (resolved once, before the first). */
static struct {
    int host;
    int ds;
} target;

static int resolve_target(cli_ctx *ctx)
{
    target.ds = -1;
    return cli_resolve(ctx, &cli_host_object, ctx->args.pos[1], &target.host) < 0 ||
           (ctx->args.npos > 2 &&
            cli_resolve(ctx, &cli_datastore_object, ctx->args.pos[2], &target.ds) < 0)
               ? -1 : 0;
}

static const cli_optdef deploy_opts[] = {
    { "enforce", 0, NULL, "Refuse when the host lacks the capacity the VM asks" },
    { NULL, 0, NULL, NULL },
};

/* As OpenNebula's CLI: one.vm.info(id, false), then
 * one.vm.deploy(id, host, enforce, ds or -1, ""). */
static int deploy_one(cli_ctx *ctx, int id)
{
    if (cli_call(ctx->client, NULL, "one.vm.info", "ib", id, 0) < 0)
        return -1;
    return cli_call(ctx->client, NULL, "one.vm.deploy", "iibis", id, target.host,
                    cli_opt_has(&ctx->args, "enforce"), target.ds, "");
}

static int vm_deploy(cli_ctx *ctx)
{
    if (resolve_target(ctx) < 0)
        return -1;
    return cli_each_id_in(ctx, 0, deploy_one);
}

static const cli_optdef migrate_opts[] = {
    { "live", 0, NULL, "Move the running VM without stopping it" },
    { "enforce", 0, NULL, "Refuse when the host lacks the capacity the VM asks" },
    { "poweroff", 0, NULL, "Cold migration: shut the guest down instead of saving it" },
    { "poweroff-hard", 0, NULL, "Cold migration: destroy the guest instead of saving it" },
    { NULL, 0, NULL, NULL },
};

/* one.vm.migrate(id, host, live, enforce, ds or -1, type): type 0 save,
 * 1 poweroff, 2 poweroff-hard. */
static int migrate_one(cli_ctx *ctx, int id)
{
    int type = cli_opt_has(&ctx->args, "poweroff-hard") ? 2
             : cli_opt_has(&ctx->args, "poweroff") ? 1 : 0;

    return cli_call(ctx->client, NULL, "one.vm.migrate", "iibbii", id, target.host,
                    cli_opt_has(&ctx->args, "live"), cli_opt_has(&ctx->args, "enforce"),
                    target.ds, type);
}

static int vm_migrate(cli_ctx *ctx)
{
    if (resolve_target(ctx) < 0)
        return -1;
    return cli_each_id_in(ctx, 0, migrate_one);
}

/* ---- recover ---------------------------------------------------------------- */

/* In one.vm.recover's operation order, 0 to 5. */
static const cli_optdef recover_opts[] = {
    { "failure", 0, NULL, "The operation in progress failed" },
    { "success", 0, NULL, "The operation in progress succeeded" },
    { "retry", 0, NULL, "Run the failed operation again" },
    { "delete", 0, NULL, "Clean the VM up from its host and end it (DONE)" },
    { "recreate", 0, NULL, "Clean the VM up and submit it again (PENDING, same ID)" },
    { "delete-db", 0, NULL, "End the VM without any driver operation" },
    { NULL, 0, NULL, NULL },
};

static int recover_op;

static int recover_one(cli_ctx *ctx, int id)
{
    return cli_call(ctx->client, NULL, "one.vm.recover", "ii", id, recover_op);
}

static int vm_recover(cli_ctx *ctx)
{
    int given = 0;

    for (int op = 0; recover_opts[op].name; op++)
        if (cli_opt_has(&ctx->args, recover_opts[op].name)) {
            recover_op = op;
            given++;
        }
    if (given != 1) {
        cli_error("recover needs exactly one of --success, --failure, --retry, --delete, "
                  "--recreate, --delete-db");
        return -1;
    }
    return cli_each_id(ctx, 0, recover_one);
}

/* ---- hotplug and snapshots ---------------------------------------------------- */

/* The VM of a single-VM command (its first argument), or -1 with the error
 * printed. */
static int the_vm(cli_ctx *ctx)
{
    int id;
    return cli_resolve(ctx, &cli_vm_object, ctx->args.pos[0], &id) < 0 ? -1 : id;
}

/* An id argument (DISK_ID, NIC_ID, SNAP_ID), or -1 with the error printed. */
static int id_arg(const char *what, const char *arg)
{
    int n;
    if (nb_parse_int(arg, &n) < 0 || n < 0) {
        cli_error("%s must be a number, got '%s'", what, arg);
        return -1;
    }
    return n;
}

/* The vector a *-attach command sends: --file's template, else the one the
 * shortcut option (--size, --bridge) makes: head, then its value quoted. */
static char *attach_template(cli_ctx *ctx, const char *shortcut, const char *head)
{
    const char *file = cli_opt_get(&ctx->args, "file");
    const char *value = cli_opt_get(&ctx->args, shortcut);

    if (!file == !value) {
        cli_error("give either --file or --%s", shortcut);
        return NULL;
    }
    return file ? cli_read_input(file) : nb_asprintf("%s\"%s\" ]", head, value);
}

static int attach_run(cli_ctx *ctx, const char *method, const char *shortcut, const char *head)
{
    int vm = the_vm(ctx), rc = -1;
    char *text;

    if (vm < 0 || !(text = attach_template(ctx, shortcut, head)))
        return -1;
    rc = cli_call(ctx->client, NULL, method, "is", vm, text);
    free(text);
    return rc;
}

static const cli_optdef disk_attach_opts[] = {
    { "file", 0, "FILE", "The DISK = [ ... ] template to attach ('-': stdin)" },
    { "size", 0, "MB", "Attach a new volatile disk (TYPE = fs) of this size" },
    { NULL, 0, NULL, NULL },
};

static int vm_disk_attach(cli_ctx *ctx)
{
    return attach_run(ctx, "one.vm.attach", "size", "DISK = [ TYPE = \"fs\", SIZE = ");
}

static const cli_optdef nic_attach_opts[] = {
    { "file", 0, "FILE", "The NIC = [ ... ] template to attach ('-': stdin)" },
    { "bridge", 0, "BRIDGE", "Attach a NIC on this host bridge" },
    { NULL, 0, NULL, NULL },
};

static int vm_nic_attach(cli_ctx *ctx)
{
    return attach_run(ctx, "one.vm.attachnic", "bridge", "NIC = [ BRIDGE = ");
}

/* VM ID commands: disk-detach, nic-detach, snapshot-revert, snapshot-delete;
 * the method is the command's data, the id's name its synopsis' last word. */
static int vm_id_call(cli_ctx *ctx)
{
    const char *what = strrchr(ctx->cmd->synopsis, ' ') + 1;
    int vm = the_vm(ctx), n = vm < 0 ? -1 : id_arg(what, ctx->args.pos[1]);

    if (n < 0)
        return -1;
    return cli_call(ctx->client, NULL, ctx->cmd->data, "ii", vm, n);
}

static const cli_optdef resize_opts[] = {
    { "cpu", 0, "N", "New CPU share (1.0 = one core)" },
    { "vcpu", 0, "N", "New number of virtual CPUs" },
    { "memory", 0, "MB", "New memory size" },
    { "enforce", 0, NULL, "Refuse when the host lacks the capacity (always so but for "
                          "oneadmin's group)" },
    { NULL, 0, NULL, NULL },
};

/* one.vm.resize(id, "CPU = .. VCPU = .. MEMORY = ..", enforce) */
static int vm_resize(cli_ctx *ctx)
{
    static const char *const attrs[][2] = { { "cpu", "CPU" }, { "vcpu", "VCPU" },
                                            { "memory", "MEMORY" } };
    nb_buf t = NB_BUF_INIT;
    int vm = the_vm(ctx), rc = -1;

    if (vm < 0)
        return -1;
    for (size_t i = 0; i < NB_ARRAY_SIZE(attrs); i++) {
        const char *v = cli_opt_get(&ctx->args, attrs[i][0]);
        if (v)
            nb_buf_addf(&t, "%s = \"%s\"\n", attrs[i][1], v);
    }
    if (!t.len)
        cli_error("resize needs --cpu, --vcpu or --memory");
    else
        rc = cli_call(ctx->client, NULL, "one.vm.resize", "isb", vm, t.data,
                      cli_opt_has(&ctx->args, "enforce"));
    nb_buf_free(&t);
    return rc;
}

/* snapshot-create VM [NAME]: prints the new snapshot's id. */
static int vm_snapshot_create(cli_ctx *ctx)
{
    int vm = the_vm(ctx), id;

    if (vm < 0 || cli_call_int(ctx->client, &id, "one.vm.snapshotcreate", "is", vm,
                               ctx->args.npos > 1 ? ctx->args.pos[1] : "") < 0)
        return -1;
    printf("ID: %d\n", id);
    return 0;
}

/* ---- the table -------------------------------------------------------------- */

#define VM_ACTION(verb, act, what, options)                                               \
    { .name = verb, .synopsis = "ID|NAME...", .help = what, .min_args = 1,                \
      .max_args = -1, .opts = options, .run = vm_action_run, .data = &act }

static const cli_command vm_commands[] = {
    { .name = "list", .synopsis = "", .help = "List the VMs (all but DONE)",
      .min_args = 0, .max_args = 0, .run = cli_run_list },
    { .name = "show", .synopsis = "ID|NAME", .help = "Show a VM",
      .min_args = 1, .max_args = 1, .run = cli_run_show },
    { .name = "monitoring", .synopsis = "ID|NAME [ATTR]",
      .help = "The VM's samples: ATTR (e.g. CPU, MEMORY) over time, or all with -x/-j",
      .min_args = 1, .max_args = 2, .run = cli_run_monitoring, .data = "CPU" },
    { .name = "create", .synopsis = "FILE",
      .help = "Create a VM from template FILE ('-': stdin; CPU and MEMORY required)",
      .min_args = 1, .max_args = 1, .opts = create_opts, .run = vm_create },
    { .name = "deploy", .synopsis = "ID|NAME... HOST [DATASTORE]",
      .help = "Place VMs on a host (and system datastore) and start them",
      .min_args = 2, .max_args = 3, .opts = deploy_opts, .run = vm_deploy },
    VM_ACTION("terminate", act_terminate, "End VMs (--hard: destroy the guest)", hard_opts),
    VM_ACTION("undeploy", act_undeploy,
              "Shut VMs down and free their hosts, keeping their disks (--hard)", hard_opts),
    VM_ACTION("poweroff", act_poweroff, "Power VMs off, keeping their hosts (--hard)",
              hard_opts),
    VM_ACTION("reboot", act_reboot, "Reboot VMs (--hard: reset)", hard_opts),
    VM_ACTION("suspend", act_suspend, "Save VMs to disk, keeping their hosts", NULL),
    VM_ACTION("resume", act_resume, "Resume stopped, suspended or powered off VMs", NULL),
    VM_ACTION("stop", act_stop, "Save VMs and free their hosts", NULL),
    VM_ACTION("hold", act_hold, "Keep pending VMs from being deployed", NULL),
    VM_ACTION("release", act_release, "Release held VMs", NULL),
    VM_ACTION("resched", act_resched, "Ask the scheduler to move VMs", NULL),
    VM_ACTION("unresched", act_unresched, "Cancel a resched", NULL),
    { .name = "migrate", .synopsis = "ID|NAME... HOST [DATASTORE]",
      .help = "Move VMs to another host (--live, --poweroff, --poweroff-hard, --enforce)",
      .min_args = 2, .max_args = 3, .opts = migrate_opts, .run = vm_migrate },
    { .name = "recover", .synopsis = "ID|NAME...",
      .help = "Recover VMs stuck in an operation (--success, --failure, --retry, --delete, "
              "--recreate, --delete-db)",
      .min_args = 1, .max_args = -1, .opts = recover_opts, .run = vm_recover },
    { .name = "disk-attach", .synopsis = "ID|NAME",
      .help = "Attach a disk (--file TEMPLATE or --size MB for a volatile one)",
      .min_args = 1, .max_args = 1, .opts = disk_attach_opts, .run = vm_disk_attach },
    { .name = "disk-detach", .synopsis = "ID|NAME DISK_ID", .help = "Detach a disk",
      .min_args = 2, .max_args = 2, .run = vm_id_call, .data = "one.vm.detach" },
    { .name = "nic-attach", .synopsis = "ID|NAME",
      .help = "Attach a NIC (--file TEMPLATE or --bridge BRIDGE)",
      .min_args = 1, .max_args = 1, .opts = nic_attach_opts, .run = vm_nic_attach },
    { .name = "nic-detach", .synopsis = "ID|NAME NIC_ID", .help = "Detach a NIC",
      .min_args = 2, .max_args = 2, .run = vm_id_call, .data = "one.vm.detachnic" },
    { .name = "resize", .synopsis = "ID|NAME",
      .help = "Change CPU, VCPU or MEMORY (--cpu, --vcpu, --memory; --enforce)",
      .min_args = 1, .max_args = 1, .opts = resize_opts, .run = vm_resize },
    { .name = "snapshot-create", .synopsis = "ID|NAME [NAME]",
      .help = "Snapshot a running VM (disks and memory)",
      .min_args = 1, .max_args = 2, .run = vm_snapshot_create },
    { .name = "snapshot-revert", .synopsis = "ID|NAME SNAP_ID",
      .help = "Bring a running VM back to a snapshot",
      .min_args = 2, .max_args = 2, .run = vm_id_call, .data = "one.vm.snapshotrevert" },
    { .name = "snapshot-delete", .synopsis = "ID|NAME SNAP_ID", .help = "Delete a snapshot",
      .min_args = 2, .max_args = 2, .run = vm_id_call, .data = "one.vm.snapshotdelete" },
    { .name = "update", .synopsis = "ID|NAME FILE",
      .help = "Replace (or --append to) the user template from FILE ('-': stdin)",
      .min_args = 2, .max_args = 2, .opts = cli_update_opts, .run = cli_run_update },
    { .name = "rename", .synopsis = "ID|NAME NEWNAME", .help = "Rename a VM",
      .min_args = 2, .max_args = 2, .run = cli_run_rename },
    CLI_OWNERSHIP_COMMANDS,
    { .name = "lock", .synopsis = "ID|NAME...",
      .help = "Lock VMs against changes (--use, --manage, --admin, --all)",
      .min_args = 1, .max_args = -1, .opts = cli_lock_opts, .run = cli_run_lock },
    { .name = "unlock", .synopsis = "ID|NAME...", .help = "Unlock VMs",
      .min_args = 1, .max_args = -1, .run = cli_run_unlock },
};

const cli_object cli_vm_object = {
    .name = "vm",
    .rpc = "vm",
    .elem = "VM",
    .pool_elem = "VM_POOL",
    .pool_kind = CLI_POOL_VM,
    .columns = vm_columns,
    .ncolumns = NB_ARRAY_SIZE(vm_columns),
    .show = vm_show,
    .commands = vm_commands,
    .ncommands = NB_ARRAY_SIZE(vm_commands),
};
