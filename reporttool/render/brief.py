# Over 500 lines: the brief is one GB/T 9704 document laid out in order, masthead to 版记.
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

import copy
import datetime as dt
import re
import tempfile
import zipfile
from decimal import ROUND_FLOOR, Decimal
from importlib import resources
from pathlib import Path

import docx
import docx.text.paragraph
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips

from reporttool.catalogue import Catalogue
from reporttool.core.errors import ReportToolError
from reporttool.core.files import atomic_path
from reporttool.figures import Figures
from reporttool.render import prose, sections
from reporttool.render.brief_template import (
    BODY_MARKER,
    STYLE_COLOPHON,
    STYLE_COPIES,
    STYLE_HEADING1,
    STYLE_MASTHEAD,
    build_template,
    clean_properties,
    clear_borders,
    format_rpr,
    no_hanging_punctuation,
    set_align,
    set_indent,
    set_spacing,
)
from reporttool.render.docx_profile import (
    DEFAULT_PROFILE,
    BriefProfile,
    mm_to_twips,
    pt_to_half_points,
    pt_to_twips,
)
from reporttool.render.names import brief_name
from reporttool.workspace import BRIEF_TEMPLATE

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
    "报告期": "如 2025年1-6月（季度、年度：2025年上半年、2024年全年）",
    "月份": "如 1-6月",
    "时序进度": "如 50",
    "正文": "生成的正文、表格和图表（须单独成段）",
    "滞后集群": "进度滞后的集群名称（无滞后时为“各产业集群”；全年简报为未完成年度目标的集群）",
    "进度要求": "达到时序进度要求（时序进度100%的全年、12月简报：在新的一年按时序进度推进）",
    "报": "设置：简报报",
    "送": "设置：简报送",
    "发": "设置：简报发",
    "印数": "设置：印数",
}


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
    from reporttool.core import fmt

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
        "报告期": figures.period.span_label,  # the one name of the figures (Period.span_label), as the title
        "月份": prose.months_text(figures),
        "时序进度": fmt.trim(figures.time_progress, rd),
        "滞后集群": draft.lagging_phrase,
        "进度要求": "在新的一年按时序进度推进" if draft.full_year else "达到时序进度要求",
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


def _colophon_block(doc) -> list:
    return [p for p in doc.paragraphs if p.style is not None and p.style.name in (STYLE_COLOPHON, STYLE_COPIES)]


_WPS_NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
           'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
           'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
           'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
           'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"')
_EMU_PER_TWIP = 635
COLOPHON_SHAPE_NAME = "版记"  # the text box's name (Word: 选择窗格) and what tests look for


def _colophon_table(doc, block: list, profile: BriefProfile):
    """The closing block as a one-column table as wide as the text block: rules are cell borders (1 pt
    above the first line and below the last, 0.75 pt above the 印数 line), text one character in."""
    width = profile.text_width_twips
    table = doc.add_table(rows=len(block), cols=1)
    tbl = table._tbl
    tbl.getparent().remove(tbl)
    tbl_pr = tbl.tblPr
    tbl_w = OxmlElement("w:tblW")
    tbl_w.set(qn("w:w"), str(width))
    tbl_w.set(qn("w:type"), "dxa")
    _tblpr_insert(tbl_pr, tbl_w)
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    _tblpr_insert(tbl_pr, borders)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    _tblpr_insert(tbl_pr, layout)
    margins = OxmlElement("w:tblCellMar")
    for side in ("top", "left", "bottom", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), "0")
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    _tblpr_insert(tbl_pr, margins)
    for col in tbl.tblGrid.findall(qn("w:gridCol")):
        col.set(qn("w:w"), str(width))
    line = pt_to_twips(profile.body_line_pt)
    for i, (row, para) in enumerate(zip(table.rows, block)):
        tr_pr = row._tr.get_or_add_trPr()
        height = OxmlElement("w:trHeight")
        height.set(qn("w:val"), str(line))
        height.set(qn("w:hRule"), "exact")
        tr_pr.append(height)
        cell = row.cells[0]
        cell.width = Twips(width)
        cell._tc.remove(cell.paragraphs[0]._p)
        cell._tc.append(para._p)  # moves the template's paragraph (its text, style and runs) into the cell
        ppr = para._p.get_or_add_pPr()
        clear_borders(ppr)
        ind = profile.colophon_indent_twips  # text one character in; the cell (and its rules) spans the block
        set_indent(ppr, left=ind, right=ind)
        ppr_keep = ppr.find(qn("w:keepNext"))
        if ppr_keep is not None:
            ppr.remove(ppr_keep)
        if i == 0:
            _cell_border(cell, "top", profile.colophon_outer_rule_eighths)
        if i == len(block) - 1:
            _cell_border(cell, "bottom", profile.colophon_outer_rule_eighths)
        elif block[i + 1].style.name == STYLE_COPIES:
            _cell_border(cell, "bottom", profile.colophon_inner_rule_eighths)
    return tbl, line * len(block)


