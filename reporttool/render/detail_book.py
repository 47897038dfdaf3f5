"""The detail workbook (明细): every accepted enterprise and project, written by a small streaming writer.

Why not xlsxwriter: at province scale (200,000 enterprises ≈ 2.8 M cells) xlsxwriter costs ~13 µs per
cell, and the whole list was rewritten on every run. Here each accepted submission's rows are rendered
ONCE (in the reading worker at ingest, or the first time they are needed) to a fragment: the rows as
position-independent sheet XML (``<row>`` and ``<c>`` without ``r=``: each row is the next row, each
cell the next column — legal OOXML, read alike by openpyxl, python-calamine and LibreOffice, see
tests/test_workbook.py), 序号 counted within the 县区, deflate-compressed as a segment that ends on a
byte boundary, with its CRC-32 and length. The fragment is stored in the ledger with the submission.
A run writes each sheet as its compressed head + the stored segments + its tail: no row is rendered,
compressed or decompressed again, so the cost of a re-run does not grow with the rows listed. Values
only: inline strings (text cleaned with ``clean_for_office`` and XML-escaped, credit codes as text) and
numbers already rounded for display (ROUND_HALF_UP, like ``fmt.shown``). docs/workbook.md. The rows are
rendered in render/detail_rows.py (``render_fragment``, ``fragment_stamp``: imported from here as before).
"""
from __future__ import annotations

import datetime as dt
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reporttool.catalogue import Catalogue
from reporttool.core.crc import crc32_combine
from reporttool.core.files import atomic_path
from reporttool.core.models import Period
from reporttool.core.paper import (
    A3_LANDSCAPE,
    BOTTOM_MARGIN,
    FOOTER_MARGIN,
    SIDE_MARGIN,
    TOP_MARGIN,
    header_text,
)
from reporttool.render.detail_rows import (  # the rows' fragments: rendered there, imported from here as before
    PROJECT_HEAD,
    ROSTER_HEAD,
    S_HEAD,
    S_META,
    S_TITLE,
    _deflate,
    _esc,
)
from reporttool.render.detail_rows import fragment_stamp as fragment_stamp
from reporttool.render.detail_rows import render_fragment as render_fragment
from reporttool.render.xlsx_styles import clean_for_office

HEADER_ROW = 3  # title, 编制单位/单位 line, header

PAPER = A3_LANDSCAPE
SHEETS = {"roster": ("企业名录", ROSTER_HEAD, 5), "projects": ("重点项目", PROJECT_HEAD, 4)}  # key -> name, head, frozen cols


def _head(cat: Catalogue, head: tuple) -> tuple:
    """The header with the catalogue's unit word in the 县区 column (设区市 for a province)."""
    return tuple((cat.words.unit, w) if title == "县区" else (title, w) for title, w in head)


def detail_name(cat: Catalogue, period: Period) -> str:
    """File name of the detail workbook: 葫芦岛市重点产业集群企业和项目明细（2025年1-6月）.xlsx."""
    s = cat.settings
    return f"{s.city}{s.programme_name}企业和项目明细（{period.span_label}）.xlsx"  # as its titles: Period.span_label


# ---- assembling the workbook ------------------------------------------------------------------------


@dataclass
class DetailSheet:
    """One sheet to assemble: its layout key, the note line, and the stored fragments in order."""

    key: str
    note: str
    fragments: list[bytes]
    rows: int  # how many rows the fragments hold (stored beside each fragment)


def _col(i: int) -> str:
    return chr(ord("A") + i)  # 14 columns: A..N


