"""The tenancy CLI (oneacl, onevdc, onecluster, onehost, onedatastore, and the
ACL side of onegroup create) against a real oned (docs/cli.md)."""

import json
import re
import time
import xml.etree.ElementTree as ET

import pytest

from harness import CLI_BIN, ids, xml

# The rule OpenNebula's `onegroup create` adds for a new group (client-contract §1).
GROUP_CREATE_TYPES = "VM+IMAGE+TEMPLATE+DOCUMENT+SECGROUP+VROUTER+VMGROUP+BACKUPJOB"
GROUP_CREATE_RESOURCE = "125429400000000"
ALL_ZONES = "400000000"


@pytest.fixture(scope="module", autouse=True)
def cli_built():
    if not CLI_BIN.exists():
        pytest.fail(f"{CLI_BIN} is missing: the CLI must be built (make cli/one)")


def ok(oned, *argv, **kw):
    rc, out, err = oned.cli(*argv, **kw)
    assert rc == 0, f"{argv}: exit {rc}\nstdout: {out}\nstderr: {err}"
    return out


def fails(oned, *argv, **kw):
    """Run a command that must fail: exit 255, nothing on stdout; returns stderr."""
    rc, out, err = oned.cli(*argv, **kw)
    assert rc == 255, f"{argv}: exit {rc}, expected 255\nstdout: {out}\nstderr: {err}"
    assert out == "", out
    return err


def created_id(out, word="ID"):
    m = re.fullmatch(rf"{word}: (\d+)\n", out)
    assert m, repr(out)
    return int(m.group(1))


def table(out):
    """(header words, rows as word lists) of a list table."""
    header, *rows = out.splitlines()
    return header.split(), [r.split() for r in rows]


def row_of(out, key, col=0):
    """The row whose column col is key, or None."""
    return next((r for r in table(out)[1] if len(r) > col and r[col] == str(key)), None)


def field(out, key):
    """The value of `KEY : value` in a sheet, or None."""
    m = re.search(rf"^{re.escape(key)}\s+: ?(.*)$", out, re.M)
    return m.group(1) if m else None


def section(out, title):
    """The lines of a sheet section, up to the blank line that ends it."""
    lines = out.splitlines()
    assert title in lines, f"no section {title!r} in:\n{out}"
    rest = lines[lines.index(title) + 1:]
    return rest[:rest.index("")] if "" in rest else rest


def acl_rules(admin):
    """{id: (user, resource, rights, zone, string)} of one.acl.info."""
    root = xml(admin.ok("one.acl.info"))
    return {int(a.findtext("ID")): tuple(a.findtext(k) for k in
                                         ("USER", "RESOURCE", "RIGHTS", "ZONE", "STRING"))
            for a in root.findall("ACL")}


def pool_names(admin, what):
    root = xml(admin.ok(f"one.{what}pool.info"))
    return {e.findtext("NAME"): int(e.findtext("ID")) for e in root.findall(what.upper())}


@pytest.fixture(scope="module")
def tenant(oned, uniq):
    name = uniq("tenant")
    return created_id(ok(oned, "onegroup", "create", name)), name


def new_host(oned, uniq, *opts):
    name = uniq("host")
    return created_id(ok(oned, "onehost", "create", name, *opts)), name


# ---- oneacl -------------------------------------------------------------------

def test_acl_create_string_list_shows_canonical_string(oned, admin, tenant):
    gid, _ = tenant
    # Lower case, types and rights out of order, no zone: oned renders the
    # canonical form, in the local zone.
    rid = created_id(ok(oned, "oneacl", "create", f"@{gid} image+vm/* manage+use"))
    canonical = f"@{gid} VM+IMAGE/* USE+MANAGE #0"
    assert acl_rules(admin)[rid] == (f"2{gid:08x}", "9400000000", "3", "100000000", canonical)

    out = ok(oned, "oneacl", "list")
    header, _ = table(out)
    assert header == ["ID", "USER", "RES_VHNIUTGDCOZSvRMAPtB", "RID", "OPE_UMAC", "ZONE",
                      "STRING"]
    row = row_of(out, rid)
    assert row[:6] == [str(rid), f"@{gid}", "V--I---------------", "*", "um--", "#0"], row
    assert " ".join(row[6:]) == canonical
    # The bootstrap rules are there too, in their letters.
    assert row_of(out, 1)[:6] == ["1", "*", "----------Z--------", "*", "u---", "*"]