def place_colophon(doc, profile: BriefProfile):
    """Put the closing block (版记) at the foot of the last page, its rules as wide as the text block.

    The template's 版记/版记印数 paragraphs move into a one-column table inside a text box anchored to the
    bottom of the text block (GB/T 9704: the last rule on the bottom edge of the text block); body text
    flows above it. The box is anchored in an empty paragraph after the body, and the last body paragraph
    is kept with it, so when the block does not fit under the text it moves to the next page together
    with that paragraph: there is never a page holding only the 版记 (which would carry a page number).
    Returns the anchor paragraph (appendices go before it) and the block's height in points, or
    (None, 0) when the template has no closing block.
    """
    block = _colophon_block(doc)
    if not block:
        return None, Decimal(0)
    first = block[0]._p
    # empty body paragraphs right before the block were spacers for the old layout
    prev = first.getprevious()
    while prev is not None and prev.tag == qn("w:p") and not "".join(prev.itertext()).strip() \
            and not prev.findall(".//" + qn("w:drawing")):
        gone, prev = prev, prev.getprevious()
        gone.getparent().remove(gone)
    anchor = OxmlElement("w:p")
    first.addprevious(anchor)
    tbl, height = _colophon_table(doc, block, profile)
    width = profile.text_width_twips
    cx, cy = width * _EMU_PER_TWIP, (height + 40) * _EMU_PER_TWIP
    # wrapped as Word writes a text box (mc:Choice Requires="wps"): Word 2010+, WPS and LibreOffice take the
    # choice; no VML fallback is written (Word 2007 would show nothing there)
    run = parse_xml(
        f'<w:r {_WPS_NS}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
        '<wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" '
        'relativeHeight="251659264" behindDoc="0" locked="0" layoutInCell="1" allowOverlap="0">'
        '<wp:simplePos x="0" y="0"/>'
        '<wp:positionH relativeFrom="margin"><wp:align>center</wp:align></wp:positionH>'
        '<wp:positionV relativeFrom="margin"><wp:align>bottom</wp:align></wp:positionV>'
        f'<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapTopAndBottom/>'
        f'<wp:docPr id="9001" name="{COLOPHON_SHAPE_NAME}"/><wp:cNvGraphicFramePr/>'
        '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        '<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr>'
        f'<a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/><a:ln><a:noFill/></a:ln></wps:spPr>'
        '<wps:txbx><w:txbxContent/></wps:txbx>'
        '<wps:bodyPr rot="0" vert="horz" wrap="square" lIns="0" tIns="0" rIns="0" bIns="0" anchor="b" '
        'anchorCtr="0"><a:noAutofit/></wps:bodyPr></wps:wsp></a:graphicData></a:graphic></wp:anchor>'
        '</w:drawing></mc:Choice></mc:AlternateContent></w:r>')
    content = run.find(".//" + qn("w:txbxContent"))
    content.append(tbl)
    content.append(OxmlElement("w:p"))  # a text box's content ends with a paragraph
    anchor.append(run)
    para = docx.text.paragraph.Paragraph(anchor, block[0]._parent)
    ppr = anchor.get_or_add_pPr()
    set_spacing(ppr, line_pt=1)  # the anchor takes no room of its own
    set_indent(ppr)
    return para, Decimal(height) / 20 + 1


