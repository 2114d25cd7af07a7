"""Round 11 diagnosis: what VROOM's pieces do to our plans (run from the root, on generated varied days).

python bench_results/routing/scripts/round11_vroom.py polish LIMIT_S SEED...      the OR-Tools worker's plan after its
    ejection search (LIMIT_S run, stopped before its polish), then VROOM's local search from it at depth 0, 2, 5
python bench_results/routing/scripts/round11_vroom.py fewer LIMIT_S TRY_S SEED... foodtrain's plan (2 workers, LIMIT_S,
    the engines of the run's code), then VROOM's try without its smallest route (TRY_S), and again
python bench_results/routing/scripts/round11_vroom.py heuristics SEED...         each of VROOM's regret constructions
    alone (depth 0): the best eight by visits left out, vans, minutes
Minutes are the model's cost (drive + per-visit shop loading) / 60, the measure of the bench-days tables.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace

from routing.engine import portfolio, search, solve_parallel
from routing.explain import explain_alone
from routing.generator import generate_varied_day
from routing.modelcheck import plan_violations
from routing.planner import compile_day
from routing.vroom_engine import _input, _routes, _searched, vroom_fewer_vans


def _model(seed: int):  # type: ignore[no-untyped-def]
    problem = generate_varied_day(seed)
    full = compile_day(problem)
    problem = replace(problem, orders=tuple(o for k, o in enumerate(problem.orders) if explain_alone(full, k) is None))
    return compile_day(problem).model(), len(problem.orders)


def _say(model, routes) -> str:  # type: ignore[no-untyped-def]
    vans, cost = model.routes_key(routes)
    return f"{vans}v {cost / 60:.1f} min, {len(plan_violations(model, routes))} violations"


def polish(limit_s: float, seeds: list[int]) -> None:
    for seed in seeds:
        model, orders = _model(seed)
        strategy = portfolio(model, 2, 0, ("ortools", "pyvrp"))[0]
        plan = search(model, limit_s, replace(strategy, pyvrp_share=strategy.reduce_share + 0.05)).routes
        print(f"day {seed} ({orders} orders): ejection search's plan {_say(model, plan)}", flush=True)
        for depth in (0, 2, 5):
            started = time.monotonic()
            found = _searched(model, plan, (depth,), 60.0, None)
            if found is not None:
                print(f"  VROOM depth {depth}: {_say(model, found[0])}, {found[1]} left out, "
                      f"{time.monotonic() - started:.1f} s", flush=True)


def fewer(limit_s: float, try_s: float, seeds: list[int]) -> None:
    for seed in seeds:
        model, orders = _model(seed)
        plan = solve_parallel(model, limit_s, 2, 0, engines=("ortools", "pyvrp", "vroom")).routes
        line = f"day {seed} ({orders} orders): foodtrain {_say(model, plan)}"
        for _ in range(2):
            started = time.monotonic()
            plan = vroom_fewer_vans(model, plan, try_s)
            line += f" | without the smallest route: {'none' if plan is None else _say(model, plan)}"
            line += f" {time.monotonic() - started:.1f} s"
            if plan is None:
                break
        print(line, flush=True)


def heuristics(seeds: list[int]) -> None:
    from vroom import _vroom
    from vroom.solution.solution import Solution

    for seed in seeds:
        model, orders = _model(seed)
        inp = _input(model)
        rows = []
        for init in ("NONE", "HIGHER_AMOUNT", "NEAREST", "FURTHEST", "EARLIEST_DEADLINE"):
            for regret in (0.0, 0.5, 1.0, 2.0):
                how = [_vroom.HeuristicParameters(_vroom.HEURISTIC.BASIC, getattr(_vroom.INIT, init), regret)]
                started = time.monotonic()
                routes, left_out = _routes(Solution(inp._solve(exploration_level=0, nb_threads=1, timeout=None,
                                                               h_param=how)), model.num_vehicles)
                vans, cost = model.routes_key(routes)
                rows.append((left_out, vans, cost / 60, time.monotonic() - started, f"{init}/{regret}"))
        rows.sort()
        print(f"day {seed} ({orders} orders): " + " | ".join(
            f"{name} {left}u {vans}v {minutes:.0f} {s:.1f}s" for left, vans, minutes, s, name in rows[:8]), flush=True)


if __name__ == "__main__":
    what, args = sys.argv[1], sys.argv[2:]
    if what == "polish":
        polish(float(args[0]), [int(x) for x in args[1:]])
    elif what == "fewer":
        fewer(float(args[0]), float(args[1]), [int(x) for x in args[2:]])
    else:
        heuristics([int(x) for x in args])
