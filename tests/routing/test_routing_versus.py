"""Side-by-side benchmarks: every solver's plan is checked independently; the day checker catches broken plans."""

from __future__ import annotations

from pathlib import Path

import pytest

from routing.benchmark import default_bench_dir
from routing.engine import _loads, solve_parallel
from routing.generator import generate_varied_day
from routing.planner import compile_day
from routing.versus import PeerPlan, check_day_plan, summarise, versus_day, versus_instance


def test_or_tools_accepts_a_plan_that_leaves_vans_with_their_own_depots_idle() -> None:
    """A branch-day plan on some of the vans loads into OR-Tools (idle vans' depots stay off the routes)."""
    model = compile_day(generate_varied_day(100, 30)).model()
    solution = solve_parallel(model, 1.0, 1)
    assert 0 < solution.vehicles_used < model.num_vehicles
    assert _loads(model, solution)
    assert "ges-refused" not in solution.phases and "lns-refused" not in solution.phases


def test_generated_days_vary_in_size_and_shape() -> None:
    """Varied days run from 25 to 450 orders, with several shops and plain visits across seeds."""
    days = [generate_varied_day(seed) for seed in range(12)]
    sizes = [len(d.orders) for d in days]
    assert min(sizes) >= 25 and max(sizes) <= 450 and max(sizes) - min(sizes) > 150
    assert any(len(d.shops) > 1 for d in days)
    assert any(o.shop_id is None for d in days for o in d.orders)
    assert all(len(o.windows) <= 1 for d in days for o in d.orders)


def test_every_solver_plan_of_a_day_passes_the_independent_check() -> None:
    """foodtrain, PyVRP and VROOM plans of one day each serve every order once within every rule."""
    pytest.importorskip("pyvrp")
    pytest.importorskip("vroom")
    row = versus_day(generate_varied_day(3, 25), "day", 2.0, ("pyvrp", "vroom"))
    assert set(row.plans) == {"foodtrain", "pyvrp", "vroom"}
    for plan in row.plans.values():
        assert plan.feasible, plan.violations
        assert plan.unserved == 0 and plan.vehicles >= 1 and plan.cost > 0
    assert summarise([row])["instances"] == 1


def test_the_day_check_catches_broken_plans() -> None:
    """Delivery before pickup, an order served twice and an overloaded van are each reported."""
    problem = generate_varied_day(4, 25)
    day = compile_day(problem)
    shop_orders = [o for o, order in enumerate(problem.orders) if order.shop_id is not None]
    o = shop_orders[0]
    violations = check_day_plan(problem, day, [(0, [("delivery", o), ("pickup", o)])]).violations
    assert any("before" in v for v in violations)
    violations = check_day_plan(
        problem, day, [(0, [("pickup", o), ("delivery", o)]), (1, [("pickup", o), ("delivery", o)])]
    ).violations
    assert any("twice" in v for v in violations)
    everything = [("pickup", k) for k in shop_orders] + [("delivery", k) for k in shop_orders]
    violations = check_day_plan(problem, day, [(0, everything)]).violations
    assert any("load" in v for v in violations)


def test_plans_are_compared_on_drive_plus_the_shops_per_visit_loading() -> None:
    """A van loads once per call at a shop: coming back to the shop costs another loading, and the
    compared measure (round_min) is driving plus that loading, for every solver's plan alike."""
    problem = generate_varied_day(4, 25)
    day = compile_day(problem)
    shop_orders = [o for o, order in enumerate(problem.orders) if order.shop_id is not None]
    a, b = [o for o in shop_orders if problem.orders[o].shop_id == problem.orders[shop_orders[0]].shop_id][:2]
    per_visit_min = {s.id: s for s in problem.shops}[problem.orders[a].shop_id].loading_per_visit_min
    assert per_visit_min > 0
    one_call = check_day_plan(problem, day, [(0, [("pickup", a), ("pickup", b), ("delivery", a), ("delivery", b)])])
    two_calls = check_day_plan(problem, day, [(0, [("pickup", a), ("delivery", a), ("pickup", b), ("delivery", b)])])
    assert one_call.shop_visit_loading_min == pytest.approx(per_visit_min)
    assert two_calls.shop_visit_loading_min == pytest.approx(2 * per_visit_min)
    assert two_calls.round_min == pytest.approx(two_calls.drive_min + 2 * per_visit_min)


