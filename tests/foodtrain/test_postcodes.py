"""Tests for the offline UK postcode lookup (foodtrain.postcodes)."""

from __future__ import annotations

import ast
import dataclasses
import lzma
import math
import time
from pathlib import Path

import pytest

from foodtrain import postcodes
from foodtrain.postcodes import (
    InvalidCoordinatesError,
    InvalidPostcodeError,
    PostcodeDataError,
    PostcodeError,
    PostcodeLocation,
    UnknownPostcodeError,
    dataset_info,
    lookup_postcode,
    normalise_postcode,
    postcodes_in_district,
    validate_latitude_longitude,
)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


@pytest.fixture
def fresh_cache():
    """Drop the cached table before and after a test that changes the data file."""
    postcodes._clear_cache()
    yield
    postcodes._clear_cache()


# --- normalisation ---------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("dg12bd", "DG1 2BD"),
        ("DG1 2BD", "DG1 2BD"),
        ("  dg1   2bd  ", "DG1 2BD"),
        ("Dg1\t2Bd\n", "DG1 2BD"),
        ("d g 1 2 b d", "DG1 2BD"),
        ("eh546aa", "EH54 6AA"),
        ("gir0aa", "GIR 0AA"),
        ("GIR 0AA", "GIR 0AA"),
    ],
)
def test_normalise_forgives_case_and_spacing(raw: str, expected: str) -> None:
    """Lower case, missing, extra or odd whitespace all normalise to 'OUT IN'."""
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("m11ae", "M1 1AE"),  # A9 9AA
        ("b338th", "B33 8TH"),  # A99 9AA
        ("cr26xh", "CR2 6XH"),  # AA9 9AA
        ("dn551pt", "DN55 1PT"),  # AA99 9AA
        ("w1a0ax", "W1A 0AX"),  # A9A 9AA
        ("ec1a1bb", "EC1A 1BB"),  # AA9A 9AA
        ("g11aa", "G1 1AA"),
        ("ze10aa", "ZE1 0AA"),
    ],
)
def test_normalise_all_official_formats(raw: str, expected: str) -> None:
    """Every official outward-code shape (A9, A99, AA9, AA99, A9A, AA9A) is accepted."""
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "hello",
        "DG1",
        "DG1 2B",
        "DG1 2BDX",
        "12345",
        "DG1-2BD",
        "DG1 2B0",
        "QA1 1AA",  # Q never first
        "AI1 1AA",  # I never second
        "A1I 1AA",  # I not allowed third in A9A
        "AA1C 1AA",  # C not allowed fourth in AA9A
        "DG1 2CI",  # C and I never in the inward code
        "DG1 2BD extra",
        "\u00df1 1AA",  # would upper-case to 'SS1 1AA'
        "DG\u0661 2BD",  # non-ASCII digit
    ],
)
def test_normalise_rejects_malformed(raw: str) -> None:
    """Malformed text raises InvalidPostcodeError, a ValueError, with a clear message."""
    with pytest.raises(InvalidPostcodeError) as info:
        normalise_postcode(raw)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert "not a valid UK postcode" in message
    assert "latitude/longitude" in message


@pytest.mark.parametrize("value", [None, 123, b"DG1 2BD", ["DG1 2BD"]])
def test_normalise_rejects_non_text(value: object) -> None:
    """Non-string input is reported as an invalid postcode, not a TypeError crash."""
    with pytest.raises(InvalidPostcodeError):
        normalise_postcode(value)  # type: ignore[arg-type]  # wrong types on purpose: the function must refuse them


# --- lookups ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "place", "true_lat", "true_lon", "max_km"),
    [
        ("dg12bd", "Dumfries", 55.07, -3.61, 3.0),
        ("EH54 6AA", "Livingston", 55.88, -3.52, 5.0),
        ("dg9 7aa", "Stranraer", 54.903, -5.024, 3.0),
        ("EH1 1YZ", "Edinburgh, Old Town", 55.950, -3.190, 2.0),
        ("ze1 0aa", "Lerwick", 60.155, -1.145, 3.0),
        ("AB10 1XG", "Aberdeen", 57.145, -2.10, 3.0),
        ("hs12ad", "Stornoway", 58.209, -6.387, 3.0),
        ("KW15 1AA", "Kirkwall", 58.982, -2.960, 3.0),
        ("IV1 1AD", "Inverness", 57.478, -4.225, 3.0),
        ("g21du", "Glasgow", 55.861, -4.251, 3.0),
        ("SW1A 1AA", "Buckingham Palace", 51.501, -0.142, 1.0),
        ("CF10 1AA", "Cardiff", 51.481, -3.179, 3.0),
    ],
)
def test_known_postcodes_resolve_near_true_location(
    raw: str, place: str, true_lat: float, true_lon: float, max_km: float
) -> None:
    """Known Scottish (and a few English/Welsh) postcodes land within a few km of the real place."""
    loc = lookup_postcode(raw)
    assert isinstance(loc, PostcodeLocation)
    assert loc.postcode == normalise_postcode(raw)
    assert distance_km(loc.latitude, loc.longitude, true_lat, true_lon) <= max_km, place


