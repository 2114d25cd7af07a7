"""Every route of the app, tried as every role of both branches and as anonymous, against web/access_policy.py.

The expected roles come from the hand-written policy, never from the decorators under
test: a view opened to one role too many fails here (the mutation test proves it).
Every branch-scoped parameter the policy names — in the URL path, the query string or
a form field — is also tried with the other branch's id: the answer must not show that
record, and no row may end up pointing at a record of another branch.
"""

from __future__ import annotations

import html
import io
import itertools
import zipfile
from html.parser import HTMLParser
from urllib.parse import urlsplit
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from foodtrain.extensions import db
from foodtrain.models import (
    BackgroundJob,
    Branch,
    Customer,
    Order,
    Shop,
    User,
    UserRole,
    Van,
    Volunteer,
    VolunteerAbsence,
)
from foodtrain.services.auth import create_user
from tests.conftest import csrf_token_from, sign_in
from web.access_policy import POLICY, RECORD_KINDS, Access
from web.security import roles_required

ACTORS = ("admin", "coordinator-dg", "office-dg", "driver-dg", "coordinator-wl", "office-wl", "driver-wl")
ROLE_OF = {
    "admin": UserRole.ADMIN,
    "coordinator": UserRole.COORDINATOR,
    "office": UserRole.OFFICE,
    "driver": UserRole.DRIVER,
}
BRANCHES = ("DG", "WL")  # path ids in the plain matrix belong to DG, the admin's default branch
PLAIN_VALUES = {
    "kind": "customers",
    "file_format": ("json", "csv"),
    "export_format": ("csv", "xlsx"),
    "day": "2026-12-01",
    "month": "2026-12",
    "filename": "css/app.css",
    "slug": "phone-order",
    "token": "not-a-feed-token",
}
# Form data that gets a post past its other fields to the id under test (the rest get only the CSRF token);
# several when the view reads the id on more than one path (an order saved, and the form shown again).
FORM_BASE: dict[str, tuple[dict[str, str], ...]] = {
    "orders.create": (
        {"delivery_date": "2026-12-01", "lines-0-item": "Bread", "lines-0-quantity": "1"},
        {"delivery_date": "2026-12-01", "more_lines": "Add more lines"},
    ),
    "customers.create": (
        {
            "first_name": "Cross",
            "last_name": "Branch",
            "address_line1": "1 Test Road",
            "town": "Livingston",
            "postcode": "EH54 6AA",
            "date_of_birth": "1940-01-01",
            "referral_source": "self",
            "frequency": "weekly",
            "delivery_weekday": "1",
            "list_method": "collected_form",
            "payment_method": "cash",
        },
    ),
    "routes.move": ({"version": "1"},),
    "routes.lock": ({"version": "1", "locked": "1"},),
}
# Query-string values a page needs besides the id under test.
QUERY_BASE: dict[str, dict[str, str]] = {"orders.new": {"date": "2026-12-01"}}
DENIED = (403, 404)
# Record kinds an admin reaches in every branch by design (they choose the branch; they manage every login).
ADMIN_ANY_BRANCH = frozenset({"branch", "user"})


def _probe_branches(actor: str | None) -> tuple[str, str] | None:
    """(own branch, other branch) of an actor whose parameters are tried with the other branch's ids: West
    Lothian's staff, and the admin (working in DG, the default branch) for every admin-only route and field."""
    if actor == "admin":
        return "DG", "WL"
    if actor is not None and actor.endswith("-wl"):
        return "WL", "DG"
    return None


def _any_branch_kinds(actor: str | None) -> frozenset[str]:
    return ADMIN_ANY_BRANCH if actor == "admin" else frozenset()


@dataclass
class Records:
    """One record of each kind per branch, and texts the pages show of it (made unmistakable by the test)."""

    ids: dict[str, dict[str, object]] = field(default_factory=dict)  # branch code -> kind -> id
    markers: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)  # branch code -> kind -> texts
    # Pages of DG records in the states that show the other forms (an order to pack, a cancelled order, a disabled
    # login with a second factor, today's round, a trainee's shadow seat, an import to confirm): the form fuzz looks
    # for forms there too. (user, url)
    state_pages: list[tuple[str, str]] = field(default_factory=list)

    def leaked(self, branch: str, body: str, skip_kinds: frozenset[str] = frozenset()) -> list[str]:
        """The kinds of `branch`'s records whose marker texts appear in `body` (compared unescaped, any case)."""
        text = html.unescape(body).casefold()
        return sorted(
            kind
            for kind, markers in self.markers[branch].items()
            if kind not in skip_kinds and any(marker.casefold() in text for marker in markers)
        )


def _first(model, branch_id: int):
    return db.session.scalar(select(model).where(model.branch_id == branch_id).order_by(model.id).limit(1))


