"""图1 of the brief: each cluster's headline 完成率 against 时序进度 (matplotlib, Agg backend).

A CJK font is looked up among the fonts matplotlib can see; when none is found the chart is still
drawn (Chinese may show as boxes) and a warning says which fonts to install. Never fails for a font.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reporttool.render.docx_profile import DEFAULT_PROFILE, BriefProfile
from reporttool.render.prose import ChartBlock, TrendBlock

# Free and common fonts that carry Chinese, in order of preference (serif first: it suits 仿宋 text).
CJK_FONTS = (
    "Noto Serif CJK SC", "Noto Sans CJK SC", "Source Han Serif SC", "Source Han Sans SC", "Noto Serif SC",
    "Noto Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", "SimSun", "FangSong",
    "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "STHeiti", "Noto Sans CJK JP", "Noto Serif CJK JP",
    "AR PL UMing CN", "AR PL UKai CN", "Droid Sans Fallback",
)


class NoCJKFontWarning(UserWarning):
    """No font with Chinese glyphs was found for the chart."""


def find_cjk_font(preferred: tuple[str, ...] = CJK_FONTS) -> str | None:
    """The first installed font family of ``preferred`` (matplotlib's font list), or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in preferred if name in installed), None)


def _chart_font(font: str | None) -> str | None:
    """The font family to draw with (``font``, else the first CJK font installed); warns once when none."""
    family = font or find_cjk_font()
    if family is None:
        warnings.warn("未找到中文字体，图表中的汉字可能显示为方框。可安装 Noto Sans/Serif CJK 或文泉驿字体"
                      "（fonts-noto-cjk / fonts-wqy-zenhei）。", NoCJKFontWarning, stacklevel=4)
    return family


def _cached_png(cached: Path, dest: Path, font: str | None, build: Callable[[], Any]) -> Path:
    """Copy the chart from the cache when the same image was drawn before; else draw ``build()``'s Figure to
    ``dest`` and keep a copy. The image is a pure function of its cache key (what is drawn, sizes, font)."""
    dest = Path(dest)
    if cached.is_file():
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached, dest)
        return dest
    with warnings.catch_warnings():
        if (font or find_cjk_font()) is None:  # said once by _chart_font; not once per missing glyph
            warnings.filterwarnings("ignore", message="Glyph .* missing")
        fig = build()
        dest.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(dest, format="png")
    with contextlib.suppress(OSError):  # the cache is an optimisation: never fail the brief for it
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_name(f".{cached.name}.{os.getpid()}")
        shutil.copyfile(dest, tmp)
        os.replace(tmp, cached)
    return dest


# Bump when the drawing below changes, so cached images of the old drawing are not reused.
CHART_STYLE = "5"


def chart_cache_dir() -> Path:
    """Where drawn charts are kept for reuse (per machine: the image depends on its fonts)."""
    return Path(tempfile.gettempdir()) / "reporttool-charts"


def chart_key(block: ChartBlock, profile: BriefProfile, font: str | None) -> str:
    """Everything the image depends on: what is drawn (shown texts), sizes, font choice, style version."""
    drawn = [(i.label, i.indicator, i.completion_text, i.lagging) for i in block.items]
    parts = (CHART_STYLE, drawn, block.time_progress_text, block.lag_legend, str(profile.chart_width_mm),
             chart_height_mm(len(block.items), profile), str(profile.chart_font_pt), str(profile.chart_dpi), font or "")
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:32]


def completion_chart(block: ChartBlock, dest: Path, profile: BriefProfile = DEFAULT_PROFILE,
                     font: str | None = None, cache_dir: Path | None = None) -> Path:
    """Draw ``block`` as a horizontal bar chart PNG at ``dest`` and return ``dest``.

    Bars are the clusters' 完成率 as shown (the same fmt texts the prose uses), red when the cluster is
    滞后; a dashed line marks 时序进度. The image is a pure function of what is drawn, so an identical
    chart is copied from the cache instead of being drawn again (matplotlib's import and drawing are most
    of a re-run's brief). Floats are used only for drawing, never for a number that is shown.
    """
    cached = (cache_dir or chart_cache_dir()) / f"{chart_key(block, profile, font)}.png"
    return _cached_png(cached, dest, font, lambda: build_figure(block, profile, font))


def chart_height_mm(n_items: int, profile: BriefProfile = DEFAULT_PROFILE) -> float:
    """The chart grows with the number of clusters: the profile's height up to ``chart_base_clusters``, then
    ``chart_mm_per_cluster`` more each, never taller than ``chart_max_height_mm``."""
    extra = max(0, n_items - profile.chart_base_clusters) * profile.chart_mm_per_cluster
    return float(min(profile.chart_height_mm + extra, profile.chart_max_height_mm))


