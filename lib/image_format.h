/*
 * image_format.h: what an image file is (raw or qcow2) and its virtual
 * size, from its first bytes: the one qcow2 header parser.  The core tells
 * the datastore driver the format of what it imports (drivers/datastore.h:
 * import), and the fs driver checks the files it copies with it, so a
 * qcow2 file is never taken for a raw disk or the other way round.
 */
#ifndef NB_IMAGE_FORMAT_H
#define NB_IMAGE_FORMAT_H

#include <stddef.h>

/* Bytes of a file's head nb_image_format needs (a qcow2 v2/v3 header). */
#define NB_IMAGE_HEAD_LEN 104

typedef struct nb_image_fmt {
    const char *format;         /* "raw" or "qcow2" (static) */
    int qcow2_version;          /* 2 or 3; 0 for raw */
    long long virtual_size;     /* bytes the guest sees */
} nb_image_fmt;

/*
 * Pure: head holds the first len bytes of a file of file_size bytes.
 * A qcow2 file (magic "QFI\xfb") must be version 2 or 3 with a sane header
 * and no backing file (one would point at any file on the host); its
 * virtual size is the header's.  Anything else is raw, of file_size.
 * Returns 0, or -1 with *err (malloc'd).
 */
int nb_image_format(const unsigned char *head, size_t len, long long file_size,
                    nb_image_fmt *out, char **err);

/* The same for the file at path. */
int nb_image_format_file(const char *path, nb_image_fmt *out, char **err);

#endif
