"""The state of one running page (``Server``): workspace, open period, codes, sessions, backoff, access
log, intake; and who is asking (code, session, CSRF) and whether they may see a version (``own``)."""
from __future__ import annotations

import asyncio
import os
import urllib.parse
from pathlib import Path

import jinja2
from anyio import to_thread
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from reporttool.core.models import Period
from reporttool.core.status import ST_MISSING, ST_RETURNED_REDO, ST_WITHDRAWN
from reporttool.ledger import Ledger
from reporttool.serve import views
from reporttool.serve.codes import CodeBook, Who, state_dir, who_of
from reporttool.serve.guard import SESSION_COOKIE, AccessLog, Backoff, Session, Sessions, same_token
from reporttool.serve.intake import MAX_UPLOAD, Intake
from reporttool.workspace import Workspace

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Server:
    """Everything one running page holds: workspace, open period, codes, sessions, backoff, log."""

    def __init__(self, ws: Workspace, period: Period, *, workers: int | None = None,
                 backoff: Backoff | None = None, max_upload: int = MAX_UPLOAD):
        self.ws = ws
        self.period = period
        self.cat = ws.catalogue()
        ws.ensure_dirs()
        with Ledger(ws):  # create or migrate the ledger now, not in the first concurrent requests
            pass
        self.codes = CodeBook(ws)
        self.sessions = Sessions()
        self.backoff = backoff or Backoff()
        self.log = AccessLog(state_dir(ws) / "access.log")
        self.intake = Intake(ws, lambda: self.period, workers)
        self.gate = asyncio.Semaphore(max(2, os.cpu_count() or 2))
        self.hash_gate = asyncio.Semaphore(4)
        self.cross = views.CrossFindings()
        self.max_upload = max_upload
        env = jinja2.Environment(loader=jinja2.PackageLoader("reporttool.serve", "templates"), autoescape=True)
        self.templates = Jinja2Templates(env=env)

    # ---- who is asking ---------------------------------------------------------------------------
    async def check_code(self, request: Request, typed: str) -> Who:
        """The Who of a typed code; 429 while this client is slowed down, 401 for a wrong code."""
        client = client_of(request)
        wait = self.backoff.wait(client)
        if wait > 0:
            raise HTTPException(429, f"访问码错误次数过多，请 {int(wait) + 1} 秒后再试。",
                                headers={"Retry-After": str(int(wait) + 1)})
        async with self.hash_gate:  # scrypt takes 16 MB a check: a burst of logins must not take gigabytes
            target = await to_thread.run_sync(self.codes.check, typed)
        who = who_of(self.cat, target) if target else None
        if who is None:
            wait = self.backoff.failed(client)
            self.log.write(client, None, "登录失败")
            extra = f"请 {int(wait) + 1} 秒后再试。" if wait else "请核对市局下发的访问码（不区分大小写）。"
            raise HTTPException(401, "访问码不正确。" + extra)
        self.backoff.succeeded(client)
        return who

    def session(self, request: Request) -> Session | None:
        """The request's session; ended when the code it was opened with has been rotated since."""
        sid = request.cookies.get(SESSION_COOKIE)
        s = self.sessions.get(sid)
        if s is not None:
            entry = self.codes.entries().get(s.who.district)
            if entry is None or entry.salt != s.code_stamp:
                self.sessions.close(sid)
                return None
        return s

    def page_who(self, request: Request) -> tuple[Who, Session]:
        """The signed-in user of an HTML page, else redirect to the sign-in page."""
        s = self.session(request)
        if s is None:
            raise HTTPException(303, "请先输入访问码。", headers={"Location": "/"})
        return s.who, s

    async def form_who(self, request: Request) -> tuple[Who, Session, FormData]:
        """A POSTed form's user, after checking its CSRF token (403 when it is missing or wrong)."""
        who, s = self.page_who(request)
        form = await request.form(max_files=1, max_fields=20, max_part_size=64 * 1024)
        if not same_token(str(form.get("csrf") or ""), s.csrf):
            raise HTTPException(403, "页面已过期或请求来源不明（CSRF 校验失败），请刷新页面后重试。")
        return who, s, form

    async def api_who(self, request: Request) -> Who:
        """API callers: ``Authorization: Bearer <code>``, or the page's own session (a POST then needs the
        header X-CSRF-Token)."""
        auth = request.headers.get("authorization", "")
        if auth[:7].lower() == "bearer ":
            return await self.check_code(request, auth[7:])
        s = self.session(request)
        if s is None:
            raise HTTPException(401, "需要访问码：请在请求头中提供 Authorization: Bearer <访问码>。")
        if request.method == "POST" and not same_token(request.headers.get("x-csrf-token"), s.csrf):
            raise HTTPException(403, "缺少或错误的 X-CSRF-Token。")
        return s.who

    def own(self, who: Who, sid: int) -> tuple:
        """A version the asker may see (404 otherwise, the same as for a version that does not exist)."""
        got = views.submission(self.ws, self.cat, sid, self.cross)
        if got is None or not who.may_see(got[0].district):
            raise HTTPException(404, "没有这个报送记录，或您无权查看。")
        return got

    def render(self, request: Request, name: str, status: int = 200, **ctx) -> Response:
        s = self.session(request)
        ctx.setdefault("who", s.who if s else None)
        ctx.setdefault("csrf", s.csrf if s else "")
        ctx["flash"], s_flash = (s.flash[:], s.flash) if s else ([], None)
        if s_flash is not None:
            s_flash.clear()
        ctx.update(period=self.period, city=self.cat.settings.city, ST_MISSING=ST_MISSING, ST_WITHDRAWN=ST_WITHDRAWN,
                   ST_RETURNED_REDO=ST_RETURNED_REDO, hint=views.EXPLAIN_HINT,
                   max_mb=self.max_upload // (1024 * 1024))
        resp = self.templates.TemplateResponse(request, name, ctx, status_code=status)
        resp.headers["Cache-Control"] = "no-store"
        return resp


def client_of(request: Request) -> str:
    return request.client.host if request.client else "?"


def download(data: bytes, name: str, media_type: str = XLSX) -> Response:
    """A file download with its Chinese name (RFC 6266 filename*) and an ASCII fallback."""
    quoted = urllib.parse.quote(name, safe="")
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"download{Path(name).suffix}\"; filename*=UTF-8''{quoted}",
        "Cache-Control": "no-store"})
