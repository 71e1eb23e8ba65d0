/* test_quota_ds.c: datastore quota arithmetic (reference §10.1) and a
 * holder's quotas set and written together (quotas.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libxml/parser.h>

#include "lib/template.h"
#include "lib/util.h"
#include "oned/quota_ds.h"
#include "oned/quotas.h"

static void parse(nb_tmpl *t, const char *text)
{
    char *err = NULL;
    nb_tmpl_init(t);
    if (nb_tmpl_parse(t, text, strlen(text), &err) < 0)
        fail_msg("%s", err);
}

static void set(nb_ds_quota *q, const char *text)
{
    nb_tmpl t;
    char *err = NULL;
    parse(&t, text);
    if (nb_ds_quota_set(q, &t, &err) < 0)
        fail_msg("%s", err);
    nb_tmpl_free(&t);
}

/* The error nb_ds_quota_set gives for text (the caller frees it). */
static char *refused(nb_ds_quota *q, const char *text)
{
    nb_tmpl t;
    char *err = NULL;
    parse(&t, text);
    assert_int_equal(nb_ds_quota_set(q, &t, &err), -1);
    assert_non_null(err);
    nb_tmpl_free(&t);
    return err;
}

static char *to_xml(const nb_ds_quota *q)
{
    nb_buf b = NB_BUF_INIT;
    nb_ds_quota_to_xml(q, &b);
    return b.data;
}

static void test_entries_per_datastore(void **state)
{
    nb_ds_quota q = { 0 };
    const nb_ds_quota_entry *e;

    set(&q, "DATASTORE=[ID=7, IMAGES=3, SIZE=1024]\nDATASTORE=[ID=1, SIZE=-2]\n"
            "VM=[VMS=1]");
    assert_int_equal(q.n, 2);
    assert_int_equal(q.e[0].id, 1);            /* kept in ID order */
    e = nb_ds_quota_find(&q, 7);
    assert_non_null(e);
    assert_true(e->limit[NB_DSQ_IMAGES] == 3 && e->limit[NB_DSQ_SIZE] == 1024);
    assert_true(e->used[NB_DSQ_IMAGES] == 0 && e->used[NB_DSQ_SIZE] == 0);
    e = nb_ds_quota_find(&q, 1);
    assert_true(e->limit[NB_DSQ_IMAGES] == -1 && e->limit[NB_DSQ_SIZE] == -2);
    assert_null(nb_ds_quota_find(&q, 2));
    /* Named limits change, the others stay. */
    set(&q, "DATASTORE=[ID=7, SIZE=2048]");
    e = nb_ds_quota_find(&q, 7);
    assert_true(e->limit[NB_DSQ_IMAGES] == 3 && e->limit[NB_DSQ_SIZE] == 2048);
    /* Back to -1 everywhere with nothing used: the entry goes, as in OpenNebula. */
    set(&q, "DATASTORE=[ID=1, SIZE=-1]");
    assert_null(nb_ds_quota_find(&q, 1));
    assert_int_equal(q.n, 1);
    nb_ds_quota_free(&q);
}

static void test_check_charge_release(void **state)
{
    nb_ds_quota q = { 0 };
    double img[NB_DSQ_COUNT] = { [NB_DSQ_IMAGES] = 1, [NB_DSQ_SIZE] = 400 };
    enum nb_dsq failed;
    double limit;

    /* Nothing set: unlimited, and the first charge makes the entry. */
    assert_int_equal(nb_ds_quota_check(&q, NULL, 1, img, &failed, &limit), 0);
    nb_ds_quota_charge(&q, 1, img, 1);
    assert_int_equal(q.n, 1);
    assert_true(q.e[0].limit[NB_DSQ_IMAGES] == -1 && q.e[0].used[NB_DSQ_SIZE] == 400);

    set(&q, "DATASTORE=[ID=1, IMAGES=2, SIZE=1000]");
    nb_ds_quota_charge(&q, 1, img, 1);                 /* 2 images, 800 MB */
    assert_int_equal(nb_ds_quota_check(&q, NULL, 1, img, &failed, &limit), -1);
    assert_int_equal(failed, NB_DSQ_IMAGES);
    assert_true(limit == 2);
    /* Another datastore is not limited by datastore 1's entry. */
    assert_int_equal(nb_ds_quota_check(&q, NULL, 2, img, &failed, &limit), 0);
    /* SIZE alone: one image of 201 MB more does not fit 1000. */
    set(&q, "DATASTORE=[ID=1, IMAGES=-2]");
    double big[NB_DSQ_COUNT] = { [NB_DSQ_IMAGES] = 1, [NB_DSQ_SIZE] = 201 };
    assert_int_equal(nb_ds_quota_check(&q, NULL, 1, big, &failed, &limit), -1);
    assert_int_equal(failed, NB_DSQ_SIZE);
    assert_true(limit == 1000);
    /* A release always fits, and gives the room back. */
    double back[NB_DSQ_COUNT] = { [NB_DSQ_IMAGES] = -1, [NB_DSQ_SIZE] = -400 };
    assert_int_equal(nb_ds_quota_check(&q, NULL, 1, back, &failed, &limit), 0);
    nb_ds_quota_charge(&q, 1, img, -1);
    assert_int_equal(nb_ds_quota_check(&q, NULL, 1, big, &failed, &limit), 0);
    assert_true(q.e[0].used[NB_DSQ_IMAGES] == 1 && q.e[0].used[NB_DSQ_SIZE] == 400);
    /* Usage never goes below zero; an entry with default limits and no
     * usage left goes away. */
    set(&q, "DATASTORE=[ID=1, IMAGES=-1, SIZE=-1]");
    nb_ds_quota_charge(&q, 1, big, -1);
    nb_ds_quota_charge(&q, 1, img, -1);
    assert_int_equal(q.n, 0);
    nb_ds_quota_free(&q);
}