def test_acl_create_from_words(oned, admin, tenant):
    gid, _ = tenant
    rid = created_id(ok(oned, "oneacl", "create", "#2", f"VM/@{gid}", "USE"))
    assert acl_rules(admin)[rid][4] == f"#2 VM/@{gid} USE #0"
    rid = created_id(ok(oned, "oneacl", "create", f"@{gid}", "HOST/%0", "MANAGE", "*"))
    assert acl_rules(admin)[rid][:4] == (f"2{gid:08x}", "2800000000", "2", ALL_ZONES)
    assert row_of(ok(oned, "oneacl", "list"), rid)[3] == "%0"


def test_acl_create_errors(oned, admin, tenant):
    gid, _ = tenant
    before = acl_rules(admin)
    err = fails(oned, "oneacl", "create", f"@{gid} FROB/* USE")
    assert "FROB" in err
    assert "wrong number" in fails(oned, "oneacl", "create")
    assert "USER RESOURCE RIGHTS" in fails(oned, "oneacl", "create", f"@{gid}", "VM/*")
    # Parsed fine, refused by oned: a duplicate, and a malformed rule.
    ok(oned, "oneacl", "create", f"@{gid} DOCUMENT/* USE")
    assert "already exists" in fails(oned, "oneacl", "create", f"@{gid} DOCUMENT/* USE")
    assert "malformed" in fails(oned, "oneacl", "create", f"@{gid} HOST/@{gid} USE")
    assert len(acl_rules(admin)) == len(before) + 1


def test_acl_list_xml_and_json(oned, admin):
    root = ET.fromstring(ok(oned, "oneacl", "list", "-x"))
    assert root.tag == "ACL_POOL"
    assert {int(a.findtext("ID")) for a in root.findall("ACL")} == set(acl_rules(admin))
    rules = json.loads(ok(oned, "oneacl", "list", "-j"))["ACL_POOL"]["ACL"]
    assert any(r["STRING"] == "* ZONE/* USE *" for r in rules)


def test_acl_delete(oned, admin, tenant):
    gid, _ = tenant
    a = created_id(ok(oned, "oneacl", "create", f"@{gid} TEMPLATE/* USE"))
    b = created_id(ok(oned, "oneacl", "create", f"@{gid} IMAGE/* USE"))
    assert ok(oned, "oneacl", "delete", f"{a},{b}") == ""
    rules = acl_rules(admin)
    assert a not in rules and b not in rules
    assert row_of(ok(oned, "oneacl", "list"), a) is None
    fails(oned, "oneacl", "delete", str(a))


def test_acl_as_non_admin_fails(oned, uniq):
    name = uniq("plain")
    created_id(ok(oned, "oneuser", "create", name, "pw"))
    fails(oned, "oneacl", "list", auth=f"{name}:pw")
    fails(oned, "oneacl", "create", "* VM/* USE", auth=f"{name}:pw")


# ---- onegroup create: the default CREATE rule --------------------------------

def test_group_create_adds_create_rule(oned, admin, uniq):
    name = uniq("g")
    gid = created_id(ok(oned, "onegroup", "create", name))
    string = f"@{gid} {GROUP_CREATE_TYPES}/* CREATE *"
    mine = [r for r in acl_rules(admin).values() if r[4] == string]
    assert mine == [(f"2{gid:08x}", GROUP_CREATE_RESOURCE, "8", ALL_ZONES, string)]
    assert string in ok(oned, "oneacl", "list")
    # The views are still set.
    doc = xml(admin.ok("one.group.info", gid))
    assert doc.findtext("TEMPLATE/FIREEDGE/GROUP_ADMIN_VIEWS") == "groupadmin"


def test_group_create_rolls_back_without_rule(oned, admin, uniq):
    # The next group gets the id after this probe's: an identical rule for it
    # already exists, so one.acl.addrule fails.
    probe = admin.ok("one.group.allocate", uniq("probe"))
    admin.ok("one.group.delete", probe)
    nxt = probe + 1
    created_id(ok(oned, "oneacl", "create", f"@{nxt} {GROUP_CREATE_TYPES}/* CREATE *"))

    name = uniq("doomed")
    err = fails(oned, "onegroup", "create", name)
    assert "Error creating group ACL's" in err and "already exists" in err, err
    assert name not in pool_names(admin, "group")
    assert not admin.call("one.group.info", nxt)[0]


