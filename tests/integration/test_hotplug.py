"""VM hotplug over XML-RPC with the dummy drivers (reference §2.10, §3.10,
§7, §10.1): one.vm.attach/detach (disks), attachnic/detachnic, resize and
the system snapshots snapshotcreate/revert/delete.

For each method: what the VM document shows after success (DISK_ID, NIC_ID,
TARGET, SNAPSHOT vectors, no ATTACH/ACTIVE mark left), the rollback when the
driver fails (DUMMY_FAIL on the host), the ACTION error in a wrong state,
quotas, and who may call it.
"""

import pytest

from harness import ACTION, AUTHORIZATION, INTERNAL, xml
from test_vms import (POWEROFF, RUNNING, PENDING, act, new_host, new_vm, phase, running_vm,
                      share, vm_doc, wait_phase)

PW = "pw"
DISK_VM = 'CPU=0.5\nMEMORY=64\nDISK=[SOURCE="/var/tmp/root.img"]\n'


@pytest.fixture(scope="module")
def user(oned, admin, uniq):
    name = uniq("hpuser")
    uid = admin.ok("one.user.allocate", name, PW, "core", [])
    return uid, oned.proxy(name, PW)


@pytest.fixture(scope="module")
def other(oned, admin, uniq):
    name = uniq("hpother")
    admin.ok("one.user.allocate", name, PW, "core", [])
    return oned.proxy(name, PW)


def vectors(doc, name):
    """The DISK / NIC / SNAPSHOT vectors of TEMPLATE as dicts, in order."""
    return [{e.tag: e.text for e in v} for v in doc.findall(f"TEMPLATE/{name}")]


def disks(doc):
    return [(d["DISK_ID"], d["TARGET"], d.get("SOURCE") or d.get("SIZE")) for d in
            vectors(doc, "DISK")]


def user_vm(admin, session, uid, hid, text=DISK_VM):
    """A running VM owned by the user (deployed by oneadmin)."""
    vid = session.ok("one.vm.allocate", text, False)
    admin.ok("one.vm.deploy", vid, hid, False, -1, "")
    wait_phase(admin, vid, RUNNING)
    return vid


def vm_quota(admin, uid):
    q = xml(admin.ok("one.user.info", uid)).find("VM_QUOTA/VM")
    return {e.tag: e.text for e in q} if q is not None else {}


# ---- disks -------------------------------------------------------------------------

def test_disk_attach_and_detach_number_disks_as_opennebula(admin, uniq):
    hid = new_host(admin, uniq)
    vid = running_vm(admin, hid, DISK_VM)
    # Allocation numbers the disk and fixes its target, as deploy names it.
    assert disks(vm_doc(admin, vid)) == [("0", "vda", "/var/tmp/root.img")]

    assert admin.ok("one.vm.attach", vid, 'DISK=[SOURCE="/var/tmp/a.img"]') == vid
    doc = wait_phase(admin, vid, RUNNING)
    assert disks(doc) == [("0", "vda", "/var/tmp/root.img"), ("1", "vdb", "/var/tmp/a.img")]
    assert all("ATTACH" not in d for d in vectors(doc, "DISK"))
    admin.ok("one.vm.attach", vid, 'DISK=[TYPE="fs", SIZE="10"]')
    wait_phase(admin, vid, RUNNING)

    # Detaching the middle disk: ids are not reused while a higher one
    # exists (highest + 1), targets are (first free letter).
    assert admin.ok("one.vm.detach", vid, 1) == vid
    doc = wait_phase(admin, vid, RUNNING)
    assert disks(doc) == [("0", "vda", "/var/tmp/root.img"), ("2", "vdc", "10")]
    admin.ok("one.vm.attach", vid, 'DISK=[SOURCE="/var/tmp/b.img", DEV_PREFIX="sd"]')
    doc = wait_phase(admin, vid, RUNNING)
    assert disks(doc)[-1] == ("3", "sda", "/var/tmp/b.img")
    admin.ok("one.vm.attach", vid, 'DISK=[SOURCE="/var/tmp/c.img"]')
    doc = wait_phase(admin, vid, RUNNING)
    assert disks(doc)[-1] == ("4", "vdb", "/var/tmp/c.img")
    # The action is recorded as OpenNebula's disk-attach/detach run.
    assert doc.findtext("USER_TEMPLATE/ERROR") is None


