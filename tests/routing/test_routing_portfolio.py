"""The portfolio with PyVRP: the cheap re-check agrees with OR-Tools, no worker's plan is lost, large days are complete."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from routing import Params, solve
from routing.engine import EngineSolution, NodeModel, _loads, solve_parallel
from routing.generator import generate_day, generate_varied_day
from routing.modelcheck import plan_violations, repair
from routing.planner import compile_day
from routing.versus import check_day_plan
from tests.routing.routing_factories import check_invariants

pytest.importorskip("pyvrp")

from routing.pyvrp_engine import pyvrp_plan, pyvrp_search  # noqa: E402


def _model(seed: int, orders: int) -> NodeModel:
    return compile_day(generate_varied_day(seed, orders)).model()


def _shuffled(model: NodeModel, routes: tuple[tuple[int, ...], ...], rng: random.Random) -> tuple[tuple[int, ...], ...]:
    """The plan with one visit moved somewhere else (often breaking a rule, sometimes not)."""
    out = [list(r) for r in routes]
    used = [v for v, r in enumerate(out) if r]
    v = rng.choice(used)
    node = out[v].pop(rng.randrange(len(out[v])))
    w = rng.randrange(model.num_vehicles)
    out[w].insert(rng.randrange(len(out[w]) + 1), node)
    return tuple(tuple(r) for r in out)


@pytest.mark.parametrize("seed", [11, 12])
def test_the_cheap_check_agrees_with_or_tools_on_moved_visits(seed: int) -> None:
    """On 40 plans one move away from a feasible one, the cheap check accepts exactly those OR-Tools loads."""
    model = _model(seed, 30)
    routes = pyvrp_search(model, 1.0, seed)
    assert routes is not None and plan_violations(model, routes) == []
    rng = random.Random(seed)
    verdicts = set()
    for _ in range(40):
        moved = _shuffled(model, routes, rng)
        ours = not plan_violations(model, moved)
        assert ours == _loads(model, EngineSolution(moved, (), model.routes_cost(moved))), moved
        verdicts.add(ours)
    assert verdicts == {True, False}  # both kinds of plan were tried


def test_the_cheap_check_names_each_broken_rule() -> None:
    """Delivery before pickup, a visit twice, a pair split over two vans: each comes back with its reason."""
    model = _model(13, 20)
    routes = pyvrp_search(model, 1.0, 13)
    assert routes is not None
    p, d = model.pairs[0]
    v = next(k for k, r in enumerate(routes) if p in r)
    swapped = [list(r) for r in routes]
    i, j = swapped[v].index(p), swapped[v].index(d)
    swapped[v][i], swapped[v][j] = d, p
    assert any("delivery not after its pickup" in why for why in plan_violations(model, swapped))
    twice = [list(r) for r in routes]
    twice[v].append(p)
    assert any("visited twice" in why for why in plan_violations(model, twice))
    w = next(k for k in range(model.num_vehicles) if k != v)
    split = [list(r) for r in routes]
    split[v].remove(d)
    split[w].append(d)
    assert any("same vehicle" in why for why in plan_violations(model, split))


def test_repair_leaves_a_valid_plan_and_names_what_it_took_out() -> None:
    """Whatever the broken plan, the repaired one passes the check and every visit is served or listed."""
    model = _model(14, 40)
    rng = random.Random(14)
    visits = list(model.visits)
    for _ in range(10):
        rng.shuffle(visits)
        broken = [visits[k::3] for k in range(3)] + [[] for _ in range(model.num_vehicles - 3)]
        routes, dropped = repair(model, broken)
        assert plan_violations(model, routes) == []
        assert sorted([n for r in routes for n in r] + list(dropped)) == sorted(model.visits)


def test_an_infeasible_pyvrp_best_comes_back_marked_as_such() -> None:
    """A PyVRP run too short for a feasible plan says so instead of passing off a broken plan."""
    model = _model(15, 60)
    found = pyvrp_plan(model, 5.0, 0, stop=lambda: True)
    assert found is not None
    routes, feasible = found
    assert feasible == (
        plan_violations(model, routes) == [] and sorted(n for r in routes for n in r) == sorted(model.visits)
    )


@pytest.mark.slow
@pytest.mark.parametrize("engines,workers", [(("ortools",), 1), (("ortools", "pyvrp"), 1), (("ortools", "pyvrp"), 2)])
@pytest.mark.parametrize("seed", [21, 22])
def test_every_engine_path_holds_the_invariants_and_its_cost(engines: tuple[str, ...], workers: int, seed: int) -> None:
    """OR-Tools alone, OR-Tools warm-starting PyVRP, and the PyVRP worker: every rule held, and the
    independent day check computes the drive the solver reports."""
    problem = generate_varied_day(seed, 40)
    result = solve(problem, Params(time_limit_s=2.5, workers=workers, engines=engines))
    check_invariants(problem, result)
    day = compile_day(problem)
    index_of = {o.id: k for k, o in enumerate(problem.orders)}
    van_index = {v.id: k for k, v in enumerate(problem.vans)}
    plan = [
        (van_index[r.van_id], [(s.kind, index_of[s.order_id]) for s in r.stops if s.order_id is not None])
        for r in result.routes
    ]
    check = check_day_plan(problem, day, plan)
    assert check.violations == []
    assert check.served == len(problem.orders) - len(result.unserved)
    assert check.drive_min == pytest.approx(result.total_drive_min, abs=1e-6)


def test_the_portfolio_never_returns_a_plan_worse_than_a_worker_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each worker (the PyVRP one included) writes down what it returned; the portfolio's plan is no worse."""
    import routing.engine as engine

    search = engine.search

    def recording(model, time_limit_s, strategy, stop=None, report=None):
        found = search(model, time_limit_s, strategy, stop, report)
        (tmp_path / f"{strategy.engine}-{strategy.seed}.json").write_text(
            json.dumps([found.found, list(found.key(model.minimise_vehicles))])
        )
        return found

    monkeypatch.setattr(engine, "search", recording)  # the forked workers inherit it
    model = _model(23, 60)
    heard: list[EngineSolution] = []
    winner = solve_parallel(model, 3.0, 2, 0, engines=("ortools", "pyvrp"), report=heard.append)
    written = {p.stem: json.loads(p.read_text()) for p in tmp_path.glob("*.json")}
    # a worker still busy 1.2 s after the limit (a loaded machine) is ended before it writes; its
    # plans so far were reported, and the winner is no worse than any of them
    assert written and heard
    assert all(winner.key() <= found.key() for found in heard)
    for name, (found, key) in written.items():
        if found:
            assert winner.key() <= tuple(key), name
    assert winner.cost == model.routes_cost(winner.routes)
    assert plan_violations(model, winner.routes) == []


