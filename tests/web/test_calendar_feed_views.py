"""The volunteer's calendar feed pages: make the secret address (shown once), subscribe without signing in, stop
or replace it (the old address answers 404), and only the volunteer's own time is in it."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy import select

from foodtrain.clock import branch_today
from foodtrain.extensions import db
from foodtrain.models import (
    PartOfDay,
    Rota,
    RotaAssignment,
    RotaRole,
    RotaSlot,
    RotaStatus,
    SlotKind,
    User,
    Volunteer,
    VolunteerCalendarToken,
)
from tests.conftest import csrf_token_from, sign_in


def _publish_shifts(demo_app: Flask) -> tuple[int, int]:
    """A published rota with one office shift for driver-dg's volunteer and one for another DG volunteer."""
    with demo_app.app_context():
        mine = db.session.scalar(select(User.volunteer_id).where(User.username == "driver-dg"))
        branch_id = db.session.get(Volunteer, mine).branch_id
        other = db.session.scalar(
            select(Volunteer.id)
            .where(Volunteer.branch_id == branch_id, Volunteer.id != mine, Volunteer.left_on.is_(None))
            .order_by(Volunteer.id)
        )
        day = branch_today() + timedelta(days=2)
        rota = Rota(
            branch_id=branch_id,
            month=day.replace(day=1),
            status=RotaStatus.PUBLISHED,
            published_month=day.replace(day=1),
        )
        for n, volunteer_id in enumerate((mine, other)):
            slot = RotaSlot(
                key=f"feed-office-{n}",
                date=day + timedelta(days=n),
                part_of_day=PartOfDay.MORNING,
                kind=SlotKind.OFFICE,
                resource="Office",
                seats=1,
            )
            slot.assignments.append(RotaAssignment(role=RotaRole.OFFICE, volunteer_id=volunteer_id))
            rota.slots.append(slot)
        db.session.add(rota)
        db.session.commit()
        return mine, other


def _post(client: FlaskClient, action: str):
    token = csrf_token_from(client.get("/rota/mine/feed").get_data(as_text=True))
    return client.post("/rota/mine/feed", data={"csrf_token": token, "action": action})


def _feed_path(page: str) -> str:
    found = re.search(r'value="http://[^/"]+(/rota/feed/[A-Za-z0-9_-]+\.ics)"', page)
    assert found, "the new address is shown on the page"
    return found.group(1)


def test_volunteer_makes_subscribes_replaces_and_stops_the_feed(demo_app: Flask, demo_client: FlaskClient) -> None:
    """The address is shown once and works without signing in; it holds the volunteer's shift, not a colleague's;
    a new address stops the old one; stopping it makes it 404; only a digest is stored."""
    mine, other = _publish_shifts(demo_app)
    sign_in(demo_client, "driver-dg")
    assert "no calendar address" in demo_client.get("/rota/mine/feed").get_data(as_text=True)
    made = _post(demo_client, "new")
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    first = _feed_path(made.get_data(as_text=True))
    assert first not in demo_client.get("/rota/mine/feed").get_data(as_text=True)  # shown only once
    with demo_app.app_context():
        stored = db.session.scalars(select(VolunteerCalendarToken.token_sha256)).all()
    assert first.rsplit("/", 1)[1].removesuffix(".ics") not in stored

    anonymous = demo_app.test_client()
    feed = anonymous.get(first)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    uids = {str(event["UID"]) for event in Calendar.from_ical(feed.get_data(as_text=True)).walk("VEVENT")}
    assert any(f"-volunteer-{mine}@" in uid for uid in uids)
    assert not any(f"-volunteer-{other}@" in uid for uid in uids)

    second = _feed_path(_post(demo_client, "new").get_data(as_text=True))
    assert anonymous.get(first).status_code == 404 and anonymous.get(second).status_code == 200
    assert "last fetched" in demo_client.get("/rota/mine/feed").get_data(as_text=True)
    stopped = _post(demo_client, "revoke")
    assert stopped.status_code == 302
    assert anonymous.get(second).status_code == 404
    assert anonymous.get("/rota/feed/not-a-token.ics").status_code == 404


def test_feed_page_refuses_bad_input_and_users_without_a_volunteer(demo_client: FlaskClient) -> None:
    """An unknown action changes nothing and shows the page again; an office login without a volunteer gets 404."""
    sign_in(demo_client, "driver-dg")
    answer = _post(demo_client, "delete-everything")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "/rota/feed/" not in page and "Nothing was changed" in page
    demo_client.post(
        "/logout", data={"csrf_token": csrf_token_from(demo_client.get("/account/").get_data(as_text=True))}
    )
    sign_in(demo_client, "office-dg")
    assert demo_client.get("/rota/mine/feed").status_code == 404
