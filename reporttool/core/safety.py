# Over 500 lines: one capped streaming pass over an untrusted zip that every pre-check shares.
"""A cheap pre-check of a district file, run before any parser touches it.

Standard library only. It refuses (raises ``ReadRefused``) what would be unsafe or pointless to parse:
empty files, oversize files, old .xls, password-protected workbooks, things that are not workbooks, zip
bombs and lying zip headers, XML with DOCTYPE/ENTITY declarations, and sheets whose cells lie far outside
any sane table. The last one matters beyond safety: python-calamine 0.9 aborts the whole process
(uncatchable) on a legal workbook with a value in a far-away cell such as XFD1048576, which the Excel
Solver add-in leaves behind, so the extent check must run before calamine ever sees the file.

While it streams the sheet XML it also collects formula cells without a cached value, which calamine
would silently read as empty: the reader reports them as R-NO-CACHED.
"""
from __future__ import annotations

import functools
import re
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from reporttool.core.models import ReadRefused
from reporttool.core.rules import finding
from reporttool.core.units import readable_name

MB = 1024 * 1024
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTED_NAME = "EncryptedPackage".encode("utf-16-le")
_MACRO_TYPES = (b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                b"application/vnd.ms-excel.template.macroEnabled.main+xml")
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_HOSTILE = tuple(m for word in (b"<!doctype", b"<!entity")
                 for m in (word, word.decode().encode("utf-16-le"), word.decode().encode("utf-16-be")))
_CHUNK = 1 * MB
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

