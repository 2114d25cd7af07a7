"""Order services: the board, taking an order (once), usual items, picking, packing, delivery, cancelling."""

from __future__ import annotations

import threading
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from foodtrain.extensions import db
from foodtrain.models import (
    AuditEvent,
    CustomerStatus,
    DeliveryFrequency,
    ListMethod,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    Shop,
)
from foodtrain.models import estimate_crates
from foodtrain.services.audit import SYSTEM, Actor
from foodtrain.services.errors import NotFoundError, ValidationError
from foodtrain.services.orders.board import next_delivery_date, order_board
from foodtrain.services.orders.cancelling import cancel_order
from foodtrain.services.orders.delivery import record_delivery, undo_delivery
from foodtrain.services.orders.rules import StaleOrderError
from foodtrain.services.orders.shops import picking_lists, record_packing, shop_day_summary
from foodtrain.services.orders.taking import (
    OrderLineInput,
    get_order,
    order_edit_context,
    order_entry_context,
    save_order,
    usual_items,
)
from tests.conftest import requires_postgres
from tests.factories import make_branch, make_customer, make_order, make_shop

ACTOR = Actor(user_id=None, username="tester")
TUESDAY = date(2026, 12, 1)  # factories' customers are weekly on Tuesdays, anchored on a Tuesday
LINES = [OrderLineInput("Milk", 2, "semi-skimmed", True), OrderLineInput("Bread", 1, "", False)]


def _order_count(session) -> int:
    return session.scalar(select(func.count(Order.id)))


def _line_count(session) -> int:
    return session.scalar(select(func.count(OrderLine.id)))


@pytest.fixture
def world(session):
    """One branch with a shop and a weekly Tuesday customer, and a second branch with its own customer."""
    branch = make_branch(session)
    shop = make_shop(session, branch, orders_ready_time=time(9, 0))
    customer = make_customer(session, branch, shop, phone="01387 111111", list_method=ListMethod.TELEPHONE)
    other_branch = make_branch(session)
    stranger = make_customer(session, other_branch)
    ids = {
        "branch": branch.id,
        "shop": shop.id,
        "customer": customer.id,
        "other_branch": other_branch.id,
        "stranger": stranger.id,
    }
    session.commit()  # after reading the ids: touching expired objects would open (and hold) a new transaction
    return ids


# ---------------------------------------------------------------- taking an order


def test_save_order_stores_lines_and_the_charge_in_force(session, world) -> None:
    """A new order keeps its lines in order and takes the delivery charge effective on its date."""
    order_id = save_order(session, world["branch"], world["customer"], TUESDAY, LINES, "Ring the bell", ACTOR)
    order = get_order(session, world["branch"], order_id)
    assert [(line.item, line.quantity, line.notes, line.substitute_allowed) for line in order.lines] == [
        ("Milk", 2, "semi-skimmed", True),
        ("Bread", 1, "", False),
    ]
    assert order.status is OrderStatus.RECEIVED and order.notes == "Ring the bell"
    assert order.delivery_charge_pence == 300 and order.shop_id == world["shop"]
    old_id = save_order(session, world["branch"], world["customer"], date(2012, 3, 27), LINES, "", ACTOR)
    assert get_order(session, world["branch"], old_id).delivery_charge_pence == 200
    assert (
        session.scalar(
            select(AuditEvent.action).where(AuditEvent.entity_id == order_id, AuditEvent.entity_type == "order")
        )
        == "order.create"
    )


def test_saving_the_same_order_twice_keeps_one_order(session, world) -> None:
    """A double-clicked submit (same customer, date and lines) returns the same order and changes nothing."""
    first = save_order(session, world["branch"], world["customer"], TUESDAY, LINES, "", ACTOR)
    version = get_order(session, world["branch"], first).version
    second = save_order(session, world["branch"], world["customer"], TUESDAY, LINES, "", ACTOR)
    assert first == second and _order_count(session) == 1 and _line_count(session) == 2
    assert get_order(session, world["branch"], first).version == version


