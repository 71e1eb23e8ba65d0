/*
 * test_listing.c: the pool listing shared by every *pool.info (reference
 * §2.1, §5.4): filter flags, id ranges, pages in both orders and visibility,
 * on a bootstrapped model with a few more users and groups.
 *
 *   users  0 oneadmin (g0)  1 serveradmin (g0)  2 alice (g100)
 *          3 bob (g100, also 101)  4 carol (g101)  5 dave (g1)
 *   groups 0 oneadmin  1 users  100 g100  101 g101   (perms 0640, gid = id)
 *
 * Users are "um- --- ---" on themselves: a plain user sees only itself;
 * groups are "um- u-- ---": members see their groups.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "lib/log.h"
#include "lib/util.h"
#include "lib/xmlrpc.h"
#include "acl/rule.h"
#include "oned/acl_pool.h"
#include "oned/bootstrap.h"
#include "oned/config.h"
#include "oned/dispatch.h"
#include "oned/group.h"
#include "oned/layout.h"
#include "oned/listing.h"
#include "oned/model.h"
#include "oned/password.h"
#include "oned/store.h"
#include "oned/txn.h"
#include "oned/user.h"
#include "tests/unit/oned/model_fixture.h"

typedef nb_test_model fx;

static const nb_method list_method = { .name = "one.userpool.info" };

static nb_object *new_user(int oid, const char *name, int gid, const int *groups, size_t n)
{
    char *hash = nb_password_hash("pw", 1);
    nb_object *o = nb_user_new(oid, name, gid, "core", hash);
    for (size_t i = 0; i < n; i++)
        nb_ids_add(&nb_user_of(o)->groups, &nb_user_of(o)->ngroups, groups[i]);
    free(hash);
    return o;
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    char *err = NULL;
    static const int g100[] = { 100 }, g100_101[] = { 100, 101 }, g101[] = { 101 }, g1[] = { 1 };

    if (nb_test_model_init(f, "listing") < 0)
        return -1;

    nb_txn *t = nb_txn_begin(&f->model);
    nb_txn_insert(t, nb_group_new(100, "g100"));
    nb_txn_insert(t, nb_group_new(101, "g101"));
    nb_txn_insert(t, new_user(2, "alice", 100, g100, 1));
    nb_txn_insert(t, new_user(3, "bob", 100, g100_101, 2));
    nb_txn_insert(t, new_user(4, "carol", 101, g101, 1));
    nb_txn_insert(t, new_user(5, "dave", 1, g1, 1));
    if (nb_txn_commit(t, &err) < 0) {
        print_error("fixture: %s\n", err);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    nb_test_model_fini(f);
    free(f);
    return 0;
}

/* ---- calls by hand --------------------------------------------------------- */

typedef struct caller {
    nb_call c;
    nb_buf out;
} caller;

/* A call as user uid with its full group set (published user). */
static void call_as(fx *f, caller *k, int uid)
{
    const nb_object *o = nb_pool_get(nb_model_cpool(&f->model, &nb_user_kind), uid);
    const nb_user *u;

    assert_non_null(o);
    u = nb_user_cof(o);
    memset(k, 0, sizeof(*k));
    nb_buf_init(&k->out);
    k->c.m = &list_method;
    k->c.model = &f->model;
    k->c.uid = uid;
    snprintf(k->c.uname, sizeof(k->c.uname), "%s", o->name);
    k->c.via_uid = -1;
    k->c.egid = -1;
    k->c.subj.uid = uid;
    k->c.subj.gid = o->gid;
    k->c.subj.groups = u->groups;
    k->c.subj.ngroups = u->ngroups;
    k->c.resp_id = -1;
    k->c.out = &k->out;
}

static void caller_free(caller *k)
{
    free(k->c.errmsg);
    nb_buf_free(&k->out);
}

static const xmlNode *find_elem(const xmlNode *n, const char *name)
{
    for (; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
            return n;
        const xmlNode *c = find_elem(n->children, name);
        if (c)
            return c;
    }
    return NULL;
}

/* Render the listing and return the ids of its objects, in document order,
 * as a string "a,b,c" (caller frees). */
