"""The scheduler inside oned (reference §9, docs/scheduler.md) with the dummy
drivers: VMs that become PENDING are placed and run without one.vm.deploy,
on the host the policy picks, within capacity and the tenancy rules; a VM
that cannot be placed says why in USER_TEMPLATE/SCHED_MESSAGE.

Every test runs its own oned (make_oned) with the scheduler on: it places
every pending VM on every host it may use, so tests must not share hosts.
"""

import re
import time

import pytest

from harness import xml
from test_cli_tenancy import ok as cli_ok, row_of
from test_vms import A_LIVE_MIGRATE, A_MIGRATE, PENDING, RUNNING, phase, vm_doc, wait_phase

PW = "pw"
VM_TEXT = "CPU=1\nMEMORY=128\n"     # 100 % of a core, 128 MB

# The tests' hosts have 4 cores and 4 GB: 4 such VMs fill one.
HOST_CAP = {"DUMMY_CPU": 400, "DUMMY_MEMORY_KB": 4 * 1024 * 1024}


def sched_oned(make_oned, **sched):
    conf = {"ENABLED": True, "WINDOW_MS": 20, "RETRY": 1}
    conf.update(sched)
    return make_oned(conf={"SCHED": conf, "MONITORING_INTERVAL_HOST": 1})


def new_host(admin, name, cluster=-1, **attrs):
    hid = admin.ok("one.host.allocate", name, "dummy", "dummy", cluster)
    attrs = {**HOST_CAP, **attrs}
    admin.ok("one.host.update", hid, "".join(f'{k}="{v}"\n' for k, v in attrs.items()), 1)
    wait_host(admin, hid)
    return hid


def wait_host(admin, hid, timeout=15.0):
    """Until the host is MONITORED with the capacity its template asks for."""
    deadline = time.monotonic() + timeout
    while True:
        doc = xml(admin.ok("one.host.info", hid))
        if doc.findtext("STATE") == "2" and doc.findtext("HOST_SHARE/MAX_CPU") == "400":
            return
        assert time.monotonic() < deadline, admin.ok("one.host.info", hid)
        time.sleep(0.02)


def host_of(doc):
    return int(doc.findall("HISTORY_RECORDS/HISTORY")[-1].findtext("HID"))


def sched_message(doc):
    return doc.findtext("USER_TEMPLATE/SCHED_MESSAGE")


def wait_message(session, vid, timeout=15.0):
    """Until the VM has a SCHED_MESSAGE; it must still be PENDING."""
    deadline = time.monotonic() + timeout
    while True:
        doc = vm_doc(session, vid)
        if sched_message(doc):
            assert phase(doc) == PENDING
            return sched_message(doc)
        assert time.monotonic() < deadline, session.ok("one.vm.info", vid)
        time.sleep(0.02)


_names = iter(range(1, 1 << 30))


def instantiate(session, n=1, text=VM_TEXT, hold=False):
    tid = session.ok("one.template.allocate", f'NAME="t{next(_names)}"\n' + text)
    return [session.ok("one.template.instantiate", tid, "", hold, "", False) for _ in range(n)]


def placed(admin, vids):
    return [host_of(wait_phase(admin, v, RUNNING)) for v in vids]


# ---- placement -------------------------------------------------------------------

def test_instantiate_runs_without_deploy(make_oned):
    d = sched_oned(make_oned)
    a = d.admin
    h = new_host(a, "h0")
    [vid] = instantiate(a)
    doc = wait_phase(a, vid, RUNNING)
    assert host_of(doc) == h
    assert sched_message(doc) is None
    # one.vm.deploy as oneadmin, as the audit log records it.
    assert "one.vm.deploy" in d.audit_file.read_text()


def test_striping_spreads_and_packing_packs(make_oned):
    # Striping (the default): each VM to the host with the fewest running,
    # ties to the lower id; MAX_HOST 1 gives each host one VM per pass.
    d = sched_oned(make_oned)
    a = d.admin
    hosts = [new_host(a, f"s{i}") for i in range(3)]
    assert sorted(placed(a, instantiate(a, 3))) == hosts
    assert sorted(placed(a, instantiate(a, 3))) == hosts

    # Packing: fill the fullest host that fits, the lowest id first.
    d2 = sched_oned(make_oned, POLICY=0, MAX_HOST=0)
    a2 = d2.admin
    hosts = [new_host(a2, f"p{i}") for i in range(3)]
    assert placed(a2, instantiate(a2, 5)) == [hosts[0]] * 4 + [hosts[1]]


