#!/usr/bin/env python3
"""test_process.py: the process service (process.Process) end to end.

SPEC.md 5.2-5.5, 6 and 9; cases B10, B11, B12, B13, B14, B18, B19, B22
step 4, B26 and H01 (client stream) of CASES.md.  Connect JSON and binary
over HTTP/1.1: unary calls with http.client, server streams and the
StreamInput client stream over raw sockets, with envelopes parsed here and
a small protobuf codec for the process messages (so each test reads the
same JSON-shaped dicts whatever the codec).

The agent's deliberate choices pinned here: SendSignal signals the whole
process group; a missing command gives a start event, a message on stderr
and exit code 127 (126 when not executable); a missing cwd is
invalid_argument before any start event; the end event never carries
`error` for a process that ran; status text "exit status N" and
"signal: <go name>"; SIGNAL_UNSPECIFIED is unimplemented; stdin goes
through a bounded queue; a Connect-Timeout-Ms deadline on Start kills the
process, a client disconnect does not; an absent `stdin` means enabled.

    ENVD_BIN=build/envd python3 tests/e2e/test_process.py [test names]
"""
import base64
import gzip
import hashlib
import http.client
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (ENVD_BIN, Agent, Conn, build_request,  # noqa
                     check, eq, main, need_root, test, wait_for)

PROC = "/process.Process/"
TEST_USER = "envdtest"
TEST_GROUP = "envdgrp"


# ------------------------------------------------ a small protobuf codec

def F(name, num, typ, flags=""):
    """One field: JSON name, number, type, flags (r repeated, m map,
    p presence: optional, oneof member or message)."""
    return (name, num, typ, flags)


SCHEMA = {
    "PTY.Size": [F("cols", 1, "uint32"), F("rows", 2, "uint32")],
    "PTY": [F("size", 1, "PTY.Size", "p")],
    "ProcessConfig": [F("cmd", 1, "string"), F("args", 2, "string", "r"),
                      F("envs", 3, "string", "m"),
                      F("cwd", 4, "string", "p")],
    "ProcessSelector": [F("pid", 1, "uint32", "p"),
                        F("tag", 2, "string", "p")],
    "StartRequest": [F("process", 1, "ProcessConfig", "p"),
                     F("pty", 2, "PTY", "p"), F("tag", 3, "string", "p"),
                     F("stdin", 4, "bool", "p")],
    "ConnectRequest": [F("process", 1, "ProcessSelector", "p")],
    "UpdateRequest": [F("process", 1, "ProcessSelector", "p"),
                      F("pty", 2, "PTY", "p")],
    "Empty": [],
    "ProcessInfo": [F("config", 1, "ProcessConfig", "p"),
                    F("pid", 2, "uint32"), F("tag", 3, "string", "p")],
    "ListResponse": [F("processes", 1, "ProcessInfo", "r")],
    "StartEvent": [F("pid", 1, "uint32")],
    "DataEvent": [F("stdout", 1, "bytes", "p"), F("stderr", 2, "bytes", "p"),
                  F("pty", 3, "bytes", "p")],
    "EndEvent": [F("exitCode", 1, "sint32"), F("exited", 2, "bool"),
                 F("status", 3, "string"), F("error", 4, "string", "p")],
    "ProcessEvent": [F("start", 1, "StartEvent", "p"),
                     F("data", 2, "DataEvent", "p"),
                     F("end", 3, "EndEvent", "p"),
                     F("keepalive", 4, "Empty", "p")],
    "EventResponse": [F("event", 1, "ProcessEvent", "p")],
    "ProcessInput": [F("stdin", 1, "bytes", "p"), F("pty", 2, "bytes", "p")],
    "SendInputRequest": [F("process", 1, "ProcessSelector", "p"),
                         F("input", 2, "ProcessInput", "p")],
    "SI.Start": [F("process", 1, "ProcessSelector", "p")],
    "SI.Data": [F("input", 2, "ProcessInput", "p")],
    "StreamInputRequest": [F("start", 1, "SI.Start", "p"),
                           F("data", 2, "SI.Data", "p"),
                           F("keepalive", 3, "Empty", "p")],
    "SendSignalRequest": [F("process", 1, "ProcessSelector", "p"),
                          F("signal", 2, "enum:Signal")],
    "CloseStdinRequest": [F("process", 1, "ProcessSelector", "p")],
}
ENUMS = {"Signal": {"SIGNAL_UNSPECIFIED": 0, "SIGNAL_SIGTERM": 15,
                    "SIGNAL_SIGKILL": 9}}

# method -> (request message, response message, kind)
METHODS = {
    "List": ("Empty", "ListResponse", "unary"),
    "Connect": ("ConnectRequest", "EventResponse", "server"),
    "Start": ("StartRequest", "EventResponse", "server"),
    "Update": ("UpdateRequest", "Empty", "unary"),
    "StreamInput": ("StreamInputRequest", "Empty", "client"),
    "SendInput": ("SendInputRequest", "Empty", "unary"),
    "SendSignal": ("SendSignalRequest", "Empty", "unary"),
    "CloseStdin": ("CloseStdinRequest", "Empty", "unary"),
}


def _varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _read_varint(b, i):
    v = shift = 0
    while True:
        if i >= len(b):
            raise AssertionError("truncated varint")
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return v, i
        if shift > 63:
            raise AssertionError("varint too long")


def _ld(num, data):
    return _varint(num << 3 | 2) + _varint(len(data)) + data


def _to_bytes(v):
    if isinstance(v, (bytes, bytearray)):
        return bytes(v)
    return base64.b64decode(v)


def _enc_field(num, typ, v):
    if typ == "string":
        return _ld(num, v.encode())
    if typ == "bytes":
        return _ld(num, _to_bytes(v))
    if typ in ("uint32", "bool"):
        return _varint(num << 3) + _varint(int(v))
    if typ == "sint32":
        return _varint(num << 3) + _varint((v << 1) ^ (v >> 31))
    if typ.startswith("enum:"):
        if isinstance(v, str):
            v = ENUMS[typ[5:]][v]
        return _varint(num << 3) + _varint(v)
    return _ld(num, pb_encode(typ, v))


def _is_default(typ, v):
    return v in ("", b"", 0, False) or (typ.startswith("enum:") and
                                         v == "SIGNAL_UNSPECIFIED")


def pb_encode(msg, d):
    """Encodes a JSON-shaped dict (camelCase keys, bytes as base64)."""
    out = bytearray()
    for name, num, typ, fl in SCHEMA[msg]:
        if name not in d:
            continue
        v = d[name]
        if "m" in fl:
            for k, val in v.items():
                out += _ld(num, _ld(1, k.encode()) + _ld(2, val.encode()))
        elif "r" in fl:
            for x in v:
                out += _enc_field(num, typ, x)
        elif "p" in fl or not _is_default(typ, v):
            out += _enc_field(num, typ, v)
    return bytes(out)


def pb_decode(msg, b):
    """Decodes to a JSON-shaped dict; bytes fields stay bytes."""
    fields = {num: (name, typ, fl) for name, num, typ, fl in SCHEMA[msg]}
    d = {}
    i = 0
    b = bytes(b)
    while i < len(b):
        key, i = _read_varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _read_varint(b, i)
        elif wt == 2:
            n, i = _read_varint(b, i)
            if i + n > len(b):
                raise AssertionError("truncated field %d in %s" % (num, msg))
            v = b[i:i + n]
            i += n
        elif wt == 1:
            v, i = b[i:i + 8], i + 8
        elif wt == 5:
            v, i = b[i:i + 4], i + 4
        else:
            raise AssertionError("bad wire type %d in %s" % (wt, msg))
        if num not in fields:
            continue
        name, typ, fl = fields[num]
        scalar = typ in ("uint32", "bool", "sint32") or typ.startswith("enum")
        if scalar != (wt == 0):
            raise AssertionError("field %s of %s: wire type %d" % (
                name, msg, wt))
        if "m" in fl:
            e = pb_decode("MapEntry", v)
            d.setdefault(name, {})[e.get("key", "")] = e.get("value", "")
            continue
        if typ == "string":
            v = v.decode("utf-8")
        elif typ == "bytes":
            pass
        elif typ == "uint32":
            v &= 0xFFFFFFFF
        elif typ == "bool":
            v = bool(v)
        elif typ == "sint32":
            v &= 0xFFFFFFFF
            v = (v >> 1) ^ -(v & 1)
        elif typ.startswith("enum:"):
            names = {n: k for k, n in ENUMS[typ[5:]].items()}
            v = names.get(v, v)
        else:
            v = pb_decode(typ, v)
        if "r" in fl:
            d.setdefault(name, []).append(v)
        else:
            d[name] = v
    return d


SCHEMA["MapEntry"] = [F("key", 1, "string"), F("value", 2, "string")]


class Codec:
    def __init__(self, name):
        self.name = name
        self.is_json = name == "json"
        self.unary_ct = "application/" + name
        self.stream_ct = "application/connect+" + name

    def enc(self, msg, d):
        if self.is_json:
            return json.dumps(d).encode()
        return pb_encode(msg, d)

    def dec(self, msg, b):
        if self.is_json:
            return json.loads(bytes(b)) if b else {}
        return pb_decode(msg, b)


JSON = Codec("json")
PROTO = Codec("proto")
CODECS = (JSON, PROTO)


def raw(v):
    """A bytes field: base64 text (JSON) or bytes (binary)."""
    return _to_bytes(v) if v is not None else b""


def envelope(payload, flags=0):
    return bytes([flags]) + struct.pack(">I", len(payload)) + payload


