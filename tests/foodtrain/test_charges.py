"""The delivery charge follows its effective dates (£2, then £3 from 1 April 2012)."""

from __future__ import annotations

from datetime import date

import pytest

from foodtrain.services.charges import delivery_charge_on
from foodtrain.services.errors import NotFoundError
from tests.factories import make_branch


def test_charge_changes_on_its_effective_date(session) -> None:
    branch = make_branch(session)
    assert delivery_charge_on(session, branch.id, date(2012, 3, 31)) == 200
    assert delivery_charge_on(session, branch.id, date(2012, 4, 1)) == 300
    assert delivery_charge_on(session, branch.id, date(2026, 11, 25)) == 300


def test_no_charge_before_the_first_entry_is_an_error(session) -> None:
    """A date before any charge was set is a clear error, never a silent zero."""
    branch = make_branch(session)
    with pytest.raises(NotFoundError, match="No delivery charge"):
        delivery_charge_on(session, branch.id, date(1999, 1, 1))
