"""The branch's "today" is the date in Europe/London, not the server's clock or UTC."""

from __future__ import annotations

from datetime import date, datetime, timezone

from foodtrain.clock import branch_today


def test_just_after_midnight_in_summer_is_already_tomorrow_in_the_branch() -> None:
    """00:30 BST on 1 July is 23:30 UTC on 30 June: the branch is on 1 July."""
    assert branch_today(datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc)) == date(2026, 7, 1)


def test_in_winter_the_branch_date_is_the_utc_date() -> None:
    """GMT: 23:30 UTC on 30 December is still 30 December in the branch."""
    assert branch_today(datetime(2026, 12, 30, 23, 30, tzinfo=timezone.utc)) == date(2026, 12, 30)


def test_the_app_asks_the_branch_clock_for_today() -> None:
    """No module of foodtrain/ or web/ reads the server's date or a UTC date as "today" (one clock, one place);
    routing/ and rota/ take their dates as arguments."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(r"\bdate\.today\(\)|datetime\.(?:now|utcnow|today)\([^)]*\)\.date\(\)")
    found = [
        f"{path.relative_to(root)}:{number}"
        for folder in ("foodtrain", "web")
        for path in sorted((root / folder).rglob("*.py"))
        if path.name != "clock.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == [], "use foodtrain.clock.branch_today() in " + ", ".join(found)
