"""VM_MAD/IM_MAD "kvm" against real libvirtd instances and a real TCG guest.

Each module run starts two private libvirtds (libvirt_env.Libvirtd, both
also on TCP for the peer-to-peer migration) and one oned with a 1 s host
monitoring interval.  The guest is the tiny one libvirt_env builds and
caches: a Debian kernel booted directly, an initrd that prints GUEST-HELLO
on the serial console, then the root file system of its disk, which prints
ROOT-HB heartbeats every 2 s and powers off on the ACPI button.

There are no image datastores yet, so the VM's DISK names its file by
SOURCE: a qcow2 overlay this module creates over the cached base image (the
path is the same for every host, as a shared system datastore would make
it).  The serial console goes to console.log in the VM's directory, which is
where the tests read it.

The tests build on each other (one guest goes through the whole life cycle;
another migrates, survives an oned crash and is destroyed behind oned's
back), so they run in file order and stop at the first failure (-x).  After
the crash oned polls once an hour only, so the destroyed domain can only
reach it as a libvirt lifecycle event.  The last test drives the IM driver's
watch() directly, across a restart of libvirtd.
"""

import os
import queue
import re
import subprocess
import threading
import time
from pathlib import Path

import pytest

import libvirt_env
from harness import BUILD, REPO, Oned, xml
from libvirt_env import wait_until

FAST = {"PASSWORD_HASH_ITERATIONS": 1000, "MONITORING_INTERVAL_HOST": 1}

# VM STATE / LCM_STATE (reference §7.1).
RUNNING = ("3", "3")
POWEROFF = ("8", "0")
SUSPENDED = ("5", "0")
DONE = ("6", "0")

BOOT_TIMEOUT = 60       # TCG on 2 busy cores: ~3 s idle, much more under load


@pytest.fixture(scope="module")
def guest():
    return libvirt_env.tiny_guest()


@pytest.fixture(scope="module")
def lvd1(guest):
    d = libvirt_env.Libvirtd(tcp=True)
    yield d
    d.stop()


@pytest.fixture(scope="module")
def lvd2(guest):
    d = libvirt_env.Libvirtd(tcp=True)
    yield d
    d.stop()


@pytest.fixture(scope="module")
def one(tmp_path_factory, lvd1, lvd2):
    d = Oned(tmp_path_factory.mktemp("oned"), conf=FAST)
    yield d
    d.close()


@pytest.fixture(scope="module")
def disks(tmp_path_factory):
    return tmp_path_factory.mktemp("disks")


@pytest.fixture(scope="module")
def state():
    """What a test leaves for the next ones: host and VM ids."""
    return {}


# ---- helpers -------------------------------------------------------------------

def vm_info(a, vm):
    return xml(a.ok("one.vm.info", vm))


def vm_phase(a, vm):
    v = vm_info(a, vm)
    return v.findtext("STATE"), v.findtext("LCM_STATE")


def wait_phase(a, vm, want, timeout=BOOT_TIMEOUT):
    """Wait for the VM's (STATE, LCM_STATE); a driver error (USER_TEMPLATE/
    ERROR, which these tests never expect) ends the wait at once."""
    seen = []

    def check():
        v = vm_info(a, vm)
        got = (v.findtext("STATE"), v.findtext("LCM_STATE"))
        err = v.findtext("USER_TEMPLATE/ERROR")
        if got != want and err:
            raise AssertionError(f"VM {vm} in {got}, driver error: {err}")
        seen[:] = [got]
        return got == want
    # On a timeout, say where the VM stayed: a driver step that never came
    # back shows as the in-progress LCM state.
    try:
        wait_until(check, timeout=timeout, what=f"VM {vm} in {want}")
    except AssertionError as e:
        raise AssertionError(f"{e}; the VM stayed in (STATE, LCM_STATE) {seen}") from None


def add_host(a, name, uri, **extra):
    h = a.ok("one.host.allocate", name, "kvm", "kvm", -1)
    text = "".join(f'{k} = "{v}"\n' for k, v in dict(LIBVIRT_URI=uri, **extra).items())
    a.ok("one.host.update", h, text, 1)
    wait_until(lambda: xml(a.ok("one.host.info", h)).findtext("STATE") == "2",
               timeout=20, what=f"host {name} MONITORED")
    return h