def test_disk_attach_refusals(admin, uniq):
    hid = new_host(admin, uniq)
    vid = running_vm(admin, hid, DISK_VM)
    cases = [
        ('DISK=[IMAGE_ID="3"]', "Image disks are given when the VM is created"),
        ('DISK=[TYPE="fs"]', "A volatile disk needs SIZE"),
        ('DISK=[TYPE="fs", SIZE="-1"]', "A volatile disk needs SIZE"),
        ('DISK=[CACHE="none"]', "A DISK needs SOURCE"),
        ('DISK=[SOURCE="/a"]\nDISK=[SOURCE="/b"]', "exactly one DISK vector, it has 2"),
        ('NIC=[BRIDGE="br0"]', "exactly one DISK vector, it has 0"),
        ('DISK=[SOURCE="/a", TARGET="vda"]', "Target vda is already in use."),
    ]
    for text, why in cases:
        code, msg = admin.fail("one.vm.attach", vid, text)
        assert code == ACTION and why in msg, (text, msg)
    assert admin.fail("one.vm.attach", vid, "DISK=[")[0] == INTERNAL
    code, msg = admin.fail("one.vm.detach", vid, 7)
    assert (code, msg) == (ACTION, "[one.vm.detach] VM does not have DISK with DISK_ID 7.")
    # Nothing changed.
    doc = wait_phase(admin, vid, RUNNING)
    assert disks(doc) == [("0", "vda", "/var/tmp/root.img")]


def test_disk_hotplug_failure_rolls_the_template_back(admin, uniq):
    hid = new_host(admin, uniq, DUMMY_FAIL="attach_disk,detach_disk")
    vid = running_vm(admin, hid, DISK_VM)
    admin.ok("one.vm.attach", vid, 'DISK=[SOURCE="/var/tmp/a.img"]')
    doc = wait_phase(admin, vid, RUNNING)
    assert disks(doc) == [("0", "vda", "/var/tmp/root.img")]
    assert "attach_disk failure injected" in doc.findtext("USER_TEMPLATE/ERROR")
    admin.ok("one.vm.detach", vid, 0)
    doc = wait_phase(admin, vid, RUNNING)
    assert disks(doc) == [("0", "vda", "/var/tmp/root.img")]
    assert "ATTACH" not in vectors(doc, "DISK")[0]
    assert "detach_disk failure injected" in doc.findtext("USER_TEMPLATE/ERROR")


def test_disk_hotplug_wrong_state_and_cold_poweroff(admin, uniq):
    vid = new_vm(admin, DISK_VM)
    for method, arg, what in (("one.vm.attach", 'DISK=[SOURCE="/a"]', "disk-attach"),
                              ("one.vm.detach", 0, "disk-detach"),
                              ("one.vm.attachnic", 'NIC=[BRIDGE="br0"]', "nic-attach"),
                              ("one.vm.detachnic", 0, "nic-detach")):
        assert admin.fail(method, vid, arg) == (
            ACTION, f"[{method}] {what} action is not available for state PENDING.")
    # Powered off, the change is cold: the template only (the driver would
    # fail), and the VM is back in POWEROFF.
    hid = new_host(admin, uniq, DUMMY_FAIL="attach_disk,attach_nic")
    vid = running_vm(admin, hid, DISK_VM)
    act(admin, "poweroff", vid, POWEROFF)
    admin.ok("one.vm.attach", vid, 'DISK=[SOURCE="/var/tmp/a.img"]')
    wait_phase(admin, vid, POWEROFF)    # HOTPLUG_PROLOG_POWEROFF until the step is done
    admin.ok("one.vm.attachnic", vid, 'NIC=[BRIDGE="br0"]')
    doc = wait_phase(admin, vid, POWEROFF)
    assert disks(doc)[-1] == ("1", "vdb", "/var/tmp/a.img")
    assert [n["NIC_ID"] for n in vectors(doc, "NIC")] == ["0"]
    assert doc.findtext("USER_TEMPLATE/ERROR") is None


