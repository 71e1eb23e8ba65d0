/* Unit tests for lib/template.c: the OpenNebula template language. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libxml/parser.h>

#include "lib/template.h"

/* ---- helpers ------------------------------------------------------------ */

static void parse_ok(nb_tmpl *t, const char *text)
{
    char *err = NULL;
    int rc = nb_tmpl_parse(t, text, strlen(text), &err);
    if (rc != 0)
        fail_msg("unexpected parse error: %s\n--- input:\n%s", err, text);
    assert_null(err);
}

/* Parse error message for len bytes of text (caller frees). */
static char *parse_err_n(const char *text, size_t len)
{
    nb_tmpl t = NB_TMPL_INIT;
    char *err = NULL;
    int rc = nb_tmpl_parse(&t, text, len, &err);
    assert_int_equal(rc, -1);
    assert_non_null(err);
    assert_int_equal(strncmp(err, "Parse error: ", 13), 0);
    assert_int_equal(t.n, 0);
    nb_tmpl_free(&t);
    return err;
}

static char *parse_err(const char *text)
{
    return parse_err_n(text, strlen(text));
}

static void assert_err(const char *text, const char *expected)
{
    char *err = parse_err(text);
    assert_string_equal(err, expected);
    free(err);
}

/* The error message for len bytes of text mentions `what` and ends with
 * ", line N". */
static void assert_err_has_n(const char *text, size_t len, const char *what, int line)
{
    char *err = parse_err_n(text, len);
    char suffix[32];
    snprintf(suffix, sizeof(suffix), ", line %d", line);
    if (!strstr(err, what))
        fail_msg("error \"%s\" lacks \"%s\"", err, what);
    size_t el = strlen(err), sl = strlen(suffix);
    if (el < sl || strcmp(err + el - sl, suffix) != 0)
        fail_msg("error \"%s\" does not end with \"%s\"", err, suffix);
    free(err);
}

static void assert_err_has(const char *text, const char *what, int line)
{
    assert_err_has_n(text, strlen(text), what, line);
}

static char *to_xml(const nb_tmpl *t, const char *root)
{
    nb_buf b = NB_BUF_INIT;
    nb_tmpl_to_xml(t, &b, root);
    return nb_buf_steal(&b, NULL);
}

static char *to_text(const nb_tmpl *t)
{
    nb_buf b = NB_BUF_INIT;
    nb_tmpl_to_text(t, &b);
    return nb_buf_steal(&b, NULL);
}

static void assert_xml(const nb_tmpl *t, const char *expected)
{
    char *x = to_xml(t, "TEMPLATE");
    assert_string_equal(x, expected);
    free(x);
}

static void assert_parses_to_xml(const char *text, const char *expected)
{
    nb_tmpl t = NB_TMPL_INIT;
    parse_ok(&t, text);
    assert_xml(&t, expected);
    nb_tmpl_free(&t);
}

/* text -> template -> text -> template, and template -> XML -> template:
 * every step must give the same XML document. */
static void assert_round_trips(const nb_tmpl *t)
{
    char *xml = to_xml(t, "TEMPLATE");
    char *text = to_text(t);
    nb_tmpl back = NB_TMPL_INIT;
    parse_ok(&back, text);
    char *xml2 = to_xml(&back, "TEMPLATE");
    if (strcmp(xml, xml2) != 0)
        fail_msg("text round trip differs\n--- text:\n%s\n--- before:\n%s\n--- after:\n%s", text, xml, xml2);
    nb_tmpl_free(&back);
    parse_ok(&back, xml);
    char *xml3 = to_xml(&back, "TEMPLATE");
    assert_string_equal(xml, xml3);
    nb_tmpl_free(&back);
    free(xml);
    free(xml2);
    free(xml3);
    free(text);
}

/* ---- text syntax -------------------------------------------------------- */

static const char vm_template[] =
    "NAME   = \"web\"            # comment\n"
    "CPU    = 0.5\n"
    "VCPU   = 2\n"
    "MEMORY = 2048\n"
    "DISK   = [ IMAGE_ID = 4, SIZE = 20480 ]\n"
    "DISK   = [ TYPE = \"fs\", SIZE = 1024, FORMAT = \"raw\" ]\n"
    "NIC    = [ NETWORK_ID = 7, MODEL = \"virtio\" ]\n"
    "CONTEXT = [ NETWORK = \"YES\", SSH_PUBLIC_KEY = \"$USER[SSH_PUBLIC_KEY]\",\n"
    "            START_SCRIPT = \"echo \\\"hi\\\" > /tmp/x\" ]\n"
    "GRAPHICS = [ TYPE = \"VNC\", LISTEN = \"0.0.0.0\" ]\n"
    "SCHED_REQUIREMENTS = \"HYPERVISOR = kvm & FREE_CPU > 100\"\n";

