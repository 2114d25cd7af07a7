"""Database engine settings: SQLite tuned for durability and safe concurrent writes."""
from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

_HOLDS_WRITER_LOCK = "foodtrain_holds_writer_lock"


def configure_sqlite_engine(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, foreign keys, full sync, a busy timeout, and BEGIN IMMEDIATE for every transaction.

    Taking the write lock when a transaction begins means two requests that both
    read a row and then write it are serialised instead of one losing its update
    (or failing with "database is locked" on lock upgrade). Within one process the
    threads also queue on a Python lock first: SQLite's own busy handler polls with
    growing sleeps, so under contention an unlucky thread can starve past the
    timeout; a lock hands the database over as soon as it is free. Other
    processes (a CLI command next to the server) still wait on busy_timeout.
    Every transaction holds the lock until it ends: keep them short and commit
    before long work (see foodtrain.jobs).
    """
    if engine.dialect.name != "sqlite":
        return
    writer_lock = threading.Lock()
    timeout_s = busy_timeout_ms / 1000

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would defer it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        if not writer_lock.acquire(timeout=timeout_s):
            raise sqlite3.OperationalError("database is locked (another request held it too long)")
        connection.info[_HOLDS_WRITER_LOCK] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(connection)
            raise

    def _release(connection) -> None:  # type: ignore[no-untyped-def]
        if connection.info.pop(_HOLDS_WRITER_LOCK, False):
            writer_lock.release()

    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)


PRIVATE_FILE_MODE = 0o600
SQLITE_COMPANION_SUFFIXES = ("", "-wal", "-shm", "-journal")


def create_private_file(path: Path) -> None:
    """Create `path` (if missing) readable and writable by its owner only, before anything writes to it."""
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE_MODE))


def restrict_sqlite_file_modes(database_url: str) -> None:
    """The SQLite database and its WAL, shared-memory and journal files: mode 0600 (owner only).

    The file is made with that mode before SQLite opens it, and SQLite gives its WAL and
    shared-memory files the database file's mode; files made earlier are tightened here.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return
    path = Path(url.database)
    path.parent.mkdir(parents=True, exist_ok=True)
    create_private_file(path)
    for suffix in SQLITE_COMPANION_SUFFIXES:
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.chmod(PRIVATE_FILE_MODE)
