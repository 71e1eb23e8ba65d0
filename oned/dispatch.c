#define NB_LOG_MODULE "ReM"
#include "oned/dispatch.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/hash.h"
#include "lib/log.h"
#include "oned/audit.h"
#include "oned/auth.h"
#include "oned/gate.h"
#include "oned/group.h"
#include "oned/user.h"

static const nb_method *const nb_method_tables[] = {
    nb_api_system_methods,
    nb_api_user_methods,
    nb_api_group_methods,
    nb_api_zone_methods,
    nb_api_acl_methods,
    nb_api_vdc_methods,
    nb_api_cluster_methods,
    nb_api_dedicate_methods,
    nb_api_host_methods,
    nb_api_datastore_methods,
    nb_api_vm_methods,
    nb_api_vm_hotplug_methods,
    nb_api_quota_methods,
    nb_api_template_methods,
    nb_api_image_methods,
    nb_api_acct_methods,
    nb_api_monitoring_methods,
};

static nb_hash nb_methods;
static pthread_once_t nb_methods_once = PTHREAD_ONCE_INIT;

static void nb_methods_index(void)
{
    nb_hash_init(&nb_methods);
    for (size_t t = 0; t < NB_ARRAY_SIZE(nb_method_tables); t++)
        for (const nb_method *m = nb_method_tables[t]; m->name; m++)
            nb_hash_put(&nb_methods, m->name, (void *)m);
}

const nb_method *nb_method_find(const char *name)
{
    pthread_once(&nb_methods_once, nb_methods_index);
    return nb_hash_get(&nb_methods, name);
}

/* ---- parameters ---------------------------------------------------------- */

const nb_xv *nb_arg(const nb_call *c, size_t i)
{
    return i < c->nargs ? &c->args[i] : NULL;
}

long long nb_arg_int(const nb_call *c, size_t i, long long def)
{
    const nb_xv *v = nb_arg(c, i);
    if (!v)
        return def;
    return v->type == NB_XV_BOOL ? v->u.b : v->u.i;
}

bool nb_arg_bool(const nb_call *c, size_t i, bool def)
{
    const nb_xv *v = nb_arg(c, i);
    if (!v)
        return def;
    return v->type == NB_XV_BOOL ? v->u.b : v->u.i != 0;
}

const char *nb_arg_str(const nb_call *c, size_t i, const char *def)
{
    const nb_xv *v = nb_arg(c, i);
    return v ? v->u.str.s : def;
}

static const char *nb_sig_type_name(char t)
{
    switch (t) {
    case 'i': return "integer";
    case 'b': return "boolean";
    case 's': return "string";
    case 'a': return "array";
    }
    return "value";
}

/* xmlrpc-c is strict; we also take an <i8> that fits where an int is read and
 * 0/1 integers where a boolean is read, which is safe. */
static bool nb_sig_accepts(char t, const nb_xv *v)
{
    switch (t) {
    case 'i':
        return v->type == NB_XV_INT ||
               (v->type == NB_XV_I8 && v->u.i >= INT32_MIN && v->u.i <= INT32_MAX);
    case 'b':
        return v->type == NB_XV_BOOL ||
               (v->type == NB_XV_INT && (v->u.i == 0 || v->u.i == 1));
    case 's':
        return v->type == NB_XV_STRING;
    case 'a':
        return v->type == NB_XV_ARRAY;
    }
    return false;
}

/* Returns 0, or a fault code with *msg set. */
static int nb_sig_check(const nb_method *m, const nb_xv *args, size_t n, char **msg)
{
    size_t i = 0;
    bool optional = false;
    for (const char *s = m->sig; *s; s++) {
        if (*s == '|') {
            optional = true;
            continue;
        }
        if (i >= n) {
            if (optional)
                return 0;
            *msg = nb_asprintf("Not enough parameters: %s needs a %s as parameter %zu",
                               m->name, nb_sig_type_name(*s), i + 2);
            return NB_FAULT_INDEX;
        }
        if (!nb_sig_accepts(*s, &args[i])) {
            *msg = nb_asprintf("Parameter that is supposed to be %s is not "
                               "(parameter %zu of %s is %s)", nb_sig_type_name(*s),
                               i + 2, m->name, nb_xv_type_name(args[i].type));
            return NB_FAULT_TYPE;
        }
        i++;
    }
    return 0;   /* surplus trailing parameters are ignored, as oned does */
}

/* ---- results ------------------------------------------------------------- */

static void nb_reply_begin(nb_call *c)
{
    nb_buf_reset(c->out);
    nb_xmlrpc_resp_begin(c->out);
    nb_xmlrpc_value_bool(c->out, true);
    c->replied = true;
}