def test_a_second_new_order_for_the_same_date_updates_it(session, world) -> None:
    """Submitting the new-order form again with other lines updates the one order instead of failing."""
    first = save_order(session, world["branch"], world["customer"], TUESDAY, LINES, "", ACTOR)
    second = save_order(session, world["branch"], world["customer"], TUESDAY, [OrderLineInput("Tea", 3)], "x", ACTOR)
    assert first == second and _order_count(session) == 1
    order = get_order(session, world["branch"], first)
    assert [(line.item, line.quantity) for line in order.lines] == [("Tea", 3)] and order.notes == "x"


def _world_in(app):
    with app.app_context():
        branch = make_branch(db.session)
        customer = make_customer(db.session, branch)
        ids = {"branch": branch.id, "customer": customer.id}
        db.session.commit()
        db.session.remove()
    return ids


def _in_threads(app, count: int, work) -> list[BaseException]:
    """Run work(thread_number) in `count` threads at once, each with its own app context and session."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(number: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                work(number)
            except BaseException as error:  # noqa: BLE001 - reported to the test
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _check_concurrent_double_submit(app) -> None:
    world = _world_in(app)
    results: list[int] = []
    errors = _in_threads(
        app,
        6,
        lambda _n: results.append(
            save_order(db.session, world["branch"], world["customer"], TUESDAY, LINES, "", ACTOR)
        ),
    )
    assert not errors and len(results) == 6 and len(set(results)) == 1
    with app.app_context():
        assert _order_count(db.session) == 1 and _line_count(db.session) == 2


def _check_concurrent_edits_lose_nothing(app, threads: int = 4, edits: int = 8) -> None:
    """Each edit reads the order, appends a line and saves with the version it read, retrying when stale."""
    world = _world_in(app)
    with app.app_context():
        order_id = save_order(
            db.session, world["branch"], world["customer"], TUESDAY, [OrderLineInput("Start", 1)], "", ACTOR
        )
    stale_retries: list[int] = []

    def work(number: int) -> None:
        for edit in range(edits):
            while True:
                context = order_edit_context(db.session, world["branch"], order_id)
                snapshot = context.existing_order
                db.session.rollback()  # end the read transaction, as a request would
                try:
                    save_order(
                        db.session,
                        world["branch"],
                        0,
                        date.min,
                        [*snapshot.lines, OrderLineInput(f"t{number}-e{edit}", 1)],
                        "",
                        ACTOR,
                        expected_version=snapshot.version,
                        order_id=order_id,
                    )
                    break
                except StaleOrderError:
                    stale_retries.append(1)

    errors = _in_threads(app, threads, work)
    assert not errors, errors
    with app.app_context():
        order = get_order(db.session, world["branch"], order_id)
        items = [line.item for line in order.lines]
        assert len(items) == 1 + threads * edits and len(set(items)) == len(items)
        assert order.version == 1 + threads * edits
    print(f"orders concurrency: {threads} threads x {edits} edits, stale retries {len(stale_retries)}, lost 0")


def test_concurrent_double_submit_creates_one_order(app) -> None:
    """Six requests saving the same new order at once (threads, own sessions) leave exactly one order."""
    _check_concurrent_double_submit(app)


def test_concurrent_edits_lose_no_update(app) -> None:
    """Optimistic locking under load: every edit lands exactly once, stale ones are told to retry."""
    _check_concurrent_edits_lose_nothing(app)


@pytest.mark.postgres
@requires_postgres
def test_concurrent_double_submit_and_edits_on_postgresql(postgres_app) -> None:
    """The same on PostgreSQL, where the unique (customer, date) insert race really happens."""
    _check_concurrent_double_submit(postgres_app)
    _check_concurrent_edits_lose_nothing(postgres_app)


def test_editing_with_a_stale_version_changes_nothing(session, world) -> None:
    """Optimistic locking: an edit based on an old version is refused; the right version updates and bumps it."""
    order_id = save_order(session, world["branch"], world["customer"], TUESDAY, LINES, "", ACTOR)
    version = get_order(session, world["branch"], order_id).version
    save_order(
        session,
        world["branch"],
        0,
        date.min,
        [OrderLineInput("Eggs", 6)],
        "",
        ACTOR,
        expected_version=version,
        order_id=order_id,
    )
    assert get_order(session, world["branch"], order_id).version == version + 1
    with pytest.raises(StaleOrderError, match="changed by someone else"):
        save_order(
            session,
            world["branch"],
            0,
            date.min,
            [OrderLineInput("Jam", 1)],
            "",
            ACTOR,
            expected_version=version,
            order_id=order_id,
        )
    session.expire_all()
    assert [line.item for line in get_order(session, world["branch"], order_id).lines] == ["Eggs"]


def test_bad_lines_are_refused_with_their_line_and_nothing_is_written(session, world) -> None:
    """A line with notes but no item, a zero quantity or an over-long item name each name their line."""
    lines = [
        OrderLineInput("Milk", 1),
        OrderLineInput("", 1, "the usual"),
        OrderLineInput("Tea", 0),
        OrderLineInput("x" * 201, 1),
    ]
    with pytest.raises(ValidationError) as raised:
        save_order(session, world["branch"], world["customer"], TUESDAY, lines, "", ACTOR)
    assert set(raised.value.field_errors) == {"lines-1-item", "lines-2-quantity", "lines-3-item"}
    assert "Line 3" in raised.value.field_errors["lines-2-quantity"]
    with pytest.raises(ValidationError) as raised:
        save_order(session, world["branch"], world["customer"], TUESDAY, [OrderLineInput("  ", 1)], "", ACTOR)
    assert "at least one item" in raised.value.field_errors["lines"]
    assert _order_count(session) == 0 and _line_count(session) == 0


def test_no_maximum_number_of_lines_and_blank_lines_are_dropped(session, world) -> None:
    """A long shopping list is kept whole; blank lines in between are skipped and the rest renumbered."""
    lines = [OrderLineInput(f"Item {n}", 1) if n % 3 else OrderLineInput("", 1) for n in range(1, 151)]
    order_id = save_order(session, world["branch"], world["customer"], TUESDAY, lines, "", ACTOR)
    order = get_order(session, world["branch"], order_id)
    assert len(order.lines) == 100 and [line.position for line in order.lines] == list(range(1, 101))


def test_another_branch_cannot_order_for_or_see_a_customer(session, world) -> None:
    """Branch scoping: another branch's customer and order are simply not found."""
    with pytest.raises(NotFoundError):
        save_order(session, world["branch"], world["stranger"], TUESDAY, LINES, "", ACTOR)
    order_id = save_order(session, world["other_branch"], world["stranger"], TUESDAY, LINES, "", ACTOR)
    with pytest.raises(NotFoundError):
        get_order(session, world["branch"], order_id)
    with pytest.raises(NotFoundError):
        save_order(session, world["branch"], 0, date.min, LINES, "", ACTOR, expected_version=1, order_id=order_id)
    with pytest.raises(NotFoundError):
        record_packing(session, world["branch"], order_id, 1, 100, ACTOR)
    with pytest.raises(NotFoundError):
        usual_items(session, world["branch"], world["stranger"])


