"""Round 8 component test: the regret insertion start against the sequential (I1) construction, same days.

Usage (from the repository root):
  python bench_results/routing/scripts/round8_construction.py 600 601 602      # every variant, one line each
  python bench_results/routing/scripts/round8_construction.py --best 2.0 600    # best_sequential_routes in 2 s
  python bench_results/routing/scripts/round8_construction.py --pipeline 2.0 600  # each start (sequential: best
      in 2 s), then the PyVRP worker's flow on it: 1.5 s cheapest-place ejection search, 7.5 s PyVRP (40 % one van fewer)
Prints per day: orders, then per construction vans / drive min / waiting min / seconds, and the load.
"""

import sys
import time
from dataclasses import replace

from routing.construct import insertion_routes
from routing.ejection import minimise_routes
from routing.pyvrp_engine import pyvrp_plan
from routing.explain import explain_alone
from routing.generator import generate_varied_day
from routing.planner import compile_day
from routing.sequential import VARIANTS, best_sequential_routes, sequential_routes, waiting_s


def prep(seed: int):
    problem = generate_varied_day(seed)
    full = compile_day(problem)
    problem = replace(problem, orders=tuple(o for k, o in enumerate(problem.orders) if explain_alone(full, k) is None))
    return compile_day(problem).model(), len(problem.orders)


def line(model, routes, took):
    if routes is None:
        return "none"
    vans = sum(1 for r in routes if r)
    return f"{vans}v/{model.routes_cost(routes) / 60:.0f}/{waiting_s(model, routes) / 60:.0f}w/{took:.2f}s"


def main() -> None:
    args = sys.argv[1:]
    best_s, pipeline = None, False
    if args[0] in ("--best", "--pipeline"):
        best_s, pipeline, args = float(args[1]), args[0] == "--pipeline", args[2:]
    for seed in [int(x) for x in args]:
        model, orders = prep(seed)
        out = [seed, orders]
        t = time.monotonic()
        start = insertion_routes(model, 60.0, 0, quick_finish=False)
        out += ["regret", line(model, start, time.monotonic() - t)]
        if best_s is not None:
            t = time.monotonic()
            routes = best_sequential_routes(model, best_s)
            out += ["best", line(model, routes, time.monotonic() - t)]
            if pipeline:
                def key(plan):
                    return (sum(1 for r in plan if r), model.routes_cost(plan)) if plan is not None else (10**9, 0)
                chosen = routes if key(routes) < key(start) else start
                out += ["chosen", "seq" if chosen is routes else "regret"]
                for name, plan in (("regret", start), ("seq", routes)):
                    if plan is None:
                        out += [f"{name}: none"]
                        continue
                    t = time.monotonic()
                    ges, _ = minimise_routes(model, plan, 1.5, seed=0, random_insert=False)
                    after_ges = line(model, ges, time.monotonic() - t)
                    found = pyvrp_plan(model, 7.5, 0, initial=ges, fewer_vans_share=0.4)
                    assert found is not None
                    out += [f"{name}->ges", after_ges, "->pyvrp",
                            line(model, found[0] if found[1] else None, time.monotonic() - t)]
        else:
            for variant in VARIANTS:
                t = time.monotonic()
                routes = sequential_routes(model, variant)
                out += [f"{variant.seed_rule[:3]}{variant.regret}/{variant.time_weight}",
                        line(model, routes, time.monotonic() - t)]
        print(*out, "load", open("/proc/loadavg").read().split()[0], flush=True)


if __name__ == "__main__":
    main()
