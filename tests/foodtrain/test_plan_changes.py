"""The week, not the page: data changing after a route plan is published.

Each test publishes a plan, changes one thing the way the office would (through its service),
and checks that the plan page lists exactly what changed, that publishing asks to confirm it and
that the affected team's delivery sheet prints it: a stale sheet is never printed silently.
"""

from __future__ import annotations

from datetime import date, time

import pytest

from foodtrain.models import OrderLine, OrderStatus, RoutePlan
from foodtrain.services.planning import adjusting, printouts, reading, solving, staleness, storing, viewing
from foodtrain.services.closures import set_day
from foodtrain.services.audit import SYSTEM, Actor
from foodtrain.services.customers import CustomerDetails, pause_customer, update_customer
from foodtrain.services.errors import ConfirmationNeeded
from foodtrain.services.orders.taking import OrderLineInput, save_order
from foodtrain.services.privacy import erase_customer
from foodtrain.services.rota import VanTeam
from foodtrain.services.volunteers import add_absence
from tests.factories import make_branch, make_customer, make_order, make_shop, make_van, make_volunteer

DAY = date(2026, 12, 1)
ACTOR = Actor(user_id=None, username="coordinator")


def _published(session, monkeypatch, capacity: int = 40):
    """A branch with one van, a rostered team of two real volunteers, three orders: planned and published."""
    branch = make_branch(session)
    shop = make_shop(session, branch, latitude=55.07, longitude=-3.61)
    van = make_van(session, branch, name="Van 1", capacity_crates=capacity)
    driver = make_volunteer(session, branch, first_name="Ann", last_name="Driver")
    mate = make_volunteer(session, branch, first_name="Bob", last_name="Mate")
    orders = []
    for k in range(3):
        customer = make_customer(
            session,
            branch,
            shop,
            latitude=55.05 + 0.01 * k,
            longitude=-3.55 - 0.01 * k,
            window_start=time(10, 0),
            window_end=time(15, 0),
        )
        lines = [OrderLine(position=i, item=f"item {i}", quantity=1) for i in range(1, 7)]
        orders.append(make_order(session, customer, delivery_date=DAY, lines=lines))
    session.commit()
    teams = [VanTeam(van.id, van.name, driver.id, "Ann Driver", mate.id, "Bob Mate")]
    monkeypatch.setattr(reading, "rostered_teams", lambda s, b, d: teams)
    plan_id = storing.plan_day(session, branch.id, DAY, time_limit_s=1)
    assert staleness.plan_changes(session, branch.id, DAY) == []
    adjusting.publish_plan(session, branch.id, plan_id, None, SYSTEM)
    return branch, shop, van, (driver, mate), orders, teams, plan_id


def _changes(session, branch) -> list[tuple[str, int | None, str]]:
    return [(c.kind, c.order_id, c.text) for c in staleness.plan_changes(session, branch.id, DAY)]


def _sheet_changes(session, branch, plan_id: int) -> tuple[str, ...]:
    sheets = printouts.delivery_sheets(session, branch.id, plan_id, None, Actor(None, "coordinator"))
    return sheets[0].changes


def _page_and_sheet_say(session, branch, plan_id: int, text: str) -> None:
    view = viewing.get_plan_view(session, branch.id, DAY)
    assert view is not None and view.published and view.out_of_date
    assert any(text in change.text for change in view.changes), view.changes
    assert any(text in line for line in _sheet_changes(session, branch, plan_id))


def test_order_taken_after_publishing_is_listed_as_new(session, monkeypatch) -> None:
    """A new order for the published day: the page says it came in after planning (it has no round yet)."""
    branch, shop, *_ = _published(session, monkeypatch)
    late = make_order(session, make_customer(session, branch, shop), delivery_date=DAY)
    session.commit()
    assert [(kind, order_id) for kind, order_id, _ in _changes(session, branch)] == [("new", late.id)]
    view = viewing.get_plan_view(session, branch.id, DAY)
    assert view.out_of_date and view.new_orders == 1


def test_items_added_beyond_the_vans_capacity_say_the_round_is_overloaded(session, monkeypatch) -> None:
    """An order grown after publishing: the order is changed and the round's load is named against the van's."""
    branch, _, _, _, orders, _, plan_id = _published(session, monkeypatch, capacity=4)
    save_order(
        session,
        branch.id,
        orders[0].customer_id,
        DAY,
        [OrderLineInput(f"Tin {k}", 1) for k in range(1, 25)],
        "",
        SYSTEM,
    )
    changes = _changes(session, branch)
    assert [(kind, order_id) for kind, order_id, _ in changes] == [("changed", orders[0].id), ("capacity", None)]
    assert changes[1][2] == "Van 1: its orders now fill 6 crates, more than the van's 4"
    _page_and_sheet_say(session, branch, plan_id, "more than the van's 4")


