"""Virtual machines over XML-RPC on hosts with the dummy drivers (reference
§2.10, §3.10, §7; client-contract §2, §3): instantiate and allocate, deploy,
every one.vm.action string in every resting state, host capacity, migrations,
failure injection and recover, USER_TEMPLATE updates, the VM pool's state
filter and its short and full documents, and what a restart (clean or
kill -9) does to VMs.

Hosts use VM_MAD/IM_MAD "dummy" (drivers/dummy): every operation succeeds at
once unless the host's template says DUMMY_FAIL="deploy,shutdown" (failure
injection) or DUMMY_DELAY_MS (each operation takes that long).  Driver work
is asynchronous: a call returns once its first move is durable, so tests
poll one.vm.info until the VM settles (wait_phase).

Each test makes hosts of its own: the module's oned is shared, and capacity
assertions must not see other tests' VMs.
"""

import time

import pytest

from harness import ACTION, ALLOCATE, AUTHORIZATION, INTERNAL, NO_EXISTS, RPC_API, ids, xml

PW = "pw"

# (STATE, LCM_STATE) of the phases tests wait for.
PENDING, HOLD, ACTIVE_ = (1, 0), (2, 0), 3
RUNNING, BOOT, BOOT_FAILURE = (3, 3), (3, 2), (3, 36)
STOPPED, SUSPENDED, DONE = (4, 0), (5, 0), (6, 0)
POWEROFF, UNDEPLOYED = (8, 0), (9, 0)

# The names oned's messages use: the LCM state for ACTIVE VMs.
PHASE_NAME = {PENDING: "PENDING", HOLD: "HOLD", RUNNING: "RUNNING", BOOT: "BOOT",
              BOOT_FAILURE: "BOOT_FAILURE", STOPPED: "STOPPED", SUSPENDED: "SUSPENDED",
              DONE: "DONE", POWEROFF: "POWEROFF", UNDEPLOYED: "UNDEPLOYED"}

# one.vm.action's strings (reference §2.10).
ACTIONS = ["terminate", "terminate-hard", "undeploy", "undeploy-hard", "poweroff",
           "poweroff-hard", "reboot", "reboot-hard", "suspend", "resume", "stop", "hold",
           "release", "resched", "unresched"]

# VMActions codes in HISTORY/ACTION.
A_MIGRATE, A_LIVE_MIGRATE, A_STOP, A_UNDEPLOY = 1, 2, 9, 5
A_POWEROFF, A_TERMINATE, A_DEPLOY = 19, 27, 30
A_SUSPEND, A_RESUME = 10, 11

VM_TEXT = "CPU=0.5\nMEMORY=64\n"    # 50 % of a core, 64 MB = 65536 KB

SETTLE = 15.0


# ---- helpers ---------------------------------------------------------------------

def vm_doc(session, vid):
    return xml(session.ok("one.vm.info", vid))


def phase(doc):
    return int(doc.findtext("STATE")), int(doc.findtext("LCM_STATE"))


def wait_phase(session, vid, want, timeout=SETTLE):
    """Poll one.vm.info until the VM is in phase `want`; returns its document."""
    deadline = time.monotonic() + timeout
    while True:
        doc = vm_doc(session, vid)
        if phase(doc) == want:
            return doc
        if time.monotonic() > deadline:
            raise AssertionError(f"VM {vid} is in {phase(doc)} after {timeout} s, expected "
                                 f"{want}: {session.ok('one.vm.info', vid)}")
        time.sleep(0.02)


def new_host(admin, uniq, im="dummy", vm="dummy", **attrs):
    """A host of the default cluster; attrs are merged into its template."""
    hid = admin.ok("one.host.allocate", uniq("host"), im, vm, -1)
    if attrs:
        admin.ok("one.host.update", hid, "".join(f'{k}="{v}"\n' for k, v in attrs.items()), 1)
    return hid


def host_without(admin, hid, name):
    """Replace the host's template by the same one without attribute `name`."""
    tmpl = xml(admin.ok("one.host.info", hid)).find("TEMPLATE")
    text = "".join(f'{a.tag}="{a.text or ""}"\n' for a in tmpl if len(a) == 0 and a.tag != name)
    admin.ok("one.host.update", hid, text, 0)


def share(admin, hid):
    """The host's allocated capacity: CPU_USAGE, MEM_USAGE, RUNNING_VMS and VMS."""
    doc = xml(admin.ok("one.host.info", hid))
    s = doc.find("HOST_SHARE")
    return {"cpu": int(s.findtext("CPU_USAGE")), "mem": int(s.findtext("MEM_USAGE")),
            "running": int(s.findtext("RUNNING_VMS")), "vms": ids(doc, "VMS")}


def empty():
    return {"cpu": 0, "mem": 0, "running": 0, "vms": []}


def holding(*vms, cpu=50, mem=65536):
    """The share of a host holding these VMs of VM_TEXT."""
    return {"cpu": cpu * len(vms), "mem": mem * len(vms), "running": len(vms),
            "vms": sorted(vms)}


def new_vm(session, text=VM_TEXT, hold=False):
    return session.ok("one.vm.allocate", text, hold)


def deploy(admin, vid, hid, want=RUNNING):
    admin.ok("one.vm.deploy", vid, hid, False, -1, "")
    return wait_phase(admin, vid, want)


def running_vm(admin, hid, text=VM_TEXT):
    vid = new_vm(admin, text)
    deploy(admin, vid, hid)
    return vid


def act(session, action, vid, want=None):
    """one.vm.action(action, vid); with want, wait for that phase."""
    assert session.ok("one.vm.action", action, vid) == vid
    return wait_phase(session, vid, want) if want else None


def refused(session, method, *args, what, state):
    code, msg = session.fail(method, *args)
    assert (code, msg) == (ACTION, f"[{method}] {what} action is not available for state "
                                   f"{state}."), (code, msg)


def history(doc):
    return doc.findall("HISTORY_RECORDS/HISTORY")


def hist(record, field):
    return int(record.findtext(field))


@pytest.fixture(scope="module")
def user(oned, admin, uniq):
    """A user of group "users" (which may create VMs: bootstrap rule 0)."""
    name = uniq("vmuser")
    uid = admin.ok("one.user.allocate", name, PW, "core", [])
    return uid, oned.proxy(name, PW)


# ---- creating VMs ---------------------------------------------------------------

