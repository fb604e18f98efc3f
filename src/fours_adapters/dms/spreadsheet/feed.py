"""``CsvFeed``: spreadsheet exports (CSV) read through a column mapping.

Streams rows with the standard ``csv`` module over a strictly decoded text
stream (see :mod:`.encoding`); each row becomes a record or a rejection that
names the file, line, field and reason and keeps the row's text, so the
reject file can be fixed and fed again.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO, TextIO

import pendulum

from fours_adapters.dms.columnar import PART_PRICES, ArrowBatch
from fours_adapters.dms.spreadsheet.encoding import EncodingProblem, Sniffed, sniff
from fours_adapters.dms.spreadsheet.mapping import ColumnMapping, KindMapping
from fours_domain.dms.ports import (
    Document,
    DocumentIdentity,
    DocumentRefused,
    FeedItem,
    FeedWarning,
    KindNotSupported,
    Located,
    Rejection,
    SourceLocation,
)
from fours_domain.dms.records import (
    ManufacturerVehicleState,
    PartPriceRecord,
    PriceKind,
    PriceListRecord,
    RebateStatementLine,
    Record,
    RecordKind,
    StockPositionRecord,
    VehicleInventoryRecord,
    VehicleOrderStatusRecord,
)
from fours_domain.shared.catalogue import VehicleSpec
from fours_domain.shared.errors import DomainError
from fours_domain.shared.identifiers import Vin, VinCheck
from fours_domain.shared.money import Money, parse_amount
from fours_domain.shared.time import Date

_DATE = re.compile(r"^(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})日?(?:[ T].*)?$")
_SPECIAL = re.compile(r'[",\r\n]')


class _FieldProblem(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def parse_date(raw: str) -> Date:
    """``2026-11-25``, ``2026/11/25``, ``20261125``, ``2026年11月25日`` (a time part is ignored)."""
    match = _DATE.match(raw.strip())
    if match is None:
        raise ValueError(f"{raw!r} is not a date (YYYY-MM-DD)")
    return pendulum.Date(int(match[1]), int(match[2]), int(match[3]))


def parse_decimal(raw: str) -> Decimal:
    try:
        value = Decimal(raw.strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"{raw!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{raw!r} is not a finite number")
    return value


def parse_money(raw: str) -> Money:
    """``¥1,299.50``, ``1299.5元``, ``RMB 1299.50`` → CNY by the domain's one rule
    (:func:`~fours_domain.shared.money.parse_amount`, ADR 0074); more than two decimals,
    ``12,5``, ``1e3`` or ``NaN`` is an error. The maximum amount is the records' check
    (it names their field, ADR 0062)."""
    try:
        return parse_amount(raw, "amount", bounded=False)
    except DomainError as error:
        raise ValueError(error.message) from None


def csv_line(row: list[str], delimiter: str = ",") -> str:
    """The row as one CSV line (quoted only where needed)."""
    if not any(_SPECIAL.search(cell) or delimiter in cell for cell in row):
        return delimiter.join(row)
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="").writerow(row)
    return buffer.getvalue()


class CsvFeed:
    """Reads CSV exports through a :class:`ColumnMapping` (the ``csv`` entry point)."""

    def __init__(self, mapping: ColumnMapping, name: str = "csv") -> None:
        self.mapping = mapping
        self._name = name
        self._sniffed: list[tuple[Document, str, Sniffed]] = []
        """The last documents checked (identity, declared encoding, result): a document is
        hashed and decode-checked once, however many times it is identified, read and its
        header asked for."""

    @property
    def name(self) -> str:
        return self._name

    def reads(self) -> frozenset[RecordKind]:
        return frozenset(self.mapping.kinds)

    def _kind_mapping(self, kind: RecordKind) -> KindMapping:
        found = self.mapping.for_kind(kind)
        if found is None:
            raise KindNotSupported(f"{self.name} (mapping {self.mapping.name})", kind, self.reads())
        return found

    def _sniff(self, document: Document) -> Sniffed:
        declared = document.options.get("encoding") or self.mapping.encoding
        for seen, encoding, sniffed in self._sniffed:
            if seen is document and encoding == declared:
                return sniffed
        try:
            with document.open() as stream:
                found = sniff(stream, declared)
        except EncodingProblem as problem:
            raise DocumentRefused(document.name, str(problem)) from None
        self._sniffed = [*self._sniffed[-3:], (document, declared, found)]
        return found

    def identify(self, document: Document, kind: RecordKind) -> DocumentIdentity:
        """Key ``sha256:<hash of the bytes>``; rows are then keyed by their record key."""
        self._kind_mapping(kind)
        sniffed = self._sniff(document)
        return DocumentIdentity(
            f"sha256:{sniffed.sha256}", sniffed.sha256, f"CSV in {sniffed.encoding}"
        )

    def header(self, document: Document) -> list[str]:
        """The document's header row (for reject files that keep the same layout)."""
        sniffed = self._sniff(document)
        with document.open() as stream:
            text = io.TextIOWrapper(stream, encoding=sniffed.encoding, newline="")
            row = next(csv.reader(text, delimiter=self.mapping.delimiter), [])
            return [cell.strip().lstrip("\ufeff") for cell in row]

    def read(
        self, document: Document, kind: RecordKind, *, strict: bool = False
    ) -> Iterator[FeedItem]:
        mapping = self._kind_mapping(kind)
        yield from self._read(document, self._sniff(document), mapping, strict)

    def _read(
        self, document: Document, sniffed: Sniffed, mapping: KindMapping, strict: bool
    ) -> Iterator[FeedItem]:
        with document.open() as stream:
            text = io.TextIOWrapper(stream, encoding=sniffed.encoding, newline="")
            yield from self._rows(document.name, text, mapping, strict)

    def batch_format(self, kind: RecordKind, *, strict: bool = False) -> str | None:
        """Part prices come in Arrow batches (lenient reading only: ``strict`` is the
        record path's)."""
        if kind is RecordKind.PART_PRICES and not strict and kind in self.mapping.kinds:
            return PART_PRICES
        return None

    def read_batches(
        self, document: Document, kind: RecordKind, *, strict: bool = False
    ) -> Iterator[ArrowBatch | Rejection | FeedWarning]:
        """What :meth:`read` reads, the valid part price rows as Arrow batches (see
        :mod:`.batches`); strict reading packs the record path's records."""
        from fours_adapters.dms.spreadsheet.batches import (
            read_part_price_batches,
            records_as_batches,
        )

        mapping = self._kind_mapping(kind)
        if kind is not RecordKind.PART_PRICES:
            raise KindNotSupported(f"{self.name} (column batches)", kind, [RecordKind.PART_PRICES])
        sniffed = self._sniff(document)
        if strict:
            yield from records_as_batches(
                document.name, self._read(document, sniffed, mapping, strict=True)
            )
            return
        yield from read_part_price_batches(
            document,
            sniffed.encoding,
            self.mapping.delimiter,
            mapping,
            row_builder(kind),
            lambda: self._read(document, sniffed, mapping, strict=False),
        )

    def _rows(
        self, name: str, text: TextIO, mapping: KindMapping, strict: bool
    ) -> Iterator[FeedItem]:
        delimiter = self.mapping.delimiter
        reader = csv.reader(text, delimiter=delimiter, strict=strict)
        header = first_row(name, reader)
        fields, width = header_layout(name, header, mapping)
        build = _BUILDERS[mapping.kind]
        partial = mapping.kind is RecordKind.PARTS_INVENTORY and is_reject_file(header)
        if partial:
            yield FeedWarning(
                SourceLocation(name, 1),
                "a reject file (reject_reason / reject_location columns): its rows are applied "
                "as an incremental inventory — positions it does not list are kept",
            )
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise DocumentRefused(
                    name, f"line {reader.line_num}: {exc}", line=reader.line_num
                ) from None
            line = reader.line_num
            if not row or not any(cell.strip() for cell in row):
                continue
            raw = csv_line(row, delimiter)
            if len(row) != width:
                yield width_rejection(name, line, len(row), width, raw)
                continue
            yield from row_items(name, line, row, raw, mapping, fields, build, partial)

    reject_suffix = ".rejects.csv"

    def reject_writer(self, document: Document, stream: BinaryIO) -> CsvRejectFile:
        """A reject file in the document's own layout (plus reason columns), UTF-8 with BOM."""
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        return CsvRejectFile(text, self.header(document), self.mapping.delimiter)


