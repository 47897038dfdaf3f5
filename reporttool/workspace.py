"""Where things live: templates/, inbox/, outbox/, archive/ and the ledger file of one workspace.

A workspace is a folder. The repository root is one (for the embedded default city); `reporttool init`
makes new ones from the files embedded in the package (reporttool.default_templates).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from reporttool.core.errors import WorkspaceError
from reporttool.core.files import atomic_write_bytes
from reporttool.core.models import Period

ENV_VAR = "REPORTTOOL_WORKSPACE"
TARGETS_FILE = "targets.xlsx"
BRIEF_TEMPLATE = "brief.docx"
LEDGER_FILE = "reporttool.db"


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def targets(self) -> Path:
        return self.templates / TARGETS_FILE

    @property
    def brief_template(self) -> Path:
        return self.templates / BRIEF_TEMPLATE

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def ledger(self) -> Path:
        return self.root / LEDGER_FILE

    @property
    def lock_file(self) -> Path:
        return self.root / "reporttool.lock"

    def period_dir(self, period: Period) -> Path:
        return self.outbox / period.key

    def templates_dir(self, period: Period) -> Path:
        return self.period_dir(period) / "templates"

    def feedback_dir(self, period: Period) -> Path:
        return self.period_dir(period) / "反馈"

    def catalogue(self):
        """Load and validate templates/targets.xlsx (raises CatalogueInvalid)."""
        from reporttool.catalogue import load_catalogue

        return load_catalogue(self.targets)

    def ensure_dirs(self) -> None:
        for d in (self.inbox, self.outbox, self.archive):
            d.mkdir(parents=True, exist_ok=True)


# ---- inbox/ ---------------------------------------------------------------------------------------

# Not submissions, never mentioned: Excel/WPS owner files ("~$报表.xlsx"), LibreOffice lock files
# (".~lock.报表.xlsx#") and every other hidden name (".DS_Store", a half-copied ".报表.xlsx.part").
TEMP_PREFIXES = ("~$", ".")


def is_temp_name(name: str) -> bool:
    """Excel/WPS/LibreOffice lock files and hidden files: ignored by consolidate and by check alike."""
    return name.startswith(TEMP_PREFIXES)


@dataclass(frozen=True)
class SkippedEntry:
    """Something in inbox/ that is not read: not a regular file."""

    path: Path
    name: str  # relative to inbox/, readable (see units.readable_name)
    reason: str  # Chinese: what it is and what to do


def not_regular(path: Path) -> str | None:
    """Why ``path`` is not a regular file that may be read (Chinese), or None when it is one.

    Symlinks (and Windows junctions) are never followed: ``inbox/passwd.xlsx -> /etc/passwd`` must not be
    read or archived. Devices, FIFOs and sockets are not files at all (reading a FIFO would wait forever)."""
    import stat

    try:
        st = os.lstat(path)
    except OSError as exc:
        return f"无法读取文件信息（{exc.strerror or exc}）"
    mode = st.st_mode
    if stat.S_ISLNK(mode) or getattr(path, "is_junction", lambda: False)():
        return "是符号链接（快捷方式），不是文件本身，未读取。请把报表文件本身复制到收件箱"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "是文件夹"
    kind = ("命名管道（FIFO）" if stat.S_ISFIFO(mode) else "设备文件" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "套接字" if stat.S_ISSOCK(mode) else "特殊文件")
    return f"是{kind}，不是普通文件，未读取"


def list_inbox(inbox: Path) -> tuple[list[Path], list[SkippedEntry]]:
    """The regular files under ``inbox`` (sub-folders are walked, symlinked folders are not), and every
    entry that is not read with the reason. Lock and hidden files (``is_temp_name``) are left out of both,
    as are hidden folders. Paths come in directory order; callers sort them."""
    from reporttool.core.units import readable_name

    files: list[Path] = []
    skipped: list[SkippedEntry] = []
    if not inbox.is_dir():
        return files, skipped
    stack = [inbox]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            rel = readable_name(str(folder.relative_to(inbox)))
            skipped.append(SkippedEntry(folder, rel, f"文件夹无法打开（{exc.strerror or exc}），其中的文件未读取"))
            continue
        for entry in entries:
            if is_temp_name(entry.name):
                continue
            path = Path(entry.path)
            why = not_regular(path)
            if why is None:
                files.append(path)
            elif why == "是文件夹":
                stack.append(path)
            else:
                skipped.append(SkippedEntry(path, readable_name(path.relative_to(inbox).as_posix()), why))
    return files, skipped


def resolve(path: str | os.PathLike | None = None) -> Path:
    """-w/--workspace, else $REPORTTOOL_WORKSPACE, else the current folder."""
    if path:
        return Path(path)
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else Path.cwd()


def open_workspace(path: str | os.PathLike | None = None) -> Workspace:
    """A workspace that exists: it must hold templates/targets.xlsx."""
    root = resolve(path).resolve()
    ws = Workspace(root)
    if not ws.targets.is_file():
        raise WorkspaceError(
            f"{root} 不是 reporttool 工作目录（缺少 templates/{TARGETS_FILE}）。"
            f"请用 -w 指定工作目录，或先运行 reporttool init 目录名 新建一个。")
    return ws


def default_template_files() -> list[tuple[str, bytes]]:
    """The embedded default city's templates/ files: (name, bytes)."""
    pkg = resources.files("reporttool.default_templates")
    out = []
    for entry in pkg.iterdir():
        if entry.is_file() and entry.name.endswith((".xlsx", ".docx", ".md")):
            out.append((entry.name, entry.read_bytes()))
    return sorted(out)


def init_workspace(path: str | os.PathLike) -> Workspace:
    """Create a new workspace from the embedded default. Refuses to touch an existing workspace."""
    root = Path(path)
    if root.exists() and (root / "templates").exists():
        raise WorkspaceError(f"{root} 已是工作目录（已有 templates/），为避免覆盖已停止。请换一个新目录名。")
    if root.exists() and not root.is_dir():
        raise WorkspaceError(f"{root} 已存在且不是目录。")
    if root.exists() and any(root.iterdir()):
        raise WorkspaceError(f"{root} 已存在且不是空目录，为避免覆盖已停止。请换一个新目录名。")
    files = default_template_files()
    if not any(name == TARGETS_FILE for name, _ in files):
        raise WorkspaceError("安装包中缺少内置的 targets.xlsx，请重新安装 reporttool。")
    ws = Workspace(root)
    ws.templates.mkdir(parents=True, exist_ok=True)
    for name, data in files:
        atomic_write_bytes(ws.templates / name, data)
    ws.ensure_dirs()
    return ws