# ------------------------------------------------------------ unary calls

class Reply:
    def __init__(self, status, headers, body, msg=None, err=None):
        self.status = status
        self.headers = headers
        self.body = body
        self.msg = msg
        self.err = err

    def __repr__(self):
        return "<Reply %d %r>" % (self.status, self.err or self.msg)


def unary(port, method, req, codec=JSON, headers=None, body=None,
          timeout=10.0):
    """One Connect unary call; decodes the message or the error."""
    reqmsg, respmsg, _ = METHODS[method]
    if body is None:
        body = codec.enc(reqmsg, req)
    hs = {"Content-Type": codec.unary_ct, "Connect-Protocol-Version": "1"}
    hs.update(headers or {})
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("POST", PROC + method, body, hs)
        r = c.getresponse()
        data = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
    finally:
        c.close()
    if r.status == 200:
        eq(hdrs.get("content-type", "").split(";")[0], codec.unary_ct,
           "%s Content-Type" % method)
        return Reply(200, hdrs, data, msg=codec.dec(respmsg, data))
    err = None
    if hdrs.get("content-type", "").startswith("application/json") and data:
        err = json.loads(data)
    return Reply(r.status, hdrs, data, err=err)


HTTP_OF = {"canceled": 499, "unknown": 500, "invalid_argument": 400,
           "deadline_exceeded": 504, "not_found": 404, "already_exists": 409,
           "permission_denied": 403, "resource_exhausted": 429,
           "failed_precondition": 400, "aborted": 409, "out_of_range": 400,
           "unimplemented": 501, "internal": 500, "unavailable": 503,
           "data_loss": 500, "unauthenticated": 401}


def ok(r, what="call"):
    if r.status != 200:
        raise AssertionError("%s: status %d %r, want 200" % (
            what, r.status, r.err or r.body[:200]))
    return r.msg


def fails(r, code, message=None, what="call"):
    """r must be the Connect error code (with its HTTP status)."""
    if r.status == 200:
        raise AssertionError("%s: succeeded with %r, want %s" % (
            what, r.msg, code))
    check(r.err is not None, "%s: status %d, body %r is not a Connect "
          "error" % (what, r.status, r.body[:200]))
    eq(r.err.get("code"), code, "%s: error code (%r)" % (what, r.err))
    eq(r.status, HTTP_OF[code], "%s: HTTP status for %s" % (what, code))
    if message is not None:
        eq(r.err.get("message"), message, "%s: message" % what)
    return r.err


# -------------------------------------------------------- HTTP/1.1 reader

