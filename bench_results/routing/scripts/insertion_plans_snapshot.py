"""The plans of the pure-Python constructions and searches on fixed inputs, as one JSON document.

Written for the move of the insertion machinery out of routing/ejection.py into routing/insertion.py
(issue 12): run it before and after a change that must not change behaviour and compare the outputs
byte for byte. Deterministic: fixed seeds, and each module's clock replaced by one that advances a
fixed step per call, so a time limit is a number of clock reads, not seconds of a loaded machine.

Usage (from the repository root; the Li & Lim files under ../shared/bench/pdptw):
    python bench_results/routing/scripts/insertion_plans_snapshot.py > before.json
(on a tree from before the move, forget_insertion_data was routing.ejection.forget_data).
Covers rough_routes, insertion_routes (full, quick finish, partial), sequential_routes (4 variants),
best_sequential_routes, waiting_s, minimise_routes (random and cheapest places), improve_cost and
insert_dropped on generated days 601, 602 and 3, a random PDPTW and Li & Lim lc101 and lr101.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import routing.construct as construct
import routing.ejection as ejection
import routing.lns as lns
import routing.sequential as sequential
from routing.benchmark import default_bench_dir, instance_model
from routing.engine import NodeModel
from routing.explain import explain_alone
from routing.generator import generate_day, generate_varied_day
from routing.insertion import forget_insertion_data
from routing.instances import read_instance
from routing.planner import compile_day

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tests" / "routing"))
from node_models import random_pdptw  # noqa: E402


class StepClock:
    """A ``time`` module whose monotonic() advances ``step_s`` per call."""

    def __init__(self, step_s: float) -> None:
        self.now_s, self.step_s = 0.0, step_s

    def monotonic(self) -> float:
        self.now_s += self.step_s
        return self.now_s


def use_step_clocks(step_s: float) -> None:
    for module in (ejection, lns, sequential, construct):
        module.time = StepClock(step_s)


def fixed_models() -> list[tuple[str, NodeModel]]:
    out = []
    for seed in (601, 602):
        problem = generate_varied_day(seed, 50)
        full = compile_day(problem)
        problem = replace(problem, orders=tuple(o for k, o in enumerate(problem.orders)
                                                if explain_alone(full, k) is None))
        out.append((f"varied{seed}", compile_day(problem).model()))
    out.append(("day3", compile_day(generate_day(seed=3, orders=40)).model()))
    out.append(("pdptw7", random_pdptw(7, 20, 20)[0]))
    for name in ("lc101", "lr101"):
        out.append((name, instance_model(read_instance(default_bench_dir() / "pdptw" / f"{name}.txt"))))
    return out


def plans_of(model: NodeModel) -> dict[str, object]:
    plans: dict[str, object] = {}
    use_step_clocks(1e-6)
    plans["rough"] = construct.rough_routes(model)
    start = plans["insertion"] = construct.insertion_routes(model, 1e9, seed=1)
    use_step_clocks(1e-6)
    plans["insertion_quick"] = construct.insertion_routes(model, 0.0, seed=2)
    stop_after_30 = iter([False] * 30 + [True] * 10**7).__next__
    plans["insertion_partial"] = construct.insertion_routes(model, 1e9, partial=True, seed=3, stop=stop_after_30)
    for k, variant in enumerate(sequential.VARIANTS[:4]):
        plans[f"seq{k}"] = sequential.sequential_routes(model, variant)
    use_step_clocks(1e-6)
    plans["best_seq"] = sequential.best_sequential_routes(model, 1e9, variants=sequential.VARIANTS[:3])
    start = start if start is not None else plans["best_seq"]
    if start is None:
        return plans
    plans["waiting"] = sequential.waiting_s(model, start)
    for random_insert in (True, False):
        use_step_clocks(1e-6)
        plans[f"ges{random_insert}"] = ejection.minimise_routes(model, start, 1e9, seed=5, max_steps_per_route=300,
                                                                random_insert=random_insert)
    use_step_clocks(1e-4)
    plans["lns"] = lns.improve_cost(model, start, 1.0, seed=9)
    # the requests of the first six visits (by node number) taken out, then fitted back
    partner = dict(model.pairs) | {d: p for p, d in model.pairs}
    gone = {x for n in sorted(n for r in start for n in r)[:6] for x in (n, partner.get(n, n))}
    kept = tuple(tuple(x for x in r if x not in gone) for r in start)
    use_step_clocks(1e-6)
    plans["insert_dropped"] = ejection.insert_dropped(model, kept, sorted(gone), 1e9, seed=4, random_insert=False)
    use_step_clocks(1e-6)
    plans["insert_dropped_r"] = ejection.insert_dropped(model, kept, sorted(gone), 0.05, seed=4, keep_partial=True)
    return plans


def main() -> None:
    result = {}
    for name, model in fixed_models():
        result[name] = json.loads(json.dumps(plans_of(model), default=repr))
        forget_insertion_data()
        print(name, "done", file=sys.stderr, flush=True)
    json.dump(result, sys.stdout, indent=0, sort_keys=True)


if __name__ == "__main__":
    main()
