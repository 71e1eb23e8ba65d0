#include "lib/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nb_buf_init(nb_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->escape = false;
}

void nb_buf_free(nb_buf *b)
{
    free(b->data);
    nb_buf_init(b);
}

void nb_buf_reset(nb_buf *b)
{
    b->len = 0;
    b->escape = false;
    if (b->data)
        b->data[0] = '\0';
}

void nb_buf_reserve(nb_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need > b->cap) {
        size_t c = b->cap ? b->cap : 256;
        while (c < need)
            c *= 2;
        b->data = nb_realloc(b->data, c);
        b->cap = c;
    }
}

void nb_buf_add_raw(nb_buf *b, const char *s, size_t n)
{
    nb_buf_reserve(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

/* Characters XML text cannot carry as they are. */
static const char *const nb_xml_entity[256] = {
    ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['\r'] = "&#13;",
};

void nb_buf_add_xml_text(nb_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *end = p + n;

    /* Documents are mostly plain text: copy runs, escape the odd byte. */
    nb_buf_reserve(b, n + n / 16);
    while (p < end) {
        const unsigned char *run = p;
        while (p < end && !nb_xml_entity[*p])
            p++;
        if (p > run)
            nb_buf_add_raw(b, (const char *)run, (size_t)(p - run));
        if (p < end) {
            const char *e = nb_xml_entity[*p++];
            nb_buf_add_raw(b, e, strlen(e));
        }
    }
}

void nb_buf_add(nb_buf *b, const char *s, size_t n)
{
    if (b->escape)
        nb_buf_add_xml_text(b, s, n);
    else
        nb_buf_add_raw(b, s, n);
}

void nb_buf_adds(nb_buf *b, const char *s)
{
    nb_buf_add(b, s, strlen(s));
}

void nb_buf_addc(nb_buf *b, char c)
{
    nb_buf_add(b, &c, 1);
}

void nb_buf_addf(nb_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    char small[256];

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(small)) {
        nb_buf_add(b, small, (size_t)n);
        return;
    }
    char *big = nb_malloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    nb_buf_add(b, big, (size_t)n);
    free(big);
}

void nb_buf_add_ll(nb_buf *b, long long v)
{
    char tmp[24];
    char *p = tmp + sizeof(tmp);
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    nb_buf_add(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

void nb_buf_add_cdata(nb_buf *b, const char *s)
{
    const char *end;
    nb_buf_adds(b, "<![CDATA[");
    /* "]]>" cannot appear inside a section: close after "]]" and reopen. */
    while ((end = strstr(s, "]]>")) != NULL) {
        nb_buf_add(b, s, (size_t)(end - s) + 2);
        nb_buf_adds(b, "]]><![CDATA[");
        s = end + 2;
    }
    nb_buf_adds(b, s);
    nb_buf_adds(b, "]]>");
}

void nb_buf_elem_int(nb_buf *b, const char *name, long long v)
{
    nb_buf_addc(b, '<');
    nb_buf_adds(b, name);
    nb_buf_addc(b, '>');
    nb_buf_add_ll(b, v);
    nb_buf_adds(b, "</");
    nb_buf_adds(b, name);
    nb_buf_addc(b, '>');
}

void nb_buf_elem_text(nb_buf *b, const char *name, const char *v)
{
    nb_buf_addc(b, '<');
    nb_buf_adds(b, name);
    nb_buf_addc(b, '>');
    if (b->escape) {
        /* Escaped twice: once for the document, once for the envelope. */
        nb_buf tmp = NB_BUF_INIT;
        nb_buf_add_xml_text(&tmp, v, strlen(v));
        if (tmp.len)
            nb_buf_add(b, tmp.data, tmp.len);
        nb_buf_free(&tmp);
    } else {
        nb_buf_add_xml_text(b, v, strlen(v));
    }
    nb_buf_adds(b, "</");
    nb_buf_adds(b, name);
    nb_buf_addc(b, '>');
}

void nb_buf_elem_cdata(nb_buf *b, const char *name, const char *v)
{
    nb_buf_addc(b, '<');
    nb_buf_adds(b, name);
    nb_buf_addc(b, '>');
    nb_buf_add_cdata(b, v);
    nb_buf_adds(b, "</");
    nb_buf_adds(b, name);
    nb_buf_addc(b, '>');
}

char *nb_buf_steal(nb_buf *b, size_t *len)
{
    char *d = b->data ? b->data : nb_strdup("");
    if (len)
        *len = b->len;
    nb_buf_init(b);
    return d;
}
