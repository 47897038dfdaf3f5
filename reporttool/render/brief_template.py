"""Build the default editable 简报 template (templates/brief.docx) and the OOXML helpers it needs.

The template holds what a bureau edits by hand: the masthead, the title wording, the fixed 下步工作
paragraphs and the closing block (版记), with {{占位符}} that reporttool fills in. The generated
prose, table and chart go where the paragraph holding only {{正文}} stands. docs/brief.md lists every
placeholder. Rebuild the shipped file with ``python -m reporttool.render.brief_template templates/brief.docx``.

python-docx's own base document is US Letter, maps Chinese to a Japanese theme font and adds 10 pt after
every paragraph; ``new_base_document`` resets all of that to the profile.
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import docx
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Twips

from reporttool.core.files import atomic_path
from reporttool.render.docx_profile import (
    DEFAULT_PROFILE,
    BriefProfile,
    mm_to_twips,
    pt_to_half_points,
    pt_to_twips,
)

# Paragraph styles of the template (names are what users see in Word/WPS's style list).
STYLE_MASTHEAD = "简报刊头"
STYLE_ISSUE = "简报期号"
STYLE_UNIT_LINE = "简报编发"
STYLE_TITLE = "简报标题"
STYLE_BODY = "简报正文"
STYLE_HEADING1 = "简报一级标题"
STYLE_COLOPHON = "版记"
STYLE_COPIES = "版记印数"

BODY_MARKER = "正文"  # {{正文}}: where the generated content goes

_THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


# --------------------------------------------------------------------------------------------------
# OOXML helpers (shared with render/brief.py)
# --------------------------------------------------------------------------------------------------


def _child(parent, tag: str):
    """The first child ``tag`` of ``parent``, created (appended) when absent."""
    el = parent.find(qn(tag))
    if el is None:
        el = OxmlElement(tag)
        parent.append(el)
    return el


def set_fonts(rpr, east_asia: str, latin: str) -> None:
    """Set all four font slots explicitly (Chinese in w:eastAsia) and drop theme font attributes."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in _THEME_ATTRS:
        if fonts.get(qn(attr)) is not None:
            del fonts.attrib[qn(attr)]
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:hint"), "eastAsia")


def format_rpr(rpr, *, east_asia: str, latin: str, size_pt, bold: bool = False, colour: str | None = None,
               spacing_pt=None) -> None:
    """Fonts, size, bold, colour and character spacing of a run or style run-properties element."""
    set_fonts(rpr, east_asia, latin)
    for tag in ("w:b", "w:bCs", "w:color", "w:spacing", "w:sz", "w:szCs"):
        for el in rpr.findall(qn(tag)):
            rpr.remove(el)
    # CT_RPr has a fixed child order; append in schema order after rFonts.
    if bold:
        rpr.append(OxmlElement("w:b"))
        rpr.append(OxmlElement("w:bCs"))
    if colour:
        c = OxmlElement("w:color")
        c.set(qn("w:val"), colour)
        rpr.append(c)
    if spacing_pt is not None:
        s = OxmlElement("w:spacing")
        s.set(qn("w:val"), str(pt_to_twips(spacing_pt)))
        rpr.append(s)
    for tag in ("w:sz", "w:szCs"):
        el = OxmlElement(tag)
        el.set(qn("w:val"), str(pt_to_half_points(size_pt)))
        rpr.append(el)
    lang = rpr.find(qn("w:lang"))
    if lang is not None:  # w:lang comes after w:sz in the schema
        rpr.remove(lang)
        rpr.append(lang)


def set_spacing(ppr, *, line_pt=None, exact: bool = True, before_pt=0, after_pt=0) -> None:
    """Paragraph spacing: no space before/after, line height exact (or at least) ``line_pt``."""
    sp = ppr.find(qn("w:spacing"))
    if sp is None:
        sp = OxmlElement("w:spacing")
        _insert_ppr_child(ppr, sp)
    sp.attrib.clear()
    sp.set(qn("w:before"), str(pt_to_twips(before_pt)))
    sp.set(qn("w:after"), str(pt_to_twips(after_pt)))
    if line_pt is not None:
        sp.set(qn("w:line"), str(pt_to_twips(line_pt)))
        sp.set(qn("w:lineRule"), "exact" if exact else "atLeast")
    else:
        sp.set(qn("w:line"), "240")
        sp.set(qn("w:lineRule"), "auto")


