#!/usr/bin/env python3
"""test_files.py: GET and POST /files (SPEC 3, 4.2) through curl and raw
sockets.

Cases B01 (empty files), B02 (ownership of what an upload creates, as
root), B04 (raw and chunked bodies, content types), B05 (gzip both ways,
negotiation, Range), B06 (names, quoting, Content-Disposition) and the
/files half of B23 (token and signed URLs), plus ranges, conditional
requests, a 1 MiB binary file both ways, cut uploads and a full disk.
Every file lives in a fresh directory under /tmp.

    ENVD_BIN=build/envd python3 tests/e2e/test_files.py [test names]
"""
import base64
import gzip
import hashlib
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (IS_ROOT, Agent, Conn, check, eq, main,  # noqa
                     need_root, status, test, wait_for)

TOKEN = "tok123"
TEST_USER = "envdtest"


def q(s):
    """A query value, every reserved byte %-encoded ('+' as %2B)."""
    return urllib.parse.quote(s, safe="")


def sign(path, op, user, token=TOKEN, exp=None):
    s = "%s:%s:%s:%s" % (path, op, user, token)
    if exp is not None:
        s += ":%d" % exp
    d = hashlib.sha256(s.encode()).digest()
    return "v1_" + base64.b64encode(d).decode().rstrip("=")


class Dir:
    """A fresh directory under /tmp, removed afterwards."""

    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="envd-files-", dir="/tmp")
        return self

    def __exit__(self, *a):
        shutil.rmtree(self.path, ignore_errors=True)

    def __call__(self, *names):
        return os.path.join(self.path, *names)


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def temp_files(d):
    return [n for n in os.listdir(d) if ".envd-" in n]


def put_raw(a, path, body, headers=None, query=None):
    h = {"Content-Type": "application/octet-stream"}
    h.update(headers or {})
    return a.req("POST", "/files?" + (query or "path=" + q(path)), body, h)


def multipart(parts, boundary="xYzBoUnDaRy"):
    """parts: (name, filename or None, data); returns (body, headers)."""
    out = b""
    for name, fn, data in parts:
        cd = 'form-data; name="%s"' % name
        if fn is not None:
            cd += '; filename="%s"' % fn
        out += (b"--" + boundary.encode() + b"\r\nContent-Disposition: " +
                cd.encode() + b"\r\nContent-Type: application/octet-stream"
                b"\r\n\r\n" + data + b"\r\n")
    out += b"--" + boundary.encode() + b"--\r\n"
    return out, {"Content-Type": "multipart/form-data; boundary=" + boundary}


def put_multi(a, parts, query=""):
    body, h = multipart(parts)
    return a.req("POST", "/files" + query, body, h)


def entry(path):
    return {"path": path, "name": os.path.basename(path), "type": "file"}


def get(a, path, headers=None, extra="", method="GET"):
    return a.req(method, "/files?path=" + q(path) + extra, headers=headers)


def err(r, code, what, message=None):
    status(r, code, what)
    eq(r.header("content-type"), "application/json", what + " type")
    body = r.json()
    eq(body.get("code"), code, what + " code")
    if message is not None:
        eq(body.get("message"), message, what + " message")
    return body


def chunked(head, pieces):
    out = head.replace("\n", "\r\n").encode()
    for p in pieces:
        out += b"%x\r\n" % len(p) + p + b"\r\n"
    return out + b"0\r\n\r\n"


# ------------------------------------------------------------ B01

