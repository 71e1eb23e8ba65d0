"""Hostile and broken requests: oned answers each one cleanly and keeps serving
(reference §1.1, §1.2).  Every test has its own daemon, so one crash cannot
hide behind another."""

import http.client
import socket
import time
import xmlrpc.client

import pytest

from harness import AUTHENTICATION

FAULT_TYPE, FAULT_INDEX, FAULT_PARSE = -501, -502, -503
FAULT_NO_METHOD, FAULT_LIMIT, FAULT_UTF8 = -506, -509, -510


@pytest.fixture
def d(make_oned):
    return make_oned()


def assert_alive(d):
    assert d.running(), f"oned died (status {d.proc.poll()})\n{d.log()}\n{d.stderr()}"
    assert d.admin.call("one.system.version") == [True, "7.0.0", 0]


def post(d, body, path="/RPC2", headers=None):
    """A fresh connection per request: (status, headers, body)."""
    with d.raw() as h:
        return h.request(body=body, path=path, headers=headers)


def fault_of(body):
    """(faultCode, faultString) of an XML-RPC fault response."""
    with pytest.raises(xmlrpc.client.Fault) as e:
        xmlrpc.client.loads(body)
    return e.value.faultCode, e.value.faultString


def call_body(method, *params):
    return xmlrpc.client.dumps(params, method)


# ---- malformed requests -----------------------------------------------------------

@pytest.mark.parametrize("body", [
    "<methodCall><methodName>one.system.version",
    "<methodCall><methodName>one.system.version</methodName><params>",
    "this is not xml at all",
    "<methodCall><methodName>one.system.version</methodName></methodCall><extra/>",
    "<methodCall><methodName>one.system.version</methodName><params><param><value>"
    "<int>notanumber</int></value></param></params></methodCall>",
    "<methodCall><methodName>one.system.version</methodName><params><param><value>"
    "<int>99999999999999999999</int></value></param></params></methodCall>",
    "<methodCall><methodName>one.system.version</methodName><params><param><value>"
    "<array><data><value><i4>1</i4></value></data></array></value></param>"
    "</params></methodCall><methodCall>",
    "<methodCall><methodName>one.system.version</methodName><params><param><value>"
    "<bogus>1</bogus></value></param></params></methodCall>",
], ids=["truncated", "unclosed-params", "not-xml", "two-roots", "bad-int", "int-overflow",
        "trailing-garbage", "unknown-type"])
def test_malformed_xml(d, body):
    status, headers, data = post(d, body)
    assert status == 200
    code, _ = fault_of(data)
    assert code in (FAULT_PARSE, FAULT_TYPE)
    assert_alive(d)


@pytest.mark.parametrize("body", ["<foo/>",
                                  "<methodResponse><params/></methodResponse>",
                                  "<methodCall><params/></methodCall>",
                                  "<methodCall><methodName></methodName></methodCall>"],
                         ids=["other-root", "response", "no-name", "empty-name"])
def test_not_a_method_call(d, body):
    status, _, data = post(d, body)
    assert status == 200
    code, _ = fault_of(data)
    assert code in (FAULT_PARSE, FAULT_NO_METHOD)
    assert_alive(d)


def test_empty_body(d):
    status, _, data = post(d, b"")
    assert status == 200
    code, _ = fault_of(data)
    assert code == FAULT_PARSE
    assert_alive(d)


def test_nul_byte_in_body(d):
    body = call_body("one.system.version", d.admin_session).encode()
    status, _, data = post(d, body.replace(b"<params>", b"<params>\x00"))
    assert status == 200
    fault_of(data)
    assert_alive(d)


def test_invalid_utf8(d):
    body = ("<?xml version='1.0'?><methodCall><methodName>one.user.info</methodName><params>"
            "<param><value><string>").encode() + b"oneadmin:\xff\xfe\xc3(" + \
        b"</string></value></param><param><value><int>0</int></value></param></params>" \
        b"</methodCall>"
    status, _, data = post(d, body)
    assert status == 200
    code, _ = fault_of(data)
    assert code in (FAULT_UTF8, FAULT_PARSE)
    assert_alive(d)


def test_latin1_declared_encoding_does_not_crash(d):
    body = ("<?xml version='1.0' encoding='ISO-8859-1'?><methodCall><methodName>"
            "one.system.version</methodName><params><param><value><string>"
            + d.admin_session + "\xe9</string></value></param></params></methodCall>"
            ).encode("latin-1")
    status, _, data = post(d, body)
    assert status == 200
    assert data.startswith(b"<?xml")
    assert_alive(d)


