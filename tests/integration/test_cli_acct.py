"""oneacct and oneshowback against a real oned (docs/cli.md): records grouped
per user as OpenNebula's oneacct prints them, the user, group, host and time
filters, showback sections per month, calculate, -x/-j, and refusals."""

import json
import re
import time
import xml.etree.ElementTree as ET

from harness import xml
# cli_built is an autouse fixture: importing it applies it here too.
from test_cli_tenancy import cli_built, fails, ok  # noqa: F401
from test_vms import DONE, act, deploy, new_host, new_vm

PW = "pw"
ACCT_HEADER = ["VID", "HOSTNAME", "ACTION", "START_TIME", "END_TIME", "MEMORY", "CPU", "NETRX",
               "NETTX", "DISK"]
SHOWBACK_HEADER = ["USER_NAME", "GROUP_NAME", "VM_ID", "VM_NAME", "MONTH", "YEAR", "HOURS",
                   "RUNNING_HOURS", "COST"]


def sections(out, prefix):
    """{title: [rows as {column: value}]} of a report: "# ..." titles, then a
    table (header first), sections separated by blank lines.  A time
    "MM/DD hh:mm:ss" is one value."""
    found, title, header = {}, None, None
    for line in out.splitlines():
        line = re.sub(r"(\d\d/\d\d) (\d\d:\d\d:\d\d)", r"\1_\2", line)
        if line.startswith(prefix):
            title, header = line, None
            found[title] = []
        elif title and line.strip() and header is None:
            header = line.split()
        elif title and line.strip():
            found[title].append(dict(zip(header, line.split())))
    return found


def world(oned, admin, uniq):
    """A user with a terminated VM (disk 100 MB) on host a, and oneadmin's
    running VM on host b."""
    name = uniq("acctcli")
    uid = admin.ok("one.user.allocate", name, PW, "core", [])
    user = oned.proxy(name, PW)
    a, b = new_host(admin, uniq), new_host(admin, uniq)
    mine = new_vm(user, 'CPU=0.5\nMEMORY=64\nCPU_COST=1\nDISK=[TYPE="fs",SIZE="100"]\n')
    deploy(admin, mine, a)
    time.sleep(1.1)
    act(user, "terminate", mine, DONE)
    theirs = new_vm(admin)
    deploy(admin, theirs, b)
    hosts = {h: xml(admin.ok("one.host.info", h)).findtext("NAME") for h in (a, b)}
    return {"name": name, "uid": uid, "mine": mine, "theirs": theirs, "a": a, "b": b,
            "hosts": hosts}


def test_oneacct_groups_records_per_user(oned, admin, uniq):
    w = world(oned, admin, uniq)
    out = ok(oned, "oneacct")
    assert out.startswith("Showing active history records from - to -\n\n")
    s = sections(out, "# User ")
    mine = [r for r in s[f"# User {w['uid']}"] if r["VID"] == str(w["mine"])]
    assert len(mine) == 1
    assert (mine[0]["HOSTNAME"], mine[0]["ACTION"]) == (w["hosts"][w["a"]], "terminate")
    assert (mine[0]["MEMORY"], mine[0]["CPU"], mine[0]["DISK"]) == ("64M", "0.5", "100M")
    theirs = [r for r in s["# User 0"] if r["VID"] == str(w["theirs"])]
    assert len(theirs) == 1 and theirs[0]["HOSTNAME"] == w["hosts"][w["b"]]
    # The header of every section is oneacct's.
    lines = out.splitlines()
    assert lines[lines.index(f"# User {w['uid']}") + 2].split() == ACCT_HEADER

    # The user sees its own records only.
    out = ok(oned, "oneacct", auth=f"{w['name']}:{PW}")
    assert list(sections(out, "# User ")) == [f"# User {w['uid']}"]


