# Over 500 lines: one writer of one OOXML package (opening, styles, cells, comments, print set-up, the list), whose parts must agree.
"""The feedback workbook written at the XML level: the fast path of render/feedback.py.

openpyxl loads the district's whole workbook into cell objects and writes every one back (≈ 0.8 s CPU
for a province-sized file, docs/performance.md). Here the district's .xlsx is copied part by part and
only what the feedback changes is rewritten, with lxml:

- xl/styles.xml: one solid fill per colour used and, per (original style, colour), a copy of the cell's
  cellXfs entry with that fill; the 问题清单's fonts, fills, border and formats are appended the same way;
- each sheet with a problem cell: the cells' ``s=`` (a missing cell is added), a ``<legacyDrawing>``, its
  comments part, legacy VML drawing (what Excel and LibreOffice show as a note) and relationships;
- each visible data sheet: its print area and print titles limited to the rows used, the page set-up of
  the form (one page wide), row heights of wrapped rows — as render/feedback._print_used_rows does;
- xl/workbook.xml: the 问题清单 first (its own sheet part), defined names re-numbered, it the active tab;
- [Content_Types].xml for the new parts. Every other part (the district's values, shared strings,
  validations, theme, document properties) is copied byte for byte.

What this path does not handle raises ``NotFast`` and render/feedback.py writes the file with openpyxl as
before: a workbook that is not a plain .xlsx worksheet package (.xlsm, chart sheets, strict OOXML, parts
elsewhere than xl/), one with comments or a 问题清单 already (a feedback copy sent back: openpyxl cleans it),
a form from an older, wider template (its columns are narrowed), a problem cell named outside A1 form.
tests/test_feedback.py pins that both paths give the same workbook as openpyxl reads it.
"""
from __future__ import annotations

import copy
import io
import posixpath
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree

from reporttool.core.paper import (
    A4_PORTRAIT,
    BOTTOM_MARGIN,
    FOOTER,
    FOOTER_MARGIN,
    MIN_TEXT_PT,
    PADDING,
    SIDE_MARGIN,
    TOP_MARGIN,
    paper_for,
    printed_pt,
    table_units,
)
from reporttool.forms import layout as L
from reporttool.render.xlsx_styles import lines_needed

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
WORKSHEET_REL = REL_NS + "/worksheet"
COMMENTS_REL = REL_NS + "/comments"
VML_REL = REL_NS + "/vmlDrawing"
WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
COMMENTS_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_CT = "application/vnd.openxmlformats-officedocument.vmlDrawing"
WORKBOOK_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
DEFAULT_WIDTH = 9.14  # as render/feedback.DEFAULT_WIDTH
_M = "{" + MAIN + "}"
_CT = "{" + CT_NS + "}"
_PKG = "{" + PKG_REL + "}"
_RID = "{" + REL_NS + "}id"
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_C, _F, _V, _IS = _M + "c", _M + "f", _M + "v", _M + "is"
_CELL_REF = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
MAX_PART = 256 * 1024 * 1024  # an uncompressed part larger than this is left to openpyxl (which fails alike)

# CT_Worksheet's children in schema order: a new child goes before the first later one present
_WS_ORDER = ("sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
             "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState", "dataConsolidate",
             "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting", "dataValidations",
             "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks",
             "colBreaks", "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing",
             "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
             "webPublishItems", "tableParts", "extLst")


