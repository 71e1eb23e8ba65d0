"""Datastore quotas (reference §10.1, §3.1-3.2): DATASTORE=[ID, IMAGES, SIZE]
entries of users, groups and the defaults, set through one.user.quota,
one.group.quota and one.user/groupquota.update, shown in every document the
clients read, and kept across a restart."""

import re
import time

from harness import ACTION, AUTHORIZATION, xml

PW = "pw"
FIELDS = ["ID", "IMAGES", "IMAGES_USED", "SIZE", "SIZE_USED"]


def world(make_oned):
    d = make_oned()
    a = d.admin
    g = a.ok("one.group.allocate", "team")
    u = a.ok("one.user.allocate", "alice", PW, "core", [g])
    return d, a, g, u


def ds_entries(block):
    """{datastore id: {field: value}} of a DATASTORE_QUOTA element."""
    out = {}
    for e in block.findall("DATASTORE"):
        assert [c.tag for c in e] == FIELDS        # every field, in OpenNebula's order
        out[e.findtext("ID")] = {c.tag: c.text for c in e if c.tag != "ID"}
    return out


def ds_quota(a, kind, oid):
    return ds_entries(xml(a.ok(f"one.{kind}.info", oid)).find("DATASTORE_QUOTA"))


def entry(images, images_used, size, size_used):
    return {"IMAGES": images, "IMAGES_USED": images_used, "SIZE": size, "SIZE_USED": size_used}


def test_set_per_datastore_and_shown_in_info(make_oned):
    d, a, g, u = world(make_oned)
    assert ds_quota(a, "user", u) == {}
    assert a.ok("one.user.quota", u, "DATASTORE=[ID=1, IMAGES=3, SIZE=1024]\n"
                                     "DATASTORE=[ID=100, SIZE=-2]") == u
    assert ds_quota(a, "user", u) == {"1": entry("3", "0", "1024", "0"),
                                      "100": entry("-1", "0", "-2", "0")}
    # The raw document: CDATA values, as OpenNebula writes a vector.
    raw = a.ok("one.user.info", u)
    assert ("<DATASTORE_QUOTA><DATASTORE><ID><![CDATA[1]]></ID><IMAGES><![CDATA[3]]></IMAGES>"
            "<IMAGES_USED><![CDATA[0]]></IMAGES_USED><SIZE><![CDATA[1024]]></SIZE>"
            "<SIZE_USED><![CDATA[0]]></SIZE_USED></DATASTORE>") in raw
    # The blocks keep the order the clients expect.
    tags = [e.tag for e in xml(raw)]
    i = tags.index("DATASTORE_QUOTA")
    assert tags[i:i + 5] == ["DATASTORE_QUOTA", "NETWORK_QUOTA", "VM_QUOTA", "IMAGE_QUOTA",
                             "DEFAULT_USER_QUOTAS"]
    # Named limits change, the others stay; VM quotas are untouched.
    a.ok("one.user.quota", u, "VM=[VMS=2]\nDATASTORE=[ID=1, SIZE=2048]")
    assert ds_quota(a, "user", u)["1"] == entry("3", "0", "2048", "0")
    assert xml(a.ok("one.user.info", u)).findtext("VM_QUOTA/VM/VMS") == "2"
    a.ok("one.user.quota", u, "DATASTORE=[ID=1, IMAGES=4]")
    assert xml(a.ok("one.user.info", u)).findtext("VM_QUOTA/VM/VMS") == "2"
    # Every limit back to -1 with nothing used: the entry goes, as in OpenNebula.
    a.ok("one.user.quota", u, "DATASTORE=[ID=100, SIZE=-1]")
    assert list(ds_quota(a, "user", u)) == ["1"]

    a.ok("one.group.quota", g, "DATASTORE=[ID=1, IMAGES=10]")
    assert ds_quota(a, "group", g) == {"1": entry("10", "0", "-1", "0")}
    tags = [e.tag for e in xml(a.ok("one.group.info", g))]
    assert tags[tags.index("DATASTORE_QUOTA") + 4] == "DEFAULT_GROUP_QUOTAS"


def test_pools_give_quotas_beside_each_object(make_oned):
    d, a, g, u = world(make_oned)
    a.ok("one.user.quota", u, "DATASTORE=[ID=1, IMAGES=3, SIZE=1024]")
    a.ok("one.group.quota", g, "DATASTORE=[ID=1, SIZE=4096]")
    pool = xml(a.ok("one.userpool.info"))
    kids = list(pool)
    i = next(n for n, e in enumerate(kids) if e.tag == "USER" and e.findtext("ID") == str(u))
    assert kids[i].find("DATASTORE_QUOTA") is None          # not inside the pool's USER
    assert kids[i + 1].tag == "QUOTAS" and kids[i + 1].findtext("ID") == str(u)
    assert ds_entries(kids[i + 1].find("DATASTORE_QUOTA")) == {"1": entry("3", "0", "1024", "0")}
    pool = xml(a.ok("one.grouppool.info"))
    kids = list(pool)
    i = next(n for n, e in enumerate(kids) if e.tag == "GROUP" and e.findtext("ID") == str(g))
    assert kids[i + 1].tag == "QUOTAS"
    assert ds_entries(kids[i + 1].find("DATASTORE_QUOTA")) == {"1": entry("-1", "0", "4096", "0")}
    # A member sees its own quotas.
    alice = d.proxy("alice", PW)
    assert ds_quota(alice, "user", u)["1"]["IMAGES"] == "3"


