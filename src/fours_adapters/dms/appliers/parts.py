"""Parts price records → the inventory context's parts catalogue (配件主数据), in bulk.

A price file is big (a manufacturer's whole catalogue, up to millions of rows), so this
applier works a batch at a time with SQL Core on the inventory tables: one select for the
batch's part numbers, then one multi-row insert for new parts and one executemany update
for changed ones. Every new part is still built as an inventory ``Part`` first, so the
catalogue's rules (part number, class code, prices ≥ 0 in whole fen) hold. Parts go to
the group-wide scope (``*``).

New parts need both prices (list = the file's retail price, cost = its dealer price);
a part the file does not classify gets the class ``UNCLASSIFIED``. For known parts the
file updates name and prices; a price the file leaves empty keeps the current one; a
name breaking the catalogue's name rule (control characters) is refused for known parts
too. A refusal names the field at fault (``name``, ``part_class`` or ``brand``).

Column batches (``arrow/part-prices``) take the set-wise path of
:mod:`fours_adapters.dms.appliers.parts_bulk`, with the same outcomes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from fours_adapters.dms.appliers.part_rules import GROUP, name_error, new_part
from fours_adapters.dms.appliers.parts_bulk import apply_part_price_batch
from fours_adapters.dms.binding import BindingContext
from fours_adapters.dms.columnar import PART_PRICES, ArrowBatch
from fours_adapters.sql.inventory import tables as inv
from fours_adapters.sql.uow import SqlUnitOfWork
from fours_domain.dms.ports import (
    Applied,
    BatchOutcome,
    Change,
    ColumnBatch,
    Located,
    Outcome,
    Rejection,
    SourceLocation,
)
from fours_domain.dms.records import PartPriceRecord, RecordKind
from fours_domain.inventory.model import MovementClass, Part
from fours_domain.shared.money import Money
from fours_domain.shared.time import DateTime

_UPDATE = (
    update(inv.parts)
    .where(
        inv.parts.c.scope_key == bindparam("k_scope"), inv.parts.c.number == bindparam("k_number")
    )
    .values(
        name=bindparam("v_name"),
        list_price=bindparam("v_list", type_=inv.parts.c.list_price.type),
        cost_price=bindparam("v_cost", type_=inv.parts.c.cost_price.type),
    )
)


@attrs.frozen
class CatalogueRow:
    """What a feed row says about one catalogue part (``None``: the row does not say)."""

    number: str
    name: str | None
    part_class: str | None
    supplier: str | None
    list_price: Money | None
    cost_price: Money | None


Refusal = tuple[str, str]
"""``(field, message)``: why a row cannot change the catalogue."""


def apply_to_catalogue(
    session: Session,
    rows: Sequence[CatalogueRow],
    *,
    price_fields: tuple[str, str] = ("retail_price", "dealer_price"),
    new_needs_prices: bool = True,
) -> list[Change | Refusal | None]:
    """Create or reprice the group catalogue's parts from ``rows``, a batch at a time: one
    select of the batch's part numbers, one multi-row insert, one executemany update.

    A new part needs a name and both prices (list, cost); without them it is refused
    (naming the missing price, in ``price_fields``' words) or, when not
    ``new_needs_prices``, left out (``None``: the row says too little to create one).
    A known part takes the row's name and prices, keeping those the row leaves empty.
    New parts are judged by the catalogue's rules (:func:`part_rules.new_part`), renames
    by the name rule. Never commits.
    """
    c = inv.parts.c
    numbers = {row.number for row in rows}
    current: dict[str, tuple[Any, Any, Any]] = {
        found.number: (found.name, found.list_price, found.cost_price)
        for found in session.execute(
            select(c.number, c.name, c.list_price, c.cost_price).where(
                c.scope_key == GROUP, c.number.in_(numbers)
            )
        )
    }
    inserts: list[dict[str, Any]] = []
    pending: dict[str, dict[str, Any]] = {}
    updates: dict[str, dict[str, Any]] = {}
    results: list[Change | Refusal | None] = []
    for row in rows:
        known = current.get(row.number)
        if known is None:
            created = _new(row, price_fields, new_needs_prices)
            if isinstance(created, dict):
                inserts.append(created)
                pending[row.number] = created
                current[row.number] = (
                    created["name"],
                    created["list_price"],
                    created["cost_price"],
                )
                results.append(Change.CREATED)
            else:
                results.append(created)
            continue
        if row.name is not None and (refused := name_error(row.name)) is not None:
            results.append(("name", refused))
            continue
        wanted = (
            row.name if row.name is not None else known[0],
            row.list_price if row.list_price is not None else known[1],
            row.cost_price if row.cost_price is not None else known[2],
        )
        if wanted == known:
            results.append(Change.UNCHANGED)
            continue
        current[row.number] = wanted
        if (staged := pending.get(row.number)) is not None:
            staged.update(name=wanted[0], list_price=wanted[1], cost_price=wanted[2])
        else:
            updates[row.number] = {
                "k_scope": GROUP,
                "k_number": row.number,
                "v_name": wanted[0],
                "v_list": wanted[1],
                "v_cost": wanted[2],
            }
        results.append(Change.UPDATED)
    if inserts:
        session.execute(insert(inv.parts), inserts)
    if updates:
        session.execute(_UPDATE, list(updates.values()))
    return results


def _new(
    row: CatalogueRow, price_fields: tuple[str, str], new_needs_prices: bool
) -> dict[str, Any] | Refusal | None:
    missing = [
        field
        for field, value in zip(price_fields, (row.list_price, row.cost_price), strict=True)
        if value is None
    ]
    if row.name is None or row.list_price is None or row.cost_price is None:
        if not new_needs_prices:
            return None
        return missing[0], f"new part {row.number} needs {' and '.join(missing)}"
    part = new_part(
        row.number, row.name, row.part_class, row.supplier, row.list_price, row.cost_price
    )
    if not isinstance(part, Part):
        return part
    return {
        "scope_key": part.scope_key,
        "number": part.number,
        "name": part.name,
        "part_class": part.part_class,
        "list_price": part.list_price,
        "cost_price": part.cost_price,
        "supplier": part.supplier,
        "fits": part.fits,
        "movement_class": MovementClass.FAST,
    }


class PartPriceApplier:
    kind = RecordKind.PART_PRICES
    batch_format = PART_PRICES

    def __init__(self, context: BindingContext) -> None:
        self.context = context

    def apply(
        self, uow: SqlUnitOfWork, batch: Sequence[Located], at: DateTime
    ) -> Sequence[Outcome]:
        records = [item.record for item in batch]
        rows = [
            CatalogueRow(
                r.part_number, r.name, r.part_class, r.brand, r.retail_price, r.dealer_price
            )
            for r in records
            if isinstance(r, PartPriceRecord)
        ]
        assert len(rows) == len(batch)
        outcomes: list[Outcome] = []
        for item, result in zip(batch, apply_to_catalogue(uow.session, rows), strict=True):
            if isinstance(result, Change):
                outcomes.append(Applied(item.record.key, result))
                continue
            assert result is not None
            field, message = result
            where = item.location
            outcomes.append(
                Rejection(
                    SourceLocation(where.document, where.line, where.path, field),
                    message,
                    raw=item.raw,
                    key=item.record.key,
                )
            )
        return outcomes

    def apply_batch(self, uow: SqlUnitOfWork, batch: ColumnBatch, at: DateTime) -> BatchOutcome:
        """The same outcomes as :meth:`apply` on the batch's rows, set-wise in SQL."""
        assert isinstance(batch, ArrowBatch) and batch.format == PART_PRICES
        return apply_part_price_batch(uow.session, batch)
