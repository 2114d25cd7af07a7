"""Command line: ``python -m routing solve|bench-solve|bench|generate|bench-days|scale`` (``--vs pyvrp,vroom``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from routing.domain import ENGINES, Params

if TYPE_CHECKING:
    from routing.benchmark import BenchRow
    from routing.versus import VersusRow


def _cmd_solve(args: argparse.Namespace) -> int:
    from routing.serialization import problem_from_dict, result_to_dict
    from routing.solver import solve

    data = json.loads(Path(args.problem).read_text())
    result = solve(
        problem_from_dict(data), Params(time_limit_s=args.time_limit_s, workers=args.workers, seed=args.seed)
    )
    print(json.dumps(result_to_dict(result), indent=1))
    return 0


def _cmd_bench_solve(args: argparse.Namespace) -> int:
    from routing.benchmark import solve_instance

    print(json.dumps(solve_instance(args.instance, args.time_limit_s, args.workers)))
    return 0


def _peers(text: str | None) -> tuple[str, ...]:
    from routing.versus import PEERS

    peers = tuple(p.strip() for p in (text or "").split(",") if p.strip())
    unknown = [p for p in peers if p not in PEERS]
    if unknown:
        raise SystemExit(f"unknown peer(s) {', '.join(unknown)}; choose from {', '.join(PEERS)}")
    return peers


def _write_versus(
    args: argparse.Namespace, title: str, rows: list[VersusRow], solvers: tuple[str, ...], cost_name: str
) -> None:
    from routing.versus import REFERENCE_PEERS, format_versus, rows_to_dicts, summarise

    table = format_versus(rows, solvers, cost_name)
    print(json.dumps({"summary": summarise(rows), "rows": rows_to_dicts(rows)}, indent=1) if args.json else table)
    if args.out:
        meta = _meta(args)
        head = "\n".join(f"- {k}: `{v}`" for k, v in meta.items())
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(f"{args.out}.md").write_text(f"# {title}\n\n{head}\n\n{table}\n")
        references = {f"summary_vs_{r}": summarise(rows, r) for r in solvers if r in REFERENCE_PEERS}
        Path(f"{args.out}.json").write_text(
            json.dumps({"meta": meta, "summary": summarise(rows), **references, "rows": rows_to_dicts(rows)}, indent=1)
            + "\n"
        )


def _versus_progress(row: VersusRow) -> None:
    """One line on stderr per instance or day as the comparison runs: each solver's plan and the verdict."""
    verdict, ratio = row.verdict()
    plans = ", ".join(
        f"{s} {p.vehicles}v/{p.unserved}u/{p.cost:g}{'' if p.feasible else ' INVALID'}" for s, p in row.plans.items()
    )
    print(f"  {row.instance}: {plans} -> {verdict} {ratio}", file=sys.stderr, flush=True)


def _bench_dir(args: argparse.Namespace) -> Path:
    from routing.benchmark import default_bench_dir

    return Path(args.bench_dir) if args.bench_dir else default_bench_dir()


def _no_instances(args: argparse.Namespace) -> int:
    print(f"no instances of set {args.set!r} match {args.instances!r} under {_bench_dir(args)}", file=sys.stderr)
    return 2


def _instance_files(args: argparse.Namespace) -> list[Path]:
    """The benchmark files ``--set``, ``--instances`` and ``--sample`` select under ``--bench-dir``."""
    from routing.benchmark import list_instances

    return list_instances(args.set, _bench_dir(args), args.instances, args.sample)


def _cmd_bench_versus(args: argparse.Namespace, peers: tuple[str, ...]) -> int:
    from routing.versus import peer_names, versus_instance

    args.git_commit_at_start = _git_commit()
    files = _instance_files(args)
    if not files:
        return _no_instances(args)
    rows = []
    for f in files:
        rows.append(
            versus_instance(f, args.time_limit_s, peers, args.workers, args.seed, tuple(args.engines.split(",")))
        )
        _versus_progress(rows[-1])
    _write_versus(
        args,
        f"{args.set}: foodtrain vs {', '.join(peers)}",
        rows,
        ("foodtrain", *peer_names(peers, args.workers)),
        "cost",
    )
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from routing.benchmark import format_table, rows_to_json, run_set, summarise

    peers = _peers(args.vs)
    if peers:
        return _cmd_bench_versus(args, peers)
    args.git_commit_at_start = _git_commit()  # the code that runs, even if the tree changes meanwhile
    progress = (
        None
        if args.json
        else (
            lambda row: print(
                f"  {row.instance}: {row.vehicles} vehicles, cost {row.cost}, gap {row.gap_pct}",
                file=sys.stderr,
                flush=True,
            )
        )
    )
    rows = run_set(args.set, args.time_limit_s, _bench_dir(args), args.instances, args.workers, progress, args.sample)
    if not rows:
        return _no_instances(args)
    summary = summarise(rows)
    print(rows_to_json(rows, summary) if args.json else format_table(rows, summary))
    if args.out:
        write_report(Path(args.out), rows, summary, args)
    return 0


