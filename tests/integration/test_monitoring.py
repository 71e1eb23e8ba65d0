"""Host monitoring through the IM driver (dummy here): capacity, host
states and the monitoring-driven VM transitions (reference §3.6, §7.5)."""

import time

from harness import xml

PW = "pw"


def wait_for(fn, want, timeout=10.0):
    end = time.monotonic() + timeout
    got = fn()
    while got != want and time.monotonic() < end:
        time.sleep(0.05)
        got = fn()
    assert got == want
    return got


def host_state(a, hid):
    return xml(a.ok("one.host.info", hid)).findtext("STATE")


def vm_lcm(a, vm):
    v = xml(a.ok("one.vm.info", vm))
    return v.findtext("STATE"), v.findtext("LCM_STATE")


def test_new_host_is_monitored_with_its_capacity(make_oned):
    d = make_oned(conf={"MONITORING_INTERVAL_HOST": 1})
    a = d.admin
    h = a.ok("one.host.allocate", "h1", "dummy", "dummy", -1)
    a.ok("one.host.update", h, "DUMMY_CPU=400\nDUMMY_MEMORY_KB=8388608\nRESERVED_CPU=100", 1)
    wait_for(lambda: xml(a.ok("one.host.info", h)).findtext("HOST_SHARE/TOTAL_CPU"), "400")
    x = xml(a.ok("one.host.info", h))
    assert x.findtext("STATE") == "2"
    share = x.find("HOST_SHARE")
    assert share.findtext("TOTAL_MEM") == "8388608"
    assert share.findtext("MAX_CPU") == "300"          # RESERVED_CPU taken off
    assert share.findtext("MAX_MEM") == "8388608"
    assert x.findtext("TEMPLATE/HYPERVISOR") == "dummy"
    assert int(x.findtext("MONITORING/TIMESTAMP")) > 0


def test_host_without_an_information_driver_goes_to_error(make_oned):
    d = make_oned(conf={"MONITORING_INTERVAL_HOST": 1})
    a = d.admin
    h = a.ok("one.host.allocate", "h1", "nosuch", "nosuch", -1)
    wait_for(lambda: host_state(a, h), "3")
    assert "nosuch" in xml(a.ok("one.host.info", h)).findtext("TEMPLATE/ERROR")


def test_unreachable_host_makes_its_vms_unknown_and_back(make_oned):
    d = make_oned(conf={"MONITORING_INTERVAL_HOST": 1})
    a = d.admin
    h = a.ok("one.host.allocate", "h1", "dummy", "dummy", -1)
    wait_for(lambda: host_state(a, h), "2")
    vm = a.ok("one.vm.allocate", "CPU=1\nMEMORY=256", False)
    a.ok("one.vm.deploy", vm, h, True, -1, "")
    wait_for(lambda: vm_lcm(a, vm), ("3", "3"))

    a.ok("one.host.update", h, 'DUMMY_FAIL_MONITOR="YES"', 1)
    wait_for(lambda: host_state(a, h), "3")
    wait_for(lambda: vm_lcm(a, vm), ("3", "16"))       # ACTIVE/UNKNOWN

    a.ok("one.host.update", h, 'DUMMY_FAIL_MONITOR="NO"', 1)
    wait_for(lambda: host_state(a, h), "2")
    wait_for(lambda: vm_lcm(a, vm), ("3", "3"))
    v = xml(a.ok("one.vm.info", vm))
    assert v.findtext("MONITORING/CPU") == "100.0"
    assert v.findtext("MONITORING/MEMORY") == "262144"
    assert int(v.findtext("LAST_POLL")) > 0


def test_offline_host_is_not_monitored_and_enable_samples_at_once(make_oned):
    d = make_oned(conf={"MONITORING_INTERVAL_HOST": 3600})
    a = d.admin
    h = a.ok("one.host.allocate", "h1", "dummy", "dummy", -1)
    wait_for(lambda: host_state(a, h), "2")            # the first sample is immediate
    a.ok("one.host.status", h, 2)
    assert host_state(a, h) == "8"
    a.ok("one.host.status", h, 0)                      # back to INIT, sampled at once
    wait_for(lambda: host_state(a, h), "2")


def test_fixing_a_host_in_error_samples_it_at_once(make_oned):
    d = make_oned(conf={"MONITORING_INTERVAL_HOST": 3600})
    a = d.admin
    h = a.ok("one.host.allocate", "h1", "dummy", "dummy", -1)
    wait_for(lambda: host_state(a, h), "2")
    # A monitored host is not sampled again by an update ...
    a.ok("one.host.update", h, 'DUMMY_FAIL_MONITOR="YES"', 1)
    time.sleep(1)
    assert host_state(a, h) == "2"
    # ... but a host in error is: the fix shows without waiting an hour.
    a.ok("one.host.status", h, 1)
    a.ok("one.host.status", h, 0)                      # enabled: sampled, fails
    wait_for(lambda: host_state(a, h), "3")
    a.ok("one.host.update", h, 'DUMMY_FAIL_MONITOR="NO"', 1)
    wait_for(lambda: host_state(a, h), "2")
    assert xml(a.ok("one.host.info", h)).findtext("TEMPLATE/ERROR") is None
