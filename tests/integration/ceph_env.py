"""A private single-node Ceph for the integration tier and the benchmarks.

    c = Ceph()                      # 1 mon + 1 OSD (memstore), cephx, 127.0.0.1 only
    c.conf, c.keyring               # its ceph.conf and client.admin's keyring
    c.mon_host                      # "127.0.0.1:P" (msgr2), as CEPH_HOST names a mon
    c.pool                          # "one", rbd-initialised
    c.rbd("ls", c.pool)             # CompletedProcess of rbd -c conf ...
    c.add_user("libvirt")           # a restricted client (profile rbd): its keyring path
    c.stop()                        # OSD (and mgr) first, then the mon, by PID; rm -rf

Everything lives in one short directory under /tmp (admin sockets are unix
sockets: paths must stay short): the config, keys, the mon's store, the
OSD (memstore: data in RAM, nothing on disk), pid files and logs.  Nothing
goes to /etc/ceph, /var/lib/ceph or /var/log/ceph and no system service is
involved; the daemons listen on 127.0.0.1 only, the mon on a random free
port (retried on a clash).  Ready in about 2-4 s on an idle machine.

mgr=True also starts a ceph-mgr (about 6 s more and 300 MB): without one the
cluster works but reports no usage statistics (capacity 0).

Do not restart a memstore OSD: its placement groups never become active
again.  The pytest fixture `ceph` (conftest.py) gives one cluster per
session; require() skips (fails under CI=true) when the Ceph daemons are
not installed (share/scripts/deps.sh test installs them).
"""

import json
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

TOOLS = ("ceph-mon", "ceph-osd", "ceph", "ceph-authtool", "monmaptool", "rbd")
TIMEOUT = 60            # any one ceph command
START_TIMEOUT = 90      # the OSD coming up, the mgr becoming active


def unavailable():
    """Why this machine cannot run a private Ceph, or None if it can."""
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:
        return ("Ceph test dependencies missing: " + ", ".join(missing) +
                " (bash share/scripts/deps.sh test installs them)")
    return None


def require(mgr=False):
    why = unavailable() or (None if not mgr or shutil.which("ceph-mgr")
                            else "ceph-mgr is not installed")
    if why:
        import pytest       # only here: the benchmarks use this module too

        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(why, pytrace=False)
        pytest.skip(why)


def _port_free(p):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            return False
    return True


def _pick_port():
    """p and p+1 both free: the mon's msgr2 and msgr1 ports."""
    for _ in range(200):
        p = random.randrange(20000, 29998, 2)
        if _port_free(p) and _port_free(p + 1):
            return p
    raise AssertionError("no free port pair for the Ceph mon")


def _alive(pid):
    """pid runs and is not a zombie (reaping can lag where PID 1 is lazy)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


CONF = """[global]
fsid = {fsid}
mon host = [v2:127.0.0.1:{port},v1:127.0.0.1:{port1}]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
auth allow insecure global id reclaim = false
keyring = {d}/ceph.client.admin.keyring
run dir = {d}/run
pid file = {d}/run/$name.pid
admin socket = {d}/run/$name.asok
log file = {d}/log/$name.log
crash dir = {d}/crash
mon cluster log file = {d}/log/cluster.log
osd pool default size = 1
osd pool default min size = 1
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
{no_mgr}
[mon]
mon data = {d}/$name
keyring = {d}/$name/keyring
ms bind retry count = 1
paxos propose interval = 0.1

[mgr]
mgr data = {d}/$name
keyring = {d}/$name/keyring

[osd]
osd data = {d}/$name
keyring = {d}/$name/keyring
osd objectstore = memstore
osd memory target = 1073741824
osd op num shards = 1
osd op num threads per shard = 2
memstore device bytes = {size}