static void test_vm_template(void **state)
{
    nb_tmpl t = NB_TMPL_INIT;
    parse_ok(&t, vm_template);

    assert_int_equal(t.n, 10);
    assert_string_equal(nb_tmpl_get(&t, "NAME"), "web");
    assert_string_equal(nb_tmpl_get(&t, "CPU"), "0.5");
    assert_string_equal(nb_tmpl_get(&t, "MEMORY"), "2048");
    assert_string_equal(nb_tmpl_get(&t, "SCHED_REQUIREMENTS"), "HYPERVISOR = kvm & FREE_CPU > 100");
    assert_string_equal(nb_tmpl_vget(&t, "DISK", "IMAGE_ID"), "4");
    assert_string_equal(nb_tmpl_vget(&t, "CONTEXT", "START_SCRIPT"), "echo \"hi\" > /tmp/x");
    assert_string_equal(nb_tmpl_vget(&t, "CONTEXT", "SSH_PUBLIC_KEY"), "$USER[SSH_PUBLIC_KEY]");
    assert_null(nb_tmpl_get(&t, "DISK"));           /* a vector, not a single value */

    /* Sorted by name; the two DISKs keep their order. */
    const char *order[] = { "CONTEXT", "CPU", "DISK", "DISK", "GRAPHICS", "MEMORY", "NAME", "NIC",
                            "SCHED_REQUIREMENTS", "VCPU" };
    for (size_t i = 0; i < t.n; i++)
        assert_string_equal(t.attrs[i].name, order[i]);
    assert_string_equal(t.attrs[2].pairs[0].name, "IMAGE_ID");
    assert_string_equal(t.attrs[3].pairs[0].name, "FORMAT");
    assert_string_equal(t.attrs[3].pairs[2].name, "TYPE");

    assert_xml(&t,
        "<TEMPLATE>"
        "<CONTEXT><NETWORK><![CDATA[YES]]></NETWORK>"
        "<SSH_PUBLIC_KEY><![CDATA[$USER[SSH_PUBLIC_KEY]]]></SSH_PUBLIC_KEY>"
        "<START_SCRIPT><![CDATA[echo \"hi\" > /tmp/x]]></START_SCRIPT></CONTEXT>"
        "<CPU><![CDATA[0.5]]></CPU>"
        "<DISK><IMAGE_ID><![CDATA[4]]></IMAGE_ID><SIZE><![CDATA[20480]]></SIZE></DISK>"
        "<DISK><FORMAT><![CDATA[raw]]></FORMAT><SIZE><![CDATA[1024]]></SIZE><TYPE><![CDATA[fs]]></TYPE></DISK>"
        "<GRAPHICS><LISTEN><![CDATA[0.0.0.0]]></LISTEN><TYPE><![CDATA[VNC]]></TYPE></GRAPHICS>"
        "<MEMORY><![CDATA[2048]]></MEMORY>"
        "<NAME><![CDATA[web]]></NAME>"
        "<NIC><MODEL><![CDATA[virtio]]></MODEL><NETWORK_ID><![CDATA[7]]></NETWORK_ID></NIC>"
        "<SCHED_REQUIREMENTS><![CDATA[HYPERVISOR = kvm & FREE_CPU > 100]]></SCHED_REQUIREMENTS>"
        "<VCPU><![CDATA[2]]></VCPU>"
        "</TEMPLATE>");
    assert_round_trips(&t);
    nb_tmpl_free(&t);
}

/* The forms that real clients and the reference send. */
static void test_real_world_forms(void **state)
{
    assert_parses_to_xml("NAME=\"vm2\"\nCPU=1.0\nMEMORY=128\n",
        "<TEMPLATE><CPU><![CDATA[1.0]]></CPU><MEMORY><![CDATA[128]]></MEMORY>"
        "<NAME><![CDATA[vm2]]></NAME></TEMPLATE>");
    assert_parses_to_xml("DISK = [ IMAGE_ID = 0 ]",
        "<TEMPLATE><DISK><IMAGE_ID><![CDATA[0]]></IMAGE_ID></DISK></TEMPLATE>");
    assert_parses_to_xml("NIC = [ NETWORK_ID = 0]",
        "<TEMPLATE><NIC><NETWORK_ID><![CDATA[0]]></NETWORK_ID></NIC></TEMPLATE>");
    assert_parses_to_xml("AR = [ TYPE=\"IP4\", SIZE = 10, IP = 10.0.1.1]",
        "<TEMPLATE><AR><IP><![CDATA[10.0.1.1]]></IP><SIZE><![CDATA[10]]></SIZE>"
        "<TYPE><![CDATA[IP4]]></TYPE></AR></TEMPLATE>");
    assert_parses_to_xml("SUNSTONE=[GROUP_ADMIN_VIEWS=groupadmin,\nGROUP_ADMIN_DEFAULT_VIEW=groupadmin]\n",
        "<TEMPLATE><SUNSTONE><GROUP_ADMIN_DEFAULT_VIEW><![CDATA[groupadmin]]></GROUP_ADMIN_DEFAULT_VIEW>"
        "<GROUP_ADMIN_VIEWS><![CDATA[groupadmin]]></GROUP_ADMIN_VIEWS></SUNSTONE></TEMPLATE>");
    assert_parses_to_xml("LEASES = [ IP = 10.0.0.5]",
        "<TEMPLATE><LEASES><IP><![CDATA[10.0.0.5]]></IP></LEASES></TEMPLATE>");
    assert_parses_to_xml("SSH_PUBLIC_KEY=\"ssh-ed25519 AAAAC3Nza+/= user@host\"",
        "<TEMPLATE><SSH_PUBLIC_KEY><![CDATA[ssh-ed25519 AAAAC3Nza+/= user@host]]></SSH_PUBLIC_KEY></TEMPLATE>");
    assert_parses_to_xml("", "<TEMPLATE></TEMPLATE>");
    assert_parses_to_xml("  \n# only a comment\n\n", "<TEMPLATE></TEMPLATE>");
}

