"""The leaders' brief (简报): a .docx in the government document format, from Figures and the template.

``write_brief`` opens the editable template (templates/brief.docx of the workspace, or the embedded
default), fills its {{占位符}} from the Catalogue settings and the period, and puts the drafted prose
(render/prose.py), the table of main indicators and the chart (render/chart.py) where the paragraph
holding only {{正文}} stands. Layout numbers come from render/docx_profile.py.

Which wins for the masthead and the closing block: the template. Its text is kept as the bureau wrote
it; only placeholders are replaced from the settings. A line of the closing block whose placeholder is
empty in the settings (e.g. no 送 list) is left out.
"""
from __future__ import annotations

import datetime as dt
import re
import tempfile
import zipfile
from importlib import resources
from pathlib import Path

import docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Twips

from reporttool.catalogue import Catalogue
from reporttool.errors import ReportToolError
from reporttool.figures import Figures
from reporttool.models import Period
from reporttool.render import prose
from reporttool.render.brief_template import (
    BODY_MARKER,
    STYLE_COLOPHON,
    STYLE_COPIES,
    STYLE_HEADING1,
    build_template,
    clear_borders,
    format_rpr,
    set_align,
    set_border,
    set_indent,
    set_spacing,
)
from reporttool.render.docx_profile import DEFAULT_PROFILE, BriefProfile, mm_to_twips, pt_to_twips
from reporttool.workspace import BRIEF_TEMPLATE, atomic_path

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
CLOSING_KEYS = ("报", "送", "发", "印数")  # an empty value drops the paragraph that holds it

# The placeholders a template may use and what each becomes (docs/brief.md lists them).
PLACEHOLDERS = {
    "简报名称": "设置：简报名称",
    "期号": "期号（--issue，或按年度自动编号）",
    "年度": "报告期的年份",
    "编发单位": "设置：编发单位",
    "日期": "印发日期，如 2025年7月8日",
    "城市": "设置：城市",
    "集群工作名称": "设置：集群工作名称",
    "全域": "设置：全域称谓（全市 / 全省 / 全区）",
    "报送单位": "设置：报送单位全称（县（市）区 / 设区市 / 镇（街道））",
    "全部报送单位": "报送单位全称，有开发区时加“和开发区”（县（市）区和开发区）",
    "报告期": "如 2025年1-6月",
    "月份": "如 1-6月",
    "时序进度": "如 50",
    "正文": "生成的正文、表格和图表（须单独成段）",
    "滞后集群": "进度滞后的集群名称（无滞后时为“各产业集群”）",
    "报": "设置：简报报",
    "送": "设置：简报送",
    "发": "设置：简报发",
    "印数": "设置：印数",
}


def brief_name(cat: Catalogue, period: Period, issue_no: int) -> str:
    """File name of the brief: 产业集群工作简报（2025年第6期）.docx."""
    return f"{cat.settings.bulletin_name}（{period.year}年第{issue_no}期）.docx"


def date_text(day: dt.date) -> str:
    """2025年7月8日 (no padding)."""
    return f"{day.year}年{day.month}月{day.day}日"


def default_template() -> Path:
    """The embedded default template (package data); built into a temporary file if missing."""
    try:
        res = resources.files("reporttool.default_templates") / BRIEF_TEMPLATE
        if res.is_file():
            with resources.as_file(res) as path:
                return Path(path)
    except (ModuleNotFoundError, FileNotFoundError):
        pass
    tmp = Path(tempfile.mkdtemp(prefix="reporttool-brief-")) / BRIEF_TEMPLATE
    return build_template(tmp)


def placeholder_values(figures: Figures, cat: Catalogue, issue_no: int, issued: dt.date,
                       draft: prose.Draft) -> dict[str, str]:
    st = cat.settings
    rd = st.rate_decimals
    from reporttool import fmt

    return {
        "简报名称": st.bulletin_name,
        "期号": str(issue_no),
        "年度": str(figures.period.year),
        "编发单位": st.issuing_unit,
        "日期": date_text(issued),
        "城市": st.city,
        "集群工作名称": st.programme_name,
        "全域": cat.words.whole,
        "报送单位": cat.words.unit_full,
        "全部报送单位": cat.words.unit_all,
        "报告期": figures.period.label,
        "月份": prose.months_text(figures),
        "时序进度": fmt.trim(figures.time_progress, rd),
        "滞后集群": draft.lagging_phrase,
        "报": st.report_to,
        "送": st.send_to,
        "发": st.distribute_to,
        "印数": str(st.copies) if st.copies else "",
    }


