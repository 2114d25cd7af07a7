"""Round 10 component test: the same plan (regret insertion 3 s, ejection search 3 s) polished 4.5 s by PyVRP on
the whole day, or by route groups (routing.decompose) for a share of the time and then the whole day.

python bench_results/routing/scripts/round10_groups.py LIMIT_S GROUPS_SHARE SEED [SEED...]   (from the repository root)
e.g. ... 4.5 0.6 2003 2005 2007 2012 2019 2021 2001 2022 (the README table)
"""

from __future__ import annotations

import sys
from dataclasses import replace

from routing.construct import insertion_routes
from routing.decompose import polish_by_groups
from routing.ejection import minimise_routes
from routing.explain import explain_alone
from routing.generator import generate_varied_day
from routing.planner import compile_day
from routing.pyvrp_engine import pyvrp_plan


def day_model(seed: int):  # type: ignore[no-untyped-def]
    problem = generate_varied_day(seed)
    full = compile_day(problem)
    problem = replace(problem, orders=tuple(o for k, o in enumerate(problem.orders) if explain_alone(full, k) is None))
    return compile_day(problem).model()


def main() -> None:
    limit_s, share = float(sys.argv[1]), float(sys.argv[2])
    for seed in map(int, sys.argv[3:]):
        model = day_model(seed)
        start = insertion_routes(model, 3.0, 0)
        plan, _ = minimise_routes(model, start, 3.0, seed=0)
        used = [v for v in range(model.num_vehicles) if plan[v]]
        line = f"day {seed} ({model.num_nodes} nodes): start {len(used)} vans {model.routes_cost(plan) / 60:.1f} min"
        whole = pyvrp_plan(model, limit_s, 7, None, initial=plan, vehicles=used)
        line += f" | whole day {sum(1 for r in whole[0] if r)} vans {model.routes_cost(whole[0]) / 60:.1f}"
        grouped = polish_by_groups(model, plan, limit_s * share, 7)
        used = [v for v in range(model.num_vehicles) if grouped[v]]
        then = pyvrp_plan(model, limit_s * (1 - share), 7, None, initial=grouped, vehicles=used)
        if then is not None and then[1] and model.routes_cost(then[0]) < model.routes_cost(grouped):
            grouped = then[0]
        line += f" | groups then whole day {sum(1 for r in grouped if r)} vans {model.routes_cost(grouped) / 60:.1f}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
