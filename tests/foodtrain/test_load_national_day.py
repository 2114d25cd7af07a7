"""The national day of the load figures (scenario c): many branches' delivery day, and every branch's plan queued.

`foodtrain seed-national-day` builds the branches as the demo does (one delivery day each) and
`foodtrain plan-day` queues one route plan per branch, all at once, for the workers.
"""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy import func, select

from foodtrain.extensions import db
from foodtrain.job_queue import job_queue
from foodtrain.models import BackgroundJob, Branch, JobStatus, Order, User
from foodtrain.services.planning.storing import PLAN_JOB_KIND

DAY = date(2026, 12, 9)


def test_a_national_day_is_many_branches_with_orders_on_that_day_only(app: Flask) -> None:
    """Each branch gets its own code, customers, vans and orders for the day; every due customer has an order;
    no logins are made (nobody can sign in to made-up branches)."""
    result = app.test_cli_runner().invoke(
        args=["seed-national-day", "--date", DAY.isoformat(), "--branches", "3", "--customers", "40", "--vans", "4"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        codes = db.session.scalars(select(Branch.code).order_by(Branch.code)).all()
        assert codes == ["DG01", "DG03", "WL02"]
        per_branch = dict(db.session.execute(select(Order.branch_id, func.count()).group_by(Order.branch_id)).all())
        assert len(per_branch) == 3 and all(10 <= count <= 40 for count in per_branch.values()), per_branch
        assert set(db.session.scalars(select(Order.delivery_date))) == {DAY}
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert f"{sum(per_branch.values())} orders on {DAY.isoformat()}" in result.output


def test_plan_day_queues_one_plan_per_branch_at_once(app: Flask, monkeypatch) -> None:
    """Every branch with orders gets a queued route plan job (ids printed); a branch with none is named and skipped."""
    runner = app.test_cli_runner()
    assert (
        runner.invoke(
            args=["seed-national-day", "--date", DAY.isoformat(), "--branches", "2", "--customers", "20", "--vans", "2"]
        ).exit_code
        == 0
    )
    with app.app_context():
        db.session.add(Branch(name="Empty branch", code="EMPTY"))
        db.session.commit()
    queued: list[int] = []
    with app.app_context():
        monkeypatch.setattr(job_queue(app), "enqueue", queued.append)
    result = runner.invoke(args=["plan-day", "--date", DAY.isoformat(), "--time-limit-s", "5"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        jobs = db.session.scalars(select(BackgroundJob).order_by(BackgroundJob.id)).all()
        assert [job.kind for job in jobs] == [PLAN_JOB_KIND] * 2
        assert all(job.status is JobStatus.QUEUED and '"time_limit_s": 5' in job.parameters_json for job in jobs)
        assert queued == [job.id for job in jobs]
    assert "EMPTY: not planned: No orders to deliver" in result.output
    unknown = runner.invoke(args=["plan-day", "--date", DAY.isoformat(), "--branch", "NOPE"])
    assert unknown.exit_code != 0 and "No branch with code NOPE" in unknown.output
