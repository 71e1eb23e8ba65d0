"""Images and the VMs that use them, beyond test_images.py (reference §2.8,
§2.10, §3.8, §7.4), with the dummy storage drivers: VMs instantiated from a
template whose DISK names an image, one image in two DISKs of a VM, VMs
ended or recreated by recover, image work caught in flight (a delete, an
oned restart: DUMMY_DELAY_MS makes the driver slow), clones of a used image,
and chown.
"""

import time

import pytest

from harness import ACTION, AUTHORIZATION, INTERNAL, NO_EXISTS, ids, xml
from test_images import (DISABLED, LOCKED, READY, USED, USED_PERS, VM_TEXT, image, new_ds,
                         wait_gone, wait_image, wait_vm, why)

DELETE = 7
PW = "pw"
DONE = (6, 0)
RUNNING = (3, 3)
# ACL words (§5.1) of the CREATE rule `onegroup create` gives a group; groups
# made through the API have none (their DATASTORE USE comes from VDC 0).
T_VM, T_IMAGE, T_TEMPLATE = 0x1000000000, 0x8000000000, 0x20000000000
ANY, GROUP = 0x400000000, 0x200000000


@pytest.fixture(scope="module")
def ds(admin, uniq):
    return new_ds(admin, uniq)


@pytest.fixture(scope="module")
def host(admin, uniq):
    return admin.ok("one.host.allocate", uniq("h"), "dummy", "dummy", -1)


@pytest.fixture
def raw_file(tmp_path):
    p = tmp_path / "disk.raw"
    p.write_bytes(b"\x02" * (2 * 1024 * 1024))
    return str(p)


def new_image(session, uniq, ds, raw_file, extra=""):
    iid = session.ok("one.image.allocate", f'NAME="{uniq("img")}"\nPATH="{raw_file}"\n{extra}',
                     ds)
    wait_image(session, iid, READY)
    return iid


def users(oned, admin, uniq, *names):
    """A new group whose members may create VMs, images and templates, and
    one user per name in it: {name: (uid, session)}."""
    g = admin.ok("one.group.allocate", uniq("g"))
    admin.ok("one.acl.addrule", f"{GROUP | g:x}", f"{T_VM | T_IMAGE | T_TEMPLATE | ANY:x}", "8")
    out = {}
    for n in names:
        login = uniq(n)
        out[n] = (admin.ok("one.user.allocate", login, PW, "core", [g]), oned.proxy(login, PW))
    return out


def in_use(session, iid):
    """(STATE, RUNNING_VMS, VMS) of an image."""
    doc = image(session, iid)
    return int(doc.findtext("STATE")), int(doc.findtext("RUNNING_VMS")), ids(doc, "VMS")


def disks(session, vid):
    return xml(session.ok("one.vm.info", vid)).findall("TEMPLATE/DISK")


def end_vm(session, vid):
    session.ok("one.vm.action", "terminate-hard", vid)
    wait_vm(session, vid, DONE)


def wait_used_mb(session, did, want, timeout=15.0):
    deadline = time.monotonic() + timeout
    while xml(session.ok("one.datastore.info", did)).findtext("USED_MB") != want:
        assert time.monotonic() < deadline, session.ok("one.datastore.info", did)
        time.sleep(0.05)


def test_instantiate_a_template_whose_disk_names_an_image(admin, uniq, ds, raw_file):
    iid = new_image(admin, uniq, ds, raw_file)
    name = xml(admin.ok("one.image.info", iid)).findtext("NAME")
    tid = admin.ok("one.template.allocate",
                   f'NAME="{uniq("t")}"\n{VM_TEXT}DISK=[IMAGE="{name}", IMAGE_UNAME="oneadmin", '
                   f'DEV_PREFIX="sd"]')
    vid = admin.ok("one.template.instantiate", tid, "", False, "", False)
    (d,) = disks(admin, vid)
    assert d.findtext("IMAGE_ID") == str(iid) and d.findtext("SOURCE") == f"dummy/{ds}/{iid}"
    assert d.findtext("CLONE") == "YES" and d.findtext("DISK_ID") == "0"
    assert d.findtext("DEV_PREFIX") == "sd"       # the template's, over the image's
    assert in_use(admin, iid) == (USED, 1, [vid])
    # The template keeps naming the image: nothing resolved is written back.
    t = xml(admin.ok("one.template.info", tid)).find("TEMPLATE/DISK")
    assert t.findtext("IMAGE") == name and t.find("SOURCE") is None
    # A second VM from it shares the (non-persistent) image.
    vid2 = admin.ok("one.template.instantiate", tid, "", False, "", False)
    assert in_use(admin, iid) == (USED, 2, sorted([vid, vid2]))
    for v in (vid, vid2):
        end_vm(admin, v)
    assert in_use(admin, iid) == (READY, 0, [])


