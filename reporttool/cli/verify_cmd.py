"""`reporttool verify`: archive, ledger and outputs against their recorded hashes and digests."""
from __future__ import annotations

import json
import sys

import click

from reporttool.cli.base import main, user_errors


@main.command()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.pass_obj
def verify(obj, as_json: bool) -> None:
    """校验：存档文件、台账（结构和每份报表入账时的数据摘要）、输出文件（清单中的哈希）是否与记录一致。"""
    from reporttool.pipeline.verify import verify_workspace

    with user_errors():
        ws = obj.workspace()
        report = verify_workspace(ws)
    if as_json:
        click.echo(json.dumps({"clean": report.clean, "archived": report.archived, "submissions": report.submissions,
                               "outputs": report.outputs, "notes": list(report.notes),
                               "differences": [{"area": d.area, "path": d.path, "message": d.message}
                                               for d in report.differences]}, ensure_ascii=False, indent=2))
    else:
        for d in report.differences:
            click.echo(f"[{d.area}] {d.message}")
        for note in report.notes:
            click.echo(f"提示：{note}")
        head = (f"已校验存档文件 {report.archived} 个、台账中的报表 {report.submissions} 份、"
                f"输出文件 {report.outputs} 个")
        if report.clean:
            click.echo(f"{head}：全部与记录一致。")
        else:
            click.echo(f"{head}：发现 {len(report.differences)} 处不一致（见上）。")
    sys.exit(0 if report.clean else 1)
