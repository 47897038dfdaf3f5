"""Load on `reporttool serve` (a script, not a test): `python bench/serve_load.py` (docs/performance.md).

Builds a province round with the demo generator (--districts generated districts × --enterprises roster
rows + --projects projects, no planted problems), takes the files out of inbox/, makes the access codes,
starts `reporttool serve` on 127.0.0.1 (a free port) and then sends, all at once from --clients
concurrent connections:
  * every district's workbook, with its own code (POST /api/submissions, Bearer code);
  * --bad extra uploads that must be refused with a reason: not a workbook, another district's form, a
    wrong code (401);
Each request has a --timeout; the whole load is bounded by the number of requests. Afterwards it checks
that nothing was lost and the ledger is consistent (one version per district, in inbox/ and archive/
with the bytes uploaded, PRAGMA integrity_check, 报送情况 已报 = districts), and prints p50/p95/max
response time, wall time and the peak RSS of the server's process tree (sampled from /proc).
Results (Markdown and JSON) go to bench/results/.
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from measure import _tree_rss  # noqa: E402

from reporttool.core.models import Period  # noqa: E402
from reporttool.demo.make import make_demo  # noqa: E402
from reporttool.serve.codes import BUREAU, issue_codes  # noqa: E402
from reporttool.workspace import init_workspace  # noqa: E402

PERIOD = Period(2025, 6)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(p / 100 * (len(s) - 1))))
    return s[k]


async def send_all(url: str, jobs: list[dict], clients: int, timeout: float) -> list[dict]:
    import httpx2 as httpx

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    sem = asyncio.Semaphore(clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as client:
        async def one(job: dict) -> dict:
            async with sem:
                start = time.perf_counter()
                try:
                    r = await client.post("/api/submissions", headers={"Authorization": f"Bearer {job['code']}"},
                                          files={"file": (job["name"], job["data"], "application/octet-stream")})
                    body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
                    out = {"status": r.status_code, "body": body}
                except Exception as exc:  # noqa: BLE001 - a lost request is what we are looking for
                    out = {"status": None, "body": {}, "error": f"{type(exc).__name__}: {exc}"}
                out["seconds"] = time.perf_counter() - start
                return {**{k: v for k, v in job.items() if k != "data"}, **out}

        return await asyncio.gather(*(one(j) for j in jobs))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--districts", type=int, default=100)
    ap.add_argument("--enterprises", type=int, default=2000)
    ap.add_argument("--projects", type=int, default=300)
    ap.add_argument("--clients", type=int, default=100, help="concurrent connections")
    ap.add_argument("--bad", type=int, default=10, help="extra uploads that must be refused")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per request")
    ap.add_argument("--workers", type=int, default=None, help="reading workers of the server")
    ap.add_argument("--keep", action="store_true", help="keep the workspace")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="reporttool-serve-load-"))
    ws = init_workspace(tmp / "省级工作目录")
    t0 = time.perf_counter()
    result = make_demo(ws, PERIOD, districts=args.districts, enterprises=args.enterprises, projects=args.projects,
                       plant=False, workers=args.workers or 2)
    build_s = time.perf_counter() - t0
    source = tmp / "县区文件"
    source.mkdir()
    for p in sorted(ws.inbox.iterdir()):
        if p.is_file():
            shutil.move(str(p), source / p.name)
    cat = ws.catalogue()
    codes = {i.district: i.code for i in issue_codes(ws, cat, rotate=True)}
    by_district = {f.district: source / f.path.name for f in result.files}
    total_mib = sum(p.stat().st_size for p in by_district.values()) / 2**20

    jobs = [{"kind": "good", "district": d, "code": codes[d], "name": p.name, "data": p.read_bytes()}
            for d, p in by_district.items()]
    rng = random.Random(14)
    districts = list(by_district)
    for i in range(args.bad):
        d = rng.choice(districts)
        kind = ("not-xlsx", "other-district", "wrong-code")[i % 3]
        if kind == "not-xlsx":
            jobs.append({"kind": kind, "district": d, "code": codes[d], "name": "报表.xlsx",
                         "data": b"%PDF-1.7\n" + os.urandom(50_000)})
        elif kind == "other-district":
            other = districts[(districts.index(d) + 1) % len(districts)]
            jobs.append({"kind": kind, "district": d, "code": codes[d], "name": "借用.xlsx",
                         "data": by_district[other].read_bytes()})
        else:
            jobs.append({"kind": kind, "district": d, "code": "AAAA-BBBB-CCCC-DDDD", "name": "x.xlsx",
                         "data": by_district[d].read_bytes()})
    rng.shuffle(jobs)

    port = free_port()
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "reporttool")], env=env, check=False,
                   stdout=subprocess.DEVNULL)
    cmd = [sys.executable, "-m", "reporttool", "-w", str(ws.root), "serve", "--port", str(port),
           "--period", PERIOD.key]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    server_log = open(tmp / "server.log", "wb")  # noqa: SIM115 - closed after the server stops
    server = subprocess.Popen(cmd, env=env, stdout=server_log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    import urllib.request

    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/", timeout=2).read()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                print((tmp / "server.log").read_text(encoding="utf-8", errors="replace"))
                raise SystemExit("server did not start") from None
            time.sleep(0.2)
    idle_mib = (_tree_rss(server.pid) or 0) / 2**20
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(server.pid) or 0)
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    replies = asyncio.run(send_all(url, jobs, args.clients, args.timeout))
    wall = time.perf_counter() - start
    done.set()
    sampler.join()

    # status through the API, then stop the server and look at the workspace
    import httpx2 as httpx

    status = httpx.get(url + "/api/status", headers={"Authorization": f"Bearer {codes[BUREAU]}"}, timeout=120).json()
    hwm = None  # the server process's own peak RSS (VmHWM), without its reading workers
    try:
        for text in Path(f"/proc/{server.pid}/status").read_text().splitlines():
            if text.startswith("VmHWM:"):
                hwm = int(text.split()[1]) / 1024
    except OSError:
        pass
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
    server_log.close()

    problems: list[str] = []
    good = [r for r in replies if r["kind"] == "good"]
    bad = [r for r in replies if r["kind"] != "good"]
    for r in replies:
        if r["status"] is None:
            problems.append(f"lost: {r['kind']} {r['district']}: {r.get('error')}")
    for r in good:
        if r["status"] != 200 or not r["body"].get("accepted"):
            problems.append(f"good upload of {r['district']} not accepted: {r['status']} {r['body']}")
    expected = {"not-xlsx": 422, "other-district": 422, "wrong-code": 401}
    for r in bad:
        reason = r["body"].get("reason") or r["body"].get("error")
        if r["status"] != expected[r["kind"]] or not reason:
            problems.append(f"{r['kind']} from {r['district']}: {r['status']} {r['body']}")
    db = sqlite3.connect(str(ws.ledger))
    if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
        problems.append("ledger integrity_check failed")
    rows = db.execute("SELECT id, district, sha256, archive_path, file_name, status FROM submissions").fetchall()
    db.close()
    if len(rows) != len(by_district):
        problems.append(f"ledger has {len(rows)} versions, expected {len(by_district)}")
    by_sub = {sid: (d, sha, arch, name, st) for sid, d, sha, arch, name, st in rows}
    inbox = {p.name for p in ws.inbox.iterdir() if p.is_file()}
    for r in good:
        sid = r["body"].get("submission", {}).get("id")
        if sid not in by_sub:
            problems.append(f"{r['district']}: submission {sid} not in the ledger")
            continue
        d, sha, arch, name, _st = by_sub[sid]
        want = hashlib.sha256(by_district[r["district"]].read_bytes()).hexdigest()
        if d != r["district"] or sha != want:
            problems.append(f"{r['district']}: ledger has district {d}, sha {sha[:12]}")
        if hashlib.sha256((ws.root / arch).read_bytes()).hexdigest() != want:
            problems.append(f"{r['district']}: archived bytes differ")
        if name not in inbox:
            problems.append(f"{r['district']}: {name} not in inbox/")
    if len(inbox) != len(by_district):
        problems.append(f"inbox/ holds {len(inbox)} files, expected {len(by_district)} (refused uploads keep nothing)")
    if status.get("submitted") != len(by_district):
        problems.append(f"报送情况 says 已报 {status.get('submitted')}, expected {len(by_district)}")

    times = [r["seconds"] for r in good]
    refused_times = [r["seconds"] for r in bad]
    out = {
        "districts": len(by_district), "roster_rows": args.enterprises, "projects": args.projects,
        "files_mib": round(total_mib, 1), "requests": len(replies), "clients": args.clients,
        "accepted": sum(1 for r in good if r["status"] == 200), "refused_as_expected": sum(
            1 for r in bad if r["status"] == expected[r["kind"]]),
        "wall_s": round(wall, 2), "p50_s": round(percentile(times, 50), 2), "p95_s": round(percentile(times, 95), 2),
        "max_s": round(max(times), 2) if times else None,
        "refused_p50_s": round(percentile(refused_times, 50), 2) if refused_times else None,
        "peak_tree_mib": round(peak[0] / 2**20), "server_proc_peak_mib": round(hwm) if hwm else None,
        "idle_mib": round(idle_mib), "build_s": round(build_s, 1),
        "load_1min_at_start": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "problems": problems,
    }
    line = (f"| {out['districts']} | {out['requests']} | {out['clients']} | {out['files_mib']} | "
            f"{out['accepted']} | {out['refused_as_expected']}/{len(bad)} | {out['wall_s']} | {out['p50_s']} | "
            f"{out['p95_s']} | {out['max_s']} | {out['refused_p50_s']} | {out['idle_mib']} / {out['peak_tree_mib']} / "
            f"{out['server_proc_peak_mib']} | "
            f"{'none' if not problems else len(problems)} |")
    print("| districts | requests | concurrent | files MiB | accepted | refused with reason | wall s | p50 s | "
          "p95 s | max s | refused p50 s | server RSS MiB: idle / peak (with workers) / peak of the server process | "
          "problems |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    print(line)
    for p in problems:
        print("PROBLEM:", p)
    if problems:
        print((tmp / "server.log").read_text(encoding="utf-8", errors="replace")[-5000:])
    results = REPO / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (results / f"serve-load-{stamp}.json").write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
    (results / f"serve-load-{stamp}.md").write_text(line + "\n", encoding="utf-8")
    if args.keep:
        print(f"workspace kept: {ws.root}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
