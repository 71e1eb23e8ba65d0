"""VM templates over XML-RPC (reference §2.0, §2.1, §2.8, §3.9, §4.3, §5.3):
the VMTEMPLATE document byte for byte, permissions from the umask, names
unique per owner, update, clone, delete, rename, locks and the filtered pool.

Users that create templates are in group 1 ("users"): the bootstrap rule
`@1 VM+IMAGE+TEMPLATE+... CREATE *` lets them.
"""

import time
import xml.etree.ElementTree as ET

import pytest

from harness import ACTION, AUTHORIZATION, INTERNAL, NO_EXISTS, RPC_API, xml

PW = "pw"
ORDER = ["ID", "UID", "GID", "UNAME", "GNAME", "NAME", "PERMISSIONS", "REGTIME", "TEMPLATE"]
PERM_KEYS = ["OWNER_U", "OWNER_M", "OWNER_A", "GROUP_U", "GROUP_M", "GROUP_A",
             "OTHER_U", "OTHER_M", "OTHER_A"]

# allocate text and the TEMPLATE oned keeps of it: sorted, CDATA, no NAME.
SMALL = ('NAME = "{name}"\nMEMORY = 2048\nCPU = 1\nDISK = [ IMAGE_ID = 4 ]\n'
         'CONTEXT = [ SSH_PUBLIC_KEY = "$USER[SSH_PUBLIC_KEY]", NETWORK = "YES" ]\n')
SMALL_TEMPLATE = ("<TEMPLATE><CONTEXT><NETWORK><![CDATA[YES]]></NETWORK><SSH_PUBLIC_KEY>"
                  "<![CDATA[$USER[SSH_PUBLIC_KEY]]]></SSH_PUBLIC_KEY></CONTEXT>"
                  "<CPU><![CDATA[1]]></CPU><DISK><IMAGE_ID><![CDATA[4]]></IMAGE_ID></DISK>"
                  "<MEMORY><![CDATA[2048]]></MEMORY></TEMPLATE>")


def perms_xml(octal):
    bits = [(octal >> (8 - i)) & 1 for i in range(9)]
    return ("<PERMISSIONS>" + "".join(f"<{k}>{b}</{k}>" for k, b in zip(PERM_KEYS, bits))
            + "</PERMISSIONS>")


def perms_of(doc):
    p = doc.find("PERMISSIONS")
    return int("".join(p.findtext(k) for k in PERM_KEYS), 2)


def chmod_args(octal):
    return [(octal >> (8 - i)) & 1 for i in range(9)]


def info(session, tid):
    return xml(session.ok("one.template.info", tid))


def new_template(session, name, text="CPU=1"):
    return session.ok("one.template.allocate", f'NAME="{name}"\n{text}')


def listed(session, *args):
    root = xml(session.ok("one.templatepool.info", *args))
    assert root.tag == "VMTEMPLATE_POOL"
    return [int(e.findtext("ID")) for e in root.findall("VMTEMPLATE")]


@pytest.fixture(scope="module")
def users(oned, admin, uniq):
    """Three users of group "users" ((uid, session) by role) and a stranger
    in a group of its own, without the CREATE rule."""
    out = {}
    for role in ("alice", "bob", "carol"):
        name = uniq(role)
        out[role] = (admin.ok("one.user.allocate", name, PW, "core", []), oned.proxy(name, PW))
    g = admin.ok("one.group.allocate", uniq("apart"))
    name = uniq("stranger")
    out["stranger"] = (admin.ok("one.user.allocate", name, PW, "core", [g]),
                       oned.proxy(name, PW))
    return out


# ---- the document ----------------------------------------------------------------

def test_document_byte_for_byte(admin, uniq):
    name = uniq("small")
    before = int(time.time())
    tid = admin.ok("one.template.allocate", SMALL.format(name=name))
    after = int(time.time())
    text = admin.ok("one.template.info", tid)
    regtime = int(xml(text).findtext("REGTIME"))
    assert before <= regtime <= after
    # oneadmin creates with base 0777 and DEFAULT_UMASK 177: um- --- ---.
    assert text == (f"<VMTEMPLATE><ID>{tid}</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME>"
                    f"<GNAME>oneadmin</GNAME><NAME>{name}</NAME>{perms_xml(0o600)}"
                    f"<REGTIME>{regtime}</REGTIME>{SMALL_TEMPLATE}</VMTEMPLATE>")
    # info's optional flags (extended, decrypt) change nothing yet.
    assert admin.ok("one.template.info", tid, True, False) == text
    # The pool element is the same document.
    assert text in admin.ok("one.templatepool.info", -2, tid, tid)