def test_instantiate_makes_a_pending_vm(admin, uniq):
    tname = uniq("tpl")
    tid = admin.ok("one.template.allocate",
                   f'NAME="{tname}"\nCPU=0.5\nMEMORY=64\nVCPU=2\nLABELS="web"\nOWNER_NOTE="x"\n')
    vid = admin.ok("one.template.instantiate", tid, "", False, "", False)
    doc = vm_doc(admin, vid)
    assert phase(doc) == PENDING
    assert (doc.findtext("PREV_STATE"), doc.findtext("PREV_LCM_STATE")) == ("1", "0")
    # No name given: "<template name>-<id>".
    assert doc.findtext("NAME") == f"{tname}-{vid}"
    assert doc.findtext("DEPLOY_ID") == "" and doc.findtext("ETIME") == "0"
    assert history(doc) == []
    # TEMPLATE holds what oned interprets, plus TEMPLATE_ID and VMID; the
    # rest is USER_TEMPLATE.
    t = {e.tag: e.text for e in doc.find("TEMPLATE")}
    assert t == {"CPU": "0.5", "MEMORY": "64", "VCPU": "2", "TEMPLATE_ID": str(tid),
                 "VMID": str(vid)}
    u = {e.tag: e.text for e in doc.find("USER_TEMPLATE")}
    assert u == {"LABELS": "web", "OWNER_NOTE": "x"}
    # oneadmin's default umask 177: um- --- ---.
    perms = doc.find("PERMISSIONS")
    assert [int(perms.findtext(k)) for k in ("OWNER_U", "OWNER_M", "OWNER_A", "GROUP_U",
                                             "OTHER_U")] == [1, 1, 0, 0, 0]


def test_instantiate_name_hold_and_extra_template(admin, uniq):
    tid = admin.ok("one.template.allocate", f'NAME="{uniq("tpl")}"\n{VM_TEXT}')
    name = uniq("named vm")
    vid = admin.ok("one.template.instantiate", tid, name, True, 'MEMORY=128\nEXTRA="1"', False)
    doc = vm_doc(admin, vid)
    assert phase(doc) == HOLD and doc.findtext("NAME") == name
    # The extra template is merged over the template's.
    assert doc.findtext("TEMPLATE/MEMORY") == "128"
    assert doc.findtext("USER_TEMPLATE/EXTRA") == "1"
    # SUBMIT_ON_HOLD in the template holds too.
    held = admin.ok("one.template.allocate",
                    f'NAME="{uniq("tpl")}"\n{VM_TEXT}SUBMIT_ON_HOLD="YES"\n')
    assert phase(vm_doc(admin, admin.ok("one.template.instantiate", held, "", False, "",
                                        False))) == HOLD
    # Persistent instantiation needs images: refused.
    assert admin.fail("one.template.instantiate", tid, "", False, "", True)[0] == ACTION
    assert admin.fail("one.template.instantiate", 99999, "", False, "", False)[0] == NO_EXISTS


def test_allocate_and_hold(admin):
    vid = admin.ok("one.vm.allocate", f'NAME="alloc"\n{VM_TEXT}')
    doc = vm_doc(admin, vid)
    assert phase(doc) == PENDING and doc.findtext("NAME") == "alloc"
    assert doc.find("TEMPLATE/NAME") is None and doc.findtext("TEMPLATE/TEMPLATE_ID") is None
    assert phase(vm_doc(admin, admin.ok("one.vm.allocate", VM_TEXT, True))) == HOLD
    # Without NAME: one-<id>.
    vid = new_vm(admin)
    assert vm_doc(admin, vid).findtext("NAME") == f"one-{vid}"


@pytest.mark.parametrize("text,what", [
    ("CPU=1", "MEMORY"), ("CPU=1\nMEMORY=0", "MEMORY"), ("CPU=1\nMEMORY=-5", "MEMORY"),
    ("CPU=1\nMEMORY=1.5", "MEMORY"), ("CPU=1\nMEMORY=lots", "MEMORY"),
    ("MEMORY=64", "CPU"), ("MEMORY=64\nCPU=0", "CPU"), ("MEMORY=64\nCPU=-1", "CPU"),
    ("MEMORY=64\nCPU=fast", "CPU"), ("MEMORY=64\nCPU=", "CPU"),
])
def test_memory_and_cpu_are_validated(admin, uniq, text, what):
    first = new_vm(admin)
    code, msg = admin.fail("one.vm.allocate", text)
    kind = "integer" if what == "MEMORY" else "float or integer"
    assert (code, msg) == (ALLOCATE, f"[one.vm.allocate] VM template: {what} attribute must be "
                                     f"a positive {kind} value."), msg
    # The same check on instantiate, with the template's text.
    tid = admin.ok("one.template.allocate", f'NAME="{uniq("bad")}"\n{text}')
    code, msg = admin.fail("one.template.instantiate", tid, "", False, "", False)
    assert code == ALLOCATE and f"{what} attribute must be" in msg
    # A refused VM takes no id.
    assert new_vm(admin) == first + 1


NAME_CHARS = "Invalid NAME, char '&|:\\\";/'#{}$<>' are not allowed."


def test_vm_names_are_validated(admin, uniq):
    """As rename checks them (OpenNebula's VirtualMachine::insert does too):
    the NAME of allocate, instantiate's name, and the generated
    "<template>-<id>"."""
    first = new_vm(admin)
    assert admin.fail("one.vm.allocate", f'NAME="web:1"\n{VM_TEXT}') == \
        (INTERNAL, f"[one.vm.allocate] {NAME_CHARS}")
    tid = admin.ok("one.template.allocate", f'NAME="{uniq("tpl")}"\n{VM_TEXT}')
    assert admin.fail("one.template.instantiate", tid, "a\tb", False, "", False) == \
        (INTERNAL, "[one.template.instantiate] Invalid NAME, it cannot contain control "
                   "characters.")
    assert admin.fail("one.template.instantiate", tid, "", False, 'NAME="x<y"', False) == \
        (INTERNAL, f"[one.template.instantiate] {NAME_CHARS}")
    long_name = uniq("t").ljust(128, "t")
    tid = admin.ok("one.template.allocate", f'NAME="{long_name}"\n{VM_TEXT}')
    assert admin.fail("one.template.instantiate", tid, "", False, "", False) == \
        (INTERNAL, "[one.template.instantiate] Invalid NAME, max length is 128 chars.")
    vid = admin.ok("one.template.instantiate", tid, "short", False, "", False)
    # Refused VMs took no id.
    assert vid == first + 1
    assert admin.fail("one.vm.rename", vid, "web:1") == (INTERNAL, f"[one.vm.rename] {NAME_CHARS}")


def test_user_creates_its_own_vm(admin, user):
    uid, s = user
    vid = new_vm(s)
    doc = vm_doc(s, vid)
    assert (doc.findtext("UID"), doc.findtext("GID"), doc.findtext("GNAME")) == \
        (str(uid), "1", "users")
    assert phase(doc) == PENDING


# ---- deploy and capacity ------------------------------------------------------------

