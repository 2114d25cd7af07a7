"""What /healthz reports: can this process reach the database and the job queue?"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from foodtrain.job_queue import JobQueue


@dataclass(frozen=True)
class Health:
    database: str  # "ok" or what went wrong
    queue: str
    queued_jobs: int | None

    @property
    def ok(self) -> bool:
        return self.database == "ok" and self.queue == "ok"


def check_health(session: Session, queue: JobQueue) -> Health:
    """One trivial query and one queue length; each failure named (no secrets: only the error's type)."""
    try:
        session.execute(text("SELECT 1"))
        session.rollback()
        database = "ok"
    except Exception as error:  # noqa: BLE001 - reported, not raised: the answer is the health
        session.rollback()
        database = f"unreachable ({type(error).__name__})"
    try:
        queued_jobs: int | None = queue.pending_count()
        queue_state = "ok"
    except Exception as error:  # noqa: BLE001 - as above
        queued_jobs, queue_state = None, f"unreachable ({type(error).__name__})"
    return Health(database, queue_state, queued_jobs)