def keep_last_paragraph_with(anchor) -> None:
    """The paragraph before the 版记's anchor goes to the next page with it (no 版记-only page)."""
    prev = anchor._p.getprevious()
    while prev is not None and prev.tag != qn("w:p"):
        prev = prev.getprevious()
    if prev is not None:
        docx.text.paragraph.Paragraph(prev, anchor._parent).paragraph_format.keep_with_next = True


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

    def closing_note(self, block: prose.NoteBlock) -> None:
        """An item of the 附注: 4号 仿宋 on a tighter line, indented like the body; the 附注 is kept together
        (and with the 版记 that follows it)."""
        p = self.p
        para = self._para(line=p.note_line_pt, keep_next=True)
        set_indent(para._p.get_or_add_pPr(), first_line=pt_to_twips(p.colophon_size_pt * p.body_indent_chars))
        self._run(para, block.text, p.font_body, size=p.colophon_size_pt, spacing=False)

    def caption(self, text: str) -> None:
        para = self._para(indent=False, align="center", keep_next=True)
        self._run(para, text, self.p.font_heading1, size=self.p.table_caption_size_pt, spacing=False)

    def note(self, text: str, line_pt: Decimal | None = None) -> None:
        """注： under a table or chart, in the table's type size."""
        para = self._para(indent=False, align="left", line=None)
        set_spacing(para._p.get_or_add_pPr(), line_pt=line_pt, before_pt=3)
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

    def trend(self, block: prose.TrendBlock) -> None:
        """图2 (render/chart.py trend_chart) placed as 图1 is, with its caption and note."""
        from reporttool.render.chart import trend_chart

        png = trend_chart(block, self.workdir / "trend.png", self.p)
        para = self._para(indent=False, align="center", line=None, keep_next=True)
        set_spacing(para._p.get_or_add_pPr(), line_pt=None)
        run = self._run(para, "", self.p.font_body, spacing=False)
        run.add_picture(str(png), width=Mm(float(self.p.chart_width_mm)))
        self.caption(block.caption)
        if block.note:
            self.note(block.note)

    def appendix(self, block: prose.TableBlock, reserve_pt: Decimal = Decimal(0)) -> None:
        """The table as an attachment (附件) starting on a new page: "附件" on line 1, its title centred
        below, then the table. Row heights are fixed, so the renderer knows where each page ends: it
        splits the table there and starts the next part with "续表" and the repeated header row, never
        inside a cluster when the cluster fits on the next page. ``reserve_pt`` is kept free under the
        last part besides its note. What follows (the 附注) flows on; the 版记 stays with the last paragraph."""
        p = self.p
        label = self._para(indent=False, align="left")
        label.paragraph_format.page_break_before = True
        self._run(label, "附件", p.font_heading1, spacing=False)
        title = self._para(indent=False, align="center", line=p.title_line_pt, keep_next=True)
        title_lines = wrap_text(block.caption, p.text_width_pt / p.title_size_pt - Decimal("0.5"))
        self._run(title, "\n".join(title_lines), p.font_title, size=p.title_size_pt, spacing=False)
        widths = _column_widths(len(block.header), p)
        header = [_wrap_cell(h, w, p) for h, w in zip(block.header, widths)]
        rows = [[_wrap_cell(v, w, p) for v, w in zip(values, widths)] for values in block.rows]
        line = p.table_line_pt
        pad = p.table_cell_padding_pt * 2
        header_h = line * max(len(c) for c in header) + pad
        skip = 1 if block.merge_first_column else 0  # a merged cluster name spans its group's rows
        lines = [max(len(c) for c in r[skip:]) for r in rows]
        if skip:  # the group's last row grows when the cluster name needs more lines than the group has
            i = 0
            while i < len(rows):
                j = i
                while j + 1 < len(rows) and block.rows[j + 1][0] == block.rows[i][0]:
                    j += 1
                lines[j] += max(0, len(rows[i][0]) - sum(lines[i:j + 1]))
                i = j + 1
        heights = [line * n + pad for n in lines]
        body_line = p.body_line_pt
        safety = body_line  # LibreOffice/Word round row heights; one line of slack per page
        first_cap = p.text_height_pt - body_line - p.title_line_pt * len(title_lines) - header_h - safety
        next_cap = p.text_height_pt - body_line - header_h - safety
        note_h = (_text_lines(block.note, p.text_width_pt, p.table_size_pt) * line + 3) if block.note else 0
        pages = _paginate([r[0] for r in block.rows], heights, first_cap, next_cap, Decimal(note_h) + reserve_pt)
        start = 0
        for k, count in enumerate(pages):
            if k:
                cont = self._para(indent=False, align="left", keep_next=True)
                cont.paragraph_format.page_break_before = True
                self._run(cont, "续表", p.font_heading1, spacing=False)
            part = slice(start, start + count)
            self._table(block, header, rows[part], block.rows[part], widths, _part_lines(rows[part], lines[part],
                                                                                          block.rows[part], skip))
            start += count
        if block.note:
            self.note(block.note, line_pt=line)

    def _table(self, block: prose.TableBlock, header: list[list[str]], rows: list[list[list[str]]],
               raw: list[list[str]],
               widths: list[int], body_lines: list[int]) -> None:
        p = self.p
        row_lines = [max(len(c) for c in header), *body_lines]
        ncols = len(header)
        table = self.doc.add_table(rows=1 + len(rows), cols=ncols)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        self.marker._p.addprevious(table._tbl)
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
        line, pad = p.table_line_pt, p.table_cell_padding_pt
        for i, row in enumerate(table.rows):
            is_header = i == 0
            values = header if is_header else rows[i - 1]
            tr_pr = row._tr.get_or_add_trPr()
            tr_pr.append(OxmlElement("w:cantSplit"))
            # at least the lines counted here (the page breaks are computed from them), growing when a
            # renderer wraps a cell into more lines than counted, rather than clipping its last line
            height = OxmlElement("w:trHeight")
            height.set(qn("w:val"), str(pt_to_twips(line * row_lines[i] + pad * 2)))
            height.set(qn("w:hRule"), "atLeast")
            tr_pr.append(height)
            if is_header:
                tr_pr.append(OxmlElement("w:tblHeader"))
            for j, (cell, lines) in enumerate(zip(row.cells, values)):
                cell.width = Twips(widths[j])
                if is_header:
                    _cell_border(cell, "bottom", p.table_inner_rule_eighths)
                elif block.merge_first_column and i > 1 and raw[i - 1][0] != raw[i - 2][0]:
                    _cell_border(cell, "top", p.table_group_rule_eighths)  # a hairline between clusters
                cpara = cell.paragraphs[0]
                ppr = cpara._p.get_or_add_pPr()
                set_spacing(ppr, line_pt=line, before_pt=0, after_pt=0)
                set_indent(ppr)
                numeric = j >= 2 and not is_header
                set_align(ppr, "right" if numeric else "center" if is_header or j == 0 else "left")
                _cell_valign(cell)
                self._run(cpara, "\n".join(lines), p.font_table_header if is_header else p.font_table,
                          size=p.table_size_pt, spacing=False)
        if block.merge_first_column:
            _merge_runs(table, raw)

    def render(self, blocks: list[prose.Block], *, keep_marker: bool = False,
               reserve_pt: Decimal = Decimal(0)) -> None:
        for block in blocks:
            if isinstance(block, prose.Heading):
                self.heading(block)
            elif isinstance(block, prose.Paragraph):
                self.paragraph(block)
            elif isinstance(block, prose.NoteBlock):
                self.closing_note(block)
            elif isinstance(block, prose.TableBlock):
                self.appendix(block, reserve_pt)
            elif isinstance(block, prose.ChartBlock):
                self.chart(block)
            elif isinstance(block, prose.TrendBlock):
                self.trend(block)
        if not keep_marker:
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