def test_group_addadmin_deladmin_by_name(oned, admin, tenant, uniq):
    gid, gname = tenant
    user = uniq("admin")
    uid = created_id(ok(oned, "oneuser", "create", user, "pw", "--group", gname))
    ok(oned, "onegroup", "addadmin", gname, user)
    assert ids(xml(admin.ok("one.group.info", gid)), "ADMINS") == [uid]
    assert section(ok(oned, "onegroup", "show", gname), "ADMINS")[1:] == [f"{uid:>4}"]
    ok(oned, "onegroup", "deladmin", gname, user)
    assert ids(xml(admin.ok("one.group.info", gid)), "ADMINS") == []
    assert "USER named nobody" in fails(oned, "onegroup", "addadmin", gname, "nobody")


# ---- onevdc -------------------------------------------------------------------

def test_vdc_flow(oned, admin, uniq):
    gname = uniq("g")
    gid = created_id(ok(oned, "onegroup", "create", gname))
    # Out of the default VDC, the group holds no HOST rule of its own ...
    ok(oned, "onevdc", "delgroup", "default", gname)
    host_rule = f"@{gid} HOST/* MANAGE #0"
    assert host_rule not in ok(oned, "oneacl", "list")
    name = uniq("vdc")
    vid = created_id(ok(oned, "onevdc", "create", name))
    out = ok(oned, "onevdc", "list")
    assert table(out)[0] == ["ID", "NAME", "GROUPS", "CLUSTERS", "HOSTS", "VNETS", "DATASTORES"]
    assert row_of(out, vid) == [str(vid), name, "0", "0", "0", "0", "0"]

    assert ok(oned, "onevdc", "addgroup", name, gname) == ""
    assert ok(oned, "onevdc", "addcluster", name, "0", "ALL") == ""
    assert row_of(ok(oned, "onevdc", "list"), vid) == [str(vid), name, "1", "ALL", "0", "0", "0"]

    out = ok(oned, "onevdc", "show", name)
    assert out.startswith(f"VDC {vid} INFORMATION\n")
    assert field(out, "NAME") == name
    assert [r.split() for r in section(out, "GROUPS")] == [["ID"], [str(gid)]]
    assert [r.split() for r in section(out, "CLUSTERS")] == [["ZONE", "CLUSTER"], ["0", "ALL"]]
    assert "HOSTS" not in out.splitlines()
    doc = ET.fromstring(ok(oned, "onevdc", "show", str(vid), "-x"))
    assert doc.findtext("CLUSTERS/CLUSTER/CLUSTER_ID") == "-10"
    # ... until a VDC gives it one.
    assert host_rule in ok(oned, "oneacl", "list")

    assert ok(oned, "onevdc", "delcluster", name, "0", "ALL") == ""
    out = ok(oned, "onevdc", "show", name)
    assert "CLUSTERS" not in out.splitlines()
    assert row_of(ok(oned, "onevdc", "list"), vid)[3] == "0"
    assert host_rule not in ok(oned, "oneacl", "list")

    ok(oned, "onevdc", "rename", name, name + "x")
    ok(oned, "onevdc", "delgroup", name + "x", gname)
    assert ids(xml(admin.ok("one.vdc.info", vid)), "GROUPS") == []
    ok(oned, "onevdc", "delete", name + "x")
    assert not admin.call("one.vdc.info", vid)[0]


def test_vdc_resources_by_name_and_id(oned, admin, uniq):
    name = uniq("vdc")
    vid = created_id(ok(oned, "onevdc", "create", name))
    hid, hname = new_host(oned, uniq)
    ok(oned, "onevdc", "addhost", name, "0", hname)
    ok(oned, "onevdc", "adddatastore", str(vid), "0", "1")
    out = ok(oned, "onevdc", "show", name)
    assert [r.split() for r in section(out, "HOSTS")] == [["ZONE", "HOST"], ["0", str(hid)]]
    assert [r.split() for r in section(out, "DATASTORES")] == [["ZONE", "DATASTORE"],
                                                               ["0", "1"]]
    ok(oned, "onevdc", "delhost", name, "0", str(hid))
    ok(oned, "onevdc", "deldatastore", name, "0", "1")
    doc = xml(admin.ok("one.vdc.info", vid))
    assert doc.find("HOSTS/HOST") is None and doc.find("DATASTORES/DATASTORE") is None
    ok(oned, "onevdc", "delete", str(vid))


