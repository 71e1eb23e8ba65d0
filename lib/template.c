#include "lib/template.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include "lib/util.h"

/*
 * Text syntax details where OpenNebula's grammar is loose (reference §8.1):
 *
 * - Names are [A-Za-z0-9_]+ as in oned, but must not start with a digit:
 *   every name becomes an XML element name.
 * - Attributes are separated by newlines or blanks ("A=1 B=2" is accepted, as
 *   oned's grammar needs no separator); the '=' must be on the name's line.
 * - A missing value ("NAME =" then end of line, '#' or end of input; in a
 *   vector also ',' or ']') is the empty string.  A trailing comma before ']'
 *   is accepted.  '#' starts a comment wherever a token could start.
 * - Inside "quoted" values backslashes are literal, except a run of them right
 *   before a '"': 2n backslashes + '"' are n backslashes and the closing quote,
 *   2n+1 backslashes + '"' are n backslashes and a literal quote.  That keeps
 *   oned's only escape (\" is a quote, any other \x stays as is) and still lets
 *   nb_tmpl_to_text write any value, including one that ends in a backslash.
 * - Values are normalised as XML would: CRLF and lone CR become LF, so a value
 *   survives both the text and the XML round trips.  Values must be UTF-8 made
 *   of XML characters and must not contain "]]>" (they are written as CDATA).
 */

/* ---- storage ------------------------------------------------------------ */

static char upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static bool is_name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '_';
}

static char *upcase_dup(const char *s)
{
    char *d = nb_strdup(s);
    for (char *p = d; *p; p++)
        *p = upper(*p);
    return d;
}

/* strcmp of a stored (upper-case) name against a lookup key in any case. */
static int name_cmp(const char *stored, const char *key)
{
    for (;; stored++, key++) {
        unsigned char a = (unsigned char)*stored;
        unsigned char b = (unsigned char)upper(*key);
        if (a != b || !a)
            return a < b ? -1 : a > b;
    }
}

/* First index whose name is >= key, or > key if upper_bound. */
static size_t bound(const nb_tattr *a, size_t n, const char *key, bool upper_bound)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = name_cmp(a[mid].name, key);
        if (c < 0 || (upper_bound && c == 0))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void attr_free(nb_tattr *a)
{
    free(a->name);
    free(a->value);
    for (size_t i = 0; i < a->npairs; i++) {
        free(a->pairs[i].name);
        free(a->pairs[i].value);
    }
    free(a->pairs);
}

static void attr_copy(nb_tattr *dst, const nb_tattr *src)
{
    dst->name = nb_strdup(src->name);
    dst->value = src->value ? nb_strdup(src->value) : NULL;
    dst->npairs = src->npairs;
    dst->pairs = src->npairs ? nb_malloc(src->npairs * sizeof(*dst->pairs)) : NULL;
    for (size_t i = 0; i < src->npairs; i++) {
        dst->pairs[i].name = nb_strdup(src->pairs[i].name);
        dst->pairs[i].value = nb_strdup(src->pairs[i].value);
    }
}