static void test_defaults_by_datastore(void **state)
{
    nb_ds_quota q = { 0 }, defaults = { 0 };
    double img[NB_DSQ_COUNT] = { [NB_DSQ_IMAGES] = 1, [NB_DSQ_SIZE] = 10 };
    enum nb_dsq failed;
    double limit;

    set(&defaults, "DATASTORE=[ID=1, IMAGES=1]");
    nb_ds_quota_charge(&q, 1, img, 1);
    /* -1 takes the default entry of the same datastore... */
    assert_int_equal(nb_ds_quota_check(&q, &defaults, 1, img, &failed, &limit), -1);
    assert_int_equal(failed, NB_DSQ_IMAGES);
    assert_true(limit == 1);
    /* ...not another datastore's... */
    nb_ds_quota_charge(&q, 2, img, 1);
    assert_int_equal(nb_ds_quota_check(&q, &defaults, 2, img, &failed, &limit), 0);
    /* ...and a limit of the holder's own, or unlimited, overrides it. */
    set(&q, "DATASTORE=[ID=1, IMAGES=-2]");
    assert_int_equal(nb_ds_quota_check(&q, &defaults, 1, img, &failed, &limit), 0);
    set(&q, "DATASTORE=[ID=1, IMAGES=5]");
    assert_int_equal(nb_ds_quota_check(&q, &defaults, 1, img, &failed, &limit), 0);
    nb_ds_quota_free(&q);
    nb_ds_quota_free(&defaults);
}

static void test_bad_vectors_refused_whole(void **state)
{
    nb_ds_quota q = { 0 };
    char *err;

    set(&q, "DATASTORE=[ID=1, IMAGES=4]");
    err = refused(&q, "DATASTORE=[IMAGES=3]");
    assert_non_null(strstr(err, "lacks the datastore's ID"));
    free(err);
    err = refused(&q, "DATASTORE=[ID=one, IMAGES=3]");
    assert_non_null(strstr(err, "Invalid datastore ID \"one\""));
    free(err);
    err = refused(&q, "DATASTORE=[ID=-4, IMAGES=3]");
    assert_non_null(strstr(err, "\"-4\""));
    free(err);
    err = refused(&q, "DATASTORE=[ID=1, SIZE=-3]");
    assert_string_equal(err, "Invalid SIZE quota \"-3\": use a number >= 0, -1 (default) or "
                             "-2 (unlimited).");
    free(err);
    err = refused(&q, "DATASTORE=[ID=1, IMAGES=many]");
    assert_non_null(strstr(err, "IMAGES"));
    free(err);
    err = refused(&q, "DATASTORE=5");
    assert_non_null(strstr(err, "must be a vector"));
    free(err);
    /* A good vector before a bad one is not applied either. */
    err = refused(&q, "DATASTORE=[ID=1, IMAGES=9]\nDATASTORE=[ID=2, SIZE=x]");
    free(err);
    assert_int_equal(q.n, 1);
    assert_true(q.e[0].limit[NB_DSQ_IMAGES] == 4);
    nb_ds_quota_free(&q);
}

