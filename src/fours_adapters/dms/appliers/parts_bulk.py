"""Part price column batches → the parts catalogue, set-wise (the bulk path of ADR 0058).

Row by row, a million-row price file spends its time in Python objects; here a
batch goes to a temporary staging table (``COPY`` on PostgreSQL, ``executemany``
on SQLite) and is merged with one ``INSERT … ON CONFLICT DO UPDATE``. The
outcome is exactly that of :meth:`PartPriceApplier.apply` on the same rows:

* The catalogue's rules are checked in Arrow first: a row whose name and brand
  have no control character and whose class already is a normalised code is
  accepted at once; the few others are judged by the real domain code
  (:func:`~fours_adapters.dms.appliers.part_rules.new_part`), which also
  normalises a class like ``repair``. Such rows are staged with a ``flaw``:
  ``1`` = cannot be a new part, ``2`` = its name is refused even for a known part.
* Rejections depend on whether the part exists, so SQL finds them: one
  ``DELETE … RETURNING`` of the staged rows refused (run only when the batch has
  flaws or missing prices).
* ``ON CONFLICT`` may touch a row once per statement, so a batch is merged in
  runs split before a repeated part number: run after run is row after row.
* Counts without ``RETURNING``: the parts the run finds existing, and the
  statement's row count (inserted + actually changed rows, thanks to the
  ``DO UPDATE … WHERE``). On PostgreSQL a transaction-level advisory lock keeps
  concurrent part price imports from changing the catalogue between the two.
* A missing price is staged as ``-1`` (prices are never negative): ``NOT NULL``
  is checked before the conflict is, and ``-1`` means "keep the current price".
* First loads (PostgreSQL): while the import finds the group scope of the catalogue
  empty, a batch that cannot be refused and repeats no part number is copied straight
  into ``inv_parts`` under a savepoint — every row is new, nothing to merge. A unique
  violation (a number an earlier batch or another writer added) rolls back to the
  savepoint and the batch takes the merge above; later batches of the import do too.
"""

# SQL here is composed of this module's constants only; values are bound parameters.
# ruff: noqa: S608

from __future__ import annotations

import sqlite3
from typing import Any, Protocol

import attrs
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from sqlalchemy.orm import Session

from fours_adapters.dms.appliers.part_rules import GROUP, UNCLASSIFIED, new_part
from fours_adapters.dms.columnar import PART_PRICES, ArrowBatch
from fours_adapters.sql.inventory import tables as inv
from fours_domain.dms.ports import BatchOutcome, Rejection
from fours_domain.inventory.model import CLASS_PATTERN, MovementClass, Part
from fours_domain.shared.money import money_of_fen

STAGE = "dms_part_price_stage"
PART_PRICE_LOCK = 0x666F7572_73504150
"""``pg_advisory_xact_lock`` key of part price imports (any constant; "foursPAP")."""

_CONTROL = r"\p{Cc}"
_FLAWLESS, _NOT_NEW, _BAD_NAME = 0, 1, 2
_COLUMNS = ("idx", "number", "name", "part_class", "supplier", "retail", "dealer", "flaw")
_ZERO = money_of_fen(0)


@attrs.frozen
class _Checked:
    """The batch's text columns as staged, with the ``(field, message)`` of each flawed row."""

    name: pa.Array[Any]
    part_class: pa.Array[Any]
    supplier: pa.Array[Any]
    flaw: pa.Array[Any]
    errors: dict[int, tuple[str, str]]


