"""Reading many district files in worker processes, so that one hostile file cannot take the batch down.

Every file first passes the stdlib safety pre-check (cheap, streaming, capped): in this process for one
or two files, in the worker itself (before calamine) for a batch. Files that pass are parsed by
python-calamine in a worker process of a ``spawn`` pool whose address space is limited (RLIMIT_AS,
``memory_mb``). A worker that dies (calamine aborts on allocation failure, a crash,
the memory limit) or overruns ``timeout`` means "this file could not be read safely": the file gets an
F-UNSAFE finding, the pool is replaced, and the files that were in flight with it are retried one by
one, so an innocent file is never blamed for its neighbour.

Windows has no ``resource`` module: workers run without a memory limit there (the pre-check's size,
zip and extent limits still apply, and a crashing worker is still isolated).

One or two small files (the common ``check 某县.xlsx``) are read in this process after the pre-check,
when the file is small and its sheets' extents are small: starting a spawn worker costs about a second,
and what could crash calamine (a far-away cell, a huge sheet) is exactly what the pre-check measured.
"""
from __future__ import annotations

import concurrent.futures as cf
import contextlib
import hashlib
import os
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar, overload

from reporttool.catalogue import Catalogue
from reporttool.core.models import Finding, Period, ReadRefused, Submission
from reporttool.core.rules import finding
from reporttool.core.safety import MB, Limits, SafetyReport, precheck
from reporttool.core.units import readable_name
from reporttool.forms.reader import read_submission

IN_PROCESS_MAX_FILES = 2
IN_PROCESS_MAX_BYTES = 5 * MB
IN_PROCESS_MAX_CELLS = 1_000_000  # rows × columns of the largest sheet
# Test-only: a worker reading a file whose name contains this text exits at once (a real dead worker),
# or hangs (to exercise the timeout).
P = TypeVar("P")
# What a worker may do with a submission right after reading it (see _read_job); its result is ReadResult.payload.
ReadJob = Callable[[Submission, list[Finding]], P]
CRASH_HOOK_ENV = "REPORTTOOL_TEST_CRASH_ON"
HANG_HOOK_ENV = "REPORTTOOL_TEST_HANG_ON"


@dataclass(frozen=True)
class ReadResult(Generic[P]):
    """One file's outcome, the one file-result record: of ``read_many`` (with ``P`` the type of what its
    ``job`` returns, None without a job), of ``checks.check_files`` (``status`` set) and of consolidate
    (``P`` = pipeline.ingest.IngestPayload).

    ``submission``: what was read, None when the file was refused (its finding says why) or when a job
    took it (``payload`` is then the job's result).
    """

    path: Path
    submission: Submission | None
    findings: list[Finding] = field(default_factory=list)
    sha256: str = ""
    payload: P | None = None  # what ``job`` returned, when read_many was given one
    status: str = ""  # the file's verdict (通过/待核实/有错/退回) once checked (checks.check_files)

    @property
    def refused(self) -> bool:
        return self.submission is None and self.payload is None


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes ("" when it cannot be opened)."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(MB):
                h.update(chunk)
    except OSError:
        return ""
    return h.hexdigest()


# ---- worker side ------------------------------------------------------------------------------------