@test
def b01_empty_file():
    with Agent() as a, Dir() as d:
        p = d("empty.txt")
        r = put_raw(a, p, b"")
        status(r, 200, "empty raw upload")
        eq(r.body, json.dumps([entry(p)], separators=(",", ":")).encode(),
           "raw upload body")
        eq(read(p), b"", "content")
        r = put_multi(a, [("file", p, b"")], "?path=" + q(d("empty2.txt")))
        status(r, 200, "empty multipart upload")
        eq(r.json(), [entry(d("empty2.txt"))], "multipart body")
        eq(read(d("empty2.txt")), b"", "multipart content")
        r = get(a, p)
        status(r, 200, "GET empty")
        eq(r.header("content-length"), "0", "Content-Length")
        eq(r.body, b"", "body")
        r = get(a, p, {"Accept-Encoding": "gzip"})
        status(r, 200, "GET empty gzip")
        eq(r.header("content-encoding"), "gzip", "Content-Encoding")
        eq(r.header("vary"), "Accept-Encoding", "Vary")
        eq(gzip.decompress(r.body), b"", "inflated")
        r = get(a, p, method="HEAD")
        status(r, 200, "HEAD empty")
        eq(r.header("content-length"), "0", "HEAD Content-Length")
        r = get(a, p, {"Range": "bytes=0-"})
        err(r, 416, "Range on an empty file")
        eq(r.header("content-range"), "bytes */0", "Content-Range")


# ------------------------------------------------------------ B02

def test_user():
    try:
        return pwd.getpwnam(TEST_USER)
    except KeyError:
        subprocess.run(["useradd", "-M", "-s", "/usr/sbin/nologin",
                        TEST_USER], check=True, capture_output=True)
        return pwd.getpwnam(TEST_USER)


@test
def b02_upload_ownership():
    need_root()
    u = test_user()
    with Agent() as a, Dir() as d:
        p = d("a", "b", "c.txt")
        r = a.req("POST", "/files?path=%s&username=%s" % (q(p), TEST_USER),
                  b"hello", {"Content-Type": "application/octet-stream"})
        status(r, 200, "upload as " + TEST_USER)
        for sub in (d("a"), d("a", "b"), p):
            st = os.stat(sub)
            eq((st.st_uid, st.st_gid), (u.pw_uid, u.pw_gid), sub + " owner")
        eq(os.stat(d("a")).st_mode & 0o777, 0o755, "new directory mode")
        eq(os.stat(p).st_mode & 0o777, 0o644, "new file mode")
        eq(os.stat(d.path).st_uid, 0, "pre-existing parent keeps root")
        # Replacing a file keeps its owner and mode.
        old = d("root-owned")
        write(old, b"old")
        os.chmod(old, 0o600)
        r = a.req("POST", "/files?path=%s&username=%s" % (q(old), TEST_USER),
                  b"new", {"Content-Type": "application/octet-stream"})
        status(r, 200, "replace a root file")
        eq(read(old), b"new", "content")
        st = os.stat(old)
        eq((st.st_uid, st.st_mode & 0o7777), (0, 0o600), "owner and mode")


# ------------------------------------------------------------ B04

@test
def b04_raw_chunked_unknown_length():
    with Agent() as a, Dir() as d, a.conn() as c:
        data = os.urandom(100000)
        p = d("raw.bin")
        c.send(chunked("POST /files?path=%s HTTP/1.1\nHost: x\n"
                       "Content-Type: application/octet-stream\n"
                       "Transfer-Encoding: chunked\n\n" % q(p),
                       [data[:1], data[1:70000], data[70000:]]))
        r = c.final_response()
        status(r, 200, "chunked raw upload")
        eq(r.json(), [entry(p)], "answer")
        check(read(p) == data, "raw upload content differs")
        # The same connection goes on.
        status(c.request("GET", "/health"), 200, "keep-alive")


@test
def b04_content_types():
    with Agent() as a, Dir() as d:
        err(a.req("POST", "/files", b"x",
                  {"Content-Type": "application/octet-stream"}), 400,
            "raw upload without path",
            "path query parameter is required for raw body upload")
        body = err(a.req("POST", "/files?path=" + q(d("t")), b"x",
                         {"Content-Type": "text/plain"}), 400, "text/plain")
        check(body["message"].startswith("unsupported content type"),
              "message %r" % body["message"])
        err(a.req("POST", "/files?path=" + q(d("t")), b"x"), 400,
            "no content type")
        r = put_multi(a, [("other", "x.txt", b"x")])
        status(r, 200, "only an 'other' part")
        eq(r.json(), [], "answer")
        dup = d("dup.txt")
        r = put_multi(a, [("file", dup, b"one"), ("file", dup, b"two")])
        err(r, 400, "two parts, one path",
            "cannot upload multiple files to same path '%s'" % dup)
        eq(read(dup), b"one", "the first part stays written")
        eq(temp_files(d.path), [], "temporary files")


