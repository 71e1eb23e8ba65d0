/*
 * test_perm.c: ownership permissions (reference §4): defaults under umask,
 * chmod in the API's bit order, admin detection, class digits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <cmocka.h>

#include "acl/perm.h"

static void test_default_admin(void **state)
{
    assert_int_equal(nb_perms_default(true, 0, true), 0777);
    assert_int_equal(nb_perms_default(true, 0, false), 0777);   /* other perms off: admins keep 0777 */
    assert_int_equal(nb_perms_default(true, 0177, true), 0600);
    assert_int_equal(nb_perms_default(true, 0137, true), 0640);
    assert_int_equal(nb_perms_default(true, 0113, true), 0664);
    assert_int_equal(nb_perms_default(true, 0022, true), 0755);
    assert_int_equal(nb_perms_default(true, 0777, true), 0);
}

static void test_default_user(void **state)
{
    /* ENABLE_OTHER_PERMISSIONS=YES: base 0666. */
    assert_int_equal(nb_perms_default(false, 0, true), 0666);
    assert_int_equal(nb_perms_default(false, 0177, true), 0600);
    assert_int_equal(nb_perms_default(false, 0137, true), 0640);
    assert_int_equal(nb_perms_default(false, 0113, true), 0664);
    assert_int_equal(nb_perms_default(false, 0022, true), 0644);
    assert_int_equal(nb_perms_default(false, 0111, true), 0666);    /* no ADMIN bits anyway */
    /* ENABLE_OTHER_PERMISSIONS=NO: base 0660. */
    assert_int_equal(nb_perms_default(false, 0, false), 0660);
    assert_int_equal(nb_perms_default(false, 0177, false), 0600);
    assert_int_equal(nb_perms_default(false, 0137, false), 0640);
    assert_int_equal(nb_perms_default(false, 0113, false), 0660);
    /* Bits above 0777 in the mask change nothing and never leak out. */
    assert_int_equal(nb_perms_default(false, 07000, true), 0666);
    assert_int_equal(nb_perms_default(true, 0xFFFFF000u | 0137, true), 0640);
}

static void chmod_ok(nb_perms cur, const int bits[9], nb_perms want, enum nb_op want_need)
{
    nb_perms out = 0xDEAD;
    enum nb_op need = 0;
    assert_int_equal(nb_perms_chmod(cur, bits, &out, &need), 0);
    if (out != want || need != want_need)
        fail_msg("chmod %03o: got %03o need %d, want %03o need %d", cur, out, need, want,
                 want_need);
}

static void test_chmod_keep(void **state)
{
    static const int keep[9] = { -1, -1, -1, -1, -1, -1, -1, -1, -1 };
    chmod_ok(0640, keep, 0640, NB_OP_MANAGE);
    chmod_ok(0777, keep, 0777, NB_OP_MANAGE);
    chmod_ok(0, keep, 0, NB_OP_MANAGE);
}

/* API order uu um ua gu gm ga ou om oa = octal bits 0400 .. 0001. */
static void test_chmod_bit_order(void **state)
{
    static const nb_perms octal[9] = { 0400, 0200, 0100, 040, 020, 010, 04, 02, 01 };
    for (int i = 0; i < 9; i++) {
        int bits[9] = { -1, -1, -1, -1, -1, -1, -1, -1, -1 };
        enum nb_op need = (i % 3 == 2) ? NB_OP_ADMIN : NB_OP_MANAGE;

        bits[i] = 1;
        chmod_ok(0, bits, octal[i], need);
        chmod_ok(octal[i], bits, octal[i], NB_OP_MANAGE);   /* already set: no change */
        bits[i] = 0;
        chmod_ok(0777, bits, 0777 & ~octal[i], need);
        chmod_ok(0777 & ~octal[i], bits, 0777 & ~octal[i], NB_OP_MANAGE);
    }
}

