"""`reporttool verify`: is everything still what was recorded? (docs/consolidation.md, “校验”)

Checks, and names in Chinese what differs:
- archive/: every archived file against the SHA-256 the ledger recorded for it (missing, or changed);
- the ledger: SQLite's own ``PRAGMA integrity_check`` and ``foreign_key_check``, and each submission's
  stored facts (rows, findings, sums …) against the digest kept when it was ingested (an amount edited
  inside reporttool.db is caught here);
- outbox/: each output listed in a period's manifest.json against the SHA-256 recorded when it was
  written (missing, or changed since — e.g. a brief edited by hand), and the manifest's 期号 against the
  ledger's;
- stale outputs: each period's outputs against the versions in use now of every ledger period its
  figures read (``read_keys``: this month, the months and quarters of the year before it, the period
  before, last year's same period), as its manifest recorded them (``sources``): a restore, a withdrawal
  or a correction of an earlier month makes the later months, quarters and the year built on it stale,
  named with the command that brings them up to date. ``stale_outputs`` is that judgement for the others
  too: ``consolidate`` after a correction (inbox or web upload) or a withdrawal / 退回 (``stale_after_run``)
  and the web page (its 已过时的输出, and after a 退回).

Read-only apart from the ledger's own schema upgrade (as every command that opens it).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reporttool.core.models import Period, parse_period
from reporttool.ledger import Ledger
from reporttool.pipeline.sources import changed_sources, period_order, read_keys, sources_of
from reporttool.workspace import Workspace

AREA_ARCHIVE = "存档"
AREA_LEDGER = "台账"
AREA_OUTPUTS = "输出"


@dataclass(frozen=True)
class Difference:
    """One thing that is not as recorded."""

    area: str  # AREA_*
    path: str  # the file concerned, relative to the workspace root when inside it
    message: str  # Chinese, names the file and what differs


@dataclass(frozen=True)
class VerifyReport:
    differences: tuple[Difference, ...]
    notes: tuple[str, ...]  # worth knowing, not a difference (e.g. outputs of an older version without hashes)
    archived: int  # archived files checked
    submissions: int  # submissions whose facts were checked
    outputs: int  # output files checked against a manifest

    @property
    def clean(self) -> bool:
        return not self.differences


def verify_workspace(ws: Workspace) -> VerifyReport:
    """Check the archive, the ledger and the outputs' manifests of ``ws`` (see the module docstring)."""
    from reporttool.forms.isolate import file_sha256
    from reporttool.ledger import Ledger
    from reporttool.ledger.lock import workspace_lock
    from reporttool.pipeline.outputs import read_manifests
    from reporttool.pipeline.replace import output_kind

    diffs: list[Difference] = []
    notes: list[str] = []
    archived = subs = outputs = 0
    manifests = read_manifests(ws)
    if not ws.ledger.is_file():
        stored = _archive_files(ws)
        if stored or manifests:
            diffs.append(Difference(AREA_LEDGER, ws.ledger.name,
                                    f"台账文件 {ws.ledger.name} 不存在，但存档 archive/ 中有 {len(stored)} 个文件、"
                                    f"outbox/ 中有 {len(manifests)} 份输出清单：台账可能被删除或移走。下次汇总会新建"
                                    f"台账并从清单恢复简报期号；如有备份，请先放回备份的 {ws.ledger.name}。"))
        else:
            notes.append(f"工作目录中还没有台账（{ws.ledger.name}），也没有存档和输出：没有需要校验的内容。")
        return VerifyReport(tuple(diffs), tuple(notes), 0, 0, 0)
    with workspace_lock(ws), Ledger(ws) as ledger:
        for problem in ledger.integrity_problems():
            diffs.append(Difference(AREA_LEDGER, ws.ledger.name, f"台账文件 {ws.ledger.name} 结构损坏：{problem}"))
        known: set[str] = set()
        for rec in ledger.submissions():
            subs += 1
            who = f"第{rec.id}号报送（{rec.file_name}，报告期 {rec.period}）"
            path = ws.root / rec.archive_path
            known.add(rec.archive_path)
            if not path.is_file():
                diffs.append(Difference(AREA_ARCHIVE, rec.archive_path,
                                        f"{who}的存档文件 {rec.archive_path} 不存在（被删除或移走）。"))
            else:
                archived += 1
                if file_sha256(path) != rec.sha256:
                    diffs.append(Difference(AREA_ARCHIVE, rec.archive_path,
                                            f"{who}的存档文件 {rec.archive_path} 内容已被改动或损坏（SHA-256 与台账记录"
                                            f"不符），汇总不会使用它；如收件箱中还有原文件，下次汇总会用它修复存档。"))
            for part in ledger.facts_changed(rec.id):
                diffs.append(Difference(AREA_LEDGER, ws.ledger.name,
                                        f"{who}在台账中的{part}与入账时的摘要不符：台账被直接修改过（或已损坏）。"))
        extra = [p for p in _archive_files(ws) if p not in known]
        if extra:
            notes.append(f"存档 archive/ 中有 {len(extra)} 个文件不在台账中（例如台账重建前收到的文件，"
                         f"或改动存档后留下的“.改动-…”副本），未作校验：{'、'.join(extra[:5])}"
                         + ("等" if len(extra) > 5 else "") + "。")
        issued = ledger.issue_numbers()
        stale = {str(m.get("period")): _stale(ledger, str(m.get("period")), m) for _f, m in manifests}
        causes = {str(m.get("period")): _causes(ws, ledger, m, (stale[str(m.get("period"))] or "").split("、"))
                  for _f, m in manifests if stale.get(str(m.get("period")))}
    for folder, manifest in manifests:
        rel_dir = folder.relative_to(ws.root).as_posix()
        hashes = manifest.get("output_hashes")
        if not isinstance(hashes, dict):
            notes.append(f"{rel_dir}/manifest.json 由旧版本生成，没有记录输出文件的哈希，未作校验。")
            continue
        for rel, sha in sorted(hashes.items()):
            path = folder / rel
            shown = f"{rel_dir}/{rel}"
            if not path.is_file():
                diffs.append(Difference(AREA_OUTPUTS, shown, f"{output_kind(rel)} {shown} 不存在（被删除或移走）。"))
                continue
            outputs += 1
            if file_sha256(path) != sha:
                diffs.append(Difference(AREA_OUTPUTS, shown,
                                        f"{output_kind(rel)} {shown} 在生成后被修改过（如手工编辑或被其他程序改写），"
                                        f"与 manifest.json 记录的 SHA-256 不符。"))
        for rel in manifest.get("kept_edited") or []:
            if isinstance(rel, str) and (folder / rel).is_file():
                notes.append(f"{output_kind(rel)} {rel_dir}/{rel} 是手工修改过的版本，汇总时已原样保留（新生成的写在它旁边），"
                             f"未作校验。")
        period, number = manifest.get("period"), manifest.get("issue_no")
        why = stale.get(str(period))
        if why:
            label = manifest.get("period_label") or period
            diffs.append(Difference(AREA_OUTPUTS, rel_dir,
                                    f"{label}的输出已过时：所用报告期 {why} 的在用版本已变化"
                                    f"（{'；'.join(causes.get(str(period)) or ['恢复、撤回、退回或更正'])}），"
                                    f"请重新运行 reporttool consolidate --period {period}。"))
        if isinstance(period, str) and isinstance(number, int) and period in issued and issued[period] != number:
            diffs.append(Difference(AREA_LEDGER, ws.ledger.name,
                                    f"报告期 {period} 的简报期号：台账为第{issued[period]}期，{rel_dir}/manifest.json "
                                    f"为第{number}期。"))
    return VerifyReport(tuple(diffs), tuple(notes), archived, subs, outputs)


