"""Customer and volunteer pages: forms with CSRF and one-time tokens, errors next to fields, roles and branches."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from foodtrain.extensions import db
from foodtrain.models import (
    AuditEvent,
    Branch,
    Customer,
    CustomerStatus,
    MembershipPayment,
    PvgStatus,
    Shop,
    Volunteer,
    VolunteerAbsence,
)
from tests.conftest import csrf_token_from, sign_in


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'id="{name}" name="{name}" type="hidden" value="([^"]*)"', html)
    assert match, f"no hidden {name} in the page"
    return match.group(1)


def _tokens(client, url: str) -> dict[str, str]:
    html = client.get(url).get_data(as_text=True)
    tokens = {"csrf_token": csrf_token_from(html), "form_token": _hidden(html, "form_token")}
    if 'name="version"' in html:
        tokens["version"] = _hidden(html, "version")
    return tokens


def _branch_shop(app, code: str) -> tuple[int, int]:
    with app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == code))
        shop_id = db.session.scalar(select(Shop.id).where(Shop.branch_id == branch_id).order_by(Shop.id))
        return branch_id, shop_id


def _customer_form(shop_id: int, **overrides: str) -> dict[str, str]:
    return {
        "first_name": "Jessie",
        "last_name": "Zedkerr",
        "address_line1": "12 Burns Street",
        "town": "Dumfries",
        "postcode": "DG1 2BD",
        "phone": "01387 222333",
        "date_of_birth": "1938-04-02",
        "referral_source": "family",
        "shop_id": str(shop_id),
        "frequency": "weekly",
        "delivery_weekday": "1",
        "frequency_anchor_date": "2026-12-01",
        "window_start": "10:00",
        "window_end": "16:00",
        "list_method": "telephone",
        "support_needs": "unpacking",
        "access_notes": "Knock loudly",
        "payment_method": "cash",
    } | overrides


def _count(app, model, **where) -> int:
    with app.app_context():
        statement = select(func.count(model.id))
        for name, value in where.items():
            statement = statement.where(getattr(model, name) == value)
        return db.session.scalar(statement)


def test_office_creates_a_customer_once_even_when_double_submitted(demo_app, demo_client) -> None:
    """Posting the new-customer form twice with one token makes one customer; both posts redirect to its page."""
    _, shop_id = _branch_shop(demo_app, "DG")
    sign_in(demo_client, "office-dg")
    data = _customer_form(shop_id) | _tokens(demo_client, "/customers/new")
    first = demo_client.post("/customers/new", data=data)
    second = demo_client.post("/customers/new", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(demo_app, Customer, last_name="Zedkerr") == 1
    page = demo_client.get(first.headers["Location"]).get_data(as_text=True)
    assert "Jessie Zedkerr" in page and "DG1 2BD" in page and "No orders yet." in page


def test_unknown_postcode_is_explained_next_to_the_field_and_keeps_input(demo_app, demo_client) -> None:
    """An unknown postcode answers 422 with the message at the postcode field, the typed values kept, nothing saved."""
    _, shop_id = _branch_shop(demo_app, "DG")
    sign_in(demo_client, "office-dg")
    data = _customer_form(shop_id, postcode="EH1 9ZZ", first_name="Unfound") | _tokens(demo_client, "/customers/new")
    response = demo_client.post("/customers/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="postcode-error"' in page and "not in the offline postcode dataset" in page
    assert 'value="Unfound"' in page and 'value="EH1 9ZZ"' in page
    assert _count(demo_app, Customer, first_name="Unfound") == 0
    manual = data | {"place_by_hand": "y", "latitude": "0", "longitude": "0"}
    page = demo_client.post("/customers/new", data=manual).get_data(as_text=True)
    assert 'id="latitude-error"' in page and "placeholder" in page
    manual |= {"latitude": "55.95", "longitude": "-3.19"}
    assert demo_client.post("/customers/new", data=manual).status_code == 302
    with demo_app.app_context():
        customer = db.session.scalar(select(Customer).where(Customer.first_name == "Unfound"))
        assert (customer.latitude, customer.longitude) == (55.95, -3.19)


def test_bad_values_never_crash(demo_app, demo_client) -> None:
    """Nonsense dates, a foreign shop, NUL bytes and huge text answer 422 with messages, never a 500."""
    _, shop_id = _branch_shop(demo_app, "DG")
    _, other_shop = _branch_shop(demo_app, "WL")
    sign_in(demo_client, "office-dg")
    tokens = _tokens(demo_client, "/customers/new")
    for overrides in (
        {"date_of_birth": "31/02/1940"},
        {"shop_id": str(other_shop)},
        {"shop_id": "abc"},
        {"first_name": "A\x00B"},
        {"access_notes": "x" * 5000},
        {"delivery_weekday": "9"},
        {"date_of_birth": "1990-01-01"},
        {"window_end": "09:00"},
    ):
        response = demo_client.post("/customers/new", data=_customer_form(shop_id) | overrides | tokens)
        assert response.status_code == 422, overrides
        assert 'class="error"' in response.get_data(as_text=True)
    assert _count(demo_app, Customer, last_name="Zedkerr") == 0


def test_stale_edit_says_changed_by_someone_else(demo_app, demo_client) -> None:
    """Two people edit the same customer: the second save is refused with a reload message, not an overwrite."""
    branch_id, shop_id = _branch_shop(demo_app, "DG")
    with demo_app.app_context():
        customer = db.session.scalar(
            select(Customer).where(Customer.branch_id == branch_id, Customer.status == CustomerStatus.ACTIVE)
        )
        customer_id, anchor, weekday = customer.id, customer.frequency_anchor_date, customer.delivery_weekday
        shop_id = customer.shop_id
    sign_in(demo_client, "office-dg")
    url = f"/customers/{customer_id}/edit"
    base = _customer_form(shop_id, frequency_anchor_date=anchor.isoformat(), delivery_weekday=str(weekday))
    first, second = _tokens(demo_client, url), _tokens(demo_client, url)
    assert demo_client.post(url, data=base | first | {"phone": "01387 000001"}).status_code == 302
    response = demo_client.post(url, data=base | second | {"phone": "01387 000002"})
    assert response.status_code == 422
    assert "changed by someone else" in response.get_data(as_text=True)
    with demo_app.app_context():
        assert db.session.get(Customer, customer_id).phone == "01387 000001"


def test_pause_resume_and_renew_through_the_pages(demo_app, demo_client) -> None:
    """Pause with dates and reason, resume with one button, renew membership: the history shows the payment."""
    branch_id, _ = _branch_shop(demo_app, "DG")
    with demo_app.app_context():
        customer_id = db.session.scalar(
            select(Customer.id).where(Customer.branch_id == branch_id, Customer.status == CustomerStatus.ACTIVE)
        )
    sign_in(demo_client, "office-dg")
    pause_url = f"/customers/{customer_id}/pause"
    tokens = _tokens(demo_client, pause_url)
    response = demo_client.post(pause_url, data=tokens | {"paused_from": "2026-12-01", "reason": ""})
    assert response.status_code == 422 and 'id="reason-error"' in response.get_data(as_text=True)
    response = demo_client.post(pause_url, data=tokens | {"paused_from": "2026-12-01", "reason": "In hospital"})
    assert response.status_code == 302
    page = demo_client.get(f"/customers/{customer_id}").get_data(as_text=True)
    assert "In hospital" in page and "Resume deliveries" in page
    resume = {
        "csrf_token": csrf_token_from(page),
        "form_token": _hidden(page, "form_token"),
        "version": _hidden(page, "version"),
    }
    demo_client.post(f"/customers/{customer_id}/resume", data=resume)
    demo_client.post(f"/customers/{customer_id}/resume", data=resume)  # double click: harmless
    with demo_app.app_context():
        assert db.session.get(Customer, customer_id).status is CustomerStatus.ACTIVE
    renew_url = f"/customers/{customer_id}/renew"
    renew = _tokens(demo_client, renew_url) | {"paid_on": "2026-11-25", "amount": "£1.00", "years": "1"}
    assert demo_client.post(renew_url, data=renew).status_code == 302
    assert demo_client.post(renew_url, data=renew).status_code == 302
    assert _count(demo_app, MembershipPayment, customer_id=customer_id) == 1
    assert "£1.00" in demo_client.get(f"/customers/{customer_id}").get_data(as_text=True)
    bad = _tokens(demo_client, renew_url) | {"paid_on": "2026-11-25", "amount": "one pound", "years": "1"}
    assert 'id="amount-error"' in demo_client.post(renew_url, data=bad).get_data(as_text=True)


def _volunteer_form(**overrides: str) -> dict[str, str]:
    return {
        "first_name": "Morag",
        "last_name": "Zedbaird",
        "date_of_birth": "1970-06-06",
        "phone": "07700 900123",
        "roles": "delivery_mate",
        "help_frequency": "weekly",
        "shifts_per_month": "4",
        "max_shifts_per_week": "2",
        "max_consecutive_days": "2",
        "is_trainee": "y",
        "shadow_shifts_remaining": "2",
        "avail_0_morning": "y",
        "pref_2_afternoon": "y",
    } | overrides


def test_office_volunteer_form_has_no_pvg_and_cannot_set_it(demo_app, demo_client) -> None:
    """Office staff add a volunteer without seeing PVG fields; a smuggled pvg_status is ignored (stays pending)."""
    sign_in(demo_client, "office-dg")
    page = demo_client.get("/volunteers/new").get_data(as_text=True)
    assert "PVG" not in page and "pvg" not in page
    data = _volunteer_form(pvg_status="cleared", pvg_issued_on="2020-01-01") | _tokens(demo_client, "/volunteers/new")
    response = demo_client.post("/volunteers/new", data=data)
    assert response.status_code == 302
    demo_client.post("/volunteers/new", data=data)
    with demo_app.app_context():
        volunteers = db.session.scalars(select(Volunteer).where(Volunteer.last_name == "Zedbaird")).all()
        assert len(volunteers) == 1
        volunteer = volunteers[0]
        assert volunteer.pvg_status is PvgStatus.PENDING
        assert {(a.weekday, a.day_part.value, a.preferred) for a in volunteer.availability} == {
            (0, "morning", False),
            (2, "afternoon", True),
        }
    page = demo_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 shadow shifts still to do" in page and "PVG" not in page


def test_coordinator_edits_pvg_and_sees_warnings(demo_app, demo_client) -> None:
    """A coordinator records a cleared PVG (date needed), and the pending warning shows on the list before that."""
    branch_id, _ = _branch_shop(demo_app, "DG")
    with demo_app.app_context():
        volunteer = db.session.scalar(select(Volunteer).where(Volunteer.branch_id == branch_id).order_by(Volunteer.id))
        volunteer.pvg_status, volunteer.pvg_issued_on = PvgStatus.PENDING, None
        db.session.commit()
        volunteer_id, name = volunteer.id, volunteer.last_name
    sign_in(demo_client, "coordinator-dg")
    listing = demo_client.get(f"/volunteers/?q={name}").get_data(as_text=True)
    assert "PVG check pending" in listing
    url = f"/volunteers/{volunteer_id}/edit"
    page = demo_client.get(url).get_data(as_text=True)
    assert 'name="pvg_status"' in page
    data = _volunteer_form(first_name="Changed", pvg_status="cleared", pvg_reference="PVG-77") | _tokens(
        demo_client, url
    )
    response = demo_client.post(url, data=data)
    assert response.status_code == 422 and 'id="pvg_issued_on-error"' in response.get_data(as_text=True)
    data["pvg_issued_on"] = "2025-05-01"
    assert demo_client.post(url, data=data).status_code == 302
    with demo_app.app_context():
        volunteer = db.session.get(Volunteer, volunteer_id)
        assert (volunteer.first_name, volunteer.pvg_status, volunteer.pvg_reference) == (
            "Changed",
            PvgStatus.CLEARED,
            "PVG-77",
        )
        actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == volunteer_id)))
        assert {"volunteer.view_pvg", "volunteer.update"} <= actions


def test_dates_away_add_and_remove(demo_app, demo_client) -> None:
    """Dates away are added through their form (checked) and removed with a POST button."""
    branch_id, _ = _branch_shop(demo_app, "DG")
    with demo_app.app_context():
        volunteer_id = db.session.scalar(select(Volunteer.id).where(Volunteer.branch_id == branch_id))
    before = _count(demo_app, VolunteerAbsence, volunteer_id=volunteer_id)
    sign_in(demo_client, "office-dg")
    url = f"/volunteers/{volunteer_id}/absences/new"
    tokens = _tokens(demo_client, url)
    response = demo_client.post(url, data=tokens | {"start_date": "2026-12-10", "end_date": "2026-12-01"})
    assert response.status_code == 422 and 'id="end_date-error"' in response.get_data(as_text=True)
    assert (
        demo_client.post(
            url, data=tokens | {"start_date": "2026-12-20", "end_date": "2026-12-27", "reason": "Christmas with family"}
        ).status_code
        == 302
    )
    assert _count(demo_app, VolunteerAbsence, volunteer_id=volunteer_id) == before + 1
    page = demo_client.get(f"/volunteers/{volunteer_id}").get_data(as_text=True)
    assert "Christmas with family" in page
    with demo_app.app_context():
        absence_id = db.session.scalar(
            select(VolunteerAbsence.id).where(VolunteerAbsence.reason == "Christmas with family")
        )
    demo_client.post(
        f"/volunteers/{volunteer_id}/absences/{absence_id}/delete", data={"csrf_token": csrf_token_from(page)}
    )
    assert _count(demo_app, VolunteerAbsence, volunteer_id=volunteer_id) == before


def test_dates_away_on_a_rostered_day_warn_the_coordinator(demo_app, demo_client) -> None:
    """A volunteer away on a day they are on the published rota (told after publishing): saving the dates says
    which shift is left without them and how to repair the rota; dates with nothing booked just save."""
    from datetime import date

    from foodtrain.models import PartOfDay, Rota, RotaAssignment, RotaRole, RotaSlot, RotaStatus, SlotKind

    branch_id, _ = _branch_shop(demo_app, "DG")
    with demo_app.app_context():
        volunteer_id = db.session.scalar(select(Volunteer.id).where(Volunteer.branch_id == branch_id))
        rota = Rota(
            branch_id=branch_id, month=date(2027, 3, 1), status=RotaStatus.PUBLISHED, published_month=date(2027, 3, 1)
        )
        slot = RotaSlot(
            key="zq-van",
            date=date(2027, 3, 9),
            part_of_day=PartOfDay.WHOLE_DAY,
            kind=SlotKind.OFFICE,
            resource="Zqoffice",
            seats=1,
        )
        slot.assignments = [RotaAssignment(role=RotaRole.OFFICE, volunteer_id=volunteer_id)]
        rota.slots = [slot]
        db.session.add(rota)
        db.session.commit()
    sign_in(demo_client, "coordinator-dg")
    url = f"/volunteers/{volunteer_id}/absences/new"
    page = demo_client.post(
        url,
        data=_tokens(demo_client, url) | {"start_date": "2027-03-08", "end_date": "2027-03-10", "reason": "Hospital"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Dates away added" in page
    assert "Tuesday 9 March" in page and "Zqoffice" in page and "Someone drops out" in page
    quiet = demo_client.post(
        url,
        data=_tokens(demo_client, url) | {"start_date": "2027-04-08", "end_date": "2027-04-10", "reason": "Holiday"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Dates away added" in quiet and "Someone drops out" not in quiet


def test_other_branch_and_wrong_roles_get_nothing(demo_app, demo_client) -> None:
    """Edit and action pages of another branch answer 404; a driver gets 403; nothing changes."""
    wl_branch, _ = _branch_shop(demo_app, "WL")
    with demo_app.app_context():
        customer_id = db.session.scalar(select(Customer.id).where(Customer.branch_id == wl_branch))
        volunteer_id = db.session.scalar(select(Volunteer.id).where(Volunteer.branch_id == wl_branch))
    sign_in(demo_client, "office-dg")
    token = csrf_token_from(demo_client.get("/customers/new").get_data(as_text=True))
    for url in (
        f"/customers/{customer_id}/edit",
        f"/customers/{customer_id}/pause",
        f"/customers/{customer_id}/renew",
        f"/customers/{customer_id}/end",
        f"/volunteers/{volunteer_id}/edit",
        f"/volunteers/{volunteer_id}/absences/new",
    ):
        assert demo_client.get(url).status_code == 404, url
        assert demo_client.post(url, data={"csrf_token": token}).status_code == 404, url
    assert demo_client.post(f"/customers/{customer_id}/resume", data={"csrf_token": token}).status_code == 404
    demo_client.post("/logout", data={"csrf_token": token})
    driver = demo_app.test_client()
    sign_in(driver, "driver-dg")
    assert driver.get("/customers/new").status_code == 403
    assert driver.get("/volunteers/new").status_code == 403


def test_people_pages_have_no_inline_script_or_style(demo_client) -> None:
    """The forms keep to the CSP: no style= or on*= attributes and no inline <script> bodies."""
    sign_in(demo_client, "coordinator-dg")
    for url in ("/customers/new", "/volunteers/new"):
        page = demo_client.get(url).get_data(as_text=True)
        assert " style=" not in page and " onclick=" not in page and "<script>" not in page


def test_import_upload_preview_confirm_through_the_pages(demo_app, demo_client) -> None:
    """A coordinator uploads a CSV, sees every row, confirms once (twice is harmless); office staff get 403."""
    with demo_app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        shop_name = db.session.scalar(select(Shop.name).where(Shop.branch_id == branch_id).order_by(Shop.id))
    sign_in(demo_client, "coordinator-dg")
    page = demo_client.get("/imports/").get_data(as_text=True)
    template = demo_client.get("/imports/templates/customers.csv")
    assert template.mimetype == "text/csv" and template.get_data(as_text=True).startswith("first_name,last_name")
    csv_text = (
        "first_name,last_name,address_line1,town,postcode,shop,delivery_weekday,date_of_birth\n"
        f"Ailsa,Zedimport,1 High St,Dumfries,DG1 2BD,{shop_name},Tuesday,01/05/1939\n"
        f"Bad,Zedimport,1 High St,Dumfries,EH1 9ZZ,{shop_name},Tuesday,01/05/1939\n"
    )
    response = demo_client.post(
        "/imports/",
        data={
            "csrf_token": csrf_token_from(page),
            "kind": "customers",
            "file": (io.BytesIO(csv_text.encode()), "list.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    preview = demo_client.get(preview_url).get_data(as_text=True)
    assert "Ailsa" in preview and "not in the offline postcode dataset" in preview and "Import all" not in preview
    problems = demo_client.get(preview_url + "/problems.csv").get_data(as_text=True)
    assert "EH1 9ZZ" in problems and "Ailsa" not in problems
    token = csrf_token_from(preview)
    demo_client.post(preview_url + "/confirm", data={"csrf_token": token})
    assert _count(demo_app, Customer, last_name="Zedimport") == 0
    good = csv_text.rsplit("Bad,", 1)[0]
    response = demo_client.post(
        "/imports/",
        data={"csrf_token": token, "kind": "customers", "file": (io.BytesIO(good.encode()), "good.csv")},
        content_type="multipart/form-data",
    )
    preview_url = response.headers["Location"]
    assert "Import all 1 customers" in demo_client.get(preview_url).get_data(as_text=True)
    demo_client.post(preview_url + "/confirm", data={"csrf_token": token})
    demo_client.post(preview_url + "/confirm", data={"csrf_token": token})
    assert _count(demo_app, Customer, last_name="Zedimport") == 1
    office = demo_app.test_client()
    sign_in(office, "office-dg")
    assert office.get("/imports/").status_code == 403
    assert office.get(preview_url).status_code == 403
    coordinator_wl = demo_app.test_client()
    sign_in(coordinator_wl, "coordinator-wl")
    assert coordinator_wl.get(preview_url).status_code == 404


def test_import_upload_errors_are_shown_at_the_file_field(demo_client) -> None:
    """A file that is not a spreadsheet answers 422 with the message next to the file field."""
    sign_in(demo_client, "coordinator-dg")
    token = csrf_token_from(demo_client.get("/imports/").get_data(as_text=True))
    response = demo_client.post(
        "/imports/",
        data={"csrf_token": token, "kind": "volunteers", "file": (io.BytesIO(b"%PDF-1.4"), "scan.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and 'id="file-error"' in response.get_data(as_text=True)


def test_edit_keeps_a_hand_placed_position(demo_app, demo_client) -> None:
    """A customer placed by latitude/longitude (unknown postcode) opens for edit with that choice ticked and saves."""
    _, shop_id = _branch_shop(demo_app, "DG")
    sign_in(demo_client, "office-dg")
    data = _customer_form(shop_id, postcode="EH1 9ZZ", place_by_hand="y", latitude="55.95", longitude="-3.19")
    response = demo_client.post("/customers/new", data=data | _tokens(demo_client, "/customers/new"))
    edit_url = response.headers["Location"] + "/edit"
    page = demo_client.get(edit_url).get_data(as_text=True)
    assert re.search(r'checked id="place_by_hand"|id="place_by_hand"[^>]*checked', page)
    assert "Membership not paid yet" in demo_client.get(response.headers["Location"]).get_data(as_text=True)
    edited = data | _tokens(demo_client, edit_url) | {"phone": "01387 555555"}
    assert demo_client.post(edit_url, data=edited).status_code == 302


def test_an_edit_posted_without_its_version_is_refused_and_saves_nothing(demo_app, demo_client) -> None:
    """Every edit form carries the record's version; a post without it (a crafted or truncated form) is refused
    as possibly outdated, and neither the customer nor the volunteer changes."""
    branch_id, _ = _branch_shop(demo_app, "DG")
    with demo_app.app_context():
        customer = db.session.scalar(
            select(Customer).where(Customer.branch_id == branch_id, Customer.status == CustomerStatus.ACTIVE)
        )
        customer_id, anchor, weekday = customer.id, customer.frequency_anchor_date, customer.delivery_weekday
        shop_id, phone_before = customer.shop_id, customer.phone
        volunteer = db.session.scalar(select(Volunteer).where(Volunteer.branch_id == branch_id))
        volunteer_id, first_name_before = volunteer.id, volunteer.first_name
    sign_in(demo_client, "coordinator-dg")
    customer_url = f"/customers/{customer_id}/edit"
    tokens = _tokens(demo_client, customer_url)
    assert "version" in tokens
    data = _customer_form(
        shop_id, frequency_anchor_date=anchor.isoformat(), delivery_weekday=str(weekday), phone="01387 000009"
    ) | {k: v for k, v in tokens.items() if k != "version"}
    response = demo_client.post(customer_url, data=data)
    assert response.status_code in (409, 422) and "changed by someone else" in response.get_data(as_text=True)
    volunteer_url = f"/volunteers/{volunteer_id}/edit"
    tokens = _tokens(demo_client, volunteer_url)
    assert "version" in tokens
    data = _volunteer_form(first_name="Crafted", pvg_status="cleared", pvg_issued_on="2025-05-01") | {
        k: v for k, v in tokens.items() if k != "version"
    }
    response = demo_client.post(volunteer_url, data=data)
    assert response.status_code in (409, 422) and "changed by someone else" in response.get_data(as_text=True)
    with demo_app.app_context():
        assert db.session.get(Customer, customer_id).phone == phone_before
        assert db.session.get(Volunteer, volunteer_id).first_name == first_name_before


def test_a_shop_closed_until_further_notice_is_not_offered_for_new_choices(demo_app, demo_client, monkeypatch) -> None:
    """A shop closed with no last day is left out of the customer form's shops and refused on the field; a customer
    already with it still sees it (marked closed) and can save their record; a shop closed only for a period ahead
    is still offered."""
    from datetime import date, timedelta

    from foodtrain.models import ShopClosure

    today = date(2026, 11, 20)
    monkeypatch.setattr("web.customers._today", lambda: today)
    branch_id, _ = _branch_shop(demo_app, "DG")
    with demo_app.app_context():
        customer = db.session.scalar(
            select(Customer)
            .where(Customer.branch_id == branch_id, Customer.status == CustomerStatus.ACTIVE)
            .order_by(Customer.id)
        )
        closed_id = customer.shop_id
        customer_id, anchor, weekday = customer.id, customer.frequency_anchor_date, customer.delivery_weekday
        closed_name = db.session.get(Shop, closed_id).name
        open_id, open_name = db.session.execute(
            select(Shop.id, Shop.name)
            .where(Shop.branch_id == branch_id, Shop.active.is_(True), Shop.id != closed_id)
            .order_by(Shop.id)
        ).first()
        db.session.add_all(
            [
                ShopClosure(shop_id=closed_id, start_date=today - timedelta(days=2), end_date=None, reason="Shut down"),
                ShopClosure(
                    shop_id=open_id,
                    start_date=today + timedelta(days=10),
                    end_date=today + timedelta(days=12),
                    reason="Refit",
                ),
            ]
        )
        db.session.commit()
    sign_in(demo_client, "office-dg")
    new_page = demo_client.get("/customers/new").get_data(as_text=True)
    assert f'value="{open_id}">{open_name}</option>' in new_page
    assert f'value="{closed_id}">{closed_name}' not in new_page and closed_name not in new_page
    refused = demo_client.post(
        "/customers/new", data=_customer_form(closed_id) | _tokens(demo_client, "/customers/new")
    )
    assert refused.status_code == 422
    assert f"{closed_name} is closed until further notice (Shut down): choose another shop." in refused.get_data(
        as_text=True
    )
    assert _count(demo_app, Customer, last_name="Zedkerr") == 0

    url = f"/customers/{customer_id}/edit"
    edit_page = demo_client.get(url).get_data(as_text=True)
    assert f"{closed_name} (closed until further notice)</option>" in edit_page
    base = _customer_form(closed_id, frequency_anchor_date=anchor.isoformat(), delivery_weekday=str(weekday))
    kept = demo_client.post(url, data=base | _tokens(demo_client, url) | {"phone": "01387 000003"})
    assert kept.status_code == 302
    with demo_app.app_context():
        assert db.session.get(Customer, customer_id).phone == "01387 000003"
