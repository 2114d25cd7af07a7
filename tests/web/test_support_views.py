"""Pages of the services beyond groceries: referral, EXTRA request -> schedule -> sheet -> complete, as the
roles that do them; bad input answers 422 with the message and saves nothing."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from foodtrain.extensions import db
from foodtrain.models import Branch, Customer, DayPart
from foodtrain.models.support import ExtraJob, ExtraJobStatus, ExtraTaskType, Referral
from foodtrain.services import extra as extra_service
from tests.conftest import csrf_token_from, sign_in


def _dg(demo_app):
    with demo_app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        customer_id = db.session.scalar(
            select(Customer.id).where(Customer.branch_id == branch_id).order_by(Customer.id)
        )
        task_id = db.session.scalar(
            select(ExtraTaskType.id).where(
                ExtraTaskType.branch_id == branch_id, ExtraTaskType.name == "Hanging curtains"
            )
        )
        return branch_id, customer_id, task_id


def _count(demo_app, model) -> int:
    with demo_app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_referral_pages(demo_app, demo_client) -> None:
    _, customer_id, _ = _dg(demo_app)
    assert sign_in(demo_client, "office-dg").status_code == 302
    page = demo_client.get("/referrals/")
    assert page.status_code == 200 and "waiting list" in page.get_data(as_text=True)
    form = demo_client.get(f"/referrals/new?customer_id={customer_id}&service=befriending")
    token = csrf_token_from(form.get_data(as_text=True))
    before = _count(demo_app, Referral)
    bad = demo_client.post(
        "/referrals/new",
        data={
            "csrf_token": token,
            "customer_id": str(customer_id),
            "service": "befriending",
            "source": "gp",
            "referred_on": date.today().isoformat(),
        },
    )
    assert bad.status_code == 422 and "Say who referred them" in bad.get_data(as_text=True)
    assert _count(demo_app, Referral) == before
    good = demo_client.post(
        "/referrals/new",
        data={
            "csrf_token": token,
            "customer_id": str(customer_id),
            "service": "befriending",
            "source": "gp",
            "referrer_name": "Dr Brown",
            "consent_recorded": "y",
            "referred_on": date.today().isoformat(),
        },
    )
    assert good.status_code == 302 and _count(demo_app, Referral) == before + 1
    shown = demo_client.get(good.headers["Location"])
    assert "Dr Brown" in shown.get_data(as_text=True)
    decide = demo_client.post(
        good.headers["Location"],
        data={"csrf_token": token, "outcome": "declined", "decline_reason": "", "version": "1"},
    )
    assert decide.status_code == 422 and "Say why" in decide.get_data(as_text=True)


def test_extra_request_schedule_sheet_complete(demo_app, demo_client) -> None:
    branch_id, customer_id, task_id = _dg(demo_app)
    assert sign_in(demo_client, "office-dg").status_code == 302
    token = csrf_token_from(demo_client.get(f"/extra/new?customer_id={customer_id}").get_data(as_text=True))
    empty = demo_client.post(
        "/extra/new",
        data={"csrf_token": token, "customer_id": str(customer_id), "task_type_id": str(task_id), "urgency": "routine"},
    )
    assert empty.status_code == 422 and "Describe the job" in empty.get_data(as_text=True)
    made = demo_client.post(
        "/extra/new",
        data={
            "csrf_token": token,
            "customer_id": str(customer_id),
            "task_type_id": str(task_id),
            "urgency": "soon",
            "details": "Bedroom curtains",
            "preferred_weekdays": ["1", "2"],
        },
    )
    assert made.status_code == 302
    job_url = made.headers["Location"]
    job_id = int(job_url.rstrip("/").split("/")[-1])
    assert demo_client.post(f"{job_url}/schedule", data={"csrf_token": token}).status_code == 403  # office
    demo_client.post("/logout", data={"csrf_token": token})

    assert sign_in(demo_client, "coordinator-dg").status_code == 302
    with demo_app.app_context():
        slot = next(
            (day, part, found[0].volunteer_id)
            for day in (date.today() + timedelta(days=n) for n in range(1, 30))
            for part in DayPart
            if (found := [c for c in extra_service.candidates(db.session, branch_id, job_id, day, part) if c.free])
        )
    day, part, volunteer_id = slot
    page = demo_client.get(f"{job_url}?date={day.isoformat()}&part={part.value}")
    token = csrf_token_from(page.get_data(as_text=True))
    assert page.status_code == 200 and "Schedule" in page.get_data(as_text=True)
    done = demo_client.post(
        f"{job_url}/schedule",
        data={
            "csrf_token": token,
            "scheduled_date": day.isoformat(),
            "part_of_day": part.value,
            "volunteer_id": str(volunteer_id),
            "version": "1",
        },
    )
    assert done.status_code == 302
    again = demo_client.post(
        f"{job_url}/schedule",
        data={
            "csrf_token": token,
            "scheduled_date": day.isoformat(),
            "part_of_day": part.value,
            "volunteer_id": str(volunteer_id),
            "version": "2",
        },
    )
    assert again.status_code == 302  # moving a job onto its own half-day is no clash with itself
    sheet = demo_client.get(f"{job_url}/sheet.pdf")
    assert sheet.status_code == 200 and sheet.mimetype == "application/pdf" and sheet.data.startswith(b"%PDF")
    with demo_app.app_context():  # the day comes
        job = db.session.get(ExtraJob, job_id)
        job.scheduled_date = date.today()
        db.session.commit()
        version = job.version
    bad = demo_client.post(
        f"{job_url}/complete",
        data={
            "csrf_token": token,
            "time_spent_min": "45",
            "amount_paid": "five",
            "payment_method": "",
            "version": str(version),
        },
    )
    assert bad.status_code == 422 and "Enter an amount" in bad.get_data(as_text=True)
    ok = demo_client.post(
        f"{job_url}/complete",
        data={
            "csrf_token": token,
            "time_spent_min": "45",
            "amount_paid": "5.00",
            "payment_method": "cash",
            "version": str(version),
        },
    )
    assert ok.status_code == 302
    with demo_app.app_context():
        job = db.session.get(ExtraJob, job_id)
        assert (job.status, job.time_spent_min, job.amount_paid_pence) == (ExtraJobStatus.COMPLETED, 45, 500)


def test_befriending_and_outcome_pages(demo_app, demo_client) -> None:
    """The coordinator sees suggestions with reasons; the office logs a visit but cannot see suggestions;
    the outcomes report and the survey form answer; a bad survey saves nothing."""
    from foodtrain.models.support import BefriendingContact, BefriendingMatch, OutcomeSurvey

    branch_id, customer_id, _ = _dg(demo_app)
    with demo_app.app_context():
        match_id = db.session.scalar(select(BefriendingMatch.id).where(BefriendingMatch.branch_id == branch_id))
        waiting_customer = db.session.scalar(
            select(Referral.customer_id).where(Referral.branch_id == branch_id, Referral.outcome == "waiting")
        )
    assert sign_in(demo_client, "office-dg").status_code == 302
    assert demo_client.get(f"/befriending/customers/{waiting_customer}").status_code == 403
    page = demo_client.get(f"/befriending/{match_id}")
    token = csrf_token_from(page.get_data(as_text=True))
    before = _count(demo_app, BefriendingContact)
    logged = demo_client.post(
        f"/befriending/{match_id}/contacts",
        data={"csrf_token": token, "kind": "call", "happened_on": date.today().isoformat(), "duration_min": "25"},
    )
    assert logged.status_code == 302 and _count(demo_app, BefriendingContact) == before + 1
    report = demo_client.get("/outcomes/?year=2026")
    assert report.status_code == 200 and "Tackling isolation" in report.get_data(as_text=True)
    assert demo_client.get("/outcomes/surveys/form").status_code == 200
    surveys = _count(demo_app, OutcomeSurvey)
    bad = demo_client.post(
        "/outcomes/surveys/new",
        data={
            "csrf_token": token,
            "customer_id": str(customer_id),
            "surveyed_on": "2099-01-01",
            "outcomes": ["health"],
        },
    )
    assert bad.status_code == 422 and _count(demo_app, OutcomeSurvey) == surveys
    demo_client.post("/logout", data={"csrf_token": token})
    assert sign_in(demo_client, "coordinator-dg").status_code == 302
    suggestions = demo_client.get(f"/befriending/customers/{waiting_customer}")
    assert suggestions.status_code == 200 and "Suggested befrienders" in suggestions.get_data(as_text=True)


def test_volunteer_support_profile_page(demo_app, demo_client) -> None:
    """A coordinator sets a volunteer's EXTRA skills and befriending; a task type of another branch is refused."""
    from foodtrain.models import Volunteer
    from foodtrain.models.support import VolunteerSkill, VolunteerSupportProfile

    branch_id, _, task_id = _dg(demo_app)
    with demo_app.app_context():
        volunteer_id = db.session.scalar(
            select(Volunteer.id).where(Volunteer.branch_id == branch_id).order_by(Volunteer.id.desc())
        )
        other_task = db.session.scalar(select(ExtraTaskType.id).where(ExtraTaskType.branch_id != branch_id))
    assert sign_in(demo_client, "coordinator-dg").status_code == 302
    page = demo_client.get(f"/extra/volunteers/{volunteer_id}")
    token = csrf_token_from(page.get_data(as_text=True))
    bad = demo_client.post(
        f"/extra/volunteers/{volunteer_id}", data={"csrf_token": token, "task_type_ids": [str(other_task)]}
    )
    assert bad.status_code == 422
    ok = demo_client.post(
        f"/extra/volunteers/{volunteer_id}",
        data={
            "csrf_token": token,
            "task_type_ids": [str(task_id)],
            "befriender": "y",
            "gender": "female",
            "languages": "English, Polish",
            "interests": "bowls",
        },
    )
    assert ok.status_code == 302
    with demo_app.app_context():
        assert db.session.scalars(
            select(VolunteerSkill.task_type_id).where(VolunteerSkill.volunteer_id == volunteer_id)
        ).all() == [task_id]
        profile = db.session.scalar(
            select(VolunteerSupportProfile).where(VolunteerSupportProfile.volunteer_id == volunteer_id)
        )
        assert profile.befriender and profile.languages == "English, Polish"


