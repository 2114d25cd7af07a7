"""What the rota problem is: frozen dataclasses of ids, dates and numbers.

Nothing here knows about OR-Tools. Construction validates every field and
raises a :class:`RotaInputError` subclass naming the field that is wrong.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from enum import Enum

PARTS_OF_DAY = ("morning", "afternoon", "whole_day")
HALVES = ("morning", "afternoon")
SLOT_KINDS = ("delivery", "list_collection", "shopping", "office")
ROLES = ("driver", "delivery_mate", "list_collector", "shopper", "office")
# The extra seat of a trainee who rides along (delivery, list collection) or works beside an experienced volunteer
# (shopping, office) until their shadow shifts are done. Never a volunteer's role; never counts as a seat filled.
SHADOW_ROLE = "shadow"
ASSIGNMENT_ROLES = ROLES + (SHADOW_ROLE,)
PVG_STATUSES = ("cleared", "pending", "not_needed")
CUSTOMER_FACING_KINDS = frozenset({"delivery", "list_collection"})
TEAM_KINDS = CUSTOMER_FACING_KINDS  # every customer-facing slot is a team of two
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# How people say a part of the day (the label shown in reasons and on pages).
PART_OF_DAY_WORDS = {"morning": "morning", "afternoon": "afternoon", "whole_day": "all day"}

# Limits: no valid month needs more, and larger values would let an input swell
# the model (penalty ladders, windows) until the solver cannot keep its time limit.
MAX_SLOTS = 20_000
MAX_VOLUNTEERS = 5_000
MAX_SEATS = 50  # people wanted in one shopping or office slot
MAX_SHIFTS_PER_MONTH = 62  # two half-days a day, 31 days
MAX_SHIFTS_PER_WEEK = 14
MAX_DAYS_IN_A_ROW = 31
MAX_WEIGHT = 1_000_000
MAX_TIME_LIMIT_S = 3_600.0
MAX_WORKERS = 64


class Status(str, Enum):
    """Outcome of a solve: the same names and values as ``routing.Status`` (the libraries stay independent).

    ``optimal``: proven best; ``feasible``: a rota, but the time limit came before the proof; ``infeasible``:
    the model has no rota (cannot happen for valid input: an empty rota is always allowed);
    ``no_solution_in_time``: CP-SAT found no rota in time (a fallback rota is returned).
    A ``str`` Enum: it equals its value, and ``json.dumps``, ``str()`` and f-strings give the value, so output
    written when statuses were bare strings is unchanged (``repr`` differs: use ``.value`` in reprs of dicts).
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    NO_SOLUTION_IN_TIME = "no_solution_in_time"

    def __str__(self) -> str:
        return self.value


class RotaError(Exception):
    """Base class for every error the rota library raises on purpose (as ``routing.RoutingError``)."""


