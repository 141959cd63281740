"""Near-duplicate detection for syndicated stories: a 64-bit SimHash of word 3-grams.

Two outlets carrying the same wire story rarely match to the byte: one adds a standfirst, another drops a
paragraph or a credit line. Their SimHashes differ in a few bits, while unrelated articles differ in about
half of them, so a SimHash within CANDIDATE_DISTANCE picks the few texts worth comparing; the copy is
confirmed when most of the shorter text's word 3-grams are in the other.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

import numpy as np

_WORD = re.compile(r"\w+", re.UNICODE)
CANDIDATE_DISTANCE = 12      # bits; unrelated texts sit near 32, and fall under 12 about once in 10^7 pairs
MIN_CONTAINMENT = 0.85       # share of the shorter text's 3-grams found in the longer one


def shingles(text: str) -> set[str]:
    words = _WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    return {" ".join(words[i:i + 3]) for i in range(max(0, len(words) - 2))}


def is_near_copy(a: str | set[str], b: str | set[str]) -> bool:
    """Texts, or their `shingles` (a caller comparing one text with many passes its set once)."""
    sa = shingles(a) if isinstance(a, str) else a
    sb = shingles(b) if isinstance(b, str) else b
    if not sa or not sb:
        return False
    return len(sa & sb) / min(len(sa), len(sb)) >= MIN_CONTAINMENT


def simhash(text: str) -> int:
    """An unsigned 64-bit fingerprint; 0 for a text too short to fingerprint."""
    return simhash_of(shingles(text))


def gram_digests(grams: set[str]) -> bytes:
    """8 bytes of blake2b per 3-gram, concatenated: what SimHash sums and MinHash (`lsh`) takes minima of."""
    return b"".join(hashlib.blake2b(g.encode(), digest_size=8).digest() for g in grams)


def simhash_of(grams: set[str], raw: bytes | None = None) -> int:
    if not grams:
        return 0
    raw = gram_digests(grams) if raw is None else raw
    digests = np.frombuffer(raw, dtype=np.uint8).reshape(len(grams), 8)
    ones = np.unpackbits(digests, axis=1).sum(axis=0)          # per bit, how many 3-grams set it
    bits = ones * 2 > len(grams)
    return int.from_bytes(np.packbits(bits).tobytes(), "big")


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()
