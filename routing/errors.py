"""Exceptions raised by the routing library."""

from __future__ import annotations


class RoutingError(Exception):
    """Base class for every error the library raises on purpose."""


class ProblemError(RoutingError, ValueError):
    """A problem or parameter is malformed; ``field`` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class InstanceFormatError(RoutingError, ValueError):
    """A benchmark file cannot be read."""