def _records(app: Flask) -> Records:
    """Made once per app: each kind of record in RECORD_KINDS for both branches."""
    if "test_access_records" not in app.extensions:
        app.extensions["test_access_records"] = _make_records(app)
    return app.extensions["test_access_records"]


def _mark_person(person: Customer | Volunteer, code: str, tag: str) -> tuple[str, ...]:
    """Give a customer or volunteer a name no page shows unless it shows this record; returns what to look for.
    Customers also carry their postcode (distinct per branch: DG... against EH...)."""
    person.first_name = f"Markfirst{tag}{code}".title()
    person.last_name = f"Marklast{tag}{code}".title()
    found = (person.first_name, person.last_name)
    return (*found, person.postcode) if isinstance(person, Customer) else found


def _make_records(app: Flask) -> Records:
    from foodtrain.models.branch import ShopClosure, VanServiceBreak
    from foodtrain.models.importing import ImportBatch
    from foodtrain.models.rota import PartOfDay, Rota, RotaAssignment, RotaRole, RotaSlot, SlotKind
    from foodtrain.models.routes import RoutePlan, RouteRound
    from foodtrain.models.support import BefriendingMatch, ExtraJob, ExtraTaskType, OutcomeSurvey, Referral

    records = Records()
    with app.app_context():
        for code in BRANCHES:
            branch = db.session.scalar(select(Branch).where(Branch.code == code))
            shop, van = _first(Shop, branch.id), _first(Van, branch.id)
            order = _first(Order, branch.id)
            customer = db.session.get(Customer, order.customer_id)  # the order's customer: one name for both kinds
            volunteer = _first(Volunteer, branch.id)
            absence = VolunteerAbsence(
                volunteer_id=volunteer.id, start_date=date(2026, 12, 1), end_date=date(2026, 12, 2)
            )
            job = BackgroundJob(branch_id=branch.id, kind="access_matrix")
            plan = RoutePlan(branch_id=branch.id, delivery_date=date(2026, 12, 1))
            plan.rounds.append(RouteRound(van_id=van.id))
            rota = Rota(branch_id=branch.id, month=date(2026, 12, 1))
            # A van's round on the rota with the volunteer in its seat: the slot's and the seat's pages name them.
            slot = RotaSlot(
                key="access-matrix",
                date=date(2026, 12, 1),
                part_of_day=PartOfDay.MORNING,
                kind=SlotKind.DELIVERY,
                van_id=van.id,
                resource=f"Markvan{code}",
                seats=2,
            )
            assignment = RotaAssignment(role=RotaRole.DRIVER, volunteer_id=volunteer.id)
            slot.assignments.append(assignment)
            rota.slots.append(slot)
            coordinator_id = db.session.scalar(select(User.id).where(User.username == f"coordinator-{code.lower()}"))
            batch = ImportBatch(
                token=f"access-matrix-{code}", branch_id=branch.id, user_id=coordinator_id, kind="customers"
            )
            referral, extra_job = _first(Referral, branch.id), _first(ExtraJob, branch.id)
            match, survey = _first(BefriendingMatch, branch.id), _first(OutcomeSurvey, branch.id)
            task_type = _first(ExtraTaskType, branch.id)
            # The van out of service and the shop closed for two days to come ("back in service", "reopen").
            van_break = VanServiceBreak(
                van_id=van.id, start_date=date(2027, 2, 1), end_date=date(2027, 2, 2), reason="MOT"
            )
            shop_closure = ShopClosure(
                shop_id=shop.id, start_date=date(2027, 2, 1), end_date=date(2027, 2, 2), reason="refit"
            )
            marked: dict[int, tuple[str, ...]] = {customer.id: _mark_person(customer, code, "customer")}
            person_markers = {"customer": marked[customer.id], "volunteer": _mark_person(volunteer, code, "volunteer")}
            for kind, record in (
                ("referral", referral),
                ("extra_job", extra_job),
                ("match", match),
                ("survey", survey),
            ):
                if record.customer_id not in marked:
                    marked[record.customer_id] = _mark_person(
                        db.session.get(Customer, record.customer_id), code, kind.replace("_", "")
                    )
                person_markers[kind] = marked[record.customer_id]
            shop.name, van.name = f"Markshop{code} Stores", f"Markvan{code}"
            task_type.name = f"Marktask{code}"
            db.session.add_all([absence, job, plan, rota, batch, van_break, shop_closure])
            db.session.commit()
            user_id = _throwaway_user(code, branch.id)  # admins' posts disable it and reset its password
            records.ids[code] = {
                "customer": customer.id,
                "volunteer": volunteer.id,
                "order": order.id,
                "shop": shop.id,
                "van": van.id,
                "plan": plan.id,
                "rota": rota.id,
                "rota_slot": slot.id,
                "rota_assignment": assignment.id,
                "absence": absence.id,
                "job": job.id,
                "import": batch.token,
                "branch": branch.id,
                "referral": referral.id,
                "extra_job": extra_job.id,
                "match": match.id,
                "survey": survey.id,
                "extra_task_type": task_type.id,
                "user": user_id,
                "van_break": van_break.id,
                "shop_closure": shop_closure.id,
            }
            records.markers[code] = {
                **person_markers,
                "order": person_markers["customer"],
                "shop": (shop.name,),
                "van": (van.name,),
                "plan": (van.name,),
                "rota": person_markers["volunteer"],
                "absence": person_markers["volunteer"],
                "rota_slot": person_markers["volunteer"],
                "rota_assignment": person_markers["volunteer"],
                "extra_task_type": (task_type.name,),
                "branch": (branch.name,),
                "user": (f"Markuser{code}",),
                "van_break": (van.name,),
                "shop_closure": (shop.name,),
            }
        records.state_pages = _records_in_other_states(records.ids["DG"]["customer"], records.ids["DG"]["plan"])
    assert set(records.ids["DG"]) == set(RECORD_KINDS), "give the test a record of every kind in RECORD_KINDS"
    return records