def test_volatile_disk_counts_in_system_disk_quota(admin, uniq, user):
    uid, s = user
    hid = new_host(admin, uniq, DUMMY_FAIL="detach_disk")
    admin.ok("one.user.quota", uid, "VM=[SYSTEM_DISK_SIZE=100]")
    vid = user_vm(admin, s, uid, hid)
    code, msg = s.fail("one.vm.attach", vid, 'DISK=[TYPE="fs", SIZE="101"]')
    assert (code, msg) == (AUTHORIZATION, f"[one.vm.attach] User [{uid}] : user [{uid}] limit "
                                          "of 100 reached for SYSTEM_DISK_SIZE quota in VM.")
    s.ok("one.vm.attach", vid, 'DISK=[TYPE="fs", SIZE="60"]')
    wait_phase(s, vid, RUNNING)
    assert float(vm_quota(admin, uid)["SYSTEM_DISK_SIZE_USED"]) == 60
    assert s.fail("one.vm.attach", vid, 'DISK=[TYPE="swap", SIZE="41"]')[0] == AUTHORIZATION
    # A failed detach keeps the disk and its charge.
    s.ok("one.vm.detach", vid, 1)
    wait_phase(s, vid, RUNNING)
    assert float(vm_quota(admin, uid)["SYSTEM_DISK_SIZE_USED"]) == 60
    admin.ok("one.host.update", hid, 'DUMMY_FAIL=""', 1)
    s.ok("one.vm.detach", vid, 1)
    wait_phase(s, vid, RUNNING)
    assert float(vm_quota(admin, uid)["SYSTEM_DISK_SIZE_USED"]) == 0
    # Powered off, a cold change does not count as running.
    act(s, "poweroff", vid, POWEROFF)
    admin.ok("one.user.quota", uid, "VM=[SYSTEM_DISK_SIZE=-1, RUNNING_VMS=0]")
    s.ok("one.vm.attach", vid, 'DISK=[TYPE="fs", SIZE="5"]')
    wait_phase(s, vid, POWEROFF)
    assert vm_quota(admin, uid)["RUNNING_VMS_USED"] == "0"
    admin.ok("one.user.quota", uid, "VM=[RUNNING_VMS=-1]")
    s.ok("one.vm.action", "terminate-hard", vid)


def test_only_managers_hotplug(admin, uniq, user, other):
    uid, s = user
    hid = new_host(admin, uniq)
    vid = user_vm(admin, s, uid, hid)
    calls = [("one.vm.attach", 'DISK=[SOURCE="/a"]'), ("one.vm.detach", 0),
             ("one.vm.attachnic", 'NIC=[BRIDGE="br0"]'), ("one.vm.detachnic", 0),
             ("one.vm.resize", "CPU=1", True), ("one.vm.snapshotcreate", "s"),
             ("one.vm.snapshotrevert", 0), ("one.vm.snapshotdelete", 0)]
    for method, *args in calls:
        code, msg = other.fail(method, vid, *args)
        assert code == AUTHORIZATION and f"MANAGE VM [{vid}]" in msg, (method, msg)
    # The owner may.
    assert s.ok("one.vm.snapshotcreate", vid, "mine") == 0
    wait_phase(s, vid, RUNNING)
    s.ok("one.vm.action", "terminate-hard", vid)


# ---- NICs ----------------------------------------------------------------------------

