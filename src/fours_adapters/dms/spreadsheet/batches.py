"""Parts price CSVs as Arrow column batches: the bulk path of ``CsvFeed`` (ADR 0058).

Arrow's streaming CSV reader parses a block of rows at a time in C++, every cell as
text. Vectorised checks then *accept* the rows whose values are plainly valid (an
ASCII part number, a name, prices like ``1299.50``, dates like ``2026-11-25``) and
convert them column-wise. Every other row — ``¥1,299.50``, ``2026年11月25日``, a bad
part number — goes through the record path's own code (:func:`.feed.row_items`), so
a row is judged exactly as ``CsvFeed.read`` judges it: the fast checks only accept,
and only what the record path accepts, with the same values.

Lines are ``csv.reader.line_num``'s (the physical line a row ends on): each row
counts one line plus the line breaks inside its quoted cells, and rows Arrow finds
of the wrong width are reported (with their physical row number) by the invalid
row handler, re-parsed by ``csv`` and counted in place.

Where Arrow and ``csv`` might read the document differently (a header over several
lines, a cell beyond ``csv.field_size_limit()``, a row ``csv`` splits otherwise, any
Arrow error) the rest of the document is read by the record path and its records
packed into batches (:func:`records_as_batches`): slower, never different, and a
document is refused exactly where ``read`` refuses it.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import reduce
from typing import Any, Literal, TypeAlias

import attrs
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from fours_adapters.dms.columnar import PART_PRICE_SCHEMA, PART_PRICES, ArrowBatch
from fours_adapters.dms.spreadsheet.feed import (
    RowBuilder,
    csv_line,
    first_row,
    header_layout,
    row_items,
    width_rejection,
)
from fours_adapters.dms.spreadsheet.mapping import KindMapping
from fours_domain.dms.ports import (
    Document,
    FeedItem,
    FeedWarning,
    Located,
    Rejection,
)
from fours_domain.dms.records import PartPriceRecord, text_widths
from fours_domain.shared.money import MAX_AMOUNT, fen_of

_Array: TypeAlias = Any
"""An Arrow array: pyarrow-stubs' compute overloads do not take the ``Array[Any]`` a
record batch's columns are, so the arrays here go untyped."""

BLOCK_SIZE = 1 << 20
"""Bytes of CSV per Arrow block (≈ 18,000 parts price rows): peak memory grows with it —
a million-row import peaked at 211 MB with 1 MiB, 249 MB with 2 MiB, 287 MB with 4 MiB —
while throughput barely moves (docs/benchmarks.md)."""

RECORD_BATCH_ROWS = 10_000
"""Rows per batch when records of the record path are packed into batches."""

PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""Every character ``str.strip()`` removes (``isspace()``): Arrow trims exactly these."""

_PART_NUMBER = r"^[A-Za-z0-9][A-Za-z0-9.\-_/ ]{0,39}$"
"""``catalogue._PART_NUMBER`` before upper-casing, ASCII only (so upper-casing is exact)."""
_AMOUNT = rf"^[0-9]{{1,{len(str(int(MAX_AMOUNT)))}}}(?:\.[0-9]{{1,2}})?$"
"""Plain amounts up to ``MAX_AMOUNT`` (¥9,999,999,999.99: ten integer digits); longer ones
are left to the record path, which rejects them."""
_DATE = r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}$"
_OPTIONAL_TEXT = ("brand", "unit", "part_class")
_PRICES = ("retail_price", "dealer_price")
_FEN = {"retail_price": "retail_fen", "dealer_price": "dealer_fen"}
_WIDTHS = text_widths(PartPriceRecord)


class _Diverged(Exception):
    """Arrow's reading of the document may differ from ``csv``'s: the record path takes over."""


@attrs.frozen
class _Invalid:
    """A row of the wrong width as Arrow reported it: its place among the batch's rows."""

    index: int
    text: str


