"""Run a command and measure its wall time and peak memory (RSS), children included.

Two memory figures:
* ``peak_tree_mib``: the largest sum of RSS over the command and all its descendants, sampled every
  0.1 s from /proc (Linux only; None elsewhere). This is what the machine has to hold at once.
* ``peak_proc_mib``: the largest RSS of any single process of the tree (getrusage(RUSAGE_CHILDREN) in a
  wrapper process, so earlier runs do not count; None where the resource module is missing).

And ``cpu``: the CPU seconds (user + system) of the command and its children (reading workers included:
they are waited for), from the same getrusage — steadier than wall time on a shared machine.

Used as a module by bench/run.py; run as a script it is that wrapper:
``python bench/measure.py RESULT.json -- command ...``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Measured:
    rc: int
    wall: float  # seconds
    peak_tree_mib: float | None
    peak_proc_mib: float | None
    stdout: str
    stderr: str
    cpu: float | None = None  # user + system seconds of the command and every child it waited for


def _tree_rss(root: int) -> int | None:
    """Sum of VmRSS (bytes) of ``root`` and its descendants, from /proc; None when /proc is unavailable."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    children: dict[int, list[int]] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            for line in (proc / str(pid) / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            continue
    return total


def measure(cmd: list[str], *, cwd: str | None = None, env: dict | None = None) -> Measured:
    """Run ``cmd`` (through the rusage wrapper) and return its exit code, time and memory."""
    fd, result_path = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    wrapped = [sys.executable, str(Path(__file__).resolve()), result_path, "--", *cmd]
    peak = [0]
    have_proc = [True]
    start = time.perf_counter()
    p = subprocess.Popen(wrapped, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, encoding="utf-8", errors="replace")
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            rss = _tree_rss(p.pid)
            if rss is None:
                have_proc[0] = False
                return
            peak[0] = max(peak[0], rss)
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = p.communicate()
    done.set()
    sampler.join()
    outer_wall = time.perf_counter() - start
    try:
        info = json.loads(Path(result_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        info = {}
    finally:
        Path(result_path).unlink(missing_ok=True)
    proc_kib = info.get("maxrss_kib")
    return Measured(rc=p.returncode, wall=info.get("wall", outer_wall),
                    peak_tree_mib=peak[0] / 2**20 if have_proc[0] else None,
                    peak_proc_mib=proc_kib / 1024 if proc_kib else None, stdout=out, stderr=err,
                    cpu=info.get("cpu"))


def _wrapper(argv: list[str]) -> int:
    result_path, sep, *cmd = argv
    assert sep == "--"
    start = time.perf_counter()
    rc = subprocess.call(cmd)
    wall = time.perf_counter() - start
    maxrss = cpu = None
    try:
        import resource

        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        maxrss, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
        if sys.platform == "darwin":
            maxrss //= 1024  # bytes there, KiB on Linux
    except ImportError:  # Windows
        pass
    Path(result_path).write_text(json.dumps({"rc": rc, "wall": wall, "maxrss_kib": maxrss, "cpu": cpu}), encoding="utf-8")
    return rc


if __name__ == "__main__":
    sys.exit(_wrapper(sys.argv[1:]))
