"""Users and groups over XML-RPC, as OpenNebula's clients drive them
(reference §2.3, §2.4; client-contract §1-2)."""

import time

import pytest

from harness import (ACTION, AUTHENTICATION, AUTHORIZATION, INTERNAL, NO_EXISTS, RPC_API, ids,
                     xml)

pytestmark = pytest.mark.lifecycle


def user_doc(admin, uid):
    return xml(admin.ok("one.user.info", uid))


def group_doc(admin, gid):
    return xml(admin.ok("one.group.info", gid))


def pool(admin, what):
    """{id: element} of one.<what>pool.info."""
    root = xml(admin.ok(f"one.{what}pool.info"))
    return {int(e.findtext("ID")): e for e in root.findall(what.upper())}


def new_user(admin, uniq, groups=(), password="pw"):
    name = uniq("user")
    uid = admin.ok("one.user.allocate", name, password, "core", list(groups))
    return uid, name


# ---- bootstrap and first ids (a fresh daemon, default password hashing) -----

def test_bootstrap_state_and_first_ids(make_oned):
    d = make_oned(fast=False)
    admin = d.admin
    assert admin.call("one.system.version") == [True, "7.0.0", 0]

    users = pool(admin, "user")
    assert sorted(users) == [0, 1]
    assert users[0].findtext("NAME") == "oneadmin"
    assert users[0].findtext("AUTH_DRIVER") == "core"
    assert users[1].findtext("NAME") == "serveradmin"
    assert users[1].findtext("AUTH_DRIVER") == "server_cipher"
    for u in users.values():
        assert u.findtext("GID") == "0"
        assert ids(u, "GROUPS") == [0]
        assert u.findtext("GNAME") == "oneadmin"
        assert u.findtext("ENABLED") == "1"

    groups = pool(admin, "group")
    assert sorted(groups) == [0, 1]
    assert groups[0].findtext("NAME") == "oneadmin"
    assert sorted(ids(groups[0], "USERS")) == [0, 1]
    assert groups[1].findtext("NAME") == "users"
    assert ids(groups[1], "USERS") == []

    zones = xml(admin.ok("one.zonepool.info")).findall("ZONE")
    assert [(z.findtext("ID"), z.findtext("NAME")) for z in zones] == [("0", "OpenNebula")]

    # The first user is 2, in "users"; the first group is 100.
    assert admin.call("one.user.allocate", "alice", "pw", "core", []) == [True, 2, 0]
    alice = user_doc(admin, 2)
    assert alice.findtext("NAME") == "alice"
    assert alice.findtext("GID") == "1"
    assert alice.findtext("GNAME") == "users"
    assert ids(alice, "GROUPS") == [1]
    assert ids(group_doc(admin, 1), "USERS") == [2]
    assert d.call("one.user.info", -1, auth="alice:pw")[0] is True

    assert admin.call("one.group.allocate", "dev") == [True, 100, 0]
    assert admin.call("one.group.allocate", "ops") == [True, 101, 0]
    assert admin.call("one.user.allocate", "bob", "pw", "core", []) == [True, 3, 0]


# ---- allocate -------------------------------------------------------------------

def test_allocate_with_groups_first_is_primary(admin, uniq):
    g1 = admin.ok("one.group.allocate", uniq("g"))
    g2 = admin.ok("one.group.allocate", uniq("g"))
    uid, name = new_user(admin, uniq, groups=[g2, g1])
    u = user_doc(admin, uid)
    assert u.findtext("GID") == str(g2)
    assert sorted(ids(u, "GROUPS")) == sorted([g1, g2])
    assert uid in ids(group_doc(admin, g1), "USERS")
    assert uid in ids(group_doc(admin, g2), "USERS")
    assert uid not in ids(group_doc(admin, 1), "USERS")


def test_allocate_driver_defaults_to_core(oned, admin, uniq):
    name = uniq("user")
    uid = admin.ok("one.user.allocate", name, "pw", "")
    assert user_doc(admin, uid).findtext("AUTH_DRIVER") == "core"
    assert oned.call("one.user.info", -1, auth=f"{name}:pw")[0] is True


