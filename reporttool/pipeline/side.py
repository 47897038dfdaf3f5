"""A second process that writes the brief while this one writes the 汇总表.

After the figures, a run writes three documents from the one Figures object: the 汇总表 (the longest),
the 明细 and the brief (≈ 0.16 s, a third of it importing python-docx). One after the other they were half
of a one-file re-run (docs/performance.md, issue 13). The side process is a ``spawn`` process started
when the run begins: it imports the brief's renderer while this process hashes the inbox, reads the new
files and computes the figures, so that when the figures are ready it only unpickles them (≈ 1 MB) and
writes the brief, on the second CPU, while this process writes the 汇总表. Same function, same arguments,
same bytes as in process (tests/test_side.py compares them).

It is a plain ``python -c`` child that takes pickles on its stdin and answers on its stdout, not a multiprocessing process:
a spawned multiprocessing child imports the parent's main script again, and a bureau's own script that
calls run_consolidate without an ``if __name__ == "__main__"`` guard would then run itself twice. The
child is in its own process group (Ctrl-C is the parent's to handle) and ends when its stdin closes, so
it never outlives the run.

It is used when the machine has two CPUs or more and ``REPORTTOOL_SIDE_PROCESS`` is not ``0`` (the test
suite turns it off except in the tests of this module: a process per consolidate would add minutes of
start-up to the suite). What the brief raises there (a bad template: ReportToolError; the disk: OSError)
is raised here as it would have been in process; a side process that died (killed, out of memory) is
replaced by writing the brief here. It ends with the run (and, as the reading workers, when its parent
dies: forms.isolate._init_worker).
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO, TypeVar

if TYPE_CHECKING:
    from reporttool.catalogue import Catalogue
    from reporttool.figures import Figures

ENV = "REPORTTOOL_SIDE_PROCESS"  # "0": write everything in this process
MEMORY_MB = 2048  # the brief of a province round needs ≈ 150 MB
T = TypeVar("T")
_CHILD = "from reporttool.pipeline.side import serve; serve()"


def wanted() -> bool:
    return os.environ.get(ENV, "1") != "0" and (os.cpu_count() or 1) >= 2


def serve() -> None:
    """The side process: take the parent's sys.path, import the brief's renderer, then run each
    (fn, args, kwargs) read from stdin and write back ("ok", result) or ("error", exception), until stdin
    closes. Its stdout carries only the replies (anything printed goes to stderr).

    A thread takes the jobs off the pipe as they come, so the parent never waits on a full pipe (a brief's
    figures are more than the pipe holds) while this process is still importing."""
    import queue
    import threading

    replies: BinaryIO = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    pipe = sys.stdin.buffer
    try:
        sys.path[:] = pickle.loads(_read_frame(pipe))
    except (EOFError, OSError, pickle.UnpicklingError):
        return
    frames: queue.Queue[bytes | None] = queue.Queue()

    def take() -> None:
        try:
            while True:
                frames.put(_read_frame(pipe))
        except (EOFError, OSError):
            frames.put(None)

    threading.Thread(target=take, name="side-jobs", daemon=True).start()
    from reporttool.forms.isolate import _init_worker

    _init_worker(MEMORY_MB)
    import reporttool.render.brief  # noqa: F401 - what the jobs need: python-docx, the brief's drafting

    while (frame := frames.get()) is not None:
        try:
            fn, args, kwargs = pickle.loads(frame)
            reply: tuple[str, Any] = ("ok", fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - raised again in the parent, as in process
            reply = ("error", exc)
        try:
            data = pickle.dumps(reply)
        except Exception:  # noqa: BLE001 - an exception that does not pickle: its words
            data = pickle.dumps(("error", RuntimeError(f"{type(reply[1]).__name__}: {reply[1]}")))
        _write_frame(replies, data)


def _write_frame(out: IO[bytes], data: bytes) -> None:
    out.write(len(data).to_bytes(8, "little") + data)
    out.flush()


def _read_frame(pipe: IO[bytes]) -> bytes:
    head = pipe.read(8)
    if len(head) < 8:
        raise EOFError
    data = pipe.read(int.from_bytes(head, "little"))
    if len(data) < int.from_bytes(head, "little"):
        raise EOFError
    return data


def write_brief_file(figures: Figures, cat: Catalogue, dest: Path, **kwargs: Any) -> Path:
    """render.brief.write_brief, imported when called: the side process has it imported already, and a
    parent whose side process writes the brief never imports python-docx."""
    from reporttool.render.brief import write_brief

    return write_brief(figures, cat, dest, **kwargs)


class Side:
    """The side process of one run (a context manager): ``start(fn, ...)`` runs ``fn`` there and returns
    the function that waits for its result (wait for each job before starting the next); without a side
    process, that function runs ``fn`` here. ``fn`` must be a module-level function (pickled by name)."""

    def __init__(self, use: bool | None = None) -> None:
        self._proc: subprocess.Popen | None = None
        if not (wanted() if use is None else use):
            return
        # its own process group / session: Ctrl-C at the console is the parent's (one line, exit 130)
        group: dict[str, Any] = ({"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}
                                 if sys.platform == "win32" else {"start_new_session": True})
        try:
            self._proc = subprocess.Popen([sys.executable, "-c", _CHILD], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, **group)
            self._send(list(sys.path))
        except (OSError, ValueError):  # no process can be started here: everything in this one
            self.close()

    @property
    def active(self) -> bool:
        return self._proc is not None

    def _send(self, obj: object) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        _write_frame(self._proc.stdin, pickle.dumps(obj))

    def start(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Callable[[], T]:
        def here() -> T:
            return fn(*args, **kwargs)

        if self._proc is None:
            return here
        try:
            self._send((fn, args, kwargs))
        except (OSError, ValueError):  # the process is gone already
            self.close()
            return here
        stdout = self._proc.stdout
        replies: list[tuple[str, Any]] = []  # the one reply, kept: waiting again gives it again

        def wait() -> T:
            if not replies:
                try:
                    replies.append(pickle.loads(_read_frame(stdout)))  # type: ignore[arg-type]
                except (EOFError, OSError, ValueError, pickle.UnpicklingError):
                    # the process died (killed, out of memory): the same work here
                    self.close()
                    replies.append(("ok", here()))
            status, value = replies[0]
            if status == "error":
                raise value
            return value
        return wait

    def close(self) -> None:
        """End the process: it has nothing left to do, so it is not asked to wind down (a tenth of a
        second of unloading python-docx and lxml that the run would otherwise wait for)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        try:
            proc.kill()
            proc.wait()  # a blocking wait: returns as soon as it is gone (wait(timeout) polls, ≈ 0.06 s here)
        except OSError:
            pass

    def __enter__(self) -> Side:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
