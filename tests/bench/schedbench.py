#!/usr/bin/env python3
"""schedbench.py BUILD_DIR: the scheduler end to end, part of `make bench`.

For each (VMs, hosts) in $BENCH_SCHED (default "1000:100 10000:2500"), a
throwaway oned (tests/integration/harness.py; SQLite SYNC=NORMAL) with the
scheduler on (its defaults: striping, MAX_HOST 1, 50 ms window) gets that many
dummy hosts, waits until every one is MONITORED, then times:

    rpcbench fill -k vms (one.vm.allocate over 8 connections: PENDING VMs,
    what instantiate makes) -> every VM RUNNING, with no one.vm.deploy

polling one.vmpool.info every 20 ms.  It prints the wall time, oned's CPU,
the passes the scheduler ran and the time of the last VM's allocate (the
scheduler works while the fill is still going).  Exits non-zero on failure.
"""

import os
import subprocess
import tempfile
import time
import xmlrpc.client
from pathlib import Path

from benchlib import HZ, rpcbench, ticks, wait
from harness import Oned  # noqa: E402 (benchlib puts it on the path)

RUNS = [tuple(map(int, r.split(":"))) for r in
        os.environ.get("BENCH_SCHED", "1000:100 10000:2500").split()]
TARGET = {1000: 2.0, 10000: 10.0}


def run(vms, hosts):
    root = Path(tempfile.mkdtemp(prefix="nubes-schedbench-"))
    conf = {"PASSWORD_HASH_ITERATIONS": 1000, "DB": {"BACKEND": "sqlite", "SYNC": "NORMAL"},
            "SCHED": {"ENABLED": True}, "LOG": {"SYSTEM": "file", "DEBUG_LEVEL": 3}}
    d = Oned(root, conf=conf)
    try:
        s = xmlrpc.client.ServerProxy(d.url)
        auth = d.admin_session
        rpcbench(d, "fill", "-k", "hosts", "-n", str(hosts), "-c", "8")
        wait(f"{hosts} hosts MONITORED",
             lambda: s.one.hostpool.info(auth)[1].count("<STATE>2</STATE>") >= hosts, 300)
        c0, t0 = ticks(d.pid), time.monotonic()
        rpcbench(d, "fill", "-k", "vms", "-n", str(vms), "-c", "8")
        t_fill = time.monotonic() - t0
        wait(f"{vms} VMs RUNNING", lambda: s.one.vmpool.info(auth, -2, -1, -1, 3)[1]
             .count("<LCM_STATE>3</LCM_STATE>") >= vms, 600)
        t, cpu = time.monotonic() - t0, (ticks(d.pid) - c0) / HZ
        passes = d.log_file.read_text().count("[SCH][D]: Pass:")
        per_host = vms // hosts
        print(f"{vms} VMs on {hosts} hosts: allocate -> all RUNNING {t:.2f} s "
              f"(target <= {TARGET.get(vms, 0):g} s); allocates done at {t_fill:.2f} s; "
              f"oned CPU {cpu:.2f} s; {passes} passes (MAX_HOST 1: >= {per_host} needed)")
    finally:
        d.close()
        subprocess.run(["rm", "-rf", str(root)])


def main():
    for vms, hosts in RUNS:
        run(vms, hosts)


if __name__ == "__main__":
    main()
