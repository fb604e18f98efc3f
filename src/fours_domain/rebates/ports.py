"""Ports of the rebates context."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from fours_domain.rebates.model import (
    KpiReading,
    PolicyId,
    RebateClaim,
    RebatePolicy,
    SaleAmendment,
    SaleFact,
)
from fours_domain.shared.ids import BrandCode, StoreId
from fours_domain.shared.time import Date
from fours_domain.shared.uow import UnitOfWork


class RebateRepository(Protocol):
    """Policies (group reference data); sales facts, KPI readings and claims (store-owned)."""

    def get_policy(self, policy_id: PolicyId) -> RebatePolicy | None: ...
    def add_policy(self, policy: RebatePolicy) -> None: ...
    def list_policies(self, brand: BrandCode | None = None) -> Sequence[RebatePolicy]: ...

    def get_sale(self, store_id: StoreId, vin: str) -> SaleFact | None: ...
    def save_sale(self, fact: SaleFact) -> None:
        """Insert or replace the car's sales facts."""

    def sales_between(
        self, brands: Collection[BrandCode], start: Date, end: Date
    ) -> Sequence[SaleFact]:
        """Facts of ``brands`` picked up or delivered between ``start`` and ``end`` (inclusive)."""

    def sales_by_vin(self, vins: Collection[str]) -> Sequence[SaleFact]: ...

    def add_amendment(self, amendment: SaleAmendment) -> None: ...
    def amendments(self, store_id: StoreId, vin: str) -> Sequence[SaleAmendment]:
        """The recorded changes to a car's facts, oldest first."""

    def set_kpi(self, reading: KpiReading) -> None: ...
    def kpis_for(self, period_key: str) -> Sequence[KpiReading]: ...

    def get_claim(
        self, store_id: StoreId, policy_id: PolicyId, period_key: str
    ) -> RebateClaim | None: ...
    def add_claim(self, claim: RebateClaim) -> None: ...
    def claims_for(
        self, period_keys: Collection[str], store_id: StoreId | None = None
    ) -> Sequence[RebateClaim]: ...
    def claims_of(self, store_id: StoreId, policy_id: PolicyId) -> Sequence[RebateClaim]: ...
    def claims_of_store(self, store_id: StoreId) -> Sequence[RebateClaim]: ...


class RebatesUnitOfWork(UnitOfWork, Protocol):
    @property
    def rebates(self) -> RebateRepository: ...
