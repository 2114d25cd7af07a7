"""Bad input files: a RotaInputError naming the field (and volunteer or slot), exit 2 from the CLI, no traceback.

One test per kind of bad input reported in issue 14, plus limits that keep any input inside the time limit.
"""

from __future__ import annotations

import json
import time

import pytest
import routing

import rota
from rota import Params, RotaInputError, Weights
from rota.__main__ import main
from rota.generator import generate
from rota.jsonio import assignments_from_json, params_from_json, problem_from_json, problem_to_json


def _data() -> dict:
    return problem_to_json(generate("tiny", 0))


def _refused(data, match: str) -> str:
    with pytest.raises(RotaInputError, match=match) as info:
        problem_from_json(data)
    return str(info.value)


def _vol(data: dict, **fields) -> dict:
    data["volunteers"][0].update(fields)
    return data


def _vid(data: dict) -> str:
    return data["volunteers"][0]["id"]


@pytest.mark.parametrize("top", [None, 42, "rota", [1, 2], True])
def test_top_level_not_an_object(top):
    """A file whose top level is null, a number, a string, a list or a bool names 'problem'."""
    _refused(top, r"^problem: must be an object")


def test_unknown_top_level_key_suggests_the_nearest():
    """'volunters' is refused with 'did you mean volunteers'."""
    data = _data()
    data["volunters"] = data.pop("volunteers")
    _refused(data, r"problem\.volunters: unknown key; did you mean 'volunteers'")


def test_misspelled_volunteer_key_is_refused_naming_the_volunteer():
    """'driver_aproved' is not silently ignored: the message names the volunteer and the nearest key."""
    data = _data()
    data["volunteers"][0]["driver_aproved"] = True
    msg = _refused(data, r"driver_aproved: unknown key; did you mean 'driver_approved'")
    assert _vid(data) in msg


def test_misspelled_slot_key_is_refused():
    """'seat' on a slot suggests 'seats'."""
    data = _data()
    data["slots"][0]["seat"] = 2
    _refused(data, r"slots\[0\] \(main-0301-lists1\)\.seat: unknown key; did you mean 'seats'")


@pytest.mark.parametrize(
    "month, field",
    [
        ({"year": "abc", "month": 3}, r"month\.year: must be a whole number"),
        ({"year": 2027}, r"month\.month: is required"),
        ({"year": 2027, "month": 13}, r"month\.month: must be 1\.\.12"),
        ("2027/03", r"month: must be 'YYYY-MM'"),
        ("abc-de", r"month: must be 'YYYY-MM'"),
        (202703, r"month: must be 'YYYY-MM' or"),
        (None, r"month: must be 'YYYY-MM' or"),
    ],
)
def test_bad_month(month, field):
    """Month as a non-numeric year, missing month, out of range, wrong format or wrong type."""
    data = _data()
    data["month"] = month
    _refused(data, field)


@pytest.mark.parametrize("value", [5, None, "slots", {"id": "x"}])
def test_slots_not_a_list(value):
    """slots: 5 / null / a string / an object -> 'slots: must be a list'."""
    data = _data()
    data["slots"] = value
    _refused(data, r"^slots: must be a list")


@pytest.mark.parametrize("value", [5, None, "v1"])
def test_volunteers_not_a_list(value):
    """volunteers: not a list -> named."""
    data = _data()
    data["volunteers"] = value
    _refused(data, r"^volunteers: must be a list")


def test_volunteer_as_a_string():
    """A volunteer given as a bare string -> volunteers[0]: must be an object."""
    data = _data()
    data["volunteers"][0] = "v1"
    _refused(data, r"volunteers\[0\]: must be an object, got a string")


def test_slot_as_a_number():
    """A slot given as a number -> slots[0]: must be an object."""
    data = _data()
    data["slots"][0] = 7
    _refused(data, r"slots\[0\]: must be an object, got a number")


def test_nested_availability():
    """Availability nested one level too deep names the entry and the volunteer."""
    data = _data()
    msg = _refused(_vol(data, availability=[[[0, "morning"]]]), r"availability\[0\]")
    assert _vid(data) in msg


@pytest.mark.parametrize("entry", [[9, "morning"], [0, "evening"], ["Mon", "morning"], [0, "morning", 1]])
def test_bad_availability_entries(entry):
    """Weekday out of range, unknown half, weekday as text, three items: all refused naming the volunteer."""
    data = _data()
    msg = _refused(_vol(data, availability=[entry]), r"availability")
    assert _vid(data) in msg


@pytest.mark.parametrize(
    "field", ["dates_away", "roles", "availability", "never_partners", "preferred_partners", "preferred_weekdays"]
)
def test_list_fields_given_null(field):
    """dates_away: null, roles: null (and every list field) -> 'must be a list', naming the volunteer."""
    data = _data()
    msg = _refused(_vol(data, **{field: None}), rf"{field}: must be a list, got null")
    assert _vid(data) in msg


