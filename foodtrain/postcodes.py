"""Offline UK postcode -> latitude/longitude lookup.

The data is Ordnance Survey Code-Point Open (every GB postcode that has
coordinates), shipped in ``data/postcodes/gb_postcodes.bin.xz`` and rebuilt by
``data/postcodes/build_postcodes.py``; see ``data/postcodes/SOURCE.md``.
Nothing is downloaded at run time and only the standard library is used.

Any screen or report that shows positions derived from this data must show
:data:`POSTCODE_ATTRIBUTION` (Open Government Licence).

Public API:

* :func:`normalise_postcode` -- ``"dg12bd"`` -> ``"DG1 2BD"``, or
  :class:`InvalidPostcodeError`.
* :func:`lookup_postcode` -- :class:`PostcodeLocation`, or
  :class:`UnknownPostcodeError` when the postcode is well formed but not in
  the dataset (the caller should then offer to place the location by
  latitude/longitude).
* :func:`validate_latitude_longitude` -- checks a manually entered position,
  or :class:`InvalidCoordinatesError`.
* :func:`postcodes_in_district` -- every postcode of a district such as ``"DG1"``.
* :func:`postcode_district` -- ``"dg1"`` -> ``"DG1"`` when the text is a district (outward code), else None.
* :func:`dataset_info` -- provenance and counts of the loaded data.
"""

from __future__ import annotations

import json
import lzma
import math
import os
import re
import sys
import threading
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "DATA_FILE_ENV",
    "DEFAULT_DATA_FILE",
    "POSTCODE_ATTRIBUTION",
    "UK_BOUNDS",
    "InvalidCoordinatesError",
    "InvalidPostcodeError",
    "PostcodeDataError",
    "PostcodeError",
    "PostcodeLocation",
    "UnknownPostcodeError",
    "dataset_info",
    "lookup_postcode",
    "normalise_postcode",
    "postcode_district",
    "postcodes_in_district",
    "validate_latitude_longitude",
]

#: Environment variable that overrides the location of the postcode data file.
DATA_FILE_ENV = "FOODTRAIN_POSTCODES_FILE"
#: Data file inside a source checkout.
# foodtrain.DATA_DIRECTORY spelled out: this module imports nothing outside the standard library.
DEFAULT_DATA_FILE = Path(__file__).resolve().parent / "data" / "postcodes" / "gb_postcodes.bin.xz"

#: Attribution that must accompany anything derived from the postcode data.
POSTCODE_ATTRIBUTION = (
    "Contains OS data \u00a9 Crown copyright and database right 2025. "
    "Contains Royal Mail data \u00a9 Royal Mail copyright and database right 2025. "
    "Contains National Statistics data \u00a9 Crown copyright and database right 2025. "
    "Postcode locations from Ordnance Survey Code-Point Open, licensed under the "
    "Open Government Licence v3.0."
)

#: (min latitude, max latitude, min longitude, max longitude) accepted for a
#: manually placed location: the UK (incl. Northern Ireland, Scilly, St Kilda
#: and Shetland) with a small margin.
UK_BOUNDS = (49.5, 61.0, -8.8, 2.0)

_MAGIC = b"FOODTRAIN-POSTCODES 1\n"
_KEY_LEN = 7

# Official UK postcode format (BS 7666 rules as published for GOV.UK data
# standards): first letter not Q/V/X, second letter not I/J/Z, restricted
# letters in the A9A / AA9A positions, inward letters never C/I/K/M/O/V;
# plus the special GIR 0AA.
_OUTWARD = (
    r"(?:[A-PR-UWYZ][0-9][0-9]?"  # A9, A99
    r"|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?"  # AA9, AA99
    r"|[A-PR-UWYZ][0-9][A-HJKPS-UW]"  # A9A
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRV-Y])"  # AA9A
)
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"
_POSTCODE_RE = re.compile(rf"^(?:(GIR) ?(0AA)|({_OUTWARD}) ?({_INWARD}))$")
_WHITESPACE_RE = re.compile(r"\s+")


class PostcodeError(Exception):
    """Base class of the errors raised by postcode lookups."""


class InvalidPostcodeError(PostcodeError, ValueError):
    """The text is not a well-formed UK postcode."""

    def __init__(self, text: object, reason: str = "") -> None:
        self.text = text
        shown = repr(text) if not isinstance(text, str) else f"'{text.strip()}'"
        if len(shown) > 40:
            shown = shown[:37] + "..."
        detail = f" ({reason})" if reason else ""
        super().__init__(
            f"{shown} is not a valid UK postcode{detail}. A postcode looks like "
            "'DG1 2BD' or 'EH54 6AA'. Check it, or place the location by "
            "latitude/longitude instead."
        )


