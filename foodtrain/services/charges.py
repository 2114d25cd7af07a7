"""The delivery charge in force on a date, from the effective-dated charge table."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from foodtrain.models import DeliveryCharge
from foodtrain.services.errors import NotFoundError


def delivery_charge_on(session: Session, branch_id: int, on: date) -> int:
    """The charge in pence for a delivery on `on`: the latest charge effective on or before it."""
    amount = session.scalar(
        select(DeliveryCharge.amount_pence)
        .where(DeliveryCharge.branch_id == branch_id, DeliveryCharge.effective_from <= on)
        .order_by(DeliveryCharge.effective_from.desc())
        .limit(1)
    )
    if amount is None:
        raise NotFoundError(f"No delivery charge is set for deliveries on {on:%d %b %Y}.")
    return amount
