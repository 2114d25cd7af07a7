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
from foodtrain.services.planning import storing
from tests.conftest import csrf_token_from, sign_in

DAY = date(2026, 11, 26)  # the demo's busiest open day in DG
TILES = "https://tiles.example.org/{z}/{x}/{y}.png"


def test_plan_page_uses_the_branch_tile_server_and_allows_only_it(demo_app, demo_client) -> None:
    """DG's tile server: its tiles in the map, its origin in img-src; with none configured: no tiles, no origin."""
    with demo_app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        storing.plan_day(db.session, branch_id, DAY, time_limit_s=1)
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


def _map_page_token(client) -> str:
    page = client.get("/map-settings/")
    assert page.status_code == 200
    return csrf_token_from(page.get_data(as_text=True))


def test_admin_chooses_the_branch_tile_server_on_its_map_page_checked_and_audited(demo_app, demo_client) -> None:
    """The admin's map page: a bad address is refused next to the field and nothing changes; a good one is
    stored, audited (server only) and drawn on the plan page; 'offline' beats the environment's default;
    'default' goes back to it. Nobody else may open the page."""
    from foodtrain.models import AuditEvent, BranchMapSetting

    with demo_app.app_context():
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "DG"))
        storing.plan_day(db.session, branch_id, DAY, time_limit_s=1)
        db.session.remove()
    for username in ("coordinator-dg", "office-dg", "driver-dg"):
        other = demo_app.test_client()
        sign_in(other, username)
        assert other.get("/map-settings/").status_code == 403
        assert other.post("/map-settings/", data={"source": "offline"}).status_code in (400, 403)
    sign_in(demo_client, "admin")
    home = demo_client.get("/").get_data(as_text=True)
    demo_client.post("/branch", data={"csrf_token": csrf_token_from(home), "branch_id": branch_id})
    token = _map_page_token(demo_client)
    assert "Map for Dumfries" in demo_client.get("/map-settings/").get_data(as_text=True)
    for bad, said in (
        ("http://tiles.example.org/{z}/{x}/{y}.png", "must start with https://"),
        ("https://tiles.example.org/{z}/{x}.png", "needs {y}"),
        ("", "Enter the tile server"),
    ):
        refused = demo_client.post("/map-settings/", data={"csrf_token": token, "source": "own", "tile_url": bad})
        assert refused.status_code == 400 and said in refused.get_data(as_text=True)
    with demo_app.app_context():
        assert db.session.get(BranchMapSetting, branch_id) is None
        db.session.remove()
    own = TILES + "?key=secret123"
    saved = demo_client.post("/map-settings/", data={"csrf_token": token, "source": "own", "tile_url": own})
    assert saved.status_code == 302
    page = demo_client.get(f"/routes/?date={DAY.isoformat()}")
    assert '<image href="https://tiles.example.org/' in page.get_data(as_text=True)
    assert "https://tiles.example.org" in page.headers["Content-Security-Policy"]
    with demo_app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "branch.map_tiles").order_by(AuditEvent.id.desc())
        ).first()
        assert event.entity_id == branch_id and event.detail == "own: https://tiles.example.org"
        assert "secret123" not in event.detail
        db.session.remove()
    demo_app.config["MAP_TILE_URLS"] = {"DG": "https://default.example.net/{z}/{x}/{y}.png"}
    assert (
        demo_client.post("/map-settings/", data={"csrf_token": token, "source": "offline", "tile_url": ""}).status_code
        == 302
    )
    offline = demo_client.get(f"/routes/?date={DAY.isoformat()}")
    assert "<image" not in offline.get_data(as_text=True)
    assert "example" not in offline.headers["Content-Security-Policy"]
    assert (
        demo_client.post("/map-settings/", data={"csrf_token": token, "source": "default", "tile_url": ""}).status_code
        == 302
    )
    default = demo_client.get(f"/routes/?date={DAY.isoformat()}")
    assert '<image href="https://default.example.net/' in default.get_data(as_text=True)
    with demo_app.app_context():
        assert db.session.get(BranchMapSetting, branch_id) is None
        db.session.remove()
