"""Subject access export, erasure that keeps anonymous statistics, and the retention rule."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from sqlalchemy import func, select

from foodtrain.models import (
    UserRole,
    AuditEvent,
    Customer,
    CustomerStatus,
    CustomerSupportNeed,
    Order,
    OrderLine,
    OrderStatus,
    SupportNeed,
    Volunteer,
    VolunteerAvailability,
    DayPart,
)
from foodtrain.services.audit import SYSTEM, Actor
from foodtrain.services.errors import NotFoundError
from foodtrain.services.privacy import ERASED, apply_retention, erase_customer, erase_volunteer, export_subject
from tests.conftest import requires_postgres
from tests.factories import make_branch, make_customer, make_order, make_volunteer


def _customer_with_history(session):
    branch = make_branch(session)
    customer = make_customer(
        session,
        branch,
        first_name="Morag",
        last_name='=HYPERLINK("x")',
        phone="01387 123456",
        access_notes="Key safe 1234 by back door",
    )
    customer.support_needs = [CustomerSupportNeed(need=SupportNeed.UNPACKING)]
    order = make_order(session, customer, till_receipt_pence=2345, crates=2)
    order.lines = [OrderLine(position=1, item="Porridge oats", quantity=2)]
    session.commit()
    return branch, customer, order


def test_export_contains_the_person_and_everything_pointing_at_them(session) -> None:
    """JSON has the customer, support needs, orders and their lines; CSV neutralises formula cells."""
    branch, customer, order = _customer_with_history(session)
    exported = export_subject(session, Customer, customer.id, branch.id, Actor(None))
    data = json.loads(exported.to_json())["data"]
    assert data["customers"][0]["phone"] == "01387 123456"
    assert data["customer_support_needs"][0]["need"] == "unpacking"
    assert data["orders"][0]["id"] == order.id
    assert data["order_lines"][0]["item"] == "Porridge oats"
    rows = list(csv.reader(io.StringIO(exported.to_csv())))
    assert ["customers", "1", "last_name", '\'=HYPERLINK("x")'] in rows
    assert session.scalar(select(AuditEvent.action).where(AuditEvent.action == "customer.export")) is not None


def test_export_is_branch_scoped(session) -> None:
    branch, customer, _ = _customer_with_history(session)
    with pytest.raises(NotFoundError):
        export_subject(session, Customer, customer.id, branch.id + 999, Actor(None))


def test_erasing_a_customer_keeps_anonymous_statistics(session) -> None:
    """Names, phone, notes and needs go; the order (date, amounts) and the postcode district stay."""
    branch, customer, order = _customer_with_history(session)
    erase_customer(session, customer.id, branch.id, Actor(None))
    session.expire_all()
    erased = session.get(Customer, customer.id)
    assert (erased.first_name, erased.last_name, erased.phone, erased.access_notes) == (ERASED, ERASED, "", "")
    assert erased.postcode == "DG1" and erased.date_of_birth is None and erased.status is CustomerStatus.ENDED
    assert session.scalar(select(func.count()).select_from(CustomerSupportNeed)) == 0
    kept = session.get(Order, order.id)
    assert kept.till_receipt_pence == 2345 and kept.customer_id == customer.id
    assert "Morag" not in export_subject(session, Customer, customer.id, branch.id, Actor(None)).to_json()


def test_erasing_a_customer_cancels_every_open_order_and_keeps_delivered_history(session) -> None:
    """No van goes to an erased address: each order not yet delivered (any status before delivery) is
    cancelled with the reason "customer's details erased" and audited; delivered orders stay delivered."""
    branch, customer, delivered = _customer_with_history(session)
    delivered.status = OrderStatus.DELIVERED
    open_orders = [
        make_order(session, customer, delivery_date=date(2026, 12, 8 + 7 * k), status=status, notes="Ring twice")
        for k, status in enumerate((OrderStatus.RECEIVED, OrderStatus.SENT_TO_SHOP, OrderStatus.PACKED))
    ]
    session.commit()
    erase_customer(session, customer.id, branch.id, Actor(None))
    session.expire_all()
    assert session.get(Order, delivered.id).status is OrderStatus.DELIVERED
    for order in open_orders:
        cancelled = session.get(Order, order.id)
        assert cancelled.status is OrderStatus.CANCELLED
        assert cancelled.notes == "Cancelled: customer's details erased"  # the customer's own note is gone
    audited = session.scalars(
        select(AuditEvent.entity_id).where(
            AuditEvent.action == "order.cancel", AuditEvent.detail.contains("customer's details erased")
        )
    ).all()
    assert sorted(audited) == sorted(order.id for order in open_orders)


def test_erasing_a_customer_cancels_todays_not_delivered_order_and_keeps_past_ones(session) -> None:
    """An order recorded as not delivered today can still be undone back onto the van: erasure cancels it.
    One not delivered last week is history (a figure in the reports) and stays as it was, reason blanked."""
    from datetime import timedelta

    from foodtrain.clock import branch_today

    branch, customer, history = _customer_with_history(session)
    today = branch_today()
    todays = make_order(
        session, customer, delivery_date=today, status=OrderStatus.NOT_DELIVERED, not_delivered_reason="Zq: no answer"
    )
    past = make_order(
        session,
        customer,
        # a week before both today and the helper's order: never the day of either (the suite runs on any date)
        delivery_date=min(today, history.delivery_date) - timedelta(days=7),
        status=OrderStatus.NOT_DELIVERED,
        not_delivered_reason="Zq: in hospital",
    )
    session.commit()
    erase_customer(session, customer.id, branch.id, Actor(None))
    session.expire_all()
    assert session.get(Order, todays.id).status is OrderStatus.CANCELLED
    kept = session.get(Order, past.id)
    assert kept.status is OrderStatus.NOT_DELIVERED and not kept.not_delivered_reason


def test_erasing_a_volunteer_removes_pvg_reference_and_availability(session) -> None:
    """The PVG reference and disclosure type go, the issue date keeps only its year (criminal-records data)."""
    from foodtrain.models.volunteer import PvgDisclosureType

    branch = make_branch(session)
    volunteer = make_volunteer(
        session,
        branch,
        pvg_reference="1234567890123456",
        phone="07700 900123",
        pvg_issued_on=date(2023, 4, 12),
        pvg_disclosure_type=PvgDisclosureType.SCHEME_RECORD,
    )
    volunteer.availability = [VolunteerAvailability(weekday=1, day_part=DayPart.MORNING)]
    session.commit()
    erase_volunteer(session, volunteer.id, branch.id, Actor(None))
    session.expire_all()
    erased = session.get(Volunteer, volunteer.id)
    assert (erased.first_name, erased.pvg_reference, erased.phone) == (ERASED, "", "")
    assert (erased.pvg_disclosure_type, erased.pvg_issued_on) == (None, date(2023, 1, 1))
    assert erased.left_on is not None
    assert session.scalar(select(func.count()).select_from(VolunteerAvailability)) == 0


def test_retention_anonymises_only_people_gone_long_enough(session) -> None:
    """Ended 4 years ago: anonymised at 3 years; ended last year or still active: untouched; dry run changes nothing."""
    branch = make_branch(session)
    old = make_customer(session, branch, status=CustomerStatus.ENDED, ended_on=date(2022, 6, 1), end_reason="Moved")
    recent = make_customer(session, branch, status=CustomerStatus.ENDED, ended_on=date(2025, 12, 1), end_reason="Moved")
    active = make_customer(session, branch)
    gone = make_volunteer(session, branch, left_on=date(2021, 1, 1), joined_on=date(2019, 1, 1))
    session.commit()
    today = date(2026, 11, 25)
    preview = apply_retention(session, today, years=3, dry_run=True)
    assert preview.customers == [old.id] and preview.volunteers == [gone.id]
    assert session.get(Customer, old.id).first_name != ERASED
    apply_retention(session, today, years=3)
    session.expire_all()
    assert session.get(Customer, old.id).first_name == ERASED
    assert session.get(Customer, recent.id).first_name != ERASED
    assert session.get(Customer, active.id).first_name != ERASED
    assert session.get(Volunteer, gone.id).first_name == ERASED
    assert apply_retention(session, today, years=3).customers == []  # idempotent
    with pytest.raises(ValueError, match="years"):
        apply_retention(session, today, years=0)


def test_retention_command(app) -> None:
    result = app.test_cli_runner().invoke(args=["retention", "--years", "3", "--dry-run"])
    assert result.exit_code == 0 and "Would anonymise 0 customers" in result.output


def _text_columns():
    from sqlalchemy import Enum as SqlEnum
    from sqlalchemy import String, Text

    from foodtrain.extensions import db

    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, (String, Text)) and not isinstance(column.type, SqlEnum):
                yield table, column


def test_every_text_column_is_classified(session) -> None:
    """Each text column is either personal (with an erasure rule) or named as not personal; a new one fails."""
    from sqlalchemy import Column, MetaData, String, Table

    from foodtrain.extensions import db
    from foodtrain.personal_data import NOT_PERSONAL, PERSONAL, text_columns_unclassified

    assert text_columns_unclassified(db.metadata.tables) == []
    assert set(PERSONAL) | set(NOT_PERSONAL) <= set(db.metadata.tables), "the map names a table that is gone"
    grown = Table("customers", MetaData(), Column("first_name", String(80)), Column("next_of_kin", String(80)))
    assert text_columns_unclassified({"customers": grown}) == ["customers.next_of_kin"]


def test_erasure_leaves_no_trace_anywhere_in_the_database(demo_session) -> None:
    """After erasing a demo customer and volunteer, no text column of any table holds their personal data
    (order notes and lines, cancellation and not-delivered reasons, key-safe code, rota notes, the linked
    login's name), while the customer's orders (anonymous statistics) are all still there."""
    from foodtrain.encryption import FieldCipher
    from foodtrain.extensions import db
    from foodtrain.models import User, VolunteerAbsence
    from foodtrain.models import Van
    from foodtrain.models.rota import PartOfDay, Rota, RotaChange, RotaChangeKind, RotaRole, RotaSlot, SlotKind
    from foodtrain.models.routes import RoutePlan, RouteRound
    from foodtrain.personal_data import NOT_PERSONAL, PERSONAL
    from foodtrain.services.orders.cancelling import cancel_order

    customer = demo_session.scalar(select(Customer).where(Customer.access_notes != "").order_by(Customer.id).limit(1))
    linked = select(User.volunteer_id).where(User.volunteer_id.is_not(None))
    volunteer = demo_session.scalar(
        select(Volunteer)
        .where(Volunteer.pvg_reference != "", Volunteer.id.not_in(linked))
        .order_by(Volunteer.id)
        .limit(1)
    )
    # Values no one else in the demo has, so finding one anywhere would be a leak.
    customer.last_name, customer.phone, customer.address_line1 = "Zq-Surname", "01000 000001", "1 Zq Lane"
    customer.access_notes = "Zq: key under the third plant pot"
    customer.key_safe_code_encrypted = FieldCipher(FieldCipher.new_key()).encrypt("Zq-4711")
    volunteer.last_name, volunteer.phone, volunteer.email = "Zq-Volunteer", "07000 000002", "zq@example.org"
    demo_session.add(
        Order(
            branch_id=customer.branch_id,
            customer_id=customer.id,
            shop_id=customer.shop_id,
            delivery_date=date(2027, 1, 5),
            delivery_charge_pence=300,
        )
    )
    demo_session.flush()
    orders = demo_session.scalars(select(Order).where(Order.customer_id == customer.id).order_by(Order.id)).all()
    orders[0].notes = "Zq: ring daughter on 07700 900999"
    orders[0].lines.append(OrderLine(position=99, item="Zq insulin pens", quantity=1, notes="Zq fridge"))
    orders[0].not_delivered_reason = "Zq: in hospital after a fall"
    user = User(
        username="zq-login",
        display_name="Zq Display",
        password_hash="x",
        role=UserRole.DRIVER,
        branch_id=volunteer.branch_id,
        volunteer_id=volunteer.id,
    )
    rota = Rota(branch_id=volunteer.branch_id, month=date(2026, 12, 1))
    demo_session.add_all([user, rota])
    demo_session.flush()
    demo_session.add(
        RotaChange(
            rota_id=rota.id,
            kind=RotaChangeKind.EDIT,
            role=RotaRole.DRIVER,
            old_volunteer_id=volunteer.id,
            note="Zq-Volunteer dropped out: sick",
        )
    )
    demo_session.add(
        VolunteerAbsence(
            volunteer_id=volunteer.id, start_date=date(2026, 12, 1), end_date=date(2026, 12, 2), reason="Zq operation"
        )
    )
    # A round planned with them in the team keeps the team's names (to notice rota changes): theirs must go,
    # their team-mate's stays.
    plan = RoutePlan(branch_id=volunteer.branch_id, delivery_date=date(2027, 1, 6))
    van_id = demo_session.scalar(select(Van.id).where(Van.branch_id == volunteer.branch_id).limit(1))
    plan.rounds = [RouteRound(van_id=van_id, team_text=f"Mo Partner and {volunteer.full_name}")]
    demo_session.add(plan)
    # A slot left empty when only they were free says so by name.
    rota.slots = [
        RotaSlot(
            key="zq-office",
            date=date(2026, 12, 3),
            part_of_day=PartOfDay.MORNING,
            kind=SlotKind.OFFICE,
            resource="Office",
            seats=1,
            unfilled_reason=f"Office: only {volunteer.full_name} is free for either seat",
        )
    ]
    demo_session.commit()
    open_order = orders[-1]
    cancel_order(demo_session, customer.branch_id, open_order.id, "Zq: gone to her daughter's", SYSTEM)
    personal = {
        customer.last_name,
        customer.phone,
        customer.address_line1,
        customer.access_notes,
        customer.key_safe_code_encrypted,
        volunteer.last_name,
        volunteer.phone,
        volunteer.email,
        volunteer.pvg_reference,
        "Zq: ring daughter on 07700 900999",
        "Zq insulin pens",
        "Zq fridge",
        "Zq: in hospital after a fall",
        "zq-login",
        "Zq Display",
        "Zq-Volunteer dropped out: sick",
        "Zq operation",
        "Zq: gone to her daughter's",
    } - {""}
    orders_before = len(orders)
    erase_customer(demo_session, customer.id, customer.branch_id, Actor(None))
    erase_volunteer(demo_session, volunteer.id, volunteer.branch_id, Actor(None))
    found, checked = [], 0
    for table, column in _text_columns():
        for value in personal:
            checked += 1
            if demo_session.scalar(select(func.count()).select_from(table).where(column.contains(value))):
                found.append(f"{table.name}.{column.name} holds {value!r}")
    orders_after = demo_session.scalar(select(func.count()).select_from(Order).where(Order.customer_id == customer.id))
    assert demo_session.get(RouteRound, plan.rounds[0].id).team_text == "Mo Partner and (erased)"
    assert (
        demo_session.get(RotaSlot, rota.slots[0].id).unfilled_reason == "Office: only (erased) is free for either seat"
    )
    tables = [table for table in db.metadata.sorted_tables if any(t is table for t, _ in _text_columns())]
    classified = [
        table
        for table in tables
        if all(
            column.name in PERSONAL.get(table.name, {}) or column.name in NOT_PERSONAL.get(table.name, ())
            for t, column in _text_columns()
            if t is table
        )
    ]
    print(
        f"\nerasure: tables classified {len(classified)} of {len(tables)}, personal values left = {len(found)} "
        f"({len(personal)} values x every text column, {checked} look-ups); anonymous orders kept = "
        f"{orders_after} of {orders_before}"
    )
    assert found == [] and orders_after == orders_before > 0 and len(classified) == len(tables)


def test_export_holds_only_the_persons_own_rows_and_no_secrets(demo_session) -> None:
    """A volunteer linked to a staff login: the export has their rows, not an import batch of other people,
    and never a password hash, a TOTP secret, a token digest or the key-safe ciphertext."""
    from foodtrain.models import User
    from foodtrain.models.importing import ImportBatch

    linked = select(User.volunteer_id).where(User.volunteer_id.is_not(None))
    volunteer = demo_session.scalar(
        select(Volunteer).where(Volunteer.id.not_in(linked)).order_by(Volunteer.id).limit(1)
    )
    user = User(
        username="zq-staff",
        display_name="Zq Staff",
        password_hash="$argon2id$zq",
        role=UserRole.COORDINATOR,
        branch_id=volunteer.branch_id,
        volunteer_id=volunteer.id,
        totp_secret_encrypted="zq-totp-ciphertext",
    )
    demo_session.add(user)
    demo_session.flush()
    demo_session.add(
        ImportBatch(
            token="zq-batch",
            branch_id=volunteer.branch_id,
            user_id=user.id,
            kind="customers",
            rows_json='[{"last_name": "Someone Else"}]',
        )
    )
    demo_session.commit()
    text = export_subject(demo_session, Volunteer, volunteer.id, volunteer.branch_id, Actor(None)).to_json()
    assert "Zq Staff" in text and volunteer.last_name in text
    for leak in ("Someone Else", "$argon2id$zq", "zq-totp-ciphertext", "import_batches", "password_hash"):
        assert leak not in text
    customer = demo_session.scalar(select(Customer).where(Customer.key_safe_code_encrypted.is_not(None)).limit(1))
    if customer is not None:
        exported = export_subject(demo_session, Customer, customer.id, customer.branch_id, Actor(None)).to_json()
        assert customer.key_safe_code_encrypted not in exported and "key_safe_code_encrypted" not in exported


def test_a_name_is_replaced_only_where_it_stands_as_whole_words() -> None:
    """Erasing Ann Lee leaves Joann Lee's name alone; any case and spacing is found; a name holding the
    team separator still goes entirely; no name, no change; a longer name goes before one it holds."""
    from foodtrain.services.privacy import text_without_names

    assert text_without_names("Ann Lee and Joann Lee", ["Ann Lee"], ERASED) == "(erased) and Joann Lee"
    assert text_without_names("Joann Lee and Bob Roy", ["Ann Lee"], ERASED) == "Joann Lee and Bob Roy"
    assert text_without_names("JoAnn Lee; ann  LEE said", ["Ann Lee"], ERASED) == "JoAnn Lee; (erased) said"
    assert text_without_names("Rose Sand and Mo and Bo Sand", ["Mo and Bo Sand"], ERASED) == "Rose Sand and (erased)"
    assert text_without_names("no team rostered", [" ", ""], ERASED) == "no team rostered"
    assert text_without_names("Ask Mo Bo Sand, or Mo", ["Mo", "Mo Bo Sand"], ERASED) == "Ask (erased), or (erased)"
    assert text_without_names(r"A. B\1 came", [r"A. B\1"], ERASED) == "(erased) came"  # no pattern syntax


def test_volunteer_erasure_takes_their_name_out_of_other_peoples_notes(session) -> None:
    """Order notes and not-delivered reasons, another volunteer's rota change and absence, a customer's access
    notes: the volunteer's full name (also as "Last, First") and their login's display name are replaced, the
    rest of each note stays;
    the same name in another branch, and a longer name holding it, are left alone."""
    from foodtrain.models import User, VolunteerAbsence
    from foodtrain.models.rota import Rota, RotaChange, RotaChangeKind, RotaRole

    branch, elsewhere = make_branch(session), make_branch(session)
    volunteer = make_volunteer(session, branch, first_name="Zqelsie", last_name="Brodie")
    other = make_volunteer(session, branch)
    session.add(
        User(
            username="zq-elsie",
            display_name="Zqels B",
            password_hash="x",
            role=UserRole.DRIVER,
            branch_id=branch.id,
            volunteer_id=volunteer.id,
        )
    )
    customer = make_customer(session, branch, access_notes="Zqelsie Brodie has the spare key")
    order = make_order(session, customer, notes="zqelsie  brodie will phone; not Zqelsie Brodieson")
    order.not_delivered_reason = "Zqels B found nobody in"
    far = make_order(session, make_customer(session, elsewhere), notes="Zqelsie Brodie of West Lothian")
    rota = Rota(branch_id=branch.id, month=date(2026, 12, 1))
    session.add(rota)
    session.flush()
    change = RotaChange(
        rota_id=rota.id,
        kind=RotaChangeKind.EDIT,
        role=RotaRole.MATE,
        old_volunteer_id=other.id,
        new_volunteer_id=other.id,
        note="Swapped with Zqelsie Brodie",
    )
    absence = VolunteerAbsence(
        volunteer_id=other.id,
        start_date=date(2026, 12, 1),
        end_date=date(2026, 12, 2),
        reason="Covering for Zqels B; asked Brodie, Zqelsie first",
    )
    session.add_all([change, absence])
    session.commit()
    erase_volunteer(session, volunteer.id, branch.id, Actor(None))
    session.expire_all()
    assert session.get(Customer, customer.id).access_notes == "(erased) has the spare key"
    kept = session.get(Order, order.id)
    assert (kept.notes, kept.not_delivered_reason) == (
        "(erased) will phone; not Zqelsie Brodieson",
        "(erased) found nobody in",
    )
    assert session.get(RotaChange, change.id).note == "Swapped with (erased)"
    assert session.get(VolunteerAbsence, absence.id).reason == "Covering for (erased); asked (erased) first"
    assert session.get(Order, far.id).notes == "Zqelsie Brodie of West Lothian"


def test_volunteer_erasure_takes_their_first_name_out_of_their_own_records_only(session) -> None:
    """Issue 15: a first name alone ("Zqmargaret says ring twice") goes from the texts that are about the
    volunteer, the notes of their befriending matches' visits and reviews; as a whole word only. The same first
    name in someone else's note (another Zqmargaret's match, a customer's order even beside the full name)
    stays: there it may be anyone's."""
    from foodtrain.models.support import BefriendingContact, BefriendingMatch, BefriendingReview, ContactKind

    branch = make_branch(session)
    volunteer = make_volunteer(session, branch, first_name="Zqmargaret", last_name="Campbell")
    namesake = make_volunteer(session, branch, first_name="Zqmargaret", last_name="Brown")
    customer = make_customer(session, branch)
    own_match = BefriendingMatch(
        branch_id=branch.id,
        customer_id=customer.id,
        volunteer_id=volunteer.id,
        started_on=date(2026, 1, 5),
        weekday=2,
        part_of_day=DayPart.AFTERNOON,
        next_review_on=date(2026, 4, 5),
    )
    other_match = BefriendingMatch(
        branch_id=branch.id,
        customer_id=customer.id,
        volunteer_id=namesake.id,
        started_on=date(2026, 1, 5),
        weekday=3,
        part_of_day=DayPart.AFTERNOON,
        next_review_on=date(2026, 4, 5),
    )
    session.add_all([own_match, other_match])
    session.flush()
    own_visit = BefriendingContact(
        match_id=own_match.id,
        kind=ContactKind.VISIT,
        happened_on=date(2026, 2, 1),
        duration_min=60,
        notes="Zqmargaret says ring twice; Zqmargarets cake",
    )
    own_review = BefriendingReview(
        match_id=own_match.id, reviewed_on=date(2026, 4, 5), notes="zqmargaret and the customer get on well"
    )
    other_visit = BefriendingContact(
        match_id=other_match.id,
        kind=ContactKind.VISIT,
        happened_on=date(2026, 2, 1),
        duration_min=60,
        notes="Zqmargaret says ring twice",
    )
    session.add_all([own_visit, own_review, other_visit])
    named = make_order(session, customer, notes="Zqmargaret Campbell has the key; Zqmargaret says knock")
    unrelated = make_order(session, make_customer(session, branch), notes="Zqmargaret (daughter) will answer")
    session.commit()
    erase_volunteer(session, volunteer.id, branch.id, Actor(None))
    session.expire_all()
    assert session.get(BefriendingContact, own_visit.id).notes == "(erased) says ring twice; Zqmargarets cake"
    assert session.get(BefriendingReview, own_review.id).notes == "(erased) and the customer get on well"
    assert session.get(Order, named.id).notes == "(erased) has the key; Zqmargaret says knock"
    assert session.get(BefriendingContact, other_visit.id).notes == "Zqmargaret says ring twice"
    assert session.get(Order, unrelated.id).notes == "Zqmargaret (daughter) will answer"


def test_customer_erasure_takes_their_full_name_out_of_other_records(session) -> None:
    """Another customer's order note, a befriending visit note of another match, a rota change note, an EXTRA
    job's details: the erased customer's full name (also as "Last, First") is replaced, the rest stays. Their
    first name alone stays there (it may be anyone's); the same name in another branch is left alone."""
    from foodtrain.models import ExtraJob, ExtraJobStatus, ExtraTaskType
    from foodtrain.models.rota import Rota, RotaChange, RotaChangeKind, RotaRole
    from foodtrain.models.support import BefriendingContact, BefriendingMatch, ContactKind

    branch, elsewhere = make_branch(session), make_branch(session)
    erased = make_customer(session, branch, first_name="Zqmargaret", last_name="Campbell")
    neighbour = make_customer(session, branch, access_notes="Key with Campbell, Zqmargaret at no. 3")
    note = make_order(session, neighbour, notes="Ring Zqmargaret  Campbell next door; Zqmargaret may answer")
    far = make_order(session, make_customer(session, elsewhere), notes="Ring Zqmargaret Campbell next door")
    volunteer = make_volunteer(session, branch)
    match = BefriendingMatch(
        branch_id=branch.id,
        customer_id=neighbour.id,
        volunteer_id=volunteer.id,
        started_on=date(2026, 1, 5),
        weekday=2,
        part_of_day=DayPart.AFTERNOON,
        next_review_on=date(2026, 4, 5),
    )
    task = ExtraTaskType(branch_id=branch.id, name="Garden")
    rota = Rota(branch_id=branch.id, month=date(2026, 12, 1))
    session.add_all([match, task, rota])
    session.flush()
    visit = BefriendingContact(
        match_id=match.id,
        kind=ContactKind.VISIT,
        happened_on=date(2026, 2, 1),
        duration_min=60,
        notes="Met zqmargaret campbell at the shop",
    )
    change = RotaChange(
        rota_id=rota.id,
        kind=RotaChangeKind.EDIT,
        role=RotaRole.MATE,
        old_volunteer_id=volunteer.id,
        new_volunteer_id=volunteer.id,
        note="Swapped: takes Zqmargaret Campbell to hospital",
    )
    job = ExtraJob(
        branch_id=branch.id,
        customer_id=neighbour.id,
        task_type_id=task.id,
        requested_on=date(2026, 12, 1),
        status=ExtraJobStatus.REQUESTED,
        details="Also mow Zqmargaret Campbell's lawn",
    )
    session.add_all([visit, change, job])
    session.commit()
    erase_customer(session, erased.id, branch.id, Actor(None))
    session.expire_all()
    assert session.get(Customer, neighbour.id).access_notes == "Key with (erased) at no. 3"
    assert session.get(Order, note.id).notes == "Ring (erased) next door; Zqmargaret may answer"
    assert session.get(BefriendingContact, visit.id).notes == "Met (erased) at the shop"
    assert session.get(RotaChange, change.id).note == "Swapped: takes (erased) to hospital"
    assert session.get(ExtraJob, job.id).details == "Also mow (erased)'s lawn"
    assert session.get(Order, far.id).notes == "Ring Zqmargaret Campbell next door"


def test_every_place_a_customer_may_be_named_is_vacuumed_after_erasure() -> None:
    """The places searched for a customer's name are personal text columns that reach a branch, their own rows
    are the customer's SUBJECT_ROWS, and every table written is in the erasure's VACUUM set."""
    from foodtrain.extensions import db
    from foodtrain.personal_data import CUSTOMER_NAME_IN, CUSTOMER_OWN_TEXT, PERSONAL, SUBJECT_ROWS
    from foodtrain.services.privacy import ERASURE_WRITES

    tables = db.metadata.tables
    assert set(CUSTOMER_OWN_TEXT) <= set(CUSTOMER_NAME_IN) <= ERASURE_WRITES
    assert set(CUSTOMER_OWN_TEXT.values()) <= set(SUBJECT_ROWS["customer"])
    for table_name, place in CUSTOMER_NAME_IN.items():
        assert set(place.columns) <= set(PERSONAL[table_name]), table_name
        branch_table = tables[place.branch_via or table_name]
        assert "branch_id" in branch_table.c and (place.key is None) == (place.branch_via is None), table_name


def test_every_place_a_volunteer_may_be_named_is_a_personal_text_column() -> None:
    """The places listed for name search exist, are classified personal, and reach a branch."""
    from foodtrain.extensions import db
    from foodtrain.personal_data import PERSONAL, VOLUNTEER_NAME_IN, VOLUNTEER_OWN_TEXT

    tables = db.metadata.tables
    assert set(VOLUNTEER_OWN_TEXT) <= set(VOLUNTEER_NAME_IN)
    assert all(link.table == name for name, link in VOLUNTEER_OWN_TEXT.items())
    for table_name, place in VOLUNTEER_NAME_IN.items():
        assert set(place.columns) <= set(PERSONAL[table_name]), table_name
        branch_table = tables[place.branch_via or table_name]
        assert "branch_id" in branch_table.c and (place.key is None) == (place.branch_via is None), table_name


def test_a_volunteers_export_lists_their_befriending_matches_without_the_customers_data(session) -> None:
    """The befriender's export holds each match's dates, weekday, half-day and status; not who the customer
    is nor why a match ended (the customer's data), as with the EXTRA jobs a volunteer is given."""
    from foodtrain.models.support import BefriendingMatch, BefriendingStatus

    branch = make_branch(session)
    customer = make_customer(session, branch, first_name="Isobel", last_name="Zqmatch")
    befriender = make_volunteer(session, branch)
    session.add_all(
        [
            BefriendingMatch(
                branch_id=branch.id,
                customer_id=customer.id,
                volunteer_id=befriender.id,
                started_on=date(2026, 1, 5),
                weekday=2,
                part_of_day=DayPart.AFTERNOON,
                next_review_on=date(2026, 4, 5),
            ),
            BefriendingMatch(
                branch_id=branch.id,
                customer_id=customer.id,
                volunteer_id=befriender.id,
                started_on=date(2025, 3, 3),
                weekday=0,
                part_of_day=DayPart.MORNING,
                next_review_on=date(2025, 6, 3),
                status=BefriendingStatus.ENDED,
                ended_on=date(2025, 9, 1),
                end_reason="Zqreason: Isobel moved into care",
            ),
        ]
    )
    session.commit()
    data = json.loads(export_subject(session, Volunteer, befriender.id, branch.id, Actor(None)).to_json())["data"]
    matches = sorted(data["befriending_matches"], key=lambda match: match["started_on"])
    assert [(m["started_on"], m["weekday"], m["part_of_day"], m["status"], m["ended_on"]) for m in matches] == [
        ("2025-03-03", 0, "morning", "ended", "2025-09-01"),
        ("2026-01-05", 2, "afternoon", "active", None),
    ]
    text = json.dumps(data)
    for customer_data in ("customer_id", "Isobel", "Zqmatch", "Zqreason", "end_reason"):
        assert customer_data not in text


@requires_postgres
def test_erasure_on_postgres_keeps_every_constraint(postgres_app) -> None:
    """On PostgreSQL (which enforces lengths and checks): a not-delivered order keeps a valid reason, and a
    300-character note whose short name becomes the longer "(erased)" still fits its column."""
    from foodtrain.extensions import db
    from foodtrain.models.rota import Rota, RotaChange, RotaChangeKind, RotaRole

    with postgres_app.app_context():
        session = db.session
        branch = make_branch(session)
        customer = make_customer(session, branch)
        past = make_order(
            session,
            customer,
            delivery_date=date(2026, 1, 6),
            status=OrderStatus.NOT_DELIVERED,
            not_delivered_reason="No answer",
        )
        volunteer = make_volunteer(session, branch, first_name="Al", last_name="Li")
        other = make_volunteer(session, branch)
        rota = Rota(branch_id=branch.id, month=date(2026, 12, 1))
        session.add(rota)
        session.flush()
        note = ("Al Li " * 50)[:300]
        change = RotaChange(
            rota_id=rota.id, kind=RotaChangeKind.EDIT, role=RotaRole.MATE, old_volunteer_id=other.id, note=note
        )
        session.add(change)
        session.commit()
        erase_customer(session, customer.id, branch.id, Actor(None))
        erase_volunteer(session, volunteer.id, branch.id, Actor(None))
        session.expire_all()
        assert session.get(Order, past.id).status is OrderStatus.NOT_DELIVERED
        stored = session.get(RotaChange, change.id).note
        assert len(stored) == 300 and "Al Li" not in stored


@requires_postgres
def test_erasure_on_postgres_vacuums_the_old_row_versions(postgres_app) -> None:
    """PostgreSQL keeps an updated row's old version (with the erased values) in the table until VACUUM:
    erasure vacuums the tables it wrote, so no dead version of the customer's or their orders' rows is left."""
    from sqlalchemy import text

    from foodtrain.extensions import db

    with postgres_app.app_context():
        session = db.session
        session.execute(text("CREATE EXTENSION IF NOT EXISTS pgstattuple"))
        session.commit()
        branch = make_branch(session)
        customer = make_customer(session, branch, last_name="Zqvacuum")
        make_order(session, customer, notes="Zqvacuum ring twice")
        session.commit()
        erase_customer(session, customer.id, branch.id, Actor(None))
        dead = {
            name: session.execute(text(f"SELECT dead_tuple_count FROM pgstattuple('{name}')")).scalar()
            for name in ("customers", "orders")
        }
        assert dead == {"customers": 0, "orders": 0}
