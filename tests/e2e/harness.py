"""harness.py: a small end-to-end harness for envd.

Agent    starts the binary (env ENVD_BIN, default build/envd) on a free port
         with --cgroup-root in a temporary directory, stdout to a log file,
         waits for GET /health, and kills it on exit after checking that it
         is still alive.  As root it runs inside a private mount namespace
         with a temporary file over /etc/hosts and a tmpfs over /run, so the
         agent never writes the host's files; Agent.hosts_path names that
         file.  Not as root, tests that need it call need_root() and are
         reported as skipped.
test     decorator registering a test; main() runs them all and prints
         "ok NAME", "FAIL NAME: REASON" or "skip NAME: REASON", then
         "e2e: N passed, M failed", exiting 1 when M > 0.
Conn     raw socket client: send bytes, read whole responses (Content-Length,
         chunked, or up to EOF), keep leftovers for pipelining.
curl()   runs the curl binary and returns (status, headers, body).

Python 3.11 standard library only.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
# ENVD_BIN relative to the current directory; by default build/envd of
# this checkout.
ENVD_BIN = os.path.abspath(os.environ.get("ENVD_BIN") or
                           os.path.join(ROOT, "build", "envd"))

IS_ROOT = os.geteuid() == 0
START_TIMEOUT = 5.0
POLL = 0.01

HOSTS_SEED = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n"


class Skip(Exception):
    """Raised by a test that cannot run here; never counted as a pass."""


def need_root():
    if not IS_ROOT:
        raise Skip("needs root")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(pred, timeout, what, interval=0.05):
    """Polls pred() until it returns a true value; fails after timeout."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError("timed out after %.1fs waiting for %s"
                                 % (timeout, what))
        time.sleep(interval)


# ---------------------------------------------------------------- responses

