"""The fs datastore through oned, end to end (issue: storage): the tiny TCG
guest's disk is imported over HTTP into a DS_MAD "fs" datastore, VMs are
instantiated from it and deployed on a private libvirtd, each booting from
a qcow2 overlay the TM made on the host (TM_MAD "qcow2", hosts share the
datastore's path; "ssh" uploads the image to the host once).  The image
stays byte-identical; terminating the VMs removes their overlays; the
image cannot be deleted while in use, and its file goes when it is."""

import hashlib
import http.server
import json
import subprocess
import threading
import time
from pathlib import Path

import pytest

import libvirt_env
import test_libvirt as tl
from conftest import FAST
from harness import ACTION, Oned, ids, xml
from libvirt_env import wait_until

READY, USED = 1, 2


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@pytest.fixture(scope="module")
def guest():
    return libvirt_env.tiny_guest()


@pytest.fixture(scope="module")
def web(guest):
    """An HTTP server with the guest's disk at /base.qcow2."""
    root = Path(guest["base"]).parent

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(root), **kw)

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def lvd(guest):
    d = libvirt_env.Libvirtd()
    yield d
    d.stop()


@pytest.fixture(scope="module")
def one(tmp_path_factory, lvd):
    d = Oned(tmp_path_factory.mktemp("oned"), conf=FAST)
    yield d
    d.close()


def wait_image(a, iid, state, timeout=120):
    def check():
        doc = xml(a.ok("one.image.info", iid))
        if doc.findtext("STATE") == "5":
            raise AssertionError(f"image {iid} in ERROR: {doc.findtext('TEMPLATE/ERROR')}")
        return int(doc.findtext("STATE")) == state
    wait_until(check, timeout=timeout, what=f"image {iid} in state {state}")
    return xml(a.ok("one.image.info", iid))


def vm_text(guest, iid, name="fsvm"):
    return (f'NAME = "{name}"\nCPU = 1\nMEMORY = 128\n'
            f'OS = [ KERNEL = "{guest["kernel"]}", INITRD = "{guest["initrd"]}", '
            f'KERNEL_CMD = "console=ttyS0 lvmode=root" ]\n'
            f'DISK = [ IMAGE_ID = {iid} ]\n')


def backing_of(path):
    info = json.loads(subprocess.run(["qemu-img", "info", "-U", "--output=json", str(path)],
                                     capture_output=True, text=True, check=True).stdout)
    return info.get("format"), info.get("backing-filename")


@pytest.mark.parametrize("tm", ["qcow2", "ssh"])
def test_vms_boot_from_overlays_of_an_imported_image(one, lvd, guest, web, tm):
    a = one.admin
    h = tl.add_host(a, f"fs-{tm}", lvd.uri)
    ds = a.ok("one.datastore.allocate", f'NAME="fs-{tm}"\nDS_MAD="fs"\nTM_MAD="{tm}"', -1)
    digest = sha256(guest["base"])
    iid = a.ok("one.image.allocate",
               f'NAME="tiny-{tm}"\nPATH="{web}/base.qcow2"\nSHA256="{digest}"', ds)
    img = wait_image(a, iid, READY)
    source = Path(img.findtext("SOURCE"))
    assert img.findtext("FORMAT") == "qcow2" and source.parent == Path(
        xml(a.ok("one.datastore.info", ds)).findtext("BASE_PATH"))
    assert sha256(source) == digest

    tid = a.ok("one.template.allocate", vm_text(guest, iid, f"fs-{tm}"))
    vms = [a.ok("one.template.instantiate", tid, f"fs-{tm}-{i}", False, "", False)
           for i in range(2)]
    img = xml(a.ok("one.image.info", iid))
    assert int(img.findtext("STATE")) == USED and ids(img, "VMS") == sorted(vms)
    for vm in vms:
        a.ok("one.vm.deploy", vm, h, False, -1, "")
    for vm in vms:
        tl.wait_phase(a, vm, tl.RUNNING)
    tl.wait_boot(tl.console(one, a, vms[0]), 1)

    overlays = [tl.console(one, a, vm).parent / "disk.0" for vm in vms]
    for o in overlays:
        fmt, backing = backing_of(o)
        assert fmt == "qcow2"
        # qcow2 overlays sit on the image itself; ssh ones on the host's copy.
        if tm == "qcow2":
            assert backing == str(source)
        else:
            assert backing and ".cache" in backing and sha256(backing) == digest
    assert "used by 2 VMs" in a.fail("one.image.delete", iid, code=ACTION)[1]

    for vm in vms:
        a.ok("one.vm.action", "terminate-hard", vm)
    for vm in vms:
        tl.wait_phase(a, vm, tl.DONE)
    assert not any(o.exists() for o in overlays)
    img = xml(a.ok("one.image.info", iid))
    assert int(img.findtext("STATE")) == READY and img.findtext("RUNNING_VMS") == "0"
    assert sha256(source) == digest

    a.ok("one.image.delete", iid)
    wait_until(lambda: not a.call("one.image.info", iid)[0], timeout=30,
               what=f"image {iid} deleted")
    assert not source.exists()
    assert iid not in ids(xml(a.ok("one.datastore.info", ds)), "IMAGES")
    a.ok("one.datastore.delete", ds)


def test_a_persistent_image_is_used_in_place(one, lvd, guest, tmp_path):
    """TM qcow2 shares the datastore with the hosts: the VM writes into the
    image itself, which then differs from what was imported."""
    a = one.admin
    h = tl.add_host(a, "fs-pers", lvd.uri)
    ds = a.ok("one.datastore.allocate", 'NAME="fs-pers"\nDS_MAD="fs"\nTM_MAD="qcow2"', -1)
    copy = tmp_path / "mine.qcow2"
    subprocess.run(["qemu-img", "convert", "-O", "qcow2", str(guest["base"]), str(copy)],
                   check=True, timeout=120)
    iid = a.ok("one.image.allocate", f'NAME="mine"\nPATH="{copy}"\nPERSISTENT=YES', ds)
    source = Path(wait_image(a, iid, READY).findtext("SOURCE"))
    before = sha256(source)
    vm = a.ok("one.vm.allocate", vm_text(guest, iid))
    disk = xml(a.ok("one.vm.info", vm)).find("TEMPLATE/DISK")
    assert disk.findtext("CLONE") == "NO" and disk.findtext("SHARED") == "YES"
    a.ok("one.vm.deploy", vm, h, False, -1, "")
    tl.wait_phase(a, vm, tl.RUNNING)
    tl.wait_boot(tl.console(one, a, vm), 1)
    a.ok("one.vm.action", "terminate-hard", vm)
    tl.wait_phase(a, vm, tl.DONE)
    # The guest counts its boots on its disk: the image holds the count now.
    assert sha256(source) != before
    assert not (tl.console(one, a, vm).parent / "disk.0").exists()
    assert int(xml(a.ok("one.image.info", iid)).findtext("STATE")) == READY
