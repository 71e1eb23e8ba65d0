"""onehost monitoring and onevm monitoring (docs/cli.md): one attribute of
the samples over time as a table, every sample with -x / -j."""

import json
import re
import time

from harness import xml
# cli_built is an autouse fixture: importing it applies it here too.
from test_cli_tenancy import cli_built, fails, ok, table  # noqa: F401

TIME = re.compile(r"\d\d/\d\d \d\d:\d\d:\d\d")


def monitored(make_oned):
    d = make_oned(conf={"MONITORING_INTERVAL_HOST": 1})
    a = d.admin
    h = a.ok("one.host.allocate", "kvm1", "dummy", "dummy", -1)
    vm = a.ok("one.vm.allocate", "NAME=web\nCPU=0.5\nMEMORY=128", False)
    end = time.monotonic() + 15
    while xml(a.ok("one.host.info", h)).findtext("STATE") != "2":   # capacity known
        assert time.monotonic() < end
        time.sleep(0.05)
    a.ok("one.vm.deploy", vm, h, True, -1, "")
    while len(xml(a.ok("one.vm.monitoring", vm))) < 3:
        assert time.monotonic() < end
        time.sleep(0.1)
    return d, h, vm


def test_attribute_over_time(make_oned):
    d, h, vm = monitored(make_oned)
    header, rows = table(ok(d, "onevm", "monitoring", "web", "MEMORY"))
    assert header == ["TIME", "MEMORY"]
    assert len(rows) >= 3
    for r in rows:
        assert TIME.fullmatch(" ".join(r[:2])) and r[2] == "131072"

    header, rows = table(ok(d, "onehost", "monitoring", "kvm1", "CAPACITY/USED_CPU"))
    assert header == ["TIME", "CAPACITY/USED_CPU"]
    assert len(rows) >= 3 and rows[-1][2] == "50"
    # An attribute the samples lack shows as "-".
    _, rows = table(ok(d, "onevm", "monitoring", str(vm), "NOSUCH"))
    assert rows and all(r[2] == "-" for r in rows)


def test_every_sample_as_xml_and_json(make_oned):
    d, h, vm = monitored(make_oned)
    doc = xml(ok(d, "onevm", "monitoring", str(vm), "-x"))
    assert doc.tag == "MONITORING_DATA" and len(doc) >= 3
    assert doc[0].findtext("ID") == str(vm)
    j = json.loads(ok(d, "onehost", "monitoring", "kvm1", "-j"))
    ms = j["MONITORING_DATA"]["MONITORING"]
    assert len(ms) >= 3 and all(m["ID"] == str(h) for m in ms)


def test_refusals(make_oned):
    d, h, vm = monitored(make_oned)
    err = fails(d, "onevm", "monitoring", "web")
    assert "Name the attribute to show (e.g. CPU)" in err
    err = fails(d, "onehost", "monitoring", "nosuch", "CPU")
    assert "HOST named nosuch not found." in err
    err = fails(d, "onevm", "monitoring", "99", "CPU")
    assert "[one.vm.monitoring] Error getting virtual machine [99]." in err