def set_indent(ppr, *, first_line: int = 0, left: int = 0, right: int = 0) -> None:
    """Indents in twips (first line indent of two 3号 characters = 640)."""
    ind = ppr.find(qn("w:ind"))
    if ind is None:
        ind = OxmlElement("w:ind")
        _insert_ppr_child(ppr, ind)
    ind.attrib.clear()
    ind.set(qn("w:left"), str(left))
    ind.set(qn("w:right"), str(right))
    ind.set(qn("w:firstLine"), str(first_line))


def set_border(ppr, side: str, eighths: int, colour: str = "000000", space: int = 1) -> None:
    """A paragraph border (side: top/bottom) of ``eighths`` eighths of a point: rules and red rules."""
    bdr = ppr.find(qn("w:pBdr"))
    if bdr is None:
        bdr = OxmlElement("w:pBdr")
        _insert_ppr_child(ppr, bdr)
    for el in bdr.findall(qn(f"w:{side}")):
        bdr.remove(el)
    el = OxmlElement(f"w:{side}")
    el.set(qn("w:val"), "single")
    el.set(qn("w:sz"), str(eighths))
    el.set(qn("w:space"), str(space))
    el.set(qn("w:color"), colour)
    if side == "top":
        bdr.insert(0, el)
    else:
        bdr.append(el)


def clear_borders(ppr) -> None:
    for el in ppr.findall(qn("w:pBdr")):
        ppr.remove(el)


# Schema order of the pPr children we touch.
_PPR_ORDER = ["w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
              "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens",
              "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN",
              "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
              "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
              "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr",
              "w:pPrChange"]


def _insert_ppr_child(ppr, el) -> None:
    rank = _rank(el)
    for i, existing in enumerate(ppr):
        if _rank(existing) > rank:
            ppr.insert(i, el)
            return
    ppr.append(el)


def _rank(el) -> int:
    tag = "w:" + el.tag.split("}")[-1]
    return _PPR_ORDER.index(tag) if tag in _PPR_ORDER else len(_PPR_ORDER)


