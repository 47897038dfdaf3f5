"""图1 of the brief: each cluster's headline 完成率 against 时序进度 (matplotlib, Agg backend).

A CJK font is looked up among the fonts matplotlib can see; when none is found the chart is still
drawn (Chinese may show as boxes) and a warning says which fonts to install. Never fails for a font.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import warnings
from pathlib import Path

from reporttool.render.docx_profile import DEFAULT_PROFILE, BriefProfile
from reporttool.render.prose import ChartBlock

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


# Bump when the drawing below changes, so cached images of the old drawing are not reused.
CHART_STYLE = "2"


def chart_cache_dir() -> Path:
    """Where drawn charts are kept for reuse (per machine: the image depends on its fonts)."""
    return Path(tempfile.gettempdir()) / "reporttool-charts"


def chart_key(block: ChartBlock, profile: BriefProfile, font: str | None) -> str:
    """Everything the image depends on: what is drawn (shown texts), sizes, font choice, style version."""
    drawn = [(i.label, i.indicator, i.completion_text, i.lagging) for i in block.items]
    parts = (CHART_STYLE, drawn, block.time_progress_text, str(profile.chart_width_mm),
             str(profile.chart_height_mm), str(profile.chart_dpi), font or "")
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:32]


def completion_chart(block: ChartBlock, dest: Path, profile: BriefProfile = DEFAULT_PROFILE,
                     font: str | None = None, cache_dir: Path | None = None) -> Path:
    """Draw ``block`` as a horizontal bar chart PNG at ``dest`` and return ``dest``.

    Bars are the clusters' 完成率 as shown (the same fmt texts the prose uses), red when the cluster is
    滞后; a dashed line marks 时序进度. The image is a pure function of what is drawn, so an identical
    chart is copied from the cache instead of being drawn again (matplotlib's import and drawing are most
    of a re-run's brief). Floats are used only for drawing, never for a number that is shown.
    """
    dest = Path(dest)
    cached = (cache_dir or chart_cache_dir()) / f"{chart_key(block, profile, font)}.png"
    if cached.is_file():
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached, dest)
        return dest
    _draw(block, dest, profile, font)
    with contextlib.suppress(OSError):  # the cache is an optimisation: never fail the brief for it
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_name(f".{cached.name}.{os.getpid()}")
        shutil.copyfile(dest, tmp)
        os.replace(tmp, cached)
    return dest


def _draw(block: ChartBlock, dest: Path, profile: BriefProfile, font: str | None) -> None:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    family = font or find_cjk_font()
    if family is None:
        warnings.warn("未找到中文字体，图表中的汉字可能显示为方框。可安装 Noto Sans/Serif CJK 或文泉驿字体"
                      "（fonts-noto-cjk / fonts-wqy-zenhei）。", NoCJKFontWarning, stacklevel=2)
    rc = {"font.family": [family, "DejaVu Sans"] if family else ["DejaVu Sans"], "axes.unicode_minus": False}
    width_in = float(profile.chart_width_mm) / 25.4
    height_in = float(profile.chart_height_mm) / 25.4
    with matplotlib.rc_context(rc), warnings.catch_warnings():
        if family is None:  # said once above; not once per missing glyph
            warnings.filterwarnings("ignore", message="Glyph .* missing")
        fig = Figure(figsize=(width_in, height_in), dpi=profile.chart_dpi)
        ax = fig.add_subplot(1, 1, 1)
        items = list(reversed(block.items))  # first cluster on top
        labels = [f"{i.label}\n{i.indicator}" for i in items]
        values = [float(i.completion_text) for i in items]  # the value as shown
        tp = float(block.time_progress)
        colours = ["#c00000" if i.lagging else "#1f4e79" for i in items]
        ys = range(len(items))
        ax.barh(list(ys), values, color=colours, height=0.6)
        top = max(values + [tp]) * 1.18 if values else 100
        for y, v, item in zip(ys, values, items):
            ax.text(v + top * 0.01, y, f"{item.completion_text}%", va="center", fontsize=8)
        ax.axvline(tp, color="#555555", linestyle="--", linewidth=1)
        ax.text(tp, len(items) - 0.4, f"时序进度{block.time_progress_text}%", ha="center", va="bottom",
                fontsize=8, color="#555555", bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
        ax.set_yticks(list(ys))
        ax.set_yticklabels(labels, fontsize=8)
        ax.set_xlim(0, top)
        ax.set_ylim(-0.6, len(items) + 0.2)
        ax.set_xlabel("完成率（%）", fontsize=8)
        ax.tick_params(axis="x", labelsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(dest, format="png")