def test_a_packed_order_can_no_longer_be_changed(session, world) -> None:
    """Once the shop has packed it, the lines are fixed; resending the identical list is still harmless."""
    order_id = save_order(session, world["branch"], world["customer"], TUESDAY, LINES, "", ACTOR)
    record_packing(session, world["branch"], order_id, 2, 2345, ACTOR)
    with pytest.raises(ValidationError, match="packed"):
        save_order(session, world["branch"], world["customer"], TUESDAY, [OrderLineInput("Tea", 1)], "", ACTOR)
    assert save_order(session, world["branch"], world["customer"], TUESDAY, LINES, "", ACTOR) == order_id


def test_an_ended_customer_cannot_order_after_the_end(session, world) -> None:
    """A customer whose membership ended gets no orders dated after the end."""
    customer = make_customer(
        session, _branch(session, world), status=CustomerStatus.ENDED, ended_on=date(2026, 11, 1), end_reason="moved"
    )
    session.commit()
    with pytest.raises(ValidationError, match="ended"):
        save_order(session, world["branch"], customer.id, TUESDAY, LINES, "", ACTOR)


def test_no_new_order_on_a_closed_day_and_the_board_says_it_is_closed(session, world) -> None:
    """A day the branch closed (a storm warning on Tuesday): a new order for it is refused with the reason,
    as planning the day is, and nothing is written; an order taken before the closure can still be edited, and
    the day's board says the branch is closed so the office moves them."""
    from foodtrain.services.closures import set_day

    earlier = save_order(session, world["branch"], world["customer"], TUESDAY, LINES, "", SYSTEM)
    set_day(session, world["branch"], TUESDAY, is_open=False, reason="Storm warning", actor=ACTOR)
    other = make_customer(session, _branch(session, world))
    session.commit()
    before = _order_count(session)
    assert order_entry_context(session, world["branch"], other.id, TUESDAY).closed_reason == "Storm warning"
    with pytest.raises(ValidationError) as refused:
        save_order(session, world["branch"], other.id, TUESDAY, LINES, "", SYSTEM)
    assert "closure day (Storm warning)" in refused.value.field_errors["delivery_date"]
    assert _order_count(session) == before
    version = session.get(Order, earlier).version
    save_order(
        session,
        world["branch"],
        world["customer"],
        TUESDAY,
        LINES[:1],
        "",
        None,
        order_id=earlier,
        expected_version=version,
    )
    assert order_board(session, world["branch"], TUESDAY).closed_reason == "Storm warning"
    assert order_board(session, world["branch"], TUESDAY + timedelta(days=7)).closed_reason is None


