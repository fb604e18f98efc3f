"""Column batches on Apache Arrow: the bulk path between a feed and an applier.

A million-row parts price file read record by record spends most of its time
building Python objects (a record, two ``Money``, a location, an outcome per
row). On the bulk path the CSV feed hands the applier Arrow record batches
instead (:class:`ArrowBatch`), whose columns hold exactly the values the
record path's records would hold, and the SQL applier writes them set-wise
(``COPY`` into a staging table on PostgreSQL, ``executemany`` on SQLite).

Layouts (``ArrowBatch.format``) and their schemas:

``arrow/part-prices`` — :data:`PART_PRICE_SCHEMA`, one row per valid
:class:`~fours_domain.dms.records.PartPriceRecord`: ``part_number`` normalised
as the record's, text fields stripped (absent = null), prices in integer fen.

See ADR 0058.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import attrs
import pendulum
import pyarrow as pa

from fours_domain.dms.ports import ColumnBatch, Located, Rejection, SourceLocation
from fours_domain.dms.records import PartPriceRecord
from fours_domain.shared.money import money_of_fen
from fours_domain.shared.time import Date

PART_PRICES = "arrow/part-prices"
"""The layout of part price batches."""

_PART_PRICE_COLUMNS: list[tuple[str, pa.DataType]] = [
    ("line", pa.int64()),
    ("part_number", pa.string()),
    ("name", pa.string()),
    ("brand", pa.string()),
    ("retail_fen", pa.int64()),
    ("dealer_fen", pa.int64()),
    ("unit", pa.string()),
    ("effective_from", pa.date32()),
    ("part_class", pa.string()),
]
PART_PRICE_SCHEMA = pa.schema(_PART_PRICE_COLUMNS)
"""``line``, ``part_number`` and ``name`` are never null. ``line`` is the line the record
path reports for the row (``Located.location.line``)."""


@attrs.frozen
class ArrowBatch:
    """Valid rows of one kind as an Arrow record batch (a :class:`ColumnBatch`)."""

    format: str
    document: str
    rows: pa.RecordBatch
    source_row: Callable[[int], str] = attrs.field(repr=False)
    """The ``i``-th row as the document had it (CSV text), for reject files."""

    def __len__(self) -> int:
        return self.rows.num_rows

    def line(self, index: int) -> int:
        value = self.rows.column("line")[index].as_py()
        assert isinstance(value, int)
        return value

    def location(self, index: int, field: str | None = None) -> SourceLocation:
        return SourceLocation(self.document, self.line(index), field=field)

    def rejection(self, index: int, field: str | None, reason: str, key: str) -> Rejection:
        """Row ``index`` refused, located and with its source text, as the record path would."""
        return Rejection(self.location(index, field), reason, raw=self.source_row(index), key=key)


def part_price_records(batch: ArrowBatch) -> Iterator[Located]:
    """The batch's rows as the record path's located records (tests, fallbacks)."""
    assert batch.format == PART_PRICES
    for index, row in enumerate(batch.rows.to_pylist()):
        record = PartPriceRecord(
            part_number=row["part_number"],
            name=row["name"],
            brand=row["brand"],
            retail_price=None if row["retail_fen"] is None else money_of_fen(row["retail_fen"]),
            dealer_price=None if row["dealer_fen"] is None else money_of_fen(row["dealer_fen"]),
            unit=row["unit"],
            effective_from=_date(row["effective_from"]),
            part_class=row["part_class"],
        )
        yield Located(record, batch.location(index), batch.source_row(index))


def _date(value: dt.date | None) -> Date | None:
    return None if value is None else pendulum.Date(value.year, value.month, value.day)


BATCH_EXPANDERS: dict[str, Callable[[ColumnBatch], Iterator[Located]]] = {
    PART_PRICES: lambda batch: part_price_records(_arrow(batch)),
}
"""Layout → how to expand one of its batches into located records (conformance kit)."""


def _arrow(batch: ColumnBatch) -> ArrowBatch:
    assert isinstance(batch, ArrowBatch), f"not an Arrow batch: {batch!r}"
    return batch
