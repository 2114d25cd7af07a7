"""Rota pages: generate from the browser, the calendar, checked edits, publish, repair, own rota and .ics."""

from __future__ import annotations

import re
import time
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import func, select

from foodtrain.extensions import db
from foodtrain.models import (
    AuditEvent,
    Branch,
    Rota,
    RotaAssignment,
    RotaChange,
    RotaRole,
    RotaSlot,
    RotaStatus,
    SlotKind,
    User,
    Volunteer,
)
from tests.conftest import csrf_token_from, sign_in

MONTH = "2026-12"


def _generate(client: FlaskClient, time_limit_s: int = 1) -> int:
    page = client.get("/rota/").get_data(as_text=True)
    token = csrf_token_from(page)
    form_token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', page).group(1)
    started = time.perf_counter()
    response = client.post(
        "/rota/generate",
        data={"csrf_token": token, "month": MONTH, "time_limit_s": time_limit_s, "form_token": form_token},
    )
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    progress = client.get(response.headers["Location"].rstrip("/") + "/progress").get_json()
    print(
        f"rota generation from the browser (job start to finish, {time_limit_s} s search): "
        f"{time.perf_counter() - started:.1f} s"
    )
    assert progress["status"] == "succeeded", progress
    url = progress["result_url"]
    assert re.fullmatch(r"/rota/\d+", url)
    return int(url.rsplit("/", 1)[1])


def _dg_rota(demo_app: Flask, rota_id: int) -> Rota:
    with demo_app.app_context():
        rota = db.session.get(Rota, rota_id)
        assert rota is not None
        return rota


def test_coordinator_generates_and_sees_the_calendar(demo_app: Flask, demo_client: FlaskClient) -> None:
    """The browser flow stores a draft; its calendar lists teams per van, shops, office and unfilled reasons."""
    sign_in(demo_client, "coordinator-dg")
    rota_id = _generate(demo_client)
    html = demo_client.get(f"/rota/{rota_id}").get_data(as_text=True)
    assert "Rota for December 2026" in html and "draft" in html
    assert "Van 1" in html and "Office" in html and "Shopping" in html and "Driver:" in html
    assert 'rel="stylesheet" href="/static/css/rota.css"' in html and "style=" not in html
    assert 'class="rota-month"' in html and html.count('<span class="rota-month__day">') == 31
    assert "<h2>Week of 30 November</h2>" in html  # month names keep their capital (Jinja's capitalize lowercased it)
    with demo_app.app_context():  # the search ran out of time: the rota shown is the quick one, still rated
        rota = db.session.get(Rota, rota_id)
        assert rota is not None
        rota.solver_status, rota.objective, rota.best_bound = "no_solution_in_time", 1200, 1000.0
        db.session.commit()
    rated = demo_client.get(f"/rota/{rota_id}").get_data(as_text=True)
    assert "within 17 % of the best possible" in rated and "no plan found" not in rated
    staffing = re.search(r'<dd class="staffing">(.*?)</dd>', html, re.S).group(1)
    assert "Dumfries" in staffing and ("complete, every seat is filled" in staffing or "empty (" in staffing)
    assert not re.search(r"penalt|bound|feasible|objective", staffing, re.I)
    with demo_app.app_context():
        unfilled = db.session.scalars(
            select(RotaSlot).where(RotaSlot.rota_id == rota_id, RotaSlot.unfilled_reason != "")
        ).all()
        for slot in unfilled[:3]:
            assert slot.unfilled_reason.split(": ", 1)[1][:40].replace("&", "&amp;") in html
    index = demo_client.get("/rota/").get_data(as_text=True)
    assert f"/rota/{rota_id}" in index


