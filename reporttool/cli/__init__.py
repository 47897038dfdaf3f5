"""Command-line interface. Each command lives in its own module and registers on ``main``."""
from reporttool.cli.base import main
from reporttool.cli import workspace_cmds  # noqa: F401  init, targets
from reporttool.cli import template_cmd  # noqa: F401  template
from reporttool.cli import check_cmd  # noqa: F401  check
from reporttool.cli import ledger_cmds  # noqa: F401  consolidate, status, history
from reporttool.cli import brief_cmd  # noqa: F401  brief
from reporttool.cli import demo_cmd  # noqa: F401  demo
from reporttool.cli import verify_cmd  # noqa: F401  verify
from reporttool.cli import restore_cmd  # noqa: F401  restore, withdraw
from reporttool.cli import serve_cmd  # noqa: F401  serve, codes
from reporttool.cli import import_cmd  # noqa: F401  import



def run() -> None:
    """The ``reporttool`` command (console script and ``python -m reporttool``): ``main`` in a process of its own.

    A command runs for seconds and exits. It makes many objects and few cycles, so the collector's young
    generation runs less often (≈ 5 % of a run, as in the reading workers; cycles are still collected), and
    what is left at exit is frozen: the interpreter's last collection would walk all of it only to free
    memory the operating system takes back anyway. Not in ``main`` itself: tests call that many times in one
    process."""
    import gc

    gc.set_threshold(50_000, 20, 20)
    try:
        main()
    finally:
        gc.freeze()


__all__ = ["main", "run"]