@pytest.mark.parametrize(
    "field, value",
    [("driver_approved", "yes"), ("trainee", 1), ("name", 5), ("pvg_date", 20270101), ("pvg_status", None), ("id", 17)],
)
def test_wrong_scalar_types_on_a_volunteer(field, value):
    """Booleans, strings and dates of the wrong JSON type are refused by field name."""
    _refused(_vol(_data(), **{field: value}), rf"{field}")


@pytest.mark.parametrize(
    "field, value, match",
    [
        ("max_consecutive_days", 10**7, r"must be <= 31"),
        ("wished_shifts_per_month", 10**6, r"must be <= 62"),
        ("wished_shifts_per_month", 10**7, r"must be <= 62"),
        ("max_shifts_per_week", 100, r"must be <= 14"),
        ("shadow_shifts_needed", 10**9, r"must be <= 62"),
        ("wished_shifts_per_month", -1, r"must be >= 0"),
        ("wished_shifts_per_month", 2.5, r"must be a whole number"),
    ],
)
def test_counts_out_of_range_name_the_volunteer(field, value, match):
    """Huge counts that once made the model swell past its time limit are refused; the message names the volunteer."""
    data = _data()
    t0 = time.perf_counter()
    msg = _refused(_vol(data, **{field: value}), match)
    assert time.perf_counter() - t0 < 1.0
    assert _vid(data) in msg and field in msg


@pytest.mark.parametrize("wish", ["daily", None, [1]])
def test_bad_wished_frequency_names_the_volunteer(wish):
    """An unknown frequency word, null or a list names the volunteer and wished_frequency."""
    data = _data()
    del data["volunteers"][0]["wished_shifts_per_month"]
    msg = _refused(_vol(data, wished_frequency=wish), r"wished_frequency")
    assert _vid(data) in msg


def test_wish_given_twice():
    """Both wished_shifts_per_month and wished_frequency -> refused (which one is meant is unclear)."""
    _refused(_vol(_data(), wished_frequency="weekly"), r"not both")


@pytest.mark.parametrize(
    "field, value",
    [
        ("seats", "2"),
        ("seats", 1000),
        ("kind", "party"),
        ("part_of_day", 3),
        ("resource", ""),
        ("date", "2027-02-30"),
        ("branch", None),
    ],
)
def test_bad_slot_fields_name_the_slot(field, value):
    """Slot fields of the wrong type or out of range name the slot."""
    data = _data()
    sid = data["slots"][0]["id"]
    data["slots"][0][field] = value
    msg = _refused(data, field)
    assert sid in msg


def test_history_not_a_list_and_bad_role():
    """history: an object, or an entry with an unknown role, is refused by field."""
    data = _data()
    data["history"] = {"a": 1}
    _refused(data, r"^history: must be a list")
    data = _data()
    data["history"][0]["role"] = "pilot"
    _refused(data, r"history\[\]\.role: unknown role")


@pytest.mark.parametrize(
    "params, match",
    [
        ({"time_limt_s": 5}, r"params\.time_limt_s: unknown key; did you mean 'time_limit_s'"),
        ({"weights": {"fill_seats": 5}}, r"params\.weights\.fill_seats: unknown key; did you mean 'fill_seat'"),
        ({"weights": {"fill_seat": "high"}}, r"params\.weights\.fill_seat: must be a whole number"),
        ({"weights": {"fill_seat": 10**12}}, r"params\.weights\.fill_seat: must be <= "),
        ({"weights": 3}, r"params\.weights: must be an object"),
        ({"time_limit_s": "10"}, r"params\.time_limit_s: must be a number"),
        ({"time_limit_s": 10**9}, r"params\.time_limit_s: must be > 0 and <= 3600"),
        ({"workers": 0}, r"params\.workers: must be >= 1"),
        ({"num_workers": 0}, r"params\.workers: must be >= 1"),
        (
            {"workers": 2, "num_workers": 3},
            r"params\.workers: given twice, as 'workers' \(2\) and as its older name "
            r"'num_workers' \(3\); give only 'workers'",
        ),
        ({"workers": 2, "num_workers": "2"}, r"params\.workers: given twice"),
        ({"num_worker": 2}, r"params\.num_worker: unknown key; did you mean 'workers'"),
        ({"use_greedy_hint": "no"}, r"params\.use_greedy_hint: must be true or false"),
        ({"relative_gap_limit": 5}, r"params\.relative_gap_limit"),
        (7, r"^params: must be an object"),
    ],
)
def test_bad_params(params, match):
    """Unknown params keys or weights (with the nearest name), wrong types and out-of-range values."""
    with pytest.raises(RotaInputError, match=match):
        params_from_json(params)


def test_good_params_and_weights_are_read():
    """A valid params object gives the same Params as built in Python."""
    assert params_from_json({"time_limit_s": 3, "weights": {"fill_seat": 900}}) == Params(
        time_limit_s=3, weights=Weights(fill_seat=900)
    )


