/*
 * object.h: pool objects and their kinds.
 *
 * Every object (user, group, zone, ACL rule, and later hosts, VMs, ...) starts
 * with struct nb_object; the concrete struct embeds it first.  A kind
 * describes how to render, store and load objects of one type; adding a type
 * means adding one nb_kind and its file, nothing else in the core.
 *
 * Objects in a pool are immutable while published: writers change a private
 * copy (nb_object_clone) inside a transaction and the commit swaps it in, so a
 * reader holding the model's read lock always sees whole objects.
 */
#ifndef NB_OBJECT_H
#define NB_OBJECT_H

#include <stdbool.h>
#include <stdint.h>
#include <libxml/tree.h>
#include "lib/buf.h"
#include "lib/template.h"
#include "acl/perm.h"

typedef struct nb_model nb_model;
typedef struct nb_object nb_object;

enum nb_xml_mode {
    NB_XML_INFO,    /* one.<obj>.info: the full document */
    NB_XML_POOL,    /* element of one.<obj>pool.info */
    NB_XML_STORE,   /* body written to the store: everything needed to reload */
};

typedef struct nb_kind {
    const char *name;       /* "user": logs, audit */
    const char *what;       /* "user": "Error getting user [3]." */
    const char *table;      /* store table, "user_pool" */
    const char *root;       /* "USER" */
    const char *pool_root;  /* "USER_POOL" */
    uint64_t acl_type;      /* NB_ACL_USER */
    bool unique_names;      /* names unique across the pool */
    bool owner_unique_names; /* names unique among one owner's objects */
    bool spaced_names;      /* names may contain spaces (rename checks) */
    size_t size;            /* sizeof the concrete struct */

    /* Free kind-specific members (not the nb_object part). */
    void (*destroy)(nb_object *o);
    /* Write the document.  m resolves names (UNAME, GNAME) and may be NULL
     * for NB_XML_STORE. */
    void (*to_xml)(const nb_object *o, nb_buf *b, enum nb_xml_mode mode, const nb_model *m);
    /* Fill a zeroed object (o->kind set) from a document written in
     * NB_XML_STORE mode. */
    int (*from_xml)(nb_object *o, const xmlNode *root, char **err);
    /* Optional: text after the last element of a pool listing
     * (DEFAULT_USER_QUOTAS, ...). */
    void (*pool_tail)(nb_buf *b, const nb_model *m);
    /* Optional: keeps model-level indexes in step with the pool.  Called for
     * every published change (old NULL: inserted, new NULL: deleted) under
     * the model's write lock, and for every object loaded at start-up. */
    void (*replaced)(nb_model *m, const nb_object *old, const nb_object *new);
    /* Optional: the clusters the object is in, for `TYPE/%cid` rules
     * (hosts: one, datastores and networks: several). */
    const int *(*clusters)(const nb_object *o, size_t *n);
    /* Its names show in other kinds' documents (UNAME, GNAME): renaming or
     * deleting one calls every `forget` of the model. */
    bool names_shown;
    /* Optional: drop what the object keeps rendered about others.  Called
     * under the model's write lock (no reader can be using it). */
    void (*forget)(nb_object *o);
} nb_kind;

struct nb_object {
    const nb_kind *kind;
    int oid;
    char *name;
    int uid;            /* owner (-1 for unowned kinds) */
    int gid;            /* group (-1 for unowned kinds) */
    nb_perms perms;
    int lock;           /* 0 none, 1 USE, 2 MANAGE, 3 ADMIN (lockable kinds) */
    int lock_owner;     /* uid that set the lock (-1 when unlocked) */
    long long lock_time; /* when it was set, epoch seconds */
    nb_tmpl tmpl;       /* user-visible TEMPLATE */
};

/* Allocate a zeroed object of kind k (tmpl initialised, lock 0, ids and
 * lock owner -1). */
nb_object *nb_object_new(const nb_kind *k);
void nb_object_free(nb_object *o);
/* Deep copy through the store document: one code path for clone and load. */
nb_object *nb_object_clone(const nb_object *o);
/* Parse a stored body. */
nb_object *nb_object_load(const nb_kind *k, const char *body, size_t len, char **err);

/* Authorization view of an object. */
nb_objref nb_object_ref(const nb_object *o);

/* Shared pieces of documents. */
void nb_xml_permissions(nb_buf *b, nb_perms p);
/* Read back the PERMISSIONS child of node: 0, or -1 if it is missing or
 * any of its nine members is not 0 or 1 (*out untouched). */
int nb_xml_read_permissions(const xmlNode *node, nb_perms *out);
void nb_xml_ids(nb_buf *b, const char *name, const int *ids, size_t n);
/* LOCK of lockable kinds, written only while locked (reference §3.0). */
void nb_xml_lock(nb_buf *b, const nb_object *o);
/* Read back an optional LOCK child: 0 (absent: unlocked), or -1 if it is
 * malformed. */
int nb_xml_read_lock(nb_object *o, const xmlNode *node);

/* Reading stored documents (children of node by name). */
const xmlNode *nb_xml_child(const xmlNode *node, const char *name);
/* Text of child `name`, or NULL; returned string is owned by libxml (free with xmlFree). */
char *nb_xml_child_text(const xmlNode *node, const char *name);
/* The same as a malloc'd copy (free with free), or NULL when absent. */
char *nb_xml_child_strdup(const xmlNode *node, const char *name);
int nb_xml_child_int(const xmlNode *node, const char *name, int *out);
int nb_xml_child_ll(const xmlNode *node, const char *name, long long *out);
/* Read ID, NAME and TEMPLATE, which every named object's document has. */
int nb_xml_read_common(nb_object *o, const xmlNode *root, char **err);
/* Read UID, GID and PERMISSIONS, which every owned object's document has:
 * NULL, or the name of the first one missing or invalid. */
const char *nb_xml_read_owned(nb_object *o, const xmlNode *root);
/* Collect <name><ID>n</ID>...</name> into a sorted int vector. */
int nb_xml_read_ids(const xmlNode *node, const char *name, int **ids, size_t *n);

/* Sorted int sets (group membership and the like). */
bool nb_ids_has(const int *ids, size_t n, int id);
void nb_ids_add(int **ids, size_t *n, int id);     /* keeps sorted, no duplicates */
bool nb_ids_del(int **ids, size_t *n, int id);

/* OpenNebula's name rules: non-empty, at most 128 chars, no control or
 * blank characters where forbidden, none of & | : \ " ; / ' # { } $ < >.
 * Returns NULL if valid, else a static reason. */
const char *nb_name_invalid(const char *name, bool allow_spaces);

#endif