def test_allocate_into_missing_group_fails(admin, uniq):
    name = uniq("user")
    code, msg = admin.fail("one.user.allocate", name, "pw", "core", [9999])
    assert code == NO_EXISTS
    assert "Error getting group [9999]." in msg
    assert name not in [u.findtext("NAME") for u in pool(admin, "user").values()]


def test_allocate_duplicate_name(admin, uniq):
    uid, name = new_user(admin, uniq)
    code, msg = admin.fail("one.user.allocate", name, "other", "core", [])
    assert code == INTERNAL
    assert msg.startswith("[one.user.allocate] ")
    assert "NAME is already taken" in msg
    g = uniq("g")
    admin.ok("one.group.allocate", g)
    code, msg = admin.fail("one.group.allocate", g)
    assert code == INTERNAL and "NAME is already taken" in msg


@pytest.mark.parametrize("name", ["", "has space", "a:b", "x" * 129, "a<b", 'a"b', "a&b",
                                  "a/b", "a#b", "tab\there", "new\nline"])
def test_allocate_invalid_user_names(admin, name):
    before = pool(admin, "user")
    code, msg = admin.fail("one.user.allocate", name, "pw", "core", [])
    assert code == INTERNAL
    assert msg.startswith("[one.user.allocate] Invalid NAME")
    assert pool(admin, "user").keys() == before.keys()


@pytest.mark.parametrize("name", ["", "has space", "a:b", "a<b"])
def test_allocate_invalid_group_names(admin, name):
    before = pool(admin, "group")
    code, msg = admin.fail("one.group.allocate", name)
    assert code == INTERNAL
    assert msg.startswith("[one.group.allocate] Invalid NAME")
    assert pool(admin, "group").keys() == before.keys()


@pytest.mark.parametrize("password", ["", "with space", "tab\tx"])
def test_allocate_invalid_passwords(admin, uniq, password):
    name = uniq("user")
    _, msg = admin.fail("one.user.allocate", name, password, "core", [])
    assert "Invalid password" in msg
    assert name not in [u.findtext("NAME") for u in pool(admin, "user").values()]


def test_max_length_name_is_accepted(oned, admin):
    name = "n" * 128
    uid = admin.ok("one.user.allocate", name, "pw", "core", [])
    assert user_doc(admin, uid).findtext("NAME") == name
    assert oned.call("one.user.info", -1, auth=f"{name}:pw")[0] is True


# ---- passwords and login tokens -----------------------------------------------

def test_passwd_old_password_refused_new_works(oned, admin, uniq):
    uid, name = new_user(admin, uniq, password="old")
    assert oned.call("one.user.info", -1, auth=f"{name}:old")[0] is True   # now cached
    before = user_doc(admin, uid).findtext("PASSWORD")
    assert admin.call("one.user.passwd", uid, "new") == [True, uid, 0]
    assert user_doc(admin, uid).findtext("PASSWORD") != before
    r = oned.call("one.user.info", -1, auth=f"{name}:old")
    assert r[:3] == [False, "[one.user.info] User couldn't be authenticated, aborting call.",
                     AUTHENTICATION]
    assert oned.call("one.user.info", -1, auth=f"{name}:new")[0] is True
    # A user may change its own password.
    me = oned.proxy(name, "new")
    assert me.call("one.user.passwd", uid, "mine") == [True, uid, 0]
    assert oned.call("one.user.info", -1, auth=f"{name}:mine")[0] is True


def test_passwd_rejects_invalid_password(oned, admin, uniq):
    uid, name = new_user(admin, uniq)
    _, msg = admin.fail("one.user.passwd", uid, "")
    assert "Invalid password" in msg
    _, msg = admin.fail("one.user.passwd", uid, "a b")
    assert "Invalid password" in msg
    assert oned.call("one.user.info", -1, auth=f"{name}:pw")[0] is True


def test_login_token_authenticates_and_revokes(oned, admin, uniq):
    uid, name = new_user(admin, uniq)
    me = oned.proxy(name, "pw")
    token = me.ok("one.user.login", name, "", 60, -1)
    assert isinstance(token, str) and len(token) >= 16 and ":" not in token
    as_token = oned.proxy(name, token)
    u = xml(as_token.ok("one.user.info", -1))
    assert u.findtext("ID") == str(uid)
    tok = u.find("LOGIN_TOKEN")
    assert tok is not None and tok.findtext("TOKEN") == token
    assert tok.findtext("EGID") == "-1"

    # valid = 0 revokes that token.
    assert me.ok("one.user.login", name, token, 0, -1) is not None
    r = as_token.call("one.user.info", -1)
    assert r[0] is False and r[2] == AUTHENTICATION
    assert xml(me.ok("one.user.info", -1)).find("LOGIN_TOKEN") is None