class RotaInputError(RotaError, ValueError):
    """Bad problem data. ``field`` names the offending field (dotted path), ``message`` what is wrong with it;
    ``str()`` is "field: message". The same shape as ``routing.ProblemError`` (the libraries stay independent)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class UnknownVolunteerError(RotaInputError):
    """A volunteer id is referenced (history, partners, repair) but not defined."""


class DateOutsideMonthError(RotaInputError):
    """A slot (or dropped-out date) lies outside the rota month."""


class NegativeCountError(RotaInputError):
    """A count (seats, shifts, maximum) is negative or otherwise out of range."""


class DuplicateIdError(RotaInputError):
    """Two slots or two volunteers share an id."""


def _require(cond: bool, exc: type[RotaInputError], field_name: str, message: str) -> None:
    if not cond:
        raise exc(field_name, message)


def _check_count(value: int, field_name: str, minimum: int = 0, maximum: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise NegativeCountError(field_name, f"must be an integer, got {value!r}")
    if value < minimum:
        raise NegativeCountError(field_name, f"must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise NegativeCountError(field_name, f"must be <= {maximum}, got {value}")


def halves_of(part_of_day: str) -> tuple[str, ...]:
    """The half-days a slot occupies: whole_day covers morning and afternoon."""
    return HALVES if part_of_day == "whole_day" else (part_of_day,)


def roles_for_kind(kind: str) -> tuple[str, ...]:
    """Roles a slot kind is staffed with (one entry per distinct role)."""
    return {
        "delivery": ("driver", "delivery_mate"),
        "list_collection": ("list_collector",),
        "shopping": ("shopper",),
        "office": ("office",),
    }[kind]


@dataclass(frozen=True)
class Month:
    """The rota month (calendar month)."""

    year: int
    month: int

    def __post_init__(self) -> None:
        _require(1 <= self.month <= 12, RotaInputError, "month.month", f"must be 1..12, got {self.month}")
        _require(1900 <= self.year <= 9999, RotaInputError, "month.year", f"implausible year {self.year}")

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def dates(self) -> list[dt.date]:
        n = calendar.monthrange(self.year, self.month)[1]
        return [dt.date(self.year, self.month, d) for d in range(1, n + 1)]

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and day.year == self.year and day.month == self.month


@dataclass(frozen=True)
class Slot:
    """One thing to staff on one date.

    ``resource`` is the van id (delivery), shop id (shopping), round/area
    (list_collection) or desk (office); it names the slot in messages and
    identifies "the same round" week to week. ``seats`` is the number of
    people wanted: always 2 for customer-facing kinds (driver + delivery mate,
    or two list collectors), >= 1 for shopping and office.
    ``shadow_seat``: room for one more person, a trainee shadowing the
    experienced people in the seats (False: e.g. a van with two seats only).
    It is never one of ``seats``.
    """

    id: str
    date: dt.date
    part_of_day: str
    kind: str
    resource: str
    seats: int = 2
    branch: str = "main"
    shadow_seat: bool = True

    def __post_init__(self) -> None:
        f = f"slots[{self.id}]"
        _require(bool(self.id), RotaInputError, "slots[].id", "must be a non-empty string")
        _require(isinstance(self.date, dt.date), RotaInputError, f"{f}.date", "must be a date")
        _require(
            self.part_of_day in PARTS_OF_DAY,
            RotaInputError,
            f"{f}.part_of_day",
            f"must be one of {PARTS_OF_DAY}, got {self.part_of_day!r}",
        )
        _require(
            self.kind in SLOT_KINDS, RotaInputError, f"{f}.kind", f"must be one of {SLOT_KINDS}, got {self.kind!r}"
        )
        _require(
            isinstance(self.resource, str) and bool(self.resource),
            RotaInputError,
            f"{f}.resource",
            "must be a non-empty string",
        )
        _check_count(self.seats, f"{f}.seats", minimum=0, maximum=MAX_SEATS)
        if self.kind in TEAM_KINDS:
            _require(
                self.seats == 2,
                NegativeCountError,
                f"{f}.seats",
                f"a {self.kind} slot is a team of two, got seats={self.seats}",
            )
        _require(
            isinstance(self.shadow_seat, bool),
            RotaInputError,
            f"{f}.shadow_seat",
            f"must be true or false, got {self.shadow_seat!r}",
        )

    @property
    def roles(self) -> tuple[str, ...]:
        return roles_for_kind(self.kind)

    @property
    def halves(self) -> tuple[str, ...]:
        return halves_of(self.part_of_day)

    @property
    def customer_facing(self) -> bool:
        return self.kind in CUSTOMER_FACING_KINDS

    @property
    def is_team(self) -> bool:
        return self.kind in TEAM_KINDS

    def seats_for(self, role: str) -> int:
        """How many people of ``role`` the slot wants."""
        if self.kind == "delivery":
            return 1
        return self.seats

    @property
    def label(self) -> str:
        """Human label, e.g. ``Tue 14 van 3 (morning)``."""
        return f"{WEEKDAY_NAMES[self.date.weekday()]} {self.date.day} {self.resource} ({PART_OF_DAY_WORDS.get(self.part_of_day, self.part_of_day)})"

    @property
    def round_key(self) -> tuple[str, str, str, int, str]:
        """Identifies 'the same round' in consecutive weeks."""
        return (self.branch, self.kind, self.resource, self.date.weekday(), self.part_of_day)


@dataclass(frozen=True)
class Volunteer:
    """A volunteer and everything the rota needs to know about them.

    ``availability`` holds (weekday 0=Mon..6=Sun, "morning"|"afternoon") pairs.
    ``wished_shifts_per_month`` is how often they want to help (use
    :func:`wished_shifts_from_frequency` for "weekly"/"fortnightly").
    ``shadow_shifts_needed`` only matters while ``trainee`` is true: the shifts
    they must still shadow (the extra seat, :data:`SHADOW_ROLE`) before they
    take a seat of their own; at most that many shadow shifts this month.
    """

    id: str
    roles: frozenset[str]
    availability: frozenset[tuple[int, str]]
    wished_shifts_per_month: int
    max_shifts_per_week: int = 7
    driver_approved: bool = False
    pvg_status: str = "not_needed"
    pvg_date: dt.date | None = None
    trainee: bool = False
    shadow_shifts_needed: int = 0
    dates_away: frozenset[dt.date] = frozenset()
    preferred_partners: frozenset[str] = frozenset()
    never_partners: frozenset[str] = frozenset()
    preferred_weekdays: frozenset[int] = frozenset()
    max_consecutive_days: int = 7
    branch: str = "main"
    name: str = ""
    happy_to_do_extra: bool = False  # False: the wished frequency is a hard maximum for the month

    def __post_init__(self) -> None:
        f = f"volunteers[{self.id}]"
        _require(bool(self.id), RotaInputError, "volunteers[].id", "must be a non-empty string")
        for r in self.roles:
            _require(r in ROLES, RotaInputError, f"{f}.roles", f"unknown role {r!r}; roles are {ROLES}")
        for item in self.availability:
            ok = isinstance(item, tuple) and len(item) == 2 and item[0] in range(7) and item[1] in HALVES
            _require(
                ok,
                RotaInputError,
                f"{f}.availability",
                f"entries are (weekday 0-6, 'morning'|'afternoon'), got {item!r}",
            )
        _check_count(self.wished_shifts_per_month, f"{f}.wished_shifts_per_month", maximum=MAX_SHIFTS_PER_MONTH)
        _check_count(self.max_shifts_per_week, f"{f}.max_shifts_per_week", maximum=MAX_SHIFTS_PER_WEEK)
        _check_count(self.shadow_shifts_needed, f"{f}.shadow_shifts_needed", maximum=MAX_SHIFTS_PER_MONTH)
        _check_count(self.max_consecutive_days, f"{f}.max_consecutive_days", minimum=1, maximum=MAX_DAYS_IN_A_ROW)
        _require(
            self.pvg_status in PVG_STATUSES,
            RotaInputError,
            f"{f}.pvg_status",
            f"must be one of {PVG_STATUSES}, got {self.pvg_status!r}",
        )
        for d in self.preferred_weekdays:
            _require(d in range(7), RotaInputError, f"{f}.preferred_weekdays", f"weekday must be 0-6, got {d!r}")
        _require(self.id not in self.never_partners, RotaInputError, f"{f}.never_partners", "cannot list themself")
        _require(
            not (self.preferred_partners & self.never_partners),
            RotaInputError,
            f"{f}.preferred_partners",
            "overlaps never_partners",
        )

    @property
    def needs_shadowing(self) -> bool:
        """A trainee with shadow shifts still to do: shadows first, a seat only once they are done."""
        return self.trainee and self.shadow_shifts_needed > 0

    @property
    def monthly_maximum(self) -> int | None:
        """Most shifts this month: what they said they can do, unless they are happy to do extra (None)."""
        return None if self.happy_to_do_extra else self.wished_shifts_per_month

    def pvg_cleared_on(self, day: dt.date) -> bool:
        """PVG-cleared and the clearance dated on or before ``day``."""
        return self.pvg_status == "cleared" and (self.pvg_date is None or self.pvg_date <= day)

    def may_shadow(self, slot: Slot) -> bool:
        """The slot's shadow seat suits them: a trainee still needing shadow shifts, in the slot's branch, holding
        one of its roles, PVG-cleared where customers are met (availability is checked apart)."""
        return (
            self.needs_shadowing
            and slot.shadow_seat
            and slot.seats > 0
            and self.branch == slot.branch
            and any(r in self.roles for r in slot.roles)
            and (not slot.customer_facing or self.pvg_cleared_on(slot.date))
        )

    def available_for(self, slot: Slot) -> bool:
        """Weekly availability covers the slot's half-days and not away that date."""
        wd = slot.date.weekday()
        return slot.date not in self.dates_away and all((wd, h) in self.availability for h in slot.halves)


