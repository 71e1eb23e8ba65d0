"""Fixtures of the integration tier (see harness.py for the harness itself).

    oned        one daemon per test module (fast password hashing); tests in a
                module share it, so they create uniquely named objects (uniq)
    make_oned   factory for daemons owned by one test (kill/restart, special
                configuration); all of them are stopped after the test
    admin       the module daemon's oneadmin Session
    uniq        uniq("alice") -> "alice7": names unique within the run
    ceph        a private single-node Ceph for the whole run (ceph_env.Ceph)
"""

import itertools

import pytest

import ceph_env
from harness import Oned

# PBKDF2 at 1000 rounds instead of 100000: allocate/passwd cost microseconds.
# The default cost stays covered by the tests that use make_oned(fast=False).
FAST = {"PASSWORD_HASH_ITERATIONS": 1000}


@pytest.fixture(scope="module")
def oned(tmp_path_factory):
    d = Oned(tmp_path_factory.mktemp("oned"), conf=FAST)
    yield d
    d.close()


@pytest.fixture
def make_oned(tmp_path_factory):
    started = []

    def make(conf=None, one_auth=True, start=True, fast=True, env=None):
        c = dict(FAST) if fast else {}
        c.update(conf or {})
        d = Oned(tmp_path_factory.mktemp("oned"), conf=c, one_auth=one_auth, start=False,
                 env=env)
        started.append(d)
        if start:
            d.start()
        return d

    yield make
    errors = []
    for d in started:
        try:
            d.close()
        except AssertionError as e:
            errors.append(e)
    if errors:
        raise errors[0]


@pytest.fixture(scope="module")
def admin(oned):
    return oned.admin


_counter = itertools.count(1)


@pytest.fixture(scope="session")
def uniq():
    return lambda prefix: f"{prefix}{next(_counter)}"


@pytest.fixture(scope="session")
def ceph():
    ceph_env.require()
    c = ceph_env.Ceph()
    yield c
    c.stop()
