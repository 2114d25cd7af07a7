"""Load figures: office users' pages while background jobs run.

    python -m foodtrain.loadtest [--scenario a|b|c] [--users N] [--duration-s 60] [--think-s 5] [--output FILE.json]

(a) embedded default: `foodtrain serve` (web + one worker, SQLite database and queue) on a fresh
    instance folder; 5 office users; a rota generation and a route plan run meanwhile.
(b) several processes (foodtrain.loadtest_cluster: a private PostgreSQL and Redis server, 2
    `foodtrain serve --workers 0` app processes and 2 `foodtrain worker` processes, all gone afterwards);
    20 office users spread over both app processes; 4 route plans and 2 rota generations (one per demo
    branch) run meanwhile.
(c) a national day: PostgreSQL and Redis as in (b); `foodtrain seed-national-day` makes 20 branches'
    delivery day (about 2,100 orders), `foodtrain plan-day` queues every branch's route plan at once,
    planned first by 1 `foodtrain worker`, then again by 2, with the same time limit and engine settings.
    A route search stops at its time limit, so its plan is as good as the CPU it got: by default
    (`--worker-cpus one-each`) each worker and the search processes it forks run on a CPU of their own,
    so every plan gets one CPU in both runs and the plans are equally good; the speed-up then counts only
    if their quality (orders left out, driving minutes, printed side by side) is within the stated tolerance.
    Prints the total time (first job queued to last finished, from the job rows) and the speed-up.

Each office user pauses before each page (think time: exponential, mean `--think-s`, default 5 s; 0 for
back to back), then loops over the customer search, the order board, the phone-order customer finder, and
a phone order: the order page for a customer found, then saving it (a POST). Jobs are started as a
coordinator would (through the forms). Prints p50/p95 per page and overall, errors (any answer but 200, and
a 409 "changed meanwhile" is counted apart as a conflict), how the jobs ended, and `uptime` before and
after. Only localhost; a bounded client of its own (urllib), no load-testing service.
FOODTRAIN_WORKER_NICENESS, if set, is passed to the workers (compare 0 with the default 10 side by side).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, timedelta
from functools import partial

from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from foodtrain.clock import branch_today
from foodtrain.loadtest_cluster import (
    Cluster,
    clean_environment,
    foodtrain_command,
    free_port,
    several_processes,
    stop_process,
)

#: An office user's pause before each page, on average (s): reading the page, typing, listening to the caller.
#: Drawn from an exponential distribution (TPC-C's keying and think times) cut at THINK_CAP_FACTOR × the mean;
#: bench_results/load/README.md says why 5 s is a pessimistic pace for the office (it over-states the load).
DEFAULT_THINK_S = 5.0
THINK_CAP_FACTOR = 10
#: (c) Two runs' plans count as equally good when their left-out orders differ by at most this share of all
#: the orders and their driving minutes by at most this share.
QUALITY_UNPLANNED_TOLERANCE = 0.01
QUALITY_DRIVE_TOLERANCE = 0.03

#: The header in which the app (FOODTRAIN_COUNT_SQL_STATEMENTS=1, set for the processes started here) says how
#: many SQL statements an answer took (web.statement_count.HEADER; not imported: the load test needs no Flask).
SQL_STATEMENTS_HEADER = "X-SQL-Statements"

PAGES = {
    "customer search": "/customers/?q=mac",
    "order board": "/orders/",
    "phone order finder": "/orders/customers?q=an",
}
PHONE_ORDER_PAGES = ("phone order page", "phone order save")
PHONE_ORDER_ITEMS = ("Milk", "Bread", "Tea bags", "Porridge oats", "Tinned soup", "Bananas")
HIDDEN_INPUT = re.compile(r'<input[^>]*type="hidden"[^>]*>')
FIELD_ERROR = re.compile(r'class="error"[^>]*>([^<]+)<')


class _CountingRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects as urllib does, adding each redirect's SQL statements to its client's count
    (a save answers 302 and the board it leads to is part of the same user action)."""

    def __init__(self, client: _Client) -> None:
        self.client = client

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        self.client.count_statements(headers)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _Client:
    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _CountingRedirects(self)
        )
        #: SQL statements of the last get/post with its redirects (the app's X-SQL-Statements), None if not told.
        self.last_statements: int | None = None

    def count_statements(self, headers: Any) -> None:
        told = headers.get(SQL_STATEMENTS_HEADER) if headers is not None else None
        if told is not None and told.isdigit():
            self.last_statements = (self.last_statements or 0) + int(told)

    def get(self, path: str) -> tuple[int, str, str]:
        self.last_statements = None
        try:
            with self.opener.open(self.base_url + path, timeout=30) as response:
                self.count_statements(response.headers)
                return response.status, response.read().decode(), response.url
        except urllib.error.HTTPError as error:
            self.count_statements(error.headers)
            return error.code, error.read().decode(), path

    def post(self, action: str, fields: dict[str, str]) -> tuple[int, str, str]:
        self.last_statements = None
        data = urllib.parse.urlencode(fields).encode()
        url = action if action.startswith("http") else self.base_url + action
        try:
            with self.opener.open(url, data=data, timeout=60) as response:
                self.count_statements(response.headers)
                return response.status, response.read().decode(), response.url
        except urllib.error.HTTPError as error:
            self.count_statements(error.headers)
            return error.code, error.read().decode(), action

    def post_form(self, page: str, action: str, fields: dict[str, str]) -> tuple[int, str, str]:
        _status, html, _url = self.get(page)
        hidden = dict(re.findall(r'name="(csrf_token|form_token)" (?:type="hidden" )?value="([^"]*)"', html))
        return self.post(action, {**hidden, **fields})


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of a page (CSRF token, customer, date, version, form token)."""
    fields = {}
    for tag in HIDDEN_INPUT.findall(html):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = value.group(1).replace("&amp;", "&") if value else ""
    return fields


def _start_server(
    instance: Path, env: dict[str, str] | None = None, workers: int = 1, log_name: str = "serve.log"
) -> tuple[subprocess.Popen, str]:
    port = free_port()
    log_path = instance.parent / log_name
    log = log_path.open("wb")
    process = subprocess.Popen(
        [foodtrain_command(), "serve", "--port", str(port), "--threads", "8", "--workers", str(workers)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env or clean_environment(instance),
    )
    deadline = time.monotonic() + 600
    while "is running at" not in log_path.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("foodtrain serve did not start:\n" + log_path.read_text())
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


def _next_month() -> str:
    today = branch_today()
    return f"{(today.replace(day=1) + timedelta(days=32)).replace(day=1):%Y-%m}"


def _start_rota(client: _Client) -> str:
    """A rota generation for next month (30 s limit); returns its progress URL."""
    return _job_url(
        client.post_form("/rota/", "/rota/generate", {"month": _next_month(), "time_limit_s": "30"}), "/rota/generate"
    )


def _take_due_orders(office: _Client, day: date, limit: int = 80) -> int:
    """Take a phone order for each customer due on `day` (from the order board), as the office would."""
    _status, board, _url = office.get(f"/orders/?date={day.isoformat()}")
    links = list(
        dict.fromkeys(re.findall(rf'href="(/orders/new\?customer_id=\d+&amp;date={day.isoformat()})"', board))
    )[:limit]
    taken = 0
    for number, link in enumerate(links):
        status, html, url = office.get(link.replace("&amp;", "&"))
        if status != 200 or 'id="order-form"' not in html:
            continue
        fields = {
            **hidden_fields(html),
            "lines-0-item": PHONE_ORDER_ITEMS[number % len(PHONE_ORDER_ITEMS)],
            "lines-0-quantity": "2",
            "lines-0-substitute_allowed": "y",
            "save": "Save order",
        }
        taken += office.post(url, fields)[0] == 200
    return taken


def _start_route_plans(coordinator: _Client, office: _Client, count: int) -> list[str]:
    """Route plans (30 s limit) for the next `count` weekdays the branch can plan.

    The demo holds orders for the current week only, so a day ahead may have none yet: its due
    customers' orders are then taken first (through the order form, by the branch's office).
    """
    urls: list[str] = []
    refusals: list[str] = []
    today = branch_today()
    for day in (today + timedelta(days=n) for n in range(1, 22)):
        if len(urls) == count:
            break
        if day.weekday() >= 5:
            continue
        for attempt in range(2):
            status, html, url = coordinator.post_form(
                f"/routes/?date={day.isoformat()}",
                "/routes/plan",
                {"delivery_date": day.isoformat(), "shift_start": "09:00", "shift_end": "16:00", "time_limit_s": "30"},
            )
            if status == 200 and re.search(r"/jobs/\d+", url):
                urls.append(_job_url((status, html, url), "/routes/plan"))
                break
            if attempt == 0 and "No orders to deliver" in html and _take_due_orders(office, day):
                continue
            refusals.append(f"{day}: {status} {' '.join(FIELD_ERROR.findall(html))}")
            break
    if len(urls) < count:
        raise SystemExit(f"could start only {len(urls)} of {count} route plans: " + "; ".join(refusals))
    return urls


def _job_url(answer: tuple[int, str, str], action: str) -> str:
    status, _html, url = answer
    match = re.search(r"/jobs/(\d+)", url)
    if status != 200 or not match:
        raise SystemExit(f"could not start the job at {action} (status {status}, {url})")
    return f"/jobs/{match.group(1)}/progress"


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def _text_of(html: str) -> str:
    """A page's text without tags, squeezed (for an error's sample)."""
    return " ".join(re.sub(r"<[^>]+>", " ", re.sub(r"(?s)<(script|style|head).*?</\1>", " ", html)).split())


class _Recorder:
    """Times of each page, errors and conflicts, shared by the office users' threads."""

    def __init__(self) -> None:
        self.timings: dict[str, list[float]] = {name: [] for name in (*PAGES, *PHONE_ORDER_PAGES, "job progress")}
        self.statements: dict[str, list[int]] = {name: [] for name in self.timings}
        self.errors: list[str] = []
        self.conflicts = 0
        self.lock = threading.Lock()

    def timed(
        self, name: str, call: Callable[[], tuple[int, str, str]], client: _Client | None = None
    ) -> tuple[int, str, str]:
        """Time ``call`` (a get or post of ``client``, whose SQL statements are then recorded too)."""
        started = time.perf_counter()
        try:
            answer = call()
        except Exception as error:  # noqa: BLE001 - counted as an error
            answer = (0, f"{type(error).__name__}: {error}", "")
        elapsed_ms = (time.perf_counter() - started) * 1000
        with self.lock:
            self.timings[name].append(elapsed_ms)
            if client is not None and client.last_statements is not None:
                self.statements[name].append(client.last_statements)
            if answer[0] == 409:
                self.conflicts += 1
            elif answer[0] != 200:
                self.errors.append(f"{name}: {answer[0]} {answer[2]} {_text_of(answer[1])[:300]}".strip())
        return answer


