"""A branch's own tile server under its route maps: chosen by an admin per branch and kept in the database;
the FOODTRAIN_MAP_TILE_URLS setting is the default for a branch that has not chosen. Without either, the
map is the offline one shipped with the software (coast, lochs, towns)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from foodtrain.models import Branch, BranchMapSetting
from foodtrain.route_map import check_tile_url, tile_url_origin
from foodtrain.services.audit import Actor, record_event
from foodtrain.services.errors import ValidationError

MAX_TILE_URL_LENGTH = 500
# What a branch's map draws under its rounds: the setting's default, the offline map only, or its own tile server.
SOURCES = ("default", "offline", "own")


@dataclass(frozen=True)
class MapTileSetting:
    branch_code: str
    stored: str | None  # None: nothing chosen (the default applies); "": the offline map; else the tile address
    default_url: str  # from FOODTRAIN_MAP_TILE_URLS ("" when it names no server for the branch)

    @property
    def source(self) -> str:
        return "default" if self.stored is None else "offline" if self.stored == "" else "own"

    @property
    def tile_url(self) -> str:
        """The tile address the branch's maps use ("" for the offline map)."""
        return self.default_url if self.stored is None else self.stored


def map_tile_setting(session: Session, branch_id: int, defaults: Mapping[str, str]) -> MapTileSetting:
    branch = session.get(Branch, branch_id)
    if branch is None:
        raise LookupError(f"no branch {branch_id}")
    row = session.get(BranchMapSetting, branch_id)
    return MapTileSetting(branch.code, row.tile_url if row is not None else None, defaults.get(branch.code, ""))


def map_tile_urls(session: Session, defaults: Mapping[str, str]) -> dict[str, str]:
    """Branch code → the tile address its maps use, for every branch with one: the admin's choice, else the default."""
    urls = dict(defaults)
    for code, tile_url in session.execute(
        select(Branch.code, BranchMapSetting.tile_url).join(BranchMapSetting, BranchMapSetting.branch_id == Branch.id)
    ).all():
        urls[code] = tile_url
    return {code: url for code, url in urls.items() if url}


def set_map_tiles(session: Session, branch_id: int, source: str, tile_url: str, *, actor: Actor) -> None:
    """Choose what the branch's maps draw under the rounds; an own tile server's address is checked first
    (https, with {z}, {x} and {y}). Audited with the server's address without its path (which may hold a key)."""
    try:
        if source not in SOURCES:
            raise ValidationError({"source": "Choose one of the three."})
        tile_url = (tile_url or "").strip()
        if source == "own":
            if not tile_url:
                raise ValidationError(
                    {"tile_url": "Enter the tile server's address, e.g. https://tiles.example.org/{z}/{x}/{y}.png"}
                )
            if len(tile_url) > MAX_TILE_URL_LENGTH:
                raise ValidationError({"tile_url": f"At most {MAX_TILE_URL_LENGTH} characters."})
            try:
                check_tile_url(tile_url)
            except ValueError as error:
                raise ValidationError({"tile_url": str(error)}) from error
        row = session.get(BranchMapSetting, branch_id)
        if source == "default":
            if row is not None:
                session.delete(row)
        else:
            if row is None:
                row = BranchMapSetting(branch_id=branch_id)
                session.add(row)
            row.tile_url = tile_url if source == "own" else ""
        record_event(
            session,
            actor=actor,
            action="branch.map_tiles",
            entity_type="branch",
            entity_id=branch_id,
            branch_id=branch_id,
            detail=f"{source}: {tile_url_origin(tile_url)}" if source == "own" else source,
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