def test_price_list_page(demo_app, demo_client) -> None:
    """A coordinator adds a dated price (a new kind of job too); a second price on the same date is refused."""
    from foodtrain.models.support import ExtraPrice

    assert sign_in(demo_client, "coordinator-dg").status_code == 302
    page = demo_client.get("/extra/prices")
    assert page.status_code == 200 and "Hanging curtains" in page.get_data(as_text=True)
    token = csrf_token_from(page.get_data(as_text=True))
    data = {"csrf_token": token, "task_name": "Putting up a shelf", "effective_from": "2027-04-01", "price": "6.00"}
    before = _count(demo_app, ExtraPrice)
    assert demo_client.post("/extra/prices", data=data).status_code == 302
    again = demo_client.post("/extra/prices", data=data)
    assert again.status_code == 422 and "already has a price" in again.get_data(as_text=True)
    assert _count(demo_app, ExtraPrice) == before + 1
    assert demo_client.post("/extra/prices", data=data | {"price": "lots"}).status_code == 422


def test_retiring_a_kind_of_job_from_the_price_list_page(demo_app, demo_client) -> None:
    """A coordinator retires a job: it leaves the request form but stays on the price list with its prices; the
    office may not retire; offering it again brings it back."""
    _, _, task_id = _dg(demo_app)
    assert sign_in(demo_client, "coordinator-dg").status_code == 302
    token = csrf_token_from(demo_client.get("/extra/prices").get_data(as_text=True))
    url = f"/extra/prices/{task_id}/offered"
    assert demo_client.post(url, data={"csrf_token": token, "offered": "maybe"}).status_code == 302
    assert ">Hanging curtains</option>" in demo_client.get("/extra/new").get_data(as_text=True)
    assert demo_client.post(url, data={"csrf_token": token, "offered": "0"}).status_code == 302
    prices = demo_client.get("/extra/prices").get_data(as_text=True)
    assert "Hanging curtains" in prices and "Retired" in prices and "Offer again" in prices
    assert ">Hanging curtains</option>" not in demo_client.get("/extra/new").get_data(as_text=True)
    with demo_app.app_context():
        task = db.session.get(ExtraTaskType, task_id)
        assert not task.active and task.prices
    office = demo_app.test_client()
    assert sign_in(office, "office-dg").status_code == 302
    office_token = csrf_token_from(office.get("/account/").get_data(as_text=True))
    assert office.post(url, data={"csrf_token": office_token, "offered": "1"}).status_code == 403
    assert demo_client.post(url, data={"csrf_token": token, "offered": "1"}).status_code == 302
    with demo_app.app_context():
        assert db.session.get(ExtraTaskType, task_id).active


