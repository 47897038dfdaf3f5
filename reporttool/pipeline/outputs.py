"""The outputs of a consolidate run: 汇总表, detail workbook, brief, feedback workbooks, manifest.json.

Everything is written into outbox/.staging-<period>/ and moved into outbox/<period>/ only when all of
it is written (manifest.json last), so a failed run leaves the previous outputs untouched.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
import shutil
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from reporttool import __version__
from reporttool.catalogue import Catalogue
from reporttool.core.errors import OutputLockedError, ReportToolError
from reporttool.core.files import atomic_write_bytes
from reporttool.core.models import ERROR, VERIFY, Finding, Period
from reporttool.figures import Figures
from reporttool.figures.compute import CurrentVersions
from reporttool.forms.isolate import file_sha256
from reporttool.ledger import Ledger
from reporttool.pipeline.feedback_jobs import FeedbackJob, start_all
from reporttool.pipeline.inbox import InputFile, run_counts
from reporttool.pipeline.replace import MANIFEST, check_replaceable, locked_message, replace_all
from reporttool.pipeline.returned import returned_feedback
from reporttool.pipeline.side import Side, write_brief_file
from reporttool.pipeline.sources import sources_of
from reporttool.render.names import brief_name
from reporttool.workspace import Workspace


def detail_sheets(ledger: Ledger, cat: Catalogue, cv: CurrentVersions) -> list:
    """The detail workbook's sheets from the stored fragments of the versions in use, in catalogue order.

    A fragment whose stamp differs (catalogue changed, or a cross rule now excludes other rows of that
    submission) is rendered again from the stored rows and stored: the rare path. A district whose rows
    cannot be rendered is taken out of the run (``cv.fail``: 退回 with F-INTERNAL), not the whole run.
    """
    from reporttool.render.detail_book import DetailSheet, fragment_stamp, render_fragment

    s = cat.settings
    out = []
    got_all: dict[tuple[str, str], tuple[str, bytes, int]] = {}
    for d in cat.districts:
        rec = cv.records.get(d.code)
        if rec is None or not rec.readable or d.code in cv.failed:
            continue
        try:
            for key in ("roster", "projects"):
                gone = cv.cross_excluded.get(d.code, frozenset()) if key == "roster" else frozenset()
                stamp = fragment_stamp(cat, gone)
                got = ledger.fragment(rec.id, key)
                if got is None or got[0] != stamp:
                    table = ledger.tables(rec.id, (key,)).get(key)
                    rows = [r for r in table.rows if not r.excluded and r.number not in gone] if table else []
                    data, count = render_fragment(key, rows, d.code, cat)
                    ledger.put_fragment(rec.id, key, stamp, data, count)
                    got = (stamp, data, count)
                got_all[(d.code, key)] = got
        except (sqlite3.Error, OSError):
            raise
        except Exception as exc:  # noqa: BLE001 - this district only
            cv.fail(d.code, exc, cat.words)
    for key, what, unit in (("roster", "户", "万元、人、%"), ("projects", "个", "万元、%")):
        frags, n = [], 0
        for d in cat.districts:
            got = got_all.get((d.code, key))
            if got is None or d.code in cv.failed:
                continue
            frags.append(got[1])
            n += got[2]
        u = cat.words.unit
        note = (f"编制单位：{s.issuing_unit}　　单位：{unit}　　共{n}{what}。审核通过（无错误）的行，按各{u}填报数列示，"
                f"序号按{u}分别编排；汇总见汇总表。")
        out.append(DetailSheet(key, note, frags, n))
    return out


def write_outputs(ws: Workspace, ledger: Ledger, cat: Catalogue, period: Period, figures: Figures,
                   cv: CurrentVersions, inputs: list[InputFile], issue_no: int,
                   now: dt.datetime, *, issued: dt.date | None = None,
                   sheets: list | None = None, notices: list[str] | None = None,
                   side: Side | None = None, previous: dict | None = None) -> tuple[list[Path], Path]:
    """Write everything into the staging folder, then replace the outputs in outbox/<period>/ all
    together or not at all (``replace_all``; manifest last).

    ``issued``: the brief's issue date (default the day of ``now``). ``sheets``: the detail workbook's
    sheets when already built (run_consolidate builds them before the figures, see there). ``notices``
    receives what the user should be told (a hand-edited brief kept, an archived file repaired …).

    Feedback workbooks whose inputs did not change since the last complete run are kept in place. A
    brief edited by hand since it was written is never overwritten (``brief_target``). An archived
    file is used for a feedback workbook only when its bytes still hash as recorded
    (Ledger.trusted_archive). ``side``: the run's side process, which writes the brief meanwhile
    (pipeline/side.py); without it everything is written here. ``previous``: the period's manifest as it
    was before this run, when the caller has read it already."""
    from reporttool.render.detail_book import detail_name, write_detail_book
    from reporttool.render.workbook import consolidated_name, write_consolidated

    notices = notices if notices is not None else []
    staging = ws.outbox / f".staging-{period.key}"
    if staging.exists():
        shutil.rmtree(staging)  # left by a killed run
    staging.mkdir(parents=True)
    final = ws.period_dir(period)
    previous = read_manifest(final) if previous is None else previous
    written: list[tuple[Path, Path]] = []  # (in staging, in final), both relative
    feedback_written: list[tuple[Path, Path]] = []
    current = ledger.current(period.key)
    inbox = {i.sha256: i.path for i in inputs}
    feedback_dir = Path(ws.feedback_dir(period).name)
    before = _previous_signatures(final)
    signatures: dict[str, str] = {}
    kept: list[Path] = []  # feedback files whose inputs did not change: the file in place stays
    jobs: list[FeedbackJob] = []
    for state in figures.submissions:
        mine = [f for f in figures.findings if f.district == state.district]
        rec = current.get(state.district)
        back = returned_feedback(ledger, cat, period, state.withdrawn) if rec is None else None
        if back is not None:  # 退回 on the web page: out of the figures, but the district learns why (returned.py)
            rec, mine = back.record, back.findings
        if back is None and not needs_feedback(mine):
            continue  # (a district without a file of this period has findings only when one of another came)
        rel = feedback_dir / f"{_safe_name(state.district_name)}.xlsx"
        sig = _feedback_signature(rec.sha256 if rec else "", mine, state.district_name, period.label,
                                  back.returned if back else "")
        signatures[rel.as_posix()] = sig
        if before.get(rel.as_posix()) == sig and (final / rel).is_file():
            kept.append(rel)
            continue
        source: Path | None = ledger.trusted_archive(rec, inbox) if rec else None
        jobs.append((source, mine, staging / rel, state.district_name, back.returned if back else ""))
        feedback_written.append((rel, rel))
    # the feedback workbooks are written (by a pool when there are several: pipeline/feedback_jobs.py) while
    # this process writes the 汇总表, the 明细 and the brief
    finish_feedback = start_all(jobs, period.label, cat.words)
    issued = issued or now.date()
    brief_staged = Path(brief_name(cat, period, issue_no))
    finish_brief = None
    detail_rel = Path(detail_name(cat, period))
    sheets = sheets if sheets is not None else detail_sheets(ledger, cat, cv)
    hashed: dict[Path, str] = {}  # outputs hashed as soon as written, beside other work

    def write_detail() -> None:  # in a thread: mostly writing and hashing 13 MB, which release the GIL
        write_detail_book(cat, period, sheets, staging / detail_rel, now=now)
        hashed[detail_rel] = file_sha256(staging / detail_rel)

    detail = ThreadPoolExecutor(1, thread_name_prefix="detail")
    try:
        # the brief by the side process (when there is one) and the 明细 by a thread, while this one writes
        # the 汇总表
        finish_brief = (side or Side(use=False)).start(
            write_brief_file, figures.city_level(), cat, staging / brief_staged, issue_no=issue_no,
            template=ws.brief_template if ws.brief_template.is_file() else None, issued=issued, now=now)
        detail_done = detail.submit(write_detail)
        rel = Path(consolidated_name(cat, period))
        write_consolidated(figures, cat, staging / rel)
        written.append((rel, rel))
        detail_done.result()
        written.append((detail_rel, detail_rel))
        finish_brief()
        finish_brief = None
        rel = brief_staged
        brief_rel, kept_edited, note = brief_target(final, rel, previous)
        if note:
            notices.append(note)
        written.append((rel, brief_rel))
    except BaseException:
        detail.shutdown(wait=True)  # the thread is done with staging/ before the error goes up
        with contextlib.suppress(Exception):  # the first error is the one to report
            finish_feedback()
        if finish_brief is not None and side is not None and side.active:
            with contextlib.suppress(Exception):  # the side process is done with staging/ before it goes
                finish_brief()
        raise
    detail.shutdown(wait=True)
    finish_feedback()
    written += feedback_written
    notices.extend(ledger.notices)
    ledger.notices.clear()
    finals = [f for _, f in written] + kept
    manifest = _manifest(ledger, cat, period, figures, inputs, issue_no, now, finals)
    manifest["feedback_signatures"] = signatures
    manifest["sources"] = sources_of(ledger, period)  # what `verify` compares to tell stale outputs
    old_hashes = _dict(previous.get("output_hashes"))
    hashes = {f.as_posix(): hashed.get(s) or file_sha256(staging / s) for s, f in written}
    for k in kept:
        hashes[k.as_posix()] = old_hashes.get(k.as_posix()) or file_sha256(final / k)
    manifest["output_hashes"] = hashes
    manifest["brief"] = {"file": brief_rel.as_posix(), "issue_no": issue_no, "issued": issued.isoformat()}
    manifest["kept_edited"] = kept_edited
    (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")

    keep = {final / f for f in finals} | {final / k for k in kept_edited}
    stale = [final / r for r in _stale_outputs(final, previous, keep)]  # e.g. the brief of an old 期号
    old_feedback = ws.feedback_dir(period)
    if old_feedback.is_dir():  # feedback of districts that have no findings any more is out of date
        stale += [p for p in old_feedback.glob("*.xlsx") if p not in keep and p not in stale]
    replace_all([(staging / s, final / f) for s, f in written] + [(staging / MANIFEST, final / MANIFEST)],
                stale, staging / ".previous")
    shutil.rmtree(staging, ignore_errors=True)
    return [final / f for f in finals] + [final / MANIFEST], final / MANIFEST


def _stale_outputs(final: Path, previous: dict, keep: set[Path]) -> list[str]:
    """Briefs the previous run wrote, unchanged since, that this run does not write again (a brief of
    another 期号, or an old “（新）” copy): left in place they would make two briefs of one period."""
    hashes = previous.get("output_hashes")
    if not isinstance(hashes, dict):
        return []
    out = []
    for rel, sha in hashes.items():
        path = final / rel
        if path in keep or Path(rel).suffix.lower() != ".docx" or not path.is_file():
            continue
        if file_sha256(path) == sha:
            out.append(rel)
    return out


# ---- the brief: never overwrite one edited by hand --------------------------------------------------

NEW_MARK = "（新）"


def brief_target(final: Path, rel: Path, previous: dict) -> tuple[Path, list[str], str]:
    """Where the new brief goes, the hand-edited briefs kept, and what to tell the user.

    A brief whose bytes differ from the hash the manifest recorded when it was written was edited by hand
    (README step 4 invites it): it is kept as it is and the new brief goes beside it, as
    ``…（第N期）（新）.docx`` (then ``（新2）`` …; a ``（新）`` brief we wrote and nobody edited is
    replaced). Without a recorded hash (a manifest of an older version) a brief the manifest lists is
    ours; a file it does not list is the user's."""
    hashes = previous.get("output_hashes")
    hashes = hashes if isinstance(hashes, dict) else None
    listed = set(previous.get("outputs") or [])
    kept = [k for k in previous.get("kept_edited") or [] if isinstance(k, str) and (final / k).is_file()]
    for n in range(1, 100):
        cand = rel if n == 1 else rel.with_name(f"{rel.stem}{NEW_MARK if n == 2 else f'（新{n - 1}）'}{rel.suffix}")
        key = cand.as_posix()
        path = final / cand
        if not path.exists():
            break
        if key in kept:
            continue
        if hashes is not None and key in hashes:
            if file_sha256(path) == hashes[key]:
                break  # ours, unchanged: replace it
            kept.append(key)
            continue
        if hashes is None and key in listed:
            break
        kept.append(key)  # a file we did not write: never touched
    else:  # pragma: no cover - 99 edited copies
        raise ReportToolError(f"{final} 中手工修改过的简报过多，请整理后重试。")
    note = ""
    if cand != rel:
        mine = [k for k in kept if Path(k).suffix.lower() == ".docx"]
        note = (f"简报 {'、'.join(mine)} 在生成后被手工修改过，已原样保留；新生成的简报写为 {cand.name}"
                f"（请对照后合并修改）。")
    return cand, kept, note


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def read_manifest(final: Path) -> dict:
    """A period's manifest.json ({} when missing or unreadable)."""
    try:
        data = json.loads((final / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def read_manifests(ws: Workspace) -> list[tuple[Path, dict]]:
    """(folder, manifest) of every period in outbox/ that has one, oldest period first."""
    if not ws.outbox.is_dir():
        return []
    out = []
    for folder in sorted(p for p in ws.outbox.iterdir() if p.is_dir() and not p.name.startswith(".")):
        data = read_manifest(folder)
        if data:
            out.append((folder, data))
    return out


@dataclass(frozen=True)
class BriefResult:
    path: Path
    issue_no: int
    issued: dt.date
    notices: tuple[str, ...]


def rewrite_brief(ws: Workspace, cat: Catalogue, period: Period, *, issue: int | None = None,
                  issued: dt.date | None = None, today: dt.date | None = None) -> BriefResult:
    """`reporttool brief`: write the brief of ``period`` again from the ledger.

    The 期号 is the period's (recovered from the manifests if the ledger was rebuilt) unless ``issue``;
    the issue date is ``issued``, else the one recorded for that 期号 (not today: regenerating a brief
    does not re-date it), else ``today``. A brief edited by hand is kept and the new one written beside
    it (brief_target); the manifest records the new brief's hash."""
    from reporttool.figures import consistency
    from reporttool.ledger.lock import workspace_lock
    from reporttool.render.brief import write_brief

    if not ws.ledger.is_file():
        raise ReportToolError(f"工作目录 {ws.root} 还没有台账（{ws.ledger.name}），"
                              f"请先运行 reporttool consolidate --period {period.key} 汇总各{cat.words.unit}报表。")
    with workspace_lock(ws), Ledger(ws) as ledger:
        notices = recover_issue_numbers(ws, ledger)
        figures = consistency.period_figures(ledger, cat, period)
        wanted = cat.settings.issue_for(period)  # the period's own 期号 (never the order of the runs)
        own = ledger.issue_numbers().get(period.key) if issue else \
            ledger.issue_number(period.key, period.year, wanted=wanted)
        issue_no: int = issue or own or ledger.issue_number(period.key, period.year, wanted=wanted)
        if issued is None and issue_no == own:
            issued = ledger.issue_date(period.key)
        issued = issued or today or dt.date.today()
        final = ws.period_dir(period)
        previous = read_manifest(final)
        rel, kept_edited, note = brief_target(final, Path(brief_name(cat, period, issue_no)), previous)
        if note:
            notices.append(note)
        dest = final / rel
        try:
            check_replaceable(dest)
        except PermissionError:
            raise OutputLockedError(locked_message(dest).replace("（台账已更新，重新运行不会重复入账）", "")) from None
        template = ws.brief_template if ws.brief_template.is_file() else None
        try:
            write_brief(figures.city_level(), cat, dest, issue_no=issue_no, template=template, issued=issued)
        except PermissionError:
            raise OutputLockedError(locked_message(dest).replace("（台账已更新，重新运行不会重复入账）", "")) from None
        if issue_no == own:
            ledger.set_issue_date(period.key, issued)
        if previous:  # the manifest knows the brief as written now (else it would look edited by hand)
            hashes = _dict(previous.get("output_hashes"))
            hashes[rel.as_posix()] = file_sha256(dest)
            previous["output_hashes"] = hashes
            previous["kept_edited"] = kept_edited
            previous["brief"] = {"file": rel.as_posix(), "issue_no": issue_no, "issued": issued.isoformat()}
            outs_any = previous.get("outputs")
            outs: list = outs_any if isinstance(outs_any, list) else []
            if rel.as_posix() not in outs:
                previous["outputs"] = [*outs[:-1], rel.as_posix(), *outs[-1:]] if outs else [rel.as_posix()]
            atomic_write_bytes(final / MANIFEST, json.dumps(previous, ensure_ascii=False, indent=2).encode("utf-8"))
    return BriefResult(dest, issue_no, issued, tuple(notices))


def rebuilt_ledger_notice(ws: Workspace, ledger: Ledger) -> list[str]:
    """When the ledger file was just created but the workspace has archived files or outputs, the old
    ledger was deleted or moved: say so (it is rebuilt from what is in inbox/ now)."""
    if not ledger.created:
        return []
    archived = sum(1 for p in ws.archive.rglob("*") if p.is_file()) if ws.archive.is_dir() else 0
    manifests = len(read_manifests(ws))
    if not archived and not manifests:
        return []
    return [(f"注意：台账文件 {ws.ledger.name} 不存在，已新建（原台账可能被删除或移走；如有备份，请停止使用本次结果，"
             f"放回备份后重新运行）。存档 archive/ 中有 {archived} 个以前收到的文件、outbox/ 中有 {manifests} 份输出清单；"
             f"新台账只包含收件箱 inbox/ 中现有的报表，简报期号从输出清单恢复。")]


def recover_issue_numbers(ws: Workspace, ledger: Ledger) -> list[str]:
    """Brief numbers (and their issue dates) issued before the ledger was rebuilt, taken back from the
    manifests in outbox/, so that no 期号 is issued twice. Returns what to tell the user."""
    from reporttool.core.models import parse_period

    told = []
    for _folder, m in read_manifests(ws):
        number, key = m.get("issue_no"), m.get("period")
        if not isinstance(number, int) or not isinstance(key, str):
            continue
        try:
            period = parse_period(key)
        except ValueError:
            continue
        brief = _dict(m.get("brief"))
        issued = None
        for text in (brief.get("issued"), str(m.get("generated_at") or "")[:10]):
            try:
                issued = dt.date.fromisoformat(text) if text else None
            except (TypeError, ValueError):
                issued = None
            if issued:
                break
        if ledger.restore_issue(key, period.year, number, issued, str(m.get("generated_at") or "")):
            told.append(f"{period.label}第{number}期")
    if not told:
        return []
    return [f"已从 outbox/ 的输出清单恢复台账中没有的简报期号：{'、'.join(told)}（期号不会重复使用）。"]




def needs_feedback(findings: list[Finding]) -> bool:
    """A district gets a feedback workbook only when there is something to fix or explain: an error or a
    核实 without a 说明. Explained 核实 and 提示 alone leave it 通过, with no workbook to send."""
    return any(f.severity == ERROR or (f.severity == VERIFY and not f.explained) for f in findings)


def _feedback_signature(sha256: str, findings: list[Finding], district_name: str, period_label: str,
                        returned: str = "") -> str:
    """What a feedback workbook depends on: the archived file, its findings, the names, the tool version (and
    the bureau's 退回 in words, when it carries one)."""
    blob = json.dumps([__version__, sha256, district_name, period_label, [f.as_dict() for f in findings]]
                      + ([returned] if returned else []), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _previous_signatures(final: Path) -> dict[str, str]:
    """Feedback signatures recorded by the last complete run for this period ({} when unknown)."""
    try:
        data = json.loads((final / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    sigs = data.get("feedback_signatures") if isinstance(data, dict) else None
    return sigs if isinstance(sigs, dict) else {}
_ILLEGAL = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _safe_name(name: str) -> str:
    return _ILLEGAL.sub("_", name).strip(" .") or "_"


def _manifest(ledger: Ledger, cat: Catalogue, period: Period, figures: Figures, inputs: list[InputFile],
              issue_no: int, now: dt.datetime, written: list[Path]) -> dict:
    """What went in and what came out: enough to reproduce and to audit the run."""
    in_use = ledger.current(period.key)
    current = {r.id for r in in_use.values()}
    records = ledger.submissions(period=period.key)
    # one state word per version, as status and history show it: the version in use as 报送情况 says
    by_district = {s.district: s.status for s in figures.submissions}
    shown = {r.id: by_district[d] for d, r in in_use.items() if d in by_district}
    return {
        "tool": "reporttool", "tool_version": __version__, "period": period.key, "period_label": period.label,
        "generated_at": now.isoformat(), "catalogue_fingerprint": cat.fingerprint,
        "catalogue_path": cat.path, "issue_no": issue_no,
        "inputs": [{"file_name": r.file_name, "sha256": r.sha256, "district": r.district,
                    "received_at": r.received_at.isoformat(), "status": shown.get(r.id, r.status),
                    "in_use": r.id in current, "archive": r.archive_path} for r in records],
        "other_periods": [{"file_name": i.name, "sha256": i.sha256, "period": i.period, "status": i.status}
                          for i in inputs if i.new and i.period and i.period != period.key],
        "versions_used": {s.district: s.sha256 for s in figures.submissions if s.sha256},
        "submissions": [{"district": s.district, "name": s.district_name, "status": s.status,
                         "received_at": s.received_at.isoformat() if s.received_at else None,
                         "on_time": s.on_time, "errors": s.errors, "verify": s.verify, "info": s.info}
                        for s in figures.submissions],
        "counts": run_counts(figures, inputs),
        "outputs": [p.as_posix() for p in written] + [MANIFEST],
    }
