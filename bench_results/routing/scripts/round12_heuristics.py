"""Round 12: which of VROOM's regret constructions reach the fewest vans on branch days (run from the root).

python bench_results/routing/scripts/round12_heuristics.py grid SEED...      each (first visit, regret weight) pair of
    5 x 10 alone (VROOM's construction and its depth-0 search, one thread, the whole fleet): one JSON line per pair
python bench_results/routing/scripts/round12_heuristics.py cover MIN_ORDERS FILE...  from grid lines, the pairs in
    the order of a greedy cover: each next pair reaches the fewest vans any pair reached on the most days not yet
    covered (ties: on more days in all, then the lower mean cost ratio); days of MIN_ORDERS orders or more
The lines for those days are in bench_results/routing/round12-heuristics-grid.jsonl. START_HEURISTICS
(routing/vroom_engine.py) is the cover of days 3100-3105, 3300-3305, 3400-3405, 3500-3505, 3600-3605,
4105, 4202 and 4304 at MIN_ORDERS 150, with three pairs that did best on smaller days after it.
"""

from __future__ import annotations

import collections
import json
import sys
import time

from round11_vroom import _model

from routing.vroom_engine import _input, _routes

FIRST_VISITS = ("NONE", "HIGHER_AMOUNT", "NEAREST", "FURTHEST", "EARLIEST_DEADLINE")
REGRET_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0, 1.4, 2.0)


def grid(seeds: list[int]) -> None:
    from vroom import _vroom
    from vroom.solution.solution import Solution

    for seed in seeds:
        model, orders = _model(seed)
        inp = _input(model)
        for first_visit in FIRST_VISITS:
            for regret in REGRET_WEIGHTS:
                how = [_vroom.HeuristicParameters(_vroom.HEURISTIC.BASIC, getattr(_vroom.INIT, first_visit), regret)]
                started = time.monotonic()
                found = inp._solve(exploration_level=0, nb_threads=1, timeout=None, h_param=how)
                routes, left_out = _routes(Solution(found), model.num_vehicles)
                vans, cost = model.routes_key(routes)
                line = {"seed": seed, "orders": orders, "init": first_visit, "regret": regret, "left": left_out}
                line.update(vans=vans, cost=cost, s=round(time.monotonic() - started, 2))
                print(json.dumps(line), flush=True)


def cover(min_orders: int, files: list[str]) -> None:
    rows = [json.loads(line) for name in files for line in open(name)]
    by_day: dict[int, dict[tuple[str, float], tuple[int, int, int]]] = collections.defaultdict(dict)
    for r in rows:
        if r["orders"] >= min_orders:
            by_day[r["seed"]][(r["init"], r["regret"])] = (r["left"], r["vans"], r["cost"])
    best = {day: min(found.values()) for day, found in by_day.items()}
    pairs = sorted({pair for found in by_day.values() for pair in found})
    hits = {p: {d for d in by_day if by_day[d].get(p, (1 << 30,))[:2] == best[d][:2]} for p in pairs}

    def mean_ratio(p: tuple[str, float]) -> float:
        return sum(by_day[d][p][2] / best[d][2] for d in by_day if p in by_day[d]) / len(by_day)

    covered: set[int] = set()
    while len(covered) < len(by_day):
        pick = max(pairs, key=lambda p: (len(hits[p] - covered), len(hits[p]), -mean_ratio(p)))
        covered |= hits[pick]
        print(f"{pick[0]} {pick[1]}: fewest vans on {len(hits[pick])} of {len(by_day)} days, {len(covered)} covered")


if __name__ == "__main__":
    what, args = sys.argv[1], sys.argv[2:]
    if what == "grid":
        grid([int(x) for x in args])
    else:
        cover(int(args[0]), args[1:])
