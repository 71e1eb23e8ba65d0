/*
 * expr.c: requirement and rank expressions (see expr.h), compiled by a
 * recursive-descent parser into postfix code that a loop evaluates on a
 * fixed-size stack.  Recursion in the parser is bounded by the nesting
 * limit; evaluation neither recurses nor allocates.
 */
#include "scheduler/expr.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

/* Every '(' , '!' and unary '-' opens a level; a level holds at most two
 * pending operands (a sum's left side and a product's left side). */
#define EXPR_STACK (2 * (NB_EXPR_MAX_DEPTH + 1) + 2)
/* Values of one multi-valued attribute that @> looks at. */
#define EXPR_MAX_VALUES 256

enum op {
    OP_NUM, /* push num */
    OP_VAR, /* push the attribute's first value as a number, 0 if missing */
    OP_CMP, /* push the comparison cmp of the attribute with num or str */
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_NEG,
    OP_AND, OP_OR, OP_NOT,
};

enum cmp { CMP_EQ, CMP_NE, CMP_GT, CMP_LT, CMP_HAS };

struct ins {
    uint8_t op;
    uint8_t cmp;
    bool is_str;   /* OP_CMP: compare with str (a glob), not num */
    uint32_t name; /* OP_VAR, OP_CMP: index into names */
    double num;
    const char *str; /* into the program's own string copies */
};

struct nb_expr {
    enum nb_expr_kind kind;
    struct ins *code;
    size_t ncode;
    char **names;
    size_t nnames;
    char **strs;
    size_t nstrs;
};

enum tok {
    T_END, T_WORD, T_QUOTED, T_NUM,
    T_EQ, T_NE, T_GT, T_LT, T_HAS,
    T_AND, T_OR, T_NOT, T_LPAR, T_RPAR,
    T_PLUS, T_MINUS, T_STAR, T_SLASH,
};

struct parser {
    const char *text;
    enum nb_expr_kind kind;
    size_t pos;      /* where the next token starts scanning */
    enum tok tok;    /* the current token */
    size_t tstart;   /* its offset in text */
    size_t tlen;
    double tnum;
    int depth;
    int sp, maxsp;   /* simulated evaluation stack */
    size_t cap, ncap, scap;
    nb_expr *e;
    char *err;
};

static int fail(struct parser *p, size_t at, const char *fmt, ...) NB_PRINTF(3, 4);
static int fail(struct parser *p, size_t at, const char *fmt, ...)
{
    va_list ap;
    char *what;

    if (p->err)
        return -1;
    va_start(ap, fmt);
    what = nb_vasprintf(fmt, ap);
    va_end(ap);
    p->err = nb_asprintf("syntax error at column %zu: %s", at + 1, what ? what : "out of memory");
    free(what);
    return -1;
}

/* How the current token reads in a message. */
static const char *found(const struct parser *p, char *buf, size_t n)
{
    if (p->tok == T_END)
        return "the end of the text";
    snprintf(buf, n, "'%.*s'", (int)(p->tlen > 32 ? 32 : p->tlen), p->text + p->tstart);
    return buf;
}

static bool is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int lex(struct parser *p)
{
    const char *s = p->text;
    size_t i = p->pos;

    while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
        i++;
    p->tstart = i;
    char c = s[i];
    /* A sign belongs to a requirement's number; in a rank it is an operator. */
    bool signed_num = c == '-' && p->kind == NB_EXPR_REQUIREMENT && is_digit(s[i + 1]);
    if (c == '\0') {
        p->tok = T_END;
    } else if (is_alpha(c)) {
        while (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '_')
            i++;
        p->tok = T_WORD;
        p->tlen = i - p->tstart;
        p->pos = i;
        return 0;
    } else if (c == '"') {
        const char *q = strchr(s + i + 1, '"');
        if (!q)
            return fail(p, i, "the quoted text is not closed");
        p->tok = T_QUOTED;
        p->tlen = (size_t)(q - (s + i)) + 1;
        p->pos = i + p->tlen;
        return 0;
    } else if (is_digit(c) || signed_num) {
        size_t j = i + 1;
        while (is_digit(s[j]))
            j++;
        if (s[j] == '.' && is_digit(s[j + 1]))
            for (j++; is_digit(s[j]); j++)
                ;
        p->tok = T_NUM;
        p->tnum = strtod(s + i, NULL);
        p->tlen = j - i;
        p->pos = j;
        return 0;
    } else if ((c == '>' || c == '<') && s[i + 1] == '=') {
        return fail(p, i, "there is no '%c=' operator: write (A %c N | A = N)", c, c);
    } else if (c == '!' && s[i + 1] == '=') {
        p->tok = T_NE;
        i++;
    } else if (c == '@' && s[i + 1] == '>') {
        p->tok = T_HAS;
        i++;
    } else {
        static const char ops[] = "=><&|!()+-*/";
        static const enum tok toks[] = { T_EQ, T_GT, T_LT, T_AND, T_OR, T_NOT, T_LPAR, T_RPAR,
                                         T_PLUS, T_MINUS, T_STAR, T_SLASH };
        const char *o = strchr(ops, c);
        if (!o)
            return fail(p, i, "unexpected character '%c'", c);
        p->tok = toks[o - ops];
    }
    p->pos = i + (c != '\0');
    p->tlen = p->pos - p->tstart;
    return 0;
}

