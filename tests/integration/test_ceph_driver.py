"""DS_MAD and TM_MAD "ceph" against a real single-node Ceph (ceph_env), driven
outside oned by tests/tools/nbds, which runs one driver operation as oned's
workers call it (built by `make check`).

What is checked is what an operator would look at with the rbd tool:
images and their protected snapshot, content read back with `rbd export`,
clones listed by `rbd children`, nothing left after removal; the libvirt
secret on a private libvirtd (libvirt_env); and at the end a TCG guest
that boots from its RBD clone over cephx, as the kvm driver would deploy
it (nbds domain renders the domain XML with nb_domain_xml).
"""

import hashlib
import json
import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest

import ceph_env
import libvirt_env
from harness import BUILD
from libvirt_env import wait_until

NBDS = BUILD / "tests" / "tools" / "nbds"
BOOT_TIMEOUT = 90       # TCG on 2 busy cores, disk over librbd


class Result:
    def __init__(self, p):
        self.rc = p.returncode
        self.err = p.stderr.strip()
        self.out = dict(line.split("=", 1) for line in p.stdout.splitlines() if "=" in line)
        self.stdout = p.stdout

    def ok(self):
        assert self.rc == 0, f"nbds failed ({self.rc}): {self.err}"
        return self.out


def nbds(*args, env=None):
    return Result(subprocess.run([str(NBDS), *map(str, args)], capture_output=True, text=True,
                                 timeout=120, env=env and {**os.environ, **env}))


def template(path, **attrs):
    path.write_text("".join(f'{k} = "{v}"\n' for k, v in attrs.items()))
    return path


class Store:
    """A Ceph datastore as the drivers see it: its template in a file."""

    def __init__(self, tmp, ceph, ds_id=100, **attrs):
        self.ceph = ceph
        self.tmp = tmp
        attrs = {"ID": ds_id, "NAME": f"ceph{ds_id}", "POOL_NAME": ceph.pool,
                 "CEPH_CONF": ceph.conf, "CEPH_KEY": ceph.keyring, **attrs}
        self.attrs = {k: v for k, v in attrs.items() if v is not None}
        self.path = template(tmp / f"ds{ds_id}.tmpl", **self.attrs)

    def ds(self, *args, env=None):
        return nbds("ds", "ceph", self.path, *args, env=env)

    def tm(self, op, vm_id, disk, host=None):
        """op on the VM's only DISK (a dict of its attributes)."""
        host = host or template(self.tmp / "host.tmpl", ID=1, HOSTNAME="node1")
        vm = self.tmp / f"vm{vm_id}.tmpl"
        vm.write_text("DISK = [ " + ", ".join(f'{k} = "{v}"' for k, v in disk.items()) + " ]\n")
        return nbds("tm", "ceph", self.path, op, host, vm_id, self.tmp / f"vm{vm_id}", vm)


def clone_disk(source, image_id, **extra):
    return {"IMAGE_ID": image_id, "SOURCE": source, "CLONE": "YES", "TYPE": "RBD",
            "DISK_ID": 0, **extra}


def images(ceph):
    return set(ceph.rbd("ls", ceph.pool, check=True).stdout.split())


def exported(ceph, spec, tmp):
    out = tmp / (spec.replace("/", "_").replace("@", "_") + ".out")
    out.unlink(missing_ok=True)
    ceph.rbd("export", "--no-progress", spec, str(out), check=True)
    data = out.read_bytes()
    out.unlink()
    return data


def snapshots(ceph, source):
    return json.loads(ceph.rbd("snap", "ls", "--format", "json", source, check=True).stdout)


def info(ceph, source):
    return json.loads(ceph.rbd("info", "--format", "json", source, check=True).stdout)


def data_objects(ceph, source):
    """How many RADOS objects hold the image's data (a sparse image has
    none for the ranges never written)."""
    prefix = info(ceph, source)["block_name_prefix"]
    objs = ceph._run(["rados", "-c", ceph.conf, "-p", ceph.pool, "ls"], check=True).stdout
    return sum(1 for o in objs.split() if o.startswith(prefix + "."))


