"""统一社会信用代码 (GB 32100-2015) for R-CREDIT-FORMAT / R-CREDIT-CHECK: python-stdnum's cn.uscc, without
its per-character clean-up where there is nothing to clean. Checking every roster row, that clean-up was
a third of the time spent in checks/single.py (docs/performance.md); the results are stdnum's (tested)."""
from __future__ import annotations

import operator

from stdnum.cn import uscc

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
