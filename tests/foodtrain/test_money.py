"""Money typed by volunteers ("£23.45", "23.45", "23") becomes whole pence; pence show as "£23.45"."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from foodtrain.money import MAX_AMOUNT_PENCE, MoneyFormatError, format_pence, parse_pounds, pence_as_input


@pytest.mark.parametrize(
    ("text", "pence"),
    [
        ("£23.45", 2345),
        ("23.45", 2345),
        ("23", 2300),
        ("23.5", 2350),
        ("0.99", 99),
        (".5", 50),
        (" £ 7.05 ", 705),
        ("1,234.56", 123456),
        ("23.", 2300),
        ("0", 0),
        ("100000", MAX_AMOUNT_PENCE),
    ],
)
def test_amounts_parse_to_pence(text: str, pence: int) -> None:
    """Pound sign, spaces, thousands commas and one or no decimals are all understood."""
    assert parse_pounds(text) == pence


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter an amount"),
        ("£", "Enter an amount"),
        ("-3.00", "cannot be negative"),
        ("23.456", "two figures after the point"),
        ("abc", "figures only"),
        ("12,34", "figures only"),
        ("1e5", "figures only"),
        ("２３", "figures only"),
        ("23.4.5", "figures only"),
        ("£23,45", "figures only"),
        ("100000.01", "too large"),
        ("9" * 40, "too large"),
        ("12\x0034", "figures only"),
    ],
)
def test_bad_amounts_are_refused_with_a_clear_message(text: str, message: str) -> None:
    """Each kind of bad input gets a message saying what to type instead."""
    with pytest.raises(MoneyFormatError, match=message):
        parse_pounds(text)


def test_format_pence() -> None:
    """Pence show with a pound sign, two decimals and thousands commas; no amount shows as nothing."""
    assert format_pence(2345) == "£23.45"
    assert format_pence(5) == "£0.05"
    assert format_pence(123456) == "£1,234.56"
    assert format_pence(-250) == "-£2.50"
    assert format_pence(None) == ""
    assert pence_as_input(123456) == "1234.56" and pence_as_input(None) == ""


@given(st.integers(min_value=0, max_value=MAX_AMOUNT_PENCE))
def test_what_is_shown_parses_back_to_the_same_pence(pence: int) -> None:
    """Round trip: the displayed and the editable form of an amount both parse back to it."""
    assert parse_pounds(format_pence(pence)) == pence
    assert parse_pounds(pence_as_input(pence)) == pence


@given(st.text(max_size=40))
def test_any_text_either_parses_or_is_refused_cleanly(text: str) -> None:
    """Arbitrary input never raises anything but MoneyFormatError and never gives a negative or huge amount."""
    try:
        pence = parse_pounds(text)
    except MoneyFormatError:
        return
    assert 0 <= pence <= MAX_AMOUNT_PENCE
