/*
 * rpcbench: load generator for oned's XML-RPC API (run by `make bench`).
 *
 *   rpcbench call -p PORT -a USER:PASS -c CONNS -d SECONDS -m METHOD [-i INT] [-s STR] ...
 *       closed-loop load on CONNS keep-alive connections (one thread each):
 *       1 s warm-up, then SECONDS measured; prints throughput and latency.
 *       With -r 1, every call opens a connection of its own and closes it,
 *       as OpenNebula's Ruby and Python clients do.
 *   rpcbench fill -p PORT -a USER:PASS -n N -c CONNS
 *       creates users benchuser1..benchuserN with one.user.allocate.
 *   rpcbench time -p PORT -a USER:PASS -m METHOD -n REPS [-i INT] [-s STR] ...
 *       REPS sequential calls on one connection; wall time of each whole call.
 *
 * Raw HTTP/1.1 over TCP to 127.0.0.1 only, so the client costs a few
 * microseconds per call and the figures measure the server.  A call counts as
 * an error unless the status is 200 and the envelope's first value is
 * <boolean>1</boolean>; any error makes the exit status non-zero.
 * Every loop is bounded by a count and by time: the process always ends.
 */
#define _GNU_SOURCE     /* memmem */
#include "lib/buf.h"
#include "lib/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 256
#define MAX_PARAMS 16
#define MAX_SECONDS 300
#define MAX_FILL 1000000
#define MAX_REPS 100000
#define MAX_CALLS_PER_CONN (1ul << 26)
#define WARMUP_NS 1000000000ull
#define NS_PER_S 1000000000ull
/* fill and time stop here even if the server crawls. */
#define LIMIT_NS (600 * NS_PER_S)
/* A stuck server fails the call instead of hanging the benchmark. */
#define IO_TIMEOUT_S 10
#define MAX_HEADER 65536
#define MAX_BODY (1ul << 30)    /* oned's default MESSAGE_SIZE */
#define READ_CHUNK 65536
#define ERR_LEN 160

typedef enum { P_INT, P_STR, P_EMPTY_ARRAY } param_kind;

typedef struct param {
    param_kind kind;
    int ival;
    const char *sval;
} param;

typedef struct opts {
    const char *mode;
    int port;
    const char *auth;
    int conns;
    int seconds;
    int n;
    const char *method;
    param params[MAX_PARAMS];
    size_t nparams;
    enum fill_kind { FILL_USERS, FILL_ACL, FILL_HOSTS, FILL_VMS, FILL_DEPLOY } fill;
    int hosts;                      /* fill -k deploy: VM k goes to host k % hosts */
    int fresh;                      /* call -r 1: a new connection per call */
} opts;

/* One keep-alive connection; `in` holds bytes received and not yet consumed. */
typedef struct conn {
    int fd;
    int port;
    nb_buf in;
    unsigned long server_closes;   /* responses that carried Connection: close */
} conn;

typedef struct reply {
    int status;
    size_t body_len;
    bool ok;                       /* envelope starts with <boolean>1</boolean> */
    char detail[ERR_LEN];          /* why not ok, for the first-error report */
} reply;

/* Per-connection state of `call` and `fill`; results merged by main. */
typedef struct worker {
    pthread_t tid;
    const opts *o;
    const nb_buf *req;             /* call: the one pre-built request */
    atomic_int *next_user;         /* fill: next user number to create */
    uint64_t t0, t1;               /* call: measurement window (monotonic ns) */
    uint64_t *lat;                 /* call: latencies in ns of measured calls */
    size_t nlat, caplat;
    unsigned long errors;
    unsigned long server_closes;
    char first_err[ERR_LEN];
} worker;