def test_cluster_policy_overrides_the_site(make_oned):
    d = sched_oned(make_oned, MAX_HOST=0)
    a = d.admin
    hosts = [new_host(a, f"c{i}") for i in range(2)]
    a.ok("one.cluster.update", 0, 'SCHED_POLICY="0"', 1)
    assert placed(a, instantiate(a, 3)) == [hosts[0]] * 3
    # Fixed: the host's PRIORITY, else the cluster's.
    a.ok("one.cluster.update", 0, 'SCHED_POLICY="4"\nPRIORITY="5"', 1)
    a.ok("one.host.update", hosts[1], 'PRIORITY="1"', 1)
    assert placed(a, instantiate(a, 1)) == [hosts[0]]
    # A VM's own SCHED_RANK wins over the cluster's policy.
    assert placed(a, instantiate(a, 1, text=VM_TEXT + 'SCHED_RANK="-RUNNING_VMS"\n')) == \
        [hosts[1]]


def test_capacity_respected(make_oned):
    d = sched_oned(make_oned, MAX_HOST=0)
    a = d.admin
    h = new_host(a, "full")
    vids = instantiate(a, 5)
    assert placed(a, vids[:4]) == [h] * 4
    msg = wait_message(a, vids[4])
    assert msg.startswith("No host fits"), msg
    assert "1" in msg and "CPU" in msg, msg
    # Capacity freed: the waiting VM takes it, and its message goes.
    a.ok("one.vm.action", "terminate-hard", vids[0])
    doc = wait_phase(a, vids[4], RUNNING)
    assert host_of(doc) == h and sched_message(doc) is None


def test_impossible_requirement_says_why(make_oned):
    d = sched_oned(make_oned)
    a = d.admin
    hosts = [new_host(a, f"r{i}") for i in range(3)]
    [vid] = instantiate(a, text=VM_TEXT + 'SCHED_REQUIREMENTS="FREE_CPU > 100000"\n')
    msg = wait_message(a, vid)
    assert msg == "No host fits: 3 fail SCHED_REQUIREMENTS", msg
    # onevm show prints it, onevm list still lists the VM as pending.
    out = cli_ok(d, "onevm", "show", str(vid))
    assert re.search(r'^SCHED_MESSAGE="No host fits: 3 fail SCHED_REQUIREMENTS"$', out, re.M), out
    assert row_of(cli_ok(d, "onevm", "list"), vid)[4] == "pend"
    # A requirement that names a host by name places it there.
    [vid2] = instantiate(a, text=VM_TEXT + 'SCHED_REQUIREMENTS="NAME = \\"r2\\""\n')
    assert host_of(wait_phase(a, vid2, RUNNING)) == hosts[2]
    # A requirement that does not compile is the message itself.
    [vid3] = instantiate(a, text=VM_TEXT + 'SCHED_REQUIREMENTS="FREE_CPU >"\n')
    assert "SCHED_REQUIREMENTS" in wait_message(a, vid3)


def test_disabled_leaves_vms_pending(make_oned):
    d = sched_oned(make_oned, ENABLED=False)
    a = d.admin
    new_host(a, "idle")
    [vid] = instantiate(a)
    time.sleep(0.5)
    doc = vm_doc(a, vid)
    assert phase(doc) == PENDING and sched_message(doc) is None


def test_pending_vms_placed_after_restart(make_oned):
    d = sched_oned(make_oned, ENABLED=False)
    a = d.admin
    h = new_host(a, "later")
    vids = instantiate(a, 2)
    d.stop()
    d.conf["SCHED"]["ENABLED"] = True
    d.start()
    a = d.admin
    assert placed(a, vids) == [h, h]


# ---- failures and resched -------------------------------------------------------

def test_failing_host_is_avoided(make_oned):
    d = sched_oned(make_oned)
    a = d.admin
    bad = new_host(a, "bad", DUMMY_FAIL="deploy")     # lower id: striping tries it first
    good = new_host(a, "good")
    [vid] = instantiate(a)
    doc = wait_phase(a, vid, RUNNING)
    assert host_of(doc) == good
    hids = [int(h.findtext("HID")) for h in doc.findall("HISTORY_RECORDS/HISTORY")]
    assert hids == [bad, good], hids


@pytest.mark.parametrize("live", [False, True])
def test_resched_migrates(make_oned, live):
    d = sched_oned(make_oned, LIVE_RESCHEDS=live)
    a = d.admin
    h0 = new_host(a, "m0")
    [vid] = instantiate(a)
    assert host_of(wait_phase(a, vid, RUNNING)) == h0
    h1 = new_host(a, "m1")
    a.ok("one.vm.action", "resched", vid)
    deadline = time.monotonic() + 15
    while host_of(vm_doc(a, vid)) != h1 or phase(vm_doc(a, vid)) != RUNNING:
        assert time.monotonic() < deadline, a.ok("one.vm.info", vid)
        time.sleep(0.05)
    doc = vm_doc(a, vid)
    assert doc.findtext("RESCHED") == "0"
    # The stay on m0 ended with a migration, live only with LIVE_RESCHEDS.
    first = doc.findall("HISTORY_RECORDS/HISTORY")[0]
    assert int(first.findtext("ACTION")) == (A_LIVE_MIGRATE if live else A_MIGRATE)