# A cell start tag with its r attribute, and the cell's body (formula and value) when it has one.
_CELL = re.compile(rb'<c\b([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_ATTR_R = re.compile(rb'\sr="([A-Z]{1,4})([0-9]{1,8})"')
_ATTR_T = re.compile(rb'\st="([a-zA-Z]+)"')
_VALUE = re.compile(rb'<v(?:\s[^>]*)?>[^<]+</v>')
_CELL_TAG = re.compile(rb'<c\b([^>]*?)/?>')
_ATTR_S = re.compile(rb'\ss="([0-9]{1,6})"')
_DIMENSION = re.compile(rb'<dimension\b[^>]*?\sref="([A-Z]{1,4})?([0-9]{1,8})?(?::([A-Z]{1,4})([0-9]{1,8}))?"')


@dataclass(frozen=True)
class Limits:
    """What the pre-check accepts. The defaults are generous for a district form (typically < 1 MB)."""

    max_bytes: int = 50 * MB  # file size
    max_members: int = 2000  # zip entries
    max_total_uncompressed: int = 400 * MB  # sum of all parts, as declared and as measured
    max_member_ratio: int = 100  # uncompressed / compressed, for parts above ratio_floor
    ratio_floor: int = 1 * MB  # small parts compress as they like
    max_rows: int = 100_000  # per worksheet
    max_cols: int = 200  # per worksheet (GR)
    max_row_xml: int = 32 * MB  # one <row> element of sheet XML


@dataclass
class SheetScan:
    """What the pre-check saw in one worksheet part."""

    name: str  # sheet name as in the workbook
    part: str  # zip member, e.g. xl/worksheets/sheet2.xml
    max_row: int = 0
    max_col: int = 0
    # formula cells without a cached value: (row, column), 1-based
    uncached: list[tuple[int, int]] = field(default_factory=list)
    # cells shown as a percentage (Excel turns a typed "12%" into 0.12 with a % format): (row, column)
    percent: list[tuple[int, int]] = field(default_factory=list)
    percent_xf: frozenset[int] = frozenset()  # the workbook's cell formats (xf index) that show a %


@dataclass
class SafetyReport:
    """The result of a passed pre-check."""

    sheets: dict[str, SheetScan]  # sheet name -> scan, in workbook order
    is_macro: bool = False
    size: int = 0  # file bytes
    uncompressed: int = 0  # measured bytes of all parts

    @property
    def parts(self) -> dict[str, str]:
        """Sheet name -> xml part."""
        return {name: s.part for name, s in self.sheets.items()}

    def uncached(self, sheet: str) -> list[tuple[int, int]]:
        s = self.sheets.get(sheet)
        return list(s.uncached) if s else []

    def percent(self, sheet: str) -> frozenset[tuple[int, int]]:
        """Cells of ``sheet`` formatted as a percentage (their stored value is the fraction: 12% is 0.12)."""
        s = self.sheets.get(sheet)
        return frozenset(s.percent) if s else frozenset()

    @property
    def max_cells(self) -> int:
        """The largest sheet's area (rows × columns): what a parser will allocate for it."""
        return max((s.max_row * s.max_col for s in self.sheets.values()), default=0)


def _human(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{n / 1024:.0f} KB"


def col_index(letters: bytes | str) -> int:
    """"A" -> 1, "XFD" -> 16384."""
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode("ascii"):
        n = n * 26 + ord(ch) - 64
    return n


def precheck(path: Path | str, limits: Limits | None = None) -> SafetyReport:
    """Check ``path`` without parsing it as a workbook; raise ReadRefused with the reason, else report.

    Reads the file's bytes and streams every zip part once with capped decompression; never trusts the
    sizes a zip header declares. Safe to call on anything a district may send.
    """
    path = Path(path)
    lim = limits or Limits()
    name = readable_name(path.name)  # GBK names: shown readably, stored as text

    def refuse(code: str, **fields) -> ReadRefused:
        return ReadRefused(finding(code, file=name, **fields))

    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ReadRefused(finding("F-UNREADABLE", file=name, detail=f"无法打开文件：{exc.strerror or exc}")) \
            from None
    if size == 0:
        raise refuse("F-EMPTY-FILE")
    if size > lim.max_bytes:
        raise refuse("F-TOO-BIG", size=_human(size), limit=_human(lim.max_bytes))
    suffix = path.suffix.lower()
    with open(path, "rb") as fh:
        head = fh.read(8)
        if head == OLE2_MAGIC:
            if _contains(fh, _ENCRYPTED_NAME):
                raise refuse("F-ENCRYPTED")
            if not _contains(fh, _WORKBOOK_NAME) and _contains(fh, _WORD_NAME):
                raise refuse("F-NOT-XLSX", what="，而是 Word 文档（.doc）")
            raise refuse("F-XLS", kind=_OLE2_KINDS.get(suffix, _OLE2_KINDS[".xls"]))
        if not head.startswith(ZIP_MAGIC):
            if suffix == ".csv":
                raise refuse("F-CSV")
            fh.seek(0)
            what = _what_else(fh.read(4096), suffix)
            if what.startswith("."):
                raise refuse("F-ARCHIVE", kind=what)
            raise refuse("F-NOT-XLSX", **({"what": what} if what else {}))
        try:
            zf = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, ValueError, OSError, EOFError):
            # a zip header but no readable directory: a truncated or damaged .xlsx, not a renamed file
            raise refuse("F-DAMAGED") from None
        with zf:
            members = zf.namelist()
            if "xl/workbook.xml" not in members:
                if suffix == ".ods" or _is_ods(zf):
                    raise refuse("F-ODS")
                what = _what_zip(members, suffix)
                if what == ".zip":
                    raise refuse("F-ARCHIVE", kind=what)
                if what:
                    raise refuse("F-NOT-XLSX", what=what)
            return _check_zip(fh, zf, name, size, lim, refuse)


_WORKBOOK_NAME = "Workbook".encode("utf-16-le")  # the stream of an .xls ("Book" in Excel 5, rare)
_WORD_NAME = "WordDocument".encode("utf-16-le")
_MAGICS = ((b"%PDF-", "，而是 PDF 文档（无法从中读取数据）"),
           (b"\x89PNG", "，而是图片（无法从中读取数据）"), (b"\xff\xd8\xff", "，而是图片（无法从中读取数据）"),
           (b"GIF8", "，而是图片（无法从中读取数据）"), (b"BM", "，而是图片（无法从中读取数据）"),
           (b"Rar!\x1a\x07", ".rar"), (b"7z\xbc\xaf\x27\x1c", ".7z"))  # archives: F-ARCHIVE


def _what_else(head: bytes, suffix: str) -> str:
    """What a file that is neither OLE2 nor zip is, from its first bytes: the words for F-NOT-XLSX, an
    archive's extension (".rar") for F-ARCHIVE, or "" when not recognised."""
    for magic, what in _MAGICS:
        if head.startswith(magic) and not (magic == b"BM" and suffix not in (".bmp", "")):
            return what
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"urn:schemas-microsoft-com:office:spreadsheet" in head.lower():
        return "，而是 Excel 2003 XML 表格"
    if text.startswith((b"<html", b"<!doctype html", b"<table", b"<meta", b"<head")):
        return "，而是网页（HTML）格式的表格（一些系统导出的“.xls”其实是网页）"
    return ""


def _what_zip(members: list[str], suffix: str) -> str:
    """What a zip without xl/workbook.xml is: a Word/PowerPoint file (words for F-NOT-XLSX), or an archive
    of files (".zip", for F-ARCHIVE); "" when not recognised."""
    if "word/document.xml" in members:
        return "，而是 Word 文档（.docx）"
    if any(m.startswith("ppt/") for m in members):
        return "，而是 PowerPoint 演示文稿"
    if suffix == ".zip" or any(m.lower().endswith((".xlsx", ".xls", ".et", ".xlsm")) for m in members):
        return ".zip"
    return ""


# What an OLE2 (compound document) spreadsheet is, told by its extension: WPS saves .et the same way.
_OLE2_KINDS = {".xls": "旧版 Excel 97-2003 格式（.xls）", ".et": "WPS 表格格式（.et）",
               ".ett": "WPS 表格模板格式（.ett）", ".xlt": "旧版 Excel 97-2003 模板格式（.xlt）"}
_ODS_MIMETYPES = (b"application/vnd.oasis.opendocument.spreadsheet",)


def _is_ods(zf: zipfile.ZipFile) -> bool:
    """An OpenDocument spreadsheet: its first member ``mimetype`` names the type (read capped)."""
    try:
        info = zf.getinfo("mimetype")
    except KeyError:
        return False
    if info.file_size > 200:
        return False
    try:
        with zf.open(info) as fh:
            return fh.read(200).strip().startswith(_ODS_MIMETYPES)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError, zlib.error):
        return False