def test_customer_paused_after_publishing_is_named_on_the_sheet(session, monkeypatch) -> None:
    """A customer paused over the day (their order still open): the round's sheet says so."""
    branch, _, _, _, orders, _, plan_id = _published(session, monkeypatch)
    customer = orders[1].customer
    pause_customer(
        session,
        branch.id,
        customer.id,
        paused_from=DAY,
        paused_until=date(2026, 12, 20),
        reason="In hospital",
        expected_version=customer.version,
        actor=ACTOR,
        form_token="pause-1",
    )
    assert _changes(session, branch) == [
        (
            "customer",
            orders[1].id,
            f"Order {orders[1].id} for {customer.full_name}: the customer is paused from "
            "1 December until 20 December (Van 1's round)",
        )
    ]
    _page_and_sheet_say(session, branch, plan_id, "the customer is paused")


def test_customer_moving_house_after_publishing_is_listed_but_a_phone_change_is_not(session, monkeypatch) -> None:
    """A new address moves the stop: listed. A new phone number is read live by the sheet: not a change."""
    branch, shop, _, _, orders, _, plan_id = _published(session, monkeypatch)
    customer = orders[2].customer
    details = CustomerDetails(
        first_name=customer.first_name,
        last_name=customer.last_name,
        address_line1=customer.address_line1,
        town=customer.town,
        postcode=customer.postcode,
        shop_id=shop.id,
        delivery_weekday=customer.delivery_weekday,
        frequency_anchor_date=customer.frequency_anchor_date,
        place_by_hand=True,
        latitude=customer.latitude,
        longitude=customer.longitude,
        date_of_birth=customer.date_of_birth,
        joined_on=customer.joined_on,
        window_start=time(10, 0),
        window_end=time(15, 0),
        phone="01387 222333",
    )
    update_customer(
        session,
        branch.id,
        customer.id,
        details,
        expected_version=customer.version,
        actor=ACTOR,
        form_token="phone",
        today=DAY,
    )
    assert _changes(session, branch) == []
    moved = CustomerDetails(**(details.__dict__ | {"address_line1": "9 Burns Street", "latitude": 55.08}))
    update_customer(
        session,
        branch.id,
        customer.id,
        moved,
        expected_version=customer.version,
        actor=ACTOR,
        form_token="moved",
        today=DAY,
    )
    assert [(kind, order_id) for kind, order_id, _ in _changes(session, branch)] == [("customer", orders[2].id)]
    _page_and_sheet_say(session, branch, plan_id, "address or time window was changed after planning")


def test_customer_erased_after_publishing_is_flagged_not_printed_as_a_stop(session, monkeypatch) -> None:
    """Erasure cancels the customer's open order: the page and the sheet list it as cancelled."""
    branch, _, _, _, orders, _, plan_id = _published(session, monkeypatch)
    erase_customer(session, orders[0].customer_id, branch.id, Actor(None, "coordinator"))
    changes = _changes(session, branch)
    assert [(kind, order_id) for kind, order_id, _ in changes] == [("cancelled", orders[0].id)]
    assert changes[0][2] == f"Order {orders[0].id} for (erased) (erased) was cancelled (Van 1's round)"
    _page_and_sheet_say(session, branch, plan_id, "was cancelled")


def test_volunteer_away_on_the_published_day_leaves_the_van_without_a_full_team(session, monkeypatch) -> None:
    """The mate records an absence over the day after publishing: the round says the van has no full team."""
    branch, _, _, (_, mate), _, _, plan_id = _published(session, monkeypatch)
    add_absence(
        session, branch.id, mate.id, start_date=DAY, end_date=DAY, reason="Dentist", actor=ACTOR, form_token="away"
    )
    assert _changes(session, branch) == [
        ("rota", None, "Van 1: Bob Mate is away that day (Dentist): the van has no full team")
    ]
    _page_and_sheet_say(session, branch, plan_id, "Bob Mate is away that day")


def test_volunteer_taken_off_the_rota_says_which_seat_is_empty(session, monkeypatch) -> None:
    """The mate's seat emptied on the published rota: the change names the team then and now and the gap."""
    branch, _, van, (driver, _), _, teams, plan_id = _published(session, monkeypatch)
    teams[0] = VanTeam(van.id, van.name, driver.id, "Ann Driver", None, "")
    assert _changes(session, branch) == [
        (
            "rota",
            None,
            "Van 1: the rota changed: planned with Ann Driver and Bob Mate, now Ann Driver: "
            "no delivery mate rostered (a team of two works at the door)",
        )
    ]
    _page_and_sheet_say(session, branch, plan_id, "no delivery mate rostered")
    storing.plan_day(session, branch.id, DAY, time_limit_s=1)  # re-planning takes the van out and says why
    view = viewing.get_plan_view(session, branch.id, DAY)
    assert not view.rounds and not view.changes
    assert [(v.van_name, v.reason) for v in view.vans_left_out] == [
        ("Van 1", "no delivery mate rostered (a team of two works at the door)")
    ]


