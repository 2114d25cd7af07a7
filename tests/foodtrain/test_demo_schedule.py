"""The demo's week is planned and published, so a driver login has a round to print."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from foodtrain.demo_schedule import publish_demo_schedule
from foodtrain.extensions import db
from foodtrain.models import Branch, RotaStatus, User
from foodtrain.models.rota import Rota
from foodtrain.models.routes import RoutePlan, RoutePlanStatus
from foodtrain.services.rota import teams_for_date
from tests.conftest import DEMO_TODAY


def test_demo_schedule_publishes_rota_and_routes(demo_app) -> None:
    """Both branches get a published rota for the month and published plans for days with orders."""
    with demo_app.app_context():
        schedule = publish_demo_schedule(
            sessionmaker(bind=db.engine), DEMO_TODAY, rota_time_limit_s=2, route_time_limit_s=1
        )
        assert set(schedule.rota_ids) == {"DG", "WL"}
        for code, rota_id in schedule.rota_ids.items():
            rota_row = db.session.get(Rota, rota_id)
            assert rota_row.status is RotaStatus.PUBLISHED and rota_row.month == DEMO_TODAY.replace(day=1)
        all_plans = db.session.scalars(select(RoutePlan)).all()
        plans = [plan for plan in all_plans if plan.status is RoutePlanStatus.PUBLISHED]
        assert plans and sum(len(ids) for ids in schedule.plan_ids.values()) == len(plans)
        drafts = [plan for plan in all_plans if plan.status is not RoutePlanStatus.PUBLISHED]
        # a day is left as a draft only when it cannot be published (no round has a delivery), and it is reported
        assert sorted(p.id for p in drafts) == sorted(i for ids in schedule.draft_plan_ids.values() for i in ids)
        assert all(not any(stop.kind == "delivery" for stop in plan.stops) for plan in drafts)
        dg = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        assert any(plan.branch_id == dg and plan.delivery_date >= DEMO_TODAY for plan in plans)
        assert teams_for_date(db.session, dg, plans[0].delivery_date)
        driver = db.session.scalar(select(User).where(User.username == "driver-dg"))
        rostered = {
            member
            for plan in plans
            if plan.branch_id == dg
            for team in teams_for_date(db.session, dg, plan.delivery_date)
            for member in (team.driver_volunteer_id, team.mate_volunteer_id)
        }
        assert driver.volunteer_id in rostered