def test_location_is_frozen_dataclass_of_floats() -> None:
    """PostcodeLocation is an immutable (postcode, latitude, longitude) record."""
    loc = lookup_postcode("DG1 2BD")
    assert dataclasses.is_dataclass(loc)
    assert [f.name for f in dataclasses.fields(loc)] == ["postcode", "latitude", "longitude"]
    assert isinstance(loc.latitude, float) and isinstance(loc.longitude, float)
    with pytest.raises(dataclasses.FrozenInstanceError):
        loc.latitude = 0.0  # type: ignore[misc]  # a frozen dataclass on purpose: the write must fail


@pytest.mark.parametrize("raw", ["ZE1 9XX", "EH1 9ZZ", "ZE3 9ZZ", "BT1 1AA", "GIR 0AA", "JE2 3AA", "IM1 1AA"])
def test_unknown_well_formed_postcode_raises(raw: str) -> None:
    """A well-formed postcode missing from the dataset raises UnknownPostcodeError, never 0,0."""
    with pytest.raises(UnknownPostcodeError) as info:
        lookup_postcode(raw)
    err = info.value
    assert isinstance(err, LookupError) and isinstance(err, PostcodeError)
    assert err.postcode == normalise_postcode(raw)
    message = str(err)
    assert normalise_postcode(raw) in message
    assert "not in the offline postcode dataset" in message
    assert "latitude/longitude" in message


def test_postcodes_without_coordinates_are_unknown() -> None:
    """Code-Point Open postcodes published at 0,0 (quality 90) are left out, not returned as 0,0."""
    assert dataset_info()["skipped_no_coordinates"] > 0
    with pytest.raises(UnknownPostcodeError):
        lookup_postcode("AB43 1AJ")  # quality 90 in Code-Point Open 2025.2.0


def test_lookup_of_malformed_input_raises_invalid() -> None:
    """lookup_postcode validates its input before looking anything up."""
    with pytest.raises(InvalidPostcodeError):
        lookup_postcode("not a postcode")
    with pytest.raises(InvalidPostcodeError):
        lookup_postcode(None)  # type: ignore[arg-type]  # None on purpose: the lookup must refuse it


def test_dataset_covers_all_gb_and_every_scottish_area() -> None:
    """The shipped data holds all GB postcodes, with every Scottish postcode area present."""
    info = dataset_info()
    assert info["count"] >= 1_700_000
    assert info["countries"]["S92000003"] >= 160_000
    assert info["source"] == "Ordnance Survey Code-Point Open"
    assert "Crown copyright" in info["attribution"]
    assert "Crown copyright" in postcodes.POSTCODE_ATTRIBUTION
    assert "Open Government Licence" in postcodes.POSTCODE_ATTRIBUTION
    scottish_areas = ["AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH", "TD", "ZE"]
    for area in scottish_areas:
        found = postcodes_in_district(f"{area}1") or postcodes_in_district(f"{area}10")
        assert found, area
        for loc in found[:50]:
            assert 54.6 <= loc.latitude <= 60.9 and -7.7 <= loc.longitude <= -0.7, loc


def test_every_stored_position_is_plausible() -> None:
    """No stored coordinate is 0,0 or outside Great Britain."""
    table = postcodes._get_table()
    scale = table.scale
    assert min(table.latitudes) / scale > 49.8 and max(table.latitudes) / scale < 60.9
    assert min(table.longitudes) / scale > -8.7 and max(table.longitudes) / scale < 1.8


def test_postcodes_in_district() -> None:
    """postcodes_in_district returns the sorted postcodes of one outward code only."""
    found = postcodes_in_district(" dg1 ")
    assert len(found) > 100
    assert all(loc.postcode.startswith("DG1 ") for loc in found)
    assert [loc.postcode for loc in found] == sorted(loc.postcode for loc in found)
    assert lookup_postcode("DG1 2BD") in found
    assert postcodes_in_district("ZE9") == []
    with pytest.raises(InvalidPostcodeError):
        postcodes_in_district("DG1 2BD")


