/*
 * test_xmlrpc.c: the XML-RPC codec against what real clients send and what
 * xmlrpc-c (oned) sends back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/xmlrpc.h"

static const nb_xmlrpc_limits lim = { .max_depth = 32, .max_params = 64 };

static void parse_ok(const char *xml, nb_xmlrpc_call *c)
{
    nb_xmlrpc_fault_info f;

    if (nb_xmlrpc_parse_call(xml, strlen(xml), &lim, c, &f) != 0)
        fail_msg("parse failed (%d): %s", f.code, f.msg);
}

/* The call must be refused with `code` and a message containing `needle`. */
static void parse_fails_n(const char *xml, size_t len, const nb_xmlrpc_limits *l, int code,
                          const char *needle)
{
    nb_xmlrpc_call c;
    nb_xmlrpc_fault_info f;

    assert_int_equal(nb_xmlrpc_parse_call(xml, len, l, &c, &f), -1);
    assert_non_null(f.msg);
    if (f.code != code || !strstr(f.msg, needle))
        fail_msg("got fault %d '%s', want %d '%s'", f.code, f.msg, code, needle);
    assert_null(c.method);
    assert_int_equal(c.nparams, 0);
    free(f.msg);
}

static void parse_fails(const char *xml, int code, const char *needle)
{
    parse_fails_n(xml, strlen(xml), &lim, code, needle);
}

static void assert_str(const nb_xv *v, const char *s)
{
    assert_int_equal(v->type, NB_XV_STRING);
    assert_string_equal(v->u.str.s, s);
    assert_int_equal(v->u.str.len, strlen(s));
}

static void assert_int(const nb_xv *v, nb_xv_type type, long long i)
{
    assert_int_equal(v->type, type);
    assert_int_equal(v->u.i, i);
}

static void assert_bool(const nb_xv *v, bool b)
{
    assert_int_equal(v->type, NB_XV_BOOL);
    assert_int_equal(v->u.b, b);
}

static bool xv_equal(const nb_xv *a, const nb_xv *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case NB_XV_INT:
    case NB_XV_I8:
        return a->u.i == b->u.i;
    case NB_XV_BOOL:
        return a->u.b == b->u.b;
    case NB_XV_DOUBLE:
        return a->u.d == b->u.d;
    case NB_XV_STRING:
    case NB_XV_BASE64:
    case NB_XV_DATETIME:
        return a->u.str.len == b->u.str.len && memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
    case NB_XV_ARRAY:
        if (a->u.arr.n != b->u.arr.n)
            return false;
        for (size_t i = 0; i < a->u.arr.n; i++)
            if (!xv_equal(&a->u.arr.items[i], &b->u.arr.items[i]))
                return false;
        return true;
    case NB_XV_STRUCT:
        if (a->u.st.n != b->u.st.n)
            return false;
        for (size_t i = 0; i < a->u.st.n; i++)
            if (strcmp(a->u.st.members[i].name, b->u.st.members[i].name) != 0 ||
                !xv_equal(&a->u.st.members[i].value, &b->u.st.members[i].value))
                return false;
        return true;
    case NB_XV_NIL:
        return true;
    }
    return false;
}

/* ---- requests as the real clients send them ---------------------------- */

static void test_ruby_call(void **state)
{
    const char *xml = "<?xml version=\"1.0\" ?><methodCall><methodName>one.user.info</methodName>"
                      "<params><param><value><string>oneadmin:secret</string></value></param>"
                      "<param><value><i4>-1</i4></value></param>"
                      "<param><value><boolean>1</boolean></value></param>"
                      "<param><value><boolean>0</boolean></value></param></params></methodCall>\n";
    nb_xmlrpc_call c;

    parse_ok(xml, &c);
    assert_string_equal(c.method, "one.user.info");
    assert_int_equal(c.nparams, 4);
    assert_str(&c.params[0], "oneadmin:secret");
    assert_int(&c.params[1], NB_XV_INT, -1);
    assert_bool(&c.params[2], true);
    assert_bool(&c.params[3], false);
    nb_xmlrpc_call_free(&c);
}