[client]
log file = {d}/log/client.log
admin socket =
"""


class Ceph:
    """A private cluster, started by the constructor."""

    def __init__(self, mgr=False, size_gb=4, pool="one", pgs=16):
        self.dir = Path(tempfile.mkdtemp(prefix="nbc", dir="/tmp"))
        self.conf = str(self.dir / "ceph.conf")
        self.keyring = str(self.dir / "ceph.client.admin.keyring")
        self.pool = pool
        self.fsid = str(uuid.uuid4())
        self.mgr = mgr
        self._size = size_gb << 30
        self.env = {k: v for k, v in os.environ.items() if k not in ("CEPH_ARGS", "CEPH_CONF")}
        t0 = time.monotonic()
        try:
            for d in ("run", "log", "crash"):
                (self.dir / d).mkdir()
            self._keys()
            self._start_mon()
            self._start_osd()
            if mgr:
                self._start_mgr()
            self._wait(lambda: '"num_up_osds":1,' in
                       self.ceph("osd", "stat", "-f", "json").stdout, "the OSD up")
            self.ceph("osd", "pool", "create", pool, str(pgs), check=True)
            self.ceph("osd", "pool", "application", "enable", pool, "rbd", check=True)
            self.rbd("pool", "init", pool, check=True)
            if mgr:
                self._wait(lambda: json.loads(self.ceph("mgr", "stat", "-f", "json").stdout
                                              or "{}").get("available"), "the mgr active")
        except BaseException:
            logs = self._logs()
            self.stop()
            raise AssertionError(f"the private Ceph did not start:\n{logs}") from None
        self.started_in = time.monotonic() - t0

    # --- commands -----------------------------------------------------------------

    def _run(self, args, check=False, input=None):
        p = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT, env=self.env,
                           input=input)
        if check and p.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({p.returncode}): {p.stderr}")
        return p

    def ceph(self, *args, check=False, input=None):
        return self._run(["ceph", "-c", self.conf, "--connect-timeout", "30", *args],
                         check=check, input=input)

    def rbd(self, *args, check=False):
        return self._run(["rbd", "-c", self.conf, *args], check=check)

    def _tool(self, *args):
        return self._run(list(args), check=True)

    @property
    def mon_host(self):
        """The mon as CEPH_HOST names it (msgr2 port)."""
        return f"127.0.0.1:{self.mon_port}"

    def add_user(self, name, caps=None):
        """client.<name> with caps (default: rbd on the pool, as OpenNebula
        sets up client.libvirt); returns its keyring's path."""
        caps = caps or ["mon", "profile rbd", "osd", f"profile rbd pool={self.pool}",
                        "mgr", f"profile rbd pool={self.pool}"]
        path = str(self.dir / f"ceph.client.{name}.keyring")
        self.ceph("auth", "get-or-create", f"client.{name}", *caps, "-o", path, check=True)
        return path

    def key(self, name="admin"):
        """client.<name>'s key (base64)."""
        return self.ceph("auth", "get-key", f"client.{name}", check=True).stdout.strip()

    # --- start ----------------------------------------------------------------------

    def _keys(self):
        mon = str(self.dir / "mon.keyring")
        self._tool("ceph-authtool", "--create-keyring", mon, "--gen-key", "-n", "mon.",
                   "--cap", "mon", "allow *")
        self._tool("ceph-authtool", "--create-keyring", self.keyring, "--gen-key",
                   "-n", "client.admin", "--cap", "mon", "allow *", "--cap", "osd", "allow *",
                   "--cap", "mgr", "allow *", "--cap", "mds", "allow *")
        self._tool("ceph-authtool", mon, "--import-keyring", self.keyring)

    def _start_mon(self):
        """ceph-mon exits at once if its port is taken (ms bind retry count
        = 1): then another port."""
        for _ in range(5):
            port = _pick_port()
            Path(self.conf).write_text(CONF.format(
                fsid=self.fsid, port=port, port1=port + 1, d=self.dir, size=self._size,
                no_mgr="" if self.mgr else "mon mgr mkfs grace = 315360000\n"))
            shutil.rmtree(self.dir / "mon.a", ignore_errors=True)
            monmap = str(self.dir / "monmap")
            self._tool("monmaptool", "--create", "--fsid", self.fsid, "--addv", "a",
                       f"[v2:127.0.0.1:{port},v1:127.0.0.1:{port + 1}]", monmap)
            self._tool("ceph-mon", "-c", self.conf, "--mkfs", "-i", "a", "--monmap", monmap,
                       "--keyring", str(self.dir / "mon.keyring"))
            if self._run(["ceph-mon", "-c", self.conf, "-i", "a"]).returncode == 0:
                self.mon_port = port
                return
        raise AssertionError("ceph-mon did not start on any of 5 ports")

    def _start_osd(self):
        osd_uuid = str(uuid.uuid4())
        key = self._tool("ceph-authtool", "--gen-print-key").stdout.strip()
        osd_id = self.ceph("osd", "new", osd_uuid, "-i", "-", check=True,
                           input=json.dumps({"cephx_secret": key})).stdout.strip()
        d = self.dir / f"osd.{osd_id}"
        d.mkdir()
        self._tool("ceph-authtool", "--create-keyring", str(d / "keyring"), "-n",
                   f"osd.{osd_id}", "--add-key", key)
        self._tool("ceph-osd", "-c", self.conf, "-i", osd_id, "--mkfs", "--osd-uuid", osd_uuid)
        self._tool("ceph-osd", "-c", self.conf, "-i", osd_id)

    def _start_mgr(self):
        (self.dir / "mgr.x").mkdir()
        self.ceph("auth", "get-or-create", "mgr.x", "mon", "allow profile mgr", "osd", "allow *",
                  "mds", "allow *", "-o", str(self.dir / "mgr.x" / "keyring"), check=True)
        self._tool("ceph-mgr", "-c", self.conf, "-i", "x")

    def _wait(self, fn, what):
        end = time.monotonic() + START_TIMEOUT
        while not fn():
            if time.monotonic() > end:
                raise AssertionError(f"timed out after {START_TIMEOUT} s waiting for {what}")
            time.sleep(0.2)

    def _logs(self):
        out = []
        for f in sorted((self.dir / "log").glob("*.log")) if self.dir else []:
            out.append(f"--- {f.name}\n" + f.read_text(errors="replace")[-1500:])
        return "\n".join(out)

    # --- stop -----------------------------------------------------------------------

    def pids(self):
        """{daemon name: pid} of its daemons still running (pid files)."""
        out = {}
        for f in (self.dir / "run").glob("*.pid") if self.dir else []:
            try:
                pid = int(f.read_text())
            except (OSError, ValueError):
                continue
            if self._ours(pid):
                out[f.stem] = pid
        return out

    def _ours(self, pid):
        """pid is alive and one of this cluster's daemons (a pid may have
        been reused by anything else)."""
        if not _alive(pid):
            return False
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        return self.conf.encode() in cmd

    def _kill(self, pids):
        for pid in pids:
            if self._ours(pid):
                os.kill(pid, 15)
        end = time.monotonic() + 10
        for pid in pids:
            while self._ours(pid) and time.monotonic() < end:
                time.sleep(0.05)
            if self._ours(pid):
                os.kill(pid, 9)

    def stop(self):
        """OSD and mgr first (each would wait for the mon's ack otherwise),
        then the mon; then the directory."""
        if self.dir is None:
            return
        running = self.pids()
        self._kill([p for n, p in running.items() if not n.startswith("mon.")])
        self._kill([p for n, p in running.items() if n.startswith("mon.")])
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None
