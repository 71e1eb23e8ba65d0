/* `onehost monitoring` and `onevm monitoring`: the samples oned keeps
 * (one.<rpc>.monitoring), one attribute over time as a table, or every
 * sample with -x / -j. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "cli/commands.h"

/* TIME and the value of attr (a path in the sample: CPU,
 * CAPACITY/USED_MEMORY), one row per MONITORING, oldest first. */
static void monitoring_table(const xmlNode *root, const char *attr)
{
    const cli_column cols[] = {
        { .title = "TIME", .width = 14 },
        { .title = attr, .width = 10 },
    };
    cli_table t;

    cli_table_init(&t, cols, NB_ARRAY_SIZE(cols));
    for (const xmlNode *m = root->children; m; m = m->next) {
        const char *v;
        char *when;
        if (!cli_xml_is(m, "MONITORING"))
            continue;
        v = cli_xml_text(m, attr);
        when = cli_time_str(cli_xml_ll(m, "TIMESTAMP"));
        cli_table_add(&t, (const char *const[]){ when, v ? v : "-" });
        free(when);
    }
    cli_table_print(&t);
    cli_table_free(&t);
}

int cli_run_monitoring(cli_ctx *ctx)
{
    const char *attr = ctx->args.npos > 1 ? ctx->args.pos[1] : NULL;
    char *method = cli_method(ctx->obj, "monitoring", false);
    char *xml = NULL;
    xmlDoc *doc = NULL;
    int id, ret = -1;

    if (ctx->out == CLI_OUT_TABLE && !attr) {
        cli_error("Name the attribute to show (e.g. %s), or use -x or -j for every sample",
                  ctx->cmd->data ? (const char *)ctx->cmd->data : "CPU");
        goto cleanup;
    }
    if (cli_resolve(ctx, ctx->obj, ctx->args.pos[0], &id) < 0 ||
        cli_call_string(ctx->client, &xml, method, "i", id) < 0 ||
        !(doc = cli_xml_parse(xml, strlen(xml))))
        goto cleanup;
    switch (ctx->out) {
    case CLI_OUT_XML:
        ret = cli_print_xml(doc);
        break;
    case CLI_OUT_JSON:
        ret = cli_print_json(doc);
        break;
    case CLI_OUT_TABLE:
    default:
        monitoring_table(xmlDocGetRootElement(doc), attr);
        ret = 0;
        break;
    }
 cleanup:
    xmlFreeDoc(doc);
    free(xml);
    free(method);
    return ret;
}
