#!/usr/bin/env python3
"""An independent re-implementation of Evident's allocation procedure
(evident-assign-v1, documented in src/assign/rng.rs, complete.rs and block.rs),
in plain Python with no third-party package, for blocked randomisation with shares.

It shows that anyone can reproduce an allocation from the units file, the spec's
settings and the seed, without Evident. Usage:

    python3 reproduce.py UNITS.csv ID_COLUMN BLOCK_COLUMN SEED SHARE_1 [SHARE_2 ...] --arms NAME_1 NAME_2 ...

It prints assignments.csv (id, arm, block, cluster, probability) to standard output.
`tests/reference/assign/README.md` shows the command that reproduces the golden file.
"""

import csv
import hashlib
import math
import struct
import sys

MASK = 0xFFFFFFFF


def rotl(v, c):
    return ((v << c) & MASK) | (v >> (32 - c))


def chacha20_block(key_words, counter):
    """One 64-byte ChaCha20 block (DJB layout: 64-bit counter, 64-bit zero nonce)."""
    state = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574] + key_words + [
        counter & MASK, counter >> 32, 0, 0]
    x = state[:]

    def qr(a, b, c, d):
        x[a] = (x[a] + x[b]) & MASK; x[d] = rotl(x[d] ^ x[a], 16)
        x[c] = (x[c] + x[d]) & MASK; x[b] = rotl(x[b] ^ x[c], 12)
        x[a] = (x[a] + x[b]) & MASK; x[d] = rotl(x[d] ^ x[a], 8)
        x[c] = (x[c] + x[d]) & MASK; x[b] = rotl(x[b] ^ x[c], 7)

    for _ in range(10):
        qr(0, 4, 8, 12); qr(1, 5, 9, 13); qr(2, 6, 10, 14); qr(3, 7, 11, 15)
        qr(0, 5, 10, 15); qr(1, 6, 11, 12); qr(2, 7, 8, 13); qr(3, 4, 9, 14)
    return [(a + b) & MASK for a, b in zip(x, state)]


class Stream:
    def __init__(self, seed=None, key=None):
        if key is None:
            key = hashlib.sha256(b"evident-assign-v1" + struct.pack("<Q", seed)).digest()
        self.key_words = list(struct.unpack("<8I", key))
        self.counter = 0
        self.words = []

    def next_u32(self):
        if not self.words:
            self.words = chacha20_block(self.key_words, self.counter)
            self.counter += 1
        return self.words.pop(0)

    def next_u64(self):
        low = self.next_u32()
        high = self.next_u32()
        return low | (high << 32)

    def below(self, n):
        m = self.next_u64() * n
        low = m & 0xFFFFFFFFFFFFFFFF
        if low < n:
            threshold = (2**64 - n) % n
            while low < threshold:
                m = self.next_u64() * n
                low = m & 0xFFFFFFFFFFFFFFFF
        return m >> 64

    def shuffle(self, items):
        for i in range(len(items) - 1, 0, -1):
            j = self.below(i + 1)
            items[i], items[j] = items[j], items[i]

    def uniform(self):
        return (self.next_u64() >> 11) * 2.0**-53


def remainder_counts(n, shares, stream):
    floors = [math.floor(n * p) for p in shares]
    counts = list(floors)
    remainder = n - sum(floors)
    if remainder == 0:
        return counts
    fractions = [n * p - f for p, f in zip(shares, floors)]
    u = stream.uniform()
    low, given = 0.0, 0
    for k, f in enumerate(fractions):
        high = float(remainder) if k == len(fractions) - 1 else low + f
        points = max(0, math.ceil(high - u) - math.ceil(low - u))
        if points > 0 and given < remainder:
            counts[k] += 1
            given += 1
        low = high
    return counts


def main(argv):
    arms_at = argv.index("--arms")
    units, id_col, block_col, seed = argv[1], argv[2], argv[3], int(argv[4])
    shares = [float(s) for s in argv[5:arms_at]]
    arms = argv[arms_at + 1:]
    with open(units, newline="", encoding="utf-8") as f:
        rows = [(r[id_col].strip(), r[block_col].strip()) for r in csv.DictReader(f)]
    rows.sort(key=lambda r: r[0].encode())
    blocks = sorted({b for _, b in rows}, key=lambda b: b.encode())
    stream = Stream(seed)
    arm_of = {}
    for block in blocks:
        members = [i for i, _ in rows if _ == block]
        counts = remainder_counts(len(members), shares, stream)
        labels = [k for k, c in enumerate(counts) for _ in range(c)]
        stream.shuffle(labels)
        for unit, k in zip(members, labels):
            arm_of[unit] = k
    out = sys.stdout
    out.write(f"{id_col},arm,block,cluster,probability\n")
    for unit, block in rows:
        k = arm_of[unit]
        out.write(f"{unit},{arms[k]},{block},,{shares[k]!r}\n")


if __name__ == "__main__":
    main(sys.argv)