def _branch(session, world):
    from foodtrain.models import Branch

    return session.get(Branch, world["branch"])


# ---------------------------------------------------------------- the board


def test_board_splits_due_customers_into_in_and_missing(session, world) -> None:
    """Due weekly and fortnightly customers appear; paused, off-week, ended and other weekdays do not."""
    branch = _branch(session, world)
    shop = make_shop(session, branch)
    fortnightly_on = make_customer(
        session, branch, shop, frequency=DeliveryFrequency.FORTNIGHTLY, frequency_anchor_date=date(2026, 11, 17)
    )
    fortnightly_off = make_customer(
        session, branch, shop, frequency=DeliveryFrequency.FORTNIGHTLY, frequency_anchor_date=date(2026, 11, 24)
    )
    paused = make_customer(
        session, branch, shop, status=CustomerStatus.PAUSED, paused_from=date(2026, 11, 20), pause_reason="in hospital"
    )
    ended = make_customer(
        session, branch, shop, status=CustomerStatus.ENDED, ended_on=date(2026, 11, 1), end_reason="moved away"
    )
    thursday = make_customer(session, branch, shop, delivery_weekday=3)
    ad_hoc = make_customer(session, branch, shop, frequency=DeliveryFrequency.AD_HOC)
    session.commit()
    save_order(session, world["branch"], world["customer"], TUESDAY, LINES, "", ACTOR)
    save_order(session, world["branch"], ad_hoc.id, TUESDAY, LINES, "", ACTOR)
    cancelled_id = save_order(session, world["branch"], fortnightly_on.id, TUESDAY, LINES, "", ACTOR)
    cancel_order(session, world["branch"], cancelled_id, "changed her mind", ACTOR)

    board = order_board(session, world["branch"], TUESDAY)
    assert [e.customer_id for e in board.due_with_order] == [world["customer"]]
    assert board.due_missing == []
    assert [e.customer_id for e in board.other_orders] == [ad_hoc.id]
    assert [e.customer_id for e in board.cancelled] == [fortnightly_on.id]
    assert board.customers_due == 2 and board.orders_in == 2
    shown = {e.customer_id for e in board.due_with_order + board.due_missing + board.other_orders + board.cancelled}
    assert not shown & {fortnightly_off.id, paused.id, ended.id, thursday.id, world["stranger"]}

    reopened = save_order(session, world["branch"], fortnightly_on.id, TUESDAY, LINES, "", ACTOR)
    assert reopened == cancelled_id
    board = order_board(session, world["branch"], TUESDAY)
    assert {e.customer_id for e in board.due_with_order} == {world["customer"], fortnightly_on.id}


