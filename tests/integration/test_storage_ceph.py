"""Ceph RBD through oned, end to end (issue: storage), on a private
single-node Ceph (cephx on, loopback only) and a private libvirtd: the tiny
TCG guest's disk is imported over HTTP into a Ceph datastore (converted to
raw), three VMs are instantiated from it and each gets a copy-on-write clone
of the image's protected snapshot; one boots from its clone (the serial log
proves it) through a cephx secret oned's TM defined on the host; the image
cannot be deleted while in use; terminating the VMs removes their clones and
the image then goes with its RBD data."""

import uuid
from pathlib import Path

import pytest

import libvirt_env
import test_libvirt as tl
from conftest import FAST
from harness import ACTION, Oned, ids, xml
from libvirt_env import wait_until
from test_storage_fs import vm_text, wait_image, web  # noqa: F401 (fixture)

READY, USED = 1, 2
# One libvirt secret per cephx user on a host (libvirt refuses a second
# secret for the same usage), so the datastores of one cluster share it.
SECRET = str(uuid.uuid4())


@pytest.fixture(scope="module")
def guest():
    return libvirt_env.tiny_guest()


@pytest.fixture(scope="module")
def lvd(guest):
    d = libvirt_env.Libvirtd()
    yield d
    d.stop()


@pytest.fixture(scope="module")
def one(tmp_path_factory, lvd, ceph):
    d = Oned(tmp_path_factory.mktemp("oned"), conf=FAST)
    yield d
    d.close()


def ceph_ds(a, ceph, name):
    """A Ceph image datastore on the private cluster, cephx user admin."""
    return a.ok("one.datastore.allocate",
                f'NAME="{name}"\nDS_MAD="ceph"\nTM_MAD="ceph"\nDISK_TYPE="RBD"\n'
                f'POOL_NAME="{ceph.pool}"\nCEPH_HOST="{ceph.mon_host}"\nCEPH_USER="admin"\n'
                f'CEPH_CONF="{ceph.conf}"\nCEPH_KEY="{ceph.keyring}"\nCEPH_SECRET="{SECRET}"',
                -1)


def rbd_names(ceph):
    return set(ceph.rbd("ls", ceph.pool, check=True).stdout.split())


def test_vms_boot_from_ceph_clones_of_an_imported_image(one, lvd, ceph, guest, web):
    a = one.admin
    h = tl.add_host(a, "ceph-host", lvd.uri)
    ds = ceph_ds(a, ceph, "ceph")
    iid = a.ok("one.image.allocate", f'NAME="tiny"\nPATH="{web}/base.qcow2"', ds)
    img = wait_image(a, iid, READY)
    source = img.findtext("SOURCE")
    assert source == f"{ceph.pool}/one-{iid}"
    assert img.findtext("FORMAT") == "raw" and img.findtext("DISK_TYPE") == "3"
    assert int(img.findtext("SIZE")) >= 1

    tid = a.ok("one.template.allocate", vm_text(guest, iid, "cephvm"))
    vms = [a.ok("one.template.instantiate", tid, f"ceph-{i}", False, "", False)
           for i in range(3)]
    disk = xml(a.ok("one.vm.info", vms[0])).find("TEMPLATE/DISK")
    assert (disk.findtext("TYPE"), disk.findtext("CLONE")) == ("RBD", "YES")
    assert disk.findtext("CEPH_SECRET") == SECRET and disk.findtext("CEPH_HOST") == ceph.mon_host
    for vm in vms:
        a.ok("one.vm.deploy", vm, h, False, -1, "")
    for vm in vms:
        tl.wait_phase(a, vm, tl.RUNNING)
    clones = {f"one-{iid}-{vm}-0" for vm in vms}
    children = ceph.rbd("children", f"{source}@snap", check=True).stdout.split()
    assert {c.split("/")[-1] for c in children} == clones
    assert lvd.virsh("secret-list").stdout.count(SECRET) == 1
    tl.wait_boot(tl.console(one, a, vms[0]), 1)

    img = xml(a.ok("one.image.info", iid))
    assert int(img.findtext("STATE")) == USED and ids(img, "VMS") == sorted(vms)
    assert "used by 3 VMs" in a.fail("one.image.delete", iid, code=ACTION)[1]

    for vm in vms:
        a.ok("one.vm.action", "terminate-hard", vm)
    for vm in vms:
        tl.wait_phase(a, vm, tl.DONE)
    assert not clones & rbd_names(ceph)
    assert int(xml(a.ok("one.image.info", iid)).findtext("STATE")) == READY

    a.ok("one.image.delete", iid)
    wait_until(lambda: not a.call("one.image.info", iid)[0], timeout=60,
               what=f"image {iid} deleted")
    assert f"one-{iid}" not in rbd_names(ceph)
    a.ok("one.datastore.delete", ds)


def test_forced_delete_flattens_the_clone_of_a_running_guest(one, lvd, ceph, guest, web):
    """An image with live clones can go: forced, oned flattens the VMs'
    clones first (they keep running, now independent), then removes it."""
    a = one.admin
    h = tl.add_host(a, "ceph-host2", lvd.uri)
    ds = ceph_ds(a, ceph, "ceph2")
    iid = a.ok("one.image.allocate", f'NAME="tiny2"\nPATH="{web}/base.qcow2"', ds)
    source = wait_image(a, iid, READY).findtext("SOURCE")
    vm = a.ok("one.vm.allocate", vm_text(guest, iid, "flat"))
    a.ok("one.vm.deploy", vm, h, False, -1, "")
    tl.wait_phase(a, vm, tl.RUNNING)
    log = tl.console(one, a, vm)
    tl.wait_boot(log, 1)
    clone = f"{ceph.pool}/one-{iid}-{vm}-0"
    assert "parent:" in ceph.rbd("info", clone, check=True).stdout

    a.ok("one.image.delete", iid, True)
    wait_until(lambda: not a.call("one.image.info", iid)[0], timeout=120,
               what=f"image {iid} deleted")
    assert f"one-{iid}" not in rbd_names(ceph)
    assert "parent:" not in ceph.rbd("info", clone, check=True).stdout
    hb = tl.last_heartbeat(log)
    wait_until(lambda: tl.last_heartbeat(log) >= hb + 2, timeout=30,
               what="heartbeats after the image went")
    a.ok("one.vm.action", "terminate-hard", vm)
    tl.wait_phase(a, vm, tl.DONE)
    assert f"one-{iid}-{vm}-0" not in rbd_names(ceph)