def test_instantiate_needs_use_of_the_image(oned, admin, uniq, ds, raw_file):
    """TEMPLATE:USE, VM:CREATE and IMAGE:USE per DISK (§2.8): a template
    shared with a user does not share the image its DISK names."""
    (alice, s), = users(oned, admin, uniq, "alice").values()
    iid = new_image(admin, uniq, ds, raw_file)       # oneadmin's, 600
    tid = admin.ok("one.template.allocate", f'NAME="{uniq("t")}"\n{VM_TEXT}DISK=[IMAGE_ID={iid}]')
    admin.ok("one.template.chmod", tid, 1, 1, 0, 0, 0, 0, 1, 0, 0)
    code, msg = s.fail("one.template.instantiate", tid, "", False, "", False)
    assert code == AUTHORIZATION
    assert msg.startswith(f"[one.template.instantiate] User [{alice}] : Not authorized to "
                          f"perform USE IMAGE [{iid}]")
    assert xml(s.ok("one.vmpool.info", -3, -1, -1, -1)).findall("VM") == []
    assert in_use(admin, iid) == (READY, 0, [])
    # Once the image is shared too, the same call works.
    admin.ok("one.image.chmod", iid, -1, -1, -1, -1, -1, -1, 1, -1, -1)
    vid = s.ok("one.template.instantiate", tid, "", False, "", False)
    assert in_use(admin, iid) == (USED, 1, [vid])
    end_vm(s, vid)
    assert in_use(admin, iid) == (READY, 0, [])


def test_one_image_in_two_disks_of_a_vm(admin, uniq, ds, raw_file, host):
    """RUNNING_VMS counts VMs, not DISKs (image.h, as OpenNebula's VMS set)."""
    iid = new_image(admin, uniq, ds, raw_file)
    vid = admin.ok("one.vm.allocate", f"{VM_TEXT}DISK=[IMAGE_ID={iid}]\nDISK=[IMAGE_ID={iid}]")
    d0, d1 = disks(admin, vid)
    assert (d0.findtext("DISK_ID"), d1.findtext("DISK_ID")) == ("0", "1")
    assert d0.findtext("SOURCE") == d1.findtext("SOURCE") == f"dummy/{ds}/{iid}"
    assert d0.findtext("TARGET") != d1.findtext("TARGET")
    assert in_use(admin, iid) == (USED, 1, [vid])
    assert "used by 1 VM (" in why(admin, "one.image.delete", iid, code=ACTION)
    admin.ok("one.vm.deploy", vid, host)
    wait_vm(admin, vid, RUNNING)
    assert in_use(admin, iid) == (USED, 1, [vid])
    end_vm(admin, vid)
    assert in_use(admin, iid) == (READY, 0, [])
    admin.ok("one.image.delete", iid)
    wait_gone(admin, iid)


def test_a_persistent_image_twice_in_one_vm_is_refused(admin, uniq, ds, raw_file):
    iid = new_image(admin, uniq, ds, raw_file, "PERSISTENT=YES")
    before = {int(e.findtext("ID"))
              for e in xml(admin.ok("one.vmpool.info", -2, -1, -1, -1)).findall("VM")}
    msg = why(admin, "one.vm.allocate", f"{VM_TEXT}DISK=[IMAGE_ID={iid}]\nDISK=[IMAGE_ID={iid}]",
              code=ACTION)
    assert f"Cannot acquire image {iid}, it is persistent and already in use" in msg
    # Nothing of the refused VM stays: no VM, the image untaken.
    after = {int(e.findtext("ID"))
             for e in xml(admin.ok("one.vmpool.info", -2, -1, -1, -1)).findall("VM")}
    assert after == before
    assert in_use(admin, iid) == (READY, 0, [])


