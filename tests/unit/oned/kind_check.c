#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "tests/unit/oned/kind_check.h"

char *render(const nb_object *o, enum nb_xml_mode mode, const nb_model *m)
{
    nb_buf b = NB_BUF_INIT;
    o->kind->to_xml(o, &b, mode, m);
    return nb_buf_steal(&b, NULL);
}

nb_object *load(const nb_kind *k, const char *doc)
{
    char *err = NULL;
    nb_object *o = nb_object_load(k, doc, strlen(doc), &err);
    if (!o)
        fail_msg("%s: %s", k->name, err);
    assert_null(err);
    return o;
}

nb_object *roundtrip(const nb_object *o)
{
    char *first = render(o, NB_XML_STORE, NULL);
    nb_object *back = load(o->kind, first);
    nb_object *copy = nb_object_clone(back);
    char *second = render(back, NB_XML_STORE, NULL);
    char *third = render(copy, NB_XML_STORE, NULL);

    assert_string_equal(first, second);
    assert_string_equal(first, third);
    nb_object_free(copy);
    free(first);
    free(second);
    free(third);
    return back;
}

void assert_escapes(const nb_object *o, enum nb_xml_mode mode, const nb_model *m)
{
    char *plain = render(o, mode, m);
    nb_buf want = NB_BUF_INIT, got = NB_BUF_INIT;

    nb_buf_add_xml_text(&want, plain, strlen(plain));
    got.escape = true;
    o->kind->to_xml(o, &got, mode, m);
    assert_int_equal(want.len, got.len);
    assert_memory_equal(want.data, got.data, want.len);
    nb_buf_free(&want);
    nb_buf_free(&got);
    free(plain);
}