def wished_shifts_from_frequency(frequency: str | int, month: Month) -> int:
    """'weekly' / 'fortnightly' / 'monthly' / an int (n a month) -> shifts this month."""
    if isinstance(frequency, int):
        _check_count(frequency, "wished_frequency", maximum=MAX_SHIFTS_PER_MONTH)
        return frequency
    n_days = len(month.dates())
    table = {"weekly": round(n_days / 7), "fortnightly": round(n_days / 14), "monthly": 1}
    if frequency not in table:
        raise RotaInputError("wished_frequency", f"must be weekly, fortnightly, monthly or an int, got {frequency!r}")
    return table[frequency]


@dataclass(frozen=True)
class HistoryAssignment:
    """One assignment from last month's published rota."""

    date: dt.date
    volunteer_id: str
    kind: str
    resource: str
    part_of_day: str
    role: str
    branch: str = "main"

    def __post_init__(self) -> None:
        _require(self.kind in SLOT_KINDS, RotaInputError, "history[].kind", f"unknown kind {self.kind!r}")
        _require(
            self.part_of_day in PARTS_OF_DAY,
            RotaInputError,
            "history[].part_of_day",
            f"unknown part of day {self.part_of_day!r}",
        )
        _require(self.role in ASSIGNMENT_ROLES, RotaInputError, "history[].role", f"unknown role {self.role!r}")

    @property
    def round_key(self) -> tuple[str, str, str, int, str]:
        return (self.branch, self.kind, self.resource, self.date.weekday(), self.part_of_day)