static int first_name_cmp(const void *a, const void *b)
{
    /* nb_tattr and nb_tpair both start with their name. */
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void msort(char *base, char *tmp, size_t n, size_t size)
{
    if (n < 2)
        return;
    size_t h = n / 2, i = 0, j = h, k = 0;
    msort(base, tmp, h, size);
    msort(base + h * size, tmp, n - h, size);
    if (first_name_cmp(base + (h - 1) * size, base + h * size) <= 0)
        return;
    memcpy(tmp, base, h * size);
    /* k < j always holds, so the right run is never overwritten unread. */
    while (i < h && j < n) {
        if (first_name_cmp(base + j * size, tmp + i * size) < 0)
            memcpy(base + k++ * size, base + j++ * size, size);
        else
            memcpy(base + k++ * size, tmp + i++ * size, size);
    }
    memcpy(base + k * size, tmp + i * size, (h - i) * size);
}

/* Stable sort by name: merge sort, since qsort is not stable and insertion
 * would be quadratic on large hostile inputs. */
static void sort_by_name(void *base, size_t n, size_t size)
{
    size_t i;
    for (i = 1; i < n; i++)
        if (first_name_cmp((char *)base + (i - 1) * size, (char *)base + i * size) > 0)
            break;
    if (i >= n)
        return;
    char *tmp = nb_malloc(n / 2 * size);
    msort(base, tmp, n, size);
    free(tmp);
}

/* Insert *a (ownership moves) after every attribute with the same name. */
static void insert_attr(nb_tmpl *t, nb_tattr *a)
{
    size_t pos = bound(t->attrs, t->n, a->name, true);
    nb_grow(&t->attrs, &t->cap, t->n + 1, sizeof(*t->attrs));
    memmove(&t->attrs[pos + 1], &t->attrs[pos], (t->n - pos) * sizeof(*t->attrs));
    t->attrs[pos] = *a;
    t->n++;
}

/* Move the sorted attributes of src after those of t (stable); src ends empty. */
static void absorb(nb_tmpl *t, nb_tmpl *src)
{
    if (t->n == 0) {
        free(t->attrs);
        *t = *src;
        nb_tmpl_init(src);
        return;
    }
    size_t n = t->n + src->n, i = 0, j = 0, k = 0;
    nb_tattr *out = nb_malloc(n * sizeof(*out));
    while (i < t->n || j < src->n) {
        if (j == src->n || (i < t->n && strcmp(t->attrs[i].name, src->attrs[j].name) <= 0))
            out[k++] = t->attrs[i++];
        else
            out[k++] = src->attrs[j++];
    }
    free(t->attrs);
    free(src->attrs);
    t->attrs = out;
    t->n = t->cap = n;
    nb_tmpl_init(src);
}

void nb_tmpl_init(nb_tmpl *t)
{
    t->attrs = NULL;
    t->n = t->cap = 0;
}

void nb_tmpl_free(nb_tmpl *t)
{
    for (size_t i = 0; i < t->n; i++)
        attr_free(&t->attrs[i]);
    free(t->attrs);
    nb_tmpl_init(t);
}

void nb_tmpl_copy(nb_tmpl *dst, const nb_tmpl *src)
{
    nb_tmpl_init(dst);
    if (!src->n)
        return;
    dst->attrs = nb_malloc(src->n * sizeof(*dst->attrs));
    for (size_t i = 0; i < src->n; i++)
        attr_copy(&dst->attrs[i], &src->attrs[i]);
    dst->n = dst->cap = src->n;
}

const nb_tattr *nb_tmpl_find(const nb_tmpl *t, const char *name)
{
    size_t i = bound(t->attrs, t->n, name, false);
    return i < t->n && name_cmp(t->attrs[i].name, name) == 0 ? &t->attrs[i] : NULL;
}

const char *nb_tmpl_get(const nb_tmpl *t, const char *name)
{
    for (size_t i = bound(t->attrs, t->n, name, false);
         i < t->n && name_cmp(t->attrs[i].name, name) == 0; i++)
        if (t->attrs[i].value)
            return t->attrs[i].value;
    return NULL;
}

bool nb_tmpl_yes(const nb_tmpl *t, const char *name)
{
    const char *v = nb_tmpl_get(t, name);
    return v && nb_strcaseeq(v, "YES");
}

const char *nb_tmpl_vget(const nb_tmpl *t, const char *vector, const char *sub)
{
    for (size_t i = bound(t->attrs, t->n, vector, false);
         i < t->n && name_cmp(t->attrs[i].name, vector) == 0; i++) {
        const nb_tattr *a = &t->attrs[i];
        if (a->value)
            continue;
        size_t lo = 0, hi = a->npairs;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (name_cmp(a->pairs[mid].name, sub) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo < a->npairs && name_cmp(a->pairs[lo].name, sub) == 0 ? a->pairs[lo].value : NULL;
    }
    return NULL;
}

void nb_tmpl_add(nb_tmpl *t, const char *name, const char *value)
{
    nb_tattr a = { upcase_dup(name), nb_strdup(value ? value : ""), NULL, 0 };
    insert_attr(t, &a);
}

void nb_tmpl_set(nb_tmpl *t, const char *name, const char *value)
{
    nb_tmpl_remove(t, name);
    nb_tmpl_add(t, name, value);
}

void nb_tmpl_add_vector(nb_tmpl *t, const char *name, const nb_tpair *pairs, size_t n)
{
    nb_tattr a = { upcase_dup(name), NULL, n ? nb_malloc(n * sizeof(nb_tpair)) : NULL, n };
    for (size_t i = 0; i < n; i++) {
        a.pairs[i].name = upcase_dup(pairs[i].name);
        a.pairs[i].value = nb_strdup(pairs[i].value ? pairs[i].value : "");
    }
    sort_by_name(a.pairs, n, sizeof(nb_tpair));
    insert_attr(t, &a);
}

size_t nb_tmpl_remove(nb_tmpl *t, const char *name)
{
    size_t lo = bound(t->attrs, t->n, name, false);
    size_t hi = bound(t->attrs, t->n, name, true);
    if (lo == hi)
        return 0;
    for (size_t i = lo; i < hi; i++)
        attr_free(&t->attrs[i]);
    memmove(&t->attrs[lo], &t->attrs[hi], (t->n - hi) * sizeof(*t->attrs));
    t->n -= hi - lo;
    return hi - lo;
}

void nb_tmpl_remove_attr(nb_tmpl *t, const nb_tattr *a)
{
    size_t i = (size_t)(a - t->attrs);

    attr_free(&t->attrs[i]);
    memmove(&t->attrs[i], &t->attrs[i + 1], (t->n - i - 1) * sizeof(*t->attrs));
    t->n--;
}

nb_tattr *nb_tmpl_find_vector(nb_tmpl *t, const char *vector, const char *sub,
                              const char *value)
{
    for (size_t i = bound(t->attrs, t->n, vector, false);
         i < t->n && name_cmp(t->attrs[i].name, vector) == 0; i++) {
        const char *v = t->attrs[i].value ? NULL : nb_tattr_get(&t->attrs[i], sub);
        if (v && strcmp(v, value) == 0)
            return &t->attrs[i];
    }
    return NULL;
}

const char *nb_tattr_get(const nb_tattr *v, const char *name)
{
    /* Members are few: a scan is enough. */
    for (size_t i = 0; i < v->npairs; i++)
        if (name_cmp(v->pairs[i].name, name) == 0)
            return v->pairs[i].value;
    return NULL;
}

void nb_tattr_set(nb_tattr *v, const char *name, const char *value)
{
    char *key = upcase_dup(name);
    size_t pos = 0;

    for (size_t i = 0; i < v->npairs; i++) {
        int c = strcmp(v->pairs[i].name, key);
        if (c == 0) {
            free(v->pairs[i].value);
            v->pairs[i].value = nb_strdup(value);
            free(key);
            return;
        }
        if (c < 0)
            pos = i + 1;
    }
    v->pairs = nb_realloc(v->pairs, (v->npairs + 1) * sizeof(*v->pairs));
    memmove(&v->pairs[pos + 1], &v->pairs[pos], (v->npairs - pos) * sizeof(*v->pairs));
    v->pairs[pos] = (nb_tpair){ key, nb_strdup(value) };
    v->npairs++;
}

void nb_tattr_unset(nb_tattr *v, const char *name)
{
    size_t k = 0;

    for (size_t i = 0; i < v->npairs; i++) {
        if (name_cmp(v->pairs[i].name, name) == 0) {
            free(v->pairs[i].name);
            free(v->pairs[i].value);
        } else {
            v->pairs[k++] = v->pairs[i];
        }
    }
    v->npairs = k;
}

void nb_tmpl_update(nb_tmpl *dst, const nb_tmpl *src, int type)
{
    if (dst == src)
        return;
    if (type == 0) {
        nb_tmpl_free(dst);
        nb_tmpl_copy(dst, src);
        return;
    }
    size_t cap = dst->n + src->n, i = 0, j = 0, k = 0;
    if (!cap)
        return;
    /* Both sides are sorted: one merge pass replaces each name group of dst
     * present in src by src's group.  Empty vectors only delete (as oned). */
    nb_tattr *out = nb_malloc(cap * sizeof(*out));
    while (i < dst->n || j < src->n) {
        if (j == src->n || (i < dst->n && strcmp(dst->attrs[i].name, src->attrs[j].name) < 0)) {
            out[k++] = dst->attrs[i++];
            continue;
        }
        const char *name = src->attrs[j].name;
        for (; i < dst->n && strcmp(dst->attrs[i].name, name) == 0; i++)
            attr_free(&dst->attrs[i]);
        for (; j < src->n && strcmp(src->attrs[j].name, name) == 0; j++)
            if (src->attrs[j].value || src->attrs[j].npairs)
                attr_copy(&out[k++], &src->attrs[j]);
    }
    free(dst->attrs);
    dst->attrs = out;
    dst->n = k;
    dst->cap = cap;
}

/* ---- output ------------------------------------------------------------- */

static void add_tag(nb_buf *b, const char *name, bool close)
{
    nb_buf_adds(b, close ? "</" : "<");
    nb_buf_adds(b, name);
    nb_buf_addc(b, '>');
}

void nb_tmpl_to_xml(const nb_tmpl *t, nb_buf *b, const char *root)
{
    add_tag(b, root, false);
    for (size_t i = 0; i < t->n; i++) {
        const nb_tattr *a = &t->attrs[i];
        add_tag(b, a->name, false);
        if (a->value) {
            nb_buf_add_cdata(b, a->value);
        } else {
            for (size_t j = 0; j < a->npairs; j++) {
                add_tag(b, a->pairs[j].name, false);
                nb_buf_add_cdata(b, a->pairs[j].value);
                add_tag(b, a->pairs[j].name, true);
            }
        }
        add_tag(b, a->name, true);
    }
    add_tag(b, root, true);
}

/* The inverse of the quoted-string rule described at the top of the file. */
static void add_quoted(nb_buf *b, const char *v)
{
    nb_buf_addc(b, '"');
    while (*v) {
        size_t run = strspn(v, "\\");
        if (run) {
            bool before_quote = v[run] == '"' || v[run] == '\0';
            for (size_t i = 0; i < (before_quote ? 2 * run : run); i++)
                nb_buf_addc(b, '\\');
            v += run;
            continue;
        }
        size_t plain = strcspn(v, "\\\"");
        if (plain) {
            nb_buf_add(b, v, plain);
            v += plain;
        } else {
            nb_buf_add(b, "\\\"", 2);
            v++;
        }
    }
    nb_buf_addc(b, '"');
}

void nb_tmpl_to_text(const nb_tmpl *t, nb_buf *b)
{
    for (size_t i = 0; i < t->n; i++) {
        const nb_tattr *a = &t->attrs[i];
        nb_buf_adds(b, a->name);
        nb_buf_addc(b, '=');
        if (a->value) {
            add_quoted(b, a->value);
        } else if (!a->npairs) {
            nb_buf_adds(b, "[ ]");
        } else {
            nb_buf_addc(b, '[');
            for (size_t j = 0; j < a->npairs; j++) {
                nb_buf_adds(b, j ? ",\n  " : "\n  ");
                nb_buf_adds(b, a->pairs[j].name);
                nb_buf_addc(b, '=');
                add_quoted(b, a->pairs[j].value);
            }
            nb_buf_adds(b, " ]");
        }
        nb_buf_addc(b, '\n');
    }
}

/* ---- parsing: shared ---------------------------------------------------- */

static int NB_PRINTF(3, 4) fail(char **err, long line, const char *fmt, ...)
{
    char what[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    *err = nb_asprintf("Parse error: %s, line %ld", what, line);
    return -1;
}

/* Length of the UTF-8 encoded XML Char at s (n bytes left), or 0. */
static size_t xml_char_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned cp;

    if (c < 0x80)
        return c >= 0x20 || c == '\t' || c == '\n' || c == '\r';
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    /* Overlong forms, surrogates, beyond U+10FFFF, U+FFFE and U+FFFF. */
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)
        return 0;
    return len;
}

/* Whose value it is, for error messages: "NAME" or "VECTOR/MEMBER".  Kept
 * as two strings so that the happy path formats nothing. */
typedef struct owner {
    const char *attr;
    const char *sub;    /* NULL for a single attribute */
} owner;

#define OWNER_FMT "%s%s%s"
#define OWNER_ARGS(o) (o)->attr, (o)->sub ? "/" : "", (o)->sub ? (o)->sub : ""

/*
 * Check a parsed value (len bytes at v, writable, v[len] usable), normalise
 * its line ends in place and return a copy.
 */
static char *finish_value(char *v, size_t len, const owner *o, long line, char **err)
{
    size_t k = 0;

    for (size_t i = 0, cl; i < len; i += cl) {
        unsigned char c = (unsigned char)v[i];
        cl = c >= 0x20 && c < 0x80 ? 1 : xml_char_len((const unsigned char *)v + i, len - i);
        if (!cl) {
            fail(err, line, "invalid UTF-8 or character not allowed in XML in value of " OWNER_FMT,
                 OWNER_ARGS(o));
            return NULL;
        }
    }
    if (memchr(v, '\r', len)) {
        for (size_t i = 0; i < len; i++) {
            if (v[i] != '\r')
                v[k++] = v[i];
            else if (i + 1 == len || v[i + 1] != '\n')
                v[k++] = '\n';
        }
        len = k;
    }
    v[len] = '\0';
    if (strstr(v, "]]>")) {
        fail(err, line, "value of " OWNER_FMT " contains \"]]>\"", OWNER_ARGS(o));
        return NULL;
    }
    return nb_strndup(v, len);
}

/* ---- parsing: text form ------------------------------------------------- */

typedef struct parser {
    const char *p;
    const char *end;
    long line;
    char **err;
    nb_buf val;         /* scratch for the value being read */
} parser;

/* Characters that end a bare (unquoted) value. */
static const bool ends_bare[256] = {
    [' '] = true, ['\t'] = true, ['\r'] = true, ['\n'] = true, ['='] = true,
    [','] = true, ['['] = true, [']'] = true, ['#'] = true, ['"'] = true,
};

/* Number of consecutive c at p, not going past end. */
static size_t strspn_bounded(const char *p, const char *end, char c)
{
    size_t n = 0;
    while (p + n < end && p[n] == c)
        n++;
    return n;
}

static int peek(const parser *ps)
{
    return ps->p < ps->end ? (unsigned char)*ps->p : -1;
}

static void skip_blanks(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
        ps->p++;
}

/* Blanks, newlines and comments: the gaps where a new token can start. */
static void skip_space(parser *ps)
{
    while (ps->p < ps->end) {
        char c = *ps->p;
        if (c == '#') {
            const char *nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));
            ps->p = nl ? nl : ps->end;
        } else if (c == '\n') {
            ps->line++;
            ps->p++;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            ps->p++;
        } else {
            break;
        }
    }
}

