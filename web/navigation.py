"""Blueprints and the main menu.

Convention: every module of the `web` package that defines `blueprint` is
registered; one that also defines `NAV_ITEMS` — a list of (label, endpoint,
roles) — adds its entries to the main menu for those roles, in `NAV_ORDER`
position.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

from flask import Blueprint, Flask

import web
from foodtrain.models import UserRole


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    roles: frozenset[UserRole]
    order: int

    @property
    def section(self) -> str:
        return self.endpoint.split(".", 1)[0]


def register_blueprints(app: Flask) -> None:
    nav_items: list[NavItem] = []
    for module_info in sorted(pkgutil.iter_modules(web.__path__), key=lambda info: info.name):
        module = importlib.import_module(f"web.{module_info.name}")
        blueprint = getattr(module, "blueprint", None)
        if isinstance(blueprint, Blueprint):
            app.register_blueprint(blueprint)
            for label, endpoint, roles, order in getattr(module, "NAV_ITEMS", ()):
                nav_items.append(NavItem(label, endpoint, frozenset(roles), order))
    nav_items.sort(key=lambda item: (item.order, item.label))
    app.extensions["foodtrain_nav"] = nav_items
    # Each role's menu, worked out once: filtering on every page cost a LocalProxy lookup per entry.
    menu_of_role = {role: [item for item in nav_items if role in item.roles] for role in UserRole}

    @app.context_processor
    def _navigation() -> dict[str, object]:
        from flask import request
        from flask_login import current_user

        if not current_user.is_authenticated:
            return {"nav_items": [], "current_nav_item": None}
        visible = menu_of_role.get(current_user.role, [])
        return {
            "nav_items": visible,
            "current_nav_item": current_nav_item(visible, request.endpoint, request.blueprint),
        }


def current_nav_item(items: list[NavItem], endpoint: str | None, blueprint: str | None) -> NavItem | None:
    """The menu entry of the page: the one for this very endpoint, else the first of its blueprint."""
    exact = next((item for item in items if item.endpoint == endpoint), None)
    return exact or next((item for item in items if item.section == blueprint), None)