# ---- template scanning and filling ------------------------------------------------------------------


def _all_paragraphs(doc) -> list:
    """Paragraphs of the body (tables included), headers and footers."""
    out = []

    def walk(container) -> None:
        out.extend(container.paragraphs)
        for table in getattr(container, "tables", []):
            for row in table.rows:
                for cell in row.cells:
                    walk(cell)

    walk(doc)
    for section in doc.sections:
        for part in (section.header, section.footer, section.even_page_header, section.even_page_footer,
                     section.first_page_header, section.first_page_footer):
            if not part.is_linked_to_previous:
                walk(part)
    return out


def _where(index: int, text: str) -> str:
    snippet = text.strip()
    snippet = snippet if len(snippet) <= 20 else snippet[:20] + "…"
    return f"第{index}段“{snippet}”"


def check_template(doc, template: Path) -> None:
    """Every {{…}} must be a known placeholder and {{正文}} must stand alone once; else a Chinese error."""
    problems: list[str] = []
    markers = 0
    for i, para in enumerate(_all_paragraphs(doc), 1):
        text = para.text
        for m in PLACEHOLDER.finditer(text):
            name = m.group(1)
            if name not in PLACEHOLDERS:
                problems.append(f"{_where(i, text)}中的占位符“{{{{{name}}}}}”无法识别")
            elif name == BODY_MARKER:
                markers += 1
                if text.strip() != m.group(0):
                    problems.append(f"{_where(i, text)}：占位符“{{{{正文}}}}”须单独成段")
        rest = PLACEHOLDER.sub("", text)
        if "{{" in rest or "}}" in rest:
            problems.append(f"{_where(i, text)}有不完整的占位符（缺少“{{{{”或“}}}}”）")
    if markers == 0:
        problems.append("缺少占位符“{{正文}}”（生成的正文插入的位置）")
    elif markers > 1:
        problems.append("占位符“{{正文}}”出现了多次，只能有一处")
    if problems:
        names = "、".join(PLACEHOLDERS)
        raise ReportToolError(f"简报模板 {template} 有问题：" + "；".join(problems)
                              + f"。可用的占位符：{names}。")


def _replace_in_paragraph(para, values: dict[str, str]) -> set[str]:
    """Replace placeholders in place, keeping each run's formatting; returns the names replaced.

    A placeholder typed across several runs (Word splits runs freely) is rebuilt in its first run.
    """
    runs = [r for r in para.runs]
    text = "".join(r.text for r in runs)
    matches = [m for m in PLACEHOLDER.finditer(text) if m.group(1) in values]
    if not matches:
        return set()
    bounds = []
    pos = 0
    for r in runs:
        bounds.append((pos, pos + len(r.text)))
        pos += len(r.text)
    texts = [r.text for r in runs]
    for m in reversed(matches):
        start, end = m.span()
        first = next(i for i, (a, b) in enumerate(bounds) if a <= start < b)
        last = next(i for i, (a, b) in enumerate(bounds) if a < end <= b)
        a0 = bounds[first][0]
        al = bounds[last][0]
        if first == last:
            texts[first] = texts[first][: start - a0] + values[m.group(1)] + texts[first][end - a0:]
        else:
            texts[first] = texts[first][: start - a0] + values[m.group(1)]
            for k in range(first + 1, last):
                texts[k] = ""
            texts[last] = texts[last][end - al:]
    for r, t in zip(runs, texts):
        if r.text != t:
            r.text = t
    return {m.group(1) for m in matches}


def _remove(para) -> None:
    el = para._p
    el.getparent().remove(el)


def fill_placeholders(doc, values: dict[str, str]) -> None:
    """Fill every placeholder; drop closing-block lines whose value is empty."""
    for para in _all_paragraphs(doc):
        used = _replace_in_paragraph(para, values)
        if any(k in used and not values[k].strip() for k in CLOSING_KEYS):
            _remove(para)