class HttpReader:
    """Reads one streamed HTTP/1.1 response from a socket incrementally:
    the head, then the de-chunked body, then envelopes."""

    def __init__(self, sock, timeout=10.0):
        self.sock = sock
        self.raw = bytearray()
        self.body = bytearray()
        self.eof = False
        self.done = False
        self.chunk_sizes = []
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.raw:
            if self.eof:
                raise AssertionError("connection closed before a response "
                                     "head: %r" % bytes(self.raw[:200]))
            if not self._recv(deadline, head=True):
                raise AssertionError("no response head within %.1fs" %
                                     timeout)
        end = self.raw.index(b"\r\n\r\n")
        lines = self.raw[:end].decode("latin-1").split("\r\n")
        del self.raw[:end + 4]
        self.status = int(lines[0].split(" ")[1])
        self.headers = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            self.headers[k.strip().lower()] = v.strip()
        self.chunked = "chunked" in self.headers.get("transfer-encoding",
                                                     "").lower()
        self.clen = int(self.headers.get("content-length", -1))
        self._dechunk()

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def _recv(self, deadline, head=False):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        self.sock.settimeout(left)
        try:
            d = self.sock.recv(1 << 20)
        except socket.timeout:
            return False
        except ConnectionResetError:
            d = b""
        if not d:
            self.eof = True
        self.raw += d
        if not head:
            self._dechunk()
        return True

    def _dechunk(self):
        if not self.chunked:
            self.body += self.raw
            self.raw.clear()
            if self.eof or (self.clen >= 0 and len(self.body) >= self.clen):
                self.done = True
            return
        while not self.done:
            le = self.raw.find(b"\r\n")
            if le < 0:
                break
            size = int(bytes(self.raw[:le]).split(b";")[0].strip(), 16)
            if size == 0:
                te = self.raw.find(b"\r\n\r\n", le)
                if self.raw[le:le + 4] == b"\r\n\r\n" or te >= 0:
                    self.done = True
                break
            if len(self.raw) < le + 2 + size + 2:
                break
            self.body += self.raw[le + 2:le + 2 + size]
            check(self.raw[le + 2 + size:le + 4 + size] == b"\r\n",
                  "chunk not followed by CRLF")
            self.chunk_sizes.append(size)
            del self.raw[:le + 4 + size]
        if self.eof and not self.done:
            raise AssertionError("EOF inside a chunked body")

    def read_all(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while not self.done and not self.eof:
            if not self._recv(deadline):
                raise AssertionError("body not complete within %.1fs" %
                                     timeout)
        return bytes(self.body)

    def envelope(self, timeout=10.0):
        """(flags, payload) of the next envelope; None at the body's end."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self.body) >= 5:
                n = struct.unpack(">I", self.body[1:5])[0]
                if len(self.body) >= 5 + n:
                    flags = self.body[0]
                    payload = bytes(self.body[5:5 + n])
                    del self.body[:5 + n]
                    return flags, payload
            if self.done or self.eof:
                if self.body:
                    raise AssertionError("body ends inside an envelope: %r"
                                         % bytes(self.body[:50]))
                return None
            if not self._recv(deadline):
                raise AssertionError("no envelope within %.1fs" % timeout)


def _connect(port, timeout, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


class Stream:
    """A Connect server stream: Start, Connect (or WatchDir, JSON)."""

    def __init__(self, port, method, req, codec=JSON, headers=None,
                 timeout=10.0, body=None, path=None, rcvbuf=None):
        self.codec = codec
        self.respmsg = METHODS[method][1] if method in METHODS else None
        if body is None:
            body = envelope(codec.enc(METHODS[method][0] if method in METHODS
                                      else None, req))
        hs = {"Content-Type": codec.stream_ct,
              "Connect-Protocol-Version": "1"}
        hs.update(headers or {})
        self.sock = _connect(port, timeout, rcvbuf)
        self.sock.sendall(build_request("POST", path or PROC + method, body,
                                        hs))
        self.r = HttpReader(self.sock, timeout)
        self.status = self.r.status
        self.trailer = None

    def check_head(self):
        eq(self.status, 200, "stream HTTP status")
        eq(self.r.header("content-type"), self.codec.stream_ct,
           "stream Content-Type")
        check(self.r.chunked and self.r.header("content-length") is None,
              "stream not chunked: %r" % self.r.headers)

    def next(self, timeout=10.0):
        """('msg', dict), ('end', end-stream dict), or None after it."""
        e = self.r.envelope(timeout)
        if e is None:
            return None
        flags, payload = e
        if flags & 1:
            check(self.r.header("connect-content-encoding") == "gzip",
                  "compressed envelope without Connect-Content-Encoding")
            payload = gzip.decompress(payload)
        if flags & 2:
            check(self.trailer is None, "two end-stream envelopes")
            self.trailer = json.loads(payload)
            return ("end", self.trailer)
        check(self.trailer is None, "message after the end-stream envelope")
        return ("msg", self.codec.dec(self.respmsg, payload))

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


class Events:
    """What a process stream carried, event by event."""

    def __init__(self):
        self.kinds = []
        self.pid = None
        self.stdout = bytearray()
        self.stderr = bytearray()
        self.pty = bytearray()
        self.data = []          # (field, bytes) in order
        self.end = None
        self.trailer = None
        self.keepalives = []    # arrival times

    def add(self, m):
        ev = m.get("event")
        check(isinstance(ev, dict) and len(ev) == 1,
              "a ProcessEvent must hold one event: %r" % m)
        kind, v = next(iter(ev.items()))
        check(self.end is None, "event %s after the end event" % kind)
        if kind == "start":
            check(not self.kinds, "start is not the first event: %r" %
                  self.kinds)
            self.pid = v.get("pid", 0)
        elif kind == "data":
            check(self.kinds and self.kinds[0] == "start",
                  "data before start")
            check(len(v) == 1, "a DataEvent must hold one field: %r" % v)
            f, b = next(iter(v.items()))
            b = raw(b)
            self.data.append((f, b))
            getattr(self, f).extend(b)
        elif kind == "end":
            self.end = v
        elif kind == "keepalive":
            self.keepalives.append(time.monotonic())
        else:
            raise AssertionError("unknown event %r" % kind)
        self.kinds.append(kind)
        return kind

    def text(self, f="stdout"):
        return bytes(getattr(self, f)).decode("utf-8", "replace")


def read_events(s, ev=None, timeout=10.0, until=None):
    """Reads s into ev up to the end-stream envelope (or until(ev))."""
    ev = ev or Events()
    deadline = time.monotonic() + timeout
    while True:
        if until and until(ev):
            return ev
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("stream not over within %.1fs: kinds %r, "
                                 "stdout %r" % (timeout, ev.kinds[-20:],
                                                ev.text()[-200:]))
        n = s.next(left)
        if n is None:
            raise AssertionError("stream body ended without an end-stream "
                                 "envelope (kinds %r)" % ev.kinds[-20:])
        if n[0] == "end":
            ev.trailer = n[1]
            check(s.next(2.0) is None, "bytes after the end-stream envelope")
            check(s.r.done, "chunked body not terminated")
            if until and not until(ev):
                raise AssertionError("stream ended (%r) before the awaited "
                                     "state; kinds %r" % (n[1], ev.kinds))
            return ev
        ev.add(n[1])


def start(a, req, codec=JSON, headers=None, timeout=10.0, **kw):
    s = Stream(a.port, "Start", req, codec, headers, timeout, **kw)
    return s


def run(a, req, codec=JSON, headers=None, timeout=15.0):
    """Start, read to the end; the stream must end cleanly."""
    with start(a, req, codec, headers) as s:
        s.check_head()
        ev = read_events(s, timeout=timeout)
    eq(ev.trailer, {}, "end-stream of a clean stream")
    check(ev.kinds[0] == "start" and ev.kinds[-1] == "end",
          "events %r: want start ... end" % ev.kinds)
    eq(ev.kinds.count("start"), 1, "start events")
    return ev


def sh(cmd, **kw):
    d = {"process": {"cmd": "/bin/sh", "args": ["-c", cmd]}}
    d.update(kw)
    return d


def stream_error(s, code, message=None, what="stream"):
    """s must end with only an end-stream error, HTTP 200."""
    eq(s.status, 200, "%s: HTTP status" % what)
    n = s.next(5.0)
    check(n is not None and n[0] == "end",
          "%s: got %r, want only the end-stream error" % (what, n))
    err = n[1].get("error")
    check(err, "%s: end-stream %r has no error" % (what, n[1]))
    eq(err.get("code"), code, "%s: error code (%r)" % (what, err))
    if message is not None:
        eq(err.get("message"), message, "%s: message" % what)
    check(s.next(2.0) is None, "%s: bytes after the end-stream" % what)
    return err


def clean_end(ev, code=0, what="end"):
    e = ev.end
    check(e is not None, "%s: no end event" % what)
    eq(e.get("exitCode", 0), code, "%s exitCode" % what)
    eq(e.get("exited", False), True, "%s exited" % what)
    eq(e.get("status"), "exit status %d" % code, "%s status" % what)
    check("error" not in e, "%s: error set for a process that ran: %r" % (
        what, e))


def signal_end(ev, name="killed", what="end"):
    e = ev.end
    check(e is not None, "%s: no end event" % what)
    eq(e.get("exitCode", 0), -1, "%s exitCode" % what)
    eq(e.get("exited", False), False, "%s exited" % what)
    eq(e.get("status"), "signal: " + name, "%s status" % what)
    check("error" not in e, "%s: error set: %r" % (what, e))


# ------------------------------------------------------- client streaming

def split_points(n, sizes=(1, 2, 3, 5, 7, 4, 1, 11, 6, 2)):
    """Odd cut points over n bytes: many land inside 5-byte prefixes."""
    cuts, i, k = [], 0, 0
    while i < n:
        i += sizes[k % len(sizes)]
        k += 1
        cuts.append(min(i, n))
    return cuts


class ClientStream:
    """StreamInput over HTTP/1.1: envelopes sent as chunks cut at odd
    offsets, then the response read as a stream."""

    def __init__(self, port, codec=JSON, headers=None, timeout=10.0):
        self.codec = codec
        self.port = port
        self.timeout = timeout
        hs = {"Content-Type": codec.stream_ct,
              "Connect-Protocol-Version": "1",
              "Transfer-Encoding": "chunked"}
        hs.update(headers or {})
        self.sock = _connect(port, timeout)
        self.sock.sendall(build_request("POST", PROC + "StreamInput", None,
                                        hs))
        self.broken = False

    def _chunk(self, data):
        try:
            self.sock.sendall(b"%x\r\n" % len(data) + data + b"\r\n")
        except OSError:
            self.broken = True

    def send(self, msgs, split=True, pause=0.0005, sizes=None):
        payload = b"".join(envelope(self.codec.enc("StreamInputRequest", m))
                           for m in msgs)
        if not split:
            self._chunk(payload)
            return
        prev = 0
        for cut in (split_points(len(payload), sizes) if sizes else
                    split_points(len(payload))):
            self._chunk(payload[prev:cut])
            prev = cut
            if pause:
                time.sleep(pause)

    def send_raw(self, data):
        self._chunk(data)

    def finish(self):
        try:
            self.sock.sendall(b"0\r\n\r\n")
        except OSError:
            self.broken = True
        return self.response()

    def response(self):
        r = HttpReader(self.sock, self.timeout)
        eq(r.status, 200, "StreamInput HTTP status")
        eq(r.header("content-type"), self.codec.stream_ct,
           "StreamInput Content-Type")
        msgs, trailer = [], None
        while True:
            e = r.envelope(self.timeout)
            if e is None:
                break
            flags, payload = e
            if flags & 2:
                trailer = json.loads(payload)
            else:
                check(trailer is None, "message after the end-stream")
                msgs.append(self.codec.dec("Empty", payload))
        check(trailer is not None, "StreamInput: no end-stream envelope")
        return msgs, trailer

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def si_start(sel):
    return {"start": {"process": sel}}


def si_data(b, field="stdin"):
    return {"data": {"input": {field: base64.b64encode(b).decode()}}}


# ------------------------------------------------------------ the agent

class PAgent(Agent):
    """An agent that kills what is left in its process table at the end,
    so no test leaves a process behind (children have their own groups,
    which the harness's group kill of the agent does not reach)."""

    def __exit__(self, et, ev, tb):
        try:
            if self.alive():
                r = unary(self.port, "List", {}, timeout=3.0)
                for p in (r.msg or {}).get("processes", []):
                    unary(self.port, "SendSignal", {
                        "process": {"pid": p["pid"]},
                        "signal": "SIGNAL_SIGKILL"}, timeout=3.0)
        except Exception:
            pass
        return super().__exit__(et, ev, tb)

    def list(self, codec=JSON):
        return ok(unary(self.port, "List", {}, codec), "List").get(
            "processes", [])

    def call(self, method, req, codec=JSON, **kw):
        return unary(self.port, method, req, codec, **kw)


def agent_pid(a):
    """The agent's own pid (the harness may run it under unshare/sh)."""
    want = os.path.realpath(ENVD_BIN)

    def exe(p):
        try:
            return os.path.realpath(os.readlink("/proc/%d/exe" % p))
        except OSError:
            return None

    def find():
        if exe(a.proc.pid) == want:
            return a.proc.pid
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % d) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid == a.proc.pid and exe(int(d)) == want:
                return int(d)
        return None
    return wait_for(find, 3.0, "the agent's pid")


def fd_list(pid):
    out = {}
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            out[int(fd)] = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            pass
    return out


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            if ln.startswith("VmRSS:"):
                return int(ln.split()[1])
    raise AssertionError("no VmRSS for %d" % pid)


def gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def wait_gone(pid, timeout, what):
    wait_for(lambda: gone(pid), timeout, "%s (pid %d) to be gone" % (
        what, pid))


def both(fn):
    """Registers fn once per codec, as name[json] and name[proto]."""
    for c in CODECS:
        def t(c=c):
            fn(c)
        t.__name__ = "%s[%s]" % (fn.__name__, c.name)
        test(t)
    return fn


class TempDir:
    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="envd-proc-")
        os.chmod(self.path, 0o755)
        return self.path

    def __exit__(self, *a):
        shutil.rmtree(self.path, ignore_errors=True)


def b64(b):
    return base64.b64encode(b if isinstance(b, bytes) else b.encode()).decode()


# ================================================================ Start

@both
def start_output_and_end(c):
    with PAgent() as a:
        ev = run(a, sh("echo out; echo err >&2; echo more"), c)
        check(ev.pid and ev.pid > 1, "start pid %r" % ev.pid)
        eq(bytes(ev.stdout), b"out\nmore\n", "stdout")
        eq(bytes(ev.stderr), b"err\n", "stderr")
        check(not ev.pty, "pty data for a pipe process")
        clean_end(ev)
        check(a.list(c) == [], "process still listed after its end")


@both
def start_exit_codes_b12(c):
    with PAgent() as a:
        ev = run(a, sh("exit 3"), c)
        clean_end(ev, 3, "exit 3")
        ev = run(a, sh("kill -9 $$"), c)
        signal_end(ev, "killed", "self-kill")
        ev = run(a, sh("kill -TERM $$"), c)
        signal_end(ev, "terminated", "self-TERM")


@both
def start_missing_command_127(c):
    with PAgent() as a:
        ev = run(a, {"process": {"cmd": "/definitely/missing"}}, c)
        check(ev.pid, "no start event for a missing command")
        clean_end(ev, 127, "missing path")
        check("/definitely/missing" in ev.text("stderr") and
              "no such file" in ev.text("stderr").lower(),
              "stderr %r" % ev.text("stderr"))
        ev = run(a, {"process": {"cmd": "definitely-missing-cmd"}}, c)
        clean_end(ev, 127, "missing on PATH")
        check("not found" in ev.text("stderr"),
              "stderr %r" % ev.text("stderr"))


@both
def start_not_executable_126(c):
    with PAgent() as a, TempDir() as d:
        p = os.path.join(d, "noexec.sh")
        with open(p, "w") as f:
            f.write("#!/bin/sh\necho hi\n")
        os.chmod(p, 0o644)
        ev = run(a, {"process": {"cmd": p}}, c)
        check(ev.pid, "no start event")
        clean_end(ev, 126, "not executable")
        check("permission denied" in ev.text("stderr").lower(),
              "stderr %r" % ev.text("stderr"))


