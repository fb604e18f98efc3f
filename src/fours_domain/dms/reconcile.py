"""Manufacturer rebate statements (返利结算单) → the rebates context's reconciliation.

A statement is not applied record by record: the rebates context compares the
whole statement with its accruals for a period, car by car
(:func:`fours_domain.rebates.services.reconcile_statement`), and changes
nothing. So this binding reads the document through any feed (streaming, with
located rejections), hands the valid lines to the reconciliation in one call,
and returns the report. Running it again gives the same report: it is
idempotent by nature and is not journaled.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs
from returns.result import Failure, Result, Success

from fours_domain.dms.ports import (
    Document,
    FeedWarning,
    InboundFeed,
    KindNotSupported,
    Located,
    Rejection,
    RejectSink,
    SourceLocation,
)
from fours_domain.dms.records import RebateStatementLine, RecordKind
from fours_domain.rebates.model import policy_id
from fours_domain.rebates.reconciliation import Reconciliation, StatementLine
from fours_domain.rebates.services import (
    RebatesOrgUnitOfWork,
    ReconcileStatement,
    reconcile_statement,
)
from fours_domain.shared.errors import DomainError
from fours_domain.shared.ids import StoreId

KIND = RecordKind.REBATE_STATEMENT


@attrs.frozen
class ReconcileDocument:
    """Command: reconcile the statement in ``document`` for ``period`` (e.g. ``2026-Q3``).

    ``dealers`` maps the statement's dealer codes to store ids; ``store_id``
    limits the reconciliation to one store.
    """

    document: Document
    period: str
    dealers: Mapping[str, str] = attrs.field(factory=dict)
    store_id: str | None = None
    strict: bool = False


@attrs.frozen
class StatementReconciliation:
    report: Reconciliation
    lines_read: int
    rejected: int
    warnings: int


def reconcile_statement_document(
    uow: RebatesOrgUnitOfWork, feed: InboundFeed, cmd: ReconcileDocument, rejects: RejectSink
) -> Result[StatementReconciliation, DomainError]:
    """Read a rebate statement with ``feed`` and reconcile it with our accruals."""
    if KIND not in feed.reads():
        return Failure(KindNotSupported(feed.name, KIND, feed.reads()))
    lines: list[StatementLine] = []
    rejected = warnings = 0
    try:
        for item in feed.read(cmd.document, KIND, strict=cmd.strict):
            if isinstance(item, FeedWarning):
                warnings += 1
                rejects.warn(item)
                continue
            if isinstance(item, Rejection):
                rejected += 1
                rejects.reject(item)
                continue
            line = _statement_line(item, cmd.dealers)
            if isinstance(line, Rejection):
                rejected += 1
                rejects.reject(line)
            else:
                lines.append(line)
    except DomainError as error:
        return Failure(error)
    result = reconcile_statement(uow, ReconcileStatement(cmd.period, tuple(lines), cmd.store_id))
    match result:
        case Success(report):
            return Success(
                StatementReconciliation(report, len(lines) + rejected, rejected, warnings)
            )
        case Failure(error):
            return Failure(error)
    raise AssertionError("unreachable")


def _statement_line(item: Located, dealers: Mapping[str, str]) -> StatementLine | Rejection:
    record = item.record
    assert isinstance(record, RebateStatementLine)
    where = item.location
    if record.vin is None:
        return Rejection(
            SourceLocation(where.document, where.line, where.path, "vin"),
            "car-by-car reconciliation needs the VIN of every statement line",
            raw=item.raw,
            key=record.key,
        )
    try:
        policy = policy_id(record.policy_code)
    except DomainError as error:
        return Rejection(
            SourceLocation(where.document, where.line, where.path, "policy_code"),
            error.message,
            raw=item.raw,
            key=record.key,
        )
    store = dealers.get(record.dealer_code) if record.dealer_code else None
    return StatementLine(
        vin=record.vin.value,
        policy_id=policy,
        amount=record.amount,
        store_id=StoreId(store) if store else None,
        note=f"{record.statement_id}/{record.line_id}",
    )