def test_login_token_for_another_user_needs_rights(oned, admin, uniq):
    _, alice = new_user(admin, uniq)
    _, bob = new_user(admin, uniq)
    code, msg = oned.proxy(alice, "pw").fail("one.user.login", bob, "", 60, -1)
    assert code == AUTHORIZATION and "Not authorized to perform" in msg
    # oneadmin may mint one for anybody.
    token = admin.ok("one.user.login", bob, "", 60, -1)
    assert oned.call("one.user.info", -1, auth=f"{bob}:{token}")[0] is True


def test_passwd_ends_login_tokens(oned, admin, uniq):
    uid, name = new_user(admin, uniq)
    token = oned.proxy(name, "pw").ok("one.user.login", name, "", 60, -1)
    assert oned.call("one.user.info", -1, auth=f"{name}:{token}")[0] is True
    admin.ok("one.user.passwd", uid, "changed")
    r = oned.call("one.user.info", -1, auth=f"{name}:{token}")
    assert r[0] is False and r[2] == AUTHENTICATION


def test_login_token_scoped_to_a_group(oned, admin, uniq):
    g1 = admin.ok("one.group.allocate", uniq("g"))
    g2 = admin.ok("one.group.allocate", uniq("g"))
    uid, name = new_user(admin, uniq, groups=[g1, g2])
    me = oned.proxy(name, "pw")
    assert sorted(pool(me, "group")) == sorted([g1, g2])

    token = me.ok("one.user.login", name, "", 60, g2)
    scoped = oned.proxy(name, token)
    # The session acts with g2 only.
    assert sorted(pool(scoped, "group")) == [g2]
    assert scoped.ok("one.group.info", g2)
    code, msg = scoped.fail("one.group.info", g1)
    assert code == AUTHORIZATION and "Not authorized to perform" in msg
    assert scoped.ok("one.user.info", -1)
    tok = xml(admin.ok("one.user.info", uid)).find("LOGIN_TOKEN")
    assert tok.findtext("EGID") == str(g2)

    # The caller's group is the scoped one.
    assert xml(scoped.ok("one.group.info", -1)).findtext("ID") == str(g2)
    assert xml(me.ok("one.group.info", -1)).findtext("ID") == str(g1)
    # A scoped session cannot mint a token for all groups.
    code, _ = scoped.fail("one.user.login", name, "", 60, -1)
    assert code == ACTION
    # Not a member: refused.
    code, _ = me.fail("one.user.login", name, "", 60, 1)
    assert code != 0
    # Leaving the group ends the scoped token.
    admin.ok("one.user.delgroup", uid, g2)
    r = scoped.call("one.user.info", -1)
    assert r[0] is False and r[2] == AUTHENTICATION


# ---- group membership -----------------------------------------------------------

def test_chgrp_addgroup_delgroup(oned, admin, uniq):
    g1 = admin.ok("one.group.allocate", uniq("g"))
    g2 = admin.ok("one.group.allocate", uniq("g"))
    uid, _ = new_user(admin, uniq)

    assert admin.call("one.user.chgrp", uid, g1) == [True, uid, 0]
    u = user_doc(admin, uid)
    assert u.findtext("GID") == str(g1)
    assert u.findtext("GNAME") == group_doc(admin, g1).findtext("NAME")
    assert ids(u, "GROUPS") == [g1]                    # old primary (users) left
    assert uid not in ids(group_doc(admin, 1), "USERS")
    assert uid in ids(group_doc(admin, g1), "USERS")

    assert admin.call("one.user.addgroup", uid, g2) == [True, uid, 0]
    assert sorted(ids(user_doc(admin, uid), "GROUPS")) == sorted([g1, g2])
    assert uid in ids(group_doc(admin, g2), "USERS")
    assert user_doc(admin, uid).findtext("GID") == str(g1)
    code, _ = admin.fail("one.user.addgroup", uid, g2)      # already a member
    assert code == ACTION

    # The primary group cannot be removed.
    code, msg = admin.fail("one.user.delgroup", uid, g1)
    assert code == ACTION
    assert "primary group" in msg
    assert uid in ids(group_doc(admin, g1), "USERS")

    assert admin.call("one.user.delgroup", uid, g2) == [True, uid, 0]
    assert ids(user_doc(admin, uid), "GROUPS") == [g1]
    assert uid not in ids(group_doc(admin, g2), "USERS")

    # chgrp to a secondary group keeps the old primary as a secondary one.
    admin.ok("one.user.addgroup", uid, g2)
    admin.ok("one.user.chgrp", uid, g2)
    u = user_doc(admin, uid)
    assert u.findtext("GID") == str(g2)
    assert sorted(ids(u, "GROUPS")) == sorted([g1, g2])
    assert uid in ids(group_doc(admin, g1), "USERS")

    code, msg = admin.fail("one.user.chgrp", uid, 9999)
    assert code == NO_EXISTS and "Error getting group [9999]." in msg


