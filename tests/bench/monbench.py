#!/usr/bin/env python3
"""monbench.py BUILD_DIR: the cost of the monitoring history, part of `make bench`.

A throwaway oned (tests/integration/harness.py: ONE_LOCATION in a temp dir,
127.0.0.1, SQLite SYNC=NORMAL) with MONITORING_INTERVAL_HOST=$BENCH_MON_INTERVAL
(default 10 s) gets $BENCH_HOSTS dummy hosts (100) and $BENCH_VMS VMs
(10,000; BENCH_VM_MON_EXPIRATION=0 records no VM samples, for comparison), deployed over them by rpcbench; once every VM is RUNNING and has a
sample, it measures:

  - monitoring cycles ($BENCH_MON_CYCLES, default 5): oned CPU and wall time
    from the first tick of a cycle to oned going idle again, the rows and
    bytes each cycle adds to the sample tables, and from those the growth per
    hour at the default interval (30 s) and the size the default retention
    (hosts 12 h, VMs 4 h) settles at;
  - one.vmpool.monitoring(-2, 0) (the newest sample of every VM) and
    one.vm.monitoring of one VM: rpcbench time, 20 calls each, started right
    after a cycle so that none runs beside them, with oned's CPU per call.

Medians are printed.  Exits non-zero if a call failed or oned died.
"""

import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from pathlib import Path

from benchlib import HZ, rpcbench, ticks
from harness import Oned  # noqa: E402 (benchlib puts it on the path)

HOSTS = int(os.environ.get("BENCH_HOSTS", 100))
VMS = int(os.environ.get("BENCH_VMS", 10000))
INTERVAL = int(os.environ.get("BENCH_MON_INTERVAL", 10))
CYCLES = int(os.environ.get("BENCH_MON_CYCLES", 5))
DEFAULT_INTERVAL, HOST_KEEP, VM_KEEP = 30, 43200, 14400


def wait_idle(pid, quiet=0.5):
    """Until oned has used no CPU for `quiet` seconds."""
    last, since = ticks(pid), time.monotonic()
    while time.monotonic() - since < quiet:
        time.sleep(0.05)
        now = ticks(pid)
        if now != last:
            last, since = now, time.monotonic()


def conf_vm_samples():
    return os.environ.get("BENCH_VM_MON_EXPIRATION", "1") != "0"


def table_bytes(db):
    """(rows, bytes on disk) of the sample tables and their indexes."""
    rows = sum(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
               for t in ("host_monitoring", "vm_monitoring"))
    try:
        size = db.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE '%monitoring%'"
                          ).fetchone()[0] or 0
    except sqlite3.OperationalError:     # no dbstat: the bodies' length, a lower bound
        size = sum(db.execute(f"SELECT COALESCE(SUM(LENGTH(body)), 0) FROM {t}").fetchone()[0]
                   for t in ("host_monitoring", "vm_monitoring"))
    return rows, size


def main():
    root = Path(tempfile.mkdtemp(prefix="nubes-monbench."))
    conf = {"PASSWORD_HASH_ITERATIONS": 1000, "MONITORING_INTERVAL_HOST": INTERVAL,
            "DB": {"BACKEND": "sqlite", "SYNC": "NORMAL"}}
    if "BENCH_VM_MON_EXPIRATION" in os.environ:     # 0: the cycle without VM samples
        conf["VM_MONITORING_EXPIRATION_TIME"] = int(os.environ["BENCH_VM_MON_EXPIRATION"])
    d = Oned(root, conf=conf)
    try:
        run(d)
    finally:
        d.close()
        subprocess.run(["rm", "-rf", str(root)])


def run(d):
    pid = d.pid
    s = xmlrpc.client.ServerProxy(d.url)
    auth = d.admin_session
    print("== Nubes monitoring benchmark ==")
    print(f"oned: {HOSTS} dummy hosts, {VMS} VMs, MONITORING_INTERVAL_HOST={INTERVAL}, "
          f"default retention; load average before: {os.getloadavg()[0]:.2f}")
    rpcbench(d, "fill", "-k", "hosts", "-n", str(HOSTS), "-c", "8")
    rpcbench(d, "fill", "-k", "vms", "-n", str(VMS), "-c", "8")
    rpcbench(d, "fill", "-k", "deploy", "-H", str(HOSTS), "-n", str(VMS), "-c", "8")
    end = time.monotonic() + 600
    while s.one.vmpool.info(auth, -2, -1, -1, 3)[1].count("<LCM_STATE>3</LCM_STATE>") < VMS:
        if time.monotonic() > end:
            sys.exit("VMs did not all reach RUNNING")
        time.sleep(0.5)
    while (conf_vm_samples() and
           s.one.vmpool.monitoring(auth, -2, 0)[1].count("<MONITORING>") < VMS):
        if time.monotonic() > end:
            sys.exit("VMs did not all get a sample")
        time.sleep(0.5)

    db = sqlite3.connect(f"file:{d.var / 'one.db'}?mode=ro", uri=True)
    cpu, wall, grew_rows, grew_bytes = [], [], [], []
    wait_idle(pid)
    for _ in range(CYCLES):
        rows0, size0 = table_bytes(db)
        t0 = ticks(pid)
        while ticks(pid) == t0:             # the next cycle's first work
            time.sleep(0.01)
        start = time.monotonic()
        wait_idle(pid, 0.3)
        wall.append(time.monotonic() - 0.3 - start)
        cpu.append((ticks(pid) - t0) * 1000 / HZ)
        rows1, size1 = table_bytes(db)
        grew_rows.append(rows1 - rows0)
        grew_bytes.append(size1 - size0)
    rows, size = table_bytes(db)
    db.close()
    per_sample = size / rows if rows else 0
    per_cycle = statistics.median(grew_bytes) or per_sample * (HOSTS + VMS)
    print(f"-- one monitoring cycle ({HOSTS} host reports, {VMS} VM samples), "
          f"median of {CYCLES}")
    print(f"   oned CPU {statistics.median(cpu):.0f} ms per cycle "
          f"(min {min(cpu):.0f}, max {max(cpu):.0f}; clock tick {1000 / HZ:.0f} ms), "
          f"wall {statistics.median(wall) * 1000:.0f} ms")
    print(f"   sample rows +{statistics.median(grew_rows):.0f} per cycle; "
          f"{rows} rows take {size / 1e6:.1f} MB ({per_sample:.0f} B per sample, "
          f"indexes included)")
    hour = per_cycle * 3600 / DEFAULT_INTERVAL
    steady = per_sample * (HOSTS * HOST_KEEP + VMS * VM_KEEP) / DEFAULT_INTERVAL
    print(f"   at the default interval ({DEFAULT_INTERVAL} s): +{hour / 1e6:.0f} MB per hour; "
          f"the default retention settles at {steady / 1e9:.2f} GB")

    for method, args in (("one.vmpool.monitoring", ["-i", "-2", "-i", "0"]),
                         ("one.vm.monitoring", ["-i", "0"])):
        wait_idle(pid)
        t0 = ticks(pid)
        line = rpcbench(d, "time", "-n", "20", "-m", method, *args)
        calls = 20
        print(f"-- {method}({', '.join(args[1::2])})")
        print(f"   {line}")
        print(f"   oned CPU: {(ticks(pid) - t0) * 1000 / HZ / calls:.1f} ms per call")
    if not d.running():
        sys.exit("oned died during the benchmark")


if __name__ == "__main__":
    main()
