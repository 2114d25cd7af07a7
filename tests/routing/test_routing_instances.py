"""Benchmark readers and the independent evaluator, on tiny hand-made files and the X .sol files."""

from __future__ import annotations

from pathlib import Path

import pytest

from routing.benchmark import default_bench_dir, instance_model, list_instances
from routing.errors import InstanceFormatError
from routing.evaluation import evaluate
from routing.instances import read_cvrplib_solution, read_instance

BENCH = default_bench_dir()
needs_bench = pytest.mark.skipif(not (BENCH / "cvrp").is_dir(), reason="benchmark instances not present")

CVRP = """NAME : tiny-n4-k2
TYPE : CVRP
DIMENSION : 4
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10
NODE_COORD_SECTION
 1 0 0
 2 3 4
 3 6 8
 4 0 5
DEMAND_SECTION
1 0
2 5
3 5
4 3
DEPOT_SECTION
 1
 -1
EOF
"""

SOLOMON = """TINY

VEHICLE
NUMBER     CAPACITY
  2         20

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      0          0          0          0        100          0
    1      3          4         10         10         19          5
    2      6          8         10          0         30          5
"""

LI_LIM = "2\t10\t1\n0\t0\t0\t0\t0\t100\t0\t0\t0\n1\t3\t4\t5\t0\t50\t1\t0\t2\n2\t6\t8\t-5\t0\t50\t1\t1\t0\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_cvrplib_reader_and_hand_checked_cost(tmp_path: Path) -> None:
    """CVRPLIB: depot first, file ids kept, -kN read as minimum; routes [2,3],[4] cost 5+5+10 + 5+5 = 30."""
    inst = read_instance(write(tmp_path, "tiny.vrp", CVRP))
    assert inst.kind == "cvrp" and inst.file_ids == (1, 2, 3, 4)
    assert inst.capacity == 10 and inst.min_vehicles == 2 and inst.fleet_size is None
    ev = evaluate(inst, [[2, 3], [4]])
    assert ev.feasible and ev.vehicles == 2 and ev.cost == 30
    over = evaluate(inst, [[2, 3, 4]])
    assert not over.feasible and "exceeds capacity" in over.violations[0]


def test_evaluator_catches_missing_and_repeated_customers(tmp_path: Path) -> None:
    """A customer left out or visited twice makes the solution infeasible."""
    inst = read_instance(write(tmp_path, "tiny.vrp", CVRP))
    assert not evaluate(inst, [[2, 3]]).feasible
    assert any("twice" in v for v in evaluate(inst, [[2, 3], [4, 2]]).violations)


def test_solomon_reader_and_time_windows(tmp_path: Path) -> None:
    """Solomon: [1,2] waits at 1 and is feasible (cost 20); [2,1] reaches 1 at 20 > due 19."""
    inst = read_instance(write(tmp_path, "TINY.txt", SOLOMON))
    assert inst.kind == "vrptw" and inst.fleet_size == 2 and inst.capacity == 20
    good = evaluate(inst, [[1, 2]])
    assert good.feasible and good.cost == pytest.approx(20.0)
    late = evaluate(inst, [[2, 1]])
    assert not late.feasible and "after due 19" in late.violations[0]


def test_li_lim_reader_pairs_and_precedence(tmp_path: Path) -> None:
    """Li & Lim: pickup 1 pairs with delivery 2; reversed order or split routes are infeasible."""
    inst = read_instance(write(tmp_path, "tiny.txt", LI_LIM))
    assert inst.kind == "pdptw" and inst.pairs() == [(1, 2)]
    assert evaluate(inst, [[1, 2]]).feasible
    assert not evaluate(inst, [[2, 1]]).feasible
    assert any("split" in v for v in evaluate(inst, [[1], [2]]).violations)


def test_integer_model_is_conservative(tmp_path: Path) -> None:
    """Scaled travel times are ceiled so that anything feasible for the solver is feasible in doubles."""
    inst = read_instance(write(tmp_path, "TINY.txt", SOLOMON))
    model = instance_model(inst)
    assert model.travel is not None
    assert model.travel[0, 1] == 5000 and model.travel[1, 2] == 5000
    assert model.travel[0, 0] == 0


def test_garbage_file_is_a_format_error(tmp_path: Path) -> None:
    """A file that is none of the formats raises InstanceFormatError (a ValueError)."""
    with pytest.raises(InstanceFormatError):
        read_instance(write(tmp_path, "junk.txt", "hello world\n"))


@needs_bench
def test_x_subset_solutions_evaluate_to_their_stated_cost() -> None:
    """Every X .sol file is feasible under the evaluator and costs exactly what it states."""
    sols = sorted((BENCH / "cvrp" / "X").glob("*.sol"))
    assert len(sols) >= 20
    for sol in sols:
        inst = read_instance(sol.with_suffix(".vrp"))
        routes, stated = read_cvrplib_solution(sol, inst)
        ev = evaluate(inst, routes)
        assert ev.feasible, (sol.name, ev.violations[:3])
        assert ev.cost == stated, sol.name


@needs_bench
def test_real_files_of_each_format_read() -> None:
    """One real file per set reads with the expected size and fleet."""
    a = read_instance(BENCH / "cvrp" / "A" / "A-n32-k5.vrp")
    assert a.size == 32 and a.capacity == 100
    c = read_instance(BENCH / "vrptw" / "C101.txt")
    assert c.size == 101 and c.fleet_size == 25
    lc = read_instance(BENCH / "pdptw" / "lc101.txt")
    assert lc.size == 107 and len(lc.pairs()) == 53


def test_several_globs_separated_by_commas_select_any_of_them(tmp_path: Path) -> None:
    folder = tmp_path / "cvrp" / "X"
    folder.mkdir(parents=True)
    for name in ("X-n101-k25", "X-n502-k39", "X-n895-k37", "X-n1001-k43"):
        (folder / f"{name}.vrp").write_text("")
    chosen = list_instances("cvrp", tmp_path, "X-n[5-9]??-*, X-n1001-*")
    assert [f.stem for f in chosen] == ["X-n1001-k43", "X-n502-k39", "X-n895-k37"]