class Response:
    def __init__(self, status, reason, headers, body, version, raw):
        self.status = status
        self.reason = reason
        self.headers = headers          # list of (name, value)
        self.body = body
        self.version = version
        self.raw = raw

    def header(self, name, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def header_all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    def has(self, name):
        return self.header(name) is not None

    def json(self):
        return json.loads(self.body)

    def closes(self):
        v = self.header("connection", "")
        return "close" in [t.strip().lower() for t in v.split(",")]

    def __repr__(self):
        return "<Response %d %r %r>" % (self.status, self.headers,
                                         self.body[:200])


def _parse_head(buf):
    """Returns (response-without-body, head length) or None if incomplete."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = buf[:end].decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise AssertionError("bad status line %r" % lines[0])
    headers = []
    for ln in lines[1:]:
        k, sep, v = ln.partition(":")
        if not sep:
            raise AssertionError("bad header line %r" % ln)
        headers.append((k, v.strip()))
    r = Response(int(parts[1]), parts[2] if len(parts) > 2 else "",
                 headers, b"", parts[0], b"")
    return r, end + 4


def _parse_chunked(buf, off):
    """Returns (body, end offset) or None if incomplete."""
    body = b""
    while True:
        le = buf.find(b"\r\n", off)
        if le < 0:
            return None
        size = int(buf[off:le].split(b";")[0].strip(), 16)
        off = le + 2
        if size == 0:
            # trailers, up to an empty line
            while True:
                le = buf.find(b"\r\n", off)
                if le < 0:
                    return None
                if le == off:
                    return body, le + 2
                off = le + 2
        if len(buf) < off + size + 2:
            return None
        body += buf[off:off + size]
        if buf[off + size:off + size + 2] != b"\r\n":
            raise AssertionError("chunk not followed by CRLF")
        off += size + 2


def parse_response(buf, eof, method="GET"):
    """Parses one response at the start of buf.

    Returns (Response, bytes used) or None when more bytes are needed.
    A response framed by EOF is complete only when eof is true.
    """
    h = _parse_head(buf)
    if h is None:
        if eof and buf:
            raise AssertionError("connection closed inside a response "
                                 "head: %r" % buf[:300])
        return None
    r, n = h
    if (100 <= r.status < 200 or r.status in (204, 304)
            or method == "HEAD"):
        end = n
    elif "chunked" in r.header("transfer-encoding", "").lower():
        c = _parse_chunked(buf, n)
        if c is None:
            if eof:
                raise AssertionError("EOF inside a chunked body")
            return None
        r.body, end = c
    elif r.has("content-length"):
        end = n + int(r.header("content-length"))
        if len(buf) < end:
            if eof:
                raise AssertionError("EOF inside a body: %d of %d bytes"
                                     % (len(buf) - n, end - n))
            return None
        r.body = buf[n:end]
    else:
        if not eof:
            return None
        end = len(buf)
        r.body = buf[n:]
    r.raw = buf[:end]
    return r, end


# ----------------------------------------------------------- raw client

class Conn:
    """One client connection with a read buffer."""

    def __init__(self, port, host="127.0.0.1", timeout=5.0, nodelay=True):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        if nodelay:
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.buf = b""
        self.eof = False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.sock.sendall(data)

    def send_bytewise(self, data, pause=0.001):
        if isinstance(data, str):
            data = data.encode("latin-1")
        for i in range(len(data)):
            self.sock.sendall(data[i:i + 1])
            if pause:
                time.sleep(pause)

    def _fill(self, deadline):
        """Reads once; returns False on timeout."""
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        self.sock.settimeout(left)
        try:
            d = self.sock.recv(65536)
        except socket.timeout:
            return False
        except ConnectionResetError:
            d = b""
        if not d:
            self.eof = True
        self.buf += d
        return True

    def response(self, timeout=None, method="GET"):
        """Reads one complete response (status >= 200 unless 1xx asked)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            p = parse_response(self.buf, self.eof, method)
            if p is not None:
                r, n = p
                self.buf = self.buf[n:]
                return r
            if self.eof:
                raise AssertionError("connection closed before a response"
                                     " (got %r)" % self.buf[:300])
            if not self._fill(deadline):
                raise AssertionError("no complete response within %.1fs"
                                     " (got %r)" % (timeout or self.timeout,
                                                    self.buf[:300]))

    def final_response(self, timeout=None, method="GET"):
        """Skips 1xx interim responses."""
        while True:
            r = self.response(timeout, method)
            if r.status >= 200:
                return r

    def read_some(self, timeout):
        """Whatever arrives within timeout (stops at EOF); returns bytes."""
        deadline = time.monotonic() + timeout
        while not self.eof and self._fill(deadline):
            pass
        d, self.buf = self.buf, b""
        return d

    def wait_eof(self, timeout=3.0):
        """True if the peer closed (recv gave b'') within timeout."""
        deadline = time.monotonic() + timeout
        while not self.eof:
            if not self._fill(deadline):
                return False
        return True

    def request(self, method, path, body=None, headers=None, timeout=None,
                host="localhost"):
        self.send(build_request(method, path, body, headers, host))
        return self.final_response(timeout, method)


def build_request(method, path, body=None, headers=None, host="localhost",
                  version="HTTP/1.1"):
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        headers = dict(headers or {})
        headers.setdefault("Content-Type", "application/json")
    elif isinstance(body, str):
        body = body.encode()
    lines = ["%s %s %s" % (method, path, version)]
    hs = dict(headers or {})
    if host is not None and not any(k.lower() == "host" for k in hs):
        lines.append("Host: %s" % host)
    for k, v in hs.items():
        lines.append("%s: %s" % (k, v))
    if body is not None and not any(k.lower() in ("content-length",
                                                  "transfer-encoding")
                                    for k in hs):
        lines.append("Content-Length: %d" % len(body))
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + (body or b"")


def request(port, method, path, body=None, headers=None, timeout=5.0):
    """One request on a fresh connection."""
    with Conn(port, timeout=timeout) as c:
        return c.request(method, path, body, headers, timeout)


def exchange(port, raw, timeout=5.0, method="GET"):
    """Sends raw bytes on a fresh connection; returns (Response, Conn).

    The caller closes the Conn."""
    c = Conn(port, timeout=timeout)
    c.send(raw)
    return c.final_response(timeout, method), c


# ----------------------------------------------------------------- curl

def curl(args, timeout=20.0):
    """Runs curl -s with args; returns (status, headers dict, body bytes).

    Header names are lower case; the headers are those of the final
    response (interim 1xx responses are skipped)."""
    d = tempfile.mkdtemp(prefix="envd-curl-")
    try:
        hf = os.path.join(d, "h")
        bf = os.path.join(d, "b")
        p = subprocess.run(["curl", "-sS", "-D", hf, "-o", bf,
                            "-w", "%{http_code}", "--max-time",
                            str(int(timeout))] + list(args),
                           capture_output=True, timeout=timeout + 5)
        if p.returncode != 0:
            raise AssertionError("curl %s failed (%d): %s" % (
                " ".join(args), p.returncode, p.stderr.decode().strip()))
        status = int(p.stdout.decode() or 0)
        headers = {}
        with open(hf, "rb") as f:
            blocks = f.read().decode("latin-1").split("\r\n\r\n")
        blocks = [b for b in blocks if b.strip()]
        for ln in (blocks[-1].split("\r\n")[1:] if blocks else []):
            k, _, v = ln.partition(":")
            headers[k.strip().lower()] = v.strip()
        body = b""
        if os.path.exists(bf):
            with open(bf, "rb") as f:
                body = f.read()
        return status, headers, body
    finally:
        shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------- agent

class Agent:
    """The agent under test, as a context manager."""

    def __init__(self, args=(), namespace=None, hosts_seed=HOSTS_SEED):
        self.args = list(args)
        self.namespace = IS_ROOT if namespace is None else namespace
        self.hosts_seed = hosts_seed
        self.port = None
        self.proc = None
        self.tmp = None
        self.hosts_path = None
        self.log_path = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def __enter__(self):
        self.tmp = tempfile.mkdtemp(prefix="envd-e2e-")
        cg = os.path.join(self.tmp, "cgroup")
        os.mkdir(cg)
        self.log_path = os.path.join(self.tmp, "stdout.log")
        self.err_path = os.path.join(self.tmp, "stderr.log")
        self.port = free_port()
        cmd = [ENVD_BIN, "--port", str(self.port), "--cgroup-root", cg]
        cmd += self.args
        if self.namespace:
            if not IS_ROOT:
                raise Skip("needs root")
            self.hosts_path = os.path.join(self.tmp, "hosts")
            with open(self.hosts_path, "w") as f:
                f.write(self.hosts_seed)
            # unshare execs sh in place, and sh execs the agent, so the
            # child's pid is the agent's.
            script = ('mount --bind "$1" /etc/hosts && '
                      'mount -t tmpfs tmpfs /run && shift && exec "$@"')
            cmd = ["unshare", "--mount", "--propagation", "private",
                   "sh", "-c", script, "sh", self.hosts_path] + cmd
        self._out = open(self.log_path, "wb")
        self._err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=self._out, stderr=self._err,
                                     start_new_session=True)
        try:
            self._wait_ready()
        except BaseException:
            self._stop()
            self._cleanup()
            raise
        return self

    def _wait_ready(self):
        end = time.monotonic() + START_TIMEOUT
        last = None
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise AssertionError("agent exited with %s before it "
                                     "answered /health; stderr: %s; "
                                     "stdout: %s" % (self.proc.returncode,
                                                     self.stderr(),
                                                     self.log_text()))
            try:
                r = request(self.port, "GET", "/health", timeout=1.0)
                if r.status == 200:
                    return
                last = "status %d" % r.status
            except (OSError, AssertionError) as e:
                last = str(e)
            time.sleep(POLL)
        raise AssertionError("agent did not answer /health within %.0fs "
                             "(%s)" % (START_TIMEOUT, last))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def _stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self._out.close()
        self._err.close()

    def _cleanup(self):
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def __exit__(self, et, ev, tb):
        crashed = None
        if self.proc.poll() is not None:
            crashed = ("agent died during the test (status %s); stderr: "
                       "%s; last log lines: %s" % (
                           self.proc.returncode, self.stderr()[-500:],
                           self.log_text()[-1000:]))
        self._stop()
        self._cleanup()
        if crashed and et is None:
            raise AssertionError(crashed)
        if crashed and ev is not None and hasattr(ev, "add_note"):
            ev.add_note(crashed)
        return False

    # -- logs

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stderr(self):
        try:
            with open(self.err_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_lines(self):
        """Complete lines written to stdout so far."""
        t = self.log_text()
        return t.split("\n")[:-1] if t else []

    def logs(self):
        """stdout as parsed JSON lines; fails on a line that is not JSON."""
        out = []
        for ln in self.log_lines():
            try:
                out.append(json.loads(ln))
            except ValueError:
                raise AssertionError("log line is not JSON: %r" % ln)
        return out

    def wait_log(self, pred, timeout=5.0, what="a log line"):
        def find():
            for e in self.logs():
                if pred(e):
                    return e
            return None
        return wait_for(find, timeout, what)

    # -- shortcuts

    def req(self, method, path, body=None, headers=None, timeout=5.0):
        return request(self.port, method, path, body, headers, timeout)

    def conn(self, timeout=5.0):
        return Conn(self.port, timeout=timeout)

    def curl(self, path, *args, timeout=20.0):
        return curl(list(args) + [self.url + path], timeout)

    def envs(self, token=None):
        h = {"X-Access-Token": token} if token else None
        r = self.req("GET", "/envs", headers=h)
        check(r.status == 200, "GET /envs: %r" % r)
        return r.json()


# --------------------------------------------------------- assertions

def check(cond, msg="check failed"):
    if not cond:
        raise AssertionError(msg)


def eq(got, want, what="value"):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))