def test_deploy_runs_the_vm_and_charges_the_host(admin, uniq):
    hid = new_host(admin, uniq)
    hname = xml(admin.ok("one.host.info", hid)).findtext("NAME")
    vid = new_vm(admin)
    before = int(time.time())
    assert admin.ok("one.vm.deploy", vid, hid, False, -1, "") == vid
    # Charged as soon as the deploy is accepted (PROLOG), not when it runs.
    assert share(admin, hid) == holding(vid)
    doc = wait_phase(admin, vid, RUNNING)
    assert doc.findtext("DEPLOY_ID") == f"one-{vid}"
    assert (doc.findtext("PREV_STATE"), doc.findtext("PREV_LCM_STATE")) == ("3", "2")
    [h] = history(doc)
    assert (hist(h, "SEQ"), h.findtext("HOSTNAME"), hist(h, "HID"), hist(h, "CID"),
            hist(h, "DS_ID"), h.findtext("VM_MAD"), hist(h, "ETIME")) == \
        (0, hname, hid, 0, 0, "dummy", 0)
    assert hist(h, "STIME") >= before and hist(h, "RSTIME") >= hist(h, "STIME")
    assert hist(h, "PETIME") >= hist(h, "PSTIME") >= hist(h, "STIME")
    assert share(admin, hid) == holding(vid)
    # deploy takes (id, host) alone too (goca, client-contract §1).
    other = new_vm(admin)
    admin.ok("one.vm.deploy", other, hid)
    wait_phase(admin, other, RUNNING)
    assert share(admin, hid) == holding(vid, other)


def test_deploy_from_hold(admin, uniq):
    hid = new_host(admin, uniq)
    vid = new_vm(admin, hold=True)
    deploy(admin, vid, hid)
    assert share(admin, hid) == holding(vid)


@pytest.mark.parametrize("action,after,released", [
    ("terminate", DONE, True), ("terminate-hard", DONE, True), ("stop", STOPPED, True),
    ("undeploy", UNDEPLOYED, True), ("undeploy-hard", UNDEPLOYED, True),
    ("poweroff", POWEROFF, False), ("poweroff-hard", POWEROFF, False),
    ("suspend", SUSPENDED, False),
])
def test_capacity_follows_the_vm(admin, uniq, action, after, released):
    hid = new_host(admin, uniq)
    keep = running_vm(admin, hid)
    vid = running_vm(admin, hid)
    assert share(admin, hid) == holding(keep, vid)
    doc = act(admin, action, vid, after)
    assert share(admin, hid) == (holding(keep) if released else holding(keep, vid))
    [h] = history(doc)
    # Leaving the host closes its record; a VM that keeps it keeps it open.
    assert (hist(h, "ETIME") > 0) == released
    if released:
        assert hist(h, "RETIME") >= hist(h, "RSTIME") > 0
    if after == DONE:
        assert int(doc.findtext("ETIME")) > 0


def test_deploy_refusals(admin, uniq):
    hid = new_host(admin, uniq)
    vid = new_vm(admin)
    # No such host, datastore; not a system datastore.
    assert admin.fail("one.vm.deploy", vid, 99999, False, -1, "")[0] == NO_EXISTS
    assert admin.fail("one.vm.deploy", vid, hid, False, 99999, "")[0] == NO_EXISTS
    code, msg = admin.fail("one.vm.deploy", vid, hid, False, 1, "")
    assert (code, msg) == (ACTION, "[one.vm.deploy] Datastore 1 is not a system datastore.")
    # An OFFLINE host takes no VM.
    off = new_host(admin, uniq)
    admin.ok("one.host.status", off, 2)
    code, msg = admin.fail("one.vm.deploy", vid, off, False, -1, "")
    assert (code, msg) == (ACTION, f"[one.vm.deploy] Host {off} is offline.")
    assert phase(vm_doc(admin, vid)) == PENDING and share(admin, off) == empty()
    # Deploying a placed VM.
    deploy(admin, vid, hid)
    refused(admin, "one.vm.deploy", vid, hid, False, -1, "", what="deploy", state="RUNNING")
    # With the system datastore named explicitly.
    other = new_vm(admin)
    admin.ok("one.vm.deploy", other, hid, False, 0, "")
    assert hist(history(wait_phase(admin, other, RUNNING))[0], "DS_ID") == 0


def test_enforce_checks_capacity(admin, uniq):
    # A host whose information driver does not exist is never monitored:
    # it reports no capacity, so an enforced deploy finds no room.
    blind = new_host(admin, uniq, im="nomonitor")
    vid = new_vm(admin)
    code, msg = admin.fail("one.vm.deploy", vid, blind, True, -1, "")
    assert code == ACTION and f"Host {blind} does not have enough capacity" in msg, msg
    assert phase(vm_doc(admin, vid)) == PENDING and share(admin, blind) == empty()
    # Without enforce the placement is the administrator's call.
    admin.ok("one.vm.deploy", vid, blind, False, -1, "")
    assert share(admin, blind) == holding(vid)
    admin.ok("one.vm.recover", vid, 5)      # delete-db: no driver involved
    assert share(admin, blind) == empty()


# ---- actions in every state ---------------------------------------------------------

def make_in(admin, hid, fail_hid, want):
    """A new VM in phase `want`."""
    if want == PENDING:
        return new_vm(admin)
    if want == HOLD:
        return new_vm(admin, hold=True)
    if want == DONE:
        vid = new_vm(admin)
        act(admin, "terminate", vid, DONE)
        return vid
    if want == BOOT_FAILURE:
        vid = new_vm(admin)
        deploy(admin, vid, fail_hid, BOOT_FAILURE)
        return vid
    vid = running_vm(admin, hid)
    via = {POWEROFF: "poweroff", SUSPENDED: "suspend", STOPPED: "stop",
           UNDEPLOYED: "undeploy", RUNNING: None}[want]
    if via:
        act(admin, via, vid, want)
    return vid


# Where each one.vm.action string takes a VM of each resting phase (§7.3);
# an action not listed is refused there.
MOVES = {
    PENDING: {"terminate": DONE, "terminate-hard": DONE, "hold": HOLD},
    HOLD: {"terminate": DONE, "terminate-hard": DONE, "release": PENDING},
    RUNNING: {"terminate": DONE, "terminate-hard": DONE, "undeploy": UNDEPLOYED,
              "undeploy-hard": UNDEPLOYED, "poweroff": POWEROFF, "poweroff-hard": POWEROFF,
              "reboot": RUNNING, "reboot-hard": RUNNING, "suspend": SUSPENDED,
              "stop": STOPPED, "resched": RUNNING, "unresched": RUNNING},
    POWEROFF: {"terminate": DONE, "terminate-hard": DONE, "undeploy": UNDEPLOYED,
               "undeploy-hard": UNDEPLOYED, "resume": RUNNING, "resched": POWEROFF,
               "unresched": POWEROFF},
    SUSPENDED: {"terminate": DONE, "terminate-hard": DONE, "resume": RUNNING, "stop": STOPPED},
    STOPPED: {"terminate": DONE, "terminate-hard": DONE, "resume": PENDING},
    UNDEPLOYED: {"terminate": DONE, "terminate-hard": DONE, "resume": PENDING},
    # OpenNebula answers success and does nothing.
    DONE: {"terminate": DONE, "terminate-hard": DONE},
    # A failed VM is terminated as recover delete would: cleaned up, DONE.
    BOOT_FAILURE: {"terminate": DONE, "terminate-hard": DONE},
}


@pytest.fixture(scope="module")
def action_hosts(admin, uniq):
    """A host for the action cells, and one whose deploys fail."""
    return new_host(admin, uniq), new_host(admin, uniq, DUMMY_FAIL="deploy")


_refusal_vms = {}