def _records_in_other_states(customer_id: int, plan_id: int) -> list[tuple[str, str]]:
    """In DG: an order still to be packed, a cancelled one that can be undone, the order entry page, the route plan
    with an order left out, a disabled login whose second factor is on, driver-dg's round of today with a trainee
    shadowing, and a spreadsheet checked without problems. Their pages, with who opens them."""
    from foodtrain.models import OrderStatus
    from foodtrain.models.routes import RoutePlan, RouteUnplanned

    branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
    to_pack, cancelled = db.session.scalars(
        select(Order)
        .where(Order.branch_id == branch_id, Order.status == OrderStatus.RECEIVED)
        .order_by(Order.delivery_date, Order.id)
        .limit(2)
    ).all()
    cancelled.status, cancelled.cancelled_from_status = OrderStatus.CANCELLED, OrderStatus.RECEIVED.value
    cancelled.delivery_date = date(2027, 1, 6)  # its day still to come: the cancellation can be undone
    plan = db.session.get(RoutePlan, plan_id)
    plan.unplanned.append(RouteUnplanned(order_id=to_pack.id, reason="No room on any van"))
    user_id = create_user(
        db.session,
        username="access-matrix-off",
        password="a throwaway for the matrix",
        display_name="Markuseroff",
        role=UserRole.OFFICE,
        branch_id=branch_id,
        hash_time_cost=1,
    )
    user = db.session.get(User, user_id)
    user.is_enabled, user.totp_enabled = False, True
    db.session.commit()
    return [
        ("coordinator-dg", f"/orders/{to_pack.id}"),
        ("coordinator-dg", f"/orders/{to_pack.id}/edit"),
        ("coordinator-dg", f"/orders/{cancelled.id}"),
        ("coordinator-dg", f"/orders/new?customer_id={customer_id}&date=2027-01-05"),
        ("coordinator-dg", f"/routes/?date={plan.delivery_date.isoformat()}"),
        ("admin", f"/users/{user_id}"),
        ("admin", "/"),
        *_todays_round_with_a_trainee(branch_id),
        _spreadsheet_checked_without_problems(branch_id),
    ]