def test_user_switches_among_own_groups_only(oned, admin, uniq):
    g1 = admin.ok("one.group.allocate", uniq("g"))
    g2 = admin.ok("one.group.allocate", uniq("g"))
    other = admin.ok("one.group.allocate", uniq("g"))
    uid, name = new_user(admin, uniq, groups=[g1, g2])
    me = oned.proxy(name, "pw")
    assert me.call("one.user.chgrp", uid, g2) == [True, uid, 0]
    code, msg = me.fail("one.user.chgrp", uid, other)
    assert code == AUTHORIZATION and "Not authorized to perform" in msg
    assert user_doc(admin, uid).findtext("GID") == str(g2)


def test_oneadmin_cannot_leave_oneadmin_group(admin, uniq):
    g = admin.ok("one.group.allocate", uniq("g"))
    admin.fail("one.user.chgrp", 0, g)
    assert user_doc(admin, 0).findtext("GID") == "0"


def test_group_ids_grow_and_delete_rules(oned, admin, uniq):
    a = admin.ok("one.group.allocate", uniq("g"))
    b = admin.ok("one.group.allocate", uniq("g"))
    assert a >= 100 and b == a + 1

    uid, _ = new_user(admin, uniq, groups=[b])
    code, msg = admin.fail("one.group.delete", b)
    assert code == ACTION
    assert b in pool(admin, "group")

    admin.ok("one.user.chgrp", uid, 1)
    assert admin.call("one.group.delete", b) == [True, b, 0]
    assert b not in pool(admin, "group")
    code, msg = admin.fail("one.group.info", b)
    assert code == NO_EXISTS and msg == f"[one.group.info] Error getting group [{b}]."
    # Ids are not reused.
    assert admin.ok("one.group.allocate", uniq("g")) == b + 1


@pytest.mark.parametrize("gid", [0, 1])
def test_system_groups_cannot_be_deleted(admin, gid):
    code, _ = admin.fail("one.group.delete", gid)
    assert code == ACTION
    assert gid in pool(admin, "group")


def test_oneadmin_cannot_be_deleted_or_disabled(oned, admin):
    code, _ = admin.fail("one.user.delete", 0)
    assert code == ACTION
    admin.fail("one.user.enable", 0, False)
    assert user_doc(admin, 0).findtext("ENABLED") == "1"
    assert admin.ok("one.system.version") == "7.0.0"


def test_user_delete(oned, admin, uniq):
    g = admin.ok("one.group.allocate", uniq("g"))
    uid, name = new_user(admin, uniq, groups=[g, 1])
    assert oned.call("one.user.info", -1, auth=f"{name}:pw")[0] is True     # cached
    assert admin.call("one.user.delete", uid) == [True, uid, 0]
    assert uid not in pool(admin, "user")
    assert uid not in ids(group_doc(admin, g), "USERS")
    assert uid not in ids(group_doc(admin, 1), "USERS")
    r = oned.call("one.user.info", -1, auth=f"{name}:pw")
    assert r[0] is False and r[2] == AUTHENTICATION
    code, msg = admin.fail("one.user.info", uid)
    assert code == NO_EXISTS and msg == f"[one.user.info] Error getting user [{uid}]."
    # The group can go now.
    admin.ok("one.group.delete", g)
    # A new user of the same name does not inherit anything.
    uid2 = admin.ok("one.user.allocate", name, "other", "core", [])
    assert uid2 > uid
    assert oned.call("one.user.info", -1, auth=f"{name}:pw")[0] is False
    assert xml(oned.proxy(name, "other").ok("one.user.info", -1)).findtext("ID") == str(uid2)


