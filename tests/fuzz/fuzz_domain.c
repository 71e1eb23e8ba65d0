/*
 * libFuzzer target for drivers/libvirt/domain.c.
 *
 * The input is a VM template; when it parses, nb_domain_xml must either
 * fail with a message and leave the buffer empty, or write a document that
 * is well-formed XML, a whole <domain> and nothing after it.  The
 * template's NAME stands in for the deploy id, so that is fuzzed as well.
 *
 * clang -g -O1 -fsanitize=fuzzer,address,undefined -I. $(pkg-config --cflags libxml-2.0) \
 *   tests/fuzz/fuzz_domain.c drivers/libvirt/domain.c lib/template.c lib/buf.c lib/util.c \
 *   $(pkg-config --libs libxml-2.0) -lcrypto -o fuzz_domain
 * ./fuzz_domain tests/fuzz/corpus/domain
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>

#include "drivers/libvirt/domain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_document(const nb_buf *b)
{
    static const char tail[] = "</domain>\n";
    xmlDocPtr doc = xmlReadMemory(b->data, (int)b->len, NULL, "UTF-8",
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);

    if (!doc || strncmp(b->data, "<domain ", 8) != 0 || b->len < sizeof(tail) - 1 ||
        strcmp(b->data + b->len - (sizeof(tail) - 1), tail) != 0) {
        fprintf(stderr, "not a well-formed domain document:\n%s\n", b->data);
        abort();
    }
    xmlFreeDoc(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const nb_domain_opts opts = {
        .type = "qemu",
        .emulator = "/usr/bin/qemu-system-x86_64",
        .console_log = "/var/lib/one/datastores/0/42/console.log",
    };
    nb_tmpl t = NB_TMPL_INIT;
    nb_drv_vm vm = { .id = 42, .tmpl = &t };
    nb_buf b = NB_BUF_INIT;
    char *err = NULL;

    if (nb_tmpl_parse(&t, (const char *)data, size, &err) != 0) {
        free(err);
        goto cleanup;
    }
    vm.deploy_id = nb_tmpl_get(&t, "NAME");
    if (nb_domain_xml(&vm, &opts, &b, &err) != 0) {
        if (!err || b.len != 0)
            abort();
        free(err);
        goto cleanup;
    }
    check_document(&b);

 cleanup:
    nb_tmpl_free(&t);
    nb_buf_free(&b);
    return 0;
}
