"""oneimage and onedatastore (docs/cli.md).

Two halves:
- against a scripted XML-RPC server (FakeOned): the exact calls each command
  makes, the templates it builds, the list table and the show sheet, and
  `--wait` following an import to READY or to its ERROR;
- against a real oned with DS_MAD/TM_MAD "dummy" datastores: the same
  commands end to end, imports from a local HTTP server started by the
  test (progress, 404, wrong checksum).
"""

import hashlib
import http.server
import os
import re
import subprocess
import threading
import xmlrpc.client

import pytest

from harness import CLI_BIN, free_port, xml
# cli_built is an autouse fixture: importing it applies it here too.
from test_cli_tenancy import (cli_built, created_id, fails, field, ok,  # noqa: F401
                              row_of, section, table)

IMAGE_HEADER = ["ID", "USER", "GROUP", "NAME", "DATASTORE", "SIZE", "TYPE", "PER", "STAT",
                "RVMS"]


def tmpl_dict(text):
    """{NAME: value} of the single attributes of a template the CLI wrote."""
    return {m.group(1): m.group(2) for m in re.finditer(r'^(\w+)="(.*)"$', text, re.M)}


# ---- a scripted oned ------------------------------------------------------------

def image_xml(iid, name="img", state=1, type_=0, persistent=0, size=100, progress=None,
              error=None, vms=(), ds="default"):
    extra = ""
    if progress is not None:
        extra += f"<PROGRESS><![CDATA[{progress}]]></PROGRESS>"
    if error is not None:
        extra += f"<ERROR><![CDATA[{error}]]></ERROR>"
    return (f"<IMAGE><ID>{iid}</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME>"
            f"<GNAME>oneadmin</GNAME><NAME>{name}</NAME><PERMISSIONS><OWNER_U>1</OWNER_U>"
            f"<OWNER_M>1</OWNER_M><OWNER_A>0</OWNER_A><GROUP_U>0</GROUP_U><GROUP_M>0</GROUP_M>"
            f"<GROUP_A>0</GROUP_A><OTHER_U>0</OTHER_U><OTHER_M>0</OTHER_M><OTHER_A>0</OTHER_A>"
            f"</PERMISSIONS><TYPE>{type_}</TYPE><DISK_TYPE>0</DISK_TYPE>"
            f"<PERSISTENT>{persistent}</PERSISTENT><REGTIME>1700000000</REGTIME>"
            f"<SOURCE><![CDATA[/var/lib/one/datastores/1/{iid}]]></SOURCE>"
            f"<PATH><![CDATA[http://example.com/{name}.qcow2]]></PATH>"
            f"<FORMAT><![CDATA[qcow2]]></FORMAT><FS><![CDATA[]]></FS><SIZE>{size}</SIZE>"
            f"<STATE>{state}</STATE><PREV_STATE>0</PREV_STATE><RUNNING_VMS>{len(vms)}</RUNNING_VMS>"
            f"<CLONING_OPS>0</CLONING_OPS><CLONING_ID>-1</CLONING_ID>"
            f"<TARGET_SNAPSHOT>-1</TARGET_SNAPSHOT><DATASTORE_ID>1</DATASTORE_ID>"
            f"<DATASTORE>{ds}</DATASTORE><VMS>{''.join(f'<ID>{v}</ID>' for v in vms)}</VMS>"
            f"<CLONES></CLONES><APP_CLONES></APP_CLONES>"
            f"<TEMPLATE><DEV_PREFIX><![CDATA[vd]]></DEV_PREFIX>{extra}</TEMPLATE></IMAGE>")


DS_POOL = ("<DATASTORE_POOL><DATASTORE><ID>1</ID><NAME>default</NAME></DATASTORE>"
           "<DATASTORE><ID>104</ID><NAME>fast</NAME></DATASTORE></DATASTORE_POOL>")