/* Verbatim output of Python's xmlrpc.client.dumps(). */
static void test_python_call(void **state)
{
    const char *xml =
        "<?xml version='1.0'?>\n<methodCall>\n<methodName>one.user.info</methodName>\n<params>\n"
        "<param>\n<value><string>oneadmin:pw</string></value>\n</param>\n"
        "<param>\n<value><int>-1</int></value>\n</param>\n"
        "<param>\n<value><boolean>1</boolean></value>\n</param>\n"
        "<param>\n<value><array><data>\n<value><int>1</int></value>\n<value><int>2</int></value>\n"
        "</data></array></value>\n</param>\n"
        "<param>\n<value><struct>\n<member>\n<name>a</name>\n"
        "<value><string>x&lt;&amp;&gt;y</string></value>\n</member>\n<member>\n<name>n</name>\n"
        "<value><double>1.5</double></value>\n</member>\n</struct></value>\n</param>\n"
        "<param>\n<value><string></string></value>\n</param>\n"
        "<param>\n<value><nil/></value></param>\n"
        "<param>\n<value><base64>\naGk=\n</base64></value>\n</param>\n"
        "<param>\n<value><dateTime.iso8601>20240101T10:00:00</dateTime.iso8601></value>\n</param>\n"
        "</params>\n</methodCall>\n";
    nb_xmlrpc_call c;
    const nb_xv *arr, *st;

    parse_ok(xml, &c);
    assert_string_equal(c.method, "one.user.info");
    assert_int_equal(c.nparams, 9);
    assert_str(&c.params[0], "oneadmin:pw");
    assert_int(&c.params[1], NB_XV_INT, -1);
    assert_bool(&c.params[2], true);
    arr = &c.params[3];
    assert_int_equal(arr->type, NB_XV_ARRAY);
    assert_int_equal(arr->u.arr.n, 2);
    assert_int(&arr->u.arr.items[0], NB_XV_INT, 1);
    assert_int(&arr->u.arr.items[1], NB_XV_INT, 2);
    st = &c.params[4];
    assert_int_equal(st->type, NB_XV_STRUCT);
    assert_int_equal(st->u.st.n, 2);
    assert_string_equal(st->u.st.members[0].name, "a");
    assert_str(&st->u.st.members[0].value, "x<&>y");
    assert_string_equal(st->u.st.members[1].name, "n");
    assert_int_equal(st->u.st.members[1].value.type, NB_XV_DOUBLE);
    assert_true(st->u.st.members[1].value.u.d == 1.5);
    assert_str(&c.params[5], "");
    assert_int_equal(c.params[6].type, NB_XV_NIL);
    assert_int_equal(c.params[7].type, NB_XV_BASE64);
    assert_string_equal(c.params[7].u.str.s, "\naGk=\n");
    assert_int_equal(c.params[8].type, NB_XV_DATETIME);
    assert_string_equal(c.params[8].u.str.s, "20240101T10:00:00");
    nb_xmlrpc_call_free(&c);
}

/* Go's kolo/xmlrpc (goca): <int>, compact arrays and structs. */
static void test_go_call(void **state)
{
    const char *xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><methodCall>"
                      "<methodName>one.user.allocate</methodName><params>"
                      "<param><value><string>oneadmin:pw</string></value></param>"
                      "<param><value><string>alice</string></value></param>"
                      "<param><value><int>2147483647</int></value></param>"
                      "<param><value><array><data><value><int>100</int></value>"
                      "<value><int>-2147483648</int></value></data></array></value></param>"
                      "<param><value><struct><member><name>k</name><value><string>v</string>"
                      "</value></member></struct></value></param>"
                      "<param><value><i8>-9223372036854775808</i8></value></param>"
                      "</params></methodCall>";
    nb_xmlrpc_call c;

    parse_ok(xml, &c);
    assert_string_equal(c.method, "one.user.allocate");
    assert_int_equal(c.nparams, 6);
    assert_str(&c.params[1], "alice");
    assert_int(&c.params[2], NB_XV_INT, 2147483647);
    assert_int_equal(c.params[3].u.arr.n, 2);
    assert_int(&c.params[3].u.arr.items[0], NB_XV_INT, 100);
    assert_int(&c.params[3].u.arr.items[1], NB_XV_INT, -2147483648LL);
    assert_string_equal(c.params[4].u.st.members[0].name, "k");
    assert_str(&c.params[4].u.st.members[0].value, "v");
    assert_int(&c.params[5], NB_XV_I8, INT64_MIN);
    nb_xmlrpc_call_free(&c);
}

static void test_untyped_values(void **state)
{
    const char *xml = "<methodCall><methodName>m</methodName><params>"
                      "<param><value>plain text</value></param>"
                      "<param><value></value></param>"
                      "<param><value/></param>"
                      "<param><value>  keep  spaces\n</value></param>"
                      "<param><value>a&amp;b<!-- skipped -->c</value></param>"
                      "<param><value><![CDATA[<raw> & ]]></value></param>"
                      "</params></methodCall>";
    nb_xmlrpc_call c;

    parse_ok(xml, &c);
    assert_int_equal(c.nparams, 6);
    assert_str(&c.params[0], "plain text");
    assert_str(&c.params[1], "");
    assert_str(&c.params[2], "");
    assert_str(&c.params[3], "  keep  spaces\n");
    assert_str(&c.params[4], "a&bc");
    assert_str(&c.params[5], "<raw> & ");
    nb_xmlrpc_call_free(&c);
}

static void test_scalar_spellings(void **state)
{
    const char *xml = "<methodCall><methodName>m</methodName><params>"
                      "<param><value><i4> 42 </i4></value></param>"
                      "<param><value><int>\n-7\n</int></value></param>"
                      "<param><value><i8>9223372036854775807</i8></value></param>"
                      "<param><value><boolean>true</boolean></value></param>"
                      "<param><value><boolean> false </boolean></value></param>"
                      "<param><value><double>-0.25</double></value></param>"
                      "<param><value><string>  a  </string></value></param>"
                      "<param><value>\n  <string>typed, whitespace around</string>\n</value></param>"
                      "</params></methodCall>";
    nb_xmlrpc_call c;

    parse_ok(xml, &c);
    assert_int_equal(c.nparams, 8);
    assert_int(&c.params[0], NB_XV_INT, 42);
    assert_int(&c.params[1], NB_XV_INT, -7);
    assert_int(&c.params[2], NB_XV_I8, INT64_MAX);
    assert_bool(&c.params[3], true);
    assert_bool(&c.params[4], false);
    assert_true(c.params[5].type == NB_XV_DOUBLE && c.params[5].u.d == -0.25);
    assert_str(&c.params[6], "  a  ");
    assert_str(&c.params[7], "typed, whitespace around");
    nb_xmlrpc_call_free(&c);
}