@dataclass(frozen=True)
class History:
    """Last month's rota: drives fairness carry-over and round continuity."""

    assignments: tuple[HistoryAssignment, ...] = ()


@dataclass(frozen=True)
class RotaProblem:
    """A month to staff: the slots, the volunteers and last month's rota."""

    month: Month
    slots: tuple[Slot, ...]
    volunteers: tuple[Volunteer, ...]
    history: History = History()

    def __post_init__(self) -> None:
        _require(
            len(self.slots) <= MAX_SLOTS,
            NegativeCountError,
            "slots",
            f"{len(self.slots)} slots; at most {MAX_SLOTS} are accepted",
        )
        _require(
            len(self.volunteers) <= MAX_VOLUNTEERS,
            NegativeCountError,
            "volunteers",
            f"{len(self.volunteers)} volunteers; at most {MAX_VOLUNTEERS} are accepted",
        )
        slot_ids: set[str] = set()
        for s in self.slots:
            _require(s.id not in slot_ids, DuplicateIdError, f"slots[{s.id}].id", "duplicate slot id")
            slot_ids.add(s.id)
            _require(
                s.date in self.month,
                DateOutsideMonthError,
                f"slots[{s.id}].date",
                f"{s.date.isoformat()} is outside {self.month.year}-{self.month.month:02d}",
            )
        vol_ids: set[str] = set()
        for v in self.volunteers:
            _require(v.id not in vol_ids, DuplicateIdError, f"volunteers[{v.id}].id", "duplicate volunteer id")
            vol_ids.add(v.id)
        for v in self.volunteers:
            for other in v.preferred_partners:
                _require(
                    other in vol_ids,
                    UnknownVolunteerError,
                    f"volunteers[{v.id}].preferred_partners",
                    f"unknown volunteer {other!r}",
                )
            for other in v.never_partners:
                _require(
                    other in vol_ids,
                    UnknownVolunteerError,
                    f"volunteers[{v.id}].never_partners",
                    f"unknown volunteer {other!r}",
                )
        for i, h in enumerate(self.history.assignments):
            _require(
                h.volunteer_id in vol_ids,
                UnknownVolunteerError,
                f"history[{i}].volunteer_id",
                f"unknown volunteer {h.volunteer_id!r}",
            )
            _require(
                h.date < self.month.first_day,
                DateOutsideMonthError,
                f"history[{i}].date",
                f"{h.date.isoformat()} is not before the rota month",
            )

    def volunteer(self, volunteer_id: str) -> Volunteer:
        for v in self.volunteers:
            if v.id == volunteer_id:
                return v
        raise UnknownVolunteerError("volunteer_id", f"unknown volunteer {volunteer_id!r}")

    @property
    def branches(self) -> tuple[str, ...]:
        return tuple(sorted({s.branch for s in self.slots} | {v.branch for v in self.volunteers}))

    def for_branch(self, branch: str) -> "RotaProblem":
        """The independent sub-problem of one branch."""
        vols = tuple(v for v in self.volunteers if v.branch == branch)
        ids = {v.id for v in vols}
        return RotaProblem(
            month=self.month,
            slots=tuple(s for s in self.slots if s.branch == branch),
            volunteers=tuple(
                Volunteer(
                    **{
                        **v.__dict__,
                        "preferred_partners": v.preferred_partners & ids,
                        "never_partners": v.never_partners & ids,
                    }
                )
                for v in vols
            ),
            history=History(tuple(h for h in self.history.assignments if h.volunteer_id in ids)),
        )


