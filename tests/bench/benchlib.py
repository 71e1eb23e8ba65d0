"""What the Python benchmarks share: the build they measure (argv[1], else
./build; exported as NUBES_BUILD so that the integration harness starts
that oned), oned's CPU, rpcbench, and a bounded wait.  Import it before
the harness."""

import os
import subprocess
import sys
import time
from pathlib import Path

BUILD = Path(sys.argv[1] if len(sys.argv) > 1 else "build").resolve()
os.environ["NUBES_BUILD"] = str(BUILD)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))

RPCBENCH = os.environ.get("RPCBENCH") or str(BUILD / "tests" / "bench" / "rpcbench")
HZ = os.sysconf("SC_CLK_TCK")


def ticks(pid):
    """The process's utime + stime in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def rpcbench(d, *args):
    """rpcbench against oned d as oneadmin; its output line."""
    out = subprocess.run([RPCBENCH, *args, "-p", str(d.port), "-a", d.admin_session],
                         capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"rpcbench {' '.join(args)} failed: {out.stdout}{out.stderr}")
    return out.stdout.strip()


def wait(what, cond, timeout, interval=0.02):
    """Until cond() holds; the benchmark ends if it does not in time."""
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            sys.exit(f"{Path(sys.argv[0]).name}: timed out waiting for {what}")
        time.sleep(interval)