def _machine() -> str:
    import os
    import platform

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def _git_commit() -> str | None:
    """Short commit of the code, with '+changes' when routing/ differs from it (None outside git)."""
    import subprocess

    here = Path(__file__).resolve().parent
    try:
        commit = (
            subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=here, timeout=10
            ).stdout.strip()
            or None
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "."], capture_output=True, text=True, cwd=here, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{commit}+changes" if commit and dirty else commit


def _meta(args: argparse.Namespace) -> dict[str, object]:
    import datetime
    import os
    from importlib.metadata import version

    ortools_version = version("ortools")  # what ortools.__version__ says; its stubs do not declare it

    return {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "git_commit": getattr(args, "git_commit_at_start", None) or _git_commit(),
        "command": "python -m routing " + " ".join(sys.argv[1:]),
        "machine": _machine(),
        "ortools": ortools_version,
        "time_limit_s": args.time_limit_s,
        "workers": args.workers,
        "load_average_1_5_15_min_at_end": [round(x, 2) for x in os.getloadavg()],
    }


def write_report(prefix: Path, rows: list[BenchRow], summary: dict[str, object], args: argparse.Namespace) -> None:
    """Write ``prefix.md`` and ``prefix.json`` with date, command and machine."""
    import json as _json
    from dataclasses import asdict

    from routing.benchmark import format_table

    meta = _meta(args)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    head = "\n".join(f"- {k}: `{v}`" for k, v in meta.items())
    Path(f"{prefix}.md").write_text(f"# {args.set} benchmark\n\n{head}\n\n{format_table(rows, summary)}\n")
    Path(f"{prefix}.json").write_text(
        _json.dumps({"meta": meta, "summary": summary, "rows": [asdict(r) for r in rows]}, indent=1) + "\n"
    )


def _cmd_scale(args: argparse.Namespace) -> int:
    from routing.errors import InstanceFormatError
    from routing.instances import read_instance
    from routing.scaled import scaled_copy, write_scaled

    files = _instance_files(args)
    if not files:
        return _no_instances(args)
    folder = Path(args.out_dir) / args.set
    try:
        for f in files:
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                path = write_scaled(scaled_copy(read_instance(f), args.copies, seed), folder)
                print(path)
    except InstanceFormatError as bad:
        print(f"cannot scale: {bad}", file=sys.stderr)
        return 2
    print(
        f"bench them with: python -m routing bench --set {args.set} --bench-dir {args.out_dir} --vs pyvrp,vroom",
        file=sys.stderr,
    )
    return 0


def _cmd_generate(args: argparse.Namespace) -> int:
    from routing.generator import generate_day
    from routing.serialization import problem_to_dict

    problem = generate_day(seed=args.seed, orders=args.orders)
    print(json.dumps(problem_to_dict(problem), indent=1))
    return 0


def _cmd_bench_days_versus(args: argparse.Namespace, peers: tuple[str, ...]) -> int:
    from routing.generator import generate_varied_day
    from routing.versus import peer_names, versus_day

    args.git_commit_at_start = _git_commit()
    rows = []
    for seed in range(args.first_seed, args.first_seed + args.count):
        problem = generate_varied_day(seed, args.orders)
        rows.append(
            versus_day(
                problem,
                f"varied-{seed}",
                args.time_limit_s,
                peers,
                args.workers,
                args.seed,
                tuple(args.engines.split(",")),
            )
        )
        _versus_progress(rows[-1])
    _write_versus(
        args,
        f"Generated branch days (generate_varied_day): foodtrain vs {', '.join(peers)}",
        rows,
        ("foodtrain", *peer_names(peers, args.workers)),
        "drive+shop-loading min",
    )
    return 0


