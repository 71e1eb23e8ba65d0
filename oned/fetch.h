/*
 * fetch.h: bring an image's bytes to a local staging file, streaming (the
 * image is never held in memory), from a path on oned's machine or an
 * http(s) URL.  Size limit, checksums and progress are applied while the
 * bytes flow; any failure removes the partial file and says why in words a
 * user can act on.  Blocking: run it on a worker thread.
 */
#ifndef NB_FETCH_H
#define NB_FETCH_H

#include <stdatomic.h>
#include <stdbool.h>

/* Told as bytes arrive, at most every NB_FETCH_PROGRESS_MS and once at the
 * end; total is -1 while unknown (chunked, no Content-Length). */
typedef void (*nb_fetch_progress_fn)(void *arg, long long done, long long total);

#define NB_FETCH_PROGRESS_MS 250

typedef struct nb_fetch_req {
    const char *source;             /* a local path, or an http:// or https:// URL */
    const char *dest;               /* the staging file (created or truncated) */
    long long max_bytes;            /* 0: no limit */
    const char *md5;                /* expected checksums in hex, or NULL */
    const char *sha256;
    nb_fetch_progress_fn progress;  /* or NULL */
    void *progress_arg;
    const atomic_bool *cancel;      /* set by another thread to stop; or NULL */
    /* URLs only; 0: the defaults below. */
    long connect_timeout_s;         /* to connect to the server */
    long stall_timeout_s;           /* fails after this long without data */
    long max_redirects;
    /* Local paths only: space-separated directories (a datastore's
     * RESTRICTED_DIRS and SAFE_DIRS, as OpenNebula names them).  A path
     * that resolves (symlinks, "..") under a restricted directory and under
     * no safe one is refused; NULL or "": nothing is restricted. */
    const char *restricted_dirs;
    const char *safe_dirs;
} nb_fetch_req;

#define NB_FETCH_CONNECT_TIMEOUT_S 30
#define NB_FETCH_STALL_TIMEOUT_S 30
#define NB_FETCH_MAX_REDIRECTS 5

/* Fetch req->source into req->dest.  Returns 0 with *bytes (may be NULL)
 * the size written, or -1 with *err (malloc'd) and no dest left behind. */
int nb_fetch(const nb_fetch_req *req, long long *bytes, char **err);

/* Whether source is a URL (scheme://...) rather than a path. */
int nb_fetch_is_url(const char *source);

/* Pure: whether the absolute, resolved path is one of the space-separated
 * directories dirs or inside one ("/" holds everything). */
bool nb_path_under(const char *path, const char *dirs);

/* An image's PROGRESS while it imports (malloc'd): "42%" of a known total,
 * else "<n> MB" so far. */
char *nb_fetch_progress_str(long long done, long long total);

#endif
