"""Datastores and images through the API with the dummy storage drivers
(reference §2.8, §3.7, §3.8): what OpenNebula's own client test suites
configure (DS_MAD = TM_MAD = "dummy").  The image's life: LOCKED while its
data is stored, READY, USED by VMs (their DISKs filled from it), back to
READY when they are done, deleted with its data; errors keep a reason.
"""

import subprocess
import time

import pytest

from harness import ACTION, ALLOCATE, AUTHORIZATION, NO_EXISTS, ids, xml

SETTLE = 15.0
READY, USED, DISABLED, LOCKED, ERROR, USED_PERS = 1, 2, 3, 4, 5, 8
VM_TEXT = "CPU=0.5\nMEMORY=64\n"


def why(session, method, *args, code):
    """The message of a call that must fail with that code."""
    return session.fail(method, *args, code=code)[1]


def image(session, iid):
    return xml(session.ok("one.image.info", iid))


def wait_image(session, iid, state, timeout=SETTLE):
    deadline = time.monotonic() + timeout
    while True:
        doc = image(session, iid)
        if int(doc.findtext("STATE")) == state:
            return doc
        if time.monotonic() > deadline:
            raise AssertionError(f"image {iid} stays in state {doc.findtext('STATE')}, "
                                 f"expected {state}: {session.ok('one.image.info', iid)}")
        time.sleep(0.02)


def wait_gone(session, iid, timeout=SETTLE):
    deadline = time.monotonic() + timeout
    while session.call("one.image.info", iid)[0]:
        assert time.monotonic() < deadline, f"image {iid} is still there"
        time.sleep(0.02)


def vm_phase(session, vid):
    doc = xml(session.ok("one.vm.info", vid))
    return int(doc.findtext("STATE")), int(doc.findtext("LCM_STATE"))


def wait_vm(session, vid, want, timeout=SETTLE):
    deadline = time.monotonic() + timeout
    while vm_phase(session, vid) != want:
        assert time.monotonic() < deadline, session.ok("one.vm.info", vid)
        time.sleep(0.02)


def new_ds(admin, uniq, extra=""):
    return admin.ok("one.datastore.allocate",
                    f'NAME="{uniq("ds")}"\nDS_MAD="dummy"\nTM_MAD="dummy"\n{extra}', -1)


@pytest.fixture(scope="module")
def ds(admin, uniq):
    return new_ds(admin, uniq)


@pytest.fixture(scope="module")
def raw_file(tmp_path_factory):
    p = tmp_path_factory.mktemp("img") / "disk.raw"
    p.write_bytes(b"\x01" * (3 * 1024 * 1024 + 5))
    return str(p)


def test_datastore_allocate_document_and_capacity(admin, uniq):
    name = uniq("ds")
    did = admin.ok("one.datastore.allocate",
                   f'NAME="{name}"\nDS_MAD="dummy"\nTM_MAD="dummy"\nDUMMY_TOTAL_MB=4096', -1)
    assert did >= 100
    doc = xml(admin.ok("one.datastore.info", did))
    assert [c.tag for c in doc][:8] == ["ID", "UID", "GID", "UNAME", "GNAME", "NAME",
                                        "PERMISSIONS", "DS_MAD"]
    assert doc.findtext("DS_MAD") == "dummy" and doc.findtext("TM_MAD") == "dummy"
    assert doc.findtext("TYPE") == "0" and doc.findtext("STATE") == "0"
    assert doc.findtext("BASE_PATH").endswith(f"/datastores/{did}")
    assert ids(doc, "CLUSTERS") == [0]
    assert did in ids(xml(admin.ok("one.cluster.info", 0)), "DATASTORES")
    deadline = time.monotonic() + SETTLE
    while xml(admin.ok("one.datastore.info", did)).findtext("TOTAL_MB") != "4096":
        assert time.monotonic() < deadline, "the datastore's capacity is never monitored"
        time.sleep(0.05)
    doc = xml(admin.ok("one.datastore.info", did))
    assert doc.findtext("FREE_MB") == "4096" and doc.findtext("USED_MB") == "0"


