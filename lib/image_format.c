/*
 * image_format.c: raw or qcow2, from the file's head.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util.h"
#include "lib/image_format.h"

/* qcow2 header fields (big-endian), as QEMU's docs/interop/qcow2.txt lays
 * them out: magic, version, backing_file_offset, backing_file_size,
 * cluster_bits, size. */
#define QCOW2_MAGIC "QFI\xfb"
#define QCOW2_V2_HEADER 72
#define QCOW2_V3_HEADER 104

static uint64_t be64(const unsigned char *p)
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int nb_image_format(const unsigned char *head, size_t len, long long file_size,
                    nb_image_fmt *out, char **err)
{
    uint32_t version, cluster_bits;
    uint64_t size;

    if (len < 4 || memcmp(head, QCOW2_MAGIC, 4) != 0) {
        *out = (nb_image_fmt){ "raw", 0, file_size };
        return 0;
    }
    if (len < 8) {
        *err = nb_strdup("truncated qcow2 header");
        return -1;
    }
    version = be32(head + 4);
    if (version != 2 && version != 3) {
        *err = nb_asprintf("unsupported qcow2 version %u (2 and 3 are)", (unsigned)version);
        return -1;
    }
    if (len < (version == 2 ? QCOW2_V2_HEADER : QCOW2_V3_HEADER)
        || file_size < (version == 2 ? QCOW2_V2_HEADER : QCOW2_V3_HEADER)) {
        *err = nb_strdup("truncated qcow2 header");
        return -1;
    }
    if (be64(head + 8) != 0) {
        *err = nb_strdup("qcow2 images with a backing file are not accepted");
        return -1;
    }
    cluster_bits = be32(head + 20);
    size = be64(head + 24);
    /* QEMU allows clusters of 512 bytes to 2 MB. */
    if (cluster_bits < 9 || cluster_bits > 21) {
        *err = nb_asprintf("bad qcow2 header: cluster_bits %u", (unsigned)cluster_bits);
        return -1;
    }
    if (size > INT64_MAX) {
        *err = nb_strdup("bad qcow2 header: virtual size out of range");
        return -1;
    }
    *out = (nb_image_fmt){ "qcow2", (int)version, (long long)size };
    return 0;
}

int nb_image_format_file(const char *path, nb_image_fmt *out, char **err)
{
    unsigned char head[NB_IMAGE_HEAD_LEN];
    size_t len = 0;
    struct stat st;
    int rc = -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0 || fstat(fd, &st) != 0) {
        *err = nb_asprintf("cannot read %s: %s", path, strerror(errno));
        goto cleanup;
    }
    while (len < sizeof head) {
        ssize_t n = read(fd, head + len, sizeof head - len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *err = nb_asprintf("cannot read %s: %s", path, strerror(errno));
            goto cleanup;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    rc = nb_image_format(head, len, (long long)st.st_size, out, err);
cleanup:
    if (fd >= 0)
        close(fd);
    return rc;
}
