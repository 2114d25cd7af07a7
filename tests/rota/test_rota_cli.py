"""CLI smoke tests with short limits (benchmarks are not tests: this is the CI smoke version)."""

from __future__ import annotations

import json
from pathlib import Path

from rota.__main__ import main
from rota.generator import generate
from rota.jsonio import problem_to_json

EXAMPLE = Path(__file__).resolve().parents[2] / "rota" / "examples" / "small_branch_month.json"


def test_cli_solve_example_file(capsys):
    """`python -m rota solve` on the documented example prints a result JSON with a status and reasons."""
    assert main(["solve", str(EXAMPLE), "--time-limit-s", "5"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] in ("optimal", "feasible")
    assert out["seats_filled"] == len(out["assignments"])
    assert set(out["objective_by_rule"]) >= {"fill_every_slot", "wished_frequency", "fair_load"}
    assert all(u["reason"] for u in out["unfilled"])


def test_cli_solve_bad_input_exits_2(tmp_path, capsys):
    """Bad input: exit code 2 and the field named on stderr, no traceback."""
    data = problem_to_json(generate("tiny", 0))
    data["slots"][0]["date"] = "2027-05-01"
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(data))
    assert main(["solve", str(f)]) == 2
    assert "slots[" in capsys.readouterr().err


def test_cli_repair(tmp_path, capsys):
    """`python -m rota repair` takes a result JSON and prints the changes."""
    assert main(["solve", str(EXAMPLE), "--time-limit-s", "5"]) == 0
    result = json.loads(capsys.readouterr().out)
    pub = tmp_path / "published.json"
    pub.write_text(json.dumps(result))
    vid = result["assignments"][0]["volunteer_id"]
    assert main(["repair", str(EXAMPLE), str(pub), "--volunteer", vid, "--from-date", "2027-03-01"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_changes"] >= 0
    assert all(a["volunteer_id"] != vid for a in out["result"]["assignments"])


def test_cli_bench_smoke(capsys):
    """`python -m rota bench --json` on the tiny size: 0 checker violations, greedy figures present."""
    assert main(["bench", "--sizes", "tiny", "--seeds", "1", "--time-limit-s", "2", "--repair", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    (s,) = out["summary"]
    assert s["max_checker_violations"] == 0
    assert s["max_fillable_but_empty"] == 0
    assert "median_greedy_objective" in s
    assert out["rows"][0]["repair_checker_violations"] == 0