def test_template_ids_start_at_zero(make_oned):
    d = make_oned()
    assert new_template(d.admin, "first") == 0
    assert new_template(d.admin, "second") == 1


def test_permissions_from_umask(admin, users, uniq):
    uid, s = users["alice"]
    # A user: base 0666, DEFAULT_UMASK 177 -> 600.
    doc = info(s, new_template(s, uniq("t")))
    assert perms_of(doc) == 0o600
    assert (doc.findtext("UID"), doc.findtext("GID"), doc.findtext("GNAME")) == \
        (str(uid), "1", "users")
    # The user's own UMASK (octal) wins over DEFAULT_UMASK.
    admin.ok("one.user.update", uid, "UMASK=137", 1)
    try:
        assert perms_of(info(s, new_template(s, uniq("t")))) == 0o640
        admin.ok("one.user.update", uid, "UMASK=002", 1)
        assert perms_of(info(s, new_template(s, uniq("t")))) == 0o664
    finally:
        admin.ok("one.user.update", uid, "UMASK=[]", 1)
    assert perms_of(info(s, new_template(s, uniq("t")))) == 0o600


def test_permissions_from_configuration(make_oned):
    d = make_oned(conf={"DEFAULT_UMASK": "022", "ENABLE_OTHER_PERMISSIONS": False})
    a = d.admin
    a.ok("one.user.allocate", "u", PW, "core", [])
    u = d.proxy("u", PW)
    # Admin: 0777 & ~022; others: 0660 without other permissions.
    assert perms_of(info(a, new_template(a, "a"))) == 0o755
    assert perms_of(info(u, new_template(u, "u"))) == 0o640


# ---- names --------------------------------------------------------------------------

def test_names_unique_per_owner(admin, users, uniq):
    (a_uid, alice), (b_uid, bob) = users["alice"], users["bob"]
    name = uniq("web")
    mine = new_template(alice, name)
    theirs = new_template(bob, name)          # another owner: fine
    admin_own = new_template(admin, name)
    assert len({mine, theirs, admin_own}) == 3

    code, msg = alice.fail("one.template.allocate", f'NAME="{name}"')
    assert (code, msg) == (INTERNAL, f"[one.template.allocate] NAME is already taken by "
                                     f"TEMPLATE {mine}.")
    # rename and clone check the same owner's names.
    other = new_template(alice, uniq("other"))
    assert alice.fail("one.template.rename", other, name) == \
        (INTERNAL, f"[one.template.rename] NAME is already taken by TEMPLATE {mine}.")
    assert alice.fail("one.template.clone", mine, name)[0] == INTERNAL
    # Renaming to its own name is no conflict.
    alice.ok("one.template.rename", mine, name)
    # chown re-checks for the new owner.
    code, msg = admin.fail("one.template.chown", theirs, a_uid, -1)
    assert (code, msg) == (INTERNAL, f"[one.template.chown] user [{a_uid}] already owns "
                                     f"virtual machine template [{mine}] with NAME {name}")
    assert info(admin, theirs).findtext("UID") == str(b_uid)
    admin.ok("one.template.chown", other, b_uid, -1)
    assert info(admin, other).findtext("UID") == str(b_uid)
    # A name freed by a rename can be taken again.
    alice.ok("one.template.rename", mine, uniq("moved"))
    new_template(alice, name)


def test_name_rules(admin, uniq):
    spaced = uniq("my web")
    tid = new_template(admin, spaced)
    assert info(admin, tid).findtext("NAME") == spaced
    admin.ok("one.template.rename", tid, uniq("a b"))
    for bad in ("a/b", "x&y", "<t>"):
        code, msg = admin.fail("one.template.rename", tid, bad)
        assert code == INTERNAL and "Invalid NAME" in msg
    code, msg = admin.fail("one.template.allocate", "CPU=1")
    assert (code, msg) == (INTERNAL, "[one.template.allocate] Invalid NAME, it cannot be empty.")
    code, msg = admin.fail("one.template.allocate", 'NAME="x"\nDISK=[')
    assert code == INTERNAL and "Parse error" in msg


