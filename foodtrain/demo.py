"""A realistic, deterministic demo: a Dumfries & Galloway branch and a smaller West Lothian one.

Real towns and postcodes (from the offline postcode data), made-up people. The
same seed and the same `today` always give the same data.
"""

from __future__ import annotations

import csv
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from foodtrain import DATA_DIRECTORY
from foodtrain.models import (
    Branch,
    Customer,
    CustomerStatus,
    CustomerSupportNeed,
    DayPart,
    DeliveryCharge,
    DeliveryFrequency,
    HelpFrequency,
    ListMethod,
    Order,
    OrderLine,
    OrderStatus,
    PartnerPreferenceKind,
    PaymentMethod,
    PvgDisclosureType,
    PvgStatus,
    ReferralSource,
    Shop,
    SupportNeed,
    UserRole,
    Van,
    Volunteer,
    VolunteerAbsence,
    VolunteerAvailability,
    VolunteerPartnerPreference,
    VolunteerRole,
    VolunteerRoleAssignment,
)
from foodtrain.postcodes import PostcodeLocation, postcodes_in_district
from foodtrain.services.auth import add_user
from foodtrain.services.charges import delivery_charge_on

DEMO_DATA_DIRECTORY = DATA_DIRECTORY / "demo"
DEFAULT_SEED = 2026
CHARGE_HISTORY = ((date(2000, 1, 1), 200), (date(2012, 4, 1), 300))


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    branch: str


@dataclass
class DemoSummary:
    branches: int = 0
    shops: int = 0
    vans: int = 0
    customers: int = 0
    volunteers: int = 0
    orders: int = 0
    logins: list[DemoLogin] = field(default_factory=list)


@dataclass(frozen=True)
class _Place:
    branch_code: str
    name: str
    district: str
    is_rural: bool
    weight: int


