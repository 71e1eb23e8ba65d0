"""Real libvirt for the integration tier: private libvirtd instances and a tiny guest.

    guest = tiny_guest()            # {"kernel", "initrd", "base"}: built once, cached
    d = Libvirtd(tcp=True)          # a private libvirtd in /tmp/nbvXXXX, started
    d.uri, d.tcp_uri                # qemu:///system?socket=..., qemu+tcp://127.0.0.1:P/system
    d.virsh("list", "--all")        # CompletedProcess
    d.state("one-3")                # "running", "shut off", ... or None if no such domain
    d.stop()                        # destroys its guests, stops the daemon by PID

Each daemon runs in its own mount namespace with its own /etc/libvirt,
/run/libvirt, /var/lib/libvirt, ... (tests/integration/libvirt/sandbox.sh), so
tests never see nor touch a libvirtd of the machine.  Root is needed (mount
namespaces); QEMU runs TCG guests (`KVM_TYPE` "qemu"), which need no /dev/kvm.

require() skips the tests when libvirtd, QEMU or root is missing, except under
CI=true, where it fails: there share/scripts/deps.sh has installed them, and a
skip would hide a broken set-up.

The guest (tests/integration/libvirt/tiny-guest.sh: a Debian cloud kernel, a
busybox initrd and a 32 MiB ext4 root image) is built into
${XDG_CACHE_HOME:-~/.cache}/nubes-test-guest/<hash of the script>/ once and
reused by later runs; the QEMU capabilities probe (about 2 s per fresh daemon)
and the sandbox's subreaper binary are cached beside it.
"""

import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path


from harness import free_port

HERE = Path(__file__).resolve().parent / "libvirt"
SANDBOX = HERE / "sandbox.sh"
TINY_GUEST = HERE / "tiny-guest.sh"
TOOLS = ("/usr/sbin/libvirtd", "virsh", "qemu-system-x86_64", "qemu-img", "mkfs.ext4",
         "unshare", "gcc", "apt-get", "dpkg-deb")
VIRSH_TIMEOUT = 60


def _in_ci():
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable():
    """Why this machine cannot run private libvirtds, or None if it can."""
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:
        return ("libvirt/QEMU test dependencies missing: " + ", ".join(missing) +
                " (bash share/scripts/deps.sh test installs them)")
    if os.geteuid() != 0:
        return "private libvirtd instances need root (mount namespaces)"
    return None


def require():
    """Skip (fail under CI) unless this machine can run private libvirtds."""
    why = unavailable()
    if why:
        import pytest       # only here: the benchmarks use this module too

        if _in_ci():
            pytest.fail(why, pytrace=False)
        pytest.skip(why)


def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    d = Path(base) / "nubes-test-guest"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def tiny_guest():
    """The guest's files, built on first use: {"kernel", "initrd", "base"}."""
    require()
    root = cache_dir()
    out = root / _digest(TINY_GUEST)
    files = {"kernel": out / "vmlinuz", "initrd": out / "initrd.gz", "base": out / "base.qcow2"}
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)        # parallel runs build it once
        if not all(f.exists() for f in files.values()):
            tmp = Path(tempfile.mkdtemp(prefix="build-", dir=root))
            try:
                p = subprocess.run(["bash", str(TINY_GUEST), str(tmp)], capture_output=True,
                                   text=True, timeout=600)
                if p.returncode != 0:
                    raise RuntimeError(f"building the test guest failed:\n{p.stdout}\n"
                                       f"{p.stderr}")
                shutil.rmtree(tmp / "pkgs", ignore_errors=True)
                shutil.rmtree(out, ignore_errors=True)
                tmp.rename(out)                 # whole or not at all
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    return files


def overlay(base, path):
    """A qcow2 copy-on-write overlay of base at path (the base stays untouched)."""
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", str(base), "-F", "qcow2",
                    str(path)], check=True, timeout=60)
    return Path(path)