def _uses(manifest: dict, key: str) -> bool:
    """A period's outputs read ledger period ``key`` (by its manifest's ``sources``, else by period order)."""
    sources = manifest.get("sources")
    if isinstance(sources, dict):
        return key in sources
    try:
        built = parse_period(str(manifest.get("period")))
    except ValueError:
        return False
    return key in read_keys(built)


def affected_periods(ws: Workspace, key: str) -> list[str]:
    """The periods already consolidated (a manifest in outbox/) whose figures read ledger period ``key``,
    itself first when consolidated, then in period order: what a change of the version in use of ``key``
    (a restore, a withdrawal) makes stale."""
    from reporttool.pipeline.outputs import read_manifests

    found = {str(m.get("period")) for _folder, m in read_manifests(ws) if _uses(m, key)}
    return sorted(found, key=lambda k: (k != key, period_order(k)))


def _stale(ledger, period_key: str, manifest: dict) -> str | None:
    """Why the outputs of ``period_key`` are stale (Chinese), None when they are built on the versions in use."""
    return "、".join(changed_sources(ledger, period_key, manifest)) or None


def _causes(ws: Workspace, ledger, manifest: dict, keys) -> list[str]:
    """For each changed ledger period of a manifest: “2025-06 甲区的报表被市局退回” (``change_causes``)."""
    from reporttool.pipeline.sources import change_causes

    try:
        names = {d.code: d.name for d in ws.catalogue().districts}
    except Exception:  # noqa: BLE001 - templates unreadable: the codes stand for the names
        names = {}
    sources = manifest.get("sources")
    if not isinstance(sources, dict):
        used = manifest.get("versions_used")
        sources = {str(manifest.get("period")): used} if isinstance(used, dict) else {}
    out = []
    for key in keys:
        recorded = sources.get(key)
        if isinstance(recorded, dict):
            what = change_causes(ledger, key, recorded, names)
            if what:
                out.append(f"{key} {'、'.join(what)}")
    return out


