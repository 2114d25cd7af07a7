"""Configuration, read from the environment in one place (and only when asked)."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


def _secret_key(instance_path: Path) -> str:
    """The session-signing key: SECRET_KEY, else a random key kept in the instance folder."""
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _encryption_key(instance_path: Path) -> str:
    """The key for encrypted fields: FOODTRAIN_ENCRYPTION_KEY, else a key file in the instance folder."""
    from_env = os.environ.get("FOODTRAIN_ENCRYPTION_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "encryption_key"
    if not key_file.exists():
        from foodtrain.encryption import FieldCipher

        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_bytes(FieldCipher.new_key())
        key_file.chmod(0o600)
    return key_file.read_text().strip()


PRODUCTION_REQUIRED_ENVIRONMENT = ("SECRET_KEY", "FOODTRAIN_ENCRYPTION_KEY", "DATABASE_URL")


class ProductionConfigError(Exception):
    """Production mode was asked for without the settings every host must share."""


def check_production_environment() -> None:
    """Production: the keys and the database come from the environment (the same on every host), never
    from files an instance folder made up on its own. Raises with the names that are missing."""
    missing = [name for name in PRODUCTION_REQUIRED_ENVIRONMENT if not os.environ.get(name)]
    if missing:
        raise ProductionConfigError(
            f"Production mode needs {', '.join(missing)} in the environment, the same on every host "
            "(see docs/deploy.md); refusing to start."
        )


def _worker_niceness() -> int:
    text = os.environ.get("FOODTRAIN_WORKER_NICENESS", str(Config.WORKER_NICENESS)).strip()
    if not text.isdigit() or int(text) > 19:
        raise ValueError(f"FOODTRAIN_WORKER_NICENESS: give a CPU niceness from 0 (same as the web) to 19, not {text!r}")
    return int(text)


def job_heartbeat_interval_s() -> float:
    """How often a worker stamps the job it runs: FOODTRAIN_JOB_HEARTBEAT_S seconds (default 5). A job silent
    for four beats has lost its worker and is started again; shorter beats find a dead worker sooner, at one
    small write per beat."""
    text = os.environ.get("FOODTRAIN_JOB_HEARTBEAT_S", "5").strip() or "5"
    try:
        seconds = float(text) if text.isascii() else float("nan")  # float() would take full-width digits
    except ValueError:
        seconds = float("nan")
    if not 0.5 <= seconds <= 60:  # also refuses nan and inf
        raise ValueError(
            f"FOODTRAIN_JOB_HEARTBEAT_S: give the seconds between a job's heartbeats, from 0.5 to 60, not {text!r}"
        )
    return seconds


def _proxy_hops() -> int:
    text = os.environ.get("FOODTRAIN_PROXY_HOPS", "0").strip() or "0"
    if not text.isdigit():
        raise ValueError(f"FOODTRAIN_PROXY_HOPS: give the number of trusted proxies in front (0, 1, 2…), not {text!r}")
    return int(text)


class Config:
    """Production defaults: SQLite in the instance folder unless DATABASE_URL says otherwise."""

    TESTING = False
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLITE_BUSY_TIMEOUT_MS = 15_000
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set FOODTRAIN_HTTPS=1 behind TLS
    SESSION_COOKIE_NAME = "foodtrain_session"
    REMEMBER_COOKIE_HTTPONLY = True
    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCKOUT = timedelta(minutes=15)
    VOLUNTEER_HOUR_VALUE_PENCE = 1010  # the case study values an hour at £10.10
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    PASSWORD_HASH_TIME_COST = 3
    JOBS_RUN_INLINE = False  # tests run background jobs to the end inside the request
    QUEUE_URL: str | None = None  # None: a SQLite queue file in the instance folder; or redis://host:port/db
    PRODUCTION = False  # FOODTRAIN_ENV=production: never load or print demo users
    PROXY_HOPS = 0  # trusted reverse proxies in front (X-Forwarded-For/-Proto/-Host are believed this many deep)
    # Job workers (and the search processes they start) run at this CPU niceness (0-19), so that on a box shared
    # with the web server office pages win the cores over the solvers; a worker-only host loses nothing by it.
    WORKER_NICENESS = 10
    MAP_TILE_URLS: dict[
        str, str
    ] = {}  # branch code -> its own tile server (FOODTRAIN_MAP_TILE_URLS); none: offline map
    COUNT_SQL_STATEMENTS = False  # FOODTRAIN_COUNT_SQL_STATEMENTS=1: each answer says its SQL statements (load test)

    @classmethod
    def from_environment(cls, instance_path: Path) -> dict[str, object]:
        """Settings for this installation: class defaults overlaid with the environment."""
        settings = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
        default_sqlite = f"sqlite:///{instance_path / 'foodtrain.sqlite3'}"
        settings["SQLALCHEMY_DATABASE_URI"] = _normalise_database_url(os.environ.get("DATABASE_URL", default_sqlite))
        settings["SECRET_KEY"] = _secret_key(instance_path)
        settings["ENCRYPTION_KEY"] = _encryption_key(instance_path)
        settings["QUEUE_URL"] = os.environ.get("FOODTRAIN_QUEUE_URL") or None
        settings["PRODUCTION"] = os.environ.get("FOODTRAIN_ENV", "").strip().lower() == "production"
        settings["PROXY_HOPS"] = _proxy_hops()
        settings["WORKER_NICENESS"] = _worker_niceness()
        settings["COUNT_SQL_STATEMENTS"] = os.environ.get("FOODTRAIN_COUNT_SQL_STATEMENTS") == "1"
        from foodtrain.route_map import parse_tile_urls  # the rule for a tile address lives with the map

        settings["MAP_TILE_URLS"] = parse_tile_urls(os.environ.get("FOODTRAIN_MAP_TILE_URLS", ""))
        if os.environ.get("FOODTRAIN_HTTPS") == "1":
            settings["SESSION_COOKIE_SECURE"] = True
            settings["REMEMBER_COOKIE_SECURE"] = True
            settings["PREFERRED_URL_SCHEME"] = "https"
        return settings


class TestConfig(Config):
    """Tests: a throwaway database given by the test, fast password hashing."""

    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    ENCRYPTION_KEY = "dGVzdC1lbmNyeXB0aW9uLWtleS0zMmJ5dGVzLW9rISE="  # 32 bytes, urlsafe base64; tests only
    PASSWORD_HASH_TIME_COST = 1
    JOBS_RUN_INLINE = True


def _normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the common way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
