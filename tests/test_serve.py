"""`reporttool serve` in-process (Starlette TestClient): codes, sign-in, CSRF, uploads, permissions, reviews."""
from __future__ import annotations

import io
import json
from decimal import Decimal as D
from pathlib import Path

import hostile
import openpyxl
import pytest
from click.testing import CliRunner
from serve_helpers import BUREAU, PERIOD, ZONE, A, B, csrf_of, form, make_codes, sign_in
from starlette.testclient import TestClient

from reporttool.checks import check_files
from reporttool.cli import main
from reporttool.core.models import Period
from reporttool.ledger import Ledger
from reporttool.pipeline.consolidate import run_consolidate
from reporttool.serve.app import create_app
from reporttool.serve.codes import CodeBook, normalize, state_dir
from reporttool.serve.guard import Backoff


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def site(small_workspace, small_catalogue, tmp_path):
    """(workspace, codes, app, clock, forms folder)."""
    codes = make_codes(small_workspace, small_catalogue)
    clock = Clock()
    app = create_app(small_workspace, PERIOD, backoff=Backoff(clock=clock))
    files = tmp_path / "县区文件"
    files.mkdir()
    return small_workspace, codes, app, clock, files


def client(app, addr: str = "10.0.0.1") -> TestClient:
    return TestClient(app, client=(addr, 5000))


def bearer(code: str) -> dict:
    return {"Authorization": f"Bearer {code}"}


def submit(app, code: str, path: Path, name: str | None = None, addr: str = "10.0.0.1"):
    with client(app, addr) as c:
        return c.post("/api/submissions", headers=bearer(code),
                      files={"file": (name or path.name, path.read_bytes(), "application/octet-stream")})


# ---- codes ---------------------------------------------------------------------------------------------


def test_codes_one_per_district_and_bureau_stored_only_as_hashes(small_workspace, small_catalogue):
    codes = make_codes(small_workspace, small_catalogue)
    assert set(codes) == {BUREAU, A, B, ZONE}
    assert len(set(codes.values())) == 4
    stored = (state_dir(small_workspace) / "codes.json").read_text(encoding="utf-8")
    for code in codes.values():
        assert normalize(code) not in stored.replace("-", "") and code not in stored
    book = CodeBook(small_workspace)
    for target, code in codes.items():
        assert book.check(code) == target
        assert book.check(code.lower().replace("-", " ")) == target
    wide = "".join(chr(ord(ch) + 0xFEE0) if ch.isalnum() else ch for ch in codes[A])  # full-width IME input
    assert book.check(wide) == A
    assert book.check(codes[A][:-1] + ("2" if codes[A][-1] != "2" else "3")) is None
    assert book.check("") is None and book.check("中文") is None


def test_codes_cli_keeps_existing_and_rotate_replaces(small_workspace, small_catalogue):
    run = lambda *a: CliRunner().invoke(main, ["-w", str(small_workspace.root), "codes", *a])  # noqa: E731
    first = run("--json")
    assert first.exit_code == 0, first.output
    made = {e["district"]: e["code"] for e in json.loads(first.output)}
    assert all(made.values())
    again = run()
    assert again.exit_code == 0 and "已设置" in again.output and made[A] not in again.output
    rotated = run("--district", "甲区", "--rotate", "--json")
    new = json.loads(rotated.output)
    assert [e["district"] for e in new] == [A] and new[0]["code"] != made[A]
    book = CodeBook(small_workspace)
    assert book.check(made[A]) is None and book.check(new[0]["code"]) == A
    assert book.check(made[B]) == B
    bad = run("--district", "不存在区")
    assert bad.exit_code == 2 and "不在目标库中" in bad.output


# ---- sign-in, backoff, CSRF ----------------------------------------------------------------------------


def test_sign_in_lands_on_own_page(site):
    _ws, codes, app, _clock, _files = site
    with client(app) as c:
        page = sign_in(c, codes[A].lower())
        assert "甲区" in page.text and "下载本单位" in page.text
    with client(app) as c:
        assert "报送情况" in sign_in(c, codes[BUREAU]).text


