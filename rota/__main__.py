"""Command line: ``python -m rota solve PROBLEM.json`` and ``python -m rota bench``.

solve   prints the result as JSON (schema in docs/rota-schema.md).
repair  re-solves a published rota after a drop-out, prints changes + result JSON.
bench   generates seeded months per size and prints, per size, the medians of
        solve time (wall, and CPU seconds of the process: on a shared machine the wall time
        mostly measures the other jobs), status, objective, best bound, gap, seats filled,
        independent-checker violations (must be 0), seats left empty that the
        checker says were fillable (must be 0), and the greedy baseline's figures.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from collections import Counter

from .checker import check, fillable_seats
from .domain import Params, RotaInputError
from .generator import SIZES, generate
from .greedy import greedy_rota
from .jsonio import assignments_from_json, params_from_json, problem_from_json, result_to_json
from .repair import repair
from .scoring import evaluate
from .solver import max_fillable_seats, solve

DEFAULT_LIMIT_S = {
    "tiny": 2.0,
    "small": 5.0,
    "typical": 10.0,
    "large": 30.0,
    "four_branches": 60.0,
    "never_pair_heavy": 10.0,
    "trainee_heavy": 10.0,
    "scarce_drivers": 10.0,
}


def _refuse_constant(name: str) -> None:
    raise RotaInputError("file", f"{name} is not a number JSON allows")


def _load(path: str) -> object:
    """Parsed JSON of a file; unreadable, non-UTF-8 or malformed files are input errors naming the file."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh, parse_constant=_refuse_constant)
    except UnicodeDecodeError as exc:
        raise RotaInputError(path, f"is not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise RotaInputError(path, f"is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except OSError as exc:
        raise RotaInputError(path, f"cannot be read: {exc.strerror}") from None


def _problem_and_params(data: object) -> tuple[object, object]:
    """A problem file is the problem object itself (optionally with ``params``) or ``{"problem": ...}``."""
    if isinstance(data, dict) and "problem" in data:
        return data["problem"], data.get("params")
    if isinstance(data, dict):
        return {k: v for k, v in data.items() if k != "params"}, data.get("params")
    return data, None


def _fairness(problem, assignments) -> dict[str, float]:
    """Shortfall figures: volunteers 2+ shifts below their wish, and the spread of shifts/wish."""
    n = Counter(a.volunteer_id for a in assignments)
    short2 = sum(1 for v in problem.volunteers if v.wished_shifts_per_month - n[v.id] >= 2)
    ratios = [n[v.id] / v.wished_shifts_per_month for v in problem.volunteers if v.wished_shifts_per_month]
    last = Counter(h.volunteer_id for h in problem.history.assignments)
    two = [
        (n[v.id] + last[v.id]) / (2 * v.wished_shifts_per_month)
        for v in problem.volunteers
        if v.wished_shifts_per_month
    ]
    return {
        "volunteers_2plus_below_wish": short2,
        "stdev_shifts_over_wish": round(statistics.pstdev(ratios), 3),
        "stdev_two_month_shifts_over_wish": round(statistics.pstdev(two), 3),
    }


def _starting_rota_violations(problem, seed: int) -> int:
    """Hard-rule violations in the rota the solver shows first: the greedy rota of each branch."""
    parts = [problem.for_branch(b) for b in problem.branches] if len(problem.branches) > 1 else [problem]
    return sum(len(check(part, greedy_rota(part, seed=seed))) for part in parts)


def bench_one(
    size: str,
    seed: int,
    time_limit_s: float,
    workers: int,
    with_repair: bool,
    hint: bool = False,
    seat_check_s: float = 0.0,
) -> dict:
    problem = generate(size, seed)
    params = Params(time_limit_s=time_limit_s, seed=seed, workers=workers, use_greedy_hint=hint)
    t = time.perf_counter()
    greedy = greedy_rota(problem, seed=seed)
    g_time = time.perf_counter() - t
    g_obj = evaluate(problem, greedy, params.weights)
    cpu = time.process_time()
    r = solve(problem, params)
    cpu_s = time.process_time() - cpu
    seats = sum(s.seats for s in problem.slots)
    row = {
        "size": size,
        "seed": seed,
        "volunteers": len(problem.volunteers),
        "slots": len(problem.slots),
        "seats": seats,
        "time_limit_s": time_limit_s,
        "greedy_hint": hint,
        "time_s": round(r.wall_time_s, 2),
        "cpu_s": round(cpu_s, 2),
        "first_full_s": r.first_full_rota_s and round(r.first_full_rota_s, 2),
        # the first full rota is each branch's greedy rota (the solver makes them before any search):
        # made again here the same way and checked by the independent checker
        "first_full_from": "greedy",
        "first_full_checker_violations": _starting_rota_violations(problem, seed),
        "first_solution_s": r.first_solution_s and round(r.first_solution_s, 2),
        "status": r.status.value,
        "status_by_branch": {branch: status.value for branch, status in r.status_by_branch.items()},
        "objective": r.objective,
        "best_bound": round(r.best_bound, 1),
        "gap": round(r.gap, 5),
        "seats_filled": r.seats_filled,
        "shadow_shifts": r.shadow_shifts,
        "checker_violations": len(check(problem, r.assignments)),
        "fillable_but_empty": len(fillable_seats(problem, r.assignments)),
        "unfilled_slots_explained": len(r.unfilled),
        **{f"cp_{k}": v for k, v in _fairness(problem, r.assignments).items()},
        "cp_fair_load": r.objective_by_rule["fair_load"],
        "greedy_time_s": round(g_time, 3),
        "greedy_objective": sum(g_obj.values()),
        "greedy_seats_filled": sum(not a.is_shadow for a in greedy),
        "greedy_checker_violations": len(check(problem, greedy)),
        **{f"greedy_{k}": v for k, v in _fairness(problem, greedy).items()},
        "greedy_fair_load": g_obj["fair_load"],
        "branch_first_solution_s": [b.first_solution_s and round(b.first_solution_s, 2) for b in r.branches],
    }
    if seat_check_s:
        most = max_fillable_seats(problem, seat_check_s, seed=seed)
        row.update(
            {
                "seat_max": most.seats,
                "seat_max_bound": most.upper_bound,
                "seat_max_proven": most.proven,
                "reached_seat_max": int(most.proven and r.seats_filled == most.seats),
            }
        )
    if with_repair:
        rng = random.Random(seed)
        dates = {s.id: s.date for s in problem.slots}
        from_date = problem.month.first_day.replace(day=10)
        later = Counter(a.volunteer_id for a in r.assignments if dates[a.slot_id] >= from_date)
        vid = rng.choice(sorted(later))
        t = time.perf_counter()
        rr = repair(problem, r.assignments, vid, from_date, Params(time_limit_s=2.0, seed=seed, workers=workers))
        row.update(
            {
                "repair_time_s": round(time.perf_counter() - t, 2),
                "repair_status": rr.result.status.value,
                "repair_changes": rr.n_changes,
                "repair_dropped_shifts": later[vid],
                "repair_checker_violations": len(check(problem, rr.result.assignments)),
            }
        )
    return row


def _median(rows: list[dict], key: str):
    vals = [r[key] for r in rows if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def summarise(rows: list[dict]) -> list[dict]:
    out = []
    for size in dict.fromkeys(r["size"] for r in rows):
        rs = [r for r in rows if r["size"] == size]
        summary = {"size": size, "seeds": len(rs), "statuses": dict(Counter(r["status"] for r in rs))}
        for k in rs[0]:
            if k in ("size", "seed", "status", "repair_status", "branch_first_solution_s"):
                continue
            if isinstance(rs[0][k], (int, float)) or rs[0][k] is None:
                summary[f"median_{k}"] = _median(rs, k)
        if "reached_seat_max" in rs[0]:
            summary["sum_reached_seat_max"] = sum(r["reached_seat_max"] for r in rs)
        summary["max_first_full_s"] = max(
            (r["first_full_s"] for r in rs if r.get("first_full_s") is not None), default=None
        )
        summary["max_optimal_time_s"] = max((r["time_s"] for r in rs if r["status"] == "optimal"), default=None)
        summary["max_first_full_checker_violations"] = max(r["first_full_checker_violations"] for r in rs)
        summary["max_checker_violations"] = max(r["checker_violations"] for r in rs)
        summary["max_fillable_but_empty"] = max(r["fillable_but_empty"] for r in rs)
        out.append(summary)
    return out


def _print_table(summ: list[dict]) -> None:
    cols = [
        ("size", "size"),
        ("seeds", "seeds"),
        ("statuses", "status"),
        ("median_volunteers", "vols"),
        ("median_slots", "slots"),
        ("median_time_s", "time_s"),
        ("median_cpu_s", "cpu_s"),
        ("median_first_full_s", "full_s"),
        ("max_first_full_s", "max_full_s"),
        ("max_first_full_checker_violations", "full_viol"),
        ("max_optimal_time_s", "max_opt_s"),
        ("median_first_solution_s", "cpsat_first_s"),
        ("median_objective", "objective"),
        ("median_best_bound", "bound"),
        ("median_gap", "gap"),
        ("median_seats_filled", "filled"),
        ("median_seats", "seats"),
        ("median_seat_max", "seat_max"),
        ("sum_reached_seat_max", "at_seat_max"),
        ("max_checker_violations", "viol"),
        ("max_fillable_but_empty", "fillable"),
        ("median_greedy_objective", "greedy_obj"),
        ("median_greedy_seats_filled", "greedy_filled"),
        ("median_cp_volunteers_2plus_below_wish", "cp_2below"),
        ("median_greedy_volunteers_2plus_below_wish", "gr_2below"),
        ("median_cp_stdev_two_month_shifts_over_wish", "cp_sd2m"),
        ("median_greedy_stdev_two_month_shifts_over_wish", "gr_sd2m"),
        ("median_cp_fair_load", "cp_fair"),
        ("median_greedy_fair_load", "gr_fair"),
        ("median_repair_time_s", "rep_s"),
        ("median_repair_changes", "rep_chg"),
        ("median_repair_dropped_shifts", "rep_min"),
    ]
    cols = [(k, h) for k, h in cols if any(k in s for s in summ)]
    print(" | ".join(h for _, h in cols))
    for s in summ:
        print(" | ".join(_fmt(s.get(k)) for k, _ in cols))


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) < 1000 else f"{v:.0f}"
    return str(v)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m rota", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = ap.add_subparsers(dest="cmd", required=True)
    sp = sub.add_parser("solve", help="solve a problem JSON file, print the result JSON")
    sp.add_argument("problem")
    sp.add_argument("--time-limit-s", type=float)
    sp.add_argument("--seed", type=int)
    sp.add_argument("--workers", "--num-workers", dest="workers", type=int)
    rp = sub.add_parser("repair", help="repair a published rota after a drop-out")
    rp.add_argument("problem")
    rp.add_argument("published", help="JSON: a result JSON or a list of assignments")
    rp.add_argument("--volunteer", required=True)
    rp.add_argument("--from-date", required=True)
    rp.add_argument("--time-limit-s", type=float, default=2.0)
    bp = sub.add_parser("bench", help="benchmark generated months against the greedy baseline")
    bp.add_argument("--sizes", nargs="+", default=["typical", "large", "four_branches"], choices=sorted(SIZES))
    bp.add_argument("--seeds", type=int, default=3, help="how many seeds per size")
    bp.add_argument("--first-seed", type=int, default=0, help="seeds run from this one up (default 0)")
    bp.add_argument("--time-limit-s", type=float, help="default per size: " + str(DEFAULT_LIMIT_S))
    bp.add_argument("--workers", "--num-workers", dest="workers", type=int, default=2)
    bp.add_argument("--repair", action="store_true", help="also time a drop-out repair per seed")
    bp.add_argument("--hint", action="store_true", help="hint CP-SAT with the greedy rota (Params.use_greedy_hint)")
    bp.add_argument(
        "--seat-check-s",
        type=float,
        default=0.0,
        help="also find the most seats the hard rules allow (max_fillable_seats) in this many seconds",
    )
    bp.add_argument("--json", action="store_true", help="print rows and summary as JSON")
    args = ap.parse_args(argv)

    try:
        if args.cmd == "solve":
            problem_data, params_data = _problem_and_params(_load(args.problem))
            problem = problem_from_json(problem_data)
            params = params_from_json(params_data, time_limit_s=args.time_limit_s, seed=args.seed, workers=args.workers)
            print(json.dumps(result_to_json(solve(problem, params)), indent=1, default=str))
        elif args.cmd == "repair":
            import datetime as dt

            problem = problem_from_json(_problem_and_params(_load(args.problem))[0])
            pub = _load(args.published)
            pub = pub.get("assignments") if isinstance(pub, dict) else pub
            try:
                from_date = dt.date.fromisoformat(args.from_date)
            except ValueError:
                raise RotaInputError("from_date", f"must be YYYY-MM-DD, got {args.from_date!r}") from None
            rr = repair(
                problem,
                assignments_from_json(pub),
                args.volunteer,
                from_date,
                params_from_json(None, time_limit_s=args.time_limit_s),
            )
            out = {
                "n_changes": rr.n_changes,
                "changes": [c.__dict__ for c in rr.changes],
                "result": result_to_json(rr.result),
            }
            print(json.dumps(out, indent=1, default=str))
        else:
            rows = []
            load_start = _loadavg()
            for size in args.sizes:
                limit = args.time_limit_s or DEFAULT_LIMIT_S[size]
                for seed in range(args.first_seed, args.first_seed + args.seeds):
                    row = bench_one(size, seed, limit, args.workers, args.repair, args.hint, args.seat_check_s)
                    rows.append(row)
                    if not args.json:
                        print(json.dumps(row), file=sys.stderr, flush=True)
            summ = summarise(rows)
            meta = {
                "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
                "command": "python -m rota " + " ".join(sys.argv[1:] if argv is None else argv),
                "machine": f"{platform.machine()} {platform.processor() or ''} cpus={_cpus()}".strip(),
                "python": platform.python_version(),
                "ortools": _ortools_version(),
                "loadavg_1m_start_end": [load_start, _loadavg()],
                "note": "shared 2-core machine; other jobs ran concurrently, timings are noisy",
            }
            if args.json:
                print(json.dumps({"meta": meta, "summary": summ, "rows": rows}, indent=1))
            else:
                print("# " + json.dumps(meta))
                _print_table(summ)
    except RotaInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _loadavg() -> float | None:
    import os

    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 0)


def _ortools_version() -> str:
    from importlib.metadata import version

    return version("ortools")  # the installed distribution's (ortools' module attribute is untyped)


if __name__ == "__main__":
    sys.exit(main())