def _merge_runs(table, raw: list[list[str]]) -> None:
    """Merge consecutive equal cells of the first column (one cluster name over its indicators).

    The column's cells are taken once (Table.cell builds the whole grid at each call); merging a group
    leaves the cells of the groups below it as they were."""
    column = table.column_cells(0)
    start = 1
    for i in range(2, len(raw) + 2):
        same = i <= len(raw) and raw[i - 1][0] == raw[start - 1][0]
        if same:
            continue
        if i - 1 > start:
            top = column[start]
            xml_runs = [copy.deepcopy(r) for r in top.paragraphs[0]._p.findall(qn("w:r"))]
            merged = top.merge(column[i - 1])
            for extra in merged.paragraphs[1:]:
                _remove(extra)
            first = merged.paragraphs[0]._p
            for r in first.findall(qn("w:r")):  # merge() joins the texts of the merged cells
                first.remove(r)
            for r in xml_runs:
                first.append(r)
        start = i


def _part_lines(rows: list[list[list[str]]], lines: list[int], raw: list[list[str]], skip: int) -> list[int]:
    """Row heights (in lines) of one part of a split table: a group cut by a page break needs room for the
    cluster name again in the part where it continues."""
    out = list(lines)
    if skip and rows:
        j = 0
        while j + 1 < len(rows) and raw[j + 1][0] == raw[0][0]:
            j += 1
        out[j] += max(0, len(rows[0][0]) - sum(out[:j + 1]))
    return out