def _contains(fh, needle: bytes) -> bool:
    """Stream the rest of the file looking for ``needle`` (chunks overlap by its length)."""
    fh.seek(0)
    tail = b""
    while chunk := fh.read(_CHUNK):
        if needle in tail + chunk:
            return True
        tail = chunk[-len(needle):]
    return False


def _check_zip(fh, zf: zipfile.ZipFile, name: str, size: int, lim: Limits, refuse) -> SafetyReport:
    infos = zf.infolist()
    names = [i.filename for i in infos]
    if "xl/workbook.xml" not in names:
        raise refuse("F-NOT-XLSX")
    if len(infos) > lim.max_members:
        raise refuse("F-ZIP-BOMB", detail=f"压缩包含 {len(infos)} 个条目，超过上限 {lim.max_members}")
    if len(set(names)) != len(names):
        raise refuse("F-ZIP-BOMB", detail="压缩包中有重复条目")
    declared = sum(i.file_size for i in infos)
    if declared > lim.max_total_uncompressed:
        raise refuse("F-ZIP-BOMB", detail=f"声明解压后共 {_human(declared)}，超过上限 "
                                          f"{_human(lim.max_total_uncompressed)}")
    data_offsets = _check_layout(fh, infos, size, refuse)
    for i in infos:
        if i.file_size > lim.ratio_floor and i.file_size > lim.max_member_ratio * max(i.compress_size, 1):
            raise refuse("F-ZIP-BOMB", detail=f"{i.filename} 压缩比 {i.file_size // max(i.compress_size, 1)}:1 "
                                              f"超过上限 {lim.max_member_ratio}:1")

    budget = [lim.max_total_uncompressed]

    def read_part(info: zipfile.ZipInfo) -> Iterator[bytes]:
        return _stream(fh, info, data_offsets[info.filename], budget, lim, refuse)

    # small metadata parts first: they say which parts are worksheets
    by_name = {i.filename: i for i in infos}
    meta: dict[str, bytes] = {}
    for part in ("[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", _STYLES):
        if part in by_name:
            meta[part] = _scan_plain(part, read_part(by_name[part]), refuse, keep=True)
    is_macro = any(t in meta.get("[Content_Types].xml", b"") for t in _MACRO_TYPES)
    sheets = _sheet_parts(meta, refuse)
    percent_xf = _percent_styles(meta.get(_STYLES, b""))
    for scan in sheets.values():
        scan.percent_xf = percent_xf
    by_part = {s.part: s for s in sheets.values()}
    for info in infos:
        if info.filename in meta or info.is_dir():
            continue
        if info.filename in by_part:
            _scan_sheet(by_part[info.filename], read_part(info), lim, refuse)
        elif info.filename.lower().endswith(_XML_SUFFIXES):
            _scan_plain(info.filename, read_part(info), refuse)
        else:
            for _ in read_part(info):  # binary parts: measured, not scanned
                pass
    return SafetyReport(sheets=sheets, is_macro=is_macro, size=size,
                        uncompressed=lim.max_total_uncompressed - budget[0])


