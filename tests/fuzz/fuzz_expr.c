/*
 * fuzz_expr.c: libFuzzer target for requirement and rank expressions
 * (scheduler/expr.c).
 *
 * The first byte picks the kind, the rest is the text.  Any text must
 * compile or fail with a "syntax error at column N: ..." (or length)
 * message; what compiles is evaluated against a small host, twice, with
 * the same answer, and its names must all be ones the host was asked for.
 * Build and run:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. $(pkg-config --cflags libxml-2.0) \
 *     tests/fuzz/fuzz_expr.c scheduler/expr.c lib/buf.c lib/util.c \
 *     $(pkg-config --libs libxml-2.0) -lcrypto -o fuzz_expr
 *   ./fuzz_expr -max_total_time=60 tests/fuzz/corpus/expr
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
    const char *name;
    const char *vals[3];
    size_t n;
} host[] = {
    { "HYPERVISOR", { "kvm" }, 1 },
    { "NAME", { "node07" }, 1 },
    { "FREE_CPU", { "400" }, 1 },
    { "CPUSPEED", { "2400.5" }, 1 },
    { "CLUSTERS/ID", { "0", "100", "101" }, 3 },
    { "EMPTY", { "" }, 1 },
};

static size_t lookup(void *ctx, const char *name, const char **vals, size_t max)
{
    (void)ctx;
    if (max == 0)
        abort();
    for (size_t i = 0; i < sizeof(host) / sizeof(host[0]); i++)
        if (strcmp(host[i].name, name) == 0) {
            for (size_t j = 0; j < host[i].n && j < max; j++)
                vals[j] = host[i].vals[j];
            return host[i].n;
        }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    enum nb_expr_kind kind = data[0] & 1 ? NB_EXPR_RANK : NB_EXPR_REQUIREMENT;
    char *s = malloc(size), *err = NULL;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';

    nb_expr *e = nb_expr_compile(s, kind, &err);
    if (!e) {
        if (!err || (strncmp(err, "syntax error at column ", 23) != 0 &&
                     strncmp(err, "the expression is longer", 24) != 0)) {
            fprintf(stderr, "bad error for '%s': %s\n", s, err ? err : "(null)");
            abort();
        }
        free(err);
        free(s);
        return 0;
    }
    const char *const *names;
    size_t n = nb_expr_names(e, &names);
    for (size_t i = 0; i < n; i++)
        if (!names[i] || !strstr(s, names[i]))
            abort();
    if (kind == NB_EXPR_REQUIREMENT) {
        if (nb_expr_match(e, lookup, NULL) != nb_expr_match(e, lookup, NULL))
            abort();
    } else {
        double a = nb_expr_rank(e, lookup, NULL), b = nb_expr_rank(e, lookup, NULL);
        if (memcmp(&a, &b, sizeof(a)) != 0)
            abort();
    }
    nb_expr_free(e);
    free(s);
    return 0;
}