class Libvirtd:
    """A private libvirtd (QEMU driver) in a short temporary directory; the
    unix socket path must stay under 107 bytes.  tcp=True also listens on
    127.0.0.1 (no TLS, no authentication), as migration between two
    instances needs."""

    def __init__(self, tcp=False):
        require()
        self.dir = Path(tempfile.mkdtemp(prefix="nbv", dir="/tmp"))
        self.port = free_port() if tcp else None
        self.uri = f"qemu:///system?socket={self.dir}/sock/libvirt-sock"
        self.tcp_uri = f"qemu+tcp://127.0.0.1:{self.port}/system" if tcp else None
        self._seed()
        args = ["bash", str(SANDBOX), "start", str(self.dir)]
        if tcp:
            args += ["--tcp", str(self.port)]
        p = subprocess.run(args, capture_output=True, text=True, timeout=90)
        if p.returncode != 0:
            log = self.dir / "libvirtd.log"
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            self.stop()
            raise AssertionError(f"libvirtd did not start: {p.stderr}\n{tail}")

    def _seed(self):
        """The cached subreaper and QEMU capabilities, when there are."""
        c = cache_dir()
        if (c / "reaper").exists():
            (self.dir / "bin").mkdir()
            shutil.copy2(c / "reaper", self.dir / "bin" / "reaper")
        if (c / "qemu-caps").is_dir():
            shutil.copytree(c / "qemu-caps", self.dir / "cache" / "qemu")

    def _save_seed(self):
        c = cache_dir()
        reaper = self.dir / "bin" / "reaper"
        caps = self.dir / "cache" / "qemu"
        try:
            if reaper.exists() and not (c / "reaper").exists():
                shutil.copy2(reaper, c / "reaper")
            if caps.is_dir() and any(caps.rglob("*.xml")):
                tmp = Path(tempfile.mkdtemp(prefix="caps-", dir=c))
                shutil.copytree(caps, tmp / "qemu")
                shutil.rmtree(c / "qemu-caps", ignore_errors=True)
                (tmp / "qemu").rename(c / "qemu-caps")
                shutil.rmtree(tmp, ignore_errors=True)
        except OSError:
            pass        # a cache: the next daemon just probes again

    def restart(self):
        """Stop libvirtd alone (its guests keep running), then start it again
        on the same directory, as after a daemon upgrade or crash."""
        pid = int((self.dir / "libvirtd.pid").read_text())
        os.kill(pid, signal.SIGTERM)
        wait_until(lambda: not _running(pid), timeout=30, what=f"libvirtd {pid} to exit")
        args = ["bash", str(SANDBOX), "start", str(self.dir)]
        if self.port:
            args += ["--tcp", str(self.port)]
        p = subprocess.run(args, capture_output=True, text=True, timeout=90)
        assert p.returncode == 0, f"libvirtd did not start again: {p.stderr}"

    def virsh(self, *args, uri=None, check=False):
        return subprocess.run(["virsh", "-q", "-c", uri or self.uri, *args], capture_output=True,
                              text=True, timeout=VIRSH_TIMEOUT, check=check)

    def state(self, name):
        """The domain's state as virsh says it, None if there is no such domain."""
        p = self.virsh("domstate", name)
        return p.stdout.strip() if p.returncode == 0 else None

    def domains(self):
        """Every domain's name, running or not."""
        p = self.virsh("list", "--all", "--name", check=True)
        return [n for n in p.stdout.split() if n]

    def stop(self):
        if self.dir is None:
            return
        subprocess.run(["bash", str(SANDBOX), "stop", str(self.dir)], capture_output=True,
                       timeout=120)
        self._save_seed()
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None


def _running(pid):
    """Whether pid is alive and not a zombie (reaping can lag here)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_until(fn, timeout=30.0, interval=0.2, what="condition"):
    """fn() until it returns a true value, which is returned; fails after timeout s."""
    end = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout} s waiting for {what} "
                                 f"(last: {v!r})")
        time.sleep(interval)
