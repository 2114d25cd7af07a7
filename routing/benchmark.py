"""Solve benchmark instances and compare them with best-known solutions."""

from __future__ import annotations

import json
import math
import os
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TypedDict

import numpy as np

import routing
from routing.engine import NodeModel, solve_parallel
from routing.evaluation import evaluate
from routing.instances import Instance, read_instance

#: Time and distance are scaled by this before rounding for Solomon / Li & Lim.
TW_SCALE = 1000

SET_FOLDERS = {"cvrp": ("cvrp/A", "cvrp/B", "cvrp/P", "cvrp/X"), "vrptw": ("vrptw",), "pdptw": ("pdptw",)}


def default_bench_dir() -> Path:
    """``FOODTRAIN_BENCH_DIR`` or ``../shared/bench`` next to the repository."""
    env = os.environ.get("FOODTRAIN_BENCH_DIR")
    if env:
        return Path(env)
    return Path(routing.__file__).resolve().parents[2] / "shared" / "bench"


def instance_model(instance: Instance) -> NodeModel:
    """Integer model of a benchmark instance (times ceiled so feasibility is exact)."""
    dist = instance.distance_matrix()
    n = instance.size
    if instance.kind == "cvrp":
        total = int(instance.demand.sum())
        k = max(instance.min_vehicles or 1, math.ceil(total / instance.capacity))
        vehicles = k + 2
        return NodeModel(
            cost=dist.astype(np.int64),
            demand=instance.demand.astype(np.int64),
            capacity=(instance.capacity,) * vehicles,
            starts=(0,) * vehicles,
            ends=(0,) * vehicles,
            minimise_vehicles=False,
        )
    assert instance.ready is not None and instance.due is not None and instance.service is not None
    vehicles = int(instance.fleet_size or n)
    cost = np.rint(dist * TW_SCALE).astype(np.int64)
    travel = np.ceil(dist * TW_SCALE - 1e-6).astype(np.int64)
    np.fill_diagonal(travel, 0)
    windows = tuple(
        ((int(round(instance.ready[i] * TW_SCALE)), int(round(instance.due[i] * TW_SCALE))),) for i in range(n)
    )
    return NodeModel(
        cost=cost,
        demand=instance.demand.astype(np.int64),
        capacity=(instance.capacity,) * vehicles,
        starts=(0,) * vehicles,
        ends=(0,) * vehicles,
        travel=travel,
        service=np.rint(instance.service * TW_SCALE).astype(np.int64),
        windows=windows,
        pairs=tuple(instance.pairs()),
        minimise_vehicles=True,
    )


class SolvedInstance(TypedDict):
    """What :func:`solve_instance` returns (and ``bench-solve`` prints as JSON), in the file's own numbering."""

    instance: str
    routes: list[list[int]]
    vehicles: int
    cost: float
    unserved: list[int]
    runtime_s: float
    cpu_s: float
    phases: list[str]


def solve_instance(path: str | Path, time_limit_s: float, workers: int = 2) -> SolvedInstance:
    """Solve one file; routes are returned in the file's own numbering."""
    start = time.monotonic()
    cpu_before = _cpu_s()
    instance = read_instance(path)
    model = instance_model(instance)
    solution = solve_parallel(model, time_limit_s, workers)
    cpu_s = _cpu_s() - cpu_before
    routes = [[instance.file_ids[k] for k in r] for r in solution.routes if r]
    dist = instance.distance_matrix()
    cost = 0.0
    for r in solution.routes:
        if r:
            path_ = [0, *r, 0]
            cost += float(sum(dist[a, b] for a, b in zip(path_, path_[1:])))
    return {
        "instance": instance.name,
        "routes": routes,
        "vehicles": len(routes),
        "cost": round(cost, 4),
        "unserved": [instance.file_ids[k] for k in solution.dropped],
        "runtime_s": round(time.monotonic() - start, 3),
        "cpu_s": round(cpu_s, 2),
        "phases": list(solution.phases),
    }


