"""Scaled copies of Solomon and Li & Lim instances: every twin as servable as its original, files read back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from routing.benchmark import default_bench_dir, list_instances
from routing.cli import main
from routing.errors import InstanceFormatError
from routing.evaluation import evaluate
from routing.instances import Instance, read_instance
from routing.scaled import scaled_copy, write_scaled

BENCH = default_bench_dir()
needs_bench = pytest.mark.skipif(not (BENCH / "vrptw").is_dir(), reason="benchmark instances not present")

SOLOMON = """TINY

VEHICLE
NUMBER     CAPACITY
  2         20

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      10         10          0          0        100          0
    1      13         14         10         10         19          5
    2      16         18         10          0         30          5
    3      7          12          5          0         40          5
"""

LI_LIM = (
    "2\t10\t1\n0\t10\t10\t0\t0\t100\t0\t0\t0\n"
    "1\t13\t14\t5\t0\t50\t1\t0\t2\n2\t16\t18\t-5\t0\t50\t1\t1\t0\n"
    "3\t4\t9\t3\t0\t60\t1\t0\t4\n4\t6\t2\t-3\t0\t60\t1\t3\t0\n"
)


def tiny(tmp_path: Path, name: str, text: str) -> Instance:
    path = tmp_path / name
    path.write_text(text)
    return read_instance(path)


def depot_distance(instance: Instance) -> np.ndarray:
    return np.linalg.norm(instance.xy - instance.xy[0], axis=1)


def alone_feasible(instance: Instance, group: tuple[int, ...]) -> bool:
    """Can this customer (or pickup-delivery pair) be served by a van of its own?"""
    return not evaluate(instance, [[instance.file_ids[k] for k in group]]).violations


def groups(instance: Instance) -> list[tuple[int, ...]]:
    if instance.kind == "pdptw":
        return instance.pairs()
    return [(i,) for i in range(1, instance.size)]


def check_twins(original: Instance, scaled: Instance, copies: int) -> None:
    customers = original.size - 1
    assert scaled.size == 1 + copies * customers
    assert scaled.fleet_size == copies * (original.fleet_size or 0)
    assert scaled.capacity == original.capacity
    assert np.allclose(depot_distance(scaled)[1:], np.tile(depot_distance(original)[1:], copies))
    for field in ("demand", "ready", "due", "service"):
        assert np.array_equal(getattr(scaled, field)[1:], np.tile(getattr(original, field)[1:], copies))
    twins_of = {}
    for group in groups(original):
        twins = [tuple(node + copy * customers for node in group) for copy in range(copies)]
        offset = original.xy[group[0]] - original.xy[0]
        if np.all(offset != 0):  # a customer on an axis through the depot is its own reflection on that axis
            positions = {tuple(scaled.xy[twin[0]]) for twin in twins}
            assert len(positions) == copies, "each twin is reflected differently, none lies on its original"
        for twin in twins:
            assert alone_feasible(scaled, twin) == alone_feasible(original, group)
        twins_of[group] = twins
    if original.kind == "pdptw":
        assert sorted(scaled.pairs()) == sorted(t for ts in twins_of.values() for t in ts)
        dist = scaled.distance_matrix()
        base = original.distance_matrix()
        assert all(np.isclose(dist[t], base[g]) for g, ts in twins_of.items() for t in ts)


def test_solomon_twins_keep_depot_distance_window_and_demand(tmp_path: Path) -> None:
    original = tiny(tmp_path, "tiny.txt", SOLOMON)
    for copies in (2, 3, 4):
        check_twins(original, scaled_copy(original, copies, seed=3), copies)


def test_li_lim_twins_move_as_pairs(tmp_path: Path) -> None:
    original = tiny(tmp_path, "tinyll.txt", LI_LIM)
    for copies in (2, 4):
        check_twins(original, scaled_copy(original, copies, seed=5), copies)


def test_seed_picks_the_reflections(tmp_path: Path) -> None:
    original = tiny(tmp_path, "tiny.txt", SOLOMON)
    layouts = {scaled_copy(original, 2, seed).xy.tobytes() for seed in range(8)}
    assert len(layouts) > 1
    assert np.array_equal(scaled_copy(original, 2, 4).xy, scaled_copy(original, 2, 4).xy)


@pytest.mark.parametrize("text,name", [(SOLOMON, "tiny.txt"), (LI_LIM, "tinyll.txt")])
def test_written_copy_reads_back_the_same(tmp_path: Path, text: str, name: str) -> None:
    scaled = scaled_copy(tiny(tmp_path, name, text), 3, seed=2)
    path = write_scaled(scaled, tmp_path / "out")
    again = read_instance(path)
    assert (tmp_path / "out" / "BKS.json").read_text().strip() == "{}"
    assert again.name == scaled.name == path.stem
    assert again.kind == scaled.kind and again.fleet_size == scaled.fleet_size
    for field in ("xy", "demand", "ready", "due", "service"):
        assert np.allclose(getattr(again, field), getattr(scaled, field))
    assert again.pairs() == scaled.pairs()


def test_bad_requests_are_format_errors(tmp_path: Path) -> None:
    original = tiny(tmp_path, "tiny.txt", SOLOMON)
    with pytest.raises(InstanceFormatError, match="copies"):
        scaled_copy(original, 5, seed=1)
    with pytest.raises(InstanceFormatError, match="copies"):
        scaled_copy(original, 1, seed=1)


@needs_bench
@pytest.mark.parametrize("name", ["R207", "C201", "lr201", "lc106"])
def test_real_instances_scale_with_every_twin_servable(name: str) -> None:
    kind = "pdptw" if name.startswith("l") else "vrptw"
    (path,) = list_instances(kind, BENCH, name)
    original = read_instance(path)
    check_twins(original, scaled_copy(original, 2, seed=11), 2)


@needs_bench
def test_scale_command_writes_a_set_the_bench_reads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["scale", "--set", "pdptw", "--instances", "lc101", "--seeds", "2", "--out-dir", str(tmp_path)]
    assert main(argv) == 0
    written = [Path(line) for line in capsys.readouterr().out.split()]
    assert [p.name for p in written] == ["lc101-x2-s1.txt", "lc101-x2-s2.txt"]
    assert list_instances("pdptw", tmp_path, None) == written
    assert main(["scale", "--set", "pdptw", "--instances", "lc101", "--copies", "9", "--out-dir", str(tmp_path)]) == 2
    assert "copies must be 2 to 4" in capsys.readouterr().err
