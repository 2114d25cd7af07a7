"""Scaled copies of Solomon and Li & Lim instances: larger cases of the same families, for unseen benchmarks.

The public sets we hold have 100 customers (Solomon) or about 50 pickup-delivery pairs (Li & Lim); the
families' larger members (Gehring & Homberger 200+, Li & Lim 200/400) are not here and may not be copied
in. A scaled copy gives every customer, or every pickup-delivery pair, ``copies - 1`` twins reflected
through the depot on x, on y or on both, one reflection per twin drawn from the seed. A reflection keeps
the twin's distance from the depot and a pair's distance from pickup to delivery, and the twin keeps the
original's demand, window and service time, so every twin is exactly as servable on its own as its
original; what changes is the mix, as in the larger published sets (more customers per route, in the
same area and horizon). The fleet grows by the same factor.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from routing.errors import InstanceFormatError
from routing.instances import Instance

#: (x sign, y sign) of the reflections through the depot a twin may get.
REFLECTIONS = ((-1, 1), (1, -1), (-1, -1))
MAX_COPIES = len(REFLECTIONS) + 1


def scaled_name(name: str, copies: int, seed: int) -> str:
    """Name of a scaled copy, e.g. ``R207-x2-s1``."""
    return f"{name}-x{copies}-s{seed}"


def _groups(instance: Instance) -> list[tuple[int, ...]]:
    """Customers that move together: each pickup-delivery pair, or each customer on its own."""
    if instance.kind == "pdptw":
        return list(instance.pairs())
    return [(i,) for i in range(1, instance.size)]


def scaled_copy(instance: Instance, copies: int, seed: int) -> Instance:
    """The instance with ``copies`` times its customers and fleet (see the module's description)."""
    if instance.kind not in ("vrptw", "pdptw"):
        raise InstanceFormatError(
            f"{instance.name}: only Solomon and Li & Lim instances are scaled, not {instance.kind}"
        )
    if not 2 <= copies <= MAX_COPIES:
        raise InstanceFormatError(f"copies must be 2 to {MAX_COPIES}, got {copies}")
    assert instance.ready is not None and instance.due is not None and instance.service is not None
    customers = instance.size - 1
    size = 1 + copies * customers
    depot_xy = instance.xy[0]
    rng = np.random.default_rng(seed)
    xy = np.tile(instance.xy[1:], (copies, 1))
    for group in _groups(instance):
        order = rng.permutation(len(REFLECTIONS))
        for copy in range(1, copies):
            sign = np.array(REFLECTIONS[order[copy - 1]], dtype=float)
            for node in group:
                xy[copy * customers + node - 1] = depot_xy + sign * (instance.xy[node] - depot_xy)

    def tiled(values: np.ndarray) -> np.ndarray:
        return np.concatenate([values[:1], np.tile(values[1:], copies)])

    delivery_of = None
    if instance.delivery_of is not None:
        delivery_of = np.full(size, -1, dtype=np.int64)
        for pickup, delivery in instance.pairs():
            for copy in range(copies):
                delivery_of[copy * customers + pickup] = copy * customers + delivery
    return Instance(
        name=scaled_name(instance.name, copies, seed),
        kind=instance.kind,
        file_ids=tuple(range(size)),
        xy=np.vstack([depot_xy[None, :], xy]),
        demand=tiled(instance.demand),
        capacity=instance.capacity,
        fleet_size=None if instance.fleet_size is None else instance.fleet_size * copies,
        ready=tiled(instance.ready),
        due=tiled(instance.due),
        service=tiled(instance.service),
        delivery_of=delivery_of,
    )


def _number(value: float) -> str:
    """A number as the readers take it: no exponent, no trailing zeros."""
    text = f"{float(value):.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def solomon_text(instance: Instance) -> str:
    """The instance in Solomon's VRPTW text format."""
    assert instance.ready is not None and instance.due is not None and instance.service is not None
    lines = [
        instance.name,
        "",
        "VEHICLE",
        "NUMBER     CAPACITY",
        f"  {instance.fleet_size}         {instance.capacity}",
        "",
        "CUSTOMER",
        "CUST NO.   XCOORD.    YCOORD.    DEMAND   READY TIME   DUE DATE   SERVICE TIME",
        "",
    ]
    for i in range(instance.size):
        values = (instance.xy[i, 0], instance.xy[i, 1], instance.demand[i])
        times = (instance.ready[i], instance.due[i], instance.service[i])
        lines.append("  ".join([str(instance.file_ids[i]), *map(_number, values), *map(_number, times)]))
    return "\n".join(lines) + "\n"


def li_lim_text(instance: Instance) -> str:
    """The instance in Li & Lim's PDPTW text format (file ids are the internal order)."""
    assert instance.ready is not None and instance.due is not None and instance.service is not None
    assert instance.delivery_of is not None
    pickup_of = {d: p for p, d in instance.pairs()}
    lines = [f"{instance.fleet_size}\t{instance.capacity}\t1"]
    for i in range(instance.size):
        delivery = int(instance.delivery_of[i]) if instance.delivery_of[i] > 0 else 0
        values = (instance.xy[i, 0], instance.xy[i, 1], instance.demand[i])
        times = (instance.ready[i], instance.due[i], instance.service[i])
        row = [str(i), *map(_number, values), *map(_number, times), str(pickup_of.get(i, 0)), str(delivery)]
        lines.append("\t".join(row))
    return "\n".join(lines) + "\n"


def write_scaled(instance: Instance, folder: Path) -> Path:
    """Write a (scaled) instance into ``folder`` in its family's format, with an empty ``BKS.json`` beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    best_known = folder / "BKS.json"
    if not best_known.exists():
        best_known.write_text("{}\n")
    path = folder / f"{instance.name}.txt"
    path.write_text(solomon_text(instance) if instance.kind == "vrptw" else li_lim_text(instance))
    return path