# ---- parameters ---------------------------------------------------------------------

@pytest.mark.parametrize("method,args,expected", [
    ("one.user.info", ("zero",), "integer"),
    ("one.user.info", (1.5,), "integer"),
    ("one.user.info", ([0],), "integer"),
    ("one.user.passwd", (0, 5), "string"),
    ("one.user.enable", (0, "yes"), "boolean"),
    ("one.user.allocate", ("x", "pw", "core", "100"), "array"),
    ("one.user.login", ("oneadmin", 0, 60), "string"),
    ("one.group.allocate", (100,), "string"),
], ids=["str-for-int", "double-for-int", "array-for-int", "int-for-str",
        "str-for-bool", "str-for-array", "int-token", "int-for-name"])
def test_wrong_parameter_types(d, method, args, expected):
    with pytest.raises(xmlrpc.client.Fault) as e:
        d.admin.call(method, *args)
    assert e.value.faultCode == FAULT_TYPE
    assert e.value.faultString.startswith(f"Parameter that is supposed to be {expected} is not")
    assert_alive(d)


def test_i8_parameters(d):
    """An <i8> that fits is taken where an int is read; one that does not is a
    type fault."""
    def body(v):
        return ("<methodCall><methodName>one.user.info</methodName><params><param><value>"
                f"<string>{d.admin_session}</string></value></param><param><value><i8>{v}</i8>"
                "</value></param></params></methodCall>")
    r = xmlrpc.client.loads(post(d, body(0))[2])[0][0]
    assert r[0] is True and r[1].startswith("<USER><ID>0</ID>")
    code, msg = fault_of(post(d, body(2 ** 40))[2])
    assert code == FAULT_TYPE
    assert msg.startswith("Parameter that is supposed to be integer is not")
    assert_alive(d)


def test_wrong_session_type(d):
    with pytest.raises(xmlrpc.client.Fault) as e:
        d.call("one.user.info", 0, auth=12)
    assert e.value.faultCode == FAULT_TYPE
    assert_alive(d)


@pytest.mark.parametrize("method,args", [
    ("one.user.info", ()),
    ("one.user.passwd", (2,)),
    ("one.user.allocate", ("onlyname",)),
    ("one.group.allocate", ()),
])
def test_missing_parameters(d, method, args):
    with pytest.raises(xmlrpc.client.Fault) as e:
        d.admin.call(method, *args)
    assert e.value.faultCode in (FAULT_INDEX, FAULT_TYPE)
    assert_alive(d)


def test_no_parameters_at_all(d):
    status, _, data = post(d, "<methodCall><methodName>one.system.version</methodName>"
                              "</methodCall>")
    code, _ = fault_of(data)
    assert code in (FAULT_INDEX, FAULT_TYPE)
    assert_alive(d)


def test_surplus_parameters_are_ignored(d):
    r = d.admin.call("one.user.info", 0, False, 99, "x")
    assert r[0] is True and r[1].startswith("<USER><ID>0</ID>")
    assert d.admin.call("one.system.version", 1, 2, 3) == [True, "7.0.0", 0]
    assert_alive(d)


def test_many_parameters_in_python_encoding(d):
    """Python pretty-prints calls over many lines; ten-odd params are common
    (one.vm.chmod has 10 after the session)."""
    r = d.admin.call("one.user.info", 0, False, *range(20))
    assert r[0] is True and r[1].startswith("<USER><ID>0</ID>")
    assert_alive(d)


def test_every_client_encoding(d):
    """Ruby (<i4>, no newlines), Go (<int>) and untyped string values."""
    s = d.admin_session
    ruby = ('<?xml version="1.0" ?><methodCall><methodName>one.user.info</methodName>'
            f'<params><param><value><string>{s}</string></value></param><param><value>'
            '<i4>0</i4></value></param><param><value><boolean>0</boolean></value></param>'
            '</params></methodCall>')
    untyped = ('<methodCall><methodName>one.user.info</methodName><params><param>'
               f'<value>{s}</value></param><param><value><int>0</int></value></param>'
               '</params></methodCall>')
    for body in (ruby, untyped):
        status, _, data = post(d, body)
        r = xmlrpc.client.loads(data)[0][0]
        assert r[0] is True and r[1].startswith("<USER><ID>0</ID>"), r
    assert_alive(d)


def test_unknown_method(d):
    with pytest.raises(xmlrpc.client.Fault) as e:
        d.admin.call("one.x.y")
    assert e.value.faultCode == FAULT_NO_METHOD
    assert e.value.faultString == "Method 'one.x.y' not defined"
    assert_alive(d)