def test_nic_attach_and_detach(admin, uniq):
    hid = new_host(admin, uniq)
    vid = running_vm(admin, hid, 'CPU=0.5\nMEMORY=64\nNIC=[BRIDGE="br0"]\n')
    assert admin.ok("one.vm.attachnic", vid, 'NIC=[BRIDGE="br1", MODEL="e1000"]') == vid
    doc = wait_phase(admin, vid, RUNNING)
    nics = vectors(doc, "NIC")
    assert [(n["NIC_ID"], n["BRIDGE"]) for n in nics] == [("0", "br0"), ("1", "br1")]
    # No MAC given: one made from the VM and NIC ids.
    assert nics[1]["MAC"] == "02:00:%02x:%02x:%02x:01" % (vid >> 16 & 255, vid >> 8 & 255,
                                                           vid & 255)
    assert "ATTACH" not in nics[1]
    admin.ok("one.vm.attachnic", vid, 'NIC=[BRIDGE="br2", MAC="02:00:00:00:aa:01"]')
    wait_phase(admin, vid, RUNNING)
    admin.ok("one.vm.detachnic", vid, 1)
    doc = wait_phase(admin, vid, RUNNING)
    assert [n["NIC_ID"] for n in vectors(doc, "NIC")] == ["0", "2"]
    admin.ok("one.vm.detachnic", vid, 2)
    wait_phase(admin, vid, RUNNING)
    # The highest id went: the next NIC takes it again.
    admin.ok("one.vm.attachnic", vid, 'NIC=[BRIDGE="br3"]')
    doc = wait_phase(admin, vid, RUNNING)
    assert [n["NIC_ID"] for n in vectors(doc, "NIC")] == ["0", "1"]
    for text, why in (('NIC=[NETWORK_ID="0"]', "Virtual networks are not supported yet"),
                      ('NIC=[MAC="zz"]', "MAC zz is not a MAC address"),
                      ('NIC=[MAC="02:00:00:00:aa:01"]\nNIC=[]', "exactly one NIC vector"),
                      (f'NIC=[MAC="{vectors(doc, "NIC")[1]["MAC"]}"]', "already in use")):
        code, msg = admin.fail("one.vm.attachnic", vid, text)
        assert code == ACTION and why in msg, (text, msg)
    assert admin.fail("one.vm.detachnic", vid, 9) == (
        ACTION, "[one.vm.detachnic] VM does not have NIC with NIC_ID 9.")


def test_nic_hotplug_failure_rolls_back(admin, uniq):
    hid = new_host(admin, uniq, DUMMY_FAIL="attach_nic,detach_nic")
    vid = running_vm(admin, hid, 'CPU=0.5\nMEMORY=64\nNIC=[BRIDGE="br0"]\n')
    admin.ok("one.vm.attachnic", vid, 'NIC=[BRIDGE="br1"]')
    doc = wait_phase(admin, vid, RUNNING)
    assert [n["NIC_ID"] for n in vectors(doc, "NIC")] == ["0"]
    assert "attach_nic failure injected" in doc.findtext("USER_TEMPLATE/ERROR")
    admin.ok("one.vm.detachnic", vid, 0)
    doc = wait_phase(admin, vid, RUNNING)
    assert vectors(doc, "NIC") == [{"BRIDGE": "br0", "NIC_ID": "0"}]


# ---- resize ----------------------------------------------------------------------------