def _check_layout(fh, infos: list[zipfile.ZipInfo], size: int, refuse) -> dict[str, int]:
    """Local headers must exist where the central directory says and entries must not overlap.

    Returns member name -> offset of its compressed data.
    """
    spans: list[tuple[int, int, str]] = []
    offsets: dict[str, int] = {}
    for i in infos:
        fh.seek(i.header_offset)
        local = fh.read(30)
        if len(local) < 30 or local[:4] != ZIP_MAGIC:
            raise refuse("F-ZIP-BOMB", detail=f"条目 {i.filename} 的位置信息不正确")
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        start = i.header_offset + 30 + name_len + extra_len
        end = start + i.compress_size
        if end > size:
            raise refuse("F-ZIP-BOMB", detail=f"条目 {i.filename} 超出文件末尾")
        spans.append((i.header_offset, end, i.filename))
        offsets[i.filename] = start
    spans.sort()
    for (_, end, a), (start, _, b) in zip(spans, spans[1:]):
        if start < end:
            raise refuse("F-ZIP-BOMB", detail=f"条目 {a} 与 {b} 相互重叠")
    return offsets


def _stream(fh, info: zipfile.ZipInfo, offset: int, budget: list[int], lim: Limits, refuse) -> Iterator[bytes]:
    """Yield the decompressed bytes of one member in chunks, measuring the real size as it goes.

    Stops (F-ZIP-BOMB) as soon as the member yields more than its header declares or the whole file
    more than the total limit: a lying header cannot make us inflate more than we allowed.
    """
    if info.flag_bits & 0x1:
        raise refuse("F-ENCRYPTED")
    if info.compress_type == zipfile.ZIP_STORED:
        inflater = None
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
    else:
        raise refuse("F-NOT-XLSX")
    fh.seek(offset)
    left = info.compress_size
    produced = 0
    while True:
        raw = fh.read(min(_CHUNK, left)) if left > 0 else b""
        left -= len(raw)
        if inflater is None:
            if not raw:
                break
            produced += len(raw)
            _account(info, produced, budget, lim, refuse, len(raw))
            yield raw
            continue
        data = raw
        while True:  # output is bounded per call: a bomb never materialises in memory
            out = inflater.decompress(data, _CHUNK)
            data = inflater.unconsumed_tail
            if out:
                produced += len(out)
                _account(info, produced, budget, lim, refuse, len(out))
                yield out
            if inflater.eof or (not data and len(out) < _CHUNK):
                break
        if inflater.eof or not raw:
            break
    if inflater is not None and not inflater.eof and info.compress_size:
        raise refuse("F-DAMAGED", detail=f"条目 {info.filename} 的压缩数据不完整")
    if produced != info.file_size:
        raise refuse("F-ZIP-BOMB", detail=f"条目 {info.filename} 声明大小 {info.file_size} 字节，实际 {produced} 字节")


