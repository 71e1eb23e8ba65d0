"""VM quotas (reference §10.1): limits, usage charged in the same
transaction as the VM change, defaults, groups, chown, and the documents."""

import time

from harness import AUTHORIZATION, xml

PW = "pw"
SMALL = "CPU=0.5\nMEMORY=128"


def vm_quota(a, kind, oid):
    q = xml(a.ok(f"one.{kind}.info", oid)).find("VM_QUOTA/VM")
    return None if q is None else {e.tag: e.text for e in q}


def wait_lcm(a, vm, state, lcm, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = xml(a.ok("one.vm.info", vm))
        if (v.findtext("STATE"), v.findtext("LCM_STATE")) == (state, lcm):
            return
        time.sleep(0.05)
    raise AssertionError(f"VM {vm} never reached {state}/{lcm}")


def world(make_oned):
    d = make_oned(conf={"MONITORING_INTERVAL_HOST": 3600})
    a = d.admin
    g = a.ok("one.group.allocate", "team")
    a.ok("one.acl.addrule", "2%08x" % g, "1400000000", "8")     # @g VM/* CREATE
    u = a.ok("one.user.allocate", "alice", PW, "core", [g])
    h = a.ok("one.host.allocate", "h1", "dummy", "dummy", -1)
    return d, a, g, u, h


def test_usage_follows_the_vm(make_oned):
    d, a, g, u, h = world(make_oned)
    alice = d.proxy("alice", PW)
    vm = alice.ok("one.vm.allocate", SMALL, False)
    q = vm_quota(a, "user", u)
    assert (q["VMS_USED"], q["CPU_USED"], q["MEMORY_USED"]) == ("1", "0.5", "128")
    assert (q["RUNNING_VMS_USED"], q["RUNNING_CPU_USED"], q["RUNNING_MEMORY_USED"]) == \
        ("1", "0.5", "128")                     # PENDING counts as running
    assert vm_quota(a, "group", g)["VMS_USED"] == "1"

    a.ok("one.vm.deploy", vm, h, False, -1, "")
    wait_lcm(a, vm, "3", "3")
    alice.ok("one.vm.action", "poweroff", vm)
    wait_lcm(a, vm, "8", "0")
    q = vm_quota(a, "user", u)
    assert (q["VMS_USED"], q["RUNNING_VMS_USED"], q["RUNNING_MEMORY_USED"]) == ("1", "0", "0")
    alice.ok("one.vm.action", "resume", vm)
    wait_lcm(a, vm, "3", "3")
    assert vm_quota(a, "user", u)["RUNNING_VMS_USED"] == "1"
    alice.ok("one.vm.action", "terminate", vm)
    wait_lcm(a, vm, "6", "0")
    q = vm_quota(a, "user", u)
    assert all(q[k] == "0" for k in q if k.endswith("_USED")), q
    assert all(v == "0" for k, v in vm_quota(a, "group", g).items() if k.endswith("_USED"))


def test_limits_refuse_with_opennebulas_message(make_oned):
    d, a, g, u, h = world(make_oned)
    alice = d.proxy("alice", PW)
    a.ok("one.user.quota", u, "VM=[VMS=1, RUNNING_CPU=-2]")
    vm = alice.ok("one.vm.allocate", SMALL, False)
    code, msg = alice.fail("one.vm.allocate", SMALL, False)
    assert code == AUTHORIZATION
    assert f"User [{u}] : user [{u}] limit of 1 reached for VMS quota in VM." in msg
    # The group's limit counts too; the user's charge is not left behind.
    a.ok("one.user.quota", u, "VM=[VMS=-2]")
    a.ok("one.group.quota", g, "VM=[MEMORY=200]")
    code, msg = alice.fail("one.vm.allocate", SMALL, False)
    assert code == AUTHORIZATION and f"group [{g}] limit of 200 reached for MEMORY" in msg
    assert vm_quota(a, "user", u)["VMS_USED"] == "1"
    # RUNNING_* is checked again when the VM would run again.
    a.ok("one.vm.deploy", vm, h, False, -1, "")
    wait_lcm(a, vm, "3", "3")
    alice.ok("one.vm.action", "poweroff", vm)
    wait_lcm(a, vm, "8", "0")
    a.ok("one.user.quota", u, "VM=[RUNNING_VMS=0]")
    code, msg = alice.fail("one.vm.action", "resume", vm)
    assert code == AUTHORIZATION and "RUNNING_VMS" in msg
    assert xml(a.ok("one.vm.info", vm)).findtext("STATE") == "8"


def test_defaults_apply_where_the_limit_is_minus_one(make_oned):
    d, a, g, u, h = world(make_oned)
    alice = d.proxy("alice", PW)
    doc = xml(a.ok("one.userquota.update", "VM=[VMS=1]"))
    assert doc.tag == "DEFAULT_USER_QUOTAS"
    assert doc.findtext("VM_QUOTA/VM/VMS") == "1"
    assert xml(a.ok("one.userquota.info")).findtext("VM_QUOTA/VM/VMS") == "1"
    assert xml(a.ok("one.user.info", u)).findtext("DEFAULT_USER_QUOTAS/VM_QUOTA/VM/VMS") == "1"
    alice.ok("one.vm.allocate", SMALL, False)
    assert alice.fail("one.vm.allocate", SMALL, False)[0] == AUTHORIZATION
    code, _ = alice.fail("one.userquota.update", "VM=[VMS=100]")
    assert code == AUTHORIZATION
    # oneadmin is never limited.
    a.ok("one.vm.allocate", SMALL, False)
    a.ok("one.vm.allocate", SMALL, False)


def test_chown_moves_usage(make_oned):
    d, a, g, u, h = world(make_oned)
    bob = a.ok("one.user.allocate", "bob", PW, "core", [g])
    vm = d.proxy("alice", PW).ok("one.vm.allocate", SMALL, False)
    a.ok("one.vm.chown", vm, bob, -1)
    assert vm_quota(a, "user", u)["VMS_USED"] == "0"
    assert vm_quota(a, "user", bob)["VMS_USED"] == "1"
    assert vm_quota(a, "group", g)["VMS_USED"] == "1"      # same group: unchanged
    a.ok("one.user.quota", u, "VM=[VMS=0]")
    code, msg = a.fail("one.vm.chown", vm, u, -1)
    assert code == AUTHORIZATION and "limit of 0 reached for VMS" in msg
    assert vm_quota(a, "user", bob)["VMS_USED"] == "1"


def test_quota_documents(make_oned):
    d, a, g, u, h = world(make_oned)
    pool = xml(a.ok("one.userpool.info"))
    kids = [e.tag for e in pool]
    i = kids.index("USER")
    assert kids[i + 1] == "QUOTAS"                          # a sibling per user
    assert kids[-1] == "DEFAULT_USER_QUOTAS"
    a.ok("one.user.quota", u, "VM=[VMS=3]")
    q = vm_quota(a, "user", u)
    for k in ("VMS", "CPU", "MEMORY", "SYSTEM_DISK_SIZE", "RUNNING_VMS", "RUNNING_CPU",
              "RUNNING_MEMORY"):
        assert k in q and k + "_USED" in q, k
    assert q["VMS"] == "3" and q["CPU"] == "-1"
    code, msg = a.fail("one.user.quota", u, "VM=[VMS=-7]")
    assert "VMS" in msg
    # Quotas survive a restart.
    d.restart()
    assert vm_quota(d.admin, "user", u)["VMS"] == "3"


def test_cli_quota_commands(make_oned):
    d, a, g, u, h = world(make_oned)
    rc, out, err = d.cli("oneuser", "quota", "alice", "-", input="VM=[VMS=2, MEMORY=512]\n")
    assert rc == 0, err
    q = vm_quota(a, "user", u)
    assert (q["VMS"], q["MEMORY"]) == ("2", "512")
    rc, out, err = d.cli("onegroup", "quota", "team", "-", input="VM=[CPU=4]\n")
    assert rc == 0, err
    assert vm_quota(a, "group", g)["CPU"] == "4"
    rc, out, err = d.cli("oneuser", "defaultquota", "-", input="VM=[RUNNING_VMS=10]\n")
    assert rc == 0, err
    assert xml(a.ok("one.userquota.info")).findtext("VM_QUOTA/VM/RUNNING_VMS") == "10"
    rc, out, err = d.cli("oneuser", "quota", "alice", "-", input="VM=[VMS=-9]\n")
    assert rc == 255 and "VMS" in err