/* Describe the character at the cursor for an error message. */
static const char *what_here(const parser *ps, char *tmp, size_t size)
{
    int c = peek(ps);
    if (c < 0)
        return "end of input";
    if (c == '\n' || c == '\r')
        return "end of line";
    if (c > 0x20 && c < 0x7F)
        snprintf(tmp, size, "'%c'", c);
    else
        snprintf(tmp, size, "byte 0x%02X", (unsigned)c);
    return tmp;
}

/* Read a name into out (upper-cased); what is "attribute" or "vector member". */
static int read_name(parser *ps, char out[NB_TMPL_MAX_NAME + 1], const char *what)
{
    char tmp[16];
    size_t n = 0;

    if (ps->p == ps->end || !is_name_char(*ps->p))
        return fail(ps->err, ps->line, "syntax error, unexpected %s, expecting %s name",
                    what_here(ps, tmp, sizeof(tmp)), what);
    for (; ps->p < ps->end && is_name_char(*ps->p); ps->p++) {
        if (n == NB_TMPL_MAX_NAME)
            return fail(ps->err, ps->line, "%s name longer than %d characters",
                        what, NB_TMPL_MAX_NAME);
        out[n++] = upper(*ps->p);
    }
    out[n] = '\0';
    /* oned accepts a leading digit, but such a name is not an XML element name. */
    if (out[0] >= '0' && out[0] <= '9')
        return fail(ps->err, ps->line, "invalid %s name %s (names must start with a letter or '_')",
                    what, out);
    int c = peek(ps);
    if (c >= 0 && c != ' ' && c != '\t' && c != '=' && c != '\n' && c != '\r')
        return fail(ps->err, ps->line, "invalid character %s in %s name %s (names are [A-Za-z0-9_])",
                    what_here(ps, tmp, sizeof(tmp)), what, out);
    skip_blanks(ps);
    if (peek(ps) != '=')
        return fail(ps->err, ps->line, "syntax error, missing '=' after %s", out);
    ps->p++;
    skip_blanks(ps);
    return 0;
}