def vm_template(guest, disk, name, extra=""):
    """The guest booting from disk (vda, the first DISK); extra comes after."""
    return (f'NAME = "{name}"\nCPU = 1\nMEMORY = 128\n'
            f'OS = [ KERNEL = "{guest["kernel"]}", INITRD = "{guest["initrd"]}", '
            f'KERNEL_CMD = "console=ttyS0 lvmode=root" ]\n'
            f'DISK = [ SOURCE = "{disk}", DRIVER = "qcow2" ]\n{extra}')


def console(one, a, vm):
    """The guest's serial log: console.log in the VM's directory, which is
    the system datastore's BASE_PATH/<vm id> on the host."""
    v = vm_info(a, vm)
    ds = int(v.findall("HISTORY_RECORDS/HISTORY")[-1].findtext("DS_ID"))
    base = xml(a.ok("one.datastore.info", ds)).findtext("BASE_PATH")
    return Path(base) / str(vm) / "console.log"


# The guest counts its boots on its disk, so a boot is recognised whether the
# console file was appended to or started afresh by the new QEMU process.
BOOTED = "boots recorded on disk: {}\n"


def read(path):
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return ""


def wait_boot(log, n, timeout=BOOT_TIMEOUT):
    """Boot number n of the guest got as far as a heartbeat from its disk."""
    def booted():
        text = read(log)
        i = text.find(BOOTED.format(n))
        return i >= 0 and "ROOT-HB" in text[i:]
    wait_until(booted, timeout=timeout, what=f"boot {n} in {log}:\n{read(log)[-600:]}")


def last_heartbeat(log):
    return max(map(int, re.findall(r"ROOT-HB (\d+) ", read(log))), default=0)


def host_share(a, h):
    s = xml(a.ok("one.host.info", h)).find("HOST_SHARE")
    return {k: int(s.findtext(k)) for k in ("CPU_USAGE", "MEM_USAGE", "RUNNING_VMS",
                                            "TOTAL_CPU", "TOTAL_MEM")}


def action(a, act, vm):
    a.ok("one.vm.action", act, vm)


# ---- the scheduler -------------------------------------------------------------

def test_scheduler_places_and_the_guest_boots(tmp_path_factory, lvd1, guest, disks):
    """Instantiate without one.vm.deploy: oned's scheduler places the guest.
    First in the file, on an oned of its own (VM ids from 0, as the module's
    oned has them later: its domain is gone before that oned starts)."""
    d = Oned(tmp_path_factory.mktemp("oned-sched"),
             conf={**FAST, "SCHED": {"ENABLED": True, "WINDOW_MS": 20}})
    try:
        a = d.admin
        h = add_host(a, "sched1", lvd1.uri)
        disk = libvirt_env.overlay(guest["base"], disks / "sched.qcow2")
        tid = a.ok("one.template.allocate", vm_template(guest, disk, "placed"))
        vm = a.ok("one.template.instantiate", tid, "", False, "", False)
        wait_phase(a, vm, RUNNING)
        assert vm_info(a, vm).findall("HISTORY_RECORDS/HISTORY")[-1].findtext("HID") == str(h)
        wait_boot(console(d, a, vm), 1)
        action(a, "terminate-hard", vm)
        wait_phase(a, vm, DONE)
        assert lvd1.state(f"one-{vm}") is None
    finally:
        d.close()


# ---- one host ------------------------------------------------------------------

def test_host_is_monitored_through_its_private_libvirtd(one, lvd1, state):
    a = one.admin
    t0 = time.monotonic()
    h = add_host(a, "node1", lvd1.uri)
    x = xml(a.ok("one.host.info", h))
    share = host_share(a, h)
    assert share["TOTAL_CPU"] == os.cpu_count() * 100
    meminfo = int(Path("/proc/meminfo").read_text().split()[1])      # MemTotal, kB
    assert abs(share["TOTAL_MEM"] - meminfo) < meminfo * 0.02, (share, meminfo)
    assert x.findtext("TEMPLATE/HYPERVISOR") == "kvm"
    assert x.findtext("TEMPLATE/ARCH") == "x86_64"
    assert x.findtext("TEMPLATE/VERSION").count(".") == 2
    assert x.findtext("TEMPLATE/ERROR") is None
    print(f"host MONITORED after {time.monotonic() - t0:.1f} s")
    state["node1"] = h


