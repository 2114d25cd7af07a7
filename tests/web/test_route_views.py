"""Route pages: plan a day as a job, see rounds and map, adjust, publish, PDFs, and who may see what."""

from __future__ import annotations

import re
from datetime import date, time
from io import BytesIO

import pytest
from markupsafe import escape
from pypdf import PdfReader
from sqlalchemy import func, select

from foodtrain.extensions import db
from foodtrain.models import AuditEvent, BackgroundJob, Branch, RoutePin, RoutePlan, User
from foodtrain.services.audit import SYSTEM, Actor
from foodtrain.services.errors import ValidationError
from foodtrain.services.planning import adjusting, reading, storing, viewing
from foodtrain.services.rota import VanTeam
from foodtrain.sheets import FOOTER_TEXT
from tests.conftest import csrf_token_from, sign_in
from web.route_forms import PlanDayForm

DAY = date(2026, 11, 26)  # the demo's busiest open day in DG


def _branch_id(code: str) -> int:
    return db.session.scalar(select(Branch.id).where(Branch.code == code))


def _plan(app, code: str = "DG") -> viewing.PlanView:
    """Plan DAY for the branch directly through the service (1 s search) and return the view."""
    with app.app_context():
        branch_id = _branch_id(code)
        storing.plan_day(db.session, branch_id, DAY, time_limit_s=1)
        view = viewing.get_plan_view(db.session, branch_id, DAY)
        db.session.remove()
        return view


def _count(app, model, *conditions) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def test_coordinator_plans_a_day_as_a_job_and_sees_rounds_map_and_totals(demo_app, demo_client) -> None:
    """Plan form → background job → progress page → plan page with each van's round, the SVG map and totals."""
    sign_in(demo_client, "coordinator-dg")
    page = demo_client.get(f"/routes/?date={DAY.isoformat()}")
    assert page.status_code == 200 and "Plan this day" in page.get_data(as_text=True)
    response = demo_client.post(
        "/routes/plan",
        data={
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
            "delivery_date": DAY.isoformat(),
            "shift_start": "09:00",
            "shift_end": "16:00",
            "time_limit_s": "1",
        },
    )
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job_page = demo_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Succeeded" in job_page and f"/routes/?date={DAY.isoformat()}" in job_page
    html = demo_client.get(f"/routes/?date={DAY.isoformat()}").get_data(as_text=True)
    assert "<svg" in html and "<polyline" in html and "Vans used" in html and "Distance" in html
    assert html.count('class="route-stop route-stop--delivery"') == 26  # every open order of the day
    assert "no team rostered" in html and "Delivery sheet (PDF)" in html
    assert "style=" not in html and "onclick" not in html