@pytest.mark.parametrize("start,action", [
    pytest.param(s, a, id=f"{PHASE_NAME[s]}-{a}") for s in MOVES for a in ACTIONS])
def test_action_in_state(admin, action_hosts, start, action):
    hid, fail_hid = action_hosts
    want = MOVES[start].get(action)
    if want is None:
        # Refused: the VM stays; one VM per phase serves every refusal.
        if start not in _refusal_vms:
            _refusal_vms[start] = make_in(admin, hid, fail_hid, start)
        vid = _refusal_vms[start]
        assert phase(vm_doc(admin, vid)) == start
        refused(admin, "one.vm.action", action, vid, what=action, state=PHASE_NAME[start])
        assert phase(vm_doc(admin, vid)) == start
        return
    vid = make_in(admin, hid, fail_hid, start)
    doc = act(admin, action, vid, want)
    if action in ("resched", "unresched"):
        assert doc.findtext("RESCHED") == ("1" if action == "resched" else "0")
    if want == PENDING and start in (STOPPED, UNDEPLOYED):
        # Resumed to be placed again: no host held, the record closed.
        assert hist(history(doc)[-1], "ETIME") > 0


def test_actions_refused_while_booting(admin, uniq):
    slow = new_host(admin, uniq, DUMMY_DELAY_MS=2000)
    vid = new_vm(admin)
    admin.ok("one.vm.deploy", vid, slow, False, -1, "")
    wait_phase(admin, vid, BOOT)
    for action in ACTIONS:
        refused(admin, "one.vm.action", action, vid, what=action, state="BOOT")
    refused(admin, "one.vm.deploy", vid, slow, False, -1, "", what="deploy", state="BOOT")
    wait_phase(admin, vid, RUNNING)


def test_unknown_action(admin):
    vid = new_vm(admin)
    for name in ("shutdown", "delete", "deploy", "TERMINATE", ""):
        code, msg = admin.fail("one.vm.action", name, vid)
        assert (code, msg) == (ACTION, f'[one.vm.action] Action "{name}" is not supported.')
    assert admin.fail("one.vm.action", "terminate", 99999)[0] == NO_EXISTS


def test_deploy_in_each_state(admin, action_hosts):
    """Allowed from PENDING, HOLD, STOPPED and UNDEPLOYED (§2.10); a STOPPED
    or UNDEPLOYED VM gets its files back rather than a fresh prolog."""
    hid, fail_hid = action_hosts
    boots = {PENDING: 2, HOLD: 2, STOPPED: 22, UNDEPLOYED: 32}
    for start in MOVES:
        vid = make_in(admin, hid, fail_hid, start)
        if start in boots:
            doc = deploy(admin, vid, hid)
            assert doc.findtext("PREV_LCM_STATE") == str(boots[start]), start
            assert hist(history(doc)[-1], "ACTION") == A_DEPLOY
        else:
            refused(admin, "one.vm.deploy", vid, hid, False, -1, "", what="deploy",
                    state=PHASE_NAME[start])
    # The same after resume (PENDING).
    for via in (STOPPED, UNDEPLOYED):
        vid = make_in(admin, hid, fail_hid, via)
        act(admin, "resume", vid, PENDING)
        assert deploy(admin, vid, hid).findtext("PREV_LCM_STATE") == str(boots[via])


# ---- walks ----------------------------------------------------------------------------

def test_full_walk(admin, uniq):
    a, b = new_host(admin, uniq), new_host(admin, uniq)
    vid = new_vm(admin)
    act(admin, "hold", vid, HOLD)
    act(admin, "release", vid, PENDING)
    deploy(admin, vid, a)
    act(admin, "reboot", vid, RUNNING)
    act(admin, "poweroff", vid, POWEROFF)
    assert share(admin, a) == holding(vid)
    act(admin, "resume", vid, RUNNING)
    act(admin, "suspend", vid, SUSPENDED)
    act(admin, "resume", vid, RUNNING)
    assert share(admin, a) == holding(vid)

    # Each stretch of running on host a is a record of its own (resume
    # copies the record, as OpenNebula's cp_history), ended by the action
    # that stopped it; the capacity stayed taken throughout.
    doc = vm_doc(admin, vid)
    recs = history(doc)
    assert [hist(h, "SEQ") for h in recs] == [0, 1, 2]
    assert [hist(h, "HID") for h in recs] == [a, a, a]
    assert [hist(h, "ACTION") for h in recs[:2]] == [A_POWEROFF, A_SUSPEND]
    assert hist(recs[2], "ACTION") == A_RESUME and hist(recs[2], "ETIME") == 0
    for before, after in zip(recs, recs[1:]):
        assert 0 < hist(before, "RETIME") <= hist(before, "ETIME") <= hist(after, "STIME")
    # stop: saved, off the host; resume: PENDING again; deploy elsewhere
    # gets the files back (PROLOG_RESUME -> BOOT_STOPPED -> RUNNING).
    doc = act(admin, "stop", vid, STOPPED)
    assert share(admin, a) == empty()
    h0 = history(doc)[-1]
    assert hist(h0, "ACTION") == A_STOP and hist(h0, "ETIME") > 0
    act(admin, "resume", vid, PENDING)
    admin.ok("one.vm.deploy", vid, b, False, -1, "")
    doc = wait_phase(admin, vid, RUNNING)
    assert (doc.findtext("PREV_STATE"), doc.findtext("PREV_LCM_STATE")) == ("3", "22")
    assert [hist(h, "SEQ") for h in history(doc)] == [0, 1, 2, 3]
    assert hist(history(doc)[3], "HID") == b
    assert (share(admin, a), share(admin, b)) == (empty(), holding(vid))

    # undeploy: off the host, no checkpoint; resume, deploy: PROLOG_UNDEPLOY
    # -> BOOT_UNDEPLOY -> RUNNING.
    act(admin, "undeploy", vid, UNDEPLOYED)
    assert share(admin, b) == empty()
    act(admin, "resume", vid, PENDING)
    admin.ok("one.vm.deploy", vid, a, False, -1, "")
    doc = wait_phase(admin, vid, RUNNING)
    assert (doc.findtext("PREV_STATE"), doc.findtext("PREV_LCM_STATE")) == ("3", "32")
    assert [hist(h, "HID") for h in history(doc)] == [a, a, a, b, a]
    assert hist(history(doc)[3], "ACTION") == A_UNDEPLOY

    doc = act(admin, "terminate", vid, DONE)
    assert (share(admin, a), share(admin, b)) == (empty(), empty())
    assert int(doc.findtext("ETIME")) > 0
    assert all(hist(h, "ETIME") > 0 for h in history(doc))
    assert hist(history(doc)[-1], "ACTION") == A_TERMINATE
    # DONE VMs still answer info, and nothing more happens to them.
    refused(admin, "one.vm.action", "resume", vid, what="resume", state="DONE")


