/*
 * xmlrpc.c: XML-RPC codec on top of libxml2's tree parser.
 *
 * Requests are untrusted.  The parser never loads DTDs, entities or the
 * network; it stops at the first <!DOCTYPE, before any entity declaration is
 * read.  The tree is then checked strictly against the XML-RPC grammar while
 * it is converted into nb_xv values, under the caller's depth/count limits.
 */
#include "lib/xmlrpc.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

/* xmlrpc-c ends every envelope line with CRLF; we match it byte for byte. */
#define NL "\r\n"
#define RESP_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" NL "<methodResponse>" NL

/* CDATA arrives as plain text; COMPACT stores short texts inside the node.
 * Every XML-RPC client sends UTF-8, and the in-place input cannot be
 * converted anyway, so an encoding declaration is ignored. */
#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_COMPACT | XML_PARSE_IGNORE_ENC)

/* The per-thread parser context interns element names in a dictionary that
 * only grows; untrusted input can make up names, so recycle it past this. */
#define CTXT_DICT_MAX 4096

/* Untrusted text quoted in fault messages is cut to this many bytes, and
 * the messages themselves to MSG_MAX. */
#define QUOTE_MAX 48
#define MSG_MAX 240

/* A response comes from the server we called: libxml's own nesting limit
 * (256 elements) is the only bound needed. */
static const nb_xmlrpc_limits response_limits = { SIZE_MAX, SIZE_MAX };

static const char *const type_names[] = {
    [NB_XV_INT] = "int",
    [NB_XV_I8] = "i8",
    [NB_XV_BOOL] = "boolean",
    [NB_XV_DOUBLE] = "double",
    [NB_XV_STRING] = "string",
    [NB_XV_BASE64] = "base64",
    [NB_XV_DATETIME] = "dateTime.iso8601",
    [NB_XV_ARRAY] = "array",
    [NB_XV_STRUCT] = "struct",
    [NB_XV_NIL] = "nil",
};

