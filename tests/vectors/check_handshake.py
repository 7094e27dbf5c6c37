#!/usr/bin/python3
"""Independent cross-check of doc/vectors/handshake-v1.txt.

Written from doc/handshake.md alone (no libncgtun code): a second
implementation of Noise_IKpsk2_25519_ChaChaPoly_SHA256 as used by
libncgtun, plus the REQUEST / RESPONSE / DATA / CLOSE layouts, that
recomputes every derived and output value of the vector file from its
inputs and checks it byte for byte. It plays both sides: each message it
writes is also read back by the other side's state.

Uses Debian's python3-cryptography (X25519, ChaCha20Poly1305, AESGCM) and
the standard library (hashlib, hmac). Usage: check_handshake.py FILE
Exit status 0 when everything matches, 1 otherwise, 77 (skip) when the
cryptography module is missing.
"""
import hashlib
import hmac
import struct
import sys

try:
    from cryptography.hazmat.primitives.asymmetric.x25519 import (
        X25519PrivateKey, X25519PublicKey)
    from cryptography.hazmat.primitives.ciphers.aead import (
        AESGCM, ChaCha20Poly1305)
    from cryptography.hazmat.primitives import serialization
except ImportError:  # pragma: no cover
    print("python3-cryptography not installed: skipping")
    sys.exit(77)

NAME = b"Noise_IKpsk2_25519_ChaChaPoly_SHA256"
LABEL = b"ncgtun/1"
AES, CHACHA = 0x0001, 0x0002
TYPE_REQUEST, TYPE_RESPONSE, TYPE_DATA, TYPE_CLOSE = 2, 3, 4, 5
VERSION = 1
TAG = 16


# ---- primitives (doc/handshake.md section 1) -------------------------------

def pub(priv):
    return X25519PrivateKey.from_private_bytes(priv).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def dh(priv, peer):
    out = X25519PrivateKey.from_private_bytes(priv).exchange(
        X25519PublicKey.from_public_bytes(peer))
    if out == bytes(32):
        raise ValueError("low-order key")
    return out


def sha256(data):
    return hashlib.sha256(data).digest()


def hmac256(key, data):
    return hmac.new(key, data, hashlib.sha256).digest()


def hkdf(ck, ikm, n):
    temp = hmac256(ck, ikm)
    outs, prev = [], b""
    for i in range(1, n + 1):
        prev = hmac256(temp, prev + bytes([i]))
        outs.append(prev)
    return outs


def nonce(transform, counter):
    # section 5: 4 zero bytes || counter, LE for ChaCha, BE for AES-GCM
    if transform == CHACHA:
        return bytes(4) + struct.pack("<Q", counter)
    return bytes(4) + struct.pack(">Q", counter)


def aead(transform, key):
    return ChaCha20Poly1305(key) if transform == CHACHA else AESGCM(key)


# ---- Noise state (section 2) -----------------------------------------------

class Noise:
    def __init__(self, initiator, prologue, s_priv, rs=None):
        self.initiator = initiator
        self.h = sha256(NAME)  # 36 bytes > HASHLEN: hashed
        self.ck = self.h
        self.k = None
        self.n = 0
        self.s = s_priv
        self.rs = rs
        self.e = None
        self.re = None
        self.mix_hash(prologue)
        self.mix_hash(rs if initiator else pub(s_priv))  # <- s

    def mix_hash(self, data):
        self.h = sha256(self.h + data)

    def mix_key(self, ikm):
        self.ck, self.k = hkdf(self.ck, ikm, 2)
        self.n = 0

    def mix_key_and_hash(self, ikm):
        self.ck, th, self.k = hkdf(self.ck, ikm, 3)
        self.mix_hash(th)
        self.n = 0

    def encrypt_and_hash(self, pt):
        if self.k is None:
            ct = pt
        else:
            ct = ChaCha20Poly1305(self.k).encrypt(nonce(CHACHA, self.n), pt,
                                                  self.h)
            self.n += 1
        self.mix_hash(ct)
        return ct

    def decrypt_and_hash(self, ct):
        if self.k is None:
            pt = ct
        else:
            pt = ChaCha20Poly1305(self.k).decrypt(nonce(CHACHA, self.n), ct,
                                                  self.h)
            self.n += 1
        self.mix_hash(ct)
        return pt

    def write_e(self, e_priv):
        self.e = e_priv
        e_pub = pub(e_priv)
        self.mix_hash(e_pub)
        self.mix_key(e_pub)  # psk handshake: MixKey(e) too
        return e_pub

    def read_e(self, msg):
        self.re = msg[:32]
        self.mix_hash(self.re)
        self.mix_key(self.re)
        return msg[32:]

    # message 1: -> e, es, s, ss
    def write1(self, e_priv, payload):
        out = self.write_e(e_priv)                       # e
        self.mix_key(dh(self.e, self.rs))                # es
        out += self.encrypt_and_hash(pub(self.s))        # s
        self.mix_key(dh(self.s, self.rs))                # ss
        return out + self.encrypt_and_hash(payload)

    def read1(self, msg):
        rest = self.read_e(msg)                          # e
        self.mix_key(dh(self.s, self.re))                # es
        self.rs = self.decrypt_and_hash(rest[:48])       # s
        self.mix_key(dh(self.s, self.rs))                # ss
        return self.decrypt_and_hash(rest[48:])

    # message 2: <- e, ee, se, psk
    def write2(self, e_priv, psk, payload):
        out = self.write_e(e_priv)                       # e
        self.mix_key(dh(self.e, self.re))                # ee
        self.mix_key(dh(self.e, self.rs))                # se
        self.mix_key_and_hash(psk)                       # psk
        return out + self.encrypt_and_hash(payload)

    def read2(self, psk, msg):
        rest = self.read_e(msg)                          # e
        self.mix_key(dh(self.e, self.re))                # ee
        self.mix_key(dh(self.s, self.re))                # se
        self.mix_key_and_hash(psk)                       # psk
        return self.decrypt_and_hash(rest)

    def split(self):
        return hkdf(self.ck, b"", 2)  # k1: initiator -> responder