def read_part_price_batches(
    document: Document,
    encoding: str,
    delimiter: str,
    mapping: KindMapping,
    build: RowBuilder,
    records: Callable[[], Iterator[FeedItem]],
) -> Iterator[ArrowBatch | Rejection | FeedWarning]:
    """The document's part price rows as :data:`PART_PRICES` batches, rejections and warnings.

    ``encoding`` is the one the feed sniffed; ``records`` reads the document by the
    record path (the hand-over when Arrow cannot be trusted with the rest).
    """
    with document.open() as stream:
        text = io.TextIOWrapper(stream, encoding=encoding, newline="")
        reader = csv.reader(text, delimiter=delimiter)
        fields, width = header_layout(document.name, first_row(document.name, reader), mapping)
        header_lines = reader.line_num
    if header_lines != 1 or width == 0 or delimiter in '"\r\n':
        yield from records_as_batches(document.name, records(), after=0)
        return
    blocks = _Blocks(document.name, delimiter, width, fields, mapping, build)
    with document.open() as stream:
        try:
            arrow = _open_csv(stream, encoding, delimiter, width, BLOCK_SIZE, blocks.on_invalid)
        except pa.ArrowException:
            arrow = None
        while arrow is not None:
            try:
                batch = arrow.read_next_batch()
            except StopIteration:
                batch = None
            except pa.ArrowException:
                break
            try:
                done = blocks.take(batch)
            except (_Diverged, pa.ArrowException):
                break
            yield from done
            if batch is None:
                return
    yield from records_as_batches(document.name, records(), after=blocks.done_line)


def _open_csv(
    stream: Any,
    encoding: str,
    delimiter: str,
    width: int,
    block_size: int,
    on_invalid: Callable[[pcsv.InvalidRow], Literal["skip"]],
) -> pcsv.CSVStreamingReader:
    """Every cell as text (``""`` → null, ``NA`` stays text), the header skipped, one thread
    (invalid rows come numbered and in order)."""
    names = [f"c{i}" for i in range(width)]
    return pcsv.open_csv(
        stream,
        read_options=pcsv.ReadOptions(
            use_threads=False,
            block_size=block_size,
            skip_rows=1,
            column_names=names,
            encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding,
        ),
        parse_options=pcsv.ParseOptions(
            delimiter=delimiter,
            newlines_in_values=True,
            ignore_empty_lines=False,
            invalid_row_handler=on_invalid,
        ),
        convert_options=pcsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )


