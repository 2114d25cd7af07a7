"""Several processes on one machine, for the load figures of several hosts (scenarios b and c).

    with several_processes(app_processes=2, workers=2) as cluster:
        cluster.base_urls      # the app processes, e.g. ["http://127.0.0.1:41234", ...]
        cluster.env            # the environment they run with (DATABASE_URL, FOODTRAIN_QUEUE_URL, ...)
        more = cluster.start_workers(2, cpus=[{0}, {1}])
        cluster.stop(more)

Starts a private PostgreSQL server (Debian's binaries, as tests/run.sh does), a private Redis server,
``app_processes`` × `foodtrain serve --workers 0` and ``workers`` × `foodtrain worker`, each on a free port of
127.0.0.1 in a fresh temporary folder, and tears all of it down when the block is left in any way: normally,
by an exception, by Ctrl+C (SIGINT) or by SIGTERM; a second Ctrl+C during the tear-down is ignored so that
it finishes. Each child also asks the kernel for SIGTERM when this process dies (even by SIGKILL), so no app
process, worker or Redis server outlives it; the PostgreSQL server (started by pg_ctl, in a session of its
own) is stopped in the tear-down.

The first app process migrates the database and loads the demo if it is empty; ``seed`` (a `foodtrain`
command, e.g. ``("seed-national-day", "--date", ...)``) is run before any app process, and a seeded database
is not empty, so no demo is loaded then.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from foodtrain import processes

APP_START_TIMEOUT_S = 600  # the first app process loads the demo (and publishes its rota and routes)
WORKER_START_TIMEOUT_S = 300
STOP_TIMEOUT_S = 60
WORKER_READY_LINE = "runs jobs at CPU niceness"
APP_READY_LINE = "is running at"


def free_port() -> int:
    """A port of 127.0.0.1 nobody listens on now (the kernel's choice)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def foodtrain_command() -> str:
    """The `foodtrain` console script of this interpreter's environment."""
    return str(Path(sys.executable).with_name("foodtrain"))


def clean_environment(instance: Path, **extra: str) -> dict[str, str]:
    """This environment without the caller's foodtrain settings (so a developer's DATABASE_URL is never used),
    plus the instance folder and ``extra``. FOODTRAIN_WORKER_NICENESS is passed on, to compare side by side;
    FOODTRAIN_COUNT_SQL_STATEMENTS is set, so every answer says its SQL statements (the load test's table)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if (not key.startswith("FOODTRAIN_") or key == "FOODTRAIN_WORKER_NICENESS")
        and key not in ("DATABASE_URL", "SECRET_KEY")
    }
    env["FOODTRAIN_INSTANCE_PATH"] = str(instance)
    env["FOODTRAIN_COUNT_SQL_STATEMENTS"] = "1"  # each answer says its SQL statements (the per-page table)
    env.update(extra)
    return env


def _child_setup(cpus: set[int] | None) -> Callable[[], None]:
    """Run in the child between fork and exec: SIGTERM when this process dies (Linux), and the CPUs it may use."""
    with_parent = processes.terminate_with_parent()

    def setup() -> None:
        if with_parent is not None:
            with_parent()
        if cpus:
            os.sched_setaffinity(0, cpus)

    return setup


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres user then (as tests/run.sh does)."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def postgres_binaries() -> str | None:
    """The newest Debian PostgreSQL bin folder, or None when PostgreSQL is not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda path: int(Path(path).parent.name))
    return found[-1] if found else None


def redis_server() -> str | None:
    """Debian's redis-server, or None when it is not installed."""
    found = shutil.which("redis-server") or "/usr/bin/redis-server"
    return found if os.path.exists(found) else None


