"""Repair after a drop-out: change only what must change."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rota import DateOutsideMonthError, Params, UnknownVolunteerError, check, solve
from rota.generator import random_small_problem
from rota.repair import repair
from rota.scoring import evaluate
from rota_factories import TUE, WED, make_problem, make_slot, make_volunteer


def _team_month():
    slots = [
        make_slot("v1", kind="delivery", date=TUE),
        make_slot("v2", kind="delivery", date=WED),
        make_slot("o1", date=TUE, part_of_day="afternoon"),
    ]
    vols = [
        make_volunteer("d1", roles=frozenset({"driver"}), wished_shifts_per_month=2),
        make_volunteer("d2", roles=frozenset({"driver"}), wished_shifts_per_month=0),
        make_volunteer("m1", roles=frozenset({"delivery_mate"}), wished_shifts_per_month=2),
        make_volunteer("o", roles=frozenset({"office"}), wished_shifts_per_month=1),
    ]
    return make_problem(slots, vols)


def test_repair_replaces_only_the_dropped_driver():
    """Dropping the driver of two rounds changes exactly those two seats; the mate and office stay."""
    p = _team_month()
    published = solve(p, Params(time_limit_s=5, workers=1)).assignments
    assert {a.volunteer_id for a in published if a.role == "driver"} == {"d1"}
    rr = repair(p, published, "d1", TUE, Params(time_limit_s=2, workers=1))
    assert rr.n_changes == 2
    assert {(c.slot_id, c.old_volunteer_id, c.new_volunteer_id) for c in rr.changes} == {
        ("v1", "d1", "d2"),
        ("v2", "d1", "d2"),
    }
    assert check(p, rr.result.assignments) == []


def test_repair_keeps_the_past():
    """Slots before the drop-out date are frozen even if the dropped volunteer worked them."""
    p = _team_month()
    published = solve(p, Params(time_limit_s=5, workers=1)).assignments
    rr = repair(p, published, "d1", WED, Params(time_limit_s=2, workers=1))
    before = {a for a in published if a.slot_id in ("v1", "o1")}
    assert before <= set(rr.result.assignments)
    assert rr.n_changes == 1


def test_repair_with_nothing_to_do_changes_nothing():
    """A volunteer with no shifts left drops out: zero changes."""
    p = _team_month()
    published = solve(p, Params(time_limit_s=5, workers=1)).assignments
    rr = repair(p, published, "d2", TUE, Params(time_limit_s=2, workers=1))
    assert rr.n_changes == 0
    assert set(rr.result.assignments) == set(published)


def test_repair_bad_input():
    """Unknown volunteer or a date outside the month: a clear error naming the field."""
    p = _team_month()
    with pytest.raises(UnknownVolunteerError, match="dropped_volunteer_id"):
        repair(p, [], "nobody", TUE)
    with pytest.raises(DateOutsideMonthError, match="from_date"):
        repair(p, [], "d1", dt.date(2027, 4, 1))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6))
def test_repair_invariants_on_random_problems(seed):
    """Random problem, random drop-out: rota valid, dropped volunteer off from that date, the past
    unchanged, and never worse than just deleting them (and half-teams) from the published rota."""
    rng = random.Random(seed)
    p = random_small_problem(rng, n_volunteers=7)
    params = Params(time_limit_s=3, workers=1)
    first = solve(p, params)
    published = first.assignments
    dates = sorted({s.date for s in p.slots})
    from_date = rng.choice(dates)
    vid = rng.choice([v.id for v in p.volunteers])
    rr = repair(p, published, vid, from_date, params)
    slot_date = {s.id: s.date for s in p.slots}
    assert check(p, list(rr.result.assignments)) == []
    assert not any(a.volunteer_id == vid and slot_date[a.slot_id] >= from_date for a in rr.result.assignments)
    assert {a for a in published if slot_date[a.slot_id] < from_date} == {
        a for a in rr.result.assignments if slot_date[a.slot_id] < from_date
    }
    # the trivial repair: delete them, and their team-mates where a team of two broke
    kinds = {s.id: s.kind for s in p.slots}
    gone = {a.slot_id for a in published if a.volunteer_id == vid and slot_date[a.slot_id] >= from_date}
    trivial = [
        a
        for a in published
        if a.slot_id not in gone or (a.volunteer_id != vid and kinds[a.slot_id] not in ("delivery", "list_collection"))
    ]
    trainees = {v.id for v in p.volunteers if v.trainee}
    for sid in gone:  # a trainee left without an experienced partner must go too
        here = [a for a in trivial if a.slot_id == sid]
        if sum(a.volunteer_id in trainees for a in here) * 2 > len(here):
            trivial = [a for a in trivial if not (a.slot_id == sid and a.volunteer_id in trainees)]
    # a trainee whose shadow shift went with the drop-out's team cannot sit their own later seat either (and a
    # team of two without them goes too)
    while shadow_gaps := {v.slot_id for v in check(p, trivial) if v.rule == "shadow_shifts_before_a_seat"}:
        trivial = [
            a
            for a in trivial
            if not (
                a.slot_id in shadow_gaps
                and (a.volunteer_id in trainees or kinds[a.slot_id] in ("delivery", "list_collection"))
            )
        ]
    assert check(p, trivial) == []
    trivial_changes = sum(1 for a in published if a not in trivial and a.volunteer_id != vid)
    w = params.weights
    trivial_objective = sum(evaluate(p, trivial, w).values()) + w.change * trivial_changes
    if rr.result.status == "optimal":
        assert rr.result.objective <= trivial_objective
        if not gone and first.status == "optimal":
            assert rr.n_changes == 0


def test_broken_frozen_past_is_an_error_naming_the_slot():
    """A published rota with a half team before from_date cannot be repaired (the past is frozen): the error
    names the slot instead of returning a greedy rota."""
    from rota import Assignment, RotaInputError

    p = make_problem(
        [make_slot("van-tue", kind="delivery", date=TUE), make_slot("van-wed", kind="delivery", date=WED)],
        [make_volunteer(x) for x in "abcd"],
    )
    published = [
        Assignment("van-tue", "driver", "a"),
        Assignment("van-wed", "driver", "b"),
        Assignment("van-wed", "delivery_mate", "c"),
    ]
    with pytest.raises(RotaInputError, match=r"van-tue.*two_person_team"):
        repair(p, published, "b", WED, Params(time_limit_s=2, workers=1))


def test_unknown_role_in_published_rota_is_refused():
    """A published assignment with a role the slot does not have names the assignment and the slot."""
    from rota import Assignment, RotaInputError

    p = make_problem([make_slot("van", kind="delivery", date=WED)], [make_volunteer("a"), make_volunteer("b")])
    with pytest.raises(RotaInputError, match=r"published\[0\]\.role.*slot van"):
        repair(p, [Assignment("van", "pilot", "a"), Assignment("van", "delivery_mate", "b")], "a", WED)


def test_repair_reaches_the_seats_a_full_re_solve_reaches():
    """On generated months the repaired rota fills as many seats as a full re-solve of the future
    (neighbourhood first, whole future when the neighbourhood leaves a gap), never fewer."""
    from rota.generator import generate

    for seed in (0, 1):
        p = generate("small", seed)
        r = solve(p, Params(time_limit_s=5, workers=1, seed=seed))
        dates = {s.id: s.date for s in p.slots}
        from_date = p.month.first_day.replace(day=10)
        vid = sorted({a.volunteer_id for a in r.assignments if dates[a.slot_id] >= from_date})[seed]
        default = repair(p, r.assignments, vid, from_date, Params(time_limit_s=6, workers=1))
        full = repair(p, r.assignments, vid, from_date, Params(time_limit_s=6, workers=1), neighbourhood=False)
        assert check(p, default.result.assignments) == []
        assert default.result.seats_filled >= full.result.seats_filled - (0 if full.result.status == "optimal" else 1)
