"""The rota service: published teams per day, generation, edits, publishing and repair."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from foodtrain.models import PartOfDay, Rota, RotaAssignment, RotaRole, RotaSlot, RotaStatus, SlotKind, VolunteerRole
from foodtrain.services.rota import VanTeam, teams_for_date
from tests.factories import make_branch, make_shop, make_van, make_volunteer

DAY = date(2026, 12, 1)


def _rota(session, branch, status=RotaStatus.PUBLISHED, month=date(2026, 12, 1)) -> Rota:  # type: ignore[no-untyped-def]
    rota = Rota(branch_id=branch.id, month=month, status=status,
                published_month=month if status is RotaStatus.PUBLISHED else None)
    session.add(rota)
    session.flush()
    return rota


def _delivery(session, rota, van, day=DAY, driver=None, mate=None) -> RotaSlot:  # type: ignore[no-untyped-def]
    slot = RotaSlot(rota_id=rota.id, key=f"d-{day}-{van.id}", date=day, part_of_day=PartOfDay.WHOLE_DAY,
                    kind=SlotKind.DELIVERY, van_id=van.id, resource=van.name, seats=2)
    session.add(slot)
    session.flush()
    if driver is not None:
        session.add(RotaAssignment(slot_id=slot.id, role=RotaRole.DRIVER, volunteer_id=driver.id))
    if mate is not None:
        session.add(RotaAssignment(slot_id=slot.id, role=RotaRole.MATE, volunteer_id=mate.id))
    session.flush()
    return slot


def test_teams_for_date_lists_published_teams_per_van(session) -> None:  # type: ignore[no-untyped-def]
    """Each delivery slot of the published rota on that day gives one VanTeam with driver and mate ids and names."""
    branch = make_branch(session)
    van_b, van_a = make_van(session, branch, name="Van B"), make_van(session, branch, name="Van A")
    driver = make_volunteer(session, branch, first_name="Dora", last_name="Driver")
    mate = make_volunteer(session, branch, (VolunteerRole.DELIVERY_MATE,), first_name="Mo", last_name="Mate")
    rota = _rota(session, branch)
    _delivery(session, rota, van_b, driver=driver, mate=mate)
    _delivery(session, rota, van_a)
    _delivery(session, rota, van_a, day=date(2026, 12, 2), driver=driver)
    session.commit()

    teams = teams_for_date(session, branch.id, DAY)

    assert teams == [
        VanTeam(van_a.id, "Van A", None, "", None, ""),
        VanTeam(van_b.id, "Van B", driver.id, "Dora Driver", mate.id, "Mo Mate"),
    ]


def test_teams_for_date_ignores_drafts_other_branches_and_other_kinds(session) -> None:  # type: ignore[no-untyped-def]
    """Only the published rota of the asked branch counts; drafts, shopping slots and other days give nothing."""
    branch, other = make_branch(session), make_branch(session)
    van, other_van = make_van(session, branch), make_van(session, other)
    driver = make_volunteer(session, branch)
    draft = _rota(session, branch, status=RotaStatus.DRAFT)
    _delivery(session, draft, van, driver=driver)
    other_rota = _rota(session, other)
    _delivery(session, other_rota, other_van)
    published = _rota(session, branch, month=date(2027, 1, 1))
    session.add(RotaSlot(rota_id=published.id, key="s1", date=date(2027, 1, 5), part_of_day=PartOfDay.MORNING,
                         kind=SlotKind.SHOPPING, shop_id=make_shop(session, branch).id, resource="shop", seats=1))
    session.commit()

    assert teams_for_date(session, branch.id, DAY) == []
    assert teams_for_date(session, branch.id, date(2027, 1, 5)) == []
    assert [team.van_id for team in teams_for_date(session, other.id, DAY)] == [other_van.id]


def test_at_most_one_published_rota_per_branch_month(session) -> None:  # type: ignore[no-untyped-def]
    """The database refuses a second published rota for the same branch and month; drafts may be many."""
    branch = make_branch(session)
    _rota(session, branch, status=RotaStatus.DRAFT)
    _rota(session, branch, status=RotaStatus.DRAFT)
    _rota(session, branch)
    session.commit()
    with pytest.raises(IntegrityError):
        _rota(session, branch)
    session.rollback()