def think_time_s(chooser: random.Random, mean_s: float) -> float:
    """One pause before a page: exponential with mean ``mean_s``, cut at THINK_CAP_FACTOR × the mean (0: none)."""
    return min(chooser.expovariate(1 / mean_s), THINK_CAP_FACTOR * mean_s) if mean_s > 0 else 0.0


def _office_user(
    client: _Client, recorder: _Recorder, stop: threading.Event, seed: int, think_s: float = DEFAULT_THINK_S
) -> None:
    """Loop over the pages, then take one phone order: open a found customer's order page and save it.
    ``think_s``: the pause before each page, on average (think_time_s; 0: none, each user asks again at once)."""
    chooser = random.Random(seed)

    def think() -> None:
        if think_s:
            stop.wait(think_time_s(chooser, think_s))

    while not stop.is_set():
        finder_html = ""
        for name, path in PAGES.items():
            think()
            status, html, _url = recorder.timed(name, partial(client.get, path), client)
            if name == "phone order finder" and status == 200:
                finder_html = html
        links = re.findall(r'href="(/orders/new\?customer_id=\d+&amp;date=[0-9-]+)"', finder_html)
        if not links:
            continue
        think()
        status, html, url = recorder.timed(
            "phone order page", lambda: client.get(chooser.choice(links).replace("&amp;", "&")), client
        )
        if status != 200 or 'id="order-form"' not in html:
            continue
        fields = {
            **hidden_fields(html),
            "lines-0-item": chooser.choice(PHONE_ORDER_ITEMS),
            "lines-0-quantity": str(chooser.randint(1, 3)),
            "lines-0-substitute_allowed": "y",
            "save": "Save order",
        }
        think()
        recorder.timed("phone order save", partial(client.post, url, fields), client)