def test_hold_and_release(admin, uniq):
    vid = new_vm(admin)
    act(admin, "hold", vid, HOLD)
    refused(admin, "one.vm.action", "hold", vid, what="hold", state="HOLD")
    act(admin, "release", vid, PENDING)
    refused(admin, "one.vm.action", "release", vid, what="release", state="PENDING")
    deploy(admin, vid, new_host(admin, uniq))


def test_resched_is_for_admins(admin, user, uniq):
    uid, s = user
    hid = new_host(admin, uniq)
    vid = new_vm(s)
    deploy(admin, vid, hid)
    for action in ("resched", "unresched"):
        code, msg = s.fail("one.vm.action", action, vid)
        assert (code, msg) == (AUTHORIZATION, f"[one.vm.action] User [{uid}] : Not authorized "
                                              f"to perform ADMIN VM [{vid}]."), msg
    act(admin, "resched", vid)
    assert vm_doc(admin, vid).findtext("RESCHED") == "1"
    # The owner manages its VM: poweroff (which cancels the resched).
    act(s, "poweroff", vid, POWEROFF)
    assert vm_doc(admin, vid).findtext("RESCHED") == "0"
    act(admin, "resched", vid)
    act(admin, "unresched", vid)
    assert vm_doc(admin, vid).findtext("RESCHED") == "0"
    # deploy, migrate and recover are VM ADMIN operations.
    for call in (("one.vm.deploy", vid, hid, False, -1, ""),
                 ("one.vm.migrate", vid, hid, False, False, -1, 0),
                 ("one.vm.recover", vid, 1)):
        code, msg = s.fail(*call)
        assert code == AUTHORIZATION and "Not authorized to perform ADMIN VM" in msg, msg
    act(s, "terminate", vid, DONE)


# ---- migrations --------------------------------------------------------------------------

def test_failed_live_migration_stays_on_the_source(admin, uniq):
    """The migration fails: the VM goes on RUNNING on the source, with a new
    record there, and holds capacity on the source only, once."""
    a, b = new_host(admin, uniq, DUMMY_FAIL="migrate"), new_host(admin, uniq)
    vid = running_vm(admin, a)
    admin.ok("one.vm.migrate", vid, b, True, False, -1, 0)
    doc = wait_phase(admin, vid, RUNNING)
    recs = history(doc)
    assert [hist(r, "HID") for r in recs] == [a, b, a]
    assert hist(recs[-1], "ETIME") == 0 and all(hist(r, "ETIME") > 0 for r in recs[:-1])
    assert "migrate" in doc.findtext("USER_TEMPLATE/ERROR")
    assert (share(admin, a), share(admin, b)) == (holding(vid), empty())


def test_live_migration(admin, uniq):
    a, b = new_host(admin, uniq), new_host(admin, uniq)
    bname = xml(admin.ok("one.host.info", b)).findtext("NAME")
    vid = running_vm(admin, a)
    assert admin.ok("one.vm.migrate", vid, b, True, False, -1, 0) == vid
    doc = wait_phase(admin, vid, RUNNING)
    assert (doc.findtext("PREV_STATE"), doc.findtext("PREV_LCM_STATE")) == ("3", "4")
    src, dst = history(doc)
    assert (hist(src, "SEQ"), hist(dst, "SEQ")) == (0, 1)
    assert (hist(dst, "HID"), dst.findtext("HOSTNAME"), hist(dst, "ETIME")) == (b, bname, 0)
    assert hist(src, "ETIME") > 0 and hist(src, "RETIME") > 0
    assert hist(dst, "ACTION") == A_LIVE_MIGRATE
    assert (share(admin, a), share(admin, b)) == (empty(), holding(vid))
    assert doc.findtext("DEPLOY_ID") == f"one-{vid}"
    # The short document names the new host.
    pool = xml(admin.ok("one.vmpool.info", -2, vid, vid, -1))
    assert pool.findtext("VM/HISTORY_RECORDS/HISTORY/HOSTNAME") == bname
    # And back.
    admin.ok("one.vm.migrate", vid, a, True, False, -1, 0)
    doc = wait_phase(admin, vid, RUNNING)
    assert [hist(h, "HID") for h in history(doc)] == [a, b, a]
    assert (share(admin, a), share(admin, b)) == (holding(vid), empty())


@pytest.mark.parametrize("live,code", [(True, A_LIVE_MIGRATE), (False, A_MIGRATE)])
def test_migration_records_its_action_on_the_source_record(admin, uniq, live, code):
    a, b = new_host(admin, uniq), new_host(admin, uniq)
    vid = running_vm(admin, a)
    admin.ok("one.vm.migrate", vid, b, live, False, -1, 0)
    src, dst = history(wait_phase(admin, vid, RUNNING))
    assert (hist(src, "ACTION"), hist(dst, "ACTION")) == (code, code)


@pytest.mark.parametrize("mtype,prev_lcm", [(0, 35), (1, 2), (2, 2)])
def test_cold_migration(admin, uniq, mtype, prev_lcm):
    """type 0: SAVE_MIGRATE -> PROLOG_MIGRATE -> BOOT_MIGRATE (restore); 1 and 2
    (poweroff, poweroff-hard): the same, booting afresh (BOOT)."""
    a, b = new_host(admin, uniq), new_host(admin, uniq)
    vid = running_vm(admin, a)
    admin.ok("one.vm.migrate", vid, b, False, False, -1, mtype)
    doc = wait_phase(admin, vid, RUNNING)
    assert (doc.findtext("PREV_STATE"), doc.findtext("PREV_LCM_STATE")) == ("3", str(prev_lcm))
    assert [hist(h, "HID") for h in history(doc)] == [a, b]
    assert hist(history(doc)[0], "ETIME") > 0
    assert (share(admin, a), share(admin, b)) == (empty(), holding(vid))


def test_migrating_a_powered_off_vm(admin, uniq):
    a, b = new_host(admin, uniq), new_host(admin, uniq)
    vid = running_vm(admin, a)
    act(admin, "poweroff", vid, POWEROFF)
    # Live migration needs a running guest.
    refused(admin, "one.vm.migrate", vid, b, True, False, -1, 0, what="live-migrate",
            state="POWEROFF")
    admin.ok("one.vm.migrate", vid, b, False, False, -1, 0)
    doc = wait_phase(admin, vid, POWEROFF)
    assert [hist(h, "HID") for h in history(doc)] == [a, b]
    assert (share(admin, a), share(admin, b)) == (empty(), holding(vid))
    act(admin, "resume", vid, RUNNING)
    assert share(admin, b) == holding(vid)


def test_migration_refusals(admin, uniq):
    a, b = new_host(admin, uniq), new_host(admin, uniq)
    vid = running_vm(admin, a)
    code, msg = admin.fail("one.vm.migrate", vid, a, True, False, -1, 0)
    assert (code, msg) == (ACTION, f"[one.vm.migrate] VM is already running on host {a} and "
                                   f"datastore 0.")
    code, msg = admin.fail("one.vm.migrate", vid, b, False, False, -1, 3)
    assert code == RPC_API and "Wrong migration type 3" in msg
    pending = new_vm(admin)
    refused(admin, "one.vm.migrate", pending, b, False, False, -1, 0, what="migrate",
            state="PENDING")
    off = new_host(admin, uniq)
    admin.ok("one.host.status", off, 2)
    assert admin.fail("one.vm.migrate", vid, off, True, False, -1, 0) == \
        (ACTION, f"[one.vm.migrate] Host {off} is offline.")
    assert phase(vm_doc(admin, vid)) == RUNNING and share(admin, a) == holding(vid)


