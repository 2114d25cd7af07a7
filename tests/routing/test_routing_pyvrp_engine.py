"""PyVRP as a portfolio engine: its plans hold every rule, are re-checked by OR-Tools, and several windows stay exact."""

from __future__ import annotations

import pytest

from routing import Params, solve
from routing.engine import EngineSolution, _loads
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
    assert _loads(model, EngineSolution(routes, (), model.routes_cost(routes)))


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
    orders = (
        make_order("a", shop_id=None, size_crates=0, windows=(window("09:00", "09:30"), window("15:00", "15:30"))),
        make_order("b", lat=55.09, shop_id=None, size_crates=0, windows=(window("12:00", "12:30"),)),
    )
    problem = make_problem(vans=(van,), orders=orders)
    model = compile_day(problem).model()
    assert pyvrp_supports(model) is None
    routes = pyvrp_search(model, 0.5)
    assert routes is not None and sorted(n for r in routes for n in r) == sorted(model.visits)
    assert _loads(model, EngineSolution(routes, (), model.routes_cost(routes)))


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


@pytest.mark.parametrize("shop_calls", [1, 2])
def test_pyvrp_charges_a_shops_loading_once_per_visit_like_the_checker(shop_calls: int) -> None:
    """One van, one shop, three orders: PyVRP's objective of a plan is the checker's drive plus per-visit loading.

    Loading all three orders in one call pays the shop's 10 minutes once (38 min in all); calling twice
    pays it twice. A mapping that charged it per pickup, or on shop-to-same-shop arcs, would differ.
    """
    import pyvrp

    from routing.pyvrp_engine import _build, _initial
    from routing.versus import check_day_plan
    from tests.routing.routing_factories import one_shop_three_orders

    problem, steps = one_shop_three_orders(shop_calls)
    day = compile_day(problem)
    model = day.model()
    check = check_day_plan(problem, day, [(0, steps)])
    assert not check.violations
    assert check.shop_visit_loading_min == 10.0 * shop_calls
    node = {(kind, o): day.order_nodes[o][0 if kind == "pickup" else 1] for kind, o in steps}
    data, client_node, _, vehicles = _build(model)
    plan = _initial(data, model, (tuple(node[s] for s in steps),), client_node, vehicles)
    assert isinstance(plan, pyvrp.Solution) and plan.is_feasible()
    assert plan.distance() == pytest.approx(check.round_min * 60)
    assert check.round_min == (38.0 if shop_calls == 1 else 58.0)


@pytest.mark.parametrize("seed", [606, 607])
def test_the_pyvrp_worker_with_a_van_fewer_keeps_every_rule_and_never_adds_vans(seed: int) -> None:
    """Its start (regret insertion), its own run and the one-van-fewer try: every visit once, pairs on
    one van in order, OR-Tools accepts the plan; held to a start's vans, it never ends with more."""
    from routing.construct import insertion_routes
    from routing.pyvrp_engine import pyvrp_plan

    model = compile_day(generate_varied_day(seed, 40)).model()
    found = pyvrp_plan(model, 2.0, seed, fewer_vans_share=0.5)
    assert found is not None and found[1]
    routes = found[0]
    assert sorted(n for r in routes for n in r) == sorted(model.visits)
    van_of = {n: v for v, r in enumerate(routes) for n in r}
    for p, d in model.pairs:
        assert van_of[p] == van_of[d] and routes[van_of[p]].index(p) < routes[van_of[p]].index(d)
    assert _loads(model, EngineSolution(routes, (), model.routes_cost(routes)))
    # from a given start, the one-van-fewer try never ends with more vans than the start had
    start = insertion_routes(model, 30.0)
    assert start is not None
    fewer = pyvrp_plan(
        model, 3.0, seed, initial=start, vehicles=[v for v, r in enumerate(start) if r], fewer_vans_share=0.5
    )
    assert fewer is not None and fewer[1]
    assert sum(1 for r in fewer[0] if r) <= sum(1 for r in start if r)


