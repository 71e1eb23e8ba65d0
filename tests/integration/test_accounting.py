"""Accounting and showback over XML-RPC (reference §2.10, §10.2, §10.3):
one.vmpool.accounting returns the HISTORY records of the VMs a listing with
the same filter shows (DONE ones too), each with its VM, for the records
overlapping [t_start, t_end]; one.vmpool.calculateshowback (oneadmin group
only) stores per-VM per-month costs that one.vmpool.showback lists, by the
formula of §10.3 over the records' own times, replaced on recalculation and
kept across restarts.

Hosts use the dummy drivers, so placements take effect at once; a test that
needs hours > 0 waits a little over a second between deploy and terminate.
"""

import time

import pytest

from harness import AUTHORIZATION, RPC_API, xml
from test_vms import (DONE, RUNNING, act, deploy, history, hist, new_host, new_vm,
                      running_vm, wait_phase)

PW = "pw"
COSTS = 'CPU_COST="2"\nMEMORY_COST="0.01"\nDISK_COST="0.001"\n'
PRICED = "CPU=0.5\nMEMORY=64\n" + COSTS + 'DISK=[TYPE="fs",SIZE="100"]\n'


# ---- helpers -------------------------------------------------------------------

def accounting(session, flt=-2, t0=-1, t1=-1):
    return xml(session.ok("one.vmpool.accounting", flt, t0, t1)).findall("HISTORY")


def records_of(recs, vid):
    """(SEQ, HID) of the records of VM vid, in document order."""
    return [(hist(r, "SEQ"), hist(r, "HID")) for r in recs if hist(r, "OID") == vid]


def showback(session, vid=None, flt=-2, start=(-1, -1), end=(-1, -1)):
    doc = xml(session.ok("one.vmpool.showback", flt, *start, *end))
    return [r for r in doc.findall("SHOWBACK") if vid is None or int(r.findtext("VMID")) == vid]


def calculate(session, start=(-1, -1), end=(-1, -1)):
    assert session.ok("one.vmpool.calculateshowback", *start, *end) == ""


def num(rec, field):
    return float(rec.findtext(field))


def close(a, b):
    return abs(a - b) <= 1e-9 + 1e-6 * abs(b)


@pytest.fixture(scope="module")
def user(oned, admin, uniq):
    name = uniq("acctuser")
    uid = admin.ok("one.user.allocate", name, PW, "core", [])
    return uid, oned.proxy(name, PW)


# ---- accounting ------------------------------------------------------------------

def test_deployed_migrated_and_terminated_vms_have_their_records(admin, uniq):
    a, b = new_host(admin, uniq), new_host(admin, uniq)
    moved = running_vm(admin, a)
    admin.ok("one.vm.migrate", moved, b, True, False, -1, 0)
    wait_phase(admin, moved, RUNNING)
    act(admin, "terminate", moved, DONE)
    staying = running_vm(admin, a)
    never = new_vm(admin)

    recs = accounting(admin)
    assert records_of(recs, moved) == [(0, a), (1, b)]
    assert records_of(recs, staying) == [(0, a)]
    assert records_of(recs, never) == []
    for r in recs:
        if hist(r, "OID") == moved:
            # Closed records, each carrying its VM (DONE) without history.
            assert 0 < hist(r, "STIME") <= hist(r, "ETIME")
            vm = r.find("VM")
            assert (int(vm.findtext("ID")), int(vm.findtext("STATE"))) == (moved, DONE[0])
            assert vm.find("HISTORY_RECORDS") is not None and not len(vm.find("HISTORY_RECORDS"))
            assert vm.findtext("TEMPLATE/MEMORY") == "64"
    # The same records as one.vm.info's.
    info = {hist(h, "SEQ"): hist(h, "STIME") for h in history(wait_phase(admin, moved, DONE))}
    got = {hist(r, "SEQ"): hist(r, "STIME") for r in recs if hist(r, "OID") == moved}
    assert got == info


