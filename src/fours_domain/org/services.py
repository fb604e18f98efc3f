"""Application services of the organisation context.

Each takes a unit of work and a command, loads, calls one aggregate method,
commits, and returns ``Success(result)`` or ``Failure(error)``; broken
invariants in the input (a malformed code) are raised as
:class:`~fours_domain.shared.errors.InvariantViolation` by the constructors and
turned into failures here too, so callers handle one shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import attrs
from returns.result import Failure, Result, Success

from fours_domain.org.model import (
    Bin,
    Brand,
    BusinessUnit,
    Group,
    Region,
    RoleGrant,
    Showroom,
    StaffMember,
    Store,
    Warehouse,
    WarehouseKind,
    code,
    user_id,
)
from fours_domain.org.ports import OrgUnitOfWork
from fours_domain.shared.errors import AlreadyExists, DomainError, InvariantViolation, NotFound
from fours_domain.shared.ids import BrandCode, BusinessUnitId, RegionId, StoreId
from fours_domain.shared.results import guarded as _guarded
from fours_domain.shared.time import Clock, StoreTimeZone

T = TypeVar("T")


@attrs.frozen
class CreateGroup:
    group_id: str
    name: str


@attrs.frozen
class AddRegion:
    region_id: str
    name: str


@attrs.frozen
class AddBusinessUnit:
    unit_id: str
    name: str


@attrs.frozen
class AddBrand:
    brand_code: str
    name: str
    manufacturer: str


@attrs.frozen
class OpenStore:
    store_id: str
    name: str
    region_id: str
    time_zone: str
    brands: tuple[str, ...]
    business_unit_id: str | None = None


@attrs.frozen
class AddShowroom:
    store_id: str
    showroom_code: str
    name: str


@attrs.frozen
class AddWarehouse:
    store_id: str
    warehouse_code: str
    name: str
    kind: WarehouseKind = WarehouseKind.PARTS


@attrs.frozen
class AddBin:
    store_id: str
    warehouse_code: str
    bin_code: str


def create_group(uow: OrgUnitOfWork, cmd: CreateGroup) -> Result[Group, DomainError]:
    """Create the group; a database holds exactly one."""

    def run() -> Result[Group, DomainError]:
        with uow:
            existing = uow.org.get_group()
            if existing is not None:
                return Failure(AlreadyExists("group", existing.id))
            group = Group(id=cmd.group_id, name=cmd.name)
            uow.org.add_group(group)
            uow.commit()
            return Success(group)

    return _guarded(run)


def add_region(uow: OrgUnitOfWork, cmd: AddRegion) -> Result[Region, DomainError]:
    def run() -> Result[Region, DomainError]:
        region = Region(id=cmd.region_id, name=cmd.name)
        with uow:
            if uow.org.get_group() is None:
                return Failure(NotFound("group", "(none yet: create the group first)"))
            if uow.org.get_region(region.id) is not None:
                return Failure(AlreadyExists("region", region.id))
            uow.org.add_region(region)
            uow.commit()
            return Success(region)

    return _guarded(run)


def add_business_unit(
    uow: OrgUnitOfWork, cmd: AddBusinessUnit
) -> Result[BusinessUnit, DomainError]:
    def run() -> Result[BusinessUnit, DomainError]:
        unit = BusinessUnit(id=cmd.unit_id, name=cmd.name)
        with uow:
            if uow.org.get_business_unit(unit.id) is not None:
                return Failure(AlreadyExists("business unit", unit.id))
            uow.org.add_business_unit(unit)
            uow.commit()
            return Success(unit)

    return _guarded(run)


def add_brand(uow: OrgUnitOfWork, cmd: AddBrand) -> Result[Brand, DomainError]:
    def run() -> Result[Brand, DomainError]:
        brand = Brand(code=cmd.brand_code, name=cmd.name, manufacturer=cmd.manufacturer)
        with uow:
            if uow.org.get_brand(brand.code) is not None:
                return Failure(AlreadyExists("brand", brand.code))
            uow.org.add_brand(brand)
            uow.commit()
            return Success(brand)

    return _guarded(run)


def open_store(uow: OrgUnitOfWork, cmd: OpenStore, clock: Clock) -> Result[Store, DomainError]:
    """Open a store in a region, franchised for the given brands."""

    def run() -> Result[Store, DomainError]:
        store_id = StoreId(code(cmd.store_id, "store code"))
        zone = StoreTimeZone(cmd.time_zone)
        with uow:
            if uow.org.get_store(store_id) is not None:
                return Failure(AlreadyExists("store", store_id))
            region = uow.org.get_region(RegionId(code(cmd.region_id, "region id")))
            if region is None:
                return Failure(NotFound("region", cmd.region_id.upper()))
            unit = None
            if cmd.business_unit_id:
                unit = uow.org.get_business_unit(BusinessUnitId(code(cmd.business_unit_id)))
                if unit is None:
                    return Failure(NotFound("business unit", cmd.business_unit_id.upper()))
            brands: list[Brand] = []
            for brand_code in cmd.brands:
                brand = uow.org.get_brand(BrandCode(code(brand_code, "brand code")))
                if brand is None:
                    return Failure(NotFound("brand", brand_code.upper()))
                brands.append(brand)
            store = Store.open(
                store_id=store_id,
                name=cmd.name,
                region=region,
                time_zone=zone,
                brands=brands,
                business_unit=unit,
                at=clock.now(),
            )
            uow.org.add_store(store)
            uow.track(store)
            uow.commit()
            return Success(store)

    return _guarded(run)


def _with_store(
    uow: OrgUnitOfWork,
    store_id: str,
    change: Callable[[Store], Result[T, AlreadyExists | NotFound]],
) -> Result[T, DomainError]:
    def run() -> Result[T, DomainError]:
        with uow:
            store = uow.org.get_store(StoreId(code(store_id, "store code")))
            if store is None:
                return Failure(NotFound("store", store_id.upper()))
            outcome = change(store)
            if isinstance(outcome, Success):
                uow.commit()
            return outcome

    return _guarded(run)


def add_showroom(uow: OrgUnitOfWork, cmd: AddShowroom) -> Result[Showroom, DomainError]:
    return _with_store(uow, cmd.store_id, lambda s: s.add_showroom(cmd.showroom_code, cmd.name))


def add_warehouse(uow: OrgUnitOfWork, cmd: AddWarehouse) -> Result[Warehouse, DomainError]:
    return _with_store(
        uow, cmd.store_id, lambda s: s.add_warehouse(cmd.warehouse_code, cmd.name, cmd.kind)
    )


def add_bin(uow: OrgUnitOfWork, cmd: AddBin) -> Result[Bin, DomainError]:
    return _with_store(uow, cmd.store_id, lambda s: s.add_bin(cmd.warehouse_code, cmd.bin_code))


# --------------------------------------------------------------------------- staff roster


@attrs.frozen
class AddStaff:
    """Add a member of staff, optionally with roles at ``store_id`` or group-wide."""

    staff_id: str
    name: str
    roles: tuple[str, ...] = ()
    store_id: str | None = None
    group_wide: bool = False


@attrs.frozen
class GrantRole:
    """Grant ``role`` to a member of staff at ``store_id`` or (``group_wide``) every store."""

    staff_id: str
    role: str
    store_id: str | None = None
    group_wide: bool = False


@attrs.frozen
class RevokeRole:
    """Withdraw a role grant (the one at ``store_id``, or the group-wide one)."""

    staff_id: str
    role: str
    store_id: str | None = None
    group_wide: bool = False


def _grant_scope(
    uow: OrgUnitOfWork, store_id: str | None, group_wide: bool
) -> Result[StoreId | None, DomainError]:
    """The store a grant is for (checked to exist), or ``None`` for group-wide."""
    if group_wide == (store_id is not None):
        return Failure(
            InvariantViolation("a role is held at one store (--store CODE) or group-wide, not both")
        )
    if store_id is None:
        return Success(None)
    wanted = StoreId(code(store_id, "store code"))
    if uow.org.get_store(wanted) is None:
        return Failure(NotFound("store", wanted))
    return Success(wanted)


def add_staff(uow: OrgUnitOfWork, cmd: AddStaff) -> Result[StaffMember, DomainError]:
    """Add a member of staff to the roster (员工花名册) with their first roles, at once."""

    def run() -> Result[StaffMember, DomainError]:
        member = StaffMember(id=cmd.staff_id, name=cmd.name)
        with uow:
            if uow.org.get_staff(member.id) is not None:
                return Failure(AlreadyExists("staff member", member.id))
            if cmd.roles:
                match _grant_scope(uow, cmd.store_id, cmd.group_wide):
                    case Failure(error):
                        return Failure(error)
                    case Success(store_id):
                        for role in cmd.roles:
                            granted = member.grant(role, store_id)
                            if isinstance(granted, Failure):
                                return Failure(granted.failure())
            elif cmd.store_id is not None or cmd.group_wide:
                return Failure(InvariantViolation("a store or group-wide scope needs a --role"))
            uow.org.add_staff(member)
            uow.commit()
            return Success(member)

    return _guarded(run)


def _with_member(
    uow: OrgUnitOfWork,
    raw_id: str,
    store_raw: str | None,
    group_wide: bool,
    change: Callable[[StaffMember, StoreId | None], Result[RoleGrant, DomainError]],
) -> Result[RoleGrant, DomainError]:
    def run() -> Result[RoleGrant, DomainError]:
        wanted = user_id(raw_id)
        with uow:
            member = uow.org.get_staff(wanted)
            if member is None:
                return Failure(NotFound("staff member", wanted))
            match _grant_scope(uow, store_raw, group_wide):
                case Failure(error):
                    return Failure(error)
                case Success(store_id):
                    outcome = change(member, store_id)
            if isinstance(outcome, Success):
                uow.commit()
            return outcome

    return _guarded(run)


def grant_role(uow: OrgUnitOfWork, cmd: GrantRole) -> Result[RoleGrant, DomainError]:
    return _with_member(
        uow, cmd.staff_id, cmd.store_id, cmd.group_wide, lambda m, s: m.grant(cmd.role, s)
    )


def revoke_role(uow: OrgUnitOfWork, cmd: RevokeRole) -> Result[RoleGrant, DomainError]:
    return _with_member(
        uow, cmd.staff_id, cmd.store_id, cmd.group_wide, lambda m, s: m.revoke(cmd.role, s)
    )