def test_branch_closed_on_the_published_day_is_on_every_sheet(session, monkeypatch) -> None:
    """A closure added for the day after publishing: every round's sheet says the branch is closed."""
    branch, _, _, _, _, _, plan_id = _published(session, monkeypatch)
    set_day(session, branch.id, DAY, is_open=False, reason="Storm warning", actor=Actor(None, "coordinator"))
    assert _changes(session, branch) == [("closed", None, "The branch is closed on Tuesday 1 December (Storm warning)")]
    _page_and_sheet_say(session, branch, plan_id, "The branch is closed")
    storing.plan_day(session, branch.id, DAY, time_limit_s=1)  # back in draft: publishing asks to confirm it
    with pytest.raises(ConfirmationNeeded) as asked:
        adjusting.publish_plan(session, branch.id, plan_id, None, SYSTEM)
    assert any("The branch is closed on Tuesday 1 December" in warning for warning in asked.value.warnings)


def test_branch_closed_is_said_once_for_a_day_of_several_rounds(session, monkeypatch) -> None:
    """Two vans out, then the day is closed: the plan page lists the closure once (it listed it once per
    round: "4 changes", the same line four times), and each team's sheet still says it."""
    branch = make_branch(session)
    shop = make_shop(session, branch, latitude=55.07, longitude=-3.61)
    vans = [make_van(session, branch, name=f"Van {n}", capacity_crates=2) for n in (1, 2)]
    people = [make_volunteer(session, branch) for _ in range(4)]
    for k in range(4):
        customer = make_customer(
            session,
            branch,
            shop,
            latitude=55.05 + 0.01 * k,
            longitude=-3.55 - 0.01 * k,
            window_start=time(10, 0),
            window_end=time(15, 0),
        )
        make_order(
            session,
            customer,
            delivery_date=DAY,
            lines=[OrderLine(position=i, item=f"item {i}", quantity=1) for i in range(1, 7)],
        )
    session.commit()
    teams = [
        VanTeam(
            van.id,
            van.name,
            people[2 * n].id,
            people[2 * n].full_name,
            people[2 * n + 1].id,
            people[2 * n + 1].full_name,
        )
        for n, van in enumerate(vans)
    ]
    monkeypatch.setattr(reading, "rostered_teams", lambda s, b, d: teams)
    plan_id = storing.plan_day(session, branch.id, DAY, time_limit_s=1)
    view = viewing.get_plan_view(session, branch.id, DAY)
    on_first = {s.order_id for r in view.rounds if r.van_id == vans[0].id for s in r.stops if s.order_id}
    if len(view.rounds) == 1:  # one van could do it all: move one order onto the other van
        adjusting.move_order(session, branch.id, plan_id, min(on_first), vans[1].id, view.version, None)
        plan_id = storing.plan_day(session, branch.id, DAY, time_limit_s=1)
    adjusting.publish_plan(session, branch.id, plan_id, None, None)
    assert len(viewing.get_plan_view(session, branch.id, DAY).rounds) == 2
    set_day(session, branch.id, DAY, is_open=False, reason="Storm warning", actor=ACTOR)
    assert _changes(session, branch) == [("closed", None, "The branch is closed on Tuesday 1 December (Storm warning)")]
    sheets = printouts.delivery_sheets(session, branch.id, plan_id, None, ACTOR)
    assert len(sheets) == 2
    assert all(any("The branch is closed" in change for change in sheet.changes) for sheet in sheets)


def test_shop_closed_after_publishing_names_each_order_it_was_to_pick(session, monkeypatch) -> None:
    """The shop made inactive: each open order it was to pick is listed with the shop's name."""
    branch, shop, _, _, orders, _, plan_id = _published(session, monkeypatch)
    shop.active = False
    session.commit()
    changes = _changes(session, branch)
    assert [(kind, order_id) for kind, order_id, _ in changes] == [("shop", o.id) for o in orders]
    assert f"{shop.name} is closed (no longer a partner shop), nobody will pick the order" in changes[0][2]
    _page_and_sheet_say(session, branch, plan_id, "nobody will pick the order")


def test_van_taken_out_of_service_after_publishing_is_listed(session, monkeypatch) -> None:
    """A van deactivated: its round has no van, and the page and the sheet say so."""
    branch, _, van, _, _, _, plan_id = _published(session, monkeypatch)
    van.active = False
    session.commit()
    assert _changes(session, branch) == [("van", None, "Van 1 is out of service: its round has no van")]
    _page_and_sheet_say(session, branch, plan_id, "out of service")