static void test_empty_params(void **state)
{
    static const char *const forms[] = {
        "<methodCall><methodName>one.system.version</methodName></methodCall>",
        "<methodCall><methodName>one.system.version</methodName><params/></methodCall>",
        ("<?xml version='1.0'?>\n<methodCall>\n<methodName>one.system.version</methodName>\n"
         "<params>\n</params>\n</methodCall>\n"),
    };
    nb_xmlrpc_call c;

    for (size_t i = 0; i < NB_ARRAY_SIZE(forms); i++) {
        parse_ok(forms[i], &c);
        assert_string_equal(c.method, "one.system.version");
        assert_int_equal(c.nparams, 0);
        assert_null(c.params);
        nb_xmlrpc_call_free(&c);
    }
}

static void test_nested(void **state)
{
    const char *xml = "<methodCall><methodName>m</methodName><params><param><value><array><data>"
                      "<value><struct><member><name>ids</name><value><array><data>"
                      "<value><i4>1</i4></value><value><i4>2</i4></value>"
                      "</data></array></value></member>"
                      "<member><name>empty</name><value><struct></struct></value></member>"
                      "</struct></value>"
                      "<value><array><data></data></array></value>"
                      "</data></array></value></param></params></methodCall>";
    nb_xmlrpc_call c;
    const nb_xv *top, *st, *ids;

    parse_ok(xml, &c);
    top = &c.params[0];
    assert_int_equal(top->type, NB_XV_ARRAY);
    assert_int_equal(top->u.arr.n, 2);
    st = &top->u.arr.items[0];
    assert_int_equal(st->type, NB_XV_STRUCT);
    assert_int_equal(st->u.st.n, 2);
    ids = &st->u.st.members[0].value;
    assert_int_equal(ids->type, NB_XV_ARRAY);
    assert_int_equal(ids->u.arr.n, 2);
    assert_int(&ids->u.arr.items[1], NB_XV_INT, 2);
    assert_int_equal(st->u.st.members[1].value.type, NB_XV_STRUCT);
    assert_int_equal(st->u.st.members[1].value.u.st.n, 0);
    assert_int_equal(top->u.arr.items[1].type, NB_XV_ARRAY);
    assert_int_equal(top->u.arr.items[1].u.arr.n, 0);
    nb_xmlrpc_call_free(&c);
}

/* The HTTP body is handed over as bytes and a length, without a NUL. */
static void test_unterminated_input(void **state)
{
    const char *xml = "<methodCall><methodName>one.vm.info</methodName><params><param>"
                      "<value><i4>12</i4></value></param></params></methodCall>";
    size_t n = strlen(xml);
    char *body = malloc(n);
    nb_xmlrpc_call c;
    nb_xmlrpc_fault_info f;

    memcpy(body, xml, n);
    assert_int_equal(nb_xmlrpc_parse_call(body, n, &lim, &c, &f), 0);
    assert_string_equal(c.method, "one.vm.info");
    assert_int(&c.params[0], NB_XV_INT, 12);
    nb_xmlrpc_call_free(&c);
    /* A truncated body is an error, not a read past its end. */
    parse_fails_n(body, n - 1, &lim, NB_FAULT_PARSE, "XML parse error");
    free(body);
}

/* A big document (a template, a pool listing) passes through whole. */
static void test_large_string(void **state)
{
    size_t n = 4u << 20;
    char *big = malloc(n + 1);
    nb_xv param;
    nb_buf b = NB_BUF_INIT;
    nb_xmlrpc_call c;

    for (size_t i = 0; i < n; i++)
        big[i] = "<a&b>\n xyz"[i % 10];
    big[n] = '\0';
    param = (nb_xv){ .type = NB_XV_STRING, .u.str = { big, n } };
    nb_xmlrpc_write_call(&b, "one.template.update", &param, 1);
    parse_ok(b.data, &c);
    assert_true(xv_equal(&param, &c.params[0]));
    nb_xmlrpc_call_free(&c);
    nb_xv_free(&param);
    nb_buf_free(&b);
}

/* ---- limits ------------------------------------------------------------ */

static char *nested_call(size_t depth)
{
    nb_buf b = NB_BUF_INIT;

    nb_buf_adds(&b, "<methodCall><methodName>m</methodName><params><param><value>");
    for (size_t i = 0; i < depth; i++)
        nb_buf_adds(&b, "<array><data><value>");
    nb_buf_adds(&b, "<i4>1</i4>");
    for (size_t i = 0; i < depth; i++)
        nb_buf_adds(&b, "</value></data></array>");
    nb_buf_adds(&b, "</value></param></params></methodCall>");
    return nb_buf_steal(&b, NULL);
}

static void test_depth_limit(void **state)
{
    const nb_xmlrpc_limits small = { .max_depth = 3, .max_params = 64 };
    char *ok = nested_call(3), *deep = nested_call(4);
    nb_xmlrpc_call c;
    nb_xmlrpc_fault_info f;

    assert_int_equal(nb_xmlrpc_parse_call(ok, strlen(ok), &small, &c, &f), 0);
    nb_xmlrpc_call_free(&c);
    parse_fails_n(deep, strlen(deep), &small, NB_FAULT_LIMIT, "nested deeper than the limit of 3");
    free(ok);
    free(deep);

    /* Far past libxml's own nesting limit: refused, not a stack overflow. */
    deep = nested_call(5000);
    parse_fails_n(deep, strlen(deep), &lim, NB_FAULT_PARSE, "");
    free(deep);
}

