"""Who takes which van out on a day of the PUBLISHED rota: the teams the route planner and the round
pages show (driver, mate and a shadowing trainee as a third person)."""

from __future__ import annotations


from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from foodtrain.models import Rota, RotaAssignment, RotaRole, RotaSlot, RotaStatus, SlotKind


@dataclass(frozen=True)
class VanTeam:
    """Who takes which van out on a delivery day (names are "" and ids None for an empty seat)."""

    van_id: int
    van_name: str
    driver_volunteer_id: int | None
    driver_name: str
    mate_volunteer_id: int | None
    mate_name: str
    shadow_volunteer_id: int | None = None  # a trainee riding along as a third person, not one of the team
    shadow_name: str = ""


def month_start(day: date) -> date:
    return day.replace(day=1)


def published_rota_id(session: Session, branch_id: int, month: date) -> int | None:
    """The id of the branch's published rota for the month of ``month``, or None."""
    return session.scalar(
        select(Rota.id).where(
            Rota.branch_id == branch_id, Rota.published_month == month_start(month), Rota.status == RotaStatus.PUBLISHED
        )
    )


def teams_for_date(session: Session, branch_id: int, day: date) -> list[VanTeam]:
    """The PUBLISHED rota's delivery teams on ``day``, one per van slot in van-name order; [] if none."""
    rota_id = published_rota_id(session, branch_id, day)
    if rota_id is None:
        return []
    slots = session.scalars(
        select(RotaSlot)
        .where(RotaSlot.rota_id == rota_id, RotaSlot.date == day, RotaSlot.kind == SlotKind.DELIVERY)
        .options(selectinload(RotaSlot.van), selectinload(RotaSlot.assignments).selectinload(RotaAssignment.volunteer))
    ).all()
    teams = []
    for slot in slots:
        by_role = {a.role: a.volunteer for a in slot.assignments}
        driver, mate = by_role.get(RotaRole.DRIVER), by_role.get(RotaRole.MATE)
        shadow = by_role.get(RotaRole.SHADOW)
        van = slot.van
        teams.append(
            VanTeam(
                van_id=van.id if van else 0,
                van_name=van.name if van else slot.resource,
                driver_volunteer_id=driver.id if driver else None,
                driver_name=driver.full_name if driver else "",
                mate_volunteer_id=mate.id if mate else None,
                mate_name=mate.full_name if mate else "",
                shadow_volunteer_id=shadow.id if shadow else None,
                shadow_name=shadow.full_name if shadow else "",
            )
        )
    teams.sort(key=lambda team: (team.van_name, team.van_id))
    return teams