@pytest.fixture(scope="module", autouse=True)
def built():
    if not NBDS.exists():
        pytest.fail(f"{NBDS} is missing: run make check (it builds the tools) first",
                    pytrace=False)


@pytest.fixture
def store(tmp_path, ceph):
    return Store(tmp_path, ceph)


def raw_file(path, chunks):
    """A raw disk: {offset: bytes}, zeros elsewhere, size the end of the last."""
    with open(path, "wb") as f:
        for off, data in sorted(chunks.items()):
            f.seek(off)
            f.write(data)
    return path


# ---- DS: import, mkimage, clone, remove ------------------------------------------------

def test_import_raw_reads_back_sparse_with_its_snapshot(store, ceph, tmp_path):
    src = raw_file(tmp_path / "disk.raw", {0: b"boot" * 1024, (9 << 20) + 5: b"tail" * 10})
    got = store.ds("import", 10, src, "raw").ok()
    assert got == {"SOURCE": "one/one-10", "FORMAT": "raw", "SIZE": "10"}   # 9 MiB + 45 B
    assert exported(ceph, "one/one-10", tmp_path) == src.read_bytes()
    snaps = snapshots(ceph, "one/one-10")
    assert [(s["name"], s["protected"]) for s in snaps] == [("snap", "true")]
    # 3 objects of 4 MiB span the image; the middle one was all zeros
    assert data_objects(ceph, "one/one-10") == 2
    i = info(ceph, "one/one-10")
    assert (i["format"], i["features"]) == (2, ["layering"])
    store.ds("remove", "one/one-10").ok()


def test_import_qcow2_is_converted_to_raw(store, ceph, tmp_path):
    raw = raw_file(tmp_path / "q.raw", {4096: os.urandom(70000), (3 << 20) - 99: b"end" * 33})     # ends at 3 MiB (qcow2 sizes are in sectors)
    qcow = tmp_path / "q.qcow2"
    subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", str(raw), str(qcow)],
                   check=True)
    got = store.ds("import", 11, qcow, "qcow2").ok()
    assert got == {"SOURCE": "one/one-11", "FORMAT": "raw", "SIZE": "3"}
    assert exported(ceph, "one/one-11", tmp_path) == raw.read_bytes()
    i = info(ceph, "one/one-11")
    assert (i["format"], i["features"]) == (2, ["layering"])
    assert [s["name"] for s in snapshots(ceph, "one/one-11")] == ["snap"]
    assert data_objects(ceph, "one/one-11") == 1    # zeros were not written
    store.ds("remove", "one/one-11").ok()


def test_bad_imports_leave_nothing(store, ceph, tmp_path):
    r = store.ds("import", 12, tmp_path / "missing.raw", "raw")
    assert r.rc == 1 and "cannot read" in r.err and "missing.raw" in r.err
    notqcow = raw_file(tmp_path / "not.qcow2", {0: b"x" * 1000})
    r = store.ds("import", 12, notqcow, "qcow2")
    assert r.rc == 1 and "not.qcow2: it is not a qcow2 image" in r.err, r.err
    # a header the parser refuses, then a sound header of an image
    # qemu-img cannot read (an encrypted image, no key): qemu-img says why
    bad = raw_file(tmp_path / "bad.qcow2",
                   {0: b"QFI\xfb\0\0\0\3" + bytes(16) + (1 << 20).to_bytes(8, "big"),
                    32: b"\xff" * 200})
    r = store.ds("import", 12, bad, "qcow2")
    assert r.rc == 1 and "bad qcow2 header" in r.err, r.err
    broken = tmp_path / "broken.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(broken), "8M"], check=True)
    with open(broken, "r+b") as f:
        f.seek(32)                      # crypt_method: AES
        f.write((1).to_bytes(4, "big"))
    r = store.ds("import", 12, broken, "qcow2")
    assert r.rc == 1 and "cannot convert" in r.err and "qemu-img failed: " in r.err, r.err
    r = store.ds("import", 12, notqcow, "vmdk")
    assert r.rc == 1 and "neither raw nor qcow2" in r.err
    assert "one-12" not in images(ceph)