def page_table(pages: dict[str, dict[str, object]]) -> str:
    """The per-page figures as a Markdown table: requests, p50, p95 and SQL statements per request (median)."""
    rows = ["| page | requests | p50 ms | p95 ms | SQL statements (median) |", "|---|---|---|---|---|"]
    for name, page in pages.items():
        statements = page.get("sql_statements_median")
        rows.append(
            f"| {name} | {page['requests']} | {page['p50_ms']} | {page['p95_ms']} | "
            f"{'' if statements is None else f'{statements:g}'} |"
        )
    return "\n".join(rows)


def _uptime() -> str:
    """`uptime`'s line (the machine's load beside each figure)."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "load average: " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def _measure(
    office: list[_Client], jobs: list[tuple[_Client, str]], duration_s: float, think_s: float = DEFAULT_THINK_S
) -> dict[str, object]:
    """Office users loop for duration_s (and until every job has finished); returns the figures.
    ``jobs``: each job's progress URL with the coordinator who started it (a job page is for its branch only)."""
    recorder = _Recorder()
    stop = threading.Event()
    uptime_before = _uptime()
    started = time.monotonic()
    threads = [
        threading.Thread(target=_office_user, args=(client, recorder, stop, seed, think_s))
        for seed, client in enumerate(office)
    ]
    for thread in threads:
        thread.start()
    job_outcomes: dict[str, dict[str, object]] = {}
    try:
        while time.monotonic() - started < duration_s or len(job_outcomes) < len(jobs):
            for job_watcher, url in jobs:
                if url not in job_outcomes:
                    status, body, _u = recorder.timed("job progress", partial(job_watcher.get, url), job_watcher)
                    progress = json.loads(body) if status == 200 else {}
                    if progress.get("finished"):
                        job_outcomes[url] = {
                            "status": progress["status"],
                            "error": progress.get("error"),
                            "finished_after_s": round(time.monotonic() - started, 1),
                        }
            if time.monotonic() - started > duration_s + 300:
                break
            time.sleep(1)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    every = [value for name, values in recorder.timings.items() if name != "job progress" for value in values]
    return {
        "date": branch_today().isoformat(),
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "uptime_before": uptime_before,
        "uptime_after": _uptime(),
        "load_average_after": " ".join(f"{value:.2f}" for value in os.getloadavg()),
        "worker_niceness": os.environ.get("FOODTRAIN_WORKER_NICENESS", "10 (the default)"),
        "think_time": (
            f"exponential, mean {think_s:g} s, cut at {THINK_CAP_FACTOR * think_s:g} s, before each page"
            if think_s
            else "none (each user asks again as soon as answered)"
        ),
        "users": len(office),
        "duration_s": round(time.monotonic() - started, 1),
        # sql_statements_median: the app's own count (X-SQL-Statements) per page, redirects followed included;
        # it does not depend on the machine's load, so a page that grows statements shows in every run.
        "pages": {
            name: {
                "requests": len(values),
                "p50_ms": round(statistics.median(values), 1),
                "p95_ms": round(_percentile(values, 0.95), 1),
                "sql_statements_median": (
                    statistics.median(recorder.statements[name]) if recorder.statements[name] else None
                ),
            }
            for name, values in recorder.timings.items()
            if values
        },
        "all": {
            "requests": len(every),
            "p50_ms": round(statistics.median(every), 1) if every else None,
            "p95_ms": round(_percentile(every, 0.95), 1) if every else None,
            "errors": len(recorder.errors),
            "conflicts_409": recorder.conflicts,
        },
        "errors_sample": recorder.errors[:10],
        "jobs": {url: outcome for url, outcome in job_outcomes.items()},
        "jobs_unfinished": [url for _client, url in jobs if url not in job_outcomes],
    }