@test
def multipart_targets():
    with Agent() as a, Dir() as d:
        r = put_multi(a, [("file", d("x", "one.txt"), b"1"),
                          ("path", None, b"ignored"),
                          ("file", d("two.txt"), b"2")])
        status(r, 200, "two files by filename")
        eq(r.json(), [entry(d("x", "one.txt")), entry(d("two.txt"))],
           "answer in order")
        eq(read(d("x", "one.txt")) + read(d("two.txt")), b"12", "content")
        err(put_multi(a, [("file", None, b"1")]), 400, "no filename")
        err(put_multi(a, [("file", "a", b"1")], "?path=" + q(d.path)), 400,
            "a directory target", "path is a directory: %s" % d.path)
        r = put_multi(a, [("file", "ignored", b"q")],
                      "?path=" + q(d("byquery")))
        eq(r.json(), [entry(d("byquery"))], "path query wins")
        st, _, body = a.curl("/files?path=" + q(d("cf")), "-F",
                             "file=@/dev/null;filename=" + d("ignored"))
        eq(st, 200, "curl -F")
        eq(read(d("cf")), b"", "curl -F content")


# ------------------------------------------------------------ B05

@test
def multipart_many_parts_and_a_duplicate():
    """3000 parts to 3000 paths all land, in order; a 3001st part to the
    first path is refused with 400 while the earlier ones stay written."""
    with Agent() as a, Dir() as d:
        paths = [d("m%04d.txt" % i) for i in range(3000)]
        parts = [("file", p, b"%d" % i) for i, p in enumerate(paths)]
        body, h = multipart(parts)
        r = a.req("POST", "/files", body, h, timeout=60)
        status(r, 200, "3000 parts")
        eq([e["path"] for e in json.loads(r.body)], paths, "entries")
        eq(read(paths[2999]), b"2999", "last part")
        body, h = multipart(parts + [("file", paths[0], b"again")])
        r = a.req("POST", "/files", body, h, timeout=60)
        err(r, 400, "duplicate target", "cannot upload multiple files to "
            "same path '%s'" % paths[0])
        eq(read(paths[0]), b"0", "the first part stays written")


@test
def gzip_upload_inflated_over_many_turns():
    """A body that inflates 1000:1 is written in slices over many loop
    turns (the connection is held meanwhile): the file comes out exact,
    raw and as multipart, and other clients are still answered."""
    with Agent() as a, Dir() as d:
        data = (b"0123456789abcdef" * 4096 + os.urandom(64)) * 1024
        z = gzip.compress(data, 1)
        check(len(z) * 50 < len(data), "not compressible enough")
        p = d("big.bin")
        status(put_raw(a, p, z, {"Content-Encoding": "gzip"}), 200,
               "raw gzip upload")
        eq(hashlib.sha256(read(p)).hexdigest(),
           hashlib.sha256(data).hexdigest(), "raw gzip upload content")
        os.unlink(p)
        body, h = multipart([("file", p, data)])
        h["Content-Encoding"] = "gzip"
        status(a.req("POST", "/files", gzip.compress(body, 1), h,
                     timeout=60), 200, "multipart gzip upload")
        eq(hashlib.sha256(read(p)).hexdigest(),
           hashlib.sha256(data).hexdigest(), "multipart gzip content")
        status(a.req("GET", "/health"), 200, "agent alive")