def test_import_refuses_to_overwrite(store, ceph, tmp_path):
    src = raw_file(tmp_path / "a.raw", {0: b"A" * 512})
    store.ds("import", 13, src, "raw").ok()
    other = raw_file(tmp_path / "b.raw", {0: b"B" * 512})
    r = store.ds("import", 13, other, "raw")
    assert r.rc == 1 and "RBD image one/one-13 already exists" in r.err
    assert exported(ceph, "one/one-13", tmp_path) == src.read_bytes()     # untouched
    store.ds("remove", "one/one-13").ok()


def test_mkimage_is_empty_and_sized(store, ceph, tmp_path):
    assert store.ds("mkimage", 14, 64).ok() == {"SOURCE": "one/one-14", "FORMAT": "raw",
                                                 "SIZE": "64"}
    assert data_objects(ceph, "one/one-14") == 0
    assert info(ceph, "one/one-14")["size"] == 64 << 20
    assert [s["name"] for s in snapshots(ceph, "one/one-14")] == ["snap"]
    r = store.ds("mkimage", 15, 64, "qcow2")
    assert r.rc == 1 and "RBD images are raw, not qcow2" in r.err
    r = store.ds("mkimage", 15, 0)
    assert r.rc == 1 and "positive SIZE" in r.err
    assert "one-15" not in images(ceph)
    store.ds("remove", "one/one-14").ok()


def test_clone_is_an_independent_full_copy(store, ceph, tmp_path):
    src = raw_file(tmp_path / "a.raw", {0: b"orig" * 2048, (5 << 20): b"z" * 10})
    store.ds("import", 16, src, "raw").ok()
    assert store.ds("clone", "one/one-16", 17).ok() == {"SOURCE": "one/one-17", "FORMAT": "raw",
                                                         "SIZE": "6"}
    assert "parent" not in info(ceph, "one/one-17")     # not copy-on-write: a copy
    assert [s["name"] for s in snapshots(ceph, "one/one-17")] == ["snap"]
    store.ds("remove", "one/one-16").ok()           # the original may go first
    assert exported(ceph, "one/one-17", tmp_path) == src.read_bytes()
    store.ds("remove", "one/one-17").ok()
    r = store.ds("clone", "one/one-16", 18)
    assert r.rc == 1 and "cannot open one/one-16@snap" in r.err
    assert "one-18" not in images(ceph)


def test_remove_of_a_missing_image_succeeds(store):
    store.ds("remove", "one/one-999").ok()
    r = store.ds("remove", "one-999")
    assert r.rc == 1 and 'SOURCE "one-999" is not an RBD image name' in r.err


# ---- TM: clones of the snapshot --------------------------------------------------------

def test_vm_disks_are_clones_and_hold_the_image(store, ceph, tmp_path):
    src = raw_file(tmp_path / "base.raw", {0: b"base" * 4096})
    store.ds("import", 20, src, "raw").ok()
    disk = clone_disk("one/one-20", 20)
    for vm in (1, 2, 3):
        assert store.tm("prepare", vm, disk).ok() == {"DISK_SOURCE": f"one/one-20-{vm}-0",
                                                      "DISK_FORMAT": "raw"}
    store.tm("prepare", 2, disk).ok()               # again (a resume): kept
    kids = ceph.rbd("children", "one/one-20@snap", check=True).stdout.split()
    assert sorted(kids) == ["one/one-20-1-0", "one/one-20-2-0", "one/one-20-3-0"]
    assert exported(ceph, "one/one-20-2-0", tmp_path) == src.read_bytes()

    r = store.ds("remove", "one/one-20")
    assert r.rc == 1
    assert "image one/one-20 has 3 live clones" in r.err and "cannot be removed" in r.err
    assert "datastore 100 (ceph100)" in r.err
    assert {"one-20", "one-20-1-0"} <= images(ceph)
    assert [(s["name"], s["protected"]) for s in snapshots(ceph, "one/one-20")] == \
        [("snap", "true")]

    for vm in (1, 2, 3):
        store.tm("release", vm, disk).ok()
    store.tm("release", 3, disk).ok()               # nothing there: success
    assert ceph.rbd("children", "one/one-20@snap", check=True).stdout.split() == []
    store.ds("remove", "one/one-20").ok()
    assert not {i for i in images(ceph) if i.startswith("one-20")}


