"""`foodtrain serve` as a person runs it: a real process, stopped and started again on the same instance."""

from __future__ import annotations

import time
from pathlib import Path

import signal

from tests.serving import Browser, demo_login, start_serve, wait_until_gone


def test_serve_twice_on_the_same_instance_then_sign_in(tmp_path: Path) -> None:
    """The second start serves sign-in at once (it used to hang: a start-up read kept the write lock).

    Each start runs one job worker process beside it, which goes when the server stops (Ctrl+C)
    or dies (kill -9).
    """
    instance = tmp_path / "instance"
    first = start_serve(instance)
    try:
        assert Browser(first.url).get("/login")[0] == 200
        workers = first.children()
        assert len(workers) == 1
    finally:
        assert first.stop() in (0, -2, 130), first.log()
    assert wait_until_gone(workers, 15) == []
    password = demo_login(instance, "coordinator-dg")

    second = start_serve(instance, timeout_s=60)
    try:
        assert "Loaded the demo" not in second.log()  # running it again keeps the data
        assert f"Demo logins are in {instance / 'demo-logins.txt'}" in second.log()  # where they are, not "instance/"
        browser = Browser(second.url, timeout_s=12)  # the hang answered after 15 s
        started = time.monotonic()
        status, page = browser.sign_in("coordinator-dg", password)
        assert status == 200, page[:2000]
        assert "Sign out" in page or "sign out" in page.lower(), page[:2000]
        assert time.monotonic() - started < 12
        assert browser.get("/customers/")[0] == 200
        workers = second.children()
        second.process.send_signal(signal.SIGKILL)
        second.process.wait(10)
        assert wait_until_gone(workers, 30) == [], "the worker outlived its killed server"
    finally:
        second.stop()
