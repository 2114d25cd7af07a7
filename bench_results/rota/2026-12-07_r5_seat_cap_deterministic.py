"""Deterministic work units (CP-SAT's own, independent of machine load) to a proof, per month:
plain = the full model (main search); seats = the hard-rules-only seat maximum; capped = the full model with
"seats <= that maximum" (only when the maximum is proven). The solver runs plain on one core and seats, then
capped, on the other, so the month is proven after min(plain, seats + capped) units.

  .venv/bin/python bench_results/rota/2026-12-07_r5_seat_cap_deterministic.py BUDGET size:seed ...
"""
import json
import sys

from ortools.sat.python import cp_model

from rota.constraints import build_model
from rota.domain import Params, Weights
from rota.generator import generate
from rota.solver import _most_seats_parameters, solve_built_model


def units(m, seed, budget):
    solver = cp_model.CpSolver()
    p = solver.parameters  # as rota.solver.solve_built_model
    p.num_workers = 1
    p.subsolvers.append("max_lp")
    p.linearization_level = 2
    p.cp_model_probing_level = 0
    p.random_seed = seed
    p.max_deterministic_time = budget
    p.max_time_in_seconds = 600
    code = solver.solve(m.model)
    return solver.status_name(code), round(solver.deterministic_time, 2), solver.objective_value, solver.best_objective_bound


budget = float(sys.argv[1])
assert solve_built_model  # the parameters above mirror it
for arg in sys.argv[2:]:
    size, seed = arg.split(":")
    seed = int(seed)
    problem = generate(size, seed)
    row = {"size": size, "seed": seed, "budget": budget}
    plain = units(build_model(problem, Weights()), seed, budget)
    row["plain"] = plain
    h = build_model(problem, Weights(), soft_rules=False)
    h.model.maximize(sum(h.x.values()))
    s = cp_model.CpSolver()
    _most_seats_parameters(s, 600, Params(seed=seed).seed)
    s.parameters.max_deterministic_time = budget
    code = s.solve(h.model)
    row["seats"] = (s.status_name(code), round(s.deterministic_time, 2), s.objective_value, s.best_objective_bound)
    if code == cp_model.OPTIMAL:
        m = build_model(problem, Weights())
        m.model.add(sum(m.x.values()) <= round(s.objective_value))
        row["capped"] = units(m, seed, budget)
    proofs = [plain[1]] if plain[0] == "OPTIMAL" else []
    if row.get("capped") and row["capped"][0] == "OPTIMAL":
        proofs.append(row["seats"][1] + row["capped"][1])
    row["portfolio_proof_units"] = round(min(proofs), 2) if proofs else None
    row["plain_proof_units"] = plain[1] if plain[0] == "OPTIMAL" else None
    print(json.dumps(row), flush=True)
