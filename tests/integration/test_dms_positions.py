"""Parts inventories through ``import_document`` with the real applier, on SQLite and
PostgreSQL: positions stored and replaced, the catalogue completed, rows located, the
stocktake inside the import's transaction."""

from __future__ import annotations

import io

import pytest

from fours_adapters.bootstrap import FoursApp
from fours_adapters.dms.binding import BindingContext, StockAdjustmentOptions, bound_appliers
from fours_adapters.dms.spreadsheet import CsvFeed, builtin_mapping
from fours_adapters.dms.testing import CollectedRejects
from fours_domain.dms.ports import Document
from fours_domain.dms.positions import PositionsReport
from fours_domain.dms.records import RecordKind
from fours_domain.dms.services import ImportDocument, ImportSummary, import_document
from fours_domain.inventory import services as inv
from fours_domain.org.model import MasterDataScope
from fours_domain.shared.catalogue import PartNumber
from fours_domain.shared.errors import DomainError
from fours_domain.shared.ids import StoreId
from tests.tables import row_counts
from tests.unit.inventory import world

KIND = RecordKind.PARTS_INVENTORY
HEADER = "配件编号,配件名称,配件类别,库存数量,预留数量,库位,成本价,零售价,经销商代码,库存类型\n"


@pytest.fixture
def group(app: FoursApp) -> FoursApp:
    world.seed(app.uow, app.clock)
    inv.receive_parts(
        app.uow(),
        inv.ReceiveParts("S1", "W1", "A-01", (inv.PartQuantity("P-1", 5),)),
        app.clock,
        app.ids,
    ).unwrap()
    return app


def run(
    app: FoursApp,
    rows: str,
    rejects: CollectedRejects | None = None,
    adjust: StockAdjustmentOptions | None = None,
) -> ImportSummary | DomainError:
    context = BindingContext("csv", {"D-1": "S1", "D-9": "NOWHERE"}, None, adjust)
    data = (HEADER + rows).encode("gbk")
    result = import_document(
        app.uow(),
        CsvFeed(builtin_mapping("cn-oem")),
        bound_appliers(context)[KIND],
        ImportDocument(Document("库存.csv", lambda: io.BytesIO(data)), KIND, batch_size=2),
        clock=app.clock,
        ids=app.ids,
        rejects=rejects or CollectedRejects(),
    )
    return result.value_or(None) or result.failure()


def positions(app: FoursApp) -> list[tuple[str, str, int]]:
    with app.uow() as uow:
        return [(p.part_number, p.location, p.on_hand) for p in uow.dms_positions.of_stores()]


def test_an_inventory_is_kept_located_and_completes_the_catalogue(group: FoursApp) -> None:
    rejects = CollectedRejects()
    summary = run(
        group,
        "P-1,,,4,1,A-01,70.00,,D-1,\n"  # reprices P-1's cost (80 → 70)
        "N-1,新配件,repair,2,,B-7,30.00,45.00,D-1,\n"  # a new part, its class normalised
        "N-2,坏类别,1X,1,,B-7,30.00,45.00,D-1,\n"  # a class the catalogue refuses
        "N-3,,,1,,B-7,,,D-9,\n"  # a dealer mapped to no store
        "P-1,,,1,,A-01,,,D-1,\n"  # the same part and location twice
        "P-2,,,3,,,,,D-1,\n",  # no location: kept under ""
        rejects,
    )
    assert isinstance(summary, ImportSummary), summary
    assert (summary.created, summary.rejected) == (3, 3)
    assert [(r.location.line, r.location.field) for r in rejects.rejections] == [
        (4, "part_class"),
        (5, "dealer_code"),
        (6, "part_number"),
    ]
    assert "P-1 at location A-01 is listed twice in this document" in rejects.rejections[2].reason
    assert positions(group) == [("N-1", "B-7", 2), ("P-1", "A-01", 4), ("P-2", "", 3)]
    report = summary.report
    assert isinstance(report, PositionsReport)
    assert (report.catalogue_created, report.catalogue_updated) == (1, 1)
    assert [(d.part_number, d.theirs, d.ours) for d in report.comparison.differences] == [
        ("N-1", 2, 0),
        ("P-1", 4, 5),
        ("P-2", 3, 0),
    ]
    with group.uow() as uow:
        new = uow.parts.get(MasterDataScope.group(), PartNumber("N-1"))
        assert new is not None and (new.name, new.part_class) == ("新配件", "REPAIR")
        assert str(new.list_price.amount) == "45.00" and str(new.cost_price.amount) == "30.00"
        known = uow.parts.get(MasterDataScope.group(), PartNumber("P-1"))
        assert known is not None and str(known.cost_price.amount) == "70.00"
        assert uow.parts.get(MasterDataScope.group(), PartNumber("N-2")) is None
        [p1] = [p for p in uow.dms_positions.of_stores([StoreId("S1")]) if p.part_number == "P-1"]
        assert (p1.reserved, str(p1.unit_price.amount if p1.unit_price else None)) == (1, "70.00")
        assert p1.import_id == summary.import_id


def test_full_and_incremental_inventories(group: FoursApp) -> None:
    run(group, "P-1,,,4,,A-01,,,D-1,\nP-2,,,3,,A-02,,,D-1,\n")
    incremental = run(group, "P-1,,,6,,A-01,,,D-1,增量\n")
    assert isinstance(incremental, ImportSummary) and incremental.updated == 1
    assert isinstance(incremental.report, PositionsReport) and incremental.report.dropped == 0
    assert positions(group) == [("P-1", "A-01", 6), ("P-2", "A-02", 3)]
    full = run(group, "P-1,,,6,,A-01,,,D-1,全量\n")
    assert isinstance(full, ImportSummary) and full.unchanged == 1
    assert isinstance(full.report, PositionsReport) and full.report.dropped == 1
    assert positions(group) == [("P-1", "A-01", 6)]


def test_the_stocktake_runs_inside_the_import_and_fails_with_it(group: FoursApp) -> None:
    adjusted = run(group, "P-1,,,3,,A-01,,,D-1,\n", adjust=StockAdjustmentOptions())
    assert isinstance(adjusted, ImportSummary) and isinstance(adjusted.report, PositionsReport)
    [adjustment] = adjusted.report.adjustments or ()
    assert adjustment.variance is not None and adjustment.variance.quantity_variance == -2
    assert adjusted.report.comparison.differences == ()
    with group.uow() as uow:
        [entry] = [e for e in uow.stock.ledger(StoreId("S1")) if e.kind.value == "adjust"]
        assert (entry.quantity, entry.reference) == (-2, f"DMS {adjusted.document_key}")
    before = row_counts(group.engine)
    refused = run(
        group, "P-1,,,9,,A-01,,,D-1,\n", adjust=StockAdjustmentOptions(warehouse_code="W9")
    )
    assert isinstance(refused, DomainError) and "W9" in refused.message
    assert row_counts(group.engine) == before
