"""`reporttool template`: write the blank district forms for a period."""
from __future__ import annotations

from pathlib import Path

import click

from reporttool.cli.base import main, period_callback, user_errors
from reporttool.core.errors import ReportToolError


@main.command()
@click.option("--period", "period", required=True, callback=period_callback,
              help="报告期，如 2025-06（1-6月累计）、2025-Q2（季度）或 2025（年度）")
@click.option("--district", default=None, help="只生成这个县区代码的模板（默认：目标库中的全部县区）")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="输出目录（默认：工作目录/outbox/报告期/templates）")
@click.pass_obj
def template(obj, period, district: str | None, out_dir: str | None) -> None:
    """生成下发各县区的报表模板（每个县区一个 Excel 文件）。"""
    from reporttool.forms.writer import write_templates  # xlsxwriter: imported only when needed

    with user_errors():
        ws = obj.workspace()
        cat = ws.catalogue()
        try:
            period = cat.settings.form_period(period)  # 报送周期 季: 2025-06 is the Q2 form
        except ValueError as exc:
            raise ReportToolError(str(exc)) from None
        dest = Path(out_dir) if out_dir else ws.templates_dir(period)
        paths = write_templates(cat, period, dest, district)
    for p in paths:
        click.echo(f"  已生成：{p}")
    deadline = cat.settings.deadline_for(period)
    unit = cat.words.unit
    click.echo(f"共生成 {len(paths)} 个{unit}的报表模板（{period.label}），保存在 {dest}。"
               f"报送截止：{deadline.year}年{deadline.month}月{deadline.day}日。")
    stale = stale_forms_received(ws, period, cat)
    if stale:
        click.echo(f"注意：本报告期已收到 {len(stale)} 份按调整前的集群、指标生成的报表（{'、'.join(stale)}）。"
                   f"今后再收到旧模板填报的报表将被退回，请把新模板发给各{unit}。")


def stale_forms_received(ws, period, cat) -> list[str]:
    """Districts whose readable submissions for ``period`` were made from a form of another catalogue
    (clusters or indicators changed since): new forms make their old ones stale."""
    if not ws.ledger.is_file():
        return []
    from reporttool.ledger import Ledger

    names = {d.code: d.name for d in cat.districts}
    with Ledger(ws) as ledger:
        return sorted({names.get(r.district, r.district) for r in ledger.submissions(period=period.key)
                       if r.readable and r.fingerprint and r.fingerprint != cat.fingerprint})
