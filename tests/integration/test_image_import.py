"""Images imported from an http(s) URL (issue: storage): a local HTTP server
started by the test serves good and bad images.  A good one shows its
progress while it downloads and ends READY; a missing one (404), a
truncated body, a wrong checksum or an image over the size limit each end
in ERROR with the reason, and nothing is left behind (staging directory,
datastore)."""

import hashlib
import http.server
import os
import threading
import time

import pytest

from conftest import FAST
from harness import Oned, xml

READY, LOCKED, ERROR = 1, 4, 5
MB = 1024 * 1024
SETTLE = 30.0
BODY = os.urandom(3 * MB + 123)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/slow.raw":
            # 3 MB in 64 KiB pieces over ~2.5 s: oned saves PROGRESS once a second.
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            for i in range(0, len(BODY), 64 * 1024):
                self.wfile.write(BODY[i:i + 64 * 1024])
                time.sleep(0.05)
        elif self.path == "/disk.raw":
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)
        elif self.path == "/big.raw":
            # 9 MB without a length: the limit (8 MB) stops it mid-stream.
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            for _ in range(9):
                self.wfile.write(b"\0" * MB)
            self.close_connection = True
        elif self.path == "/truncated.raw":
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(BODY[:MB])
            self.wfile.flush()
            self.close_connection = True
        else:
            self.send_error(404, "Not Found")


@pytest.fixture(scope="module")
def web():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d = Oned(tmp_path_factory.mktemp("oned"), conf={**FAST, "IMAGE_IMPORT": {"MAX_SIZE_MB": 8}})
    ds = d.admin.ok("one.datastore.allocate",
                    'NAME="web"\nDS_MAD="dummy"\nTM_MAD="dummy"', -1)
    yield d, ds
    d.close()


def image(session, iid):
    return xml(session.ok("one.image.info", iid))


def settle(session, iid):
    deadline = time.monotonic() + SETTLE
    while int((doc := image(session, iid)).findtext("STATE")) == LOCKED:
        assert time.monotonic() < deadline, f"image {iid} stays LOCKED"
        time.sleep(0.05)
    return doc


def staging_empty(d):
    staging = d.var / "staging"
    return not os.path.isdir(staging) or os.listdir(staging) == []


def used_mb(session, ds):
    deadline = time.monotonic() + SETTLE
    while True:
        doc = xml(session.ok("one.datastore.info", ds))
        if doc.findtext("TOTAL_MB") != "0":
            return int(doc.findtext("USED_MB"))
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_import_shows_progress_and_ends_ready(world, web):
    d, ds = world
    a = d.admin
    md5 = hashlib.md5(BODY).hexdigest()
    iid = a.ok("one.image.allocate", f'NAME="slow"\nPATH="{web}/slow.raw"\nMD5="{md5}"', ds)
    seen = set()
    deadline = time.monotonic() + SETTLE
    while int((doc := image(a, iid)).findtext("STATE")) == LOCKED:
        p = doc.findtext("TEMPLATE/PROGRESS")
        if p is not None:
            assert p.endswith("%"), p
            seen.add(int(p[:-1]))
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert int(doc.findtext("STATE")) == READY, image(a, iid).findtext("TEMPLATE/ERROR")
    assert seen and all(0 <= p <= 100 for p in seen) and min(seen) < 100, seen
    assert doc.find("TEMPLATE/PROGRESS") is None
    assert doc.findtext("SIZE") == "4" and doc.findtext("FORMAT") == "raw"
    assert doc.findtext("PATH") == f"{web}/slow.raw"
    assert staging_empty(d)


@pytest.mark.parametrize("path,extra,reason", [
    ("/missing.raw", "", "404"),
    ("/truncated.raw", "", "truncated"),
    ("/disk.raw", 'SHA256="' + "0" * 64 + '"', "checksum mismatch"),
])
def test_bad_imports_end_in_error_without_leftovers(world, web, path, extra, reason):
    d, ds = world
    a = d.admin
    before = used_mb(a, ds)
    iid = a.ok("one.image.allocate", f'NAME="bad{path[1:4]}{len(extra)}"\nPATH="{web}{path}"\n'
               f'{extra}', ds)
    doc = settle(a, iid)
    assert int(doc.findtext("STATE")) == ERROR
    assert reason in doc.findtext("TEMPLATE/ERROR"), doc.findtext("TEMPLATE/ERROR")
    assert doc.findtext("SOURCE") == ""
    assert staging_empty(d)
    assert used_mb(a, ds) == before
    a.ok("one.image.delete", iid)


@pytest.mark.parametrize("where", ["url", "file"])
def test_an_import_over_the_limit_fails(world, web, tmp_path, where):
    d, ds = world
    a = d.admin
    big = tmp_path / "big.raw"
    with open(big, "wb") as f:
        f.truncate(9 * MB)
    path = f"{web}/big.raw" if where == "url" else big
    before = used_mb(a, ds)
    iid = a.ok("one.image.allocate", f'NAME="toobig-{where}"\nPATH="{path}"', ds)
    doc = settle(a, iid)
    assert int(doc.findtext("STATE")) == ERROR
    assert "larger than" in doc.findtext("TEMPLATE/ERROR"), doc.findtext("TEMPLATE/ERROR")
    assert staging_empty(d)
    assert used_mb(a, ds) == before