def _check(rows: pa.RecordBatch) -> _Checked:
    """Judge the rows by the catalogue's rules: vectorised accept, domain code for the rest.

    Values of flawed rows that are never written are cleared (a NUL byte would stop COPY).
    """
    names: Any = rows.column("name")
    unfilled: tuple[Any, Any, Any] = (
        rows.column("part_class"),
        rows.column("brand"),
        pa.nulls(rows.num_rows, pa.int8()),
    )
    classes: Any = pc.fill_null(unfilled[0], UNCLASSIFIED)
    suppliers: Any = pc.fill_null(unfilled[1], "")
    accepted = pc.and_(
        pc.and_(
            pc.invert(pc.match_substring_regex(names, _CONTROL)),
            pc.match_substring_regex(classes, CLASS_PATTERN),
        ),
        pc.invert(pc.match_substring_regex(suppliers, _CONTROL)),
    )
    doubtful = pc.invert(accepted)
    flaw: Any = pc.fill_null(unfilled[2], _FLAWLESS)
    if not pc.any(doubtful).as_py():
        return _Checked(names, classes, suppliers, flaw, {})
    indices = pc.indices_nonzero(doubtful)
    errors: dict[int, tuple[str, str]] = {}
    kept_names: list[str | None] = []
    kept_classes: list[str | None] = []
    kept_suppliers: list[str | None] = []
    flaws: list[int] = []
    for index, number, name, klass, brand in zip(
        indices.to_pylist(),
        rows.column("part_number").take(indices).to_pylist(),
        names.take(indices).to_pylist(),
        rows.column("part_class").take(indices).to_pylist(),
        rows.column("brand").take(indices).to_pylist(),
        strict=True,
    ):
        assert isinstance(index, int) and isinstance(number, str) and isinstance(name, str)
        part = new_part(number, name, klass, brand, _ZERO, _ZERO)
        if isinstance(part, Part):
            kept_names.append(name)
            kept_classes.append(part.part_class)
            kept_suppliers.append(part.supplier)
            flaws.append(_FLAWLESS)
            continue
        errors[index] = part
        bad_name = part[0] == "name"
        kept_names.append(None if bad_name else name)
        kept_classes.append(None)
        kept_suppliers.append(None)
        flaws.append(_BAD_NAME if bad_name else _NOT_NEW)
    return _Checked(
        pc.replace_with_mask(names, doubtful, pa.array(kept_names, pa.string())),
        pc.replace_with_mask(classes, doubtful, pa.array(kept_classes, pa.string())),
        pc.replace_with_mask(suppliers, doubtful, pa.array(kept_suppliers, pa.string())),
        pc.replace_with_mask(flaw, doubtful, pa.array(flaws, pa.int8())),
        errors,
    )


def _runs(numbers: pa.Array[Any]) -> list[tuple[int, int]]:
    """``[start, stop)`` ranges without a repeated part number, in order (usually one)."""
    size = len(numbers)
    if pc.count_distinct(numbers).as_py() == size:
        return [(0, size)]
    runs: list[tuple[int, int]] = []
    seen: set[str] = set()
    start = 0
    for index, number in enumerate(numbers.to_pylist()):
        if number in seen:
            runs.append((start, index))
            seen = set()
            start = index
        seen.add(str(number))
    runs.append((start, size))
    return runs


def _staging(rows: pa.RecordBatch, checked: _Checked, start: int, stop: int) -> pa.RecordBatch:
    length = stop - start
    return pa.RecordBatch.from_arrays(
        [
            pa.array(range(start, stop), pa.int32()),
            rows.column("part_number").slice(start, length),
            checked.name.slice(start, length),
            checked.part_class.slice(start, length),
            checked.supplier.slice(start, length),
            rows.column("retail_fen").slice(start, length),
            rows.column("dealer_fen").slice(start, length),
            checked.flaw.slice(start, length),
        ],
        names=list(_COLUMNS),
    )


class _Sql:
    """The statements, in the driver's parameter style (``%s`` or ``?``)."""

    def __init__(self, mark: str, fence: str = "") -> None:
        parts = inv.parts.name
        known = f"SELECT 1 FROM {parts} p WHERE p.scope_key = {mark} AND p.number = {STAGE}.number"
        # (no alias for the staging table: SQLite's RETURNING cannot see one)
        self.refused = (
            f"DELETE FROM {STAGE} WHERE flaw = {_BAD_NAME} OR ("
            f"(retail IS NULL OR dealer IS NULL OR flaw = {_NOT_NEW}) AND NOT EXISTS ({known})) "
            f"RETURNING idx, number, EXISTS ({known}), retail IS NULL, dealer IS NULL"
        )
        # A probe of the primary key per staged row (on PostgreSQL, the ``OFFSET 0`` fence
        # keeps the planner from hashing the whole catalogue, whose statistics lag behind
        # a big import: measured 3x faster for 100k rows against 1M parts).
        self.existing = f"SELECT count(*) FROM {STAGE} WHERE EXISTS ({known}{fence})"
        fast = MovementClass.FAST.value
        self.merge = (
            f"INSERT INTO {parts} (scope_key, number, name, part_class, list_price, cost_price, "
            "supplier, fits, movement_class) "
            f"SELECT {mark}, s.number, s.name, coalesce(s.part_class, ''), coalesce(s.retail, -1), "
            f"coalesce(s.dealer, -1), coalesce(s.supplier, ''), '', '{fast}' "
            f"FROM {STAGE} s WHERE true "
            "ON CONFLICT (scope_key, number) DO UPDATE SET name = excluded.name, "
            f"list_price = CASE WHEN excluded.list_price < 0 THEN {parts}.list_price "
            "ELSE excluded.list_price END, "
            f"cost_price = CASE WHEN excluded.cost_price < 0 THEN {parts}.cost_price "
            "ELSE excluded.cost_price END "
            f"WHERE {parts}.name <> excluded.name "
            f"OR (excluded.list_price >= 0 AND {parts}.list_price <> excluded.list_price) "
            f"OR (excluded.cost_price >= 0 AND {parts}.cost_price <> excluded.cost_price)"
        )