def test_persistent_disk_is_the_image_itself(store, ceph, tmp_path):
    store.ds("mkimage", 21, 8).ok()
    disk = {**clone_disk("one/one-21", 21), "CLONE": "NO"}
    assert store.tm("prepare", 5, disk).ok()["DISK_SOURCE"] == "one/one-21"
    assert ceph.rbd("children", "one/one-21@snap", check=True).stdout.split() == []
    store.tm("release", 5, disk).ok()
    assert "one-21" in images(ceph)                 # the image stays
    store.ds("remove", "one/one-21").ok()


def test_a_disk_not_resolved_from_an_image_is_refused(store, ceph):
    """Without IMAGE_ID (or TYPE = RBD) a DISK names no clone of its own:
    the image itself must never be taken for one."""
    store.ds("mkimage", 25, 4).ok()
    for drop in ("IMAGE_ID", "TYPE"):
        disk = {k: v for k, v in clone_disk("one/one-25", 25).items() if k != drop}
        for op in ("prepare", "release"):
            r = store.tm(op, 7, disk)
            assert r.rc == 1 and "is not an RBD image's disk" in r.err, (drop, op, r.err)
    assert [s["name"] for s in snapshots(ceph, "one/one-25")] == ["snap"]
    store.ds("remove", "one/one-25").ok()


def test_prepare_of_an_image_without_snapshot_fails(store, ceph):
    ceph.rbd("create", "--size", "4", "one/foreign", check=True)
    r = store.tm("prepare", 6, clone_disk("one/foreign", 30))
    assert r.rc == 1 and "VM 6: cannot clone one/foreign@snap" in r.err
    assert "foreign-6-0" not in images(ceph)
    ceph.rbd("rm", "--no-progress", "one/foreign", check=True)


# ---- settings --------------------------------------------------------------------------

def test_bad_settings_name_the_datastore(tmp_path, ceph):
    r = Store(tmp_path, ceph, 101, POOL_NAME="nope").ds("monitor")
    assert r.rc == 1
    assert r.err.endswith('ceph: datastore 101 (ceph101): the cluster has no pool "nope" '
                          '(POOL_NAME)')

    r = Store(tmp_path, ceph, 102, CEPH_CONF=str(tmp_path / "none.conf")).ds("monitor")
    assert r.rc == 1 and "datastore 102" in r.err and "cannot read CEPH_CONF" in r.err

    r = Store(tmp_path, ceph, 103, CEPH_CONF=None).ds("monitor")
    assert r.rc == 1 and "neither CEPH_CONF nor CEPH_HOST is set" in r.err

    bad_key = tmp_path / "bad.keyring"
    subprocess.run(["ceph-authtool", "--create-keyring", str(bad_key), "--gen-key",
                    "-n", "client.admin"], check=True, capture_output=True)
    t0 = time.monotonic()
    r = Store(tmp_path, ceph, 104, CEPH_CONF=None, CEPH_HOST=ceph.mon_host,
              CEPH_KEY=bad_key).ds("monitor")
    assert r.rc == 1 and "datastore 104" in r.err and "cannot connect to the cluster" in r.err
    assert time.monotonic() - t0 < 15

    # a mon that does not answer: the mount timeout (10 s), not forever
    t0 = time.monotonic()
    r = Store(tmp_path, ceph, 105, CEPH_CONF=None, CEPH_HOST="127.0.0.1:1").ds("monitor")
    took = time.monotonic() - t0
    assert r.rc == 1 and "datastore 105" in r.err and "timed out" in r.err, r.err
    assert took < 20, took


