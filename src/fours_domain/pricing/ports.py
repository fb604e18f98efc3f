"""Ports of the pricing context."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from fours_domain.org.ports import OrgUnitOfWork
from fours_domain.pricing.authority import AuthorityRule, RoleCode, Subject
from fours_domain.pricing.model import PriceKind, PriceScheme, SchemeId, StorePlace
from fours_domain.pricing.parts import (
    PartApprovalId,
    PartDiscountPolicy,
    PartListPrices,
    PartPriceApproval,
    PartPriceGrant,
)
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

    def serialise(self, scheme: PriceScheme) -> None:
        """Hold, until the unit of work ends, a lock that serialises adding schemes of
        ``scheme``'s kind, scope and target and of its id — so the tie check and the id
        check that follow cannot race another writer (ADR 0037)."""
        ...

    def set_end(self, scheme: PriceScheme) -> None:
        """Store the end a scheme was given (:meth:`PriceScheme.end`): its window's end,
        when it was recorded and why. Nothing else of a scheme ever changes."""
        ...

    def list(
        self,
        *,
        brand: BrandCode | None = None,
        kind: PriceKind | None = None,
        scope: str | None = None,
        limit: int = 1000,
    ) -> Sequence[PriceScheme]:
        """Schemes ordered by id, at most ``limit`` (≥ 1)."""
        ...

    def count(
        self,
        *,
        brand: BrandCode | None = None,
        kind: PriceKind | None = None,
        scope: str | None = None,
    ) -> int:
        """How many schemes :meth:`list` would return without a limit."""
        ...


class QuoteRepository(Protocol):
    def get(self, store_id: StoreId, quote_id: QuoteId, *, lock: bool = False) -> Quote | None:
        """The quote; with ``lock`` its row stays locked until the unit of work ends, so
        a concurrent change waits for this one (services that change a quote lock it)."""
        ...

    def save(self, quote: Quote) -> None:
        """Insert a new quote, or replace the whole of one read through :meth:`get` —
        only if nobody changed it since, and never a stored accepted (frozen) quote:
        otherwise raise :class:`~fours_domain.pricing.quotes.ConcurrentQuoteChange`
        and write nothing (ADR 0037)."""
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


class PartGrantRepository(Protocol):
    """Counter prices granted below the policy price (store-owned), for audit."""

    def add(self, grant: PartPriceGrant) -> None: ...

    def list(
        self, store_id: StoreId, *, quote_id: str | None = None, limit: int = 200
    ) -> Sequence[PartPriceGrant]:
        """The store's grants, newest first (only those of one quote with ``quote_id``)."""
        ...


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

    @property
    def part_grants(self) -> PartGrantRepository: ...

    @property
    def part_list_prices(self) -> PartListPrices:
        """The parts catalogue, read in this unit of work's transaction."""
        ...
