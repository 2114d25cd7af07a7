"""Online backup while writes go on, and a restore drill: integrity, foreign keys, row counts."""

from __future__ import annotations

import threading
from pathlib import Path
import time

from sqlalchemy import create_engine, text

from foodtrain.backup import backup_database, check_database, restore_database
from foodtrain.extensions import db
from tests.conftest import requires_postgres
from tests.factories import make_branch, make_customer, make_order


def _prepare(app) -> int:
    with app.app_context():
        branch = make_branch(db.session)
        order_id = make_order(db.session, make_customer(db.session, branch), crates=0).id
        db.session.commit()
        return order_id


def _writer(app, order_id: int, stop: threading.Event, counter: list[int]) -> None:
    """Each transaction adds one audit row and one crate: a consistent snapshot has as many of each."""
    with app.app_context():
        while not stop.is_set():
            db.session.execute(
                text(
                    "INSERT INTO audit_events (occurred_at, username, action, entity_type, detail, "
                    "remote_address) VALUES (CURRENT_TIMESTAMP, 'drill', 'drill', '', '', '')"
                )
            )
            db.session.execute(text("UPDATE orders SET crates = crates + 1 WHERE id = :id"), {"id": order_id})
            db.session.commit()
            counter[0] += 1
        db.session.remove()


def _snapshot_is_consistent(url: str, order_id: int) -> bool:
    engine = create_engine(url)
    with engine.connect() as connection:
        audits = connection.execute(text("SELECT count(*) FROM audit_events WHERE action = 'drill'")).scalar_one()
        crates = connection.execute(text("SELECT crates FROM orders WHERE id = :id"), {"id": order_id}).scalar_one()
    engine.dispose()
    return audits == crates


def _drill(app, backup_paths, restore_url_for) -> None:
    """Back up repeatedly while 3 writers commit, then restore each backup and check it."""
    order_id = _prepare(app)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    stop, counter = threading.Event(), [0]
    writers = [threading.Thread(target=_writer, args=(app, order_id, stop, counter)) for _ in range(3)]
    for writer in writers:
        writer.start()
    time.sleep(0.2)
    try:
        for path in backup_paths:
            backup_database(url, path)
    finally:
        stop.set()
        for writer in writers:
            writer.join()
    inconsistent, integrity_errors, rows = 0, 0, 0
    for index, path in enumerate(backup_paths):
        target_url = restore_url_for(index)
        restore_database(path, target_url)
        report = check_database(target_url)
        integrity_errors += len(report.integrity_errors) + len(report.foreign_key_errors)
        inconsistent += 0 if _snapshot_is_consistent(target_url, order_id) else 1
        rows += sum(report.row_counts.values())
        assert report.row_counts["customers"] == 1 and report.row_counts["orders"] == 1
    print(
        f"\nbackup: {len(backup_paths)} online backups during {counter[0]} concurrent writes; "
        f"restore drill rows={rows}, integrity/foreign-key errors={integrity_errors}, inconsistent snapshots={inconsistent}"
    )
    assert counter[0] > 0
    assert integrity_errors == 0 and inconsistent == 0


def test_sqlite_online_backup_and_restore_drill(app, tmp_path) -> None:
    paths = [tmp_path / f"backup-{index}.sqlite3" for index in range(5)]
    _drill(app, paths, lambda index: f"sqlite:///{tmp_path / f'restored-{index}.sqlite3'}")
    assert all(oct(path.stat().st_mode)[-3:] == "600" for path in paths)


@requires_postgres
def test_postgres_backup_and_restore_drill(postgres_app, tmp_path) -> None:
    """pg_dump while writes go on, pg_restore into the same server's fresh databases."""
    from sqlalchemy.engine import make_url

    base = make_url(postgres_app.config["SQLALCHEMY_DATABASE_URI"])
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    names = [f"{base.database}_r{index}" for index in range(2)]
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _drill(
            postgres_app,
            [tmp_path / f"b{index}.pgdump" for index in range(2)],
            lambda index: base.set(database=names[index]).render_as_string(hide_password=False),
        )
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_restore_refuses_a_damaged_file(app, tmp_path) -> None:
    import pytest

    from foodtrain.backup import BackupError

    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(BackupError):
        restore_database(damaged, app.config["SQLALCHEMY_DATABASE_URI"])
    with pytest.raises(BackupError, match="No backup file"):
        restore_database(tmp_path / "missing.sqlite3", app.config["SQLALCHEMY_DATABASE_URI"])


def test_backup_and_check_commands(app, tmp_path) -> None:
    _prepare(app)
    runner = app.test_cli_runner()
    output = tmp_path / "cli-backup.sqlite3"
    result = runner.invoke(args=["backup", "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert output.exists()
    refused = runner.invoke(args=["restore", str(output)])
    assert refused.exit_code != 0 and "--yes" in refused.output
    restored = runner.invoke(args=["restore", str(output), "--yes"])
    assert restored.exit_code == 0 and "integrity ok" in restored.output, restored.output
    checked = runner.invoke(args=["check-db"])
    assert checked.exit_code == 0 and "integrity ok" in checked.output


def test_purge_backups_deletes_only_old_backup_files(app) -> None:
    """Backups older than the retention are deleted (the command too); newer ones and other files stay."""
    import os
    import time

    from foodtrain.backup import BACKUP_RETENTION_DAYS, purge_backups

    directory = Path(app.instance_path) / "backups"
    directory.mkdir(parents=True, exist_ok=True)
    old, new, other = directory / "foodtrain-old.sqlite3", directory / "foodtrain-new.sqlite3", directory / "notes.txt"
    for path in (old, new, other):
        path.write_text("x")
    long_ago = time.time() - (BACKUP_RETENTION_DAYS + 1) * 86_400
    os.utime(old, (long_ago, long_ago))
    os.utime(other, (long_ago, long_ago))
    assert purge_backups(directory, BACKUP_RETENTION_DAYS, time.time(), dry_run=True) == [old] and old.exists()
    result = app.test_cli_runner().invoke(args=["purge-backups"])
    assert result.exit_code == 0 and "Deleted 1 backups" in result.output, result.output
    assert not old.exists() and new.exists() and other.exists()
