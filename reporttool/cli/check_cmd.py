"""`reporttool check FILE...`: check district submissions and write their feedback workbooks.

Exit codes: 0 no errors (核实 items may remain), 1 errors found, 2 a file could not be read (退回)
or the call was wrong.
"""
from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from reporttool.catalogue import CatalogueInvalid
from reporttool.checks import check_files, counts
from reporttool.cli.base import crash_log, main, period_callback, user_errors
from reporttool.cli.progress import read_progress
from reporttool.core.errors import ReportToolError, os_error_message, sqlite_error_message
from reporttool.core.models import FindingCounts, Period, parse_period
from reporttool.core.status import ST_ERRORS, ST_PASSED, ST_RETURNED, ST_VERIFY
from reporttool.core.units import readable_name
from reporttool.forms.isolate import ReadResult
from reporttool.workspace import is_temp_name, not_regular

FileReport = ReadResult[None]  # what check_files gives per file (its status set)

_ILLEGAL_FILENAME = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
NO_SHEET = "（整个文件）"


@main.command()
@click.argument("files", nargs=-1, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出审核结果")
@click.option("--feedback", "feedback_dir", type=click.Path(), default=None,
              help="反馈表输出目录（默认：工作目录/outbox/报告期/反馈）")
@click.option("--period", "period", callback=period_callback, default=None,
              help="要求的报告期，如 2025-06；报告期不符的报表退回")
@click.option("--no-feedback", is_flag=True, help="不生成退回修改反馈表")
@click.pass_obj
def check(obj, files: tuple[str, ...], as_json: bool, feedback_dir: str | None, period: Period | None,
          no_feedback: bool) -> None:
    """审核县区报表 FILE...，列出问题，并为有问题的报表生成退回修改反馈表。"""
    if not files:
        _fail("请指定要审核的报表文件，例如：reporttool check inbox/*.xlsx", as_json)
    if feedback_dir and no_feedback:
        _fail("--feedback 与 --no-feedback 不能同时使用。", as_json)
    if feedback_dir and Path(feedback_dir).exists() and not Path(feedback_dir).is_dir():
        _fail(f"反馈表目录 {feedback_dir} 已存在且不是文件夹。", as_json)

    paths, problems, ignored = _usable_paths(files)
    if not paths and not problems:
        _fail(f"没有可审核的报表文件：{'、'.join(ignored)} 是 Excel/WPS 打开文件时生成的临时文件或隐藏文件，不是报表。",
              as_json)
    with json_errors(problems) if as_json else user_errors():
        ws = obj.workspace()
        cat = ws.catalogue()
        reports: list[FileReport] = []
        if paths:
            with read_progress(not (obj.quiet or as_json or len(paths) < 3)) as progress:
                reports = check_files(paths, cat, period=period, progress=progress)
        written: dict[int, Path] = {}
        if not no_feedback:
            written = _write_feedbacks(reports, cat, ws, period, Path(feedback_dir) if feedback_dir else None,
                                       {p.resolve() for p in paths})

    for message in problems:
        click.echo(f"错误：{message}", err=True)
    if ignored and not (as_json or obj.quiet):
        click.echo(f"已忽略 {len(ignored)} 个临时文件或隐藏文件（如 Excel/WPS 打开报表时生成的 ~$ 文件）："
                   f"{'、'.join(ignored)}", err=True)
    if as_json:
        out = {"files": [_file_json(r, cat, written.get(i)) for i, r in enumerate(reports)],
               "problems": problems, "ignored": ignored}
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for i, r in enumerate(reports):
            _print_report(r, cat, written.get(i))
        _print_total(reports, problems)
    if problems or any(r.status == ST_RETURNED for r in reports):
        sys.exit(2)
    if any(r.status == ST_ERRORS for r in reports):
        sys.exit(1)


def _fail(message: str, as_json: bool = False) -> None:
    click.echo(f"错误：{message}", err=True)
    if as_json:
        _json_error(message, [])
    sys.exit(2)


def _json_error(message: str, problems: list[str], details: list[str] | None = None) -> None:
    """The JSON printed with --json when the call cannot be done (exit 2): a caller always gets JSON."""
    click.echo(json.dumps({"error": {"message": message, "details": details or []}, "files": [],
                           "problems": problems}, ensure_ascii=False, indent=2))


@contextlib.contextmanager
def json_errors(problems: list[str]) -> Iterator[None]:
    """user_errors for --json: the Chinese message on stderr AND a JSON error object on stdout, exit 2."""
    try:
        yield
    except CatalogueInvalid as exc:
        message = f"目标库 {exc.path} 有 {len(exc.problems)} 处问题，请修改后重试"
        details = [str(p) for p in exc.problems]
    except ReportToolError as exc:
        message, details = str(exc), []
    except sqlite3.Error as exc:
        message, details = sqlite_error_message(exc), []
    except OSError as exc:
        message, details = os_error_message(exc), []
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001 - the last line of defence, as in Group.main
        log = crash_log(exc)
        message = (f"程序内部错误（{type(exc).__name__}），本次审核未完成。详细信息已写入 {log}，请发给技术支持。")
        details = []
    else:
        return
    click.echo(f"错误：{message}", err=True)
    for d in details:
        click.echo(f"  - {d}", err=True)
    _json_error(message, problems, details)
    sys.exit(2)


def _usable_paths(files: tuple[str, ...]) -> tuple[list[Path], list[str], list[str]]:
    """Existing regular files; a Chinese message for each argument that is not one; and the names of the
    lock and hidden files left out exactly as consolidate leaves them out of inbox/ (``~$报表.xlsx``,
    ``.~lock.报表.xlsx#``), which ``check inbox/*.xlsx`` picks up. Symlinks are not followed, as in inbox/."""
    paths: list[Path] = []
    problems: list[str] = []
    ignored: list[str] = []
    seen: set[Path] = set()
    for name in files:
        p = Path(name)
        shown = readable_name(name)
        if is_temp_name(p.name):
            ignored.append(readable_name(p.name))
            continue
        why = not_regular(p) if (p.exists() or p.is_symlink()) else "missing"
        if why == "missing":
            problems.append(f"文件不存在：{shown}")
        elif why == "是文件夹":
            problems.append(f"{shown} 是文件夹，不是报表文件。请指定其中的 .xlsx 文件，例如 {readable_name(str(p / '*.xlsx'))}")
        elif why is not None:
            problems.append(f"{shown} {why}。")
        elif p.resolve() not in seen:
            seen.add(p.resolve())
            paths.append(p)
    return paths, problems, ignored


# ---- names -------------------------------------------------------------------------------------------


def _district_of(r: FileReport) -> str:
    if r.submission is not None and r.submission.district:
        return r.submission.district
    return next((f.district for f in r.findings if f.district), "")


def _district_name(r: FileReport, cat) -> str:
    code = _district_of(r)
    d = cat.district(code) if code else None
    return d.name if d else code


def _period_of(r: FileReport, wanted: Period | None) -> Period | None:
    if r.submission is not None and r.submission.period:
        try:
            return parse_period(r.submission.period)
        except ValueError:
            pass
    return wanted


# ---- feedback workbooks ------------------------------------------------------------------------------


def _write_feedbacks(reports: list[FileReport], cat, ws, wanted: Period | None, out_dir: Path | None,
                     inputs: set[Path]) -> dict[int, Path]:
    from reporttool.render.feedback import write_feedback

    written: dict[int, Path] = {}
    used: set[Path] = set()
    for i, r in enumerate(reports):
        if not r.findings:
            continue
        period = _period_of(r, wanted)
        folder = out_dir or (ws.feedback_dir(period) if period else ws.outbox / "反馈")
        own = readable_name(r.path.stem)
        stem = _district_name(r, cat) or own
        if r.submission is None:
            stem = f"{stem}_退回" if _district_of(r) else f"{own}_退回"
        stem = _ILLEGAL_FILENAME.sub("_", stem).strip(" .") or "反馈"
        dest = folder / f"{stem}.xlsx"
        n = 2
        while dest.resolve() in used or dest.resolve() in inputs:
            dest = folder / f"{stem}（{n}）.xlsx"
            n += 1
        used.add(dest.resolve())
        source = r.path if r.submission is not None else None
        written[i] = write_feedback(source, r.findings, dest, district_name=_district_name(r, cat),
                                    period_label=period.label if period else "", words=cat.words)
    return written


# ---- output --------------------------------------------------------------------------------------------


def _counts_text(c: FindingCounts) -> str:
    return f"错误 {c.errors} 项，核实 {c.verify} 项（已说明 {c.explained} 项），提示 {c.info} 项"


def _print_report(r: FileReport, cat, feedback: Path | None) -> None:
    who = _district_name(r, cat)
    period = _period_of(r, None)
    where = "，".join(x for x in (who, period.label if period else "") if x)
    head = readable_name(r.path.name) + (f"（{where}）" if where else "")
    click.echo(f"{head}：{r.status} —— {_counts_text(counts(r.findings))}")
    groups: dict[str, list] = {}
    for f in r.findings:
        groups.setdefault(f.sheet or NO_SHEET, []).append(f)
    for sheet, items in groups.items():
        click.echo(f"  【{sheet}】")
        for f in items:
            place = f.cell or (f"第{f.row}行" if f.row else "")
            loc = place + (f"（{f.column}）" if f.column else "")
            line = f"    [{f.severity_label}] " + (f"{loc}：" if loc else "") + f.message
            if f.explanation:
                line += f"（{cat.words.unit}说明：{f.explanation}）"
            click.echo(line)
    if feedback is not None:
        click.echo(f"  反馈表：{feedback}")


def _print_total(reports: list[FileReport], problems: list[str]) -> None:
    by_status = {s: sum(r.status == s for r in reports) for s in (ST_PASSED, ST_VERIFY, ST_ERRORS, ST_RETURNED)}
    total = counts(f for r in reports for f in r.findings)
    line = (f"共审核 {len(reports)} 个文件：" + "，".join(f"{s} {n}" for s, n in by_status.items())
            + f"；{_counts_text(total)}。")
    if problems:
        line += f"另有 {len(problems)} 个路径无法审核。"
    click.echo(line)


def _file_json(r: FileReport, cat, feedback: Path | None) -> dict:
    period = _period_of(r, None)
    return {
        "file": readable_name(r.path.name),
        "path": readable_name(str(r.path)),
        "district": _district_of(r),
        "district_name": _district_name(r, cat),
        "period": period.key if period else "",
        "status": r.status,
        "counts": counts(r.findings).to_json(),
        "findings": [f.as_dict() for f in r.findings],
        "feedback": str(feedback) if feedback else None,
        "sha256": r.sha256,
    }