def test_wrong_codes_are_slowed_down_per_client(site):
    _ws, codes, app, clock, _files = site
    wrong = "AAAA-BBBB-CCCC-DDDD"
    with client(app, "10.0.0.9") as c:
        for _ in range(3):
            assert c.get("/api/me", headers=bearer(wrong)).status_code == 401
        assert c.get("/api/me", headers=bearer(wrong)).status_code == 401  # 4th: now a wait is imposed
        blocked = c.get("/api/me", headers=bearer(codes[A]))
        assert blocked.status_code == 429 and "Retry-After" in blocked.headers and "秒后再试" in blocked.json()["error"]
        page = c.get("/")
        r = c.post("/login", data={"csrf": csrf_of(page.text), "code": codes[A]})
        assert r.status_code == 429 and "秒后再试" in r.text
    with client(app, "10.0.0.10") as other:  # another client is not slowed down
        assert other.get("/api/me", headers=bearer(codes[A])).status_code == 200
    clock.t += 10
    with client(app, "10.0.0.9") as c:
        assert c.get("/api/me", headers=bearer(codes[A])).json()["district"] == A


def test_every_form_needs_its_csrf_token(site):
    _ws, codes, app, _clock, files = site
    with client(app) as c:
        c.get("/")
        assert c.post("/login", data={"code": codes[A]}).status_code == 403
        assert c.post("/login", data={"code": codes[A], "csrf": "forged"}).status_code == 403
        sign_in(c, codes[A])
        f = form(app.state.server.cat, files / "甲区.xlsx")
        r = c.post("/upload", data={"csrf": "forged"}, files={"file": ("a.xlsx", f.read_bytes())})
        assert r.status_code == 403 and "CSRF" in r.text
        assert c.post("/logout", data={}).status_code == 403
        assert c.post("/api/submissions", files={"file": ("a.xlsx", f.read_bytes())}).status_code == 403
    with client(app) as b:
        sign_in(b, codes[BUREAU])
        assert b.post("/consolidate", data={"csrf": "x"}).status_code == 403
        assert b.post("/submissions/1/review", data={"decision": "通过"}).status_code == 403
    assert not list(app.state.server.ws.inbox.glob("*.xlsx"))