class NotFast(Exception):
    """This workbook is written by the openpyxl path instead (see the module docstring)."""


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def col_letter(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _parse(data: bytes):
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise NotFast(str(exc)) from exc


def _bytes(root) -> bytes:
    return _DECLARATION + etree.tostring(root, xml_declaration=False, encoding="UTF-8")


def _local(el) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _insert_ordered(parent, el, order: tuple[str, ...] = _WS_ORDER):
    """Insert ``el`` among ``parent``'s children at its place in ``order``; return it."""
    rank = order.index(_local(el))
    for i, child in enumerate(parent):
        name = _local(child)
        if name in order and order.index(name) > rank:
            parent.insert(i, el)
            return el
    parent.append(el)
    return el


def _child(parent, name: str, order: tuple[str, ...] = _WS_ORDER):
    """``parent``'s child ``name`` (main namespace), created at its place when missing."""
    el = parent.find(_M + name)
    if el is None:
        el = _insert_ordered(parent, etree.Element(_M + name), order)
    return el


def _text_of(el) -> str:
    """Text of a shared or inline string item: its <t> and runs' <t>, without phonetic runs."""
    t = el.find(_M + "t")
    if t is not None:
        return t.text or ""
    return "".join(r.findtext(_M + "t") or "" for r in el.findall(_M + "r"))


@dataclass
class Sheet:
    name: str
    part: str  # zip name, e.g. xl/worksheets/sheet2.xml
    state: str
    index: int  # position in the workbook (before the 问题清单 is added)
    _root: Any = None
    _rows: dict[int, Any] | None = None  # row number -> <row>
    changed: bool = False


@dataclass
class FastBook:
    """A district's workbook opened part by part; ``save`` writes the annotated copy."""

    parts: dict[str, bytes]
    infos: list[zipfile.ZipInfo]
    sheets: list[Sheet]
    workbook_part: str
    workbook: Any
    styles: Any
    content_types: Any
    shared: list[str]
    new_parts: dict[str, bytes] = field(default_factory=dict)
    empty_shared: list[int] = field(default_factory=list)
    _xf_cache: dict[tuple[int, str], int] = field(default_factory=dict)
    _fill_cache: dict[str, int] = field(default_factory=dict)

    # ---------------------------------------------------------------------------------------- opening
    @classmethod
    def open(cls, source: Path, list_sheet: str) -> FastBook:
        """``source`` opened for painting; NotFast when it is not for this path (``list_sheet`` is the name
        of the feedback's list: a workbook holding it already is a feedback copy sent back)."""
        try:
            zf = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, OSError) as exc:
            raise NotFast(str(exc)) from exc
        with zf:
            infos = zf.infolist()
            if any(i.file_size > MAX_PART for i in infos):
                raise NotFast("part too large")
            names = {i.filename for i in infos}
            parts = {i.filename: zf.read(i) for i in infos if not i.is_dir()}
        if "[Content_Types].xml" not in names or "_rels/.rels" not in names:
            raise NotFast("not an OOXML package")
        ct = _parse(parts["[Content_Types].xml"])
        rels = _parse(parts["_rels/.rels"])
        office = [r.get("Target", "") for r in rels if r.get("Type", "").endswith("/officeDocument")]
        if len(office) != 1:
            raise NotFast("no workbook")
        wb_part = office[0].lstrip("/")
        if wb_part != "xl/workbook.xml" or wb_part not in parts:
            raise NotFast("workbook elsewhere")
        override = {o.get("PartName", "").lstrip("/"): o.get("ContentType") for o in ct.iter(_CT + "Override")}
        if override.get(wb_part) != WORKBOOK_CT:
            raise NotFast("not a plain .xlsx workbook")  # .xlsm, .xltx …
        workbook = _parse(parts[wb_part])
        if workbook.tag != _M + "workbook":
            raise NotFast("strict or unknown namespace")
        wb_rels = _parse(parts.get("xl/_rels/workbook.xml.rels", b"<x/>"))
        targets = {}
        styles_part = shared_part = None
        for r in wb_rels:
            target = r.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            targets[r.get("Id")] = (r.get("Type", ""), path)
            if r.get("Type", "").endswith("/styles"):
                styles_part = path
            elif r.get("Type", "").endswith("/sharedStrings"):
                shared_part = path
        if styles_part != "xl/styles.xml" or styles_part not in parts:
            raise NotFast("no styles part")
        sheets = []
        for i, el in enumerate(workbook.iterfind(f"{_M}sheets/{_M}sheet")):
            kind, path = targets.get(el.get(_RID), ("", ""))
            if kind != WORKSHEET_REL or path not in parts:
                raise NotFast("chart sheet or missing sheet part")  # openpyxl handles chart sheets
            if override.get(path) != WORKSHEET_CT:
                raise NotFast("sheet content type")
            sheets.append(Sheet(el.get("name", ""), path, el.get("state", "visible"), i))
        if not sheets or any(s.name == list_sheet for s in sheets):
            raise NotFast("a feedback copy sent back")
        for s in sheets:
            sheet_rels = _rels_name(s.part)
            if sheet_rels in parts and (b"/comments" in parts[sheet_rels] or b"/vmlDrawing" in parts[sheet_rels]):
                raise NotFast("comments already")  # openpyxl removes ours and keeps the district's
        shared: list[str] = []
        if shared_part and shared_part in parts:
            sst = _parse(parts[shared_part])
            shared = [_text_of(si) for si in sst.iterfind(_M + "si")]
        styles = _parse(parts[styles_part])
        for name in ("fonts", "fills", "borders", "cellXfs"):
            if styles.find(_M + name) is None:
                raise NotFast(f"styles without {name}")
        return cls(parts, infos, sheets, wb_part, workbook, styles, ct, shared,
                   empty_shared=[i for i, text in enumerate(shared) if text == ""])

    @property
    def sheetnames(self) -> list[str]:
        return [s.name for s in self.sheets]

    def sheet(self, name: str) -> Sheet:
        return next(s for s in self.sheets if s.name == name)

    def root(self, sheet: Sheet):
        """The sheet's XML, parsed once; its rows indexed by number (cells are looked up in their row)."""
        if sheet._root is None:
            root = _parse(self.parts[sheet.part])
            if root.tag != _M + "worksheet":
                raise NotFast("worksheet namespace")
            data = root.find(_M + "sheetData")
            if data is None:
                data = _insert_ordered(root, etree.Element(_M + "sheetData"))
            rows: dict[int, Any] = {}
            for row in data.iterchildren(_M + "row"):
                r = row.get("r")
                if r is None:
                    raise NotFast("row without r")
                rows[int(r)] = row
            sheet._root, sheet._rows = root, rows
        return sheet._root

    def rows(self, sheet: Sheet) -> dict[int, Any]:
        self.root(sheet)
        assert sheet._rows is not None
        return sheet._rows

    def row_cells(self, sheet: Sheet, r: int) -> dict[int, Any]:
        """Column number -> <c> of row ``r`` ({} when the row is not there)."""
        row = self.rows(sheet).get(r)
        out = {}
        if row is not None:
            for c in row.iterchildren(_M + "c"):
                m = _CELL_REF.fullmatch(c.get("r", ""))
                if m is None or int(m.group(2)) != r:
                    raise NotFast("cell without r")
                out[col_index(m.group(1))] = c
        return out

    def value(self, c) -> object:
        """The cell's value as openpyxl reads it (a formula as its "=…" text)."""
        if c is None or not len(c):
            return None
        t = c.get("t", "n")
        v = None
        for child in c:
            tag = child.tag
            if tag == _F:
                return "=" + (child.text or "")
            if tag == _V:
                v = child.text
            elif tag == _IS and t == "inlineStr":
                return _text_of(child)
        if v is None:
            return None
        if t == "s":
            return self.shared[int(v)]
        if t in ("str", "e", "d", "inlineStr"):
            return v
        if t == "b":
            return v == "1"
        try:
            n = float(v)
        except ValueError:
            return v
        return int(n) if n.is_integer() and "." not in v and "E" not in v.upper() else n

    # --------------------------------------------------------------------------------- reading values
    def identity(self, sheet_name: str) -> dict[str, str]:
        if sheet_name not in self.sheetnames:
            return {}
        sheet = self.sheet(sheet_name)
        out = {}
        for r in range(1, 21):
            cells = self.row_cells(sheet, r)
            a, b = self.value(cells.get(1)), self.value(cells.get(2))
            if a is not None and b is not None:
                out[str(a).strip()] = str(b).strip()
        return out

    def visible_values(self, rows: int, cols: int):
        """The values of the first ``rows`` × ``cols`` cells of every visible sheet, row by row."""
        for s in self.sheets:
            if s.state != "visible":
                continue
            for r in range(1, rows + 1):
                cells = self.row_cells(s, r)
                for c in range(1, cols + 1):
                    yield self.value(cells.get(c))

    # ------------------------------------------------------------------------------------------ styles
    def _append(self, section: str, el) -> int:
        parent = self.styles.find(_M + section)
        parent.append(el)
        parent.set("count", str(len(parent)))
        return len(parent) - 1

    def fill(self, rgb: str) -> int:
        if rgb not in self._fill_cache:
            el = etree.Element(_M + "fill")
            pattern = etree.SubElement(el, _M + "patternFill", patternType="solid")
            etree.SubElement(pattern, _M + "fgColor", rgb=rgb)
            etree.SubElement(pattern, _M + "bgColor", rgb=rgb)
            self._fill_cache[rgb] = self._append("fills", el)
        return self._fill_cache[rgb]

    def font(self, name: str, size: float, bold: bool = False, colour: str | None = None,
             underline: bool = False) -> int:
        el = etree.Element(_M + "font")
        if bold:
            etree.SubElement(el, _M + "b")
        if underline:
            etree.SubElement(el, _M + "u")
        etree.SubElement(el, _M + "sz", val=f"{size:g}")
        if colour:
            etree.SubElement(el, _M + "color", rgb=colour)
        etree.SubElement(el, _M + "name", val=name)
        return self._append("fonts", el)

    def border(self, rgb: str) -> int:
        el = etree.Element(_M + "border")
        for side in ("left", "right", "top", "bottom"):
            etree.SubElement(etree.SubElement(el, _M + side, style="thin"), _M + "color", rgb=rgb)
        etree.SubElement(el, _M + "diagonal")
        return self._append("borders", el)

    def xf(self, font: int = 0, fill: int = 0, border: int = 0, **alignment: str) -> int:
        el = etree.Element(_M + "xf", numFmtId="0", fontId=str(font), fillId=str(fill), borderId=str(border))
        if self.styles.find(_M + "cellStyleXfs") is not None:
            el.set("xfId", "0")
        for key, on in (("applyFont", font), ("applyFill", fill), ("applyBorder", border)):
            if on:
                el.set(key, "1")
        if alignment:
            el.set("applyAlignment", "1")
            etree.SubElement(el, _M + "alignment", **alignment)
        return self._append("cellXfs", el)

    def painted_xf(self, style: int, rgb: str) -> int:
        """The cell format ``style`` with a solid ``rgb`` fill (one per pair)."""
        key = (style, rgb)
        if key not in self._xf_cache:
            xfs = self.styles.find(_M + "cellXfs")
            base = xfs[style] if 0 <= style < len(xfs) else etree.Element(_M + "xf", numFmtId="0", fontId="0",
                                                                             fillId="0", borderId="0")
            el = copy.deepcopy(base)
            el.set("fillId", str(self.fill(rgb)))
            el.set("applyFill", "1")
            self._xf_cache[key] = self._append("cellXfs", el)
        return self._xf_cache[key]

    def wrapping_styles(self) -> set[int]:
        """The cell formats (cellXfs indexes) that wrap text."""
        return {i for i, xf in enumerate(self.styles.find(_M + "cellXfs"))
                if (a := xf.find(_M + "alignment")) is not None and a.get("wrapText") in ("1", "true")}

    # ----------------------------------------------------------------------------------------- cells
    def cell(self, sheet: Sheet, r: int, c: int):
        """The <c> at row r, column c, created (and its row) when missing."""
        rows = self.rows(sheet)
        cells = self.row_cells(sheet, r)
        if c in cells:
            return cells[c]
        row = rows.get(r)
        if row is None:
            data = sheet._root.find(_M + "sheetData")
            row = etree.Element(_M + "row", r=str(r))
            later = [n for n in rows if n > r]
            if later:
                rows[min(later)].addprevious(row)
            else:
                data.append(row)
            rows[r] = row
        el = etree.Element(_M + "c", r=f"{col_letter(c)}{r}")
        after = [cc for cc in cells if cc > c]
        if after:
            cells[min(after)].addprevious(el)
        else:
            row.append(el)
        return el

    def merges(self, sheet: Sheet) -> list[tuple[int, int, int, int]]:
        out = []
        for m in self.root(sheet).iterfind(f"{_M}mergeCells/{_M}mergeCell"):
            ref = m.get("ref", "").replace("$", "").upper()
            ends = ref.split(":")
            found = [_CELL_REF.fullmatch(e) for e in ends]
            if len(ends) != 2 or not all(found):
                continue
            (c1, r1), (c2, r2) = ((col_index(x.group(1)), int(x.group(2))) for x in found if x)
            out.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))
        return out

    def column_widths(self, sheet: Sheet, ncols: int) -> dict[int, float]:
        widths: dict[int, float] = {}
        for col in self.root(sheet).iterfind(f"{_M}cols/{_M}col"):
            lo, hi = int(col.get("min", "0")), int(col.get("max", "0"))
            width = float(col.get("width", "0") or 0) or DEFAULT_WIDTH
            for c in range(lo, min(hi, ncols) + 1):
                widths[c] = width
        return {c: widths.get(c, DEFAULT_WIDTH) for c in range(1, ncols + 1)}

    # ----------------------------------------------------------------------------------- page set-up
    def page_setup(self, sheet: Sheet, units: float) -> None:
        """As render/feedback._page_setup: one page wide, centred, margins and footer of every workbook."""
        root = self.root(sheet)
        paper = paper_for(units, 10)
        pr = _child(root, "sheetPr")
        setup_pr = pr.find(_M + "pageSetUpPr")
        if setup_pr is None:
            setup_pr = etree.SubElement(pr, _M + "pageSetUpPr")
        setup_pr.set("fitToPage", "1")
        _child(root, "printOptions").set("horizontalCentered", "1")
        margins = _child(root, "pageMargins")
        for key, default in (("header", 0.5),):
            if margins.get(key) is None:
                margins.set(key, f"{default:g}")
        for key, val in (("left", SIDE_MARGIN), ("right", SIDE_MARGIN), ("top", TOP_MARGIN),
                         ("bottom", BOTTOM_MARGIN), ("footer", FOOTER_MARGIN)):
            margins.set(key, f"{val:g}")
        setup = _child(root, "pageSetup")
        setup.set("orientation", "landscape" if paper.landscape else "portrait")
        setup.set("paperSize", str(paper.code))
        setup.set("fitToWidth", "1")
        setup.set("fitToHeight", "0")
        hf = _child(root, "headerFooter")
        footer = hf.find(_M + "oddFooter")
        if footer is None:
            footer = etree.Element(_M + "oddFooter")
            head = hf.find(_M + "oddHeader")
            if head is not None:
                head.addnext(footer)
            else:
                hf.insert(0, footer)
        footer.text = FOOTER
        sheet.changed = True

    def define(self, name: str, index: int, formula: str, hidden: bool = False) -> None:
        """Set the workbook-level defined name ``name`` local to sheet ``index`` (replacing it)."""
        names = self.workbook.find(_M + "definedNames")
        if names is None:
            names = etree.Element(_M + "definedNames")
            sheets = self.workbook.find(_M + "sheets")
            sheets.addnext(names)
        for d in names.iterfind(_M + "definedName"):
            if d.get("name") == name and d.get("localSheetId") == str(index):
                names.remove(d)
        el = etree.SubElement(names, _M + "definedName", name=name, localSheetId=str(index))
        if hidden:
            el.set("hidden", "1")
        el.text = formula

    # -------------------------------------------------------------------------------------- saving
    def part_name(self, pattern: str) -> str:
        k = 1
        while pattern.format(k) in self.parts or pattern.format(k) in self.new_parts:
            k += 1
        return pattern.format(k)

    def add_override(self, part: str, content_type: str) -> None:
        etree.SubElement(self.content_types, _CT + "Override", PartName="/" + part,
                         ContentType=content_type)

    def save(self, write: Callable[[bytes], None]) -> None:
        for s in self.sheets:
            if s.changed:
                self.parts[s.part] = _bytes(s._root)
        self.parts[self.workbook_part] = _bytes(self.workbook)
        self.parts["xl/styles.xml"] = _bytes(self.styles)
        self.parts["[Content_Types].xml"] = _bytes(self.content_types)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
            seen = set()
            for info in self.infos:
                if info.is_dir() or info.filename in seen:
                    continue
                seen.add(info.filename)
                out.writestr(_fresh_info(info.filename, info.date_time), self.parts[info.filename], compresslevel=1)
            for name, data in self.new_parts.items():
                out.writestr(_fresh_info(name), data, compresslevel=1)
        write(buf.getvalue())


