"""Near-copy candidates by key, not by scan: MinHash signatures cut into LSH bands.

A syndicated story with small edits shares most of its word 3-grams with the original (Jaccard 0.6 and
up), unrelated stories almost none (under 0.05). Each text gets BANDS x ROWS MinHash values; each band of
ROWS values is hashed to one bucket key. Two texts land in a common bucket with probability
1 - (1 - J^ROWS)^BANDS: 0.998 at J = 0.72, 0.94 at J = 0.6, and about 3 in a million pairs at J = 0.02.
So candidates are an equality join of this run's (band, bucket) rows with the stored ones in
`article_bands` (and a dictionary lookup inside a batch), and only those few texts are compared
(`simhash.is_near_copy`). Hand-written rather than a library (datasketch) because it is 30 lines of numpy
over the 3-gram hashes SimHash already computes, and its keys must live in DuckDB, not in a Python index.
"""
from __future__ import annotations

import numpy as np

from newsintel.clean.simhash import gram_digests, shingles, simhash_of

BANDS = 20
ROWS = 4
_MASK61 = np.uint64((1 << 61) - 1)
_rng = np.random.default_rng(20261201)            # fixed: bucket keys must be the same on every run
_A = _rng.integers(1, (1 << 61) - 1, size=BANDS * ROWS, dtype=np.uint64) | np.uint64(1)
_B = _rng.integers(0, (1 << 61) - 1, size=BANDS * ROWS, dtype=np.uint64)
_MIX = _rng.integers(1, (1 << 63) - 1, size=ROWS, dtype=np.uint64) | np.uint64(1)


def fingerprints(text: str) -> tuple[int, list[int]]:
    """(SimHash, LSH band keys) of a text, from one pass of 3-gram hashing."""
    grams = shingles(text)
    raw = gram_digests(grams)
    return simhash_of(grams, raw), band_keys(np.frombuffer(raw, dtype=np.uint64))


def band_keys(hashes: np.ndarray) -> list[int]:
    """BANDS signed 64-bit bucket keys (one per band) of a text's 3-gram hashes; [] when it has none."""
    if not len(hashes):
        return []
    with np.errstate(over="ignore"):
        values = (hashes[:, None] * _A[None, :] + _B[None, :]) & _MASK61    # one hash function per column
        signature = values.min(axis=0).reshape(BANDS, ROWS)
        keys = (signature * _MIX[None, :]).sum(axis=1, dtype=np.uint64)
    return keys.view(np.int64).tolist()
