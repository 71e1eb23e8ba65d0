"""XML documents shaped as OpenNebula's clients read them (client-contract §3,
reference §3.0-3.2, §3.12)."""

import re

import pytest

from harness import ids, xml

QUOTAS = ["DATASTORE_QUOTA", "NETWORK_QUOTA", "VM_QUOTA", "IMAGE_QUOTA"]
USER_ORDER = ["ID", "GID", "GROUPS", "GNAME", "NAME", "PASSWORD", "AUTH_DRIVER", "ENABLED"]
GROUP_ORDER = ["ID", "NAME", "TEMPLATE", "USERS", "ADMINS"] + QUOTAS + ["DEFAULT_GROUP_QUOTAS"]


def tags(elem):
    return [c.tag for c in elem]


def squeeze(seq):
    """Consecutive repeats collapsed: [A, B, B, C] -> [A, B, C]."""
    out = []
    for x in seq:
        if not out or out[-1] != x:
            out.append(x)
    return out


@pytest.fixture(scope="module")
def alice(admin, uniq):
    """(uid, name, password) of a user in two groups."""
    g1 = admin.ok("one.group.allocate", uniq("docs"))
    g2 = admin.ok("one.group.allocate", uniq("docs"))
    name, pw = uniq("alice"), "Secret-Cleartext-42"
    uid = admin.ok("one.user.allocate", name, pw, "core", [g1, g2])
    return uid, name, pw, g1, g2


def test_user_info_document(admin, alice):
    uid, name, pw, g1, g2 = alice
    text = admin.ok("one.user.info", uid)
    assert text.startswith("<USER><ID>") and text.endswith("</USER>")   # no declaration
    u = xml(text)
    assert tags(u) == USER_ORDER + ["TEMPLATE"] + QUOTAS + ["DEFAULT_USER_QUOTAS"]
    assert u.findtext("ID") == str(uid)
    assert u.findtext("GID") == str(g1)
    assert sorted(ids(u, "GROUPS")) == sorted([g1, g2])
    assert u.findtext("NAME") == name
    assert u.findtext("AUTH_DRIVER") == "core"
    assert u.findtext("ENABLED") == "1"
    assert tags(u.find("DEFAULT_USER_QUOTAS")) == QUOTAS
    # No owner/permission block on users.
    for absent in ("UID", "UNAME", "PERMISSIONS"):
        assert u.find(absent) is None
    # PASSWORD and AUTH_DRIVER are CDATA.
    assert re.search(r"<PASSWORD><!\[CDATA\[[^\]<>]+\]\]></PASSWORD>", text)
    assert "<AUTH_DRIVER><![CDATA[core]]></AUTH_DRIVER>" in text


def test_user_info_with_login_token(oned, admin, alice):
    uid, name, pw, _, _ = alice
    token = oned.proxy(name, pw).ok("one.user.login", name, "", 300, -1)
    u = xml(admin.ok("one.user.info", uid))
    assert squeeze(tags(u)) == USER_ORDER + ["LOGIN_TOKEN", "TEMPLATE"] + QUOTAS + \
        ["DEFAULT_USER_QUOTAS"]
    t = u.find("LOGIN_TOKEN")
    assert tags(t) == ["TOKEN", "EXPIRATION_TIME", "EGID"]
    assert t.findtext("TOKEN") == token
    assert int(t.findtext("EXPIRATION_TIME")) > 0
    assert t.findtext("EGID") == "-1"


def test_password_is_never_shown_in_clear(oned, admin, alice):
    uid, name, pw, _, _ = alice
    stored = xml(admin.ok("one.user.info", uid)).findtext("PASSWORD")
    assert stored and pw not in stored
    for session, method, args in [(admin, "one.user.info", (uid,)),
                                  (admin, "one.userpool.info", ()),
                                  (oned.proxy(name, pw), "one.user.info", (-1,)),
                                  (oned.proxy(name, pw), "one.userpool.info", ())]:
        assert pw not in session.ok(method, *args)
    # After a change too.
    admin.ok("one.user.passwd", uid, "Another-Cleartext-43")
    assert "Another-Cleartext-43" not in admin.ok("one.user.info", uid)
    admin.ok("one.user.passwd", uid, pw)


