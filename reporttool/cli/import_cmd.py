"""`reporttool import`: earlier periods' files into the ledger as history (thin: pipeline.importing)."""
from __future__ import annotations

from pathlib import Path

import click

from reporttool.cli.base import main, user_errors


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="并行读取的进程数（默认按CPU）")
@click.pass_obj
def import_cmd(obj, paths: tuple[Path, ...], workers: int | None) -> None:
    """导入历史数据：把以前各期县区报表（文件或文件夹）作为历史记入台账，不计逾期，报送情况中显示“导入”。"""
    import sys

    from reporttool.pipeline.importing import IMPORTED, KNOWN, NOT_WORKBOOK, SKIPPED, run_import

    with user_errors():
        ws = obj.workspace()
        result = run_import(ws, list(paths), workers=workers)
        cat = ws.catalogue()
    names = {d.code: d.name for d in cat.districts}
    for f in result.files:
        who = "，".join(x for x in (names.get(f.district, f.district), f.period) if x)
        if f.outcome == IMPORTED:
            click.echo(f"导入：{f.name}（{who}，{f.status}）")
        elif f.outcome == NOT_WORKBOOK:
            click.echo(f"未读取：{f.name}：{f.reason}。")
        elif f.outcome == KNOWN:
            click.echo(f"已有：{f.name}" + (f"（{who}）" if who else "") + f"：{f.reason}。")
        else:
            click.echo(f"跳过：{f.name}" + (f"（{who}）" if who else "") + f"：{f.reason.rstrip('。')}。")
    for line in result.notices:
        click.echo(line)
    periods = "、".join(result.periods)
    click.echo(f"共 {len(result.files)} 个文件：导入 {result.count(IMPORTED)} 个，已有 {result.count(KNOWN)} 个，"
               f"跳过 {result.count(SKIPPED)} 个。"
               + (f"另有 {result.count(NOT_WORKBOOK)} 个不是报表文件，未读取。" if result.count(NOT_WORKBOOK) else "")
               + (f"导入的报告期：{periods}。" if periods else ""))
    sys.exit(1 if result.failed else 0)
