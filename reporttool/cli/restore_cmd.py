"""`reporttool restore` and `reporttool withdraw`: the bureau changes the version in use of a district's
period (an earlier version made current again, or the month withdrawn) (thin)."""
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
    """恢复先前的版本：把某县区某期较早收到的一份报表重新设为在用版本（撤销错误的替代），记入历史。
    已撤回（withdraw）的月份不指定 --version/--sha 即恢复撤回前的在用版本。"""
    from reporttool.ledger.restore import restore_version

    with user_errors():
        ws = obj.workspace()
        done = restore_version(ws, period, district, number=number, sha=sha, note=note)
    r = done.restored
    click.echo(f"已恢复：{done.district_name}{period.label}的在用版本现为第{done.number}份 {r.file_name}"
               f"（{r.sha256[:12]}，{r.received_at:%Y-%m-%d %H:%M} 收到，{r.status}）。")
    if done.cancelled_return:
        click.echo("市局在报送网页上对该版本的退回已撤销（记为“通过”），县区页面不再显示退回。")
    if done.settled_return is not None:
        click.echo(f"市局在报送网页上对第{done.settled_return}份的退回已了结：{done.district_name}{period.label}恢复使用"
                   f"第{done.number}份，不再“待重报”（第{done.settled_return}份仍记为退回）；已对第{done.number}份记下“通过”，"
                   f"县区页面可见。")
    if done.replaced is not None:
        click.echo(f"原在用版本第{done.replaced_number}份 {done.replaced.file_name}（{done.replaced.sha256[:12]}）"
                   f"改为被替代，仍保留在台账和 archive/ 中，可再次恢复。")
    _rerun_advice(obj, period)


@main.command()
@click.option("--period", "period", callback=period_callback, required=True, help="报告期，如 2025-05")
@click.option("--district", "district", required=True, help="县区代码或名称")
@click.option("--who", default=None, help="操作人，记入台账（默认为当前系统用户）")
@click.option("--note", default="", help="撤回原因，记入台账")
@click.pass_obj
def withdraw(obj, period: Period, district: str, who: str | None, note: str) -> None:
    """撤回某县区某期的报表：此后该期该县区没有在用版本（汇总、下月当月、季度和年度都不再使用），
    记入台账（操作人、时间），文件不删除；可用 reporttool restore 恢复。"""
    from reporttool.ledger.restore import withdraw_month

    with user_errors():
        ws = obj.workspace()
        done = withdraw_month(ws, period, district, who=who if who is not None else _user(), note=note)
    r = done.version
    click.echo(f"已撤回：{done.district_name}{period.label}不再有在用版本（原在用第{done.number}份 {r.file_name}，"
               f"{r.sha256[:12]}，仍保留在台账和 archive/ 中）。恢复：reporttool restore --period {period.key} "
               f"--district {done.district}")
    _rerun_advice(obj, period)


def _user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (a service account): recorded as unknown
        return ""


def _rerun_advice(obj, period: Period) -> None:
    """Name the periods already consolidated that the change of ``period`` made stale (as `verify` does)."""
    from reporttool.ledger import Ledger
    from reporttool.pipeline.verify import affected_periods, stale_outputs

    with user_errors():
        ws = obj.workspace()
        with Ledger(ws) as ledger:  # the same judgement as `verify` and the web page (stale_outputs)
            keys = [s.period for s in stale_outputs(ws, ledger, changed=[period.key])]
        if period.key not in affected_periods(ws, period.key):  # never consolidated: its outputs are to make
            keys.insert(0, period.key)
    if not keys:
        click.echo("已汇总的各期输出都与现在的在用版本一致，无需重新汇总。")
        return
    click.echo("请按顺序重新运行以下汇总，更新汇总表、简报和反馈表（本期，及用到本期、输出已过时的已汇总各期）：")
    for key in keys:
        click.echo(f"  reporttool consolidate --period {key}")
