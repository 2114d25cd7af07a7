"""Round 5 probes on large generated days (run from the repository root: python bench_results/routing/scripts/large_days.py ...).

memory SEED ORDERS LIMIT_S        routing.solve with 2 workers; summed PSS of the parent and its workers, every 0.2 s
stop SEED ORDERS AFTER_S[,AFTER_S] a 60 s solve stopped after AFTER_S: how long until it returns, and with what
regions LIMIT_S ORDERS SIZE:SHARE[,SIZE:SHARE] SEED...  the PyVRP worker's region path alone, per region size/share
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import replace

from routing import Params, large, solve
from routing.engine import Strategy, search
from routing.explain import explain_alone
from routing.generator import generate_varied_day
from routing.planner import compile_day


def _tree_rss_mib() -> float:
    """Summed PSS of this process and all its descendants (the search workers and the VROOM children they fork)."""
    me, parent_of = os.getpid(), {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                parent_of[int(pid)] = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            pass
    tree, grown = {me}, True
    while grown:
        grown = False
        for pid, parent in parent_of.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grown = True
    total = 0
    for pid in tree:
        try:
            # proportional set size: pages shared by the forked workers counted once in all
            with open(f"/proc/{pid}/smaps_rollup") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
        except (OSError, StopIteration):
            pass
    return total / 1024


def memory(seed: int, orders: int, limit_s: float) -> None:
    peak, done = [0.0], threading.Event()

    def watch() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_mib())
            time.sleep(0.2)

    threading.Thread(target=watch, daemon=True).start()
    problem = generate_varied_day(seed, orders)
    started = time.monotonic()
    result = solve(problem, Params(time_limit_s=limit_s, workers=2))
    done.set()
    print(f"seed {seed} orders {orders}: {result.status.value} vans {result.vans_used} unserved {len(result.unserved)} "
          f"(not proven {sum(not u.proven for u in result.unserved)}) drive {result.total_drive_min:.1f} min "
          f"wall {time.monotonic() - started:.1f} s peak PSS parent+workers+their children {peak[0]:.0f} MiB")


def stop(seed: int, orders: int, after: list[float]) -> None:
    problem = generate_varied_day(seed, orders)
    for after_s in after:
        started, asked = time.monotonic(), []

        def should_stop() -> bool:
            if time.monotonic() - started > after_s:
                if not asked:
                    asked.append(time.monotonic())
                return True
            return False

        result = solve(problem, Params(time_limit_s=60, workers=2), should_stop=should_stop)
        print(f"stop after {after_s} s: returned {time.monotonic() - asked[0]:.1f} s after the request; "
              f"{result.status.value} vans {result.vans_used} unserved {len(result.unserved)}")


def regions(limit_s: float, orders: int, configs: list[tuple[int, float]], seeds: list[int]) -> None:
    for seed in seeds:
        problem = generate_varied_day(seed, orders)
        full = compile_day(problem)
        problem = replace(problem, orders=tuple(o for k, o in enumerate(problem.orders) if explain_alone(full, k) is None))
        model = compile_day(problem).model()
        for size, share in configs:
            large.REGION_REQUESTS, large.REGIONS_SHARE = size, share
            started = time.monotonic()
            found = search(model, limit_s, Strategy("PARALLEL_CHEAPEST_INSERTION", engine="pyvrp", seed=0))
            print(f"seed {seed} region {size} share {share}: {found.vehicles_used} vans {len(found.dropped)} left out "
                  f"cost {found.cost} {time.monotonic() - started:.1f} s {found.phases}")


if __name__ == "__main__":
    what, args = sys.argv[1], sys.argv[2:]
    if what == "memory":
        memory(int(args[0]), int(args[1]), float(args[2]))
    elif what == "stop":
        stop(int(args[0]), int(args[1]), [float(x) for x in args[2].split(",")])
    elif what == "regions":
        pairs = [(int(c.split(":")[0]), float(c.split(":")[1])) for c in args[2].split(",")]
        regions(float(args[0]), int(args[1]), pairs, [int(s) for s in args[3:]])
    else:
        sys.exit(__doc__)
