"""In-memory fakes of the ports, for service tests without a database.

``FakeUnitOfWork`` keeps committed state in plain dictionaries and copies
nothing: like the SQL unit of work, changes to loaded aggregates are kept only
when ``commit()`` is called (uncommitted work is rolled back by snapshot).
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from types import TracebackType
from typing import Any, Self

from fours_domain.dms.ports import ImportRecord
from fours_domain.dms.positions import PositionKey, StockPosition
from fours_domain.dms.records import RecordKind
from fours_domain.inventory.model import (
    Backorder,
    BackorderStatus,
    ExpectedReceipt,
    LedgerEntry,
    Loan,
    Part,
    Reservation,
    SafetyStock,
    StockItem,
    StockLocation,
    Transfer,
    TransferStatus,
)
from fours_domain.inventory.reports import Availability, availability_of, lapsed_by_location
from fours_domain.inventory.services import visible_part
from fours_domain.org.model import (
    Brand,
    BusinessUnit,
    Company,
    Group,
    MasterDataScope,
    Region,
    StaffMember,
    Store,
)
from fours_domain.pricing.authority import AuthorityRule, RoleCode, Subject
from fours_domain.pricing.model import PriceKind, PriceScheme, PriceScope, SchemeId, StorePlace
from fours_domain.pricing.parts import (
    PartApprovalId,
    PartDiscountPolicy,
    PartListing,
    PartPriceApproval,
    PartPriceGrant,
)
from fours_domain.pricing.quotes import ConcurrentQuoteChange, Quote, QuoteId, QuoteStatus
from fours_domain.rebates.model import (
    KpiReading,
    PolicyId,
    RebateClaim,
    RebatePolicy,
    SaleAmendment,
    SaleFact,
)
from fours_domain.shared.catalogue import ModelCode, PartNumber
from fours_domain.shared.errors import InvariantViolation
from fours_domain.shared.events import DomainEvent, EventRecorder
from fours_domain.shared.ids import (
    BrandCode,
    BusinessUnitId,
    CompanyId,
    RegionId,
    StoreId,
    UserId,
    WarehouseCode,
)
from fours_domain.shared.time import Date, DateTime
from fours_domain.testing.fakes_vehicles import FakeCarStockQuery, FakeVehicleRepository


class FakeOrgRepository:
    """In-memory :class:`~fours_domain.org.ports.OrgRepository`: the group, regions,
    business units, brands and stores in dictionaries (inspect them in assertions)."""

    def __init__(self) -> None:
        self.group: Group | None = None
        self.regions: dict[RegionId, Region] = {}
        self.units: dict[BusinessUnitId, BusinessUnit] = {}
        self.companies: dict[CompanyId, Company] = {}
        self.brands: dict[BrandCode, Brand] = {}
        self.stores: dict[StoreId, Store] = {}
        self.staff: dict[UserId, StaffMember] = {}

    def get_group(self) -> Group | None:
        return self.group

    def add_group(self, group: Group) -> None:
        self.group = group

    def get_region(self, region_id: RegionId) -> Region | None:
        return self.regions.get(region_id)

    def add_region(self, region: Region) -> None:
        self.regions[region.id] = region

    def list_regions(self) -> Sequence[Region]:
        return sorted(self.regions.values(), key=lambda r: r.id)

    def get_business_unit(self, unit_id: BusinessUnitId) -> BusinessUnit | None:
        return self.units.get(unit_id)

    def add_business_unit(self, unit: BusinessUnit) -> None:
        self.units[unit.id] = unit

    def list_business_units(self) -> Sequence[BusinessUnit]:
        return sorted(self.units.values(), key=lambda u: u.id)

    def get_company(self, company_id: CompanyId) -> Company | None:
        return self.companies.get(company_id)

    def add_company(self, company: Company) -> None:
        self.companies[company.id] = company

    def list_companies(self) -> Sequence[Company]:
        return sorted(self.companies.values(), key=lambda c: c.id)

    def get_brand(self, brand_code: BrandCode) -> Brand | None:
        return self.brands.get(brand_code)

    def add_brand(self, brand: Brand) -> None:
        self.brands[brand.code] = brand

    def list_brands(self) -> Sequence[Brand]:
        return sorted(self.brands.values(), key=lambda b: b.code)

    def get_store(self, store_id: StoreId) -> Store | None:
        return self.stores.get(store_id)

    def add_store(self, store: Store) -> None:
        self.stores[store.id] = store

    def list_stores(self, region_id: RegionId | None = None) -> Sequence[Store]:
        return sorted(
            (s for s in self.stores.values() if region_id is None or s.region_id == region_id),
            key=lambda s: s.id,
        )

    def get_staff(self, staff_id: UserId) -> StaffMember | None:
        return self.staff.get(staff_id)

    def add_staff(self, member: StaffMember) -> None:
        self.staff[member.id] = member

    def list_staff(self, store_id: StoreId | None = None) -> Sequence[StaffMember]:
        return sorted(
            (m for m in self.staff.values() if store_id is None or m.roles_at(store_id)),
            key=lambda m: m.id,
        )


class FakeRebateRepository:
    """In-memory :class:`~fours_domain.rebates.ports.RebateRepository`: policies, sales
    facts, KPI readings and claims."""

    def __init__(self) -> None:
        self.policies: dict[PolicyId, RebatePolicy] = {}
        self.sales: dict[tuple[StoreId, str], SaleFact] = {}
        self.kpis: dict[tuple[StoreId, str, str], KpiReading] = {}
        self.claims: dict[tuple[StoreId, PolicyId, str], RebateClaim] = {}
        self.amendments_: list[SaleAmendment] = []

    def get_policy(self, policy_id: PolicyId) -> RebatePolicy | None:
        return self.policies.get(policy_id)

    def add_policy(self, policy: RebatePolicy) -> None:
        self.policies[policy.id] = policy

    def list_policies(self, brand: BrandCode | None = None) -> Sequence[RebatePolicy]:
        return sorted(
            (p for p in self.policies.values() if brand is None or p.brand == brand),
            key=lambda p: p.id,
        )

    def get_sale(self, store_id: StoreId, vin: str) -> SaleFact | None:
        return self.sales.get((store_id, vin))

    def save_sale(self, fact: SaleFact) -> None:
        self.sales[(fact.store_id, fact.vin.value)] = fact

    def sales_between(
        self, brands: Collection[BrandCode], start: Date, end: Date
    ) -> Sequence[SaleFact]:
        def inside(day: Date | None) -> bool:
            return day is not None and start <= day <= end

        return [
            f
            for _, f in sorted(self.sales.items())
            if f.spec.brand in brands and (inside(f.picked_up_on) or inside(f.delivered_on))
        ]

    def sales_by_vin(self, vins: Collection[str]) -> Sequence[SaleFact]:
        return [f for _, f in sorted(self.sales.items()) if f.vin.value in vins]

    def add_amendment(self, amendment: SaleAmendment) -> None:
        self.amendments_.append(amendment)

    def amendments(self, store_id: StoreId, vin: str) -> Sequence[SaleAmendment]:
        return [a for a in self.amendments_ if (a.store_id, a.vin) == (store_id, vin)]

    def set_kpi(self, reading: KpiReading) -> None:
        self.kpis[(reading.store_id, reading.period_key, reading.kpi.value)] = reading

    def kpis_for(self, period_key: str) -> Sequence[KpiReading]:
        return [r for r in self.kpis.values() if r.period_key == period_key]

    def get_claim(
        self, store_id: StoreId, policy_id: PolicyId, period_key: str
    ) -> RebateClaim | None:
        return self.claims.get((store_id, policy_id, period_key))

    def add_claim(self, claim: RebateClaim) -> None:
        self.claims[(claim.store_id, claim.policy_id, claim.period_key)] = claim

    def claims_for(
        self, period_keys: Collection[str], store_id: StoreId | None = None
    ) -> Sequence[RebateClaim]:
        return [
            c
            for key, c in sorted(self.claims.items())
            if c.period_key in period_keys and (store_id is None or c.store_id == store_id)
        ]

    def claims_of(self, store_id: StoreId, policy_id: PolicyId) -> Sequence[RebateClaim]:
        return [
            c
            for key, c in sorted(self.claims.items())
            if c.store_id == store_id and c.policy_id == policy_id
        ]

    def claims_of_store(self, store_id: StoreId) -> Sequence[RebateClaim]:
        return [c for key, c in sorted(self.claims.items()) if c.store_id == store_id]


class FakePartRepository:
    """In-memory :class:`~fours_domain.inventory.ports.PartRepository`: the parts
    catalogue keyed by (scope, part number)."""

    def __init__(self) -> None:
        self.parts: dict[tuple[str, PartNumber], Part] = {}
        self.safety: dict[tuple[StoreId, WarehouseCode, PartNumber], SafetyStock] = {}

    def get(self, scope: MasterDataScope, number: PartNumber) -> Part | None:
        return self.parts.get((scope.key, number))

    def add(self, part: Part) -> None:
        self.parts[(part.scope_key, part.number)] = part

    def list(self, scope: MasterDataScope | None = None) -> Sequence[Part]:
        return sorted(
            (p for p in self.parts.values() if scope is None or p.scope_key == scope.key),
            key=lambda p: (p.number, p.scope_key),
        )

    def get_safety_stock(
        self, store_id: StoreId, warehouse_code: WarehouseCode, number: PartNumber
    ) -> SafetyStock | None:
        return self.safety.get((store_id, warehouse_code, number))

    def add_safety_stock(self, rule: SafetyStock) -> None:
        self.safety[(rule.store_id, rule.warehouse_code, rule.part_number)] = rule

    def safety_stocks(self, store_id: StoreId) -> Sequence[SafetyStock]:
        return [r for k, r in sorted(self.safety.items()) if k[0] == store_id]


class FakePartListPrices:
    """Pricing's ``PartListPrices`` over the fake catalogue (same lookup as the SQL one)."""

    def __init__(self, parts: FakePartRepository) -> None:
        self._parts = parts

    def listing(
        self, business_unit_id: BusinessUnitId | None, part_number: PartNumber
    ) -> PartListing | None:
        part = visible_part(self._parts, business_unit_id, part_number)
        if part is None:
            return None
        return PartListing(part.number, part.part_class, part.list_price, part.scope)