static char *render_ids(fx *f, int uid, const nb_kind *k, int filter, int start, int end)
{
    caller who;
    nb_list_query q = { .filter = filter, .start = start, .end = end };
    nb_buf ids = NB_BUF_INIT;

    call_as(f, &who, uid);
    nb_list_render(&who.c, nb_model_cpool(&f->model, k), &q);
    assert_true(who.c.doc_open);
    /* Close the response as the dispatcher does. */
    nb_xmlrpc_value_string_end(who.c.out);
    nb_xmlrpc_value_int(who.c.out, 0);
    nb_xmlrpc_resp_end(who.c.out);
    assert_int_equal(who.c.code, 0);

    xmlDoc *resp = xmlReadMemory(who.out.data, (int)who.out.len, NULL, "UTF-8",
                                 XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!resp)
        fail_msg("response is not well-formed: %s", who.out.data);
    const xmlNode *str = find_elem(xmlDocGetRootElement(resp), "string");
    assert_non_null(str);
    xmlChar *text = xmlNodeGetContent(str);
    xmlDoc *doc = xmlReadMemory((const char *)text, (int)strlen((const char *)text), NULL,
                                "UTF-8", XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        fail_msg("pool document is not well-formed: %s", text);
    xmlNode *root = xmlDocGetRootElement(doc);
    assert_string_equal((const char *)root->name, k->pool_root);
    for (xmlNode *c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, k->root) != 0)
            continue;
        const xmlNode *id = find_elem(c->children, "ID");
        assert_non_null(id);
        xmlChar *v = xmlNodeGetContent(id);
        if (ids.len)
            nb_buf_addc(&ids, ',');
        nb_buf_adds(&ids, (const char *)v);
        xmlFree(v);
    }
    xmlFreeDoc(doc);
    xmlFree(text);
    xmlFreeDoc(resp);
    caller_free(&who);
    return nb_buf_steal(&ids, NULL);
}

static void expect_list(fx *f, bool desc, int uid, const nb_kind *k, int filter, int start,
                        int end, const char *want)
{
    f->cfg.list_desc = desc;
    char *got = render_ids(f, uid, k, filter, start, end);
    if (strcmp(got, want) != 0)
        fail_msg("%s as uid %d, filter %d, start %d, end %d, %s: got [%s], want [%s]",
                 k->pool_root, uid, filter, start, end, desc ? "DESC" : "ASC", got, want);
    free(got);
}

/* The ids of pool k matching filter for uid, whole pool, ascending. */
static char *match_ids(fx *f, int uid, const nb_kind *k, int filter)
{
    f->cfg.list_desc = false;
    return render_ids(f, uid, k, filter, -1, -1);
}

static void expect_match(fx *f, int uid, const nb_kind *k, int filter, const char *want)
{
    char *got = match_ids(f, uid, k, filter);
    if (strcmp(got, want) != 0)
        fail_msg("%s match as uid %d, filter %d: got [%s], want [%s]", k->pool_root, uid,
                 filter, got, want);
    free(got);
}

static void add_rule(fx *f, uint64_t user, uint64_t resource, uint64_t rights, uint64_t zone)
{
    nb_txn *t = nb_txn_begin(&f->model);
    nb_acl_rule r = { -1, user, resource, rights, zone };
    char *err = NULL;

    nb_acl_insert(t, &r, NULL);
    if (nb_txn_commit(t, &err) < 0)
        fail_msg("commit: %s", err);
}

#define U (&nb_user_kind)
#define G (&nb_group_kind)

/* ---- filters ----------------------------------------------------------------- */

static void test_filters_plain_user(void **state)
{
    fx *f = *state;

    /* alice: uid 2, group 100. */
    expect_match(f, 2, U, -2, "2");
    expect_match(f, 2, U, -3, "2");
    expect_match(f, 2, U, -1, "2");
    expect_match(f, 2, U, -4, "2");
    expect_match(f, 2, U, 2, "2");
    expect_match(f, 2, U, 3, "");       /* bob's objects: not visible to her */
    expect_match(f, 2, U, 0, "");
    expect_match(f, 2, U, 99, "");

    expect_match(f, 2, G, -2, "100");
    expect_match(f, 2, G, -1, "100");
    expect_match(f, 2, G, -3, "");      /* groups are owned by oneadmin */
    expect_match(f, 2, G, -4, "100");
    expect_match(f, 2, G, 0, "100");    /* owned by uid 0 and visible */
    expect_match(f, 2, G, 2, "");

    /* bob: primary 100, secondary 101. */
    expect_match(f, 3, G, -2, "100,101");
    expect_match(f, 3, G, -1, "100,101");
    expect_match(f, 3, G, -4, "100");   /* primary group only */
    expect_match(f, 3, U, -2, "3");

    /* carol (101) and dave (1). */
    expect_match(f, 4, G, -2, "101");
    expect_match(f, 4, G, -4, "101");
    expect_match(f, 5, G, -2, "1");
    expect_match(f, 5, G, -1, "1");
    expect_match(f, 5, U, -4, "5");
}

