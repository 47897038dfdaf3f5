"""The click group and what every command shares: workspace option, period parsing, error handling.

The CLI is a thin layer: it parses options, calls the library, prints, and sets the exit code.
Exit codes: 0 clean, 1 problems found in the data (outputs still written), 2 the run could not be done.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import sys
import tempfile
import traceback
from collections.abc import Iterator
from pathlib import Path

import click

from reporttool import __version__
from reporttool.catalogue import CatalogueInvalid
from reporttool.cli import zh
from reporttool.core.errors import ReportToolError, os_error_message, sqlite_error_message
from reporttool.core.models import Period, parse_period
from reporttool.workspace import LEDGER_FILE, Workspace, open_workspace

INTERRUPTED = "已中断（Ctrl-C）：本次操作未完成，台账和输出文件保持中断前完整的状态，可重新运行。"
EXIT_INTERRUPTED = 130


class Context:
    def __init__(self, workspace: str | None, quiet: bool):
        self.workspace_arg = workspace
        self.quiet = quiet

    def workspace(self) -> Workspace:
        return open_workspace(self.workspace_arg)


zh.install()  # click's own messages (usage errors, help headings) in Chinese


def _set_workspace(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.ensure_object(Context).workspace_arg = value


def _set_quiet(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.ensure_object(Context).quiet = True


class Command(click.Command):
    """Every command also takes -w/--workspace and -q/--quiet after its name (``reporttool consolidate
    -w DIR`` as well as ``reporttool -w DIR consolidate``); given there, they win over the group's."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)
        self.params.append(click.Option(["-w", "--workspace"], type=click.Path(file_okay=False), default=None,
                                        expose_value=False, callback=_set_workspace,
                                        help="工作目录（也可写在命令名之前）"))
        self.params.append(click.Option(["-q", "--quiet"], is_flag=True, default=False, expose_value=False,
                                        callback=_set_quiet, help="不显示进度条"))


class Group(click.Group):
    """The top-level group: whatever a command did not turn into a message never reaches the user as a
    traceback. The traceback goes to a log file for whoever supports the tool."""

    command_class = Command

    def invoke(self, ctx: click.Context):
        """Ctrl-C anywhere in a command: one Chinese line and exit 130 (never click's "Aborted!")."""
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            interrupted()

    def main(self, *args, **kwargs):
        try:
            return super().main(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            log = crash_log(exc)
            click.echo(f"错误：程序内部错误（{type(exc).__name__}），本次操作未完成，已写出的文件保持完整。"
                       f"详细信息已写入 {log}，请发给技术支持。", err=True)
            sys.exit(2)


def interrupted() -> None:
    click.echo(INTERRUPTED, err=True)
    sys.exit(EXIT_INTERRUPTED)


def crash_log(exc: BaseException) -> Path:
    """Write the traceback of ``exc`` to a file in the temp folder; return its path."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = Path(tempfile.gettempdir()) / f"reporttool-error-{stamp}.log"
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    path.write_text(f"reporttool {__version__}\n{' '.join(sys.argv)}\n\n{text}", encoding="utf-8")
    return path


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]}, options_metavar="[选项]",
             subcommand_metavar="命令 [参数]...")
@click.option("-w", "--workspace", envvar="REPORTTOOL_WORKSPACE", type=click.Path(file_okay=False),
              help="工作目录（默认当前目录，或环境变量 REPORTTOOL_WORKSPACE）")
@click.option("-q", "--quiet", is_flag=True, help="不显示进度条")
@click.version_option(__version__, prog_name="reporttool")
@click.pass_context
def main(ctx: click.Context, workspace: str | None, quiet: bool) -> None:
    """reporttool：产业集群调度报表工具（下发模板、审核、汇总、简报）。"""
    ctx.obj = Context(workspace, quiet)


def period_arg(value: str | None) -> Period | None:
    if value is None:
        return None
    try:
        return parse_period(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def period_callback(ctx, param, value):
    return period_arg(value)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn library errors into Chinese messages on stderr and exit code 2 (never a traceback)."""
    try:
        yield
    except CatalogueInvalid as exc:
        click.echo(f"错误：目标库 {exc.path} 有 {len(exc.problems)} 处问题，请修改后重试：", err=True)
        for p in exc.problems:
            click.echo(f"  - {p}", err=True)
        sys.exit(2)
    except ReportToolError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(exc.exit_code)
    except sqlite3.Error as exc:  # disk full, read-only, damaged ledger: the cause, not the class name
        click.echo(f"错误：{sqlite_error_message(exc, LEDGER_FILE)}", err=True)
        sys.exit(2)
    except OSError as exc:  # disk full, no permission, read-only disk, path too long …
        click.echo(f"错误：{os_error_message(exc)}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        interrupted()
