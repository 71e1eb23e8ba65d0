/*
 * test_expr.c: requirement and rank expressions (reference §9.4) against
 * a fixed host: every operator, OpenNebula's flat precedence, globs, @> on
 * multi-valued attributes, missing attributes, rank arithmetic, and every
 * syntax error with its message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "scheduler/expr.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct attr {
    const char *name;
    const char *vals[4];
};

static const struct attr host[] = {
    { "HYPERVISOR", { "kvm" } },
    { "NAME", { "node07" } },
    { "FREE_CPU", { "400" } },
    { "RUNNING_VMS", { "3" } },
    { "CPUSPEED", { "2400.5" } },
    { "CLUSTER_ID", { "100" } },
    { "PIN_POLICY", { "NONE" } },
    { "CLUSTERS/ID", { "0", "100", "101" } },
    { "TAGS", { "ssd", "gpu-a100" } },
    { "EMPTY", { "" } },
};

static size_t lookup(void *ctx, const char *name, const char **vals, size_t max)
{
    (void)ctx;
    for (size_t i = 0; i < N(host); i++) {
        if (strcmp(host[i].name, name) != 0)
            continue;
        size_t n = 0;
        while (n < N(host[i].vals) && host[i].vals[n])
            n++;
        for (size_t j = 0; j < n && j < max; j++)
            vals[j] = host[i].vals[j];
        return n;
    }
    return 0;
}

static bool match(const char *text)
{
    char *err = NULL;
    nb_expr *e = nb_expr_compile(text, NB_EXPR_REQUIREMENT, &err);
    if (!e)
        fail_msg("%s: %s", text, err);
    bool r = nb_expr_match(e, lookup, NULL);
    nb_expr_free(e);
    return r;
}

static void test_requirements(void **state)
{
    static const struct {
        const char *text;
        bool want;
    } rows[] = {
        { "", true },
        { "   ", true },
        /* numbers */
        { "FREE_CPU = 400", true }, { "FREE_CPU = 401", false },
        { "FREE_CPU != 401", true }, { "FREE_CPU != 400", false },
        { "FREE_CPU > 200", true }, { "FREE_CPU > 400", false },
        { "FREE_CPU < 401", true }, { "FREE_CPU < 400", false },
        { "FREE_CPU > -1", true }, { "FREE_CPU=400", true },
        { "CPUSPEED > 2400.4", true }, { "CPUSPEED = 2400.5", true }, { "CPUSPEED < 2400", false },
        { "FREE_CPU = 400.0", true },
        /* strings: a bare word is a string, = and != are globs */
        { "HYPERVISOR = kvm", true }, { "HYPERVISOR = \"kvm\"", true }, { "HYPERVISOR = xen", false },
        { "HYPERVISOR != xen", true }, { "HYPERVISOR != kvm", false },
        { "NAME = \"node*\"", true }, { "NAME = \"node0?\"", true }, { "NAME = \"node[0-5]7\"", true },
        { "NAME = \"web*\"", false }, { "NAME != \"web*\"", true }, { "NAME != \"node*\"", false },
        { "NAME = node", false }, { "HYPERVISOR = KVM", false },
        /* a number against text, and "" (a null string in OpenNebula), never match */
        { "HYPERVISOR = 1", false }, { "HYPERVISOR != 1", false },
        { "NAME = \"\"", false }, { "NAME != \"\"", false }, { "EMPTY = \"\"", false },
        /* @> on multi-valued attributes, numbers and globs */
        { "\"CLUSTERS/ID\" @> 100", true }, { "\"CLUSTERS/ID\" @> 101", true },
        { "\"CLUSTERS/ID\" @> 102", false }, { "\"CLUSTERS/ID\" = 0", true },
        { "\"CLUSTERS/ID\" = 100", false }, { "TAGS @> \"gpu-*\"", true }, { "TAGS @> ssd", true },
        { "TAGS @> hdd", false }, { "CLUSTER_ID @> 100", true },
        /* missing attributes: every comparison false, != included */
        { "MISSING = 1", false }, { "MISSING != 1", false }, { "MISSING != foo", false },
        { "MISSING > -5", false }, { "MISSING < 5", false }, { "MISSING @> 1", false },
        { "!(MISSING = 1)", true },
        /* &, |, ! */
        { "HYPERVISOR = kvm & FREE_CPU > 200", true }, { "HYPERVISOR = kvm & FREE_CPU > 500", false },
        { "HYPERVISOR = xen | FREE_CPU > 200", true }, { "HYPERVISOR = xen | FREE_CPU > 500", false },
        { "!(PIN_POLICY = PINNED)", true }, { "!PIN_POLICY = NONE", false }, { "!!(ID = 1)", false },
        { "(CLUSTER_ID = 100) | (CLUSTER_ID = 101)", true },
        /* equal precedence, left to right: (A | B) & C */
        { "FREE_CPU = 400 | NAME = x & CLUSTER_ID = 1", false },
        { "FREE_CPU = 400 | (NAME = x & CLUSTER_ID = 1)", true },
        { "CLUSTER_ID = 1 & NAME = x | FREE_CPU = 400", true },
        /* ! takes the next operand only: (!A) & B */
        { "!CLUSTER_ID = 1 & FREE_CPU = 400", true },
        { "!(CLUSTER_ID = 1 | FREE_CPU = 400)", false },
        /* quoted names, whitespace */
        { "HYPERVISOR ! = xen", true }, { "FREE_CPU ! = 400", false },
        { "\"NAME\" = node07", true }, { "\tHYPERVISOR\n=\r\"kvm\" ", true },
    };
    for (size_t i = 0; i < N(rows); i++)
        if (match(rows[i].text) != rows[i].want)
            fail_msg("%s: expected %s", rows[i].text, rows[i].want ? "true" : "false");
}

