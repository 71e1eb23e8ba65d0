"""DS_MAD "fs" with TM_MAD "qcow2" and "ssh" against private libvirtds.

The drivers run in tests/tools/nbds (one DS or TM operation per call,
tm-many for several VMs at once).  Two private libvirtds play two hosts;
each has its own directory of VM directories ("system datastore"), as hosts
that share nothing would.  The tiny TCG guest boots from a qcow2 overlay
the TM made, its domain rendered by nb_domain_xml (nbds domain) from a DISK
that names the image (IMAGE_ID, SOURCE, CLONE=YES, DISK_ID), and writes
into its disk at boot: the image in the datastore must stay byte-identical.
"""

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

import libvirt_env
from harness import BUILD
from libvirt_env import wait_until

NBDS = BUILD / "tests" / "tools" / "nbds"
BOOT_TIMEOUT = 90       # TCG on 2 busy cores


@pytest.fixture(scope="module", autouse=True)
def built():
    subprocess.run(["make", "-s", "-C", str(BUILD), "tests/tools/nbds"],
                   check=True, capture_output=True, timeout=600)


@pytest.fixture(scope="module")
def guest():
    return libvirt_env.tiny_guest()


@pytest.fixture(scope="module")
def hosts(tmp_path_factory, guest):
    """Two hosts: (template file, their VM directories' parent)."""
    out, daemons = [], []
    try:
        for i in (1, 2):
            d = libvirt_env.Libvirtd()
            daemons.append(d)
            tmpl = tmp_path_factory.mktemp(f"host{i}") / "host"
            tmpl.write_text(f'ID = {i}\nHOSTNAME = "host{i}"\nLIBVIRT_URI = "{d.uri}"\n')
            out.append({"tmpl": tmpl, "lvd": d, "vms": tmp_path_factory.mktemp(f"sys{i}")})
        yield out
    finally:
        for d in daemons:
            d.stop()


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    d = tmp_path_factory.mktemp("ds")
    f = d / "ds"
    f.write_text(f'ID = 100\nNAME = "files"\nBASE_PATH = "{d}/images"\n')
    return {"tmpl": f, "base": d / "images"}


def run(*args, ok=True):
    p = subprocess.run([str(NBDS), *map(str, args)], capture_output=True, text=True, timeout=300)
    assert "Sanitizer" not in p.stderr, p.stderr        # the ASan build's reports
    if ok:
        assert p.returncode == 0, f"nbds {' '.join(map(str, args))}: {p.stderr}"
        return dict(line.split("=", 1) for line in p.stdout.splitlines())
    assert p.returncode == 1, p.stdout
    return p.stderr.strip()


def import_image(ds, path, fmt, image_id):
    return run("ds", "fs", ds["tmpl"], "import", image_id, path, fmt)


def disk_file(tmp, image, image_id, clone, disk_id=0, shared=None):
    """A DISK as the core writes it; without SHARED the driver's default holds."""
    f = tmp / f"disk-{image_id}-{clone}-{disk_id}-{shared}"
    extra = f", SHARED = {shared}" if shared else ""
    f.write_text(f'DISK = [ IMAGE_ID = {image_id}, SOURCE = "{image["SOURCE"]}", '
                 f'FORMAT = {image["FORMAT"]}, CLONE = {clone}, DISK_ID = {disk_id}{extra} ]\n')
    return f


def tm(op, driver, ds, host, vm, disk, ok=True):
    return run("tm", driver, ds["tmpl"], op, host["tmpl"], vm, host["vms"] / str(vm), disk, ok=ok)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def qemu_info(path):
    p = subprocess.run(["qemu-img", "info", "-U", "--output=json", str(path)],
                       capture_output=True, text=True, timeout=60, check=True)
    return json.loads(p.stdout)


def pools(host):
    return host["lvd"].virsh("pool-list", "--all", "--name", check=True).stdout.split()


def raw_image(tmp, name, mb=4):
    """A raw image with a recognisable pattern."""
    p = tmp / name
    p.write_bytes(bytes(range(256)) * (mb * 4096))
    return p


