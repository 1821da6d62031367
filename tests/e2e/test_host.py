#!/usr/bin/env python3
"""test_host.py: envd's command line and its host endpoints.

/health, /metrics (B28), /envs, /init (B22 adapted: env vars are merged,
as the Wrenn agent does; E2B's "replace" is deliberately not followed),
the access token (B23, SPEC 2.4.3 and 4.1), /snapshot/prepare (SPEC 2.5,
10) and the JSON log lines (SPEC 11).

    ENVD_BIN=build/envd python3 tests/e2e/test_host.py [test names]
"""
import datetime
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (ENVD_BIN, Agent, check, eq, main, need_root,  # noqa
                     status, test, wait_for)

VERSION = "0.3.0"
UNAUTHORIZED = {"code": 401, "message": "unauthorized access, please "
                "provide a valid access token or method signing if "
                "supported"}


def run_cli(*args):
    return subprocess.run([ENVD_BIN] + list(args), capture_output=True,
                          timeout=5, stdin=subprocess.DEVNULL)


def is_json_response(r):
    ct = r.header("content-type", "")
    return ct.split(";")[0].strip() == "application/json"


# ------------------------------------------------------------- CLI

@test
def cli_version():
    for flag in ("--version", "-version", "--version=true"):
        p = run_cli(flag)
        eq(p.returncode, 0, "%s exit status" % flag)
        eq(p.stdout, b"0.3.0\n", "%s stdout" % flag)


@test
def cli_commit():
    p = run_cli("--commit")
    eq(p.returncode, 0, "--commit exit status")
    out = p.stdout.decode()
    check(out.endswith("\n") and out.count("\n") == 1 and out.strip(),
          "--commit printed %r, want one non-empty line" % out)


@test
def cli_help():
    p = run_cli("--help")
    eq(p.returncode, 0, "--help exit status")
    check(b"usage" in (p.stdout + p.stderr).lower(), "--help: no usage")


@test
def cli_bad_usage_exit_2():
    for args in (["--bogus"], ["--port", "abc"], ["--port"],
                 ["--port", "70000"]):
        p = run_cli(*args)
        eq(p.returncode, 2, "%s exit status" % args)
        check(b"usage" in p.stderr.lower(),
              "%s: no usage line on stderr: %r" % (args, p.stderr))


@test
def cli_isnotfc_accepted():
    with Agent(["--isnotfc"]) as a:
        status(a.req("GET", "/health"), 200, "/health with --isnotfc")


# ---------------------------------------------------------- /health

@test
def health():
    with Agent() as a:
        r = a.req("GET", "/health")
        status(r, 200, "GET /health")
        eq(r.body, b'{"version":"0.3.0"}', "body")
        eq(r.header("content-type"), "application/json", "Content-Type")
        eq(r.header("cache-control"), "no-store", "Cache-Control")
        st, h, body = a.curl("/health")
        eq((st, body), (200, b'{"version":"0.3.0"}'), "curl /health")


# --------------------------------------------------------- /metrics

METRIC_INTS = ("ts", "cpu_count", "mem_total_mib", "mem_used_mib",
               "mem_total", "mem_used", "mem_cache", "disk_used",
               "disk_total")


def metrics(a, headers=None):
    r = a.req("GET", "/metrics", headers=headers)
    status(r, 200, "GET /metrics")
    check(is_json_response(r), "Content-Type %r" % r.header("content-type"))
    eq(r.header("cache-control"), "no-store", "Cache-Control")
    return r.json()


def check_metrics(m):
    for k in METRIC_INTS + ("cpu_used_pct",):
        check(k in m, "field %s missing: %r" % (k, m))
    for k in METRIC_INTS:
        check(type(m[k]) is int, "%s is %r, want an integer" % (k, m[k]))
        check(0 <= m[k] < 2 ** 62, "%s = %d: negative or wrapped" % (k, m[k]))
    p = m["cpu_used_pct"]
    check(type(p) in (int, float), "cpu_used_pct is %r" % p)
    check(0 <= p <= 100, "cpu_used_pct = %r" % p)
    check(abs(m["ts"] - time.time()) <= 5, "ts %d vs now %d" % (
        m["ts"], time.time()))
    check(m["mem_total"] > 0, "mem_total = 0")
    check(m["mem_used"] <= m["mem_total"], "mem_used > mem_total")
    eq(m["mem_total_mib"], m["mem_total"] >> 20, "mem_total_mib")
    eq(m["mem_used_mib"], m["mem_used"] >> 20, "mem_used_mib")
    st = os.statvfs("/")
    check(m["disk_total"] > 0, "disk_total = 0")
    eq(m["disk_total"], st.f_blocks * st.f_frsize, "disk_total")
    check(m["disk_used"] <= m["disk_total"], "disk_used > disk_total")
    used = (st.f_blocks - st.f_bavail) * st.f_frsize
    check(abs(m["disk_used"] - used) < 256 << 20,
          "disk_used %d, statvfs says %d" % (m["disk_used"], used))