@both
def start_missing_cwd_invalid_argument(c):
    with PAgent() as a:
        with start(a, {"process": {"cmd": "/bin/true",
                                   "cwd": "/nonexistent"}}, c) as s:
            eq(s.r.header("content-type"), c.stream_ct, "Content-Type")
            stream_error(s, "invalid_argument",
                         "cwd '/nonexistent' does not exist", "missing cwd")
        with TempDir() as d:
            f = os.path.join(d, "file")
            open(f, "w").close()
            with start(a, {"process": {"cmd": "/bin/true", "cwd": f}},
                       c) as s:
                stream_error(s, "invalid_argument", None, "cwd is a file")
        eq(a.list(c), [], "process table after failed starts")


@both
def start_request_errors(c):
    with PAgent() as a:
        with start(a, {}, c) as s:
            stream_error(s, "invalid_argument", "process config required",
                         "no process")
        with start(a, {"process": {"cmd": ""}}, c) as s:
            stream_error(s, "invalid_argument", None, "empty cmd")
        with start(a, None, c, body=envelope(b"\xff\xff" if not c.is_json
                                             else b"{nope")) as s:
            stream_error(s, "invalid_argument", None, "malformed message")
        with start(a, sh("true"), c, headers={
                "Authorization": "Basic " + b64("nosuchuser:")}) as s:
            stream_error(s, "unauthenticated",
                         "invalid username: 'nosuchuser'", "unknown user")
        # A unary content type on a streaming method matches no protocol.
        r = a.call("List", {}, c, headers={"Content-Type": c.stream_ct},
                   body=envelope(b""))
        eq(r.status, 415, "List with a streaming content type")
        with start(a, None, c, headers={"Content-Type": c.unary_ct},
                   body=c.enc("StartRequest", sh("true"))) as s:
            eq(s.status, 415, "Start with a unary content type")
        eq(a.list(c), [], "process table after failed starts")
        h = http.client.HTTPConnection("127.0.0.1", a.port, timeout=5)
        h.request("POST", PROC + "Nope", b"", {"Content-Type": c.unary_ct})
        r = h.getresponse()
        body = r.read()
        h.close()
        eq(r.status, 404, "unknown method")
        eq(json.loads(body).get("code"), "unimplemented", "unknown method")


@both
def start_cwd_and_user_home(c):
    with PAgent() as a:
        ev = run(a, {"process": {"cmd": "/bin/pwd"}}, c)
        eq(ev.text(), "/root\n", "default cwd (root's home)")
        ev = run(a, {"process": {"cmd": "/bin/pwd", "cwd": "/tmp"}}, c)
        eq(ev.text(), "/tmp\n", "cwd /tmp")
        ev = run(a, {"process": {"cmd": "/bin/pwd", "cwd": "~"}}, c)
        eq(ev.text(), "/root\n", "cwd ~")
        r = a.req("POST", "/init", {"defaultWorkdir": "/tmp"})
        check(r.status == 204, "/init: %r" % r)
        ev = run(a, {"process": {"cmd": "/bin/pwd"}}, c)
        eq(ev.text(), "/tmp\n", "cwd from /init defaultWorkdir")


def env_of(ev):
    out = {}
    for ln in ev.text().split("\n"):
        if ln:
            k, _, v = ln.partition("=")
            out[k] = v
    return out


@both
def start_env_b22(c):
    # The agent's own environment must not reach its processes.
    os.environ["ENVD_E2E_LEAK"] = "leaked"
    try:
        a = PAgent().__enter__()
    finally:
        del os.environ["ENVD_E2E_LEAK"]
    try:
        _env_b22(a, c)
    except BaseException as e:
        a.__exit__(type(e), e, e.__traceback__)
        raise
    a.__exit__(None, None, None)


def _env_b22(a, c):
    r = a.req("POST", "/init", {"envVars": {"A": "1", "B": "two words"}})
    check(r.status == 204, "/init: %r" % r)
    env = env_of(run(a, {"process": {"cmd": "/usr/bin/env"}}, c))
    eq(env.get("A"), "1", "A from /init")
    eq(env.get("B"), "two words", "B from /init")
    eq(env.get("PATH"), os.environ.get("PATH"), "PATH (the agent's)")
    eq(env.get("HOME"), "/root", "HOME")
    eq(env.get("USER"), "root", "USER")
    eq(env.get("LOGNAME"), "root", "LOGNAME")
    check("ENVD_E2E_LEAK" not in env,
          "the agent's environment leaked into a process: %r" % env)
    for k in ("TERM", "SHELL", "PWD"):
        check(k not in env, "%s set without a request: %r" % (k, env))
    env = env_of(run(a, {"process": {
        "cmd": "/usr/bin/env",
        "envs": {"A": "override", "HOME": "/elsewhere", "NEW": "x=y"}}},
        c))
    eq(env.get("A"), "override", "per-process A")
    eq(env.get("HOME"), "/elsewhere", "per-process HOME")
    eq(env.get("NEW"), "x=y", "per-process NEW")
    eq(env.get("B"), "two words", "B kept")


@both
def start_list_shows_config(c):
    with PAgent() as a:
        req = {"process": {"cmd": "/bin/sleep", "args": ["30"],
                           "envs": {"K": "V"}, "cwd": "/tmp"},
               "tag": "listed"}
        s1 = start(a, req, c)
        ev1 = read_events(s1, until=lambda e: e.pid)
        s2 = start(a, {"process": {"cmd": "/bin/sleep", "args": ["30"]}}, c)
        ev2 = read_events(s2, until=lambda e: e.pid)
        try:
            ps = sorted(a.list(c), key=lambda p: p.get("tag", ""))
            eq(len(ps), 2, "processes listed (%r)" % ps)
            eq(ps[0].get("pid"), ev2.pid, "untagged pid")
            check("tag" not in ps[0], "tag on an untagged process")
            eq(ps[0]["config"].get("cmd"), "/bin/sleep", "untagged cmd")
            eq(ps[1].get("pid"), ev1.pid, "tagged pid")
            eq(ps[1].get("tag"), "listed", "tag")
            cfg = ps[1]["config"]
            eq(cfg.get("cmd"), "/bin/sleep", "cmd")
            eq(cfg.get("args"), ["30"], "args")
            eq(cfg.get("envs"), {"K": "V"}, "envs")
            eq(cfg.get("cwd"), "/tmp", "cwd")
        finally:
            s1.close()
            s2.close()


# ============================================================ signals

@both
def signal_group_kill_b10(c):
    with PAgent() as a:
        s = start(a, {"process": {"cmd": "/bin/bash", "args": [
            "-c", "sleep 1000 & echo $!; wait"]}}, c)
        ev = read_events(s, until=lambda e: b"\n" in e.stdout)
        leader = ev.pid
        child = int(ev.text().strip())
        check(not gone(child), "background child not running")
        r = a.call("SendSignal", {"process": {"pid": leader},
                                  "signal": "SIGNAL_SIGKILL"}, c)
        eq(ok(r, "SendSignal"), {}, "SendSignal response")
        t0 = time.monotonic()
        read_events(s, ev, timeout=1.5)
        check(time.monotonic() - t0 <= 1.0,
              "end came %.2fs after SIGKILL" % (time.monotonic() - t0))
        s.close()
        signal_end(ev, "killed")
        eq(ev.trailer, {}, "end-stream")
        wait_gone(child, 1.0, "the background child (group kill)")
        wait_gone(leader, 1.0, "the leader")


@both
def signal_term_b10(c):
    with PAgent() as a:
        with start(a, {"process": {"cmd": "/bin/bash", "args": [
                "-c", "sleep 1000 & echo $!; wait"]}, "tag": "t"}, c) as s:
            ev = read_events(s, until=lambda e: b"\n" in e.stdout)
            child = int(ev.text().strip())
            ok(a.call("SendSignal", {"process": {"tag": "t"},
                                     "signal": "SIGNAL_SIGTERM"}, c))
            read_events(s, ev, timeout=2.0)
        signal_end(ev, "terminated")
        wait_gone(child, 1.0, "the background child")


@both
def signal_errors(c):
    with PAgent() as a:
        with start(a, {"process": {"cmd": "/bin/sleep", "args": ["30"]},
                       "tag": "sl"}, c) as s:
            ev = read_events(s, until=lambda e: e.pid)
            fails(a.call("SendSignal", {"process": {"pid": ev.pid},
                                        "signal": "SIGNAL_UNSPECIFIED"}, c),
                  "unimplemented", None, "SIGNAL_UNSPECIFIED")
            fails(a.call("SendSignal", {"process": {"pid": ev.pid}}, c),
                  "unimplemented", None, "no signal")
            if c.is_json:
                fails(a.call("SendSignal", {"process": {"pid": ev.pid},
                                            "signal": 2}, c),
                      "unimplemented", None, "SIGINT as a number")
            else:
                fails(a.call("SendSignal", {"process": {"pid": ev.pid},
                                            "signal": 2}, c),
                      "unimplemented", None, "SIGINT")
            fails(a.call("SendSignal", {"signal": "SIGNAL_SIGKILL"}, c),
                  "invalid_argument", "process selector required",
                  "no selector")
            fails(a.call("SendSignal", {"process": {"pid": 999999},
                                        "signal": "SIGNAL_SIGKILL"}, c),
                  "not_found", "process with pid 999999 not found",
                  "unknown pid")
            fails(a.call("SendSignal", {"process": {"tag": "nope"},
                                        "signal": "SIGNAL_SIGKILL"}, c),
                  "not_found", "process with tag nope not found",
                  "unknown tag")
            check(not gone(ev.pid), "the process died of a refused signal")
            # Enum as a number (H06 d).
            ok(a.call("SendSignal", {"process": {"tag": "sl"},
                                     "signal": 9}, c), "signal 9")
            read_events(s, ev, timeout=2.0)
        signal_end(ev, "killed")


