/*
 * fuzz_qcow2.c: libFuzzer target for the qcow2 header parser
 * (drivers/fs/qcow2.c), which reads the first bytes of any file a user
 * imports.  Whatever the bytes, it must accept or refuse with a reason,
 * read nothing past len, and agree with nb_qcow2_is on the magic.
 * Build and run:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. \
 *     tests/fuzz/fuzz_qcow2.c drivers/fs/qcow2.c -o fuzz_qcow2
 *   ./fuzz_qcow2 -max_total_time=60 tests/fuzz/corpus/qcow2
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/fs/qcow2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so that ASan sees any read past the end. */
    unsigned char *buf = malloc(size ? size : 1);
    nb_qcow2_info q;
    const char *why = NULL;
    int rc;

    memcpy(buf, data, size);
    rc = nb_qcow2_parse(buf, size, &q, &why);
    if (rc == 0 && (!nb_qcow2_is(buf, size) || size < NB_QCOW2_HEADER_LEN ||
                    (q.version != 2 && q.version != 3)))
        abort();
    if (rc != 0 && (!why || !*why))
        abort();
    free(buf);
    return 0;
}