def test_every_solver_is_scored_on_the_measure_foodtrain_optimises() -> None:
    """The table's cost of every plan is drive plus per-visit loading from the one checker; drive is kept beside."""
    pytest.importorskip("pyvrp")
    pytest.importorskip("vroom")
    problem = generate_varied_day(7, 30)
    row = versus_day(problem, "day", 1.5, ("vroom",))
    for plan in row.plans.values():
        assert plan.feasible, plan.violations
        assert plan.drive_min is not None and plan.cost >= plan.drive_min
    ours = row.plans["foodtrain"]
    assert ours.cost > ours.drive_min  # the generated shops load in 5-10 minutes a call


def test_public_instance_plans_of_every_solver_pass_the_evaluator() -> None:
    """On a Li & Lim instance each solver's plan is checked by the evaluator and compared to the best peer."""
    pytest.importorskip("pyvrp")
    path = Path(default_bench_dir()) / "pdptw" / "lc101.txt"
    if not path.exists():
        pytest.skip("benchmark files not present")
    row = versus_instance(path, 1.0, ("pyvrp",))
    assert row.plans["foodtrain"].feasible and row.plans["pyvrp"].feasible
    verdict, ratio = row.verdict()
    assert verdict in ("won", "tied", "lost") and ratio is not None


def test_with_two_workers_pyvrp_also_runs_on_two_cores() -> None:
    """Equal cores: beside its one-core run, PyVRP runs as best of two seeds in two processes, and
    foodtrain's row carries its peak memory."""
    pytest.importorskip("pyvrp")
    row = versus_day(generate_varied_day(5, 25), "day", 1.5, ("pyvrp",), workers=2)
    assert set(row.plans) == {"foodtrain", "pyvrp", "pyvrp-2c"}
    assert all(plan.feasible for plan in row.plans.values())
    assert row.plans["pyvrp-2c"].runtime_s < 1.5 + 1.0  # the same wall-clock budget, first search included
    assert (row.plans["foodtrain"].peak_rss_mib or 0) > 0


def test_vroom_gets_the_same_time_limit_and_vroom_free_is_a_reference_only() -> None:
    """VROOM (time-limited by exploration levels run in turn) hands in a checked plan within the limit;
    the unlimited VROOM run is a reference column and never the best peer of a row."""
    pytest.importorskip("vroom")
    from routing.versus import VersusRow, vroom_day_plan

    problem = generate_varied_day(3, 25)
    day = compile_day(problem)
    routes, runtime_s = vroom_day_plan(problem, day, 1, 1.5)
    check = check_day_plan(problem, day, routes)
    assert runtime_s < 1.5 + 0.5
    assert not check.violations and check.served == len(problem.orders)
    row = VersusRow(
        "day",
        3,
        {
            "foodtrain": PeerPlan("foodtrain", True, 2, 100.0, 0, 1.0),
            "vroom": PeerPlan("vroom", True, 2, 110.0, 0, 1.0),
            "vroom-free": PeerPlan("vroom-free", True, 1, 90.0, 0, 30.0),
        },
    )
    assert row.best_peer().solver == "vroom" and row.verdict()[0] == "won"
    assert row.verdict("vroom-free")[0] == "lost"
    assert summarise([row], "vroom-free")["vans_more"] == 1


def test_a_peer_with_no_plan_in_time_is_no_best_peer() -> None:
    """A VROOM run with no exploration level finished in time hands in nothing: shown as invalid, never
    counted as a plan of 0 vans that serves nobody."""
    pytest.importorskip("vroom")
    import routing.versus as versus

    real = versus.vroom_day_plan
    try:
        versus.vroom_day_plan = lambda problem, day, threads, limit=None: ([], 1.0)  # type: ignore[assignment]  # a stand-in for VROOM, swapped in for this test and back
        row = versus_day(generate_varied_day(3, 25), "day", 1.0, ("vroom",))
    finally:
        versus.vroom_day_plan = real  # type: ignore[assignment]  # a stand-in for VROOM, swapped in for this test and back
    assert not row.plans["vroom"].feasible and "no plan" in row.plans["vroom"].violations[0]
    assert row.best_peer() is None and row.verdict()[0] == "won"
    assert summarise([row])["vans_more"] == 0
