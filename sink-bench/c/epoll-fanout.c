/*
 * A plain C fan-out server, the physical-limit column of sink-bench/compare-gstreamer.sh: one
 * epoll thread, one shared byte ring, one non-blocking send() per caught-up client per input
 * chunk, and for a client whose socket is full a send() of what it has pending when epoll says it
 * is writable again. A new client starts at the newest byte; a client that falls a whole ring
 * behind is closed. No keyframes, no bursts, no statistics: what the kernel costs, and no more.
 *
 *   gcc -O2 -o epoll-fanout epoll-fanout.c
 *   ./epoll-fanout PORT CHUNK_BYTES < stream     (listens on 127.0.0.1:PORT; exits at end of input)
 *
 * Each read takes what the input has, up to the larger of CHUNK_BYTES and 64 KiB (a pipe's
 * capacity), as a plain C server would: an input chunk is one read.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RING_BYTES (64u << 20) /* as fanout's default queue capacity */
#define MAX_EVENTS 1024

struct client {
    int fd;
    uint64_t pos;      /* absolute offset of the next byte to send */
    int waiting;       /* EPOLLOUT armed: the socket was full */
    int index;         /* where it is in clients[] */
};

static unsigned char *ring;
static uint64_t head; /* absolute offset one past the newest byte */
static struct client **clients;
static int nclients, cap_clients;
static int ep;

static void drop(int i)
{
    close(clients[i]->fd);
    free(clients[i]);
    if (i != --nclients) {
        clients[i] = clients[nclients];
        clients[i]->index = i;
    }
}

/* Sends what the client has pending, one contiguous run at a time; returns -1 when it is gone. */
static int pump(struct client *c)
{
    while (c->pos < head) {
        if (head - c->pos > RING_BYTES) return -1; /* lapped */
        uint64_t at = c->pos % RING_BYTES;
        size_t n = head - c->pos;
        if (n > RING_BYTES - at) n = RING_BYTES - at;
        ssize_t sent = send(c->fd, ring + at, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            if (errno == EINTR) continue;
            return -1;
        }
        c->pos += (uint64_t)sent;
        if ((size_t)sent < n) break;
    }
    int want = c->pos < head;
    if (want != c->waiting) {
        struct epoll_event ev = {.events = want ? EPOLLOUT : 0, .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        c->waiting = want;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s PORT CHUNK_BYTES < stream\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);
    size_t chunk = (size_t)atol(argv[2]);
    if (chunk < 65536) chunk = 65536;
    ring = malloc(RING_BYTES);
    cap_clients = 1024;
    clients = malloc(sizeof *clients * cap_clients);
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 4096) < 0) {
        perror("listen");
        return 2;
    }
    fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
    ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &ls};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    int in = 0;
    ev.data.ptr = &in;
    epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev);
    fprintf(stderr, "epoll-fanout: serving tcp://127.0.0.1:%d\n", port);
    int eof = 0;
    struct timespec drain_end = {0};
    struct epoll_event events[MAX_EVENTS];
    for (;;) {
        int n = epoll_wait(ep, events, MAX_EVENTS, eof ? 50 : -1);
        for (int e = 0; e < n; e++) {
            void *p = events[e].data.ptr;
            if (p == &ls) {
                int fd;
                while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct client *c = calloc(1, sizeof *c);
                    c->fd = fd;
                    c->pos = head;
                    struct epoll_event cev = {.events = 0, .data.ptr = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
                    if (nclients == cap_clients) {
                        cap_clients *= 2;
                        clients = realloc(clients, sizeof *clients * cap_clients);
                    }
                    c->index = nclients;
                    clients[nclients++] = c;
                }
            } else if (p == &in) {
                uint64_t at = head % RING_BYTES;
                size_t want = chunk < RING_BYTES - at ? chunk : RING_BYTES - at;
                ssize_t r = read(0, ring + at, want);
                if (r == 0) {
                    eof = 1;
                    epoll_ctl(ep, EPOLL_CTL_DEL, 0, NULL);
                    clock_gettime(CLOCK_MONOTONIC, &drain_end);
                    drain_end.tv_sec += 2;
                } else if (r > 0) {
                    head += (uint64_t)r;
                    for (int i = 0; i < nclients; i++) {
                        if (!clients[i]->waiting && pump(clients[i]) < 0) drop(i--);
                    }
                }
            } else {
                struct client *c = p;
                if (pump(c) < 0) drop(c->index);
            }
        }
        if (eof) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            int pending = 0;
            for (int i = 0; i < nclients; i++) pending |= clients[i]->pos < head;
            if (!pending || now.tv_sec > drain_end.tv_sec ||
                (now.tv_sec == drain_end.tv_sec && now.tv_nsec >= drain_end.tv_nsec)) {
                while (nclients > 0) drop(0);
                return 0;
            }
        }
    }
}
