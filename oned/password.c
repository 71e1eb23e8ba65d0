#include "oned/password.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "lib/util.h"

#define NB_PW_SALT 16
#define NB_PW_KEY 32
#define NB_PW_PREFIX "pbkdf2-sha256$"

static void nb_hex_encode(const unsigned char *in, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[in[i] >> 4];
        out[2 * i + 1] = d[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int nb_hex_decode(const char *in, size_t len, unsigned char *out, size_t n)
{
    if (len != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int v = 0;
        for (int j = 0; j < 2; j++) {
            char c = in[2 * i + (size_t)j];
            int x = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (x < 0)
                return -1;
            v = v * 16 + x;
        }
        out[i] = (unsigned char)v;
    }
    return 0;
}

static int nb_pbkdf2(const char *pw, const unsigned char *salt, int iter, unsigned char *key)
{
    return PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), salt, NB_PW_SALT, iter, EVP_sha256(),
                             NB_PW_KEY, key) == 1 ? 0 : -1;
}

char *nb_password_hash(const char *password, int iterations)
{
    unsigned char salt[NB_PW_SALT], key[NB_PW_KEY];
    char salt_hex[2 * NB_PW_SALT + 1], key_hex[2 * NB_PW_KEY + 1];
    char *out = NULL;

    if (iterations < 1 || nb_random_bytes(salt, sizeof(salt)) < 0 ||
        nb_pbkdf2(password, salt, iterations, key) < 0)
        goto cleanup;
    nb_hex_encode(salt, sizeof(salt), salt_hex);
    nb_hex_encode(key, sizeof(key), key_hex);
    out = nb_asprintf(NB_PW_PREFIX "%d$%s$%s", iterations, salt_hex, key_hex);
 cleanup:
    nb_wipe(key, sizeof(key));
    return out;
}

bool nb_password_verify(const char *password, const char *stored)
{
    unsigned char salt[NB_PW_SALT], want[NB_PW_KEY], got[NB_PW_KEY];
    const char *p, *s1, *s2;
    char *end;
    long iter;
    bool ok = false;

    if (strncmp(stored, NB_PW_PREFIX, strlen(NB_PW_PREFIX)) != 0)
        return false;
    p = stored + strlen(NB_PW_PREFIX);
    iter = strtol(p, &end, 10);
    if (end == p || *end != '$' || iter < 1 || iter > 100000000)
        return false;
    s1 = end + 1;
    if (!(s2 = strchr(s1, '$')))
        return false;
    if (nb_hex_decode(s1, (size_t)(s2 - s1), salt, sizeof(salt)) < 0 ||
        nb_hex_decode(s2 + 1, strlen(s2 + 1), want, sizeof(want)) < 0)
        return false;
    if (nb_pbkdf2(password, salt, (int)iter, got) == 0)
        ok = nb_secure_eq(got, sizeof(got), want, sizeof(want));
    nb_wipe(got, sizeof(got));
    return ok;
}

const char *nb_password_invalid(const char *password)
{
    if (!*password)
        return "Invalid password, it cannot be empty";
    for (const char *p = password; *p; p++)
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\v' || *p == '\f')
            return "Invalid password, it cannot contain spaces";
    return NULL;
}
