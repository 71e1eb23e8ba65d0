#include "drivers/ceph/cfg.h"

#include <ctype.h>
#include <string.h>
#include <openssl/evp.h>
#include "lib/buf.h"
#include "lib/util.h"

static const char *value(const nb_tmpl *t, const char *name)
{
    const char *v = t ? nb_tmpl_get(t, name) : NULL;
    return v && *v ? v : NULL;
}

void nb_ceph_cfg_of(const nb_tmpl *t, nb_ceph_cfg *c)
{
    c->pool = value(t, "POOL_NAME");
    c->pool = c->pool ? c->pool : NB_CEPH_DEFAULT_POOL;
    c->user = value(t, "CEPH_USER");
    c->user = c->user ? c->user : NB_CEPH_DEFAULT_USER;
    c->conf = value(t, "CEPH_CONF");
    c->key = value(t, "CEPH_KEY");
    c->hosts = value(t, "CEPH_HOST");
    c->secret = value(t, "CEPH_SECRET");
}

char *nb_ceph_mon_host(const char *hosts)
{
    nb_buf b;
    nb_buf_init(&b);
    for (const char *p = hosts; *p;) {
        p += strspn(p, " \t,");
        size_t n = strcspn(p, " \t,");
        if (n) {
            if (b.len)
                nb_buf_addc(&b, ',');
            nb_buf_add(&b, p, n);
        }
        p += n;
    }
    return nb_buf_steal(&b, NULL);
}

int nb_ceph_split(const char *source, char **pool, char **image)
{
    const char *slash = source ? strchr(source, '/') : NULL;

    if (!slash || slash == source || !slash[1] || strchr(slash + 1, '/') || strchr(source, '@'))
        return -1;
    *pool = nb_strndup(source, (size_t)(slash - source));
    *image = nb_strdup(slash + 1);
    return 0;
}

/* The line's text without leading and trailing blanks. */
static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s))
        (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

char *nb_ceph_keyring_key(const char *text, const char *entity)
{
    size_t elen = strlen(entity);
    bool in = false;

    for (const char *p = text; p && *p;) {
        const char *line = p;
        size_t n = strcspn(p, "\n");
        p += n + (p[n] == '\n');
        trim(&line, &n);
        if (n && line[0] == '[') {
            in = n == elen + 2 && line[n - 1] == ']' && memcmp(line + 1, entity, elen) == 0;
            continue;
        }
        const char *eq = memchr(line, '=', n);
        if (!in || !eq)
            continue;
        const char *k = line, *v = eq + 1;
        size_t kn = (size_t)(eq - line), vn = n - kn - 1;
        trim(&k, &kn);
        trim(&v, &vn);
        if (kn == 3 && memcmp(k, "key", 3) == 0 && vn)
            return nb_strndup(v, vn);
    }
    return NULL;
}

int nb_ceph_key_decode(const char *b64, unsigned char **out, size_t *len)
{
    size_t n = strlen(b64), pad = 0;
    int got;

    if (n == 0 || n % 4 || n > 1024)
        return -1;
    while (pad < 2 && b64[n - 1 - pad] == '=')
        pad++;
    *out = nb_malloc(n / 4 * 3);
    got = EVP_DecodeBlock(*out, (const unsigned char *)b64, (int)n);
    if (got < 0 || (size_t)got < pad) {
        free(*out);
        *out = NULL;
        return -1;
    }
    *len = (size_t)got - pad;   /* EVP_DecodeBlock counts the padding as bytes */
    return 0;
}