def test_vm_life_cycle_on_a_real_guest(one, lvd1, guest, disks, state):
    a = one.admin
    h = state["node1"]
    disk = libvirt_env.overlay(guest["base"], disks / "life.qcow2")
    # VCPU_MAX: the domain has room for a live vCPU resize; a volatile disk
    # is made in the VM's directory at deploy.
    vm = a.ok("one.vm.allocate", vm_template(guest, disk, "life", 'VCPU_MAX = 2\n'
                                             'DISK = [ TYPE = "fs", SIZE = "4" ]\n'), False)
    name = f"one-{vm}"
    t0 = time.monotonic()
    a.ok("one.vm.deploy", vm, h, False, -1, "")
    wait_phase(a, vm, RUNNING)
    assert vm_info(a, vm).findtext("DEPLOY_ID") == name
    assert lvd1.state(name) == "running"
    log = console(one, a, vm)
    wait_boot(log, 1)
    print(f"deploy -> heartbeat from the disk: {time.monotonic() - t0:.1f} s")
    assert "GUEST-HELLO" in log.read_text()
    assert (log.parent / "disk.1").stat().st_size == 4 << 20
    assert f"<source file='{log.parent / 'disk.1'}'" in lvd1.virsh("dumpxml", name).stdout
    share = host_share(a, h)
    assert (share["RUNNING_VMS"], share["CPU_USAGE"], share["MEM_USAGE"]) == (1, 100, 131072)
    # monitoring reports the domain's usage
    wait_until(lambda: int(vm_info(a, vm).findtext("MONITORING/MEMORY") or 0) > 0,
               timeout=10, what="VM memory usage")
    # ... and each report is kept as a sample of the VM's history
    kept = xml(a.ok("one.vm.monitoring", vm)).findall("MONITORING")
    assert kept and kept[-1].findtext("ID") == str(vm)
    assert int(kept[-1].findtext("MEMORY")) > 0

    # live resize: one more vCPU online (of VCPU_MAX), and CPU's capacity
    def vcpus():
        return lvd1.virsh("vcpucount", name, "--live", "--active", check=True).stdout.strip()
    assert vcpus() == "1"
    a.ok("one.vm.resize", vm, "VCPU = 2\nCPU = 2", True)
    wait_phase(a, vm, RUNNING)
    assert vcpus() == "2" and vm_info(a, vm).findtext("TEMPLATE/VCPU") == "2"
    assert host_share(a, h)["CPU_USAGE"] == 200
    a.ok("one.vm.resize", vm, "CPU = 1", True)
    wait_phase(a, vm, RUNNING)

    # poweroff: ACPI shutdown, the domain shuts off and is undefined
    t0 = time.monotonic()
    action(a, "poweroff", vm)
    wait_phase(a, vm, POWEROFF)
    print(f"poweroff: {time.monotonic() - t0:.1f} s")
    assert "ACPI power button" in log.read_text()
    assert lvd1.state(name) is None

    # resume: deployed again, boots again
    t0 = time.monotonic()
    action(a, "resume", vm)
    wait_phase(a, vm, RUNNING)
    wait_boot(log, 2)
    print(f"resume from poweroff -> heartbeat: {time.monotonic() - t0:.1f} s")
    assert BOOTED.format(1) in read(log)    # the log is appended to, not truncated

    # reboot (ACPI): the same domain boots a third time, the VM stays RUNNING
    action(a, "reboot", vm)
    wait_boot(log, 3)
    assert vm_phase(a, vm) == RUNNING and lvd1.state(name) == "running"

    # suspend: memory to VM_DIR/checkpoint, the domain gone; resume restores
    # it: the heartbeat goes on from where it was, no boot
    hb = last_heartbeat(log)
    t0 = time.monotonic()
    action(a, "suspend", vm)
    wait_phase(a, vm, SUSPENDED)
    assert lvd1.state(name) is None
    assert (log.parent / "checkpoint").exists()
    action(a, "resume", vm)
    wait_phase(a, vm, RUNNING)
    print(f"suspend + resume: {time.monotonic() - t0:.1f} s")
    assert lvd1.state(name) == "running"
    wait_until(lambda: last_heartbeat(log) >= hb + 2, timeout=20, what="heartbeats after resume")
    assert BOOTED.format(4) not in log.read_text()

    # terminate: DONE, the domain gone, the capacity back
    action(a, "terminate", vm)
    wait_phase(a, vm, DONE)
    assert name not in lvd1.domains()
    share = host_share(a, h)
    assert (share["RUNNING_VMS"], share["CPU_USAGE"], share["MEM_USAGE"]) == (0, 0, 0)


