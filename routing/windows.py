"""Time windows as both the OR-Tools model and the ejection search read them."""

from __future__ import annotations

from collections.abc import Iterable


def merge_windows(windows: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Sorted, with overlapping or touching windows joined: (0, 120), (50, 60) -> (0, 120)."""
    merged: list[list[int]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((a, b) for a, b in merged)