@test
def metrics_fields_and_cpu_under_load():
    with Agent() as a:
        check_metrics(metrics(a))
        burn = subprocess.Popen(
            [sys.executable, "-c", "import time\n"
             "end = time.monotonic() + 4\n"
             "while time.monotonic() < end: pass\n"])
        try:
            time.sleep(2.5)
            m = metrics(a)
        finally:
            burn.kill()
            burn.wait()
        check_metrics(m)
        check(m["cpu_count"] >= 1, "cpu_count = %d" % m["cpu_count"])
        check(0 < m["cpu_used_pct"] <= 100,
              "cpu_used_pct = %r under load" % m["cpu_used_pct"])


# ------------------------------------------------------------ /envs

@test
def envs_default():
    with Agent() as a:
        r = a.req("GET", "/envs")
        status(r, 200, "GET /envs")
        check(is_json_response(r), "Content-Type")
        eq(r.header("cache-control"), "no-store", "Cache-Control")
        eq(r.json().get("WRENN_SANDBOX"), "true", "WRENN_SANDBOX")


# ------------------------------------------------------------ /init

def check_204(r, what):
    status(r, 204, what)
    check(not r.has("content-type"), "%s: has a Content-Type header: %r"
          % (what, r.header("content-type")))
    eq(r.header("cache-control"), "no-store", what + ": Cache-Control")
    eq(r.body, b"", what + ": body")


@test
def init_empty_body_204():
    with Agent() as a:
        check_204(a.req("POST", "/init", b""), "empty /init, Length 0")
        with a.conn() as c:
            c.send(b"POST /init HTTP/1.1\r\nHost: x\r\n\r\n")
            check_204(c.final_response(), "/init with no Content-Length")
        st, h, body = a.curl("/init", "-X", "POST")
        eq(st, 204, "curl -X POST /init")
        check("content-type" not in h, "curl: Content-Type %r" % h)
        eq(a.envs(), {"WRENN_SANDBOX": "true"}, "envs after empty /init")


@test
def init_malformed_json_400():
    with Agent() as a:
        r = a.req("POST", "/init", b"{",
                  headers={"Content-Type": "application/json"})
        status(r, 400, "/init with {")
        check(is_json_response(r), "400 Content-Type %r" %
              r.header("content-type"))
        eq(r.json().get("code"), 400, "code")
        status(a.req("GET", "/health"), 200, "health afterwards")


