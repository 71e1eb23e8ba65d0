/*
 * fuzz_acl.c: libFuzzer target for the ACL rule string form (acl/rule_text.c).
 *
 * Any input must parse or fail cleanly with a message.  What parses must
 * validate without crashing, and its canonical string must parse back to
 * the same words and format to the same string again.  Build and run:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. $(pkg-config --cflags libxml-2.0) \
 *     tests/fuzz/fuzz_acl.c acl/rule_text.c acl/rule.c acl/perm.c lib/buf.c lib/util.c \
 *     $(pkg-config --libs libxml-2.0) -lcrypto -o fuzz_acl
 *   ./fuzz_acl -max_total_time=60 tests/fuzz/corpus/acl
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl/rule_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void format(const nb_acl_rule *r, char *buf)
{
    size_t n = nb_acl_rule_format(r, buf, NB_ACL_STRING_MAX);
    if (n >= NB_ACL_STRING_MAX || strlen(buf) != n) {
        fprintf(stderr, "format: %zu characters for '%s'\n", n, buf);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1), *err = NULL;
    char str[NB_ACL_STRING_MAX], str2[NB_ACL_STRING_MAX];
    nb_acl_rule r, r2;

    memcpy(s, data, size);
    s[size] = '\0';
    if (nb_acl_rule_parse(s, 0, &r, &err) != 0) {
        if (!err || !*err)
            abort();
        free(err);
        free(s);
        return 0;
    }
    if (nb_acl_rule_validate(&r, &err) != 0) {
        if (!err || !*err)
            abort();
        free(err);
    }

    format(&r, str);
    if (nb_acl_rule_parse(str, 1, &r2, &err) != 0) {
        fprintf(stderr, "'%s' (from '%s') does not parse back: %s\n", str, s, err);
        abort();
    }
    format(&r2, str2);
    if (strcmp(str, str2) != 0 || r.user != r2.user || r.resource != r2.resource ||
        r.rights != r2.rights || r.zone != r2.zone) {
        fprintf(stderr, "round trip differs: '%s' -> '%s'\n", str, str2);
        abort();
    }
    free(s);
    return 0;
}
