"""Chinese for the messages click prints itself (usage errors, help headings).

Our users read Chinese only, and click has no Chinese catalogue. Click marks its strings for gettext
with module-level ``_ = gettext`` / ``ngettext`` names; we point those names at a small translation table
(the strings click 8.x prints in practice). Anything not in the table stays as click wrote it, so a future
click version degrades to English text, never to an error. `install()` is idempotent.
"""
from __future__ import annotations

import importlib

_ZH = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "%(prog)s, version %(version)s": "%(prog)s 版本 %(version)s",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "Missing command.": "缺少命令。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "argument": "参数",
    "option": "选项",
    "parameter": "参数",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值不对：{message}",
    "Invalid value: {message}": "值不对：{message}",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "integer": "整数",
    "float": "数字",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，不是文件夹。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 无法读取。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 无法写入。",
    "File": "文件",
    "Directory": "文件夹",
    "Path": "路径",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "Aborted!": "已中止。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "required": "必填",
    "Did you mean {possibility}?": "您是不是想输入 {possibility}？",
    "(Possible options: {possibilities})": "（可能的选项：{possibilities}）",
    "(Did you mean one of: {possibilities}?)": "（您是不是想输入其中之一：{possibilities}？）",
}

_MODULES = ("click.core", "click.exceptions", "click.decorators", "click.formatting", "click.parser",
            "click.types", "click.termui", "click.utils")


def translate(message: str) -> str:
    return _ZH.get(message, message)


def ntranslate(singular: str, plural: str, n: int) -> str:
    return translate(singular if n == 1 else plural)


def install() -> None:
    """Point click's gettext names at the table above."""
    for name in _MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:  # pragma: no cover - a click without that module
            continue
        for attr, function in (("_", translate), ("ngettext", ntranslate)):
            if hasattr(module, attr):
                setattr(module, attr, function)
