/*
 * test_buf.c: the growable buffer (escape mode, CDATA, element helpers,
 * number formatting) and the string-keyed hash table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "lib/buf.h"
#include "lib/hash.h"

/* ---- helpers ------------------------------------------------------------- */

static void assert_buf(const nb_buf *b, const char *want)
{
    assert_non_null(b->data);
    assert_int_equal(b->len, strlen(want));
    assert_int_equal(strlen(b->data), b->len);  /* NUL-terminated at len */
    assert_string_equal(b->data, want);
    assert_true(b->cap > b->len);
}

/* Parse xml (must be well-formed) and return the text content of its root
 * element (CDATA sections merged, entities resolved); caller frees. */
static char *xml_root_text(const char *xml, size_t len)
{
    xmlDoc *doc = xmlReadMemory(xml, (int)len, NULL, "UTF-8",
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlNode *root;
    xmlChar *c;
    char *s;

    if (!doc)
        fail_msg("not well-formed XML: %.*s", (int)len, xml);
    root = xmlDocGetRootElement(doc);
    assert_non_null(root);
    c = xmlNodeGetContent(root);
    s = strdup(c ? (const char *)c : "");
    xmlFree(c);
    xmlFreeDoc(doc);
    return s;
}

/* <r>CDATA(text)</r> must be well-formed XML whose text content is text. */
static void assert_cdata_roundtrip(const char *text)
{
    nb_buf b = NB_BUF_INIT;
    char *got;

    nb_buf_add_raw(&b, "<r>", 3);
    nb_buf_add_cdata(&b, text);
    nb_buf_add_raw(&b, "</r>", 4);
    assert_non_null(strstr(b.data, "<![CDATA["));
    got = xml_root_text(b.data, b.len);
    if (strcmp(got, text) != 0)
        fail_msg("CDATA of \"%s\" reads back as \"%s\" (xml %s)", text, got, b.data);
    free(got);
    nb_buf_free(&b);
}

/* ---- buffer --------------------------------------------------------------- */

static void test_empty_and_steal(void **state)
{
    nb_buf b = NB_BUF_INIT;
    size_t len = 99;
    char *s;

    assert_null(b.data);
    assert_int_equal(b.len, 0);
    s = nb_buf_steal(&b, &len);
    assert_non_null(s);
    assert_string_equal(s, "");
    assert_int_equal(len, 0);
    free(s);

    nb_buf_adds(&b, "hello");
    s = nb_buf_steal(&b, &len);
    assert_string_equal(s, "hello");
    assert_int_equal(len, 5);
    /* The buffer is empty and usable again. */
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    nb_buf_adds(&b, "again");
    assert_buf(&b, "again");
    free(s);
    nb_buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
}

static void test_append_and_grow(void **state)
{
    nb_buf b;
    char want[10001];

    nb_buf_init(&b);
    for (int i = 0; i < 10000; i++) {
        nb_buf_addc(&b, (char)('a' + i % 26));
        want[i] = (char)('a' + i % 26);
    }
    want[10000] = '\0';
    assert_buf(&b, want);

    /* add() takes exactly n bytes, not up to a NUL. */
    nb_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    nb_buf_add(&b, "abcdef", 3);
    assert_buf(&b, "abc");

    /* reserve() makes room without changing the content. */
    nb_buf_reserve(&b, 5000);
    assert_true(b.cap >= b.len + 5000 + 1);
    assert_buf(&b, "abc");
    nb_buf_free(&b);
}

static void test_reset_keeps_memory(void **state)
{
    nb_buf b = NB_BUF_INIT;
    char *data;
    size_t cap;

    for (int i = 0; i < 100; i++)
        nb_buf_adds(&b, "0123456789");
    data = b.data;
    cap = b.cap;
    nb_buf_reset(&b);
    assert_ptr_equal(b.data, data);
    assert_int_equal(b.cap, cap);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    nb_buf_adds(&b, "x");
    assert_buf(&b, "x");
    nb_buf_free(&b);
}

static void test_raw_mode_does_not_escape(void **state)
{
    nb_buf b = NB_BUF_INIT;

    nb_buf_adds(&b, "<a href=\"x\">&amp;</a>");
    nb_buf_addc(&b, '<');
    nb_buf_add(&b, "&>", 2);
    nb_buf_addf(&b, "%s", "<&>");
    assert_buf(&b, "<a href=\"x\">&amp;</a><&><&>");
    nb_buf_free(&b);
}

static void test_escape_mode(void **state)
{
    nb_buf b = NB_BUF_INIT;

    b.escape = true;
    nb_buf_adds(&b, "<a>&b");
    nb_buf_addc(&b, '>');
    nb_buf_addc(&b, '&');
    nb_buf_add(&b, "<<", 2);
    nb_buf_addf(&b, "[%s|%d]", "x<y", -3);
    nb_buf_add_ll(&b, -42);
    nb_buf_adds(&b, "line\r\n");
    assert_buf(&b, "&lt;a&gt;&amp;b&gt;&amp;&lt;&lt;[x&lt;y|-3]-42line&#13;\n");

    /* raw is never escaped, whatever the mode. */
    nb_buf_reset(&b);
    b.escape = true;
    nb_buf_add_raw(&b, "<x>&", 4);
    nb_buf_adds(&b, "&");
    assert_buf(&b, "<x>&&amp;");

    /* Switching back: appended text is raw again. */
    b.escape = false;
    nb_buf_adds(&b, "<y/>");
    assert_buf(&b, "<x>&&amp;<y/>");
    nb_buf_free(&b);
}

static void test_xml_text_always_escapes(void **state)
{
    nb_buf b = NB_BUF_INIT;
    const char *s = "a<b>&c\rd\"e'f";

    nb_buf_add_xml_text(&b, s, strlen(s));
    assert_buf(&b, "a&lt;b&gt;&amp;c&#13;d\"e'f");

    /* In escape mode it escapes once, not twice. */
    nb_buf_reset(&b);
    b.escape = true;
    nb_buf_add_xml_text(&b, "<&>", 3);
    assert_buf(&b, "&lt;&amp;&gt;");

    /* Only n bytes are read. */
    nb_buf_reset(&b);
    nb_buf_add_xml_text(&b, "<<<<", 2);
    assert_buf(&b, "&lt;&lt;");

    /* The escaped form parses back to the original text, \r included. */
    nb_buf_reset(&b);
    nb_buf_add_raw(&b, "<t>", 3);
    nb_buf_add_xml_text(&b, s, strlen(s));
    nb_buf_add_raw(&b, "</t>", 4);
    char *got = xml_root_text(b.data, b.len);
    assert_string_equal(got, s);
    free(got);
    nb_buf_free(&b);
}

static void test_add_ll(void **state)
{
    static const struct { long long v; const char *s; } cases[] = {
        { 0, "0" },
        { 1, "1" },
        { -1, "-1" },
        { 10, "10" },
        { -10, "-10" },
        { 2147483647LL, "2147483647" },
        { -2147483648LL, "-2147483648" },
        { INT64_MAX, "9223372036854775807" },
        { INT64_MIN, "-9223372036854775808" },
        { LLONG_MAX, "9223372036854775807" },
        { LLONG_MIN, "-9223372036854775808" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        nb_buf b = NB_BUF_INIT;
        nb_buf_adds(&b, "v=");
        nb_buf_add_ll(&b, cases[i].v);
        nb_buf_addc(&b, ';');
        char want[64];
        snprintf(want, sizeof(want), "v=%s;", cases[i].s);
        assert_buf(&b, want);
        nb_buf_free(&b);
    }
}

static void test_addf_long(void **state)
{
    /* Lengths around the internal 256-byte stack buffer and well past it. */
    static const size_t lens[] = { 0, 1, 254, 255, 256, 257, 511, 4096, 100000 };

    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        size_t n = lens[i];
        char *s = malloc(n + 1);
        char *want = malloc(n + 64);
        nb_buf b = NB_BUF_INIT;

        for (size_t j = 0; j < n; j++)
            s[j] = (char)('A' + j % 26);
        s[n] = '\0';
        nb_buf_adds(&b, "pre:");
        nb_buf_addf(&b, "%s|%d|%s", s, (int)n, "end");
        snprintf(want, n + 64, "pre:%s|%d|end", s, (int)n);
        assert_buf(&b, want);
        nb_buf_free(&b);
        free(s);
        free(want);
    }

    /* Long formatted output in escape mode is escaped as a whole. */
    {
        nb_buf b = NB_BUF_INIT;
        char big[600];
        memset(big, '<', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        b.escape = true;
        nb_buf_addf(&b, "%s&", big);
        assert_int_equal(b.len, 4 * (sizeof(big) - 1) + 5);
        for (size_t j = 0; j < sizeof(big) - 1; j++)
            assert_memory_equal(b.data + 4 * j, "&lt;", 4);
        assert_string_equal(b.data + 4 * (sizeof(big) - 1), "&amp;");
        nb_buf_free(&b);
    }
}

static void test_elem_int_text(void **state)
{
    nb_buf b = NB_BUF_INIT;

    nb_buf_elem_int(&b, "ID", -5);
    nb_buf_elem_int(&b, "BIG", INT64_MAX);
    nb_buf_elem_text(&b, "NAME", "a<b&c>d");
    nb_buf_elem_text(&b, "EMPTY", "");
    assert_buf(&b, "<ID>-5</ID><BIG>9223372036854775807</BIG>"
                   "<NAME>a&lt;b&amp;c&gt;d</NAME><EMPTY></EMPTY>");
    nb_buf_free(&b);
}

/*
 * The real use: a document rendered into an XML-RPC <string> in escape mode.
 * The envelope must be well-formed, its <string> text must be the document,
 * and that document must parse with the original values.
 */
static void test_elem_text_escape_mode_double_escapes(void **state)
{
    nb_buf b = NB_BUF_INIT;
    const char *v = "x<y & \"q\" ]]> z";

    b.escape = true;
    nb_buf_elem_text(&b, "N", "a<b&c");
    assert_buf(&b, "&lt;N&gt;a&amp;lt;b&amp;amp;c&lt;/N&gt;");

    nb_buf_reset(&b);
    nb_buf_add_raw(&b, "<string>", 8);
    b.escape = true;
    nb_buf_adds(&b, "<DOC>");
    nb_buf_elem_text(&b, "TEXT", v);
    nb_buf_elem_cdata(&b, "CD", v);
    nb_buf_elem_int(&b, "NUM", -7);
    nb_buf_adds(&b, "</DOC>");
    b.escape = false;
    nb_buf_add_raw(&b, "</string>", 9);

    char *doc = xml_root_text(b.data, b.len);     /* the envelope */
    xmlDoc *d = xmlReadMemory(doc, (int)strlen(doc), NULL, "UTF-8",
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!d)
        fail_msg("inner document is not well-formed: %s", doc);
    xmlNode *root = xmlDocGetRootElement(d);
    assert_string_equal((const char *)root->name, "DOC");
    int seen = 0;
    for (xmlNode *c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        xmlChar *t = xmlNodeGetContent(c);
        if (strcmp((const char *)c->name, "TEXT") == 0 || strcmp((const char *)c->name, "CD") == 0)
            assert_string_equal((const char *)t, v);
        else if (strcmp((const char *)c->name, "NUM") == 0)
            assert_string_equal((const char *)t, "-7");
        else
            fail_msg("unexpected element %s", c->name);
        xmlFree(t);
        seen++;
    }
    assert_int_equal(seen, 3);
    xmlFreeDoc(d);
    free(doc);
    nb_buf_free(&b);
}

static void test_cdata_plain(void **state)
{
    nb_buf b = NB_BUF_INIT;

    nb_buf_add_cdata(&b, "a<b>&c");
    assert_buf(&b, "<![CDATA[a<b>&c]]>");
    nb_buf_reset(&b);
    nb_buf_add_cdata(&b, "");
    assert_buf(&b, "<![CDATA[]]>");
    nb_buf_reset(&b);
    nb_buf_elem_cdata(&b, "P", "x");
    assert_buf(&b, "<P><![CDATA[x]]></P>");
    nb_buf_free(&b);
}

static void test_cdata_terminator_split(void **state)
{
    static const char *const texts[] = {
        "", "plain", "]]>", "a]]>b", "]]>]]>", "]]]>", "]]]]>>", "x]]>>]]>y",
        "]]", "]", ">", "]>", "]] >", "<![CDATA[inner]]>", "]]>x]]>", "a]]]]]>b",
        "end]]", "end]]>", "]]>start",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        assert_cdata_roundtrip(texts[i]);
}

/* CDATA inside an escaped document: the envelope carries the CDATA markup as
 * text, and the document inside still reads back the same content. */
static void test_cdata_in_escape_mode(void **state)
{
    static const char *const texts[] = { "a<b", "x]]>y", "]]>]]>", "&amp;" };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        nb_buf b = NB_BUF_INIT;
        nb_buf_add_raw(&b, "<string>", 8);
        b.escape = true;
        nb_buf_elem_cdata(&b, "V", texts[i]);
        b.escape = false;
        nb_buf_add_raw(&b, "</string>", 9);
        char *doc = xml_root_text(b.data, b.len);
        assert_non_null(strstr(doc, "<![CDATA["));
        char *got = xml_root_text(doc, strlen(doc));
        assert_string_equal(got, texts[i]);
        free(got);
        free(doc);
        nb_buf_free(&b);
    }
}

/* ---- hash ----------------------------------------------------------------- */

static void test_hash_empty(void **state)
{
    nb_hash h;
    nb_hash_init(&h);
    assert_null(nb_hash_get(&h, "x"));
    assert_null(nb_hash_del(&h, "x"));
    assert_int_equal(h.used, 0);
    nb_hash_free(&h);
    /* free leaves it reusable */
    int v = 1;
    nb_hash_put(&h, "k", &v);
    assert_ptr_equal(nb_hash_get(&h, "k"), &v);
    nb_hash_free(&h);
}

static void test_hash_put_get_del(void **state)
{
    nb_hash h;
    int a = 1, b = 2, c = 3;

    nb_hash_init(&h);
    nb_hash_put(&h, "alpha", &a);
    nb_hash_put(&h, "beta", &b);
    nb_hash_put(&h, "", &c);            /* the empty string is a key too */
    assert_int_equal(h.used, 3);
    assert_ptr_equal(nb_hash_get(&h, "alpha"), &a);
    assert_ptr_equal(nb_hash_get(&h, "beta"), &b);
    assert_ptr_equal(nb_hash_get(&h, ""), &c);
    assert_null(nb_hash_get(&h, "gamma"));
    assert_null(nb_hash_get(&h, "alph"));
    assert_null(nb_hash_get(&h, "alphaa"));

    /* Lookup is by content, not by pointer. */
    char key[16];
    strcpy(key, "beta");
    assert_ptr_equal(nb_hash_get(&h, key), &b);

    assert_ptr_equal(nb_hash_del(&h, "alpha"), &a);
    assert_null(nb_hash_get(&h, "alpha"));
    assert_null(nb_hash_del(&h, "alpha"));
    assert_ptr_equal(nb_hash_get(&h, "beta"), &b);
    assert_int_equal(h.used, 2);
    assert_ptr_equal(nb_hash_del(&h, ""), &c);
    assert_ptr_equal(nb_hash_del(&h, "beta"), &b);
    assert_int_equal(h.used, 0);
    assert_null(nb_hash_get(&h, "beta"));
    nb_hash_free(&h);
}

static void test_hash_replace(void **state)
{
    nb_hash h;
    int a = 1, b = 2;
    char k1[8] = "same", k2[8] = "same";

    nb_hash_init(&h);
    nb_hash_put(&h, k1, &a);
    nb_hash_put(&h, k2, &b);
    assert_int_equal(h.used, 1);
    assert_ptr_equal(nb_hash_get(&h, "same"), &b);
    assert_ptr_equal(nb_hash_del(&h, "same"), &b);
    assert_null(nb_hash_get(&h, "same"));
    nb_hash_free(&h);
}

#define NKEYS 5000

static void test_hash_many_keys(void **state)
{
    static char keys[NKEYS][16];
    static int vals[NKEYS], vals2[NKEYS];
    nb_hash h;

    nb_hash_init(&h);
    for (int i = 0; i < NKEYS; i++) {
        snprintf(keys[i], sizeof(keys[i]), "key-%d", i);
        vals[i] = i;
        vals2[i] = -i;
        nb_hash_put(&h, keys[i], &vals[i]);
    }
    assert_int_equal(h.used, NKEYS);
    for (int i = 0; i < NKEYS; i++)
        assert_ptr_equal(nb_hash_get(&h, keys[i]), &vals[i]);
    assert_null(nb_hash_get(&h, "key-5000"));
    assert_null(nb_hash_get(&h, "key-"));

    /* Delete every even key. */
    for (int i = 0; i < NKEYS; i += 2)
        assert_ptr_equal(nb_hash_del(&h, keys[i]), &vals[i]);
    assert_int_equal(h.used, NKEYS / 2);
    for (int i = 0; i < NKEYS; i++) {
        if (i % 2)
            assert_ptr_equal(nb_hash_get(&h, keys[i]), &vals[i]);
        else
            assert_null(nb_hash_get(&h, keys[i]));
    }

    /* Reinsert them with new values; replace half of the odd ones. */
    for (int i = 0; i < NKEYS; i += 2)
        nb_hash_put(&h, keys[i], &vals2[i]);
    for (int i = 1; i < NKEYS; i += 4)
        nb_hash_put(&h, keys[i], &vals2[i]);
    assert_int_equal(h.used, NKEYS);
    for (int i = 0; i < NKEYS; i++) {
        void *want = (i % 2 == 0 || i % 4 == 1) ? (void *)&vals2[i] : (void *)&vals[i];
        assert_ptr_equal(nb_hash_get(&h, keys[i]), want);
    }
    nb_hash_free(&h);
}

/* Deleting any member of a small table (collision chains included) leaves
 * every other member reachable, and the hole can be filled again. */
static void test_hash_tombstones_in_chains(void **state)
{
    char keys[11][8];
    int vals[11];

    for (int i = 0; i < 11; i++) {
        snprintf(keys[i], sizeof(keys[i]), "n%d", i);
        vals[i] = i;
    }
    for (int victim = 0; victim < 11; victim++) {
        nb_hash h;
        nb_hash_init(&h);
        for (int i = 0; i < 11; i++)
            nb_hash_put(&h, keys[i], &vals[i]);
        assert_ptr_equal(nb_hash_del(&h, keys[victim]), &vals[victim]);
        for (int i = 0; i < 11; i++) {
            if (i == victim)
                assert_null(nb_hash_get(&h, keys[i]));
            else
                assert_ptr_equal(nb_hash_get(&h, keys[i]), &vals[i]);
        }
        /* Deleting a second key and reinserting the first. */
        int other = (victim + 5) % 11;
        assert_ptr_equal(nb_hash_del(&h, keys[other]), &vals[other]);
        nb_hash_put(&h, keys[victim], &vals[victim]);
        for (int i = 0; i < 11; i++) {
            if (i == other)
                assert_null(nb_hash_get(&h, keys[i]));
            else
                assert_ptr_equal(nb_hash_get(&h, keys[i]), &vals[i]);
        }
        /* A reinserted key is stored once: one delete removes it. */
        assert_ptr_equal(nb_hash_del(&h, keys[victim]), &vals[victim]);
        assert_null(nb_hash_get(&h, keys[victim]));
        assert_int_equal(h.used, 9);
        nb_hash_free(&h);
    }
}

/* Long insert/delete churn with few live keys: lookups keep working (no
 * endless probe over a table full of tombstones) and the table stays small. */
static void test_hash_churn(void **state)
{
    enum { LIVE = 8, ROUNDS = 100000 };
    static char keys[ROUNDS][12];
    nb_hash h;
    int v = 0;

    nb_hash_init(&h);
    for (int i = 0; i < ROUNDS; i++) {
        snprintf(keys[i], sizeof(keys[i]), "c%d", i);
        nb_hash_put(&h, keys[i], &v);
        if (i >= LIVE)
            assert_ptr_equal(nb_hash_del(&h, keys[i - LIVE]), &v);
        if (i % 997 == 0) {
            for (int j = i - LIVE + 1 > 0 ? i - LIVE + 1 : 0; j <= i; j++)
                assert_ptr_equal(nb_hash_get(&h, keys[j]), &v);
            assert_null(nb_hash_get(&h, "absent"));
        }
    }
    assert_int_equal(h.used, LIVE);
    assert_true(h.cap <= 64);
    assert_true(h.filled < h.cap);
    for (int j = ROUNDS - LIVE; j < ROUNDS; j++)
        assert_ptr_equal(nb_hash_get(&h, keys[j]), &v);
    for (int j = 0; j < ROUNDS - LIVE; j += 1111)
        assert_null(nb_hash_get(&h, keys[j]));
    nb_hash_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_and_steal),
        cmocka_unit_test(test_append_and_grow),
        cmocka_unit_test(test_reset_keeps_memory),
        cmocka_unit_test(test_raw_mode_does_not_escape),
        cmocka_unit_test(test_escape_mode),
        cmocka_unit_test(test_xml_text_always_escapes),
        cmocka_unit_test(test_add_ll),
        cmocka_unit_test(test_addf_long),
        cmocka_unit_test(test_elem_int_text),
        cmocka_unit_test(test_elem_text_escape_mode_double_escapes),
        cmocka_unit_test(test_cdata_plain),
        cmocka_unit_test(test_cdata_terminator_split),
        cmocka_unit_test(test_cdata_in_escape_mode),
        cmocka_unit_test(test_hash_empty),
        cmocka_unit_test(test_hash_put_get_del),
        cmocka_unit_test(test_hash_replace),
        cmocka_unit_test(test_hash_many_keys),
        cmocka_unit_test(test_hash_tombstones_in_chains),
        cmocka_unit_test(test_hash_churn),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