static char *call_with_params(size_t n)
{
    nb_buf b = NB_BUF_INIT;

    nb_buf_adds(&b, "<methodCall><methodName>m</methodName><params>");
    for (size_t i = 0; i < n; i++)
        nb_buf_addf(&b, "<param><value><i4>%zu</i4></value></param>", i);
    nb_buf_adds(&b, "</params></methodCall>");
    return nb_buf_steal(&b, NULL);
}

static void test_param_limit(void **state)
{
    const nb_xmlrpc_limits small = { .max_depth = 32, .max_params = 5 };
    char *ok = call_with_params(5), *many = call_with_params(6);
    nb_xmlrpc_call c;
    nb_xmlrpc_fault_info f;

    assert_int_equal(nb_xmlrpc_parse_call(ok, strlen(ok), &small, &c, &f), 0);
    assert_int_equal(c.nparams, 5);
    assert_int(&c.params[4], NB_XV_INT, 4);
    nb_xmlrpc_call_free(&c);
    parse_fails_n(many, strlen(many), &small, NB_FAULT_LIMIT, "too many parameters: 6 (limit 5)");
    free(ok);
    free(many);
}

/* ---- malformed and hostile input --------------------------------------- */

static void test_malformed(void **state)
{
    parse_fails("", NB_FAULT_PARSE, "XML parse error");
    parse_fails("not xml at all", NB_FAULT_PARSE, "XML parse error");
    parse_fails("<methodCall><methodName>m</methodName><params>", NB_FAULT_PARSE,
                "XML parse error");
    parse_fails("<methodCall><methodName>m</methodName></methodCal>", NB_FAULT_PARSE,
                "XML parse error");
    parse_fails("<methodCall><methodName>m</methodName></methodCall><x/>", NB_FAULT_PARSE,
                "XML parse error");
    parse_fails("<methodResponse><params/></methodResponse>", NB_FAULT_PARSE,
                "expected <methodCall>");
    parse_fails("<methodCall><methodName>m</methodName><params>junk</params></methodCall>",
                NB_FAULT_PARSE, "unexpected text 'junk' in <params>");
    parse_fails("<methodCall><methodName>m</methodName><params><value/></params></methodCall>",
                NB_FAULT_PARSE, "unexpected <value> in <params>");
    parse_fails("<methodCall><methodName>m</methodName><params><param/></params></methodCall>",
                NB_FAULT_PARSE, "<param> must contain exactly one <value>");
    parse_fails("<methodCall><methodName>m</methodName><params><param><value><float>1"
                "</float></value></param></params></methodCall>",
                NB_FAULT_PARSE, "unknown value type <float>");
    parse_fails("<methodCall><methodName>m</methodName><params><param><value><i4>1</i4>"
                "<i4>2</i4></value></param></params></methodCall>",
                NB_FAULT_PARSE, "one typed element");
    parse_fails("<methodCall><methodName>m</methodName><params><param><value>x<i4>1</i4>"
                "</value></param></params></methodCall>",
                NB_FAULT_PARSE, "unexpected text 'x' in <value>");
    parse_fails("<methodCall><methodName>m</methodName><params><param><value><string>a<b/>"
                "</string></value></param></params></methodCall>",
                NB_FAULT_PARSE, "unexpected <b> in <string>");
    parse_fails("<methodCall><methodName>m</methodName><params><param><value><struct><member>"
                "<value><i4>1</i4></value></member></struct></value></param></params>"
                "</methodCall>",
                NB_FAULT_PARSE, "<member> must hold <name> then <value>");
    parse_fails("<methodCall><methodName>m</methodName><params><param><value><array>"
                "<value><i4>1</i4></value></array></value></param></params></methodCall>",
                NB_FAULT_PARSE, "unexpected <value> in <array>, expected <data>");
    parse_fails("<methodCall><methodName>m</methodName><params><param><value><nil>x</nil>"
                "</value></param></params></methodCall>",
                NB_FAULT_PARSE, "unexpected text 'x' in <nil>");
    parse_fails("<methodCall><methodName>m</methodName><params/><extra/></methodCall>",
                NB_FAULT_PARSE, "may hold only <methodName> and <params>");
    parse_fails("<methodCall><methodName>m</methodName>&undeclared;</methodCall>",
                NB_FAULT_PARSE, "XML parse error");
}

static void test_method_name(void **state)
{
    parse_fails("<methodCall><params/></methodCall>", NB_FAULT_PARSE, "missing <methodName>");
    parse_fails("<methodCall/>", NB_FAULT_PARSE, "missing <methodName>");
    parse_fails("<methodCall><methodName></methodName><params/></methodCall>", NB_FAULT_PARSE,
                "empty <methodName>");
    parse_fails("<methodCall><methodName/></methodCall>", NB_FAULT_PARSE, "empty <methodName>");
}

static void test_bad_numbers(void **state)
{
    static const struct {
        const char *value;
        const char *msg;
    } cases[] = {
        { "<i4>12a</i4>", "invalid <i4> value '12a'" },
        { "<i4></i4>", "invalid <i4> value ''" },
        { "<int>1 2</int>", "invalid <int> value '1 2'" },
        { "<int>0x10</int>", "invalid <int> value '0x10'" },
        { "<i4>2147483648</i4>", "<i4> value 2147483648 does not fit in 32 bits" },
        { "<int>-2147483649</int>", "<int> value -2147483649 does not fit in 32 bits" },
        { "<i8>9223372036854775808</i8>", "invalid <i8> value '9223372036854775808'" },
        { "<boolean>2</boolean>", "invalid <boolean> value '2'" },
        { "<boolean>yes</boolean>", "invalid <boolean> value 'yes'" },
        { "<double>abc</double>", "invalid <double> value 'abc'" },
        { "<double>1e999</double>", "invalid <double> value '1e999'" },
    };
    char xml[256];

    for (size_t i = 0; i < NB_ARRAY_SIZE(cases); i++) {
        snprintf(xml, sizeof(xml),
                 "<methodCall><methodName>m</methodName><params><param><value>%s</value>"
                 "</param></params></methodCall>", cases[i].value);
        parse_fails(xml, NB_FAULT_PARSE, cases[i].msg);
    }
}

