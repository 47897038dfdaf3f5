"""`reporttool init` and `reporttool targets`."""
from __future__ import annotations

import json

import click

from reporttool.cli.base import main, user_errors
from reporttool.core import fmt
from reporttool.core.models import SOURCE_ROSTER, TARGET_CUMULATIVE, TARGET_GROWTH
from reporttool.workspace import init_workspace


@main.command()
@click.argument("directory", type=click.Path())
def init(directory: str) -> None:
    """新建工作目录 DIRECTORY（内置默认城市的目标库和模板），已存在的工作目录不会被覆盖。"""
    with user_errors():
        ws = init_workspace(directory)
    click.echo(f"已新建工作目录：{ws.root}")
    click.echo(f"  目标库：{ws.targets}（用 Excel/WPS 打开修改集群、指标和目标）")
    click.echo(f"  下一步：reporttool -w {ws.root} template --period 2025-06")


@main.command()
@click.option("--year", type=int, default=None, help="年份（默认：目标库中最近的目标年）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.pass_obj
def targets(obj, year: int | None, as_json: bool) -> None:
    """列出各集群指标在某一年的目标（推算得出的标“推算”）。"""
    with user_errors():
        cat = obj.workspace().catalogue()
    if year is None:
        year = max((t.year for t in cat.targets), default=0)
    rows = []
    split = [""] + [d.code for d in cat.districts if any(t.district == d.code for t in cat.targets)]
    for cluster in [None, *cat.clusters]:
        code = cluster.code if cluster else ""
        inds = cat.indicators if cluster is None else cat.indicators_for(code)
        for ind in inds:
            for district in split:
                main = cat.target_for(code, ind.code, year, district)
                for rt in ([main] if main is not None else []) + cat.other_targets(code, ind.code, year, district):
                    if rt.kind == TARGET_GROWTH:
                        shown = f"增长{fmt.trim(rt.growth_rate, 1)}%"
                    elif rt.value is not None:
                        shown = f"{fmt.trim(rt.value, ind.decimals)}{ind.unit}"
                    else:
                        shown = fmt.DASH
                    d = cat.district(district)
                    rows.append({"cluster": cluster.name if cluster else "全部集群", "indicator": ind.name,
                                 "district": d.name if d else "", "year": rt.year or year, "target": shown,
                                 "derived": rt.derived, "explanation": rt.explanation, "note": rt.note})
    for t in cat.plan_targets():  # 累计/新增 over a plan range that covers the year
        if t.start_year is not None and t.start_year <= year <= t.year and t.value is not None:
            c, ind = cat.cluster(t.cluster), cat.indicator(t.indicator)
            what = "累计" if t.kind == TARGET_CUMULATIVE else f"新增（比{t.base_year}年末）"
            # how the progress is measured (figures/plan.py), as the 总表 and the brief say it
            how = (f"按各{cat.words.unit}企业名录计；有{cat.words.unit}未报或名录未填时只列数、不计算完成率"
                   if ind is not None and ind.source == SOURCE_ROSTER
                   else f"按有数据的{cat.words.unit}计，未计入的{cat.words.unit}在汇总表和简报中写明")
            if t.kind != TARGET_CUMULATIVE:  # figures/plan.py: like for like
                how += f"；新增只用本期所计{cat.words.unit}与其{t.base_year}年末数同口径相减"
            rows.append({"cluster": c.name if c else "全部集群", "indicator": ind.name if ind else t.indicator,
                         "district": "", "year": f"{t.start_year}-{t.year}",
                         "target": f"{what}{fmt.trim(t.value, ind.decimals if ind else 2)}{ind.unit if ind else ''}",
                         "derived": False, "explanation": how, "note": t.note})
    if as_json:
        click.echo(json.dumps({"year": year, "targets": rows}, ensure_ascii=False, indent=2))
        return
    click.echo(f"{cat.settings.city}{year}年目标（{len(rows)}项）")
    for r in rows:
        mark = "（推算）" if r["derived"] else ""
        extra = f"  {r['explanation']}" if r["explanation"] else ""
        where = f" | {r['district']}" if r["district"] else ""
        when = f" | {r['year']}年" if r["year"] != year else ""
        click.echo(f"  {r['cluster']} | {r['indicator']}{where}{when} | {r['target']}{mark}{extra}")
