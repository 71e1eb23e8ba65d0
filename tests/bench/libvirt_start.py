"""instantiate -> RUNNING through oned on a real TCG guest, against libvirt's
own start of the same domain (the part of `make bench` that needs libvirt).

    python3 tests/bench/libvirt_start.py BUILD_DIR [REPS]

A private libvirtd (tests/integration/libvirt_env.py) and a private oned with
one KVM host on it.  Each round instantiates a template, deploys the VM on
the host by hand (this oned runs without the scheduler, so no batching
window is timed) and polls one.vm.info every millisecond until LCM_STATE is
RUNNING; then terminates it.  The baseline is tests/bench/lvstart:
virDomainCreateXML of the domain oned's driver made (libvirt's expanded
copy of it, taken from the first VM), on one open connection,
timed to the call's return.  The guest is the tests' tiny guest booting its
initrd only: what is measured is the start, not the boot.

Two overheads are printed: the medians' difference, which also holds
whatever libvirt spends more on oned's XML than on its own expanded copy
(and the machine's noise between rounds), and oned's own share: each
round's time less the virDomainCreateXML call inside oned's driver (which
logs it at DEBUG_LEVEL 3).
"""

import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import BUILD, wait
import libvirt_env                      # noqa: E402 (benchlib puts it on the path)
from harness import Oned, xml           # noqa: E402

REPS = int(sys.argv[2]) if len(sys.argv) > 2 else 9


def phase(a, vm):
    v = xml(a.ok("one.vm.info", vm))
    err = v.findtext("USER_TEMPLATE/ERROR")
    if err:
        raise SystemExit(f"libvirt_start: VM {vm}: {err}")
    return v.findtext("STATE"), v.findtext("LCM_STATE")


def main():
    why = libvirt_env.unavailable()
    if why:
        print(f"   skipped: {why}")
        return 0
    lvstart = BUILD / "tests/bench/lvstart"
    guest = libvirt_env.tiny_guest()
    lvd = libvirt_env.Libvirtd()
    root = Path(tempfile.mkdtemp(prefix="nubes-lvbench-"))
    one = Oned(root, conf={"PASSWORD_HASH_ITERATIONS": 1000, "MONITORING_INTERVAL_HOST": 60,
                           "LOG": {"SYSTEM": "file", "DEBUG_LEVEL": 3}})
    try:
        a = one.admin
        h = a.ok("one.host.allocate", "bench-node", "kvm", "kvm", -1)
        a.ok("one.host.update", h, f'LIBVIRT_URI = "{lvd.uri}"', 1)
        wait("the host MONITORED",
             lambda: xml(a.ok("one.host.info", h)).findtext("STATE") == "2", 30, 0.1)
        tid = a.ok("one.template.allocate",
                   f'NAME = "lvbench"\nCPU = 1\nMEMORY = 128\n'
                   f'OS = [ KERNEL = "{guest["kernel"]}", INITRD = "{guest["initrd"]}", '
                   f'KERNEL_CMD = "console=ttyS0 lvmode=run" ]\n')
        log = root / "var" / "oned.log"

        def create_ms(vm):
            """virDomainCreateXML's time in oned's deploy of VM vm."""
            m = re.findall(rf"deploy one-{vm} on host .*: virDomainCreateXML took ([0-9.]+) ms",
                           log.read_text())
            if not m:
                raise SystemExit(f"libvirt_start: no deploy timing for VM {vm} in {log}")
            return float(m[-1])

        def instantiate(i):
            """One round through oned: (whole, API calls) in ms."""
            t0 = time.monotonic()
            vm = a.ok("one.template.instantiate", tid, f"lvbench-{i}", False, "", False)
            a.ok("one.vm.deploy", vm, h, False, -1, "")
            t1 = time.monotonic()
            wait(f"VM {vm} RUNNING", lambda: phase(a, vm) == ("3", "3"), 60, 0.001)
            t2 = time.monotonic()
            return vm, (t2 - t0) * 1e3, (t1 - t0) * 1e3

        def terminate(vm):
            a.ok("one.vm.action", "terminate-hard", vm)
            wait(f"VM {vm} DONE", lambda: phase(a, vm) == ("6", "0"), 60, 0.05)

        # A first VM warms up and gives the domain XML of the baseline.
        vm, _, _ = instantiate(0)
        dom = lvd.virsh("dumpxml", "--migratable", f"one-{vm}", check=True).stdout
        terminate(vm)
        if "<uuid>" in dom:
            dom = dom.split("<uuid>")[0] + dom.split("</uuid>", 1)[1]
        start, end = dom.index("<name>") + 6, dom.index("</name>")
        xmlfile = root / "lvbench.xml"
        xmlfile.write_text(dom[:start] + "lvbench-baseline" + dom[end:])
        lv = subprocess.Popen([str(lvstart), lvd.uri, str(xmlfile)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)

        def baseline():
            lv.stdin.write("start\n")
            lv.stdin.flush()
            line = lv.stdout.readline()
            if not line:
                raise SystemExit(f"libvirt_start: lvstart failed (exit {lv.wait()})")
            return float(line)

        baseline()                          # its first start warms up too
        times, api, base, own = [], [], [], []
        for i in range(1, REPS + 1):        # interleaved: both see the same load
            vm, whole, calls = instantiate(i)
            terminate(vm)
            times.append(whole)
            api.append(calls)
            own.append(whole - create_ms(vm))
            base.append(baseline())
        lv.stdin.close()
        lv.wait(60)

        o, b = statistics.median(times), statistics.median(base)
        print(f"   oned instantiate + deploy -> RUNNING: median {o:.1f} ms "
              f"(min {min(times):.1f}, max {max(times):.1f}) over {REPS}")
        print(f"   libvirt virDomainCreateXML, the same domain: median {b:.1f} ms "
              f"(min {min(base):.1f}, max {max(base):.1f}) over {REPS}")
        print(f"   of which the two API calls (instantiate, deploy): median "
              f"{statistics.median(api):.1f} ms")
        print(f"   oned's overhead: {o - b:.1f} ms (median minus median)   target: <= 50 ms")
        print(f"   oned's own share (each round less its virDomainCreateXML): median "
              f"{statistics.median(own):.1f} ms (min {min(own):.1f}, max {max(own):.1f})")
        return 0
    finally:
        one.close()
        lvd.stop()


if __name__ == "__main__":
    sys.exit(main())
