"""Integration-test harness: run a real oned in a throw-away directory and talk to it.

Reused by every integration test (and by later tiers: hosts, VMs, ...), so it
stays small and depends on the standard library only.

    d = Oned(root, conf={"PASSWORD_HASH_ITERATIONS": 1000})   # started
    admin = d.proxy("oneadmin", d.admin_password)
    uid = admin.ok("one.user.allocate", "alice", "pw", "core", [])
    admin.one.user.info(uid)            # -> [True, "<USER>...", 0]  (raw list)
    d.call("one.user.info", -1, auth="alice:pw")
    d.cli("oneuser", "list")            # -> (rc, stdout, stderr)
    d.stop()                            # SIGTERM, asserts exit status 0

Everything lives under the directory `root` (ONE_LOCATION): etc/oned.conf,
var/ (database, pid file, oned.log, audit.log), the one_auth files and oned's
stderr.  The daemon listens on 127.0.0.1 only, on a free port.

Environment:
    NUBES_BUILD     build directory (default: build/, relative to the repository)
    NUBES_VALGRIND  1: run oned under valgrind; leaks/errors make stop() fail
"""

import atexit
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import tempfile
import time
import xmlrpc.client
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("NUBES_BUILD") or "build")
if not BUILD.is_absolute():
    BUILD = (REPO / BUILD).resolve()
ONED_BIN = BUILD / "oned" / "oned"
CLI_BIN = BUILD / "cli" / "one"

VALGRIND = os.environ.get("NUBES_VALGRIND") == "1"
VALGRIND_CMD = ["valgrind", "--error-exitcode=99", "--leak-check=full",
                "--errors-for-leak-kinds=definite", "--quiet"]

START_TIMEOUT = 60.0 if VALGRIND else 10.0
STOP_TIMEOUT = 60.0 if VALGRIND else 15.0
CALL_TIMEOUT = 120.0 if VALGRIND else 30.0

# OpenNebula error codes (reference §1.5).
AUTHENTICATION = 0x100
AUTHORIZATION = 0x200
NO_EXISTS = 0x400
ACTION = 0x800
RPC_API = 0x1000
INTERNAL = 0x2000
ALLOCATE = 0x4000


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def conf_value(v):
    """A Python value as oned.conf (OpenNebula template) syntax."""
    if isinstance(v, bool):
        return '"YES"' if v else '"NO"'
    if isinstance(v, int):
        return str(v)
    if isinstance(v, dict):     # a vector attribute: DB = [ SYNC = "NORMAL" ]
        return "[ " + ", ".join(f"{k} = {conf_value(x)}" for k, x in v.items()) + " ]"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def xml(text):
    """An object/pool document (the string an info call returns) as an Element."""
    return ET.fromstring(text)


def ids(elem, path):
    """The integers of an ID collection, e.g. ids(user, "GROUPS") -> [1, 100]."""
    node = elem.find(path)
    assert node is not None, f"no <{path}> in <{elem.tag}>"
    return [int(i.text) for i in node.findall("ID")]


# ---- XML-RPC clients ---------------------------------------------------------

class _Transport(xmlrpc.client.Transport):
    """The standard transport with a timeout, so no test can hang on a call."""

    def __init__(self, timeout):
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host):
        conn = super().make_connection(host)
        conn.timeout = self._timeout
        return conn


def rpc(url, method, *params, timeout=CALL_TIMEOUT):
    """One XML-RPC call on a fresh connection; returns the raw result (the
    OpenNebula envelope list); a <fault> raises xmlrpc.client.Fault."""
    proxy = xmlrpc.client.ServerProxy(url, transport=_Transport(timeout), allow_none=False)
    try:
        return getattr(proxy, method)(*params)
    finally:
        proxy("close")()


class Session:
    """Calls made with one session string ("user:secret"), ServerProxy style:

        s.one.user.info(-1)          raw envelope list
        s.call("one.user.info", -1)  the same
        s.ok("one.user.info", -1)    asserts success, returns the value
        s.fail("one.user.info", 99)  asserts failure, returns (code, message)
    """

    def __init__(self, url, session):
        self.url = url
        self.session = session

    def call(self, method, *args):
        return rpc(self.url, method, self.session, *args)

    def ok(self, method, *args):
        r = self.call(method, *args)
        assert isinstance(r, list) and len(r) == 3 and r[0] is True and r[2] == 0, \
            f"{method}{args} failed: {r!r}"
        return r[1]

    def fail(self, method, *args, code=None):
        r = self.call(method, *args)
        assert isinstance(r, list) and len(r) == 5 and r[0] is False, \
            f"{method}{args} should have failed: {r!r}"
        if code is not None:
            assert r[2] == code, f"{method}{args}: code {r[2]:#x}, expected {code:#x}: {r!r}"
        return r[2], r[1]

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return _Method(self, name)


