"""onetemplate against a real oned (docs/cli.md, client-contract §1)."""

import json
import xml.etree.ElementTree as ET

import pytest

from harness import NO_EXISTS, xml
# cli_built is an autouse fixture: importing it applies it here too.
from test_cli_tenancy import (cli_built, created_id, fails, field, ok,  # noqa: F401
                              row_of, section, table)

PW = "pw"


def create(oned, name, body="CPU=1\nMEMORY=128\n", **kw):
    return created_id(ok(oned, "onetemplate", "create", "-", input=f'NAME="{name}"\n{body}',
                         **kw))


def tinfo(admin, tid):
    return xml(admin.ok("one.template.info", tid))


def test_create_from_file_and_stdin(oned, admin, uniq, tmp_path):
    name = uniq("web")
    f = tmp_path / "t.tmpl"
    f.write_text(f'NAME = "{name}"\nCPU = 1\nDISK = [ IMAGE_ID = 3, SIZE = 10 ]\n')
    tid = created_id(ok(oned, "onetemplate", "create", str(f)))
    doc = tinfo(admin, tid)
    assert doc.findtext("NAME") == name and doc.findtext("TEMPLATE/DISK/SIZE") == "10"
    assert doc.find("TEMPLATE/NAME") is None
    tid2 = create(oned, uniq("stdin"))
    assert tid2 > tid
    assert "Invalid NAME" in fails(oned, "onetemplate", "create", "-", input="CPU=1\n")
    assert "NAME is already taken" in fails(oned, "onetemplate", "create", str(f))
    assert "Cannot read" in fails(oned, "onetemplate", "create", str(tmp_path / "none"))


def test_list_and_show(oned, admin, uniq):
    name = uniq("listed")
    tid = create(oned, name, 'CPU="1"\nDISK=[IMAGE_ID=3,SIZE=10]\n')
    out = ok(oned, "onetemplate", "list")
    assert table(out)[0] == ["ID", "USER", "GROUP", "NAME", "REGTIME"]
    row = row_of(out, tid)
    assert row[:4] == [str(tid), "oneadmin", "oneadmin", name], row
    assert len(row) == 6            # REGTIME is "mm/dd hh:mm:ss"
    ids = [int(r[0]) for r in table(out)[1]]
    assert ids == sorted(ids, reverse=True)

    out = ok(oned, "onetemplate", "show", name)
    assert out.startswith(f"TEMPLATE {tid} INFORMATION\n")
    assert field(out, "NAME") == name and field(out, "USER") == "oneadmin"
    assert field(out, "LOCK") == "None"
    assert field(out, "REGISTER TIME") == " ".join(row[4:])
    assert section(out, "PERMISSIONS") == ["OWNER            : um-", "GROUP            : ---",
                                           "OTHER            : ---"]
    assert section(out, "TEMPLATE CONTENTS") == ['CPU="1"', "DISK=[", '  IMAGE_ID="3",',
                                                 '  SIZE="10" ]']

    doc = ET.fromstring(ok(oned, "onetemplate", "show", str(tid), "-x"))
    assert doc.tag == "VMTEMPLATE" and doc.findtext("NAME") == name
    pool = ET.fromstring(ok(oned, "onetemplate", "list", "-x"))
    assert pool.tag == "VMTEMPLATE_POOL"
    got = json.loads(ok(oned, "onetemplate", "show", str(tid), "-j"))["VMTEMPLATE"]
    assert got["TEMPLATE"]["DISK"] == {"IMAGE_ID": "3", "SIZE": "10"}
    assert "VMTEMPLATE named nosuch not found." in fails(oned, "onetemplate", "show", "nosuch")


def test_list_shows_what_the_user_may_see(oned, admin, uniq):
    user = uniq("tuser")
    ok(oned, "oneuser", "create", user, PW)
    auth = f"{user}:{PW}"
    mine = create(oned, uniq("mine"), auth=auth)
    hidden = create(oned, uniq("hidden"))
    listed = {int(r[0]) for r in table(ok(oned, "onetemplate", "list", auth=auth))[1]}
    assert mine in listed and hidden not in listed
    assert row_of(ok(oned, "onetemplate", "list", auth=auth), mine)[1:3] == [user, "users"]


