#include "cli/client.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <curl/curl.h>
#include "lib/buf.h"
#include "lib/util.h"
#include "cli/output.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "dev"
#endif

#define CONNECT_TIMEOUT_S 10L
#define DEFAULT_TIMEOUT_S 120L
/* oned's own MESSAGE_SIZE default; anything larger is not a sane reply. */
#define MAX_RESPONSE (1024UL * 1024 * 1024)

struct cli_client {
    CURL *curl;
    struct curl_slist *headers;
    char *endpoint;
    char *session;
    nb_buf resp;
    bool resp_too_large;
    char errbuf[CURL_ERROR_SIZE];
};

/* ---- credentials --------------------------------------------------------- */

static char *auth_path(void)
{
    const char *env = getenv("ONE_AUTH");
    const char *home = getenv("HOME");

    if (env && *env)
        return nb_strdup(env);
    if (!home || !*home) {
        struct passwd *pw = getpwuid(getuid());
        home = pw ? pw->pw_dir : "/";
    }
    return nb_asprintf("%s/.one/one_auth", home);
}

/* First line of the ONE_AUTH file, trailing blanks trimmed. */
static char *read_session(void)
{
    char *path = auth_path();
    char *text = NULL, *session = NULL;
    size_t len = 0, n;

    text = nb_read_file(path, &len);
    if (!text) {
        if (errno == ENOENT)
            cli_error("ONE_AUTH file %s not found", path);
        else
            cli_error("ONE_AUTH file %s could not be read: %s", path, strerror(errno));
        goto cleanup;
    }
    n = strcspn(text, "\n");
    while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\r'))
        n--;
    if (n == 0) {
        cli_error("ONE_AUTH file %s is empty", path);
        goto cleanup;
    }
    if (!memchr(text, ':', n)) {
        cli_error("ONE_AUTH file %s must hold user:password on its first line", path);
        goto cleanup;
    }
    session = nb_strndup(text, n);
 cleanup:
    if (text)
        nb_wipe(text, len);
    free(text);
    free(path);
    return session;
}

/* ---- transport ----------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    cli_client *c = arg;
    size_t n = size * nmemb;

    if (c->resp.len + n > MAX_RESPONSE) {
        c->resp_too_large = true;
        return 0;   /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    nb_buf_add(&c->resp, data, n);
    return n;
}

static long timeout_seconds(void)
{
    const char *env = getenv("ONE_XMLRPC_TIMEOUT");
    long long v;

    if (env && nb_parse_ll(env, &v) == 0 && v > 0 && v < 86400 * 365)
        return (long)v;
    return DEFAULT_TIMEOUT_S;
}

int cli_client_open(cli_client **out, const char *endpoint, const char *user,
                    const char *password)
{
    cli_client *c = nb_calloc(1, sizeof(*c));
    const char *env = getenv("ONE_XMLRPC");

    *out = NULL;
    if (!endpoint)
        endpoint = env && *env ? env : CLI_DEFAULT_ENDPOINT;
    c->endpoint = nb_strdup(endpoint);
    if (user || password) {
        if (!user || !password) {
            cli_error("--user and --password must be given together");
            goto error;
        }
        c->session = nb_asprintf("%s:%s", user, password);
    } else if (!(c->session = read_session())) {
        goto error;
    }

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(c->curl = curl_easy_init())) {
        cli_error("Cannot initialise libcurl");
        goto error;
    }
    c->headers = curl_slist_append(c->headers, "Content-Type: text/xml; charset=utf-8");
    /* No "100 Continue" round trip for large templates. */
    c->headers = curl_slist_append(c->headers, "Expect:");
    curl_easy_setopt(c->curl, CURLOPT_URL, c->endpoint);
    curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "nubes-cli/" PACKAGE_VERSION);
    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, timeout_seconds());
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->errbuf);
    *out = c;
    return 0;
 error:
    cli_client_free(c);
    return -1;
}

void cli_client_free(cli_client *c)
{
    if (!c)
        return;
    if (c->curl) {
        curl_easy_cleanup(c->curl);
        curl_global_cleanup();
    }
    curl_slist_free_all(c->headers);
    if (c->session)
        nb_wipe(c->session, strlen(c->session));
    free(c->session);
    free(c->endpoint);
    nb_buf_free(&c->resp);
    free(c);
}

static void report_transport(cli_client *c, CURLcode rc)
{
    long oserr = 0;
    const char *why = c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);

    curl_easy_getinfo(c->curl, CURLINFO_OS_ERRNO, &oserr);
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
        cli_error("Could not connect to %s: %s", c->endpoint,
                  oserr ? strerror((int)oserr) : why);
        break;
    case CURLE_OPERATION_TIMEDOUT:
        cli_error("Timeout talking to %s: %s", c->endpoint, why);
        break;
    case CURLE_WRITE_ERROR:
        if (c->resp_too_large) {
            cli_error("Response from %s exceeds %lu bytes", c->endpoint, MAX_RESPONSE);
            break;
        }
        /* fall through */
    default:
        cli_error("Error talking to %s: %s", c->endpoint, why);
        break;
    }
}

/* POST body, leaving the response in c->resp. */
static int post(cli_client *c, const nb_buf *body)
{
    CURLcode rc;
    long status = 0;

    nb_buf_reset(&c->resp);
    c->resp_too_large = false;
    c->errbuf[0] = '\0';
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body->data);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
    rc = curl_easy_perform(c->curl);
    if (rc != CURLE_OK) {
        report_transport(c, rc);
        return -1;
    }
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
        cli_error("HTTP error %ld from %s", status, c->endpoint);
        return -1;
    }
    return 0;
}