static void test_oned_conf(void **state)
{
    static const char conf[] =
        "#*******************************************************************************\n"
        "# Daemon configuration attributes\n"
        "#*******************************************************************************\n"
        "\n"
        "LOG = [\n"
        "  SYSTEM      = \"file\",\n"
        "  DEBUG_LEVEL = 3\n"
        "]\n"
        "\n"
        "MONITORING_INTERVAL_HOST = 180\n"
        "PORT = 2633\n"
        "LISTEN_ADDRESS = \"0.0.0.0\"\n"
        "DB = [ BACKEND = \"sqlite\", TIMEOUT = 2500 ]\n"
        "\n"
        "VNC_PORTS = [\n"
        "    START    = 5900,\n"
        "    RESERVED = \"32768:65536\"   # blocked ports\n"
        "]\n"
        "VM_RESTRICTED_ATTR = \"CONTEXT/FILES\"\n"
        "VM_RESTRICTED_ATTR = \"NIC/MAC\"\n"
        "VM_RESTRICTED_ATTR = \"NIC/VLAN_ID\"\n"
        "\tDEFAULT_UMASK = 177\r\n"
        "IM_MAD = [\n"
        "      NAME          = \"kvm\",\n"
        "      SUNSTONE_NAME = \"KVM\",\n"
        "      EXECUTABLE    = \"one_im_ssh\",\n"
        "      ARGUMENTS     = \"-r 3 -t 15 -w 90 kvm\", ]\n";
    nb_tmpl t = NB_TMPL_INIT;
    parse_ok(&t, conf);

    assert_string_equal(nb_tmpl_get(&t, "PORT"), "2633");
    assert_string_equal(nb_tmpl_get(&t, "LISTEN_ADDRESS"), "0.0.0.0");
    assert_string_equal(nb_tmpl_get(&t, "DEFAULT_UMASK"), "177");
    assert_string_equal(nb_tmpl_vget(&t, "DB", "BACKEND"), "sqlite");
    assert_string_equal(nb_tmpl_vget(&t, "DB", "TIMEOUT"), "2500");
    assert_string_equal(nb_tmpl_vget(&t, "LOG", "DEBUG_LEVEL"), "3");
    assert_string_equal(nb_tmpl_vget(&t, "VNC_PORTS", "RESERVED"), "32768:65536");
    assert_string_equal(nb_tmpl_vget(&t, "IM_MAD", "ARGUMENTS"), "-r 3 -t 15 -w 90 kvm");
    assert_int_equal(nb_tmpl_find(&t, "IM_MAD")->npairs, 4);

    /* Repeats are all kept, in file order. */
    const nb_tattr *ra = nb_tmpl_find(&t, "VM_RESTRICTED_ATTR");
    assert_non_null(ra);
    assert_string_equal(ra[0].value, "CONTEXT/FILES");
    assert_string_equal(ra[1].value, "NIC/MAC");
    assert_string_equal(ra[2].value, "NIC/VLAN_ID");
    assert_int_equal(nb_tmpl_remove(&t, "vm_restricted_attr"), 3);
    assert_null(nb_tmpl_find(&t, "VM_RESTRICTED_ATTR"));
    assert_round_trips(&t);
    nb_tmpl_free(&t);
}

static void test_yes(void **state)
{
    nb_tmpl t = NB_TMPL_INIT;
    (void)state;
    parse_ok(&t, "A = yes\nB = \"YES\"\nC = no\nD = YESS\nV = [ A = YES ]\n");
    assert_true(nb_tmpl_yes(&t, "A"));
    assert_true(nb_tmpl_yes(&t, "b"));
    assert_false(nb_tmpl_yes(&t, "C"));
    assert_false(nb_tmpl_yes(&t, "D"));
    assert_false(nb_tmpl_yes(&t, "V"));
    assert_false(nb_tmpl_yes(&t, "MISSING"));
    nb_tmpl_free(&t);
}

static void test_empty_values(void **state)
{
    nb_tmpl t = NB_TMPL_INIT;
    parse_ok(&t, "A =\nB=   # comment\nC = \"\"\nD = [ ]\nE=[\n]\nF = [ X = , Y = \"\",\n Z =\n]\nG =");

    assert_string_equal(nb_tmpl_get(&t, "A"), "");
    assert_string_equal(nb_tmpl_get(&t, "B"), "");
    assert_string_equal(nb_tmpl_get(&t, "C"), "");
    assert_string_equal(nb_tmpl_get(&t, "G"), "");
    const nb_tattr *d = nb_tmpl_find(&t, "D");
    assert_null(d->value);
    assert_int_equal(d->npairs, 0);
    assert_int_equal(nb_tmpl_find(&t, "E")->npairs, 0);
    assert_string_equal(nb_tmpl_vget(&t, "F", "X"), "");
    assert_string_equal(nb_tmpl_vget(&t, "F", "Y"), "");
    assert_string_equal(nb_tmpl_vget(&t, "F", "Z"), "");
    assert_xml(&t,
        "<TEMPLATE><A><![CDATA[]]></A><B><![CDATA[]]></B><C><![CDATA[]]></C><D></D><E></E>"
        "<F><X><![CDATA[]]></X><Y><![CDATA[]]></Y><Z><![CDATA[]]></Z></F><G><![CDATA[]]></G></TEMPLATE>");
    assert_round_trips(&t);
    nb_tmpl_free(&t);
}

static void test_vector_layout(void **state)
{
    /* Newlines around brackets and commas, comments, trailing comma. */
    assert_parses_to_xml(
        "DISK =\t[\n"
        "  # the root disk\n"
        "  IMAGE_ID = 4 , # from the market\n"
        "\n"
        "  SIZE = \"20480\"\n"
        "  ,\n"
        "  TARGET = vda,\n"
        "]   # done\n"
        "NIC=[NETWORK_ID=1,]",
        "<TEMPLATE><DISK><IMAGE_ID><![CDATA[4]]></IMAGE_ID><SIZE><![CDATA[20480]]></SIZE>"
        "<TARGET><![CDATA[vda]]></TARGET></DISK>"
        "<NIC><NETWORK_ID><![CDATA[1]]></NETWORK_ID></NIC></TEMPLATE>");
}

static void test_separators(void **state)
{
    /* Blanks separate attributes as well as newlines; CRLF is a newline. */
    assert_parses_to_xml("A=1 B=2\tC=\"x\"D=[E=1] F = 3\r\nG = 4",
        "<TEMPLATE><A><![CDATA[1]]></A><B><![CDATA[2]]></B><C><![CDATA[x]]></C>"
        "<D><E><![CDATA[1]]></E></D><F><![CDATA[3]]></F><G><![CDATA[4]]></G></TEMPLATE>");
    /* A bare token stops at '#', a quoted string does not. */
    assert_parses_to_xml("A = abc#comment\nB = \"abc#not [a] = comment,\"",
        "<TEMPLATE><A><![CDATA[abc]]></A><B><![CDATA[abc#not [a] = comment,]]></B></TEMPLATE>");
    /* Bare tokens take anything else, e.g. expressions and paths. */
    assert_parses_to_xml("A = $NETWORK(x)/y:z|&<>'!",
        "<TEMPLATE><A><![CDATA[$NETWORK(x)/y:z|&<>'!]]></A></TEMPLATE>");
}

