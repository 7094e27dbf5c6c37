#!/usr/bin/env python3
"""Listener flood for tests/integration/flood.sh (issue 17 item 4).

  flood.py capture PORT OUT    listen on 0.0.0.0:PORT, keep the first
                               second of bytes of the first connection
                               (a real client's RELAY/REQUEST) in OUT
  flood.py flood HOST PORT SECONDS REQFILE HELD
                               for SECONDS, keep HELD connections open at
                               once; each new one sends, in turn, junk,
                               the captured REQUEST (well-formed, from a
                               key the server does not know: a full DH to
                               refuse it), or nothing (held idle). Prints
                               how many connections it made. Bounded in
                               time and count, loopback/namespace only.
"""
import os
import select
import socket
import sys
import time


def capture(port, out):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(1)
    ls.settimeout(20)
    c, _ = ls.accept()
    c.settimeout(0.2)
    data = b""
    end = time.time() + 1.0
    while time.time() < end:
        try:
            b = c.recv(65536)
            if not b:
                break
            data += b
        except socket.timeout:
            pass
    with open(out, "wb") as f:
        f.write(data)
    print("captured", len(data), flush=True)


def flood(host, port, secs, reqfile, held):
    req = open(reqfile, "rb").read()
    socks = []
    made = 0
    end = time.time() + secs
    while time.time() < end:
        while len(socks) < held:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.connect_ex((host, port))
            kind = made % 3
            payload = os.urandom(300) if kind == 0 else (req if kind == 1 else b"")
            socks.append([s, payload])
            made += 1
        _, w, _ = select.select([], [x[0] for x in socks if x[1]], [], 0.01)
        for x in socks:
            if x[0] in w and x[1]:
                try:
                    x[0].send(x[1])
                except OSError:
                    pass
                x[1] = b""
        r, _, _ = select.select([x[0] for x in socks], [], [], 0.01)
        for s in r:  # closed (refused at accept or by the handshake): renew
            try:
                if s.recv(65536):
                    continue
            except OSError:
                pass
            s.close()
            socks = [x for x in socks if x[0] is not s]
    print("connections", made, flush=True)


if sys.argv[1] == "capture":
    capture(int(sys.argv[2]), sys.argv[3])
else:
    flood(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5],
          int(sys.argv[6]))