def test_password_may_contain_colons(oned, admin, uniq):
    uid, name = new_user(admin, uniq, password="pa:ss:word")
    assert oned.call("one.user.info", -1, auth=f"{name}:pa:ss:word")[0] is True
    assert oned.call("one.user.info", -1, auth=f"{name}:pa")[0] is False


def test_group_addadmin_deladmin(oned, admin, uniq):
    g = admin.ok("one.group.allocate", uniq("g"))
    member, _ = new_user(admin, uniq, groups=[g])
    outsider, _ = new_user(admin, uniq)
    assert admin.call("one.group.addadmin", g, member) == [True, g, 0]
    assert ids(group_doc(admin, g), "ADMINS") == [member]
    code, _ = admin.fail("one.group.addadmin", g, outsider)
    assert code == ACTION
    assert admin.call("one.group.deladmin", g, member) == [True, g, 0]
    assert ids(group_doc(admin, g), "ADMINS") == []


# ---- templates, enable, auth driver ----------------------------------------------

def template(admin, uid):
    t = user_doc(admin, uid).find("TEMPLATE")
    return {c.tag: c.text for c in t}


def test_user_update_replace_and_merge(oned, admin, uniq):
    uid, name = new_user(admin, uniq)
    assert admin.call("one.user.update", uid, 'EMAIL="a@example.com"\nLANG="en"', 0) == \
        [True, uid, 0]
    t = template(admin, uid)
    assert t == {"EMAIL": "a@example.com", "LANG": "en"}

    # Merge: named attributes replaced, the others kept.
    assert admin.call("one.user.update", uid, 'LANG="fr"\nSHELL="sh"', 1) == [True, uid, 0]
    assert template(admin, uid) == {"EMAIL": "a@example.com", "LANG": "fr", "SHELL": "sh"}

    # Replace: the whole template.
    admin.ok("one.user.update", uid, 'ONLY="1"', 0)
    assert template(admin, uid) == {"ONLY": "1"}

    # Type defaults to replace.
    admin.ok("one.user.update", uid, 'DEF="x"')
    assert template(admin, uid) == {"DEF": "x"}

    # A user may update its own template.
    assert oned.proxy(name, "pw").call("one.user.update", uid, 'MINE="y"', 1) == [True, uid, 0]
    assert template(admin, uid) == {"DEF": "x", "MINE": "y"}


def test_update_merge_details(admin, uniq):
    uid, _ = new_user(admin, uniq)
    admin.ok("one.user.update", uid, 'lower="x"\nVEC=[ a="1" ]\nGONE=[ B="1" ]\nKEEP="k"', 0)
    t = user_doc(admin, uid).find("TEMPLATE")
    assert [c.tag for c in t] == ["GONE", "KEEP", "LOWER", "VEC"]    # names upper-cased
    assert t.findtext("VEC/A") == "1"
    # An empty vector deletes the attribute; nothing else changes.
    admin.ok("one.user.update", uid, "GONE=[]", 1)
    assert [c.tag for c in user_doc(admin, uid).find("TEMPLATE")] == ["KEEP", "LOWER", "VEC"]
    # An empty merge changes nothing; an empty replace clears.
    admin.ok("one.user.update", uid, "", 1)
    assert [c.tag for c in user_doc(admin, uid).find("TEMPLATE")] == ["KEEP", "LOWER", "VEC"]
    admin.ok("one.user.update", uid, "", 0)
    assert list(user_doc(admin, uid).find("TEMPLATE")) == []


