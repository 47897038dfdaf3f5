"""Access codes of the web page (访问码): one per district, one for the bureau, stored only as hashes.

A code is 16 characters of an alphabet without look-alikes (no 0/O, 1/I/L), shown as XXXX-XXXX-XXXX-XXXX.
Its first four characters are a public key that finds the entry; the whole code is checked against a
salted scrypt hash (hashlib.scrypt), so the file ``serve/codes.json`` in the workspace never holds a
code. A code is shown once, when it is made (``reporttool codes``); a lost code is replaced (--rotate).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from reporttool.core.errors import ReportToolError
from reporttool.core.files import atomic_write_bytes
from reporttool.workspace import Workspace

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LEN = 16
KEY_LEN = 4
BUREAU = "bureau"  # the role (and the entry's "district" value) of the bureau's code
ROLE_DISTRICT = "district"
# scrypt cost: about 30-60 ms and 16 MB per check on an office PC; a login is checked once per session.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
STATE_DIR = "serve"  # the web page's own files in the workspace: codes, access log, feedback cache
CODES_FILE = "codes.json"


def state_dir(ws: Workspace) -> Path:
    """The web page's folder in the workspace (codes.json, access.log, feedback cache)."""
    return ws.root / STATE_DIR


@dataclass(frozen=True)
class Who:
    """Who a code belongs to: the bureau, or one district."""

    role: str  # BUREAU or ROLE_DISTRICT
    district: str  # district code; BUREAU for the bureau
    name: str  # 市局 / the district's name

    @property
    def is_bureau(self) -> bool:
        return self.role == BUREAU

    def may_see(self, district: str) -> bool:
        """The one permission rule: the bureau sees every district; a district only itself."""
        return self.is_bureau or (bool(district) and district == self.district)


@dataclass(frozen=True)
class CodeEntry:
    """One stored code: who it is for, its public key, and the salted hash."""

    district: str  # district code, or BUREAU
    key: str
    salt: str  # hex
    hash: str  # hex of scrypt(code)
    created: str  # ISO time


@dataclass(frozen=True)
class IssuedCode:
    """A line of the 下发 notice: who, and the code when it was made just now (else "")."""

    district: str
    name: str
    code: str  # the plain code, only right after it was made
    created: str
    new: bool


def normalize(text: str) -> str:
    """What the user typed, as a code: full-width forms (from a Chinese IME) folded, case and spaces and
    dashes ignored."""
    text = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in text.upper() if ch.isalnum())


def pretty(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def _hash(code: str, salt: bytes) -> bytes:
    return hashlib.scrypt(code.encode("ascii"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)


class CodeBook:
    """The codes of one workspace. Re-reads codes.json when it changed (a rotate while serving)."""

    def __init__(self, ws: Workspace):
        self.path = state_dir(ws) / CODES_FILE
        self._entries: dict[str, CodeEntry] = {}
        self._stamp: tuple[int, int] | None = None
        self._lock = threading.Lock()

    # ---- storage ---------------------------------------------------------------------------------
    def entries(self) -> dict[str, CodeEntry]:
        """district (or BUREAU) -> its entry, fresh from disk when the file changed."""
        with self._lock:
            try:
                st = self.path.stat()
            except FileNotFoundError:
                self._entries, self._stamp = {}, None
                return {}
            stamp = (st.st_mtime_ns, st.st_size)
            if stamp != self._stamp:
                self._entries = self._load()
                self._stamp = stamp
            return dict(self._entries)

    def _load(self) -> dict[str, CodeEntry]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return {e["district"]: CodeEntry(e["district"], e["key"], e["salt"], e["hash"], e["created"])
                    for e in data["codes"]}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ReportToolError(f"访问码文件 {self.path} 无法读取（{exc}）。可运行 reporttool codes --rotate "
                                  f"重新生成全部访问码。") from None

    def _save(self, entries: dict[str, CodeEntry]) -> None:
        data = {"version": 1, "note": "reporttool 访问码（只存哈希，不存访问码本身）",
                "codes": [e.__dict__ for e in entries.values()]}
        atomic_write_bytes(self.path, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))

    # ---- issuing ---------------------------------------------------------------------------------
    def issue(self, targets: list[str], *, rotate: bool = False, now: dt.datetime | None = None
              ) -> dict[str, tuple[str, CodeEntry]]:
        """Make a code for each of ``targets`` (district codes or BUREAU) that has none, or for every one
        of them with ``rotate`` (the old code stops working at once). Returns district -> (plain code or
        "", entry)."""
        entries = self.entries()
        used = {e.key for e in entries.values()}
        stamp = (now or dt.datetime.now()).replace(microsecond=0).isoformat()
        out: dict[str, tuple[str, CodeEntry]] = {}
        for target in targets:
            old = entries.get(target)
            if old is not None and not rotate:
                out[target] = ("", old)
                continue
            while True:
                code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LEN))
                if code[:KEY_LEN] not in used:
                    break
            used.add(code[:KEY_LEN])
            if old is not None:
                used.discard(old.key)
            salt = secrets.token_bytes(16)
            entries[target] = CodeEntry(target, code[:KEY_LEN], salt.hex(), _hash(code, salt).hex(), stamp)
            out[target] = (code, entries[target])
        self._save(entries)
        return out

    # ---- checking --------------------------------------------------------------------------------
    def check(self, typed: str) -> str | None:
        """The district (or BUREAU) whose code this is, else None. Constant work for a wrong code whose key
        is unknown as for a known one (one scrypt either way)."""
        code = normalize(typed)
        entry = next((e for e in self.entries().values() if e.key == code[:KEY_LEN]), None) \
            if len(code) == CODE_LEN else None
        salt = bytes.fromhex(entry.salt) if entry else b"\0" * 16
        digest = _hash(code if code.isascii() else "?", salt)
        if entry is not None and hmac.compare_digest(digest.hex(), entry.hash):
            return entry.district
        return None


def issue_codes(ws: Workspace, cat, *, district: str | None = None, rotate: bool = False,
                now: dt.datetime | None = None) -> list[IssuedCode]:
    """Codes for the bureau and every configured district (or one of them): make those missing, or all
    chosen with ``rotate``. The plain code is in the result only for codes made now."""
    names = {d.code: d.name for d in cat.districts}
    if district is None:
        targets = [BUREAU, *names]
    else:
        targets = [resolve_target(cat, district)]
    made = CodeBook(ws).issue(targets, rotate=rotate, now=now)
    return [IssuedCode(t, "市局" if t == BUREAU else names.get(t, t), pretty(code) if code else "",
                       entry.created, bool(code)) for t, (code, entry) in made.items()]


def resolve_target(cat, text: str) -> str:
    """A district code or name, or 市局/bureau, as stored (raises ReportToolError naming the choices)."""
    t = text.strip()
    if t.lower() == BUREAU or t in ("市局", "局"):
        return BUREAU
    d = cat.district(t) or next((x for x in cat.districts if x.name == t), None)
    if d is None:
        valid = "、".join(f"{x.code}（{x.name}）" for x in cat.districts)
        raise ReportToolError(f"县区“{text}”不在目标库中。可用：{valid}，或“市局”。")
    return d.code


def who_of(cat, target: str) -> Who | None:
    """The Who of a stored entry (None when its district was removed from the catalogue)."""
    if target == BUREAU:
        return Who(BUREAU, BUREAU, "市局")
    d = cat.district(target)
    return Who(ROLE_DISTRICT, d.code, d.name) if d else None