@test
def b05_gzip_upload_and_download():
    with Agent() as a, Dir() as d:
        p = d("g.txt")
        r = put_raw(a, p, gzip.compress(b"hello\n"),
                    {"Content-Encoding": "gzip"})
        status(r, 200, "gzip upload")
        eq(read(p), b"hello\n", "inflated upload")
        r = put_raw(a, p, b"x", {"Content-Encoding": "br"})
        err(r, 400, "Content-Encoding br",
            "unsupported Content-Encoding: br, supported: [gzip]")
        r = put_raw(a, p, b"not gzip at all", {"Content-Encoding": "gzip"})
        err(r, 400, "gzip header on plain bytes")
        r = put_raw(a, p, gzip.compress(b"cut short")[:-6],
                    {"Content-Encoding": "gzip"})
        err(r, 400, "truncated gzip")
        eq(read(p), b"hello\n", "old content after bad gzip")
        eq(temp_files(d.path), [], "temporary files")
        # Two members, multipart inside gzip.
        body, h = multipart([("file", d("m.txt"), b"multi")])
        h["Content-Encoding"] = "GZIP"
        r = a.req("POST", "/files", gzip.compress(body[:10]) +
                  gzip.compress(body[10:]), h)
        status(r, 200, "gzipped multipart")
        eq(read(d("m.txt")), b"multi", "content")

        def dl(ae, extra=None):
            h = {"Accept-Encoding": ae}
            h.update(extra or {})
            return get(a, p, h)
        r = dl("gzip;q=1.0, identity;q=0.5")
        status(r, 200, "gzip preferred")
        eq(r.header("content-encoding"), "gzip", "Content-Encoding")
        eq(r.header("vary"), "Accept-Encoding", "Vary")
        eq(gzip.decompress(r.body), b"hello\n", "inflated")
        r = dl("br")
        status(r, 200, "br")
        check(not r.has("content-encoding"), "br answered %r" % r)
        eq(r.body, b"hello\n", "identity body")
        err(dl("br, identity;q=0"), 406, "nothing acceptable",
            "no acceptable encoding found, supported: [gzip]")
        r = dl("gzip", {"Range": "bytes=0-1"})
        status(r, 206, "Range with gzip offered")
        check(not r.has("content-encoding"), "206 encoded: %r" % r)
        eq(r.header("content-range"), "bytes 0-1/6", "Content-Range")
        eq(r.body, b"he", "range body")
        err(dl("gzip, identity;q=0", {"Range": "bytes=0-1"}), 406,
            "Range without identity", "identity encoding not acceptable "
            "for Range or conditional request")
        r = dl("GZIP")
        eq(r.header("content-encoding"), "gzip", "upper-case GZIP")
        r = dl("*;q=0, gzip")
        eq(r.header("content-encoding"), "gzip", "*;q=0, gzip")
        err(dl("identity;q=0"), 406, "identity;q=0")


# ------------------------------------------------------------ B06

@test
def b06_names():
    with Agent() as a, Dir() as d:
        name = "na\u00efve \u6587\u4ef6.txt"
        p = d("dir with space", name)
        enc = urllib.parse.quote(p, safe="")
        status(a.req("POST", "/files?path=" + enc, b"x",
                     {"Content-Type": "application/octet-stream"}), 200,
               "upload to a non-ASCII path")
        eq(read(p), b"x", "content")
        plus = urllib.parse.quote_plus(p, safe="/")
        check("+" in plus, "the form encoding has no '+': %s" % plus)
        for what, query in (("%-encoded", enc), ("'+' for spaces", plus)):
            r = a.req("GET", "/files?path=" + query)
            status(r, 200, what)
            eq(r.body, b"x", what + " body")
            eq(r.header("content-disposition"),
               "inline; filename*=utf-8''na%C3%AFve%20%E6%96%87%E4%BB%B6.txt",
               what + " Content-Disposition")
        status(a.req("POST", "/files?path=" + q(d("c++.txt")), b"cpp",
                     {"Content-Type": "application/octet-stream"}), 200,
               "c++ upload")
        eq(sorted(os.listdir(d.path)), ["c++.txt", "dir with space"],
           "names on disk")
        eq(os.listdir(d("dir with space")), [name], "raw UTF-8 name")
        eq(get(a, d("c++.txt")).body, b"cpp", "c++ download")
        odd = d('a"b;c\\d.txt')
        status(put_raw(a, odd, b"o"), 200, "odd name upload")
        r = get(a, odd)
        eq(r.header("content-disposition"),
           'inline; filename="a\\"b;c\\\\d.txt"', "quoted-string")
        eq(r.header("content-type"), "text/plain; charset=utf-8", "type")


