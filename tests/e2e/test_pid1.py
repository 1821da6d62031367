#!/usr/bin/env python3
"""test_pid1.py: envd as init, its signals, and its resource hygiene.

As PID 1 of a fresh PID namespace (SPEC "Which behaviour we implement"):
it serves, says pid 1 in its startup line, reaps orphans reparented to it,
ignores SIGHUP, and powers off on SIGTERM and SIGINT, seen from outside
as the namespace's init dying of SIGINT (what reboot(2) does to a PID
namespace).  Not PID 1 (SPEC 1.4): SIGTERM and SIGINT end it with status
0, SIGHUP is ignored, and orphans of its processes come back to it (child
subreaper).  Then: EMFILE on accept backs off instead of spinning
(DESIGN.md, the loop rules), two release builds of one commit give the
same bytes (DESIGN.md, Build), and 500 connections leak no descriptor
and no memory.

    ENVD_BIN=build/envd python3 tests/e2e/test_pid1.py [test names]
"""
import collections
import json
import os
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (ENVD_BIN, ROOT, Agent, Conn, Skip, check,  # noqa
                     eq, free_port, main, need_root, request, status, test,
                     wait_for)

VERSION = "0.3.0"
CLK_TCK = os.sysconf("SC_CLK_TCK")
# What reboot(RB_POWER_OFF) in a PID namespace does to its init, as the
# status of `unshare --fork`: it re-raises the signal (Popen says -2) or,
# in older util-linux, exits 128 + 2.
POWER_OFF_STATUS = (-signal.SIGINT, 128 + signal.SIGINT)


# ------------------------------------------------------------ /proc

Stat = collections.namedtuple("Stat", "comm state ppid cpu")


