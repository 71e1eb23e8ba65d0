/*
 * kind_check.h: checks every object kind's tests make (test_kinds.c,
 * test_vm.c): documents rendered, loaded back, round-tripped through the
 * store form, and written in escape mode as XML-RPC strings carry them.
 */
#ifndef NB_TEST_KIND_CHECK_H
#define NB_TEST_KIND_CHECK_H

#include "oned/object.h"

/* The document of o in mode (malloc'd). */
char *render(const nb_object *o, enum nb_xml_mode mode, const nb_model *m);
/* Load a stored document of kind k; fails the test on error. */
nb_object *load(const nb_kind *k, const char *doc);
/* STORE, load, STORE again, and clone: all byte-identical.  Returns the
 * reloaded object for field checks. */
nb_object *roundtrip(const nb_object *o);
/* The document rendered in escape mode is the plain one escaped. */
void assert_escapes(const nb_object *o, enum nb_xml_mode mode, const nb_model *m);

#endif
