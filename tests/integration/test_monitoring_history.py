"""Monitoring history: the samples every host report leaves, their
retention, and one.host/hostpool/vm/vmpool.monitoring (reference §2.7,
§2.10, §3.6, §3.10), with the dummy drivers and a 1-second interval."""

import sqlite3
import time
import xmlrpc.client

import pytest

from harness import AUTHORIZATION, NO_EXISTS, RPC_API, xml

PW = "pw"
FAST = {"MONITORING_INTERVAL_HOST": 1}


def wait_until(fn, timeout=15.0):
    end = time.monotonic() + timeout
    while not fn():
        assert time.monotonic() < end, "condition not reached in time"
        time.sleep(0.1)


def samples(text):
    root = xml(text)
    assert root.tag == "MONITORING_DATA"
    assert all(m.tag == "MONITORING" for m in root)
    return list(root)


def stamps(ms):
    return [int(m.findtext("TIMESTAMP")) for m in ms]


def running_vm(a, hid, text="CPU=1\nMEMORY=256"):
    vm = a.ok("one.vm.allocate", text, False)
    wait_until(lambda: xml(a.ok("one.host.info", hid)).findtext("STATE") == "2")
    a.ok("one.vm.deploy", vm, hid, True, -1, "")
    wait_until(lambda: xml(a.ok("one.vm.info", vm)).findtext("LCM_STATE") == "3")
    return vm


def world(d):
    """Two monitored dummy hosts, one running VM on each."""
    a = d.admin
    h1 = a.ok("one.host.allocate", "h1", "dummy", "dummy", -1)
    h2 = a.ok("one.host.allocate", "h2", "dummy", "dummy", -1)
    return a, (h1, h2), (running_vm(a, h1), running_vm(a, h2, "CPU=0.5\nMEMORY=128"))


def test_samples_accumulate_in_opennebulas_shape(make_oned):
    d = make_oned(conf=FAST)
    a, (h1, _), (vm, _) = world(d)
    wait_until(lambda: len(samples(a.ok("one.vm.monitoring", vm))) >= 3)

    hs = samples(a.ok("one.host.monitoring", h1))
    assert len(hs) >= 3
    assert stamps(hs) == sorted(set(stamps(hs)))          # one per report, oldest first
    last = hs[-1]
    assert [c.tag for c in last] == ["TIMESTAMP", "ID", "CAPACITY"]
    assert last.findtext("ID") == str(h1)
    cap = {c.tag: int(c.text) for c in last.find("CAPACITY")}
    assert cap["USED_CPU"] == 100 and cap["USED_MEMORY"] == 262144
    assert cap["FREE_CPU"] + cap["USED_CPU"] == 800      # the dummy host's 8 cores
    # The newest sample is the host's MONITORING as one.host.info shows it
    # (read twice between two reports: retried until both calls fall in one).
    def same_as_info():
        info = xml(a.ok("one.host.info", h1)).find("MONITORING")
        newest = samples(a.ok("one.host.monitoring", h1))[-1]
        return [(c.tag, c.text) for c in newest.iter()] == [(c.tag, c.text) for c in info.iter()]
    wait_until(same_as_info)

    vs = samples(a.ok("one.vm.monitoring", vm))
    assert stamps(vs) == sorted(set(stamps(vs)))
    v = vs[-1]
    assert [c.tag for c in v] == ["CPU", "DISKRDBYTES", "DISKWRBYTES", "ID", "MEMORY",
                                  "NETRX", "NETTX", "TIMESTAMP"]
    assert v.findtext("ID") == str(vm)
    assert v.findtext("CPU") == "100.0" and v.findtext("MEMORY") == "262144"
    assert int(v.findtext("TIMESTAMP")) <= int(xml(a.ok("one.vm.info", vm)).findtext("LAST_POLL"))


def test_seconds_pick_newest_window_or_all(make_oned):
    d = make_oned(conf=FAST)
    a, hosts, vms = world(d)
    wait_until(lambda: all(len(samples(a.ok("one.vm.monitoring", v))) >= 4 for v in vms))

    newest = samples(a.ok("one.hostpool.monitoring", 0))
    assert sorted(int(m.findtext("ID")) for m in newest) == sorted(hosts)
    for m in newest:
        hid = int(m.findtext("ID"))
        own = samples(a.ok("one.host.monitoring", hid))
        assert int(m.findtext("TIMESTAMP")) >= max(stamps(own))

    every = samples(a.ok("one.hostpool.monitoring", -1))
    assert len(every) >= 2 * 4
    assert len(samples(a.ok("one.hostpool.monitoring"))) >= len(every)   # -1 is the default

    now = int(time.time())
    recent = samples(a.ok("one.vmpool.monitoring", -2, 2))
    assert recent and all(t >= now - 3 for t in stamps(recent))
    assert len(recent) < len(samples(a.ok("one.vmpool.monitoring", -2, -1)))
    last = samples(a.ok("one.vmpool.monitoring", -2, 0))
    assert sorted(int(m.findtext("ID")) for m in last) == sorted(vms)


