"""Ports of the pricing context."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from fours_domain.org.ports import OrgUnitOfWork
from fours_domain.pricing.authority import AuthorityRule, RoleCode, Subject
from fours_domain.pricing.model import PriceKind, PriceScheme, SchemeId, StorePlace
from fours_domain.pricing.parts import PartApprovalId, PartDiscountPolicy, PartPriceApproval
from fours_domain.pricing.quotes import Quote, QuoteId
from fours_domain.shared.catalogue import ModelCode
from fours_domain.shared.ids import BrandCode, StoreId


class PriceSchemeRepository(Protocol):
    """Price schemes of every scope; immutable once added."""

    def add(self, scheme: PriceScheme) -> None: ...

    def get(self, scheme_id: SchemeId) -> PriceScheme | None: ...

    def place(self, store_id: StoreId) -> StorePlace | None:
        """Id, region and time zone of a store: all resolution needs (a narrow read of
        the organisation, cheaper than loading the whole store aggregate)."""
        ...

    def candidates(
        self, brand: BrandCode, model: ModelCode, place: StorePlace
    ) -> Sequence[PriceScheme]:
        """Every scheme (any kind, any window) whose scope covers ``place`` and whose
        target is ``brand`` with model ``model`` or any model: the superset resolution
        ranks in memory. Must not depend on how many schemes other stores or models have."""
        ...

    def same_target(self, scheme: PriceScheme) -> Sequence[PriceScheme]:
        """Schemes of the same kind, scope and target (any priority or window)."""
        ...

    def list(
        self,
        *,
        brand: BrandCode | None = None,
        kind: PriceKind | None = None,
        scope: str | None = None,
        limit: int = 1000,
    ) -> Sequence[PriceScheme]: ...


class QuoteRepository(Protocol):
    def get(self, store_id: StoreId, quote_id: QuoteId) -> Quote | None: ...

    def save(self, quote: Quote) -> None:
        """Insert or replace the whole quote (lines, references, approvals)."""
        ...


class AuthorityRepository(Protocol):
    """The discount-authority ladders (group-wide)."""

    def rules(self, subject: Subject) -> Sequence[AuthorityRule]: ...

    def put(self, rule: AuthorityRule) -> None:
        """Set (insert or replace) the rule of ``rule.role`` for ``rule.subject``."""
        ...

    def remove(self, subject: Subject, role: RoleCode) -> bool: ...


class PartPolicyRepository(Protocol):
    def policies(self) -> Sequence[PartDiscountPolicy]: ...

    def add(self, policy: PartDiscountPolicy) -> None: ...


class PartApprovalRepository(Protocol):
    """Recorded counter-sale special discounts (store-owned)."""

    def add(self, approval: PartPriceApproval) -> None: ...

    def get(self, store_id: StoreId, approval_id: PartApprovalId) -> PartPriceApproval | None: ...


class PricingUnitOfWork(OrgUnitOfWork, Protocol):
    @property
    def price_schemes(self) -> PriceSchemeRepository: ...

    @property
    def quotes(self) -> QuoteRepository: ...

    @property
    def authority(self) -> AuthorityRepository: ...

    @property
    def part_policies(self) -> PartPolicyRepository: ...

    @property
    def part_approvals(self) -> PartApprovalRepository: ...
