"""The web application: routes for districts and the bureau, and the JSON API the page uses.

Permissions are one rule (codes.Who.may_see), applied by ``_own`` to every version and file a route
touches: a district asking for another district's version gets 404, exactly as for one that does not
exist. Bureau-only routes answer a district with 403. docs/serve.md lists every route.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import html
import secrets

from anyio import to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from reporttool.core.errors import ReportToolError
from reporttool.core.models import Period
from reporttool.core.status import ST_MISSING, ST_RETURNED_REDO, ST_WITHDRAWN
from reporttool.serve import views
from reporttool.serve.codes import state_dir
from reporttool.serve.guard import LOGIN_COOKIE, SESSION_COOKIE, Backoff, same_token
from reporttool.serve.intake import MAX_UPLOAD, Refused
from reporttool.serve.middleware import BodyLimit, SecurityHeaders
from reporttool.serve.server import XLSX, Server, client_of, download
from reporttool.serve.upload import handle_upload
from reporttool.workspace import Workspace

# ==================================================================================================
# HTML pages
# ==================================================================================================


async def home(request: Request) -> Response:
    srv: Server = request.app.state.server
    s = srv.session(request)
    if s is not None:
        return RedirectResponse("/bureau" if s.who.is_bureau else "/district", 303)
    token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
    resp = srv.render(request, "login.html", login_token=token, error=request.query_params.get("e", ""))
    resp.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict")
    return resp


async def login(request: Request) -> Response:
    srv: Server = request.app.state.server
    form = await request.form(max_files=0, max_fields=5, max_part_size=4096)
    if not same_token(str(form.get("csrf") or ""), request.cookies.get(LOGIN_COOKIE)):
        raise HTTPException(403, "页面已过期（CSRF 校验失败），请刷新页面后重新输入访问码。")
    try:
        who = await srv.check_code(request, str(form.get("code") or ""))
    except HTTPException as exc:
        token = request.cookies.get(LOGIN_COOKIE, "")
        return srv.render(request, "login.html", exc.status_code, login_token=token, error=exc.detail)
    entry = srv.codes.entries().get(who.district)
    sid, _ = srv.sessions.open(who, entry.salt if entry else "")
    srv.log.write(client_of(request), who, "登录")
    resp = RedirectResponse("/bureau" if who.is_bureau else "/district", 303)
    resp.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="strict", max_age=int(srv.sessions.seconds))
    return resp


async def logout(request: Request) -> Response:
    srv: Server = request.app.state.server
    await srv.form_who(request)
    srv.sessions.close(request.cookies.get(SESSION_COOKIE))
    resp = RedirectResponse("/", 303)
    resp.delete_cookie(SESSION_COOKIE)
    return resp


async def district_page(request: Request) -> Response:
    srv: Server = request.app.state.server
    who, _s = srv.page_who(request)
    if who.is_bureau:
        return RedirectResponse("/bureau", 303)
    vs = await to_thread.run_sync(lambda: views.versions(srv.ws, srv.cat, srv.period, who.district))
    deadline = srv.cat.settings.deadline_for(srv.period)  # a quarter's or a year's own deadline when set
    return srv.render(request, "district.html", versions=vs, deadline=deadline)


async def template_download(request: Request) -> Response:
    """The blank form of the open period for the asker's own district."""
    from reporttool.forms.writer import template_name, write_template

    srv: Server = request.app.state.server
    who, _s = srv.page_who(request)
    if who.is_bureau:
        raise HTTPException(403, "市局请用 reporttool template 生成各县区模板。")
    tmp = state_dir(srv.ws) / "tmp" / f"template-{secrets.token_hex(8)}.xlsx"
    try:
        await to_thread.run_sync(lambda: write_template(srv.cat, who.district, srv.period, tmp))
        data = tmp.read_bytes()
    finally:
        tmp.unlink(missing_ok=True)
    srv.log.write(client_of(request), who, "下载模板")
    return download(data, template_name(srv.cat, who.district, srv.period))


async def upload_form(request: Request) -> Response:
    """The page's upload form (multipart: csrf, file): check, ingest, then show the version."""
    srv: Server = request.app.state.server
    who, s = srv.page_who(request)
    form = await request.form(max_files=1, max_fields=5, max_part_size=64 * 1024)
    if not same_token(str(form.get("csrf") or ""), s.csrf):
        raise HTTPException(403, "页面已过期或请求来源不明（CSRF 校验失败），请刷新页面后重试。")
    upload = form.get("file")
    if who.is_bureau:
        raise HTTPException(403, "市局账号不能代县区上传；收到的文件请放入 inbox/ 后汇总。")
    if upload is None or isinstance(upload, str) or not upload.filename:
        s.flash.append(("error", "请先选择要上传的报表文件（.xlsx）。"))
        return RedirectResponse("/district", 303)
    try:
        result = await handle_upload(srv, request, who, upload)
    except Refused as exc:
        s.flash.append(("error", f"未接收：{exc}"))
        return RedirectResponse("/district", 303)
    for note in result.get("notes", []):
        s.flash.append(("info", note))
    return RedirectResponse(f"/submissions/{result['submission']['id']}", 303)