# ---- update, clone, delete, rename ---------------------------------------------------

def test_update_types(admin, uniq):
    tid = new_template(admin, uniq("u"), "CPU=1\nMEMORY=512\nDISK=[IMAGE_ID=1]")
    admin.ok("one.template.update", tid, "MEMORY=1024\nDISK=[IMAGE_ID=2]\nDISK=[IMAGE_ID=3]", 1)
    t = info(admin, tid).find("TEMPLATE")
    assert t.findtext("CPU") == "1" and t.findtext("MEMORY") == "1024"
    assert [d.findtext("IMAGE_ID") for d in t.findall("DISK")] == ["2", "3"]
    admin.ok("one.template.update", tid, "DISK=[]", 1)       # an empty vector deletes
    assert info(admin, tid).find("TEMPLATE/DISK") is None
    admin.ok("one.template.update", tid, "VCPU=2")           # type 0 (default): replace
    assert [c.tag for c in info(admin, tid).find("TEMPLATE")] == ["VCPU"]
    assert admin.fail("one.template.update", tid, "A=1", 2) == \
        (RPC_API, "[one.template.update] Wrong update type")


def test_clone(admin, users, uniq):
    a_uid, alice = users["alice"]
    b_uid, bob = users["bob"]
    src = new_template(alice, uniq("src"), "CPU=2\nNIC=[NETWORK_ID=7]")
    # bob may not USE it until alice shares it with her group (users).
    assert bob.fail("one.template.clone", src, uniq("c"))[0] == AUTHORIZATION
    alice.ok("one.template.chmod", src, *chmod_args(0o640))
    name = uniq("copy")
    copy = bob.ok("one.template.clone", src, name, True)     # recursive: no images yet
    s, c = info(admin, src), info(admin, copy)
    assert (c.findtext("NAME"), c.findtext("UID"), c.findtext("GID")) == (name, str(b_uid), "1")
    assert perms_of(c) == 0o600
    assert int(c.findtext("REGTIME")) >= int(s.findtext("REGTIME"))
    assert ET.tostring(c.find("TEMPLATE")) == ET.tostring(s.find("TEMPLATE"))
    # Cloning needs CREATE too: the stranger's group has no CREATE rule.
    _, stranger = users["stranger"]
    admin.ok("one.template.chmod", src, *chmod_args(0o644))
    code, msg = stranger.fail("one.template.clone", src, uniq("c"))
    assert code == AUTHORIZATION and "Not authorized to perform CREATE TEMPLATE" in msg


def test_delete(admin, uniq):
    tid = new_template(admin, uniq("gone"))
    rid = admin.ok("one.acl.addrule", "100000002", f"{0x20000000000 | 0x100000000 | tid:x}", "1")
    admin.ok("one.template.delete", tid, False)
    assert admin.fail("one.template.info", tid) == \
        (NO_EXISTS, f"[one.template.info] Error getting virtual machine template [{tid}].")
    assert tid not in listed(admin, -2, -1, -1)
    # The rule naming TEMPLATE/#tid went with it (§5.6).
    assert rid not in {int(a.findtext("ID")) for a in xml(admin.ok("one.acl.info")).findall("ACL")}
    tid = new_template(admin, uniq("gone"))
    admin.ok("one.template.delete", tid)                    # without the flag
    assert admin.fail("one.template.delete", tid)[0] == NO_EXISTS


# ---- locks ---------------------------------------------------------------------------

def op_calls(tid, name):
    """Operation -> its call on template tid (name: a fresh one, for clone
    and rename)."""
    return {
        "info": ("one.template.info", tid),
        "clone": ("one.template.clone", tid, name),
        "update": ("one.template.update", tid, "A=1", 1),
        "rename": ("one.template.rename", tid, name),
        "chmod": ("one.template.chmod", tid, *chmod_args(0o640)),
        "chown": ("one.template.chown", tid, 0, 1),
        "delete": ("one.template.delete", tid),
        "chmod-admin": ("one.template.chmod", tid, *chmod_args(0o700)),
    }


