"""A branch's own map tile server (FOODTRAIN_MAP_TILE_URLS): the plan page draws its tiles under the rounds
and its Content-Security-Policy allows images from that server only; without one, the offline map."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from foodtrain.config import Config
from foodtrain.extensions import db
from foodtrain.models import Branch
from foodtrain.services import planning
from tests.conftest import sign_in

DAY = date(2026, 11, 26)  # the demo's busiest open day in DG
TILES = "https://tiles.example.org/{z}/{x}/{y}.png"


def test_plan_page_uses_the_branch_tile_server_and_allows_only_it(demo_app, demo_client) -> None:  # type: ignore[no-untyped-def]
    """DG's tile server: its tiles in the map, its origin in img-src; with none configured: no tiles, no origin."""
    with demo_app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        planning.plan_day(db.session, branch_id, DAY, time_limit_s=1)
        db.session.remove()
    sign_in(demo_client, "coordinator-dg")
    offline = demo_client.get(f"/routes/?date={DAY.isoformat()}")
    assert offline.status_code == 200 and "<image" not in offline.get_data(as_text=True)
    assert "tiles.example.org" not in offline.headers["Content-Security-Policy"]
    assert 'class="route-map__land"' in offline.get_data(as_text=True)
    demo_app.config["MAP_TILE_URLS"] = {"DG": TILES, "WL": "https://other.example.net/{z}/{x}/{y}.png"}
    tiled = demo_client.get(f"/routes/?date={DAY.isoformat()}")
    html = tiled.get_data(as_text=True)
    assert tiled.status_code == 200 and '<image href="https://tiles.example.org/' in html
    policy = tiled.headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://tiles.example.org;" in policy and "other.example.net" not in policy
    assert "script-src 'self';" in policy  # nothing else is loosened


def test_tile_servers_come_from_the_environment_and_a_bad_one_stops_the_start(monkeypatch, tmp_path: Path) -> None:
    """FOODTRAIN_MAP_TILE_URLS is read with the rest of the configuration; a wrong address is refused at start."""
    monkeypatch.setenv("FOODTRAIN_MAP_TILE_URLS", f"DG={TILES}")
    assert Config.from_environment(tmp_path)["MAP_TILE_URLS"] == {"DG": TILES}
    monkeypatch.setenv("FOODTRAIN_MAP_TILE_URLS", "DG=http://tiles.example.org/{z}/{x}/{y}.png")
    with pytest.raises(ValueError, match="https://"):
        Config.from_environment(tmp_path)
