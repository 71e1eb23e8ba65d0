#include "acl/rule_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/util.h"

/* Resource type bits occupy bits 36-63; nb_acl_type_name names the known ones. */
#define NB_ACL_TYPE_FIRST_BIT 36
#define NB_ACL_TYPE_MASK 0xFFFFFFF000000000ULL

/* A token of the input: not NUL-terminated. */
typedef struct nb_acl_span {
    const char *p;
    size_t n;
} nb_acl_span;

/* Rights in the order the canonical string lists them. */
static const enum nb_op nb_acl_ops[] = { NB_OP_USE, NB_OP_MANAGE, NB_OP_ADMIN, NB_OP_CREATE };

/* Longest piece of offending input quoted back in a message. */
#define NB_ACL_QUOTE_MAX 64

static int nb_acl_fail(char **err, const char *fmt, ...) NB_PRINTF(2, 3);
static int nb_acl_fail(char **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    *err = nb_vasprintf(fmt, ap);
    va_end(ap);
    return -1;
}

static int nb_acl_quote_len(nb_acl_span t)
{
    return (int)(t.n < NB_ACL_QUOTE_MAX ? t.n : NB_ACL_QUOTE_MAX);
}

/* Does t spell `name` (upper case, as every type and right name is) in any
 * case?  ASCII only, whatever the locale. */
static bool nb_acl_span_is(nb_acl_span t, const char *name)
{
    if (strlen(name) != t.n)
        return false;
    for (size_t i = 0; i < t.n; i++) {
        char c = t.p[i] >= 'a' && t.p[i] <= 'z' ? (char)(t.p[i] - 'a' + 'A') : t.p[i];
        if (c != name[i])
            return false;
    }
    return true;
}

/* Split t at the first `sep` into *head and *t (the rest); false when t
 * is exhausted. */
static bool nb_acl_next(nb_acl_span *t, char sep, nb_acl_span *head)
{
    if (!t->p)
        return false;
    const char *end = memchr(t->p, sep, t->n);
    head->p = t->p;
    head->n = end ? (size_t)(end - t->p) : t->n;
    if (end) {
        t->n -= head->n + 1;
        t->p = end + 1;
    } else {
        t->p = NULL;
    }
    return true;
}

/* ---- hex words and rights ------------------------------------------------- */

static int nb_acl_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int nb_acl_hex_parse(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    size_t n;

    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    for (n = 0; s[n]; n++) {
        int d = nb_acl_hex_digit(s[n]);
        if (d < 0 || n == 16)
            return -1;
        v = v << 4 | (uint64_t)d;
    }
    if (n == 0)
        return -1;
    *out = v;
    return 0;
}

/* Rights bits of a "USE+MANAGE" span; "" and "-" give 0.  On an unknown
 * name returns -1 with *bad set to it. */
static int nb_acl_rights_span(nb_acl_span t, uint64_t *out, nb_acl_span *bad)
{
    nb_acl_span name;
    uint64_t rights = 0;

    if (t.n == 0 || (t.n == 1 && t.p[0] == '-')) {
        *out = 0;
        return 0;
    }
    while (nb_acl_next(&t, '+', &name)) {
        size_t i = 0;
        while (i < NB_ARRAY_SIZE(nb_acl_ops) && !nb_acl_span_is(name, nb_op_name(nb_acl_ops[i])))
            i++;
        if (i == NB_ARRAY_SIZE(nb_acl_ops)) {
            *bad = name;
            return -1;
        }
        rights |= nb_acl_ops[i];
    }
    *out = rights;
    return 0;
}

int nb_acl_rights_parse(const char *s, uint64_t *out)
{
    nb_acl_span t = { s, strlen(s) }, bad;
    return nb_acl_rights_span(t, out, &bad);
}

/* ---- the string form ------------------------------------------------------ */

/* What one component ("#5", "@1", "%100", "*") may be. */
typedef struct nb_acl_part {
    const char *name;       /* "user", "resource", "zone" */
    const char *prefixes;   /* the selectors it accepts besides '*' */
    const char *expect;     /* for the message */
} nb_acl_part;

static const nb_acl_part nb_acl_user_part = { "user", "#@", "#<id>, @<id> or *" };
static const nb_acl_part nb_acl_res_part = { "resource", "#@%", "#<id>, @<id>, %<id> or *" };
static const nb_acl_part nb_acl_zone_part = { "zone", "#", "#<id> or *" };