def test_datastore_allocate_errors(admin, uniq):
    assert "DS_MAD \"nope\" is not a" in why(admin, 
        "one.datastore.allocate", f'NAME="{uniq("d")}"\nDS_MAD="nope"\nTM_MAD="dummy"', -1,
        code=ALLOCATE)
    assert "No TM_MAD" in why(admin, "one.datastore.allocate",
                                     f'NAME="{uniq("d")}"\nDS_MAD="dummy"', -1, code=ALLOCATE)
    assert "Unknown datastore TYPE" in why(admin, 
        "one.datastore.allocate", f'NAME="{uniq("d")}"\nTYPE="X"\nTM_MAD="dummy"', -1,
        code=ALLOCATE)
    admin.fail("one.datastore.allocate", f'NAME="{uniq("d")}"\nDS_MAD="dummy"\nTM_MAD="dummy"',
               77, code=NO_EXISTS)


def test_only_system_datastores_are_disabled(admin, uniq, ds):
    assert "Only system" in why(admin, "one.datastore.enable", ds, False, code=ACTION)
    sys_ds = admin.ok("one.datastore.allocate",
                      f'NAME="{uniq("sys")}"\nTYPE="SYSTEM_DS"\nTM_MAD="dummy"', -1)
    admin.ok("one.datastore.enable", sys_ds, False)
    assert xml(admin.ok("one.datastore.info", sys_ds)).findtext("STATE") == "1"
    admin.ok("one.datastore.delete", sys_ds)
    admin.fail("one.datastore.info", sys_ds, code=NO_EXISTS)


def test_image_from_a_file_is_stored_then_ready(admin, uniq, ds, raw_file):
    name = uniq("img")
    iid = admin.ok("one.image.allocate", f'NAME="{name}"\nPATH="{raw_file}"\nDEV_PREFIX="vd"',
                   ds)
    doc = wait_image(admin, iid, READY)
    assert doc.findtext("NAME") == name
    assert doc.findtext("SOURCE") == f"dummy/{ds}/{iid}"
    assert doc.findtext("PATH") == raw_file
    assert doc.findtext("FORMAT") == "raw"
    assert doc.findtext("SIZE") == "4"      # 3 MB and 5 bytes, rounded up
    assert doc.findtext("TYPE") == "0" and doc.findtext("PERSISTENT") == "0"
    assert doc.findtext("DATASTORE_ID") == str(ds)
    assert doc.find("TEMPLATE/DEV_PREFIX").text == "vd"
    assert doc.find("TEMPLATE/PATH") is None and doc.find("TEMPLATE/PROGRESS") is None
    assert iid in ids(xml(admin.ok("one.datastore.info", ds)), "IMAGES")
    assert [c.tag for c in doc][:9] == ["ID", "UID", "GID", "UNAME", "GNAME", "NAME",
                                        "PERMISSIONS", "TYPE", "DISK_TYPE"]


def test_qcow2_is_detected_with_its_virtual_size(admin, uniq, ds, tmp_path):
    p = tmp_path / "disk.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(p), "5M"], check=True)
    iid = admin.ok("one.image.allocate", f'NAME="{uniq("q")}"\nPATH="{p}"', ds)
    doc = wait_image(admin, iid, READY)
    assert doc.findtext("FORMAT") == "qcow2" and doc.findtext("SIZE") == "5"


