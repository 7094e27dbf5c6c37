#!/usr/bin/env python3
"""Opens COUNT TCP connections to HOST:PORT without waiting for any of
them and holds them, idle, until killed (tests/integration/fdlimit.sh:
an attacker who keeps a daemon out of file descriptors)."""
import resource
import signal
import socket
import sys

host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
_, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
held = []
for _ in range(count):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    s.connect_ex((host, port))  # in progress: a full backlog drops SYNs
    held.append(s)
print("holding", len(held), flush=True)
signal.sigwait({signal.SIGTERM, signal.SIGINT})