static uint64_t nb_acl_prefix_selector(char c)
{
    switch (c) {
    case '#': return NB_ACL_INDIVIDUAL;
    case '@': return NB_ACL_GROUP;
    case '%': return NB_ACL_CLUSTER;
    }
    return 0;
}

/* Selector and id of one component, as the low 36 bits of its word. */
static int nb_acl_id_span(nb_acl_span t, const nb_acl_part *part, uint64_t *out, char **err)
{
    uint64_t id = 0;

    if (t.n == 1 && t.p[0] == '*') {
        *out = NB_ACL_ALL;
        return 0;
    }
    if (t.n < 2 || !strchr(part->prefixes, t.p[0]))
        goto bad;
    for (size_t i = 1; i < t.n; i++) {
        if (t.p[i] < '0' || t.p[i] > '9')
            goto bad;
        id = id * 10 + (uint64_t)(t.p[i] - '0');
        if (id > INT32_MAX)
            return nb_acl_fail(err, "[%s] ID in '%.*s' is larger than %d", part->name,
                               nb_acl_quote_len(t), t.p, INT32_MAX);
    }
    *out = nb_acl_prefix_selector(t.p[0]) | id;
    return 0;
 bad:
    return nb_acl_fail(err, "[%s] '%.*s' is not %s", part->name, nb_acl_quote_len(t), t.p,
                       part->expect);
}

static uint64_t nb_acl_type_by_name(nb_acl_span name)
{
    for (int i = NB_ACL_TYPE_FIRST_BIT; i < 64; i++) {
        const char *n = nb_acl_type_name(1ULL << i);
        if (n && nb_acl_span_is(name, n))
            return 1ULL << i;
    }
    return 0;
}

/* "TYPE+TYPE/#id" */
static int nb_acl_resource_span(nb_acl_span t, uint64_t *out, char **err)
{
    nb_acl_span types, name;
    uint64_t bits = 0, sel;

    if (!memchr(t.p, '/', t.n))
        return nb_acl_fail(err, "[resource] '%.*s' is not TYPE[+TYPE...]/ID",
                           nb_acl_quote_len(t), t.p);
    nb_acl_next(&t, '/', &types);
    while (nb_acl_next(&types, '+', &name)) {
        uint64_t bit = nb_acl_type_by_name(name);
        if (!bit)
            return nb_acl_fail(err, "[resource] unknown type '%.*s'", nb_acl_quote_len(name),
                               name.p);
        bits |= bit;
    }
    if (nb_acl_id_span(t, &nb_acl_res_part, &sel, err) < 0)
        return -1;
    *out = bits | sel;
    return 0;
}