# ---- two hosts -------------------------------------------------------------------

def test_live_migration_between_two_daemons(one, lvd1, lvd2, guest, disks, state):
    a = one.admin
    # Peer to peer: lvd1 itself connects to mig2's URI, hence TCP for both;
    # on loopback QEMU must be told where to send the stream (MIGRATE_URI).
    h1 = add_host(a, "mig1", lvd1.tcp_uri, MIGRATE_URI="tcp://127.0.0.1")
    h2 = add_host(a, "mig2", lvd2.tcp_uri, MIGRATE_URI="tcp://127.0.0.1")
    disk = libvirt_env.overlay(guest["base"], disks / "mig.qcow2")
    vm = a.ok("one.vm.allocate", vm_template(guest, disk, "mig"), False)
    name = f"one-{vm}"
    a.ok("one.vm.deploy", vm, h1, False, -1, "")
    wait_phase(a, vm, RUNNING)
    log = console(one, a, vm)
    wait_boot(log, 1)

    t0 = time.monotonic()
    a.ok("one.vm.migrate", vm, h2, True)
    wait_phase(a, vm, RUNNING)
    print(f"live migration: {time.monotonic() - t0:.1f} s")
    v = vm_info(a, vm)
    assert v.findall("HISTORY_RECORDS/HISTORY")[-1].findtext("HOSTNAME") == "mig2"
    assert lvd2.state(name) == "running"
    assert name not in lvd1.domains()
    # the guest lives on: heartbeats continue, no new boot
    hb = last_heartbeat(log)
    wait_until(lambda: last_heartbeat(log) >= hb + 2, timeout=20,
               what="heartbeats after the migration")
    assert BOOTED.format(2) not in read(log)
    assert host_share(a, h1)["RUNNING_VMS"] == 0
    assert host_share(a, h2)["RUNNING_VMS"] == 1
    state.update(mig_vm=vm, mig1=h1, mig2=h2)


def live_xml(lvd, name):
    return lvd.virsh("dumpxml", name, check=True).stdout


def hotplug(a, vm, method, *args):
    """A hotplug call on the running VM, back in RUNNING without error."""
    assert a.ok(method, vm, *args) == vm
    wait_phase(a, vm, RUNNING)
    return vm_info(a, vm)


