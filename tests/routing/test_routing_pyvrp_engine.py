"""PyVRP as a portfolio engine: its plans hold every rule, are re-checked by OR-Tools, and several windows stay exact."""

from __future__ import annotations

import pytest

from routing import Params, solve
from routing.engine import EngineSolution, _loads, _routes_cost
from routing.generator import generate_day, generate_varied_day
from routing.planner import compile_day
from tests.routing.routing_factories import check_invariants, make_order, make_problem, make_van, window

pytest.importorskip("pyvrp")

from routing.pyvrp_engine import pyvrp_search, pyvrp_supports  # noqa: E402


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pyvrp_plans_of_generated_days_load_into_or_tools(seed: int) -> None:
    """PyVRP's plan serves every visit once, keeps pairs on one van, and OR-Tools accepts it as its own."""
    model = compile_day(generate_varied_day(seed, 30)).model()
    routes = pyvrp_search(model, 1.5, seed)
    assert routes is not None
    served = [n for r in routes for n in r]
    assert sorted(served) == sorted(model.visits)
    van_of = {n: v for v, r in enumerate(routes) for n in r}
    for p, d in model.pairs:
        assert van_of[p] == van_of[d] and routes[van_of[p]].index(p) < routes[van_of[p]].index(d)
    assert _loads(model, EngineSolution(routes, (), _routes_cost(model, routes)))


@pytest.mark.parametrize("seed", [4, 5])
def test_solves_with_the_pyvrp_worker_hold_every_invariant(seed: int) -> None:
    """A two-worker solve whose second worker starts from PyVRP keeps every rule of the day."""
    problem = generate_day(seed=seed, orders=35)
    result = solve(problem, Params(time_limit_s=3, workers=2, engines=("ortools", "pyvrp")))
    check_invariants(problem, result)
    assert not result.unserved


def test_a_plain_visit_with_two_windows_is_kept_to_one_of_them() -> None:
    """A visit allowed 09:00-09:30 or 15:00-15:30 is served inside one of the two, never in between."""
    van = make_van(shift_start_min=8 * 60, shift_end_min=17 * 60)
    orders = (make_order("a", shop_id=None, size_crates=0, windows=(window("09:00", "09:30"), window("15:00", "15:30"))),
              make_order("b", lat=55.09, shop_id=None, size_crates=0, windows=(window("12:00", "12:30"),)))
    problem = make_problem(vans=(van,), orders=orders)
    model = compile_day(problem).model()
    assert pyvrp_supports(model) is None
    routes = pyvrp_search(model, 0.5)
    assert routes is not None and sorted(n for r in routes for n in r) == sorted(model.visits)
    assert _loads(model, EngineSolution(routes, (), _routes_cost(model, routes)))


def test_a_delivery_with_several_windows_is_not_handed_to_pyvrp() -> None:
    """PyVRP shipments take one window per step: such a day is left to OR-Tools, with the reason."""
    orders = (make_order("a", windows=(window("09:00", "10:00"), window("14:00", "15:00"))),)
    model = compile_day(make_problem(orders=orders)).model()
    assert "several windows" in (pyvrp_supports(model) or "")
    assert pyvrp_search(model, 0.5) is None
    result = solve(make_problem(orders=orders), Params(time_limit_s=1, workers=2))
    assert result.vans_used == 1 and not result.unserved


def test_unknown_engines_are_refused() -> None:
    """Params.engines must include OR-Tools and name only known engines."""
    from routing import ProblemError

    with pytest.raises(ProblemError, match="engines"):
        solve(make_problem(), Params(engines=("pyvrp",)))
    with pytest.raises(ProblemError, match="engines"):
        solve(make_problem(), Params(engines=("ortools", "gurobi")))