def _sheet_parts(head: tuple, frozen: int, note: str, title: str, count: int, selected: bool) -> tuple[str, str]:
    """The sheet XML before and after the data rows."""
    last_col = _col(len(head) - 1)
    last = HEADER_ROW + count
    top = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
           'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
           '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
           f'<dimension ref="A1:{last_col}{last}"/>'
           f'<sheetViews><sheetView {"tabSelected=" + chr(34) + "1" + chr(34) + " " if selected else ""}'
           f'workbookViewId="0"><pane xSplit="{frozen}" ySplit="{HEADER_ROW}" '
           f'topLeftCell="{_col(frozen)}{HEADER_ROW + 1}" activePane="bottomRight" state="frozen"/>'
           f'<selection pane="bottomRight" activeCell="{_col(frozen)}{HEADER_ROW + 1}" '
           f'sqref="{_col(frozen)}{HEADER_ROW + 1}"/></sheetView></sheetViews>'
           '<sheetFormatPr defaultRowHeight="15"/><cols>'
           + "".join(f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"/>' for i, (_, w) in enumerate(head))
           + '</cols><sheetData>'
           f'<row r="1" ht="30" customHeight="1"><c r="A1" s="{S_TITLE}" t="inlineStr"><is><t>'
           f'{_esc(clean_for_office(title))}</t></is></c></row>'
           f'<row r="2" ht="20" customHeight="1"><c r="A2" s="{S_META}" t="inlineStr"><is><t>'
           f'{_esc(clean_for_office(note))}</t></is></c></row>'
           f'<row r="{HEADER_ROW}" ht="42" customHeight="1">'
           + "".join(f'<c r="{_col(i)}{HEADER_ROW}" s="{S_HEAD}" t="inlineStr"><is><t>'
                     f'{_esc(header_text(label, w))}</t></is></c>' for i, (label, w) in enumerate(head)) + "</row>")
    # the data rows that follow carry no r=: each is the next row, each cell the next column
    bottom = ('</sheetData>'
              f'<autoFilter ref="A{HEADER_ROW}:{last_col}{last}"/>'
              f'<mergeCells count="2"><mergeCell ref="A1:{last_col}1"/><mergeCell ref="A2:{last_col}2"/></mergeCells>'
              '<printOptions horizontalCentered="1"/>'
              f'<pageMargins left="{SIDE_MARGIN}" right="{SIDE_MARGIN}" top="{TOP_MARGIN}" bottom="{BOTTOM_MARGIN}" '
              f'header="0.3" footer="{FOOTER_MARGIN}"/>'
              f'<pageSetup paperSize="{PAPER.code}" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
              '<headerFooter><oddFooter>&amp;C第&amp;P页 共&amp;N页</oddFooter></headerFooter></worksheet>')
    return top, bottom


def _styles(ap: int, rp: int) -> str:
    def fmt(places: int) -> str:
        return "0" if places <= 0 else "0." + "0" * places

    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<numFmts count="2"><numFmt numFmtId="164" formatCode="{fmt(ap)}"/>'
            f'<numFmt numFmtId="165" formatCode="{fmt(rp)}"/></numFmts>'
            '<fonts count="3"><font><sz val="10"/><name val="宋体"/><family val="3"/><charset val="134"/></font>'
            '<font><sz val="16"/><name val="黑体"/><family val="3"/><charset val="134"/></font>'
            '<font><sz val="10"/><name val="黑体"/><family val="3"/><charset val="134"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
            '<border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/></right>'
            '<top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/></bottom><diagonal/>'
            '</border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="10">'
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
            '<alignment horizontal="center" vertical="center"/></xf>'
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
            '<alignment horizontal="left" vertical="center"/></xf>'
            '<xf numFmtId="0" fontId="2" fillId="0" borderId="1" xfId="0" applyFont="1" applyBorder="1" '
            'applyAlignment="1"><alignment horizontal="center" vertical="center" wrapText="1"/></xf>'
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="1" xfId="0" applyBorder="1" applyAlignment="1">'
            '<alignment horizontal="left" vertical="center" wrapText="1"/></xf>'
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="1" xfId="0" applyBorder="1" applyAlignment="1">'
            '<alignment horizontal="center" vertical="center" wrapText="1"/></xf>'
            '<xf numFmtId="49" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1" '
            'applyAlignment="1"><alignment horizontal="left" vertical="center"/></xf>'
            '<xf numFmtId="164" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1" '
            'applyAlignment="1"><alignment horizontal="right" vertical="center"/></xf>'
            '<xf numFmtId="165" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1" '
            'applyAlignment="1"><alignment horizontal="right" vertical="center"/></xf>'
            '<xf numFmtId="1" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1" '
            'applyAlignment="1"><alignment horizontal="right" vertical="center"/></xf>'
            '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            '</styleSheet>')


def write_detail_book(cat: Catalogue, period: Period, sheets: Sequence[DetailSheet], dest: Path,
                      *, now: dt.datetime | None = None) -> Path:
    """Write the detail workbook to ``dest`` atomically from stored fragments (see the module docstring).

    The fragments are already deflate-compressed: each sheet is written as its compressed head, the
    fragments as stored, its compressed tail and a final block — nothing of the 200,000 rows is
    compressed or even decompressed again. The CRC-32 of the sheet is combined from the stored ones.
    """
    dest = Path(dest)
    s = cat.settings
    now = (now or dt.datetime.now()).replace(microsecond=0)
    names = [SHEETS[sh.key][0] for sh in sheets]
    parts: list[tuple[str, list[bytes]]] = [
        ("[Content_Types].xml", [_content_types(len(sheets)).encode("utf-8")]),
        ("_rels/.rels", [_RELS.encode("utf-8")]),
        ("docProps/core.xml", [_core(detail_name(cat, period)[:-5], s.issuing_unit,
                                     w3cdtf_utc(now)).encode("utf-8")]),
        ("xl/workbook.xml", [_workbook(names, [_head(cat, SHEETS[sh.key][1]) for sh in sheets],
                                       [sh.rows for sh in sheets]).encode("utf-8")]),
        ("xl/_rels/workbook.xml.rels", [_workbook_rels(len(sheets)).encode("utf-8")]),
        ("xl/styles.xml", [_styles(s.amount_decimals, s.rate_decimals).encode("utf-8")]),
    ]
    with atomic_path(dest) as tmp, open(tmp, "wb") as fh:
        z = _ZipWriter(fh, now)
        for name, (data,) in parts:
            z.add(name, zlib.crc32(data), len(data), [_deflate(data) + _FINAL])
        for i, sh in enumerate(sheets):
            _name, head, frozen = SHEETS[sh.key]
            head = _head(cat, head)
            what = "企业名录" if sh.key == "roster" else "重点项目明细"
            title = f"{s.city}{s.programme_name}{what}（{period.span_label}）"
            top, bottom = (t.encode("utf-8") for t in _sheet_parts(head, frozen, sh.note, title, sh.rows, i == 0))
            crc, size = zlib.crc32(top), len(top)
            for frag in sh.fragments:
                f_crc, f_size = struct.unpack_from("<II", frag)
                crc, size = crc32_combine(crc, f_crc, f_size), size + f_size
            crc, size = zlib.crc32(bottom, crc), size + len(bottom)
            segments = [_deflate(top), *(memoryview(f)[8:] for f in sh.fragments), _deflate(bottom) + _FINAL]
            z.add(f"xl/worksheets/sheet{i + 1}.xml", crc, size, segments)
        z.close()
    return dest


