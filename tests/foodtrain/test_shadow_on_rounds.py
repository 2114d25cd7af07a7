"""A trainee shadowing a van's team is named on the round and its sheet, but is given no key-safe code."""

from __future__ import annotations

import pytest

from foodtrain.services.audit import Actor
from foodtrain.services.errors import NotFoundError
from foodtrain.services.planning import adjusting, printouts, reading, viewing
from foodtrain.services.rota import VanTeam
from tests.foodtrain.test_planning import DAY, _day, _plan


def test_a_shadowing_trainee_is_on_the_sheet_but_gets_no_key_safe_code(session, monkeypatch) -> None:
    """Key-safe codes go to the round's driver and mate only: the trainee shadowing them (a third person on the
    team line, "shadowing") sees the codes as held by the team, and as a driver-role user gets no sheet at all."""
    from foodtrain.encryption import FieldCipher

    cipher = FieldCipher(FieldCipher.new_key())
    branch, _, vans, orders = _day(session, orders=2, vans=1)
    for order in orders:
        order.customer.key_safe_code_encrypted = cipher.encrypt("4711")
    session.commit()
    plan_id = _plan(session, branch)
    monkeypatch.setattr(
        reading,
        "rostered_teams",
        lambda s, b, d: [VanTeam(vans[0].id, vans[0].name, 100, "Ann Driver", 200, "Bob Mate", 300, "Tia Trainee")],
    )
    adjusting.publish_plan(
        session, branch.id, plan_id, viewing.get_plan_view(session, branch.id, DAY).version, None, confirmed=True
    )

    def codes(viewer: Actor) -> set[str]:
        sheets = printouts.delivery_sheets(session, branch.id, plan_id, None, viewer, cipher, today=DAY)
        assert all(sheet.team.endswith(", with Tia Trainee shadowing") for sheet in sheets)
        return {s.key_safe_code for sheet in sheets for s in sheet.stops if s.kind == "delivery"}

    assert codes(Actor(None, "driver", volunteer_id=100)) == {"4711"}
    assert codes(Actor(None, "mate", volunteer_id=200)) == {"4711"}
    assert codes(Actor(None, "trainee", volunteer_id=300)) == {printouts.KEY_SAFE_HELD_BY_TEAM}
    with pytest.raises(NotFoundError):
        printouts.delivery_sheets(
            session,
            branch.id,
            plan_id,
            None,
            Actor(None, "trainee", volunteer_id=300, drivers_only=True),
            cipher,
            today=DAY,
        )