async def submission_page(request: Request) -> Response:
    srv: Server = request.app.state.server
    who, _s = srv.page_who(request)
    sid = request.path_params["sid"]
    rec, findings, review, in_use = await to_thread.run_sync(lambda: srv.own(who, sid))
    groups: dict[str, list] = {}
    for f in findings:
        groups.setdefault(f.sheet or "（整个文件）", []).append(f)
    from reporttool.checks import counts
    from reporttool.figures.compute import state_of

    withdrawn = None if in_use else await to_thread.run_sync(lambda: views.withdrawal_of(srv.ws, rec))
    state = state_of(rec, findings) if in_use else rec.status
    if withdrawn is not None:
        state = ST_RETURNED_REDO if withdrawn.returned else ST_WITHDRAWN
    return srv.render(request, "submission.html", rec=rec, groups=groups, counts=counts(findings), review=review,
                      in_use=in_use, district=srv.cat.district(rec.district), decisions=views.DECISIONS,
                      state=state, withdrawn=withdrawn)


async def feedback_download(request: Request) -> Response:
    srv: Server = request.app.state.server
    s = srv.session(request)
    who = s.who if s else await srv.api_who(request)
    sid = request.path_params["sid"]
    rec, findings, _review, _in_use = await to_thread.run_sync(lambda: srv.own(who, sid))
    from reporttool.serve.upload import feedback_bytes

    data, name = await to_thread.run_sync(lambda: feedback_bytes(srv, rec, findings))
    srv.log.write(client_of(request), who, "下载反馈表", submission=sid)
    return download(data, name)


async def review_form(request: Request) -> Response:
    srv: Server = request.app.state.server
    who, s, form = await srv.form_who(request)
    if not who.is_bureau:
        raise HTTPException(403, "只有市局可以审核。")
    sid = request.path_params["sid"]
    rec, *_ = await to_thread.run_sync(lambda: srv.own(who, sid))
    decision = str(form.get("decision") or "")
    reason = " ".join(str(form.get("reason") or "").split())[:500]
    if decision not in views.DECISIONS:
        raise HTTPException(400, "审核结论只能是“通过”或“退回”。")
    if decision == views.DECISION_RETURN and not reason:
        s.flash.append(("error", "退回时请写明原因，县区会在其页面上看到。"))
        return RedirectResponse(f"/submissions/{sid}", 303)
    try:  # under the workspace lock, waiting for an upload batch or a command-line run as uploads do
        done = await srv.intake.exclusive(views.review, srv.ws, sid, decision, reason, who.name)
    except ReportToolError as exc:
        s.flash.append(("error", f"审核未记录：{exc}"))
        return RedirectResponse(f"/submissions/{sid}", 303)
    srv.log.write(client_of(request), who, "审核", submission=sid, district=rec.district, decision=decision,
                  reason=reason, withdrawn=done.withdrawn is not None, restored=done.restored is not None)
    for kind, text in await to_thread.run_sync(lambda: _review_notes(srv, done, reason)):
        s.flash.append((kind, text))
    return RedirectResponse(f"/submissions/{sid}", 303)


def _review_notes(srv: Server, done, reason: str) -> list[tuple[str, str]]:
    """What the bureau is told after a decision: what it did to the figures, and the outputs now stale."""
    from reporttool.pipeline.verify import affected_periods

    label = f"{done.district_name}{done.period.label}"
    if done.withdrawn is not None:
        notes = [("info", f"已退回（{reason}）：{label}的第{done.withdrawn.number}版不再计入汇总，该{srv.cat.words.unit}"
                          f"显示为“{ST_RETURNED_REDO}”，县区页面即可看到。县区改正后重新上传即恢复计入；"
                          f"如需撤销退回，在本页点“通过”或运行 reporttool restore --period {done.period.key} "
                          f"--district {done.withdrawn.district}。")]
    elif done.restored is not None:
        notes = [("info", f"已通过：撤销退回，{label}的第{done.restored.number}版重新计入汇总。")]
    else:
        extra = "" if done.decision == views.DECISION_PASS else "（这不是正在使用的版本，退回只记为意见，不影响汇总）"
        return [("info", f"已记录：{done.decision}" + (f"（{reason}）" if reason else "") + f"{extra}。县区页面即可看到。")]
    keys = affected_periods(srv.ws, done.period.key)
    if keys:
        # the 汇总 button is on the 报送情况 page (/bureau), for the page's period only: the hint goes with that
        # period's command and says where the button is (this page, the version's, has none)
        button = f"（{srv.period.key} 也可点本页上方“← 返回”，在报送情况页面用“汇总{srv.period.label}”按钮）"
        notes.append(("error", "已生成的以下各期输出用到该期，现已过时，请按顺序重新汇总："
                               + "；".join(f"reporttool consolidate --period {k}" + (button if k == srv.period.key else "")
                                          for k in keys) + "。"))
    return notes