def test_the_pyvrp_worker_first_lets_the_ejection_search_take_vans_from_its_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a branch day (orders collected at shops) the regret-insertion start goes through the ejection
    search, cheapest places, before PyVRP; the plan still serves every visit once within every rule."""
    import routing.pyvrp_engine as pe

    calls: list[dict[str, object]] = []
    real = pe.minimise_routes

    def spy(*args: object, **kwargs: object) -> object:
        calls.append(kwargs)
        return real(*args, **kwargs)  # type: ignore[arg-type]  # a spy passes the real function's arguments on unchanged

    monkeypatch.setattr(pe, "minimise_routes", spy)
    built = pe.insertion_routes
    # the start always finishes here, however loaded the machine (its own share is tested elsewhere)
    monkeypatch.setattr(pe, "insertion_routes", lambda model, _s, *args, **kwargs: built(model, 30.0, *args, **kwargs))
    model = compile_day(generate_varied_day(606, 40)).model()
    found = pe.pyvrp_plan(model, 3.0, 0, fewer_vans_share=0.4)
    assert found is not None and found[1]
    assert len(calls) == 1 and calls[0]["random_insert"] is False
    routes = found[0]
    assert sorted(n for r in routes for n in r) == sorted(model.visits)
    assert _loads(model, EngineSolution(routes, (), model.routes_cost(routes)))


def test_a_search_without_a_feasible_plan_gives_up_after_its_time() -> None:
    """``give_up_after_s`` ends a search that holds no feasible plan by then (the one-van-fewer try uses it):
    one van cannot serve a day whose service alone outlasts its shift, and the search stops long before its limit."""
    import time

    from routing.pyvrp_engine import pyvrp_plan

    model = compile_day(generate_varied_day(606, 120)).model()
    assert model.service is not None and model.shifts is not None
    assert int(model.service.sum()) > model.shifts[0][1] - model.shifts[0][0]  # one van cannot do it
    paired = {n for pair in model.pairs for n in pair}
    on_one_van = [n for pair in model.pairs for n in pair] + [n for n in model.visits if n not in paired]
    start = tuple(tuple(on_one_van) if v == 0 else () for v in range(model.num_vehicles))
    began = time.monotonic()
    found = pyvrp_plan(model, 60.0, 0, initial=start, vehicles=[0], give_up_after_s=1.0)
    assert found is not None and not found[1]
    assert time.monotonic() - began < 20.0


def test_a_quick_start_ends_only_once_it_holds_a_feasible_plan() -> None:
    """``feasible_after_s`` (the OR-Tools worker's quick PyVRP start on large days) ends the search once its best
    plan is feasible, not while it is still infeasible: from a start with every visit on one van (far over its
    shift) the search goes on until the plan uses more vans and keeps every rule."""
    from routing.pyvrp_engine import pyvrp_plan

    model = compile_day(generate_varied_day(606, 120)).model()
    paired = {n for pair in model.pairs for n in pair}
    on_one_van = [n for pair in model.pairs for n in pair] + [n for n in model.visits if n not in paired]
    start = tuple(tuple(on_one_van) if v == 0 else () for v in range(model.num_vehicles))
    found = pyvrp_plan(model, 60.0, 0, feasible_after_s=0.0, initial=start)
    assert found is not None and found[1]
    routes = found[0]
    assert sorted(n for r in routes for n in r) == sorted(model.visits)
    assert _loads(model, EngineSolution(routes, (), model.routes_cost(routes)))


def test_restarts_from_the_best_plan_keep_its_vans_and_every_rule_and_never_end_worse(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After a successful one-van-fewer try on public instances, PyVRP restarts from the best plan with a new seed
    each time: every run is held to the try's vans, the plan serves every visit once within every rule, it is never
    worse than the plan it started from, and the restarts end by their time."""
    import time

    import routing.pyvrp_engine as pe
    from routing.construct import insertion_routes
    from routing.modelcheck import plan_violations

    seeds: list[int] = []
    real = pe.pyvrp_plan

    def spy(model: object, time_limit_s: float, seed: int, *args: object, **kwargs: object) -> object:
        seeds.append(seed)
        assert time_limit_s <= 1.0 + 1e-9
        return real(model, time_limit_s, seed, *args, **kwargs)  # type: ignore[arg-type]  # passed on unchanged

    monkeypatch.setattr(pe, "pyvrp_plan", spy)
    model = compile_day(generate_varied_day(607, 40)).model()
    start = insertion_routes(model, 30.0)
    assert start is not None
    vans = [v for v, r in enumerate(start) if r]
    began = time.monotonic()
    routes = pe.restarted(model, start, vans, 3.0, 1.0, 11, None)
    assert time.monotonic() - began < 6.0
    assert len(seeds) >= 3 and len(set(seeds)) == len(seeds) and seeds[0] == 11
    assert all(not r for v, r in enumerate(routes) if v not in vans)
    assert sorted(n for r in routes for n in r) == sorted(model.visits)
    van_of = {n: v for v, r in enumerate(routes) for n in r}
    for p, d in model.pairs:
        assert van_of[p] == van_of[d] and routes[van_of[p]].index(p) < routes[van_of[p]].index(d)
    assert _loads(model, EngineSolution(routes, (), model.routes_cost(routes)))
    assert not plan_violations(model, routes)
    assert model.routes_key(routes) <= model.routes_key(start)


def test_restarts_apply_where_vans_count_and_no_route_group_polish_comes_first() -> None:
    """One rule for both workers: a branch day whose orders are collected at shops keeps its route-group polish
    (with VROOM among the engines), the same day without VROOM restarts, and a model where vans do not count never."""
    from dataclasses import replace

    from routing.decompose import polish_applies
    from routing.pyvrp_engine import restarts_apply

    model = compile_day(generate_varied_day(606, 40)).model()
    assert polish_applies(model)
    assert not restarts_apply(model, vroom=True)
    assert restarts_apply(model, vroom=False)
    assert not restarts_apply(replace(model, minimise_vehicles=False), vroom=False)


def test_identical_vans_share_a_vehicle_type_and_each_route_comes_back_on_a_van_of_its_own() -> None:
    """PyVRP gets one vehicle type per kind of van (a type per van slowed its search and cost vans); its routes are
    handed back one per van of the right type, on the vans it was given, and every rule holds."""
    from dataclasses import replace

    from routing.pyvrp_engine import _build, pyvrp_plan
    from tests.routing.node_models import check_routes, random_pdptw

    model, start = random_pdptw(5, pairs=12, vehicles=6)
    model = replace(model, capacity=(10, 10, 10, 4, 4, 10))
    data, _, _, type_vehicles = _build(model)
    assert type_vehicles == [[0, 1, 2, 5], [3, 4]]
    assert [t.num_available for t in data.vehicle_types()] == [4, 2]
    assert [t.capacity for t in data.vehicle_types()] == [[10], [4]]
    assert _build(model, [1, 3, 5])[3] == [[1, 5], [3]]
    found = pyvrp_plan(model, 1.0, 0, initial=start)
    assert found is not None and found[1]
    check_routes(model, found[0])  # a route lost to a van taken twice, or on a van too small, fails here
    held = pyvrp_plan(
        model, 1.0, 0, initial=tuple(r if v in (0, 1, 3) else () for v, r in enumerate(start)), vehicles=[0, 1, 3]
    )
    assert held is not None
    assert all(not r for v, r in enumerate(held[0]) if v not in (0, 1, 3))