static void usage(void)
{
    fprintf(stderr,
            "usage: rpcbench call -p PORT -a USER:PASS -c CONNS -d SECONDS [-r 1] -m METHOD [-i INT] [-s STR]...\n"
            "       rpcbench fill -p PORT -a USER:PASS -n N -c CONNS [-k users|acl|hosts|vms]\n"
            "       rpcbench fill -p PORT -a USER:PASS -n N -c CONNS -k deploy -H HOSTS\n"
            "       rpcbench time -p PORT -a USER:PASS -m METHOD -n REPS [-i INT] [-s STR]...\n");
}

/* --- request building ---------------------------------------------------- */

static void add_param(nb_buf *b, const param *p)
{
    nb_buf_adds(b, "<param><value>");
    switch (p->kind) {
    case P_INT:
        nb_buf_adds(b, "<int>");
        nb_buf_add_ll(b, p->ival);
        nb_buf_adds(b, "</int>");
        break;
    case P_STR:
        nb_buf_adds(b, "<string>");
        nb_buf_add_xml_text(b, p->sval, strlen(p->sval));
        nb_buf_adds(b, "</string>");
        break;
    case P_EMPTY_ARRAY:
        nb_buf_adds(b, "<array><data></data></array>");
        break;
    }
    nb_buf_adds(b, "</value></param>");
}

/* A complete HTTP request: headers with the exact Content-Length, then the
 * methodCall whose first parameter is the session string. */
static void build_request(nb_buf *req, int port, const char *auth, const char *method,
                          const param *params, size_t n)
{
    nb_buf body = NB_BUF_INIT;
    const param session = { .kind = P_STR, .sval = auth };

    nb_buf_adds(&body, "<?xml version=\"1.0\"?>\n<methodCall><methodName>");
    nb_buf_add_xml_text(&body, method, strlen(method));
    nb_buf_adds(&body, "</methodName><params>");
    add_param(&body, &session);
    for (size_t i = 0; i < n; i++)
        add_param(&body, &params[i]);
    nb_buf_adds(&body, "</params></methodCall>\n");

    nb_buf_reset(req);
    nb_buf_addf(req, "POST /RPC2 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: rpcbench\r\n"
                "Content-Type: text/xml\r\nContent-Length: %zu\r\n\r\n", port, body.len);
    nb_buf_add_raw(req, body.data, body.len);
    nb_buf_free(&body);
}

/* --- connection and HTTP response parsing --------------------------------- */

static void conn_init(conn *c, int port)
{
    c->fd = -1;
    c->port = port;
    nb_buf_init(&c->in);
    c->server_closes = 0;
}

static void conn_close(conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    nb_buf_reset(&c->in);
}

/* Close with a reset rather than FIN: tens of thousands of connections a
 * second would otherwise leave as many ports in TIME_WAIT and run out. */
static void conn_reset(conn *c)
{
    struct linger lg = { .l_onoff = 1, .l_linger = 0 };

    if (c->fd >= 0)
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    conn_close(c);
}

static void conn_free(conn *c)
{
    conn_close(c);
    nb_buf_free(&c->in);
}

static int conn_open(conn *c, char *err)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)c->port) };
    struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
    int one = 1;
    int fd;

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        goto fail;
    /* Requests are single small writes; Nagle would only add delay. */
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
        connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        goto fail;
    c->fd = fd;
    nb_buf_reset(&c->in);
    return 0;

fail:
    snprintf(err, ERR_LEN, "connect 127.0.0.1:%d: %s", c->port, strerror(errno));
    if (fd >= 0)
        close(fd);
    return -1;
}

static int send_all(int fd, const char *p, size_t n, char *err)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            snprintf(err, ERR_LEN, "send: %s", strerror(errno));
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Append at least one byte from the socket to c->in. */
static int recv_some(conn *c, size_t want, char *err)
{
    ssize_t r;

    nb_buf_reserve(&c->in, want > READ_CHUNK ? want : READ_CHUNK);
    do {
        r = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len - 1, 0);
    } while (r < 0 && errno == EINTR);
    if (r <= 0) {
        snprintf(err, ERR_LEN, "recv: %s",
                 r == 0 ? "connection closed by server" :
                 errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : strerror(errno));
        return -1;
    }
    c->in.len += (size_t)r;
    c->in.data[c->in.len] = '\0';
    return 0;
}

