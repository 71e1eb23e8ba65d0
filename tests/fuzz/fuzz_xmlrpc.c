/*
 * fuzz_xmlrpc.c: libFuzzer target for the XML-RPC parsers and writers.
 *
 * Whatever the parsers accept must survive a write and re-parse unchanged:
 * writing the re-parsed values gives the same bytes again.  Build and run:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. $(pkg-config --cflags libxml-2.0) \
 *     tests/fuzz/fuzz_xmlrpc.c lib/xmlrpc.c lib/buf.c lib/util.c \
 *     $(pkg-config --libs libxml-2.0) -lcrypto -o fuzz_xmlrpc
 *   ./fuzz_xmlrpc -max_total_time=60 tests/fuzz/corpus/xmlrpc
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xmlrpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const nb_xmlrpc_limits lim = { .max_depth = 8, .max_params = 16 };

static bool same_bytes(const nb_buf *a, const nb_buf *b)
{
    return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

/* Every fault the server reports must reach the client intact. */
static void check_fault(const nb_xmlrpc_fault_info *f)
{
    nb_buf b = NB_BUF_INIT;
    nb_xmlrpc_fault_info g;
    nb_xv v;

    nb_xmlrpc_write_fault(&b, f->code, f->msg);
    if (nb_xmlrpc_parse_response(b.data, b.len, &v, &g) != 1 || g.code != f->code ||
        strcmp(g.msg, f->msg) != 0)
        abort();
    free(g.msg);
    nb_buf_free(&b);
}

static void check_call(const char *xml, size_t len)
{
    nb_xmlrpc_call c, again;
    nb_xmlrpc_fault_info f;
    nb_buf first = NB_BUF_INIT, second = NB_BUF_INIT;

    if (nb_xmlrpc_parse_call(xml, len, &lim, &c, &f) != 0) {
        check_fault(&f);
        free(f.msg);
        return;
    }
    nb_xmlrpc_write_call(&first, c.method, c.params, c.nparams);
    if (nb_xmlrpc_parse_call(first.data, first.len, &lim, &again, &f) != 0 ||
        again.nparams != c.nparams)
        abort();
    nb_xmlrpc_write_call(&second, again.method, again.params, again.nparams);
    if (!same_bytes(&first, &second))
        abort();
    nb_xmlrpc_call_free(&again);
    nb_xmlrpc_call_free(&c);
    nb_buf_free(&first);
    nb_buf_free(&second);
}

static void write_response(nb_buf *b, const nb_xv *v)
{
    nb_buf_add_raw(b, "<methodResponse><params><param>", 31);
    nb_xmlrpc_write_value(b, v);
    nb_buf_add_raw(b, "</param></params></methodResponse>", 34);
}

static void check_response(const char *xml, size_t len)
{
    nb_xmlrpc_fault_info f, g;
    nb_buf first = NB_BUF_INIT, second = NB_BUF_INIT;
    nb_xv v, w;
    int rc = nb_xmlrpc_parse_response(xml, len, &v, &f);

    if (rc == 0) {
        write_response(&first, &v);
        if (nb_xmlrpc_parse_response(first.data, first.len, &w, &g) != 0)
            abort();
        write_response(&second, &w);
        if (!same_bytes(&first, &second))
            abort();
        nb_xv_free(&w);
        nb_xv_free(&v);
    } else if (rc == 1) {
        check_fault(&f);
    }
    free(f.msg);
    nb_buf_free(&first);
    nb_buf_free(&second);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_call((const char *)data, size);
    check_response((const char *)data, size);
    return 0;
}
