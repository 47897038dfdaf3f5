"""`reporttool serve` (the districts' web page) and `reporttool codes` (its access codes)."""
from __future__ import annotations

import datetime as dt
import json
import sys

import click

from reporttool.cli.base import main, period_callback, user_errors
from reporttool.core.models import Period, parse_period


def default_period(today: dt.date | None = None) -> Period:
    """The month just ended: reports for June are submitted in early July."""
    first = (today or dt.date.today()).replace(day=1)
    prev = first - dt.timedelta(days=1)
    return parse_period(f"{prev.year}-{prev.month:02d}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听地址；默认只允许本机访问，内网使用请指定本机内网地址或 0.0.0.0")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True, help="端口")
@click.option("--period", "period", callback=period_callback, default=None,
              help="本期报告期，如 2025-06（默认：上个月）")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="并行读取的进程数（默认按CPU）")
@click.pass_obj
def serve(obj, host: str, port: int, period: Period | None, workers: int | None) -> None:
    """启动县区报送网页：县区凭访问码下载模板、上传报表、即时查看审核结果；市局查看报送情况并汇总。"""
    from reporttool.serve.codes import CodeBook

    with user_errors():
        ws = obj.workspace()
        period = period or default_period()
        from reporttool.serve.app import create_app

        app = create_app(ws, period, workers=workers)
        if not CodeBook(ws).entries():
            click.echo("错误：尚未生成访问码。请先运行 reporttool codes，把打印出的访问码下发各县区，再启动网页。",
                       err=True)
            sys.exit(2)
    from reporttool.serve.app import run

    shown = "localhost" if host in ("127.0.0.1", "::1") else host
    click.echo(f"县区报送网页：http://{shown}:{port}/  （{period.label}，工作目录 {ws.root}）")
    if host in ("127.0.0.1", "::1", "localhost"):
        click.echo("只允许本机访问；供内网其他电脑使用时请加 --host 0.0.0.0（或本机内网地址）。")
    else:
        click.echo(f"注意：已在 {host} 上开放，内网其他电脑可访问。访问记录：{ws.root / 'serve' / 'access.log'}")
    click.echo("按 Ctrl+C 停止。")
    try:
        run(app, host, port)
    except OSError as exc:
        click.echo(f"错误：无法在 {host}:{port} 启动（{exc.strerror or exc}）。端口可能已被占用，请用 --port 换一个。",
                   err=True)
        sys.exit(2)


@main.command()
@click.option("--district", default=None, help="只处理这个县区（代码或名称；“市局”为市局的访问码）")
@click.option("--rotate", is_flag=True, help="重新生成访问码（旧访问码立即失效）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
@click.pass_obj
def codes(obj, district: str | None, rotate: bool, as_json: bool) -> None:
    """访问码：为市局和每个县区生成（已有的不变）、列出或重新生成（--rotate）。只保存哈希。"""
    from reporttool.serve.codes import issue_codes

    with user_errors():
        ws = obj.workspace()
        cat = ws.catalogue()
        issued = issue_codes(ws, cat, district=district, rotate=rotate)
    if as_json:
        click.echo(json.dumps([{"district": i.district, "name": i.name, "code": i.code or None, "new": i.new,
                                "created": i.created} for i in issued], ensure_ascii=False, indent=2))
        return
    new = [i for i in issued if i.new]
    click.echo(f"{cat.settings.city}产业集群报表报送网页访问码（请分别下发，妥善保管）：")
    width = max(len(i.name) for i in issued)
    for i in issued:
        pad = "　" * (width - len(i.name))
        if i.new:
            click.echo(f"  {i.name}{pad}  {i.code}")
        else:
            click.echo(f"  {i.name}{pad}  已设置（{i.created[:10]} 生成；访问码只在生成时显示，遗失请用 --rotate 重新生成）")
    if new:
        click.echo(f"本次新生成 {len(new)} 个访问码。访问码只显示这一次，工作目录中只保存其哈希。")
    if rotate:
        click.echo("旧访问码已失效，正在运行的网页立即改用新访问码。")