static int read_quoted(parser *ps, const owner *o)
{
    long start = ps->line;

    ps->p++;
    for (;;) {
        size_t n = 0;
        while (ps->p + n < ps->end && ps->p[n] != '\\' && ps->p[n] != '"' && ps->p[n] != '\n')
            n++;
        nb_buf_add(&ps->val, ps->p, n);
        ps->p += n;
        if (ps->p == ps->end)
            return fail(ps->err, start, "unterminated quoted string in value of " OWNER_FMT,
                        OWNER_ARGS(o));
        if (*ps->p == '"') {
            ps->p++;
            return 0;
        }
        if (*ps->p == '\n') {
            ps->line++;
            nb_buf_addc(&ps->val, *ps->p++);
            continue;
        }
        size_t run = strspn_bounded(ps->p, ps->end, '\\');
        ps->p += run;
        if (ps->p < ps->end && *ps->p == '"') {
            ps->p++;
            for (size_t i = 0; i < run / 2; i++)
                nb_buf_addc(&ps->val, '\\');
            if (run % 2 == 0)
                return 0;
            nb_buf_addc(&ps->val, '"');
        } else {
            for (size_t i = 0; i < run; i++)
                nb_buf_addc(&ps->val, '\\');
        }
    }
}

/*
 * Read a value at the cursor (blanks already skipped) into a new string.
 * In a vector (o->sub set), ',' and ']' also end an empty value.
 */
