/*
 * api_vm.h: what api_vm.c shares with the other one.vm.* method files
 * (api_vm_hotplug.c): deciding a lifecycle move and the checks a change of
 * a VM must pass inside the call's transaction.
 */
#ifndef NB_API_VM_H
#define NB_API_VM_H

#include "oned/dispatch.h"
#include "oned/lifecycle.h"

/* Template text of an argument into t: 0, or -1 with INTERNAL "Parse
 * error: ...". */
int nb_vm_parse_text(nb_call *c, const char *text, nb_tmpl *t);

/* The move action a makes of the call's VM: 0, or -1 with ACTION
 * "<action> action is not available for state <STATE>." */
int nb_vm_decide(nb_call *c, enum nb_vm_action a, nb_lcm_move *mv);

/* Would uid's and gid's VM quotas take the VM going from template from_t
 * in phase `from` to to_t in `to`?  0, or -1 with AUTHORIZATION as
 * OpenNebula words it. */
int nb_vm_quota_check_change(nb_call *c, int uid, int gid, const nb_tmpl *from_t,
                             nb_vm_phase from, const nb_tmpl *to_t, nb_vm_phase to);

/* Has host ho room for the VM growing from template `from` (NULL: a VM new
 * to the host) to `to`?  0, or -1 with ACTION naming what is missing. */
int nb_vm_host_room(nb_call *c, const nb_object *ho, const nb_tmpl *from, const nb_tmpl *to);

#endif