def _office_clients(base_urls: list[str], logins: dict[str, str], users: int) -> list[_Client]:
    offices = sorted(name for name in logins if name.startswith("office-"))
    return [
        _sign_in(base_urls[n % len(base_urls)], offices[n % len(offices)], logins[offices[n % len(offices)]])
        for n in range(users)
    ]


def _keep_logs(workdir: Path, destination: Path | None) -> None:
    if destination is not None:
        destination.mkdir(parents=True, exist_ok=True)
        for log in workdir.glob("*.log"):
            shutil.copy(log, destination / log.name)


def run_scenario_a(
    users: int, duration_s: float, keep_logs: Path | None = None, think_s: float = DEFAULT_THINK_S
) -> dict[str, object]:
    workdir = Path(tempfile.mkdtemp(prefix="foodtrain-load-"))
    instance = workdir / "instance"
    server, base_url = _start_server(instance)
    try:
        logins = _logins(instance)
        office = _office_clients([base_url], logins, users)
        coordinator = _sign_in(base_url, "coordinator-dg", logins["coordinator-dg"])
        office_dg = _sign_in(base_url, "office-dg", logins["office-dg"])
        route_plans = _start_route_plans(coordinator, office_dg, 1)
        jobs = [(coordinator, url) for url in (_start_rota(coordinator), *route_plans)]
        figures = _measure(office, jobs, duration_s, think_s)
        return {
            "scenario": "a: embedded default (SQLite database and queue, serve + 1 worker)",
            "command": f"python -m foodtrain.loadtest --scenario a --users {users} --duration-s {duration_s:g} "
            f"--think-s {think_s:g}",
            **figures,
        }
    finally:
        stop_process(server)
        _keep_logs(workdir, keep_logs)
        shutil.rmtree(workdir, ignore_errors=True)