def test_interval_selects_overlapping_records(admin, uniq):
    a, b = new_host(admin, uniq), new_host(admin, uniq)
    done = running_vm(admin, a)
    admin.ok("one.vm.migrate", done, b, False, False, -1, 0)
    wait_phase(admin, done, RUNNING)
    act(admin, "terminate", done, DONE)
    live = running_vm(admin, b)
    recs = [r for r in accounting(admin) if hist(r, "OID") in (done, live)]
    first = min(hist(r, "STIME") for r in recs)
    last_end = max(hist(r, "ETIME") for r in recs)

    # Everything that ends after t_start and starts before t_end.
    inside = accounting(admin, -2, first - 1, last_end + 1)
    assert len(records_of(inside, done)) == 2 and len(records_of(inside, live)) == 1
    # Nothing of theirs started before their first STIME.
    assert records_of(accounting(admin, -2, -1, first), done) == []
    assert records_of(accounting(admin, -2, -1, first), live) == []
    # Long after they ended, only the open record is left.
    later = accounting(admin, -2, int(time.time()) + 3600, -1)
    assert records_of(later, done) == [] and records_of(later, live) == [(0, b)]
    # Every record returned for an interval overlaps it.
    t0, t1 = first, last_end + 1
    for r in accounting(admin, -2, t0, t1):
        assert hist(r, "STIME") < t1 and (hist(r, "ETIME") == 0 or hist(r, "ETIME") > t0)


def test_users_see_only_their_vms_records(admin, user, uniq):
    uid, s = user
    h = new_host(admin, uniq)
    mine = new_vm(s)
    deploy(admin, mine, h)
    act(s, "terminate", mine, DONE)
    theirs = running_vm(admin, h)

    for flt in (-2, -1, -3, uid):
        recs = accounting(s, flt)
        assert records_of(recs, mine) == [(0, h)], flt
        assert {int(r.findtext("VM/UID")) for r in recs} == {uid}, flt
    assert records_of(accounting(admin), theirs) == [(0, h)]
    assert records_of(accounting(admin, -3), mine) == []
    code, msg = s.fail("one.vmpool.accounting", -5, -1, -1)
    assert code == RPC_API and "Incorrect filter_flag" in msg


# ---- showback --------------------------------------------------------------------

def test_calculateshowback_is_for_the_oneadmin_group(user):
    uid, s = user
    code, msg = s.fail("one.vmpool.calculateshowback", -1, -1, -1, -1)
    assert (code, msg) == (AUTHORIZATION, f"[one.vmpool.calculateshowback] User [{uid}] : "
                                          "Action reserved for group 0 only.")


def test_showback_costs_follow_the_formula(admin, uniq):
    h = new_host(admin, uniq)
    vid = new_vm(admin, PRICED)
    deploy(admin, vid, h)
    time.sleep(1.2)
    act(admin, "terminate", vid, DONE)
    calculate(admin)

    (rec,) = showback(admin, vid)
    (h0,) = [r for r in accounting(admin) if hist(r, "OID") == vid]
    hours = (hist(h0, "ETIME") - hist(h0, "STIME")) / 3600
    rhours = (hist(h0, "RETIME") - hist(h0, "RSTIME")) / 3600
    assert hours > 0
    start = time.gmtime(hist(h0, "STIME"))
    assert (int(rec.findtext("YEAR")), int(rec.findtext("MONTH"))) == (start.tm_year, start.tm_mon)
    assert rec.findtext("VMNAME") == xml(admin.ok("one.vm.info", vid)).findtext("NAME")
    assert (rec.findtext("UID"), rec.findtext("UNAME")) == ("0", "oneadmin")
    assert close(num(rec, "HOURS"), hours)
    assert close(num(rec, "RHOURS"), rhours)
    assert close(num(rec, "CPU_COST"), 2 * 0.5 * hours)
    assert close(num(rec, "MEMORY_COST"), 0.01 * 64 * hours)
    assert close(num(rec, "DISK_COST"), 0.001 * 100 * hours)
    assert close(num(rec, "TOTAL_COST"),
                 num(rec, "CPU_COST") + num(rec, "MEMORY_COST") + num(rec, "DISK_COST"))

    # Recalculating replaces the month's records, never duplicates them.
    calculate(admin)
    calculate(admin, (start.tm_mon, start.tm_year), (start.tm_mon, start.tm_year))
    assert len(showback(admin, vid)) == 1
    # The month range of the listing.
    month = (start.tm_mon, start.tm_year)
    assert len(showback(admin, vid, start=month, end=month)) == 1
    nxt = (1, start.tm_year + 1) if start.tm_mon == 12 else (start.tm_mon + 1, start.tm_year)
    assert showback(admin, vid, start=nxt) == []


