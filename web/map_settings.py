"""The branch's map (admins): what the route maps draw under the rounds — the offline map, or the branch's
own tile server. FOODTRAIN_MAP_TILE_URLS is the default for a branch that has not chosen."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from flask.typing import ResponseReturnValue
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice

from foodtrain.extensions import db
from foodtrain.models import Branch, UserRole
from foodtrain.services.errors import ValidationError
from foodtrain.services.map_tiles import MAX_TILE_URL_LENGTH, MapTileSetting, map_tile_setting, set_map_tiles
from web.security import current_actor, current_branch_id, roles_required

blueprint = Blueprint("map_settings", __name__, url_prefix="/map-settings")
NAV_ITEMS = [("Map", "map_settings.index", (UserRole.ADMIN,), 92)]


class MapTilesForm(FlaskForm):
    source = RadioField(
        "What the route maps draw under the rounds",
        choices=[
            SelectChoice("default", "The server's setting (FOODTRAIN_MAP_TILE_URLS)"),
            SelectChoice("offline", "The offline map only (coast, lochs, towns: nothing is loaded from elsewhere)"),
            SelectChoice("own", "The branch's own tile server"),
        ],
    )
    tile_url = StringField(
        "Tile server address",
        render_kw={"maxlength": MAX_TILE_URL_LENGTH, "spellcheck": "false", "autocomplete": "off", "inputmode": "url"},
    )


def _setting() -> MapTileSetting:
    return map_tile_setting(db.session(), current_branch_id(), current_app.config.get("MAP_TILE_URLS") or {})


def _render(form: MapTilesForm, setting: MapTileSetting, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "map_settings/index.html", form=form, setting=setting, branch=db.session.get(Branch, current_branch_id())
    ), status


@blueprint.route("/")
@roles_required(UserRole.ADMIN)
def index() -> ResponseReturnValue:
    setting = _setting()
    return _render(
        MapTilesForm(formdata=None, source=setting.source, tile_url=setting.stored if setting.source == "own" else ""),
        setting,
    )


@blueprint.route("/", methods=["POST"])
@roles_required(UserRole.ADMIN)
def save() -> ResponseReturnValue:
    form = MapTilesForm()
    if not form.validate_on_submit():
        return _render(form, _setting(), 400)
    try:
        set_map_tiles(
            db.session(), current_branch_id(), form.source.data or "", form.tile_url.data or "", actor=current_actor()
        )
    except ValidationError as error:
        for name, message in error.field_errors.items():
            getattr(form, name).errors.append(message)
        return _render(form, _setting(), 400)
    flash("The map setting is saved: the route maps use it from now on.", "info")
    return redirect(url_for(".index"))
