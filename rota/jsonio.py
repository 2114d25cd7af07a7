"""JSON in and out (schema: docs/rota-schema.md, example: rota/examples/).

Every field is checked by type before it reaches the domain dataclasses (which
check ranges and limits): a bad file gives a :class:`RotaInputError` naming the
field -- and the volunteer or slot -- never a traceback. Unknown keys are
refused with the nearest known name, so a misspelled ``driver_aproved`` is not
silently ignored.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import asdict, fields
from typing import Any

from .domain import (
    ASSIGNMENT_ROLES,
    MAX_SLOTS,
    MAX_VOLUNTEERS,
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

PROBLEM_KEYS = ("month", "slots", "volunteers", "history", "params")
MONTH_KEYS = ("year", "month")
SLOT_KEYS = ("id", "date", "part_of_day", "kind", "resource", "seats", "branch", "shadow_seat")
VOLUNTEER_KEYS = (
    "id",
    "name",
    "branch",
    "roles",
    "driver_approved",
    "pvg_status",
    "pvg_date",
    "trainee",
    "shadow_shifts_needed",
    "availability",
    "dates_away",
    "wished_shifts_per_month",
    "wished_frequency",
    "max_shifts_per_week",
    "preferred_partners",
    "never_partners",
    "preferred_weekdays",
    "max_consecutive_days",
    "happy_to_do_extra",
)
HISTORY_KEYS = ("date", "volunteer_id", "kind", "resource", "part_of_day", "role", "branch")
ASSIGNMENT_KEYS = ("slot_id", "role", "volunteer_id")
PARAMS_KEYS = tuple(f.name for f in fields(Params))
# Older spellings of params keys, still read: {older name: current name}. ``num_workers`` became ``workers``
# (the name routing.Params uses).
OLDER_PARAMS_KEYS = {"num_workers": "workers"}
WEIGHTS_KEYS = tuple(f.name for f in fields(Weights))
MAX_LIST_ITEMS = 10_000  # availability, dates away, partners ... per volunteer; history; assignments


def _kind(value: Any) -> str:
    return {
        type(None): "null",
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


def _object(value: Any, where: str, known: tuple[str, ...] | None) -> dict:
    """``value`` must be a JSON object whose keys are all in ``known`` (None: checked later)."""
    if not isinstance(value, dict):
        raise RotaInputError(where, f"must be an object, got {_kind(value)}")
    return value if known is None else _only_known_keys(value, where, known)


def _only_known_keys(value: dict, where: str, known: tuple[str, ...]) -> dict:
    """Refuse a key not in ``known``, suggesting the nearest known name."""
    for key in value:
        if key not in known:
            near = difflib.get_close_matches(str(key), known, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else f"; known keys: {', '.join(known)}"
            raise RotaInputError(f"{where}.{key}", f"unknown key{hint}")
    return value


def _required(obj: dict, key: str, where: str) -> Any:
    if key not in obj:
        raise RotaInputError(f"{where}.{key}", "is required")
    return obj[key]


def _string(value: Any, where: str, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise RotaInputError(where, f"must be a string, got {_kind(value)}")
    if not allow_empty and not value.strip():
        raise RotaInputError(where, "must not be empty")
    return value


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RotaInputError(where, f"must be a whole number, got {_kind(value)} {value!r}")
    return value


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise RotaInputError(where, f"must be a number, got {_kind(value)} {value!r}")
    return value


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise RotaInputError(where, f"must be true or false, got {_kind(value)} {value!r}")
    return value


def _list(value: Any, where: str, limit: int = MAX_LIST_ITEMS) -> list:
    if not isinstance(value, list):
        raise RotaInputError(where, f"must be a list, got {_kind(value)}")
    if len(value) > limit:
        raise RotaInputError(where, f"has {len(value)} entries; at most {limit} are accepted")
    return value


def _date(value: Any, where: str) -> dt.date:
    if not isinstance(value, str):
        raise RotaInputError(where, f"must be an ISO date YYYY-MM-DD, got {_kind(value)} {value!r}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise RotaInputError(where, f"must be an ISO date YYYY-MM-DD, got {value!r}") from None


def _strings(value: Any, where: str) -> list[str]:
    return [_string(x, f"{where}[{i}]") for i, x in enumerate(_list(value, where))]


def _month(value: Any) -> Month:
    if isinstance(value, str):
        parts = value.split("-")
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            raise RotaInputError("month", f"must be 'YYYY-MM', got {value!r}")
        return Month(int(parts[0]), int(parts[1]))
    if isinstance(value, dict):
        obj = _object(value, "month", MONTH_KEYS)
        return Month(
            _int(_required(obj, "year", "month"), "month.year"), _int(_required(obj, "month", "month"), "month.month")
        )
    raise RotaInputError("month", f'must be \'YYYY-MM\' or {{"year", "month"}}, got {_kind(value)}')


def _slot(value: Any, i: int) -> Slot:
    where = f"slots[{i}]"
    s = _object(value, where, None)
    sid = _string(_required(s, "id", where), f"{where}.id")
    where = f"slots[{i}] ({sid})"
    _only_known_keys(s, where, SLOT_KEYS)
    return Slot(
        id=sid,
        date=_date(_required(s, "date", where), f"{where}.date"),
        part_of_day=_string(_required(s, "part_of_day", where), f"{where}.part_of_day"),
        kind=_string(_required(s, "kind", where), f"{where}.kind"),
        resource=_string(_required(s, "resource", where), f"{where}.resource"),
        seats=_int(s.get("seats", 2), f"{where}.seats"),
        branch=_string(s.get("branch", "main"), f"{where}.branch"),
        shadow_seat=_bool(s.get("shadow_seat", True), f"{where}.shadow_seat"),
    )


def _availability(value: Any, where: str) -> frozenset[tuple[int, str]]:
    out = set()
    for j, a in enumerate(_list(value, where)):
        w = f"{where}[{j}]"
        if not (isinstance(a, list) and len(a) == 2):
            raise RotaInputError(w, f'must be [weekday 0-6, "morning"|"afternoon"], got {a!r}')
        out.add((_int(a[0], f"{w}[0]"), _string(a[1], f"{w}[1]")))
    return frozenset(out)


def _volunteer(value: Any, i: int, month: Month) -> Volunteer:
    where = f"volunteers[{i}]"
    v = _object(value, where, None)
    vid = _string(_required(v, "id", where), f"{where}.id")
    where = f"volunteers[{i}] ({vid})"
    _only_known_keys(v, where, VOLUNTEER_KEYS)
    if "wished_shifts_per_month" in v and "wished_frequency" in v:
        raise RotaInputError(f"{where}.wished_frequency", "give wished_shifts_per_month or wished_frequency, not both")
    key = "wished_frequency" if "wished_frequency" in v else "wished_shifts_per_month"
    wish = v.get(key, 0)
    if not isinstance(wish, str):
        wish = _int(wish, f"{where}.{key}")
    try:
        wished = wished_shifts_from_frequency(wish, month)
    except RotaInputError as exc:
        raise RotaInputError(f"{where}.{key}", str(exc).split(": ", 1)[-1]) from None
    pvg_date = v.get("pvg_date")
    return Volunteer(
        id=vid,
        name=_string(v.get("name", ""), f"{where}.name", allow_empty=True),
        branch=_string(v.get("branch", "main"), f"{where}.branch"),
        roles=frozenset(_strings(v.get("roles", []), f"{where}.roles")),
        availability=_availability(v.get("availability", []), f"{where}.availability"),
        wished_shifts_per_month=wished,
        max_shifts_per_week=_int(v.get("max_shifts_per_week", 7), f"{where}.max_shifts_per_week"),
        driver_approved=_bool(v.get("driver_approved", False), f"{where}.driver_approved"),
        pvg_status=_string(v.get("pvg_status", "not_needed"), f"{where}.pvg_status"),
        pvg_date=None if pvg_date is None else _date(pvg_date, f"{where}.pvg_date"),
        trainee=_bool(v.get("trainee", False), f"{where}.trainee"),
        shadow_shifts_needed=_int(v.get("shadow_shifts_needed", 0), f"{where}.shadow_shifts_needed"),
        dates_away=frozenset(
            _date(d, f"{where}.dates_away[{j}]")
            for j, d in enumerate(_list(v.get("dates_away", []), f"{where}.dates_away"))
        ),
        preferred_partners=frozenset(_strings(v.get("preferred_partners", []), f"{where}.preferred_partners")),
        never_partners=frozenset(_strings(v.get("never_partners", []), f"{where}.never_partners")),
        preferred_weekdays=frozenset(
            _int(d, f"{where}.preferred_weekdays[{j}]")
            for j, d in enumerate(_list(v.get("preferred_weekdays", []), f"{where}.preferred_weekdays"))
        ),
        max_consecutive_days=_int(v.get("max_consecutive_days", 7), f"{where}.max_consecutive_days"),
        happy_to_do_extra=_bool(v.get("happy_to_do_extra", False), f"{where}.happy_to_do_extra"),
    )


def _history(value: Any, i: int) -> HistoryAssignment:
    where = f"history[{i}]"
    h = _object(value, where, HISTORY_KEYS)
    return HistoryAssignment(
        date=_date(_required(h, "date", where), f"{where}.date"),
        volunteer_id=_string(_required(h, "volunteer_id", where), f"{where}.volunteer_id"),
        kind=_string(_required(h, "kind", where), f"{where}.kind"),
        resource=_string(_required(h, "resource", where), f"{where}.resource"),
        part_of_day=_string(_required(h, "part_of_day", where), f"{where}.part_of_day"),
        role=_string(_required(h, "role", where), f"{where}.role"),
        branch=_string(h.get("branch", "main"), f"{where}.branch"),
    )


def problem_from_json(data: Any) -> RotaProblem:
    """Build a validated :class:`RotaProblem` from parsed JSON (a ``params`` key is allowed and ignored here)."""
    obj = _object(data, "problem", PROBLEM_KEYS)
    month = _month(_required(obj, "month", "problem"))
    slots = tuple(_slot(s, i) for i, s in enumerate(_list(_required(obj, "slots", "problem"), "slots", MAX_SLOTS)))
    vols = tuple(
        _volunteer(v, i, month)
        for i, v in enumerate(_list(_required(obj, "volunteers", "problem"), "volunteers", MAX_VOLUNTEERS))
    )
    hist = tuple(_history(h, i) for i, h in enumerate(_list(obj.get("history", []), "history")))
    return RotaProblem(month=month, slots=slots, volunteers=vols, history=History(hist))


def problem_to_json(p: RotaProblem) -> dict:
    """Inverse of :func:`problem_from_json` (used to write example files)."""
    return {
        "month": f"{p.month.year}-{p.month.month:02d}",
        "slots": [
            {
                "id": s.id,
                "date": s.date.isoformat(),
                "part_of_day": s.part_of_day,
                "kind": s.kind,
                "resource": s.resource,
                "seats": s.seats,
                "branch": s.branch,
                "shadow_seat": s.shadow_seat,
            }
            for s in p.slots
        ],
        "volunteers": [
            {
                "id": v.id,
                "name": v.name,
                "branch": v.branch,
                "roles": sorted(v.roles),
                "availability": sorted([list(a) for a in v.availability]),
                "wished_shifts_per_month": v.wished_shifts_per_month,
                "max_shifts_per_week": v.max_shifts_per_week,
                "driver_approved": v.driver_approved,
                "pvg_status": v.pvg_status,
                "pvg_date": v.pvg_date.isoformat() if v.pvg_date else None,
                "trainee": v.trainee,
                "shadow_shifts_needed": v.shadow_shifts_needed,
                "dates_away": sorted(d.isoformat() for d in v.dates_away),
                "preferred_partners": sorted(v.preferred_partners),
                "never_partners": sorted(v.never_partners),
                "preferred_weekdays": sorted(v.preferred_weekdays),
                "max_consecutive_days": v.max_consecutive_days,
                "happy_to_do_extra": v.happy_to_do_extra,
            }
            for v in p.volunteers
        ],
        "history": [
            {
                "date": h.date.isoformat(),
                "volunteer_id": h.volunteer_id,
                "kind": h.kind,
                "resource": h.resource,
                "part_of_day": h.part_of_day,
                "role": h.role,
                "branch": h.branch,
            }
            for h in p.history.assignments
        ],
    }


def _params_with_current_names(data: dict) -> dict:
    """``data`` with each older key spelling (:data:`OLDER_PARAMS_KEYS`) renamed to its current name.

    Both spellings given with different values: refused, naming the current field (which one was meant is unknown).
    """
    renamed = dict(data)
    for older, current in OLDER_PARAMS_KEYS.items():
        if older not in renamed:
            continue
        value = renamed.pop(older)
        if current in renamed and not (type(renamed[current]) is type(value) and renamed[current] == value):
            raise RotaInputError(
                f"params.{current}",
                f"given twice, as {current!r} ({renamed[current]!r}) and as "
                f"its older name {older!r} ({value!r}); give only {current!r}",
            )
        renamed.setdefault(current, value)
    return renamed


def params_from_json(data: Any, **overrides: Any) -> Params:
    """Validated :class:`Params` from the file's ``params`` object; non-None ``overrides`` (CLI flags) win.

    Older files' ``num_workers`` is read as ``workers`` (:data:`OLDER_PARAMS_KEYS`).
    """
    given = _params_with_current_names(_object({} if data is None else data, "params", None))
    data = dict(_only_known_keys(given, "params", PARAMS_KEYS))
    weights_data = _object(data.pop("weights", {}), "params.weights", WEIGHTS_KEYS)
    weights = Weights(**{k: _int(v, f"params.weights.{k}") for k, v in weights_data.items()})
    data.update({k: v for k, v in overrides.items() if v is not None})
    checked: dict[str, Any] = {}
    for key, value in data.items():
        where = f"params.{key}"
        if key in ("time_limit_s", "relative_gap_limit"):
            checked[key] = _number(value, where)
        elif key in ("seed", "workers"):
            checked[key] = _int(value, where)
        else:
            checked[key] = _bool(value, where)
    return Params(weights=weights, **checked)


def result_to_json(r: RotaResult) -> dict:
    """Plain JSON-ready dict of a result (statuses as their string values)."""
    return {
        "status": r.status.value,  # the worst branch's
        "status_by_branch": {branch: status.value for branch, status in r.status_by_branch.items()},
        "status_summary": r.status_summary,
        "source": r.source,
        "objective": r.objective,
        "best_bound": r.best_bound,
        "gap": r.gap,
        "objective_by_rule": r.objective_by_rule,
        "wall_time_s": round(r.wall_time_s, 3),
        "first_solution_s": None if r.first_solution_s is None else round(r.first_solution_s, 3),
        "seats_filled": r.seats_filled,  # a shadowing trainee fills no seat
        "shadow_shifts": r.shadow_shifts,
        "assignments": [asdict(a) for a in r.assignments],
        "teams": [
            {
                "slot_id": t.slot_id,
                "label": t.label,
                "kind": t.kind,
                "members": [{"role": role, "volunteer_id": vid} for role, vid in t.members],
            }
            for t in r.teams
        ],
        "loads": [asdict(x) for x in r.loads],
        "unfilled": [asdict(u) for u in r.unfilled],
        "branches": [{**asdict(b), "status": b.status.value} for b in r.branches],
    }


def assignments_from_json(items: Any) -> list[Assignment]:
    """Published assignments (a result's ``assignments`` list), each field checked by type; a role is one of
    the volunteers' roles or "shadow" (a trainee in the shadow seat)."""
    out = []
    for i, a in enumerate(_list(items, "assignments", MAX_SLOTS * 10)):
        f = f"assignments[{i}]"
        a = _object(a, f, ASSIGNMENT_KEYS)
        role = _string(_required(a, "role", f), f"{f}.role")
        if role not in ASSIGNMENT_ROLES:
            near = difflib.get_close_matches(role, ASSIGNMENT_ROLES, n=1)
            raise RotaInputError(
                f"{f}.role",
                f"unknown role {role!r}"
                + (f"; did you mean {near[0]!r}?" if near else f"; roles are {', '.join(ASSIGNMENT_ROLES)}"),
            )
        out.append(
            Assignment(
                slot_id=_string(_required(a, "slot_id", f), f"{f}.slot_id"),
                role=role,
                volunteer_id=_string(_required(a, "volunteer_id", f), f"{f}.volunteer_id"),
            )
        )
    return out