def run_scenario_b(
    users: int, duration_s: float, keep_logs: Path | None = None, think_s: float = DEFAULT_THINK_S
) -> dict[str, object]:
    """PostgreSQL + Redis + 2 app processes + 2 workers; 4 route plans and 2 rota generations meanwhile."""
    with several_processes(app_processes=2, workers=2, keep_logs=keep_logs) as cluster:
        logins = _logins(cluster.instance)
        base_urls = cluster.base_urls
        office = _office_clients(base_urls, logins, users)
        branches = sorted(name.split("-", 1)[1] for name in logins if name.startswith("coordinator-"))[:2]
        coordinators = [
            _sign_in(base_urls[n % 2], f"coordinator-{code}", logins[f"coordinator-{code}"])
            for n, code in enumerate(branches)
        ]
        offices = [
            _sign_in(base_urls[n % 2], f"office-{code}", logins[f"office-{code}"]) for n, code in enumerate(branches)
        ]
        route_plans = [
            (coordinator, url)
            for coordinator, office in zip(coordinators, offices)
            for url in _start_route_plans(coordinator, office, 2)
        ]
        jobs = [(coordinator, _start_rota(coordinator)) for coordinator in coordinators] + route_plans
        figures = _measure(office, jobs, duration_s, think_s)
        return {
            "scenario": "b: several processes (PostgreSQL, Redis, 2 app processes, 2 workers)",
            "command": f"python -m foodtrain.loadtest --scenario b --users {users} --duration-s {duration_s:g} "
            f"--think-s {think_s:g}",
            **figures,
        }


