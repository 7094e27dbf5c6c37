#!/usr/bin/env python3
"""A DNS server that answers slowly: every A query gets ADDR after DELAY
seconds, every other query an empty answer after the same delay. Each
query waits in a thread of its own, so the delay is per lookup
(tests/integration/dns_async.sh: a slow name server must not stall the
relay's other sessions). Usage: slow_dns.py LISTEN_IP ADDR DELAY"""
import socket
import struct
import sys
import threading
import time

listen, addr, delay = sys.argv[1], sys.argv[2], float(sys.argv[3])
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((listen, 53))
print("listening", flush=True)


def answer(query, peer):
    time.sleep(delay)
    qid, _flags, qdcount = struct.unpack("!HHH", query[:6])
    if qdcount != 1:
        return
    # The question: labels up to the zero byte, then QTYPE and QCLASS.
    end = 12
    while query[end] != 0:
        end += 1 + query[end]
    qtype = struct.unpack("!H", query[end + 1:end + 3])[0]
    question = query[12:end + 5]
    ans = b""
    if qtype == 1:  # A
        ans = (b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) +
               socket.inet_aton(addr))
    hdr = struct.pack("!HHHHHH", qid, 0x8180, 1, 1 if ans else 0, 0, 0)
    sock.sendto(hdr + question + ans, peer)
    print("answered type", qtype, "after", delay, "s", flush=True)


while True:
    data, peer = sock.recvfrom(512)
    if len(data) > 12:
        threading.Thread(target=answer, args=(data, peer), daemon=True).start()
