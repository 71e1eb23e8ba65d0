/* The driver registry: drivers found by class and name from the section. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>
#include "drivers/driver.h"

/* A made-up ops struct, as a driver class header would declare. */
typedef struct fake_ops {
    int (*deploy)(int vm);
    int (*migrate)(int vm);     /* left NULL: "not supported" */
} fake_ops;

static int fake_deploy(int vm) { return vm + 1; }

static const fake_ops kvm_ops = { .deploy = fake_deploy, .migrate = NULL };
static const nb_driver kvm = { .cls = NB_DRIVER_VMM, .name = "kvm", .abi = NB_DRIVER_ABI,
                               .ops = &kvm_ops };
static const nb_driver dummy_vmm = { .cls = NB_DRIVER_VMM, .name = "dummy",
                                     .abi = NB_DRIVER_ABI, .ops = &kvm_ops };
static const nb_driver dummy_ds = { .cls = NB_DRIVER_DS, .name = "dummy",
                                    .abi = NB_DRIVER_ABI, .ops = NULL };
static const nb_driver stale = { .cls = NB_DRIVER_VMM, .name = "stale",
                                 .abi = NB_DRIVER_ABI + 1, .ops = NULL };
NB_DRIVER_REGISTER(kvm);
NB_DRIVER_REGISTER(dummy_vmm);
NB_DRIVER_REGISTER(dummy_ds);
NB_DRIVER_REGISTER(stale);

static void test_find_by_class_and_name(void **state)
{
    const nb_driver *d = nb_driver_find(NB_DRIVER_VMM, "kvm");
    assert_ptr_equal(d, &kvm);
    assert_int_equal(((const fake_ops *)d->ops)->deploy(41), 42);
    assert_null(((const fake_ops *)d->ops)->migrate);
    /* The same name in two classes is two drivers. */
    assert_ptr_equal(nb_driver_find(NB_DRIVER_VMM, "dummy"), &dummy_vmm);
    assert_ptr_equal(nb_driver_find(NB_DRIVER_DS, "dummy"), &dummy_ds);
}

static void test_unknown_and_stale_refused(void **state)
{
    assert_null(nb_driver_find(NB_DRIVER_VMM, "xen"));
    assert_null(nb_driver_find(NB_DRIVER_NET, "kvm"));
    /* Built against another ABI: never handed out. */
    assert_null(nb_driver_find(NB_DRIVER_VMM, "stale"));
}

static void collect(const nb_driver *d, void *ctx)
{
    char *names = ctx;
    strcat(names, d->name);
    strcat(names, " ");
}

static void test_foreach_visits_one_class(void **state)
{
    char names[64] = "";
    nb_driver_foreach(NB_DRIVER_VMM, collect, names);
    assert_non_null(strstr(names, "kvm "));
    assert_non_null(strstr(names, "dummy "));
    assert_null(strstr(names, "stale"));
    names[0] = '\0';
    nb_driver_foreach(NB_DRIVER_TM, collect, names);
    assert_string_equal(names, "");
    assert_string_equal(nb_driver_class_name(NB_DRIVER_DS), "DS_MAD");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find_by_class_and_name),
        cmocka_unit_test(test_unknown_and_stale_refused),
        cmocka_unit_test(test_foreach_visits_one_class),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
