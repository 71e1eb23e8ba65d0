"""OpenNebula's real client transports against a real oned, unchanged.

clients/oca.rb uses Ruby's `xmlrpc` gem the way Ruby OCA and the CLI do
(XMLRPC::Client.new2, call_async: a new connection per call); clients/goca.go
uses github.com/kolo/xmlrpc the way goca does (one pooled net/http client,
connections reused, goca's envelope parsing).  Each prints one JSON line per
call; the tests check what a user of those libraries would rely on.

Needs the Debian packages ruby, ruby-xmlrpc, golang-go and
golang-github-kolo-xmlrpc-dev (share/scripts/deps.sh).  A missing one FAILS
these tests: they are the proof that the clients work.  Go is built offline
in GOPATH mode against Debian's /usr/share/gocode, once per session.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from harness import AUTHENTICATION, ids, xml

CLIENTS = Path(__file__).resolve().parent / "clients"
GOCODE = Path(os.environ.get("NUBES_GOCODE", "/usr/share/gocode"))
RUN_TIMEOUT = 60
# Non-ASCII (2-, 3- and 4-byte UTF-8) and XML-special characters.
TEXT = "Grüße & <b>ünïcödé</b> ✓ 日本 😀"
PACKAGES = "ruby ruby-xmlrpc golang-go golang-github-kolo-xmlrpc-dev"


def need(tool):
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is not installed: these tests need the Debian packages "
                    f"{PACKAGES} (share/scripts/deps.sh)")
    return path


def run_client(cmd, oned, **env):
    """Run a client program against oned; returns {step: record}."""
    e = dict(os.environ)
    e.update(ONE_XMLRPC=oned.url, NUBES_AUTH=oned.admin_session, NUBES_TEXT=TEXT)
    e.update({k: str(v) for k, v in env.items()})
    p = subprocess.run(cmd, env=e, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert p.returncode == 0, \
        f"{cmd[0]} exited {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}"
    records = {}
    for line in p.stdout.splitlines():
        r = json.loads(line)
        records[r["step"]] = r
    return records


# ---- the programs -------------------------------------------------------------

@pytest.fixture(scope="session")
def ruby():
    exe = need("ruby")
    p = subprocess.run([exe, "-e", 'require "xmlrpc/client"; print XMLRPC::Client'],
                       capture_output=True, text=True, timeout=RUN_TIMEOUT)
    if p.returncode != 0:
        pytest.fail(f"Ruby's xmlrpc library is missing (Debian: ruby-xmlrpc): {p.stderr}")
    return exe


@pytest.fixture(scope="session")
def goca_bin(tmp_path_factory):
    """clients/goca.go built once per session, in GOPATH mode (no module
    proxy, no network) against Debian's packaged kolo/xmlrpc."""
    go = need("go")
    if not (GOCODE / "src/github.com/kolo/xmlrpc").is_dir():
        pytest.fail(f"{GOCODE}/src/github.com/kolo/xmlrpc is missing "
                    "(Debian: golang-github-kolo-xmlrpc-dev)")
    out = tmp_path_factory.mktemp("goca")
    env = dict(os.environ, GO111MODULE="off", GOPATH=str(GOCODE), GOFLAGS="",
               GOPROXY="off", GOTOOLCHAIN="local",
               GOCACHE=str(out / "cache"), HOME=str(out))
    exe = out / "goca"
    p = subprocess.run([go, "build", "-o", str(exe), str(CLIENTS / "goca.go")],
                       env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT * 2)
    if p.returncode != 0:
        pytest.fail(f"go build of clients/goca.go failed:\n{p.stdout}{p.stderr}")
    return str(exe)


@pytest.fixture(scope="module")
def rb(oned, ruby, uniq):
    """The Ruby (OCA transport) script's records, plus the names it used."""
    user, group = uniq("rubyuser"), uniq("rubygroup")
    r = run_client([ruby, str(CLIENTS / "oca.rb")], oned, NUBES_USER=user, NUBES_GROUP=group)
    return r, user, group


@pytest.fixture(scope="module")
def gc(oned, goca_bin, uniq):
    """The Go (goca transport) script's records, plus the names it used."""
    user, group = uniq("gouser"), uniq("gogroup")
    r = run_client([goca_bin], oned, NUBES_USER=user, NUBES_GROUP=group, NUBES_LOOP=200)
    return r, user, group


def step(records, name):
    assert name in records, f"no record of step {name}: {sorted(records)}"
    return records[name]


# ---- Ruby: xmlrpc 0.3.2, call_async --------------------------------------------

FAULT_STEPS = ("unknown_method", "wrong_type")


