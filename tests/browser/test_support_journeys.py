"""A journey per service beyond groceries, in Chromium: referral -> decision -> survey -> outcomes report;
EXTRA request -> schedule -> job sheet -> completion -> report; befriending wishes -> suggestion -> match ->
visit logged -> report. Screenshots are kept in test-artifacts/."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from foodtrain.extensions import db
from foodtrain.models import Branch, Customer, DayPart
from foodtrain.models.support import ExtraJob, Referral, ReferralOutcome
from foodtrain.services import extra as extra_service
from tests.browser.conftest import click_and_wait, screenshot, sign_in_browser
from tests.conftest import DEMO_PASSWORD


def _dg(demo_app):
    with demo_app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        customer_id = db.session.scalar(
            select(Customer.id).where(Customer.branch_id == branch_id).order_by(Customer.id.desc())
        )
        return branch_id, customer_id


def _report_row(page, year: int) -> str:
    page.goto(f"{page.live_server}/outcomes/?year={year}")
    return page.locator("tbody tr").first.inner_text()


def test_referral_and_survey_journey(browser_page, demo_app) -> None:
    page, server = browser_page, browser_page.live_server
    _, customer_id = _dg(demo_app)
    sign_in_browser(page, "office-dg", DEMO_PASSWORD)
    page.goto(f"{server}/customers/{customer_id}")
    page.get_by_role("link", name="Record a referral").click()
    page.get_by_label("Service", exact=True).select_option("extra")
    page.get_by_label("Referred by").select_option("family")
    page.get_by_label(re.compile("Who referred")).fill("Her son")
    page.get_by_role("button", name="Save referral").click()
    page.wait_for_url(re.compile(r"/referrals/\d+$"))
    page.get_by_label("Outcome", exact=True).select_option("accepted")
    page.get_by_label("Consent recorded").check()
    click_and_wait(page, page.get_by_role("button", name="Save outcome"))
    assert "Accepted" in page.content()
    screenshot(page, "support-referral")
    with demo_app.app_context():
        assert (
            db.session.scalar(select(Referral.outcome).where(Referral.referrer_name == "Her son"))
            is ReferralOutcome.ACCEPTED
        )
    before = _report_row(page, date.today().year)
    surveys_before = int(before.split("\t")[1])
    page.goto(f"{server}/customers/{customer_id}")
    page.get_by_role("link", name="Enter an outcomes survey").click()
    page.get_by_label("Independence").check()
    page.get_by_role("button", name="Save answers").click()
    after = _report_row(page, date.today().year)
    assert int(after.split("\t")[1]) == surveys_before + 1
    screenshot(page, "support-outcomes")


def test_extra_journey(browser_page, demo_app) -> None:
    page, server = browser_page, browser_page.live_server
    branch_id, customer_id = _dg(demo_app)
    sign_in_browser(page, "coordinator-dg", DEMO_PASSWORD)
    jobs_before = _report_row(page, date.today().year).split("\t")[7]
    page.goto(f"{server}/customers/{customer_id}")
    page.get_by_role("link", name="Request an EXTRA job").click()
    page.get_by_label("Job", exact=True).select_option(label="Small garden job")
    page.get_by_label(re.compile("What needs doing")).fill("Clear the leaves from the path")
    page.get_by_role("button", name="Save request").click()
    page.wait_for_url(re.compile(r"/extra/\d+$"))
    job_id = int(page.url.rsplit("/", 1)[1])
    with demo_app.app_context():
        day, part = next(
            (d, p)
            for d in (date.today() + timedelta(days=n) for n in range(1, 30))
            for p in DayPart
            if any(c.free for c in extra_service.candidates(db.session, branch_id, job_id, d, p))
        )
    page.get_by_label("Date", exact=True).fill(day.isoformat())
    page.get_by_label("Half-day", exact=True).select_option(part.value)
    page.get_by_role("button", name="Show who can do it").click()
    page.wait_for_url(re.compile(r"/extra/\d+\?date="))
    volunteer = page.get_by_label("Volunteer", exact=True)
    volunteer.wait_for()
    first_free = next(
        option
        for option in volunteer.locator("option").all_inner_texts()
        if option and "not free" not in option and "choose" not in option
    )
    volunteer.select_option(label=first_free)
    click_and_wait(page, page.get_by_role("button", name="Schedule"))
    assert "Job scheduled" in page.content()
    screenshot(page, "support-extra-scheduled")
    sheet = page.request.get(f"{server}/extra/{job_id}/sheet.pdf")
    assert sheet.ok and sheet.body().startswith(b"%PDF")
    with demo_app.app_context():  # the day of the job comes
        job = db.session.get(ExtraJob, job_id)
        job.scheduled_date = date.today()
        db.session.commit()
    page.reload()
    page.get_by_label("Minutes spent").fill("60")
    page.get_by_label("Paid by").select_option("cash")
    click_and_wait(page, page.get_by_role("button", name="Record completion"))
    assert "Job completed" in page.content()
    assert int(_report_row(page, date.today().year).split("\t")[7]) == int(jobs_before) + 1


def test_befriending_journey(browser_page, demo_app) -> None:
    page, server = browser_page, browser_page.live_server
    branch_id, _ = _dg(demo_app)
    with demo_app.app_context():
        customer_id = db.session.scalar(
            select(Referral.customer_id).where(
                Referral.branch_id == branch_id, Referral.outcome == ReferralOutcome.WAITING
            )
        )
    sign_in_browser(page, "coordinator-dg", DEMO_PASSWORD)
    hours_before = float(_report_row(page, date.today().year).split("\t")[9])
    page.goto(f"{server}/befriending/")
    page.get_by_role("link", name="find a befriender").first.click()
    page.get_by_label(re.compile("lives within")).fill("60")
    page.get_by_label("Half-day that suits").select_option("")
    page.get_by_role("button", name="Save wishes").click()
    screenshot(page, "support-befriending-suggestions")
    assert page.locator("ol li strong").count() >= 1, page.locator("ol").inner_text()
    page.get_by_label("Befriender", exact=True).select_option(index=1)
    click_and_wait(page, page.get_by_role("button", name="Match"))
    if "Match made" not in page.content():  # the first suggestion's weekday did not suit: try each day
        for weekday in range(6):
            page.get_by_label("They meet on").select_option(str(weekday))
            page.get_by_label("Befriender", exact=True).select_option(index=1)
            click_and_wait(page, page.get_by_role("button", name="Match"))
            if "Match made" in page.content():
                break
    assert "Match made" in page.content()
    page.get_by_label("What", exact=True).select_option("visit")
    page.get_by_label("Date", exact=True).fill(date.today().isoformat())
    page.get_by_label("Minutes", exact=True).fill("90")
    click_and_wait(page, page.get_by_role("button", name="Log it"))
    assert "Logged." in page.content()
    screenshot(page, "support-befriending-match")
    assert float(_report_row(page, date.today().year).split("\t")[9]) == hours_before + 1.5
    assert customer_id is not None
