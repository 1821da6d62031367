#!/usr/bin/env python3
"""test_http.py: the HTTP/1.1 layer of envd, through its real endpoints.

POST /init with a JSON body is the body sink: the envVars it receives show
up in GET /envs.  Cases H01 (chunked bodies), H02 (Expect: 100-continue)
and H04 (header parsing) of CASES.md, plus keep-alive, pipelining, limits,
CORS and many or stalled clients.  What it drives: conn.c (connections,
keep-alive, back-pressure), http1.c (parsing), stream.c and router.c
(routes, 404/405, CORS, the token check).

    ENVD_BIN=build/envd python3 tests/e2e/test_http.py [test names]
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (Agent, Conn, build_request, check, eq, main,  # noqa
                     status, test)

TOKEN = "tok-http-1"


def sink_body(name, value):
    return json.dumps({"envVars": {name: value}}).encode()


def set_token(a, tok=TOKEN):
    r = a.req("POST", "/init", {"accessToken": tok})
    status(r, 204, "POST /init accessToken")


def head_only(text):
    return text.replace("\n", "\r\n").encode()


# ------------------------------------------------------- keep-alive

@test
def keepalive_several_requests():
    with Agent() as a, a.conn() as c:
        for i in range(3):
            r = c.request("GET", "/health")
            status(r, 200, "GET /health #%d" % i)
            eq(r.json(), {"version": "0.3.0"}, "health body")
            check(not r.closes(), "keep-alive response says close: %r" % r)
        r = c.request("POST", "/init", {"envVars": {"KA": "1"}})
        status(r, 204, "POST /init")
        r = c.request("GET", "/envs")
        status(r, 200, "GET /envs")
        eq(r.json().get("KA"), "1", "KA from /init on the same connection")
        check(not c.wait_eof(0.2), "agent closed a keep-alive connection")


@test
def pipelining_three_in_one_write():
    with Agent() as a, a.conn() as c:
        c.send(build_request("GET", "/health") +
               build_request("POST", "/init", {"envVars": {"PIPE": "x"}}) +
               build_request("GET", "/envs"))
        r1 = c.response()
        r2 = c.response()
        r3 = c.response()
        status(r1, 200, "first")
        eq(r1.json(), {"version": "0.3.0"}, "first is /health")
        status(r2, 204, "second is /init")
        status(r3, 200, "third")
        eq(r3.json().get("PIPE"), "x", "third is /envs after the /init")
        eq(c.read_some(0.2), b"", "bytes after the third response")


# ------------------------------------------------------ chunked (H01)

def thirty_six_byte_sink(name):
    """A JSON /init body of exactly 36 bytes and the value it sets."""
    value = ""
    while len(sink_body(name, value)) < 36:
        value += "v"
    b = sink_body(name, value)
    eq(len(b), 36, "sink body length")
    return b, value


@test
def chunked_extensions_zeros_trailers():
    with Agent() as a, a.conn() as c:
        body, value = thirty_six_byte_sink("CHK")
        head = head_only("POST /init HTTP/1.1\nHost: x\n"
                         "Content-Type: application/json\n"
                         "Transfer-Encoding: chunked\n\n")
        c.send(head + b"1A;foo=bar\r\n" + body[:26] + b"\r\n" +
               b"0000a\r\n" + body[26:] + b"\r\n" +
               b"0\r\nX-Trailer: v\r\n\r\n" +
               build_request("GET", "/envs"))
        r = c.response()
        status(r, 204, "chunked /init")
        r = c.response()
        status(r, 200, "GET /envs after trailers, same connection")
        eq(r.json().get("CHK"), value, "CHK")
        # Upper-case hex with an extension on the last chunk too.
        body2 = sink_body("CHK2", "y" * 20)
        n = len(body2)
        c.send(head + ("%X;a=b\r\n" % n).encode() + body2 + b"\r\n" +
               b"000;ext\r\n\r\n")
        status(c.response(), 204, "chunked /init, upper-case size")
        eq(c.request("GET", "/envs").json().get("CHK2"), "y" * 20, "CHK2")


def chunked_refused(size_line):
    with Agent() as a, a.conn() as c:
        c.send(head_only("POST /init HTTP/1.1\nHost: x\n"
                         "Content-Type: application/json\n"
                         "Transfer-Encoding: chunked\n\n") +
               size_line + b"\r\n" + b"{}" * 8 + b"\r\n0\r\n\r\n")
        r = c.response()
        status(r, 400, "chunk size %r" % size_line)
        check(c.wait_eof(3), "connection not closed after a bad chunk size")


@test
def chunked_size_16_hex_digits_ok():
    with Agent() as a, a.conn() as c:
        body = sink_body("SIXTEEN", "1")
        c.send(head_only("POST /init HTTP/1.1\nHost: x\n"
                         "Content-Type: application/json\n"
                         "Transfer-Encoding: chunked\n\n") +
               ("%016x\r\n" % len(body)).encode() + body +
               b"\r\n0000000000000000\r\n\r\n")
        status(c.response(), 204, "16-digit chunk sizes")
        eq(c.request("GET", "/envs").json().get("SIXTEEN"), "1", "SIXTEEN")


@test
def chunked_size_17_hex_digits_400():
    chunked_refused(b"10000000000000000")


@test
def chunked_size_non_hex_400():
    chunked_refused(b"zz")


@test
def chunked_one_byte_per_send():
    with Agent() as a, a.conn() as c:
        body = sink_body("BYTE", "by-one")
        data = (head_only("POST /init HTTP/1.1\nHost: x\n"
                          "Content-Type: application/json\n"
                          "Transfer-Encoding: chunked\n\n") +
                b"5;x=y\r\n" + body[:5] + b"\r\n" +
                ("%x\r\n" % (len(body) - 5)).encode() + body[5:] +
                b"\r\n0\r\nX-Trailer: v\r\n\r\n")
        c.send_bytewise(data)
        status(c.response(), 204, "bytewise chunked /init")
        c.send_bytewise(build_request("GET", "/envs"), pause=0)
        r = c.response()
        status(r, 200, "GET /envs")
        eq(r.json().get("BYTE"), "by-one", "BYTE")


@test
def content_length_one_byte_per_send():
    with Agent() as a, a.conn() as c:
        c.send_bytewise(build_request("POST", "/init",
                                      {"envVars": {"CLB": "1"}}))
        status(c.response(), 204, "bytewise /init")
        eq(c.request("GET", "/envs").json().get("CLB"), "1", "CLB")


# ------------------------------------------------- Expect (H02)

@test
def expect_100_continue():
    with Agent() as a, a.conn() as c:
        body = sink_body("EXP", "100")
        c.send(head_only("POST /init HTTP/1.1\nHost: x\n"
                         "Content-Type: application/json\n"
                         "Expect: 100-continue\n"
                         "Content-Length: %d\n\n" % len(body)))
        t0 = time.monotonic()
        r = c.response(timeout=1.0)
        eq(r.status, 100, "interim status before the body")
        check(r.raw.startswith(b"HTTP/1.1 100 Continue\r\n"),
              "interim line %r" % r.raw)
        check(time.monotonic() - t0 < 1.0, "100 took too long")
        c.send(body)
        status(c.response(), 204, "final status after the body")
        eq(c.request("GET", "/envs").json().get("EXP"), "100", "EXP")


@test
def expect_100_refused_without_body():
    with Agent() as a:
        set_token(a)
        c = a.conn()
        try:
            # The body, if ever parsed as a request, would answer 200.
            smuggled = build_request("GET", "/health")
            c.send(head_only("POST /nope HTTP/1.1\nHost: x\n"
                             "Expect: 100-continue\n"
                             "Content-Length: %d\n\n" % len(smuggled)))
            r = c.response(timeout=1.0)
            status(r, 401, "refused request, before any body")
            c.send(smuggled)
            if r.closes():
                check(c.wait_eof(3), "Connection: close but not closed")
                eq(c.read_some(0.1), b"", "bytes after the 401")
            else:
                r2 = c.request("GET", "/envs",
                               headers={"X-Access-Token": TOKEN})
                status(r2, 200, "next request after the discarded body")
                check("WRENN_SANDBOX" in r2.json(),
                      "the unread body was parsed as a request: %r" % r2)
                eq(c.read_some(0.2), b"", "bytes after the response")
        finally:
            c.close()


@test
def expect_unknown_417():
    with Agent() as a, a.conn() as c:
        c.send(head_only("POST /init HTTP/1.1\nHost: x\n"
                         "Expect: something-else\n"
                         "Content-Length: 2\n\n"))
        r = c.response(timeout=2.0)
        status(r, 417, "unknown expectation")
        # A fresh connection still works.
        status(a.req("GET", "/health"), 200, "health after 417")


# ----------------------------------------------- header parsing (H04)

@test
def header_names_case_insensitive():
    with Agent() as a:
        set_token(a)
        for name in ("X-Access-Token", "x-access-token", "X-ACCESS-TOKEN"):
            r = a.req("GET", "/envs", headers={name: TOKEN})
            status(r, 200, "GET /envs with %s" % name)
        status(a.req("GET", "/envs", headers={"x-access-token": "nope"}),
               401, "wrong token")
        r, c = _exchange(a, "GET /health HTTP/1.1\nhOsT: x\n\n")
        c.close()
        status(r, 200, "lower/mixed-case Host")


def _exchange(a, text, method="GET"):
    c = a.conn()
    c.send(head_only(text))
    return c.final_response(method=method), c


@test
def header_ows_trimmed():
    with Agent() as a:
        set_token(a)
        r, c = _exchange(a, "GET /envs HTTP/1.1\nHost: x\n"
                         "X-Access-Token: \t %s \t \n\n" % TOKEN)
        c.close()
        status(r, 200, "token with OWS around it")
        r, c = _exchange(a, "GET /envs HTTP/1.1\nHost: x\n"
                         "X-Access-Token:%s\n\n" % TOKEN)
        c.close()
        status(r, 200, "token with no space after the colon")
        # The token goes in the body too: /init without it would reset it.
        body = json.dumps({"accessToken": TOKEN,
                           "envVars": {"OWS": "1"}}).encode()
        with a.conn() as c:
            c.send(head_only("POST /init HTTP/1.1\nHost: x\n"
                             "Content-Type:   application/json  \n"
                             "Content-Length:   %d  \n\n" % len(body)) +
                   body)
            status(c.response(), 204, "/init with OWS around values")
        eq(a.envs(TOKEN).get("OWS"), "1", "OWS")


def refused(text, want, close=True):
    """Sends text; wants status want, then (if close) the connection shut.

    Closing is required where the body's length is unknown or ambiguous
    (framing errors); elsewhere either choice is allowed."""
    with Agent() as a:
        r, c = _exchange(a, text)
        try:
            status(r, want, repr(text.split("\n")[0:4]))
            if close:
                check(c.wait_eof(3), "connection not closed after %d" %
                      want)
        finally:
            c.close()
        status(a.req("GET", "/health"), 200, "health afterwards")


@test
def obs_fold_400():
    refused("GET /health HTTP/1.1\nHost: x\nX-Folded: a\n  b\n\n", 400,
            close=False)


@test
def space_before_colon_400():
    refused("GET /health HTTP/1.1\nHost: x\nX-Foo : bar\n\n", 400,
            close=False)


@test
def content_length_with_transfer_encoding_400():
    refused("POST /init HTTP/1.1\nHost: x\nContent-Length: 5\n"
            "Transfer-Encoding: chunked\n\n0\r\n\r\n", 400)


@test
def two_different_content_lengths_400_close():
    refused("POST /init HTTP/1.1\nHost: x\nContent-Length: 2\n"
            "Content-Length: 3\n\n{}", 400)


@test
def transfer_encoding_gzip_chunked_501():
    refused("POST /init HTTP/1.1\nHost: x\n"
            "Transfer-Encoding: gzip, chunked\n\n0\r\n\r\n", 501)


@test
def absolute_form_uri_200():
    with Agent() as a:
        r, c = _exchange(a, "GET http://x/health HTTP/1.1\nHost: x\n\n")
        c.close()
        status(r, 200, "absolute-form")
        eq(r.json(), {"version": "0.3.0"}, "body")


@test
def missing_host_http11_400():
    refused("GET /health HTTP/1.1\nUser-Agent: t\n\n", 400, close=False)


@test
def http10_without_host_200_then_close():
    with Agent() as a:
        r, c = _exchange(a, "GET /health HTTP/1.0\n\n")
        try:
            status(r, 200, "HTTP/1.0 without Host")
            eq(r.json(), {"version": "0.3.0"}, "body")
            check(c.wait_eof(3), "HTTP/1.0 connection left open")
        finally:
            c.close()


@test
def head_over_16k_431():
    with Agent() as a:
        big = "X-Big: " + "a" * (17 * 1024) + "\n"
        r, c = _exchange(a, "GET /health HTTP/1.1\nHost: x\n" + big + "\n")
        c.close()
        status(r, 431, "17 KiB head")
        status(a.req("GET", "/health"), 200, "health afterwards")
        # A head just under the limit is fine.
        r = a.req("GET", "/health", headers={"X-Big": "b" * 15000})
        status(r, 200, "15 KB head")


@test
def malformed_request_line_400():
    for line in ("GARBAGE", "GET /health", "GET  /health HTTP/1.1",
                 "GET /health HTTP/x.y", "G(T /health HTTP/1.1"):
        refused(line + "\nHost: x\n\n", 400, close=False)


# ------------------------------------------------ methods and status

@test
def head_health_no_body():
    with Agent() as a, a.conn() as c:
        c.send(build_request("HEAD", "/health"))
        r = c.response(method="HEAD")
        status(r, 200, "HEAD /health")
        eq(r.header("content-length"), "19", "Content-Length")
        # No body bytes: the next response on the connection parses.
        r = c.request("GET", "/health")
        status(r, 200, "GET after HEAD")
        eq(r.body, b'{"version":"0.3.0"}', "GET body after HEAD")


@test
def post_health_405():
    with Agent() as a:
        r = a.req("POST", "/health", b"")
        status(r, 405, "POST /health")
        eq(r.header("allow"), "GET, HEAD", "Allow")


@test
def unknown_path_404_json():
    with Agent() as a:
        r = a.req("GET", "/nope")
        status(r, 404, "GET /nope")
        check(r.header("content-type", "").startswith("application/json"),
              "Content-Type %r" % r.header("content-type"))
        j = r.json()
        eq(j.get("code"), 404, "code")
        check(isinstance(j.get("message"), str), "message: %r" % j)


@test
def cors_preflight():
    with Agent() as a:
        r = a.req("OPTIONS", "/envs", headers={
            "Origin": "http://example.com",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "x-access-token"})
        status(r, 204, "preflight")
        eq(r.header("access-control-allow-origin"), "*", "Allow-Origin")
        eq(r.header("access-control-max-age"), "7200", "Max-Age")
        methods = r.header("access-control-allow-methods", "")
        for m in ("GET", "POST", "DELETE"):
            check(m in methods, "Allow-Methods %r lacks %s" % (methods, m))
        check("x-access-token" in
              r.header("access-control-allow-headers", "").lower(),
              "Allow-Headers %r" % r.header("access-control-allow-headers"))


@test
def cors_get_with_origin():
    with Agent() as a:
        r = a.req("GET", "/health", headers={"Origin": "http://x.test"})
        status(r, 200, "GET with Origin")
        eq(r.header("access-control-allow-origin"), "*", "Allow-Origin")


# --------------------------------------------------- many clients

@test
def stalled_client_does_not_block_others():
    with Agent() as a:
        stalled = a.conn()
        try:
            stalled.send(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Half")
            time.sleep(0.05)
            t0 = time.monotonic()
            r = a.req("GET", "/health", timeout=2.0)
            status(r, 200, "other client's /health")
            check(time.monotonic() - t0 < 1.0, "other client waited")
            # The stalled request still completes when the rest comes.
            stalled.send(b": 1\r\n\r\n")
            status(stalled.response(), 200, "stalled client, completed")
        finally:
            stalled.close()


@test
def two_hundred_connections_at_once():
    with Agent() as a:
        conns = []
        try:
            for _ in range(200):
                conns.append(Conn(a.port, timeout=10.0))
            req = build_request("GET", "/health")
            for c in conns:
                c.send(req)
            for i, c in enumerate(conns):
                r = c.response(timeout=10.0)
                status(r, 200, "connection %d" % i)
        finally:
            for c in conns:
                c.close()
        status(a.req("GET", "/health"), 200, "health afterwards")
        check(a.alive(), "agent died")


if __name__ == "__main__":
    main()
