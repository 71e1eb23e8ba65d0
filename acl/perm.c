#include "acl/perm.h"

const char *nb_op_name(enum nb_op op)
{
    switch (op) {
    case NB_OP_USE: return "USE";
    case NB_OP_MANAGE: return "MANAGE";
    case NB_OP_ADMIN: return "ADMIN";
    case NB_OP_CREATE: return "CREATE";
    }
    return "?";
}

/* A class digit stores USE=4 MANAGE=2 ADMIN=1 (Unix order); ACL rights use
 * USE=1 MANAGE=2 ADMIN=4.  Translate one into the other. */
unsigned nb_perms_class_ops(nb_perms p, int shift)
{
    unsigned d = (p >> shift) & 07;
    return ((d & 4) ? NB_OP_USE : 0) | ((d & 2) ? NB_OP_MANAGE : 0) |
           ((d & 1) ? NB_OP_ADMIN : 0);
}

nb_perms nb_perms_default(bool creator_is_admin, unsigned umask, bool enable_other)
{
    nb_perms base = creator_is_admin ? 0777 : enable_other ? 0666 : 0660;
    return base & ~umask & 0777;
}

int nb_perms_chmod(nb_perms cur, const int bits[9], nb_perms *out, enum nb_op *need)
{
    nb_perms p = cur;
    bool admin_changed = false;

    for (int i = 0; i < 9; i++) {
        /* API order uu um ua gu gm ga ou om oa maps to bits 8..0. */
        nb_perms bit = 1u << (8 - i);
        if (bits[i] < -1 || bits[i] > 1)
            return -1;
        if (bits[i] == -1)
            continue;
        nb_perms np = bits[i] ? (p | bit) : (p & ~bit);
        if (np != p && i % 3 == 2)
            admin_changed = true;
        p = np;
    }
    *out = p;
    *need = admin_changed ? NB_OP_ADMIN : NB_OP_MANAGE;
    return 0;
}

bool nb_subject_in_group(const nb_subject *s, int gid)
{
    for (size_t i = 0; i < s->ngroups; i++)
        if (s->groups[i] == gid)
            return true;
    return false;
}

bool nb_subject_is_admin(const nb_subject *s)
{
    return s->uid == 0 || nb_subject_in_group(s, 0);
}
