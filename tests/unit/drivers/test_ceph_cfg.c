/*
 * test_ceph_cfg.c: what the Ceph drivers read from templates and keyring
 * files: defaults, monitor lists, RBD names, cephx keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/ceph/cfg.h"
#include "lib/util.h"

static void parse(nb_tmpl *t, const char *text)
{
    char *err = NULL;
    nb_tmpl_init(t);
    if (nb_tmpl_parse(t, text, strlen(text), &err) != 0)
        fail_msg("bad test template: %s", err);
}

static void test_defaults_and_settings(void **state)
{
    nb_tmpl t;
    nb_ceph_cfg c;
    (void)state;

    parse(&t, "DS_MAD = ceph\nCEPH_USER = \"\"\n");
    nb_ceph_cfg_of(&t, &c);
    assert_string_equal(c.pool, "one");
    assert_string_equal(c.user, "admin");       /* empty counts as unset */
    assert_null(c.conf);
    assert_null(c.key);
    assert_null(c.hosts);
    assert_null(c.secret);
    nb_tmpl_free(&t);

    parse(&t, "POOL_NAME = vms\nCEPH_USER = libvirt\nCEPH_CONF = /etc/ceph/c.conf\n"
              "CEPH_KEY = /etc/ceph/k\nCEPH_HOST = \"mon1 mon2:3300\"\n"
              "CEPH_SECRET = 5b2f3c1e-9d1a-4c55-8f0e-2a8d1b7c6e90\n");
    nb_ceph_cfg_of(&t, &c);
    assert_string_equal(c.pool, "vms");
    assert_string_equal(c.user, "libvirt");
    assert_string_equal(c.conf, "/etc/ceph/c.conf");
    assert_string_equal(c.key, "/etc/ceph/k");
    assert_string_equal(c.hosts, "mon1 mon2:3300");
    assert_string_equal(c.secret, "5b2f3c1e-9d1a-4c55-8f0e-2a8d1b7c6e90");
    nb_tmpl_free(&t);

    nb_ceph_cfg_of(NULL, &c);
    assert_string_equal(c.pool, "one");
}

static void test_mon_host(void **state)
{
    (void)state;
    char *m = nb_ceph_mon_host("  mon1   10.0.0.2:3300\tmon3, ");
    assert_string_equal(m, "mon1,10.0.0.2:3300,mon3");
    free(m);
    m = nb_ceph_mon_host("");
    assert_string_equal(m, "");
    free(m);
}

static void test_split(void **state)
{
    char *pool = NULL, *img = NULL;
    (void)state;

    assert_int_equal(nb_ceph_split("one/one-7", &pool, &img), 0);
    assert_string_equal(pool, "one");
    assert_string_equal(img, "one-7");
    free(pool);
    free(img);
    const char *bad[] = { "one-7", "/one-7", "one/", "a/b/c", "one/one-7@snap", "" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        assert_int_equal(nb_ceph_split(bad[i], &pool, &img), -1);
    assert_int_equal(nb_ceph_split(NULL, &pool, &img), -1);
}

static const char KEYRING[] =
    "[client.admin]\n"
    "\tkey = AQBsb2NhbGFkbWlua2V5MDAwMDAwMDAwMDAwMA==\n"
    "\tcaps mon = \"allow *\"\n"
    "[client.libvirt]\n"
    "    key=QUJD\n"
    "[client.libvirt2]\n"
    "key = WFla\n";

static void test_keyring(void **state)
{
    (void)state;
    char *k = nb_ceph_keyring_key(KEYRING, "client.libvirt");
    assert_string_equal(k, "QUJD");             /* not libvirt2's */
    free(k);
    k = nb_ceph_keyring_key(KEYRING, "client.admin");
    assert_string_equal(k, "AQBsb2NhbGFkbWlua2V5MDAwMDAwMDAwMDAwMA==");
    free(k);
    assert_null(nb_ceph_keyring_key(KEYRING, "client.nobody"));
    assert_null(nb_ceph_keyring_key("key = QUJD\n", "client.admin"));   /* no section */
    assert_null(nb_ceph_keyring_key("", "client.admin"));
}

static void test_key_decode(void **state)
{
    unsigned char *raw = NULL;
    size_t len = 0;
    (void)state;

    assert_int_equal(nb_ceph_key_decode("QUJD", &raw, &len), 0);
    assert_int_equal(len, 3);
    assert_memory_equal(raw, "ABC", 3);
    free(raw);
    assert_int_equal(nb_ceph_key_decode("QUI=", &raw, &len), 0);
    assert_int_equal(len, 2);
    assert_memory_equal(raw, "AB", 2);
    free(raw);
    /* a cephx key: 28 bytes (header + 16-byte secret) */
    assert_int_equal(nb_ceph_key_decode("AQBsb2NhbGFkbWlua2V5MDAwMDAwMDAwMDAwMA==", &raw, &len), 0);
    assert_int_equal(len, 28);
    free(raw);
    assert_int_equal(nb_ceph_key_decode("QUJ", &raw, &len), -1);      /* not a multiple of 4 */
    assert_int_equal(nb_ceph_key_decode("QU!D", &raw, &len), -1);
    assert_int_equal(nb_ceph_key_decode("", &raw, &len), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_settings),
        cmocka_unit_test(test_mon_host),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_keyring),
        cmocka_unit_test(test_key_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