# ------------------------------------------------------------ B23

@test
def b23_signed_urls():
    with Agent() as a, Dir() as d:
        status(a.req("POST", "/init", {"accessToken": TOKEN}), 204, "init")
        # A name whose signature holds a '+', sent as %2B.
        for i in range(1000):
            p = d("s%d.txt" % i)
            if "+" in sign(p, "read", "root"):
                break
        write(p, b"signed")
        base = "/files?path=%s&username=root" % q(p)
        err(a.req("GET", base), 401, "no token, no signature",
            "missing signature query parameter")
        r = a.req("GET", base + "&signature=" + q(sign(p, "read", "root")))
        status(r, 200, "valid signature")
        eq(r.body, b"signed", "body")
        err(a.req("GET", base + "&signature=" + q(sign(p, "read", "x"))),
            401, "wrong signature", "invalid signature")
        past = int(time.time()) - 60
        err(a.req("GET", base + "&signature=%s&signature_expiration=%d" % (
            q(sign(p, "read", "root", exp=past)), past)), 401, "expired",
            "signature is already expired")
        fut = int(time.time()) + 600
        status(a.req("GET", base + "&signature=%s&signature_expiration=%d" % (
            q(sign(p, "read", "root", exp=fut)), fut)), 200, "not expired")
        err(a.req("GET", base + "&signature=x&signature_expiration=soon"),
            400, "expiration not an integer")
        hdr = {"Content-Type": "application/octet-stream"}
        err(a.req("POST", base + "&signature=" +
                  q(sign(p, "read", "root")), b"w", hdr), 401,
            "read signature on POST", "invalid signature")
        status(a.req("POST", base + "&signature=" +
                     q(sign(p, "write", "root")), b"w", hdr), 200,
               "write signature")
        eq(read(p), b"w", "written")
        good = base + "&signature=" + q(sign(p, "read", "root"))
        err(a.req("GET", good, headers={"X-Access-Token": "wrong"}), 401,
            "wrong header token beats a valid signature",
            "access token present in header but does not match")
        status(a.req("GET", base, headers={"x-access-token": TOKEN}), 200,
               "header token")
        # The username in the signed string is the raw parameter.
        nouser = "/files?path=%s&signature=%s" % (q(p), q(sign(p, "read",
                                                               "")))
        status(a.req("GET", nouser), 200, "no username signs ''")


# --------------------------------------------------- ranges, caching

