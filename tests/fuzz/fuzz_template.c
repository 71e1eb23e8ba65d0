/*
 * libFuzzer target for lib/template.c.
 *
 * Any input must parse or fail cleanly (no crash, leak or UB).  When it
 * parses, the template must survive both serialisations unchanged:
 *   text:  parse -> to_text -> parse, same XML document;
 *   XML:   to_xml -> parse (XML form) -> to_xml, byte-identical.
 *
 * clang -g -O1 -fsanitize=fuzzer,address,undefined -I. $(pkg-config --cflags libxml-2.0) \
 *   tests/fuzz/fuzz_template.c lib/template.c lib/buf.c lib/util.c \
 *   $(pkg-config --libs libxml-2.0) -lcrypto -o fuzz_template
 * ./fuzz_template tests/fuzz/corpus/template
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void reparse(const char *what, const nb_buf *src, nb_tmpl *out)
{
    char *err = NULL;
    if (nb_tmpl_parse(out, src->data, src->len, &err) != 0) {
        fprintf(stderr, "%s does not parse back: %s\n---\n%s\n---\n", what, err, src->data);
        abort();
    }
}

static void same(const char *what, const nb_buf *a, const nb_buf *b)
{
    if (a->len != b->len || memcmp(a->data, b->data, a->len) != 0) {
        fprintf(stderr, "%s round trip differs\n--- before\n%s\n--- after\n%s\n", what, a->data, b->data);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nb_tmpl t = NB_TMPL_INIT, t2 = NB_TMPL_INIT, t3 = NB_TMPL_INIT;
    nb_buf text = NB_BUF_INIT, xml = NB_BUF_INIT, xml2 = NB_BUF_INIT, xml3 = NB_BUF_INIT;
    char *err = NULL;

    if (nb_tmpl_parse(&t, (const char *)data, size, &err) != 0) {
        if (!err || strncmp(err, "Parse error: ", 13) != 0)
            abort();
        free(err);
        goto cleanup;
    }
    nb_tmpl_to_xml(&t, &xml, "TEMPLATE");

    nb_tmpl_to_text(&t, &text);
    reparse("to_text", &text, &t2);
    nb_tmpl_to_xml(&t2, &xml2, "TEMPLATE");
    same("text", &xml, &xml2);

    reparse("to_xml", &xml, &t3);
    nb_tmpl_to_xml(&t3, &xml3, "TEMPLATE");
    same("XML", &xml, &xml3);

 cleanup:
    nb_tmpl_free(&t);
    nb_tmpl_free(&t2);
    nb_tmpl_free(&t3);
    nb_buf_free(&text);
    nb_buf_free(&xml);
    nb_buf_free(&xml2);
    nb_buf_free(&xml3);
    return 0;
}
