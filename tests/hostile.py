"""Builders of broken and hostile district files for the reader and safety tests.

Each builder writes one file under the given folder and returns its path. Most start from a real filled
form (reporttool.forms.writer) and edit the zip parts directly, so the file is exactly what calamine
would otherwise have to parse. Nothing here is committed as a fixture file: the files are built per test.
"""
from __future__ import annotations

import datetime as dt
import re
import struct
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal as D
from pathlib import Path

import xlsxwriter

from reporttool.catalogue import Catalogue, with_settings
from reporttool.core.models import Cluster, Period
from reporttool.forms.writer import write_template

PERIOD = Period(2025, 6)
DISTRICT = "110101"
# sheet order of a form: 填报说明, 集群企业, 投资项目, 集群产出, identity sheet
ROSTER_PART = "xl/worksheets/sheet2.xml"
PROJECTS_PART = "xl/worksheets/sheet3.xml"

ROSTER = [
    {"credit_code": "91211400MA0QC1XX1X", "name": "甲化工有限公司", "cluster": "化工", "is_scale": "是",
     "revenue": D("1234.5"), "revenue_ly": D("1000"), "employees": 120},
    {"credit_code": "91211400MA0QC2XX2X", "name": "乙装备有限公司", "cluster": "装备制造产业集群", "is_scale": "否",
     "revenue": "１,２00", "revenue_ly": "3,456.78", "employees": "35", "note": "新投产"},
]
PROJECTS = [
    {"name": "丙项目", "cluster": "A", "nature": "新建", "status": "在建", "total": 5000, "plan_year": 2000,
     "done_year": "—", "start": dt.date(2025, 3, 1), "finish": "2026年12月"},
]
OUTPUTS = {("A", "SR"): {"value": D("100.5"), "value_ly": "80"}, ("B", "CZ"): {"value": "２０", "note": "说明"}}


def filled_form(cat: Catalogue, dest: Path, *, roster=ROSTER, projects=PROJECTS, outputs=OUTPUTS,
                district: str = DISTRICT, period: Period = PERIOD) -> Path:
    """A filled submission written by the real template writer."""
    return write_template(cat, district, period, dest, roster=roster, projects=projects, outputs=outputs)