static void test_chmod_full(void **state)
{
    /* "um- u-- ---" from nothing. */
    static const int b640[9] = { 1, 1, 0, 1, 0, 0, 0, 0, 0 };
    /* "uma uma uma" */
    static const int b777[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
    /* Keep owner, clear group, set other use. */
    static const int mixed[9] = { -1, -1, -1, 0, 0, 0, 1, -1, -1 };

    chmod_ok(0, b640, 0640, NB_OP_MANAGE);
    chmod_ok(0777, b640, 0640, NB_OP_ADMIN);      /* clears ADMIN bits */
    chmod_ok(0640, b777, 0777, NB_OP_ADMIN);
    chmod_ok(0777, b777, 0777, NB_OP_MANAGE);     /* same values sent: no change */
    chmod_ok(0660, mixed, 0604, NB_OP_MANAGE);
    chmod_ok(0670, mixed, 0604, NB_OP_ADMIN);     /* group ADMIN cleared */
    chmod_ok(0671, mixed, 0605, NB_OP_ADMIN);     /* other ADMIN kept (-1) but group's cleared */
    chmod_ok(0661, mixed, 0605, NB_OP_MANAGE);    /* other ADMIN untouched */
}

static void test_chmod_admin_bits_unchanged(void **state)
{
    /* ADMIN bits sent with their current value are not a change. */
    static const int same_admin[9] = { 1, 1, 1, 0, 0, 0, 0, 0, 1 };
    static const int clear_admin[9] = { -1, -1, 0, -1, -1, 0, -1, -1, 0 };
    chmod_ok(0101, same_admin, 0701, NB_OP_MANAGE);
    chmod_ok(0640, clear_admin, 0640, NB_OP_MANAGE);
    chmod_ok(0641, clear_admin, 0640, NB_OP_ADMIN);
}

static void test_chmod_out_of_range(void **state)
{
    static const int bad_values[] = { 2, -2, 3, 100, -100, INT_MAX, INT_MIN };
    for (size_t v = 0; v < sizeof(bad_values) / sizeof(bad_values[0]); v++)
        for (int i = 0; i < 9; i++) {
            int bits[9] = { 0, 1, -1, 0, 1, -1, 0, 1, -1 };
            nb_perms out;
            enum nb_op need;
            bits[i] = bad_values[v];
            if (nb_perms_chmod(0640, bits, &out, &need) != -1)
                fail_msg("value %d at position %d accepted", bad_values[v], i);
        }
}

static void test_subject_admin(void **state)
{
    static const int g0[] = { 0 };
    static const int g1[] = { 1 };
    static const int g1_0[] = { 0, 1 };
    static const int g100_101[] = { 100, 101 };
    static const int g100_0[] = { 0, 100 };

    nb_subject oneadmin = { 0, 0, g0, 1 };
    nb_subject uid0_other_group = { 0, 1, g1, 1 };
    nb_subject member0 = { 7, 0, g0, 1 };
    nb_subject secondary0 = { 7, 1, g1_0, 2 };
    nb_subject secondary0b = { 8, 100, g100_0, 2 };
    nb_subject plain = { 7, 100, g100_101, 2 };
    nb_subject scoped = { 7, 1, g1, 1 };          /* EGID-scoped session of a group-0 member */
    nb_subject nogroups = { 7, -1, NULL, 0 };

    assert_true(nb_subject_is_admin(&oneadmin));
    assert_true(nb_subject_is_admin(&uid0_other_group));
    assert_true(nb_subject_is_admin(&member0));
    assert_true(nb_subject_is_admin(&secondary0));
    assert_true(nb_subject_is_admin(&secondary0b));
    assert_false(nb_subject_is_admin(&plain));
    assert_false(nb_subject_is_admin(&scoped));
    assert_false(nb_subject_is_admin(&nogroups));

    assert_true(nb_subject_in_group(&plain, 100));
    assert_true(nb_subject_in_group(&plain, 101));
    assert_false(nb_subject_in_group(&plain, 1));
    assert_false(nb_subject_in_group(&plain, 0));
    assert_false(nb_subject_in_group(&nogroups, -1));
}

static void test_class_ops(void **state)
{
    /* 0640 = um- u-- --- */
    assert_int_equal(nb_perms_class_ops(0640, NB_PERMS_OWNER_SHIFT), NB_OP_USE | NB_OP_MANAGE);
    assert_int_equal(nb_perms_class_ops(0640, NB_PERMS_GROUP_SHIFT), NB_OP_USE);
    assert_int_equal(nb_perms_class_ops(0640, NB_PERMS_OTHER_SHIFT), 0);
    /* 0124 = --a -m- u-- */
    assert_int_equal(nb_perms_class_ops(0124, NB_PERMS_OWNER_SHIFT), NB_OP_ADMIN);
    assert_int_equal(nb_perms_class_ops(0124, NB_PERMS_GROUP_SHIFT), NB_OP_MANAGE);
    assert_int_equal(nb_perms_class_ops(0124, NB_PERMS_OTHER_SHIFT), NB_OP_USE);
    /* 0777 */
    for (int s = 0; s <= 6; s += 3)
        assert_int_equal(nb_perms_class_ops(0777, s), NB_OP_USE | NB_OP_MANAGE | NB_OP_ADMIN);
    assert_int_equal(nb_perms_class_ops(0, NB_PERMS_OWNER_SHIFT), 0);
    /* 0501 = u-a --- --a */
    assert_int_equal(nb_perms_class_ops(0501, NB_PERMS_OWNER_SHIFT), NB_OP_USE | NB_OP_ADMIN);
    assert_int_equal(nb_perms_class_ops(0501, NB_PERMS_GROUP_SHIFT), 0);
    assert_int_equal(nb_perms_class_ops(0501, NB_PERMS_OTHER_SHIFT), NB_OP_ADMIN);
    /* Never CREATE. */
    assert_int_equal(nb_perms_class_ops(0777, NB_PERMS_OWNER_SHIFT) & NB_OP_CREATE, 0);
}

static void test_op_names(void **state)
{
    assert_string_equal(nb_op_name(NB_OP_USE), "USE");
    assert_string_equal(nb_op_name(NB_OP_MANAGE), "MANAGE");
    assert_string_equal(nb_op_name(NB_OP_ADMIN), "ADMIN");
    assert_string_equal(nb_op_name(NB_OP_CREATE), "CREATE");
    /* ACL rights bit values (reference §5.1). */
    assert_int_equal(NB_OP_USE, 0x1);
    assert_int_equal(NB_OP_MANAGE, 0x2);
    assert_int_equal(NB_OP_ADMIN, 0x4);
    assert_int_equal(NB_OP_CREATE, 0x8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_admin),
        cmocka_unit_test(test_default_user),
        cmocka_unit_test(test_chmod_keep),
        cmocka_unit_test(test_chmod_bit_order),
        cmocka_unit_test(test_chmod_full),
        cmocka_unit_test(test_chmod_admin_bits_unchanged),
        cmocka_unit_test(test_chmod_out_of_range),
        cmocka_unit_test(test_subject_admin),
        cmocka_unit_test(test_class_ops),
        cmocka_unit_test(test_op_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
