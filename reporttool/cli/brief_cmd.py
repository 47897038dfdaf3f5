"""`reporttool brief`: rewrite only the 简报 of a period from the ledger."""
from __future__ import annotations

import datetime as dt

import click

from reporttool.cli.base import main, period_callback, user_errors

PDF_HELP = "同时用 LibreOffice 生成简报和汇总表的 PDF（放在原文件旁；未安装时给出提示，不影响其他输出）"


def write_pdfs(paths) -> None:
    """--pdf: PDFs beside ``paths``; a Chinese line per file, a hint when LibreOffice is missing. Never fails."""
    from reporttool.render.pdf import to_pdf

    click.echo("正在生成 PDF…")
    for line in to_pdf(list(paths)).messages:
        click.echo(line)


def date_callback(ctx, param, value: str | None) -> dt.date | None:
    """--date YYYY-MM-DD (the brief's issue date) as a date; a Chinese message when it is not one."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"日期“{value}”无法识别，应写成 2025-07-08") from None


@main.command()
@click.option("--period", "period", required=True, callback=period_callback,
              help="报告期，如 2025-06（1-6月累计）或 2025-Q2")
@click.option("--issue", type=click.IntRange(min=1), default=None,
              help="期号（默认：该报告期已编的期号，或本年度下一期）")
@click.option("--date", "issued", default=None, callback=date_callback,
              help="印发日期，如 2025-07-08（默认：该期号上次的印发日期，没有则为今天）")
@click.option("--pdf", "pdf", is_flag=True, help=PDF_HELP)
@click.pass_obj
def brief(obj, period, issue: int | None, issued: dt.date | None, pdf: bool) -> None:
    """按台账重新生成某一报告期的工作简报（Word），写入 outbox/报告期/。"""
    with user_errors():
        from reporttool.pipeline.outputs import rewrite_brief

        ws = obj.workspace()
        cat = ws.catalogue()
        result = rewrite_brief(ws, cat, period, issue=issue, issued=issued)
    for line in result.notices:
        click.echo(line)
    issue_no, dest = result.issue_no, result.path
    click.echo(f"已生成简报（第{issue_no}期）：{dest}")
    if pdf:
        from reporttool.render.workbook import consolidated_name

        book = ws.period_dir(period) / consolidated_name(cat, period)
        write_pdfs([dest] + ([book] if book.is_file() else []))