# ============================================================== stdin

@both
def stdin_b11_close(c):
    with PAgent() as a:
        with start(a, {"process": {"cmd": "/usr/bin/wc", "args": ["-c"]},
                       "stdin": True}, c) as s:
            ev = read_events(s, until=lambda e: e.pid)
            eq(ok(a.call("SendInput", {"process": {"pid": ev.pid}, "input": {
                "stdin": b64("hello")}}, c), "SendInput"), {}, "SendInput")
            eq(ok(a.call("CloseStdin", {"process": {"pid": ev.pid}}, c),
                  "CloseStdin"), {}, "CloseStdin")
            r = a.call("CloseStdin", {"process": {"pid": ev.pid}}, c)
            if r.status != 200:     # wc may have ended already
                fails(r, "not_found", None, "second CloseStdin")
            read_events(s, ev)
        eq(bytes(ev.stdout).strip(), b"5", "wc -c output")
        clean_end(ev)
        # The second close is a no-op while the process still runs.
        with start(a, sh("wc -c; sleep 1", stdin=True), c) as s:
            ev = read_events(s, until=lambda e: e.pid)
            ok(a.call("SendInput", {"process": {"pid": ev.pid}, "input": {
                "stdin": b64("abc")}}, c))
            ok(a.call("CloseStdin", {"process": {"pid": ev.pid}}, c))
            eq(ok(a.call("CloseStdin", {"process": {"pid": ev.pid}}, c),
                  "second CloseStdin"), {}, "second CloseStdin")
            fails(a.call("SendInput", {"process": {"pid": ev.pid}, "input": {
                "stdin": b64("late")}}, c), "failed_precondition",
                "stdin not enabled or closed", "SendInput after CloseStdin")
            read_events(s, ev)
        eq(bytes(ev.stdout).strip(), b"3", "wc -c output")
        clean_end(ev)


@both
def stdin_b11_disabled(c):
    with PAgent() as a:
        t0 = time.monotonic()
        ev = run(a, {"process": {"cmd": "/usr/bin/wc", "args": ["-c"]},
                     "stdin": False}, c)
        check(time.monotonic() - t0 < 2.0, "wc with stdin false took %.1fs"
              % (time.monotonic() - t0))
        eq(bytes(ev.stdout).strip(), b"0", "wc -c of /dev/null")
        clean_end(ev)
        r = a.call("SendInput", {"process": {"pid": ev.pid}, "input": {
            "stdin": b64("x")}}, c)
        check(r.status != 200, "SendInput to an ended process succeeded")
        check(r.err and r.err.get("code") in ("not_found",
                                               "failed_precondition"),
              "SendInput to an ended process: %r" % r)
        with start(a, sh("sleep 5", stdin=False), c) as s:
            ev = read_events(s, until=lambda e: e.pid)
            fails(a.call("SendInput", {"process": {"pid": ev.pid}, "input": {
                "stdin": b64("x")}}, c), "failed_precondition",
                "stdin not enabled or closed", "stdin disabled")
            ok(a.call("CloseStdin", {"process": {"pid": ev.pid}}, c),
               "CloseStdin with stdin disabled")


@both
def stdin_b11_absent_means_enabled(c):
    with PAgent() as a:
        with start(a, {"process": {"cmd": "/bin/cat"}}, c) as s:
            ev = read_events(s, until=lambda e: e.pid)
            # Still running after 2 s: stdin is an open pipe.
            try:
                n = s.next(2.0)
            except AssertionError:
                n = None
            check(n is None, "cat with no stdin field ended: %r" % (n,))
            eq([p["pid"] for p in a.list(c)], [ev.pid], "listed")
            ok(a.call("SendInput", {"process": {"pid": ev.pid}, "input": {
                "stdin": b64("ping\n")}}, c))
            read_events(s, ev, until=lambda e: e.stdout == b"ping\n")
            # An empty input oneof is a no-op.
            ok(a.call("SendInput", {"process": {"pid": ev.pid},
                                    "input": {}}, c), "empty input")
            ok(a.call("CloseStdin", {"process": {"pid": ev.pid}}, c))
            read_events(s, ev)
        eq(bytes(ev.stdout), b"ping\n", "cat output")
        clean_end(ev)


@both
def stdin_large_through_queue(c):
    with PAgent() as a:
        data = os.urandom(3 << 20)
        with start(a, {"process": {"cmd": "/usr/bin/sha256sum"}}, c) as s:
            ev = read_events(s, until=lambda e: e.pid)
            ok(a.call("SendInput", {"process": {"pid": ev.pid}, "input": {
                "stdin": b64(data)}}, c, timeout=30), "3 MB SendInput")
            ok(a.call("CloseStdin", {"process": {"pid": ev.pid}}, c))
            read_events(s, ev, timeout=20)
        clean_end(ev)
        eq(ev.text().split()[0], hashlib.sha256(data).hexdigest(),
           "sha256 of the input as the process read it")
        # Input beyond the queue's bound is refused, not buffered forever.
        with start(a, sh("sleep 30", stdin=True), c) as s:
            ev = read_events(s, until=lambda e: e.pid)
            r = a.call("SendInput", {"process": {"pid": ev.pid}, "input": {
                "stdin": b64(b"x" * (9 << 20))}}, c, timeout=30)
            fails(r, "resource_exhausted", None, "9 MB to a process that "
                  "does not read")


@both
def input_errors_6_5(c):
    with PAgent() as a:
        pipe = start(a, sh("cat; sleep 5"), c)
        pev = read_events(pipe, until=lambda e: e.pid)
        tty = start(a, sh("sleep 10", pty={"size": {"cols": 80,
                                                    "rows": 24}}), c)
        tev = read_events(tty, until=lambda e: e.pid)
        try:
            fails(a.call("SendInput", {"process": {"pid": tev.pid}, "input": {
                "stdin": b64("x")}}, c), "failed_precondition",
                "stdin not enabled or closed", "stdin to a PTY process")
            fails(a.call("SendInput", {"process": {"pid": pev.pid}, "input": {
                "pty": b64("x")}}, c), "failed_precondition",
                "pty not assigned to process", "pty to a pipe process")
            fails(a.call("CloseStdin", {"process": {"pid": tev.pid}}, c),
                  "failed_precondition", None, "CloseStdin of a PTY")
            for m in ("SendInput", "CloseStdin", "Update"):
                fails(a.call(m, {}, c), "invalid_argument",
                      "process selector required", m + " without selector")
                fails(a.call(m, {"process": {"pid": 999999}}, c),
                      "not_found", "process with pid 999999 not found",
                      m + " unknown pid")
                fails(a.call(m, {"process": {"tag": "zzz"}}, c),
                      "not_found", "process with tag zzz not found",
                      m + " unknown tag")
        finally:
            pipe.close()
            tty.close()


@both
def input_write_error_internal(c):
    # SPEC 6.5: a failed write is internal.  The process has closed its
    # stdin: no reader is left, so the write fails with EPIPE.
    with PAgent() as a:
        with start(a, sh("exec 0<&-; echo ready; sleep 5"), c) as s:
            ev = read_events(s, until=lambda e: b"ready" in e.stdout)
            r = a.call("SendInput", {"process": {"pid": ev.pid}, "input": {
                "stdin": b64("lost")}}, c)
            fails(r, "internal", None, "write to a closed stdin")


# ======================================================== StreamInput

@both
def stream_input_split_envelopes_h01(c):
    with PAgent() as a:
        with start(a, {"process": {"cmd": "/bin/cat"}, "tag": "cat"},
                   c) as s:
            ev = read_events(s, until=lambda e: e.pid)
            cs = ClientStream(a.port, c)
            cs.send([si_start({"tag": "cat"}), si_data(b"one\n"),
                     {"keepalive": {}}, si_data(b"two\n")])
            # Written as it arrives: the output comes before the end.
            read_events(s, ev, until=lambda e: e.stdout == b"one\ntwo\n",
                        timeout=5)
            cs.send([si_data(b"three\n")])
            msgs, trailer = cs.finish()
            cs.close()
            eq(trailer, {}, "StreamInput end-stream")
            eq(msgs, [{}], "StreamInput response messages")
            read_events(s, ev, until=lambda e: e.stdout.endswith(b"three\n"))
            ok(a.call("CloseStdin", {"process": {"tag": "cat"}}, c))
            read_events(s, ev)
        eq(bytes(ev.stdout), b"one\ntwo\nthree\n", "cat output")
        clean_end(ev)
        # PTY input through the stream.
        with start(a, sh("read x; echo got-$x", tag="tty",
                         pty={"size": {"cols": 80, "rows": 24}}), c) as s:
            ev = read_events(s, until=lambda e: e.pid)
            cs = ClientStream(a.port, c)
            cs.send([si_start({"tag": "tty"}), si_data(b"abc\n", "pty")])
            eq(cs.finish()[1], {}, "StreamInput to a PTY")
            cs.close()
            read_events(s, ev)
        check(b"got-abc" in ev.pty, "PTY output %r" % bytes(ev.pty))
        clean_end(ev)