@pytest.mark.parametrize("deployed", [False, True], ids=["pending", "running"])
def test_recover_delete_gives_the_images_back(admin, uniq, ds, raw_file, host, deployed):
    a = new_image(admin, uniq, ds, raw_file)
    p = new_image(admin, uniq, ds, raw_file, "PERSISTENT=YES")
    vid = admin.ok("one.vm.allocate", f"{VM_TEXT}DISK=[IMAGE_ID={a}]\nDISK=[IMAGE_ID={p}]")
    if deployed:
        admin.ok("one.vm.deploy", vid, host)
        wait_vm(admin, vid, RUNNING)
    assert in_use(admin, a) == (USED, 1, [vid]) and in_use(admin, p) == (USED_PERS, 1, [vid])
    admin.ok("one.vm.recover", vid, 3)
    wait_vm(admin, vid, DONE)
    assert in_use(admin, a) == (READY, 0, [])
    assert in_use(admin, p) == (READY, 0, [])
    # The persistent image is free for another VM.
    v2 = admin.ok("one.vm.allocate", f"{VM_TEXT}DISK=[IMAGE_ID={p}]")
    end_vm(admin, v2)


def test_delete_while_the_import_runs_leaves_nothing(oned, admin, uniq, raw_file):
    slow = new_ds(admin, uniq, "DUMMY_DELAY_MS=1500")
    iid = admin.ok("one.image.allocate", f'NAME="{uniq("img")}"\nPATH="{raw_file}"', slow)
    assert int(image(admin, iid).findtext("STATE")) == LOCKED
    assert admin.ok("one.image.delete", iid) == iid
    assert int(image(admin, iid).findtext("STATE")) == DELETE
    assert "already being deleted" in why(admin, "one.image.delete", iid, code=ACTION)
    wait_gone(admin, iid)
    assert iid not in ids(xml(admin.ok("one.datastore.info", slow)), "IMAGES")
    assert not (oned.var / "staging" / f"image-{iid}").exists()
    # What the driver stored meanwhile is removed: the datastore ends empty.
    wait_used_mb(admin, slow, "0")


@pytest.mark.parametrize("how", ["crash", "stop"])
def test_restart_while_locked_reruns_the_import(make_oned, raw_file, how):
    d = make_oned()
    a = d.admin
    slow = a.ok("one.datastore.allocate",
                'NAME="slow"\nDS_MAD="dummy"\nTM_MAD="dummy"\nDUMMY_DELAY_MS=2000', -1)
    iid = a.ok("one.image.allocate", f'NAME="img"\nPATH="{raw_file}"', slow)
    assert int(image(a, iid).findtext("STATE")) == LOCKED
    if how == "crash":
        d.kill9()
        d.start()
        # The import starts again from the top: LOCKED for the driver's delay.
        assert int(image(a, iid).findtext("STATE")) == LOCKED
    else:
        d.restart()
    doc = wait_image(a, iid, READY)
    assert doc.findtext("SOURCE") == f"dummy/{slow}/{iid}" and doc.findtext("SIZE") == "2"
    assert doc.find("TEMPLATE/ERROR") is None and doc.find("TEMPLATE/PROGRESS") is None
    assert ids(xml(a.ok("one.datastore.info", slow)), "IMAGES") == [iid]
    assert not (d.var / "staging" / f"image-{iid}").exists()
    # Usable as any image.
    vid = a.ok("one.vm.allocate", f"{VM_TEXT}DISK=[IMAGE_ID={iid}]")
    assert in_use(a, iid) == (USED, 1, [vid])


def test_clone_of_a_used_image(admin, uniq, raw_file):
    slow = new_ds(admin, uniq, "DUMMY_DELAY_MS=2000")
    iid = new_image(admin, uniq, slow, raw_file)
    vid = admin.ok("one.vm.allocate", f"{VM_TEXT}DISK=[IMAGE_ID={iid}]")
    cid = admin.ok("one.image.clone", iid, uniq("copy"))
    # In flight: the original stays USED (not CLONE) and counts the copy.
    orig = image(admin, iid)
    assert int(orig.findtext("STATE")) == USED and orig.findtext("CLONING_OPS") == "1"
    assert ids(orig, "CLONES") == [cid]
    copy = image(admin, cid)
    assert int(copy.findtext("STATE")) == LOCKED and copy.findtext("CLONING_ID") == str(iid)
    assert "used by 1 VM" in why(admin, "one.image.delete", iid, code=ACTION)
    # The VM ends while the copy is made: the original is READY after it,
    # and kept until then.
    end_vm(admin, vid)
    assert int(image(admin, cid).findtext("STATE")) == LOCKED
    assert "being cloned" in why(admin, "one.image.delete", iid, code=ACTION)
    copy = wait_image(admin, cid, READY)
    assert copy.findtext("SOURCE") == f"dummy/{slow}/{cid}" and copy.findtext("SIZE") == "2"
    assert copy.findtext("RUNNING_VMS") == "0" and copy.findtext("CLONING_ID") == "-1"
    orig = image(admin, iid)
    assert int(orig.findtext("STATE")) == READY and orig.findtext("CLONING_OPS") == "0"
    assert ids(orig, "CLONES") == [] and orig.findtext("RUNNING_VMS") == "0"
    # Each is deleted on its own.
    admin.ok("one.image.delete", iid)
    wait_gone(admin, iid)
    assert int(image(admin, cid).findtext("STATE")) == READY


