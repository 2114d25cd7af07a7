"""Delivery sheets and shop picking lists of a plan, as plain data rendered to PDF by :mod:`foodtrain.sheets`."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from foodtrain.clock import branch_today
from foodtrain.encryption import DecryptionError, FieldCipher
from foodtrain.models import (
    Customer,
    Order,
    RoutePlan,
    RoutePlanStatus,
    Shop,
)
from foodtrain.models import PAYMENT_METHOD_LABELS, SUPPORT_NEED_LABELS
from foodtrain.services.audit import Actor, record_event
from foodtrain.services.balances import balances_pence
from foodtrain.services.errors import NotFoundError
from foodtrain.services.people import get_in_branch, in_branch
from foodtrain.sheets import SheetStop, TeamSheet
from foodtrain.services.planning.viewing import amount_due_text, get_plan_view
from foodtrain.services.planning import reading

__all__ = [
    "KEY_SAFE_HELD_BY_TEAM",
    "delivery_sheets",
    "shops_of_branch",
]


KEY_SAFE_HELD_BY_TEAM = "on the team's own sheet"


def _key_safe_text(encrypted: str | None, cipher: FieldCipher | None) -> str:
    """The code for the day's team (given a cipher), else only a note that there is one."""
    if not encrypted:
        return ""
    if cipher is None:
        return KEY_SAFE_HELD_BY_TEAM
    try:
        return cipher.decrypt(encrypted)
    except DecryptionError:
        return "cannot be read: ask the office"


