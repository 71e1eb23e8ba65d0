"""Many clients at once: every call succeeds and the end state is consistent."""

import random
import threading
from collections import Counter

from harness import ids, xml

THREADS = 8
CALLS = 200


def test_parallel_mixed_calls(make_oned):
    d = make_oned()
    admin = d.admin
    gid = admin.ok("one.group.allocate", "crowd")
    failures = []
    created = [[] for _ in range(THREADS)]      # per thread: (uid, name, password)

    def worker(t):
        mine = created[t]
        try:
            for i in range(CALLS):
                kind = i % 5
                if kind == 0 or not mine:
                    name = f"t{t}-u{i}"
                    uid = admin.ok("one.user.allocate", name, f"pw{i}", "core",
                                   [gid] if i % 2 else [])
                    assert isinstance(uid, int)
                    mine.append([uid, name, f"pw{i}"])
                elif kind == 1:
                    entry = mine[i % len(mine)]
                    entry[2] = f"new{t}x{i}"
                    assert admin.ok("one.user.passwd", entry[0], entry[2]) == entry[0]
                elif kind == 2:
                    uid, name, _ = mine[i % len(mine)]
                    assert xml(admin.ok("one.user.info", uid)).findtext("NAME") == name
                elif kind == 3:
                    uid, name, pw = mine[-1]
                    u = xml(d.proxy(name, pw).ok("one.user.info", -1))
                    assert u.findtext("ID") == str(uid)
                else:
                    root = xml(admin.ok("one.userpool.info"))
                    listed = {int(u.findtext("ID")) for u in root.findall("USER")}
                    assert {uid for uid, _, _ in mine} <= listed
        except BaseException as e:      # reported by the main thread
            failures.append((t, repr(e)))

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert not any(th.is_alive() for th in threads), "calls hung"
    assert not failures, failures[:5]
    assert d.running()

    everyone = [u for per in created for u in per]
    root = xml(admin.ok("one.userpool.info"))
    listed = Counter((int(u.findtext("ID")), u.findtext("NAME")) for u in root.findall("USER"))
    for uid, name, _ in everyone:
        assert listed[(uid, name)] == 1, (uid, name)
    assert len({uid for uid, _, _ in everyone}) == len(everyone)
    assert len(listed) == len(everyone) + 2          # + oneadmin, serveradmin
    assert all(n == 1 for n in listed.values())

    # Memberships on both sides agree.
    crowd = set(ids(xml(admin.ok("one.group.info", gid)), "USERS"))
    users = set(ids(xml(admin.ok("one.group.info", 1)), "USERS"))
    for uid, _, _ in everyone:
        gids = ids(xml(admin.ok("one.user.info", uid)), "GROUPS")
        assert len(gids) == 1
        assert (uid in crowd) == (gids == [gid])
        assert (uid in users) == (gids == [1])
    assert crowd | users == {uid for uid, _, _ in everyone}

    # One audit record per write call, each a whole JSON line.
    writes = Counter((r["method"], r["result"]) for r in d.audit())
    passwds = sum(1 for t in range(THREADS) for i in range(CALLS) if i % 5 == 1)
    assert writes[("one.user.allocate", 0)] == len(everyone)
    assert writes[("one.user.passwd", 0)] == passwds
    assert writes[("one.group.allocate", 0)] == 1
    assert sum(writes.values()) == len(everyone) + passwds + 1

    # Last passwords are the ones in effect.
    for uid, name, pw in everyone[::7]:
        assert d.call("one.user.info", -1, auth=f"{name}:{pw}")[0] is True


def run_threads(n, target):
    errors = []

    def wrap(t):
        try:
            target(t)
        except BaseException as e:      # reported by the main thread
            errors.append((t, repr(e)))

    threads = [threading.Thread(target=wrap, args=(t,)) for t in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert not any(th.is_alive() for th in threads), "calls hung"
    assert not errors, errors[:5]


def test_same_name_races(make_oned):
    d = make_oned()
    results = []

    def racer(t):
        for i in range(10):
            results.append(("user", d.admin.call("one.user.allocate", f"same{i}", "pw", "core", [])))
            results.append(("group", d.admin.call("one.group.allocate", f"same{i}")))

    run_threads(THREADS, racer)
    for kind in ("user", "group"):
        won = [r for k, r in results if k == kind and r[0] is True]
        lost = [r for k, r in results if k == kind and r[0] is False]
        assert len(won) == 10, kind
        assert len(lost) == 10 * (THREADS - 1)
        assert all(r[2] == 0x2000 and "NAME is already taken" in r[1] for r in lost)
    names = [u.findtext("NAME") for u in xml(d.admin.ok("one.userpool.info")).findall("USER")]
    assert sorted(n for n in names if n.startswith("same")) == sorted(f"same{i}" for i in range(10))


def test_membership_races_stay_consistent(make_oned):
    """Users moved between groups while groups are deleted: both sides of
    every membership agree, and no user is left in a deleted group."""
    d = make_oned()
    a = d.admin
    groups = [a.ok("one.group.allocate", f"rg{i}") for i in range(6)]
    users = [a.ok("one.user.allocate", f"ru{i}", "pw", "core", []) for i in range(8)]

    def mover(t):
        rnd = random.Random(t)
        for _ in range(60):
            uid, gid = rnd.choice(users), rnd.choice(groups + [1])
            op = rnd.choice(["one.user.chgrp", "one.user.addgroup", "one.user.delgroup",
                             "one.group.delete", "one.group.addadmin"])
            if op == "one.group.delete":
                r = a.call(op, gid)
            elif op == "one.group.addadmin":
                r = a.call(op, gid, uid)
            else:
                r = a.call(op, uid, gid)
            assert r[0] is True or (len(r) == 5 and r[2] in (0x400, 0x800)), (op, uid, gid, r)

    run_threads(THREADS, mover)
    alive = {int(g.findtext("ID")): g for g in xml(a.ok("one.grouppool.info")).findall("GROUP")}
    for uid in users:
        u = xml(a.ok("one.user.info", uid))
        gids = set(ids(u, "GROUPS"))
        assert int(u.findtext("GID")) in gids
        assert gids <= set(alive), (uid, gids, set(alive))
        for gid, g in alive.items():
            assert (uid in ids(g, "USERS")) == (gid in gids), (uid, gid)
            if uid in ids(g, "ADMINS"):
                assert gid in gids
    # And the same after a restart from the store.
    before = a.ok("one.userpool.info"), a.ok("one.grouppool.info")
    d.restart()
    assert (d.admin.ok("one.userpool.info"), d.admin.ok("one.grouppool.info")) == before
