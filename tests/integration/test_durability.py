"""State survives crashes; one daemon per state directory; clean shutdown;
first start; the audit trail."""

import http.client
import json
import os
import signal
import socket
import stat
import threading
import time

import pytest

from harness import AUTHENTICATION, ids, xml


def users_by_name(admin):
    root = xml(admin.ok("one.userpool.info"))
    return {u.findtext("NAME"): u for u in root.findall("USER")}


def groups_by_name(admin):
    root = xml(admin.ok("one.grouppool.info"))
    return {g.findtext("NAME"): g for g in root.findall("GROUP")}


def test_kill9_keeps_everything_acknowledged(make_oned):
    d = make_oned()
    a = d.admin
    dev = a.ok("one.group.allocate", "dev")
    ops = a.ok("one.group.allocate", "ops")
    tmp = a.ok("one.group.allocate", "tmp")
    alice = a.ok("one.user.allocate", "alice", "pw-a", "core", [dev])
    bob = a.ok("one.user.allocate", "bob", "pw-b", "core", [dev, ops])
    carol = a.ok("one.user.allocate", "carol", "pw-c", "core", [])
    a.ok("one.user.passwd", alice, "pw-a2")
    a.ok("one.user.update", bob, 'EMAIL="bob@example.com"', 0)
    a.ok("one.user.chgrp", carol, ops)
    a.ok("one.group.addadmin", ops, bob)
    a.ok("one.user.enable", carol, False)
    a.ok("one.user.enable", bob, False)
    token = a.ok("one.user.login", "alice", "", 3600, -1)
    a.ok("one.group.delete", tmp)
    a.ok("one.user.delete", carol)          # the newest user
    last = a.ok("one.user.allocate", "dave", "pw-d", "core", [])
    d.kill9()                               # right after the last reply

    d.start()
    a = d.admin
    users = users_by_name(a)
    assert set(users) == {"oneadmin", "serveradmin", "alice", "bob", "dave"}
    assert int(users["alice"].findtext("ID")) == alice
    assert int(users["bob"].findtext("ID")) == bob
    assert int(users["dave"].findtext("ID")) == last
    assert users["alice"].findtext("GID") == str(dev)
    assert users["bob"].findtext("GID") == str(dev)
    assert sorted(ids(users["bob"], "GROUPS")) == sorted([dev, ops])
    assert users["bob"].findtext("TEMPLATE/EMAIL") == "bob@example.com"
    assert users["bob"].findtext("ENABLED") == "0"
    assert users["alice"].findtext("LOGIN_TOKEN/TOKEN") == token

    groups = groups_by_name(a)
    assert "tmp" not in groups
    assert int(groups["dev"].findtext("ID")) == dev
    assert sorted(ids(groups["dev"], "USERS")) == sorted([alice, bob])
    assert ids(groups["ops"], "USERS") == [bob]
    assert ids(groups["ops"], "ADMINS") == [bob]
    assert last in ids(groups["users"], "USERS")

    # Passwords: the changed one and the untouched ones.
    assert d.call("one.user.info", -1, auth="alice:pw-a2")[0] is True
    assert d.call("one.user.info", -1, auth="alice:pw-a")[2] == AUTHENTICATION
    assert d.call("one.user.info", -1, auth=f"alice:{token}")[0] is True
    assert d.call("one.user.info", -1, auth="bob:pw-b")[2] == AUTHENTICATION   # disabled
    a.ok("one.user.enable", bob, True)
    assert d.call("one.user.info", -1, auth="bob:pw-b")[0] is True
    assert d.call("one.user.info", -1, auth="dave:pw-d")[0] is True

    # Ids go on from where they were, even past deleted ones.
    assert a.ok("one.user.allocate", "erin", "pw", "core", []) == last + 1
    assert a.ok("one.group.allocate", "next") == tmp + 1


def test_kill9_under_write_load_loses_nothing_acknowledged(make_oned):
    """Writes acknowledged one after the other up to the kill are all there."""
    d = make_oned()
    acked = []
    for i in range(40):
        acked.append((d.admin.ok("one.user.allocate", f"u{i}", f"p{i}", "core", []), f"u{i}"))
    d.admin.ok("one.user.passwd", acked[-1][0], "final")
    d.kill9()
    d.start()
    users = users_by_name(d.admin)
    for uid, name in acked:
        assert int(users[name].findtext("ID")) == uid
    assert d.call("one.user.info", -1, auth=f"{acked[-1][1]}:final")[0] is True
    assert d.call("one.user.info", -1, auth="u0:p0")[0] is True


