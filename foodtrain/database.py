"""Database engine settings: SQLite tuned for durability, concurrent reads and safe writes.

On SQLite (WAL journal) a transaction is one of two kinds, chosen when it begins:

- a *writing* transaction (the default: jobs, CLI commands, form posts) begins with
  ``BEGIN IMMEDIATE`` and so takes the write lock at once. Two of them that both read
  a row and then write it are serialised instead of one losing its update (or failing
  with "database is locked" on lock upgrade). Within one process they also queue on a
  Python lock first: SQLite's busy handler polls with growing sleeps, so under
  contention an unlucky thread could starve past the timeout; a lock hands the
  database over as soon as it is free. Other processes (the worker, a CLI command)
  wait on busy_timeout.
- a *reading* transaction (a GET request: see ``reading_transactions``) begins with a
  plain ``BEGIN`` and takes no lock: in WAL it reads a snapshot while a writer works.
  If it writes after all (a session's last-seen time), it takes the Python lock at its
  first write; should SQLite refuse the upgrade because another connection wrote since
  the snapshot was taken, ``is_stale_read_error`` recognises the error and the web
  layer runs the request again as a writing one.

Every transaction ends with its request or job: nothing may hold one open outside them.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url

_HOLDS_WRITER_LOCK = "foodtrain_holds_writer_lock"
_READING = "foodtrain_reading_transaction"
_reading_transactions: ContextVar[bool] = ContextVar("foodtrain_reading_transactions", default=False)
_WRITE_STATEMENT = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)
SQLITE_BUSY = 5


@contextmanager
def reading_transactions() -> Iterator[None]:
    """Transactions begun in this block (this thread or task) are reading ones: no write lock at BEGIN."""
    token = _reading_transactions.set(True)
    try:
        yield
    finally:
        _reading_transactions.reset(token)


def begin_reading_transactions() -> object:
    """Like ``reading_transactions`` for code with separate start and end hooks; pass the result to ``end_…``."""
    return _reading_transactions.set(True)


def end_reading_transactions(token: object) -> None:
    _reading_transactions.reset(token)  # type: ignore[arg-type]  # the token came from begin_reading_transactions (typed object there)


def is_stale_read_error(error: BaseException) -> bool:
    """SQLite refused to turn a reading transaction into a writing one ("database is locked" / busy snapshot)."""
    original = getattr(error, "orig", error)
    code = getattr(original, "sqlite_errorcode", None)
    return isinstance(original, sqlite3.OperationalError) and code is not None and code & 0xFF == SQLITE_BUSY


def configure_sqlite_engine(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, foreign keys, full sync, secure delete, a busy timeout; reading and writing transactions as described above."""
    if engine.dialect.name != "sqlite":
        return
    writer_lock = threading.Lock()
    timeout_s = busy_timeout_ms / 1000

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would defer it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = FULL")
        # Freed space is zeroed, so an erased value does not stay in the file (some builds default to off).
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.close()

    def _take_writer_lock(connection: Connection) -> None:
        if not writer_lock.acquire(timeout=timeout_s):
            raise sqlite3.OperationalError("database is locked (another request held it too long)")
        connection.info[_HOLDS_WRITER_LOCK] = True

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if _reading_transactions.get():
            connection.info[_READING] = True
            connection.exec_driver_sql("BEGIN")
            return
        _take_writer_lock(connection)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(connection)
            raise

    @event.listens_for(engine, "before_cursor_execute")
    def _before_write(
        connection: Connection,
        _cursor: object,
        statement: str,
        _parameters: object,
        _context: object,
        _executemany: bool,
    ) -> None:
        if (
            connection.info.get(_READING)
            and not connection.info.get(_HOLDS_WRITER_LOCK)
            and _WRITE_STATEMENT.match(statement)
        ):
            _take_writer_lock(connection)

    def _release(connection: Connection) -> None:
        connection.info.pop(_READING, None)
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