def _wait_for_line(process: subprocess.Popen, log_path: Path, line: str, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while line not in log_path.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start:\n" + log_path.read_text(errors="replace")[-4000:])
        time.sleep(0.2)


def stop_process(process: subprocess.Popen, timeout_s: float = STOP_TIMEOUT_S) -> None:
    """foodtrain.processes.stop_process with the load test's patience."""
    processes.stop_process(process, timeout_s)


@dataclass
class Cluster:
    """What `several_processes` started: URLs, environment, and the processes, for the tear-down."""

    workdir: Path
    instance: Path
    env: dict[str, str]
    database_url: str
    queue_url: str
    base_urls: list[str] = field(default_factory=list)
    processes: list[subprocess.Popen] = field(default_factory=list)
    postgres_data: Path | None = None

    def run_foodtrain(self, *arguments: str) -> str:
        """Run a `foodtrain` command against this cluster's database and queue; returns its output."""
        done = subprocess.run(
            [foodtrain_command(), *arguments], env=self.env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"foodtrain {' '.join(arguments)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def start_app_process(self) -> str:
        """One more `foodtrain serve --workers 0` (8 threads); returns its URL once it answers."""
        number, port = len(self.base_urls), free_port()
        log_path = self.workdir / f"serve-{number}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [foodtrain_command(), "serve", "--port", str(port), "--threads", "8", "--workers", "0"],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                start_new_session=True,
                preexec_fn=_child_setup(None),
            )  # noqa: PLW1509 - prctl and affinity only
        self.processes.append(process)
        _wait_for_line(process, log_path, APP_READY_LINE, APP_START_TIMEOUT_S, f"foodtrain serve {number}")
        self.base_urls.append(f"http://127.0.0.1:{port}")
        return self.base_urls[-1]

    def start_workers(
        self, count: int, cpus: Sequence[set[int] | None] = (), log_prefix: str = "worker"
    ) -> list[subprocess.Popen]:
        """``count`` × `foodtrain worker`, returned once each takes jobs (start-up is not counted in a figure).
        ``cpus[n]``: the CPUs worker n (and the search processes it forks) may run on; none given: any."""
        started: list[tuple[subprocess.Popen, Path]] = []
        for number in range(count):
            log_path = self.workdir / f"{log_prefix}-{len(self.processes)}.log"
            with log_path.open("wb") as log:
                process = subprocess.Popen(
                    [foodtrain_command(), "worker"],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=self.env,
                    start_new_session=True,
                    preexec_fn=_child_setup(cpus[number] if number < len(cpus) else None),
                )  # noqa: PLW1509
            self.processes.append(process)
            started.append((process, log_path))
        for process, log_path in started:
            _wait_for_line(process, log_path, WORKER_READY_LINE, WORKER_START_TIMEOUT_S, "foodtrain worker")
        return [process for process, _log_path in started]

    def stop(self, processes: Sequence[subprocess.Popen]) -> None:
        """Stop these processes (workers finish their running jobs first)."""
        for process in processes:
            stop_process(process)


@contextlib.contextmanager
def _torn_down_on_sigterm() -> Iterator[None]:
    """Within the block, SIGTERM ends it as Ctrl+C does (so the tear-down runs); only in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(_signal_number: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _uninterrupted() -> Iterator[None]:
    """Ctrl+C and SIGTERM are ignored meanwhile (a tear-down cut short would leave servers behind)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.signal(number, signal.SIG_IGN) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _start_postgres(cluster_dir: Path) -> tuple[Path, str, str]:
    """initdb and pg_ctl start on a free port (trust, no fsync: a throwaway server); returns (data, bin, URL)."""
    pg_bin = postgres_binaries()
    if pg_bin is None:
        raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    directory, port = cluster_dir / "postgres", free_port()
    directory.mkdir()
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    data = directory / "data"
    subprocess.run(
        _as_postgres([f"{pg_bin}/initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"]),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        _as_postgres(
            [
                f"{pg_bin}/pg_ctl",
                "-D",
                str(data),
                "-l",
                str(directory / "server.log"),
                "-w",
                "-o",
                f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
                "start",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        _as_postgres([f"{pg_bin}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "foodtrain"]),
        check=True,
    )
    return data, pg_bin, f"postgresql+psycopg://postgres@127.0.0.1:{port}/foodtrain"


def _stop_postgres(data: Path) -> None:
    pg_bin = postgres_binaries()
    if pg_bin is None or not (data / "postmaster.pid").exists():
        return
    for mode in ("fast", "immediate"):
        stopped = subprocess.run(
            _as_postgres([f"{pg_bin}/pg_ctl", "-D", str(data), "-m", mode, "-t", "60", "-w", "stop"]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        if stopped.returncode == 0 or not (data / "postmaster.pid").exists():
            return


def _start_redis(cluster: Cluster) -> subprocess.Popen:
    server = redis_server()
    if server is None:
        raise RuntimeError("redis-server is not installed (Debian: apt-get install redis-server)")
    directory = cluster.workdir / "redis"
    directory.mkdir()
    port = int(cluster.queue_url.rsplit(":", 1)[1].split("/")[0])
    process = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=_child_setup(None),
    )  # noqa: PLW1509 - prctl only
    cluster.processes.append(process)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start") from None
            time.sleep(0.1)


def _tear_down(cluster: Cluster, keep_logs: Path | None) -> None:
    """App processes and workers first (they use the database and queue), then Redis, then PostgreSQL."""
    for process in reversed(cluster.processes):
        stop_process(process)
    if cluster.postgres_data is not None:
        _stop_postgres(cluster.postgres_data)
    if keep_logs is not None:
        keep_logs.mkdir(parents=True, exist_ok=True)
        for log in [*cluster.workdir.glob("*.log"), *cluster.workdir.glob("postgres/server.log")]:
            shutil.copy(log, keep_logs / (log.name if log.parent == cluster.workdir else f"postgres-{log.name}"))
    shutil.rmtree(cluster.workdir, ignore_errors=True)


@contextlib.contextmanager
def several_processes(
    app_processes: int, workers: int, *, seed: Sequence[str] = (), keep_logs: Path | None = None, **environment: str
) -> Iterator[Cluster]:
    """PostgreSQL + Redis + ``app_processes`` app processes + ``workers`` workers, gone when the block ends.

    ``seed``: a `foodtrain` command run before the app processes start; ``environment``: extra variables for
    every process (e.g. FOODTRAIN_WORKER_NICENESS="0"); ``keep_logs``: a folder the logs are copied into.
    """
    workdir = Path(tempfile.mkdtemp(prefix="foodtrain-cluster-"))
    # the postgres user (not in our group) passes through to its own folder; it cannot list this one
    os.chmod(workdir, 0o701)  # nosec B103: traverse-only for others on a throwaway load-test folder
    cluster = Cluster(
        workdir=workdir,
        instance=workdir / "instance",
        env={},
        database_url="",
        queue_url=f"redis://127.0.0.1:{free_port()}/0",
    )
    with _torn_down_on_sigterm():
        try:
            cluster.postgres_data = workdir / "postgres" / "data"
            cluster.postgres_data, _pg_bin, cluster.database_url = _start_postgres(workdir)
            _start_redis(cluster)
            cluster.env = clean_environment(
                cluster.instance,
                DATABASE_URL=cluster.database_url,
                FOODTRAIN_QUEUE_URL=cluster.queue_url,
                PYTHONUNBUFFERED="1",
                **environment,
            )
            if seed:
                cluster.run_foodtrain(*seed)
            for _number in range(app_processes):  # one after the other: the first migrates (and loads the demo)
                cluster.start_app_process()
            cluster.start_workers(workers)
            yield cluster
        finally:
            with _uninterrupted():
                _tear_down(cluster, keep_logs)
