/*
 * fuzz_image_format.c: libFuzzer target for the image format detector
 * (lib/image_format.c).
 *
 * The input is a file's head; its size is the input's length plus a
 * number taken from the first byte, so short heads of long files are
 * tried too.  Any head must give raw or qcow2 (version 2 or 3, a virtual
 * size >= 0), or fail with a message; raw is always the file's size.
 * Build and run:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. \
 *     tests/fuzz/fuzz_image_format.c lib/image_format.c lib/util.c -lcrypto -o fuzz_image_format
 *   ./fuzz_image_format -max_total_time=60 tests/fuzz/corpus/image_format
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/image_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long long file_size;
    nb_image_fmt f;
    char *err = NULL;

    if (size == 0)
        return 0;
    file_size = (long long)(size - 1) + (long long)data[0] * 4096;
    if (nb_image_format(data + 1, size - 1, file_size, &f, &err) != 0) {
        if (!err || !*err)
            abort();
        free(err);
        return 0;
    }
    if (strcmp(f.format, "raw") == 0) {
        if (f.qcow2_version != 0 || f.virtual_size != file_size)
            abort();
    } else if (strcmp(f.format, "qcow2") != 0 || (f.qcow2_version != 2 && f.qcow2_version != 3)
               || f.virtual_size < 0) {
        abort();
    }
    return 0;
}