static void nb_reply_end(nb_call *c)
{
    nb_xmlrpc_value_int(c->out, 0);
    nb_xmlrpc_resp_end(c->out);
}

void nb_reply_int(nb_call *c, int v)
{
    nb_reply_begin(c);
    nb_xmlrpc_value_int(c->out, v);
    nb_reply_end(c);
    if (c->resp_id < 0)
        c->resp_id = v;
}

void nb_reply_string(nb_call *c, const char *s)
{
    nb_reply_begin(c);
    nb_xmlrpc_value_string(c->out, s, strlen(s));
    nb_reply_end(c);
}

nb_buf *nb_reply_doc(nb_call *c)
{
    nb_reply_begin(c);
    nb_xmlrpc_value_string_begin(c->out);
    c->doc_open = true;
    return c->out;
}

int nb_fail(nb_call *c, int code, int resp_id, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = nb_vasprintf(fmt, ap);
    va_end(ap);

    free(c->errmsg);
    c->errmsg = nb_asprintf("[%s] %s", c->m->name, msg);
    free(msg);
    c->code = code;
    c->resp_id = resp_id;
    return -1;
}

int nb_fail_missing(nb_call *c, const nb_kind *k, int id)
{
    return nb_fail(c, NB_E_NO_EXISTS, id, "Error getting %s [%d].", k->what, id);
}

static void nb_write_error(nb_call *c)
{
    nb_buf_reset(c->out);
    nb_xmlrpc_resp_begin(c->out);
    nb_xmlrpc_value_bool(c->out, false);
    nb_xmlrpc_value_string(c->out, c->errmsg, strlen(c->errmsg));
    nb_xmlrpc_value_int(c->out, c->code);
    nb_xmlrpc_value_int(c->out, c->resp_id);
    nb_xmlrpc_value_i8(c->out, 0);
    nb_xmlrpc_resp_end(c->out);
}

/* ---- the pipeline -------------------------------------------------------- */

/* Who the call acts as, from the published user (lock held). */
static int nb_call_subject(nb_call *c, const nb_auth_result *r)
{
    const nb_object *o = c->txn ? nb_txn_get(c->txn, &nb_user_kind, r->uid)
                                : nb_pool_get(nb_model_cpool(c->model, &nb_user_kind), r->uid);
    const nb_user *u;

    if (!o || !(u = nb_user_cof(o))->enabled)
        return -1;
    c->uid = o->oid;
    snprintf(c->uname, sizeof(c->uname), "%s", o->name);
    c->subj.uid = o->oid;
    if (r->egid >= 0) {
        c->egid = r->egid;
        c->subj.gid = r->egid;
        c->subj.groups = &c->egid;
        c->subj.ngroups = 1;
    } else {
        c->subj.gid = o->gid;
        c->subj.groups = u->groups;
        c->subj.ngroups = u->ngroups;
    }
    return 0;
}

static int nb_call_target(nb_call *c)
{
    const nb_method *m = c->m;
    int id;

    if (!m->kind || m->id_arg < 0)
        return 0;
    id = (int)nb_arg_int(c, (size_t)m->id_arg, -1);
    if ((m->flags & NB_M_SELF) && id == -1)
        id = m->kind == &nb_user_kind ? c->uid : c->subj.gid;
    c->obj = c->txn ? nb_txn_get(c->txn, m->kind, id)
                    : nb_pool_get(nb_model_cpool(c->model, m->kind), id);
    if (!c->obj)
        return nb_fail_missing(c, m->kind, id);
    c->target_id = id;
    return nb_gate_check_ex(c, c->obj, m->op, (m->flags & NB_M_LOCK_EXEMPT) != 0);
}

static void nb_call_audit(nb_call *c)
{
    nb_audit_entry e = {
        .time = nb_now(),
        .uid = c->uid,
        .uname = c->uname,
        .via_uid = c->via_uid,
        .method = c->m->name,
        .oid = c->resp_id >= 0 ? c->resp_id : c->target_id,
        .code = c->code,
        .message = c->code ? c->errmsg : NULL,
    };
    nb_audit_record(&e);
}