def test_ruby_every_call_is_answered(rb):
    """No transport error: the library accepted every HTTP response (status,
    Content-Type, Content-Length, body) and decoded it."""
    records, _, _ = rb
    assert len(records) == 14, sorted(records)
    for name, r in records.items():
        if name in FAULT_STEPS:
            assert r.get("exception") == "XMLRPC::FaultException", r
        else:
            assert r["ok"] is True, f"{name}: {r.get('exception')}: {r.get('message')}"
            assert isinstance(r["value"], list), r
            assert r["types"][0] in ("TrueClass", "FalseClass"), r


def test_ruby_version(rb):
    r = step(rb[0], "version")
    assert r["value"] == [True, "7.0.0", 0]
    assert r["types"] == ["TrueClass", "String", "Integer"]


def test_ruby_documents(rb):
    records = rb[0]
    me = step(records, "user_info_self")
    assert me["types"] == ["TrueClass", "String", "Integer"]
    assert me["value"][0] is True and me["value"][2] == 0
    assert me["value"][1].startswith("<USER>")
    doc = xml(me["value"][1])
    assert doc.findtext("ID") == "0" and doc.findtext("NAME") == "oneadmin"

    pool = step(records, "userpool_info")
    assert pool["types"] == ["TrueClass", "String", "Integer"]
    assert pool["value"][1].startswith("<USER_POOL>")
    names = [u.findtext("NAME") for u in xml(pool["value"][1]).findall("USER")]
    assert "oneadmin" in names and "serveradmin" in names


def check_new_user(records, user, group, admin, id_types):
    """user_allocate/group_allocate/chgrp/info as the script ran them; id_types:
    the client's type names of an [true, id, 0] envelope."""
    alloc = step(records, "user_allocate")
    assert alloc["types"] == id_types, alloc
    uid = alloc["value"][1]
    assert isinstance(uid, int) and uid >= 2, alloc
    galloc = step(records, "group_allocate")
    assert galloc["types"] == id_types, galloc
    gid = galloc["value"][1]
    assert galloc["value"][0] is True and isinstance(gid, int) and gid >= 100, galloc

    chgrp = step(records, "user_chgrp")
    assert chgrp["value"] == [True, uid, 0]      # actions return the object id

    info = step(records, "user_info_new")
    assert info["value"][0] is True and info["value"][1].startswith("<USER>")
    doc = xml(info["value"][1])
    assert int(doc.findtext("ID")) == uid and doc.findtext("NAME") == user
    assert int(doc.findtext("GID")) == gid and doc.findtext("GNAME") == group
    assert ids(doc, "GROUPS") == [gid]

    # The same, seen by Python's xmlrpc.client.
    doc = xml(admin.ok("one.user.info", uid, False))
    assert doc.findtext("NAME") == user
    assert int(doc.findtext("GID")) == gid and ids(doc, "GROUPS") == [gid]
    g = xml(admin.ok("one.group.info", gid, False))
    assert g.findtext("NAME") == group and uid in ids(g, "USERS")
    return uid, gid


def test_ruby_user_in_new_group(rb, admin):
    records, user, group = rb
    check_new_user(records, user, group, admin, ["TrueClass", "Integer", "Integer"])


def check_text(records, admin, id_types):
    """one.user.update with TEXT sent by the client, read back by the client
    and by Python: the same characters everywhere."""
    uid = step(records, "user_allocate")["value"][1]
    up = step(records, "user_update")
    assert up["value"] == [True, uid, 0] and up["types"] == id_types, up
    doc = xml(step(records, "user_info_text")["value"][1])
    assert doc.findtext("TEMPLATE/DESCRIPTION") == TEXT
    doc = xml(admin.ok("one.user.info", uid, False))
    assert doc.findtext("TEMPLATE/DESCRIPTION") == TEXT


def test_ruby_text_encoding(rb, admin):
    check_text(rb[0], admin, ["TrueClass", "Integer", "Integer"])


def test_ruby_failure_envelope(rb):
    r = step(rb[0], "wrong_password")
    v = r["value"]
    assert r["types"] == ["FalseClass", "String", "Integer", "Integer", "Integer"], r
    assert v[0] is False and v[2:] == [AUTHENTICATION, -1, 0], r
    assert v[1].startswith("[one.user.info] "), r


def test_ruby_faults(rb):
    r = step(rb[0], "unknown_method")
    assert r["exception"] == "XMLRPC::FaultException", r
    assert r["faultCode"] == -506
    assert r["faultString"] == "Method 'one.nosuch.method' not defined"
    r = step(rb[0], "wrong_type")
    assert r["exception"] == "XMLRPC::FaultException", r
    assert r["faultCode"] == -501
    assert r["faultString"].startswith("Parameter that is supposed to be integer is not"), r


def test_ruby_login_token(rb):
    records, user, _ = rb
    login = step(records, "user_login")
    assert login["types"] == ["TrueClass", "String", "Integer"], login
    token = login["value"][1]
    assert token and token != "pw"
    r = step(records, "token_user_info")
    assert r["value"][0] is True, r
    doc = xml(r["value"][1])
    assert doc.findtext("NAME") == user
    assert doc.findtext("ID") == str(step(records, "user_allocate")["value"][1])


