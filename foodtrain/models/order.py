"""Orders: a customer's shopping list for one delivery date, from taking it to payment."""

from __future__ import annotations

import enum
import math
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from foodtrain.extensions import Model
from foodtrain.models._types import enum_type, utc_now
from foodtrain.models.branch import Shop
from foodtrain.models.customer import Customer, PaymentMethod


class OrderStatus(enum.Enum):
    RECEIVED = "received"
    SENT_TO_SHOP = "sent_to_shop"
    PACKED = "packed"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    NOT_DELIVERED = "not_delivered"
    CANCELLED = "cancelled"


# Before the shop has packed an order, it is expected to fill one crate per this many lines (at least one).
LINES_PER_CRATE = 6


def estimate_crates(line_count: int) -> int:
    """The crates an order of ``line_count`` lines is likely to fill before the shop has counted them."""
    return max(1, math.ceil(line_count / LINES_PER_CRATE))


class Order(Model):
    """One customer's order for one delivery date; one order per customer per date."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("customer_id", "delivery_date"),
        CheckConstraint("crates IS NULL OR crates >= 0", name="crates_not_negative"),
        CheckConstraint("till_receipt_pence IS NULL OR till_receipt_pence >= 0", name="receipt_not_negative"),
        CheckConstraint("delivery_charge_pence >= 0", name="charge_not_negative"),
        CheckConstraint("amount_received_pence IS NULL OR amount_received_pence >= 0", name="received_not_negative"),
        CheckConstraint(
            "status != 'not_delivered' OR not_delivered_reason IS NOT NULL", name="not_delivered_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    delivery_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[OrderStatus] = mapped_column(
        enum_type(OrderStatus, "order_status"), default=OrderStatus.RECEIVED, index=True
    )
    crates: Mapped[int | None]
    till_receipt_pence: Mapped[int | None]
    delivery_charge_pence: Mapped[int]
    amount_received_pence: Mapped[int | None]
    payment_method_received: Mapped[PaymentMethod | None] = mapped_column(
        enum_type(PaymentMethod, "payment_method_received")
    )
    not_delivered_reason: Mapped[str | None] = mapped_column(String(300))
    # The status before a cancellation, so the cancellation can be undone until the round is out.
    cancelled_from_status: Mapped[str | None] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)
    version: Mapped[int] = mapped_column(default=1)

    customer: Mapped[Customer] = relationship()
    shop: Mapped[Shop] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.position"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def amount_due_pence(self) -> int | None:
        """What the customer pays at the door: the till receipt plus the delivery charge."""
        if self.till_receipt_pence is None:
            return None
        return self.till_receipt_pence + self.delivery_charge_pence

    def crates_or_estimate(self) -> tuple[int, bool]:
        """The crates the shop counted, or before packing the estimate from the lines; True when estimated."""
        if self.crates is not None and self.crates > 0:
            return self.crates, False
        return estimate_crates(len(self.lines)), True


class OrderLine(Model):
    """One line of a shopping list: an item, how many, notes and whether a substitute is fine."""

    __tablename__ = "order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "position"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("length(item) > 0", name="item_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    item: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(default=1)
    notes: Mapped[str] = mapped_column(String(300), default="")
    substitute_allowed: Mapped[bool] = mapped_column(default=True)

    order: Mapped[Order] = relationship(back_populates="lines")
