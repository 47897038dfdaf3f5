"""The workspace lock: two runs on one workspace never interleave.

An OS lock on ``reporttool.lock`` (fcntl.flock on POSIX, msvcrt.locking on Windows) is released by the
operating system when the process dies, so a crash never leaves a stale lock behind.
"""
from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

from reporttool.core.errors import LockedError
from reporttool.workspace import Workspace


@contextlib.contextmanager
def workspace_lock(ws: Workspace) -> Iterator[None]:
    """Hold the workspace lock for a run; raises LockedError at once when another run holds it.

    The lock is an OS lock on ``reporttool.lock`` (fcntl.flock on POSIX, msvcrt.locking on Windows), so
    it is released by the operating system when the process dies: a crash never leaves a stale lock.
    """
    ws.root.mkdir(parents=True, exist_ok=True)
    fh = open(ws.lock_file, "a+b")  # noqa: SIM115 - held open for the lock's lifetime
    try:
        if not _try_lock(fh):
            holder = ""
            with contextlib.suppress(OSError, UnicodeDecodeError):
                fh.seek(0)
                holder = fh.read(64).decode("utf-8").strip()
            raise LockedError(f"另一个 reporttool 正在处理工作目录 {ws.root}"
                              f"{'（进程号 ' + holder + '）' if holder.isdigit() else ''}，"
                              f"请等它结束后再运行。")
        with contextlib.suppress(OSError):
            fh.seek(0)
            fh.truncate()
            fh.write(str(os.getpid()).encode("ascii"))
            fh.flush()
        try:
            yield
        finally:
            _unlock(fh)
    finally:
        fh.close()


def _try_lock(fh) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        fh.seek(0)
        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl

    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _unlock(fh) -> None:
    with contextlib.suppress(OSError):
        if sys.platform == "win32":  # pragma: no cover
            import msvcrt

            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
