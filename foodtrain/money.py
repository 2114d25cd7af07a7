"""Money as whole pence: parsing what a volunteer types ("£23.45", "23.45", "23") and showing it ("£23.45")."""

from __future__ import annotations

import re

# The largest amount anyone should type for one order: a typo guard, not a business rule.
MAX_AMOUNT_PENCE = 100_000_00

_AMOUNT = re.compile(r"(?P<pounds>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)?(?:\.(?P<pence>[0-9]{0,2}))?")


class MoneyFormatError(ValueError):
    """The text is not an amount of money; the message says why, in words for the person who typed it."""


def parse_pounds(text: str) -> int:
    """Pence from a pounds-and-pence amount: "£23.45" → 2345, "23.5" → 2350, "23" → 2300, "0.99" → 99.

    Rejects negative amounts, more than two decimal places, letters and absurdly large amounts.
    """
    if text is None:
        raise MoneyFormatError("Enter an amount, for example 23.45.")
    cleaned = text.strip().replace(" ", "")
    if cleaned.startswith("£"):
        cleaned = cleaned[1:]
    if not cleaned:
        raise MoneyFormatError("Enter an amount, for example 23.45.")
    if cleaned.startswith("-"):
        raise MoneyFormatError("The amount cannot be negative.")
    match = _AMOUNT.fullmatch(cleaned)
    if match is None or (match.group("pounds") is None and not match.group("pence")):
        if re.fullmatch(r"[0-9,]*\.[0-9]{3,}", cleaned):
            raise MoneyFormatError("Use at most two figures after the point, for example 23.45.")
        raise MoneyFormatError("Enter pounds and pence with figures only, for example 23.45.")
    pounds_text = (match.group("pounds") or "0").replace(",", "")
    if len(pounds_text) > 9:
        raise MoneyFormatError(f"That amount is too large (at most {format_pence(MAX_AMOUNT_PENCE)}).")
    pence_text = (match.group("pence") or "").ljust(2, "0")
    pence = int(pounds_text) * 100 + int(pence_text)
    if pence > MAX_AMOUNT_PENCE:
        raise MoneyFormatError(f"That amount is too large (at most {format_pence(MAX_AMOUNT_PENCE)}).")
    return pence


def format_pence(pence: int | None) -> str:
    """ "£23.45" for 2345; an empty string for no amount (so a template shows nothing rather than "None")."""
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(int(pence)), 100)
    return f"{sign}£{pounds:,}.{rest:02d}"


def pence_as_input(pence: int | None) -> str:
    """The amount as a form field shows it for editing: "23.45" (no pound sign, no thousands commas)."""
    if pence is None:
        return ""
    pounds, rest = divmod(int(pence), 100)
    return f"{pounds}.{rest:02d}"
