/*
 * libFuzzer target for drivers/libvirt/domain.c.
 *
 * The input is a VM template; when it parses, nb_domain_xml must either
 * fail with a message and leave the buffer empty, or write a document that
 * is well-formed XML, a whole <domain> and nothing after it.  The
 * template's NAME stands in for the deploy id, so that is fuzzed as well.
 * Each DISK and NIC is also written alone, as hotplug does: well-formed
 * device XML, or (disks) an error that leaves the buffer as it was.
 *
 * clang -g -O1 -fsanitize=fuzzer,address,undefined -I. $(pkg-config --cflags libxml-2.0) \
 *   tests/fuzz/fuzz_domain.c drivers/libvirt/domain.c drivers/vmm.c lib/template.c lib/buf.c lib/util.c \
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

/* Every DISK and NIC of t on its own, inside <devices>. */
static void check_devices(const nb_drv_vm *vm, const nb_tmpl *t)
{
    nb_buf b = NB_BUF_INIT;
    xmlDocPtr doc;

    nb_buf_adds(&b, "<devices>");
    for (size_t i = 0; i < t->n; i++) {
        const nb_tattr *a = &t->attrs[i];
        size_t len = b.len;
        char *err = NULL;
        if (a->value)
            continue;
        if (strcmp(a->name, "NIC") == 0)
            nb_domain_nic_xml(vm, a, &b);
        else if (strcmp(a->name, "DISK") == 0 && nb_domain_disk_xml(vm, a, &b, &err) != 0) {
            if (!err || b.len != len)
                abort();
            free(err);
        }
    }
    nb_buf_adds(&b, "</devices>");
    doc = xmlReadMemory(b.data, (int)b.len, NULL, "UTF-8",
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        fprintf(stderr, "not well-formed devices:\n%s\n", b.data);
        abort();
    }
    xmlFreeDoc(doc);
    nb_buf_free(&b);
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
    check_devices(&vm, &t);
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