def delivery_sheets(
    session: Session,
    branch_id: int,
    plan_id: int,
    van_id: int | None,
    viewer: Actor,
    cipher: FieldCipher | None = None,
    today: date | None = None,
) -> list[TeamSheet]:
    """The teams' delivery sheets of a plan (one van or all visible ones); the download is audited.

    Key-safe codes are printed (decrypted with ``cipher``) only on the sheet of a round whose
    rostered team the viewer is in, once the plan is published and not after its day (an old
    sheet would print customers' current codes): the codes go to the day's team and nobody else. Other sheets say a code is held by the team. The audit counts the codes.
    """
    try:
        plan = get_in_branch(session, RoutePlan, plan_id, branch_id)
        team_of_van = {
            team.van_id: {team.driver_volunteer_id, team.mate_volunteer_id} - {None}
            for team in reading.rostered_teams(session, branch_id, plan.delivery_date)
        }
        view = get_plan_view(session, branch_id, plan.delivery_date, viewer.volunteer_id, viewer.drivers_only)
        if view is None:
            raise NotFoundError("No delivery sheets for you on that day.")
        rounds = [r for r in view.rounds if van_id is None or r.van_id == van_id]
        if not rounds:
            raise NotFoundError("No such round in this plan.")
        order_ids = {s.order_id for r in rounds for s in r.stops if s.order_id}
        orders = {
            o.id: o
            for o in session.scalars(
                in_branch(select(Order), Order, branch_id)
                .where(Order.id.in_(order_ids))
                .options(
                    selectinload(Order.customer).selectinload(Customer.support_needs),
                    selectinload(Order.shop),
                    selectinload(Order.lines),
                )
            ).all()
        }
        balances = balances_pence(
            session, branch_id, {o.customer_id for o in orders.values()}, before=plan.delivery_date
        )
        sheets = []
        key_safe_codes = 0
        for round_ in rounds:
            viewer_in_team = (
                plan.status is RoutePlanStatus.PUBLISHED
                and viewer.volunteer_id is not None
                and plan.delivery_date >= (today or branch_today())
                and viewer.volunteer_id in team_of_van.get(round_.van_id, set())
            )
            stops = []
            for stop in round_.stops:
                order = orders.get(stop.order_id) if stop.order_id else None
                cancelled = order is not None and reading.left_the_day(order, plan.delivery_date)
                if stop.kind == "delivery" and order is not None and cancelled:
                    customer = order.customer
                    stops.append(
                        SheetStop(
                            number=0,
                            kind="delivery",
                            arrival=stop.arrival,
                            customer_name=customer.full_name,
                            address=f"{customer.address_line1}, {customer.postcode}",
                            order_ref=str(order.id),
                            cancelled=True,
                        )
                    )
                elif stop.kind == "delivery" and order is not None:
                    customer = order.customer
                    address = ", ".join(
                        part
                        for part in (customer.address_line1, customer.address_line2, customer.town, customer.postcode)
                        if part
                    )
                    needs = "; ".join(SUPPORT_NEED_LABELS[n.need] for n in customer.support_needs)
                    stops.append(
                        SheetStop(
                            number=0,
                            kind="delivery",
                            arrival=stop.arrival,
                            customer_name=customer.full_name,
                            address=address,
                            phone=customer.phone,
                            access_notes=customer.access_notes,
                            support_needs=needs,
                            shop_name=order.shop.name,
                            crates=f"{stop.crates} (estimate)" if stop.crates_estimated else str(stop.crates),
                            amount_due=amount_due_text(order, balances),
                            payment_method=PAYMENT_METHOD_LABELS[customer.payment_method],
                            order_ref=str(order.id),
                            key_safe_code=_key_safe_text(
                                customer.key_safe_code_encrypted, cipher if viewer_in_team else None
                            ),
                        )
                    )
                elif stop.kind == "pickup" and order is not None:
                    crates = f"{stop.crates} (estimate)" if stop.crates_estimated else str(stop.crates)
                    if cancelled:
                        crates = "CANCELLED: leave at the shop"
                    stops.append(
                        SheetStop(
                            number=0,
                            kind="pickup",
                            arrival=stop.arrival,
                            customer_name=order.customer.full_name,
                            shop_name=stop.place,
                            crates=crates,
                            order_ref=str(order.id),
                            pickup_orders=((str(order.id), order.customer.full_name, crates),),
                        )
                    )
            stops = _merge_pickups(stops)
            key_safe_codes += sum(1 for s in stops if s.key_safe_code and s.key_safe_code != KEY_SAFE_HELD_BY_TEAM)
            sheets.append(
                TeamSheet(
                    delivery_date=view.delivery_date,
                    van_name=round_.van_name,
                    team=round_.team,
                    start=round_.start,
                    end=round_.end,
                    distance_km=round_.distance_km,
                    stops=tuple(replace(s, number=i) for i, s in enumerate(stops, start=1)),
                    changes=tuple(
                        c.text_for_team(round_.van_id)
                        for c in view.changes
                        if c.van_id is None or c.van_id == round_.van_id
                    ),
                )
            )
        record_event(
            session,
            user_id=viewer.user_id,
            username=viewer.username,
            action="delivery_sheet.download",
            entity_type="route_plan",
            entity_id=plan.id,
            branch_id=branch_id,
            detail=f"{plan.delivery_date.isoformat()} vans: {', '.join(r.van_name for r in rounds)}; "
            f"key-safe codes printed: {key_safe_codes}",
            remote_address=viewer.remote_address,
        )
        session.commit()
        return sheets
    except Exception:
        session.rollback()
        raise


def _merge_pickups(stops: list[SheetStop]) -> list[SheetStop]:
    """Consecutive pickups at the same shop become one 'collect' stop listing the orders."""
    merged: list[SheetStop] = []
    for stop in stops:
        last = merged[-1] if merged else None
        if stop.kind == "pickup" and last is not None and last.kind == "pickup" and last.shop_name == stop.shop_name:
            merged[-1] = replace(
                last,
                customer_name=f"{last.customer_name}; {stop.customer_name}",
                crates=f"{last.crates}; {stop.crates}",
                order_ref=f"{last.order_ref}, {stop.order_ref}",
                pickup_orders=last.pickup_orders + stop.pickup_orders,
            )
        else:
            merged.append(stop)
    return merged


def shops_of_branch(session: Session, branch_id: int) -> list[tuple[int, str]]:
    """(id, name) of the branch's shops, for the picking-list links."""
    return [(s.id, s.name) for s in session.scalars(in_branch(select(Shop), Shop, branch_id).order_by(Shop.name))]