static void test_filters_admin(void **state)
{
    fx *f = *state;

    expect_match(f, 0, U, -2, "0,1,2,3,4,5");
    expect_match(f, 0, U, -3, "0");
    expect_match(f, 0, U, -1, "0,1");           /* mine + those in my groups (0) */
    expect_match(f, 0, U, -4, "0,1");
    expect_match(f, 0, U, 3, "3");
    expect_match(f, 0, U, 4, "4");
    expect_match(f, 0, U, 77, "");
    expect_match(f, 0, G, -2, "0,1,100,101");
    expect_match(f, 0, G, -3, "0,1,100,101");   /* oneadmin owns every group */
    expect_match(f, 0, G, -4, "0");
    expect_match(f, 0, G, -1, "0,1,100,101");   /* uid = me */
    /* serveradmin is an admin through group 0. */
    expect_match(f, 1, U, -2, "0,1,2,3,4,5");
    expect_match(f, 1, U, -3, "1");
    expect_match(f, 1, G, -3, "");
}

static void test_visibility_through_rules(void **state)
{
    fx *f = *state;

    /* @100 USER/@101 USE #0: members of 100 see the users of group 101. */
    add_rule(f, NB_ACL_GROUP | 100, NB_ACL_USER | NB_ACL_GROUP | 101, NB_OP_USE,
             NB_ACL_INDIVIDUAL | 0);
    /* #2 USER/#5 MANAGE: MANAGE-only rules do not make objects visible. */
    add_rule(f, NB_ACL_INDIVIDUAL | 2, NB_ACL_USER | NB_ACL_INDIVIDUAL | 5, NB_OP_MANAGE,
             NB_ACL_INDIVIDUAL | 0);
    /* #5 GROUP/#100 USE for another zone: does not apply here. */
    add_rule(f, NB_ACL_INDIVIDUAL | 5, NB_ACL_GROUP_T | NB_ACL_INDIVIDUAL | 100, NB_OP_USE,
             NB_ACL_INDIVIDUAL | 1);

    expect_match(f, 2, U, -2, "2,4");
    expect_match(f, 2, U, -3, "2");
    expect_match(f, 2, U, 4, "4");              /* carol's objects, now visible */
    expect_match(f, 2, U, 5, "");
    expect_match(f, 2, U, -1, "2");             /* carol is not in alice's groups */
    expect_match(f, 3, U, -1, "3,4");           /* bob is in 101 too */
    expect_match(f, 3, U, -4, "3");             /* gid must be bob's primary (100) */
    expect_match(f, 4, U, -2, "4");
    expect_match(f, 5, G, -2, "1");

    expect_list(f, false, 2, U, -2, -1, -1, "2,4");
    expect_list(f, true, 2, U, -2, -1, -1, "4,2");
}

/* ---- rendering: order, ranges, pages ------------------------------------- */

static void test_render_order(void **state)
{
    fx *f = *state;
    expect_list(f, false, 0, U, -2, -1, -1, "0,1,2,3,4,5");
    expect_list(f, true, 0, U, -2, -1, -1, "5,4,3,2,1,0");
    expect_list(f, false, 0, G, -2, -1, -1, "0,1,100,101");
    expect_list(f, true, 0, G, -2, -1, -1, "101,100,1,0");
    /* Plain users see their own part only, in either order. */
    expect_list(f, false, 3, G, -2, -1, -1, "100,101");
    expect_list(f, true, 3, G, -2, -1, -1, "101,100");
    expect_list(f, true, 3, U, -2, -1, -1, "3");
    expect_list(f, true, 2, U, -3, -1, -1, "2");
    expect_list(f, true, 2, U, 3, -1, -1, "");
}

static void test_render_id_range(void **state)
{
    fx *f = *state;
    expect_list(f, false, 0, U, -2, 2, 4, "2,3,4");
    expect_list(f, true, 0, U, -2, 2, 4, "4,3,2");
    expect_list(f, false, 0, U, -2, 3, -1, "3,4,5");     /* open end */
    expect_list(f, true, 0, U, -2, 3, -1, "5,4,3");
    expect_list(f, false, 0, U, -2, 0, 0, "0");
    expect_list(f, true, 0, U, -2, 5, 5, "5");
    expect_list(f, false, 0, U, -2, 4, 2, "");           /* empty range */
    expect_list(f, true, 0, U, -2, 6, 100, "");
    expect_list(f, false, 0, G, -2, 1, 100, "1,100");
    expect_list(f, true, 0, G, -2, 2, 101, "101,100");
    expect_list(f, true, 0, G, -2, 50, -1, "101,100");
    /* Range and filter together. */
    expect_list(f, false, 0, U, -1, 1, 5, "1");
    expect_list(f, true, 3, G, -2, 101, -1, "101");
}

