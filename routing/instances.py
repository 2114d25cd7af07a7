"""Readers for the public benchmark formats (CVRPLIB, Solomon, Li & Lim).

An :class:`Instance` keeps the file's data in internal order (depot first) and
remembers each node's id in the file's own numbering, so that results can be
reported in that numbering.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from routing.errors import InstanceFormatError

KINDS = ("cvrp", "vrptw", "pdptw")


@dataclass(frozen=True)
class Instance:
    """A benchmark instance; index 0 is the depot.

    ``fleet_size`` is ``None`` when vehicles are unlimited (CVRP). For
    ``pdptw``, ``delivery_of[i]`` is the delivery partner of pickup ``i`` (or -1).
    """

    name: str
    kind: str
    file_ids: tuple[int, ...]
    xy: np.ndarray
    demand: np.ndarray
    capacity: int
    fleet_size: int | None
    ready: np.ndarray | None = None
    due: np.ndarray | None = None
    service: np.ndarray | None = None
    delivery_of: np.ndarray | None = None
    min_vehicles: int | None = None

    @property
    def size(self) -> int:
        """Number of nodes including the depot."""
        return len(self.file_ids)

    def distance_matrix(self) -> np.ndarray:
        """Euclidean distances; rounded to integers for CVRP (TSPLIB EUC_2D)."""
        diff = self.xy[:, None, :] - self.xy[None, :, :]
        dist = np.sqrt((diff**2).sum(axis=2))
        if self.kind == "cvrp":
            return np.floor(dist + 0.5)
        return dist

    def pairs(self) -> list[tuple[int, int]]:
        """(pickup, delivery) internal index pairs for PDPTW, else empty."""
        if self.delivery_of is None:
            return []
        return [(int(p), int(d)) for p, d in enumerate(self.delivery_of) if d > 0]


def read_instance(path: str | Path) -> Instance:
    """Read any of the three formats, chosen from the file's content and folder."""
    path = Path(path)
    text = path.read_text()
    if "NODE_COORD_SECTION" in text:
        return read_cvrplib(path)
    if "CUSTOMER" in text and "VEHICLE" in text:
        return read_solomon(path)
    return read_li_lim(path)


def _section(lines: list[str], header: str) -> list[list[str]]:
    out: list[list[str]] = []
    inside = False
    for line in lines:
        s = line.strip()
        if not s:
            continue
        if s.startswith(header):
            inside = True
            continue
        if inside:
            if not re.match(r"^-?\d", s):
                break
            out.append(s.split())
    return out


def read_cvrplib(path: str | Path) -> Instance:
    """Read a CVRPLIB ``.vrp`` file (EUC_2D only)."""
    path = Path(path)
    lines = path.read_text().splitlines()
    meta: dict[str, str] = {}
    for line in lines:
        if ":" in line and not line.strip()[0].isdigit():
            key, _, value = line.partition(":")
            meta[key.strip().upper()] = value.strip()
    if meta.get("EDGE_WEIGHT_TYPE", "").strip() != "EUC_2D":
        raise InstanceFormatError(f"{path}: EDGE_WEIGHT_TYPE must be EUC_2D, got {meta.get('EDGE_WEIGHT_TYPE')!r}")
    try:
        dimension = int(meta["DIMENSION"])
        capacity = int(meta["CAPACITY"])
    except (KeyError, ValueError) as exc:
        raise InstanceFormatError(f"{path}: missing DIMENSION or CAPACITY") from exc
    coords = {int(r[0]): (float(r[1]), float(r[2])) for r in _section(lines, "NODE_COORD_SECTION")}
    demands = {int(r[0]): int(r[1]) for r in _section(lines, "DEMAND_SECTION")}
    depots = [int(r[0]) for r in _section(lines, "DEPOT_SECTION") if int(r[0]) > 0]
    if len(coords) != dimension or len(demands) != dimension or len(depots) != 1:
        raise InstanceFormatError(f"{path}: expected {dimension} coordinates, demands and one depot")
    depot = depots[0]
    ids = [depot] + sorted(i for i in coords if i != depot)
    name = meta.get("NAME", path.stem).strip()
    match = re.search(r"-k(\d+)", name)
    return Instance(
        name=name,
        kind="cvrp",
        file_ids=tuple(ids),
        xy=np.array([coords[i] for i in ids], dtype=float),
        demand=np.array([demands[i] for i in ids], dtype=np.int64),
        capacity=capacity,
        fleet_size=None,
        min_vehicles=int(match.group(1)) if match else None,
    )


