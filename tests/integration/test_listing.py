"""Pool listings: order and visibility (reference §2.0, §2.1, §2.3, §2.4).

The user, group and zone pools are the unfiltered kind: no filter flag and no
paging (a client's surplus (-2, -1, -1) is ignored), ordered newest first, and
filtered by what the caller may see.
"""

import pytest

from harness import xml


def listed(session, what, *args):
    root = xml(session.ok(f"one.{what}pool.info", *args))
    assert root.tag == f"{what.upper()}_POOL"
    return [int(e.findtext("ID")) for e in root.findall(what.upper())]


@pytest.fixture(scope="module")
def world(oned, admin, uniq):
    """Two groups, users in them, a user in both."""
    ga = admin.ok("one.group.allocate", uniq("la"))
    gb = admin.ok("one.group.allocate", uniq("lb"))
    users = {}
    for name, groups in [("a1", [ga]), ("a2", [ga]), ("b1", [gb]), ("ab", [ga, gb]),
                         ("plain", [])]:
        n = uniq(name)
        users[name] = (admin.ok("one.user.allocate", n, "pw", "core", groups), n)
    return {"ga": ga, "gb": gb, "users": users}


def as_user(oned, world, who):
    return oned.proxy(world["users"][who][1], "pw")


def test_lists_are_newest_first(admin, world):
    for what in ("user", "group"):
        got = listed(admin, what)
        assert got == sorted(got, reverse=True), what
        assert len(got) == len(set(got))


def test_ascending_order_when_configured(make_oned):
    d = make_oned(conf={"API_LIST_ORDER": "ASC"})
    d.admin.ok("one.user.allocate", "x", "pw", "core", [])
    d.admin.ok("one.group.allocate", "g")
    assert listed(d.admin, "user") == [0, 1, 2]
    assert listed(d.admin, "group") == [0, 1, 100]


def test_new_objects_come_first(admin, uniq):
    uid = admin.ok("one.user.allocate", uniq("newest"), "pw", "core", [])
    assert listed(admin, "user")[0] == uid
    gid = admin.ok("one.group.allocate", uniq("newest"))
    assert listed(admin, "group")[0] == gid


def test_oneadmin_sees_everything(admin, world):
    users = listed(admin, "user")
    for uid, _ in world["users"].values():
        assert uid in users
    assert {0, 1} <= set(users)
    groups = listed(admin, "group")
    assert {0, 1, world["ga"], world["gb"]} <= set(groups)
    # The counts agree with what info can reach one by one.
    for uid in users:
        assert admin.call("one.user.info", uid)[0] is True
    for gid in groups:
        assert admin.call("one.group.info", gid)[0] is True


@pytest.mark.parametrize("who", ["a1", "b1", "ab", "plain"])
def test_regular_user_sees_only_itself(oned, world, who):
    uid = world["users"][who][0]
    assert listed(as_user(oned, world, who), "user") == [uid]


@pytest.mark.parametrize("who,expected", [("a1", ["ga"]), ("b1", ["gb"]), ("ab", ["ga", "gb"]),
                                          ("plain", [1])])
def test_regular_user_sees_only_its_groups(oned, world, who, expected):
    want = sorted((world[g] if isinstance(g, str) else g for g in expected), reverse=True)
    assert listed(as_user(oned, world, who), "group") == want


def test_membership_changes_visibility(oned, admin, world, uniq):
    name = uniq("mover")
    uid = admin.ok("one.user.allocate", name, "pw", "core", [])
    me = oned.proxy(name, "pw")
    assert listed(me, "group") == [1]
    admin.ok("one.user.addgroup", uid, world["gb"])
    assert listed(me, "group") == sorted([1, world["gb"]], reverse=True)
    admin.ok("one.user.chgrp", uid, world["gb"])
    admin.ok("one.user.delgroup", uid, 1)
    assert listed(me, "group") == [world["gb"]]


def test_everybody_sees_the_zone(oned, world):
    assert listed(as_user(oned, world, "plain"), "zone") == [0]


def test_deleted_objects_leave_the_lists(admin, uniq):
    uid = admin.ok("one.user.allocate", uniq("gone"), "pw", "core", [])
    gid = admin.ok("one.group.allocate", uniq("gone"))
    admin.ok("one.user.delete", uid)
    admin.ok("one.group.delete", gid)
    assert uid not in listed(admin, "user")
    assert gid not in listed(admin, "group")


@pytest.mark.parametrize("what", ["user", "group", "zone"])
def test_unfiltered_pools_ignore_filter_and_paging_params(admin, world, what):
    """The Ruby CLI sends (filter, start, end) to every pool; unfiltered pools
    ignore them, whatever their value."""
    full = listed(admin, what)
    assert listed(admin, what, -2, -1, -1) == full
    assert listed(admin, what, -2, 0, -2) == full
    assert listed(admin, what, -99, 5, 3) == full
