/*
 * args.h: command-line options shared by every CLI command.
 *
 * Options may appear anywhere after the command word, as OpenNebula's Ruby
 * CLI allows (`oneuser create alice pw --driver core`): `--name value`,
 * `--name=value`, `-x`, clustered flags `-xh`, and `--` ending the options.
 * A command declares its own options in a table; the global ones (-x, -j,
 * --endpoint, ...) are accepted by every command.
 */
#ifndef CLI_ARGS_H
#define CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct cli_optdef {
    const char *name;   /* long name without "--"; NULL ends a table */
    char letter;        /* short form, or 0 */
    const char *arg;    /* metavariable if the option takes a value, NULL for a flag */
    const char *help;
} cli_optdef;

typedef struct cli_optval {
    const cli_optdef *def;
    const char *value;  /* NULL for flags; points into argv */
} cli_optval;

typedef struct cli_args {
    char **pos;         /* positional arguments (point into argv) */
    size_t npos;
    cli_optval *opts;   /* options in the order given */
    size_t nopts;
} cli_args;

/* -x/--xml, -j/--json, -h/--help, --endpoint, --user, --password. */
extern const cli_optdef cli_global_opts[];

/*
 * Parse argv[0..argc) against cmd_opts (may be NULL) and the global options.
 * Returns 0, or -1 with the error recorded (cli_error) for an unknown option
 * or a missing value.  Free with cli_args_free even on failure.
 */
int cli_args_parse(cli_args *a, int argc, char **argv, const cli_optdef *cmd_opts);
void cli_args_free(cli_args *a);

/* Index in argv[0..argc) of the first positional word (the command), skipping
 * global options and their values; -1 if there is none. */
int cli_args_first_word(int argc, char **argv);

bool cli_opt_has(const cli_args *a, const char *name);
/* Value of the last occurrence of option name, or NULL. */
const char *cli_opt_get(const cli_args *a, const char *name);

/* Print an option table as help lines ("  -x, --xml        Print ..."). */
void cli_opts_help(FILE *f, const cli_optdef *opts);

#endif
