#include "acl/rule.h"

#include <stddef.h>
#include <stdlib.h>

static const struct {
    uint64_t bit;
    const char *name;
} nb_acl_types[] = {
    { NB_ACL_VM, "VM" }, { NB_ACL_HOST, "HOST" }, { NB_ACL_NET, "NET" },
    { NB_ACL_IMAGE, "IMAGE" }, { NB_ACL_USER, "USER" }, { NB_ACL_TEMPLATE, "TEMPLATE" },
    { NB_ACL_GROUP_T, "GROUP" }, { NB_ACL_ACL, "ACL" }, { NB_ACL_DATASTORE, "DATASTORE" },
    { NB_ACL_CLUSTER_T, "CLUSTER" }, { NB_ACL_DOCUMENT, "DOCUMENT" }, { NB_ACL_ZONE, "ZONE" },
    { NB_ACL_SECGROUP, "SECGROUP" }, { NB_ACL_VDC, "VDC" }, { NB_ACL_VROUTER, "VROUTER" },
    { NB_ACL_MARKETPLACE, "MARKETPLACE" }, { NB_ACL_MARKETPLACEAPP, "MARKETPLACEAPP" },
    { NB_ACL_VMGROUP, "VMGROUP" }, { NB_ACL_VNTEMPLATE, "VNTEMPLATE" },
    { NB_ACL_HOOK, "HOOK" }, { NB_ACL_BACKUPJOB, "BACKUPJOB" },
};

const char *nb_acl_type_name(uint64_t type)
{
    for (size_t i = 0; i < sizeof(nb_acl_types) / sizeof(nb_acl_types[0]); i++)
        if (nb_acl_types[i].bit == type)
            return nb_acl_types[i].name;
    return NULL;
}

bool nb_acl_locked_for(const nb_objref *o, enum nb_op op)
{
    /* Lock levels 1 USE, 2 MANAGE, 3 ADMIN block that operation and every
     * stronger one; as operation bits USE=1 MANAGE=2 ADMIN=4 CREATE=8. */
    static const unsigned level_bit[] = { 0, NB_OP_USE, NB_OP_MANAGE, NB_OP_ADMIN };
    if (o->lock <= 0 || o->lock > 3)
        return false;
    return level_bit[o->lock] <= (unsigned)op;
}

bool nb_acl_rule_grants(const nb_acl_rule *r, uint64_t type, enum nb_op op, int zone)
{
    if (r->zone != NB_ACL_ALL && r->zone != (NB_ACL_INDIVIDUAL | (uint32_t)zone))
        return false;
    if ((r->rights & (uint64_t)op) != (uint64_t)op)
        return false;
    return (r->resource & type) != 0;
}

/*
 * The part of a user or resource word a match looks at: selector and id,
 * except that ALL matches whatever id it carries.  Indexing on this (rather
 * than the raw word) keeps even malformed words where the match finds them.
 */
static uint64_t nb_acl_word_key(uint64_t w)
{
    if ((w & NB_ACL_SEL_MASK) == NB_ACL_ALL)
        return NB_ACL_ALL;
    return w & (NB_ACL_SEL_MASK | NB_ACL_ID_MASK);
}

static int nb_acl_u64_cmp(uint64_t a, uint64_t b)
{
    return (a > b) - (a < b);
}

int nb_acl_rule_cmp(const nb_acl_rule *a, const nb_acl_rule *b)
{
    int c = nb_acl_u64_cmp(nb_acl_word_key(a->user), nb_acl_word_key(b->user));
    if (!c)
        c = nb_acl_u64_cmp(nb_acl_word_key(a->resource), nb_acl_word_key(b->resource));
    if (!c)
        c = nb_acl_u64_cmp(a->user, b->user);
    if (!c)
        c = nb_acl_u64_cmp(a->resource, b->resource);
    if (!c)
        c = nb_acl_u64_cmp(a->rights, b->rights);
    if (!c)
        c = nb_acl_u64_cmp(a->zone, b->zone);
    if (!c)
        c = (a->id > b->id) - (a->id < b->id);
    return c;
}

static int nb_acl_qsort_cmp(const void *a, const void *b)
{
    return nb_acl_rule_cmp(a, b);
}

void nb_acl_sort(nb_acl_rule *rules, size_t n)
{
    if (n > 1)
        qsort(rules, n, sizeof(*rules), nb_acl_qsort_cmp);
}

/*
 * First index in [lo, hi) whose key is not before (ukey, rkey), else hi.
 * Written without data-dependent branches (the compiler turns the choice
 * into conditional moves): mispredicted branches, not memory, dominate a
 * binary search over a set that fits in cache.
 */
static size_t nb_acl_search(const nb_acl_rule *rules, size_t lo, size_t hi,
                            uint64_t ukey, uint64_t rkey)
{
    size_t len = hi - lo;
    while (len > 0) {
        size_t half = len / 2;
        const nb_acl_rule *r = &rules[lo + half];
        uint64_t u = nb_acl_word_key(r->user), k = nb_acl_word_key(r->resource);
        bool before = (u < ukey) | ((u == ukey) & (k < rkey));
        lo = before ? lo + half + 1 : lo;
        len = before ? len - half - 1 : half;
    }
    return lo;
}

