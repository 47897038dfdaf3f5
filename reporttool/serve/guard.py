"""Who is asking, and may they: sessions, CSRF tokens, the wrong-code backoff, the access log.

* A login (or an API call's ``Authorization: Bearer <code>``) checks the code once (codes.py). A login
  opens a server-side session: the cookie holds only a random id (HttpOnly, SameSite=Strict); the session
  holds who it is and its CSRF token. Sessions live in memory: a restarted server asks for the code again.
* Every form POST carries the session's CSRF token (field ``csrf``; header ``X-CSRF-Token`` for the page's
  own fetch calls); the login form, before any session, uses a double-submit cookie.
* Wrong codes: each client address gets ``FREE_TRIES`` free tries; after that every wrong code doubles the
  wait (1, 2, 4 … up to ``MAX_WAIT`` seconds) during which that client's tries are refused (HTTP 429).
* The access log (``serve/access.log`` in the workspace, one JSON object a line) records logins, uploads
  with the client's file name and the name stored in inbox/, downloads, reviews and consolidate runs.
"""
from __future__ import annotations

import datetime as dt
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from reporttool.serve.codes import Who

SESSION_COOKIE = "rt_session"
LOGIN_COOKIE = "rt_login"
SESSION_SECONDS = 8 * 3600
FREE_TRIES = 3
MAX_WAIT = 300.0


@dataclass
class Session:
    who: Who
    csrf: str
    expires: float
    code_stamp: str = ""  # the salt of the code used: a rotated code ends its sessions
    flash: list[tuple[str, str]] = field(default_factory=list)  # (kind, text) shown once on the next page


class Sessions:
    """In-memory sessions by random id."""

    def __init__(self, seconds: float = SESSION_SECONDS):
        self.seconds = seconds
        self._by_id: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, who: Who, code_stamp: str = "") -> tuple[str, Session]:
        sid = secrets.token_urlsafe(32)
        s = Session(who, secrets.token_urlsafe(32), time.monotonic() + self.seconds, code_stamp)
        with self._lock:
            now = time.monotonic()
            for k in [k for k, v in self._by_id.items() if v.expires < now]:
                del self._by_id[k]
            self._by_id[sid] = s
        return sid, s

    def get(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        with self._lock:
            s = self._by_id.get(sid)
            if s is None or s.expires < time.monotonic():
                self._by_id.pop(sid, None)
                return None
            return s

    def close(self, sid: str | None) -> None:
        with self._lock:
            self._by_id.pop(sid or "", None)



def same_token(given: str | None, expected: str | None) -> bool:
    return bool(given) and bool(expected) and hmac.compare_digest(str(given), str(expected))


class Backoff:
    """Per-client slowdown after wrong codes (see the module docstring)."""

    def __init__(self, free: int = FREE_TRIES, max_wait: float = MAX_WAIT, clock=time.monotonic):
        self.free, self.max_wait, self.clock = free, max_wait, clock
        self._state: dict[str, tuple[int, float]] = {}  # client -> (wrong tries, blocked until)
        self._lock = threading.Lock()

    def wait(self, client: str) -> float:
        """Seconds this client must still wait before its next try (0: may try now)."""
        with self._lock:
            _n, until = self._state.get(client, (0, 0.0))
            return max(0.0, until - self.clock())

    def failed(self, client: str) -> float:
        """Record a wrong code; return the wait now imposed (0 while within the free tries)."""
        with self._lock:
            n, _until = self._state.get(client, (0, 0.0))
            n += 1
            wait = 0.0 if n <= self.free else min(self.max_wait, 2.0 ** (n - self.free - 1))
            self._state[client] = (n, self.clock() + wait)
            if len(self._state) > 100_000:  # bounded memory under a flood of addresses
                self._state.clear()
            return wait

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._state.pop(client, None)


class AccessLog:
    """Append-only JSON lines in the workspace: who did what, when, from where."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()

    def write(self, client: str, who: Who | None, action: str, **detail) -> None:
        entry = {"time": dt.datetime.now().replace(microsecond=0).isoformat(), "client": client,
                 "who": who.district if who else "", "name": who.name if who else "", "action": action, **detail}
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(line)

    def entries(self) -> list[dict]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        out = []
        for line in text.splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
        return out