# ---- text measuring (for fixed row heights and page breaks) ------------------------------------------

_UNIT = re.compile(r"（[^（）]{1,12}）")  # a unit or period in brackets, （亿元）, （2025年1-6月）: kept whole


_NARROW = {".": Decimal("0.25"), ",": Decimal("0.25"), "-": Decimal("0.34"), " ": Decimal("0.25"),
           "%": Decimal("0.84"), "*": Decimal("0.5")}


def _char_em(ch: str) -> Decimal:
    """Width of a character in ems (Times New Roman for ASCII: digits half an em; CJK one em)."""
    if ord(ch) >= 0x2E80:
        return Decimal(1)
    if ch in _NARROW:
        return _NARROW[ch]
    return Decimal("0.72") if ch.isupper() else Decimal("0.5")


def _width_em(text: str) -> Decimal:
    return sum((_char_em(c) for c in text), Decimal(0))


def _text_lines(text: str, width_pt: Decimal, size_pt: Decimal) -> int:
    """Lines a paragraph of ``text`` takes (rounded up, plus one for kinsoku slack on long texts)."""
    per_line = width_pt / size_pt
    total = 0
    for part in text.split("\n"):
        need = _width_em(part) / per_line
        lines = int(need) + (0 if need == int(need) else 1)
        total += max(1, lines + (1 if lines > 2 else 0))
    return total


def _wrap_cell(text: str, width_twips: int, p: BriefProfile) -> list[str]:
    """``text`` broken into the lines a table cell shows; explicit line breaks ("\n") are kept, and a unit
    in brackets such as （亿元） is never split: it moves to the next line whole."""
    usable = (Decimal(width_twips) / 20 - Decimal(2) * p.table_cell_margin_mm * 72 / Decimal("25.4"))
    return wrap_text(text, usable / p.table_size_pt - Decimal("0.02"))  # a little slack for font differences


def wrap_text(text: str, per_line: Decimal) -> list[str]:
    """``text`` broken into lines of at most ``per_line`` ems, never inside a bracketed unit or period."""
    out: list[str] = []
    for part in text.split("\n"):
        tokens: list[str] = []
        pos = 0
        for m in _UNIT.finditer(part):
            tokens.extend(part[pos:m.start()])
            tokens.append(m.group(0))
            pos = m.end()
        tokens.extend(part[pos:])
        # a bracketed unit wider than a line itself (“（2025年）” in a narrow column) is broken like any text:
        # kept whole, the renderer would break it again and the row, sized by these lines, would clip it
        tokens = [x for tok in tokens for x in ([tok] if len(tok) == 1 or _width_em(tok) <= per_line else tok)]
        line, width = "", Decimal(0)
        for tok in tokens:
            w = _width_em(tok)
            if line and width + w > per_line:
                out.append(line)
                line, width = "", Decimal(0)
            line += tok
            width += w
        out.append(line)
    return out


def _paginate(labels: list[str], heights: list[Decimal], first_cap: Decimal, next_cap: Decimal,
              reserve: Decimal) -> list[int]:
    """How many rows go on each page: rows of one group (same label) stay together when the group fits on
    a page; the last page keeps ``reserve`` free."""
    groups: list[list[int]] = []
    for i, label in enumerate(labels):
        if groups and labels[groups[-1][0]] == label:
            groups[-1].append(i)
        else:
            groups.append([i])
    pages: list[list[int]] = [[]]
    cap, used = first_cap, Decimal(0)
    for group in groups:
        need = sum((heights[i] for i in group), Decimal(0))
        if pages[-1] and used + need > cap and need <= next_cap:
            pages.append([])
            cap, used = next_cap, Decimal(0)
        for i in group:
            if pages[-1] and used + heights[i] > cap:
                pages.append([])
                cap, used = next_cap, Decimal(0)
            pages[-1].append(i)
            used += heights[i]
    if used + reserve > cap and len(pages[-1]) > 1:  # the note and the closing block must fit under the rows
        moved: list[int] = []
        while len(pages[-1]) > 1 and used + reserve > cap:
            i = pages[-1].pop()
            used -= heights[i]
            moved.insert(0, i)
        pages.append(moved)
    return [len(pg) for pg in pages if pg]