static void test_case_folding(void **state)
{
    nb_tmpl t = NB_TMPL_INIT;
    parse_ok(&t, "name = web\nDisk = [ image_id = 3, Size = 10 ]\nmEmOrY=1");

    assert_string_equal(t.attrs[0].name, "DISK");
    assert_string_equal(t.attrs[0].pairs[0].name, "IMAGE_ID");
    assert_string_equal(t.attrs[0].pairs[1].name, "SIZE");
    assert_string_equal(t.attrs[1].name, "MEMORY");
    assert_string_equal(t.attrs[2].name, "NAME");
    /* Values keep their case; lookups ignore the case of names. */
    assert_string_equal(nb_tmpl_get(&t, "name"), "web");
    assert_string_equal(nb_tmpl_get(&t, "Name"), "web");
    assert_string_equal(nb_tmpl_vget(&t, "disk", "Image_Id"), "3");
    assert_non_null(nb_tmpl_find(&t, "dIsK"));
    assert_null(nb_tmpl_find(&t, "DISKS"));
    assert_null(nb_tmpl_find(&t, "DIS"));
    assert_null(nb_tmpl_vget(&t, "disk", "IMAGE"));
    assert_null(nb_tmpl_vget(&t, "name", "x"));     /* single, not a vector */
    nb_tmpl_free(&t);
}

static void test_repeats_stable_order(void **state)
{
    nb_tmpl t = NB_TMPL_INIT;
    parse_ok(&t,
        "NIC = [ NETWORK_ID = 2 ]\n"
        "B = first\n"
        "NIC = [ NETWORK_ID = 1, MODEL = e1000, IP = 10.0.0.9 ]\n"
        "A = 1\n"
        "B = second\n"
        "V = [ K = 3, J = x, K = 1, K = 2 ]\n"
        "NIC = [ NETWORK_ID = 0 ]\n");
    assert_xml(&t,
        "<TEMPLATE><A><![CDATA[1]]></A>"
        "<B><![CDATA[first]]></B><B><![CDATA[second]]></B>"
        "<NIC><NETWORK_ID><![CDATA[2]]></NETWORK_ID></NIC>"
        "<NIC><IP><![CDATA[10.0.0.9]]></IP><MODEL><![CDATA[e1000]]></MODEL>"
        "<NETWORK_ID><![CDATA[1]]></NETWORK_ID></NIC>"
        "<NIC><NETWORK_ID><![CDATA[0]]></NETWORK_ID></NIC>"
        "<V><J><![CDATA[x]]></J><K><![CDATA[3]]></K><K><![CDATA[1]]></K><K><![CDATA[2]]></K></V>"
        "</TEMPLATE>");
    /* First of each. */
    assert_string_equal(nb_tmpl_get(&t, "B"), "first");
    assert_string_equal(nb_tmpl_vget(&t, "NIC", "NETWORK_ID"), "2");
    assert_string_equal(nb_tmpl_vget(&t, "V", "K"), "3");

    /* Appended attributes go after existing ones of the same name. */
    nb_tmpl_add(&t, "b", "third");
    nb_tmpl_add(&t, "AA", "between");
    parse_ok(&t, "B = fourth\nA = 0");
    assert_string_equal(t.attrs[0].name, "A");
    assert_string_equal(t.attrs[0].value, "1");
    assert_string_equal(t.attrs[1].value, "0");
    assert_string_equal(t.attrs[2].name, "AA");
    assert_string_equal(t.attrs[3].value, "first");
    assert_string_equal(t.attrs[4].value, "second");
    assert_string_equal(t.attrs[5].value, "third");
    assert_string_equal(t.attrs[6].value, "fourth");
    assert_round_trips(&t);
    nb_tmpl_free(&t);
}