@pytest.mark.parametrize("kind", ["user", "group"])
def test_update_bad_type(admin, uniq, kind):
    oid = (new_user(admin, uniq)[0] if kind == "user"
           else admin.ok("one.group.allocate", uniq("g")))
    admin.ok(f"one.{kind}.update", oid, 'A="1"', 0)
    for bad in (2, -1, 99):
        code, msg = admin.fail(f"one.{kind}.update", oid, 'B="2"', bad)
        assert code == RPC_API
        assert msg.startswith(f"[one.{kind}.update] ")
    doc = xml(admin.ok(f"one.{kind}.info", oid))
    assert [c.tag for c in doc.find("TEMPLATE")] == ["A"]


def test_group_update_merge(admin, uniq):
    g = admin.ok("one.group.allocate", uniq("g"))
    assert admin.call("one.group.update", g, "A=1", 0) == [True, g, 0]
    assert admin.call("one.group.update", g,
                      "FIREEDGE=[GROUP_ADMIN_VIEWS=groupadmin,\nGROUP_ADMIN_DEFAULT_VIEW=groupadmin]\n",
                      1) == [True, g, 0]
    t = group_doc(admin, g).find("TEMPLATE")
    assert [c.tag for c in t] == ["A", "FIREEDGE"]
    assert t.findtext("FIREEDGE/GROUP_ADMIN_VIEWS") == "groupadmin"


def test_update_unparsable_template_fails(admin, uniq):
    uid, _ = new_user(admin, uniq)
    admin.ok("one.user.update", uid, 'A="1"', 0)
    r = admin.call("one.user.update", uid, 'A = [ unterminated', 0)
    assert r[0] is False and len(r) == 5
    assert template(admin, uid) == {"A": "1"}


def test_disabled_user_cannot_authenticate(oned, admin, uniq):
    uid, name = new_user(admin, uniq)
    me = oned.proxy(name, "pw")
    assert me.ok("one.user.info", -1)                       # cached session
    assert admin.call("one.user.enable", uid, False) == [True, uid, 0]
    assert user_doc(admin, uid).findtext("ENABLED") == "0"
    r = me.call("one.user.info", -1)
    assert r[:3] == [False, "[one.user.info] User couldn't be authenticated, aborting call.",
                     AUTHENTICATION]
    assert admin.call("one.user.enable", uid, True) == [True, uid, 0]
    assert me.ok("one.user.info", -1)


def test_user_cannot_enable_or_delete_itself(oned, admin, uniq):
    uid, name = new_user(admin, uniq)
    me = oned.proxy(name, "pw")
    code, _ = me.fail("one.user.enable", uid, False)
    assert code == AUTHORIZATION
    code, _ = me.fail("one.user.delete", uid)
    assert code == AUTHORIZATION
    assert uid in pool(admin, "user")


def test_chauth(oned, admin, uniq):
    uid, name = new_user(admin, uniq)
    assert admin.call("one.user.chauth", uid, "public", "") == [True, uid, 0]
    assert user_doc(admin, uid).findtext("AUTH_DRIVER") == "public"
    r = oned.call("one.user.info", -1, auth=f"{name}:pw")
    assert r[0] is False and r[2] == AUTHENTICATION

    # Back to core with a new password.
    assert admin.call("one.user.chauth", uid, "core", "fresh") == [True, uid, 0]
    assert user_doc(admin, uid).findtext("AUTH_DRIVER") == "core"
    assert oned.call("one.user.info", -1, auth=f"{name}:fresh")[0] is True
    assert oned.call("one.user.info", -1, auth=f"{name}:pw")[0] is False

    # Without a password the old one is kept.
    admin.ok("one.user.chauth", uid, "core", "")
    assert oned.call("one.user.info", -1, auth=f"{name}:fresh")[0] is True

    # Unknown driver: refused, nothing changed.
    admin.fail("one.user.chauth", uid, "nosuchdriver", "")
    assert user_doc(admin, uid).findtext("AUTH_DRIVER") == "core"
    # Only admins may change it.
    code, _ = oned.proxy(name, "fresh").fail("one.user.chauth", uid, "core", "x")
    assert code == AUTHORIZATION


def test_login_token_expires(oned, admin, uniq):
    uid, name = new_user(admin, uniq)
    token = admin.ok("one.user.login", name, "", 1, -1)
    assert oned.call("one.user.info", -1, auth=f"{name}:{token}")[0] is True
    deadline = time.monotonic() + 5
    while oned.call("one.user.info", -1, auth=f"{name}:{token}")[0] is True:
        assert time.monotonic() < deadline, "a 1 s token still works after 5 s"
        time.sleep(0.1)
    assert oned.call("one.user.info", -1, auth=f"{name}:pw")[0] is True


