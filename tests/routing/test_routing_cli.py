"""Smoke tests of every command line entry (short limits): they run and print the promised shape."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from routing.benchmark import default_bench_dir
from routing.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "routing" / "examples" / "branch-day.json"
BENCH = default_bench_dir()
needs_bench = pytest.mark.skipif(not (BENCH / "cvrp").is_dir(), reason="benchmark instances not present")


def test_solve_example_as_a_module() -> None:
    """`python -m routing solve EXAMPLE` prints result JSON with status, routes and explained unserved orders."""
    out = subprocess.run(
        [sys.executable, "-m", "routing", "solve", str(EXAMPLE), "--time-limit-s", "1", "--workers", "1"],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    result = json.loads(out.stdout)
    assert result["status"] == "infeasible"  # the example carries one 45-crate order on purpose
    assert result["unserved"][0]["reason"].startswith("order of 45 crates")
    stop = result["routes"][0]["stops"][1]
    assert {"arrival", "wait_min", "departure", "load_after_crates"} <= set(stop)


@needs_bench
def test_bench_solve_prints_routes_in_file_numbering(capsys: pytest.CaptureFixture[str]) -> None:
    """bench-solve on A-n32-k5: routes use file ids 2..32 (depot 1 excluded), each exactly once."""
    main(["bench-solve", str(BENCH / "cvrp" / "A" / "A-n32-k5.vrp"), "--time-limit-s", "1", "--workers", "1"])
    out = json.loads(capsys.readouterr().out)
    ids = sorted(i for r in out["routes"] for i in r)
    assert ids == list(range(2, 33))
    assert out["vehicles"] == len(out["routes"]) and out["cost"] > 0 and out["runtime_s"] > 0


@needs_bench
def test_bench_set_json_has_checked_rows_and_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """bench --set pdptw --json on one instance: a feasible, evaluator-checked row and a summary."""
    main(["bench", "--set", "pdptw", "--instances", "lc101*", "--time-limit-s", "2", "--workers", "1", "--json"])
    out = json.loads(capsys.readouterr().out)
    (row,) = out["rows"]
    assert row["instance"] == "lc101" and row["feasible"] and row["bks_vehicles"] == 10
    assert out["summary"]["instances"] == 1 and out["summary"]["feasible"] == 1


@needs_bench
def test_bench_table_for_vrptw(capsys: pytest.CaptureFixture[str]) -> None:
    """bench --set vrptw prints a markdown table and a summary line."""
    main(["bench", "--set", "vrptw", "--instances", "C101*", "--time-limit-s", "1", "--workers", "1"])
    out = capsys.readouterr().out
    assert "| C101 | yes |" in out and "feasible 1/1" in out


def test_generate_and_bench_days(capsys: pytest.CaptureFixture[str]) -> None:
    """generate prints a problem with 60–250 orders; bench-days prints one row per day."""
    main(["generate", "--seed", "3"])
    problem = json.loads(capsys.readouterr().out)
    assert 60 <= len(problem["orders"]) <= 250 and 3 <= len(problem["vans"]) <= 10
    assert 2 <= len(problem["shops"]) <= 5
    main(["bench-days", "--count", "1", "--time-limit-s", "2", "--workers", "1", "--json"])
    (row,) = json.loads(capsys.readouterr().out)
    # on a busy machine two seconds may not be enough to place a 200-order day; the shape is what counts
    assert 0 <= row["served"] <= row["orders"] and 0 <= row["vans_used"] <= row["vans"]
    assert row["drive_min"] >= 0 and row["seed"] == 0


def test_bench_dir_env_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """FOODTRAIN_BENCH_DIR overrides the default benchmark folder."""
    monkeypatch.setenv("FOODTRAIN_BENCH_DIR", str(tmp_path))
    assert default_bench_dir() == tmp_path
    monkeypatch.delenv("FOODTRAIN_BENCH_DIR")
    assert default_bench_dir().name == "bench" and default_bench_dir().parent.name == "shared"