def test_session_without_colon(d):
    r = d.call("one.user.info", -1, auth="oneadmin")
    assert r == [False, "[one.user.info] User couldn't be authenticated, aborting call.",
                 AUTHENTICATION, -1, 0]
    assert_alive(d)


# ---- HTTP level -----------------------------------------------------------------------

def test_get_is_405(d):
    with d.raw() as h:
        status, headers, _ = h.request("GET", "/RPC2")
    assert status == 405
    assert headers.get("allow") == "POST"
    assert_alive(d)


def test_other_paths_are_404(d):
    for path in ("/other", "/", "/RPC2/x", "/rpc2"):
        status, _, _ = post(d, call_body("one.system.version", d.admin_session), path=path)
        assert status == 404, path
    assert_alive(d)


def test_response_headers(d):
    body = call_body("one.system.version", d.admin_session)
    status, headers, data = post(d, body)
    assert status == 200
    assert headers["content-type"].startswith("text/xml")
    assert int(headers["content-length"]) == len(data)
    assert "transfer-encoding" not in headers


def test_keep_alive_connection_serves_many_calls(d):
    uid = d.admin.ok("one.user.allocate", "ka", "pw", "core", [])
    with d.raw() as h:
        for i in range(50):
            assert h.call("one.system.version", d.admin_session) == [True, "7.0.0", 0]
            r = h.call("one.user.info", d.admin_session, uid)
            assert r[0] is True
        sock = h.conn.sock
        # Still the same TCP connection (http.client reconnects silently otherwise).
        assert h.call("one.userpool.info", d.admin_session)[0] is True
        assert h.conn.sock is sock
        # Errors do not close it either.
        with pytest.raises(xmlrpc.client.Fault):
            h.call("one.x.y", d.admin_session)
        assert h.call("one.system.version", d.admin_session)[0] is True
        assert h.conn.sock is sock