# ---- HISTORY times (reference §7.3: PSTIME/PETIME prolog, ESTIME/EETIME epilog) ----------

def resumed_or_moved(admin, uniq, path):
    """A VM whose newest record was opened by `path`; returns (vid, want)."""
    a, b = new_host(admin, uniq), new_host(admin, uniq)
    vid = running_vm(admin, a)
    if path in ("stop", "undeploy"):
        act(admin, path, vid, STOPPED if path == "stop" else UNDEPLOYED)
        act(admin, "resume", vid, PENDING)
        deploy(admin, vid, b)
        return vid, RUNNING
    if path == "poweroff-migrate":
        act(admin, "poweroff", vid, POWEROFF)
    admin.ok("one.vm.migrate", vid, b, False, False, -1, 0)
    return vid, POWEROFF if path == "poweroff-migrate" else RUNNING


@pytest.mark.parametrize("path", ["stop", "undeploy", "migrate", "poweroff-migrate"])
def test_prolog_end_is_recorded(admin, uniq, path):
    vid, want = resumed_or_moved(admin, uniq, path)
    h = history(wait_phase(admin, vid, want))[-1]
    assert hist(h, "PETIME") >= hist(h, "PSTIME") > 0


@pytest.mark.parametrize("action,want", [("terminate", DONE), ("stop", STOPPED),
                                         ("undeploy", UNDEPLOYED)])
def test_epilog_is_recorded(admin, uniq, action, want):
    vid = running_vm(admin, new_host(admin, uniq))
    [h] = history(act(admin, action, vid, want))
    assert hist(h, "ETIME") >= hist(h, "EETIME") >= hist(h, "ESTIME") > 0


# ---- failures and recover -------------------------------------------------------------------

def test_boot_failure_retry_and_delete(admin, uniq):
    bad = new_host(admin, uniq, DUMMY_FAIL="deploy")
    vid = new_vm(admin)
    doc = deploy(admin, vid, bad, BOOT_FAILURE)
    assert "deploy failure injected" in doc.findtext("USER_TEMPLATE/ERROR")
    # Still placed: it holds the host until recovered.
    assert share(admin, bad) == holding(vid)
    # Retrying while the failure is still injected fails again.
    assert admin.ok("one.vm.recover", vid, 2) == vid
    wait_phase(admin, vid, BOOT_FAILURE)
    # Other recover operations on the way: failure keeps it failed.
    admin.ok("one.vm.recover", vid, 0)
    assert phase(vm_doc(admin, vid)) == BOOT_FAILURE

    doomed = new_vm(admin)
    deploy(admin, doomed, bad, BOOT_FAILURE)
    assert share(admin, bad) == holding(vid, doomed)
    # delete: cleaned up from the host, DONE.
    admin.ok("one.vm.recover", doomed, 3)
    wait_phase(admin, doomed, DONE)
    assert share(admin, bad) == holding(vid)

    # The failure cleared, retry boots it.
    host_without(admin, bad, "DUMMY_FAIL")
    assert xml(admin.ok("one.host.info", bad)).find("TEMPLATE/DUMMY_FAIL") is None
    admin.ok("one.vm.recover", vid, 2)
    doc = wait_phase(admin, vid, RUNNING)
    assert doc.findtext("DEPLOY_ID") == f"one-{vid}"
    assert share(admin, bad) == holding(vid)
    # recover on a VM with nothing to recover answers success.
    admin.ok("one.vm.recover", vid, 1)
    assert phase(vm_doc(admin, vid)) == RUNNING
    code, msg = admin.fail("one.vm.recover", vid, 6)
    assert (code, msg) == (ACTION, "[one.vm.recover] Wrong recover operation 6.")


def test_recover_success_and_recreate(admin, uniq):
    bad = new_host(admin, uniq, DUMMY_FAIL="deploy")
    vid = new_vm(admin)
    deploy(admin, vid, bad, BOOT_FAILURE)
    # success: as if the boot had worked.
    admin.ok("one.vm.recover", vid, 1)
    wait_phase(admin, vid, RUNNING)
    other = new_vm(admin)
    deploy(admin, other, bad, BOOT_FAILURE)
    # delete-recreate: cleaned up, PENDING again with the same id.
    admin.ok("one.vm.recover", other, 4)
    doc = wait_phase(admin, other, PENDING)
    assert doc.findtext("DEPLOY_ID") == ""
    assert share(admin, bad) == holding(vid)
    # delete-db: gone from the pool without any driver call.
    admin.ok("one.vm.recover", other, 5)
    assert admin.fail("one.vm.info", other)[0] == NO_EXISTS


def test_vm_template_failure_injection(admin, uniq):
    hid = new_host(admin, uniq)
    vid = new_vm(admin, f'{VM_TEXT}DUMMY_FAIL="deploy"\n')
    admin.ok("one.vm.deploy", vid, hid, False, -1, "")
    deadline = time.monotonic() + SETTLE
    while phase(doc := vm_doc(admin, vid)) not in (RUNNING, BOOT_FAILURE):
        assert time.monotonic() < deadline, phase(doc)
        time.sleep(0.02)
    assert phase(doc) == BOOT_FAILURE
    assert "deploy failure injected" in doc.findtext("USER_TEMPLATE/ERROR")


def test_shutdown_failure_keeps_the_vm_running(admin, uniq):
    bad = new_host(admin, uniq, DUMMY_FAIL="shutdown")
    vid = running_vm(admin, bad)
    act(admin, "terminate", vid)
    doc = wait_phase(admin, vid, RUNNING)
    assert (doc.findtext("PREV_STATE"), doc.findtext("PREV_LCM_STATE")) == ("3", "12")
    assert "shutdown failure injected" in doc.findtext("USER_TEMPLATE/ERROR")
    assert share(admin, bad) == holding(vid)
    # poweroff and undeploy go through the same shutdown.
    for action in ("poweroff", "undeploy"):
        act(admin, action, vid)
        wait_phase(admin, vid, RUNNING)
    # The hard variant destroys the guest instead.
    act(admin, "terminate-hard", vid, DONE)
    assert share(admin, bad) == empty()


# ---- update, rename, chown, lock -------------------------------------------------------------

