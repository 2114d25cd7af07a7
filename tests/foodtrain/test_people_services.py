"""Customer and volunteer services: checks, postcode lookup, pause/resume/end, membership, idempotency, locking."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

import pytest
from sqlalchemy import func, select

from foodtrain.models import (
    AuditEvent,
    Customer,
    CustomerStatus,
    DayPart,
    MembershipPayment,
    PartnerPreferenceKind,
    PvgStatus,
    SupportNeed,
    Volunteer,
    VolunteerRole,
)
from foodtrain.services import customers as customer_service
from foodtrain.services import volunteers as volunteer_service
from foodtrain.services.audit import Actor
from foodtrain.services.customers import CustomerDetails, StaleRecordError
from foodtrain.services.errors import NotFoundError, ValidationError
from foodtrain.services.volunteers import PvgDetails, VolunteerDetails
from tests.factories import make_branch, make_customer, make_order, make_shop, make_volunteer

TODAY = date(2026, 11, 25)
ACTOR = Actor(user_id=None, username="tester")


def _details(shop_id: int | None = None, **overrides) -> CustomerDetails:
    fields = dict(
        first_name="Agnes",
        last_name="Maxwell",
        address_line1="4 Church Road",
        town="Dumfries",
        postcode="dg1 2bd",
        shop_id=shop_id,
        delivery_weekday=1,
        frequency_anchor_date=date(2026, 12, 1),
        date_of_birth=date(1940, 5, 1),
        support_needs=frozenset({SupportNeed.UNPACKING}),
        access_notes="Key safe by back door",
    )
    return CustomerDetails(**(fields | overrides))


def _create(session, branch, shop, token: str = "t1", **overrides) -> int:
    overrides.setdefault("shop_id", shop.id)
    return customer_service.create_customer(
        session, branch.id, _details(**overrides), actor=ACTOR, form_token=token, today=TODAY
    )


def _errors(call) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.field_errors


def test_create_customer_looks_up_the_postcode_offline(session) -> None:
    """A known postcode is normalised and fills latitude/longitude; support needs and an audit event are stored."""
    branch = make_branch(session)
    shop = make_shop(session, branch)
    customer_id = _create(session, branch, shop)
    customer = session.get(Customer, customer_id)
    assert customer.postcode == "DG1 2BD"
    assert 54.9 < customer.latitude < 55.2 and -3.8 < customer.longitude < -3.4
    assert customer.support_need_values == {SupportNeed.UNPACKING}
    assert customer.joined_on == TODAY and customer.status is CustomerStatus.ACTIVE
    assert session.scalar(select(AuditEvent.action).where(AuditEvent.entity_id == customer_id)) == "customer.create"


@pytest.mark.parametrize("postcode", ["ZZ9 9ZZ", "not a postcode", "EH1 9ZZ"])
def test_unknown_or_malformed_postcode_is_explained_never_zero(session, postcode: str) -> None:
    """A postcode that cannot be found is an error on the postcode field offering a manual position; nothing is written."""
    branch = make_branch(session)
    shop = make_shop(session, branch)
    session.commit()
    errors = _errors(lambda: _create(session, branch, shop, postcode=postcode))
    assert "latitude" in errors["postcode"].lower()
    session.rollback()
    assert session.scalar(select(func.count(Customer.id))) == 0


def test_manual_position_is_validated_and_used(session) -> None:
    """With "place by hand", a UK position is stored; 0,0 and swapped coordinates are refused on the latitude field."""
    branch = make_branch(session)
    shop = make_shop(session, branch)
    session.commit()
    for latitude, longitude in (("0", "0"), ("-3.6", "55.1"), ("abc", "1")):
        errors = _errors(
            lambda: _create(
                session,
                branch,
                shop,
                token=f"x{latitude}",
                postcode="EH1 9ZZ",
                place_by_hand=True,
                latitude=latitude,
                longitude=longitude,
            )
        )
        assert "latitude" in errors
        session.rollback()
    customer_id = _create(
        session, branch, shop, postcode="EH1 9ZZ", place_by_hand=True, latitude="55.1", longitude="-3.6"
    )
    customer = session.get(Customer, customer_id)
    assert (customer.postcode, customer.latitude, customer.longitude) == ("EH1 9ZZ", 55.1, -3.6)


def test_under_65_needs_an_override_reason(session) -> None:
    """A customer under 65 is refused without a reason and accepted with one."""
    branch = make_branch(session)
    shop = make_shop(session, branch)
    session.commit()
    errors = _errors(lambda: _create(session, branch, shop, date_of_birth=date(1970, 1, 1)))
    assert "under 65" in errors["eligibility_override_reason"]
    session.rollback()
    customer_id = _create(
        session,
        branch,
        shop,
        date_of_birth=date(1970, 1, 1),
        eligibility_override_reason="Referred by social work after a stroke",
    )
    assert session.get(Customer, customer_id).eligibility_override_reason.startswith("Referred")


def test_field_checks_name_each_wrong_field(session) -> None:
    """Missing names, a shop of another branch, an anchor date on the wrong weekday and a backwards window all show."""
    branch, other = make_branch(session), make_branch(session)
    shop, other_shop = make_shop(session, branch), make_shop(session, other)
    session.commit()
    errors = _errors(
        lambda: _create(
            session,
            branch,
            shop,
            first_name=" ",
            shop_id=other_shop.id,
            frequency_anchor_date=date(2026, 12, 2),
            window_start=time(14, 0),
            window_end=time(12, 0),
            date_of_birth=date(2030, 1, 1),
        )
    )
    assert set(errors) >= {"first_name", "shop_id", "frequency_anchor_date", "window_end", "date_of_birth"}
    assert "Wednesday" in errors["frequency_anchor_date"] and "Tuesday" in errors["frequency_anchor_date"]


def test_same_form_token_creates_one_customer(session) -> None:
    """Submitting the create form twice with one token creates one customer and returns its id both times."""
    branch = make_branch(session)
    shop = make_shop(session, branch)
    first = _create(session, branch, shop, token="same")
    second = _create(session, branch, shop, token="same")
    assert first == second
    assert session.scalar(select(func.count(Customer.id))) == 1


def test_stale_version_is_refused_not_overwritten(session) -> None:
    """An edit made on an old version fails with the "changed by someone else" message and changes nothing."""
    branch = make_branch(session)
    shop = make_shop(session, branch)
    customer_id = _create(session, branch, shop)
    customer_service.update_customer(
        session,
        branch.id,
        customer_id,
        _details(shop.id, phone="01387 111111"),
        expected_version=1,
        actor=ACTOR,
        form_token="e1",
        today=TODAY,
    )
    with pytest.raises(StaleRecordError) as caught:
        customer_service.update_customer(
            session,
            branch.id,
            customer_id,
            _details(shop.id, phone="999"),
            expected_version=1,
            actor=ACTOR,
            form_token="e2",
            today=TODAY,
        )
    assert "changed by someone else" in caught.value.field_errors["version"]
    session.rollback()
    assert session.get(Customer, customer_id).phone == "01387 111111"


def test_changing_only_support_needs_moves_the_version_on(session) -> None:
    """An edit of the support needs alone still bumps the version, so a concurrent edit is detected."""
    branch = make_branch(session)
    shop = make_shop(session, branch)
    customer_id = _create(session, branch, shop)
    customer_service.update_customer(
        session,
        branch.id,
        customer_id,
        _details(shop.id, support_needs=frozenset({SupportNeed.HEARING})),
        expected_version=1,
        actor=ACTOR,
        form_token="e1",
        today=TODAY,
    )
    customer = session.get(Customer, customer_id)
    assert customer.version == 2 and customer.support_need_values == {SupportNeed.HEARING}


def test_pause_resume_and_end(session) -> None:
    """Pause needs a date and reason; resume clears it; an ended customer cannot be paused."""
    branch = make_branch(session)
    shop = make_shop(session, branch)
    customer_id = _create(session, branch, shop)
    errors = _errors(
        lambda: customer_service.pause_customer(
            session,
            branch.id,
            customer_id,
            paused_from=date(2026, 12, 1),
            paused_until=date(2026, 11, 1),
            reason="",
            expected_version=1,
            actor=ACTOR,
            form_token="p0",
        )
    )
    assert {"reason", "paused_until"} <= set(errors)
    session.rollback()
    customer_service.pause_customer(
        session,
        branch.id,
        customer_id,
        paused_from=date(2026, 12, 1),
        paused_until=None,
        reason="In hospital",
        expected_version=1,
        actor=ACTOR,
        form_token="p1",
    )
    customer = session.get(Customer, customer_id)
    assert customer.status is CustomerStatus.PAUSED and customer.pause_reason == "In hospital"
    customer_service.resume_customer(session, branch.id, customer_id, expected_version=2, actor=ACTOR, form_token="r1")
    assert customer.status is CustomerStatus.ACTIVE and customer.paused_from is None
    customer_service.end_customer(
        session,
        branch.id,
        customer_id,
        ended_on=date(2026, 12, 5),
        reason="Care home",
        expected_version=3,
        actor=ACTOR,
        form_token="x1",
    )
    assert customer.status is CustomerStatus.ENDED
    errors = _errors(
        lambda: customer_service.pause_customer(
            session,
            branch.id,
            customer_id,
            paused_from=date(2026, 12, 10),
            paused_until=None,
            reason="x",
            expected_version=4,
            actor=ACTOR,
            form_token="p2",
        )
    )
    assert "ended" in errors["paused_from"]


def test_membership_renewal_extends_from_paid_until_or_payment_date(session) -> None:
    """£1 renews a year from the current paid-until date; a lapsed membership renews from the payment date."""
    branch = make_branch(session)
    shop = make_shop(session, branch)
    customer = make_customer(session, branch, shop, membership_paid_until=date(2027, 3, 31))
    session.commit()
    customer_service.renew_membership(
        session, branch.id, customer.id, paid_on=date(2026, 11, 20), actor=ACTOR, form_token="m1", today=TODAY
    )
    assert customer.membership_paid_until == date(2028, 3, 31)
    payment = session.scalar(select(MembershipPayment))
    assert (payment.amount_pence, payment.period_until) == (100, date(2028, 3, 31))
    customer_service.renew_membership(
        session, branch.id, customer.id, paid_on=date(2026, 11, 20), actor=ACTOR, form_token="m1", today=TODAY
    )
    assert session.scalar(select(func.count(MembershipPayment.id))) == 1
    lapsed = make_customer(session, branch, shop, membership_paid_until=date(2020, 3, 31))
    session.commit()
    customer_service.renew_membership(
        session, branch.id, lapsed.id, paid_on=date(2024, 2, 29), years=2, actor=ACTOR, form_token="m2", today=TODAY
    )
    assert lapsed.membership_paid_until == date(2026, 2, 28)
    errors = _errors(
        lambda: customer_service.renew_membership(
            session,
            branch.id,
            lapsed.id,
            paid_on=date(2027, 1, 1),
            amount_pence=-5,
            years=9,
            actor=ACTOR,
            form_token="m3",
            today=TODAY,
        )
    )
    assert set(errors) == {"paid_on", "amount", "years"}


def test_history_lists_orders_and_payments_of_the_branch_only(session) -> None:
    """The history has the customer's orders (newest first) and payments; another branch's customer is not found."""
    branch, other = make_branch(session), make_branch(session)
    customer = make_customer(session, branch)
    make_order(session, customer, delivery_date=date(2026, 11, 3))
    make_order(session, customer, delivery_date=date(2026, 11, 10))
    session.commit()
    history = customer_service.customer_history(session, branch.id, customer.id)
    assert [o.delivery_date for o in history.orders] == [date(2026, 11, 10), date(2026, 11, 3)]
    with pytest.raises(NotFoundError):
        customer_service.customer_history(session, other.id, customer.id)
    with pytest.raises(NotFoundError):
        customer_service.update_customer(
            session, other.id, customer.id, _details(1), expected_version=1, actor=ACTOR, form_token="z", today=TODAY
        )


# --- volunteers ------------------------------------------------------------------------------------------------


def _volunteer_details(**overrides) -> VolunteerDetails:
    fields = dict(
        first_name="Hamish",
        last_name="Reid",
        date_of_birth=date(1960, 3, 3),
        roles=frozenset({VolunteerRole.DRIVER}),
        van_driving_approved=True,
        availability={(0, DayPart.MORNING): True, (2, DayPart.AFTERNOON): False},
    )
    return VolunteerDetails(**(fields | overrides))


def test_create_volunteer_with_grid_partners_and_pending_pvg(session) -> None:
    """Roles, availability (with preferred) and partners are stored; without PVG details the status is pending."""
    branch = make_branch(session)
    partner = make_volunteer(session, branch)
    avoid = make_volunteer(session, branch)
    session.commit()
    volunteer_id = volunteer_service.create_volunteer(
        session,
        branch.id,
        _volunteer_details(preferred_partner_ids=frozenset({partner.id}), never_partner_ids=frozenset({avoid.id})),
        None,
        actor=ACTOR,
        form_token="v1",
        today=TODAY,
    )
    volunteer = volunteer_service.volunteer_profile(session, branch.id, volunteer_id)
    assert volunteer.pvg_status is PvgStatus.PENDING and volunteer.role_values == {VolunteerRole.DRIVER}
    assert {(a.weekday, a.day_part, a.preferred) for a in volunteer.availability} == {
        (0, DayPart.MORNING, True),
        (2, DayPart.AFTERNOON, False),
    }
    assert {(p.partner_id, p.kind) for p in volunteer.partner_preferences} == {
        (partner.id, PartnerPreferenceKind.PREFERRED),
        (avoid.id, PartnerPreferenceKind.NEVER),
    }
    assert volunteer_service.volunteer_warnings(volunteer, show_pvg=True)[0].startswith("PVG check pending")
    assert volunteer_service.volunteer_warnings(volunteer, show_pvg=False) == []


def test_volunteer_checks(session) -> None:
    """Under 16, no role, partner from another branch, both preferred and never, cleared PVG without date: all refused."""
    branch, other = make_branch(session), make_branch(session)
    stranger = make_volunteer(session, other)
    mate = make_volunteer(session, branch)
    session.commit()
    errors = _errors(
        lambda: volunteer_service.create_volunteer(
            session,
            branch.id,
            _volunteer_details(
                date_of_birth=date(2015, 1, 1),
                roles=frozenset(),
                preferred_partner_ids=frozenset({stranger.id}),
                never_partner_ids=frozenset(),
                shifts_per_month=40,
            ),
            PvgDetails(status=PvgStatus.CLEARED),
            actor=ACTOR,
            form_token="v1",
            today=TODAY,
        )
    )
    assert {"date_of_birth", "roles", "preferred_partner_ids", "pvg_issued_on", "shifts_per_month"} <= set(errors)
    session.rollback()
    errors = _errors(
        lambda: volunteer_service.create_volunteer(
            session,
            branch.id,
            _volunteer_details(preferred_partner_ids=frozenset({mate.id}), never_partner_ids=frozenset({mate.id})),
            None,
            actor=ACTOR,
            form_token="v2",
            today=TODAY,
        )
    )
    assert "never_partner_ids" in errors


def test_update_without_pvg_leaves_pvg_untouched(session) -> None:
    """An office edit (pvg=None) keeps the PVG record; a coordinator edit changes it; trainee warnings follow."""
    branch = make_branch(session)
    volunteer = make_volunteer(session, branch, pvg_reference="REF-1")
    session.commit()
    volunteer_service.update_volunteer(
        session,
        branch.id,
        volunteer.id,
        _volunteer_details(is_trainee=True, shadow_shifts_remaining=2),
        None,
        expected_version=1,
        actor=ACTOR,
        form_token="u1",
        today=TODAY,
    )
    assert (volunteer.pvg_status, volunteer.pvg_reference) == (PvgStatus.CLEARED, "REF-1")
    assert "2 shadow shifts" in volunteer_service.volunteer_warnings(volunteer, show_pvg=False)[0]
    volunteer_service.update_volunteer(
        session,
        branch.id,
        volunteer.id,
        _volunteer_details(),
        PvgDetails(status=PvgStatus.PENDING, reference="NEW"),
        expected_version=2,
        actor=ACTOR,
        form_token="u2",
        today=TODAY,
    )
    assert (volunteer.pvg_status, volunteer.pvg_reference, volunteer.shadow_shifts_remaining) == (
        PvgStatus.PENDING,
        "NEW",
        0,
    )
    with pytest.raises(StaleRecordError):
        volunteer_service.update_volunteer(
            session,
            branch.id,
            volunteer.id,
            _volunteer_details(),
            None,
            expected_version=2,
            actor=ACTOR,
            form_token="u3",
            today=TODAY,
        )


def test_absences_add_once_and_remove(session) -> None:
    """Dates away are checked, added once per form token, and removed (twice is harmless)."""
    branch = make_branch(session)
    volunteer = make_volunteer(session, branch)
    session.commit()
    errors = _errors(
        lambda: volunteer_service.add_absence(
            session,
            branch.id,
            volunteer.id,
            start_date=date(2026, 12, 10),
            end_date=date(2026, 12, 1),
            reason="",
            actor=ACTOR,
            form_token="a0",
        )
    )
    assert "end_date" in errors
    session.rollback()
    for _ in range(2):
        absence_id = volunteer_service.add_absence(
            session,
            branch.id,
            volunteer.id,
            start_date=date(2026, 12, 1),
            end_date=date(2026, 12, 10),
            reason="Holiday",
            actor=ACTOR,
            form_token="a1",
        )
    session.refresh(volunteer)
    assert len(volunteer.absences) == 1
    volunteer_service.remove_absence(session, branch.id, volunteer.id, absence_id, actor=ACTOR)
    volunteer_service.remove_absence(session, branch.id, volunteer.id, absence_id, actor=ACTOR)
    session.refresh(volunteer)
    assert volunteer.absences == []
    assert session.scalar(select(func.count(Volunteer.id))) == 1


def test_old_anchor_on_another_weekday_does_not_block_an_edit(session) -> None:
    """A stored anchor date that is not on the delivery day is kept on an unrelated edit, but checked when changed."""
    branch = make_branch(session)
    shop = make_shop(session, branch)
    customer = make_customer(session, branch, shop, frequency_anchor_date=date(2024, 1, 10), delivery_weekday=1)
    session.commit()
    details = _details(shop.id, frequency_anchor_date=date(2024, 1, 10), delivery_weekday=1, phone="01387 100001")
    customer_service.update_customer(
        session, branch.id, customer.id, details, expected_version=1, actor=ACTOR, form_token="k1", today=TODAY
    )
    assert customer.phone == "01387 100001"
    errors = _errors(
        lambda: customer_service.update_customer(
            session,
            branch.id,
            customer.id,
            replace(details, frequency_anchor_date=date(2024, 1, 17)),
            expected_version=2,
            actor=ACTOR,
            form_token="k2",
            today=TODAY,
        )
    )
    assert "frequency_anchor_date" in errors


@pytest.mark.parametrize("database", ["app", pytest.param("postgres_app", marks=pytest.mark.postgres)])
def test_concurrent_submits_of_one_form_create_one_customer(request, database: str) -> None:
    """Eight threads send the same new-customer form at once (SQLite and PostgreSQL): one customer, one id for all."""
    import threading

    from foodtrain.extensions import db

    app = request.getfixturevalue(database)
    with app.app_context():
        branch = make_branch(db.session)
        shop = make_shop(db.session, branch)
        db.session.commit()
        branch_id, shop_id = branch.id, shop.id
    ids: list[int] = []
    failures: list[BaseException] = []
    barrier = threading.Barrier(8)

    def submit() -> None:
        with app.app_context():
            try:
                barrier.wait()
                ids.append(
                    customer_service.create_customer(
                        db.session, branch_id, _details(shop_id), actor=ACTOR, form_token="race", today=TODAY
                    )
                )
            except BaseException as error:  # noqa: BLE001 - reported below
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == [] and len(ids) == 8 and len(set(ids)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(Customer.id))) == 1


def test_volunteer_leaving_date_is_checked_and_kept(session) -> None:
    """A leaving date before joining is refused; a valid one is stored and the volunteer is no longer active."""
    branch = make_branch(session)
    volunteer = make_volunteer(session, branch, joined_on=date(2020, 2, 2))
    session.commit()
    errors = _errors(
        lambda: volunteer_service.update_volunteer(
            session,
            branch.id,
            volunteer.id,
            _volunteer_details(left_on=date(2019, 1, 1)),
            None,
            expected_version=1,
            actor=ACTOR,
            form_token="l1",
            today=TODAY,
        )
    )
    assert "left_on" in errors
    session.rollback()
    volunteer_service.update_volunteer(
        session,
        branch.id,
        volunteer.id,
        _volunteer_details(left_on=date(2026, 11, 1)),
        None,
        expected_version=1,
        actor=ACTOR,
        form_token="l2",
        today=TODAY,
    )
    assert volunteer.left_on == date(2026, 11, 1) and not volunteer.is_active


@pytest.mark.parametrize(
    ("joined_on", "problem"),
    [
        (date(2027, 11, 26), None),  # a year (366 days) ahead of TODAY: entered before they start
        (date(2027, 11, 27), "The joining date is more than a year ahead."),
        (date(1995, 1, 1), None),
        (date(1994, 12, 31), "The joining date is before 1 January 1995: check the year."),
    ],
)
def test_customers_and_volunteers_share_one_joining_date_rule(session, joined_on: date, problem: str | None) -> None:
    """The joining-date rule (field_rules.joining_date_error) is the same for a customer and a volunteer:
    the same edges, the same message by the field."""
    branch = make_branch(session)
    shop = make_shop(session, branch)
    session.commit()
    checks = [
        lambda: customer_service.check_customer_details(
            session, branch.id, _details(shop.id, joined_on=joined_on), TODAY
        ),
        lambda: volunteer_service.check_volunteer_details(
            session, branch.id, _volunteer_details(joined_on=joined_on), None, TODAY
        ),
    ]
    for check in checks:
        if problem is None:
            assert check().values["joined_on"] == joined_on
        else:
            assert _errors(check) == {"joined_on": problem}