static bool header_is(const char *line, size_t len, const char *name, const char **val)
{
    size_t n = strlen(name);
    if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
        return false;
    *val = line + n + 1;
    while (*val < line + len && (**val == ' ' || **val == '\t'))
        (*val)++;
    return true;
}

/* Status line and the two headers we need, from the header block [p, end). */
static int parse_head(const char *p, const char *end, int *status, size_t *clen,
                      bool *close_after, char *err)
{
    const char *eol = memchr(p, '\r', (size_t)(end - p));
    bool have_len = false;

    if (!eol || eol - p < 12 || strncmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ' ||
        sscanf(p + 9, "%3d", status) != 1) {
        snprintf(err, ERR_LEN, "bad HTTP status line");
        return -1;
    }
    *close_after = p[7] == '0';    /* HTTP/1.0 without keep-alive */
    for (p = eol + 2; p < end; p = eol + 2) {
        const char *val;
        eol = memchr(p, '\r', (size_t)(end - p));
        if (!eol)
            eol = end;
        if (header_is(p, (size_t)(eol - p), "Content-Length", &val)) {
            char *num_end;
            unsigned long long v = strtoull(val, &num_end, 10);
            if (num_end == val || v > MAX_BODY) {
                snprintf(err, ERR_LEN, "bad Content-Length");
                return -1;
            }
            *clen = (size_t)v;
            have_len = true;
        } else if (header_is(p, (size_t)(eol - p), "Connection", &val)) {
            *close_after = strncasecmp(val, "close", 5) == 0;
        }
    }
    if (!have_len) {
        snprintf(err, ERR_LEN, "response without Content-Length");
        return -1;
    }
    return 0;
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

static bool expect(const char **p, const char *end, const char *lit)
{
    size_t n = strlen(lit);
    *p = skip_ws(*p, end);
    if ((size_t)(end - *p) < n || memcmp(*p, lit, n) != 0)
        return false;
    *p += n;
    return true;
}

/* Is the first value of the response array <boolean>1</boolean>?  A fault has
 * no <data>; a failure envelope has <boolean>0</boolean> there. */
static bool envelope_ok(const char *body, size_t len, char *detail)
{
    const char *end = body + len;
    const char *p = memmem(body, len, "<data>", 6);

    if (p && !memmem(body, (size_t)(p - body), "<fault>", 7)) {
        p += 6;
        if (expect(&p, end, "<value>") && expect(&p, end, "<boolean>1</boolean>"))
            return true;
    }
    /* Show the error message or fault string, entity-escaped as received. */
    p = memmem(body, len, "<string>", 8);
    if (p) {
        body = p + 8;
        p = memchr(body, '<', (size_t)(end - body));
        if (p)
            end = p;
    }
    snprintf(detail, ERR_LEN, "failed call: %.*s", (int)(end - body < 120 ? end - body : 120), body);
    return false;
}

/*
 * Send req and read one whole response: headers up to \r\n\r\n, then exactly
 * Content-Length bytes, over as many reads as it takes.  Returns 0 with *r
 * filled (r->ok tells success), or -1 on a transport or protocol error, after
 * which the connection is closed and the next call reconnects.
 */
static int conn_call(conn *c, const char *req, size_t len, reply *r, char *err)
{
    size_t scanned = 0, hdr_len, clen = 0;
    bool close_after;
    const char *hdr_end;

    r->ok = false;
    r->detail[0] = '\0';
    if (c->fd < 0 && conn_open(c, err) < 0) {
        /* Without a pause a refused connect would spin until the deadline,
         * taking CPU from a server that may still be starting or recovering. */
        nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
        return -1;
    }
    if (send_all(c->fd, req, len, err) < 0)
        goto fail;
    for (;;) {
        hdr_end = c->in.len ? memmem(c->in.data + scanned, c->in.len - scanned, "\r\n\r\n", 4) : NULL;
        if (hdr_end)
            break;
        if (c->in.len >= MAX_HEADER) {
            snprintf(err, ERR_LEN, "response header over %d bytes", MAX_HEADER);
            goto fail;
        }
        scanned = c->in.len > 3 ? c->in.len - 3 : 0;
        if (recv_some(c, 0, err) < 0)
            goto fail;
    }
    hdr_len = (size_t)(hdr_end - c->in.data) + 4;
    if (parse_head(c->in.data, hdr_end + 2, &r->status, &clen, &close_after, err) < 0)
        goto fail;
    while (c->in.len < hdr_len + clen) {
        if (recv_some(c, hdr_len + clen - c->in.len, err) < 0)
            goto fail;
    }
    r->body_len = clen;
    if (r->status != 200)
        snprintf(r->detail, ERR_LEN, "HTTP status %d", r->status);
    else
        r->ok = envelope_ok(c->in.data + hdr_len, clen, r->detail);

    /* Nothing is pipelined, so surplus bytes would be a server bug. */
    if (c->in.len != hdr_len + clen) {
        snprintf(err, ERR_LEN, "%zu unexpected bytes after the response",
                 c->in.len - hdr_len - clen);
        goto fail;
    }
    nb_buf_reset(&c->in);
    if (close_after) {
        c->server_closes++;
        conn_close(c);
    }
    return 0;

fail:
    conn_close(c);
    return -1;
}

/* Count a failed call and remember the first reason. */
static void note_error(worker *w, int rc, const reply *r, const char *err)
{
    w->errors++;
    if (!w->first_err[0])
        snprintf(w->first_err, ERR_LEN, "%s", rc < 0 ? err : r->detail);
}

/* --- modes ----------------------------------------------------------------- */

static void *call_worker(void *arg)
{
    worker *w = arg;
    conn c;
    char err[ERR_LEN];

    conn_init(&c, w->o->port);
    for (unsigned long i = 0; i < MAX_CALLS_PER_CONN; i++) {
        uint64_t start = nb_mono_ns(), end;
        reply r;
        int rc;

        if (start >= w->t1)
            break;
        rc = conn_call(&c, w->req->data, w->req->len, &r, err);
        if (w->o->fresh)
            conn_reset(&c);
        end = nb_mono_ns();
        if (rc < 0 || !r.ok) {
            note_error(w, rc, &r, err);
            continue;
        }
        /* Calls completing inside the window are the measured ones. */
        if (end >= w->t0 && end < w->t1) {
            nb_grow(&w->lat, &w->caplat, w->nlat + 1, sizeof(*w->lat));
            w->lat[w->nlat++] = end - start;
        }
    }
    w->server_closes = c.server_closes;
    conn_free(&c);
    return NULL;
}

static void *fill_worker(void *arg)
{
    worker *w = arg;
    const opts *o = w->o;
    uint64_t deadline = nb_mono_ns() + LIMIT_NS;
    nb_buf req = NB_BUF_INIT;
    conn c;
    char err[ERR_LEN], name[32], user[20], res[20], vm_tmpl[64];
    const param user_params[] = {
        { .kind = P_STR, .sval = name }, { .kind = P_STR, .sval = "pw" },
        { .kind = P_STR, .sval = "core" }, { .kind = P_EMPTY_ARRAY },
    };
    const param acl_params[] = {
        { .kind = P_STR, .sval = user }, { .kind = P_STR, .sval = res },
        { .kind = P_STR, .sval = "1" },
    };
    const param host_params[] = {
        { .kind = P_STR, .sval = name }, { .kind = P_STR, .sval = "dummy" },
        { .kind = P_STR, .sval = "dummy" }, { .kind = P_INT, .ival = -1 },
    };
    const param vm_params[] = { { .kind = P_STR, .sval = vm_tmpl } };
    param deploy_params[2] = { { .kind = P_INT }, { .kind = P_INT } };

    conn_init(&c, o->port);
    for (int k = atomic_fetch_add(w->next_user, 1); k <= o->n;
         k = atomic_fetch_add(w->next_user, 1)) {
        reply r;
        int rc;

        if (nb_mono_ns() >= deadline) {
            snprintf(err, ERR_LEN, "time limit reached before the fill was done");
            note_error(w, -1, NULL, err);
            break;
        }
        switch (o->fill) {
        case FILL_ACL:
            /* Rule k gives USE on user k+1 (benchuserk) to the users group
             * for even k, else to benchuserk alone on the next user: half of
             * them match a member of group 1, every one a different id. */
            snprintf(user, sizeof(user), "%llx", k % 2 ? 0x100000000ULL + (unsigned)(k + 1)
                                                       : 0x200000001ULL);
            snprintf(res, sizeof(res), "%llx", 0x10100000000ULL + (unsigned)(k + 1 + k % 2));
            build_request(&req, o->port, o->auth, "one.acl.addrule", acl_params,
                          NB_ARRAY_SIZE(acl_params));
            break;
        case FILL_HOSTS:
            snprintf(name, sizeof(name), "benchhost%d", k);
            build_request(&req, o->port, o->auth, "one.host.allocate", host_params,
                          NB_ARRAY_SIZE(host_params));
            break;
        case FILL_VMS:
            snprintf(vm_tmpl, sizeof(vm_tmpl), "NAME=benchvm%d\nCPU=0.1\nMEMORY=64", k);
            build_request(&req, o->port, o->auth, "one.vm.allocate", vm_params,
                          NB_ARRAY_SIZE(vm_params));
            break;
        case FILL_DEPLOY:
            /* A fresh oned numbers VMs and hosts from 0 in creation order. */
            deploy_params[0].ival = k - 1;
            deploy_params[1].ival = (k - 1) % o->hosts;
            build_request(&req, o->port, o->auth, "one.vm.deploy", deploy_params, 2);
            break;
        case FILL_USERS:
            snprintf(name, sizeof(name), "benchuser%d", k);
            build_request(&req, o->port, o->auth, "one.user.allocate", user_params,
                          NB_ARRAY_SIZE(user_params));
            break;
        }
        rc = conn_call(&c, req.data, req.len, &r, err);
        if (rc < 0 || !r.ok)
            note_error(w, rc, &r, err);
    }
    w->server_closes = c.server_closes;
    conn_free(&c);
    nb_buf_free(&req);
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array. */
static uint64_t percentile(const uint64_t *v, size_t n, double p)
{
    size_t rank = (size_t)(p * (double)n + 0.999999);
    return v[rank ? rank - 1 : 0];
}

/* Merge the workers' error counts and say it loudly if there were any. */
static unsigned long report_errors(const worker *w, int n)
{
    unsigned long errors = 0, closes = 0;
    const char *first = NULL;

    for (int i = 0; i < n; i++) {
        errors += w[i].errors;
        closes += w[i].server_closes;
        if (!first && w[i].first_err[0])
            first = w[i].first_err;
    }
    if (closes)
        fprintf(stderr, "rpcbench: note: server closed keep-alive connections %lu times\n", closes);
    if (errors)
        fprintf(stderr, "rpcbench: *** %lu CALLS FAILED *** first: %s\n", errors, first);
    return errors;
}

/* Start one thread per connection running fn over w[0..n). */
static int run_workers(worker *w, int n, void *(*fn)(void *))
{
    int started = 0, rc = 0;

    for (; started < n; started++) {
        if (pthread_create(&w[started].tid, NULL, fn, &w[started]) != 0) {
            fprintf(stderr, "rpcbench: cannot start thread %d\n", started);
            rc = -1;
            break;
        }
    }
    for (int i = 0; i < started; i++)
        pthread_join(w[i].tid, NULL);
    return rc;
}

static int mode_call(const opts *o)
{
    worker *w = nb_calloc((size_t)o->conns, sizeof(*w));
    nb_buf req = NB_BUF_INIT;
    uint64_t *all = NULL, now;
    size_t n = 0;
    unsigned long errors;
    int rc = -1;

    build_request(&req, o->port, o->auth, o->method, o->params, o->nparams);
    now = nb_mono_ns();
    for (int i = 0; i < o->conns; i++) {
        w[i].o = o;
        w[i].req = &req;
        w[i].t0 = now + WARMUP_NS;
        w[i].t1 = w[i].t0 + (uint64_t)o->seconds * NS_PER_S;
    }
    if (run_workers(w, o->conns, call_worker) < 0)
        goto cleanup;

    for (int i = 0; i < o->conns; i++)
        n += w[i].nlat;
    all = nb_malloc((n ? n : 1) * sizeof(*all));
    n = 0;
    for (int i = 0; i < o->conns; i++) {
        if (w[i].nlat)
            memcpy(all + n, w[i].lat, w[i].nlat * sizeof(*all));
        n += w[i].nlat;
    }
    qsort(all, n, sizeof(*all), cmp_u64);
    errors = report_errors(w, o->conns);
    printf("%s conns=%d calls=%zu calls/s=%.0f p50_us=%.0f p99_us=%.0f max_us=%.0f errors=%lu\n",
           o->method, o->conns, n, (double)n / o->seconds,
           n ? percentile(all, n, 0.50) / 1e3 : 0.0, n ? percentile(all, n, 0.99) / 1e3 : 0.0,
           n ? all[n - 1] / 1e3 : 0.0, errors);
    if (n == 0 && !errors)
        fprintf(stderr, "rpcbench: *** NO CALL COMPLETED IN THE MEASUREMENT WINDOW ***\n");
    rc = errors || n == 0 ? -1 : 0;

cleanup:
    for (int i = 0; i < o->conns; i++)
        free(w[i].lat);
    free(w);
    free(all);
    nb_buf_free(&req);
    return rc;
}

static int mode_fill(const opts *o)
{
    worker *w = nb_calloc((size_t)o->conns, sizeof(*w));
    atomic_int next = 1;
    uint64_t start, elapsed;
    unsigned long errors;
    int rc = -1;

    for (int i = 0; i < o->conns; i++) {
        w[i].o = o;
        w[i].next_user = &next;
    }
    start = nb_mono_ns();
    if (run_workers(w, o->conns, fill_worker) < 0)
        goto cleanup;
    elapsed = nb_mono_ns() - start;
    errors = report_errors(w, o->conns);
    static const char *const what[] = {
        [FILL_USERS] = "users", [FILL_ACL] = "acl_rules", [FILL_HOSTS] = "hosts",
        [FILL_VMS] = "vms", [FILL_DEPLOY] = "deploys",
    };
    printf("fill %s=%d conns=%d elapsed_s=%.2f per_s=%.0f errors=%lu\n",
           what[o->fill], o->n, o->conns, elapsed / 1e9, o->n / (elapsed / 1e9), errors);
    rc = errors ? -1 : 0;

cleanup:
    free(w);
    return rc;
}

static int mode_time(const opts *o)
{
    uint64_t *t = nb_malloc((size_t)o->n * sizeof(*t));
    uint64_t deadline = nb_mono_ns() + LIMIT_NS;
    nb_buf req = NB_BUF_INIT;
    worker w = { .o = o };
    size_t n = 0, bytes = 0;
    char err[ERR_LEN];
    conn c;
    int rc;

    conn_init(&c, o->port);
    build_request(&req, o->port, o->auth, o->method, o->params, o->nparams);
    for (int i = 0; i < o->n && nb_mono_ns() < deadline; i++) {
        uint64_t start = nb_mono_ns();
        reply r;

        rc = conn_call(&c, req.data, req.len, &r, err);
        if (rc < 0 || !r.ok) {
            note_error(&w, rc, &r, err);
            continue;
        }
        t[n++] = nb_mono_ns() - start;
        bytes = r.body_len;
    }
    w.server_closes = c.server_closes;
    report_errors(&w, 1);
    qsort(t, n, sizeof(*t), cmp_u64);
    printf("%s reps=%zu min_ms=%.2f median_ms=%.2f p90_ms=%.2f bytes=%zu errors=%lu\n",
           o->method, n, n ? t[0] / 1e6 : 0.0, n ? percentile(t, n, 0.50) / 1e6 : 0.0,
           n ? percentile(t, n, 0.90) / 1e6 : 0.0, bytes, w.errors);
    rc = w.errors || n == 0 ? -1 : 0;
    conn_free(&c);
    nb_buf_free(&req);
    free(t);
    return rc;
}

/* --- arguments --------------------------------------------------------------- */

static int int_arg(const char *s, int lo, int hi, const char *what, int *out)
{
    if (nb_parse_int(s, out) < 0 || *out < lo || *out > hi) {
        fprintf(stderr, "rpcbench: %s must be an integer in %d..%d\n", what, lo, hi);
        return -1;
    }
    return 0;
}

static int parse_args(int argc, char **argv, opts *o)
{
    int v;

    if (argc < 2)
        return -1;
    *o = (opts){ .mode = argv[1], .conns = 1, .seconds = 5, .hosts = 1 };
    if (!nb_streq(o->mode, "call") && !nb_streq(o->mode, "fill") && !nb_streq(o->mode, "time"))
        return -1;
    for (int i = 2; i < argc; i++) {
        const char *flag = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

        if (!val || flag[0] != '-' || !flag[1] || flag[2])
            return -1;
        i++;
        switch (flag[1]) {
        case 'p': if (int_arg(val, 1, 65535, "-p", &o->port) < 0) return -1; break;
        case 'c': if (int_arg(val, 1, MAX_CONNS, "-c", &o->conns) < 0) return -1; break;
        case 'd': if (int_arg(val, 1, MAX_SECONDS, "-d", &o->seconds) < 0) return -1; break;
        case 'n':
            if (int_arg(val, 1, nb_streq(o->mode, "fill") ? MAX_FILL : MAX_REPS, "-n", &o->n) < 0)
                return -1;
            break;
        case 'a': o->auth = val; break;
        case 'k': {
            static const char *const kinds[] = { "users", "acl", "hosts", "vms", "deploy" };
            size_t k;
            for (k = 0; k < NB_ARRAY_SIZE(kinds) && !nb_streq(val, kinds[k]); k++)
                ;
            if (k == NB_ARRAY_SIZE(kinds))
                return -1;
            o->fill = (enum fill_kind)k;
            break;
        }
        case 'H':
            if (int_arg(val, 1, MAX_FILL, "-H", &o->hosts) < 0)
                return -1;
            break;
        case 'm': o->method = val; break;
        case 'r': if (int_arg(val, 0, 1, "-r", &o->fresh) < 0) return -1; break;
        case 'i':
        case 's':
            if (o->nparams == MAX_PARAMS) {
                fprintf(stderr, "rpcbench: at most %d parameters\n", MAX_PARAMS);
                return -1;
            }
            if (flag[1] == 'i' && int_arg(val, INT32_MIN, INT32_MAX, "-i", &v) < 0)
                return -1;
            o->params[o->nparams++] = flag[1] == 'i' ? (param){ .kind = P_INT, .ival = v }
                                                     : (param){ .kind = P_STR, .sval = val };
            break;
        default:
            return -1;
        }
    }
    if (!o->port || !o->auth || (!nb_streq(o->mode, "fill") && !o->method) ||
        (!nb_streq(o->mode, "call") && !o->n))
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    opts o;
    int rc;

    if (parse_args(argc, argv, &o) < 0) {
        usage();
        return 2;
    }
    if (nb_streq(o.mode, "call"))
        rc = mode_call(&o);
    else if (nb_streq(o.mode, "fill"))
        rc = mode_fill(&o);
    else
        rc = mode_time(&o);
    fflush(stdout);
    return rc < 0 ? 1 : 0;
}
