"""The greedy rota (fallback and top-up): tries every driver-mate pair, checked by the independent checker."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rota import check, fillable_seats, greedy_rota
from rota.generator import random_small_problem
from rota_factories import make_problem, make_slot, make_volunteer

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_next_driver_tried_when_the_first_has_no_compatible_mate():
    """The top-ranked driver (furthest below their wish) refuses the only mate: the other driver takes the van."""
    keen = make_volunteer("keen", roles=frozenset({"driver"}), wished_shifts_per_month=5,
                          never_partners=frozenset({"mate"}))
    other = make_volunteer("other", roles=frozenset({"driver"}), wished_shifts_per_month=0,
                           happy_to_do_extra=True)  # ranked last, but willing
    mate = make_volunteer("mate", roles=frozenset({"delivery_mate"}))
    rota = greedy_rota(make_problem([make_slot("van", kind="delivery")], [keen, other, mate]))
    assert {(a.role, a.volunteer_id) for a in rota} == {("driver", "other"), ("delivery_mate", "mate")}


def test_trainee_pair_skipped_for_an_experienced_one():
    """Two list collectors who are both trainees cannot go out together: an experienced one is paired instead."""
    t1 = make_volunteer("t1", roles=frozenset({"list_collector"}), trainee=True, wished_shifts_per_month=9)
    t2 = make_volunteer("t2", roles=frozenset({"list_collector"}), trainee=True, wished_shifts_per_month=9)
    old = make_volunteer("old", roles=frozenset({"list_collector"}))
    rota = greedy_rota(make_problem([make_slot("lists", kind="list_collection")], [t1, t2, old]))
    assert len(rota) == 2 and "old" in {a.volunteer_id for a in rota}


@SETTINGS
@given(seed=st.integers(0, 10**6), n_vols=st.integers(2, 12), greedy_seed=st.integers(0, 3))
def test_greedy_rota_is_valid_and_leaves_no_fillable_seat(seed, n_vols, greedy_seed):
    """On random problems the greedy rota breaks no hard rule and the independent checker finds no empty seat
    that a free, eligible person (or, for a team slot, a compatible free pair) could have taken."""
    p = random_small_problem(random.Random(seed), n_volunteers=n_vols)
    rota = greedy_rota(p, seed=greedy_seed)
    assert check(p, rota) == []
    assert fillable_seats(p, rota) == []


def test_generator_hard_month_shapes():
    """The bench's hard months have what their names say: 5-12 never-partners each, many trainees, few drivers."""
    from rota.generator import generate

    heavy = generate("never_pair_heavy", 0)
    assert 90 <= len(heavy.volunteers) <= 100
    assert all(5 <= len(v.never_partners) <= 12 for v in heavy.volunteers)
    typical = generate("typical", 0)
    trainees = sum(v.trainee for v in generate("trainee_heavy", 0).volunteers)
    drivers = sum(v.driver_approved for v in generate("scarce_drivers", 0).volunteers)
    assert trainees > 2 * sum(v.trainee for v in typical.volunteers)
    assert drivers < 0.6 * sum(v.driver_approved for v in typical.volunteers)


def test_generator_is_reproducible_across_processes():
    """The same size and seed give the same month in a fresh interpreter (no hash() of None or str in seeds)."""
    import subprocess
    import sys

    code = ("from rota.generator import generate; from rota.jsonio import problem_to_json; import json; "
            "print(json.dumps(problem_to_json(generate('typical', 3)), sort_keys=True))")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
            for _ in range(2)}
    assert len(runs) == 1


def test_greedy_keeps_the_better_of_date_order_and_scarce_first():
    """greedy_rota fills at least as many seats as the date-order pass alone (it keeps the better of two)."""
    from rota.generator import generate
    from rota.greedy import fill_free_seats

    p = generate("scarce_drivers", 0)
    assert len(greedy_rota(p)) >= len(fill_free_seats(p))


def test_a_trainee_joins_the_experienced_volunteer_who_replaced_dropped_trainees():
    """Found by the property test: two trainees took an office slot first and were dropped; the experienced
    volunteer who took the freed seat must still get a trainee beside them when one is free."""
    p = random_small_problem(random.Random(2), n_volunteers=11)
    rota = greedy_rota(p, seed=0)
    assert check(p, rota) == []
    assert fillable_seats(p, rota) == []