def _account(info, produced: int, budget: list[int], lim: Limits, refuse, n: int) -> None:
    if produced > info.file_size:
        raise refuse("F-ZIP-BOMB", detail=f"条目 {info.filename} 实际解压大小超过声明的 {info.file_size} 字节")
    budget[0] -= n
    if budget[0] < 0:
        raise refuse("F-ZIP-BOMB", detail=f"解压后超过上限 {_human(lim.max_total_uncompressed)}")


def _hostile(chunk: bytes) -> bool:
    low = chunk.lower()
    return any(m in low for m in _HOSTILE)


def _hostile_at(tail: bytes, chunk: bytes) -> bool:
    """_hostile(tail + chunk): a declaration in ``chunk`` or across the boundary with the bytes before it.

    Every marker holds the byte "!" (0x21) in each of its encodings (<!doctype, <!entity in UTF-8, UTF-16
    LE and BE; lower() leaves it as it is), so a chunk and tail without one hold none: one memchr each
    instead of lowering and searching the chunk six times (sheet XML has no "!" outside rare texts)."""
    if b"!" not in chunk and b"!" not in tail:
        return False
    return _hostile(tail + chunk)


def _scan_plain(part: str, chunks: Iterator[bytes], refuse, keep: bool = False) -> bytes:
    """Look for DOCTYPE/ENTITY across chunk boundaries; return the bytes when ``keep``."""
    tail = b""
    kept: list[bytes] = []
    for chunk in chunks:
        if _hostile_at(tail, chunk):
            raise refuse("F-HOSTILE-XML", part=part)
        tail = chunk[-32:]
        if keep:
            kept.append(chunk)
    return b"".join(kept)


def _sheet_parts(meta: dict[str, bytes], refuse) -> dict[str, SheetScan]:
    """Workbook sheet names -> worksheet parts, from workbook.xml and its relationships."""
    try:
        wb = ET.fromstring(meta["xl/workbook.xml"])
        rels = ET.fromstring(meta.get("xl/_rels/workbook.xml.rels", b"<Relationships/>"))
    except ET.ParseError:
        raise refuse("F-NOT-XLSX") from None
    targets = {}
    for rel in rels.iter(f"{{{_PKG_REL_NS}}}Relationship"):
        target = rel.get("Target", "")
        if target.startswith("/"):
            part = target.lstrip("/")
        else:
            part = str(PurePosixPath("xl", target))
        targets[rel.get("Id")] = _normpath(part)
    sheets: dict[str, SheetScan] = {}
    for sheet in wb.iter(f"{{{_MAIN_NS}}}sheet"):
        name = sheet.get("name", "")
        sheet_part = targets.get(sheet.get(f"{{{_REL_NS}}}id"))
        if sheet_part:
            sheets[name] = SheetScan(name=name, part=sheet_part)
    return sheets


_STYLES = "xl/styles.xml"
_BUILTIN_PERCENT = frozenset({9, 10})  # 0% and 0.00%
_QUOTED = re.compile(r'"[^"]*"|\\.')


def _percent_styles(data: bytes) -> frozenset[int]:
    """Indices of the cell formats (cellXfs) whose number format shows a percentage; empty when unsure.

    A template as written has none, so for an untouched form the sheet scan costs nothing extra."""
    if b"%" not in data and b'numFmtId="9"' not in data and b'numFmtId="10"' not in data:
        return frozenset()
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return frozenset()
    ns = f"{{{_MAIN_NS}}}"
    percent = set(_BUILTIN_PERCENT)
    for fmt in root.iter(f"{ns}numFmt"):
        code = _QUOTED.sub("", fmt.get("formatCode", ""))
        fmt_id = fmt.get("numFmtId") or ""
        if "%" in code and fmt_id.isdigit():
            percent.add(int(fmt_id))
    xfs = root.find(f"{ns}cellXfs")
    if xfs is None:
        return frozenset()
    return frozenset(k for k, xf in enumerate(xfs.findall(f"{ns}xf"))
                     if (xf.get("numFmtId") or "0").isdigit() and int(xf.get("numFmtId") or 0) in percent)