def test_missing_customers_show_phone_and_list_method_telephone_first(session, world) -> None:
    """The office rings the missing ones: phone and list method are on the board, telephone customers first."""
    branch = _branch(session, world)
    form_customer = make_customer(session, branch, last_name="Aaronson", list_method=ListMethod.COLLECTED_FORM)
    session.commit()
    board = order_board(session, world["branch"], TUESDAY)
    assert [e.customer_id for e in board.due_missing] == [world["customer"], form_customer.id]
    first = board.due_missing[0]
    assert first.phone == "01387 111111" and first.list_method == "Telephone" and first.order_id is None
    assert board.customers_due == 2 and board.orders_in == 0


def test_next_delivery_date_is_the_first_day_with_customers_due(session, world) -> None:
    """From Wednesday the next delivery date of a Tuesday-only branch is the following Tuesday."""
    assert next_delivery_date(session, world["branch"], date(2026, 11, 25)) == TUESDAY
    assert next_delivery_date(session, world["branch"], TUESDAY) == TUESDAY


# ---------------------------------------------------------------- usual items


def test_usual_items_are_the_most_frequent_of_the_last_orders(session, world) -> None:
    """Counted over the last N orders (cancelled ones ignored), case-insensitively, most frequent first."""
    customer = world["customer"]
    history = [
        (date(2026, 10, 6), ["Porridge oats", "Tea"]),
        (date(2026, 10, 13), ["Milk", "Tea", "Bananas"]),
        (date(2026, 10, 20), ["milk ", "Bread"]),
        (date(2026, 10, 27), ["Milk", "Bread", "Soup"]),
    ]
    for day, items in history:
        save_order(session, world["branch"], customer, day, [OrderLineInput(item, 1) for item in items], "", ACTOR)
    cancelled = save_order(
        session, world["branch"], customer, date(2026, 11, 3), [OrderLineInput("Whisky", 1)], "", ACTOR
    )
    cancel_order(session, world["branch"], cancelled, "not needed", ACTOR)
    assert usual_items(session, world["branch"], customer, limit=3) == ["Milk", "Bread", "Tea"]
    assert "Porridge oats" not in usual_items(session, world["branch"], customer, limit=20, last_orders=3)
    assert "Whisky" not in usual_items(session, world["branch"], customer)
    context = order_entry_context(session, world["branch"], customer, TUESDAY)
    assert context.usual_items[0] == "Milk" and context.is_due and context.existing_order_id is None


def test_usual_items_for_a_new_customer_are_empty(session, world) -> None:
    """No history, no prompts (and no error); the entry page still shows how to help them on the phone."""
    from foodtrain.models import Customer, CustomerSupportNeed, SupportNeed

    assert usual_items(session, world["branch"], world["customer"]) == []
    customer = session.get(Customer, world["customer"])
    customer.support_needs = [CustomerSupportNeed(need=SupportNeed.MEMORY)]
    session.commit()
    context = order_entry_context(session, world["branch"], world["customer"], TUESDAY)
    assert context.usual_items == [] and context.support_needs == ["Memory problems"]


# ---------------------------------------------------------------- shops, packing, delivery, cancelling