static void test_ranks(void **state)
{
    static const struct {
        const char *text;
        double want;
    } rows[] = {
        { "", 0 }, { "7", 7 }, { "2.5", 2.5 }, { "FREE_CPU", 400 }, { "CPUSPEED", 2400.5 },
        { "MISSING", 0 }, { "HYPERVISOR", 0 }, { "\"CLUSTERS/ID\"", 0 },
        { "FREE_CPU * 2 - RUNNING_VMS", 797 }, { "1 + 2 * 3", 7 }, { "(1 + 2) * 3", 9 },
        { "10 - 4 - 3", 3 }, { "24 / 4 / 2", 3 }, { "10 - 2 * 3 + 1", 5 },
        { "-FREE_CPU", -400 }, { "- -3", 3 }, { "-(1 + 2) * 2", -6 }, { "2 * -3", -6 },
        { "1 - -1", 2 }, { "7 / 2", 3.5 }, { "FREE_CPU / 0", 0 }, { "1 + FREE_CPU / MISSING", 1 },
        { "MISSING * 5 + 1", 1 }, { "((((FREE_CPU))))", 400 },
    };
    for (size_t i = 0; i < N(rows); i++) {
        char *err = NULL;
        nb_expr *e = nb_expr_compile(rows[i].text, NB_EXPR_RANK, &err);
        if (!e)
            fail_msg("%s: %s", rows[i].text, err);
        double got = nb_expr_rank(e, lookup, NULL);
        nb_expr_free(e);
        if (got != rows[i].want)
            fail_msg("%s: %g, expected %g", rows[i].text, got, rows[i].want);
    }
}