/* ---- calls --------------------------------------------------------------- */

static void build_params(nb_xv *params, size_t *n, const char *fmt, va_list ap)
{
    for (const char *f = fmt; *f; f++) {
        nb_xv *p = &params[(*n)++];

        switch (*f) {
        case 'i':
            *p = nb_xv_int(va_arg(ap, int));
            break;
        case 'b':
            *p = nb_xv_bool(va_arg(ap, int) != 0);
            break;
        case 's':
            *p = nb_xv_string(va_arg(ap, const char *));
            break;
        case 'I': {
            const int *ids = va_arg(ap, const int *);
            size_t count = va_arg(ap, size_t);

            memset(p, 0, sizeof(*p));
            p->type = NB_XV_ARRAY;
            p->u.arr.n = count;
            p->u.arr.items = nb_calloc(count ? count : 1, sizeof(nb_xv));
            for (size_t k = 0; k < count; k++)
                p->u.arr.items[k] = nb_xv_int(ids[k]);
            break;
        }
        default:
            abort();    /* a programming error in a command table */
        }
    }
}

/* Unwrap [ok, value, code, ...]; moves value into *result on success. */
static int unwrap(const char *method, nb_xv *resp, nb_xv *result)
{
    nb_xv *items = resp->type == NB_XV_ARRAY ? resp->u.arr.items : NULL;

    if (!items || resp->u.arr.n < 2 ||
        (items[0].type != NB_XV_BOOL && items[0].type != NB_XV_INT)) {
        cli_error("[%s] Unexpected response: not an OpenNebula result array", method);
        return -1;
    }
    if (!(items[0].type == NB_XV_BOOL ? items[0].u.b : items[0].u.i != 0)) {
        if (items[1].type == NB_XV_STRING)
            cli_error("%s", items[1].u.str.s);
        else if (resp->u.arr.n > 2 && items[2].type == NB_XV_INT)
            cli_error("[%s] failed with error code %lld", method, items[2].u.i);
        else
            cli_error("[%s] failed", method);
        return -1;
    }
    if (result) {
        *result = items[1];
        memset(&items[1], 0, sizeof(items[1]));
        items[1].type = NB_XV_NIL;   /* moved out: nothing left to free */
    }
    return 0;
}

int cli_vcall(cli_client *c, nb_xv *result, const char *method, const char *fmt, va_list ap)
{
    size_t nfmt = strlen(fmt), n = 0;
    nb_xv *params = nb_calloc(nfmt + 1, sizeof(*params));
    nb_buf body = NB_BUF_INIT;
    nb_xv resp;
    nb_xmlrpc_fault_info fault = { 0, NULL };
    int ret = -1, rc;

    memset(&resp, 0, sizeof(resp));
    resp.type = NB_XV_NIL;
    params[n++] = nb_xv_string(c->session);
    build_params(params, &n, fmt, ap);
    nb_xmlrpc_write_call(&body, method, params, n);
    if (post(c, &body) < 0)
        goto cleanup;

    rc = nb_xmlrpc_parse_response(c->resp.data ? c->resp.data : "", c->resp.len, &resp, &fault);
    if (rc == 1) {
        cli_error("[%s] XML-RPC fault %d: %s", method, fault.code, fault.msg ? fault.msg : "");
        goto cleanup;
    }
    if (rc < 0) {
        cli_error("[%s] Malformed XML-RPC response from %s: %s", method, c->endpoint,
                  fault.msg ? fault.msg : "parse error");
        goto cleanup;
    }
    ret = unwrap(method, &resp, result);
 cleanup:
    /* The request carries the password: do not leave it in freed memory. */
    if (body.data)
        nb_wipe(body.data, body.len);
    nb_buf_free(&body);
    if (params[0].type == NB_XV_STRING && params[0].u.str.s)
        nb_wipe(params[0].u.str.s, params[0].u.str.len);
    for (size_t i = 0; i < n; i++)
        nb_xv_free(&params[i]);
    free(params);
    nb_xv_free(&resp);
    free(fault.msg);
    return ret;
}

int cli_call(cli_client *c, nb_xv *result, const char *method, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = cli_vcall(c, result, method, fmt, ap);
    va_end(ap);
    return rc;
}

int cli_call_string(cli_client *c, char **out, const char *method, const char *fmt, ...)
{
    va_list ap;
    nb_xv v;
    int rc;

    *out = NULL;
    va_start(ap, fmt);
    rc = cli_vcall(c, &v, method, fmt, ap);
    va_end(ap);
    if (rc < 0)
        return -1;
    if (v.type == NB_XV_STRING) {
        *out = v.u.str.s;   /* take ownership */
        return 0;
    }
    cli_error("[%s] Unexpected response: expected a string, got %s", method,
              nb_xv_type_name(v.type));
    nb_xv_free(&v);
    return -1;
}

int cli_call_int(cli_client *c, int *out, const char *method, const char *fmt, ...)
{
    va_list ap;
    nb_xv v;
    int rc;

    va_start(ap, fmt);
    rc = cli_vcall(c, &v, method, fmt, ap);
    va_end(ap);
    if (rc < 0)
        return -1;
    rc = -1;
    if ((v.type == NB_XV_INT || v.type == NB_XV_I8) && v.u.i >= INT32_MIN && v.u.i <= INT32_MAX) {
        *out = (int)v.u.i;
        rc = 0;
    } else {
        cli_error("[%s] Unexpected response: expected an id, got %s", method,
                  nb_xv_type_name(v.type));
    }
    nb_xv_free(&v);
    return rc;
}
