"""The several-process set-up of the load figures (foodtrain.loadtest_cluster): it starts, answers, and leaves
nothing behind, even when the block is left by Ctrl+C."""

from __future__ import annotations

import socket
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from foodtrain.loadtest_cluster import postgres_binaries, redis_server, several_processes

pytestmark = pytest.mark.skipif(
    postgres_binaries() is None or redis_server() is None,
    reason="needs Debian's postgresql and redis-server packages (tests/run.sh installs them)",
)


def _running(pid: int) -> bool:
    """Whether the process exists and is not a zombie (a zombie holds no port, file or CPU)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _listening(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=2).close()
    except OSError:
        return False
    return True


def test_a_small_cluster_answers_and_leaves_no_process_port_or_folder_after_ctrl_c() -> None:
    """1 app process and 1 worker on PostgreSQL and Redis: the app answers a page; when the block is left by
    Ctrl+C (KeyboardInterrupt), the app, the worker, Redis and the PostgreSQL server are all gone, their ports
    closed and the temporary folder removed."""
    seed = ("seed-national-day", "--date", "2026-12-08", "--branches", "1", "--customers", "5", "--vans", "1")
    seen: dict[str, object] = {}
    with pytest.raises(KeyboardInterrupt), several_processes(1, 1, seed=seed) as cluster:
        assert len(cluster.base_urls) == 1 and len(cluster.processes) == 3  # Redis, the app, the worker
        with urllib.request.urlopen(cluster.base_urls[0] + "/login", timeout=30) as answer:
            assert answer.status == 200 and b"password" in answer.read().lower()
        assert cluster.postgres_data is not None
        seen.update(
            pids=[process.pid for process in cluster.processes],
            postmaster=int((cluster.postgres_data / "postmaster.pid").read_text().split()[0]),
            urls=[*cluster.base_urls, cluster.queue_url, cluster.database_url.replace("+psycopg", "")],
            workdir=cluster.workdir,
        )
        assert all(_running(pid) for pid in [*seen["pids"], seen["postmaster"]])  # type: ignore[misc]  # seen, a dict of objects filled above: its pids are ints
        raise KeyboardInterrupt  # as Ctrl+C at the terminal
    assert not [pid for pid in [*seen["pids"], seen["postmaster"]] if _running(pid)]  # type: ignore[misc]  # seen, a dict of objects filled above: its pids are ints
    assert not [url for url in seen["urls"] if _listening(url)]  # type: ignore[attr-defined]  # seen, a dict of objects filled above: its urls are strings
    assert not Path(str(seen["workdir"])).exists()
