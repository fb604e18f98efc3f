"""The canonical manufacturer rebate statement CSV (对账单标准格式).

UTF-8 (a BOM is tolerated), comma-separated, one header row. Columns, by name
(order free, names case-insensitive):

=========== ======== ==================================================
column      required meaning
=========== ======== ==================================================
vin         yes      the car's VIN (17 characters)
policy_id   yes      our policy id (the manufacturer's policy code)
amount      yes      yuan, tax as the manufacturer states it; negative
                     for a claw-back; ``,`` thousands separators allowed
store_id    no       the store the line was paid to
note        no       free text from the manufacturer
=========== ======== ==================================================

Per-manufacturer formats map onto :class:`StatementLine` the same way and
call :func:`fours_domain.rebates.services.reconcile_statement`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable

from returns.result import Failure, Result, Success

from fours_domain.rebates.model import policy_id
from fours_domain.rebates.reconciliation import StatementLine
from fours_domain.shared.errors import DomainError, InvariantViolation
from fours_domain.shared.ids import StoreId
from fours_domain.shared.money import parse_amount

REQUIRED = ("vin", "policy_id", "amount")


class StatementFormatError(InvariantViolation):
    code = "statement_format"


def parse_statement_csv(lines: Iterable[str]) -> Result[tuple[StatementLine, ...], DomainError]:
    """Statement lines from the canonical CSV; the first bad row is named by its number."""
    reader = csv.DictReader(line.lstrip("\ufeff") for line in lines)
    header = [(name or "").strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        return Failure(StatementFormatError(f"statement CSV lacks column(s): {', '.join(missing)}"))
    reader.fieldnames = header
    parsed = []
    for number, row in enumerate(reader, start=2):
        try:
            amount = parse_amount(row["amount"] or "")
            store = (row.get("store_id") or "").strip().upper()
            parsed.append(
                StatementLine(
                    vin=(row["vin"] or "").strip().upper(),
                    policy_id=policy_id(row["policy_id"] or ""),
                    amount=amount,
                    store_id=StoreId(store) if store else None,
                    note=(row.get("note") or "").strip(),
                )
            )
        except DomainError as error:
            return Failure(StatementFormatError(f"statement CSV row {number}: {error.message}"))
    return Success(tuple(parsed))
