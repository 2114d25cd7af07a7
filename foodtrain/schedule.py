"""When a customer is due a delivery: frequency, anchor date, weekday, status and pauses."""

from __future__ import annotations

from datetime import date

from foodtrain.models import CustomerStatus, DeliveryFrequency

_INTERVAL_WEEKS = {
    DeliveryFrequency.WEEKLY: 1,
    DeliveryFrequency.FORTNIGHTLY: 2,
    DeliveryFrequency.FOUR_WEEKLY: 4,
}


def is_delivery_week(frequency: DeliveryFrequency, anchor_date: date, delivery_date: date) -> bool:
    """True when delivery_date falls in a week of the customer's cycle (ad hoc customers never are)."""
    interval_weeks = _INTERVAL_WEEKS.get(frequency)
    if interval_weeks is None:
        return False
    weeks_since_anchor = (delivery_date - anchor_date).days // 7
    return weeks_since_anchor >= 0 and weeks_since_anchor % interval_weeks == 0


def is_on_pause(status: CustomerStatus, paused_from: date | None, paused_until: date | None, on: date) -> bool:
    if status is not CustomerStatus.PAUSED or paused_from is None:
        return False
    return paused_from <= on and (paused_until is None or on <= paused_until)


def is_customer_due(
    *,
    status: CustomerStatus,
    frequency: DeliveryFrequency,
    anchor_date: date,
    delivery_weekday: int,
    paused_from: date | None,
    paused_until: date | None,
    ended_on: date | None,
    on: date,
) -> bool:
    """Whether a regular delivery is expected on the given date."""
    if status is CustomerStatus.ENDED and (ended_on is None or ended_on <= on):
        return False
    if on.weekday() != delivery_weekday:
        return False
    if is_on_pause(status, paused_from, paused_until, on):
        return False
    return is_delivery_week(frequency, anchor_date, on)
