"""Price list records → price schemes (pricing context).

Each line becomes a group-wide :class:`~fours_domain.pricing.model.PriceScheme` added
through the pricing context's own ``add_price_scheme`` (tie detection included), inside
the import's single transaction (savepoints). The scheme id is derived from the record
key, so a re-sent list finds its schemes: identical → unchanged. A corrected price for
the same spec, kind and start supersedes the scheme without editing it (schemes are
immutable: quotes cite them): a correction scheme ``<id>-C2`` (``-C3``…) with the same
window, one priority higher and a name recording what it corrects, so resolution picks
it and explains why the original lost (ADR 0065). Invoice prices (开票价) are the
dealer's cost, not a selling price: valid lines, ``ignored`` by this binding.
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
from fours_domain.pricing.model import ConflictingScheme, PriceKind, PriceScheme, SchemeId
from fours_domain.pricing.services import AddPriceScheme, add_price_scheme
from fours_domain.shared.errors import AlreadyExists, DomainError
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
            if kind is None:  # an invoice price: the dealer's cost, not a selling price
                outcomes.append(Applied(record.key, Change.IGNORED))
                continue
            scheme_id = scheme_id_for(record)
            latest, corrections = _latest(uow, scheme_id)
            if latest is not None and latest.price == record.amount:
                outcomes.append(Applied(record.key, Change.UNCHANGED))
                continue
            spec = record.spec
            name = f"{self.context.source}: {kind.value} {spec}"
            priority = 0
            if latest is not None:
                was, now = latest.price.amount, record.amount.amount
                name += f" (corrects {latest.id}: {was:.2f} → {now:.2f})"
                priority = latest.priority + 1
                scheme_id = f"{scheme_id}-C{corrections + 2}"
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
                    priority=priority,
                    starts=record.valid_from.isoformat(),
                    ends=record.valid_until.add(days=1).isoformat() if record.valid_until else None,
                    name=name[:200],
                    scheme_id=scheme_id,
                ),
                clock,
                ids,
            )
            match result:
                case Success(_):
                    change = Change.CREATED if latest is None else Change.UPDATED
                    outcomes.append(Applied(record.key, change))
                case Failure(error):
                    outcomes.append(
                        Rejection(
                            SourceLocation(where.document, where.line, where.path, _field(error)),
                            error.message,
                            raw=item.raw,
                            key=record.key,
                        )
                    )
        return outcomes


def _latest(uow: SqlUnitOfWork, scheme_id: str) -> tuple[PriceScheme | None, int]:
    """The scheme a line's id names, or its latest correction; and how many corrections."""
    latest = uow.price_schemes.get(SchemeId(scheme_id))
    corrections = 0
    while latest is not None:
        following = uow.price_schemes.get(SchemeId(f"{scheme_id}-C{corrections + 2}"))
        if following is None:
            break
        latest = following
        corrections += 1
    return latest, corrections


def _field(error: DomainError) -> str:
    """The price list field a refusal of the pricing context is about."""
    if isinstance(error, ConflictingScheme | AlreadyExists):
        return "valid_from"  # another scheme of the same target and kind overlaps this window
    named = error.details.get("field")
    return named if isinstance(named, str) else "amount"
