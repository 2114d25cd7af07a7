"""Volunteers: who they are, what they may do, and when they can help."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from foodtrain.extensions import Model
from foodtrain.models._types import enum_type, utc_now
from foodtrain.models.branch import Branch

MINIMUM_VOLUNTEER_AGE_YEARS = 16


class VolunteerRole(enum.Enum):
    DRIVER = "driver"
    DELIVERY_MATE = "delivery_mate"
    SHOPPER = "shopper"
    OFFICE = "office"
    PROMOTION = "promotion"


class PvgStatus(enum.Enum):
    """Disclosure (PVG scheme) status: customer-facing work needs CLEARED."""

    NOT_NEEDED = "not_needed"
    PENDING = "pending"
    CLEARED = "cleared"


class PvgDisclosureType(enum.Enum):
    """The Disclosure Scotland product the PVG record comes from (no certificate is ever stored)."""

    SCHEME_RECORD = "scheme_record"
    SCHEME_MEMBERSHIP_STATEMENT = "scheme_membership_statement"
    SCHEME_RECORD_UPDATE = "scheme_record_update"


class HelpFrequency(enum.Enum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"
    TIMES_PER_MONTH = "times_per_month"


class DayPart(enum.Enum):
    MORNING = "morning"
    AFTERNOON = "afternoon"


class PartnerPreferenceKind(enum.Enum):
    PREFERRED = "preferred"
    NEVER = "never"


class Volunteer(Model):
    """A volunteer of one branch."""

    __tablename__ = "volunteers"
    __table_args__ = (
        CheckConstraint("shadow_shifts_remaining >= 0", name="shadow_shifts_not_negative"),
        CheckConstraint("shifts_per_month >= 0 AND shifts_per_month <= 31", name="shifts_per_month_range"),
        CheckConstraint("max_shifts_per_week >= 1 AND max_shifts_per_week <= 14", name="max_per_week_range"),
        CheckConstraint("max_consecutive_days >= 1 AND max_consecutive_days <= 7", name="max_consecutive_range"),
        CheckConstraint("pvg_status != 'cleared' OR pvg_issued_on IS NOT NULL", name="cleared_pvg_has_date"),
        CheckConstraint("left_on IS NULL OR left_on >= joined_on", name="leaves_after_joining"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80), index=True)
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    date_of_birth: Mapped[date] = mapped_column(Date)
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    van_driving_approved: Mapped[bool] = mapped_column(default=False)
    pvg_status: Mapped[PvgStatus] = mapped_column(enum_type(PvgStatus, "pvg_status"), default=PvgStatus.PENDING)
    pvg_issued_on: Mapped[date | None] = mapped_column(Date)
    pvg_reference: Mapped[str] = mapped_column(String(40), default="")
    pvg_disclosure_type: Mapped[PvgDisclosureType | None] = mapped_column(
        enum_type(PvgDisclosureType, "pvg_disclosure_type")
    )
    training_completed_on: Mapped[date | None] = mapped_column(Date)
    is_trainee: Mapped[bool] = mapped_column(default=False)
    shadow_shifts_remaining: Mapped[int] = mapped_column(default=0)
    help_frequency: Mapped[HelpFrequency] = mapped_column(
        enum_type(HelpFrequency, "help_frequency"), default=HelpFrequency.WEEKLY
    )
    shifts_per_month: Mapped[int] = mapped_column(default=4)
    max_shifts_per_week: Mapped[int] = mapped_column(default=2)
    max_consecutive_days: Mapped[int] = mapped_column(default=2)
    # False: shifts_per_month is the most the rota gives them; True: more is fine when seats need it
    happy_to_do_extra: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)
    version: Mapped[int] = mapped_column(default=1)

    branch: Mapped[Branch] = relationship()
    roles: Mapped[list[VolunteerRoleAssignment]] = relationship(
        back_populates="volunteer", cascade="all, delete-orphan", order_by="VolunteerRoleAssignment.role"
    )
    availability: Mapped[list[VolunteerAvailability]] = relationship(
        back_populates="volunteer",
        cascade="all, delete-orphan",
        order_by="(VolunteerAvailability.weekday, VolunteerAvailability.day_part)",
    )
    absences: Mapped[list[VolunteerAbsence]] = relationship(
        back_populates="volunteer", cascade="all, delete-orphan", order_by="VolunteerAbsence.start_date"
    )
    partner_preferences: Mapped[list[VolunteerPartnerPreference]] = relationship(
        back_populates="volunteer",
        cascade="all, delete-orphan",
        foreign_keys="VolunteerPartnerPreference.volunteer_id",
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def role_values(self) -> set[VolunteerRole]:
        return {row.role for row in self.roles}

    @property
    def is_active(self) -> bool:
        return self.left_on is None

    def __repr__(self) -> str:
        return f"<Volunteer {self.id}>"


class VolunteerRoleAssignment(Model):
    """A role a volunteer does."""

    __tablename__ = "volunteer_roles"
    __table_args__ = (UniqueConstraint("volunteer_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"), index=True)
    role: Mapped[VolunteerRole] = mapped_column(enum_type(VolunteerRole, "volunteer_role"))

    volunteer: Mapped[Volunteer] = relationship(back_populates="roles")


class VolunteerAvailability(Model):
    """A weekly half-day a volunteer can usually help (weekday 0 = Monday)."""

    __tablename__ = "volunteer_availability"
    __table_args__ = (
        UniqueConstraint("volunteer_id", "weekday", "day_part"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]
    day_part: Mapped[DayPart] = mapped_column(enum_type(DayPart, "day_part"))
    preferred: Mapped[bool] = mapped_column(default=False)

    volunteer: Mapped[Volunteer] = relationship(back_populates="availability")


class VolunteerAbsence(Model):
    """Dates a volunteer is away (holiday, hospital appointment, ...), inclusive."""

    __tablename__ = "volunteer_absences"
    __table_args__ = (CheckConstraint("end_date >= start_date", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")

    volunteer: Mapped[Volunteer] = relationship(back_populates="absences")


class VolunteerPartnerPreference(Model):
    """Someone a volunteer likes to be paired with, or must never be paired with."""

    __tablename__ = "volunteer_partner_preferences"
    __table_args__ = (
        UniqueConstraint("volunteer_id", "partner_id"),
        CheckConstraint("volunteer_id != partner_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[PartnerPreferenceKind] = mapped_column(enum_type(PartnerPreferenceKind, "partner_preference_kind"))

    volunteer: Mapped[Volunteer] = relationship(back_populates="partner_preferences", foreign_keys=[volunteer_id])
    partner: Mapped[Volunteer] = relationship(foreign_keys=[partner_id])