def test_datablock_and_allocate_errors(admin, uniq, ds):
    iid = admin.ok("one.image.allocate", f'NAME="{uniq("db")}"\nTYPE="DATABLOCK"\nSIZE=100', ds)
    doc = wait_image(admin, iid, READY)
    assert doc.findtext("TYPE") == "2" and doc.findtext("SIZE") == "100"
    assert "needs SIZE" in why(admin, "one.image.allocate", f'NAME="{uniq("x")}"\nTYPE=DATABLOCK',
                                      ds, code=ACTION)
    assert "No PATH" in why(admin, "one.image.allocate", f'NAME="{uniq("x")}"\nTYPE=OS', ds,
                                   code=ACTION)
    assert "No such file" in why(admin, "one.image.allocate",
                                        f'NAME="{uniq("x")}"\nPATH="/nonexistent/x"', ds,
                                        code=ACTION)
    assert "ftp" in why(admin, "one.image.allocate", f'NAME="{uniq("x")}"\nPATH="ftp://h/x"', ds,
                               code=ACTION)
    assert "not an image datastore" in why(admin, 
        "one.image.allocate", f'NAME="{uniq("x")}"\nSIZE=1\nTYPE=DATABLOCK', 0, code=ACTION)
    admin.fail("one.image.allocate", f'NAME="{uniq("x")}"\nSIZE=1', 999, code=NO_EXISTS)


def test_no_room_in_the_datastore(admin, uniq):
    small = new_ds(admin, uniq, "DUMMY_TOTAL_MB=50")
    deadline = time.monotonic() + SETTLE
    while xml(admin.ok("one.datastore.info", small)).findtext("TOTAL_MB") != "50":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    msg = why(admin, "one.image.allocate", f'NAME="{uniq("big")}"\nSIZE=100\nTYPE=DATABLOCK',
                     small, code=ACTION)
    assert "Not enough space in datastore" in msg and "50 MB are free" in msg


def test_driver_failure_puts_the_image_in_error(admin, uniq, raw_file):
    bad = new_ds(admin, uniq, 'DUMMY_FAIL="import"')
    iid = admin.ok("one.image.allocate", f'NAME="{uniq("f")}"\nPATH="{raw_file}"', bad)
    doc = wait_image(admin, iid, ERROR)
    assert "import fails" in doc.findtext("TEMPLATE/ERROR")
    # An image in ERROR is deleted like any other (nothing was stored).
    admin.ok("one.image.delete", iid)
    wait_gone(admin, iid)
    assert iid not in ids(xml(admin.ok("one.datastore.info", bad)), "IMAGES")


def test_vm_disks_take_the_image_and_give_it_back(admin, uniq, ds, raw_file):
    iid = admin.ok("one.image.allocate", f'NAME="{uniq("os")}"\nPATH="{raw_file}"', ds)
    wait_image(admin, iid, READY)
    hid = admin.ok("one.host.allocate", uniq("h"), "dummy", "dummy", -1)
    vms = [admin.ok("one.vm.allocate", VM_TEXT + f"DISK=[IMAGE_ID={iid}]") for _ in range(2)]
    doc = image(admin, iid)
    assert int(doc.findtext("STATE")) == USED and doc.findtext("RUNNING_VMS") == "2"
    assert ids(doc, "VMS") == sorted(vms)
    disk = xml(admin.ok("one.vm.info", vms[0])).find("TEMPLATE/DISK")
    assert disk.findtext("IMAGE_ID") == str(iid)
    assert disk.findtext("SOURCE") == f"dummy/{ds}/{iid}"
    assert disk.findtext("CLONE") == "YES" and disk.findtext("TM_MAD") == "dummy"
    assert disk.findtext("DATASTORE_ID") == str(ds) and disk.findtext("TYPE") == "FILE"
    assert "CLUSTER_ID = 0" in xml(admin.ok("one.vm.info", vms[0])).findtext(
        "TEMPLATE/AUTOMATIC_REQUIREMENTS")
    assert "used by 2 VMs" in why(admin, "one.image.delete", iid, code=ACTION)
    assert "used by 2 VMs" in why(admin, "one.image.persistent", iid, True, code=ACTION)
    admin.ok("one.vm.deploy", vms[0], hid)
    wait_vm(admin, vms[0], (3, 3))
    for v in vms:
        admin.ok("one.vm.action", "terminate-hard", v)
    for v in vms:
        wait_vm(admin, v, (6, 0))
    doc = image(admin, iid)
    assert int(doc.findtext("STATE")) == READY and doc.findtext("RUNNING_VMS") == "0"
    assert ids(doc, "VMS") == []
    admin.ok("one.image.delete", iid)
    wait_gone(admin, iid)