def test_vdc_errors(oned, uniq):
    assert "VDC named nosuchvdc not found." in fails(oned, "onevdc", "addcluster", "nosuchvdc",
                                                     "0", "ALL")
    name = uniq("vdc")
    created_id(ok(oned, "onevdc", "create", name))
    # Networks have no CLI object yet: IDs only.
    assert "give its ID" in fails(oned, "onevdc", "addvnet", name, "0", "somenet")
    assert "ZONE named nozone not found." in fails(oned, "onevdc", "addhost", name, "nozone",
                                                   "ALL")
    assert "wrong number" in fails(oned, "onevdc", "addcluster", name, "0")
    ok(oned, "onevdc", "delete", name)


# ---- onehost ------------------------------------------------------------------

def host_row(oned, hid):
    out = ok(oned, "onehost", "list")
    assert table(out)[0] == ["ID", "NAME", "CLUSTER", "TVM", "ALLOCATED_CPU", "ALLOCATED_MEM",
                             "STAT"]
    return row_of(out, hid)


def wait_stat(oned, hid, want):
    for _ in range(100):
        if host_row(oned, hid)[-1] == want:
            return
        time.sleep(0.05)
    assert host_row(oned, hid)[-1] == want


def test_host_create_list_disable_enable_delete(oned, admin, uniq):
    hid, name = new_host(oned, uniq)
    doc = xml(admin.ok("one.host.info", hid))
    assert (doc.findtext("IM_MAD"), doc.findtext("VM_MAD"), doc.findtext("CLUSTER_ID")) == \
        ("kvm", "kvm", "0")
    # The first sample follows at once; the dummy driver answers it.
    hid, name = new_host(oned, uniq, "--im", "dummy", "--vm", "dummy")
    row = host_row(oned, hid)
    assert row[:4] == [str(hid), name, "default", "0"], row
    wait_stat(oned, hid, "on")

    ok(oned, "onehost", "disable", name)
    assert host_row(oned, hid)[-1] == "dsbl"
    assert xml(admin.ok("one.host.info", hid)).findtext("STATE") == "4"
    ok(oned, "onehost", "offline", str(hid))
    assert host_row(oned, hid)[-1] == "off"
    ok(oned, "onehost", "enable", name)
    wait_stat(oned, hid, "on")

    ok(oned, "onehost", "delete", name)
    assert host_row(oned, hid) is None
    assert str(hid) in fails(oned, "onehost", "show", str(hid))


def test_host_show(oned, uniq):
    hid, name = new_host(oned, uniq, "--im", "dummy", "--vm", "dummy")
    wait_stat(oned, hid, "on")
    out = ok(oned, "onehost", "show", name)
    assert out.startswith(f"HOST {hid} INFORMATION\n")
    assert field(out, "NAME") == name and field(out, "CLUSTER") == "default"
    assert field(out, "STATE") == "MONITORED"
    assert field(out, "IM_MAD") == "dummy"
    shares = section(out, "HOST SHARES")
    assert any(re.match(r"RUNNING VMS\s+: 0$", s) for s in shares), shares
    assert field(out, "MEMORY ALLOCATED") is not None and field(out, "CPU MAX") is not None
    assert "HOST TEMPLATE" in out.splitlines()
    doc = ET.fromstring(ok(oned, "onehost", "show", name, "-x"))
    assert doc.tag == "HOST" and doc.findtext("NAME") == name
    ok(oned, "onehost", "delete", str(hid))


def test_host_create_options_and_errors(oned, admin, uniq):
    cluster = uniq("c")
    cid = created_id(ok(oned, "onecluster", "create", cluster))
    hid, name = new_host(oned, uniq, "--im", "dummy", "--vm", "dummy", "--cluster", cluster)
    doc = xml(admin.ok("one.host.info", hid))
    assert (doc.findtext("IM_MAD"), doc.findtext("VM_MAD"), doc.findtext("CLUSTER_ID")) == \
        ("dummy", "dummy", str(cid))
    assert host_row(oned, hid)[2] == cluster
    # Host names are unique.
    fails(oned, "onehost", "create", name)
    assert "CLUSTER named nocluster not found." in fails(oned, "onehost", "create",
                                                         uniq("host"), "-c", "nocluster")
    ok(oned, "onehost", "rename", name, name + "r")
    assert xml(admin.ok("one.host.info", hid)).findtext("NAME") == name + "r"
    ok(oned, "onehost", "update", name + "r", "-", "--append", input='LABEL="rack1"\n')
    assert 'LABEL="rack1"' in ok(oned, "onehost", "show", str(hid))
    ok(oned, "onehost", "delete", str(hid))