def first_row(name: str, reader: Iterator[list[str]]) -> list[str]:
    """The header row; refuses an empty document."""
    try:
        return next(reader)
    except StopIteration:
        raise DocumentRefused(name, "is empty: no header row") from None
    except csv.Error as exc:
        raise DocumentRefused(name, f"line 1: {exc}", line=1) from None


def header_layout(name: str, header: list[str], mapping: KindMapping) -> tuple[dict[str, int], int]:
    """field → cell index, and the header's width; refuses a header without required columns.

    Header cells are stripped and a BOM left by a declared ``utf-8`` is dropped.
    """
    header = [cell.strip().lstrip("\ufeff") for cell in header]
    positions = {column: i for i, column in enumerate(header) if column}
    missing = [
        f"{column} ({field})"
        for field, column in mapping.required_columns().items()
        if column not in positions
    ]
    if missing:
        raise DocumentRefused(
            name,
            f"missing required column(s) {', '.join(missing)}; "
            f"the header has {', '.join(header) or 'no columns'}",
            missing=missing,
        )
    fields = {
        field: positions[column] for field, column in mapping.columns.items() if column in positions
    }
    return fields, len(header)


def width_rejection(name: str, line: int, cells: int, width: int, raw: str) -> Rejection:
    return Rejection(
        SourceLocation(name, line), f"row has {cells} cells, the header has {width}", raw=raw
    )