def test_older_num_workers_spelling_is_read_as_workers():
    """Files written before ``Params.num_workers`` became ``workers`` still load: alone, or with ``workers`` equal."""
    assert params_from_json({"num_workers": 1}) == Params(workers=1)
    assert params_from_json({"num_workers": 3, "workers": 3}) == Params(workers=3)
    assert params_from_json({"workers": 1}) == Params(workers=1)
    assert params_from_json({"num_workers": 1}, workers=4) == Params(workers=4)  # a CLI flag still wins


def test_rota_input_error_has_the_shape_of_routings_problem_error():
    """Both libraries' bad-input errors take ``field`` and ``message``, keep them, read "field: message", are
    ValueErrors under their library's own base class; every rota input error is still a RotaInputError."""
    for error in (
        RotaInputError(field="params.workers", message="must be >= 1"),
        routing.ProblemError(field="params.workers", message="must be >= 1"),
    ):
        assert str(error) == "params.workers: must be >= 1"
        assert (error.field, error.message) == ("params.workers", "must be >= 1")
        assert isinstance(error, ValueError)
    assert issubclass(RotaInputError, rota.RotaError) and issubclass(routing.ProblemError, routing.RoutingError)
    for subclass in (
        rota.UnknownVolunteerError,
        rota.DateOutsideMonthError,
        rota.NegativeCountError,
        rota.DuplicateIdError,
    ):
        assert issubclass(subclass, RotaInputError)
    with pytest.raises(rota.NegativeCountError) as info:
        Params(workers=0)
    assert (info.value.field, info.value.message) == ("params.workers", "must be >= 1, got 0")
    assert Params().workers == 2 and routing.Params().workers >= 1  # one name for the same setting


def test_published_assignments_checked():
    """A published file's assignments must be objects with string fields; unknown keys refused."""
    with pytest.raises(RotaInputError, match=r"assignments\[0\]: must be an object"):
        assignments_from_json(["x"])
    with pytest.raises(RotaInputError, match=r"assignments\[0\]\.volunter_id: unknown key"):
        assignments_from_json([{"slot_id": "s", "role": "driver", "volunter_id": "v"}])
    with pytest.raises(RotaInputError, match=r"^assignments: must be a list"):
        assignments_from_json(None)


def test_too_many_list_entries_refused():
    """Lists above the size limit are refused before anything is built."""
    data = _data()
    data["volunteers"][0]["dates_away"] = ["2027-03-02"] * 10_001
    _refused(data, r"dates_away: has 10001 entries")


# --- the CLI: exit 2, the message on stderr, no traceback, quickly ------------------------------


def _cli(tmp_path, capsys, content: bytes, *extra: str) -> str:
    f = tmp_path / "p.json"
    f.write_bytes(content)
    t0 = time.perf_counter()
    assert main(["solve", str(f), "--time-limit-s", "2", *extra]) == 2
    assert time.perf_counter() - t0 < 4.0  # within twice the time limit
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    return err


@pytest.mark.parametrize(
    "content, match",
    [
        (b"null", "problem: must be an object"),
        (b"42", "problem: must be an object"),
        (b"\xff\xfe{not utf8", "is not UTF-8"),
        (b'{"month": ', "is not valid JSON"),
        (b'{"month": NaN}', "NaN is not a number JSON allows"),
    ],
)
def test_cli_unreadable_files_exit_2(tmp_path, capsys, content, match):
    """null / 42 / non-UTF-8 / truncated JSON / NaN: exit 2 with a message naming the problem."""
    assert match in _cli(tmp_path, capsys, content)


def test_cli_missing_file_exits_2(tmp_path, capsys):
    """A file that does not exist: exit 2, not a traceback."""
    assert main(["solve", str(tmp_path / "nope.json")]) == 2
    assert "cannot be read" in capsys.readouterr().err


def test_cli_huge_consecutive_days_exits_2_quickly(tmp_path, capsys):
    """max_consecutive_days 10**7 is refused at once (it once ran 7 s before failing)."""
    data = _vol(_data(), max_consecutive_days=10**7)
    assert "max_consecutive_days" in _cli(tmp_path, capsys, json.dumps(data).encode())


def test_cli_unknown_params_key_exits_2(tmp_path, capsys):
    """An unknown key in the file's params names the nearest known key."""
    data = _data()
    data["params"] = {"weights": {"fill_set": 1}}
    assert "did you mean 'fill_seat'" in _cli(tmp_path, capsys, json.dumps(data).encode())


def test_cli_repair_unknown_role_in_published_file(tmp_path, capsys):
    """A published rota with a misspelled key is refused with exit 2."""
    p = tmp_path / "p.json"
    p.write_text(json.dumps(_data()))
    pub = tmp_path / "pub.json"
    pub.write_text(json.dumps({"assignments": [{"slot_id": "x", "rol": "driver", "volunteer_id": "v"}]}))
    assert main(["repair", str(p), str(pub), "--volunteer", "v", "--from-date", "2027-03-10"]) == 2
    assert "did you mean 'role'" in capsys.readouterr().err
