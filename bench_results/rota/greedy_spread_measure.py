"""Greedy rota before/after the spread change: seats filled and delivery days with every van empty.

Run from the repository root: .venv/bin/python bench_results/rota/greedy_spread_measure.py [--first-seed 20 --seeds 10]
"old" is the date-order greedy (fill_free_seats in date order), "new" is rota.greedy.greedy_rota.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "rota"))

from independent_generator import independent_month  # noqa: E402

from rota.checker import check  # noqa: E402
from rota.generator import SIZES, generate  # noqa: E402
from rota.greedy import fill_free_seats, greedy_rota  # noqa: E402


def empty_delivery_days(problem, assignments) -> int:
    staffed = {a.slot_id for a in assignments}
    days: dict = defaultdict(lambda: [0, 0])
    for s in problem.slots:
        if s.kind == "delivery":
            days[(s.branch, s.date)][0] += 1
            days[(s.branch, s.date)][1] += s.id in staffed
    return sum(1 for total, staffed_n in days.values() if total and not staffed_n)


def most_delivery_days(problem, time_limit_s: float = 20.0) -> int:
    """The most (branch, date) delivery days any rota under the hard rules can staff (CP-SAT, proven or best)."""
    from ortools.sat.python import cp_model

    from rota.constraints import build_model
    from rota.domain import Weights

    m = build_model(problem, Weights(), soft_rules=False)
    day_vars = []
    by_day = defaultdict(list)
    for (vid, sid, role), var in m.x.items():
        by_day[sid].append((role, var))
    slots = {s.id: s for s in problem.slots}
    days = defaultdict(list)
    for sid, pairs in by_day.items():
        s = slots[sid]
        if s.kind == "delivery":
            days[(s.branch, s.date)].extend(var for role, var in pairs if role == "driver")
    for drivers in days.values():
        y = m.model.new_bool_var("")
        m.model.add(sum(drivers) >= 1).only_enforce_if(y)  # a driver implies a full team (hard rule)
        day_vars.append(y)
    m.model.maximize(sum(day_vars))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 1
    solver.solve(m.model)
    return round(solver.objective_value)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--first-seed", type=int, default=20)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--sizes", nargs="*", default=[s for s in SIZES if s != "four_branches"] + ["independent"])
    args = ap.parse_args()
    print("| size | seeds | old seats | new seats | old lost days | new lost days | days no rota can staff |"
          " new greedy max CPU s |")
    print("|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        tot = defaultdict(int)
        worst_s = 0.0
        unstaffable = 0
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            p = independent_month(seed) if size == "independent" else generate(size, seed)
            old = fill_free_seats(p, (), seed=0)
            t = time.process_time()
            new = greedy_rota(p, seed=0)
            worst_s = max(worst_s, time.process_time() - t)
            all_days = {(s.branch, s.date) for s in p.slots if s.kind == "delivery"}
            unstaffable += len(all_days) - most_delivery_days(p)
            for name, rota in (("old", old), ("new", new)):
                problems = check(p, rota)
                assert not problems, (size, seed, name, problems[:3])
                tot[name + "_seats"] += len(rota)
                tot[name + "_empty"] += empty_delivery_days(p, rota)
        print(f"| {size} | {args.first_seed}-{args.first_seed + args.seeds - 1} | {tot['old_seats']} | "
              f"{tot['new_seats']} | {tot['old_empty']} | {tot['new_empty']} | {unstaffable} | {worst_s:.2f} |", flush=True)


if __name__ == "__main__":
    main()
