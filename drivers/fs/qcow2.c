/*
 * qcow2.c: the qcow2 header (QEMU's docs/interop/qcow2.txt), big-endian:
 *
 *    0  magic "QFI\xfb"          4  version
 *    8  backing_file_offset     16  backing_file_size
 *   20  cluster_bits            24  size (virtual, bytes)
 */
#include "drivers/fs/qcow2.h"

#include <string.h>

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

bool nb_qcow2_is(const unsigned char *buf, size_t len)
{
    return len >= 4 && memcmp(buf, "QFI\xfb", 4) == 0;
}

int nb_qcow2_parse(const unsigned char *buf, size_t len, nb_qcow2_info *out, const char **why)
{
    uint32_t cluster_bits;

    if (!nb_qcow2_is(buf, len)) {
        *why = "not a qcow2 file";
        return -1;
    }
    if (len < NB_QCOW2_HEADER_LEN) {
        *why = "truncated qcow2 header";
        return -1;
    }
    out->version = be32(buf + 4);
    if (out->version != 2 && out->version != 3) {
        *why = "unsupported qcow2 version";
        return -1;
    }
    /* QEMU accepts 512 B to 2 MiB clusters. */
    cluster_bits = be32(buf + 20);
    if (cluster_bits < 9 || cluster_bits > 21) {
        *why = "invalid qcow2 cluster size";
        return -1;
    }
    out->virtual_size = be64(buf + 24);
    out->has_backing = be64(buf + 8) != 0 && be32(buf + 16) != 0;
    return 0;
}