def _todays_round_with_a_trainee(branch_id: int) -> list[tuple[str, str]]:
    """driver-dg's published round of today (one stop delivered, one packed and waiting), its van's slot on the
    published rota with a trainee shadowing: the phone page's door and Undo forms, and the slot's 'did the
    trainee come?' form (a day that has come; today's is never counted automatically, so opening pages changes
    nothing). Their pages, with who opens them."""
    from foodtrain.clock import branch_today
    from foodtrain.models import CustomerStatus, OrderLine, PaymentMethod
    from foodtrain.models.rota import PartOfDay, Rota, RotaAssignment, RotaRole, RotaSlot, RotaStatus, SlotKind
    from foodtrain.models.routes import RoutePlan, RoutePlanStatus, RouteRound, RouteStop
    from foodtrain.models._types import utc_now
    from foodtrain.services.audit import SYSTEM
    from foodtrain.services.charges import delivery_charge_on
    from foodtrain.services.orders.delivery import record_delivery
    from foodtrain.services.orders.shops import record_packing

    today = branch_today()
    van = _first(Van, branch_id)
    driver_id = db.session.scalar(select(User.volunteer_id).where(User.username == "driver-dg"))
    mate, trainee = db.session.scalars(
        select(Volunteer)
        .where(Volunteer.branch_id == branch_id, Volunteer.id != driver_id)
        .order_by(Volunteer.id.desc())
        .limit(2)
    ).all()
    trainee.is_trainee, trainee.shadow_shifts_remaining = True, max(trainee.shadow_shifts_remaining, 1)
    customers = db.session.scalars(
        select(Customer)
        .where(Customer.branch_id == branch_id, Customer.status == CustomerStatus.ACTIVE)
        .order_by(Customer.id.desc())
        .limit(2)
    ).all()
    orders = [
        Order(
            branch_id=branch_id,
            customer_id=customer.id,
            shop_id=customer.shop_id,
            delivery_date=today,
            delivery_charge_pence=delivery_charge_on(db.session, branch_id, today),
            lines=[OrderLine(position=1, item="Bread", quantity=1)],
        )
        for customer in customers
    ]
    published = db.session.scalar(
        select(Rota).where(Rota.branch_id == branch_id, Rota.published_month == today.replace(day=1))
    )
    rota = published or Rota(
        branch_id=branch_id,
        month=today.replace(day=1),
        status=RotaStatus.PUBLISHED,
        published_month=today.replace(day=1),
        published_at=utc_now(),
    )
    slot = RotaSlot(
        key="fuzz-today",
        date=today,
        part_of_day=PartOfDay.WHOLE_DAY,
        kind=SlotKind.DELIVERY,
        van_id=van.id,
        resource=van.name,
        seats=2,
        assignments=[
            RotaAssignment(role=RotaRole.DRIVER, volunteer_id=driver_id),
            RotaAssignment(role=RotaRole.MATE, volunteer_id=mate.id),
            RotaAssignment(role=RotaRole.SHADOW, volunteer_id=trainee.id),
        ],
    )
    rota.slots.append(slot)
    db.session.add_all([*orders, rota])
    db.session.commit()
    for order in orders:
        record_packing(db.session, branch_id, order.id, 1, 1200, SYSTEM)
    delivered = orders[1]
    record_delivery(
        db.session,
        branch_id,
        delivered.id,
        True,
        delivered.amount_due_pence,
        PaymentMethod.CASH,
        "",
        SYSTEM,
        today=today,
    )
    stops = [
        RouteStop(van_id=van.id, sequence=0, kind="start", arrival_min=0, departure_min=0),
        *(
            RouteStop(
                van_id=van.id,
                sequence=number,
                kind="delivery",
                order_id=order.id,
                arrival_min=20 * number,
                departure_min=20 * number + 5,
            )
            for number, order in enumerate(orders, start=1)
        ),
        RouteStop(van_id=van.id, sequence=3, kind="end", arrival_min=80, departure_min=80),
    ]
    plan = RoutePlan(
        branch_id=branch_id,
        delivery_date=today,
        status=RoutePlanStatus.PUBLISHED,
        published_at=utc_now(),
        vans_used=1,
        rounds=[RouteRound(van_id=van.id)],
        stops=stops,
    )
    db.session.add(plan)
    db.session.commit()
    return [
        ("driver-dg", f"/routes/mine/{today.isoformat()}"),
        ("coordinator-dg", f"/rota/{rota.id}/edit?slot={slot.id}"),
    ]


def _spreadsheet_checked_without_problems(branch_id: int) -> tuple[str, str]:
    """A customer list coordinator-dg uploaded whose one row has no problem: its preview has 'Import all'."""
    from foodtrain.services.audit import Actor
    from foodtrain.services.imports import start_import

    coordinator_id = db.session.scalar(select(User.id).where(User.username == "coordinator-dg"))
    shop_name = db.session.scalar(select(Shop.name).where(Shop.branch_id == branch_id).order_by(Shop.id))
    csv_text = (
        "first_name,last_name,address_line1,town,postcode,shop,delivery_weekday,date_of_birth\n"
        f"Ailsa,Zedimport,1 High St,Dumfries,DG1 2BD,{shop_name},Tuesday,01/05/1939\n"
    )
    token = start_import(
        db.session,
        branch_id,
        kind="customers",
        filename="list.csv",
        data=csv_text.encode(),
        actor=Actor(coordinator_id, "coordinator-dg"),
    )
    return "coordinator-dg", f"/imports/{token}"


def _throwaway_user(code: str, branch_id: int) -> int:
    return create_user(
        db.session,
        username=f"access-matrix-{code.lower()}",
        password="a throwaway for the matrix",
        display_name=f"Markuser{code}",
        role=UserRole.OFFICE,
        branch_id=branch_id,
        hash_time_cost=1,
    )


def _path_values(access: Access, records: Records, code: str) -> dict[str, object]:
    values: dict[str, object] = dict(PLAIN_VALUES)
    for name, kind in access.path.items():
        values[name] = records.ids[code][kind]
    return values


