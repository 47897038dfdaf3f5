"""统一社会信用代码 (GB 32100-2015) for R-CREDIT-FORMAT / R-CREDIT-CHECK: python-stdnum's cn.uscc, without
its per-character clean-up where there is nothing to clean. Checking every roster row, that clean-up was
a third of the time spent in checks/single.py (docs/performance.md); the results are stdnum's (tested)."""
from __future__ import annotations

import itertools
import operator
from collections import Counter
from collections.abc import Sequence
from typing import Any

from stdnum.cn import uscc

from reporttool.core.units import clean_text

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # the code's characters, in value order
USCC_ALPHABET = frozenset(USCC_CHARS)
_VALUE = {ch: i for i, ch in enumerate(USCC_CHARS)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_compact(code: str) -> str:
    """uscc.compact(code): a plain ASCII letters-and-digits code (nearly every roster row) only upper-cased."""
    return code.upper() if code.isascii() and code.isalnum() else uscc.compact(code)


def uscc_check_digit(code: str) -> str:
    """The check character of a compact 18-character code of USCC_ALPHABET characters (its first 17
    count): uscc.calc_check_digit(code[:17])."""
    total = sum(map(operator.mul, map(_VALUE.__getitem__, code[:17]), _WEIGHTS))  # in C: every roster row
    return USCC_CHARS[(31 - total) % 31]


# The weights are 3**i mod 31, so the weighted sum is, mod 31, the number whose base-34 digits (34 ≡ 3 mod 31)
# are the 17 values, last one first: int() computes it in C once the characters are written as its digits.
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTU"  # value v as a digit of int(…, 34)
_ALPHABET_BYTES = USCC_CHARS.encode("ascii")
_AS_DIGITS = bytes.maketrans(USCC_CHARS.encode("ascii"), _DIGITS.encode("ascii"))


def codes_all_valid(codes: Sequence[Any]) -> bool:
    """True when checks/single.py's credit-code test finds nothing in any of ``codes`` (a roster column):
    every value is None, "" or a plain code (``_plain_valid``), and no two upper cases are the same. False
    does not mean that something is wrong: then ``codes_to_check`` says which codes to test one by one."""
    texts = list(filter(None, codes))  # None and "" are not looked at
    return _plain_valid(texts) and len(set(map(str.upper, texts))) == len(texts)


def _plain_valid(texts: Sequence[Any]) -> bool:
    """Every one of ``texts`` (no None or "") is a plain valid code: a str of 18 ASCII letters and digits
    whose upper case (its compact) is of USCC_ALPHABET with the right check character."""
    if not texts:
        return True
    if set(map(type, texts)) != {str}:
        return False
    joined = "".join(texts)
    if not joined.isascii():
        return False  # full-width characters…: uscc_compact's clean-up, code by code
    data = joined.upper().encode("ascii")  # ASCII: the codes' upper cases end to end
    if set(map(len, texts)) != {18} or data.translate(None, _ALPHABET_BYTES):
        # A character outside USCC_ALPHABET: a wrong code, or one with spaces or dashes that
        # uscc_compact would clean first; else each is ASCII letters and digits (its compact: upper case).
        return False
    # All the codes as digits, reversed at once: code after code (last first), each its check character
    # then its first 17 characters last one first.
    digits = data.translate(_AS_DIGITS)[::-1].decode("ascii")
    end = len(digits)
    sums = map(int, map(digits.__getitem__, map(slice, range(1, end, 18), range(18, end + 1, 18))),
               itertools.repeat(34))
    checks = "".join(map(_DIGITS.__getitem__, map(operator.mod, map(operator.neg, sums), itertools.repeat(31))))
    return checks == digits[::18]


def _not_plain(codes: Sequence[Any], start: int) -> list[int]:
    """The positions (from ``start``) of the values of ``codes`` other than None, "" and plain valid codes:
    halves tested at once, one by one only in the last few."""
    if len(codes) <= 8:
        return [start + i for i, code in enumerate(codes) if code and not _plain_valid([code])]
    half = len(codes) // 2
    found = []
    for part, at in ((codes[:half], start), (codes[half:], start + half)):
        if not _plain_valid(list(filter(None, part))):
            found += _not_plain(part, at)
    return found


def codes_to_check(codes: Sequence[Any]) -> list[int]:
    """The positions in ``codes`` (a roster column, in row order) that checks/single.py's credit-code test
    must look at one by one: every code it looks at (a text not blank) but the plain valid ones whose
    compact (upper case) occurs once among those it looks at. [] when codes_all_valid."""
    if codes_all_valid(codes):
        return []
    # compact of each code the test looks at, as it makes it; None for the others
    compacts: list[Any] = [code.upper() if code.__class__ is str and code else None for code in codes]
    suspects = []
    for i in _not_plain(codes, 0):
        code = codes[i]
        if not isinstance(code, str) or not code.strip():
            compacts[i] = None  # not looked at
            continue
        compacts[i] = code.upper() if code.isascii() and code.isalnum() else uscc_compact(clean_text(code))
        suspects.append(i)
    counts = Counter(compacts)
    repeated = {compact for compact, n in counts.items() if n > 1 and compact is not None}
    if repeated:
        suspects += [i for i, compact in enumerate(compacts) if compact in repeated]
    return sorted(set(suspects))