def test_a_persistent_image_has_one_vm(admin, uniq, ds, raw_file):
    iid = admin.ok("one.image.allocate",
                   f'NAME="{uniq("p")}"\nPATH="{raw_file}"\nPERSISTENT=YES', ds)
    wait_image(admin, iid, READY)
    vm = admin.ok("one.vm.allocate", VM_TEXT + f"DISK=[IMAGE_ID={iid}]")
    assert int(image(admin, iid).findtext("STATE")) == USED_PERS
    disk = xml(admin.ok("one.vm.info", vm)).find("TEMPLATE/DISK")
    assert disk.findtext("CLONE") == "NO" and disk.findtext("PERSISTENT") == "YES"
    msg = why(admin, "one.vm.allocate", VM_TEXT + f"DISK=[IMAGE_ID={iid}]", code=ACTION)
    assert f"Cannot acquire image {iid}, it is persistent and already in use" in msg
    admin.ok("one.vm.action", "terminate-hard", vm)
    wait_vm(admin, vm, (6, 0))
    assert int(image(admin, iid).findtext("STATE")) == READY


def test_disabled_images_and_names(admin, uniq, ds, raw_file):
    name = uniq("n")
    iid = admin.ok("one.image.allocate", f'NAME="{name}"\nPATH="{raw_file}"', ds)
    wait_image(admin, iid, READY)
    admin.ok("one.image.enable", iid, False)
    assert int(image(admin, iid).findtext("STATE")) == DISABLED
    msg = why(admin, "one.vm.allocate", VM_TEXT + f'DISK=[IMAGE="{name}"]', code=ACTION)
    assert "it is in state DISABLED" in msg
    admin.ok("one.image.enable", iid, True)
    vm = admin.ok("one.vm.allocate", VM_TEXT + f'DISK=[IMAGE="{name}", IMAGE_UNAME="oneadmin"]')
    assert xml(admin.ok("one.vm.info", vm)).findtext("TEMPLATE/DISK/IMAGE_ID") == str(iid)
    admin.fail("one.vm.allocate", VM_TEXT + 'DISK=[IMAGE_ID=99999]', code=NO_EXISTS)
    admin.ok("one.vm.action", "terminate-hard", vm)
    wait_vm(admin, vm, (6, 0))
    admin.ok("one.image.chtype", iid, "DATABLOCK")
    assert image(admin, iid).findtext("TYPE") == "2"
    assert "Unknown image type" in why(admin, "one.image.chtype", iid, "FLOPPY", code=ACTION)


def test_clone_copies_the_image(admin, uniq, ds, raw_file):
    iid = admin.ok("one.image.allocate", f'NAME="{uniq("o")}"\nPATH="{raw_file}"', ds)
    wait_image(admin, iid, READY)
    cid = admin.ok("one.image.clone", iid, uniq("copy"))
    doc = wait_image(admin, cid, READY)
    assert doc.findtext("SOURCE") == f"dummy/{ds}/{cid}" and doc.findtext("SIZE") == "4"
    orig = image(admin, iid)
    assert int(orig.findtext("STATE")) == READY and orig.findtext("CLONING_OPS") == "0"
    assert ids(orig, "CLONES") == []