static char *read_value(parser *ps, const owner *o)
{
    long line = ps->line;
    char tmp[16];
    int c = peek(ps);
    bool in_vector = o->sub != NULL;

    nb_buf_reset(&ps->val);
    nb_buf_reserve(&ps->val, 0);
    if (c == '"') {
        if (read_quoted(ps, o) < 0)
            return NULL;
    } else if (c == '[' && in_vector) {
        fail(ps->err, line, "nested vector in " OWNER_FMT " (only one level is allowed)", OWNER_ARGS(o));
        return NULL;
    } else if (c == '=' || (!in_vector && (c == ',' || c == ']'))) {
        fail(ps->err, line, "syntax error, unexpected %s in value of " OWNER_FMT,
             what_here(ps, tmp, sizeof(tmp)), OWNER_ARGS(o));
        return NULL;
    } else {
        size_t n = 0;
        while (ps->p + n < ps->end && !ends_bare[(unsigned char)ps->p[n]])
            n++;
        nb_buf_add(&ps->val, ps->p, n);
        ps->p += n;
    }
    return finish_value(ps->val.data, ps->val.len, o, line, ps->err);
}

/* The cursor is on '['; members go to a, which the caller frees on error. */
static int parse_vector(parser *ps, const char *name, nb_tattr *a)
{
    long open_line = ps->line;
    char sub[NB_TMPL_MAX_NAME + 1];
    owner o = { name, sub };
    char tmp[16];
    size_t cap = 0;

    ps->p++;
    for (;;) {
        skip_space(ps);
        if (ps->p == ps->end)
            break;
        if (*ps->p == ']')
            goto done;          /* empty vector, or a trailing comma */
        if (read_name(ps, sub, "vector member") < 0)
            return -1;
        char *v = read_value(ps, &o);
        if (!v)
            return -1;
        nb_grow(&a->pairs, &cap, a->npairs + 1, sizeof(*a->pairs));
        a->pairs[a->npairs].name = nb_strdup(sub);
        a->pairs[a->npairs++].value = v;
        skip_space(ps);
        if (ps->p == ps->end)
            break;
        if (*ps->p == ']')
            goto done;
        if (*ps->p != ',')
            return fail(ps->err, ps->line, "syntax error, unexpected %s in vector %s, expecting ',' or ']'",
                        what_here(ps, tmp, sizeof(tmp)), name);
        ps->p++;
    }
    return fail(ps->err, open_line, "unclosed '[' in vector %s", name);

 done:
    ps->p++;
    sort_by_name(a->pairs, a->npairs, sizeof(*a->pairs));
    return 0;
}

