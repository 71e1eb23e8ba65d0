/*
 * api.h: helpers shared by the api_*.c method handlers.
 */
#ifndef NB_API_H
#define NB_API_H

#include "oned/dispatch.h"
#include "oned/gate.h"
#include "oned/listing.h"

/* Render o's info document as the call's result. */
void nb_api_reply_object(nb_call *c, const nb_object *o);
/* one.<obj>.update: parse the template argument and apply type 0/1. */
int nb_api_update_template(nb_call *c, nb_object *edit, const char *text, int type);

/* Handlers shared by every kind: one.<obj>.info (target already loaded and
 * authorized), one.<obj>.update (id, text, type), an unfiltered pool. */
int nb_api_info(nb_call *c);
int nb_api_update(nb_call *c);
int nb_api_pool_info(nb_call *c, const nb_kind *k);
/* A filtered pool: (filter, start, end) as reference §2.1. */
int nb_api_pool_filtered(nb_call *c, const nb_kind *k);

/* The generic families of reference §2.0, for any kind that has them:
 * rename(id, name), chmod(id, 9 bits), chown(id, uid, gid), and for
 * lockable kinds lock(id, level, test?) and unlock(id), registered
 * MANAGE and lock-exempt. */
int nb_api_rename(nb_call *c);
int nb_api_chmod(nb_call *c);
int nb_api_chown(nb_call *c);
int nb_api_lock(nb_call *c);
int nb_api_unlock(nb_call *c);

/* The object of kind k whose id is argument i, authorized for op; with
 * `optional`, -1 gives *out NULL.  0, or -1 with the error set. */
int nb_api_arg_object(nb_call *c, size_t i, const nb_kind *k, enum nb_op op, bool optional,
                      const nb_object **out);

/* Name rules (spaces as the kind allows) and uniqueness for a new or
 * renamed object (self: its id, or -1 for a new one).  Names unique per
 * owner are checked among the objects of self's owner, or of the caller for
 * a new object. */
int nb_api_check_name(nb_call *c, const nb_kind *k, const char *name, int self);

/* Permissions of an object the caller creates in group gid (reference
 * §4.3): umask from the caller's user template UMASK (octal), else
 * DEFAULT_UMASK.  For write methods (reads the caller in the transaction). */
nb_perms nb_api_new_perms(nb_call *c, int gid);

#endif
