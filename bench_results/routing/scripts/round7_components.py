"""Round 7 component tests on tuning days (same start for both variants; one line per day).

Usage (from the repository root):
  python bench_results/routing/scripts/round7_components.py ges 5 5 613 618      # ejection search random v cheapest
  python bench_results/routing/scripts/round7_components.py pyvrp-start 9 1.5 613 618  # PyVRP worker start
ges: regret insertion start, then the ejection search for ARG1 s (random, then cheapest places) and PyVRP for
ARG2 s from each plan held to its vans. pyvrp-start: PyVRP's worker flow (40 % for one van fewer) for ARG1 s from
the insertion start, against ARG2 s of cheapest-place ejection search and ARG1-ARG2 s of the same flow.
"""

import sys
from dataclasses import replace

from routing.construct import insertion_routes
from routing.ejection import minimise_routes
from routing.explain import explain_alone
from routing.generator import generate_varied_day
from routing.planner import compile_day
from routing.pyvrp_engine import pyvrp_plan


def prep(seed: int):
    problem = generate_varied_day(seed)
    full = compile_day(problem)
    problem = replace(problem, orders=tuple(o for k, o in enumerate(problem.orders) if explain_alone(full, k) is None))
    return compile_day(problem).model()


def vans(routes) -> int:
    return sum(1 for r in routes if r)


def main() -> None:
    what, first_s, second_s = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    for seed in [int(x) for x in sys.argv[4:]]:
        model = prep(seed)
        start = insertion_routes(model, 30.0, 0)
        load = open("/proc/loadavg").read().split()[0]
        if what == "ges":
            out = [seed, "start", vans(start), model.routes_cost(start)]
            for random_insert in (True, False):
                ges, stats = minimise_routes(model, start, first_s, seed=0, random_insert=random_insert)
                used = [v for v in range(model.num_vehicles) if ges[v]]
                polished, _ = pyvrp_plan(model, second_s, 7, initial=ges, vehicles=used)
                out += ["random" if random_insert else "cheapest", stats.routes_after, stats.success_s,
                        model.routes_cost(ges), "->", vans(polished), model.routes_cost(polished)]
        else:
            before, _ = pyvrp_plan(model, first_s, 0, initial=start, fewer_vans_share=0.4)
            ges, stats = minimise_routes(model, start, second_s, seed=0, random_insert=False)
            after, _ = pyvrp_plan(model, first_s - second_s, 0, initial=ges, fewer_vans_share=0.4)
            out = [seed, "start", vans(start), "before", vans(before), model.routes_cost(before),
                   "after", vans(after), model.routes_cost(after), "ejection", stats.routes_after]
        print(*out, "load", load, flush=True)


if __name__ == "__main__":
    main()
