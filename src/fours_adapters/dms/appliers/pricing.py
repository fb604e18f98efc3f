"""Price list records → price schemes (pricing context).

Each line becomes a group-wide :class:`~fours_domain.pricing.model.PriceScheme` added
through the pricing context's own ``add_price_scheme`` (tie detection included), inside
the import's single transaction (savepoints). The scheme id is derived from the record
key, so a re-sent list finds its schemes: identical → unchanged; a changed price for the
same spec and window is refused with the reason (schemes are not edited in place by a
feed; the price team ends the old one and adds the new).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from returns.result import Failure, Success

from fours_adapters.dms.binding import BindingContext
from fours_adapters.sql.dms.nested import SavepointUnitOfWork
from fours_adapters.sql.uow import SqlUnitOfWork
from fours_domain.dms.ports import Applied, Change, Located, Outcome, Rejection, SourceLocation
from fours_domain.dms.records import PriceKind as FeedPriceKind
from fours_domain.dms.records import PriceListRecord, RecordKind
from fours_domain.pricing.model import PriceKind, SchemeId
from fours_domain.pricing.services import AddPriceScheme, add_price_scheme
from fours_domain.shared.ids import SequentialIdSource
from fours_domain.shared.time import DateTime, FixedClock

_KINDS = {FeedPriceKind.MSRP: PriceKind.MSRP, FeedPriceKind.FLOOR: PriceKind.FLOOR}


def scheme_id_for(record: PriceListRecord) -> str:
    """A stable scheme id for a price list line (``DMS-`` + 16 hex of its key)."""
    return "DMS-" + hashlib.sha256(record.key.encode()).hexdigest()[:16].upper()


class PriceListApplier:
    kind = RecordKind.PRICE_LIST

    def __init__(self, context: BindingContext) -> None:
        self.context = context

    def apply(
        self, uow: SqlUnitOfWork, batch: Sequence[Located], at: DateTime
    ) -> Sequence[Outcome]:
        nested = SavepointUnitOfWork(uow)
        clock = FixedClock(at)
        ids = SequentialIdSource("dms")
        outcomes: list[Outcome] = []
        for item in batch:
            record = item.record
            assert isinstance(record, PriceListRecord)
            kind = _KINDS.get(record.kind)
            where = item.location
            if kind is None:
                outcomes.append(
                    Rejection(
                        SourceLocation(where.document, where.line, where.path, "kind"),
                        f"{record.kind.value} prices are costs, not price schemes: not applied",
                        raw=item.raw,
                        key=record.key,
                    )
                )
                continue
            scheme_id = scheme_id_for(record)
            existing = uow.price_schemes.get(SchemeId(scheme_id))
            if existing is not None:
                if existing.price == record.amount:
                    outcomes.append(Applied(record.key, Change.UNCHANGED))
                else:
                    outcomes.append(
                        Rejection(
                            SourceLocation(where.document, where.line, where.path, "amount"),
                            f"price scheme {scheme_id} for {record.spec} from {record.valid_from} "
                            f"exists at {existing.price.amount}; a feed does not change it to "
                            f"{record.amount.amount}",
                            raw=item.raw,
                            key=record.key,
                        )
                    )
                continue
            spec = record.spec
            result = add_price_scheme(
                nested,
                AddPriceScheme(
                    kind=kind,
                    scope="group",
                    brand=spec.brand,
                    model=spec.model,
                    trim=spec.trim,
                    colour=spec.colour,
                    interior=spec.interior,
                    price=record.amount,
                    starts=record.valid_from.isoformat(),
                    ends=record.valid_until.add(days=1).isoformat() if record.valid_until else None,
                    name=f"{self.context.source}: {kind.value} {spec}",
                    scheme_id=scheme_id,
                ),
                clock,
                ids,
            )
            match result:
                case Success(_):
                    outcomes.append(Applied(record.key, Change.CREATED))
                case Failure(error):
                    outcomes.append(
                        Rejection(
                            SourceLocation(where.document, where.line, where.path, None),
                            error.message,
                            raw=item.raw,
                            key=record.key,
                        )
                    )
        return outcomes
