"""Round 6, step 2: the regret-insertion start's own plan against VROOM's time-limited plan, one checker.

Usage (from the repository root): python bench_results/routing/scripts/start_vs_vroom.py 10 600 609 610
(first argument: VROOM's time limit in seconds, 1 thread; then generator seeds of varied days).
One JSON line per day: the start's vans, minutes (drive + per-visit shop loading, DayCheck.round_min),
its seconds, and VROOM's.
"""

import json
import sys
import time
from dataclasses import replace

from routing.construct import insertion_routes
from routing.explain import explain_alone
from routing.generator import generate_varied_day
from routing.planner import compile_day
from routing.versus import check_day_plan, vroom_day_plan


def main() -> None:
    vroom_s = float(sys.argv[1])
    for seed in [int(x) for x in sys.argv[2:]]:
        problem = generate_varied_day(seed)
        full = compile_day(problem)
        problem = replace(problem, orders=tuple(o for k, o in enumerate(problem.orders) if explain_alone(full, k) is None))
        day = compile_day(problem)
        model = day.model()
        started = time.monotonic()
        routes = insertion_routes(model, 60.0)
        start_s = time.monotonic() - started
        assert routes is not None
        ours = check_day_plan(problem, day, [(v, [(day.nodes[n].kind, day.nodes[n].order) for n in r])
                                             for v, r in enumerate(routes) if r])
        theirs_routes, theirs_s = vroom_day_plan(problem, day, 1, vroom_s)
        theirs = check_day_plan(problem, day, theirs_routes)
        complete = theirs.served == len(problem.orders) and not theirs.violations
        print(json.dumps({
            "seed": seed, "orders": len(problem.orders),
            "start_vans": sum(1 for r in routes if r), "start_min": round(ours.round_min, 1),
            "start_s": round(start_s, 2), "start_valid": not ours.violations and ours.served == len(problem.orders),
            "vroom_vans": sum(1 for _, s in theirs_routes if s), "vroom_min": round(theirs.round_min, 1),
            "vroom_served": theirs.served, "vroom_s": round(theirs_s, 2),
            "ratio": round(ours.round_min / theirs.round_min, 3) if complete and theirs.round_min else None}), flush=True)


if __name__ == "__main__":
    main()