class _Method:
    def __init__(self, session, name):
        self._session = session
        self._name = name

    def __getattr__(self, name):
        return _Method(self._session, f"{self._name}.{name}")

    def __call__(self, *args):
        return self._session.call(self._name, *args)


class RawHTTP:
    """A single keep-alive HTTP connection for transport-level tests."""

    def __init__(self, port, timeout=CALL_TIMEOUT):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def request(self, method="POST", path="/RPC2", body=b"", headers=None):
        """Returns (status, headers dict with lower-case names, body bytes)."""
        if isinstance(body, str):
            body = body.encode()
        hdrs = {"Content-Type": "text/xml"}
        hdrs.update(headers or {})
        self.conn.request(method, path, body=body if method != "GET" else None, headers=hdrs)
        r = self.conn.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data

    def call(self, method, *params):
        """An XML-RPC call on this connection; returns the decoded result or
        raises xmlrpc.client.Fault."""
        status, _, data = self.request(body=xmlrpc.client.dumps(params, method))
        assert status == 200, (status, data[:500])
        return xmlrpc.client.loads(data)[0][0]

    def close(self):
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---- the daemon ---------------------------------------------------------------

class OnedError(AssertionError):
    pass


_running = set()     # every oned process started and not yet reaped


@atexit.register
def _kill_leftovers():
    """Last resort (the fixtures stop their daemons): no oned outlives the run."""
    for proc in list(_running):
        if proc.poll() is None:
            proc.kill()
            proc.wait()