def test_hotplug_on_the_running_guest(one, lvd2, disks, state):
    """Disk and NIC hotplug, vCPU resize and system snapshots on the
    migrated guest (no boot of its own)."""
    a = one.admin
    vm = state["mig_vm"]
    name = f"one-{vm}"
    log = console(one, a, vm)

    # A disk file: in the domain (virtio vdb) and seen by the guest's kernel.
    extra = disks / "extra.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(extra), "16M"], check=True)
    t0 = time.monotonic()
    v = hotplug(a, vm, "one.vm.attach", f'DISK = [ SOURCE = "{extra}", DRIVER = "qcow2" ]')
    print(f"disk attach: {time.monotonic() - t0:.1f} s")
    assert [d.findtext("TARGET") for d in v.findall("TEMPLATE/DISK")] == ["vda", "vdb"]
    assert f"<source file='{extra}'" in live_xml(lvd2, name)
    wait_until(lambda: "[vdb]" in read(log), timeout=20, what=f"vdb in {log}")
    t0 = time.monotonic()
    v = hotplug(a, vm, "one.vm.detach", 1)
    print(f"disk detach (guest released it): {time.monotonic() - t0:.1f} s")
    assert len(v.findall("TEMPLATE/DISK")) == 1
    assert str(extra) not in live_xml(lvd2, name)
    # A volatile disk: a sparse file in the VM's directory (the next id is 1
    # again: the highest went).
    hotplug(a, vm, "one.vm.attach", 'DISK = [ TYPE = "swap", SIZE = "8" ]')
    vol = log.parent / "disk.1"
    assert vol.stat().st_size == 8 << 20 and f"<source file='{vol}'" in live_xml(lvd2, name)
    hotplug(a, vm, "one.vm.detach", 1)

    # A NIC on a bridge of this test.
    br = f"nbhp{os.getpid() % 10000}"
    subprocess.run(["ip", "link", "add", br, "type", "bridge"], check=True)
    try:
        v = hotplug(a, vm, "one.vm.attachnic", f'NIC = [ BRIDGE = "{br}" ]')
        mac = v.find("TEMPLATE/NIC").findtext("MAC")
        dom = live_xml(lvd2, name)
        assert f"<mac address='{mac}'/>" in dom and f"<source bridge='{br}'/>" in dom
        assert f"one-{vm}-0" in subprocess.run(["ip", "-o", "link", "show", "master", br],
                                               capture_output=True, text=True).stdout
        t0 = time.monotonic()
        v = hotplug(a, vm, "one.vm.detachnic", 0)
        print(f"nic detach: {time.monotonic() - t0:.1f} s")
        assert v.find("TEMPLATE/NIC") is None and mac not in live_xml(lvd2, name)
    finally:
        subprocess.run(["ip", "link", "del", br])

    # Live vCPU resize needs VCPU_MAX, which the template does not set.
    code, msg = a.fail("one.vm.resize", vm, "VCPU = 2", True)
    assert "VCPU_MAX" in msg

    # System snapshots are internal: a raw disk cannot take one, and the
    # driver says so.
    raw = disks / "extra.raw"
    subprocess.run(["qemu-img", "create", "-q", "-f", "raw", str(raw), "1M"], check=True)
    hotplug(a, vm, "one.vm.attach", f'DISK = [ SOURCE = "{raw}" ]')
    a.ok("one.vm.snapshotcreate", vm, "")
    wait_until(lambda: vm_phase(a, vm) == RUNNING, timeout=20, what="snapshot refused")
    v = vm_info(a, vm)
    assert v.find("TEMPLATE/SNAPSHOT") is None
    assert "system snapshots need every disk in qcow2" in v.findtext("USER_TEMPLATE/ERROR")
    a.ok("one.vm.update", vm, "ERROR = []", 1)
    hotplug(a, vm, "one.vm.detach", 1)

    # Internal snapshots in the qcow2 overlay; the guest goes on.
    t0 = time.monotonic()
    assert a.ok("one.vm.snapshotcreate", vm, "live") == 0
    wait_phase(a, vm, RUNNING)
    print(f"snapshot create: {time.monotonic() - t0:.1f} s")
    assert "snap-0" in lvd2.virsh("snapshot-list", name, check=True).stdout
    hotplug(a, vm, "one.vm.snapshotrevert", 0)
    hb = last_heartbeat(log)
    wait_until(lambda: last_heartbeat(log) >= hb + 1, timeout=20,
               what="heartbeats after the revert")
    v = hotplug(a, vm, "one.vm.snapshotdelete", 0)
    assert v.find("TEMPLATE/SNAPSHOT") is None
    assert "snap-0" not in lvd2.virsh("snapshot-list", name, check=True).stdout
    assert v.findtext("USER_TEMPLATE/ERROR") is None

    def failed_back_to_running(why):
        wait_until(lambda: vm_phase(a, vm) == RUNNING, timeout=30, what="back in RUNNING")
        err = vm_info(a, vm).findtext("USER_TEMPLATE/ERROR") or ""
        assert why in err, err
        a.ok("one.vm.update", vm, "ERROR = []", 1)

    # libvirt will not live-migrate a domain with snapshots, and forgets
    # them when the transient domain goes: revert is refused, delete only
    # drops the SNAPSHOT.
    assert a.ok("one.vm.snapshotcreate", vm, "kept") == 0
    wait_phase(a, vm, RUNNING)
    a.ok("one.vm.migrate", vm, state["mig1"], True)
    failed_back_to_running("snapshot")
    assert lvd2.state(name) == "running"
    action(a, "poweroff", vm)
    wait_phase(a, vm, POWEROFF)
    action(a, "resume", vm)
    wait_phase(a, vm, RUNNING)
    a.ok("one.vm.snapshotrevert", vm, 0)
    failed_back_to_running("libvirt no longer knows snap-0")
    v = hotplug(a, vm, "one.vm.snapshotdelete", 0)
    assert v.find("TEMPLATE/SNAPSHOT") is None