_STAGE_COLUMNS = (
    "idx integer, number text, name text, part_class text, supplier text, "
    "retail bigint, dealer bigint, flaw smallint"
)
_PG = _Sql("%s", " OFFSET 0")
_SQLITE = _Sql("?")

Refused = tuple[int, str, bool, bool, bool]
"""A refused staged row: index in the batch, part number, known, retail null, dealer null."""


class _Stage(Protocol):
    def copy_new(self, rows: pa.RecordBatch) -> bool: ...
    def load(self, rows: pa.RecordBatch) -> None: ...
    def refused(self) -> list[Refused]: ...
    def existing(self) -> int: ...
    def merge(self) -> int: ...
    def close(self) -> None: ...


class _PostgresStage:
    """A temporary table (dropped at commit), filled by ``COPY`` from Arrow's CSV writer."""

    def __init__(self, connection: psycopg.Connection[Any], session: Session) -> None:
        self.session = session
        self.cursor = connection.cursor()
        self.cursor.execute("SELECT pg_advisory_xact_lock(%s)", (PART_PRICE_LOCK,))
        self.cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE} ({_STAGE_COLUMNS}) ON COMMIT DROP"
        )

    def copy_new(self, rows: pa.RecordBatch) -> bool:
        """``COPY`` rows of new parts straight into the catalogue; False on a conflict.

        Only tried while the import found the group scope empty (first loads)."""
        if not self._scope_was_empty():
            return False
        self.cursor.execute("SAVEPOINT dms_part_price_copy")
        try:
            with self.cursor.copy(
                f"COPY {inv.parts.name} ({', '.join(_DIRECT_COLUMNS)}) FROM STDIN (FORMAT csv)"
            ) as copy:
                copy.write(memoryview(_csv(rows)))
        except psycopg.errors.UniqueViolation:
            self.cursor.execute("ROLLBACK TO SAVEPOINT dms_part_price_copy")
            self.session.info[_DIRECT] = False
            return False
        self.cursor.execute("RELEASE SAVEPOINT dms_part_price_copy")
        return True

    def _scope_was_empty(self) -> bool:
        state = self.session.info.get(_DIRECT)
        if state is None:
            self.cursor.execute(
                f"SELECT NOT EXISTS (SELECT 1 FROM {inv.parts.name} WHERE scope_key = %s)",
                (GROUP,),
            )
            found = self.cursor.fetchone()
            state = self.session.info[_DIRECT] = bool(found and found[0])
        return bool(state)

    def load(self, rows: pa.RecordBatch) -> None:
        self.cursor.execute(f"TRUNCATE {STAGE}")
        with self.cursor.copy(
            f"COPY {STAGE} ({', '.join(_COLUMNS)}) FROM STDIN (FORMAT csv)"
        ) as copy:
            copy.write(memoryview(_csv(rows)))

    def refused(self) -> list[Refused]:
        self.cursor.execute(_PG.refused, (GROUP, GROUP))
        return [
            (index, number, known, no_retail, no_dealer)
            for index, number, known, no_retail, no_dealer in self.cursor.fetchall()
        ]

    def existing(self) -> int:
        self.cursor.execute(_PG.existing, (GROUP,))
        found = self.cursor.fetchone()
        assert found is not None
        return int(found[0])

    def merge(self) -> int:
        self.cursor.execute(_PG.merge, (GROUP,))
        return self.cursor.rowcount

    def close(self) -> None:
        self.cursor.close()


