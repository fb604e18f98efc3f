"""Malformed documents through the whole import — ``import_document`` with the real SQL
appliers on SQLite, and ``fours dms import`` through the CLI: only clean outcomes (a
summary, or a ``DomainError`` / one JSON error line), every row accounted for, and a
refused document changes nothing (the row counts of every table before == after)."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

import pendulum
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from fours_adapters.bootstrap import FoursApp, bootstrap
from fours_adapters.dms.binding import BindingContext, bound_appliers
from fours_adapters.dms.generate import star_vehicle_inventory
from fours_adapters.dms.spreadsheet import CsvFeed, builtin_mapping
from fours_adapters.dms.star import StarFeed
from fours_adapters.dms.testing import CollectedRejects, hostile_xml
from fours_adapters.sql.metadata import metadata
from fours_adapters.sql.tables import import_all_tables
from fours_cli.cli import cli
from fours_domain.dms.ports import Document, ImportStatus, InboundFeed
from fours_domain.dms.records import RecordKind
from fours_domain.dms.services import ImportDocument, ImportSummary, import_document
from fours_domain.org import services as org
from fours_domain.shared.errors import DomainError
from fours_domain.shared.ids import SequentialIdSource
from fours_domain.shared.time import FixedClock
from tests.tables import row_counts

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NASTY = [
    "", " ", "-1", "-0.01", "1.5", "1e999", "NaN", "Infinity", "1.001", "¥",
    "99999999999999999999999.99", "10000000000.00", "9999999999.99", "NOT-A-VIN",
    "LFV3A28K8M3000013", "LFV3A28K4T3000001",
    "TELEPORTED", "IN_TRANSIT", "在途", "2026-02-30", "2026-11-25", "AUDI", "A6L", "x" * 201,
    "名" * 3000, "\x00", "a\x01b", "REPAIR", "lower", "FAW-0101", "SH01", "A-01",
]  # fmt: skip
KINDS = [
    RecordKind.PART_PRICES,
    RecordKind.PARTS_INVENTORY,
    RecordKind.VEHICLE_INVENTORY,
    RecordKind.PRICE_LIST,
    RecordKind.VEHICLE_ORDER_STATUS,
]


def setup_group(app: FoursApp) -> None:
    clock = app.clock
    org.create_group(app.uow(), org.CreateGroup("ACME", "Acme")).unwrap()
    org.add_region(app.uow(), org.AddRegion("EAST", "East")).unwrap()
    org.add_brand(app.uow(), org.AddBrand("AUDI", "Audi", "FAW")).unwrap()
    org.open_store(
        app.uow(), org.OpenStore("SH01", "SH", "EAST", "Asia/Shanghai", ("AUDI",)), clock
    ).unwrap()


@pytest.fixture
def sqlite_app(sqlite_engine: Engine) -> FoursApp:
    import_all_tables()
    with sqlite_engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    app = bootstrap(
        engine=sqlite_engine,
        clock=FixedClock(pendulum.datetime(2026, 11, 25, 9, tz="Asia/Shanghai")),
        ids=SequentialIdSource("f"),
    )
    setup_group(app)
    return app


@st.composite
def csv_documents(draw: st.DrawFn) -> tuple[RecordKind, bytes]:
    """A generic-layout CSV of a kind, with nasty cells, short/long rows, missing columns,
    truncation and wrong encodings."""
    kind = draw(st.sampled_from(KINDS))
    columns = list(builtin_mapping("generic").kinds[kind].columns.values())
    if draw(st.integers(0, 9)) == 0:
        columns.remove(draw(st.sampled_from(columns)))  # a required column may go missing
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for _ in range(draw(st.integers(0, 8))):
        width = len(columns) + draw(st.sampled_from([0, 0, 0, -1, 1]))
        writer.writerow([draw(st.sampled_from(NASTY)) for _ in range(max(width, 0))])
    data = out.getvalue().encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"])))
    shape = draw(st.sampled_from(["whole"] * 4 + ["truncated", "utf-16", "latin-1 spliced"]))
    if shape == "truncated":
        data = data[: draw(st.integers(0, len(data)))]
    elif shape == "utf-16":
        data = out.getvalue().encode("utf-16")
    elif shape == "latin-1 spliced":
        data = data[: len(data) // 2] + "é".encode("latin-1") + data[len(data) // 2 :]
    return kind, data


@st.composite
def star_documents(draw: st.DrawFn) -> tuple[RecordKind, bytes]:
    """A generated STAR notice with mutated values (bad VINs, codes, amounts, texts) and
    truncation or noise."""
    data = b"".join(star_vehicle_inventory(draw(st.integers(1, 4)), bodid="FUZZ-1")).decode()
    for old in ("<VehicleID>", "<VehicleStatusCode>", "<ChargeAmount currencyID=\"CNY\">",
                "<CarrierID>", "<Model>", "<ETADate>"):  # fmt: skip
        if draw(st.booleans()):
            data = data.replace(old, old + draw(st.sampled_from(NASTY)).replace("<", ""), 1)
    raw = data.encode()
    if draw(st.integers(0, 4)) == 0:  # a DOCTYPE: XXE, entity bomb, external DTD (refused)
        raw = draw(st.sampled_from(hostile_xml(raw)))[1]
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(raw)))
        raw = raw[:cut] + draw(st.binary(max_size=8)) + raw[cut + 4 :]
    return RecordKind.VEHICLE_INVENTORY, raw


def _import(app: FoursApp, feed: InboundFeed, kind: RecordKind, data: bytes) -> object:
    context = BindingContext(feed.name, {"FAW-0101": "SH01"}, "SH01")
    result = import_document(
        app.uow(),
        feed,
        bound_appliers(context)[kind],
        ImportDocument(Document("fuzz", lambda: io.BytesIO(data)), kind, batch_size=2),
        clock=app.clock,
        ids=app.ids,
        rejects=CollectedRejects(),
    )
    return result.value_or(None) or result.failure()


def _check(app: FoursApp, engine: Engine, feed: InboundFeed, kind: RecordKind, data: bytes) -> None:
    before = row_counts(engine)
    outcome = _import(app, feed, kind, data)
    if isinstance(outcome, DomainError):
        assert outcome.message
        assert row_counts(engine) == before
        return
    assert isinstance(outcome, ImportSummary)
    if outcome.status is ImportStatus.DUPLICATE:  # an earlier example imported the same
        assert row_counts(engine) == before
        return
    accounted = (
        outcome.created + outcome.updated + outcome.unchanged + outcome.ignored + outcome.rejected
    )
    assert accounted == outcome.read
    assert row_counts(engine)["dms_imports"] == before["dms_imports"] + 1


@FUZZ
@given(csv_documents())
def test_malformed_csv_through_the_sql_appliers(
    sqlite_app: FoursApp, sqlite_engine: Engine, doc: tuple[RecordKind, bytes]
) -> None:
    kind, data = doc
    _check(sqlite_app, sqlite_engine, CsvFeed(builtin_mapping("generic")), kind, data)


@FUZZ
@given(star_documents())
def test_malformed_star_through_the_sql_appliers(
    sqlite_app: FoursApp, sqlite_engine: Engine, doc: tuple[RecordKind, bytes]
) -> None:
    kind, data = doc
    _check(sqlite_app, sqlite_engine, StarFeed(None), kind, data)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(csv_documents())
def test_malformed_documents_through_the_cli(doc: tuple[RecordKind, bytes]) -> None:
    kind, data = doc
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{tmp}/fuzz.db"
        for args in (["db", "upgrade"], ["org", "init", "ACME", "Acme"]):
            assert CliRunner().invoke(cli, ["--db", db, *args]).exit_code == 0
        source = Path(tmp) / "doc.csv"
        source.write_bytes(data)
        engine_counts = _cli_counts(db)
        result = CliRunner().invoke(
            cli,
            ["--db", db, "--json", "--store", "SH01", "dms", "import", "--adapter", "csv",
             "--kind", kind.value, str(source)],
        )  # fmt: skip
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        output = json.loads(result.output)
        if result.exit_code == 0:
            assert output["status"] == "applied"
        else:
            assert set(output) >= {"error", "message"}
            assert _cli_counts(db) == engine_counts


def _cli_counts(db: str) -> dict[str, int]:
    app = bootstrap(db)
    try:
        return row_counts(app.engine)
    finally:
        app.close()
