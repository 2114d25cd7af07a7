"""Online backups, restores and integrity checks, for SQLite and PostgreSQL.

SQLite is copied with its online backup API (a consistent snapshot while writes
go on), never as a plain file copy of a live database. PostgreSQL uses
pg_dump/pg_restore.
"""

from __future__ import annotations

import glob
import shutil
import sqlite3
import subprocess  # pg_dump/pg_restore with argument lists, never a shell  # nosec B404
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, inspect, select, func, table, text
from sqlalchemy.engine import URL, make_url

from foodtrain.database import create_private_file


class BackupError(RuntimeError):
    """The backup or restore could not be done; the message says why."""


@dataclass(frozen=True)
class IntegrityReport:
    integrity_errors: list[str]
    foreign_key_errors: list[str]
    row_counts: dict[str, int]

    @property
    def ok(self) -> bool:
        return not self.integrity_errors and not self.foreign_key_errors


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(url.database)


def _libpq_url(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian package postgresql-client).")
    return found


def backup_database(database_url: str, destination: Path) -> Path:
    """Write a consistent backup of the live database to `destination` (made atomically)."""
    url = make_url(database_url)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url), timeout=30)
        create_private_file(partial)  # never readable by others, not even while it is written
        target = sqlite3.connect(partial)
        try:
            source.backup(target, pages=256)
        finally:
            target.close()
            source.close()
    elif url.get_backend_name() == "postgresql":
        result = subprocess.run(  # a fixed tool and an argument list  # nosec B603
            [_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={partial}", _libpq_url(url)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            partial.unlink(missing_ok=True)
            raise BackupError(f"pg_dump failed: {result.stderr.strip()[:500]}")
    else:
        raise BackupError(f"Backups of {url.get_backend_name()} databases are not supported.")
    partial.replace(destination)
    destination.chmod(0o600)
    return destination


def restore_database(backup_file: Path, database_url: str) -> None:
    """Replace the database's contents with the backup (stop the app first)."""
    if not backup_file.is_file():
        raise BackupError(f"No backup file at {backup_file}.")
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(backup_file)
        try:
            try:
                problems = source.execute("PRAGMA integrity_check").fetchall()
            except sqlite3.DatabaseError as error:
                raise BackupError(f"{backup_file} is not a readable SQLite backup ({error}).") from error
            if problems != [("ok",)]:
                raise BackupError(f"The backup file is damaged: {problems[:3]}")
            target = sqlite3.connect(_sqlite_path(url), timeout=30)
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
    elif url.get_backend_name() == "postgresql":
        result = subprocess.run(  # a fixed tool and an argument list  # nosec B603
            [
                _pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={_libpq_url(url)}",
                str(backup_file),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()[:500]}")
    else:
        raise BackupError(f"Restores of {url.get_backend_name()} databases are not supported.")


def check_database(database_url: str) -> IntegrityReport:
    """Integrity and foreign-key checks, and the number of rows in every table."""
    engine = create_engine(database_url)
    try:
        integrity_errors: list[str] = []
        foreign_key_errors: list[str] = []
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                integrity = [row[0] for row in connection.execute(text("PRAGMA integrity_check"))]
                integrity_errors = [] if integrity == ["ok"] else integrity
                foreign_key_errors = [str(tuple(row)) for row in connection.execute(text("PRAGMA foreign_key_check"))]
            names = inspect(connection).get_table_names()
            row_counts = {
                name: connection.execute(select(func.count()).select_from(table(name))).scalar_one()
                for name in sorted(names)
            }
        return IntegrityReport(integrity_errors, foreign_key_errors, row_counts)
    finally:
        engine.dispose()


# Backups hold everything, erased people included: they are kept this long, then purged, so an erasure
# reaches every copy within BACKUP_RETENTION_DAYS (documented in the README's Trust section).
BACKUP_RETENTION_DAYS = 35
BACKUP_PATTERNS = ("foodtrain-*.sqlite3", "foodtrain-*.pgdump")


def purge_backups(directory: Path, keep_days: int, now_s: float, dry_run: bool = False) -> list[Path]:
    """Delete backup files in `directory` older than `keep_days` (by modification time); returns them."""
    if keep_days < 1:
        raise ValueError("keep_days: keep backups for at least one day")
    if not directory.is_dir():
        return []
    cutoff_s = now_s - keep_days * 86_400
    old = sorted(
        path
        for pattern in BACKUP_PATTERNS
        for path in directory.glob(pattern)
        if path.is_file() and path.stat().st_mtime < cutoff_s
    )
    if not dry_run:
        for path in old:
            path.unlink()
    return old
