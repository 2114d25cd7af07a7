"""Who may open which page, written down once by hand, as data.

The views enforce access with `roles_required`; this file says what that access
*should* be. The access-matrix test (tests/web/test_access_matrix.py) reads this
file, never the decorators, so a view whose roles are widened by mistake fails
the suite. It also says which request parameters carry the id of a record that
belongs to one branch, so the test can try another branch's id in each.

To add a route: add one line to POLICY, for example
    "jobs.show": allow(PLANNING, path={"job_id": "job"}),
    "help.page": allow(EVERYONE),
    "referrals.create": allow(OFFICE_WORK, form={"customer_id": "customer"}),
Record kinds are the keys of RECORD_KINDS; the test knows how to find one
record of each kind per branch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from foodtrain.models import UserRole

ADMIN, COORDINATOR, OFFICE, DRIVER = UserRole.ADMIN, UserRole.COORDINATOR, UserRole.OFFICE, UserRole.DRIVER
EVERYONE = frozenset(UserRole)
OFFICE_WORK = frozenset({ADMIN, COORDINATOR, OFFICE})
PLANNING = frozenset({ADMIN, COORDINATOR})
ON_THE_ROAD = frozenset({ADMIN, COORDINATOR, DRIVER})
ADMIN_ONLY = frozenset({ADMIN})

RECORD_KINDS = {
    "customer": "a customer of the branch",
    "volunteer": "a volunteer of the branch",
    "order": "an order of the branch",
    "shop": "a partner shop of the branch",
    "van": "a van of the branch",
    "plan": "a route plan of the branch",
    "rota": "a rota of the branch",
    "rota_slot": "a slot of one of the branch's rotas",
    "rota_assignment": "a seat given to a volunteer on one of the branch's rotas",
    "absence": "an absence of one of the branch's volunteers",
    "job": "a background job started in the branch",
    "import": "an import batch (its token) of the branch",
    "branch": "a branch other than the user's own (admins may choose any)",
    "user": "a login of the branch",
    "referral": "a referral of one of the branch's customers",
    "extra_job": "an EXTRA job of the branch",
    "extra_task_type": "a kind of EXTRA job on the branch's price list",
    "match": "a befriending match of the branch",
    "survey": "an outcomes survey of one of the branch's customers",
    "van_break": "a period one of the branch's vans is out of service",
    "shop_closure": "a period one of the branch's shops is closed",
}


@dataclass(frozen=True)
class Access:
    """Roles allowed on one endpoint, and its parameters that carry branch-scoped record ids."""

    roles: frozenset[UserRole]
    public: bool = False
    path: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    form: Mapping[str, str] = field(default_factory=dict)

    def scoped_parameters(self) -> dict[str, tuple[str, str]]:
        """Every branch-scoped parameter: name -> (where it goes, record kind)."""
        found: dict[str, tuple[str, str]] = {}
        for place, parameters in (("path", self.path), ("query", self.query), ("form", self.form)):
            for name, kind in parameters.items():
                found[name] = (place, kind)
        return found


def allow(
    roles: Iterable[UserRole],
    *,
    path: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    form: Mapping[str, str] | None = None,
) -> Access:
    """Only signed-in users with one of `roles`; the mappings name parameter -> record kind."""
    access = Access(
        frozenset(roles),
        False,
        MappingProxyType(dict(path or {})),
        MappingProxyType(dict(query or {})),
        MappingProxyType(dict(form or {})),
    )
    unknown = {*access.path.values(), *access.query.values(), *access.form.values()} - set(RECORD_KINDS)
    if unknown:
        raise ValueError(f"unknown record kinds {sorted(unknown)}: add them to RECORD_KINDS")
    return access


def public() -> Access:
    """Anyone, signed in or not (sign-in pages, the health check, static files)."""
    return Access(frozenset(), True)


def signed_in() -> Access:
    """Any signed-in user whatever the role (signing out)."""
    return Access(EVERYONE)


# A volunteer's partners (who they like working with, who never to pair them with): volunteers of the branch.
PARTNERS = {"preferred_partner_ids": "volunteer", "never_partner_ids": "volunteer"}

POLICY: Mapping[str, Access] = MappingProxyType(
    {
        # signing in and out, health, static files
        "auth.login": public(),
        "auth.second_factor": public(),
        "auth.logout": signed_in(),
        "dashboard.health": public(),
        "static": public(),
        # the user's own account
        "account.show": allow(EVERYONE),
        "account.password": allow(EVERYONE),
        "account.second_factor": allow(PLANNING),
        "account.start_second_factor": allow(PLANNING),
        "account.disable": allow(PLANNING),
        # dashboard
        "dashboard.index": allow(EVERYONE),
        "dashboard.choose_branch": allow(ADMIN_ONLY, form={"branch_id": "branch"}),
        # customers
        "customers.index": allow(OFFICE_WORK),
        "customers.show": allow(OFFICE_WORK, path={"customer_id": "customer"}),
        "customers.key_safe": allow(OFFICE_WORK, path={"customer_id": "customer"}),
        "customers.create": allow(OFFICE_WORK, form={"shop_id": "shop"}),
        "customers.edit": allow(OFFICE_WORK, path={"customer_id": "customer"}, form={"shop_id": "shop"}),
        "customers.pause": allow(OFFICE_WORK, path={"customer_id": "customer"}),
        "customers.end": allow(OFFICE_WORK, path={"customer_id": "customer"}),
        "customers.renew": allow(OFFICE_WORK, path={"customer_id": "customer"}),
        "customers.resume": allow(OFFICE_WORK, path={"customer_id": "customer"}),
        # volunteers
        "volunteers.index": allow(OFFICE_WORK),
        "volunteers.show": allow(OFFICE_WORK, path={"volunteer_id": "volunteer"}),
        "volunteers.create": allow(OFFICE_WORK, form=PARTNERS),
        "volunteers.edit": allow(OFFICE_WORK, path={"volunteer_id": "volunteer"}, form=PARTNERS),
        "volunteers.add_absence": allow(OFFICE_WORK, path={"volunteer_id": "volunteer"}),
        "volunteers.remove_absence": allow(OFFICE_WORK, path={"volunteer_id": "volunteer", "absence_id": "absence"}),
        # orders
        "orders.board": allow(OFFICE_WORK),
        "orders.find_customer": allow(OFFICE_WORK),
        "orders.new": allow(OFFICE_WORK, query={"customer_id": "customer"}),
        "orders.create": allow(OFFICE_WORK, form={"customer_id": "customer"}),
        "orders.show": allow(OFFICE_WORK, path={"order_id": "order"}),
        "orders.edit": allow(OFFICE_WORK, path={"order_id": "order"}),
        # The edit form carries the customer's id too; the view uses the order's own (another's must change nothing).
        "orders.update": allow(OFFICE_WORK, path={"order_id": "order"}, form={"customer_id": "customer"}),
        "orders.packing": allow(OFFICE_WORK, path={"order_id": "order"}),
        "orders.delivery": allow(OFFICE_WORK, path={"order_id": "order"}),
        "orders.cancel": allow(OFFICE_WORK, path={"order_id": "order"}),
        "orders.shop_day": allow(OFFICE_WORK),
        "orders.picking": allow(OFFICE_WORK, path={"shop_id": "shop"}),
        # imports and background jobs
        "imports.index": allow(PLANNING),
        "imports.preview": allow(PLANNING, path={"token": "import"}),
        "imports.problems": allow(PLANNING, path={"token": "import"}),
        "imports.confirm": allow(PLANNING, path={"token": "import"}),
        "imports.cancel": allow(PLANNING, path={"token": "import"}),
        "imports.template": allow(PLANNING),
        "jobs.show": allow(PLANNING, path={"job_id": "job"}),
        "jobs.progress": allow(PLANNING, path={"job_id": "job"}),
        "jobs.cancel": allow(PLANNING, path={"job_id": "job"}),
        # privacy (subject access and erasure)
        "privacy.show": allow(ADMIN_ONLY, path={"record_id": "customer"}),
        "privacy.export": allow(ADMIN_ONLY, path={"record_id": "customer"}),
        "privacy.erase": allow(ADMIN_ONLY, path={"record_id": "customer"}),
        # user management
        "map_settings.index": allow(ADMIN_ONLY),
        "map_settings.save": allow(ADMIN_ONLY),
        "users.index": allow(ADMIN_ONLY),
        "users.create": allow(ADMIN_ONLY, form={"branch_id": "branch"}),
        "users.show": allow(ADMIN_ONLY, path={"user_id": "user"}),
        "users.disable": allow(ADMIN_ONLY, path={"user_id": "user"}),
        "users.enable": allow(ADMIN_ONLY, path={"user_id": "user"}),
        "users.reset_password": allow(ADMIN_ONLY, path={"user_id": "user"}),
        "users.clear_second_factor": allow(ADMIN_ONLY, path={"user_id": "user"}),
        "users.link_volunteer": allow(ADMIN_ONLY, path={"user_id": "user"}, form={"volunteer_id": "volunteer"}),
        # reports (the branch chooser is an admin's; others always get their own branch)
        "reports.index": allow(OFFICE_WORK),
        **{
            f"reports.{name}{suffix}": allow(OFFICE_WORK, query={"branch": "branch"})
            for name in ("deliveries", "customers", "charges")
            for suffix in ("", "_csv", "_xlsx")
        },
        **{
            f"reports.volunteer_hours{suffix}": allow(PLANNING, query={"branch": "branch"})
            for suffix in ("", "_csv", "_xlsx")
        },
        "reports.balances": allow(OFFICE_WORK),
        # rota
        "rota_pages.index": allow(OFFICE_WORK),
        "rota_pages.generate": allow(PLANNING),
        "rota_pages.show": allow(OFFICE_WORK, path={"rota_id": "rota"}),
        "rota_pages.publish": allow(PLANNING, path={"rota_id": "rota"}),
        "rota_pages.edit": allow(
            PLANNING,
            path={"rota_id": "rota"},
            query={"slot": "rota_slot"},
            form={"seat_0": "volunteer", "seat_1": "volunteer", "shadow": "volunteer"},
        ),
        "rota_pages.swap": allow(
            PLANNING,
            path={"rota_id": "rota"},
            query={"slot": "rota_slot"},
            form={"assignment_id": "rota_assignment", "other_assignment_id": "rota_assignment"},
        ),
        "rota_pages.shadow_missed": allow(PLANNING, path={"rota_id": "rota"}, query={"slot": "rota_slot"}),
        "rota_pages.repair": allow(PLANNING, path={"rota_id": "rota"}, form={"volunteer_id": "volunteer"}),
        "rota_pages.mine": allow(EVERYONE),
        "rota_pages.mine_ics": allow(EVERYONE),
        "rota_pages.feed": allow(EVERYONE),
        "rota_pages.feed_ics": public(),  # the secret token in the URL is the key; unknown or revoked -> 404
        "rota_pages.volunteer": allow(PLANNING, path={"volunteer_id": "volunteer"}),
        "rota_pages.volunteer_ics": allow(PLANNING, path={"volunteer_id": "volunteer"}),
        # routes, sheets and picking lists
        "routes.index": allow(PLANNING),
        "routes.plan": allow(PLANNING),
        "routes.move": allow(PLANNING, path={"plan_id": "plan"}, form={"order_id": "order", "van_id": "van"}),
        "routes.lock": allow(PLANNING, path={"plan_id": "plan"}, form={"van_id": "van"}),
        "routes.publish": allow(PLANNING, path={"plan_id": "plan"}),
        "routes.sheets": allow(ON_THE_ROAD, path={"plan_id": "plan"}, query={"van": "van"}),
        "routes.picking_index": allow(OFFICE_WORK),
        "routes.picking": allow(OFFICE_WORK, query={"shop": "shop"}),
        "routes.mine": allow(ON_THE_ROAD),
        "routes.my_day": allow(ON_THE_ROAD),
        "routes.my_delivery": allow(ON_THE_ROAD, path={"order_id": "order"}),
        "routes.my_delivery_undo": allow(ON_THE_ROAD, path={"order_id": "order"}),
        "orders.undo_cancellation": allow(OFFICE_WORK, path={"order_id": "order"}),
        "orders.move": allow(OFFICE_WORK, path={"order_id": "order"}),
        # help pages (each topic shown only to the roles it concerns)
        "help.index": allow(EVERYONE),
        "help.topic": allow(EVERYONE),
        # closure days
        "closures.index": allow(PLANNING),
        "closures.change": allow(PLANNING),
        # vans out of service and shops closed (the orders to move are the office's too)
        "vans_shops.index": allow(PLANNING),
        "vans_shops.van_out": allow(PLANNING, path={"van_id": "van"}),
        "vans_shops.van_back": allow(PLANNING, path={"van_id": "van"}, form={"period_id": "van_break"}),
        "vans_shops.shop_close": allow(PLANNING, path={"shop_id": "shop"}),
        "vans_shops.shop_reopen": allow(PLANNING, path={"shop_id": "shop"}, form={"period_id": "shop_closure"}),
        "vans_shops.shop_orders": allow(OFFICE_WORK, path={"shop_id": "shop"}),
        # referrals, EXTRA jobs, befriending, outcomes
        "referrals.index": allow(OFFICE_WORK),
        "referrals.create": allow(OFFICE_WORK, query={"customer_id": "customer"}, form={"customer_id": "customer"}),
        "referrals.show": allow(OFFICE_WORK, path={"referral_id": "referral"}),
        "extra.index": allow(OFFICE_WORK),
        "extra.create": allow(
            OFFICE_WORK,
            query={"customer_id": "customer"},
            form={"customer_id": "customer", "task_type_id": "extra_task_type"},
        ),
        "extra.show": allow(OFFICE_WORK, path={"extra_job_id": "extra_job"}),
        "extra.schedule": allow(PLANNING, path={"extra_job_id": "extra_job"}, form={"volunteer_id": "volunteer"}),
        "extra.complete": allow(OFFICE_WORK, path={"extra_job_id": "extra_job"}),
        "extra.cancel": allow(OFFICE_WORK, path={"extra_job_id": "extra_job"}),
        "extra.sheet": allow(OFFICE_WORK, path={"extra_job_id": "extra_job"}),
        "extra.prices": allow(PLANNING),
        "extra.task_type_offered": allow(PLANNING, path={"task_type_id": "extra_task_type"}),
        "extra.volunteer_profile": allow(
            PLANNING, path={"volunteer_id": "volunteer"}, form={"task_type_ids": "extra_task_type"}
        ),
        "befriending.index": allow(OFFICE_WORK),
        "befriending.customer": allow(PLANNING, path={"customer_id": "customer"}),
        "befriending.start_match": allow(
            PLANNING, path={"customer_id": "customer"}, form={"volunteer_id": "volunteer"}
        ),
        "befriending.show": allow(OFFICE_WORK, path={"match_id": "match"}),
        "befriending.log_contact": allow(OFFICE_WORK, path={"match_id": "match"}),
        "befriending.review": allow(PLANNING, path={"match_id": "match"}),
        "befriending.end": allow(PLANNING, path={"match_id": "match"}),
        "outcomes.index": allow(OFFICE_WORK),
        "outcomes.new_survey": allow(OFFICE_WORK, query={"customer_id": "customer"}, form={"customer_id": "customer"}),
        "outcomes.printable_form": allow(OFFICE_WORK),
        "outcomes.show_survey": allow(OFFICE_WORK, path={"survey_id": "survey"}),
    }
)
