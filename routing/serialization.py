"""JSON in and out (schema: ``docs/routing-schema.md``)."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from routing.domain import Location, Order, Problem, Result, Shop, TimeWindow, Van
from routing.errors import ProblemError
from routing.travel import GreatCircleTravel, TravelMatrix


def parse_clock(field: str, value: Any) -> int:
    """``"HH:MM"`` or a whole number of minutes after midnight (``510.0`` counts as 510)."""
    if isinstance(value, bool):
        raise ProblemError(field, f"expected HH:MM or minutes, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ProblemError(field, f"expected whole minutes (or HH:MM), got {value!r}")
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value)
        if m and int(m.group(2)) < 60:
            return int(m.group(1)) * 60 + int(m.group(2))
    raise ProblemError(field, f"expected HH:MM or minutes, got {value!r}")


def format_clock(minutes: float) -> str:
    """Minutes after midnight as HH:MM."""
    m = int(round(minutes))
    return f"{m // 60:02d}:{m % 60:02d}"


def _get(obj: dict[str, Any], key: str, field: str, default: Any = ...) -> Any:
    if not isinstance(obj, dict):
        raise ProblemError(field, f"expected an object, got {type(obj).__name__}")
    if key in obj and obj[key] is not None:
        return obj[key]
    if default is ...:
        raise ProblemError(f"{field}.{key}", "is required")
    return default


def _location(obj: Any, field: str) -> Location:
    return Location(str(_get(obj, "id", field)), _get(obj, "lat", field), _get(obj, "lon", field))


def _list(obj: dict[str, Any], key: str, field: str) -> list[Any]:
    value = _get(obj, key, field, [])
    if not isinstance(value, list):
        raise ProblemError(f"{field}{key}", "must be a list")
    return value


def problem_from_dict(data: dict[str, Any]) -> Problem:
    """Build a :class:`Problem` from parsed JSON, naming the field on any error."""
    vans = []
    for k, v in enumerate(_list(data, "vans", "")):
        f = f"vans[{k}]"
        end = _get(v, "end", f, None)
        vans.append(
            Van(
                id=str(_get(v, "id", f)),
                capacity_crates=_get(v, "capacity_crates", f),
                start=_location(_get(v, "start", f), f"{f}.start"),
                end=None if end is None else _location(end, f"{f}.end"),
                shift_start_min=parse_clock(f"{f}.shift_start", _get(v, "shift_start", f, 0)),
                shift_end_min=parse_clock(f"{f}.shift_end", _get(v, "shift_end", f, 24 * 60)),
                max_round_min=_get(v, "max_round_min", f, None),
            )
        )
    shops = []
    for k, s in enumerate(_list(data, "shops", "")):
        f = f"shops[{k}]"
        shops.append(
            Shop(
                id=str(_get(s, "id", f)),
                location=_location(_get(s, "location", f), f"{f}.location"),
                ready_min=parse_clock(f"{f}.ready", _get(s, "ready", f, 0)),
                loading_per_visit_min=_get(s, "loading_per_visit_min", f, 0.0),
                loading_per_order_min=_get(s, "loading_per_order_min", f, 0.0),
            )
        )
    orders = []
    for k, o in enumerate(_list(data, "orders", "")):
        f = f"orders[{k}]"
        windows = tuple(
            TimeWindow(
                parse_clock(f"{f}.windows[{w}].start", _get(win, "start", f"{f}.windows[{w}]")),
                parse_clock(f"{f}.windows[{w}].end", _get(win, "end", f"{f}.windows[{w}]")),
            )
            for w, win in enumerate(_get(o, "windows", f, []))
        )
        shop_id = _get(o, "shop_id", f, None)
        orders.append(
            Order(
                id=str(_get(o, "id", f)),
                location=_location(_get(o, "location", f), f"{f}.location"),
                size_crates=_get(o, "size_crates", f, 0),
                shop_id=None if shop_id is None else str(shop_id),
                windows=windows,
                service_min=_get(o, "service_min", f, 5.0),
            )
        )
    travel = _get(data, "travel", "", {})
    model = GreatCircleTravel(
        detour_factor=_get(travel, "detour_factor", "travel", 1.3), speed_kmh=_get(travel, "speed_kmh", "travel", 40.0)
    )
    matrix = None
    if data.get("matrix") is not None:
        m = data["matrix"]
        try:
            duration = np.array(_get(m, "duration_min", "matrix"), dtype=float)
            distance = np.array(_get(m, "distance_m", "matrix"), dtype=float)
        except (TypeError, ValueError) as exc:
            raise ProblemError("matrix", f"rows must be lists of numbers of equal length ({exc})") from exc
        matrix = TravelMatrix(tuple(str(x) for x in _get(m, "location_ids", "matrix")), duration, distance)
    return Problem(
        vans=tuple(vans),
        orders=tuple(orders),
        shops=tuple(shops),
        travel=model,
        matrix=matrix,
        objective=str(_get(data, "objective", "", "duration")),
    )


def _num(x: float, digits: int = 2) -> float:
    return round(float(x), digits) if math.isfinite(x) else x


def result_to_dict(result: Result) -> dict[str, Any]:
    """Plain JSON-ready dict of a :class:`Result`."""
    return {
        "status": result.status.value,
        "vans_used": result.vans_used,
        "total_distance_m": _num(result.total_distance_m, 1),
        "total_drive_min": _num(result.total_drive_min),
        "runtime_s": _num(result.runtime_s, 3),
        "routes": [
            {
                "van_id": r.van_id,
                "distance_m": _num(r.distance_m, 1),
                "drive_min": _num(r.drive_min),
                "duration_min": _num(r.duration_min),
                "stops": [
                    {
                        "kind": s.kind,
                        "location_id": s.location_id,
                        "order_id": s.order_id,
                        "arrival": format_clock(s.arrival_min),
                        "arrival_min": _num(s.arrival_min),
                        "wait_min": _num(s.wait_min),
                        "departure": format_clock(s.departure_min),
                        "departure_min": _num(s.departure_min),
                        "load_after_crates": s.load_after_crates,
                    }
                    for s in r.stops
                ],
            }
            for r in result.routes
        ],
        "unserved": [{"order_id": u.order_id, "reason": u.reason, "proven": u.proven} for u in result.unserved],
    }


def _location_dict(loc: Location) -> dict[str, Any]:
    return {"id": loc.id, "lat": loc.lat, "lon": loc.lon}


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    """Plain JSON-ready dict of a :class:`Problem` (inverse of :func:`problem_from_dict`)."""
    out: dict[str, Any] = {
        "objective": problem.objective,
        "vans": [
            {
                "id": v.id,
                "capacity_crates": v.capacity_crates,
                "start": _location_dict(v.start),
                "end": None if v.end is None else _location_dict(v.end),
                "shift_start": format_clock(v.shift_start_min),
                "shift_end": format_clock(v.shift_end_min),
                "max_round_min": v.max_round_min,
            }
            for v in problem.vans
        ],
        "shops": [
            {
                "id": s.id,
                "location": _location_dict(s.location),
                "ready": format_clock(s.ready_min),
                "loading_per_visit_min": s.loading_per_visit_min,
                "loading_per_order_min": s.loading_per_order_min,
            }
            for s in problem.shops
        ],
        "orders": [
            {
                "id": o.id,
                "shop_id": o.shop_id,
                "location": _location_dict(o.location),
                "size_crates": o.size_crates,
                "service_min": o.service_min,
                "windows": [{"start": format_clock(w.start_min), "end": format_clock(w.end_min)} for w in o.windows],
            }
            for o in problem.orders
        ],
    }
    if isinstance(problem.travel, GreatCircleTravel):
        out["travel"] = {"detour_factor": problem.travel.detour_factor, "speed_kmh": problem.travel.speed_kmh}
    if problem.matrix is not None:
        out["matrix"] = {
            "location_ids": list(problem.matrix.location_ids),
            "duration_min": np.asarray(problem.matrix.duration_min).tolist(),
            "distance_m": np.asarray(problem.matrix.distance_m).tolist(),
        }
    return out