/* Grow *arr (of *cap elements of size sz) to hold n + 1. */
static int reserve(void **arr, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 8;
    void *a = realloc(*arr, ncap * sz);
    if (!a)
        return -1;
    *arr = a;
    *cap = ncap;
    return 0;
}

static int emit(struct parser *p, struct ins in)
{
    static const int8_t effect[] = {
        [OP_NUM] = 1, [OP_VAR] = 1, [OP_CMP] = 1, [OP_ADD] = -1, [OP_SUB] = -1, [OP_MUL] = -1,
        [OP_DIV] = -1, [OP_NEG] = 0, [OP_AND] = -1, [OP_OR] = -1, [OP_NOT] = 0,
    };
    if (reserve((void **)&p->e->code, &p->cap, p->e->ncode, sizeof(struct ins)) != 0)
        return fail(p, p->tstart, "out of memory");
    p->e->code[p->e->ncode++] = in;
    p->sp += effect[in.op];
    if (p->sp > p->maxsp)
        p->maxsp = p->sp;
    /* Cannot happen within the depth limit; kept as the evaluator's guard. */
    if (p->maxsp > EXPR_STACK)
        return fail(p, p->tstart, "nested deeper than %d levels", NB_EXPR_MAX_DEPTH);
    return 0;
}

/* The current token's text without quotes, as a fresh string. */
static char *token_text(const struct parser *p)
{
    if (p->tok == T_QUOTED)
        return nb_strndup(p->text + p->tstart + 1, p->tlen - 2);
    return nb_strndup(p->text + p->tstart, p->tlen);
}

/* Index of the current token's name, interned. */
static int intern(struct parser *p, uint32_t *idx)
{
    nb_expr *e = p->e;
    char *name = token_text(p);
    if (!name)
        return fail(p, p->tstart, "out of memory");
    for (size_t i = 0; i < e->nnames; i++)
        if (strcmp(e->names[i], name) == 0) {
            free(name);
            *idx = (uint32_t)i;
            return 0;
        }
    if (reserve((void **)&e->names, &p->ncap, e->nnames, sizeof(char *)) != 0) {
        free(name);
        return fail(p, p->tstart, "out of memory");
    }
    *idx = (uint32_t)e->nnames;
    e->names[e->nnames++] = name;
    return 0;
}

static int keep_string(struct parser *p, const char **out)
{
    nb_expr *e = p->e;
    char *s = token_text(p);
    if (!s || reserve((void **)&e->strs, &p->scap, e->nstrs, sizeof(char *)) != 0) {
        free(s);
        return fail(p, p->tstart, "out of memory");
    }
    e->strs[e->nstrs++] = s;
    *out = s;
    return 0;
}

static int enter(struct parser *p)
{
    if (++p->depth > NB_EXPR_MAX_DEPTH)
        return fail(p, p->tstart, "nested deeper than %d levels", NB_EXPR_MAX_DEPTH);
    return 0;
}

/* ---- requirements ---------------------------------------------------- */

static int req_expr(struct parser *p);

typedef int (*rule_fn)(struct parser *p);

/* A prefix operator (requirement '!', rank '-') and its operand, one
 * nesting level deeper. */
static int prefix(struct parser *p, rule_fn operand, enum op op)
{
    if (enter(p) != 0 || lex(p) != 0 || operand(p) != 0)
        return -1;
    p->depth--;
    return emit(p, (struct ins){ .op = op });
}

/* operand { (t1 | t2) operand }, left to right: t1 emits o1, t2 o2. */
static int binary(struct parser *p, rule_fn operand, enum tok t1, enum op o1, enum tok t2,
                  enum op o2)
{
    if (operand(p) != 0)
        return -1;
    while (p->tok == t1 || p->tok == t2) {
        enum op op = p->tok == t1 ? o1 : o2;
        if (lex(p) != 0 || operand(p) != 0 || emit(p, (struct ins){ .op = op }) != 0)
            return -1;
    }
    return 0;
}

/* '(' inner ')', one nesting level deeper. */
static int group(struct parser *p, rule_fn inner)
{
    size_t open = p->tstart;
    char b[48];

    if (enter(p) != 0 || lex(p) != 0 || inner(p) != 0)
        return -1;
    if (p->tok != T_RPAR)
        return fail(p, p->tstart, "expected ')' to close the '(' at column %zu, found %s",
                    open + 1, found(p, b, sizeof(b)));
    p->depth--;
    return lex(p);
}