RowBuilder = Callable[[Mapping[str, str], KindMapping, list[str]], Record]


def row_items(
    name: str,
    line: int,
    row: list[str],
    raw: str,
    mapping: KindMapping,
    fields: Mapping[str, int],
    build: RowBuilder,
    partial: bool = False,
) -> Iterator[FeedItem]:
    """One non-blank row of the header's width → its record (or rejection) and warnings.

    Shared by the record path and the batch path's rows that the vectorised checks
    leave to Python, so both paths judge a row by the same code. ``partial``: the row of
    a reject file, applied as an incremental inventory whatever its ``inventory_type``.
    """
    values: dict[str, str] = dict(mapping.defaults)
    for field, index in fields.items():
        cell = row[index].strip()
        if cell:
            values[field] = cell
    if partial:
        values["inventory_type"] = "incremental"
    warnings: list[str] = []
    try:
        record = build(values, mapping, warnings)
    except _FieldProblem as problem:
        # A parts inventory's rejected row keeps its part's positions (ADR 0076): say which.
        key = values.get("part_number") if mapping.kind is RecordKind.PARTS_INVENTORY else None
        yield Rejection(SourceLocation(name, line, field=problem.field), problem.reason, raw, key)
        return
    for message in warnings:
        yield FeedWarning(SourceLocation(name, line, field="vin"), message)
    yield Located(record, SourceLocation(name, line), raw)


REJECT_COLUMNS = ("reject_reason", "reject_location")


def is_reject_file(header: list[str]) -> bool:
    """A reject file carries :data:`REJECT_COLUMNS` — its mark: only its rows are applied
    (a parts inventory's reject file is incremental, never a full snapshot; ADR 0076)."""
    return any(cell.strip().lstrip("\ufeff") in REJECT_COLUMNS for cell in header)


class CsvRejectFile:
    """Rejected rows, in the source's columns plus ``reject_reason`` and ``reject_location``.

    Fix the rows and feed the file again: the mapping ignores the extra columns, and a
    reject file of a reject file has them once, with the new reasons. The columns also
    mark the file as a reject file (:func:`is_reject_file`): a parts inventory's reject
    file is applied as an incremental inventory, never as a full one.
    """

    def __init__(self, sink: TextIO, header: list[str], delimiter: str = ",") -> None:
        self._sink = sink
        self._delimiter = delimiter
        self._dropped = {i for i, column in enumerate(header) if column in REJECT_COLUMNS}
        self._writer = csv.writer(sink, delimiter=delimiter, lineterminator="\n")
        self._writer.writerow([*self._kept(header), *REJECT_COLUMNS])
        self.rejected = 0

    def _kept(self, row: list[str]) -> list[str]:
        return [cell for i, cell in enumerate(row) if i not in self._dropped]

    def reject(self, rejection: Rejection) -> None:
        self.rejected += 1
        row: list[str] = []
        if rejection.raw is not None:
            row = self._kept(next(csv.reader([rejection.raw], delimiter=self._delimiter), []))
        self._writer.writerow([*row, rejection.reason, str(rejection.location)])

    def close(self) -> None:
        self._sink.flush()
        if isinstance(self._sink, io.TextIOWrapper):
            self._sink.detach()


# ---------------------------------------------------------------------- row builders


def _get(values: Mapping[str, str], field: str) -> str | None:
    return values.get(field)


def _need(values: Mapping[str, str], field: str) -> str:
    value = values.get(field)
    if value is None:
        raise _FieldProblem(field, f"{field} is empty")
    return value


