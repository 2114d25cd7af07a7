"""Coordinators' pages use the charity's words: no solver terms, plain dates, morning / afternoon / all day.

The test draws up a month's rota and plans a delivery day, then renders every page a coordinator reaches and
scans the visible text for terms of the solvers behind them."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from foodtrain.extensions import db
from foodtrain.models import Branch
from foodtrain.services.planning import storing
from tests.conftest import sign_in
from tests.web.test_rota_views import _generate
from web.help import TOPICS

DAY = date(2026, 11, 26)
BANNED_TERMS = (
    "penalty",
    "bound",
    "whole_day",
    "whole day",
    "iso week",
    "rota generate",
    "objective",
    "optimal",
    "feasible",
    "solver",
    "cp-sat",
)


def visible_text(html: str) -> str:
    """The words a person reads: no scripts, styles or tag attributes."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def banned_terms_in(text: str) -> list[str]:
    lowered = text.lower()
    return [term for term in BANNED_TERMS if re.search(rf"\b{re.escape(term)}\b", lowered)]


def test_no_solver_terms_on_coordinators_pages(demo_app, demo_client) -> None:
    sign_in(demo_client, "coordinator-dg")
    rota_id = _generate(demo_client)
    with demo_app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        storing.plan_day(db.session, branch_id, DAY, time_limit_s=1)
    pages = [
        "/",
        "/rota/",
        f"/rota/{rota_id}",
        "/routes/",
        f"/routes/?date={DAY.isoformat()}",
        f"/orders/?date={DAY.isoformat()}",
        "/customers/",
        "/volunteers/",
        "/reports/deliveries",
        f"/rota/{rota_id}/repair",
        "/closures/",
        "/help/",
        *(f"/help/{slug}" for slug in TOPICS),
    ]
    page_html = {path: demo_client.get(path) for path in pages}
    jobs = sorted(set(re.findall(r'href="(/jobs/\d+)"', "".join(r.get_data(as_text=True) for r in page_html.values()))))
    for path in jobs + ["/jobs/1"]:
        page_html[path] = demo_client.get(path)
    found = {}
    for path, response in page_html.items():
        if response.status_code != 200:
            continue
        terms = banned_terms_in(visible_text(response.get_data(as_text=True)))
        if terms:
            found[path] = terms
    assert found == {}