def test_a_disabled_image_is_not_cloned(admin, uniq, ds, raw_file):
    iid = new_image(admin, uniq, ds, raw_file)
    admin.ok("one.image.enable", iid, False)
    assert int(image(admin, iid).findtext("STATE")) == DISABLED
    assert "Cannot clone image" in why(admin, "one.image.clone", iid, uniq("c"), code=ACTION)
    admin.fail("one.image.clone", 99999, uniq("c"), code=NO_EXISTS)


def test_chown_moves_the_image(oned, admin, uniq, ds, raw_file):
    people = users(oned, admin, uniq, "alice", "bob")
    (alice, a), (bob, b) = people["alice"], people["bob"]
    iid = a.ok("one.image.allocate", 'NAME="disk"\nTYPE=DATABLOCK\nSIZE=4', ds)
    wait_image(a, iid, READY)
    vid = a.ok("one.vm.allocate", f'{VM_TEXT}DISK=[IMAGE="disk"]')
    assert in_use(admin, iid) == (USED, 1, [vid])

    admin.ok("one.image.chown", iid, bob, -1)
    doc = image(admin, iid)
    assert doc.findtext("UID") == str(bob)
    assert doc.findtext("UNAME") == xml(admin.ok("one.user.info", bob)).findtext("NAME")
    # The VM using it keeps it; the image is bob's now (600: alice loses it).
    assert in_use(admin, iid) == (USED, 1, [vid])
    a.fail("one.image.info", iid, code=AUTHORIZATION)
    assert [int(e.findtext("ID"))
            for e in xml(b.ok("one.imagepool.info", -3, -1, -1)).findall("IMAGE")] == [iid]
    assert xml(a.ok("one.imagepool.info", -3, -1, -1)).findall("IMAGE") == []
    # A DISK naming "disk" is bob's image for bob, nothing for alice.
    assert "has no image named \"disk\"" in why(a, "one.vm.allocate",
                                                f'{VM_TEXT}DISK=[IMAGE="disk"]', code=NO_EXISTS)
    v2 = b.ok("one.vm.allocate", f'{VM_TEXT}DISK=[IMAGE="disk"]')
    assert in_use(admin, iid) == (USED, 2, sorted([vid, v2]))
    # Names stay unique per owner: alice's next "disk" cannot go to bob.
    other = a.ok("one.image.allocate", 'NAME="disk"\nTYPE=DATABLOCK\nSIZE=4', ds)
    wait_image(a, other, READY)
    msg = why(admin, "one.image.chown", other, bob, -1, code=INTERNAL)
    assert f"user [{bob}] already owns image" in msg
    assert image(admin, other).findtext("UID") == str(alice)
    for v, s in ((vid, a), (v2, b)):
        end_vm(s, v)
    assert in_use(admin, iid) == (READY, 0, [])


def test_recover_delete_recreate_keeps_the_images(admin, uniq, ds, raw_file, host):
    iid = new_image(admin, uniq, ds, raw_file, "PERSISTENT=YES")
    vid = admin.ok("one.vm.allocate", f"{VM_TEXT}DISK=[IMAGE_ID={iid}]")
    admin.ok("one.vm.deploy", vid, host)
    wait_vm(admin, vid, RUNNING)
    admin.ok("one.vm.recover", vid, 4)
    wait_vm(admin, vid, (1, 0))                     # PENDING again, with its disk
    assert in_use(admin, iid) == (USED_PERS, 1, [vid])
    assert disks(admin, vid)[0].findtext("IMAGE_ID") == str(iid)
    end_vm(admin, vid)
    assert in_use(admin, iid) == (READY, 0, [])
