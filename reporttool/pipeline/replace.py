"""Replacing a period's outputs in outbox/<period>/: all of them or none (pipeline.outputs writes them
into a staging folder first), and what an output is called when one cannot be replaced."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

from reporttool.core.errors import OutputLockedError

MANIFEST = "manifest.json"  # written last: a period folder with it is complete


def output_kind(rel: str | Path) -> str:
    """What an output is, as the user calls it (简报, 汇总表, 明细表, 反馈表, 清单)."""
    p = Path(rel)
    if p.suffix.lower() == ".docx":
        return "简报"
    if p.name == MANIFEST:
        return "清单"
    if "反馈" in p.parts[:-1]:
        return "反馈表"
    if "明细" in p.name:
        return "明细表"
    return "汇总表"


def check_replaceable(path: Path) -> None:
    """Raise PermissionError when ``path`` exists and cannot be replaced now.

    On Windows a file open in Word/WPS/Excel can be neither replaced nor opened for writing: opening it
    for writing (without changing it) is the test. POSIX replaces an open file without trouble."""
    if os.name == "nt" and path.exists():  # pragma: no cover - exercised on Windows
        with open(path, "r+b"):
            pass


def _replace(src: Path, dst: Path) -> None:
    os.replace(src, dst)


def replace_all(pairs: list[tuple[Path, Path]], remove: list[Path], backup: Path) -> None:
    """Move each (new file, target) into place and take away ``remove``: all of it, or — when any target
    cannot be replaced, the disk fails, or Ctrl-C comes — none of it (what was done is undone).

    Every target is checked first (``check_replaceable``); the replaced and removed files wait in
    ``backup`` until all is done. Raises OutputLockedError naming the user's file (not the staging
    path) when one is open in another program; other OSErrors carry the target's path."""
    for path in [dst for _, dst in pairs] + remove:
        try:
            check_replaceable(path)
        except PermissionError:
            raise OutputLockedError(locked_message(path)) from None
    backup.mkdir(parents=True, exist_ok=True)
    undo: list[tuple[Path, Path]] = []  # (from, to) moves that put things back, newest last
    target = None
    try:
        for i, (src, dst) in enumerate(pairs):
            target = dst
            if dst.exists():
                aside = backup / f"{i}{dst.suffix}"
                _replace(dst, aside)
                undo.append((aside, dst))
            dst.parent.mkdir(parents=True, exist_ok=True)
            _replace(src, dst)
            undo.append((dst, src))
        for j, path in enumerate(remove):
            target = path
            if path.exists():
                aside = backup / f"removed-{j}{path.suffix}"
                _replace(path, aside)
                undo.append((aside, path))
    except BaseException as exc:
        for a, b in reversed(undo):
            with contextlib.suppress(OSError):  # the disk failing twice: keep going, say what we can
                os.replace(a, b)
        if isinstance(exc, PermissionError) and target is not None:
            raise OutputLockedError(locked_message(target)) from None
        if isinstance(exc, OSError) and target is not None:
            raise OSError(exc.errno, exc.strerror, str(target)) from None
        raise


def locked_message(path: Path) -> str:
    app = "Word/WPS" if path.suffix.lower() == ".docx" else "Excel/WPS"
    return (f"{output_kind(path)} {path} 正被其他程序打开（如 {app}），请关闭后重试；本次未替换任何输出文件"
            f"（台账已更新，重新运行不会重复入账）。")