def no_hanging_punctuation(doc) -> None:
    """No punctuation hanging into the right margin (w:overflowPunct off in the document defaults): a line
    ending in "，" keeps the comma inside the text block, as GB/T 9704's 156 mm block requires."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    ppr_default = defaults.find(qn("w:pPrDefault"))
    if ppr_default is None:
        ppr_default = OxmlElement("w:pPrDefault")
        defaults.append(ppr_default)
    ppr = _child(ppr_default, "w:pPr")
    for el in ppr.findall(qn("w:overflowPunct")):
        ppr.remove(el)
    el = OxmlElement("w:overflowPunct")
    el.set(qn("w:val"), "0")
    _insert_ppr_child(ppr, el)


def set_align(ppr, value: str) -> None:
    """w:jc: left / center / right / both."""
    jc = ppr.find(qn("w:jc"))
    if jc is None:
        jc = OxmlElement("w:jc")
        _insert_ppr_child(ppr, jc)
    jc.set(qn("w:val"), value)


def add_right_tab(ppr, pos_twips: int) -> None:
    tabs = ppr.find(qn("w:tabs"))
    if tabs is None:
        tabs = OxmlElement("w:tabs")
        _insert_ppr_child(ppr, tabs)
    tab = OxmlElement("w:tab")
    tab.set(qn("w:val"), "right")
    tab.set(qn("w:pos"), str(pos_twips))
    tabs.append(tab)


def add_page_field(paragraph, pattern: str, rpr_setup) -> None:
    """Append "— {PAGE} —" to ``paragraph`` with a real PAGE field; ``rpr_setup(run)`` formats each run."""
    before, _, after = pattern.partition("{PAGE}")

    def run_with(*children, text: str | None = None):
        run = paragraph.add_run(text)
        rpr_setup(run)
        for child in children:
            run._r.append(child)
        return run

    if before:
        run_with(text=before)
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    run_with(instr)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    run_with(text="1")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)
    if after:
        run_with(text=after)


# --------------------------------------------------------------------------------------------------
# Document properties
# --------------------------------------------------------------------------------------------------

_THUMBNAIL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"
_APP_XML = """<?xml version='1.0' encoding='UTF-8' standalone='yes'?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" \
xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">\
<Application>{application}</Application><Company>{company}</Company><DocSecurity>0</DocSecurity>\
<ScaleCrop>false</ScaleCrop><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>\
<HyperlinksChanged>false</HyperlinksChanged></Properties>"""


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clean_properties(doc, *, title: str, author: str, now: dt.datetime | None = None,
                     application: str = "reporttool") -> None:
    """Document properties a bureau can publish: created/modified now, author and company the issuing unit,
    language zh-CN; no leftovers of python-docx's base file (a 2013 "Microsoft Macintosh Word" app.xml, a
    US-Letter thumbnail, a ja-JP theme language)."""
    now = (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
    if now.tzinfo is not None:  # core.xml stores UTC without an offset
        now = now.astimezone(dt.timezone.utc).replace(tzinfo=None)
    props = doc.core_properties
    props.title = title
    props.author = author
    props.last_modified_by = author
    props.created = now
    props.modified = now
    props.language = "zh-CN"
    props.comments = ""
    props.revision = 1
    package = doc.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype == _THUMBNAIL:
            del package.rels[rid]
        elif rel.reltype.endswith("/extended-properties"):
            rel.target_part._blob = _APP_XML.format(application=_xml_text(application),
                                                   company=_xml_text(author)).encode("utf-8")
    lang = doc.settings.element.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:val"), "zh-CN")
        lang.set(qn("w:eastAsia"), "zh-CN")


# --------------------------------------------------------------------------------------------------
# The base document and the template
# --------------------------------------------------------------------------------------------------


def new_base_document(profile: BriefProfile = DEFAULT_PROFILE) -> Document:
    """An empty document on the profile: A4, GB/T 9704 margins, Chinese fonts, no theme fonts, no gaps.

    Also sets odd/even page footers with a PAGE field ("— 1 —" right on odd pages, left on even).
    """
    doc = docx.Document()
    styles = doc.styles.element
    # document defaults: explicit fonts, Chinese language, 3号, no space after paragraphs
    rpr_default = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    format_rpr(rpr_default, east_asia=profile.font_body, latin=profile.font_latin, size_pt=profile.body_size_pt)
    lang = rpr_default.find(qn("w:lang"))
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    ppr_default = styles.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    set_spacing(ppr_default, line_pt=profile.body_line_pt)
    no_hanging_punctuation(doc)
    # no style may pull in a theme (Japanese/Latin) font
    for fonts in styles.iter(qn("w:rFonts")):
        for attr in _THEME_ATTRS:
            if fonts.get(qn(attr)) is not None:
                del fonts.attrib[qn(attr)]
    normal = doc.styles["Normal"]
    format_rpr(normal.element.get_or_add_rPr(), east_asia=profile.font_body, latin=profile.font_latin,
               size_pt=profile.body_size_pt)
    set_spacing(normal.element.get_or_add_pPr(), line_pt=profile.body_line_pt)

    section = doc.sections[0]
    section.page_width = Twips(mm_to_twips(profile.page_width_mm))
    section.page_height = Twips(mm_to_twips(profile.page_height_mm))
    section.top_margin = Twips(mm_to_twips(profile.margin_top_mm))
    section.bottom_margin = Twips(mm_to_twips(profile.margin_bottom_mm))
    section.left_margin = Twips(mm_to_twips(profile.margin_left_mm))
    section.right_margin = Twips(mm_to_twips(profile.margin_right_mm))
    section.header_distance = Twips(mm_to_twips(profile.header_distance_mm))
    section.footer_distance = Twips(mm_to_twips(profile.footer_distance_mm))
    section.gutter = Twips(0)
    doc.settings.odd_and_even_pages_header_footer = True

    def page_run(run) -> None:
        format_rpr(run._r.get_or_add_rPr(), east_asia=profile.font_page_number,
                   latin=profile.font_page_number_latin, size_pt=profile.page_number_size_pt)

    indent = profile.page_number_indent_twips
    for footer, align, left, right in ((section.footer, "right", 0, indent),
                                       (section.even_page_footer, "left", indent, 0)):
        footer.is_linked_to_previous = False
        para = footer.paragraphs[0]
        ppr = para._p.get_or_add_pPr()
        set_spacing(ppr, line_pt=None)
        set_indent(ppr, left=left, right=right)
        set_align(ppr, align)
        add_page_field(para, profile.page_number_format, page_run)
    return doc


def _paragraph_style(doc, name: str, *, east_asia: str, latin: str, size_pt, line_pt, exact: bool = True,
                     align: str = "both", first_line: int = 0, left: int = 0, right: int = 0,
                     colour: str | None = None, bold: bool = False, spacing_pt=None):
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles["Normal"]
    style.quick_style = True
    format_rpr(style.element.get_or_add_rPr(), east_asia=east_asia, latin=latin, size_pt=size_pt, bold=bold,
               colour=colour, spacing_pt=spacing_pt)
    ppr = style.element.get_or_add_pPr()
    set_spacing(ppr, line_pt=line_pt, exact=exact)
    set_indent(ppr, first_line=first_line, left=left, right=right)
    set_align(ppr, align)
    return style


def add_styles(doc, profile: BriefProfile = DEFAULT_PROFILE) -> None:
    """The template's named paragraph styles (editable in Word/WPS: 格式 → 样式)."""
    p = profile
    _paragraph_style(doc, STYLE_MASTHEAD, east_asia=p.font_masthead, latin=p.font_masthead,
                     size_pt=p.masthead_size_pt, line_pt=p.masthead_line_pt, align="center",
                     colour=p.masthead_colour)
    _paragraph_style(doc, STYLE_ISSUE, east_asia=p.font_body, latin=p.font_latin, size_pt=p.issue_size_pt,
                     line_pt=p.body_line_pt, align="center")
    unit = _paragraph_style(doc, STYLE_UNIT_LINE, east_asia=p.font_body, latin=p.font_latin,
                            size_pt=p.unit_line_size_pt, line_pt=p.body_line_pt, align="left")
    unit_ppr = unit.element.get_or_add_pPr()
    add_right_tab(unit_ppr, p.text_width_twips)
    set_border(unit_ppr, "bottom", p.red_rule_eighths, p.red_rule_colour, space=4)
    _paragraph_style(doc, STYLE_TITLE, east_asia=p.font_title, latin=p.font_title, size_pt=p.title_size_pt,
                     line_pt=p.title_line_pt, align="center")
    _paragraph_style(doc, STYLE_BODY, east_asia=p.font_body, latin=p.font_latin, size_pt=p.body_size_pt,
                     line_pt=p.body_line_pt, first_line=p.body_indent_twips, spacing_pt=p.body_char_spacing_pt)
    heading = _paragraph_style(doc, STYLE_HEADING1, east_asia=p.font_heading1, latin=p.font_latin,
                               size_pt=p.body_size_pt, line_pt=p.body_line_pt, first_line=p.body_indent_twips,
                               spacing_pt=p.body_char_spacing_pt)
    heading.paragraph_format.keep_with_next = True  # a heading never ends a page
    ind = p.colophon_indent_twips
    _paragraph_style(doc, STYLE_COLOPHON, east_asia=p.font_body, latin=p.font_latin, size_pt=p.colophon_size_pt,
                     line_pt=p.body_line_pt, align="left", left=ind, right=ind)
    _paragraph_style(doc, STYLE_COPIES, east_asia=p.font_body, latin=p.font_latin, size_pt=p.colophon_size_pt,
                     line_pt=p.body_line_pt, align="right", left=ind, right=ind)


