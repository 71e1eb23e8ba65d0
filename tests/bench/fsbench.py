"""fs datastore VM disks through TM "qcow2" and "ssh" on a private libvirtd
(the part of `make bench` for the fs drivers).

    python3 tests/bench/fsbench.py BUILD_DIR [VMS]

Runs tests/bench/fsbench (in process: no oned) on the tests' tiny guest
image (qcow2, 32 MiB virtual) and on a 256 MiB raw image of random bytes,
whose first ssh prepare shows the upload through a libvirt stream.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchlib import BUILD
import libvirt_env                      # noqa: E402 (benchlib puts it on the path)

VMS = int(sys.argv[2]) if len(sys.argv) > 2 else 50


def main():
    why = libvirt_env.unavailable()
    if why:
        print(f"   skipped: {why}")
        return 0
    guest = libvirt_env.tiny_guest()
    lvd = libvirt_env.Libvirtd()
    work = Path(tempfile.mkdtemp(prefix="nubes-fsbench-"))
    try:
        big = work / "random-256m.raw"
        with open(big, "wb") as f:
            for _ in range(256):
                f.write(os.urandom(1 << 20))
        p = subprocess.run([str(BUILD / "tests/bench/fsbench"), lvd.uri, str(work), str(VMS),
                            str(guest["base"]), str(big)], text=True, timeout=1800)
        return p.returncode
    finally:
        lvd.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