class FakeStockRepository:
    """Stock, ledger, reservations, backorders, transfers, loans; also the group query."""

    def __init__(self) -> None:
        self.stock: dict[StockLocation, StockItem] = {}
        self.entries: list[LedgerEntry] = []
        self.reservations: dict[tuple[StoreId, str], Reservation] = {}
        self.backorders: list[Backorder] = []
        self.transfers: dict[str, Transfer] = {}
        self.loans: dict[tuple[StoreId, str], Loan] = {}
        self.expected: dict[tuple[StoreId, str], ExpectedReceipt] = {}

    def lock(
        self,
        locations: Collection[StockLocation],
        *,
        create: bool | Collection[StockLocation] = False,
    ) -> dict[StockLocation, StockItem]:
        if create:
            for loc in locations if isinstance(create, bool) else set(create) & set(locations):
                if loc not in self.stock:
                    self.stock[loc] = StockItem(
                        loc.store_id, loc.warehouse_code, loc.bin_code, loc.part_number
                    )
        return {loc: self.stock[loc] for loc in sorted(locations) if loc in self.stock}

    def lock_parts(
        self, store_id: StoreId, warehouse_code: WarehouseCode, numbers: Collection[PartNumber]
    ) -> Sequence[StockItem]:
        wanted = set(numbers)
        return [
            item
            for loc, item in sorted(self.stock.items())
            if loc.store_id == store_id
            and loc.warehouse_code == warehouse_code
            and loc.part_number in wanted
        ]

    def items(
        self, store_id: StoreId, warehouse_code: WarehouseCode | None = None
    ) -> Sequence[StockItem]:
        return [
            item
            for loc, item in sorted(self.stock.items())
            if loc.store_id == store_id
            and (warehouse_code is None or loc.warehouse_code == warehouse_code)
        ]

    def append(self, entry: LedgerEntry) -> None:
        self.entries.append(entry)

    def ledger(self, store_id: StoreId, number: PartNumber | None = None) -> Sequence[LedgerEntry]:
        return [
            e
            for e in self.entries
            if e.store_id == store_id and (number is None or e.part_number == number)
        ]

    def add_reservation(self, reservation: Reservation) -> None:
        self.reservations[(reservation.store_id, reservation.id)] = reservation

    def get_reservation(
        self, store_id: StoreId, reservation_id: str, *, locked: bool = True
    ) -> Reservation | None:
        return self.reservations.get((store_id, reservation_id))

    def open_reservations(
        self, store_id: StoreId, expiring_before: DateTime | None = None
    ) -> Sequence[Reservation]:
        return [
            r
            for (sid, _), r in sorted(self.reservations.items())
            if sid == store_id
            and r.is_open
            and (
                expiring_before is None
                or (r.expires_at is not None and r.expires_at <= expiring_before)
            )
        ]

    def open_reservations_at(self, locations: Collection[StockLocation]) -> Sequence[Reservation]:
        wanted = set(locations)
        return [
            r for _, r in sorted(self.reservations.items()) if r.is_open and r.location in wanted
        ]

    def find_reservations(
        self,
        store_id: StoreId,
        *,
        reference: str | None = None,
        open_only: bool = False,
        limit: int = 500,
    ) -> Sequence[Reservation]:
        found = [
            r
            for (sid, _), r in sorted(self.reservations.items(), reverse=True)
            if sid == store_id
            and (reference is None or r.reference == reference)
            and (not open_only or r.is_open)
        ]
        return found[:limit]

    def add_backorder(self, backorder: Backorder) -> None:
        self.backorders.append(backorder)

    def get_backorder(self, store_id: StoreId, backorder_id: str) -> Backorder | None:
        return next(
            (b for b in self.backorders if (b.store_id, b.id) == (store_id, backorder_id)), None
        )

    def find_backorders(
        self, store_id: StoreId, *, open_only: bool = False, limit: int = 500
    ) -> Sequence[Backorder]:
        found = sorted(
            (
                b
                for b in self.backorders
                if b.store_id == store_id and (not open_only or b.status is BackorderStatus.OPEN)
            ),
            key=lambda b: (b.created_at, b.id),
        )
        return found[:limit]

    def open_backorders(
        self, store_id: StoreId, warehouse_code: WarehouseCode, number: PartNumber
    ) -> Sequence[Backorder]:
        return sorted(
            (
                b
                for b in self.backorders
                if (b.store_id, b.warehouse_code, b.part_number)
                == (store_id, warehouse_code, number)
                and b.status is BackorderStatus.OPEN
            ),
            key=lambda b: (b.created_at, b.id),
        )

    def add_transfer(self, transfer: Transfer) -> None:
        self.transfers[transfer.id] = transfer

    def get_transfer(self, transfer_id: str) -> Transfer | None:
        return self.transfers.get(transfer_id)

    def incoming_transfers(self, store_id: StoreId) -> Sequence[Transfer]:
        return [
            t
            for t in self.transfers.values()
            if t.to_store_id == store_id and t.status is TransferStatus.IN_TRANSIT
        ]

    def add_expected_receipt(self, receipt: ExpectedReceipt) -> None:
        self.expected[(receipt.store_id, receipt.id)] = receipt

    def get_expected_receipt(self, store_id: StoreId, receipt_id: str) -> ExpectedReceipt | None:
        return self.expected.get((store_id, receipt_id))

    def open_expected_receipts(self, store_id: StoreId) -> Sequence[ExpectedReceipt]:
        return sorted(
            (r for (sid, _), r in self.expected.items() if sid == store_id and r.is_open),
            key=lambda r: (r.eta, r.id),
        )

    def add_loan(self, loan: Loan) -> None:
        self.loans[(loan.store_id, loan.id)] = loan

    def get_loan(self, store_id: StoreId, loan_id: str) -> Loan | None:
        return self.loans.get((store_id, loan_id))

    def open_loans(self, store_id: StoreId) -> Sequence[Loan]:
        return sorted(
            (loan for (sid, _), loan in self.loans.items() if sid == store_id and loan.is_open),
            key=lambda loan: (loan.due_at, loan.id),
        )

    def where_available(self, number: PartNumber, at: DateTime) -> Sequence[Availability]:
        lapsed = lapsed_by_location(
            (r for r in self.reservations.values() if r.part_number == number), at
        )
        return availability_of(
            (i for loc, i in self.stock.items() if loc.part_number == number), lapsed
        )


