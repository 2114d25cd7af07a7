"""PVG records hold only what the Disclosure Scotland code allows: type, issue date, reference, decision."""

from __future__ import annotations

from sqlalchemy import select

from foodtrain.extensions import db
from foodtrain.models import Branch, PvgDisclosureType, PvgStatus, Volunteer
from tests.conftest import sign_in
from tests.web.test_people_views import _tokens, _volunteer_form


def test_coordinator_records_type_date_reference_and_decision(demo_app, demo_client) -> None:
    with demo_app.app_context():
        volunteer_id = db.session.scalar(select(Volunteer.id).join(Branch).where(Branch.code == "DG").limit(1))
    sign_in(demo_client, "coordinator-dg")
    url = f"/volunteers/{volunteer_id}/edit"
    page = demo_client.get(url).get_data(as_text=True)
    assert 'type="file"' not in page and "Never upload" in page
    data = _volunteer_form(
        pvg_status="cleared",
        pvg_issued_on="2024-05-01",
        pvg_reference="1234 5678 9012 3456",
        pvg_disclosure_type="scheme_membership_statement",
    ) | _tokens(demo_client, url)
    assert demo_client.post(url, data=data).status_code == 302
    with demo_app.app_context():
        volunteer = db.session.get(Volunteer, volunteer_id)
        assert volunteer.pvg_status is PvgStatus.CLEARED
        assert volunteer.pvg_disclosure_type is PvgDisclosureType.SCHEME_MEMBERSHIP_STATEMENT
        assert volunteer.pvg_reference == "1234 5678 9012 3456"
    shown = demo_client.get(f"/volunteers/{volunteer_id}").get_data(as_text=True)
    assert "scheme membership statement" in shown