def test_clone_update_rename_delete(oned, admin, uniq):
    src = create(oned, uniq("src"), "CPU=2\n")
    name = uniq("copy")
    copy = created_id(ok(oned, "onetemplate", "clone", str(src), name))
    assert tinfo(admin, copy).findtext("NAME") == name
    assert tinfo(admin, copy).findtext("TEMPLATE/CPU") == "2"

    ok(oned, "onetemplate", "update", name, "-", "--append", input="MEMORY=512\n")
    t = tinfo(admin, copy).find("TEMPLATE")
    assert (t.findtext("CPU"), t.findtext("MEMORY")) == ("2", "512")
    ok(oned, "onetemplate", "update", str(copy), "-", input="VCPU=4\n")
    assert [c.tag for c in tinfo(admin, copy).find("TEMPLATE")] == ["VCPU"]

    new = uniq("renamed web")
    ok(oned, "onetemplate", "rename", str(copy), new)
    assert tinfo(admin, copy).findtext("NAME") == new

    ok(oned, "onetemplate", "delete", f"{src},{copy}")
    for tid in (src, copy):
        assert admin.fail("one.template.info", tid)[0] == NO_EXISTS
    assert "VMTEMPLATE named nosuch not found." in fails(oned, "onetemplate", "delete",
                                                          "nosuch")


def test_chmod_chown_chgrp(oned, admin, uniq):
    tid = create(oned, uniq("perm"))
    gname = uniq("g")
    gid = created_id(ok(oned, "onegroup", "create", gname))
    user = uniq("towner")
    uid = created_id(ok(oned, "oneuser", "create", user, PW))

    ok(oned, "onetemplate", "chmod", str(tid), "640")
    assert section(ok(oned, "onetemplate", "show", str(tid)), "PERMISSIONS") == \
        ["OWNER            : um-", "GROUP            : u--", "OTHER            : ---"]
    ok(oned, "onetemplate", "chown", str(tid), user, gname)
    doc = tinfo(admin, tid)
    assert (doc.findtext("UID"), doc.findtext("GID")) == (str(uid), str(gid))
    ok(oned, "onetemplate", "chgrp", str(tid), "users")
    assert tinfo(admin, tid).findtext("GNAME") == "users"
    assert row_of(ok(oned, "onetemplate", "list"), tid)[1:3] == [user, "users"]
    # Its new owner already has a template of that name: oned refuses.
    name = tinfo(admin, tid).findtext("NAME")
    other = create(oned, uniq("x"))
    ok(oned, "onetemplate", "rename", str(other), name)
    assert "already owns" in fails(oned, "onetemplate", "chown", str(other), user)


@pytest.mark.parametrize("flag,level,shown", [(None, "1", "Use"), ("--use", "1", "Use"),
                                              ("--manage", "2", "Manage"),
                                              ("--admin", "3", "Admin"), ("--all", "1", "Use")])
def test_lock_and_unlock(oned, admin, uniq, flag, level, shown):
    tid = create(oned, uniq("lk"))
    ok(oned, "onetemplate", "lock", str(tid), *([flag] if flag else []))
    assert tinfo(admin, tid).findtext("LOCK/LOCKED") == level
    assert field(ok(oned, "onetemplate", "show", str(tid)), "LOCK") == shown
    if level != "3":
        err = fails(oned, "onetemplate", "rename", str(tid), uniq("no"))
        assert f"TEMPLATE is locked. [{tid}]." in err
    ok(oned, "onetemplate", "unlock", str(tid))
    assert tinfo(admin, tid).find("LOCK") is None
    ok(oned, "onetemplate", "rename", str(tid), uniq("yes"))


def test_lock_several_and_refusals(oned, admin, uniq):
    a, b = create(oned, uniq("lk")), create(oned, uniq("lk"))
    ok(oned, "onetemplate", "lock", f"{a},{b}", "--admin")
    assert [tinfo(admin, t).findtext("LOCK/LOCKED") for t in (a, b)] == ["3", "3"]
    user = uniq("locker")
    ok(oned, "oneuser", "create", user, PW)
    err = fails(oned, "onetemplate", "unlock", str(a), auth=f"{user}:{PW}")
    assert "Not authorized to perform MANAGE TEMPLATE" in err
    ok(oned, "onetemplate", "unlock", f"{a}..{b}")
    assert all(tinfo(admin, t).find("LOCK") is None for t in (a, b))
