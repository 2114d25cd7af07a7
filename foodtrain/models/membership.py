"""Membership payments (£1 a year by default) and the one-time tokens that make people forms idempotent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from foodtrain.extensions import Model
from foodtrain.models._types import utc_now
from foodtrain.models.customer import Customer

DEFAULT_MEMBERSHIP_FEE_PENCE = 100


class MembershipPayment(Model):
    """A customer's membership fee, paid on a date and covering membership until `period_until`."""

    __tablename__ = "membership_payments"
    __table_args__ = (
        CheckConstraint("amount_pence >= 0", name="amount_not_negative"),
        CheckConstraint("period_until >= paid_on", name="period_ends_after_payment"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    paid_on: Mapped[date] = mapped_column(Date)
    amount_pence: Mapped[int]
    period_until: Mapped[date] = mapped_column(Date)
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    customer: Mapped[Customer] = relationship()


class PeopleFormToken(Model):
    """A one-time token of a submitted customer/volunteer form: a second submit of the same form does nothing.

    The token is stored in the same transaction as the change it made, so it exists only if the change does.
    """

    __tablename__ = "people_form_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