def test_lookups_are_fast() -> None:
    """After the one-off load, lookups take microseconds."""
    lookup_postcode("EH1 1YZ")  # make sure the data is loaded
    start = time.perf_counter()
    for _ in range(2000):
        lookup_postcode("ze10aa")
        lookup_postcode("dg1 2bd")
    assert (time.perf_counter() - start) / 4000 < 0.001


def test_data_loads_lazily_once(fresh_cache: None) -> None:
    """Importing does not load the data; the first lookup does, later ones reuse it."""
    assert postcodes._table is None
    lookup_postcode("DG1 2BD")
    table = postcodes._table
    assert table is not None
    lookup_postcode("EH54 6AA")
    assert postcodes._table is table


def test_missing_data_file_gives_clear_error(
    fresh_cache: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A missing data file raises PostcodeDataError naming the file and the lat/lon fallback."""
    missing = tmp_path / "nope.bin.xz"
    monkeypatch.setenv(postcodes.DATA_FILE_ENV, str(missing))
    with pytest.raises(PostcodeDataError) as info:
        lookup_postcode("DG1 2BD")
    assert str(missing) in str(info.value)
    assert "latitude/longitude" in str(info.value)


def test_corrupt_data_file_gives_clear_error(
    fresh_cache: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A truncated or foreign data file is reported, not misread."""
    bad = tmp_path / "bad.bin.xz"
    bad.write_bytes(lzma.compress(b"something else\n"))
    monkeypatch.setenv(postcodes.DATA_FILE_ENV, str(bad))
    with pytest.raises(PostcodeDataError):
        lookup_postcode("DG1 2BD")
    postcodes._clear_cache()
    bad.write_bytes(b"not xz at all")
    with pytest.raises(PostcodeDataError):
        lookup_postcode("DG1 2BD")


def test_module_is_plain_python() -> None:
    """foodtrain/postcodes.py imports neither Flask nor SQLAlchemy (nor anything outside the stdlib)."""
    tree = ast.parse(Path(postcodes.__file__).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= {
        "__future__",
        "json",
        "lzma",
        "math",
        "os",
        "re",
        "sys",
        "threading",
        "array",
        "dataclasses",
        "pathlib",
        "typing",
    }, imported


# --- latitude/longitude validation -----------------------------------------


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(55.07, -3.61), (60.155, -1.145), (54.903, -5.024), (51.5, -0.12), ("55.9", " -3.2 "), (57, -4)],
)
def test_valid_uk_positions_accepted(lat: object, lon: object) -> None:
    """UK positions (numbers or numeric strings) come back as a float pair."""
    result = validate_latitude_longitude(lat, lon)
    assert result == (float(lat), float(lon))  # type: ignore[arg-type]  # lat and lon are numbers or numeric strings (the cases above)
    assert all(isinstance(v, float) for v in result)


@pytest.mark.parametrize(
    ("lat", "lon", "fragment"),
    [
        (float("nan"), -3.6, "finite"),
        (55.0, float("inf"), "finite"),
        ("nan", -3.6, "finite"),
        (None, -3.6, "missing"),
        (55.0, None, "missing"),
        (True, -3.6, "not a number"),
        ("abc", -3.6, "not a number"),
        ([55], -3.6, "not a number"),
        (91.0, -3.6, "between -90 and 90"),
        (-91.0, -3.6, "between -90 and 90"),
        (55.0, 181.0, "between -180 and 180"),
        (55.0, -180.5, "between -180 and 180"),
        (0.0, 0.0, "placeholder"),
        (0, 0, "placeholder"),
        (48.857, 2.352, "outside the UK"),  # Paris
        (-3.61, 55.07, "swapped"),
        (55.07, 3.61, "outside the UK"),  # sign of the longitude lost
        (40.7, -74.0, "outside the UK"),  # New York
    ],
)
def test_invalid_positions_rejected(lat: object, lon: object, fragment: str) -> None:
    """Bad, null-island or non-UK positions raise InvalidCoordinatesError with a clear message."""
    with pytest.raises(InvalidCoordinatesError) as info:
        validate_latitude_longitude(lat, lon)
    assert isinstance(info.value, ValueError)
    assert fragment in str(info.value)


def test_invalid_message_is_short_for_long_input() -> None:
    """A pasted paragraph is not echoed back whole in the error message."""
    with pytest.raises(InvalidPostcodeError) as info:
        normalise_postcode("x" * 5000)
    assert len(str(info.value)) < 300
