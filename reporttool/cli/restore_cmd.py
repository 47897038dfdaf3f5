"""`reporttool restore`: the bureau makes an earlier version of a district current again (thin)."""
from __future__ import annotations

import click

from reporttool.cli.base import main, period_callback, user_errors
from reporttool.core.models import Period


@main.command()
@click.option("--period", "period", callback=period_callback, required=True, help="报告期，如 2025-06")
@click.option("--district", "district", required=True, help="县区代码或名称")
@click.option("--version", "number", type=click.IntRange(1), default=None,
              help="恢复该县区该期收到的第几份文件（按收到先后，从1起，见 reporttool history）")
@click.option("--sha", "sha", default=None, help="或：要恢复的版本的哈希前缀（至少6位，见 reporttool history）")
@click.option("--note", default="", help="恢复原因，记入台账")
@click.pass_obj
def restore(obj, period: Period, district: str, number: int | None, sha: str | None, note: str) -> None:
    """恢复先前的版本：把某县区某期较早收到的一份报表重新设为在用版本（撤销错误的替代），记入历史。"""
    from reporttool.ledger.restore import restore_version

    with user_errors():
        ws = obj.workspace()
        done = restore_version(ws, period, district, number=number, sha=sha, note=note)
    r = done.restored
    click.echo(f"已恢复：{done.district_name}{period.label}的在用版本现为第{done.number}份 {r.file_name}"
               f"（{r.sha256[:12]}，{r.received_at:%Y-%m-%d %H:%M} 收到，{r.status}）。")
    if done.replaced is not None:
        click.echo(f"原在用版本第{done.replaced_number}份 {done.replaced.file_name}（{done.replaced.sha256[:12]}）"
                   f"改为被替代，仍保留在台账和 archive/ 中，可再次恢复。")
    click.echo(f"请重新运行 reporttool consolidate --period {period.key} 更新汇总表、简报和反馈表。")