def proc_stat(pid):
    """A process's Stat (cpu in seconds), or None if it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    # comm may hold spaces and parentheses: split after the last ')'.
    f = s[s.rindex(")") + 2:].split()
    return Stat(s[s.index("(") + 1:s.rindex(")")], f[0], int(f[1]),
                (int(f[11]) + int(f[12])) / CLK_TCK)


def proc_status(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            k, _, v = ln.partition(":")
            if k == key:
                return v.strip()
    return None


def until(pred, timeout, describe):
    """wait_for, with the failure described when it happens."""
    try:
        return wait_for(pred, timeout, "")
    except AssertionError:
        raise AssertionError("timed out after %.1fs waiting for %s"
                             % (timeout, describe()))


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def client_sockets(pid, port):
    """How many accepted connections on port the process holds open."""
    held = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            t = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if t.startswith("socket:["):
            held.add(t[8:-1])
    n = 0
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for r in rows:
            f = r.split()
            # local address hex:port, state 0A is LISTEN, inode is #10.
            if (int(f[1].rsplit(":", 1)[1], 16) == port and
                    f[3] != "0A" and f[9] in held):
                n += 1
    return n


def quiet_fds(a):
    """The agent's descriptor count once it holds no client connection
    (the harness's readiness probe may still be closing)."""
    until(lambda: client_sockets(a.pid(), a.port) == 0, 2.0,
          lambda: "the agent to close its client connections (holds %d)"
          % client_sockets(a.pid(), a.port))
    return fd_count(a.pid())


def rss_kib(pid):
    return int(proc_status(pid, "VmRSS").split()[0])


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().split(b"\0")[:-1]
    except OSError:
        return None


def all_pids():
    return [int(d) for d in os.listdir("/proc") if d.isdigit()]


def pid_ns(pid):
    try:
        return os.readlink("/proc/%d/ns/pid" % pid)
    except OSError:
        return None


def ns_members(ns):
    """Host pids of the processes in PID namespace ns."""
    return [p for p in all_pids() if pid_ns(p) == ns]


def children(pid):
    out = []
    for p in all_pids():
        st = proc_stat(p)
        if st and st.ppid == pid:
            out.append(p)
    return out


# ---------------------------------------------------------- agents

class StoppableAgent(Agent):
    """An Agent whose test may end it: set expect_exit before it does."""

    expect_exit = False

    def pid(self):
        # unshare and sh both exec, so the child is the agent itself.
        return self.proc.pid

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("agent still running %.0fs after the "
                                 "signal; log: %s" % (
                                     timeout, self.log_text()[-600:]))

    def __exit__(self, et, ev, tb):
        if self.expect_exit and self.proc.poll() is not None:
            self._stop()
            self._cleanup()
            return False
        return super().__exit__(et, ev, tb)


PID1_SCRIPT = ('mount --bind "$1" /etc/hosts && '
               'mount -t tmpfs tmpfs /run && shift && exec "$@"')


class Pid1Agent(StoppableAgent):
    """The agent as PID 1 of a new PID and mount namespace.

    `unshare --fork` stays in between, so self.proc is unshare, whose
    status tells how the namespace's init ended, and pid() is the
    agent's pid as seen from here.  The rest is Agent's: the same
    /etc/hosts and /run cover, the same log files and readiness wait."""

    def __enter__(self):
        need_root()
        self.tmp = tempfile.mkdtemp(prefix="envd-e2e-pid1-")
        cg = os.path.join(self.tmp, "cgroup")
        os.mkdir(cg)
        self.log_path = os.path.join(self.tmp, "stdout.log")
        self.err_path = os.path.join(self.tmp, "stderr.log")
        self.hosts_path = os.path.join(self.tmp, "hosts")
        with open(self.hosts_path, "w") as f:
            f.write(self.hosts_seed)
        self.port = free_port()
        cmd = ["unshare", "--pid", "--fork", "--mount-proc", "--mount",
               "--propagation", "private", "sh", "-c", PID1_SCRIPT, "sh",
               self.hosts_path, ENVD_BIN, "--port", str(self.port),
               "--cgroup-root", cg] + self.args
        self._out = open(self.log_path, "wb")
        self._err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=self._out, stderr=self._err,
                                     start_new_session=True)
        try:
            self._wait_ready()
            self._pid = wait_for(self._find_agent, 2.0,
                                 "the agent under unshare")
        except BaseException:
            self._stop()
            self._cleanup()
            raise
        return self

    def _find_agent(self):
        for p in children(self.proc.pid):
            try:
                exe = os.readlink("/proc/%d/exe" % p)
            except OSError:
                continue
            if os.path.basename(exe) == os.path.basename(ENVD_BIN):
                return p
        return None

    def pid(self):
        return self._pid


def nspid(pid):
    """The pid a process has in its own namespace."""
    return int(proc_status(pid, "NSpid").split()[-1])


# ---------------------------------------------------------- as PID 1

@test
def pid1_serves_and_says_pid_1():
    with Pid1Agent() as a:
        eq(nspid(a.pid()), 1, "the agent's pid in its namespace")
        r = a.req("GET", "/health")
        status(r, 200, "GET /health as PID 1")
        eq(r.json(), {"version": VERSION}, "/health body")
        e = a.wait_log(lambda e: e.get("message") == "envd started", 2.0,
                       "the 'envd started' line")
        eq(e.get("pid"), 1, "pid in the startup line")


def orphans_in(ns):
    """[(pid, state, ppid)] of the sleeps in ns, zombies included (a
    zombie has no cmdline left, but keeps its comm)."""
    out = []
    for p in ns_members(ns):
        st = proc_stat(p)
        if st and st.comm == "sleep":
            out.append((p, st.state, st.ppid))
    return out


def zombies_in(ns):
    out = []
    for p in ns_members(ns):
        st = proc_stat(p)
        if st and st.state == "Z":
            out.append((p, st.comm))
    return out


