"""Help where people work: a short page per task, linked from every page, with screenshots that the browser
tests take (tests/browser/test_help.py), so the help never shows an old screen."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user
from flask.typing import ResponseReturnValue

from foodtrain.models import UserRole
from web.security import roles_required

blueprint = Blueprint("help", __name__, url_prefix="/help")

OFFICE = (UserRole.ADMIN, UserRole.COORDINATOR, UserRole.OFFICE)
COORDINATORS = (UserRole.ADMIN, UserRole.COORDINATOR)
EVERYONE = tuple(UserRole)
HELP_IMAGE_FOLDER = "help"  # under web/static/


@dataclass(frozen=True)
class Screenshot:
    filename: str  # in web/static/help/, written by the browser tests
    alt: str
    caption: str


@dataclass(frozen=True)
class HelpTopic:
    slug: str
    title: str
    roles: tuple[UserRole, ...]
    steps: tuple[str, ...]
    screenshots: tuple[Screenshot, ...]
    tips: tuple[str, ...] = ()


TOPICS = {
    topic.slug: topic
    for topic in (
        HelpTopic(
            "phone-order",
            "Take a phone order",
            OFFICE,
            (
                "Open Orders, choose the delivery day, then “Take order” by the customer (or “Take an order for another customer”).",
                "Find the customer: type their name (any order, “Mrs Campbell” works), postcode (with or without the "
                "space), phone number or street, and press Enter.",
                "Press “Take order”. The cursor is in the first item: type the item, Tab, the quantity, Enter for the "
                "next line.",
                "Read out their usual items on the right: one click adds one.",
                "Press Ctrl+Enter (or the Save button) to save the order.",
            ),
            (
                Screenshot(
                    "phone-order-find.png",
                    "Finding a customer by postcode on the take-an-order page",
                    "Find the customer by name, postcode, phone or street.",
                ),
                Screenshot(
                    "phone-order-entry.png", "The order form with five lines typed", "Type each line; Ctrl+Enter saves."
                ),
            ),
            (
                "If the customer is new, add them under Customers first; you are warned if they may already be on file.",
                "To change an order's day, open the order and use “Move to another date”: the shopping list goes with it.",
            ),
        ),
        HelpTopic(
            "record-delivery",
            "Record a delivery",
            OFFICE,
            (
                "Open Orders for the day and choose the order.",
                "Under “On delivery”, say whether it was delivered, and enter the amount received and how it was paid.",
                "If it was not delivered, give the reason (not at home, in hospital…).",
                "Press “Save delivery”.",
            ),
            (
                Screenshot(
                    "record-delivery.png",
                    "An order's page with the delivery form",
                    "The delivery form on the order's page.",
                ),
            ),
            (
                "The van's team can record it from their phone too (“My rounds”, the day, the stop's card); "
                "what they record shows here.",
            ),
        ),
        HelpTopic(
            "rota",
            "Draw up and change the rota",
            COORDINATORS,
            (
                "Open Rota, choose the month (a month ahead, so volunteers can plan) and press “Draw up the rota”.",
                "Wait a few seconds: the page shows progress and opens the draft.",
                "Check “Not fully staffed” first: each line says why nobody could be put there.",
                "Change a slot with its “Change” link; every change is checked against the rules.",
                "Publish when it is right: volunteers then see their shifts under “My rota”.",
            ),
            (
                Screenshot("rota-form.png", "The rota page with the month to draw up", "Choose the month."),
                Screenshot(
                    "rota-draft.png", "A draft rota with its summary", "The draft, with what could not be staffed."
                ),
            ),
            (
                "Public holidays and closure days are left out; open a day under Closures if volunteers offer to work it.",
                "A van in the garage or a shop closed for some days: Closures, then “Vans out of service and shops "
                "closed”; their shifts are left out and not counted as empty.",
            ),
        ),
        HelpTopic(
            "routes",
            "Plan and publish the rounds",
            COORDINATORS,
            (
                "Open Routes and choose the delivery day.",
                "Check the shift times and press “Plan the routes” (“Re-plan” once a plan exists).",
                "Look at each van's round and the map; move an order to another van if needed, and lock a round you "
                "are happy with.",
                "Press “Publish to the teams”: they then see their round and can print their sheets.",
            ),
            (Screenshot("routes-day.png", "A planned delivery day with each van's round", "A planned day."),),
            (
                "Once published, anything that changes the day (an order cancelled or taken late, a customer paused or "
                "moved, a volunteer away) is listed as “Out of date” on the plan page and under “Published rounds that "
                "are out of date” on the Dashboard; the team sees it on their round and sheet. Re-plan and publish "
                "again to take it in.",
            ),
        ),
        HelpTopic(
            "print-sheets",
            "Print sheets and picking lists",
            EVERYONE,
            (
                "Drivers: open “My rounds” and choose the day; print its delivery sheet (a PDF).",
                "Coordinators: on Routes, “All delivery sheets (PDF)” prints every van's sheet; “Picking lists” prints each shop's lists.",
                "The sheet lists every stop in order, with the address, phone, access notes and amount due.",
            ),
            (
                Screenshot(
                    "print-picking.png", "The picking lists page for a delivery day", "Picking lists for the shops."
                ),
                Screenshot(
                    "driver-round-phone.png",
                    "A stop's card on a driver's phone: time, customer, address with "
                    "directions, phone, amount due and the Delivered / Not delivered choice",
                    "A stop's card on “My rounds”, on a phone.",
                ),
            ),
            (
                "On a phone, each stop's card on “My rounds” has “Delivered” and “Not delivered”: choose one, check the "
                "amount and press “Save”; “Undo” takes it back the same day if you tapped the wrong one.",
            ),
        ),
        HelpTopic(
            "drop-out",
            "When a volunteer drops out",
            COORDINATORS,
            (
                "Open the rota and press “Someone drops out…”.",
                "Say who dropped out and from which day.",
                "The rota is re-drawn for the rest of the month with as few changes as possible; check and publish it.",
                "For today's round, tell the team by phone as well.",
            ),
            (Screenshot("drop-out.png", "The rota repair page", "Repairing the rota after a drop-out."),),
        ),
        HelpTopic(
            "map",
            "Choose what the route maps show",
            (UserRole.ADMIN,),
            (
                "Open Map (admins): it shows what the branch's route maps draw now.",
                "Keep “The server's setting”, choose “The offline map only” (coast, lochs and towns shipped with "
                "foodtrain; nothing is loaded from elsewhere), or “The branch's own tile server”.",
                "For the branch's own server, type its address with {z}, {x} and {y}, and press “Save the map setting”.",
            ),
            (
                Screenshot(
                    "map-settings.png",
                    "The Map page with the three choices for the branch's route maps",
                    "What the route maps draw under the rounds.",
                ),
            ),
            ("The plan page and the teams' phones load the tiles from that server: use one the charity may use.",),
        ),
    )
}

# Which help a page links to: by blueprint, else the list of topics.
TOPIC_OF_SECTION = {
    "orders": "phone-order",
    "customers": "phone-order",
    "rota_pages": "rota",
    "routes": "routes",
    "closures": "rota",
    "vans_shops": "rota",
    "jobs": "rota",
    "map_settings": "map",
}


def topics_for(role: UserRole) -> list[HelpTopic]:
    return [topic for topic in TOPICS.values() if role in topic.roles]


@blueprint.app_context_processor
def _help_link() -> dict[str, object]:
    """The help link every page shows: the topic of this section when the user may read it."""

    def help_url() -> str:
        topic = TOPICS.get(TOPIC_OF_SECTION.get(request.blueprint or "", ""))
        if topic is not None and current_user.is_authenticated and current_user.role in topic.roles:
            return url_for("help.topic", slug=topic.slug)
        return url_for("help.index")

    return {"help_url": help_url}


@blueprint.route("/")
@roles_required(*EVERYONE)
def index() -> ResponseReturnValue:
    return render_template("help/index.html", topics=topics_for(current_user.role))


@blueprint.route("/<slug>")
@roles_required(*EVERYONE)
def topic(slug: str) -> ResponseReturnValue:
    found = TOPICS.get(slug)
    if found is None or current_user.role not in found.roles:
        abort(404)
    return render_template("help/topic.html", topic=found, image_folder=HELP_IMAGE_FOLDER)