@both
def stream_input_large(c):
    with PAgent() as a:
        data = os.urandom(3 << 20)
        with start(a, {"process": {"cmd": "/usr/bin/sha256sum"}}, c) as s:
            ev = read_events(s, until=lambda e: e.pid)
            cs = ClientStream(a.port, c, timeout=30)
            msgs = [si_start({"pid": ev.pid})]
            msgs += [si_data(data[i:i + 65536])
                     for i in range(0, len(data), 65536)]
            cs.send(msgs[:1])
            # Big odd pieces, cut inside the prefixes now and then.
            cs.send(msgs[1:4], pause=0, sizes=(3, 4093, 1, 8191, 2, 30011))
            cs.send(msgs[4:], split=False)
            _, trailer = cs.finish()
            cs.close()
            eq(trailer, {}, "StreamInput end-stream")
            ok(a.call("CloseStdin", {"process": {"pid": ev.pid}}, c))
            read_events(s, ev, timeout=20)
        clean_end(ev)
        eq(ev.text().split()[0], hashlib.sha256(data).hexdigest(),
           "sha256 of the streamed input")


@both
def stream_input_errors(c):
    with PAgent() as a:
        cs = ClientStream(a.port, c)
        cs.send([si_start({"pid": 999999}), si_data(b"x")])
        msgs, trailer = cs.finish()
        cs.close()
        eq(msgs, [], "messages before a not_found end")
        eq(trailer.get("error", {}).get("code"), "not_found",
           "unknown pid: %r" % trailer)
        eq(trailer["error"].get("message"),
           "process with pid 999999 not found", "message")
        cs = ClientStream(a.port, c)
        cs.send([si_data(b"x")])
        msgs, trailer = cs.finish()
        cs.close()
        eq(trailer.get("error", {}).get("code"), "failed_precondition",
           "data before start: %r" % trailer)
        eq(trailer["error"].get("message"), "no start event received",
           "message")
        cs = ClientStream(a.port, c)
        cs.send([{"start": {}}])
        _, trailer = cs.finish()
        cs.close()
        eq(trailer.get("error", {}).get("code"), "invalid_argument",
           "start without a selector: %r" % trailer)
        # Only keepalives: a clean empty answer.
        cs = ClientStream(a.port, c)
        cs.send([{"keepalive": {}}, {"keepalive": {}}])
        msgs, trailer = cs.finish()
        cs.close()
        eq((msgs, trailer), ([{}], {}), "keepalive-only StreamInput")
        # stdin data to a PTY process.
        with start(a, {"process": {"cmd": "/bin/sleep", "args": ["10"]},
                       "pty": {"size": {"cols": 80, "rows": 24}},
                       "tag": "tty"}, c) as s:
            read_events(s, until=lambda e: e.pid)
            cs = ClientStream(a.port, c)
            cs.send([si_start({"tag": "tty"}), si_data(b"x")])
            _, trailer = cs.finish()
            cs.close()
            eq(trailer.get("error", {}).get("code"), "failed_precondition",
               "stdin data to a PTY: %r" % trailer)
        # A half envelope at the end of the body.
        cs = ClientStream(a.port, c)
        cs.send_raw(b"\x00\x00\x00")
        _, trailer = cs.finish()
        cs.close()
        eq(trailer.get("error", {}).get("code"), "invalid_argument",
           "truncated envelope: %r" % trailer)
        # The process ends (and leaves the table) between start and data:
        # the stream must not write to what is gone.
        with start(a, sh("sleep 0.3"), c) as s:
            pid = read_events(s, until=lambda e: e.pid).pid
            cs = ClientStream(a.port, c)
            cs.send([si_start({"pid": pid})])
            clean_end(read_events(s))
            time.sleep(0.2)
            cs.send([si_data(b"late")])
            _, trailer = cs.finish()
            cs.close()
            eq(trailer.get("error", {}).get("code"), "not_found",
               "data after the process ended: %r" % trailer)
        eq(a.req("GET", "/health").status, 200, "agent alive")


# ============================================================ Update, PTY

@both
def update_6_7(c):
    with PAgent() as a:
        with start(a, sh("read x; stty size"), c) as s:
            ev = read_events(s, until=lambda e: e.pid)
            fails(a.call("Update", {"process": {"pid": ev.pid},
                                    "pty": {"size": {"cols": 10,
                                                     "rows": 10}}}, c),
                  "failed_precondition", "tty not assigned to process",
                  "Update of a pipe process")
            eq(ok(a.call("Update", {"process": {"pid": ev.pid}}, c),
                  "Update without pty"), {}, "no-op Update")
            ok(a.call("CloseStdin", {"process": {"pid": ev.pid}}, c))
            read_events(s, ev)
        with start(a, sh("read x; stty size; read y; stty size",
                         pty={"size": {"cols": 30, "rows": 10}}), c) as s:
            ev = read_events(s, until=lambda e: e.pid)
            ok(a.call("SendInput", {"process": {"pid": ev.pid}, "input": {
                "pty": b64("a\n")}}, c))
            read_events(s, ev, until=lambda e: b"10 30" in e.pty)
            ok(a.call("Update", {"process": {"pid": ev.pid}, "pty": {
                "size": {"cols": 132, "rows": 50}}}, c), "resize")
            ok(a.call("Update", {"process": {"pid": ev.pid}}, c),
               "Update without pty on a PTY")
            ok(a.call("SendInput", {"process": {"pid": ev.pid}, "input": {
                "pty": b64("b\n")}}, c))
            read_events(s, ev)
        check(b"50 132" in ev.pty, "stty size after Update: %r" % ev.pty)
        clean_end(ev)


@both
def pty_bash_b19(c):
    with PAgent() as a, TempDir() as d:
        count = os.path.join(d, "ptycount")
        with start(a, {"process": {"cmd": "/bin/bash", "args": ["-i", "-l"],
                                   "envs": {"TERM": "xterm-256color"}},
                       "pty": {"size": {"cols": 80, "rows": 24}}}, c) as s:
            ev = read_events(s, until=lambda e: e.pid)
            ok(a.call("Update", {"process": {"pid": ev.pid}, "pty": {
                "size": {"cols": 100, "rows": 40}}}, c), "Update")
            ok(a.call("SendInput", {"process": {"pid": ev.pid}, "input": {
                "pty": b64("stty size; echo $$ >> %s; exit 5\n" % count)}},
                c), "SendInput pty")
            read_events(s, ev, timeout=15)
        eq(ev.trailer, {}, "end-stream")
        check(ev.data, "no output")
        eq({f for f, _ in ev.data}, {"pty"}, "data fields of a PTY process")
        check(all(len(b) <= 16384 for _, b in ev.data), "PTY event > 16 KiB")
        check(b"40 100" in ev.pty, "stty size output: %r" % ev.pty[-300:])
        clean_end(ev, 5)
        with open(count) as f:
            lines = f.read().split()
        eq(lines, [str(ev.pid)], "one spawn, and $$ is the start pid")
        starts = [e for e in a.logs() if e.get("message") ==
                  "process started" and e.get("cmd") == "/bin/bash"]
        eq(len(starts), 1, "bash spawned once")


# ================================================== Connect and tags

@both
def connect_live_events(c):
    with PAgent() as a:
        s = start(a, {"process": {"cmd": "/bin/sh", "args": [
            "-c", "echo first; read x; echo $x; read y; echo $y; exit 4"]},
            "tag": "live"}, c)
        sev = read_events(s, until=lambda e: e.stdout == b"first\n")
        c1 = Stream(a.port, "Connect", {"process": {"tag": "live"}}, c)
        c2 = Stream(a.port, "Connect", {"process": {"pid": sev.pid}}, c)
        c1.check_head()
        e1 = read_events(c1, until=lambda e: e.pid)
        e2 = read_events(c2, until=lambda e: e.pid)
        eq((e1.pid, e2.pid), (sev.pid, sev.pid), "Connect start pids")
        ok(a.call("SendInput", {"process": {"tag": "live"}, "input": {
            "stdin": b64("second\n")}}, c))
        for e, st in ((e1, c1), (e2, c2), (sev, s)):
            read_events(st, e, until=lambda e: b"second\n" in e.stdout)
        ok(a.call("SendInput", {"process": {"tag": "live"}, "input": {
            "stdin": b64("third\n")}}, c))
        for st in (c1, c2, s):
            read_events(st, {c1: e1, c2: e2, s: sev}[st])
            st.close()
        eq(bytes(e1.stdout), b"second\nthird\n", "Connect 1: no replay")
        eq(bytes(e2.stdout), b"second\nthird\n", "Connect 2")
        eq(bytes(sev.stdout), b"first\nsecond\nthird\n", "Start stream")
        eq(e1.data, e2.data, "both Connect streams get the same events")
        for e in (e1, e2, sev):
            clean_end(e, 4)
            eq(e.trailer, {}, "end-stream")


@both
def connect_errors(c):
    with PAgent() as a:
        with Stream(a.port, "Connect", {"process": {"tag": "zzz"}}, c) as s:
            stream_error(s, "not_found", "process with tag zzz not found",
                         "unknown tag")
        with Stream(a.port, "Connect", {"process": {"pid": 999999}},
                    c) as s:
            stream_error(s, "not_found", "process with pid 999999 not found",
                         "unknown pid")
        with Stream(a.port, "Connect", {}, c) as s:
            stream_error(s, "invalid_argument", "process selector required",
                         "no selector")