async def bureau_page(request: Request) -> Response:
    srv: Server = request.app.state.server
    who, _s = srv.page_who(request)
    if not who.is_bureau:
        raise HTTPException(403, "此页面仅市局可见。")

    def gather():
        states, _ = views.states(srv.ws, srv.cat, srv.period)
        reviews = views.reviews_of_current(srv.ws, srv.cat, srv.period)
        allv = {s.district: views.versions(srv.ws, srv.cat, srv.period, s.district) for s in states
                if s.status != ST_MISSING or s.withdrawn is not None}
        return states, reviews, allv, views.outputs(srv.ws, srv.period), views.stale(srv.ws)

    states, reviews, allv, outs, stale = await to_thread.run_sync(gather)
    deadline = srv.cat.settings.deadline_for(srv.period)  # a quarter's or a year's own deadline when set
    missing = [s for s in states if s.status == ST_MISSING and s.withdrawn is None]
    taken = [s for s in states if s.status == ST_MISSING and s.withdrawn is not None]
    return srv.render(request, "bureau.html", states=states, reviews=reviews, versions=allv, outputs=outs,
                      missing=missing, taken=taken, deadline=deadline, stale=stale)


async def consolidate_form(request: Request) -> Response:
    from reporttool.pipeline.consolidate import run_consolidate

    srv: Server = request.app.state.server
    who, s, _form = await srv.form_who(request)
    if not who.is_bureau:
        raise HTTPException(403, "只有市局可以汇总。")
    srv.log.write(client_of(request), who, "汇总")
    try:
        result = await srv.intake.exclusive(run_consolidate, srv.ws, srv.period)
    except ReportToolError as exc:
        s.flash.append(("error", f"汇总未完成：{exc}"))
        return RedirectResponse("/bureau", 303)
    c = result.counts
    s.flash.append(("info", f"汇总完成：{srv.period.label}，已报 {c['submitted']}/{c['districts']} 个县区，"
                            f"新入账 {c['files_new']} 个文件，简报第{result.issue_no}期。输出文件见下方。"))
    from reporttool.pipeline.verify import stale_after_run, stale_notice

    lines = stale_notice(await to_thread.run_sync(lambda: stale_after_run(srv.ws, srv.period, result.changed)))
    if lines:
        s.flash.append(("error", lines[0] + "；".join(x.strip() for x in lines[1:]) + "。"))
    return RedirectResponse("/bureau", 303)