def test_delivered_orders_are_not_changes(session, monkeypatch) -> None:
    """On the day, a delivered order on a paused customer's round is done: nothing to re-plan for it."""
    branch, _, _, _, orders, _, _ = _published(session, monkeypatch)
    orders[0].status = OrderStatus.DELIVERED
    session.commit()
    pause_customer(
        session,
        branch.id,
        orders[0].customer_id,
        paused_from=DAY,
        paused_until=None,
        reason="Away",
        expected_version=orders[0].customer.version,
        actor=ACTOR,
        form_token="pause-2",
    )
    assert _changes(session, branch) == []


def test_an_order_edited_while_its_day_is_being_planned_is_a_change_of_the_new_plan(session, monkeypatch) -> None:
    """The edit lands between reading the day and storing the plan: the stored plan lists it, not hides it."""
    branch, _, _, _, orders, _, _ = _published(session, monkeypatch)
    inputs = reading.read_day(session, branch.id, DAY, storing.DEFAULT_SHIFT_START, storing.DEFAULT_SHIFT_END)
    session.rollback()
    save_order(session, branch.id, orders[1].customer_id, DAY, [OrderLineInput("Soup", 3)], "", SYSTEM)
    solution = solving.solve_day(inputs, 1)
    storing.store_plan(
        session,
        inputs,
        solution,
        shift_start=storing.DEFAULT_SHIFT_START,
        shift_end=storing.DEFAULT_SHIFT_END,
        time_limit_s=1,
        actor=SYSTEM,
    )
    assert [(kind, order_id) for kind, order_id, _ in _changes(session, branch)] == [("changed", orders[1].id)]
    assert session.get(RoutePlan, viewing.get_plan_view(session, branch.id, DAY).id).planned_at is not None


def test_order_taken_after_publishing_reaches_the_teams_page_sheet_and_dashboards(session, monkeypatch) -> None:
    """A change tied to no round (a new order) is shown where the team and the office look, from the one rule:
    the team's phone page, their sheet and their next round (without the other customer's name), and the
    office's list of out-of-date published days (with it)."""
    branch, shop, _, (driver, _), orders, _, plan_id = _published(session, monkeypatch)
    late_customer = make_customer(session, branch, shop)
    late = make_order(session, late_customer, delivery_date=DAY)
    session.commit()
    team_page = viewing.get_plan_view(session, branch.id, DAY, driver.id, drivers_only=True)
    said = f"Order {late.id} came in after planning: it is on no round yet"
    assert [c.text for c in team_page.changes] == [said]
    assert late_customer.full_name not in team_page.changes[0].text
    team_sheet = printouts.delivery_sheets(
        session, branch.id, plan_id, None, Actor(None, "driver", volunteer_id=driver.id, drivers_only=True)
    )
    assert team_sheet[0].changes == (said,)
    assert _sheet_changes(session, branch, plan_id) == (said,)  # the office prints the team's sheet: the same
    next_round = viewing.next_round_for_volunteer(session, branch.id, driver.id, DAY)
    assert next_round is not None and next_round.changes == (said,)
    assert [(d.delivery_date, d.changes) for d in viewing.rounds_for_volunteer(session, branch.id, driver.id, DAY)] == [
        (DAY, 1)
    ]
    office = viewing.published_plans_out_of_date(session, branch.id, DAY)
    assert [(item.delivery_date, [c.text for c in item.changes]) for item in office] == [
        (DAY, [f"Order {late.id} for {late_customer.full_name} came in after planning"])
    ]
    assert viewing.published_plans_out_of_date(session, branch.id, date(2026, 12, 2)) == []  # the day is past


def test_a_round_change_of_another_team_is_not_on_this_teams_page(session, monkeypatch) -> None:
    """Changes tied to a round stay with that round's team; an up-to-date plan lists nothing anywhere."""
    branch, _, van, (driver, mate), orders, teams, plan_id = _published(session, monkeypatch)
    assert viewing.published_plans_out_of_date(session, branch.id, DAY) == []
    assert viewing.next_round_for_volunteer(session, branch.id, driver.id, DAY).changes == ()
    assert [d.changes for d in viewing.rounds_for_volunteer(session, branch.id, mate.id, DAY)] == [0]
    other = make_volunteer(session, branch, first_name="Cat", last_name="Other")
    session.commit()
    assert viewing.get_plan_view(session, branch.id, DAY, other.id, drivers_only=True) is None
    erase_customer(session, orders[0].customer_id, branch.id, Actor(None, "coordinator"))
    team_page = viewing.get_plan_view(session, branch.id, DAY, driver.id, drivers_only=True)
    assert [c.text for c in team_page.changes] == [
        f"Order {orders[0].id} for (erased) (erased) was cancelled (Van 1's round)"
    ]