def test_oned_crash_then_reattach_and_monitoring_resumes(one, lvd1, lvd2, state):
    a = one.admin
    vm = state["mig_vm"]
    name = f"one-{vm}"
    poll = int(vm_info(a, vm).findtext("LAST_POLL"))
    time.sleep(1.1)     # LAST_POLL counts seconds: the next sample is later
    one.kill9()
    # From now on one sample at start, then events only: what happens to
    # the guest must reach oned through its watch on the host.
    one.conf["MONITORING_INTERVAL_HOST"] = 3600
    one.start()
    a = one.admin
    assert vm_phase(a, vm) == RUNNING
    wait_until(lambda: int(vm_info(a, vm).findtext("LAST_POLL")) > poll, timeout=15,
               what="monitoring after the restart")
    assert vm_phase(a, vm) == RUNNING
    assert lvd2.domains().count(name) == 1 and name not in lvd1.domains()

    # destroyed behind oned's back: the lifecycle event makes the VM
    # POWEROFF at once, and nothing is left on either host once it is
    # terminated
    t0 = time.monotonic()
    lvd2.virsh("destroy", name, check=True)
    wait_phase(a, vm, POWEROFF, timeout=15)
    print(f"domain destroyed -> POWEROFF through the event: {time.monotonic() - t0:.2f} s")
    action(a, "terminate", vm)
    wait_phase(a, vm, DONE)
    assert lvd1.domains() == [] and lvd2.domains() == []


# ---- lifecycle events --------------------------------------------------------------

def build_watch_check(out):
    """tests/integration/libvirt/watch_check.c linked with the driver's
    sources: a small program that drives the IM driver as oned's engine
    does, and prints what it reports."""
    src = [REPO / "tests/integration/libvirt/watch_check.c"] + \
        [REPO / f for f in ("drivers/libvirt/libvirt.c", "drivers/libvirt/domain.c",
                            "drivers/vmm.c", "drivers/datastore.c", "drivers/driver.c",
                            "lib/util.c", "lib/buf.c", "lib/log.c", "lib/hash.c",
                            "lib/template.c")]
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libvirt", "libxml-2.0"],
                           capture_output=True, text=True, check=True).stdout.split()
    p = subprocess.run(["gcc", "-std=gnu11", "-O1", "-g", f"-I{REPO}", f"-I{BUILD}", "-o",
                        str(out), *map(str, src), *flags, "-lcrypto", "-lpthread", "-lm"],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return out


def test_watch_reports_events_and_survives_a_daemon_restart(lvd1, guest, tmp_path):
    checker = build_watch_check(tmp_path / "watch_check")
    proc = subprocess.Popen([str(checker), lvd1.uri], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x.strip()) for x in proc.stdout],
                     daemon=True).start()

    def expect(want, timeout=20):
        end = time.monotonic() + timeout
        seen = []
        while time.monotonic() < end:
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                continue
            seen.append(line)
            if line.startswith(want):
                return line
        raise AssertionError(f"no {want!r} within {timeout} s; got {seen}")

    # a domain started by hand (lvmode=run: the initrd alone, no disk)
    dom = tmp_path / "d.xml"
    dom.write_text(f"""<domain type='qemu'><name>one-990</name>
  <memory unit='MiB'>128</memory><vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type><kernel>{guest["kernel"]}</kernel>
    <initrd>{guest["initrd"]}</initrd><cmdline>console=ttyS0 lvmode=run</cmdline></os>
  <features><acpi/></features>
  <devices><serial type='file'><source path='{tmp_path}/c.log'/><target port='0'/></serial>
    <memballoon model='none'/></devices></domain>""")
    try:
        expect("READY")
        expect("MONITOR OK 0")
        lvd1.virsh("create", str(dom), check=True)
        expect("EVENT 7 one-990 RUNNING")
        lvd1.virsh("suspend", "one-990", check=True)
        expect("EVENT 7 one-990 SUSPENDED")
        lvd1.virsh("resume", "one-990", check=True)
        expect("EVENT 7 one-990 RUNNING")

        # libvirtd restarts: monitoring fails, reconnects with back-off, and
        # the watch is registered again on the new connection
        t0 = time.monotonic()
        lvd1.restart()
        expect("MONITOR FAIL")
        expect("MONITOR OK 1")
        print(f"libvirtd restart -> monitored again: {time.monotonic() - t0:.1f} s")
        lvd1.virsh("destroy", "one-990", check=True)
        expect("EVENT 7 one-990 POWEROFF")
    finally:
        proc.stdin.close()
        rc = proc.wait(30)
        lvd1.virsh("destroy", "one-990")
    assert rc == 0