def test_double_submitted_generate_starts_one_job_at_a_time(demo_app: Flask, demo_client: FlaskClient) -> None:
    """While a generation job is queued or running, another submit goes to its progress page instead."""
    from foodtrain.models import BackgroundJob, JobStatus

    sign_in(demo_client, "coordinator-dg")
    with demo_app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        job = BackgroundJob(branch_id=branch_id, kind="rota_generate", status=JobStatus.RUNNING)
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    token = csrf_token_from(demo_client.get("/rota/").get_data(as_text=True))
    response = demo_client.post("/rota/generate", data={"csrf_token": token, "month": MONTH, "time_limit_s": 1})
    assert response.headers["Location"].endswith(f"/jobs/{job_id}")
    job_page = demo_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Best so far" in job_page and "not yet known" in job_page  # the rota's search reports its quality
    with demo_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BackgroundJob)) == 1


def test_same_generate_form_sent_five_times_makes_one_rota(demo_app: Flask, demo_client: FlaskClient) -> None:
    """Five submits of one page's form (same one-time token) start one job and store one draft."""
    from foodtrain.models import BackgroundJob

    sign_in(demo_client, "coordinator-dg")
    page = demo_client.get("/rota/").get_data(as_text=True)
    form_token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', page).group(1)
    data = {"csrf_token": csrf_token_from(page), "month": MONTH, "time_limit_s": 1, "form_token": form_token}
    locations = {demo_client.post("/rota/generate", data=data).headers["Location"] for _ in range(5)}
    assert len(locations) == 1
    with demo_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BackgroundJob)) == 1
        assert db.session.scalar(select(func.count()).select_from(Rota)) == 1


def test_generate_form_rejects_bad_input_next_to_the_field(demo_client: FlaskClient) -> None:
    """A bad month or time limit answers 400 with the message by the field and keeps what was typed."""
    sign_in(demo_client, "coordinator-dg")
    token = csrf_token_from(demo_client.get("/rota/").get_data(as_text=True))
    response = demo_client.post(
        "/rota/generate", data={"csrf_token": token, "month": "Decembr", "time_limit_s": "9999"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose a month, for example 2026-12." in html and "Between 1 and 300 seconds." in html
    assert 'value="Decembr"' in html


def _slot_with_team(demo_app: Flask, rota_id: int) -> tuple[int, int, int]:
    with demo_app.app_context():
        slot = next(
            s for s in db.session.get(Rota, rota_id).slots if s.kind is SlotKind.DELIVERY and len(s.assignments) == 2
        )
        driver = next(a.volunteer_id for a in slot.assignments if a.role is RotaRole.DRIVER)
        mate = next(a.volunteer_id for a in slot.assignments if a.role is RotaRole.MATE)
        return slot.id, driver, mate


def test_edit_breaking_a_rule_shows_the_rule_and_keeps_the_choice(demo_app: Flask, demo_client: FlaskClient) -> None:
    """Choosing a mate as driver who is not an approved driver is refused with the rule named; nothing is saved."""
    sign_in(demo_client, "coordinator-dg")
    rota_id = _generate(demo_client)
    slot_id, driver, mate = _slot_with_team(demo_app, rota_id)
    page = demo_client.get(f"/rota/{rota_id}/edit?slot={slot_id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    with demo_app.app_context():
        unapproved = db.session.scalar(
            select(Volunteer.id).where(
                Volunteer.van_driving_approved.is_(False),
                Volunteer.id != mate,
                Volunteer.branch_id == db.session.get(Rota, rota_id).branch_id,
            )
        )
    response = demo_client.post(
        f"/rota/{rota_id}/edit?slot={slot_id}",
        data={"csrf_token": csrf_token_from(page), "version": version, "seat_0": unapproved, "seat_1": mate},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Not allowed" in html
    assert f'<option selected value="{unapproved}">' in html
    with demo_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RotaChange)) == 0


def test_valid_edit_and_publish(demo_app: Flask, demo_client: FlaskClient) -> None:
    """Emptying a team is saved and logged; publishing makes it the month's rota; a stale form is refused."""
    sign_in(demo_client, "coordinator-dg")
    rota_id = _generate(demo_client)
    slot_id, driver, mate = _slot_with_team(demo_app, rota_id)
    page = demo_client.get(f"/rota/{rota_id}/edit?slot={slot_id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    response = demo_client.post(
        f"/rota/{rota_id}/edit?slot={slot_id}",
        data={"csrf_token": csrf_token_from(page), "version": version, "seat_0": 0, "seat_1": 0},
    )
    assert response.status_code == 302
    show = demo_client.get(f"/rota/{rota_id}").get_data(as_text=True)
    assert "edited by hand" in show and "slot--unfilled" in show
    # publishing with the version from before the edit is refused
    stale = demo_client.post(f"/rota/{rota_id}/publish", data={"csrf_token": csrf_token_from(show), "version": version})
    assert stale.status_code == 409 and "changed by someone else" in stale.get_data(as_text=True)
    current = re.search(r'name="version" type="hidden" value="(\d+)"', show).group(1)
    asked = demo_client.post(f"/rota/{rota_id}/publish", data={"csrf_token": csrf_token_from(show), "version": current})
    assert asked.status_code == 200 and "Publish anyway" in asked.get_data(as_text=True)
    assert "not fully staffed" in asked.get_data(as_text=True)
    assert _dg_rota(demo_app, rota_id).status is RotaStatus.DRAFT  # nothing published before confirming
    ok = demo_client.post(
        f"/rota/{rota_id}/publish", data={"csrf_token": csrf_token_from(show), "version": current, "confirmed": "1"}
    )
    assert ok.status_code == 302
    assert _dg_rota(demo_app, rota_id).status is RotaStatus.PUBLISHED
    with demo_app.app_context():  # the one Actor: user id and name in the audit log and on the changed seats
        user_id = db.session.scalar(select(User.id).where(User.username == "coordinator-dg"))
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.entity_type == "rota", AuditEvent.entity_id == rota_id)
        ).all()
        assert {(e.action, e.user_id, e.username) for e in events} >= {
            ("rota.edit", user_id, "coordinator-dg"),
            ("rota.publish", user_id, "coordinator-dg"),
        }
        assert {c.user_id for c in db.session.scalars(select(RotaChange).where(RotaChange.rota_id == rota_id))} == {
            user_id
        }
        assert db.session.get(Rota, rota_id).published_by_user_id == user_id


