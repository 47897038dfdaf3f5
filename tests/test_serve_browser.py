"""`reporttool serve` in a real browser: Chromium from the distribution, driven by Playwright, against the
real command (uvicorn) on 127.0.0.1 with a free port. A district clerk's whole round, a district trying
another's files, and the bureau returning a version with a reason."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import openpyxl
import pytest
from helpers import need_tool
from serve_helpers import BUREAU, PERIOD, A, B, form, make_codes

from reporttool.forms.reader import read_submission


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(small_workspace, small_catalogue):
    codes = make_codes(small_workspace, small_catalogue)
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "reporttool", "-w", str(small_workspace.root), "serve",
                             "--port", str(port), "--period", PERIOD.key], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode("utf-8", "replace") if proc.stdout else ""
                proc.kill()
                pytest.fail(f"reporttool serve did not start: {out}")
            time.sleep(0.2)
    try:
        yield url, codes
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def browser():
    chromium = need_tool("chromium", "chromium-browser")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


def _sign_in(browser, url: str, code: str, **ctx):
    page = browser.new_context(accept_downloads=True, **ctx).new_page()
    page.goto(url + "/")
    page.fill("#code", code)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def _upload(page, path: Path) -> None:
    page.set_input_files("#file", str(path))
    with page.expect_navigation(url="**/submissions/*"):
        page.click("#upload-button")


def test_district_round_in_a_browser(server, browser, small_catalogue, tmp_path):
    url, codes = server
    page = _sign_in(browser, url, codes[A].lower())
    assert "甲区" in page.inner_text("h1")

    with page.expect_download() as got:  # the blank form of the open period, for this district
        page.click("#template-link")
    blank = tmp_path / "blank.xlsx"
    got.value.save_as(blank)
    sub, _ = read_submission(blank, small_catalogue)
    assert sub.district == A and sub.period == PERIOD.key

    bad = form(small_catalogue, tmp_path / "甲区报表.xlsx", A, bad=True)
    _upload(page, bad)
    assert "有错" in page.inner_text("h1")
    row = page.locator("table.findings tr", has_text="统一社会信用代码").first
    cell = row.locator("td.cell").inner_text().strip()
    assert row.locator("td").first.inner_text().strip() == "错误"
    assert cell.startswith("B") and cell[1:].isdigit()

    with page.expect_download() as got:
        page.click("#feedback-link")
    fb = tmp_path / "feedback.xlsx"
    got.value.save_as(fb)
    wb = openpyxl.load_workbook(fb)
    assert wb.sheetnames[0] == "问题清单" and wb["集群企业"][cell].comment is not None

    page.goto(url + "/district")
    _upload(page, form(small_catalogue, tmp_path / "甲区报表（改）.xlsx", A))
    assert "通过" in page.inner_text("h1") and page.is_visible("#passed")
    page.goto(url + "/district")
    assert page.locator("tr.current").inner_text().count("第2版") == 1


def test_a_district_cannot_reach_anothers_feedback(server, browser, small_catalogue, tmp_path):
    url, codes = server
    a = _sign_in(browser, url, codes[A])
    _upload(a, form(small_catalogue, tmp_path / "a.xlsx", A, bad=True))
    own = a.url
    b = _sign_in(browser, url, codes[B])
    for target in (own, own + "/feedback", own.replace("/submissions/", "/api/submissions/")):
        resp = b.goto(target)
        assert resp is not None and resp.status == 404, target
    assert "无权查看" in b.content()


def test_bureau_returns_with_a_reason_and_the_district_sees_it(server, browser, small_catalogue, tmp_path):
    url, codes = server
    a = _sign_in(browser, url, codes[A], viewport={"width": 375, "height": 740})  # a phone
    _upload(a, form(small_catalogue, tmp_path / "a.xlsx", A))
    version = a.url
    boss = _sign_in(browser, url, codes[BUREAU])
    assert "报送情况" in boss.inner_text("h1") and "乙县" in boss.inner_text("#missing")
    boss.goto(version)
    boss.fill("#reason", "产值与统计快报不一致，请核对后重报")
    with boss.expect_navigation():
        boss.click("#review-form button[value=退回]")
    assert "产值与统计快报不一致" in boss.inner_text("#review")
    a.goto(url + "/district")
    assert "市局退回" in a.inner_text("table.list") and "产值与统计快报不一致" in a.inner_text("table.list")
    assert a.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
