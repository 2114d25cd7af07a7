import sys, time, math, json
from ortools.sat.python import cp_model
from rota.generator import generate
from rota.constraints import build_model, add_hint
from rota.greedy import greedy_rota
from rota.scoring import evaluate
from rota.domain import Weights
hint = sys.argv[1] == "hint"; budget=float(sys.argv[2])
for arg in sys.argv[3:]:
    size, seed = arg.split(":"); seed=int(seed)
    p=generate(size,seed); m=build_model(p,Weights()); g=greedy_rota(p, seed=seed)
    gobj=sum(evaluate(p,g,Weights()).values())
    if hint: add_hint(m, g)
    so=cp_model.CpSolver(); q=so.parameters; q.num_workers=1; q.subsolvers.append("max_lp"); q.linearization_level=2; q.cp_model_probing_level=0; q.random_seed=seed
    q.max_deterministic_time=budget; q.max_time_in_seconds=120
    c=time.process_time(); code=so.solve(m.model); cpu=time.process_time()-c
    ok = code in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    obj = min(so.objective_value, gobj) if ok else gobj
    seats = sum(1 for v in m.x.values() if so.boolean_value(v)) if ok else len(g)
    print(json.dumps(dict(cfg=sys.argv[1], budget=budget, size=size, seed=seed, status=so.status_name(code), cpu=round(cpu,2), obj=obj, seats=seats, bound=math.ceil(so.best_objective_bound-1e-6), greedy_obj=gobj, greedy_seats=len(g))), flush=True)
