"""Child processes seen through Linux /proc: which a process started, and whether they still run."""

from __future__ import annotations

from pathlib import Path

HAS_PROC = Path("/proc/self/stat").exists()


def _state_and_parent(pid: int) -> tuple[str, int] | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # ended (and reaped) meanwhile
        return None
    return fields[0], int(fields[1])


def children_of(pid: int) -> list[int]:
    """Running child processes of ``pid`` (zombies, ended but not yet reaped, are left out)."""
    children = []
    for entry in Path("/proc").glob("[0-9]*"):
        seen = _state_and_parent(int(entry.name))
        if seen is not None and seen[1] == pid and seen[0] != "Z":
            children.append(int(entry.name))
    return children


def alive(pid: int) -> bool:
    """Still running (a zombie has ended: it only waits to be reaped)."""
    seen = _state_and_parent(pid)
    return seen is not None and seen[0] != "Z"