def read_responses(sock, count, timeout=10):
    """Read until `count` complete HTTP responses (with Content-Length) arrived."""
    sock.settimeout(timeout)
    data, done = b"", []
    while len(done) < count:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
        while b"\r\n\r\n" in data:
            head, rest = data.split(b"\r\n\r\n", 1)
            length = [int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:")]
            n = length[0] if length else 0
            if len(rest) < n:
                break
            done.append((head, rest[:n]))
            data = rest[n:]
    return done


def raw_post(body):
    return (b"POST /RPC2 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body) + body)


def test_pipelined_requests(d):
    ok = call_body("one.system.version", d.admin_session).encode()
    bad = call_body("one.x.y", d.admin_session).encode()
    with socket.create_connection(("127.0.0.1", d.port), timeout=10) as s:
        s.sendall(raw_post(ok) + raw_post(bad) + raw_post(ok))
        got = read_responses(s, 3)
    assert len(got) == 3
    assert xmlrpc.client.loads(got[0][1])[0][0] == [True, "7.0.0", 0]
    assert fault_of(got[1][1])[0] == FAULT_NO_METHOD
    assert xmlrpc.client.loads(got[2][1])[0][0] == [True, "7.0.0", 0]
    assert_alive(d)


def test_expect_100_continue(d):
    body = call_body("one.system.version", d.admin_session).encode()
    with socket.create_connection(("127.0.0.1", d.port), timeout=10) as s:
        s.sendall(b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
                  b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body))
        assert s.recv(100).startswith(b"HTTP/1.1 100")
        s.sendall(body)
        (head, data), = read_responses(s, 1)
    assert head.startswith(b"HTTP/1.1 200")
    assert xmlrpc.client.loads(data)[0][0] == [True, "7.0.0", 0]


def test_http_1_0_request(d):
    body = call_body("one.system.version", d.admin_session).encode()
    with socket.create_connection(("127.0.0.1", d.port), timeout=10) as s:
        s.sendall(b"POST /RPC2 HTTP/1.0\r\nContent-Type: text/xml\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body) + body)
        data = b""
        while chunk := s.recv(65536):       # the server closes: HTTP/1.0
            data += chunk
    head, payload = data.split(b"\r\n\r\n", 1)
    assert b" 200 " in head.split(b"\r\n")[0]
    assert xmlrpc.client.loads(payload)[0][0] == [True, "7.0.0", 0]


def test_chunked_request_body(d):
    """A chunked upload (no Content-Length) of a normal call is served."""
    body = call_body("one.system.version", d.admin_session).encode()
    conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10)
    try:
        conn.request("POST", "/RPC2", body=iter([body[:40], body[40:]]), encode_chunked=True,
                     headers={"Content-Type": "text/xml"})
        r = conn.getresponse()
        assert r.status == 200
        assert xmlrpc.client.loads(r.read())[0][0] == [True, "7.0.0", 0]
    finally:
        conn.close()


def test_idle_connections_do_not_block_service(d):
    idle = [socket.create_connection(("127.0.0.1", d.port), timeout=5) for _ in range(100)]
    try:
        # Half-sent requests too.
        for s in idle[:20]:
            s.sendall(b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n<me")
        start = time.monotonic()
        assert_alive(d)
        assert time.monotonic() - start < 5
    finally:
        for s in idle:
            s.close()
    assert_alive(d)


def test_huge_body_is_refused_cleanly(make_oned):
    d = make_oned(conf={"MESSAGE_SIZE": 65536})
    big = call_body("one.user.update", d.admin_session, 0, "A=\"" + "x" * 1_000_000 + "\"", 0)
    start = time.monotonic()
    status, _, data = post(d, big)
    assert time.monotonic() - start < 10
    if status == 200:
        code, msg = fault_of(data)
        assert code == FAULT_LIMIT
    else:
        assert status in (413, 400)
    # Just under the limit still works.
    ok = call_body("one.user.update", d.admin_session, 0, "A=\"" + "x" * 60000 + "\"", 1)
    assert xmlrpc.client.loads(post(d, ok)[2])[0][0] == [True, 0, 0]
    assert_alive(d)


def test_huge_chunked_body_is_refused_cleanly(make_oned):
    d = make_oned(conf={"MESSAGE_SIZE": 65536})
    head = call_body("one.system.version", d.admin_session).encode()

    def chunks():
        yield head[:-20]
        for _ in range(64):
            yield b"x" * 65536

    conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=30)
    try:
        conn.request("POST", "/RPC2", body=chunks(), encode_chunked=True,
                     headers={"Content-Type": "text/xml"})
        r = conn.getresponse()
        data = r.read()
    except (ConnectionError, socket.timeout) as e:
        # Closing the connection on an oversize upload is also clean.
        data, r = None, e
    finally:
        conn.close()
    if data is not None and r.status == 200:
        assert fault_of(data)[0] == FAULT_LIMIT
    assert_alive(d)


def test_lying_content_length_does_not_hang(d):
    """A body shorter than its Content-Length: the server waits, the client
    gives up; nothing else is affected."""
    s = socket.create_connection(("127.0.0.1", d.port), timeout=5)
    try:
        s.sendall(b"POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
                  b"Content-Length: 100000\r\n\r\n<methodCall>")
        assert_alive(d)     # another connection is served meanwhile
    finally:
        s.close()
    assert_alive(d)


def test_deep_nesting(d):
    depth = 10_000
    s = d.admin_session
    body = ("<methodCall><methodName>one.user.info</methodName><params><param><value><string>"
            f"{s}</string></value></param><param><value>"
            + "<array><data><value>" * depth + "<int>0</int>" + "</value></data></array>" * depth
            + "</value></param></params></methodCall>")
    start = time.monotonic()
    status, _, data = post(d, body)
    assert time.monotonic() - start < 10
    assert status == 200
    code, _ = fault_of(data)
    assert code in (FAULT_PARSE, FAULT_LIMIT, FAULT_TYPE)
    # Structs too.
    body = ("<methodCall><methodName>one.system.version</methodName><params><param><value>"
            + "<struct><member><name>a</name><value>" * depth + "1"
            + "</value></member></struct>" * depth + "</value></param></params></methodCall>")
    status, _, data = post(d, body)
    fault_of(data)
    assert_alive(d)


def test_nesting_limit(d):
    """XML_MAX_DEPTH (32) nested arrays are fine in a (surplus) parameter; one
    more is refused with -509."""
    def nested(depth):
        return ("<methodCall><methodName>one.system.version</methodName><params><param><value>"
                f"<string>{d.admin_session}</string></value></param><param><value>"
                + "<array><data><value>" * depth + "<int>0</int>"
                + "</value></data></array>" * depth + "</value></param></params></methodCall>")
    assert xmlrpc.client.loads(post(d, nested(32))[2])[0][0] == [True, "7.0.0", 0]
    code, msg = fault_of(post(d, nested(33))[2])
    assert code == FAULT_LIMIT
    assert_alive(d)


def test_many_parameters_limit(d):
    """Thousands of parameters: refused or ignored, never a crash."""
    body = call_body("one.system.version", d.admin_session, *range(5000))
    status, _, data = post(d, body)
    assert status == 200
    try:
        r = xmlrpc.client.loads(data)[0][0]
        assert r == [True, "7.0.0", 0]
    except xmlrpc.client.Fault as f:
        assert f.faultCode in (FAULT_LIMIT, FAULT_PARSE)
    assert_alive(d)


# ---- XML entity attacks -----------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<methodCall><methodName>one.user.update</methodName><params>
<param><value><string>SESSION</string></value></param>
<param><value><int>0</int></value></param>
<param><value><string>A="&lol9;"</string></value></param>
</params></methodCall>"""


def test_billion_laughs(d):
    start = time.monotonic()
    status, _, data = post(d, BILLION_LAUGHS.replace("SESSION", d.admin_session))
    assert time.monotonic() - start < 10
    assert status == 200
    fault_of(data)
    assert b"lollol" not in data
    assert b"lollol" not in d.admin.ok("one.user.info", 0).encode()
    assert_alive(d)


@pytest.mark.parametrize("where", ["name", "template"])
def test_external_entities_are_not_read(d, where):
    decl = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    if where == "name":
        method, params = "one.user.allocate", ["&e;", "pw", "core"]
    else:
        method, params = "one.user.update", [0, 'A="&e;"', 0]
    values = "".join(
        f"<param><value><{'int' if isinstance(p, int) else 'string'}>{p}"
        f"</{'int' if isinstance(p, int) else 'string'}></value></param>" for p in params)
    body = (f'<?xml version="1.0"?>{decl}<methodCall><methodName>{method}</methodName>'
            f'<params><param><value><string>{d.admin_session}</string></value></param>'
            f'{values}</params></methodCall>')
    status, _, data = post(d, body)
    assert b"root:" not in data
    for doc in (d.admin.ok("one.userpool.info"), d.admin.ok("one.user.info", 0)):
        assert "root:" not in doc and "/bin/" not in doc
    # A parameter entity (read while parsing the DTD) too.
    pe = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>'
          '<methodCall><methodName>one.system.version</methodName><params><param><value>'
          f'<string>{d.admin_session}</string></value></param></params></methodCall>')
    status, _, data = post(d, pe)
    assert b"root:" not in data
    assert_alive(d)


# ---- authentication throttling ------------------------------------------------------------

def test_authentication_throttling(make_oned):
    d = make_oned(conf={"AUTH_MAX_FAILURES": 3, "AUTH_THROTTLE_TIME": 2})
    d.admin.ok("one.user.allocate", "victim", "right", "core", [])
    d.admin.ok("one.user.allocate", "bystander", "right", "core", [])
    for _ in range(3):
        r = d.call("one.user.info", -1, auth="victim:wrong")
        assert r[0] is False and r[2] == AUTHENTICATION
    # Blocked: even the right password is refused for now...
    r = d.call("one.user.info", -1, auth="victim:right")
    assert r[0] is False and r[2] == AUTHENTICATION
    # ...for that user only.
    assert d.call("one.user.info", -1, auth="bystander:right")[0] is True
    assert d.admin.ok("one.system.version") == "7.0.0"
    # And then it works again, within the configured back-off (+ margin).
    deadline = time.monotonic() + 10
    while True:
        r = d.call("one.user.info", -1, auth="victim:right")
        if r[0] is True:
            break
        assert time.monotonic() < deadline, "still throttled after 10 s"
        time.sleep(0.1)
    # Success resets the count: one more failure does not block again.
    d.call("one.user.info", -1, auth="victim:wrong")
    assert d.call("one.user.info", -1, auth="victim:right")[0] is True


def test_throttling_spares_proven_sessions(make_oned):
    """Guessing at a password must not lock out a client already logged in."""
    d = make_oned(conf={"AUTH_MAX_FAILURES": 2, "AUTH_THROTTLE_TIME": 30})
    d.admin.ok("one.user.allocate", "busy", "right", "core", [])
    assert d.call("one.user.info", -1, auth="busy:right")[0] is True
    token = d.call("one.user.login", "busy", "", 600, -1, auth="busy:right")[1]
    for _ in range(4):
        assert d.call("one.user.info", -1, auth="busy:guess")[2] == AUTHENTICATION
    assert d.call("one.user.info", -1, auth="busy:right")[0] is True
    assert d.call("one.user.info", -1, auth="busy:" + token)[0] is True