def _short(text: str, limit: int) -> str:
    """A tick label's line: at most ``limit`` characters, cut with "…" (the full names are in 表1)."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


LAGGING_LEGEND = "滞后（低于时序进度）"
OTHER_LEGEND = "正常或超前"
# at 时序进度 100 % (a year, December) the bars are measured against the annual target itself (docs/brief.md)
YEAR_LINE, YEAR_LAGGING_LEGEND, YEAR_OTHER_LEGEND = "年度目标", "未完成年度目标", "完成或基本完成年度目标"


def legend_words(time_progress_text: str) -> tuple[str, str, str]:
    """The legend's (dashed line, 滞后 bars, other bars) for 时序进度 as shown."""
    if time_progress_text == "100":
        return f"{YEAR_LINE}（100%）", YEAR_LAGGING_LEGEND, YEAR_OTHER_LEGEND
    return f"时序进度（{time_progress_text}%）", LAGGING_LEGEND, OTHER_LEGEND


def build_figure(block: ChartBlock, profile: BriefProfile = DEFAULT_PROFILE, font: str | None = None):
    """The matplotlib Figure of 图1 (drawn by ``completion_chart``; tests measure its texts' boxes).

    Black-and-white safe: 滞后 bars are hatched as well as red, the others solid; a legend says which is
    which and what the dashed line is. A value label that would cross the 时序进度 line moves to the right of
    the line. Labels are at least ``chart_font_pt``; with many clusters the chart grows taller and the tick
    labels shorten to one line (the cluster's name), so nothing overlaps.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    family = _chart_font(font)
    size = float(profile.chart_font_pt)
    width_in = float(profile.chart_width_mm) / 25.4
    n = len(block.items)
    height_mm = chart_height_mm(n, profile)
    per_item_pt = (height_mm - 25) / 25.4 * 72 / max(n, 1)  # room for one cluster's label, less axes/legend
    two_lines = per_item_pt >= size * 2.6
    fig = Figure(figsize=(width_in, height_mm / 25.4), dpi=profile.chart_dpi)
    canvas = FigureCanvasAgg(fig)
    with matplotlib.rc_context({"font.family": [family, "DejaVu Sans"] if family else ["DejaVu Sans"],
                                "axes.unicode_minus": False, "hatch.linewidth": 0.8}):
        ax = fig.add_subplot(1, 1, 1)
        items = list(reversed(block.items))  # first cluster on top
        labels = []
        for i in items:
            name = re.sub(r"（[^）]*）$", "", i.label) or i.label  # 海洋渔业（食品农产品深加工） -> 海洋渔业
            lines = [_short(name, 9)]
            if two_lines:
                lines.append(_short(i.indicator, 9))
            labels.append("\n".join(lines))
        values = [float(i.completion_text) for i in items]  # the value as shown
        tp = float(block.time_progress)
        ys = list(range(n))
        for y, v, item in zip(ys, values, items):
            ax.barh(y, v, height=0.62, color="#c00000" if item.lagging else "#1f4e79",
                    hatch="////" if item.lagging else None, edgecolor="black" if item.lagging else "#1f4e79",
                    linewidth=0.6)
        top = max(values + [tp]) * 1.22 if values else 100
        ax.set_xlim(0, top)
        ax.axvline(tp, color="black", linestyle="--", linewidth=1, zorder=1)
        pad = top * 0.012
        for y, v, item in zip(ys, values, items):
            text = f"{item.completion_text}%"
            label = ax.text(v + pad, y, text, va="center", fontsize=size)
            # never across the 时序进度 line: a label that would cross it starts right of the line
            if v + pad < tp:
                renderer = canvas.get_renderer()
                box = label.get_window_extent(renderer).transformed(ax.transData.inverted())
                if box.x1 + pad > tp:
                    label.set_x(tp + pad)
        ax.set_yticks(ys)
        ax.set_yticklabels(labels, fontsize=size, linespacing=1.05)
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_xlabel("完成率（%）", fontsize=size)
        ax.tick_params(axis="x", labelsize=size)
        ax.tick_params(axis="y", length=0, pad=4)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        line, lagging, other = legend_words(block.time_progress_text)
        handles: list[Line2D | Patch] = [Line2D([0], [0], color="black", linestyle="--", linewidth=1, label=line)]
        if any(i.lagging for i in items):
            handles.append(Patch(facecolor="#c00000", edgecolor="black", hatch="////",
                                 label=block.lag_legend or lagging))
        if any(not i.lagging for i in items):
            handles.append(Patch(facecolor="#1f4e79", edgecolor="#1f4e79", label=other))
        ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(handles),
                  frameon=False, fontsize=size, handlelength=2.2, columnspacing=1.5, borderaxespad=0.3)
        fig.tight_layout(pad=0.4)
    return fig


# ---- 图2: the year's path -------------------------------------------------------------------------

TREND_STYLE = "1"  # bump when the drawing changes
MARKERS = ("o", "s", "^", "D", "v", "x", "P", "*", "<", ">", "h", "d")
LINES = ("-", "--", ":", "-.")
GREYS = ("#000000", "#404040", "#1f4e79", "#595959", "#7f7f7f", "#262626")


def style(k: int) -> tuple[str, str, str]:
    """(marker, line style, colour) of the k-th line: markers never repeat among the first twelve, and the
    line style changes with them, so two lines differ in print without colour."""
    return MARKERS[k % len(MARKERS)], LINES[k % len(LINES)], GREYS[k % len(GREYS)]


def trend_height_mm(block: TrendBlock, profile: BriefProfile = DEFAULT_PROFILE) -> float:
    """Taller with more lines (the legend grows by a row every three clusters)."""
    rows = -(-(len(block.series) + 1) // 3)
    return float(min(profile.chart_height_mm + 8 * rows + 10, profile.chart_max_height_mm))


def trend_key(block: TrendBlock, profile: BriefProfile, font: str | None) -> str:
    drawn = [(s.label, s.indicator, s.points) for s in block.series]
    parts = (TREND_STYLE, drawn, block.time_progress, block.measure, str(profile.chart_width_mm),
             trend_height_mm(block, profile),
             str(profile.chart_font_pt), str(profile.chart_dpi), font or "")
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:32]


def trend_chart(block: TrendBlock, dest: Path, profile: BriefProfile = DEFAULT_PROFILE, font: str | None = None,
                cache_dir: Path | None = None) -> Path:
    """Draw ``block`` as a PNG at ``dest`` (from the cache when the same chart was drawn before)."""
    cached = (cache_dir or chart_cache_dir()) / f"trend-{trend_key(block, profile, font)}.png"
    return _cached_png(cached, dest, font, lambda: build_trend_figure(block, profile, font))


def build_trend_figure(block: TrendBlock, profile: BriefProfile = DEFAULT_PROFILE, font: str | None = None):
    """The matplotlib Figure of 图2: x = months, y = 完成率 (%) as shown; one line per cluster (its own marker
    and line style), 时序进度 as a thick black dashed line; the legend under the axes. A block with a
    ``measure`` (a plan without annual targets: 本年累计 in 亿元) has no 时序进度 line and that y label."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    family = _chart_font(font)
    size = float(profile.chart_font_pt)
    fig = Figure(figsize=(float(profile.chart_width_mm) / 25.4, trend_height_mm(block, profile) / 25.4),
                 dpi=profile.chart_dpi)
    FigureCanvasAgg(fig)
    months = [m for m, _ in block.time_progress] or sorted({m for s in block.series for m, _ in s.points})
    with matplotlib.rc_context({"font.family": [family, "DejaVu Sans"] if family else ["DejaVu Sans"],
                                "axes.unicode_minus": False}):
        ax = fig.add_subplot(1, 1, 1)
        top = 0.0
        for k, s in enumerate(block.series):
            marker, line, colour = style(k)
            xs = [m for m, v in s.points if v is not None]
            ys = [float(v) for _, v in s.points if v is not None]  # the values as shown (fmt texts)
            top = max([top, *ys])
            ax.plot(xs, ys, marker=marker, linestyle=line, color=colour, linewidth=1.1, markersize=4.5,
                    markerfacecolor="white" if k % 2 else colour, markeredgecolor=colour, label=s.label)
        tp = [float(v) for _, v in block.time_progress]
        if tp:
            top = max([top, *tp])
            ax.plot(months, tp, linestyle="--", color="black", linewidth=2.2, label="时序进度", zorder=1)
        ax.set_xticks(months)
        ax.set_xticklabels([f"{m}月" for m in months], fontsize=size)
        ax.set_xlim(months[0] - 0.4, months[-1] + 0.4)
        ax.set_ylim(0, top * 1.12 if top > 0 else 100)
        ax.set_ylabel(block.measure or "完成率（%）", fontsize=size)
        ax.tick_params(axis="y", labelsize=size)
        ax.grid(axis="y", color="#d9d9d9", linewidth=0.5)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, frameon=False, fontsize=size,
                  handlelength=3.2, columnspacing=1.4)
        fig.tight_layout(pad=0.4)
    return fig
