/*
 * password.h: salted slow password hashes (PBKDF2-HMAC-SHA256, OpenSSL).
 *
 * Stored form: "pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>", so the
 * iteration count can be raised later without invalidating old hashes.
 * Pure functions: no state, thread-safe.
 */
#ifndef NB_PASSWORD_H
#define NB_PASSWORD_H

#include <stdbool.h>

/* Allocated hash string of password, or NULL on a crypto failure. */
char *nb_password_hash(const char *password, int iterations);
/* Constant-time check of password against a stored hash; false for a
 * malformed stored value. */
bool nb_password_verify(const char *password, const char *stored);
/* OpenNebula's password rule: non-empty, no whitespace.  NULL if valid,
 * else a static reason. */
const char *nb_password_invalid(const char *password);

#endif