@both
def tags_b13(c):
    with PAgent() as a:
        pids = {}
        for t in ("a", "b", "c", None):
            req = {"process": {"cmd": "/bin/sleep", "args": ["60"]},
                   "stdin": True}
            if t:
                req["tag"] = t
            with start(a, req, c) as s:     # closed after the start event
                pids[t] = read_events(s, until=lambda e: e.pid).pid
        for i in range(50):
            for t in ("c", "a"):
                with Stream(a.port, "Connect", {"process": {"tag": t}},
                            c) as s:
                    ev = read_events(s, until=lambda e: e.pid)
                    eq(ev.pid, pids[t], "Connect tag %s (round %d)" % (t, i))
            ok(a.call("SendInput", {"process": {"tag": "b"}, "input": {
                "stdin": "eA=="}}, c), "SendInput tag b (round %d)" % i)
        ps = a.list(c)
        eq(len(ps), 4, "listed processes")
        eq(sorted(p.get("tag", "") for p in ps), ["", "a", "b", "c"], "tags")
        eq({p.get("tag"): p["pid"] for p in ps}, pids, "pids by tag")
        with Stream(a.port, "Connect", {"process": {"tag": "zzz"}}, c) as s:
            stream_error(s, "not_found", None, "unknown tag")


# ============================================ keepalive, deadline, life

def _gaps(ts, t0):
    out, prev = [], t0
    for t in ts:
        out.append(t - prev)
        prev = t
    return out


@both
def keepalive_events_b26(c):
    with PAgent() as a:
        with start(a, {"process": {"cmd": "/bin/sleep", "args": ["3"]}}, c,
                   headers={"Keepalive-Ping-Interval": "1"}) as s:
            ev = read_events(s, until=lambda e: e.pid)
            t0 = time.monotonic()
            read_events(s, ev)
        check(len(ev.keepalives) >= 2, "keepalives in 3 s at 1 s: %d" %
              len(ev.keepalives))
        g = _gaps(ev.keepalives, t0)
        check(all(0.6 < x < 1.5 for x in g[1:]), "keepalive gaps %r" % g)
        clean_end(ev)
        # Data events restart the timer: output every 0.5 s, none.
        ev = run(a, sh("for i in 1 2 3 4 5; do sleep 0.5; echo $i; done"), c,
                 headers={"Keepalive-Ping-Interval": "1"})
        eq(ev.keepalives, [], "keepalives between frequent data events")
        # An unparsable interval falls back to the default (90 s).
        ev = run(a, {"process": {"cmd": "/bin/sleep", "args": ["2"]}}, c,
                 headers={"Keepalive-Ping-Interval": "abc"})
        eq(ev.keepalives, [], "keepalives with interval 'abc'")
        clean_end(ev)
        # Connect streams get them too.
        with start(a, {"process": {"cmd": "/bin/sleep", "args": ["3"]},
                       "tag": "k"}, c) as s:
            read_events(s, until=lambda e: e.pid)
            with Stream(a.port, "Connect", {"process": {"tag": "k"}}, c,
                        headers={"Keepalive-Ping-Interval": "1"}) as cs:
                cev = read_events(cs)
            check(len(cev.keepalives) >= 2, "Connect keepalives: %d" %
                  len(cev.keepalives))


@both
def deadline_kills_process(c):
    with PAgent() as a:
        t0 = time.monotonic()
        with start(a, {"process": {"cmd": "/bin/sleep", "args": ["30"]}}, c,
                   headers={"Connect-Timeout-Ms": "500"}) as s:
            ev = Events()
            n = s.next(5)
            eq(n[0], "msg", "first envelope")
            ev.add(n[1])
            n = s.next(5)
            el = time.monotonic() - t0
            check(n and n[0] == "end", "after the start event: %r, want the "
                  "end-stream" % (n,))
            eq(n[1].get("error", {}).get("code"), "deadline_exceeded",
               "end-stream %r" % n[1])
            check(0.4 <= el <= 2.0, "deadline after %.2fs" % el)
        wait_gone(ev.pid, 2.0, "the process past its deadline")
        eq(a.list(c), [], "table after the deadline")
        # Bad timeout values are invalid_argument, and nothing runs.
        for v in ("abc", "12345678901"):
            with start(a, {"process": {"cmd": "/bin/sleep", "args": ["30"]}},
                       c, headers={"Connect-Timeout-Ms": v}) as s:
                stream_error(s, "invalid_argument", None, "timeout %r" % v)
        eq(a.list(c), [], "table after bad timeouts")
        fails(a.call("List", {}, c, headers={"Connect-Timeout-Ms": "abc"}),
              "invalid_argument", None, "unary with timeout abc")


@both
def deadline_after_disconnect_kills(c):
    # SPEC 6.2 "Lifetime": the process is SIGKILLed when the deadline
    # passes.  Clients enforce the same deadline on their side and close
    # the connection at about the same instant (connect-go, connect-es),
    # so the kill must not depend on the stream still being open then.
    with PAgent() as a:
        s = start(a, {"process": {"cmd": "/bin/sleep", "args": ["30"]}}, c,
                  headers={"Connect-Timeout-Ms": "1000"})
        ev = read_events(s, until=lambda e: e.pid)
        time.sleep(0.3)
        s.close()
        time.sleep(0.2)
        check(not gone(ev.pid), "the process died at the disconnect")
        wait_gone(ev.pid, 2.5, "the process after its deadline passed "
                  "(client gone before it)")


@both
def disconnect_keeps_process(c):
    with PAgent() as a, TempDir() as d:
        f = os.path.join(d, "done")
        s = start(a, sh("sleep 2; echo done > %s" % f), c,
                  headers={"Connect-Timeout-Ms": "60000"})
        ev = read_events(s, until=lambda e: e.pid)
        s.close()
        time.sleep(0.3)
        eq([p["pid"] for p in a.list(c)], [ev.pid], "still listed")
        wait_for(lambda: os.path.exists(f) and open(f).read() == "done\n",
                 5.0, "the file the process writes after the disconnect")


# ============================================================ volume

@both
def output_1mb_exact(c):
    with PAgent() as a, TempDir() as d:
        f = os.path.join(d, "f")
        ev = run(a, sh("dd if=/dev/urandom of=%s bs=1000000 count=1 "
                       "status=none; cat %s" % (f, f)), c, timeout=30)
        clean_end(ev)
        with open(f, "rb") as fh:
            want = fh.read()
        eq(len(want), 1000000, "file size")
        check(bytes(ev.stdout) == want, "stdout (%d bytes) differs from the "
              "file" % len(ev.stdout))
        check(all(len(b) <= 32768 for _, b in ev.data),
              "a data event larger than 32768 bytes")
        # Compressed envelopes when the client offers gzip.
        ev = run(a, {"process": {"cmd": "/bin/cat", "args": [f]}}, c,
                 headers={"Connect-Accept-Encoding": "gzip"}, timeout=30)
        check(bytes(ev.stdout) == want, "stdout with gzip differs")


PATTERN = b"0123456789abcdef\n"
BIG = 50 << 20