def _url_of(rule, values: dict[str, object]) -> str:
    """The rule's path with test values (a tuple offers choices, for converters such as any(json, csv))."""
    names = sorted(rule.arguments)
    missing = [name for name in names if name not in values]
    assert not missing, f"{rule.endpoint}: say in web/access_policy.py what {missing} carry, or add a plain value"
    choices = [values[name] if isinstance(values[name], tuple) else (values[name],) for name in names]
    for combination in itertools.product(*choices):
        built = rule.build(dict(zip(names, combination)), append_unknown=False)
        if built is not None:
            return built[1]
    raise AssertionError(f"cannot build a URL for {rule.rule} from the test values")


def _client_for(app: Flask, actor: str | None) -> tuple[FlaskClient, str]:
    client = app.test_client()
    if actor is None:
        token = csrf_token_from(client.get("/login").get_data(as_text=True))
    else:
        assert sign_in(client, actor).status_code == 302, actor
        token = csrf_token_from(client.get("/account/").get_data(as_text=True))
    return client, token


def _role(actor: str) -> UserRole:
    return ROLE_OF[actor.split("-")[0]]


def _verdict(access: Access, actor: str | None, status: int, location: str) -> str | None:
    """Why this response is unexpected, or None when it is as the policy says."""
    if status >= 500:
        return f"server error {status}"
    if access.public:
        return None
    if actor is None:
        return None if status in (302, 401) and "/login" in location else f"anonymous got {status}"
    if _role(actor) not in access.roles:
        return None if status in DENIED else f"{_role(actor).value} not allowed but got {status}"
    return None


def cross_branch_references() -> list[str]:
    """Rows that point at records of two branches: a branch-scoped row's key to another branch's record,
    or a row without a branch whose two keys lead to records of different branches."""
    found: list[str] = []
    for table in db.metadata.tables.values():
        keys = [
            (column, fk.column)
            for column in table.columns
            for fk in column.foreign_keys
            if "branch_id" in fk.column.table.columns and fk.column.table is not table
        ]
        if "branch_id" in table.columns:
            checks = [(column, target, table.c.branch_id) for column, target in keys]
        elif len(keys) >= 2:
            checks = [(keys[1][0], keys[1][1], None)]
        else:
            continue
        for column, target, own_branch in checks:
            alias = target.table.alias()
            statement = select(func.count()).select_from(table).join(alias, column == alias.c[target.name])
            if own_branch is None:
                first_column, first_target = keys[0]
                first = first_target.table.alias()
                statement = statement.join(first, first_column == first.c[first_target.name])
                own_branch = first.c.branch_id
            count = db.session.scalar(statement.where(own_branch != alias.c.branch_id))
            if count:
                found.append(f"{table.name}.{column.name}: {count} rows point at another branch's record")
    return found


