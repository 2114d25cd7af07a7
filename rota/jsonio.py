"""JSON in and out (schema: docs/rota-schema.md, example: rota/examples/)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from .domain import (
    Assignment,
    History,
    HistoryAssignment,
    Month,
    Params,
    RotaInputError,
    RotaProblem,
    Slot,
    Volunteer,
    Weights,
    wished_shifts_from_frequency,
)
from .solver import RotaResult


def _date(value: Any, field_name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise RotaInputError(field_name, f"must be an ISO date YYYY-MM-DD, got {value!r}") from None


def _get(obj: dict, key: str, field_name: str) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise RotaInputError(f"{field_name}.{key}", "is required")
    return obj[key]


def problem_from_json(data: dict) -> RotaProblem:
    """Build a validated :class:`RotaProblem` from parsed JSON."""
    if not isinstance(data, dict):
        raise RotaInputError("problem", "must be a JSON object")
    mo = _get(data, "month", "problem")
    if isinstance(mo, str):
        try:
            y, m = (int(x) for x in mo.split("-"))
        except ValueError:
            raise RotaInputError("month", f"must be 'YYYY-MM', got {mo!r}") from None
        month = Month(y, m)
    else:
        month = Month(int(_get(mo, "year", "month")), int(_get(mo, "month", "month")))
    slots = []
    for i, s in enumerate(_get(data, "slots", "problem")):
        f = f"slots[{i}]"
        slots.append(Slot(
            id=str(_get(s, "id", f)), date=_date(_get(s, "date", f), f"{f}.date"),
            part_of_day=_get(s, "part_of_day", f), kind=_get(s, "kind", f), resource=str(_get(s, "resource", f)),
            seats=s.get("seats", 2), branch=s.get("branch", "main"),
        ))
    vols = []
    for i, v in enumerate(_get(data, "volunteers", "problem")):
        f = f"volunteers[{i}]"
        avail = []
        for j, a in enumerate(v.get("availability", [])):
            if not (isinstance(a, (list, tuple)) and len(a) == 2):
                raise RotaInputError(f"{f}.availability[{j}]", f"must be [weekday, half], got {a!r}")
            avail.append((a[0], a[1]))
        wish = v.get("wished_shifts_per_month", v.get("wished_frequency", 0))
        vols.append(Volunteer(
            id=str(_get(v, "id", f)), roles=frozenset(v.get("roles", [])), availability=frozenset(avail),
            wished_shifts_per_month=wished_shifts_from_frequency(wish, month),
            max_shifts_per_week=v.get("max_shifts_per_week", 7), driver_approved=bool(v.get("driver_approved", False)),
            pvg_status=v.get("pvg_status", "not_needed"),
            pvg_date=_date(v["pvg_date"], f"{f}.pvg_date") if v.get("pvg_date") else None,
            trainee=bool(v.get("trainee", False)), shadow_shifts_needed=v.get("shadow_shifts_needed", 0),
            dates_away=frozenset(_date(d, f"{f}.dates_away") for d in v.get("dates_away", [])),
            preferred_partners=frozenset(v.get("preferred_partners", [])),
            never_partners=frozenset(v.get("never_partners", [])),
            preferred_weekdays=frozenset(v.get("preferred_weekdays", [])),
            max_consecutive_days=v.get("max_consecutive_days", 7), branch=v.get("branch", "main"),
            name=v.get("name", ""),
        ))
    hist = []
    for i, h in enumerate(data.get("history", [])):
        f = f"history[{i}]"
        hist.append(HistoryAssignment(
            date=_date(_get(h, "date", f), f"{f}.date"), volunteer_id=str(_get(h, "volunteer_id", f)),
            kind=_get(h, "kind", f), resource=str(_get(h, "resource", f)), part_of_day=_get(h, "part_of_day", f),
            role=_get(h, "role", f), branch=h.get("branch", "main"),
        ))
    return RotaProblem(month=month, slots=tuple(slots), volunteers=tuple(vols), history=History(tuple(hist)))


def problem_to_json(p: RotaProblem) -> dict:
    """Inverse of :func:`problem_from_json` (used to write example files)."""
    return {
        "month": f"{p.month.year}-{p.month.month:02d}",
        "slots": [{"id": s.id, "date": s.date.isoformat(), "part_of_day": s.part_of_day, "kind": s.kind,
                   "resource": s.resource, "seats": s.seats, "branch": s.branch} for s in p.slots],
        "volunteers": [{
            "id": v.id, "name": v.name, "branch": v.branch, "roles": sorted(v.roles),
            "availability": sorted([list(a) for a in v.availability]),
            "wished_shifts_per_month": v.wished_shifts_per_month, "max_shifts_per_week": v.max_shifts_per_week,
            "driver_approved": v.driver_approved, "pvg_status": v.pvg_status,
            "pvg_date": v.pvg_date.isoformat() if v.pvg_date else None, "trainee": v.trainee,
            "shadow_shifts_needed": v.shadow_shifts_needed,
            "dates_away": sorted(d.isoformat() for d in v.dates_away),
            "preferred_partners": sorted(v.preferred_partners), "never_partners": sorted(v.never_partners),
            "preferred_weekdays": sorted(v.preferred_weekdays), "max_consecutive_days": v.max_consecutive_days,
        } for v in p.volunteers],
        "history": [{"date": h.date.isoformat(), "volunteer_id": h.volunteer_id, "kind": h.kind,
                     "resource": h.resource, "part_of_day": h.part_of_day, "role": h.role, "branch": h.branch}
                    for h in p.history.assignments],
    }


def params_from_json(data: dict | None, **overrides: Any) -> Params:
    data = dict(data or {})
    weights = Weights(**data.pop("weights", {}))
    data.update({k: v for k, v in overrides.items() if v is not None})
    return Params(weights=weights, **data)


def result_to_json(r: RotaResult) -> dict:
    """Plain JSON-ready dict of a result."""
    return {
        "status": r.status,
        "source": r.source,
        "objective": r.objective,
        "best_bound": r.best_bound,
        "gap": r.gap,
        "objective_by_rule": r.objective_by_rule,
        "wall_time_s": round(r.wall_time_s, 3),
        "first_solution_s": None if r.first_solution_s is None else round(r.first_solution_s, 3),
        "seats_filled": r.seats_filled,
        "assignments": [asdict(a) for a in r.assignments],
        "teams": [{"slot_id": t.slot_id, "label": t.label, "kind": t.kind,
                   "members": [{"role": role, "volunteer_id": vid} for role, vid in t.members]} for t in r.teams],
        "loads": [asdict(x) for x in r.loads],
        "unfilled": [asdict(u) for u in r.unfilled],
        "branches": [asdict(b) for b in r.branches],
    }


def assignments_from_json(items: list) -> list[Assignment]:
    out = []
    for i, a in enumerate(items):
        f = f"assignments[{i}]"
        out.append(Assignment(slot_id=str(_get(a, "slot_id", f)), role=_get(a, "role", f),
                              volunteer_id=str(_get(a, "volunteer_id", f))))
    return out