def _national_round(
    cluster: Cluster, day: date, workers: int, time_limit_s: int, worker_cpus: list[set[int] | None]
) -> dict[str, object]:
    """Queue every branch's plan of ``day`` at once and let ``workers`` worker processes plan them all;
    worker n runs on the CPUs ``worker_cpus[n]`` (None: any)."""
    import resource

    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from foodtrain.models import BackgroundJob, JobStatus, RoutePlan

    processes = cluster.start_workers(workers, cpus=worker_cpus, log_prefix=f"national-{workers}-worker")
    load_before = _uptime()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    job_ids = [
        int(line)
        for line in cluster.run_foodtrain(
            "plan-day", "--date", day.isoformat(), "--time-limit-s", str(time_limit_s)
        ).split()
    ]
    cpu_queueing = resource.getrusage(resource.RUSAGE_CHILDREN)
    engine = create_engine(cluster.database_url)
    try:
        deadline = time.monotonic() + 60 + len(job_ids) * (time_limit_s + 60)
        with Session(engine) as session:
            while True:
                jobs = session.scalars(select(BackgroundJob).where(BackgroundJob.id.in_(job_ids))).all()
                if all(job.finished_at is not None for job in jobs) or time.monotonic() > deadline:
                    break
                session.rollback()
                time.sleep(1)
            plan_ids = [json.loads(job.result_json or "{}").get("plan_id") for job in jobs]
            plans = session.scalars(select(RoutePlan).where(RoutePlan.id.in_([p for p in plan_ids if p]))).all()
            unplanned = sum(len(plan.unplanned) for plan in plans)
            planned_orders = sum(1 for plan in plans for stop in plan.stops if stop.kind == "delivery")
            first_queued = min(job.created_at for job in jobs)
            finished = [job.finished_at for job in jobs if job.finished_at is not None]
            figures: dict[str, object] = {
                "workers": workers,
                "worker_cpus": [sorted(cpus) if cpus else "any" for cpus in worker_cpus[:workers]] or "any",
                "jobs": len(jobs),
                "succeeded": sum(job.status is JobStatus.SUCCEEDED for job in jobs),
                "not_succeeded": [
                    f"job {job.id}: {job.status.value} {job.error_message}".strip()
                    for job in jobs
                    if job.status is not JobStatus.SUCCEEDED
                ],
                "total_s": round((max(finished) - first_queued).total_seconds(), 1) if finished else None,
                "job_run_s_median": round(
                    statistics.median(
                        (job.finished_at - job.started_at).total_seconds()
                        for job in jobs
                        if job.finished_at and job.started_at
                    ),
                    1,
                ),
                "orders_placed": planned_orders,
                "orders_unplanned": unplanned,
                "vans_used": sum(plan.vans_used for plan in plans),
                "drive_min": round(sum(plan.total_drive_min for plan in plans)),
            }
    finally:
        engine.dispose()
        cluster.stop(processes)
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    queueing_s = (cpu_queueing.ru_utime + cpu_queueing.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    figures["worker_cpu_s"] = round(
        (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_queueing.ru_utime + cpu_queueing.ru_stime), 1
    )
    figures["queueing_cpu_s"] = round(queueing_s, 1)
    figures["uptime_before"], figures["uptime_after"] = load_before, _uptime()
    return figures


def _worker_cpus(workers: int, one_core_each: bool) -> list[set[int] | None]:
    """One CPU of its own per worker (the CPUs this process may use, in order), or any CPU for each."""
    if not one_core_each:
        return [None] * workers
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < workers:
        raise SystemExit(f"--worker-cpus one-each needs {workers} CPUs; this process may use {len(allowed)}")
    return [{cpu} for cpu in allowed[:workers]]


def quality_within_noise(one: dict[str, object], two: dict[str, object]) -> bool:
    """Whether two runs' plans are equally good: left-out orders within QUALITY_UNPLANNED_TOLERANCE of all the
    orders, and driving minutes within QUALITY_DRIVE_TOLERANCE (placing fewer orders also drives less)."""
    orders = cast(int, one["orders_placed"]) + cast(int, one["orders_unplanned"])
    unplanned_gap = abs(cast(int, one["orders_unplanned"]) - cast(int, two["orders_unplanned"]))
    drive_one, drive_two = cast(int, one["drive_min"]), cast(int, two["drive_min"])
    return unplanned_gap <= QUALITY_UNPLANNED_TOLERANCE * orders and abs(
        drive_one - drive_two
    ) <= QUALITY_DRIVE_TOLERANCE * max(drive_one, drive_two)


def run_scenario_c(
    branches: int, time_limit_s: int, keep_logs: Path | None = None, one_core_each: bool = True
) -> dict[str, object]:
    """A national day: ``branches`` branches' delivery days queued at once, planned by 1 and then by 2 workers
    (PostgreSQL and Redis, as for several hosts). The same orders are planned both times with the same time
    limit and engine settings (the second run re-plans the day, as a coordinator pressing Plan again would).
    ``one_core_each``: each worker runs on a CPU of its own, so each plan gets the same CPU in both runs."""
    with several_processes(app_processes=0, workers=0, keep_logs=keep_logs) as cluster:
        day = branch_today() + timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        seeded = (
            cluster.run_foodtrain("seed-national-day", "--date", day.isoformat(), "--branches", str(branches))
            .strip()
            .splitlines()[-1]
        )
        runs = [
            _national_round(cluster, day, workers, time_limit_s, _worker_cpus(workers, one_core_each))
            for workers in (1, 2)
        ]
        one, two = runs
        speed_up = (
            round(cast(float, one["total_s"]) / cast(float, two["total_s"]), 2)
            if one["total_s"] and two["total_s"]
            else None
        )
        equal = quality_within_noise(one, two)
        return {
            "scenario": "c: a national day (PostgreSQL, Redis; every branch's route plan queued at once)",
            "command": f"python -m foodtrain.loadtest --scenario c --branches {branches} "
            f"--time-limit-s {time_limit_s} --worker-cpus {'one-each' if one_core_each else 'any'}",
            "date": branch_today().isoformat(),
            "delivery_day": day.isoformat(),
            "data": seeded,
            "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}",
            "search_processes_per_plan": _plan_search_workers(),
            "time_limit_s_per_plan": time_limit_s,
            "worker_niceness": os.environ.get("FOODTRAIN_WORKER_NICENESS", "10 (the default)"),
            "runs": runs,
            "quality": {
                f"{run['workers']} worker(s)": {
                    "orders_unplanned": run["orders_unplanned"],
                    "drive_min": run["drive_min"],
                    "vans": run["vans_used"],
                }
                for run in runs
            },
            "quality_within_noise": equal,
            "quality_tolerance": f"left-out orders within {QUALITY_UNPLANNED_TOLERANCE:.0%} of all orders, "
            f"driving within {QUALITY_DRIVE_TOLERANCE:.0%}",
            "speed_up_2_workers": speed_up,
            "speed_up_counts": bool(speed_up and equal),
            "load_average_after": " ".join(f"{value:.2f}" for value in os.getloadavg()),
        }


def _plan_search_workers() -> int:
    from foodtrain.services.planning.solving import PLAN_SEARCH_WORKERS

    return PLAN_SEARCH_WORKERS


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m foodtrain.loadtest", description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", choices=("a", "b", "c"), default="a")
    parser.add_argument("--branches", type=int, default=20, help="(c) branches whose day is planned.")
    parser.add_argument("--time-limit-s", type=int, default=10, help="(c) search time per branch's plan.")
    parser.add_argument("--users", type=int, help="Office users (default: 5 in a, 20 in b).")
    parser.add_argument("--duration-s", type=float, default=60)
    parser.add_argument(
        "--think-s",
        type=float,
        default=DEFAULT_THINK_S,
        help="(a, b) Each office user's pause before each page, on average (exponential, cut at "
        f"{THINK_CAP_FACTOR}x the mean; default %(default)s s; 0: none, back to back).",
    )
    parser.add_argument(
        "--worker-cpus",
        choices=("one-each", "any"),
        default="one-each",
        help="(c) one-each: each worker (and its search processes) on a CPU of its own, so each "
        "plan gets the same CPU with 1 and 2 workers; any: the workers share every CPU.",
    )
    parser.add_argument("--output", type=Path, help="Also write the figures here (JSON).")
    parser.add_argument("--keep-logs", type=Path, help="Copy the app's and workers' logs into this folder.")
    arguments = parser.parse_args(argv)
    if arguments.scenario == "a":
        figures = run_scenario_a(arguments.users or 5, arguments.duration_s, arguments.keep_logs, arguments.think_s)
    elif arguments.scenario == "c":
        figures = run_scenario_c(
            arguments.branches, arguments.time_limit_s, arguments.keep_logs, arguments.worker_cpus == "one-each"
        )
    else:
        figures = run_scenario_b(arguments.users or 20, arguments.duration_s, arguments.keep_logs, arguments.think_s)
    text = json.dumps(figures, indent=2)
    print(text)
    if isinstance(figures.get("pages"), dict):
        print(page_table(cast(dict[str, dict[str, object]], figures["pages"])), file=sys.stderr)
    if arguments.output:
        arguments.output.parent.mkdir(parents=True, exist_ok=True)
        arguments.output.write_text(text + "\n")


if __name__ == "__main__":
    main()
