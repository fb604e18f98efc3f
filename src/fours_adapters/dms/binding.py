"""Which record kinds are bound to a fours context in this build, and how.

Each bound kind has a :class:`~fours_domain.dms.ports.RecordApplier` (writing
records into the owning context in the import's unit of work) and, for
exports, a record source. A kind without an applier can still be read and
checked (``fours dms import --check``) but not applied: no placeholder stores
it anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import attrs

from fours_domain.dms.ports import RecordApplier
from fours_domain.dms.records import Record, RecordKind

RecordSource = Callable[[Any, "BindingContext"], Iterator[Record]]
"""Reads a kind's records out of the contexts, given an open unit of work and the context."""


@attrs.frozen
class StockAdjustmentOptions:
    """``--adjust-stock``: post a parts inventory's differences as a stocktake of
    ``warehouse_code`` (the store's only parts warehouse when None); ``default_bin``
    takes parts the warehouse holds in no bin yet (ADR 0061)."""

    warehouse_code: str | None = None
    default_bin: str | None = None


@attrs.frozen
class BindingContext:
    """What appliers need to know about the import they serve.

    ``source`` names the feed in the contexts' histories (e.g. ``star``);
    ``dealers`` maps manufacturer dealer codes to store ids (``[dealers]`` in
    ``dms.toml``); ``default_store`` (the CLI's ``--store``) takes records whose
    dealer code is not mapped.
    """

    source: str
    dealers: Mapping[str, str] = attrs.field(factory=dict)
    default_store: str | None = None
    stock_adjustment: StockAdjustmentOptions | None = None

    def store_for(self, dealer_code: str | None) -> str | None:
        if dealer_code is not None and dealer_code in self.dealers:
            return self.dealers[dealer_code]
        return self.default_store


def bound_appliers(context: BindingContext | None = None) -> dict[RecordKind, RecordApplier[Any]]:
    """Appliers of the contexts this build has (see docs/dms-adapters.md, "Bound kinds")."""
    from fours_adapters.dms.appliers.parts import PartPriceApplier
    from fours_adapters.dms.appliers.pricing import PriceListApplier
    from fours_adapters.dms.appliers.stock import StockPositionApplier
    from fours_adapters.dms.appliers.vehicles import (
        VehicleInventoryApplier,
        VehicleOrderStatusApplier,
    )

    context = context or BindingContext("dms")
    appliers: dict[RecordKind, RecordApplier[Any]] = {
        RecordKind.VEHICLE_INVENTORY: VehicleInventoryApplier(context),
        RecordKind.VEHICLE_ORDER_STATUS: VehicleOrderStatusApplier(context),
        RecordKind.PRICE_LIST: PriceListApplier(context),
        RecordKind.PART_PRICES: PartPriceApplier(context),
        RecordKind.PARTS_INVENTORY: StockPositionApplier(context),
    }
    return appliers


#: Kinds bound to a context as a report rather than record by record: a rebate statement
#: is reconciled whole by the rebates context (``fours_domain.dms.reconcile``).
BOUND_AS_REPORT: dict[RecordKind, str] = {
    RecordKind.REBATE_STATEMENT: "reconciliation against the rebates context's accruals",
}


def bound_kinds(context: BindingContext | None = None) -> list[RecordKind]:
    """Every kind this build can apply (record by record, or as a report)."""
    return sorted({*bound_appliers(context), *BOUND_AS_REPORT}, key=lambda k: k.value)


def bound_sources() -> dict[RecordKind, RecordSource]:
    """Record sources for ``fours dms export`` from the contexts this build has."""
    from fours_adapters.dms.appliers.vehicles import vehicle_stock_records

    sources: dict[RecordKind, RecordSource] = {
        RecordKind.VEHICLE_INVENTORY: vehicle_stock_records,
    }
    return sources