def test_opening_a_services_record_is_audited_like_a_customer_page(demo_app, demo_client) -> None:
    """Who saw which referral, EXTRA job, befriending match or befriending wishes is in the audit log (ids and
    field names, never the values), written by the same helper as the customer page's."""
    from foodtrain.models import AuditEvent
    from foodtrain.models.support import BefriendingMatch

    branch_id, customer_id, _ = _dg(demo_app)
    with demo_app.app_context():
        first = {
            model: db.session.scalar(select(model.id).where(model.branch_id == branch_id).order_by(model.id))
            for model in (Referral, ExtraJob, BefriendingMatch)
        }
        referral = db.session.get(Referral, first[Referral])
        texts = [text for text in (referral.referrer_name, referral.referrer_contact, referral.notes) if text]
    assert sign_in(demo_client, "office-dg").status_code == 302
    for url in (
        f"/referrals/{first[Referral]}",
        f"/extra/{first[ExtraJob]}",
        f"/befriending/{first[BefriendingMatch]}",
    ):
        assert demo_client.get(url).status_code == 200, url
    coordinator = demo_app.test_client()
    assert sign_in(coordinator, "coordinator-dg").status_code == 302
    assert coordinator.get(f"/befriending/customers/{customer_id}").status_code == 200
    with demo_app.app_context():
        seen = {
            (e.action, e.entity_type, e.entity_id, e.username, e.branch_id): e.detail
            for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("%.view")))
        }
    assert set(seen) == {
        ("referral.view", "referral", first[Referral], "office-dg", branch_id),
        ("extra_job.view", "extra_job", first[ExtraJob], "office-dg", branch_id),
        ("befriending_match.view", "befriending_match", first[BefriendingMatch], "office-dg", branch_id),
        ("befriending_wish.view", "customer", customer_id, "coordinator-dg", branch_id),
    }
    assert not any(text in detail for text in texts for detail in seen.values())


