/*
 * http_fixture.h: a tiny HTTP/1.1 server on 127.0.0.1 (a free port) run on
 * a thread of its own, for the fetch tests and bench.  One connection at a
 * time, "Connection: close" always; the caller's route answers each GET.
 */
#ifndef NB_TESTS_HTTP_FIXTURE_H
#define NB_TESTS_HTTP_FIXTURE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

/* Answer GET path on the connection fd (then closed by the server). */
typedef void (*http_route)(int fd, const char *path, void *arg);

typedef struct http_fixture {
    int port;
    int listen_fd;
    pthread_t thread;
    atomic_bool stopping;
    http_route route;
    void *arg;
} http_fixture;

/* 0, or -1 (errno) when the socket or the thread cannot be had. */
int http_fixture_start(http_fixture *h, http_route route, void *arg);
void http_fixture_stop(http_fixture *h);

/* Send everything; a client gone is no error. */
void http_send_all(int fd, const void *p, size_t n);
/* Status line, "Connection: close", the extra header lines, blank line. */
void http_send_head(int fd, const char *status, const char *extra);
/* 200 with Content-Length len, then the first `sent` bytes of body. */
void http_send_sized(int fd, const unsigned char *body, size_t len, size_t sent);
/* 200, body in 4 KB chunks (Transfer-Encoding: chunked). */
void http_send_chunked(int fd, const unsigned char *body, size_t len);
/* Until the client hangs up (at most 10 s or until the server stops). */
void http_wait_hangup(const http_fixture *h, int fd);

#endif
