/*
 * test_password.c: salted PBKDF2 password hashes and the password rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "lib/util.h"
#include "oned/password.h"

#define ITER 1000
#define PREFIX "pbkdf2-sha256$"

static bool all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* "pbkdf2-sha256$<iter>$<32 hex>$<64 hex>" */
static void assert_hash_format(const char *h, int iter)
{
    char want_head[64];
    size_t head;

    snprintf(want_head, sizeof(want_head), PREFIX "%d$", iter);
    head = strlen(want_head);
    if (strncmp(h, want_head, head) != 0)
        fail_msg("hash %s does not start with %s", h, want_head);
    assert_int_equal(strlen(h), head + 32 + 1 + 64);
    assert_true(all_hex(h + head, 32));
    assert_int_equal(h[head + 32], '$');
    assert_true(all_hex(h + head + 33, 64));
}

static void test_format(void **state)
{
    char *h = nb_password_hash("secret", ITER);
    assert_non_null(h);
    assert_hash_format(h, ITER);
    free(h);

    h = nb_password_hash("secret", 1);
    assert_non_null(h);
    assert_hash_format(h, 1);
    assert_true(nb_password_verify("secret", h));
    free(h);
}

static void test_salted(void **state)
{
    char *a = nb_password_hash("secret", ITER);
    char *b = nb_password_hash("secret", ITER);
    assert_non_null(a);
    assert_non_null(b);
    assert_string_not_equal(a, b);
    /* Salts differ, not only the digest. */
    size_t head = strlen(PREFIX "1000$");
    assert_memory_not_equal(a + head, b + head, 32);
    assert_true(nb_password_verify("secret", a));
    assert_true(nb_password_verify("secret", b));
    free(a);
    free(b);
}

static void test_verify(void **state)
{
    char *h = nb_password_hash("correct-horse", ITER);
    assert_non_null(h);
    assert_true(nb_password_verify("correct-horse", h));
    assert_false(nb_password_verify("correct-hors", h));
    assert_false(nb_password_verify("correct-horsee", h));
    assert_false(nb_password_verify("Correct-horse", h));
    assert_false(nb_password_verify("", h));
    assert_false(nb_password_verify(h, h));
    free(h);

    /* Empty and long passwords hash and verify too. */
    h = nb_password_hash("", ITER);
    assert_non_null(h);
    assert_true(nb_password_verify("", h));
    assert_false(nb_password_verify("x", h));
    free(h);

    char longpw[2001];
    memset(longpw, 'p', sizeof(longpw) - 1);
    longpw[sizeof(longpw) - 1] = '\0';
    h = nb_password_hash(longpw, ITER);
    assert_non_null(h);
    assert_true(nb_password_verify(longpw, h));
    longpw[1999] = 'q';
    assert_false(nb_password_verify(longpw, h));
    free(h);

    /* Non-ASCII bytes. */
    h = nb_password_hash("p\xc3\xa4ss", ITER);
    assert_true(nb_password_verify("p\xc3\xa4ss", h));
    assert_false(nb_password_verify("pass", h));
    free(h);
}

/* A stored hash made with another iteration count still verifies (it
 * records its own count). */
static void test_iterations_recorded(void **state)
{
    char *h = nb_password_hash("pw", 2500);
    assert_non_null(h);
    assert_hash_format(h, 2500);
    assert_true(nb_password_verify("pw", h));
    /* Changing the recorded count breaks verification. */
    char *tampered = nb_strdup(h);
    memcpy(tampered + strlen(PREFIX), "2501", 4);
    assert_false(nb_password_verify("pw", tampered));
    free(tampered);
    free(h);
}

static void test_tampered_digest_or_salt(void **state)
{
    char *h = nb_password_hash("pw", ITER);
    size_t head = strlen(PREFIX "1000$");
    size_t len = strlen(h);
    size_t positions[] = { head, head + 31, head + 33, len - 1 };

    for (size_t i = 0; i < sizeof(positions) / sizeof(positions[0]); i++) {
        char *t = nb_strdup(h);
        t[positions[i]] = t[positions[i]] == '0' ? '1' : '0';
        assert_false(nb_password_verify("pw", t));
        free(t);
    }
    free(h);
}