# The template's text: (style, [(run text, run kind)]). Run kinds: "" plain, "kai" 楷体 lead-in.
TEMPLATE_TEXT: list[tuple[str, list[tuple[str, str]]]] = [
    (STYLE_MASTHEAD, [("{{简报名称}}", "")]),
    (STYLE_ISSUE, [("第{{期号}}期", "")]),
    (STYLE_UNIT_LINE, [("{{编发单位}}\t{{日期}}", "")]),
    (STYLE_BODY, []),
    (STYLE_TITLE, [("{{全域}}{{集群工作名称}}{{月份}}运行情况", "")]),
    (STYLE_BODY, []),
    (STYLE_BODY, [("{{正文}}", "")]),
    (STYLE_HEADING1, [("四、下步工作", "")]),
    (STYLE_BODY, [("（一）加强调度督导。", "kai"),
                  ("对{{滞后集群}}，牵头单位要会同责任单位和相关{{报送单位}}深入分析原因，逐项制定推进措施，"
                   "确保各项指标{{进度要求}}。", "")]),
    (STYLE_BODY, [("（二）抓好项目建设。", "kai"),
                  ("聚焦集群重点项目，协调解决用地、资金、能耗等要素保障问题，推动签约项目尽快开工、"
                   "在建项目加快建设、竣工项目早日达产见效。", "")]),
    (STYLE_BODY, [("（三）提高报送质量。", "kai"),
                  ("各{{全部报送单位}}要按时报送集群数据，对审核发现的问题及时核实修改，确保数据真实、准确、完整。", "")]),
    (STYLE_BODY, []),
    (STYLE_COLOPHON, [("报：{{报}}", "")]),
    (STYLE_COLOPHON, [("送：{{送}}", "")]),
    (STYLE_COLOPHON, [("发：{{发}}", "")]),
    (STYLE_COPIES, [("（共印{{印数}}份）", "")]),
]


