"""onevm, and onetemplate instantiate, against a real oned (docs/cli.md,
client-contract §1): the calls each command makes, the list table and the
show sheet, and actions that succeed (exit 0) or that oned refuses (exit 255
with oned's message).

A small recording proxy sits between the CLI and oned where a test checks
the exact XML-RPC calls (method and parameters after the session string).
"""

import http.client
import http.server
import json
import re
import threading
import time
import xml.etree.ElementTree as ET
import xmlrpc.client

import pytest

from harness import free_port, xml
# cli_built is an autouse fixture: importing it applies it here too.
from test_cli_tenancy import (cli_built, created_id, fails, field, ok,  # noqa: F401
                              section, table)

PW = "pw"
VM_TEXT = "CPU=0.5\nMEMORY=64\n"
HEADER = ["ID", "USER", "GROUP", "NAME", "STAT", "UCPU", "UMEM", "HOST", "TIME"]


# ---- helpers ----------------------------------------------------------------------

class Recorder:
    """An HTTP proxy to oned that records each call as (method, params
    without the session)."""

    def __init__(self, target_port):
        self.calls = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                params, method = xmlrpc.client.loads(body)
                recorder.calls.append((method, params[1:]))
                conn = http.client.HTTPConnection("127.0.0.1", target_port, timeout=30)
                conn.request("POST", "/RPC2", body, {"Content-Type": "text/xml"})
                r = conn.getresponse()
                data = r.read()
                conn.close()
                self.send_response(r.status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/RPC2"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def take(self):
        calls, self.calls = self.calls, []
        return calls

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def rec(oned):
    r = Recorder(oned.port)
    yield r
    r.close()


def traced(oned, rec, *argv, **kw):
    """Run a command through the recorder: (stdout, calls)."""
    rec.take()
    out = ok(oned, *argv, endpoint=rec.url, **kw)
    return out, rec.take()


def vm_doc(admin, vid):
    return xml(admin.ok("one.vm.info", vid))


def phase(admin, vid):
    doc = vm_doc(admin, vid)
    return int(doc.findtext("STATE")), int(doc.findtext("LCM_STATE"))


def wait_phase(admin, vid, want, timeout=15.0):
    deadline = time.monotonic() + timeout
    while phase(admin, vid) != want:
        assert time.monotonic() < deadline, f"VM {vid}: {phase(admin, vid)}, expected {want}"
        time.sleep(0.02)


def new_host(admin, uniq, **attrs):
    name = uniq("vmhost")
    hid = admin.ok("one.host.allocate", name, "dummy", "dummy", -1)
    if attrs:
        admin.ok("one.host.update", hid, "".join(f'{k}="{v}"\n' for k, v in attrs.items()), 1)
    return hid, name


def new_vm(admin, name=None, hold=False):
    return admin.ok("one.vm.allocate", (f'NAME="{name}"\n' if name else "") + VM_TEXT, hold)


def running(admin, hid):
    vid = new_vm(admin)
    admin.ok("one.vm.deploy", vid, hid, False, -1, "")
    wait_phase(admin, vid, (3, 3))
    return vid


def vm_row(out, vid):
    """The `onevm list` row of vid as a dict (HOST "" when empty)."""
    for r in table(out)[1]:
        if r[0] == str(vid):
            assert len(r) in (9, 10), r     # TIME is "0d 00h00m": two words
            host = r[7] if len(r) == 10 else ""
            return dict(zip(HEADER, r[:7] + [host, " ".join(r[-2:])]))
    return None


@pytest.fixture(scope="module")
def template(admin, uniq):
    name = uniq("clitpl")
    return admin.ok("one.template.allocate", f'NAME="{name}"\n{VM_TEXT}LABELS="cli"\n'), name


# ---- onetemplate instantiate --------------------------------------------------------------

def test_instantiate_calls_and_output(oned, admin, rec, template):
    tid, tname = template
    out, calls = traced(oned, rec, "onetemplate", "instantiate", str(tid))
    vid = created_id(out, "VM ID")
    assert calls == [("one.template.info", (tid, False, False)),
                     ("one.template.instantiate", (tid, "", False, "", False))]
    doc = vm_doc(admin, vid)
    assert doc.findtext("NAME") == f"{tname}-{vid}" and doc.findtext("STATE") == "1"

    out, calls = traced(oned, rec, "onetemplate", "instantiate", tname, "--name", "my vm",
                        "--hold")
    vid = created_id(out, "VM ID")
    assert calls[-2:] == [("one.template.info", (tid, False, False)),
                          ("one.template.instantiate",
                           (tid, "my vm", True, 'NAME="my vm"\n', False))]
    doc = vm_doc(admin, vid)
    assert (doc.findtext("NAME"), doc.findtext("STATE")) == ("my vm", "2")


def test_instantiate_multiple(oned, admin, rec, template):
    tid, _ = template
    out, calls = traced(oned, rec, "onetemplate", "instantiate", str(tid), "--multiple", "3",
                        "--name", "web-%i")
    vids = [int(v) for v in re.findall(r"^VM ID: (\d+)$", out, re.M)]
    assert len(vids) == 3 and out == "".join(f"VM ID: {v}\n" for v in vids)
    assert [vm_doc(admin, v).findtext("NAME") for v in vids] == ["web-0", "web-1", "web-2"]
    # The pair of calls, once per VM.
    assert [m for m, _ in calls] == ["one.template.info", "one.template.instantiate"] * 3


def test_instantiate_errors(oned, admin, uniq):
    assert "VMTEMPLATE named nosuch not found." in fails(oned, "onetemplate", "instantiate",
                                                          "nosuch")
    err = fails(oned, "onetemplate", "instantiate", "99999")
    assert "[one.template.info] Error getting virtual machine template [99999]." in err
    bad = admin.ok("one.template.allocate", f'NAME="{uniq("nomem")}"\nCPU=1\n')
    err = fails(oned, "onetemplate", "instantiate", str(bad))
    assert "[one.template.instantiate] VM template: MEMORY attribute must be a positive " \
           "integer value." in err
    assert "expects an integer" in fails(oned, "onetemplate", "instantiate", str(bad),
                                         "--multiple", "x")
    # A user without the template's USE.
    user = uniq("tiuser")
    ok(oned, "oneuser", "create", user, PW)
    err = fails(oned, "onetemplate", "instantiate", str(bad), auth=f"{user}:{PW}")
    assert "Not authorized to perform USE TEMPLATE" in err


# ---- onevm create, list, show -----------------------------------------------------------------

def test_create(oned, admin, rec, tmp_path, uniq):
    f = tmp_path / "vm.tmpl"
    text = f'NAME="{uniq("created")}"\n{VM_TEXT}'
    f.write_text(text)
    out, calls = traced(oned, rec, "onevm", "create", str(f))
    vid = created_id(out)
    assert calls == [("one.vm.allocate", (text, False))]
    assert vm_doc(admin, vid).findtext("STATE") == "1"
    vid = created_id(ok(oned, "onevm", "create", "-", "--hold", input=VM_TEXT))
    assert vm_doc(admin, vid).findtext("STATE") == "2"
    err = fails(oned, "onevm", "create", "-", input="CPU=1\n")
    assert "[one.vm.allocate] VM template: MEMORY attribute must be a positive integer " \
           "value." in err
    assert "Cannot read" in fails(oned, "onevm", "create", str(tmp_path / "none"))


def test_list_columns_and_states(oned, admin, uniq):
    hid, hname = new_host(admin, uniq)
    pend = new_vm(admin, uniq("pend"))
    held = new_vm(admin, uniq("held"), hold=True)
    run = running(admin, hid)
    off = running(admin, hid)
    admin.ok("one.vm.action", "poweroff", off)
    wait_phase(admin, off, (8, 0))
    done = new_vm(admin)
    admin.ok("one.vm.action", "terminate", done)

    out = ok(oned, "onevm", "list")
    assert table(out)[0] == HEADER
    ids = [int(r[0]) for r in table(out)[1]]
    assert ids == sorted(ids, reverse=True)
    assert vm_row(out, done) is None           # DONE VMs are not listed
    row = vm_row(out, pend)
    assert row["USER"] == "oneadmin" and row["GROUP"] == "oneadmin"
    assert (row["STAT"], row["UCPU"], row["UMEM"], row["HOST"]) == ("pend", "0", "0K", "")
    assert re.fullmatch(r"\d+d \d\dh\d\dm", row["TIME"]), row
    assert vm_row(out, held)["STAT"] == "hold"
    assert (vm_row(out, run)["STAT"], vm_row(out, run)["HOST"]) == ("runn", hname)
    # A powered off VM keeps its host.
    assert (vm_row(out, off)["STAT"], vm_row(out, off)["HOST"]) == ("poff", hname)
    assert vm_row(out, run)["NAME"] == f"one-{run}"

    pool = ET.fromstring(ok(oned, "onevm", "list", "-x"))
    assert pool.tag == "VM_POOL"
    assert {int(v.findtext("ID")) for v in pool.findall("VM")} >= {pend, held, run, off}
    got = json.loads(ok(oned, "onevm", "list", "-j"))["VM_POOL"]["VM"]
    assert str(run) in {v["ID"] for v in got}


def test_list_pages_through_the_pool(oned, admin, rec):
    for _ in range(5):
        new_vm(admin)
    whole, calls = traced(oned, rec, "onevm", "list", env={"ONE_POOL_PAGE_SIZE": "no"})
    assert calls == [("one.vmpool.info", (-2, -1, -1, -1, ""))]
    n = len(table(whole)[1])
    assert n >= 5
    # Pages of 2 (OpenNebula's Pool#info_paginated): offset, -size, state -1,
    # until a short page.
    paged, calls = traced(oned, rec, "onevm", "list", env={"ONE_POOL_PAGE_SIZE": "2"})
    assert calls == [("one.vmpool.info", (-2, 2 * i, -2, -1)) for i in range(n // 2 + 1)]
    strip = re.compile(r"\d+d \d\dh\d\dm$")     # TIME may tick between the two runs
    assert [strip.sub("", line) for line in paged.splitlines()] == \
        [strip.sub("", line) for line in whole.splitlines()]
    # The default page is 200 VMs: one call here.
    _, calls = traced(oned, rec, "onevm", "list")
    assert calls == [("one.vmpool.info", (-2, 0, -200, -1))]


def test_list_shows_what_the_user_may_see(oned, admin, uniq):
    user = uniq("vmlister")
    ok(oned, "oneuser", "create", user, PW)
    auth = f"{user}:{PW}"
    mine = created_id(ok(oned, "onevm", "create", "-", input=VM_TEXT, auth=auth))
    hidden = new_vm(admin)
    out = ok(oned, "onevm", "list", auth=auth)
    assert vm_row(out, mine)["USER"] == user and vm_row(out, mine)["GROUP"] == "users"
    assert vm_row(out, hidden) is None
    assert "Not authorized to perform USE VM" in fails(oned, "onevm", "show", str(hidden),
                                                       auth=auth)


def test_show(oned, admin, uniq):
    hid, hname = new_host(admin, uniq)
    name = uniq("shown")
    vid = new_vm(admin, name)
    admin.ok("one.vm.update", vid, 'NOTE="a \\"quoted\\" note"', 1)

    out = ok(oned, "onevm", "show", str(vid))
    assert out.startswith(f"VIRTUAL MACHINE {vid} INFORMATION\n")
    assert field(out, "ID") == str(vid) and field(out, "NAME") == name
    assert (field(out, "USER"), field(out, "GROUP")) == ("oneadmin", "oneadmin")
    assert (field(out, "STATE"), field(out, "LCM_STATE")) == ("PENDING", "LCM_INIT")
    assert (field(out, "LOCK"), field(out, "RESCHED")) == ("None", "No")
    assert field(out, "HOST") is None and field(out, "CLUSTER ID") is None
    assert (field(out, "END TIME"), field(out, "DEPLOY ID")) == ("-", "-")
    assert re.fullmatch(r"\d\d/\d\d \d\d:\d\d:\d\d", field(out, "START TIME"))
    assert section(out, "PERMISSIONS") == ["OWNER            : um-", "GROUP            : ---",
                                           "OTHER            : ---"]
    assert "VIRTUAL MACHINE HISTORY" not in out
    assert section(out, "USER TEMPLATE") == ['NOTE="a \\"quoted\\" note"']
    assert section(out, "VIRTUAL MACHINE TEMPLATE") == ['CPU="0.5"', 'MEMORY="64"',
                                                        f'VMID="{vid}"']

    admin.ok("one.vm.deploy", vid, hid, False, -1, "")
    wait_phase(admin, vid, (3, 3))
    out = ok(oned, "onevm", "show", name)
    assert (field(out, "STATE"), field(out, "LCM_STATE")) == ("ACTIVE", "RUNNING")
    assert (field(out, "HOST"), field(out, "CLUSTER ID")) == (hname, "0")
    assert field(out, "DEPLOY ID") == f"one-{vid}"
    hist = section(out, "VIRTUAL MACHINE HISTORY")
    assert hist[0].split() == ["SEQ", "UID", "REQ", "HOST", "ACTION", "DS", "START", "TIME",
                               "PROLOG"]
    cells = hist[1].split()
    assert cells[:6] == ["0", "-", "-", hname, "deploy", "0"], cells
    assert re.fullmatch(r"\d+h\d\dm\d\ds", cells[-1]), cells

    doc = ET.fromstring(ok(oned, "onevm", "show", str(vid), "-x"))
    assert doc.tag == "VM" and doc.findtext("DEPLOY_ID") == f"one-{vid}"
    got = json.loads(ok(oned, "onevm", "show", str(vid), "-j"))["VM"]
    assert got["TEMPLATE"]["CPU"] == "0.5"
    assert "VM named nosuch not found." in fails(oned, "onevm", "show", "nosuch")
    assert "[one.vm.info] Error getting virtual machine [99999]." in \
        fails(oned, "onevm", "show", "99999")


def test_show_terminated_vm(oned, admin, uniq):
    hid, hname = new_host(admin, uniq)
    vid = running(admin, hid)
    admin.ok("one.vm.action", "terminate", vid)
    wait_phase(admin, vid, (6, 0))
    out = ok(oned, "onevm", "show", str(vid))
    assert (field(out, "STATE"), field(out, "HOST")) == ("DONE", None)
    assert re.fullmatch(r"\d\d/\d\d \d\d:\d\d:\d\d", field(out, "END TIME"))
    assert section(out, "VIRTUAL MACHINE HISTORY")[1].split()[4] == "terminate"


# ---- actions ---------------------------------------------------------------------------------

def test_deploy_calls(oned, admin, rec, uniq):
    hid, hname = new_host(admin, uniq)
    vid = new_vm(admin)
    _, calls = traced(oned, rec, "onevm", "deploy", str(vid), hname)
    assert calls == [("one.hostpool.info", ()), ("one.vm.info", (vid, False)),
                     ("one.vm.deploy", (vid, hid, False, -1, ""))]
    wait_phase(admin, vid, (3, 3))
    # Several VMs, a datastore, --enforce.
    a, b = new_vm(admin), new_vm(admin)
    _, calls = traced(oned, rec, "onevm", "deploy", f"{a},{b}", str(hid), "0", "--enforce")
    assert [c for c in calls if c[0] == "one.vm.deploy"] == \
        [("one.vm.deploy", (a, hid, True, 0, "")), ("one.vm.deploy", (b, hid, True, 0, ""))]
    for v in (a, b):
        wait_phase(admin, v, (3, 3))
    err = fails(oned, "onevm", "deploy", str(vid), str(hid))
    assert "[one.vm.deploy] deploy action is not available for state RUNNING." in err
    assert "HOST named nosuch not found." in fails(oned, "onevm", "deploy", str(vid), "nosuch")


@pytest.mark.parametrize("argv,call", [
    (["poweroff"], ("one.vm.action", "poweroff")),
    (["poweroff", "--hard"], ("one.vm.action", "poweroff-hard")),
    (["terminate", "--hard"], ("one.vm.action", "terminate-hard")),
    (["undeploy", "--hard"], ("one.vm.action", "undeploy-hard")),
    (["reboot", "--hard"], ("one.vm.action", "reboot-hard")),
    (["reboot"], ("one.vm.action", "reboot")),
    (["suspend"], ("one.vm.action", "suspend")),
    (["stop"], ("one.vm.action", "stop")),
    (["resched"], ("one.vm.action", "resched")),
    (["unresched"], ("one.vm.action", "unresched")),
    (["terminate"], ("one.vm.action", "terminate")),
    (["undeploy"], ("one.vm.action", "undeploy")),
])
def test_action_calls(oned, admin, rec, uniq, argv, call):
    hid, _ = new_host(admin, uniq)
    vid = running(admin, hid)
    _, calls = traced(oned, rec, "onevm", argv[0], str(vid), *argv[1:])
    assert calls == [(call[0], (call[1], vid))]


def test_actions_end_to_end(oned, admin, uniq):
    hid, hname = new_host(admin, uniq)
    vid = running(admin, hid)
    ok(oned, "onevm", "poweroff", str(vid))
    wait_phase(admin, vid, (8, 0))
    err = fails(oned, "onevm", "poweroff", str(vid))
    assert err == "[one.vm.action] poweroff action is not available for state POWEROFF.\n"
    ok(oned, "onevm", "resume", str(vid))
    wait_phase(admin, vid, (3, 3))
    ok(oned, "onevm", "suspend", str(vid))
    wait_phase(admin, vid, (5, 0))
    ok(oned, "onevm", "stop", str(vid))
    wait_phase(admin, vid, (4, 0))
    ok(oned, "onevm", "resume", str(vid))
    wait_phase(admin, vid, (1, 0))
    ok(oned, "onevm", "hold", str(vid))
    assert phase(admin, vid) == (2, 0)
    ok(oned, "onevm", "release", str(vid))
    ok(oned, "onevm", "deploy", str(vid), hname)
    wait_phase(admin, vid, (3, 3))
    ok(oned, "onevm", "undeploy", str(vid), "--hard")
    wait_phase(admin, vid, (9, 0))
    ok(oned, "onevm", "terminate", str(vid))
    wait_phase(admin, vid, (6, 0))
    # Options a verb does not have are refused by the CLI.
    err = fails(oned, "onevm", "suspend", str(vid), "--hard")
    assert "unknown option --hard" in err


def test_actions_on_several_vms_go_on_after_a_failure(oned, admin, uniq):
    a, b, c = new_vm(admin), new_vm(admin), new_vm(admin)
    admin.ok("one.vm.action", "hold", b)
    err = fails(oned, "onevm", "hold", f"{a},{b}", str(c))
    assert err == "[one.vm.action] hold action is not available for state HOLD.\n"
    assert [phase(admin, v) for v in (a, b, c)] == [(2, 0)] * 3
    ok(oned, "onevm", "release", f"{a}..{c}")
    assert [phase(admin, v) for v in (a, b, c)] == [(1, 0)] * 3


def test_migrate_calls(oned, admin, rec, uniq):
    (a, _), (b, bname) = new_host(admin, uniq), new_host(admin, uniq)
    vid = running(admin, a)
    _, calls = traced(oned, rec, "onevm", "migrate", str(vid), str(b))
    assert calls == [("one.vm.migrate", (vid, b, False, False, -1, 0))]
    wait_phase(admin, vid, (3, 3))
    _, calls = traced(oned, rec, "onevm", "migrate", str(vid), str(a), "--live", "--enforce")
    assert calls == [("one.vm.migrate", (vid, a, True, True, -1, 0))]
    wait_phase(admin, vid, (3, 3))
    for opt, mtype in (("--poweroff", 1), ("--poweroff-hard", 2)):
        target = b if mtype == 1 else a
        _, calls = traced(oned, rec, "onevm", "migrate", str(vid), str(target), "0", opt)
        assert calls == [("one.vm.migrate", (vid, target, False, False, 0, mtype))]
        wait_phase(admin, vid, (3, 3))
    hosts = [int(h.findtext("HID")) for h in vm_doc(admin, vid).findall(
        "HISTORY_RECORDS/HISTORY")]
    assert hosts == [a, b, a, b, a]
    err = fails(oned, "onevm", "migrate", str(vid), str(a), "--live")
    assert err == f"[one.vm.migrate] VM is already running on host {a} and datastore 0.\n"
    # By host name.
    ok(oned, "onevm", "migrate", str(vid), bname, "--live")
    wait_phase(admin, vid, (3, 3))
    assert vm_doc(admin, vid).findall("HISTORY_RECORDS/HISTORY")[-1].findtext("HID") == str(b)


def test_recover(oned, admin, rec, uniq):
    bad, _ = new_host(admin, uniq, DUMMY_FAIL="deploy")
    vid = new_vm(admin)
    admin.ok("one.vm.deploy", vid, bad, False, -1, "")
    wait_phase(admin, vid, (3, 36))
    out = ok(oned, "onevm", "list")
    assert vm_row(out, vid)["STAT"] == "fail"
    assert 'ERROR="dummy: deploy failure injected (DUMMY_FAIL)"' in \
        section(ok(oned, "onevm", "show", str(vid)), "USER TEMPLATE")
    for opt, op in (("--failure", 0), ("--retry", 2)):
        _, calls = traced(oned, rec, "onevm", "recover", str(vid), opt)
        assert calls == [("one.vm.recover", (vid, op))]
        wait_phase(admin, vid, (3, 36))
    _, calls = traced(oned, rec, "onevm", "recover", str(vid), "--success")
    assert calls == [("one.vm.recover", (vid, 1))]
    wait_phase(admin, vid, (3, 3))
    err = fails(oned, "onevm", "recover", str(vid))
    assert "recover needs exactly one of" in err
    assert "recover needs exactly one of" in fails(oned, "onevm", "recover", str(vid),
                                                   "--delete", "--retry")
    for opt, op in (("--delete", 3), ("--recreate", 4), ("--delete-db", 5)):
        v = new_vm(admin)
        _, calls = traced(oned, rec, "onevm", "recover", str(v), opt)
        assert calls == [("one.vm.recover", (v, op))]
    # The owner may not: recover is a VM ADMIN operation.
    user = uniq("recoverer")
    ok(oned, "oneuser", "create", user, PW)
    mine = created_id(ok(oned, "onevm", "create", "-", input=VM_TEXT, auth=f"{user}:{PW}"))
    err = fails(oned, "onevm", "recover", str(mine), "--delete", auth=f"{user}:{PW}")
    assert f"Not authorized to perform ADMIN VM [{mine}]." in err
    ok(oned, "onevm", "terminate", str(mine), auth=f"{user}:{PW}")
    assert phase(admin, mine) == (6, 0)


def test_update_rename_chmod_chown_lock(oned, admin, rec, uniq, tmp_path):
    vid = new_vm(admin, uniq("edit"))
    f = tmp_path / "u.tmpl"
    f.write_text('LABELS="a"\n')
    _, calls = traced(oned, rec, "onevm", "update", str(vid), str(f))
    assert calls == [("one.vm.update", (vid, 'LABELS="a"\n', 0))]
    ok(oned, "onevm", "update", str(vid), "-", "--append", input='NOTE="b"\n')
    assert {e.tag: e.text for e in vm_doc(admin, vid).find("USER_TEMPLATE")} == \
        {"LABELS": "a", "NOTE": "b"}
    new = uniq("renamed vm")
    ok(oned, "onevm", "rename", str(vid), new)
    assert vm_doc(admin, vid).findtext("NAME") == new
    _, calls = traced(oned, rec, "onevm", "chmod", str(vid), "640")
    assert calls == [("one.vm.chmod", (vid, 1, 1, 0, 1, 0, 0, 0, 0, 0))]
    user = uniq("vmowner")
    uid = created_id(ok(oned, "oneuser", "create", user, PW))
    ok(oned, "onevm", "chown", str(vid), user, "users")
    doc = vm_doc(admin, vid)
    assert (doc.findtext("UID"), doc.findtext("GID")) == (str(uid), "1")
    ok(oned, "onevm", "chgrp", str(vid), "oneadmin")
    assert vm_doc(admin, vid).findtext("GID") == "0"

    ok(oned, "onevm", "lock", str(vid), "--manage")
    assert vm_doc(admin, vid).findtext("LOCK/LOCKED") == "2"
    assert field(ok(oned, "onevm", "show", str(vid)), "LOCK") == "Manage"
    err = fails(oned, "onevm", "terminate", str(vid))
    assert f"VM is locked. [{vid}]." in err
    ok(oned, "onevm", "unlock", str(vid))
    assert vm_doc(admin, vid).find("LOCK") is None
    ok(oned, "onevm", "terminate", str(vid))


def test_help_lists_the_verbs(oned):
    out = ok(oned, "onevm", "--help")
    for verb in ("list", "show", "create", "deploy", "terminate", "undeploy", "poweroff",
                 "reboot", "suspend", "resume", "stop", "hold", "release", "resched",
                 "unresched", "migrate", "recover", "update", "rename", "chmod", "chown",
                 "chgrp", "lock", "unlock", "disk-attach", "disk-detach", "nic-attach",
                 "nic-detach", "resize", "snapshot-create", "snapshot-revert",
                 "snapshot-delete"):
        assert re.search(rf"^  {verb} ", out, re.M), verb
    assert "--poweroff-hard" in ok(oned, "onevm", "migrate", "--help")
    assert "wrong number of arguments" in fails(oned, "onevm", "deploy", "1")


# ---- hotplug and snapshots -----------------------------------------------------------

def test_hotplug_commands_make_opennebulas_calls(oned, admin, rec, uniq, tmp_path):
    hid, _ = new_host(admin, uniq)
    vid = running(admin, hid)
    disk = tmp_path / "disk.tmpl"
    disk.write_text('DISK = [ SOURCE = "/var/tmp/x.img" ]\n')
    cases = [
        (["disk-attach", str(vid), "--file", str(disk)],
         ("one.vm.attach", (vid, 'DISK = [ SOURCE = "/var/tmp/x.img" ]\n'))),
        (["disk-attach", str(vid), "--size", "512"],
         ("one.vm.attach", (vid, 'DISK = [ TYPE = "fs", SIZE = "512" ]'))),
        (["disk-detach", str(vid), "1"], ("one.vm.detach", (vid, 1))),
        (["nic-attach", str(vid), "--bridge", "br0"],
         ("one.vm.attachnic", (vid, 'NIC = [ BRIDGE = "br0" ]'))),
        (["nic-detach", str(vid), "0"], ("one.vm.detachnic", (vid, 0))),
        (["resize", str(vid), "--cpu", "1", "--memory", "128"],
         ("one.vm.resize", (vid, 'CPU = "1"\nMEMORY = "128"\n', False))),
        (["snapshot-revert", str(vid), "0"], ("one.vm.snapshotrevert", (vid, 0))),
        (["snapshot-delete", str(vid), "0"], ("one.vm.snapshotdelete", (vid, 0))),
    ]
    for argv, call in cases:
        rec.take()
        oned.cli("onevm", *argv, endpoint=rec.url)
        assert rec.take()[-1] == call, argv
        wait_phase(admin, vid, (3, 3))


def test_hotplug_end_to_end(oned, admin, uniq, tmp_path):
    hid, _ = new_host(admin, uniq)
    vid = running(admin, hid)
    ok(oned, "onevm", "disk-attach", str(vid), "--size", "64")
    wait_phase(admin, vid, (3, 3))
    ok(oned, "onevm", "nic-attach", str(vid), "--bridge", "br7")
    wait_phase(admin, vid, (3, 3))
    assert created_id(ok(oned, "onevm", "snapshot-create", str(vid), "first")) == 0
    wait_phase(admin, vid, (3, 3))
    out = ok(oned, "onevm", "show", str(vid))
    disks = table("\n".join(section(out, "VM DISKS")))
    assert disks[0] == ["ID", "TARGET", "IMAGE", "SIZE", "TYPE"]
    assert disks[1] == [["0", "vda", "-", "64M", "fs"]]
    nics = table("\n".join(section(out, "VM NICS")))
    assert nics[0] == ["ID", "NETWORK", "BRIDGE", "MAC"]
    assert nics[1][0][:3] == ["0", "-", "br7"]
    snaps = table("\n".join(section(out, "SNAPSHOTS")))
    assert snaps[0] == ["ID", "TIME", "NAME", "HYPERVISOR_ID"]
    assert snaps[1][0][0] == "0" and snaps[1][0][-2:] == ["first", "snap-0"]

    ok(oned, "onevm", "disk-detach", str(vid), "0")
    wait_phase(admin, vid, (3, 3))
    ok(oned, "onevm", "snapshot-delete", str(vid), "0")
    wait_phase(admin, vid, (3, 3))
    doc = vm_doc(admin, vid)
    assert doc.find("TEMPLATE/DISK") is None and doc.find("TEMPLATE/SNAPSHOT") is None

    # Refusals: oned's message, or the CLI's own for bad arguments.
    assert "give either --file or --size" in fails(oned, "onevm", "disk-attach", str(vid))
    assert "give either --file or --bridge" in fails(oned, "onevm", "nic-attach", str(vid),
                                                     "--bridge", "b", "--file", "x")
    assert "DISK_ID must be a number" in fails(oned, "onevm", "disk-detach", str(vid), "x")
    assert "resize needs --cpu, --vcpu or --memory" in fails(oned, "onevm", "resize", str(vid))
    assert "[one.vm.resize] A running VM can only be resized if its template sets VCPU_MAX" \
        in fails(oned, "onevm", "resize", str(vid), "--vcpu", "2")
    assert "[one.vm.detachnic] VM does not have NIC with NIC_ID 5." in \
        fails(oned, "onevm", "nic-detach", str(vid), "5")
    ok(oned, "onevm", "poweroff", str(vid))
    wait_phase(admin, vid, (8, 0))
    ok(oned, "onevm", "resize", str(vid), "--vcpu", "2", "--enforce")
    assert vm_doc(admin, vid).findtext("TEMPLATE/VCPU") == "2"
    assert "snapshot-create action is not available for state POWEROFF" in \
        fails(oned, "onevm", "snapshot-create", str(vid))
