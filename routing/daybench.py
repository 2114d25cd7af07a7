"""Benchmark on generated branch days: our plan vs a long run and, if installed, pyvroom."""

from __future__ import annotations

import statistics
import time
from typing import Any

from routing.domain import Params, Problem
from routing.generator import generate_day
from routing.planner import compile_day, to_s
from routing.solver import solve


def solve_with_vroom(problem: Problem, threads: int = 2) -> dict[str, Any]:
    """Same day in pyvroom (durations in seconds, per-visit loading as VROOM 'setup')."""
    import vroom  # optional: the ``bench`` extra

    day = compile_day(problem)
    inp = vroom.Input()
    inp.set_durations_matrix(profile="car", matrix_input=day.duration_s.astype(int).tolist())
    loc_of = {lid: k for k, lid in enumerate(day.location_ids)}
    inp.add_vehicle([
        vroom.Vehicle(k + 1, start=loc_of[v.start.id], end=loc_of[v.end_location.id],
                      capacity=vroom.Amount([int(v.capacity_crates)]),
                      time_window=vroom.TimeWindow(to_s(v.shift_start_min), to_s(v.shift_end_min)))
        for k, v in enumerate(problem.vans)])
    shops = {s.id: s for s in problem.shops}
    for k, order in enumerate(problem.orders):
        tws = [vroom.TimeWindow(to_s(w.start_min), to_s(w.end_min)) for w in order.windows] or \
              [vroom.TimeWindow(0, day.horizon_s)]
        if order.shop_id is None:
            inp.add_job([vroom.Job(1_000_000 + k, location=loc_of[order.location.id],
                                   service=to_s(order.service_min), pickup=vroom.Amount([order.size_crates]),
                                   time_windows=tws)])
            continue
        shop = shops[order.shop_id]
        inp.add_shipment(
            vroom.ShipmentStep(2 * k + 1, location=loc_of[shop.location.id],
                               setup=to_s(shop.loading_per_visit_min), service=to_s(shop.loading_per_order_min),
                               time_windows=[vroom.TimeWindow(to_s(shop.ready_min), day.horizon_s)]),
            vroom.ShipmentStep(2 * k + 2, location=loc_of[order.location.id], service=to_s(order.service_min),
                               time_windows=tws),
            amount=vroom.Amount([order.size_crates]))
    started = time.monotonic()
    sol = inp.solve(exploration_level=5, nb_threads=threads)
    runtime = time.monotonic() - started
    routes = sol.routes
    unassigned = int(sol.summary.unassigned)
    del unassigned  # counts shipments and jobs; orders are counted from the routes instead
    return {"served": len(problem.orders) - _unserved_orders(routes, problem),
            "vans_used": int(sol.summary.routes), "drive_min": round(float(sol.summary.cost) / 60, 1),
            "runtime_s": round(runtime, 2)}


def _unserved_orders(routes: Any, problem: Problem) -> int:
    ids = set(int(i) for i in routes["id"].dropna())
    served = 0
    for k, order in enumerate(problem.orders):
        served += (1_000_000 + k in ids) if order.shop_id is None else (2 * k + 2 in ids)
    return len(problem.orders) - served


def run_days(count: int, time_limit_s: float, long_time_limit_s: float = 0.0, workers: int = 2,
             use_vroom: bool = False) -> list[dict[str, Any]]:
    """Generate ``count`` seeded days and solve each; optionally a long run and pyvroom."""
    rows = []
    for seed in range(count):
        problem = generate_day(seed=seed)
        res = solve(problem, Params(time_limit_s=time_limit_s, workers=workers))
        row: dict[str, Any] = {
            "seed": seed, "orders": len(problem.orders), "vans": len(problem.vans), "shops": len(problem.shops),
            "served": len(problem.orders) - len(res.unserved), "vans_used": res.vans_used,
            "drive_min": round(res.total_drive_min, 1), "runtime_s": round(res.runtime_s, 2),
        }
        if long_time_limit_s > 0:
            long = solve(problem, Params(time_limit_s=long_time_limit_s, workers=workers))
            row.update(long_served=len(problem.orders) - len(long.unserved), long_vans_used=long.vans_used,
                       long_drive_min=round(long.total_drive_min, 1))
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
    cols = ["seed", "orders", "vans", "shops", "served", "vans_used", "drive_min", "runtime_s",
            "long_served", "long_vans_used", "long_drive_min",
            "vroom_served", "vroom_vans_used", "vroom_drive_min", "vroom_runtime_s"]
    cols = [c for c in cols if any(c in r for r in rows)]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        lines.append("| " + " | ".join(str(r.get(c, "")) for c in cols) + " |")
    notes = []
    for other in ("long", "vroom"):
        gaps = [100 * (r["drive_min"] - r[f"{other}_drive_min"]) / r[f"{other}_drive_min"]
                for r in rows if f"{other}_drive_min" in r and r["served"] == r[f"{other}_served"]
                and r["vans_used"] == r[f"{other}_vans_used"] and r[f"{other}_drive_min"] > 0]
        if gaps:
            notes.append(f"drive time vs {other} (same orders served and vans): mean "
                         f"{statistics.fmean(gaps):+.2f} %, median {statistics.median(gaps):+.2f} % over "
                         f"{len(gaps)} days")
    return "\n".join(lines + [""] + notes)
