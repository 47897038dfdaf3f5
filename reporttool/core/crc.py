"""CRC-32 of two byte strings joined, from their CRCs and the second's length (zlib's crc32_combine, which
Python's zlib module does not expose).

CRC-32 is linear over GF(2): appending n zero bytes maps a CRC by a 32×32 bit matrix, and the CRC of A+B is
that matrix (for n = len(B)) applied to CRC(A), XOR CRC(B). The matrices for 2^k zero bytes are squared once
per process; a combine then applies one per set bit of len(B): microseconds, where running zlib.crc32 over
len(B) zero bytes (what render/detail_book did) costs a millisecond per MB — 0.1 s of every consolidate of a
province, whose detail workbook joins 200 stored fragments of ≈ 0.5 MB each.
"""
from __future__ import annotations

_POLY = 0xEDB88320  # CRC-32 (ISO-HDLC, zip), reflected


def _times(mat: list[int], vec: int) -> int:
    out, i = 0, 0
    while vec:
        if vec & 1:
            out ^= mat[i]
        vec >>= 1
        i += 1
    return out


def _square(mat: list[int]) -> list[int]:
    return [_times(mat, m) for m in mat]


def _byte_powers() -> list[list[int]]:
    one_bit = [_POLY] + [1 << (n - 1) for n in range(1, 32)]  # the operator of one zero bit
    op = _square(_square(_square(one_bit)))  # one zero byte
    powers = [op]
    for _ in range(63):  # 2^k zero bytes, k < 64
        op = _square(op)
        powers.append(op)
    return powers


_POWERS: list[list[int]] = []


def crc32_combine(crc_a: int, crc_b: int, len_b: int) -> int:
    """zlib.crc32(a + b) from zlib.crc32(a), zlib.crc32(b) and len(b)."""
    if len_b < 0:
        raise ValueError(f"negative length {len_b}")
    if not _POWERS:
        _POWERS.extend(_byte_powers())
    k = 0
    while len_b:
        if len_b & 1:
            crc_a = _times(_POWERS[k], crc_a)
        len_b >>= 1
        k += 1
    return crc_a ^ crc_b