/* One "NAME = value" or "NAME = [ ... ]"; the new attribute goes to t->attrs
 * unsorted (the caller sorts once at the end). */
static int parse_attr(parser *ps, nb_tmpl *t)
{
    char name[NB_TMPL_MAX_NAME + 1];
    nb_tattr a = { NULL, NULL, NULL, 0 };
    owner o = { name, NULL };
    char tmp[16];
    int rc = -1;

    if (read_name(ps, name, "attribute") < 0)
        return -1;
    if (peek(ps) == '[') {
        if (parse_vector(ps, name, &a) < 0)
            goto cleanup;
    } else if (!(a.value = read_value(ps, &o))) {
        goto cleanup;
    }
    skip_blanks(ps);
    int c = peek(ps);
    if (c >= 0 && c != '\n' && c != '\r' && c != '#' && !is_name_char((char)c)) {
        fail(ps->err, ps->line, "syntax error, unexpected %s after %s",
             what_here(ps, tmp, sizeof(tmp)), name);
        goto cleanup;
    }
    a.name = nb_strdup(name);
    nb_grow(&t->attrs, &t->cap, t->n + 1, sizeof(*t->attrs));
    t->attrs[t->n++] = a;
    memset(&a, 0, sizeof(a));       /* now owned by t */
    rc = 0;
 cleanup:
    attr_free(&a);
    return rc;
}