# Level -> the operations it blocks (§2.0: 1 USE blocks all, 2 MANAGE blocks
# manage+admin, 3 ADMIN blocks admin, 4 ALL = 1); info is lock-exempt.
BLOCKED = {
    1: {"clone", "update", "rename", "chmod", "chown", "delete", "chmod-admin"},
    2: {"update", "rename", "chmod", "chown", "delete", "chmod-admin"},
    3: {"chmod-admin"},
    4: {"clone", "update", "rename", "chmod", "chown", "delete", "chmod-admin"},
}


@pytest.mark.parametrize("level", [1, 2, 3, 4])
def test_lock_levels_block_operations(admin, uniq, level):
    """Admins pass every check but locks: oneadmin shows what a level blocks."""
    for op in op_calls(0, ""):
        tid = new_template(admin, uniq("lk"))
        admin.ok("one.template.lock", tid, level)
        method, *args = op_calls(tid, uniq("lk"))[op]
        r = admin.call(method, *args)
        if op in BLOCKED[level]:
            assert r == [False, f"[{method}] User [0] : TEMPLATE is locked. [{tid}].",
                         AUTHORIZATION, tid, 0], (level, op)
            admin.ok("one.template.unlock", tid)
        else:
            assert r[0] is True, (level, op, r)


def test_lock_document_and_flags(admin, users, uniq):
    uid, s = users["alice"]
    tid = new_template(s, uniq("lk"))
    before = int(time.time())
    assert s.ok("one.template.lock", tid, 4) == tid
    text = s.ok("one.template.info", tid)
    lock = xml(text).find("LOCK")
    assert [c.tag for c in xml(text)] == ORDER[:6] + ["LOCK"] + ORDER[6:]
    assert [c.tag for c in lock] == ["LOCKED", "OWNER", "TIME", "REQ_ID"]
    assert (lock.findtext("LOCKED"), lock.findtext("OWNER"), lock.findtext("REQ_ID")) == \
        ("1", str(uid), "-1")                  # ALL is stored as USE
    assert before <= int(lock.findtext("TIME")) <= int(time.time())
    # test=true fails on a locked object; the lock owner may change the level.
    code, msg = s.fail("one.template.lock", tid, 2, True)
    assert code == ACTION and msg == f"[one.template.lock] {lock.findtext('TIME')}"
    s.ok("one.template.lock", tid, 3, False)
    assert info(s, tid).findtext("LOCK/LOCKED") == "3"
    for bad in (0, 5, -1):
        assert s.fail("one.template.lock", tid, bad) == \
            (ACTION, "[one.template.lock] Wrong lock level specified")
    s.ok("one.template.unlock", tid)
    assert info(s, tid).find("LOCK") is None
    assert [c.tag for c in info(s, tid)] == ORDER
    s.ok("one.template.lock", tid, 2, True)
    s.ok("one.template.unlock", tid)


def test_lock_owner_and_admins(admin, users, uniq):
    """Only the lock owner or an admin may lock again or unlock."""
    (a_uid, alice), (b_uid, bob) = users["alice"], users["bob"]
    _, stranger = users["stranger"]
    tid = new_template(alice, uniq("shared"))
    alice.ok("one.template.chmod", tid, *chmod_args(0o660))     # bob may MANAGE it
    # Locking needs MANAGE, like any change.
    code, msg = stranger.fail("one.template.lock", tid, 1)
    assert code == AUTHORIZATION and "Not authorized to perform MANAGE TEMPLATE" in msg

    alice.ok("one.template.lock", tid, 1)
    assert bob.fail("one.template.lock", tid, 2) == \
        (ACTION, "[one.template.lock] Error trying to lock the resource.")
    assert bob.fail("one.template.unlock", tid) == \
        (ACTION, "[one.template.unlock] Cannot unlock: Lock is owned by another user")
    # Locked at USE: bob cannot change it, nor can alice, but both still see it.
    assert bob.fail("one.template.update", tid, "A=1", 1)[0] == AUTHORIZATION
    assert alice.fail("one.template.update", tid, "A=1", 1)[0] == AUTHORIZATION
    assert info(bob, tid).findtext("LOCK/OWNER") == str(a_uid)
    # An admin takes the lock over; then alice is the other user.
    admin.ok("one.template.lock", tid, 2)
    assert info(admin, tid).findtext("LOCK/OWNER") == "0"
    assert alice.fail("one.template.unlock", tid)[0] == ACTION
    admin.ok("one.template.unlock", tid)
    # As oned: an unlocked object has no lock owner, so only admins unlock it.
    assert alice.fail("one.template.unlock", tid)[0] == ACTION
    admin.ok("one.template.unlock", tid)
    bob.ok("one.template.update", tid, "A=1", 1)