def _init_worker(memory_mb: int, parent: int | None = None) -> None:
    """Limit the worker's address space (POSIX only; Windows has no resource module), and end the worker
    when its parent is gone: a killed consolidate must not leave idle workers behind (they would hold
    the parent's stdout open and wait for work forever)."""
    os.environ["RUST_BACKTRACE"] = "0"  # a calamine abort is reported as F-UNSAFE; no backtrace noise
    # A file makes ≈ 100,000 objects (cell values, rows) and almost no cycles: with the default threshold
    # (700) the collector runs over and over for nothing, ≈ 5 % of a worker's time (bench/worker.py). Fewer
    # young collections; cycles are still collected, and RLIMIT_AS below still bounds the worker.
    import gc

    gc.set_threshold(50_000, 20, 20)
    # Ctrl-C reaches every process of the console (POSIX process group, Windows console): the parent
    # alone handles it (stops the pool, one line, exit 130); a worker must not print its own traceback.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        import threading

        def watch() -> None:
            while True:
                time.sleep(0.5)
                if os.getppid() != parent:
                    os._exit(0)

        threading.Thread(target=watch, name="parent-watch", daemon=True).start()
    try:
        import resource
    except ImportError:  # Windows
        return
    limit = memory_mb * MB
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    with contextlib.suppress(ValueError, OSError):  # the platform refuses: run unlimited
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _read_job(path: str, cat: Catalogue, expected_period: Period | None, expected_district: str | None,
              report: SafetyReport | None, job: ReadJob[P] | None = None
              ) -> tuple[Submission | None, list[Finding], P | None]:
    """Read one file; every outcome is data (exceptions do not pickle reliably across processes).

    Without ``report`` the safety pre-check runs here, before calamine. With ``job`` the submission is
    handed to ``job(submission, findings)`` here, in the worker (the consolidate run passes
    pipeline.ingest.prepare_ingest: check and prepare for the ledger), and only what it returns goes
    back: (None, [], payload).
    """
    hook = os.environ.get(CRASH_HOOK_ENV)
    if hook and hook in Path(path).name:
        os._exit(70)
    hook = os.environ.get(HANG_HOOK_ENV)
    if hook and hook in Path(path).name:
        time.sleep(3600)
    name = readable_name(Path(path).name)
    try:
        sub, findings = read_submission(Path(path), cat, expected_period=expected_period,
                                        expected_district=expected_district, safety=report)
    except ReadRefused as exc:
        return None, [exc.finding], None
    except MemoryError:
        return None, [finding("F-UNSAFE", file=name, detail="读取时超出内存上限")], None
    except RecursionError:
        return None, [finding("F-UNSAFE", file=name, detail="文件结构嵌套过深")], None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a reader bug or a Rust panic must not lose the batch: file unreadable
        return None, [finding("F-UNREADABLE", file=name, detail=f"{type(exc).__name__}: {str(exc)[:100]}")], None
    if job is None:
        return sub, findings, None
    try:
        return None, [], job(sub, findings)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a checker or fragment bug on this file: this file only is refused
        return None, [internal_finding(name, sub.district, exc, cat.words)], None


def internal_finding(file: str, district: str, exc: BaseException, words=None) -> Finding:
    """F-INTERNAL for a file whose processing raised: names the error kind, never a traceback."""
    detail = f"{type(exc).__name__}：{' '.join(str(exc).split())[:80]}".rstrip("：")
    return finding("F-INTERNAL", file=file, district=district, detail=detail, words=words)


# ---- parent side ------------------------------------------------------------------------------------


def read_one_isolated(path: Path, cat: Catalogue, *, memory_mb: int = 1024, timeout: float = 120,
                      expected_period: Period | None = None, expected_district: str | None = None,
                      isolate: bool | None = None) -> ReadResult[None]:
    """Read a single file with the same protection as read_many (see the module docstring)."""
    return read_many([path], cat, workers=1, memory_mb=memory_mb, timeout=timeout,
                     expected_period=expected_period, expected_district=expected_district, isolate=isolate)[0]


Progress = Callable[[int, int], None]  # progress(done, total), after each file


@overload
def read_many(paths: Sequence[Path], cat: Catalogue, *, workers: int | None = ..., memory_mb: int = ...,
              timeout: float = ..., expected_period: Period | None = ..., expected_district: str | None = ...,
              progress: Progress | None = ..., isolate: bool | None = ..., limits: Limits | None = ...,
              job: None = ..., on_result: Callable[[ReadResult[None]], None] | None = ...) -> list[ReadResult[None]]:
    ...