def test_sigterm_under_load(make_oned):
    """SIGTERM while clients write: every call is either answered (and then
    persisted) or refused; none is applied without an answer."""
    d = make_oned()
    acked, envelopes_failed, unexpected, stop = [], [], [], threading.Event()

    def writer(t):
        for i in range(100000):
            if stop.is_set():
                return
            name = f"w{t}-{i}"
            try:
                r = d.call("one.user.allocate", name, "pw", "core", [])
            except (OSError, http.client.HTTPException):   # refused once oned stops
                return
            except Exception as e:
                unexpected.append(repr(e))
                return
            if r[0] is True:
                acked.append((r[1], name))
            else:
                envelopes_failed.append(r)

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    deadline = time.monotonic() + 30
    while len(acked) < 200 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(d.pid, signal.SIGTERM)
    d.proc.wait(30)
    rc, d.proc = d.proc.returncode, None
    stop.set()
    for th in threads:
        th.join(30)
    assert not any(th.is_alive() for th in threads)
    assert rc == 0, d.log()
    assert not envelopes_failed, envelopes_failed[:3]
    assert not unexpected, unexpected[:3]
    assert len(acked) >= 200

    d.start()
    stored = {u.findtext("NAME"): int(u.findtext("ID"))
              for u in xml(d.admin.ok("one.userpool.info")).findall("USER")
              if u.findtext("NAME").startswith("w")}
    assert stored == dict((name, uid) for uid, name in acked)
    audited = [r for r in d.audit() if r["method"] == "one.user.allocate" and r["result"] == 0]
    assert sorted(r["oid"] for r in audited) == sorted(uid for uid, _ in acked)


def test_restart_after_clean_stop(make_oned):
    d = make_oned()
    uid = d.admin.ok("one.user.allocate", "alice", "pw", "core", [])
    d.restart()
    assert xml(d.admin.ok("one.user.info", uid)).findtext("NAME") == "alice"
    assert d.call("one.user.info", -1, auth="alice:pw")[0] is True


def test_second_daemon_on_same_state_is_refused(make_oned):
    d = make_oned()
    pid_before = d.pid_file.read_text().strip()
    rc, out, err = d.run_oned("-f")
    assert rc != 0
    assert "already running" in err
    assert pid_before in err                    # names the running one
    # The first one is untouched and keeps serving.
    assert d.running()
    assert d.admin.call("one.system.version") == [True, "7.0.0", 0]
    assert d.pid_file.read_text().strip() == pid_before == str(d.pid)
    # Daemon mode refuses too, with the reason.
    rc, out, err = d.run_oned()
    assert rc != 0 and "already running" in err
    assert d.admin.call("one.system.version") == [True, "7.0.0", 0]


def test_sigterm_stops_cleanly(make_oned):
    d = make_oned()
    assert d.pid_file.read_text().strip() == str(d.pid)
    d.admin.ok("one.user.allocate", "alice", "pw", "core", [])
    rc = d.stop()                       # SIGTERM by pid, asserts exit status 0
    assert rc == 0
    assert not d.pid_file.exists()
    assert "oned stopped" in d.log()
    # And it can start again on the same state.
    d.start()
    assert "alice" in users_by_name(d.admin)


def test_stale_pid_file_after_kill9_does_not_block(make_oned):
    d = make_oned()
    d.kill9()
    assert d.pid_file.exists()
    d.start()
    assert d.pid_file.read_text().strip() == str(d.pid)


def test_first_start_generates_oneadmin_password(make_oned):
    d = make_oned(one_auth=False, fast=False)      # default hashing cost
    assert d.auth_file.exists()
    mode = stat.S_IMODE(d.auth_file.stat().st_mode)
    assert mode == 0o600, oct(mode)
    line = d.auth_file.read_text().splitlines()[0]
    user, password = line.split(":", 1)
    assert user == "oneadmin"
    assert len(password) >= 16 and " " not in password
    assert d.call("one.user.info", -1, auth=line)[0] is True
    assert xml(d.admin.ok("one.user.info", -1)).findtext("NAME") == "oneadmin"
    assert password not in d.log()
    # serveradmin's credentials are private too.
    server = d.var / ".one" / "sunstone_auth"
    assert stat.S_IMODE(server.stat().st_mode) == 0o600
    assert server.read_text().startswith("serveradmin:")
    assert stat.S_IMODE(d.var.stat().st_mode) & 0o007 == 0
    # The password is not regenerated on the next start.
    d.restart()
    assert d.auth_file.read_text().splitlines()[0] == line
    assert d.call("one.user.info", -1, auth=line)[0] is True


@pytest.mark.parametrize("content", ["garbage\n", "oneadmin:\n", "oneadmin:with space\n",
                                     "bad name:pw\n"])
def test_invalid_one_auth_is_refused(make_oned, content):
    d = make_oned(one_auth=False, start=False)
    d.auth_file.write_text(content)
    d.write_conf()
    rc, out, err = d.run_oned("-f")
    assert rc != 0
    assert str(d.auth_file) in err and "USER:PASSWORD" in err
    assert d.auth_file.read_text() == content
    # Fixed, it starts (and bootstraps) normally.
    d.auth_file.write_text("admin2:pw\n")
    d.start()
    assert xml(d.admin.ok("one.user.info", 0)).findtext("NAME") == "admin2"