def test_repair_shows_before_and_after(demo_app: Flask, demo_client: FlaskClient) -> None:
    """A drop-out from the 10th empties their later shifts, fills them where possible and lists the changes."""
    sign_in(demo_client, "coordinator-dg")
    rota_id = _generate(demo_client)
    with demo_app.app_context():
        rota = db.session.get(Rota, rota_id)
        later = [a for s in rota.slots if s.date.day >= 10 for a in s.assignments]
        volunteer_id = later[0].volunteer_id
    page = demo_client.get(f"/rota/{rota_id}/repair").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    response = demo_client.post(
        f"/rota/{rota_id}/repair",
        data={
            "csrf_token": csrf_token_from(page),
            "version": version,
            "volunteer_id": volunteer_id,
            "from_date": "2026-12-10",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#changes")
    with demo_app.app_context():
        rota = db.session.get(Rota, rota_id)
        assert not [a for s in rota.slots if s.date.day >= 10 for a in s.assignments if a.volunteer_id == volunteer_id]
        name = db.session.get(Volunteer, volunteer_id).full_name
    html = demo_client.get(f"/rota/{rota_id}").get_data(as_text=True)
    assert "repair:" in html and name in html


def test_repair_form_errors_are_shown(demo_client: FlaskClient) -> None:
    """A missing volunteer and a date outside the month are explained next to the fields."""
    sign_in(demo_client, "coordinator-dg")
    rota_id = _generate(demo_client)
    page = demo_client.get(f"/rota/{rota_id}/repair").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    response = demo_client.post(
        f"/rota/{rota_id}/repair",
        data={"csrf_token": csrf_token_from(page), "version": version, "volunteer_id": 0, "from_date": "2027-03-01"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose the volunteer who drops out." in html and "Choose a day in December 2026." in html


def test_roles_and_branches(demo_app: Flask, demo_client: FlaskClient) -> None:
    """Office may view but not change; drivers only their own rota; another branch's rota is 404."""
    sign_in(demo_client, "coordinator-dg")
    rota_id = _generate(demo_client)
    demo_client.post("/logout", data={"csrf_token": csrf_token_from(demo_client.get("/rota/").get_data(as_text=True))})
    office = demo_app.test_client()
    sign_in(office, "office-dg")
    assert office.get(f"/rota/{rota_id}").status_code == 200
    assert "Change" not in office.get(f"/rota/{rota_id}").get_data(as_text=True).split("What changed")[0].replace(
        "Change </span>", ""
    )
    assert office.get(f"/rota/{rota_id}/repair").status_code == 403
    driver = demo_app.test_client()
    sign_in(driver, "driver-dg")
    assert driver.get(f"/rota/{rota_id}").status_code == 403
    assert driver.get("/rota/volunteers/1").status_code == 403
    assert driver.get("/rota/mine").status_code == 200
    other = demo_app.test_client()
    sign_in(other, "coordinator-wl")
    assert other.get(f"/rota/{rota_id}").status_code == 404
    assert other.get(f"/rota/{rota_id}/repair").status_code == 404


def test_driver_sees_own_published_rota_and_downloads_ics(demo_app: Flask, demo_client: FlaskClient) -> None:
    """After publishing, the driver's page lists their shifts and the .ics holds them, with no customer data."""
    sign_in(demo_client, "coordinator-dg")
    rota_id = _generate(demo_client)
    with demo_app.app_context():
        driver_volunteer = db.session.scalar(select(User.volunteer_id).where(User.username == "driver-dg"))
        rota = db.session.get(Rota, rota_id)
        slot = next(s for s in rota.slots if s.kind is SlotKind.OFFICE)
        has_shift = db.session.scalar(
            select(func.count())
            .select_from(RotaAssignment)
            .join(RotaSlot)
            .where(RotaSlot.rota_id == rota_id, RotaAssignment.volunteer_id == driver_volunteer)
        )
        if not has_shift:  # make sure the demo driver has at least one shift to show
            slot.assignments = []
            db.session.flush()
            slot.assignments.append(RotaAssignment(role=RotaRole.OFFICE, volunteer_id=driver_volunteer))
        rota.status, rota.published_month = RotaStatus.PUBLISHED, rota.month
        db.session.commit()
        from foodtrain.models import Customer

        customer_facts = [
            fact
            for row in db.session.execute(select(Customer.address_line1, Customer.phone, Customer.postcode))
            for fact in row
            if fact
        ]
    driver = demo_app.test_client()
    sign_in(driver, "driver-dg")
    page = driver.get(f"/rota/mine?month={MONTH}").get_data(as_text=True)
    assert "My rota" in page and "Dec" in page and "Download for my calendar" in page
    ics = driver.get(f"/rota/mine.ics?month={MONTH}")
    assert ics.mimetype == "text/calendar" and "attachment" in ics.headers["Content-Disposition"]
    text = ics.get_data(as_text=True)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.count("BEGIN:VEVENT") >= 1
    unfolded = text.replace("\r\n ", "")
    assert customer_facts and not [fact for fact in customer_facts if fact in unfolded]
    coordinator_copy = demo_client.get(f"/rota/volunteers/{driver_volunteer}.ics?month={MONTH}")
    assert coordinator_copy.status_code == 200 and coordinator_copy.get_data(as_text=True).count(
        "BEGIN:VEVENT"
    ) == text.count("BEGIN:VEVENT")


def test_user_without_volunteer_record_is_told_so(demo_client: FlaskClient) -> None:
    """An office login not linked to a volunteer sees an explanation, and no calendar file."""
    sign_in(demo_client, "office-dg")
    assert "not linked to a volunteer record" in demo_client.get("/rota/mine").get_data(as_text=True)
    assert demo_client.get("/rota/mine.ics").status_code == 404


def test_edit_page_groups_people_who_fit(demo_app: Flask, demo_client: FlaskClient) -> None:
    """The seat lists put people who could take the seat without breaking a rule first; unapproved drivers don't."""
    sign_in(demo_client, "coordinator-dg")
    rota_id = _generate(demo_client)
    slot_id, driver, _mate = _slot_with_team(demo_app, rota_id)
    html = demo_client.get(f"/rota/{rota_id}/edit?slot={slot_id}").get_data(as_text=True)
    driver_select = html.split('id="seat_0"', 1)[1].split("</select>", 1)[0]
    free = driver_select.split('label="Free and allowed"', 1)[1].split("</optgroup>", 1)[0]
    assert f'value="{driver}"' in free  # the driver already there fits their own seat
    with demo_app.app_context():
        unapproved = db.session.scalars(select(Volunteer.id).where(Volunteer.van_driving_approved.is_(False))).all()
    assert not [v for v in unapproved if f'value="{v}"' in free]


def test_shadowing_trainee_shows_as_a_third_person(demo_app: Flask, demo_client: FlaskClient) -> None:
    """A trainee in a van's shadow seat shows beside the team on the rota page ("Shadowing"), is no seat filled,
    and shows on their own rota and as a team-mate "(shadowing)" on the driver's once published."""
    from foodtrain.services.planning.reading import team_text
    from foodtrain.services.rota import teams_for_date

    sign_in(demo_client, "coordinator-dg")
    rota_id = _generate(demo_client)
    with demo_app.app_context():
        rota = db.session.get(Rota, rota_id)

        def seated_from(volunteer_id: int, day: date) -> bool:  # a driver or mate seat on that day or later
            return any(
                a.volunteer_id == volunteer_id and a.role is not RotaRole.SHADOW
                for s in rota.slots
                if s.date >= day
                for a in s.assignments
            )

        # taking a trainee off a shadow shift is refused when a later seat of theirs needs it (the shadow rule),
        # so the test uses a shadow seat whose trainee has no later seat
        shadow = next(
            (
                a
                for s in rota.slots
                for a in s.assignments
                if a.role is RotaRole.SHADOW
                and RotaRole.DRIVER in {b.role for b in s.assignments}
                and not seated_from(a.volunteer_id, s.date)
            ),
            None,
        )
        if shadow is None:  # none such this month: put a trainee with no seat from that day beside a full team
            slot = next(
                s
                for s in rota.slots
                if s.kind is SlotKind.DELIVERY and {a.role for a in s.assignments} == {RotaRole.DRIVER, RotaRole.MATE}
            )
            seated = {a.volunteer_id for s in rota.slots if s.date >= slot.date for a in s.assignments}
            trainee = db.session.scalar(
                select(Volunteer)
                .where(
                    Volunteer.branch_id == rota.branch_id, Volunteer.is_trainee.is_(True), Volunteer.id.not_in(seated)
                )
                .order_by(Volunteer.id)
            )
            slot.assignments.append(RotaAssignment(role=RotaRole.SHADOW, volunteer_id=trainee.id))
            db.session.commit()
        else:
            slot = shadow.slot
        trainee_id = next(a.volunteer_id for a in slot.assignments if a.role is RotaRole.SHADOW)
        trainee_name = db.session.get(Volunteer, trainee_id).full_name
        driver_id = next(a.volunteer_id for a in slot.assignments if a.role is RotaRole.DRIVER)
        day, branch_id, slot_id = slot.date, rota.branch_id, slot.id
        seats = sum(len(s.assignments) for s in rota.slots) - sum(
            1 for s in rota.slots for a in s.assignments if a.role is RotaRole.SHADOW
        )
    html = demo_client.get(f"/rota/{rota_id}").get_data(as_text=True)
    shown = str(escape(trainee_name))
    assert "Shadowing (trainee):" in html and shown in html
    assert re.search(rf"Seats filled</dt><dd>{seats} of ", html)  # the shadow seat is not counted
    with demo_app.app_context():
        rota = db.session.get(Rota, rota_id)
        rota.status, rota.published_month = RotaStatus.PUBLISHED, rota.month
        db.session.commit()
        team = next(t for t in teams_for_date(db.session, branch_id, day) if t.shadow_volunteer_id == trainee_id)
        assert team_text(team).endswith(f", with {trainee_name} shadowing")  # the round's team line and sheet
    own = demo_client.get(f"/rota/volunteers/{trainee_id}?month={MONTH}").get_data(as_text=True)
    assert "<td>Shadowing</td>" in own
    with demo_app.app_context():
        trainee = db.session.get(Volunteer, trainee_id)
        if trainee.is_trainee:
            assert f"Trainee: {trainee.shadow_shifts_remaining} shadow shift" in own
    driver_page = demo_client.get(f"/rota/volunteers/{driver_id}?month={MONTH}").get_data(as_text=True)
    assert f"{shown} (shadowing)" in driver_page
    # the edit page has the shadow seat, set to the trainee; choosing nobody takes them off (a logged change)
    edit_page = demo_client.get(f"/rota/{rota_id}/edit?slot={slot_id}").get_data(as_text=True)
    shadow_select = re.search(r'<select[^>]*name="shadow".*?</select>', edit_page, re.S).group(0)
    assert f'<option selected value="{trainee_id}">' in shadow_select and "Shadowing (trainee)" in edit_page
    seats = {
        f"seat_{i}": value
        for i, value in enumerate(re.findall(r'name="seat_\d+".*?<option selected value="(\d+)">', edit_page, re.S))
    }
    saved = demo_client.post(
        f"/rota/{rota_id}/edit?slot={slot_id}",
        data={
            "csrf_token": csrf_token_from(edit_page),
            "version": re.search(r'name="version" type="hidden" value="(\d+)"', edit_page).group(1),
            "shadow": 0,
            **seats,
        },
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    with demo_app.app_context():
        assert not [a for a in db.session.get(RotaSlot, slot_id).assignments if a.role is RotaRole.SHADOW]
        assert db.session.scalar(
            select(RotaChange.id).where(RotaChange.role == RotaRole.SHADOW, RotaChange.old_volunteer_id == trainee_id)
        )


def test_volunteer_page_counts_a_past_shadow_shift_once(demo_app: Flask, demo_client: FlaskClient) -> None:
    """A trainee's shadow seat on a published rota whose day has passed shows as one fewer shadow shift to do on
    their page, however often the page is opened."""
    from datetime import date, datetime

    from foodtrain.models import PartOfDay, ShadowShift, Van

    sign_in(demo_client, "coordinator-dg")
    with demo_app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        van = db.session.scalar(select(Van).where(Van.branch_id == branch_id))
        trainee = db.session.scalar(select(Volunteer).where(Volunteer.branch_id == branch_id).order_by(Volunteer.id))
        trainee.is_trainee, trainee.shadow_shifts_remaining = True, 3
        month = date(2026, 11, 1)
        rota = Rota(
            branch_id=branch_id,
            month=month,
            status=RotaStatus.PUBLISHED,
            published_month=month,
            published_at=datetime(2026, 10, 25, 10),
        )
        db.session.add(rota)
        db.session.flush()
        slot = RotaSlot(
            rota_id=rota.id,
            key="van-past",
            date=date(2026, 11, 3),
            part_of_day=PartOfDay.WHOLE_DAY,
            kind=SlotKind.DELIVERY,
            van_id=van.id,
            resource=van.name,
            seats=2,
        )
        db.session.add(slot)
        db.session.flush()
        db.session.add(RotaAssignment(slot_id=slot.id, role=RotaRole.SHADOW, volunteer_id=trainee.id))
        db.session.commit()
        trainee_id, rota_id, slot_id = trainee.id, rota.id, slot.id
    for _ in range(2):
        page = demo_client.get(f"/volunteers/{trainee_id}").get_data(as_text=True)
        assert "trainee, 2 shadow shifts to do" in page
    with demo_app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(ShadowShift).where(ShadowShift.volunteer_id == trainee_id)
            )
            == 1
        )
    # the coordinator says the trainee did not come: the shift is given back (and back again when they did)
    edit_page = demo_client.get(f"/rota/{rota_id}/edit?slot={slot_id}").get_data(as_text=True)
    assert "Did the trainee come?" in edit_page and "They did not come (missed)" in edit_page
    missed = demo_client.post(
        f"/rota/{rota_id}/shadow-missed?slot={slot_id}", data={"csrf_token": csrf_token_from(edit_page), "missed": "1"}
    )
    assert missed.status_code == 302
    assert "trainee, 3 shadow shifts to do" in demo_client.get(f"/volunteers/{trainee_id}").get_data(as_text=True)
    edit_page = demo_client.get(f"/rota/{rota_id}/edit?slot={slot_id}").get_data(as_text=True)
    assert "They came after all" in edit_page
    demo_client.post(
        f"/rota/{rota_id}/shadow-missed?slot={slot_id}", data={"csrf_token": csrf_token_from(edit_page), "missed": "0"}
    )
    assert "trainee, 2 shadow shifts to do" in demo_client.get(f"/volunteers/{trainee_id}").get_data(as_text=True)


def test_a_shift_on_a_day_closed_after_publishing_shows_cancelled(demo_app: Flask, demo_client: FlaskClient) -> None:
    """The tester's case: the branch closes a day after the rota is published. The driver's own page says
    "Branch closed: <reason>" at that shift, their .ics keeps it as STATUS:CANCELLED, and the coordinator's
    rota calendar marks the day closed."""
    from datetime import date

    from foodtrain.models import PartOfDay
    from foodtrain.services.audit import Actor
    from foodtrain.services.closures import set_day

    month, closed_day = date(2027, 2, 1), date(2027, 2, 10)
    with demo_app.app_context():
        driver_volunteer = db.session.get(
            Volunteer, db.session.scalar(select(User.volunteer_id).where(User.username == "driver-dg"))
        )
        rota = Rota(
            branch_id=driver_volunteer.branch_id, month=month, status=RotaStatus.PUBLISHED, published_month=month
        )
        rota.slots = [
            RotaSlot(
                key="office-zq",
                date=closed_day,
                part_of_day=PartOfDay.MORNING,
                kind=SlotKind.OFFICE,
                resource="Office",
                seats=1,
                assignments=[RotaAssignment(role=RotaRole.OFFICE, volunteer_id=driver_volunteer.id)],
            )
        ]
        db.session.add(rota)
        db.session.commit()
        rota_id = rota.id
        set_day(
            db.session, driver_volunteer.branch_id, closed_day, is_open=False, reason="Zq burst pipe", actor=Actor(None)
        )
    driver = demo_app.test_client()
    sign_in(driver, "driver-dg")
    page = driver.get("/rota/mine?month=2027-02").get_data(as_text=True)
    assert "Branch closed: Zq burst pipe" in page and "rota-mine__cancelled" in page
    ics = driver.get("/rota/mine.ics?month=2027-02").get_data(as_text=True).replace("\r\n ", "")
    assert ics.count("BEGIN:VEVENT") == 1 and "STATUS:CANCELLED" in ics
    sign_in(demo_client, "coordinator-dg")
    calendar = demo_client.get(f"/rota/{rota_id}").get_data(as_text=True)
    assert "Branch closed: Zq burst pipe" in calendar and "rota-month__closed" in calendar