# ---- qcow2: the hosts share BASE_PATH ------------------------------------------------

@pytest.mark.parametrize("driver", ["qcow2", "ssh"])
def test_guest_boots_from_an_overlay_and_the_image_stays_intact(tmp_path, guest, hosts, ds,
                                                                driver):
    host, vm = hosts[0], 10 if driver == "qcow2" else 11
    image = import_image(ds, guest["base"], "qcow2", vm)
    assert image["FORMAT"] == "qcow2" and image["SIZE"] == "32"
    before = sha256(image["SOURCE"])
    disk = disk_file(tmp_path, image, vm, "YES")

    where = Path(tm("prepare", driver, ds, host, vm, disk)["DISK_SOURCE"])
    assert where == host["vms"] / str(vm) / "disk.0"
    info = qemu_info(where)
    assert info["format"] == "qcow2"
    assert info["backing-filename-format"] == "qcow2"
    if driver == "qcow2":
        assert info["backing-filename"] == image["SOURCE"]
    else:       # the host's cached copy, byte-identical to the image
        cached = Path(info["backing-filename"])
        assert cached.parent == host["vms"] / ".cache"
        assert sha256(cached) == before
    assert pools(host) == []            # the transient pool is gone, the files stay

    tmpl = tmp_path / "vm"
    tmpl.write_text(f'NAME = "fs-{vm}"\nCPU = 1\nMEMORY = 128\n'
                    f'OS = [ KERNEL = "{guest["kernel"]}", INITRD = "{guest["initrd"]}", '
                    f'KERNEL_CMD = "console=ttyS0 lvmode=root" ]\n' + disk.read_text())
    log = host["vms"] / str(vm) / "console.log"
    dom = subprocess.run([str(NBDS), "domain", str(vm), str(host["vms"] / str(vm)), str(tmpl),
                          str(log)], capture_output=True, text=True, check=True).stdout
    assert f"<source file='{where}'/>" in dom and "type='qcow2'" in dom
    domfile = tmp_path / "dom.xml"
    domfile.write_text(dom)
    lvd = host["lvd"]
    p = lvd.virsh("create", str(domfile))
    assert p.returncode == 0, p.stderr
    try:
        wait_until(lambda: "ROOT-HB" in log.read_text(errors="replace") if log.exists() else False,
                   timeout=BOOT_TIMEOUT, what=f"the guest's heartbeat in {log}")
        assert "boots recorded on disk: 1" in log.read_text()
    finally:
        lvd.virsh("destroy", f"one-{vm}")

    assert sha256(image["SOURCE"]) == before       # the guest wrote into the overlay only
    assert tm("release", driver, ds, host, vm, disk) == {}    # prints nothing
    assert not where.exists()
    assert sha256(image["SOURCE"]) == before
    assert pools(host) == []


def test_prepare_keeps_an_existing_overlay_and_release_is_idempotent(tmp_path, hosts, ds):
    host, vm = hosts[0], 12
    image = import_image(ds, raw_image(tmp_path, "r.raw"), "raw", vm)
    disk = disk_file(tmp_path, image, vm, "YES", disk_id=3)
    where = Path(tm("prepare", "qcow2", ds, host, vm, disk)["DISK_SOURCE"])
    assert where.name == "disk.3"
    assert qemu_info(where)["backing-filename-format"] == "raw"
    first = where.stat()
    tm("prepare", "qcow2", ds, host, vm, disk)
    again = where.stat()
    assert (again.st_ino, again.st_mtime_ns) == (first.st_ino, first.st_mtime_ns)
    tm("release", "qcow2", ds, host, vm, disk)
    tm("release", "qcow2", ds, host, vm, disk)      # already gone: success
    assert not where.exists()


def test_qcow2_persistent_image_is_used_in_place(tmp_path, hosts, ds):
    host, vm = hosts[0], 13
    image = import_image(ds, raw_image(tmp_path, "p.raw"), "raw", vm)
    disk = disk_file(tmp_path, image, vm, "NO")
    assert tm("prepare", "qcow2", ds, host, vm, disk)["DISK_SOURCE"] == image["SOURCE"]
    assert not (host["vms"] / str(vm)).exists()     # nothing made on the host
    tm("release", "qcow2", ds, host, vm, disk)
    assert Path(image["SOURCE"]).exists()