async def output_download(request: Request) -> Response:
    srv: Server = request.app.state.server
    who, _s = srv.page_who(request)
    if not who.is_bureau:
        raise HTTPException(403, "此文件仅市局可下载。")
    name = request.query_params.get("f", "")
    path = views.outputs(srv.ws, srv.period).get(name)
    if path is None:
        raise HTTPException(404, "没有这个输出文件。")
    srv.log.write(client_of(request), who, "下载输出", file=name)
    media = {".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             ".json": "application/json"}.get(path.suffix.lower(), XLSX)
    return download(await to_thread.run_sync(path.read_bytes), path.name, media)


# ==================================================================================================
# JSON API
# ==================================================================================================


async def api_submit(request: Request) -> Response:
    srv: Server = request.app.state.server
    who = await srv.api_who(request)
    if who.is_bureau:
        raise HTTPException(403, "市局访问码不能代县区上传。")
    form = await request.form(max_files=1, max_fields=5, max_part_size=64 * 1024)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise HTTPException(400, "请在 multipart 字段 file 中提交报表文件。")
    try:
        result = await handle_upload(srv, request, who, upload)
    except Refused as exc:
        return JSONResponse({"accepted": False, "reason": str(exc)}, status_code=exc.status)
    return JSONResponse(result)


async def api_submission(request: Request) -> Response:
    srv: Server = request.app.state.server
    who = await srv.api_who(request)
    sid = request.path_params["sid"]
    rec, findings, review, in_use = await to_thread.run_sync(lambda: srv.own(who, sid))
    from reporttool.serve.upload import submission_json

    return JSONResponse(submission_json(srv, rec, findings, review, in_use))


async def api_status(request: Request) -> Response:
    srv: Server = request.app.state.server
    who = await srv.api_who(request)
    if not who.is_bureau:
        raise HTTPException(403, "报送情况仅市局可查看。")

    def gather():
        states, _ = views.states(srv.ws, srv.cat, srv.period)
        return states, views.reviews_of_current(srv.ws, srv.cat, srv.period)

    states, reviews = await to_thread.run_sync(gather)
    deadline = srv.cat.settings.deadline_for(srv.period)  # a quarter's or a year's own deadline when set
    return JSONResponse({
        "period": srv.period.key, "label": srv.period.label, "deadline": deadline.isoformat(),
        "now": dt.datetime.now().replace(microsecond=0).isoformat(),
        "submitted": sum(s.status != ST_MISSING for s in states), "districts": len(states),
        "missing": [{"district": s.district, "name": s.district_name} for s in states
                    if s.status == ST_MISSING and s.withdrawn is None],
        "taken_out": [{"district": s.district, "name": s.district_name, "status": s.shown} for s in states
                      if s.status == ST_MISSING and s.withdrawn is not None],
        "states": [views.state_json(s, reviews.get(s.district)) for s in states]})


async def api_me(request: Request) -> Response:
    srv: Server = request.app.state.server
    who = await srv.api_who(request)
    return JSONResponse({"role": who.role, "district": who.district, "name": who.name, "period": srv.period.key})


# ==================================================================================================


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code in (301, 302, 303, 307) and exc.headers and "Location" in exc.headers:
        return RedirectResponse(exc.headers["Location"], exc.status_code)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)
    srv: Server = request.app.state.server
    resp = srv.render(request, "error.html", exc.status_code, message=exc.detail)
    for k, v in (exc.headers or {}).items():
        resp.headers[k] = v
    return resp


async def server_error(request: Request, exc: Exception) -> Response:
    """Anything unforeseen: a Chinese message for the user, the traceback to serve/errors.log."""
    import traceback

    srv: Server = request.app.state.server
    path = state_dir(srv.ws) / "errors.log"
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"{dt.datetime.now().isoformat()} {request.method} {request.url.path}\n{text}\n")
    message = f"程序内部错误（{type(exc).__name__}），本次操作未完成。请稍后重试；如仍出错，请把 {path} 发给技术支持。"
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=500)
    page = (f"<!doctype html><meta charset=utf-8><title>出错了</title><p>{html.escape(message)}</p>"
            f"<p><a href=\"/\">返回首页</a></p>")
    return Response(page, status_code=500, media_type="text/html")


def create_app(ws: Workspace, period: Period, *, workers: int | None = None, backoff: Backoff | None = None,
               max_upload: int = MAX_UPLOAD) -> Starlette:
    """The ASGI application serving ``ws`` for the open ``period`` (run it with uvicorn)."""
    srv = Server(ws, period, workers=workers, backoff=backoff, max_upload=max_upload)
    routes = [
        Route("/", home),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/district", district_page),
        Route("/template", template_download),
        Route("/upload", upload_form, methods=["POST"]),
        Route("/submissions/{sid:int}", submission_page),
        Route("/submissions/{sid:int}/feedback", feedback_download),
        Route("/submissions/{sid:int}/review", review_form, methods=["POST"]),
        Route("/bureau", bureau_page),
        Route("/consolidate", consolidate_form, methods=["POST"]),
        Route("/outputs", output_download),
        Route("/api/me", api_me),
        Route("/api/submissions", api_submit, methods=["POST"]),
        Route("/api/submissions/{sid:int}", api_submission),
        Route("/api/submissions/{sid:int}/feedback", feedback_download),
        Route("/api/status", api_status),
        Mount("/static", StaticFiles(packages=[("reporttool.serve", "static")]), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error, Exception: server_error})
    app.add_middleware(BodyLimit, limit=max_upload + 256 * 1024)
    app.add_middleware(SecurityHeaders)
    app.state.server = srv
    return app


def run(app: Starlette, host: str, port: int) -> None:
    """Serve ``app`` with uvicorn in the foreground until Ctrl+C (raises OSError when the port is taken)."""
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


__all__ = ["create_app", "run"]