@test
def ranges():
    with Agent() as a, Dir() as d:
        p = d("r.txt")
        write(p, b"abcdef")
        for rng, cr, body in (("bytes=1-3", "bytes 1-3/6", b"bcd"),
                              ("bytes=-2", "bytes 4-5/6", b"ef"),
                              ("bytes=4-", "bytes 4-5/6", b"ef"),
                              ("bytes=0-99", "bytes 0-5/6", b"abcdef")):
            r = get(a, p, {"Range": rng})
            status(r, 206, rng)
            eq((r.header("content-range"), r.body), (cr, body), rng)
            eq(r.header("content-length"), str(len(body)), rng + " length")
        for rng in ("bytes=6-", "bytes=3-1", "bytes=x"):
            r = get(a, p, {"Range": rng})
            err(r, 416, rng)
            eq(r.header("content-range"), "bytes */6", rng)
        r = get(a, p, {"Range": "bytes=0-0,2-3"})
        status(r, 200, "several ranges: the whole file")
        eq(r.body, b"abcdef", "whole")
        status(get(a, p, {"Range": "lines=1-2"}), 200, "another unit")
        lm = get(a, p).header("last-modified")
        r = get(a, p, {"Range": "bytes=0-0", "If-Range": lm})
        eq((r.status, r.body), (206, b"a"), "If-Range, same date")
        r = get(a, p, {"Range": "bytes=0-0",
                       "If-Range": "Mon, 01 Jan 2001 00:00:00 GMT"})
        eq((r.status, r.body), (200, b"abcdef"), "If-Range, other date")
        r = get(a, p, {"Range": "bytes=2-3"}, method="HEAD")
        eq((r.status, r.header("content-length")), (206, "2"), "HEAD range")


@test
def conditional_requests():
    with Agent() as a, Dir() as d:
        p = d("c.json")
        write(p, b"{}")
        os.utime(p, (1700000000, 1700000000))
        r = get(a, p)
        status(r, 200, "GET")
        eq(r.header("last-modified"), "Tue, 14 Nov 2023 22:13:20 GMT",
           "Last-Modified")
        eq(r.header("accept-ranges"), "bytes", "Accept-Ranges")
        eq(r.header("content-type"), "application/json", "Content-Type")
        r = get(a, p, {"If-Modified-Since": "Tue, 14 Nov 2023 22:13:20 GMT",
                       "Accept-Encoding": "gzip"})
        status(r, 304, "not modified")
        eq(r.body, b"", "304 body")
        r = get(a, p, {"If-Modified-Since": "Tue, 14 Nov 2023 22:13:19 GMT"})
        eq((r.status, r.body), (200, b"{}"), "modified since")
        status(get(a, p, {"If-None-Match": "*"}), 304, "If-None-Match: *")
        r = get(a, p, {"If-None-Match": '"abc"',
                       "If-Modified-Since": "Tue, 14 Nov 2023 22:13:20 GMT"})
        status(r, 200, "If-None-Match wins over If-Modified-Since")
        status(get(a, p, {"If-Modified-Since": "yesterday"}), 200,
               "a bad date is ignored")


# -------------------------------------------------- big and binary

@test
def binary_1mib_both_ways():
    with Agent() as a, Dir() as d:
        data = os.urandom(1 << 20)
        src = d("src.bin")
        write(src, data)
        p = d("dst.bin")
        st, _, body = a.curl("/files?path=" + q(p), "-F",
                             "file=@%s;filename=x" % src)
        eq(st, 200, "curl multipart upload")
        check(read(p) == data, "multipart upload differs")
        st, h, body = a.curl("/files?path=" + q(p))
        eq(st, 200, "curl download")
        check(body == data, "identity download differs")
        eq(h.get("content-type"), "application/octet-stream", "type")
        st, h, body = a.curl("/files?path=" + q(p), "--compressed")
        eq(h.get("content-encoding"), "gzip", "gzip download")
        check(body == data, "gzip download differs")
        st, _, _ = a.curl("/files?path=" + q(d("raw.bin")), "-H",
                          "Content-Type: application/octet-stream",
                          "--data-binary", "@" + src)
        eq(st, 200, "curl raw upload")
        check(read(d("raw.bin")) == data, "raw upload differs")
        st, _, _ = a.curl("/files?path=" + q(d("ch.bin")), "-H",
                          "Transfer-Encoding: chunked", "-F",
                          "file=@%s;filename=x" % src)
        eq(st, 200, "chunked multipart upload")
        check(read(d("ch.bin")) == data, "chunked multipart differs")
        gz = d("src.gz")
        write(gz, gzip.compress(data))
        st, _, _ = a.curl("/files?path=" + q(d("gz.bin")), "-H",
                          "Content-Type: application/octet-stream", "-H",
                          "Content-Encoding: gzip", "-H",
                          "Transfer-Encoding: chunked",
                          "--data-binary", "@" + gz)
        eq(st, 200, "chunked gzip raw upload")
        check(read(d("gz.bin")) == data, "gzip raw upload differs")
        # A slow reader: the agent pauses, then sends every byte.
        with a.conn(timeout=20) as c:
            c.send("GET /files?path=%s HTTP/1.1\r\nHost: x\r\n\r\n" % q(p))
            time.sleep(0.5)
            r = c.final_response(timeout=20)
            check(r.body == data, "slow reader got different bytes")