static void nb_call_run(nb_call *c, const char *session, size_t slen)
{
    nb_auth_result r;
    bool write = (c->m->flags & NB_M_WRITE) != 0;
    char *err = NULL;

    if (nb_auth_session(c->srv->auth, session, slen, &r) < 0) {
        nb_fail(c, NB_E_AUTHENTICATION, -1, "User couldn't be authenticated, aborting call.");
        return;
    }
    c->via_uid = r.via_uid;
    if (c->m->prepare && c->m->prepare(c) < 0)
        return;
    if (write)
        c->txn = nb_txn_begin(c->model);
    else
        nb_model_rdlock(c->model);

    if (nb_call_subject(c, &r) < 0)
        nb_fail(c, NB_E_AUTHENTICATION, -1, "User couldn't be authenticated, aborting call.");
    else if (nb_call_target(c) == 0 && c->m->handler(c) == 0 && !c->replied)
        nb_fail(c, NB_E_INTERNAL, -1, "Internal error: no result");  /* a handler bug */

    if (!write) {
        nb_model_unlock(c->model);
        if (c->after)
            c->after(c);
    }
    if (c->doc_open) {
        nb_xmlrpc_value_string_end(c->out);
        nb_reply_end(c);
        c->doc_open = false;
    }
    if (!write)
        return;
    if (c->code) {
        nb_txn_abort(c->txn);
    } else if (nb_txn_commit(c->txn, &err) < 0) {
        nb_fail(c, NB_E_INTERNAL, -1, "Error saving the change: %s", err);
        free(err);
    }
    c->txn = NULL;
}

int nb_dispatch_as_oneadmin(nb_txn *t, const char *name, const nb_xv *args, size_t nargs,
                            char **err)
{
    static const int oneadmin_group = 0;
    nb_buf out = NB_BUF_INIT;
    nb_call c = {
        .m = nb_method_find(name), .model = nb_txn_model(t), .args = args, .nargs = nargs,
        .uid = 0, .uname = "oneadmin", .via_uid = -1,
        .subj = { 0, 0, &oneadmin_group, 1 }, .txn = t, .target_id = -1, .resp_id = -1,
        .out = &out,
    };
    int ret = -1;

    if (!c.m) {
        *err = nb_asprintf("no method %s", name);
        goto cleanup;
    }
    if (nb_call_target(&c) == 0 && c.m->handler(&c) == 0)
        ret = 0;
    else
        *err = nb_strdup(c.errmsg ? c.errmsg : "failed");
    nb_call_audit(&c);
 cleanup:
    free(c.errmsg);
    nb_buf_free(&out);
    return ret;
}

void nb_dispatch(nb_server_ctx *srv, const char *body, size_t len, nb_buf *out)
{
    nb_xmlrpc_call xc;
    nb_xmlrpc_fault_info fault = { 0, NULL };
    const nb_method *m;
    nb_call c;
    char *msg = NULL;
    int fcode;

    if (nb_xmlrpc_parse_call(body, len, &srv->limits, &xc, &fault) < 0) {
        nb_xmlrpc_write_fault(out, fault.code, fault.msg);
        free(fault.msg);
        return;
    }
    if (!(m = nb_method_find(xc.method))) {
        msg = nb_asprintf("Method '%s' not defined", xc.method);
        nb_xmlrpc_write_fault(out, NB_FAULT_NO_SUCH_METHOD, msg);
        goto cleanup;
    }
    if (xc.nparams < 1 || xc.params[0].type != NB_XV_STRING) {
        msg = nb_asprintf(xc.nparams < 1 ? "Not enough parameters: %s needs the session string"
                                         : "Parameter that is supposed to be string is not "
                                           "(the session of %s)", m->name);
        nb_xmlrpc_write_fault(out, xc.nparams < 1 ? NB_FAULT_INDEX : NB_FAULT_TYPE, msg);
        goto cleanup;
    }
    if ((fcode = nb_sig_check(m, xc.params + 1, xc.nparams - 1, &msg)) != 0) {
        nb_xmlrpc_write_fault(out, fcode, msg);
        goto cleanup;
    }

    memset(&c, 0, sizeof(c));
    c.m = m;
    c.srv = srv;
    c.model = srv->model;
    c.args = xc.params + 1;
    c.nargs = xc.nparams - 1;
    c.uid = -1;
    c.via_uid = -1;
    c.resp_id = -1;
    c.target_id = -1;
    c.out = out;
    nb_call_run(&c, xc.params[0].u.str.s, xc.params[0].u.str.len);
    if (c.code)
        nb_write_error(&c);
    if (m->flags & NB_M_WRITE)
        nb_call_audit(&c);
    if (c.code && c.code != NB_E_AUTHENTICATION)
        nb_log_debug("%s", c.errmsg);
    free(c.errmsg);
    if (c.prepared) {
        nb_wipe(c.prepared, strlen(c.prepared));
        free(c.prepared);
    }
 cleanup:
    free(msg);
    nb_xmlrpc_call_free(&xc);
}
