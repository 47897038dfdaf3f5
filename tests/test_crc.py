"""core/crc.py: the CRC-32 of two byte strings joined, from their CRCs, equals zlib's of the join."""
from __future__ import annotations

import random
import zlib

import pytest

from reporttool.core.crc import crc32_combine


def test_combining_gives_zlibs_crc_of_the_join():
    rnd = random.Random(13)
    lengths = [*range(0, 70), 255, 256, 257, 65535, 65536, 1 << 20, (1 << 20) + 3, rnd.randrange(1, 4_000_000)]
    for n in lengths:
        a, b = rnd.randbytes(rnd.randrange(0, 300)), rnd.randbytes(n)
        assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b), n


def test_many_pieces_combine_like_one_stream():
    rnd = random.Random(5)
    pieces = [rnd.randbytes(rnd.randrange(0, 5000)) for _ in range(50)]
    crc = 0
    for p in pieces:
        crc = crc32_combine(crc, zlib.crc32(p), len(p))
    assert crc == zlib.crc32(b"".join(pieces))


def test_a_negative_length_is_refused():
    with pytest.raises(ValueError):
        crc32_combine(1, 2, -1)