static void test_malformed_refused(void **state)
{
    char *good = nb_password_hash("pw", ITER);
    const char *salt = good + strlen(PREFIX "1000$");     /* 32 hex */
    const char *digest = salt + 33;                       /* 64 hex */
    char legacy[65];
    char buf[512];
    struct timespec t0, t1;

    assert_true(nb_password_verify("pw", good));
    nb_sha256_hex("pw", 2, legacy);

    const char *fixed[] = {
        "",
        "pw",
        legacy,                                     /* old-style sha256 hex */
        PREFIX,
        PREFIX "1000",
        PREFIX "1000$",
        PREFIX "1000$$",
        PREFIX "$$",
        PREFIX "$$$",
        "pbkdf2-sha1$1000$00000000000000000000000000000000$"
            "0000000000000000000000000000000000000000000000000000000000000000",
        "PBKDF2-SHA256$1000$00000000000000000000000000000000$"
            "0000000000000000000000000000000000000000000000000000000000000000",
    };
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        if (nb_password_verify("pw", fixed[i]))
            fail_msg("accepted stored value \"%s\"", fixed[i]);

    /* Built from the good hash's parts with one part broken. */
    const char *iters[] = { "0", "-1", "-1000", "abc", "", "1000x", "99999999999999999999",
                            "2147483648", "1000000000", "100000001" };
    for (size_t i = 0; i < sizeof(iters) / sizeof(iters[0]); i++) {
        snprintf(buf, sizeof(buf), PREFIX "%s$%.32s$%s", iters[i], salt, digest);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (nb_password_verify("pw", buf))
            fail_msg("accepted iteration count \"%s\"", iters[i]);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        /* Refused up front, not after running an absurd number of rounds. */
        double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        if (secs > 1.0)
            fail_msg("iteration count \"%s\" took %.1f s to refuse", iters[i], secs);
    }

    /* Missing fields. */
    snprintf(buf, sizeof(buf), PREFIX "1000$%.32s", salt);
    assert_false(nb_password_verify("pw", buf));
    snprintf(buf, sizeof(buf), PREFIX "1000$%.32s$", salt);
    assert_false(nb_password_verify("pw", buf));
    snprintf(buf, sizeof(buf), PREFIX "1000$$%s", digest);
    assert_false(nb_password_verify("pw", buf));
    snprintf(buf, sizeof(buf), PREFIX "%.32s$%s", salt, digest);
    assert_false(nb_password_verify("pw", buf));
    snprintf(buf, sizeof(buf), "%.32s$%s", salt, digest);
    assert_false(nb_password_verify("pw", buf));

    /* Wrong lengths. */
    snprintf(buf, sizeof(buf), PREFIX "1000$%.30s$%s", salt, digest);
    assert_false(nb_password_verify("pw", buf));
    snprintf(buf, sizeof(buf), PREFIX "1000$%.32s00$%s", salt, digest);
    assert_false(nb_password_verify("pw", buf));
    snprintf(buf, sizeof(buf), PREFIX "1000$%.32s$%.62s", salt, digest);
    assert_false(nb_password_verify("pw", buf));
    snprintf(buf, sizeof(buf), PREFIX "1000$%.32s$%s00", salt, digest);
    assert_false(nb_password_verify("pw", buf));
    snprintf(buf, sizeof(buf), PREFIX "1000$%.32s$%s$", salt, digest);
    assert_false(nb_password_verify("pw", buf));

    /* Bad hex (odd characters of the right count). */
    snprintf(buf, sizeof(buf), PREFIX "1000$%.31sg$%s", salt, digest);
    assert_false(nb_password_verify("pw", buf));
    snprintf(buf, sizeof(buf), PREFIX "1000$%.32s$%.63sz", salt, digest);
    assert_false(nb_password_verify("pw", buf));
    snprintf(buf, sizeof(buf), PREFIX "1000$%.31s $%s", salt, digest);
    assert_false(nb_password_verify("pw", buf));
    snprintf(buf, sizeof(buf), PREFIX "1000$%.32s$%.63s\xff", salt, digest);
    assert_false(nb_password_verify("pw", buf));

    /* The untouched parts still verify (the checks above are meaningful). */
    snprintf(buf, sizeof(buf), PREFIX "1000$%.32s$%s", salt, digest);
    assert_true(nb_password_verify("pw", buf));
    free(good);
}

static void test_password_rule(void **state)
{
    static const char *const bad[] = {
        "", " ", "a b", "a\tb", "a\nb", "a\rb", " lead", "trail ", "\t", "\n", "two  spaces",
        "a\vb", "a\fb",
    };
    static const char *const good[] = {
        "secret", "x", "p@ss:w0rd!", "p\xc3\xa4ss", "0123456789abcdef", "\"quoted\"",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *why = nb_password_invalid(bad[i]);
        if (!why)
            fail_msg("password \"%s\" accepted", bad[i]);
        assert_true(strlen(why) > 0);
    }
    assert_non_null(strstr(nb_password_invalid(""), "empty"));
    assert_non_null(strstr(nb_password_invalid("a b"), "space"));
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        const char *why = nb_password_invalid(good[i]);
        if (why)
            fail_msg("password \"%s\" refused: %s", good[i], why);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_salted),
        cmocka_unit_test(test_verify),
        cmocka_unit_test(test_iterations_recorded),
        cmocka_unit_test(test_tampered_digest_or_salt),
        cmocka_unit_test(test_malformed_refused),
        cmocka_unit_test(test_password_rule),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