# ---- tenancy ---------------------------------------------------------------------

def tenant_vm(a, uid, gid, text=VM_TEXT):
    """A VM of uid:gid, released once it is theirs (the scheduler must see
    the owner it will have)."""
    vid = a.ok("one.vm.allocate", text, True)
    a.ok("one.vm.chown", vid, uid, gid)
    a.ok("one.vm.action", "release", vid)
    return vid


def test_private_vdc_dedicated_hosts(make_oned):
    d = sched_oned(make_oned, MAX_HOST=0)
    a = d.admin
    tenant = a.ok("one.group.allocate", "tenant")
    other = a.ok("one.group.allocate", "other")
    tuser = a.ok("one.user.allocate", "tenant_user", PW, "core", [tenant])
    ouser = a.ok("one.user.allocate", "other_user", PW, "core", [other])
    shared = new_host(a, "shared")
    ded = [new_host(a, f"ded{i}") for i in range(2)]
    cid = a.ok("one.cluster.dedicate", -1, tenant, f"{ded[0]},{ded[1]}")
    for h in ded:
        wait_host(a, h)

    # The tenant's VMs land only on its dedicated hosts: the shared one is
    # not in its VDC (no HOST:MANAGE there).
    tvms = [tenant_vm(a, tuser, tenant) for _ in range(4)]
    assert set(placed(a, tvms)) <= set(ded)
    # Nobody else's VMs do, oneadmin's included.
    ovms = [tenant_vm(a, ouser, other) for _ in range(3)] + instantiate(a, 1)
    assert set(placed(a, ovms)) == {shared}

    # Placement never gave a tenant a host it may not MANAGE: ask oned as
    # the tenant itself.
    t = d.proxy("tenant_user", PW)
    for vid in tvms:
        hid = host_of(vm_doc(a, vid))
        t.ok("one.host.info", hid)
    o = d.proxy("other_user", PW)
    for h in ded:
        o.fail("one.host.info", h)

    # The dedicated hosts full, a tenant VM waits and says why; the shared
    # host is never an option for it.
    more = [tenant_vm(a, tuser, tenant) for _ in range(5)]
    msg = wait_message(a, more[-1])
    assert "1 are not yours to use (no HOST:MANAGE)" in msg, msg
    assert "2 lack" in msg, msg

    # Confinement: with SCHED_CONFINE on its dedicated cluster, the tenant's
    # VMs go nowhere else, even to a host it may MANAGE that has room.
    a.ok("one.cluster.update", cid, 'SCHED_CONFINE="YES"', 1)
    a.ok("one.acl.addrule", "2%08x" % tenant, "%x" % (0x2100000000 | shared), "2")  # MANAGE
    a.ok("one.vm.action", "terminate-hard", ovms[0])
    msg = wait_message_matching(a, more[-1], "1 are outside the clusters dedicated to your group")
    assert phase(vm_doc(a, more[-1])) == PENDING, msg
    a.ok("one.cluster.update", cid, 'SCHED_CONFINE="NO"', 1)
    assert host_of(wait_phase(a, more[-1], RUNNING)) == shared


def wait_message_matching(session, vid, text, timeout=15.0):
    deadline = time.monotonic() + timeout
    while text not in (sched_message(vm_doc(session, vid)) or ""):
        assert time.monotonic() < deadline, session.ok("one.vm.info", vid)
        time.sleep(0.05)
    return sched_message(vm_doc(session, vid))


def test_owner_without_hosts_is_told(make_oned):
    d = sched_oned(make_oned)
    a = d.admin
    lonely = a.ok("one.group.allocate", "lonely")
    uid = a.ok("one.user.allocate", "lonely_user", PW, "core", [lonely])
    a.ok("one.vdc.delgroup", 0, lonely)         # in no VDC: no host at all
    new_host(a, "n0")
    new_host(a, "n1")
    vid = tenant_vm(a, uid, lonely)
    msg = wait_message(a, vid)
    assert msg == "No host fits: 2 are not yours to use (no HOST:MANAGE)", msg


def test_owner_without_a_datastore_is_told(make_oned):
    """HOST:MANAGE is not enough: the system disk goes to a datastore the
    owner may USE."""
    d = sched_oned(make_oned)
    a = d.admin
    g = a.ok("one.group.allocate", "nods")
    uid = a.ok("one.user.allocate", "nods_user", PW, "core", [g])
    a.ok("one.vdc.delgroup", 0, g)              # in no VDC: nothing at all
    hosts = [new_host(a, "n0"), new_host(a, "n1")]
    a.ok("one.acl.addrule", "2%08x" % g, "%x" % (0x2000000000 | 0x400000000), "2")  # HOST/* MANAGE
    vid = tenant_vm(a, uid, g)
    msg = wait_message(a, vid)
    assert msg == "No host fits: 2 have no system datastore you may use", msg
    a.ok("one.acl.addrule", "2%08x" % g, "%x" % (0x100000000000 | 0x400000000), "1")  # DATASTORE/* USE
    assert host_of(wait_phase(a, vid, RUNNING)) in hosts