@overload
def read_many(paths: Sequence[Path], cat: Catalogue, *, workers: int | None = ..., memory_mb: int = ...,
              timeout: float = ..., expected_period: Period | None = ..., expected_district: str | None = ...,
              progress: Progress | None = ..., isolate: bool | None = ..., limits: Limits | None = ...,
              job: ReadJob[P], on_result: Callable[[ReadResult[P]], None] | None = ...) -> list[ReadResult[P]]:
    ...


def read_many(paths: Sequence[Path], cat: Catalogue, *, workers: int | None = None, memory_mb: int = 1024,
              timeout: float = 120, expected_period: Period | None = None, expected_district: str | None = None,
              progress: Progress | None = None, isolate: bool | None = None,
              limits: Limits | None = None, job: ReadJob[P] | None = None,
              on_result: Callable[[ReadResult[P]], None] | None = None) -> list[ReadResult[P]]:
    """Read ``paths`` safely; results in input order. Never raises for a bad file.

    ``isolate``: None decides per batch (one or two small files in this process, see the module
    docstring), True always uses worker processes, False never does (the pre-check still runs).
    A batch of more than two files always uses workers, and each worker runs the pre-check itself
    (before calamine, in parallel). ``job``: see ``_read_job``; it must pickle (a module-level
    function or a functools.partial of one) when workers are used.
    ``progress(done, total)`` is called after each file, and ``on_result(result)`` with its result as
    soon as it is known (so the caller can store it while the workers read the next files).
    """
    paths = [Path(p) for p in paths]
    total = len(paths)
    results: list[ReadResult[P] | None] = [None] * total
    done = 0

    def finish(i: int, sub: Submission | None, findings: list[Finding], payload: P | None = None) -> None:
        nonlocal done
        before = results[i]
        result = ReadResult(paths[i], sub, findings, before.sha256 if before else file_sha256(paths[i]), payload)
        results[i] = result
        done += 1
        if on_result:
            on_result(result)
        if progress:
            progress(done, total)

    reports: dict[int, SafetyReport | None] = {}
    in_worker = limits is None and (isolate is True or (isolate is None and total > IN_PROCESS_MAX_FILES))
    for i, p in enumerate(paths):
        results[i] = ReadResult(p, None, [], file_sha256(p))
        if in_worker:  # the worker pre-checks (read_submission without a report)
            reports[i] = None
            continue
        try:
            reports[i] = precheck(p, limits)
        except ReadRefused as exc:
            finish(i, None, [exc.finding])
        except Exception as exc:  # a pre-check bug must not lose the batch
            finish(i, None, [finding("F-UNREADABLE", file=readable_name(p.name), detail=f"{type(exc).__name__}: {exc}"[:120])])

    if isolate is None:
        isolate = not (len(reports) <= IN_PROCESS_MAX_FILES and all(
            r is not None and r.size <= IN_PROCESS_MAX_BYTES and r.max_cells <= IN_PROCESS_MAX_CELLS
            for r in reports.values()))
    if not isolate:
        for i, report in reports.items():
            finish(i, *_read_job(str(paths[i]), cat, expected_period, expected_district, report, job))
        return [r for r in results if r is not None]

    args = (cat, expected_period, expected_district)
    _run_pool(paths, reports, args, workers, memory_mb, timeout, finish, job)
    return [r for r in results if r is not None]