class UnknownPostcodeError(PostcodeError, LookupError):
    """The postcode is well formed but not in the offline dataset."""

    def __init__(self, postcode: str) -> None:
        self.postcode = postcode
        super().__init__(
            f"Postcode {postcode} is not in the offline postcode dataset "
            "(Ordnance Survey Code-Point Open, Great Britain only). It may be new, "
            "retired, non-geographic, or in Northern Ireland, the Channel Islands "
            "or the Isle of Man. Check it, or place the location by "
            "latitude/longitude instead."
        )


class PostcodeDataError(PostcodeError, RuntimeError):
    """The offline postcode data file is missing or unreadable."""


class InvalidCoordinatesError(ValueError):
    """A latitude/longitude pair is not a usable UK location."""


@dataclass(frozen=True)
class PostcodeLocation:
    """A postcode and the WGS84 position of its Code-Point Open centroid."""

    postcode: str
    latitude: float
    longitude: float


def normalise_postcode(text: str) -> str:
    """Return ``text`` as a canonical UK postcode (``"dg12bd"`` -> ``"DG1 2BD"``).

    Case and whitespace are forgiven; anything else that does not match the
    official postcode format raises :class:`InvalidPostcodeError`.
    """
    if not isinstance(text, str):
        raise InvalidPostcodeError(text, "not text")
    compact = _WHITESPACE_RE.sub("", text)
    if not compact:
        raise InvalidPostcodeError(text, "it is empty")
    if not compact.isascii():
        raise InvalidPostcodeError(text, "it contains characters other than A-Z and 0-9")
    compact = compact.upper()
    if not 5 <= len(compact) <= 7:
        raise InvalidPostcodeError(text, "a postcode has 5 to 7 letters and digits")
    match = _POSTCODE_RE.match(compact)
    if match is None:
        raise InvalidPostcodeError(text)
    outward, inward = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    return f"{outward} {inward}"


def postcode_district(text: str) -> str | None:
    """The text as a postcode district (outward code, ``"dg1"`` -> ``"DG1"``), or None if it is not one."""
    compact = _WHITESPACE_RE.sub("", text or "").upper()
    return compact if compact.isascii() and re.fullmatch(_OUTWARD, compact) else None


class _PostcodeTable:
    """Sorted fixed-width postcode keys with parallel int32 coordinate arrays."""

    __slots__ = ("keys", "latitudes", "longitudes", "count", "scale", "meta")

    def __init__(self, raw: bytes) -> None:
        if not raw.startswith(_MAGIC):
            raise PostcodeDataError("postcode data file has an unknown format")
        header_end = raw.index(b"\n", len(_MAGIC))
        meta: dict[str, Any] = json.loads(raw[len(_MAGIC) : header_end])
        count = int(meta["count"])
        start = header_end + 1
        view = memoryview(raw)
        keys_end = start + count * _KEY_LEN
        lat_end = keys_end + count * 4
        if len(raw) != lat_end + count * 4:
            raise PostcodeDataError("postcode data file is truncated or corrupt")
        self.keys = bytes(view[start:keys_end])
        self.latitudes = array("i")
        self.latitudes.frombytes(view[keys_end:lat_end])
        self.longitudes = array("i")
        self.longitudes.frombytes(view[lat_end:])
        if sys.byteorder != "little":
            self.latitudes.byteswap()
            self.longitudes.byteswap()
        self.count = count
        self.scale = float(meta["scale"])
        self.meta = meta

    def find(self, key: bytes) -> int:
        """Index of ``key`` or -1 (binary search on the sorted keys)."""
        keys, width = self.keys, _KEY_LEN
        lo, hi = 0, self.count
        while lo < hi:
            mid = (lo + hi) // 2
            probe = keys[mid * width : (mid + 1) * width]
            if probe < key:
                lo = mid + 1
            elif probe > key:
                hi = mid
            else:
                return mid
        return -1


_table: _PostcodeTable | None = None
_table_lock = threading.Lock()


def _data_file() -> Path:
    """Path of the postcode data file (environment override or checkout default)."""
    override = os.environ.get(DATA_FILE_ENV)
    return Path(override) if override else DEFAULT_DATA_FILE


def _get_table() -> _PostcodeTable:
    """Load the data file once (thread-safe) and return the cached table."""
    global _table
    if _table is None:
        with _table_lock:
            if _table is None:
                path = _data_file()
                try:
                    raw = lzma.decompress(path.read_bytes())
                except (OSError, lzma.LZMAError) as exc:
                    raise PostcodeDataError(
                        f"The offline postcode data file {path} could not be read ({exc}). "
                        "Postcode lookup is unavailable; place locations by latitude/longitude "
                        "instead, or restore data/postcodes/ (see SOURCE.md there)."
                    ) from exc
                _table = _PostcodeTable(raw)
    return _table