# ---- the system datastore --------------------------------------------------------
# This tree has one system datastore (0, in cluster "default") and no
# one.datastore.allocate, and datastores report no capacity until the
# storage work: the choice between several and the room check are
# unit-tested (tests/unit/scheduler/test_ds_pick.c); here the pass's use of
# them through the API.

def ds_of(doc):
    return int(doc.findall("HISTORY_RECORDS/HISTORY")[-1].findtext("DS_ID"))


def test_ds_requirements_choose_and_explain(make_oned):
    d = sched_oned(make_oned)
    a = d.admin
    hosts = [new_host(a, f"d{i}") for i in range(2)]
    a.ok("one.datastore.update", 0, 'TIER="fast"\nTIER="local"', 1)
    # Datastore 0's DS_MAD (fs) reports the capacity of its directory.
    deadline = time.monotonic() + 15
    while int(xml(a.ok("one.datastore.info", 0)).findtext("TOTAL_MB")) <= 0:
        assert time.monotonic() < deadline, "datastore 0 is never monitored"
        time.sleep(0.05)
    # The datastore's TEMPLATE, its own fields and "CLUSTERS/ID".
    for req in ('TIER @> local', 'ID = 0 & TOTAL_MB > 0', '\\"CLUSTERS/ID\\" @> 0',
                'NAME = \\"sys*\\"'):
        [vid] = instantiate(a, text=VM_TEXT + f'SCHED_DS_REQUIREMENTS="{req}"\n')
        doc = wait_phase(a, vid, RUNNING)
        assert ds_of(doc) == 0 and host_of(doc) in hosts, req
    # None meets it: every host says so, and the VM waits.
    [vid] = instantiate(a, text=VM_TEXT + 'SCHED_DS_REQUIREMENTS="TIER = slow"\n')
    msg = wait_message(a, vid)
    assert msg == "No host fits: 2 have no system datastore that meets SCHED_DS_REQUIREMENTS", msg
    # The datastore changes: the waiting VM is placed and its message goes.
    a.ok("one.datastore.update", 0, 'TIER="slow"', 1)
    doc = wait_phase(a, vid, RUNNING)
    assert ds_of(doc) == 0 and sched_message(doc) is None


def test_ds_expressions_that_do_not_compile(make_oned):
    d = sched_oned(make_oned)
    a = d.admin
    new_host(a, "x0")
    for attr in ("SCHED_DS_REQUIREMENTS", "SCHED_DS_RANK"):
        [vid] = instantiate(a, text=VM_TEXT + f'{attr}="FREE_MB >"\n')
        msg = wait_message(a, vid)
        assert msg.startswith(f"Cannot place the VM: {attr}: "), msg


def test_ds_rank_and_room_with_an_unmonitored_datastore(make_oned):
    # A rank over the one candidate still places; a VM with 100 GB of
    # volatile disks and MEMORY_SYSTEM_DS_SCALE is not refused for space by
    # a datastore that reports no TOTAL_MB (no DS_MAD monitors it).
    d = sched_oned(make_oned, DS_POLICY=0, MEMORY_SYSTEM_DS_SCALE=2)
    a = d.admin
    h = new_host(a, "u0")
    ds = a.ok("one.datastore.allocate", 'NAME="unmon"\nTYPE="SYSTEM_DS"\nTM_MAD="dummy"', -1)
    a.ok("one.datastore.enable", 0, False)
    text = VM_TEXT + 'SCHED_DS_RANK="-USED_MB"\nDISK=[TYPE="fs",SIZE="102400"]\n'
    [vid] = instantiate(a, text=text)
    doc = wait_phase(a, vid, RUNNING)
    assert (host_of(doc), ds_of(doc)) == (h, ds)
    assert xml(a.ok("one.datastore.info", ds)).findtext("TOTAL_MB") == "0"


def test_cluster_without_system_datastore(make_oned):
    d = sched_oned(make_oned)
    a = d.admin
    cid = a.ok("one.cluster.allocate", "nods")
    h = new_host(a, "n0", cid)
    [vid] = instantiate(a)
    msg = wait_message(a, vid)
    assert msg == "No host fits: 1 have no enabled system datastore", msg
    # Datastore 0 joins the cluster: the VM goes there, on datastore 0.
    a.ok("one.cluster.adddatastore", cid, 0)
    doc = wait_phase(a, vid, RUNNING)
    assert (host_of(doc), ds_of(doc)) == (h, 0)
