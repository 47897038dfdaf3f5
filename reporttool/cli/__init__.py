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

__all__ = ["main"]