def _run_pool(paths: list[Path], reports: dict[int, SafetyReport | None], args: tuple[Catalogue, Period | None, str | None],
              workers: int | None,
              memory_mb: int, timeout: float, finish: Callable[..., None], job: ReadJob[P] | None = None) -> None:
    """Feed the pool at most ``workers`` files at a time, so the files in flight at a crash are known."""
    # imported here: a run that reads in this process (one or two new files) never loads multiprocessing
    import multiprocessing
    from concurrent.futures.process import BrokenProcessPool

    ctx = multiprocessing.get_context("spawn")
    pending = deque(sorted(reports))
    alone: deque[int] = deque()  # files that were in flight when a worker died: retried one by one
    workers = max(1, min(workers or os.cpu_count() or 1, len(pending) or 1))

    while pending or alone:
        solo = bool(alone)
        queue = deque([alone.popleft()]) if solo else pending
        size = 1 if solo else min(workers, len(queue))
        pool = cf.ProcessPoolExecutor(size, mp_context=ctx, initializer=_init_worker,
                                      initargs=(memory_mb, os.getpid()))
        inflight: dict[cf.Future, tuple[int, float]] = {}
        suspects: list[int] = []
        try:
            while (queue or inflight) and not suspects:
                _feed(pool, queue, inflight, size, paths, reports, args, job)
                if not inflight:  # broken with nothing in flight (a worker died idle): a new pool
                    break
                ready, _ = cf.wait(inflight, timeout=min(1.0, timeout), return_when=cf.FIRST_COMPLETED)
                arrived: list[tuple[int, cf.Future]] = []
                for fut in ready:
                    i, _started = inflight.pop(fut)
                    if isinstance(fut.exception(), BrokenProcessPool):
                        suspects.append(i)
                    else:
                        arrived.append((i, fut))
                if not suspects:
                    # the idle workers get their next files before this process stores the results (a
                    # transaction each, ≈ 20 ms a province file): otherwise a worker waits for every store
                    _feed(pool, queue, inflight, size, paths, reports, args, job)
                for i, fut in arrived:
                    try:
                        finish(i, *fut.result())
                    except Exception as exc:  # pickling trouble etc.: this file only
                        finish(i, None, [finding("F-UNREADABLE", file=readable_name(paths[i].name), detail=str(exc)[:120])])
                now = time.monotonic()
                late = [f for f, (_, t0) in inflight.items() if now - t0 > timeout]
                if late:
                    for fut in late:
                        i, _ = inflight.pop(fut)
                        finish(i, None, [finding("F-UNSAFE", file=readable_name(paths[i].name), detail=f"读取超过 {timeout:g} 秒")])
                    _kill(pool)
                    queue.extend(i for i, _ in inflight.values())  # innocent: back to the queue
                    inflight.clear()
                    break
            if suspects:
                suspects += [i for i, _ in inflight.values()]
                inflight.clear()
                if len(suspects) == 1:
                    i = suspects[0]
                    finish(i, None, [finding("F-UNSAFE", file=readable_name(paths[i].name), detail="读取进程异常退出，可能超出内存上限")])
                else:
                    alone.extend(sorted(suspects))
        finally:
            _kill(pool) if (suspects or inflight) else pool.shutdown(wait=True, cancel_futures=True)
        if solo and queue:  # the solo file was not started (cannot happen) - keep it
            alone.extendleft(queue)


def _feed(pool: cf.ProcessPoolExecutor, queue: deque[int], inflight: dict[cf.Future, tuple[int, float]], size: int,
          paths: list[Path], reports: dict[int, SafetyReport | None],
          args: tuple[Catalogue, Period | None, str | None], job: ReadJob[P] | None) -> None:
    """Submit queued files until ``size`` are in flight (or the pool is found broken: left for the wait)."""
    from concurrent.futures.process import BrokenProcessPool

    while queue and len(inflight) < size:
        i = queue.popleft()
        try:
            fut = pool.submit(_read_job, str(paths[i]), args[0], args[1], args[2], reports[i], job)
        except BrokenProcessPool:  # a worker died since the last wait: its futures tell which
            queue.appendleft(i)
            return
        inflight[fut] = (i, time.monotonic())


def _kill(pool: cf.ProcessPoolExecutor) -> None:
    """Stop a pool now, including a worker stuck in a parse (no public API for this before 3.14)."""
    procs = list(getattr(pool, "_processes", {}).values())
    for proc in procs:
        with contextlib.suppress(Exception):  # already gone
            proc.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        proc.join(timeout=5)
