"""The demo's current week, planned and published: this month's rota and the remaining delivery days' routes.

So that a newcomer sees the whole weekly cycle at once (a driver login has a round
and a delivery sheet). It goes through the same services as the web pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from foodtrain.jobs import get_job, run_job, submit_job
from foodtrain.models import Branch, JobStatus, User, Volunteer
from foodtrain.services.audit import SYSTEM
from foodtrain.services.planning import adjusting, reading, storing
from foodtrain.services.errors import ValidationError
from foodtrain.services.rota import GENERATE_JOB_KIND, get_rota, publish_rota, teams_for_date


@dataclass
class DemoSchedule:
    rota_ids: dict[str, int] = field(default_factory=dict)
    plan_ids: dict[str, list[int]] = field(default_factory=dict)  # published
    draft_plan_ids: dict[str, list[int]] = field(default_factory=dict)  # could not be published (reported why)


def _remaining_delivery_days(session: Session, branch_id: int, today: date) -> list[date]:
    """Days from today to Saturday that have open orders."""
    week_end = today + timedelta(days=5 - today.weekday()) if today.weekday() <= 5 else today
    days = []
    day = today
    while day <= week_end:
        if reading.open_orders(session, branch_id, day):
            days.append(day)
        day += timedelta(days=1)
    session.rollback()
    return days


def publish_demo_schedule(
    session_factory: sessionmaker,
    today: date,
    *,
    rota_time_limit_s: float = 3,
    route_time_limit_s: int = 1,
    report: Callable[[str], None] = lambda _message: None,
) -> DemoSchedule:
    """Draw up and publish this month's rota, then plan and publish the week's remaining delivery days.

    The searches are short (the first full rota and a day's first good routes come in well under a second):
    the first `foodtrain serve` is ready in about 25 s on 2 cores (measured; 38 s at 5 s and 3 s), and the
    coordinator can plan again for longer.
    """
    schedule = DemoSchedule()
    with session_factory() as session:
        branches = [(branch.id, branch.code) for branch in session.scalars(select(Branch).order_by(Branch.id))]
    for branch_id, code in branches:
        report(f"{code}: drawing up the rota for {today:%B %Y}…")
        with session_factory() as session:
            job_id = submit_job(
                session,
                branch_id=branch_id,
                kind=GENERATE_JOB_KIND,
                user_id=None,
                parameters={"month": f"{today.replace(day=1):%Y-%m-%d}", "time_limit_s": rota_time_limit_s},
            )
        run_job(session_factory, job_id)
        with session_factory() as session:
            job = get_job(session, job_id, branch_id)
            if job.status is not JobStatus.SUCCEEDED:
                raise RuntimeError(f"The demo rota for {code} could not be drawn up: {job.error_message}")
            rota_id = int(job.result["rota_id"])
            publish_rota(
                session,
                branch_id,
                rota_id,
                expected_version=get_rota(session, branch_id, rota_id).version,
                actor=SYSTEM,
            )
            schedule.rota_ids[code] = rota_id
            days = _remaining_delivery_days(session, branch_id, today)
        for day in days:
            report(f"{code}: planning the routes for {day:%A %-d %B}…")
            with session_factory() as session:
                plan_id = storing.plan_day(session, branch_id, day, time_limit_s=route_time_limit_s)
                try:
                    adjusting.publish_plan(session, branch_id, plan_id, None, SYSTEM, confirmed=True)
                except ValidationError as error:  # e.g. no van has a full team that day: the draft stays
                    session.rollback()
                    report(f"{code}: the routes for {day:%A %-d %B} are left as a draft: {error}")
                    schedule.draft_plan_ids.setdefault(code, []).append(plan_id)
                    continue
            schedule.plan_ids.setdefault(code, []).append(plan_id)
        with session_factory() as session:
            _give_demo_driver_a_round(session, branch_id, code, days)
    return schedule


def _give_demo_driver_a_round(session: Session, branch_id: int, code: str, days: list[date]) -> None:
    """Link the demo driver login to a volunteer who drives this week, so it has a round to show."""
    user = session.scalar(select(User).where(User.username == f"driver-{code.lower()}"))
    if user is None or not days:
        return
    teams = [team for day in days for team in teams_for_date(session, branch_id, day)]
    members = {team.driver_volunteer_id for team in teams} | {team.mate_volunteer_id for team in teams}
    if user.volunteer_id in members:
        return
    taken = set(session.scalars(select(User.volunteer_id).where(User.volunteer_id.is_not(None))))
    driver_id = next(
        (
            team.driver_volunteer_id
            for team in teams
            if team.driver_volunteer_id and team.driver_volunteer_id not in taken
        ),
        None,
    )
    if driver_id is not None:
        user.volunteer_id = driver_id
        volunteer = session.get(Volunteer, driver_id)
        user.display_name = volunteer.full_name if volunteer else user.display_name
        session.commit()