def _run_format(style: str, p: BriefProfile):
    """(east-Asian font, Latin font, size, colour, character spacing) of a run in ``style``."""
    return {
        STYLE_MASTHEAD: (p.font_masthead, p.font_masthead, p.masthead_size_pt, p.masthead_colour, None),
        STYLE_ISSUE: (p.font_body, p.font_latin, p.issue_size_pt, None, None),
        STYLE_UNIT_LINE: (p.font_body, p.font_latin, p.unit_line_size_pt, None, None),
        STYLE_TITLE: (p.font_title, p.font_title, p.title_size_pt, None, None),
        STYLE_HEADING1: (p.font_heading1, p.font_latin, p.body_size_pt, None, p.body_char_spacing_pt),
        STYLE_COLOPHON: (p.font_body, p.font_latin, p.colophon_size_pt, None, None),
        STYLE_COPIES: (p.font_body, p.font_latin, p.colophon_size_pt, None, None),
    }.get(style, (p.font_body, p.font_latin, p.body_size_pt, None, p.body_char_spacing_pt))


def build_template(dest: Path, profile: BriefProfile = DEFAULT_PROFILE) -> Path:
    """Write the default editable template to ``dest`` (atomically) and return ``dest``."""
    doc = new_base_document(profile)
    add_styles(doc, profile)
    for style, runs in TEMPLATE_TEXT:
        para = doc.add_paragraph(style=doc.styles[style])
        for text, kind in runs:
            run = para.add_run(text)
            # direct run formatting repeats the style's, so Word, WPS and LibreOffice agree on the fonts
            east_asia, latin, size, colour, spacing = _run_format(style, profile)
            if kind == "kai":
                east_asia = profile.font_heading2
            format_rpr(run._r.get_or_add_rPr(), east_asia=east_asia, latin=latin, size_pt=size, colour=colour,
                       spacing_pt=spacing)
    clean_properties(doc, title="产业集群工作简报模板", author="reporttool",
                     now=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc))  # fixed: the shipped file is reproducible
    doc.core_properties.comments = "{{占位符}}由 reporttool 填写；{{正文}}所在段落替换为生成的正文、表格和图表。"
    dest = Path(dest)
    with atomic_path(dest) as tmp:
        doc.save(str(tmp))
    return dest


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    out = build_template(Path(sys.argv[1] if len(sys.argv) > 1 else "templates/brief.docx"))
    print(f"已生成简报模板：{out}")