static void test_errors(void **state)
{
    static const struct {
        enum nb_expr_kind kind;
        const char *text;
        const char *err;
    } rows[] = {
        { NB_EXPR_REQUIREMENT, "CPU >= 2", "syntax error at column 5: there is no '>=' operator: write (A > N | A = N)" },
        { NB_EXPR_REQUIREMENT, "CPU <= 2", "syntax error at column 5: there is no '<=' operator: write (A < N | A = N)" },
        { NB_EXPR_REQUIREMENT, "FREE_CPU >", "syntax error at column 11: expected a number after '>', found the end of the text" },
        { NB_EXPR_REQUIREMENT, "FREE_CPU < kvm", "syntax error at column 12: expected a number after '<', found 'kvm'" },
        { NB_EXPR_REQUIREMENT, "NAME = ", "syntax error at column 8: expected a value after '=', found the end of the text" },
        { NB_EXPR_REQUIREMENT, "NAME != (", "syntax error at column 9: expected a value after '!=', found '('" },
        { NB_EXPR_REQUIREMENT, "TAGS @>", "syntax error at column 8: expected a value after '@>', found the end of the text" },
        { NB_EXPR_REQUIREMENT, "NAME", "syntax error at column 5: expected =, !=, >, < or @> after 'NAME', found the end of the text" },
        { NB_EXPR_REQUIREMENT, "NAME ! kvm", "syntax error at column 8: expected '=' after '!', found 'kvm'" },
        { NB_EXPR_REQUIREMENT, "NAME kvm", "syntax error at column 6: expected =, !=, >, < or @> after 'NAME', found 'kvm'" },
        { NB_EXPR_REQUIREMENT, "A = 1 &", "syntax error at column 8: expected an attribute name, '!' or '(', found the end of the text" },
        { NB_EXPR_REQUIREMENT, "& A = 1", "syntax error at column 1: expected an attribute name, '!' or '(', found '&'" },
        { NB_EXPR_REQUIREMENT, "5 = A", "syntax error at column 1: expected an attribute name, '!' or '(', found '5'" },
        { NB_EXPR_REQUIREMENT, "(A = 1", "syntax error at column 7: expected ')' to close the '(' at column 1, found the end of the text" },
        { NB_EXPR_REQUIREMENT, "A = 1)", "syntax error at column 6: expected '&' or '|' or the end, found ')'" },
        { NB_EXPR_REQUIREMENT, "A = 1 B = 2", "syntax error at column 7: expected '&' or '|' or the end, found 'B'" },
        { NB_EXPR_REQUIREMENT, "A = 1 && B = 2", "syntax error at column 8: expected an attribute name, '!' or '(', found '&'" },
        { NB_EXPR_REQUIREMENT, "A == 1", "syntax error at column 4: expected a value after '=', found '='" },
        { NB_EXPR_REQUIREMENT, "NAME = \"node*", "syntax error at column 8: the quoted text is not closed" },
        { NB_EXPR_REQUIREMENT, "A = 1.", "syntax error at column 6: unexpected character '.'" },
        { NB_EXPR_REQUIREMENT, "A = 'x'", "syntax error at column 5: unexpected character '''" },
        { NB_EXPR_REQUIREMENT, "A = 1 + 2", "syntax error at column 7: expected '&' or '|' or the end, found '+'" },
        { NB_EXPR_REQUIREMENT, "A = - 1", "syntax error at column 5: expected a value after '=', found '-'" },
        { NB_EXPR_RANK, "FREE_CPU *", "syntax error at column 11: expected a number, an attribute name, '-' or '(', found the end of the text" },
        { NB_EXPR_RANK, "FREE_CPU RUNNING_VMS", "syntax error at column 10: expected an operator (+ - * /) or the end, found 'RUNNING_VMS'" },
        { NB_EXPR_RANK, "(1 + 2", "syntax error at column 7: expected ')' to close the '(' at column 1, found the end of the text" },
        { NB_EXPR_RANK, "A = 1", "syntax error at column 3: expected an operator (+ - * /) or the end, found '='" },
        { NB_EXPR_RANK, "1 + * 2", "syntax error at column 5: expected a number, an attribute name, '-' or '(', found '*'" },
        { NB_EXPR_RANK, "2 % 3", "syntax error at column 3: unexpected character '%'" },
    };
    for (size_t i = 0; i < N(rows); i++) {
        char *err = NULL;
        nb_expr *e = nb_expr_compile(rows[i].text, rows[i].kind, &err);
        if (e)
            fail_msg("%s: compiled", rows[i].text);
        if (!err || strcmp(err, rows[i].err) != 0)
            fail_msg("%s:\n  got      %s\n  expected %s", rows[i].text, err ? err : "(null)", rows[i].err);
        free(err);
    }
}

/* Nesting up to the limit compiles and evaluates; one more level, or a
 * text over the length limit, is refused. */
