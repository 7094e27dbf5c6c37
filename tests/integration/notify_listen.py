#!/usr/bin/env python3
"""A stand-in for systemd's notification socket (sd_notify(3)).

notify_listen.py SOCKET LOG [PROBE...]

Binds an AF_UNIX datagram socket at SOCKET (a leading '@' names an
abstract socket), then appends each message it receives to LOG as one
line, its newlines shown as '|'. The first time a message holds READY=1
it runs PROBE (a command) and logs "probe=ok" or "probe=fail", so a test
can check the service was really usable when it said it was ready.
Runs until killed.
"""
import os
import socket
import subprocess
import sys


def main():
    path, log = sys.argv[1], sys.argv[2]
    probe = sys.argv[3:]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if path.startswith("@"):
        s.bind("\0" + path[1:])
    else:
        if os.path.exists(path):
            os.unlink(path)
        s.bind(path)
    with open(log, "a", buffering=1) as out:
        out.write("listening\n")
        ready_seen = False
        while True:
            msg = s.recv(4096).decode("utf-8", "replace")
            out.write(msg.replace("\n", "|") + "\n")
            if "READY=1" in msg.split("\n") and not ready_seen:
                ready_seen = True
                if probe:
                    rc = subprocess.call(probe, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
                    out.write("probe=%s\n" % ("ok" if rc == 0 else "fail"))


if __name__ == "__main__":
    main()
