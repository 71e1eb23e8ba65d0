/*
 * rule_text.h: the textual forms of an ACL rule (reference §5.1-5.2): the
 * string form staff type ("@101 HOST/%100 MANAGE #0"), the hex words
 * one.acl.addrule carries, and validation with OpenNebula's messages.
 * Pure: no I/O.
 */
#ifndef NB_ACL_RULE_TEXT_H
#define NB_ACL_RULE_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include "acl/rule.h"

/*
 * Parse the string form "USER RESOURCES RIGHTS [ZONE]" (type and right
 * names case-insensitive).  A missing zone means #default_zone.  Returns 0,
 * or -1 with *err (malloc'd) saying what is wrong.  The result is not
 * validated: call nb_acl_rule_validate as oned does for hex input.
 */
int nb_acl_rule_parse(const char *s, int default_zone, nb_acl_rule *out, char **err);

/*
 * Canonical string of r as oned renders it in <STRING>: types in the fixed
 * order of the encoding, rights USE+MANAGE+ADMIN+CREATE, zone "#id" or "*".
 * snprintf semantics: returns the length it needs.
 */
size_t nb_acl_rule_format(const nb_acl_rule *r, char *buf, size_t len);
/* Large enough for any rule. */
#define NB_ACL_STRING_MAX 320

/*
 * Check r as OpenNebula's AclRule::malformed does; every problem found is
 * reported, joined with "; ".  Returns 0, or -1 with *err (malloc'd).
 */
int nb_acl_rule_validate(const nb_acl_rule *r, char **err);

/* One addrule argument: hex digits with or without "0x", at most 16 of
 * them.  Returns -1 if s is not that. */
int nb_acl_hex_parse(const char *s, uint64_t *out);

/* "USE+MANAGE" (case-insensitive) to rights bits; "" and "-" give 0.
 * Returns -1 on an unknown name. */
int nb_acl_rights_parse(const char *s, uint64_t *out);

#endif
