"""Route plans: one per branch and delivery date, its vans' rounds, their stops and the orders left out."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from foodtrain.extensions import Model
from foodtrain.models._types import enum_type, utc_now


class RoutePlanStatus(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"


class RoutePlan(Model):
    """The branch's plan for one delivery date: figures of the last solve, draft until published."""

    __tablename__ = "route_plans"
    __table_args__ = (
        UniqueConstraint("branch_id", "delivery_date"),
        CheckConstraint("shift_end > shift_start", name="shift_ends_after_start"),
        CheckConstraint("vans_used >= 0", name="vans_used_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    delivery_date: Mapped[date] = mapped_column(Date)
    status: Mapped[RoutePlanStatus] = mapped_column(
        enum_type(RoutePlanStatus, "route_plan_status"), default=RoutePlanStatus.DRAFT
    )
    shift_start: Mapped[time] = mapped_column(Time, default=time(9, 0))
    shift_end: Mapped[time] = mapped_column(Time, default=time(16, 0))
    time_limit_s: Mapped[int] = mapped_column(default=10)
    solver_status: Mapped[str] = mapped_column(String(30), default="")
    total_distance_m: Mapped[float] = mapped_column(default=0.0)
    total_drive_min: Mapped[float] = mapped_column(default=0.0)
    vans_used: Mapped[int] = mapped_column(default=0)
    runtime_s: Mapped[float] = mapped_column(default=0.0)
    no_team_rostered: Mapped[bool] = mapped_column(default=False)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    planned_at: Mapped[datetime] = mapped_column(default=utc_now)
    published_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    rounds: Mapped[list[RouteRound]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="RouteRound.van_id"
    )
    stops: Mapped[list[RouteStop]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="(RouteStop.van_id, RouteStop.sequence)"
    )
    unplanned: Mapped[list[RouteUnplanned]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="RouteUnplanned.order_id"
    )
    pins: Mapped[list[RoutePin]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="RoutePin.order_id"
    )

    __mapper_args__ = {"version_id_col": version}


class RouteRound(Model):
    """One van's round in a plan: its figures and whether the coordinator locked it."""

    __tablename__ = "route_rounds"
    __table_args__ = (UniqueConstraint("plan_id", "van_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("route_plans.id", ondelete="CASCADE"), index=True)
    van_id: Mapped[int] = mapped_column(ForeignKey("vans.id"))
    locked: Mapped[bool] = mapped_column(default=False)
    distance_m: Mapped[float] = mapped_column(default=0.0)
    drive_min: Mapped[float] = mapped_column(default=0.0)
    duration_min: Mapped[float] = mapped_column(default=0.0)
    # The rostered team when the round was planned or published: a rota change since then shows.
    team_text: Mapped[str] = mapped_column(String(300), default="", server_default="")

    plan: Mapped[RoutePlan] = relationship(back_populates="rounds")


class RouteStop(Model):
    """A stop of a van's round: leaving the base, collecting at a shop, delivering, returning."""

    __tablename__ = "route_stops"
    __table_args__ = (
        UniqueConstraint("plan_id", "van_id", "sequence"),
        CheckConstraint("kind IN ('start', 'pickup', 'delivery', 'end')", name="kind_known"),
        CheckConstraint("load_after_crates >= 0", name="load_not_negative"),
        CheckConstraint("departure_min >= arrival_min", name="departs_after_arrival"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("route_plans.id", ondelete="CASCADE"), index=True)
    van_id: Mapped[int] = mapped_column(ForeignKey("vans.id"))
    sequence: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"))
    arrival_min: Mapped[float]
    departure_min: Mapped[float]
    wait_min: Mapped[float] = mapped_column(default=0.0)
    load_after_crates: Mapped[int] = mapped_column(default=0)

    plan: Mapped[RoutePlan] = relationship(back_populates="stops")


class RouteUnplanned(Model):
    """An order the plan could not fit, and why, in words a coordinator can act on."""

    __tablename__ = "route_unplanned"
    __table_args__ = (UniqueConstraint("plan_id", "order_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("route_plans.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(1000))

    plan: Mapped[RoutePlan] = relationship(back_populates="unplanned")


class RoutePin(Model):
    """The coordinator moved an order onto a van: the next re-plan keeps it on that van."""

    __tablename__ = "route_pins"
    __table_args__ = (UniqueConstraint("plan_id", "order_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("route_plans.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    van_id: Mapped[int] = mapped_column(ForeignKey("vans.id"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    plan: Mapped[RoutePlan] = relationship(back_populates="pins")