def _fresh_info(name: str, date_time: tuple[int, int, int, int, int, int] = (1980, 1, 1, 0, 0, 0)):
    info = zipfile.ZipInfo(name, date_time=date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _rels_name(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


# ---------------------------------------------------------------------------------------------------
# the feedback's changes


def paint(book: FastBook, by_cell: dict[tuple[str, str], tuple[str, str, int]], author: str) -> None:
    """Fill each (sheet, cell) and attach its comment: ``by_cell`` maps it to (fill, text, height)."""
    per_sheet: dict[str, list[tuple[int, int, str, str, int]]] = {}
    for (name, ref), (rgb, text, height) in by_cell.items():
        m = _CELL_REF.fullmatch(ref)
        if m is None:
            raise NotFast(f"cell {ref}")
        per_sheet.setdefault(name, []).append((int(m.group(2)), col_index(m.group(1)), rgb, text, height))
    for name, items in per_sheet.items():
        sheet = book.sheet(name)
        for r, c, rgb, _text, _h in items:
            el = book.cell(sheet, r, c)
            el.set("s", str(book.painted_xf(int(el.get("s", "0")), rgb)))
        _comments(book, sheet, [(r, c, text, h) for r, c, _rgb, text, h in items], author)
        sheet.changed = True


def _comments(book: FastBook, sheet: Sheet, items: list[tuple[int, int, str, int]], author: str) -> None:
    comments_part = book.part_name("xl/comments/comment{}.xml")
    vml_part = book.part_name("xl/drawings/commentsDrawing{}.vml")
    body = "".join(f'<comment ref="{col_letter(c)}{r}" authorId="0"><text><t xml:space="preserve">'
                   f"{escape(text)}</t></text></comment>" for r, c, text, _h in items)
    book.new_parts[comments_part] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<comments xmlns="{MAIN}"><authors><author>{escape(author)}</author></authors>'
        f"<commentList>{body}</commentList></comments>").encode()
    data = sheet.index + 1  # the drawing's block of shape ids: data × 1024 + 1 …
    shapes = "".join(
        f'<v:shape id="_x0000_s{1024 * data + 1 + i}" type="#_x0000_t202" style="position:absolute; margin-left:59.25pt;'
        f'margin-top:1.5pt;width:320px;height:{h}px;z-index:{i + 1};visibility:hidden" fillcolor="#ffffe1" '
        'o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow color="black" obscured="t"/>'
        '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto"><div style="text-align:left"/>'
        '</v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
        f"<x:AutoFill>False</x:AutoFill><x:Row>{r - 1}</x:Row><x:Column>{c - 1}</x:Column></x:ClientData>"
        "</v:shape>" for i, (r, c, _text, h) in enumerate(items))
    book.new_parts[vml_part] = (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
        f'<o:idmap v:ext="edit" data="{data}"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
        '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
        f"{shapes}</xml>").encode()
    rels_name = _rels_name(sheet.part)
    rels = (_parse(book.parts[rels_name]) if rels_name in book.parts
            else etree.Element(_PKG + "Relationships", nsmap={None: PKG_REL}))
    used = {r.get("Id") for r in rels}
    ids = [f"rIdFb{k}" for k in range(1, 100) if f"rIdFb{k}" not in used][:2]
    etree.SubElement(rels, _PKG + "Relationship", Id=ids[0], Type=COMMENTS_REL, Target="/" + comments_part)
    etree.SubElement(rels, _PKG + "Relationship", Id=ids[1], Type=VML_REL, Target="/" + vml_part)
    if rels_name in book.parts:
        book.parts[rels_name] = _bytes(rels)
    else:
        book.new_parts[rels_name] = _bytes(rels)
    book.add_override(comments_part, COMMENTS_CT)
    if not any(d.get("Extension", "").lower() == "vml" for d in book.content_types.iter(_CT + "Default")):
        default = etree.Element(_CT + "Default", Extension="vml", ContentType=VML_CT)
        book.content_types.insert(0, default)
    legacy = etree.Element(_M + "legacyDrawing")
    legacy.set(_RID, ids[1])
    _insert_ordered(book.root(sheet), legacy)


_NS = {"m": MAIN}


def print_used_rows(book: FastBook, sheet: Sheet) -> None:
    """render/feedback._print_used_rows at the XML level (an older, wider form raises NotFast): the same
    header row, columns and last filled row. The last row is found from the bottom (the sign-off line,
    then up to the first row with something in it), so a 2,000-row sheet is not read cell by cell."""
    spec = next((sp for sp in L.DATA_SHEETS if sp.name == sheet.name), None)
    if spec is None or sheet.state != "visible":
        return
    rows = book.rows(sheet)
    numbers = sorted(rows)
    titles = {"".join(t.split()) for c in spec.columns for t in (c.title, *c.aliases)}
    header = 0
    for r in (n for n in numbers if n <= 15):
        values = [book.value(c) for c in book.row_cells(sheet, r).values()]
        if sum(isinstance(v, str) and "".join(v.split()) in titles for v in values) >= 2:
            header = r
            break
    if not header:
        return
    head = book.row_cells(sheet, header)
    ncols = max(c for c, el in head.items() if book.value(el) not in (None, ""))
    body = [n for n in numbers if n > header]
    for i, r in enumerate(body):  # the sign-off line ends the table
        first = rows[r][0] if len(rows[r]) else None
        if first is not None and first.get("r") is None:
            raise NotFast("cell without r")
        if first is not None and first.get("r") == f"A{r}" and len(first):
            v = book.value(first)
            if isinstance(v, str) and any(m in v for m in L.SIGNOFF_MARKERS):
                body = body[:i]
                break
    last = header
    for r in reversed(body):
        cells = book.row_cells(sheet, r)
        if any(book.value(el) not in (None, "") for c, el in cells.items() if 2 <= c <= ncols):
            last = r
            break
    widths = book.column_widths(sheet, ncols)
    units = sum(widths.values())
    if printed_pt(10, units, paper_for(units, 10)) < MIN_TEXT_PT:
        raise NotFast("an older, wider form")  # openpyxl narrows its columns
    wrapping = {str(i) for i in book.wrapping_styles()}
    default_wraps = "0" in wrapping
    if wrapping:  # rows without a height whose wrapped text needs more than one line
        for r in body:
            if r > last:
                break
            row = rows[r]
            if row.get("ht") is not None:
                continue
            lines = 1
            for el in row.iterchildren(_C):
                style = el.get("s")
                if not (style in wrapping or (style is None and default_wraps)) or not len(el):
                    continue
                v = book.value(el)
                if isinstance(v, str):
                    m = _CELL_REF.fullmatch(el.get("r", ""))
                    if m is None:
                        raise NotFast("cell without r")
                    c = col_index(m.group(1))
                    if c <= ncols:
                        lines = max(lines, lines_needed(v, widths[c] - 0.7))
            if lines > 1:
                row.set("ht", f"{13.5 * lines + 4:g}")
                row.set("customHeight", "1")
    quoted = "'" + sheet.name.replace("'", "''") + "'"
    book.define("_xlnm.Print_Area", sheet.index, f"{quoted}!$A$1:${col_letter(ncols)}${max(last, header + 1)}")
    book.define("_xlnm.Print_Titles", sheet.index, f"{quoted}!${header}:${header}")
    book.page_setup(sheet, units)


def check_instructions(book: FastBook, sheet: Sheet) -> None:
    """An older 填报说明 wider than an A4 portrait page is refitted by openpyxl (NotFast)."""
    if sheet.name != L.INSTRUCTIONS_SHEET or sheet.state != "visible":
        return
    if any(c > 1 for r in book.rows(sheet) for c in book.row_cells(sheet, r)):
        return  # more than one column: not the 填报说明 of a form
    if book.column_widths(sheet, 1)[1] > A4_PORTRAIT.usable_units - 2 + PADDING:
        raise NotFast("an older 填报说明")


def add_list(book: FastBook, plan, list_sheet: str, *, head_fill: str, link_colour: str, no_findings: str) -> None:
    """The 问题清单 (``plan``: render/feedback.ListPlan) as the first sheet (its own part), selected and
    active; defined names moved by one. The header's fill, the links' colour and the text of an empty
    list come from render/feedback.py, which draws the same list with openpyxl."""
    grey = "FF999999"
    border = book.border(grey)
    title = book.xf(book.font("黑体", 14, bold=True), horizontal="center", vertical="center")
    summary = book.xf(book.font("宋体", 10), wrapText="1", vertical="center")
    head = book.xf(book.font("黑体", 10, bold=True), book.fill(head_fill), border, horizontal="center",
                   vertical="center")
    body_font = book.font("宋体", 10)
    body = book.xf(body_font, 0, border, wrapText="1", vertical="top")
    link = book.xf(book.font("宋体", 10, colour=link_colour, underline=True), 0, border, wrapText="1",
                   vertical="top")
    kinds = {rgb: book.xf(body_font, book.fill(rgb), border, wrapText="1", vertical="top")
             for rgb in sorted({r.fill for r in plan.rows})}
    last_col = plan.last_col
    ncols = len(plan.headers)

    def text_cell(ref: str, style: int, value: object) -> str:
        if value is None or value == "":
            return f'<c r="{ref}" s="{style}"/>'
        if isinstance(value, int):
            return f'<c r="{ref}" s="{style}"><v>{value}</v></c>'
        return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'

    rows = [f'<row r="1" ht="26" customHeight="1">{text_cell("A1", title, plan.title)}</row>',
            f'<row r="2" ht="{plan.summary_height:g}" customHeight="1">{text_cell("A2", summary, plan.summary)}</row>',
            '<row r="3">' + "".join(text_cell(f"{col_letter(i)}3", head, label)
                                    for i, label in enumerate(plan.headers, start=1)) + "</row>"]
    links = []
    for k, row in enumerate(plan.rows, start=1):
        r = 3 + k
        out = []
        for i, v in enumerate(row.values, start=1):
            style = kinds[row.fill] if i == 2 else link if (i == 4 and row.link) else body
            out.append(text_cell(f"{col_letter(i)}{r}", style, v))
        rows.append(f'<row r="{r}" ht="{row.height:g}" customHeight="1">{"".join(out)}</row>')
        if row.link:
            links.append(f'<hyperlink ref="D{r}" location="{escape(row.link, {chr(34): "&quot;"})}" '
                         f'display="{escape(row.display, {chr(34): "&quot;"})}"/>')
    merges = [f"A1:{last_col}1", f"A2:{last_col}2"]
    if not plan.rows:
        rows.append(f'<row r="4">{text_cell("A4", 0, no_findings)}</row>')
        merges.append(f"A4:{last_col}4")
    units = table_units(list(plan.widths))
    paper = paper_for(units, 10)
    cols = "".join(f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>'
                   for i, w in enumerate(plan.widths, start=1))
    last = 3 + len(plan.rows) if plan.rows else 4
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{MAIN}" xmlns:r="{REL_NS}"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="A1:{col_letter(ncols)}{last}"/>'
        '<sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane ySplit="3" topLeftCell="A4" '
        'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A1" sqref="A1"/>'
        '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        f'<cols>{cols}</cols><sheetData>{"".join(rows)}</sheetData>'
        + (f'<autoFilter ref="A3:{last_col}{3 + len(plan.rows)}"/>' if plan.rows else "")
        + f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges)
        + "</mergeCells>"
        + (f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else "")
        + '<printOptions horizontalCentered="1"/>'
        f'<pageMargins left="{SIDE_MARGIN:g}" right="{SIDE_MARGIN:g}" top="{TOP_MARGIN:g}" '
        f'bottom="{BOTTOM_MARGIN:g}" header="0.5" footer="{FOOTER_MARGIN:g}"/>'
        f'<pageSetup paperSize="{paper.code}" orientation="{"landscape" if paper.landscape else "portrait"}" '
        'fitToWidth="1" fitToHeight="0"/>'
        f"<headerFooter><oddFooter>{escape(FOOTER)}</oddFooter></headerFooter></worksheet>")
    part = book.part_name("xl/worksheets/sheet{}.xml")
    book.new_parts[part] = xml.encode()
    book.add_override(part, WORKSHEET_CT)

    # the workbook: relationship, the sheet first, names moved by one, this tab active
    rels = _parse(book.parts["xl/_rels/workbook.xml.rels"])
    used = {r.get("Id") for r in rels}
    rid = next(f"rIdFb{k}" for k in range(1, 1000) if f"rIdFb{k}" not in used)
    etree.SubElement(rels, _PKG + "Relationship", Id=rid, Type=WORKSHEET_REL, Target="/" + part)
    book.parts["xl/_rels/workbook.xml.rels"] = _bytes(rels)
    sheets = book.workbook.find(_M + "sheets")
    ids = [int(s.get("sheetId", "0")) for s in sheets]
    el = etree.Element(_M + "sheet", name=list_sheet, sheetId=str(max(ids, default=0) + 1))
    el.set(_RID, rid)
    sheets.insert(0, el)
    names = book.workbook.find(_M + "definedNames")
    if names is not None:
        for d in names.iterfind(_M + "definedName"):
            if d.get("localSheetId") is not None:
                d.set("localSheetId", str(int(d.get("localSheetId")) + 1))
    for view in book.workbook.iterfind(f"{_M}bookViews/{_M}workbookView"):
        view.set("activeTab", "0")
        view.set("firstSheet", "0")
    for s in book.sheets:  # no other tab selected (two selected tabs would group the sheets)
        for view in book.root(s).iterfind(f"{_M}sheetViews/{_M}sheetView"):
            if view.get("tabSelected") is not None:
                del view.attrib["tabSelected"]
                s.changed = True
    quoted = "'" + list_sheet.replace("'", "''") + "'"
    if plan.rows:
        book.define("_xlnm._FilterDatabase", 0, f"{quoted}!$A$3:${last_col}${3 + len(plan.rows)}", hidden=True)
    book.define("_xlnm.Print_Titles", 0, f"{quoted}!$3:$3")
    book.define("_xlnm.Print_Area", 0, f"{quoted}!$A$1:${last_col}${plan.last_row}")