@test
def multipart_byte_by_byte():
    with Agent() as a, Dir() as d, a.conn(timeout=30) as c:
        body, h = multipart([("file", d("bb.txt"), b"\r\n--xYz\r\r\n-")])
        c.send_bytewise("POST /files HTTP/1.1\r\nHost: x\r\nContent-Type: "
                        "%s\r\nContent-Length: %d\r\n\r\n" % (
                            h["Content-Type"], len(body)), pause=0)
        c.send_bytewise(body, pause=0.0005)
        status(c.final_response(), 200, "bytewise multipart")
        eq(read(d("bb.txt")), b"\r\n--xYz\r\r\n-", "content")


# ------------------------------------------------ failures, no harm

@test
def shrunk_file_download_is_cut_not_padded():
    """A file that shrinks while it is sent: the identity answer ends
    short of its Content-Length and the connection closes, so no client
    takes zeros for content."""
    with Agent() as a, Dir() as d:
        p = d("shrink.bin")
        write(p, os.urandom(1 << 20) * 32)
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        s.settimeout(10)
        s.connect(("127.0.0.1", a.port))
        s.sendall(("GET /files?path=%s HTTP/1.1\r\nHost: x\r\n\r\n"
                   % q(p)).encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            buf += s.recv(4096)
        head, body = buf.split(b"\r\n\r\n", 1)
        check(b"Content-Length: 33554432" in head, "head: %r" % head)
        with open(p, "r+b") as f:
            f.truncate(1 << 20)
        n = len(body)
        t0 = time.monotonic()
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            n += len(chunk)
            check(time.monotonic() - t0 < 20, "no end of the cut answer")
        s.close()
        check(n < 33554432, "got the full promised length (%d)" % n)
        status(a.req("GET", "/health"), 200, "agent alive")


@test
def cut_upload_keeps_old_file():
    with Agent() as a, Dir() as d:
        p = d("keep.txt")
        write(p, b"old content")
        for kind in ("raw", "multipart"):
            c = a.conn()
            if kind == "raw":
                c.send("POST /files?path=%s HTTP/1.1\r\nHost: x\r\n"
                       "Content-Type: application/octet-stream\r\n"
                       "Content-Length: 1048576\r\n\r\n" % q(p))
            else:
                c.send("POST /files?path=%s HTTP/1.1\r\nHost: x\r\n"
                       "Content-Type: multipart/form-data; boundary=b\r\n"
                       "Content-Length: 1048576\r\n\r\n--b\r\n"
                       "Content-Disposition: form-data; name=file\r\n\r\n"
                       % q(p))
            c.send(b"n" * 200000)
            wait_for(lambda: temp_files(d.path), 5, "a temporary file")
            c.close()
            wait_for(lambda: not temp_files(d.path), 5,
                     "the temporary file to go (%s)" % kind)
            eq(read(p), b"old content", "old content after a cut " + kind)
        body, h = multipart([("file", p, b"new")])
        err(a.req("POST", "/files", body[:-8], h), 500, "no close delimiter")
        body = (b"--xYzBoUnDaRy\r\nContent-Disposition: form-data; "
                b"name=file; filename=" + p.encode() + b"\r\n" +
                b"X: " + b"h" * 9000 + b"\r\n\r\nnew\r\n--xYzBoUnDaRy--")
        err(a.req("POST", "/files", body, h), 500, "huge part headers")
        err(a.req("POST", "/files", b"x",
                  {"Content-Type": "multipart/form-data"}), 500,
            "no boundary")
        eq(read(p), b"old content", "old content after bad bodies")
        eq(temp_files(d.path), [], "temporary files")
        status(a.req("GET", "/health"), 200, "agent alive")


@test
def errors_and_keepalive():
    with Agent() as a, Dir() as d:
        err(get(a, d("none")), 404, "missing",
            "path '%s' does not exist" % d("none"))
        err(get(a, d.path), 400, "directory",
            "path '%s' is a directory" % d.path)
        err(get(a, "/dev/null"), 400, "device",
            "path '/dev/null' is not a regular file")
        err(get(a, "~nobody/x"), 400, "~user")
        write(d("plain"), b"p")
        err(put_raw(a, d("plain", "x.txt"), b"x"), 500, "a file as parent",
            "error ensuring directories: path is a file")
        err(a.req("GET", "/files?path=/etc/hostname&username=no-such-u"),
            401, "unknown user", "user 'no-such-u' not found")
        with a.conn() as c:
            r = c.request("POST", "/files", b"x" * 5000,
                          {"Content-Type": "application/octet-stream"})
            err(r, 400, "refused before its body")
            status(c.request("GET", "/health"), 200, "same connection")
        r = a.req("PUT", "/files")
        status(r, 405, "PUT")
        eq(r.header("allow"), "GET, HEAD, POST", "Allow")


@test
def replace_keeps_mode_metadata_and_links():
    with Agent() as a, Dir() as d:
        p = d("m.sh")
        write(p, b"old")
        os.chmod(p, 0o751)
        r = put_raw(a, p, b"new", {"X-Metadata-Author": "mish",
                                   "x-metadata-Purpose": "test",
                                   "X-Metadata-": "ignored"})
        status(r, 200, "upload")
        eq(os.stat(p).st_mode & 0o7777, 0o751, "mode kept")
        try:
            eq(os.getxattr(p, "user.author"), b"mish", "user.author")
            eq(os.getxattr(p, "user.purpose"), b"test", "user.purpose")
        except OSError as e:
            print("  (xattrs not checked: %s)" % e)
        target = d("target.txt")
        write(target, b"t")
        os.symlink(target, d("link"))
        status(put_raw(a, d("link"), b"through"), 200, "via a link")
        check(os.path.islink(d("link")), "the link was replaced")
        eq(read(target), b"through", "written through the link")


@test
def enospc_507_keeps_old_file():
    need_root()
    with Agent() as a, Dir() as d:
        small = d("small")
        os.mkdir(small)
        # The tmpfs exists in the agent's mount namespace only.
        p = subprocess.run(["nsenter", "-t", str(a.proc.pid), "-m", "mount",
                            "-t", "tmpfs", "-o", "size=64k", "tmpfs", small],
                           capture_output=True, timeout=5)
        eq(p.returncode, 0, "mount tmpfs (%r)" % p.stderr)

        def ls():
            r = subprocess.run(["nsenter", "-t", str(a.proc.pid), "-m",
                                "ls", "-A", small], capture_output=True,
                               timeout=5)
            return r.stdout.decode().split()
        f = os.path.join(small, "f.txt")
        status(put_raw(a, f, b"old"), 200, "small upload")
        err(put_raw(a, f, os.urandom(256 << 10)), 507, "full disk",
            "not enough disk space available")
        eq(get(a, f).body, b"old", "old content")
        eq(ls(), ["f.txt"], "files on the tmpfs")
        body, h = multipart([("file", f, os.urandom(256 << 10))])
        err(a.req("POST", "/files", body, h), 507, "full disk, multipart")
        eq(get(a, f).body, b"old", "old content after multipart")
        eq(ls(), ["f.txt"], "files on the tmpfs after multipart")


if __name__ == "__main__":
    main()