def make_orphans(a, n, secs):
    """n sleeps in the agent's namespace whose parent has exited."""
    # Each subshell starts a sleep and exits at once, so the sleep loses
    # its parent; in the namespace the only reaper left is its init.
    # Their output goes to /dev/null, or run() would wait for them.
    script = ("for i in %s; do (sleep %s </dev/null >/dev/null 2>&1 &); "
              "done; exec true" % (" ".join(["x"] * n), secs))
    p = subprocess.run(["nsenter", "-t", str(a.pid()), "-p", "-m", "sh",
                        "-c", script], capture_output=True, timeout=5)
    eq(p.returncode, 0, "nsenter status (%r)" % p.stderr)


@test
def pid1_reaps_orphans():
    with Pid1Agent() as a:
        ns = pid_ns(a.pid())
        make_orphans(a, 3, "1.5")

        def reparented():
            o = orphans_in(ns)
            return len(o) == 3 and all(pp == a.pid() for _, _, pp in o)
        until(reparented, 1.0, lambda: "3 sleeps reparented to the agent "
              "%d; (pid, state, ppid): %r" % (a.pid(), orphans_in(ns)))

        # They end 1.5 s after they start; a second later, none is left.
        def all_gone():
            return not orphans_in(ns) and not zombies_in(ns)
        until(all_gone, 2.5, lambda: "the orphans to be reaped; left: "
              "%r; zombies: %r" % (orphans_in(ns), zombies_in(ns)))
        check(a.alive(), "agent died")
        status(a.req("GET", "/health"), 200, "/health after reaping")


@test
def pid1_reaps_zombies_that_share_one_sigchld():
    n = 5
    with Pid1Agent() as a:
        ns = pid_ns(a.pid())
        # Stopped, the agent cannot reap: the orphans end as zombies, and
        # their SIGCHLDs merge into one pending signal for it to find.
        os.kill(a.pid(), signal.SIGSTOP)
        try:
            make_orphans(a, n, "0.1")

            def zombies():
                o = orphans_in(ns)
                return len(o) == n and all(
                    s == "Z" and pp == a.pid() for _, s, pp in o)
            until(zombies, 2.0, lambda: "%d zombie children of the agent; "
                  "(pid, state, ppid): %r" % (n, orphans_in(ns)))
        finally:
            os.kill(a.pid(), signal.SIGCONT)
        until(lambda: not zombies_in(ns), 1.0, lambda: "the zombies to "
              "be reaped; left: %r" % zombies_in(ns))
        status(a.req("GET", "/health"), 200, "/health after reaping")


@test
def pid1_sighup_ignored():
    with Pid1Agent() as a:
        os.kill(a.pid(), signal.SIGHUP)
        a.wait_log(lambda e: e.get("message") == "SIGHUP ignored", 2.0,
                   "the 'SIGHUP ignored' line")
        status(a.req("GET", "/health"), 200, "/health after SIGHUP")
        check(a.alive(), "agent ended on SIGHUP")
        eq(nspid(a.pid()), 1, "still the namespace's init")


def check_power_off(sig):
    with Pid1Agent() as a:
        a.expect_exit = True
        os.kill(a.pid(), sig)
        rc = a.wait_exit(5.0)
        e = [e for e in a.logs() if e.get("message") == "powering off"]
        check(e, "no 'powering off' line; log: %s" % a.log_text()[-600:])
        eq(e[0].get("signal"), int(sig), "signal in 'powering off'")
        check(rc in POWER_OFF_STATUS,
              "unshare status %r, want %r (init ended by the namespace's "
              "reboot); log: %s" % (rc, POWER_OFF_STATUS,
                                    a.log_text()[-600:]))


@test
def pid1_sigterm_powers_off():
    check_power_off(signal.SIGTERM)


@test
def pid1_sigint_powers_off():
    check_power_off(signal.SIGINT)


# ------------------------------------------------------ not PID 1