_FINAL = zlib.compressobj(1, zlib.DEFLATED, -15).flush()  # an empty final block ends the deflate stream


class _ZipWriter:
    """A minimal zip writer for entries whose deflate data, CRC and sizes are known up front."""

    def __init__(self, fh, when: dt.datetime):
        self.fh = fh
        self.entries: list[tuple[bytes, int, int, int, int]] = []
        self.time = (when.hour << 11) | (when.minute << 5) | (when.second // 2)
        self.date = ((max(when.year, 1980) - 1980) << 9) | (when.month << 5) | when.day

    def add(self, name: str, crc: int, size: int, segments: list) -> None:
        raw = name.encode("utf-8")
        csize = sum(len(seg) for seg in segments)
        offset = self.fh.tell()
        if max(size, csize, offset) >= 0xFFFFFFFF:  # zip64 is not written: 4 GiB of sheet XML is not a city
            raise ValueError("detail workbook too large for a zip without zip64")
        self.fh.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x0800, 8, self.time, self.date, crc, csize,
                                  size, len(raw), 0) + raw)
        for seg in segments:
            self.fh.write(seg)
        self.entries.append((raw, crc, csize, size, offset))

    def close(self) -> None:
        start = self.fh.tell()
        for raw, crc, csize, size, offset in self.entries:
            self.fh.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x0800, 8, self.time, self.date,
                                      crc, csize, size, len(raw), 0, 0, 0, 0, 0, offset) + raw)
        end = self.fh.tell()
        self.fh.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(self.entries), len(self.entries),
                                  end - start, start, 0))


_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         'officeDocument" Target="xl/workbook.xml"/>'
         '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
         'core-properties" Target="docProps/core.xml"/></Relationships>')


def _content_types(n: int) -> str:
    sheets = "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/'
                     f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(n))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/'
            'vnd.openxmlformats-package.core-properties+xml"/>' + sheets + '</Types>')


def w3cdtf_utc(when: dt.datetime) -> str:
    """``when`` as core.xml wants it: UTC with a Z. A naive time is local time (as the run's clock gives it)."""
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _core(title: str, author: str, created: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'<dc:title>{_esc(clean_for_office(title))}</dc:title><dc:creator>{_esc(clean_for_office(author))}'
            '</dc:creator><dc:description>reporttool 生成</dc:description>'
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created></cp:coreProperties>')


def _workbook(names: list[str], heads: list[tuple], counts: list[int]) -> str:
    sheets = "".join(f'<sheet name="{_esc(n)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, n in enumerate(names))
    defined = []
    for i, (n, head, count) in enumerate(zip(names, heads, counts)):
        last_col = _col(len(head) - 1)
        defined.append(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
                       f"'{_esc(n)}'!$A${HEADER_ROW}:${last_col}${HEADER_ROW + count}</definedName>")
        defined.append(f'<definedName name="_xlnm.Print_Area" localSheetId="{i}">'
                       f"'{_esc(n)}'!$A$1:${last_col}${HEADER_ROW + max(count, 1)}</definedName>")
        defined.append(f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
                       f"'{_esc(n)}'!${HEADER_ROW}:${HEADER_ROW}</definedName>")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<bookViews><workbookView/></bookViews>'
            f'<sheets>{sheets}</sheets><definedNames>{"".join(defined)}</definedNames></workbook>')


def _workbook_rels(n: int) -> str:
    rels = "".join(f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   f'relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>' for i in range(n))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'{rels}<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/styles" Target="styles.xml"/></Relationships>')