def _cmd_bench_days(args: argparse.Namespace) -> int:
    from routing.daybench import format_days, run_days

    peers = _peers(args.vs)
    if peers:
        return _cmd_bench_days_versus(args, peers)
    args.git_commit_at_start = _git_commit()
    rows = run_days(args.count, args.time_limit_s, args.long_time_limit_s, args.workers, args.vroom)
    print(json.dumps(rows, indent=1) if args.json else format_days(rows))
    if args.out:
        meta = _meta(args)
        head = "\n".join(f"- {k}: `{v}`" for k, v in meta.items())
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(f"{args.out}.md").write_text(f"# Generated branch days\n\n{head}\n\n{format_days(rows)}\n")
        Path(f"{args.out}.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Argument parser with one sub-command per job."""
    parser = argparse.ArgumentParser(prog="python -m routing", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser, default_limit: float) -> None:
        p.add_argument("--time-limit-s", type=float, default=default_limit)
        p.add_argument("--workers", type=int, default=2, help="parallel search processes (default 2)")

    p = sub.add_parser("solve", help="solve a problem JSON file and print the result JSON")
    p.add_argument("problem")
    p.add_argument("--seed", type=int, default=0)
    common(p, 10.0)
    p.set_defaults(func=_cmd_solve)

    p = sub.add_parser("bench-solve", help="solve one benchmark file, print routes in file numbering")
    p.add_argument("instance")
    common(p, 30.0)
    p.set_defaults(func=_cmd_bench_solve)

    p = sub.add_parser("bench", help="solve and check a benchmark set against best-known solutions")
    p.add_argument("--set", required=True, choices=("cvrp", "vrptw", "pdptw"))
    p.add_argument("--instances", default=None, help="glob on file names, e.g. 'lc1*'; several separated by commas")
    p.add_argument("--sample", type=int, default=None, help="keep N evenly spaced instances of the sorted set")
    p.add_argument("--bench-dir", default=None, help="default: $FOODTRAIN_BENCH_DIR or ../shared/bench")
    p.add_argument("--json", action="store_true")
    p.add_argument("--out", default=None, help="also write OUT.md and OUT.json (with date, command, machine)")
    p.add_argument(
        "--vs",
        default=None,
        help="comma-separated peers to solve side by side: pyvrp,vroom (same time limit), vroom-free "
        "(VROOM without a time limit, a reference column)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of every solver (with --vs)")
    p.add_argument("--engines", default=",".join(ENGINES), help="foodtrain's engines (with --vs)")
    common(p, 30.0)
    p.set_defaults(func=_cmd_bench)

    p = sub.add_parser(
        "scale",
        help="write scaled copies of Solomon or Li & Lim instances (each customer or pair with reflected twins), "
        "larger unseen cases of the same family",
    )
    p.add_argument("--set", required=True, choices=("vrptw", "pdptw"))
    p.add_argument("--instances", default=None, help="glob on file names, e.g. 'R2*'; several separated by commas")
    p.add_argument("--sample", type=int, default=None, help="keep N evenly spaced instances of the sorted set")
    p.add_argument("--bench-dir", default=None, help="default: $FOODTRAIN_BENCH_DIR or ../shared/bench")
    p.add_argument("--copies", type=int, default=2, help="customers and fleet times this (2 to 4; default 2)")
    p.add_argument("--first-seed", type=int, default=1, help="seed of the twins' reflections")
    p.add_argument("--seeds", type=int, default=1, help="copies with seeds first-seed, first-seed+1, ...")
    p.add_argument("--out-dir", required=True, help="writes OUT_DIR/SET/NAME-xC-sS.txt and an empty BKS.json")
    p.set_defaults(func=_cmd_scale)

    p = sub.add_parser("generate", help="print a generated branch day as problem JSON")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--orders", type=int, default=None)
    p.set_defaults(func=_cmd_generate)

    p = sub.add_parser("bench-days", help="benchmark on generated branch days (vs a long run, vs pyvroom)")
    p.add_argument("--count", type=int, default=5)
    p.add_argument("--long-time-limit-s", type=float, default=0.0, help="0 skips the long run")
    p.add_argument("--vroom", action="store_true", help="also run pyvroom if installed")
    p.add_argument(
        "--vs",
        default=None,
        help="comma-separated peers (pyvrp,vroom): varied generated days "
        "(25-450 orders), each solved side by side and checked",
    )
    p.add_argument("--first-seed", type=int, default=100, help="first generator seed (with --vs)")
    p.add_argument("--engines", default=",".join(ENGINES), help="foodtrain's engines (with --vs)")
    p.add_argument("--orders", type=int, default=None, help="orders per day (with --vs; default varied)")
    p.add_argument("--seed", type=int, default=0, help="seed of every solver (with --vs)")
    p.add_argument("--out", default=None, help="also write OUT.md and OUT.json")
    p.add_argument("--json", action="store_true")
    common(p, 10.0)
    p.set_defaults(func=_cmd_bench_days)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))