class _Blocks:
    """Turns Arrow's record batches, one after the other, into feed items."""

    def __init__(
        self,
        name: str,
        delimiter: str,
        width: int,
        fields: Mapping[str, int],
        mapping: KindMapping,
        build: RowBuilder,
    ) -> None:
        self.name = name
        self.delimiter = delimiter
        self.width = width
        self.fields = fields
        self.mapping = mapping
        self.build = build
        self.invalid: collections.deque[tuple[int, str]] = collections.deque()
        self.next_row = 2
        """Arrow's physical row number of the next row (the header is row 1)."""
        self.done_line = 1
        """Every item up to this line has been handed out, none after it."""

    def on_invalid(self, row: pcsv.InvalidRow) -> Literal["skip"]:
        if row.number is None:
            self.invalid.append((-1, row.text))
        else:
            self.invalid.append((row.number, row.text))
        return "skip"

    def take(self, batch: pa.RecordBatch | None) -> list[ArrowBatch | Rejection | FeedWarning]:
        """The items of ``batch`` (None: the end of the document), rejections first."""
        before = (self.next_row, self.done_line)
        try:
            return self._take(batch)
        except (_Diverged, pa.ArrowException):
            self.next_row, self.done_line = before
            raise

    def _take(self, batch: pa.RecordBatch | None) -> list[ArrowBatch | Rejection | FeedWarning]:
        n = 0 if batch is None else batch.num_rows
        invalid = self._invalid_rows(n, final=batch is None)
        if batch is None or n == 0:
            ends, invalid_ends = self._lines([], None, invalid)
            return list(self._invalid_items(invalid, invalid_ends))
        cells: list[_Array] = [batch.column(i) for i in range(self.width)]
        limit = csv.field_size_limit()
        for column in cells:
            if _longest(column, chars=False) > limit and _longest(column, chars=True) > limit:
                raise _Diverged
        ends, invalid_ends = self._lines(cells, n, invalid)
        items: list[tuple[int, Rejection | FeedWarning]] = []
        items.extend((r.location.line or 0, r) for r in self._invalid_items(invalid, invalid_ends))
        rows, more = self._rows(cells, ends)
        items.extend(more)
        items.sort(key=lambda pair: pair[0])
        out: list[ArrowBatch | Rejection | FeedWarning] = [item for _, item in items]
        if rows is not None:
            out.append(rows)
        return out

    # ------------------------------------------------------------------ lines

    def _invalid_rows(self, n: int, *, final: bool) -> list[_Invalid]:
        """The reported wrong-width rows that sit among (or right after) the batch's ``n`` rows."""
        taken: list[_Invalid] = []
        while self.invalid:
            number, text = self.invalid[0]
            index = number - self.next_row - len(taken)
            if index < 0 or (final and index > n):
                raise _Diverged
            if index > n:
                break
            taken.append(_Invalid(index, text))
            self.invalid.popleft()
        self.next_row += n + len(taken)
        return taken

    def _lines(
        self, cells: list[_Array], n: int | None, invalid: list[_Invalid]
    ) -> tuple[_Array, list[int]]:
        """The line each row ends on, and each wrong-width row's, as ``csv.reader`` counts."""
        rows = n or 0
        breaks: _Array | None = None
        for column in cells:
            found = _line_breaks(column)
            if found is not None:
                breaks = found if breaks is None else pc.add(breaks, found)
        base = self.done_line
        if breaks is None and not invalid:
            self.done_line = base + rows
            ones = pa.repeat(pa.scalar(1, pa.int64()), rows)
            return pc.add(pc.cumulative_sum(ones), base), []
        extra = [0] * rows if breaks is None else breaks.to_pylist()
        ends: list[int] = []
        invalid_ends: list[int] = []
        line = base
        pending = iter(invalid)
        following = next(pending, None)
        for index in range(rows + 1):
            while following is not None and following.index == index:
                line += 1 + following.text.count("\n")
                invalid_ends.append(line)
                following = next(pending, None)
            if index < rows:
                line += 1 + (extra[index] or 0)
                ends.append(line)
        self.done_line = line
        return pa.array(ends, pa.int64()), invalid_ends

    def _invalid_items(self, invalid: list[_Invalid], ends: list[int]) -> Iterator[Rejection]:
        """Wrong-width rows re-read by ``csv``: rejected as the record path rejects them."""
        for row, line in zip(invalid, ends, strict=True):
            if "\r" in row.text:
                raise _Diverged
            try:
                parsed = list(
                    csv.reader(io.StringIO(row.text, newline=""), delimiter=self.delimiter)
                )
            except csv.Error:
                raise _Diverged from None
            if not parsed:
                continue
            if len(parsed) != 1 or len(parsed[0]) == self.width:
                raise _Diverged
            cells = parsed[0]
            if not any(cell.strip() for cell in cells):
                continue
            yield width_rejection(
                self.name, line, len(cells), self.width, csv_line(cells, self.delimiter)
            )

    # ------------------------------------------------------------------- rows

    def _rows(
        self, cells: list[_Array], ends: _Array
    ) -> tuple[ArrowBatch | None, list[tuple[int, Rejection | FeedWarning]]]:
        """The valid rows as a batch (fast-accepted and Python-checked), and the others' items."""
        n = len(ends)
        trimmed = [pc.utf8_trim(column, characters=PY_WHITESPACE) for column in cells]
        present = [_filled(t) for t in trimmed]
        filled = reduce(pc.or_, present)
        values = {field: self._value(field, trimmed, present, n) for field in _PART_PRICE_FIELDS}
        accept = reduce(
            pc.and_,
            [
                filled,
                _matches(values["part_number"], _PART_NUMBER),
                pc.is_valid(values["name"]),
                *(_absent_or(values[f], _fits(values[f], _WIDTHS[f])) for f in _TEXT),
                *(_absent_or(values[f], _matches(values[f], _AMOUNT)) for f in _PRICES),
                _absent_or(values["effective_from"], _iso_dates(values["effective_from"])),
                *self._no_blank_defaults(present, n),
            ],
        )
        accepted = pc.indices_nonzero(accept)
        columns: dict[str, _Array] = {"line": pc.filter(ends, accept)}
        columns["part_number"] = pc.ascii_upper(pc.filter(values["part_number"], accept))
        columns["name"] = pc.filter(values["name"], accept)
        for field in _OPTIONAL_TEXT:
            columns[field] = pc.filter(values[field], accept)
        for field in _PRICES:
            columns[_FEN[field]] = _fen(pc.filter(values[field], accept))
        columns["effective_from"] = _dates(pc.filter(values["effective_from"], accept))
        fast = pa.RecordBatch.from_arrays(
            [columns[f.name] for f in PART_PRICE_SCHEMA], schema=PART_PRICE_SCHEMA
        )
        slow = pc.indices_nonzero(pc.and_(filled, pc.invert(accept))).to_pylist()
        if not slow:
            return self._batch(fast, accepted, cells), []
        rows, origin, items = self._python_rows(cells, ends, slow)
        if not rows:
            return self._batch(fast, accepted, cells), items
        checked = pa.RecordBatch.from_pylist(rows, schema=PART_PRICE_SCHEMA)
        table = pa.Table.from_batches([fast, checked])
        order = pc.sort_indices(table.column("line"))
        merged = table.take(order).combine_chunks().to_batches()[0]
        everywhere = pa.concat_arrays([accepted, pa.array(origin, pa.uint64())])
        return self._batch(merged, pc.take(everywhere, order), cells), items

    def _value(self, field: str, trimmed: list[_Array], present: list[_Array], n: int) -> _Array:
        """The field's stripped cell where not empty, else its stripped default (else null)."""
        default = (self.mapping.defaults.get(field) or "").strip()
        index = self.fields.get(field)
        if index is None:
            return pa.array([default or None] * n, pa.string())
        value = pc.if_else(present[index], trimmed[index], pa.scalar(None, pa.string()))
        return pc.fill_null(value, default) if default else value

    def _no_blank_defaults(self, present: list[_Array], n: int) -> list[_Array]:
        """A blank default of a checked field is a value the record path refuses (``""`` is
        not a price): rows that would fall back to it are left to Python."""
        masks: list[_Array] = []
        for field, default in self.mapping.defaults.items():
            if field in _OPTIONAL_TEXT or default.strip():
                continue
            index = self.fields.get(field)
            masks.append(pa.array([False] * n) if index is None else present[index])
        return masks

    def _python_rows(
        self, cells: list[_Array], ends: _Array, indices: list[int]
    ) -> tuple[list[dict[str, Any]], list[int], list[tuple[int, Rejection | FeedWarning]]]:
        """Rows the fast checks left alone, judged by the record path's code."""
        take = pa.array(indices, pa.int64())
        texts = [pc.take(column, take).to_pylist() for column in cells]
        lines = pc.take(ends, take).to_pylist()
        rows: list[dict[str, Any]] = []
        origin: list[int] = []
        items: list[tuple[int, Rejection | FeedWarning]] = []
        for k, index in enumerate(indices):
            row = [column[k] or "" for column in texts]
            line = lines[k]
            raw = csv_line(row, self.delimiter)
            for item in row_items(self.name, line, row, raw, self.mapping, self.fields, self.build):
                if isinstance(item, Located):
                    rows.append(_row_of(item))
                    origin.append(index)
                else:
                    items.append((line, item))
        return rows, origin, items

    def _batch(
        self, rows: pa.RecordBatch, origin: _Array, cells: list[_Array]
    ) -> ArrowBatch | None:
        if rows.num_rows == 0:
            return None
        where: list[int] = origin.to_pylist()
        delimiter = self.delimiter

        def source_row(index: int) -> str:
            at = where[index]
            return csv_line([column[at].as_py() or "" for column in cells], delimiter)

        return ArrowBatch(PART_PRICES, self.name, rows, source_row)


