"""Benchmark on generated branch days: our plan vs a long run and, if installed, pyvroom."""

from __future__ import annotations

import statistics
from typing import Any

from routing.domain import Params, Problem
from routing.generator import generate_day
from routing.planner import compile_day
from routing.solver import solve


def solve_with_vroom(problem: Problem, threads: int = 2) -> dict[str, Any]:
    """Same day in pyvroom, mapped and checked as in ``bench-days --vs vroom`` (one mapping, one checker)."""
    from routing.versus import check_day_plan, vroom_day_plan

    day = compile_day(problem)
    routes, runtime = vroom_day_plan(problem, day, threads)
    check = check_day_plan(problem, day, routes)
    return {
        "served": check.served,
        "vans_used": sum(1 for _van, steps in routes if steps),
        "drive_min": round(check.drive_min, 1),
        "runtime_s": round(runtime, 2),
    }


def run_days(
    count: int, time_limit_s: float, long_time_limit_s: float = 0.0, workers: int = 2, use_vroom: bool = False
) -> list[dict[str, Any]]:
    """Generate ``count`` seeded days and solve each; optionally a long run and pyvroom."""
    rows = []
    for seed in range(count):
        problem = generate_day(seed=seed)
        res = solve(problem, Params(time_limit_s=time_limit_s, workers=workers))
        row: dict[str, Any] = {
            "seed": seed,
            "orders": len(problem.orders),
            "vans": len(problem.vans),
            "shops": len(problem.shops),
            "served": len(problem.orders) - len(res.unserved),
            "vans_used": res.vans_used,
            "drive_min": round(res.total_drive_min, 1),
            "runtime_s": round(res.runtime_s, 2),
        }
        if long_time_limit_s > 0:
            long = solve(problem, Params(time_limit_s=long_time_limit_s, workers=workers))
            row.update(
                long_served=len(problem.orders) - len(long.unserved),
                long_vans_used=long.vans_used,
                long_drive_min=round(long.total_drive_min, 1),
            )
        if use_vroom:
            try:
                v = solve_with_vroom(problem, threads=workers)
            except ImportError:
                v = {}
            row.update({f"vroom_{k}": val for k, val in v.items()})
        rows.append(row)
    return rows


def format_days(rows: list[dict[str, Any]]) -> str:
    """Markdown table; gaps are drive-time differences where served orders and vans agree."""
    cols = [
        "seed",
        "orders",
        "vans",
        "shops",
        "served",
        "vans_used",
        "drive_min",
        "runtime_s",
        "long_served",
        "long_vans_used",
        "long_drive_min",
        "vroom_served",
        "vroom_vans_used",
        "vroom_drive_min",
        "vroom_runtime_s",
    ]
    cols = [c for c in cols if any(c in r for r in rows)]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        lines.append("| " + " | ".join(str(r.get(c, "")) for c in cols) + " |")
    notes = []
    for other in ("long", "vroom"):
        gaps = [
            100 * (r["drive_min"] - r[f"{other}_drive_min"]) / r[f"{other}_drive_min"]
            for r in rows
            if f"{other}_drive_min" in r
            and r["served"] == r[f"{other}_served"]
            and r["vans_used"] == r[f"{other}_vans_used"]
            and r[f"{other}_drive_min"] > 0
        ]
        if gaps:
            notes.append(
                f"drive time vs {other} (same orders served and vans): mean "
                f"{statistics.fmean(gaps):+.2f} %, median {statistics.median(gaps):+.2f} % over "
                f"{len(gaps)} days"
            )
    return "\n".join(lines + [""] + notes)
