"""Production mode: shared secrets from the environment, a trusted proxy, and the health check."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from foodtrain.config import TestConfig
from tests.serving import FOODTRAIN, environment, free_port
from web import create_app


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_production_refuses_to_start_without_its_secrets(tmp_path: Path, command: str) -> None:
    """Without SECRET_KEY, FOODTRAIN_ENCRYPTION_KEY and DATABASE_URL it names them, exits, and makes up no keys."""
    instance = tmp_path / "instance"
    env = environment(instance, SECRET_KEY="", FOODTRAIN_ENCRYPTION_KEY="")
    result = subprocess.run([FOODTRAIN, command, "--production"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    for name in ("SECRET_KEY", "FOODTRAIN_ENCRYPTION_KEY", "DATABASE_URL"):
        assert name in result.stderr
    assert not (instance / "secret_key").exists() and not (instance / "encryption_key").exists()

    partial = environment(instance, SECRET_KEY="s" * 40, FOODTRAIN_ENCRYPTION_KEY=TestConfig.ENCRYPTION_KEY)
    result = subprocess.run(
        [FOODTRAIN, command, "--production", *(["--port", str(free_port())] if command == "serve" else [])],
        env=partial,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "DATABASE_URL" in result.stderr and "SECRET_KEY" not in result.stderr


def _app(tmp_path: Path, **settings: object):
    from foodtrain.cli import migrate_database

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}", **settings}, instance_path=str(tmp_path)
    )
    with app.app_context():
        migrate_database()
    return app


FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "food.example.org"}


def test_behind_a_trusted_tls_proxy_hsts_is_sent_and_the_client_address_is_known(tmp_path: Path) -> None:
    """With PROXY_HOPS=1 the forwarded scheme and address are believed: HSTS is sent, the real address is seen."""
    app = _app(tmp_path, PROXY_HOPS=1)
    seen: dict[str, str] = {}

    @app.before_request
    def _remember() -> None:
        from flask import request

        seen["remote_addr"] = request.remote_addr or ""

    response = app.test_client().get("/login", headers=FORWARDED)
    assert "max-age" in response.headers.get("Strict-Transport-Security", "")
    assert seen["remote_addr"] == "203.0.113.7"


def test_without_trusted_proxies_forwarded_headers_are_ignored(tmp_path: Path) -> None:
    """PROXY_HOPS=0 (the default): a client cannot claim another address or HTTPS by sending headers."""
    app = _app(tmp_path)
    response = app.test_client().get("/login", headers=FORWARDED)
    assert "Strict-Transport-Security" not in response.headers


def test_health_reports_database_and_queue(tmp_path: Path) -> None:
    """/healthz: 200 with both ok; 503 naming the queue when the queue cannot be reached."""
    healthy = _app(tmp_path).test_client().get("/healthz")
    assert healthy.status_code == 200
    assert healthy.json["database"] == "ok" and healthy.json["queue"] == "ok" and healthy.json["queued_jobs"] == 0

    other = tmp_path / "other"
    other.mkdir()
    broken = _app(other, QUEUE_URL=f"redis://127.0.0.1:{free_port()}/0").test_client().get("/healthz")
    assert broken.status_code == 503
    assert broken.json["database"] == "ok" and broken.json["queue"].startswith("unreachable")