def edit_parts(src: Path, dest: Path, edits: dict[str, Callable[[bytes], bytes]],
               add: dict[str, bytes] | None = None) -> Path:
    """Copy a zip, editing some parts' bytes and adding parts."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename in edits:
                data = edits[info.filename](data)
            zout.writestr(info.filename, data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # duplicate names are wanted by one builder
            for name, data in (add or {}).items():
                zout.writestr(name, data)
    return dest


def sub_bytes(pattern: bytes, repl: bytes) -> Callable[[bytes], bytes]:
    def edit(data: bytes) -> bytes:
        new, n = re.subn(pattern, repl, data, count=1)
        assert n, f"pattern {pattern!r} not found"
        return new
    return edit


def _central_entries(data: bytes, start: int):
    """Yield (offset, name) of each central-directory entry."""
    pos = start
    while data[pos:pos + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, pos + 28)
        yield pos, data[pos + 46:pos + 46 + name_len].decode("utf-8")
        pos += 46 + name_len + extra_len + comment_len


# ---- not a workbook ---------------------------------------------------------------------------------


def empty_file(folder: Path) -> Path:
    p = folder / "空文件.xlsx"
    p.write_bytes(b"")
    return p


def renamed_text(folder: Path) -> Path:
    p = folder / "甲区报表.xlsx"
    p.write_text("企业名称,营业收入\n甲化工,1234.5\n", encoding="utf-8")
    return p


def renamed_docx(folder: Path) -> Path:
    """A Word document (a zip, but without xl/workbook.xml) renamed to .xlsx."""
    p = folder / "甲区报表（改名）.xlsx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                                          'package/2006/content-types"/>')
        z.writestr("word/document.xml", "<w:document xmlns:w='x'><w:body>报表</w:body></w:document>")
    return p


def _ole(extra: bytes) -> bytes:
    header = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 16 + struct.pack("<HH", 0x3E, 3) + b"\xfe\xff"
    return header + b"\x00" * (512 - len(header)) + extra + b"\x00" * 1024


def ole_xls(folder: Path) -> Path:
    """An Excel 97-2003 file: OLE2 compound document with a Workbook stream."""
    p = folder / "甲区报表（旧版）.xlsx"
    p.write_bytes(_ole("Workbook".encode("utf-16-le")))
    return p


def ole_encrypted(folder: Path) -> Path:
    """A password-protected .xlsx: an OLE2 container holding EncryptionInfo and EncryptedPackage."""
    p = folder / "甲区报表（加密）.xlsx"
    p.write_bytes(_ole("EncryptionInfo".encode("utf-16-le") + b"\x00" * 64
                       + "EncryptedPackage".encode("utf-16-le")))
    return p


def too_big(folder: Path, size: int) -> Path:
    p = folder / "大文件.xlsx"
    with open(p, "wb") as fh:
        fh.write(b"PK\x03\x04")
        fh.truncate(size)
    return p


# ---- zip tricks -------------------------------------------------------------------------------------


def zip_bomb(form: Path, folder: Path, size: int = 20 * 1024 * 1024) -> Path:
    """A real form plus one highly compressible member (``size`` zero bytes, ratio about 1000:1)."""
    return edit_parts(form, folder / "压缩炸弹.xlsx", {}, add={"xl/media/image1.bin": b"\x00" * size})


def lying_header(form: Path, folder: Path, part: str = ROSTER_PART, declared: int = 1000) -> Path:
    """A real form whose zip headers declare a member much smaller than it really inflates to."""
    data = bytearray(form.read_bytes())
    with zipfile.ZipFile(form) as z:
        info = z.getinfo(part)
        start = z.start_dir
    struct.pack_into("<I", data, info.header_offset + 22, declared)  # local header: uncompressed size
    for pos, name in list(_central_entries(bytes(data), start)):
        if name == part:
            struct.pack_into("<I", data, pos + 24, declared)  # central directory: uncompressed size
    dest = folder / "大小不符.xlsx"
    dest.write_bytes(bytes(data))
    return dest


def overlapping_entries(form: Path, folder: Path, part: str = ROSTER_PART, onto: str = PROJECTS_PART) -> Path:
    """Two central-directory entries pointing at the same bytes (``part`` claims ``onto``'s data)."""
    data = bytearray(form.read_bytes())
    with zipfile.ZipFile(form) as z:
        target = z.getinfo(onto)
        start = z.start_dir
    for pos, name in list(_central_entries(bytes(data), start)):
        if name == part:
            struct.pack_into("<III", data, pos + 16, target.CRC, target.compress_size, target.file_size)
            struct.pack_into("<I", data, pos + 42, target.header_offset)
    dest = folder / "重叠条目.xlsx"
    dest.write_bytes(bytes(data))
    return dest


def duplicate_entries(form: Path, folder: Path) -> Path:
    """The same part name twice: which one a parser reads is up to the parser."""
    return edit_parts(form, folder / "重复条目.xlsx", {}, add={ROSTER_PART: b"<worksheet/>"})


def too_many_members(form: Path, folder: Path, n: int) -> Path:
    return edit_parts(form, folder / "条目过多.xlsx", {}, add={f"xl/media/m{i}.bin": b"x" for i in range(n)})


# ---- hostile or odd content -------------------------------------------------------------------------


def doctype_entity(form: Path, folder: Path, part: str = ROSTER_PART) -> Path:
    """A DOCTYPE with an ENTITY (the start of a billion-laughs) in a sheet part."""
    decl = b'<!DOCTYPE worksheet [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    return edit_parts(form, folder / "实体声明.xlsx", {part: sub_bytes(rb"(<\?xml[^>]*\?>)", rb"\1" + decl)})


def far_cell(form: Path, folder: Path, ref: str = "XFD1048576", part: str = ROSTER_PART) -> Path:
    """A value in a far-away cell (what the Excel Solver add-in leaves). calamine 0.9 aborts on it."""
    row = re.sub(r"[A-Z]", "", ref)
    cell = f'<row r="{row}"><c r="{ref}" t="n"><v>1</v></c></row></sheetData>'.encode()
    return edit_parts(form, folder / f"远端单元格{ref}.xlsx", {part: sub_bytes(rb"</sheetData>", cell)})


def far_dimension(form: Path, folder: Path, part: str = ROSTER_PART) -> Path:
    return edit_parts(form, folder / "声明范围过大.xlsx",
                      {part: sub_bytes(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>')})


def xlsm(form: Path, folder: Path) -> Path:
    """The same workbook with a macro-enabled content type (as Excel saves .xlsm)."""
    return edit_parts(form, folder / "启用宏.xlsm", {"[Content_Types].xml": sub_bytes(
        rb"application/vnd\.openxmlformats-officedocument\.spreadsheetml\.sheet\.main\+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")}, add={"xl/vbaProject.bin": b"\x00" * 100})


def non_form_workbook(folder: Path) -> Path:
    """A valid workbook that is not our form (no identity sheet)."""
    p = folder / "自制表格.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("集群企业")
    ws.write_row(0, 0, ["企业名称", "营业收入"])
    ws.write_row(1, 0, ["甲化工", 1234.5])
    wb.close()
    return p


def stale_version(cat: Catalogue, folder: Path) -> Path:
    """A form written when the catalogue's 报表版本 was different."""
    return filled_form(with_settings(cat, template_version="0"), folder / "旧版本.xlsx")


def changed_fingerprint(cat: Catalogue, folder: Path) -> Path:
    """A form written before a cluster was added to the catalogue (same 报表版本)."""
    before = replace(cat, clusters=cat.clusters + (Cluster("Z", "新增产业集群", "新增"),), _index={})
    return filled_form(before, folder / "指纹不符.xlsx")


def wrong_period(cat: Catalogue, folder: Path) -> Path:
    return filled_form(cat, folder / "上月报表.xlsx", period=Period(2025, 5))


def deleted_sheet(form: Path, folder: Path, sheet: str = "投资项目") -> Path:
    """A form with one data sheet removed from the workbook."""
    return edit_parts(form, folder / "缺少工作表.xlsx",
                      {"xl/workbook.xml": sub_bytes(rf'<sheet name="{sheet}"[^>]*/>'.encode(), b"")})


def renamed_header(form: Path, folder: Path, old: str = "本年累计工业总产值", new: str = "工业产值（本年）") -> Path:
    """A form where a header label was retyped (its shared string edited)."""
    return shared_string(form, folder / "表头改动.xlsx", old, new)


def shared_string(form: Path, dest: Path, old: str, new: str) -> Path:
    """Replace one whole shared string (cells showing exactly ``old``, a narrow header possibly broken
    between words by a line break: 本年累计\n营业收入)."""
    pattern = "\n?".join(re.escape(ch) for ch in old).encode()
    return edit_parts(form, dest, {"xl/sharedStrings.xml": sub_bytes(
        b"<t>" + pattern + b"</t>", f"<t>{new}</t>".encode())})


def with_formula(form: Path, folder: Path, ref: str, formula: str, cached: bool, part: str = ROSTER_PART) -> Path:
    """Turn the numeric cell ``ref`` into a formula, with or without its cached value."""
    def edit(data: bytes) -> bytes:
        m = re.search(rf'<c r="{ref}"([^>]*)><v>([^<]*)</v></c>'.encode(), data)
        assert m, ref
        body = f"<f>{formula}</f>".encode() + (b"<v>" + m.group(2) + b"</v>" if cached else b"")
        return data[:m.start()] + f'<c r="{ref}"'.encode() + m.group(1) + b">" + body + b"</c>" + data[m.end():]
    return edit_parts(form, folder / ("公式有缓存.xlsx" if cached else "公式无缓存.xlsx"), {part: edit})


# ---- other formats a district may send (issue 9) ------------------------------------------------------


def ods_file(folder: Path, name: str = "甲区报表.ods") -> Path:
    """An OpenDocument spreadsheet as LibreOffice/WPS writes it: ``mimetype`` first, stored."""
    p = folder / name
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
                                  'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>')
        z.writestr("META-INF/manifest.xml", "<manifest/>")
    return p


def csv_file(folder: Path) -> Path:
    p = folder / "甲区报表.csv"
    p.write_text("统一社会信用代码,企业名称,本年累计营业收入\n91211400MA0QC1XX1X,甲化工有限公司,1234.5\n",
                 encoding="gbk")
    return p


def ole_et(folder: Path) -> Path:
    """A WPS 表格 .et file: an OLE2 compound document, like .xls."""
    p = folder / "甲区报表.et"
    p.write_bytes(_ole("Workbook".encode("utf-16-le")))
    return p


def many_rows(form: Path, folder: Path, row: int = 150_000, part: str = ROSTER_PART) -> Path:
    """A value far down column A (a sheet "used" to row 150,000, within the column limit)."""
    cell = f'<row r="{row}"><c r="A{row}" t="n"><v>1</v></c></row></sheetData>'.encode()
    return edit_parts(form, folder / f"行数过多{row}.xlsx", {part: sub_bytes(rb"</sheetData>", cell)})


# ---- from the held-out trial (bench/trial_files.py, docs/trials.md) -----------------------------------


def header_pasted_again(form: Path, folder: Path, after: int = 1, times: int = 2, sheet: str = "集群企业") -> Path:
    """The header row copied and pasted ``times`` more times below the ``after``-th data row."""
    import openpyxl

    wb = openpyxl.load_workbook(form)
    ws = wb[sheet]
    header = next(r for r in range(1, 20) if ws.cell(r, 1).value == "序号")
    titles = [ws.cell(header, c).value for c in range(1, ws.max_column + 1)]
    at = header + after + 1
    ws.insert_rows(at, times)
    for k in range(times):
        for c, v in enumerate(titles, 1):
            ws.cell(at + k, c).value = v
    dest = folder / "表头重复.xlsx"
    wb.save(dest)
    return dest