def test_slow_reader_50mb():
    with PAgent() as a:
        pid = agent_pid(a)
        base = rss_kb(pid)
        s = start(a, sh("yes 0123456789abcdef | head -c %d" % BIG), PROTO,
                  timeout=30, rcvbuf=65536)
        # Read nothing for 3 s while the process writes.
        peak = base
        t_end = time.monotonic() + 3.0
        while time.monotonic() < t_end:
            peak = max(peak, rss_kb(pid))
            time.sleep(0.1)
        check(peak - base < 20 * 1024, "agent RSS grew by %d kB while the "
              "client read nothing" % (peak - base))
        h = hashlib.sha256()
        n = 0
        ev = Events()
        deadline = time.monotonic() + 60
        while True:
            m = s.next(max(1, deadline - time.monotonic()))
            check(m is not None, "stream ended without an end-stream")
            if m[0] == "end":
                eq(m[1], {}, "end-stream")
                break
            e = m[1]["event"]
            if "data" in e:
                b = e["data"]["stdout"]
                h.update(b)
                n += len(b)
                if n % (4 << 20) < 32768:
                    peak = max(peak, rss_kb(pid))
            else:
                ev.add(m[1])
        s.close()
        eq(n, BIG, "bytes received")
        want = (PATTERN * (BIG // len(PATTERN) + 1))[:BIG]
        eq(h.hexdigest(), hashlib.sha256(want).hexdigest(), "sha256")
        clean_end(ev)
        check(peak - base < 20 * 1024, "agent RSS grew by %d kB" % (
            peak - base))


test(test_slow_reader_50mb)


FANOUT = 20 << 20


def test_stalled_follower_does_not_hold_back_others():
    """One follower reads, another stops reading: the reader gets every
    byte, the stalled one is dropped with resource_exhausted, and the
    agent's memory stays bounded."""
    with PAgent() as a:
        pid = agent_pid(a)
        base = rss_kb(pid)
        fast = start(a, {"process": {"cmd": "/bin/sh", "args": [
            "-c", "sleep 0.5; yes 0123456789abcdef | head -c %d" % FANOUT]},
            "tag": "fanout"}, PROTO, timeout=30)
        slow = Stream(a.port, "Connect", {"process": {"tag": "fanout"}},
                      PROTO, timeout=30, rcvbuf=4096)
        first = slow.next(10)
        check(first and "start" in first[1]["event"], "Connect start event")
        h = hashlib.sha256()
        n = 0
        ev = Events()
        peak = base
        while True:
            m = fast.next(30)
            check(m is not None, "fast stream ended without end-stream")
            if m[0] == "end":
                eq(m[1], {}, "fast end-stream")
                break
            e = m[1]["event"]
            if "data" in e:
                h.update(e["data"]["stdout"])
                n += len(e["data"]["stdout"])
                if n % (2 << 20) < 32768:
                    peak = max(peak, rss_kb(pid))
            else:
                ev.add(m[1])
        fast.close()
        eq(n, FANOUT, "bytes the reading follower got")
        want = (PATTERN * (FANOUT // len(PATTERN) + 1))[:FANOUT]
        eq(h.hexdigest(), hashlib.sha256(want).hexdigest(), "sha256")
        clean_end(ev)
        # The stalled follower, read at last: dropped, not fed everything.
        got = 0
        while True:
            m = slow.next(30)
            check(m is not None, "slow stream ended without end-stream")
            if m[0] == "end":
                break
            if "data" in m[1]["event"]:
                got += len(m[1]["event"]["data"]["stdout"])
        slow.close()
        eq((m[1].get("error") or {}).get("code"), "resource_exhausted",
           "stalled follower's end-stream")
        check(got < FANOUT, "the stalled follower got all %d bytes" % got)
        check(peak - base < 20 * 1024, "agent RSS grew by %d kB" % (
            peak - base))


test(test_stalled_follower_does_not_hold_back_others)


@both
def oom_score_and_nice(c):
    """Children get oom_score_adj 100 and nice 0, whatever the agent's own
    nice value (SPEC 6.2's wrapper, done in the child here)."""
    with PAgent() as a:
        if os.geteuid() == 0:
            os.setpriority(os.PRIO_PROCESS, agent_pid(a), 5)
        ev = run(a, sh("cat /proc/self/oom_score_adj; "
                       "cut -d' ' -f19 /proc/self/stat"), c)
        clean_end(ev)
        eq(bytes(ev.stdout).split(), [b"100", b"0"],
           "oom_score_adj and nice of the child")


@both
def concurrent_starts(c):
    with PAgent() as a:
        res = {}

        def one(i):
            try:
                ev = run(a, sh("echo begin-%d; sleep 0.5; echo end-%d >&2; "
                               "exit %d" % (i, i, i)), c)
                res[i] = ev
            except BaseException as e:   # reported below
                res[i] = e
        ts = [threading.Thread(target=one, args=(i,)) for i in range(8)]
        t0 = time.monotonic()
        for t in ts:
            t.start()
        for t in ts:
            t.join(20)
        check(time.monotonic() - t0 < 4, "8 concurrent 0.5 s runs took %.1fs"
              % (time.monotonic() - t0))
        pids = set()
        for i in range(8):
            ev = res.get(i)
            if not isinstance(ev, Events):
                raise AssertionError("run %d: %r" % (i, ev))
            eq(bytes(ev.stdout), b"begin-%d\n" % i, "stdout %d" % i)
            eq(bytes(ev.stderr), b"end-%d\n" % i, "stderr %d" % i)
            clean_end(ev, i, "run %d" % i)
            pids.add(ev.pid)
        eq(len(pids), 8, "distinct pids")


# ======================================================= B14: no leaks

def test_no_fd_leak_b14():
    with PAgent() as a, TempDir() as d:
        pid = agent_pid(a)
        watch = Stream(a.port, "WatchDir", {"path": "/tmp"}, JSON,
                       path="/filesystem.Filesystem/WatchDir", timeout=30)
        watch.check_head()
        first = watch.next(5)
        check(first and first[0] == "msg" and "start" in first[1],
              "WatchDir first message %r" % (first,))
        idle = Conn(a.port, timeout=5)
        r = idle.request("GET", "/health")
        check(r.status in (200, 204), "/health: %r" % r)
        pty = {"size": {"cols": 80, "rows": 24}}
        run(a, {"process": {"cmd": "/bin/true"}})
        run(a, {"process": {"cmd": "/bin/true"}, "pty": pty})
        time.sleep(0.2)
        base = fd_list(pid)
        n_pty = 0
        for i in range(500):
            ev = run(a, {"process": {"cmd": "/bin/true"}})
            clean_end(ev, 0, "run %d" % i)
            if i % 25 == 12:
                ev = run(a, {"process": {"cmd": "/bin/true"}, "pty": pty})
                clean_end(ev, 0, "pty run %d" % i)
                n_pty += 1
        eq(n_pty, 20, "PTY runs")
        check(a.alive(), "agent died")
        r = idle.request("GET", "/health")
        check(r.status in (200, 204), "/health on the idle connection: %r"
              % r)
        name = "envd-b14-%d" % os.getpid()
        p = os.path.join("/tmp", name)
        open(p, "w").close()
        try:
            deadline = time.monotonic() + 5
            seen = False
            while not seen and time.monotonic() < deadline:
                m = watch.next(deadline - time.monotonic())
                check(m and m[0] == "msg", "watch stream ended: %r" % (m,))
                fe = m[1].get("filesystem")
                seen = bool(fe and fe.get("name") == name and
                            fe.get("type") == "EVENT_TYPE_CREATE")
            check(seen, "no CREATE of %s on the watch stream" % name)
        finally:
            os.unlink(p)
        # With the watch and the idle connection still open, the table
        # must come back to the baseline: no leak (an extra fd) and no
        # double close (a missing or recycled one).
        try:
            wait_for(lambda: fd_list(pid) == base, 3.0,
                     "the fd table to settle")
        except AssertionError:
            now = fd_list(pid)
            raise AssertionError("fds: baseline %d, now %d; new or changed "
                                 "%r; gone %r" % (
                                     len(base), len(now),
                                     {k: v for k, v in now.items()
                                      if base.get(k) != v},
                                     {k: v for k, v in base.items()
                                      if now.get(k) != v}))
        r = idle.request("GET", "/health")
        check(r.status in (200, 204), "/health again: %r" % r)
        idle.close()
        watch.close()


test(test_no_fd_leak_b14)


# ============================================================ users

def ensure_user_in_group():
    need_root()
    if subprocess.run(["getent", "group", TEST_GROUP],
                      capture_output=True).returncode != 0:
        subprocess.run(["groupadd", TEST_GROUP], check=True)
    if subprocess.run(["id", "-u", TEST_USER],
                      capture_output=True).returncode != 0:
        subprocess.run(["useradd", "-m", TEST_USER], check=True)
    groups = subprocess.run(["id", "-Gn", TEST_USER], capture_output=True,
                            text=True).stdout.split()
    if TEST_GROUP not in groups:
        subprocess.run(["usermod", "-aG", TEST_GROUP, TEST_USER], check=True)
    import grp
    import pwd
    pw = pwd.getpwnam(TEST_USER)
    return pw, grp.getgrnam(TEST_GROUP).gr_gid


@both
def user_groups_b18(c):
    pw, extra = ensure_user_in_group()
    want = set(os.getgrouplist(TEST_USER, pw.pw_gid))
    check(extra in want and pw.pw_gid in want, "fixture groups %r" % want)
    auth = {"Authorization": "Basic " + b64(TEST_USER + ":")}
    with PAgent() as a:
        ev = run(a, {"process": {"cmd": "/usr/bin/id", "args": ["-G"]}}, c,
                 headers=auth)
        eq(set(int(x) for x in ev.text().split()), want, "id -G")
        ev = run(a, sh("grep ^Groups /proc/self/status; echo $HOME $USER "
                       "$LOGNAME; id -u; id -g; pwd"), c, headers=auth)
        lines = ev.text().split("\n")
        eq(set(int(x) for x in lines[0].split()[1:]), want, "Groups line")
        eq(lines[1], "%s %s %s" % (pw.pw_dir, TEST_USER, TEST_USER),
           "HOME USER LOGNAME")
        eq(lines[2], str(pw.pw_uid), "uid")
        eq(lines[3], str(pw.pw_gid), "gid")
        eq(lines[4], pw.pw_dir, "default cwd is the user's home")
        clean_end(ev)
        ev = run(a, {"process": {"cmd": "/usr/bin/id", "args": ["-u"]}}, c,
                 headers={"Authorization": "Basic " + b64("root:")})
        eq(ev.text(), "0\n", "explicit root")


# ======================================================= agent options

def test_cmd_flag():
    with TempDir() as d:
        marker = os.path.join(d, "marker")
        script = os.path.join(d, "start.sh")
        with open(script, "w") as f:
            f.write("#!/bin/sh\npwd > %s.tmp; id -u >> %s.tmp; "
                    "mv %s.tmp %s\nsleep 2\n" % ((marker,) * 4))
        os.chmod(script, 0o755)
        with PAgent(["--cmd", script]) as a:
            wait_for(lambda: os.path.exists(marker), 3.0, "the --cmd marker")
            with open(marker) as f:
                eq(f.read(), "/root\n0\n", "--cmd cwd and uid")
            eq(a.list(), [], "List with a --cmd process running")
            r = a.call("SendSignal", {"process": {"tag": "init-cmd"},
                                      "signal": "SIGNAL_SIGKILL"})
            fails(r, "not_found", None, "the --cmd process by its tag")


test(test_cmd_flag)


def test_cgroups_created():
    with PAgent() as a:
        root = os.path.join(a.tmp, "cgroup")
        for g in ("pty", "user", "socat"):
            check(os.path.isdir(os.path.join(root, "wrenn", g)),
                  "no %s/wrenn/%s" % (root, g))
        # Placement is best effort: a plain directory is no cgroup, and
        # the processes still run.
        ev = run(a, {"process": {"cmd": "/bin/true"}})
        clean_end(ev)
        ev = run(a, {"process": {"cmd": "/bin/true"},
                     "pty": {"size": {"cols": 80, "rows": 24}}})
        clean_end(ev)


test(test_cgroups_created)


if __name__ == "__main__":
    main()
