"""Error codes, messages and the response envelope (reference §1.3-1.5,
client-contract §1 "Wire format facts")."""

import re
import xmlrpc.client

import pytest

from harness import AUTHENTICATION, AUTHORIZATION, NO_EXISTS

AUTH_FAILED = "User couldn't be authenticated, aborting call."


@pytest.fixture(scope="module")
def alice(oned, admin, uniq):
    name = uniq("alice")
    uid = admin.ok("one.user.allocate", name, "pw", "core", [])
    return uid, oned.proxy(name, "pw")


def test_bad_password_exact_envelope(oned, admin, uniq):
    # A dedicated user: failures count towards its throttling.
    name = uniq("victim")
    admin.ok("one.user.allocate", name, "right", "core", [])
    r = oned.call("one.user.info", -1, auth=f"{name}:wrong")
    assert r == [False, f"[one.user.info] {AUTH_FAILED}", 256, -1, 0]
    assert len(r) == 5


def envelope_types(body):
    """[(type, text)] of the values of a response's result array."""
    data = body.decode().split("<data>", 1)[1].rsplit("</data>", 1)[0]
    return re.findall(r"<value><(\w+)>(.*?)</\1></value>", data, re.S)


def test_failure_wire_types(oned, uniq, admin):
    """[boolean, string, i4 code, i4 resp_id, i8 0], as xmlrpc-c writes it."""
    name = uniq("victim")
    admin.ok("one.user.allocate", name, "right", "core", [])
    with oned.raw() as h:
        status, headers, body = h.request(
            body=xmlrpc.client.dumps((f"{name}:wrong", -1), "one.user.info"))
    assert status == 200
    got = envelope_types(body)
    assert [t for t, _ in got] == ["boolean", "string", "i4", "i4", "i8"]
    assert [v for t, v in got if t != "string"] == ["0", "256", "-1", "0"]


def test_success_wire_types(oned):
    with oned.raw() as h:
        status, headers, body = h.request(
            body=xmlrpc.client.dumps((oned.admin_session,), "one.system.version"))
    assert envelope_types(body) == [("boolean", "1"), ("string", "7.0.0"), ("i4", "0")]


@pytest.mark.parametrize("session", ["nosuchuser:pw", "nocolon", "", ":pw", "oneadmin",
                                     "nosuchuser:"])
def test_bad_sessions_are_authentication_errors(oned, session):
    for method, args in [("one.user.info", (-1,)), ("one.system.version", ()),
                         ("one.userpool.info", ()), ("one.user.allocate", ("x", "y", "core", []))]:
        r = oned.call(method, *args, auth=session)
        assert r == [False, f"[{method}] {AUTH_FAILED}", AUTHENTICATION, -1, 0], (method, r)


def test_wrong_password_and_unknown_user_look_the_same(oned, admin, uniq):
    name = uniq("victim")
    admin.ok("one.user.allocate", name, "right", "core", [])
    a = oned.call("one.user.info", -1, auth=f"{name}:definitely-wrong")
    b = oned.call("one.user.info", -1, auth=f"{uniq('ghost')}:definitely-wrong")
    assert a == b == [False, f"[one.user.info] {AUTH_FAILED}", AUTHENTICATION, -1, 0]


def test_missing_objects(admin):
    assert admin.call("one.user.info", 99) == \
        [False, "[one.user.info] Error getting user [99].", NO_EXISTS, 99, 0]
    assert admin.call("one.group.info", 999) == \
        [False, "[one.group.info] Error getting group [999].", NO_EXISTS, 999, 0]
    for method, args, msg in [
            ("one.user.delete", (99,), "Error getting user [99]."),
            ("one.user.passwd", (99, "x"), "Error getting user [99]."),
            ("one.user.update", (99, "A=1", 0), "Error getting user [99]."),
            ("one.user.chgrp", (99, 1), "Error getting user [99]."),
            ("one.user.enable", (99, True), "Error getting user [99]."),
            ("one.group.delete", (999,), "Error getting group [999]."),
            ("one.group.update", (999, "A=1", 0), "Error getting group [999]."),
            ("one.group.addadmin", (999, 0), "Error getting group [999]."),
            ("one.zone.info", (7,), "Error getting zone [7].")]:
        code, text = admin.fail(method, *args)
        assert code == NO_EXISTS, (method, code)
        assert text == f"[{method}] {msg}"


@pytest.mark.parametrize("method,args", [
    ("one.user.info", (0,)),
    ("one.user.delete", (0,)),
    ("one.user.passwd", (0, "hijack")),
    ("one.user.update", (0, 'X="1"', 1)),
    ("one.user.chgrp", (0, 1)),
    ("one.user.enable", (0, False)),
    ("one.user.chauth", (0, "public", "")),
    ("one.group.allocate", ("mine",)),
    ("one.user.allocate", ("mine", "pw", "core", [])),
    ("one.group.info", (0,)),
    ("one.group.delete", (1,)),
    ("one.group.update", (1, 'X="1"', 1)),
    ("one.group.addadmin", (0, 0)),
])
def test_not_authorized(alice, admin, method, args):
    uid, me = alice
    before = admin.ok("one.user.info", 0)
    r = me.call(method, *args)
    assert r[0] is False and len(r) == 5, r
    assert r[2] == AUTHORIZATION, r
    assert r[1].startswith(f"[{method}] User [{uid}] : Not authorized to perform "), r
    assert r[4] == 0
    assert admin.ok("one.user.info", 0) == before


def test_success_envelope_has_three_elements(oned, admin, alice):
    uid, me = alice
    for session, method, args in [(admin, "one.system.version", ()),
                                  (admin, "one.user.info", (0,)),
                                  (admin, "one.userpool.info", ()),
                                  (me, "one.user.info", (-1,)),
                                  (me, "one.grouppool.info", ())]:
        r = session.call(method, *args)
        assert len(r) == 3 and r[0] is True and r[2] == 0, (method, r)
        assert isinstance(r[1], str)


def test_actions_return_the_object_id(oned, admin, uniq):
    gid = admin.ok("one.group.allocate", uniq("acts"))
    g2 = admin.ok("one.group.allocate", uniq("acts"))
    name = uniq("acts")
    uid = admin.call("one.user.allocate", name, "pw", "core", [gid])
    assert uid[0] is True and isinstance(uid[1], int) and uid[1:] == [uid[1], 0]
    uid = uid[1]
    for method, args, expect in [
            ("one.user.passwd", (uid, "pw2"), uid),
            ("one.user.update", (uid, 'A="1"', 0), uid),
            ("one.user.addgroup", (uid, g2), uid),
            ("one.user.chgrp", (uid, g2), uid),
            ("one.user.delgroup", (uid, gid), uid),
            ("one.user.enable", (uid, False), uid),
            ("one.user.enable", (uid, True), uid),
            ("one.user.chauth", (uid, "core", "pw3"), uid),
            ("one.group.update", (g2, 'B="2"', 1), g2),
            ("one.group.addadmin", (g2, uid), g2),
            ("one.group.deladmin", (g2, uid), g2),
            ("one.user.chgrp", (uid, 1), uid),
            ("one.user.delete", (uid,), uid),
            ("one.group.delete", (g2,), g2),
            ("one.group.delete", (gid,), gid)]:
        assert admin.call(method, *args) == [True, expect, 0], method
