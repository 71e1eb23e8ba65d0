#include "cli/args.h"

#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "cli/output.h"

const cli_optdef cli_global_opts[] = {
    { "xml", 'x', NULL, "Print the XML document (pretty-printed)" },
    { "json", 'j', NULL, "Print the document as JSON" },
    { "endpoint", 0, "URL", "XML-RPC endpoint (default: $ONE_XMLRPC)" },
    { "user", 0, "NAME", "User name, with --password (default: from $ONE_AUTH)" },
    { "password", 0, "PASSWORD", "Password or login token for --user" },
    { "help", 'h', NULL, "Show this help" },
    { NULL, 0, NULL, NULL },
};

static const cli_optdef *find_long(const cli_optdef *opts, const char *name, size_t len)
{
    for (; opts && opts->name; opts++)
        if (strlen(opts->name) == len && strncmp(opts->name, name, len) == 0)
            return opts;
    return NULL;
}

static const cli_optdef *find_short(const cli_optdef *opts, char letter)
{
    for (; opts && opts->name; opts++)
        if (opts->letter && opts->letter == letter)
            return opts;
    return NULL;
}

/* "-5" is a (negative) number, not an option. */
static bool is_option(const char *s)
{
    return s[0] == '-' && s[1] != '\0' && !(s[1] >= '0' && s[1] <= '9');
}

static void add_opt(cli_args *a, const cli_optdef *def, const char *value)
{
    a->opts = nb_realloc(a->opts, (a->nopts + 1) * sizeof(*a->opts));
    a->opts[a->nopts].def = def;
    a->opts[a->nopts].value = value;
    a->nopts++;
}

/* One "--name[=value]" token at argv[*i]; consumes the next token as value if needed. */
static int parse_long(cli_args *a, int argc, char **argv, int *i, const cli_optdef *cmd_opts)
{
    const char *tok = argv[*i] + 2;
    const char *eq = strchr(tok, '=');
    size_t len = eq ? (size_t)(eq - tok) : strlen(tok);
    const cli_optdef *def = find_long(cmd_opts, tok, len);

    if (!def)
        def = find_long(cli_global_opts, tok, len);
    if (!def) {
        cli_error("unknown option --%.*s", (int)len, tok);
        return -1;
    }
    if (!def->arg) {
        if (eq) {
            cli_error("option --%s takes no value", def->name);
            return -1;
        }
        add_opt(a, def, NULL);
        return 0;
    }
    if (eq) {
        add_opt(a, def, eq + 1);
        return 0;
    }
    if (*i + 1 >= argc) {
        cli_error("option --%s needs a value (%s)", def->name, def->arg);
        return -1;
    }
    add_opt(a, def, argv[++*i]);
    return 0;
}

/* A "-abc" cluster; a value-taking letter swallows the rest or the next token. */
static int parse_short(cli_args *a, int argc, char **argv, int *i, const cli_optdef *cmd_opts)
{
    const char *tok = argv[*i];

    for (size_t k = 1; tok[k]; k++) {
        const cli_optdef *def = find_short(cmd_opts, tok[k]);
        if (!def)
            def = find_short(cli_global_opts, tok[k]);
        if (!def) {
            cli_error("unknown option -%c", tok[k]);
            return -1;
        }
        if (!def->arg) {
            add_opt(a, def, NULL);
            continue;
        }
        if (tok[k + 1]) {
            add_opt(a, def, tok + k + 1);
        } else if (*i + 1 < argc) {
            add_opt(a, def, argv[++*i]);
        } else {
            cli_error("option -%c needs a value (%s)", def->letter, def->arg);
            return -1;
        }
        break;
    }
    return 0;
}

int cli_args_parse(cli_args *a, int argc, char **argv, const cli_optdef *cmd_opts)
{
    bool only_pos = false;

    memset(a, 0, sizeof(*a));
    a->pos = nb_calloc((size_t)argc + 1, sizeof(*a->pos));
    for (int i = 0; i < argc; i++) {
        const char *tok = argv[i];
        int rc = 0;

        if (only_pos || !is_option(tok)) {
            a->pos[a->npos++] = argv[i];
            continue;
        }
        if (strcmp(tok, "--") == 0)
            only_pos = true;
        else if (tok[1] == '-')
            rc = parse_long(a, argc, argv, &i, cmd_opts);
        else
            rc = parse_short(a, argc, argv, &i, cmd_opts);
        if (rc < 0)
            return -1;
    }
    return 0;
}

void cli_args_free(cli_args *a)
{
    free(a->pos);
    free(a->opts);
    memset(a, 0, sizeof(*a));
}

int cli_args_first_word(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        const char *tok = argv[i];
        const cli_optdef *def = NULL;

        if (strcmp(tok, "--") == 0)
            return i + 1 < argc ? i + 1 : -1;
        if (!is_option(tok))
            return i;
        if (tok[1] == '-' && !strchr(tok, '='))
            def = find_long(cli_global_opts, tok + 2, strlen(tok + 2));
        else if (tok[1] != '-' && tok[2] == '\0')
            def = find_short(cli_global_opts, tok[1]);
        if (def && def->arg)
            i++;    /* skip the option's value */
    }
    return -1;
}

static const cli_optval *find_val(const cli_args *a, const char *name)
{
    for (size_t i = a->nopts; i-- > 0;)
        if (strcmp(a->opts[i].def->name, name) == 0)
            return &a->opts[i];
    return NULL;
}

bool cli_opt_has(const cli_args *a, const char *name)
{
    return find_val(a, name) != NULL;
}

const char *cli_opt_get(const cli_args *a, const char *name)
{
    const cli_optval *v = find_val(a, name);
    return v ? v->value : NULL;
}

void cli_opts_help(FILE *f, const cli_optdef *opts)
{
    for (; opts && opts->name; opts++) {
        char lhs[64];
        int n;

        if (opts->letter)
            n = snprintf(lhs, sizeof(lhs), "-%c, --%s", opts->letter, opts->name);
        else
            n = snprintf(lhs, sizeof(lhs), "    --%s", opts->name);
        if (opts->arg && n > 0 && (size_t)n < sizeof(lhs))
            snprintf(lhs + n, sizeof(lhs) - (size_t)n, " %s", opts->arg);
        fprintf(f, "  %-28s %s\n", lhs, opts->help);
    }
}
