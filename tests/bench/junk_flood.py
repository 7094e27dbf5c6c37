#!/usr/bin/env python3
"""Junk flood for tests/bench/loadgen.sh (FLOOD=junk): THREADS threads
each connect to HOST:PORT, send 1-2 KiB of random bytes, close, and go
again, until killed. Prints the connections made every second. Usage:
junk_flood.py HOST PORT THREADS"""
import os
import socket
import sys
import threading
import time

host, port, nthreads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
count = [0]


def flood():
    while True:
        try:
            s = socket.create_connection((host, port), timeout=2)
            s.sendall(os.urandom(1024 + (count[0] % 1024)))
            s.close()
            count[0] += 1
        except OSError:
            time.sleep(0.01)


for _ in range(nthreads):
    threading.Thread(target=flood, daemon=True).start()
while True:
    time.sleep(1)
    print("connections", count[0], flush=True)