def test_update_edits_the_user_template_only(admin):
    vid = admin.ok("one.vm.allocate", f"{VM_TEXT}LABELS=\"a\"\nNOTE=\"n\"\n")
    admin.ok("one.vm.update", vid, 'CPU="8"\nLABELS="b"', 1)
    doc = vm_doc(admin, vid)
    assert doc.findtext("TEMPLATE/CPU") == "0.5"
    assert {e.tag: e.text for e in doc.find("USER_TEMPLATE")} == \
        {"CPU": "8", "LABELS": "b", "NOTE": "n"}
    # Replace (the default type).
    admin.ok("one.vm.update", vid, 'ONLY="1"')
    doc = vm_doc(admin, vid)
    assert {e.tag: e.text for e in doc.find("USER_TEMPLATE")} == {"ONLY": "1"}
    assert {e.tag for e in doc.find("TEMPLATE")} == {"CPU", "MEMORY", "VMID"}
    assert admin.fail("one.vm.update", vid, "X=1", 2) == \
        (RPC_API, "[one.vm.update] Wrong update type")
    assert admin.fail("one.vm.update", vid, "X = [", 1)[0] == INTERNAL
    assert {e.tag for e in vm_doc(admin, vid).find("USER_TEMPLATE")} == {"ONLY"}


def test_rename_chown_chmod_lock(admin, user, uniq):
    uid, s = user
    vid = new_vm(admin)
    admin.ok("one.vm.rename", vid, "a name with spaces")
    assert vm_doc(admin, vid).findtext("NAME") == "a name with spaces"
    # Names need not be unique.
    other = new_vm(admin)
    admin.ok("one.vm.rename", other, "a name with spaces")
    admin.ok("one.vm.chown", vid, uid, 1)
    doc = vm_doc(s, vid)
    assert (doc.findtext("UID"), doc.findtext("GID")) == (str(uid), "1")
    admin.ok("one.vm.chmod", vid, 1, 1, 0, 1, 0, 0, 0, 0, 0)
    assert vm_doc(admin, vid).findtext("PERMISSIONS/GROUP_U") == "1"
    s.ok("one.vm.lock", vid, 2)
    assert vm_doc(admin, vid).findtext("LOCK/LOCKED") == "2"
    code, msg = s.fail("one.vm.action", "terminate", vid)
    assert code == AUTHORIZATION and f"VM is locked. [{vid}]." in msg
    # The short document carries the lock level only.
    short = xml(admin.ok("one.vmpool.info", -2, vid, vid, -1)).find("VM/LOCK")
    assert [e.tag for e in short] == ["LOCKED"] and short.findtext("LOCKED") == "2"
    s.ok("one.vm.unlock", vid)
    act(s, "terminate", vid, DONE)


@pytest.mark.parametrize("level,blocked", [
    (1, {"info": False, "update": True, "poweroff": True, "resched": True, "migrate": True}),
    (2, {"info": False, "update": True, "poweroff": True, "resched": True, "migrate": True}),
    (3, {"info": False, "update": False, "poweroff": False, "resched": True, "migrate": True}),
    (4, {"info": False, "update": True, "poweroff": True, "resched": True, "migrate": True}),
])
def test_lock_levels(admin, uniq, level, blocked):
    """USE (1) and ALL (4) block everything but info, MANAGE (2) the MANAGE
    and ADMIN operations, ADMIN (3) the ADMIN ones (deploy, migrate,
    recover, resched) -- oneadmin included (§2.0)."""
    a, b = new_host(admin, uniq), new_host(admin, uniq)
    vid = running_vm(admin, a)
    admin.ok("one.vm.lock", vid, level)
    calls = {"info": ("one.vm.info", vid), "update": ("one.vm.update", vid, "L=1", 1),
             "resched": ("one.vm.action", "resched", vid),
             "migrate": ("one.vm.migrate", vid, b, True, False, -1, 0),
             "poweroff": ("one.vm.action", "poweroff", vid)}
    for what, call in calls.items():
        r = admin.call(*call)
        if blocked[what]:
            assert r[:3] == [False, f"[{call[0]}] User [0] : VM is locked. [{vid}].",
                             AUTHORIZATION], (what, r)
        else:
            assert r[0] is True, (what, r)
    admin.ok("one.vm.unlock", vid)
    assert vm_doc(admin, vid).find("LOCK") is None


# ---- the pool ------------------------------------------------------------------------------

SHORT_ORDER = ["ID", "UID", "GID", "UNAME", "GNAME", "NAME", "LAST_POLL", "STATE", "LCM_STATE",
               "RESCHED", "STIME", "ETIME", "DEPLOY_ID", "TEMPLATE", "MONITORING",
               "USER_TEMPLATE", "HISTORY_RECORDS"]
SHORT_HISTORY = ["OID", "SEQ", "HOSTNAME", "HID", "CID", "DS_ID", "VM_MAD", "TM_MAD", "ACTION"]


def pool(session, *args, method="one.vmpool.info"):
    root = xml(session.ok(method, *args))
    assert root.tag == "VM_POOL"
    return {int(v.findtext("ID")): v for v in root.findall("VM")}


def test_pool_state_filter(admin, uniq):
    hid = new_host(admin, uniq)
    pend = new_vm(admin)
    held = new_vm(admin, hold=True)
    run = running_vm(admin, hid)
    done = new_vm(admin)
    act(admin, "terminate", done, DONE)
    mine = {pend, held, run, done}

    def listed(state):
        return set(pool(admin, -2, pend, done, state)) & mine

    assert listed(-2) == mine
    assert listed(-1) == {pend, held, run}
    assert listed(6) == {done}
    assert listed(1) == {pend}
    assert listed(2) == {held}
    assert listed(3) == {run}
    assert listed(8) == set()
    for bad in (-3, 12, 100):
        code, msg = admin.fail("one.vmpool.info", -2, -1, -1, bad)
        assert (code, msg) == (RPC_API, "[one.vmpool.info] Incorrect filter_flag for state.")
    # Four or five parameters; a query string needs MySQL.
    assert set(pool(admin, -2, pend, done, -2, "")) & mine == mine
    code, msg = admin.fail("one.vmpool.info", -2, -1, -1, -1, "VM.NAME=x")
    assert code == INTERNAL and "MySQL" in msg
    assert admin.fail("one.vmpool.info", -5, -1, -1, -1)[0] == RPC_API
    # DONE VMs still answer info.
    assert phase(vm_doc(admin, done)) == DONE
    # Pages: offset and -size, in the listing's order (descending ids).
    assert list(pool(admin, -2, 0, -2, -2)) == sorted(pool(admin, -2, -1, -1, -2),
                                                      reverse=True)[:2]


def test_short_and_extended_documents(admin, uniq):
    hid = new_host(admin, uniq)
    vid = admin.ok("one.vm.allocate", f'{VM_TEXT}VCPU=2\nLABELS="l"\nNOTE="hidden"\n'
                                       f'SCHED_REQUIREMENTS="ID=1"\n')
    deploy(admin, vid, hid)
    short = pool(admin, -2, vid, vid, -1)[vid]
    assert [e.tag for e in short] == SHORT_ORDER
    assert short.find("PERMISSIONS") is None and short.find("PREV_STATE") is None
    assert [e.tag for e in short.find("TEMPLATE")] == ["CPU", "MEMORY", "VCPU"]
    # USER_TEMPLATE keeps the subset the clients read.
    assert {e.tag for e in short.find("USER_TEMPLATE")} == {"LABELS", "SCHED_REQUIREMENTS"}
    [h] = short.findall("HISTORY_RECORDS/HISTORY")
    assert [e.tag for e in h] == SHORT_HISTORY
    assert (h.findtext("HID"), h.findtext("VM_MAD")) == (str(hid), "dummy")

    text = admin.ok("one.vm.info", vid)
    ext = admin.ok("one.vmpool.infoextended", -2, vid, vid, -1)
    assert ext == f"<VM_POOL>{text}</VM_POOL>"
    full = pool(admin, -2, vid, vid, -1, method="one.vmpool.infoextended")[vid]
    assert full.find("PERMISSIONS") is not None
    assert full.findtext("USER_TEMPLATE/NOTE") == "hidden"
    assert full.find("HISTORY_RECORDS/HISTORY/RSTIME") is not None