def fix_colophon_rules(doc, profile: BriefProfile) -> None:
    """Rules of the closing block: heavy above the first line and below the last, light in between."""
    block = [p for p in doc.paragraphs if p.style is not None and p.style.name in (STYLE_COLOPHON, STYLE_COPIES)]
    if not block:
        return
    for i, para in enumerate(block):
        ppr = para._p.get_or_add_pPr()
        clear_borders(ppr)
        if i == 0:
            set_border(ppr, "top", profile.colophon_outer_rule_eighths)
        last = i == len(block) - 1
        before_copies = i + 1 < len(block) and block[i + 1].style.name == STYLE_COPIES
        if last:
            set_border(ppr, "bottom", profile.colophon_outer_rule_eighths)
        elif before_copies:
            set_border(ppr, "bottom", profile.colophon_inner_rule_eighths)
    # keep the block together on one page
    for para in block[:-1]:
        para.paragraph_format.keep_with_next = True


# ---- rendering blocks --------------------------------------------------------------------------------


class _Renderer:
    def __init__(self, doc, marker, profile: BriefProfile, cat: Catalogue, workdir: Path):
        self.doc = doc
        self.marker = marker
        self.p = profile
        self.cat = cat
        self.workdir = workdir

    def _run(self, para, text: str, east_asia: str, size=None, spacing=True, bold=False):
        run = para.add_run(text)
        format_rpr(run._r.get_or_add_rPr(), east_asia=east_asia, latin=self.p.font_latin,
                   size_pt=size or self.p.body_size_pt,
                   spacing_pt=self.p.body_char_spacing_pt if spacing else None, bold=bold)
        return run

    def _para(self, *, indent: bool = True, align: str = "both", line=None, keep_next: bool = False):
        para = self.marker.insert_paragraph_before()
        ppr = para._p.get_or_add_pPr()
        set_spacing(ppr, line_pt=line if line is not None else self.p.body_line_pt)
        set_indent(ppr, first_line=self.p.body_indent_twips if indent else 0)
        set_align(ppr, align)
        if keep_next:
            para.paragraph_format.keep_with_next = True
        return para

    def heading(self, block: prose.Heading) -> None:
        para = self._para(keep_next=True)
        self._run(para, block.text, self.p.font_heading1)

    def paragraph(self, block: prose.Paragraph) -> None:
        para = self._para()
        if block.lead:
            self._run(para, block.lead, self.p.font_heading2)
        if block.text:
            self._run(para, block.text, self.p.font_body)

    def caption(self, text: str) -> None:
        para = self._para(indent=False, align="center", keep_next=True)
        self._run(para, text, self.p.font_heading1, size=self.p.table_caption_size_pt, spacing=False)

    def note(self, text: str) -> None:
        """注： under a table or chart, in the table's type size."""
        para = self._para(indent=False, align="left", line=None)
        set_spacing(para._p.get_or_add_pPr(), line_pt=None, before_pt=3)
        self._run(para, text, self.p.font_table, size=self.p.table_size_pt, spacing=False)

    def chart(self, block: prose.ChartBlock) -> None:
        from reporttool.render.chart import completion_chart

        png = completion_chart(block, self.workdir / "chart.png", self.p)
        para = self._para(indent=False, align="center", line=None, keep_next=True)
        set_spacing(para._p.get_or_add_pPr(), line_pt=None)  # a picture needs single (auto) spacing
        run = self._run(para, "", self.p.font_body, spacing=False)
        run.add_picture(str(png), width=Mm(float(self.p.chart_width_mm)))
        self.caption(block.caption)
        if block.note:
            self.note(block.note)

    def table(self, block: prose.TableBlock) -> None:
        p = self.p
        self.caption(block.caption)
        ncols = len(block.header)
        table = self.doc.add_table(rows=1 + len(block.rows), cols=ncols)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        self.marker._p.addprevious(table._tbl)
        widths = _column_widths(ncols, p)
        tbl_pr = table._tbl.tblPr
        for col, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths):
            col.set(qn("w:w"), str(width))
        tbl_w = tbl_pr.find(qn("w:tblW"))
        if tbl_w is None:
            tbl_w = OxmlElement("w:tblW")
            tbl_pr.append(tbl_w)
        tbl_w.set(qn("w:w"), str(sum(widths)))
        tbl_w.set(qn("w:type"), "dxa")
        _three_line_borders(tbl_pr, p)
        layout = OxmlElement("w:tblLayout")
        layout.set(qn("w:type"), "fixed")
        _tblpr_insert(tbl_pr, layout)
        margins = OxmlElement("w:tblCellMar")
        for side in ("left", "right"):
            el = OxmlElement(f"w:{side}")
            el.set(qn("w:w"), str(mm_to_twips(p.table_cell_margin_mm)))
            el.set(qn("w:type"), "dxa")
            margins.append(el)
        _tblpr_insert(tbl_pr, margins)
        for i, row in enumerate(table.rows):
            header = i == 0
            values = block.header if header else block.rows[i - 1]
            if header:
                tr_pr = row._tr.get_or_add_trPr()
                rep = OxmlElement("w:tblHeader")
                tr_pr.append(rep)
            cant = OxmlElement("w:cantSplit")
            row._tr.get_or_add_trPr().insert(0, cant)
            for j, (cell, value) in enumerate(zip(row.cells, values)):
                cell.width = Twips(widths[j])
                if header:
                    _cell_border(cell, "bottom", p.table_inner_rule_eighths)
                elif block.merge_first_column and i > 1 and values[0] != block.rows[i - 2][0]:
                    _cell_border(cell, "top", p.table_group_rule_eighths)  # a hairline between clusters
                cpara = cell.paragraphs[0]
                ppr = cpara._p.get_or_add_pPr()
                set_spacing(ppr, line_pt=None, before_pt=p.table_cell_padding_pt, after_pt=p.table_cell_padding_pt)
                set_indent(ppr)
                numeric = j >= 2 and not header
                set_align(ppr, "right" if numeric else "center" if header or j == 0 else "left")
                _cell_valign(cell)
                self._run(cpara, value, p.font_table_header if header else p.font_table, size=p.table_size_pt,
                          spacing=False)
        if block.merge_first_column:
            _keep_groups_together(table, block)
            _merge_runs(table, block)
        if block.note:
            self.note(block.note)

    def render(self, blocks: list[prose.Block]) -> None:
        for block in blocks:
            if isinstance(block, prose.Heading):
                self.heading(block)
            elif isinstance(block, prose.Paragraph):
                self.paragraph(block)
            elif isinstance(block, prose.TableBlock):
                self.table(block)
            elif isinstance(block, prose.ChartBlock):
                self.chart(block)
        _remove(self.marker)