def test_ceph_host_alone_reaches_the_cluster(tmp_path, ceph):
    """Without a ceph.conf on oned's machine: the monitors the hosts use."""
    s = Store(tmp_path, ceph, 106, CEPH_CONF=None, CEPH_HOST=f"{ceph.mon_host} 127.0.0.1:1")
    s.ds("mkimage", 22, 4).ok()
    s.ds("remove", "one/one-22").ok()
    # qemu-img is given the same monitors and keyring
    raw = raw_file(tmp_path / "h.raw", {0: b"via CEPH_HOST" * 100, (1 << 20) - 3: b"end"})
    qcow = tmp_path / "h.qcow2"
    subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", str(raw), str(qcow)],
                   check=True)
    assert s.ds("import", 24, qcow, "qcow2").ok()["SIZE"] == "1"
    assert exported(ceph, "one/one-24", tmp_path) == raw.read_bytes()
    s.ds("remove", "one/one-24").ok()


def test_monitor_without_a_mgr_says_why(store):
    r = store.ds("monitor")
    assert r.rc == 1 and "no capacity" in r.err and "ceph-mgr" in r.err


def test_monitor_with_a_mgr_reports_the_cluster(tmp_path):
    ceph_env.require(mgr=True)
    c = ceph_env.Ceph(mgr=True, size_gb=2)
    try:
        s = Store(tmp_path, c)
        s.ds("mkimage", 1, 8).ok()
        # the mgr aggregates the OSD's report every few seconds
        out = wait_until(lambda: (lambda r: r.rc == 0 and r.out)(s.ds("monitor")),
                         timeout=60, what="capacity from the mgr")
        total, free = int(out["TOTAL_MB"]), int(out["FREE_MB"])
        assert total == 2048 and 0 < free <= total, out
        assert int(out["USED_MB"]) >= 0
    finally:
        c.stop()


# ---- the libvirt secret ----------------------------------------------------------------

@pytest.fixture(scope="module")
def lvd():
    libvirt_env.require()
    d = libvirt_env.Libvirtd()
    yield d
    d.stop()


def test_prepare_defines_the_cephx_secret_on_the_host(tmp_path, ceph, lvd):
    keyring = ceph.add_user("libvirt")
    s = Store(tmp_path, ceph, 110, CEPH_USER="libvirt", CEPH_KEY=keyring)
    s.ds("mkimage", 23, 4).ok()
    host = template(tmp_path / "h.tmpl", ID=7, HOSTNAME="lv1", LIBVIRT_URI=lvd.uri)
    secret = str(uuid.uuid4())
    disk = clone_disk("one/one-23", 23, CEPH_USER="libvirt", CEPH_SECRET=secret)
    s.tm("prepare", 8, disk, host).ok()
    assert secret in lvd.virsh("secret-list").stdout
    x = lvd.virsh("secret-dumpxml", secret, check=True).stdout
    assert "<usage type='ceph'>" in x and "<name>client.libvirt secret</name>" in x
    # private: the key cannot be read back through libvirt, only used (the
    # boot below shows it is the right one); but it has a value
    assert "private='yes'" in x
    got = lvd.virsh("secret-get-value", secret)
    assert got.returncode == 1 and "private" in got.stderr, got.stderr
    # kept as it is: a datastore without a keyring can use it now
    nokey = Store(tmp_path, ceph, 111, CEPH_USER="libvirt", CEPH_KEY=None)
    nokey.tm("prepare", 8, {**disk, "CLONE": "NO"}, host).ok()
    assert lvd.virsh("secret-list").stdout.count(secret) == 1

    # a host without the secret, and nothing to make it from
    other = str(uuid.uuid4())
    r = nokey.tm("prepare", 9, {**disk, "CLONE": "NO", "CEPH_SECRET": other}, host)
    assert r.rc == 1 and f"host lv1 has no Ceph secret {other}" in r.err and "CEPH_KEY" in r.err
    # a keyring without that user's key
    r = Store(tmp_path, ceph, 112).tm("prepare", 9, {**disk, "CLONE": "NO",
                                                     "CEPH_SECRET": other}, host)
    assert r.rc == 1 and "has no key for client.libvirt" in r.err
    r = s.tm("prepare", 9, {**disk, "CLONE": "NO", "CEPH_SECRET": "not-a-uuid"}, host)
    assert r.rc == 1 and 'CEPH_SECRET "not-a-uuid" is not a uuid' in r.err
    assert other not in lvd.virsh("secret-list").stdout

    s.tm("release", 8, disk, host).ok()
    s.ds("remove", "one/one-23").ok()
    lvd.virsh("secret-undefine", secret, check=True)