def _normpath(part: str) -> str:
    out: list[str] = []
    for piece in part.split("/"):
        if piece == "..":
            if out:
                out.pop()
        elif piece not in ("", "."):
            out.append(piece)
    return "/".join(out)


def _scan_sheet(scan: SheetScan, chunks: Iterator[bytes], lim: Limits, refuse) -> None:
    """Stream one worksheet: hostile declarations, declared and real extent, uncached formulas."""
    buf = b""
    first = True
    for chunk in chunks:
        if _hostile_at(buf[-32:], chunk):
            raise refuse("F-HOSTILE-XML", part=scan.part)
        buf += chunk
        if first and b"<sheetData" in buf:
            first = False
            _check_dimension(scan, buf, lim, refuse)
        cut = buf.rfind(b"</row>")
        if cut < 0:
            if len(buf) > lim.max_row_xml:
                raise refuse("F-EXTENT", sheet=scan.name, detail="单行内容过多")
            continue
        _scan_rows(scan, buf[:cut + 6], lim, refuse)
        buf = buf[cut + 6:]
    if first:
        _check_dimension(scan, buf, lim, refuse)
    _scan_rows(scan, buf, lim, refuse)


def _check_dimension(scan: SheetScan, head: bytes, lim: Limits, refuse) -> None:
    m = _DIMENSION.search(head)
    if not m:
        return
    col = m.group(3) or m.group(1)
    row = m.group(4) or m.group(2)
    if col and col_index(col) > lim.max_cols or row and int(row) > lim.max_rows:
        ref = m.group(0).split(b'ref="')[1].rstrip(b'"').decode("ascii")
        if not (col and col_index(col) > lim.max_cols):
            raise refuse("F-TOO-MANY-ROWS", sheet=scan.name, rows=f"{int(row):,}", limit=f"{lim.max_rows:,}")
        raise refuse("F-EXTENT", sheet=scan.name, detail=f"声明范围 {ref}，上限为 {lim.max_rows:,} 行、{lim.max_cols} 列")


@functools.lru_cache(maxsize=8)
def _long_refs(max_rows: int, max_cols: int) -> tuple[re.Pattern, int, bool]:
    """Cell references long enough (column letters or row digits) to break the limits, the widest column a
    shorter reference can name (an upper bound used for the sheet's width), and whether a match must still be
    checked for the whitespace before its ``r`` (_long_ref_cells).

    The pattern starts with the literal r=" rather than \\s: re then looks for the literal as a whole, ≈ 4×
    faster over a sheet whose every cell has one. A match of r="…" preceded by whitespace is exactly a
    match of \\sr="…": a match spans only r, =, quotes, letters and digits, so it can neither contain the
    whitespace of another nor hide one that starts inside it."""
    from reporttool.core.units import column_letter

    letters, digits = len(column_letter(max_cols)), len(str(max_rows))
    if letters == 1:  # every reference can break the limits: the plain pattern (each match is used)
        return re.compile(rb'\sr="([A-Z]{1,4})([0-9]{1,8})"()()'), 0, False
    pattern = rb'r="(?:([A-Z]{%d,4})([0-9]{1,8})|([A-Z]{1,%d})([0-9]{%d,8}))"' % (letters, letters - 1, digits)
    return re.compile(pattern), col_index("Z" * (letters - 1)), True


_SPACE = frozenset(b" \t\n\r\f\v")  # what \s matches in a bytes pattern


def _long_ref_cells(pattern: re.Pattern, spaced: bool, seg: bytes) -> Iterator[tuple]:
    """(letters, digits, letters, digits) of each long reference in ``seg`` (_long_refs), one pair empty."""
    if not spaced:
        yield from pattern.findall(seg)
        return
    for m in pattern.finditer(seg):
        at = m.start()
        if at and seg[at - 1] in _SPACE:
            yield m.groups()


