"""Start `foodtrain serve` (or `foodtrain worker`) as a real process on a private port, and talk to it over HTTP."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

FOODTRAIN = str(Path(sys.executable).with_name("foodtrain"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def children(self) -> list[int]:
        """Process ids this server started (its job worker)."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def stop(self, timeout_s: float = 30) -> int:
        """Ctrl+C, as a person at the terminal would; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def environment(instance: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("FOODTRAIN_") and key not in ("DATABASE_URL", "SECRET_KEY")
    }
    env.update(FOODTRAIN_INSTANCE_PATH=str(instance), PYTHONUNBUFFERED="1", **extra)
    return env


def start_serve(instance: Path, *arguments: str, timeout_s: float = 240, **extra_env: str) -> Server:
    """`foodtrain serve` on a free port; returns once it says it is running (or fails with its log)."""
    port = free_port()
    log_path = instance.parent / f"{instance.name}-serve-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [FOODTRAIN, "serve", "--port", str(port), *arguments],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environment(instance, **extra_env),
        )
    server = Server(process, port, log_path)
    deadline = time.monotonic() + timeout_s
    while "is running at" not in server.log():
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise AssertionError(f"foodtrain serve did not start:\n{server.log()}")
        time.sleep(0.3)
    return server


class Browser:
    """A cookie-keeping HTTP client that fills in CSRF tokens like a browser posting a form."""

    def __init__(self, base_url: str, timeout_s: float = 20):
        self.base_url = base_url
        self.timeout_s = timeout_s
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base_url + path, timeout=self.timeout_s) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        _status, page = self.get(path)
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
        data = urllib.parse.urlencode({**fields, "csrf_token": token.group(1) if token else ""}).encode()
        try:
            with self.opener.open(self.base_url + path, data=data, timeout=self.timeout_s) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def sign_in(self, username: str, password: str) -> tuple[int, str]:
        return self.post("/login", {"username": username, "password": password})


def demo_login(instance: Path, username: str) -> str:
    """The generated password of a demo login, from instance/demo-logins.txt."""
    for line in (instance / "demo-logins.txt").read_text().splitlines():
        name, password, *_ = line.split("\t")
        if name == username:
            return password
    raise KeyError(username)


def wait_until_gone(pids: list[int], timeout_s: float) -> list[int]:
    """The pids still running (not zombies) after up to timeout_s."""
    deadline = time.monotonic() + timeout_s
    while True:
        alive = [pid for pid in pids if _running(pid)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.2)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"