def test_cold_resize_changes_template_quota_and_host_share(admin, uniq, user):
    uid, s = user
    hid = new_host(admin, uniq)
    vid = user_vm(admin, s, uid, hid, "CPU=0.5\nMEMORY=64\n")
    before = vm_quota(admin, uid)
    act(s, "poweroff", vid, POWEROFF)
    assert s.ok("one.vm.resize", vid, "CPU=1\nVCPU=2\nMEMORY=128", True) == vid
    doc = vm_doc(s, vid)
    assert phase(doc) == POWEROFF
    t = doc.find("TEMPLATE")
    assert (t.findtext("CPU"), t.findtext("VCPU"), t.findtext("MEMORY")) == ("1", "2", "128")
    after = vm_quota(admin, uid)
    assert float(after["CPU_USED"]) - float(before["CPU_USED"]) == 0.5
    assert float(after["MEMORY_USED"]) - float(before["MEMORY_USED"]) == 64
    # A powered-off VM keeps its host, which holds the new size.
    assert share(admin, hid)["cpu"] == 100 and share(admin, hid)["mem"] == 128 * 1024
    # 0 or absent: unchanged.
    s.ok("one.vm.resize", vid, "CPU=0\nMEMORY=256", True)
    t = vm_doc(s, vid).find("TEMPLATE")
    assert (t.findtext("CPU"), t.findtext("MEMORY")) == ("1", "256")
    for text in ("MEMORY=1.5", "CPU=abc", "VCPU=-2"):
        code, msg = s.fail("one.vm.resize", vid, text, True)
        assert code == ACTION and "must be a positive" in msg, msg
    # PENDING resizes cold too.
    pending = s.ok("one.vm.allocate", "CPU=0.5\nMEMORY=64", False)
    s.ok("one.vm.resize", pending, "MEMORY=96", True)
    doc = vm_doc(s, pending)
    assert phase(doc) == PENDING and doc.findtext("TEMPLATE/MEMORY") == "96"
    for v in (vid, pending):
        s.ok("one.vm.action", "terminate-hard", v)


def test_resize_quota_and_host_capacity(admin, uniq, user):
    uid, s = user
    # Never monitored, the host reports no capacity: no growth fits.
    hid = new_host(admin, uniq, im="nomonitor")
    vid = user_vm(admin, s, uid, hid, "CPU=0.5\nMEMORY=64\n")
    act(s, "poweroff", vid, POWEROFF)
    pending = s.ok("one.vm.allocate", "CPU=0.5\nMEMORY=16", False)
    admin.ok("one.user.quota", uid, "VM=[MEMORY=100]")
    code, msg = s.fail("one.vm.resize", pending, "MEMORY=40", True)
    assert (code, msg) == (AUTHORIZATION, f"[one.vm.resize] User [{uid}] : user [{uid}] limit "
                                          "of 100 reached for MEMORY quota in VM.")
    s.ok("one.vm.resize", pending, "MEMORY=36", True)
    assert float(vm_quota(admin, uid)["MEMORY_USED"]) == 100
    s.ok("one.vm.action", "terminate-hard", pending)
    admin.ok("one.user.quota", uid, "VM=[MEMORY=-1]")
    code, msg = s.fail("one.vm.resize", vid, "CPU=1", True)
    assert code == ACTION and f"Host {hid} does not have enough capacity" in msg, msg
    # Only the oneadmin group may skip the check (enforce=false).
    assert s.fail("one.vm.resize", vid, "CPU=1", False)[0] == ACTION
    admin.ok("one.vm.resize", vid, "CPU=1", False)
    assert share(admin, hid)["cpu"] == 100
    # Shrinking always fits.
    s.ok("one.vm.resize", vid, "CPU=0.25", True)
    assert share(admin, hid)["cpu"] == 25
    s.ok("one.vm.action", "terminate-hard", vid)