def test_defaults(make_oned):
    d, a, g, u = world(make_oned)
    doc = xml(a.ok("one.userquota.update", "DATASTORE=[ID=1, IMAGES=5, SIZE=500]"))
    assert doc.tag == "DEFAULT_USER_QUOTAS"
    assert ds_entries(doc.find("DATASTORE_QUOTA")) == {"1": entry("5", "0", "500", "0")}
    assert ds_entries(xml(a.ok("one.userquota.info")).find("DATASTORE_QUOTA")) == \
        {"1": entry("5", "0", "500", "0")}
    assert ds_entries(xml(a.ok("one.user.info", u)).find(
        "DEFAULT_USER_QUOTAS/DATASTORE_QUOTA")) == {"1": entry("5", "0", "500", "0")}
    tail = list(xml(a.ok("one.userpool.info")))[-1]
    assert tail.tag == "DEFAULT_USER_QUOTAS"
    assert ds_entries(tail.find("DATASTORE_QUOTA"))["1"]["SIZE"] == "500"

    doc = xml(a.ok("one.groupquota.update", "DATASTORE=[ID=2, IMAGES=-2, SIZE=10]"))
    assert doc.tag == "DEFAULT_GROUP_QUOTAS"
    assert ds_entries(xml(a.ok("one.group.info", g)).find(
        "DEFAULT_GROUP_QUOTAS/DATASTORE_QUOTA")) == {"2": entry("-2", "0", "10", "0")}
    assert list(xml(a.ok("one.grouppool.info")))[-1].find("DATASTORE_QUOTA/DATASTORE/ID").text \
        == "2"
    # Setting a datastore's default leaves the VM defaults and other datastores alone.
    a.ok("one.userquota.update", "VM=[VMS=7]")
    a.ok("one.userquota.update", "DATASTORE=[ID=3, SIZE=1]")
    doc = xml(a.ok("one.userquota.info"))
    assert doc.findtext("VM_QUOTA/VM/VMS") == "7"
    assert sorted(ds_entries(doc.find("DATASTORE_QUOTA"))) == ["1", "3"]
    # Only the oneadmin group sets defaults.
    code, _ = d.proxy("alice", PW).fail("one.userquota.update", "DATASTORE=[ID=1, SIZE=1]")
    assert code == AUTHORIZATION


def test_bad_quotas_are_refused_and_change_nothing(make_oned):
    d, a, g, u = world(make_oned)
    a.ok("one.user.quota", u, "VM=[VMS=2]\nDATASTORE=[ID=1, IMAGES=3]")
    cases = [
        ("DATASTORE=[IMAGES=3]", "DATASTORE quota lacks the datastore's ID"),
        ("DATASTORE=[ID=abc, IMAGES=3]", 'Invalid datastore ID "abc" in DATASTORE quota'),
        ("DATASTORE=[ID=-1, SIZE=3]", 'Invalid datastore ID "-1"'),
        ("DATASTORE=[ID=1, SIZE=-3]",
         'Invalid SIZE quota "-3": use a number >= 0, -1 (default) or -2 (unlimited).'),
        ("DATASTORE=[ID=1, IMAGES=lots]", 'Invalid IMAGES quota "lots"'),
        ("DATASTORE=7", "DATASTORE quota must be a vector"),
        # The VM limit of a refused call is not applied either.
        ("VM=[VMS=9]\nDATASTORE=[ID=1, IMAGES=9]\nDATASTORE=[ID=2, SIZE=-5]", "SIZE"),
    ]
    for text, msg in cases:
        code, err = a.fail("one.user.quota", u, text)
        assert code == ACTION and msg in err, (text, err)
        code, err = a.fail("one.group.quota", g, text)
        assert code == ACTION and msg in err, (text, err)
        code, err = a.fail("one.userquota.update", text)
        assert code == ACTION and msg in err, (text, err)
    assert ds_quota(a, "user", u) == {"1": entry("3", "0", "-1", "0")}
    assert xml(a.ok("one.user.info", u)).findtext("VM_QUOTA/VM/VMS") == "2"
    assert ds_quota(a, "group", g) == {}
    assert xml(a.ok("one.userquota.info")).find("DATASTORE_QUOTA/DATASTORE") is None
    # Quota templates from a regular user are refused as before.
    code, _ = d.proxy("alice", PW).fail("one.user.quota", u, "DATASTORE=[ID=1, IMAGES=99]")
    assert code == AUTHORIZATION
    code, err = a.fail("one.user.quota", 0, "DATASTORE=[ID=1, IMAGES=1]")
    assert code == ACTION and "oneadmin" in err