# ---- layouts (sections 3, 4, "Frame fields used here") --------------------

def header(length, ftype):
    return struct.pack(">IBB", length, ftype, VERSION)


def prologue(flags, offered, dest):
    return LABEL + struct.pack(">HHB", flags, offered, len(dest)) + dest


def request_payload(tai64n, user, cd):
    return tai64n + bytes([len(user)]) + user + struct.pack(">H", len(cd)) + cd


def response_payload(chosen, flags, lifetime, cd):
    return struct.pack(">HHIH", chosen, flags, lifetime, len(cd)) + cd


def request_frame(flags, offered, dest, kx):
    buf = dest + b"\0" + kx
    fixed = struct.pack(">HHHHH", flags, offered, 0, len(dest) + 1, len(kx))
    return header(6 + len(fixed) + len(buf), TYPE_REQUEST) + fixed + buf


def response_frame(flags, chosen, kx):
    fixed = struct.pack(">HHHH", flags, chosen, 0, len(kx))
    return header(6 + len(fixed) + len(kx), TYPE_RESPONSE) + fixed + kx


def data_frame(transform, key, counter, proto, flags, dg, pad=0):
    hdr = header(12 + TAG + len(dg) + pad, TYPE_DATA) + struct.pack(
        ">BBHBB", proto, flags, len(dg), pad, TAG)
    sealed = aead(transform, key).encrypt(nonce(transform, counter),
                                          dg + bytes(pad), hdr)
    return hdr + sealed[-TAG:] + sealed[:-TAG]


def close_frame(transform, key, counter, status, flags=0, retry=0, info=b""):
    flags |= 0x01  # AUTH
    body = header(16 + len(info) + TAG, TYPE_CLOSE) + struct.pack(
        ">HBBIH", status, flags, TAG, retry, len(info)) + info
    tag = aead(transform, key).encrypt(nonce(transform, counter), b"", body)
    return body + tag


# ---- the check -------------------------------------------------------------

def load(path):
    vec = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            vec[parts[0]] = bytes.fromhex(parts[1] if len(parts) > 1 else "")
    return vec


def run_case(vec, c):
    g = lambda name: vec["%d.%s" % (c, name)]
    u = lambda name: int.from_bytes(g(name), "big")
    got = {}
    cs, ss = g("client_static_priv"), g("server_static_priv")
    ce, se = g("client_ephemeral_priv"), g("server_ephemeral_priv")
    psk, user, dest = g("psk"), g("user"), g("dest")
    flags, offered, chosen = u("request_flags"), u("offered"), u("chosen")
    got["client_static_pub"], got["server_static_pub"] = pub(cs), pub(ss)

    pro = prologue(flags, offered, dest)
    got["prologue"] = pro
    req_pl = request_payload(g("tai64n"), user, g("request_client_data"))
    got["request_payload"] = req_pl
    resp_pl = response_payload(chosen, u("response_flags"), u("key_lifetime"),
                               g("response_client_data"))
    got["response_payload"] = resp_pl

    ini = Noise(True, pro, cs, rs=pub(ss))
    res = Noise(False, pro, ss)
    msg1 = ini.write1(ce, req_pl)
    got["request_frame"] = request_frame(flags, offered, dest, msg1)
    assert res.read1(msg1) == req_pl and res.rs == pub(cs)
    msg2 = res.write2(se, psk, resp_pl)
    got["response_frame"] = response_frame(u("response_flags"), chosen, msg2)
    assert ini.read2(psk, msg2) == resp_pl
    assert ini.h == res.h
    got["handshake_hash"] = ini.h
    k1, k2 = ini.split()
    assert (k1, k2) == tuple(res.split())
    got["key_i2r"], got["key_r2i"] = k1, k2

    got["data_i2r_frame"] = data_frame(chosen, k1, 0, 4, 0,
                                       g("data_i2r_datagram"))
    got["data_r2i_frame"] = data_frame(chosen, k2, 0, 4, 0,
                                       g("data_r2i_datagram"))
    got["keepalive_i2r_frame"] = data_frame(chosen, k1, 1, 0, 0, b"")
    got["close_r2i_frame"] = close_frame(chosen, k2, 1, u("close_status"))

    bad = 0
    for name, value in got.items():
        want = g(name)
        if value != want:
            bad += 1
            print("case %d: %s differs\n  got  %s\n  want %s"
                  % (c, name, value.hex(), want.hex()))
    print("case %d: %d values checked, %d differ" % (c, len(got), bad))
    return bad


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    vec = load(sys.argv[1])
    cases = sorted({int(k.split(".")[0]) for k in vec})
    if not cases:
        print("no cases")
        return 1
    bad = sum(run_case(vec, c) for c in cases)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
