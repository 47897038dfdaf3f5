"""Exceptions the library raises for the CLI to turn into one Chinese line and an exit code."""
from __future__ import annotations


class ReportToolError(Exception):
    """A run that cannot be done (exit code 2). ``str(exc)`` is the Chinese message for the user."""

    exit_code = 2


class WorkspaceError(ReportToolError):
    """The workspace is missing, incomplete, or would be overwritten."""


class LockedError(ReportToolError):
    """Another run holds the workspace lock."""


class OutputLockedError(ReportToolError):
    """An output file cannot be replaced (open in Word/WPS/Excel): nothing was replaced."""


# errno name -> what it means to the user (docs/consolidation.md, “磁盘已满和其他系统错误”)
OS_CAUSES = {
    "ENOSPC": "磁盘空间已满",
    "EDQUOT": "超出磁盘配额",
    "EFBIG": "文件超出系统允许的大小",
    "EACCES": "没有访问权限（或文件正被其他程序占用）",
    "EPERM": "操作不被允许（没有权限，或文件正被其他程序占用）",
    "EROFS": "所在磁盘为只读",
    "ENAMETOOLONG": "路径或文件名过长",
    "ENOENT": "文件或文件夹不存在",
    "ENOTDIR": "路径中有一部分不是文件夹",
    "EISDIR": "路径是文件夹而不是文件",
    "EIO": "磁盘读写出错（磁盘或网络盘可能有故障）",
    "EMFILE": "同时打开的文件过多",
    "ENFILE": "同时打开的文件过多",
    "EBUSY": "文件正被占用",
    "EXDEV": "不能跨磁盘移动文件",
    "ETXTBSY": "文件正被占用",
}
# SQLite result code -> the same kind of cause (sqlite3.Error.sqlite_errorname, Python 3.11+)
SQLITE_CAUSES = {
    "SQLITE_FULL": "磁盘空间已满",
    "SQLITE_READONLY": "台账文件或所在磁盘为只读（没有写入权限）",
    "SQLITE_IOERR": "磁盘读写出错（磁盘或网络盘可能有故障）",
    "SQLITE_CANTOPEN": "无法打开台账文件（路径不存在或没有权限）",
    "SQLITE_CORRUPT": "台账文件已损坏",
    "SQLITE_NOTADB": "台账文件已损坏（不是有效的台账数据库）",
    "SQLITE_BUSY": "台账文件正被其他程序占用",
    "SQLITE_LOCKED": "台账文件正被其他程序占用",
    "SQLITE_PERM": "没有访问台账文件的权限",
}


def os_error_cause(exc: OSError) -> str:
    """The cause of an OSError in plain Chinese (磁盘空间已满, 没有访问权限 …)."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    if isinstance(exc, PermissionError) and not name:
        name = "EACCES"
    return OS_CAUSES.get(name) or (f"系统错误：{exc.strerror}" if exc.strerror else f"系统错误：{exc}")


def os_error_message(exc: OSError, doing: str = "读写文件",
                     tail: str = "本次操作未完成，已有的台账和输出文件保持原样；请处理后重新运行。") -> str:
    """One Chinese sentence for an OSError: what was being done, the cause, the path."""
    where = exc.filename if exc.filename is not None else ""
    return f"{doing}失败：{os_error_cause(exc)}" + (f"（{where}）" if where else "") + "。" + tail


def sqlite_error_message(exc: Exception, ledger_path: object = "") -> str:
    """One Chinese sentence for a sqlite3 error during a ledger read or write."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    base = name.split("_")[0:2]
    cause = SQLITE_CAUSES.get(name) or SQLITE_CAUSES.get("_".join(base), "")
    if not cause:
        text = str(exc).lower()
        for key, words in (("SQLITE_FULL", "disk is full"), ("SQLITE_READONLY", "readonly"),
                           ("SQLITE_IOERR", "disk i/o"), ("SQLITE_CANTOPEN", "unable to open"),
                           ("SQLITE_CORRUPT", "malformed"), ("SQLITE_NOTADB", "not a database"),
                           ("SQLITE_BUSY", "locked")):
            if words in text:
                cause = SQLITE_CAUSES[key]
                break
    cause = cause or f"数据库错误：{exc}"
    where = f"（{ledger_path}）" if ledger_path else ""
    return (f"读写台账失败：{cause}{where}。本次写入已整体撤销，台账保持上次完整的状态；"
            f"请处理后重新运行（reporttool verify 可检查台账）。")