# ---- a guest boots from its clone ------------------------------------------------------

def test_a_guest_boots_from_its_rbd_clone(tmp_path, ceph, lvd):
    guest = libvirt_env.tiny_guest()
    keyring = ceph.add_user("libvirt")
    s = Store(tmp_path, ceph, 120, CEPH_USER="libvirt", CEPH_KEY=keyring)
    t0 = time.monotonic()
    got = s.ds("import", 40, guest["base"], "qcow2").ok()
    import_s = time.monotonic() - t0
    assert got == {"SOURCE": "one/one-40", "FORMAT": "raw", "SIZE": "32"}
    golden = hashlib.sha256(exported(ceph, "one/one-40", tmp_path)).hexdigest()

    secret = str(uuid.uuid4())
    vm_id, vm_dir = 4242, tmp_path / "4242"
    vm_dir.mkdir()
    disk = clone_disk("one/one-40", 40, CEPH_HOST=ceph.mon_host, CEPH_USER="libvirt",
                      CEPH_SECRET=secret)
    host = template(tmp_path / "h.tmpl", ID=3, HOSTNAME="lv1", LIBVIRT_URI=lvd.uri)
    vm_tmpl = tmp_path / f"vm{vm_id}.tmpl"
    vm_tmpl.write_text(
        f'NAME = "rbdboot"\nCPU = 1\nMEMORY = 128\n'
        f'OS = [ KERNEL = "{guest["kernel"]}", INITRD = "{guest["initrd"]}", '
        f'KERNEL_CMD = "console=ttyS0 lvmode=root" ]\n'
        "DISK = [ " + ", ".join(f'{k} = "{v}"' for k, v in disk.items()) + " ]\n")
    t1 = time.monotonic()
    assert nbds("tm", "ceph", s.path, "prepare", host, vm_id, vm_dir, vm_tmpl).ok() == \
        {"DISK_SOURCE": "one/one-40-4242-0", "DISK_FORMAT": "raw"}
    prepare_s = time.monotonic() - t1

    log = vm_dir / "console.log"
    dom = nbds("domain", vm_id, vm_dir, vm_tmpl, log)
    assert dom.rc == 0, dom.err
    assert "protocol='rbd' name='one/one-40-4242-0'" in dom.stdout
    assert f"<secret type='ceph' uuid='{secret}'/>" in dom.stdout
    xml_path = vm_dir / "domain.xml"
    xml_path.write_text(dom.stdout)
    name = f"one-{vm_id}"
    try:
        lvd.virsh("define", str(xml_path), check=True)
        t2 = time.monotonic()
        lvd.virsh("start", name, check=True)

        def booted():
            text = log.read_text(errors="replace") if log.exists() else ""
            return "boots recorded on disk: 1" in text and "ROOT-HB" in text
        wait_until(booted, timeout=BOOT_TIMEOUT, what=f"the guest's root fs from RBD in {log}")
        print(f"import {import_s:.1f} s, prepare {prepare_s:.2f} s, "
              f"start -> heartbeat from the RBD clone {time.monotonic() - t2:.1f} s")
        assert "GUEST-HELLO" in log.read_text()
    finally:
        lvd.virsh("destroy", name)
        lvd.virsh("undefine", name)

    # the guest wrote its boot into the clone, never into the image
    assert hashlib.sha256(exported(ceph, "one/one-40", tmp_path)).hexdigest() == golden
    assert nbds("tm", "ceph", s.path, "release", host, vm_id, vm_dir, vm_tmpl).ok() == {}
    assert "one-40-4242-0" not in images(ceph)
    s.ds("remove", "one/one-40").ok()
    assert "one-40" not in images(ceph)
    lvd.virsh("secret-undefine", secret)