def _numeric_rows(lines: list[str], width: int) -> list[list[float]]:
    rows = []
    for line in lines:
        parts = line.split()
        if len(parts) == width and all(re.match(r"^-?\d+(\.\d+)?$", p) for p in parts):
            rows.append([float(p) for p in parts])
    return rows


def read_solomon(path: str | Path) -> Instance:
    """Read a Solomon ``.txt`` VRPTW file."""
    path = Path(path)
    lines = path.read_text().splitlines()
    fleet = _numeric_rows(lines, 2)
    rows = _numeric_rows(lines, 7)
    if not fleet or not rows:
        raise InstanceFormatError(f"{path}: not a Solomon file (no VEHICLE or CUSTOMER rows)")
    data = np.array(rows)
    if data[0, 0] != 0:
        raise InstanceFormatError(f"{path}: first customer row must be the depot 0")
    return Instance(
        name=lines[0].strip() or path.stem,
        kind="vrptw",
        file_ids=tuple(int(i) for i in data[:, 0]),
        xy=data[:, 1:3].copy(),
        demand=data[:, 3].astype(np.int64),
        capacity=int(fleet[0][1]),
        fleet_size=int(fleet[0][0]),
        ready=data[:, 4].copy(),
        due=data[:, 5].copy(),
        service=data[:, 6].copy(),
    )


def read_li_lim(path: str | Path) -> Instance:
    """Read a Li & Lim PDPTW ``.txt`` file (node 0 is the depot)."""
    path = Path(path)
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    try:
        head = lines[0].split()
        vehicles, capacity = int(head[0]), int(float(head[1]))
        data = np.array([[float(x) for x in line.split()] for line in lines[1:]])
    except (IndexError, ValueError) as exc:
        raise InstanceFormatError(f"{path}: not a Li & Lim file") from exc
    if data.ndim != 2 or data.shape[1] != 9 or data[0, 0] != 0:
        raise InstanceFormatError(f"{path}: expected 9 columns per node, depot 0 first")
    ids = data[:, 0].astype(int)
    position = {int(i): k for k, i in enumerate(ids)}
    delivery_of = np.full(len(ids), -1, dtype=np.int64)
    for k, row in enumerate(data):
        pick, deliv = int(row[7]), int(row[8])
        if k and deliv > 0:
            if deliv not in position or int(data[position[deliv], 7]) != int(row[0]):
                raise InstanceFormatError(f"{path}: node {int(row[0])} has no matching delivery {deliv}")
            delivery_of[k] = position[deliv]
        elif k and pick <= 0:
            raise InstanceFormatError(f"{path}: node {int(row[0])} is neither pickup nor delivery")
    return Instance(
        name=path.stem,
        kind="pdptw",
        file_ids=tuple(int(i) for i in ids),
        xy=data[:, 1:3].copy(),
        demand=data[:, 3].astype(np.int64),
        capacity=capacity,
        fleet_size=vehicles,
        ready=data[:, 4].copy(),
        due=data[:, 5].copy(),
        service=data[:, 6].copy(),
        delivery_of=delivery_of,
    )


def read_cvrplib_solution(path: str | Path, instance: Instance) -> tuple[list[list[int]], float]:
    """Read a CVRPLIB ``.sol`` file into routes of *file* ids and the stated cost.

    CVRPLIB solutions number customers 1..n-1 with the depot as 0, i.e. file id
    minus one when the depot is file id 1; this converts them back.
    """
    routes: list[list[int]] = []
    cost = math.nan
    depot = instance.file_ids[0]
    customer_ids = list(instance.file_ids[1:])
    for line in Path(path).read_text().splitlines():
        if line.lower().startswith("route"):
            nums = [int(x) for x in line.split(":", 1)[1].split()]
            routes.append([customer_ids[n - 1] if depot == 1 else n for n in nums])
        elif line.lower().startswith("cost"):
            cost = float(line.split()[1])
    return routes, cost
