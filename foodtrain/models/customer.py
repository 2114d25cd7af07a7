"""Customers: older people who receive deliveries, with how, when and where they want them."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from foodtrain.extensions import Model
from foodtrain.models._types import enum_type, utc_now
from foodtrain.models.branch import Branch, Shop

MINIMUM_CUSTOMER_AGE_YEARS = 65


class CustomerStatus(enum.Enum):
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


class DeliveryFrequency(enum.Enum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    FOUR_WEEKLY = "four_weekly"
    AD_HOC = "ad_hoc"


class ListMethod(enum.Enum):
    """How the shopping list reaches the office."""

    COLLECTED_FORM = "collected_form"
    TELEPHONE = "telephone"


class PaymentMethod(enum.Enum):
    CASH = "cash"
    CHEQUE = "cheque"
    OTHER_ARRANGEMENT = "other_arrangement"


# What people read for each value, on every page, sheet and report (one wording, next to the enum).
LIST_METHOD_LABELS = {ListMethod.COLLECTED_FORM: "Collected form", ListMethod.TELEPHONE: "Telephone"}
PAYMENT_METHOD_LABELS = {
    PaymentMethod.CASH: "Cash",
    PaymentMethod.CHEQUE: "Cheque",
    PaymentMethod.OTHER_ARRANGEMENT: "Other arrangement",
}


class ReferralSource(enum.Enum):
    SELF = "self"
    FAMILY = "family"
    GP = "gp"
    SOCIAL_WORK = "social_work"
    OTHER_AGENCY = "other_agency"
    OTHER = "other"


class SupportNeed(enum.Enum):
    HELP_WRITING_LIST = "help_writing_list"
    UNPACKING = "unpacking"
    OPENING_PACKETS = "opening_packets"
    READING_LABELS = "reading_labels"
    CARRYING_UPSTAIRS = "carrying_upstairs"
    HEARING = "hearing"
    MEMORY = "memory"


SUPPORT_NEED_LABELS = {
    SupportNeed.HELP_WRITING_LIST: "Help writing the list",
    SupportNeed.UNPACKING: "Unpacking and putting away",
    SupportNeed.OPENING_PACKETS: "Opening packets",
    SupportNeed.READING_LABELS: "Reading labels",
    SupportNeed.CARRYING_UPSTAIRS: "Carrying upstairs",
    SupportNeed.HEARING: "Hard of hearing (knock loudly)",
    SupportNeed.MEMORY: "Memory problems",
}


class Customer(Model):
    """A member who receives deliveries from one branch and one chosen partner shop."""

    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint("delivery_weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("window_end > window_start", name="window_ends_after_start"),
        CheckConstraint(
            "status != 'paused' OR (paused_from IS NOT NULL AND pause_reason IS NOT NULL)",
            name="paused_has_dates_and_reason",
        ),
        CheckConstraint(
            "paused_until IS NULL OR paused_from IS NULL OR paused_until >= paused_from",
            name="pause_ends_after_start",
        ),
        CheckConstraint("status != 'ended' OR ended_on IS NOT NULL", name="ended_has_date"),
        CheckConstraint("latitude IS NULL OR latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude IS NULL OR longitude BETWEEN -180 AND 180", name="longitude_range"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="location_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80), index=True)
    address_line1: Mapped[str] = mapped_column(String(200))
    address_line2: Mapped[str] = mapped_column(String(200), default="")
    town: Mapped[str] = mapped_column(String(100))
    postcode: Mapped[str] = mapped_column(String(10), index=True)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    phone: Mapped[str] = mapped_column(String(30), default="")
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    eligibility_override_reason: Mapped[str | None] = mapped_column(String(300))
    referral_source: Mapped[ReferralSource] = mapped_column(
        enum_type(ReferralSource, "referral_source"), default=ReferralSource.SELF
    )
    referred_by: Mapped[str] = mapped_column(String(200), default="")
    joined_on: Mapped[date] = mapped_column(Date)
    membership_paid_until: Mapped[date | None] = mapped_column(Date)
    status: Mapped[CustomerStatus] = mapped_column(
        enum_type(CustomerStatus, "customer_status"), default=CustomerStatus.ACTIVE, index=True
    )
    paused_from: Mapped[date | None] = mapped_column(Date)
    paused_until: Mapped[date | None] = mapped_column(Date)
    pause_reason: Mapped[str | None] = mapped_column(String(300))
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(300))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    frequency: Mapped[DeliveryFrequency] = mapped_column(
        enum_type(DeliveryFrequency, "delivery_frequency"), default=DeliveryFrequency.WEEKLY
    )
    frequency_anchor_date: Mapped[date] = mapped_column(Date)
    delivery_weekday: Mapped[int]
    window_start: Mapped[time] = mapped_column(Time, default=time(10, 0))
    window_end: Mapped[time] = mapped_column(Time, default=time(16, 0))
    list_method: Mapped[ListMethod] = mapped_column(
        enum_type(ListMethod, "list_method"), default=ListMethod.COLLECTED_FORM
    )
    access_notes: Mapped[str] = mapped_column(Text, default="")
    # Encrypted at rest (foodtrain.encryption); shown only to the team delivering that day.
    key_safe_code_encrypted: Mapped[str | None] = mapped_column(String(255))
    payment_method: Mapped[PaymentMethod] = mapped_column(
        enum_type(PaymentMethod, "payment_method"), default=PaymentMethod.CASH
    )
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)
    version: Mapped[int] = mapped_column(default=1)

    branch: Mapped[Branch] = relationship()
    shop: Mapped[Shop] = relationship()
    support_needs: Mapped[list[CustomerSupportNeed]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="CustomerSupportNeed.need"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def support_need_values(self) -> set[SupportNeed]:
        return {row.need for row in self.support_needs}

    def __repr__(self) -> str:
        return f"<Customer {self.id}>"


class CustomerSupportNeed(Model):
    """One kind of help a customer wants at the door."""

    __tablename__ = "customer_support_needs"
    __table_args__ = (UniqueConstraint("customer_id", "need"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    need: Mapped[SupportNeed] = mapped_column(enum_type(SupportNeed, "support_need"))

    customer: Mapped[Customer] = relationship(back_populates="support_needs")
