"""A second month generator, shaped differently from rota/generator.py, so bench figures are not tuned to one.

Differences on purpose: deliveries Mon/Wed/Sat with every van out all day; list collection on Thursdays;
one shop with 3 volunteer shoppers; volunteers drawn in "households" of friends who ask to work together
and cliques who refuse each other (never-pairs clustered, not uniform); availability by whole days;
wishes as weekly/fortnightly/monthly words; no history. Run figures with
``python tests/rota/independent_generator.py --seeds 5 --time-limit-s 10``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time

from rota import Month, Params, RotaProblem, Slot, Volunteer, check, fillable_seats, greedy_rota, solve
from rota.domain import wished_shifts_from_frequency

MONTH = Month(2027, 6)


def independent_month(seed: int, volunteers: int = 90, vans: int = 4, clique_size: int = 8) -> RotaProblem:
    rng = random.Random(f"independent-{seed}")
    slots = []
    for d in MONTH.dates():
        wd = d.weekday()
        tag = d.strftime("%d")
        if wd in (0, 2, 5):
            for i in range(vans):
                slots.append(Slot(f"d{tag}v{i}", d, "whole_day", "delivery", f"van {chr(65 + i)}"))
            slots.append(Slot(f"d{tag}shop", d, "morning", "shopping", "market", 3))
        if wd == 3:
            for i in range(3):
                slots.append(Slot(f"d{tag}l{i}", d, ("morning", "afternoon")[i % 2], "list_collection", f"area {i}"))
        if wd < 5:
            slots.append(Slot(f"d{tag}off", d, "afternoon", "office", "desk", 1))
    ids = [f"p{i:03d}" for i in range(volunteers)]
    cliques = [ids[i : i + clique_size] for i in range(0, len(ids), clique_size)]
    vols = []
    for i, vid in enumerate(ids):
        roles = set(rng.sample(["driver", "delivery_mate", "list_collector", "shopper", "office"], rng.randint(1, 3)))
        days = rng.sample(range(7), rng.randint(1, 4))
        avail = frozenset((d, h) for d in days for h in ("morning", "afternoon"))
        clique = cliques[i // clique_size]
        rival = cliques[(i // clique_size + 1) % len(cliques)]
        never = frozenset(x for x in rival if rng.random() < 0.6)
        friends = frozenset(x for x in clique if x != vid and rng.random() < 0.3) - never
        trainee = rng.random() < 0.15
        vols.append(
            Volunteer(
                id=vid,
                roles=frozenset(roles),
                availability=avail,
                wished_shifts_per_month=wished_shifts_from_frequency(
                    rng.choice(["weekly", "fortnightly", "monthly"]), MONTH
                ),
                max_shifts_per_week=rng.choice([1, 2]),
                driver_approved=rng.random() < 0.8,
                pvg_status=rng.choice(["cleared"] * 8 + ["pending", "not_needed"]),
                pvg_date=MONTH.first_day + dt.timedelta(days=rng.randint(-400, 20)),
                trainee=trainee,
                shadow_shifts_needed=rng.randint(1, 3) if trainee else 0,
                dates_away=frozenset(d for d in MONTH.dates() if rng.random() < 0.05),
                preferred_partners=friends,
                never_partners=never,
                happy_to_do_extra=rng.random() < 0.5,
                max_consecutive_days=rng.randint(1, 4),
            )
        )
    return RotaProblem(month=MONTH, slots=tuple(slots), volunteers=tuple(vols))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--time-limit-s", type=float, default=10.0)
    ap.add_argument("--first-seed", type=int, default=0)
    args = ap.parse_args(argv)
    rows = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        p = independent_month(seed)
        t = time.perf_counter()
        g = greedy_rota(p, seed=seed)
        g_s = time.perf_counter() - t
        cpu = time.process_time()
        r = solve(p, Params(time_limit_s=args.time_limit_s, seed=seed))
        cpu_s = time.process_time() - cpu
        row = dict(
            seed=seed,
            seats=sum(s.seats for s in p.slots),
            status=r.status,
            time_s=round(r.wall_time_s, 2),
            cpu_s=round(cpu_s, 2),
            first_full_s=r.first_full_rota_s and round(r.first_full_rota_s, 2),
            first_cp_s=r.first_solution_s and round(r.first_solution_s, 2),
            gap=round(r.gap, 4),
            filled=r.seats_filled,
            greedy_filled=len(g),
            greedy_s=round(g_s, 2),
            violations=len(check(p, r.assignments)),
            fillable_empty=len(fillable_seats(p, r.assignments)),
        )
        rows.append(row)
        print(row, flush=True)
    for key in ("time_s", "cpu_s", "first_full_s", "gap", "filled", "greedy_filled", "greedy_s"):
        print(f"median {key}: {statistics.median(r[key] for r in rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