# ---- ssh: nothing shared, a per-host cache ---------------------------------------------

def cache_files(host, image_id):
    """The host's cached copies of that image (and their markers)."""
    d = host["vms"] / ".cache"
    return sorted(p.name for p in d.glob(f"100-{image_id}-*")) if d.exists() else []


def test_ssh_uploads_an_image_once_per_host(tmp_path, hosts, ds):
    image = import_image(ds, raw_image(tmp_path, "c.raw", mb=8), "raw", 20)
    disk = disk_file(tmp_path, image, 20, "YES")
    h1, h2 = hosts
    overlays = [Path(tm("prepare", "ssh", ds, h1, vm, disk)["DISK_SOURCE"]) for vm in (20, 21)]
    names = cache_files(h1, 20)
    assert len(names) == 2 and names[1] == names[0] + ".ok"
    cached = h1["vms"] / ".cache" / names[0]
    first = cached.stat()
    assert sha256(cached) == sha256(image["SOURCE"])
    for o in overlays:
        assert qemu_info(o)["backing-filename"] == str(cached)

    tm("prepare", "ssh", ds, h1, 22, disk)          # a third VM: still the same copy
    again = cached.stat()
    assert (again.st_ino, again.st_mtime_ns) == (first.st_ino, first.st_mtime_ns)

    other = Path(tm("prepare", "ssh", ds, h2, 23, disk)["DISK_SOURCE"])     # another host: its own
    assert cache_files(h2, 20) == names
    assert qemu_info(other)["backing-filename"] == str(h2["vms"] / ".cache" / names[0])

    for host, vm in ((h1, 20), (h1, 21), (h1, 22), (h2, 23)):
        tm("release", "ssh", ds, host, vm, disk)
        assert not (host["vms"] / str(vm) / "disk.0").exists()
    assert cache_files(h1, 20) == names                 # the cache outlives the VMs
    assert pools(h1) == [] and pools(h2) == []


