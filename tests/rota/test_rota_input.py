"""Bad input gets a clear RotaInputError (a ValueError) naming the field; JSON round-trips."""

from __future__ import annotations

import datetime as dt

import pytest

from rota import (
    DateOutsideMonthError,
    DuplicateIdError,
    Month,
    NegativeCountError,
    Params,
    RotaInputError,
    UnknownVolunteerError,
    Weights,
    wished_shifts_from_frequency,
)
from rota.generator import generate
from rota.jsonio import problem_from_json, problem_to_json
from rota_factories import make_history, make_problem, make_slot, make_volunteer


def test_unknown_volunteer_in_history():
    """History naming a volunteer who is not in the problem -> UnknownVolunteerError on history[i].volunteer_id."""
    with pytest.raises(UnknownVolunteerError, match=r"history\[0\]\.volunteer_id"):
        make_problem([make_slot("o1")], [make_volunteer("a")], [make_history("ghost", dt.date(2027, 2, 2))])


def test_history_inside_the_month_is_rejected():
    """History must be before the rota month."""
    with pytest.raises(DateOutsideMonthError, match=r"history\[0\]\.date"):
        make_problem([make_slot("o1")], [make_volunteer("a")], [make_history("a", dt.date(2027, 3, 2))])


def test_slot_date_outside_month():
    """A slot dated in another month -> DateOutsideMonthError naming slots[id].date."""
    with pytest.raises(DateOutsideMonthError, match=r"slots\[o1\]\.date"):
        make_problem([make_slot("o1", date=dt.date(2027, 4, 1))], [make_volunteer("a")])


@pytest.mark.parametrize(
    "field, value",
    [
        ("wished_shifts_per_month", -1),
        ("max_shifts_per_week", -2),
        ("shadow_shifts_needed", -1),
        ("max_consecutive_days", 0),
    ],
)
def test_negative_counts_on_volunteer(field, value):
    """Negative (or zero where 1+ is needed) counts -> NegativeCountError naming the field."""
    with pytest.raises(NegativeCountError, match=rf"volunteers\[a\]\.{field}"):
        make_volunteer("a", **{field: value})


def test_negative_seats_and_half_teams():
    """Negative seats, and a customer-facing slot not sized for a team of two, name slots[id].seats."""
    with pytest.raises(NegativeCountError, match=r"slots\[s\]\.seats"):
        make_slot("s", kind="shopping", seats=-1)
    with pytest.raises(NegativeCountError, match=r"slots\[v\]\.seats"):
        make_slot("v", kind="delivery", seats=3)


def test_unknown_partner_and_duplicates():
    """Partner ids must exist; slot and volunteer ids must be unique."""
    with pytest.raises(UnknownVolunteerError, match="never_partners"):
        make_problem([], [make_volunteer("a", never_partners=frozenset({"zz"}))])
    with pytest.raises(DuplicateIdError, match=r"volunteers\[a\]\.id"):
        make_problem([], [make_volunteer("a"), make_volunteer("a")])
    with pytest.raises(DuplicateIdError, match=r"slots\[o\]\.id"):
        make_problem([make_slot("o"), make_slot("o")], [])


def test_enums_and_params():
    """Unknown kinds/roles/PVG states and bad parameters are rejected by name; all are ValueErrors."""
    with pytest.raises(RotaInputError, match="kind"):
        make_slot("x", kind="party")
    with pytest.raises(RotaInputError, match="roles"):
        make_volunteer("a", roles=frozenset({"pilot"}))
    with pytest.raises(RotaInputError, match="pvg_status"):
        make_volunteer("a", pvg_status="maybe")
    with pytest.raises(NegativeCountError, match="params.time_limit_s"):
        Params(time_limit_s=0)
    with pytest.raises(NegativeCountError, match="params.weights.fill_seat"):
        Weights(fill_seat=-5)
    assert issubclass(RotaInputError, ValueError)


def test_frequency_words():
    """'weekly' / 'fortnightly' / n a month become shifts this month."""
    march = Month(2027, 3)
    assert wished_shifts_from_frequency("weekly", march) == 4
    assert wished_shifts_from_frequency("fortnightly", march) == 2
    assert wished_shifts_from_frequency(3, march) == 3
    with pytest.raises(RotaInputError, match="wished_frequency"):
        wished_shifts_from_frequency("daily-ish", march)


def test_json_round_trip():
    """problem_to_json -> problem_from_json gives back an equal problem (generated, with history)."""
    p = generate("tiny", 3)
    assert problem_from_json(problem_to_json(p)) == p


def test_json_errors_name_the_field():
    """Missing fields and bad dates in JSON are reported with their path."""
    data = problem_to_json(generate("tiny", 1))
    del data["slots"][2]["kind"]
    with pytest.raises(RotaInputError, match=r"slots\[2\] \(.*\)\.kind: is required"):
        problem_from_json(data)
    data = problem_to_json(generate("tiny", 1))
    data["volunteers"][0]["dates_away"] = ["2027-13-01"]
    with pytest.raises(RotaInputError, match=r"volunteers\[0\] \(.*\)\.dates_away"):
        problem_from_json(data)
    data = problem_to_json(generate("tiny", 1))
    data["history"][0]["volunteer_id"] = "ghost"
    with pytest.raises(UnknownVolunteerError, match=r"history\[0\]\.volunteer_id"):
        problem_from_json(data)
