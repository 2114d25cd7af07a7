"""What a branch's delivery day is (problem) and what a plan looks like (result).

Times are minutes after midnight of the planning day; durations carry their
unit in the name. All classes are frozen: build them, hand them to
:func:`routing.solve`, read the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from routing.travel import GreatCircleTravel, TravelMatrix, TravelModel

DAY_END_MIN = 24 * 60


@dataclass(frozen=True)
class Location:
    """A named point; the same ``id`` must always have the same coordinates."""

    id: str
    lat: float
    lon: float


@dataclass(frozen=True)
class TimeWindow:
    """Service at the door must start between ``start_min`` and ``end_min``."""

    start_min: int
    end_min: int


@dataclass(frozen=True)
class Van:
    """A van and its two-person team for the day."""

    id: str
    capacity_crates: int
    start: Location
    end: Location | None = None
    shift_start_min: int = 0
    shift_end_min: int = DAY_END_MIN
    max_round_min: int | None = None

    @property
    def end_location(self) -> Location:
        """Where the van finishes (its start unless told otherwise)."""
        return self.end or self.start


@dataclass(frozen=True)
class Shop:
    """A partner shop where orders are picked up."""

    id: str
    location: Location
    ready_min: int = 0
    loading_per_visit_min: float = 0.0
    loading_per_order_min: float = 0.0


@dataclass(frozen=True)
class Order:
    """Crates to bring from ``shop_id`` to the customer.

    An order without a shop is a plain visit (e.g. collecting next week's
    lists); its crates, if any, are collected at the door and stay on board.
    No windows means any time within the team's shift.
    """

    id: str
    location: Location
    size_crates: int
    shop_id: str | None = None
    windows: tuple[TimeWindow, ...] = ()
    service_min: float = 5.0


@dataclass(frozen=True)
class Problem:
    """One branch day: vans, shops, orders and how to travel between places.

    ``matrix`` (explicit travel times and distances keyed by location id)
    takes precedence over ``travel`` (a model built from coordinates).
    ``objective`` is ``"duration"`` (driving time) or ``"distance"``.
    """

    vans: tuple[Van, ...]
    orders: tuple[Order, ...]
    shops: tuple[Shop, ...] = ()
    travel: TravelModel = field(default_factory=GreatCircleTravel)
    matrix: TravelMatrix | None = None
    objective: str = "duration"


#: Search engines a solve may use; OR-Tools always runs and re-checks every plan.
ENGINES = ("ortools", "pyvrp", "vroom")


@dataclass(frozen=True)
class Params:
    """How hard to search: wall-clock limit, seed, number of parallel workers and engines.

    With ``"pyvrp"`` among ``engines`` (when PyVRP can model the day exactly):
    with two or more workers the last worker is PyVRP on its own for the whole
    time limit; the OR-Tools workers take their first plan from a short PyVRP
    run on large days, reduce the vans with the ejection search, and hand the
    plan back to PyVRP for driving. Above 1,000 nodes every worker runs PyVRP.
    With ``"vroom"`` too, on branch days (orders collected at shops, vans counting) VROOM builds the
    workers' starts and begins every polish (:mod:`routing.vroom_engine`).
    The best plan of all workers wins, each re-checked before it counts.
    """

    time_limit_s: float = 10.0
    seed: int = 0
    workers: int = 1
    engines: tuple[str, ...] = ENGINES


class Status(str, Enum):
    """Outcome of a solve.

    ``optimal``: provably best (only for trivial days); ``feasible``: every
    order served; ``infeasible``: some orders are not served (each is listed
    with its reason, and ``Unserved.proven`` says whether the data rules it
    out or the search ran out of time); ``no_solution_in_time``: the search
    found no plan. A ``str`` Enum like ``rota.Status``: it equals its value, and ``str()`` and f-strings give
    the value ("optimal", not "Status.OPTIMAL").
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    NO_SOLUTION_IN_TIME = "no_solution_in_time"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Stop:
    """One stop of a route; ``kind`` is start, pickup, delivery, visit or end."""

    kind: str
    location_id: str
    order_id: str | None
    arrival_min: float
    wait_min: float
    departure_min: float
    load_after_crates: int


@dataclass(frozen=True)
class Route:
    """A van's day, from its start to its end stop."""

    van_id: str
    stops: tuple[Stop, ...]
    distance_m: float
    drive_min: float
    duration_min: float

    @property
    def order_ids(self) -> tuple[str, ...]:
        """Orders delivered or visited on this route, in order."""
        return tuple(s.order_id for s in self.stops if s.kind in ("delivery", "visit") and s.order_id)


@dataclass(frozen=True)
class Unserved:
    """An order left out of the plan and why, in words a coordinator can act on.

    ``proven`` is true when the data alone rules the order out (it cannot be
    served even by an otherwise empty van); false when the search did not fit
    it alongside the other orders within the time limit, which more time, a
    wider window or another van may fix.
    """

    order_id: str
    reason: str
    proven: bool = True


@dataclass(frozen=True)
class Progress:
    """The best plan so far while a solve runs (what ``on_progress`` hears).

    ``unserved`` counts orders not (yet) in the plan, those ruled out by the
    data included; ``elapsed_s`` is wall-clock time since the solve began.
    ``work_min`` is driving plus loading at the shops, in whole seconds per
    leg: what the search minimises after unserved orders and vans when the
    objective is ``"duration"``, so it falls with each report of as many vans
    and orders (``drive_min`` alone may rise when fewer shop stops pay for it).
    """

    drive_min: float
    distance_m: float
    vans_used: int
    unserved: int
    elapsed_s: float
    work_min: float


@dataclass(frozen=True)
class Result:
    """The plan: routes of vans in use, unserved orders with reasons, totals."""

    status: Status
    routes: tuple[Route, ...]
    unserved: tuple[Unserved, ...]
    vans_used: int
    total_distance_m: float
    total_drive_min: float
    runtime_s: float