static void test_xml_as_opennebula_writes_it(void **state)
{
    nb_ds_quota q = { 0 }, back = { 0 };
    double img[NB_DSQ_COUNT] = { [NB_DSQ_IMAGES] = 1, [NB_DSQ_SIZE] = 1.5 };
    char *err = NULL, *xml;
    xmlDoc *doc;

    xml = to_xml(&q);
    assert_string_equal(xml, "<DATASTORE_QUOTA></DATASTORE_QUOTA>");
    free(xml);
    set(&q, "DATASTORE=[ID=100, IMAGES=3, SIZE=1024]");
    nb_ds_quota_charge(&q, 0, img, 1);
    xml = to_xml(&q);
    assert_string_equal(xml,
        "<DATASTORE_QUOTA>"
        "<DATASTORE><ID><![CDATA[0]]></ID><IMAGES><![CDATA[-1]]></IMAGES>"
        "<IMAGES_USED><![CDATA[1]]></IMAGES_USED><SIZE><![CDATA[-1]]></SIZE>"
        "<SIZE_USED><![CDATA[1.5]]></SIZE_USED></DATASTORE>"
        "<DATASTORE><ID><![CDATA[100]]></ID><IMAGES><![CDATA[3]]></IMAGES>"
        "<IMAGES_USED><![CDATA[0]]></IMAGES_USED><SIZE><![CDATA[1024]]></SIZE>"
        "<SIZE_USED><![CDATA[0]]></SIZE_USED></DATASTORE>"
        "</DATASTORE_QUOTA>");
    /* Read back from the document (its parent, as in a stored USER). */
    char *doc_text = nb_asprintf("<USER>%s</USER>", xml);
    doc = xmlReadMemory(doc_text, (int)strlen(doc_text), NULL, NULL, 0);
    assert_int_equal(nb_ds_quota_from_xml(&back, xmlDocGetRootElement(doc), &err), 0);
    assert_int_equal(back.n, 2);
    for (size_t i = 0; i < q.n; i++) {
        assert_int_equal(back.e[i].id, q.e[i].id);
        assert_memory_equal(back.e[i].limit, q.e[i].limit, sizeof(q.e[i].limit));
        assert_memory_equal(back.e[i].used, q.e[i].used, sizeof(q.e[i].used));
    }
    xmlFreeDoc(doc);
    free(doc_text);
    free(xml);
    nb_ds_quota_free(&back);
    nb_ds_quota_free(&q);
}

static void test_xml_malformed_refused(void **state)
{
    static const char *const bad[] = {
        "<U><DATASTORE_QUOTA><DATASTORE><IMAGES>1</IMAGES></DATASTORE></DATASTORE_QUOTA></U>",
        "<U><DATASTORE_QUOTA><DATASTORE><ID>1</ID><IMAGES>1</IMAGES><IMAGES_USED>0"
        "</IMAGES_USED><SIZE>x</SIZE><SIZE_USED>0</SIZE_USED></DATASTORE></DATASTORE_QUOTA></U>",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        nb_ds_quota q = { 0 };
        char *err = NULL;
        xmlDoc *doc = xmlReadMemory(bad[i], (int)strlen(bad[i]), NULL, NULL, 0);
        assert_int_equal(nb_ds_quota_from_xml(&q, xmlDocGetRootElement(doc), &err), -1);
        assert_non_null(strstr(err, "DATASTORE_QUOTA lacks a valid"));
        free(err);
        nb_ds_quota_free(&q);
        xmlFreeDoc(doc);
    }
}

/* ---- quotas.c: VM and DATASTORE together ------------------------------------ */

static void test_holder_sets_both_or_neither(void **state)
{
    nb_quotas q = { 0 };
    nb_buf b = NB_BUF_INIT;
    nb_tmpl t;
    char *err = NULL;

    parse(&t, "VM=[VMS=4]\nDATASTORE=[ID=1, IMAGES=2]");
    assert_int_equal(nb_quotas_set(&q, &t, &err), 0);
    nb_tmpl_free(&t);
    assert_true(q.vm.set && q.vm.limit[NB_VMQ_VMS] == 4);
    assert_true(nb_ds_quota_find(&q.ds, 1)->limit[NB_DSQ_IMAGES] == 2);
    /* A bad DATASTORE vector keeps the VM limits of the same call out. */
    parse(&t, "VM=[VMS=9]\nDATASTORE=[ID=1, IMAGES=-5]");
    assert_int_equal(nb_quotas_set(&q, &t, &err), -1);
    assert_non_null(strstr(err, "IMAGES"));
    free(err);
    nb_tmpl_free(&t);
    assert_true(q.vm.limit[NB_VMQ_VMS] == 4);
    /* The four blocks in the documents' order. */
    nb_quotas_to_xml(&q, &b);
    assert_non_null(strstr(b.data, "</DATASTORE_QUOTA><NETWORK_QUOTA></NETWORK_QUOTA><VM_QUOTA>"
                                   "<VM>"));
    assert_non_null(strstr(b.data, "</VM_QUOTA><IMAGE_QUOTA></IMAGE_QUOTA>"));
    assert_int_equal(strncmp(b.data, "<DATASTORE_QUOTA><DATASTORE><ID>", 32), 0);
    nb_buf_reset(&b);
    nb_quotas_to_xml(NULL, &b);
    assert_string_equal(b.data, "<DATASTORE_QUOTA></DATASTORE_QUOTA><NETWORK_QUOTA>"
                                "</NETWORK_QUOTA><VM_QUOTA></VM_QUOTA><IMAGE_QUOTA>"
                                "</IMAGE_QUOTA>");
    nb_buf_free(&b);
    nb_quotas_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entries_per_datastore),
        cmocka_unit_test(test_check_charge_release),
        cmocka_unit_test(test_defaults_by_datastore),
        cmocka_unit_test(test_bad_vectors_refused_whole),
        cmocka_unit_test(test_xml_as_opennebula_writes_it),
        cmocka_unit_test(test_xml_malformed_refused),
        cmocka_unit_test(test_holder_sets_both_or_neither),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