def test_rotated_code_ends_its_sessions(site):
    ws, codes, app, _clock, _files = site
    with client(app) as c:
        sign_in(c, codes[A])
        assert c.get("/district", follow_redirects=False).status_code == 200
        make_codes(ws, app.state.server.cat)
        r = c.get("/district", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/"


# ---- uploads ---------------------------------------------------------------------------------------------


def test_upload_gives_the_same_findings_as_check(site, small_catalogue):
    ws, codes, app, _clock, files = site
    path = form(small_catalogue, files / "我的报表.xlsx", A, bad=True)
    expected = check_files([path], small_catalogue, period=PERIOD)[0]
    r = submit(app, codes[A], path)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "有错" and body["submission"]["district"] == A
    assert body["counts"] == {"error": 1, "verify": 0, "explained": 0, "info": 0}  # the credit code only
    strip = lambda d: {k: v for k, v in d.items() if k not in ("file", "how_to_explain")}  # noqa: E731
    assert [strip(f) for f in body["findings"]] == [strip(f.as_dict()) for f in expected.findings]
    cells = {(f["sheet"], f["cell"]) for f in body["findings"] if f["severity_label"] == "错误"}
    assert ("集群企业", next(f.cell for f in expected.findings if f.rule == "R-CREDIT-CHECK")) in cells
    with client(app) as c:  # the version's page says the same counts
        sign_in(c, codes[A])
        page = c.get(f"/submissions/{body['submission']['id']}")
    assert "错误 1 项，核实 0 项（已说明 0 项），提示 0 项。" in page.text


def test_upload_is_stored_in_inbox_under_a_generated_name_and_logged(site, small_catalogue):
    ws, codes, app, _clock, files = site
    path = form(small_catalogue, files / "a.xlsx", A)
    r = submit(app, codes[A], path, name="../../templates/targets.xlsx")
    assert r.status_code == 200, r.text
    stored = sorted(p.name for p in ws.inbox.iterdir() if p.is_file())
    assert len(stored) == 1 and stored[0].startswith("甲区_网上报送_") and stored[0].endswith(".xlsx")
    assert (ws.inbox / stored[0]).read_bytes() == path.read_bytes()
    assert ws.targets.read_bytes() != path.read_bytes()
    with Ledger(ws) as ledger:
        rec = ledger.submission(r.json()["submission"]["id"])
        assert rec.file_name == stored[0] and (ws.root / rec.archive_path).read_bytes() == path.read_bytes()
    log = [json.loads(x) for x in (state_dir(ws) / "access.log").read_text(encoding="utf-8").splitlines()]
    up = [e for e in log if e["action"] == "上传"]
    assert up and up[-1]["who"] == A and up[-1]["file"] == "targets.xlsx" and up[-1]["stored"] == stored[0]
    assert up[-1]["client"] == "10.0.0.1" and up[-1]["time"]


@pytest.mark.parametrize("make, words", [
    (lambda folder: _named(folder / "报表.xlsx", b"%PDF-1.7 not a workbook"), "不是 Excel 工作簿"),
    (hostile.ole_xls, "另存为"),
    (hostile.empty_file, "空的"),
])
def test_upload_judged_by_content_not_name(site, make, words):
    ws, codes, app, _clock, files = site
    r = submit(app, codes[A], make(files))
    assert r.status_code == 422 and words in r.json()["reason"]
    assert not [p for p in ws.inbox.iterdir() if p.is_file()]


def test_xlsx_with_another_extension_is_accepted(site, small_catalogue):
    _ws, codes, app, _clock, files = site
    path = form(small_catalogue, files / "a.xlsx", A)
    r = submit(app, codes[A], path, name="报表.pdf")
    assert r.status_code == 200 and r.json()["status"] == "通过"


def test_hostile_upload_gets_the_safety_precheck(site, small_catalogue):
    ws, codes, app, _clock, files = site
    bomb = hostile.zip_bomb(form(small_catalogue, files / "a.xlsx", A), files)
    r = submit(app, codes[A], bomb)
    assert r.status_code == 422 and r.json()["accepted"] is False and r.json()["reason"]
    assert not [p for p in ws.inbox.iterdir() if p.is_file()]


def test_upload_size_is_limited(small_workspace, small_catalogue, tmp_path):
    codes = make_codes(small_workspace, small_catalogue)
    app = create_app(small_workspace, PERIOD, max_upload=100_000)
    path = form(small_catalogue, tmp_path / "a.xlsx", A)
    assert path.stat().st_size < 100_000
    assert submit(app, codes[A], path).status_code == 200
    r = submit(app, codes[A], hostile.too_big(tmp_path, 1_000_000))  # refused before the body is read
    assert r.status_code == 413 and "不超过" in r.json()["reason"]
    r = submit(app, codes[A], hostile.too_big(tmp_path, 200_000))  # within the request slack, over the file limit
    assert r.status_code == 422 and "不超过" in r.json()["reason"]
    assert len([p for p in small_workspace.inbox.iterdir() if p.is_file()]) == 1


def test_a_district_cannot_submit_another_districts_form(site, small_catalogue):
    ws, codes, app, _clock, files = site
    theirs = form(small_catalogue, files / "乙县.xlsx", B)
    r = submit(app, codes[A], theirs)
    assert r.status_code == 422 and "乙县" in r.json()["reason"] and "甲区" in r.json()["reason"]
    assert not [p for p in ws.inbox.iterdir() if p.is_file()]
    assert not ws.ledger.exists() or not Ledger(ws).submissions()


def test_reupload_is_a_new_version_and_supersedes(site, small_catalogue):
    ws, codes, app, _clock, files = site
    first = submit(app, codes[A], form(small_catalogue, files / "v1.xlsx", A, bad=True)).json()
    second = submit(app, codes[A], form(small_catalogue, files / "v2.xlsx", A)).json()
    assert first["status"] == "有错" and second["status"] == "通过"
    with Ledger(ws) as ledger:
        old = ledger.submission(first["submission"]["id"])
        assert old.status == "被替代" and old.superseded_by == second["submission"]["id"]
    same = submit(app, codes[A], files / "v2.xlsx").json()
    assert same["submission"]["id"] == second["submission"]["id"] and same["notes"]
    with Ledger(ws) as ledger:
        assert len(ledger.submissions(district=A)) == 2


def test_cross_file_findings_follow_the_versions_in_use(site, small_catalogue):
    """The same enterprise in two districts: the later version in use gets R-DUP-ACROSS; when the other
    district resends, the finding moves (nothing stale is shown)."""
    _ws, codes, app, _clock, files = site
    rules = lambda body: [f["rule"] for f in body["findings"]]  # noqa: E731
    first = submit(app, codes[A], form(small_catalogue, files / "a.xlsx", A)).json()
    assert "R-DUP-ACROSS" not in rules(first)
    second = submit(app, codes[B], form(small_catalogue, files / "b.xlsx", B)).json()
    assert "R-DUP-ACROSS" in rules(second) and second["status"] == "有错"
    again = submit(app, codes[A], form(small_catalogue, files / "a2.xlsx", A, revenue=D(5100))).json()
    assert "R-DUP-ACROSS" in rules(again)
    with client(app) as c:
        b_now = c.get(f"/api/submissions/{second['submission']['id']}", headers=bearer(codes[B])).json()
    assert "R-DUP-ACROSS" not in rules(b_now) and b_now["status"] == "通过"


def test_upload_waits_for_a_running_consolidate_then_keeps_the_file(site, small_catalogue, monkeypatch):
    from reporttool.ledger.lock import workspace_lock
    from reporttool.serve import intake

    ws, codes, app, _clock, files = site
    monkeypatch.setattr(intake, "LOCK_WAIT", 0.5)
    with workspace_lock(ws):  # a consolidate from the command line holds the workspace
        r = submit(app, codes[A], form(small_catalogue, files / "a.xlsx", A))
    assert r.status_code == 503 and "市局汇总时会处理" in r.json()["reason"]
    kept = [p for p in ws.inbox.iterdir() if p.is_file()]
    assert len(kept) == 1 and kept[0].read_bytes() == (files / "a.xlsx").read_bytes()
    again = submit(app, codes[A], files / "a.xlsx")  # once free, the same file is checked
    assert again.status_code == 200 and again.json()["status"] == "通过"


def test_an_unforeseen_error_is_a_chinese_page_and_a_log(site, monkeypatch):
    ws, codes, app, _clock, _files = site
    from reporttool.serve import views

    def broken(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "versions", broken)
    with TestClient(app, raise_server_exceptions=False) as c:
        page = c.get("/")
        c.post("/login", data={"csrf": csrf_of(page.text), "code": codes[A]}, follow_redirects=False)
        r = c.get("/district")
    assert r.status_code == 500 and "程序内部错误" in r.text and "Traceback" not in r.text
    assert "RuntimeError: boom" in (state_dir(ws) / "errors.log").read_text(encoding="utf-8")


def test_feedback_workbook_marks_the_cell(site, small_catalogue):
    _ws, codes, app, _clock, files = site
    body = submit(app, codes[A], form(small_catalogue, files / "a.xlsx", A, bad=True)).json()
    err = next(f for f in body["findings"] if f["severity_label"] == "错误")
    with client(app) as c:
        r = c.get(body["feedback_url"], headers=bearer(codes[A]))
    assert r.status_code == 200 and "filename*=UTF-8''" in r.headers["content-disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames[0] == "问题清单"
    cell = wb[err["sheet"]][err["cell"]]
    assert cell.comment is not None and err["message"][:10] in cell.comment.text


def test_upload_page_flow_shows_the_finding(site, small_catalogue):
    _ws, codes, app, _clock, files = site
    path = form(small_catalogue, files / "a.xlsx", A, bad=True)
    with client(app) as c:
        page = sign_in(c, codes[A])
        r = c.post("/upload", data={"csrf": csrf_of(page.text)}, files={"file": ("我的报表.xlsx", path.read_bytes())})
        assert r.status_code == 200 and "有错" in r.text and "统一社会信用代码" in r.text
        assert "下载反馈表" in r.text
        home = c.get("/district")
        assert "第1版" in home.text and "使用中" in home.text


# ---- permissions: who may see what -----------------------------------------------------------------------


def _routes(sid: int) -> list[str]:
    return [f"/submissions/{sid}", f"/submissions/{sid}/feedback", f"/api/submissions/{sid}",
            f"/api/submissions/{sid}/feedback"]


@pytest.mark.parametrize("asker, expect", [(A, 200), (B, 404), (ZONE, 404), (BUREAU, 200), (None, "nobody")])
def test_permissions_of_a_districts_versions(site, small_catalogue, asker, expect):
    _ws, codes, app, _clock, files = site
    sid = submit(app, codes[A], form(small_catalogue, files / "a.xlsx", A, bad=True)).json()["submission"]["id"]
    with client(app) as c:
        if asker is not None:
            sign_in(c, codes[asker])
        for url in _routes(sid):
            r = c.get(url, follow_redirects=False)
            if expect == "nobody":
                assert r.status_code in (303, 401), url
            else:
                assert r.status_code == expect, url
        for guess in (sid + 1, sid + 1000, 0):  # guessed ids are never found
            assert c.get(f"/api/submissions/{guess}", follow_redirects=False).status_code in (401, 404)
    if asker not in (None, BUREAU):
        with client(app) as c:
            for url in _routes(sid)[2:]:
                assert c.get(url, headers=bearer(codes[asker])).status_code == expect


@pytest.mark.parametrize("url, method", [("/bureau", "GET"), ("/api/status", "GET"), ("/outputs?f=x.xlsx", "GET"),
                                         ("/consolidate", "POST")])
def test_bureau_only_routes_refuse_districts(site, url, method):
    _ws, codes, app, _clock, _files = site
    with client(app) as c:
        page = sign_in(c, codes[A])
        r = c.request(method, url, data={"csrf": csrf_of(page.text)} if method == "POST" else None,
                      follow_redirects=False)
        assert r.status_code == 403
    with client(app) as c:
        assert c.get("/api/status", headers=bearer(codes[A])).status_code == 403


def test_bureau_cannot_download_templates_or_upload_for_districts(site, small_catalogue):
    _ws, codes, app, _clock, files = site
    with client(app) as c:
        sign_in(c, codes[BUREAU])
        assert c.get("/template").status_code == 403
    assert submit(app, codes[BUREAU], form(small_catalogue, files / "a.xlsx", A)).status_code == 403


def test_output_names_come_from_the_listing_only(site):
    ws, codes, app, _clock, _files = site
    (ws.period_dir(PERIOD)).mkdir(parents=True)
    (ws.period_dir(PERIOD) / "汇总表.xlsx").write_bytes(b"PK\x03\x04x")
    with client(app) as c:
        sign_in(c, codes[BUREAU])
        assert c.get("/outputs", params={"f": "汇总表.xlsx"}).status_code == 200
        for name in ("../../reporttool.db", "../../templates/targets.xlsx", "/etc/passwd", "反馈/../汇总表.xlsx"):
            assert c.get("/outputs", params={"f": name}).status_code == 404


def test_template_download_is_the_districts_own_form(site):
    _ws, codes, app, _clock, files = site
    with client(app) as c:
        sign_in(c, codes[B])
        r = c.get("/template")
    assert r.status_code == 200
    dest = files / "t.xlsx"
    dest.write_bytes(r.content)
    from reporttool.forms.reader import read_submission

    sub, _ = read_submission(dest, app.state.server.cat)
    assert sub.district == B and sub.period == PERIOD.key


# ---- the bureau ------------------------------------------------------------------------------------------


def test_bureau_returns_a_version_with_a_reason_and_the_district_sees_it(site, small_catalogue):
    ws, codes, app, _clock, files = site
    sid = submit(app, codes[A], form(small_catalogue, files / "a.xlsx", A)).json()["submission"]["id"]
    with client(app) as b:
        sign_in(b, codes[BUREAU])
        page = b.get(f"/submissions/{sid}")
        token = csrf_of(page.text)
        r = b.post(f"/submissions/{sid}/review", data={"csrf": token, "decision": "退回", "reason": ""})
        assert "请写明原因" in r.text
        r = b.post(f"/submissions/{sid}/review", data={"csrf": token, "decision": "退回",
                                                       "reason": "营业收入与统计局口径不符，请核对"})
        assert r.status_code == 200 and "营业收入与统计局口径不符" in r.text
        status = b.get("/api/status").json()
        row = next(s for s in status["states"] if s["district"] == A)
        assert row["review"]["decision"] == "退回"
    with Ledger(ws) as ledger:
        assert ledger.reviews([sid])[sid].reason == "营业收入与统计局口径不符，请核对"
    with client(app) as c:
        home = sign_in(c, codes[A])
        assert "市局退回" in home.text and "营业收入与统计局口径不符" in home.text
        assert "市局已退回本期报表" in home.text
        assert c.get(f"/api/submissions/{sid}").json()["review"]["decision"] == "退回"
        token = csrf_of(home.text)
        assert c.post(f"/submissions/{sid}/review", data={"csrf": token, "decision": "通过"}).status_code == 403


def test_bureau_status_missing_list_and_consolidate(site, small_catalogue):
    ws, codes, app, _clock, files = site
    submit(app, codes[A], form(small_catalogue, files / "a.xlsx", A))
    with client(app) as b:
        page = sign_in(b, codes[BUREAU])
        assert "催报" in page.text and "乙县" in page.text
        status = b.get("/api/status").json()
        assert status["submitted"] == 1 and {m["district"] for m in status["missing"]} == {B, ZONE}
        r = b.post("/consolidate", data={"csrf": csrf_of(page.text)})
        assert r.status_code == 200 and "汇总完成" in r.text
        outputs = [p for p in ws.period_dir(PERIOD).iterdir() if p.suffix in (".xlsx", ".docx")]
        assert outputs
        name = next(p.name for p in outputs if p.suffix == ".docx")
        got = b.get("/outputs", params={"f": name})
        assert got.status_code == 200 and got.content == (ws.period_dir(PERIOD) / name).read_bytes()
    # a correction uploaded on the page after June and 2025-Q2 were consolidated: the next 汇总 (nothing new in
    # the inbox, the upload is already in the ledger) names the quarter, the district and the cause
    run_consolidate(ws, Period(2025, 6, quarterly=True))
    assert submit(app, codes[A], form(small_catalogue, files / "a2.xlsx", A, revenue=D(6000))).status_code == 200
    with client(app) as b:
        page = sign_in(b, codes[BUREAU])
        r = b.post("/consolidate", data={"csrf": csrf_of(page.text)})
        assert ("2025-06 的在用版本已变化（2025-06 甲区更正了报表）；已汇总的以下各期用到它，输出已过时，请按顺序重新运行："
                "reporttool consolidate --period 2025-Q2。") in r.text


def test_serve_refuses_to_start_without_codes(small_workspace):
    r = CliRunner().invoke(main, ["-w", str(small_workspace.root), "serve", "--period", "2025-06"])
    assert r.exit_code == 2 and "reporttool codes" in r.output


def _named(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