/* VAR op value */
static int req_compare(struct parser *p)
{
    static const char *const opname[] = {
        [T_EQ] = "=", [T_NE] = "!=", [T_GT] = ">", [T_LT] = "<", [T_HAS] = "@>",
    };
    struct ins in = { .op = OP_CMP };
    char b[48];

    if (intern(p, &in.name) != 0 || lex(p) != 0)
        return -1;
    enum tok op = p->tok;
    switch (op) {
    case T_EQ: in.cmp = CMP_EQ; break;
    case T_NE: in.cmp = CMP_NE; break;
    case T_GT: in.cmp = CMP_GT; break;
    case T_LT: in.cmp = CMP_LT; break;
    case T_HAS: in.cmp = CMP_HAS; break;
    case T_NOT: /* OpenNebula's != is two tokens: "A ! = 1" is valid there */
        if (lex(p) != 0)
            return -1;
        if (p->tok != T_EQ)
            return fail(p, p->tstart, "expected '=' after '!', found %s", found(p, b, sizeof(b)));
        op = T_NE;
        in.cmp = CMP_NE;
        break;
    default:
        return fail(p, p->tstart, "expected =, !=, >, < or @> after '%s', found %s",
                    p->e->names[in.name], found(p, b, sizeof(b)));
    }
    if (lex(p) != 0)
        return -1;
    if (p->tok == T_NUM) {
        in.num = p->tnum;
    } else if ((p->tok == T_WORD || p->tok == T_QUOTED) && (op == T_EQ || op == T_NE || op == T_HAS)) {
        in.is_str = true;
        if (keep_string(p, &in.str) != 0)
            return -1;
    } else if (op == T_GT || op == T_LT) {
        return fail(p, p->tstart, "expected a number after '%s', found %s", opname[op],
                    found(p, b, sizeof(b)));
    } else {
        return fail(p, p->tstart, "expected a value after '%s', found %s", opname[op],
                    found(p, b, sizeof(b)));
    }
    if (emit(p, in) != 0)
        return -1;
    return lex(p);
}

/* '!' operand | '(' expr ')' | comparison */
static int req_operand(struct parser *p)
{
    char b[48];

    if (p->tok == T_NOT)
        return prefix(p, req_operand, OP_NOT);
    if (p->tok == T_LPAR)
        return group(p, req_expr);
    if (p->tok == T_WORD || p->tok == T_QUOTED)
        return req_compare(p);
    return fail(p, p->tstart, "expected an attribute name, '!' or '(', found %s",
                found(p, b, sizeof(b)));
}

/* operand { (& | |) operand }: one precedence level, left to right. */
static int req_expr(struct parser *p)
{
    return binary(p, req_operand, T_AND, OP_AND, T_OR, OP_OR);
}

/* ---- ranks ----------------------------------------------------------- */

static int rank_sum(struct parser *p);

/* '-' factor | '(' sum ')' | NUM | VAR */
static int rank_factor(struct parser *p)
{
    char b[48];
    struct ins in = { .op = OP_NUM };

    if (p->tok == T_MINUS)
        return prefix(p, rank_factor, OP_NEG);
    if (p->tok == T_LPAR)
        return group(p, rank_sum);
    if (p->tok == T_NUM) {
        in.num = p->tnum;
    } else if (p->tok == T_WORD || p->tok == T_QUOTED) {
        in.op = OP_VAR;
        if (intern(p, &in.name) != 0)
            return -1;
    } else {
        return fail(p, p->tstart, "expected a number, an attribute name, '-' or '(', found %s",
                    found(p, b, sizeof(b)));
    }
    if (emit(p, in) != 0)
        return -1;
    return lex(p);
}

static int rank_product(struct parser *p)
{
    return binary(p, rank_factor, T_STAR, OP_MUL, T_SLASH, OP_DIV);
}

static int rank_sum(struct parser *p)
{
    return binary(p, rank_product, T_PLUS, OP_ADD, T_MINUS, OP_SUB);
}

/* ---- compile --------------------------------------------------------- */