def _convert(values: Mapping[str, str], field: str, parse: Callable[[str], Any]) -> Any:
    raw = values.get(field)
    if raw is None:
        return None
    try:
        return parse(raw)
    except ValueError as exc:
        raise _FieldProblem(field, f"{field}: {exc}") from None


def _quantity(values: Mapping[str, str], field: str) -> Decimal | None:
    value: Decimal | None = _convert(values, field, parse_decimal)
    if value is not None and value < 0:
        raise _FieldProblem(field, f"{field} {value} is negative")
    return value


def _vin(values: Mapping[str, str], field: str, warnings: list[str]) -> Vin | None:
    raw = values.get(field)
    if raw is None:
        return None
    result = Vin.parse(raw, VinCheck.LENIENT)
    vin = result.value_or(None)
    if vin is None:
        raise _FieldProblem(field, result.failure().message)
    warnings.extend(vin.warnings)
    return vin


def _state(values: Mapping[str, str], mapping: KindMapping) -> tuple[ManufacturerVehicleState, str]:
    raw = _need(values, "state")
    state = mapping.states.get(raw.upper()) or ManufacturerVehicleState.parse(raw)
    if state is None:
        raise _FieldProblem("state", f"unknown vehicle state code {raw!r}")
    return state, raw


def _year(values: Mapping[str, str]) -> int | None:
    raw = values.get("model_year")
    if raw is None:
        return None
    try:
        return int(raw.strip()[:4])
    except ValueError:
        raise _FieldProblem("model_year", f"model_year {raw!r} is not a year") from None


def _spec(values: Mapping[str, str]) -> VehicleSpec:
    try:
        return VehicleSpec(
            brand=_need(values, "brand"),
            model=_need(values, "model"),
            trim=values.get("trim"),
            colour=values.get("colour"),
            interior=values.get("interior"),
            model_year=_year(values),
        )
    except DomainError as error:
        raise _FieldProblem("model", error.message) from None


def _guard(field: str, make: Callable[[], Record]) -> Record:
    """``make()``, its refusal rejected on the field it names (else on ``field``)."""
    try:
        return make()
    except DomainError as error:
        named = error.details.get("field")
        raise _FieldProblem(named if isinstance(named, str) else field, error.message) from None


def _vehicle(values: Mapping[str, str], mapping: KindMapping, warnings: list[str]) -> Record:
    vin = _vin(values, "vin", warnings)
    if vin is None:
        raise _FieldProblem("vin", "vin is empty")
    spec = _spec(values)
    state, raw_state = _state(values, mapping)
    options_raw = values.get("options") or ""
    options = tuple(o.strip() for o in options_raw.split(mapping.options_separator) if o.strip())
    return _guard(
        "invoice_price",
        lambda: VehicleInventoryRecord(
            vin=vin,
            spec=spec,
            state=state,
            manufacturer_state=raw_state,
            dealer_code=values.get("dealer_code"),
            order_number=values.get("order_number"),
            allocation_number=values.get("allocation_number"),
            ship_date=_convert(values, "ship_date", parse_date),
            eta=_convert(values, "eta", parse_date),
            carrier=values.get("carrier"),
            invoice_number=values.get("invoice_number"),
            invoice_price=_convert(values, "invoice_price", parse_money),
            invoice_tax=_convert(values, "invoice_tax", parse_money),
            options=options,
            colour_name=values.get("colour_name"),
        ),
    )


def _order_status(values: Mapping[str, str], mapping: KindMapping, warnings: list[str]) -> Record:
    state, raw_state = _state(values, mapping)
    vin = _vin(values, "vin", warnings)
    return _guard(
        "order_number",
        lambda: VehicleOrderStatusRecord(
            order_number=_need(values, "order_number"),
            state=state,
            manufacturer_state=raw_state,
            vin=vin,
            dealer_code=values.get("dealer_code"),
            status_date=_convert(values, "status_date", parse_date),
            eta=_convert(values, "eta", parse_date),
        ),
    )


def _money_field(values: Mapping[str, str], field: str) -> Money | None:
    money: Money | None = _convert(values, field, parse_money)
    if money is not None and money.amount < 0:
        raise _FieldProblem(field, f"{field} {money.amount} is negative")
    return money