def status(r, want, what=""):
    if r.status != want:
        raise AssertionError("%sstatus %d, want %d: %r" % (
            what + ": " if what else "", r.status, want, r))


# ------------------------------------------------------------- runner

_tests = []


def test(fn):
    _tests.append((fn.__name__, fn))
    return fn


def main():
    """Runs every registered test (or those named on the command line)."""
    only = set(sys.argv[1:])
    passed = failed = 0
    for name, fn in _tests:
        if only and name not in only:
            continue
        t0 = time.monotonic()
        try:
            fn()
        except Skip as e:
            print("skip %s: %s" % (name, e), flush=True)
            continue
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt):
                raise
            failed += 1
            reason = ("%s: %s" % (type(e).__name__, e)).replace("\n", " ")
            for n in getattr(e, "__notes__", []):
                reason += " [" + n.replace("\n", " ") + "]"
            print("FAIL %s: %s" % (name, reason), flush=True)
            if os.environ.get("E2E_VERBOSE"):
                traceback.print_exc()
            continue
        passed += 1
        print("ok %s" % name, flush=True)
        if os.environ.get("E2E_VERBOSE"):
            print("  %.2fs" % (time.monotonic() - t0), flush=True)
    print("e2e: %d passed, %d failed" % (passed, failed), flush=True)
    sys.exit(1 if failed else 0)