size_t nb_acl_lower_bound(const nb_acl_rule *rules, size_t n, const nb_acl_rule *r)
{
    /* Rules sharing r's key differ in types, rights or zone only: few. */
    size_t i = nb_acl_search(rules, 0, n, nb_acl_word_key(r->user), nb_acl_word_key(r->resource));
    while (i < n && nb_acl_rule_cmp(&rules[i], r) < 0)
        i++;
    return i;
}

/* User word i of s: *, #uid, then @g for each of its groups. */
static uint64_t nb_acl_subject_word(const nb_subject *s, size_t i)
{
    if (i == 0)
        return NB_ACL_ALL;
    if (i == 1)
        return NB_ACL_INDIVIDUAL | (uint32_t)s->uid;
    return NB_ACL_GROUP | (uint32_t)s->groups[i - 2];
}

void nb_acl_subject_run(const nb_acl_rule *rules, size_t n, const nb_subject *s,
                        size_t i, size_t *begin, size_t *end)
{
    uint64_t ukey = nb_acl_subject_word(s, i);
    size_t lo = nb_acl_search(rules, 0, n, ukey, 0), step = 1;

    *begin = lo;
    if (lo == n || nb_acl_word_key(rules[lo].user) != ukey) {
        *end = lo;
        return;
    }
    /* Gallop to the end: most runs are short, and stay in a cache line or
     * two.  Keys are at most SEL_MASK | ID_MASK, so ukey + 1 is the next. */
    while (lo + step < n && nb_acl_word_key(rules[lo + step].user) == ukey) {
        lo += step;
        step *= 2;
    }
    *end = nb_acl_search(rules, lo + 1, lo + step < n ? lo + step : n, ukey + 1, 0);
}

/* Does a rule of the run [begin, end) of user key ukey with resource key
 * rkey grant op on o? */
static bool nb_acl_key_grants(const nb_acl_rule *rules, size_t begin, size_t end, uint64_t ukey,
                              uint64_t rkey, const nb_objref *o, enum nb_op op, int zone)
{
    for (size_t i = nb_acl_search(rules, begin, end, ukey, rkey);
         i < end && nb_acl_word_key(rules[i].resource) == rkey; i++)
        if (nb_acl_rule_grants(&rules[i], o->type, op, zone))
            return true;
    return false;
}

/* The rules of run [begin, end) (user key ukey) that can name o: TYPE/ALL,
 * TYPE/#oid, TYPE/@gid and TYPE/%cid for each of its clusters. */
static bool nb_acl_run_grants(const nb_acl_rule *rules, size_t begin, size_t end, uint64_t ukey,
                              const nb_objref *o, enum nb_op op, int zone)
{
    if (nb_acl_key_grants(rules, begin, end, ukey, NB_ACL_ALL, o, op, zone))
        return true;
    if (o->oid >= 0 && nb_acl_key_grants(rules, begin, end, ukey,
                                         NB_ACL_INDIVIDUAL | (uint32_t)o->oid, o, op, zone))
        return true;
    if (o->gid >= 0 && nb_acl_key_grants(rules, begin, end, ukey,
                                         NB_ACL_GROUP | (uint32_t)o->gid, o, op, zone))
        return true;
    for (size_t i = 0; i < o->ncids; i++)
        if (nb_acl_key_grants(rules, begin, end, ukey,
                              NB_ACL_CLUSTER | (uint32_t)o->cids[i], o, op, zone))
            return true;
    return false;
}

bool nb_acl_perms_grant(const nb_subject *s, const nb_objref *o, enum nb_op op)
{
    /* The bits act as rules "#uid T/#oid", "@gid T/#oid", "* T/#oid"; they
     * never carry CREATE. */
    if (op == NB_OP_CREATE || o->oid < 0)
        return false;
    if (o->uid >= 0 && o->uid == s->uid &&
        (nb_perms_class_ops(o->perms, NB_PERMS_OWNER_SHIFT) & op) == (unsigned)op)
        return true;
    if (o->gid >= 0 && nb_subject_in_group(s, o->gid) &&
        (nb_perms_class_ops(o->perms, NB_PERMS_GROUP_SHIFT) & op) == (unsigned)op)
        return true;
    return (nb_perms_class_ops(o->perms, NB_PERMS_OTHER_SHIFT) & op) == (unsigned)op;
}

bool nb_acl_authorize(const nb_subject *s, const nb_objref *o, enum nb_op op,
                      bool lock_exempt, const nb_acl_rule *rules, size_t nrules,
                      int zone)
{
    if (!lock_exempt && nb_acl_locked_for(o, op))
        return false;
    if (nb_subject_is_admin(s))
        return true;
    if (nb_acl_perms_grant(s, o, op))
        return true;
    for (size_t w = 0; w < 2 + s->ngroups; w++) {
        size_t begin, end;
        nb_acl_subject_run(rules, nrules, s, w, &begin, &end);
        if (begin < end &&
            nb_acl_run_grants(rules, begin, end, nb_acl_subject_word(s, w), o, op, zone))
            return true;
    }
    return false;
}
