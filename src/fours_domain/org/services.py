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
    Company,
    Group,
    Region,
    RoleGrant,
    Showroom,
    StaffMember,
    Store,
    Warehouse,
    WarehouseKind,
    code,
    first_repeated,
    user_id,
)
from fours_domain.org.ports import OrgUnitOfWork
from fours_domain.shared.errors import (
    AlreadyExists,
    DomainError,
    DuplicateInput,
    InvariantViolation,
    NotFound,
)
from fours_domain.shared.ids import BrandCode, BusinessUnitId, CompanyId, RegionId, StoreId
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
class AddCompany:
    company_id: str
    name: str
    uscc: str
    """Unified social credit code (统一社会信用代码)."""


@attrs.frozen
class SetStoreCompany:
    store_id: str
    company_id: str


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
    company_id: str | None = None


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


@attrs.frozen
class AddBins:
    """Add several bins to one warehouse in one unit of work: all or none."""

    store_id: str
    warehouse_code: str
    bin_codes: tuple[str, ...]


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


def _no_group_yet(uow: OrgUnitOfWork) -> Failure[NotFound] | None:
    """Group-wide master data (regions, business units, brands) need the group first."""
    if uow.org.get_group() is None:
        return Failure(NotFound("group", "(none yet: create the group first)"))
    return None


def add_region(uow: OrgUnitOfWork, cmd: AddRegion) -> Result[Region, DomainError]:
    """Add a region (区域) of the group."""

    def run() -> Result[Region, DomainError]:
        region = Region(id=cmd.region_id, name=cmd.name)
        with uow:
            if missing := _no_group_yet(uow):
                return missing
            if uow.org.get_region(region.id) is not None:
                return Failure(AlreadyExists("region", region.id))
            uow.org.add_region(region)
            uow.commit()
            return Success(region)

    return _guarded(run)


def add_business_unit(
    uow: OrgUnitOfWork, cmd: AddBusinessUnit
) -> Result[BusinessUnit, DomainError]:
    """Add a business unit (事业部) of the group."""

    def run() -> Result[BusinessUnit, DomainError]:
        unit = BusinessUnit(id=cmd.unit_id, name=cmd.name)
        with uow:
            if missing := _no_group_yet(uow):
                return missing
            if uow.org.get_business_unit(unit.id) is not None:
                return Failure(AlreadyExists("business unit", unit.id))
            uow.org.add_business_unit(unit)
            uow.commit()
            return Success(unit)

    return _guarded(run)


def add_company(uow: OrgUnitOfWork, cmd: AddCompany) -> Result[Company, DomainError]:
    """Add a legal entity of the group; code and USCC are each unique."""

    def run() -> Result[Company, DomainError]:
        company = Company(id=cmd.company_id, name=cmd.name, uscc=cmd.uscc)
        with uow:
            if uow.org.get_group() is None:
                return Failure(NotFound("group", "(none yet: create the group first)"))
            if uow.org.get_company(company.id) is not None:
                return Failure(AlreadyExists("company", company.id))
            twin = next((c for c in uow.org.list_companies() if c.uscc == company.uscc), None)
            if twin is not None:
                return Failure(AlreadyExists(f"USCC (company {twin.id})", company.uscc))
            uow.org.add_company(company)
            uow.commit()
            return Success(company)

    return _guarded(run)


def _company(uow: OrgUnitOfWork, company_id: str) -> Result[Company, DomainError]:
    wanted = CompanyId(code(company_id, "company code"))
    company = uow.org.get_company(wanted)
    return Success(company) if company is not None else Failure(NotFound("company", wanted))


def set_store_company(uow: OrgUnitOfWork, cmd: SetStoreCompany) -> Result[Company, DomainError]:
    """Put a store under a group company."""

    def change(store: Store) -> Result[Company, DomainError]:
        found = _company(uow, cmd.company_id)
        if isinstance(found, Failure):
            return found
        return store.join_company(found.unwrap())

    return _with_store(uow, cmd.store_id, change)


def add_brand(uow: OrgUnitOfWork, cmd: AddBrand) -> Result[Brand, DomainError]:
    """Add a vehicle brand the group's stores can be franchised for."""

    def run() -> Result[Brand, DomainError]:
        brand = Brand(code=cmd.brand_code, name=cmd.name, manufacturer=cmd.manufacturer)
        with uow:
            if missing := _no_group_yet(uow):
                return missing
            if uow.org.get_brand(brand.code) is not None:
                return Failure(AlreadyExists("brand", brand.code))
            uow.org.add_brand(brand)
            uow.commit()
            return Success(brand)

    return _guarded(run)


def open_store(uow: OrgUnitOfWork, cmd: OpenStore, clock: Clock) -> Result[Store, DomainError]:
    """Open a store in a region, franchised for the given brands (each named once)."""

    def run() -> Result[Store, DomainError]:
        store_id = StoreId(code(cmd.store_id, "store code"))
        zone = StoreTimeZone(cmd.time_zone)
        repeated = first_repeated(code(b, "brand code") for b in cmd.brands)
        if repeated is not None:
            return Failure(DuplicateInput("brand", repeated, f"store {store_id}"))
        with uow:
            if uow.org.get_store(store_id) is not None:
                return Failure(AlreadyExists("store", store_id))
            region = uow.org.get_region(RegionId(code(cmd.region_id, "region id")))
            if region is None:
                return Failure(NotFound("region", cmd.region_id.upper()))
            company = None
            if cmd.company_id:
                found = _company(uow, cmd.company_id)
                if isinstance(found, Failure):
                    return Failure(found.failure())
                company = found.unwrap()
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
                company=company,
            )
            uow.org.add_store(store)
            uow.track(store)
            uow.commit()
            return Success(store)

    return _guarded(run)


def _with_store(
    uow: OrgUnitOfWork,
    store_id: str,
    change: Callable[[Store], Result[T, DomainError]],
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
    """Add one bin (库位) to a warehouse of a store."""
    return _with_store(uow, cmd.store_id, lambda s: s.add_bin(cmd.warehouse_code, cmd.bin_code))


def add_bins(uow: OrgUnitOfWork, cmd: AddBins) -> Result[list[Bin], DomainError]:
    """Add bins to a warehouse of a store in one unit of work: all, or none of them."""
    return _with_store(
        uow, cmd.store_id, lambda s: s.add_bins(cmd.warehouse_code, list(cmd.bin_codes))
    )


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
