#!/usr/bin/env python3
"""test_fs.py: what the node suites of the filesystem service cannot set
up: a watch on a network filesystem (SPEC 7.7).  A FUSE mount (bindfs,
statfs type 0x65735546) stands in for NFS and SMB; it is made before the
agent starts, so the agent's private mount namespace has it too.

    ENVD_BIN=build/envd python3 tests/e2e/test_fs.py
"""
import json
import os
import shutil
import subprocess
import tempfile

from harness import Agent, check, eq, main, need_root, test  # noqa

FS = "/filesystem.Filesystem/"
JSON = {"Content-Type": "application/json", "Connect-Protocol-Version": "1"}


class FuseDir:
    """A bindfs mount of an empty directory, unmounted at the end."""

    def __enter__(self):
        self.tmp = tempfile.mkdtemp(prefix="envd-fuse.")
        self.src = os.path.join(self.tmp, "src")
        self.mnt = os.path.join(self.tmp, "mnt")
        os.mkdir(self.src)
        os.mkdir(self.mnt)
        subprocess.run(["bindfs", self.src, self.mnt], check=True,
                       timeout=10)
        return self

    def __exit__(self, *a):
        for cmd in (["fusermount3", "-u"], ["fusermount", "-u"],
                    ["umount", "-l"]):
            if shutil.which(cmd[0]) and subprocess.run(
                    cmd + [self.mnt], capture_output=True).returncode == 0:
                break
        shutil.rmtree(self.tmp, ignore_errors=True)


def call(a, method, req):
    r = a.req("POST", FS + method, json.dumps(req).encode(), JSON)
    return r.status, json.loads(r.body or b"{}")


@test
def watch_refuses_network_filesystem():
    need_root()
    if not shutil.which("bindfs"):
        raise AssertionError("bindfs is not installed")
    with FuseDir() as f, Agent() as a:
        st, body = call(a, "CreateWatcher", {"path": f.mnt})
        eq(st, 400, "CreateWatcher on FUSE: status")
        eq(body.get("code"), "invalid_argument", "code")
        eq(body.get("message"), "cannot watch path on network filesystem: "
           + f.mnt, "message")
        # E2B's allow_network_mounts lets it through.
        st, body = call(a, "CreateWatcher", {"path": f.mnt,
                                             "allowNetworkMounts": True})
        eq(st, 200, "CreateWatcher with allowNetworkMounts: %r" % body)
        check(body.get("watcherId", "").startswith("w"), "watcher id")
        st, _ = call(a, "RemoveWatcher", {"watcherId": body["watcherId"]})
        eq(st, 200, "RemoveWatcher")
        # The source directory itself is a plain local one.
        st, body = call(a, "CreateWatcher", {"path": f.src})
        eq(st, 200, "CreateWatcher on the local directory: %r" % body)


if __name__ == "__main__":
    main()