def test_login_token_renew(oned, admin, uniq):
    uid, name = new_user(admin, uniq)
    token = admin.ok("one.user.login", name, "", 60, -1)
    first = int(user_doc(admin, uid).findtext("LOGIN_TOKEN/EXPIRATION_TIME"))
    assert admin.ok("one.user.login", name, token, 3600, -1) == token
    toks = user_doc(admin, uid).findall("LOGIN_TOKEN")
    assert len(toks) == 1
    assert int(toks[0].findtext("EXPIRATION_TIME")) >= first + 3000
    assert oned.call("one.user.info", -1, auth=f"{name}:{token}")[0] is True


def test_login_tokens_are_limited(oned, admin, uniq):
    uid, name = new_user(admin, uniq)
    tokens = [admin.ok("one.user.login", name, "", 600, -1) for _ in range(10)]
    assert len(set(tokens)) == 10
    code, msg = admin.fail("one.user.login", name, "", 600, -1)
    assert code == ACTION
    assert len(user_doc(admin, uid).findall("LOGIN_TOKEN")) == 10
    # Revoking all (empty token, valid 0) makes room again.
    admin.ok("one.user.login", name, "", 0, -1)
    assert user_doc(admin, uid).findall("LOGIN_TOKEN") == []
    for t in tokens[:2]:
        assert oned.call("one.user.info", -1, auth=f"{name}:{t}")[0] is False
    assert admin.ok("one.user.login", name, "", 600, -1)


def test_disabled_user_token_refused(oned, admin, uniq):
    uid, name = new_user(admin, uniq)
    token = admin.ok("one.user.login", name, "", 600, -1)
    admin.ok("one.user.enable", uid, False)
    r = oned.call("one.user.info", -1, auth=f"{name}:{token}")
    assert r[0] is False and r[2] == AUTHENTICATION
    admin.ok("one.user.enable", uid, True)
    assert oned.call("one.user.info", -1, auth=f"{name}:{token}")[0] is True


def test_max_token_time(make_oned):
    d = make_oned(conf={"MAX_TOKEN_TIME": 100})
    before = time.time()
    d.admin.ok("one.user.login", "oneadmin", "", -1, -1)          # "forever", capped
    d.admin.ok("one.user.login", "oneadmin", "", 100000, -1)
    for t in xml(d.admin.ok("one.user.info", 0)).findall("LOGIN_TOKEN"):
        exp = int(t.findtext("EXPIRATION_TIME"))
        assert before + 90 <= exp <= time.time() + 101

    d = make_oned(conf={"MAX_TOKEN_TIME": 0})
    code, _ = d.admin.fail("one.user.login", "oneadmin", "", 60, -1)
    assert code == ACTION


def test_serveradmin_delegation(oned, admin, uniq):
    """serveradmin:<user>[:<egid>]:<serveradmin secret> runs the call as <user>."""
    secret = (oned.var / ".one" / "sunstone_auth").read_text().strip().split(":", 1)[1]
    g = admin.ok("one.group.allocate", uniq("g"))
    uid, name = new_user(admin, uniq, groups=[1, g])
    as_user = oned.session(f"serveradmin:{name}:{secret}")
    assert user_doc(as_user, -1).findtext("ID") == str(uid)
    assert sorted(pool(as_user, "group")) == sorted([1, g])
    code, _ = as_user.fail("one.user.info", 0)
    assert code == AUTHORIZATION                 # with the user's rights, not serveradmin's
    scoped = oned.session(f"serveradmin:{name}:{g}:{secret}")
    assert sorted(pool(scoped, "group")) == [g]
    for bad in (f"serveradmin:{name}:wrong", f"serveradmin:{name}:0:{secret}",
                f"serveradmin:nosuchuser:{secret}"):
        r = oned.call("one.user.info", -1, auth=bad)
        assert r[0] is False and r[2] == AUTHENTICATION, bad
    # Only a server driver delegates: a core user's "a:b:c" is just a password.
    r = oned.call("one.user.info", -1, auth=f"{name}:{name}:{secret}")
    assert r[0] is False and r[2] == AUTHENTICATION
