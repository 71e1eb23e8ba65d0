/*
 * output.h: everything the CLI prints: errors, whole documents (-x, -j),
 * column tables (list) and sheets (show).
 *
 * Errors follow libvirt's pattern: the function that fails records one
 * message with cli_error(); whoever decides the command has failed prints it
 * once with cli_error_report().  Callers may prefix context first
 * (cli_error_prefix) without re-formatting the original message.
 *
 * Tables and sheets read the OpenNebula XML documents through small libxml2
 * helpers; all the text they print is stable (no colours, no terminal width
 * detection) so scripts and tests can rely on it.
 */
#ifndef CLI_OUTPUT_H
#define CLI_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <libxml/tree.h>
#include "lib/util.h"

/* ---- errors ------------------------------------------------------------- */

/* Record the error of the current operation (replaces any pending one). */
void cli_error(const char *fmt, ...) NB_PRINTF(1, 2);
/* Prepend context to the pending error: "Error creating group ACL's: <msg>". */
void cli_error_prefix(const char *fmt, ...) NB_PRINTF(1, 2);
/* Print the pending error (if any) to stderr and clear it. */
void cli_error_report(void);
/* Print a warning to stderr at once (the command still succeeds). */
void cli_warn(const char *fmt, ...) NB_PRINTF(1, 2);

/* ---- XML access ---------------------------------------------------------- */

/* Parse a document received from oned; NULL with the error recorded. */
xmlDoc *cli_xml_parse(const char *xml, size_t len);
/* First element child reached by "A/B/C" from n, or NULL. */
xmlNode *cli_xml_child(const xmlNode *n, const char *path);
/* Text of the element at path ("" if empty, NULL if absent).  The pointer is
 * into the document: valid until it is freed. */
const char *cli_xml_text(const xmlNode *n, const char *path);
/* Same, but "" when absent (for printing). */
const char *cli_xml_str(const xmlNode *n, const char *path);
bool cli_xml_is(const xmlNode *n, const char *name);   /* element called name */
/* The integer at path; 0 when absent or not a number (unmonitored sizes). */
long long cli_xml_ll(const xmlNode *n, const char *path);
/* The integer at path when it indexes a table of count names, else -1. */
int cli_xml_enum(const xmlNode *n, const char *path, size_t count);
/* Number of <ID> children of the element at path (0 if absent). */
size_t cli_xml_count_ids(const xmlNode *n, const char *path);

/* ---- whole documents ----------------------------------------------------- */

typedef enum cli_out_mode { CLI_OUT_TABLE, CLI_OUT_XML, CLI_OUT_JSON } cli_out_mode;

/* Pretty-print the root element (2-space indent, no XML declaration). */
int cli_print_xml(xmlDoc *doc);
/* JSON as OpenNebula's CLI derives it: each element is a key, text-only
 * elements are strings, empty ones {}, repeated siblings become arrays. */
int cli_print_json(xmlDoc *doc);

/* ---- tables -------------------------------------------------------------- */

/* One object of a listing: its element plus, for pools that keep quotas
 * beside the object (USER_POOL, GROUP_POOL), its QUOTAS sibling and the
 * pool's DEFAULT_*_QUOTAS. */
typedef struct cli_row {
    const xmlNode *node;
    const xmlNode *quotas;    /* may be NULL */
    const xmlNode *defaults;  /* may be NULL */
} cli_row;

enum {
    CLI_COL_LEFT = 1u << 0,   /* left-aligned (default: right) */
    CLI_COL_TRUNC = 1u << 1,  /* cut longer values (default: the column grows) */
    CLI_COL_COUNT = 1u << 2,  /* the cell is the number of <ID> children at path */
};

typedef struct cli_column {
    const char *title;
    int width;                /* minimum width, in characters */
    unsigned flags;
    const char *path;         /* the cell is the text at this path ... */
    char *(*cell)(const cli_row *row);  /* ... unless this computes it (allocated) */
} cli_column;

typedef struct cli_table {
    const cli_column *cols;
    size_t ncols;
    char **cells;             /* nrows x ncols, owned */
    size_t nrows;
    size_t cap;
} cli_table;

void cli_table_init(cli_table *t, const cli_column *cols, size_t ncols);
/* Append a row computed from the columns' path/cell. */
void cli_table_add_row(cli_table *t, const cli_row *row);
/* Append a row of ncols ready-made cells (copied). */
void cli_table_add(cli_table *t, const char *const *cells);
/* Header and rows; columns are separated by one space, lines right-trimmed. */
void cli_table_print(const cli_table *t);
void cli_table_free(cli_table *t);

/* Cells "used / limit" of the VM quota (limit "-" when unlimited, the whole
 * cell "-" when the object has no VM quota), for list tables. */
char *cli_cell_vm_quota_vms(const cli_row *r);
char *cli_cell_vm_quota_memory(const cli_row *r);
char *cli_cell_vm_quota_cpu(const cli_row *r);

/* ---- sheets (show) ------------------------------------------------------- */

/* Section title; a blank line separates it from the previous section. */
void cli_sheet_title(const char *fmt, ...) NB_PRINTF(1, 2);
/* "KEY              : value" */
void cli_sheet_field(const char *key, const char *value);
/* Title, then the template as KEY="value" lines (vectors as KEY=[ ... ]). */
void cli_sheet_template(const char *title, const xmlNode *tmpl);
/* Title, then the IDs of parent's <ID> children as a one-column table. */
void cli_sheet_ids(const char *title, const xmlNode *parent);
/* "PERMISSIONS" with OWNER/GROUP/OTHER as "um-" strings from obj's PERMISSIONS. */
void cli_sheet_permissions(const xmlNode *obj);
/* The usage & quota tables of obj (VM, DATASTORE, NETWORK, IMAGE), printed
 * only when they have entries; defaults resolve limits of -1. */
void cli_sheet_quotas(const xmlNode *obj, const xmlNode *defaults);

/* Sizes in OpenNebula's human form (OpenNebulaHelper.unit_to_str):
 * megabytes "512M", "1.5G", "2T"; kilobytes (host memory) "0K", "7.5G". */
char *cli_mb_str(long long mb);
char *cli_kb_str(long long kb);
/* Epoch seconds as local "%m/%d %H:%M:%S" (OpenNebula's short form). */
char *cli_time_str(long long t);

#endif
