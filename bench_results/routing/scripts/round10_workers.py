"""Round 10 probe: each worker of the portfolio on a generated day, side by side with VROOM (run from the root).

python bench_results/routing/scripts/round10_workers.py LIMIT_S SEED [SEED...]
Prints per day: size, each worker's vans / unserved / minutes / phases, and VROOM's (same threads as workers).
Minutes are the model's cost (drive + per-visit shop loading) / 60, the measure of the bench-days tables.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from dataclasses import replace

from routing.engine import portfolio, search
from routing.explain import explain_alone
from routing.generator import generate_varied_day
from routing.planner import compile_day
from routing.versus import check_day_plan, vroom_day_plan

WORKERS = 2


def _one(args):  # type: ignore[no-untyped-def]
    model, limit_s, strategy = args
    started = time.monotonic()
    found = search(model, limit_s, strategy)
    return found.vehicles_used, len(found.dropped), found.cost / 60, time.monotonic() - started, found.phases


def main() -> None:
    import os

    import routing.decompose

    for name in ("GROUPS_SHARE", "GROUP_NODES", "GROUP_SLICE_S"):  # a probe's override, e.g. GROUPS_SHARE=0.9
        if name in os.environ:
            setattr(routing.decompose, name, type(getattr(routing.decompose, name))(os.environ[name]))
    import routing.large

    if "LARGE_DAY_REQUESTS" in os.environ:
        routing.large.LARGE_DAY_REQUESTS = int(os.environ["LARGE_DAY_REQUESTS"])
    limit_s = float(sys.argv[1])
    for seed in [int(x) for x in sys.argv[2:]]:
        problem = generate_varied_day(seed)
        full = compile_day(problem)
        problem = replace(
            problem, orders=tuple(o for k, o in enumerate(problem.orders) if explain_alone(full, k) is None)
        )
        day = compile_day(problem)
        model = day.model()
        strategies = portfolio(model, WORKERS, 0, ("ortools", "pyvrp"))
        if "REDUCE_SHARE" in os.environ:  # the OR-Tools worker's share for the ejection search
            share = float(os.environ["REDUCE_SHARE"])
            strategies = [s if s.engine == "pyvrp" else replace(s, reduce_share=share) for s in strategies]
        with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
            rows = pool.map(_one, [(model, limit_s, s) for s in strategies])
        print(f"day {seed}: {len(problem.orders)} orders, {model.num_nodes} nodes", flush=True)
        for s, (vans, dropped, minutes, secs, phases) in zip(strategies, rows):
            print(f"  {s.engine:7s} vans {vans:3d} left {dropped:3d} min {minutes:8.1f} s {secs:5.1f}  {' '.join(phases)}")
        if os.environ.get("NO_VROOM"):
            continue
        routes, runtime = vroom_day_plan(problem, day, WORKERS, limit_s)
        check = check_day_plan(problem, day, routes)
        vans = sum(1 for _, steps in routes if steps)
        print(
            f"  vroom   vans {vans:3d} left {len(problem.orders) - check.served:3d} min {check.round_min:8.1f} "
            f"s {runtime:5.1f}  {'ok' if not check.violations else check.violations[:1]}",
            flush=True,
        )


if __name__ == "__main__":
    main()
