"""Round 7 diagnosis: VROOM's time-limited plan of a tuning day fed back into our model (checker, cheap re-check, OR-Tools).

Usage: python bench_results/routing/scripts/round7_vroom_plan_in_our_model.py 613 10
"""
import json, sys, time
from dataclasses import replace
import numpy as np
from routing.explain import explain_alone
from routing.generator import generate_varied_day
from routing.planner import compile_day
from routing.versus import check_day_plan, vroom_day_plan
from routing.engine import EngineSolution, _refusal
from routing.modelcheck import plan_violations

def to_nodes(day, model, routes):
    out = [() for _ in range(model.num_vehicles)]
    for v, steps in routes:
        nodes = []
        for kind, o in steps:
            on = day.order_nodes[o]
            nodes.append(on[0] if kind in ("pickup", "visit") else on[1])
        out[v] = tuple(nodes)
    return tuple(out)

def stats(day, model, routes):
    runs = 0; wait = 0.0; loads = []
    for v, r in enumerate(routes):
        if not r: continue
        prev = None
        for n in r:
            nd = day.nodes[n]
            if nd.kind == "pickup" and not (prev is not None and day.nodes[prev].kind == "pickup" and day.nodes[prev].shop == nd.shop):
                runs += 1
            prev = n
    return {"shop_runs": runs}

seed = int(sys.argv[1]); tl = float(sys.argv[2])
problem = generate_varied_day(seed)
full = compile_day(problem)
problem = replace(problem, orders=tuple(o for k, o in enumerate(problem.orders) if explain_alone(full, k) is None))
day = compile_day(problem); model = day.model()
print("seed", seed, "orders", len(problem.orders), "vans", len(problem.vans), "shops", len(problem.shops),
      "cap", problem.vans[0].capacity_crates, "shift", problem.vans[0].shift_start_min, problem.vans[0].shift_end_min,
      "crates", sum(o.size_crates for o in problem.orders), "tw", sum(1 for o in problem.orders if o.windows))
vr, vs = vroom_day_plan(problem, day, 1, tl)
chk = check_day_plan(problem, day, vr)
nodes = to_nodes(day, model, vr)
print("vroom", sum(1 for _, s in vr if s), round(chk.round_min, 1), chk.violations[:2], stats(day, model, nodes))
sol = EngineSolution(nodes, model.unserved(nodes), model.routes_cost(nodes))
print("vroom in our model: violations", plan_violations(model, nodes), "refusal", _refusal(model, sol), "cost", sol.cost)