# ---- the entry point --------------------------------------------------------------------------------


def _is_marker(text: str) -> bool:
    m = PLACEHOLDER.fullmatch(text.strip())
    return m is not None and m.group(1) == BODY_MARKER


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


def fit_masthead(doc, profile: BriefProfile) -> None:
    """A long 简报名称 stays on one line: its type shrinks from the profile's size (about 初号) to what fits
    the text block, not below ``masthead_min_size_pt`` (then it wraps)."""
    for para in doc.paragraphs:
        if para.style is None or para.style.name != STYLE_MASTHEAD or not para.text.strip():
            continue
        width = _width_em(para.text.strip())
        size = min(profile.masthead_size_pt, (profile.text_width_pt / width).quantize(Decimal("0.5"),
                                                                                      rounding=ROUND_FLOOR))
        size = max(size, profile.masthead_min_size_pt)
        if size == profile.masthead_size_pt:
            continue
        for run in para.runs:
            rpr = run._r.get_or_add_rPr()
            for tag in ("w:sz", "w:szCs"):
                for el in rpr.findall(qn(tag)):
                    rpr.remove(el)
            run.font.size = Pt(float(size))
            szcs = OxmlElement("w:szCs")
            szcs.set(qn("w:val"), str(pt_to_half_points(size)))
            rpr.find(qn("w:sz")).addnext(szcs)


def write_brief(figures: Figures, cat: Catalogue, dest: Path, *, issue_no: int, template: Path | None = None,
                issued: dt.date | None = None, profile: BriefProfile = DEFAULT_PROFILE,
                now: dt.datetime | None = None) -> Path:
    """Write the 简报 for ``figures`` to ``dest`` (atomically) and return ``dest``.

    ``template`` is the editable .docx (default: the embedded one); ``issued`` the date printed in the
    masthead (default: today); ``now`` the documents' created/modified time (default: now). Raises
    ReportToolError with a Chinese message for a bad template.
    """
    template = Path(template) if template is not None else default_template()
    doc = _open_template(template)
    check_template(doc, template)
    draft = sections.draft(figures, cat)  # sections drafts from prose's helpers (no prose <-> sections cycle)
    values = placeholder_values(figures, cat, issue_no, issued or dt.date.today(), draft)
    marker = next(p for p in _all_paragraphs(doc) if _is_marker(p.text))
    fill_placeholders(doc, values)
    fit_masthead(doc, profile)
    no_hanging_punctuation(doc)  # also for templates made before this rule
    for para in doc.paragraphs:  # a heading never ends a page (also for templates made before this rule)
        if para.style is not None and para.style.name == STYLE_HEADING1:
            para.paragraph_format.keep_with_next = True
    anchor, _ = place_colophon(doc, profile)
    dest = Path(dest)
    with tempfile.TemporaryDirectory(prefix="reporttool-brief-") as work:
        _Renderer(doc, marker, profile, cat, Path(work)).render(draft.blocks)
        if draft.appendix:
            end = anchor if anchor is not None else doc.add_paragraph()
            _Renderer(doc, end, profile, cat, Path(work)).render(draft.appendix, keep_marker=anchor is not None)
        if anchor is not None:
            keep_last_paragraph_with(anchor)
        clean_properties(doc, title=f"{cat.settings.bulletin_name}（{figures.period.year}年第{issue_no}期）",
                         author=cat.settings.issuing_unit, now=now)
        with atomic_path(dest) as tmp:
            doc.save(str(tmp))
    return dest


__all__ = ["write_brief", "brief_name", "PLACEHOLDERS", "check_template", "date_text", "mm_to_twips",
           "pt_to_twips"]