def _cpu_s() -> float:
    """CPU seconds used so far by this process and its finished children (the workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


@dataclass(frozen=True)
class BenchRow:
    """One line of a benchmark table."""

    instance: str
    feasible: bool
    vehicles: int
    bks_vehicles: int | None
    cost: float
    bks_cost: float | None
    gap_pct: float | None
    runtime_s: float
    violations: int
    cpu_s: float = 0.0


def best_known(set_name: str, bench_dir: Path, name: str) -> tuple[int | None, float | None]:
    """(vehicles, cost) of the best-known solution, hierarchical for TW sets."""
    folder = "cvrp" if set_name == "cvrp" else set_name
    bks = json.loads((bench_dir / folder / "BKS.json").read_text())
    entry = bks.get(name) or bks.get(name.upper()) or bks.get(name.lower())
    if entry is None:
        return None, None
    return entry.get("solved_with_vehicles"), float(entry["best_known_cost"])


def list_instances(set_name: str, bench_dir: Path, pattern: str | None, sample: int | None = None) -> list[Path]:
    """Instance files of a set, optionally filtered by globs on the file name (comma-separated: any of them).

    ``sample`` keeps that many evenly spaced files of the sorted list (deterministic).
    """
    patterns = [p.strip() for p in pattern.split(",") if p.strip()] if pattern else []
    files: list[Path] = []
    for folder in SET_FOLDERS[set_name]:
        for f in sorted((bench_dir / folder).glob("*")):
            if f.suffix in (".vrp", ".txt") and f.name != "README.md":
                if not patterns or any(f.match(p) or f.stem == p for p in patterns):
                    files.append(f)
    if sample is not None and 0 < sample < len(files):
        step = len(files) / sample
        files = [files[int(i * step)] for i in range(sample)]
    return files


def run_set(
    set_name: str,
    time_limit_s: float,
    bench_dir: Path,
    pattern: str | None = None,
    workers: int = 2,
    progress: Callable[[BenchRow], None] | None = None,
    sample: int | None = None,
) -> list[BenchRow]:
    """Solve and independently check every instance of a set."""
    rows = []
    for f in list_instances(set_name, bench_dir, pattern, sample):
        result = solve_instance(f, time_limit_s, workers)
        instance = read_instance(f)
        check = evaluate(instance, result["routes"])
        key = instance.name if set_name != "pdptw" else f.stem
        bks_v, bks_c = best_known(set_name, bench_dir, key)
        gap = None
        if check.feasible and bks_c and (bks_v is None or check.vehicles == bks_v):
            gap = 100.0 * (check.cost - bks_c) / bks_c
            gap = 0.0 if abs(gap) < 5e-4 else gap
        row = BenchRow(
            instance.name,
            check.feasible,
            check.vehicles,
            bks_v,
            round(check.cost, 2),
            bks_c,
            None if gap is None else round(gap, 3),
            float(result["runtime_s"]),
            len(check.violations),
            float(result["cpu_s"]),
        )
        rows.append(row)
        if progress is not None:
            progress(row)
    return rows


def summarise(rows: list[BenchRow]) -> dict[str, object]:
    """Counts, vehicle comparison, gaps and time for a set of rows."""
    gaps = [r.gap_pct for r in rows if r.gap_pct is not None]
    with_v = [r for r in rows if r.bks_vehicles is not None and r.feasible]
    return {
        "instances": len(rows),
        "solved": sum(1 for r in rows if r.vehicles > 0),
        "feasible": sum(1 for r in rows if r.feasible),
        "vehicles_equal_bks": sum(1 for r in with_v if r.vehicles == r.bks_vehicles),
        "vehicles_above_bks": sum(1 for r in with_v if r.bks_vehicles is not None and r.vehicles > r.bks_vehicles),
        "vehicles_below_bks": sum(1 for r in with_v if r.bks_vehicles is not None and r.vehicles < r.bks_vehicles),
        "gap_count": len(gaps),
        "mean_gap_pct": round(statistics.fmean(gaps), 3) if gaps else None,
        "median_gap_pct": round(statistics.median(gaps), 3) if gaps else None,
        "worst_gap_pct": round(max(gaps), 3) if gaps else None,
        "median_runtime_s": round(statistics.median(r.runtime_s for r in rows), 2) if rows else None,
        "median_cpu_s": round(statistics.median(r.cpu_s for r in rows), 2) if rows else None,
    }


def format_table(rows: list[BenchRow], summary: dict[str, object]) -> str:
    """Markdown table plus a summary line."""
    lines = [
        "| instance | feasible | vehicles | BKS vehicles | cost | BKS cost | gap % | time s | CPU s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        gap = "" if r.gap_pct is None else f"{r.gap_pct:+.2f}"
        lines.append(
            f"| {r.instance} | {'yes' if r.feasible else 'NO'} | {r.vehicles} | "
            f"{'' if r.bks_vehicles is None else r.bks_vehicles} | {r.cost:.2f} | "
            f"{'' if r.bks_cost is None else f'{r.bks_cost:.2f}'} | {gap} | {r.runtime_s:.1f} | {r.cpu_s:.1f} |"
        )
    s = summary
    lines.append("")
    lines.append(
        f"solved {s['solved']}/{s['instances']}, feasible {s['feasible']}/{s['instances']}, "
        f"vehicles = BKS on {s['vehicles_equal_bks']} (above {s['vehicles_above_bks']}, "
        f"below {s['vehicles_below_bks']}), gap over {s['gap_count']} instances with BKS vehicle "
        f"count: mean {s['mean_gap_pct']} %, median {s['median_gap_pct']} %, worst "
        f"{s['worst_gap_pct']} %, median time {s['median_runtime_s']} s (median CPU {s['median_cpu_s']} s "
        f"over all worker processes)"
    )
    return "\n".join(lines)


def rows_to_json(rows: list[BenchRow], summary: dict[str, object]) -> str:
    """Machine-readable form of a benchmark run."""
    return json.dumps({"rows": [asdict(r) for r in rows], "summary": summary}, indent=1)