def _read_csv(name: str) -> list[dict[str, str]]:
    with (DEMO_DATA_DIRECTORY / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _places() -> list[_Place]:
    return [
        _Place(row["branch_code"], row["place"], row["postcode_district"], row["kind"] == "rural", int(row["weight"]))
        for row in _read_csv("places.csv")
    ]


def _names() -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for row in _read_csv("names.csv"):
        names.setdefault(row["kind"], []).append(row["value"])
    return names


def _grocery_items() -> list[str]:
    lines = (DEMO_DATA_DIRECTORY / "grocery_items.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip()]


def _birth_date(rng: random.Random, today: date, min_age: int, max_age: int) -> date:
    age_days = rng.randint(min_age * 365 + 30, max_age * 365)
    return today - timedelta(days=age_days)


class _DemoBuilder:
    """Builds one branch's data with one random stream."""

    def __init__(self, session: Session, rng: random.Random, today: date, password_factory: Callable[[], str]) -> None:
        self.session = session
        self.rng = rng
        self.today = today
        self.names = _names()
        self.items = _grocery_items()
        self.password_factory = password_factory
        self._postcode_cache: dict[str, list[PostcodeLocation]] = {}
        self._charge_cache: dict[tuple[int, date], int] = {}

    def _postcode_in(self, district: str) -> PostcodeLocation:
        if district not in self._postcode_cache:
            self._postcode_cache[district] = postcodes_in_district(district)
        choices = self._postcode_cache[district]
        if not choices:
            raise RuntimeError(f"The offline postcode data has no postcodes in {district}.")
        return self.rng.choice(choices)

    def _name(self) -> tuple[str, str]:
        return self.rng.choice(self.names["first"]), self.rng.choice(self.names["last"])

    def _street_address(self) -> str:
        return f"{self.rng.randint(1, 120)} {self.rng.choice(self.names['street'])}"

    def build_branch(self, row: dict[str, str], places: list[_Place], summary: DemoSummary) -> Branch:
        rng = self.rng
        base = self._postcode_in(places[0].district)
        branch = Branch(
            name=row["name"],
            code=row["code"],
            base_name=row["base_name"],
            base_postcode=base.postcode,
            base_latitude=base.latitude,
            base_longitude=base.longitude,
            detour_factor=float(row["detour_factor"]),
            average_speed_kmh=float(row["average_speed_kmh"]),
        )
        self.session.add(branch)
        self.session.flush()
        for effective_from, amount_pence in CHARGE_HISTORY:
            self.session.add(
                DeliveryCharge(branch_id=branch.id, effective_from=effective_from, amount_pence=amount_pence)
            )

        place_by_name = {place.name: place for place in places}
        shops = []
        for shop_row in _read_csv("shops.csv"):
            if shop_row["branch_code"] != branch.code:
                continue
            location = self._postcode_in(place_by_name[shop_row["place"]].district)
            hours, minutes = (int(part) for part in shop_row["orders_ready_time"].split(":"))
            shop = Shop(
                branch_id=branch.id,
                name=shop_row["name"],
                address=f"{self._street_address()}, {shop_row['place']}",
                postcode=location.postcode,
                latitude=location.latitude,
                longitude=location.longitude,
                orders_ready_time=time(hours, minutes),
                loading_min_per_visit=int(shop_row["loading_min_per_visit"]),
                loading_min_per_order=int(shop_row["loading_min_per_order"]),
            )
            self.session.add(shop)
            shops.append((shop, place_by_name[shop_row["place"]]))
        for number in range(1, int(row["vans"]) + 1):
            self.session.add(
                Van(
                    branch_id=branch.id,
                    name=f"Van {number}",
                    registration=f"SV{rng.randint(10, 75)} {rng.choice('ABCDEFGHJK')}{rng.choice('LMNPRSTUVW')}{rng.choice('XYZABC')}",
                    capacity_crates=rng.choice((14, 16, 18, 20)),
                    base_latitude=branch.base_latitude or base.latitude,
                    base_longitude=branch.base_longitude or base.longitude,
                )
            )
        self.session.flush()
        summary.branches += 1
        summary.shops += len(shops)
        summary.vans += int(row["vans"])

        delivery_weekdays = [int(day) for day in row["delivery_weekdays"].split()]
        customers = self._customers(branch, places, shops, delivery_weekdays, int(row["customers"]))
        summary.customers += len(customers)
        volunteers = self._volunteers(branch, places, delivery_weekdays, int(row["volunteers"]))
        summary.volunteers += len(volunteers)
        summary.orders += self._order_history(branch, customers)
        summary.logins.extend(self._users(branch, volunteers))
        return branch

    def _customers(
        self,
        branch: Branch,
        places: list[_Place],
        shops: list[tuple[Shop, _Place]],
        delivery_weekdays: list[int],
        count: int,
    ) -> list[Customer]:
        rng = self.rng
        weights = [place.weight for place in places]
        customers = []
        for _ in range(count):
            place = rng.choices(places, weights)[0]
            location = self._postcode_in(place.district)
            nearest_shop = min(
                shops,
                key=lambda pair: (
                    (pair[0].latitude - location.latitude) ** 2 + ((pair[0].longitude - location.longitude) * 0.57) ** 2
                ),
            )[0]
            first_name, last_name = self._name()
            joined_on = self.today - timedelta(days=rng.randint(14, 6 * 365))
            frequency = rng.choices(list(DeliveryFrequency), (60, 25, 8, 7))[0]
            window_start = rng.choice((time(10, 0), time(10, 0), time(11, 0), time(13, 0)))
            window_end = (
                rng.choice((time(13, 0), time(16, 0), time(16, 0))) if window_start < time(13, 0) else time(16, 0)
            )
            under_65 = rng.random() < 0.03
            customer = Customer(
                branch_id=branch.id,
                first_name=first_name,
                last_name=last_name,
                address_line1=self._street_address(),
                town=place.name.split(" (")[0],
                postcode=location.postcode,
                latitude=location.latitude,
                longitude=location.longitude,
                phone=f"01{rng.randint(300, 599)} {rng.randint(100000, 999999)}",
                date_of_birth=_birth_date(rng, self.today, 58 if under_65 else 66, 64 if under_65 else 98),
                eligibility_override_reason="Referred by social work after a stroke" if under_65 else None,
                referral_source=rng.choices(list(ReferralSource), (40, 25, 12, 12, 8, 3))[0],
                joined_on=joined_on,
                membership_paid_until=date(self.today.year + (1 if rng.random() < 0.9 else 0), 3, 31),
                shop_id=nearest_shop.id,
                frequency=frequency,
                frequency_anchor_date=joined_on,
                delivery_weekday=rng.choice(delivery_weekdays),
                window_start=window_start,
                window_end=window_end,
                list_method=ListMethod.TELEPHONE if rng.random() < 0.3 else ListMethod.COLLECTED_FORM,
                access_notes=rng.choice(
                    (
                        "",
                        "",
                        "Knock loudly, hard of hearing",
                        "Key safe by back door (code held by office)",
                        "Side door, ring twice",
                        "Dog is friendly, keep gate shut",
                        "Ground floor flat, buzzer 2",
                    )
                ),
                payment_method=rng.choices(list(PaymentMethod), (70, 20, 10))[0],
            )
            roll = rng.random()
            if roll < 0.08:
                customer.status = CustomerStatus.PAUSED
                customer.paused_from = self.today - timedelta(days=rng.randint(0, 20))
                customer.paused_until = (
                    customer.paused_from + timedelta(days=rng.randint(14, 42)) if rng.random() < 0.7 else None
                )
                customer.pause_reason = rng.choice(("In hospital after a fall", "Staying with family", "Respite care"))
            elif roll < 0.12:
                customer.status = CustomerStatus.ENDED
                customer.ended_on = self.today - timedelta(days=rng.randint(1, 200))
                customer.end_reason = rng.choice(("Moved into a care home", "Moved away", "No longer needed"))
            needs = rng.sample(list(SupportNeed), k=rng.choice((0, 0, 1, 1, 2, 3)))
            customer.support_needs = [CustomerSupportNeed(need=need) for need in needs]
            self.session.add(customer)
            customers.append(customer)
        self.session.flush()
        return customers

    def _volunteers(
        self, branch: Branch, places: list[_Place], delivery_weekdays: list[int], count: int
    ) -> list[Volunteer]:
        rng = self.rng
        volunteers = []
        for index in range(count):
            first_name, last_name = self._name()
            place = rng.choices(places, [p.weight for p in places])[0]
            roles = set()
            kind = rng.random()
            if kind < 0.35:
                roles = {VolunteerRole.DRIVER, VolunteerRole.DELIVERY_MATE}
            elif kind < 0.65:
                roles = {VolunteerRole.DELIVERY_MATE}
            elif kind < 0.8:
                roles = {VolunteerRole.SHOPPER}
            elif kind < 0.92:
                roles = {VolunteerRole.OFFICE}
            else:
                roles = {VolunteerRole.PROMOTION, VolunteerRole.OFFICE}
            if rng.random() < 0.15:
                roles.add(VolunteerRole.SHOPPER)
            recently_joined = rng.random() < 0.12
            joined_on = self.today - timedelta(
                days=rng.randint(10, 60) if recently_joined else rng.randint(61, 8 * 365)
            )
            is_trainee = recently_joined and rng.random() < 0.8
            customer_facing = bool(roles & {VolunteerRole.DRIVER, VolunteerRole.DELIVERY_MATE, VolunteerRole.SHOPPER})
            pvg_roll = rng.random()
            if not customer_facing:
                pvg_status = PvgStatus.NOT_NEEDED
            elif is_trainee and pvg_roll < 0.4 or pvg_roll < 0.07:
                pvg_status = PvgStatus.PENDING
            else:
                pvg_status = PvgStatus.CLEARED
            help_frequency = rng.choices(list(HelpFrequency), (45, 30, 10, 15))[0]
            shifts_per_month = {
                HelpFrequency.WEEKLY: 4,
                HelpFrequency.FORTNIGHTLY: 2,
                HelpFrequency.MONTHLY: 1,
                HelpFrequency.TIMES_PER_MONTH: rng.choice((3, 6, 8)),
            }[help_frequency]
            volunteer = Volunteer(
                branch_id=branch.id,
                first_name=first_name,
                last_name=last_name,
                email=f"{first_name}.{last_name}{index}@example.org".lower(),
                phone=f"07{rng.randint(700, 999)} {rng.randint(100000, 999999)}",
                postcode=self._postcode_in(place.district).postcode,
                date_of_birth=_birth_date(rng, self.today, 17, 80),
                joined_on=joined_on,
                van_driving_approved=VolunteerRole.DRIVER in roles and rng.random() < 0.92,
                pvg_status=pvg_status,
                pvg_issued_on=joined_on + timedelta(days=rng.randint(7, 40))
                if pvg_status is PvgStatus.CLEARED
                else None,
                pvg_reference=f"{rng.randint(10**15, 10**16 - 1)}" if pvg_status is PvgStatus.CLEARED else "",
                pvg_disclosure_type=PvgDisclosureType.SCHEME_RECORD if pvg_status is PvgStatus.CLEARED else None,
                training_completed_on=None if is_trainee else joined_on + timedelta(days=rng.randint(3, 20)),
                is_trainee=is_trainee,
                shadow_shifts_remaining=rng.randint(1, 3) if is_trainee else 0,
                help_frequency=help_frequency,
                shifts_per_month=shifts_per_month,
                max_shifts_per_week=2 if shifts_per_month >= 4 else 1,
                max_consecutive_days=rng.choice((1, 2, 2, 3)),
            )
            if pvg_status is PvgStatus.CLEARED and volunteer.pvg_issued_on and volunteer.pvg_issued_on > self.today:
                volunteer.pvg_issued_on = self.today
            volunteer.roles = [VolunteerRoleAssignment(role=role) for role in sorted(roles, key=lambda r: r.value)]
            days = rng.sample(delivery_weekdays + [0], k=min(len(delivery_weekdays) + 1, rng.choice((1, 2, 2, 3))))
            availability = []
            for weekday in sorted(days):
                for part in (DayPart.MORNING, DayPart.AFTERNOON):
                    if part is DayPart.MORNING or rng.random() < 0.75:
                        availability.append(
                            VolunteerAvailability(weekday=weekday, day_part=part, preferred=rng.random() < 0.3)
                        )
            volunteer.availability = availability
            if rng.random() < 0.25:
                start = self.today + timedelta(days=rng.randint(0, 50))
                volunteer.absences = [
                    VolunteerAbsence(
                        start_date=start,
                        end_date=start + timedelta(days=rng.randint(2, 14)),
                        reason=rng.choice(("Holiday", "Family visit", "Hospital appointment")),
                    )
                ]
            self.session.add(volunteer)
            volunteers.append(volunteer)
        self.session.flush()
        for volunteer in volunteers:
            if rng.random() < 0.3:
                partner = rng.choice(volunteers)
                if partner is not volunteer:
                    self.session.add(
                        VolunteerPartnerPreference(
                            volunteer_id=volunteer.id, partner_id=partner.id, kind=PartnerPreferenceKind.PREFERRED
                        )
                    )
            elif rng.random() < 0.06:
                partner = rng.choice(volunteers)
                if partner is not volunteer:
                    self.session.add(
                        VolunteerPartnerPreference(
                            volunteer_id=volunteer.id, partner_id=partner.id, kind=PartnerPreferenceKind.NEVER
                        )
                    )
        self.session.flush()
        return volunteers

    def _order_history(self, branch: Branch, customers: list[Customer]) -> int:
        """Delivered orders for the past weeks and orders taken for this week's remaining days."""
        from foodtrain.schedule import is_customer_due

        rng = self.rng
        week_start = self.today - timedelta(days=self.today.weekday())
        count = 0
        for week in range(-6, 1):
            for weekday in range(7):
                day = week_start + timedelta(weeks=week, days=weekday)
                for customer in customers:
                    if customer.joined_on > day:
                        continue
                    if not is_customer_due(
                        status=customer.status,
                        frequency=customer.frequency,
                        anchor_date=customer.frequency_anchor_date,
                        delivery_weekday=customer.delivery_weekday,
                        paused_from=customer.paused_from,
                        paused_until=customer.paused_until,
                        ended_on=customer.ended_on,
                        on=day,
                    ):
                        continue
                    if day >= self.today and rng.random() < 0.2:
                        continue  # not phoned in yet
                    count += 1
                    self.session.add(self._order(branch, customer, day))
        self.session.flush()
        return count

    def _order(self, branch: Branch, customer: Customer, day: date) -> Order:
        rng = self.rng
        items = rng.sample(self.items, k=rng.randint(4, 16))
        lines = [
            OrderLine(
                position=position,
                item=item,
                quantity=rng.choice((1, 1, 1, 2, 2, 3)),
                notes=rng.choice(("", "", "", "own brand is fine", "large", "no substitutes please")),
                substitute_allowed=rng.random() < 0.8,
            )
            for position, item in enumerate(items, start=1)
        ]
        if (branch.id, day) not in self._charge_cache:
            self._charge_cache[branch.id, day] = delivery_charge_on(self.session, branch.id, day)
        charge = self._charge_cache[branch.id, day]
        order = Order(
            branch_id=branch.id,
            customer_id=customer.id,
            shop_id=customer.shop_id,
            delivery_date=day,
            delivery_charge_pence=charge,
            lines=lines,
        )
        if day < self.today:
            order.crates = max(1, (len(lines) + 4) // 6)
            order.till_receipt_pence = sum(rng.randint(60, 450) for _ in lines)
            if rng.random() < 0.97:
                order.status = OrderStatus.DELIVERED
                order.amount_received_pence = order.till_receipt_pence + charge
                order.payment_method_received = customer.payment_method
            else:
                order.status = OrderStatus.NOT_DELIVERED
                order.not_delivered_reason = rng.choice(("No answer at the door", "Customer taken into hospital"))
        return order

    def _users(self, branch: Branch, volunteers: list[Volunteer]) -> list[DemoLogin]:
        code = branch.code.lower()
        driver = next(
            (v for v in volunteers if VolunteerRole.DRIVER in v.role_values and v.pvg_status is PvgStatus.CLEARED), None
        )
        logins = []
        for role, username, display_name, volunteer in (
            (UserRole.COORDINATOR, f"coordinator-{code}", f"{branch.name} coordinator", None),
            (UserRole.OFFICE, f"office-{code}", f"{branch.name} office", None),
            (UserRole.DRIVER, f"driver-{code}", driver.full_name if driver else "Driver", driver),
        ):
            password = self.password_factory()
            add_user(
                self.session,
                username=username,
                password=password,
                role=role,
                branch_id=branch.id,
                display_name=display_name,
                volunteer_id=volunteer.id if volunteer else None,
            )
            logins.append(DemoLogin(username, password, role.value, branch.name))
        return logins


def random_demo_password() -> str:
    """Four random words' worth of entropy in a form that is easy to type."""
    return "-".join(secrets.token_hex(3) for _ in range(4))


def database_is_empty(session: Session) -> bool:
    return (session.scalar(select(func.count()).select_from(Branch)) or 0) == 0


def generate_demo(
    session: Session, today: date, seed: int = DEFAULT_SEED, password_factory: Callable[[], str] = random_demo_password
) -> DemoSummary:
    """Fill an empty database with the demo branches; returns counts and the demo logins."""
    if not database_is_empty(session):
        raise RuntimeError("The database already has data; the demo is only loaded into an empty database.")
    rng = random.Random(seed)
    builder = _DemoBuilder(session, rng, today, password_factory)
    summary = DemoSummary()
    places = _places()
    for row in _read_csv("branches.csv"):
        builder.build_branch(row, [place for place in places if place.branch_code == row["code"]], summary)
    admin_password = password_factory()
    add_user(
        session,
        username="admin",
        password=admin_password,
        role=UserRole.ADMIN,
        branch_id=None,
        display_name="Administrator",
    )
    summary.logins.insert(0, DemoLogin("admin", admin_password, UserRole.ADMIN.value, "all branches"))
    from foodtrain.demo_support import add_support_demo

    add_support_demo(session, today)
    session.commit()
    return summary


class _OneDayBuilder(_DemoBuilder):
    """The demo's branch-making with every customer delivered on one weekday and orders on one day only
    (no history, no logins): a branch's delivery day as the route planner sees it."""

    def __init__(self, session: Session, rng: random.Random, day: date) -> None:
        super().__init__(session, rng, day, random_demo_password)

    def _order_history(self, branch: Branch, customers: list[Customer]) -> int:
        from foodtrain.schedule import is_customer_due

        count = 0
        for customer in customers:
            if is_customer_due(
                status=customer.status,
                frequency=customer.frequency,
                anchor_date=customer.frequency_anchor_date,
                delivery_weekday=customer.delivery_weekday,
                paused_from=customer.paused_from,
                paused_until=customer.paused_until,
                ended_on=customer.ended_on,
                on=self.today,
            ):
                self.session.add(self._order(branch, customer, self.today))
                count += 1
        self.session.flush()
        return count

    def _users(self, branch: Branch, volunteers: list[Volunteer]) -> list[DemoLogin]:
        return []


def generate_national_day(
    session: Session,
    day: date,
    branches: int = 20,
    customers_per_branch: int = 165,
    vans_per_branch: int = 14,
    seed: int = DEFAULT_SEED,
) -> DemoSummary:
    """Fill an empty database with ``branches`` branches' delivery day on ``day`` (for the national load figures).

    Each branch is built as a demo branch is (its places, shops, customers, vans), taking the demo's
    branches in turn as patterns, then renamed (DG01, WL02, …); every customer is delivered on
    ``day``'s weekday and has phoned in an order for ``day`` if due. No rota is published, so every
    van goes out. About three quarters of the customers are due on a given day (the others are
    fortnightly, monthly or paused). 14 vans of 14–20 crates hold a branch's ~230 crates, so orders
    left out of a plan say how well the search did, not that the fleet was too small.
    """
    if not database_is_empty(session):
        raise RuntimeError("The database already has data; the national day is only loaded into an empty database.")
    builder = _OneDayBuilder(session, random.Random(seed), day)
    summary = DemoSummary()
    places = _places()
    patterns = _read_csv("branches.csv")
    for number in range(1, branches + 1):
        pattern = patterns[(number - 1) % len(patterns)]
        row = {
            **pattern,
            "customers": str(customers_per_branch),
            "vans": str(vans_per_branch),
            "volunteers": "4",
            "delivery_weekdays": str(day.weekday()),
        }
        branch = builder.build_branch(row, [place for place in places if place.branch_code == pattern["code"]], summary)
        branch.code, branch.name = f"{pattern['code']}{number:02d}", f"{pattern['name']} {number}"
        session.flush()  # the next branch is built under the pattern's code again
    session.commit()
    return summary
