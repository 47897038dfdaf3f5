"""Formulas over indicators: + - * / ( ), numbers and indicator codes. Nothing else, and no eval().

Used for 计算 indicators (a ratio of sums such as GDSR/YYSR*100, or a sum of parts HYYY+NCPJG+NYZS).
"""
from __future__ import annotations

import functools
import re
from decimal import Decimal

_FORMULA_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(.))")


@functools.lru_cache(maxsize=1024)  # a catalogue has a few formulas, evaluated for every district × cluster
def _tokens(formula: str) -> tuple[tuple[str, str], ...]:
    out = []
    pos = 0
    text = formula.strip()
    while pos < len(text):
        m = _FORMULA_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            break
        num, name, op = m.groups()
        pos = m.end()
        if num is not None:
            out.append(("num", num))
        elif name is not None:
            out.append(("name", name))
        elif op is not None and op.strip():
            if op not in "+-*/()":
                raise ValueError(f"不支持的符号“{op}”")
            out.append(("op", op))
    return tuple(out)


def formula_refs(formula: str) -> list[str]:
    """Indicator codes used by ``formula`` (validates its syntax)."""
    return list(_refs(formula))


@functools.lru_cache(maxsize=1024)
def _refs(formula: str) -> tuple[str, ...]:
    toks = _tokens(formula)
    _Parser(toks, lambda name: Decimal(1)).parse()  # syntax check with dummy values
    return tuple(v for k, v in toks if k == "name")


def evaluate_formula(formula: str, values: dict[str, Decimal | None]) -> Decimal | None:
    """Evaluate over indicator values. Any missing operand or a division by zero gives None ("—")."""
    def lookup(name: str) -> Decimal:
        v = values.get(name)
        if v is None:
            raise _Missing()
        return v
    try:
        return _Parser(_tokens(formula), lookup).parse()
    except (_Missing, ZeroDivisionError):
        return None


class _Missing(Exception):
    pass


class _Parser:
    """Recursive descent: expr := term (('+'|'-') term)*; term := factor (('*'|'/') factor)*."""

    def __init__(self, toks, lookup):
        self.toks, self.i, self.lookup = toks, 0, lookup

    def parse(self) -> Decimal:
        if not self.toks:
            raise ValueError("公式为空")
        v = self.expr()
        if self.i != len(self.toks):
            raise ValueError("公式多余的内容")
        return v

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def expr(self):
        v = self.term()
        while self.peek() in (("op", "+"), ("op", "-")):
            op = self.toks[self.i][1]
            self.i += 1
            r = self.term()
            v = v + r if op == "+" else v - r
        return v

    def term(self):
        v = self.factor()
        while self.peek() in (("op", "*"), ("op", "/")):
            op = self.toks[self.i][1]
            self.i += 1
            r = self.factor()
            if op == "*":
                v = v * r
            else:
                if r == 0:
                    raise ZeroDivisionError
                v = v / r
        return v

    def factor(self):
        kind, val = self.peek()
        if kind is None:
            raise ValueError("公式不完整")
        self.i += 1
        if kind == "num":
            return Decimal(val)
        if kind == "name":
            return self.lookup(val)
        if val == "(":
            v = self.expr()
            if self.peek() != ("op", ")"):
                raise ValueError("括号不匹配")
            self.i += 1
            return v
        if val == "-":
            return -self.factor()
        raise ValueError(f"此处不应出现“{val}”")


class _Unit:
    """A unit carried through a formula to check it (formula_unit): ``name`` is a unit or None for a
    ratio / product (units cancelled or compound). Numbers in the formula carry no unit."""

    def __init__(self, name: str | None, table: dict):
        self.name, self.table = name, table

    def _dim(self) -> str:
        entry = self.table.get(self.name)
        return entry[0] if entry else str(self.name)

    def _join(self, other):
        if not isinstance(other, _Unit) or other.name is None:
            return self
        if self.name is None:
            return other
        if self.name != other.name:
            if self._dim() != other._dim():
                raise ValueError(f"“{self.name}”与“{other.name}”量纲不同，不能相加减")
            raise ValueError(f"“{self.name}”与“{other.name}”单位不同，相加减前须统一单位")
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = _join

    def __mul__(self, other):
        return self if not isinstance(other, _Unit) else _Unit(None, self.table)

    __rmul__ = __mul__

    def __truediv__(self, other):
        return self if not isinstance(other, _Unit) else _Unit(None, self.table)

    def __rtruediv__(self, other):
        return _Unit(None, self.table)

    def __neg__(self):
        return self


def formula_unit(formula: str, units: dict[str, str], table: dict) -> str | None:
    """The unit a formula's result has, from the units of the indicators it uses: "亿元" for a sum of
    亿元 parts, None for a ratio or a product. Raises ValueError (Chinese) when it adds or subtracts
    values of different units or dimensions (亿元 + 亿美元: different currencies are never summed)."""
    def lookup(name: str):
        return _Unit(units.get(name), table)

    result = _Parser(_tokens(formula), lookup).parse()
    return result.name if isinstance(result, _Unit) else None
