"""100 VM disks cloned from one Ceph image through TM_MAD "ceph", and their
removal (the part of `make bench` that needs Ceph).

    python3 tests/bench/ceph_clones.py BUILD_DIR [N]

Starts a private single-node Ceph (tests/integration/ceph_env.py: 1 mon, 1
memstore OSD, cephx, 127.0.0.1 only), makes a 32 MiB raw image with data in
every 4 MiB object, and runs tests/bench/cephbench against it: the image
imported through DS_MAD "ceph", N prepares (copy-on-write clones of its
snapshot, one after another, as oned's workers call the driver), N releases,
the image removed.  Then `rbd ls` must show the pool empty, and the
cluster is stopped and its directory removed.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchlib import BUILD
import ceph_env                         # noqa: E402 (benchlib puts it on the path)

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
        left = c.rbd("ls", c.pool, check=True).stdout.split()
        if left:
            print(f"*** images left in the pool: {' '.join(left)}")
            return 1
        return 0
    finally:
        c.stop()


if __name__ == "__main__":
    sys.exit(main())