# ---- onecluster ---------------------------------------------------------------

def test_cluster_create_addhost_show(oned, admin, uniq):
    name = uniq("c")
    cid = created_id(ok(oned, "onecluster", "create", name))
    hid, hname = new_host(oned, uniq)
    assert ok(oned, "onecluster", "addhost", name, hname) == ""
    assert xml(admin.ok("one.host.info", hid)).findtext("CLUSTER_ID") == str(cid)

    out = ok(oned, "onecluster", "list")
    assert table(out)[0] == ["ID", "NAME", "HOSTS", "VNETS", "DATASTORES"]
    assert row_of(out, cid) == [str(cid), name, "1", "0", "0"]

    out = ok(oned, "onecluster", "show", name)
    assert out.startswith(f"CLUSTER {cid} INFORMATION\n")
    assert field(out, "NAME") == name
    assert [r.split() for r in section(out, "HOSTS")] == [["ID"], [str(hid)]]
    assert "CLUSTER TEMPLATE" in out.splitlines()
    doc = ET.fromstring(ok(oned, "onecluster", "show", str(cid), "-x"))
    assert ids(doc, "HOSTS") == [hid]

    ok(oned, "onecluster", "adddatastore", name, "1")
    assert ids(xml(admin.ok("one.cluster.info", cid)), "DATASTORES") == [1]
    ok(oned, "onecluster", "deldatastore", name, "1")
    ok(oned, "onecluster", "delhost", name, str(hid))
    assert xml(admin.ok("one.host.info", hid)).findtext("CLUSTER_ID") == "0"
    ok(oned, "onecluster", "rename", name, name + "r")
    ok(oned, "onecluster", "delete", name + "r")
    assert not admin.call("one.cluster.info", cid)[0]
    ok(oned, "onehost", "delete", str(hid))


def test_cluster_errors(oned, uniq):
    assert "CLUSTER named nocluster not found." in fails(oned, "onecluster", "show",
                                                         "nocluster")
    name = uniq("c")
    created_id(ok(oned, "onecluster", "create", name))
    hid, _ = new_host(oned, uniq)
    ok(oned, "onecluster", "addhost", name, str(hid))
    # Not empty: oned refuses, the CLI passes its message on.
    assert "not empty" in fails(oned, "onecluster", "delete", name)
    # Several hosts in one go; a missing one is reported, the others are done.
    err = fails(oned, "onecluster", "delhost", name, f"{hid},nohost")
    assert "HOST named nohost not found." in err
    ok(oned, "onecluster", "delete", name)
    ok(oned, "onehost", "delete", str(hid))


def test_host_dedicate_and_undedicate(oned, admin, uniq):
    gname = uniq("tenant")
    gid = created_id(ok(oned, "onegroup", "create", gname))
    h1, n1 = new_host(oned, uniq)
    h2, n2 = new_host(oned, uniq)
    cid = created_id(ok(oned, "onehost", "dedicate", f"{n1},{n2}", gname), "CLUSTER")

    out = ok(oned, "onecluster", "show", str(cid))
    assert sorted(int(r) for r in section(out, "HOSTS")[1:]) == sorted([h1, h2])
    assert f'DEDICATED_GROUP="{gid}"' in section(out, "CLUSTER TEMPLATE")
    assert host_row(oned, h1)[2] == xml(admin.ok("one.cluster.info", cid)).findtext("NAME")

    assert ok(oned, "onecluster", "undedicate", str(cid)) == ""
    tmpl = section(ok(oned, "onecluster", "show", str(cid)), "CLUSTER TEMPLATE")
    assert not any(t.startswith("DEDICATED_GROUP=") for t in tmpl), tmpl


def test_host_dedicate_into_named_cluster(oned, admin, uniq):
    gname = uniq("tenant")
    gid = created_id(ok(oned, "onegroup", "create", gname))
    cname = uniq("c")
    cid = created_id(ok(oned, "onecluster", "create", cname))
    hid, hname = new_host(oned, uniq)
    assert ok(oned, "onehost", "dedicate", hname, gname, "--cluster", cname) == \
        f"CLUSTER: {cid}\n"
    assert ids(xml(admin.ok("one.cluster.info", cid)), "HOSTS") == [hid]
    assert "GROUP named nogroup not found." in fails(oned, "onehost", "dedicate", hname,
                                                     "nogroup")
    ok(oned, "onecluster", "undedicate", cname)


