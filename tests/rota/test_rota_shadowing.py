"""Shadowing as the charity does it (issue 14, item 4).

A trainee with shadow shifts still to do rides as a third person beside an experienced driver and mate (or
works beside an experienced shopper / office volunteer) in the slot's shadow seat; the shadow seat never
counts as a seat filled; once their shadow shifts are done (on earlier days) they may take a seat of their own.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pytest

from rota import Assignment, Params, RotaInputError, Weights, check, fillable_seats, greedy_rota, repair, solve
from rota.__main__ import main
from rota.constraints import build_model
from rota.generator import generate
from rota.greedy import drop_stranded_shadows, place_shadows
from rota.jsonio import assignments_from_json, problem_from_json, problem_to_json, result_to_json
from rota.scoring import evaluate
from rota_factories import MON, THU, TUE, WED, make_problem, make_slot, make_volunteer, members, solve_small

DRIVER = frozenset({"driver"})
MATE = frozenset({"delivery_mate"})


def _shadows(result) -> set[tuple[str, str]]:
    return {(a.volunteer_id, a.slot_id) for a in result.assignments if a.is_shadow}


def test_trainee_rides_as_a_third_person_with_an_experienced_team():
    """The experienced mate keeps the mate seat; the trainee shadows; seats filled stay 2 (the shadow fills none)."""
    vols = [
        make_volunteer("d", roles=DRIVER),
        make_volunteer("t", roles=MATE, trainee=True, shadow_shifts_needed=1),
        make_volunteer("m", roles=MATE),
    ]
    r = solve_small(make_problem([make_slot("v1", kind="delivery")], vols))
    assert r.status == "optimal"
    assert members(r, "v1") == {"d": "driver", "m": "delivery_mate", "t": "shadow"}
    assert r.seats_filled == 2 and r.shadow_shifts == 1
    assert r.objective_by_rule["fill_every_slot"] == 0
    assert r.objective_by_rule["trainee_shadow_shifts"] == 0
    assert r.unfilled == () and check(make_problem([make_slot("v1", kind="delivery")], vols), r.assignments) == []


def test_trainee_still_to_shadow_never_completes_a_team():
    """Driver + trainee only: the trainee may not make up the team of two, so the van stays empty."""
    p = make_problem(
        [make_slot("v1", kind="delivery")],
        [make_volunteer("d", roles=DRIVER), make_volunteer("t", roles=MATE, trainee=True, shadow_shifts_needed=2)],
    )
    r = solve_small(p)
    assert r.status == "optimal" and r.assignments == ()
    assert "shadow shifts first" in r.unfilled[0].reason


def test_known_optimum_shadow_then_mate_seat():
    """Tue: d + m with t shadowing; Wed (m away): t, their one shadow shift done, fills the mate seat.
    The optimum: 4 seats, 1 shadow, nothing missing (every alternative leaves Wednesday's van empty)."""
    vols = [
        make_volunteer("d", roles=DRIVER, wished_shifts_per_month=2),
        make_volunteer("m", roles=MATE, dates_away=frozenset({WED})),
        make_volunteer("t", roles=MATE, trainee=True, shadow_shifts_needed=1, wished_shifts_per_month=2),
    ]
    slots = [make_slot("tue", kind="delivery", date=TUE), make_slot("wed", kind="delivery", date=WED)]
    p = make_problem(slots, vols)
    r = solve_small(p)
    assert r.status == "optimal"
    assert set(r.assignments) == {
        Assignment("tue", "driver", "d"),
        Assignment("tue", "delivery_mate", "m"),
        Assignment("tue", "shadow", "t"),
        Assignment("wed", "driver", "d"),
        Assignment("wed", "delivery_mate", "t"),
    }
    assert r.seats_filled == 4 and r.objective == r.best_bound
    assert r.objective == sum(evaluate(p, r.assignments, Weights()).values())
    assert check(p, r.assignments) == [] and fillable_seats(p, r.assignments) == []


def test_shadow_shifts_must_come_on_earlier_days():
    """Two vans the same day: the trainee cannot shadow one and be the mate of the other (nor both at once)."""
    vols = [
        make_volunteer("d1", roles=DRIVER),
        make_volunteer("d2", roles=DRIVER),
        make_volunteer("m", roles=MATE, happy_to_do_extra=False),  # one shift this month
        make_volunteer("t", roles=MATE, trainee=True, shadow_shifts_needed=1, wished_shifts_per_month=2),
    ]
    slots = [
        make_slot("van1", kind="delivery", part_of_day="morning"),
        make_slot("van2", kind="delivery", part_of_day="afternoon", resource="delivery 2"),
    ]
    r = solve_small(make_problem(slots, vols))
    assert r.seats_filled == 2 and r.shadow_shifts == 1
    assert not any(a.volunteer_id == "t" and not a.is_shadow for a in r.assignments)


def test_no_shadow_beside_a_trainee_in_the_team():
    """A team of an experienced driver and a trainee mate (done shadowing) takes no shadowing trainee."""
    vols = [
        make_volunteer("d", roles=DRIVER),
        make_volunteer("t0", roles=MATE, trainee=True),
        make_volunteer("t1", roles=MATE, trainee=True, shadow_shifts_needed=1),
    ]
    p = make_problem([make_slot("v1", kind="delivery")], vols)
    r = solve_small(p)
    assert members(r, "v1") == {"d": "driver", "t0": "delivery_mate"}
    bad = [*r.assignments, Assignment("v1", "shadow", "t1")]
    assert {v.rule for v in check(p, bad)} == {"shadow_beside_experienced"}


def test_shadow_beside_an_experienced_office_volunteer_and_not_alone():
    """Office and shopping: the trainee works beside an experienced volunteer in the extra seat, never alone."""
    slot = make_slot("desk", kind="office")
    trainee = make_volunteer("t", roles=frozenset({"office"}), trainee=True, shadow_shifts_needed=2)
    r = solve_small(make_problem([slot], [make_volunteer("e"), trainee]))
    assert members(r, "desk") == {"e": "office", "t": "shadow"} and r.seats_filled == 1
    alone = solve_small(make_problem([slot], [trainee]))
    assert alone.assignments == ()
    shop = make_slot("shop", kind="shopping", seats=2)
    r = solve_small(
        make_problem([shop], [make_volunteer("e"), make_volunteer("t", trainee=True, shadow_shifts_needed=1)])
    )
    assert members(r, "shop") == {"e": "shopper", "t": "shadow"}


def test_no_shadow_seat_no_shadow_and_no_variable():
    """A slot without a shadow seat (shadow_seat=False), or a month without trainees, gets no shadow variable."""
    vols = [
        make_volunteer("d", roles=DRIVER),
        make_volunteer("m", roles=MATE),
        make_volunteer("t", roles=MATE, trainee=True, shadow_shifts_needed=1),
    ]
    p = make_problem([make_slot("v1", kind="delivery", shadow_seat=False)], vols)
    assert build_model(p, Weights()).shadow == {}
    assert solve_small(p).shadow_shifts == 0
    month = generate("tiny", 0)
    no_trainees = replace(month, volunteers=tuple(replace(v, trainee=False) for v in month.volunteers))
    assert build_model(no_trainees, Weights()).shadow == {}


def test_shadow_shifts_at_most_the_number_needed():
    """One shadow shift needed, three vans on three days: one shadow shift, then seats as a mate."""
    vols = [
        make_volunteer("d", roles=DRIVER, wished_shifts_per_month=3),
        make_volunteer("m", roles=MATE, wished_shifts_per_month=3),
        make_volunteer("t", roles=MATE, trainee=True, shadow_shifts_needed=1, wished_shifts_per_month=3),
    ]
    slots = [make_slot(f"v{d.day}", kind="delivery", date=d) for d in (TUE, WED, THU)]
    r = solve_small(make_problem(slots, vols))
    assert r.shadow_shifts == 1 and r.seats_filled == 6
    assert check(make_problem(slots, vols), r.assignments) == []


@pytest.mark.parametrize("limit", ["month", "week"])
def test_a_shadow_shift_counts_towards_the_maximum(limit):
    """Shadowing is a shift: with one shift a month (or a week), the trainee shadows once, not twice."""
    extra = (
        dict(wished_shifts_per_month=1, happy_to_do_extra=False)
        if limit == "month"
        else dict(max_shifts_per_week=1, wished_shifts_per_month=2)
    )
    vols = [
        make_volunteer("d", roles=DRIVER, wished_shifts_per_month=2),
        make_volunteer("m", roles=MATE, wished_shifts_per_month=2),
        make_volunteer("t", roles=MATE, trainee=True, shadow_shifts_needed=2, **extra),
    ]
    slots = [make_slot("tue", kind="delivery", date=TUE), make_slot("wed", kind="delivery", date=WED)]
    p = make_problem(slots, vols)
    r = solve_small(p)
    assert r.shadow_shifts == 1 and r.seats_filled == 4 and check(p, r.assignments) == []
    over = [*r.assignments, *(Assignment(s, "shadow", "t") for s in ("tue", "wed") if ("t", s) not in _shadows(r))]
    assert {v.rule for v in check(p, over)} == {"monthly_maximum" if limit == "month" else "weekly_maximum"}


def test_never_pair_keeps_a_shadow_out():
    """A trainee who will never work with the only mate does not shadow that team."""
    vols = [
        make_volunteer("d", roles=DRIVER),
        make_volunteer("m", roles=MATE),
        make_volunteer("t", roles=MATE, trainee=True, shadow_shifts_needed=1, never_partners=frozenset({"m"})),
    ]
    p = make_problem([make_slot("v1", kind="delivery")], vols)
    r = solve_small(p)
    assert members(r, "v1") == {"d": "driver", "m": "delivery_mate"}
    assert {v.rule for v in check(p, [*r.assignments, Assignment("v1", "shadow", "t")])} == {"never_pair"}


def test_checker_names_each_shadowing_rule():
    """The independent checker: a shadow who is not a trainee still to shadow, two shadows, more shadows than
    needed, a trainee in a seat before their shadow shifts are done, a slot with no shadow seat."""
    vols = [
        make_volunteer("d", roles=DRIVER),
        make_volunteer("m", roles=MATE),
        make_volunteer("x", roles=MATE),
        make_volunteer("t", roles=MATE, trainee=True, shadow_shifts_needed=1),
        make_volunteer("u", roles=MATE, trainee=True, shadow_shifts_needed=1),
    ]
    slots = [
        make_slot("mon", kind="delivery", date=MON),
        make_slot("tue", kind="delivery", date=TUE),
        make_slot("wed", kind="delivery", date=WED, shadow_seat=False),
    ]
    p = make_problem(slots, vols)
    team = [Assignment("mon", "driver", "d"), Assignment("mon", "delivery_mate", "m")]

    def rules(*extra: Assignment) -> set[str]:
        return {v.rule for v in check(p, [*team, *extra])}

    assert rules(Assignment("mon", "shadow", "t")) == set()
    assert rules(Assignment("mon", "shadow", "x")) == {"shadow_only_for_trainees"}
    assert rules(Assignment("mon", "shadow", "t"), Assignment("mon", "shadow", "u")) == {"one_shadow_per_slot"}
    assert rules(
        Assignment("mon", "shadow", "t"),
        Assignment("tue", "shadow", "t"),
        Assignment("tue", "driver", "d"),
        Assignment("tue", "delivery_mate", "x"),
    ) == {"shadow_shifts_limit"}
    assert rules(Assignment("tue", "driver", "d"), Assignment("tue", "delivery_mate", "t")) == {
        "shadow_shifts_before_a_seat"
    }
    assert (
        rules(
            Assignment("mon", "shadow", "t"), Assignment("tue", "driver", "d"), Assignment("tue", "delivery_mate", "t")
        )
        == set()
    )
    assert rules(
        Assignment("wed", "driver", "d"), Assignment("wed", "delivery_mate", "x"), Assignment("wed", "shadow", "t")
    ) == {"shadow_seat"}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_trainee_heavy_month_invariants(seed):
    """A trainee-heavy month: the solver and the greedy rota break no rule (checker), no trainee still to shadow
    sits in a seat before their shadow shifts, shadows sit beside experienced teams only, and the model's
    objective is the scoring's."""
    p = generate("trainee_heavy", seed)
    trainees = {v.id: v for v in p.volunteers if v.needs_shadowing}
    assert trainees
    slots = {s.id: s for s in p.slots}
    for rota in (greedy_rota(p, seed=seed), list(solve(p, Params(time_limit_s=6, workers=1, seed=seed)).assignments)):
        assert check(p, rota) == []
        shadows = [a for a in rota if a.is_shadow]
        assert shadows  # trainees get shadow shifts
        for a in rota:
            if a.volunteer_id in trainees and not a.is_shadow:
                done = sum(
                    1
                    for b in shadows
                    if b.volunteer_id == a.volunteer_id and slots[b.slot_id].date < slots[a.slot_id].date
                )
                assert done >= trainees[a.volunteer_id].shadow_shifts_needed
        seated = {}
        for a in rota:
            if not a.is_shadow:
                seated.setdefault(a.slot_id, []).append(a.volunteer_id)
        by_id = {v.id: v for v in p.volunteers}
        for a in shadows:
            team = seated[a.slot_id]
            assert len(team) >= (2 if slots[a.slot_id].is_team else 1)
            assert not any(by_id[v].trainee for v in team)


def test_greedy_places_shadows_after_the_teams():
    """place_shadows keeps every seat and only adds shadow seats."""
    p = generate("trainee_heavy", 0)
    from rota.greedy import fill_free_seats

    teams = fill_free_seats(p, (), seed=0)
    with_shadows = place_shadows(p, teams, seed=0)
    assert {a for a in with_shadows if not a.is_shadow} == set(teams)
    assert any(a.is_shadow for a in with_shadows) and check(p, with_shadows) == []


def test_repair_keeps_the_shadow():
    """A drop-out elsewhere leaves a published shadow seat as it was."""
    vols = [
        make_volunteer("d", roles=DRIVER, wished_shifts_per_month=2),
        make_volunteer("m", roles=MATE, wished_shifts_per_month=2),
        make_volunteer("t", roles=MATE, trainee=True, shadow_shifts_needed=1),
        make_volunteer("o", roles=frozenset({"office"})),
        make_volunteer("o2", roles=frozenset({"office"})),
    ]
    slots = [make_slot("tue", kind="delivery", date=TUE), make_slot("desk", kind="office", date=WED)]
    p = make_problem(slots, vols)
    published = [
        Assignment("tue", "driver", "d"),
        Assignment("tue", "delivery_mate", "m"),
        Assignment("tue", "shadow", "t"),
        Assignment("desk", "office", "o"),
    ]
    rr = repair(p, published, "o", dt.date(2027, 3, 2), Params(time_limit_s=3, workers=1))
    assert Assignment("tue", "shadow", "t") in rr.result.assignments
    assert check(p, rr.result.assignments) == []
    assert {(c.slot_id, c.new_volunteer_id) for c in rr.changes} == {("desk", "o2")}


def test_shadow_seat_and_shadow_role_in_json():
    """JSON: a slot's shadow_seat is read and written; results carry the shadow seat (role "shadow") and
    shadow_shifts; published shadow assignments are read back."""
    data = problem_to_json(make_problem([make_slot("v1", kind="delivery", shadow_seat=False)], [make_volunteer("a")]))
    assert data["slots"][0]["shadow_seat"] is False
    assert problem_from_json(data).slots[0].shadow_seat is False
    del data["slots"][0]["shadow_seat"]
    assert problem_from_json(data).slots[0].shadow_seat is True  # the default
    vols = [
        make_volunteer("d", roles=DRIVER),
        make_volunteer("m", roles=MATE),
        make_volunteer("t", roles=MATE, trainee=True, shadow_shifts_needed=1),
    ]
    out = result_to_json(solve_small(make_problem([make_slot("v1", kind="delivery")], vols)))
    assert out["seats_filled"] == 2 and out["shadow_shifts"] == 1
    assert {"slot_id": "v1", "role": "shadow", "volunteer_id": "t"} in out["assignments"]
    assert Assignment("v1", "shadow", "t") in assignments_from_json(out["assignments"])


# --- bad input for the new fields: a clear error naming the field, exit 2 -----------------------------------


@pytest.mark.parametrize("value", ["yes", 1, None, []])
def test_bad_shadow_seat_names_the_slot(value):
    data = problem_to_json(generate("tiny", 0))
    sid = data["slots"][0]["id"]
    data["slots"][0]["shadow_seat"] = value
    with pytest.raises(RotaInputError, match=rf"slots\[0\] \({sid}\)\.shadow_seat: must be true or false"):
        problem_from_json(data)


def test_misspelled_shadow_seat_suggests_it():
    data = problem_to_json(generate("tiny", 0))
    data["slots"][0]["shadow_seats"] = True
    with pytest.raises(RotaInputError, match=r"shadow_seats: unknown key; did you mean 'shadow_seat'"):
        problem_from_json(data)


def test_unknown_published_role_suggests_shadow():
    with pytest.raises(RotaInputError, match=r"assignments\[0\]\.role: unknown role 'shadw'; did you mean 'shadow'"):
        assignments_from_json([{"slot_id": "s", "role": "shadw", "volunteer_id": "v"}])


def test_cli_bad_shadow_seat_exits_2(tmp_path, capsys):
    data = problem_to_json(generate("tiny", 0))
    data["slots"][1]["shadow_seat"] = "no"
    f = tmp_path / "p.json"
    f.write_text(json.dumps(data))
    assert main(["solve", str(f), "--time-limit-s", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "shadow_seat" in err and "Traceback" not in err


def test_cli_repair_shadow_beside_a_half_team_in_the_past_exits_2(tmp_path, capsys):
    """A published rota whose frozen past has a shadow beside a half team is refused naming the slot."""
    vols = [
        make_volunteer("d", roles=DRIVER),
        make_volunteer("m", roles=MATE),
        make_volunteer("t", roles=MATE, trainee=True, shadow_shifts_needed=1),
    ]
    p = make_problem([make_slot("mon", kind="delivery", date=MON), make_slot("tue", kind="delivery", date=TUE)], vols)
    f = tmp_path / "p.json"
    f.write_text(json.dumps(problem_to_json(p)))
    pub = tmp_path / "pub.json"
    pub.write_text(json.dumps({"assignments": [{"slot_id": "mon", "role": "shadow", "volunteer_id": "t"}]}))
    assert main(["repair", str(f), str(pub), "--volunteer", "m", "--from-date", "2027-03-02"]) == 2
    err = capsys.readouterr().err
    assert "mon" in err and "shadow_beside_experienced" in err and "Traceback" not in err


def test_taking_a_shadow_off_takes_off_the_seats_that_rested_on_it():
    """drop_stranded_shadows (the repair's fallback): when a team loses its mate, the trainee shadowing it goes,
    and so does the trainee's later seat that needed that shadow shift (the whole team: all or nothing)."""
    vols = [
        make_volunteer("d", roles=DRIVER, wished_shifts_per_month=2),
        make_volunteer("m", roles=MATE),
        make_volunteer("t", roles=MATE, trainee=True, shadow_shifts_needed=1, wished_shifts_per_month=2),
        make_volunteer("o", roles=frozenset({"office"})),
    ]
    slots = [
        make_slot("tue", kind="delivery", date=TUE),
        make_slot("wed", kind="delivery", date=WED),
        make_slot("desk", kind="office", date=WED),
    ]
    p = make_problem(slots, vols)
    rota = [
        Assignment("tue", "driver", "d"),
        Assignment("tue", "shadow", "t"),
        Assignment("wed", "driver", "d"),
        Assignment("wed", "delivery_mate", "t"),
        Assignment("desk", "office", "o"),
    ]
    kept = drop_stranded_shadows(p, rota)
    assert set(kept) == {Assignment("tue", "driver", "d"), Assignment("desk", "office", "o")}
    assert {v.rule for v in check(p, kept)} == {"two_person_teams"}  # the half team was the input's own
