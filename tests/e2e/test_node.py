#!/usr/bin/env python3
"""test_node.py: runs the node end-to-end tests of tests/node.

Those use the real clients: the ConnectRPC node client and the e2b SDK
(fs_connect.mjs, fs_sdk.mjs) and raw HTTP for the Connect wire format
(protocol.mjs); every other .mjs file there but lib.mjs runs too.  This
wrapper installs the pinned packages with `npm ci` when
tests/node/node_modules is missing, runs each file with node (ENVD_BIN
passes through), relays its output, and prints one summary line
"e2e: N passed, M failed" summing theirs; it exits 1 if any failed.

    ENVD_BIN=build/envd python3 tests/e2e/test_node.py
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_DIR = os.path.join(os.path.dirname(HERE), "node")
# These first, then any other test file there (every .mjs but lib.mjs).
FIRST = ["fs_connect.mjs", "protocol.mjs", "fs_sdk.mjs"]
TIMEOUT = 600
SUMMARY = re.compile(r"^e2e: (\d+) passed, (\d+) failed$")


def npm_ci():
    """Installs node_modules from package-lock.json; returns an error."""
    if os.path.isdir(os.path.join(NODE_DIR, "node_modules")):
        return None
    try:
        p = subprocess.run(["npm", "ci", "--no-audit", "--no-fund",
                            "--loglevel=error"], cwd=NODE_DIR,
                           capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as e:
        return "npm ci: %s" % e
    if p.returncode != 0:
        return "npm ci failed (%d): %s" % (p.returncode,
                                           (p.stderr or p.stdout)[-2000:])
    return None


def test_files():
    names = sorted(f for f in os.listdir(NODE_DIR)
                   if f.endswith(".mjs") and f != "lib.mjs")
    return [f for f in FIRST if f in names] + \
        [f for f in names if f not in FIRST]


def run_one(name):
    """Runs one file; returns (passed, failed)."""
    env = dict(os.environ)
    if env.get("ENVD_BIN"):
        env["ENVD_BIN"] = os.path.abspath(env["ENVD_BIN"])
    try:
        p = subprocess.run(["node", name], cwd=NODE_DIR, env=env,
                           stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=TIMEOUT)
        out, err, rc = p.stdout, p.stderr, p.returncode
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else \
            (e.stdout or "")
        err, rc = "timed out after %ds" % TIMEOUT, None
    except OSError as e:
        out, err, rc = "", str(e), None
    passed = failed = None
    for ln in out.splitlines():
        m = SUMMARY.match(ln)
        if m:
            passed, failed = int(m.group(1)), int(m.group(2))
        else:
            print(ln, flush=True)
    if passed is None:
        print("FAIL %s: no summary line (exit %s): %s" % (
            name, rc, err.strip()[-2000:].replace("\n", " | ")), flush=True)
        return 0, 1
    if rc != 0 and failed == 0:
        print("FAIL %s: exit %s with no failed test: %s" % (
            name, rc, err.strip()[-1000:].replace("\n", " | ")), flush=True)
        failed = 1
    elif err.strip() and os.environ.get("E2E_VERBOSE"):
        print(err, flush=True)
    print("node %s: %d ok, %d failed" % (name, passed, failed), flush=True)
    return passed, failed


def main():
    err = npm_ci()
    if err:
        print("FAIL npm_ci: %s" % err.replace("\n", " "), flush=True)
        print("e2e: 0 passed, 1 failed", flush=True)
        sys.exit(1)
    passed = failed = 0
    for name in test_files():
        p, f = run_one(name)
        passed += p
        failed += f
    print("e2e: %d passed, %d failed" % (passed, failed), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