static bool nb_acl_blank(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

int nb_acl_rule_parse(const char *s, int default_zone, nb_acl_rule *out, char **err)
{
    nb_acl_span tok[4];
    size_t ntok = 0;
    uint64_t rights;
    nb_acl_span bad;

    /* Components are separated by runs of blanks, as the Ruby client's
     * split(" ") does. */
    for (const char *p = s; *p;) {
        if (nb_acl_blank(*p)) {
            p++;
            continue;
        }
        if (ntok == NB_ARRAY_SIZE(tok))
            return nb_acl_fail(err, "a rule has at most 4 components: USER RESOURCES RIGHTS [ZONE]");
        tok[ntok].p = p;
        while (*p && !nb_acl_blank(*p))
            p++;
        tok[ntok].n = (size_t)(p - tok[ntok].p);
        ntok++;
    }
    if (ntok < 3)
        return nb_acl_fail(err, "a rule needs at least 3 components: USER RESOURCES RIGHTS [ZONE]");

    nb_acl_rule r = { .id = -1 };
    if (nb_acl_id_span(tok[0], &nb_acl_user_part, &r.user, err) < 0 ||
        nb_acl_resource_span(tok[1], &r.resource, err) < 0)
        return -1;
    if (nb_acl_rights_span(tok[2], &rights, &bad) < 0)
        return nb_acl_fail(err, "[rights] unknown right '%.*s'", nb_acl_quote_len(bad), bad.p);
    if (rights == 0)
        return nb_acl_fail(err, "[rights] no right given");
    r.rights = rights;
    if (ntok == 4) {
        if (nb_acl_id_span(tok[3], &nb_acl_zone_part, &r.zone, err) < 0)
            return -1;
    } else {
        r.zone = NB_ACL_INDIVIDUAL | (uint32_t)default_zone;
    }
    *out = r;
    return 0;
}

/* snprintf into a fixed buffer, counting what it would need. */
typedef struct nb_acl_out {
    char *buf;
    size_t len;
    size_t need;
} nb_acl_out;

static void nb_acl_put(nb_acl_out *o, const char *fmt, ...) NB_PRINTF(2, 3);
static void nb_acl_put(nb_acl_out *o, const char *fmt, ...)
{
    va_list ap;
    size_t room = o->need < o->len ? o->len - o->need : 0;
    va_start(ap, fmt);
    int n = vsnprintf(room ? o->buf + o->need : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->need += (size_t)n;
}

/* "@id", "#id", "%id" or "*", first match in oned's order; "??" when none
 * is set.  The id prints as the signed int oned shows. */
static void nb_acl_put_id(nb_acl_out *o, uint64_t w)
{
    static const struct { uint64_t sel; char c; } order[] = {
        { NB_ACL_GROUP, '@' }, { NB_ACL_INDIVIDUAL, '#' }, { NB_ACL_CLUSTER, '%' },
    };
    for (size_t i = 0; i < NB_ARRAY_SIZE(order); i++)
        if (w & order[i].sel) {
            nb_acl_put(o, "%c%d", order[i].c, (int)(uint32_t)(w & NB_ACL_ID_MASK));
            return;
        }
    nb_acl_put(o, "%s", (w & NB_ACL_ALL) ? "*" : "??");
}

size_t nb_acl_rule_format(const nb_acl_rule *r, char *buf, size_t len)
{
    nb_acl_out o = { buf, len, 0 };
    const char *sep = "";

    if (len)
        buf[0] = '\0';
    /* oned looks for @ # * in a user word and # * in a zone word only. */
    nb_acl_put_id(&o, r->user & ~NB_ACL_CLUSTER);
    nb_acl_put(&o, " ");
    for (int i = NB_ACL_TYPE_FIRST_BIT; i < 64; i++) {
        const char *name = nb_acl_type_name(1ULL << i);
        if (name && (r->resource & (1ULL << i))) {
            nb_acl_put(&o, "%s%s", sep, name);
            sep = "+";
        }
    }
    nb_acl_put(&o, "/");
    nb_acl_put_id(&o, r->resource);
    nb_acl_put(&o, " ");
    sep = "";
    for (size_t i = 0; i < NB_ARRAY_SIZE(nb_acl_ops); i++)
        if (r->rights & nb_acl_ops[i]) {
            nb_acl_put(&o, "%s%s", sep, nb_op_name(nb_acl_ops[i]));
            sep = "+";
        }
    nb_acl_put(&o, " ");
    nb_acl_put_id(&o, r->zone & ~(NB_ACL_GROUP | NB_ACL_CLUSTER));
    return o.need;
}

/* ---- validation ----------------------------------------------------------- */

/* HOOK rules are refused as OpenNebula does ("wrong [resource] type"). */
#define NB_ACL_KNOWN_TYPES (NB_ACL_VM | NB_ACL_HOST | NB_ACL_NET | NB_ACL_IMAGE | NB_ACL_USER | \
    NB_ACL_TEMPLATE | NB_ACL_GROUP_T | NB_ACL_ACL | NB_ACL_DATASTORE | NB_ACL_CLUSTER_T | \
    NB_ACL_DOCUMENT | NB_ACL_ZONE | NB_ACL_SECGROUP | NB_ACL_VDC | NB_ACL_VROUTER | \
    NB_ACL_MARKETPLACE | NB_ACL_MARKETPLACEAPP | NB_ACL_VMGROUP | NB_ACL_VNTEMPLATE | \
    NB_ACL_BACKUPJOB)
#define NB_ACL_CLUSTER_TYPES (NB_ACL_HOST | NB_ACL_NET | NB_ACL_DATASTORE)
#define NB_ACL_NO_GROUP_TYPES (NB_ACL_HOST | NB_ACL_GROUP_T | NB_ACL_CLUSTER_T | NB_ACL_ZONE | \
    NB_ACL_VDC)
/* Objects shared by every zone of a federation. */
#define NB_ACL_FEDERATED_TYPES (NB_ACL_USER | NB_ACL_GROUP_T | NB_ACL_ZONE | NB_ACL_ACL | NB_ACL_VDC)

static void nb_acl_problem(nb_buf *b, const char *fmt, ...) NB_PRINTF(2, 3);
static void nb_acl_problem(nb_buf *b, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = nb_vasprintf(fmt, ap);
    va_end(ap);
    if (b->len)
        nb_buf_adds(b, "; ");
    nb_buf_adds(b, msg);
    free(msg);
}

