"""Load figures for the embedded default (scenario a): office users' pages while background jobs run.

    python -m foodtrain.loadtest [--users 5] [--duration-s 60] [--output bench_results/load/a.json]

Starts `foodtrain serve` (web + one worker, SQLite database and queue) on a fresh
instance folder on localhost, signs in the office users, starts a rota generation
and a route plan as a coordinator would (through the forms), and meanwhile has each
office user loop over the customer search, the order board and the phone-order
customer finder. Prints p50/p95 per page and overall, errors, and how the jobs ended.
Only localhost; a bounded client of its own (urllib), no load-testing service.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

from foodtrain.clock import branch_today

PAGES = {
    "customer search": "/customers/?q=mac",
    "order board": "/orders/",
    "phone order finder": "/orders/customers?q=an",
}


class _Client:
    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, str, str]:
        try:
            with self.opener.open(self.base_url + path, timeout=30) as response:
                return response.status, response.read().decode(), response.url
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), path

    def post_form(self, page: str, action: str, fields: dict[str, str]) -> tuple[int, str, str]:
        _status, html, _url = self.get(page)
        hidden = dict(re.findall(r'name="(csrf_token|form_token)" (?:type="hidden" )?value="([^"]*)"', html))
        data = urllib.parse.urlencode({**hidden, **fields}).encode()
        try:
            with self.opener.open(self.base_url + action, data=data, timeout=60) as response:
                return response.status, response.read().decode(), response.url
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), action


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_server(instance: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("FOODTRAIN_") and key not in ("DATABASE_URL", "SECRET_KEY")}
    env["FOODTRAIN_INSTANCE_PATH"] = str(instance)
    log = (instance.parent / "serve.log").open("wb")
    foodtrain = str(Path(sys.executable).with_name("foodtrain"))
    process = subprocess.Popen([foodtrain, "serve", "--port", str(port), "--threads", "8"], stdout=log,
                               stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 600
    while "is running at" not in (instance.parent / "serve.log").read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("foodtrain serve did not start:\n" + (instance.parent / "serve.log").read_text())
        time.sleep(0.5)
    return process, f"http://127.0.0.1:{port}"


def _logins(instance: Path) -> dict[str, str]:
    rows = [line.split("\t") for line in (instance / "demo-logins.txt").read_text().splitlines()]
    return {row[0]: row[1] for row in rows}


def _sign_in(base_url: str, username: str, password: str) -> _Client:
    client = _Client(base_url)
    status, _html, url = client.post_form("/login", "/login", {"username": username, "password": password})
    if status != 200 or url.endswith("/login"):
        raise SystemExit(f"could not sign in as {username}")
    return client


def _start_jobs(client: _Client) -> list[str]:
    """A rota generation for next month and a route plan for the next weekday; returns their progress URLs."""
    today = branch_today()
    next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    day = today + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    urls = []
    for page, action, fields in (
        ("/rota/", "/rota/generate", {"month": f"{next_month:%Y-%m}", "time_limit_s": "30"}),
        (f"/routes/?date={day.isoformat()}", "/routes/plan",
         {"delivery_date": day.isoformat(), "shift_start": "09:00", "shift_end": "16:00", "time_limit_s": "30"}),
    ):
        status, _html, url = client.post_form(page, action, fields)
        match = re.search(r"/jobs/(\d+)", url)
        if status != 200 or not match:
            raise SystemExit(f"could not start the job at {action} (status {status}, {url})")
        urls.append(f"/jobs/{match.group(1)}/progress")
    return urls


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def run_scenario_a(users: int, duration_s: float) -> dict[str, object]:
    workdir = Path(tempfile.mkdtemp(prefix="foodtrain-load-"))
    instance = workdir / "instance"
    server, base_url = _start_server(instance)
    try:
        logins = _logins(instance)
        office = [_sign_in(base_url, ("office-dg", "office-wl")[n % 2], logins[("office-dg", "office-wl")[n % 2]])
                  for n in range(users)]
        coordinator = _sign_in(base_url, "coordinator-dg", logins["coordinator-dg"])
        timings: dict[str, list[float]] = {name: [] for name in PAGES}
        errors: list[str] = []
        stop = threading.Event()
        lock = threading.Lock()

        def office_user(client: _Client) -> None:
            while not stop.is_set():
                for name, path in PAGES.items():
                    started = time.perf_counter()
                    try:
                        status, _html, _url = client.get(path)
                    except Exception as error:  # noqa: BLE001 - counted as an error
                        status = f"{type(error).__name__}"  # type: ignore[assignment]  # status holds an HTTP code or the error's name
                    elapsed_ms = (time.perf_counter() - started) * 1000
                    with lock:
                        timings[name].append(elapsed_ms)
                        if status != 200:
                            errors.append(f"{name}: {status}")

        job_urls = _start_jobs(coordinator)
        started = time.monotonic()
        threads = [threading.Thread(target=office_user, args=(client,)) for client in office]
        for thread in threads:
            thread.start()
        job_outcomes: dict[str, dict[str, object]] = {}
        while time.monotonic() - started < duration_s or len(job_outcomes) < len(job_urls):
            for url in job_urls:
                if url not in job_outcomes:
                    _status, body, _u = coordinator.get(url)
                    progress = json.loads(body)
                    if progress.get("finished"):
                        job_outcomes[url] = {"status": progress["status"], "error": progress.get("error"),
                                             "finished_after_s": round(time.monotonic() - started, 1)}
            if time.monotonic() - started > duration_s + 300:
                break
            time.sleep(1)
        stop.set()
        for thread in threads:
            thread.join()
        every = [value for values in timings.values() for value in values]
        return {
            "scenario": "a: embedded default (SQLite database and queue, serve + 1 worker)",
            "command": " ".join(["python -m foodtrain.loadtest", f"--users {users}", f"--duration-s {duration_s:g}"]),
            "date": branch_today().isoformat(),
            "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}",
            "users": users, "duration_s": round(time.monotonic() - started, 1),
            "pages": {name: {"requests": len(values), "p50_ms": round(statistics.median(values), 1),
                             "p95_ms": round(_percentile(values, 0.95), 1)} for name, values in timings.items()
                      if values},
            "all": {"requests": len(every), "p50_ms": round(statistics.median(every), 1),
                    "p95_ms": round(_percentile(every, 0.95), 1), "errors": len(errors)},
            "errors_sample": errors[:10],
            "jobs": {url: outcome for url, outcome in job_outcomes.items()},
        }
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m foodtrain.loadtest", description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=5)
    parser.add_argument("--duration-s", type=float, default=60)
    parser.add_argument("--output", type=Path, help="Also write the figures here (JSON).")
    arguments = parser.parse_args(argv)
    figures = run_scenario_a(arguments.users, arguments.duration_s)
    text = json.dumps(figures, indent=2)
    print(text)
    if arguments.output:
        arguments.output.parent.mkdir(parents=True, exist_ok=True)
        arguments.output.write_text(text + "\n")


if __name__ == "__main__":
    main()