static void test_dtd_rejected(void **state)
{
    /* Billion laughs: must be refused without expanding anything. */
    const char *laughs =
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
        "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
        "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
        "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
        "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
        "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
        "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
        "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
        "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
        "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">]>"
        "<methodCall><methodName>m</methodName><params><param><value><string>&lol9;"
        "</string></value></param></params></methodCall>";
    /* External entities: the file must never be read into a value. */
    const char *xxe =
        "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
        "<methodCall><methodName>m</methodName><params><param><value><string>&xxe;"
        "</string></value></param></params></methodCall>";
    const char *ext_dtd =
        "<?xml version=\"1.0\"?><!DOCTYPE methodCall SYSTEM \"file:///etc/passwd\">"
        "<methodCall><methodName>m</methodName></methodCall>";
    const char *param_entity =
        "<!DOCTYPE m [<!ENTITY % p SYSTEM \"http://127.0.0.1:1/x.dtd\"> %p;]>"
        "<methodCall><methodName>m</methodName></methodCall>";

    parse_fails(laughs, NB_FAULT_PARSE, "DTD not allowed");
    parse_fails(xxe, NB_FAULT_PARSE, "DTD not allowed");
    parse_fails(ext_dtd, NB_FAULT_PARSE, "DTD not allowed");
    parse_fails(param_entity, NB_FAULT_PARSE, "DTD not allowed");
    /* The same thread's parser keeps working after a refusal. */
    nb_xmlrpc_call c;
    parse_ok("<methodCall><methodName>after</methodName></methodCall>", &c);
    assert_string_equal(c.method, "after");
    nb_xmlrpc_call_free(&c);
}

static void test_encoding(void **state)
{
    const char bad[] = "<methodCall><methodName>m</methodName><params><param><value><string>"
                       "a\xc3\x28z</string></value></param></params></methodCall>";
    const char overlong[] = "<methodCall><methodName>m\xc0\xaf</methodName></methodCall>";
    const char ctl[] = "<methodCall><methodName>m\x01</methodName></methodCall>";
    const char latin1[] = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><methodCall>"
                          "<methodName>m</methodName><params><param><value>caf\xe9</value>"
                          "</param></params></methodCall>";
    const char nul[] = "<methodCall><methodName>m</methodName>\0</methodCall>";
    nb_xmlrpc_call c;

    parse_fails_n(bad, sizeof(bad) - 1, &lim, NB_FAULT_BAD_UTF8, "not valid UTF-8");
    parse_fails_n(overlong, sizeof(overlong) - 1, &lim, NB_FAULT_BAD_UTF8, "not valid UTF-8");
    /* Valid UTF-8 but not an XML character. */
    parse_fails_n(ctl, sizeof(ctl) - 1, &lim, NB_FAULT_PARSE, "XML parse error");
    parse_fails_n(nul, sizeof(nul) - 1, &lim, NB_FAULT_PARSE, "NUL byte");
    /* Every client sends UTF-8: another declared encoding is not honoured. */
    parse_fails_n(latin1, sizeof(latin1) - 1, &lim, NB_FAULT_BAD_UTF8, "not valid UTF-8");
    parse_ok("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><methodCall>"
             "<methodName>ascii.is.fine</methodName></methodCall>", &c);
    assert_string_equal(c.method, "ascii.is.fine");
    nb_xmlrpc_call_free(&c);
    parse_ok("<methodCall><methodName>\xe2\x82\xac</methodName></methodCall>", &c);
    assert_string_equal(c.method, "\xe2\x82\xac");
    nb_xmlrpc_call_free(&c);
}

/* Fault messages quote untrusted text; a cut must not split a UTF-8
 * sequence, or the fault response itself would be unreadable. */
static void test_fault_message_is_utf8(void **state)
{
    static const char *const around[][2] = {
        { "<methodCall><methodName>m</methodName><params><param><value><i4>",
          "</i4></value></param></params></methodCall>" },
        { "<methodCall><methodName>m</methodName><params><param><value><",
          "/></value></param></params></methodCall>" },
        /* libxml's own message quotes the (long) mismatched tag. */
        { "<methodCall><methodName>m</methodName></", "></methodCall>" },
    };

    for (size_t k = 0; k < NB_ARRAY_SIZE(around); k++) {
        nb_buf xml = NB_BUF_INIT, resp = NB_BUF_INIT;
        nb_xmlrpc_call c;
        nb_xmlrpc_fault_info f, g;
        nb_xv v;

        nb_buf_adds(&xml, around[k][0]);
        for (int i = 0; i < 200; i++)
            nb_buf_adds(&xml, "\xc3\xa9");
        nb_buf_adds(&xml, around[k][1]);
        assert_int_equal(nb_xmlrpc_parse_call(xml.data, xml.len, &lim, &c, &f), -1);
        assert_int_equal(f.code, NB_FAULT_PARSE);
        nb_xmlrpc_write_fault(&resp, f.code, f.msg);
        assert_int_equal(nb_xmlrpc_parse_response(resp.data, resp.len, &v, &g), 1);
        assert_string_equal(g.msg, f.msg);
        free(f.msg);
        free(g.msg);
        nb_buf_free(&xml);
        nb_buf_free(&resp);
    }
}