def test_retention_expires_old_samples(make_oned):
    d = make_oned(conf=dict(FAST, VM_MONITORING_EXPIRATION_TIME=2,
                            HOST_MONITORING_EXPIRATION_TIME=3))
    a, (h1, _), (vm, _) = world(d)
    time.sleep(6)
    now = int(time.time())
    vs = samples(a.ok("one.vm.monitoring", vm))
    hs = samples(a.ok("one.host.monitoring", h1))
    # Expiry runs once per tick, after the reports: a sample may outlive
    # its retention by about one interval.
    assert vs and min(stamps(vs)) >= now - 2 - 2
    assert hs and min(stamps(hs)) >= now - 3 - 2
    assert len(vs) <= 5 and len(hs) <= 6


def test_expiration_zero_records_nothing(make_oned):
    d = make_oned(conf=dict(FAST, VM_MONITORING_EXPIRATION_TIME=0))
    a, (h1, _), (vm, _) = world(d)
    wait_until(lambda: len(samples(a.ok("one.host.monitoring", h1))) >= 2)
    assert int(xml(a.ok("one.vm.info", vm)).findtext("LAST_POLL")) > 0   # still monitored
    assert samples(a.ok("one.vm.monitoring", vm)) == []
    assert samples(a.ok("one.vmpool.monitoring", -2, -1)) == []
    cfg = xml(a.ok("one.system.config"))
    assert cfg.findtext("VM_MONITORING_EXPIRATION_TIME") == "0"
    assert cfg.findtext("HOST_MONITORING_EXPIRATION_TIME") == "43200"


def test_samples_survive_a_restart_and_go_with_their_host(make_oned):
    d = make_oned(conf=FAST)
    a, (h1, h2), (vm, vm2) = world(d)
    wait_until(lambda: len(samples(a.ok("one.vm.monitoring", vm))) >= 2)
    d.stop()
    db = sqlite3.connect(d.var / "one.db")
    kept = db.execute("SELECT COUNT(*) FROM vm_monitoring WHERE vmid = ?", (vm,)).fetchone()[0]
    db.close()
    d.start()
    a = d.admin
    assert len(samples(a.ok("one.vm.monitoring", vm))) >= kept >= 2

    # A host without VMs can go; its samples go with it, in the same commit.
    a.ok("one.vm.recover", vm2, 5)                    # delete-db: h2 is empty now
    assert samples(a.ok("one.host.monitoring", h2))
    a.ok("one.host.delete", h2)
    a.fail("one.host.monitoring", h2, code=NO_EXISTS)
    db = sqlite3.connect(d.var / "one.db")
    assert db.execute("SELECT COUNT(*) FROM host_monitoring WHERE hid = ?",
                      (h2,)).fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM host_monitoring WHERE hid = ?",
                      (h1,)).fetchone()[0] > 0
    # The VM's samples age out rather than go with it.
    assert db.execute("SELECT COUNT(*) FROM vm_monitoring WHERE vmid = ?",
                      (vm2,)).fetchone()[0] > 0
    db.close()


def test_users_see_only_what_they_may_use(make_oned):
    d = make_oned(conf=FAST)
    a, (h1, _), (mine, theirs) = world(d)
    uid = a.ok("one.user.allocate", "alice", PW, "core", [])
    a.ok("one.vm.chown", mine, uid, 1)
    alice = d.proxy("alice", PW)
    wait_until(lambda: len(samples(a.ok("one.vm.monitoring", mine))) >= 2)

    assert samples(alice.ok("one.vm.monitoring", mine))
    for flt in (-2, -3, -1):
        got = samples(alice.ok("one.vmpool.monitoring", flt, -1))
        assert got and {m.findtext("ID") for m in got} == {str(mine)}
    code, msg = alice.fail("one.vm.monitoring", theirs, code=AUTHORIZATION)
    assert msg.startswith("[one.vm.monitoring] User [%d] : Not authorized to perform USE VM"
                          % uid)
    # No HOST:USE: no host samples at all.
    assert samples(alice.ok("one.hostpool.monitoring", -1)) == []
    alice.fail("one.host.monitoring", h1, code=AUTHORIZATION)
    # oneadmin sees both VMs, and filter uid picks one owner's.
    assert {m.findtext("ID") for m in samples(a.ok("one.vmpool.monitoring", -2, 0))} == \
           {str(mine), str(theirs)}
    assert {m.findtext("ID") for m in samples(a.ok("one.vmpool.monitoring", uid, 0))} == \
           {str(mine)}


def test_bad_arguments(make_oned):
    d = make_oned(conf=FAST)
    a = d.admin
    code, msg = a.fail("one.vmpool.monitoring", -5, 0, code=RPC_API)
    assert "Incorrect filter_flag" in msg
    a.fail("one.host.monitoring", 42, code=NO_EXISTS)
    code, msg = a.fail("one.vm.monitoring", 42, code=NO_EXISTS)
    assert msg == "[one.vm.monitoring] Error getting virtual machine [42]."
    with pytest.raises(xmlrpc.client.Fault) as e:
        d.call("one.vmpool.monitoring", "x")
    assert e.value.faultCode == -501