def test_showback_visibility_and_bad_months(admin, user, uniq):
    uid, s = user
    h = new_host(admin, uniq)
    mine = new_vm(s, PRICED)
    deploy(admin, mine, h)
    theirs = running_vm(admin, h)
    time.sleep(1.1)
    calculate(admin)
    assert len(showback(s, mine)) == 1
    assert showback(s, theirs) == []
    assert {int(r.findtext("UID")) for r in showback(s)} == {uid}
    assert len(showback(admin, theirs)) == 1
    # A running VM counts up to the calculation.
    assert num(showback(s, mine)[0], "HOURS") > 0
    for args in ((-2, 13, 2026, -1, -1), (-2, 0, 2026, -1, -1), (-2, 1, 2026, 5, 1900)):
        code, msg = admin.fail("one.vmpool.showback", *args)
        assert code == RPC_API and "Incorrect month" in msg, msg
    code, msg = admin.fail("one.vmpool.calculateshowback", 5, 2026, 4, 2026)
    assert code == RPC_API and "after the end month" in msg


def test_showback_survives_a_restart(make_oned):
    d = make_oned(conf={"DEFAULT_COST": {"CPU_COST": "3", "MEMORY_COST": "0",
                                         "DISK_COST": "0"}})
    a = d.admin
    h = a.ok("one.host.allocate", "h1", "dummy", "dummy", -1)
    vid = a.ok("one.vm.allocate", "CPU=1\nMEMORY=64\n", False)
    deploy(a, vid, h)
    time.sleep(1.1)
    act(a, "terminate", vid, DONE)
    calculate(a)
    before = showback(a, vid)
    (h0,) = history(xml(a.ok("one.vm.info", vid)))
    hours = (hist(h0, "ETIME") - hist(h0, "STIME")) / 3600
    # No cost in the template: oned.conf's DEFAULT_COST.
    assert close(num(before[0], "CPU_COST"), 3 * 1 * hours)
    d.restart()
    after = showback(d.admin, vid)
    assert [xml_text(r) for r in after] == [xml_text(r) for r in before]


def test_showback_only_running(make_oned):
    """CPU and memory over the running hours: a slow deploy (the dummy
    driver's DUMMY_DELAY_MS) is on the host but not yet running."""
    d = make_oned(conf={"SHOWBACK_ONLY_RUNNING": "YES"})
    a = d.admin
    h = a.ok("one.host.allocate", "h1", "dummy", "dummy", -1)
    a.ok("one.host.update", h, 'DUMMY_DELAY_MS="1500"\n', 1)
    vid = a.ok("one.vm.allocate", "CPU=1\nMEMORY=10\n" + COSTS, False)
    deploy(a, vid, h)
    act(a, "terminate", vid, DONE)
    calculate(a)
    (rec,) = showback(a, vid)
    (h0,) = history(xml(a.ok("one.vm.info", vid)))
    rhours = (hist(h0, "RETIME") - hist(h0, "RSTIME")) / 3600
    hours = (hist(h0, "ETIME") - hist(h0, "STIME")) / 3600
    assert hours > rhours
    assert close(num(rec, "CPU_COST"), 2 * 1 * rhours)
    assert close(num(rec, "MEMORY_COST"), 0.01 * 10 * rhours)
    assert close(num(rec, "HOURS"), hours)
    assert close(num(rec, "RHOURS"), rhours)


def xml_text(elem):
    return [(c.tag, c.text) for c in elem]


def test_instantiate_keeps_the_template_costs(admin, uniq):
    """CPU_COST, MEMORY_COST and DISK_COST go to the VM's TEMPLATE (what
    showback reads), not to its USER_TEMPLATE."""
    tid = admin.ok("one.template.allocate", f'NAME="{uniq("priced")}"\n' + PRICED)
    vid = admin.ok("one.template.instantiate", tid, "", False, "", False)
    doc = xml(admin.ok("one.vm.info", vid))
    assert [doc.findtext(f"TEMPLATE/{k}") for k in ("CPU_COST", "MEMORY_COST", "DISK_COST")] \
        == ["2", "0.01", "0.001"]
    assert doc.find("USER_TEMPLATE/CPU_COST") is None
