"""The CP-SAT model is smaller than the raw candidate list but keeps every optimum.

drop_volunteers_with_no_shift_left and drop_seats_nobody_can_share remove candidate seats that the hard
rules already forbid; the delivery never-pair cliques replace pair constraints. Each is seen to act on a
hand-built case, and on generated months the optimum is the same with and without them.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from rota import Month, Params, Weights, greedy_rota, solve
from rota import constraints as rules
from rota.generator import generate, random_small_problem
from rota.solver import SeatCheck, max_fillable_seats
from rota_factories import make_history, make_problem, make_slot, make_volunteer, members, solve_small


def _keys(problem) -> set[tuple[str, str, str]]:
    return set(rules.build_model(problem, Weights()).x)


def test_driver_whose_only_mate_is_a_never_partner_gets_no_seat_variable():
    p = make_problem(
        [make_slot("d1", kind="delivery")],
        [
            make_volunteer("a", roles=frozenset({"driver"}), never_partners=frozenset({"b"})),
            make_volunteer("b", roles=frozenset({"delivery_mate"})),
        ],
    )
    assert _keys(p) == set()
    assert solve_small(p).assignments == ()


def test_driver_with_one_compatible_mate_keeps_that_pairing_only():
    p = make_problem(
        [make_slot("d1", kind="delivery")],
        [
            make_volunteer("a", roles=frozenset({"driver"}), never_partners=frozenset({"b"})),
            make_volunteer("b", roles=frozenset({"delivery_mate"})),
            make_volunteer("c", roles=frozenset({"delivery_mate"})),
        ],
    )
    assert ("a", "d1", "driver") in _keys(p)
    r = solve_small(p)
    assert members(r, "d1") == {"a": "driver", "c": "delivery_mate"}


def test_never_pair_clique_holds_with_roles_either_way():
    """b may drive or mate, a only mates, a and b never together: a can only go out with c driving."""
    p = make_problem(
        [make_slot("d1", kind="delivery")],
        [
            make_volunteer("a", roles=frozenset({"delivery_mate"}), never_partners=frozenset({"b"})),
            make_volunteer("b", roles=frozenset({"driver", "delivery_mate"})),
            make_volunteer("c", roles=frozenset({"driver"})),
        ],
    )
    r = solve_small(p)
    assert len(r.assignments) == 2
    assert not {"a", "b"} <= set(members(r, "d1"))


def test_two_trainees_alone_in_a_team_slot_get_no_variables():
    p = make_problem(
        [make_slot("l1", kind="list_collection")],
        [make_volunteer("t1", trainee=True), make_volunteer("t2", trainee=True)],
    )
    assert _keys(p) == set()


def test_trainee_in_a_one_seat_office_slot_gets_no_variable_but_beside_someone_in_a_two_seat_one_does():
    one = make_problem([make_slot("o1", seats=1)], [make_volunteer("t", trainee=True), make_volunteer("e")])
    assert ("t", "o1", "office") not in _keys(one)
    two = make_problem([make_slot("o1", seats=2)], [make_volunteer("t", trainee=True), make_volunteer("e")])
    assert ("t", "o1", "office") in _keys(two)
    assert members(solve_small(two), "o1") == {"t": "office", "e": "office"}


def test_no_variable_in_a_week_already_full_from_last_month():
    """1 April 2027 is a Thursday: last month's Monday 29 March is in the same ISO week and fills a
    weekly cap of 1."""
    slot = make_slot("o1", date=dt.date(2027, 4, 1))
    p = make_problem(
        [slot],
        [make_volunteer("a", max_shifts_per_week=1)],
        history=[make_history("a", dt.date(2027, 3, 29), kind="office", resource="office 1", role="office")],
        month=Month(2027, 4),
    )
    assert _keys(p) == set()
    assert solve_small(p).assignments == ()


def test_no_variable_for_a_monthly_maximum_of_zero():
    p = make_problem([make_slot("o1")], [make_volunteer("a", wished_shifts_per_month=0, happy_to_do_extra=False)])
    assert _keys(p) == set()


def _without_reductions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        rules,
        "ELIGIBILITY_RULES",
        tuple(
            r
            for r in rules.ELIGIBILITY_RULES
            if r not in (rules.drop_volunteers_with_no_shift_left, rules.drop_seats_nobody_can_share)
        ),
    )
    original = rules.add_never_pair

    def pairwise_never_pair(m: rules.RotaModel) -> None:  # the plain formulation: one constraint per pair and slot
        pairs = {tuple(sorted((v.id, w))) for v in m.problem.volunteers for w in v.never_partners if w in m.vols}
        for a, b in sorted(pairs):
            for sid in sorted(set(m.vol_slots(a)) & set(m.vol_slots(b))):
                m.model.add(m.y[(a, sid)] + m.y[(b, sid)] <= 1)

    assert original is not pairwise_never_pair
    monkeypatch.setattr(
        rules, "HARD_RULES", tuple(pairwise_never_pair if r is original else r for r in rules.HARD_RULES)
    )


@pytest.mark.parametrize("seed", range(6))
def test_reductions_keep_the_optimum_on_random_small_months(seed: int, monkeypatch: pytest.MonkeyPatch):
    problem = random_small_problem(random.Random(1000 + seed))
    params = Params(time_limit_s=10, workers=1, seed=seed)
    reduced = solve(problem, params)
    with monkeypatch.context() as mp:
        _without_reductions(mp)
        plain = solve(problem, params)
    assert reduced.status == plain.status == "optimal"
    assert reduced.objective == plain.objective
    assert reduced.best_bound <= reduced.objective


def test_reductions_keep_the_optimum_on_a_generated_tiny_month(monkeypatch: pytest.MonkeyPatch):
    problem = generate("tiny", seed=7)
    params = Params(time_limit_s=20, workers=1, seed=7)
    reduced = solve(problem, params)
    with monkeypatch.context() as mp:
        _without_reductions(mp)
        plain = solve(problem, params)
    assert reduced.status == plain.status == "optimal"
    assert reduced.objective == plain.objective


@pytest.mark.parametrize("size", ["tiny", "never_pair_heavy"])
def test_bound_is_never_above_the_objective_found(size: str):
    """best_bound is a lower bound on the (minimised) objective: never above the rota returned."""
    result = solve(generate(size, seed=11), Params(time_limit_s=5, workers=1, seed=11))
    assert result.best_bound <= result.objective
    assert result.gap >= 0


def test_max_fillable_seats_on_a_never_pair_van():
    """a drives; b (never with a) and c could mate: one team, two seats, proven."""
    p = make_problem(
        [make_slot("d1", kind="delivery")],
        [
            make_volunteer("a", roles=frozenset({"driver"}), never_partners=frozenset({"b"})),
            make_volunteer("b", roles=frozenset({"delivery_mate"})),
            make_volunteer("c", roles=frozenset({"delivery_mate"})),
        ],
    )
    assert max_fillable_seats(p, 5) == SeatCheck(seats=2, upper_bound=2, proven=True)


@pytest.mark.parametrize("seed", range(4))
def test_no_rota_fills_more_seats_than_the_seat_bound(seed: int):
    problem = random_small_problem(random.Random(2000 + seed))
    most = max_fillable_seats(problem, 10, seed=seed)
    rota = solve(problem, Params(time_limit_s=10, workers=1, seed=seed))
    assert most.proven and most.seats == most.upper_bound
    assert rota.seats_filled <= most.upper_bound
    assert len(greedy_rota(problem, seed=seed)) <= most.upper_bound


@pytest.mark.parametrize("seed", range(3))
def test_most_seats_rota_of_the_spare_core_is_valid_and_fills_the_most_seats(seed: int):
    """The rota found beside the main search (hard rules only) keeps every rule and reaches the seat maximum."""
    from rota import check
    from rota.solver import _MostSeatsRun

    problem = random_small_problem(random.Random(3000 + seed))
    run = _MostSeatsRun(problem, Params(seed=seed), 10.0, None, "main")
    run.start()
    run.join()
    assert run.rota is not None and check(problem, run.rota) == []
    assert len(run.rota) == max_fillable_seats(problem, 10, seed=seed).seats


def test_single_branch_month_with_a_spare_core_returns_a_valid_rota_never_worse_than_greedy():
    problem = generate("never_pair_heavy", seed=21)
    result = solve(problem, Params(time_limit_s=3, workers=2, seed=21))
    from rota import check
    from rota.scoring import evaluate

    assert check(problem, result.assignments) == []
    assert result.source in ("cp-sat", "greedy", "most-seats")
    assert result.objective <= sum(evaluate(problem, greedy_rota(problem, seed=21), Weights()).values())


@pytest.mark.parametrize("seed", range(3))
def test_seat_capped_search_reaches_the_same_optimum(seed: int):
    """The spare core's second search (the full model plus "seats <= the proven seat maximum") is the same
    problem: its proven optimum equals the plain model's, and its rota keeps every hard rule."""
    import copy

    from rota import check
    from rota.constraints import build_model
    from rota.scoring import evaluate
    from rota.solver import _MostSeatsRun

    problem = random_small_problem(random.Random(4000 + seed))
    plain = solve(problem, Params(time_limit_s=20, workers=1, seed=seed))
    m = build_model(problem, Weights())
    capped = copy.copy(m)
    capped.model = m.model.clone()
    run = _MostSeatsRun(problem, Params(seed=seed), 20.0, None, "main", then_capped=capped)
    run.start()
    run.join()
    assert plain.status == "optimal" and run.capped is not None and run.capped[0] == "optimal"
    assert check(problem, run.capped[1]) == []
    assert sum(evaluate(problem, run.capped[1], Weights()).values()) == plain.objective == run.capped[2]