struct walk {
    const nb_xmlrpc_limits *lim;
    nb_xmlrpc_fault_info *fault;
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_key_t ctxt_key;

const char *nb_xv_type_name(nb_xv_type t)
{
    return (size_t)t < NB_ARRAY_SIZE(type_names) ? type_names[t] : "unknown";
}

/* Length of the longest prefix of s of at most max bytes that does not split
 * a UTF-8 sequence: fault messages quote untrusted text and must stay valid. */
static size_t utf8_cut(const char *s, size_t max)
{
    size_t n = strnlen(s, max);

    if (n == max)
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    return n;
}

/* For "%.*s": untrusted text is quoted only this far. */
static int clip(const void *s)
{
    return (int)utf8_cut(s, QUOTE_MAX);
}

static int fail(nb_xmlrpc_fault_info *fault, int code, const char *fmt, ...) NB_PRINTF(3, 4);

static int fail(nb_xmlrpc_fault_info *fault, int code, const char *fmt, ...)
{
    char msg[2 * MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    msg[utf8_cut(msg, MSG_MAX)] = '\0';
    fault->code = code;
    fault->msg = nb_strdup(msg);
    return -1;
}

/* Used only to tell a bad-UTF-8 parse error from other invalid characters. */
static bool valid_utf8(const unsigned char *s, size_t len)
{
    static const uint32_t min_cp[] = { 0, 0x80, 0x800, 0x10000 };
    size_t i = 0;

    while (i < len) {
        unsigned char c = s[i++];
        size_t more = c < 0x80 ? 0 : c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 4;
        uint32_t cp;

        if (more == 4 || c > 0xf4 || more > len - i)
            return false;
        cp = c & (0x7fu >> more);
        for (size_t k = 0; k < more; k++, i++) {
            if ((s[i] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i] & 0x3fu);
        }
        if (cp < min_cp[more] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
    }
    return true;
}

static void free_ctxt(void *ctxt)
{
    xmlFreeParserCtxt(ctxt);
}

static void init_parser(void)
{
    xmlInitParser();
    if (pthread_key_create(&ctxt_key, free_ctxt) != 0)
        abort();
}

/* A DOCTYPE is never legitimate in XML-RPC.  Stopping here, before the
 * internal subset is read, means no entity (billion laughs, external file)
 * is ever declared, let alone expanded. */
static void reject_doctype(void *ctx, const xmlChar *name, const xmlChar *ext_id,
                           const xmlChar *sys_id)
{
    xmlParserCtxt *ctxt = ctx;

    /* Stopping alone leaves the document "well-formed". */
    ctxt->wellFormed = 0;
    xmlStopParser(ctxt);
}

static void ignore_error(void *ctx, xmlError *err)
{
}

/* Creating a parser context costs more than parsing a small call, so each
 * thread keeps one (freed at thread exit). */
static xmlParserCtxt *thread_ctxt(void)
{
    xmlParserCtxt *ctxt;

    pthread_once(&init_once, init_parser);
    ctxt = pthread_getspecific(ctxt_key);
    if (ctxt && xmlDictSize(ctxt->dict) > CTXT_DICT_MAX) {
        xmlFreeParserCtxt(ctxt);
        ctxt = NULL;
    }
    if (!ctxt) {
        ctxt = xmlNewParserCtxt();
        if (!ctxt)
            abort();    /* out of memory, as nb_malloc */
        ctxt->sax->internalSubset = reject_doctype;
    }
    if (pthread_setspecific(ctxt_key, ctxt) != 0)
        abort();
    return ctxt;
}

static void parse_error(const xmlParserCtxt *ctxt, const char *xml, size_t len,
                        nb_xmlrpc_fault_info *fault)
{
    const char *why = ctxt->lastError.message;
    size_t why_len = why ? strcspn(why, "\n") : 0;   /* libxml ends messages with one */

    if (ctxt->errNo == XML_ERR_USER_STOP)
        fail(fault, NB_FAULT_PARSE, "DTD not allowed in XML-RPC messages");
    else if ((ctxt->errNo == XML_ERR_INVALID_CHAR || ctxt->errNo == XML_ERR_INVALID_ENCODING) &&
             !valid_utf8((const unsigned char *)xml, len))
        fail(fault, NB_FAULT_BAD_UTF8, "XML-RPC message is not valid UTF-8");
    else if (why && valid_utf8((const unsigned char *)why, why_len))
        fail(fault, NB_FAULT_PARSE, "XML parse error at line %d: %.*s", ctxt->lastError.line,
             (int)why_len, why);
    else
        fail(fault, NB_FAULT_PARSE, "XML parse error at line %d", ctxt->lastError.line);
}

/* Parse xml into a tree, or return NULL with *fault filled. */
static xmlDoc *read_doc(const char *xml, size_t len, nb_xmlrpc_fault_info *fault)
{
    xmlParserCtxt *ctxt;
    xmlParserInput *stream;
    xmlStructuredErrorFunc saved_fn;
    void *saved_ctx;
    xmlDoc *doc;
    char *copy;

    if (len >= INT_MAX) {
        fail(fault, NB_FAULT_LIMIT, "XML-RPC message too large");
        return NULL;
    }
    if (len && memchr(xml, '\0', len)) {
        fail(fault, NB_FAULT_PARSE, "XML parse error: NUL byte in message");
        return NULL;
    }
    /* A string input stream is read in place, sparing libxml a copy and a
     * refill attempt at nearly every token (a third of the time of a small
     * call); it needs a NUL-terminated copy, as the caller's bytes need not be. */
    copy = nb_strndup(len ? xml : "", len);
    ctxt = thread_ctxt();
    stream = xmlNewStringInputStream(ctxt, (const xmlChar *)copy);
    if (!stream)
        abort();    /* out of memory, as nb_malloc */
    inputPush(ctxt, stream);
    xmlCtxtUseOptions(ctxt, PARSE_OPTIONS);

    /* Some libxml errors (encoding detection) bypass the context's handlers
     * and go to the thread's global one, so silence that for the call. */
    saved_fn = xmlStructuredError;
    saved_ctx = xmlStructuredErrorContext;
    xmlSetStructuredErrorFunc(NULL, ignore_error);
    xmlParseDocument(ctxt);
    xmlSetStructuredErrorFunc(saved_ctx, saved_fn);

    doc = ctxt->myDoc;
    ctxt->myDoc = NULL;
    if (!ctxt->wellFormed) {
        parse_error(ctxt, xml, len, fault);
        xmlFreeDoc(doc);
        doc = NULL;
    }
    /* Leave the context clean and holding no pointer into the copy. */
    xmlCtxtReset(ctxt);
    free(copy);
    return doc;
}

static bool is_blank(const xmlChar *s)
{
    return s[strspn((const char *)s, " \t\r\n")] == '\0';
}

static bool is_named(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* The first element at or after n. */
static const xmlNode *elem_from(const xmlNode *n)
{
    while (n && n->type != XML_ELEMENT_NODE)
        n = n->next;
    return n;
}

/*
 * Check that parent holds only elements (all named `name` unless NULL) with
 * whitespace and comments between them; give the first one and their count.
 */
static int elem_children(struct walk *w, const xmlNode *parent, const char *name,
                         const xmlNode **first, size_t *count)
{
    *first = NULL;
    *count = 0;
    for (const xmlNode *c = parent->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            if (name && strcmp((const char *)c->name, name) != 0)
                return fail(w->fault, NB_FAULT_PARSE, "unexpected <%.*s> in <%s>, expected <%s>",
                            clip(c->name), c->name, parent->name, name);
            if (!*first)
                *first = c;
            (*count)++;
        } else if (c->type == XML_TEXT_NODE && !is_blank(c->content)) {
            return fail(w->fault, NB_FAULT_PARSE, "unexpected text '%.*s' in <%s>",
                        clip(c->content), c->content, parent->name);
        }
    }
    return 0;
}

static int only_child(struct walk *w, const xmlNode *parent, const char *name,
                      const xmlNode **child)
{
    size_t n;

    if (elem_children(w, parent, name, child, &n) < 0)
        return -1;
    if (n != 1)
        return fail(w->fault, NB_FAULT_PARSE, "<%s> must contain exactly one <%s>",
                    parent->name, name);
    return 0;
}

/* The text of an element that holds text only (comments are skipped). */
static int leaf_text(struct walk *w, const xmlNode *el, char **out, size_t *out_len)
{
    const xmlNode *c;
    size_t len = 0;
    char *s;

    for (c = el->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE)
            len += strlen((const char *)c->content);
        else if (c->type == XML_ELEMENT_NODE)
            return fail(w->fault, NB_FAULT_PARSE, "unexpected <%.*s> in <%s>",
                        clip(c->name), c->name, el->name);
    }
    s = nb_malloc(len + 1);
    len = 0;
    for (c = el->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE) {
            size_t n = strlen((const char *)c->content);
            memcpy(s + len, c->content, n);
            len += n;
        }
    }
    s[len] = '\0';
    *out = s;
    if (out_len)
        *out_len = len;
    return 0;
}

static char *strip(char *s)
{
    size_t n;

    s += strspn(s, " \t\r\n");
    n = strlen(s);
    while (n > 0 && strchr(" \t\r\n", s[n - 1]))
        n--;
    s[n] = '\0';
    return s;
}

/* <i4>, <int>, <i8>, <boolean>, <double>: surrounding whitespace allowed. */
static int conv_number(struct walk *w, const xmlNode *el, nb_xv_type type, nb_xv *out)
{
    char *text, *s, *end;
    bool ok;
    int ret = -1;

    if (leaf_text(w, el, &text, NULL) < 0)
        return -1;
    s = strip(text);
    switch (type) {
    case NB_XV_BOOL:
        out->u.b = strcmp(s, "1") == 0 || strcmp(s, "true") == 0;
        ok = out->u.b || strcmp(s, "0") == 0 || strcmp(s, "false") == 0;
        break;
    case NB_XV_DOUBLE:
        out->u.d = strtod(s, &end);
        ok = end != s && *end == '\0' && isfinite(out->u.d);
        break;
    default:
        ok = nb_parse_ll(s, &out->u.i) == 0;
        if (ok && type == NB_XV_INT && (out->u.i < INT32_MIN || out->u.i > INT32_MAX)) {
            fail(w->fault, NB_FAULT_PARSE, "<%s> value %lld does not fit in 32 bits",
                 el->name, out->u.i);
            goto cleanup;
        }
        break;
    }
    if (!ok) {
        fail(w->fault, NB_FAULT_PARSE, "invalid <%s> value '%.*s'", el->name, clip(s), s);
        goto cleanup;
    }
    out->type = type;
    ret = 0;
cleanup:
    free(text);
    return ret;
}

/* The type a value element names; "i4" is another spelling of "int". */
static int tag_type(const char *tag, nb_xv_type *type)
{
    if (strcmp(tag, "i4") == 0)
        tag = "int";
    for (size_t i = 0; i < NB_ARRAY_SIZE(type_names); i++) {
        if (strcmp(tag, type_names[i]) == 0) {
            *type = (nb_xv_type)i;
            return 0;
        }
    }
    return -1;
}

static int conv_value(struct walk *w, const xmlNode *v, size_t depth, nb_xv *out);

static int conv_array(struct walk *w, const xmlNode *el, size_t depth, nb_xv *out)
{
    const xmlNode *data, *v;
    size_t n;

    if (only_child(w, el, "data", &data) < 0 || elem_children(w, data, "value", &v, &n) < 0)
        return -1;
    out->type = NB_XV_ARRAY;
    out->u.arr.items = n ? nb_calloc(n, sizeof(nb_xv)) : NULL;
    out->u.arr.n = n;
    for (size_t i = 0; i < n; i++, v = elem_from(v->next))
        if (conv_value(w, v, depth + 1, &out->u.arr.items[i]) < 0)
            return -1;
    return 0;
}

static int conv_struct(struct walk *w, const xmlNode *el, size_t depth, nb_xv *out)
{
    const xmlNode *m, *name, *value;
    size_t n, k;

    if (elem_children(w, el, "member", &m, &n) < 0)
        return -1;
    out->type = NB_XV_STRUCT;
    out->u.st.members = n ? nb_calloc(n, sizeof(nb_xmember)) : NULL;
    out->u.st.n = n;
    for (size_t i = 0; i < n; i++, m = elem_from(m->next)) {
        nb_xmember *mb = &out->u.st.members[i];

        if (elem_children(w, m, NULL, &name, &k) < 0)
            return -1;
        value = name ? elem_from(name->next) : NULL;
        if (k != 2 || !is_named(name, "name") || !is_named(value, "value"))
            return fail(w->fault, NB_FAULT_PARSE, "<member> must hold <name> then <value>");
        if (leaf_text(w, name, &mb->name, NULL) < 0 ||
            conv_value(w, value, depth + 1, &mb->value) < 0)
            return -1;
    }
    return 0;
}

/* *out must own nothing on entry; whatever happens, it is left safe to nb_xv_free. */
static int conv_value(struct walk *w, const xmlNode *v, size_t depth, nb_xv *out)
{
    const xmlNode *t, *none;
    nb_xv_type type;
    size_t n;

    if (!elem_from(v->children)) {
        if (leaf_text(w, v, &out->u.str.s, &out->u.str.len) < 0)
            return -1;
        out->type = NB_XV_STRING;
        return 0;
    }
    if (elem_children(w, v, NULL, &t, &n) < 0)
        return -1;
    if (n != 1)
        return fail(w->fault, NB_FAULT_PARSE, "<value> must hold one typed element");
    if (tag_type((const char *)t->name, &type) < 0)
        return fail(w->fault, NB_FAULT_PARSE, "unknown value type <%.*s>", clip(t->name), t->name);
    switch (type) {
    case NB_XV_STRING:
    case NB_XV_BASE64:
    case NB_XV_DATETIME:
        if (leaf_text(w, t, &out->u.str.s, &out->u.str.len) < 0)
            return -1;
        out->type = type;
        return 0;
    case NB_XV_NIL:
        if (elem_children(w, t, NULL, &none, &n) < 0)
            return -1;
        if (n != 0)
            return fail(w->fault, NB_FAULT_PARSE, "<nil> must be empty");
        out->type = NB_XV_NIL;
        return 0;
    case NB_XV_ARRAY:
    case NB_XV_STRUCT:
        if (depth >= w->lim->max_depth)
            return fail(w->fault, NB_FAULT_LIMIT, "values nested deeper than the limit of %zu",
                        w->lim->max_depth);
        return type == NB_XV_ARRAY ? conv_array(w, t, depth, out) : conv_struct(w, t, depth, out);
    default:    /* int, i8, boolean, double */
        return conv_number(w, t, type, out);
    }
}

static int conv_param(struct walk *w, const xmlNode *param, nb_xv *out)
{
    const xmlNode *v;

    if (only_child(w, param, "value", &v) < 0)
        return -1;
    return conv_value(w, v, 0, out);
}

int nb_xmlrpc_parse_call(const char *xml, size_t len, const nb_xmlrpc_limits *lim,
                         nb_xmlrpc_call *out, nb_xmlrpc_fault_info *fault)
{
    struct walk w = { lim, fault };
    const xmlNode *root, *name, *params = NULL, *p = NULL;
    size_t n = 0;
    xmlDoc *doc;
    int ret = -1;

    memset(out, 0, sizeof(*out));
    memset(fault, 0, sizeof(*fault));
    doc = read_doc(xml, len, fault);
    if (!doc)
        return -1;
    root = xmlDocGetRootElement(doc);
    if (!is_named(root, "methodCall")) {
        fail(fault, NB_FAULT_PARSE, "root element is <%.*s>, expected <methodCall>",
             clip(root->name), root->name);
        goto cleanup;
    }
    if (elem_children(&w, root, NULL, &name, &n) < 0)
        goto cleanup;
    if (!is_named(name, "methodName")) {
        fail(fault, NB_FAULT_PARSE, "missing <methodName>");
        goto cleanup;
    }
    params = elem_from(name->next);
    if (n > 2 || (params && !is_named(params, "params"))) {
        fail(fault, NB_FAULT_PARSE, "<methodCall> may hold only <methodName> and <params>");
        goto cleanup;
    }
    if (leaf_text(&w, name, &out->method, NULL) < 0)
        goto cleanup;
    if (!out->method[0]) {
        fail(fault, NB_FAULT_PARSE, "empty <methodName>");
        goto cleanup;
    }
    n = 0;
    if (params && elem_children(&w, params, "param", &p, &n) < 0)
        goto cleanup;
    if (n > lim->max_params) {
        fail(fault, NB_FAULT_LIMIT, "too many parameters: %zu (limit %zu)", n, lim->max_params);
        goto cleanup;
    }
    out->params = n ? nb_calloc(n, sizeof(nb_xv)) : NULL;
    out->nparams = n;
    for (size_t i = 0; i < n; i++, p = elem_from(p->next))
        if (conv_param(&w, p, &out->params[i]) < 0)
            goto cleanup;
    ret = 0;
cleanup:
    if (ret < 0)
        nb_xmlrpc_call_free(out);
    xmlFreeDoc(doc);
    return ret;
}

/* A <fault> value must be a struct with an int faultCode and a string faultString. */
static int read_fault(struct walk *w, const nb_xv *v)
{
    const nb_xv *code = NULL, *msg = NULL;

    for (size_t i = 0; v->type == NB_XV_STRUCT && i < v->u.st.n; i++) {
        const nb_xmember *m = &v->u.st.members[i];
        if (nb_streq(m->name, "faultCode"))
            code = &m->value;
        else if (nb_streq(m->name, "faultString"))
            msg = &m->value;
    }
    if (!code || code->type != NB_XV_INT || !msg || msg->type != NB_XV_STRING)
        return fail(w->fault, NB_FAULT_PARSE,
                    "<fault> must be a struct of faultCode (int) and faultString (string)");
    w->fault->code = (int)code->u.i;
    w->fault->msg = nb_strdup(msg->u.str.s);
    return 1;
}

int nb_xmlrpc_parse_response(const char *xml, size_t len, nb_xv *out,
                             nb_xmlrpc_fault_info *fault)
{
    struct walk w = { &response_limits, fault };
    const xmlNode *root, *body, *x;
    nb_xv fv = { .type = NB_XV_NIL };
    size_t n;
    xmlDoc *doc;
    int ret = -1;

    memset(out, 0, sizeof(*out));
    memset(fault, 0, sizeof(*fault));
    doc = read_doc(xml, len, fault);
    if (!doc)
        goto cleanup;
    root = xmlDocGetRootElement(doc);
    if (!is_named(root, "methodResponse")) {
        fail(fault, NB_FAULT_PARSE, "root element is <%.*s>, expected <methodResponse>",
             clip(root->name), root->name);
        goto cleanup;
    }
    if (elem_children(&w, root, NULL, &body, &n) < 0)
        goto cleanup;
    if (n == 1 && is_named(body, "params")) {
        if (only_child(&w, body, "param", &x) < 0 || conv_param(&w, x, out) < 0)
            goto cleanup;
        ret = 0;
    } else if (n == 1 && is_named(body, "fault")) {
        if (only_child(&w, body, "value", &x) < 0 || conv_value(&w, x, 0, &fv) < 0)
            goto cleanup;
        ret = read_fault(&w, &fv);
    } else {
        fail(fault, NB_FAULT_PARSE, "<methodResponse> must hold <params> or <fault>");
    }
cleanup:
    nb_xv_free(&fv);
    if (ret < 0) {
        nb_xv_free(out);
        /* The header promises PARSE for every malformed response. */
        fault->code = NB_FAULT_PARSE;
    }
    xmlFreeDoc(doc);
    return ret;
}

void nb_xv_free(nb_xv *v)
{
    switch (v->type) {
    case NB_XV_STRING:
    case NB_XV_BASE64:
    case NB_XV_DATETIME:
        free(v->u.str.s);
        break;
    case NB_XV_ARRAY:
        for (size_t i = 0; i < v->u.arr.n; i++)
            nb_xv_free(&v->u.arr.items[i]);
        free(v->u.arr.items);
        break;
    case NB_XV_STRUCT:
        for (size_t i = 0; i < v->u.st.n; i++) {
            free(v->u.st.members[i].name);
            nb_xv_free(&v->u.st.members[i].value);
        }
        free(v->u.st.members);
        break;
    default:
        break;
    }
    /* Idempotent, so error paths may free twice. */
    *v = (nb_xv){ .type = NB_XV_NIL };
}

void nb_xmlrpc_call_free(nb_xmlrpc_call *c)
{
    free(c->method);
    for (size_t i = 0; i < c->nparams; i++)
        nb_xv_free(&c->params[i]);
    free(c->params);
    memset(c, 0, sizeof(*c));
}

/* ---- writers: markup always raw, so a buffer left in escape mode is harmless */

static void raw(nb_buf *b, const char *s)
{
    nb_buf_add_raw(b, s, strlen(s));
}

/* <tag>escaped text</tag> */
static void text_elem(nb_buf *b, const char *tag, const char *s, size_t n)
{
    raw(b, "<");
    raw(b, tag);
    raw(b, ">");
    nb_buf_add_xml_text(b, s, n);
    raw(b, "</");
    raw(b, tag);
    raw(b, ">");
}

static void num_elem(nb_buf *b, const char *tag, long long v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%lld", v);

    text_elem(b, tag, tmp, (size_t)n);
}

static bool fits_i4(long long v)
{
    return v >= INT32_MIN && v <= INT32_MAX;
}

/* One element of the response array: <value><tag>v</tag></value> and a newline. */
static void value_num(nb_buf *b, const char *tag, long long v)
{
    raw(b, "<value>");
    num_elem(b, tag, v);
    raw(b, "</value>" NL);
}

void nb_xmlrpc_resp_begin(nb_buf *b)
{
    raw(b, RESP_HEAD "<params>" NL "<param><value><array><data>" NL);
}

void nb_xmlrpc_resp_end(nb_buf *b)
{
    raw(b, "</data></array></value></param>" NL "</params>" NL "</methodResponse>" NL);
}

void nb_xmlrpc_value_bool(nb_buf *b, bool v)
{
    value_num(b, "boolean", v);
}

void nb_xmlrpc_value_int(nb_buf *b, int v)
{
    value_num(b, "i4", v);
}

void nb_xmlrpc_value_i8(nb_buf *b, long long v)
{
    value_num(b, "i8", v);
}

void nb_xmlrpc_value_string(nb_buf *b, const char *s, size_t n)
{
    nb_xmlrpc_value_string_begin(b);
    nb_buf_add(b, s, n);
    nb_xmlrpc_value_string_end(b);
}

void nb_xmlrpc_value_string_begin(nb_buf *b)
{
    raw(b, "<value><string>");
    b->escape = true;
}

void nb_xmlrpc_value_string_end(nb_buf *b)
{
    b->escape = false;
    raw(b, "</string></value>" NL);
}

void nb_xmlrpc_write_fault(nb_buf *b, int code, const char *msg)
{
    raw(b, RESP_HEAD "<fault>" NL "<value><struct>" NL "<member><name>faultCode</name>" NL "<value>");
    num_elem(b, "i4", code);
    raw(b, "</value></member>" NL "<member><name>faultString</name>" NL "<value>");
    text_elem(b, "string", msg, strlen(msg));
    raw(b, "</value></member>" NL "</struct></value>" NL "</fault>" NL "</methodResponse>" NL);
}

void nb_xmlrpc_write_value(nb_buf *b, const nb_xv *v)
{
    char tmp[32];
    int n;

    raw(b, "<value>");
    switch (v->type) {
    case NB_XV_INT:
    case NB_XV_I8:
        num_elem(b, v->type == NB_XV_INT && fits_i4(v->u.i) ? "i4" : "i8", v->u.i);
        break;
    case NB_XV_BOOL:
        num_elem(b, "boolean", v->u.b);
        break;
    case NB_XV_DOUBLE:
        /* 17 significant digits read back as the same double. */
        n = snprintf(tmp, sizeof(tmp), "%.17g", v->u.d);
        text_elem(b, "double", tmp, (size_t)n);
        break;
    case NB_XV_STRING:
    case NB_XV_BASE64:
    case NB_XV_DATETIME:
        text_elem(b, type_names[v->type], v->u.str.s, v->u.str.len);
        break;
    case NB_XV_ARRAY:
        raw(b, "<array><data>");
        for (size_t i = 0; i < v->u.arr.n; i++)
            nb_xmlrpc_write_value(b, &v->u.arr.items[i]);
        raw(b, "</data></array>");
        break;
    case NB_XV_STRUCT:
        raw(b, "<struct>");
        for (size_t i = 0; i < v->u.st.n; i++) {
            const nb_xmember *m = &v->u.st.members[i];
            raw(b, "<member>");
            text_elem(b, "name", m->name, strlen(m->name));
            nb_xmlrpc_write_value(b, &m->value);
            raw(b, "</member>");
        }
        raw(b, "</struct>");
        break;
    case NB_XV_NIL:
        raw(b, "<nil/>");
        break;
    }
    raw(b, "</value>");
}

void nb_xmlrpc_write_call(nb_buf *b, const char *method, const nb_xv *params, size_t n)
{
    raw(b, "<?xml version=\"1.0\"?><methodCall>");
    text_elem(b, "methodName", method, strlen(method));
    raw(b, "<params>");
    for (size_t i = 0; i < n; i++) {
        raw(b, "<param>");
        nb_xmlrpc_write_value(b, &params[i]);
        raw(b, "</param>");
    }
    raw(b, "</params></methodCall>");
}

nb_xv nb_xv_int(long long v)
{
    return (nb_xv){ .type = fits_i4(v) ? NB_XV_INT : NB_XV_I8, .u.i = v };
}

nb_xv nb_xv_bool(bool v)
{
    return (nb_xv){ .type = NB_XV_BOOL, .u.b = v };
}

nb_xv nb_xv_string(const char *s)
{
    size_t n = strlen(s);

    return (nb_xv){ .type = NB_XV_STRING, .u.str = { nb_strndup(s, n), n } };
}