def test_restart_keeps_them(make_oned):
    d, a, g, u = world(make_oned)
    a.ok("one.user.quota", u, "VM=[VMS=2]\nDATASTORE=[ID=1, IMAGES=3, SIZE=1024]\n"
                              "DATASTORE=[ID=0, SIZE=1.5]")
    a.ok("one.group.quota", g, "DATASTORE=[ID=1, IMAGES=10]")
    a.ok("one.userquota.update", "DATASTORE=[ID=1, SIZE=500]")
    a.ok("one.groupquota.update", "DATASTORE=[ID=2, IMAGES=4]")
    d.restart()
    a = d.admin
    assert ds_quota(a, "user", u) == {"0": entry("-1", "0", "1.5", "0"),
                                      "1": entry("3", "0", "1024", "0")}
    assert xml(a.ok("one.user.info", u)).findtext("VM_QUOTA/VM/VMS") == "2"
    assert ds_quota(a, "group", g) == {"1": entry("10", "0", "-1", "0")}
    assert ds_entries(xml(a.ok("one.userquota.info")).find("DATASTORE_QUOTA")) == \
        {"1": entry("-1", "0", "500", "0")}
    assert ds_entries(xml(a.ok("one.groupquota.info")).find("DATASTORE_QUOTA")) == \
        {"2": entry("4", "0", "-1", "0")}


def test_cli_sets_and_shows_datastore_quotas(make_oned):
    d, a, g, u = world(make_oned)
    rc, out, err = d.cli("oneuser", "quota", "alice", "-",
                         input="DATASTORE=[ID=1, IMAGES=3, SIZE=2048]\n")
    assert rc == 0, err
    assert ds_quota(a, "user", u)["1"] == entry("3", "0", "2048", "0")
    rc, out, err = d.cli("oneuser", "show", "alice")
    assert rc == 0, err
    assert "DATASTORE USAGE & QUOTAS" in out
    row = next(line for line in out.splitlines() if re.match(r"\s*1\s", line))
    assert "0 / 3" in row and "0M / 2G" in row, out
    rc, out, err = d.cli("onegroup", "quota", "team", "-", input="DATASTORE=[ID=1, SIZE=-3]\n")
    assert rc == 255 and 'Invalid SIZE quota "-3"' in err


def test_image_allocate_charges_datastore_quota(make_oned):
    """NEEDS THE IMAGE API (one.datastore.allocate, one.image.allocate/delete):
    fails until it is merged.  Images are charged to their owner's and group's
    DATASTORE quota in the allocating transaction and released on delete."""
    d, a, g, u = world(make_oned)
    a.ok("one.acl.addrule", "2%08x" % g, "8400000000", "8")      # @g IMAGE/* CREATE
    ds = a.ok("one.datastore.allocate", 'NAME="dq"\nTYPE="IMAGE_DS"\nDS_MAD="dummy"\n'
                                        'TM_MAD="dummy"\nDATASTORE_CAPACITY_CHECK="NO"', -1)
    alice = d.proxy("alice", PW)
    a.ok("one.user.quota", u, f"DATASTORE=[ID={ds}, IMAGES=1, SIZE=-2]")
    a.ok("one.group.quota", g, f"DATASTORE=[ID={ds}, SIZE=150]")

    img = alice.ok("one.image.allocate", 'NAME="d1"\nTYPE="DATABLOCK"\nSIZE="100"', ds, False)
    assert ds_quota(a, "user", u)[str(ds)] == entry("1", "1", "-2", "100")
    assert ds_quota(a, "group", g)[str(ds)] == entry("-1", "1", "150", "100")

    code, msg = alice.fail("one.image.allocate", 'NAME="d2"\nTYPE="DATABLOCK"\nSIZE="10"', ds,
                           False)
    assert code == AUTHORIZATION
    assert (f"User [{u}] : user [{u}] limit of 1 reached for IMAGES quota in DATASTORE "
            f"with ID: {ds}.") in msg
    a.ok("one.user.quota", u, f"DATASTORE=[ID={ds}, IMAGES=-2]")
    code, msg = alice.fail("one.image.allocate", 'NAME="d2"\nTYPE="DATABLOCK"\nSIZE="60"', ds,
                           False)
    assert code == AUTHORIZATION
    assert f"group [{g}] limit of 150 reached for SIZE quota in DATASTORE with ID: {ds}." in msg
    # Refusals charge nothing; deleting gives the image back.
    assert ds_quota(a, "user", u)[str(ds)]["IMAGES_USED"] == "1"
    alice.ok("one.image.delete", img, False)
    end = time.monotonic() + 10
    while ds_quota(a, "group", g)[str(ds)]["IMAGES_USED"] != "0" and time.monotonic() < end:
        time.sleep(0.05)                    # the datastore driver deletes it first
    assert ds_quota(a, "user", u)[str(ds)] == entry("-2", "0", "-2", "0")
    assert ds_quota(a, "group", g)[str(ds)] == entry("-1", "0", "150", "0")