class PageForms(HTMLParser):
    """A page's post forms as a browser would send them untouched (pre-filled inputs, checked boxes, selected
    options, textareas and the first submit button): action -> [(name, value)]. The first form per action."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, list[tuple[str, str]]] = {}
        self._fields: list[tuple[str, str]] | None = None
        self._submitted = False
        self._select: tuple[str, bool] | None = None  # name, multiple
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag == "form" and attributes.get("method", "get").lower() == "post":
            action = attributes.get("action", "")
            self._fields = None if action in self.forms else self.forms.setdefault(action, [])
            self._submitted = False
            return
        if tag == "option" and self._select is not None:
            self._options.append((attributes.get("value", ""), "selected" in attributes))
            return
        name = attributes.get("name")
        if self._fields is None or not name:
            return
        kind = attributes.get("type", "text" if tag == "input" else "submit").lower()
        if tag in ("input", "button") and kind == "submit":
            if not self._submitted:
                self._fields.append((name, attributes.get("value", "")))
                self._submitted = True
        elif tag == "input" and kind not in ("button", "image", "reset", "file"):
            if kind not in ("checkbox", "radio") or "checked" in attributes:
                self._fields.append((name, attributes.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select":
            self._select, self._options = (name, "multiple" in attributes), []
        elif tag == "textarea":
            self._textarea, self._text = name, ""

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._fields = None
        elif tag == "textarea" and self._textarea is not None and self._fields is not None:
            self._fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None and self._fields is not None:
            name, multiple = self._select
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not multiple and self._options:
                chosen = [self._options[0][0]]
            self._fields.extend((name, value) for value in chosen)
            self._select = None


def form_as_shown(app: Flask, client: FlaskClient, url: str, query: dict[str, object]) -> dict[str, list[str]] | None:
    """The form that posts to `url`, filled as its page (the same address opened with GET) shows it: a probe then
    changes one field of a submission the view would otherwise accept, instead of a post missing every field."""
    path = urlsplit(url).path
    try:
        app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:
        return None
    response = client.get(url, query_string=query)
    page = PageForms()
    if response.status_code == 200 and response.mimetype == "text/html":
        page.feed(response.get_data(as_text=True))
    response.close()
    for action, fields in page.forms.items():
        if (urlsplit(action).path if action else path) == path:
            shown: dict[str, list[str]] = {}
            for name, value in fields:
                shown.setdefault(name, []).append(value)
            return shown
    return None


@dataclass
class MatrixResult:
    routes: int = 0
    requests: int = 0
    parameters_tried: int = 0
    unexpected: list[str] = field(default_factory=list)


def response_text(response) -> str:
    """What a person would read in the response: pages, CSV, JSON and calendars as text, the words of PDFs
    and the cells of spreadsheets (so a leak in an export or a printed sheet is found too)."""
    mimetype = response.mimetype or ""
    data = response.get_data()
    if mimetype.startswith("text/") or mimetype.endswith(("json", "javascript")):
        return data.decode("utf-8", "replace")
    if mimetype == "application/pdf" and data.startswith(b"%PDF"):
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    if data.startswith(b"PK"):  # a spreadsheet: its XML parts hold the cells
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist() if name.endswith(".xml")
            )
    return ""


def _leak_problem(records: Records, branch: str, response, skip_kinds: frozenset[str]) -> str | None:
    kinds = records.leaked(branch, response_text(response), skip_kinds)
    return f"showed the other branch's {', '.join(kinds)}" if kinds else None


def run_matrix(
    app: Flask, actors: tuple[str | None, ...] = (None, *ACTORS), only: Callable[[str], bool] = lambda endpoint: True
) -> MatrixResult:
    """Every route (or those `only` keeps) as every actor; every scoped parameter with another branch's id.
    Every answer a West Lothian user gets is searched for the Dumfries and Galloway records' names, and every
    answer to a probe with another branch's id for that branch's names (an admin may see every branch's name
    and every login, nothing else)."""
    records = _records(app)
    result = MatrixResult()
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static" and only(rule.endpoint)]
    result.routes = len(rules)
    for actor in actors:
        client, token = _client_for(app, actor)
        for rule in rules:
            access = POLICY[rule.endpoint]
            if rule.endpoint == "auth.logout":
                continue  # would end the actor's session; covered in test_auth_views
            for method in sorted(rule.methods & {"GET", "POST"}):
                # 1. The plain matrix: DG records in the path.
                url = _url_of(rule, _path_values(access, records, "DG"))
                response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
                result.requests += 1
                reason = _verdict(access, actor, response.status_code, response.headers.get("Location", ""))
                if (
                    reason is None
                    and actor
                    and actor.endswith("-wl")
                    and access.path
                    and _role(actor) in access.roles
                    and response.status_code not in DENIED
                ):
                    reason = f"other branch's record in the path answered {response.status_code}"
                if reason is None and actor and actor.endswith("-wl"):
                    reason = _leak_problem(records, "DG", response, frozenset())
                response.close()
                if reason:
                    result.unexpected.append(f"{actor or 'anonymous'} {method} {url} ({rule.endpoint}): {reason}")
                probe = _probe_branches(actor)
                if actor is None or probe is None or _role(actor) not in access.roles:
                    continue
                own, other = probe
                any_branch = _any_branch_kinds(actor)
                # 1b. The admin, working in DG: West Lothian's records in the path are not found.
                if actor == "admin" and set(access.path.values()) - any_branch:
                    values = _path_values(access, records, other)
                    values.update(
                        {name: records.ids[own][kind] for name, kind in access.path.items() if kind in any_branch}
                    )
                    other_url = _url_of(rule, values)
                    response = client.open(
                        other_url, method=method, data={"csrf_token": token} if method == "POST" else None
                    )
                    result.requests += 1
                    result.parameters_tried += 1
                    problem = (
                        f"other branch's record in the path answered {response.status_code}"
                        if response.status_code not in DENIED
                        else _leak_problem(records, other, response, any_branch)
                    )
                    if problem:
                        result.unexpected.append(f"{actor} {method} {other_url} ({rule.endpoint}): {problem}")
                    response.close()
                # 2. Query strings and form fields: own-branch path, the other branch's id in one parameter.
                # Redirects are followed: a page (or a flashed message) after a post must not show it either.
                own_url = _url_of(rule, _path_values(access, records, own))
                places = [("query", name, kind) for name, kind in access.query.items() if kind not in any_branch]
                if method == "POST":
                    places += [("form", name, kind) for name, kind in access.form.items() if kind not in any_branch]
                # Every scoped query parameter but the one tried carries an own-branch id (a form may need it).
                own_query = {
                    **QUERY_BASE.get(rule.endpoint, {}),
                    **{name: records.ids[own][kind] for name, kind in access.query.items()},
                }
                shown = form_as_shown(app, client, own_url, own_query) if method == "POST" and places else None
                for place, name, kind in places:
                    other_id = records.ids[other][kind]
                    query = {**own_query, **({name: other_id} if place == "query" else {})}
                    for base in FORM_BASE.get(rule.endpoint, ({},)) if method == "POST" else ({},):
                        data = None
                        if method == "POST":
                            data = {**(shown or {}), **base, "csrf_token": token}
                            if place == "form":
                                data[name] = other_id
                        response = client.open(
                            own_url, method=method, query_string=query, data=data, follow_redirects=True
                        )
                        result.requests += 1
                        result.parameters_tried += 1
                        problem = (
                            f"server error {response.status_code}"
                            if response.status_code >= 500
                            else _leak_problem(records, other, response, any_branch)
                        )
                        response.close()
                        if problem:
                            result.unexpected.append(
                                f"{actor} {method} {own_url} {place} {name}={other_id} ({rule.endpoint}): {problem}"
                            )
    with app.app_context():
        result.unexpected += cross_branch_references()
    return result


def test_policy_names_every_route_and_nothing_else(demo_app: Flask) -> None:
    """A route missing from web/access_policy.py (or an entry for a route that is gone) fails the suite."""
    endpoints = {rule.endpoint for rule in demo_app.url_map.iter_rules()}
    assert sorted(endpoints - set(POLICY)) == [], "add these routes to web/access_policy.py"
    assert sorted(set(POLICY) - endpoints) == [], "these policy entries name no route"


def test_every_route_as_every_role(demo_app: Flask) -> None:
    """routes x roles x branches: no unexpected access, no cross-branch record, no server error;
    and a view whose roles are widened by one role is caught."""
    with demo_app.app_context():
        assert cross_branch_references() == [], "the demo data itself mixes branches"
    result = run_matrix(demo_app)
    assert result.unexpected == [], "\n".join(result.unexpected[:40])
    caught = _widened_role_is_caught(demo_app)
    print(
        f"\naccess policy: {result.routes} routes x {len(ROLE_OF)} roles x {len(BRANCHES)} branches "
        f"(+ anonymous) = {result.requests} requests, parameters tried {result.parameters_tried}, "
        f"unexpected access = {len(result.unexpected)}; widened-role mutation caught = {'yes' if caught else 'no'}"
    )
    assert caught


def _widened_role_is_caught(app: Flask) -> bool:
    """Open the customer record to drivers, as a mistaken decorator would, and run the matrix on that view."""
    endpoint = "customers.show"
    original = app.view_functions[endpoint]
    app.view_functions[endpoint] = roles_required(*UserRole)(original.__wrapped__)
    try:
        result = run_matrix(app, actors=("driver-dg", "driver-wl"), only=lambda name: name == endpoint)
    finally:
        app.view_functions[endpoint] = original
    return any("driver not allowed but got 200" in line for line in result.unexpected)


def test_widened_role_mutation_is_caught(demo_app: Flask) -> None:
    """Widening the roles of a view (customer record opened to drivers) makes the matrix report it."""
    assert _widened_role_is_caught(demo_app)


def test_admin_probe_catches_a_view_that_ignores_the_admins_branch(demo_app: Flask, monkeypatch) -> None:
    """The admin works in one branch at a time: a subject-access page that looked records up in every branch
    (here: in West Lothian while the admin works in Dumfries and Galloway) is reported by the admin's probe."""
    import web.privacy

    with demo_app.app_context():
        west_lothian = db.session.scalar(select(Branch.id).where(Branch.code == "WL"))
    monkeypatch.setattr(web.privacy, "current_branch_id", lambda: west_lothian)
    result = run_matrix(demo_app, actors=("admin",), only=lambda endpoint: endpoint == "privacy.show")
    assert any("other branch's record in the path answered 200" in line for line in result.unexpected), (
        result.unexpected
    )


