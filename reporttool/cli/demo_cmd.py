"""`reporttool demo`: fill the inbox with realistic sample submissions (and a few planted problems)."""
from __future__ import annotations

import datetime as dt

import click

from reporttool.cli.base import main, period_callback, user_errors
from reporttool.core.models import Period


@main.command()
@click.option("--period", "period", default="2025-06", show_default=True, callback=period_callback,
              help="报告期，如 2025-06（1-6月累计）")
@click.option("--from", "since", default=None, callback=period_callback,
              help="同时生成从该月（如 2024-01）到报告期上月的各月报表（往期报表/），并作为历史导入台账，"
                   "用于演示当月、环比、月度走势和历史核对")
@click.option("--districts", type=click.IntRange(min=1), default=None,
              help="生成N个虚拟县区（会改写工作目录的目标库 templates/targets.xlsx：县区换成生成的N个，"
                   "可加总的目标按比例放大），用于模拟全省规模")
@click.option("--enterprises", type=click.IntRange(min=0), default=None, help="每个县区的企业数（默认按目标推算）")
@click.option("--projects", type=click.IntRange(min=0), default=None, help="每个县区的项目数（默认6-14个）")
@click.option("--seed", type=int, default=2025, show_default=True, help="随机种子：种子相同，生成的文件逐字节相同")
@click.option("--clean", is_flag=True, help="不预置问题：每个县区都按时报送、数据无误")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="并行写文件的进程数")
@click.option("--consolidate", "consolidate", is_flag=True,
              help="生成后随即汇总：报告期，报告期为季末月时另汇总该季度（如 2025-Q2），有 --from 时另汇总其中最近的"
                   "完整年度（如 2024），并列出各期的汇总表和简报")
@click.pass_obj
def demo(obj, period, since, districts, enterprises, projects, seed: int, clean: bool, workers: int,
         consolidate: bool) -> None:
    """在收件箱生成一个月的示例报表（县区报送的 Excel 文件），用于演示审核和汇总；--from 另生成往期各月并导入台账；
    --consolidate 随即汇总本月、本季度和完整年度。"""
    from reporttool.demo.make import make_demo  # imported here: keeps start-up of the other commands fast

    with user_errors():
        ws = obj.workspace()
        result = make_demo(ws, period, districts=districts, enterprises=enterprises, projects=projects,
                           seed=seed, plant=not clean, workers=workers, since=since)
        unit = ws.catalogue().words.unit
    if result.catalogue_rewritten:
        click.echo(f"已改写目标库：{ws.targets}（{districts}个生成的{unit}，目标按比例放大）")
    click.echo(f"已在收件箱 {ws.inbox} 生成 {len(result.files)} 个{unit}的{period.label}报表：")
    for f in result.files:
        late = "（逾期）" if f.late else ""
        click.echo(f"  {f.path.name}：企业{f.roster_rows}户，项目{f.project_rows}个，产出指标{f.output_rows}项，"
                   f"报送时间 {f.received:%Y-%m-%d %H:%M}{late}")
    if result.history:
        periods = sorted({f.path.parent.name for f in result.history})
        folder = result.history[0].path.parent.parent
        click.echo(f"已生成往期报表 {periods[0]} 至 {periods[-1]}（{len(periods)}个月，{len(result.history)}个文件）：{folder}")
    if result.imported is not None:
        imp = result.imported
        click.echo(f"已作为历史导入台账：导入 {imp.count('导入')} 个，已有 {imp.count('已有')} 个，跳过 {imp.count('跳过')} 个"
                   "（导入的报表不计逾期，不生成文书）")
        for skipped in imp.files:
            if skipped.outcome == "跳过":
                click.echo(f"  跳过：{skipped.name}：{skipped.reason}")
    if result.problems:
        click.echo("预置的问题（审核应能发现）：")
        for p in result.problems:
            where = f"（{p.file} “{p.sheet}”表 {p.cell}）" if p.cell else (f"（{p.file}）" if p.file else "")
            rule = f" [{p.rule}]" if p.rule else ""
            click.echo(f"  - {p.detail}{where}{rule}")
    if result.lagging:
        cat = ws.catalogue()
        names = "、".join(cat.cluster(c).name for c in result.lagging if cat.cluster(c))
        click.echo(f"按计划明显落后于时序进度的集群：{names}")
    if result.others:
        click.echo(f"注意：收件箱中另有 {len(result.others)} 个不是本次生成的文件（未改动），汇总时也会读取：")
        for other in result.others[:10]:
            click.echo(f"  {other.name}")
        if len(result.others) > 10:
            click.echo(f"  ……等 {len(result.others)} 个")
    root = f'"{ws.root}"' if " " in str(ws.root) else str(ws.root)
    if consolidate:
        _consolidate(obj, period, since)
        click.echo("下一步：")
        unit = ws.catalogue().words.unit  # 县区 / 镇街 / 设区市: the plan's own word
        click.echo(f"  reporttool -w {root} serve --period {period.key}   （{unit}报送网页）")
        return
    click.echo("下一步：")
    click.echo(f"  reporttool -w {root} consolidate --period {period.key}")


def _consolidate(obj, period: Period, since: Period | None) -> None:
    """demo --consolidate: the month, its quarter and the span's latest whole year (demo/span.py demo_periods),
    each as `reporttool consolidate` would; prints where each period's 汇总表 and 简报 are."""
    from reporttool.demo.span import brief_date, demo_periods
    from reporttool.pipeline.consolidate import run_consolidate
    from reporttool.render.brief import brief_name
    from reporttool.render.workbook import consolidated_name

    with user_errors():
        ws = obj.workspace()
        cat = ws.catalogue()
        done: list[Period] = []
        for p in demo_periods(period, since):
            try:
                p = cat.settings.form_period(p)  # 报送周期 季: 2025-06 is 2025-Q2
            except ValueError:
                continue  # a month of a quarterly plan: its quarter follows
            if p in done:
                continue
            done.append(p)
            # a past period's brief is dated as the bureau would have issued it, not today
            result = run_consolidate(ws, p, issued=brief_date(cat.settings, p, dt.date.today()))
            c = result.counts
            wanted = {consolidated_name(cat, p): "汇总表", brief_name(cat, p, result.issue_no): "简报"}
            click.echo(f"已汇总{p.label}（{p.key}）：已报 {c['submitted']}/{c['districts']} 个{cat.words.unit}，"
                       f"简报第{result.issue_no}期，输出在 {ws.outbox / p.key}")
            for out in result.outputs:
                if out.name in wanted:
                    click.echo(f"  {wanted[out.name]}：{out}")
