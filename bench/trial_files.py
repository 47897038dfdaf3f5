"""Build the held-out trial set of messy and hostile district files (issue 9, docs/trials.md).

Usage (from the repository, with the venv):

    reporttool init W && reporttool -w W demo --period 2025-06
    python bench/trial_files.py W OUT        # writes OUT/*.xlsx … from copies of W/inbox/
    cp OUT/* W/inbox/ && reporttool -w W check W/inbox/* --json && reporttool -w W consolidate

Each file is a copy of one of the demo's district files edited as a clerk or an attacker would
(openpyxl, zipfile, LibreOffice). Nothing here is committed as a generated file. The encrypted file needs
``msoffcrypto-tool`` (pip install msoffcrypto-tool) and is skipped without it; the .xls and the LibreOffice
re-save need ``soffice``.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
from openpyxl.styles import PatternFill

SUFFIX = "_2025年1-6月重点产业集群报表.xlsx"
BUILDERS: list[tuple[str, str, Callable[[Path, Path], Path | None]]] = []


def builder(label: str, district: str):
    def deco(fn):
        BUILDERS.append((label, district, fn))
        return fn
    return deco


def src(inbox: Path, district: str) -> Path:
    return inbox / f"{district}{SUFFIX}"


def edit_book(source: Path, dest: Path, fn: Callable[[openpyxl.Workbook], None]) -> Path:
    wb = openpyxl.load_workbook(source)
    fn(wb)
    wb.save(dest)
    return dest


def rewrite_zip(source: Path, dest: Path, edit: Callable[[str, bytes], bytes | None],
                add: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dest


def first_data_row(ws) -> int:
    for r in range(1, 20):
        if ws.cell(r, 1).value == "序号":
            return r + 1
    raise ValueError(ws.title)


def col_of(ws, title: str) -> int:
    hdr = first_data_row(ws) - 1
    for c in range(1, ws.max_column + 1):
        v = ws.cell(hdr, c).value
        if isinstance(v, str) and v.replace("\n", "") == title:
            return c
    raise KeyError(title)


def soffice(args: list[str], cwd: Path) -> None:
    with tempfile.TemporaryDirectory() as prof:
        subprocess.run(["soffice", f"-env:UserInstallation=file://{prof}", "--headless", *args],
                       cwd=cwd, check=True, capture_output=True, timeout=180)


# ---- values typed as a clerk types them --------------------------------------------------------------

@builder("数字以文本录入（千分位、全角、全角逗号和句点）", "连山区")
def text_numbers(inbox: Path, out: Path) -> Path:
    def fn(wb):
        ws = wb["集群企业"]
        r0, c = first_data_row(ws), col_of(ws, "本年累计营业收入")
        ws.cell(r0, c).value = "76,856.87"
        ws.cell(r0 + 1, c).value = "４６７３５．４１"
        ws.cell(r0 + 2, c).value = "１２３，４５６．７"
        ws.cell(r0 + 3, c).value = " 1234 "
    return edit_book(src(inbox, "连山区"), out / "连山区_文本数字.xlsx", fn)


@builder("约数、单位写在数里、负数、科学计数", "连山区")
def approx_numbers(inbox: Path, out: Path) -> Path:
    def fn(wb):
        ws = wb["集群企业"]
        r0, c = first_data_row(ws), col_of(ws, "本年累计营业收入")
        ws.cell(r0, c).value = "约500"
        ws.cell(r0 + 1, c).value = "500万元"
        ws.cell(r0 + 2, c).value = -500
        ws.cell(r0 + 3, c).value = "1.2E+3"
        ws.cell(r0 + 4, c).value = "500-600"
    return edit_book(src(inbox, "连山区"), out / "连山区_约数负数.xlsx", fn)


@builder("日期写成文本“2025.3”“2025年3月”、Excel 序列号、带时分", "龙港区")
def text_dates(inbox: Path, out: Path) -> Path:
    def fn(wb):
        ws = wb["投资项目"]
        r0, c, c2 = first_data_row(ws), col_of(ws, "开工时间"), col_of(ws, "预计投产时间")
        ws.cell(r0, c).value = "2025.3"
        ws.cell(r0 + 1, c).value = "2025年3月"
        ws.cell(r0 + 2, c).value = 45717
        ws.cell(r0 + 3, c).value = dt.datetime(2025, 3, 15, 14, 30)
        ws.cell(r0 + 4, c).value = "2025/3/15"
        ws.cell(r0, c2).value = "2026年底"
    return edit_book(src(inbox, "龙港区"), out / "龙港区_日期文本.xlsx", fn)


@builder("格式刷到第 1,048,576 行（空行带格式）", "龙港区")
def formatted_to_bottom(inbox: Path, out: Path) -> Path:
    def fn(wb):
        ws = wb["集群企业"]
        fill = PatternFill("solid", fgColor="FFFF00")
        for c in range(1, 14):
            ws.cell(1048576, c).fill = fill
        ws.row_dimensions[1048576].height = 20
    return edit_book(src(inbox, "龙港区"), out / "龙港区_格式到底.xlsx", fn)


@builder("隐藏一行企业；一行只填了说明", "南票区")
def hidden_and_note_only(inbox: Path, out: Path) -> Path:
    def fn(wb):
        ws = wb["集群企业"]
        r0 = first_data_row(ws)
        ws.row_dimensions[r0 + 1].hidden = True
        last = r0
        while ws.cell(last + 1, 2).value:
            last += 1
        ws.cell(last + 1, col_of(ws, "说明")).value = "以上企业数据已核实"
    return edit_book(src(inbox, "南票区"), out / "南票区_隐藏行.xlsx", fn)


@builder("表头行在数据中间又粘贴了两遍", "南票区")
def header_pasted_twice(inbox: Path, out: Path) -> Path:
    def fn(wb):
        ws = wb["集群企业"]
        r0 = first_data_row(ws)
        hdr = [ws.cell(r0 - 1, c).value for c in range(1, 14)]
        ws.insert_rows(r0 + 3, 2)
        for k in range(2):
            for c, v in enumerate(hdr, 1):
                ws.cell(r0 + 3 + k, c).value = v
    return edit_book(src(inbox, "南票区"), out / "南票区_表头重复.xlsx", fn)


@builder("合计行在名录中间", "绥中县")
def total_in_middle(inbox: Path, out: Path) -> Path:
    def fn(wb):
        ws = wb["集群企业"]
        r0 = first_data_row(ws)
        ws.insert_rows(r0 + 3)
        ws.cell(r0 + 3, 1).value = "小计"
        ws.cell(r0 + 3, col_of(ws, "本年累计营业收入")).value = 99999
    return edit_book(src(inbox, "绥中县"), out / "绥中县_中间小计.xlsx", fn)


@builder("插入一列（所在乡镇）", "绥中县")
def extra_column(inbox: Path, out: Path) -> Path:
    def fn(wb):
        ws = wb["集群企业"]
        r0 = first_data_row(ws)
        ws.insert_cols(4)
        ws.cell(r0 - 1, 4).value = "所在乡镇"
        for r in range(r0, r0 + 5):
            ws.cell(r, 4).value = "前所镇"
    return edit_book(src(inbox, "绥中县"), out / "绥中县_插入列.xlsx", fn)


@builder("两列对调（本年/上年营业收入连同表头）", "建昌县")
def swapped_columns(inbox: Path, out: Path) -> Path:
    def fn(wb):
        ws = wb["集群企业"]
        a, b = col_of(ws, "本年累计营业收入"), col_of(ws, "上年同期营业收入")
        for r in range(first_data_row(ws) - 1, ws.max_row + 1):
            x, y = ws.cell(r, a), ws.cell(r, b)
            if isinstance(x, openpyxl.cell.cell.MergedCell) or isinstance(y, openpyxl.cell.cell.MergedCell):
                continue
            x.value, y.value = y.value, x.value
    return edit_book(src(inbox, "建昌县"), out / "建昌县_列对调.xlsx", fn)


@builder("工作表改名（集群企业→企业名录）", "建昌县")
def renamed_sheet(inbox: Path, out: Path) -> Path:
    return edit_book(src(inbox, "建昌县"), out / "建昌县_表改名.xlsx",
                     lambda wb: setattr(wb["集群企业"], "title", "企业名录"))


@builder("旧版模板（_表单信息 版本 1.0）", "葫芦岛经济开发区")
def old_version(inbox: Path, out: Path) -> Path:
    def fn(wb):
        ws = wb["_表单信息"]
        for r in range(1, ws.max_row + 1):
            if ws.cell(r, 1).value == "版本":
                ws.cell(r, 2).value = "1.0"
    return edit_book(src(inbox, "葫芦岛经济开发区"), out / "葫芦岛经济开发区_旧版.xlsx", fn)


@builder("隐藏的 _表单信息 表被删除", "葫芦岛经济开发区")
def no_identity(inbox: Path, out: Path) -> Path:
    return edit_book(src(inbox, "葫芦岛经济开发区"), out / "葫芦岛经济开发区_无表单信息.xlsx",
                     lambda wb: wb.remove(wb["_表单信息"]))


@builder("集群产出全部空白（交了空表）", "葫芦岛高新技术产业开发区")
def blank_outputs(inbox: Path, out: Path) -> Path:
    def fn(wb):
        ws = wb["集群产出"]
        r0 = first_data_row(ws)
        for r in range(r0, ws.max_row + 1):
            if isinstance(ws.cell(r, 1).value, int):
                for c in (7, 8, 9):
                    ws.cell(r, c).value = None
    return edit_book(src(inbox, "葫芦岛高新技术产业开发区"), out / "葫芦岛高新技术产业开发区_空表.xlsx", fn)


@builder("两个县区的企业在一个文件里（连山区名录粘进龙港区）", "龙港区")
def two_districts(inbox: Path, out: Path) -> Path:
    other = openpyxl.load_workbook(src(inbox, "连山区"))["集群企业"]
    o0 = first_data_row(other)
    rows = [[other.cell(r, c).value for c in range(1, 14)] for r in range(o0, o0 + 5)]

    def fn(wb):
        ws = wb["集群企业"]
        r0 = first_data_row(ws)
        ws.insert_rows(r0, len(rows))
        for k, row in enumerate(rows):
            for c, v in enumerate(row, 1):
                ws.cell(r0 + k, c).value = v
    return edit_book(src(inbox, "龙港区"), out / "龙港区_含连山区企业.xlsx", fn)


@builder("空格、不可见字符：信用代码带零宽空格、集群名带全角空格", "龙港区")
def invisible_chars(inbox: Path, out: Path) -> Path:
    def fn(wb):
        ws = wb["集群企业"]
        r0 = first_data_row(ws)
        ws.cell(r0 + 4, 2).value = str(ws.cell(r0 + 4, 2).value or "") + "\u200b"
        ws.cell(r0 + 1, 4).value = "\u3000" + str(ws.cell(r0 + 1, 4).value) + " "
        ws.cell(r0 + 2, 5).value = "Y"
        ws.cell(r0 + 3, 3).value = "\u00a0" + str(ws.cell(r0 + 3, 3).value)
    return edit_book(src(inbox, "龙港区"), out / "龙港区_不可见字符.xlsx", fn)


# ---- workbook-level edits ---------------------------------------------------------------------------

@builder("工作表和工作簿设了保护密码", "绥中县")
def protected(inbox: Path, out: Path) -> Path:
    def fn(wb):
        for ws in wb.worksheets:
            ws.protection.password = "123"
            ws.protection.sheet = True
        wb.security = openpyxl.workbook.protection.WorkbookProtection(workbookPassword="123", lockStructure=True)
    return edit_book(src(inbox, "绥中县"), out / "绥中县_保护.xlsx", fn)


@builder("加了图表工作表和一张自制汇总表", "绥中县")
def chart_sheet(inbox: Path, out: Path) -> Path:
    def fn(wb):
        from openpyxl.chart import BarChart, Reference
        ws = wb.create_sheet("自制汇总")
        ws.append(["集群", "营业收入"])
        ws.append(["有色", 100])
        ws.append(["化工", 200])
        cs = wb.create_chartsheet("图表")
        ch = BarChart()
        ch.add_data(Reference(ws, min_col=2, min_row=1, max_row=3), titles_from_data=True)
        cs.add_chart(ch)
    return edit_book(src(inbox, "绥中县"), out / "绥中县_加图表.xlsx", fn)


@builder("集群产出引用另一个工作簿（外部链接，有缓存值）", "建昌县")
def external_link(inbox: Path, out: Path) -> Path:
    def edit(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet4.xml":
            m = re.search(rb'<c r="G7"([^>]*)><v>([^<]*)</v></c>', data)
            if m:
                data = (data[:m.start()] + b'<c r="G7"' + m.group(1) + b"><f>[1]Sheet1!A1</f><v>"
                        + m.group(2) + b"</v></c>" + data[m.end():])
        return data
    return rewrite_zip(src(inbox, "建昌县"), out / "建昌县_外部链接.xlsx", edit, add={
        "xl/externalLinks/externalLink1.xml": b'<?xml version="1.0"?><externalLink xmlns="http://schemas.'
        b'openxmlformats.org/spreadsheetml/2006/main"><externalBook><sheetNames><sheetName val="Sheet1"/>'
        b"</sheetNames></externalBook></externalLink>"})


@builder("公式没有缓存值（WPS/程序生成）", "建昌县")
def formulas_no_cache(inbox: Path, out: Path) -> Path:
    def fn(wb):
        ws = wb["集群企业"]
        r0, c = first_data_row(ws), col_of(ws, "本年累计营业收入")
        letter = openpyxl.utils.get_column_letter(c + 1)
        ws.cell(r0, c).value = f"={letter}{r0}*1.1"
    return edit_book(src(inbox, "建昌县"), out / "建昌县_公式无缓存.xlsx", fn)


@builder("LibreOffice 另存的 .xlsx（数字改成文本后再存）", "葫芦岛打渔山经济开发区")
def libreoffice_resave(inbox: Path, out: Path) -> Path | None:
    if not shutil.which("soffice"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        mid = edit_book(src(inbox, "葫芦岛打渔山经济开发区"), t / "lo.xlsx", _numbers_as_text)
        (t / "o").mkdir()
        soffice(["--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(t / "o"), str(mid)], t)
        return Path(shutil.copy(t / "o" / "lo.xlsx", out / "葫芦岛打渔山经济开发区_LibreOffice另存.xlsx"))


def _numbers_as_text(wb) -> None:
    ws = wb["集群企业"]
    r0 = first_data_row(ws)
    for r in range(r0, r0 + 10):
        for c in range(8, 13):
            v = ws.cell(r, c).value
            if isinstance(v, (int, float)):
                ws.cell(r, c).value = str(v)


@builder("真正的 .xls（Excel 97-2003，LibreOffice 另存）", "葫芦岛打渔山经济开发区")
def real_xls(inbox: Path, out: Path) -> Path | None:
    if not shutil.which("soffice"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        shutil.copy(src(inbox, "葫芦岛打渔山经济开发区"), t / "x.xlsx")
        soffice(["--convert-to", "xls", "--outdir", str(t), str(t / "x.xlsx")], t)
        return Path(shutil.copy(t / "x.xls", out / "葫芦岛打渔山经济开发区_旧格式.xls"))


@builder("真正加密的 .xlsx（打开密码 123）", "葫芦岛打渔山经济开发区")
def encrypted(inbox: Path, out: Path) -> Path | None:
    try:
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:
        return None
    dest = out / "葫芦岛打渔山经济开发区_加密.xlsx"
    with open(src(inbox, "葫芦岛打渔山经济开发区"), "rb") as fin, open(dest, "wb") as fout:
        OOXMLFile(fin).encrypt("123", fout)
    return dest


@builder(".zip 压缩包改名为 .xlsx（包里是报表）", "葫芦岛高新技术产业开发区")
def zip_renamed(inbox: Path, out: Path) -> Path:
    dest = out / "葫芦岛高新技术产业开发区_压缩包.xlsx"
    with zipfile.ZipFile(dest, "w") as z:
        z.write(src(inbox, "葫芦岛高新技术产业开发区"), "报表.xlsx")
    return dest


@builder(".rar 压缩包改名为 .xlsx", "葫芦岛高新技术产业开发区")
def rar_renamed(inbox: Path, out: Path) -> Path:
    dest = out / "葫芦岛高新技术产业开发区_rar.xlsx"
    dest.write_bytes(b"Rar!\x1a\x07\x01\x00" + bytes(range(256)) * 20)
    return dest


@builder("0 字节文件", "南票区")
def zero_bytes(inbox: Path, out: Path) -> Path:
    dest = out / "南票区_空.xlsx"
    dest.write_bytes(b"")
    return dest


@builder("传了一半的 .xlsx（截断）", "南票区")
def truncated(inbox: Path, out: Path) -> Path:
    data = src(inbox, "南票区").read_bytes()
    dest = out / "南票区_截断.xlsx"
    dest.write_bytes(data[: len(data) // 2])
    return dest


@builder("Strict Open XML 格式另存（Excel“Strict Open XML 电子表格”）", "连山区")
def strict_ooxml(inbox: Path, out: Path) -> Path:
    def edit(name: str, data: bytes) -> bytes:
        if name.endswith((".xml", ".rels")):
            data = data.replace(b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                                b"http://purl.oclc.org/ooxml/spreadsheetml/main")
            data = data.replace(b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                                b"http://purl.oclc.org/ooxml/officeDocument/relationships")
        return data
    return rewrite_zip(src(inbox, "连山区"), out / "连山区_Strict.xlsx", edit)


# ---- names and copies -------------------------------------------------------------------------------

@builder("另一县区的文件改名重发（连山区的文件名为龙港区）", "龙港区")
def other_districts_copy(inbox: Path, out: Path) -> Path:
    return Path(shutil.copy(src(inbox, "连山区"), out / "龙港区6月报表（补报）.xlsx"))


@builder("同一文件发了两次（字节相同，名字不同）", "连山区")
def same_bytes_twice(inbox: Path, out: Path) -> Path:
    return Path(shutil.copy(src(inbox, "连山区"), out / "连山区 报表 (1).xlsx"))


@builder("文件名含表情符号", "绥中县")
def emoji_name(inbox: Path, out: Path) -> Path:
    return Path(shutil.copy(src(inbox, "绥中县"), out / "绥中县😀6月报表✅.xlsx"))


@builder("很长的文件名（80 个汉字）", "建昌县")
def long_name(inbox: Path, out: Path) -> Path:
    name = "建昌县" + "关于报送重点产业集群调度数据的报告" * 4 + "最终版再改" * 2
    return Path(shutil.copy(src(inbox, "建昌县"), out / (name[:80] + ".xlsx")))


@builder("文件名带空格和括号、方括号", "葫芦岛经济开发区")
def brackets_name(inbox: Path, out: Path) -> Path:
    return Path(shutil.copy(src(inbox, "葫芦岛经济开发区"), out / "葫芦岛经济开发区 [终版] (2)  .xlsx"))


@builder("扩展名大写 .XLSX", "葫芦岛经济开发区")
def upper_ext(inbox: Path, out: Path) -> Path:
    return Path(shutil.copy(src(inbox, "葫芦岛经济开发区"), out / "葫芦岛经济开发区_大写.XLSX"))


@builder("没有扩展名", "葫芦岛高新技术产业开发区")
def no_ext(inbox: Path, out: Path) -> Path:
    return Path(shutil.copy(src(inbox, "葫芦岛高新技术产业开发区"), out / "葫芦岛高新技术产业开发区报表"))


def build(workspace: Path, out: Path, period_file: Path | None = None) -> list[tuple[str, str, str]]:
    """Write every trial file into ``out``; return (file name, district, label) for each written."""
    inbox = workspace / "inbox"
    out.mkdir(parents=True, exist_ok=True)
    made = []
    for label, district, fn in BUILDERS:
        p = fn(inbox, out)
        if p is not None:
            made.append((p.name, district, label))
    return made


if __name__ == "__main__":
    ws_dir, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
    for name, district, label in build(ws_dir, out_dir):
        print(f"{name}\t{district}\t{label}")