def test_user_pool_document(admin, alice):
    text = admin.ok("one.userpool.info")
    root = xml(text)
    assert root.tag == "USER_POOL"
    children = tags(root)
    assert children[-1] == "DEFAULT_USER_QUOTAS"
    assert tags(root[-1]) == QUOTAS
    assert set(children[:-1]) <= {"USER", "QUOTAS"}
    for u in root.findall("USER"):
        # The pool's USER has no quota blocks inside.
        assert squeeze(tags(u)) in (USER_ORDER + ["TEMPLATE"],
                                    USER_ORDER + ["LOGIN_TOKEN", "TEMPLATE"])
    # A QUOTAS sibling, when present, follows its USER and names it.
    for i, c in enumerate(root):
        if c.tag == "QUOTAS":
            assert root[i - 1].tag == "USER"
            assert c.findtext("ID") == root[i - 1].findtext("ID")


def test_group_info_document(admin, alice, uniq):
    uid, _, _, g1, _ = alice
    admin.ok("one.group.addadmin", g1, uid)
    text = admin.ok("one.group.info", g1)
    assert text.startswith("<GROUP><ID>") and text.endswith("</GROUP>")
    g = xml(text)
    assert tags(g) == GROUP_ORDER
    assert g.findtext("ID") == str(g1)
    assert ids(g, "USERS") == [uid]
    assert ids(g, "ADMINS") == [uid]
    assert tags(g.find("DEFAULT_GROUP_QUOTAS")) == QUOTAS

    # Empty collections and templates are present and empty.
    empty = admin.ok("one.group.info", admin.ok("one.group.allocate", uniq("empty")))
    for e in ("TEMPLATE", "USERS", "ADMINS") + tuple(QUOTAS):
        assert f"<{e}></{e}>" in empty or f"<{e}/>" in empty, e


def test_group_pool_document(admin, alice):
    uid, _, _, g1, g2 = alice
    root = xml(admin.ok("one.grouppool.info"))
    assert root.tag == "GROUP_POOL"
    assert tags(root)[-1] == "DEFAULT_GROUP_QUOTAS"
    assert tags(root[-1]) == QUOTAS
    groups = {int(g.findtext("ID")): g for g in root.findall("GROUP")}
    for g in groups.values():
        assert tags(g) == ["ID", "NAME", "TEMPLATE", "USERS", "ADMINS"]
    assert uid in ids(groups[g1], "USERS")
    assert uid in ids(groups[g2], "USERS")
    assert sorted(ids(groups[0], "USERS"))[:2] == [0, 1]


def test_zone_documents(admin):
    text = admin.ok("one.zone.info", 0)
    z = xml(text)
    assert z.tag == "ZONE"
    assert tags(z) == ["ID", "NAME", "STATE", "TEMPLATE", "SERVER_POOL"]
    assert z.findtext("ID") == "0"
    assert z.findtext("NAME") == "OpenNebula"
    assert z.findtext("STATE") == "0"
    assert z.findtext("TEMPLATE/ENDPOINT").endswith("/RPC2")
    assert re.search(r"<ENDPOINT><!\[CDATA\[http://[^\]]+/RPC2\]\]></ENDPOINT>", text)
    root = xml(admin.ok("one.zonepool.info"))
    assert root.tag == "ZONE_POOL"
    assert [zz.findtext("NAME") for zz in root.findall("ZONE")] == ["OpenNebula"]
    code, msg = admin.fail("one.zone.info", 5)
    assert msg == "[one.zone.info] Error getting zone [5]."


