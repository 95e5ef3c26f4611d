"""Pages under load, beside a bare Flask + SQLAlchemy baseline, in the same run; prints a p95 table.

Run: .venv/bin/python bench/web.py [--stories 1000] [--seconds 10] [--levels 10,50] [--runs 3]

Loads N stories (one reporter holds 30 %) and one finished theme run into a fresh SQLite data
folder, serves it exactly as `make run` does (gunicorn, gthread, 2 workers x 8 threads) on
127.0.0.1, serves beside it a bare Flask + Flask-SQLAlchemy app rendering a 20-row table from the
same database (same gunicorn settings), and drives signed-in users (a bounded thread pool, one
session per user) at each concurrency level for --seconds per page. Only loopback is used.
Figures: p50 and p95 per page (the median of --runs runs), the baseline's beside every row, and the
load (`uptime`) before and after each run.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

BASELINE = '''
from flask import Flask, render_template_string
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import text
import os

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BASELINE_DB"]
db = SQLAlchemy(app)
PAGE = """<!doctype html><title>Stories</title><table>{% for r in rows %}<tr><td>{{ r.id }}</td>
<td>{{ r.title }}</td><td>{{ r.status }}</td><td>{{ r.created_at }}</td></tr>{% endfor %}</table>"""


@app.route("/")
def index():
    rows = db.session.execute(text("SELECT id, title, status, created_at FROM stories ORDER BY id DESC LIMIT 20")).all()
    return render_template_string(PAGE, rows=rows)
'''


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn(app_spec: str, port: int, env: dict, cwd: Path, config: list | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *(config or []), "--worker-class", "gthread", "--workers", "2", "--threads", "8",
         "--timeout", "120", "--bind", f"127.0.0.1:{port}", app_spec],
        cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_up(url: str, seconds: float = 60) -> None:
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not come up")


def prepare(data_dir: Path, stories: int) -> dict:
    from app import create_app
    from bench.webdata import load

    app = create_app({"DATA_DIR": str(data_dir), "SECRET_KEY": "bench-secret"})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        started = time.perf_counter()
        ids = load(stories=stories)
        print(f"loaded {stories} stories, 1 theme run in {time.perf_counter() - started:.1f} s")
        from extensions import db

        db.engine.dispose()
    return ids


def login(base: str, email: str, password: str):
    import requests

    session = requests.Session()
    page = session.get(f"{base}/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = session.post(f"{base}/login", data={"email": email, "password": password, "csrf_token": token},
                          allow_redirects=False)
    if answer.status_code != 302:
        raise SystemExit(f"could not sign in as {email}")
    return session.cookies.get_dict()


def drive(url: str, cookies: dict, users: int, seconds: float) -> tuple[list[float], int]:
    """`users` threads, each its own session, request `url` back to back for `seconds`."""
    import requests

    stop = time.monotonic() + seconds
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def user() -> None:
        session = requests.Session()
        session.cookies.update(cookies)
        mine = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                response = session.get(url, timeout=60)
                ok = response.status_code == 200
            except requests.RequestException:
                ok = False
            mine.append(time.perf_counter() - started)
            if not ok:
                with lock:
                    errors[0] += 1
        with lock:
            times.extend(mine)

    with ThreadPoolExecutor(max_workers=users) as pool:
        for _ in range(users):
            pool.submit(user)
    return times, errors[0]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))] if ordered else float("nan")


def measure(base: str, baseline: str, cookies: dict, pages: list, levels: list[int], seconds: float) -> dict:
    """One run: {(page name or "baseline", users): (times, errors)}."""
    results = {}
    for users in levels:
        times, _ = drive(baseline, {}, users, seconds)
        results[("baseline", users)] = (times, 0)
        for name, role, path in pages:
            results[(name, users)] = drive(base + path, cookies[role], users, seconds)
    return results


def table(runs: list[dict], pages: list, levels: list[int]) -> None:
    """p50 and p95 per page and level: the median over the runs of each run's figure, the baseline's beside."""
    header = "page".ljust(30) + "".join(f"| {u:>3} users: p50 ms  p95 ms  base p95  ratio  n    err " for u in levels)
    print(header)
    print("-" * len(header))
    for name, _role, _path in [("baseline (bare Flask, 20 rows)", None, None)] + pages:
        key = "baseline" if name.startswith("baseline") else name
        row = name.ljust(30)
        for users in levels:
            p50s = [statistics.median(r[(key, users)][0]) for r in runs]
            p95s = [p95(r[(key, users)][0]) for r in runs]
            base_p95 = statistics.median(p95(r[("baseline", users)][0]) for r in runs)
            mine = statistics.median(p95s)
            n = sum(len(r[(key, users)][0]) for r in runs)
            errors = sum(r[(key, users)][1] for r in runs)
            row += (f"| {statistics.median(p50s) * 1000:>10.0f} {mine * 1000:>7.0f} {base_p95 * 1000:>9.0f} "
                    f"{mine / base_p95:>6.1f} {n:>5} {errors:>4} ")
        print(row)
    print("targets: p95 <= 2x baseline p95 and < 100 ms at 50 users")


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stories", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--levels", default="10,50")
    parser.add_argument("--runs", type=int, default=3, help="figures are the median of the runs' figures")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    from bench.webdata import PASSWORD

    work = Path(tempfile.mkdtemp(prefix="bench-web-"))
    data_dir = work / "data"
    ids = prepare(data_dir, args.stories)
    env = {**os.environ, "FLASK_DATA_DIR": str(data_dir), "FLASK_SECRET_KEY": "bench-secret",
           "BASELINE_DB": f"sqlite:///{data_dir / 'storyloom.db'}"}
    (work / "baseline_app.py").write_text(BASELINE)
    product_port, baseline_port = free_port(), free_port()
    same = ["--config", str(ROOT / "gunicorn.conf.py")]  # make run's settings, for the baseline too
    servers = [gunicorn("app:create_app()", product_port, env, ROOT, same),
               gunicorn("baseline_app:app", baseline_port, env, work, same)]
    try:
        base, baseline = f"http://127.0.0.1:{product_port}", f"http://127.0.0.1:{baseline_port}/"
        wait_up(f"{base}/login")
        wait_up(baseline)
        cookies = {role: login(base, ids["emails"][role], PASSWORD) for role in ("reporter", "facilitator", "manager")}
        pages = [
            ("home (reporter)", "reporter", "/"),
            ("stories list (reporter, 300)", "reporter", "/stories"),
            ("story page", "reporter", f"/stories/{ids['story_id']}"),
            ("theme board", "facilitator", "/themes"),
            ("theme page", "facilitator", f"/themes/t/{ids['theme_id']}"),
            ("prevalence", "facilitator", f"/themes/runs/{ids['run_id']}/prevalence"),
            ("actions dashboard", "manager", "/actions"),
            ("/api/v1/stories", "reporter", "/api/v1/stories"),
        ]
        print(f"{args.seconds:.0f} s per page per level, {args.runs} runs (bounded to save time; the issue asks a minute)")
        runs = []
        for number in range(args.runs):
            print(f"run {number + 1}: load before: {uptime()}", flush=True)
            runs.append(measure(base, baseline, cookies, pages, levels, args.seconds))
            print(f"run {number + 1}: load after: {uptime()}", flush=True)
        table(runs, pages, levels)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(20)


if __name__ == "__main__":
    main()