class FakeOned:
    """An XML-RPC endpoint answering from `answers` {method: value or
    callable(params) -> value, or a list of those, taken in turn};
    raising Refused(msg) answers [False, msg, code].  Records every call as
    (method, params without the session)."""

    class Refused(Exception):
        pass

    def __init__(self):
        self.calls = []
        self.answers = {}
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                params, method = xmlrpc.client.loads(body)
                fake.calls.append((method, params[1:]))
                try:
                    resp = [True, fake.answer(method, params[1:]), 0]
                except FakeOned.Refused as e:
                    resp = [False, str(e), 0x800]
                data = xmlrpc.client.dumps((resp,), methodresponse=True).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/RPC2"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, method, params):
        a = self.answers.get(method)
        if isinstance(a, list):
            a = a.pop(0) if len(a) > 1 else a[0]
        if a is None:
            raise FakeOned.Refused(f"[{method}] not scripted")
        return a(params) if callable(a) else a

    def run(self, tmp, *argv, stdin=None):
        """Run the CLI against this endpoint: (rc, stdout, stderr, calls)."""
        auth = tmp / "one_auth"
        auth.write_text("oneadmin:pw\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("ONE_")}
        env.update(ONE_XMLRPC=self.url, ONE_AUTH=str(auth))
        self.calls = []
        p = subprocess.run([str(CLI_BIN), argv[0][3:], *argv[1:]], env=env, cwd=tmp,
                           capture_output=True, text=True, timeout=30, input=stdin)
        return p.returncode, p.stdout, p.stderr, self.calls

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake():
    f = FakeOned()
    yield f
    f.close()


def test_create_from_options_builds_the_template(fake, tmp_path):
    fake.answers = {"one.datastorepool.info": DS_POOL, "one.image.allocate": 7}
    rc, out, err, calls = fake.run(
        tmp_path, "oneimage", "create", "--name", "deb", "--path", "http://h/deb.qcow2",
        "-d", "fast", "--type", "os", "--format", "qcow2", "--persistent",
        "--sha256", "ab" * 32, "--prefix", "vd")
    assert (rc, out, err) == (0, "ID: 7\n", "")
    assert [c[0] for c in calls] == ["one.datastorepool.info", "one.image.allocate"]
    text, ds, no_check = calls[1][1]
    assert (ds, no_check) == (104, False)
    assert tmpl_dict(text) == {"NAME": "deb", "PATH": "http://h/deb.qcow2", "TYPE": "OS",
                               "FORMAT": "qcow2", "PERSISTENT": "YES", "SHA256": "ab" * 32,
                               "DEV_PREFIX": "vd"}


def test_create_datablock_and_local_path(fake, tmp_path):
    fake.answers = {"one.image.allocate": 3}
    # --size alone is an empty DATABLOCK, in the default datastore 1.
    rc, out, _, calls = fake.run(tmp_path, "oneimage", "create", "--name", "blk", "--size", "100")
    assert (rc, out) == (0, "ID: 3\n")
    assert calls[0][0] == "one.image.allocate"
    assert tmpl_dict(calls[0][1][0]) == {"NAME": "blk", "TYPE": "DATABLOCK", "SIZE": "100"}
    assert calls[0][1][1:] == (1, False)
    # A relative path is made absolute: oned reads it from elsewhere.
    rc, _, _, calls = fake.run(tmp_path, "oneimage", "create", "--name", "f", "--path", "disk.raw",
                               "--md5", "0" * 32)
    assert rc == 0
    assert tmpl_dict(calls[0][1][0]) == {"NAME": "f", "PATH": f"{tmp_path}/disk.raw",
                                         "MD5": "0" * 32}


def test_create_from_file_with_options_over_it(fake, tmp_path):
    fake.answers = {"one.image.allocate": 4}
    (tmp_path / "img.tmpl").write_text('NAME="a"\nPATH="/srv/a.img"\nTYPE="CDROM"\n')
    rc, out, _, calls = fake.run(tmp_path, "oneimage", "create", "img.tmpl", "--name", "b")
    assert (rc, out) == (0, "ID: 4\n")
    assert tmpl_dict(calls[0][1][0]) == {"NAME": "b", "PATH": "/srv/a.img", "TYPE": "CDROM"}


@pytest.mark.parametrize("argv,message", [
    ((), "Give a template FILE, or --name with --path FILE|URL or --size MB"),
    (("--name", "x"), "Give --path FILE|URL to import, or --size MB"),
    (("--name", "x", "--size", "0"), "option --size expects a size in MB, got '0'"),
    (("--name", "x", "--size", "ten"), "option --size expects a size in MB, got 'ten'"),
    (("--name", "x", "--size", "1", "--type", "floppy"), "Unknown image type 'floppy'"),
    (("--name", "x", "--path", "/a", "--format", "vmdk"), "option --format expects raw or qcow2"),
    (("--name", "x", "--path", "/a", "--md5", "a", "--sha256", "b"),
     "--md5 and --sha256 are mutually exclusive"),
    (("missing.tmpl",), "Cannot read missing.tmpl: No such file or directory"),
])
def test_create_refused_before_any_call(fake, tmp_path, argv, message):
    rc, out, err, calls = fake.run(tmp_path, "oneimage", "create", *argv)
    assert (rc, out) == (255, "")
    assert message in err
    assert calls == []


def test_create_wait_prints_progress_then_ready(fake, tmp_path):
    fake.answers = {
        "one.image.allocate": 7,
        "one.image.info": [image_xml(7, state=4, progress="10%"),
                           image_xml(7, state=4, progress="10%"),
                           image_xml(7, state=4, progress="55%"),
                           image_xml(7, state=1, progress="100%")],
    }
    rc, out, err, calls = fake.run(tmp_path, "oneimage", "create", "--name", "x", "--path",
                                   "http://h/x", "--wait")
    assert (rc, err) == (0, "")
    assert out == "ID: 7\nPROGRESS: 10%\nPROGRESS: 55%\nPROGRESS: 100%\nREADY\n"
    assert [c for c in calls if c[0] == "one.image.info"] == [("one.image.info", (7, False))] * 4


def test_create_wait_ends_with_the_error(fake, tmp_path):
    why = "HTTP error 404 fetching http://h/x"
    fake.answers = {
        "one.image.allocate": 8,
        "one.image.info": [image_xml(8, state=4, progress="0 MB"),
                           image_xml(8, state=5, error=why)],
    }
    rc, out, err, _ = fake.run(tmp_path, "oneimage", "create", "--name", "x", "--path",
                               "http://h/x", "--wait")
    assert rc == 255
    assert out == "ID: 8\nPROGRESS: 0 MB\n"
    assert f"IMAGE 8 is in ERROR: {why}" in err


def test_show_sheet_while_importing_and_failed(fake, tmp_path):
    fake.answers = {"one.image.info": image_xml(5, name="deb", state=4, progress="42%",
                                                size=2048, vms=(3, 9))}
    rc, out, _, calls = fake.run(tmp_path, "oneimage", "show", "5")
    assert rc == 0
    assert calls == [("one.image.info", (5, False))]
    assert out.startswith("IMAGE 5 INFORMATION\n")
    assert field(out, "NAME") == "deb"
    assert field(out, "STATE") == "LOCKED"
    assert field(out, "PROGRESS") == "42%"
    assert field(out, "SIZE") == "2G"
    assert field(out, "TYPE") == "OS"
    assert field(out, "PERSISTENT") == "No"
    assert field(out, "SOURCE") == "/var/lib/one/datastores/1/5"
    assert field(out, "PATH") == "http://example.com/deb.qcow2"
    assert field(out, "RUNNING_VMS") == "2"
    assert field(out, "ERROR") is None
    assert section(out, "VIRTUAL MACHINES") == ["  ID", "   3", "   9"]
    assert 'DEV_PREFIX="vd"' in "\n".join(section(out, "IMAGE TEMPLATE"))

    fake.answers = {"one.image.info": image_xml(5, state=5, error="checksum mismatch: MD5")}
    _, out, _, _ = fake.run(tmp_path, "oneimage", "show", "5")
    assert field(out, "STATE") == "ERROR"
    assert field(out, "ERROR") == "checksum mismatch: MD5"


def test_list_table(fake, tmp_path):
    fake.answers = {"one.imagepool.info": "<IMAGE_POOL>" + image_xml(0, name="os", size=10240)
                    + image_xml(1, name="blk", type_=2, persistent=1, state=8, vms=(4,))
                    + image_xml(2, name="bad", state=5, type_=1) + "</IMAGE_POOL>"}
    rc, out, _, calls = fake.run(tmp_path, "oneimage", "list")
    assert rc == 0
    assert calls == [("one.imagepool.info", (-2, -1, -1))]
    header, rows = table(out)
    assert header == IMAGE_HEADER
    assert rows == [["0", "oneadmin", "oneadmin", "os", "default", "10G", "OS", "No", "rdy", "0"],
                    ["1", "oneadmin", "oneadmin", "blk", "default", "100M", "DB", "Yes", "used",
                     "1"],
                    ["2", "oneadmin", "oneadmin", "bad", "default", "100M", "CD", "No", "err",
                     "0"]]


def test_image_actions_calls(fake, tmp_path):
    pool = "<IMAGE_POOL>" + image_xml(6, name="deb") + "</IMAGE_POOL>"
    fake.answers = {m: 6 for m in ("one.image.enable", "one.image.persistent", "one.image.chtype",
                                   "one.image.delete", "one.image.rename", "one.image.lock",
                                   "one.image.unlock")}
    fake.answers.update({"one.imagepool.info": pool, "one.image.clone": 11,
                         "one.datastorepool.info": DS_POOL})
    expect = [
        (("enable", "deb"), [("one.image.enable", (6, True))]),
        (("disable", "6"), [("one.image.enable", (6, False))]),
        (("persistent", "6,7"), [("one.image.persistent", (6, True)),
                                 ("one.image.persistent", (7, True))]),
        (("nonpersistent", "6"), [("one.image.persistent", (6, False))]),
        (("chtype", "6", "datablock"), [("one.image.chtype", (6, "DATABLOCK"))]),
        (("delete", "6"), [("one.image.delete", (6, False))]),
        (("delete", "6", "--force"), [("one.image.delete", (6, True))]),
        (("rename", "6", "new"), [("one.image.rename", (6, "new"))]),
        (("lock", "6", "--admin"), [("one.image.lock", (6, 3))]),
        (("unlock", "6"), [("one.image.unlock", (6,))]),
        (("clone", "6", "copy"), [("one.image.clone", (6, "copy", -1))]),
        (("clone", "6", "copy", "-d", "fast"), [("one.datastorepool.info", ()),
                                                ("one.image.clone", (6, "copy", 104))]),
    ]
    for argv, want in expect:
        rc, _, err, calls = fake.run(tmp_path, "oneimage", *argv)
        assert (rc, err) == (0, ""), argv
        assert [c for c in calls if c[0] != "one.imagepool.info"] == want, argv
    rc, out, _, _ = fake.run(tmp_path, "oneimage", "clone", "6", "copy")
    assert out == "ID: 11\n"
    rc, _, err, calls = fake.run(tmp_path, "oneimage", "chtype", "6", "floppy")
    assert rc == 255 and "Unknown image type 'floppy'" in err
    assert calls == []


def test_datastore_new_commands_calls(fake, tmp_path):
    fake.answers = {"one.datastore.allocate": 105, "one.datastore.delete": 105,
                    "one.datastore.enable": 105, "one.datastorepool.info": DS_POOL,
                    "one.clusterpool.info": "<CLUSTER_POOL><CLUSTER><ID>100</ID><NAME>lab"
                                            "</NAME></CLUSTER></CLUSTER_POOL>"}
    text = 'NAME="img"\nTYPE="IMAGE_DS"\nDS_MAD="dummy"\nTM_MAD="dummy"\n'
    (tmp_path / "ds.tmpl").write_text(text)
    rc, out, _, calls = fake.run(tmp_path, "onedatastore", "create", "ds.tmpl")
    assert (rc, out) == (0, "ID: 105\n")
    assert calls == [("one.datastore.allocate", (text, -1))]
    rc, _, _, calls = fake.run(tmp_path, "onedatastore", "create", "-", "-c", "lab", stdin=text)
    assert calls[-1] == ("one.datastore.allocate", (text, 100))
    for argv, want in [(("delete", "fast"), ("one.datastore.delete", (104,))),
                       (("disable", "104"), ("one.datastore.enable", (104, False))),
                       (("enable", "104"), ("one.datastore.enable", (104, True)))]:
        rc, _, err, calls = fake.run(tmp_path, "onedatastore", *argv)
        assert (rc, err) == (0, ""), argv
        assert calls[-1] == want, argv


# ---- against oned, with dummy datastores ------------------------------------------

BODY = bytes((i * 7 + i // 251) & 0xFF for i in range(3 * 1024 * 1024 + 5))


class ImageServer:
    """HTTP server for imports: /image.raw (BODY), anything else 404."""

    def __init__(self):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path != "/image.raw":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(BODY)))
                self.end_headers()
                self.wfile.write(BODY)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def web():
    s = ImageServer()
    yield s
    s.close()


@pytest.fixture(scope="module")
def dummy_ds(oned, tmp_path_factory):
    """An image datastore on the dummy drivers, created through the CLI; no
    capacity check, so images go in before its first monitoring."""
    f = tmp_path_factory.mktemp("ds") / "ds.tmpl"
    f.write_text('NAME="dummy-img"\nTYPE="IMAGE_DS"\nDS_MAD="dummy"\nTM_MAD="dummy"\n'
                 'DATASTORE_CAPACITY_CHECK="NO"\n')
    return created_id(ok(oned, "onedatastore", "create", str(f)))


def image_doc(admin, iid):
    return xml(admin.ok("one.image.info", iid))


def test_datastore_create_disable_enable_delete(oned, admin, uniq, tmp_path):
    name = uniq("ds")
    f = tmp_path / "ds.tmpl"
    f.write_text(f'NAME="{name}"\nTYPE="SYSTEM_DS"\nTM_MAD="dummy"\n')
    dsid = created_id(ok(oned, "onedatastore", "create", str(f)))
    assert dsid >= 100
    out = ok(oned, "onedatastore", "show", name)
    assert (field(out, "TM_MAD"), field(out, "STATE")) == ("dummy", "READY")
    # Only system datastores are disabled (reference §2.8).
    img = tmp_path / "img.tmpl"
    img.write_text(f'NAME="{name}i"\nDS_MAD="dummy"\nTM_MAD="dummy"\n')
    img_ds = created_id(ok(oned, "onedatastore", "create", str(img)))
    assert "Only system datastores" in fails(oned, "onedatastore", "disable", str(img_ds))
    ok(oned, "onedatastore", "delete", str(img_ds))
    ok(oned, "onedatastore", "disable", name)
    assert field(ok(oned, "onedatastore", "show", str(dsid)), "STATE") == "DISABLED"
    assert row_of(ok(oned, "onedatastore", "list"), dsid)[-1] == "off"
    ok(oned, "onedatastore", "enable", str(dsid))
    assert field(ok(oned, "onedatastore", "show", str(dsid)), "STATE") == "READY"
    ok(oned, "onedatastore", "delete", name)
    assert "not found" in fails(oned, "onedatastore", "show", name)


def test_datablock_lifecycle(oned, admin, uniq, dummy_ds):
    name = uniq("blk")
    out = ok(oned, "oneimage", "create", "--name", name, "--size", "64", "-d", str(dummy_ds),
             "--wait")
    iid = int(re.match(r"ID: (\d+)\n", out).group(1))
    assert out.endswith("READY\n")
    sheet = ok(oned, "oneimage", "show", name)
    assert (field(sheet, "TYPE"), field(sheet, "SIZE"), field(sheet, "STATE")) == \
        ("DATABLOCK", "64M", "READY")
    assert row_of(ok(oned, "oneimage", "list"), iid)[5:9] == ["64M", "DB", "No", "rdy"]

    ok(oned, "oneimage", "persistent", name)
    assert image_doc(admin, iid).findtext("PERSISTENT") == "1"
    ok(oned, "oneimage", "nonpersistent", name)
    ok(oned, "oneimage", "chtype", name, "os")
    assert image_doc(admin, iid).findtext("TYPE") == "0"
    ok(oned, "oneimage", "disable", name)
    assert field(ok(oned, "oneimage", "show", name), "STATE") == "DISABLED"
    ok(oned, "oneimage", "enable", name)
    ok(oned, "oneimage", "rename", name, name + "-r")
    copy = ok(oned, "oneimage", "clone", name + "-r", name + "-c", "--wait")
    cid = int(re.match(r"ID: (\d+)\n", copy).group(1))
    assert image_doc(admin, cid).findtext("DATASTORE_ID") == str(dummy_ds)
    ok(oned, "oneimage", "delete", str(cid), str(iid))
    listing = ok(oned, "oneimage", "list")
    for gone in (iid, cid):
        # Deleting is asynchronous: gone, or on its way out.
        row = row_of(listing, gone)
        assert row is None or row[8] == "dele", row


def test_import_over_http_with_progress(oned, admin, uniq, dummy_ds, web):
    sha = hashlib.sha256(BODY).hexdigest()
    out = ok(oned, "oneimage", "create", "--name", uniq("web"), "--path",
             f"{web.base}/image.raw", "--sha256", sha, "-d", str(dummy_ds), "--wait")
    lines = out.splitlines()
    assert re.fullmatch(r"ID: \d+", lines[0]) and lines[-1] == "READY", out
    assert all(re.fullmatch(r"PROGRESS: (\d+%|\d+ MB)", p) for p in lines[1:-1]), out
    doc = image_doc(admin, int(lines[0][4:]))
    assert doc.findtext("FORMAT") == "raw"
    assert doc.findtext("SIZE") == "4"          # 3 MB and 5 bytes, rounded up


@pytest.mark.parametrize("path,sha,why", [
    ("/missing.raw", None, "HTTP error 404 fetching"),
    ("/image.raw", "0" * 64, "checksum mismatch: SHA256 expected " + "0" * 64),
])
def test_import_failures_end_in_error(oned, admin, uniq, dummy_ds, web, path, sha, why):
    argv = ["oneimage", "create", "--name", uniq("bad"), "--path", web.base + path,
            "-d", str(dummy_ds), "--wait"] + (["--sha256", sha] if sha else [])
    rc, out, err = oned.cli(*argv)
    assert rc == 255, (out, err)
    iid = int(re.match(r"ID: (\d+)\n", out).group(1))
    assert f"IMAGE {iid} is in ERROR: " in err and why in err, err
    doc = image_doc(admin, iid)
    assert doc.findtext("STATE") == "5"
    assert why in doc.findtext("TEMPLATE/ERROR")
    assert field(ok(oned, "oneimage", "show", str(iid)), "STATE") == "ERROR"
