"""The inbox of a run: the files found there (InputFile), their arrival times, the district a refused
file's name points to, and the run's counts."""
from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from reporttool.catalogue import Catalogue
from reporttool.core.models import (
    Period,
)
from reporttool.core.status import ST_ERRORS, ST_MISSING, ST_PASSED, ST_RETURNED, ST_VERIFY
from reporttool.core.units import readable_name
from reporttool.figures import (
    Figures,
)
from reporttool.workspace import SkippedEntry, Workspace, list_inbox


@dataclass
class InputFile:
    """One file found in inbox/ this run."""

    path: Path
    sha256: str
    new: bool  # parsed and recorded this run (False: the same bytes were already in the ledger)
    submission_id: int | None = None
    district: str = ""
    period: str = ""
    status: str = ""
    note: str = ""  # why it was not recorded (changed while being read)
    unknown_district: bool = False  # refused, and not from a configured district: nobody's 报送情况 shows it
    reason: str = ""  # why it was refused (退回), as told to the district
    district_guessed: bool = False  # the district was taken from the file name (its identity was unreadable)
    same_as: str = ""  # not new: the name under which the same bytes were recorded, when it is another name

    @property
    def name(self) -> str:
        """The file name as shown and stored: readable even when the name's bytes are GBK (units.readable_name)."""
        return readable_name(self.path.name)


def scan_inbox(ws: Workspace) -> tuple[list[Path], list[SkippedEntry]]:
    """Every regular file under inbox/ (sub-folders too; lock and hidden files left out), ordered by
    arrival (mtime) then path; and the entries that are not read (symlinks, devices, FIFOs), with why."""
    files, skipped = list_inbox(ws.inbox)
    times = {}
    for p in files:
        try:
            times[p] = os.lstat(p).st_mtime
        except OSError as exc:  # gone or unreadable since it was listed
            skipped.append(SkippedEntry(p, readable_name(p.name), f"无法读取文件信息（{exc.strerror or exc}）"))
    return sorted(times, key=lambda p: (times[p], str(p))), skipped


def received_time(path: Path) -> dt.datetime:
    """When the file arrived: its modification time, local time to the second (see docs/consolidation.md)."""
    return dt.datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0)


def no_data_message(period: Period, inputs: list[InputFile], unit: str = "县区") -> str:
    """Why a period has nothing to consolidate, naming the periods the inbox files are for (so a wrong
    --period is seen at once instead of producing an empty brief)."""
    by_period: dict[str, int] = defaultdict(int)
    for i in inputs:
        if i.period and i.status and i.status != ST_RETURNED:
            by_period[i.period] += 1
    refused = sum(1 for i in inputs if i.status == ST_RETURNED)
    head = f"没有 {period.key}（{period.label}）可汇总的报表：台账中没有该报告期可读取的报表"
    if not inputs:
        where = f"，收件箱 inbox/ 中也没有文件。请把各{unit}报送的文件放入 inbox/ 后重新运行"
    elif not by_period:
        where = (f"，收件箱中的{refused}个文件都无法读取，已退回（原因见 reporttool history 和各文件的审核结果，"
                 f"可用 reporttool check 查看）")
    elif len(by_period) == 1 and not refused:
        (other, n), = by_period.items()
        where = f"，收件箱中的{n}个文件都是{other}的报表（报告期是否应为 --period {other}？）"
    else:
        parts = [f"{k}的报表{n}个" for k, n in sorted(by_period.items(), reverse=True)]
        if refused:
            parts.append(f"无法读取（已退回）的文件{refused}个")
        where = f"；收件箱中的{len(inputs)}个文件为：" + "、".join(parts) + "。请检查 --period 是否正确"
    return head + where + "。未生成任何输出，也未占用简报期号。"


def run_counts(figures: Figures, inputs: list[InputFile]) -> dict[str, int]:
    states = [s.status for s in figures.submissions]
    out = {"districts": len(states), "submitted": sum(s != ST_MISSING for s in states),
           "files_scanned": len(inputs), "files_new": sum(i.new for i in inputs),
           "on_time": sum(s.on_time is True for s in figures.submissions),
           "late": sum(s.on_time is False for s in figures.submissions),
           "errors": sum(s.errors for s in figures.submissions),
           "verify": sum(s.verify for s in figures.submissions)}
    for st in (ST_PASSED, ST_VERIFY, ST_ERRORS, ST_RETURNED, ST_MISSING):
        out[st] = states.count(st)
    out.update(figures.counts())
    return out


def district_from_name(cat: Catalogue, file_name: str) -> str:
    """The configured district whose name the file name contains (the longest such name), or "".

    For a refused file whose identity could not be read (an old .xls, an encrypted or renamed file), so
    that it shows as 退回 for its district instead of leaving the district 未报."""
    from reporttool.forms.identity import district_from_name as named

    return named(cat, file_name)


def read_bytes(path: Path) -> bytes:
    """The bytes of an inbox file, never through a symlink (O_NOFOLLOW where the OS has it) and only of a
    regular file: what was listed as a file may have been swapped for a link since. Raises OSError."""
    import stat

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise OSError(0, "不是普通文件")
        return fh.read()