def test_a_befrienders_rota_page_and_calendar_file_show_their_visits(demo_app, demo_client) -> None:
    """The volunteer's personal rota lists the weekly befriending visits beside shifts and EXTRA jobs, and the
    calendar file holds them (town only, no customer name)."""
    from foodtrain.models.support import BefriendingMatch, BefriendingStatus

    branch_id, _, _ = _dg(demo_app)
    with demo_app.app_context():
        match = db.session.scalar(
            select(BefriendingMatch)
            .where(BefriendingMatch.branch_id == branch_id, BefriendingMatch.status == BefriendingStatus.ACTIVE)
            .order_by(BefriendingMatch.id)
        )
        volunteer_id, town, last_name = match.volunteer_id, match.customer.town, match.customer.last_name
        month = max(match.started_on, date.today()).replace(day=1).strftime("%Y-%m")
    assert sign_in(demo_client, "coordinator-dg").status_code == 302
    page = demo_client.get(f"/rota/volunteers/{volunteer_id}?month={month}").get_data(as_text=True)
    assert "Befriending visits" in page and town in page
    ics = demo_client.get(f"/rota/volunteers/{volunteer_id}.ics?month={month}").get_data(as_text=True)
    assert "Food Train: befriending visit" in ics and last_name not in ics


def test_one_survey_page_for_the_office_audited_and_branch_scoped(demo_app, demo_client) -> None:
    """Saving answers leads to the survey's own page (the ticked outcomes and the customer's words); the
    customer's page links to it; each view is audited without the words; another branch's survey is 404."""
    import re

    from foodtrain.models import AuditEvent
    from foodtrain.models.support import OutcomeSurvey

    branch_id, customer_id, _ = _dg(demo_app)
    assert sign_in(demo_client, "office-dg").status_code == 302
    form = demo_client.get(f"/outcomes/surveys/new?customer_id={customer_id}").get_data(as_text=True)
    form_token = re.search(r'name="form_token"[^>]*value="([^"]+)"', form).group(1)
    saved = demo_client.post(
        "/outcomes/surveys/new",
        data={
            "csrf_token": csrf_token_from(form),
            "form_token": form_token,
            "customer_id": str(customer_id),
            "surveyed_on": date.today().isoformat(),
            "outcomes": ["independence", "isolation"],
            "comments": "Zqwords: I see someone every week",
        },
    )
    assert saved.status_code == 302
    survey_id = int(saved.headers["Location"].rsplit("/", 1)[1])
    page = demo_client.get(f"/outcomes/surveys/{survey_id}").get_data(as_text=True)
    assert "Independence" in page and "Tackling isolation" in page and "Zqwords" in page and "Wellbeing" not in page
    assert f"/outcomes/surveys/{survey_id}" in demo_client.get(f"/customers/{customer_id}").get_data(as_text=True)
    with demo_app.app_context():
        details = db.session.scalars(
            select(AuditEvent.detail).where(
                AuditEvent.action == "outcome_survey.view", AuditEvent.entity_id == survey_id
            )
        ).all()
        elsewhere = db.session.scalar(select(OutcomeSurvey.id).where(OutcomeSurvey.branch_id != branch_id).limit(1))
    assert len(details) == 1 and "Zqwords" not in details[0]
    assert demo_client.get(f"/outcomes/surveys/{elsewhere}").status_code == 404
    assert demo_client.get(f"/outcomes/surveys/{2**70}").status_code == 404