static int parse_text(nb_tmpl *t, const char *text, size_t len, char **err)
{
    parser ps = { text, text + len, 1, err, NB_BUF_INIT };
    int rc = -1;

    const char *nul = memchr(text, '\0', len);
    if (nul) {
        long line = 1;
        for (const char *p = text; p < nul; p++)
            line += *p == '\n';
        return fail(err, line, "NUL byte in template");
    }
    for (;;) {
        skip_space(&ps);
        if (ps.p == ps.end)
            break;
        if (parse_attr(&ps, t) < 0)
            goto cleanup;
    }
    rc = 0;
 cleanup:
    nb_buf_free(&ps.val);
    return rc;
}

/* ---- parsing: XML form -------------------------------------------------- */

/* Upper-cased copy of an XML element name, or NULL with *err set. */
static char *xml_name(const xmlNode *n, char **err)
{
    const char *s = (const char *)n->name;
    size_t len = strlen(s);

    /* XML already forbids a leading digit. */
    if (len == 0 || len > NB_TMPL_MAX_NAME || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                     "abcdefghijklmnopqrstuvwxyz0123456789_") != len) {
        fail(err, xmlGetLineNo(n), "invalid attribute name in XML template "
             "(names are [A-Za-z_][A-Za-z0-9_]*, at most %d characters)", NB_TMPL_MAX_NAME);
        return NULL;
    }
    return upcase_dup(s);
}

/*
 * Classify the content of n: element children (*has_elem; text between them
 * is then ignored, as oned does), else the concatenated text and CDATA into b
 * (*has_text says whether there was any).  Comments and processing
 * instructions are ignored, anything else refused.
 */
static int xml_content(const xmlNode *n, nb_buf *b, bool *has_elem, bool *has_text, char **err)
{
    *has_elem = *has_text = false;
    nb_buf_reset(b);
    nb_buf_reserve(b, 0);
    for (const xmlNode *c = n->children; c; c = c->next) {
        switch (c->type) {
        case XML_ELEMENT_NODE:
            *has_elem = true;
            break;
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            *has_text = true;
            if (c->content)
                nb_buf_adds(b, (const char *)c->content);
            break;
        case XML_COMMENT_NODE:
        case XML_PI_NODE:
            break;
        default:
            return fail(err, xmlGetLineNo(c), "unsupported XML node in %s", (const char *)n->name);
        }
    }
    return 0;
}

static int xml_member(const xmlNode *m, const char *vector, nb_tpair *p, nb_buf *b, char **err)
{
    bool has_elem, has_text;

    if (!(p->name = xml_name(m, err)))
        return -1;
    owner o = { vector, p->name };
    if (xml_content(m, b, &has_elem, &has_text, err) < 0)
        return -1;
    if (has_elem)
        return fail(err, xmlGetLineNo(m), "nested vector in " OWNER_FMT " (only one level is allowed)",
                    OWNER_ARGS(&o));
    p->value = finish_value(b->data, b->len, &o, xmlGetLineNo(m), err);
    return p->value ? 0 : -1;
}

/* Build a from element n; the caller frees a, also on error. */
static int xml_attr(const xmlNode *n, nb_tattr *a, nb_buf *b, char **err)
{
    bool has_elem, has_text;
    size_t cap = 0;

    if (!(a->name = xml_name(n, err)) || xml_content(n, b, &has_elem, &has_text, err) < 0)
        return -1;
    if (!has_elem) {
        /* An element with no content at all is an empty vector, which is how
         * nb_tmpl_to_xml writes one; an empty string is an empty CDATA. */
        owner o = { a->name, NULL };
        if (has_text && !(a->value = finish_value(b->data, b->len, &o, xmlGetLineNo(n), err)))
            return -1;
        return 0;
    }
    for (const xmlNode *m = n->children; m; m = m->next) {
        if (m->type != XML_ELEMENT_NODE)
            continue;       /* indentation between members */
        nb_grow(&a->pairs, &cap, a->npairs + 1, sizeof(*a->pairs));
        nb_tpair *p = &a->pairs[a->npairs++];
        p->name = p->value = NULL;
        if (xml_member(m, a->name, p, b, err) < 0)
            return -1;
    }
    sort_by_name(a->pairs, a->npairs, sizeof(*a->pairs));
    return 0;
}