static void test_limits(void **state)
{
    char text[NB_EXPR_MAX_TEXT + 2];
    char *err = NULL;
    nb_expr *e;
    int d = NB_EXPR_MAX_DEPTH;

    /* ((...(FREE_CPU = 400)...)) and -(-(...400)): exactly at the limit */
    snprintf(text, sizeof(text), "%.*sFREE_CPU = 400%.*s", d, "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((",
             d, "))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))");
    e = nb_expr_compile(text, NB_EXPR_REQUIREMENT, &err);
    assert_non_null(e);
    assert_true(nb_expr_match(e, lookup, NULL));
    nb_expr_free(e);

    memset(text, '!', (size_t)d + 1);
    strcpy(text + d + 1, "FREE_CPU = 400");
    e = nb_expr_compile(text, NB_EXPR_REQUIREMENT, &err);
    assert_null(e);
    assert_string_equal(err, "syntax error at column 65: nested deeper than 64 levels");
    free(err);
    e = nb_expr_compile(text + 1, NB_EXPR_REQUIREMENT, &err);
    assert_non_null(e);
    assert_true(nb_expr_match(e, lookup, NULL)); /* 64 negations */
    nb_expr_free(e);

    /* 1 + (1 + (1 + ... ( 1 * (-1 ...: the deepest evaluation stack */
    size_t n = 0;
    for (int i = 0; i < d; i++)
        n += (size_t)sprintf(text + n, "1 + 2 * (");
    n += (size_t)sprintf(text + n, "1");
    for (int i = 0; i < d; i++)
        text[n++] = ')';
    text[n] = '\0';
    e = nb_expr_compile(text, NB_EXPR_RANK, &err);
    assert_non_null(e);
    /* r(0) = 1, r(k) = 1 + 2 r(k-1) = 2^(k+1) - 1 */
    assert_true(nb_expr_rank(e, lookup, NULL) == 36893488147419103231.0);
    nb_expr_free(e);

    memset(text, ' ', NB_EXPR_MAX_TEXT + 1);
    text[0] = '1';
    text[NB_EXPR_MAX_TEXT + 1] = '\0';
    assert_null(nb_expr_compile(text, NB_EXPR_RANK, &err));
    assert_string_equal(err, "the expression is longer than 8192 characters");
    free(err);
    text[NB_EXPR_MAX_TEXT] = '\0';
    e = nb_expr_compile(text, NB_EXPR_RANK, &err);
    assert_non_null(e);
    assert_true(nb_expr_rank(e, lookup, NULL) == 1);
    nb_expr_free(e);
}

static void test_names(void **state)
{
    char *err = NULL;
    const char *const *names;
    nb_expr *e = nb_expr_compile("(NAME = \"node*\" | \"CLUSTERS/ID\" @> 100) & NAME != x & FREE_CPU > 1",
                                 NB_EXPR_REQUIREMENT, &err);
    assert_non_null(e);
    assert_int_equal(nb_expr_names(e, &names), 3);
    assert_string_equal(names[0], "NAME");
    assert_string_equal(names[1], "CLUSTERS/ID");
    assert_string_equal(names[2], "FREE_CPU");
    nb_expr_free(e);

    e = nb_expr_compile("FREE_CPU * 2 - RUNNING_VMS + FREE_CPU", NB_EXPR_RANK, &err);
    assert_non_null(e);
    assert_int_equal(nb_expr_names(e, &names), 2);
    assert_string_equal(names[0], "FREE_CPU");
    assert_string_equal(names[1], "RUNNING_VMS");
    nb_expr_free(e);

    e = nb_expr_compile("", NB_EXPR_RANK, &err);
    assert_non_null(e);
    assert_int_equal(nb_expr_names(e, &names), 0);
    nb_expr_free(e);
}

/* A program of one kind evaluated as the other gives the neutral answer
 * rather than reading past its stack. */
static void test_wrong_kind(void **state)
{
    char *err = NULL;
    nb_expr *r = nb_expr_compile("FREE_CPU", NB_EXPR_RANK, &err);
    nb_expr *q = nb_expr_compile("FREE_CPU > 1", NB_EXPR_REQUIREMENT, &err);
    assert_false(nb_expr_match(r, lookup, NULL));
    assert_true(nb_expr_rank(q, lookup, NULL) == 0);
    nb_expr_free(r);
    nb_expr_free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requirements),
        cmocka_unit_test(test_ranks),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_wrong_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
