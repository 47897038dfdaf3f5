"""The one progress display of the commands: click's progress bar, on stderr, while files are read.

The library reports progress through a callback ``progress(done, total)`` (forms.isolate.read_many,
checks.check_files, pipeline.consolidate.run_consolidate) and never imports click; this module turns that
callback into a bar. The bar is shown only when both stdout and stderr are terminals: output redirected to a
file or a pipe (a scheduled task, ``2>&1 | tee``, a caller parsing it) gets no bar and no ``\\r`` lines.
"""
from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TextIO

import click

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

LABEL = "读取报表"


def is_terminal(stream: TextIO | None) -> bool:
    """True when ``stream`` is an interactive terminal (False for files, pipes, a closed or absent stream)."""
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError, OSError):  # no isatty, or closed
        return False


@contextlib.contextmanager
def read_progress(enabled: bool = True, *, out: TextIO | None = None,
                  err: TextIO | None = None) -> Iterator[Callable[[int, int], None] | None]:
    """A ``progress(done, total)`` callback drawing click's bar on ``err`` (default stderr), or None (show
    nothing) when not ``enabled`` or when ``out``/``err`` (default stdout/stderr) is not a terminal.

    The bar starts at the first call (when the total is known) and is closed on leaving the block, also
    after an error.
    """
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    if not (enabled and is_terminal(out) and is_terminal(err)):
        yield None
        return
    bar: ProgressBar[int] | None = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label=LABEL, file=err, show_pos=True)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