def test_existing_one_auth_is_used_and_kept(make_oned):
    d = make_oned()
    before = d.auth_file.read_text()
    assert d.call("one.user.info", -1, auth=before.strip())[0] is True
    assert d.auth_file.read_text() == before


def test_audit_log(make_oned):
    d = make_oned()
    a = d.admin
    secrets_used = ["Alloc-Secret-1", "Passwd-Secret-2", "Chauth-Secret-3", "Own-Secret-4"]
    gid = a.ok("one.group.allocate", "audited")
    uid = a.ok("one.user.allocate", "alice", secrets_used[0], "core", [gid])
    a.ok("one.user.passwd", uid, secrets_used[1])
    a.ok("one.user.chauth", uid, "core", secrets_used[2])
    alice = d.proxy("alice", secrets_used[2])
    alice.ok("one.user.passwd", uid, secrets_used[3])
    a.ok("one.user.info", uid)                         # reads are not audited
    a.ok("one.userpool.info")
    a.fail("one.user.allocate", "alice", "Dup-Secret-5", "core", [])  # failure
    d.proxy("alice", secrets_used[3]).fail("one.group.delete", gid)   # not authorized
    a.fail("one.user.delete", 999)                                     # missing
    server = (d.var / ".one" / "sunstone_auth").read_text().strip().split(":", 1)[1]
    d.session(f"serveradmin:alice:{server}").ok("one.user.update", uid, 'A="1"', 1)
    token = a.ok("one.user.login", "alice", "", 600, -1)

    records = d.audit()
    calls = [(r["method"], r["user"], r["oid"], r["result"]) for r in records]
    assert calls == [
        ("one.group.allocate", "oneadmin", gid, 0),
        ("one.user.allocate", "oneadmin", uid, 0),
        ("one.user.passwd", "oneadmin", uid, 0),
        ("one.user.chauth", "oneadmin", uid, 0),
        ("one.user.passwd", "alice", uid, 0),
        ("one.user.allocate", "oneadmin", -1, 0x2000),
        ("one.group.delete", "alice", gid, 0x200),
        ("one.user.delete", "oneadmin", 999, 0x400),
        ("one.user.update", "alice", uid, 0),
        ("one.user.login", "oneadmin", uid, 0),
    ]
    for r in records:
        assert {"time", "uid", "user", "method", "oid", "result"} <= set(r)
    assert [r["uid"] for r in records] == [0, 0, 0, 0, uid, 0, uid, 0, uid, 0]
    assert [r.get("via_uid") for r in records] == [None] * 8 + [1, None]   # 1: delegated
    for r in records:
        assert ("message" in r) == (r["result"] != 0)
    assert "NAME is already taken" in records[5]["message"]

    raw = d.audit_file.read_text()
    for s in secrets_used + ["Dup-Secret-5", token]:
        assert s not in raw
    assert all(json.loads(line) for line in raw.splitlines())
    mode = stat.S_IMODE(d.audit_file.stat().st_mode)
    assert mode & 0o077 == 0, oct(mode)
    # Nor in the log.
    for s in secrets_used + [server, token]:
        assert s not in d.log()
    assert server not in raw


@pytest.mark.parametrize("conf,message", [
    ({"PORT": "abc"}, 'PORT must be an integer in [0, 65535], not "abc"'),
    ({"API_LIST_ORDER": "UP"}, 'API_LIST_ORDER must be ASC or DESC, not "UP"'),
    ({"DB": {"BACKEND": "mysql"}}, 'DB/BACKEND "mysql" is not supported'),
    ({"ENABLE_OTHER_PERMISSIONS": "maybe"}, "ENABLE_OTHER_PERMISSIONS must be YES or NO"),
    ({"MESSAGE_SIZE": 10}, "MESSAGE_SIZE must be an integer"),
    ({"LISTEN_ADDRESS": "not-an-ip"}, 'LISTEN_ADDRESS "not-an-ip" is not an IPv4 address'),
], ids=["port", "order", "backend", "bool", "range", "address"])
def test_invalid_configuration_is_refused(make_oned, conf, message):
    d = make_oned(conf=conf, start=False)
    d.write_conf()
    rc, out, err = d.run_oned("-f")
    assert rc != 0
    assert message in err
    assert not d.pid_file.exists()


def test_unparsable_configuration_is_refused(make_oned):
    d = make_oned(start=False)
    (d.root / "etc" / "oned.conf").write_text('PORT = 1\nLOG = [ SYSTEM = "file"\n')
    rc, out, err = d.run_oned("-f")
    assert rc != 0
    assert "oned.conf" in err


def test_port_in_use_is_reported(make_oned):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        d = make_oned(conf={"PORT": port}, start=False)
        d.write_conf()
        rc, out, err = d.run_oned("-f")
    assert rc != 0
    assert f"127.0.0.1:{port}" in err
    assert not d.pid_file.exists()