class _SqliteStage:
    """A temporary table of the connection, filled by ``executemany``, emptied after use.

    No lock: SQLite write transactions are exclusive already (``BEGIN IMMEDIATE``).
    """

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.cursor = connection.cursor()
        self.cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE} ({_STAGE_COLUMNS})")

    def copy_new(self, rows: pa.RecordBatch) -> bool:
        """Not needed: the staged merge already runs at raw ``executemany`` speed here."""
        return False

    def load(self, rows: pa.RecordBatch) -> None:
        self.cursor.execute(f"DELETE FROM {STAGE}")
        columns = [rows.column(name).to_pylist() for name in _COLUMNS]
        marks = ", ".join("?" * len(_COLUMNS))
        self.cursor.executemany(f"INSERT INTO {STAGE} VALUES ({marks})", zip(*columns, strict=True))

    def refused(self) -> list[Refused]:
        self.cursor.execute(_SQLITE.refused, (GROUP, GROUP))
        return [
            (index, number, bool(known), bool(no_retail), bool(no_dealer))
            for index, number, known, no_retail, no_dealer in self.cursor.fetchall()
        ]

    def existing(self) -> int:
        self.cursor.execute(_SQLITE.existing, (GROUP,))
        return int(self.cursor.fetchone()[0])

    def merge(self) -> int:
        self.cursor.execute(_SQLITE.merge, (GROUP,))
        return self.cursor.rowcount

    def close(self) -> None:
        self.cursor.execute(f"DELETE FROM {STAGE}")
        self.cursor.close()


_DIRECT = "fours.dms.part_prices.copy_new"
"""``session.info`` key: whether this import may still copy new parts straight in."""
_DIRECT_COLUMNS = (
    "scope_key", "number", "name", "part_class", "list_price", "cost_price",
    "supplier", "fits", "movement_class",
)  # fmt: skip


def _csv(rows: pa.RecordBatch) -> pa.Buffer:
    sink = pa.BufferOutputStream()
    pa_csv.write_csv(rows, sink, pa_csv.WriteOptions(include_header=False))
    return sink.getvalue()


def _new_parts(rows: pa.RecordBatch, checked: _Checked) -> pa.RecordBatch:
    """The rows as ``inv_parts`` rows of new parts (only for a batch with no refusable row)."""
    size = rows.num_rows
    return pa.RecordBatch.from_arrays(
        [
            pa.repeat(GROUP, size),
            rows.column("part_number"),
            checked.name,
            checked.part_class,
            rows.column("retail_fen"),
            rows.column("dealer_fen"),
            checked.supplier,
            pa.repeat("", size),
            pa.repeat(MovementClass.FAST.value, size),
        ],
        names=list(_DIRECT_COLUMNS),
    )


def _stage(session: Session) -> _Stage:
    """The staging table on the session's connection, inside its transaction."""
    session.flush()
    driver = session.connection().connection.driver_connection
    if isinstance(driver, sqlite3.Connection):
        return _SqliteStage(driver)
    if isinstance(driver, psycopg.Connection):
        return _PostgresStage(driver, session)
    raise TypeError(f"no bulk path for the driver {type(driver).__name__}")


def apply_part_price_batch(session: Session, batch: ArrowBatch) -> BatchOutcome:
    """Apply a ``arrow/part-prices`` batch as ``PartPriceApplier.apply`` would, row by row.

    Works in the session's transaction and never commits.
    """
    assert batch.format == PART_PRICES
    rows = batch.rows
    if rows.num_rows == 0:
        return BatchOutcome()
    checked = _check(rows)
    may_refuse = bool(
        checked.errors
        or rows.column("retail_fen").null_count
        or rows.column("dealer_fen").null_count
    )
    created = updated = unchanged = 0
    rejections: list[Rejection] = []
    stage = _stage(session)
    runs = _runs(rows.column("part_number"))
    try:
        if not may_refuse and len(runs) == 1 and stage.copy_new(_new_parts(rows, checked)):
            return BatchOutcome(created=rows.num_rows)
        for start, stop in runs:
            stage.load(_staging(rows, checked, start, stop))
            staged = stop - start
            if may_refuse:
                refused = sorted(stage.refused())
                staged -= len(refused)
                rejections.extend(_rejection(batch, checked, row) for row in refused)
            existing = stage.existing()
            changed = stage.merge()
            new = staged - existing
            created += new
            updated += changed - new
            unchanged += existing - (changed - new)
    finally:
        stage.close()
    return BatchOutcome(created, updated, unchanged, rejections)


def _rejection(batch: ArrowBatch, checked: _Checked, refused: Refused) -> Rejection:
    """Why a staged row was refused, worded as the record path words it."""
    index, number, known, no_retail, no_dealer = refused
    if not known:
        missing = [
            field
            for field, absent in (("retail_price", no_retail), ("dealer_price", no_dealer))
            if absent
        ]
        if missing:
            return batch.rejection(
                index, missing[0], f"new part {number} needs {' and '.join(missing)}", number
            )
    field, message = checked.errors[index]
    return batch.rejection(index, field, message, number)