class FakeImportJournal:
    """In-memory :class:`~fours_domain.dms.ports.ImportJournal`: which DMS documents
    were imported (for idempotency)."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, RecordKind, str], ImportRecord] = {}

    def find(self, adapter: str, kind: RecordKind, document_key: str) -> ImportRecord | None:
        return self.entries.get((adapter, kind, document_key))

    def add(self, entry: ImportRecord) -> None:
        self.entries[(entry.adapter, entry.kind, entry.document_key)] = entry

    def recent(self, limit: int = 20) -> Sequence[ImportRecord]:
        return sorted(self.entries.values(), key=lambda e: e.imported_at, reverse=True)[:limit]


class FakeStockPositionRepository:
    def __init__(self) -> None:
        self.positions: dict[PositionKey, StockPosition] = {}

    def get_many(self, keys: Collection[PositionKey]) -> dict[PositionKey, StockPosition]:
        return {key: self.positions[key] for key in keys if key in self.positions}

    def put(self, positions: Sequence[StockPosition]) -> None:
        for position in positions:
            self.positions[position.key] = position

    def drop_others(
        self, store_ids: Collection[StoreId], import_id: str, keep_parts: Collection[str] = ()
    ) -> int:
        dropped = [
            key
            for key, position in self.positions.items()
            if position.store_id in store_ids
            and position.import_id != import_id
            and position.part_number not in keep_parts
        ]
        for key in dropped:
            del self.positions[key]
        return len(dropped)

    def of_stores(
        self, store_ids: Collection[StoreId] | None = None, part: PartNumber | None = None
    ) -> Sequence[StockPosition]:
        return [
            self.positions[key]
            for key in sorted(self.positions)
            if (store_ids is None or key[0] in store_ids) and (part is None or key[1] == part)
        ]


class FakeUnitOfWork:
    """Satisfies the context unit-of-work protocols in memory."""

    def __init__(self) -> None:
        self.org = FakeOrgRepository()
        self.price_schemes = FakePriceSchemeRepository(self)
        self.quotes = FakeQuoteRepository()
        self.authority = FakeAuthorityRepository()
        self.part_policies = FakePartPolicyRepository()
        self.part_approvals = FakePartApprovalRepository()
        self.part_grants = FakePartGrantRepository()
        self.rebates = FakeRebateRepository()
        self.vehicles = FakeVehicleRepository()
        self.parts = FakePartRepository()
        self.stock = FakeStockRepository()
        self.dms_imports = FakeImportJournal()
        self.dms_positions = FakeStockPositionRepository()
        self.committed = 0
        self.published: list[DomainEvent] = []
        self._tracked: list[EventRecorder] = []
        self._snapshot: dict[str, Any] = {}

    @property
    def car_stock(self) -> FakeCarStockQuery:
        return FakeCarStockQuery(self.vehicles, self.org)

    @property
    def group_stock(self) -> FakeStockRepository:
        return self.stock

    @property
    def part_list_prices(self) -> FakePartListPrices:
        return FakePartListPrices(self.parts)

    def _repositories(self) -> dict[str, Any]:
        return {
            name: value
            for name, value in vars(self).items()
            if not name.startswith("_") and name not in {"committed", "published"}
        }

    def __enter__(self) -> Self:
        self._snapshot = copy.deepcopy(self._repositories())
        self._tracked = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def track(self, aggregate: EventRecorder) -> None:
        self._tracked.append(aggregate)

    def commit(self) -> None:
        self.committed += 1
        # Pull the events first: a snapshot taken with them would bring them back (to be
        # published again) when a later unit of work rolls back to it.
        events = [event for aggregate in self._tracked for event in aggregate.pull_events()]
        self._snapshot = copy.deepcopy(self._repositories())
        self.published.extend(events)
        self._tracked = []

    def rollback(self) -> None:
        for name, value in self._snapshot.items():
            setattr(self, name, copy.deepcopy(value))
        self._tracked = []


class FakePriceSchemeRepository:
    """Linear scans: fine for tests; the SQL adapter indexes by scope, brand and model."""

    def __init__(self, owner: FakeUnitOfWork) -> None:
        self.schemes: dict[SchemeId, PriceScheme] = {}
        self._owner = owner

    def __deepcopy__(self, memo: dict[int, Any]) -> FakePriceSchemeRepository:
        # Snapshots copy the schemes, never the unit of work that owns them.
        clone = FakePriceSchemeRepository(self._owner)
        clone.schemes = copy.deepcopy(self.schemes, memo)
        return clone

    def place(self, store_id: StoreId) -> StorePlace | None:
        store = self._owner.org.get_store(store_id)
        return None if store is None else StorePlace(store.id, store.region_id, store.time_zone)

    def add(self, scheme: PriceScheme) -> None:
        self.schemes[scheme.id] = scheme

    def get(self, scheme_id: SchemeId) -> PriceScheme | None:
        return self.schemes.get(scheme_id)

    def candidates(
        self, brand: BrandCode, model: ModelCode, place: StorePlace
    ) -> Sequence[PriceScheme]:
        return [
            s
            for s in self.schemes.values()
            if s.target.brand == brand and s.target.model in (None, model) and s.scope.covers(place)
        ]

    def same_target(self, scheme: PriceScheme) -> Sequence[PriceScheme]:
        return [
            s
            for s in self.schemes.values()
            if (s.kind, s.scope, s.target) == (scheme.kind, scheme.scope, scheme.target)
        ]

    def list(
        self,
        *,
        brand: BrandCode | None = None,
        kind: PriceKind | None = None,
        scope: str | None = None,
        limit: int = 1000,
    ) -> Sequence[PriceScheme]:
        if limit < 1:
            raise InvariantViolation(f"a limit must be at least 1, got {limit}")
        return self._matching(brand, kind, scope)[:limit]

    def count(
        self,
        *,
        brand: BrandCode | None = None,
        kind: PriceKind | None = None,
        scope: str | None = None,
    ) -> int:
        return len(self._matching(brand, kind, scope))

    def _matching(
        self, brand: BrandCode | None, kind: PriceKind | None, scope: str | None
    ) -> Sequence[PriceScheme]:
        wanted = None if scope is None else str(PriceScope.parse(scope))
        return [
            s
            for s in sorted(self.schemes.values(), key=lambda s: s.id)
            if (brand is None or s.target.brand == brand)
            and (kind is None or s.kind is kind)
            and (wanted is None or str(s.scope) == wanted)
        ]

    def serialise(self, scheme: PriceScheme) -> None:
        """Nothing to do: a fake unit of work runs alone."""

    def set_end(self, scheme: PriceScheme) -> None:
        if self.schemes[scheme.id].window.ends is not None:
            raise InvariantViolation(f"price scheme {scheme.id} has an end already")
        self.schemes[scheme.id] = scheme


class FakeQuoteRepository:
    """Like the SQL repository: ``get`` hands out a copy and remembers its version;
    ``save`` refuses a stale copy or overwriting a stored accepted quote."""

    def __init__(self) -> None:
        self.quotes: dict[tuple[StoreId, QuoteId], Quote] = {}
        self.versions: dict[tuple[StoreId, QuoteId], int] = {}
        self._read: dict[tuple[StoreId, QuoteId], int] = {}

    def get(self, store_id: StoreId, quote_id: QuoteId, *, lock: bool = False) -> Quote | None:
        stored = self.quotes.get((store_id, quote_id))
        if stored is None:
            return None
        self._read[(store_id, quote_id)] = self.versions[(store_id, quote_id)]
        return copy.deepcopy(stored)

    def save(self, quote: Quote) -> None:
        key = (quote.store_id, quote.id)
        read = self._read.get(key)
        if read is not None and (
            self.versions.get(key) != read or self.quotes[key].status is not QuoteStatus.DRAFT
        ):
            raise ConcurrentQuoteChange(quote.store_id, quote.id)
        self.versions[key] = (read or 0) + 1
        self._read[key] = self.versions[key]
        self.quotes[key] = copy.deepcopy(quote)


class FakePartGrantRepository:
    def __init__(self) -> None:
        self.items: list[PartPriceGrant] = []

    def add(self, grant: PartPriceGrant) -> None:
        self.items.append(grant)

    def list(
        self, store_id: StoreId, *, quote_id: str | None = None, limit: int = 200
    ) -> Sequence[PartPriceGrant]:
        found = [
            g
            for g in self.items
            if g.store_id == store_id and (quote_id is None or g.quote_id == quote_id)
        ]
        return sorted(found, key=lambda g: (g.granted_at, g.id), reverse=True)[:limit]


class FakeAuthorityRepository:
    """In-memory :class:`~fours_domain.pricing.ports.AuthorityRepository`: the
    discount authority ladder."""

    def __init__(self) -> None:
        self.entries: dict[tuple[Subject, RoleCode], AuthorityRule] = {}

    def rules(self, subject: Subject) -> Sequence[AuthorityRule]:
        return [
            r for (s, _), r in sorted(self.entries.items(), key=lambda kv: kv[0][1]) if s is subject
        ]

    def put(self, rule: AuthorityRule) -> None:
        self.entries[(rule.subject, rule.role)] = rule

    def remove(self, subject: Subject, role: RoleCode) -> bool:
        return self.entries.pop((subject, role), None) is not None


class FakePartApprovalRepository:
    """In-memory :class:`~fours_domain.pricing.ports.PartApprovalRepository`."""

    def __init__(self) -> None:
        self.items: dict[tuple[StoreId, PartApprovalId], PartPriceApproval] = {}

    def add(self, approval: PartPriceApproval) -> None:
        self.items[(approval.store_id, approval.id)] = approval

    def get(self, store_id: StoreId, approval_id: PartApprovalId) -> PartPriceApproval | None:
        return self.items.get((store_id, approval_id))


class FakePartPolicyRepository:
    """In-memory :class:`~fours_domain.pricing.ports.PartPolicyRepository`: parts
    discount policies per part class and customer type."""

    def __init__(self) -> None:
        self.items: list[PartDiscountPolicy] = []

    def policies(self) -> Sequence[PartDiscountPolicy]:
        return list(self.items)

    def add(self, policy: PartDiscountPolicy) -> None:
        self.items.append(policy)