def _clear_cache() -> None:
    """Forget the loaded table (for tests)."""
    global _table
    with _table_lock:
        _table = None


def lookup_postcode(text: str) -> PostcodeLocation:
    """Return the location of a UK postcode from the offline dataset.

    Raises :class:`InvalidPostcodeError` for malformed input and
    :class:`UnknownPostcodeError` for a well-formed postcode that is not in
    the dataset; never returns a made-up or 0,0 position.
    """
    postcode = normalise_postcode(text)
    outward, inward = postcode.split(" ")
    table = _get_table()
    index = table.find((outward.ljust(4) + inward).encode("ascii"))
    if index < 0:
        raise UnknownPostcodeError(postcode)
    return PostcodeLocation(
        postcode=postcode,
        latitude=table.latitudes[index] / table.scale,
        longitude=table.longitudes[index] / table.scale,
    )


def dataset_info() -> dict[str, Any]:
    """Provenance of the loaded postcode data (source, version, count, licence, attribution)."""
    return dict(_get_table().meta)


def validate_latitude_longitude(latitude: object, longitude: object) -> tuple[float, float]:
    """Check a manually entered WGS84 position and return it as floats.

    Raises :class:`InvalidCoordinatesError` for non-numbers, NaN/infinity,
    out-of-range values, the 0,0 "null island" placeholder, or a point outside
    the UK (:data:`UK_BOUNDS`), e.g. latitude and longitude swapped.
    """
    values: list[float] = []
    for name, value in (("latitude", latitude), ("longitude", longitude)):
        if isinstance(value, bool) or value is None:
            raise InvalidCoordinatesError(f"The {name} is missing or not a number: {value!r}.")
        try:
            number = float(value.strip() if isinstance(value, str) else value)  # type: ignore[arg-type]  # a CSV cell: str or a number; float() raises on anything else
        except (TypeError, ValueError):
            raise InvalidCoordinatesError(f"The {name} is not a number: {value!r}.") from None
        if not math.isfinite(number):
            raise InvalidCoordinatesError(f"The {name} must be a finite number, not {value!r}.")
        values.append(number)
    lat, lon = values
    if not -90.0 <= lat <= 90.0:
        raise InvalidCoordinatesError(f"Latitude {lat} is out of range: it must be between -90 and 90 degrees.")
    if not -180.0 <= lon <= 180.0:
        raise InvalidCoordinatesError(f"Longitude {lon} is out of range: it must be between -180 and 180 degrees.")
    if lat == 0.0 and lon == 0.0:
        raise InvalidCoordinatesError(
            "Latitude 0, longitude 0 is a placeholder, not a real location. Enter the actual position."
        )
    min_lat, max_lat, min_lon, max_lon = UK_BOUNDS
    if not (min_lat <= lat <= max_lat and min_lon <= lon <= max_lon):
        hint = ""
        if min_lat <= lon <= max_lat and min_lon <= lat <= max_lon:
            hint = " Latitude and longitude look swapped."
        raise InvalidCoordinatesError(
            f"The position {lat}, {lon} is outside the UK (latitude {min_lat} to {max_lat}, "
            f"longitude {min_lon} to {max_lon}).{hint} In Scotland latitude is about 55 to 61 "
            "and longitude about -8 to -1 (west is negative)."
        )
    return lat, lon


def postcodes_in_district(district: str) -> list[PostcodeLocation]:
    """Every postcode of an outward code (postcode district), e.g. "DG1", in postcode order."""
    if not isinstance(district, str):
        raise InvalidPostcodeError(district, "not text")
    outward = district.strip().upper()
    if not re.fullmatch(r"[A-Z]{1,2}[0-9][0-9A-Z]?", outward):
        raise InvalidPostcodeError(district)
    table = _get_table()
    prefix = outward.ljust(4).encode("ascii")
    keys, width = table.keys, _KEY_LEN
    lo, hi = 0, table.count
    while lo < hi:  # first key >= prefix
        mid = (lo + hi) // 2
        if keys[mid * width : (mid + 1) * width] < prefix:
            lo = mid + 1
        else:
            hi = mid
    found = []
    index = lo
    while index < table.count and keys[index * width : index * width + 4] == prefix:
        key = keys[index * width : (index + 1) * width].decode("ascii")
        found.append(
            PostcodeLocation(
                postcode=f"{key[:4].strip()} {key[4:]}",
                latitude=table.latitudes[index] / table.scale,
                longitude=table.longitudes[index] / table.scale,
            )
        )
        index += 1
    return found