@pytest.mark.parametrize("driver", ["qcow2", "ssh"])
def test_concurrent_vms_on_one_host_share_one_upload(tmp_path, hosts, ds, driver):
    """Eight VMs at once on one host, as oned's workers run them: libvirt
    allows one pool per directory, so they must share the cache's."""
    host, first = hosts[1], 100 if driver == "qcow2" else 200
    image = import_image(ds, raw_image(tmp_path, "many.raw", mb=16), "raw", first)
    disk = disk_file(tmp_path, image, first, "YES")
    args = [str(a) for a in (ds["tmpl"], host["tmpl"], first, host["vms"], disk)]

    out = subprocess.run([str(NBDS), "tm-many", "8", driver, args[0], "prepare", *args[1:]],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    disks = [Path(line.split("=", 1)[1]) for line in out.stdout.splitlines()
             if line.startswith("DISK_SOURCE=")]
    assert disks == [host["vms"] / str(first + i) / "disk.0" for i in range(8)]
    backing = {qemu_info(d)["backing-filename"] for d in disks}
    if driver == "qcow2":
        assert backing == {image["SOURCE"]}
    else:
        names = cache_files(host, first)
        assert len(names) == 2          # one copy and its marker, not eight
        assert backing == {str(host["vms"] / ".cache" / names[0])}
    assert pools(host) == []

    out = subprocess.run([str(NBDS), "tm-many", "8", driver, args[0], "release", *args[1:]],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert not any(d.exists() for d in disks)
    assert pools(host) == []


def test_ssh_redoes_an_upload_cut_short(tmp_path, hosts, ds):
    host = hosts[1]
    image = import_image(ds, raw_image(tmp_path, "cut.raw"), "raw", 30)
    disk = disk_file(tmp_path, image, 30, "YES")
    tm("prepare", "ssh", ds, host, 30, disk)
    name = cache_files(host, 30)[0]
    cached = host["vms"] / ".cache" / name
    tm("release", "ssh", ds, host, 30, disk)
    # As if oned died mid-upload: half the bytes, no completion marker.
    (host["vms"] / ".cache" / (name + ".ok")).unlink()
    with open(cached, "r+b") as f:
        f.truncate(cached.stat().st_size // 2)
    tm("prepare", "ssh", ds, host, 31, disk)
    assert sha256(cached) == sha256(image["SOURCE"])
    assert (host["vms"] / ".cache" / (name + ".ok")).exists()
    tm("release", "ssh", ds, host, 31, disk)


def test_ssh_changed_image_gets_a_fresh_copy(tmp_path, hosts, ds):
    host = hosts[0]
    image = import_image(ds, raw_image(tmp_path, "v.raw"), "raw", 40)
    disk = disk_file(tmp_path, image, 40, "YES")
    o1 = Path(tm("prepare", "ssh", ds, host, 40, disk)["DISK_SOURCE"])
    with open(image["SOURCE"], "r+b") as f:          # saved back by a persistent use
        f.write(b"new bytes")
    o2 = Path(tm("prepare", "ssh", ds, host, 41, disk)["DISK_SOURCE"])
    b1, b2 = qemu_info(o1)["backing-filename"], qemu_info(o2)["backing-filename"]
    assert b1 != b2
    assert sha256(b2) == sha256(image["SOURCE"]) != sha256(b1)
    tm("release", "ssh", ds, host, 40, disk)
    tm("release", "ssh", ds, host, 41, disk)


def test_ssh_persistent_copy_is_saved_back(tmp_path, hosts, ds):
    host, vm = hosts[1], 50
    image = import_image(ds, raw_image(tmp_path, "pers.raw"), "raw", vm)
    disk = disk_file(tmp_path, image, vm, "NO")
    where = Path(tm("prepare", "ssh", ds, host, vm, disk)["DISK_SOURCE"])
    assert where == host["vms"] / str(vm) / "disk.0"
    assert sha256(where) == sha256(image["SOURCE"])
    with open(where, "r+b") as f:                    # the VM writes its disk
        f.seek(12345)
        f.write(b"written by the VM")
    changed = sha256(where)
    assert changed != sha256(image["SOURCE"])
    tm("release", "ssh", ds, host, vm, disk)
    assert sha256(image["SOURCE"]) == changed
    assert not where.exists() and list((host["vms"] / str(vm)).iterdir()) == []
    assert sorted(p.name for p in ds["base"].iterdir() if p.name.startswith(".")) == []
    tm("release", "ssh", ds, host, vm, disk)        # gone: success, the image untouched
    assert sha256(image["SOURCE"]) == changed


def test_the_disks_shared_decides_over_the_drivers(tmp_path, hosts, ds):
    host = hosts[0]
    image = import_image(ds, raw_image(tmp_path, "s.raw"), "raw", 70)
    before = sha256(image["SOURCE"])
    # "qcow2" on a datastore with SHARED = NO: a copy, as "ssh" makes it.
    unshared = {c: disk_file(tmp_path, image, 70, c, shared="NO") for c in ("NO", "YES")}
    shared = {c: disk_file(tmp_path, image, 70, c, shared="YES") for c in ("NO", "YES")}
    copy = Path(tm("prepare", "qcow2", ds, host, 70, unshared["NO"])["DISK_SOURCE"])
    assert copy == host["vms"] / "70" / "disk.0" and sha256(copy) == before
    over = Path(tm("prepare", "qcow2", ds, host, 71, unshared["YES"])["DISK_SOURCE"])
    assert Path(qemu_info(over)["backing-filename"]).parent == host["vms"] / ".cache"
    # "ssh" on a datastore with SHARED = YES: the image in place, overlays on SOURCE.
    assert tm("prepare", "ssh", ds, host, 72, shared["NO"])["DISK_SOURCE"] == image["SOURCE"]
    tm("release", "ssh", ds, host, 72, shared["NO"])
    over = Path(tm("prepare", "ssh", ds, host, 73, shared["YES"])["DISK_SOURCE"])
    assert qemu_info(over)["backing-filename"] == image["SOURCE"]
    for vm, disk in ((70, unshared["NO"]), (71, unshared["YES"]), (73, shared["YES"])):
        tm("release", "qcow2", ds, host, vm, disk)
    assert sha256(image["SOURCE"]) == before
    assert not any((host["vms"] / str(vm) / "disk.0").exists() for vm in (70, 71, 73))


def sparse_image(tmp, name, mb=64):
    """A raw image of mb MiB with 64 KiB of data at its start and middle."""
    p = tmp / name
    with open(p, "wb") as f:
        for at in (0, mb << 19):
            f.seek(at)
            f.write(os.urandom(1 << 16))
        f.truncate(mb << 20)
    return p


def allocated(path):
    return os.stat(path).st_blocks * 512


def test_ssh_keeps_holes_both_ways(tmp_path, hosts, ds):
    host = hosts[0]
    image = import_image(ds, sparse_image(tmp_path, "holes.raw"), "raw", 80)
    assert allocated(image["SOURCE"]) < (1 << 20)
    over = Path(tm("prepare", "ssh", ds, host, 80,
                   disk_file(tmp_path, image, 80, "YES"))["DISK_SOURCE"])
    cached = Path(qemu_info(over)["backing-filename"])
    assert sha256(cached) == sha256(image["SOURCE"])
    assert allocated(cached) < (1 << 20)            # 64 MiB sent as 128 KiB and two holes
    tm("release", "ssh", ds, host, 80, disk_file(tmp_path, image, 80, "YES"))

    disk = disk_file(tmp_path, image, 80, "NO")
    copy = Path(tm("prepare", "ssh", ds, host, 81, disk)["DISK_SOURCE"])
    assert allocated(copy) < (1 << 20)
    with open(copy, "r+b") as f:
        f.seek(100)
        f.write(b"changed")
    changed = sha256(copy)
    tm("release", "ssh", ds, host, 81, disk)
    assert sha256(image["SOURCE"]) == changed
    assert os.path.getsize(image["SOURCE"]) == 64 << 20
    assert allocated(image["SOURCE"]) < (1 << 20)   # saved back sparse


# ---- errors -------------------------------------------------------------------------

def test_errors_name_the_disk_vm_host_and_cause(tmp_path, hosts, ds):
    host = hosts[0]
    image = import_image(ds, raw_image(tmp_path, "e.raw"), "raw", 60)
    bad = tmp_path / "nodiskid"
    bad.write_text(f'DISK = [ IMAGE_ID = 60, SOURCE = "{image["SOURCE"]}", CLONE = YES ]\n')
    assert tm("prepare", "qcow2", ds, host, 60, bad, ok=False) == \
        "nbds: qcow2: prepare disk ? of VM 60 on host host1: the DISK has no valid DISK_ID"
    fmt = tmp_path / "vmdk"
    fmt.write_text(f'DISK = [ IMAGE_ID = 60, SOURCE = "{image["SOURCE"]}", FORMAT = vmdk, '
                   f'CLONE = YES, DISK_ID = 0 ]\n')
    assert 'unsupported image FORMAT "vmdk"' in tm("prepare", "ssh", ds, host, 60, fmt, ok=False)
    down = {"tmpl": tmp_path / "down", "vms": host["vms"]}
    down["tmpl"].write_text('ID = 9\nHOSTNAME = "down"\n'
                            'LIBVIRT_URI = "qemu:///system?socket=/nonexistent/sock"\n')
    msg = tm("prepare", "ssh", ds, down, 61, disk_file(tmp_path, image, 60, "YES"), ok=False)
    assert msg.startswith("nbds: ssh: prepare disk 0 of VM 61 on host down: ")
    missing = dict(image, SOURCE=str(ds["base"] / "gone"))
    msg = tm("prepare", "ssh", ds, host, 62, disk_file(tmp_path, missing, 60, "YES"), ok=False)
    assert "cannot read" in msg and "No such file" in msg
    assert not (host["vms"] / "62" / "disk.0").exists()
