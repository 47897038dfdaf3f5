"""The bureau undoes a wrong supersede or a withdrawal; or withdraws a district's month.

``withdraw_month`` takes a district's month out of use (``reporttool withdraw``): no version of it is in
use until a restore or a new file of that district and period; recorded with who and when.

``review_version`` records the bureau's 通过 / 退回 of a version on the web page (serve/). A 退回 of the
version in use takes it out through the same withdrawal (``_withdraw``), linked to the review, so the
district shows 已退回（待重报）; a 通过 of a version so returned restores it (``restore``). A restore of the
returned version cancels its 退回, one of another version settles it (the month is in use again, no longer
待重报): both record a 通过 of the version restored (``_settle_return``). docs/serve.md “退回”.

``restore_version`` finds the version (by its number among the district's files for the period, as
``history`` counts them, or by a prefix of its SHA-256), records the restore in the ledger (shown by
``reporttool history``) and resolves the district's versions again; the next ``consolidate`` (or
``status``, ``brief``) uses the restored version. Nothing is deleted: the version it replaces becomes
被替代 and can itself be restored. See docs/consolidation.md “恢复先前的版本”.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reporttool.catalogue import Catalogue
from reporttool.core.errors import ReportToolError
from reporttool.core.models import Period, parse_period
from reporttool.ledger.lock import workspace_lock
from reporttool.ledger.store import Ledger, Review, SubmissionRecord, Withdrawal
from reporttool.workspace import Workspace


@dataclass(frozen=True)
class Restored:
    """What a restore did: the version now current and the one it replaced (None: there was none)."""

    period: Period
    district: str
    district_name: str
    restored: SubmissionRecord
    number: int  # 第N份: its place among the district's files for the period, oldest first
    replaced: SubmissionRecord | None
    replaced_number: int | None
    cancelled_return: bool = False  # it undid the bureau's 退回 of this version (web page): recorded as 通过
    # the 第N份 whose 退回 (web page) this restore of another version settled: the month is in use again, the
    # district no longer 待重报 (the returned version stays 退回); recorded as 通过 of the version restored
    settled_return: int | None = None


def resolve_district(cat: Catalogue, text: str) -> str:
    """A district code from a code or a name; ReportToolError naming the valid ones otherwise."""
    d = cat.district(text.strip()) or next((x for x in cat.districts if x.name == text.strip()), None)
    if d is None:
        valid = "、".join(f"{x.code}（{x.name}）" for x in cat.districts)
        raise ReportToolError(f"{cat.words.unit}“{text}”不在目标库中。可用：{valid}")
    return d.code


def restore_version(ws: Workspace, period: Period, district: str, *, number: int | None = None,
                    sha: str | None = None, note: str = "", now: dt.datetime | None = None) -> Restored:
    """Make a district's earlier version current again (``number``: 第N份, or ``sha``: a hash prefix of at
    least 6 characters). Takes the workspace lock: no consolidate runs at the same time."""
    if number is not None and sha is not None:
        raise ReportToolError("请用 --version（第几份）或 --sha（哈希前缀）指定要恢复的版本，二者选一。")
    cat, code, name = _district_in_ledger(ws, district, "台账中还没有任何报表，无可恢复的版本。")
    with workspace_lock(ws), Ledger(ws) as ledger:
        files = ledger.submissions(period=period.key, district=code)
        if not files:
            raise ReportToolError(f"台账中没有{name}{period.label}的报表。")
        listing = "；".join(f"第{i}份 {r.sha256[:12]} {r.file_name}（{r.status}）" for i, r in enumerate(files, 1))
        if number is None and sha is None:  # undo a withdrawal: the version withdrawn is in use again
            undo = next((w for w in ledger.withdrawals(period=period.key, district=code) if w.in_force), None)
            if undo is None or undo.submission_id is None:
                raise ReportToolError(f"{name}{period.label}没有撤回，请用 --version（第几份）或 --sha（哈希前缀）"
                                      f"指定要恢复的版本。{listing}")
            rec = next(r for r in files if r.id == undo.submission_id)
        elif number is not None:
            if not 1 <= number <= len(files):
                raise ReportToolError(f"{name}{period.label}共收到{len(files)}份文件，没有第{number}份。{listing}")
            rec = files[number - 1]
        else:
            key = (sha or "").strip().lower()
            hits = [r for r in files if r.sha256.startswith(key)] if len(key) >= 6 else []
            if len(hits) != 1:
                why = "哈希前缀至少6位" if len(key) < 6 else ("有多个版本以此开头" if hits else "没有以此开头的版本")
                raise ReportToolError(f"无法确定要恢复的版本（{why}）。{name}{period.label}收到的文件：{listing}")
            rec = hits[0]
        force = next((w for w in ledger.withdrawals(period=period.key, district=code) if w.in_force), None)
        before = ledger.reviews([rec.id]).get(rec.id)
        restored, replaced = ledger.restore(period.key, code, rec.id, now=now, note=note)
        ids = [r.id for r in files]
        cancelled, settled = _settle_return(ledger, force, before, restored, ids, note, now)
    return Restored(period, code, name, restored, ids.index(restored.id) + 1, replaced,
                    ids.index(replaced.id) + 1 if replaced is not None and replaced.id in ids else None,
                    cancelled_return=cancelled, settled_return=settled)


def _settle_return(ledger: Ledger, force: Withdrawal | None, before: Review | None, restored: SubmissionRecord,
                   ids: list[int], note: str, now: dt.datetime | None) -> tuple[bool, int | None]:
    """What a restore does to the bureau's 退回 (web page), recorded as a 通过 of the version now in use, so the
    district's page and the bureau's say the month is settled (docs/serve.md “退回”):

    - the version restored is the one returned (its 退回 in force, or its last decision 退回): the 退回 is
      cancelled (the same as 通过 on the web page) → (True, None);
    - another version is restored while a 退回 is in force: the 退回 is settled — the district's month is in
      use again and it is no longer 待重报; the returned version keeps its 退回 → (False, 第N份 returned).
    Anything else: (False, None), nothing recorded."""
    at = (now or dt.datetime.now()).replace(microsecond=0)
    tail = f"：{note}" if note else ""
    if (force is not None and force.returned and force.submission_id == restored.id) or (
            before is not None and before.decision == DECISION_RETURN):
        ledger.add_review(restored.id, DECISION_PASS, "撤销退回（reporttool restore）" + tail, "市局", at)
        return True, None
    if force is not None and force.returned and force.submission_id in ids:
        n, m = ids.index(restored.id) + 1, ids.index(force.submission_id) + 1
        ledger.add_review(restored.id, DECISION_PASS, f"恢复第{n}份为在用版本，第{m}份的退回已了结，无需重报"
                                                      f"（reporttool restore）" + tail, "市局", at)
        return False, m
    return False, None


@dataclass(frozen=True)
class Withdrawn:
    """What a withdrawal did: the version that was in use (now none is)."""

    period: Period
    district: str
    district_name: str
    version: SubmissionRecord
    number: int  # 第N份


def _district_in_ledger(ws: Workspace, district: str, no_ledger: str) -> tuple[Catalogue, str, str]:
    """(catalogue, code, name) of the district typed (code or name); ``no_ledger`` raised when there is no
    ledger yet. The preamble of restore and withdraw."""
    cat = ws.catalogue()
    code = resolve_district(cat, district)
    name = next(d.name for d in cat.districts if d.code == code)
    if not ws.ledger.exists():
        raise ReportToolError(no_ledger)
    return cat, code, name


def withdraw_month(ws: Workspace, period: Period, district: str, *, who: str = "", note: str = "",
                   now: dt.datetime | None = None) -> Withdrawn:
    """Take a district's month out of use (the bureau withdraws it): the next consolidate of this period
    and of every later one does without it. Reversible with ``restore_version`` (no --version/--sha).
    Takes the workspace lock."""
    cat, code, name = _district_in_ledger(ws, district, "台账中还没有任何报表，无可撤回。")
    with workspace_lock(ws), Ledger(ws) as ledger:
        return _withdraw(ledger, period, code, name, who=who, note=note, now=now)


def _withdraw(ledger: Ledger, period: Period, code: str, name: str, *, who: str, note: str,
              now: dt.datetime | None, review_id: int | None = None) -> Withdrawn:
    """The one way a district's month is taken out of use: ``reporttool withdraw`` and the web page's 退回."""
    files = ledger.submissions(period=period.key, district=code)
    if not files:
        raise ReportToolError(f"台账中没有{name}{period.label}的报表，无可撤回。")
    force = next((w for w in ledger.withdrawals(period=period.key, district=code) if w.in_force), None)
    if force is not None:
        done = "已被市局在报送网页上退回（不计入汇总）" if force.returned else "已经撤回"
        raise ReportToolError(f"{name}{period.label}{done}；如要恢复，请运行 reporttool restore --period "
                              f"{period.key} --district {code}。")
    rec = ledger.withdraw(period.key, code, who=who, note=note, now=now, review_id=review_id)
    return Withdrawn(period, code, name, rec, [r.id for r in files].index(rec.id) + 1)


DECISION_PASS = "通过"
DECISION_RETURN = "退回"
DECISIONS = (DECISION_PASS, DECISION_RETURN)


@dataclass(frozen=True)
class Reviewed:
    """What the bureau's decision on a version did to the figures: ``withdrawn`` when a 退回 took the
    version in use out, ``restored`` when a 通过 put a returned version back in use; both None when it
    is a record only (a version not in use, or a month already withdrawn)."""

    version: SubmissionRecord
    period: Period
    district_name: str
    decision: str
    withdrawn: Withdrawn | None = None
    restored: Restored | None = None


def review_version(ws: Workspace, sid: int, decision: str, reason: str, reviewer: str, *,
                   now: dt.datetime | None = None) -> Reviewed:
    """Record the bureau's 通过 / 退回 of version ``sid`` (web page) and apply it to the figures.

    退回 of the version in use takes the district's month out of use, exactly as ``withdraw_month`` (one
    withdrawal, linked to the review): until the district sends a corrected file (a new readable version
    is in use again), ``reporttool restore`` or a 通过 of that same version, its data is in no total.
    通过 of a version whose month was taken out by its own 退回 restores it. Takes the workspace lock."""
    if decision not in DECISIONS:
        raise ReportToolError("审核结论只能是“通过”或“退回”。")
    if decision == DECISION_RETURN and not reason.strip():
        raise ReportToolError("退回时请写明原因，县区会在其页面上看到。")
    cat = ws.catalogue()
    now = (now or dt.datetime.now()).replace(microsecond=0)
    with workspace_lock(ws), Ledger(ws) as ledger:
        rec = ledger.submission(sid)
        if rec is None:
            raise ReportToolError(f"台账中没有第{sid}号报送记录。")
        period = parse_period(rec.period)
        d = cat.district(rec.district)
        name = d.name if d else rec.district
        in_use = ledger.current(rec.period).get(rec.district)
        force = next((w for w in ledger.withdrawals(period=rec.period, district=rec.district) if w.in_force), None)
        rid = ledger.add_review(sid, decision, reason, reviewer, now)
        if decision == DECISION_RETURN and in_use is not None and in_use.id == sid:
            done = _withdraw(ledger, period, rec.district, name, who=reviewer, note=reason, now=now, review_id=rid)
            return Reviewed(rec, period, name, decision, withdrawn=done)
        if decision == DECISION_PASS and force is not None and force.returned and force.submission_id == sid:
            files = [r.id for r in ledger.submissions(period=rec.period, district=rec.district)]
            restored, replaced = ledger.restore(rec.period, rec.district, sid, now=now,
                                                note="市局审核通过，撤销退回" + (f"：{reason}" if reason else ""))
            back = Restored(period, rec.district, name, restored, files.index(sid) + 1, replaced, None)
            return Reviewed(rec, period, name, decision, restored=back)
    return Reviewed(rec, period, name, decision)
