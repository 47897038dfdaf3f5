"""One upload from start to finish (the page's form and the API share it), and the feedback download."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from anyio import to_thread

from reporttool.checks import counts
from reporttool.core.errors import ReportToolError
from reporttool.core.models import Finding, parse_period
from reporttool.ledger import Ledger, SubmissionRecord
from reporttool.ledger.store import Review
from reporttool.serve import views
from reporttool.serve.codes import Who, state_dir
from reporttool.serve.intake import NotChecked, Refused, display_name, findings_key, form_district, judge, sha256, store

if TYPE_CHECKING:  # pragma: no cover
    from starlette.datastructures import UploadFile
    from starlette.requests import Request

    from reporttool.serve.server import Server


async def handle_upload(srv: Server, request: Request, who: Who, upload: UploadFile) -> dict:
    """Judge, store into inbox/, ingest, and answer with the version's findings (as JSON data).

    Raises Refused (nothing kept) for what is not an xlsx, fails the safety pre-check, is too large, or
    is another district's form.
    """
    from reporttool.serve.server import client_of

    client = client_of(request)
    original = display_name(upload.filename)
    data = await upload.read(srv.max_upload + 1)
    tmp = state_dir(srv.ws) / "tmp"
    try:
        if len(data) > srv.max_upload:
            raise Refused(f"文件太大：每次上传不超过 {srv.max_upload // (1024 * 1024)} MB。")
        async with srv.gate:  # a few at a time: each pre-check and identity read holds a workbook in memory
            await to_thread.run_sync(judge, data, tmp)
            found = await to_thread.run_sync(form_district, data, tmp)
        if found and found != who.district:
            other = srv.cat.district(found)
            raise Refused(f"这份报表的填报单位是{other.name if other else found}（代码 {found}），"
                          f"不是{who.name}。请用本单位的模板填写（页面上可下载），不要替其他县区报送。")
    except Refused as exc:
        srv.log.write(client, who, "上传被拒", file=original, size=len(data), sha256=sha256(data), reason=str(exc))
        raise
    digest = sha256(data)
    notes: list[str] = []
    known = await to_thread.run_sync(lambda: _known(srv, digest))
    if known is not None and known.district not in ("", who.district):
        raise Refused("这份文件已由其他县区报送过，未接收。")
    if known is not None:
        notes.append("这份文件与已收到的一个版本内容完全相同，未作为新版本记录。")
        sid = known.id
        srv.log.write(client, who, "上传（重复）", file=original, sha256=digest, submission=sid)
    else:
        now = dt.datetime.now().replace(microsecond=0)
        path = await to_thread.run_sync(lambda: store(srv.ws, data, who.name, now))
        try:
            item = await srv.intake.ingest(path)
        except ReportToolError as exc:  # locked for too long, catalogue broken …: the file stays in inbox/
            srv.log.write(client, who, "上传未审核", file=original, stored=path.name, sha256=digest, reason=str(exc))
            raise NotChecked(f"文件已收到（{path.name}），但现在无法审核：{exc} 市局汇总时会处理；"
                             f"您也可以稍后重新上传以查看审核结果。") from None
        if item.submission_id is None:
            srv.log.write(client, who, "上传未入账", file=original, stored=path.name, sha256=digest,
                          note=item.note)
            raise Refused(f"文件已收到但未能入账（{item.note or '原因不明'}），请稍后重新上传。")
        sid = item.submission_id
        srv.log.write(client, who, "上传", file=original, stored=path.name, size=len(data), sha256=digest,
                      submission=sid, status=item.status, period=item.period)
    rec, findings, review, in_use = await to_thread.run_sync(lambda: srv.own(who, sid))
    if rec.period != srv.period.key:
        notes.append(f"注意：这份报表的报告期是 {_label(rec.period)}，不是本期（{srv.period.label}），"
                     f"不计入本期报送。请确认是否选错了文件。")
    out = submission_json(srv, rec, findings, review, in_use)
    out["notes"] = notes
    return out


def _known(srv: Server, digest: str) -> SubmissionRecord | None:
    if not srv.ws.ledger.exists():
        return None
    with Ledger(srv.ws) as ledger:
        return ledger.by_sha(digest)


def _label(key: str) -> str:
    try:
        return parse_period(key).label
    except ValueError:
        return key or "（未知）"


def submission_json(srv: Server, rec: SubmissionRecord, findings: list[Finding], review: Review | None,
                    in_use: bool) -> dict:
    c = counts(findings)
    return {
        "accepted": True,
        "submission": {**views.record_json(rec, srv.cat), "in_use": in_use},
        "status": _state(rec, findings) if in_use else rec.status,
        "counts": c.to_json(),
        "findings": [{**f.as_dict(), "how_to_explain": views.EXPLAIN_HINT if f.severity_label == "核实" else ""}
                     for f in findings],
        "review": views.review_json(review),
        "feedback_url": f"/api/submissions/{rec.id}/feedback",
        "page_url": f"/submissions/{rec.id}",
    }


def _state(rec: SubmissionRecord, findings: list[Finding]) -> str:
    from reporttool.figures.compute import state_of

    return state_of(rec, findings)


def feedback_bytes(srv: Server, rec: SubmissionRecord, findings: list[Finding]) -> tuple[bytes, str]:
    """The annotated feedback workbook of a version (cached by its bytes, findings and the bureau's 退回 that
    opens it, if any) and its name."""
    import hashlib

    from reporttool.render.feedback import write_feedback

    d = srv.cat.district(rec.district)
    name = d.name if d else "县区"
    label = _label(rec.period)
    returned = views.returned_words(srv.ws, srv.cat, rec)
    tag = f"-{hashlib.sha256(returned.encode('utf-8')).hexdigest()[:12]}" if returned else ""
    dest = state_dir(srv.ws) / "feedback" / f"{rec.sha256[:32]}-{findings_key(findings)}{tag}.xlsx"
    if not dest.is_file():
        source = srv.ws.root / rec.archive_path if rec.readable else None
        write_feedback(source, findings, dest, district_name=name, period_label=label, returned=returned)
    stamp = rec.received_at.strftime("%m%d-%H%M")
    return dest.read_bytes(), f"{name}_反馈表_{label}_{stamp}.xlsx"


__all__ = ["handle_upload", "feedback_bytes", "submission_json"]