int nb_tmpl_from_xml(nb_tmpl *t, const xmlNode *parent, char **err)
{
    nb_tmpl tmp = NB_TMPL_INIT;
    nb_buf b = NB_BUF_INIT;
    int rc = -1;

    if (!parent) {
        *err = nb_strdup("Parse error: no XML template element, line 0");
        return -1;
    }
    for (const xmlNode *n = parent->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        nb_grow(&tmp.attrs, &tmp.cap, tmp.n + 1, sizeof(*tmp.attrs));
        nb_tattr *a = &tmp.attrs[tmp.n++];
        memset(a, 0, sizeof(*a));
        if (xml_attr(n, a, &b, err) < 0)
            goto cleanup;
    }
    sort_by_name(tmp.attrs, tmp.n, sizeof(*tmp.attrs));
    absorb(t, &tmp);
    rc = 0;
 cleanup:
    nb_tmpl_free(&tmp);
    nb_buf_free(&b);
    return rc;
}

/* SAX hook: a DOCTYPE could declare entities (expansion bombs) or pull
 * external resources, and templates never need one, so stop right there. */
static void reject_dtd(void *ctx, const xmlChar *name, const xmlChar *ext_id, const xmlChar *sys_id)
{
    xmlParserCtxtPtr ctxt = ctx;
    *(bool *)ctxt->_private = true;
    xmlStopParser(ctxt);
}

static int parse_xml(nb_tmpl *t, const char *text, size_t len, char **err)
{
    xmlParserCtxtPtr ctxt = NULL;
    xmlDocPtr doc = NULL;
    bool saw_dtd = false;
    int rc = -1;

    if (len > INT_MAX)
        return fail(err, 0, "XML template too large");
    if (!(ctxt = xmlNewParserCtxt()))
        return fail(err, 0, "cannot create XML parser");
    ctxt->_private = &saw_dtd;
    ctxt->sax->internalSubset = reject_dtd;
    /* No XML_PARSE_NOENT (no entity substitution), no network; libxml2's
     * default depth limit bounds nesting.  The text is already a decoded
     * (UTF-8) string, so an encoding declaration in it means nothing. */
    doc = xmlCtxtReadMemory(ctxt, text, (int)len, NULL, "UTF-8",
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                            XML_PARSE_IGNORE_ENC | XML_PARSE_BIG_LINES);
    if (saw_dtd) {
        fail(err, ctxt->input ? ctxt->input->line : 0, "DTD not allowed in XML template");
        goto cleanup;
    }
    if (!doc || !ctxt->wellFormed || !xmlDocGetRootElement(doc)) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        char msg[256] = "no root element";
        long line = 0;
        if (e && e->message) {
            /* First line only, ASCII only: it goes back to API clients. */
            snprintf(msg, sizeof(msg), "%s", e->message);
            msg[strcspn(msg, "\r\n")] = '\0';
            for (char *p = msg; *p; p++)
                if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7E)
                    *p = '?';
            line = e->line;
        }
        fail(err, line, "XML template malformed (%s)", msg);
        goto cleanup;
    }
    rc = nb_tmpl_from_xml(t, xmlDocGetRootElement(doc), err);
 cleanup:
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return rc;
}

int nb_tmpl_parse(nb_tmpl *t, const char *text, size_t len, char **err)
{
    nb_tmpl tmp = NB_TMPL_INIT;
    size_t i = 0;

    *err = NULL;
    if (!len)
        return 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
        i++;
    if (i < len && text[i] == '<')
        return parse_xml(t, text, len, err);
    /* Parse aside so that *t is untouched on error. */
    if (parse_text(&tmp, text, len, err) < 0) {
        nb_tmpl_free(&tmp);
        return -1;
    }
    sort_by_name(tmp.attrs, tmp.n, sizeof(*tmp.attrs));
    absorb(t, &tmp);
    return 0;
}
