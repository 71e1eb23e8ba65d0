#include "cli/output.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include <libxml/parser.h>
#include <libxml/xmlsave.h>
#include "lib/buf.h"

/* ---- errors ------------------------------------------------------------- */

static char *pending_error;

void cli_error(const char *fmt, ...)
{
    va_list ap;

    free(pending_error);
    va_start(ap, fmt);
    pending_error = nb_vasprintf(fmt, ap);
    va_end(ap);
}

void cli_error_prefix(const char *fmt, ...)
{
    va_list ap;
    char *prefix;

    va_start(ap, fmt);
    prefix = nb_vasprintf(fmt, ap);
    va_end(ap);
    if (pending_error) {
        char *joined = nb_asprintf("%s%s", prefix, pending_error);
        free(pending_error);
        free(prefix);
        pending_error = joined;
    } else {
        pending_error = prefix;
    }
}

void cli_error_report(void)
{
    if (!pending_error)
        return;
    fflush(stdout);     /* keep stdout and stderr in order when both go to a tty */
    fprintf(stderr, "%s\n", pending_error);
    free(pending_error);
    pending_error = NULL;
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fputs("Warning: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ---- XML access ---------------------------------------------------------- */

xmlDoc *cli_xml_parse(const char *xml, size_t len)
{
    xmlDoc *doc;
    const xmlError *e;
    const char *msg;

    if (len > (size_t)INT32_MAX) {
        cli_error("Document from oned too large (%zu bytes)", len);
        return NULL;
    }
    /* NOBLANKS lets the -x printer re-indent; never touch the network. */
    doc = xmlReadMemory(xml, (int)len, "oned.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR |
                        XML_PARSE_NOWARNING | XML_PARSE_HUGE);
    if (doc && xmlDocGetRootElement(doc))
        return doc;
    e = xmlGetLastError();
    msg = e && e->message ? e->message : "no root element";
    /* libxml2 messages end with a newline; drop it from ours. */
    cli_error("Malformed XML document from oned: %.*s", (int)strcspn(msg, "\n"), msg);
    xmlFreeDoc(doc);
    return NULL;
}

bool cli_xml_is(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static const xmlNode *child_n(const xmlNode *n, const char *name, size_t len)
{
    for (const xmlNode *c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strlen((const char *)c->name) == len &&
            memcmp(c->name, name, len) == 0)
            return c;
    return NULL;
}

xmlNode *cli_xml_child(const xmlNode *n, const char *path)
{
    while (n && *path) {
        const char *slash = strchr(path, '/');
        size_t len = slash ? (size_t)(slash - path) : strlen(path);

        n = child_n(n, path, len);
        path += len + (slash ? 1 : 0);
    }
    return (xmlNode *)n;
}

const char *cli_xml_text(const xmlNode *n, const char *path)
{
    const xmlNode *e = n && path && *path ? cli_xml_child(n, path) : n;

    if (!e)
        return NULL;
    for (const xmlNode *c = e->children; c; c = c->next)
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
            return (const char *)c->content;
    return "";
}

const char *cli_xml_str(const xmlNode *n, const char *path)
{
    const char *s = cli_xml_text(n, path);
    return s ? s : "";
}

long long cli_xml_ll(const xmlNode *n, const char *path)
{
    long long v;
    return nb_parse_ll(cli_xml_str(n, path), &v) == 0 ? v : 0;
}

int cli_xml_enum(const xmlNode *n, const char *path, size_t count)
{
    int v;

    if (nb_parse_int(cli_xml_str(n, path), &v) < 0 || v < 0 || (size_t)v >= count)
        return -1;
    return v;
}

size_t cli_xml_count_ids(const xmlNode *n, const char *path)
{
    const xmlNode *parent = cli_xml_child(n, path);
    size_t count = 0;

    for (const xmlNode *c = parent ? parent->children : NULL; c; c = c->next)
        count += cli_xml_is(c, "ID");
    return count;
}

/* ---- whole documents ----------------------------------------------------- */

int cli_print_xml(xmlDoc *doc)
{
    xmlBuffer *buf = xmlBufferCreate();
    xmlSaveCtxt *save = xmlSaveToBuffer(buf, "UTF-8", XML_SAVE_FORMAT | XML_SAVE_NO_DECL);
    int ret = -1;
    size_t len;

    if (!save) {
        cli_error("Cannot format the XML document");
        goto cleanup;
    }
    xmlSaveDoc(save, doc);
    xmlSaveClose(save);
    len = (size_t)xmlBufferLength(buf);
    fwrite(xmlBufferContent(buf), 1, len, stdout);
    if (len == 0 || xmlBufferContent(buf)[len - 1] != '\n')
        fputc('\n', stdout);
    ret = 0;
 cleanup:
    xmlBufferFree(buf);
    return ret;
}

/* Repeated keys turn into arrays, as Ruby's XMLElement#to_hash does. */
static void json_add(json_object *parent, const char *key, json_object *val)
{
    json_object *cur;

    if (!json_object_object_get_ex(parent, key, &cur)) {
        json_object_object_add(parent, key, val);
        return;
    }
    if (!json_object_is_type(cur, json_type_array)) {
        json_object *arr = json_object_new_array();
        json_object_array_add(arr, json_object_get(cur));
        json_object_object_add(parent, key, arr);   /* drops parent's ref to cur */
        cur = arr;
    }
    json_object_array_add(cur, val);
}

static json_object *xml_to_json(const xmlNode *n)
{
    const xmlNode *c = n->children;
    json_object *obj;

    if (c && !c->next && (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE))
        return json_object_new_string(c->content ? (const char *)c->content : "");
    obj = json_object_new_object();
    for (; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            json_add(obj, (const char *)c->name, xml_to_json(c));
    return obj;
}

int cli_print_json(xmlDoc *doc)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    json_object *top = json_object_new_object();

    json_object_object_add(top, (const char *)root->name, xml_to_json(root));
    puts(json_object_to_json_string_ext(top, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                 JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(top);
    return 0;
}

/* ---- tables -------------------------------------------------------------- */

/* Width in characters (UTF-8 continuation bytes do not count). */
static size_t text_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

/* Byte length of the first `chars` characters of s. */
static size_t prefix_bytes(const char *s, size_t chars)
{
    size_t i = 0;
    while (s[i] && chars > 0) {
        i++;
        while (((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        chars--;
    }
    return i;
}

void cli_table_init(cli_table *t, const cli_column *cols, size_t ncols)
{
    memset(t, 0, sizeof(*t));
    t->cols = cols;
    t->ncols = ncols;
}

static char **table_new_row(cli_table *t)
{
    nb_grow(&t->cells, &t->cap, (t->nrows + 1) * t->ncols, sizeof(*t->cells));
    return t->cells + t->nrows++ * t->ncols;
}

void cli_table_add_row(cli_table *t, const cli_row *row)
{
    char **cells = table_new_row(t);

    for (size_t i = 0; i < t->ncols; i++) {
        const cli_column *c = &t->cols[i];
        const char *text;

        if (c->cell) {
            cells[i] = c->cell(row);
            continue;
        }
        if (c->flags & CLI_COL_COUNT) {
            cells[i] = nb_asprintf("%zu", cli_xml_count_ids(row->node, c->path));
            continue;
        }
        text = c->path ? cli_xml_text(row->node, c->path) : NULL;
        cells[i] = nb_strdup(text ? text : "");
    }
}

void cli_table_add(cli_table *t, const char *const *values)
{
    char **cells = table_new_row(t);

    for (size_t i = 0; i < t->ncols; i++)
        cells[i] = nb_strdup(values[i] ? values[i] : "");
}

static void add_cell(nb_buf *line, const char *s, size_t width, unsigned flags)
{
    size_t w = text_width(s);
    size_t n = strlen(s);

    if (w > width && (flags & CLI_COL_TRUNC)) {
        n = prefix_bytes(s, width);
        w = width;
    }
    if (!(flags & CLI_COL_LEFT))
        for (; w < width; w++)
            nb_buf_addc(line, ' ');
    nb_buf_add(line, s, n);
    if (flags & CLI_COL_LEFT)
        for (; w < width; w++)
            nb_buf_addc(line, ' ');
}

static void print_line(nb_buf *line)
{
    while (line->len > 0 && line->data[line->len - 1] == ' ')
        line->len--;
    fwrite(line->data ? line->data : "", 1, line->len, stdout);
    fputc('\n', stdout);
    nb_buf_reset(line);
}

void cli_table_print(const cli_table *t)
{
    size_t *widths = nb_calloc(t->ncols, sizeof(*widths));
    nb_buf line = NB_BUF_INIT;

    for (size_t c = 0; c < t->ncols; c++) {
        widths[c] = (size_t)t->cols[c].width;
        if (text_width(t->cols[c].title) > widths[c])
            widths[c] = text_width(t->cols[c].title);
        if (t->cols[c].flags & CLI_COL_TRUNC)
            continue;
        for (size_t r = 0; r < t->nrows; r++) {
            size_t w = text_width(t->cells[r * t->ncols + c]);
            if (w > widths[c])
                widths[c] = w;
        }
    }
    for (size_t r = 0; r <= t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *s = r == 0 ? t->cols[c].title : t->cells[(r - 1) * t->ncols + c];
            if (c > 0)
                nb_buf_addc(&line, ' ');
            add_cell(&line, s, widths[c], t->cols[c].flags);
        }
        print_line(&line);
    }
    nb_buf_free(&line);
    free(widths);
}

void cli_table_free(cli_table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof(*t));
}

/* ---- quotas -------------------------------------------------------------- */

/* OpenNebula quota limits: -1 means "the default quota applies", -2 unlimited.
 * Returns the effective limit, or NULL when unlimited. */
static const char *quota_limit(const xmlNode *entry, const xmlNode *def_entry, const char *field)
{
    const char *lim = cli_xml_text(entry, field);

    if (lim && strcmp(lim, "-1") == 0)
        lim = def_entry ? cli_xml_text(def_entry, field) : NULL;
    if (!lim || !*lim || lim[0] == '-')
        return NULL;
    return lim;
}

typedef enum { Q_COUNT, Q_MB, Q_CPU } quota_unit;

static char *quota_value(const char *v, quota_unit unit)
{
    long long n = 0;

    if (!v || !*v)
        v = "0";
    switch (unit) {
    case Q_MB:
        if (nb_parse_ll(v, &n) < 0)
            n = (long long)strtod(v, NULL);
        return cli_mb_str(n);
    case Q_CPU:
        return nb_asprintf("%.1f", strtod(v, NULL));
    case Q_COUNT:
    default:
        return nb_strdup(v);
    }
}

/* "used / limit" of one quota field. */
static char *quota_cell(const xmlNode *entry, const xmlNode *def_entry, const char *field,
                        quota_unit unit)
{
    char used_name[64];
    const char *lim = quota_limit(entry, def_entry, field);
    char *used, *limit, *cell;

    snprintf(used_name, sizeof(used_name), "%s_USED", field);
    used = quota_value(cli_xml_text(entry, used_name), unit);
    limit = lim ? quota_value(lim, unit) : nb_strdup("-");
    cell = nb_asprintf("%s / %s", used, limit);
    free(used);
    free(limit);
    return cell;
}

static const xmlNode *row_vm_entry(const cli_row *r)
{
    const xmlNode *e = cli_xml_child(r->node, "VM_QUOTA/VM");

    if (!e && r->quotas)
        e = cli_xml_child(r->quotas, "VM_QUOTA/VM");
    return e;
}

static char *row_vm_cell(const cli_row *r, const char *field, quota_unit unit)
{
    const xmlNode *e = row_vm_entry(r);
    const xmlNode *d = r->defaults ? cli_xml_child(r->defaults, "VM_QUOTA/VM") : NULL;

    return e ? quota_cell(e, d, field, unit) : nb_strdup("-");
}

char *cli_cell_vm_quota_vms(const cli_row *r)
{
    return row_vm_cell(r, "VMS", Q_COUNT);
}

char *cli_cell_vm_quota_memory(const cli_row *r)
{
    return row_vm_cell(r, "MEMORY", Q_MB);
}

char *cli_cell_vm_quota_cpu(const cli_row *r)
{
    return row_vm_cell(r, "CPU", Q_CPU);
}

/* ---- sheets -------------------------------------------------------------- */

static bool sheet_started;

void cli_sheet_title(const char *fmt, ...)
{
    va_list ap;

    if (sheet_started)
        fputc('\n', stdout);
    sheet_started = true;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
}

void cli_sheet_field(const char *key, const char *value)
{
    printf("%-16s : %s\n", key, value ? value : "");
}

/* "value" with embedded quotes escaped, as OpenNebula's template_str prints. */
static void put_quoted(const char *v)
{
    fputc('"', stdout);
    for (; *v; v++) {
        if (*v == '"')
            fputc('\\', stdout);
        fputc(*v, stdout);
    }
    fputc('"', stdout);
}

static bool has_element_child(const xmlNode *n)
{
    for (const xmlNode *c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return true;
    return false;
}

void cli_sheet_template(const char *title, const xmlNode *tmpl)
{
    cli_sheet_title("%s", title);
    if (!tmpl)
        return;
    for (const xmlNode *a = tmpl->children; a; a = a->next) {
        bool first = true;

        if (a->type != XML_ELEMENT_NODE)
            continue;
        if (!has_element_child(a)) {
            const char *v = cli_xml_text(a, NULL);
            if (!v || !*v)
                continue;
            printf("%s=", (const char *)a->name);
            put_quoted(v);
            fputc('\n', stdout);
            continue;
        }
        printf("%s=[", (const char *)a->name);
        for (const xmlNode *m = a->children; m; m = m->next) {
            const char *v = m->type == XML_ELEMENT_NODE ? cli_xml_text(m, NULL) : NULL;
            if (!v || !*v)
                continue;
            printf("%s\n  %s=", first ? "" : ",", (const char *)m->name);
            put_quoted(v);
            first = false;
        }
        printf(" ]\n");
    }
}

void cli_sheet_permissions(const xmlNode *obj)
{
    static const char *const classes[] = { "OWNER", "GROUP", "OTHER" };
    static const char *const rights[] = { "U", "M", "A" };

    cli_sheet_title("PERMISSIONS");
    for (size_t i = 0; i < NB_ARRAY_SIZE(classes); i++) {
        char mask[4] = "---", path[32];

        for (size_t j = 0; j < NB_ARRAY_SIZE(rights); j++) {
            snprintf(path, sizeof(path), "PERMISSIONS/%s_%s", classes[i], rights[j]);
            if (strcmp(cli_xml_str(obj, path), "1") == 0)
                mask[j] = "uma"[j];
        }
        cli_sheet_field(classes[i], mask);
    }
}

void cli_sheet_ids(const char *title, const xmlNode *parent)
{
    static const cli_column col = { "ID", 4, 0, NULL, NULL };
    cli_table t;

    cli_sheet_title("%s", title);
    cli_table_init(&t, &col, 1);
    for (const xmlNode *c = parent ? parent->children : NULL; c; c = c->next) {
        const char *id = cli_xml_is(c, "ID") ? cli_xml_text(c, NULL) : NULL;
        if (id)
            cli_table_add(&t, &id);
    }
    cli_table_print(&t);
    cli_table_free(&t);
}

typedef struct quota_field {
    const char *name;
    quota_unit unit;
} quota_field;

typedef struct quota_kind {
    const char *title;
    const char *block;      /* VM_QUOTA */
    const char *entry;      /* VM */
    bool has_id;            /* entries are per datastore/network/image */
    quota_field fields[4];  /* unused slots have a NULL name */
} quota_kind;

static const quota_kind quota_kinds[] = {
    { "VMS USAGE & QUOTAS", "VM_QUOTA", "VM", false,
      { { "VMS", Q_COUNT }, { "MEMORY", Q_MB }, { "CPU", Q_CPU }, { "SYSTEM_DISK_SIZE", Q_MB } } },
    { "VMS USAGE & QUOTAS - RUNNING", "VM_QUOTA", "VM", false,
      { { "RUNNING_VMS", Q_COUNT }, { "RUNNING_MEMORY", Q_MB }, { "RUNNING_CPU", Q_CPU } } },
    { "DATASTORE USAGE & QUOTAS", "DATASTORE_QUOTA", "DATASTORE", true,
      { { "IMAGES", Q_COUNT }, { "SIZE", Q_MB } } },
    { "NETWORK USAGE & QUOTAS", "NETWORK_QUOTA", "NETWORK", true, { { "LEASES", Q_COUNT } } },
    { "IMAGE USAGE & QUOTAS", "IMAGE_QUOTA", "IMAGE", true, { { "RVMS", Q_COUNT } } },
};

/* The default entry matching e (same ID for per-resource quotas). */
static const xmlNode *default_entry(const quota_kind *k, const xmlNode *defaults, const xmlNode *e)
{
    const xmlNode *block = defaults ? cli_xml_child(defaults, k->block) : NULL;
    const char *id = k->has_id ? cli_xml_text(e, "ID") : NULL;

    for (const xmlNode *d = block ? block->children : NULL; d; d = d->next) {
        const char *did;
        if (!cli_xml_is(d, k->entry))
            continue;
        did = cli_xml_text(d, "ID");
        if (!k->has_id || (id && did && strcmp(id, did) == 0))
            return d;
    }
    return NULL;
}

static void print_quota_kind(const quota_kind *k, const xmlNode *block, const xmlNode *defaults)
{
    cli_column cols[5];
    char *cells[5];
    size_t n = 0, nfields = 0;
    cli_table t;

    /* Only the fields this server reports (RUNNING_* are newer). */
    const xmlNode *first = NULL;
    for (const xmlNode *e = block->children; e && !first; e = e->next)
        if (cli_xml_is(e, k->entry))
            first = e;
    if (!first)
        return;
    if (k->has_id)
        cols[n++] = (cli_column){ "ID", 4, 0, NULL, NULL };
    for (size_t f = 0; f < NB_ARRAY_SIZE(k->fields) && k->fields[f].name; f++) {
        if (!cli_xml_child(first, k->fields[f].name))
            continue;
        cols[n++] = (cli_column){ k->fields[f].name, 18, 0, NULL, NULL };
        nfields++;
    }
    if (nfields == 0)
        return;

    cli_sheet_title("%s", k->title);
    cli_table_init(&t, cols, n);
    for (const xmlNode *e = block->children; e; e = e->next) {
        const xmlNode *d;
        size_t c = 0;

        if (!cli_xml_is(e, k->entry))
            continue;
        d = default_entry(k, defaults, e);
        if (k->has_id)
            cells[c++] = nb_strdup(cli_xml_str(e, "ID"));
        for (size_t f = 0; f < NB_ARRAY_SIZE(k->fields) && k->fields[f].name; f++)
            if (cli_xml_child(first, k->fields[f].name))
                cells[c++] = quota_cell(e, d, k->fields[f].name, k->fields[f].unit);
        cli_table_add(&t, (const char *const *)cells);
        for (size_t i = 0; i < c; i++)
            free(cells[i]);
    }
    cli_table_print(&t);
    cli_table_free(&t);
}

void cli_sheet_quotas(const xmlNode *obj, const xmlNode *defaults)
{
    for (size_t i = 0; i < NB_ARRAY_SIZE(quota_kinds); i++) {
        const xmlNode *block = cli_xml_child(obj, quota_kinds[i].block);
        if (block)
            print_quota_kind(&quota_kinds[i], block, defaults);
    }
}

/* ---- units --------------------------------------------------------------- */

/* n in the unit suffix[0], scaled up to the last suffix. */
static char *size_str(long long n, const char *suffix)
{
    long long div = 1, tenths;
    size_t i = 0;

    if (n < 0)
        return nb_asprintf("%lld%c", n, suffix[0]);
    /* As OpenNebula: divide while the value exceeds 1024, one decimal. */
    while (suffix[i + 1] && n > 1024 * div) {
        div *= 1024;
        i++;
    }
    tenths = (n * 10 + div / 2) / div;
    if (tenths % 10 == 0)
        return nb_asprintf("%lld%c", tenths / 10, suffix[i]);
    return nb_asprintf("%lld.%lld%c", tenths / 10, tenths % 10, suffix[i]);
}

char *cli_mb_str(long long mb)
{
    return size_str(mb, "MGT");
}

char *cli_kb_str(long long kb)
{
    return size_str(kb, "KMGT");
}

char *cli_time_str(long long t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char buf[32];

    if (!localtime_r(&tt, &tm) || strftime(buf, sizeof(buf), "%m/%d %H:%M:%S", &tm) == 0)
        return nb_asprintf("%lld", t);
    return nb_strdup(buf);
}