# ---------------------------------------------------------------- the probes can fail: one planted leak each


def _branch_id(app: Flask, code: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Branch.id).where(Branch.code == code))


def _customer_looked_up_anywhere(original):
    """The planted mistake: the order entry context finds the customer by id alone, in whatever branch they are."""

    def order_entry_context(session, branch_id, customer_id, delivery_date, *args, **kwargs):
        customer = session.get(Customer, customer_id)
        return original(
            session, customer.branch_id if customer else branch_id, customer_id, delivery_date, *args, **kwargs
        )

    return order_entry_context


def test_path_probe_catches_a_record_page_that_ignores_the_branch(demo_app: Flask, monkeypatch) -> None:
    """The customer record looked up in Dumfries and Galloway whoever asks: a West Lothian office user opening a
    DG customer's id is reported (answered 200, and the page shows that customer's name)."""
    import web.customers

    dumfries = _branch_id(demo_app, "DG")
    monkeypatch.setattr(web.customers, "current_branch_id", lambda: dumfries)
    result = run_matrix(demo_app, actors=("office-wl",), only=lambda endpoint: endpoint == "customers.show")
    assert any("other branch's record in the path answered 200" in line for line in result.unexpected), (
        result.unexpected
    )


def test_query_probe_catches_an_order_page_that_ignores_the_branch(demo_app: Flask, monkeypatch) -> None:
    """/orders/new?customer_id=<another branch's customer> with the customer looked up without the branch:
    the page shows that customer's name (not their postcode), and the query probe reports it."""
    import web.orders

    monkeypatch.setattr(web.orders, "order_entry_context", _customer_looked_up_anywhere(web.orders.order_entry_context))
    result = run_matrix(demo_app, actors=("office-wl",), only=lambda endpoint: endpoint == "orders.new")
    assert any(
        " query customer_id=" in line and "showed the other branch's customer" in line for line in result.unexpected
    ), result.unexpected


