"""PDF copies of the outputs (`--pdf`), made by LibreOffice when it is installed.

``find_office()`` looks for ``soffice``/``libreoffice`` on PATH, then the usual Windows and macOS install
paths. ``to_pdf(paths)`` converts each file with its own temporary LibreOffice profile (so a LibreOffice
the user has open, or another run, does not block it), and moves each PDF atomically beside its original
(same name, .pdf). A conversion that fails or times out is reported, never raised: the run's other
outputs stand. Messages are Chinese and name the file.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

# Where LibreOffice installs itself when it is not on PATH.
OFFICE_PATHS = (
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
)
TIMEOUT_S = 180  # one document; LibreOffice's first start on a new profile takes a few seconds

NOT_INSTALLED = ("未找到 LibreOffice（soffice），未生成 PDF。安装 LibreOffice 后重试"
                 "（Windows 默认安装位置 C:\\Program Files\\LibreOffice 可自动识别），"
                 "或用 Word/WPS 打开文件后“另存为 PDF”。")


@dataclass(frozen=True)
class PdfResult:
    """What ``to_pdf`` did: PDFs written, files that failed (with a Chinese reason), whether LibreOffice
    was found at all."""

    written: tuple[Path, ...] = ()
    failed: tuple[tuple[Path, str], ...] = ()
    office: str | None = None

    @property
    def messages(self) -> list[str]:
        """One Chinese line per outcome, for the terminal."""
        if self.office is None:
            return [NOT_INSTALLED]
        out = [f"已生成 PDF：{p}" for p in self.written]
        out += [f"PDF 未生成：{p.name}（{why}）。其他输出不受影响。" for p, why in self.failed]
        return out


def find_office(candidates: tuple[str, ...] = OFFICE_PATHS) -> str | None:
    """The LibreOffice executable: soffice/libreoffice on PATH, else a usual install path; None when absent."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return next((c for c in candidates if Path(c).is_file()), None)


@dataclass
class _Work:
    written: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)


def to_pdf(paths: list[Path], *, office: str | None = None, timeout: float = TIMEOUT_S) -> PdfResult:
    """Convert each of ``paths`` to a PDF beside it (name.pdf), replacing an older one atomically."""
    office = office or find_office()
    if office is None:
        return PdfResult()
    work = _Work()
    with tempfile.TemporaryDirectory(prefix="reporttool-pdf-") as tmp:
        profile = Path(tmp) / "profile"
        for src in paths:
            src = Path(src)
            out_dir = Path(tmp) / "out"
            shutil.rmtree(out_dir, ignore_errors=True)
            out_dir.mkdir()
            cmd = [office, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                   "--convert-to", "pdf", "--outdir", str(out_dir), str(src)]
            try:
                proc = subprocess.run(cmd, capture_output=True, timeout=timeout,
                                      check=False)
            except subprocess.TimeoutExpired:
                work.failed.append((src, f"LibreOffice 超过{int(timeout)}秒未完成"))
                continue
            except OSError as exc:
                work.failed.append((src, f"无法启动 LibreOffice：{exc.strerror or exc}"))
                continue
            made = out_dir / (src.stem + ".pdf")
            if proc.returncode != 0 or not made.is_file() or made.stat().st_size == 0:
                detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
                work.failed.append((src, "LibreOffice 转换失败" + (f"：{detail[-1]}" if detail else "")))
                continue
            dest = src.with_suffix(".pdf")
            staged = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
            try:
                shutil.copyfile(made, staged)
                os.replace(staged, dest)
            except OSError as exc:
                staged.unlink(missing_ok=True)
                work.failed.append((src, f"无法写入 {dest.name}：{exc.strerror or exc}"))
                continue
            work.written.append(dest)
    return PdfResult(tuple(work.written), tuple(work.failed), office)