def test_shop_summary_and_picking_lists(session, world) -> None:
    """Per shop: orders ready by its time, packed count, crates (counted or estimated); one list per order."""
    branch = _branch(session, world)
    second_shop = make_shop(session, branch, name="Zed Stores", orders_ready_time=time(8, 0))
    other = make_customer(session, branch, second_shop, first_name="Jean", last_name="Brown")
    session.commit()
    big = [OrderLineInput(f"Item {n}", 2) for n in range(9)]  # 9 lines: 2 crates by estimate
    mine = save_order(session, world["branch"], world["customer"], TUESDAY, big, "", ACTOR)
    theirs = save_order(
        session, world["branch"], other.id, TUESDAY, [OrderLineInput("Tea", 1, "decaf", False)], "Back door", ACTOR
    )
    record_packing(session, world["branch"], theirs, 2, 1050, ACTOR)

    summaries = shop_day_summary(session, world["branch"], TUESDAY)
    assert [(s.shop_name, s.ready_by, s.order_count, s.packed_count, s.crates_estimate) for s in summaries] == [
        ("Zed Stores", time(8, 0), 1, 1, 2),
        (summaries[1].shop_name, time(9, 0), 1, 0, 2),
    ]
    assert estimate_crates(18) == 3 and estimate_crates(1) == 1

    lists = picking_lists(session, world["branch"], TUESDAY, second_shop.id, ACTOR)
    assert [(p.shop_name, p.ready_by, len(p.orders)) for p in lists] == [("Zed Stores", "08:00", 1)]
    theirs_block = lists[0].orders[0]
    assert theirs_block.order_ref == str(theirs) and theirs_block.customer_name == "Jean Brown"
    assert theirs_block.notes == "Back door" and theirs_block.crates == 2
    assert [(l.item, l.quantity, l.notes, l.substitute_allowed) for l in theirs_block.lines] == [
        ("Tea", 1, "decaf", False)
    ]
    mine_lists = picking_lists(session, world["branch"], TUESDAY, world["shop"], ACTOR)
    assert [o.order_ref for p in mine_lists for o in p.orders] == [str(mine)]
    assert mine_lists[0].orders[0].crates is None and mine_lists[0].orders[0].crates_estimate == 2
    with pytest.raises(NotFoundError):
        picking_lists(session, world["other_branch"], TUESDAY, second_shop.id, ACTOR)


def test_picking_lists_hold_only_orders_still_at_the_shop_and_are_audited(session, world) -> None:
    """Received, sent and packed orders are picked; out for delivery, delivered, not delivered and cancelled
    ones are left off; every printing writes one audit row (the list names customers and their food)."""
    branch = _branch(session, world)
    statuses = list(OrderStatus)
    order_ids = {}
    for number, status in enumerate(statuses):
        customer = make_customer(
            session, branch, session.get(Shop, world["shop"]), first_name=f"P{number}", last_name="Picker"
        )
        session.commit()
        order_ids[status] = save_order(
            session, world["branch"], customer.id, TUESDAY, [OrderLineInput("Bread", 1)], "", ACTOR
        )
        order = session.get(Order, order_ids[status])
        order.status = status
        if status is OrderStatus.NOT_DELIVERED:
            order.not_delivered_reason = "Nobody in"
    session.commit()
    audited_before = session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "picking_list.download")
    )

    lists = picking_lists(session, world["branch"], TUESDAY, None, ACTOR)

    picked = {int(o.order_ref) for p in lists for o in p.orders}
    assert picked == {order_ids[s] for s in (OrderStatus.RECEIVED, OrderStatus.SENT_TO_SHOP, OrderStatus.PACKED)}
    assert (
        session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "picking_list.download"))
        == audited_before + 1
    )