class Oned:
    """A real oned with ONE_LOCATION=root.  Started by the constructor unless
    start=False.

    conf:      extra oned.conf options, e.g. {"PASSWORD_HASH_ITERATIONS": 1000};
               a dict value is a vector attribute: {"DB": {"SYNC": "NORMAL"}}.
               The scheduler is off (SCHED = [ ENABLED = "NO" ]: tests deploy
               by hand) unless conf has a SCHED of its own.
    one_auth:  True writes root/one_auth = "oneadmin:<random>" first; False
               leaves it absent (oned then generates the password and writes it)
    env:       extra environment for oned (e.g. PATH to fake drivers)
    """

    def __init__(self, root=None, conf=None, one_auth=True, start=True, env=None):
        self.root = Path(root or tempfile.mkdtemp(prefix="nubes-it-")).resolve()
        self.conf = dict(conf or {})
        self.extra_env = dict(env or {})
        self.proc = None
        self.port = None
        self.auth_file = self.root / "one_auth"
        self.var = self.root / "var"
        self.pid_file = self.var / "oned.pid"
        self.log_file = self.var / "oned.log"
        self.audit_file = self.var / "audit.log"
        self.stderr_file = self.root / "oned.stderr"
        (self.root / "etc").mkdir(parents=True, exist_ok=True)
        (self.root / "home").mkdir(exist_ok=True)
        if one_auth:
            self.auth_file.write_text(f"oneadmin:{secrets.token_hex(12)}\n")
            self.auth_file.chmod(0o600)
        if start:
            self.start()

    # -- configuration and environment

    def write_conf(self):
        """Write etc/oned.conf: PORT (a free one unless conf sets it),
        LISTEN_ADDRESS 127.0.0.1, then the conf options."""
        if self.port is None:
            self.port = self.conf.get("PORT") or free_port()
        opts = {"PORT": self.port, "LISTEN_ADDRESS": "127.0.0.1", "SCHED": {"ENABLED": False}}
        opts.update(self.conf)
        text = "".join(f"{k} = {conf_value(v)}\n" for k, v in opts.items())
        (self.root / "etc" / "oned.conf").write_text(text)

    def env(self):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("ONE_") and k not in ("HOME",)}
        env.update(ONE_LOCATION=str(self.root), ONE_AUTH=str(self.auth_file),
                   HOME=str(self.root / "home"))
        env.update(self.extra_env)
        return env

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/RPC2"

    @property
    def admin_session(self):
        return self.auth_file.read_text().splitlines()[0].strip()

    @property
    def admin_password(self):
        return self.admin_session.split(":", 1)[1]

    # -- life cycle

    def command(self):
        cmd = [str(ONED_BIN), "-f"]
        return VALGRIND_CMD + cmd if VALGRIND else cmd

    def start(self):
        """Start oned and wait until one.system.version answers."""
        assert self.proc is None, "already started"
        if not ONED_BIN.exists():
            raise OnedError(f"{ONED_BIN} is missing: build it first (make oned/oned)")
        for attempt in range(3):
            self.write_conf()
            seen = len(self.stderr())
            with open(self.stderr_file, "ab") as err:
                self.proc = subprocess.Popen(self.command(), env=self.env(), cwd=self.root,
                                             stdin=subprocess.DEVNULL,
                                             stdout=err, stderr=err)
            _running.add(self.proc)
            try:
                self._wait_ready()
                return self
            except OnedError:
                # Someone took the port between free_port() and oned's bind:
                # try another one (only when the test did not choose it).
                if (self.proc.poll() is not None and "PORT" not in self.conf
                        and attempt < 2 and "port in use" in self.stderr()[seen:]):
                    self.proc = None
                    self.port = None
                    continue
                self._reap()
                raise

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise OnedError(f"oned exited with status {self.proc.returncode} during "
                                f"start-up{self._diagnostics()}")
            if self.auth_file.exists():
                try:
                    r = rpc(self.url, "one.system.version", self.admin_session, timeout=2)
                    if r and r[0] is True:
                        return
                    last = r
                except (OSError, http.client.HTTPException, xmlrpc.client.Error) as e:
                    last = e
            time.sleep(0.02)
        raise OnedError(f"oned did not answer one.system.version within {START_TIMEOUT} s "
                        f"(last: {last!r}){self._diagnostics()}")

    def _diagnostics(self):
        return f"\n--- stderr:\n{self.stderr()}\n--- oned.log:\n{self.log()}"

    def _reap(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(STOP_TIMEOUT)
        self.proc = None

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, check=True):
        """SIGTERM by PID, wait, and (check) assert a clean exit status 0
        (under valgrind: no memory errors nor definite leaks).  Returns it."""
        if self.proc is None:
            return None
        proc = self.proc
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(STOP_TIMEOUT)
                self.proc = None
                raise OnedError(f"oned ignored SIGTERM for {STOP_TIMEOUT} s{self._diagnostics()}")
        self.proc = None
        rc = proc.returncode
        if check and rc != 0:
            raise OnedError(f"oned exited with status {rc}{self._diagnostics()}")
        return rc

    def kill9(self):
        """SIGKILL by PID (a crash); returns once the process is gone."""
        if self.proc is None:
            return
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(STOP_TIMEOUT)
        self.proc = None

    def restart(self):
        """Stop (cleanly, if it is running) and start again on the same state."""
        self.stop()
        return self.start()

    def close(self):
        """Finalizer: stop whatever still runs, asserting a clean exit (this is
        where a valgrind run reports leaks), and never leave a process behind."""
        try:
            self.stop()
        finally:
            self._reap()

    def run_oned(self, *args, timeout=START_TIMEOUT):
        """Run another oned process on this ONE_LOCATION synchronously (it is
        expected to exit by itself); returns (rc, stdout, stderr)."""
        try:
            p = subprocess.run([str(ONED_BIN), *args], env=self.env(), cwd=self.root,
                               stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise OnedError(f"second oned did not exit within {timeout} s: {e}") from None
        return p.returncode, p.stdout, p.stderr

    # -- clients

    def proxy(self, user, password):
        return Session(self.url, f"{user}:{password}")

    def session(self, session):
        return Session(self.url, session)

    @property
    def admin(self):
        return Session(self.url, self.admin_session)

    def call(self, method, *args, auth=None):
        """Raw envelope list of method(session, *args); auth defaults to oneadmin."""
        return rpc(self.url, method, auth if auth is not None else self.admin_session, *args)

    def raw(self):
        return RawHTTP(self.port)

    def cli(self, *argv, auth=None, env=None, endpoint=None, timeout=CALL_TIMEOUT, input=None):
        """Run the CLI: cli("oneuser", "list").  auth: "user:password" (default
        oneadmin's).  Returns (rc, stdout, stderr)."""
        tool, args = argv[0], list(argv[1:])
        link = CLI_BIN.parent / tool
        if link.exists():
            cmd = [str(link)] + args
        else:
            assert tool.startswith("one") and len(tool) > 3, tool
            cmd = [str(CLI_BIN), tool[3:]] + args
        e = self.env()
        e["ONE_XMLRPC"] = endpoint or self.url
        if auth is not None:
            f = self.root / f"auth-{secrets.token_hex(4)}"
            f.write_text(auth + "\n")
            e["ONE_AUTH"] = str(f)
        e.update(env or {})
        p = subprocess.run(cmd, env=e, cwd=self.root, capture_output=True, text=True,
                           timeout=timeout, input=input)
        return p.returncode, p.stdout, p.stderr

    # -- what it leaves behind

    def stderr(self):
        return self.stderr_file.read_text(errors="replace") if self.stderr_file.exists() else ""

    def log(self):
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def audit(self):
        """audit.log as a list of dicts (one JSON object per line)."""
        if not self.audit_file.exists():
            return []
        return [json.loads(line) for line in self.audit_file.read_text().splitlines() if line]