def _scan_rows(scan: SheetScan, seg: bytes, lim: Limits, refuse) -> None:
    if not seg:
        return
    # Only references long enough to break a limit are parsed: a district form has tens of thousands of
    # cells and every one of them within A..Z and below row 100000 is fine without being looked at.
    last_row = seg.rfind(b'<row r="')
    if last_row >= 0:
        digits = seg[last_row + 8:seg.find(b'"', last_row + 8)]
        if digits.isdigit():
            scan.max_row = max(scan.max_row, int(digits))
    pattern, short_max, spaced = _long_refs(lim.max_rows, lim.max_cols)
    for a, b, c, d in _long_ref_cells(pattern, spaced, seg):
        scan.max_col = max(scan.max_col, col_index(a or c))
        scan.max_row = max(scan.max_row, int(b or d))
    if short_max and b' r="' in seg:
        scan.max_col = max(scan.max_col, short_max)
    if scan.max_row > lim.max_rows or scan.max_col > lim.max_cols:
        from reporttool.core.units import column_letter

        if scan.max_col <= lim.max_cols:
            raise refuse("F-TOO-MANY-ROWS", sheet=scan.name, rows=f"{scan.max_row:,}", limit=f"{lim.max_rows:,}")
        raise refuse("F-EXTENT", sheet=scan.name,
                     detail=f"最远的单元格在第 {scan.max_row} 行、第 {column_letter(scan.max_col)} 列，"
                            f"上限为 {lim.max_rows:,} 行、{lim.max_cols} 列")
    if scan.percent_xf:
        _percent_cells(scan, seg)
    _uncached_cells(scan, seg)


def _uncached_cells(scan: SheetScan, seg: bytes) -> None:
    """Record the formula cells of ``seg`` without a cached value.

    What a scan of every cell (``_CELL.finditer(seg)``) records, looking only near each "<f": a cell is
    recorded only when its body holds "<f". The cell matches after the end of a "</c>" are the same whether
    the scan starts at the beginning of ``seg`` or there: no match spans the ">" of a "</c>" (a start tag
    has no ">", a body ends at its first "</c>"); nor does one span the end of another. So for each "<f"
    the scan starts at the last such point before it and stops at the first match starting after it; the
    match holding it (if any) ends at the first "</c>" after it, which bounds the scan (``endpos``)."""
    at = _find_formula(seg, 0)
    done = 0  # where the whole scan would resume: an end of a match already seen, or 0
    while at >= 0:
        sync = seg.rfind(b"</c>", done, at)
        start = sync + 4 if sync >= 0 else done
        nxt = seg.find(b"</c>", at)
        for m in _CELL.finditer(seg, start, nxt + 4 if nxt >= 0 else len(seg)):
            if m.start() > at:
                break
            done = m.end()
            _formula_cell(scan, m)
        at = _find_formula(seg, max(done, at + 1))


def _formula_cell(scan: SheetScan, m: re.Match) -> None:
    body = m.group(2)
    if not body or b"<f" not in body or _VALUE.search(body):
        return
    attrs = m.group(1)
    t = _ATTR_T.search(attrs)
    if t and t.group(1) == b"str" and b"<v" in body:
        return  # a formula whose cached result is the empty string
    r = _ATTR_R.search(b" " + attrs)
    if r:
        scan.uncached.append((int(r.group(2)), col_index(r.group(1))))


def _find_formula(seg: bytes, start: int) -> int:
    """seg.find(b"<f", start), by the rare "f" (one memchr each) rather than the "<" that starts every tag;
    after many an "f" not after "<" (texts in inline strings) the plain search takes over from there."""
    j = seg.find(b"f", start + 1)
    misses = 0
    while j >= 0:
        if seg[j - 1] == 0x3C:  # "<"
            return j - 1
        misses += 1
        if misses > 64:
            return seg.find(b"<f", j)
        j = seg.find(b"f", j + 1)
    return -1


def _percent_cells(scan: SheetScan, seg: bytes) -> None:
    """Record the cells of ``seg`` whose format is one of the workbook's percentage formats."""
    for m in _CELL_TAG.finditer(seg):
        s = _ATTR_S.search(m.group(1))
        if s is None or int(s.group(1)) not in scan.percent_xf:
            continue
        r = _ATTR_R.search(b" " + m.group(1))
        if r:
            scan.percent.append((int(r.group(2)), col_index(r.group(1))))