@dataclass(frozen=True)
class Weights:
    """Integral weights of the soft rules (penalty per unit)."""

    fill_seat: int = 1000  # per seat left empty
    over_wish: int = 20  # k-th shift above the wished frequency costs k * over_wish
    under_wish: int = 10  # per shift below the wished frequency
    fair_load: int = 4  # convex extra per shift of two-month shortfall beyond one
    stable_rounds: int = 3  # per person on a round who wasn't on it the week before
    preferred_partner: int = 2  # per shift without any preferred partner in the team
    preferred_day: int = 2  # per shift on a non-preferred weekday
    consecutive_days: int = 20  # per day beyond the most consecutive days liked
    shadow_shift: int = 30  # per shadow shift a trainee still lacks (a shadow given earns this back)
    change: int = 300  # repair only: per changed assignment

    def __post_init__(self) -> None:
        for k, val in self.__dict__.items():
            _check_count(val, f"params.weights.{k}", maximum=MAX_WEIGHT)

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Params:
    """Solver parameters.

    ``time_limit_s``: wall-clock budget for the whole solve (all branches).
    ``workers``: CPU threads; that many branch models are solved at the
    same time, each by one CP-SAT worker (a one-branch month uses one).
    ``seed``: CP-SAT random seed and greedy tie-breaks (reproducible runs).
    ``relative_gap_limit``: stop early once within this gap (0 = prove optimal).
    ``use_greedy_hint``: start CP-SAT from the greedy rota (off: measured slower).
    ``decompose_by_branch``: one model per branch (branches share nobody).
    """

    weights: Weights = field(default_factory=Weights)
    time_limit_s: float = 10.0
    seed: int = 0
    workers: int = 2
    relative_gap_limit: float = 0.0
    use_greedy_hint: bool = False  # hint CP-SAT with the greedy rota (measured: slower proofs)
    decompose_by_branch: bool = True
    log_search_progress: bool = False

    def __post_init__(self) -> None:
        _require(
            0 < self.time_limit_s <= MAX_TIME_LIMIT_S,
            NegativeCountError,
            "params.time_limit_s",
            f"must be > 0 and <= {MAX_TIME_LIMIT_S:.0f}, got {self.time_limit_s!r}",
        )
        _check_count(self.workers, "params.workers", minimum=1, maximum=MAX_WORKERS)
        _check_count(self.seed, "params.seed", maximum=2**31 - 1)
        _require(
            0 <= self.relative_gap_limit <= 1,
            NegativeCountError,
            "params.relative_gap_limit",
            f"must be between 0 and 1, got {self.relative_gap_limit!r}",
        )


@dataclass(frozen=True)
class Assignment:
    """Volunteer ``volunteer_id`` fills one seat of role ``role`` in slot ``slot_id``
    (role :data:`SHADOW_ROLE`: shadows the people in the seats; not a seat filled)."""

    slot_id: str
    role: str
    volunteer_id: str

    @property
    def is_shadow(self) -> bool:
        return self.role == SHADOW_ROLE
