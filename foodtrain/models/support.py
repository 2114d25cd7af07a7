"""The services beyond groceries: referrals, EXTRA home-support jobs, befriending and the outcomes survey.

EXTRA: practical home-support jobs for the frailest members (changing a bulb,
hanging curtains, small garden jobs, collecting a prescription), priced per job
from an effective-dated list and done by a PVG-cleared volunteer with the skill.
Befriending: a PVG-cleared volunteer visits, calls or takes out an isolated
member regularly; the match is reviewed every few months and ended with a reason.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from foodtrain.extensions import Model
from foodtrain.models._types import enum_type, utc_now
from foodtrain.models.customer import Customer, PaymentMethod, ReferralSource
from foodtrain.models.volunteer import DayPart, Volunteer


class SupportService(enum.Enum):
    """The organisation's services a person can be referred to."""

    GROCERIES = "groceries"
    EXTRA = "extra"
    BEFRIENDING = "befriending"


class ReferralOutcome(enum.Enum):
    WAITING = "waiting"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class ExtraUrgency(enum.Enum):
    ROUTINE = "routine"
    SOON = "soon"  # within the week
    URGENT = "urgent"  # within a day or two (e.g. a prescription)


class ExtraJobStatus(enum.Enum):
    REQUESTED = "requested"
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class BefriendingStatus(enum.Enum):
    ACTIVE = "active"
    ENDED = "ended"


class ContactKind(enum.Enum):
    VISIT = "visit"
    CALL = "call"
    OUTING = "outing"