def rfc3339(t):
    return datetime.datetime.fromtimestamp(
        t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def merge_and_stale(a, ts):
    """B22 steps 1-3, with env vars merged rather than replaced."""
    now = time.time()
    r = a.req("POST", "/init", {"envVars": {"A": "1", "B": "2"},
                                "timestamp": ts(now - 3)})
    check_204(r, "step 1")
    r = a.req("POST", "/init", {"envVars": {"A": "1"},
                                "timestamp": ts(now - 1)})
    check_204(r, "step 2")
    r = a.req("POST", "/init", {"envVars": {"A": "old", "C": "3"},
                                "timestamp": ts(now - 2)})
    check_204(r, "step 3 (stale)")
    e = a.envs()
    eq(e.get("A"), "1", "A (the stale request must not apply)")
    eq(e.get("B"), "2", "B (merged, never removed)")
    check("C" not in e, "C from the stale request applied: %r" % e)
    eq(e.get("WRENN_SANDBOX"), "true", "WRENN_SANDBOX")
    return now


@test
def init_env_merge_stale_rfc3339():
    with Agent() as a:
        now = merge_and_stale(a, rfc3339)
        # Same instant again: not strictly newer, ignored.
        t = rfc3339(now - 1)
        check_204(a.req("POST", "/init", {"envVars": {"D": "x"},
                                          "timestamp": t}), "replay")
        check("D" not in a.envs(), "a replayed timestamp applied")
        # An offset form of a newer instant applies.
        t = datetime.datetime.fromtimestamp(
            now - 0.5, datetime.timezone(datetime.timedelta(hours=2)))
        check_204(a.req("POST", "/init", {"envVars": {"E": "5"},
                                          "timestamp": t.isoformat()}),
                  "offset form")
        eq(a.envs().get("E"), "5", "E from a +02:00 timestamp")
        # No timestamp: always applied.
        check_204(a.req("POST", "/init", {"envVars": {"F": "6"}}), "no ts")
        eq(a.envs().get("F"), "6", "F")


@test
def init_env_merge_stale_numeric_seconds():
    with Agent() as a:
        secs = lambda t: "%.1f" % t  # noqa: E731  ("1714650000.5")
        now = merge_and_stale(a, secs)
        # The fraction counts: .9 of the same second is newer than .1.
        s = int(now - 1) + 1
        check_204(a.req("POST", "/init", {"envVars": {"G": "1"},
                                          "timestamp": "%d.1" % s}), "G")
        check_204(a.req("POST", "/init", {"envVars": {"H": "1"},
                                          "timestamp": "%d.9" % s}), "H")
        check_204(a.req("POST", "/init", {"envVars": {"I": "1"},
                                          "timestamp": "%d.5" % s}), "I")
        e = a.envs()
        eq((e.get("G"), e.get("H"), e.get("I")), ("1", "1", None),
           "G, H applied and I stale")


@test
def init_default_user_and_workdir():
    with Agent() as a:
        r = a.req("POST", "/init", {"defaultUser": "root",
                                    "defaultWorkdir": "/tmp",
                                    "envVars": {"U": "1"}})
        check_204(r, "defaultUser/defaultWorkdir")
        eq(a.envs().get("U"), "1", "U")


def hosts_events_lines(path):
    with open(path) as f:
        return [" ".join(ln.split()) for ln in f.read().splitlines()
                if "events.wrenn.local" in ln]


@test
def init_hyperloop_ip():
    need_root()
    with open("/etc/hosts") as f:
        real_before = f.read()
    with Agent() as a:
        check_204(a.req("POST", "/init", {"hyperloopIP": "10.0.0.5"}),
                  "hyperloopIP")
        wait_for(lambda: hosts_events_lines(a.hosts_path) ==
                 ["10.0.0.5 events.wrenn.local"], 5, "the hosts entry")
        wait_for(lambda: a.envs().get("WRENN_EVENTS_ADDRESS") ==
                 "http://10.0.0.5", 5, "WRENN_EVENTS_ADDRESS")
        check_204(a.req("POST", "/init", {"hyperloopIP": "10.0.0.6"}),
                  "second hyperloopIP")
        wait_for(lambda: hosts_events_lines(a.hosts_path) ==
                 ["10.0.0.6 events.wrenn.local"], 5,
                 "one replaced hosts entry (have %r)" %
                 hosts_events_lines(a.hosts_path))
        wait_for(lambda: a.envs().get("WRENN_EVENTS_ADDRESS") ==
                 "http://10.0.0.6", 5, "WRENN_EVENTS_ADDRESS updated")
        with open(a.hosts_path) as f:
            text = f.read()
        for ln in ("127.0.0.1", "::1"):
            check(ln in text, "hosts file lost the %s line: %r" % (ln, text))
    with open("/etc/hosts") as f:
        eq(f.read(), real_before, "the host's /etc/hosts was changed")


@test
def init_volume_mount_failure_logged():
    with Agent() as a:
        path = os.path.join(a.tmp, "vol", "a", "b")
        t0 = time.monotonic()
        r = a.req("POST", "/init", {"volumeMounts": [
            {"nfs_target": "nfs.invalid:/export", "path": path}]})
        dt = time.monotonic() - t0
        check_204(r, "volumeMounts")
        check(dt < 1.0, "/init waited %.1fs for the mount" % dt)
        wait_for(lambda: os.path.isdir(path), 10, "the mount directory")
        e = a.wait_log(lambda e: e.get("level") == "ERROR" and
                       e.get("message") == "volume mount failed", 30,
                       "an ERROR 'volume mount failed' log line")
        check(path in str(e), "the log line does not name the path: %r" % e)
        status(a.req("GET", "/health"), 200, "health afterwards")


# ------------------------------------------------------ access token

@test
def access_token():
    with Agent() as a:
        check_204(a.req("POST", "/init", {"accessToken": "tok123"}),
                  "set the token")
        status(a.req("GET", "/health"), 200, "/health without a token")
        r = a.req("GET", "/envs")
        status(r, 401, "/envs without a token")
        check(is_json_response(r), "401 Content-Type")
        eq(r.json(), UNAUTHORIZED, "401 body")
        status(a.req("GET", "/metrics"), 401, "/metrics without a token")
        status(a.req("GET", "/nope"), 401, "unknown path without a token")
        ok = {"X-Access-Token": "tok123"}
        status(a.req("GET", "/envs", headers=ok), 200, "/envs with it")
        status(a.req("GET", "/metrics", headers=ok), 200, "/metrics with it")
        status(a.req("GET", "/envs", headers={"x-access-token": "tok123"}),
               200, "lower-case header name")
        for bad in ("wrong", "tok12", "tok1234", "TOK123", ""):
            r = a.req("GET", "/envs", headers={"X-Access-Token": bad})
            status(r, 401, "token %r" % bad)
        r = a.req("POST", "/init", {"accessToken": "other"})
        status(r, 401, "changing the token without the current one")
        status(a.req("GET", "/envs", headers={"X-Access-Token": "other"}),
               401, "the refused token was installed")
        status(a.req("GET", "/envs", headers=ok), 200, "old token still on")
        check_204(a.req("POST", "/init", {"accessToken": "tok123"}),
                  "/init with the current token")
        r = a.req("POST", "/init", b"")
        status(r, 401, "/init with an empty body while a token is set")
        check(b"access token reset not authorized" in r.body,
              "reset refusal body %r" % r.body)
        r = a.req("POST", "/init", {"envVars": {"X": "1"}})
        status(r, 401, "/init without accessToken while a token is set")
        status(a.req("GET", "/envs"), 401, "token still required")
        check_204(a.req("POST", "/snapshot/prepare", b""),
                  "/snapshot/prepare is exempt")
        status(a.req("GET", "/health"), 200, "/health after prepare")
        status(a.req("GET", "/envs", headers=ok), 200, "token survives")
        for ln in a.log_lines():
            check("tok123" not in ln, "a log line holds the token: " + ln)


# -------------------------------------------------- snapshot/prepare

@test
def snapshot_prepare_and_restore():
    with Agent() as a:
        idle = a.conn()
        try:
            status(idle.request("GET", "/health"), 200, "idle conn health")
            with a.conn() as c:
                r = c.request("POST", "/snapshot/prepare", b"")
                status(r, 204, "POST /snapshot/prepare")
                check(r.closes(), "prepare reply lacks Connection: close: "
                      "%r" % r)
                eq(r.header("cache-control"), "no-store", "Cache-Control")
                check(c.wait_eof(3), "prepare connection left open")
            check(idle.wait_eof(3), "idle keep-alive connection from before"
                  " the snapshot was not closed")
        finally:
            idle.close()
        m = metrics(a)
        check("mem_used" in m, "metrics while needs-restore: %r" % m)
        status(a.req("GET", "/health"), 200, "first /health after restore")
        with a.conn() as c:
            r1 = c.request("GET", "/health")
            status(r1, 200, "keep-alive request 1")
            check(not r1.closes(), "keep-alive still off after restore")
            r2 = c.request("GET", "/envs")
            status(r2, 200, "keep-alive request 2 on the same connection")


# ------------------------------------------------------------- logs

TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


@test
def log_lines_are_json():
    with Agent() as a:
        check_204(a.req("POST", "/init", {"accessToken": "tok123"}),
                  "set the token")
        check_204(a.req("POST", "/snapshot/prepare", b""), "prepare")
        status(a.req("GET", "/health"), 200, "health (restore)")
        status(a.req("GET", "/envs", headers={"X-Access-Token": "bad"}),
               401, "wrong token")
        time.sleep(0.1)
        logs = a.logs()
        check(len(logs) >= 1, "no log lines")
        for e in logs:
            check(isinstance(e, dict), "log line is not an object: %r" % e)
            for k in ("timestamp", "level", "target", "message"):
                check(isinstance(e.get(k), str), "%s missing: %r" % (k, e))
            check(TS_RE.match(e["timestamp"]), "timestamp %r" %
                  e["timestamp"])
            t = datetime.datetime.strptime(e["timestamp"],
                                           "%Y-%m-%dT%H:%M:%S.%fZ")
            t = t.replace(tzinfo=datetime.timezone.utc).timestamp()
            check(abs(t - time.time()) < 60, "timestamp far from now: %r"
                  % e["timestamp"])
            check(e["level"] in ("ERROR", "WARN", "INFO", "DEBUG", "TRACE"),
                  "level %r" % e["level"])
        start = [e for e in logs if e["message"] == "envd started"]
        eq(len(start), 1, "'envd started' lines")
        eq(start[0].get("port"), a.port, "port in the startup line")
        eq(start[0].get("level"), "INFO", "startup level")
        for ln in a.log_lines():
            check("tok123" not in ln, "a log line holds the token: " + ln)


if __name__ == "__main__":
    main()
