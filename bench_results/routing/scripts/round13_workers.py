"""Each portfolio worker of one public instance on its own, side by side (round 13's diagnosis).

    python bench_results/routing/scripts/round13_workers.py ../shared/bench/vrptw/R209.txt 30

prints per worker: engine, vans, cost, phases and its last reports (seconds, vans, cost). Environment knobs used in
round 13: ``RS`` overrides the OR-Tools worker's reduce share, ``FVS`` the PyVRP worker's one-van-fewer share.
"""

import multiprocessing as mp
import os
import sys
import time
from dataclasses import replace

import routing.pyvrp_engine as pe
from routing.benchmark import instance_model
from routing.engine import EngineSolution, portfolio, search
from routing.instances import read_instance

path, time_limit_s = sys.argv[1], float(sys.argv[2])
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
if "FVS" in os.environ:
    pe.FEWER_VANS_SHARE = float(os.environ["FVS"])
model = instance_model(read_instance(path))
strategies = portfolio(model, 2, seed, ("ortools", "pyvrp", "vroom"))
if "RS" in os.environ:
    strategies[0] = replace(strategies[0], reduce_share=float(os.environ["RS"]))


def run(i: int) -> tuple[int, int, int, tuple[str, ...], list[tuple[float, int, int]]]:
    began = time.monotonic()
    trace: list[tuple[float, int, int]] = []

    def tell(found: EngineSolution) -> None:
        trace.append((round(time.monotonic() - began, 1), found.vehicles_used, found.cost))

    result = search(model, time_limit_s, strategies[i], lambda: False, tell)
    return i, result.vehicles_used, result.cost, result.phases, trace[-6:]


if __name__ == "__main__":
    with mp.get_context("fork").Pool(len(strategies)) as pool:
        for i, vans, cost, phases, trace in pool.map(run, range(len(strategies))):
            print(i, strategies[i].engine, vans, cost, phases, trace)
