/*
 * buf.h: growable byte buffer used to build responses, XML documents and SQL.
 *
 * A buffer in escape mode XML-escapes everything appended through it.  That is
 * how an object document is rendered straight into an XML-RPC <string> without
 * a second copy: the envelope is written raw, escape mode is switched on for
 * the document, then off for the closing tags.
 */
#ifndef NB_BUF_H
#define NB_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include "util.h"

typedef struct nb_buf {
    char *data;     /* always NUL-terminated when cap > 0 */
    size_t len;
    size_t cap;
    bool escape;    /* XML-escape appended text (see above) */
} nb_buf;

#define NB_BUF_INIT { NULL, 0, 0, false }

void nb_buf_init(nb_buf *b);
void nb_buf_free(nb_buf *b);
void nb_buf_reset(nb_buf *b);                     /* len = 0, keeps memory */
void nb_buf_reserve(nb_buf *b, size_t extra);
void nb_buf_add(nb_buf *b, const char *s, size_t n);
void nb_buf_adds(nb_buf *b, const char *s);
void nb_buf_addc(nb_buf *b, char c);
void nb_buf_addf(nb_buf *b, const char *fmt, ...) NB_PRINTF(2, 3);
void nb_buf_add_ll(nb_buf *b, long long v);
/* Always raw, ignoring escape mode (the envelope around an escaped document). */
void nb_buf_add_raw(nb_buf *b, const char *s, size_t n);
/* XML-escape s (&, <, > and CR, as xmlrpc-c does) regardless of mode. */
void nb_buf_add_xml_text(nb_buf *b, const char *s, size_t n);
/* <![CDATA[s]]>, splitting any "]]>" inside s so the section stays valid. */
void nb_buf_add_cdata(nb_buf *b, const char *s);
/* <name>value</name> helpers used by every document writer. */
void nb_buf_elem_int(nb_buf *b, const char *name, long long v);
void nb_buf_elem_text(nb_buf *b, const char *name, const char *v);  /* escaped */
void nb_buf_elem_cdata(nb_buf *b, const char *name, const char *v);
/* Detach the data (caller frees); the buffer is left empty. */
char *nb_buf_steal(nb_buf *b, size_t *len);

#endif