def test_plan_form_errors_are_shown_next_to_fields_and_nothing_starts(demo_app, demo_client) -> None:
    """A too-short shift and a zero time limit answer 400 with messages by the fields; no job, no plan."""
    sign_in(demo_client, "coordinator-dg")
    page = demo_client.get(f"/routes/?date={DAY.isoformat()}").get_data(as_text=True)
    response = demo_client.post(
        "/routes/plan",
        data={
            "csrf_token": csrf_token_from(page),
            "delivery_date": DAY.isoformat(),
            "shift_start": "09:00",
            "shift_end": "09:30",
            "time_limit_s": "0",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "at least an hour after it starts" in html and "between 1 and 300 seconds" in html
    assert 'value="09:30"' in html  # keeps what was typed
    assert _count(demo_app, BackgroundJob) == 0 and _count(demo_app, RoutePlan) == 0


@pytest.mark.parametrize(
    ("start", "end", "seconds"),
    [
        ("09:00", "09:59", "0"),
        ("09:00", "10:00", "1"),
        ("09:00", "10:00", str(storing.MAX_TIME_LIMIT_S)),
        ("09:00", "10:00", str(storing.MAX_TIME_LIMIT_S + 1)),
        ("16:00", "09:00", "10"),
    ],
)
def test_plan_form_refuses_exactly_what_the_planning_service_refuses(app, start: str, end: str, seconds: str) -> None:
    """One rule for the shift and the search time: the form shows by each field the service's own message, at
    the same edges (an hour; 1 to MAX_TIME_LIMIT_S seconds), and passes what the service takes."""
    with app.test_request_context(
        method="POST",
        data={"delivery_date": DAY.isoformat(), "shift_start": start, "shift_end": end, "time_limit_s": seconds},
    ):
        form = PlanDayForm(meta={"csrf": False})
        form.validate()
        shown = {name: errors[0] for name, errors in form.errors.items()}
    try:
        storing.plan_job_parameters(DAY, time.fromisoformat(start), time.fromisoformat(end), int(seconds), SYSTEM, "/")
        refused: dict[str, str] = {}
    except ValidationError as error:
        refused = error.field_errors
    assert shown == refused


def test_sheets_and_picking_lists_download_as_pdf_and_are_audited(demo_app, demo_client) -> None:
    """All teams' sheets and one van's sheet are A4 PDFs with the footer; downloads are audited; office gets picking lists."""
    view = _plan(demo_app)
    sign_in(demo_client, "coordinator-dg")
    response = demo_client.get(f"/routes/{view.id}/sheets.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = [p.extract_text() for p in PdfReader(BytesIO(response.data)).pages]
    assert all(FOOTER_TEXT in p for p in pages) and len(pages) >= len(view.rounds)
    first_stop = next(s for s in view.rounds[0].stops if s.kind == "delivery")
    assert first_stop.label in "\n".join(pages)
    one = demo_client.get(f"/routes/{view.id}/sheets.pdf?van={view.rounds[0].van_id}")
    assert one.status_code == 200 and len(PdfReader(BytesIO(one.data)).pages) < len(pages)
    assert _count(demo_app, AuditEvent, AuditEvent.action == "delivery_sheet.download") == 2
    assert demo_client.get(f"/routes/{view.id}/sheets.pdf?van=abc").status_code == 404
    demo_client.post("/logout", data={"csrf_token": csrf_token_from(demo_client.get("/").get_data(as_text=True))})
    sign_in(demo_client, "office-dg")
    assert demo_client.get("/routes/").status_code == 403
    assert demo_client.get(f"/routes/{view.id}/sheets.pdf").status_code == 403
    index = demo_client.get(f"/routes/picking?date={DAY.isoformat()}").get_data(as_text=True)
    assert "Picking lists" in index and f"/routes/picking.pdf?date={DAY.isoformat()}&amp;shop=" in index
    picking = demo_client.get(f"/routes/picking.pdf?date={DAY.isoformat()}")
    assert picking.status_code == 200 and picking.mimetype == "application/pdf"
    assert "to be ready by" in PdfReader(BytesIO(picking.data)).pages[0].extract_text()
    assert _count(demo_app, AuditEvent, AuditEvent.action == "picking_list.download") == 1


def test_driver_sees_only_their_own_published_round(demo_app, demo_client, monkeypatch) -> None:
    """A driver sees nothing of a draft; once published, only their team's round and sheet; other vans 404."""
    view = _plan(demo_app)
    with demo_app.app_context():
        volunteer_id = db.session.scalar(select(User.volunteer_id).where(User.username == "driver-dg"))
    mine, other = view.rounds[0], view.rounds[1]
    monkeypatch.setattr(
        reading,
        "rostered_teams",
        lambda s, b, d: [
            VanTeam(mine.van_id, mine.van_name, volunteer_id, "Me Driver", None, ""),
            VanTeam(other.van_id, other.van_name, None, "Someone Else", None, ""),
        ],
    )
    sign_in(demo_client, "driver-dg")
    assert demo_client.get("/routes/").status_code == 403
    assert demo_client.get(f"/routes/{view.id}/sheets.pdf").status_code == 404  # draft
    assert DAY.isoformat() not in demo_client.get("/routes/mine").get_data(as_text=True)
    with demo_app.app_context():
        adjusting.publish_plan(db.session, _branch_id("DG"), view.id, view.version, SYSTEM, confirmed=True)
    monkeypatch.setattr("web.routes._today", lambda: date(2026, 11, 25))
    listing = demo_client.get("/routes/mine").get_data(as_text=True)
    assert f"/routes/mine/{DAY.isoformat()}" in listing
    day_page = demo_client.get(f"/routes/mine/{DAY.isoformat()}").get_data(as_text=True)
    assert mine.van_name in day_page and f"round-{other.van_id}" not in day_page
    own = demo_client.get(f"/routes/{view.id}/sheets.pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(BytesIO(own.data)).pages)
    assert own.status_code == 200 and f"Van: {mine.van_name}" in text and f"Van: {other.van_name}" not in text
    assert demo_client.get(f"/routes/{view.id}/sheets.pdf?van={other.van_id}").status_code == 404


def test_another_branch_cannot_see_or_change_the_plan(demo_app, demo_client) -> None:
    """A West Lothian coordinator gets 404 for Dumfries & Galloway's plan, sheets and adjustments."""
    view = _plan(demo_app)
    sign_in(demo_client, "coordinator-wl")
    token = csrf_token_from(demo_client.get("/routes/").get_data(as_text=True))
    assert demo_client.get(f"/routes/{view.id}/sheets.pdf").status_code == 404
    response = demo_client.post(
        f"/routes/{view.id}/lock",
        data={"csrf_token": token, "version": view.version, "van_id": view.rounds[0].van_id, "locked": "1"},
    )
    assert response.status_code == 404
    own_day = demo_client.get(f"/routes/?date={DAY.isoformat()}").get_data(as_text=True)
    assert "Plan this day" in own_day and f"/routes/{view.id}/" not in own_day


def test_move_lock_and_publish_forms_with_stale_version_message(demo_app, demo_client) -> None:
    """Moving an order stores a pin; a stale version is refused with 'changed by someone else'; publish works once."""
    view = _plan(demo_app)
    sign_in(demo_client, "coordinator-dg")
    token = csrf_token_from(demo_client.get(f"/routes/?date={DAY.isoformat()}").get_data(as_text=True))
    order_id = next(s.order_id for s in view.rounds[0].stops if s.kind == "delivery")
    target = view.rounds[1].van_id
    url = f"/routes/{view.id}/move?date={DAY.isoformat()}"
    for _ in range(2):  # a double click stores one pin
        response = demo_client.post(
            url, data={"csrf_token": token, "version": view.version, "order_id": order_id, "van_id": target}
        )
        assert response.status_code == 302
    assert _count(demo_app, RoutePin) == 1
    page = demo_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "stays on" in page
    with demo_app.app_context():
        moved_version = db.session.get(RoutePlan, view.id).version
    assert moved_version == view.version + 1  # the move is a new version of the plan
    publish = f"/routes/{view.id}/publish?date={DAY.isoformat()}"
    published = demo_client.post(publish, data={"csrf_token": token, "version": moved_version, "confirmed": "1"})
    assert published.status_code == 302
    stale = demo_client.post(publish, data={"csrf_token": token, "version": moved_version, "confirmed": "1"})
    assert stale.status_code == 409 and "changed by someone else" in stale.get_data(as_text=True)
    assert _count(demo_app, RoutePlan, RoutePlan.status == "published") == 1
    bad = demo_client.post(
        f"/routes/{view.id}/lock?date={DAY.isoformat()}",
        data={"csrf_token": token, "version": "x", "van_id": "y", "locked": "1"},
        follow_redirects=True,
    )
    assert bad.status_code == 200 and "Reload the page" in bad.get_data(as_text=True)
    assert re.search(r"<svg", demo_client.get(f"/routes/?date={DAY.isoformat()}").get_data(as_text=True))


def test_a_change_from_the_page_before_another_coordinators_lock_is_a_409_page_and_saves_nothing(
    demo_app, demo_client
) -> None:
    """The admin locks a round while the coordinator has the plan page open: the coordinator's publish, move and lock
    from that page each answer 409 with the day's plan and the message, and change nothing."""
    view = _plan(demo_app)
    sign_in(demo_client, "coordinator-dg")
    page = demo_client.get(f"/routes/?date={DAY.isoformat()}").get_data(as_text=True)
    token = csrf_token_from(page)
    with demo_app.app_context():
        admin_id = db.session.scalar(select(User.id).where(User.username == "admin"))
        adjusting.set_round_lock(
            db.session, _branch_id("DG"), view.id, view.rounds[0].van_id, True, view.version, Actor(admin_id, "admin")
        )
        db.session.remove()
    audit_before = _count(demo_app, AuditEvent)
    order_id = next(s.order_id for s in view.rounds[1].stops if s.kind == "delivery")
    target = view.rounds[-1].van_id  # an unlocked van: from the current page, this move would be stored
    for action, fields in (
        ("publish", {"confirmed": "1"}),
        ("move", {"order_id": order_id, "van_id": target}),
        ("lock", {"van_id": view.rounds[1].van_id, "locked": "1"}),
    ):
        response = demo_client.post(
            f"/routes/{view.id}/{action}?date={DAY.isoformat()}",
            data={"csrf_token": token, "version": view.version, **fields},
        )
        text = response.get_data(as_text=True)
        assert response.status_code == 409, action
        assert "This plan was changed by someone else meanwhile" in text and "Reload the page" in text
        assert "<svg" in text  # the day's plan as it is now, under the message
    with demo_app.app_context():
        plan = db.session.get(RoutePlan, view.id)
        assert plan.status.value == "draft" and plan.version == view.version + 1
        assert [r.locked for r in plan.rounds[:2]] == [True, False] and not plan.pins
        db.session.remove()
    assert _count(demo_app, AuditEvent) == audit_before


def test_publish_lists_what_is_unplanned_or_unstaffed_and_asks_to_confirm(demo_app, demo_client) -> None:
    """Publishing a plan with warnings shows them with 'Publish anyway' and publishes nothing until confirmed."""
    view = _plan(demo_app)
    sign_in(demo_client, "coordinator-dg")
    token = csrf_token_from(demo_client.get(f"/routes/?date={DAY.isoformat()}").get_data(as_text=True))
    with demo_app.app_context():
        plan = db.session.get(RoutePlan, view.id)
        warnings = adjusting.publish_warnings(db.session, _branch_id("DG"), plan)
        db.session.rollback()
    publish = f"/routes/{view.id}/publish?date={DAY.isoformat()}"
    assert warnings  # the demo has no published rota for this month: nobody is rostered
    asked = demo_client.post(publish, data={"csrf_token": token, "version": view.version})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Publish anyway" in page
    assert all(str(escape(w[:40])) in page for w in warnings)
    assert _count(demo_app, RoutePlan, RoutePlan.status == "published") == 0
    done = demo_client.post(publish, data={"csrf_token": token, "version": view.version, "confirmed": "1"})
    assert done.status_code == 302
    assert _count(demo_app, RoutePlan, RoutePlan.status == "published") == 1


def test_a_day_without_orders_is_not_planned(demo_app, demo_client) -> None:
    """Planning a date with no open order answers 400 with the reason by the date; no job, no plan."""
    sign_in(demo_client, "coordinator-dg")
    empty_day = date(2030, 1, 8)
    page = demo_client.get(f"/routes/?date={empty_day.isoformat()}").get_data(as_text=True)
    response = demo_client.post(
        "/routes/plan",
        data={
            "csrf_token": csrf_token_from(page),
            "delivery_date": empty_day.isoformat(),
            "shift_start": "09:00",
            "shift_end": "16:00",
            "time_limit_s": "2",
        },
    )
    assert response.status_code == 400 and "No orders to deliver on Tuesday 8 January" in response.get_data(
        as_text=True
    )
    assert _count(demo_app, BackgroundJob) == 0 and _count(demo_app, RoutePlan) == 0


def test_a_second_plan_for_a_day_being_planned_follows_the_first_job(demo_app, demo_client) -> None:
    """Two coordinators press Plan for the same day: the second is taken to the job already queued, no second job."""
    from foodtrain.jobs import submit_job

    with demo_app.app_context():
        parameters = storing.plan_job_parameters(
            DAY, storing.DEFAULT_SHIFT_START, storing.DEFAULT_SHIFT_END, 1, SYSTEM, "/routes/"
        )
        first = submit_job(
            db.session, branch_id=_branch_id("DG"), kind=storing.PLAN_JOB_KIND, parameters=parameters, user_id=None
        )
        db.session.remove()
    sign_in(demo_client, "coordinator-dg")
    page = demo_client.get(f"/routes/?date={DAY.isoformat()}").get_data(as_text=True)
    response = demo_client.post(
        "/routes/plan",
        data={
            "csrf_token": csrf_token_from(page),
            "delivery_date": DAY.isoformat(),
            "shift_start": "09:00",
            "shift_end": "16:00",
            "time_limit_s": "1",
        },
        follow_redirects=True,
    )
    assert response.request.path == f"/jobs/{first}"
    page = response.get_data(as_text=True)
    assert "is being planned already" in page
    # the planner's best so far is in its stage message; no "Best so far: not yet known" row that never fills
    assert "Planning the rounds" in page and "Best so far" not in page
    assert _count(demo_app, BackgroundJob) == 1


def test_an_order_taken_after_publishing_shows_on_the_teams_pages_sheet_and_the_dashboards(
    demo_app, demo_client, monkeypatch
) -> None:
    """A change tied to no round (a new order) is shown where people look: the coordinator's and the office's
    dashboards (with the customer), and the team's round page, sheet and dashboard (without)."""
    from foodtrain.models import Customer, CustomerStatus, Order
    from foodtrain.services.orders.taking import OrderLineInput, save_order

    view = _plan(demo_app)
    mine = view.rounds[0]
    with demo_app.app_context():
        branch_id = _branch_id("DG")
        volunteer_id = db.session.scalar(select(User.volunteer_id).where(User.username == "driver-dg"))
        adjusting.publish_plan(db.session, branch_id, view.id, view.version, SYSTEM, confirmed=True)
        customer = db.session.scalars(
            select(Customer)
            .where(
                Customer.branch_id == branch_id,
                Customer.status == CustomerStatus.ACTIVE,
                Customer.id.not_in(select(Order.customer_id).where(Order.delivery_date == DAY)),
            )
            .order_by(Customer.id)
        ).first()
        name = customer.full_name
        late_id = save_order(db.session, branch_id, customer.id, DAY, [OrderLineInput("Tea", 1)], "", SYSTEM)
        db.session.remove()
    monkeypatch.setattr(
        reading,
        "rostered_teams",
        lambda s, b, d: [VanTeam(mine.van_id, mine.van_name, volunteer_id, "Me Driver", None, "")],
    )
    monkeypatch.setattr("web.dashboard._today", lambda: date(2026, 11, 25))
    for username, replan_link in (("coordinator-dg", True), ("office-dg", False)):
        sign_in(demo_client, username)
        home = demo_client.get("/").get_data(as_text=True)
        assert "Published rounds that are out of date" in home
        assert f"Order {late_id} for {escape(name)} came in after planning" in home
        assert (f"/routes/?date={DAY.isoformat()}" in home) is replan_link
        demo_client.post("/logout", data={"csrf_token": csrf_token_from(home)})
    sign_in(demo_client, "driver-dg")
    said = f"Order {late_id} came in after planning: it is on no round yet"
    home = demo_client.get("/").get_data(as_text=True)
    assert "Your next round" in home and said in home and name not in home
    monkeypatch.setattr("web.routes._today", lambda: date(2026, 11, 25))
    listing = demo_client.get("/routes/mine").get_data(as_text=True)
    assert "2 changes since planning" in listing  # the new order, and the rota: planned before a team was rostered
    day_page = demo_client.get(f"/routes/mine/{DAY.isoformat()}").get_data(as_text=True)
    assert said in day_page and str(escape(name)) not in day_page
    sheet = demo_client.get(f"/routes/{view.id}/sheets.pdf")
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(BytesIO(sheet.data)).pages)
    assert sheet.status_code == 200 and said in text
