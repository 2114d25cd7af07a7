"""The persistence models, one module per part of the service."""

from __future__ import annotations

from foodtrain.models.branch import (
    Branch,
    BranchDayOverride,
    BranchMapSetting,
    DeliveryCharge,
    Shop,
    ShopClosure,
    Van,
    VanServiceBreak,
)
from foodtrain.models.customer import (
    LIST_METHOD_LABELS,
    PAYMENT_METHOD_LABELS,
    SUPPORT_NEED_LABELS,
    Customer,
    CustomerStatus,
    CustomerSupportNeed,
    DeliveryFrequency,
    ListMethod,
    PaymentMethod,
    ReferralSource,
    SupportNeed,
)
from foodtrain.models.job import FINISHED_JOB_STATUSES, BackgroundJob, JobStatus
from foodtrain.models.order import Order, OrderLine, OrderStatus, estimate_crates
from foodtrain.models.user import AuditEvent, User, UserRole, UserSession
from foodtrain.models.volunteer import (
    DayPart,
    HelpFrequency,
    PartnerPreferenceKind,
    PvgDisclosureType,
    PvgStatus,
    Volunteer,
    VolunteerAbsence,
    VolunteerAvailability,
    VolunteerPartnerPreference,
    VolunteerRole,
    VolunteerRoleAssignment,
)
from foodtrain.models.membership import MembershipPayment, PeopleFormToken
from foodtrain.models.importing import ImportBatch

__all__ = [
    "BackgroundJob",
    "FINISHED_JOB_STATUSES",
    "JobStatus",
    "AuditEvent",
    "Branch",
    "Customer",
    "CustomerStatus",
    "CustomerSupportNeed",
    "DayPart",
    "DeliveryCharge",
    "DeliveryFrequency",
    "HelpFrequency",
    "ListMethod",
    "Order",
    "OrderLine",
    "OrderStatus",
    "PartnerPreferenceKind",
    "PaymentMethod",
    "PvgDisclosureType",
    "PvgStatus",
    "ReferralSource",
    "Shop",
    "SUPPORT_NEED_LABELS",
    "SupportNeed",
    "User",
    "UserRole",
    "UserSession",
    "Van",
    "Volunteer",
    "VolunteerAbsence",
    "VolunteerAvailability",
    "VolunteerPartnerPreference",
    "VolunteerRole",
    "VolunteerRoleAssignment",
]
__all__ += ["LIST_METHOD_LABELS", "PAYMENT_METHOD_LABELS", "estimate_crates"]
__all__ += [
    "BranchDayOverride",
    "BranchMapSetting",
    "ShopClosure",
    "VanServiceBreak",
    "ImportBatch",
    "MembershipPayment",
    "PeopleFormToken",
]
from foodtrain.models.rota import (  # noqa: E402
    PartOfDay,
    Rota,
    RotaAssignment,
    RotaChange,
    RotaChangeKind,
    RotaRole,
    RotaSlot,
    RotaStatus,
    ShadowShift,
    SlotKind,
    VolunteerCalendarToken,
)

__all__ += [
    "PartOfDay",
    "Rota",
    "RotaAssignment",
    "RotaChange",
    "RotaChangeKind",
    "RotaRole",
    "RotaSlot",
    "RotaStatus",
    "ShadowShift",
    "SlotKind",
    "VolunteerCalendarToken",
]
from foodtrain.models.routes import (  # noqa: E402
    RoutePin,
    RoutePlan,
    RoutePlanStatus,
    RouteRound,
    RouteStop,
    RouteUnplanned,
)

__all__ += ["RoutePin", "RoutePlan", "RoutePlanStatus", "RouteRound", "RouteStop", "RouteUnplanned"]
from foodtrain.models.support import (  # noqa: E402
    BefriendingContact,
    BefriendingMatch,
    BefriendingReview,
    BefriendingStatus,
    BefriendingWish,
    ContactKind,
    ExtraJob,
    ExtraJobStatus,
    ExtraPrice,
    ExtraTaskType,
    ExtraUrgency,
    Gender,
    OutcomeSurvey,
    Referral,
    ReferralOutcome,
    SupportService,
    VolunteerSkill,
    VolunteerSupportProfile,
)

__all__ += [
    "BefriendingContact",
    "BefriendingMatch",
    "BefriendingReview",
    "BefriendingStatus",
    "BefriendingWish",
    "ContactKind",
    "ExtraJob",
    "ExtraJobStatus",
    "ExtraPrice",
    "ExtraTaskType",
    "ExtraUrgency",
    "Gender",
    "OutcomeSurvey",
    "Referral",
    "ReferralOutcome",
    "SupportService",
    "VolunteerSkill",
    "VolunteerSupportProfile",
]