def test_form_probe_catches_an_order_form_shown_again_with_another_branchs_customer(
    demo_app: Flask, monkeypatch
) -> None:
    """The same mistake reached by a post: the order form shown again ("Add more lines") for another branch's
    customer_id shows that customer's name; the form probe reports it."""
    import web.orders

    monkeypatch.setattr(web.orders, "order_entry_context", _customer_looked_up_anywhere(web.orders.order_entry_context))
    result = run_matrix(demo_app, actors=("office-wl",), only=lambda endpoint: endpoint == "orders.create")
    assert any(
        " form customer_id=" in line and "showed the other branch's customer" in line for line in result.unexpected
    ), result.unexpected


def test_form_probe_catches_an_order_saved_for_another_branchs_customer(demo_app: Flask, monkeypatch) -> None:
    """Saving an order that finds its customer without the branch: the West Lothian order pointing at a Dumfries
    and Galloway customer is reported (a row across branches, and the name in the 'Order saved' message)."""
    import foodtrain.services.orders.taking as taking

    original = taking.in_branch

    def customers_of_any_branch(statement, model, branch_id):
        return statement if model is Customer else original(statement, model, branch_id)

    # The save finds the customer (with their order that day) through in_branch: the planted mistake drops it.
    monkeypatch.setattr(taking, "in_branch", customers_of_any_branch)
    result = run_matrix(demo_app, actors=("office-wl",), only=lambda endpoint: endpoint == "orders.create")
    assert any(line.startswith("orders.customer_id:") for line in result.unexpected), result.unexpected
    assert any(
        " form customer_id=" in line and "showed the other branch's customer" in line for line in result.unexpected
    ), result.unexpected


def test_markers_are_what_the_records_own_pages_show(demo_app: Flask) -> None:
    """The leak check looks for texts the pages really show: each record kind's markers appear on at least one
    page that takes its id (in the path or the query string), opened in its own branch by a user allowed to."""
    records = _records(demo_app)
    actor_for = {
        UserRole.OFFICE: "office-dg",
        UserRole.COORDINATOR: "coordinator-dg",
        UserRole.DRIVER: "driver-dg",
        UserRole.ADMIN: "admin",
    }
    clients: dict[str, FlaskClient] = {}
    shown: dict[str, list[str]] = {kind: [] for kind in records.markers["DG"]}
    for rule in demo_app.url_map.iter_rules():
        access = POLICY[rule.endpoint]
        kinds = {*access.path.values(), *access.query.values()} & set(shown)
        if "GET" not in rule.methods or access.public or not kinds:
            continue
        role = next(
            role
            for role in (UserRole.OFFICE, UserRole.COORDINATOR, UserRole.DRIVER, UserRole.ADMIN)
            if role in access.roles
        )
        if actor_for[role] not in clients:
            clients[actor_for[role]] = _client_for(demo_app, actor_for[role])[0]
        query = {
            **QUERY_BASE.get(rule.endpoint, {}),
            **{name: records.ids["DG"][kind] for name, kind in access.query.items()},
        }
        response = clients[actor_for[role]].get(
            _url_of(rule, _path_values(access, records, "DG")), query_string=query, follow_redirects=True
        )
        for kind in records.leaked("DG", response_text(response)):
            if kind in kinds:
                shown[kind].append(rule.endpoint)
        response.close()
    taken_by_a_page = {
        kind
        for rule in demo_app.url_map.iter_rules()
        if "GET" in rule.methods
        for kind in (*POLICY[rule.endpoint].path.values(), *POLICY[rule.endpoint].query.values())
    }
    never = sorted(kind for kind, endpoints in shown.items() if not endpoints and kind in taken_by_a_page)
    assert never == [], f"no page taking their id shows these kinds' markers: {never}"