_PART_PRICE_FIELDS = ("part_number", "name", *_OPTIONAL_TEXT, *_PRICES, "effective_from")
_TEXT = ("name", *_OPTIONAL_TEXT)


def _line_breaks(column: _Array) -> _Array | None:
    """Line breaks per cell, or None when the column has none.

    A carriage return in a cell is left to the record path: Arrow 26 drops the
    ``\\n`` of a quoted ``\\r\\n`` that straddles two blocks.
    """
    text = column.buffers()[2]
    if text is None:
        return None
    data = text.to_pybytes()
    if b"\r" in data:
        raise _Diverged
    if b"\n" not in data:
        return None
    newlines: _Array = pc.count_substring(column, "\n")
    if not pc.sum(newlines).as_py():
        return None
    counted: _Array = pc.fill_null(newlines, pa.scalar(0, newlines.type))
    return pc.cast(counted, pa.int64())


def _longest(column: _Array, *, chars: bool) -> int:
    """The longest cell, in bytes or in characters (``csv`` limits characters)."""
    lengths: _Array = pc.utf8_length(column) if chars else pc.binary_length(column)
    found = pc.max(lengths).as_py()
    return 0 if found is None else int(found)


def _filled(values: _Array) -> _Array:
    """Not null and not empty."""
    lengths: _Array = pc.binary_length(values)
    longer: _Array = pc.greater(lengths, pa.scalar(0, lengths.type))
    return pc.fill_null(longer, False)


