#!/usr/bin/env python3
"""bench.py: the figures users pick envd for, each beside a baseline
measured in the same run.

  size      stripped bytes of build/envd (baseline: a static musl `true`)
  rss       idle resident memory after start, from /proc/PID/status
            (baseline: a static musl program blocked in pause())
  startup   median ms from exec to the first answered GET /health, over 50
            starts (baseline: exec of a static `true` to its exit)

Usage: tools/bench.py build/envd
"""
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

RUNS = 50


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def health_once(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: b\r\n\r\n")
            return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def start_agent(binary, port, cgroot):
    return subprocess.Popen([binary, "--port", str(port), "--cgroup-root",
                             cgroot], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def time_startup(binary, cgroot):
    port = free_port()
    t0 = time.perf_counter()
    p = start_agent(binary, port, cgroot)
    while not health_once(port):
        if p.poll() is not None or time.perf_counter() - t0 > 5:
            raise SystemExit("agent did not answer /health")
    dt = time.perf_counter() - t0
    p.kill()
    p.wait()
    return dt * 1000


def time_true(true_bin):
    t0 = time.perf_counter()
    subprocess.run([true_bin], check=True)
    return (time.perf_counter() - t0) * 1000


def vm_rss(pid):
    with open(f"/proc/{pid}/status") as f:
        return int([l for l in f if l.startswith("VmRSS:")][0].split()[1])


def pause_rss(true_bin):
    p = subprocess.Popen([true_bin, "pause"])
    time.sleep(0.2)
    rss = vm_rss(p.pid)
    p.kill()
    p.wait()
    return rss


def idle_rss(binary, cgroot):
    port = free_port()
    p = start_agent(binary, port, cgroot)
    while not health_once(port):
        time.sleep(0.01)
    time.sleep(0.5)
    rss = vm_rss(p.pid)
    p.kill()
    p.wait()
    return rss


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "build/envd"
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "true.c")
        true_bin = os.path.join(tmp, "true")
        with open(src, "w") as f:
            f.write("#include <unistd.h>\nint main(int c, char **v)\n"
                    "{ if (c > 1) pause(); return 0; }\n")
        subprocess.run(["musl-gcc", "-static", "-Os", "-s", src, "-o",
                        true_bin], check=True)
        cgroot = os.path.join(tmp, "cg")
        os.mkdir(cgroot)
        size, base = os.path.getsize(binary), os.path.getsize(true_bin)
        print(f"size      {size} bytes  (static true: {base} bytes, "
              f"ratio {size / base:.1f})")
        rss = idle_rss(binary, cgroot)
        base_rss = pause_rss(true_bin)
        print(f"rss       {rss} KiB idle after start  (static pause: "
              f"{base_rss} KiB, ratio {rss / base_rss:.1f})")
        agent = statistics.median(time_startup(binary, cgroot)
                                  for _ in range(RUNS))
        true = statistics.median(time_true(true_bin) for _ in range(RUNS))
        print(f"startup   {agent:.2f} ms median exec -> first /health 200 "
              f"(static true: {true:.2f} ms, ratio {agent / true:.1f})")


if __name__ == "__main__":
    main()
