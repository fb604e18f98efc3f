"""The organisation of a dealer group (集团 → 区域 → 门店 → 展厅 / 仓库 → 库位).

One database holds one group. Regions, business units (事业部) and brands are
group-wide reference data; a :class:`Store` is the aggregate every store-owned
record hangs from, and owns its showrooms, warehouses and bins.

The **staff roster** (员工花名册) says who works for the group and in which
roles, at which stores (or group-wide): a :class:`StaffMember` with its
:class:`RoleGrant` s. Whoever approves a price, writes a quote or grants a
counter discount is checked against it (docs/adr/0036-staff-roster-and-four-eyes.md).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from typing import NewType

import attrs
from returns.result import Failure, Result, Success

from fours_domain.shared.errors import (
    AlreadyExists,
    DomainError,
    DuplicateInput,
    InvariantViolation,
    NotFound,
)
from fours_domain.shared.events import DomainEvent, EventRecorder
from fours_domain.shared.identifiers import SocialCreditCode
from fours_domain.shared.ids import (
    BinCode,
    BrandCode,
    BusinessUnitId,
    CompanyId,
    GroupId,
    RegionId,
    ShowroomCode,
    StoreId,
    UserId,
    WarehouseCode,
)
from fours_domain.shared.time import DateTime, StoreTimeZone

_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_\-]{0,31}$")


def code(value: str, what: str = "code") -> str:
    """Normalise and check a business code: 1–32 of A–Z, 0–9, ``-``, ``_``."""
    normalised = value.strip().upper()
    if not _CODE_RE.match(normalised):
        raise InvariantViolation(
            f"{what} {value!r} must be 1–32 characters of A–Z, 0–9, '-' or '_'", value=value
        )
    return normalised


def _group_id(value: str) -> GroupId:
    return GroupId(code(value, "group id"))


def _region_id(value: str) -> RegionId:
    return RegionId(code(value, "region id"))


def _unit_id(value: str) -> BusinessUnitId:
    return BusinessUnitId(code(value, "business unit id"))


def _company_id(value: str) -> CompanyId:
    return CompanyId(code(value, "company code"))


def _uscc(value: SocialCreditCode | str) -> SocialCreditCode:
    return value if isinstance(value, SocialCreditCode) else SocialCreditCode(value)


def _brand_code(value: str) -> BrandCode:
    return BrandCode(code(value, "brand code"))


def _store_id(value: str) -> StoreId:
    return StoreId(code(value, "store code"))


def first_repeated(values: Iterable[str]) -> str | None:
    """The first value that occurs a second time, or None when all are distinct.

    >>> first_repeated(["A1", "A2", "A1"]), first_repeated(["A1"])
    ('A1', None)
    """
    seen: set[str] = set()
    for value in values:
        if value in seen:
            return value
        seen.add(value)
    return None


def _name(value: str) -> str:
    stripped = value.strip()
    if not stripped:
        raise InvariantViolation("a name must not be empty")
    return stripped


@attrs.define(slots=False, eq=False)
class Group:
    """The dealer group (汽车经销集团): the root of the organisation."""

    id: GroupId = attrs.field(converter=_group_id)
    name: str = attrs.field(converter=_name)


@attrs.define(slots=False, eq=False)
class Region:
    """A region (区域) grouping stores for management and price scope."""

    id: RegionId = attrs.field(converter=_region_id)
    name: str = attrs.field(converter=_name)


@attrs.define(slots=False, eq=False)
class BusinessUnit:
    """A business unit (事业部): a scope that can own isolated master data."""

    id: BusinessUnitId = attrs.field(converter=_unit_id)
    name: str = attrs.field(converter=_name)


@attrs.define(slots=False, eq=False)
class Company:
    """A legal entity of the group (集团下属公司): stores belong to one; consignment
    (委托销售) and internal settlement run between companies (ADR 0024)."""

    id: CompanyId = attrs.field(converter=_company_id)
    name: str = attrs.field(converter=_name)
    uscc: SocialCreditCode = attrs.field(converter=_uscc)
    """Unified social credit code (统一社会信用代码), check character verified."""


@attrs.define(slots=False, eq=False)
class Brand:
    """A vehicle brand a store can be franchised for (e.g. AUDI, BYD)."""

    code: BrandCode = attrs.field(converter=_brand_code)
    name: str = attrs.field(converter=_name)
    manufacturer: str = attrs.field(converter=_name)


@attrs.frozen
class MasterDataScope:
    """Who shares a piece of master data: the whole group, or one business unit.

    >>> MasterDataScope.group().covers(BusinessUnitId("EAST"))
    True
    """

    business_unit_id: BusinessUnitId | None = None

    @classmethod
    def group(cls) -> MasterDataScope:
        return cls(None)

    def covers(self, business_unit_id: BusinessUnitId | None) -> bool:
        """True when a store of ``business_unit_id`` sees data of this scope."""
        return self.business_unit_id is None or self.business_unit_id == business_unit_id

    @property
    def key(self) -> str:
        """Storage key: ``*`` for group-wide, else the business unit id."""
        return self.business_unit_id or "*"

    @classmethod
    def from_key(cls, key: str) -> MasterDataScope:
        return cls(None if key == "*" else BusinessUnitId(key))


class WarehouseKind(enum.Enum):
    """What a warehouse holds."""

    PARTS = "parts"
    """Parts and accessories (配件 / 精品) kept in bins."""
    VEHICLES = "vehicles"
    """A vehicle yard (车库) for new or used cars."""


@attrs.define(slots=False, eq=False)
class Franchise:
    """The store sells and services ``brand_code`` (特许经营)."""

    store_id: StoreId
    brand_code: BrandCode


@attrs.define(slots=False, eq=False)
class Showroom:
    """A showroom (展厅) of a store."""

    store_id: StoreId
    code: ShowroomCode
    name: str


@attrs.define(slots=False, eq=False)
class Bin:
    """A storage location (库位) inside a warehouse."""

    store_id: StoreId
    warehouse_code: WarehouseCode
    code: BinCode


@attrs.define(slots=False, eq=False)
class Warehouse:
    """A warehouse (仓库) of a store, with its bins."""

    store_id: StoreId
    code: WarehouseCode
    name: str
    kind: WarehouseKind
    bins: list[Bin] = attrs.field(factory=list)

    def bin(self, bin_code: str) -> Bin | None:
        wanted = code(bin_code, "bin code")
        return next((b for b in self.bins if b.code == wanted), None)


@attrs.frozen
class StoreOpened(DomainEvent):
    store_id: StoreId
    region_id: RegionId


@attrs.define(slots=False, eq=False)
class Store(EventRecorder):
    """A 4S store (门店): sells one or more brands, lives in one time zone.

    The aggregate root for everything a store owns. Its id is the store code
    the group uses everywhere (e.g. ``BJ-AUDI-01``) and leads every primary key
    of store-owned tables (see docs/scaling.md).
    """

    id: StoreId = attrs.field(converter=_store_id)
    name: str = attrs.field(converter=_name)
    region_id: RegionId
    time_zone: StoreTimeZone
    business_unit_id: BusinessUnitId | None = None
    company_id: CompanyId | None = None
    """The group company (legal entity) the store belongs to, once assigned."""
    franchises: list[Franchise] = attrs.field(factory=list)
    showrooms: list[Showroom] = attrs.field(factory=list)
    warehouses: list[Warehouse] = attrs.field(factory=list)

    @classmethod
    def open(
        cls,
        *,
        store_id: str,
        name: str,
        region: Region,
        time_zone: StoreTimeZone,
        brands: list[Brand],
        business_unit: BusinessUnit | None,
        at: DateTime,
        company: Company | None = None,
    ) -> Store:
        """Open a store franchised for ``brands`` (at least one, each once)."""
        if not brands:
            raise InvariantViolation(f"store {store_id} must sell at least one brand")
        repeated = first_repeated(b.code for b in brands)
        if repeated is not None:
            raise InvariantViolation(
                f"store {store_id} lists brand {repeated} more than once", value=repeated
            )
        store = cls(
            id=store_id,
            name=name,
            region_id=region.id,
            time_zone=time_zone,
            business_unit_id=business_unit.id if business_unit else None,
            company_id=company.id if company else None,
        )
        for brand in brands:
            store.add_brand(brand)
        store.record(StoreOpened(occurred_at=at, store_id=store.id, region_id=region.id))
        return store

    def join_company(self, company: Company) -> Result[Company, AlreadyExists]:
        """Put the store under ``company`` (the legal entity whose books hold its stock)."""
        if self.company_id == company.id:
            return Failure(AlreadyExists(f"company of store {self.id}", company.id))
        self.company_id = company.id
        return Success(company)

    @property
    def brands(self) -> frozenset[BrandCode]:
        return frozenset(f.brand_code for f in self.franchises)

    def sells(self, brand: BrandCode) -> bool:
        return brand in self.brands

    def add_brand(self, brand: Brand) -> Result[Franchise, AlreadyExists]:
        if self.sells(brand.code):
            return Failure(AlreadyExists(f"brand at store {self.id}", brand.code))
        franchise = Franchise(store_id=self.id, brand_code=brand.code)
        self.franchises.append(franchise)
        return Success(franchise)

    def add_showroom(self, showroom_code: str, name: str) -> Result[Showroom, AlreadyExists]:
        wanted = ShowroomCode(code(showroom_code, "showroom code"))
        if any(s.code == wanted for s in self.showrooms):
            return Failure(AlreadyExists(f"showroom at store {self.id}", wanted))
        showroom = Showroom(store_id=self.id, code=wanted, name=_name(name))
        self.showrooms.append(showroom)
        return Success(showroom)

    def add_warehouse(
        self, warehouse_code: str, name: str, kind: WarehouseKind = WarehouseKind.PARTS
    ) -> Result[Warehouse, AlreadyExists]:
        wanted = WarehouseCode(code(warehouse_code, "warehouse code"))
        if self.warehouse(wanted) is not None:
            return Failure(AlreadyExists(f"warehouse at store {self.id}", wanted))
        warehouse = Warehouse(store_id=self.id, code=wanted, name=_name(name), kind=kind)
        self.warehouses.append(warehouse)
        return Success(warehouse)

    def add_bin(
        self, warehouse_code: str, bin_code: str
    ) -> Result[Bin, AlreadyExists | NotFound | DuplicateInput]:
        """Add one bin (库位) to a warehouse of this store."""
        return self.add_bins(warehouse_code, [bin_code]).map(lambda added: added[0])

    def add_bins(
        self, warehouse_code: str, bin_codes: Sequence[str]
    ) -> Result[list[Bin], AlreadyExists | NotFound | DuplicateInput]:
        """Add bins to a warehouse: all of them, or — if one exists already, is given
        twice or the warehouse is unknown — none (the store is left unchanged)."""
        warehouse = self.warehouse(warehouse_code)
        if warehouse is None:
            return Failure(NotFound(f"warehouse at store {self.id}", warehouse_code.upper()))
        wanted = [BinCode(code(bin_code, "bin code")) for bin_code in bin_codes]
        if not wanted:
            raise InvariantViolation(f"no bin codes given for {self.id}/{warehouse.code}")
        repeated = first_repeated(wanted)
        if repeated is not None:
            return Failure(DuplicateInput("bin", repeated, f"{self.id}/{warehouse.code}"))
        existing = next((c for c in wanted if warehouse.bin(c) is not None), None)
        if existing is not None:
            return Failure(AlreadyExists(f"bin in {self.id}/{warehouse.code}", existing))
        added = [Bin(store_id=self.id, warehouse_code=warehouse.code, code=c) for c in wanted]
        warehouse.bins.extend(added)
        return Success(added)

    def warehouse(self, warehouse_code: str) -> Warehouse | None:
        wanted = code(warehouse_code, "warehouse code")
        return next((w for w in self.warehouses if w.code == wanted), None)

    def locate(self, warehouse_code: str, bin_code: str) -> Result[Bin, NotFound]:
        """The bin at ``warehouse/bin`` in this store, or which part of the path is unknown."""
        warehouse = self.warehouse(warehouse_code)
        if warehouse is None:
            return Failure(NotFound(f"warehouse at store {self.id}", warehouse_code.upper()))
        found = warehouse.bin(bin_code)
        if found is None:
            return Failure(NotFound(f"bin in {self.id}/{warehouse.code}", bin_code.upper()))
        return Success(found)


# --------------------------------------------------------------------------- staff roster

RoleCode = NewType("RoleCode", str)

GROUP_WIDE = "*"
"""Scope key of a role held at every store of the group."""

_USER_RE = re.compile(r"^[a-z0-9][a-z0-9._\-]{0,63}$")


def role_code(value: str) -> RoleCode:
    """A role such as ``SALES``, ``SALES_MANAGER``, ``GM`` (upper case, ``-`` → ``_``).

    >>> role_code(" sales-manager ")
    'SALES_MANAGER'
    """
    normalised = value.strip().upper().replace("-", "_")
    if not normalised or not normalised.replace("_", "").isalnum() or len(normalised) > 32:
        raise InvariantViolation(f"role {value!r} must be 1–32 letters, digits or '_'")
    return RoleCode(normalised)


def user_id(value: str) -> UserId:
    """A staff member's login id: 1–64 of a–z, 0–9, ``.``, ``_``, ``-`` (case-insensitive).

    >>> user_id(" Zhang.Wei ")
    'zhang.wei'
    """
    normalised = value.strip().lower()
    if not _USER_RE.match(normalised):
        raise InvariantViolation(
            f"staff id {value!r} must be 1–64 characters of a–z, 0–9, '.', '_' or '-'",
            staff=value,
        )
    return UserId(normalised)


def _scope_label(scope: str) -> str:
    return "group-wide" if scope == GROUP_WIDE else f"store {scope}"


@attrs.define(slots=False, eq=False)
class RoleGrant:
    """``staff_id`` holds ``role`` at store ``scope``, or at every store (``*``)."""

    staff_id: UserId
    role: RoleCode
    scope: str

    @property
    def store_id(self) -> StoreId | None:
        return None if self.scope == GROUP_WIDE else StoreId(self.scope)

    def applies_at(self, store_id: StoreId) -> bool:
        return self.scope in (GROUP_WIDE, store_id)

    def __str__(self) -> str:
        return f"{self.role}@{self.scope}"


class RoleNotHeld(DomainError):
    """Someone acted in a role they do not hold at that store."""

    code = "role_not_held"


@attrs.define(slots=False, eq=False)
class StaffMember:
    """A member of staff (员工) and the roles they hold, per store or group-wide.

    >>> m = StaffMember("li.na", "李娜")
    >>> _ = m.grant("sales_manager", StoreId("SH01"))
    >>> m.holds(RoleCode("SALES_MANAGER"), StoreId("SH01")), m.roles_at(StoreId("GZ01"))
    (True, frozenset())
    """

    id: UserId = attrs.field(converter=user_id)
    name: str = attrs.field(converter=_name)
    grants: list[RoleGrant] = attrs.field(factory=list)

    def _find(self, role: RoleCode, scope: str) -> RoleGrant | None:
        return next((g for g in self.grants if (g.role, g.scope) == (role, scope)), None)

    def grant(self, role: str, store_id: StoreId | None) -> Result[RoleGrant, AlreadyExists]:
        """Grant ``role`` at ``store_id`` (``None``: group-wide)."""
        wanted = role_code(role)
        scope = GROUP_WIDE if store_id is None else store_id
        if self._find(wanted, scope) is not None:
            return Failure(AlreadyExists(f"role of {self.id} ({_scope_label(scope)})", wanted))
        grant = RoleGrant(staff_id=self.id, role=wanted, scope=scope)
        self.grants.append(grant)
        return Success(grant)

    def revoke(self, role: str, store_id: StoreId | None) -> Result[RoleGrant, NotFound]:
        """Withdraw ``role`` at ``store_id`` (``None``: the group-wide grant)."""
        wanted = role_code(role)
        scope = GROUP_WIDE if store_id is None else store_id
        found = self._find(wanted, scope)
        if found is None:
            return Failure(NotFound(f"role of {self.id} ({_scope_label(scope)})", wanted))
        self.grants.remove(found)
        return Success(found)

    def roles_at(self, store_id: StoreId) -> frozenset[RoleCode]:
        """Every role this person holds at ``store_id`` (its own and group-wide grants)."""
        return frozenset(g.role for g in self.grants if g.applies_at(store_id))

    def holds(self, role: RoleCode, store_id: StoreId) -> bool:
        return role in self.roles_at(store_id)

    def acting_as(
        self, role: str | None, store_id: StoreId
    ) -> Result[frozenset[RoleCode], RoleNotHeld]:
        """The roles this person may act in at ``store_id``: ``role`` if given and held,
        else every role held there; refused when none (or not that one) is held."""
        held = self.roles_at(store_id)
        if role is not None:
            wanted = role_code(role)
            if wanted not in held:
                return Failure(self._not_held(f"does not hold {wanted}", store_id, wanted))
            return Success(frozenset({wanted}))
        if not held:
            return Failure(self._not_held("holds no role", store_id, None))
        return Success(held)

    def _not_held(self, what: str, store_id: StoreId, role: RoleCode | None) -> RoleNotHeld:
        holds = ", ".join(sorted(str(g) for g in self.grants)) or "no roles at all"
        return RoleNotHeld(
            f"{self.id} ({self.name}) {what} at store {store_id} (holds: {holds})",
            staff=self.id,
            store=store_id,
            role=role,
        )