def test_users_need_datastore_use_and_own_their_images(oned, admin, uniq, ds, raw_file):
    user = uniq("u")
    uid = admin.ok("one.user.allocate", user, "pw", "")
    alice = oned.proxy(user, "pw")
    # A user imports files of the front-end only from the datastore's
    # SAFE_DIRS (by default /var/tmp): anything else is an admin's.
    msg = why(alice, "one.image.allocate", f'NAME="mine"\nPATH="{raw_file}"', ds, code=ACTION)
    assert "SAFE_DIRS" in msg
    iid = alice.ok("one.image.allocate", 'NAME="mine"\nTYPE=DATABLOCK\nSIZE=2', ds)
    doc = wait_image(alice, iid, READY)
    assert doc.findtext("UID") == str(uid)
    # Datastore USE comes from the VDC: a group outside every VDC has none.
    gid = admin.ok("one.group.allocate", uniq("g"))
    admin.ok("one.vdc.delgroup", 0, gid)
    # "@gid IMAGE/* CREATE": groups made through the API have no CREATE rule.
    admin.ok("one.acl.addrule", f"{0x200000000 | gid:x}", f"{0x8000000000 | 0x400000000:x}", "8")
    carol = uniq("c")
    admin.ok("one.user.chgrp", admin.ok("one.user.allocate", carol, "pw", ""), gid)
    assert "DATASTORE" in why(oned.proxy(carol, "pw"), "one.image.allocate",
                              'NAME="c"\nSIZE=1\nTYPE=DATABLOCK', ds, code=AUTHORIZATION)
    other = uniq("v")
    admin.ok("one.user.allocate", other, "pw", "")
    bob = oned.proxy(other, "pw")
    bob.fail("one.image.info", iid, code=AUTHORIZATION)
    bob.fail("one.vm.allocate", VM_TEXT + f"DISK=[IMAGE_ID={iid}]", code=AUTHORIZATION)
    pool = xml(alice.ok("one.imagepool.info", -3, -1, -1))
    assert [int(e.findtext("ID")) for e in pool.findall("IMAGE")] == [iid]


def test_forced_delete_flattens_the_disks_of_running_vms(admin, uniq, ds, raw_file):
    iid = admin.ok("one.image.allocate", f'NAME="{uniq("f")}"\nPATH="{raw_file}"', ds)
    wait_image(admin, iid, READY)
    hid = admin.ok("one.host.allocate", uniq("h"), "dummy", "dummy", -1)
    vm = admin.ok("one.vm.allocate", VM_TEXT + f"DISK=[IMAGE_ID={iid}]")
    # A VM whose disk is not made yet still needs the image.
    assert "VM %d has not started" % vm in why(admin, "one.image.delete", iid, True, code=ACTION)
    admin.ok("one.vm.deploy", vm, hid)
    wait_vm(admin, vm, (3, 3))
    assert "force flattens" in why(admin, "one.image.delete", iid, False, code=ACTION)
    admin.ok("one.image.delete", iid, True)
    wait_gone(admin, iid)
    assert iid not in ids(xml(admin.ok("one.datastore.info", ds)), "IMAGES")
    # The VM lives on; done, it has no image to give back.
    assert vm_phase(admin, vm) == (3, 3)
    admin.ok("one.vm.action", "terminate-hard", vm)
    wait_vm(admin, vm, (6, 0))


def test_forced_delete_is_refused_where_it_cannot_work(admin, uniq, raw_file):
    pers_ds = new_ds(admin, uniq)
    iid = admin.ok("one.image.allocate",
                   f'NAME="{uniq("p")}"\nPATH="{raw_file}"\nPERSISTENT=YES', pers_ds)
    wait_image(admin, iid, READY)
    vm = admin.ok("one.vm.allocate", VM_TEXT + f"DISK=[IMAGE_ID={iid}]")
    assert f"persistent and VM {vm} uses it in place" in why(admin, "one.image.delete", iid,
                                                             True, code=ACTION)
    admin.ok("one.vm.action", "terminate-hard", vm)
    wait_vm(admin, vm, (6, 0))
    admin.ok("one.image.delete", iid)
    wait_gone(admin, iid)