def _part_price(values: Mapping[str, str], mapping: KindMapping, warnings: list[str]) -> Record:
    number = _need(values, "part_number")
    name = _need(values, "name")
    retail = _money_field(values, "retail_price")
    dealer = _money_field(values, "dealer_price")
    effective = _convert(values, "effective_from", parse_date)
    return _guard(
        "part_number",
        lambda: PartPriceRecord(
            part_number=number,
            name=name,
            brand=values.get("brand"),
            retail_price=retail,
            dealer_price=dealer,
            unit=values.get("unit"),
            effective_from=effective,
            part_class=values.get("part_class"),
        ),
    )


_INVENTORY_TYPES = {"full": False, "全量": False, "incremental": True, "增量": True}


def _stock(values: Mapping[str, str], mapping: KindMapping, warnings: list[str]) -> Record:
    number = _need(values, "part_number")
    on_hand = _quantity(values, "on_hand")
    if on_hand is None:
        raise _FieldProblem("on_hand", "on_hand is empty")
    reserved = _quantity(values, "reserved")
    on_order = _quantity(values, "on_order")
    back_ordered = _quantity(values, "back_ordered")
    unit_price = _money_field(values, "unit_price")
    list_price = _money_field(values, "list_price")
    last_sold_on = _convert(values, "last_sold_on", parse_date)
    last_received_on = _convert(values, "last_received_on", parse_date)
    as_of = _convert(values, "as_of", parse_date)
    kind = (values.get("inventory_type") or "full").strip().lower()
    if kind not in _INVENTORY_TYPES:
        raise _FieldProblem(
            "inventory_type", f"inventory_type {kind!r} is not full (全量) or incremental (增量)"
        )
    return _guard(
        "part_number",
        lambda: StockPositionRecord(
            part_number=number,
            on_hand=on_hand,
            dealer_code=values.get("dealer_code"),
            bin=values.get("bin"),
            reserved=reserved,
            on_order=on_order,
            unit_price=unit_price,
            name=values.get("name"),
            part_class=values.get("part_class"),
            brand=values.get("brand"),
            list_price=list_price,
            back_ordered=back_ordered,
            last_sold_on=last_sold_on,
            last_received_on=last_received_on,
            as_of=as_of,
            incremental=_INVENTORY_TYPES[kind],
        ),
    )


def _price_line(values: Mapping[str, str], mapping: KindMapping, warnings: list[str]) -> Record:
    spec = _spec(values)
    raw_kind = _need(values, "kind")
    kind = mapping.price_kinds.get(raw_kind.upper())
    if kind is None:
        try:
            kind = PriceKind(raw_kind.lower())
        except ValueError:
            raise _FieldProblem("kind", f"unknown price kind {raw_kind!r}") from None
    amount = _money_field(values, "amount")
    if amount is None:
        raise _FieldProblem("amount", "amount is empty")
    valid_from = _convert(values, "valid_from", parse_date)
    if valid_from is None:
        raise _FieldProblem("valid_from", "valid_from is empty")
    valid_until = _convert(values, "valid_until", parse_date)
    return _guard(
        "valid_until",
        lambda: PriceListRecord(
            spec=spec, kind=kind, amount=amount, valid_from=valid_from, valid_until=valid_until
        ),
    )


def _rebate(values: Mapping[str, str], mapping: KindMapping, warnings: list[str]) -> Record:
    amount: Money | None = _convert(values, "amount", parse_money)
    if amount is None:
        raise _FieldProblem("amount", "amount is empty")
    vin = _vin(values, "vin", warnings)
    return _guard(
        "statement_id",
        lambda: RebateStatementLine(
            statement_id=_need(values, "statement_id"),
            line_id=_need(values, "line_id"),
            policy_code=_need(values, "policy_code"),
            amount=amount,
            dealer_code=values.get("dealer_code"),
            vin=vin,
            period=values.get("period"),
        ),
    )


_BUILDERS: dict[RecordKind, RowBuilder] = {
    RecordKind.VEHICLE_INVENTORY: _vehicle,
    RecordKind.VEHICLE_ORDER_STATUS: _order_status,
    RecordKind.PART_PRICES: _part_price,
    RecordKind.PARTS_INVENTORY: _stock,
    RecordKind.PRICE_LIST: _price_line,
    RecordKind.REBATE_STATEMENT: _rebate,
}


def open_bytes(data: bytes) -> Callable[[], BinaryIO]:
    """A document opener over bytes in memory (tests, examples)."""
    return lambda: io.BytesIO(data)


def row_builder(kind: RecordKind) -> RowBuilder:
    """The function that turns a row's field values into a record of ``kind``."""
    return _BUILDERS[kind]
