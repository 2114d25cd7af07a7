"""Browser tests: Debian's Chromium driven by Playwright against the app served on localhost.

Never a test tool's own browser download: Playwright launches /usr/bin/chromium.
tests/run.sh installs it and sets FOODTRAIN_REQUIRE_BROWSER=1, so there a missing
browser fails the run instead of skipping it. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def live_server(demo_app: Flask) -> Iterator[str]:
    """The demo app served by a real HTTP server on a free localhost port, its jobs run by a real
    `foodtrain worker` process on the same database and queue, as in production."""
    from werkzeug.serving import make_server

    from foodtrain.config import TestConfig
    from tests.serving import FOODTRAIN, environment

    demo_app.config["JOBS_RUN_INLINE"] = False
    instance = Path(demo_app.instance_path)
    env = environment(
        instance,
        DATABASE_URL=demo_app.config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY=TestConfig.SECRET_KEY,
        FOODTRAIN_ENCRYPTION_KEY=TestConfig.ENCRYPTION_KEY,
    )
    with (instance / "worker.log").open("ab") as log:
        worker = subprocess.Popen([FOODTRAIN, "worker"], stdout=log, stderr=subprocess.STDOUT, env=env)
    server = make_server("127.0.0.1", 0, demo_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


@pytest.fixture
def browser_page(live_server: str) -> Iterator:  # type: ignore[type-arg]  # Playwright's Page, imported only when the browser tests run
    """A fresh Chromium page (A4-ish desktop viewport) that fails the test on any CSP violation or page error."""
    chromium = _chromium_path()
    if chromium is None:
        if os.environ.get("FOODTRAIN_REQUIRE_BROWSER") == "1":
            pytest.fail("Debian's chromium is not installed (tests/run.sh installs it)")
        pytest.skip("Debian's chromium is not installed; tests/run.sh installs it")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="en-GB", timezone_id="Europe/London"
        )
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.on(
            "console",
            lambda message: (
                problems.append(message.text)
                if message.type == "error" and "Content Security Policy" in message.text
                else None
            ),
        )
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.live_server = live_server  # type: ignore[attr-defined]  # the live server's address rides on the page for the tests
        yield page
        context.close()
        browser.close()
    assert problems == [], f"browser console errors: {problems}"


def screenshot(page, name: str) -> Path:
    """Keep a full-page screenshot as a test artifact."""
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_accessibility_violations(page) -> list[str]:
    """axe-core (bundled by axe-playwright-python, offline) violations of impact serious or critical."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        f"{[node['target'] for node in violation['nodes']][:3]}"
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def sign_in_browser(page, username: str, password: str) -> None:
    page.goto(f"{page.live_server}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{page.live_server}/")


def click_and_wait(page, locator) -> None:
    """Click a button that submits a form and wait until the page it leads to has loaded.

    A plain click returns as soon as the click is sent: reading page.content() right after it can see the
    old page or a half-parsed new one (CI once saw the flash message but not the rest of the page)."""
    with page.expect_navigation(wait_until="load"):
        locator.click()