def _column_widths(ncols: int, p: BriefProfile) -> list[int]:
    """Column widths in twips filling the text block: the profile's 表1 widths, scaled to the text width."""
    total = p.text_width_twips
    if ncols != len(p.table_columns_mm):
        return [total // ncols] * ncols
    shares = [mm_to_twips(w) for w in p.table_columns_mm]
    widths = [total * s // sum(shares) for s in shares]
    widths[1] += total - sum(widths)
    return widths


# Schema order of the w:tblPr children (CT_TblPr); Word rejects them out of order.
_TBLPR_ORDER = ["w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
                "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders",
                "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription"]


def _tblpr_insert(tbl_pr, el) -> None:
    """Insert ``el`` into w:tblPr at its schema position (replacing one of the same tag)."""
    tag = "w:" + el.tag.split("}")[-1]
    for old in tbl_pr.findall(qn(tag)):
        tbl_pr.remove(old)
    rank = _TBLPR_ORDER.index(tag)
    for i, child in enumerate(tbl_pr):
        name = "w:" + child.tag.split("}")[-1]
        if name in _TBLPR_ORDER and _TBLPR_ORDER.index(name) > rank:
            tbl_pr.insert(i, el)
            return
    tbl_pr.append(el)


def _three_line_borders(tbl_pr, p: BriefProfile) -> None:
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        if side in ("top", "bottom"):
            el.set(qn("w:val"), "single")
            el.set(qn("w:sz"), str(p.table_outer_rule_eighths))
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")
        else:
            el.set(qn("w:val"), "nil")
        borders.append(el)
    _tblpr_insert(tbl_pr, borders)


def _cell_border(cell, side: str, eighths: int) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    borders = tc_pr.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        tc_pr.append(borders)
    el = OxmlElement(f"w:{side}")
    el.set(qn("w:val"), "single")
    el.set(qn("w:sz"), str(eighths))
    el.set(qn("w:space"), "0")
    el.set(qn("w:color"), "000000")
    borders.append(el)


def _cell_valign(cell) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    v = OxmlElement("w:vAlign")
    v.set(qn("w:val"), "center")
    tc_pr.append(v)


def _keep_groups_together(table, block: prose.TableBlock) -> None:
    """Keep the rows of one cluster on one page (keep-with-next on every row but a group's last), so a
    page break never leaves rows under the previous cluster's merged name. Word honours this;
    LibreOffice 7 does not (there the hairline between clusters still shows where a group ends)."""
    for i, values in enumerate(block.rows[:-1], 1):
        if block.rows[i][0] == values[0]:
            for cell in table.rows[i].cells:
                for para in cell.paragraphs:
                    para.paragraph_format.keep_with_next = True


def _merge_runs(table, block: prose.TableBlock) -> None:
    """Merge consecutive equal cells of the first column (one cluster name over its indicators)."""
    start = 1
    for i in range(2, len(block.rows) + 2):
        same = i <= len(block.rows) and block.rows[i - 1][0] == block.rows[start - 1][0]
        if same:
            continue
        if i - 1 > start:
            top = table.cell(start, 0)
            text = top.text
            merged = top.merge(table.cell(i - 1, 0))
            for extra in merged.paragraphs[1:]:
                _remove(extra)
            first = merged.paragraphs[0]
            if first.text != text:  # merge() joins the texts of the merged cells
                for r in first.runs[1:]:
                    r._r.getparent().remove(r._r)
                first.runs[0].text = text
        start = i


# ---- the entry point --------------------------------------------------------------------------------


def _is_marker(text: str) -> bool:
    m = PLACEHOLDER.fullmatch(text.strip())
    return bool(m) and m.group(1) == BODY_MARKER


def _open_template(template: Path):
    if not Path(template).is_file():
        raise ReportToolError(f"找不到简报模板 {template}。可删除后运行 reporttool init 重建，或检查文件名。")
    try:
        return docx.Document(str(template))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ReportToolError(f"简报模板 {template} 无法打开（{type(exc).__name__}），"
                              "请确认它是 Word 文档（.docx），不是 .doc 或 WPS 格式。") from None
    except Exception as exc:  # lxml and python-docx raise a variety of parse errors on a broken file
        raise ReportToolError(f"简报模板 {template} 无法读取（{exc}），请用 Word/WPS 另存为 .docx 后重试。") from None


def write_brief(figures: Figures, cat: Catalogue, dest: Path, *, issue_no: int, template: Path | None = None,
                issued: dt.date | None = None, profile: BriefProfile = DEFAULT_PROFILE) -> Path:
    """Write the 简报 for ``figures`` to ``dest`` (atomically) and return ``dest``.

    ``template`` is the editable .docx (default: the embedded one); ``issued`` the date printed in the
    masthead (default: today). Raises ReportToolError with a Chinese message for a bad template.
    """
    template = Path(template) if template is not None else default_template()
    doc = _open_template(template)
    check_template(doc, template)
    draft = prose.draft(figures, cat)
    values = placeholder_values(figures, cat, issue_no, issued or dt.date.today(), draft)
    marker = next(p for p in _all_paragraphs(doc) if _is_marker(p.text))
    fill_placeholders(doc, values)
    fix_colophon_rules(doc, profile)
    for para in doc.paragraphs:  # a heading never ends a page (also for templates made before this rule)
        if para.style is not None and para.style.name == STYLE_HEADING1:
            para.paragraph_format.keep_with_next = True
    dest = Path(dest)
    with tempfile.TemporaryDirectory(prefix="reporttool-brief-") as work:
        _Renderer(doc, marker, profile, cat, Path(work)).render(draft.blocks)
        doc.core_properties.title = f"{cat.settings.bulletin_name}（{figures.period.year}年第{issue_no}期）"
        doc.core_properties.author = cat.settings.issuing_unit
        doc.core_properties.comments = ""
        with atomic_path(dest) as tmp:
            doc.save(str(tmp))
    return dest


__all__ = ["write_brief", "brief_name", "PLACEHOLDERS", "check_template", "date_text", "mm_to_twips",
           "pt_to_twips"]