def test_a_scheduled_extra_job_shows_on_the_volunteers_own_rota_page_and_calendar_file(demo_app, demo_client) -> None:
    """A driver with an EXTRA job scheduled sees it on /rota/mine (day, half-day, task, town) and in /rota/mine.ics
    (task and town, never the customer's name); a cancelled job disappears from both."""
    from foodtrain.clock import branch_today
    from foodtrain.models import User

    branch_id, customer_id, task_id = _dg(demo_app)
    with demo_app.app_context():
        volunteer_id = db.session.scalar(select(User.volunteer_id).where(User.username == "driver-dg"))
        customer = db.session.get(Customer, customer_id)
        town, last_name = customer.town, customer.last_name
        day = branch_today() + timedelta(days=3)
        job = ExtraJob(
            branch_id=branch_id,
            customer_id=customer_id,
            task_type_id=task_id,
            requested_on=branch_today(),
            details="Kitchen curtains",
            status=ExtraJobStatus.SCHEDULED,
            volunteer_id=volunteer_id,
            scheduled_date=day,
            part_of_day=DayPart.AFTERNOON,
            price_pence=500,
        )
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    month = day.strftime("%Y-%m")
    assert sign_in(demo_client, "driver-dg").status_code == 302
    page = demo_client.get(f"/rota/mine?month={month}").get_data(as_text=True)
    section = page[page.index("EXTRA home-support jobs") :]
    assert f"{day:%a %-d %b}" in section and "afternoon" in section and "Hanging curtains" in section
    assert town in section
    ics = demo_client.get(f"/rota/mine.ics?month={month}").get_data(as_text=True)
    assert f"UID:extra-job-{job_id}@" in ics and "Food Train EXTRA: Hanging curtains" in ics
    assert f":{day:%Y%m%d}T133000" in ics  # the afternoon's start
    assert last_name not in ics
    with demo_app.app_context():
        db.session.get(ExtraJob, job_id).status = ExtraJobStatus.CANCELLED
        db.session.commit()
    assert "Hanging curtains" not in demo_client.get(f"/rota/mine?month={month}").get_data(as_text=True)
    assert f"extra-job-{job_id}@" not in demo_client.get(f"/rota/mine.ics?month={month}").get_data(as_text=True)
