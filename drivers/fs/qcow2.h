/*
 * qcow2.h: what the fs drivers need from a qcow2 header (pure, no I/O):
 * whether a file is qcow2, its virtual size, and whether it leans on a
 * backing file (which an image datastore cannot keep: the copy would
 * depend on a file outside it).
 */
#ifndef NB_DRIVERS_FS_QCOW2_H
#define NB_DRIVERS_FS_QCOW2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of the header the parser reads (version 2 and 3 share them). */
#define NB_QCOW2_HEADER_LEN 32

typedef struct nb_qcow2_info {
    uint32_t version;           /* 2 or 3 */
    uint64_t virtual_size;      /* bytes the guest sees */
    bool has_backing;           /* names a backing file */
} nb_qcow2_info;

/* Whether buf (len bytes from the start of a file) begins with qcow2's magic. */
bool nb_qcow2_is(const unsigned char *buf, size_t len);
/* 0 with *out from a qcow2 header, or -1 with *why (static text) if buf
 * is not one this parser accepts: not qcow2, truncated, an unknown
 * version, an impossible cluster size. */
int nb_qcow2_parse(const unsigned char *buf, size_t len, nb_qcow2_info *out, const char **why);

#endif
