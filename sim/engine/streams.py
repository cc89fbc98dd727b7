"""Named random streams: one numpy generator per purpose, keyed by seed, replication and name.

A stream's identity is a stable hash of its name (never its position), so adding a stream or
a variant never shifts the numbers of another. Replication r of a scenario draws the same
numbers whatever runs beside it, which is what makes common random numbers work.
"""

from __future__ import annotations

import hashlib

import numpy as np


def name_key(*names: object) -> list[int]:
    """Four 32-bit words identifying a tuple of names, stable across runs and platforms."""
    digest = hashlib.blake2b("\x1f".join(map(str, names)).encode("utf-8"), digest_size=16).digest()
    return [int.from_bytes(digest[k : k + 4], "little") for k in range(0, 16, 4)]


def generator(seed: int, replication: int, *names: object) -> np.random.Generator:
    """The generator of stream `names` in replication `replication` of root `seed`."""
    sequence = np.random.SeedSequence(entropy=[int(seed), int(replication), *name_key(*names)])
    return np.random.Generator(np.random.PCG64(sequence))
