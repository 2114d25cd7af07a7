"""Which customers are due a delivery on a date."""

from __future__ import annotations

from datetime import date

from foodtrain.models import CustomerStatus, DeliveryFrequency
from foodtrain.schedule import is_customer_due

TUESDAY = date(2026, 12, 1)
ANCHOR = date(2026, 11, 3)  # a Tuesday four weeks earlier


def _due(on: date, **overrides) -> bool:
    fields = dict(
        status=CustomerStatus.ACTIVE,
        frequency=DeliveryFrequency.WEEKLY,
        anchor_date=ANCHOR,
        delivery_weekday=1,
        paused_from=None,
        paused_until=None,
        ended_on=None,
        on=on,
    )
    return is_customer_due(**(fields | overrides))


def test_weekly_customer_is_due_on_their_weekday_only() -> None:
    assert _due(TUESDAY)
    assert not _due(date(2026, 12, 2))


def test_fortnightly_and_four_weekly_follow_the_anchor() -> None:
    """Four weeks after the anchor: due for fortnightly and four-weekly; three weeks after: neither."""
    assert _due(TUESDAY, frequency=DeliveryFrequency.FORTNIGHTLY)
    assert _due(TUESDAY, frequency=DeliveryFrequency.FOUR_WEEKLY)
    assert not _due(date(2026, 11, 24), frequency=DeliveryFrequency.FORTNIGHTLY)
    assert not _due(date(2026, 11, 24), frequency=DeliveryFrequency.FOUR_WEEKLY)
    assert not _due(date(2026, 10, 27), frequency=DeliveryFrequency.WEEKLY)  # before the anchor


def test_pause_and_end_stop_deliveries() -> None:
    """A pause covering the date stops it; an open-ended pause too; a pause that ended does not."""
    paused = dict(status=CustomerStatus.PAUSED, paused_from=date(2026, 11, 20))
    assert not _due(TUESDAY, **paused, paused_until=date(2026, 12, 5))
    assert not _due(TUESDAY, **paused)
    assert _due(TUESDAY, **paused, paused_until=date(2026, 11, 30))
    assert not _due(TUESDAY, status=CustomerStatus.ENDED, ended_on=date(2026, 11, 1))


def test_ad_hoc_customers_are_never_due_automatically() -> None:
    assert not _due(TUESDAY, frequency=DeliveryFrequency.AD_HOC)
