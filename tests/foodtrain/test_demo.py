"""The demo generator: realistic sizes, real postcodes, deterministic."""

from __future__ import annotations

from sqlalchemy import func, select

from foodtrain.demo import generate_demo
from foodtrain.models import Branch, Customer, Order, PvgStatus, Shop, Van, Volunteer, VolunteerRole
from foodtrain.postcodes import lookup_postcode
from tests.conftest import DEMO_TODAY


def _count(session, model, **filters) -> int:
    statement = select(func.count()).select_from(model)
    for column, value in filters.items():
        statement = statement.where(getattr(model, column) == value)
    return session.scalar(statement)


def test_demo_has_a_realistic_main_branch_and_a_second_one(demo_session) -> None:
    """Dumfries & Galloway: >= 150 customers, 3-5 shops, 4-6 vans, >= 80 volunteers; West Lothian smaller."""
    branches = {b.code: b for b in demo_session.scalars(select(Branch))}
    assert set(branches) == {"DG", "WL"}
    dg, wl = branches["DG"].id, branches["WL"].id
    assert _count(demo_session, Customer, branch_id=dg) >= 150
    assert 3 <= _count(demo_session, Shop, branch_id=dg) <= 5
    assert 4 <= _count(demo_session, Van, branch_id=dg) <= 6
    assert _count(demo_session, Volunteer, branch_id=dg) >= 80
    assert 0 < _count(demo_session, Customer, branch_id=wl) < _count(demo_session, Customer, branch_id=dg)
    assert _count(demo_session, Order) > 500


def test_demo_volunteers_are_varied(demo_session) -> None:
    """Every role, every PVG state, trainees and approved drivers all appear."""
    volunteers = demo_session.scalars(select(Volunteer)).all()
    assert {role for v in volunteers for role in v.role_values} == set(VolunteerRole)
    assert {v.pvg_status for v in volunteers} == set(PvgStatus)
    assert any(v.is_trainee and v.shadow_shifts_remaining > 0 for v in volunteers)
    assert sum(v.van_driving_approved for v in volunteers) >= 10
    assert any(v.partner_preferences for v in volunteers)
    assert all(v.availability for v in volunteers)


def test_every_demo_location_is_a_real_geocoded_postcode(demo_session) -> None:
    """Each customer and shop sits at its postcode's offline location, inside southern Scotland."""
    for record in [*demo_session.scalars(select(Customer)), *demo_session.scalars(select(Shop))]:
        location = lookup_postcode(record.postcode)
        assert (record.latitude, record.longitude) == (location.latitude, location.longitude)
        assert 54.6 < record.latitude < 56.1 and -5.2 < record.longitude < -2.9


def test_demo_is_deterministic(template_databases, tmp_path) -> None:
    """The same seed and day give the same customers, volunteers and orders in two fresh databases."""
    import shutil

    from foodtrain.extensions import db
    from web import create_app

    def generate_and_snapshot(name: str) -> tuple:
        database = tmp_path / f"{name}.sqlite3"
        shutil.copyfile(template_databases["empty"], database)
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"}, instance_path=str(tmp_path))
        with app.app_context():
            generate_demo(db.session, DEMO_TODAY, seed=7, password_factory=lambda: "a kettle on the stove")
            customers = db.session.execute(
                select(Customer.last_name, Customer.postcode, Customer.delivery_weekday).order_by(Customer.id)
            ).all()
            volunteers = db.session.execute(
                select(Volunteer.first_name, Volunteer.pvg_status).order_by(Volunteer.id)
            ).all()
            orders = db.session.execute(select(Order.delivery_date, Order.till_receipt_pence).order_by(Order.id)).all()
            db.session.remove()
            db.engine.dispose()
        return customers, volunteers, orders

    first = generate_and_snapshot("first")
    assert generate_and_snapshot("second") == first
    assert len(first[0]) >= 150
