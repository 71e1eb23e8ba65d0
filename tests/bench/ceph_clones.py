"""100 VM disks cloned from one Ceph image through TM_MAD "ceph", and their
removal (the part of `make bench` that needs Ceph).

    python3 tests/bench/ceph_clones.py BUILD_DIR [N]

Starts a private single-node Ceph (tests/integration/ceph_env.py: 1 mon, 1
memstore OSD, cephx, 127.0.0.1 only), makes a 32 MiB raw image with data in
every 4 MiB object, and runs tests/bench/cephbench against it: the image
imported through DS_MAD "ceph", N prepares (copy-on-write clones of its
snapshot, one after another, as oned's workers call the driver), N releases,
the image removed.  Then the same through oned: the image imported into a
Ceph datastore, N VMs instantiated from it and deployed on dummy hosts
(each PROLOG a clone made by the TM on oned's storage path), timed until
all RUNNING, then terminated until their clones are gone.  `rbd ls` must
show the pool empty, and the cluster is stopped and its directory removed.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import BUILD, wait
import ceph_env                         # noqa: E402 (benchlib puts it on the path)
from harness import Oned, xml           # noqa: E402

N = int(sys.argv[2]) if len(sys.argv) > 2 else 100
CEPHBENCH = os.environ.get("CEPHBENCH") or str(BUILD / "tests" / "bench" / "cephbench")


def main():
    why = ceph_env.unavailable()
    if why:
        print(f"   skipped: {why}")
        return 0
    c = ceph_env.Ceph()
    try:
        print(f"   private Ceph (1 mon + 1 memstore OSD, cephx) ready in {c.started_in:.1f} s")
        with tempfile.TemporaryDirectory(prefix="nubes-cephbench-") as tmp:
            image = Path(tmp) / "image.raw"
            with open(image, "wb") as f:
                for i in range(8):              # 32 MiB: 8 objects, each with data
                    f.seek(i << 22)
                    f.write(os.urandom(4096))
                f.truncate(32 << 20)
            ds = Path(tmp) / "ds.tmpl"
            ds.write_text(f'ID = 100\nNAME = "bench"\nPOOL_NAME = "{c.pool}"\n'
                          f'CEPH_CONF = "{c.conf}"\nCEPH_KEY = "{c.keyring}"\n')
            p = subprocess.run([CEPHBENCH, str(ds), str(image), str(N)], text=True,
                               capture_output=True)
            sys.stdout.write(p.stdout)
            if p.returncode:
                print(f"*** cephbench failed: {p.stderr.strip()}")
                return 1
            through_oned(c, Path(tmp), image)
        left = c.rbd("ls", c.pool, check=True).stdout.split()
        if left:
            print(f"*** images left in the pool: {' '.join(left)}")
            return 1
        return 0
    finally:
        c.stop()


def phases(a, vms):
    doc = xml(a.ok("one.vmpool.info", -2, -1, -1, -2))
    return {int(v.findtext("ID")): (v.findtext("STATE"), v.findtext("LCM_STATE"))
            for v in doc.findall("VM") if int(v.findtext("ID")) in vms}


def through_oned(c, tmp, image):
    d = Oned(tmp / "oned", conf={"PASSWORD_HASH_ITERATIONS": 1000,
                                 "SCHED": {"ENABLED": False}})
    try:
        a = d.admin
        ds = a.ok("one.datastore.allocate",
                  f'NAME="ceph"\nDS_MAD="ceph"\nTM_MAD="ceph"\nDISK_TYPE="RBD"\n'
                  f'POOL_NAME="{c.pool}"\nCEPH_CONF="{c.conf}"\nCEPH_KEY="{c.keyring}"', -1)
        t0 = time.monotonic()
        iid = a.ok("one.image.allocate", f'NAME="golden"\nPATH="{image}"', ds)
        wait("the image READY", lambda: xml(a.ok("one.image.info", iid)).findtext("STATE")
             == "1", 120)
        print(f"   through oned: 32 MiB image imported in {time.monotonic() - t0:.2f} s")
        hosts = [a.ok("one.host.allocate", f"h{i}", "dummy", "dummy", -1) for i in range(4)]
        vms = [a.ok("one.vm.allocate", f"CPU=0.1\nMEMORY=16\nDISK=[IMAGE_ID={iid}]")
               for _ in range(N)]
        t0 = time.monotonic()
        for i, vm in enumerate(vms):
            a.ok("one.vm.deploy", vm, hosts[i % len(hosts)])
        wait("the VMs RUNNING", lambda: set(phases(a, set(vms)).values()) == {("3", "3")},
             300, interval=0.05)
        up = time.monotonic() - t0
        kids = c.rbd("children", f"{c.pool}/one-{iid}@snap", check=True).stdout.split()
        if len(kids) != N:
            sys.exit(f"*** {len(kids)} clones of the image, expected {N}")
        print(f"   through oned: {N} VMs deployed -> RUNNING, each disk a clone: {up:.2f} s "
              f"({up / N * 1000:.1f} ms per VM; dummy VMM on {len(hosts)} hosts)")
        t0 = time.monotonic()
        for vm in vms:
            a.ok("one.vm.action", "terminate-hard", vm)
        wait("the VMs DONE", lambda: set(phases(a, set(vms)).values()) == {("6", "0")}, 300,
             interval=0.05)
        print(f"   through oned: {N} VMs terminated, clones removed: "
              f"{time.monotonic() - t0:.2f} s")
        a.ok("one.image.delete", iid)
        wait("the image gone", lambda: not a.call("one.image.info", iid)[0], 120)
    finally:
        d.close()


if __name__ == "__main__":
    sys.exit(main())