nb_expr *nb_expr_compile(const char *text, enum nb_expr_kind kind, char **err)
{
    struct parser p = { .text = text ? text : "", .kind = kind };
    char b[48];
    int rc = -1;

    *err = NULL;
    p.e = calloc(1, sizeof(*p.e));
    if (!p.e) {
        *err = nb_strdup("out of memory");
        return NULL;
    }
    p.e->kind = kind;
    if (strlen(p.text) > NB_EXPR_MAX_TEXT) {
        *err = nb_asprintf("the expression is longer than %d characters", NB_EXPR_MAX_TEXT);
        goto cleanup;
    }
    if (lex(&p) != 0)
        goto cleanup;
    if (p.tok != T_END) { /* empty text: no code, true or 0 */
        if ((kind == NB_EXPR_RANK ? rank_sum(&p) : req_expr(&p)) != 0)
            goto cleanup;
        if (p.tok != T_END) {
            fail(&p, p.tstart, "expected %s or the end, found %s",
                 kind == NB_EXPR_RANK ? "an operator (+ - * /)" : "'&' or '|'", found(&p, b, sizeof(b)));
            goto cleanup;
        }
    }
    rc = 0;

cleanup:
    if (rc != 0) {
        if (!*err)
            *err = p.err;
        else
            free(p.err);
        nb_expr_free(p.e);
        return NULL;
    }
    return p.e;
}

void nb_expr_free(nb_expr *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->nnames; i++)
        free(e->names[i]);
    for (size_t i = 0; i < e->nstrs; i++)
        free(e->strs[i]);
    free(e->names);
    free(e->strs);
    free(e->code);
    free(e);
}

size_t nb_expr_names(const nb_expr *e, const char *const **names)
{
    *names = (const char *const *)e->names;
    return e->nnames;
}

/* ---- evaluation ------------------------------------------------------ */

/* A whole value read as a number; false for text such as "kvm". */
static bool as_number(const char *s, double *out)
{
    char *end;
    if (!s || !*s)
        return false;
    *out = strtod(s, &end);
    while (*end == ' ')
        end++;
    return end != s && *end == '\0';
}

static bool compare(const struct ins *in, const char *name, nb_expr_lookup lookup, void *ctx)
{
    const char *vals[EXPR_MAX_VALUES];
    size_t n = lookup(ctx, name, vals, in->cmp == CMP_HAS ? EXPR_MAX_VALUES : 1);
    double v;

    if (n > EXPR_MAX_VALUES)
        n = EXPR_MAX_VALUES;
    if (n == 0 || (in->is_str && in->str[0] == '\0')) /* "" never matches, as in OpenNebula */
        return false;
    if (in->cmp == CMP_HAS) {
        for (size_t i = 0; i < n; i++)
            if (in->is_str ? fnmatch(in->str, vals[i], 0) == 0
                           : as_number(vals[i], &v) && v == in->num)
                return true;
        return false;
    }
    if (in->is_str)
        return (fnmatch(in->str, vals[0], 0) == 0) == (in->cmp == CMP_EQ);
    if (!as_number(vals[0], &v))
        return false;
    switch (in->cmp) {
    case CMP_EQ: return v == in->num;
    case CMP_NE: return v != in->num;
    case CMP_GT: return v > in->num;
    default: return v < in->num;
    }
}

bool nb_expr_match(const nb_expr *e, nb_expr_lookup lookup, void *ctx)
{
    bool st[EXPR_STACK];
    int sp = 0;

    if (e->kind != NB_EXPR_REQUIREMENT)
        return false;
    if (e->ncode == 0)
        return true;
    for (size_t i = 0; i < e->ncode; i++) {
        const struct ins *in = &e->code[i];
        switch (in->op) {
        case OP_CMP: st[sp++] = compare(in, e->names[in->name], lookup, ctx); break;
        case OP_AND: sp--; st[sp - 1] = st[sp - 1] && st[sp]; break;
        case OP_OR: sp--; st[sp - 1] = st[sp - 1] || st[sp]; break;
        case OP_NOT: st[sp - 1] = !st[sp - 1]; break;
        default: return false; /* not a requirement's instruction */
        }
    }
    return st[0];
}

double nb_expr_rank(const nb_expr *e, nb_expr_lookup lookup, void *ctx)
{
    double st[EXPR_STACK];
    int sp = 0;

    if (e->kind != NB_EXPR_RANK || e->ncode == 0)
        return 0;
    for (size_t i = 0; i < e->ncode; i++) {
        const struct ins *in = &e->code[i];
        const char *val;
        double v;
        switch (in->op) {
        case OP_NUM: st[sp++] = in->num; break;
        case OP_VAR:
            st[sp++] = lookup(ctx, e->names[in->name], &val, 1) > 0 && as_number(val, &v) ? v : 0;
            break;
        case OP_ADD: sp--; st[sp - 1] += st[sp]; break;
        case OP_SUB: sp--; st[sp - 1] -= st[sp]; break;
        case OP_MUL: sp--; st[sp - 1] *= st[sp]; break;
        case OP_DIV: sp--; st[sp - 1] = st[sp] == 0 ? 0 : st[sp - 1] / st[sp]; break;
        case OP_NEG: st[sp - 1] = -st[sp - 1]; break;
        default: return 0; /* not a rank's instruction */
        }
    }
    return st[0];
}