def test_pool_follows_every_change_of_what_it_shows(admin, uniq):
    """Listings keep each VM's short document; nothing it shows may be stale:
    the VM's own changes, and the names of its owner and group, which go
    when they are deleted."""
    gname, uname = uniq("vmgrp"), uniq("vmowner")
    gid = admin.ok("one.group.allocate", gname)
    uid = admin.ok("one.user.allocate", uname, PW, "core", [])
    hid = new_host(admin, uniq)
    vid = new_vm(admin)
    admin.ok("one.vm.chown", vid, uid, gid)

    def short():
        return pool(admin, -2, vid, vid, -1)[vid]

    def names(doc):
        return doc.findtext("UNAME"), doc.findtext("GNAME")

    assert short().findtext("STATE") == "1"
    assert names(short()) == (uname, gname)
    deploy(admin, vid, hid)
    assert short().findtext("LCM_STATE") == "3"
    admin.ok("one.vm.rename", vid, "renamed-vm")
    admin.ok("one.vm.lock", vid, 1, False)
    s = short()
    assert (s.findtext("NAME"), s.findtext("LOCK/LOCKED")) == ("renamed-vm", "1")
    admin.ok("one.vm.unlock", vid)
    assert short().find("LOCK") is None
    admin.ok("one.user.delete", uid)
    admin.ok("one.group.delete", gid)
    assert names(short()) == names(vm_doc(admin, vid)) != (uname, gname)
    admin.ok("one.vm.chown", vid, 0, 0)
    assert names(short()) == ("oneadmin", "oneadmin")


def test_pool_visibility(oned, admin, user, uniq):
    uid, s = user
    mine = new_vm(s)
    admins = new_vm(admin)
    seen = set(pool(s, -2, -1, -1, -1))
    assert mine in seen and admins not in seen
    assert s.fail("one.vm.info", admins)[0] == AUTHORIZATION
    # -3: the caller's own.
    assert set(pool(admin, -3, -1, -1, -1)) >= {admins}
    assert mine not in pool(admin, -3, -1, -1, -1)
    assert set(pool(s, uid, -1, -1, -1)) == set(pool(s, -3, -1, -1, -1))


# ---- restarts ------------------------------------------------------------------------------

def test_steps_in_flight_resume_after_kill9(make_oned):
    """A deploy whose driver step was running when oned was killed is run
    again at start-up (its pending step is stored with the VM)."""
    d = make_oned()
    a = d.admin
    slow = a.ok("one.host.allocate", "slow", "dummy", "dummy", -1)
    a.ok("one.host.update", slow, 'DUMMY_DELAY_MS="3000"', 1)
    vid = a.ok("one.vm.allocate", VM_TEXT, False)
    a.ok("one.vm.deploy", vid, slow, False, -1, "")
    wait_phase(a, vid, BOOT)
    d.kill9()
    d.start()
    a = d.admin
    doc = vm_doc(a, vid)
    assert phase(doc) in (BOOT, RUNNING)
    doc = wait_phase(a, vid, RUNNING, timeout=20)
    assert doc.findtext("DEPLOY_ID") == f"one-{vid}"
    [h] = history(doc)
    assert hist(h, "SEQ") == 0 and hist(h, "HID") == slow
    # Charged once, not once per attempt.
    assert share(a, slow) == holding(vid)


def test_kill9_during_prolog_of_a_resumed_vm(make_oned):
    """The same for the last step of a longer chain: stop, resume, deploy."""
    d = make_oned()
    a = d.admin
    h = a.ok("one.host.allocate", "h", "dummy", "dummy", -1)
    vid = a.ok("one.vm.allocate", VM_TEXT, False)
    deploy(a, vid, h)
    act(a, "stop", vid, STOPPED)
    act(a, "resume", vid, PENDING)
    a.ok("one.host.update", h, 'DUMMY_DELAY_MS="3000"', 1)
    a.ok("one.vm.deploy", vid, h, False, -1, "")
    wait_phase(a, vid, (3, 22))         # BOOT_STOPPED: restoring
    d.kill9()
    d.start()
    doc = wait_phase(d.admin, vid, RUNNING, timeout=20)
    assert len(history(doc)) == 2
    assert share(d.admin, h) == holding(vid)


def host_sampled_at(admin, hid):
    """MONITORING/TIMESTAMP of the host's last sample (0: never)."""
    return int(xml(admin.ok("one.host.info", hid)).findtext("MONITORING/TIMESTAMP") or 0)


def wait_sample_after(admin, hid, t, timeout=SETTLE):
    deadline = time.monotonic() + timeout
    while host_sampled_at(admin, hid) <= t:
        assert time.monotonic() < deadline, f"host {hid} not sampled since {t}"
        time.sleep(0.05)


def test_restart_keeps_vms_as_they_were(make_oned):
    d = make_oned()
    a = d.admin
    h = a.ok("one.host.allocate", "h", "dummy", "dummy", -1)
    run = a.ok("one.vm.allocate", VM_TEXT, False)
    deploy(a, run, h)
    off = a.ok("one.vm.allocate", VM_TEXT, False)
    deploy(a, off, h)
    act(a, "poweroff", off, POWEROFF)
    pend = a.ok("one.vm.allocate", VM_TEXT, False)
    # Offline: not sampled, so this is about what the store brings back
    # (the next test: what the first sample then does).
    a.ok("one.host.status", h, 2)
    before = {v: a.ok("one.vm.info", v) for v in (run, off, pend)}
    d.restart()
    a = d.admin
    for v, text in before.items():
        assert a.ok("one.vm.info", v) == text
    assert share(a, h) == holding(off, run)
    act(a, "terminate", run, DONE)
    assert share(a, h) == holding(off)


def test_restart_keeps_running_vms_running_after_the_next_sample(make_oned):
    d = make_oned()
    a = d.admin
    h = a.ok("one.host.allocate", "h", "dummy", "dummy", -1)
    run = a.ok("one.vm.allocate", VM_TEXT, False)
    deploy(a, run, h)
    sampled = host_sampled_at(a, h)
    while int(time.time()) <= sampled:      # a later sample has a later timestamp
        time.sleep(0.05)
    d.restart()
    a = d.admin
    wait_sample_after(a, h, sampled)
    assert phase(vm_doc(a, run)) == RUNNING
    assert share(a, h) == holding(run)
