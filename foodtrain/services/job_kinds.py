"""The app's background job kinds and their handlers, registered once by the app factory (web.create_app),
so that the web process, `foodtrain worker` and the inline runner of the tests all know the same kinds."""

from __future__ import annotations

from foodtrain.jobs import register_job_kind
from foodtrain.services.planning.storing import PLAN_JOB_KIND, run_plan_job
from foodtrain.services.rota.generate import GENERATE_JOB_KIND, generate_rota_job


def register_job_kinds() -> None:
    """Route planning of a day and rota generation of a month: the jobs the app queues."""
    register_job_kind(PLAN_JOB_KIND, run_plan_job)
    register_job_kind(GENERATE_JOB_KIND, generate_rota_job)
