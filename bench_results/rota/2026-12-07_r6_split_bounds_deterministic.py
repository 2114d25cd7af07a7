"""Deterministic work units (CP-SAT's own, independent of machine load) to a proof, per month, before and after
round 6 (issue 14, round 2):

  old_plain  = the full model without the trainee seat cut (the round-5 model), as the main search runs it;
  new_plain  = the full model now (add_seats_wait_for_all_shadow_shifts);
  split      = the spare core now: most teams + most single seats (hard rules), then the seat maximum with both
               bounds, then the full model with both bounds and "seats <= that maximum";
  portfolio  = min(new_plain, split total): when the two cores give a proof.

  .venv/bin/python bench_results/rota/2026-12-07_r6_split_bounds_deterministic.py BUDGET size:seed ...
"""
import json
import sys

from ortools.sat.python import cp_model

import rota.constraints as rules
from rota.constraints import add_most_teams_and_single_seats, build_model
from rota.domain import Weights
from rota.generator import generate
from rota.solver import _most_seats_parameters, proven_team_and_single_maxima


def units(model, seed, budget, seats_only=False):
    solver = cp_model.CpSolver()
    p = solver.parameters  # as rota.solver.solve_built_model / _most_seats_parameters
    if seats_only:
        _most_seats_parameters(solver, 600, seed)
    else:
        p.num_workers = 1
        p.subsolvers.append("max_lp")
        p.linearization_level = 2
        p.cp_model_probing_level = 0
        p.random_seed = seed
        p.max_time_in_seconds = 600
    p.max_deterministic_time = budget
    code = solver.solve(model)
    return (solver.status_name(code), round(solver.deterministic_time, 2), round(solver.objective_value),
            round(solver.best_objective_bound, 1))


def old_model(problem):
    keep = rules.add_seats_wait_for_all_shadow_shifts
    rules.add_seats_wait_for_all_shadow_shifts = lambda m, vid, k, done: None
    try:
        return build_model(problem, Weights())
    finally:
        rules.add_seats_wait_for_all_shadow_shifts = keep


budget = float(sys.argv[1])
for arg in sys.argv[2:]:
    size, seed = arg.split(":")
    seed = int(seed)
    problem = generate(size, seed)
    row = {"size": size, "seed": seed, "budget": budget}
    row["old_plain"] = units(old_model(problem).model, seed, budget)
    row["new_plain"] = units(build_model(problem, Weights()).model, seed, budget)
    hard = build_model(problem, Weights(), soft_rules=False)
    solver_units = []
    most = proven_team_and_single_maxima(hard, 600, seed, use=lambda s: solver_units.append(s) or True)
    split_units = sum(s.deterministic_time for s in solver_units)
    row["most_teams_singles"] = (most, round(split_units, 2))
    add_most_teams_and_single_seats(hard, *most)
    hard.model.maximize(sum(hard.x.values()))
    seats = units(hard.model, seed, budget, seats_only=True)
    row["seat_max"] = seats
    split_total = None
    if seats[0] == "OPTIMAL":
        full = build_model(problem, Weights())
        add_most_teams_and_single_seats(full, *most)
        full.model.add(sum(full.x.values()) <= seats[2])
        row["capped"] = units(full.model, seed, budget)
        if row["capped"][0] == "OPTIMAL":
            split_total = round(split_units + seats[1] + row["capped"][1], 2)
    row["split_proof_units"] = split_total
    proofs = [u for u in (row["new_plain"][1] if row["new_plain"][0] == "OPTIMAL" else None, split_total)
              if u is not None]
    row["portfolio_proof_units"] = min(proofs) if proofs else None
    row["old_plain_proof_units"] = row["old_plain"][1] if row["old_plain"][0] == "OPTIMAL" else None
    both = [r for r in (row["old_plain"], row["new_plain"], row.get("capped")) if r and r[0] == "OPTIMAL"]
    row["same_optimum"] = len({r[2] for r in both}) <= 1
    print(json.dumps(row), flush=True)