@pytest.mark.slow
def test_a_large_generated_day_ends_with_no_unplanned_order() -> None:
    """A 220-order day (about 470 nodes: PyVRP gives the first plan) at 6 s with 2 workers serves every order."""
    problem = generate_varied_day(24, 220)
    result = solve(problem, Params(time_limit_s=6, workers=2))
    check_invariants(problem, result)
    assert not [u for u in result.unserved if not u.proven]


def test_the_generated_fixed_day_still_serves_everyone_with_one_worker() -> None:
    """The app's one-worker setting with PyVRP warm-started from OR-Tools: a 35-order day complete."""
    problem = generate_day(seed=5, orders=35)
    result = solve(problem, Params(time_limit_s=2, workers=1))
    check_invariants(problem, result)
    assert not result.unserved


def test_pyvrp_sees_one_place_per_address_as_a_peer_run_does() -> None:
    """The shop's pickups and the vans' depots at one base share a PyVRP location: as many locations as addresses."""
    from routing.pyvrp_engine import _build, shared_places

    day = compile_day(generate_varied_day(401, 60))
    model = day.model()
    place = shared_places(model)
    assert len(set(place.tolist())) == len(day.location_ids)
    assert all(
        (place[i] == place[j]) == (day.nodes[i].loc == day.nodes[j].loc)
        for i in range(0, model.num_nodes, 7)
        for j in range(model.num_nodes)
    )
    assert _build(model)[0].num_locations == len(day.location_ids)


def test_on_branch_days_the_or_tools_worker_leaves_more_time_to_the_route_groups() -> None:
    """With PyVRP in the portfolio and orders collected at shops, the OR-Tools worker's ejection search ends at
    BRANCH_DAY_REDUCE_SHARE; without PyVRP, and on Li & Lim's days (pickups spread out), it keeps its share."""
    from routing.benchmark import default_bench_dir, instance_model
    from routing.engine import BRANCH_DAY_REDUCE_SHARE, portfolio
    from routing.instances import read_instance

    day = compile_day(generate_varied_day(2004)).model()
    with_pyvrp = portfolio(day, 2, 0, ("ortools", "pyvrp"))
    assert [s.reduce_share for s in with_pyvrp if s.engine == "ortools"] == [BRANCH_DAY_REDUCE_SHARE]
    assert BRANCH_DAY_REDUCE_SHARE < portfolio(day, 2, 0, ("ortools",))[0].reduce_share
    li_lim = default_bench_dir() / "pdptw" / "lc101.txt"
    if li_lim.is_file():
        model = instance_model(read_instance(li_lim))
        ortools = [s for s in portfolio(model, 2, 0, ("ortools", "pyvrp")) if s.engine == "ortools"]
        assert ortools[0].reduce_share == portfolio(model, 2, 0, ("ortools",))[0].reduce_share
