/*
 * xmlrpc.h: XML-RPC codec (parse requests and responses, write both).
 *
 * Server side: nb_xmlrpc_parse_call() turns a <methodCall> into a method name
 * and a parameter vector, accepting every encoding real OpenNebula clients send
 * (<i4>, <int>, <i8>, <boolean>, <string>, untyped <value>, <double>, <array>,
 * <struct>, <nil/>); the nb_xmlrpc_resp_* writers emit the exact envelope
 * xmlrpc-c (and therefore OpenNebula's oned) sends.
 *
 * Client side (CLI, tests, benchmark): nb_xmlrpc_write_call() and
 * nb_xmlrpc_parse_response().
 *
 * Parsing is done with libxml2; untrusted input is bounded by nb_xmlrpc_limits
 * and never loads DTDs, external entities or the network.
 */
#ifndef NB_XMLRPC_H
#define NB_XMLRPC_H

#include <stdbool.h>
#include <stddef.h>
#include "buf.h"

/* Fault codes used by xmlrpc-c, which OpenNebula clients expect. */
enum nb_xmlrpc_fault {
    NB_FAULT_INTERNAL = -500,
    NB_FAULT_TYPE = -501,         /* "Parameter that is supposed to be integer is not" */
    NB_FAULT_INDEX = -502,        /* missing mandatory parameter */
    NB_FAULT_PARSE = -503,        /* not a well-formed methodCall */
    NB_FAULT_NO_SUCH_METHOD = -506,
    NB_FAULT_LIMIT = -509,        /* size/depth limits exceeded */
    NB_FAULT_BAD_UTF8 = -510,
};

typedef enum nb_xv_type {
    NB_XV_INT,        /* <i4>, <int> */
    NB_XV_I8,         /* <i8> */
    NB_XV_BOOL,       /* <boolean> 0|1 */
    NB_XV_DOUBLE,     /* <double> */
    NB_XV_STRING,     /* <string> or untyped <value> */
    NB_XV_BASE64,     /* <base64>: kept as its (undecoded) text */
    NB_XV_DATETIME,   /* <dateTime.iso8601>: kept as text */
    NB_XV_ARRAY,
    NB_XV_STRUCT,
    NB_XV_NIL,        /* <nil/> */
} nb_xv_type;

typedef struct nb_xv nb_xv;
typedef struct nb_xmember nb_xmember;

struct nb_xv {
    nb_xv_type type;
    union {
        long long i;     /* INT, I8 (INT is always within int32) */
        bool b;          /* BOOL */
        double d;        /* DOUBLE */
        struct { char *s; size_t len; } str;       /* STRING, BASE64, DATETIME; NUL-terminated */
        struct { nb_xv *items; size_t n; } arr;    /* ARRAY */
        struct { nb_xmember *members; size_t n; } st; /* STRUCT */
    } u;
};

struct nb_xmember {
    char *name;
    nb_xv value;
};

typedef struct nb_xmlrpc_limits {
    size_t max_depth;     /* nesting of arrays/structs inside one param, e.g. 32 */
    size_t max_params;    /* e.g. 64 */
} nb_xmlrpc_limits;

typedef struct nb_xmlrpc_call {
    char *method;
    nb_xv *params;
    size_t nparams;
} nb_xmlrpc_call;

/* A fault as reported by the parsers: code from enum nb_xmlrpc_fault and a
 * message (owned, free with free()). */
typedef struct nb_xmlrpc_fault_info {
    int code;
    char *msg;
} nb_xmlrpc_fault_info;

/*
 * Parse a methodCall.  Returns 0 and fills *out (free with
 * nb_xmlrpc_call_free), or -1 and fills *fault (free fault->msg).
 * Thread-safe; never reads files or the network.
 */
int nb_xmlrpc_parse_call(const char *xml, size_t len, const nb_xmlrpc_limits *lim,
                         nb_xmlrpc_call *out, nb_xmlrpc_fault_info *fault);
void nb_xmlrpc_call_free(nb_xmlrpc_call *c);
void nb_xv_free(nb_xv *v);              /* frees contents, not v itself */
const char *nb_xv_type_name(nb_xv_type t);   /* "int", "i8", "boolean", ... */

/*
 * Response writers (server).  A success response is
 *   nb_xmlrpc_resp_begin(); nb_xmlrpc_value_*() x N; nb_xmlrpc_resp_end();
 * producing <methodResponse><params><param><value><array><data> values
 * </data></array></value></param></params></methodResponse>, with the XML
 * declaration first.  For a long string written piecewise (an object document
 * rendered straight into the response) use nb_xmlrpc_value_string_begin(),
 * which switches b into escape mode, then nb_xmlrpc_value_string_end().
 */
void nb_xmlrpc_resp_begin(nb_buf *b);
void nb_xmlrpc_resp_end(nb_buf *b);
void nb_xmlrpc_value_bool(nb_buf *b, bool v);
void nb_xmlrpc_value_int(nb_buf *b, int v);            /* <i4> */
void nb_xmlrpc_value_i8(nb_buf *b, long long v);       /* <i8> */
void nb_xmlrpc_value_string(nb_buf *b, const char *s, size_t n);
void nb_xmlrpc_value_string_begin(nb_buf *b);
void nb_xmlrpc_value_string_end(nb_buf *b);
/* A complete fault response: <fault><value><struct> faultCode/faultString. */
void nb_xmlrpc_write_fault(nb_buf *b, int code, const char *msg);

/* Client side: a complete <methodCall> with the given params. */
void nb_xmlrpc_write_call(nb_buf *b, const char *method, const nb_xv *params, size_t n);
/* Append one value (any type, recursively) as <value>...</value>. */
void nb_xmlrpc_write_value(nb_buf *b, const nb_xv *v);

/*
 * Parse a methodResponse.  Returns 0 with the single result value in *out
 * (free with nb_xv_free), 1 if the response is a fault (fault filled from
 * faultCode/faultString), -1 if it is malformed (fault->code NB_FAULT_PARSE).
 */
int nb_xmlrpc_parse_response(const char *xml, size_t len, nb_xv *out,
                             nb_xmlrpc_fault_info *fault);

/* Convenience constructors for client code (strings are copied). */
nb_xv nb_xv_int(long long v);
nb_xv nb_xv_bool(bool v);
nb_xv nb_xv_string(const char *s);

#endif
