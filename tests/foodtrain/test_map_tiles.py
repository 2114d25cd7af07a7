"""A branch's own tile server: the admin's choice per branch over FOODTRAIN_MAP_TILE_URLS, checked and audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from foodtrain.models import AuditEvent, BranchMapSetting
from foodtrain.services.audit import Actor
from foodtrain.services.errors import ValidationError
from foodtrain.services.map_tiles import map_tile_setting, map_tile_urls, set_map_tiles
from tests.factories import make_branch

OWN = "https://tiles.branch.example/{z}/{x}/{y}.png?key=abc"
DEFAULT = "https://tiles.default.example/{z}/{x}/{y}.png"
ADMIN = Actor(None, "admin")


def test_each_branch_uses_its_choice_else_the_default(session) -> None:
    """Nothing chosen: the default (or the offline map); own server; offline beats the default; back to default."""
    first, second, third = make_branch(session), make_branch(session), make_branch(session)
    session.commit()
    defaults = {first.code: DEFAULT, second.code: DEFAULT}
    assert map_tile_urls(session, defaults) == defaults
    assert map_tile_setting(session, third.id, defaults).tile_url == ""  # no default: the offline map
    set_map_tiles(session, first.id, "own", f"  {OWN} ", actor=ADMIN)
    set_map_tiles(session, second.id, "offline", "ignored", actor=ADMIN)
    assert map_tile_urls(session, defaults) == {first.code: OWN}
    assert map_tile_setting(session, second.id, defaults).source == "offline"
    set_map_tiles(session, first.id, "default", "", actor=ADMIN)
    assert session.get(BranchMapSetting, first.id) is None
    assert map_tile_urls(session, defaults) == {first.code: DEFAULT}
    details = session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "branch.map_tiles").order_by(AuditEvent.id)
    ).all()
    assert details == ["own: https://tiles.branch.example", "offline", "default"]  # never the key


@pytest.mark.parametrize(
    ("source", "tile_url", "field", "said"),
    [
        ("own", "http://tiles.example.org/{z}/{x}/{y}.png", "tile_url", "https://"),
        ("own", "https://tiles.example.org/{z}/{y}.png", "tile_url", "{x}"),
        ("own", "https://tiles.example.org/<script>/{z}/{x}/{y}", "tile_url", "not a valid web address"),
        ("own", "https://t.example/{z}/{x}/{y}/" + "a" * 500, "tile_url", "At most 500"),
        # the server part goes into the Content-Security-Policy header and the audit log: host and port only
        ("own", "https://tiles.example.org;sandbox/{z}/{x}/{y}", "tile_url", "not a valid web address"),
        ("own", "https://user:secret@tiles.example.org/{z}/{x}/{y}", "tile_url", "no password"),
        ("own", "https://tiles.example.org:99999/{z}/{x}/{y}", "tile_url", "the port"),
        # control and non-ASCII characters (a NUL is refused by PostgreSQL's text columns)
        ("own", "https://tiles.example.org/{z}/{x}/{y}.png\x00", "tile_url", "not a valid web address"),
        ("own", "https://tiles.example.org/{z}/{x}/{y}\u202e.png", "tile_url", "not a valid web address"),
        ("own", "", "tile_url", "Enter the tile server"),
        ("somewhere", "", "source", "Choose"),
    ],
)
def test_a_bad_choice_is_refused_and_nothing_is_stored(session, source, tile_url, field, said) -> None:
    branch = make_branch(session)
    session.commit()
    with pytest.raises(ValidationError) as refused:
        set_map_tiles(session, branch.id, source, tile_url, actor=ADMIN)
    assert said in refused.value.field_errors[field]
    assert session.get(BranchMapSetting, branch.id) is None
    assert session.scalar(select(AuditEvent.id).where(AuditEvent.action == "branch.map_tiles")) is None