def test_oneacct_filters(oned, admin, uniq):
    w = world(oned, admin, uniq)

    def vids(*args):
        root = ET.fromstring(ok(oned, "oneacct", "-x", *args))
        assert root.tag == "HISTORY_RECORDS"
        return {int(h.findtext("OID")) for h in root.findall("HISTORY")}

    assert {w["mine"], w["theirs"]} <= vids()
    assert vids("-u", w["name"]) == {w["mine"]}
    assert vids("--userfilter", str(w["uid"])) == {w["mine"]}
    assert w["mine"] not in vids("-g", "oneadmin") and w["theirs"] in vids("-g", "oneadmin")
    assert vids("-H", w["hosts"][w["b"]]) == {w["theirs"]}
    assert vids("--host", str(w["a"])) == {w["mine"]}
    # After the terminated VM ended, only open records are left.
    future = str(int(time.time()) + 3600)
    assert w["mine"] not in vids("-s", future) and w["theirs"] in vids("-s", future)
    assert vids("-e", "1970-01-02") == set()
    # -j: the same document as JSON.
    doc = json.loads(ok(oned, "oneacct", "-j", "-u", w["name"]))
    assert int(doc["HISTORY_RECORDS"]["HISTORY"]["OID"]) == w["mine"]

    assert "expects a time" in fails(oned, "oneacct", "-s", "yesterday")
    assert "not found" in fails(oned, "oneacct", "-u", uniq("nobody"))


def test_oneshowback_calculate_and_list(oned, admin, uniq):
    w = world(oned, admin, uniq)
    assert ok(oned, "oneshowback", "calculate") == ""
    out = ok(oned, "oneshowback", "list")
    now = time.gmtime()
    title = f"# Showback for {now.tm_mon}/{now.tm_year}"
    s = sections(out, "# Showback for ")
    rows = [r for r in s[title] if r["VM_ID"] == str(w["mine"])]
    assert len(rows) == 1
    assert (rows[0]["USER_NAME"], rows[0]["MONTH"], rows[0]["YEAR"]) == \
           (w["name"], str(now.tm_mon), str(now.tm_year))
    lines = out.splitlines()
    assert lines[lines.index(title) + 2].split() == SHOWBACK_HEADER
    # The costs are oned's: CPU_COST 1 x 0.5 CPU x hours.
    rec = [r for r in xml(admin.ok("one.vmpool.showback", -2, -1, -1, -1, -1)).findall("SHOWBACK")
           if int(r.findtext("VMID")) == w["mine"]][0]
    assert float(rows[0]["COST"]) == float(rec.findtext("TOTAL_COST"))
    assert abs(float(rec.findtext("TOTAL_COST")) - 0.5 * float(rec.findtext("HOURS"))) < 1e-9

    # Filters and formats.
    month = f"{now.tm_mon:02d}/{now.tm_year}"
    root = ET.fromstring(ok(oned, "oneshowback", "list", "-x", "-u", w["name"], "-s", month,
                            "-e", month))
    assert [int(r.findtext("VMID")) for r in root.findall("SHOWBACK")] == [w["mine"]]
    root = ET.fromstring(ok(oned, "oneshowback", "list", "-x", "-g", "oneadmin"))
    assert w["mine"] not in {int(r.findtext("VMID")) for r in root.findall("SHOWBACK")}
    doc = json.loads(ok(oned, "oneshowback", "list", "-j", "-u", w["name"]))
    assert int(doc["SHOWBACK_RECORDS"]["SHOWBACK"]["VMID"]) == w["mine"]

    # calculate is for the oneadmin group; bad months are refused before any call.
    err = fails(oned, "oneshowback", "calculate", auth=f"{w['name']}:{PW}")
    assert "Action reserved for group 0 only" in err
    assert "MM/YYYY" in fails(oned, "oneshowback", "list", "-s", "13/2026")
    assert "MM/YYYY" in fails(oned, "oneshowback", "calculate", "-e", "2026-01")