def check_exit_0(sig):
    with StoppableAgent() as a:
        a.expect_exit = True
        e = a.wait_log(lambda e: e.get("message") == "envd started", 2.0,
                       "the 'envd started' line")
        check(e.get("pid") not in (None, 1), "startup pid %r" %
              e.get("pid"))
        os.kill(a.pid(), sig)
        eq(a.wait_exit(5.0), 0, "exit status after signal %d" % sig)
        e = [e for e in a.logs() if e.get("message") == "shutting down"]
        check(e, "no 'shutting down' line; log: %s" % a.log_text()[-600:])
        eq(e[0].get("signal"), int(sig), "signal in 'shutting down'")
        check(not any(e.get("message") == "powering off"
                      for e in a.logs()), "powered off, not being PID 1")


@test
def sigterm_exits_0():
    check_exit_0(signal.SIGTERM)


@test
def sigint_exits_0():
    check_exit_0(signal.SIGINT)


@test
def sighup_ignored():
    with StoppableAgent() as a:
        os.kill(a.pid(), signal.SIGHUP)
        a.wait_log(lambda e: e.get("message") == "SIGHUP ignored", 2.0,
                   "the 'SIGHUP ignored' line")
        status(a.req("GET", "/health"), 200, "/health after SIGHUP")
        check(a.alive(), "agent ended on SIGHUP")


def connect_start(port, cmd, args):
    """Sends process.Process/Start over Connect (JSON, HTTP/1.1)."""
    m = json.dumps({"process": {"cmd": cmd, "args": args}}).encode()
    body = b"\0" + struct.pack(">I", len(m)) + m
    c = Conn(port, timeout=3.0)
    c.send(b"POST /process.Process/Start HTTP/1.1\r\nHost: localhost\r\n"
           b"Content-Type: application/connect+json\r\n"
           b"Connect-Protocol-Version: 1\r\n"
           b"Content-Length: %d\r\n\r\n" % len(body) + body)
    return c


@test
def subreaper_gets_orphans():
    # A process the agent spawns leaves a child behind; the agent, not
    # init, must adopt and reap it.  Only the process service can make
    # the agent spawn: where Start is missing (404), this is skipped.
    with StoppableAgent() as a:
        c = connect_start(a.port, "/bin/sh",
                          ["-c", "(sleep 1.7 </dev/null >/dev/null 2>&1 &)"])
        try:
            def mine():
                return [p for p in all_pids()
                        if cmdline(p) == [b"sleep", b"1.7"]]
            try:
                found = wait_for(mine, 1.0, "the spawned sleep")
            except AssertionError:
                got = c.read_some(0.5)
                if (not got or b" 404 " in got.split(b"\r\n")[0]
                        or b"unimplemented" in got):
                    raise Skip("needs the process service")
                raise AssertionError("Start did not run the command: %r"
                                     % got[:300])

            def parents():
                return [getattr(proc_stat(p), "ppid", None) for p in found]
            until(lambda: parents() == [a.pid()] * len(found), 1.0,
                  lambda: "the orphan to be adopted by the agent %d; its "
                  "parent is %r" % (a.pid(), parents()))
            until(lambda: not any(proc_stat(p) for p in found), 3.0,
                  lambda: "the orphan to be reaped (%r)" % [
                      proc_stat(p) for p in found])
        finally:
            c.close()


# ------------------------------------------------------------ EMFILE

NOFILE = 32


@test
def emfile_backs_off_then_resumes():
    with StoppableAgent() as a:
        pid = a.pid()
        base = quiet_fds(a)
        check(base < NOFILE - 4, "agent already holds %d descriptors" % base)
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (NOFILE, NOFILE))
        conns = []
        try:
            # The agent accepts until it holds NOFILE descriptors; the
            # rest wait in the listen backlog.
            for _ in range(60):
                conns.append(Conn(a.port, timeout=2.0))
            until(lambda: fd_count(pid) >= NOFILE, 2.0,
                  lambda: "the agent to run out of descriptors (has %d)"
                  % fd_count(pid))
            e = a.wait_log(lambda e: e.get("message") == "accept failed",
                           2.0, "the 'accept failed' line")
            eq(e.get("errno"), "EMFILE", "errno of 'accept failed'")

            cpu0 = proc_stat(pid).cpu
            time.sleep(2.0)
            used = proc_stat(pid).cpu - cpu0
            check(used < 0.5, "agent used %.2fs of CPU in 2s while out of "
                  "descriptors: a busy loop" % used)
            check(a.alive(), "agent died out of descriptors")

            # Connections accepted before the limit are still served.
            r = conns[0].request("GET", "/health", timeout=2.0)
            status(r, 200, "/health on a connection accepted before EMFILE")
        finally:
            for c in conns:
                c.close()

        def answered():
            try:
                return request(a.port, "GET", "/health",
                               timeout=0.5).status == 200
            except (OSError, AssertionError):
                return False
        wait_for(answered, 2.0, "/health once the clients closed")
        eq(quiet_fds(a), base, "open descriptors once the clients closed")


