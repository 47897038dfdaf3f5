"""An upload is one more way into inbox/: judged by content, stored under a generated name, ingested.

1. ``judge``: the bytes must be a zip (xlsx) — never trusted by the file name — and pass the same safety
   pre-check as ``check`` (forms/safety.py). A refusal here keeps nothing (the clerk still has the file).
2. ``form_district``: the hidden identity of the form must name the uploader's own district; a district
   cannot submit (and so supersede) another district's report.
3. ``store``: written atomically into inbox/ as ``<县区>_网上报送_<YYYYmmdd-HHMMSS>_<random>.xlsx``; the
   client's file name is only recorded in the access log, never used as a path.
4. ``Intake.ingest``: the same ingest as a consolidate run (pipeline.consolidate.ingest_files: isolated reading,
   the same checks, archive, ledger, supersede rule), under the workspace lock. Uploads arriving together
   are ingested in batches of up to MAX_BATCH (read in parallel workers), one batch at a time.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import re
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reporttool.core.errors import LockedError
from reporttool.core.files import atomic_write_bytes
from reporttool.core.models import Finding, ReadRefused
from reporttool.workspace import Workspace

MAX_UPLOAD = 20 * 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .et, or an encrypted .xlsx
UPLOAD_TAG = "网上报送"
LOCK_WAIT = 180.0  # seconds an upload waits for a consolidate run (another process) to finish
MAX_BATCH = 12  # uploads ingested together: enough to keep the reading workers busy, few enough that the
#                 first of 100 simultaneous uploads are answered long before the last
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


class Refused(Exception):
    """An upload refused at the door; ``str(exc)`` is the Chinese reason for the clerk."""

    status = 422


class NotChecked(Refused):
    """An upload kept in inbox/ that could not be checked now (the workspace is busy or broken): the
    bureau's next consolidate reads it."""

    status = 503


def judge(data: bytes, tmp_dir: Path) -> None:
    """Refuse what is not an xlsx by its content, then run the safety pre-check on a private copy."""
    from reporttool.core.safety import precheck

    if not data:
        raise Refused("上传的文件是空的（0 字节），请重新选择填好的报表文件。")
    if data.startswith(OLE_MAGIC):
        raise Refused("这是旧版 Excel（.xls）、WPS 表格（.et）或设置了打开密码的工作簿。请在 Excel/WPS 中"
                      "“另存为”Excel 工作簿（.xlsx），不设密码，再上传。")
    if not data.startswith(ZIP_MAGIC):
        raise Refused("这不是 Excel 工作簿（.xlsx）。请上传用市局下发的模板填写并保存的 .xlsx 文件"
                      "（不要上传 PDF、图片、压缩包或改了扩展名的文件）。")
    tmp_dir.mkdir(parents=True, exist_ok=True)
    tmp = tmp_dir / f"upload-{secrets.token_hex(8)}.xlsx"
    try:
        tmp.write_bytes(data)
        try:
            precheck(tmp)
        except ReadRefused as exc:
            raise Refused(exc.finding.message) from None
    finally:
        tmp.unlink(missing_ok=True)


def form_district(data: bytes, tmp_dir: Path) -> str | None:
    """The district code in the form's hidden identity sheet, or None when it cannot be read (then the
    ingest refuses the file and says why). Called only after ``judge`` passed."""
    from python_calamine import CalamineWorkbook

    from reporttool.core.units import clean_text
    from reporttool.forms.layout import META_KEYS, META_SHEET

    tmp = tmp_dir / f"ident-{secrets.token_hex(8)}.xlsx"
    try:
        tmp.write_bytes(data)
        wb = CalamineWorkbook.from_path(str(tmp))
        with wb:
            if META_SHEET not in wb.sheet_names:
                return None
            for row in wb.get_sheet_by_name(META_SHEET).to_python():
                if len(row) >= 2 and META_KEYS.get(clean_text(row[0])) == "district":
                    return clean_text(str(row[1])) or None
        return None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # noqa: BLE001 - unreadable identity: the ingest gives the finding
        return None
    finally:
        tmp.unlink(missing_ok=True)


def stored_name(district_name: str, now: dt.datetime) -> str:
    """The name an upload gets in inbox/: district and time kept, nothing from the client."""
    safe = _UNSAFE.sub("_", district_name).strip(" .") or "县区"
    return f"{safe}_{UPLOAD_TAG}_{now:%Y%m%d-%H%M%S}_{secrets.token_hex(3)}.xlsx"


def store(ws: Workspace, data: bytes, district_name: str, now: dt.datetime) -> Path:
    """Write the upload atomically into inbox/ (the temporary name is hidden from consolidate)."""
    while True:
        dest = ws.inbox / stored_name(district_name, now)
        if not dest.exists():
            break
    atomic_write_bytes(dest, data)
    return dest


def display_name(name: str | None) -> str:
    """The client's file name as shown and logged: printable, short. Never a path."""
    text = "".join(ch for ch in (name or "") if ch.isprintable())
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    return text[:120] or "（未命名）"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Intake:
    """One ingest at a time per server (and the workspace lock against other processes): uploads that
    arrive while a batch is being ingested wait and go together in the next batch."""

    def __init__(self, ws: Workspace, period_of: Callable[[], Any], workers: int | None = None):
        self.ws = ws
        self.period_of = period_of
        self.workers = workers
        self._waiting: dict[Path, asyncio.Future] = {}
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task] = set()  # running drains (the loop keeps only weak references)

    async def ingest(self, path: Path):
        """The consolidate.InputFile of an inbox file, once ingested."""
        fut: asyncio.Future = asyncio.get_running_loop().create_future()
        self._waiting[path] = fut
        task = asyncio.ensure_future(self._drain())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return await fut

    async def exclusive(self, fn: Callable, *args, **kwargs):
        """Run ``fn`` in a thread while no batch is being ingested, retrying while another process holds
        the workspace lock (LockedError) for up to LOCK_WAIT seconds."""
        async with self._lock:
            return await self._locked(fn, *args, **kwargs)

    async def _drain(self) -> None:
        from reporttool.pipeline.consolidate import ingest_files

        async with self._lock:
            paths = list(self._waiting)[:MAX_BATCH]
            batch = {p: self._waiting.pop(p) for p in paths}
            if not batch:
                return
            try:
                results = await self._locked(ingest_files, self.ws, self.period_of(), list(batch),
                                             workers=self.workers)
            except BaseException as exc:  # noqa: BLE001 - handed to every waiter
                for fut in batch.values():
                    if not fut.done():
                        fut.set_exception(exc)
                return
            by_path = {Path(r.path): r for r in results}
            for path, fut in batch.items():
                if fut.done():
                    continue
                if path in by_path:
                    fut.set_result(by_path[path])
                else:  # could not be opened again (removed or locked since it was written)
                    fut.set_exception(Refused("文件已收到但无法再次打开，未能入账，请重新上传。"))

    async def _locked(self, fn: Callable, *args, **kwargs):
        from anyio import to_thread

        start = time.monotonic()
        while True:
            try:
                return await to_thread.run_sync(lambda: fn(*args, **kwargs))
            except LockedError:
                if time.monotonic() - start > LOCK_WAIT:
                    raise
                await asyncio.sleep(1.0)


def findings_key(findings: list[Finding]) -> str:
    """A short digest of a list of findings (the feedback cache is keyed by it)."""
    text = json.dumps([f.as_dict() for f in findings], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