@dataclass(frozen=True)
class StaleOutput:
    """A consolidated period whose outputs were built on versions no longer in use."""

    period: str  # its key, as `consolidate --period` takes it
    label: str  # 2025年1-6月
    changed: tuple[str, ...]  # the ledger periods it read whose versions in use have changed since
    causes: tuple[str, ...] = ()  # what changed, by district (2025-06 甲区的报表被市局退回): ``change_causes``

    @property
    def reason(self) -> str:
        """Why, in words: the periods and what changed in them (the district and 退回/撤回/恢复/更正/补报)."""
        why = "；".join(self.causes)
        return f"所用报告期的在用版本已变化：{why}" if why else f"所用报告期 {'、'.join(self.changed)} 的在用版本已变化"

    @property
    def command(self) -> str:
        return f"reporttool consolidate --period {self.period}"


def stale_outputs(ws: Workspace, ledger: Ledger, *, changed: Iterable[str] | None = None,
                  skip: Iterable[str] = ()) -> list[StaleOutput]:
    """The periods in outbox/ whose outputs are stale, in the order to consolidate them again (period
    order: a month before its quarter). ``changed``: only staleness coming from these ledger periods (the
    periods a run just changed); ``skip``: periods not to name (the one just consolidated)."""
    from reporttool.pipeline.outputs import read_manifests

    only = set(changed) if changed is not None else None
    if only is not None and not only:
        return []
    skipped = set(skip)
    out = []
    now: dict[str, dict[str, str]] = {}  # the versions in use of each period, read once for every manifest
    for _folder, manifest in read_manifests(ws):
        key = str(manifest.get("period"))
        if key in skipped:
            continue
        got = [k for k in changed_sources(ledger, key, manifest, now) if only is None or k in only]
        if got:
            out.append(StaleOutput(key, str(manifest.get("period_label") or key), tuple(got),
                                   tuple(_causes(ws, ledger, manifest, got))))
    return sorted(out, key=lambda s: period_order(s.period))


def stale_after_run(ws: Workspace, period: Period, changed: Iterable[str]) -> list[StaleOutput]:
    """After a consolidation of ``period``: the other periods already consolidated whose outputs are now
    built on versions no longer in use, in the order to run them again, as far as the change comes from
    the ledger periods ``changed`` (ConsolidateResult.changed: the periods the run reads whose versions in
    use changed since ``period`` was last consolidated, however the version came in — inbox, a web upload
    recorded at upload time, import, restore — and those of the files the run took in: a correction of an
    earlier month, a late file) or from a period this consolidation reads (``read_keys``) that the bureau's
    withdrawal changed (``reporttool withdraw``, or a 退回 on the web page, in force or since undone:
    ``withdrawn_periods``). A corrected June uploaded on the web page, or a 退回 of June, followed by
    ``consolidate --period 2025-06`` so names 2025-Q2 and 2025 when they were built with the version before."""
    keys = {k for k in changed if k}
    if not ws.ledger.exists():
        return []
    with Ledger(ws) as ledger:
        keys |= withdrawn_periods(ledger, period)
        if not keys:
            return []
        return stale_outputs(ws, ledger, changed=keys, skip=[period.key])


def withdrawn_periods(ledger: Ledger, period: Period) -> set[str]:
    """The ledger periods a consolidation of ``period`` reads (``read_keys``) in which the bureau withdrew
    a district's version (``withdraw``, or 退回 on the web page): each counts as changed, as the period of
    a corrected file does."""
    wanted = set(read_keys(period))
    return {w.period for w in ledger.withdrawals() if w.period in wanted}


def stale_notice(stale: list[StaleOutput]) -> list[str]:
    """The Chinese lines that name them (consolidate, the web page's 汇总), one command a line: first what
    changed, by period and district, with the cause (更正/补报, 退回, 撤回, 恢复: ``change_causes``)."""
    if not stale:
        return []
    changed = sorted({k for s in stale for k in s.changed}, key=period_order)
    causes = list(dict.fromkeys(c for s in stale for c in s.causes))
    why = f"（{'；'.join(causes)}）" if causes else ""
    return [f"{'、'.join(changed)} 的在用版本已变化{why}；已汇总的以下各期用到它，输出已过时，请按顺序重新运行："] + [
        f"  {s.command}" for s in stale]


def _archive_files(ws: Workspace) -> list[str]:
    if not ws.archive.is_dir():
        return []
    return sorted(p.relative_to(ws.root).as_posix() for p in ws.archive.rglob("*")
                  if p.is_file() and not p.name.startswith(".~tmp-"))


__all__ = ["Difference", "StaleOutput", "VerifyReport", "affected_periods", "read_keys", "sources_of", "stale_after_run",
           "stale_notice", "stale_outputs", "verify_workspace", "withdrawn_periods"]