static void test_quotes_and_backslashes(void **state)
{
    nb_tmpl t = NB_TMPL_INIT;
    parse_ok(&t,
        "Q = \"say \\\"hi\\\"\"\n"              /* say \"hi\"      -> say "hi"  */
        "P = \"C:\\dir\\new\"\n"                /* other escapes stay literal   */
        "E = \"ends with \\\\\"\n"              /* \\" : one backslash, closes  */
        "F = \"a\\\\\\\"b\"\n"                  /* \\\" : backslash and quote   */
        "B = C:\\bare\\\n"                      /* bare tokens are literal      */
        "M = \"two\n  lines\"\n"
        "CR = \"x\r\ny\rz\"\n"
        "U = \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"\n");
    assert_string_equal(nb_tmpl_get(&t, "Q"), "say \"hi\"");
    assert_string_equal(nb_tmpl_get(&t, "P"), "C:\\dir\\new");
    assert_string_equal(nb_tmpl_get(&t, "E"), "ends with \\");
    assert_string_equal(nb_tmpl_get(&t, "F"), "a\\\"b");
    assert_string_equal(nb_tmpl_get(&t, "B"), "C:\\bare\\");
    assert_string_equal(nb_tmpl_get(&t, "M"), "two\n  lines");
    assert_string_equal(nb_tmpl_get(&t, "CR"), "x\ny\nz");
    assert_string_equal(nb_tmpl_get(&t, "U"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    assert_round_trips(&t);
    nb_tmpl_free(&t);

    /* Line numbers keep counting inside multi-line strings. */
    assert_err("A = \"1\n2\n3\"\nB C", "Parse error: syntax error, missing '=' after B, line 4");
}

static void test_to_text_format(void **state)
{
    nb_tmpl t = NB_TMPL_INIT;
    parse_ok(&t, "name = \"a \\\"b\\\"\"\ndisk=[size=1,image_id=2]\nx=[]\ny=\ne=\"x\\\\\"");
    char *text = to_text(&t);
    assert_string_equal(text,
        "DISK=[\n  IMAGE_ID=\"2\",\n  SIZE=\"1\" ]\n"
        "E=\"x\\\\\"\n"
        "NAME=\"a \\\"b\\\"\"\n"
        "X=[ ]\n"
        "Y=\"\"\n");
    free(text);
    nb_tmpl_free(&t);

    text = to_text(&t);
    assert_string_equal(text, "");
    free(text);
}

/* Values that stress the text escaping: each must come back unchanged. */
static void test_text_round_trip_odd_values(void **state)
{
    static const char *values[] = {
        "", " ", "  padded  ", "\\", "\\\\", "\\\\\\", "\"", "\"\"", "\\\"", "\"\\", "a\\", "a\\\\",
        "\\a", "a\\\"b", "a\\\\\"b", "x\\\\\\\"y\\", "line1\nline2\n", "\n", "#", "# not a comment",
        "[", "]", "[ A = 1 ]", "=", "a = b", ",", "a,b", "tab\there", "]]", "]>", "<![CDATA[",
        "&amp; <x>", "$USER[SSH_PUBLIC_KEY]", "caf\xc3\xa9", "\xf0\x9f\x98\x80", "'single'",
        "\x7f", "end\\\n", "\"quoted\\\"\"\\",
    };
    nb_tmpl t = NB_TMPL_INIT;
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        nb_tpair pairs[] = { { "S", (char *)values[i] }, { "K", "v" } };
        nb_tmpl_add(&t, "SINGLE", values[i]);
        nb_tmpl_add_vector(&t, "VEC", pairs, 2);
    }
    assert_round_trips(&t);

    /* And value by value, through the text form only. */
    char *text = to_text(&t);
    nb_tmpl back = NB_TMPL_INIT;
    parse_ok(&back, text);
    assert_int_equal(back.n, t.n);
    for (size_t i = 0; i < t.n; i++) {
        assert_string_equal(back.attrs[i].name, t.attrs[i].name);
        if (t.attrs[i].value) {
            assert_string_equal(back.attrs[i].value, t.attrs[i].value);
        } else {
            assert_int_equal(back.attrs[i].npairs, 2);
            assert_string_equal(back.attrs[i].pairs[1].value, t.attrs[i].pairs[1].value);
        }
    }
    nb_tmpl_free(&back);
    free(text);
    nb_tmpl_free(&t);
}

/* ---- XML ---------------------------------------------------------------- */

static void test_xml_output(void **state)
{
    nb_tmpl t = NB_TMPL_INIT;
    char *x = to_xml(&t, "USER_TEMPLATE");
    assert_string_equal(x, "<USER_TEMPLATE></USER_TEMPLATE>");
    free(x);

    parse_ok(&t, "DISK = [ IMAGE_ID = 4 ]\nX = [ ]\nD = \"<a href='x'>&amp;</a>\"");
    assert_xml(&t,
        "<TEMPLATE><D><![CDATA[<a href='x'>&amp;</a>]]></D>"
        "<DISK><IMAGE_ID><![CDATA[4]]></IMAGE_ID></DISK><X></X></TEMPLATE>");

    /* In escape mode (document inside an XML-RPC <string>) everything is
     * escaped once more, tags included. */
    nb_buf b = NB_BUF_INIT;
    nb_buf_add_raw(&b, "<string>", 8);
    b.escape = true;
    nb_tmpl_to_xml(&t, &b, "T");
    b.escape = false;
    nb_buf_adds(&b, "</string>");
    assert_string_equal(b.data,
        "<string>&lt;T&gt;&lt;D&gt;&lt;![CDATA[&lt;a href='x'&gt;&amp;amp;&lt;/a&gt;]]&gt;&lt;/D&gt;"
        "&lt;DISK&gt;&lt;IMAGE_ID&gt;&lt;![CDATA[4]]&gt;&lt;/IMAGE_ID&gt;&lt;/DISK&gt;"
        "&lt;X&gt;&lt;/X&gt;&lt;/T&gt;</string>");
    nb_buf_free(&b);
    nb_tmpl_free(&t);
}

static void test_xml_input(void **state)
{
    nb_tmpl t = NB_TMPL_INIT;
    parse_ok(&t,
        "\n  <TEMPLATE>\n"
        "    <!-- a comment -->\n"
        "    <cpu>0.5</cpu>\n"
        "    <Memory><![CDATA[1024]]></Memory>\n"
        "    <DISK>\n"
        "      <IMAGE_ID>4</IMAGE_ID>\n"
        "      <size><![CDATA[20]]></size>\n"
        "    </DISK>\n"
        "    <DESCRIPTION>a &amp; b &lt;c&gt; &#65;<![CDATA[ <raw> ]]></DESCRIPTION>\n"
        "    <SPACES>  </SPACES>\n"
        "    <EMPTY_STR><![CDATA[]]></EMPTY_STR>\n"
        "    <EMPTY_VEC/>\n"
        "  </TEMPLATE>\n");
    assert_string_equal(nb_tmpl_get(&t, "CPU"), "0.5");
    assert_string_equal(nb_tmpl_get(&t, "MEMORY"), "1024");
    assert_string_equal(nb_tmpl_vget(&t, "DISK", "IMAGE_ID"), "4");
    assert_string_equal(nb_tmpl_vget(&t, "DISK", "SIZE"), "20");
    assert_string_equal(nb_tmpl_get(&t, "DESCRIPTION"), "a & b <c> A <raw> ");
    assert_string_equal(nb_tmpl_get(&t, "SPACES"), "  ");
    assert_string_equal(nb_tmpl_get(&t, "EMPTY_STR"), "");
    /* An element with no content is an empty vector, as nb_tmpl_to_xml writes it. */
    const nb_tattr *ev = nb_tmpl_find(&t, "EMPTY_VEC");
    assert_non_null(ev);
    assert_null(ev->value);
    assert_int_equal(ev->npairs, 0);
    assert_round_trips(&t);
    nb_tmpl_free(&t);

    /* Any root element; an XML declaration is fine. */
    parse_ok(&t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><VM><NAME>x</NAME></VM>");
    assert_string_equal(nb_tmpl_get(&t, "NAME"), "x");
    nb_tmpl_free(&t);
    /* The text is UTF-8 whatever the declaration says. */
    parse_ok(&t, "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><T><X>caf\xc3\xa9</X></T>");
    assert_string_equal(nb_tmpl_get(&t, "X"), "caf\xc3\xa9");
    nb_tmpl_free(&t);
    parse_ok(&t, "<TEMPLATE/>");
    assert_int_equal(t.n, 0);
    nb_tmpl_free(&t);
}

static void test_text_xml_text(void **state)
{
    nb_tmpl t = NB_TMPL_INIT, x = NB_TMPL_INIT, back = NB_TMPL_INIT;
    parse_ok(&t, vm_template);
    char *xml = to_xml(&t, "TEMPLATE");
    parse_ok(&x, xml);
    char *text1 = to_text(&t), *text2 = to_text(&x);
    assert_string_equal(text1, text2);
    parse_ok(&back, text2);
    char *xml2 = to_xml(&back, "TEMPLATE");
    assert_string_equal(xml, xml2);
    free(xml);
    free(xml2);
    free(text1);
    free(text2);
    nb_tmpl_free(&t);
    nb_tmpl_free(&x);
    nb_tmpl_free(&back);
}

static void test_from_xml_node(void **state)
{
    static const char doc_text[] =
        "<VM><ID>3</ID><TEMPLATE><MEMORY><![CDATA[512]]></MEMORY>"
        "<NIC><IP><![CDATA[10.0.0.2]]></IP></NIC></TEMPLATE></VM>";
    xmlDocPtr doc = xmlReadMemory(doc_text, (int)strlen(doc_text), NULL, NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    xmlNodePtr tn = xmlDocGetRootElement(doc)->children->next;
    assert_string_equal((const char *)tn->name, "TEMPLATE");

    nb_tmpl t = NB_TMPL_INIT;
    char *err = NULL;
    assert_int_equal(nb_tmpl_from_xml(&t, tn, &err), 0);
    assert_string_equal(nb_tmpl_get(&t, "MEMORY"), "512");
    assert_string_equal(nb_tmpl_vget(&t, "NIC", "IP"), "10.0.0.2");
    nb_tmpl_free(&t);

    /* <ID>3</ID> is fine, but the template node under the root is a vector
     * holding a vector: too deep. */
    assert_int_equal(nb_tmpl_from_xml(&t, xmlDocGetRootElement(doc), &err), -1);
    assert_string_equal(err, "Parse error: nested vector in TEMPLATE/NIC (only one level is allowed), line 1");
    assert_int_equal(t.n, 0);
    free(err);
    xmlFreeDoc(doc);

    assert_int_equal(nb_tmpl_from_xml(&t, NULL, &err), -1);
    assert_int_equal(strncmp(err, "Parse error: ", 13), 0);
    free(err);
}

static void test_xml_errors(void **state)
{
    assert_err_has("<TEMPLATE><A>1</A>", "XML template malformed", 1);
    assert_err_has("<TEMPLATE>\n<A>1</B>\n</TEMPLATE>", "XML template malformed", 2);
    assert_err("<?xml version=\"1.0\"?>\n<!DOCTYPE T [\n<!ENTITY a \"aaaaaaaaaa\">\n"
               "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n]>\n<T><X>&b;</X></T>",
               "Parse error: DTD not allowed in XML template, line 2");
    assert_err("<!DOCTYPE T SYSTEM \"file:///etc/passwd\"><T><X>&xxe;</X></T>",
               "Parse error: DTD not allowed in XML template, line 1");
    assert_err_has("<T><X>&undefined;</X></T>", "XML template malformed", 1);
    assert_err("<T>\n<DISK>\n<A><B>1</B></A>\n</DISK>\n</T>",
               "Parse error: nested vector in DISK/A (only one level is allowed), line 3");
    assert_err("<T>\n<BAD-NAME>1</BAD-NAME>\n</T>",
               "Parse error: invalid attribute name in XML template "
               "(names are [A-Za-z_][A-Za-z0-9_]*, at most 256 characters), line 2");
    assert_err("<T><D><M.X>1</M.X></D></T>",
               "Parse error: invalid attribute name in XML template "
               "(names are [A-Za-z_][A-Za-z0-9_]*, at most 256 characters), line 1");
    assert_err("<T>\n<X>a]]&gt;b</X></T>", "Parse error: value of X contains \"]]>\", line 2");
    assert_err("<T><V><X><![CDATA[a]]]]><![CDATA[>b]]></X></V></T>",
               "Parse error: value of V/X contains \"]]>\", line 1");
    assert_err_has("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><T><X>caf\xe9</X></T>",
                   "XML template malformed", 1);
    /* Non-ASCII in libxml2's message is not echoed back to the client. */
    char *err = parse_err("<T><X>\xff</X></T>");
    for (const char *p = err; *p; p++)
        assert_true((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
    free(err);
}

/* ---- errors in the text form -------------------------------------------- */

static void test_text_errors(void **state)
{
    assert_err("A = 1\nB = \"abc\nC = 2\n",
               "Parse error: unterminated quoted string in value of B, line 2");
    assert_err("A = 1\nB = \"abc\\\"", "Parse error: unterminated quoted string in value of B, line 2");
    assert_err("A = 1\nB 2\n", "Parse error: syntax error, missing '=' after B, line 2");
    assert_err("A = 1\nB\n= 2\n", "Parse error: syntax error, missing '=' after B, line 2");
    assert_err("NAME", "Parse error: syntax error, missing '=' after NAME, line 1");
    assert_err("\n\nBAD-NAME = 1",
               "Parse error: invalid character '-' in attribute name BAD (names are [A-Za-z0-9_]), line 3");
    assert_err("V = [ A.B = 1 ]",
               "Parse error: invalid character '.' in vector member name A (names are [A-Za-z0-9_]), line 1");
    assert_err("2X = 1", "Parse error: invalid attribute name 2X (names must start with a letter or '_'), line 1");
    assert_err("V = [\n A = 1,\n 0 = 2 ]",
               "Parse error: invalid vector member name 0 (names must start with a letter or '_'), line 3");
    assert_err("= 1", "Parse error: syntax error, unexpected '=', expecting attribute name, line 1");
    assert_err("A = 1\n\xc3\xa9 = 2",
               "Parse error: syntax error, unexpected byte 0xC3, expecting attribute name, line 2");
    assert_err("A = \"x]]>y\"", "Parse error: value of A contains \"]]>\", line 1");
    assert_err("\nV = [ K = \"x]]>\" ]", "Parse error: value of V/K contains \"]]>\", line 2");
    assert_err("V = [ A = 1,\n  B = [ C = 2 ] ]",
               "Parse error: nested vector in V/B (only one level is allowed), line 2");
    assert_err("A = 1\nV = [ K = 1,\n  L = 2\n", "Parse error: unclosed '[' in vector V, line 2");
    assert_err("V = [", "Parse error: unclosed '[' in vector V, line 1");
    assert_err("V = [ K = 1 L = 2 ]",
               "Parse error: syntax error, unexpected 'L' in vector V, expecting ',' or ']', line 1");
    assert_err("V = [ , ]", "Parse error: syntax error, unexpected ',', expecting vector member name, line 1");
    assert_err("V = [ K ]", "Parse error: syntax error, missing '=' after K, line 1");
    assert_err("A = 1, B = 2", "Parse error: syntax error, unexpected ',' after A, line 1");
    assert_err("A = ]", "Parse error: syntax error, unexpected ']' in value of A, line 1");
    assert_err("A = = 1", "Parse error: syntax error, unexpected '=' in value of A, line 1");
    assert_err("A = b=c", "Parse error: syntax error, unexpected '=' after A, line 1");
    assert_err("A = [ K = 1 ] ]", "Parse error: syntax error, unexpected ']' after A, line 1");
    assert_err("A = \"bad \xff utf8\"",
               "Parse error: invalid UTF-8 or character not allowed in XML in value of A, line 1");
    assert_err("A = \"overlong \xc0\xaf\"",
               "Parse error: invalid UTF-8 or character not allowed in XML in value of A, line 1");
    assert_err("A = \"ctl \x01\"",
               "Parse error: invalid UTF-8 or character not allowed in XML in value of A, line 1");
    assert_err("\nA = \"surrogate \xed\xa0\x80\"",
               "Parse error: invalid UTF-8 or character not allowed in XML in value of A, line 2");

    static const char nul[] = "A = 1\nB = \"x\0y\"\n";
    assert_err_has_n(nul, sizeof(nul) - 1, "NUL byte", 2);
    char *err = parse_err_n("A\0", 2);
    assert_string_equal(err, "Parse error: NUL byte in template, line 1");
    free(err);

    /* Names: up to NB_TMPL_MAX_NAME characters. */
    char name[NB_TMPL_MAX_NAME + 8];
    memset(name, 'N', NB_TMPL_MAX_NAME);
    strcpy(name + NB_TMPL_MAX_NAME, "=1");
    nb_tmpl t = NB_TMPL_INIT;
    parse_ok(&t, name);
    assert_int_equal(strlen(t.attrs[0].name), NB_TMPL_MAX_NAME);
    nb_tmpl_free(&t);
    memset(name, 'N', NB_TMPL_MAX_NAME + 1);
    strcpy(name + NB_TMPL_MAX_NAME + 1, "=1");
    assert_err(name, "Parse error: attribute name longer than 256 characters, line 1");
}

/* A failed parse leaves the destination as it was. */
static void test_error_leaves_template(void **state)
{
    nb_tmpl t = NB_TMPL_INIT;
    char *err = NULL;
    parse_ok(&t, "A = 1");
    assert_int_equal(nb_tmpl_parse(&t, "B = 2\nC = \"", 11, &err), -1);
    free(err);
    err = NULL;
    assert_int_equal(nb_tmpl_parse(&t, "<T><B>2</B><C><D><E/></D></C></T>", 33, &err), -1);
    free(err);
    assert_int_equal(t.n, 1);
    assert_xml(&t, "<TEMPLATE><A><![CDATA[1]]></A></TEMPLATE>");
    nb_tmpl_free(&t);
}

/* ---- API ---------------------------------------------------------------- */

static void test_set_add_remove(void **state)
{
    nb_tmpl t;
    nb_tmpl_init(&t);
    assert_int_equal(nb_tmpl_remove(&t, "label"), 0);
    assert_null(nb_tmpl_get(&t, "label"));

    nb_tmpl_add(&t, "label", "a");
    nb_tmpl_add(&t, "LABEL", "b");
    nb_tmpl_add(&t, "cpu", "1");
    nb_tpair pairs[] = { { "size", "10" }, { "image_id", "3" }, { "Size", "11" } };
    nb_tmpl_add_vector(&t, "disk", pairs, 3);
    nb_tmpl_add_vector(&t, "empty", NULL, 0);
    assert_xml(&t,
        "<TEMPLATE><CPU><![CDATA[1]]></CPU>"
        "<DISK><IMAGE_ID><![CDATA[3]]></IMAGE_ID><SIZE><![CDATA[10]]></SIZE><SIZE><![CDATA[11]]></SIZE></DISK>"
        "<EMPTY></EMPTY><LABEL><![CDATA[a]]></LABEL><LABEL><![CDATA[b]]></LABEL></TEMPLATE>");
    /* The caller's pairs were copied. */
    assert_string_equal(pairs[0].name, "size");

    nb_tmpl_set(&t, "Label", "c");
    assert_string_equal(nb_tmpl_get(&t, "LABEL"), "c");
    assert_int_equal(nb_tmpl_remove(&t, "label"), 1);
    assert_int_equal(nb_tmpl_remove(&t, "label"), 0);
    nb_tmpl_set(&t, "disk", "now single");
    assert_string_equal(nb_tmpl_get(&t, "DISK"), "now single");
    assert_null(nb_tmpl_vget(&t, "DISK", "SIZE"));
    assert_xml(&t,
        "<TEMPLATE><CPU><![CDATA[1]]></CPU><DISK><![CDATA[now single]]></DISK><EMPTY></EMPTY></TEMPLATE>");
    assert_int_equal(nb_tmpl_remove(&t, "nothing"), 0);
    nb_tmpl_free(&t);
    nb_tmpl_free(&t);      /* idempotent */
    assert_null(nb_tmpl_get(&t, "CPU"));
}

static void test_get_single_vs_vector(void **state)
{
    nb_tmpl t = NB_TMPL_INIT;
    parse_ok(&t, "X = [ A = 1 ]\nX = plain\nX = [ A = 2 ]");
    assert_string_equal(nb_tmpl_get(&t, "x"), "plain");       /* first single */
    assert_string_equal(nb_tmpl_vget(&t, "x", "a"), "1");     /* first vector */
    assert_null(nb_tmpl_find(&t, "X")->value);                /* first of any kind */
    nb_tmpl_free(&t);
}

static void test_copy(void **state)
{
    nb_tmpl t = NB_TMPL_INIT, c = NB_TMPL_INIT;
    parse_ok(&t, vm_template);
    nb_tmpl_copy(&c, &t);
    nb_tmpl_free(&t);
    assert_string_equal(nb_tmpl_vget(&c, "CONTEXT", "NETWORK"), "YES");
    assert_int_equal(c.n, 10);
    nb_tmpl_free(&c);

    nb_tmpl_copy(&c, &t);       /* empty */
    assert_int_equal(c.n, 0);
    nb_tmpl_free(&c);
}

static void test_update_replace(void **state)
{
    nb_tmpl dst = NB_TMPL_INIT, src = NB_TMPL_INIT;
    parse_ok(&dst, "A = 1\nB = 2\nLABELS = x");
    parse_ok(&src, "B = 3\nC = [ K = v ]\nD = [ ]");
    nb_tmpl_update(&dst, &src, 0);
    assert_xml(&dst,
        "<TEMPLATE><B><![CDATA[3]]></B><C><K><![CDATA[v]]></K></C><D></D></TEMPLATE>");
    nb_tmpl_update(&dst, &dst, 0);
    nb_tmpl_update(&dst, &dst, 1);
    assert_int_equal(dst.n, 3);
    nb_tmpl_free(&src);
    nb_tmpl_update(&dst, &src, 0);
    assert_int_equal(dst.n, 0);
    nb_tmpl_free(&dst);
}

static void test_update_merge(void **state)
{
    nb_tmpl dst = NB_TMPL_INIT, src = NB_TMPL_INIT;
    parse_ok(&dst,
        "A = keep\n"
        "DISK = [ ID = 0 ]\nDISK = [ ID = 1 ]\n"
        "LABELS = \"old\"\n"
        "NIC = [ ID = 0 ]\n"
        "ZZ = \"keep too\"\n"
        "SCHED = [ X = 1 ]\n");
    parse_ok(&src,
        "labels = \"new\"\n"
        "DISK = [ ID = 9 ]\n"
        "NIC = [ ]\n"                       /* deletes NIC */
        "GONE = [ ]\n"                      /* deleting what is absent is fine */
        "NEW = 1\nNEW = 2\n"
        "SCHED = [ ]\nSCHED = [ Y = 2 ]\n"); /* empty vectors are never added */
    nb_tmpl_update(&dst, &src, 1);
    assert_xml(&dst,
        "<TEMPLATE><A><![CDATA[keep]]></A>"
        "<DISK><ID><![CDATA[9]]></ID></DISK>"
        "<LABELS><![CDATA[new]]></LABELS>"
        "<NEW><![CDATA[1]]></NEW><NEW><![CDATA[2]]></NEW>"
        "<SCHED><Y><![CDATA[2]]></Y></SCHED>"
        "<ZZ><![CDATA[keep too]]></ZZ></TEMPLATE>");
    /* src is untouched. */
    assert_int_equal(src.n, 8);
    nb_tmpl_free(&src);

    /* Merging into an empty template; merging an empty one changes nothing. */
    nb_tmpl empty = NB_TMPL_INIT;
    nb_tmpl_update(&dst, &empty, 1);
    assert_int_equal(dst.n, 7);
    nb_tmpl_update(&empty, &dst, 1);
    assert_int_equal(empty.n, 7);
    nb_tmpl_free(&empty);
    nb_tmpl_free(&dst);
}

/* Parsing is O(n log n): a large template in reverse order stays fast. */
static void test_large_template(void **state)
{
    enum { N = 20000 };
    nb_buf b = NB_BUF_INIT;
    for (int i = N; i > 0; i--)
        nb_buf_addf(&b, "A%05d = [ Z = %d, Y = \"%d\" ]\nA%05d = %d\n", i, i, i, i, i);
    nb_tmpl t = NB_TMPL_INIT;
    parse_ok(&t, b.data);
    assert_int_equal(t.n, 2 * N);
    assert_string_equal(t.attrs[0].name, "A00001");
    assert_null(t.attrs[0].value);
    assert_string_equal(t.attrs[1].value, "1");
    assert_string_equal(nb_tmpl_get(&t, "a12345"), "12345");
    assert_string_equal(nb_tmpl_vget(&t, "a12345", "y"), "12345");
    nb_buf_free(&b);
    nb_tmpl_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vm_template),
        cmocka_unit_test(test_real_world_forms),
        cmocka_unit_test(test_oned_conf),
        cmocka_unit_test(test_yes),
        cmocka_unit_test(test_empty_values),
        cmocka_unit_test(test_vector_layout),
        cmocka_unit_test(test_separators),
        cmocka_unit_test(test_case_folding),
        cmocka_unit_test(test_repeats_stable_order),
        cmocka_unit_test(test_quotes_and_backslashes),
        cmocka_unit_test(test_to_text_format),
        cmocka_unit_test(test_text_round_trip_odd_values),
        cmocka_unit_test(test_xml_output),
        cmocka_unit_test(test_xml_input),
        cmocka_unit_test(test_text_xml_text),
        cmocka_unit_test(test_from_xml_node),
        cmocka_unit_test(test_xml_errors),
        cmocka_unit_test(test_text_errors),
        cmocka_unit_test(test_error_leaves_template),
        cmocka_unit_test(test_set_add_remove),
        cmocka_unit_test(test_get_single_vs_vector),
        cmocka_unit_test(test_copy),
        cmocka_unit_test(test_update_replace),
        cmocka_unit_test(test_update_merge),
        cmocka_unit_test(test_large_template),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