static void test_render_pages(void **state)
{
    fx *f = *state;

    /* end < -1: start is an offset into the result, -end the page size. */
    expect_list(f, false, 0, U, -2, 0, -2, "0,1");
    expect_list(f, false, 0, U, -2, 2, -2, "2,3");
    expect_list(f, false, 0, U, -2, 4, -2, "4,5");
    expect_list(f, false, 0, U, -2, 5, -2, "5");
    expect_list(f, false, 0, U, -2, 6, -2, "");
    expect_list(f, false, 0, U, -2, 1, -4, "1,2,3,4");
    expect_list(f, false, 0, U, -2, 0, -100, "0,1,2,3,4,5");

    /* DESC pages count from the newest. */
    expect_list(f, true, 0, U, -2, 0, -2, "5,4");
    expect_list(f, true, 0, U, -2, 2, -2, "3,2");
    expect_list(f, true, 0, U, -2, 4, -2, "1,0");
    expect_list(f, true, 0, U, -2, 5, -3, "0");
    expect_list(f, true, 0, U, -2, 6, -2, "");
    expect_list(f, true, 0, G, -2, 1, -2, "100,1");

    /* A page is taken over the filtered result, not over the pool. */
    expect_list(f, false, 0, U, -1, 1, -2, "1");
    expect_list(f, true, 0, U, -1, 1, -2, "0");
    expect_list(f, false, 3, G, -2, 1, -5, "101");
    expect_list(f, true, 3, G, -2, 1, -5, "100");
}

static void test_render_pages_with_visibility(void **state)
{
    fx *f = *state;

    add_rule(f, NB_ACL_GROUP | 100, NB_ACL_USER | NB_ACL_GROUP | 101, NB_OP_USE,
             NB_ACL_INDIVIDUAL | 0);
    /* alice sees 2 and 4; ids 0, 1 and 3 are skipped, not counted. */
    expect_list(f, false, 2, U, -2, 0, -2, "2,4");
    expect_list(f, false, 2, U, -2, 1, -2, "4");
    expect_list(f, false, 2, U, -2, 2, -2, "");
    expect_list(f, true, 2, U, -2, 0, -2, "4,2");
    expect_list(f, true, 2, U, -2, 1, -2, "2");
}

static void test_render_document(void **state)
{
    fx *f = *state;
    caller who;
    nb_list_query q = { .filter = -2, .start = -1, .end = -1 };

    /* The pool document: root, one element per object, the pool tail. */
    f->cfg.list_desc = false;
    call_as(f, &who, 2);
    nb_list_render(&who.c, nb_model_cpool(&f->model, &nb_user_kind), &q);
    nb_xmlrpc_value_string_end(who.c.out);
    assert_non_null(strstr(who.out.data, "&lt;USER_POOL&gt;&lt;USER&gt;&lt;ID&gt;2&lt;/ID&gt;"));
    assert_non_null(strstr(who.out.data, "&lt;DEFAULT_USER_QUOTAS&gt;"));
    assert_non_null(strstr(who.out.data, "&lt;/USER_POOL&gt;</string>"));
    assert_null(strstr(who.out.data, "<USER>"));        /* escaped inside the <string> */
    caller_free(&who);
}

static void test_check_filter(void **state)
{
    fx *f = *state;
    caller who;
    static const int ok[] = { -4, -3, -2, -1, 0, 1, 1000 };

    call_as(f, &who, 2);
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        nb_list_query q = { .filter = ok[i], .start = -1, .end = -1 };
        assert_int_equal(nb_list_check(&who.c, &q), 0);
        assert_int_equal(who.c.code, 0);
    }
    nb_list_query bad = { .filter = -5, .start = -1, .end = -1 };
    assert_int_equal(nb_list_check(&who.c, &bad), -1);
    assert_int_equal(who.c.code, NB_E_RPC_API);
    assert_non_null(who.c.errmsg);
    assert_non_null(strstr(who.c.errmsg, "Incorrect filter_flag"));
    caller_free(&who);

    call_as(f, &who, 0);
    nb_list_query worse = { .filter = -1000, .start = -1, .end = -1 };
    assert_int_equal(nb_list_check(&who.c, &worse), -1);
    assert_int_equal(who.c.code, NB_E_RPC_API);
    caller_free(&who);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_filters_plain_user),
        T(test_filters_admin),
        T(test_visibility_through_rules),
        T(test_render_order),
        T(test_render_id_range),
        T(test_render_pages),
        T(test_render_pages_with_visibility),
        T(test_render_document),
        T(test_check_filter),
    };
#undef T

    nb_log_threshold = NB_LOG_ERROR;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