/*
 * The checks every selector-and-id word gets: exactly one of the selectors
 * in `allowed` (others are reported as unsupported), a non-negative id, id 0
 * under ALL and, unless the bits above are resource types, nothing else.
 */
static void nb_acl_check_word(nb_buf *b, const char *what, uint64_t w, uint64_t allowed,
                              const char *names, bool typed)
{
    static const struct { uint64_t sel; const char *name; } sels[] = {
        { NB_ACL_INDIVIDUAL, "INDIVIDUAL (#)" }, { NB_ACL_GROUP, "GROUP (@)" },
        { NB_ACL_ALL, "ALL (*)" }, { NB_ACL_CLUSTER, "CLUSTER (%)" },
    };
    const uint64_t selid = NB_ACL_SEL_MASK | NB_ACL_ID_MASK;
    uint64_t sel = w & NB_ACL_SEL_MASK;
    uint32_t id = (uint32_t)(w & NB_ACL_ID_MASK);
    unsigned nsel = (unsigned)__builtin_popcountll(sel & allowed);

    for (size_t i = 0; i < NB_ARRAY_SIZE(sels); i++)
        if ((sel & sels[i].sel) && !(allowed & sels[i].sel))
            nb_acl_problem(b, "[%s] the %s selector is not supported", what, sels[i].name);
    if (nsel != 1)
        nb_acl_problem(b, "[%s] must have exactly one of the %s selectors (it has %s)", what,
                       names, nsel ? "several" : "none");
    if (id > INT32_MAX)
        nb_acl_problem(b, "[%s] ID cannot be negative", what);
    if ((sel & NB_ACL_ALL) && id != 0)
        nb_acl_problem(b, "[%s] when using the ALL (*) selector, the ID must be 0", what);
    if (!typed && (w & ~selid))
        nb_acl_problem(b, "[%s] bits 0x%llx are neither a selector nor the ID", what,
                       (unsigned long long)(w & ~selid));
}

int nb_acl_rule_validate(const nb_acl_rule *r, char **err)
{
    nb_buf b = NB_BUF_INIT;
    uint64_t types = r->resource & NB_ACL_TYPE_MASK;

    nb_acl_check_word(&b, "user", r->user, NB_ACL_INDIVIDUAL | NB_ACL_GROUP | NB_ACL_ALL,
                      "INDIVIDUAL (#), GROUP (@) or ALL (*)", false);

    nb_acl_check_word(&b, "resource", r->resource, NB_ACL_SEL_MASK,
                      "INDIVIDUAL (#), GROUP (@), CLUSTER (%) or ALL (*)", true);
    if (!types)
        nb_acl_problem(&b, "[resource] type is missing");
    if (types & ~NB_ACL_KNOWN_TYPES)
        nb_acl_problem(&b, "wrong [resource] type: unsupported type bits 0x%llx",
                       (unsigned long long)(types & ~NB_ACL_KNOWN_TYPES));
    if ((r->resource & NB_ACL_CLUSTER) && (types & ~NB_ACL_CLUSTER_TYPES))
        nb_acl_problem(&b, "[resource] the CLUSTER (%%) selector applies only to "
                       "HOST, NET and DATASTORE types");
    if ((r->resource & NB_ACL_GROUP) && (types & NB_ACL_NO_GROUP_TYPES))
        nb_acl_problem(&b, "[resource] the GROUP (@) selector cannot be applied to "
                       "HOST, GROUP, CLUSTER, ZONE or VDC types");

    if (r->rights == 0)
        nb_acl_problem(&b, "wrong [rights], it cannot be 0");
    if (r->rights > 0xF)
        nb_acl_problem(&b, "wrong [rights], it cannot be bigger than 0xF");

    nb_acl_check_word(&b, "zone", r->zone, NB_ACL_INDIVIDUAL | NB_ACL_ALL,
                      "INDIVIDUAL (#) or ALL (*)", false);
    if ((r->zone & NB_ACL_ALL) && (r->resource & NB_ACL_INDIVIDUAL) &&
        (types & ~NB_ACL_FEDERATED_TYPES))
        nb_acl_problem(&b, "[resource] the INDIVIDUAL (#) selector cannot be used with "
                       "ALL (*) zones, except for USER, GROUP, ZONE, ACL and VDC types");

    if (!b.len)
        return 0;
    *err = nb_buf_steal(&b, NULL);
    return -1;
}
