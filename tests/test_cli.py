"""The `foodtrain` admin commands."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from foodtrain.extensions import db
from foodtrain.models import Customer, User


def test_init_db_is_idempotent(app) -> None:
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
        assert "Database ready" in result.output


def test_seed_demo_loads_once_and_writes_logins(app) -> None:
    """seed-demo fills an empty database and prints logins; a second run refuses and changes nothing."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "coordinator-dg" in result.output and "admin" in result.output
    assert (Path(app.instance_path) / "demo-logins.txt").stat().st_mode & 0o077 == 0
    with app.app_context():
        customers = db.session.scalar(select(func.count()).select_from(Customer))
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 1 and "already has data" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Customer)) == customers


def test_create_user_checks_password_and_branch(demo_app) -> None:
    runner = demo_app.test_cli_runner()
    weak = runner.invoke(
        args=["create-user", "--username", "Jean", "--role", "office", "--branch", "DG", "--password", "short"]
    )
    assert weak.exit_code != 0 and "at least 12" in weak.output
    no_branch = runner.invoke(
        args=[
            "create-user",
            "--username",
            "jean",
            "--role",
            "office",
            "--branch",
            "XX",
            "--password",
            "a kettle on the stove",
        ]
    )
    assert no_branch.exit_code != 0 and "no branch" in no_branch.output
    ok = runner.invoke(
        args=[
            "create-user",
            "--username",
            "Jean",
            "--role",
            "office",
            "--branch",
            "dg",
            "--password",
            "a kettle on the stove",
        ]
    )
    assert ok.exit_code == 0, ok.output
    with demo_app.app_context():
        user = db.session.scalar(select(User).where(User.username == "jean"))
        assert user is not None and user.branch.code == "DG"


def test_geocode_known_unknown_and_malformed(app) -> None:
    runner = app.test_cli_runner()
    known = runner.invoke(args=["geocode", "dg12bd"])
    assert known.exit_code == 0 and known.output.startswith("DG1 2BD\t55.0")
    unknown = runner.invoke(args=["geocode", "ZE9 9ZZ"])
    assert unknown.exit_code != 0 and "latitude" in unknown.output.lower()
    malformed = runner.invoke(args=["geocode", "not a postcode"])
    assert malformed.exit_code != 0 and "Traceback" not in malformed.output


def test_production_never_loads_or_prints_demo_users(app, capsys) -> None:
    """FOODTRAIN_ENV=production: seed-demo refuses, and the start-up path loads and prints nothing."""
    from foodtrain.cli import load_demo_if_empty, print_demo_logins

    app.config["PRODUCTION"] = True
    (Path(app.instance_path) / "demo-logins.txt").write_text("admin\tsecret words\tadmin\tall\n")
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "never loaded" in result.output
    with app.app_context():
        assert load_demo_if_empty() is False
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
        capsys.readouterr()
        print_demo_logins()
    assert "secret words" not in capsys.readouterr().out


def test_database_files_are_private(tmp_path) -> None:
    """The SQLite database and its WAL and shared-memory files are mode 0600, also if made world-readable before."""
    import os

    from web import create_app

    database = tmp_path / "live.sqlite3"
    database.touch(mode=0o644)
    os.chmod(database, 0o644)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"}, instance_path=str(tmp_path))
    with app.app_context():
        from foodtrain.cli import migrate_database

        migrate_database()
        db.session.execute(db.text("SELECT 1"))
        modes = {path.name: oct(path.stat().st_mode & 0o777) for path in tmp_path.glob("live.sqlite3*")}
        db.session.remove()
        db.engine.dispose()
    assert modes and set(modes.values()) == {"0o600"}, modes
    assert any(name.endswith("-wal") for name in modes), modes


def test_serve_on_a_busy_port_says_so_without_a_traceback(app, monkeypatch) -> None:
    """A port already in use gives one clear message (and exit code 1), never 'running at' then a traceback."""
    import socket

    import web.cli

    for name in ("migrate_database", "load_demo_if_empty", "print_demo_logins"):
        monkeypatch.setattr(web.cli, name, lambda: None)
    monkeypatch.setattr("foodtrain.jobs.fail_interrupted_jobs", lambda session: None)
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    try:
        port = busy.getsockname()[1]
        result = app.test_cli_runner().invoke(web.cli.serve_command, ["--port", str(port)])
    finally:
        busy.close()
    assert result.exit_code == 1 and "Cannot listen on 127.0.0.1:" in result.output
    assert "running at" not in result.output and "Traceback" not in result.output