def test_packing_records_crates_and_receipt(session, world) -> None:
    """Packing sets crates and till receipt and PACKED; the amount due is receipt plus charge."""
    order_id = save_order(session, world["branch"], world["customer"], TUESDAY, LINES, "", ACTOR)
    with pytest.raises(ValidationError) as raised:
        record_packing(session, world["branch"], order_id, 0, -5, ACTOR)
    assert set(raised.value.field_errors) == {"crates", "till_receipt"}
    record_packing(session, world["branch"], order_id, 2, 2345, ACTOR)
    order = get_order(session, world["branch"], order_id)
    assert (order.status, order.crates, order.till_receipt_pence, order.amount_due_pence) == (
        OrderStatus.PACKED,
        2,
        2345,
        2645,
    )


def test_delivery_outcomes_need_their_details(session, world) -> None:
    """Not delivered needs a reason; delivered needs the amount and method; neither before packing."""
    order_id = save_order(session, world["branch"], world["customer"], TUESDAY, LINES, "", ACTOR)
    with pytest.raises(ValidationError, match="packing"):
        record_delivery(session, world["branch"], order_id, True, 100, PaymentMethod.CASH, "", ACTOR)
    record_packing(session, world["branch"], order_id, 1, 1000, ACTOR)
    with pytest.raises(ValidationError) as raised:
        record_delivery(session, world["branch"], order_id, False, None, None, "  ", ACTOR)
    assert "reason" in raised.value.field_errors
    with pytest.raises(ValidationError) as raised:
        record_delivery(session, world["branch"], order_id, True, None, None, "", ACTOR)
    assert set(raised.value.field_errors) == {"amount_received", "payment_method"}
    record_delivery(session, world["branch"], order_id, False, None, None, "No answer", ACTOR)
    assert get_order(session, world["branch"], order_id).not_delivered_reason == "No answer"
    record_delivery(session, world["branch"], order_id, True, 1300, PaymentMethod.CHEQUE, "", ACTOR)
    order = get_order(session, world["branch"], order_id)
    assert (order.status, order.amount_received_pence, order.payment_method_received, order.not_delivered_reason) == (
        OrderStatus.DELIVERED,
        1300,
        PaymentMethod.CHEQUE,
        None,
    )


def test_cancel_needs_a_reason_and_keeps_it_in_the_notes(session, world) -> None:
    """Cancelling needs a reason and the current version; the reason is added to the notes; only once."""
    order_id = save_order(session, world["branch"], world["customer"], TUESDAY, LINES, "Leave at door", ACTOR)
    version = get_order(session, world["branch"], order_id).version
    with pytest.raises(ValidationError):
        cancel_order(session, world["branch"], order_id, " ", ACTOR)
    with pytest.raises(StaleOrderError):
        cancel_order(session, world["branch"], order_id, "In hospital", ACTOR, expected_version=version + 5)
    cancel_order(session, world["branch"], order_id, "In hospital", ACTOR, expected_version=version)
    order = get_order(session, world["branch"], order_id)
    assert order.status is OrderStatus.CANCELLED and order.notes == "Leave at door\nCancelled: In hospital"
    with pytest.raises(ValidationError, match="no longer be cancelled"):
        cancel_order(session, world["branch"], order_id, "again", ACTOR)


def test_edit_context_carries_lines_and_version(session, world) -> None:
    """The edit form is loaded with the order's lines and the version it was read at."""
    order_id = save_order(session, world["branch"], world["customer"], TUESDAY, LINES, "n", ACTOR)
    context = order_edit_context(session, world["branch"], order_id)
    assert context.existing_order is not None and context.existing_order.lines == LINES
    assert context.existing_order.version == 1 and context.existing_order.editable
    assert context.existing_order_id == order_id


def test_factory_order_is_on_the_board(session, world) -> None:
    """Orders made elsewhere (e.g. the demo) count as 'in' for the due customer."""
    from foodtrain.models import Customer

    make_order(session, session.get(Customer, world["customer"]), delivery_date=TUESDAY)
    session.commit()
    board = order_board(session, world["branch"], TUESDAY)
    assert len(board.due_with_order) == 1 and board.due_missing == []