def test_template_values_are_cdata_in_alphabetical_order(admin, uniq):
    uid = admin.ok("one.user.allocate", uniq("tmpl"), "pw", "core", [])
    admin.ok("one.user.update", uid,
             'ZULU="last"\nALPHA="first"\nMIKE=[ YANKEE="y", BRAVO="b" ]\n'
             'ODD="a<b>&c \'q\' \\"dq\\""\nEMPTY=""\n', 0)
    text = admin.ok("one.user.info", uid)
    t = xml(text).find("TEMPLATE")
    assert tags(t) == sorted(tags(t)) == ["ALPHA", "EMPTY", "MIKE", "ODD", "ZULU"]
    assert tags(t.find("MIKE")) == ["BRAVO", "YANKEE"]
    assert "<ALPHA><![CDATA[first]]></ALPHA>" in text
    assert "<MIKE><BRAVO><![CDATA[b]]></BRAVO><YANKEE><![CDATA[y]]></YANKEE></MIKE>" in text
    assert t.findtext("ODD") == "a<b>&c 'q' \"dq\""
    assert (t.findtext("EMPTY") or "") == ""
    # Repeated names repeat the element.
    admin.ok("one.user.update", uid, 'DISK=[ID="1"]\nDISK=[ID="0"]\nA="x"', 0)
    t = xml(admin.ok("one.user.info", uid)).find("TEMPLATE")
    assert tags(t) == ["A", "DISK", "DISK"]
    assert sorted(d.findtext("ID") for d in t.findall("DISK")) == ["0", "1"]


def test_system_config_for_oneadmin_and_users(oned, admin, uniq):
    full = xml(admin.ok("one.system.config"))
    assert full.tag == "OPENNEBULA_CONFIGURATION"
    assert full.findtext("PORT") == str(oned.port)
    assert full.findtext("LISTEN_ADDRESS") == "127.0.0.1"
    assert full.findtext("DB/BACKEND") == "sqlite"
    assert full.findtext("DEFAULT_UMASK") == "177"
    assert full.findtext("PASSWORD_HASH_ITERATIONS") == "1000"   # the file's value

    name = uniq("cfg")
    admin.ok("one.user.allocate", name, "pw", "core", [])
    masked = xml(oned.proxy(name, "pw").ok("one.system.config"))
    assert masked.tag == "OPENNEBULA_CONFIGURATION"
    assert masked.findtext("DB/BACKEND") == "***"
    for k in ("SERVER", "PORT", "USER", "PASSWD", "DB_NAME"):
        v = masked.findtext(f"DB/{k}")
        assert v in (None, "***"), (k, v)
    # Everything else is the same.
    assert masked.findtext("PORT") == str(oned.port)
    assert masked.findtext("DEFAULT_UMASK") == "177"


def test_cdata_terminator_in_template_is_rejected(admin, uniq):
    uid = admin.ok("one.user.allocate", uniq("cdata"), "pw", "core", [])
    admin.ok("one.user.update", uid, 'KEEP="1"', 0)
    for text in ('A="x]]>y"', 'V=[ S="]]>" ]', 'A="]]><INJECTED/>"'):
        for kind in (0, 1):
            r = admin.call("one.user.update", uid, text, kind)
            assert r[0] is False, (text, r)
    doc = admin.ok("one.user.info", uid)
    assert [c.tag for c in xml(doc).find("TEMPLATE")] == ["KEEP"]
    xml(admin.ok("one.userpool.info"))          # still well-formed


def test_non_ascii_names_round_trip(oned, admin):
    for name in ("jos\u00e9", "\u7528\u6237", "emoji\U0001F600"):
        uid = admin.ok("one.user.allocate", name, "pw", "core", [])
        assert xml(admin.ok("one.user.info", uid)).findtext("NAME") == name
        assert oned.call("one.user.info", -1, auth=f"{name}:pw")[0] is True
        gid = admin.ok("one.group.allocate", "g-" + name)
        assert xml(admin.ok("one.group.info", gid)).findtext("NAME") == "g-" + name
    names = [u.findtext("NAME") for u in xml(admin.ok("one.userpool.info")).findall("USER")]
    assert "jos\u00e9" in names