def test_cluster_dedicate(oned, admin, uniq):
    gname = uniq("tenant")
    gid = created_id(ok(oned, "onegroup", "create", gname))
    cname = uniq("c")
    cid = created_id(ok(oned, "onecluster", "create", cname))
    assert ok(oned, "onecluster", "dedicate", cname, gname) == ""
    doc = xml(admin.ok("one.cluster.info", cid))
    assert doc.findtext("TEMPLATE/DEDICATED_GROUP") == str(gid)
    ok(oned, "onecluster", "undedicate", cname)
    assert xml(admin.ok("one.cluster.info", cid)).find("TEMPLATE/DEDICATED_GROUP") is None
    # The default cluster is everyone's.
    fails(oned, "onecluster", "dedicate", "0", gname)


# ---- onedatastore -------------------------------------------------------------

def test_datastore_list_and_show(oned):
    out = ok(oned, "onedatastore", "list")
    assert table(out)[0] == ["ID", "USER", "GROUP", "NAME", "SIZE", "AVA", "CLUSTERS", "IMAGES",
                             "TYPE", "DS", "TM", "STAT"]
    row = row_of(out, 1)
    assert row[:3] == ["1", "oneadmin", "oneadmin"] and row[3] == "default", row
    assert row[-4:] == ["img", "fs", "ssh", "on"], row
    assert row_of(out, 0)[-4] == "sys"

    out = ok(oned, "onedatastore", "show", "default")
    assert out.startswith("DATASTORE 1 INFORMATION\n")
    assert field(out, "TYPE") == "IMAGE" and field(out, "STATE") == "READY"
    assert "DATASTORE CAPACITY" in out.splitlines()
    assert re.search(r"^OWNER\s+: [u-][m-][a-]$", out, re.M)
    doc = ET.fromstring(ok(oned, "onedatastore", "show", "1", "-x"))
    assert doc.tag == "DATASTORE" and doc.findtext("NAME") == "default"
    pool = json.loads(ok(oned, "onedatastore", "list", "-j"))["DATASTORE_POOL"]["DATASTORE"]
    assert {d["NAME"] for d in pool} >= {"system", "default", "files"}


def test_datastore_chmod_chown_chgrp_rename(make_oned, uniq):
    # oned creates no datastores through the API yet: work on the bootstrap
    # "files" datastore of a daemon of our own.
    d = make_oned()
    admin, dsid = d.admin, 2
    gname = uniq("g")
    gid = created_id(ok(d, "onegroup", "create", gname))
    user = uniq("dsowner")
    uid = created_id(ok(d, "oneuser", "create", user, "pw"))

    ok(d, "onedatastore", "chmod", "files", "640")
    perms = xml(admin.ok("one.datastore.info", dsid)).find("PERMISSIONS")
    assert [perms.findtext(k) for k in ("OWNER_U", "OWNER_M", "OWNER_A", "GROUP_U", "GROUP_M",
                                        "GROUP_A", "OTHER_U", "OTHER_M", "OTHER_A")] == \
        ["1", "1", "0", "1", "0", "0", "0", "0", "0"]
    out = ok(d, "onedatastore", "show", str(dsid))
    assert section(out, "PERMISSIONS") == ["OWNER            : um-", "GROUP            : u--",
                                           "OTHER            : ---"]
    ok(d, "onedatastore", "chmod", str(dsid), "017")
    assert section(ok(d, "onedatastore", "show", str(dsid)), "PERMISSIONS") == \
        ["OWNER            : ---", "GROUP            : --a", "OTHER            : uma"]
    assert "three octal digits" in fails(d, "onedatastore", "chmod", str(dsid), "648")

    ok(d, "onedatastore", "chown", str(dsid), user, gname)
    doc = xml(admin.ok("one.datastore.info", dsid))
    assert (doc.findtext("UID"), doc.findtext("GID")) == (str(uid), str(gid))
    ok(d, "onedatastore", "chgrp", str(dsid), "users")
    doc = xml(admin.ok("one.datastore.info", dsid))
    assert (doc.findtext("UNAME"), doc.findtext("GNAME")) == (user, "users")
    assert row_of(ok(d, "onedatastore", "list"), dsid)[1:3] == [user, "users"]
    assert "USER named nobody not found." in fails(d, "onedatastore", "chown", str(dsid),
                                                   "nobody")

    new = uniq("renamed")
    ok(d, "onedatastore", "rename", str(dsid), new)
    assert field(ok(d, "onedatastore", "show", new), "NAME") == new