def test_repeated_submits_of_an_edit_or_a_record_are_harmless(session, world) -> None:
    """A double click on an edit, packing, delivery or cancel form repeats the same change with the old
    version: it is accepted as already done instead of being called a conflict."""
    branch = world["branch"]
    order_id = save_order(session, branch, world["customer"], TUESDAY, LINES, "", ACTOR)
    new_lines = [OrderLineInput("Eggs", 6)]
    for _ in range(2):
        save_order(session, branch, 0, date.min, new_lines, "", ACTOR, expected_version=1, order_id=order_id)
    version = get_order(session, branch, order_id).version
    assert version == 2
    for _ in range(2):
        record_packing(session, branch, order_id, 1, 500, ACTOR, expected_version=version)
    version = get_order(session, branch, order_id).version
    for _ in range(2):
        record_delivery(session, branch, order_id, False, None, None, "No answer", ACTOR, expected_version=version)
    with pytest.raises(StaleOrderError):
        record_delivery(session, branch, order_id, True, 800, PaymentMethod.CASH, "", ACTOR, expected_version=version)
    other = save_order(session, branch, world["customer"], date(2026, 12, 8), LINES, "", ACTOR)
    for _ in range(2):
        cancel_order(session, branch, other, "Away", ACTOR, expected_version=1)
    assert get_order(session, branch, other).notes == "Cancelled: Away"


# ---------------------------------------------------------------- who acted


def test_every_order_change_is_audited_as_the_actor_given(session, world) -> None:
    """Each order service takes the one Actor (never a bare user id): its name and address reach every audit row."""
    office = Actor(user_id=None, username="office-ann", remote_address="10.0.0.7")
    order_id = save_order(session, world["branch"], world["customer"], TUESDAY, LINES, "", office)
    record_packing(session, world["branch"], order_id, 1, 1000, office)
    record_delivery(session, world["branch"], order_id, False, None, None, "No answer", office)
    other = save_order(session, world["branch"], world["customer"], date(2026, 12, 8), LINES, "", office)
    cancel_order(session, world["branch"], other, "In hospital", office)
    rows = session.execute(
        select(AuditEvent.action, AuditEvent.username, AuditEvent.remote_address)
        .where(AuditEvent.entity_type == "order")
        .order_by(AuditEvent.id)
    ).all()
    assert [action for action, _, _ in rows] == [
        "order.create",
        "order.packed",
        "order.delivery",
        "order.create",
        "order.cancel",
    ]
    assert {(username, address) for _, username, address in rows} == {("office-ann", "10.0.0.7")}


def test_an_outdated_undo_form_gets_the_one_stale_message_and_the_newer_record_stands(session, world) -> None:
    """Undo checks the form's version with the one check: when the delivery was undone and recorded again since
    the form was loaded, the undo is refused with "changed by someone else" and the newer record is kept;
    a repeated submit of an undo that already went through is quietly nothing (what the form asked for)."""
    order_id = save_order(session, world["branch"], world["customer"], TUESDAY, LINES, "", ACTOR)
    record_packing(session, world["branch"], order_id, 1, 1000, ACTOR)
    record_delivery(session, world["branch"], order_id, False, None, None, "No answer", ACTOR)
    form_version = session.get(Order, order_id).version
    undo_delivery(session, world["branch"], order_id, ACTOR, expected_version=form_version)
    undo_delivery(session, world["branch"], order_id, ACTOR, expected_version=form_version)  # a repeated submit
    assert session.get(Order, order_id).status is OrderStatus.PACKED
    record_delivery(session, world["branch"], order_id, True, 1300, PaymentMethod.CASH, "", ACTOR)
    with pytest.raises(StaleOrderError, match="This order was changed by someone else meanwhile"):
        undo_delivery(session, world["branch"], order_id, ACTOR, expected_version=form_version)
    session.expire_all()
    kept = session.get(Order, order_id)
    assert (kept.status, kept.amount_received_pence) == (OrderStatus.DELIVERED, 1300)
