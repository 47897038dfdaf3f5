"""`reporttool consolidate | status | history`: the monthly run and what the ledger knows.

Thin: parse, call reporttool.pipeline.consolidate / reporttool.ledger.store, print a Chinese summary, set the exit code
(0 clean, 1 error findings in the versions in use, 2 could not run).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
import unicodedata
from typing import TYPE_CHECKING

import click

from reporttool.cli.base import main, period_callback, user_errors
from reporttool.cli.brief_cmd import PDF_HELP, date_callback, write_pdfs
from reporttool.cli.progress import read_progress
from reporttool.core.errors import ReportToolError
from reporttool.core.models import Period
from reporttool.core.status import (
    AHEAD,
    LAGGING,
    ON_TRACK,
    ST_MISSING,
    ST_RETURNED,
    ST_RETURNED_REDO,
    ST_WITHDRAWN,
)
from reporttool.figures import SubmissionState
from reporttool.figures.periods import in_span

if TYPE_CHECKING:
    from reporttool.pipeline.inbox import InputFile


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(_width(x) for x in col) for col in zip(header, *rows)]
    for line in [header, *rows]:
        click.echo("  ".join(_pad(x, w) for x, w in zip(line, widths)).rstrip())


def _when(state: SubmissionState) -> str:
    return state.received_at.strftime("%Y-%m-%d %H:%M") if state.received_at else ""


def _timely(state: SubmissionState) -> str:
    if state.imported:
        return "导入"
    return "" if state.on_time is None else ("按时" if state.on_time else "逾期")


def _problems(state: SubmissionState) -> str:
    parts = []
    if state.errors:
        parts.append(f"错误{state.errors}")
    if state.verify:
        parts.append(f"核实{state.verify}" + (f"（已说明{state.explained}）" if state.explained else ""))
    if state.info:
        parts.append(f"提示{state.info}")
    return "、".join(parts) or ("—" if state.status == ST_MISSING else "无")


def same_bytes_notice(i: InputFile, names: dict[str, str], unit: str) -> str:
    """A file whose bytes were already recorded under another name is not recorded again; say so, and
    whose file it is (a district's own file re-sent under a neighbour's name, or a refused copy shadowing
    a good one: docs/trials.md)."""
    state = f"，{i.status}" if i.status else ""
    who = names.get(i.district, i.district)
    text = f"注意：{i.name} 与先前收到的 {i.same_as}（{who}{state}）内容完全相同，未重复入账（同一内容只记一次）。"
    if i.status == ST_RETURNED:
        text += f"如这份是本{unit}自己的报表，请让报送单位在 Excel/WPS 中打开后重新保存再发送（内容不变即可）。"
    return text


def _state_rows(states: list[SubmissionState]) -> list[list[str]]:
    return [[s.district_name, s.shown, _when(s), _timely(s), _problems(s)] for s in states]


def _withdrawn_lines(states: list[SubmissionState]) -> list[str]:
    """One line per district whose version the bureau took out: when, who, why, and what undoes it."""
    out = []
    for s in states:
        w = s.withdrawn
        if w is None or s.status != ST_MISSING:
            continue
        why = f"，原因：{w.note}" if w.note else ""
        if w.returned:
            out.append(f"{s.shown}：{s.district_name}（{w.withdrawn_at:%Y-%m-%d %H:%M} {w.who or '市局'}退回{why}），"
                       f"数据不计入汇总，待改正后重新报送。")
        else:
            out.append(f"{s.shown}：{s.district_name}（{w.withdrawn_at:%Y-%m-%d %H:%M} 撤回"
                       f"{'，操作人：' + w.who if w.who else ''}{why}），数据不计入汇总；恢复：reporttool restore "
                       f"--period {w.period} --district {s.district}")
    return out


def _withdrawal_end(w, back, by_id: dict) -> str:
    """How a withdrawal (or 退回) ended, for `history`: undone by restoring the same version (已撤销), settled by
    restoring another one (已了结：… 恢复使用 …), or by a file received after it (已重报); "" while in force."""
    if w.in_force:
        return ""
    if back is None:
        return "，已重报（其后收到的报表在用）" if w.restored_by is None else "，已恢复"
    if back.submission_id == w.submission_id:
        return f"，已撤销（{back.restored_at:%Y-%m-%d %H:%M} 恢复该版本）"
    got = by_id.get(back.submission_id)
    what = f"{got.sha256[:12]} {got.file_name}" if got else f"第{back.submission_id}号报送"
    return f"，已了结（{back.restored_at:%Y-%m-%d %H:%M} 恢复 {what} 为在用版本，无需重报）"


def _counts_tail(states: list[SubmissionState], unit: str) -> str:
    """未报 K 个[，已撤回 N 个][，已退回（待重报）M 个]: a withdrawn district is not counted as 未报."""
    missing = sum(s.status == ST_MISSING and s.withdrawn is None for s in states)
    returned = sum(s.status == ST_MISSING and s.withdrawn is not None and s.withdrawn.returned for s in states)
    withdrawn = sum(s.status == ST_MISSING and s.withdrawn is not None and not s.withdrawn.returned for s in states)
    return (f"未报 {missing} 个" + (f"，{ST_RETURNED_REDO} {returned} 个" if returned else "")
            + (f"，{ST_WITHDRAWN} {withdrawn} 个" if withdrawn else ""))


def _withdrawal_json(s: SubmissionState) -> dict | None:
    w = s.withdrawn
    if w is None:
        return None
    return {"period": w.period, "withdrawn_at": w.withdrawn_at.isoformat(), "who": w.who, "note": w.note,
            "returned": w.returned, "submission_id": w.submission_id}


def _state_json(s: SubmissionState) -> dict:
    return {"district": s.district, "name": s.district_name, "status": s.shown, "withdrawal": _withdrawal_json(s),
            "received_at": s.received_at.isoformat() if s.received_at else None, "on_time": s.on_time,
            "file_name": s.file_name, "sha256": s.sha256, "files_received": s.version, "errors": s.errors,
            "verify": s.verify, "explained": s.explained, "info": s.info, "imported": s.imported}


@main.command()
@click.option("--period", "period", callback=period_callback, required=True,
              help="报告期，如 2025-06（1-6月累计）、2025-Q2（二季度，用台账中已有的月报汇总）、2025（全年）")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="并行读取的进程数（默认按CPU）")
@click.option("--date", "issued", default=None, callback=date_callback,
              help="简报印发日期，如 2025-07-08（默认：今天）")
@click.option("--pdf", "pdf", is_flag=True, help=PDF_HELP)
@click.pass_obj
def consolidate(obj, period: Period, workers: int | None, issued: dt.date | None, pdf: bool) -> None:
    """汇总：读取 inbox/ 中新收到的报表，审核、入账，生成汇总表、简报、反馈表（outbox/报告期/）。"""
    from reporttool.pipeline.consolidate import run_consolidate

    with user_errors():
        ws = obj.workspace()
        try:
            period = ws.catalogue().settings.form_period(period)  # 报送周期 季: 2025-06 is 2025-Q2
        except ValueError as exc:
            raise ReportToolError(str(exc)) from None
        with read_progress(not obj.quiet) as progress:
            result = run_consolidate(ws, period, workers=workers, progress=progress, issued=issued)
    c = result.counts
    with user_errors():
        unit = obj.workspace().catalogue().words.unit
    click.echo(f"{period.label} 报送情况（截止 {result.deadline.isoformat() if result.deadline else '—'}）：")
    _table([unit, "状态", "收到时间", "按时", "问题"], _state_rows(result.states))
    missing = [s.district_name for s in result.states if s.status == ST_MISSING and s.withdrawn is None]
    if missing:
        click.echo(f"未报：{'、'.join(missing)}")
    for line in _withdrawn_lines(result.states):
        click.echo(line)
    click.echo(f"已报 {c['submitted']}/{c['districts']} 个{unit}（按时 {c['on_time']}，逾期 {c['late']}）；"
               f"本次收件箱 {c['files_scanned']} 个文件，新入账 {c['files_new']} 个。")
    state_of = {s.district: s.status for s in result.states}
    if result.figures.basis:
        click.echo(f"{period.label}{result.figures.basis}。")
    for st in result.states:
        if st.missing_months:
            click.echo(f"缺报月份：{st.district_name} {'、'.join(f'{m}月' for m in st.missing_months)}。")
    other = [i for i in result.inputs if i.new and i.period and not in_span(period, i.period)]
    for i in other:
        click.echo(f"注意：{i.name} 的报告期为 {i.period}，已入账但不计入本期。")
    names = {s.district: s.district_name for s in result.states}
    for i in result.inputs:
        if i.new and i.status == ST_RETURNED:
            who = (f"无法识别{unit}" if i.unknown_district else
                   names.get(i.district, i.district) + ("，按文件名判断" if i.district_guessed else ""))
            click.echo(f"退回：{i.name}（{who}）：{i.reason or '文件无法读取。'}")
            if not i.unknown_district and state_of.get(i.district) != ST_RETURNED:
                click.echo(f"  该{unit}仍使用先前收到的版本（见 reporttool history）。")
        if i.note:
            click.echo(f"注意：{i.name} {i.note}。")
        if i.same_as:
            click.echo(same_bytes_notice(i, names, unit))
    for entry in result.skipped:
        click.echo(f"跳过：inbox/{entry.name} {entry.reason}。")
    for note in result.figures.config_notes:  # configuration hints: the terminal, not the documents
        click.echo(f"目标库提示：{note}")
    click.echo(f"指标进度：超前 {c[AHEAD]} 项，正常 {c[ON_TRACK]} 项，滞后 {c[LAGGING]} 项；"
               f"错误 {c['errors']} 处，核实 {c['verify']} 处。")
    for line in result.notices:
        click.echo(line)
    with user_errors():  # a correction (inbox, web, import), a withdrawal, a 退回: the periods already consolidated are stale
        from reporttool.pipeline.verify import stale_after_run, stale_notice

        for line in stale_notice(stale_after_run(ws, period, result.changed)):
            click.echo(line)
    click.echo(f"简报期号：第{result.issue_no}期。输出文件：")
    for p in result.outputs:
        click.echo(f"  {p}")
    if pdf:
        from reporttool.render.brief import brief_name
        from reporttool.render.workbook import consolidated_name

        cat = ws.catalogue()
        wanted = {consolidated_name(cat, period), brief_name(cat, period, result.issue_no)}
        write_pdfs([p for p in result.outputs if p.name in wanted])
    sys.exit(result.exit_code)


@main.command()
@click.option("--period", "period", callback=period_callback, required=True, help="报告期，如 2025-06")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.pass_obj
def status(obj, period: Period, as_json: bool) -> None:
    """报送情况：各县区未报 / 已报及审核状态 / 按时或逾期（只读台账，不读取收件箱）。"""
    from reporttool.figures.compute import submission_states
    from reporttool.figures.consistency import checked_versions
    from reporttool.ledger import Ledger

    with user_errors():
        ws = obj.workspace()
        cat = ws.catalogue()
        if ws.ledger.exists():
            with Ledger(ws) as ledger:
                states = submission_states(cat, checked_versions(ledger, cat, period))
        else:
            states = [SubmissionState(d.code, d.name, ST_MISSING) for d in cat.districts]
    deadline = cat.settings.deadline_for(period)
    if as_json:
        click.echo(json.dumps({"period": period.key, "deadline": deadline.isoformat(),
                               "districts": [_state_json(s) for s in states]}, ensure_ascii=False, indent=2))
        return
    click.echo(f"{period.label} 报送情况（截止 {deadline.isoformat()}）：")
    unit = cat.words.unit
    _table([unit, "状态", "收到时间", "按时", "问题"], _state_rows(states))
    for line in _withdrawn_lines(states):
        click.echo(line)
    done = [s for s in states if s.status != ST_MISSING]
    late = sum(s.on_time is False for s in done)
    imported = sum(s.imported for s in done)
    click.echo(f"已报 {len(done)}/{len(states)} 个{unit}（按时 {len(done) - late - imported}，逾期 {late}"
               + (f"，导入 {imported}" if imported else "") + f"），{_counts_tail(states, unit)}。")


@main.command()
@click.option("--district", "district", default=None, help="县区代码或名称")
@click.option("--period", "period", callback=period_callback, default=None, help="报告期，如 2025-06")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.pass_obj
def history(obj, district: str | None, period: Period | None, as_json: bool) -> None:
    """收到的报表版本（最新在前）：状态、哈希前缀、文件名、收到时间。"""
    from reporttool.ledger import Ledger

    with user_errors():
        ws = obj.workspace()
        cat = ws.catalogue()
        code = None
        if district:
            d = cat.district(district) or next((x for x in cat.districts if x.name == district.strip()), None)
            if d is None:
                valid = "、".join(f"{x.code}（{x.name}）" for x in cat.districts)
                click.echo(f"错误：{cat.words.unit}“{district}”不在目标库中。可用：{valid}", err=True)
                sys.exit(2)
            code = d.code
        records = []
        restores = []
        withdrawals = []
        if ws.ledger.exists():
            from reporttool.figures.compute import version_states
            from reporttool.figures.consistency import checked_versions

            with Ledger(ws) as ledger:
                records = ledger.history(district=code, period=period.key if period else None)
                restores = ledger.restores(district=code, period=period.key if period else None)
                withdrawals = ledger.withdrawals(district=code, period=period.key if period else None)
                shown = version_states(ledger, cat, records, checked_versions)  # the same word as status and 报送情况
            records = [dataclasses.replace(r, status=shown.get(r.id, r.status)) for r in records]
    names = {d.code: d.name for d in cat.districts}
    if as_json:
        click.echo(json.dumps([{"id": r.id, "district": r.district, "name": names.get(r.district, ""),
                                "period": r.period, "status": r.status, "sha256": r.sha256,
                                "file_name": r.file_name, "received_at": r.received_at.isoformat(),
                                "ingested_at": r.ingested_at.isoformat(), "superseded_by": r.superseded_by,
                                "imported": r.imported,
                                "archive": r.archive_path,
                                "restored_at": [x.restored_at.isoformat() for x in restores if x.submission_id == r.id],
                                "withdrawn_at": [w.withdrawn_at.isoformat() for w in withdrawals
                                                 if w.submission_id == r.id]}
                               for r in records], ensure_ascii=False, indent=2))
        return
    if not records:
        click.echo("台账中没有符合条件的报表。")
        return
    _table(["收到时间", cat.words.unit, "报告期", "状态", "哈希", "文件名"],
           [[r.received_at.strftime("%Y-%m-%d %H:%M"), names.get(r.district, r.district or "（未识别）"), r.period,
             r.status + ("（导入）" if r.imported else ""), r.sha256[:12], r.file_name] for r in records])
    by_id = {r.id: r for r in records}
    undid = {w.restored_by: w for w in withdrawals if w.restored_by is not None}
    for x in restores:  # newest first, like the versions
        got, old = by_id.get(x.submission_id), by_id.get(x.replaced_id) if x.replaced_id else None
        line = (f"恢复：{x.restored_at:%Y-%m-%d %H:%M} {names.get(x.district, x.district)} {x.period} "
                f"恢复 {got.sha256[:12] if got else x.submission_id} {got.file_name if got else ''} 为在用版本")
        if old is not None:
            line += f"（替换 {old.sha256[:12]} {old.file_name}）"
        if (w := undid.get(x.id)) is not None:
            line += (f"，{'撤销' if w.submission_id == x.submission_id else '了结'}{w.withdrawn_at:%Y-%m-%d %H:%M} 的"
                     f"{'退回' if w.returned else '撤回'}")
        click.echo(line + (f"，原因：{x.note}" if x.note else ""))
    by_restore = {x.id: x for x in restores}
    for w in withdrawals:  # newest first
        was = by_id.get(w.submission_id) if w.submission_id else None
        how = "退回：" if w.returned else "撤回："  # a 退回 on the web page is a withdrawal too
        click.echo(f"{how}{w.withdrawn_at:%Y-%m-%d %H:%M} {names.get(w.district, w.district)} {w.period} "
                   + ("市局在报送网页上退回，" if w.returned else "") + "不再有在用版本"
                   + (f"（原在用 {was.sha256[:12]} {was.file_name}）" if was else "")
                   + (f"，操作人：{w.who}" if w.who else "") + (f"，原因：{w.note}" if w.note else "")
                   + _withdrawal_end(w, by_restore.get(w.restored_by) if w.restored_by else None, by_id))