static void test_errors_stay_quiet(void **state)
{
    static const char *const bad[] = {
        "<a>", "<?xml version=\"1.0\" encoding=\"bogus-enc\"?><a/>",
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?><a/>", "<!DOCTYPE a [<!ENTITY e \"x\">]><a/>",
        "<methodCall><methodName>m\xff</methodName></methodCall>",
    };
    FILE *tmp = tmpfile();
    int saved = dup(STDERR_FILENO);
    struct stat st;
    nb_xmlrpc_call c;
    nb_xmlrpc_fault_info f;

    assert_non_null(tmp);
    fflush(stderr);
    dup2(fileno(tmp), STDERR_FILENO);
    for (size_t i = 0; i < NB_ARRAY_SIZE(bad); i++) {
        assert_int_equal(nb_xmlrpc_parse_call(bad[i], strlen(bad[i]), &lim, &c, &f), -1);
        free(f.msg);
    }
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    assert_int_equal(fstat(fileno(tmp), &st), 0);
    assert_int_equal(st.st_size, 0);
    fclose(tmp);
}

/* Many made-up element names must not break the reused per-thread parser. */
static void test_many_distinct_names(void **state)
{
    char xml[160];
    nb_xmlrpc_call c;

    for (int i = 0; i < 10000; i++) {
        snprintf(xml, sizeof(xml), "<methodCall><methodName>m</methodName><params><param>"
                 "<value><t%d/></value></param></params></methodCall>", i);
        parse_fails(xml, NB_FAULT_PARSE, "unknown value type");
    }
    parse_ok("<methodCall><methodName>still.fine</methodName></methodCall>", &c);
    assert_string_equal(c.method, "still.fine");
    nb_xmlrpc_call_free(&c);
}

static void *parse_loop(void *arg)
{
    const char *xml = arg;
    nb_xmlrpc_call c;
    nb_xmlrpc_fault_info f;

    for (int i = 0; i < 2000; i++) {
        if (nb_xmlrpc_parse_call(xml, strlen(xml), &lim, &c, &f) != 0 || c.nparams != 2 ||
            c.params[1].u.i != 7) {
            free(f.msg);
            return (void *)1;
        }
        nb_xmlrpc_call_free(&c);
        /* A refused call in between must not disturb the next one. */
        if (nb_xmlrpc_parse_call("<x", 2, &lim, &c, &f) == 0)
            return (void *)1;
        free(f.msg);
    }
    return NULL;
}

static void test_threads(void **state)
{
    char xml[] = "<methodCall><methodName>one.vm.info</methodName><params><param><value>"
                 "<string>u:p</string></value></param><param><value><int>7</int></value>"
                 "</param></params></methodCall>";
    pthread_t t[4];
    void *res;

    for (size_t i = 0; i < NB_ARRAY_SIZE(t); i++)
        assert_int_equal(pthread_create(&t[i], NULL, parse_loop, xml), 0);
    for (size_t i = 0; i < NB_ARRAY_SIZE(t); i++) {
        assert_int_equal(pthread_join(t[i], &res), 0);
        assert_null(res);
    }
}

/* ---- writers ------------------------------------------------------------- */

static void test_response_bytes(void **state)
{
    /* What xmlrpc-c 1.33 (oned) sends, CRLF line ends included. */
    const char *want = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
                       "<methodResponse>\r\n"
                       "<params>\r\n"
                       "<param><value><array><data>\r\n"
                       "<value><boolean>1</boolean></value>\r\n"
                       "<value><string>&lt;USER&gt;&lt;NAME&gt;a&amp;b&lt;/NAME&gt;&lt;/USER&gt;"
                       "</string></value>\r\n"
                       "<value><i4>0</i4></value>\r\n"
                       "<value><i8>-1099511627776</i8></value>\r\n"
                       "</data></array></value></param>\r\n"
                       "</params>\r\n"
                       "</methodResponse>\r\n";
    const char *doc = "<USER><NAME>a&b</NAME></USER>";
    nb_buf b = NB_BUF_INIT;

    nb_xmlrpc_resp_begin(&b);
    nb_xmlrpc_value_bool(&b, true);
    nb_xmlrpc_value_string(&b, doc, strlen(doc));
    nb_xmlrpc_value_int(&b, 0);
    nb_xmlrpc_value_i8(&b, -1099511627776LL);
    nb_xmlrpc_resp_end(&b);
    assert_string_equal(b.data, want);

    /* The same document rendered piecewise in escape mode. */
    nb_buf_reset(&b);
    nb_xmlrpc_resp_begin(&b);
    nb_xmlrpc_value_bool(&b, true);
    nb_xmlrpc_value_string_begin(&b);
    assert_true(b.escape);
    nb_buf_adds(&b, "<USER><NAME>");
    nb_buf_adds(&b, "a&b");
    nb_buf_adds(&b, "</NAME></USER>");
    nb_xmlrpc_value_string_end(&b);
    assert_false(b.escape);
    nb_xmlrpc_value_int(&b, 0);
    nb_xmlrpc_value_i8(&b, -1099511627776LL);
    nb_xmlrpc_resp_end(&b);
    assert_string_equal(b.data, want);
    nb_buf_free(&b);
}

static void test_failure_envelope_bytes(void **state)
{
    const char *want = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
                       "<methodResponse>\r\n"
                       "<params>\r\n"
                       "<param><value><array><data>\r\n"
                       "<value><boolean>0</boolean></value>\r\n"
                       "<value><string>[one.vm.info] Error getting virtual machine [42].</string>"
                       "</value>\r\n"
                       "<value><i4>1024</i4></value>\r\n"
                       "<value><i4>42</i4></value>\r\n"
                       "<value><i8>0</i8></value>\r\n"
                       "</data></array></value></param>\r\n"
                       "</params>\r\n"
                       "</methodResponse>\r\n";
    const char *msg = "[one.vm.info] Error getting virtual machine [42].";
    nb_buf b = NB_BUF_INIT;

    /* Markup stays raw even if a caller forgot to leave escape mode. */
    b.escape = true;
    nb_xmlrpc_resp_begin(&b);
    nb_xmlrpc_value_bool(&b, false);
    nb_xmlrpc_value_string(&b, msg, strlen(msg));
    b.escape = true;
    nb_xmlrpc_value_int(&b, 1024);
    nb_xmlrpc_value_int(&b, 42);
    nb_xmlrpc_value_i8(&b, 0);
    nb_xmlrpc_resp_end(&b);
    assert_string_equal(b.data, want);
    nb_buf_free(&b);
}

static void test_fault_bytes(void **state)
{
    const char *want = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
                       "<methodResponse>\r\n"
                       "<fault>\r\n"
                       "<value><struct>\r\n"
                       "<member><name>faultCode</name>\r\n"
                       "<value><i4>-506</i4></value></member>\r\n"
                       "<member><name>faultString</name>\r\n"
                       "<value><string>Method 'one.x.y' not defined</string></value></member>\r\n"
                       "</struct></value>\r\n"
                       "</fault>\r\n"
                       "</methodResponse>\r\n";
    nb_buf b = NB_BUF_INIT;

    nb_xmlrpc_write_fault(&b, NB_FAULT_NO_SUCH_METHOD, "Method 'one.x.y' not defined");
    assert_string_equal(b.data, want);
    nb_buf_free(&b);
}

static void test_write_call_bytes(void **state)
{
    nb_xv params[3] = { nb_xv_string("a:<b>"), nb_xv_int(-1), nb_xv_bool(true) };
    nb_buf b = NB_BUF_INIT;

    nb_xmlrpc_write_call(&b, "one.user.info", params, NB_ARRAY_SIZE(params));
    assert_string_equal(b.data,
                        "<?xml version=\"1.0\"?><methodCall><methodName>one.user.info</methodName>"
                        "<params><param><value><string>a:&lt;b&gt;</string></value></param>"
                        "<param><value><i4>-1</i4></value></param>"
                        "<param><value><boolean>1</boolean></value></param></params></methodCall>");
    for (size_t i = 0; i < NB_ARRAY_SIZE(params); i++)
        nb_xv_free(&params[i]);
    nb_buf_free(&b);
}

/* ---- round trips --------------------------------------------------------- */

static void test_call_round_trip(void **state)
{
    static const char *const strings[] = {
        "a<b>&c", "]]>", "line1\r\nline2\rline3\n", "  padded  ", "", "\xe2\x82\xac \xf0\x9f\x98\x80",
        "&amp; stays &amp;", "'\"quotes\"'", "\ttab",
    };
    nb_xv members[2] = { { .type = NB_XV_DOUBLE, .u.d = 0.1 }, nb_xv_string("v<&>") };
    nb_xmember m[2] = { { (char *)"x & y", members[0] }, { (char *)"<k>", members[1] } };
    nb_xv inner[2] = { nb_xv_int(1LL << 40), { .type = NB_XV_NIL } };
    nb_xv params[NB_ARRAY_SIZE(strings) + 8];
    size_t n = 0;
    nb_buf b = NB_BUF_INIT;
    nb_xmlrpc_call c;

    for (size_t i = 0; i < NB_ARRAY_SIZE(strings); i++)
        params[n++] = nb_xv_string(strings[i]);
    params[n++] = nb_xv_int(INT32_MIN);
    params[n++] = nb_xv_int(INT64_MAX);
    params[n++] = (nb_xv){ .type = NB_XV_I8, .u.i = 5 };
    params[n++] = nb_xv_bool(false);
    params[n++] = (nb_xv){ .type = NB_XV_DOUBLE, .u.d = -1e-300 };
    params[n++] = (nb_xv){ .type = NB_XV_ARRAY, .u.arr = { inner, 2 } };
    params[n++] = (nb_xv){ .type = NB_XV_STRUCT, .u.st = { m, 2 } };
    params[n++] = (nb_xv){ .type = NB_XV_DATETIME, .u.str = { (char *)"20240101T00:00:00", 17 } };

    nb_xmlrpc_write_call(&b, "one.a&b", params, n);
    parse_ok(b.data, &c);
    assert_string_equal(c.method, "one.a&b");
    assert_int_equal(c.nparams, n);
    for (size_t i = 0; i < n; i++)
        if (!xv_equal(&params[i], &c.params[i]))
            fail_msg("param %zu (%s) differs after the round trip", i,
                     nb_xv_type_name(params[i].type));
    assert_int_equal(c.params[NB_ARRAY_SIZE(strings) + 1].type, NB_XV_I8);

    nb_xmlrpc_call_free(&c);
    for (size_t i = 0; i < NB_ARRAY_SIZE(strings); i++)
        nb_xv_free(&params[i]);
    nb_xv_free(&inner[0]);
    nb_xv_free(&members[1]);
    nb_buf_free(&b);
}

static void test_response_round_trip(void **state)
{
    const char *s = "<VM><NAME>a&b \r\n]]></NAME></VM>";
    nb_buf b = NB_BUF_INIT;
    nb_xmlrpc_fault_info f;
    nb_xv v;

    nb_xmlrpc_resp_begin(&b);
    nb_xmlrpc_value_bool(&b, true);
    nb_xmlrpc_value_string(&b, s, strlen(s));
    nb_xmlrpc_value_int(&b, 0);
    nb_xmlrpc_value_i8(&b, INT64_MIN);
    nb_xmlrpc_resp_end(&b);
    assert_int_equal(nb_xmlrpc_parse_response(b.data, b.len, &v, &f), 0);
    assert_null(f.msg);
    assert_int_equal(v.type, NB_XV_ARRAY);
    assert_int_equal(v.u.arr.n, 4);
    assert_bool(&v.u.arr.items[0], true);
    assert_str(&v.u.arr.items[1], s);
    assert_int(&v.u.arr.items[2], NB_XV_INT, 0);
    assert_int(&v.u.arr.items[3], NB_XV_I8, INT64_MIN);
    nb_xv_free(&v);

    /* A single-value response written by another server (Python). */
    const char *py = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n"
                     "<value><string>7.4.0</string></value>\n</param>\n</params>\n"
                     "</methodResponse>\n";
    assert_int_equal(nb_xmlrpc_parse_response(py, strlen(py), &v, &f), 0);
    assert_str(&v, "7.4.0");
    nb_xv_free(&v);
    nb_buf_free(&b);
}

static void test_fault_round_trip(void **state)
{
    nb_buf b = NB_BUF_INIT;
    nb_xmlrpc_fault_info f;
    nb_xv v;

    nb_xmlrpc_write_fault(&b, NB_FAULT_TYPE, "Parameter <1> & co is not an integer");
    assert_int_equal(nb_xmlrpc_parse_response(b.data, b.len, &v, &f), 1);
    assert_int_equal(f.code, NB_FAULT_TYPE);
    assert_string_equal(f.msg, "Parameter <1> & co is not an integer");
    free(f.msg);
    nb_buf_free(&b);
}

static void test_bad_responses(void **state)
{
    static const char *const bad[] = {
        "",
        "<methodCall><methodName>m</methodName></methodCall>",
        "<methodResponse/>",
        "<methodResponse><params/></methodResponse>",
        "<methodResponse><params><param><value><i4>1</i4></value></param>"
        "<param><value><i4>2</i4></value></param></params></methodResponse>",
        "<methodResponse><params><param><value><i4>x</i4></value></param></params>"
        "</methodResponse>",
        "<methodResponse><fault><value><string>oops</string></value></fault></methodResponse>",
        "<methodResponse><fault><value><struct><member><name>faultCode</name><value><i4>1</i4>"
        "</value></member></struct></value></fault></methodResponse>",
        "<methodResponse><params/><fault/></methodResponse>",
        "<methodResponse><params><param><value>\xff</value></param></params></methodResponse>",
    };
    nb_xmlrpc_fault_info f;
    nb_xv v;

    for (size_t i = 0; i < NB_ARRAY_SIZE(bad); i++) {
        if (nb_xmlrpc_parse_response(bad[i], strlen(bad[i]), &v, &f) != -1)
            fail_msg("response %zu accepted", i);
        assert_int_equal(f.code, NB_FAULT_PARSE);
        assert_non_null(f.msg);
        free(f.msg);
    }
}

static void test_constructors_and_names(void **state)
{
    nb_xv v = nb_xv_int(INT32_MAX), w = nb_xv_int(INT32_MAX + 1LL), s = nb_xv_string("x");

    assert_int(&v, NB_XV_INT, INT32_MAX);
    assert_int(&w, NB_XV_I8, INT32_MAX + 1LL);
    assert_str(&s, "x");
    nb_xv_free(&s);
    assert_string_equal(nb_xv_type_name(NB_XV_INT), "int");
    assert_string_equal(nb_xv_type_name(NB_XV_I8), "i8");
    assert_string_equal(nb_xv_type_name(NB_XV_BOOL), "boolean");
    assert_string_equal(nb_xv_type_name(NB_XV_DATETIME), "dateTime.iso8601");
    assert_string_equal(nb_xv_type_name(NB_XV_NIL), "nil");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ruby_call),
        cmocka_unit_test(test_python_call),
        cmocka_unit_test(test_go_call),
        cmocka_unit_test(test_untyped_values),
        cmocka_unit_test(test_scalar_spellings),
        cmocka_unit_test(test_empty_params),
        cmocka_unit_test(test_nested),
        cmocka_unit_test(test_unterminated_input),
        cmocka_unit_test(test_large_string),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_param_limit),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_method_name),
        cmocka_unit_test(test_bad_numbers),
        cmocka_unit_test(test_dtd_rejected),
        cmocka_unit_test(test_encoding),
        cmocka_unit_test(test_fault_message_is_utf8),
        cmocka_unit_test(test_errors_stay_quiet),
        cmocka_unit_test(test_many_distinct_names),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_response_bytes),
        cmocka_unit_test(test_failure_envelope_bytes),
        cmocka_unit_test(test_fault_bytes),
        cmocka_unit_test(test_write_call_bytes),
        cmocka_unit_test(test_call_round_trip),
        cmocka_unit_test(test_response_round_trip),
        cmocka_unit_test(test_fault_round_trip),
        cmocka_unit_test(test_bad_responses),
        cmocka_unit_test(test_constructors_and_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
