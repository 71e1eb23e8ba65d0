/*
 * template.h: OpenNebula templates, the attribute language of every
 * "template" parameter and of oned.conf (reference §8).
 *
 *   NAME = value            single attribute (bare token or "quoted string")
 *   NAME = [ K = v, ... ]   vector attribute (one level of nesting)
 *   # comment
 *
 * Names are case-insensitive and stored upper-case; the same name may repeat
 * (DISK = [...] twice).  Attributes are kept sorted by name (stable for
 * repeats, i.e. insertion order among equal names), and vector members
 * likewise, because oned writes them in that order in every XML document.
 *
 * A template is plain data: no I/O, no global state; safe to use from any
 * thread on distinct templates.
 */
#ifndef NB_TEMPLATE_H
#define NB_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <libxml/tree.h>
#include "buf.h"

typedef struct nb_tpair {
    char *name;     /* upper-case */
    char *value;    /* never NULL ("" when empty) */
} nb_tpair;

typedef struct nb_tattr {
    char *name;         /* upper-case */
    char *value;        /* single attribute: the value; vector: NULL */
    nb_tpair *pairs;    /* vector members, sorted by name (stable) */
    size_t npairs;
} nb_tattr;

typedef struct nb_tmpl {
    nb_tattr *attrs;    /* sorted by name (stable) */
    size_t n;
    size_t cap;
} nb_tmpl;

#define NB_TMPL_INIT { NULL, 0, 0 }

/* Limits applied to untrusted template text. */
#define NB_TMPL_MAX_NAME 256

void nb_tmpl_init(nb_tmpl *t);
void nb_tmpl_free(nb_tmpl *t);
void nb_tmpl_copy(nb_tmpl *dst, const nb_tmpl *src);   /* dst must be empty/initialised */

/*
 * Parse template text, or template XML when the first non-blank character is
 * '<' (any root element; its children are the attributes).  Attributes are
 * appended to *t.  Returns 0, or -1 with *err set to an allocated message of
 * the form "Parse error: ..." (line number included) that is safe to return
 * to API clients.  Values containing "]]>" are rejected, as OpenNebula does.
 */
int nb_tmpl_parse(nb_tmpl *t, const char *text, size_t len, char **err);
/* Parse the children of an XML element (used when loading stored bodies). */
int nb_tmpl_from_xml(nb_tmpl *t, const xmlNode *parent, char **err);

/* <root>…</root> with CDATA values, sorted as stored.  Empty template gives
 * <root></root>. */
void nb_tmpl_to_xml(const nb_tmpl *t, nb_buf *b, const char *root);
/* Template text that nb_tmpl_parse reads back to an equal template. */
void nb_tmpl_to_text(const nb_tmpl *t, nb_buf *b);

/* First single attribute called name (case-insensitive), or NULL. */
const char *nb_tmpl_get(const nb_tmpl *t, const char *name);
/* Is attribute name "YES" (any case)?  Absent: no. */
bool nb_tmpl_yes(const nb_tmpl *t, const char *name);
/* First vector called vector, then its first member sub; NULL if absent. */
const char *nb_tmpl_vget(const nb_tmpl *t, const char *vector, const char *sub);
/* First attribute (single or vector) called name, or NULL. */
const nb_tattr *nb_tmpl_find(const nb_tmpl *t, const char *name);

/* Replace every attribute called name by one single attribute. */
void nb_tmpl_set(nb_tmpl *t, const char *name, const char *value);
/* Append a single attribute (keeps repeats). */
void nb_tmpl_add(nb_tmpl *t, const char *name, const char *value);
/* Append a vector attribute, members given as name/value pairs (copied). */
void nb_tmpl_add_vector(nb_tmpl *t, const char *name, const nb_tpair *pairs, size_t n);
/* Remove every attribute called name; returns how many were removed. */
size_t nb_tmpl_remove(nb_tmpl *t, const char *name);
/* Remove attribute a (a pointer into t). */
void nb_tmpl_remove_attr(nb_tmpl *t, const nb_tattr *a);
/* The first vector called vector whose member sub equals value, or NULL. */
nb_tattr *nb_tmpl_find_vector(nb_tmpl *t, const char *vector, const char *sub,
                              const char *value);

/* Vector members: the first called name (NULL if none); set replaces the
 * first (or inserts in order); unset removes every one. */
const char *nb_tattr_get(const nb_tattr *v, const char *name);
void nb_tattr_set(nb_tattr *v, const char *name, const char *value);
void nb_tattr_unset(nb_tattr *v, const char *name);

/*
 * OpenNebula's update semantics (`one.<obj>.update`): type 0 replaces dst by
 * src; type 1 merges: every name present in src replaces all attributes of
 * that name in dst, and an empty vector (NAME = []) deletes NAME.
 */
void nb_tmpl_update(nb_tmpl *dst, const nb_tmpl *src, int type);

#endif