def test_lock_survives_restart(make_oned):
    d = make_oned()
    tid = new_template(d.admin, "kept", "CPU=4")
    d.admin.ok("one.template.lock", tid, 2)
    before = d.admin.ok("one.template.info", tid)
    d.restart()
    assert d.admin.ok("one.template.info", tid) == before
    assert d.admin.fail("one.template.rename", tid, "x")[0] == AUTHORIZATION


# ---- the filtered pool ---------------------------------------------------------------

@pytest.fixture
def pool_world(make_oned):
    """A daemon of its own, for exact listings: a1, a2 in group A, b1 in B
    (both groups with the CREATE rule `onegroup create` adds)."""
    d = make_oned()
    a = d.admin
    w = {"d": d}
    for g in ("A", "B"):
        w[g] = gid = a.ok("one.group.allocate", g)
        a.ok("one.acl.addrule", f"2{gid:08x}", f"{0x20000000000 | 0x400000000:x}", "8")
    for u, g in (("a1", "A"), ("a2", "A"), ("b1", "B")):
        w[u] = a.ok("one.user.allocate", u, PW, "core", [w[g]])
    t = {}
    for owner, name, perms in (("a1", "a1", 0o600), ("a1", "a1g", 0o640), ("a2", "a2", 0o600),
                               ("a2", "a2g", 0o640), ("b1", "b1o", 0o604),
                               ("oneadmin", "adm", 0o600)):
        s = a if owner == "oneadmin" else d.proxy(owner, PW)
        t[name] = new_template(s, name)
        s.ok("one.template.chmod", t[name], *chmod_args(perms))
    w["t"] = t
    return w


def test_pool_filters(pool_world):
    w, t = pool_world, pool_world["t"]
    a1 = w["d"].proxy("a1", PW)

    def seen(session, flag):
        return {n for n, i in t.items() if i in listed(session, flag, -1, -1)}

    assert seen(a1, -3) == {"a1", "a1g"}
    assert seen(a1, -2) == {"a1", "a1g", "a2g", "b1o"}
    assert seen(a1, -1) == {"a1", "a1g", "a2g"}
    assert seen(a1, -4) == {"a1", "a1g", "a2g"}
    assert seen(a1, w["a2"]) == {"a2g"}
    assert seen(a1, w["b1"]) == {"b1o"}
    assert seen(a1, 0) == set()
    assert seen(w["d"].admin, -2) == set(t)
    assert seen(w["d"].admin, w["a2"]) == {"a2", "a2g"}
    assert seen(w["d"].admin, -3) == {"adm"}
    assert a1.fail("one.templatepool.info", -5, -1, -1) == \
        (RPC_API, "[one.templatepool.info] Incorrect filter_flag, must be >= -4.")


def test_pool_order_range_and_paging(pool_world):
    a = pool_world["d"].admin
    everything = listed(a, -2, -1, -1)
    assert everything == sorted(pool_world["t"].values(), reverse=True)   # newest first
    assert listed(a, -2, 1, 3) == [3, 2, 1]
    assert listed(a, -2, 4, -1) == [5, 4]
    # end < -1: page of -end objects after skipping `start`.
    assert listed(a, -2, 0, -2) == everything[:2]
    assert listed(a, -2, 2, -2) == everything[2:4]
    assert listed(a, -2, 4, -4) == everything[4:]
    assert listed(a, -2, 6, -2) == []