def _matches(values: _Array, pattern: str) -> _Array:
    matched: _Array = pc.match_substring_regex(values, pattern)
    return pc.fill_null(matched, False)


def _fits(values: _Array, width: int) -> _Array:
    """At most ``width`` characters (what the record's field may hold)."""
    lengths: _Array = pc.utf8_length(values)
    return pc.fill_null(pc.less_equal(lengths, pa.scalar(width, lengths.type)), False)


def _absent_or(values: _Array, ok: _Array) -> _Array:
    return pc.or_(pc.is_null(values), ok)


def _iso_dates(values: _Array) -> _Array:
    """``YYYY-MM-DD`` of a real day: Arrow's parser rolls ``02-30`` over to ``03-02``, so
    its year, month and day must be the text's."""
    shaped = _matches(values, _DATE)
    text = pc.if_else(shaped, values, "2000-01-01")
    parsed = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
    same = shaped
    for part, start, stop in ((pc.year, 0, 4), (pc.month, 5, 7), (pc.day, 8, 10)):
        digits = pc.cast(pc.utf8_slice_codeunits(text, start, stop), pa.int64())
        same = pc.and_(same, pc.fill_null(pc.equal(part(parsed), digits), False))
    return same


def _dates(values: _Array) -> _Array:
    """Accepted ``YYYY-MM-DD`` texts (or nulls) as dates."""
    return pc.cast(values, pa.date32())


def _fen(values: _Array) -> _Array:
    """Accepted plain amounts (``1299``, ``1299.5``, ``1299.50``; or nulls) to integer fen,
    exactly: Arrow's decimal parsing, no float."""
    cents = pc.cast(values, pa.decimal128(17, 2))
    return pc.cast(pc.multiply(cents, pa.scalar(100, pa.decimal128(3, 0))), pa.int64())


# ------------------------------------------------------------------ records → batches


def _row_of(item: Located) -> dict[str, Any]:
    """A record of the record path as a :data:`PART_PRICE_SCHEMA` row (its prices, within
    ``MAX_AMOUNT`` by the record's own rule, fit the layout's ``int64`` fen)."""
    record = item.record
    assert isinstance(record, PartPriceRecord)
    return {
        "line": item.location.line,
        "part_number": str(record.part_number),
        "name": record.name,
        "brand": record.brand,
        "unit": record.unit,
        "effective_from": _plain_date(record.effective_from),
        "part_class": record.part_class,
        "retail_fen": None if record.retail_price is None else fen_of(record.retail_price),
        "dealer_fen": None if record.dealer_price is None else fen_of(record.dealer_price),
    }


def _plain_date(value: dt.date | None) -> dt.date | None:
    return None if value is None else dt.date(value.year, value.month, value.day)


def records_as_batches(
    name: str, items: Iterable[FeedItem], *, after: int = 0, size: int = RECORD_BATCH_ROWS
) -> Iterator[ArrowBatch | Rejection | FeedWarning]:
    """The record path's items past line ``after``, its records packed into batches."""
    rows: list[dict[str, Any]] = []
    raws: list[str] = []

    def flush() -> ArrowBatch:
        batch = pa.RecordBatch.from_pylist(rows, schema=PART_PRICE_SCHEMA)
        source = list(raws)
        rows.clear()
        raws.clear()
        return ArrowBatch(PART_PRICES, name, batch, source.__getitem__)

    for item in items:
        line = item.location.line
        if line is not None and line <= after:
            continue
        if not isinstance(item, Located):
            yield item
            continue
        rows.append(_row_of(item))
        raws.append(item.raw or "")
        if len(rows) >= size:
            yield flush()
    if rows:
        yield flush()
