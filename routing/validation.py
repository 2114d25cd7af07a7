"""Input checks: each rule raises :class:`ProblemError` naming the offending field."""

from __future__ import annotations

import math
from typing import Iterable, TypeGuard

import numpy as np

from routing.domain import Location, Params, Problem
from routing.errors import ProblemError

OBJECTIVES = ("duration", "distance")


def _finite(value: object) -> TypeGuard[float]:
    """A finite int or float (not a bool); for the type checker, a number from here on."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _require_int(field: str, value: object, minimum: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ProblemError(field, f"must be a whole number, got {value!r}")
    if minimum is not None and value < minimum:
        raise ProblemError(field, f"must be at least {minimum}, got {value}")


def _require_number(field: str, value: object, minimum: float | None = None) -> None:
    if not _finite(value):
        raise ProblemError(field, f"must be a finite number, got {value!r}")
    if minimum is not None and value < minimum:
        raise ProblemError(field, f"must be at least {minimum}, got {value}")


def check_unique_ids(field: str, ids: Iterable[str]) -> None:
    """Ids within one list must be distinct."""
    seen: set[str] = set()
    for i in ids:
        if not isinstance(i, str) or not i:
            raise ProblemError(field, f"ids must be non-empty strings, got {i!r}")
        if i in seen:
            raise ProblemError(field, f"duplicate id {i!r}")
        seen.add(i)


def check_location(field: str, loc: Location, known: dict[str, Location]) -> None:
    """Coordinates are finite WGS84 and one id means one place."""
    if not isinstance(loc, Location):
        raise ProblemError(field, f"must be a Location, got {type(loc).__name__}")
    _require_number(f"{field}.lat", loc.lat)
    _require_number(f"{field}.lon", loc.lon)
    if not -90 <= loc.lat <= 90:
        raise ProblemError(f"{field}.lat", f"must be within -90..90, got {loc.lat}")
    if not -180 <= loc.lon <= 180:
        raise ProblemError(f"{field}.lon", f"must be within -180..180, got {loc.lon}")
    other = known.setdefault(loc.id, loc)
    if (other.lat, other.lon) != (loc.lat, loc.lon):
        raise ProblemError(f"{field}.id", f"location {loc.id!r} is given two different coordinates")


def check_vans(problem: Problem, known: dict[str, Location]) -> None:
    """At least one van; capacities, shifts and round limits make sense."""
    if not problem.vans:
        raise ProblemError("vans", "at least one van is required")
    check_unique_ids("vans", (v.id for v in problem.vans))
    for k, van in enumerate(problem.vans):
        f = f"vans[{van.id}]"
        _require_int(f"{f}.capacity_crates", van.capacity_crates, 0)
        check_location(f"{f}.start", van.start, known)
        check_location(f"{f}.end", van.end_location, known)
        _require_number(f"{f}.shift_start_min", van.shift_start_min, 0)
        _require_number(f"{f}.shift_end_min", van.shift_end_min, 0)
        if van.shift_end_min < van.shift_start_min:
            raise ProblemError(
                f"{f}.shift_end_min", f"shift ends ({van.shift_end_min}) before it starts ({van.shift_start_min})"
            )
        if van.max_round_min is not None:
            _require_number(f"{f}.max_round_min", van.max_round_min, 0)


def check_shops(problem: Problem, known: dict[str, Location]) -> None:
    """Shop ids unique, ready times and loading times sensible."""
    check_unique_ids("shops", (s.id for s in problem.shops))
    for shop in problem.shops:
        f = f"shops[{shop.id}]"
        check_location(f"{f}.location", shop.location, known)
        _require_number(f"{f}.ready_min", shop.ready_min, 0)
        _require_number(f"{f}.loading_per_visit_min", shop.loading_per_visit_min, 0)
        _require_number(f"{f}.loading_per_order_min", shop.loading_per_order_min, 0)


def check_orders(problem: Problem, known: dict[str, Location]) -> None:
    """Every order names a known shop, a non-negative size and ordered windows."""
    check_unique_ids("orders", (o.id for o in problem.orders))
    shop_ids = {s.id for s in problem.shops}
    for order in problem.orders:
        f = f"orders[{order.id}]"
        check_location(f"{f}.location", order.location, known)
        _require_int(f"{f}.size_crates", order.size_crates, 0)
        _require_number(f"{f}.service_min", order.service_min, 0)
        if order.shop_id is not None and order.shop_id not in shop_ids:
            raise ProblemError(f"{f}.shop_id", f"unknown shop {order.shop_id!r}")
        for w, window in enumerate(order.windows):
            _require_number(f"{f}.windows[{w}].start_min", window.start_min, 0)
            _require_number(f"{f}.windows[{w}].end_min", window.end_min, 0)
            if window.end_min < window.start_min:
                raise ProblemError(
                    f"{f}.windows[{w}]", f"window ends ({window.end_min}) before it starts ({window.start_min})"
                )


def check_matrix(problem: Problem, known: dict[str, Location]) -> None:
    """An explicit matrix is square, finite, non-negative and covers every location."""
    m = problem.matrix
    if m is None:
        return
    check_unique_ids("matrix.location_ids", m.location_ids)
    n = len(m.location_ids)
    for name in ("duration_min", "distance_m"):
        arr = np.asarray(getattr(m, name), dtype=float)
        if arr.shape != (n, n):
            raise ProblemError(
                f"matrix.{name}", f"must be {n}x{n} (one row and column per location id), got shape {arr.shape}"
            )
        if not np.all(np.isfinite(arr)):
            raise ProblemError(f"matrix.{name}", "contains NaN or infinite values")
        if np.any(arr < 0):
            raise ProblemError(f"matrix.{name}", "contains negative values")
    missing = sorted(set(known) - set(m.location_ids))
    if missing:
        raise ProblemError("matrix.location_ids", f"missing locations {missing[:5]}")


def validate_problem(problem: Problem) -> None:
    """Raise :class:`ProblemError` on the first malformed field."""
    if problem.objective not in OBJECTIVES:
        raise ProblemError("objective", f"must be one of {OBJECTIVES}, got {problem.objective!r}")
    known: dict[str, Location] = {}
    check_vans(problem, known)
    check_shops(problem, known)
    check_orders(problem, known)
    check_matrix(problem, known)


def validate_params(params: Params) -> None:
    """Time limit positive, workers at least one, seed a whole number."""
    _require_number("params.time_limit_s", params.time_limit_s)
    if params.time_limit_s <= 0:
        raise ProblemError("params.time_limit_s", f"must be positive, got {params.time_limit_s}")
    _require_int("params.workers", params.workers, 1)
    _require_int("params.seed", params.seed)
    from routing.domain import ENGINES

    unknown = [e for e in params.engines if e not in ENGINES]
    if unknown or "ortools" not in params.engines:
        raise ProblemError(
            "params.engines",
            f"must include 'ortools' and only {', '.join(ENGINES)}; got {', '.join(params.engines) or 'none'}",
        )
