#define NB_LOG_MODULE "ReM"
#include "oned/rpc_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/log.h"
#include "lib/util.h"

struct nb_rpc_server {
    struct MHD_Daemon *d;
    nb_server_ctx *ctx;
    size_t max_body;
    int port;
    int inflight;       /* requests begun and not yet completed (atomic) */
    int stopping;       /* new connections are refused (atomic) */
};

/* Per-request state: the body as it arrives. */
typedef struct nb_rpc_req {
    nb_buf body;
    bool too_big;
} nb_rpc_req;

static enum MHD_Result nb_rpc_send(struct MHD_Connection *conn, unsigned status,
                                   char *data, size_t len, const char *ctype)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    enum MHD_Result ret;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "POST");
    ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result nb_rpc_status_page(struct MHD_Connection *conn, unsigned status,
                                          const char *text)
{
    char *page = nb_asprintf("<html><head><title>%u %s</title></head><body><h1>%u %s</h1>"
                             "</body></html>\n", status, text, status, text);
    return nb_rpc_send(conn, status, page, strlen(page), "text/html");
}

static enum MHD_Result nb_rpc_fault(struct MHD_Connection *conn, int code, const char *msg)
{
    nb_buf out = NB_BUF_INIT;
    size_t len;
    char *data;
    nb_xmlrpc_write_fault(&out, code, msg);
    data = nb_buf_steal(&out, &len);
    return nb_rpc_send(conn, MHD_HTTP_OK, data, len, "text/xml; charset=utf-8");
}

static enum MHD_Result nb_rpc_handle(void *cls, struct MHD_Connection *conn, const char *url,
                                     const char *method, const char *version,
                                     const char *upload, size_t *upload_size, void **con_cls)
{
    nb_rpc_server *s = cls;
    nb_rpc_req *req = *con_cls;

    if (!req) {
        const char *cl;
        if (strcmp(url, "/RPC2") != 0)
            return nb_rpc_status_page(conn, MHD_HTTP_NOT_FOUND, "Not Found");
        if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
            return nb_rpc_status_page(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "Method Not Allowed");
        req = nb_calloc(1, sizeof(*req));
        __atomic_add_fetch(&s->inflight, 1, __ATOMIC_SEQ_CST);
        cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        /* Refuse an announced oversize body before reading any of it. */
        if (cl && strtoull(cl, NULL, 10) > s->max_body)
            req->too_big = true;
        *con_cls = req;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!req->too_big && req->body.len + *upload_size > s->max_body)
            req->too_big = true;
        if (!req->too_big)
            nb_buf_add_raw(&req->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (req->too_big) {
        char *msg = nb_asprintf("Request body exceeds MESSAGE_SIZE (%zu bytes)", s->max_body);
        enum MHD_Result r = nb_rpc_fault(conn, NB_FAULT_LIMIT, msg);
        free(msg);
        return r;
    }

    nb_buf out = NB_BUF_INIT;
    size_t len;
    char *data;
    nb_buf_reserve(&out, 1024);
    nb_dispatch(s->ctx, req->body.data ? req->body.data : "", req->body.len, &out);
    data = nb_buf_steal(&out, &len);
    return nb_rpc_send(conn, MHD_HTTP_OK, data, len, "text/xml; charset=utf-8");
}

static void nb_rpc_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                             enum MHD_RequestTerminationCode toe)
{
    nb_rpc_server *s = cls;
    nb_rpc_req *req = *con_cls;
    if (!req)
        return;
    __atomic_sub_fetch(&s->inflight, 1, __ATOMIC_SEQ_CST);
    nb_buf_free(&req->body);
    free(req);
    *con_cls = NULL;
}

static void nb_rpc_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    vsnprintf(line, sizeof(line), fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    nb_log_warn("%s", line);
}

/* Once stopping, a new connection is closed as soon as it is accepted. */
static enum MHD_Result nb_rpc_accept(void *cls, const struct sockaddr *addr, socklen_t len)
{
    nb_rpc_server *s = cls;
    (void)addr;
    (void)len;
    return __atomic_load_n(&s->stopping, __ATOMIC_SEQ_CST) ? MHD_NO : MHD_YES;
}

nb_rpc_server *nb_rpc_start(const nb_config *cfg, nb_server_ctx *ctx, char **err)
{
    nb_rpc_server *s = nb_calloc(1, sizeof(*s));
    struct sockaddr_in addr;
    const union MHD_DaemonInfo *info;
    unsigned threads = cfg->rpc_threads > 0 ? (unsigned)cfg->rpc_threads
                                            : 2 * (unsigned)sysconf(_SC_NPROCESSORS_ONLN);

    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)cfg->port);
    if (inet_pton(AF_INET, cfg->listen_address, &addr.sin_addr) != 1) {
        *err = nb_asprintf("LISTEN_ADDRESS \"%s\" is not an IPv4 address", cfg->listen_address);
        free(s);
        return NULL;
    }
    s->ctx = ctx;
    s->max_body = (size_t)cfg->message_size;
    /* A pool of threads each polling its share of the connections: both
     * cores serve calls, and keep-alive connections cost no thread each. */
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                            MHD_USE_ERROR_LOG,
                            0, nb_rpc_accept, s, nb_rpc_handle, s,
                            MHD_OPTION_EXTERNAL_LOGGER, nb_rpc_log, NULL,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                            MHD_OPTION_THREAD_POOL_SIZE, threads < 1 ? 1u : threads,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_conn,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->keepalive_timeout,
                            MHD_OPTION_LISTEN_BACKLOG_SIZE, 512u,
                            MHD_OPTION_NOTIFY_COMPLETED, nb_rpc_completed, s,
                            MHD_OPTION_END);
    if (!s->d) {
        *err = nb_asprintf("cannot listen on %s:%d (is the port in use?)",
                           cfg->listen_address, cfg->port);
        free(s);
        return NULL;
    }
    info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : cfg->port;
    nb_log_info("XML-RPC server listening on %s:%d with %u threads", cfg->listen_address,
                s->port, threads);
    return s;
}

int nb_rpc_port(const nb_rpc_server *s)
{
    return s->port;
}

void nb_rpc_stop(nb_rpc_server *s)
{
    if (!s)
        return;
    /* Refuse new connections, then let every begun request finish and its
     * response go out (the completion callback runs after the last byte is
     * sent); idle keep-alive connections are simply closed.  Not
     * MHD_quiesce_daemon(): with epoll and a thread pool it races with the
     * pool threads over the listening socket's removal from their epoll
     * sets, and libmicrohttpd aborts the process ("Failed to remove listen
     * FD from epoll set"; seen here at a SIGTERM under ASan). */
    __atomic_store_n(&s->stopping, 1, __ATOMIC_SEQ_CST);
    for (int i = 0; i < 1000 && __atomic_load_n(&s->inflight, __ATOMIC_SEQ_CST) > 0; i++)
        usleep(10000);
    MHD_stop_daemon(s->d);
    free(s);
}
