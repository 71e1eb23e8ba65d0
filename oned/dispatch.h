/*
 * dispatch.h: from a parsed XML-RPC call to a response, the same steps for
 * every method:
 *
 *   1. look the method up (unknown: fault -506);
 *   2. check parameter types against its signature (fault -501/-502);
 *   3. authenticate the session (AUTHENTICATION);
 *   4. read methods take the model's read lock, write methods open the
 *      transaction (one writer);
 *   5. load the target object named by the id parameter (NO_EXISTS) and
 *      authorize the method's operation on it through the gate
 *      (AUTHORIZATION);
 *   6. run the handler;
 *   7. commit (durable before the reply), unlock, write the audit record;
 *      a read handler's `after` step runs once the lock is released.
 *
 * Handlers see a prepared nb_call and only do the method's own work.
 */
#ifndef NB_DISPATCH_H
#define NB_DISPATCH_H

#include <stdbool.h>
#include "lib/buf.h"
#include "lib/xmlrpc.h"
#include "acl/perm.h"
#include "oned/model.h"
#include "oned/txn.h"

/* Method table entries: NB_METHOD(name, sig, kind, id_arg, op, flags,
 * handler), NB_METHOD_PREP(... handler, prepare); tables end with
 * NB_METHOD_END. */
#define NB_METHOD(n, s, k, id, o, f, h) \
    { .name = (n), .sig = (s), .kind = (k), .id_arg = (id), .op = (o), .flags = (f), .handler = (h) }
#define NB_METHOD_PREP(n, s, k, id, o, f, h, p) \
    { .name = (n), .sig = (s), .kind = (k), .id_arg = (id), .op = (o), .flags = (f), \
      .handler = (h), .prepare = (p) }
#define NB_METHOD_END { .name = NULL }

/* OpenNebula error codes (reference §1.5). */
enum nb_err {
    NB_SUCCESS = 0x0000,
    NB_E_AUTHENTICATION = 0x0100,
    NB_E_AUTHORIZATION = 0x0200,
    NB_E_NO_EXISTS = 0x0400,
    NB_E_ACTION = 0x0800,
    NB_E_RPC_API = 0x1000,
    NB_E_INTERNAL = 0x2000,
    NB_E_ALLOCATE = 0x4000,
    NB_E_LOCKED = 0x8000,
};

/* Method flags. */
#define NB_M_WRITE      0x01    /* changes state: transaction + audit */
#define NB_M_SELF       0x02    /* id -1 means the caller (user) / caller's group */
#define NB_M_LOCK_EXEMPT 0x04   /* the target check ignores locks */

typedef struct nb_call nb_call;
typedef int (*nb_handler)(nb_call *c);

typedef struct nb_method {
    const char *name;
    /* Parameters after the session: i int, b bool, s string, a array,
     * '|' starts the optional ones, e.g. "i|b". */
    const char *sig;
    const nb_kind *kind;        /* target kind, NULL if none */
    int id_arg;                 /* index (after session) of its id, -1 none */
    enum nb_op op;              /* operation authorized on the target */
    unsigned flags;
    nb_handler handler;
    /* Optional: slow work that needs no model state (hashing a password),
     * run after authentication and before any lock, so that it never holds
     * up other calls.  Leaves its result in the call's `prepared`. */
    nb_handler prepare;
} nb_method;

typedef struct nb_server_ctx {
    nb_model *model;
    struct nb_auth *auth;
    nb_xmlrpc_limits limits;
} nb_server_ctx;

struct nb_call {
    const nb_method *m;
    nb_server_ctx *srv;
    nb_model *model;
    const nb_xv *args;          /* parameters after the session */
    size_t nargs;

    /* Caller.  subj.groups points into the published user (alive until
     * the call's commit) or at egid for group-scoped sessions. */
    int uid;
    char uname[132];
    int via_uid;
    nb_subject subj;
    int egid;

    nb_object *obj;             /* target (published version), if any; freed
                                 * by a commit that replaces it */
    int target_id;              /* its id, for the audit record */
    char *prepared;             /* result of the method's prepare step */
    nb_txn *txn;                /* write methods */
    /* Read methods: set by a handler that has work needing no object (the
     * monitoring history, read from the store), run once the model's lock
     * is released, the reply still open; it owns and frees after_ctx. */
    int (*after)(nb_call *c);
    void *after_ctx;

    /* Result. */
    int code;                   /* 0 or an nb_err */
    int resp_id;                /* object id for error envelopes / audit */
    char *errmsg;
    nb_buf *out;                /* response under construction */
    bool replied;
    bool doc_open;              /* nb_reply_doc() string still open */
};

/* Dispatch one HTTP request body into out (a complete methodResponse). */
void nb_dispatch(nb_server_ctx *srv, const char *body, size_t len, nb_buf *out);

/*
 * Run method `name` as oneadmin inside the caller's open transaction t (the
 * scheduler's deploys and migrations take the API's own path: target,
 * gate, handler, audit).  The caller commits or aborts t.  0, or -1 with
 * *err the OpenNebula error message (malloc'd).
 */
int nb_dispatch_as_oneadmin(nb_txn *t, const char *name, const nb_xv *args, size_t nargs,
                            char **err);

/* Parameter accessors; the signature guarantees type and presence of
 * mandatory ones; optional ones return def when absent. */
long long nb_arg_int(const nb_call *c, size_t i, long long def);
bool nb_arg_bool(const nb_call *c, size_t i, bool def);
const char *nb_arg_str(const nb_call *c, size_t i, const char *def);
const nb_xv *nb_arg(const nb_call *c, size_t i);

/* Results.  Exactly one of these per call (an error may replace nothing). */
void nb_reply_int(nb_call *c, int v);
void nb_reply_string(nb_call *c, const char *s);
/* Start a string result rendered piecewise: returns the response buffer in
 * escape mode; the dispatcher closes it. */
nb_buf *nb_reply_doc(nb_call *c);
/* An OpenNebula error: message after "[method] ", returns -1 for
 * `return nb_fail(...)`. */
int nb_fail(nb_call *c, int code, int resp_id, const char *fmt, ...) NB_PRINTF(4, 5);
/* "Error getting <what> [id]." */
int nb_fail_missing(nb_call *c, const nb_kind *k, int id);

/* Method tables, one per api_*.c file, each ending with a zeroed entry. */
extern const nb_method nb_api_system_methods[];
extern const nb_method nb_api_user_methods[];
extern const nb_method nb_api_group_methods[];
extern const nb_method nb_api_zone_methods[];
extern const nb_method nb_api_acl_methods[];
extern const nb_method nb_api_vdc_methods[];
extern const nb_method nb_api_cluster_methods[];
extern const nb_method nb_api_dedicate_methods[];
extern const nb_method nb_api_host_methods[];
extern const nb_method nb_api_datastore_methods[];
extern const nb_method nb_api_vm_methods[];
extern const nb_method nb_api_vm_hotplug_methods[];
extern const nb_method nb_api_quota_methods[];
extern const nb_method nb_api_template_methods[];
extern const nb_method nb_api_image_methods[];
extern const nb_method nb_api_acct_methods[];
extern const nb_method nb_api_monitoring_methods[];

/* Lookup (tests, introspection). */
const nb_method *nb_method_find(const char *name);

#endif