# ---- Go: kolo/xmlrpc, pooled net/http, goca's parsing ---------------------------

GO_SCRIPT_STEPS = ("version", "user_info_self", "userpool_info", "user_allocate",
                   "group_allocate", "user_chgrp", "user_info_new", "user_update",
                   "user_info_text", "wrong_password",
                   "user_login", "token_user_info")


def test_go_every_call_parses_as_goca(gc):
    """goca's CallContext accepted every response: HTTP 2xx, no parse error,
    [0] bool, [1] string or int64, [2] int64."""
    records, _, _ = gc
    for name in GO_SCRIPT_STEPS:
        r = step(records, name)
        assert r["ok"] is True, f"{name}: {r.get('errKind')}: {r.get('error')} {r.get('value')}"


def test_go_version(gc):
    r = step(gc[0], "version")
    assert r["value"] == [True, "7.0.0", 0]
    assert r["types"] == ["bool", "string", "int64"]
    assert r["body"] == "7.0.0"


def test_go_documents(gc):
    records = gc[0]
    me = step(records, "user_info_self")
    assert me["types"] == ["bool", "string", "int64"]
    assert me["body"].startswith("<USER>") and xml(me["body"]).findtext("ID") == "0"
    pool = step(records, "userpool_info")
    assert pool["body"].startswith("<USER_POOL>")
    names = [u.findtext("NAME") for u in xml(pool["body"]).findall("USER")]
    assert "oneadmin" in names


def test_go_user_in_new_group(gc, admin):
    records, user, group = gc
    uid, _ = check_new_user(records, user, group, admin, ["bool", "int64", "int64"])
    assert step(records, "user_allocate")["bodyInt"] == uid     # goca Response.BodyInt()


def test_go_text_encoding(gc, admin):
    check_text(gc[0], admin, ["bool", "int64", "int64"])


def test_go_failure_envelope(gc):
    r = step(gc[0], "wrong_password")
    v = r["value"]
    assert r["types"] == ["bool", "string", "int64", "int64", "int64"], r
    assert v[0] is False and v[2:] == [AUTHENTICATION, -1, 0], r
    # goca: ResponseError{Code: OneErrCode(errCode), Msg: body}
    assert r["status"] is False and r["errCode"] == AUTHENTICATION
    assert r["body"].startswith("[one.user.info] "), r


def test_go_faults(gc):
    r = step(gc[0], "unknown_method")
    assert r["errKind"] == "fault", r            # goca: ClientError{RESPONSE_XMLRPC_FAULT}
    assert r["faultCode"] == -506
    assert r["faultString"] == "Method 'one.nosuch.method' not defined"
    r = step(gc[0], "wrong_type")
    assert r["errKind"] == "fault", r
    assert r["faultCode"] == -501
    assert r["faultString"].startswith("Parameter that is supposed to be integer is not"), r


def test_go_login_token(gc):
    records, user, _ = gc
    token = step(records, "user_login")["body"]
    assert token and token != "pw"
    r = step(records, "token_user_info")
    assert r["status"] is True, r
    assert xml(r["body"]).findtext("NAME") == user


def test_go_keepalive_loop(gc):
    """200 quick calls on the one pooled client all succeed, reusing
    connections."""
    r = step(gc[0], "loop")
    assert r["calls"] == 200
    assert r["ok_calls"] == 200, r["failures"]
    assert r["reused"] > 0, r


def test_go_keepalive_parallel(gc):
    """The same from 4 goroutines sharing the client (Terraform's parallelism)."""
    r = step(gc[0], "loop_parallel")
    assert r["ok_calls"] == r["calls"] == 200, r["failures"]
    assert r["reused"] > 0, r


def test_go_kolo_client(gc):
    """kolo's own net/rpc client (Content-Type: text/xml, explicit length)."""
    r = step(gc[0], "kolo_version")
    assert r["ok"] is True and r["value"] == [True, "7.0.0", 0], r
    r = step(gc[0], "kolo_unknown_method")
    assert r["ok"] is False
    assert r["error"] == "Fault(-506): Method 'one.nosuch.method' not defined", r


def test_go_after_server_closed_idle_connection(make_oned, goca_bin):
    """The daemon drops an idle keep-alive connection after KEEPALIVE_TIMEOUT;
    the pooled client must notice and simply dial again."""
    d = make_oned(conf={"KEEPALIVE_TIMEOUT": 1})
    records = run_client([goca_bin], d, NUBES_IDLE="2s")
    for name in ("before_idle", "after_idle_0", "after_idle_1", "after_idle_2"):
        r = step(records, name)
        assert r["ok"] is True and r["body"] == "7.0.0", r
    assert step(records, "after_idle_0")["reused"] is False   # the old one was closed
    assert step(records, "after_idle_1")["reused"] is True
