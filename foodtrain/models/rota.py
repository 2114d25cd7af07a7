"""The month-ahead volunteer rota: slots to staff, who is on them, and what changed.

A branch may hold several draft rotas for a month but at most one published
one: ``published_month`` is set only while a rota is published, and the unique
constraint on (branch, published_month) enforces it (NULLs never collide).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from foodtrain.extensions import Model
from foodtrain.models._types import enum_type, utc_now
from foodtrain.models.branch import Branch, Shop, Van
from foodtrain.models.volunteer import Volunteer


class RotaStatus(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    REPLACED = "replaced"  # was published, then another rota for the month was published


class PartOfDay(enum.Enum):
    MORNING = "morning"
    AFTERNOON = "afternoon"
    WHOLE_DAY = "whole_day"


class SlotKind(enum.Enum):
    DELIVERY = "delivery"
    LIST_COLLECTION = "list_collection"
    SHOPPING = "shopping"
    OFFICE = "office"


class RotaRole(enum.Enum):
    DRIVER = "driver"
    MATE = "mate"
    COLLECTOR = "collector"
    SHOPPER = "shopper"
    OFFICE = "office"
    SHADOW = "shadow"  # a trainee shadowing the slot's experienced people: beside the seats, never one of them


class RotaChangeKind(enum.Enum):
    EDIT = "edit"
    REPAIR = "repair"


class Rota(Model):
    """One branch's rota for one calendar month (``month`` is its first day)."""

    __tablename__ = "rotas"
    __table_args__ = (
        UniqueConstraint("branch_id", "published_month"),
        CheckConstraint("(status = 'published') = (published_month IS NOT NULL)", name="published_month_iff_published"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    month: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[RotaStatus] = mapped_column(enum_type(RotaStatus, "rota_status"), default=RotaStatus.DRAFT)
    published_month: Mapped[date | None] = mapped_column(Date)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    published_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None]
    solver_status: Mapped[str] = mapped_column(String(30), default="")
    objective: Mapped[int] = mapped_column(default=0)
    best_bound: Mapped[float] = mapped_column(default=0.0)
    solve_time_s: Mapped[float] = mapped_column(default=0.0)
    objective_json: Mapped[str] = mapped_column(Text, default="{}")
    version: Mapped[int] = mapped_column(default=1)

    branch: Mapped[Branch] = relationship()
    slots: Mapped[list[RotaSlot]] = relationship(
        back_populates="rota", cascade="all, delete-orphan", order_by="(RotaSlot.date, RotaSlot.id)"
    )
    changes: Mapped[list[RotaChange]] = relationship(
        back_populates="rota", cascade="all, delete-orphan", order_by="RotaChange.id"
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Rota {self.id} {self.month:%Y-%m} {self.status.value}>"


class RotaSlot(Model):
    """One thing to staff on one date: a van's round, a shop's shopping, list collection or the office."""

    __tablename__ = "rota_slots"
    __table_args__ = (
        UniqueConstraint("rota_id", "key"),
        CheckConstraint("seats >= 0 AND seats <= 20", name="seats_range"),
        CheckConstraint("kind != 'delivery' OR van_id IS NOT NULL", name="delivery_has_van"),
        CheckConstraint("kind != 'shopping' OR shop_id IS NOT NULL", name="shopping_has_shop"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rota_id: Mapped[int] = mapped_column(ForeignKey("rotas.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(60))  # the rota library's slot id
    date: Mapped[date] = mapped_column(Date, index=True)
    part_of_day: Mapped[PartOfDay] = mapped_column(enum_type(PartOfDay, "rota_part_of_day"))
    kind: Mapped[SlotKind] = mapped_column(enum_type(SlotKind, "rota_slot_kind"))
    van_id: Mapped[int | None] = mapped_column(ForeignKey("vans.id"))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"))
    resource: Mapped[str] = mapped_column(String(80), default="")
    seats: Mapped[int] = mapped_column(default=1)
    unfilled_reason: Mapped[str] = mapped_column(Text, default="")

    rota: Mapped[Rota] = relationship(back_populates="slots")
    van: Mapped[Van | None] = relationship()
    shop: Mapped[Shop | None] = relationship()
    assignments: Mapped[list[RotaAssignment]] = relationship(
        back_populates="slot", cascade="all, delete-orphan", order_by="(RotaAssignment.role, RotaAssignment.id)"
    )


class RotaAssignment(Model):
    """A volunteer in one seat of a slot."""

    __tablename__ = "rota_assignments"
    __table_args__ = (UniqueConstraint("slot_id", "volunteer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("rota_slots.id", ondelete="CASCADE"), index=True)
    role: Mapped[RotaRole] = mapped_column(enum_type(RotaRole, "rota_role"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), index=True)

    slot: Mapped[RotaSlot] = relationship(back_populates="assignments")
    volunteer: Mapped[Volunteer] = relationship()


class RotaChange(Model):
    """One changed seat of a rota (a manual edit or a repair after a drop-out): before -> after."""

    __tablename__ = "rota_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    rota_id: Mapped[int] = mapped_column(ForeignKey("rotas.id", ondelete="CASCADE"), index=True)
    kind: Mapped[RotaChangeKind] = mapped_column(enum_type(RotaChangeKind, "rota_change_kind"))
    changed_at: Mapped[datetime] = mapped_column(default=utc_now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("rota_slots.id", ondelete="SET NULL"))
    slot_label: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[RotaRole] = mapped_column(enum_type(RotaRole, "rota_change_role"))
    old_volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"))
    new_volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"))
    note: Mapped[str] = mapped_column(String(300), default="")

    rota: Mapped[Rota] = relationship(back_populates="changes")
    old_volunteer: Mapped[Volunteer | None] = relationship(foreign_keys=[old_volunteer_id])
    new_volunteer: Mapped[Volunteer | None] = relationship(foreign_keys=[new_volunteer_id])


class ShadowShift(Model):
    """A trainee's shadow shift on a published rota whose date has passed, recorded once per trainee and day.

    Recorded and not ``missed``: it has been counted once against the trainee's shadow shifts still to do.
    ``missed`` (a coordinator says they did not come): it does not count (or was given back). The rule that
    records and counts is foodtrain.services.rota.shadow.count_shadow_shifts_done.
    """

    __tablename__ = "shadow_shifts"
    __table_args__ = (UniqueConstraint("volunteer_id", "shift_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"), index=True)
    shift_date: Mapped[date] = mapped_column(Date)
    slot_label: Mapped[str] = mapped_column(String(120), default="")
    missed: Mapped[bool] = mapped_column(default=False)
    recorded_at: Mapped[datetime] = mapped_column(default=utc_now)

    volunteer: Mapped[Volunteer] = relationship()


class VolunteerCalendarToken(Model):
    """An unguessable token for a volunteer's own iCalendar feed; only its SHA-256 digest is stored."""

    __tablename__ = "volunteer_calendar_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"), unique=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_used_at: Mapped[datetime | None]  # naive UTC, to the hour: when a calendar app last fetched the feed
