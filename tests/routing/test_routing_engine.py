"""The OR-Tools layer and the library's boundaries."""

from __future__ import annotations

import subprocess
import sys

import pytest

import routing.solver
from routing import Params, Status, solve
from routing.benchmark import default_bench_dir, instance_model
from routing.engine import EngineSolution, _Built, _solve_phase, portfolio, search
from routing.evaluation import evaluate
from routing.instances import read_instance
from routing_factories import make_order, make_problem

BENCH = default_bench_dir()


def test_library_imports_no_web_or_database_code() -> None:
    """Importing every routing module pulls in neither flask, sqlalchemy, foodtrain nor web."""
    code = (
        "import sys, routing, routing.cli, routing.benchmark, routing.daybench, routing.serialization;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'flask','sqlalchemy','foodtrain','web'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_no_solution_in_time_lists_every_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """If the search finds nothing, the status says so and every order is listed with a reason."""

    def nothing(model: object, *args: object, **kwargs: object) -> EngineSolution:
        return EngineSolution((), (), 0, found=False)

    monkeypatch.setattr(routing.solver, "solve_parallel", nothing)
    problem = make_problem(orders=(make_order("a"), make_order("b")))
    result = solve(problem, Params(time_limit_s=1, workers=1))
    assert result.status == Status.NO_SOLUTION_IN_TIME
    assert [u.order_id for u in result.unserved] == ["a", "b"]
    assert all("time limit" in u.reason for u in result.unserved)


@pytest.mark.skipif(not (BENCH / "cvrp").is_dir(), reason="benchmark instances not present")
def test_a_n32_k5_reaches_its_optimum_within_10_s() -> None:
    """One worker finds the proven optimum 784 of A-n32-k5 within 10 s (5 s on a quiet machine), checked by the evaluator."""
    inst = read_instance(BENCH / "cvrp" / "A" / "A-n32-k5.vrp")
    model = instance_model(inst)
    sol = search(model, 10.0, portfolio(model, 1)[0])
    ev = evaluate(inst, [[inst.file_ids[k] for k in r] for r in sol.routes if r])
    assert ev.feasible and ev.cost == 784


def test_portfolio_rotates_with_seed() -> None:
    """Different seeds start the worker portfolio on different construction heuristics."""
    model = instance_model(read_instance(BENCH / "pdptw" / "lc101.txt")) if (BENCH / "pdptw").is_dir() else None
    if model is None:
        pytest.skip("benchmark instances not present")
    assert portfolio(model, 1, seed=0)[0].first_solution != portfolio(model, 1, seed=1)[0].first_solution


def test_vehicle_count_ranks_plans_only_when_it_counts() -> None:
    """With vehicles minimised, fewer vehicles beat less cost; for CVRP only cost counts."""
    fewer = EngineSolution(((1, 2), ()), (), 100)
    cheaper = EngineSolution(((1,), (2,)), (), 90)
    assert fewer.key(True) < cheaper.key(True)
    assert cheaper.key(False) < fewer.key(False)


@pytest.mark.skipif(not (BENCH / "cvrp").is_dir(), reason="benchmark instances not present")
def test_cvrp_search_keeps_a_cheaper_plan_with_more_routes() -> None:
    """X-n101-k25: the cost phase's plan is kept even where it uses more routes than the first one."""
    inst = read_instance(BENCH / "cvrp" / "X" / "X-n101-k25.vrp")
    model = instance_model(inst)
    strategy = portfolio(model, 1)[0]
    built = _Built(model, list(range(model.num_vehicles)), None, 0)
    first = _solve_phase(built, strategy, 5.0, first_only=True)  # the construction alone
    assert first is not None
    sol = search(model, 4.0, strategy)
    ev = evaluate(inst, [[inst.file_ids[k] for k in r] for r in sol.routes if r])
    assert ev.feasible and ev.cost < first.cost