class Gender(enum.Enum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class Referral(Model):
    """Someone referred to one of the services: by whom, when, with consent, and what came of it."""

    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint("outcome != 'declined' OR decline_reason != ''", name="declined_has_reason"),
        CheckConstraint("outcome = 'waiting' OR outcome_on IS NOT NULL", name="decided_has_date"),
        CheckConstraint("outcome != 'accepted' OR consent_recorded", name="accepted_has_consent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    service: Mapped[SupportService] = mapped_column(enum_type(SupportService, "support_service"))
    source: Mapped[ReferralSource] = mapped_column(enum_type(ReferralSource, "referral_source_kind"))
    referred_on: Mapped[date] = mapped_column(Date)
    referrer_name: Mapped[str] = mapped_column(String(200), default="")  # personal data
    referrer_contact: Mapped[str] = mapped_column(String(200), default="")  # personal data
    consent_recorded: Mapped[bool] = mapped_column(default=False)
    consent_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[ReferralOutcome] = mapped_column(
        enum_type(ReferralOutcome, "referral_outcome"), default=ReferralOutcome.WAITING, index=True
    )
    outcome_on: Mapped[date | None] = mapped_column(Date)
    decline_reason: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")  # personal data
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    version: Mapped[int] = mapped_column(default=1)

    customer: Mapped[Customer] = relationship()

    __mapper_args__ = {"version_id_col": version}


class ExtraTaskType(Model):
    """A kind of EXTRA job a branch offers (e.g. "Changing a bulb"); volunteers hold it as a skill."""

    __tablename__ = "extra_task_types"
    __table_args__ = (UniqueConstraint("branch_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(default=True)

    prices: Mapped[list[ExtraPrice]] = relationship(
        back_populates="task_type", cascade="all, delete-orphan", order_by="ExtraPrice.effective_from"
    )


class ExtraPrice(Model):
    """The price of one job of a task type from a date on (the price list changes over time)."""

    __tablename__ = "extra_prices"
    __table_args__ = (
        UniqueConstraint("task_type_id", "effective_from"),
        CheckConstraint("price_pence >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_type_id: Mapped[int] = mapped_column(ForeignKey("extra_task_types.id", ondelete="CASCADE"), index=True)
    effective_from: Mapped[date] = mapped_column(Date)
    price_pence: Mapped[int]

    task_type: Mapped[ExtraTaskType] = relationship(back_populates="prices")


class VolunteerSkill(Model):
    """A volunteer can do one kind of EXTRA job."""

    __tablename__ = "volunteer_skills"
    __table_args__ = (UniqueConstraint("volunteer_id", "task_type_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"), index=True)
    task_type_id: Mapped[int] = mapped_column(ForeignKey("extra_task_types.id", ondelete="CASCADE"), index=True)

    task_type: Mapped[ExtraTaskType] = relationship()


class ExtraJob(Model):
    """One EXTRA job for a customer: requested, scheduled to a volunteer on a half-day, completed and paid."""

    __tablename__ = "extra_jobs"
    __table_args__ = (
        CheckConstraint("preferred_weekdays_mask BETWEEN 0 AND 127", name="weekday_mask_range"),
        CheckConstraint("price_pence >= 0", name="price_not_negative"),
        CheckConstraint(
            "status NOT IN ('scheduled', 'completed') OR (volunteer_id IS NOT NULL AND "
            "scheduled_date IS NOT NULL AND part_of_day IS NOT NULL)",
            name="scheduled_has_slot",
        ),
        CheckConstraint(
            "status != 'completed' OR (time_spent_min IS NOT NULL AND amount_paid_pence IS NOT NULL)",
            name="completed_has_time_and_payment",
        ),
        CheckConstraint("time_spent_min IS NULL OR time_spent_min BETWEEN 1 AND 720", name="time_spent_range"),
        CheckConstraint("amount_paid_pence IS NULL OR amount_paid_pence >= 0", name="paid_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    task_type_id: Mapped[int] = mapped_column(ForeignKey("extra_task_types.id"), index=True)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"))
    details: Mapped[str] = mapped_column(Text, default="")  # personal data (what, where in the home)
    preferred_weekdays_mask: Mapped[int] = mapped_column(default=0)  # bit d set = weekday d (0 = Monday) suits
    urgency: Mapped[ExtraUrgency] = mapped_column(
        enum_type(ExtraUrgency, "extra_urgency"), default=ExtraUrgency.ROUTINE
    )
    requested_on: Mapped[date] = mapped_column(Date)
    price_pence: Mapped[int] = mapped_column(default=0)
    status: Mapped[ExtraJobStatus] = mapped_column(
        enum_type(ExtraJobStatus, "extra_job_status"), default=ExtraJobStatus.REQUESTED, index=True
    )
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"), index=True)
    scheduled_date: Mapped[date | None] = mapped_column(Date, index=True)
    part_of_day: Mapped[DayPart | None] = mapped_column(enum_type(DayPart, "extra_part_of_day"))
    completed_on: Mapped[date | None] = mapped_column(Date)
    time_spent_min: Mapped[int | None]
    amount_paid_pence: Mapped[int | None]
    payment_method: Mapped[PaymentMethod | None] = mapped_column(enum_type(PaymentMethod, "extra_payment_method"))
    completion_notes: Mapped[str] = mapped_column(Text, default="")  # personal data
    cancel_reason: Mapped[str] = mapped_column(String(300), default="")
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    version: Mapped[int] = mapped_column(default=1)

    customer: Mapped[Customer] = relationship()
    task_type: Mapped[ExtraTaskType] = relationship()
    volunteer: Mapped[Volunteer | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class VolunteerSupportProfile(Model):
    """What befriending matching needs to know about a volunteer (given by them, optional)."""

    __tablename__ = "volunteer_support_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"), unique=True)
    befriender: Mapped[bool] = mapped_column(default=False)
    gender: Mapped[Gender | None] = mapped_column(enum_type(Gender, "volunteer_gender"))
    languages: Mapped[str] = mapped_column(String(200), default="")  # comma-separated
    interests: Mapped[str] = mapped_column(String(500), default="")  # comma-separated

    volunteer: Mapped[Volunteer] = relationship()


class BefriendingWish(Model):
    """What an isolated customer would like from a befriender (interests, who, how far, when)."""

    __tablename__ = "befriending_wishes"
    __table_args__ = (CheckConstraint("max_distance_km > 0 AND max_distance_km <= 200", name="distance_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), unique=True)
    interests: Mapped[str] = mapped_column(String(500), default="")  # comma-separated, personal data
    preferred_gender: Mapped[Gender | None] = mapped_column(enum_type(Gender, "befriending_gender"))
    language: Mapped[str] = mapped_column(String(80), default="")
    max_distance_km: Mapped[float] = mapped_column(default=10.0)
    weekday: Mapped[int | None]
    part_of_day: Mapped[DayPart | None] = mapped_column(enum_type(DayPart, "befriending_wish_part"))
    notes: Mapped[str] = mapped_column(Text, default="")  # personal data
    version: Mapped[int] = mapped_column(default=1)

    customer: Mapped[Customer] = relationship()

    __mapper_args__ = {"version_id_col": version}


class BefriendingMatch(Model):
    """A befriender and a customer, meeting regularly on one weekday half-day, reviewed every N months."""

    __tablename__ = "befriending_matches"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("review_every_months BETWEEN 1 AND 24", name="review_interval_range"),
        CheckConstraint("status != 'ended' OR (ended_on IS NOT NULL AND end_reason != '')", name="ended_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), index=True)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"))
    started_on: Mapped[date] = mapped_column(Date)
    weekday: Mapped[int]
    part_of_day: Mapped[DayPart] = mapped_column(enum_type(DayPart, "befriending_part_of_day"))
    review_every_months: Mapped[int] = mapped_column(default=3)
    next_review_on: Mapped[date] = mapped_column(Date)
    status: Mapped[BefriendingStatus] = mapped_column(
        enum_type(BefriendingStatus, "befriending_status"), default=BefriendingStatus.ACTIVE, index=True
    )
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str] = mapped_column(String(300), default="")
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    version: Mapped[int] = mapped_column(default=1)

    customer: Mapped[Customer] = relationship()
    volunteer: Mapped[Volunteer] = relationship()
    contacts: Mapped[list[BefriendingContact]] = relationship(
        back_populates="match", cascade="all, delete-orphan", order_by="BefriendingContact.happened_on.desc()"
    )
    reviews: Mapped[list[BefriendingReview]] = relationship(
        back_populates="match", cascade="all, delete-orphan", order_by="BefriendingReview.reviewed_on.desc()"
    )

    __mapper_args__ = {"version_id_col": version}


class BefriendingContact(Model):
    """One visit, call or outing of a match, with how long it took."""

    __tablename__ = "befriending_contacts"
    __table_args__ = (CheckConstraint("duration_min BETWEEN 1 AND 720", name="duration_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("befriending_matches.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ContactKind] = mapped_column(enum_type(ContactKind, "befriending_contact_kind"))
    happened_on: Mapped[date] = mapped_column(Date, index=True)
    duration_min: Mapped[int]
    notes: Mapped[str] = mapped_column(Text, default="")  # personal data
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    match: Mapped[BefriendingMatch] = relationship(back_populates="contacts")


class BefriendingReview(Model):
    """A periodic review of a match: how it goes, and whether it continues."""

    __tablename__ = "befriending_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("befriending_matches.id", ondelete="CASCADE"), index=True)
    reviewed_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")  # personal data
    continues: Mapped[bool] = mapped_column(default=True)
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    match: Mapped[BefriendingMatch] = relationship(back_populates="reviews")


class OutcomeSurvey(Model):
    """A customer's answers to the outcomes survey (the 2008 evaluation's outcomes, plus their own words)."""

    __tablename__ = "outcome_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    surveyed_on: Mapped[date] = mapped_column(Date, index=True)
    independence: Mapped[bool] = mapped_column(default=False)
    health: Mapped[bool] = mapped_column(default=False)
    isolation: Mapped[bool] = mapped_column(default=False)
    wellbeing: Mapped[bool] = mapped_column(default=False)
    comments: Mapped[str] = mapped_column(Text, default="")  # personal data
    on_paper: Mapped[bool] = mapped_column(default=False)  # from the printed form, else taken by the office
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    customer: Mapped[Customer] = relationship()
