/*
 * http_fixture.c: see http_fixture.h.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "tests/unit/oned/http_fixture.h"

void http_send_all(int fd, const void *p, size_t n)
{
    const char *c = p;

    while (n > 0) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);

        if (w <= 0)
            return;
        c += w;
        n -= (size_t)w;
    }
}

void http_send_head(int fd, const char *status, const char *extra)
{
    char head[512];
    int n = snprintf(head, sizeof head, "HTTP/1.1 %s\r\nConnection: close\r\n%s\r\n", status, extra);

    http_send_all(fd, head, (size_t)n);
}

void http_send_sized(int fd, const unsigned char *body, size_t len, size_t sent)
{
    char extra[64];

    snprintf(extra, sizeof extra, "Content-Length: %zu\r\n", len);
    http_send_head(fd, "200 OK", extra);
    http_send_all(fd, body, sent);
}

void http_send_chunked(int fd, const unsigned char *body, size_t len)
{
    http_send_head(fd, "200 OK", "Transfer-Encoding: chunked\r\n");
    for (size_t off = 0; off < len; off += 4096) {
        size_t n = len - off < 4096 ? len - off : 4096;
        char size[16];

        snprintf(size, sizeof size, "%zx\r\n", n);
        http_send_all(fd, size, strlen(size));
        http_send_all(fd, body + off, n);
        http_send_all(fd, "\r\n", 2);
    }
    http_send_all(fd, "0\r\n\r\n", 5);
}

void http_wait_hangup(const http_fixture *h, int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    char c;

    for (int i = 0; i < 100 && !atomic_load(&h->stopping); i++)
        if (poll(&p, 1, 100) > 0 && recv(fd, &c, 1, 0) <= 0)
            return;
}

static void serve(http_fixture *h, int fd)
{
    char req[2048] = "", path[256] = "";
    size_t len = 0;

    while (len < sizeof req - 1 && !strstr(req, "\r\n\r\n")) {
        ssize_t n = recv(fd, req + len, sizeof req - 1 - len, 0);

        if (n <= 0)
            return;
        len += (size_t)n;
        req[len] = '\0';
    }
    if (sscanf(req, "GET %255s ", path) == 1)
        h->route(fd, path, h->arg);
}

static void *server_main(void *arg)
{
    http_fixture *h = arg;

    while (!atomic_load(&h->stopping)) {
        int fd = accept(h->listen_fd, NULL, NULL);

        if (fd < 0)
            continue;
        serve(h, fd);
        close(fd);
    }
    return NULL;
}

int http_fixture_start(http_fixture *h, http_route route, void *arg)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t alen = sizeof a;
    /* accept() wakes up now and then to see `stopping`. */
    struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };

    h->route = route;
    h->arg = arg;
    atomic_init(&h->stopping, false);
    h->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (h->listen_fd < 0)
        return -1;
    setsockopt(h->listen_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (bind(h->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(h->listen_fd, 8) != 0
        || getsockname(h->listen_fd, (struct sockaddr *)&a, &alen) != 0
        || pthread_create(&h->thread, NULL, server_main, h) != 0) {
        close(h->listen_fd);
        return -1;
    }
    h->port = ntohs(a.sin_port);
    return 0;
}

void http_fixture_stop(http_fixture *h)
{
    atomic_store(&h->stopping, true);
    pthread_join(h->thread, NULL);
    close(h->listen_fd);
}
