"""Branches and what belongs to each: partner shops, vans and the delivery charge table."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from foodtrain.extensions import Model
from foodtrain.models._types import utc_now


class Branch(Model):
    """One area of the service (e.g. Dumfries & Galloway) with its own shops, vans and people."""

    __tablename__ = "branches"
    __table_args__ = (
        CheckConstraint("detour_factor >= 1.0 AND detour_factor <= 3.0", name="detour_factor_range"),
        CheckConstraint("average_speed_kmh > 0 AND average_speed_kmh <= 120", name="average_speed_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    # Travel model for route planning: great-circle distance x detour / speed.
    detour_factor: Mapped[float] = mapped_column(default=1.3)
    average_speed_kmh: Mapped[float] = mapped_column(default=45.0)
    base_name: Mapped[str] = mapped_column(String(200), default="")
    base_postcode: Mapped[str] = mapped_column(String(10), default="")
    base_latitude: Mapped[float | None]
    base_longitude: Mapped[float | None]

    shops: Mapped[list[Shop]] = relationship(back_populates="branch", order_by="Shop.name")
    vans: Mapped[list[Van]] = relationship(back_populates="branch", order_by="Van.name")

    def __repr__(self) -> str:
        return f"<Branch {self.code}>"


class Shop(Model):
    """A partner shop that picks orders for the branch's customers."""

    __tablename__ = "shops"
    __table_args__ = (
        UniqueConstraint("branch_id", "name"),
        CheckConstraint("loading_min_per_visit >= 0", name="loading_per_visit_not_negative"),
        CheckConstraint("loading_min_per_order >= 0", name="loading_per_order_not_negative"),
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(300))
    postcode: Mapped[str] = mapped_column(String(10))
    latitude: Mapped[float]
    longitude: Mapped[float]
    orders_ready_time: Mapped[time] = mapped_column(Time, default=time(9, 30))
    loading_min_per_visit: Mapped[int] = mapped_column(default=10)
    loading_min_per_order: Mapped[int] = mapped_column(default=2)
    active: Mapped[bool] = mapped_column(default=True)

    branch: Mapped[Branch] = relationship(back_populates="shops")

    def __repr__(self) -> str:
        return f"<Shop {self.name}>"


class Van(Model):
    """A van of the branch; its capacity is counted in crates."""

    __tablename__ = "vans"
    __table_args__ = (
        UniqueConstraint("branch_id", "name"),
        CheckConstraint("capacity_crates > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    registration: Mapped[str] = mapped_column(String(12), default="")
    capacity_crates: Mapped[int]
    base_latitude: Mapped[float]
    base_longitude: Mapped[float]
    active: Mapped[bool] = mapped_column(default=True)

    branch: Mapped[Branch] = relationship(back_populates="vans")

    def __repr__(self) -> str:
        return f"<Van {self.name}>"


class VanServiceBreak(Model):
    """A van out of service (in the garage) from a date to a date, or until further notice (no end date).

    On those dates the rota gives it no team and the route planner plans no round for it."""

    __tablename__ = "van_service_breaks"
    __table_args__ = (CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    van_id: Mapped[int] = mapped_column(ForeignKey("vans.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")


class ShopClosure(Model):
    """A partner shop closed from a date to a date, or for good (no end date: no longer a partner).

    On those dates no order is taken for it, no shopper is rostered there and no pickup is planned."""

    __tablename__ = "shop_closures"
    __table_args__ = (CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")


class DeliveryCharge(Model):
    """The charge per delivery from a date on (e.g. £2, then £3 from April 2012)."""

    __tablename__ = "delivery_charges"
    __table_args__ = (
        UniqueConstraint("branch_id", "effective_from"),
        CheckConstraint("amount_pence >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    effective_from: Mapped[date] = mapped_column(Date)
    amount_pence: Mapped[int]


class BranchDayOverride(Model):
    """A branch's own word on one day: closed (a closure day), or open although it is a public holiday."""

    __tablename__ = "branch_day_overrides"
    __table_args__ = (UniqueConstraint("branch_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    is_open: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(String(200), default="")


class BranchMapSetting(Model):
    """A branch's own tile server under its route maps, set by an admin on the branch's map page.

    No row: the FOODTRAIN_MAP_TILE_URLS setting decides (else the offline map). A row with an empty
    ``tile_url``: the offline map, whatever that setting says.
    """

    __tablename__ = "branch_map_settings"

    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), primary_key=True)
    tile_url: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)
