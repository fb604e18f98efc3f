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

from sqlalchemy import bindparam, insert, select, update

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


class PartPriceApplier:
    kind = RecordKind.PART_PRICES
    batch_format = PART_PRICES

    def __init__(self, context: BindingContext) -> None:
        self.context = context

    def apply(
        self, uow: SqlUnitOfWork, batch: Sequence[Located], at: DateTime
    ) -> Sequence[Outcome]:
        session = uow.session
        c = inv.parts.c
        numbers = {
            item.record.part_number for item in batch if isinstance(item.record, PartPriceRecord)
        }
        current: dict[str, tuple[Any, Any, Any]] = {
            row.number: (row.name, row.list_price, row.cost_price)
            for row in session.execute(
                select(c.number, c.name, c.list_price, c.cost_price).where(
                    c.scope_key == GROUP, c.number.in_(numbers)
                )
            )
        }
        inserts: list[dict[str, Any]] = []
        pending: dict[str, dict[str, Any]] = {}
        updates: dict[str, dict[str, Any]] = {}
        outcomes: list[Outcome] = []
        for item in batch:
            record = item.record
            assert isinstance(record, PartPriceRecord)
            known = current.get(record.part_number)
            if known is None:
                outcome = self._new(record, item, inserts)
                if isinstance(outcome, Applied):
                    pending[record.part_number] = inserts[-1]
                    current[record.part_number] = (
                        inserts[-1]["name"],
                        inserts[-1]["list_price"],
                        inserts[-1]["cost_price"],
                    )
                outcomes.append(outcome)
                continue
            refused = name_error(record.name)
            if refused is not None:
                where = item.location
                outcomes.append(
                    Rejection(
                        SourceLocation(where.document, where.line, where.path, "name"),
                        refused,
                        raw=item.raw,
                        key=record.key,
                    )
                )
                continue
            wanted = (
                record.name,
                record.retail_price if record.retail_price is not None else known[1],
                record.dealer_price if record.dealer_price is not None else known[2],
            )
            if wanted == known:
                outcomes.append(Applied(record.key, Change.UNCHANGED))
                continue
            current[record.part_number] = wanted
            row = pending.get(record.part_number)
            if row is not None:
                row.update(name=wanted[0], list_price=wanted[1], cost_price=wanted[2])
            else:
                updates[record.part_number] = {
                    "k_scope": GROUP,
                    "k_number": record.part_number,
                    "v_name": wanted[0],
                    "v_list": wanted[1],
                    "v_cost": wanted[2],
                }
            outcomes.append(Applied(record.key, Change.UPDATED))
        if inserts:
            session.execute(insert(inv.parts), inserts)
        if updates:
            session.execute(_UPDATE, list(updates.values()))
        return outcomes

    def apply_batch(self, uow: SqlUnitOfWork, batch: ColumnBatch, at: DateTime) -> BatchOutcome:
        """The same outcomes as :meth:`apply` on the batch's rows, set-wise in SQL."""
        assert isinstance(batch, ArrowBatch) and batch.format == PART_PRICES
        return apply_part_price_batch(uow.session, batch)

    def _new(
        self, record: PartPriceRecord, item: Located, inserts: list[dict[str, Any]]
    ) -> Outcome:
        where = item.location
        missing = [
            field
            for field, value in (
                ("retail_price", record.retail_price),
                ("dealer_price", record.dealer_price),
            )
            if value is None
        ]
        if missing or record.retail_price is None or record.dealer_price is None:
            return Rejection(
                SourceLocation(where.document, where.line, where.path, missing[0]),
                f"new part {record.part_number} needs {' and '.join(missing)}",
                raw=item.raw,
                key=record.key,
            )
        part = new_part(
            record.part_number,
            record.name,
            record.part_class,
            record.brand,
            record.retail_price,
            record.dealer_price,
        )
        if not isinstance(part, Part):
            field, message = part
            return Rejection(
                SourceLocation(where.document, where.line, where.path, field),
                message,
                raw=item.raw,
                key=record.key,
            )
        inserts.append(
            {
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
        )
        return Applied(record.key, Change.CREATED)