# ------------------------------------------------- reproducible build

def deps_dir():
    d = os.environ.get("ENVD_DEPS_DIR") or os.path.join(ROOT, "deps")
    if not (os.path.isfile(os.path.join(d, "zlib", "zlib.h")) and
            os.path.isfile(os.path.join(d, "bearssl", "inc",
                                        "bearssl.h"))):
        raise Skip("no fetched zlib and BearSSL in %s" % d)
    return d


def stop_build(b):
    if b.poll() is None:
        os.killpg(b.pid, signal.SIGKILL)
        b.wait()


@test
def reproducible_build():
    if not shutil.which("musl-gcc") or not shutil.which("git"):
        raise Skip("needs musl-gcc and git")
    deps = deps_dir()
    tmp = tempfile.mkdtemp(prefix="envd-e2e-repro-")
    builds = []
    try:
        env = dict(os.environ, ENVD_DEPS_DIR=deps)
        # What git has: uncommitted changes are not in a clone.  Two
        # paths of different depth, built at the same time.
        for n in ("a", "deeper/path/b"):
            d = os.path.join(tmp, n)
            p = subprocess.run(["git", "clone", "-q", ROOT, d],
                               capture_output=True, timeout=20)
            eq(p.returncode, 0, "git clone status (%r)" % p.stderr)
            builds.append((d, subprocess.Popen(
                ["./build.sh"], cwd=d, env=env, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                start_new_session=True)))
        end = time.monotonic() + 60
        bins = []
        for d, b in builds:
            try:
                out, _ = b.communicate(timeout=max(end - time.monotonic(),
                                                   0.1))
            except subprocess.TimeoutExpired:
                raise AssertionError("the two builds took over 60s")
            eq(b.returncode, 0, "build in %s: %s" % (
                d, out.decode(errors="replace")[-600:]))
            bins.append(os.path.join(d, "build", "envd"))
        p = subprocess.run(["cmp"] + bins, capture_output=True, timeout=10)
        eq(p.returncode, 0, "cmp of the two builds (%s)" %
           p.stdout.decode(errors="replace").strip())
        f = subprocess.run(["file", "-b", bins[0]], capture_output=True,
                           timeout=10).stdout.decode()
        check("statically linked" in f, "not statically linked: " + f)
        check(", stripped" in f and "not stripped" not in f,
              "not stripped: " + f)
    finally:
        for _, b in builds:
            stop_build(b)
        shutil.rmtree(tmp, ignore_errors=True)


# ------------------------------------------------ many connections

@test
def many_connections_no_leak():
    with StoppableAgent() as a:
        pid = a.pid()
        fds0 = quiet_fds(a)
        rss0 = rss_kib(pid)
        for i in range(500):
            with Conn(a.port, timeout=2.0) as c:
                r = c.request("GET", "/health", timeout=2.0)
                if r.status != 200:
                    raise AssertionError("request %d: %r" % (i, r))

        eq(quiet_fds(a), fds0, "open descriptors after 500 connections")
        grew = rss_kib(pid) - rss0
        check(grew <= 1024, "RSS grew by %d KiB over 500 connections"
              % grew)


if __name__ == "__main__":
    main()