def test_live_resize_needs_vcpu_max_and_rolls_back(admin, uniq):
    hid = new_host(admin, uniq)
    plain = running_vm(admin, hid, "CPU=0.5\nMEMORY=64\n")
    code, msg = admin.fail("one.vm.resize", plain, "VCPU=2", True)
    assert code == ACTION and "VCPU_MAX" in msg
    vid = running_vm(admin, hid, "CPU=0.5\nMEMORY=64\nVCPU=1\nVCPU_MAX=4\n")
    assert admin.ok("one.vm.resize", vid, "VCPU=3\nCPU=1", True) == vid
    doc = wait_phase(admin, vid, RUNNING)
    t = doc.find("TEMPLATE")
    assert (t.findtext("VCPU"), t.findtext("CPU")) == ("3", "1")
    assert t.find("RESIZE") is None
    assert share(admin, hid)["cpu"] == 150
    for text, why in (("VCPU=5", "VCPU 5 is more than VCPU_MAX 4."),
                      ("MEMORY=128", "MEMORY cannot change while the VM runs")):
        code, msg = admin.fail("one.vm.resize", vid, text, True)
        assert code == ACTION and why in msg, msg

    bad = new_host(admin, uniq, DUMMY_FAIL="resize")
    vid = running_vm(admin, bad, "CPU=0.5\nMEMORY=64\nVCPU=1\nVCPU_MAX=4\n")
    admin.ok("one.vm.resize", vid, "VCPU=2\nCPU=2", True)
    doc = wait_phase(admin, vid, RUNNING)
    t = doc.find("TEMPLATE")
    assert (t.findtext("VCPU"), t.findtext("CPU"), t.find("RESIZE")) == ("1", "0.5", None)
    assert "resize failure injected" in doc.findtext("USER_TEMPLATE/ERROR")
    assert share(admin, bad)["cpu"] == 50


# ---- snapshots -----------------------------------------------------------------------

def snapshots(doc):
    return [(v["SNAPSHOT_ID"], v["NAME"], v["HYPERVISOR_ID"], "ACTIVE" in v)
            for v in vectors(doc, "SNAPSHOT")]


def test_snapshots_create_revert_delete(admin, uniq):
    hid = new_host(admin, uniq)
    vid = running_vm(admin, hid)
    assert admin.ok("one.vm.snapshotcreate", vid, "before upgrade") == 0
    doc = wait_phase(admin, vid, RUNNING)
    assert snapshots(doc) == [("0", "before upgrade", "snap-0", False)]
    assert int(vectors(doc, "SNAPSHOT")[0]["TIME"]) > 0
    assert admin.ok("one.vm.snapshotcreate", vid, "") == 1
    doc = wait_phase(admin, vid, RUNNING)
    assert snapshots(doc)[1] == ("1", "snapshot-1", "snap-1", False)
    assert admin.ok("one.vm.snapshotrevert", vid, 0) == vid
    doc = wait_phase(admin, vid, RUNNING)
    assert [s[3] for s in snapshots(doc)] == [False, False]
    assert admin.ok("one.vm.snapshotdelete", vid, 0) == vid
    doc = wait_phase(admin, vid, RUNNING)
    assert snapshots(doc) == [("1", "snapshot-1", "snap-1", False)]
    assert admin.ok("one.vm.snapshotcreate", vid, "") == 2
    wait_phase(admin, vid, RUNNING)
    for method in ("one.vm.snapshotrevert", "one.vm.snapshotdelete"):
        assert admin.fail(method, vid, 0) == (
            ACTION, f"[{method}] Could not find snapshot with ID 0.")
    act(admin, "poweroff", vid, POWEROFF)
    assert admin.fail("one.vm.snapshotcreate", vid, "x") == (
        ACTION, "[one.vm.snapshotcreate] snapshot-create action is not available for state "
                "POWEROFF.")


def test_snapshot_failures_roll_back(admin, uniq):
    hid = new_host(admin, uniq, DUMMY_FAIL="snapshot_create")
    vid = running_vm(admin, hid)
    admin.ok("one.vm.snapshotcreate", vid, "x")
    doc = wait_phase(admin, vid, RUNNING)
    assert snapshots(doc) == []
    assert "snapshot_create failure injected" in doc.findtext("USER_TEMPLATE/ERROR")
    admin.ok("one.host.update", hid, 'DUMMY_FAIL="snapshot_delete,snapshot_revert"', 1)
    admin.ok("one.vm.snapshotcreate", vid, "x")
    wait_phase(admin, vid, RUNNING)
    for method in ("one.vm.snapshotrevert", "one.vm.snapshotdelete"):
        admin.ok(method, vid, 0)
        doc = wait_phase(admin, vid, RUNNING)
        assert snapshots(doc) == [("0", "x", "snap-0", False)], method
