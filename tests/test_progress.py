"""The one progress display (cli/progress.py): click's bar on stderr, only when stdout and stderr are terminals."""
from __future__ import annotations

import io

import pytest

from reporttool.cli.progress import LABEL, is_terminal, read_progress


class Terminal(io.StringIO):
    """A stream that says it is an interactive terminal."""

    def isatty(self) -> bool:
        return True


class Closed(io.StringIO):
    def isatty(self) -> bool:
        raise ValueError("I/O operation on closed file")


@pytest.mark.parametrize(("enabled", "out", "err"), [
    (True, io.StringIO(), Terminal()),  # stdout redirected to a file or a pipe
    (True, Terminal(), io.StringIO()),  # stderr redirected (a log)
    (True, Closed(), Terminal()),
    (False, Terminal(), Terminal()),  # -q, --json, a short list
])
def test_no_bar_and_no_carriage_returns_unless_both_are_terminals(enabled, out, err):
    with read_progress(enabled, out=out, err=err) as progress:
        assert progress is None
    assert out.getvalue() == err.getvalue() == ""


def test_on_a_terminal_click_draws_one_bar_on_stderr():
    out, err = Terminal(), Terminal()
    with read_progress(out=out, err=err) as progress:
        assert progress is not None
        for done in (1, 2, 3):
            progress(done, 3)
    assert LABEL in err.getvalue() and "3/3" in err.getvalue() and err.getvalue().endswith("\n")
    assert out.getvalue() == ""


def test_the_bar_is_closed_after_an_error():
    err = Terminal()
    with pytest.raises(KeyError), read_progress(out=Terminal(), err=err) as progress:
        assert progress is not None
        progress(1, 4)
        raise KeyError("x")
    assert err.getvalue().endswith("\n")  # the line is ended: the error message starts on its own line


def test_is_terminal_of_odd_streams():
    assert not is_terminal(None) and not is_terminal(io.StringIO()) and not is_terminal(Closed())
    assert is_terminal(Terminal())
